#!/usr/bin/env bash
# Disk full: the database on a 2 MB tmpfs filled to the last byte. Issuing fails with 503
# storage.unavailable and a clear message, reads go on, nothing stored is damaged, and once
# space is freed issuing works again without a restart. Needs root (mount); skipped otherwise.
set -uo pipefail
quhao=$1
source "$(dirname "$0")/lib/daemon.bash"
mnt="$work/small"
mkdir -p "$mnt"
if [[ $(id -u) -ne 0 ]] || ! mount -t tmpfs -o size=2M tmpfs "$mnt" 2>/dev/null; then
    echo "  skipped: needs root to mount a small tmpfs (uid $(id -u))"
    exit 0
fi
trap 'stop_daemon; umount "$mnt" 2>/dev/null; rm -rf "$work"' EXIT
export QUHAO_DATABASE="$mnt/quhao.sqlite"
token=$("$quhao" token create --name disk --role admin 2>/dev/null) || fail "token create"
start_daemon
base="http://127.0.0.1:$port"
issue() {
    curl -s -o issue.json -w '%{http_code}' -X POST -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
        -H 'Accept-Language: zh-CN' -d '{"service": "consult"}' "$base/api/v1/counters/qiantang/6/issue"
}
for _ in 1 2 3; do
    [[ $(issue) == 201 ]] || fail "issue before filling the disk: $(cat issue.json)"
    jq -r .ticket.number issue.json >>issued.txt
done
dd if=/dev/zero of="$mnt/filler" bs=4k >/dev/null 2>&1   # until the filesystem is full

refused=
for n in $(seq 1 3000); do
    status=$(issue)
    if [[ $status == 201 ]]; then
        jq -r .ticket.number issue.json >>issued.txt
    elif [[ $status == 503 ]]; then
        refused=$n
        break
    else
        fail "issue on a full disk answered $status: $(cat issue.json)"
    fi
done
[[ -n $refused ]] || fail "3,000 tickets fitted on a full 2 MB filesystem: the test did not fill it"
[[ $(jq -r .code issue.json) == storage.unavailable ]] || fail "full disk: $(cat issue.json)"
[[ $(jq -r .detail issue.json) == "系统暂时无法保存数据（存储空间已满），请稍后再试或联系工作人员。" ]] || fail "the message does not say what is wrong: $(cat issue.json)"
curl -fsS "$base/healthz" >/dev/null || fail "healthz after the disk filled"
curl -fsS "$base/api/v1/sites/qiantang/board" >/dev/null || fail "the board after the disk filled"

rm -f "$mnt/filler"
status=$(issue)
[[ $status == 201 ]] || fail "issuing after space was freed: $status $(cat issue.json)"
jq -r .ticket.number issue.json >>issued.txt
stop_daemon
grep -q "reason=the disk is full.*storage unavailable" serve.log || fail "the daemon log does not say the disk is full"
python3 - "$QUHAO_DATABASE" issued.txt <<'PY' || fail "the database after the full disk"
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
stored = {row[0] for row in db.execute("SELECT number FROM tickets")}
issued = [line.strip() for line in open(sys.argv[2]) if line.strip()]
missing = [n for n in issued if n not in stored]
assert not missing, f"acknowledged tickets missing: {missing[:5]}"
seqs = sorted(row[0] for row in db.execute("SELECT seq FROM tickets WHERE origin_service_id = 'consult'"))
assert seqs == list(range(1, len(seqs) + 1)), "numbers have a gap or a repeat"
PY
echo "  ok: disk full after $(($(wc -l <issued.txt) - 1)) tickets: 503 storage.unavailable with a message, reads went on; after freeing space issuing resumed; integrity ok, every acknowledged ticket stored"
