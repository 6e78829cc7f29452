#include "hean/analytics/volume_profile.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <optional>
#include <string_view>
#include <utility>
#include <vector>

#include "hean/analytics/test_support.h"
#include "hean/book/order_book.h"
#include "hean/core/decimal.h"
#include "hean/core/status.h"
#include "hean/core/time.h"
#include "hean/model/events.h"
#include "hean/model/types.h"

namespace hean {
namespace {

using ::testing::HasSubstr;

constexpr InstrumentId kBtc{7};

using testing_support::At;
using testing_support::P;
using testing_support::Q;

OrderBook MakeBook(std::string_view tick, const std::vector<std::pair<const char*, const char*>>& bids,
                   const std::vector<std::pair<const char*, const char*>>& asks) {
  OrderBook book(kBtc, P(tick));
  std::vector<BookLevel> b;
  std::vector<BookLevel> a;
  for (const auto& [p, q] : bids) b.push_back(BookLevel{P(p), Q(q)});
  for (const auto& [p, q] : asks) a.push_back(BookLevel{P(p), Q(q)});
  EXPECT_TRUE(book.ApplySnapshot(b, a).ok());
  return book;
}

// Tick 1, mid 100.5:
//   97 x 2, 98 x 3, 99 x 8, 100 x 5 | 101 x 4, 102 x 8, 103 x 6, 104 x 1
// Total 18 + 19 = 37.
OrderBook Book1() {
  return MakeBook("1", {{"100", "5"}, {"99", "8"}, {"98", "3"}, {"97", "2"}},
                  {{"101", "4"}, {"102", "8"}, {"103", "6"}, {"104", "1"}});
}

VolumeProfileConfig Cfg(int bucket_ticks, int levels = 20, double value_area = 0.70) {
  VolumeProfileConfig c;
  c.bucket_ticks = bucket_ticks;
  c.levels = levels;
  c.value_area = value_area;
  return c;
}

TEST(BookVolumeProfile, DefaultConfigIsValid) {
  const VolumeProfileConfig c;
  EXPECT_TRUE(c.Validate().ok());
  EXPECT_EQ(c.bucket_ticks, 1);
  EXPECT_EQ(c.levels, 20);
  EXPECT_DOUBLE_EQ(c.value_area, 0.70);
}

TEST(BookVolumeProfile, ValidateNamesTheKey) {
  testing_support::ExpectEachNamesItsKey<VolumeProfileConfig>({
      {"analytics.volume_profile.bucket_ticks", "got 0", [](auto& c) { c.bucket_ticks = 0; }},
      {"analytics.volume_profile.levels", "got -1", [](auto& c) { c.levels = -1; }},
      {"analytics.volume_profile.value_area", "got 0", [](auto& c) { c.value_area = 0.0; }},
      {"analytics.volume_profile.value_area", "got 1.5", [](auto& c) { c.value_area = 1.5; }},
  });
  VolumeProfileConfig c;
  c.value_area = 1.0;  // the whole book: allowed
  EXPECT_TRUE(c.Validate().ok());
}

TEST(BookVolumeProfile, VpocAndValueAreaOneTickBuckets) {
  const OrderBook book = Book1();
  BookVolumeProfile profile(Cfg(1));
  BookProfile out;
  ASSERT_TRUE(profile.Compute(book, out));
  EXPECT_TRUE(out.valid);
  EXPECT_DOUBLE_EQ(out.total_volume, 37.0);
  // 99 and 102 both hold 8, both 1.5 ticks from the mid 100.5: the lower wins.
  EXPECT_EQ(out.vpoc, P("99"));
  EXPECT_DOUBLE_EQ(out.vpoc_volume, 8.0);
  // Target 0.7 x 37 = 25.9. From 99 (8): 98:3 vs 100:5 -> 100 (13);
  // 98:3 vs 101:4 -> 101 (17); 98:3 vs 102:8 -> 102 (25); 98:3 vs 103:6 ->
  // 103 (31 >= 25.9). Area 99..103.
  EXPECT_EQ(out.value_area_low, P("99"));
  EXPECT_EQ(out.value_area_high, P("103"));
}

TEST(BookVolumeProfile, VpocAndValueAreaTwoTickBuckets) {
  const OrderBook book = Book1();
  BookVolumeProfile profile(Cfg(2));
  BookProfile out;
  ASSERT_TRUE(profile.Compute(book, out));
  // Buckets floor(tick / 2): 48 [96,97]: 2; 49 [98,99]: 3 + 8 = 11;
  // 50 [100,101]: 5 + 4 = 9; 51 [102,103]: 8 + 6 = 14; 52 [104,105]: 1.
  EXPECT_EQ(out.vpoc, P("102"));
  EXPECT_DOUBLE_EQ(out.vpoc_volume, 14.0);
  // From 51 (14): 50:9 vs 52:1 -> 50 (23); 49:11 vs 52:1 -> 49 (34 >= 25.9).
  // Low of bucket 49 is 98; high of bucket 51 is 102 + 1 tick = 103.
  EXPECT_EQ(out.value_area_low, P("98"));
  EXPECT_EQ(out.value_area_high, P("103"));
  EXPECT_DOUBLE_EQ(out.total_volume, 37.0);
}

TEST(BookVolumeProfile, VpocTieGoesToTheBucketNearerTheMid) {
  // 98 x 8 (2.5 ticks from the mid 100.5) and 102 x 8 (1.5 ticks): 102 wins
  // although it is higher.
  const OrderBook book = MakeBook("1", {{"100", "5"}, {"99", "3"}, {"98", "8"}}, {{"101", "4"}, {"102", "8"}});
  BookVolumeProfile profile(Cfg(1));
  BookProfile out;
  ASSERT_TRUE(profile.Compute(book, out));
  EXPECT_EQ(out.vpoc, P("102"));
}

TEST(BookVolumeProfile, ValueAreaTieGoesToTheNeighbourNearerTheMid) {
  // 98 x 3, 99 x 10, 100 x 3 | 101 x 1; total 17, target 0.7 x 17 = 11.9.
  // From 99 (10): 98:3 and 100:3 tie; 100 is 0.5 ticks from the mid 100.5,
  // 98 is 2.5: take 100 (13 >= 11.9).
  const OrderBook book = MakeBook("1", {{"100", "3"}, {"99", "10"}, {"98", "3"}}, {{"101", "1"}});
  BookVolumeProfile profile(Cfg(1));
  BookProfile out;
  ASSERT_TRUE(profile.Compute(book, out));
  EXPECT_EQ(out.vpoc, P("99"));
  EXPECT_EQ(out.value_area_low, P("99"));
  EXPECT_EQ(out.value_area_high, P("100"));
}

TEST(BookVolumeProfile, ValueAreaTieAtEqualDistanceGoesBelow) {
  // Two-tick buckets: 49 [98,99]: 3; 50 [100,101]: 5 + 5 = 10; 51 [102,103]: 3.
  // Centres 98.5 and 102.5 are both 2 ticks from the mid 100.5.
  // Total 16, target 11.2: from 50 (10), the tie goes below (13 >= 11.2).
  const OrderBook book = MakeBook("1", {{"100", "5"}, {"99", "3"}}, {{"101", "5"}, {"102", "3"}});
  BookVolumeProfile profile(Cfg(2));
  BookProfile out;
  ASSERT_TRUE(profile.Compute(book, out));
  EXPECT_EQ(out.vpoc, P("100"));
  EXPECT_DOUBLE_EQ(out.vpoc_volume, 10.0);
  EXPECT_EQ(out.value_area_low, P("98"));
  EXPECT_EQ(out.value_area_high, P("101"));
}

TEST(BookVolumeProfile, ValueAreaSkipsEmptyBuckets) {
  // 95 x 6, 100 x 10 | 101 x 1, 110 x 5; total 22, target 15.4.
  // From 100 (10): the nearest non-empty neighbours are 95:6 and 101:1 ->
  // 95 (16 >= 15.4); the gap 96..99 is spanned.
  const OrderBook book = MakeBook("1", {{"100", "10"}, {"95", "6"}}, {{"101", "1"}, {"110", "5"}});
  BookVolumeProfile profile(Cfg(1));
  BookProfile out;
  ASSERT_TRUE(profile.Compute(book, out));
  EXPECT_EQ(out.value_area_low, P("95"));
  EXPECT_EQ(out.value_area_high, P("100"));
}

TEST(BookVolumeProfile, WholeBookValueArea) {
  const OrderBook book = Book1();
  BookVolumeProfile profile(Cfg(1, 20, 1.0));
  BookProfile out;
  ASSERT_TRUE(profile.Compute(book, out));
  EXPECT_EQ(out.value_area_low, P("97"));
  EXPECT_EQ(out.value_area_high, P("104"));
}

TEST(BookVolumeProfile, GradientsOnKnownLadder) {
  const OrderBook book = Book1();
  BookVolumeProfile profile(Cfg(1));
  BookProfile out;
  ASSERT_TRUE(profile.Compute(book, out));
  // Bids: x (ticks from 100) = 0, 1, 2, 3; cumulative y = 5, 13, 16, 18.
  // mean x 1.5, mean y 13; Sxy = (-1.5)(-8) + (-0.5)(0) + (0.5)(3) + (1.5)(5)
  // = 12 + 0 + 1.5 + 7.5 = 21; Sxx = 2.25 + 0.25 + 0.25 + 2.25 = 5; slope 4.2.
  EXPECT_NEAR(out.buy_gradient, 4.2, 1e-12);
  // Asks: x = 0, 1, 2, 3; y = 4, 12, 18, 19; mean y 13.25;
  // Sxy = (-1.5)(-9.25) + (-0.5)(-1.25) + (0.5)(4.75) + (1.5)(5.75)
  // = 13.875 + 0.625 + 2.375 + 8.625 = 25.5; slope 25.5 / 5 = 5.1.
  EXPECT_NEAR(out.sell_gradient, 5.1, 1e-12);
  EXPECT_NEAR(out.pressure_imbalance, 4.2 / 5.1, 1e-12);
}

TEST(BookVolumeProfile, GradientUsesTickDistanceWithGaps) {
  // Tick 0.1. Bids 100.0 x 1, 99.9 x 2, 99.7 x 3: x = 0, 1, 3; y = 1, 3, 6;
  // mean x 4/3, mean y 10/3; Sxy = (-4/3)(-7/3) + (-1/3)(-1/3) + (5/3)(8/3)
  // = (28 + 1 + 40) / 9 = 23/3; Sxx = (16 + 1 + 25) / 9 = 14/3; slope 23/14.
  // Asks 100.1, 100.2, 100.3 x 2 each: x = 0, 1, 2; y = 2, 4, 6: slope 2.
  const OrderBook book =
      MakeBook("0.1", {{"100.0", "1"}, {"99.9", "2"}, {"99.7", "3"}}, {{"100.1", "2"}, {"100.2", "2"}, {"100.3", "2"}});
  BookVolumeProfile profile(Cfg(1));
  BookProfile out;
  ASSERT_TRUE(profile.Compute(book, out));
  EXPECT_NEAR(out.buy_gradient, 23.0 / 14.0, 1e-12);
  EXPECT_NEAR(out.sell_gradient, 2.0, 1e-12);
  EXPECT_NEAR(out.pressure_imbalance, 23.0 / 28.0, 1e-12);
}

TEST(BookVolumeProfile, OneLevelGradientIsItsSize) {
  const OrderBook book = Book1();
  BookVolumeProfile profile(Cfg(1, 1));
  BookProfile out;
  ASSERT_TRUE(profile.Compute(book, out));
  EXPECT_DOUBLE_EQ(out.buy_gradient, 5.0);
  EXPECT_DOUBLE_EQ(out.sell_gradient, 4.0);
  EXPECT_DOUBLE_EQ(out.pressure_imbalance, 1.25);
  // Levels 100 x 5 | 101 x 4: VPOC 100, total 9, target 6.3: 100 + 101.
  EXPECT_EQ(out.vpoc, P("100"));
  EXPECT_DOUBLE_EQ(out.total_volume, 9.0);
  EXPECT_EQ(out.value_area_low, P("100"));
  EXPECT_EQ(out.value_area_high, P("101"));
}

TEST(BookVolumeProfile, LevelsLimit) {
  const OrderBook book = Book1();
  BookVolumeProfile profile(Cfg(1, 2));
  BookProfile out;
  ASSERT_TRUE(profile.Compute(book, out));
  // 99 x 8, 100 x 5 | 101 x 4, 102 x 8: total 25; VPOC tie 99 / 102 at equal
  // distance: 99. Target 17.5; nothing below 99, so the area grows up:
  // 8 + 5 (100) = 13, + 4 (101) = 17, + 8 (102) = 25.
  EXPECT_DOUBLE_EQ(out.total_volume, 25.0);
  EXPECT_EQ(out.vpoc, P("99"));
  EXPECT_EQ(out.value_area_low, P("99"));
  EXPECT_EQ(out.value_area_high, P("102"));
  // Bids x = 0, 1; y = 5, 13: slope 8. Asks y = 4, 12: slope 8.
  EXPECT_DOUBLE_EQ(out.buy_gradient, 8.0);
  EXPECT_DOUBLE_EQ(out.sell_gradient, 8.0);
  EXPECT_DOUBLE_EQ(out.pressure_imbalance, 1.0);
}

TEST(BookVolumeProfile, EmptySideIsInvalid) {
  BookVolumeProfile profile(Cfg(1));
  BookProfile out;
  ASSERT_TRUE(profile.Compute(Book1(), out));
  const OrderBook no_asks = MakeBook("1", {{"100", "5"}}, {});
  EXPECT_FALSE(profile.Compute(no_asks, out));
  EXPECT_FALSE(out.valid);
  EXPECT_EQ(out.total_volume, 0.0);  // reset, not left from the last call
  const OrderBook no_bids = MakeBook("1", {}, {{"101", "5"}});
  EXPECT_FALSE(profile.Compute(no_bids, out));
  const OrderBook empty(kBtc, P("1"));
  EXPECT_FALSE(profile.Compute(empty, out));
}

TEST(BookVolumeProfile, ReusedAcrossBooks) {
  BookVolumeProfile profile(Cfg(1));
  BookProfile out;
  ASSERT_TRUE(profile.Compute(Book1(), out));
  const OrderBook small = MakeBook("1", {{"50", "1"}}, {{"51", "3"}});
  ASSERT_TRUE(profile.Compute(small, out));
  EXPECT_EQ(out.vpoc, P("51"));
  EXPECT_DOUBLE_EQ(out.total_volume, 4.0);
  // Target 2.8: the VPOC bucket alone holds 3.
  EXPECT_EQ(out.value_area_low, P("51"));
  EXPECT_EQ(out.value_area_high, P("51"));
}

// --- TradedVolumeProfile

TradedProfileConfig TCfg(Duration window, int bucket_ticks) {
  TradedProfileConfig c;
  c.window = window;
  c.bucket_ticks = bucket_ticks;
  return c;
}

TEST(TradedVolumeProfile, DefaultConfigIsValid) {
  const TradedProfileConfig c;
  EXPECT_TRUE(c.Validate().ok());
  EXPECT_EQ(c.window, Duration::Minutes(5));
  EXPECT_EQ(c.bucket_ticks, 1);
}

TEST(TradedVolumeProfile, ValidateNamesTheKey) {
  TradedProfileConfig c;
  c.window = Duration::Zero();
  Status s = c.Validate();
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(s.message(), HasSubstr("analytics.traded_profile.window"));
  c = {};
  c.bucket_ticks = 0;
  s = c.Validate();
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(s.message(), HasSubstr("analytics.traded_profile.bucket_ticks"));
  EXPECT_THAT(s.message(), HasSubstr("got 0"));
}

TEST(TradedVolumeProfile, VolumesByBucketVpocAndOrder) {
  // Tick 0.5, 2-tick buckets: each bucket is 1.0 wide, aligned on whole prices.
  TradedVolumeProfile p(P("0.5"), TCfg(Duration::Seconds(5), 2));
  EXPECT_FALSE(p.Vpoc().has_value());
  p.OnTrade(At(0), P("100.0"), Q("1"));    // bucket [100, 101)
  p.OnTrade(At(1), P("100.5"), Q("2"));    // same bucket
  p.OnTrade(At(2), P("101.0"), Q("1.5"));  // [101, 102)
  p.OnTrade(At(3), P("99.5"), Q("4"));     // [99, 100)
  EXPECT_DOUBLE_EQ(p.total(), 8.5);
  EXPECT_DOUBLE_EQ(p.VolumeAt(P("100.0")), 3.0);
  EXPECT_DOUBLE_EQ(p.VolumeAt(P("100.5")), 3.0);
  EXPECT_DOUBLE_EQ(p.VolumeAt(P("99")), 4.0);
  EXPECT_DOUBLE_EQ(p.VolumeAt(P("102")), 0.0);
  EXPECT_EQ(p.Vpoc(), P("99"));
  EXPECT_EQ(p.buckets(), 3u);

  std::vector<std::pair<Price, double>> seen;
  p.ForEach([&](Price low, double v) { seen.emplace_back(low, v); });
  ASSERT_EQ(seen.size(), 3u);
  EXPECT_EQ(seen[0].first, P("99"));
  EXPECT_DOUBLE_EQ(seen[0].second, 4.0);
  EXPECT_EQ(seen[1].first, P("100"));
  EXPECT_DOUBLE_EQ(seen[1].second, 3.0);
  EXPECT_EQ(seen[2].first, P("101"));
  EXPECT_DOUBLE_EQ(seen[2].second, 1.5);
}

TEST(TradedVolumeProfile, ExpiryRemovesVolumeAndEmptyBuckets) {
  TradedVolumeProfile p(P("0.5"), TCfg(Duration::Seconds(5), 2));
  p.OnTrade(At(0), P("100.0"), Q("1"));
  p.OnTrade(At(1), P("100.5"), Q("2"));
  p.OnTrade(At(2), P("101.0"), Q("1.5"));
  p.Advance(At(5));  // the 0 s trade is 5 s old: out
  EXPECT_DOUBLE_EQ(p.VolumeAt(P("100")), 2.0);
  EXPECT_DOUBLE_EQ(p.total(), 3.5);
  EXPECT_EQ(p.Vpoc(), P("100"));
  p.Advance(At(6));  // the 1 s trade goes: bucket 100 is empty and removed
  EXPECT_EQ(p.buckets(), 1u);
  EXPECT_DOUBLE_EQ(p.VolumeAt(P("100")), 0.0);
  EXPECT_EQ(p.Vpoc(), P("101"));
  // A new trade expires the rest first.
  p.OnTrade(At(20), P("90"), Q("0.25"));
  EXPECT_EQ(p.buckets(), 1u);
  EXPECT_DOUBLE_EQ(p.total(), 0.25);
  EXPECT_EQ(p.Vpoc(), P("90"));
  p.Advance(At(30));
  EXPECT_EQ(p.total(), 0.0);  // exact
  EXPECT_FALSE(p.Vpoc().has_value());
}

TEST(TradedVolumeProfile, VpocTieGoesToTheLowerBucket) {
  TradedVolumeProfile p(P("1"), TCfg(Duration::Seconds(60), 1));
  p.OnTrade(At(0), P("105"), Q("3"));
  p.OnTrade(At(1), P("103"), Q("3"));
  p.OnTrade(At(2), P("104"), Q("1"));
  EXPECT_EQ(p.Vpoc(), P("103"));
}

TEST(TradedVolumeProfile, BucketsAreFloorAlignedBelowZero) {
  // Tick 1, 2-tick buckets: -1 is in [-2, -1], 0 and 1 in [0, 1].
  TradedVolumeProfile p(P("1"), TCfg(Duration::Seconds(60), 2));
  p.OnTrade(At(0), P("-1"), Q("1"));
  p.OnTrade(At(0), P("1"), Q("2"));
  p.OnTrade(At(0), P("0"), Q("0"));  // ignored
  EXPECT_DOUBLE_EQ(p.VolumeAt(P("-2")), 1.0);
  EXPECT_DOUBLE_EQ(p.VolumeAt(P("0")), 2.0);
  std::vector<Price> lows;
  p.ForEach([&](Price low, double) { lows.push_back(low); });
  EXPECT_EQ(lows, (std::vector<Price>{P("-2"), P("0")}));
}

}  // namespace
}  // namespace hean
