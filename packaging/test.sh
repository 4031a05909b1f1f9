#!/usr/bin/env bash
# Installs what is missing, builds, and runs the whole CTest suite. Non-zero exit on any failure.
# Usage: packaging/test.sh [--sanitize=address,undefined|thread] [ctest args...]
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
sanitize=""
args=()
for a in "$@"; do
  case "$a" in
    --sanitize=*) sanitize="${a#--sanitize=}" ;;
    *) args+=("$a") ;;
  esac
done
build="$root/build"
cmake_opts=()
if [ -n "$sanitize" ]; then
  build="$root/build-${sanitize//,/-}"
  cmake_opts+=(-DEIGENSCOPE_SANITIZE="$sanitize")
  export BUILD_TYPE=RelWithDebInfo
  export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}"
  export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
fi
start=$(date +%s)
"$root/packaging/build.sh" "$build" "${cmake_opts[@]}"
echo "test.sh: build took $(( $(date +%s) - start )) s"
# OpenBLAS threads: the analyses parallelise themselves; keep BLAS from oversubscribing 2 cores.
export OPENBLAS_NUM_THREADS="${OPENBLAS_NUM_THREADS:-2}"
ctest --test-dir "$build" --output-on-failure -j2 --timeout 900 "${args[@]}"
echo "test.sh: total $(( $(date +%s) - start )) s"
