#!/usr/bin/env bash
# Backups and restores with the real binary: a backup taken while the daemon serves (and numbers
# are taken) is whole and checked; a second daemon on the same file is refused; a restore is
# refused while the daemon runs, then, stopped, puts the backup back and keeps the old file aside.
# Then backup_load.py: a backup taken under load holds everything acknowledged before it.
set -uo pipefail
quhao=$1
source "$(dirname "$0")/lib/daemon.bash"

start_daemon --database q.sqlite
for _ in 1 2 3; do "$quhao" ticket take --database q.sqlite --site qiantang --service H >/dev/null || fail "take"; done
out=$(QUHAO_PORT=$((port + 1)) timeout 10 "$quhao" serve --database q.sqlite 2>&1) && fail "a second daemon started on the same file"
grep -q "a quhao daemon is running on q.sqlite" <<<"$out" || fail "second daemon's message: $out"
out=$("$quhao" backup --database q.sqlite --to backups/first.sqlite) || fail "backup while serving: $out"
grep -q "3 tickets" <<<"$out" || fail "backup report: $out"
[[ -z $(ls backups | grep -v '^first.sqlite$') ]] || fail "files beside the backup: $(ls backups)"
[[ $(sqlite3 backups/first.sqlite "PRAGMA integrity_check") == ok ]] || fail "backup integrity"
out=$("$quhao" backup --database q.sqlite --to backups/first.sqlite 2>&1) && fail "a backup overwrote a file"
curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null || fail "the daemon stopped serving during the backup"
"$quhao" ticket take --database q.sqlite --site qiantang --service H >/dev/null || fail "take after backup"

out=$("$quhao" restore --database q.sqlite backups/first.sqlite 2>&1) && fail "restore under a running daemon"
grep -q "stop it before restore" <<<"$out" || fail "restore refusal: $out"
printf 'not a database' >junk.sqlite
out=$("$quhao" restore --database q.sqlite junk.sqlite 2>&1) && fail "a junk file was restored"
stop_daemon

out=$("$quhao" restore --database q.sqlite backups/first.sqlite) || fail "restore: $out"
aside=$(grep -o 'q.sqlite.before-restore-[0-9TZ-]*' <<<"$out" | head -1)
[[ -n $aside && -f $aside ]] || fail "old database not kept aside: $out"
[[ $(sqlite3 "$aside" "SELECT COUNT(*) FROM tickets") == 4 ]] || fail "the kept file lost tickets"
start_daemon --database q.sqlite
[[ $(curl -fsS "http://127.0.0.1:$port/api/v1/sites/qiantang/board" | jq '[.services[].waiting] | add') == 3 ]] ||
    fail "restored daemon does not show the backup's 3 waiting"
echo "  ok: backup while serving (3 tickets, integrity ok, one file, never overwritten); second daemon refused; restore refused while serving and for a junk file; restored after stop, old file (4 tickets) kept aside"
stop_daemon
python3 "$here/backup_load.py" "$quhao" || exit 1
