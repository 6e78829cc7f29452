#!/usr/bin/env bash
# Test of scripts/check_no_bypass.sh: clean on the real tree, and it fails
# on a copy where a strategy includes an execution header and an app uses
# ApprovalForTesting.
set -euo pipefail
root="$1"
check="$root/scripts/check_no_bypass.sh"
"$check" "$root"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for d in hean/core hean/model hean/bus hean/book hean/config hean/analytics hean/strategy hean/exec apps/hean; do
  mkdir -p "$tmp/$d"
  cp "$root/$d/CMakeLists.txt" "$tmp/$d/" 2>/dev/null || true
done
"$check" "$tmp" >/dev/null

echo '#include "hean/exec/execution_client.h"' > "$tmp/hean/strategy/sneaky.cc"
if "$check" "$tmp" 2>"$tmp/err1"; then
  echo "FAIL: a strategy including hean/exec passed" >&2
  exit 1
fi
grep -q 'sneaky.cc' "$tmp/err1"
rm "$tmp/hean/strategy/sneaky.cc"

echo 'auto a = hean::ApprovalForTesting::Approve(r);' > "$tmp/apps/hean/shortcut.cc"
if "$check" "$tmp" 2>"$tmp/err2"; then
  echo "FAIL: an app using ApprovalForTesting passed" >&2
  exit 1
fi
grep -q 'shortcut.cc' "$tmp/err2"
echo 'auto a = hean::ApprovalForTesting::Approve(r);' > "$tmp/apps/hean/shortcut_test.cc"
rm "$tmp/apps/hean/shortcut.cc"
"$check" "$tmp" >/dev/null

echo "no_bypass_test: 1 passed, 0 failed"
