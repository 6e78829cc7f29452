// The analytics and the ImpulseEngine on the real BTCUSDT capture in
// testdata/ (Binance USD-M, 2024-07-18 23:57 to 07-19 00:01:33, about
// 4.5 minutes), through SignalPipeline as `hean features` runs them.
#include "hean/engine/signal_pipeline.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <string>
#include <vector>

#include "hean/data/source.h"

namespace hean {
namespace {

struct RunResult {
  Status status;
  std::uint64_t events = 0;
  std::uint64_t rows = 0;
  std::vector<std::string> signals;  // CSV rows
  std::vector<std::string> features;
  ImpulseEngine::Stats stats;
  double max_abs_return = 0;
  double threshold = 0;
  bool atr_ready = false;
  std::uint64_t bars = 0;
  std::uint64_t flash_crashes = 0;
  std::uint64_t book_invalid = 0;
};

RunResult RunCapture(SignalPipelineOptions options) {
  DataInstruments names;
  SourceOptions opts;
  opts.instruments = &names;
  if (!names
           .AddSpec(Venue::kBinance, "BTCUSDT", Price::FromRaw(Price::FromInt(1).raw() / 10),
                    Qty::FromRaw(Qty::FromInt(1).raw() / 1000))
           .ok()) {
    ADD_FAILURE() << "spec";
  }
  const std::string dir = std::string(HEAN_SOURCE_DIR) + "/testdata/binance-usdm-2024-07-18/";
  std::vector<std::unique_ptr<EventSource>> sources;
  for (const char* f : {"usdm_btcusdt_20240718.gz", "usdm_btcusdt_20240719_head20000.gz"}) {
    auto s = OpenSource(dir + f, opts);
    EXPECT_TRUE(s.ok()) << (s.ok() ? "" : s.error().ToString());
    if (!s.ok()) return {};
    sources.push_back(std::move(*s));
  }
  SignalPipeline p(
      std::move(options),
      [&names](InstrumentId id) {
        BookSet::Spec s;
        s.venue = names.Get(id).venue;
        s.tick_size = names.BookTick(id);
        return s;
      },
      [&names](InstrumentId id) { return names.Get(id).symbol; });
  RunResult r;
  p.OnSignal([&](const Signal& s) { r.signals.push_back(SignalCsvRow(s, names.Get(s.instrument).symbol)); });
  p.OnFeatureRow([&](const FeatureRow& row) { r.features.push_back(FeatureCsvRow(row)); });
  Replay replay(std::move(sources));
  r.status = replay.Run(p);
  p.Finish();
  r.events = p.events();
  r.rows = p.rows();
  r.stats = p.strategy()->stats();
  r.flash_crashes = p.flash_crashes();
  r.book_invalid = p.book_invalid();
  if (p.analytics().size() == 1) {
    const InstrumentAnalytics& a = p.analytics().at(0);
    r.max_abs_return = p.strategy()->MaxAbsReturn(a.instrument());
    r.threshold = a.threshold().value();
    r.atr_ready = a.threshold().atr().ready();
    r.bars = a.bars_closed();
  }
  return r;
}

std::size_t Fields(const std::string& line) {
  return static_cast<std::size_t>(std::count(line.begin(), line.end(), ',')) + 1;
}

// With the original design's defaults the capture gives no signal, and that
// is expected: the threshold is the 0.5% base (14 one-minute bars never
// exist in 4.5 minutes) and even the 0.25% floor is above the largest
// 60-second move of the sample (about 0.16%).
TEST(SignalPipelineOnCapture, DefaultsRunToTheEndAndGiveNoSignal) {
  SignalPipelineOptions o;
  o.sample_every = Duration::Seconds(1);
  const RunResult r = RunCapture(o);
  ASSERT_TRUE(r.status.ok()) << r.status.ToString();
  EXPECT_GT(r.events, 200'000u);
  EXPECT_EQ(r.book_invalid, 0u);
  EXPECT_EQ(r.flash_crashes, 0u);
  EXPECT_FALSE(r.atr_ready);
  EXPECT_EQ(r.threshold, 0.005);
  EXPECT_GT(r.max_abs_return, 0.0005);
  EXPECT_LT(r.max_abs_return, 0.0025);  // below even the floor
  EXPECT_GT(r.stats.trades, 1000u);
  EXPECT_EQ(r.stats.impulses, 0u);
  EXPECT_TRUE(r.signals.empty());
  std::printf("defaults: %zu signals; max |60 s return| %.4f%%, threshold %.3f%% (base: %llu one-minute bars)\n",
              r.signals.size(), r.max_abs_return * 100, r.threshold * 100, static_cast<unsigned long long>(r.bars));
  // One row a second over about 4.5 minutes, every row with every column.
  EXPECT_GT(r.rows, 250u);
  EXPECT_LT(r.rows, 300u);
  ASSERT_FALSE(r.features.empty());
  const std::size_t columns = Fields(FeatureCsvHeader());
  for (const std::string& row : r.features) ASSERT_EQ(Fields(row), columns) << row;
}

SignalPipelineOptions LowFloor() {
  // 10-second bars so that the ATR is ready after 140 s, and a floor and
  // base of 0.05%: the adaptive threshold then follows the ATR.
  SignalPipelineOptions o;
  o.analytics.bars.interval = Duration::Seconds(10);
  o.analytics.atr.floor = 0.0005;
  o.analytics.atr.base_threshold = 0.0005;
  return o;
}

TEST(SignalPipelineOnCapture, LowerFloorGivesSignalsWithEveryField) {
  const RunResult r = RunCapture(LowFloor());
  ASSERT_TRUE(r.status.ok()) << r.status.ToString();
  EXPECT_TRUE(r.atr_ready);
  EXPECT_GT(r.stats.impulses, 0u);
  EXPECT_GT(r.signals.size(), 0u);
  std::printf("floor 0.05%%, 10 s bars: %zu signals from %llu impulses (threshold at the end %.4f%%)\n",
              r.signals.size(), static_cast<unsigned long long>(r.stats.impulses), r.threshold * 100);
  for (const std::string& s : r.signals) {
    std::printf("  %s\n", s.c_str());
    EXPECT_EQ(Fields(s), Fields(SignalCsvHeader())) << s;
    EXPECT_NE(s.find(",entry,"), std::string::npos) << s;  // never in a position: no exits
    EXPECT_NE(s.find("impulse"), std::string::npos) << s;
  }
  // Entries are at least a cooldown apart.
  EXPECT_LE(r.signals.size(), 1u + 275u / 30u);
}

TEST(SignalPipelineOnCapture, SameDataSameSignalsAndFeatures) {
  SignalPipelineOptions o = LowFloor();
  o.sample_on_trade = true;
  const RunResult a = RunCapture(o);
  const RunResult b = RunCapture(o);
  ASSERT_TRUE(a.status.ok());
  EXPECT_EQ(a.signals, b.signals);
  EXPECT_EQ(a.features.size(), a.stats.trades);  // one row per trade
  EXPECT_EQ(a.features, b.features);
}

// The time grid writes a row only for an instrument with news since its
// last row, and jumps over a gap in the data instead of repeating rows.
TEST(SignalPipeline, TimeGridSkipsGapsInTheData) {
  SignalPipelineOptions o;
  o.sample_every = Duration::Seconds(1);
  SignalPipeline p(
      o,
      [](InstrumentId) {
        return BookSet::Spec{Venue::kBinance, Price::FromRaw(Price::FromInt(1).raw() / 10)};
      },
      [](InstrumentId) { return std::string("BTCUSDT"); });
  std::vector<UnixNanos> rows;
  p.OnFeatureRow([&](const FeatureRow& r) { rows.push_back(r.time); });
  const UnixNanos t0 = UnixNanos::FromSeconds(1'700'000'000);
  auto trade = [&](UnixNanos t) {
    Trade tr;
    tr.ts_event = t;
    tr.ts_recv = t;
    tr.instrument = InstrumentId{0};
    tr.aggressor = AggressorSide::kBuyer;
    tr.price = Price::FromInt(100);
    tr.qty = Qty::FromInt(1);
    ASSERT_TRUE(p.AdvanceTo(t).ok());
    p.Deliver(Event(tr));
  };
  trade(t0 + Duration::Millis(500));
  trade(t0 + Duration::Millis(2500));  // rows at t0+1 (news) and t0+2 (none: skipped)
  trade(t0 + Duration::Hours(1));      // t0+3 has news; then a one-hour gap: no rows
  trade(t0 + Duration::Hours(1) + Duration::Millis(1500));
  p.Finish();
  EXPECT_EQ(rows, (std::vector<UnixNanos>{t0 + Duration::Seconds(1), t0 + Duration::Seconds(3),
                                          t0 + Duration::Hours(1) + Duration::Seconds(1)}));
}

}  // namespace
}  // namespace hean
