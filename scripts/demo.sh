#!/usr/bin/env bash
# Installs what is missing, builds (release), and runs HEAN's main job.
#
# Until the strategy backtest runner lands, the main job is the market-data
# path and the simulated exchange on the bundled real data: rebuild the
# Binance BTCUSDT book from a raw capture and check it against Binance's own
# bookTicker, rebuild the Bybit XRPUSDT book from Bybit's archive, convert
# both into one native .hev file and describe it; replay the BTCUSDT capture
# through the simulated exchange with the reference quoting loop behind the
# risk governor, pressing the kill switch after two minutes (fills, fees,
# PnL, queue statistics, risk decisions); run every analytic and the ImpulseEngine
# over it (`hean features`: with the defaults, and with the short-sample
# config that gives signals); then the engine measures itself (decimal
# parser, event bus, MPSC ingress queue against moodycamel::ConcurrentQueue,
# simulated-exchange throughput, analytics and strategy per event, the
# risk governor's pre-trade checks). Benchmark JSON goes to build/bench/.
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

T=testdata/binance-usdm-2024-07-18
X=testdata/bybit-ob500-xrpusdt-2024-12-01/xrpusdt-ob500.data.zip
echo "Rebuilding books from real captures and checking them against the venue's own top of book:"
"$HEAN" data verify "$T/usdm_btcusdt_20240718.gz" "$T/usdm_btcusdt_20240719_head20000.gz"
"$HEAN" data verify "$X"
echo
echo "Converting both into one native event file, merged by receive time:"
mkdir -p build/demo
"$HEAN" data convert "$T/usdm_btcusdt_20240718.gz" "$X" -o build/demo/sample.hev
"$HEAN" data info build/demo/sample.hev
echo
echo "The top 3 levels of the Bybit book after its last messages:"
"$HEAN" data dump "$X" --book-top 3 | tail -3
echo

echo "Replaying the BTCUSDT capture through the simulated exchange (queue position, latency, fees)"
echo "with the reference quoting loop: 0.01 BTC post-only at the touch, lognormal latencies;"
echo "every order passes the risk governor (docs/RISK.md), and the kill switch is pressed after"
echo "two minutes: it cancels the quotes, flattens the position and says when it is flat:"
"$HEAN" sim "$T/usdm_btcusdt_20240718.gz" "$T/usdm_btcusdt_20240719_head20000.gz" \
  --symbol BTCUSDT --tick 0.1 --lot 0.001 --qty 0.01 --show-fills 10 \
  --risk-config config/risk-defaults.toml --kill-at 2m
echo

echo "The execution router's three modes on the same requests over the capture (docs/EXECUTION.md):"
echo "a 0.01 BTC request every 10 s, worked maker-first with a fixed or adaptive TTL, or taken at once:"
"$HEAN" exec "$T/usdm_btcusdt_20240718.gz" "$T/usdm_btcusdt_20240719_head20000.gz" \
  --symbol BTCUSDT --tick 0.1 --lot 0.001 --config config/execution-defaults.toml
echo

echo "Analytics and the ImpulseEngine over the same capture (docs/STRATEGY.md). The defaults are"
echo "calibrated for long, volatile periods and give no signal on 4.5 calm minutes:"
"$HEAN" features --data "$T/usdm_btcusdt_20240718.gz" "$T/usdm_btcusdt_20240719_head20000.gz" \
  --instrument binance:BTCUSDT:0.1:0.001 -o build/demo/features.csv
echo
echo "With config/impulse-short-sample.toml (10 s bars, 0.05% floor), features at every trade:"
"$HEAN" features --data "$T/usdm_btcusdt_20240718.gz" "$T/usdm_btcusdt_20240719_head20000.gz" \
  --instrument binance:BTCUSDT:0.1:0.001 --config config/impulse-short-sample.toml --every trade \
  -o build/demo/features-trades.csv --signals build/demo/signals.csv --log-level info
echo

mkdir -p build/bench
for b in hean_core_bench hean_bus_bench hean_sim_bench hean_signal_bench hean_risk_bench hean_exec_bench; do
  bin="$(find build/release -name "$b" -type f -perm -u+x | head -1)"
  echo "==> $b"
  "$bin" --benchmark_min_time=0.2 --benchmark_out="build/bench/$b.json" --benchmark_out_format=json
done
echo
echo "Demo done. Benchmark JSON: build/bench/. Figures and targets: docs/BENCHMARKS.md"
