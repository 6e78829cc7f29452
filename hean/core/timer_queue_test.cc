#include "hean/core/timer_queue.h"

#include <gtest/gtest.h>

#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "hean/core/clock.h"

namespace hean {
namespace {

UnixNanos At(std::int64_t ns) { return UnixNanos::FromNanos(ns); }

// Records (label, id, deadline, clock time) of every firing.
struct Firing {
  std::string label;
  TimerId id;
  UnixNanos deadline;
  UnixNanos now;
};

class TimerQueueTest : public ::testing::Test {
 protected:
  // A callback that appends a record with `label`.
  TimerCallback Record(std::string label) {
    return [this, label = std::move(label)](TimerId id, UnixNanos deadline) {
      fired_.push_back({label, id, deadline, clock_.Now()});
    };
  }
  std::vector<std::string> FiredLabels() const {
    std::vector<std::string> out;
    for (const Firing& f : fired_) out.push_back(f.label);
    return out;
  }
  // Backtest-style stepping: move the clock to each deadline, then fire.
  std::size_t RunUntil(UnixNanos end) {
    std::size_t n = 0;
    for (std::optional<UnixNanos> d = queue_.NextDeadline(); d && *d <= end; d = queue_.NextDeadline()) {
      if (*d > clock_.Now()) {
        EXPECT_TRUE(clock_.AdvanceTo(*d).ok());
      }
      EXPECT_TRUE(queue_.FireNext(clock_.Now()));
      ++n;
    }
    return n;
  }

