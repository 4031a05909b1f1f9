#!/usr/bin/env bash
# Installs what is missing, builds, and runs the whole CTest suite. Non-zero exit on any failure.
# Usage: packaging/test.sh [--sanitize=address,undefined|thread] [ctest args...]
#   --sanitize=address,undefined  everything (app and GL tests included) under ASan+UBSan.
#   --sanitize=thread             the threaded code only: the job runner, the app fault tests and
#                                 the core (analysis, reader, CLI) tests, built and run by itself.
# Times on 2 cores: docs/RELIABILITY.md.
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
  # allocator_may_return_null: libhdf5 asks for absurd sizes read from damaged files (the fuzz
  # regressions); malloc returns NULL outside ASan and HDF5 reports an error, so here too.
  export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0:allocator_may_return_null=1}"
  export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
  if [ "$sanitize" = "thread" ]; then
    # Only what has threads of its own: no VTK/GL views to build (they take most of the time).
    export BUILD_TARGETS="core_tests eigenscope-cli test_job_runner test_faults user_files_snapshot"
    # die_after_fork=0: the app and the tests fork to run eigenscope-cli, sh or mount, and the
    # child only execs. OpenBLAS on one thread: its own pool synchronises by spinning on flags
    # TSan cannot see (false races in dscal_k); the threads under test are ours.
    export TSAN_OPTIONS="${TSAN_OPTIONS:-halt_on_error=1:second_deadlock_stack=1:die_after_fork=0:allocator_may_return_null=1:suppressions=$root/cmake/tsan.supp}"
    export OPENBLAS_NUM_THREADS=1
    args=(-L '^(core|jobs|faults)$' "${args[@]}")
  fi
fi
start=$(date +%s)
"$root/packaging/build.sh" "$build" "${cmake_opts[@]}"
echo "test.sh: build took $(( $(date +%s) - start )) s"
# OpenBLAS threads: the analyses parallelise themselves; keep BLAS from oversubscribing 2 cores.
export OPENBLAS_NUM_THREADS="${OPENBLAS_NUM_THREADS:-2}"
ctest --test-dir "$build" --output-on-failure -j2 --timeout 900 "${args[@]}"
echo "test.sh: total $(( $(date +%s) - start )) s"
