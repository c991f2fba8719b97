#!/usr/bin/env bash
# Canteen inspections from the command line: a units file with a mistyped credit code on line 7
# is refused whole and the problem named by line and column; the good file imports; export gives
# it back (BOM, header, ids); the poster QR decodes to the poster page, which the daemon serves;
# `seed canteen-demo` builds the source scenario and `report inspections` reads 110 / 33 / 30.
set -uo pipefail
quhao=$1
source "$(dirname "$0")/lib/daemon.bash"

header="id,name,uscc,licence,address,type,risk,contact_name,contact_phone,kitchen_mode,camera_url,active"
{
    printf '\xef\xbb\xbf%s\n' "$header"
    printf ',第一食堂,91350100M000100Y43,JY13301040000001,钱塘区1号,学校食堂,B,王师傅,13812345678,视频展示,https://cam.example.cn/1,是\n'
    printf ',第二食堂,91110000600037341L,JY13301040000002,钱塘区2号,单位食堂,C,,13912345678,透明玻璃,,是\n'
    printf ',第三食堂,121200004013590816,JY13301040000003,钱塘区3号,餐馆,A,,13712345678,无,,是\n'
    printf ',第四食堂,92340602MA2PBMEM24,JY13301040000004,"钱塘区4号, 2 楼",中央厨房,D,,13612345678,,,是\n'
    printf ',第五食堂,91330100000000005X,JY13301040000005,钱塘区5号,餐馆,B,,13512345678,,,是\n'
    printf ',第六食堂,91350100M000100Y4Z,JY13301040000006,钱塘区6号,餐馆,B,,13412345678,,,是\n'
} >units.csv
# Line 6 (第五食堂) and line 7 (第六食堂): both codes fail their check character.
out=$("$quhao" units import units.csv --database q.sqlite 2>&1) && fail "a file with bad rows was imported: $out"
grep -q "第 7 行“uscc”列" <<<"$out" || fail "line 7 not named: $out"
grep -q "Line 7, column “uscc”" <<<"$out" || fail "no English line for line 7: $out"
grep -q "第 6 行“uscc”列" <<<"$out" || fail "line 6 not named: $out"
listed=$("$quhao" units list --database q.sqlite) || fail "units list: $listed"
[[ -z $listed ]] || fail "something was imported: $listed"

sed -i '/第五食堂\|第六食堂/d' units.csv
out=$("$quhao" units import units.csv --database q.sqlite) || fail "good file refused: $out"
grep -q "新增 created 4" <<<"$out" || fail "expected 4 created: $out"
"$quhao" units export --database q.sqlite --out export.csv || fail "export"
[[ $(head -c 3 export.csv | od -An -tx1 | tr -d ' ') == efbbbf ]] || fail "export has no byte-order mark"
head -1 export.csv | grep -q "^.*$header" || fail "export header: $(head -1 export.csv)"
out=$("$quhao" units import export.csv --database q.sqlite) || fail "re-import of the export: $out"
grep -q "未变 unchanged 4" <<<"$out" || fail "the export did not import back unchanged: $out"

start_daemon --database q.sqlite
QUHAO_PUBLIC_URL="http://127.0.0.1:$port" "$quhao" qr unit 1 --poster --format png --out poster.png --database q.sqlite >/dev/null ||
    fail "qr unit"
url=$(zbarimg --raw -q poster.png) || fail "poster QR does not decode"
[[ $url == "http://127.0.0.1:$port/p/"* ]] || fail "poster QR carries $url"
page=$(curl -fsS "$url") || fail "poster page $url"
grep -q "第一食堂" <<<"$page" || fail "poster page lacks the unit's name"
grep -q "13812345678" <<<"$page" && fail "the poster shows the contact's phone"
# The private link's sheet: its own QR, and words that say not to post it; the printable page carries the drawing.
QUHAO_PUBLIC_URL="http://127.0.0.1:$port" "$quhao" qr unit 1 --private --format png --out private.png --database q.sqlite >/dev/null ||
    fail "qr unit --private"
