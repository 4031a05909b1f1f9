#!/usr/bin/env bash
# Installs what is missing, builds (Release, build/), and opens the explorer on the bundled demo.
# Usage: packaging/run.sh [FILE]   (default: resources/demo/demo.h5)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
"$root/packaging/build.sh" "$root/build"
file="${1:-$root/resources/demo/demo.h5}"
if [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ]; then
  echo "run.sh: no display (DISPLAY is unset). Start it under a virtual X server instead:" >&2
  echo "  xvfb-run -a -s '-screen 0 1920x1080x24' $root/build/app/eigenscope '$file'" >&2
  exit 1
fi
exec "$root/build/app/eigenscope" "$file"
