#include "hean/analytics/volume_spike.h"

#include <gtest/gtest.h>

#include <vector>

#include "hean/analytics/test_support.h"

namespace hean {
namespace {

using testing_support::Q;

// history 6, recent 2, multiplier 1.5, min_history 4: small enough to count by hand.
VolumeSpikeConfig Small() {
  VolumeSpikeConfig c;
  c.history = 6;
  c.recent = 2;
  c.multiplier = 1.5;
  c.min_history = 4;
  return c;
}

void Feed(VolumeSpike& v, const std::vector<const char*>& sizes) {
  for (const char* s : sizes) v.OnTrade(Q(s));
}

TEST(VolumeSpike, ZeroSizesAreDropped) {
  VolumeSpike v(Small());
  Feed(v, {"0", "1", "0", "0"});
  EXPECT_EQ(v.size(), 1u);
  EXPECT_DOUBLE_EQ(v.recent_mean(), 1.0);
}

TEST(VolumeSpike, TooLittleHistoryIsASpike) {
  VolumeSpike v(Small());
  EXPECT_FALSE(v.has_history());
  EXPECT_TRUE(v.IsSpike());  // nothing at all yet
  EXPECT_EQ(v.recent_mean(), 0.0);
  EXPECT_EQ(v.baseline_mean(), 0.0);
  EXPECT_EQ(v.ratio(), 0.0);
  // Three equal sizes: recent (1, 1) is no heavier than baseline (1), yet the
  // answer is "spike" because 3 < min_history 4.
  Feed(v, {"1", "1", "1"});
  EXPECT_EQ(v.size(), 3u);
  EXPECT_FALSE(v.has_history());
  EXPECT_TRUE(v.IsSpike());
  EXPECT_DOUBLE_EQ(v.baseline_mean(), 1.0);
  EXPECT_DOUBLE_EQ(v.ratio(), 1.0);
  // The fourth gives history: recent (1, 1) = 1 is not > 1.5 * baseline (1, 1) = 1.5.
  v.OnTrade(Q("1"));
  EXPECT_TRUE(v.has_history());
  EXPECT_FALSE(v.IsSpike());
}

TEST(VolumeSpike, SpikeAndNoSpike) {
  VolumeSpike v(Small());
  // Kept 2, 2, 2, 2.5, 3: baseline = mean(2, 2, 2) = 2; recent = mean(2.5, 3) = 2.75.
  // 2.75 > 1.5 * 2 = 3? No: not a spike; ratio 2.75 / 2 = 1.375.
  Feed(v, {"2", "2", "2", "2.5", "3"});
  EXPECT_TRUE(v.has_history());
  EXPECT_DOUBLE_EQ(v.baseline_mean(), 2.0);
  EXPECT_DOUBLE_EQ(v.recent_mean(), 2.75);
  EXPECT_DOUBLE_EQ(v.ratio(), 1.375);
  EXPECT_FALSE(v.IsSpike());
  // Add 4: kept 2, 2, 2, 2.5, 3, 4; baseline = mean(2, 2, 2, 2.5) = 8.5 / 4 = 2.125;
  // recent = mean(3, 4) = 3.5; 3.5 > 1.5 * 2.125 = 3.1875: a spike; ratio 3.5 / 2.125.
  v.OnTrade(Q("4"));
  EXPECT_DOUBLE_EQ(v.baseline_mean(), 2.125);
  EXPECT_DOUBLE_EQ(v.recent_mean(), 3.5);
  EXPECT_DOUBLE_EQ(v.ratio(), 3.5 / 2.125);
  EXPECT_TRUE(v.IsSpike());
}

TEST(VolumeSpike, RingWrapsPastHistory) {
  VolumeSpike v(Small());
  // Kept 10, 1, 1, 1 | 1, 1: baseline = 13 / 4 = 3.25, recent = 1.
  Feed(v, {"10", "1", "1", "1", "1", "1"});
  EXPECT_EQ(v.size(), 6u);
  EXPECT_DOUBLE_EQ(v.baseline_mean(), 3.25);
  EXPECT_DOUBLE_EQ(v.recent_mean(), 1.0);
  // A seventh size pushes the 10 out: kept 1, 1, 1, 1 | 1, 1.
  v.OnTrade(Q("1"));
  EXPECT_EQ(v.size(), 6u);
  EXPECT_DOUBLE_EQ(v.baseline_mean(), 1.0);
  EXPECT_DOUBLE_EQ(v.ratio(), 1.0);
  EXPECT_FALSE(v.IsSpike());
  // Kept 1, 1, 1, 1 | 2, 2: recent 2 > 1.5 * 1.
  Feed(v, {"2", "2"});
  EXPECT_DOUBLE_EQ(v.recent_mean(), 2.0);
  EXPECT_DOUBLE_EQ(v.baseline_mean(), 1.0);
  EXPECT_TRUE(v.IsSpike());
  // Kept 1, 1, 2, 2 | 1, 1: baseline = 6 / 4 = 1.5, recent = 1, ratio 2/3.
  Feed(v, {"1", "1"});
  EXPECT_DOUBLE_EQ(v.baseline_mean(), 1.5);
  EXPECT_DOUBLE_EQ(v.recent_mean(), 1.0);
  EXPECT_DOUBLE_EQ(v.ratio(), 1.0 / 1.5);
  EXPECT_FALSE(v.IsSpike());
  // Two more laps of the ring with 0.5s; the running sums stay exact:
  // kept 0.5 x 6 (the zero between is dropped).
  Feed(v, {"0.5", "0.5", "0.5", "0", "0.5", "0.5", "0.5", "0.5", "0.5", "0.5", "0.5", "0.5", "0.5"});
  EXPECT_EQ(v.size(), 6u);
  EXPECT_EQ(v.baseline_mean(), 0.5);
  EXPECT_EQ(v.recent_mean(), 0.5);
  EXPECT_EQ(v.ratio(), 1.0);
}

TEST(VolumeSpike, DefaultConfig) {
  VolumeSpike v(VolumeSpikeConfig{});
  // 9 sizes < min_history 10: assumed spike.
  for (int i = 0; i < 9; ++i) v.OnTrade(Qty::FromInt(1));
  EXPECT_FALSE(v.has_history());
  EXPECT_TRUE(v.IsSpike());
  v.OnTrade(Qty::FromInt(1));
  EXPECT_TRUE(v.has_history());
  EXPECT_FALSE(v.IsSpike());  // 1 is not > 1.2 * 1
  // Sixty more: size capped at history 50.
  for (int i = 0; i < 60; ++i) v.OnTrade(Qty::FromInt(1));
  EXPECT_EQ(v.size(), 50u);
}

TEST(VolumeSpikeConfig, ValidateNamesTheKey) {
  EXPECT_TRUE(VolumeSpikeConfig{}.Validate().ok());
  EXPECT_TRUE(Small().Validate().ok());
  testing_support::ExpectEachFailsWith<VolumeSpikeConfig>({
      {[](auto& c) { c.history = 3; },  // not > recent 3
       "analytics.volume_spike.history: must be > analytics.volume_spike.recent (3), got 3"},
      {[](auto& c) { c.recent = 0; }, "analytics.volume_spike.recent: must be >= 1, got 0"},
      {[](auto& c) { c.multiplier = -1.0; }, "analytics.volume_spike.multiplier: must be > 0, got -1"},
      {[](auto& c) { c.min_history = 3; },  // not > recent 3
       "analytics.volume_spike.min_history: must be > analytics.volume_spike.recent (3) and <= "
       "analytics.volume_spike.history (50), got 3"},
      {[](auto& c) { c.min_history = 51; },  // > history 50
       "analytics.volume_spike.min_history: must be > analytics.volume_spike.recent (3) and <= "
       "analytics.volume_spike.history (50), got 51"},
  });
}

}  // namespace
}  // namespace hean
