// The whole backtest pipeline (books, analytics, ImpulseEngine, risk
// governor, execution router, simulated exchange, portfolio) on the bundled
// 8-minute Binance USD-M capture (BTCUSDT and ETHUSDT) converted once to
// the native event file (.hev, read by mmap), replayed back to back until
// at least 50 million market events went through. config/demo.toml's
// settings, so the strategy trades (a few hundred round trips over the
// whole run). The counter is market events per second of wall time on one
// core. Peak memory: run `hean backtest --loops N` under /usr/bin/time -v
// (docs/BENCHMARKS.md); the benchmark process itself holds the same run.
#include <benchmark/benchmark.h>

#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "hean/data/hev.h"
#include "hean/data/replay.h"
#include "hean/data/source.h"
#include "hean/engine/backtest.h"

namespace hean {
namespace {

// Converts the capture to one .hev file in the temp directory (once).
const std::string& CaptureHev() {
  static const std::string path = [] {
    const std::string dir = std::string(HEAN_SOURCE_DIR) + "/testdata/binance-usdm-2024-07-18/";
    const std::string out = (std::filesystem::temp_directory_path() / "hean_backtest_bench_capture.hev").string();
    DataInstruments names;
    SourceOptions so;
    so.instruments = &names;
    std::vector<std::unique_ptr<EventSource>> sources;
    for (const char* f : {"usdm_btcusdt_20240718.gz", "usdm_btcusdt_20240719.gz", "usdm_ethusdt_20240718.gz",
                          "usdm_ethusdt_20240719.gz"}) {
      auto s = OpenSource(dir + f, so);
      if (!s.ok()) {
        std::fprintf(stderr, "%s\n", s.error().ToString().c_str());
        std::abort();
      }
      sources.push_back(std::move(*s));
    }
    auto w = HevWriter::Create(out);
    if (!w.ok()) std::abort();
    Replay r(std::move(sources));
    Event e;
    while (r.Next(&e)) (void)(*w)->Write(e);
    if (!r.status().ok() || !(*w)->Finish(names).ok()) std::abort();
    return out;
  }();
  return path;
}

BacktestConfig DemoConfig() {
  BacktestConfig c;
  const std::string path = std::string(HEAN_SOURCE_DIR) + "/config/demo.toml";
  if (Status s = LoadBacktestFile(path, {}, c); !s.ok()) {
    std::fprintf(stderr, "%s\n", s.ToString().c_str());
    std::abort();
  }
  c.data = {CaptureHev()};
  c.base_dir.clear();
  return c;
}

void RunPipeline(benchmark::State& state, bool keep_rows) {
  const BacktestConfig config = DemoConfig();
  BacktestOptions options;
  options.loops = static_cast<int>(state.range(0));
  options.keep_rows = keep_rows;
  std::uint64_t events = 0, fills = 0;
  for (auto _ : state) {
    auto r = RunBacktest(config, options);
    if (!r.ok()) {
      state.SkipWithError(r.error().ToString().c_str());
      return;
    }
    events += r->events;
    fills += r->sim_fills;
    benchmark::DoNotOptimize(r->exec.fills.size());
  }
  state.counters["events/s"] = benchmark::Counter(static_cast<double>(events), benchmark::Counter::kIsRate);
  state.counters["events"] = static_cast<double>(events) / static_cast<double>(state.iterations());
  state.counters["fills"] = static_cast<double>(fills) / static_cast<double>(state.iterations());
}

// 65 passes of 780,355 market events: 50.7 M events.
void BM_Backtest_FullPipeline(benchmark::State& state) { RunPipeline(state, true); }
BENCHMARK(BM_Backtest_FullPipeline)->Arg(65)->Iterations(1)->Unit(benchmark::kSecond)->UseRealTime();

// One pass (the demo's size), rows kept: what `hean backtest` costs on it.
BENCHMARK(BM_Backtest_FullPipeline)->Arg(1)->Unit(benchmark::kMillisecond)->UseRealTime();

// Without the per-fill / per-order / per-signal rows (counters only).
void BM_Backtest_FullPipeline_NoRows(benchmark::State& state) { RunPipeline(state, false); }
BENCHMARK(BM_Backtest_FullPipeline_NoRows)->Arg(1)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace
}  // namespace hean

BENCHMARK_MAIN();
