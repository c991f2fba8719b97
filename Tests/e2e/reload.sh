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

# A provider added: read at start only, so the reload is refused until a restart; its secret not set refuses it too.
cp hall.yaml good.yaml
printf 'notify:\n  sms:\n    url: http://127.0.0.1:9/send\n    body: "{{text}}"\n    key_file: %s/sms.key\n' "$work" >>hall.yaml
kill -HUP $pid
wait_for_log "notify.sms.key_file: cannot read.*configuration not reloaded" || fail "a reload with an unreadable key was not refused: $(tail -3 serve.log)"
echo "k-1" >"$work/sms.key"
kill -HUP $pid
wait_for_log "notify changed in the file.*configuration not reloaded" || fail "a changed provider was not refused until a restart: $(tail -3 serve.log)"
cp good.yaml hall.yaml

echo "  prefix: [broken" >>hall.yaml
kill -HUP $pid
wait_for_log "hall.yaml: (syntax): YAML syntax error" || fail "broken reload not reported"
curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null || fail "daemon stopped serving after a broken reload"
echo "  ok: SIGHUP reload adds a business type; a provider's unreadable key refuses it, a changed provider is refused until a restart; a broken file is reported and ignored"
