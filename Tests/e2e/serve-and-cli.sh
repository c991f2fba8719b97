#!/usr/bin/env bash
# A newcomer's path: `quhao serve` with no flags in an empty directory starts on the demo,
# /healthz answers, the CLI runs the queue against the same database, numbers survive a restart.
set -uo pipefail
quhao=$1
source "$(dirname "$0")/lib/daemon.bash"

start_daemon
[[ -f data/quhao.sqlite ]] || fail "database not created at ./data/quhao.sqlite"
health=$(curl -fsS "http://127.0.0.1:$port/healthz") || fail "healthz"
[[ $health == '{"sites":"2","status":"ok"}' ]] || fail "healthz said $health"
grep -q "钱塘区税务局办税服务厅" serve.log || fail "banner does not name the demo hall"

take=$("$quhao" ticket take --site qiantang --service A --identity 91350100M000100Y43 --json) || fail "take: $take"
[[ $(jq -r .number <<<"$take") == A001 ]] || fail "first number is not A001: $take"
bad=$("$quhao" ticket take --site qiantang --service A --identity 91350100M000100Y4Z 2>&1); code=$?
[[ $code -eq 1 && $bad == *"identity.checksum"* && $bad == *"校验位"* ]] || fail "bad USCC: exit $code: $bad"
"$quhao" ticket take --site qiantang --service H --json >/dev/null || fail "take H"
call=$("$quhao" ticket call --site qiantang --counter 1 --json) || fail "call"
[[ $(jq -r .number <<<"$call") == A001 && $(jq -r .state <<<"$call") == called ]] || fail "call gave $call"
again=$("$quhao" ticket call --site qiantang --counter 1 --json) || fail "second call"
[[ $(jq -r .id <<<"$again") == $(jq -r .id <<<"$call") ]] || fail "double tap gave another ticket: $again"
early=$("$quhao" ticket complete --site qiantang --counter 1 2>&1); code=$?
[[ $code -eq 1 && $early == *"ticket.invalid_transition"* ]] || fail "complete before start: exit $code: $early"
"$quhao" ticket start --site qiantang --counter 1 >/dev/null || fail "start"
"$quhao" ticket complete --site qiantang --counter 1 >/dev/null || fail "complete"

# A stopping daemon answers its long-polls at once instead of holding the shutdown for their 30 s.
# First let the board settle: the CLI's changes above reach it within a quarter second.
etag=
for _ in $(seq 1 20); do
    now=$(curl -fsS -o /dev/null -w '%header{etag}' "http://127.0.0.1:$port/api/v1/sites/qiantang/board") || fail "board etag"
    [[ $now == "$etag" ]] && break
    etag=$now
    sleep 0.5
done
for _ in 1 2 3; do
    curl -s -o /dev/null -w '%{http_code}\n' -H "If-None-Match: $etag" "http://127.0.0.1:$port/api/v1/sites/qiantang/board?wait=30" >>polls.txt &
done
sleep 1
began=$(date +%s%N)
stop_daemon
wait
took=$((($(date +%s%N) - began) / 1000000))
(( took < 5000 )) || fail "the daemon took $took ms to stop with long-polls waiting"
[[ $(sort -u polls.txt) == 304 ]] || fail "long-polls were not answered at shutdown: $(cat polls.txt)"
start_daemon
next=$("$quhao" ticket take --site qiantang --service A --identity 91110000600037341L --json) || fail "take after restart"
[[ $(jq -r .number <<<"$next") == A002 ]] || fail "numbers did not continue after restart: $next"
history=$("$quhao" ticket show --site qiantang A001) || fail "show"
for action in issue call start complete; do grep -q " $action " <<<"$history" || fail "history lacks $action: $history"; done
echo "  ok: serve on the demo, healthz, CLI take/call/start/complete, refusals, shutdown answers long-polls ($took ms), restart"
