#include "hean/bus/event_bus.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "hean/model/test_events.h"

namespace hean {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

template <class T>
T Make(std::int64_t label) {
  return testing_support::MakeEvent<T>(label);
}
using testing_support::Tag;

EventBusOptions Opts(std::size_t capacity, std::size_t batch, int max_depth = 32) {
  EventBusOptions o;
  o.queue_capacity = capacity;
  o.batch_size = batch;
  o.max_depth = max_depth;
  return o;
}

// Subscribes a logging handler for T that appends `prefix` + Tag(event).
template <class T>
SubscriptionId Log(EventBus& bus, std::vector<std::string>& log, std::string prefix = "") {
  return bus.Subscribe<T>([&log, prefix](const T& e) { log.push_back(prefix + Tag(e)); });
}

// ---------------------------------------------------------------------------
// Fast path

TEST(EventBus, FastPathRunsBeforePublishReturns) {
  EventBus bus;
  std::vector<std::string> log;
  Log<Signal>(bus, log);
  Log<OrderRequest>(bus, log);
  Log<OrderPartiallyFilled>(bus, log);
  Log<OrderFilled>(bus, log);

  EXPECT_EQ(bus.Publish(Make<Signal>(1)), PublishResult::kDispatched);
  EXPECT_THAT(log, ElementsAre("SIGNAL:1"));
  EXPECT_EQ(bus.Publish(Make<OrderRequest>(2)), PublishResult::kDispatched);
  EXPECT_THAT(log, ElementsAre("SIGNAL:1", "ORDER_REQUEST:2"));
  const auto partial = Make<OrderPartiallyFilled>(3);
  EXPECT_EQ(bus.Publish(partial), PublishResult::kDispatched);  // lvalue overload
  EXPECT_EQ(bus.Publish(Make<OrderFilled>(4)), PublishResult::kDispatched);
  EXPECT_THAT(log, ElementsAre("SIGNAL:1", "ORDER_REQUEST:2", "ORDER_PARTIALLY_FILLED:3", "ORDER_FILLED:4"));

  EXPECT_EQ(bus.queue_depth(), 0u);
  EXPECT_EQ(bus.DispatchBatch(), 0u);
  const EventBusMetrics m = bus.metrics();
  EXPECT_EQ(m.fast_path_dispatched, 4u);
  EXPECT_EQ(m.queued_published, 0u);
  EXPECT_EQ(m.events_processed, 4u);
}

TEST(EventBus, FastPathWithoutHandlersStillDispatches) {
  EventBus bus;
  EXPECT_EQ(bus.Publish(Make<Signal>(1)), PublishResult::kDispatched);
  EXPECT_EQ(bus.metrics().fast_path_dispatched, 1u);
}

TEST(EventBus, HandlerReceivesTheEventFields) {
  EventBus bus;
  Signal got;
  bus.Subscribe<Signal>([&](const Signal& s) { got = s; });
  Signal s = Make<Signal>(7);
  s.instrument = InstrumentId{3};
  s.side = Side::kSell;
  s.intent = SignalIntent::kExit;
  s.strategy = StrategyId::Of("impulse-btc");
  s.signal_id = 42;
  s.reference_price = Price::FromInt(63943);
  s.strength = 0.75;
  EXPECT_EQ(bus.Publish(s), PublishResult::kDispatched);
  EXPECT_EQ(got.ts_event, UnixNanos::FromNanos(7));
  EXPECT_EQ(got.instrument, InstrumentId{3});
  EXPECT_EQ(got.side, Side::kSell);
  EXPECT_EQ(got.intent, SignalIntent::kExit);
  EXPECT_EQ(got.strategy.view(), "impulse-btc");
  EXPECT_EQ(got.signal_id, 42u);
  EXPECT_EQ(got.reference_price, Price::FromInt(63943));
  EXPECT_EQ(got.strength, 0.75);
}

// ---------------------------------------------------------------------------
// Queued path

TEST(EventBus, QueuedEventsWaitForDispatch) {
  EventBus bus(Opts(100, 10));
  std::vector<std::string> log;
  Log<Trade>(bus, log);
  Log<Quote>(bus, log);
  Log<BookDelta>(bus, log);

  EXPECT_EQ(bus.Publish(Make<Trade>(1)), PublishResult::kQueued);
  EXPECT_EQ(bus.Publish(Make<Quote>(2)), PublishResult::kQueued);
  const auto delta = Make<BookDelta>(3);
  EXPECT_EQ(bus.Publish(delta), PublishResult::kQueued);
  EXPECT_TRUE(log.empty());
  EXPECT_EQ(bus.queue_depth(), 3u);
  EXPECT_EQ(bus.queue_free(), 97u);
  EXPECT_EQ(bus.queue_capacity(), 100u);

  EXPECT_EQ(bus.DispatchBatch(), 3u);
  EXPECT_THAT(log, ElementsAre("TRADE:1", "QUOTE:2", "BOOK_DELTA:3"));
  EXPECT_EQ(bus.queue_depth(), 0u);
  EXPECT_EQ(bus.DispatchBatch(), 0u);
}

TEST(EventBus, EveryNonCriticalTypeIsQueued) {
  EventBus bus(Opts(64, 64));
  std::vector<std::string> log;
  bus.SubscribeAll([&](const Event& e) { log.push_back(Tag(e)); });
  EXPECT_EQ(bus.Publish(Make<BookSnapshot>(0)), PublishResult::kQueued);
  EXPECT_EQ(bus.Publish(Make<BookDelta>(1)), PublishResult::kQueued);
  EXPECT_EQ(bus.Publish(Make<Trade>(2)), PublishResult::kQueued);
  EXPECT_EQ(bus.Publish(Make<Quote>(3)), PublishResult::kQueued);
  EXPECT_EQ(bus.Publish(Make<Bar>(4)), PublishResult::kQueued);
  EXPECT_EQ(bus.Publish(Make<OrderSubmitted>(7)), PublishResult::kQueued);
  EXPECT_EQ(bus.Publish(Make<OrderAccepted>(8)), PublishResult::kQueued);
  EXPECT_EQ(bus.Publish(Make<OrderRejected>(9)), PublishResult::kQueued);
  EXPECT_EQ(bus.Publish(Make<OrderCanceled>(12)), PublishResult::kQueued);
  EXPECT_EQ(bus.Publish(Make<OrderExpired>(13)), PublishResult::kQueued);
  EXPECT_EQ(bus.Publish(Make<OrderAmended>(14)), PublishResult::kQueued);
  EXPECT_EQ(bus.Publish(Make<PositionUpdate>(15)), PublishResult::kQueued);
  EXPECT_EQ(bus.Publish(Make<PnlUpdate>(16)), PublishResult::kQueued);
  EXPECT_EQ(bus.Publish(Make<RiskStateChange>(17)), PublishResult::kQueued);
  EXPECT_EQ(bus.Publish(Make<OrderDenied>(18)), PublishResult::kQueued);
  EXPECT_EQ(bus.Publish(Make<TimerEvent>(19)), PublishResult::kQueued);
  EXPECT_EQ(bus.Publish(Make<BookInvalid>(20)), PublishResult::kQueued);
  EXPECT_EQ(bus.Publish(Make<OrderCancelRejected>(21)), PublishResult::kQueued);
  EXPECT_EQ(bus.Publish(Make<OrderAmendRejected>(22)), PublishResult::kQueued);
  EXPECT_EQ(bus.Publish(Make<FlashCrash>(23)), PublishResult::kQueued);
  EXPECT_EQ(bus.Publish(Make<IcebergDetected>(24)), PublishResult::kQueued);
  EXPECT_TRUE(log.empty());
  EXPECT_EQ(bus.queue_depth(), kEventTypeCount - 4);
  EXPECT_EQ(bus.DrainAll(), kEventTypeCount - 4);
  EXPECT_THAT(log, ElementsAre("BOOK_SNAPSHOT:0", "BOOK_DELTA:1", "TRADE:2", "QUOTE:3", "BAR:4", "ORDER_SUBMITTED:7",
                               "ORDER_ACCEPTED:8", "ORDER_REJECTED:9", "ORDER_CANCELED:12", "ORDER_EXPIRED:13",
                               "ORDER_AMENDED:14", "POSITION_UPDATE:15", "PNL_UPDATE:16", "RISK_STATE_CHANGE:17",
                               "ORDER_DENIED:18", "TIMER:19", "BOOK_INVALID:20", "ORDER_CANCEL_REJECTED:21",
                               "ORDER_AMEND_REJECTED:22", "FLASH_CRASH:23", "ICEBERG_DETECTED:24"));
}

TEST(EventBus, DispatchBatchKeepsFifoAcrossBatches) {
  EventBus bus(Opts(100, 10));
  std::vector<std::int64_t> seen;
  bus.Subscribe<Trade>([&](const Trade& t) { seen.push_back(t.ts_event.nanos()); });
  for (int i = 0; i < 25; ++i) ASSERT_EQ(bus.Publish(Make<Trade>(i)), PublishResult::kQueued);

  EXPECT_EQ(bus.DispatchBatch(), 10u);
  EXPECT_EQ(seen.size(), 10u);
  EXPECT_EQ(bus.queue_depth(), 15u);
  EXPECT_EQ(bus.DispatchBatch(), 10u);
  EXPECT_EQ(seen.size(), 20u);
  EXPECT_EQ(bus.DispatchBatch(), 5u);  // min(batch, depth)
  EXPECT_EQ(bus.DispatchBatch(), 0u);
  ASSERT_EQ(seen.size(), 25u);
  for (int i = 0; i < 25; ++i) EXPECT_EQ(seen[static_cast<std::size_t>(i)], i);
}

TEST(EventBus, DispatchBatchReturnsMinOfBatchAndDepth) {
  for (std::size_t batch : {1u, 2u, 3u, 7u, 16u}) {
    for (std::size_t depth : {0u, 1u, 5u, 16u, 20u}) {
      EventBus bus(Opts(32, batch));
      for (std::size_t i = 0; i < depth; ++i) ASSERT_EQ(bus.Publish(Make<Quote>(1)), PublishResult::kQueued);
      EXPECT_EQ(bus.DispatchBatch(), std::min(batch, depth)) << "batch " << batch << " depth " << depth;
      EXPECT_EQ(bus.queue_depth(), depth - std::min(batch, depth));
    }
  }
}

TEST(EventBus, RingWrapsAroundKeepingOrder) {
  EventBus bus(Opts(8, 3));
  std::vector<std::int64_t> seen;
  bus.Subscribe<Trade>([&](const Trade& t) { seen.push_back(t.ts_event.nanos()); });
  std::int64_t next = 0;
  // Many laps of the 8-slot ring with the fill level varying.
  for (int round = 0; round < 50; ++round) {
    const int n = 1 + round % 5;
    for (int i = 0; i < n; ++i) ASSERT_EQ(bus.Publish(Make<Trade>(next++)), PublishResult::kQueued);
    bus.DispatchBatch();
  }
  bus.DrainAll();
  ASSERT_EQ(seen.size(), static_cast<std::size_t>(next));
  for (std::int64_t i = 0; i < next; ++i) EXPECT_EQ(seen[static_cast<std::size_t>(i)], i);
  EXPECT_EQ(bus.metrics().overflows, 0u);
}

TEST(EventBus, DrainAllRespectsMaxAndIncludesNewEvents) {
  EventBus bus(Opts(100, 2));
  std::vector<std::string> log;
  int chain = 0;
  bus.Subscribe<Trade>([&](const Trade& t) {
    log.push_back(Tag(t));
    if (chain < 3) {
      ++chain;
      EXPECT_EQ(bus.Publish(Make<Trade>(100 + chain)), PublishResult::kQueued);
    }
  });
  for (int i = 0; i < 4; ++i) ASSERT_EQ(bus.Publish(Make<Trade>(i)), PublishResult::kQueued);
  EXPECT_EQ(bus.DrainAll(3), 3u);
  EXPECT_EQ(bus.queue_depth(), 4u);  // 1 original + 3 chained
  EXPECT_EQ(bus.DrainAll(), 4u);
  EXPECT_THAT(log, ElementsAre("TRADE:0", "TRADE:1", "TRADE:2", "TRADE:3", "TRADE:101", "TRADE:102", "TRADE:103"));
  EXPECT_EQ(bus.DrainAll(), 0u);
}

// ---------------------------------------------------------------------------
// Re-entrant publishing

TEST(EventBus, NestedFastPathRunsDepthFirst) {
  EventBus bus;
  std::vector<std::string> log;
  bus.Subscribe<Signal>([&](const Signal& s) {
    log.push_back("A<" + Tag(s));
    EXPECT_EQ(bus.depth(), 1);
    EXPECT_EQ(bus.Publish(Make<OrderRequest>(s.ts_event.nanos() * 10)), PublishResult::kDispatched);
    log.push_back("A>" + Tag(s));
  });
  bus.Subscribe<Signal>([&](const Signal& s) { log.push_back("B " + Tag(s)); });
  bus.Subscribe<OrderRequest>([&](const OrderRequest& r) {
    log.push_back("R<" + Tag(r));
    EXPECT_EQ(bus.depth(), 2);
    EXPECT_EQ(bus.Publish(Make<OrderFilled>(r.ts_event.nanos() + 1)), PublishResult::kDispatched);
    log.push_back("R>" + Tag(r));
  });
  bus.Subscribe<OrderFilled>([&](const OrderFilled& f) {
    EXPECT_EQ(bus.depth(), 3);
    log.push_back("F " + Tag(f));
  });

  EXPECT_EQ(bus.Publish(Make<Signal>(1)), PublishResult::kDispatched);
  EXPECT_EQ(bus.depth(), 0);
  EXPECT_THAT(log, ElementsAre("A<SIGNAL:1", "R<ORDER_REQUEST:10", "F ORDER_FILLED:11", "R>ORDER_REQUEST:10",
                               "A>SIGNAL:1", "B SIGNAL:1"));
  EXPECT_EQ(bus.metrics().fast_path_dispatched, 3u);
}

TEST(EventBus, HandlerPublishingQueuedEventsAppendsToBackOfFifo) {
  EventBus bus(Opts(100, 100));
  std::vector<std::string> log;
  bus.Subscribe<Trade>([&](const Trade& t) {
    log.push_back(Tag(t));
    if (t.ts_event.nanos() < 10) {
      EXPECT_EQ(bus.Publish(Make<Quote>(t.ts_event.nanos() + 10)), PublishResult::kQueued);
      // A fast-path event published from a queued handler runs at once.
      EXPECT_EQ(bus.Publish(Make<Signal>(t.ts_event.nanos() + 20)), PublishResult::kDispatched);
    }
  });
  Log<Quote>(bus, log);
  Log<Signal>(bus, log);
  ASSERT_EQ(bus.Publish(Make<Trade>(1)), PublishResult::kQueued);
  ASSERT_EQ(bus.Publish(Make<Trade>(2)), PublishResult::kQueued);
  ASSERT_EQ(bus.Publish(Make<Quote>(3)), PublishResult::kQueued);

  EXPECT_EQ(bus.DispatchBatch(), 5u);  // events published during the batch count towards it
  EXPECT_THAT(log, ElementsAre("TRADE:1", "SIGNAL:21", "TRADE:2", "SIGNAL:22", "QUOTE:3", "QUOTE:11", "QUOTE:12"));
}

TEST(EventBus, QueuedEventsPublishedByHandlersAreNotDispatchedBeyondBatch) {
  EventBus bus(Opts(100, 2));
  std::vector<std::string> log;
  bus.Subscribe<Trade>([&](const Trade& t) {
    log.push_back(Tag(t));
    EXPECT_EQ(bus.Publish(Make<Trade>(t.ts_event.nanos() + 100)), PublishResult::kQueued);
  });
  ASSERT_EQ(bus.Publish(Make<Trade>(1)), PublishResult::kQueued);
  EXPECT_EQ(bus.DispatchBatch(), 2u);
  EXPECT_THAT(log, ElementsAre("TRADE:1", "TRADE:101"));
  EXPECT_EQ(bus.queue_depth(), 1u);
}

TEST(EventBus, DispatchBatchInsideHandlerReturnsZero) {
  EventBus bus(Opts(100, 10));
  std::vector<std::string> log;
  std::vector<std::size_t> inner;
  bus.Subscribe<Trade>([&](const Trade& t) {
    log.push_back(Tag(t));
    inner.push_back(bus.DispatchBatch());
    inner.push_back(bus.DrainAll());
  });
  bus.Subscribe<Signal>([&](const Signal&) {
    inner.push_back(bus.DispatchBatch());
    inner.push_back(bus.DrainAll());
  });
  for (int i = 0; i < 3; ++i) ASSERT_EQ(bus.Publish(Make<Trade>(i)), PublishResult::kQueued);
  ASSERT_EQ(bus.Publish(Make<Signal>(9)), PublishResult::kDispatched);
  EXPECT_EQ(bus.queue_depth(), 3u);  // the fast-path handler drained nothing
  EXPECT_EQ(bus.DispatchBatch(), 3u);
  EXPECT_THAT(log, ElementsAre("TRADE:0", "TRADE:1", "TRADE:2"));
  EXPECT_THAT(inner, ElementsAre(0u, 0u, 0u, 0u, 0u, 0u, 0u, 0u));
}

// ---------------------------------------------------------------------------
// Depth bound

TEST(EventBus, RunawayRepublishStopsAtMaxDepth) {
  for (int max_depth : {1, 2, 8, 32}) {
    EventBus bus(Opts(16, 4, max_depth));
    int calls = 0;
    std::vector<PublishResult> results;
    bus.Subscribe<Signal>([&](const Signal& s) {
      ++calls;
      EXPECT_EQ(bus.depth(), calls);
      results.push_back(bus.Publish(s));  // forever, were it not for the bound
    });
    EXPECT_EQ(bus.Publish(Make<Signal>(1)), PublishResult::kDispatched) << max_depth;
    EXPECT_EQ(calls, max_depth);
    ASSERT_EQ(results.size(), static_cast<std::size_t>(max_depth));
    // The innermost handler's publish is refused; every outer one succeeded.
    EXPECT_EQ(results.front(), PublishResult::kDepthExceeded);
    for (std::size_t i = 1; i < results.size(); ++i) EXPECT_EQ(results[i], PublishResult::kDispatched);
    EXPECT_EQ(bus.depth(), 0);
    EventBusMetrics m = bus.metrics();
    EXPECT_EQ(m.depth_exceeded, 1u);
    EXPECT_EQ(m.fast_path_dispatched, static_cast<std::uint64_t>(max_depth));

    // The bus is usable afterwards and the counter keeps counting.
    calls = 0;
    results.clear();
    EXPECT_EQ(bus.Publish(Make<Signal>(2)), PublishResult::kDispatched);
    EXPECT_EQ(calls, max_depth);
    m = bus.metrics();
    EXPECT_EQ(m.depth_exceeded, 2u);
    EXPECT_EQ(m.fast_path_dispatched, 2u * static_cast<std::uint64_t>(max_depth));
  }
}

TEST(EventBus, CrossTypeLoopIsBoundedToo) {
  EventBus bus(Opts(16, 4, 5));
  int signals = 0;
  int requests = 0;
  int refused = 0;
  bus.Subscribe<Signal>([&](const Signal& s) {
    ++signals;
    if (bus.Publish(Make<OrderRequest>(s.ts_event.nanos())) == PublishResult::kDepthExceeded) ++refused;
  });
  bus.Subscribe<OrderRequest>([&](const OrderRequest& r) {
    ++requests;
    if (bus.Publish(Make<Signal>(r.ts_event.nanos())) == PublishResult::kDepthExceeded) ++refused;
  });
  EXPECT_EQ(bus.Publish(Make<Signal>(0)), PublishResult::kDispatched);
  EXPECT_EQ(signals + requests, 5);
  EXPECT_EQ(signals, 3);
  EXPECT_EQ(requests, 2);
  EXPECT_EQ(refused, 1);
  EXPECT_EQ(bus.metrics().depth_exceeded, 1u);
}

TEST(EventBus, QueuedDispatchDoesNotCountTowardsDepth) {
  EventBus bus(Opts(16, 4, 1));
  std::vector<PublishResult> results;
  bus.Subscribe<Trade>([&](const Trade&) { results.push_back(bus.Publish(Make<Signal>(1))); });
  ASSERT_EQ(bus.Publish(Make<Trade>(1)), PublishResult::kQueued);
  EXPECT_EQ(bus.DispatchBatch(), 1u);
  EXPECT_THAT(results, ElementsAre(PublishResult::kDispatched));
}

// ---------------------------------------------------------------------------
// Overflow

TEST(EventBus, FullQueueRefusesAndCountsWithoutLosingOthers) {
  constexpr std::size_t kCap = 5;
  EventBus bus(Opts(kCap, 2));
  std::vector<std::int64_t> seen;
  bus.Subscribe<Trade>([&](const Trade& t) { seen.push_back(t.ts_event.nanos()); });
  for (std::size_t i = 0; i < kCap; ++i) {
    ASSERT_EQ(bus.Publish(Make<Trade>(static_cast<std::int64_t>(i))), PublishResult::kQueued);
  }
  EXPECT_EQ(bus.queue_free(), 0u);
  EXPECT_EQ(bus.Publish(Make<Trade>(100)), PublishResult::kQueueFull);
  EXPECT_FALSE(Delivered(PublishResult::kQueueFull));
  const Trade lvalue = Make<Trade>(101);
  EXPECT_EQ(bus.Publish(lvalue), PublishResult::kQueueFull);
  EXPECT_EQ(bus.Publish(Event(Make<Quote>(102))), PublishResult::kQueueFull);
  const Event ev = Make<Quote>(103);
  EXPECT_EQ(bus.Publish(ev), PublishResult::kQueueFull);
  // The fast path does not need room.
  EXPECT_EQ(bus.Publish(Make<Signal>(1)), PublishResult::kDispatched);

  EventBusMetrics m = bus.metrics();
  EXPECT_EQ(m.overflows, 4u);
  EXPECT_EQ(m.queued_published, kCap);
  EXPECT_EQ(m.queue_depth, kCap);
  EXPECT_EQ(m.queue_high_water, kCap);

  EXPECT_EQ(bus.DrainAll(), kCap);
  EXPECT_THAT(seen, ElementsAre(0, 1, 2, 3, 4));
  m = bus.metrics();
  EXPECT_EQ(m.queued_dispatched, kCap);
  EXPECT_EQ(m.overflows, 4u);

  // Room again after draining.
  EXPECT_EQ(bus.Publish(Make<Trade>(5)), PublishResult::kQueued);
}

TEST(EventBus, HandlerSeesQueueFullWhenItFillsTheQueue) {
  EventBus bus(Opts(3, 1));
  std::vector<PublishResult> results;
  bus.Subscribe<Trade>([&](const Trade& t) {
    if (t.ts_event.nanos() != 0) return;
    for (int i = 1; i <= 4; ++i) results.push_back(bus.Publish(Make<Trade>(i)));
  });
  ASSERT_EQ(bus.Publish(Make<Trade>(0)), PublishResult::kQueued);
  EXPECT_EQ(bus.DispatchBatch(), 1u);
  // The slot of the event being dispatched is still taken while its handlers
  // run: 2 free slots, then full.
  EXPECT_THAT(results, ElementsAre(PublishResult::kQueued, PublishResult::kQueued, PublishResult::kQueueFull,
                                   PublishResult::kQueueFull));
  EXPECT_EQ(bus.metrics().overflows, 2u);
  EXPECT_EQ(bus.DrainAll(), 2u);
}

// ---------------------------------------------------------------------------
// Metrics

TEST(EventBus, MetricsAreExactAfterAScriptedSequence) {
  EventBus bus(Opts(4, 2, 2));
  int trades = 0;
  bus.Subscribe<Trade>([&](const Trade&) { ++trades; });
  bus.Subscribe<OrderRequest>([&](const OrderRequest& r) {
    (void)bus.Publish(r);  // runaway; refused at depth 2
  });

  EXPECT_EQ(bus.metrics().events_processed, 0u);

  // 1 fast-path event.
  EXPECT_EQ(bus.Publish(Make<Signal>(1)), PublishResult::kDispatched);
  // 3 queued, then 1 more queued and 1 overflow.
  for (int i = 0; i < 3; ++i) EXPECT_EQ(bus.Publish(Make<Trade>(i)), PublishResult::kQueued);
  EXPECT_EQ(bus.Publish(Make<Quote>(3)), PublishResult::kQueued);
  EXPECT_EQ(bus.Publish(Make<Quote>(4)), PublishResult::kQueueFull);

  EventBusMetrics m = bus.metrics();
  EXPECT_EQ(m.fast_path_dispatched, 1u);
  EXPECT_EQ(m.queued_dispatched, 0u);
  EXPECT_EQ(m.events_processed, 1u);
  EXPECT_EQ(m.queued_published, 4u);
  EXPECT_EQ(m.queue_depth, 4u);
  EXPECT_EQ(m.queue_high_water, 4u);
  EXPECT_EQ(m.overflows, 1u);
  EXPECT_EQ(m.depth_exceeded, 0u);

  EXPECT_EQ(bus.DispatchBatch(), 2u);
  m = bus.metrics();
  EXPECT_EQ(m.queued_dispatched, 2u);
  EXPECT_EQ(m.events_processed, 3u);
  EXPECT_EQ(m.queue_depth, 2u);
  EXPECT_EQ(m.queue_high_water, 4u);  // a high-water mark does not go down

  // Runaway OrderRequest: 2 dispatches (depth 0 and 1), 1 refusal.
  EXPECT_EQ(bus.Publish(Make<OrderRequest>(5)), PublishResult::kDispatched);
  m = bus.metrics();
  EXPECT_EQ(m.fast_path_dispatched, 3u);
  EXPECT_EQ(m.depth_exceeded, 1u);

  EXPECT_EQ(bus.Publish(Make<Trade>(6)), PublishResult::kQueued);
  EXPECT_EQ(bus.DrainAll(), 3u);
  EXPECT_EQ(trades, 4);

  m = bus.metrics();
  EXPECT_EQ(m.fast_path_dispatched, 3u);
  EXPECT_EQ(m.queued_dispatched, 5u);
  EXPECT_EQ(m.events_processed, 8u);
  EXPECT_EQ(m.queued_published, 5u);
  EXPECT_EQ(m.queue_depth, 0u);
  EXPECT_EQ(m.queue_high_water, 4u);
  EXPECT_EQ(m.overflows, 1u);
  EXPECT_EQ(m.depth_exceeded, 1u);
  EXPECT_EQ(bus.queue_depth(), 0u);
}

// PublishAndDrain: the same as Publish then DrainAll, in every respect a
// subscriber or the metrics can see.

// Handlers for the PublishAndDrain comparisons: a trade publishes a quote
// (queued) and a signal (fast path) while its label is below 10.
void SubscribeChain(EventBus& bus, std::vector<std::string>& log) {
  bus.Subscribe<Trade>([&bus, &log](const Trade& t) {
    log.push_back(Tag(t));
    if (t.ts_event.nanos() < 10) {
      (void)bus.Publish(Make<Quote>(t.ts_event.nanos() + 10));
      (void)bus.Publish(Make<Signal>(t.ts_event.nanos() + 20));
      (void)bus.Publish(Make<Trade>(t.ts_event.nanos() + 30));
    }
  });
  Log<Quote>(bus, log);
  Log<Signal>(bus, log);
  Log<BookDelta>(bus, log);
}

void ExpectSameMetrics(const EventBus& a, const EventBus& b) {
  const EventBusMetrics x = a.metrics();
  const EventBusMetrics y = b.metrics();
  EXPECT_EQ(x.fast_path_dispatched, y.fast_path_dispatched);
  EXPECT_EQ(x.queued_dispatched, y.queued_dispatched);
  EXPECT_EQ(x.events_processed, y.events_processed);
  EXPECT_EQ(x.queued_published, y.queued_published);
  EXPECT_EQ(x.queue_depth, y.queue_depth);
  EXPECT_EQ(x.queue_high_water, y.queue_high_water);
  EXPECT_EQ(x.overflows, y.overflows);
  EXPECT_EQ(x.depth_exceeded, y.depth_exceeded);
}

TEST(EventBus, PublishAndDrainEqualsPublishThenDrainAll) {
  EventBus a(Opts(100, 3));
  EventBus b(Opts(100, 3));
  std::vector<std::string> log_a, log_b;
  SubscribeChain(a, log_a);
  SubscribeChain(b, log_b);

  // On an idle bus (the handlers run straight from the argument).
  EXPECT_EQ(a.PublishAndDrain(Make<Trade>(1)), PublishResult::kQueued);
  EXPECT_EQ(b.Publish(Make<Trade>(1)), PublishResult::kQueued);
  (void)b.DrainAll();
  EXPECT_EQ(log_a, log_b);
  EXPECT_THAT(log_a, ElementsAre("TRADE:1", "SIGNAL:21", "QUOTE:11", "TRADE:31"));
  EXPECT_EQ(a.queue_depth(), 0u);
  ExpectSameMetrics(a, b);

  // With events already queued: they go first.
  for (EventBus* bus : {&a, &b}) {
    (void)bus->Publish(Make<BookDelta>(40));
    (void)bus->Publish(Make<Trade>(2));
  }
  EXPECT_EQ(a.PublishAndDrain(Make<Trade>(3)), PublishResult::kQueued);
  EXPECT_EQ(b.Publish(Make<Trade>(3)), PublishResult::kQueued);
  (void)b.DrainAll();
  EXPECT_EQ(log_a, log_b);
  EXPECT_EQ(log_a[4], "BOOK_DELTA:40");

  // A fast-path event: dispatched, then the queue drained.
  (void)a.Publish(Make<Trade>(50));
  (void)b.Publish(Make<Trade>(50));
  EXPECT_EQ(a.PublishAndDrain(Make<Signal>(60)), PublishResult::kDispatched);
  EXPECT_EQ(b.Publish(Make<Signal>(60)), PublishResult::kDispatched);
  (void)b.DrainAll();
  EXPECT_EQ(log_a, log_b);
  EXPECT_EQ(log_a.back(), "TRADE:50");
  EXPECT_EQ(a.queue_depth(), 0u);
  ExpectSameMetrics(a, b);
}

TEST(EventBus, PublishAndDrainLeavesHandlersTheRoomOfTheQueuedPath) {
  // Capacity 2: while a trade's handlers run, it holds one place, so of the
  // two quotes they publish the second is refused, on either path.
  for (bool direct : {true, false}) {
    SCOPED_TRACE(direct ? "PublishAndDrain" : "Publish + DrainAll");
    EventBus bus(Opts(2, 10));
    std::vector<PublishResult> results;
    std::vector<std::size_t> free_seen;
    bus.Subscribe<Trade>([&](const Trade&) {
      free_seen.push_back(bus.queue_free());
      results.push_back(bus.Publish(Make<Quote>(1)));
      results.push_back(bus.Publish(Make<Quote>(2)));
    });
    if (direct) {
      (void)bus.PublishAndDrain(Make<Trade>(1));
    } else {
      (void)bus.Publish(Make<Trade>(1));
      (void)bus.DrainAll();
    }
    EXPECT_THAT(results, ElementsAre(PublishResult::kQueued, PublishResult::kQueueFull));
    EXPECT_THAT(free_seen, ElementsAre(1u));
    EXPECT_EQ(bus.metrics().queue_high_water, 2u);
    EXPECT_EQ(bus.metrics().overflows, 1u);
    EXPECT_EQ(bus.queue_depth(), 0u);
  }
}

TEST(EventBus, PublishAndDrainCountsTheHighWaterOfAnIdleBus) {
  EventBus bus(Opts(10, 10));
  EXPECT_EQ(bus.PublishAndDrain(Make<Trade>(1)), PublishResult::kQueued);
  EventBusMetrics m = bus.metrics();
  EXPECT_EQ(m.queued_published, 1u);
  EXPECT_EQ(m.queued_dispatched, 1u);
  EXPECT_EQ(m.queue_depth, 0u);
  EXPECT_EQ(m.queue_high_water, 1u);  // as if it had passed through the FIFO
}

TEST(EventBus, PublishAndDrainInsideAHandlerOnlyPublishes) {
  EventBus bus(Opts(10, 10));
  std::vector<std::string> log;
  bus.Subscribe<Trade>([&](const Trade& t) {
    log.push_back("begin " + Tag(t));
    EXPECT_EQ(bus.PublishAndDrain(Make<Quote>(2)), PublishResult::kQueued);
    log.push_back("end " + Tag(t));
  });
  Log<Quote>(bus, log);
  EXPECT_EQ(bus.PublishAndDrain(Make<Trade>(1)), PublishResult::kQueued);
  EXPECT_THAT(log, ElementsAre("begin TRADE:1", "end TRADE:1", "QUOTE:2"));
}

TEST(EventBus, PublishAndDrainOfAFullQueueIsRefusedAndTheQueueStillDrains) {
  EventBus bus(Opts(1, 10));
  std::vector<std::string> log;
  Log<Trade>(bus, log);
  ASSERT_EQ(bus.Publish(Make<Trade>(1)), PublishResult::kQueued);
  EXPECT_EQ(bus.PublishAndDrain(Make<Trade>(2)), PublishResult::kQueueFull);
  EXPECT_THAT(log, ElementsAre("TRADE:1"));
  EXPECT_EQ(bus.metrics().overflows, 1u);
  EXPECT_EQ(bus.queue_depth(), 0u);
}

// ---------------------------------------------------------------------------
// Subscription order and changes during dispatch

TEST(EventBus, HandlersRunInSubscriptionOrder) {
  EventBus bus(Opts(16, 16));
  std::vector<std::string> log;
  for (int i = 0; i < 5; ++i) {
    // (std::string(1, c) + ...: GCC 12 -O3 gives a false -Wrestrict on "S" + std::string.)
    bus.Subscribe<Signal>([&log, i](const Signal&) { log.push_back(std::string(1, 'S') + std::to_string(i)); });
    bus.Subscribe<Trade>([&log, i](const Trade&) { log.push_back(std::string(1, 'T') + std::to_string(i)); });
  }
  ASSERT_EQ(bus.Publish(Make<Signal>(1)), PublishResult::kDispatched);
  ASSERT_EQ(bus.Publish(Make<Trade>(1)), PublishResult::kQueued);
  bus.DrainAll();
  EXPECT_THAT(log, ElementsAre("S0", "S1", "S2", "S3", "S4", "T0", "T1", "T2", "T3", "T4"));
}

TEST(EventBus, SubscribeAllInterleavesWithTypedHandlersInOrder) {
  EventBus bus(Opts(16, 16));
  std::vector<std::string> log;
  bus.Subscribe<Trade>([&](const Trade& t) { log.push_back("a " + Tag(t)); });
  bus.SubscribeAll([&](const Event& e) { log.push_back("B " + Tag(e)); });
  bus.Subscribe<Trade>([&](const Trade& t) { log.push_back("c " + Tag(t)); });
  bus.SubscribeAll([&](const Event& e) { log.push_back("D " + Tag(e)); });
  bus.Subscribe<Signal>([&](const Signal& s) { log.push_back("e " + Tag(s)); });

  ASSERT_EQ(bus.Publish(Make<Trade>(1)), PublishResult::kQueued);
  bus.DrainAll();
  EXPECT_THAT(log, ElementsAre("a TRADE:1", "B TRADE:1", "c TRADE:1", "D TRADE:1"));
  log.clear();

  ASSERT_EQ(bus.Publish(Make<Signal>(2)), PublishResult::kDispatched);
  EXPECT_THAT(log, ElementsAre("B SIGNAL:2", "D SIGNAL:2", "e SIGNAL:2"));
  log.clear();

  ASSERT_EQ(bus.Publish(Make<Quote>(3)), PublishResult::kQueued);
  bus.DrainAll();
  EXPECT_THAT(log, ElementsAre("B QUOTE:3", "D QUOTE:3"));
}

TEST(EventBus, SubscribeAllReceivesTheRightAlternative) {
  EventBus bus(Opts(16, 16));
  std::vector<EventType> types;
  bus.SubscribeAll([&](const Event& e) {
    types.push_back(TypeOf(e));
    if (const auto* f = std::get_if<OrderFilled>(&e)) {
      EXPECT_EQ(f->last_qty, Qty::FromInt(2));
    }
  });
  OrderFilled f = Make<OrderFilled>(1);
  f.last_qty = Qty::FromInt(2);
  ASSERT_EQ(bus.Publish(f), PublishResult::kDispatched);
  ASSERT_EQ(bus.Publish(Make<OrderPartiallyFilled>(2)), PublishResult::kDispatched);
  ASSERT_EQ(bus.Publish(Make<PnlUpdate>(3)), PublishResult::kQueued);
  bus.DrainAll();
  EXPECT_THAT(types,
              ElementsAre(kEventTypeOf<OrderFilled>, kEventTypeOf<OrderPartiallyFilled>, kEventTypeOf<PnlUpdate>));
}

TEST(EventBus, SubscribeDuringDispatchTakesEffectAfter) {
  EventBus bus(Opts(16, 16));
  std::vector<std::string> log;
  bool added = false;
  bus.Subscribe<Trade>([&](const Trade& t) {
    log.push_back("first " + Tag(t));
    if (!added) {
      added = true;
      bus.Subscribe<Trade>([&](const Trade& t2) { log.push_back("late " + Tag(t2)); });
      bus.SubscribeAll([&](const Event& e) { log.push_back("all " + Tag(e)); });
    }
  });
  ASSERT_EQ(bus.Publish(Make<Trade>(1)), PublishResult::kQueued);
  ASSERT_EQ(bus.Publish(Make<Trade>(2)), PublishResult::kQueued);
  EXPECT_EQ(bus.DispatchBatch(), 2u);
  // Each queued event is its own outermost dispatch: the new handlers see
  // the second trade, not the one being dispatched when they subscribed.
  EXPECT_THAT(log, ElementsAre("first TRADE:1", "first TRADE:2", "late TRADE:2", "all TRADE:2"));
}

TEST(EventBus, SubscribeDuringNestedFastPathWaitsForOutermostDispatch) {
  EventBus bus;
  std::vector<std::string> log;
  bool added = false;
  bus.Subscribe<Signal>([&](const Signal& s) {
    log.push_back("sig " + Tag(s));
    if (!added) {
      added = true;
      bus.Subscribe<OrderRequest>([&](const OrderRequest& r) { log.push_back("late " + Tag(r)); });
    }
    // The nested dispatch is inside the outer one: the new handler is not
    // active yet.
    EXPECT_EQ(bus.Publish(Make<OrderRequest>(s.ts_event.nanos() * 10)), PublishResult::kDispatched);
  });
  bus.Subscribe<OrderRequest>([&](const OrderRequest& r) { log.push_back("early " + Tag(r)); });

  ASSERT_EQ(bus.Publish(Make<Signal>(1)), PublishResult::kDispatched);
  EXPECT_THAT(log, ElementsAre("sig SIGNAL:1", "early ORDER_REQUEST:10"));
  log.clear();
  ASSERT_EQ(bus.Publish(Make<Signal>(2)), PublishResult::kDispatched);
  EXPECT_THAT(log, ElementsAre("sig SIGNAL:2", "early ORDER_REQUEST:20", "late ORDER_REQUEST:20"));
}

TEST(EventBus, SubscriptionIdsAreDistinct) {
  EventBus bus;
  const SubscriptionId a = bus.Subscribe<Signal>([](const Signal&) {});
  const SubscriptionId b = bus.SubscribeAll([](const Event&) {});
  const SubscriptionId c = bus.Subscribe<Trade>([](const Trade&) {});
  EXPECT_FALSE(a == b);
  EXPECT_FALSE(b == c);
  EXPECT_FALSE(a == c);
}

TEST(EventBus, UnsubscribeStopsDelivery) {
  EventBus bus(Opts(16, 16));
  std::vector<std::string> log;
  const SubscriptionId a = Log<Trade>(bus, log, "a ");
  const SubscriptionId all = bus.SubscribeAll([&](const Event& e) { log.push_back("all " + Tag(e)); });
  Log<Trade>(bus, log, "b ");

  EXPECT_TRUE(bus.Unsubscribe(a));
  EXPECT_FALSE(bus.Unsubscribe(a));
  EXPECT_FALSE(bus.Unsubscribe(SubscriptionId{9999}));
  ASSERT_EQ(bus.Publish(Make<Trade>(1)), PublishResult::kQueued);
  bus.DrainAll();
  EXPECT_THAT(log, ElementsAre("all TRADE:1", "b TRADE:1"));
  log.clear();

  EXPECT_TRUE(bus.Unsubscribe(all));
  ASSERT_EQ(bus.Publish(Make<Trade>(2)), PublishResult::kQueued);
  ASSERT_EQ(bus.Publish(Make<Signal>(3)), PublishResult::kDispatched);
  bus.DrainAll();
  EXPECT_THAT(log, ElementsAre("b TRADE:2"));
}

TEST(EventBus, HandlerUnsubscribingItselfIsCalledOnce) {
  EventBus bus(Opts(16, 16));
  std::vector<std::string> log;
  SubscriptionId self{};
  int calls = 0;
  // A capture that ASan would flag if the handler were destroyed while it runs.
  auto payload = std::make_shared<std::string>("payload");
  self = bus.Subscribe<Trade>([&, payload](const Trade& t) {
    ++calls;
    EXPECT_TRUE(bus.Unsubscribe(self));
    EXPECT_FALSE(bus.Unsubscribe(self));
    log.push_back(*payload + " " + Tag(t));  // still valid after unsubscribing
  });
  Log<Trade>(bus, log, "after ");
  for (int i = 0; i < 3; ++i) ASSERT_EQ(bus.Publish(Make<Trade>(i)), PublishResult::kQueued);
  bus.DrainAll();
  EXPECT_EQ(calls, 1);
  EXPECT_THAT(log, ElementsAre("payload TRADE:0", "after TRADE:0", "after TRADE:1", "after TRADE:2"));
}

TEST(EventBus, UnsubscribeLaterHandlerDuringDispatchSkipsIt) {
  EventBus bus;
  std::vector<std::string> log;
  SubscriptionId victim{};
  bus.Subscribe<Signal>([&](const Signal& s) {
    log.push_back("killer " + Tag(s));
    bus.Unsubscribe(victim);
  });
  victim = Log<Signal>(bus, log, "victim ");
  Log<Signal>(bus, log, "bystander ");
  ASSERT_EQ(bus.Publish(Make<Signal>(1)), PublishResult::kDispatched);
  ASSERT_EQ(bus.Publish(Make<Signal>(2)), PublishResult::kDispatched);
  EXPECT_THAT(log, ElementsAre("killer SIGNAL:1", "bystander SIGNAL:1", "killer SIGNAL:2", "bystander SIGNAL:2"));
}

TEST(EventBus, UnsubscribeInsideNestedDispatchStopsOuterIterationToo) {
  EventBus bus;
  std::vector<std::string> log;
  SubscriptionId victim{};
  bus.Subscribe<Signal>([&](const Signal& s) {
    log.push_back("outer " + Tag(s));
    if (s.ts_event.nanos() == 1) {
      EXPECT_EQ(bus.Publish(Make<OrderRequest>(1)), PublishResult::kDispatched);
    }
  });
  bus.Subscribe<OrderRequest>([&](const OrderRequest&) {
    log.push_back("nested");
    bus.Unsubscribe(victim);  // a Signal handler, while the Signal list is being iterated
  });
  victim = Log<Signal>(bus, log, "victim ");
  ASSERT_EQ(bus.Publish(Make<Signal>(1)), PublishResult::kDispatched);
  ASSERT_EQ(bus.Publish(Make<Signal>(2)), PublishResult::kDispatched);
  EXPECT_THAT(log, ElementsAre("outer SIGNAL:1", "nested", "outer SIGNAL:2"));
}

TEST(EventBus, UnsubscribeEarlierHandlerDuringDispatchKeepsOthers) {
  EventBus bus(Opts(16, 16));
  std::vector<std::string> log;
  const SubscriptionId first = Log<Trade>(bus, log, "first ");
  bus.Subscribe<Trade>([&](const Trade& t) {
    log.push_back("second " + Tag(t));
    bus.Unsubscribe(first);
  });
  Log<Trade>(bus, log, "third ");
  for (int i = 0; i < 2; ++i) ASSERT_EQ(bus.Publish(Make<Trade>(i)), PublishResult::kQueued);
  bus.DrainAll();
  EXPECT_THAT(log, ElementsAre("first TRADE:0", "second TRADE:0", "third TRADE:0", "second TRADE:1", "third TRADE:1"));
}

TEST(EventBus, ManyHandlersUnsubscribingDuringDispatch) {
  // Every handler unsubscribes itself and its right neighbour; handlers own
  // heap captures so that ASan catches any use of a destroyed handler.
  EventBus bus(Opts(64, 64));
  constexpr int kN = 40;
  std::vector<SubscriptionId> ids(kN);
  std::vector<int> calls(kN, 0);
  for (int i = 0; i < kN; ++i) {
    auto name = std::make_shared<std::string>("handler-" + std::to_string(i));
    ids[static_cast<std::size_t>(i)] = bus.Subscribe<Quote>([&, i, name](const Quote&) {
      ++calls[static_cast<std::size_t>(i)];
      bus.Unsubscribe(ids[static_cast<std::size_t>(i)]);
      if (i + 1 < kN) bus.Unsubscribe(ids[static_cast<std::size_t>(i + 1)]);
      EXPECT_EQ(*name, "handler-" + std::to_string(i));
    });
  }
  for (int k = 0; k < 5; ++k) ASSERT_EQ(bus.Publish(Make<Quote>(k)), PublishResult::kQueued);
  bus.DrainAll();
  for (int i = 0; i < kN; ++i) EXPECT_EQ(calls[static_cast<std::size_t>(i)], i % 2 == 0 ? 1 : 0) << i;
  // And new subscriptions still work after all that compaction.
  int late = 0;
  bus.Subscribe<Quote>([&](const Quote&) { ++late; });
  ASSERT_EQ(bus.Publish(Make<Quote>(9)), PublishResult::kQueued);
  bus.DrainAll();
  EXPECT_EQ(late, 1);
}

TEST(EventBus, UnsubscribeSubscribeAllDuringDispatch) {
  EventBus bus(Opts(16, 16));
  std::vector<std::string> log;
  SubscriptionId all{};
  all = bus.SubscribeAll([&](const Event& e) {
    log.push_back("all " + Tag(e));
    EXPECT_TRUE(bus.Unsubscribe(all));
  });
  Log<Trade>(bus, log, "t ");
  ASSERT_EQ(bus.Publish(Make<Trade>(1)), PublishResult::kQueued);
  ASSERT_EQ(bus.Publish(Make<Quote>(2)), PublishResult::kQueued);
  ASSERT_EQ(bus.Publish(Make<Signal>(3)), PublishResult::kDispatched);
  bus.DrainAll();
  // The Signal was dispatched first (fast path) and unsubscribed the
  // handler from every type at once.
  EXPECT_THAT(log, ElementsAre("all SIGNAL:3", "t TRADE:1"));
}

TEST(EventBus, UnsubscribeOfSubscriptionMadeInSameDispatch) {
  // A handler that subscribes and then, still inside the same dispatch,
  // cancels that subscription (e.g. a scoped subscription that goes out of
  // scope) must never see an event.
  EventBus bus(Opts(16, 16));
  int late_calls = 0;
  bool unsubscribed = false;
  bool done = false;
  bus.Subscribe<Trade>([&](const Trade&) {
    if (done) return;
    done = true;
    const SubscriptionId id = bus.Subscribe<Trade>([&](const Trade&) { ++late_calls; });
    unsubscribed = bus.Unsubscribe(id);
  });
  ASSERT_EQ(bus.Publish(Make<Trade>(1)), PublishResult::kQueued);
  ASSERT_EQ(bus.Publish(Make<Trade>(2)), PublishResult::kQueued);
  bus.DrainAll();
  EXPECT_TRUE(unsubscribed);
  EXPECT_EQ(late_calls, 0);
}

// ---------------------------------------------------------------------------
// Runtime-typed publish

TEST(EventBus, PublishEventChoosesPathByType) {
  EventBus bus(Opts(16, 16));
  std::vector<std::string> log;
  bus.SubscribeAll([&](const Event& e) { log.push_back(Tag(e)); });

  const Event sig = Make<Signal>(1);
  const Event trade = Make<Trade>(2);
  EXPECT_EQ(bus.Publish(sig), PublishResult::kDispatched);
  EXPECT_EQ(bus.Publish(trade), PublishResult::kQueued);
  EXPECT_THAT(log, ElementsAre("SIGNAL:1"));

  EXPECT_EQ(bus.Publish(Event(Make<OrderRequest>(3))), PublishResult::kDispatched);
  EXPECT_EQ(bus.Publish(Event(Make<OrderPartiallyFilled>(4))), PublishResult::kDispatched);
  Event filled = Make<OrderFilled>(5);
  EXPECT_EQ(bus.Publish(std::move(filled)), PublishResult::kDispatched);
  EXPECT_EQ(bus.Publish(Event(Make<Quote>(6))), PublishResult::kQueued);
  Event bar = Make<Bar>(7);
  EXPECT_EQ(bus.Publish(bar), PublishResult::kQueued);  // non-const lvalue Event
  EXPECT_THAT(log, ElementsAre("SIGNAL:1", "ORDER_REQUEST:3", "ORDER_PARTIALLY_FILLED:4", "ORDER_FILLED:5"));

  EXPECT_EQ(bus.DrainAll(), 3u);
  EXPECT_THAT(log, ElementsAre("SIGNAL:1", "ORDER_REQUEST:3", "ORDER_PARTIALLY_FILLED:4", "ORDER_FILLED:5", "TRADE:2",
                               "QUOTE:6", "BAR:7"));
  const EventBusMetrics m = bus.metrics();
  EXPECT_EQ(m.fast_path_dispatched, 4u);
  EXPECT_EQ(m.queued_published, 3u);
  EXPECT_EQ(m.queued_dispatched, 3u);
}

TEST(EventBus, PublishEventReachesTypedHandlers) {
  EventBus bus(Opts(16, 16));
  std::vector<std::string> log;
  Log<Signal>(bus, log);
  Log<Trade>(bus, log);
  EXPECT_EQ(bus.Publish(Event(Make<Trade>(1))), PublishResult::kQueued);
  EXPECT_EQ(bus.Publish(Event(Make<Signal>(2))), PublishResult::kDispatched);
  bus.DrainAll();
  EXPECT_THAT(log, ElementsAre("SIGNAL:2", "TRADE:1"));
}

TEST(EventBus, PublishEventRespectsDepthBound) {
  EventBus bus(Opts(16, 16, 3));
  int calls = 0;
  PublishResult last = PublishResult::kDispatched;
  bus.Subscribe<Signal>([&](const Signal& s) {
    ++calls;
    last = bus.Publish(Event(s));
  });
  EXPECT_EQ(bus.Publish(Event(Make<Signal>(1))), PublishResult::kDispatched);
  EXPECT_EQ(calls, 3);
  EXPECT_EQ(last, PublishResult::kDispatched);  // the outermost handler's publish succeeded
  EXPECT_EQ(bus.metrics().depth_exceeded, 1u);
}

// ---------------------------------------------------------------------------
// Options

TEST(EventBus, DefaultOptionsAreValid) {
  const EventBusOptions o;
  EXPECT_TRUE(o.Validate().ok());
  EXPECT_EQ(o.queue_capacity, 50'000u);
  EXPECT_EQ(o.batch_size, 10u);
  EventBus bus;
  EXPECT_EQ(bus.queue_capacity(), 50'000u);
  EXPECT_EQ(bus.options().batch_size, 10u);
}

TEST(EventBus, OptionsValidateNamesTheOption) {
  struct Case {
    const char* option;
    EventBusOptions opts;
  };
  std::vector<Case> cases;
  {
    EventBusOptions o;
    o.queue_capacity = 0;
    cases.push_back({"queue_capacity", o});
    o.queue_capacity = 100'000'001;
    cases.push_back({"queue_capacity", o});
  }
  {
    EventBusOptions o;
    o.batch_size = 0;
    cases.push_back({"batch_size", o});
  }
  {
    EventBusOptions o;
    o.max_depth = 0;
    cases.push_back({"max_depth", o});
    o.max_depth = -1;
    cases.push_back({"max_depth", o});
    o.max_depth = 1025;
    cases.push_back({"max_depth", o});
  }
  {
    EventBusOptions o;
    o.latency_sample_every = 3;
    cases.push_back({"latency_sample_every", o});
    o.latency_sample_every = 100;
    cases.push_back({"latency_sample_every", o});
  }
  for (const Case& c : cases) {
    const Status s = c.opts.Validate();
    EXPECT_FALSE(s.ok()) << c.option;
    EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << c.option;
    EXPECT_THAT(s.message(), HasSubstr(c.option));
  }
}

TEST(EventBus, OptionsValidateAcceptsBounds) {
  EventBusOptions o;
  o.queue_capacity = 1;
  o.batch_size = 1;
  o.max_depth = 1;
  o.latency_sample_every = 0;
  EXPECT_TRUE(o.Validate().ok());
  o.queue_capacity = 100'000'000;
  o.max_depth = 1024;
  o.latency_sample_every = 1;
  EXPECT_TRUE(o.Validate().ok());
  o.latency_sample_every = 1u << 31;
  EXPECT_TRUE(o.Validate().ok());
}

TEST(EventBus, CapacityOneWorks) {
  EventBus bus(Opts(1, 1, 1));
  int n = 0;
  bus.Subscribe<Trade>([&](const Trade&) { ++n; });
  for (int i = 0; i < 5; ++i) {
    ASSERT_EQ(bus.Publish(Make<Trade>(i)), PublishResult::kQueued);
    ASSERT_EQ(bus.Publish(Make<Trade>(i)), PublishResult::kQueueFull);
    ASSERT_EQ(bus.DispatchBatch(), 1u);
  }
  EXPECT_EQ(n, 5);
  EXPECT_EQ(bus.metrics().overflows, 5u);
  EXPECT_EQ(bus.metrics().queue_high_water, 1u);
}

TEST(EventBusDeathTest, InvalidOptionsAbortConstruction) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EventBusOptions o;
  o.batch_size = 0;
  EXPECT_DEATH({ EventBus bus(o); }, "invalid EventBusOptions");
}

// ---------------------------------------------------------------------------
// Latency histograms

TEST(EventBus, LatencyIsSampledEveryDispatchWhenAskedTo) {
  EventBusOptions o = Opts(16, 16);
  o.latency_sample_every = 1;
  EventBus bus(o);
  bus.Subscribe<Signal>([](const Signal&) {});
  bus.Subscribe<Trade>([](const Trade&) {});
  for (int i = 0; i < 3; ++i) ASSERT_EQ(bus.Publish(Make<Signal>(i)), PublishResult::kDispatched);
  for (int i = 0; i < 2; ++i) ASSERT_EQ(bus.Publish(Make<Trade>(i)), PublishResult::kQueued);
  EXPECT_EQ(bus.dispatch_latency(kEventTypeOf<Trade>).count(), 0u);  // not dispatched yet
  bus.DrainAll();
  EXPECT_EQ(bus.dispatch_latency(kEventTypeOf<Signal>).count(), 3u);
  EXPECT_EQ(bus.dispatch_latency(kEventTypeOf<Trade>).count(), 2u);
  EXPECT_EQ(bus.dispatch_latency(kEventTypeOf<Quote>).count(), 0u);
}

TEST(EventBus, LatencyIsNotSampledWhenOff) {
  EventBusOptions o = Opts(16, 16);
  o.latency_sample_every = 0;
  EventBus bus(o);
  bus.Subscribe<Signal>([](const Signal&) {});
  for (int i = 0; i < 100; ++i) ASSERT_EQ(bus.Publish(Make<Signal>(i)), PublishResult::kDispatched);
  ASSERT_EQ(bus.Publish(Make<Trade>(1)), PublishResult::kQueued);
  bus.DrainAll();
  for (std::size_t t = 0; t < kEventTypeCount; ++t) {
    EXPECT_EQ(bus.dispatch_latency(static_cast<EventType>(t)).count(), 0u) << EventTypeName(static_cast<EventType>(t));
  }
}

TEST(EventBus, LatencySamplesOneInN) {
  EventBusOptions o = Opts(16, 16);
  o.latency_sample_every = 4;
  EventBus bus(o);
  for (int i = 0; i < 16; ++i) ASSERT_EQ(bus.Publish(Make<Signal>(i)), PublishResult::kDispatched);
  EXPECT_EQ(bus.dispatch_latency(kEventTypeOf<Signal>).count(), 4u);
}

// ---------------------------------------------------------------------------
// BookSnapshot heap data

TEST(EventBus, BookSnapshotLevelsReleasedAfterDispatch) {
  EventBus bus(Opts(4, 4));
  std::size_t bids_seen = 0;
  bus.Subscribe<BookSnapshot>([&](const BookSnapshot& s) {
    ASSERT_NE(s.levels, nullptr);
    bids_seen = s.levels->bids.size();
  });
  std::weak_ptr<const BookLevels> weak;
  {
    auto levels = std::make_shared<BookLevels>();
    levels->bids.push_back({Price::FromInt(100), Qty::FromInt(1)});
    levels->bids.push_back({Price::FromInt(99), Qty::FromInt(2)});
    levels->asks.push_back({Price::FromInt(101), Qty::FromInt(3)});
    BookSnapshot snap = Make<BookSnapshot>(1);
    snap.levels = levels;
    weak = snap.levels;
    ASSERT_EQ(bus.Publish(snap), PublishResult::kQueued);  // copies the pointer
  }
  EXPECT_FALSE(weak.expired()) << "the queued event owns the levels until dispatched";
  EXPECT_EQ(bus.DispatchBatch(), 1u);
  EXPECT_EQ(bids_seen, 2u);
  EXPECT_TRUE(weak.expired()) << "the ring slot still holds the levels after dispatch";
}

TEST(EventBus, BookSnapshotLevelsReleasedViaEventPathAndSubscribeAll) {
  EventBus bus(Opts(4, 4));
  int seen = 0;
  bus.SubscribeAll([&](const Event& e) {
    const auto* s = std::get_if<BookSnapshot>(&e);
    ASSERT_NE(s, nullptr);
    ASSERT_NE(s->levels, nullptr);
    ++seen;
  });
  std::weak_ptr<const BookLevels> weak;
  {
    BookSnapshot snap = Make<BookSnapshot>(1);
    snap.levels = std::make_shared<const BookLevels>();
    weak = snap.levels;
    ASSERT_EQ(bus.Publish(Event(std::move(snap))), PublishResult::kQueued);
  }
  EXPECT_FALSE(weak.expired());
  EXPECT_EQ(bus.DrainAll(), 1u);
  EXPECT_EQ(seen, 1);
  EXPECT_TRUE(weak.expired());
}

TEST(EventBus, BookSnapshotKeptAliveByAHandlerThatCopiesIt) {
  EventBus bus(Opts(4, 4));
  std::shared_ptr<const BookLevels> kept;
  bus.Subscribe<BookSnapshot>([&](const BookSnapshot& s) { kept = s.levels; });
  std::weak_ptr<const BookLevels> weak;
  {
    BookSnapshot snap = Make<BookSnapshot>(1);
    snap.levels = std::make_shared<const BookLevels>();
    weak = snap.levels;
    ASSERT_EQ(bus.Publish(std::move(snap)), PublishResult::kQueued);
  }
  bus.DrainAll();
  EXPECT_FALSE(weak.expired());
  kept.reset();
  EXPECT_TRUE(weak.expired());
}

TEST(EventBus, PublishResultNames) {
  EXPECT_EQ(ToString(PublishResult::kDispatched), "DISPATCHED");
  EXPECT_EQ(ToString(PublishResult::kQueued), "QUEUED");
  EXPECT_EQ(ToString(PublishResult::kQueueFull), "QUEUE_FULL");
  EXPECT_EQ(ToString(PublishResult::kDepthExceeded), "DEPTH_EXCEEDED");
  EXPECT_TRUE(Delivered(PublishResult::kDispatched));
  EXPECT_TRUE(Delivered(PublishResult::kQueued));
  EXPECT_FALSE(Delivered(PublishResult::kQueueFull));
  EXPECT_FALSE(Delivered(PublishResult::kDepthExceeded));
}

}  // namespace
}  // namespace hean
