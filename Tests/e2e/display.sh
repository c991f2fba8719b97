#!/usr/bin/env bash
# The console board and the spoken calls, end to end: `quhao display` in tmux draws the board,
# shows a call made through the API (number, window, block letters, the hall QR), runs the
# announce command with the words to say, says when the terminal is too small, and gives the
# terminal back on Ctrl-C; `--jsonl` writes one JSON object per call and per lost/restored
# connection; `serve --display` draws the same board inside the daemon, logging to a file; the
# daemon's speech for a call is a WAV of plausible length (espeak-ng).
set -uo pipefail
quhao=$1
source "$(dirname "$0")/lib/daemon.bash"
command -v tmux >/dev/null || { echo "  SKIP: tmux is not installed (make test installs it)"; exit 0; }
tmux_() { tmux -L "quhao-e2e-$$" "$@"; }
jsonl_pid=
trap '[[ -n $jsonl_pid ]] && kill $jsonl_pid 2>/dev/null; tmux_ kill-server 2>/dev/null; stop_daemon; rm -rf "$work"' EXIT

start_daemon
base="http://127.0.0.1:$port"
token=$("$quhao" token create --name display-test --role admin 2>/dev/null) || fail "token create"
post() { curl -fsS -X POST -H "Authorization: Bearer $token" -H 'Content-Type: application/json' -d "${2:-{\}}" "$base/api/v1/$1"; }
for _ in 1 2 3; do post counters/qiantang/6/issue '{"service": "consult"}' >/dev/null || fail "issue"; done

# wait_screen SESSION TEXT [SECONDS]: waits until the pane shows TEXT.
wait_screen() {
    for _ in $(seq 1 $((${3:-5} * 10))); do
        tmux_ capture-pane -p -t "$1" 2>/dev/null | grep -qF -- "$2" && return 0
        sleep 0.1
    done
    echo "--- screen of $1"; tmux_ capture-pane -p -t "$1"
    return 1
}

printf '#!/bin/sh\nprintf "%%s\\n" "$1" >> "%s/said.txt"\n' "$work" >announce.sh
chmod +x announce.sh
tmux_ new-session -d -x 120 -y 40 -s board
tmux_ set-option -t board remain-on-exit on
# Each program runs under a small shell that notes its exit status (tmux does not always reap a
# pane's process in time to report it).
cat >board.sh <<SH
#!/bin/sh
trap : INT
"$quhao" display --site qiantang --url "$base" --announce "$work/announce.sh {text}"
echo \$? >"$work/board.status"
SH
chmod +x board.sh
tmux_ respawn-pane -k -t board "$work/board.sh"
tmux_ pipe-pane -t board -o "cat >> $work/board.raw"
"$quhao" display --site qiantang --url "$base" --jsonl >events.jsonl 2>jsonl.err &
jsonl_pid=$!

wait_screen board "正在呼叫" || fail "the console board did not draw"
[[ $(tmux_ display -p -t board '#{alternate_on}') == 1 ]] || fail "the board is not on the alternate screen"
wait_screen board "扫码取号" || fail "no hall QR on a 120×40 terminal (the display key comes from the local database)"
tmux_ capture-pane -p -t board | grep -q '[▀▄]' || fail "the QR is not drawn in half blocks"

# Both clients (the board and --jsonl) hold their first view and wait on the next before the call:
# a client that connects after a call takes it as the past, not as news (a loaded CI run once
# started --jsonl late and it printed the recall only).
parked() { curl -fsS "$base/metrics" | awk '/^quhao_long_polls_parked\{site="qiantang"\}/ { print int($2) }'; }
for _ in $(seq 1 100); do (($(parked || echo 0) >= 2)) && break; sleep 0.1; done
(($(parked || echo 0) >= 2)) || fail "the board and --jsonl did not both wait on the board within 10 s ($(parked) parked)"
post counters/qiantang/6/call-next >/dev/null || fail "call-next"
wait_screen board "请 H001 号到 6 号窗口办理" 3 || fail "the call did not show within 3 s"
wait_screen board "综合咨询窗口 H001 叫号中" 1 || fail "window 6 does not show H001"
screen=$(tmux_ capture-pane -p -t board)
# The block letters read back as the call (each glyph 5×5 cells, two columns a cell).
letters=$(python3 - "$screen" <<'PY'
import sys
glyphs = {"H": ["#   #", "#   #", "#####", "#   #", "#   #"], "0": [" ### ", "#  ##", "# # #", "##  #", " ### "],
          "1": ["  #  ", " ##  ", "  #  ", "  #  ", " ### "], "6": [" ### ", "#    ", "#### ", "#   #", " ### "],
          "→": ["  #  ", "   # ", "#####", "   # ", "  #  "]}
lines = sys.argv[1].split("\n")
rows = [i for i, l in enumerate(lines) if "█" in l]
block = lines[rows[0]:rows[0] + 5]
indent = min(l.index("█") for l in block if "█" in l)
cells = [["#" if c == "█" else " " for c in l[indent:][::2]] for l in block]
text, col = "", 0
while col + 5 <= max(len(r) for r in cells):
    glyph = ["".join((r + [" "] * 10)[col:col + 5]) for r in cells]
    match = [k for k, v in glyphs.items() if v == glyph]
    if match:
        text += match[0]; col += 6
    else:
        col += 1
print(text)
PY
)
[[ $letters == "H001→6" ]] || fail "block letters read \"$letters\", not H001→6"
for _ in $(seq 1 30); do grep -q "H零零一" said.txt 2>/dev/null && break; sleep 0.1; done
[[ $(cat said.txt 2>/dev/null) == "请 H零零一 号到六号窗口办理" ]] || fail "announce command got: $(cat said.txt 2>/dev/null)"
echo "  ok: console board drew the call (text, window, block letters H001→6), the QR, and announced it"

