#!/usr/bin/env bash
# Every QR the daemon and the CLI render decodes (zbarimg, an independent decoder) to exactly the
# address it should carry; the CLI's in-hall code is accepted by the daemon; identities and
# phone numbers never reach the log.
set -uo pipefail
quhao=$1
source "$(dirname "$0")/lib/daemon.bash"
start_daemon --log-level debug
base="http://127.0.0.1:$port"

decode_svg() { rsvg-convert --width 600 --background-color white -o "$1.png" "$1" 2>/dev/null && zbarimg --quiet --raw "$1.png" 2>/dev/null; }

QUHAO_PORT=$port "$quhao" qr site qiantang --format png --out hall.png >/dev/null || fail "quhao qr site"
hall=$(zbarimg --quiet --raw hall.png 2>/dev/null) || fail "hall PNG does not decode"
[[ $hall =~ ^$base/s/qiantang\?p=([0-9]{6})$ ]] || fail "hall QR carries '$hall'"
code=${BASH_REMATCH[1]}
# An inspection office takes no anonymous numbers: it has no take-a-number QR, and says what to print instead.
QUHAO_PORT=$port "$quhao" qr site canteen --format svg --out canteen.svg >/dev/null 2>canteen.err && fail "quhao qr site canteen should refuse"
grep -q "qr unit UNIT --poster" canteen.err || fail "the refusal should say how to print a unit's poster: $(cat canteen.err)"
[[ $(curl -s -o /dev/null -w '%{http_code}' "$base/qr/sites/canteen.svg") == 403 ]] || fail "/qr/sites/canteen.svg should be refused"
[[ $(curl -s -o /dev/null -w '%{http_code}' "$base/s/canteen") == 403 ]] || fail "/s/canteen should refuse anonymous numbers"

taken=$(curl -fsS -X POST "$base/api/v1/sites/qiantang/tickets" -H 'content-type: application/json' \
    -d "{\"service\":\"E\",\"identity\":\"11010519491231002X\",\"phone\":\"13812345678\",\"presence\":\"$code\"}") || fail "take with the CLI's code"
[[ $(jq -r .ticket.state <<<"$taken") == waiting ]] || fail "the CLI's code was not accepted: $taken"
token=$(jq -r .token <<<"$taken")

curl -fsS "$base/qr/tickets/$token.svg" -o ticket.svg || fail "ticket QR"
[[ $(decode_svg ticket.svg) == "$base/t/$token" ]] || fail "ticket QR carries '$(decode_svg ticket.svg)'"
curl -fsS "$base/qr/sites/qiantang.svg" -o poster.svg || fail "poster QR"
[[ $(decode_svg poster.svg) == "$base/s/qiantang" ]] || fail "poster QR should carry the plain address"
curl -fsS "$base/t/$token" >/dev/null || fail "ticket page"
curl -fsS "$base/s/qiantang" >/dev/null || fail "take page"

for secret in 11010519491231002X 13812345678; do
    grep -q "$secret" serve.log && fail "the log contains '$secret'"
done
echo "  ok: hall (PNG, SVG), poster and ticket QRs decode to their addresses; no identity or phone in a debug log"
