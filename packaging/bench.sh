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
bench_dir="${EIGENSCOPE_BENCH_DIR:-/var/tmp/eigenscope-bench}"
mkdir -p "$bench_dir"
# Writes stdin between <!-- bench:NAME:begin/end --> markers in the document (atomically).
put_block() { /usr/bin/python3 "$root/tests/bench/write_block.py" "$doc" "$1"; }
# gzip: HDF5's single-threaded filter path against the parallel inflate (target 1.7x).
"$root/build/tests/bench/bench_gzip_read" "$bench_dir/gzip_8x4096x4096.h5" 2>&1 | tee -a /dev/stderr |
  put_block gzip
# Head circuits of a 32-layer, 32-head, D = 4096 model with alpha (target: under 60 s); the
# weights take 4.3 GB and are written once.
heads="$bench_dir/heads_32x32x4096.h5"
if [ ! -f "$heads" ] && [ "$(df --output=avail -B1 "$bench_dir" | tail -1)" -gt 8000000000 ]; then
  /usr/bin/python3 "$root/tests/bench/make_head_weights.py" --out "$heads"
fi
if [ -f "$heads" ]; then
  { cat "$heads" > /dev/null
    for rep in 1 2 3; do
      /usr/bin/time -f "head circuits, repetition $rep: %e s wall, %U s user, %S s system, peak RSS %M KB" \
        "$root/build/app/eigenscope-cli" weights "$heads" --json > /dev/null
    done; } 2>&1 | tee -a /dev/stderr | put_block heads
fi
# The app as a user opens a dump (issue 20): the real window, shown with its default layout; per
# view the first picture and the complete result, which views are visible, the worst event-loop
# gap, peak RSS, and that hidden views did not compute. S, the 33 x 4096 x 1024 CKA dump
# (bench_cka.py writes it), M and L, those present.
[ -f "$bench_dir/cka_33x4096x1024_f16.h5" ] ||
  /usr/bin/python3 "$root/tests/bench/bench_cka.py" --cli "$root/build/app/eigenscope-cli" > /dev/null
{ for dump in S_chunked cka_33x4096x1024_f16 M_chunked L_chunked; do
    [ -f "$bench_dir/$dump.h5" ] || continue
    cat "$bench_dir/$dump.h5" > /dev/null  # warm page cache, as for the other rows
    QT_QPA_PLATFORM=offscreen "$root/build/tests/bench/bench_app_open" "$bench_dir/$dump.h5" \
      --json --timeout 600 2>/dev/null || true
  done; } | tee -a /dev/stderr | /usr/bin/python3 "$root/tests/bench/app_open_table.py" | put_block app_open
# The CLI's supervised child (crash containment) against the same open in-process: the demo and
# the M dump (made by bench_activations.py above).
isolation_dumps=("$root/resources/demo/demo.h5")
[ -f "$bench_dir/M_chunked.h5" ] && isolation_dumps+=("$bench_dir/M_chunked.h5")
/usr/bin/python3 "$root/tests/bench/bench_isolation.py" --cli "$root/build/app/eigenscope-cli" \
  "${isolation_dumps[@]}" | tee -a /dev/stderr | put_block isolation
# The 3D view's frame rate needs an X server with OpenGL: Xvfb (Mesa llvmpipe), as in CI. The
# default scene (200k points), then issue 23's million (fewer frames: the GL paths it measures
# beside the CPU raster take seconds a frame).
{
  xvfb-run -a -s "-screen 0 1920x1080x24" "$root/build/tests/bench/bench_projection3d"
  xvfb-run -a -s "-screen 0 1920x1080x24" "$root/build/tests/bench/bench_projection3d" \
    --points-per-layer 30000 --layers 33 --frames 30
} 2>/dev/null | tee -a /dev/stderr | put_block projection3d
# UMAP's descent on one thread and two (core only).
"$root/build/tests/bench/bench_umap" | tee -a /dev/stderr | put_block umap
echo "bench.sh: figures written to $doc"
