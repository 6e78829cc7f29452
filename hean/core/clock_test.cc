#include "hean/core/clock.h"

#include <gtest/gtest.h>

#include <string>
#include <type_traits>

namespace hean {
namespace {

static_assert(std::is_base_of_v<Clock, RealClock>);
static_assert(std::is_base_of_v<Clock, SimClock>);
static_assert(std::is_abstract_v<Clock>);

constexpr UnixNanos kT0 = UnixNanos::FromNanos(1'721'347'020'984'480'942);  // capture start

TEST(SimClock, StartsAtEpochOrGivenTime) {
  EXPECT_EQ(SimClock().Now(), UnixNanos());
  EXPECT_EQ(SimClock(kT0).Now(), kT0);
}

TEST(SimClock, AdvanceToMovesForward) {
  SimClock clock(kT0);
  const UnixNanos t1 = kT0 + Duration::Millis(3);
  ASSERT_TRUE(clock.AdvanceTo(t1).ok());
  EXPECT_EQ(clock.Now(), t1);
  ASSERT_TRUE(clock.AdvanceTo(t1 + Duration::Nanos(1)).ok());
  EXPECT_EQ(clock.Now(), t1 + Duration::Nanos(1));
}

TEST(SimClock, AdvanceToSameTimeIsAllowed) {
  SimClock clock(kT0);
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(clock.AdvanceTo(kT0).ok());  // many events share a timestamp
    EXPECT_EQ(clock.Now(), kT0);
  }
}

TEST(SimClock, AdvanceToBackwardsFailsAndLeavesClockUnchanged) {
  SimClock clock(kT0);
  const Status s = clock.AdvanceTo(kT0 - Duration::Nanos(1));
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(s.code(), StatusCode::kFailedPrecondition);
  EXPECT_FALSE(s.message().empty());
  EXPECT_EQ(clock.Now(), kT0);

  const Status far = clock.AdvanceTo(UnixNanos());
  EXPECT_EQ(far.code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(clock.Now(), kT0);

  // Still usable afterwards.
  ASSERT_TRUE(clock.AdvanceTo(kT0 + Duration::Seconds(1)).ok());
  EXPECT_EQ(clock.Now(), kT0 + Duration::Seconds(1));
}

TEST(SimClock, BackwardsErrorNamesBothTimes) {
  SimClock clock(kT0);
  const Status s = clock.AdvanceTo(kT0 - Duration::Millis(5));
  EXPECT_NE(s.message().find("2024-07-18T23:57:00.984480942Z"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("2024-07-18T23:57:00.979480942Z"), std::string::npos) << s.message();
}

TEST(SimClock, AdvanceBy) {
  SimClock clock(kT0);
  ASSERT_TRUE(clock.AdvanceBy(Duration::Micros(250)).ok());
  EXPECT_EQ(clock.Now(), kT0 + Duration::Micros(250));
  ASSERT_TRUE(clock.AdvanceBy(Duration::Zero()).ok());
  EXPECT_EQ(clock.Now(), kT0 + Duration::Micros(250));
}

TEST(SimClock, AdvanceByNegativeFailsAndLeavesClockUnchanged) {
  SimClock clock(kT0);
  const Status s = clock.AdvanceBy(Duration::Nanos(-1));
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_FALSE(s.message().empty());
  EXPECT_EQ(clock.Now(), kT0);
}

TEST(SimClock, ReadThroughClockInterface) {
  SimClock sim(kT0);
  const Clock& clock = sim;
  EXPECT_EQ(clock.Now(), kT0);
  ASSERT_TRUE(sim.AdvanceBy(Duration::Seconds(2)).ok());
  EXPECT_EQ(clock.Now(), kT0 + Duration::Seconds(2));
}

TEST(RealClock, IsPlausibleWallClockTime) {
  const RealClock real;
  const Clock& clock = real;
  const UnixNanos a = clock.Now();
  const UnixNanos b = clock.Now();
  const UnixNanos y2024 = UnixNanos::FromSeconds(1'704'067'200);  // 2024-01-01T00:00:00Z
  const UnixNanos y2200 = UnixNanos::FromSeconds(7'258'118'400);  // 2200-01-01T00:00:00Z
  EXPECT_GT(a, y2024) << a.ToIso8601();
  EXPECT_LT(a, y2200) << a.ToIso8601();
  EXPECT_GT(b, y2024) << b.ToIso8601();
  // Wall-clock time may step (NTP), so only a loose bound on two reads.
  const Duration gap = b - a;
  EXPECT_LT(gap < Duration::Zero() ? -gap : gap, Duration::Hours(1));
}

}  // namespace
}  // namespace hean
