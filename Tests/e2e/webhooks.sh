#!/usr/bin/env bash
# Webhooks against a local receiver (see webhooks.py).
set -euo pipefail
exec python3 "$(dirname "$0")/webhooks.py" "$1"
