#!/usr/bin/env bash
# Builds the .deb from a configured and built tree, unpacks it and checks it:
# file list, the packaged CLI on the packaged demo, desktop/AppStream validators, Depends.
# Usage: test_deb.sh BUILD_DIR VERSION
set -euo pipefail
build="$1" version="$2"
tmp="$(mktemp -d "${TMPDIR:-/tmp}/eigenscope-deb.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT
fail=0
check() { if "$@"; then :; else echo "FAIL: $*"; fail=1; fi; }

start=$(date +%s)
cpack -G DEB --config "$build/CPackConfig.cmake" -B "$tmp/out" > "$tmp/cpack.log" 2>&1 ||
  { cat "$tmp/cpack.log"; echo "FAIL: cpack"; exit 1; }
deb="$(ls "$tmp"/out/*.deb)"
echo "built $(basename "$deb"): $(stat -c %s "$deb") bytes in $(( $(date +%s) - start )) s"
case "$(basename "$deb")" in
  eigenscope_${version}_*.deb) ;;
  *) echo "FAIL: file name does not carry version $version"; fail=1 ;;
esac

# --- control fields ---
dpkg-deb -f "$deb" Package Version Section Maintainer Depends Installed-Size
check [ "$(dpkg-deb -f "$deb" Version)" = "$version" ]
check [ "$(dpkg-deb -f "$deb" Section)" = "science" ]
depends="$(dpkg-deb -f "$deb" Depends)"
check grep -q 'libhdf5' <<<"$depends"
check grep -q 'libqt6core6' <<<"$depends"
check grep -q 'libqt6widgets6' <<<"$depends"
check grep -q 'qt6-qpa-plugins' <<<"$depends"
check grep -q 'libc6' <<<"$depends"
# Open MPI itself (libopenmpi3) is a dependency of eigenscope-cli's MPI build; the OpenMPI
# build of HDF5 (libhdf5-openmpi-*) must never be: only the serial libhdf5 is linked.
if grep -q 'hdf5-openmpi' <<<"$depends"; then echo "FAIL: Depends names the OpenMPI HDF5"; fail=1; fi

# --- files ---
root="$tmp/root"
dpkg-deb -x "$deb" "$root"
for f in usr/bin/eigenscope usr/bin/eigenscope-cli \
         usr/share/applications/eigenscope.desktop \
         usr/share/metainfo/org.eigenscope.Eigenscope.metainfo.xml \
         usr/share/mime/packages/eigenscope.xml \
         usr/share/icons/hicolor/scalable/apps/eigenscope.svg \
         usr/share/man/man1/eigenscope.1 usr/share/man/man1/eigenscope-cli.1 \
         usr/share/eigenscope/demo/demo.h5 \
         usr/share/eigenscope/demo/checkpoints/step_000000.h5 \
         usr/share/eigenscope/demo/checkpoints/step_001500.h5 \
         usr/share/eigenscope/python/eigenscope_export.py; do
  check [ -s "$root/$f" ]
done
for size in 16 22 24 32 48 64 128 256; do
  png="$root/usr/share/icons/hicolor/${size}x${size}/apps/eigenscope.png"
  check [ -s "$png" ]
  check grep -q "PNG image data, $size x $size" <<<"$(file "$png")"
done
check [ -x "$root/usr/bin/eigenscope" ]
check [ -x "$root/usr/bin/eigenscope-cli" ]
# Nothing of the build machine leaks in (only /usr).
check [ "$(ls "$root")" = "usr" ]

# --- the packaged CLI on the packaged demo (system libraries only) ---
json="$tmp/info.json"
"$root/usr/bin/eigenscope-cli" info --json "$root/usr/share/eigenscope/demo/demo.h5" > "$json"
/usr/bin/python3 - "$json" <<'PY' || fail=1
import json, sys
j = json.load(open(sys.argv[1]))
ok = j["layout"] == "transformerlens" and j["n_layers"] == 4
print(f"packaged info: layout {j['layout']}, n_layers {j['n_layers']}, version {j.get('eigenscope_version')}")
sys.exit(0 if ok else 1)
PY
check [ "$("$root/usr/bin/eigenscope-cli" --version)" = "eigenscope-cli $version" ]
check [ "$(QT_QPA_PLATFORM=offscreen timeout 60 "$root/usr/bin/eigenscope" --version 2>/dev/null)" = "Eigenscope $version" ]
# Every library resolves to a system library.
if ldd "$root/usr/bin/eigenscope" "$root/usr/bin/eigenscope-cli" | grep -q 'not found'; then
  echo "FAIL: unresolved libraries"; fail=1
fi

# --- validators ---
check desktop-file-validate "$root/usr/share/applications/eigenscope.desktop"
check appstreamcli validate --no-net "$root/usr/share/metainfo/org.eigenscope.Eigenscope.metainfo.xml"
check grep -q "<release version=\"$version\"" "$root/usr/share/metainfo/org.eigenscope.Eigenscope.metainfo.xml"
check xmllint --noout "$root/usr/share/mime/packages/eigenscope.xml"
check grep -q 'MimeType=.*application/x-hdf5' "$root/usr/share/applications/eigenscope.desktop"
for m in eigenscope eigenscope-cli; do
  warnings="$(groff -man -ww -z "$root/usr/share/man/man1/$m.1" 2>&1)"
  check [ -z "$warnings" ]
  [ -z "$warnings" ] || echo "$warnings"
done
# The man page lists every verb the CLI has.
for verb in $("$root/usr/bin/eigenscope-cli" --help | sed -n 's/^  \([a-z]\+\) .*/\1/p'); do
  check grep -q "^\.B $verb " "$root/usr/share/man/man1/eigenscope-cli.1"
done
# The exporter runs from its installed place.
check /usr/bin/python3 "$root/usr/share/eigenscope/python/eigenscope_export.py" --help > /dev/null

echo "test_deb: $(( $(date +%s) - start )) s"
[ $fail -eq 0 ] && echo "PASS" || echo "FAILED"
exit $fail
