#!/usr/bin/env bash
# Longer fuzzing than the test suite's minute: each libFuzzer target runs SECONDS (default 600),
# continuing from the corpus kept in build-fuzz/corpus. A crash leaves its input in
# build-fuzz/artifacts/; minimise it (target -minimize_crash=1 INPUT), fix the code, and keep
# the input in tests/fuzz/regressions/ (the core suite replays it). See docs/RELIABILITY.md.
# Usage: packaging/fuzz.sh [SECONDS_PER_TARGET]
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
"$root/packaging/deps-debian.sh" --check >/dev/null 2>&1 || "$root/packaging/deps-debian.sh"
exec "$root/tests/fuzz/run_fuzz.sh" "${1:-600}" "$root/build-fuzz"
