#!/usr/bin/env bash
# SIGHUP re-reads the configuration: a new business type becomes available; a broken file
# is reported and ignored while the daemon keeps serving.
set -uo pipefail
quhao=$1
source "$(dirname "$0")/lib/daemon.bash"
cp "$here/../fixtures/good-minimal.yaml" hall.yaml

start_daemon --config hall.yaml
out=$("$quhao" ticket take --service C 2>&1) && fail "service C exists before the reload: $out"

sed -i 's/^    counters:/      - { id: consult, prefix: C, name: { zh: 咨询 } }\n    counters:/' hall.yaml
"$quhao" check-config hall.yaml >/dev/null || fail "edited config invalid: $(cat hall.yaml)"
kill -HUP $pid
wait_for_log "configuration reloaded" || fail "no reload logged"
out=$("$quhao" ticket take --service C --json) || fail "take C after reload: $out"
[[ $(jq -r .number <<<"$out") == C001 ]] || fail "expected C001: $out"

echo "  prefix: [broken" >>hall.yaml
kill -HUP $pid
wait_for_log "configuration not reloaded" || fail "broken reload not reported"
curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null || fail "daemon stopped serving after a broken reload"
echo "  ok: SIGHUP reload adds a business type; a broken file is reported and ignored"
