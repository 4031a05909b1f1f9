#!/usr/bin/env bash
# Installs every build and test dependency of Eigenscope from Debian 12's apt.
# Idempotent: packages already present are skipped, and `apt-get update` runs at most once.
# Usage: packaging/deps-debian.sh [--check]   (--check: exit 1 if anything is missing, install nothing)
set -euo pipefail

PACKAGES=(
  # toolchain
  build-essential cmake ninja-build ccache pkg-config git clang libclang-rt-14-dev clang-format
  # locale sources: tests compile de_DE with localedef to check that files keep a decimal point
  locales
  # numerics and I/O
  libhdf5-dev hdf5-tools nlohmann-json3-dev libgtest-dev libeigen3-dev libarmadillo-dev libopenblas-dev liblapack-dev zlib1g-dev libdeflate-dev
  # approximate nearest neighbours (header-only): the HNSW index of `neighbours` and UMAP's neighbour graph
  libhnswlib-dev
  # MPI: eigenscope-cli shares its work among ranks under mpirun/srun (docs/SCALING.md)
  openmpi-bin libopenmpi-dev
  # GUI: Qt 6, QCustomPlot for Qt 6, VTK 9.1 (its Qt module is not used), OpenGL
  qt6-base-dev libqt6opengl6-dev qt6-svg-dev libqcustomplot-dev libvtk9-dev
  libgl-dev libgl1-mesa-dri libglx-mesa0 qt6-qpa-plugins fonts-dejavu-core
  # test fixtures, reference numbers, rendering checks
  python3 python3-h5py python3-numpy python3-scipy python3-torch
  xvfb xauth x11-utils imagemagick poppler-utils libxml2-utils
  # R's poweRlaw: the power-law fits are compared with it (tests/reference/reference_powerlaw.py)
  r-cran-powerlaw
  # benchmarks (packaging/bench.sh): wall time, CPU and peak RSS of a process
  time
  # packaging checks (.deb, desktop entry, AppStream, man pages); rsvg-convert renders the icons
  appstream desktop-file-utils dpkg-dev file groff-base librsvg2-bin
)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ "${#missing[@]}" -eq 0 ]; then
  echo "deps-debian: all ${#PACKAGES[@]} packages present"
  exit 0
fi
if [ "${1:-}" = "--check" ]; then
  echo "deps-debian: missing: ${missing[*]}"
  exit 1
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
echo "deps-debian: installing ${#missing[@]} packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
