#!/usr/bin/env bash
# The hall reports from the command line, against a database the daemon serves: a morning played
# with the CLI, then `quhao report tickets|windows|staff|ratings` as table, CSV (BOM, Excel) and JSON,
# and the same figures from /api/v1/reports with an admin token.
set -uo pipefail
quhao=$1
source "$(dirname "$0")/lib/daemon.bash"

start_daemon --database q.sqlite
for id in 91350100M000100Y43 91110000600037341L 121200004013590816; do
    "$quhao" ticket take --database q.sqlite --site qiantang --service A --identity "$id" >/dev/null 2>take.err || fail "take: $(cat take.err)"
done
for _ in 1 2; do
    "$quhao" ticket call --database q.sqlite --site qiantang --counter 1 >/dev/null || fail "call"
    "$quhao" ticket start --database q.sqlite --site qiantang --counter 1 >/dev/null || fail "start"
    "$quhao" ticket complete --database q.sqlite --site qiantang --counter 1 >/dev/null || fail "complete"
done

table=$("$quhao" report tickets --database q.sqlite --group service) || fail "report tickets"
grep -q '取号与等候 Tickets and waits · qiantang' <<<"$table" || fail "table title: $table"
grep -Eq '^合计 Total +3 +0 +0 +3 +2 +2 ' <<<"$table" || fail "table total (3 issued by staff, 2 called, 2 served): $table"
csv=$("$quhao" report tickets --database q.sqlite --format csv) || fail "csv"
[[ $(head -c 3 <<<"$csv" | od -An -tx1 | tr -d ' ') == efbbbf ]] || fail "the CSV has no byte-order mark"
grep -q $'^\xef\xbb\xbfday,issued,issued_in_hall,issued_remote,issued_by_staff,called,served,' <<<"$csv" || fail "CSV header: $(head -1 <<<"$csv")"
[[ $(grep -c $'\r$' <<<"$csv") == 3 ]] || fail "CSV lines do not end in CRLF"
json=$("$quhao" report windows --database q.sqlite --format json) || fail "json"
[[ $(jq '.rows[0].counter, .rows[0].figures.served' <<<"$json" | tr '\n' ' ') == "1 2 " ]] || fail "windows JSON: $json"
"$quhao" report staff --database q.sqlite >/dev/null || fail "report staff"
"$quhao" report ratings --database q.sqlite --format json | jq -e '.count == 0' >/dev/null || fail "report ratings"
all=$("$quhao" report tickets --database q.sqlite --site all --format csv) || fail "report tickets --site all"
grep -q $'^\xef\xbb\xbfsite,day,issued,' <<<"$all" || fail "--site all CSV header: $(head -1 <<<"$all")"
grep -q '^qiantang,合计 Total,3,0,0,3,2,2,' <<<"$all" || fail "--site all CSV: every hall's rows after its id: $all"
"$quhao" report windows --database q.sqlite --site all --format json | jq -e '.[0].site == "qiantang" and .[0].report.rows[0].figures.served == 2' >/dev/null ||
    fail "--site all JSON"
out=$("$quhao" report tickets --database q.sqlite --from 2026-13-01 2>&1) && fail "a bad day was accepted"
grep -q -- "--from must be a day like 2026-11-30" <<<"$out" || fail "bad day message: $out"

token=$("$quhao" token create --database q.sqlite --name reports --role admin 2>/dev/null) || fail "token create"
api=$(curl -fsS -H "Authorization: Bearer $token" "http://127.0.0.1:$port/api/v1/reports/tickets?site=qiantang") || fail "API"
[[ $(jq '.total.issued, .total.served' <<<"$api" | tr '\n' ' ') == "3 2 " ]] || fail "API figures: $api"
code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/api/v1/reports/tickets")
[[ $code == 401 ]] || fail "reports without a token: $code"
echo "  ok: report tickets/windows/staff/ratings as table, CSV (BOM, CRLF) and JSON, one hall or --site all; the API with an admin token gives the same figures; refusals"
