#include "hean/risk/correlation.h"

#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <cstdint>
#include <span>
#include <vector>

namespace hean {
namespace {

constexpr InstrumentId kA{0};
constexpr InstrumentId kB{1};
constexpr InstrumentId kC{2};

// The default grid step: boundary k is k minutes since the epoch.
UnixNanos At(std::int64_t boundary) { return UnixNanos::FromSeconds(boundary * 60); }
UnixNanos Sec(std::int64_t s) { return UnixNanos::FromSeconds(s); }

CorrelationConfig Config(std::size_t window, std::size_t min_samples) {
  CorrelationConfig c;
  c.window = window;
  c.min_samples = min_samples;
  return c;
}

// Walks the price of one instrument along the grid with chosen log returns:
// one price exactly on each boundary, so the return recorded at boundary k is
// the k-th step's.
class Walker {
 public:
  Walker(ReturnCorrelation& corr, InstrumentId id, std::int64_t start = 0, double price = 100.0)
      : corr_(corr), id_(id), index_(start), price_(price) {
    corr_.OnPrice(id_, price_, At(index_));
  }

  void Step(double r) {
    price_ *= std::exp(r);
    ++index_;
    corr_.OnPrice(id_, price_, At(index_));
  }

  // A boundary is final only once a later price arrives: the same price one
  // nanosecond later (in the next boundary, where the next Step also lands)
  // records the last step's return now.
  void Close() { corr_.OnPrice(id_, price_, At(index_) + Duration::Nanos(1)); }

  void Walk(std::span<const double> returns) {
    for (const double r : returns) Step(r);
    Close();
  }

  std::int64_t index() const { return index_; }

