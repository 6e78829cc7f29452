#include "hean/analytics/bars.h"

#include <gtest/gtest.h>

#include <vector>

#include "hean/analytics/test_support.h"
#include "hean/core/log.h"

namespace hean {
namespace {

constexpr InstrumentId kInstrument{7};

using testing_support::P;
using testing_support::Q;

UnixNanos Sec(std::int64_t s) { return UnixNanos::FromSeconds(s); }

// A bar with only the fields Atr and AdaptiveThreshold read.
Bar MakeBar(std::int64_t high, std::int64_t low, std::int64_t close) {
  Bar b;
  b.instrument = kInstrument;
  b.open = Price::FromInt(close);
  b.high = Price::FromInt(high);
  b.low = Price::FromInt(low);
  b.close = Price::FromInt(close);
  return b;
}

// ---------------------------------------------------------------- BarBuilder

TEST(BarBuilder, FirstTradeOpensABarAndClosesNothing) {
  BarBuilder b(kInstrument, BarConfig{});
  EXPECT_FALSE(b.has_open_bar());
  EXPECT_FALSE(b.OnTrade(Sec(90), P("100"), Q("1")).has_value());
  ASSERT_TRUE(b.has_open_bar());
  // 90 s lies in bar 1 = [60 s, 120 s).
  EXPECT_EQ(b.open_bar().open_time, Sec(60));
  EXPECT_EQ(b.open_bar().ts_event, Sec(120));
  EXPECT_EQ(b.open_bar().instrument, kInstrument);
  EXPECT_EQ(b.open_bar().trade_count, 1u);
}

TEST(BarBuilder, OhlcvAndBoundaries) {
  BarBuilder b(kInstrument, BarConfig{});
  // Bar [60 s, 120 s): the first trade is exactly on its start (inclusive),
  // the last one nanosecond before its end.
  EXPECT_FALSE(b.OnTrade(Sec(60), P("100"), Q("1")).has_value());
  EXPECT_FALSE(b.OnTrade(Sec(75), P("105"), Q("2")).has_value());
  EXPECT_FALSE(b.OnTrade(Sec(90), P("98"), Q("0.5")).has_value());
  EXPECT_FALSE(b.OnTrade(Sec(120) - Duration::Nanos(1), P("101"), Q("1.5")).has_value());
  // 120 s is the next bar's start (the end is exclusive): the bar closes.
  const auto bar = b.OnTrade(Sec(120), P("102"), Q("3"));
  ASSERT_TRUE(bar.has_value());
  EXPECT_EQ(bar->instrument, kInstrument);
  EXPECT_EQ(bar->interval, Duration::Minutes(1));
  EXPECT_EQ(bar->open_time, Sec(60));
  EXPECT_EQ(bar->ts_event, Sec(120));
  EXPECT_EQ(bar->ts_recv, Sec(120));
  EXPECT_EQ(bar->open, P("100"));
  EXPECT_EQ(bar->high, P("105"));
  EXPECT_EQ(bar->low, P("98"));
  EXPECT_EQ(bar->close, P("101"));
  EXPECT_EQ(bar->volume, Q("5"));  // 1 + 2 + 0.5 + 1.5
  EXPECT_EQ(bar->trade_count, 4u);
  // The closing trade opened the next bar.
  ASSERT_TRUE(b.has_open_bar());
  const Bar& open = b.open_bar();
  EXPECT_EQ(open.open_time, Sec(120));
  EXPECT_EQ(open.ts_event, Sec(180));
  EXPECT_EQ(open.open, P("102"));
  EXPECT_EQ(open.high, P("102"));
  EXPECT_EQ(open.low, P("102"));
  EXPECT_EQ(open.close, P("102"));
  EXPECT_EQ(open.volume, Q("3"));
  EXPECT_EQ(open.trade_count, 1u);
}

TEST(BarBuilder, GapMakesNoBar) {
  BarBuilder b(kInstrument, BarConfig{});
  EXPECT_FALSE(b.OnTrade(Sec(61), P("100"), Q("1")).has_value());
  // Nothing traded in [120 s, 300 s): the next trade closes only bar [60, 120).
  const auto bar = b.OnTrade(Sec(301), P("110"), Q("2"));
  ASSERT_TRUE(bar.has_value());
  EXPECT_EQ(bar->open_time, Sec(60));
  EXPECT_EQ(bar->ts_event, Sec(120));
  EXPECT_EQ(b.open_bar().open_time, Sec(300));
  // Flushing long after gives the one open bar, then nothing.
  const auto flushed = b.Flush(Sec(1000));
  ASSERT_TRUE(flushed.has_value());
  EXPECT_EQ(flushed->open_time, Sec(300));
  EXPECT_EQ(flushed->ts_event, Sec(360));
  EXPECT_FALSE(b.Flush(Sec(2000)).has_value());
}

TEST(BarBuilder, FlushClosesOnlyAnEndedBar) {
  BarBuilder b(kInstrument, BarConfig{Duration::Seconds(10)});
  EXPECT_FALSE(b.Flush(Sec(5)).has_value());  // no open bar
  EXPECT_FALSE(b.OnTrade(Sec(12), P("50"), Q("1")).has_value());
  EXPECT_FALSE(b.Flush(Sec(20) - Duration::Nanos(1)).has_value());  // bar [10, 20) not ended
  EXPECT_TRUE(b.has_open_bar());
  const auto bar = b.Flush(Sec(20));  // exactly at its end
  ASSERT_TRUE(bar.has_value());
  EXPECT_EQ(bar->open_time, Sec(10));
  EXPECT_EQ(bar->ts_event, Sec(20));
  EXPECT_EQ(bar->interval, Duration::Seconds(10));
  EXPECT_EQ(bar->close, P("50"));
  EXPECT_FALSE(b.has_open_bar());
  EXPECT_FALSE(b.Flush(Sec(20)).has_value());
  // A trade after a flush opens a new bar and closes nothing (the old one is gone).
  EXPECT_FALSE(b.OnTrade(Sec(21), P("51"), Q("1")).has_value());
  EXPECT_EQ(b.open_bar().open_time, Sec(20));
  EXPECT_EQ(b.open_bar().trade_count, 1u);
}

TEST(BarBuilder, TimeGoingBackwardsStaysInTheOpenBar) {
  BarBuilder b(kInstrument, BarConfig{});
  EXPECT_FALSE(b.OnTrade(Sec(125), P("100"), Q("1")).has_value());
  EXPECT_FALSE(b.OnTrade(Sec(119), P("99"), Q("1")).has_value());
  EXPECT_EQ(b.open_bar().open_time, Sec(120));
  EXPECT_EQ(b.open_bar().low, P("99"));
  EXPECT_EQ(b.open_bar().trade_count, 2u);
}

TEST(BarBuilder, TimesBeforeTheEpochFloorToTheirBar) {
  BarBuilder b(kInstrument, BarConfig{});
  EXPECT_FALSE(b.OnTrade(UnixNanos::FromNanos(-1), P("1"), Q("1")).has_value());
  // -1 ns is in bar -1 = [-60 s, 0).
  EXPECT_EQ(b.open_bar().open_time, Sec(-60));
  EXPECT_EQ(b.open_bar().ts_event, Sec(0));
}

TEST(BarConfig, Validate) {
  EXPECT_TRUE(BarConfig{}.Validate().ok());
  const Status s = BarConfig{Duration::Zero()}.Validate();
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message(), "analytics.bars.interval: must be > 0, got 0ns");
  EXPECT_FALSE(BarConfig{Duration::Seconds(-1)}.Validate().ok());
}

// ----------------------------------------------------------------------- Atr

// 16 bars (high, low, close) and their true ranges; TR of bar 1 is high - low,
// later ones max(h - l, |h - prev close|, |l - prev close|):
//   1 (102,  98, 100): 4                      9 (104, 100, 103): max(4, |104-99|=5, 1) = 5
//   2 (103,  99, 101): max(4, 3, 1) = 4      10 (105, 102, 104): max(3, 2, 1) = 3
//   3 (106, 101, 105): max(5, 5, 0) = 5      11 (106, 103, 105): max(3, 2, 1) = 3
//   4 (105, 100, 102): max(5, 0, 5) = 5      12 (105, 102, 103): max(3, 0, 3) = 3
//   5 (104, 101, 103): max(3, 2, 1) = 3      13 (104, 100, 101): max(4, 1, 3) = 4
//   6 (103,  95,  96): max(8, 0, 8) = 8      14 (102,  99, 100): max(3, 1, 2) = 3
//   7 ( 99,  96,  98): max(3, 3, 0) = 3      15 (110,  92, 108): max(18, 10, 8) = 18
//   8 (100,  97,  99): max(3, 2, 1) = 3      16 (112,  93,  95): max(19, 4, 15) = 19
// Sum of TR 1..14 = 56, so ATR after bar 14 = 56 / 14 = 4.
// Bar 15: (4 * 13 + 18) / 14 = 70 / 14 = 5.  Bar 16: (5 * 13 + 19) / 14 = 84 / 14 = 6.
const std::vector<Bar>& SixteenBars() {
  static const std::vector<Bar> kBars = {
      MakeBar(102, 98, 100),  MakeBar(103, 99, 101),  MakeBar(106, 101, 105), MakeBar(105, 100, 102),
      MakeBar(104, 101, 103), MakeBar(103, 95, 96),   MakeBar(99, 96, 98),    MakeBar(100, 97, 99),
      MakeBar(104, 100, 103), MakeBar(105, 102, 104), MakeBar(106, 103, 105), MakeBar(105, 102, 103),
      MakeBar(104, 100, 101), MakeBar(102, 99, 100),  MakeBar(110, 92, 108),  MakeBar(112, 93, 95),
  };
  return kBars;
}

TEST(Atr, FirstValueIsTheMeanThenWilderSmoothing) {
  Atr atr(14);
  const auto& bars = SixteenBars();
  for (std::size_t i = 0; i < 13; ++i) atr.OnBar(bars[i]);
  EXPECT_FALSE(atr.ready());
  EXPECT_EQ(atr.value(), 0.0);
  EXPECT_EQ(atr.bars(), 13u);
  atr.OnBar(bars[13]);
  EXPECT_TRUE(atr.ready());  // ready exactly at the 14th bar
  EXPECT_EQ(atr.bars(), 14u);
  EXPECT_DOUBLE_EQ(atr.value(), 4.0);
  atr.OnBar(bars[14]);
  EXPECT_DOUBLE_EQ(atr.value(), 5.0);
  atr.OnBar(bars[15]);
  EXPECT_DOUBLE_EQ(atr.value(), 6.0);
  EXPECT_EQ(atr.bars(), 16u);
}

TEST(Atr, PeriodOneIsTheLatestTrueRange) {
  Atr atr(1);
  EXPECT_FALSE(atr.ready());
  atr.OnBar(MakeBar(102, 98, 100));  // TR = 4
  EXPECT_TRUE(atr.ready());
  EXPECT_DOUBLE_EQ(atr.value(), 4.0);
  atr.OnBar(MakeBar(110, 108, 109));  // TR = max(2, 10, 8) = 10; (4 * 0 + 10) / 1
  EXPECT_DOUBLE_EQ(atr.value(), 10.0);
  atr.OnBar(MakeBar(109, 108, 108));  // TR = max(1, 0, 1) = 1
  EXPECT_DOUBLE_EQ(atr.value(), 1.0);
}

TEST(Atr, ReadyEdgeWithPeriodTwo) {
  Atr atr(2);
  atr.OnBar(MakeBar(101, 99, 100));  // TR = 2
  EXPECT_FALSE(atr.ready());
  EXPECT_EQ(atr.value(), 0.0);
  atr.OnBar(MakeBar(104, 100, 103));  // TR = max(4, 4, 0) = 4; ATR = (2 + 4) / 2 = 3
  EXPECT_TRUE(atr.ready());
  EXPECT_DOUBLE_EQ(atr.value(), 3.0);
}

TEST(AtrConfig, ValidateNamesTheKey) {
  EXPECT_TRUE(AtrConfig{}.Validate().ok());
  testing_support::ExpectEachFailsWith<AtrConfig>({
      {[](auto& c) { c.period = 0; }, "analytics.atr.period: must be >= 1, got 0"},
      {[](auto& c) { c.multiplier = 0.0; }, "analytics.atr.multiplier: must be > 0, got 0"},
      {[](auto& c) { c.floor = -0.001; }, "analytics.atr.floor: must be > 0, got -0.001"},
      {[](auto& c) { c.cap = 0.001; },  // below the floor of 0.0025
       "analytics.atr.cap: must be >= analytics.atr.floor (0.0025), got 0.001"},
      {[](auto& c) { c.base_threshold = 0.0; }, "analytics.atr.base_threshold: must be > 0, got 0"},
  });
}

// --------------------------------------------------------- AdaptiveThreshold

// Period 2 and bars with high = close + 1, low = close - 1 at one price: every
// TR is 2 (max(2, 1, 1) after the first), so the ATR is 2 from the second bar
// and raw = 2 * 2 / close = 4 / close.
AtrConfig PeriodTwo() {
  AtrConfig c;
  c.period = 2;
  return c;  // multiplier 2, floor 0.25%, cap 1%, base 0.5%
}

void FeedTwo(AdaptiveThreshold& t, std::int64_t close) {
  t.OnBar(MakeBar(close + 1, close - 1, close));
  t.OnBar(MakeBar(close + 1, close - 1, close));
}

TEST(AdaptiveThreshold, BaseBeforeTheAtrIsReady) {
  AdaptiveThreshold t(PeriodTwo());
  EXPECT_DOUBLE_EQ(t.value(), 0.005);
  EXPECT_EQ(t.raw(), 0.0);
  t.OnBar(MakeBar(1001, 999, 1000));
  EXPECT_FALSE(t.atr().ready());
  EXPECT_DOUBLE_EQ(t.value(), 0.005);
  EXPECT_EQ(t.raw(), 0.0);
}

TEST(AdaptiveThreshold, InBetweenIsTheRawValue) {
  AdaptiveThreshold t(PeriodTwo());
  FeedTwo(t, 1000);  // raw = 4 / 1000 = 0.4%, inside [0.25%, 1%]
  EXPECT_TRUE(t.atr().ready());
  EXPECT_DOUBLE_EQ(t.atr().value(), 2.0);
  EXPECT_DOUBLE_EQ(t.raw(), 0.004);
  EXPECT_DOUBLE_EQ(t.value(), 0.004);
}

TEST(AdaptiveThreshold, ClampedToFloor) {
  AdaptiveThreshold t(PeriodTwo());
  FeedTwo(t, 10000);  // raw = 4 / 10000 = 0.04% < floor 0.25%
  EXPECT_DOUBLE_EQ(t.raw(), 0.0004);
  EXPECT_DOUBLE_EQ(t.value(), 0.0025);
}

TEST(AdaptiveThreshold, ClampedToCap) {
  AdaptiveThreshold t(PeriodTwo());
  FeedTwo(t, 100);  // raw = 4 / 100 = 4% > cap 1%
  EXPECT_DOUBLE_EQ(t.raw(), 0.04);
  EXPECT_DOUBLE_EQ(t.value(), 0.01);
}

TEST(AdaptiveThreshold, RecalculatedOnEachBarWithItsClose) {
  AdaptiveThreshold t(PeriodTwo());
  FeedTwo(t, 1000);
  EXPECT_DOUBLE_EQ(t.value(), 0.004);
  // TR = max(2, |501 - 1000|, |499 - 1000|) = 501; ATR = (2 + 501) / 2 = 251.5;
  // raw = 2 * 251.5 / 500 = 1.006 -> cap.
  t.OnBar(MakeBar(501, 499, 500));
  EXPECT_DOUBLE_EQ(t.atr().value(), 251.5);
  EXPECT_DOUBLE_EQ(t.raw(), 1.006);
  EXPECT_DOUBLE_EQ(t.value(), 0.01);
}

TEST(AdaptiveThreshold, LogsEachRecalculationAtDebug) {
  MemoryLogSink sink;
  AdaptiveThreshold t(PeriodTwo(), Logger(&sink, LogLevel::kDebug, "threshold"), "BTCUSDT");
  t.OnBar(MakeBar(10001, 9999, 10000));
  t.OnBar(MakeBar(10001, 9999, 10000));
  t.OnBar(MakeBar(1001, 999, 1000));  // TR = max(2, 9001, 8999) = 9001; ATR = (2 + 9001) / 2 = 4501.5
  ASSERT_EQ(sink.lines().size(), 3u);
  for (const auto& line : sink.lines()) {
    EXPECT_EQ(line.level, LogLevel::kDebug);
    EXPECT_EQ(line.component, "threshold");
  }
  EXPECT_EQ(sink.lines()[0].message,
            "BTCUSDT threshold 0.500% (atr not ready: 1 of 2 bars, price 10000, base threshold)");
  // raw = 2 * 2 / 10000 = 0.04%.
  EXPECT_EQ(sink.lines()[1].message, "BTCUSDT threshold 0.250% (atr 2, price 10000, raw 0.040%, clamped to floor)");
  // raw = 2 * 4501.5 / 1000 = 900.3%.
  EXPECT_EQ(sink.lines()[2].message, "BTCUSDT threshold 1.000% (atr 4501.5, price 1000, raw 900.300%, clamped to cap)");

  // Within bounds, and without a symbol.
  MemoryLogSink sink2;
  AdaptiveThreshold u(PeriodTwo(), Logger(&sink2, LogLevel::kDebug));
  FeedTwo(u, 1000);
  ASSERT_EQ(sink2.lines().size(), 2u);
  EXPECT_EQ(sink2.lines()[1].message, "threshold 0.400% (atr 2, price 1000, raw 0.400%, within bounds)");
}

TEST(AdaptiveThreshold, NoDebugLinesAtInfo) {
  MemoryLogSink sink;
  AdaptiveThreshold t(PeriodTwo(), Logger(&sink, LogLevel::kInfo), "BTCUSDT");
  FeedTwo(t, 1000);
  EXPECT_TRUE(sink.lines().empty());
  EXPECT_DOUBLE_EQ(t.value(), 0.004);
}

}  // namespace
}  // namespace hean