[[ $(zbarimg --raw -q private.png) == "http://127.0.0.1:$port/u/"* ]] || fail "the private sheet's QR does not decode to /u/"
QUHAO_PUBLIC_URL="http://127.0.0.1:$port" "$quhao" qr unit 1 --private --format svg --out private.svg --database q.sqlite >/dev/null
grep -q "仅限本单位使用，请勿张贴" private.svg || fail "the private sheet does not say 请勿张贴"
QUHAO_PUBLIC_URL="http://127.0.0.1:$port" "$quhao" qr unit 1 --poster --format html --out poster.html --database q.sqlite >/dev/null
grep -q "食品安全公示" poster.html && grep -q "<svg" poster.html && grep -q "size: A4" poster.html || fail "the printable poster page"
[[ $(stat -c %a private.png) == 640 ]] || fail "the private sheet is readable by others: $(stat -c %a private.png)"
# A public address phones cannot reach is warned about, on standard error.
"$quhao" qr unit 1 --poster --format svg --out loop.svg --database q.sqlite 2>warn.txt >/dev/null
grep -q "loopback" warn.txt || fail "no warning for a loopback public address: $(cat warn.txt)"
stop_daemon

# A Chinese header row imports (the office's own spreadsheet).
{
    printf '编号,单位名称,统一社会信用代码,食品经营许可证编号,经营地址,单位类型,风险等级,负责人,负责人手机,明厨亮灶方式,摄像头地址,状态\n'
    printf ',第七食堂,91330100000000007Y,JY13301040000007,钱塘区7号,餐馆,B,,13312345678,,,是\n'
} >zh.csv
out=$("$quhao" units import zh.csv --database q.sqlite 2>&1)
grep -q "新增 created 1" <<<"$out" || fail "a Chinese header row was refused: $out"

out=$("$quhao" seed canteen-demo --database demo.sqlite) || fail "seed: $out"
report=$("$quhao" report inspections --database demo.sqlite --format json) || fail "report: $report"
[[ $(jq -c '[.total.units_inspected, .total.findings, .total.rectified, .overdue, .open, .awaiting_verification, .answered_late]' <<<"$report") == "[110,33,30,1,2,1,0]" ]] ||
    fail "demo figures: $(jq -c .total <<<"$report")"
"$quhao" report inspections --database demo.sqlite | grep -q "整改率 Rectification rate         90.9 %" || fail "table rate"
all=$("$quhao" report inspections --database demo.sqlite --site all --format csv) || fail "report inspections --site all"
grep -q '^canteen,total,all,合计 Total,110,115,33,30,90.9,' <<<"$all" || fail "--site all CSV: $(head -2 <<<"$all")"
out=$("$quhao" seed canteen-demo --database demo.sqlite 2>&1) && fail "a second seed was accepted"

