#!/usr/bin/env bash
# Slowloris, idle and oversized-header connections are closed; the descriptor limit is raised (see slow_clients.py).
set -euo pipefail
exec python3 "$(dirname "$0")/slow_clients.py" "$1"
