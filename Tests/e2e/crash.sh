#!/usr/bin/env bash
# kill -9 under load, ten times: nothing acknowledged is lost, nothing is done twice (see crash.py).
set -euo pipefail
exec python3 "$(dirname "$0")/crash.py" "$1" 10