# The office's daily tools from the command line, on the demo.
due=$("$quhao" inspections due --database demo.sqlite --format json) || fail "inspections due: $due"
(( $(jq '.units | length' <<<"$due") >= 10 )) || fail "fewer than the 10 never-visited units are due"
[[ $(jq -r '[.units[].state] | unique | join(",")' <<<"$due") =~ ^(behind,due|behind|due)$ ]] || fail "due states: $(jq -c '[.units[].state] | unique' <<<"$due")"
csv=$("$quhao" inspections due --database demo.sqlite --risk D --state behind --format csv) || fail "due csv"
[[ $csv == $'\xef\xbb\xbfunit_id,name,'* ]] || fail "due CSV header: $(head -1 <<<"$csv")"
plan=$("$quhao" plan show 1 --database demo.sqlite --format json) || fail "plan show: $plan"
[[ $(jq -r '.draw.seed' <<<"$plan") == 20261201 && $(jq '.visits | length' <<<"$plan") == 10 ]] || fail "demo plan: $(jq -c '{seed: .draw.seed, n: (.visits|length)}' <<<"$plan")"
"$quhao" plan show 1 --database demo.sqlite | grep -q "结果一致 the same draw" || fail "the demo's draw does not replay"
out=$("$quhao" plan draw 1 --seed again --database demo.sqlite 2>&1) && fail "a plan was drawn twice"
grep -q "plan.already_drawn" <<<"$out" || fail "second draw: $out"
visit=$(sqlite3 demo.sqlite "SELECT id FROM inspections WHERE kind != 'self' AND result = 'non_compliant' ORDER BY id LIMIT 1")
"$quhao" inspections record "$visit" --out record.pdf --database demo.sqlite >/dev/null || fail "inspections record"
[[ $(stat -c %a record.pdf) == 640 ]] || fail "record.pdf mode $(stat -c %a record.pdf)"
pdftotext record.pdf - | grep -q "现场检查记录表" || fail "the record's PDF has no title text"
pdffonts record.pdf | grep -q "CJK.*yes yes" || fail "CJK fonts are not embedded: $(pdffonts record.pdf)"
trail=$("$quhao" audit --database demo.sqlite --unit 3 --limit 50) || fail "audit --unit 3: $trail"
grep -q "recusal" <<<"$trail" || fail "the unit's trail lacks its declared conflict"
grep -q "量化分级 — → 较差" <<<"$trail" || fail "the grade change is not in words: $(grep grade <<<"$trail")"
out=$("$quhao" audit --database demo.sqlite --unit 99999 2>&1) && fail "the trail of a unit that does not exist was answered: $out"
grep -q "unit.not_found" <<<"$out" || fail "audit --unit 99999: $out"
out=$("$quhao" inspections recuse --database demo.sqlite --inspector wangfang --unit 5 --withdraw 2>&1) && fail "a conflict never declared was withdrawn: $out"
grep -q "recusal.not_found" <<<"$out" || fail "recuse --withdraw of nothing: $out"
# A plan drawn on New Year's Eve for January waits unqueued; the running daemon queues it as January begins.
eve() { QUHAO_TEST_CLOCK=1 QUHAO_NOW=2026-12-31T23:59:57+08:00 "$@"; }
out=$(eve "$quhao" plan create --database demo.sqlite --name 元月抽查 --from 2027-01-01 --to 2027-01-31 --quota D=2 --quota C=1) || fail "plan create: $out"
january=$(sed -n 's/.*#\([0-9]*\) 元月抽查.*/\1/p' <<<"$out")
eve "$quhao" plan draw "$january" --seed 1 --database demo.sqlite >/dev/null || fail "plan draw $january"
[[ $("$quhao" plan show "$january" --database demo.sqlite --format json | jq '[.visits[] | select(.number != null)] | length') == 0 ]] ||
    fail "a plan for January was queued on 31 December"
eve start_daemon --database demo.sqlite
# The daemon logs the visits it queued once they are committed (at most 20 s: a loaded machine).
wait_for_log "drawn visits queued" 20 || fail "the daemon did not queue January's visits after midnight"
queued=$("$quhao" plan show "$january" --database demo.sqlite --format json | jq '[.visits[] | select(.number != null and .status == "requested")] | length')
[[ $queued == 3 ]] || fail "January's 3 drawn visits were not queued after midnight ($queued): $(grep -i drawn serve.log)"
stop_daemon
echo "  ok: a plan drawn on 31 December for January: nothing queued that day; its 3 visits queued by the daemon as January began"
echo "  ok: due list (JSON, CSV), the demo's plan (seed 20261201, 10 visits, replayed, not drawn twice), record $visit as an A4 PDF with CJK fonts embedded (0640), the unit's trail"
echo "  ok: a file with bad codes on lines 6 and 7 refused whole, both named; 4 units imported, exported and re-imported unchanged; poster QR → poster page; the private sheet decodes to /u/ and says 请勿张贴; a Chinese header row imports; demo reads 110 / 33 / 30, 1 overdue of 2 open, 1 awaiting, 90.9 %"
