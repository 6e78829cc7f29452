// Latency models: the generator is SplitMix64 bit for bit, the random
// models replay for a seed and have roughly the documented distribution
// (loose tolerances: this is not a timing test), quantile files parse and
// interpolate, their errors name the file, the line and the rule, and the
// spec strings of MakeLatencyModel.
#include "hean/sim/latency_model.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <fstream>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "hean/core/time.h"

namespace hean {
namespace {

using ::testing::HasSubstr;

constexpr std::int64_t kUs = 1'000;
constexpr std::int64_t kMs = 1'000'000;
const UnixNanos kAt = UnixNanos::FromSeconds(1'700'000'000);

std::vector<std::int64_t> Draw(LatencyModel& m, int n) {
  std::vector<std::int64_t> out;
  out.reserve(static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) out.push_back(m.Sample(kAt + Duration::Micros(i)).nanos());
  return out;
}

double Mean(const std::vector<std::int64_t>& v) {
  double s = 0;
  for (std::int64_t x : v) s += static_cast<double>(x);
  return s / static_cast<double>(v.size());
}

double Stddev(const std::vector<std::int64_t>& v) {
  const double m = Mean(v);
  double s = 0;
  for (std::int64_t x : v) s += (static_cast<double>(x) - m) * (static_cast<double>(x) - m);
  return std::sqrt(s / static_cast<double>(v.size() - 1));
}

double Median(std::vector<std::int64_t> v) {
  std::sort(v.begin(), v.end());
  return static_cast<double>(v[v.size() / 2]);
}

std::string WriteFile(const std::string& name, std::string_view text) {
  std::string path = ::testing::TempDir();
  if (!path.empty() && path.back() != '/') path.append("/");
  path.append(name);
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  f << text;
  return path;
}

// The example of docs/SIM.md.
constexpr std::string_view kDocFile =
    "# order entry, measured 2026-11\n"
    "0    180us\n"
    "0.5  420us\n"
    "0.99 2.5ms\n"
    "1    12ms\n";

// ---------------------------------------------------------------------------
// SplitMix64

TEST(SplitMix64, MatchesTheReferenceSequence) {
  // The reference SplitMix64 (Vigna) from state 0.
  SplitMix64 r(0);
  EXPECT_EQ(r.Next(), 0xE220A8397B1DCDAFULL);
  EXPECT_EQ(r.Next(), 0x6E789E6AA1B965F4ULL);
  EXPECT_EQ(r.Next(), 0x06C45D188009454FULL);
}

TEST(SplitMix64, UnitAndNormalDraws) {
  SplitMix64 r(12345);
  double sum = 0, sum2 = 0;
  constexpr int kN = 20000;
  for (int i = 0; i < kN; ++i) {
    const double u = r.NextUnit();
    ASSERT_GE(u, 0.0);
    ASSERT_LT(u, 1.0);
  }
  for (int i = 0; i < kN; ++i) {
    const double z = r.NextNormal();
    ASSERT_TRUE(std::isfinite(z));
    sum += z;
    sum2 += z * z;
  }
  // Standard normal: mean 0 (standard error 0.007), variance 1.
  EXPECT_NEAR(sum / kN, 0.0, 0.05);
  EXPECT_NEAR(sum2 / kN, 1.0, 0.05);
}

// ---------------------------------------------------------------------------
// Constant

TEST(ConstantLatency, AlwaysTheSame) {
  ConstantLatency c(Duration::Millis(1));
  for (std::int64_t v : Draw(c, 100)) EXPECT_EQ(v, kMs);
  EXPECT_EQ(c.Describe(), "constant(1ms)");
  ConstantLatency zero(Duration::Zero());
  EXPECT_EQ(zero.Sample(kAt), Duration::Zero());
  // A negative latency is clamped to zero.
  ConstantLatency neg(Duration::Nanos(-5));
  EXPECT_EQ(neg.Sample(kAt), Duration::Zero());
  EXPECT_EQ(ConstantLatency(Duration::Micros(250)).Describe(), "constant(250us)");
  EXPECT_EQ(ConstantLatency(Duration::Nanos(1500)).Describe(), "constant(1500ns)");
  EXPECT_EQ(ConstantLatency(Duration::Seconds(2)).Describe(), "constant(2s)");
}

// ---------------------------------------------------------------------------
// Normal

TEST(NormalLatency, SameSeedSameDrawsOtherSeedOthers) {
  NormalLatency a(Duration::Millis(2), Duration::Micros(500), Duration::Zero(), 42);
  NormalLatency b(Duration::Millis(2), Duration::Micros(500), Duration::Zero(), 42);
  NormalLatency c(Duration::Millis(2), Duration::Micros(500), Duration::Zero(), 43);
  const auto da = Draw(a, 1000);
  EXPECT_EQ(da, Draw(b, 1000));
  EXPECT_NE(da, Draw(c, 1000));
}

TEST(NormalLatency, MeanAndStddevRoughlyRight) {
  NormalLatency n(Duration::Millis(2), Duration::Micros(500), Duration::Zero(), 7);
  const auto v = Draw(n, 20000);
  // Standard error of the mean: 500us / sqrt(20000) = 3.5us.
  EXPECT_NEAR(Mean(v), 2.0 * kMs, 25.0 * kUs);
  EXPECT_NEAR(Stddev(v), 500.0 * kUs, 25.0 * kUs);
  EXPECT_EQ(n.Describe(), "normal(mean=2ms, stddev=500us, floor=0ns)");
}

TEST(NormalLatency, FloorRespected) {
  // mean 1ms, stddev 1ms, floor 500us: P(N < -0.5) = 31% of the draws sit
  // on the floor, none below it.
  NormalLatency n(Duration::Millis(1), Duration::Millis(1), Duration::Micros(500), 99);
  const auto v = Draw(n, 20000);
  int at_floor = 0;
  for (std::int64_t x : v) {
    ASSERT_GE(x, 500 * kUs);
    at_floor += x == 500 * kUs ? 1 : 0;
  }
  EXPECT_NEAR(at_floor / 20000.0, 0.3085, 0.03);
  // Without a floor a wide normal is still never negative.
  NormalLatency wide(Duration::Micros(100), Duration::Millis(1), Duration::Zero(), 5);
  for (std::int64_t x : Draw(wide, 5000)) ASSERT_GE(x, 0);
}

// ---------------------------------------------------------------------------
// LogNormal

TEST(LogNormalLatency, SameSeedSameDrawsOtherSeedOthers) {
  LogNormalLatency a(Duration::Millis(1), 0.6, Duration::Micros(100), 42);
  LogNormalLatency b(Duration::Millis(1), 0.6, Duration::Micros(100), 42);
  LogNormalLatency c(Duration::Millis(1), 0.6, Duration::Micros(100), 1042);
  const auto da = Draw(a, 1000);
  EXPECT_EQ(da, Draw(b, 1000));
  EXPECT_NE(da, Draw(c, 1000));
}

TEST(LogNormalLatency, MedianMeanAndFloorRoughlyRight) {
  LogNormalLatency l(Duration::Millis(1), 0.6, Duration::Micros(100), 3);
  const auto v = Draw(l, 20000);
  for (std::int64_t x : v) ASSERT_GT(x, 100 * kUs);
  // median = floor + median = 1.1ms; mean = floor + median x exp(sigma^2 / 2)
  // = 0.1 + 1 x exp(0.18) = 0.1 + 1.1972 = 1.2972ms.
  EXPECT_NEAR(Median(v), 1.1 * kMs, 0.03 * kMs);
  EXPECT_NEAR(Mean(v), 1.2972 * kMs, 0.04 * kMs);
  // Heavy right tail: the mean is above the median.
  EXPECT_GT(Mean(v), Median(v));
  EXPECT_EQ(l.Describe(), "lognormal(median=1ms, sigma=0.600000, floor=100us)");
  // sigma 0: always floor + median.
  LogNormalLatency flat(Duration::Millis(1), 0.0, Duration::Micros(100), 3);
  for (std::int64_t x : Draw(flat, 100)) EXPECT_EQ(x, 1100 * kUs);
}

// ---------------------------------------------------------------------------
// Empirical

TEST(EmpiricalLatency, ParsesTheDocumentedFile) {
  auto e = EmpiricalLatency::Parse(kDocFile, "entry.txt", 1);
  ASSERT_TRUE(e.ok()) << e.error().message();
  const EmpiricalLatency& m = **e;
  ASSERT_EQ(m.points().size(), 4u);
  EXPECT_EQ(m.points()[2].quantile, 0.99);
  EXPECT_EQ(m.points()[2].latency, Duration::Micros(2500));
  EXPECT_EQ(m.At(0), Duration::Micros(180));
  EXPECT_EQ(m.At(0.5), Duration::Micros(420));
  EXPECT_EQ(m.At(0.99), Duration::Micros(2500));
  EXPECT_EQ(m.At(1), Duration::Millis(12));
  // Outside [0, 1]: clamped to the ends.
  EXPECT_EQ(m.At(-0.5), Duration::Micros(180));
  EXPECT_EQ(m.At(1.5), Duration::Millis(12));
  // Linear between points:
  //   0.25:  180 + (0.25 / 0.5) x (420 - 180) = 300us
  //   0.745: 420 + (0.245 / 0.49) x (2500 - 420) = 1460us
  //   0.995: 2500 + (0.005 / 0.01) x (12000 - 2500) = 7250us
  //   0.1:   180 + 0.2 x 240 = 228us
  EXPECT_EQ(m.At(0.25), Duration::Micros(300));
  EXPECT_EQ(m.At(0.745), Duration::Micros(1460));
  EXPECT_EQ(m.At(0.995), Duration::Micros(7250));
  EXPECT_EQ(m.At(0.1), Duration::Micros(228));
  EXPECT_EQ(m.Describe(), "empirical(4 points, median=420us)");
}

TEST(EmpiricalLatency, SamplesWithinTheRangeAndReplay) {
  auto a = EmpiricalLatency::Parse(kDocFile, "entry.txt", 11);
  auto b = EmpiricalLatency::Parse(kDocFile, "entry.txt", 11);
  auto c = EmpiricalLatency::Parse(kDocFile, "entry.txt", 12);
  ASSERT_TRUE(a.ok() && b.ok() && c.ok());
  const auto va = Draw(**a, 20000);
  EXPECT_EQ(va, Draw(**b, 20000));
  EXPECT_NE(va, Draw(**c, 20000));
  for (std::int64_t x : va) {
    ASSERT_GE(x, 180 * kUs);
    ASSERT_LE(x, 12 * kMs);
  }
  // Half the draws are below the 0.5 quantile, 99% below the 0.99 one.
  EXPECT_NEAR(Median(va), 420.0 * kUs, 60.0 * kUs);
  const auto below = std::count_if(va.begin(), va.end(), [](std::int64_t x) { return x <= 2500 * kUs; });
  EXPECT_NEAR(static_cast<double>(below) / 20000.0, 0.99, 0.005);
}

TEST(EmpiricalLatency, ParseAcceptsCommentsBlankLinesTabsAndCrlf) {
  auto e = EmpiricalLatency::Parse("\n# header\r\n0\t1ms # the fastest\r\n\n  1   2ms  \r\n", "f", 1);
  ASSERT_TRUE(e.ok()) << e.error().message();
  EXPECT_EQ((*e)->points().size(), 2u);
  EXPECT_EQ((*e)->At(0.5), Duration::Micros(1500));
}

struct BadFile {
  const char* what;
  const char* text;
  std::vector<const char*> want;  // substrings of the message
};

TEST(EmpiricalLatency, ParseErrorsNameFileLineAndRule) {
  const std::vector<BadFile> table = {
      {"missing unit", "# h\n0 1ms\n0.5 180\n1 2ms\n", {"lat.txt:3:", "needs a unit"}},
      {"garbage quantile", "0 1ms\nabc 2ms\n1 3ms\n", {"lat.txt:2:", "quantile \"abc\" is not a number"}},
      {"garbage latency", "0 1ms\n0.5 fast!\n1 3ms\n", {"lat.txt:2:", "latency"}},
      {"one field", "0 1ms\n\n0.5\n1 3ms\n", {"lat.txt:3:", "expected \"<quantile> <latency>\""}},
      {"quantile above 1", "0 1ms\n1.5 2ms\n", {"lat.txt", "within [0, 1]"}},
      {"empty", "# nothing\n", {"lat.txt", "at least two"}},
  };
  for (const BadFile& c : table) {
    auto e = EmpiricalLatency::Parse(c.text, "lat.txt", 1);
    ASSERT_FALSE(e.ok()) << c.what;
    EXPECT_EQ(e.error().code(), StatusCode::kInvalidArgument) << c.what;
    for (const char* w : c.want) EXPECT_THAT(e.error().message(), HasSubstr(w)) << c.what;
  }
}

// The rules checked on the whole list (quantiles increasing, latencies not
// decreasing, first quantile 0, last quantile 1) name the line of the
// offending point, not its position in the list: each file below has a
// comment on line 1, so the point sits on the line named in `want[0]`.
TEST(EmpiricalLatency, ListRuleErrorsNameTheLine) {
  const std::vector<BadFile> table = {
      {"quantile not increasing", "# h\n0 1ms\n0.5 2ms\n0.5 3ms\n1 4ms\n", {"lat.txt:4:", "quantiles must increase"}},
      {"quantile decreasing", "# h\n0 1ms\n0.5 2ms\n0.4 3ms\n1 4ms\n", {"lat.txt:4:", "quantiles must increase"}},
      {"latency decreasing", "# h\n0 1ms\n0.5 3ms\n0.9 2ms\n1 4ms\n", {"lat.txt:4:", "latencies must not decrease"}},
      {"not starting at 0", "# h\n0.1 1ms\n1 4ms\n", {"lat.txt:2:", "first quantile must be 0"}},
      {"not ending at 1", "# h\n0 1ms\n\n0.9 4ms\n", {"lat.txt:4:", "last quantile must be 1"}},
  };
  for (const BadFile& c : table) {
    auto e = EmpiricalLatency::Parse(c.text, "lat.txt", 1);
    ASSERT_FALSE(e.ok()) << c.what;
    EXPECT_EQ(e.error().code(), StatusCode::kInvalidArgument) << c.what;
    EXPECT_THAT(e.error().message(), HasSubstr("lat.txt")) << c.what;
    EXPECT_THAT(e.error().message(), HasSubstr(c.want[1])) << c.what;
    EXPECT_THAT(e.error().message(), HasSubstr(c.want[0])) << c.what;
  }
}

TEST(EmpiricalLatency, MakeChecksThePoints) {
  using P = EmpiricalLatency::Point;
  EXPECT_TRUE(EmpiricalLatency::Make({P{0, Duration::Micros(1)}, P{1, Duration::Micros(1)}}, 1).ok());
  auto one = EmpiricalLatency::Make({P{0, Duration::Micros(1)}}, 1);
  ASSERT_FALSE(one.ok());
  EXPECT_THAT(one.error().message(), HasSubstr("at least two"));
  auto neg = EmpiricalLatency::Make({P{0, Duration::Nanos(-1)}, P{1, Duration::Micros(1)}}, 1);
  ASSERT_FALSE(neg.ok());
  EXPECT_THAT(neg.error().message(), HasSubstr("point 1: latency must not be negative"));
  auto dec = EmpiricalLatency::Make({P{0, Duration::Micros(5)}, P{1, Duration::Micros(1)}}, 1);
  ASSERT_FALSE(dec.ok());
  EXPECT_THAT(dec.error().message(), HasSubstr("point 2: latencies must not decrease"));
}

TEST(EmpiricalLatency, LoadReadsAFile) {
  const std::string path = WriteFile("hean_sim_latency_ok.txt", kDocFile);
  auto e = EmpiricalLatency::Load(path, 1);
  ASSERT_TRUE(e.ok()) << e.error().message();
  EXPECT_EQ((*e)->At(0.5), Duration::Micros(420));
  // Errors name the file's path.
  const std::string bad = WriteFile("hean_sim_latency_bad.txt", "0 1ms\n1 2\n");
  auto b = EmpiricalLatency::Load(bad, 1);
  ASSERT_FALSE(b.ok());
  std::string where = bad;
  where.append(":2:");
  EXPECT_THAT(b.error().message(), HasSubstr(where));
}

TEST(EmpiricalLatency, LoadOfAMissingFileNamesThePath) {
  const std::string path = "/nonexistent/hean/latency_quantiles.txt";
  auto e = EmpiricalLatency::Load(path, 1);
  ASSERT_FALSE(e.ok());
  EXPECT_EQ(e.error().code(), StatusCode::kNotFound);
  EXPECT_THAT(e.error().message(), HasSubstr(path));
}

// ---------------------------------------------------------------------------
// ParseLatency

TEST(ParseLatency, Units) {
  struct Good {
    const char* text;
    std::int64_t ns;
  };
  for (const Good& g : std::vector<Good>{{"800ns", 800},
                                         {"250us", 250 * kUs},
                                         {"1.5ms", 1500 * kUs},
                                         {"2s", 2'000 * kMs},
                                         {"0.5s", 500 * kMs},
                                         {"0ns", 0},
                                         {" 3ms ", 3 * kMs},
                                         {"0.0015ms", 1500}}) {
    auto d = ParseLatency(g.text);
    ASSERT_TRUE(d.ok()) << g.text << ": " << d.error().message();
    EXPECT_EQ(d->nanos(), g.ns) << g.text;
  }
}

TEST(ParseLatency, Errors) {
  struct Bad {
    const char* text;
    StatusCode code;
    const char* want;
  };
  for (const Bad& b : std::vector<Bad>{{"250", StatusCode::kInvalidArgument, "needs a unit"},
                                       {"", StatusCode::kInvalidArgument, "needs a unit"},
                                       {"1.5xs", StatusCode::kInvalidArgument, "needs a unit"},
                                       {"1.5 sec", StatusCode::kInvalidArgument, "needs a unit"},
                                       {"ms", StatusCode::kInvalidArgument, "not a number"},
                                       {"1..5ms", StatusCode::kInvalidArgument, "not a number"},
                                       {"1.5 ms", StatusCode::kInvalidArgument, "not a number"},
                                       {"-1ms", StatusCode::kOutOfRange, "out of range"},
                                       {"100000000000s", StatusCode::kOutOfRange, "out of range"}}) {
    auto d = ParseLatency(b.text);
    ASSERT_FALSE(d.ok()) << b.text;
    EXPECT_EQ(d.error().code(), b.code) << b.text << ": " << d.error().message();
    EXPECT_THAT(d.error().message(), HasSubstr(b.want)) << b.text;
  }
}

// ---------------------------------------------------------------------------
// MakeLatencyModel

TEST(MakeLatencyModel, EachSpecForm) {
  const std::string file = WriteFile("hean_sim_latency_spec.txt", kDocFile);
  std::string empirical = "empirical:";
  empirical.append(file);
  struct Form {
    std::string spec;
    std::string describe;
  };
  const std::vector<Form> table = {
      {"constant:1ms", "constant(1ms)"},
      {"constant:250us", "constant(250us)"},
      {"normal:2ms,500us,200us", "normal(mean=2ms, stddev=500us, floor=200us)"},
      {"normal:2ms,500us", "normal(mean=2ms, stddev=500us, floor=0ns)"},
      {"normal: 2ms , 500us", "normal(mean=2ms, stddev=500us, floor=0ns)"},
      {"lognormal:1ms,0.6", "lognormal(median=1ms, sigma=0.600000, floor=0ns)"},
      {"lognormal:1ms,0.6,100us", "lognormal(median=1ms, sigma=0.600000, floor=100us)"},
      {empirical, "empirical(4 points, median=420us)"},
  };
  for (const Form& f : table) {
    auto m = MakeLatencyModel(f.spec, 5);
    ASSERT_TRUE(m.ok()) << f.spec << ": " << m.error().message();
    EXPECT_EQ((*m)->Describe(), f.describe) << f.spec;
  }
  EXPECT_EQ((*MakeLatencyModel("constant:1ms", 5))->Sample(kAt), Duration::Millis(1));
}

TEST(MakeLatencyModel, SeededModelsEqualTheClasses) {
  auto n = MakeLatencyModel("normal:2ms,500us,200us", 77);
  ASSERT_TRUE(n.ok());
  NormalLatency direct(Duration::Millis(2), Duration::Micros(500), Duration::Micros(200), 77);
  EXPECT_EQ(Draw(**n, 500), Draw(direct, 500));
  auto l = MakeLatencyModel("lognormal:1ms,0.6,100us", 78);
  ASSERT_TRUE(l.ok());
  LogNormalLatency ldirect(Duration::Millis(1), 0.6, Duration::Micros(100), 78);
  EXPECT_EQ(Draw(**l, 500), Draw(ldirect, 500));
}

TEST(MakeLatencyModel, BadSpecs) {
  struct Bad {
    const char* spec;
    const char* want;
  };
  const std::vector<Bad> table = {
      {"constant", "expected constant:<latency>"},
      {"constant:", "expected constant:<latency>"},
      {"constant:1ms,2ms", "expected constant:<latency>"},
      {"constant:fast", "needs a unit"},
      {"constant:5", "needs a unit"},
      {"normal:2ms", "expected normal:<mean>,<stddev>[,<floor>]"},
      {"normal:2ms,1ms,1ms,1ms", "expected normal:<mean>,<stddev>[,<floor>]"},
      {"normal:2ms,abc", "needs a unit"},
      {"normal:x,1ms", "needs a unit"},
      {"normal:2ms,1ms,zz", "needs a unit"},
      {"lognormal:1ms", "expected lognormal:<median>,<sigma>[,<floor>]"},
      {"lognormal:1ms,x", "sigma \"x\" is not a number"},
      {"lognormal:1ms,-1", "sigma must be within [0, 10]"},
      {"lognormal:1ms,11", "sigma must be within [0, 10]"},
      {"empirical:", "expected empirical:<quantile file>"},
      {"empirical", "expected empirical:<quantile file>"},
      {"gamma:1ms", "unknown kind"},
      {"", "unknown kind"},
      {"1ms", "unknown kind"},
  };
  for (const Bad& b : table) {
    auto m = MakeLatencyModel(b.spec, 1);
    ASSERT_FALSE(m.ok()) << b.spec;
    EXPECT_EQ(m.error().code(), StatusCode::kInvalidArgument) << b.spec;
    std::string quoted = "latency model \"";
    quoted.append(b.spec).append("\"");
    EXPECT_THAT(m.error().message(), HasSubstr(quoted)) << b.spec;
    EXPECT_THAT(m.error().message(), HasSubstr(b.want)) << b.spec;
  }
  // A missing quantile file: the error names the path.
  auto e = MakeLatencyModel("empirical:/nonexistent/q.txt", 1);
  ASSERT_FALSE(e.ok());
  EXPECT_EQ(e.error().code(), StatusCode::kNotFound);
  EXPECT_THAT(e.error().message(), HasSubstr("/nonexistent/q.txt"));
}

}  // namespace
}  // namespace hean
