#!/usr/bin/env bash
# Builds the release preset and runs every Google Benchmark binary, writing
# JSON to build/bench/<binary>.json. Extra arguments go to each binary, e.g.
#   ./scripts/bench.sh --benchmark_filter=Mpsc
#   ./scripts/bench.sh --benchmark_min_time=0.05   (quick)
set -euo pipefail
cd "$(dirname "$0")/.."

./scripts/setup.sh
cmake --preset release >/dev/null
cmake --build --preset release -j "${HEAN_JOBS:-$(nproc)}"

mkdir -p build/bench
for bin in build/release/hean/*/*_bench; do
  [ -x "$bin" ] || continue
  name="$(basename "$bin")"
  echo "==> $name"
  "$bin" --benchmark_out="build/bench/$name.json" --benchmark_out_format=json "$@"
done
echo "==> JSON results in build/bench/"
