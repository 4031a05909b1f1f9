#!/usr/bin/env bash
# Both executables print the project version (project(VERSION) in CMakeLists.txt, the one place).
# Usage: test_version.sh VERSION CLI [GUI]   (the GUI runs with QT_QPA_PLATFORM=offscreen)
set -euo pipefail
version="$1" cli="$2" gui="${3:-}"
fail=0
out="$("$cli" --version)"
echo "eigenscope-cli --version: $out"
[ "$out" = "eigenscope-cli $version" ] || { echo "FAIL: expected 'eigenscope-cli $version'"; fail=1; }
if [ -n "$gui" ]; then
  out="$(QT_QPA_PLATFORM=offscreen timeout 60 "$gui" --version 2>/dev/null)"
  echo "eigenscope --version: $out"
  # QCommandLineParser prints "<applicationName> <applicationVersion>"
  [ "$out" = "Eigenscope $version" ] || { echo "FAIL: expected 'Eigenscope $version'"; fail=1; }
fi
exit $fail
