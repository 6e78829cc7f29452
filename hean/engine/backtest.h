// Backtest: one run of the whole system on recorded market data, on one
// thread with a SimClock (`hean backtest`):
//
//   Replay -> SimRunner -> BookSet -> bus -> MarketAnalytics -> ImpulseEngine
//     -> Signal -> RiskGovernor::OnSignal -> ExecutionRouter -> SimExchange
//     -> answers -> router (OrderManager) -> Portfolio, governor, bus
//     (the strategy's context sees its fills).
//
// The SimRunner puts every market event at the exchange at its exchange
// time and at the engine at its receive time (or a latency model's); the
// engine's timers (TTLs, the slippage-cache refresh, the governor's checks,
// equity sampling) fire in time order with them. Nothing reads the wall
// clock except the progress report, so the same data, config and seed give
// the same RunRecord, fill for fill.
//
// BacktestConfig is read from one TOML file (docs/CONFIG.md): [run],
// [instruments.SYMBOL], [analytics.*], [strategy.impulse], [risk],
// [execution], [sim], [report]. Unknown keys and wrong types are errors
// that name the key and the line.
//
// Not thread-safe: one run per thread (runs in separate threads or
// processes are independent).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "hean/analytics/analytics_config.h"
#include "hean/config/config.h"
#include "hean/core/log.h"
#include "hean/core/status.h"
#include "hean/core/time.h"
#include "hean/engine/run_record.h"
#include "hean/exec/exec_config.h"
#include "hean/model/instrument.h"
#include "hean/risk/risk_config.h"
#include "hean/strategy/impulse_engine.h"

namespace hean {

struct SimConfig {
  std::string order_latency = "constant:1ms";     // strategy -> exchange (LatencyModel spec)
  std::string response_latency = "constant:1ms";  // exchange -> strategy
  std::string market_data_latency = "recorded";   // "recorded": each event's receive time; else a spec
  std::string queue = "proportional";             // QueueModel name
};

struct ReportConfig {
  Duration equity_every = Duration::Minutes(1);  // equity.csv and the Sharpe / Sortino returns
  Duration price_every = Duration::Seconds(1);   // price points kept for the chart
};

struct BacktestConfig {
  std::string name = "backtest";
  std::string source;             // the config file ("" when built in code)
  std::vector<std::string> data;  // market data files, paths as given (resolved against base_dir)
  std::string base_dir;           // relative data paths are relative to this (the config file's directory)
  std::string candles;            // optional 1-minute candles for the VWAP profile
  std::uint64_t seed = 1;
  double balance = 100'000.0;           // USDT
  std::vector<Instrument> instruments;  // symbol, venue, tick, lot, minimums, fees
  AnalyticsConfig analytics;
  ImpulseConfig impulse;
  RiskConfig risk;
  ExecConfig exec;
  SimConfig sim;
  ReportConfig report;

  // Paths of the data files as opened (base_dir applied to relative ones).
  std::vector<std::string> DataPaths() const;
  std::string CandlesPath() const;

  // Every rule of every section; the message starts with the key.
  [[nodiscard]] Status Validate() const;
};

// Reads every section from `config` and checks for unknown keys. `base_dir`
// is where relative data paths start (the config file's directory).
// Errors name the file, line and key.
[[nodiscard]] Status LoadBacktestConfig(Config& config, const std::string& base_dir, BacktestConfig& out);

// Loads a config file: Config::Load, `overrides` ("key=value", applied in
// order, see Config::Override), LoadBacktestConfig with the file's
// directory, Validate. `effective_toml` (optional) gets the effective
// config with every default filled in.
[[nodiscard]] Status LoadBacktestFile(const std::string& path, const std::vector<std::string>& overrides,
                                      BacktestConfig& out, std::string* effective_toml = nullptr);

// Checks what a run needs from outside without running it: every data file
// (and the candles file) opens and reads as a known format, the latency
// and queue model specs parse. Errors name the file or key.
[[nodiscard]] Status CheckBacktestInputs(const BacktestConfig& config);

struct BacktestProgress {
  std::uint64_t events = 0;
  UnixNanos now;          // simulated time reached
  UnixNanos first_event;  // of the data
  UnixNanos last_event;   // of the data; zero when not known (no scan)
  double wall_seconds = 0.0;
};

struct BacktestOptions {
  // Called every `progress_every` market events and once at the end.
  std::function<void(const BacktestProgress&)> progress;
  std::uint64_t progress_every = 1u << 16;
  // Scan the data once first to learn its time span (for the progress
  // share and ETA). Changes no output.
  bool scan_span = false;
  // Replays the data this many times back to back (each pass shifted in
  // time to follow the previous one): a long run from a short file, for the
  // pipeline benchmark. 1: once.
  int loops = 1;
  // Keep per-fill, per-order and per-signal rows (false: only counters and
  // histograms, for the benchmark; the report then lacks its tables).
  bool keep_rows = true;
  Logger logger;
};

// Runs the backtest. Errors: data that cannot be read (file and line),
// instruments of the config missing from the data or on another venue,
// model specs that do not parse.
Result<RunRecord, Status> RunBacktest(const BacktestConfig& config, const BacktestOptions& options = {});

}  // namespace hean