 private:
  ReturnCorrelation& corr_;
  InstrumentId id_;
  std::int64_t index_;
  double price_;
};

// Row `row` of the 8 x 8 Sylvester-Hadamard matrix, scaled to returns of
// +-1%. Rows 1..7 have mean 0 and are pairwise orthogonal: uncorrelated.
std::vector<double> Walsh(unsigned row, double scale = 0.01) {
  std::vector<double> out;
  for (unsigned j = 0; j < 8; ++j) out.push_back(__builtin_popcount(row & j) % 2 == 0 ? scale : -scale);
  return out;
}

std::vector<double> Negated(std::vector<double> v) {
  for (double& x : v) x = -x;
  return v;
}

// A fixed, irregular return pattern (not constant, not a Walsh row).
std::vector<double> Pattern(std::size_t n, std::uint64_t seed) {
  std::vector<double> out;
  std::uint64_t x = seed;
  for (std::size_t i = 0; i < n; ++i) {
    x = x * 6364136223846793005ULL + 1442695040888963407ULL;
    out.push_back(static_cast<double>(static_cast<std::int64_t>(x >> 33) % 2001 - 1000) * 1e-5);
  }
  return out;
}

std::vector<InstrumentId> Ids(std::uint32_t n) {
  std::vector<InstrumentId> ids;
  for (std::uint32_t i = 0; i < n; ++i) ids.push_back(InstrumentId{i});
  return ids;
}

// ---------------------------------------------------------------- config

TEST(CorrelationConfig, DefaultsAreValid) { EXPECT_TRUE(CorrelationConfig{}.Validate().ok()); }

TEST(CorrelationConfig, MessagesNameTheKey) {
  struct Case {
    CorrelationConfig config;
    const char* key;
  };
  CorrelationConfig zero_interval;
  zero_interval.sample_interval = Duration::Zero();
  CorrelationConfig negative_interval;
  negative_interval.sample_interval = Duration::Seconds(-1);
  const Case cases[] = {
      {zero_interval, "risk.correlation.sample_interval: "},
      {negative_interval, "risk.correlation.sample_interval: "},
      {Config(1, 2), "risk.correlation.window: "},
      {Config(CorrelationConfig::kMaxWindow + 1, 2), "risk.correlation.window: "},
      {Config(10, 1), "risk.correlation.min_samples: "},
      {Config(10, 11), "risk.correlation.min_samples: "},
  };
  for (const Case& c : cases) {
    const Status s = c.config.Validate();
    EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << c.key;
    EXPECT_EQ(s.message().rfind(c.key, 0), 0u) << s.message();
  }
}

TEST(CorrelationConfig, BoundsAreInclusive) {
  EXPECT_TRUE(Config(2, 2).Validate().ok());
  EXPECT_TRUE(Config(10, 10).Validate().ok());
  EXPECT_TRUE(Config(CorrelationConfig::kMaxWindow, 2).Validate().ok());
}

// ---------------------------------------------------------------- grid

TEST(ReturnCorrelation, GridSamplingTakesTheLastPriceAtOrBeforeEachBoundary) {
  ReturnCorrelation c;            // 60 s grid
  c.OnPrice(kA, 100.0, Sec(10));  // boundary 1 (the next one)
  c.OnPrice(kA, 105.0, Sec(30));  // boundary 1: replaces 100
  c.OnPrice(kA, 110.0, Sec(60));  // exactly on boundary 1: still boundary 1, wins
  EXPECT_EQ(c.ReturnCount(kA), 0u);
  c.OnPrice(kA, 200.0, Sec(61));  // boundary 2: closes boundary 1 at 110 (nothing before it: no return)
  EXPECT_EQ(c.ReturnCount(kA), 0u);
  c.OnPrice(kA, 220.0, Sec(100));  // boundary 2: replaces 200
  c.OnPrice(kA, 242.0, Sec(125));  // boundary 3: closes boundary 2 at 220
  ASSERT_EQ(c.ReturnCount(kA), 1u);
  EXPECT_FALSE(c.ReturnAt(kA, 1).has_value());
  EXPECT_DOUBLE_EQ(*c.ReturnAt(kA, 2), std::log(220.0 / 110.0));

  // Boundary 4 passes without a price: it carries 242 (a zero return), and the
  // move to 250 lands at boundary 5.
  c.OnPrice(kA, 250.0, Sec(300));  // boundary 5: closes 3 at 242, carries 4
  c.OnPrice(kA, 250.0, Sec(301));  // boundary 6: closes 5 at 250
  ASSERT_EQ(c.ReturnCount(kA), 4u);
  EXPECT_DOUBLE_EQ(*c.ReturnAt(kA, 3), std::log(242.0 / 220.0));
  EXPECT_EQ(*c.ReturnAt(kA, 4), 0.0);
  EXPECT_DOUBLE_EQ(*c.ReturnAt(kA, 5), std::log(250.0 / 242.0));
  EXPECT_FALSE(c.ReturnAt(kA, 6).has_value());  // boundary 6 is still open
}

TEST(ReturnCorrelation, TimesBeforeTheEpochUseTheSameGrid) {
  ReturnCorrelation c;
  c.OnPrice(kA, 100.0, Sec(-61));  // boundary -1 = -60 s (the next one)
  c.OnPrice(kA, 110.0, Sec(-60));  // exactly on boundary -1
  c.OnPrice(kA, 121.0, Sec(-1));   // boundary 0
  c.OnPrice(kA, 121.0, Sec(1));    // boundary 1: closes 0
  ASSERT_EQ(c.ReturnCount(kA), 1u);
  EXPECT_DOUBLE_EQ(*c.ReturnAt(kA, 0), std::log(121.0 / 110.0));
}

TEST(ReturnCorrelation, SilenceUpToTheWindowCarriesZeros) {
  ReturnCorrelation c(Config(3, 2));
  c.OnPrice(kA, 100.0, At(0));
  c.OnPrice(kA, 110.0, At(1));
  c.OnPrice(kA, 121.0, At(2));
  c.OnPrice(kA, 133.1, At(3));  // returns at 1, 2; boundary 3 open
  ASSERT_EQ(c.ReturnCount(kA), 2u);
  // Boundaries 4, 5, 6 (= window) pass without a price: carried.
  c.OnPrice(kA, 150.0, At(7));
  ASSERT_EQ(c.ReturnCount(kA), 3u);  // the ring of 3 holds 4, 5, 6
  EXPECT_FALSE(c.ReturnAt(kA, 3).has_value());
  EXPECT_EQ(*c.ReturnAt(kA, 4), 0.0);
  EXPECT_EQ(*c.ReturnAt(kA, 5), 0.0);
  EXPECT_EQ(*c.ReturnAt(kA, 6), 0.0);
  // The move across the silence is the return at 7.
  c.OnPrice(kA, 150.0, At(8));
  EXPECT_DOUBLE_EQ(*c.ReturnAt(kA, 7), std::log(150.0 / 133.1));
}

TEST(ReturnCorrelation, SilenceLongerThanTheWindowRestarts) {
  ReturnCorrelation c(Config(3, 2));
  c.OnPrice(kA, 100.0, At(0));
  c.OnPrice(kA, 110.0, At(1));
  c.OnPrice(kA, 121.0, At(2));
  c.OnPrice(kA, 133.1, At(3));
  ASSERT_EQ(c.ReturnCount(kA), 2u);
  // Boundaries 4..7 (4 > window) pass without a price: restart at 8.
  c.OnPrice(kA, 150.0, At(8));
  EXPECT_EQ(c.ReturnCount(kA), 0u);
  EXPECT_FALSE(c.ReturnAt(kA, 1).has_value());
  c.OnPrice(kA, 160.0, At(9));  // closes 8: the first boundary of the new series, no return
  EXPECT_EQ(c.ReturnCount(kA), 0u);
  c.OnPrice(kA, 160.0, At(10));  // closes 9
  ASSERT_EQ(c.ReturnCount(kA), 1u);
  EXPECT_FALSE(c.ReturnAt(kA, 8).has_value());  // the move across the silence is not recorded
  EXPECT_DOUBLE_EQ(*c.ReturnAt(kA, 9), std::log(160.0 / 150.0));
}

TEST(ReturnCorrelation, OutOfOrderPricesAreIgnoredAndCounted) {
  ReturnCorrelation c;
  c.OnPrice(kA, 100.0, At(1));
  c.OnPrice(kA, 110.0, At(2));
  c.OnPrice(kA, 999.0, At(2) - Duration::Nanos(1));  // earlier than the last: ignored
  EXPECT_EQ(c.out_of_order(), 1u);
  c.OnPrice(kA, 999.0, At(1));  // ignored too
  EXPECT_EQ(c.out_of_order(), 2u);
  c.OnPrice(kA, 120.0, At(2));  // the same ts is accepted: the later price wins
  c.OnPrice(kA, 120.0, At(3));
  EXPECT_EQ(c.out_of_order(), 2u);
  ASSERT_EQ(c.ReturnCount(kA), 1u);
  EXPECT_DOUBLE_EQ(*c.ReturnAt(kA, 2), std::log(120.0 / 100.0));
  // Ordering is per instrument: another instrument may start earlier.
  c.OnPrice(kB, 50.0, At(0));
  EXPECT_EQ(c.out_of_order(), 2u);
}

TEST(ReturnCorrelation, InvalidPricesAreIgnoredAndCounted) {
  ReturnCorrelation c;
  c.OnPrice(kA, 100.0, At(1));
  c.OnPrice(kA, 0.0, At(2));
  c.OnPrice(kA, -1.0, At(2));
  c.OnPrice(kA, std::nan(""), At(2));
  c.OnPrice(kA, HUGE_VAL, At(2));
  EXPECT_EQ(c.invalid_prices(), 4u);
  c.OnPrice(kA, 110.0, At(2));
  c.OnPrice(kA, 110.0, At(3));
  EXPECT_DOUBLE_EQ(*c.ReturnAt(kA, 2), std::log(110.0 / 100.0));
}

TEST(ReturnCorrelation, VersionGrowsOnlyWhenReturnsChange) {
  ReturnCorrelation c(Config(3, 2));
  EXPECT_EQ(c.version(), 0u);
  c.OnPrice(kA, 100.0, At(0));
  c.OnPrice(kA, 101.0, At(0));  // same boundary
  EXPECT_EQ(c.version(), 0u);
  c.OnPrice(kA, 102.0, At(1));  // closes 0: nothing before it, no return
  EXPECT_EQ(c.version(), 0u);
  c.OnPrice(kA, 103.0, At(2));  // return at 1
  EXPECT_EQ(c.version(), 1u);
  c.OnPrice(kA, 104.0, At(1));  // out of order
  c.OnPrice(kA, -5.0, At(3));   // invalid
  c.OnPrice(kB, 50.0, At(2));   // a new instrument's first price
  EXPECT_EQ(c.version(), 1u);
  c.OnPrice(kA, 104.0, At(4));  // return at 2, carried zero at 3
  EXPECT_EQ(c.version(), 3u);
  c.OnPrice(kA, 104.0, At(20));  // restart: held returns dropped
  EXPECT_EQ(c.version(), 4u);
  c.OnPrice(kA, 104.0, At(40));  // restart with nothing held: no change
  EXPECT_EQ(c.version(), 4u);
}

// ---------------------------------------------------------------- correlation

TEST(ReturnCorrelation, HandComputedCorrelation) {
  // x = 1, 2, 3, 4 and y = 1, 3, 2, 4 (in %): deviations from the mean 2.5
  // are (-1.5, -.5, .5, 1.5) and (-1.5, .5, -.5, 1.5), so sxy = 4,
  // sxx = syy = 5 and rho = 0.8.
  ReturnCorrelation c(Config(4, 4));
  Walker a(c, kA);
  Walker b(c, kB);
  const std::array<double, 4> x = {0.01, 0.02, 0.03, 0.04};
  const std::array<double, 4> y = {0.01, 0.03, 0.02, 0.04};
  a.Walk(x);
  b.Walk(y);
  const auto rho = c.Correlation(kA, kB);
  ASSERT_TRUE(rho.has_value());
  EXPECT_NEAR(*rho, 0.8, 1e-9);
  EXPECT_NEAR(*c.Correlation(kB, kA), 0.8, 1e-9);
  // Eigenvalues of [[1, rho], [rho, 1]] are 1 + rho and 1 - rho.
  const std::array<InstrumentId, 2> held = {kA, kB};
  EXPECT_NEAR(c.EffectivePositions(held), std::sqrt(1.8) + std::sqrt(0.2), 1e-9);
}

TEST(ReturnCorrelation, CorrelationOverCommonIndicesOnly) {
  // B starts two boundaries later: only the indices both hold count.
  ReturnCorrelation c(Config(10, 4));
  Walker a(c, kA, 0);
  Walker b(c, kB, 2);
  const std::array<double, 6> x = {0.5, -0.5, 0.01, 0.02, 0.03, 0.04};  // returns at 1..6
  const std::array<double, 4> y = {0.01, 0.03, 0.02, 0.04};             // returns at 3..6
  a.Walk(x);
  b.Walk(y);
  EXPECT_NEAR(*c.Correlation(kA, kB), 0.8, 1e-9);
}

TEST(ReturnCorrelation, UnknownAndConstantSeriesHaveNoCorrelation) {
  ReturnCorrelation c(Config(8, 4));
  Walker a(c, kA);
  a.Walk(Walsh(1));
  EXPECT_FALSE(c.Correlation(kA, kB).has_value());  // B never priced
  EXPECT_FALSE(c.Correlation(kA, InstrumentId{}).has_value());
  Walker b(c, kB);
  const std::vector<double> flat(8, 0.0);
  b.Walk(flat);
  EXPECT_FALSE(c.Correlation(kA, kB).has_value());  // B has zero variance
  // Equal non-zero returns: constant up to rounding, also unknown.
  Walker d(c, kC);
  const std::vector<double> drift(8, std::log(1.01));
  d.Walk(drift);
  EXPECT_FALSE(c.Correlation(kA, kC).has_value());
  // A series against itself.
  EXPECT_EQ(*c.Correlation(kA, kA), 1.0);
}

TEST(ReturnCorrelation, MinSamplesBoundary) {
  ReturnCorrelation c(Config(10, 5));
  Walker a(c, kA);
  Walker b(c, kB);
  const auto x = Pattern(5, 1);
  const auto y = Pattern(5, 2);
  for (int i = 0; i < 4; ++i) {
    a.Step(x[static_cast<std::size_t>(i)]);
    b.Step(y[static_cast<std::size_t>(i)]);
  }
  a.Close();
  b.Close();
  ASSERT_EQ(c.ReturnCount(kA), 4u);
  EXPECT_FALSE(c.Correlation(kA, kB).has_value());  // min_samples - 1 common returns
  const std::array<InstrumentId, 2> held = {kA, kB};
  EXPECT_NEAR(c.EffectivePositions(held), std::sqrt(2.0), 1e-9);  // unknown counts as identical
  a.Step(x[4]);
  b.Step(y[4]);
  a.Close();
  b.Close();
  ASSERT_EQ(c.ReturnCount(kA), 5u);
  EXPECT_TRUE(c.Correlation(kA, kB).has_value());  // min_samples
}

TEST(ReturnCorrelation, WindowEvictionFollowsARegimeChange) {
  ReturnCorrelation c(Config(10, 10));
  Walker a(c, kA);
  Walker b(c, kB);
  const auto first = Pattern(10, 7);
  const auto second = Pattern(10, 8);
  // Regime 1: B moves with A.
  a.Walk(first);
  b.Walk(first);
  EXPECT_NEAR(*c.Correlation(kA, kB), 1.0, 1e-9);
  // Half-way into regime 2 (B moves against A) the window mixes both.
  for (std::size_t i = 0; i < 5; ++i) {
    a.Step(second[i]);
    b.Step(-second[i]);
  }
  a.Close();
  b.Close();
  const double mixed = *c.Correlation(kA, kB);
  EXPECT_GT(mixed, -0.9);
  EXPECT_LT(mixed, 0.9);
  for (std::size_t i = 5; i < 10; ++i) {
    a.Step(second[i]);
    b.Step(-second[i]);
  }
  a.Close();
  b.Close();
  // The window now holds regime 2 only.
  EXPECT_EQ(c.ReturnCount(kA), 10u);
  EXPECT_FALSE(c.ReturnAt(kA, 10).has_value());
  EXPECT_TRUE(c.ReturnAt(kA, 11).has_value());
  EXPECT_NEAR(*c.Correlation(kA, kB), -1.0, 1e-9);
}

// ---------------------------------------------------------------- effective positions

TEST(ReturnCorrelation, IdenticalSeriesGiveSqrtN) {
  for (const std::uint32_t n : {2u, 3u, 5u}) {
    ReturnCorrelation c(Config(20, 10));
    const auto returns = Pattern(20, 42);
    for (std::uint32_t i = 0; i < n; ++i) {
      Walker w(c, InstrumentId{i});
      w.Walk(returns);
    }
    EXPECT_NEAR(c.EffectivePositions(Ids(n)), std::sqrt(static_cast<double>(n)), 1e-9) << n;
  }
}

TEST(ReturnCorrelation, UncorrelatedSeriesGiveN) {
  // Walsh rows 1..n: zero-mean, pairwise orthogonal returns.
  for (const std::uint32_t n : {2u, 3u, 5u, 7u}) {
    ReturnCorrelation c(Config(8, 8));
    for (std::uint32_t i = 0; i < n; ++i) {
      Walker w(c, InstrumentId{i});
      w.Walk(Walsh(i + 1));
    }
    EXPECT_NEAR(*c.Correlation(InstrumentId{0}, InstrumentId{1}), 0.0, 1e-12);
    EXPECT_NEAR(c.EffectivePositions(Ids(n)), static_cast<double>(n), 1e-9) << n;
  }
}

TEST(ReturnCorrelation, PerfectlyNegativePairGivesSqrt2) {
  ReturnCorrelation c(Config(16, 8));
  Walker a(c, kA);
  Walker b(c, kB);
  const auto x = Pattern(16, 3);
  a.Walk(x);
  b.Walk(Negated(x));
  EXPECT_NEAR(*c.Correlation(kA, kB), -1.0, 1e-12);
  const std::array<InstrumentId, 2> held = {kA, kB};
  EXPECT_NEAR(c.EffectivePositions(held), std::sqrt(2.0), 1e-9);
}

TEST(ReturnCorrelation, EmptyOneAndDuplicates) {
  ReturnCorrelation c(Config(8, 8));
  Walker a(c, kA);
  Walker b(c, kB);
  a.Walk(Walsh(1));
  b.Walk(Walsh(2));
  EXPECT_EQ(c.EffectivePositions({}), 0.0);
  const std::array<InstrumentId, 1> one = {kA};
  EXPECT_EQ(c.EffectivePositions(one), 1.0);
  const std::array<InstrumentId, 1> unknown = {kC};  // never priced: still one position
  EXPECT_EQ(c.EffectivePositions(unknown), 1.0);
  const std::array<InstrumentId, 4> dup = {kA, kB, kA, kB};
  EXPECT_NEAR(c.EffectivePositions(dup), 2.0, 1e-9);
}

TEST(ReturnCorrelation, UnknownPairCountsAsIdentical) {
  // A and B are uncorrelated; C has no returns, so it counts as identical to
  // both: [[1, 0, 1], [0, 1, 1], [1, 1, 1]] has eigenvalues 1 and 1 +- sqrt(2);
  // the negative one (such a matrix is not PSD) is clamped to 0.
  ReturnCorrelation c(Config(8, 8));
  Walker a(c, kA);
  Walker b(c, kB);
  a.Walk(Walsh(1));
  b.Walk(Walsh(2));
  c.OnPrice(kC, 10.0, At(0));
  const std::array<InstrumentId, 3> held = {kA, kB, kC};
  EXPECT_NEAR(c.EffectivePositions(held), 1.0 + std::sqrt(1.0 + std::sqrt(2.0)), 1e-9);
}

TEST(ReturnCorrelation, FiftyInstrumentsStayWithinBounds) {
  // A correlation matrix over the same samples is PSD with trace n, so the
  // sum of sqrt(eigenvalue) lies between sqrt(n) and n.
  ReturnCorrelation c;  // window 60, min_samples 20
  constexpr std::uint32_t kN = 50;
  for (std::uint32_t i = 0; i < kN; ++i) {
    Walker w(c, InstrumentId{i});
    w.Walk(Pattern(60, 1000 + i));
  }
  const double e = c.EffectivePositions(Ids(kN));
  EXPECT_GE(e, std::sqrt(static_cast<double>(kN)));
  EXPECT_LE(e, static_cast<double>(kN) + 1e-9);
}

TEST(EffectiveNumberOfPositions, KnownEigenvalues) {
  // Eigenvalues 2 (along (1, 1, 1)) and 0.5 twice.
  const std::array<double, 9> m = {1, .5, .5, .5, 1, .5, .5, .5, 1};
  EXPECT_NEAR(EffectiveNumberOfPositions(m, 3), std::sqrt(2.0) + 2 * std::sqrt(0.5), 1e-12);
  // A diagonal matrix: its diagonal.
  const std::array<double, 9> d = {4, 0, 0, 0, 9, 0, 0, 0, 0};
  EXPECT_NEAR(EffectiveNumberOfPositions(d, 3), 5.0, 1e-12);
}

TEST(EffectiveNumberOfPositions, IdentityAndAllOnes) {
  for (const std::size_t n : {1u, 2u, 3u, 5u, 50u}) {
    std::vector<double> identity(n * n, 0.0);
    for (std::size_t i = 0; i < n; ++i) identity[i * n + i] = 1.0;
    EXPECT_NEAR(EffectiveNumberOfPositions(identity, n), static_cast<double>(n), 1e-9) << n;
    const std::vector<double> ones(n * n, 1.0);
    EXPECT_NEAR(EffectiveNumberOfPositions(ones, n), std::sqrt(static_cast<double>(n)), 1e-9) << n;
  }
}

TEST(EffectiveNumberOfPositions, NegativeEigenvaluesAreClamped) {
  // Pairwise correlations of -0.8 among three series cannot all hold: the
  // matrix has eigenvalues 1 + 2 * (-0.8) = -0.6 and 1.8 twice.
  const std::array<double, 9> m = {1, -.8, -.8, -.8, 1, -.8, -.8, -.8, 1};
  EXPECT_NEAR(EffectiveNumberOfPositions(m, 3), 2 * std::sqrt(1.8), 1e-12);
  // [[1, 2], [2, 1]]: eigenvalues 3 and -1.
  const std::array<double, 4> two = {1, 2, 2, 1};
  EXPECT_NEAR(EffectiveNumberOfPositions(two, 2), std::sqrt(3.0), 1e-12);
}

TEST(EffectiveNumberOfPositions, EmptyIsZero) { EXPECT_EQ(EffectiveNumberOfPositions({}, 0), 0.0); }

}  // namespace
}  // namespace hean
