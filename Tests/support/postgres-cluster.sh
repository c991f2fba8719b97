#!/usr/bin/env bash
# A throwaway PostgreSQL cluster on loopback for the tests: Debian's PostgreSQL 15, run as the
# postgres user in a temporary directory on a free port. Prints the URL to use.
#   Tests/support/postgres-cluster.sh start DIR   → prints postgres://quhao@127.0.0.1:PORT/quhao
#   Tests/support/postgres-cluster.sh stop DIR
#   Tests/support/postgres-cluster.sh stop-fast DIR · start-again DIR   (a server down for a while, same port)
#   Tests/support/postgres-cluster.sh standby DIR PRIMARY_DIR · promote DIR · crash DIR   (failover)
#   Tests/support/postgres-cluster.sh tls DIR   → TLS on, a certificate for "localhost" from a CA of its own; prints the CA's file
set -euo pipefail
action=${1:?start or stop}
dir=${2:?a directory}
bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
[ -x "$bin/initdb" ] || { echo "PostgreSQL is not installed (apt-get install postgresql)" >&2; exit 1; }
as_postgres() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
case $action in
start)
    mkdir -p "$dir"
    [ "$(id -u)" = 0 ] && chown postgres "$dir"
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
    as_postgres "$bin/initdb" -D "$dir/data" -U postgres --auth=trust --encoding=UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1
    as_postgres "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=400" start >/dev/null
    as_postgres "$bin/psql" -h 127.0.0.1 -p "$port" -U postgres -qc "CREATE ROLE quhao LOGIN CREATEDB" -c "CREATE DATABASE quhao OWNER quhao" >/dev/null
    echo "$port" > "$dir/port"
    echo "postgres://quhao@127.0.0.1:$port/quhao"
    ;;
stop)
    [ -d "$dir/data" ] && as_postgres "$bin/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
    ;;
standby)
    # A streaming replica of the cluster in $3, in DIR, on a free port; prints its port.
    source_dir=${3:?the primary directory}
    mkdir -p "$dir"
    [ "$(id -u)" = 0 ] && chown postgres "$dir"
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
    as_postgres "$bin/pg_basebackup" -h 127.0.0.1 -p "$(cat "$source_dir/port")" -U postgres -D "$dir/data" -R -X stream --checkpoint=fast >"$dir/basebackup.log" 2>&1
    as_postgres "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=400" start >/dev/null
    echo "$port" > "$dir/port"
    echo "$port"
    ;;
promote)
    as_postgres "$bin/pg_ctl" -D "$dir/data" -w promote >/dev/null
    ;;
crash)
    # The server gone at once, as a machine that dies (no shutdown checkpoint).
    as_postgres "$bin/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null
    ;;
stop-fast)
    # As an operator's restart or a failover's gap: connections closed, the server down until start-again.
    as_postgres "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null
    ;;
start-again)
    as_postgres "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -o "-p $(cat "$dir/port") -k $dir -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=400" start >/dev/null
    ;;
restart)
    as_postgres "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -m fast -w restart -o "-p $(cat "$dir/port") -k $dir -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=400" >/dev/null
    ;;
tls)
    # A private CA (as a bureau's) and a server certificate for the name "localhost" only.
    cd "$dir"
    openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=Quhao test CA" -keyout ca.key -out ca.pem >/dev/null 2>&1
    openssl req -newkey rsa:2048 -nodes -subj "/CN=localhost" -keyout server.key -out server.csr >/dev/null 2>&1
    printf 'subjectAltName=DNS:localhost\n' > san.ext
    openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 -extfile san.ext -out server.crt >/dev/null 2>&1
    cp server.crt server.key data/
    chmod 600 data/server.key
    [ "$(id -u)" = 0 ] && chown postgres data/server.crt data/server.key
    chmod 644 ca.pem
    as_postgres "$bin/psql" -h 127.0.0.1 -p "$(cat port)" -U postgres -qAtc "ALTER SYSTEM SET ssl = on" -c "SELECT pg_reload_conf()" >/dev/null
    echo "$dir/ca.pem"
    ;;
esac