tmux_ resize-window -t board -x 50 -y 12
wait_screen board "Terminal too small" 3 || fail "a 50×12 terminal is not told it is too small"
tmux_ resize-window -t board -x 120 -y 40
wait_screen board "正在呼叫" 3 || fail "the board did not come back after resizing"

# ended NAME: waits until the program of NAME.sh has ended; prints its exit status.
ended() {
    for _ in $(seq 1 100); do
        [[ -s $work/$1.status ]] && { cat "$work/$1.status"; return 0; }
        sleep 0.1
    done
    echo "still running"
}
tmux_ send-keys -t board C-c
status=$(ended board)
[[ $status == 0 ]] || fail "Ctrl-C: quhao display ended with \"$status\": $(tmux_ capture-pane -p -t board | tail -5)"
[[ $(tmux_ display -p -t board '#{alternate_on}') == 0 ]] || fail "the terminal was left on the alternate screen"
# (A dead pane's cursor flag says nothing: the last bytes written must show the cursor.)
python3 -c "import sys; sys.exit(0 if open('board.raw', 'rb').read().endswith(b'\x1b[?25h\x1b[?1049l') else 1)" ||
    fail "the last bytes do not show the cursor and leave the alternate screen: $(tail -c 40 board.raw | od -c | tail -3)"
echo "  ok: too-small terminal told so; Ctrl-C ends it with the terminal restored"

# --jsonl: one object per line; the call, then the connection lost and restored.
post counters/qiantang/6/recall >/dev/null || fail "recall"
for _ in $(seq 1 30); do grep -q '"recall":true' events.jsonl && break; sleep 0.1; done
stop_daemon
for _ in $(seq 1 60); do grep -q '"lost"' events.jsonl && break; sleep 0.1; done
start_daemon
for _ in $(seq 1 150); do grep -q '"restored"' events.jsonl && break; sleep 0.1; done
kill "$jsonl_pid"; wait "$jsonl_pid" 2>/dev/null; jsonl_pid=
python3 - events.jsonl <<'PY' || fail "--jsonl output: $(cat events.jsonl)"
import json, sys
events = [json.loads(line) for line in open(sys.argv[1]) if line.strip()]
calls = [e for e in events if e["event"] == "call"]
assert [(c["number"], c["counter"], c["recall"]) for c in calls] == [("H001", 6, False), ("H001", 6, True)], calls
assert calls[0]["id"] < calls[1]["id"], calls
for c in calls:
    assert set(c) == {"event", "site", "at", "id", "number", "counter", "recall", "text", "spoken"}, c
    assert c["site"] == "qiantang" and c["spoken"] == "请 H零零一 号到六号窗口办理" and c["at"].endswith("Z"), c
states = [e["state"] for e in events if e["event"] == "connection"]
assert states == ["lost", "restored"], states
print(f"  ok: --jsonl wrote {len(events)} lines, each one JSON object (calls, connection lost and restored)")
PY
[[ $? == 0 ]] || exit 1

# The daemon's own voice for a call: a WAV of plausible length.
if command -v espeak-ng >/dev/null; then
    curl -fsS -o call.wav "$base/display/qiantang/speech.wav?number=H001&counter=6" || fail "speech.wav"
    python3 - call.wav <<'PY' || fail "speech.wav is not a plausible WAV"
import sys, wave
with wave.open(sys.argv[1]) as w:
    seconds = w.getnframes() / w.getframerate()
    assert w.getnchannels() in (1, 2) and w.getsampwidth() == 2, (w.getnchannels(), w.getsampwidth())
    assert 1.5 < seconds < 15, seconds
    print(f"  ok: spoken call H001 → window 6 is a {seconds:.1f} s WAV at {w.getframerate()} Hz (espeak-ng)")
PY
else
    echo "  SKIP: espeak-ng is not installed: no speech WAV to check (make test installs it)"
fi
stop_daemon

# serve --display: the board inside the daemon; the log goes to a file; Ctrl-C stops both.
port2=$((port + 1))
tmux_ new-session -d -x 120 -y 40 -s inproc
tmux_ set-option -t inproc remain-on-exit on
cat >inproc.sh <<SH
#!/bin/sh
trap : INT
QUHAO_PORT=$port2 "$quhao" serve --database "$work/inproc/quhao.sqlite" --display qiantang
echo \$? >"$work/inproc.status"
SH
chmod +x inproc.sh
tmux_ respawn-pane -k -t inproc "$work/inproc.sh"
wait_screen inproc "正在呼叫" 10 || fail "serve --display did not draw the board"
"$quhao" ticket take --database "$work/inproc/quhao.sqlite" --site qiantang --service consult >/dev/null || fail "take (CLI)"
"$quhao" ticket call --database "$work/inproc/quhao.sqlite" --site qiantang --counter 6 >/dev/null || fail "call (CLI)"
wait_screen inproc "请 H001 号到 6 号窗口办理" 5 || fail "serve --display did not show a call made from the CLI"
grep -q "Server started" "$work/inproc/quhao.log" || fail "serve --display did not log to quhao.log beside the database"
tmux_ send-keys -t inproc C-c
status=$(ended inproc)
[[ $status == 0 ]] || fail "Ctrl-C: serve --display ended with \"$status\": $(tail -5 "$work/inproc/quhao.log")"
[[ $(tmux_ display -p -t inproc '#{alternate_on}') == 0 ]] || fail "serve --display left the alternate screen on"
echo "  ok: serve --display drew a CLI call in-process, logged to a file, stopped on Ctrl-C with the terminal restored"
