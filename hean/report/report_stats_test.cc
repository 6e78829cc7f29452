#include "hean/report/report_stats.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "hean/report/report_writer.h"

namespace hean {
namespace {

Price P(const char* s) { return *Price::Parse(s); }
Qty Q(const char* s) { return *Qty::Parse(s); }
Notional N(const char* s) { return *Notional::Parse(s); }
// A signed position (Qty::Parse refuses '-').
Qty Pos(const char* s) { return s[0] == '-' ? -Q(s + 1) : Q(s); }

FillRecord Fill(std::int64_t sec, Side side, const char* price, const char* qty, const char* fee, const char* after,
                const char* realized = "0", std::uint32_t instrument = 0,
                LiquiditySide liquidity = LiquiditySide::kTaker) {
  FillRecord f;
  f.ts = UnixNanos::FromSeconds(sec);
  f.client_order_id = std::string("o").append(std::to_string(sec));
  f.strategy = "s1";
  f.instrument = InstrumentId{instrument};
  f.side = side;
  f.liquidity = liquidity;
  f.price = P(price);
  f.qty = Q(qty);
  f.fee = N(fee);
  f.position_after = Pos(after);
  f.realized = N(realized);
  return f;
}

RunRecord Record() {
  RunRecord r;
  r.name = "test";
  r.starting_balance = 10000.0;
  r.instruments.push_back(
      {InstrumentId{0}, "BTCUSDT", P("0.1"), Q("0.001"), *Rate::Parse("0.0002"), *Rate::Parse("0.00055"), 1, 3});
  r.instruments.push_back(
      {InstrumentId{1}, "ETHUSDT", P("0.01"), Q("0.01"), *Rate::Parse("0.0002"), *Rate::Parse("0.00055"), 2, 2});
  r.first_event = UnixNanos::FromSeconds(0);
  r.last_event = UnixNanos::FromSeconds(100);
  return r;
}

EquityRecord Equity(std::int64_t sec, double equity) {
  EquityRecord e;
  e.ts = UnixNanos::FromSeconds(sec);
  e.equity = equity;
  return e;
}

// A round trip of 1 unit bought at 100 and sold at 100 + move, no fees:
// net_bps = move x 100.
void AddTrip(RunRecord& r, std::int64_t sec, double move) {
  FillRecord open = Fill(sec, Side::kBuy, "100", "1", "0", "1");
  FillRecord close = Fill(sec + 1, Side::kSell, "100", "1", "0", "0");
  close.price = *Price::FromDouble(100.0 + move);
  close.realized = *Notional::FromDouble(move);
  r.fills.push_back(open);
  r.fills.push_back(close);
}

// --- Round trips ---

TEST(RoundTrips, LongTripOpenedAndClosedOnce) {
  RunRecord r = Record();
  r.fills.push_back(Fill(10, Side::kBuy, "100", "1", "0.02", "1"));
  r.fills.push_back(Fill(20, Side::kSell, "110", "1", "0.022", "0", "10"));
  std::vector<RoundTrip> trips = ComputeRoundTrips(r);
  ASSERT_EQ(trips.size(), 1u);
  const RoundTrip& t = trips[0];
  EXPECT_EQ(t.instrument, InstrumentId{0});
  EXPECT_EQ(t.side, Side::kBuy);
  EXPECT_EQ(t.opened, UnixNanos::FromSeconds(10));
  EXPECT_EQ(t.closed, UnixNanos::FromSeconds(20));
  EXPECT_DOUBLE_EQ(t.qty, 1.0);
  EXPECT_DOUBLE_EQ(t.entry_notional, 100.0);
  EXPECT_DOUBLE_EQ(t.gross_pnl, 10.0);
  EXPECT_NEAR(t.fees, 0.042, 1e-12);
  EXPECT_NEAR(t.net_pnl, 9.958, 1e-12);
  EXPECT_NEAR(t.net_bps, 995.8, 1e-9);
}

TEST(RoundTrips, AddsAndPartialClosesStayInOneTrip) {
  RunRecord r = Record();
  r.fills.push_back(Fill(10, Side::kBuy, "100", "2", "0.04", "2"));
  r.fills.push_back(Fill(11, Side::kBuy, "103", "1", "0.02", "3"));        // adds: avg 101
  r.fills.push_back(Fill(12, Side::kSell, "106", "1", "0.03", "2", "5"));  // partial close
  r.fills.push_back(Fill(13, Side::kSell, "99", "2", "0.01", "0", "-4"));  // closes
  std::vector<RoundTrip> trips = ComputeRoundTrips(r);
  ASSERT_EQ(trips.size(), 1u);
  const RoundTrip& t = trips[0];
  EXPECT_DOUBLE_EQ(t.qty, 3.0);
  EXPECT_DOUBLE_EQ(t.entry_notional, 303.0);
  EXPECT_DOUBLE_EQ(t.gross_pnl, 1.0);
  EXPECT_NEAR(t.fees, 0.10, 1e-12);
  EXPECT_NEAR(t.net_pnl, 0.90, 1e-12);
  EXPECT_NEAR(t.net_bps, 0.90 / 303.0 * 1e4, 1e-9);
  EXPECT_EQ(t.opened, UnixNanos::FromSeconds(10));
  EXPECT_EQ(t.closed, UnixNanos::FromSeconds(13));
}

TEST(RoundTrips, FlipClosesOneTripAndOpensTheNextWithTheFeeSplitByQty) {
  RunRecord r = Record();
  r.fills.push_back(Fill(10, Side::kBuy, "100", "1", "0.1", "1"));
  // Sells 3: 1 closes the long, 2 open a short; fee 0.3 -> 0.1 / 0.2.
  r.fills.push_back(Fill(20, Side::kSell, "105", "3", "0.3", "-2", "5"));
  r.fills.push_back(Fill(30, Side::kBuy, "100", "2", "0.2", "0", "10"));
  std::vector<RoundTrip> trips = ComputeRoundTrips(r);
  ASSERT_EQ(trips.size(), 2u);

  EXPECT_EQ(trips[0].side, Side::kBuy);
  EXPECT_EQ(trips[0].closed, UnixNanos::FromSeconds(20));
  EXPECT_DOUBLE_EQ(trips[0].entry_notional, 100.0);
  EXPECT_DOUBLE_EQ(trips[0].gross_pnl, 5.0);
  EXPECT_NEAR(trips[0].fees, 0.2, 1e-12);
  EXPECT_NEAR(trips[0].net_pnl, 4.8, 1e-12);

  EXPECT_EQ(trips[1].side, Side::kSell);
  EXPECT_EQ(trips[1].opened, UnixNanos::FromSeconds(20));
  EXPECT_EQ(trips[1].closed, UnixNanos::FromSeconds(30));
  EXPECT_DOUBLE_EQ(trips[1].qty, 2.0);
  EXPECT_DOUBLE_EQ(trips[1].entry_notional, 210.0);
  EXPECT_DOUBLE_EQ(trips[1].gross_pnl, 10.0);
  EXPECT_NEAR(trips[1].fees, 0.4, 1e-12);
  EXPECT_NEAR(trips[1].net_pnl, 9.6, 1e-12);
  EXPECT_NEAR(trips[1].net_bps, 9.6 / 210.0 * 1e4, 1e-9);
}

TEST(RoundTrips, TripStillOpenAtTheEndIsNotCounted) {
  RunRecord r = Record();
  r.fills.push_back(Fill(10, Side::kSell, "100", "1", "0", "-1"));
  r.fills.push_back(Fill(20, Side::kBuy, "90", "1", "0", "0", "10"));
  r.fills.push_back(Fill(30, Side::kBuy, "95", "1", "0", "1"));  // open at the end
  std::vector<RoundTrip> trips = ComputeRoundTrips(r);
  ASSERT_EQ(trips.size(), 1u);
  EXPECT_EQ(trips[0].side, Side::kSell);
  EXPECT_DOUBLE_EQ(trips[0].net_pnl, 10.0);
  EXPECT_NEAR(trips[0].net_bps, 1000.0, 1e-9);

  // A flip whose new side never closes: only the closed part counts.
  RunRecord f = Record();
  f.fills.push_back(Fill(10, Side::kBuy, "100", "1", "0", "1"));
  f.fills.push_back(Fill(20, Side::kSell, "101", "2", "0", "-1", "1"));
  EXPECT_EQ(ComputeRoundTrips(f).size(), 1u);
}

TEST(RoundTrips, InstrumentsAreTrackedApartAndTripsComeInClosingOrder) {
  RunRecord r = Record();
  r.fills.push_back(Fill(10, Side::kBuy, "100", "1", "0", "1", "0", 0));
  r.fills.push_back(Fill(11, Side::kSell, "50", "2", "0", "-2", "0", 1));
  r.fills.push_back(Fill(12, Side::kBuy, "49", "2", "0", "0", "2", 1));
  r.fills.push_back(Fill(13, Side::kSell, "101", "1", "0", "0", "1", 0));
  std::vector<RoundTrip> trips = ComputeRoundTrips(r);
  ASSERT_EQ(trips.size(), 2u);
  EXPECT_EQ(trips[0].instrument, InstrumentId{1});
  EXPECT_EQ(trips[0].side, Side::kSell);
  EXPECT_DOUBLE_EQ(trips[0].gross_pnl, 2.0);
  EXPECT_EQ(trips[1].instrument, InstrumentId{0});
  EXPECT_DOUBLE_EQ(trips[1].gross_pnl, 1.0);
}

TEST(RoundTrips, NoFillsNoTrips) { EXPECT_TRUE(ComputeRoundTrips(Record()).empty()); }

// --- Ratios ---

TEST(Ratios, SharpeMatchesHandComputedValue) {
  // mean 0.0066667, sample stdev 0.0251661.
  const std::vector<double> r = {0.01, -0.02, 0.03};
  EXPECT_NEAR(SharpeRatio(r, 1.0), 0.2649064714130087, 1e-12);
  EXPECT_NEAR(SharpeRatio(r, 4.0), 0.5298129428260174, 1e-12);
}

TEST(Ratios, SortinoUsesTheDownsideDeviationOverAllReturns) {
  // Downside: sqrt((0 + 0.0004 + 0) / 3) = 0.011547.
  const std::vector<double> r = {0.01, -0.02, 0.03};
  EXPECT_NEAR(SortinoRatio(r, 1.0), 0.5773502691896256, 1e-12);
  EXPECT_NEAR(SortinoRatio(r, 4.0), 1.1547005383792512, 1e-12);
}

TEST(Ratios, NanWithTooFewReturnsOrNoDeviation) {
  EXPECT_TRUE(std::isnan(SharpeRatio({}, 525600)));
  EXPECT_TRUE(std::isnan(SharpeRatio({0.01}, 525600)));
  EXPECT_TRUE(std::isnan(SharpeRatio({0.01, 0.01, 0.01}, 525600)));
  EXPECT_TRUE(std::isnan(SortinoRatio({0.01}, 525600)));
  EXPECT_TRUE(std::isnan(SortinoRatio({0.01, 0.02}, 525600)));  // no losing period
  EXPECT_FALSE(std::isnan(SortinoRatio({0.01, -0.02}, 525600)));
}

// --- Quantile and histogram ---

TEST(Quantile, NearestRank) {
  const std::vector<double> v = {5, 1, 3, 2, 4};
  EXPECT_EQ(Quantile(v, 0.0), 1.0);
  EXPECT_EQ(Quantile(v, 0.2), 1.0);   // rank ceil(1.0) = 1
  EXPECT_EQ(Quantile(v, 0.21), 2.0);  // rank ceil(1.05) = 2
  EXPECT_EQ(Quantile(v, 0.5), 3.0);
  EXPECT_EQ(Quantile(v, 0.95), 5.0);
  EXPECT_EQ(Quantile(v, 1.0), 5.0);
  EXPECT_EQ(Quantile({1, 2, 3, 4}, 0.5), 2.0);  // the lower middle, not 2.5
  EXPECT_EQ(Quantile({7}, 0.99), 7.0);
  EXPECT_TRUE(std::isnan(Quantile({}, 0.5)));
}

TEST(Histogram, EqualWidthBinsWithTheMaximumInTheLastBin) {
  std::vector<double> v;
  for (int i = 0; i <= 10; ++i) v.push_back(i);
  std::vector<HistogramBin> h = MakeHistogram(v, 5);
  ASSERT_EQ(h.size(), 5u);
  const std::uint64_t counts[] = {2, 2, 2, 2, 3};  // 10 joins [8, 10]
  for (std::size_t i = 0; i < h.size(); ++i) {
    EXPECT_DOUBLE_EQ(h[i].lo, 2.0 * static_cast<double>(i)) << i;
    EXPECT_DOUBLE_EQ(h[i].hi, 2.0 * static_cast<double>(i + 1)) << i;
    EXPECT_EQ(h[i].count, counts[i]) << i;
  }
}

TEST(Histogram, CountsAgreeWithThePrintedEdges) {
  // Values on the edges of width-0.1 bins, where rounding could put a value
  // on the wrong side: each bin holds exactly the values in [lo, hi).
  std::vector<double> v;
  for (int i = 0; i <= 30; ++i) v.push_back(i * 0.1);
  std::vector<HistogramBin> h = MakeHistogram(v, 30);
  ASSERT_EQ(h.size(), 30u);
  EXPECT_DOUBLE_EQ(h.front().lo, 0.0);
  EXPECT_DOUBLE_EQ(h.back().hi, 3.0);
  std::uint64_t total = 0;
  for (std::size_t i = 0; i < h.size(); ++i) {
    std::uint64_t expected = 0;
    for (double x : v) {
      const bool last = i + 1 == h.size();
      if (x >= h[i].lo && (x < h[i].hi || (last && x <= h[i].hi))) ++expected;
    }
    EXPECT_EQ(h[i].count, expected) << i;
    total += h[i].count;
  }
  EXPECT_EQ(total, v.size());
}

TEST(Histogram, OneBinWhenAllEqualNoneWhenEmpty) {
  std::vector<HistogramBin> h = MakeHistogram({2.5, 2.5, 2.5}, 20);
  ASSERT_EQ(h.size(), 1u);
  EXPECT_EQ(h[0].lo, 2.5);
  EXPECT_EQ(h[0].hi, 2.5);
  EXPECT_EQ(h[0].count, 3u);
  EXPECT_TRUE(MakeHistogram({}, 20).empty());
  EXPECT_TRUE(MakeHistogram({1.0, 2.0}, 0).empty());
}

// --- Bootstrap ---

std::vector<double> Spread(double center, int n) {
  std::vector<double> v;
  for (int i = 0; i < n; ++i) v.push_back(center + (i % 5) - 2.0);  // -2..+2 around center
  return v;
}

TEST(Bootstrap, SameSeedSameInterval) {
  const std::vector<double> a = Spread(0.0, 30);
  const std::vector<double> b = Spread(0.5, 25);
  BootstrapCi x = BootstrapMeanDiff(a, b, 1000, 42);
  BootstrapCi y = BootstrapMeanDiff(a, b, 1000, 42);
  EXPECT_EQ(x.lo, y.lo);
  EXPECT_EQ(x.hi, y.hi);
  EXPECT_EQ(x.diff, y.diff);
  BootstrapCi z = BootstrapMeanDiff(a, b, 1000, 43);
  EXPECT_TRUE(z.lo != x.lo || z.hi != x.hi);
  EXPECT_EQ(x.n_a, 30u);
  EXPECT_EQ(x.n_b, 25u);
}

TEST(Bootstrap, ClearlySeparatedSamplesAreSignificant) {
  const std::vector<double> a = Spread(0.0, 40);
  const std::vector<double> b = Spread(10.0, 40);
  BootstrapCi ci = BootstrapMeanDiff(a, b, 2000, 7);
  EXPECT_NEAR(ci.diff, 10.0, 1e-12);
  EXPECT_NEAR(ci.mean_a, 0.0, 1e-12);
  EXPECT_NEAR(ci.mean_b, 10.0, 1e-12);
  EXPECT_LT(ci.lo, 10.0);
  EXPECT_GT(ci.hi, 10.0);
  EXPECT_GT(ci.lo, 0.0);
  EXPECT_TRUE(ci.significant());
  // The other way round: the interval lies below 0.
  BootstrapCi neg = BootstrapMeanDiff(b, a, 2000, 7);
  EXPECT_LT(neg.hi, 0.0);
  EXPECT_TRUE(neg.significant());
}

TEST(Bootstrap, OverlappingSamplesAreNotSignificant) {
  std::vector<double> a;
  std::vector<double> b;
  for (int i = 0; i < 30; ++i) {
    a.push_back((i % 2 ? 1.0 : -1.0) * (10.0 + i));
    b.push_back((i % 2 ? 1.0 : -1.0) * (10.0 + i) + 0.2);
  }
  BootstrapCi ci = BootstrapMeanDiff(a, b, 2000, 1);
  EXPECT_NEAR(ci.diff, 0.2, 1e-12);
  EXPECT_LT(ci.lo, 0.0);
  EXPECT_GT(ci.hi, 0.0);
  EXPECT_FALSE(ci.significant());
}

TEST(Bootstrap, EmptySampleGivesNanBounds) {
  BootstrapCi ci = BootstrapMeanDiff({}, {1.0, 2.0}, 100, 1);
  EXPECT_TRUE(std::isnan(ci.lo));
  EXPECT_TRUE(std::isnan(ci.hi));
  EXPECT_TRUE(std::isnan(ci.diff));
  EXPECT_EQ(ci.n_a, 0u);
  EXPECT_FALSE(ci.significant());
}

// --- ComputeStats ---

TEST(ComputeStats, PnlAndEquityRatiosFromTheRecord) {
  RunRecord r = Record();
  r.equity = {Equity(0, 10000), Equity(60, 10010), Equity(120, 10005), Equity(150, 10020)};
  r.equity.back().realized_pnl = 25.0;
  r.equity.back().unrealized_pnl = -1.0;
  r.equity.back().fees = 4.0;
  r.max_drawdown = 7.5;
  r.max_drawdown_fraction = 0.00075;
  ReportStats s = ComputeStats(r);
  EXPECT_DOUBLE_EQ(s.starting_balance, 10000.0);
  EXPECT_DOUBLE_EQ(s.final_equity, 10020.0);
  EXPECT_DOUBLE_EQ(s.net_pnl, 20.0);
  EXPECT_DOUBLE_EQ(s.return_pct, 0.2);
  EXPECT_DOUBLE_EQ(s.gross_pnl, 24.0);
  EXPECT_DOUBLE_EQ(s.fees, 4.0);
  EXPECT_EQ(s.equity_returns, 3u);
  // Returns 0.001, -0.0004995, 0.0014993; every consecutive pair counts.
  EXPECT_NEAR(s.sharpe, 464.5614063342696, 1e-6);
  const std::vector<double> returns = {10010.0 / 10000 - 1, 10005.0 / 10010 - 1, 10020.0 / 10005 - 1};
  EXPECT_DOUBLE_EQ(s.sharpe, SharpeRatio(returns, kEquityPeriodsPerYear));
  EXPECT_DOUBLE_EQ(s.sortino, SortinoRatio(returns, kEquityPeriodsPerYear));
  EXPECT_DOUBLE_EQ(s.max_drawdown, 7.5);
  EXPECT_DOUBLE_EQ(s.max_drawdown_pct, 0.075);
}

// Sharpe and Sortino are annualised from the record's sampling interval:
// every 5 minutes is 105,120 periods a year, not the 525,600 of a minute.
TEST(ComputeStats, SharpeIsAnnualisedFromTheEquityInterval) {
  EXPECT_DOUBLE_EQ(EquityPeriodsPerYear(Duration::Minutes(1)), kEquityPeriodsPerYear);
  EXPECT_DOUBLE_EQ(EquityPeriodsPerYear(Duration::Minutes(5)), 105'120.0);
  EXPECT_DOUBLE_EQ(EquityPeriodsPerYear(Duration::Seconds(1)), 31'536'000.0);
  EXPECT_TRUE(std::isnan(EquityPeriodsPerYear(Duration::Zero())));
  RunRecord r;
  r.starting_balance = 10000.0;
  for (double e : {10000.0, 10010.0, 10005.0, 10020.0}) {
    EquityRecord p;
    p.equity = e;
    r.equity.push_back(p);
  }
  const std::vector<double> returns = {10010.0 / 10000 - 1, 10005.0 / 10010 - 1, 10020.0 / 10005 - 1};
  r.equity_every = Duration::Minutes(5);
  const ReportStats five = ComputeStats(r);
  EXPECT_DOUBLE_EQ(five.periods_per_year, 105'120.0);
  EXPECT_DOUBLE_EQ(five.sharpe, SharpeRatio(returns, 105'120.0));
  EXPECT_DOUBLE_EQ(five.sortino, SortinoRatio(returns, 105'120.0));
  r.equity_every = Duration::Minutes(1);
  const ReportStats one = ComputeStats(r);
  // The same returns a minute apart: sqrt(5) times the ratio.
  EXPECT_NEAR(one.sharpe / five.sharpe, std::sqrt(5.0), 1e-12);
  // The report says which it used.
  EXPECT_NE(ReportJson(r, five).find("\"periods_per_year\": 105120"), std::string::npos) << ReportJson(r, five);
}

TEST(ComputeStats, EmptyRecordGivesNanWhereNothingCanBeComputed) {
  RunRecord r = Record();
  r.last_event = r.first_event;
  ReportStats s = ComputeStats(r);
  EXPECT_DOUBLE_EQ(s.final_equity, 10000.0);
  EXPECT_DOUBLE_EQ(s.net_pnl, 0.0);
  EXPECT_EQ(s.fills, 0u);
  EXPECT_EQ(s.round_trips, 0u);
  EXPECT_EQ(s.equity_returns, 0u);
  for (double v : {s.sharpe, s.sortino, s.win_rate, s.avg_trade_bps, s.median_trade_bps, s.profit_factor,
                   s.exposure_pct, s.maker_share, s.maker_fill_rate, s.slippage_mean_bps, s.slippage_median_bps,
                   s.slippage_p95_bps, s.predicted_minus_realised_bps, s.ttl_ms.p50, s.signal_to_order_ms.p95,
                   s.order_to_fill_ms.p99, s.events_per_second}) {
    EXPECT_TRUE(std::isnan(v));
  }
  EXPECT_EQ(s.ttl_ms.count, 0u);
  EXPECT_TRUE(s.slippage_histogram.empty());
  EXPECT_TRUE(s.ttl_histogram.empty());
}

TEST(ComputeStats, WinRateAndProfitFactor) {
  RunRecord r = Record();
  AddTrip(r, 10, 10.0);  // +10
  AddTrip(r, 20, -5.0);  // -5
  AddTrip(r, 30, 3.0);   // +3
  ReportStats s = ComputeStats(r);
  EXPECT_EQ(s.round_trips, 3u);
  EXPECT_EQ(s.fills, 6u);
  EXPECT_NEAR(s.win_rate, 2.0 / 3.0, 1e-12);
  EXPECT_NEAR(s.profit_factor, 13.0 / 5.0, 1e-12);
  EXPECT_NEAR(s.avg_trade_bps, (1000.0 - 500.0 + 300.0) / 3.0, 1e-9);
  EXPECT_NEAR(s.median_trade_bps, 300.0, 1e-9);
  // Turnover: 3 x 100 in, 110 + 95 + 103 out.
  EXPECT_NEAR(s.turnover, 300.0 + 110.0 + 95.0 + 103.0, 1e-9);
  EXPECT_NEAR(s.turnover_x, 608.0 / 10000.0, 1e-12);

  RunRecord w = Record();
  AddTrip(w, 10, 1.0);
  AddTrip(w, 20, 2.0);
  ReportStats ws = ComputeStats(w);
  EXPECT_DOUBLE_EQ(ws.win_rate, 1.0);
  EXPECT_TRUE(std::isnan(ws.profit_factor));  // no losing trade
}

TEST(ComputeStats, ExposureIsTheShareOfTheSpanWithAnyPositionOpen) {
  RunRecord r = Record();  // span [0, 100] s
  r.fills.push_back(Fill(10, Side::kBuy, "100", "1", "0", "1", "0", 0));
  r.fills.push_back(Fill(30, Side::kSell, "100", "1", "0", "0", "0", 0));
  r.fills.push_back(Fill(50, Side::kSell, "100", "1", "0", "-1", "0", 0));
  r.fills.push_back(Fill(60, Side::kBuy, "10", "1", "0", "1", "0", 1));  // overlaps
  r.fills.push_back(Fill(70, Side::kBuy, "100", "1", "0", "0", "0", 0));
  // Instrument 1 stays open to the end: open [10, 30] and [50, 100].
  ReportStats s = ComputeStats(r);
  EXPECT_NEAR(s.exposure_pct, 70.0, 1e-9);
}

TEST(ComputeStats, MakerShareSlippageAndPredictionsFromTheFills) {
  RunRecord r = Record();
  r.fills.push_back(Fill(10, Side::kBuy, "100", "3", "0", "3", "0", 0, LiquiditySide::kMaker));
  r.fills.push_back(Fill(20, Side::kSell, "100", "1", "0", "2", "0", 0, LiquiditySide::kTaker));
  auto exec_fill = [](double qty, double slip, LiquiditySide liq, double predicted, double realised) {
    ExecFillRecord f;
    f.qty = qty;
    f.arrival_mid = 100.0;
    f.slippage_bps = slip;
    f.liquidity = liq;
    f.predicted_bps = predicted;
    f.realised_bps = realised;
    return f;
  };
  r.exec.fills = {exec_fill(1, -1.0, LiquiditySide::kMaker, 0, 0), exec_fill(3, 2.0, LiquiditySide::kTaker, 1.5, 2.5),
                  exec_fill(1, 4.0, LiquiditySide::kTaker, 3.0, 2.0)};
  r.exec.maker_attempts = 4;
  r.exec.maker_attempts_filled = 1;
  r.exec.requests = 5;
  r.exec.child_orders = 9;
  r.exec.reposts = 2;
  ReportStats s = ComputeStats(r);
  EXPECT_DOUBLE_EQ(s.maker_share, 0.75);
  EXPECT_DOUBLE_EQ(s.maker_fill_rate, 0.25);
  EXPECT_EQ(s.maker_attempts, 4u);
  EXPECT_NEAR(s.slippage_mean_bps, (-1.0 + 6.0 + 4.0) / 5.0, 1e-12);  // qty-weighted
  EXPECT_DOUBLE_EQ(s.slippage_median_bps, 2.0);
  EXPECT_DOUBLE_EQ(s.slippage_p95_bps, 4.0);
  EXPECT_EQ(s.taker_fills_predicted, 2u);
  EXPECT_NEAR(s.predicted_minus_realised_bps, ((1.5 - 2.5) + (3.0 - 2.0)) / 2.0, 1e-12);
  EXPECT_EQ(s.requests, 5u);
  EXPECT_EQ(s.child_orders, 9u);
  EXPECT_EQ(s.reposts, 2u);
  ASSERT_EQ(s.slippage_histogram.size(), 20u);
  EXPECT_DOUBLE_EQ(s.slippage_histogram.front().lo, -1.0);
  EXPECT_DOUBLE_EQ(s.slippage_histogram.back().hi, 4.0);
}

TEST(ComputeStats, LatencyPercentilesAndTtlHistogramInMilliseconds) {
  RunRecord r = Record();
  for (int i = 0; i < 9; ++i) r.exec.ttl_ns.Record(150'000'000);  // 150 ms
  r.exec.ttl_ns.Record(600'000'000);                              // 600 ms
  r.exec.signal_to_order_ns.Record(3);                            // exact below 16
  r.exec.order_to_fill_ns.Record(2'000'000);
  ReportStats s = ComputeStats(r);
  EXPECT_EQ(s.ttl_ms.count, 10u);
  // Bucket upper bounds are within 12.5% of the value.
  EXPECT_NEAR(s.ttl_ms.p50, 150.0, 150.0 * 0.125);
  EXPECT_GE(s.ttl_ms.p50, 150.0);
  EXPECT_DOUBLE_EQ(s.ttl_ms.p99, 600.0);  // capped at the maximum
  EXPECT_DOUBLE_EQ(s.signal_to_order_ms.p50, 3e-6);
  EXPECT_DOUBLE_EQ(s.order_to_fill_ms.p95, 2.0);
  ASSERT_EQ(s.ttl_histogram.size(), 2u);
  EXPECT_EQ(s.ttl_histogram[0].count, 9u);
  EXPECT_LE(s.ttl_histogram[0].lo, 150.0);
  EXPECT_GT(s.ttl_histogram[0].hi, 150.0);
  EXPECT_EQ(s.ttl_histogram[1].count, 1u);
  EXPECT_LE(s.ttl_histogram[1].lo, 600.0);
  EXPECT_GT(s.ttl_histogram[1].hi, 600.0);
  EXPECT_LE(s.ttl_histogram[0].hi, s.ttl_histogram[1].lo);
}

TEST(ComputeStats, SignalsRiskAndRunCounts) {
  RunRecord r = Record();
  SignalRecord a;
  a.approved = true;
  SignalRecord d;
  d.approved = false;
  d.deny_reason = "max_position";
  r.signals = {a, d, d};
  r.signal_denials = {{"max_position", 2}};
  r.order_denials = {{"rate_limit", 1}};
  r.risk_transitions.resize(3);
  r.final_risk_state = "soft_brake";
  r.events = 5000;
  r.wall_seconds = 2.0;
  r.bus.queue_high_water = 17;
  ReportStats s = ComputeStats(r);
  EXPECT_EQ(s.signals, 3u);
  EXPECT_EQ(s.signals_approved, 1u);
  EXPECT_EQ(s.signals_denied, 2u);
  EXPECT_EQ(s.signal_denials, r.signal_denials);
  EXPECT_EQ(s.order_denials, r.order_denials);
  EXPECT_EQ(s.risk_state_changes, 3u);
  EXPECT_EQ(s.final_risk_state, "soft_brake");
  EXPECT_EQ(s.events, 5000u);
  EXPECT_DOUBLE_EQ(s.span_seconds, 100.0);
  EXPECT_DOUBLE_EQ(s.wall_seconds, 2.0);
  EXPECT_DOUBLE_EQ(s.events_per_second, 2500.0);
  EXPECT_EQ(s.bus.queue_high_water, 17u);
}

TEST(Figures, UniqueKeysInAFixedOrderAndWallFiguresOnlyOnRequest) {
  RunRecord r = Record();
  AddTrip(r, 10, 1.0);
  r.wall_seconds = 1.5;
  r.events = 30;
  ReportStats s = ComputeStats(r);
  std::vector<NamedFigure> all = Figures(s);
  std::vector<NamedFigure> det = Figures(s, false);
  std::set<std::string> keys;
  for (const NamedFigure& f : all) EXPECT_TRUE(keys.insert(f.key).second) << f.key;
  EXPECT_EQ(all.size(), det.size() + 2);
  EXPECT_TRUE(keys.count("wall_seconds"));
  EXPECT_TRUE(keys.count("events_per_second"));
  EXPECT_TRUE(keys.count("ttl_ms.p95"));
  for (const NamedFigure& f : det) {
    EXPECT_NE(f.key, "wall_seconds");
    EXPECT_NE(f.key, "events_per_second");
  }
  EXPECT_EQ(all.front().key, "starting_balance");
  for (const NamedFigure& f : all) {
    if (f.key == "net_pnl") {
      EXPECT_EQ(f.better, 1);
    }
    if (f.key == "fees") {
      EXPECT_EQ(f.better, -1);
    }
    if (f.key == "round_trips") {
      EXPECT_DOUBLE_EQ(f.value, 1.0);
    }
  }
}

}  // namespace
}  // namespace hean
