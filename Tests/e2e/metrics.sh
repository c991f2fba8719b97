#!/usr/bin/env bash
# /metrics through Prometheus' own parser after a scripted morning (see metrics.py).
set -euo pipefail
exec python3 "$(dirname "$0")/metrics.py" "$1"
