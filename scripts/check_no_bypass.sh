#!/usr/bin/env bash
# Checks, on the source tree, that nothing can reach a venue without the
# risk governor:
#   1. ApprovalForTesting (approves without checks) is named only by tests,
#      benchmarks and test helpers;
#   2. strategies, and the modules they are built on, include nothing from
#      hean/exec, hean/sim, hean/venue, hean/engine or hean/risk, and their
#      CMake targets do not link them: a strategy cannot even name an
#      ExecutionClient. (ExecutionClient::Submit takes an Approved<> that
#      only RiskGovernor can make: the compiler enforces the rest.)
# Usage: scripts/check_no_bypass.sh [REPO_ROOT]. Exit 0 when clean.
set -euo pipefail
root="${1:-$(cd "$(dirname "$0")/.." && pwd)}"
cd "$root"
fail=0

allowed_bypass() {
  case "$1" in
    hean/exec/approved.h | hean/exec/testing/*) return 0 ;;
    *_test.cc | *_bench.cc | */test_*.h | */test_harness.h | */test_support.h) return 0 ;;
  esac
  return 1
}

while IFS= read -r f; do
  if ! allowed_bypass "$f"; then
    echo "check_no_bypass: $f names ApprovalForTesting (approval without the risk governor) outside a test" >&2
    fail=1
  fi
done < <(grep -rlE 'ApprovalForTesting|approval_for_testing\.h' --include='*.h' --include='*.cc' hean apps || true)

for dir in hean/core hean/model hean/bus hean/book hean/config hean/analytics hean/strategy; do
  while IFS= read -r hit; do
    case "${hit%%:*}" in *_test.cc | *_bench.cc) continue ;; esac
    echo "check_no_bypass: $hit: strategies and what they build on must not include execution, venue or risk code" >&2
    fail=1
  done < <(grep -rnE '#include "hean/(exec|sim|venue|engine|risk)/' --include='*.h' --include='*.cc' "$dir" || true)
  if grep -nE 'hean::(exec|sim|venue|engine|risk)\b' "$dir/CMakeLists.txt" | grep -v 'hean_test\|LIBS' >/dev/null; then
    echo "check_no_bypass: $dir/CMakeLists.txt links execution, venue or risk code" >&2
    fail=1
  fi
done

if [ "$fail" -eq 0 ]; then
  echo "check_no_bypass: ok (no approval bypass outside tests; strategies cannot see an ExecutionClient)"
fi
exit "$fail"
