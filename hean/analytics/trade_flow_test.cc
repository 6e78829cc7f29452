#include "hean/analytics/trade_flow.h"

#include <gtest/gtest.h>

#include "hean/analytics/test_support.h"
#include "hean/core/decimal.h"
#include "hean/core/status.h"
#include "hean/core/time.h"
#include "hean/model/types.h"

namespace hean {
namespace {

using testing_support::AtMillis;
using testing_support::P;
using testing_support::Q;

constexpr AggressorSide kBuy = AggressorSide::kBuyer;
constexpr AggressorSide kSell = AggressorSide::kSeller;
constexpr AggressorSide kUnknown = AggressorSide::kUnknown;

// Adds n trades of size 1 at 100, 1 ms apart from `start_ms`.
void AddOnes(TradeFlow& f, int n, AggressorSide side, std::int64_t start_ms = 0) {
  for (int i = 0; i < n; ++i) EXPECT_FALSE(f.OnTrade(AtMillis(start_ms + i), side, P("100"), Q("1")));
}

TEST(TradeFlow, DefaultConfigIsValid) {
  const TradeFlowConfig c;
  EXPECT_TRUE(c.Validate().ok());
  EXPECT_EQ(c.window, Duration::Seconds(10));
  EXPECT_EQ(c.large_count, 3);
  EXPECT_EQ(c.min_trades_for_large, 20);
}

TEST(TradeFlow, ValidateNamesTheKey) {
  testing_support::ExpectEachNamesItsKey<TradeFlowConfig>({
      {"analytics.trade_flow.window", "got 0ns", [](auto& c) { c.window = Duration::Zero(); }},
      {"analytics.trade_flow.sell_floor", "got 0", [](auto& c) { c.sell_floor = 0; }},
      {"analytics.trade_flow.large_percentile", "got 1", [](auto& c) { c.large_percentile = 1.0; }},
      {"analytics.trade_flow.large_percentile", "got 0", [](auto& c) { c.large_percentile = 0.0; }},
      {"analytics.trade_flow.large_count", "got 0", [](auto& c) { c.large_count = 0; }},
      {"analytics.trade_flow.min_trades_for_large", "got 0", [](auto& c) { c.min_trades_for_large = 0; }},
  });
}

TEST(TradeFlow, VolumesAndFlowRatioWithSellFloor) {
  TradeFlow f{TradeFlowConfig{}};
  EXPECT_EQ(f.flow_ratio(), 0.0);
  f.OnTrade(AtMillis(0), kBuy, P("100"), Q("1.5"));
  f.OnTrade(AtMillis(1), kBuy, P("100"), Q("2"));
  EXPECT_DOUBLE_EQ(f.buy_volume(), 3.5);
  EXPECT_DOUBLE_EQ(f.sell_volume(), 0.0);
  EXPECT_DOUBLE_EQ(f.flow_ratio(), 3.5 / 1e-9);  // no sells: the floor
  f.OnTrade(AtMillis(2), kSell, P("100"), Q("0.5"));
  EXPECT_DOUBLE_EQ(f.sell_volume(), 0.5);
  EXPECT_DOUBLE_EQ(f.flow_ratio(), 7.0);  // 3.5 / 0.5
  EXPECT_EQ(f.trades(), 3u);
}

TEST(TradeFlow, MomentumAndExpiry) {
  TradeFlow f{TradeFlowConfig{}};  // 10 s
  EXPECT_EQ(f.momentum(), 0.0);
  f.OnTrade(AtMillis(0), kBuy, P("100"), Q("1"));
  EXPECT_EQ(f.momentum(), 0.0);  // one trade: 100 / 100 - 1
  f.OnTrade(AtMillis(1000), kSell, P("102"), Q("2"));
  f.OnTrade(AtMillis(2000), kBuy, P("101"), Q("1"));
  EXPECT_DOUBLE_EQ(f.momentum(), 0.01);  // 101 / 100 - 1
  f.Advance(AtMillis(10'000));           // the 0 s trade is 10 s old: out
  EXPECT_EQ(f.trades(), 2u);
  EXPECT_DOUBLE_EQ(f.momentum(), -1.0 / 102.0);  // 101 / 102 - 1
  EXPECT_DOUBLE_EQ(f.buy_volume(), 1.0);
  EXPECT_DOUBLE_EQ(f.sell_volume(), 2.0);
  f.Advance(AtMillis(20'000));
  EXPECT_EQ(f.trades(), 0u);
  EXPECT_EQ(f.momentum(), 0.0);
  EXPECT_EQ(f.buy_volume(), 0.0);
  EXPECT_EQ(f.sell_volume(), 0.0);
}

TEST(TradeFlow, NoTradeIsLargeBelowMinTrades) {
  TradeFlow f{TradeFlowConfig{}};
  AddOnes(f, 18, kBuy);
  EXPECT_EQ(f.large_threshold(), 0.0);
  // 19 trades in the window including it: fewer than 20.
  EXPECT_FALSE(f.OnTrade(AtMillis(100), kBuy, P("100"), Q("50")));
  EXPECT_EQ(f.large_buys(), 0);
  EXPECT_EQ(f.large_threshold(), 0.0);
}

TEST(TradeFlow, WhaleAbovePercentileIsLarge) {
  TradeFlow f{TradeFlowConfig{}};
  // The 20th size-1 trade: n = 20, rank ceil(0.95 x 20) = 19, value 1; 1 > 1
  // is false.
  AddOnes(f, 20, kBuy);
  EXPECT_DOUBLE_EQ(f.large_threshold(), 1.0);
  // n = 21: rank ceil(19.95) = 20 of [1 x 20, 5] is 1; 5 > 1: large.
  EXPECT_TRUE(f.OnTrade(AtMillis(100), kBuy, P("100"), Q("5")));
  EXPECT_EQ(f.large_buys(), 1);
  EXPECT_FALSE(f.large_buyer());
  EXPECT_DOUBLE_EQ(f.large_threshold(), 1.0);
}

TEST(TradeFlow, EqualToPercentileIsNotLarge) {
  TradeFlow f{TradeFlowConfig{}};
  AddOnes(f, 18, kSell);
  // n = 19 (< 20): not large whatever its size.
  EXPECT_FALSE(f.OnTrade(AtMillis(100), kSell, P("100"), Q("2")));
  // n = 20: rank 19 of [1 x 18, 2, 2] is 2; 2 > 2 is false.
  EXPECT_FALSE(f.OnTrade(AtMillis(101), kSell, P("100"), Q("2")));
  EXPECT_DOUBLE_EQ(f.large_threshold(), 2.0);
  // n = 21: rank 20 of [1 x 18, 2, 2, 2.000000001] is 2; just above: large.
  EXPECT_TRUE(f.OnTrade(AtMillis(102), kSell, P("100"), Q("2.000000001")));
  EXPECT_EQ(f.large_sells(), 1);
}

TEST(TradeFlow, LargeBuyerAfterThreeLargeBuysAndExpiry) {
  TradeFlowConfig c;
  c.window = Duration::Seconds(1);
  TradeFlow f{c};
  AddOnes(f, 20, kBuy);  // at 0..19 ms
  // n = 21: rank 20 of [1 x 20, 5] = 1 -> 5 large.
  EXPECT_TRUE(f.OnTrade(AtMillis(500), kBuy, P("100"), Q("5")));
  // n = 22: rank ceil(20.9) = 21 of [1 x 20, 5, 6] = 5 -> 6 large.
  EXPECT_TRUE(f.OnTrade(AtMillis(501), kBuy, P("100"), Q("6")));
  EXPECT_FALSE(f.large_buyer());
  // n = 23: rank ceil(21.85) = 22 of [1 x 20, 5, 6, 7] = 6 -> 7 large.
  EXPECT_TRUE(f.OnTrade(AtMillis(502), kBuy, P("100"), Q("7")));
  EXPECT_EQ(f.large_buys(), 3);
  EXPECT_TRUE(f.large_buyer());
  EXPECT_FALSE(f.large_seller());
  // A fourth whale now is not above rank 23 of [1 x 20, 5, 6, 7, 7] = 7.
  EXPECT_FALSE(f.OnTrade(AtMillis(503), kBuy, P("100"), Q("7")));

  f.Advance(AtMillis(1500));  // the 500 ms whale is 1 s old: out
  EXPECT_EQ(f.large_buys(), 2);
  EXPECT_FALSE(f.large_buyer());
  f.Advance(AtMillis(1504));
  EXPECT_EQ(f.large_buys(), 0);
  EXPECT_EQ(f.trades(), 0u);
  EXPECT_EQ(f.large_threshold(), 0.0);
}

TEST(TradeFlow, LargeSeller) {
  TradeFlowConfig c;
  c.large_count = 2;
  c.min_trades_for_large = 5;
  c.large_percentile = 0.5;
  TradeFlow f{c};
  AddOnes(f, 4, kBuy);
  // n = 5: rank ceil(2.5) = 3 of [1, 1, 1, 1, 3] = 1 -> large sell.
  EXPECT_TRUE(f.OnTrade(AtMillis(10), kSell, P("99"), Q("3")));
  // n = 6: rank 3 of [1, 1, 1, 1, 3, 3] = 1 -> large sell.
  EXPECT_TRUE(f.OnTrade(AtMillis(11), kSell, P("99"), Q("3")));
  EXPECT_EQ(f.large_sells(), 2);
  EXPECT_TRUE(f.large_seller());
  EXPECT_FALSE(f.large_buyer());
}

TEST(TradeFlow, UnknownAggressor) {
  TradeFlow f{TradeFlowConfig{}};
  AddOnes(f, 20, kUnknown);
  // Above the percentile, but its side is unknown: not large.
  EXPECT_FALSE(f.OnTrade(AtMillis(100), kUnknown, P("110"), Q("5")));
  EXPECT_EQ(f.buy_volume(), 0.0);
  EXPECT_EQ(f.sell_volume(), 0.0);
  EXPECT_EQ(f.large_buys(), 0);
  EXPECT_EQ(f.large_sells(), 0);
  // It counts for momentum and the percentile.
  EXPECT_EQ(f.trades(), 21u);
  EXPECT_DOUBLE_EQ(f.momentum(), 0.1);  // 110 / 100 - 1
  // n = 22: rank 21 of [1 x 20, 5, 5] = 5: another 5 is not large.
  EXPECT_FALSE(f.OnTrade(AtMillis(101), kBuy, P("110"), Q("5")));
  EXPECT_DOUBLE_EQ(f.buy_volume(), 5.0);
}

TEST(TradeFlow, ManyTradesStaySorted) {
  // A window bigger than the initial capacity, with sizes in a scrambled order.
  TradeFlowConfig c;
  c.window = Duration::Seconds(100);
  c.min_trades_for_large = 1;
  TradeFlow f{c};
  for (int i = 0; i < 3000; ++i) {
    const int size = 1 + (i * 7919) % 1000;  // each of 1..1000 three times
    f.OnTrade(AtMillis(i), i % 2 == 0 ? kBuy : kSell, P("100"), Qty::FromInt(size));
  }
  EXPECT_EQ(f.trades(), 3000u);
  // rank ceil(0.95 x 3000) = 2850 of [1, 1, 1, 2, 2, 2, ...]: size 950.
  EXPECT_DOUBLE_EQ(f.large_threshold(), 950.0);
  f.Advance(AtMillis(100'000 + 1499));  // the first 1500 (0..1499 ms) expire
  EXPECT_EQ(f.trades(), 1500u);
}

}  // namespace
}  // namespace hean
