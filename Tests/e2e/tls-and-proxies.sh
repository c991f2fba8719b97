#!/usr/bin/env bash
# HTTPS without a proxy, and the visitor's address behind one.
#  - server.trusted_proxies: eight phones behind one trusted proxy each get a number (the rate
#    limit keys the visitor it names); the same eight from an address not trusted share one
#    limit (nothing forwarded is believed), as does a chain a visitor padded with a forged hop.
#  - server.tls: a certificate made here by openssl is served; on SIGHUP a new one replaces it
#    for the next connection, without a restart.
set -uo pipefail
quhao=$1
source "$(dirname "$0")/lib/daemon.bash"

hall() { # hall.yaml with the server section given
    { echo "server:"; echo "$1"; sed 's/^    name: { zh: 办税服务厅 }$/    name: { zh: 办税服务厅 }\n    presence: none/' "$here/../fixtures/good-minimal.yaml"; } >hall.yaml
    "$quhao" check-config hall.yaml >/dev/null || fail "config invalid: $(cat hall.yaml)"
}
take() { # take [curl arguments…]: prints the status of one phone (no cookie) taking a number
    curl -sS -o /dev/null -w '%{http_code}' -X POST -H 'Content-Type: application/json' -d '{"service":"general"}' \
        "$@" "http://127.0.0.1:$port/api/v1/sites/hall/tickets"
}

# Behind a trusted proxy (this machine's address is the proxy's).
hall "  trusted_proxies: [127.0.0.1, '::1']"
start_daemon --config hall.yaml --database proxied.sqlite
for i in $(seq 1 8); do
    [[ $(take -H "X-Forwarded-For: 203.0.113.$i") == 201 ]] || fail "phone $i behind the trusted proxy was refused"
done
# RFC 7239's header counts the same way.
[[ $(take -H 'Forwarded: for="[2001:db8::9]:4711";proto=https') == 201 ]] || fail "a phone named by Forwarded was refused"
# A visitor may put anything at the far end of the chain; the proxy appends the address it saw.
codes=$(for i in $(seq 1 6); do take -H "X-Forwarded-For: 10.9.9.$i, 198.51.100.7"; echo; done | tr '\n' ' ')
[[ $codes == "201 201 201 201 201 429 " ]] || fail "a padded chain was not counted as the one visitor the proxy saw: $codes"
stop_daemon

# Not trusted: the same eight share the connection's address and its limit (5 at once).
hall "  port: $port"
start_daemon --config hall.yaml --database direct.sqlite
codes=$(for i in $(seq 1 8); do take -H "X-Forwarded-For: 203.0.113.$i"; echo; done | tr '\n' ' ')
[[ $codes == "201 201 201 201 201 429 429 429 " ]] || fail "a forwarded address was believed from an untrusted peer: $codes"
stop_daemon

# HTTPS with a certificate made here.
certificate() { # certificate NAME: NAME.pem and NAME.key for 127.0.0.1, with NAME as its common name
    openssl req -x509 -newkey rsa:2048 -nodes -keyout "$1.key" -out "$1.pem" -days 2 -subj "/CN=$1" \
        -addext "subjectAltName=IP:127.0.0.1" >/dev/null 2>&1 || fail "openssl could not make a certificate"
}
certificate first
certificate second
cp first.pem served.pem
cp first.key served.key
hall "  tls: { certificate: $work/served.pem, key: $work/served.key }"
# check-config reads the pair as the daemon will: a missing key is named before a start fails.
sed "s|served.key|missing.key|" hall.yaml >broken.yaml
out=$("$quhao" check-config broken.yaml 2>&1) && fail "check-config passed a missing key file"
grep -q 'server.tls.key' <<<"$out" || fail "check-config did not name server.tls.key: $out"
QUHAO_PORT=$port "$quhao" serve --config hall.yaml --database tls.sqlite >>"$work/serve.log" 2>&1 &
pid=$!
base="https://127.0.0.1:$port"
wait_healthy "$base/healthz" --cacert first.pem
curl -fsS --cacert first.pem "$base/readyz" >/dev/null || fail "/readyz over HTTPS"
grep -q '办税服务厅' <<<"$(curl -fsS --cacert first.pem "$base/s/hall")" || fail "the take page over HTTPS"
[[ $(curl -sS -o /dev/null -w '%{http_code}' --cacert first.pem -X POST -H 'Content-Type: application/json' \
    -d '{"service":"general"}' "$base/api/v1/sites/hall/tickets") == 201 ]] || fail "taking a number over HTTPS"
curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && fail "plain HTTP answered on the HTTPS port"
grep -q "https://127.0.0.1:$port" serve.log || fail "the banner does not show the https address"
# A renewed certificate: SIGHUP, and the next connection gets it.
cp second.pem served.pem
cp second.key served.key
kill -HUP "$pid"
wait_for_log "certificate reloaded" || fail "no certificate reload logged"
curl -fsS --cacert second.pem "$base/healthz" >/dev/null || fail "the new certificate is not served after SIGHUP"
curl -fsS --cacert first.pem "$base/healthz" >/dev/null 2>&1 && fail "the old certificate is still served after SIGHUP"
# A broken pair is refused and the one served stays.
echo "not a key" >served.key
kill -HUP "$pid"
wait_for_log "certificate not reloaded" || fail "a broken key was not reported"
curl -fsS --cacert second.pem "$base/healthz" >/dev/null || fail "a broken reload stopped HTTPS"
echo "  ok: 8 phones behind a trusted proxy got 8 numbers, from an untrusted peer 5 then 429; HTTPS with an openssl certificate, renewed by SIGHUP"
