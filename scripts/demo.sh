#!/usr/bin/env bash
# Installs what is missing, builds (release), and runs HEAN's main job.
#
# Until the backtest runner lands, the main job is the engine core measuring
# itself: the fixed-point decimal parser on real Binance price strings, the
# event bus fast and queued paths, and the MPSC ingress queue against
# moodycamel::ConcurrentQueue and a mutex queue. Results are printed and
# written as JSON to build/bench/.
set -euo pipefail
cd "$(dirname "$0")/.."

./scripts/setup.sh
cmake --preset release >/dev/null
cmake --build --preset release -j "${HEAN_JOBS:-$(nproc)}"

HEAN=build/release/apps/hean/hean
"$HEAN" info
echo
echo "Parsing a real Binance price exactly, and a value HEAN refuses:"
"$HEAN" parse price 63943.90
"$HEAN" parse qty 0.0000000001 || true
echo

mkdir -p build/bench
for b in hean_core_bench hean_bus_bench; do
  bin="$(find build/release -name "$b" -type f -perm -u+x | head -1)"
  echo "==> $b"
  "$bin" --benchmark_min_time=0.2 --benchmark_out="build/bench/$b.json" --benchmark_out_format=json
done
echo
echo "Demo done. Benchmark JSON: build/bench/. Figures and targets: docs/BENCHMARKS.md"
