#!/usr/bin/env bash
# Three daemons on one PostgreSQL database act as one hall (see city.py), on a throwaway cluster of its own.
set -euo pipefail
here=$(dirname "$0")
exec "$here/../support/with-postgres" "$(mktemp -d -u /tmp/quhao-city-pg.XXXXXX)" python3 "$here/city.py" "$1"
