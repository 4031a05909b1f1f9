#!/usr/bin/env bash
# Configure and build Eigenscope. Shared by run.sh, test.sh and bench.sh.
# Usage: packaging/build.sh [BUILD_DIR] [extra cmake -D options...]
# BUILD_TARGETS="a b" builds only those targets (test.sh --sanitize=thread), default all.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
build="${1:-$root/build}"
shift || true
"$root/packaging/deps-debian.sh" --check >/dev/null 2>&1 || "$root/packaging/deps-debian.sh"
generator=()
command -v ninja >/dev/null && generator=(-G Ninja)
# A build dir configured with another generator cannot be reused: start it afresh.
if [ -f "$build/CMakeCache.txt" ] && ! grep -q "CMAKE_GENERATOR:INTERNAL=${generator[1]:-Unix Makefiles}" "$build/CMakeCache.txt"; then
  rm -rf "$build"
fi
cmake -S "$root" -B "$build" "${generator[@]}" -DCMAKE_BUILD_TYPE="${BUILD_TYPE:-Release}" "$@"
targets=()
for t in ${BUILD_TARGETS:-}; do targets+=(--target "$t"); done
cmake --build "$build" -j"$(nproc)" "${targets[@]}"
