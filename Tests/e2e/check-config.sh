#!/usr/bin/env bash
# `quhao check-config`: every broken fixture exits 2 with one message naming its path; the demo exits 0.
set -uo pipefail
quhao=$1
fixtures=$(dirname "$0")/../fixtures
fail=0
for file in "$fixtures"/bad-configs/*.yaml; do
    expected=$(head -1 "$file" | sed 's/^# expect: //')
    output=$("$quhao" check-config "$file" 2>&1)
    code=$?
    if [[ $code -ne 2 ]]; then
        echo "  $(basename "$file"): exit $code, expected 2"; fail=1
    elif ! grep -qF "$file: $expected: " <<<"$output"; then
        echo "  $(basename "$file"): message does not name $expected: $output"; fail=1
    elif [[ $(grep -c "^$file: " <<<"$output") -ne 1 ]]; then
        echo "  $(basename "$file"): more than one message: $output"; fail=1
    fi
done
# A secret not set and a mistake elsewhere in the file: both named in one run, and no "OK" beside them.
both=$(mktemp --suffix=.yaml)
sed 's/counters:/rules: { priority_burst: 0 }\n    counters:/' "$fixtures"/bad-configs/sms-key-not-set.yaml >"$both"
output=$("$quhao" check-config "$both" 2>&1)
if ! grep -q "notify.sms.key_env" <<<"$output" || ! grep -q "priority_burst" <<<"$output" || grep -q "OK" <<<"$output"; then
    echo "  a missing secret and another problem are not named together in one run: $output"; fail=1
fi
rm -f "$both"
"$quhao" check-config "$(dirname "$0")/../../config/quhao.yaml" >/dev/null || { echo "  the shipped config is refused"; fail=1; }
"$quhao" check-config /nonexistent.yaml >/dev/null 2>&1; [[ $? -eq 2 ]] || { echo "  a missing file should exit 2"; fail=1; }
[[ $fail -eq 0 ]] && echo "  ok: $(ls "$fixtures"/bad-configs/*.yaml | wc -l) broken configs refused with their paths"
exit $fail
