#include "hean/exec/algos.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <deque>
#include <functional>
#include <optional>
#include <vector>

#include "hean/core/clock.h"
#include "hean/core/log.h"
#include "hean/core/timer_queue.h"
#include "hean/exec/exec_config.h"
#include "hean/exec/volume_profile.h"

namespace hean {
namespace {

// 2022-01-03 00:00:00 UTC: minute 0 of the day.
const UnixNanos kT0 = UnixNanos::FromSeconds(1'641'168'000);
constexpr double kPrice = 50'000.0;
constexpr double kFeeRate = 0.0002;

Qty Q(const char* s) { return *Qty::Parse(s); }
Duration Min(std::int64_t m) { return Duration::Minutes(m); }

std::vector<Qty> QtysOf(const std::vector<SliceSpec>& plan) {
  std::vector<Qty> out;
  for (const SliceSpec& s : plan) out.push_back(s.qty);
  return out;
}
std::vector<Qty> Lots(std::initializer_list<std::int64_t> lots, Qty lot) {
  std::vector<Qty> out;
  for (std::int64_t n : lots) out.push_back(lot * n);
  return out;
}
Qty SumOf(const std::vector<SliceSpec>& plan) {
  Qty sum;
  for (const SliceSpec& s : plan) sum += s.qty;
  return sum;
}

// ------------------------------------------------------------------ plans

TEST(PlanTwapTest, SevenSlicesOfOneBitcoin) {
  const Qty lot = Q("0.001");
  const auto plan = PlanTwap(Q("1.000"), lot, kT0, Min(7), 7);
  ASSERT_EQ(plan.size(), 7u);
  // 1000 lots / 7 = 142 rest 6: the first six get one more.
  EXPECT_EQ(QtysOf(plan), Lots({143, 143, 143, 143, 143, 143, 142}, lot));
  for (std::size_t i = 0; i < plan.size(); ++i) EXPECT_EQ(plan[i].at, kT0 + Min(static_cast<std::int64_t>(i))) << i;
  EXPECT_EQ(SumOf(plan), Q("1"));
}

TEST(PlanTwapTest, TotalRoundedDownToTheLot) {
  const Qty lot = Q("0.001");
  const auto plan = PlanTwap(Q("1.0009"), lot, kT0, Min(4), 4);
  EXPECT_EQ(QtysOf(plan), Lots({250, 250, 250, 250}, lot));
  EXPECT_EQ(SumOf(plan), Q("1"));
  // Fewer lots than slices: the first slices get one each, the rest zero.
  const auto few = PlanTwap(Q("0.0025"), lot, kT0, Min(4), 4);
  EXPECT_EQ(QtysOf(few), Lots({1, 1, 0, 0}, lot));
  // Below a lot: all zero.
  EXPECT_EQ(SumOf(PlanTwap(Q("0.0009"), lot, kT0, Min(4), 4)), Qty::Zero());
  EXPECT_TRUE(PlanTwap(Q("1"), lot, kT0, Min(4), 0).empty());
}

TEST(PlanTwapTest, TimesAreExactFractionsOfTheDuration) {
  const auto plan = PlanTwap(Q("3"), Q("1"), kT0, Duration::Nanos(10), 3);
  ASSERT_EQ(plan.size(), 3u);
  EXPECT_EQ(plan[0].at, kT0);
  EXPECT_EQ(plan[1].at, kT0 + Duration::Nanos(3));  // 10 / 3
  EXPECT_EQ(plan[2].at, kT0 + Duration::Nanos(6));  // 20 / 3
  // A long horizon with many slices does not overflow i x duration.
  const auto week = PlanTwap(Q("1"), Q("0.001"), kT0, Duration::Hours(24 * 365), 100'000);
  EXPECT_EQ(week.back().at, kT0 + Duration::Nanos(Duration::Hours(24 * 365).nanos() / 100'000 * 99'999));
}

// A profile whose minutes 0, 1, 2, ... of the day hold `volumes`.
VolumeProfile ProfileOf(std::initializer_list<double> volumes) {
  VolumeProfile p;
  std::int64_t m = 0;
  for (double v : volumes) p.AddVolume(kT0 - Duration::Hours(24) + Min(m++), v);
  return p;
}

TEST(PlanVwapTest, ProportionalToTheProfile) {
  const Qty lot = Q("0.001");
  const VolumeProfile profile = ProfileOf({1, 2, 3, 4});
  bool fell_back = true;
  const auto plan = PlanVwap(Q("1"), lot, kT0, Min(4), Min(1), profile, &fell_back);
  EXPECT_FALSE(fell_back);
  ASSERT_EQ(plan.size(), 4u);
  EXPECT_EQ(QtysOf(plan), Lots({100, 200, 300, 400}, lot));
  for (std::size_t i = 0; i < plan.size(); ++i) EXPECT_EQ(plan[i].at, kT0 + Min(static_cast<std::int64_t>(i)));
}

TEST(PlanVwapTest, LargestRemaindersInLots) {
  const Qty lot = Q("1");
  // Quotas 2.1, 2.1, 2.8: floors 2, 2, 2 and the last lot to the largest rest.
  EXPECT_EQ(QtysOf(PlanVwap(Q("7"), lot, kT0, Min(3), Min(1), ProfileOf({3, 3, 4}))), Lots({2, 2, 3}, lot));
  // Ties go to the earlier slices: 10 / 4 = 2.5 each.
  EXPECT_EQ(QtysOf(PlanVwap(Q("10"), lot, kT0, Min(4), Min(1), ProfileOf({1, 1, 1, 1}))), Lots({3, 3, 2, 2}, lot));
  // A bucket with no volume gets nothing.
  EXPECT_EQ(QtysOf(PlanVwap(Q("9"), lot, kT0, Min(3), Min(1), ProfileOf({1, 0, 2}))), Lots({3, 0, 6}, lot));
  // The sub-lot rest is dropped.
  const auto plan = PlanVwap(Q("9.75"), lot, kT0, Min(3), Min(1), ProfileOf({1, 0, 2}));
  EXPECT_EQ(SumOf(plan), Q("9"));
}

TEST(PlanVwapTest, ShorterLastBucketCountsInProportion) {
  const Qty lot = Q("1");
  // 150 s in buckets of 60 s: the third covers half of minute 2.
  const auto plan = PlanVwap(Q("5"), lot, kT0, Duration::Seconds(150), Min(1), ProfileOf({2, 2, 2}));
  ASSERT_EQ(plan.size(), 3u);
  EXPECT_EQ(QtysOf(plan), Lots({2, 2, 1}, lot));
  EXPECT_EQ(plan[2].at, kT0 + Min(2));
  // Buckets over several minutes sum them: 1+2 and 3+4.
  const auto two = PlanVwap(Q("10"), lot, kT0, Min(4), Min(2), ProfileOf({1, 2, 3, 4}));
  EXPECT_EQ(QtysOf(two), Lots({3, 7}, lot));
}

TEST(PlanVwapTest, FallsBackToEqualSlices) {
  const Qty lot = Q("0.001");
  bool fell_back = false;
  const auto empty = PlanVwap(Q("1"), lot, kT0, Min(4), Min(1), VolumeProfile{}, &fell_back);
  EXPECT_TRUE(fell_back);
  EXPECT_EQ(QtysOf(empty), QtysOf(PlanTwap(Q("1"), lot, kT0, Min(4), 4)));
  EXPECT_EQ(QtysOf(empty), Lots({250, 250, 250, 250}, lot));

  // Volume only at other times of the day.
  VolumeProfile elsewhere;
  elsewhere.AddVolume(kT0 + Duration::Hours(12), 100.0);
  fell_back = false;
  const auto none = PlanVwap(Q("1"), lot, kT0, Min(3), Min(1), elsewhere, &fell_back);
  EXPECT_TRUE(fell_back);
  EXPECT_EQ(QtysOf(none), Lots({334, 333, 333}, lot));
  EXPECT_EQ(none[1].at, kT0 + Min(1));
}

TEST(WorkOutcomeTest, Names) {
  EXPECT_EQ(WorkOutcomeName(WorkOutcome::kFilled), "filled");
  EXPECT_EQ(WorkOutcomeName(WorkOutcome::kUnfilled), "unfilled");
  EXPECT_EQ(WorkOutcomeName(WorkOutcome::kDenied), "denied");
  EXPECT_EQ(WorkOutcomeName(WorkOutcome::kFailed), "failed");
}

// --------------------------------------------------------------- executor

// The router as the executor sees it: records each request; fills them
// when the test says, or at once through `on_work` (from inside Work).
class FakeWorker final : public SliceWorker {
 public:
  struct Job {
    std::uint64_t id = 0;
    WorkRequest request;
    WorkDone done;
    UnixNanos at;
    Qty partial;  // filled so far, reported when it is stopped
    bool open = true;
    bool stopped = false;
  };

  explicit FakeWorker(const Clock& clock) : clock_(clock) {}

  std::uint64_t Work(const WorkRequest& request, WorkDone done) override {
    const std::uint64_t id = jobs.size() + 1;
    Job job;
    job.id = id;
    job.request = request;
    job.done = std::move(done);
    job.at = clock_.Now();
    jobs.push_back(std::move(job));
    if (on_work) on_work(id);
    return id;
  }
  void Stop(std::uint64_t id) override {
    stops.push_back(id);
    Job& job = jobs.at(id - 1);
    job.stopped = true;
    if (complete_on_stop && job.open) Complete(id, job.partial);
  }

  // Reports job `id` done with `filled` in all.
  void Complete(std::uint64_t id, Qty filled, std::optional<WorkOutcome> outcome = std::nullopt,
                DenyReason denied = DenyReason::kInvalidOrder) {
    Job& job = jobs.at(id - 1);
    ASSERT_TRUE(job.open) << id;
    job.open = false;
    WorkResult r;
    r.id = id;
    r.outcome = outcome ? *outcome : (filled == job.request.qty ? WorkOutcome::kFilled : WorkOutcome::kUnfilled);
    r.filled = filled;
    r.cost = filled.ToDouble() * kPrice;
    r.fees = r.cost * kFeeRate;
    r.denied = denied;
    WorkDone done = job.done;  // the call may add jobs
    done(r);
  }
  // Fills every request whole, from inside Work.
  void FillAtOnce() {
    on_work = [this](std::uint64_t id) { Complete(id, jobs.at(id - 1).request.qty); };
  }
  std::size_t open_jobs() const {
    std::size_t n = 0;
    for (const Job& j : jobs) n += j.open ? 1 : 0;
    return n;
  }

  std::deque<Job> jobs;
  std::vector<std::uint64_t> stops;
  std::function<void(std::uint64_t)> on_work;
  bool complete_on_stop = true;

 private:
  const Clock& clock_;
};

class AlgoExecutorTest : public ::testing::Test {
 protected:
  AlgoExecutorTest() : clock_(kT0), timers_(clock_), worker_(clock_) {
    parent_.instrument = InstrumentId{3};
    parent_.side = Side::kSell;
    parent_.qty = Q("1.000");
    parent_.urgency = Urgency::kPassive;
    parent_.limit = *Price::Parse("49000");
    parent_.reduce_only = true;
    parent_.strategy = StrategyId::Of("impulse-btc");
    parent_.signal_id = 77;
    parent_.parent = ClientOrderId::Of("parent-1");
    parent_.requested_at = kT0 - Duration::Seconds(2);
    parent_.arrival_mid = 50'001.5;
  }

  AlgoExecutor& Make(AlgoConfig config, const VolumeProfile* profile = nullptr) {
    algos_.emplace(clock_, timers_, worker_, config, profile, Logger(&sink_, LogLevel::kDebug, "algos"));
    return *algos_;
  }
  static AlgoConfig Twap(std::size_t slices, Duration duration, CatchUp catch_up = CatchUp::kCross) {
    AlgoConfig c;
    c.algo = ExecAlgo::kTwap;
    c.slices = slices;
    c.duration = duration;
    c.catch_up = catch_up;
    return c;
  }
  std::uint64_t StartParent(AlgoExecutor& a) {
    return a.Start(parent_, Q("0.001"), [this](const WorkResult& r) { results_.push_back(r); });
  }

  // Steps the clock to each timer deadline up to `t` and fires it.
  void RunUntil(UnixNanos t) {
    for (;;) {
      const auto next = timers_.NextDeadline();
      if (!next || *next > t) break;
      if (*next > clock_.Now()) {
        ASSERT_TRUE(clock_.AdvanceTo(*next).ok());
      }
      timers_.FireNext(*next);
    }
    ASSERT_TRUE(clock_.AdvanceTo(t).ok());
  }

  // Every request must be the parent's with its own qty.
  void ExpectFromParent(const WorkRequest& r) const {
    EXPECT_EQ(r.instrument, parent_.instrument);
    EXPECT_EQ(r.side, parent_.side);
    EXPECT_EQ(r.limit, parent_.limit);
    EXPECT_EQ(r.reduce_only, parent_.reduce_only);
    EXPECT_EQ(r.strategy, parent_.strategy);
    EXPECT_EQ(r.signal_id, parent_.signal_id);
    EXPECT_EQ(r.parent, parent_.parent);
    EXPECT_EQ(r.requested_at, parent_.requested_at);
    EXPECT_EQ(r.arrival_mid, parent_.arrival_mid);
  }

  SimClock clock_;
  TimerQueue timers_;
  FakeWorker worker_;
  MemoryLogSink sink_;
  std::optional<AlgoExecutor> algos_;
  WorkRequest parent_;
  std::vector<WorkResult> results_;
};

TEST_F(AlgoExecutorTest, TwapSendsEachSliceAtItsTime) {
  AlgoExecutor& a = Make(Twap(7, Min(7)));
  worker_.FillAtOnce();
  const std::uint64_t id = a.Start(parent_, Q("0.001"), [this](const WorkResult& r) { results_.push_back(r); });
  EXPECT_EQ(a.active(), 1u);
  EXPECT_TRUE(worker_.jobs.empty());  // the first slice goes out from its timer
  RunUntil(kT0 + Min(10));
  ASSERT_EQ(worker_.jobs.size(), 7u);
  const std::vector<std::int64_t> lots = {143, 143, 143, 143, 143, 143, 142};
  for (std::size_t i = 0; i < 7; ++i) {
    const WorkRequest& r = worker_.jobs[i].request;
    EXPECT_EQ(worker_.jobs[i].at, kT0 + Min(static_cast<std::int64_t>(i))) << i;
    EXPECT_EQ(r.qty, Q("0.001") * lots[i]) << i;
    EXPECT_FALSE(r.force_take);
    EXPECT_EQ(r.urgency, Urgency::kPassive);
    ExpectFromParent(r);
  }
  ASSERT_EQ(results_.size(), 1u);
  EXPECT_EQ(results_[0].id, id);
  EXPECT_EQ(results_[0].outcome, WorkOutcome::kFilled);
  EXPECT_EQ(results_[0].filled, Q("1"));
  EXPECT_NEAR(results_[0].cost, kPrice, 1e-6);
  EXPECT_NEAR(results_[0].fees, kPrice * kFeeRate, 1e-9);
  EXPECT_EQ(a.active(), 0u);
  EXPECT_EQ(timers_.pending(), 0u);  // the end timer went with the run
  EXPECT_EQ(a.counts().started, 1u);
  EXPECT_EQ(a.counts().slices_sent, 7u);
  EXPECT_EQ(a.counts().catch_ups, 0u);
}

TEST_F(AlgoExecutorTest, UnfilledQtyCarriesIntoTheNextSlice) {
  AlgoExecutor& a = Make(Twap(4, Min(4)));
  // Each slice fills half of its lots (rounded down); the catch-up fills all.
  worker_.on_work = [this](std::uint64_t id) {
    const WorkRequest& r = worker_.jobs.at(id - 1).request;
    worker_.Complete(id, r.force_take ? r.qty : Q("0.001") * (r.qty.raw() / Q("0.001").raw() / 2));
  };
  StartParent(a);
  RunUntil(kT0 + Min(5));
  ASSERT_EQ(worker_.jobs.size(), 5u);
  // Targets 250, 500, 750, 1000 lots; filled before each 0, 125, 312, 531.
  EXPECT_EQ(worker_.jobs[0].request.qty, Q("0.250"));
  EXPECT_EQ(worker_.jobs[1].request.qty, Q("0.375"));
  EXPECT_EQ(worker_.jobs[2].request.qty, Q("0.438"));
  EXPECT_EQ(worker_.jobs[3].request.qty, Q("0.469"));
  // At the end 765 filled: the catch-up crosses for 235.
  const WorkRequest& c = worker_.jobs[4].request;
  EXPECT_EQ(worker_.jobs[4].at, kT0 + Min(4));
  EXPECT_EQ(c.qty, Q("0.235"));
  EXPECT_TRUE(c.force_take);
  EXPECT_EQ(c.urgency, Urgency::kAggressive);
  ExpectFromParent(c);
  ASSERT_EQ(results_.size(), 1u);
  EXPECT_EQ(results_[0].outcome, WorkOutcome::kFilled);
  EXPECT_EQ(results_[0].filled, Q("1"));
  EXPECT_EQ(a.counts().slices_sent, 4u);
  EXPECT_EQ(a.counts().catch_ups, 1u);
}

TEST_F(AlgoExecutorTest, SliceStillWorkingIsStoppedAndTheNextFollowsItsDone) {
  AlgoExecutor& a = Make(Twap(3, Min(3)));
  worker_.complete_on_stop = false;
  parent_.qty = Q("0.300");
  StartParent(a);
  RunUntil(kT0 + Duration::Seconds(30));
  ASSERT_EQ(worker_.jobs.size(), 1u);
  EXPECT_EQ(worker_.jobs[0].request.qty, Q("0.100"));

  RunUntil(kT0 + Min(1));  // slice 2 due: slice 1 is stopped first
  EXPECT_EQ(worker_.stops, std::vector<std::uint64_t>{1});
  EXPECT_EQ(worker_.jobs.size(), 1u);
  RunUntil(kT0 + Min(1) + Duration::Seconds(2));
  worker_.Complete(1, Q("0.040"));  // its cancel confirmed with 40 lots filled
  ASSERT_EQ(worker_.jobs.size(), 2u);
  EXPECT_EQ(worker_.jobs[1].at, kT0 + Min(1) + Duration::Seconds(2));
  EXPECT_EQ(worker_.jobs[1].request.qty, Q("0.160"));  // 200 - 40

  RunUntil(kT0 + Min(2));
  EXPECT_EQ(worker_.stops, (std::vector<std::uint64_t>{1, 2}));
  worker_.Complete(2, Q("0.160"));
  ASSERT_EQ(worker_.jobs.size(), 3u);
  EXPECT_EQ(worker_.jobs[2].request.qty, Q("0.100"));
  EXPECT_FALSE(worker_.jobs[2].request.force_take);
  worker_.Complete(3, Q("0.100"));
  ASSERT_EQ(results_.size(), 1u);  // all filled before the end
  EXPECT_EQ(results_[0].outcome, WorkOutcome::kFilled);
  EXPECT_EQ(results_[0].filled, Q("0.300"));
  EXPECT_EQ(a.active(), 0u);
  EXPECT_EQ(timers_.pending(), 0u);
  RunUntil(kT0 + Min(10));
  EXPECT_EQ(worker_.jobs.size(), 3u);
  EXPECT_EQ(results_.size(), 1u);
}

TEST_F(AlgoExecutorTest, SliceWorkingAtTheEndIsStoppedThenCaughtUp) {
  AlgoExecutor& a = Make(Twap(2, Min(2)));
  worker_.complete_on_stop = false;
  StartParent(a);
  RunUntil(kT0);
  worker_.Complete(1, Q("0.500"));
  RunUntil(kT0 + Min(1));
  ASSERT_EQ(worker_.jobs.size(), 2u);
  worker_.jobs[1].partial = Q("0.200");
  RunUntil(kT0 + Min(2));  // the end: slice 2 stopped first
  EXPECT_EQ(worker_.stops, std::vector<std::uint64_t>{2});
  EXPECT_EQ(worker_.jobs.size(), 2u);
  worker_.Complete(2, Q("0.200"));
  ASSERT_EQ(worker_.jobs.size(), 3u);
  const WorkRequest& c = worker_.jobs[2].request;
  EXPECT_EQ(c.qty, Q("0.300"));
  EXPECT_TRUE(c.force_take);
  EXPECT_EQ(c.urgency, Urgency::kAggressive);
  ExpectFromParent(c);
  EXPECT_TRUE(results_.empty());
  worker_.Complete(3, Q("0.100"));  // the IOC filled a third
  ASSERT_EQ(results_.size(), 1u);
  EXPECT_EQ(results_[0].outcome, WorkOutcome::kUnfilled);
  EXPECT_EQ(results_[0].filled, Q("0.800"));
  EXPECT_NEAR(results_[0].cost, 0.8 * kPrice, 1e-6);
  EXPECT_EQ(a.counts().catch_ups, 1u);
  EXPECT_EQ(a.active(), 0u);
}

TEST_F(AlgoExecutorTest, CatchUpNoneLeavesTheRemainder) {
  AlgoExecutor& a = Make(Twap(2, Min(2), CatchUp::kNone));
  worker_.on_work = [this](std::uint64_t id) { worker_.Complete(id, Q("0.100")); };
  StartParent(a);
  RunUntil(kT0 + Min(2) - Duration::Nanos(1));
  ASSERT_EQ(worker_.jobs.size(), 2u);
  EXPECT_EQ(worker_.jobs[1].request.qty, Q("0.900"));  // 1000 - 100
  EXPECT_TRUE(results_.empty());
  RunUntil(kT0 + Min(2));
  EXPECT_EQ(worker_.jobs.size(), 2u);  // no catch-up
  ASSERT_EQ(results_.size(), 1u);
  EXPECT_EQ(results_[0].outcome, WorkOutcome::kUnfilled);
  EXPECT_EQ(results_[0].filled, Q("0.200"));
  EXPECT_EQ(a.counts().catch_ups, 0u);
  EXPECT_EQ(a.active(), 0u);

  // A slice working at the end is stopped and the run ends with it.
  worker_.on_work = nullptr;
  StartParent(a);  // at T0 + 2 min
  RunUntil(kT0 + Min(2));
  ASSERT_EQ(worker_.jobs.size(), 3u);
  worker_.jobs[2].partial = Q("0.010");
  RunUntil(kT0 + Min(3));  // stopped with 10 lots: the next is 990
  ASSERT_EQ(worker_.jobs.size(), 4u);
  EXPECT_EQ(worker_.jobs[3].request.qty, Q("0.990"));
  RunUntil(kT0 + Min(6));
  EXPECT_EQ(worker_.stops, (std::vector<std::uint64_t>{3, 4}));
  EXPECT_EQ(worker_.jobs.size(), 4u);
  ASSERT_EQ(results_.size(), 2u);
  EXPECT_EQ(results_[1].outcome, WorkOutcome::kUnfilled);
  EXPECT_EQ(results_[1].filled, Q("0.010"));
}

TEST_F(AlgoExecutorTest, CatchUpSkippedWhenBelowALot) {
  AlgoExecutor& a = Make(Twap(2, Min(2)));
  parent_.qty = Q("0.0025");  // two lots; the half lot cannot trade
  worker_.FillAtOnce();
  StartParent(a);
  RunUntil(kT0 + Min(3));
  ASSERT_EQ(worker_.jobs.size(), 2u);
  EXPECT_EQ(worker_.jobs[0].request.qty, Q("0.001"));
  EXPECT_EQ(worker_.jobs[1].request.qty, Q("0.001"));
  ASSERT_EQ(results_.size(), 1u);
  EXPECT_EQ(results_[0].outcome, WorkOutcome::kFilled);
  EXPECT_EQ(results_[0].filled, Q("0.002"));

  // Below one lot: nothing to send; the run ends unfilled at its first slice.
  parent_.qty = Q("0.0005");
  StartParent(a);
  RunUntil(kT0 + Min(3));
  EXPECT_EQ(worker_.jobs.size(), 2u);
  ASSERT_EQ(results_.size(), 2u);
  EXPECT_EQ(results_[1].outcome, WorkOutcome::kUnfilled);
  EXPECT_EQ(results_[1].filled, Qty::Zero());
  EXPECT_EQ(timers_.pending(), 0u);
}

TEST_F(AlgoExecutorTest, VwapFollowsTheProfile) {
  const VolumeProfile profile = ProfileOf({1, 2, 3, 4});
  AlgoConfig c;
  c.algo = ExecAlgo::kVwap;
  c.duration = Min(4);
  c.vwap_bucket = Min(1);
  c.catch_up = CatchUp::kNone;
  AlgoExecutor& a = Make(c, &profile);
  worker_.FillAtOnce();
  StartParent(a);
  RunUntil(kT0 + Min(5));
  ASSERT_EQ(worker_.jobs.size(), 4u);
  const char* want[] = {"0.100", "0.200", "0.300", "0.400"};
  for (std::size_t i = 0; i < 4; ++i) {
    EXPECT_EQ(worker_.jobs[i].request.qty, Q(want[i])) << i;
    EXPECT_EQ(worker_.jobs[i].at, kT0 + Min(static_cast<std::int64_t>(i))) << i;
  }
  ASSERT_EQ(results_.size(), 1u);
  EXPECT_EQ(results_[0].outcome, WorkOutcome::kFilled);
  EXPECT_EQ(a.counts().vwap_fallbacks, 0u);
  EXPECT_EQ(sink_.Count(LogLevel::kWarn, "vwap"), 0u);
}

TEST_F(AlgoExecutorTest, VwapFallsBackToEqualSlicesWithoutAProfile) {
  AlgoConfig c;
  c.algo = ExecAlgo::kVwap;
  c.duration = Min(4);
  c.vwap_bucket = Min(1);
  const VolumeProfile empty;
  AlgoExecutor& a = Make(c, &empty);
  worker_.FillAtOnce();
  StartParent(a);
  RunUntil(kT0 + Min(5));
  ASSERT_EQ(worker_.jobs.size(), 4u);
  for (std::size_t i = 0; i < 4; ++i) EXPECT_EQ(worker_.jobs[i].request.qty, Q("0.250")) << i;
  EXPECT_EQ(a.counts().vwap_fallbacks, 1u);
  EXPECT_EQ(sink_.Count(LogLevel::kWarn, "vwap"), 1u);

  // No profile at all: the same.
  AlgoExecutor& b = Make(c, nullptr);
  StartParent(b);
  RunUntil(kT0 + Min(10));
  ASSERT_EQ(worker_.jobs.size(), 8u);
  EXPECT_EQ(worker_.jobs[7].request.qty, Q("0.250"));
  EXPECT_EQ(b.counts().vwap_fallbacks, 1u);
  EXPECT_EQ(sink_.Count(LogLevel::kWarn, "no volume profile"), 1u);
}

TEST_F(AlgoExecutorTest, StopMidwayStopsTheWorkingSliceAndEnds) {
  AlgoExecutor& a = Make(Twap(4, Min(4)));
  worker_.complete_on_stop = false;
  const std::uint64_t id = StartParent(a);
  RunUntil(kT0);
  worker_.Complete(1, Q("0.250"));
  RunUntil(kT0 + Min(1) + Duration::Seconds(10));
  ASSERT_EQ(worker_.jobs.size(), 2u);
  a.Stop(id);
  EXPECT_EQ(worker_.stops, std::vector<std::uint64_t>{2});
  EXPECT_TRUE(results_.empty());  // the slice's done comes first
  EXPECT_EQ(timers_.pending(), 0u);
  worker_.Complete(2, Q("0.050"));
  ASSERT_EQ(results_.size(), 1u);
  EXPECT_EQ(results_[0].outcome, WorkOutcome::kUnfilled);
  EXPECT_EQ(results_[0].filled, Q("0.300"));
  EXPECT_EQ(a.active(), 0u);
  RunUntil(kT0 + Min(10));
  EXPECT_EQ(worker_.jobs.size(), 2u);
  a.Stop(id);  // unknown now: ignored
  EXPECT_EQ(results_.size(), 1u);
}

TEST_F(AlgoExecutorTest, StopBetweenSlicesEndsAtOnce) {
  AlgoExecutor& a = Make(Twap(4, Min(4)));
  worker_.FillAtOnce();
  const std::uint64_t id = StartParent(a);
  RunUntil(kT0 + Min(1) + Duration::Seconds(1));
  a.Stop(id);
  ASSERT_EQ(results_.size(), 1u);
  EXPECT_EQ(results_[0].filled, Q("0.500"));
  EXPECT_EQ(results_[0].outcome, WorkOutcome::kUnfilled);
  EXPECT_TRUE(worker_.stops.empty());
  EXPECT_EQ(timers_.pending(), 0u);
}

TEST_F(AlgoExecutorTest, StopAllStopsOnlyThatInstrument) {
  AlgoExecutor& a = Make(Twap(4, Min(4)));
  worker_.FillAtOnce();
  const std::uint64_t first = StartParent(a);
  parent_.instrument = InstrumentId{4};
  const std::uint64_t other = StartParent(a);
  parent_.instrument = InstrumentId{3};
  const std::uint64_t third = StartParent(a);
  RunUntil(kT0 + Duration::Seconds(1));
  EXPECT_EQ(worker_.jobs.size(), 3u);
  a.StopAll(InstrumentId{3});
  ASSERT_EQ(results_.size(), 2u);
  EXPECT_EQ(results_[0].id, first);
  EXPECT_EQ(results_[1].id, third);
  EXPECT_EQ(a.active(), 1u);
  RunUntil(kT0 + Min(5));
  ASSERT_EQ(results_.size(), 3u);
  EXPECT_EQ(results_[2].id, other);
  EXPECT_EQ(results_[2].outcome, WorkOutcome::kFilled);
  EXPECT_EQ(worker_.jobs.size(), 6u);
}

TEST_F(AlgoExecutorTest, DeniedSliceEndsTheRun) {
  AlgoExecutor& a = Make(Twap(4, Min(4)));
  StartParent(a);
  RunUntil(kT0);
  worker_.Complete(1, Q("0.250"));
  RunUntil(kT0 + Min(1));
  ASSERT_EQ(worker_.jobs.size(), 2u);
  worker_.Complete(2, Q("0.010"), WorkOutcome::kDenied, DenyReason::kMaxPositionNotional);
  ASSERT_EQ(results_.size(), 1u);
  EXPECT_EQ(results_[0].outcome, WorkOutcome::kDenied);
  EXPECT_EQ(results_[0].denied, DenyReason::kMaxPositionNotional);
  EXPECT_EQ(results_[0].filled, Q("0.260"));
  EXPECT_EQ(timers_.pending(), 0u);
  RunUntil(kT0 + Min(10));
  EXPECT_EQ(worker_.jobs.size(), 2u);  // no more slices, no catch-up
  EXPECT_EQ(a.counts().catch_ups, 0u);
}

TEST_F(AlgoExecutorTest, FailedAtOnceInsideWorkEndsTheRun) {
  AlgoExecutor& a = Make(Twap(4, Min(4)));
  worker_.on_work = [this](std::uint64_t id) { worker_.Complete(id, Qty::Zero(), WorkOutcome::kFailed); };
  StartParent(a);
  RunUntil(kT0 + Min(10));
  EXPECT_EQ(worker_.jobs.size(), 1u);
  ASSERT_EQ(results_.size(), 1u);
  EXPECT_EQ(results_[0].outcome, WorkOutcome::kFailed);
  EXPECT_EQ(a.active(), 0u);
  EXPECT_EQ(timers_.pending(), 0u);
}

TEST_F(AlgoExecutorTest, ReentrantCallbacks) {
  AlgoExecutor& a = Make(Twap(2, Min(2)));
  // Catch-ups fill from inside Work; Stop reports done from inside Stop;
  // and the first run's done stops a third run and starts another.
  worker_.on_work = [this](std::uint64_t id) {
    const WorkRequest& r = worker_.jobs.at(id - 1).request;
    if (r.force_take) worker_.Complete(id, r.qty);
  };
  std::vector<WorkResult> seen;
  std::uint64_t third = 0;
  std::uint64_t chained = 0;
  const std::uint64_t first = a.Start(parent_, Q("0.001"), [&](const WorkResult& r) {
    seen.push_back(r);
    a.Stop(third);
    chained = a.Start(parent_, Q("0.001"), [&](const WorkResult& r2) { seen.push_back(r2); });
  });
  third = a.Start(parent_, Q("0.001"), [&](const WorkResult& r) { seen.push_back(r); });
  RunUntil(kT0);
  ASSERT_EQ(worker_.jobs.size(), 2u);  // one slice each, still working
  a.Stop(first);                       // Stop -> done at once -> Finish -> done -> Stop(third) -> ...
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[0].id, first);
  EXPECT_EQ(seen[1].id, third);
  EXPECT_EQ(a.active(), 1u);
  EXPECT_NE(chained, 0u);
  // The chained run starts now and works to its end with a catch-up that
  // fills inside Work.
  RunUntil(kT0 + Min(5));
  ASSERT_EQ(seen.size(), 3u);
  EXPECT_EQ(seen[2].id, chained);
  EXPECT_EQ(seen[2].outcome, WorkOutcome::kFilled);
  EXPECT_EQ(a.active(), 0u);
  EXPECT_EQ(timers_.pending(), 0u);
}

TEST_F(AlgoExecutorTest, StopFromInsideWorkIsSentOnceWorkReturns) {
  AlgoExecutor& a = Make(Twap(2, Min(2)));
  std::uint64_t id = 0;
  worker_.on_work = [&](std::uint64_t) { a.Stop(id); };  // before Work returned its id
  id = StartParent(a);
  RunUntil(kT0);
  ASSERT_EQ(worker_.jobs.size(), 1u);
  EXPECT_EQ(worker_.stops, std::vector<std::uint64_t>{1});
  ASSERT_EQ(results_.size(), 1u);
  EXPECT_EQ(results_[0].outcome, WorkOutcome::kUnfilled);
  EXPECT_EQ(a.active(), 0u);
}

TEST_F(AlgoExecutorTest, DestroyedWithRunsCancelsTheirTimers) {
  {
    AlgoExecutor& a = Make(Twap(4, Min(4)));
    StartParent(a);
    EXPECT_EQ(timers_.pending(), 5u);
  }
  algos_.reset();
  EXPECT_EQ(timers_.pending(), 0u);
  EXPECT_TRUE(results_.empty());
}

}  // namespace
}  // namespace hean
