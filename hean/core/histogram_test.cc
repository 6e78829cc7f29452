#include "hean/core/histogram.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <limits>
#include <vector>

namespace hean {
namespace {

using H = LatencyHistogram;
constexpr std::uint64_t kU64Max = std::numeric_limits<std::uint64_t>::max();

TEST(LatencyHistogram, EmptyReportsZeros) {
  const H h;
  EXPECT_EQ(h.count(), 0u);
  EXPECT_EQ(h.min(), 0u);
  EXPECT_EQ(h.max(), 0u);
  EXPECT_EQ(h.mean(), 0.0);
  for (const double q : {0.0, 0.5, 0.99, 1.0}) EXPECT_EQ(h.Percentile(q), 0u) << q;
}

TEST(LatencyHistogram, SmallValuesAreExact) {
  for (std::uint64_t v = 0; v < 16; ++v) {
    EXPECT_EQ(H::Index(v), static_cast<int>(v));
    EXPECT_EQ(H::UpperBound(static_cast<int>(v)), v);
  }
  H h;
  for (std::uint64_t v = 0; v < 16; ++v) h.Record(v);
  EXPECT_EQ(h.count(), 16u);
  EXPECT_EQ(h.min(), 0u);
  EXPECT_EQ(h.max(), 15u);
  EXPECT_DOUBLE_EQ(h.mean(), 7.5);
  // Nearest rank: rank = ceil(q * 16); the value at that 1-based rank is rank - 1.
  EXPECT_EQ(h.Percentile(0.5), 7u);
  EXPECT_EQ(h.Percentile(0.25), 3u);
  EXPECT_EQ(h.Percentile(1.0 / 16), 0u);
  EXPECT_EQ(h.Percentile(0.9), 14u);  // ceil(14.4) = 15
  EXPECT_EQ(h.Percentile(1.0), 15u);
  EXPECT_EQ(h.Percentile(0.0), 0u);
}

TEST(LatencyHistogram, BucketsTileTheRangeWithoutGaps) {
  EXPECT_EQ(H::Index(0), 0);
  EXPECT_EQ(H::Index(kU64Max), H::kBuckets - 1);
  EXPECT_EQ(H::UpperBound(H::kBuckets - 1), kU64Max);
  for (int i = 0; i + 1 < H::kBuckets; ++i) {
    const std::uint64_t hi = H::UpperBound(i);
    ASSERT_EQ(H::Index(hi), i) << "bucket " << i;
    ASSERT_EQ(H::Index(hi + 1), i + 1) << "bucket " << i;
    ASSERT_LT(hi, H::UpperBound(i + 1));
  }
}

TEST(LatencyHistogram, BucketWidthBelowOneEighthOfItsLowerBound) {
  for (int i = H::kLinear; i < H::kBuckets; ++i) {
    const std::uint64_t lo = H::UpperBound(i - 1) + 1;
    const std::uint64_t hi = H::UpperBound(i);
    // (hi - lo) / lo < 1/8, in integers.
    ASSERT_LT((hi - lo) * 8, lo) << "bucket " << i << " [" << lo << ", " << hi << "]";
  }
}

TEST(LatencyHistogram, RelativeErrorBelowTwelvePointFivePercentOverASweep) {
  // Dense for small values, then geometric with odd offsets up to 2^64 - 1.
  std::vector<std::uint64_t> values;
  for (std::uint64_t v = 0; v < 100'000; ++v) values.push_back(v);
  for (double x = 1e5; x < 1.8e19; x *= 1.0137) values.push_back(static_cast<std::uint64_t>(x) | 1);
  for (int b = 4; b < 64; ++b) {
    const std::uint64_t p = std::uint64_t{1} << b;
    values.insert(values.end(), {p - 1, p, p + 1});
  }
  values.push_back(kU64Max);
  for (const std::uint64_t v : values) {
    const std::uint64_t ub = H::UpperBound(H::Index(v));
    ASSERT_GE(ub, v);
    // (ub - v) / v < 1/8, in integers (a double rounds 2^-3 - 2^-57 to 2^-3).
    ASSERT_LT((ub - v) * 8, std::max<std::uint64_t>(v, 1)) << v;
  }
}

TEST(LatencyHistogram, PercentilesOfUniformDistribution) {
  H h;
  for (std::uint64_t v = 1; v <= 1000; ++v) h.Record(v);
  EXPECT_EQ(h.count(), 1000u);
  EXPECT_EQ(h.min(), 1u);
  EXPECT_EQ(h.max(), 1000u);
  EXPECT_DOUBLE_EQ(h.mean(), 500.5);
  // Exact answers: the bucket upper bound of the true value, capped at max.
  EXPECT_EQ(h.Percentile(0.5), 511u);    // 500 is in [480, 511]
  EXPECT_EQ(h.Percentile(0.01), 10u);    // exact below 16
  EXPECT_EQ(h.Percentile(0.99), 1000u);  // 990 is in [960, 1023], capped at 1000
  EXPECT_EQ(h.Percentile(1.0), 1000u);
  EXPECT_EQ(h.Percentile(0.0), 1u);
  // Every percentile is within 12.5% above the true order statistic.
  for (int i = 1; i <= 1000; ++i) {
    const double q = i / 1000.0;
    const std::uint64_t got = h.Percentile(q);
    const auto truth = static_cast<std::uint64_t>(i);
    EXPECT_GE(got, truth) << q;
    EXPECT_LT(static_cast<double>(got - truth), 0.125 * static_cast<double>(truth)) << q;
  }
  // Monotone in q.
  for (int i = 1; i <= 1000; ++i) EXPECT_LE(h.Percentile((i - 1) / 1000.0), h.Percentile(i / 1000.0));
}

TEST(LatencyHistogram, PercentilesOfBimodalDistribution) {
  H h;
  for (int i = 0; i < 900; ++i) h.Record(100);        // fast path: 100 ns
  for (int i = 0; i < 100; ++i) h.Record(1'000'000);  // slow path: 1 ms
  EXPECT_EQ(h.Percentile(0.5), 103u);                 // 100 is in [96, 103]
  EXPECT_EQ(h.Percentile(0.9), 103u);                 // rank 900 is the last fast sample
  EXPECT_EQ(h.Percentile(0.91), 1'000'000u);
  EXPECT_EQ(h.Percentile(0.999), 1'000'000u);
  EXPECT_EQ(h.min(), 100u);
  EXPECT_EQ(h.max(), 1'000'000u);
  EXPECT_DOUBLE_EQ(h.mean(), (900.0 * 100 + 100.0 * 1'000'000) / 1000.0);
}

TEST(LatencyHistogram, ConstantSamplesReportTheValueItself) {
  H h;
  for (int i = 0; i < 10; ++i) h.Record(12'345);
  for (const double q : {0.0, 0.01, 0.5, 0.99, 1.0}) EXPECT_EQ(h.Percentile(q), 12'345u) << q;
}

TEST(LatencyHistogram, QuantileOutsideUnitIntervalIsClamped) {
  H h;
  for (std::uint64_t v = 1; v <= 100; ++v) h.Record(v);
  EXPECT_EQ(h.Percentile(-1.0), 1u);
  EXPECT_EQ(h.Percentile(2.0), 100u);
}

TEST(LatencyHistogram, ExtremeValues) {
  H h;
  h.Record(kU64Max);
  h.Record(0);
  EXPECT_EQ(h.max(), kU64Max);
  EXPECT_EQ(h.min(), 0u);
  EXPECT_EQ(h.Percentile(1.0), kU64Max);
  EXPECT_EQ(h.Percentile(0.5), 0u);
}

TEST(LatencyHistogram, MergeEqualsRecordingEverything) {
  H all;
  H a;
  H b;
  std::uint64_t x = 88172645463325252ULL;
  for (int i = 0; i < 20'000; ++i) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    const std::uint64_t v = x % (i % 2 ? 1'000 : 10'000'000);  // two different ranges
    all.Record(v);
    (i % 3 == 0 ? a : b).Record(v);
  }
  H merged = a;
  merged.Merge(b);
  EXPECT_EQ(merged.count(), all.count());
  EXPECT_EQ(merged.min(), all.min());
  EXPECT_EQ(merged.max(), all.max());
  EXPECT_DOUBLE_EQ(merged.mean(), all.mean());
  for (int i = 0; i <= 1000; ++i) {
    const double q = i / 1000.0;
    EXPECT_EQ(merged.Percentile(q), all.Percentile(q)) << q;
  }
}

TEST(LatencyHistogram, MergeWithEmpty) {
  H h;
  h.Record(5);
  h.Record(500);
  H empty;
  H copy = h;
  copy.Merge(empty);
  EXPECT_EQ(copy.count(), 2u);
  EXPECT_EQ(copy.min(), 5u);
  EXPECT_EQ(copy.max(), 500u);

  H into_empty;
  into_empty.Merge(h);
  EXPECT_EQ(into_empty.count(), 2u);
  EXPECT_EQ(into_empty.min(), 5u);
  EXPECT_EQ(into_empty.max(), 500u);
  EXPECT_EQ(into_empty.Percentile(0.5), h.Percentile(0.5));

  H both_empty;
  both_empty.Merge(empty);
  EXPECT_EQ(both_empty.count(), 0u);
  EXPECT_EQ(both_empty.min(), 0u);
  EXPECT_EQ(both_empty.max(), 0u);
  EXPECT_EQ(both_empty.Percentile(0.5), 0u);
}

TEST(LatencyHistogram, ResetClearsEverything) {
  H h;
  for (std::uint64_t v = 1; v <= 100; ++v) h.Record(v * 1000);
  h.Reset();
  EXPECT_EQ(h.count(), 0u);
  EXPECT_EQ(h.min(), 0u);
  EXPECT_EQ(h.max(), 0u);
  EXPECT_EQ(h.mean(), 0.0);
  EXPECT_EQ(h.Percentile(0.5), 0u);
  h.Record(7);
  EXPECT_EQ(h.min(), 7u);
  EXPECT_EQ(h.max(), 7u);
  EXPECT_EQ(h.Percentile(0.5), 7u);
}

}  // namespace
}  // namespace hean
