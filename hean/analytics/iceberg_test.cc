#include "hean/analytics/iceberg.h"

#include <gtest/gtest.h>

#include <optional>
#include <vector>

#include "hean/analytics/test_support.h"
#include "hean/core/decimal.h"
#include "hean/core/status.h"
#include "hean/core/time.h"
#include "hean/model/events.h"
#include "hean/model/types.h"

namespace hean {
namespace {

using testing_support::AtMillis;
using testing_support::P;
using testing_support::Q;

constexpr InstrumentId kBtc{7};

TEST(Iceberg, DefaultConfigIsValid) {
  const IcebergConfig c;
  EXPECT_TRUE(c.Validate().ok());
  EXPECT_EQ(c.max_levels, 64);
  EXPECT_DOUBLE_EQ(c.report_score, 0.7);
}

TEST(Iceberg, ValidateNamesTheKey) {
  testing_support::ExpectEachNamesItsKey<IcebergConfig>({
      {"analytics.iceberg.max_levels", "got 0", [](auto& c) { c.max_levels = 0; }},
      {"analytics.iceberg.level_timeout", "got 0ns", [](auto& c) { c.level_timeout = Duration::Zero(); }},
      {"analytics.iceberg.refill_tolerance", "got 1", [](auto& c) { c.refill_tolerance = 1.0; }},
      {"analytics.iceberg.refill_tolerance", "got -0.1", [](auto& c) { c.refill_tolerance = -0.1; }},
      {"analytics.iceberg.min_replenishments", "got 0", [](auto& c) { c.min_replenishments = 0; }},
      {"analytics.iceberg.absorption_target", "got 0", [](auto& c) { c.absorption_target = 0; }},
      {"analytics.iceberg.consistency_cv", "got -1", [](auto& c) { c.consistency_cv = -1; }},
      {"analytics.iceberg.report_score", "got 1.5", [](auto& c) { c.report_score = 1.5; }},
      {"analytics.iceberg.report_score", "got 0", [](auto& c) { c.report_score = 0; }},
  });
}

// A bid at 100 showing 10, hit for 10 three times, each time refilled to 10
// by the update that follows the trade.
//   after refill 1: 0.3 x 1/3 + 0.4 x min((10 / 10) / 2, 1) + 0 = 0.1 + 0.2 = 0.3
//   after refill 2: 0.3 x 2/3 + 0.4 x min(20 / 10 / 2, 1) + 0.3 (refills 10, 10:
//                   std dev 0 < 0.1 x 10) = 0.2 + 0.4 + 0.3 = 0.9 -> reported
//   after refill 3: 0.3 + 0.4 + 0.3 = 1.0 -> reported again (a further refill)
TEST(Iceberg, LevelRefillingThreeTimesIsReported) {
  IcebergDetector d(kBtc, IcebergConfig{});
  EXPECT_FALSE(d.OnLevel(AtMillis(0), Side::kBuy, P("100"), Q("10")));
  std::vector<IcebergDetected> reports;
  for (int i = 1; i <= 3; ++i) {
    d.OnTrade(AtMillis(i * 1000), AggressorSide::kSeller, P("100"), Q("10"));
    if (auto e = d.OnLevel(AtMillis(i * 1000 + 50), Side::kBuy, P("100"), Q("10"))) reports.push_back(*e);
    if (i == 1) {
      ASSERT_TRUE(d.Strongest().has_value());
      EXPECT_NEAR(d.Strongest()->score, 0.3, 1e-12);
    }
  }
  ASSERT_EQ(reports.size(), 2u);
  EXPECT_EQ(reports[0].instrument, kBtc);
  EXPECT_EQ(reports[0].side, Side::kBuy);
  EXPECT_EQ(reports[0].price, P("100"));
  EXPECT_EQ(reports[0].absorbed, Q("20"));
  EXPECT_EQ(reports[0].replenishments, 2u);
  EXPECT_NEAR(reports[0].confidence, 0.9, 1e-12);
  EXPECT_EQ(reports[0].ts_event, AtMillis(2050));
  EXPECT_GE(reports[1].confidence, 0.7);
  EXPECT_NEAR(reports[1].confidence, 1.0, 1e-12);
  EXPECT_EQ(reports[1].absorbed, Q("30"));
  EXPECT_EQ(reports[1].replenishments, 3u);

  // No new replenishment: not reported again.
  EXPECT_FALSE(d.OnLevel(AtMillis(4000), Side::kBuy, P("100"), Q("10")));
  const auto c = d.Strongest();
  ASSERT_TRUE(c.has_value());
  EXPECT_EQ(c->side, Side::kBuy);
  EXPECT_EQ(c->price, P("100"));
  EXPECT_NEAR(c->score, 1.0, 1e-12);
  EXPECT_DOUBLE_EQ(c->absorbed, 30.0);
  EXPECT_EQ(c->replenishments, 3);
}

TEST(Iceberg, AskLevelLiftedByBuyers) {
  IcebergDetector d(kBtc, IcebergConfig{});
  d.OnLevel(AtMillis(0), Side::kSell, P("101"), Q("2"));
  // Sells at 101 do not touch the ask level.
  d.OnTrade(AtMillis(1), AggressorSide::kSeller, P("101"), Q("2"));
  EXPECT_EQ(d.tracked(), 2u);  // (bid, 101) is now tracked too, as a traded level of unknown size
  std::optional<IcebergDetected> last;
  for (int i = 1; i <= 3; ++i) {
    d.OnTrade(AtMillis(i * 1000), AggressorSide::kBuyer, P("101"), Q("2"));
    if (auto e = d.OnLevel(AtMillis(i * 1000 + 1), Side::kSell, P("101"), Q("2"))) last = e;
  }
  ASSERT_TRUE(last.has_value());
  EXPECT_EQ(last->side, Side::kSell);
  EXPECT_EQ(last->price, P("101"));
  EXPECT_EQ(last->absorbed, Q("6"));
  EXPECT_NEAR(last->confidence, 1.0, 1e-12);
}

TEST(Iceberg, TradedAwayAndNotRefilledIsNotReported) {
  IcebergDetector d(kBtc, IcebergConfig{});
  d.OnLevel(AtMillis(0), Side::kBuy, P("100"), Q("10"));
  d.OnTrade(AtMillis(1000), AggressorSide::kSeller, P("100"), Q("10"));
  EXPECT_FALSE(d.OnLevel(AtMillis(1001), Side::kBuy, P("100"), Q("0")));
  EXPECT_FALSE(d.OnLevel(AtMillis(2000), Side::kBuy, P("100"), Q("3")));  // 3 < 0.9 x 10: no refill
  // No replenishment; absorption 10 / 10 = 1: 0.4 x 0.5 = 0.2.
  const auto c = d.Strongest();
  ASSERT_TRUE(c.has_value());
  EXPECT_EQ(c->replenishments, 0);
  EXPECT_NEAR(c->score, 0.2, 1e-12);
}

TEST(Iceberg, SmallTradeDownIsNotARefill) {
  IcebergDetector d(kBtc, IcebergConfig{});
  d.OnLevel(AtMillis(0), Side::kBuy, P("100"), Q("10"));
  // Traded by 0.5: the level shows 9.5 >= 0.9 x 10, but that is just what the
  // trade left (10 - 0.5), not a refill.
  d.OnTrade(AtMillis(1000), AggressorSide::kSeller, P("100"), Q("0.5"));
  d.OnLevel(AtMillis(1001), Side::kBuy, P("100"), Q("9.5"));
  EXPECT_EQ(d.Strongest()->replenishments, 0);
  // Back to 10 afterwards: that is a refill.
  d.OnLevel(AtMillis(1500), Side::kBuy, P("100"), Q("10"));
  EXPECT_EQ(d.Strongest()->replenishments, 1);
}

// Partial trade-downs (half the displayed size each time), down then back up.
// Consistent refills 10, 10, 10: traded 5 x 3 = 15, mean size before the
// trade-downs 10, absorption 1.5: 0.3 x 1 + 0.4 x 0.75 + 0.3 = 0.9.
// Growing refills 20, 30, 60 (each >= 0.9 x the size before the trade-down):
// traded 5 + 10 + 15 = 30, sizes before 10, 20, 30 (mean 20), absorption 1.5:
// 0.3 + 0.3; mean refill 110/3 = 36.67, std dev
// sqrt((16.67^2 + 6.67^2 + 23.33^2) / 3) = 17.0 >= 0.1 x 36.67: no consistency
// term: 0.6. After two refills (20, 30: std dev 5 >= 2.5) it was
// 0.2 + 0.4 x min(15 / 15 / 2, 1) = 0.4. Never reported.
TEST(Iceberg, InconsistentRefillSizesLowerTheScore) {
  IcebergDetector consistent(kBtc, IcebergConfig{});
  IcebergDetector growing(kBtc, IcebergConfig{});
  consistent.OnLevel(AtMillis(0), Side::kBuy, P("100"), Q("10"));
  growing.OnLevel(AtMillis(0), Side::kBuy, P("100"), Q("10"));
  const char* traded[] = {"5", "10", "15"};  // half of 10, 20, 30
  const char* left[] = {"5", "10", "15"};
  const char* refill[] = {"20", "30", "60"};
  int consistent_reports = 0;
  int growing_reports = 0;
  for (int i = 0; i < 3; ++i) {
    const std::int64_t t = (i + 1) * 1000;
    consistent.OnTrade(AtMillis(t), AggressorSide::kSeller, P("100"), Q("5"));
    consistent_reports += consistent.OnLevel(AtMillis(t + 1), Side::kBuy, P("100"), Q("5")).has_value();
    consistent_reports += consistent.OnLevel(AtMillis(t + 2), Side::kBuy, P("100"), Q("10")).has_value();
    growing.OnTrade(AtMillis(t), AggressorSide::kSeller, P("100"), Q(traded[i]));
    growing_reports += growing.OnLevel(AtMillis(t + 1), Side::kBuy, P("100"), Q(left[i])).has_value();
    growing_reports += growing.OnLevel(AtMillis(t + 2), Side::kBuy, P("100"), Q(refill[i])).has_value();
  }
  ASSERT_TRUE(consistent.Strongest().has_value());
  EXPECT_EQ(consistent.Strongest()->replenishments, 3);
  EXPECT_NEAR(consistent.Strongest()->score, 0.9, 1e-12);
  EXPECT_GE(consistent_reports, 1);
  ASSERT_TRUE(growing.Strongest().has_value());
  EXPECT_EQ(growing.Strongest()->replenishments, 3);
  EXPECT_DOUBLE_EQ(growing.Strongest()->absorbed, 30.0);
  EXPECT_NEAR(growing.Strongest()->score, 0.6, 1e-12);
  EXPECT_EQ(growing_reports, 0);
}

// The same three cycles (a bid of 10 hit for 10 and refilled) in four feed
// orders end in the same state.
enum class Order { kTradeThenRefill, kTradeThenDownThenUp, kRefillThenTradeSameTime, kDownThenTradeSameTime };

class IcebergOrder : public ::testing::TestWithParam<Order> {};

TEST_P(IcebergOrder, SameResultWhateverTheOrder) {
  IcebergDetector d(kBtc, IcebergConfig{});
  d.OnLevel(AtMillis(0), Side::kBuy, P("100"), Q("10"));
  int reports = 0;
  const auto level = [&](std::int64_t t, const char* q) {
    reports += d.OnLevel(AtMillis(t), Side::kBuy, P("100"), Q(q)).has_value();
  };
  const auto trade = [&](std::int64_t t) { d.OnTrade(AtMillis(t), AggressorSide::kSeller, P("100"), Q("10")); };
  for (int i = 1; i <= 3; ++i) {
    const std::int64_t t = i * 1000;
    switch (GetParam()) {
      case Order::kTradeThenRefill:  // Binance: the trade, then the update showing the level refilled
        trade(t);
        level(t + 5, "10");
        break;
      case Order::kTradeThenDownThenUp:
        trade(t);
        level(t + 5, "0");
        level(t + 10, "10");
        break;
      case Order::kRefillThenTradeSameTime:  // the update first, at the trade's time
        level(t, "10");
        trade(t);
        break;
      case Order::kDownThenTradeSameTime:
        level(t, "0");
        trade(t);
        level(t + 10, "10");
        break;
    }
  }
  level(5000, "10");  // a later update: a score reached on a trade is reported here
  const auto c = d.Strongest();
  ASSERT_TRUE(c.has_value());
  EXPECT_EQ(c->replenishments, 3);
  EXPECT_DOUBLE_EQ(c->absorbed, 30.0);
  EXPECT_NEAR(c->score, 1.0, 1e-12);
  // Reported at the second and at the third refill.
  EXPECT_EQ(reports, 2);
}

INSTANTIATE_TEST_SUITE_P(Iceberg, IcebergOrder,
                         ::testing::Values(Order::kTradeThenRefill, Order::kTradeThenDownThenUp,
                                           Order::kRefillThenTradeSameTime, Order::kDownThenTradeSameTime));

TEST(Iceberg, UpdateBeforeTradeAtTheSameTimeAfterARefillIsNotCountedTwice) {
  IcebergDetector d(kBtc, IcebergConfig{});
  d.OnLevel(AtMillis(0), Side::kBuy, P("100"), Q("10"));
  d.OnTrade(AtMillis(1000), AggressorSide::kSeller, P("100"), Q("10"));
  d.OnLevel(AtMillis(2000), Side::kBuy, P("100"), Q("10"));  // refill 1
  // A new trade at the same time as that refill: it starts a new trade-down
  // from 10; the refill update is not counted again.
  d.OnTrade(AtMillis(2000), AggressorSide::kSeller, P("100"), Q("10"));
  EXPECT_EQ(d.Strongest()->replenishments, 1);
  d.OnLevel(AtMillis(2100), Side::kBuy, P("100"), Q("10"));  // refill 2
  EXPECT_EQ(d.Strongest()->replenishments, 2);
}

TEST(Iceberg, IdleLevelsAreForgotten) {
  IcebergDetector d(kBtc, IcebergConfig{});  // 60 s timeout
  d.OnLevel(AtMillis(0), Side::kBuy, P("100"), Q("10"));
  d.OnTrade(AtMillis(1000), AggressorSide::kSeller, P("100"), Q("10"));
  d.OnLevel(AtMillis(1001), Side::kBuy, P("100"), Q("10"));
  d.OnLevel(AtMillis(2000), Side::kSell, P("101"), Q("1"));
  EXPECT_EQ(d.tracked(), 2u);
  d.Advance(AtMillis(61'000));  // the bid was last active at 1.001 s: 59.999 s idle
  EXPECT_EQ(d.tracked(), 2u);
  d.Advance(AtMillis(61'001));  // 60 s idle: forgotten
  EXPECT_EQ(d.tracked(), 1u);
  EXPECT_FALSE(d.Strongest().has_value());  // the ask level was never traded
  d.Advance(AtMillis(62'000));
  EXPECT_EQ(d.tracked(), 0u);
}

TEST(Iceberg, IdleLevelStartsAfreshOnItsNextEvent) {
  IcebergDetector d(kBtc, IcebergConfig{});
  d.OnLevel(AtMillis(0), Side::kBuy, P("100"), Q("10"));
  d.OnTrade(AtMillis(1000), AggressorSide::kSeller, P("100"), Q("10"));
  d.OnLevel(AtMillis(1001), Side::kBuy, P("100"), Q("10"));
  EXPECT_EQ(d.Strongest()->replenishments, 1);
  // No Advance, but 60 s idle: the history is dropped.
  d.OnLevel(AtMillis(61'001), Side::kBuy, P("100"), Q("10"));
  EXPECT_FALSE(d.Strongest().has_value());
  EXPECT_EQ(d.tracked(), 1u);
}

TEST(Iceberg, CapacityEvictsLeastRecentlyActive) {
  IcebergConfig c;
  c.max_levels = 2;
  IcebergDetector d(kBtc, c);
  d.OnLevel(AtMillis(1), Side::kBuy, P("100"), Q("10"));
  d.OnLevel(AtMillis(2), Side::kBuy, P("99"), Q("10"));
  d.OnLevel(AtMillis(3), Side::kBuy, P("98"), Q("10"));  // evicts 100, the oldest
  EXPECT_EQ(d.tracked(), 2u);
  // 100 comes back with its size unknown: its trade marks no trade-down
  // (score 0). Taking its slot evicts 99, the older of the two left.
  d.OnTrade(AtMillis(4), AggressorSide::kSeller, P("100"), Q("10"));
  EXPECT_FALSE(d.Strongest().has_value());
  // 98 is still tracked with its size: absorption 10 / 10 = 1: score 0.2.
  d.OnTrade(AtMillis(5), AggressorSide::kSeller, P("98"), Q("10"));
  const auto s = d.Strongest();
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(s->price, P("98"));
  EXPECT_NEAR(s->score, 0.2, 1e-12);
  EXPECT_EQ(d.tracked(), 2u);
}

TEST(Iceberg, CapacityEvictsUntradedLevelsFirst) {
  IcebergConfig c;
  c.max_levels = 2;
  IcebergDetector d(kBtc, c);
  d.OnLevel(AtMillis(1), Side::kBuy, P("100"), Q("10"));
  d.OnTrade(AtMillis(2), AggressorSide::kSeller, P("100"), Q("10"));  // 100 traded: score 0.2
  d.OnLevel(AtMillis(3), Side::kBuy, P("99"), Q("10"));
  d.OnLevel(AtMillis(4), Side::kBuy, P("98"), Q("10"));  // evicts 99 (untraded), not the older 100
  EXPECT_EQ(d.tracked(), 2u);
  ASSERT_TRUE(d.Strongest().has_value());
  EXPECT_EQ(d.Strongest()->price, P("100"));
  // 99 traded again: unknown size, score 0; evicts 98, the untraded one.
  d.OnTrade(AtMillis(5), AggressorSide::kSeller, P("99"), Q("1"));
  EXPECT_EQ(d.Strongest()->price, P("100"));
  // Both left are traded now: a new level evicts the least recently active, 100.
  d.OnLevel(AtMillis(6), Side::kBuy, P("97"), Q("10"));
  EXPECT_FALSE(d.Strongest().has_value());  // 99 (score 0) and 97 are left
  EXPECT_EQ(d.tracked(), 2u);
}

TEST(Iceberg, ResetForgetsEverything) {
  IcebergDetector d(kBtc, IcebergConfig{});
  d.OnLevel(AtMillis(0), Side::kBuy, P("100"), Q("10"));
  d.OnTrade(AtMillis(1000), AggressorSide::kSeller, P("100"), Q("10"));
  d.OnLevel(AtMillis(1001), Side::kBuy, P("100"), Q("10"));
  d.Reset();
  EXPECT_EQ(d.tracked(), 0u);
  EXPECT_FALSE(d.Strongest().has_value());
  // A trade right after the reset finds no known size.
  d.OnTrade(AtMillis(2000), AggressorSide::kSeller, P("100"), Q("10"));
  d.OnLevel(AtMillis(2001), Side::kBuy, P("100"), Q("10"));
  EXPECT_FALSE(d.Strongest().has_value());
}

TEST(Iceberg, UnknownAggressorAndRemovalOfUntrackedLevelAreIgnored) {
  IcebergDetector d(kBtc, IcebergConfig{});
  d.OnTrade(AtMillis(0), AggressorSide::kUnknown, P("100"), Q("10"));
  EXPECT_FALSE(d.OnLevel(AtMillis(1), Side::kBuy, P("100"), Q("0")));
  EXPECT_EQ(d.tracked(), 0u);
}

}  // namespace
}  // namespace hean
