#include "hean/analytics/flash_crash.h"

#include <gtest/gtest.h>

#include <optional>
#include <utility>
#include <vector>

#include "hean/analytics/test_support.h"

namespace hean {
namespace {

using testing_support::kT0;
using testing_support::P;

constexpr InstrumentId kInstrument{3};

UnixNanos At(double seconds) { return kT0 + Duration::Nanos(static_cast<std::int64_t>(seconds * 1e9)); }

// Defaults: move > 5% within 10 s, recovery > 3% within 60 s of the extreme.
FlashCrashDetector Detector() { return FlashCrashDetector(kInstrument, FlashCrashConfig{}); }

TEST(FlashCrash, DropAndRecoveryTriggers) {
  FlashCrashDetector d = Detector();
  EXPECT_FALSE(d.OnPrice(At(0), P("100")).has_value());
  EXPECT_FALSE(d.OnPrice(At(2), P("99")).has_value());
  EXPECT_FALSE(d.in_move());
  // 94 / 100 - 1 = -6% in 8 s: a crash from the window high 100 (at 0 s).
  EXPECT_FALSE(d.OnPrice(At(8), P("94")).has_value());
  EXPECT_TRUE(d.in_move());
  // 95 / 94 - 1 = 1.06%: not yet a recovery.
  EXPECT_FALSE(d.OnPrice(At(20), P("95")).has_value());
  EXPECT_TRUE(d.in_move());
  // 97.76 / 94 - 1 = 4% > 3%, 22 s after the extreme: the signature.
  const auto ev = d.OnPrice(At(30), P("97.76"));
  ASSERT_TRUE(ev.has_value());
  EXPECT_EQ(ev->ts_event, At(30));
  EXPECT_EQ(ev->ts_recv, At(30));
  EXPECT_EQ(ev->instrument, kInstrument);
  EXPECT_EQ(ev->direction, Side::kSell);
  EXPECT_EQ(ev->start_price, P("100"));
  EXPECT_EQ(ev->move_start, At(0));
  EXPECT_EQ(ev->extreme_price, P("94"));
  EXPECT_EQ(ev->extreme_time, At(8));
  EXPECT_EQ(ev->price, P("97.76"));
  EXPECT_NEAR(ev->move, 0.06, 1e-12);
  EXPECT_NEAR(ev->recovery, 0.04, 1e-12);
  EXPECT_FALSE(d.in_move());
}

TEST(FlashCrash, DropSpreadOverTwentySecondsDoesNotTrigger) {
  FlashCrashDetector d = Detector();
  // 100 -> 94 (6%) over 20 s, but within any 10 s the fall stays under 5%:
  //   6 s: from 100, 2%;  12 s: window (2, 12] high 98, 1.5%;
  //   16 s: (6, 16], 98 at 6 s is exactly 10 s old and out, high 96.5, 1.55%;
  //   20 s: (10, 20] high 96.5, 94 / 96.5 - 1 = -2.59%.
  const std::vector<std::pair<double, const char*>> path = {{0, "100"}, {6, "98"},  {12, "96.5"}, {16, "95"},
                                                            {20, "94"}, {25, "98"}, {30, "99"}};
  for (const auto& [t, p] : path) {
    EXPECT_FALSE(d.OnPrice(At(t), P(p)).has_value()) << t;
    EXPECT_FALSE(d.in_move()) << t;
  }
}

TEST(FlashCrash, MoveWindowIsHalfOpen) {
  {
    FlashCrashDetector d = Detector();
    EXPECT_FALSE(d.OnPrice(At(0), P("100")).has_value());
    EXPECT_FALSE(d.OnPrice(At(10), P("94")).has_value());  // 100 is exactly 10 s old: out
    EXPECT_FALSE(d.in_move());
  }
  {
    FlashCrashDetector d = Detector();
    EXPECT_FALSE(d.OnPrice(At(0), P("100")).has_value());
    EXPECT_FALSE(d.OnPrice(At(10) - Duration::Nanos(1), P("94")).has_value());
    EXPECT_TRUE(d.in_move());
  }
}

TEST(FlashCrash, DropWithoutEnoughRecoveryDoesNotTrigger) {
  FlashCrashDetector d = Detector();
  EXPECT_FALSE(d.OnPrice(At(0), P("100")).has_value());
  EXPECT_FALSE(d.OnPrice(At(8), P("94")).has_value());
  EXPECT_TRUE(d.in_move());
  // 96 / 94 - 1 = 2.13%, 96.5 / 94 - 1 = 2.66%, 96.8 / 94 - 1 = 2.98%: none exceeds 3%.
  EXPECT_FALSE(d.OnPrice(At(20), P("96")).has_value());
  EXPECT_FALSE(d.OnPrice(At(40), P("96.5")).has_value());
  EXPECT_FALSE(d.OnPrice(At(50), P("96.8")).has_value());
  EXPECT_TRUE(d.in_move());
}

TEST(FlashCrash, RecoveryTooLateDoesNotTrigger) {
  FlashCrashDetector d = Detector();
  EXPECT_FALSE(d.OnPrice(At(0), P("100")).has_value());
  EXPECT_FALSE(d.OnPrice(At(8), P("94")).has_value());
  // 97.76 is a 4% recovery, but 62 s after the extreme at 8 s: the watch
  // ran out, the detector re-arms at this price.
  EXPECT_FALSE(d.OnPrice(At(70), P("97.76")).has_value());
  EXPECT_FALSE(d.in_move());
  EXPECT_FALSE(d.OnPrice(At(71), P("98")).has_value());
  EXPECT_FALSE(d.in_move());
}

TEST(FlashCrash, RecoveryWindowIsHalfOpen) {
  {
    FlashCrashDetector d = Detector();
    EXPECT_FALSE(d.OnPrice(At(0), P("100")).has_value());
    EXPECT_FALSE(d.OnPrice(At(8), P("94")).has_value());
    EXPECT_FALSE(d.OnPrice(At(68), P("97.76")).has_value());  // exactly 60 s after: too late
    EXPECT_FALSE(d.in_move());
  }
  {
    FlashCrashDetector d = Detector();
    EXPECT_FALSE(d.OnPrice(At(0), P("100")).has_value());
    EXPECT_FALSE(d.OnPrice(At(8), P("94")).has_value());
    EXPECT_TRUE(d.OnPrice(At(68) - Duration::Nanos(1), P("97.76")).has_value());
  }
}

TEST(FlashCrash, SpikeUpThenDownTriggersWithDirectionBuy) {
  FlashCrashDetector d = Detector();
  EXPECT_FALSE(d.OnPrice(At(0), P("100")).has_value());
  EXPECT_FALSE(d.OnPrice(At(3), P("101")).has_value());
  // 106 / 100 - 1 = 6% in 5 s from the window low 100.
  EXPECT_FALSE(d.OnPrice(At(5), P("106")).has_value());
  EXPECT_TRUE(d.in_move());
  // 102 / 106 - 1 = -3.77%: recovered.
  const auto ev = d.OnPrice(At(10), P("102"));
  ASSERT_TRUE(ev.has_value());
  EXPECT_EQ(ev->direction, Side::kBuy);
  EXPECT_EQ(ev->instrument, kInstrument);
  EXPECT_EQ(ev->ts_event, At(10));
  EXPECT_EQ(ev->ts_recv, At(10));
  EXPECT_EQ(ev->start_price, P("100"));
  EXPECT_EQ(ev->move_start, At(0));
  EXPECT_EQ(ev->extreme_price, P("106"));
  EXPECT_EQ(ev->extreme_time, At(5));
  EXPECT_EQ(ev->price, P("102"));
  EXPECT_NEAR(ev->move, 0.06, 1e-12);
  EXPECT_NEAR(ev->recovery, 4.0 / 106.0, 1e-12);
  EXPECT_FALSE(d.in_move());
}

TEST(FlashCrash, ExtremeFollowsThePrice) {
  FlashCrashDetector d = Detector();
  EXPECT_FALSE(d.OnPrice(At(0), P("100")).has_value());
  EXPECT_FALSE(d.OnPrice(At(5), P("94.5")).has_value());  // 5.5%: a move
  EXPECT_TRUE(d.in_move());
  EXPECT_FALSE(d.OnPrice(At(7), P("93")).has_value());  // deeper: the new extreme
  // 96 / 94.5 - 1 = 1.6% from the first low, but 96 / 93 - 1 = 3.23% from the extreme.
  const auto ev = d.OnPrice(At(9), P("96"));
  ASSERT_TRUE(ev.has_value());
  EXPECT_EQ(ev->start_price, P("100"));
  EXPECT_EQ(ev->extreme_price, P("93"));
  EXPECT_EQ(ev->extreme_time, At(7));
  EXPECT_NEAR(ev->move, 0.07, 1e-12);
  EXPECT_NEAR(ev->recovery, 3.0 / 93.0, 1e-12);
}

TEST(FlashCrash, OneReportPerSignature) {
  FlashCrashDetector d = Detector();
  EXPECT_FALSE(d.OnPrice(At(0), P("100")).has_value());
  EXPECT_FALSE(d.OnPrice(At(4), P("90")).has_value());  // 10% crash
  // 93.15 / 90 - 1 = 3.5%: reported once.
  EXPECT_TRUE(d.OnPrice(At(6), P("93.15")).has_value());
  // The detector re-armed with a fresh window at 93.15. Had it kept the old
  // one, 93.5 would be a new 6.5% fall from the high 100 and, after 92.5,
  // 95.5 a 3.2% recovery: a second report of the same crash.
  int reports = 0;
  for (const char* p : {"93.5", "93", "92.5", "94", "95.5"}) {
    reports += d.OnPrice(At(7), P(p)).has_value() ? 1 : 0;
    EXPECT_FALSE(d.in_move()) << p;
  }
  EXPECT_EQ(reports, 0);
}

TEST(FlashCrash, RecoveryThatGoesOnPastMoveIsWatchedAsASpike) {
  FlashCrashDetector d = Detector();
  EXPECT_FALSE(d.OnPrice(At(0), P("100")).has_value());
  EXPECT_FALSE(d.OnPrice(At(4), P("90")).has_value());
  EXPECT_TRUE(d.OnPrice(At(6), P("93.15")).has_value());
  // The fresh window starts at 93.15; 98 / 93.15 - 1 = 5.2% within it is a
  // rise of more than `move`: a spike whose recovery is now watched. It is
  // reported only if the price then falls back by more than 3%.
  EXPECT_FALSE(d.OnPrice(At(8), P("98")).has_value());
  EXPECT_TRUE(d.in_move());
  EXPECT_FALSE(d.OnPrice(At(9), P("97")).has_value());  // 1%: no report
}

TEST(FlashCrash, TimeGoingBackwardsIsClamped) {
  FlashCrashDetector d = Detector();
  EXPECT_FALSE(d.OnPrice(At(20), P("100")).has_value());
  // Stamped 5 s but taken as 20 s: 100 is still in the window, a 6% fall.
  EXPECT_FALSE(d.OnPrice(At(5), P("94")).has_value());
  EXPECT_TRUE(d.in_move());
  const auto ev = d.OnPrice(At(21), P("97.76"));
  ASSERT_TRUE(ev.has_value());
  EXPECT_EQ(ev->extreme_time, At(20));
}

TEST(FlashCrash, WindowGrowsPastItsInitialCapacity) {
  FlashCrashDetector d = Detector();
  // 200 falling prices within 2 s, each 0.01 lower (1.99% in all, < 5%), all
  // stay in the max deque and grow it past its first 64 slots; then a price
  // 6% under the first.
  for (int i = 0; i < 200; ++i) {
    const Price p = Price::FromRaw(Price::FromInt(100).raw() - i * Price::Parse("0.01").value().raw());
    EXPECT_FALSE(d.OnPrice(At(i * 0.01), p).has_value());
  }
  EXPECT_FALSE(d.in_move());
  EXPECT_FALSE(d.OnPrice(At(3), P("94")).has_value());
  EXPECT_TRUE(d.in_move());
  const auto ev = d.OnPrice(At(4), P("97.76"));
  ASSERT_TRUE(ev.has_value());
  EXPECT_EQ(ev->start_price, P("100"));
  EXPECT_EQ(ev->move_start, At(0));
}

TEST(FlashCrashConfig, ValidateNamesTheKey) {
  EXPECT_TRUE(FlashCrashConfig{}.Validate().ok());
  testing_support::ExpectEachFailsWith<FlashCrashConfig>({
      {[](auto& c) { c.move = 0.0; }, "analytics.flash_crash.move: must be > 0, got 0"},
      {[](auto& c) { c.window = Duration::Zero(); }, "analytics.flash_crash.window: must be > 0, got 0ns"},
      {[](auto& c) { c.recovery = -0.01; }, "analytics.flash_crash.recovery: must be > 0, got -0.01"},
      {[](auto& c) { c.recovery_window = Duration::Seconds(-1); },
       "analytics.flash_crash.recovery_window: must be > 0, got -1s"},
  });
}

}  // namespace
}  // namespace hean
