#!/usr/bin/env bash
# Malformed JSON, wrong types, invalid UTF-8, 10 MB bodies, traversal in every path parameter,
# header floods: every one a 4xx, the daemon serving after each (see bad_input.py).
set -euo pipefail
exec python3 "$(dirname "$0")/bad_input.py" "$1"
