#!/usr/bin/env bash
# SIGHUP re-reads the configuration: a new business type becomes available; a broken file
# is reported and ignored while the daemon keeps serving.
set -uo pipefail
quhao=$1
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$work"' EXIT
cd "$work"
port=$((20000 + RANDOM % 20000))
fail() { echo "  FAIL: $*"; echo "--- daemon log"; cat "$work/serve.log"; exit 1; }
cp "$here/../fixtures/good-minimal.yaml" hall.yaml

"$quhao" serve --config hall.yaml --port "$port" >serve.log 2>&1 &
pid=$!
for _ in $(seq 1 100); do curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break; sleep 0.1; done
out=$("$quhao" ticket take --service C 2>&1) && fail "service C exists before the reload: $out"

sed -i 's/^    counters:/      - { id: consult, prefix: C, name: { zh: 咨询 } }\n    counters:/' hall.yaml
"$quhao" check-config hall.yaml >/dev/null || fail "edited config invalid: $(cat hall.yaml)"
kill -HUP $pid
for _ in $(seq 1 50); do grep -q "configuration reloaded" serve.log && break; sleep 0.1; done
grep -q "configuration reloaded" serve.log || fail "no reload logged"
out=$("$quhao" ticket take --service C --json) || fail "take C after reload: $out"
[[ $(jq -r .number <<<"$out") == C001 ]] || fail "expected C001: $out"

echo "  prefix: [broken" >>hall.yaml
kill -HUP $pid
for _ in $(seq 1 50); do grep -q "configuration not reloaded" serve.log && break; sleep 0.1; done
grep -q "configuration not reloaded" serve.log || fail "broken reload not reported"
curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null || fail "daemon stopped serving after a broken reload"
echo "  ok: SIGHUP reload adds a business type; a broken file is reported and ignored"
