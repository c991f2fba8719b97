#!/usr/bin/env bash
# `make install` lays out a binary that runs on its own: installed into a staging root, started
# from outside the repository with the repository (and its build tree) hidden, it serves every
# page, static file and message. Before the resources were embedded it crashed at start
# ("could not load resource bundle … quhao_QuhaoHTTP.resources").
set -uo pipefail
quhao=$1
repo=$(cd "$(dirname "$0")/../.." && pwd)
source "$(dirname "$0")/lib/daemon.bash"

root="$work/root"
make -s -C "$repo" install-files DESTDIR="$root" BINARY="$quhao" >"$work/install.log" 2>&1 || { cat "$work/install.log"; fail "make install-files failed"; }
bin="$root/usr/local/bin/quhao"
# The installed configuration names absolute paths (/var/lib/quhao/…): here, inside the staging root.
sed -i "s|/var/lib/quhao|$root/var/lib/quhao|g" "$root/etc/quhao/quhao.yaml"
for file in "$bin" "$root/etc/quhao/quhao.yaml" "$root/etc/systemd/system/quhao.service"; do
    [[ -f $file ]] || fail "make install did not put $file"
done
[[ -d $root/var/lib/quhao ]] || fail "no data directory"
grep -q '^ExecStart=/usr/local/bin/quhao serve' "$root/etc/systemd/system/quhao.service" || fail "the unit does not start the installed binary"
grep -q -- '--database' "$root/etc/systemd/system/quhao.service" && fail "the unit overrides the configuration's database (database.url would be ignored)"
grep -q '^EnvironmentFile=-/etc/default/quhao' "$root/etc/systemd/system/quhao.service" || fail "the unit reads no /etc/default/quhao (the database password file)"
grep -q '^LimitNOFILE=' "$root/etc/systemd/system/quhao.service" || fail "the unit sets no descriptor limit"
grep -q '^backups:' "$root/etc/quhao/quhao.yaml" || fail "the installed configuration has no nightly backups"
grep -q '^#~' "$root/etc/quhao/quhao.yaml" && fail "install left #~ lines in the configuration"
grep -q 'green_pin: "2468"' "$root/etc/quhao/quhao.yaml" && fail "install kept the demo's kiosk PIN"
# A second install keeps an edited configuration.
echo "# edited" >>"$root/etc/quhao/quhao.yaml"
make -s -C "$repo" install-files DESTDIR="$root" BINARY="$quhao" >/dev/null 2>&1
grep -q '^# edited' "$root/etc/quhao/quhao.yaml" || fail "make install overwrote the configuration"

# Hide the repository (build tree included) from the daemon: a private mount namespace with an
# empty directory over it. Root in CI; elsewhere the build tree stays visible and we say so.
run=("$bin")
if unshare -m true 2>/dev/null; then
    run=(unshare -m sh -c 'mount -t tmpfs none "$0" && exec "$@"' "$repo" "$bin")
    hidden="the repository hidden"
else
    hidden="the repository NOT hidden (unshare needs root)"
fi
cd "$work" || exit 1
"${run[@]}" check-config "$root/etc/quhao/quhao.yaml" >"$work/check.log" 2>&1 || { cat "$work/check.log"; fail "check-config failed"; }
QUHAO_PORT=$port "${run[@]}" serve --config "$root/etc/quhao/quhao.yaml" --database "$root/var/lib/quhao/quhao.sqlite" >>"$work/serve.log" 2>&1 &
pid=$!
for _ in $(seq 1 100); do
    curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break
    kill -0 "$pid" 2>/dev/null || fail "the installed daemon stopped at start"
    sleep 0.1
done
base="http://127.0.0.1:$port"
grep -q '钱塘区税务局办税服务厅' <<<"$(curl -fsS "$base/s/qiantang")" || fail "the take page (template + catalogue) is not served"
grep -q 'Take a number' <<<"$(curl -fsS "$base/s/qiantang?lang=en")" || fail "the English catalogue is missing"
grep -q '<form' <<<"$(curl -fsS "$base/staff/login")" || fail "the sign-in page is not served"
grep -q 'body' <<<"$(curl -fsS "$base/static/app.css")" || fail "static CSS is not served"
[[ $(curl -sS -o /dev/null -w '%{content_type}' "$base/static/take.js") == text/javascript* ]] || fail "take.js has the wrong type"
etag=$(curl -fsS -D - -o /dev/null "$base/static/take.js" | tr -d '\r' | awk -F': ' 'tolower($1)=="etag"{print $2}')
[[ -n $etag ]] || fail "no ETag on a static file"
[[ $(curl -sS -o /dev/null -w '%{http_code}' -H "If-None-Match: $etag" "$base/static/take.js") == 304 ]] || fail "no 304 for a held file"
[[ $(curl -sS -o /dev/null -w '%{http_code}' "$base/static/nope.js") == 404 ]] || fail "an unknown static file is not 404"
refusal=$(curl -sS -X POST -H 'Content-Type: application/json' -d '{"service":"A","identity":"123"}' "$base/api/v1/sites/qiantang/tickets")
# (No pipe into grep -q: it exits at its first match and curl's SIGPIPE then fails the pipeline.)
grep -q '统一社会信用代码' <<<"$refusal" || fail "refusals are not in Chinese"
# The installed configuration backs up nightly; none made yet, so one at start, in the working directory.
for _ in $(seq 1 100); do grep -q '^quhao_backup_last_success_timestamp_seconds ' <<<"$(curl -fsS "$base/metrics")" && break; sleep 0.1; done
grep -q '^quhao_backup_last_success_timestamp_seconds ' <<<"$(curl -fsS "$base/metrics")" || fail "/metrics shows no backup: $(tail -3 "$work/serve.log")"
compgen -G "$root/var/lib/quhao/backups/quhao-*.sqlite" >/dev/null || fail "no backup file in the data directory's backups/"
[[ $(stat -c %a "$(compgen -G "$root/var/lib/quhao/backups/quhao-*.sqlite" | head -1)") == 600 ]] || fail "a backup is readable beyond its owner"
echo "  ok: installed with make install-files, served pages, static files and messages with $hidden; nightly backups on (one made at start)"
