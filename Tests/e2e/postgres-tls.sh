#!/usr/bin/env bash
# The city's database over TLS with the bureau's own CA (sslrootcert), on a throwaway cluster:
# check-config says which URLs connect and, for those that do not, what to do; a daemon on
# verify-full shows in pg_stat_activity under its application_name, its connections encrypted.
set -euo pipefail
if [[ -z ${QUHAO_TEST_PG_DIR:-} ]]; then
    exec "$(dirname "$0")/../support/with-postgres" "$(mktemp -d -u /tmp/quhao-tls-pg.XXXXXX)" "$0" "$@"
fi
quhao=$(realpath "$1")
source "$(dirname "$0")/lib/daemon.bash"
cluster=$here/../support/postgres-cluster.sh
ca=$("$cluster" tls "$QUHAO_TEST_PG_DIR")
pg_port=$(cat "$QUHAO_TEST_PG_DIR/port")
admin() { psql "postgres://postgres@127.0.0.1:$pg_port/quhao?sslmode=disable" -qAtc "$1"; }

config() {
    cat >quhao.yaml <<YAML
database: { url: "$1" }
sites:
  - id: hall
    name: { zh: 办税大厅 }
    services:
      - { id: general, prefix: A, name: { zh: 综合业务 } }
    counters:
      - { id: 1, services: [general] }
YAML
}
# expect URL EXIT WORDS: check-config on URL exits EXIT and its database line holds WORDS.
expect() {
    config "$1"
    set +e
    out=$("$quhao" check-config quhao.yaml 2>&1)
    code=$?
    set -e
    [[ $code == "$2" ]] || fail "check-config with $1 exited $code, expected $2: $out"
    grep -F -- "$3" <<<"$out" >/dev/null || fail "check-config with $1 does not say \"$3\": $out"
}
base=postgres://quhao@localhost:$pg_port/quhao
expect "$base?sslmode=verify-full&sslrootcert=$ca" 0 ": answers"
expect "postgres://quhao@127.0.0.1:$pg_port/quhao?sslmode=verify-ca&sslrootcert=$ca" 0 ": answers"
# The system's trust store does not know the bureau's CA; an address is not the certificate's name.
expect "$base?sslmode=require" 1 "name its CA with sslrootcert=FILE"
expect "postgres://quhao@127.0.0.1:$pg_port/quhao?sslmode=verify-full&sslrootcert=$ca" 1 "connect by the name in its certificate"
expect "$base?sslmode=verify-full&sslrootcert=/etc/hostname" 1 "holds no PEM certificate"
expect "$base?sslmode=verify-full&sslrootcert=/nonexistent/ca.pem" 1 "cannot read the sslrootcert file"
# The first line says what kind of trouble it is (it said "does not answer" for every one).
expect "$base?sslmode=verify-full&sslrootcert=/nonexistent/ca.pem" 1 "the database address cannot be used"
expect "$base?sslmode=verify-full&sslrootcert=ca.pem" 1 "absolute path"

# A standby (its certificate copied with the data) listed first, passed over for the primary: the
# connection to the standby closed over TLS (a daemon crashed there: the connection was let go
# before its close was done).
standby_dir=$(mktemp -d -u /tmp/quhao-tls-standby.XXXXXX)
trap 'cd /; "$cluster" stop "$standby_dir"; rm -rf "$standby_dir"; stop_daemon; rm -rf "$work"' EXIT
standby_port=$("$cluster" standby "$standby_dir" "$QUHAO_TEST_PG_DIR")
expect "postgres://quhao@localhost:$standby_port,localhost:$pg_port/quhao?sslmode=verify-full&sslrootcert=$ca&target_session_attrs=read-write" 0 ": answers"

config "$base?sslmode=verify-full&sslrootcert=$ca&application_name=quhao-east"
start_daemon --config quhao.yaml --port "$port"
encrypted=$(admin "SELECT count(*) FROM pg_stat_activity a JOIN pg_stat_ssl s USING (pid) WHERE a.application_name = 'quhao-east' AND s.ssl")
plain=$(admin "SELECT count(*) FROM pg_stat_activity a JOIN pg_stat_ssl s USING (pid) WHERE a.application_name = 'quhao-east' AND NOT s.ssl")
[[ $encrypted -ge 2 && $plain == 0 ]] || fail "the daemon's connections: $encrypted over TLS, $plain not (expected ≥ 2 and 0)"
code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/readyz")
[[ $code == 200 ]] || fail "/readyz $code over TLS"
# Another daemon's file with other rules for the hall: check-config says starting it changes them for all.
sed -i 's/办税大厅/办税大厅（旧版）/' quhao.yaml
out=$("$quhao" check-config quhao.yaml 2>&1) || fail "check-config with other rules: $out"
grep -q "sites 站点 hall: .*the database's rules differ" <<<"$out" || fail "check-config does not say the rules differ: $out"
echo "  ok: TLS with the bureau's CA (sslrootcert): verify-full by name and verify-ca by address connect, a standby listed first passed over; the system store, a wrong name, a bad or missing CA file refused with what to do; the daemon's $encrypted connections encrypted, named quhao-east in pg_stat_activity; a file with other rules told it would change them for every daemon"
