#!/usr/bin/env bash
# The .deb on a machine without the Swift toolchain: `make package-files` wraps a binary with the
# Swift runtime linked in (QUHAO_STATIC, by default .build/static/quhao from `make static`, the
# debug build linked again; `make package` itself builds release with --static-swift-stdlib), dpkg installs it (the quhao user existing already), and with the toolchain and
# the repository hidden (a private mount namespace with empty folders over them) the installed
# binary, run as the quhao user on the installed configuration, serves the take page and /readyz.
# Also: Depends names runtime libraries only, the configuration is a conffile root:quhao 0640,
# /var/lib/quhao belongs to quhao, the unit's sandbox scores 3.0 or better, and a CLI command on
# a database that does not exist refuses with its path. Needs root (dpkg, unshare); CI is root.
set -uo pipefail
quhao=$1
repo=$(cd "$(dirname "$0")/../.." && pwd)
source "$(dirname "$0")/lib/daemon.bash"
static=${QUHAO_STATIC:-$repo/.build/static/quhao}
toolchain=$(dirname "$(dirname "$(dirname "$(readlink -f "$(command -v swift)")")")")

if [[ $(id -u) -ne 0 ]]; then
    echo "  skipped: needs root (dpkg -i, unshare)"
    exit 0
fi
[[ -x $static ]] || fail "no static binary at $static (make static)"
dpkg-query -W quhao >/dev/null 2>&1 && fail "a quhao package is installed already on this machine: not touching it"

# Built and read back.
deb=$(DEB_COMPRESSION=gzip DEB_LEVEL=1 make -s -C "$repo" package-files BINARY="$static" VERSION=0.0.1~test DIST_DIR="$work/dist") || fail "make package-files failed"
[[ -f $deb ]] || fail "no .deb: $deb"
depends=$(dpkg-deb -f "$deb" Depends)
grep -q -- '-dev' <<<"$depends" && fail "a -dev package in Depends: $depends"
for library in libqrencode4 libsqlite3-0 libc6; do grep -q "$library" <<<"$depends" || fail "Depends lacks $library: $depends"; done
grep -q espeak-ng <<<"$(dpkg-deb -f "$deb" Recommends)" || fail "espeak-ng is not recommended"
[[ $(dpkg-deb -I "$deb" conffiles) == /etc/quhao/quhao.yaml ]] || fail "the configuration is not a conffile"
contents=$(dpkg-deb -c "$deb")
grep -q -- '-rw-r----- root/root .* ./etc/quhao/quhao.yaml$' <<<"$contents" || fail "the configuration is not 0640 in the package: $(grep quhao.yaml <<<"$contents")"
grep -q ' ./lib/systemd/system/quhao.service$' <<<"$contents" || fail "no systemd unit in the package"
grep -q ' ./usr/bin/quhao$' <<<"$contents" || fail "no binary in the package"

# The user exists before the package (an earlier install, or made by hand): still its owner after.
made_user=
if ! getent passwd quhao >/dev/null; then
    useradd --system --user-group --home-dir /nonexistent --shell /usr/sbin/nologin quhao
    made_user=1
fi
cleanup() {
    stop_daemon
    dpkg --purge quhao >/dev/null 2>&1
    rm -rf /var/lib/quhao /etc/quhao
    if [[ -n $made_user ]]; then userdel quhao 2>/dev/null; groupdel quhao 2>/dev/null; fi
    rm -rf "$work"
}
trap cleanup EXIT
dpkg -i "$deb" >"$work/dpkg.log" 2>&1 || { cat "$work/dpkg.log"; fail "dpkg -i failed"; }
[[ $(stat -c '%U:%G %a' /var/lib/quhao) == "quhao:quhao 750" ]] || fail "/var/lib/quhao is $(stat -c '%U:%G %a' /var/lib/quhao)"
[[ $(stat -c '%U:%G %a' /etc/quhao/quhao.yaml) == "root:quhao 640" ]] || fail "the configuration is $(stat -c '%U:%G %a' /etc/quhao/quhao.yaml)"
grep -q '^  path: /var/lib/quhao/quhao.sqlite' /etc/quhao/quhao.yaml || fail "the installed configuration names no absolute database path"
grep -q '^  directory: /var/lib/quhao/backups' /etc/quhao/quhao.yaml || fail "the installed configuration names no absolute backup folder"
grep -q '^ExecStart=/usr/bin/quhao serve' /lib/systemd/system/quhao.service || fail "the unit does not start /usr/bin/quhao"
if ldd /usr/bin/quhao | grep -E 'libswift|libFoundation|libdispatch|/opt/'; then fail "the installed binary links the Swift runtime dynamically"; fi
security=$(cd / && systemd-analyze security --offline=true --threshold=30 /lib/systemd/system/quhao.service 2>&1) ||
    fail "the unit's exposure is above 3.0: $(tail -1 <<<"$security")"
exposure=$(tail -1 <<<"$security" | grep -o '[0-9]\+\.[0-9]')
size=$(stat -c %s /usr/bin/quhao)

# A missing database is refused with its path, and not made.
out=$(/usr/bin/quhao report tickets --database /var/lib/quhao/nowhere/q.sqlite 2>&1) && fail "report on a missing database succeeded: $out"
grep -q '/var/lib/quhao/nowhere/q.sqlite' <<<"$out" || fail "the refusal does not name the path: $out"
[[ -e /var/lib/quhao/nowhere ]] && fail "a refused command made the database's folder"

# Served from the installed files only, as the unit runs it.
cd /var/lib/quhao || fail "no data directory"
unshare -m sh -c 'mount -t tmpfs none "$0" && mount -t tmpfs none "$1" && shift && exec "$@"' "$toolchain" "$repo" \
    env QUHAO_PORT="$port" runuser -u quhao -- /usr/bin/quhao serve --config /etc/quhao/quhao.yaml --database /var/lib/quhao/quhao.sqlite \
    >>"$work/serve.log" 2>&1 &
pid=$!
base="http://127.0.0.1:$port"
wait_healthy "$base/healthz"
grep -q '钱塘区税务局办税服务厅' <<<"$(curl -fsS "$base/s/qiantang")" || fail "the take page is not served by the installed binary"
ready=$(curl -sS -w ' %{http_code}' "$base/readyz")
[[ $ready == *' 200' ]] || fail "/readyz: $ready"
[[ $(stat -c '%U' /var/lib/quhao/quhao.sqlite) == quhao ]] || fail "the database is not the quhao user's"
echo "  ok: .deb installed by dpkg (runtime Depends only, conffile root:quhao 0640, data dir quhao's), served the take page and /readyz" \
    "with the toolchain hidden; unit exposure $exposure; binary $((size / 1024 / 1024)) MB stripped"
