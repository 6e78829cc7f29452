#include "hean/report/ab.h"

#include <gtest/gtest.h>

#include <cmath>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

namespace hean {
namespace {

using Json = nlohmann::ordered_json;

// A record whose round trips make `trade_bps` (1 unit bought at 100, sold
// at 100 + bps / 100, no fees) and whose router fills have `slippage_bps`.
RunRecord Record(const std::vector<double>& trade_bps, const std::vector<double>& slippage_bps,
                 double wall_seconds = 1.0) {
  RunRecord r;
  r.starting_balance = 10000.0;
  r.instruments.push_back({InstrumentId{0}, "BTCUSDT", *Price::Parse("0.1"), *Qty::Parse("0.001"),
                           *Rate::Parse("0.0002"), *Rate::Parse("0.00055"), 1, 3});
  r.first_event = UnixNanos::FromSeconds(0);
  r.last_event = UnixNanos::FromSeconds(10'000);
  r.events = 100;
  r.wall_seconds = wall_seconds;
  std::int64_t t = 1;
  double equity = 10000.0;
  EquityRecord e;
  e.ts = UnixNanos::FromSeconds(0);
  e.equity = equity;
  r.equity.push_back(e);
  for (double bps : trade_bps) {
    const double move = bps / 100.0;
    FillRecord open;
    open.ts = UnixNanos::FromSeconds(t++);
    open.instrument = InstrumentId{0};
    open.side = Side::kBuy;
    open.price = *Price::Parse("100");
    open.qty = *Qty::Parse("1");
    open.position_after = open.qty;
    FillRecord close = open;
    close.ts = UnixNanos::FromSeconds(t++);
    close.side = Side::kSell;
    close.price = *Price::FromDouble(100.0 + move);
    close.position_after = Qty::Zero();
    close.realized = *Notional::FromDouble(move);
    r.fills.push_back(open);
    r.fills.push_back(close);
    equity += move;
    e.ts = close.ts;
    e.equity = equity;
    r.equity.push_back(e);
  }
  for (double s : slippage_bps) {
    ExecFillRecord f;
    f.qty = 1.0;
    f.arrival_mid = 100.0;
    f.slippage_bps = s;
    r.exec.fills.push_back(f);
  }
  return r;
}

std::vector<double> Around(double center, int n) {
  std::vector<double> v;
  for (int i = 0; i < n; ++i) v.push_back(center + (i % 5) - 2.0);
  return v;
}

AbComparison Compare(const RunRecord& a, const RunRecord& b, int iterations = 2000, std::uint64_t seed = 42) {
  return CompareRuns("fixed", a, ComputeStats(a), "adaptive", b, ComputeStats(b), iterations, seed);
}

TEST(CompareRuns, RowsAreTheDeterministicFiguresOfBothWithTheirDifference) {
  RunRecord a = Record(Around(0.0, 10), Around(2.0, 10), 1.0);
  RunRecord b = Record(Around(5.0, 12), Around(1.0, 10), 9.0);
  ReportStats sa = ComputeStats(a);
  ReportStats sb = ComputeStats(b);
  AbComparison c = CompareRuns("A", a, sa, "B", b, sb, 500, 1);
  std::vector<NamedFigure> fa = Figures(sa, false);
  ASSERT_EQ(c.rows.size(), fa.size());
  for (std::size_t i = 0; i < fa.size(); ++i) {
    EXPECT_EQ(c.rows[i].key, fa[i].key);
    EXPECT_NE(c.rows[i].key, "wall_seconds");
    EXPECT_NE(c.rows[i].key, "events_per_second");
  }
  for (const AbRow& row : c.rows) {
    if (row.key == "round_trips") {
      EXPECT_DOUBLE_EQ(row.a, 10.0);
      EXPECT_DOUBLE_EQ(row.b, 12.0);
      EXPECT_DOUBLE_EQ(row.diff, 2.0);
      EXPECT_EQ(row.decimals, 0);
    }
    if (row.key == "avg_trade_bps") {
      EXPECT_NEAR(row.diff, sb.avg_trade_bps - sa.avg_trade_bps, 1e-9);
    }
    if (row.key == "net_pnl") {
      EXPECT_EQ(row.better, 1);
    }
  }
  EXPECT_EQ(c.label_a, "A");
  EXPECT_EQ(c.iterations, 500);
  EXPECT_EQ(c.seed, 1u);
}

TEST(CompareRuns, DifferenceIsNanWhenEitherSideIs) {
  RunRecord a = Record({}, {});  // no trips: win rate NaN
  RunRecord b = Record({10.0, -5.0}, {});
  AbComparison c = Compare(a, b);
  bool seen = false;
  for (const AbRow& row : c.rows) {
    if (row.key != "win_rate") continue;
    seen = true;
    EXPECT_TRUE(std::isnan(row.a));
    EXPECT_DOUBLE_EQ(row.b, 0.5);
    EXPECT_TRUE(std::isnan(row.diff));
  }
  EXPECT_TRUE(seen);
}

TEST(CompareRuns, BootstrapsPerTradeBpsAndPerFillSlippage) {
  RunRecord a = Record(Around(0.0, 30), Around(3.0, 40));
  RunRecord b = Record(Around(20.0, 30), Around(3.0, 40));
  AbComparison c = Compare(a, b);
  EXPECT_EQ(c.trade_pnl_bps.n_a, 30u);
  EXPECT_EQ(c.trade_pnl_bps.n_b, 30u);
  EXPECT_NEAR(c.trade_pnl_bps.diff, 20.0, 1e-6);
  EXPECT_TRUE(c.trade_pnl_bps.significant());
  EXPECT_GT(c.trade_pnl_bps.lo, 0.0);
  EXPECT_EQ(c.slippage_bps.n_a, 40u);
  EXPECT_NEAR(c.slippage_bps.diff, 0.0, 1e-12);
  EXPECT_FALSE(c.slippage_bps.significant());
}

TEST(CompareRuns, SameInputsSameOutput) {
  RunRecord a = Record(Around(0.0, 15), Around(1.0, 15));
  RunRecord b = Record(Around(1.0, 15), Around(0.5, 15));
  EXPECT_EQ(AbJson(Compare(a, b)), AbJson(Compare(a, b)));
  EXPECT_EQ(FormatAbTable(Compare(a, b)), FormatAbTable(Compare(a, b)));
  // Wall time does not enter the comparison.
  RunRecord b_slow = Record(Around(1.0, 15), Around(0.5, 15), 100.0);
  EXPECT_EQ(AbCsv(Compare(a, b)), AbCsv(Compare(a, b_slow)));
}

TEST(FormatAbTable, AlignedColumnsAndPlainSentences) {
  RunRecord a = Record(Around(0.0, 10), Around(2.0, 15));
  RunRecord b = Record(Around(20.0, 15), Around(2.1, 15));
  const std::string text = FormatAbTable(Compare(a, b));
  std::istringstream in(text);
  std::string header;
  std::string rule;
  std::getline(in, header);
  std::getline(in, rule);
  EXPECT_EQ(header.rfind("figure", 0), 0u) << header;
  EXPECT_NE(header.find("A: fixed"), std::string::npos);
  EXPECT_NE(header.find("B: adaptive"), std::string::npos);
  EXPECT_NE(header.find("B - A"), std::string::npos);
  EXPECT_EQ(rule.find_first_not_of('-'), std::string::npos);
  // The numbers end in the same column on every row of the table.
  std::string line;
  std::size_t a_end = std::string::npos;
  int rows = 0;
  while (std::getline(in, line) && !line.empty()) {
    ++rows;
    if (line.rfind("round_trips", 0) == 0) {
      EXPECT_EQ(line.find("better"), std::string::npos) << line;
    }
    if (line.rfind("net_pnl ", 0) == 0) {
      EXPECT_NE(line.find("B better"), std::string::npos) << line;
    }
    const std::size_t pos = header.find("A: fixed") + std::string("A: fixed").size();
    if (a_end == std::string::npos) a_end = pos;
    ASSERT_GT(line.size(), a_end);
    EXPECT_NE(line[a_end - 1], ' ') << line;
    EXPECT_EQ(line[a_end], ' ') << line;
  }
  EXPECT_GT(rows, 30);
  EXPECT_NE(text.find("per-trade PnL: B - A = +20.00 bps, 95% CI ["), std::string::npos) << text;
  EXPECT_NE(text.find("(n=10 vs 15): significant at 95%"), std::string::npos) << text;
  EXPECT_NE(text.find("slippage vs arrival: B - A = +0.10 bps"), std::string::npos) << text;
  EXPECT_NE(text.find("(n=15 vs 15): not significant at 95%"), std::string::npos) << text;
}

TEST(FormatAbTable, SaysSoWhenASideHasTooFewSamples) {
  RunRecord a = Record({5.0}, {});
  RunRecord b = Record(Around(5.0, 10), Around(1.0, 10));
  AbComparison c = Compare(a, b);
  const std::string text = FormatAbTable(c);
  EXPECT_NE(text.find("per-trade PnL: too few samples to compare (n=1 vs 10"), std::string::npos) << text;
  EXPECT_NE(text.find("slippage vs arrival: too few samples to compare (n=0 vs 10"), std::string::npos) << text;
  // NaN figures print as "-".
  bool dash = false;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("profit_factor", 0) == 0) dash = line.find(" -") != std::string::npos;
  }
  EXPECT_TRUE(dash);
}

TEST(AbCsv, HeaderRowsAndIntervals) {
  RunRecord a = Record(Around(0.0, 10), Around(1.0, 10));
  RunRecord b = Record(Around(4.0, 10), Around(1.0, 10));
  AbComparison c = Compare(a, b);
  const std::string csv = AbCsv(c);
  EXPECT_EQ(csv.rfind("key,a,b,diff\nstarting_balance,10000,10000,0\n", 0), 0u) << csv.substr(0, 80);
  EXPECT_NE(csv.find("\nround_trips,10,10,0\n"), std::string::npos);
  EXPECT_NE(csv.find("\ntrade_pnl_bps.mean,"), std::string::npos) << csv;
  EXPECT_NE(csv.find("\ntrade_pnl_bps.n,10,10,\n"), std::string::npos);
  EXPECT_NE(csv.find("\ntrade_pnl_bps.ci95_lo,,,"), std::string::npos);
  EXPECT_NE(csv.find("\nslippage_bps.significant,,,0\n"), std::string::npos);
  EXPECT_EQ(csv.back(), '\n');
}

TEST(AbJson, RowsIntervalsAndNulls) {
  RunRecord a = Record({}, Around(1.0, 10));
  RunRecord b = Record(Around(4.0, 10), Around(1.0, 10));
  AbComparison c = Compare(a, b, 300, 9);
  Json j = Json::parse(AbJson(c));
  EXPECT_EQ(j["label_a"], "fixed");
  EXPECT_EQ(j["label_b"], "adaptive");
  EXPECT_EQ(j["iterations"], 300);
  EXPECT_EQ(j["seed"], 9);
  ASSERT_EQ(j["rows"].size(), c.rows.size());
  EXPECT_EQ(j["rows"][0]["key"], "starting_balance");
  EXPECT_TRUE(j["trade_pnl_bps"]["lo"].is_null());  // A has no trips
  EXPECT_EQ(j["trade_pnl_bps"]["n_a"], 0);
  EXPECT_EQ(j["trade_pnl_bps"]["significant"], false);
  EXPECT_FALSE(j["slippage_bps"]["lo"].is_null());
  for (const auto& row : j["rows"]) {
    if (row["key"] == "win_rate") {
      EXPECT_TRUE(row["diff"].is_null());
    }
  }
}

}  // namespace
}  // namespace hean
