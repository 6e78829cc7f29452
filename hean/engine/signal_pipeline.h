// SignalPipeline: market data -> books -> analytics -> ImpulseEngine on one
// engine (SimClock), with the analytics sampled into feature rows and the
// strategy's signals collected. What `hean features` runs, and the harness
// of the strategy tests and benchmark on real data.
//
// No execution is attached: signals are recorded, never traded, so the
// strategy stays flat (every entry times out after entry_timeout; exits
// never fire). The backtest runner wires risk and execution behind the
// same strategy.
//
// Feature rows: on a time grid (`sample_every`: from the first multiple of
// the interval at or after the first event, one row per instrument that had
// a market event since its previous grid row, with the state just before
// the events at that time; a gap in the data is skipped, not filled with
// repeated rows) and/or after every trade (one row for the trade's
// instrument, after the strategy saw it). Not thread-safe.
#pragma once

#include <cstdio>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "hean/analytics/market_analytics.h"
#include "hean/book/book_set.h"
#include "hean/core/clock.h"
#include "hean/data/replay.h"
#include "hean/engine/engine.h"
#include "hean/strategy/impulse_engine.h"

namespace hean {

struct SignalPipelineOptions {
  AnalyticsConfig analytics;
  ImpulseConfig impulse;
  bool run_strategy = true;
  Duration sample_every = Duration::Zero();  // 0: no time grid
  bool sample_on_trade = false;
  Logger logger;
};

// One feature row: the analytics of one instrument at one time.
struct FeatureRow {
  UnixNanos time;
  InstrumentAnalytics* analytics = nullptr;
  const OrderBook* book = nullptr;  // nullptr or invalid: book columns empty
  double lookback_return = 0;       // the strategy's return over its lookback
  bool flash_crash = false;         // a flash crash was reported since the previous row of this instrument
  bool iceberg = false;             // an iceberg was reported since the previous row of this instrument
};

// "time,symbol,price,..." (no newline).
std::string FeatureCsvHeader();
// One CSV line (no newline); undefined values are empty fields.
std::string FeatureCsvRow(const FeatureRow& row);

std::string SignalCsvHeader();
std::string SignalCsvRow(const Signal& s, std::string_view symbol);
// "impulse|volume_spike|..." for Signal::reasons.
std::string SignalReasons(std::uint32_t reasons);

class SignalPipeline final : public ReplaySink {
 public:
  using SymbolFn = std::function<std::string(InstrumentId)>;

  // `books_spec` gives venue and tick of each instrument (for its book and
  // analytics); `symbol` its name.
  SignalPipeline(SignalPipelineOptions options, BookSet::SpecFn books_spec, SymbolFn symbol);
  ~SignalPipeline() override;

  void OnFeatureRow(std::function<void(const FeatureRow&)> f) { on_row_ = std::move(f); }
  void OnSignal(std::function<void(const Signal&)> f) { on_signal_ = std::move(f); }

  // ReplaySink.
  Status AdvanceTo(UnixNanos t) override;
  void Deliver(const Event& e) override;
  // Fires the grid timers up to the end (the last event's time). Call once
  // after the replay.
  void Finish();

  Engine& engine() noexcept { return *engine_; }
  const BookSet& books() const noexcept { return books_; }
  MarketAnalytics& analytics() noexcept { return *analytics_; }
  const ImpulseEngine* strategy() const noexcept { return strategy_.get(); }
  std::uint64_t events() const noexcept { return events_; }
  std::uint64_t signals() const noexcept { return signals_; }
  std::uint64_t flash_crashes() const noexcept { return flash_crashes_; }
  std::uint64_t icebergs() const noexcept { return icebergs_; }
  std::uint64_t book_invalid() const noexcept { return book_invalid_; }
  std::uint64_t rows() const noexcept { return rows_; }

 private:
  void EmitRow(InstrumentAnalytics& a);
  bool SampleAll();  // true if any row was written

  SignalPipelineOptions options_;
  SymbolFn symbol_;
  SimClock clock_;
  std::unique_ptr<Engine> engine_;
  BookSet books_;
  std::unique_ptr<MarketAnalytics> analytics_;
  std::unique_ptr<ImpulseEngine> strategy_;
  std::unique_ptr<StrategyContext> context_;
  std::function<void(const FeatureRow&)> on_row_;
  std::function<void(const Signal&)> on_signal_;
  bool grid_started_ = false;
  UnixNanos next_grid_;
  std::vector<std::uint8_t> active_;        // by instrument: a market event since its last grid row
  std::vector<std::uint8_t> crash_seen_;    // by instrument: flash crash since the last row
  std::vector<std::uint8_t> iceberg_seen_;  // by instrument: iceberg since the last row
  std::uint64_t events_ = 0;
  std::uint64_t signals_ = 0;
  std::uint64_t flash_crashes_ = 0;
  std::uint64_t icebergs_ = 0;
  std::uint64_t book_invalid_ = 0;
  std::uint64_t rows_ = 0;
};

}  // namespace hean
