#!/usr/bin/env bash
# Installs the Debian 12 packages HEAN needs to build, test and benchmark.
# Idempotent: only packages that are missing are installed; nothing is
# installed when everything is present. Runs apt-get through sudo when the
# caller is not root.
set -euo pipefail

# One line each: package, then why (kept in step with the README's table).
PACKAGES=(
  g++                      # C++20 compiler (GCC 12)
  cmake                    # build system generator (>= 3.25)
  ninja-build              # fast builds
  make                     # the day-to-day Makefile
  ccache                   # compiler cache
  libgtest-dev             # GoogleTest
  libgmock-dev             # GoogleMock
  libbenchmark-dev         # Google Benchmark
  libconcurrentqueue-dev   # moodycamel::ConcurrentQueue, peer in the MPSC benchmarks
  libcli11-dev             # command line of the hean app
  libsimdjson-dev          # JSON on the hot path (exchange messages, captures)
  zlib1g-dev               # gzip-compressed recorded data
  libfmt-dev               # formatting of log lines
  libtomlplusplus-dev      # TOML config files (toml++)
  libeigen3-dev            # linear algebra: correlation eigenvalues in the risk governor
  nlohmann-json3-dev       # JSON for reports (report.json, ab.json) and the config echo
  chromium                 # headless browser: the report.html rendering test takes a screenshot
  fonts-dejavu-core        # a font for the headless browser's screenshot
)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "setup: all ${#PACKAGES[@]} packages present"
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then
    SUDO="sudo"
  else
    echo "setup: need root or sudo to install: ${missing[*]}" >&2
    exit 1
  fi
fi

echo "setup: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
echo "setup: done"
