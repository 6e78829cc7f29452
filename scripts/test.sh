#!/usr/bin/env bash
# Installs what is missing, builds, and runs every test through ctest.
# Exits non-zero on any failure.
#
#   ./scripts/test.sh                        release build + all tests, then
#                                            ASan/UBSan (all tests) and
#                                            TSan (concurrency tests)
#   HEAN_SANITIZERS="" ./scripts/test.sh     release only (quick)
#   HEAN_SANITIZERS="asan" ./scripts/test.sh release + ASan/UBSan only
set -euo pipefail
cd "$(dirname "$0")/.."

./scripts/setup.sh

JOBS="${HEAN_JOBS:-$(nproc)}"
SANITIZERS="${HEAN_SANITIZERS-asan tsan}"

run_preset() {
  local preset="$1"
  echo "==> [$preset] configure"
  cmake --preset "$preset" >/dev/null
  echo "==> [$preset] build"
  cmake --build --preset "$preset" -j "$JOBS"
  echo "==> [$preset] test"
  ctest --preset "$preset" -j "$JOBS"
}

run_preset release
for s in $SANITIZERS; do
  run_preset "$s"
done
echo "==> all test stages passed (release${SANITIZERS:+ + $SANITIZERS})"
