#!/usr/bin/env bash
# Renders the committed PNG icons from eigenscope.svg (needs rsvg-convert, Debian librsvg2-bin).
# Run after editing the SVG; the PNGs are committed so a build needs no SVG renderer.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
for size in 16 22 24 32 48 64 128 256; do
  rsvg-convert -w "$size" -h "$size" "$here/eigenscope.svg" -o "$here/eigenscope-$size.png"
done
echo "render.sh: wrote $(ls "$here"/eigenscope-*.png | wc -l) PNGs"
