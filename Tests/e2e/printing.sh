#!/usr/bin/env bash
# Printed tickets (see printing.py).
set -euo pipefail
exec python3 "$(dirname "$0")/printing.py" "$1"
