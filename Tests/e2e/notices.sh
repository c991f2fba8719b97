#!/usr/bin/env bash
# Text messages to visitors through a fake SMS provider (see notices.py).
set -euo pipefail
exec python3 "$(dirname "$0")/notices.py" "$1"
