# Shared by the end-to-end scripts: a scratch directory, a free-ish port, and a daemon
# started in it. Source it after setting `quhao` (the binary).
here=$(cd "$(dirname "${BASH_SOURCE[1]}")" && pwd)
work=$(mktemp -d)
pid=
trap 'stop_daemon; rm -rf "$work"' EXIT
cd "$work" || exit 1
# Below the kernel's ephemeral range (32768 on): a client socket can never hold our port.
port=$((20000 + RANDOM % 12000))

fail() {
    echo "  FAIL: $*"
    echo "--- daemon log"
    cat "$work/serve.log" 2>/dev/null
    exit 1
}

# wait_healthy URL [curl arguments…]: waits until the daemon $pid answers URL (the condition,
# checked every 0.1 s, at most 10 s); fails at once if the daemon ends first.
wait_healthy() {
    local url=$1
    shift
    for _ in $(seq 1 100); do
        curl -fsS "$@" "$url" >/dev/null 2>&1 && return 0
        kill -0 "$pid" 2>/dev/null || fail "the daemon stopped at start"
        sleep 0.1
    done
    fail "daemon did not answer $url within 10 s"
}

# start_daemon [serve arguments…]: starts `quhao serve` on $port and waits for /healthz.
start_daemon() {
    QUHAO_PORT=$port "$quhao" serve "$@" >>"$work/serve.log" 2>&1 &
    pid=$!
    wait_healthy "http://127.0.0.1:$port/healthz"
}

stop_daemon() {
    [[ -n $pid ]] || return 0
    kill "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    pid=
}

# wait_for_log TEXT [SECONDS]: waits (up to 5 s, or SECONDS) for a line in the daemon's log.
wait_for_log() {
    for _ in $(seq 1 $((${2:-5} * 10))); do
        grep -q "$1" "$work/serve.log" && return 0
        sleep 0.1
    done
    return 1
}
