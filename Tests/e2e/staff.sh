#!/usr/bin/env bash
# Window staff end to end: accounts and a token from the CLI, sign-in through the form, the
# console page, an integration calling with its bearer token, the audit over HTTP and the CLI;
# no password or token in clear in the log or the database.
set -uo pipefail
quhao=$1
source "$(dirname "$0")/lib/daemon.bash"
base=

admin_pw='correct horse battery'
staff_pw='window-three-password'
echo "$admin_pw" | "$quhao" staff add boss --name 管理员 --role admin --password-stdin >/dev/null || fail "staff add admin"
echo "$staff_pw" | "$quhao" staff add li --name 李娜 --role staff --site qiantang --counters 3 --password-stdin >/dev/null || fail "staff add li"
token=$("$quhao" token create --name "window 3 printer" --role staff --site qiantang --counters 3 2>token.err) || fail "token create: $(cat token.err)"
[[ $token == qh_* ]] || fail "token looks wrong: $token"
grep -q "shown only now" token.err || fail "token create does not say it is shown once"

start_daemon --log-level debug
base="http://127.0.0.1:$port"
for id in 11010519491231002X 440524188001010014; do
    "$quhao" ticket take --site qiantang --service declare --identity "$id" >/dev/null || fail "take"
done

# The console sends strangers to sign in, and back after.
where=$(curl -s -o /dev/null -w '%{http_code} %{redirect_url}' "$base/staff/qiantang/3")
[[ $where == "303 $base/staff/login?next=%2Fstaff%2Fqiantang%2F3" ]] || fail "console without a session: $where"
signed=$(curl -s -o /dev/null -c jar -w '%{http_code} %{redirect_url}' -H "Origin: $base" \
    --data-urlencode login=li --data-urlencode "password=$staff_pw" --data-urlencode next=/staff/qiantang/3 "$base/staff/login")
[[ $signed == "303 $base/staff/qiantang/3" ]] || fail "sign-in form: $signed"
page=$(curl -fsS -b jar "$base/staff/qiantang/3") || fail "console page"
[[ $page == *"<kbd>F1</kbd>叫下一位"* ]] || fail "console page lacks the F1 button"
view=$(curl -fsS -b jar "$base/api/v1/counters/qiantang/3") || fail "console JSON"
[[ $(jq -r '.queues[0].waiting' <<<"$view") == 2 ]] || fail "console queue: $view"

# An integration with its token; the foreign-origin cookie request and window 4 are refused.
called=$(curl -fsS -X POST -H "Authorization: Bearer $token" "$base/api/v1/counters/qiantang/3/call-next") || fail "bearer call-next"
[[ $(jq -r .number <<<"$called") == C001 && $(jq -r .identity_masked <<<"$called") == "110105********002X" ]] || fail "bearer call: $called"
code=$(curl -s -o /dev/null -w '%{http_code}' -X POST -H "Authorization: Bearer $token" "$base/api/v1/counters/qiantang/4/call-next")
[[ $code == 403 ]] || fail "token for window 3 acted at window 4: $code"
code=$(curl -s -o /dev/null -w '%{http_code}' -X POST -b jar -H "Origin: https://evil.example" "$base/api/v1/counters/qiantang/3/recall")
[[ $code == 403 ]] || fail "foreign origin: $code"
recalled=$(curl -fsS -X POST -b jar -H "Origin: $base" -H 'Content-Type: application/json' \
    -d "{\"expecting\": $(jq .id <<<"$called")}" "$base/api/v1/counters/qiantang/3/recall") || fail "recall from the console's origin"
[[ $(jq -r .recall_count <<<"$recalled") == 1 ]] || fail "recall: $recalled"

# The audit: admins only, over HTTP; and from the CLI.
code=$(curl -s -o /dev/null -w '%{http_code}' -b jar "$base/api/v1/audit")
[[ $code == 403 ]] || fail "staff read the audit: $code"
curl -s -o /dev/null -c admin -H "Origin: $base" -H 'Content-Type: application/json' \
    -d "{\"login\": \"boss\", \"password\": \"$admin_pw\"}" "$base/api/v1/auth/login" || fail "admin login"
audit=$(curl -fsS -b admin "$base/api/v1/audit?site=qiantang&number=C001") || fail "audit"
[[ $(jq -r '[.entries[].action] | join(",")' <<<"$audit") == "recall,call,issue" ]] || fail "audit of C001: $audit"
[[ $(jq -r '.entries[1].initiator_name' <<<"$audit") == "window 3 printer" ]] || fail "the token's call is not named: $audit"
lines=$("$quhao" audit --site qiantang --day today --number C001) || fail "quhao audit"
[[ $(wc -l <<<"$lines") == 3 && $lines == *"recall  C001  called→called  window 3  li (staff:2)"* ]] || fail "quhao audit: $lines"

stop_daemon
for secret in "$admin_pw" "$staff_pw" "$token" "$(awk '/qh_session/ {print $7}' jar)"; do
    [[ -n $secret ]] || continue
    grep -qF -- "$secret" serve.log && fail "a password or token is in the daemon log"
    cat data/quhao.sqlite* | grep -qaF -- "$secret" && fail "a password or token is in the database in clear"
done
echo "  ok: CLI accounts and token, sign-in form, console, bearer calls, 403s, audit over HTTP and CLI, no secrets in clear"
