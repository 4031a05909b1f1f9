#!/usr/bin/env bash
# The performance benchmarks (not part of the test suite): builds if needed, then measures
# Eigenscope against the numpy/h5py peers and the machine's floor, and writes the figures into
# docs/PERFORMANCE.md. Run after packaging/test.sh on a quiet machine.
# Usage: packaging/bench.sh [--quick] [bench_activations.py options...]
#   --quick   S and M dumps, chunked layout only, 3 repetitions (about 20 minutes instead of hours)
# Dumps go to $EIGENSCOPE_BENCH_DIR (default /var/tmp/eigenscope-bench; M needs 3.5 GB for three
# layouts, L 14 GB and is only generated when asked for with --sizes S,M,L and the disk allows).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
args=()
for a in "$@"; do
  case "$a" in
    --quick) args+=(--sizes S,M --layouts chunked --reps 3) ;;
    *) args+=("$a") ;;
  esac
done
"$root/packaging/build.sh" "$root/build"
export OPENBLAS_NUM_THREADS="${OPENBLAS_NUM_THREADS:-2}"
doc="$root/docs/PERFORMANCE.md"
/usr/bin/python3 "$root/tests/bench/bench_activations.py" --cli "$root/build/app/eigenscope-cli" \
  --write "$doc" "${args[@]}"
# The 3D view's frame rate needs an X server with OpenGL: Xvfb (Mesa llvmpipe), as in CI.
fps="$(xvfb-run -a -s "-screen 0 1920x1080x24" "$root/build/tests/bench/bench_projection3d" 2>/dev/null)"
echo "$fps"
/usr/bin/python3 - "$doc" "$fps" <<'PY'
import os, sys
doc, fps = sys.argv[1], sys.argv[2]
begin, end = "<!-- bench:projection3d:begin -->", "<!-- bench:projection3d:end -->"
text = open(doc).read() if os.path.exists(doc) else "# Performance\n"
block = begin + "\n```\n" + fps.strip() + "\n```\n" + end
if begin in text and end in text:
    text = text[:text.index(begin)] + block + text[text.index(end) + len(end):]
else:
    text = text.rstrip("\n") + "\n\n" + block + "\n"
open(doc + ".tmp", "w").write(text)
os.replace(doc + ".tmp", doc)
PY
echo "bench.sh: figures written to $doc"
