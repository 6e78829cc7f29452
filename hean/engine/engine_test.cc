#include "hean/engine/engine.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "hean/core/test_support.h"
#include "hean/model/test_events.h"

namespace hean {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using SteadyClock = std::chrono::steady_clock;

template <class T>
T Make(std::int64_t label) {
  return testing_support::MakeEvent<T>(label);
}
using testing_support::Tag;

const UnixNanos kT0 = UnixNanos::FromSeconds(1'700'000'000);

// ---------------------------------------------------------------------------
// Options

TEST(Engine, OptionsValidate) {
  EXPECT_TRUE(EngineOptions{}.Validate().ok());

  struct Case {
    const char* what;
    EngineOptions opts;
  };
  std::vector<Case> cases;
  {
    EngineOptions o;
    o.ingress_capacity = 1;
    cases.push_back({"ingress_capacity", o});
    o.ingress_capacity = (std::size_t{1} << 26) + 1;
    cases.push_back({"ingress_capacity", o});
  }
  {
    EngineOptions o;
    o.ingress_batch = 0;
    cases.push_back({"ingress_batch", o});
  }
  {
    EngineOptions o;
    o.max_idle_wait = Duration::Zero();
    cases.push_back({"max_idle_wait", o});
    o.max_idle_wait = Duration::Millis(-1);
    cases.push_back({"max_idle_wait", o});
  }
  {
    EngineOptions o;
    o.bus.batch_size = 0;  // the bus's own options are checked too
    cases.push_back({"batch_size", o});
  }
  for (const Case& c : cases) {
    const Status s = c.opts.Validate();
    EXPECT_FALSE(s.ok()) << c.what;
    EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << c.what;
    EXPECT_THAT(s.message(), HasSubstr(c.what));
  }

  EngineOptions bounds;
  bounds.ingress_capacity = 2;
  bounds.ingress_batch = 1;
  bounds.max_idle_wait = Duration::Nanos(1);
  EXPECT_TRUE(bounds.Validate().ok());
  bounds.ingress_capacity = std::size_t{1} << 26;
  EXPECT_TRUE(bounds.Validate().ok());
}

TEST(Engine, AccessorsExposeWhatWasGiven) {
  SimClock clock(kT0);
  EngineOptions o;
  o.bus.queue_capacity = 123;
  Engine engine(clock, o);
  EXPECT_EQ(&engine.clock(), &clock);
  EXPECT_EQ(engine.bus().queue_capacity(), 123u);
  EXPECT_EQ(engine.options().bus.queue_capacity, 123u);
  EXPECT_FALSE(engine.stop_requested());
  const EngineStats s = engine.stats();
  EXPECT_EQ(s.ingress_received, 0u);
  EXPECT_EQ(s.ingress_rejected, 0u);
  EXPECT_EQ(s.timers_fired, 0u);
}

// ---------------------------------------------------------------------------
// Ingress, single-threaded

TEST(Engine, IngressFullRejectsAndCounts) {
  SimClock clock(kT0);
  EngineOptions o;
  o.ingress_capacity = 2;
  Engine engine(clock, o);
  std::vector<std::string> log;
  engine.bus().Subscribe<Trade>([&](const Trade& t) { log.push_back(Tag(t)); });

  EXPECT_TRUE(engine.Post(Make<Trade>(1)));
  EXPECT_TRUE(engine.Post(Make<Trade>(2)));
  EXPECT_FALSE(engine.Post(Make<Trade>(3)));
  EXPECT_FALSE(engine.Post(Make<Signal>(4)));
  EXPECT_EQ(engine.stats().ingress_rejected, 2u);
  EXPECT_TRUE(log.empty());  // nothing is dispatched before the loop runs

  EXPECT_EQ(engine.RunUntilIdle(), 2u);
  EXPECT_THAT(log, ElementsAre("TRADE:1", "TRADE:2"));
  EXPECT_EQ(engine.stats().ingress_received, 2u);
  EXPECT_TRUE(engine.Post(Make<Trade>(5)));  // room again
  EXPECT_EQ(engine.stats().ingress_rejected, 2u);
}

TEST(Engine, FastPathIngressEventsAreDispatchedWhenMoved) {
  SimClock clock(kT0);
  EngineOptions o;
  o.bus.batch_size = 1;
  Engine engine(clock, o);
  std::vector<std::string> log;
  engine.bus().Subscribe<Trade>([&](const Trade& t) { log.push_back(Tag(t)); });
  engine.bus().Subscribe<Signal>([&](const Signal& s) {
    log.push_back(Tag(s));
    // Dispatched synchronously while being moved: the trades posted before
    // it are on the bus queue, not yet dispatched.
    EXPECT_EQ(engine.bus().queue_depth(), 2u);
  });
  engine.bus().Subscribe<OrderFilled>([&](const OrderFilled& f) { log.push_back(Tag(f)); });

  ASSERT_TRUE(engine.Post(Make<Trade>(1)));
  ASSERT_TRUE(engine.Post(Make<Trade>(2)));
  ASSERT_TRUE(engine.Post(Make<Signal>(3)));
  ASSERT_TRUE(engine.Post(Make<OrderFilled>(4)));
  ASSERT_TRUE(engine.Post(Make<Trade>(5)));

  // One pass: move everything (fast-path events run now), then one batch of 1.
  engine.PollOnce();
  EXPECT_THAT(log, ElementsAre("SIGNAL:3", "ORDER_FILLED:4", "TRADE:1"));
  EXPECT_EQ(engine.bus().metrics().fast_path_dispatched, 2u);
  EXPECT_EQ(engine.RunUntilIdle(), 2u);  // only queued events are counted
  EXPECT_THAT(log, ElementsAre("SIGNAL:3", "ORDER_FILLED:4", "TRADE:1", "TRADE:2", "TRADE:5"));
  EXPECT_EQ(engine.stats().ingress_received, 5u);
}

TEST(Engine, RunUntilIdleDrainsEventsPublishedByHandlers) {
  SimClock clock(kT0);
  EngineOptions o;
  o.bus.batch_size = 2;
  o.ingress_batch = 3;
  Engine engine(clock, o);
  EventBus& bus = engine.bus();
  std::vector<std::string> log;
  bus.Subscribe<Trade>([&](const Trade& t) {
    log.push_back(Tag(t));
    EXPECT_EQ(bus.Publish(Make<Quote>(t.ts_event.nanos() + 100)), PublishResult::kQueued);
  });
  bus.Subscribe<Quote>([&](const Quote& q) {
    log.push_back(Tag(q));
    if (q.ts_event.nanos() < 200) {
      EXPECT_EQ(bus.Publish(Make<Bar>(q.ts_event.nanos() + 100)), PublishResult::kQueued);
      EXPECT_EQ(bus.Publish(Make<Signal>(q.ts_event.nanos() + 1000)), PublishResult::kDispatched);
    }
  });
  bus.Subscribe<Bar>([&](const Bar& b) { log.push_back(Tag(b)); });
  bus.Subscribe<Signal>([&](const Signal& s) { log.push_back(Tag(s)); });

  constexpr int kTrades = 10;  // more than one ingress batch and bus batch
  for (int i = 1; i <= kTrades; ++i) ASSERT_TRUE(engine.Post(Make<Trade>(i)));
  EXPECT_EQ(engine.RunUntilIdle(), 3u * kTrades);
  EXPECT_EQ(log.size(), 4u * kTrades);
  EXPECT_EQ(bus.queue_depth(), 0u);
  EXPECT_EQ(engine.RunUntilIdle(), 0u);
  EXPECT_EQ(engine.stats().ingress_received, static_cast<std::uint64_t>(kTrades));
  // Every trade came before its quote, every quote before its bar.
  auto pos = [&](const std::string& s) { return std::find(log.begin(), log.end(), s) - log.begin(); };
  for (int i = 1; i <= kTrades; ++i) {
    EXPECT_LT(pos("TRADE:" + std::to_string(i)), pos("QUOTE:" + std::to_string(i + 100)));
    EXPECT_LT(pos("QUOTE:" + std::to_string(i + 100)), pos("BAR:" + std::to_string(i + 200)));
    EXPECT_EQ(pos("SIGNAL:" + std::to_string(i + 1100)), pos("QUOTE:" + std::to_string(i + 100)) + 1);
  }
}

TEST(Engine, IngressIntoNearlyFullBusWhenFastPathHandlersPublish) {
  // A fill arriving through ingress makes its handler publish queued events
  // (as a portfolio publishes position and PnL updates). Moving ingress must
  // not assume that room counted before the move is still there afterwards:
  // every posted event is delivered, none aborts the engine.
  SimClock clock(kT0);
  EngineOptions o;
  o.bus.queue_capacity = 4;
  o.bus.batch_size = 10;
  Engine engine(clock, o);
  EventBus& bus = engine.bus();
  std::vector<std::string> log;
  std::vector<PublishResult> handler_results;
  bus.Subscribe<OrderFilled>([&](const OrderFilled& f) {
    log.push_back(Tag(f));
    handler_results.push_back(bus.Publish(Make<PositionUpdate>(f.ts_event.nanos() + 100)));
    handler_results.push_back(bus.Publish(Make<PnlUpdate>(f.ts_event.nanos() + 200)));
  });
  bus.Subscribe<Trade>([&](const Trade& t) { log.push_back(Tag(t)); });
  bus.Subscribe<PositionUpdate>([&](const PositionUpdate& p) { log.push_back(Tag(p)); });
  bus.Subscribe<PnlUpdate>([&](const PnlUpdate& p) { log.push_back(Tag(p)); });

  ASSERT_TRUE(engine.Post(Make<OrderFilled>(1)));
  for (int i = 2; i <= 5; ++i) ASSERT_TRUE(engine.Post(Make<Trade>(i)));
  engine.RunUntilIdle();
  EXPECT_THAT(handler_results, ElementsAre(PublishResult::kQueued, PublishResult::kQueued));
  EXPECT_EQ(engine.stats().ingress_received, 5u);
  EXPECT_THAT(log, ElementsAre("ORDER_FILLED:1", "POSITION_UPDATE:101", "PNL_UPDATE:201", "TRADE:2", "TRADE:3",
                               "TRADE:4", "TRADE:5"));
}

// ---------------------------------------------------------------------------
// Simulated time

TEST(Engine, AdvanceToFiresTimersInOrderAtTheirDeadlines) {
  SimClock clock(kT0);
  Engine engine(clock);
  std::vector<std::string> log;
  auto timer = [&](std::string name) {
    return [&, name](TimerId, UnixNanos deadline) {
      EXPECT_EQ(clock.Now(), deadline) << name;
      log.push_back(name + "@" + std::to_string((deadline - kT0).millis()));
    };
  };
  engine.timers().ScheduleAt(kT0 + Duration::Millis(30), timer("c"));
  engine.timers().ScheduleAt(kT0 + Duration::Millis(10), timer("a"));
  engine.timers().ScheduleAt(kT0 + Duration::Millis(20), timer("b1"));
  engine.timers().ScheduleAt(kT0 + Duration::Millis(20), timer("b2"));  // same deadline: scheduling order

  ASSERT_TRUE(engine.AdvanceTo(kT0 + Duration::Millis(25)).ok());
  EXPECT_EQ(clock.Now(), kT0 + Duration::Millis(25));
  EXPECT_THAT(log, ElementsAre("a@10", "b1@20", "b2@20"));
  EXPECT_EQ(engine.timers().pending(), 1u);

  ASSERT_TRUE(engine.AdvanceTo(kT0 + Duration::Millis(30)).ok());  // a deadline exactly at t fires
  EXPECT_THAT(log, ElementsAre("a@10", "b1@20", "b2@20", "c@30"));
  EXPECT_EQ(engine.stats().timers_fired, 4u);

  ASSERT_TRUE(engine.AdvanceTo(kT0 + Duration::Millis(30)).ok());  // same time is fine
  EXPECT_EQ(engine.stats().timers_fired, 4u);
}

TEST(Engine, AdvanceToDrainsTheBusBetweenTimers) {
  SimClock clock(kT0);
  Engine engine(clock);
  std::vector<std::string> log;
  engine.bus().Subscribe<Trade>([&](const Trade& t) {
    log.push_back(Tag(t) + "@" + std::to_string((clock.Now() - kT0).millis()));
    if (t.ts_event.nanos() == 1) {
      EXPECT_EQ(engine.bus().Publish(Make<Trade>(2)), PublishResult::kQueued);  // chained, same drain
    }
  });
  engine.timers().ScheduleAt(kT0 + Duration::Millis(10), [&](TimerId, UnixNanos) {
    log.push_back("t10");
    EXPECT_EQ(engine.bus().Publish(Make<Trade>(1)), PublishResult::kQueued);
  });
  engine.timers().ScheduleAt(kT0 + Duration::Millis(20), [&](TimerId, UnixNanos) { log.push_back("t20"); });

  ASSERT_TRUE(engine.AdvanceTo(kT0 + Duration::Millis(50)).ok());
  EXPECT_THAT(log, ElementsAre("t10", "TRADE:1@10", "TRADE:2@10", "t20"));
}

TEST(Engine, AdvanceToFiresTimersScheduledByCallbacksWithinRange) {
  SimClock clock(kT0);
  Engine engine(clock);
  std::vector<std::int64_t> fired_ms;
  std::function<void(TimerId, UnixNanos)> cb = [&](TimerId, UnixNanos deadline) {
    fired_ms.push_back((deadline - kT0).millis());
    EXPECT_EQ(clock.Now(), deadline);
    engine.timers().ScheduleAfter(Duration::Millis(7), cb);  // relative to the simulated now
  };
  engine.timers().ScheduleAt(kT0 + Duration::Millis(7), cb);
  ASSERT_TRUE(engine.AdvanceTo(kT0 + Duration::Millis(30)).ok());
  EXPECT_THAT(fired_ms, ElementsAre(7, 14, 21, 28));
  EXPECT_EQ(clock.Now(), kT0 + Duration::Millis(30));
}

TEST(Engine, AdvanceToFiresPeriodicTimers) {
  SimClock clock(kT0);
  Engine engine(clock);
  std::vector<std::int64_t> fired_ms;
  engine.timers().SchedulePeriodic(kT0 + Duration::Millis(50), Duration::Millis(50), [&](TimerId, UnixNanos d) {
    EXPECT_EQ(clock.Now(), d);
    fired_ms.push_back((d - kT0).millis());
  });
  ASSERT_TRUE(engine.AdvanceTo(kT0 + Duration::Millis(220)).ok());
  EXPECT_THAT(fired_ms, ElementsAre(50, 100, 150, 200));
}

TEST(Engine, AdvanceToFiresALateTimerAtTheCurrentTime) {
  SimClock clock(kT0);
  Engine engine(clock);
  UnixNanos seen_now;
  UnixNanos seen_deadline;
  engine.timers().ScheduleAt(kT0 - Duration::Seconds(1), [&](TimerId, UnixNanos d) {
    seen_now = clock.Now();
    seen_deadline = d;
  });
  ASSERT_TRUE(engine.AdvanceTo(kT0 + Duration::Millis(1)).ok());
  EXPECT_EQ(seen_now, kT0);  // never moved backwards to the deadline
  EXPECT_EQ(seen_deadline, kT0 - Duration::Seconds(1));
  EXPECT_EQ(clock.Now(), kT0 + Duration::Millis(1));
}

TEST(Engine, AdvanceToRefusesGoingBack) {
  SimClock clock(kT0);
  Engine engine(clock);
  int fired = 0;
  engine.timers().ScheduleAt(kT0 + Duration::Millis(5), [&](TimerId, UnixNanos) { ++fired; });
  ASSERT_TRUE(engine.AdvanceTo(kT0 + Duration::Millis(100)).ok());
  EXPECT_EQ(fired, 1);
  engine.timers().ScheduleAt(kT0 + Duration::Millis(50), [&](TimerId, UnixNanos) { ++fired; });  // already late

  const Status s = engine.AdvanceTo(kT0 + Duration::Millis(60));
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(s.code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(clock.Now(), kT0 + Duration::Millis(100));  // unchanged
  EXPECT_EQ(fired, 1);                                  // nothing fired on refusal
  EXPECT_EQ(engine.timers().pending(), 1u);
}

TEST(Engine, AdvanceToRefusesWithRealClock) {
  RealClock clock;
  Engine engine(clock);
  int fired = 0;
  engine.timers().ScheduleAt(UnixNanos::FromSeconds(1), [&](TimerId, UnixNanos) { ++fired; });
  const Status s = engine.AdvanceTo(clock.Now() + Duration::Seconds(1));
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(s.code(), StatusCode::kFailedPrecondition);
  EXPECT_THAT(s.message(), HasSubstr("SimClock"));
  EXPECT_EQ(fired, 0);
}

// ---------------------------------------------------------------------------
// The live loop

TEST(Engine, StopBeforeRunMakesRunReturnAtOnce) {
  RealClock clock;
  EngineOptions o;
  o.max_idle_wait = Duration::Seconds(10);
  Engine engine(clock, o);
  engine.Stop();
  EXPECT_TRUE(engine.stop_requested());
  const auto t0 = SteadyClock::now();
  engine.Run();
  EXPECT_LT(SteadyClock::now() - t0, std::chrono::seconds(10));
}

TEST(Engine, RunReturnsAfterStopFromAnotherThread) {
  RealClock clock;
  Engine engine(clock);
  std::atomic<bool> returned{false};
  std::thread loop([&] {
    engine.Run();
    returned.store(true);
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  EXPECT_FALSE(returned.load());
  engine.Stop();
  loop.join();
  EXPECT_TRUE(returned.load());
  EXPECT_TRUE(engine.stop_requested());
}

TEST(Engine, StopWakesAnIdleWaitingLoop) {
  // With a 10 s idle wait, only Notify can end the wait early.
  RealClock clock;
  EngineOptions o;
  o.max_idle_wait = Duration::Seconds(10);
  Engine engine(clock, o);
  std::atomic<int> trades{0};
  engine.bus().Subscribe<Trade>([&](const Trade&) { trades.fetch_add(1); });
  std::thread loop([&] { engine.Run(); });
  ASSERT_TRUE(engine.Post(Make<Trade>(1)));
  while (trades.load() == 0) std::this_thread::yield();
  std::this_thread::sleep_for(std::chrono::milliseconds(20));  // the loop is idle, waiting
  const auto t0 = SteadyClock::now();
  engine.Stop();
  loop.join();
  EXPECT_LT(SteadyClock::now() - t0, std::chrono::seconds(10));
}

TEST(Engine, PostWakesAnIdleWaitingLoop) {
  RealClock clock;
  EngineOptions o;
  o.max_idle_wait = Duration::Seconds(10);
  Engine engine(clock, o);
  std::atomic<int> trades{0};
  engine.bus().Subscribe<Trade>([&](const Trade& t) {
    if (trades.fetch_add(1) + 1 == 2) engine.Stop();
    EXPECT_EQ(t.ts_event.nanos(), trades.load());
  });
  std::thread loop([&] { engine.Run(); });
  ASSERT_TRUE(engine.Post(Make<Trade>(1)));
  while (trades.load() == 0) std::this_thread::yield();
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  const auto t0 = SteadyClock::now();
  ASSERT_TRUE(engine.Post(Make<Trade>(2)));
  loop.join();
  EXPECT_LT(SteadyClock::now() - t0, std::chrono::seconds(10));
  EXPECT_EQ(trades.load(), 2);
}

TEST(Engine, TimersFireFromRunWithRealClock) {
  RealClock clock;
  EngineOptions o;
  o.max_idle_wait = Duration::Seconds(10);  // the loop must wake for the timer, not the idle bound
  Engine engine(clock, o);
  UnixNanos deadline_seen;
  UnixNanos now_seen;
  int fired = 0;
  const UnixNanos scheduled_at = clock.Now();
  engine.timers().ScheduleAfter(Duration::Millis(5), [&](TimerId, UnixNanos deadline) {
    ++fired;
    deadline_seen = deadline;
    now_seen = clock.Now();
    engine.Stop();
  });
  const auto t0 = SteadyClock::now();
  engine.Run();
  EXPECT_LT(SteadyClock::now() - t0, std::chrono::seconds(10));
  EXPECT_EQ(fired, 1);
  EXPECT_GE(deadline_seen, scheduled_at + Duration::Millis(5));
  EXPECT_GE(now_seen, deadline_seen);  // never early
  EXPECT_EQ(engine.stats().timers_fired, 1u);
}

TEST(Engine, PeriodicTimerAndEventsInterleaveInRun) {
  RealClock clock;
  Engine engine(clock);
  int ticks = 0;
  std::vector<std::int64_t> trades;
  engine.timers().SchedulePeriodic(clock.Now() + Duration::Millis(2), Duration::Millis(2), [&](TimerId id, UnixNanos) {
    ++ticks;
    EXPECT_EQ(engine.bus().Publish(Make<Trade>(ticks)), PublishResult::kQueued);
    if (ticks == 5) {
      engine.timers().Cancel(id);
    }
  });
  engine.bus().Subscribe<Trade>([&](const Trade& t) {
    trades.push_back(t.ts_event.nanos());
    if (trades.size() == 5) engine.Stop();
  });
  engine.Run();
  EXPECT_EQ(ticks, 5);
  EXPECT_THAT(trades, ElementsAre(1, 2, 3, 4, 5));
}

TEST(Engine, PostFromManyThreadsKeepsPerProducerOrderOnEngineThread) {
  constexpr int kProducers = 4;
  const std::uint64_t per = HEAN_TEST_SANITIZED ? 5'000 : 50'000;
  RealClock clock;
  EngineOptions o;
  o.ingress_capacity = 256;  // small: producers hit "full" and retry
  Engine engine(clock, o);

  std::thread::id engine_thread_id;
  std::vector<std::uint64_t> next(kProducers, 0);
  std::uint64_t out_of_order = 0;
  std::uint64_t wrong_thread = 0;
  std::uint64_t received = 0;
  engine.bus().Subscribe<Quote>([&](const Quote& q) {
    if (std::this_thread::get_id() != engine_thread_id) ++wrong_thread;
    std::uint64_t& e = next[q.instrument.value];
    if (q.update_id != e) ++out_of_order;
    e = q.update_id + 1;
    if (++received == per * kProducers) engine.Stop();
  });

  std::thread loop([&] {
    engine_thread_id = std::this_thread::get_id();  // set before Run: read only by this thread
    engine.Run();
  });

  std::atomic<std::uint64_t> rejected{0};
  std::vector<std::thread> producers;
  for (int p = 0; p < kProducers; ++p) {
    producers.emplace_back([&, p] {
      std::uint64_t my_rejected = 0;
      for (std::uint64_t i = 0; i < per; ++i) {
        Quote q = Make<Quote>(static_cast<std::int64_t>(i));
        q.instrument = InstrumentId{static_cast<std::uint32_t>(p)};
        q.update_id = i;
        while (!engine.Post(q)) {
          ++my_rejected;
          std::this_thread::yield();
        }
        if (i % 10'000 == 9'999) std::this_thread::sleep_for(std::chrono::milliseconds(1));
      }
      rejected.fetch_add(my_rejected);
    });
  }
  for (auto& t : producers) t.join();
  loop.join();

  EXPECT_EQ(received, per * kProducers);
  EXPECT_EQ(out_of_order, 0u);
  EXPECT_EQ(wrong_thread, 0u);
  for (int p = 0; p < kProducers; ++p) EXPECT_EQ(next[static_cast<std::size_t>(p)], per) << p;
  const EngineStats s = engine.stats();
  EXPECT_EQ(s.ingress_received, per * kProducers);
  EXPECT_EQ(s.ingress_rejected, rejected.load());
  EXPECT_EQ(engine.bus().metrics().queued_dispatched, per * kProducers);
}

TEST(Engine, FastPathPostsFromManyThreadsKeepPerProducerOrder) {
  constexpr int kProducers = 4;
  const std::uint64_t per = HEAN_TEST_SANITIZED ? 5'000 : 50'000;
  RealClock clock;
  EngineOptions o;
  o.ingress_capacity = 1024;
  Engine engine(clock, o);
  std::vector<std::uint64_t> next(kProducers, 0);
  std::uint64_t out_of_order = 0;
  std::uint64_t received = 0;
  engine.bus().Subscribe<Signal>([&](const Signal& s) {
    std::uint64_t& e = next[s.instrument.value];
    if (s.signal_id != e) ++out_of_order;
    e = s.signal_id + 1;
    if (++received == per * kProducers) engine.Stop();
  });
  std::thread loop([&] { engine.Run(); });
  std::vector<std::thread> producers;
  for (int p = 0; p < kProducers; ++p) {
    producers.emplace_back([&, p] {
      for (std::uint64_t i = 0; i < per; ++i) {
        Signal s = Make<Signal>(1);
        s.instrument = InstrumentId{static_cast<std::uint32_t>(p)};
        s.signal_id = i;
        while (!engine.Post(s)) std::this_thread::yield();
      }
    });
  }
  for (auto& t : producers) t.join();
  loop.join();
  EXPECT_EQ(received, per * kProducers);
  EXPECT_EQ(out_of_order, 0u);
  EXPECT_EQ(engine.bus().metrics().fast_path_dispatched, per * kProducers);
}

TEST(Engine, BusyPollModeRunsAndStops) {
  RealClock clock;
  EngineOptions o;
  o.wait_mode = WaitMode::kBusyPoll;
  o.max_idle_wait = Duration::Millis(1);
  Engine engine(clock, o);
  std::atomic<int> trades{0};
  engine.bus().Subscribe<Trade>([&](const Trade&) {
    if (trades.fetch_add(1) + 1 == 100) engine.Stop();
  });
  std::thread loop([&] { engine.Run(); });
  for (int i = 0; i < 100; ++i) {
    while (!engine.Post(Make<Trade>(i))) std::this_thread::yield();
  }
  loop.join();
  EXPECT_EQ(trades.load(), 100);
}

TEST(Engine, PollOnceReportsWork) {
  RealClock clock;
  Engine engine(clock);
  EXPECT_EQ(engine.PollOnce(), 0u);
  ASSERT_TRUE(engine.Post(Make<Trade>(1)));
  EXPECT_EQ(engine.PollOnce(), 2u);  // moved 1 + dispatched 1
  int fired = 0;
  engine.timers().ScheduleAt(clock.Now() - Duration::Millis(1), [&](TimerId, UnixNanos) { ++fired; });
  EXPECT_EQ(engine.PollOnce(), 1u);
  EXPECT_EQ(fired, 1);
  EXPECT_EQ(engine.PollOnce(), 0u);
  EXPECT_EQ(engine.stats().loop_passes, 4u);
}

}  // namespace
}  // namespace hean
