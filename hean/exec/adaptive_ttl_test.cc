#include "hean/exec/adaptive_ttl.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <vector>

namespace hean {
namespace {

struct FactorCase {
  double input;
  double factor;
};

double Below(double x) { return std::nextafter(x, -std::numeric_limits<double>::infinity()); }
double Above(double x) { return std::nextafter(x, std::numeric_limits<double>::infinity()); }

TEST(AdaptiveTtl, SpreadFactorEdges) {
  // [0, 5) -> 1.0   [5, 10) -> 1.2   [10, 20] -> 1.5   (20, inf) -> 2.0
  const std::vector<FactorCase> cases = {
      {0.0, 1.0},     {Below(5.0), 1.0},  {5.0, 1.2},          {Above(5.0), 1.2}, {Below(10.0), 1.2},
      {10.0, 1.5},    {Above(10.0), 1.5}, {Below(20.0), 1.5},  {20.0, 1.5},       {Above(20.0), 2.0},
      {1'000.0, 2.0}, {-1.0, 1.0},        {std::nan(""), 1.0},
  };
  for (const FactorCase& c : cases) {
    SCOPED_TRACE(c.input);
    EXPECT_EQ(SpreadFactor(c.input), c.factor);
  }
}

TEST(AdaptiveTtl, VolatilityFactorEdges) {
  // [0, 0.5) -> 1.2   [0.5, 1) -> 1.0   [1, 2] -> 0.7   (2, inf) -> 0.5
  const std::vector<FactorCase> cases = {
      {0.0, 1.2},        {Below(0.5), 1.2}, {0.5, 1.0}, {Above(0.5), 1.0}, {Below(1.0), 1.0}, {1.0, 0.7},
      {Above(1.0), 0.7}, {Below(2.0), 0.7}, {2.0, 0.7}, {Above(2.0), 0.5}, {50.0, 0.5},       {std::nan(""), 1.0},
  };
  for (const FactorCase& c : cases) {
    SCOPED_TRACE(c.input);
    EXPECT_EQ(VolatilityFactor(c.input), c.factor);
  }
}

TEST(AdaptiveTtl, FillRateFactorEdges) {
  // (0.8, 1] -> 0.9   [0.6, 0.8] -> 1.0   [0.4, 0.6) -> 1.2   [0, 0.4) -> 1.5
  const std::vector<FactorCase> cases = {
      {0.0, 1.5},        {Below(0.4), 1.5}, {0.4, 1.2}, {Above(0.4), 1.2}, {Below(0.6), 1.2}, {0.6, 1.0},
      {Above(0.6), 1.0}, {Below(0.8), 1.0}, {0.8, 1.0}, {Above(0.8), 0.9}, {1.0, 0.9},        {std::nan(""), 1.0},
  };
  for (const FactorCase& c : cases) {
    SCOPED_TRACE(c.input);
    EXPECT_EQ(FillRateFactor(c.input), c.factor);
  }
}

TEST(AdaptiveTtl, FillRateEdgesFromAWindowOfTwenty) {
  // The rates a window of 20 attempts produces at the edges: 8/20, 12/20
  // and 16/20 are exactly 0.4, 0.6 and 0.8.
  const std::vector<FactorCase> cases = {{7, 1.5},  {8, 1.2},  {9, 1.2},  {11, 1.2}, {12, 1.0},
                                         {13, 1.0}, {16, 1.0}, {17, 0.9}, {20, 0.9}, {0, 1.5}};
  for (const FactorCase& c : cases) {
    SCOPED_TRACE(c.input);
    FillRateWindow w(20);
    for (int i = 0; i < 20; ++i) w.Record(i < static_cast<int>(c.input));
    ASSERT_TRUE(w.Rate().has_value());
    EXPECT_EQ(FillRateFactor(*w.Rate()), c.factor);
  }
}

TEST(AdaptiveTtl, ComputeTtlMultipliesRoundsAndClamps) {
  struct Case {
    std::int64_t base_ms;
    TtlFactors f;
    Duration want;
  };
  const std::vector<Case> cases = {
      {150, {1.0, 1.0, 1.0}, Duration::Millis(150)},  // the base
      {150, {1.2, 1.0, 1.2}, Duration::Millis(216)},  // 216 exactly
      {150, {2.0, 1.2, 1.5}, Duration::Millis(500)},  // 540 -> max_ttl
      {250, {2.0, 1.0, 1.0}, Duration::Millis(500)},  // exactly max_ttl
      {150, {1.0, 0.5, 0.9}, Duration::Millis(68)},   // 67.5 rounds half up
      {150, {1.5, 0.7, 1.0}, Duration::Millis(158)},  // 157.5 rounds half up
      {101, {1.2, 1.0, 1.0}, Duration::Millis(121)},  // 121.2 rounds down
      {150, {2.0, 0.5, 0.9}, Duration::Millis(135)},  // 135 exactly
      {100, {1.0, 0.5, 0.9}, Duration::Millis(50)},   // 45 -> min_ttl
      {100, {1.0, 0.5, 1.0}, Duration::Millis(50)},   // exactly min_ttl
      {60, {1.0, 0.7, 1.0}, Duration::Millis(50)},    // 42 -> min_ttl
  };
  for (const Case& c : cases) {
    AdaptiveTtlConfig config;
    config.base = Duration::Millis(c.base_ms);
    SCOPED_TRACE(c.base_ms * c.f.spread * c.f.volatility * c.f.fill_rate);
    EXPECT_EQ(ComputeTtl(config, c.f), c.want);
  }
  // A base that is not whole milliseconds still gives whole milliseconds.
  AdaptiveTtlConfig odd;
  odd.base = Duration::Micros(150'400);
  EXPECT_EQ(ComputeTtl(odd, {}), Duration::Millis(150));
  odd.base = Duration::Micros(150'500);
  EXPECT_EQ(ComputeTtl(odd, {}), Duration::Millis(151));
  // No overflow at the ends of the range; a NaN factor gives min_ttl.
  AdaptiveTtlConfig huge;
  huge.base = Duration::Nanos(std::numeric_limits<std::int64_t>::max() / 2);
  huge.max_ttl = Duration::Max();
  EXPECT_EQ(ComputeTtl(huge, {2.0, 1.2, 1.5}), Duration::Max());
  EXPECT_EQ(ComputeTtl(AdaptiveTtlConfig{}, {std::nan(""), 1.0, 1.0}), Duration::Millis(50));
}

TEST(AdaptiveTtl, FormatTtlChangeLine) {
  EXPECT_EQ(FormatTtlChange("BTCUSDT", Duration::Millis(150), Duration::Millis(240)),
            "TTL adjusted for BTCUSDT: 150ms -> 240ms (change: +60.0%)");
  EXPECT_EQ(FormatTtlChange("BTCUSDT", Duration::Millis(240), Duration::Millis(150)),
            "TTL adjusted for BTCUSDT: 240ms -> 150ms (change: -37.5%)");
  EXPECT_EQ(FormatTtlChange("ETHUSDT", Duration::Millis(180), Duration::Millis(300)),
            "TTL adjusted for ETHUSDT: 180ms -> 300ms (change: +66.7%)");
  EXPECT_EQ(FormatTtlChange("ETHUSDT", Duration::Millis(300), Duration::Millis(100)),
            "TTL adjusted for ETHUSDT: 300ms -> 100ms (change: -66.7%)");
  EXPECT_EQ(FormatTtlChange("X", Duration::Millis(150), Duration::Millis(150)),
            "TTL adjusted for X: 150ms -> 150ms (change: +0.0%)");
  EXPECT_EQ(FormatTtlChange("X", Duration::Zero(), Duration::Millis(150)),
            "TTL adjusted for X: 0ms -> 150ms (change: n/a)");
}

// Mids at t = 0, 1s, 2s, ...: every return is +x or -x.
void FeedAlternating(RealizedVolatility& v, int from_s, int to_s, double x) {
  for (int s = from_s; s <= to_s; ++s) v.OnMid(UnixNanos::FromSeconds(s), s % 2 == 0 ? 100.0 : 100.0 * std::exp(x));
}

TEST(AdaptiveTtl, RealizedVolatilityOfAlternatingReturns) {
  const double x = 0.001;
  RealizedVolatility v(Duration::Seconds(10), Duration::Seconds(1));
  EXPECT_FALSE(v.Percent().has_value());
  v.OnMid(UnixNanos::FromSeconds(0), 100.0);
  v.OnMid(UnixNanos::FromSeconds(1), 100.0 * std::exp(x));
  // The grid time 0 is sampled (the first mid after it arrived): no return
  // yet.
  EXPECT_FALSE(v.Percent().has_value());
  EXPECT_EQ(v.samples(), 0u);
  FeedAlternating(v, 2, 2, x);
  EXPECT_EQ(v.samples(), 1u);
  ASSERT_TRUE(v.Percent().has_value());
  const double want = 100.0 * x * std::sqrt(10.0);  // 0.3162...%
  EXPECT_NEAR(*v.Percent(), want, want * 1e-9);
  FeedAlternating(v, 3, 40, x);
  EXPECT_EQ(v.samples(), 10u);  // the ring holds window / sample returns
  EXPECT_NEAR(*v.Percent(), want, want * 1e-9);
}

TEST(AdaptiveTtl, RealizedVolatilityScalesAPartialWindowToTheWindow) {
  RealizedVolatility v(Duration::Seconds(10), Duration::Seconds(1));
  v.OnMid(UnixNanos::FromSeconds(0), 100.0);
  v.OnMid(UnixNanos::FromSeconds(1), 101.0);
  v.OnMid(UnixNanos::FromSeconds(2), 100.0);
  v.OnMid(UnixNanos::FromSeconds(3), 100.0);  // samples the grid time 2s
  ASSERT_EQ(v.samples(), 2u);
  const double r1 = std::log(101.0 / 100.0);
  const double r2 = std::log(100.0 / 101.0);
  const double want = 100.0 * std::sqrt((r1 * r1 + r2 * r2) / 2.0 * 10.0);
  ASSERT_TRUE(v.Percent().has_value());
  EXPECT_NEAR(*v.Percent(), want, want * 1e-12);
  // The same returns in a window twice as long: sqrt(2) times the figure.
  RealizedVolatility w(Duration::Seconds(20), Duration::Seconds(1));
  for (int s = 0; s <= 3; ++s) w.OnMid(UnixNanos::FromSeconds(s), s == 1 ? 101.0 : 100.0);
  EXPECT_NEAR(*w.Percent(), want * std::sqrt(2.0), want * 1e-12);
}

TEST(AdaptiveTtl, RealizedVolatilitySamplesTheLastMidAtOrBeforeEachGridTime) {
  RealizedVolatility v(Duration::Seconds(10), Duration::Seconds(1));
  v.OnMid(UnixNanos::FromMillis(0), 100.0);
  v.OnMid(UnixNanos::FromMillis(500), 200.0);   // replaced before the grid time 1s
  v.OnMid(UnixNanos::FromMillis(1000), 101.0);  // at the grid time 1s: this one
  v.OnMid(UnixNanos::FromMillis(1200), 300.0);  // the last before 2s
  v.OnMid(UnixNanos::FromMillis(2500), 50.0);   // after 2s: samples 1s and 2s
  ASSERT_EQ(v.samples(), 2u);
  const double r1 = std::log(101.0 / 100.0);
  const double r2 = std::log(300.0 / 101.0);
  const double want = 100.0 * std::sqrt((r1 * r1 + r2 * r2) / 2.0 * 10.0);
  EXPECT_NEAR(*v.Percent(), want, want * 1e-12);
}

TEST(AdaptiveTtl, RealizedVolatilityIgnoresBadMidsAndEarlierTimes) {
  RealizedVolatility v(Duration::Seconds(10), Duration::Seconds(1));
  v.OnMid(UnixNanos::FromMillis(0), 0.0);  // not a mid: the grid does not start
  v.OnMid(UnixNanos::FromMillis(100), -5.0);
  v.OnMid(UnixNanos::FromMillis(200), std::nan(""));
  v.OnMid(UnixNanos::FromMillis(500), 100.0);   // the grid starts here: 0.5s, 1.5s, ...
  v.OnMid(UnixNanos::FromMillis(1500), 110.0);  // samples 0.5s
  v.OnMid(UnixNanos::FromMillis(1200), 500.0);  // earlier than the last mid: ignored
  v.OnMid(UnixNanos::FromMillis(2000), -3.0);
  v.OnMid(UnixNanos::FromMillis(2000), std::numeric_limits<double>::infinity());
  v.OnMid(UnixNanos::FromMillis(2400), 121.0);  // samples 1.5s: 110
  v.OnMid(UnixNanos::FromMillis(3400), 121.0);  // samples 2.5s: 121
  ASSERT_EQ(v.samples(), 2u);
  const double want = 100.0 * std::log(1.1) * std::sqrt(10.0);
  EXPECT_NEAR(*v.Percent(), want, want * 1e-12);
}

TEST(AdaptiveTtl, RealizedVolatilityGapGivesZeroReturns) {
  RealizedVolatility v(Duration::Seconds(10), Duration::Seconds(1));
  v.OnMid(UnixNanos::FromSeconds(0), 100.0);
  v.OnMid(UnixNanos::FromSeconds(1), 101.0);
  // Nothing until 5.5s: the grid times 1s..5s all take 101, the first with
  // the return from 100, the others zero returns.
  v.OnMid(UnixNanos::FromMillis(5'500), 100.0);
  EXPECT_EQ(v.samples(), 5u);
  v.OnMid(UnixNanos::FromMillis(6'500), 102.0);  // samples 6s: 100
  ASSERT_EQ(v.samples(), 6u);
  const double r1 = std::log(101.0 / 100.0);
  const double r6 = std::log(100.0 / 101.0);
  const double want = 100.0 * std::sqrt((r1 * r1 + r6 * r6) / 6.0 * 10.0);
  EXPECT_NEAR(*v.Percent(), want, want * 1e-12);
}

TEST(AdaptiveTtl, RealizedVolatilityGapLongerThanTheWindow) {
  RealizedVolatility v(Duration::Seconds(10), Duration::Seconds(1));
  v.OnMid(UnixNanos::FromSeconds(0), 100.0);
  v.OnMid(UnixNanos::FromSeconds(1), 110.0);
  v.OnMid(UnixNanos::FromSeconds(1'000), 120.0);  // 999 grid times: the window is all zero returns
  EXPECT_EQ(v.samples(), 10u);
  EXPECT_EQ(*v.Percent(), 0.0);
  v.OnMid(UnixNanos::FromSeconds(1'001), 120.0);        // samples 1000s: the first mid after the gap
  const double want = 100.0 * std::log(120.0 / 110.0);  // one return in ten, scaled by ten
  EXPECT_NEAR(*v.Percent(), want, want * 1e-12);
  // Fifty years of silence on a one-hour window of one-second samples is
  // about 1.6e9 grid times; only the ring's 3600 are stepped through.
  RealizedVolatility h(Duration::Hours(1), Duration::Seconds(1));
  h.OnMid(UnixNanos::FromSeconds(0), 100.0);
  h.OnMid(UnixNanos::FromSeconds(1), 100.0);
  h.OnMid(UnixNanos::FromSeconds(50LL * 365 * 24 * 3600), 200.0);
  EXPECT_EQ(h.samples(), 3'600u);
  EXPECT_EQ(*h.Percent(), 0.0);
  h.OnMid(UnixNanos::FromSeconds(50LL * 365 * 24 * 3600 + 1), 200.0);
  const double jump = 100.0 * std::log(2.0);
  EXPECT_NEAR(*h.Percent(), jump, jump * 1e-12);
}

TEST(AdaptiveTtl, RealizedVolatilityRingWrapsOutOldReturns) {
  const double x = 0.001;
  RealizedVolatility v(Duration::Seconds(4), Duration::Seconds(1));
  // A 10% jump first, then alternating +-x.
  std::vector<double> mids = {100.0, 110.0};
  for (int i = 0; i < 2'000; ++i) mids.push_back(i % 2 == 0 ? 110.0 * std::exp(x) : 110.0);
  for (std::size_t s = 0; s < mids.size(); ++s) {
    v.OnMid(UnixNanos::FromSeconds(static_cast<std::int64_t>(s)), mids[s]);
    // After the mid at s, the returns of the grid times 1..s-1 are known.
    if (s == 5) {
      // Returns 1..4: the jump and three of +-x.
      const double j = std::log(1.1);
      const double want = 100.0 * std::sqrt((j * j + 3 * x * x) / 4.0 * 4.0);
      EXPECT_NEAR(*v.Percent(), want, want * 1e-9);
    }
    if (s == 6) {
      const double want = 100.0 * x * 2.0;  // the jump is out: sqrt(x^2 x 4)
      EXPECT_NEAR(*v.Percent(), want, want * 1e-9);
    }
  }
  EXPECT_EQ(v.samples(), 4u);
  const double want = 100.0 * x * 2.0;  // many laps later: no drift of the running sum
  EXPECT_NEAR(*v.Percent(), want, want * 1e-9);
}

TEST(AdaptiveTtl, FillRateWindowWrapsAfterTwenty) {
  FillRateWindow w(20);
  EXPECT_FALSE(w.Rate().has_value());
  for (int i = 0; i < 20; ++i) w.Record(true);
  EXPECT_EQ(w.size(), 20u);
  EXPECT_EQ(*w.Rate(), 1.0);
  for (int i = 0; i < 5; ++i) w.Record(false);  // the five oldest fills leave
  EXPECT_EQ(w.size(), 20u);
  EXPECT_EQ(*w.Rate(), 15.0 / 20.0);
  for (int i = 0; i < 15; ++i) w.Record(false);
  EXPECT_EQ(*w.Rate(), 0.0);
  w.Record(true);
  EXPECT_EQ(*w.Rate(), 1.0 / 20.0);
}

TEST(AdaptiveTtl, FillRateWindowMatchesTheLastNAttempts) {
  FillRateWindow w(7);
  std::vector<bool> all;
  for (int i = 0; i < 100; ++i) {
    const bool filled = (i * 7 + i / 3) % 5 < 2;
    w.Record(filled);
    all.push_back(filled);
    const std::size_t n = std::min<std::size_t>(all.size(), 7);
    int fills = 0;
    for (std::size_t k = all.size() - n; k < all.size(); ++k) fills += all[k] ? 1 : 0;
    ASSERT_EQ(w.size(), n);
    ASSERT_EQ(*w.Rate(), static_cast<double>(fills) / static_cast<double>(n)) << i;
  }
}

TEST(AdaptiveTtl, FactorsAreNeutralUntilSomethingIsKnown) {
  AdaptiveTtlConfig config;
  config.volatility_window = Duration::Seconds(10);
  AdaptiveTtl ttl(config, "BTCUSDT");
  TtlFactors f = ttl.Factors(6.2);
  EXPECT_EQ(f.spread, 1.2);
  EXPECT_EQ(f.volatility, 1.0);
  EXPECT_EQ(f.fill_rate, 1.0);
  EXPECT_EQ(ttl.current(), Duration::Millis(150));

  ttl.RecordAttempt(false);  // 0% filled
  EXPECT_EQ(ttl.Factors(6.2).fill_rate, 1.5);
  for (int s = 0; s <= 2; ++s) ttl.OnMid(UnixNanos::FromSeconds(s), s % 2 == 0 ? 100.0 : 100.0 * std::exp(0.001));
  EXPECT_EQ(ttl.Factors(6.2).volatility, 1.2);  // 0.32%
  for (int s = 3; s <= 6; ++s) ttl.OnMid(UnixNanos::FromSeconds(s), s % 2 == 0 ? 100.0 : 100.0 * std::exp(0.01));
  EXPECT_EQ(ttl.Factors(6.2).volatility, 0.5);  // mostly 1% moves a second over ten seconds: ~2.5%
  f = ttl.Factors(25.0);
  EXPECT_EQ(f.spread, 2.0);
  EXPECT_EQ(ComputeTtl(config, f), Duration::Millis(225));  // 150 x 2.0 x 0.5 x 1.5
  EXPECT_EQ(ttl.Next(25.0), Duration::Millis(225));
  EXPECT_EQ(ttl.current(), Duration::Millis(225));
}

TEST(AdaptiveTtl, NextLogsEachChangeOnceAtInfo) {
  MemoryLogSink sink;
  AdaptiveTtl ttl(AdaptiveTtlConfig{}, "BTCUSDT", Logger(&sink, LogLevel::kInfo, "exec"));
  EXPECT_EQ(ttl.Next(1.0), Duration::Millis(150));  // the base: no change
  EXPECT_TRUE(sink.lines().empty());
  EXPECT_EQ(ttl.Next(6.0), Duration::Millis(180));
  ASSERT_EQ(sink.lines().size(), 1u);
  EXPECT_EQ(sink.lines()[0].level, LogLevel::kInfo);
  EXPECT_EQ(sink.lines()[0].component, "exec");
  EXPECT_EQ(sink.lines()[0].message, "TTL adjusted for BTCUSDT: 150ms -> 180ms (change: +20.0%)");
  EXPECT_EQ(ttl.Next(7.0), Duration::Millis(180));  // same bucket, same TTL: no line
  EXPECT_EQ(sink.lines().size(), 1u);
  EXPECT_EQ(ttl.Next(25.0), Duration::Millis(300));
  ASSERT_EQ(sink.lines().size(), 2u);
  EXPECT_EQ(sink.lines()[1].message, "TTL adjusted for BTCUSDT: 180ms -> 300ms (change: +66.7%)");
  EXPECT_EQ(ttl.Next(0.5), Duration::Millis(150));
  ASSERT_EQ(sink.lines().size(), 3u);
  EXPECT_EQ(sink.lines()[2].message, "TTL adjusted for BTCUSDT: 300ms -> 150ms (change: -50.0%)");
  EXPECT_EQ(sink.Count(LogLevel::kDebug, "TTL factors"), 0u);  // debug is off at info
}

TEST(AdaptiveTtl, NextLogsTheFactorsAtDebug) {
  MemoryLogSink sink;
  AdaptiveTtlConfig config;
  config.volatility_window = Duration::Seconds(10);
  AdaptiveTtl ttl(config, "BTCUSDT", Logger(&sink, LogLevel::kDebug, "exec"));
  EXPECT_EQ(ttl.Next(6.2), Duration::Millis(180));
  ASSERT_EQ(sink.lines().size(), 2u);
  EXPECT_EQ(sink.lines()[0].level, LogLevel::kDebug);
  EXPECT_EQ(sink.lines()[0].message,
            "TTL factors for BTCUSDT: spread 6.20bps x1.2, volatility n/a x1.0, fill rate n/a x1.0 -> 180ms");
  EXPECT_EQ(sink.lines()[1].level, LogLevel::kInfo);

  for (int i = 0; i < 20; ++i) ttl.RecordAttempt(i < 11);  // 55%
  for (int s = 0; s <= 12; ++s) ttl.OnMid(UnixNanos::FromSeconds(s), s % 2 == 0 ? 100.0 : 100.0 * std::exp(0.001));
  sink.Clear();
  EXPECT_EQ(ttl.Next(6.2), Duration::Millis(259));  // 150 x 1.2 x 1.2 x 1.2 = 259.2
  ASSERT_EQ(sink.lines().size(), 2u);
  EXPECT_EQ(sink.lines()[0].message,
            "TTL factors for BTCUSDT: spread 6.20bps x1.2, volatility 0.32% x1.2, fill rate 55% (11/20) x1.2 -> 259ms");
  EXPECT_EQ(sink.lines()[1].message, "TTL adjusted for BTCUSDT: 180ms -> 259ms (change: +43.9%)");
  sink.Clear();
  EXPECT_EQ(ttl.Next(6.2), Duration::Millis(259));  // no change: the factors only
  ASSERT_EQ(sink.lines().size(), 1u);
  EXPECT_EQ(sink.lines()[0].level, LogLevel::kDebug);
}

TEST(AdaptiveTtl, OffLoggerLogsNothing) {
  AdaptiveTtl ttl(AdaptiveTtlConfig{}, "BTCUSDT");
  EXPECT_EQ(ttl.Next(30.0), Duration::Millis(300));
  EXPECT_EQ(ttl.current(), Duration::Millis(300));
}

}  // namespace
}  // namespace hean
