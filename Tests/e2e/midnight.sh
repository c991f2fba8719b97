#!/usr/bin/env bash
# Across a real midnight, with the daemon's own test clock (QUHAO_NOW; LD_PRELOAD fakers break the
# binary): the board's date turns at midnight itself, not up to a minute later; a number called at a
# window before midnight expires and frees the window; one in service is completed late by the
# system (event detail day_end); numbers restart at A001. QUHAO_NOW without the test flag is refused.
set -uo pipefail
quhao=$1
source "$(dirname "$0")/lib/daemon.bash"

cat >hall.yaml <<YAML
server: { host: 127.0.0.1, port: $port }
database: { path: quhao.sqlite }
sites:
  - id: hall
    name: { zh: 午夜测试大厅, en: Midnight hall }
    presence: none
    services:
      - { id: general, prefix: A, name: { zh: 综合业务 } }
    counters:
      - { id: 1, services: [general] }
      - { id: 2, services: [general] }
YAML

out=$(QUHAO_NOW=2026-11-25T23:59:50+08:00 "$quhao" ticket list --config hall.yaml 2>&1); code=$?
[[ $code -eq 2 && $out == *QUHAO_TEST_CLOCK* ]] || fail "QUHAO_NOW without the test flag: exit $code: $out"

# The clock starts 8 s before midnight in Shanghai and runs at the wall clock's pace.
midnight=$(date -d 2026-11-26T00:00:00+08:00 +%s)
offset=$((midnight - 8 - $(date +%s)))
# Milliseconds, so the daemon's clock and this script's agree to well under the bound checked below.
shifted() { date -u -d "@$(date +%s.%N | awk -v o="$offset" '{printf "%.3f", $1 + o}')" +%Y-%m-%dT%H:%M:%S.%3NZ; }
cli() { QUHAO_TEST_CLOCK=1 QUHAO_NOW=$(shifted) "$quhao" "$@" --config hall.yaml; }

QUHAO_TEST_CLOCK=1 QUHAO_NOW=$(shifted) start_daemon --config hall.yaml
grep -q "test clock in use" serve.log || fail "the daemon does not say it runs on a test clock"
for _ in 1 2 3; do cli ticket take --site hall --service A >/dev/null || fail "take"; done
cli ticket call --site hall --counter 1 >/dev/null || fail "call at window 1"
cli ticket call --site hall --counter 2 >/dev/null || fail "call at window 2"
cli ticket start --site hall --counter 2 >/dev/null || fail "start at window 2"

base="http://127.0.0.1:$port"
# The board as it settles before midnight (the CLI's changes reach it within a quarter second).
etag=
for _ in $(seq 1 20); do
    board=$(curl -fsS -D headers "$base/api/v1/sites/hall/board") || fail "board"
    now=$(tr -d '\r' <headers | awk -F': ' 'tolower($1)=="etag"{print $2}')
    [[ $now == "$etag" && $(jq '[.counters[] | select(.current != null)] | length' <<<"$board") == 2 ]] && break
    etag=$now
    sleep 0.3
done
[[ $(jq -r .day <<<"$board") == 2026-11-25 ]] || fail "the board before midnight: $(jq -c .day <<<"$board")"
(( $(date +%s) + offset < midnight )) || fail "setting up took past midnight; the test cannot see the turn"

# One long-poll spans the turn: it is answered by the new day's board.
turned=$(curl -fsS -H "If-None-Match: $etag" "$base/api/v1/sites/hall/board?wait=30") || fail "long-poll over midnight"
at=$(($(date +%s%N) / 1000000 + offset * 1000 - midnight * 1000))
[[ $(jq -r .day <<<"$turned") == 2026-11-26 ]] || fail "the board after the turn: day $(jq -r .day <<<"$turned")"
(( at >= 0 && at < 1000 )) || fail "the board turned ${at} ms from midnight"
[[ $(jq '[.counters[] | select(.current != null)] | length' <<<"$turned") == 0 ]] || fail "a window still holds yesterday's number: $turned"
[[ $(jq '[.services[].waiting] | add' <<<"$turned") == 0 ]] || fail "yesterday's queue on today's board: $turned"

audit=$(cli audit --site hall --json) || fail "audit"
echo "$audit" > /tmp/audit.txt
expired=$(jq -r 'select(.action == "expire") | .number' <<<"$audit" | sort | tr '\n' ' ')
[[ $expired == "A001 A003 " ]] || fail "expired at midnight: '$expired' (expected the called A001 and the waiting A003)"
late=$(jq -c 'select(.action == "complete")' <<<"$audit")
[[ $(jq -r .number <<<"$late") == A002 && $(jq -r .detail <<<"$late") == day_end && $(jq -r .initiator <<<"$late") == system* ]] ||
    fail "the ticket in service was not completed late by the system: $late"
next=$(cli ticket take --site hall --service A --json) || fail "take on the new day"
[[ $(jq -r .number <<<"$next") == A001 ]] || fail "numbers did not restart: $next"
echo "  ok: board turned to 2026-11-26 ${at} ms after midnight; called A001 and waiting A003 expired, A002 in service completed late (day_end); windows free; A001 again"
