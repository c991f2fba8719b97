#!/usr/bin/env bash
# `quhao migrate`: a hall's SQLite file into the city's PostgreSQL (a throwaway cluster), as the
# README walks it: the canteen demo moved reads the same report there; what is not an SQLite
# database, a file that is not there and a database that already holds a hall are refused in words,
# and nothing is made beside a path that was refused.
set -euo pipefail
if [[ -z ${QUHAO_TEST_PG_DIR:-} ]]; then
    exec "$(dirname "$0")/../support/with-postgres" "$(mktemp -d -u /tmp/quhao-migrate-pg.XXXXXX)" "$0" "$@"
fi
quhao=$(realpath "$1")
source "$(dirname "$0")/lib/daemon.bash"
url=$QUHAO_TEST_POSTGRES

"$quhao" seed canteen-demo --database hall.sqlite >seed.log 2>&1 || fail "seed: $(cat seed.log)"
set +e
again=$("$quhao" seed canteen-demo --database hall.sqlite 2>&1)
code=$?
set -e
[[ $code == 1 ]] && grep -q "has units already" <<<"$again" || fail "a second seed into the same file: $code $again"
"$quhao" report inspections --database hall.sqlite >before.txt 2>&1 || fail "report on the file: $(cat before.txt)"
grep -q "110" before.txt || fail "the demo's report does not read 110: $(cat before.txt)"
"$quhao" migrate --from hall.sqlite --to "$url" >moved.txt 2>&1 || fail "migrate: $(cat moved.txt)"
grep -q "已迁移 moved" moved.txt || fail "migrate says: $(cat moved.txt)"
"$quhao" report inspections --database "$url" >after.txt 2>&1 || fail "report on PostgreSQL: $(cat after.txt)"
diff before.txt after.txt >/dev/null || fail "the report differs after the move: $(diff before.txt after.txt)"

# refused VALUE WORDS: migrate --from VALUE exits 1 saying WORDS.
refused() {
    set +e
    out=$("$quhao" migrate --from "$1" --to "$url" 2>&1)
    code=$?
    set -e
    [[ $code == 1 ]] || fail "migrate --from $1 exited $code: $out"
    grep -F -- "$2" <<<"$out" >/dev/null || fail "migrate --from $1 does not say \"$2\": $out"
}
printf 'not a database\n' >notes.txt
refused notes.txt "is not an SQLite database"
[[ ! -e notes.txt.lock ]] || fail "a lock file was made beside notes.txt"
refused missing/hall.sqlite "no such file"
[[ ! -e missing ]] || fail "a directory was made for a file that is not there"
"$quhao" seed canteen-demo --database other.sqlite >/dev/null 2>&1
refused other.sqlite "not moved"
echo "  ok: the canteen demo moved into PostgreSQL ($(grep -o '[0-9]* rows' moved.txt)), its report identical there; a second seed refused; a text file, a missing file and a second hall into a database with one refused, nothing made beside them"
