#include "hean/core/time.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <string>
#include <type_traits>
#include <utility>

#include "hean/core/test_support.h"

namespace hean {
namespace {

// A point plus a point is meaningless; the types must refuse it.
template <class A, class B>
inline constexpr bool Addable = testing_support::kAddable<A, B>;
static_assert(!Addable<UnixNanos, UnixNanos>);
static_assert(Addable<UnixNanos, Duration>);
static_assert(Addable<Duration, Duration>);
static_assert(!std::is_convertible_v<std::int64_t, UnixNanos>);
static_assert(!std::is_convertible_v<std::int64_t, Duration>);
static_assert(!std::is_convertible_v<UnixNanos, Duration>);
static_assert(std::is_same_v<decltype(UnixNanos() - UnixNanos()), Duration>);
static_assert(std::is_same_v<decltype(UnixNanos() - Duration()), UnixNanos>);
static_assert(sizeof(UnixNanos) == 8 && sizeof(Duration) == 8);
static_assert(Duration::Seconds(1) == Duration::Millis(1000));  // constexpr

constexpr std::int64_t kNsPerSec = 1'000'000'000;
constexpr std::int64_t kNsPerDay = 86'400 * kNsPerSec;

TEST(Duration, FactoriesConvertExactly) {
  EXPECT_EQ(Duration().nanos(), 0);
  EXPECT_EQ(Duration::Zero().nanos(), 0);
  EXPECT_EQ(Duration::Nanos(7).nanos(), 7);
  EXPECT_EQ(Duration::Micros(7).nanos(), 7'000);
  EXPECT_EQ(Duration::Millis(7).nanos(), 7'000'000);
  EXPECT_EQ(Duration::Seconds(7).nanos(), 7'000'000'000);
  EXPECT_EQ(Duration::Minutes(2), Duration::Seconds(120));
  EXPECT_EQ(Duration::Hours(1), Duration::Minutes(60));
  EXPECT_EQ(Duration::Hours(24).nanos(), kNsPerDay);
  EXPECT_EQ(Duration::Millis(-3).nanos(), -3'000'000);
  EXPECT_EQ(Duration::Max().nanos(), std::numeric_limits<std::int64_t>::max());
}

TEST(Duration, AccessorsTruncateTowardZero) {
  const Duration d = Duration::Nanos(1'999'999'999);
  EXPECT_EQ(d.micros(), 1'999'999);
  EXPECT_EQ(d.millis(), 1'999);
  EXPECT_EQ(d.seconds(), 1);
  const Duration n = Duration::Nanos(-1'999'999'999);
  EXPECT_EQ(n.micros(), -1'999'999);
  EXPECT_EQ(n.millis(), -1'999);
  EXPECT_EQ(n.seconds(), -1);
  EXPECT_EQ(Duration::Nanos(-1).micros(), 0);
  EXPECT_DOUBLE_EQ(Duration::Millis(1500).ToSecondsDouble(), 1.5);
  EXPECT_DOUBLE_EQ(Duration::Micros(-250).ToSecondsDouble(), -0.00025);
}

TEST(Duration, Arithmetic) {
  const Duration a = Duration::Millis(150);
  const Duration b = Duration::Micros(250);
  EXPECT_EQ((a + b).nanos(), 150'250'000);
  EXPECT_EQ((a - b).nanos(), 149'750'000);
  EXPECT_EQ((b - a).nanos(), -149'750'000);
  EXPECT_EQ(-a, Duration::Millis(-150));
  EXPECT_EQ(a * 4, Duration::Millis(600));
  EXPECT_EQ(a * -1, -a);
  EXPECT_EQ(a / 3, Duration::Millis(50));
  EXPECT_EQ(Duration::Nanos(10) / 3, Duration::Nanos(3));  // truncates
  Duration c = a;
  c += b;
  EXPECT_EQ(c.nanos(), 150'250'000);
  c -= b;
  EXPECT_EQ(c, a);
}

TEST(Duration, Comparison) {
  EXPECT_LT(Duration::Micros(999), Duration::Millis(1));
  EXPECT_GT(Duration::Seconds(1), Duration::Millis(999));
  EXPECT_EQ(Duration::Seconds(60), Duration::Minutes(1));
  EXPECT_NE(Duration::Nanos(1), Duration::Zero());
  EXPECT_LT(Duration::Nanos(-1), Duration::Zero());
  EXPECT_LE(Duration::Zero(), Duration());
  EXPECT_LT(Duration::Hours(1'000'000), Duration::Max());
}

TEST(Duration, ToStringUsesLargestUnitExactly) {
  EXPECT_EQ(Duration::Millis(150).ToString(), "150ms");
  EXPECT_EQ(Duration::Nanos(250).ToString(), "250ns");
  EXPECT_EQ(Duration::Micros(-3).ToString(), "-3us");
  EXPECT_EQ(Duration::Zero().ToString(), "0ns");
  EXPECT_EQ(Duration::Seconds(2).ToString(), "2s");
  EXPECT_EQ(Duration::Seconds(-2).ToString(), "-2s");
  EXPECT_EQ(Duration::Minutes(1).ToString(), "60s");
  EXPECT_EQ(Duration::Millis(1).ToString(), "1ms");
  EXPECT_EQ(Duration::Millis(-999).ToString(), "-999ms");
  EXPECT_EQ(Duration::Micros(1'001).ToString(), "1.001ms");
  EXPECT_EQ(Duration::Nanos(1'000'001).ToString(), "1.000001ms");
  EXPECT_EQ(Duration::Nanos(2'500).ToString(), "2.5us");
  EXPECT_EQ(Duration::Nanos(INT64_MIN).ToString(), "-9223372036.854775808s");
  EXPECT_EQ(Duration::Nanos(1).ToString(), "1ns");
  EXPECT_EQ(Duration::Nanos(-1).ToString(), "-1ns");
}

// The header's own example: 1.5 seconds prints as "1.5s", and the text must
// stay exact, so sub-millisecond digits are not lost.
TEST(Duration, ToStringFractionalSecondsIsExact) {
  EXPECT_EQ(Duration::Millis(1'500).ToString(), "1.5s");
  EXPECT_EQ(Duration::Millis(-1'500).ToString(), "-1.5s");
  EXPECT_EQ(Duration::Nanos(1'234'500'000).ToString(), "1.2345s");
}

TEST(UnixNanos, FactoriesAndAccessors) {
  // Binance event time (ms) and our receive time (ns) from the capture.
  const UnixNanos e = UnixNanos::FromMillis(1'721'347'022'504);
  EXPECT_EQ(e.nanos(), 1'721'347'022'504'000'000);
  EXPECT_EQ(e.micros(), 1'721'347'022'504'000);
  EXPECT_EQ(e.millis(), 1'721'347'022'504);
  const UnixNanos r = UnixNanos::FromNanos(1'721'347'020'984'480'942);
  EXPECT_EQ(r.micros(), 1'721'347'020'984'480);
  EXPECT_EQ(r.millis(), 1'721'347'020'984);
  EXPECT_EQ(UnixNanos::FromMicros(1'721'347'020'984'480).nanos(), 1'721'347'020'984'480'000);
  EXPECT_EQ(UnixNanos::FromSeconds(1'721'347'020).nanos(), 1'721'347'020'000'000'000);
  EXPECT_TRUE(UnixNanos().IsZero());
  EXPECT_FALSE(r.IsZero());
  EXPECT_EQ(UnixNanos::Min().nanos(), std::numeric_limits<std::int64_t>::min());
  EXPECT_EQ(UnixNanos::Max().nanos(), std::numeric_limits<std::int64_t>::max());
  EXPECT_LT(UnixNanos::Min(), UnixNanos());
  EXPECT_LT(r, e);
}

TEST(UnixNanos, PointAndDurationArithmetic) {
  const UnixNanos recv = UnixNanos::FromNanos(1'721'347'020'984'480'942);
  const UnixNanos exch = UnixNanos::FromMillis(1'721'347'022'504);
  const Duration latency = exch - recv;
  EXPECT_EQ(latency.nanos(), 1'519'519'058);
  EXPECT_EQ(recv - exch, -latency);
  EXPECT_EQ(recv + latency, exch);
  EXPECT_EQ(exch - latency, recv);
  UnixNanos t = recv;
  t += Duration::Seconds(1);
  EXPECT_EQ(t.nanos(), recv.nanos() + kNsPerSec);
  EXPECT_GT(t, recv);
  EXPECT_EQ(t - recv, Duration::Seconds(1));
}

TEST(UnixNanos, ToIso8601KnownTimestamps) {
  struct Case {
    std::int64_t ns;
    const char* want;
  };
  const Case cases[] = {
      {1'721'347'020'984'480'942, "2024-07-18T23:57:00.984480942Z"},  // first line of the capture
      {0, "1970-01-01T00:00:00.000000000Z"},
      {1, "1970-01-01T00:00:00.000000001Z"},
      {kNsPerDay - 1, "1970-01-01T23:59:59.999999999Z"},
      {kNsPerDay, "1970-01-02T00:00:00.000000000Z"},
      // Before 1970: negative nanoseconds count back from the epoch.
      {-1, "1969-12-31T23:59:59.999999999Z"},
      {-kNsPerSec, "1969-12-31T23:59:59.000000000Z"},
      {-kNsPerSec - 1, "1969-12-31T23:59:58.999999999Z"},
      {-kNsPerDay, "1969-12-31T00:00:00.000000000Z"},
      {-kNsPerDay - 1, "1969-12-30T23:59:59.999999999Z"},
      {-365 * kNsPerDay, "1969-01-01T00:00:00.000000000Z"},
      {-2'208'988'800 * kNsPerSec, "1900-01-01T00:00:00.000000000Z"},
      {-2'208'988'800 * kNsPerSec + 123'456'789, "1900-01-01T00:00:00.123456789Z"},
      // Leap day 2024 and the day after it.
      {1'709'164'800 * kNsPerSec, "2024-02-29T00:00:00.000000000Z"},
      {1'709'251'199 * kNsPerSec + 999'999'999, "2024-02-29T23:59:59.999999999Z"},
      {1'709'251'200 * kNsPerSec, "2024-03-01T00:00:00.000000000Z"},
      // 2000 is a leap year (divisible by 400).
      {951'782'400 * kNsPerSec, "2000-02-29T00:00:00.000000000Z"},
      // 2100 is not a leap year: Feb 28 is followed by Mar 1.
      {4'107'456'000 * kNsPerSec, "2100-02-28T00:00:00.000000000Z"},
      {4'107'542'399 * kNsPerSec, "2100-02-28T23:59:59.000000000Z"},
      {4'107'542'400 * kNsPerSec, "2100-03-01T00:00:00.000000000Z"},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(UnixNanos::FromNanos(c.ns).ToIso8601(), c.want) << c.ns;
  }
}

// The ends of the int64 range format without signed overflow (checked by the
// asan preset's UBSan: the day arithmetic must not compute days * ns_per_day).
TEST(UnixNanos, ToIso8601AtRangeEnds) {
  EXPECT_EQ(UnixNanos::Max().ToIso8601(), "2262-04-11T23:47:16.854775807Z");
  EXPECT_EQ(UnixNanos::Min().ToIso8601(), "1677-09-21T00:12:43.145224192Z");
  EXPECT_EQ(UnixNanos::Min().ToIso8601Millis(), "1677-09-21T00:12:43.145Z");
  EXPECT_EQ((UnixNanos::Min() + Duration::Nanos(1)).ToIso8601(), "1677-09-21T00:12:43.145224193Z");
}

TEST(UnixNanos, ToIso8601MillisTruncates) {
  EXPECT_EQ(UnixNanos::FromNanos(1'721'347'020'984'480'942).ToIso8601Millis(), "2024-07-18T23:57:00.984Z");
  EXPECT_EQ(UnixNanos::FromMillis(1'721'347'022'504).ToIso8601Millis(), "2024-07-18T23:57:02.504Z");
  EXPECT_EQ(UnixNanos::FromNanos(999'999'999).ToIso8601Millis(), "1970-01-01T00:00:00.999Z");
  EXPECT_EQ(UnixNanos().ToIso8601Millis(), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(UnixNanos::FromNanos(-1).ToIso8601Millis(), "1969-12-31T23:59:59.999Z");
}

TEST(CivilDate, KnownDays) {
  struct Case {
    std::int64_t days;
    std::int64_t year;
    int month;
    int day;
  };
  const Case cases[] = {
      {0, 1970, 1, 1},           {-1, 1969, 12, 31},    {19'922, 2024, 7, 18}, {19'782, 2024, 2, 29},
      {19'783, 2024, 3, 1},      {11'016, 2000, 2, 29}, {11'017, 2000, 3, 1},  {47'540, 2100, 2, 28},
      {47'541, 2100, 3, 1},      {-25'567, 1900, 1, 1}, {-719'162, 1, 1, 1},   {-719'163, 0, 12, 31},
      {-719'468, 0, 3, 1},       {-719'469, 0, 2, 29},  // year 0 (1 BC) is a leap year
      {2'932'896, 9999, 12, 31},
  };
  for (const Case& c : cases) {
    const CivilDate d = CivilFromDays(c.days);
    EXPECT_EQ(d.year, c.year) << c.days;
    EXPECT_EQ(d.month, c.month) << c.days;
    EXPECT_EQ(d.day, c.day) << c.days;
    EXPECT_EQ(DaysFromCivil(c.year, c.month, c.day), c.days) << c.year << "-" << c.month << "-" << c.day;
  }
}

// Reference calendar: step one day at a time with the Gregorian leap rule.
bool IsLeap(std::int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }
int DaysInMonth(std::int64_t y, int m) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && IsLeap(y) ? 29 : kDays[m - 1];
}

TEST(CivilDate, MatchesDayByDayWalkOverThousandsOfYears) {
  constexpr std::int64_t kSpan = 1'100'000;  // about 3000 years each way
  // Forward from 1970-01-01.
  std::int64_t y = 1970;
  int m = 1;
  int d = 1;
  for (std::int64_t days = 0; days <= kSpan; ++days) {
    const CivilDate c = CivilFromDays(days);
    ASSERT_TRUE(c.year == y && c.month == m && c.day == d)
        << days << ": got " << c.year << "-" << c.month << "-" << c.day << ", want " << y << "-" << m << "-" << d;
    ASSERT_EQ(DaysFromCivil(y, m, d), days);
    if (++d > DaysInMonth(y, m)) {
      d = 1;
      if (++m > 12) {
        m = 1;
        ++y;
      }
    }
  }
  // Backward from 1969-12-31, into negative (proleptic) years.
  y = 1969;
  m = 12;
  d = 31;
  for (std::int64_t days = -1; days >= -kSpan; --days) {
    const CivilDate c = CivilFromDays(days);
    ASSERT_TRUE(c.year == y && c.month == m && c.day == d)
        << days << ": got " << c.year << "-" << c.month << "-" << c.day << ", want " << y << "-" << m << "-" << d;
    ASSERT_EQ(DaysFromCivil(y, m, d), days);
    if (--d < 1) {
      if (--m < 1) {
        m = 12;
        --y;
      }
      d = DaysInMonth(y, m);
    }
  }
  EXPECT_LT(y, -1000);  // the walk really crossed into negative years
}

TEST(CivilDate, RoundTripsOverAWideRange) {
  // Sparse sample far outside the walk: +-1e9 days (millions of years).
  for (std::int64_t days = -1'000'000'000; days <= 1'000'000'000; days += 999'983) {
    const CivilDate c = CivilFromDays(days);
    ASSERT_GE(c.month, 1);
    ASSERT_LE(c.month, 12);
    ASSERT_GE(c.day, 1);
    ASSERT_LE(c.day, DaysInMonth(c.year, c.month));
    ASSERT_EQ(DaysFromCivil(c.year, c.month, c.day), days) << days;
    // The next day is the next date.
    const CivilDate n = CivilFromDays(days + 1);
    if (c.day < DaysInMonth(c.year, c.month)) {
      ASSERT_TRUE(n.year == c.year && n.month == c.month && n.day == c.day + 1) << days;
    } else {
      ASSERT_EQ(n.day, 1) << days;
    }
  }
}

TEST(ParseDuration, UnitsAndFractions) {
  EXPECT_EQ(ParseDuration("250ms"), Duration::Millis(250));
  EXPECT_EQ(ParseDuration("10s"), Duration::Seconds(10));
  EXPECT_EQ(ParseDuration("1.5s"), Duration::Millis(1500));
  EXPECT_EQ(ParseDuration("5m"), Duration::Minutes(5));
  EXPECT_EQ(ParseDuration("1h"), Duration::Hours(1));
  EXPECT_EQ(ParseDuration("100us"), Duration::Micros(100));
  EXPECT_EQ(ParseDuration("20ns"), Duration::Nanos(20));
  EXPECT_EQ(ParseDuration("0s"), Duration::Zero());
  EXPECT_EQ(ParseDuration("0.000000001s"), Duration::Nanos(1));
}

TEST(ParseDuration, RoundTripsToString) {
  for (Duration d : {Duration::Millis(150), Duration::Micros(1500), Duration::Seconds(60), Duration::Nanos(7)}) {
    EXPECT_EQ(ParseDuration(d.ToString()), d) << d.ToString();
  }
}

TEST(ParseDuration, RejectsMalformed) {
  for (const char* bad : {"", "10", "s", "1.s5", "-1s", "1.5ns", "10 s", "10sec", "1e3ms", ".s", "99999999999999h"}) {
    EXPECT_FALSE(ParseDuration(bad).has_value()) << bad;
  }
}

}  // namespace
}  // namespace hean