  SimClock clock_{At(1'000)};
  TimerQueue queue_{clock_};
  std::vector<Firing> fired_;
};

using Names = std::vector<std::string>;

TEST_F(TimerQueueTest, EmptyQueue) {
  EXPECT_EQ(queue_.pending(), 0u);
  EXPECT_EQ(queue_.NextDeadline(), std::nullopt);
  EXPECT_FALSE(queue_.FireNext(UnixNanos::Max()));
  EXPECT_EQ(queue_.FireDue(UnixNanos::Max()), 0u);
  EXPECT_EQ(queue_.fired_total(), 0u);
}

TEST_F(TimerQueueTest, FiresInDeadlineOrder) {
  queue_.ScheduleAt(At(1'030), Record("c"));
  queue_.ScheduleAt(At(1'010), Record("a"));
  queue_.ScheduleAt(At(1'020), Record("b"));
  EXPECT_EQ(queue_.NextDeadline(), At(1'010));
  EXPECT_EQ(queue_.FireDue(At(2'000)), 3u);
  EXPECT_EQ(FiredLabels(), (Names{"a", "b", "c"}));
  EXPECT_EQ(fired_[0].deadline, At(1'010));
  EXPECT_EQ(fired_[1].deadline, At(1'020));
  EXPECT_EQ(fired_[2].deadline, At(1'030));
  EXPECT_EQ(queue_.pending(), 0u);
  EXPECT_EQ(queue_.fired_total(), 3u);
}

TEST_F(TimerQueueTest, EqualDeadlinesFireInSchedulingOrder) {
  // Many ties interleaved with other deadlines, so the heap reorders a lot.
  Names want_at_50;
  for (int i = 0; i < 200; ++i) {
    std::string label = std::to_string(i);
    label.insert(0, 1, 't');  // not "t" + ...: GCC 12 -Wrestrict false positive at -O3
    if (i % 3 == 0) {
      queue_.ScheduleAt(At(50), Record(label));
      want_at_50.push_back(label);
    } else {
      queue_.ScheduleAt(At(100 + (i * 37) % 101), Record("other"));
    }
  }
  queue_.FireDue(At(50));
  EXPECT_EQ(FiredLabels(), want_at_50);
  // The rest also come out sorted by deadline.
  fired_.clear();
  queue_.FireDue(At(1'000));
  for (std::size_t i = 1; i < fired_.size(); ++i) EXPECT_LE(fired_[i - 1].deadline, fired_[i].deadline);
  EXPECT_EQ(queue_.pending(), 0u);
}

TEST_F(TimerQueueTest, CallbackGetsItsIdAndDeadline) {
  const TimerId id = queue_.ScheduleAt(At(1'500), Record("x"));
  EXPECT_TRUE(id.valid());
  ASSERT_EQ(queue_.FireDue(At(9'999)), 1u);  // fired late
  ASSERT_EQ(fired_.size(), 1u);
  EXPECT_EQ(fired_[0].id, id);
  EXPECT_EQ(fired_[0].deadline, At(1'500));  // the deadline, not "now"
}

TEST_F(TimerQueueTest, FireDueFiresOnlyDueTimers) {
  queue_.ScheduleAt(At(1'010), Record("a"));
  queue_.ScheduleAt(At(1'020), Record("b"));
  EXPECT_EQ(queue_.FireDue(At(1'009)), 0u);
  EXPECT_EQ(queue_.FireDue(At(1'010)), 1u);  // deadline == now is due
  EXPECT_EQ(queue_.FireDue(At(1'015)), 0u);
  EXPECT_EQ(queue_.pending(), 1u);
  EXPECT_EQ(queue_.FireDue(At(1'020)), 1u);
  EXPECT_EQ(FiredLabels(), (Names{"a", "b"}));
}

TEST_F(TimerQueueTest, FireNextFiresAtMostOneWithinLimit) {
  queue_.ScheduleAt(At(10), Record("a"));
  queue_.ScheduleAt(At(10), Record("b"));
  queue_.ScheduleAt(At(20), Record("c"));
  EXPECT_FALSE(queue_.FireNext(At(9)));
  EXPECT_TRUE(fired_.empty());
  EXPECT_TRUE(queue_.FireNext(At(10)));
  EXPECT_EQ(FiredLabels(), (Names{"a"}));
  EXPECT_TRUE(queue_.FireNext(At(10)));
  EXPECT_EQ(FiredLabels(), (Names{"a", "b"}));
  EXPECT_FALSE(queue_.FireNext(At(10)));
  EXPECT_TRUE(queue_.FireNext(UnixNanos::Max()));
  EXPECT_EQ(FiredLabels(), (Names{"a", "b", "c"}));
  EXPECT_FALSE(queue_.FireNext(UnixNanos::Max()));
  EXPECT_EQ(queue_.fired_total(), 3u);
}

TEST_F(TimerQueueTest, CancelBeforeFiring) {
  const TimerId a = queue_.ScheduleAt(At(10), Record("a"));
  const TimerId b = queue_.ScheduleAt(At(20), Record("b"));
  EXPECT_TRUE(queue_.IsPending(a));
  EXPECT_EQ(queue_.pending(), 2u);
  EXPECT_TRUE(queue_.Cancel(a));
  EXPECT_FALSE(queue_.IsPending(a));
  EXPECT_TRUE(queue_.IsPending(b));
  EXPECT_EQ(queue_.pending(), 1u);
  EXPECT_EQ(queue_.FireDue(At(100)), 1u);
  EXPECT_EQ(FiredLabels(), (Names{"b"}));
}

TEST_F(TimerQueueTest, CancelTwiceReturnsFalse) {
  const TimerId a = queue_.ScheduleAt(At(10), Record("a"));
  EXPECT_TRUE(queue_.Cancel(a));
  EXPECT_FALSE(queue_.Cancel(a));
  EXPECT_EQ(queue_.pending(), 0u);
}

TEST_F(TimerQueueTest, CancelAfterFiringReturnsFalse) {
  const TimerId a = queue_.ScheduleAt(At(10), Record("a"));
  ASSERT_EQ(queue_.FireDue(At(10)), 1u);
  EXPECT_FALSE(queue_.IsPending(a));
  EXPECT_FALSE(queue_.Cancel(a));
  EXPECT_EQ(queue_.pending(), 0u);
}

TEST_F(TimerQueueTest, CancelUnknownIdsReturnsFalse) {
  queue_.ScheduleAt(At(10), Record("a"));
  EXPECT_FALSE(queue_.Cancel(TimerId{}));
  EXPECT_FALSE(queue_.IsPending(TimerId{}));
  EXPECT_FALSE(queue_.Cancel(TimerId{0xFFFF'FFFF'FFFF'FFFFull}));
  EXPECT_FALSE(queue_.Cancel(TimerId{(std::uint64_t{7} << 32) | 1}));  // right slot, wrong generation
  EXPECT_FALSE(queue_.Cancel(TimerId{std::uint64_t{1} << 32}));        // slot part zero
  EXPECT_EQ(queue_.pending(), 1u);
  EXPECT_EQ(queue_.FireDue(At(10)), 1u);
}

TEST_F(TimerQueueTest, NextDeadlineSkipsCancelled) {
  const TimerId a = queue_.ScheduleAt(At(10), Record("a"));
  const TimerId b = queue_.ScheduleAt(At(20), Record("b"));
  queue_.ScheduleAt(At(30), Record("c"));
  EXPECT_EQ(queue_.NextDeadline(), At(10));
  ASSERT_TRUE(queue_.Cancel(a));
  EXPECT_EQ(queue_.NextDeadline(), At(20));
  ASSERT_TRUE(queue_.Cancel(b));
  EXPECT_EQ(queue_.NextDeadline(), At(30));
  EXPECT_EQ(queue_.FireDue(At(30)), 1u);
  EXPECT_EQ(queue_.NextDeadline(), std::nullopt);
}

TEST_F(TimerQueueTest, ReusedSlotDoesNotResurrectCancelledTimer) {
  const TimerId a = queue_.ScheduleAt(At(10), Record("a"));
  ASSERT_TRUE(queue_.Cancel(a));
  const TimerId b = queue_.ScheduleAt(At(50), Record("b"));  // likely reuses a's slot
  EXPECT_NE(a, b);
  EXPECT_FALSE(queue_.IsPending(a));
  EXPECT_TRUE(queue_.IsPending(b));
  EXPECT_EQ(queue_.NextDeadline(), At(50));  // a's stale entry at 10 is gone
  EXPECT_EQ(queue_.FireDue(At(10)), 0u);
  EXPECT_FALSE(queue_.Cancel(a));  // must not cancel b
  EXPECT_TRUE(queue_.IsPending(b));
  EXPECT_EQ(queue_.FireDue(At(50)), 1u);
  EXPECT_EQ(FiredLabels(), (Names{"b"}));
  EXPECT_EQ(fired_[0].id, b);
}

TEST_F(TimerQueueTest, IdsAreUniqueForTheQueueLifetime) {
  std::set<std::uint64_t> seen;
  for (int round = 0; round < 300; ++round) {
    const TimerId a = queue_.ScheduleAt(At(round), Record("a"));
    const TimerId b = queue_.ScheduleAt(At(round), Record("b"));
    const TimerId c = queue_.SchedulePeriodic(At(round), Duration::Nanos(1), Record("c"));
    for (const TimerId id : {a, b, c}) {
      EXPECT_TRUE(id.valid());
      EXPECT_TRUE(seen.insert(id.value).second) << "id reused: " << id.value;
    }
    EXPECT_TRUE(queue_.Cancel(b));
    EXPECT_TRUE(queue_.Cancel(c));
    queue_.FireDue(At(round));
  }
  EXPECT_EQ(seen.size(), 900u);
  EXPECT_EQ(queue_.pending(), 0u);
}

TEST_F(TimerQueueTest, CallbackMayScheduleDueTimersThatFireInSameFireDue) {
  queue_.ScheduleAt(At(10), [&](TimerId, UnixNanos) {
    fired_.push_back({"first", {}, At(10), clock_.Now()});
    queue_.ScheduleAt(At(10), Record("same-time"));
    queue_.ScheduleAt(At(5), Record("in-the-past"));
    queue_.ScheduleAt(At(20), Record("later"));
  });
  EXPECT_EQ(queue_.FireDue(At(10)), 3u);
  EXPECT_EQ(FiredLabels(), (Names{"first", "in-the-past", "same-time"}));
  EXPECT_EQ(queue_.pending(), 1u);
  EXPECT_EQ(queue_.NextDeadline(), At(20));
}

TEST_F(TimerQueueTest, CallbackMayCancelOtherTimers) {
  TimerId b;
  TimerId c;
  bool cancel_b = false;
  bool cancel_c = false;
  queue_.ScheduleAt(At(10), [&](TimerId, UnixNanos) {
    fired_.push_back({"a", {}, At(10), clock_.Now()});
    cancel_b = queue_.Cancel(b);
    cancel_c = queue_.Cancel(c);
  });
  b = queue_.ScheduleAt(At(10), Record("b"));  // same deadline, after a
  c = queue_.ScheduleAt(At(20), Record("c"));
  queue_.ScheduleAt(At(30), Record("d"));
  EXPECT_EQ(queue_.FireDue(At(100)), 2u);
  EXPECT_TRUE(cancel_b);
  EXPECT_TRUE(cancel_c);
  EXPECT_EQ(FiredLabels(), (Names{"a", "d"}));
}

TEST_F(TimerQueueTest, OneShotCancellingItselfInCallbackIsNoop) {
  std::optional<bool> cancel_result;
  std::optional<bool> pending_inside;
  TimerId self;
  self = queue_.ScheduleAt(At(10), [&](TimerId id, UnixNanos) {
    EXPECT_EQ(id, self);
    pending_inside = queue_.IsPending(id);
    cancel_result = queue_.Cancel(id);
  });
  EXPECT_EQ(queue_.FireDue(At(10)), 1u);
  ASSERT_TRUE(cancel_result.has_value());
  EXPECT_FALSE(*cancel_result);  // a fired one-shot is no longer pending
  EXPECT_FALSE(*pending_inside);
  EXPECT_EQ(queue_.pending(), 0u);
  EXPECT_EQ(queue_.NextDeadline(), std::nullopt);
}

TEST_F(TimerQueueTest, PeriodicTimerRearmsWithSameId) {
  const TimerId id = queue_.SchedulePeriodic(At(100), Duration::Nanos(10), Record("p"));
  EXPECT_EQ(queue_.FireDue(At(135)), 4u);  // 100, 110, 120, 130
  ASSERT_EQ(fired_.size(), 4u);
  for (std::size_t i = 0; i < fired_.size(); ++i) {
    EXPECT_EQ(fired_[i].id, id);
    EXPECT_EQ(fired_[i].deadline, At(100 + 10 * static_cast<std::int64_t>(i)));
  }
  EXPECT_TRUE(queue_.IsPending(id));
  EXPECT_EQ(queue_.pending(), 1u);
  EXPECT_EQ(queue_.NextDeadline(), At(140));
  EXPECT_EQ(queue_.FireDue(At(140)), 1u);
  EXPECT_EQ(queue_.NextDeadline(), At(150));
  // Cancelled from outside: stops.
  EXPECT_TRUE(queue_.Cancel(id));
  EXPECT_FALSE(queue_.IsPending(id));
  EXPECT_EQ(queue_.pending(), 0u);
  EXPECT_EQ(queue_.NextDeadline(), std::nullopt);
  EXPECT_EQ(queue_.FireDue(At(1'000)), 0u);
  EXPECT_FALSE(queue_.Cancel(id));
}

TEST_F(TimerQueueTest, PeriodicTimerCancellingItselfStops) {
  int calls = 0;
  bool cancelled = false;
  const TimerId id = queue_.SchedulePeriodic(At(100), Duration::Nanos(10), [&](TimerId self, UnixNanos) {
    EXPECT_TRUE(queue_.IsPending(self));  // re-armed before the call
    if (++calls == 3) cancelled = queue_.Cancel(self);
  });
  EXPECT_EQ(queue_.FireDue(At(1'000)), 3u);
  EXPECT_EQ(calls, 3);
  EXPECT_TRUE(cancelled);
  EXPECT_FALSE(queue_.IsPending(id));
  EXPECT_EQ(queue_.pending(), 0u);
  EXPECT_EQ(queue_.NextDeadline(), std::nullopt);
}

TEST_F(TimerQueueTest, PeriodicCancellingItselfAndSchedulingNewKeepsNewCallback) {
  // The new timer may reuse the periodic timer's slot; the periodic timer's
  // callback must not be put back over the new one.
  TimerId replacement;
  const TimerId id = queue_.SchedulePeriodic(At(100), Duration::Nanos(10), [&](TimerId self, UnixNanos) {
    fired_.push_back({"periodic", self, At(0), clock_.Now()});
    EXPECT_TRUE(queue_.Cancel(self));
    replacement = queue_.ScheduleAt(At(105), Record("replacement"));
  });
  EXPECT_EQ(queue_.FireDue(At(1'000)), 2u);
  EXPECT_EQ(FiredLabels(), (Names{"periodic", "replacement"}));
  EXPECT_NE(replacement, id);
  EXPECT_EQ(fired_[1].id, replacement);
  EXPECT_EQ(queue_.pending(), 0u);
}

TEST_F(TimerQueueTest, PeriodicCallbackSchedulingManyTimersKeepsFiring) {
  // Each firing schedules enough timers to grow the internal slot storage.
  int periodic_calls = 0;
  int one_shots = 0;
  queue_.SchedulePeriodic(At(0), Duration::Nanos(100), [&](TimerId, UnixNanos deadline) {
    ++periodic_calls;
    for (int i = 0; i < 64; ++i) {
      queue_.ScheduleAt(deadline + Duration::Nanos(50), [&](TimerId, UnixNanos) { ++one_shots; });
    }
  });
  EXPECT_EQ(queue_.FireDue(At(950)), 10u + 10u * 64u);
  EXPECT_EQ(periodic_calls, 10);
  EXPECT_EQ(one_shots, 640);
  EXPECT_EQ(queue_.pending(), 1u);
}

TEST_F(TimerQueueTest, ScheduleAfterUsesInjectedClock) {
  const TimerId a = queue_.ScheduleAfter(Duration::Nanos(5), Record("a"));
  EXPECT_EQ(queue_.NextDeadline(), At(1'005));
  ASSERT_TRUE(clock_.AdvanceTo(At(2'000)).ok());
  queue_.ScheduleAfter(Duration::Nanos(5), Record("b"));
  ASSERT_TRUE(queue_.Cancel(a));
  EXPECT_EQ(queue_.NextDeadline(), At(2'005));
  EXPECT_EQ(queue_.FireDue(At(2'004)), 0u);
  EXPECT_EQ(queue_.FireDue(At(2'005)), 1u);
  EXPECT_EQ(FiredLabels(), (Names{"b"}));
  EXPECT_EQ(fired_[0].deadline, At(2'005));
}

TEST_F(TimerQueueTest, FiringDoesNotReadTheClock) {
  // The clock stays at 1000; FireDue(now) decides, not the clock.
  queue_.ScheduleAt(At(5'000), Record("a"));
  EXPECT_EQ(queue_.FireDue(At(5'000)), 1u);
  EXPECT_EQ(fired_[0].now, At(1'000));
}

TEST_F(TimerQueueTest, PastDeadlinesAreDueAtOnce) {
  queue_.ScheduleAt(At(500), Record("past"));
  queue_.ScheduleAfter(Duration::Nanos(-5), Record("negative-delay"));
  queue_.ScheduleAfter(Duration::Zero(), Record("zero-delay"));
  EXPECT_EQ(queue_.FireDue(clock_.Now()), 3u);
  EXPECT_EQ(FiredLabels(), (Names{"past", "negative-delay", "zero-delay"}));
  EXPECT_EQ(fired_[0].deadline, At(500));
  EXPECT_EQ(fired_[1].deadline, At(995));
  EXPECT_EQ(fired_[2].deadline, At(1'000));
}

TEST_F(TimerQueueTest, PendingCounts) {
  const TimerId a = queue_.ScheduleAt(At(10), Record("a"));
  queue_.ScheduleAt(At(20), Record("b"));
  const TimerId p = queue_.SchedulePeriodic(At(15), Duration::Nanos(100), Record("p"));
  EXPECT_EQ(queue_.pending(), 3u);
  ASSERT_TRUE(queue_.Cancel(a));
  EXPECT_EQ(queue_.pending(), 2u);
  EXPECT_EQ(queue_.FireDue(At(15)), 1u);  // the periodic one, re-armed
  EXPECT_EQ(queue_.pending(), 2u);
  EXPECT_EQ(queue_.FireDue(At(20)), 1u);
  EXPECT_EQ(queue_.pending(), 1u);
  ASSERT_TRUE(queue_.Cancel(p));
  EXPECT_EQ(queue_.pending(), 0u);
  EXPECT_EQ(queue_.fired_total(), 2u);
}

TEST_F(TimerQueueTest, BacktestSteppingSeesClockAtEachDeadline) {
  queue_.ScheduleAt(At(1'300), Record("a"));
  queue_.SchedulePeriodic(At(1'100), Duration::Nanos(100), Record("p"));
  queue_.ScheduleAt(At(1'250), Record("b"));
  EXPECT_EQ(RunUntil(At(1'300)), 5u);
  EXPECT_EQ(FiredLabels(), (Names{"p", "p", "b", "a", "p"}));
  for (const Firing& f : fired_) EXPECT_EQ(f.now, f.deadline) << f.label;
  EXPECT_EQ(clock_.Now(), At(1'300));
}

TEST_F(TimerQueueTest, CancelReleasesCallbackCaptures) {
  auto token = std::make_shared<int>(1);
  const TimerId id = queue_.ScheduleAt(At(10), [token](TimerId, UnixNanos) {});
  EXPECT_EQ(token.use_count(), 2);
  ASSERT_TRUE(queue_.Cancel(id));
  EXPECT_EQ(token.use_count(), 1);
}

TEST_F(TimerQueueTest, FiringOneShotReleasesCallbackCaptures) {
  auto token = std::make_shared<int>(1);
  queue_.ScheduleAt(At(10), [token](TimerId, UnixNanos) {});
  EXPECT_EQ(token.use_count(), 2);
  ASSERT_EQ(queue_.FireDue(At(10)), 1u);
  EXPECT_EQ(token.use_count(), 1);
}

TEST_F(TimerQueueTest, PeriodicKeepsCallbackStateAcrossFirings) {
  auto token = std::make_shared<int>(0);
  const TimerId id = queue_.SchedulePeriodic(At(10), Duration::Nanos(10), [token](TimerId, UnixNanos) { ++*token; });
  EXPECT_EQ(queue_.FireDue(At(50)), 5u);
  EXPECT_EQ(*token, 5);
  EXPECT_EQ(token.use_count(), 2);  // still held by the queue
  ASSERT_TRUE(queue_.Cancel(id));
  EXPECT_EQ(token.use_count(), 1);
}

TEST(TimerQueueDeathTest, PeriodicNeedsPositiveInterval) {
  SimClock clock;
  TimerQueue queue(clock);
  EXPECT_DEATH(queue.SchedulePeriodic(At(0), Duration::Zero(), [](TimerId, UnixNanos) {}), "positive interval");
  EXPECT_DEATH(queue.SchedulePeriodic(At(0), Duration::Nanos(-1), [](TimerId, UnixNanos) {}), "positive interval");
}

TEST(TimerQueueDeathTest, NullCallbackAborts) {
  SimClock clock;
  TimerQueue queue(clock);
  EXPECT_DEATH(queue.ScheduleAt(At(0), TimerCallback()), "timer without a callback");
}

}  // namespace
}  // namespace hean
