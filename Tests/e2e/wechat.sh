#!/usr/bin/env bash
# WeChat one-time subscription messages through a fake WeChat server (see wechat.py).
set -euo pipefail
exec python3 "$(dirname "$0")/wechat.py" "$1"
