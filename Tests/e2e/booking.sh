#!/usr/bin/env bash
# Bookings with the real binary: capacity under concurrent HTTP bookings, the CLI list, the calendar file (see booking.py).
set -euo pipefail
exec python3 "$(dirname "$0")/booking.py" "$1"
