#!/usr/bin/env bash
# Installs what is missing, builds (release), and runs HEAN's main job: a
# backtest of the whole system on the real 8-minute Binance USD-M capture
# bundled in testdata/ (BTCUSDT and ETHUSDT):
#
#   recorded data -> order books -> analytics -> ImpulseEngine -> risk governor
#     -> maker-first execution router -> simulated exchange (queue, latency, fees)
#     -> portfolio
#
# with config/demo.toml (tuned so that this short, calm sample trades; see
# its comments). It ends with the run's summary and the path of its
# report.html. Before that, a quick check that the bundled data rebuilds
# the venue's books exactly. Benchmarks: ./scripts/bench.sh.
set -euo pipefail
cd "$(dirname "$0")/.."

./scripts/setup.sh
cmake --preset release >/dev/null
cmake --build --preset release -j "${HEAN_JOBS:-$(nproc)}"

HEAN=build/release/apps/hean/hean
T=testdata/binance-usdm-2024-07-18
"$HEAN" version
echo
echo "Rebuilding the BTCUSDT book from the raw capture and checking it against Binance's own top of book:"
"$HEAN" data verify "$T/usdm_btcusdt_20240718.gz" "$T/usdm_btcusdt_20240719.gz"
echo
echo "Checking the run's config (every key, type, data file and model spec):"
"$HEAN" config check config/demo.toml
echo
echo "The backtest (docs/CLI.md, docs/CONFIG.md; report figures: docs/REPORT.md):"
"$HEAN" backtest --config config/demo.toml --out runs/demo
