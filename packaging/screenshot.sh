#!/usr/bin/env bash
# Screenshot of the desktop app under a private Xvfb: packaging/screenshot.sh OUT.png [WxH] [-- app args]
# Used to look at what we build (docs/images) without a real display.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
out="$1"; shift
size="1600x1000"
if [ $# -gt 0 ] && [ "$1" != "--" ]; then size="$1"; shift; fi
[ "${1:-}" = "--" ] && shift
delay="${SCREENSHOT_DELAY:-5}"
xvfb-run -a -s "-screen 0 ${size}x24" bash -c '
  "$0" "$@" & pid=$!
  sleep '"$delay"'
  import -window root "'"$out"'"
  kill $pid 2>/dev/null || true
  wait $pid 2>/dev/null || true' "$root/build/app/eigenscope" "$@"
echo "screenshot: $out"
