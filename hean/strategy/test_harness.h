// The strategy tests' harness: a StrategyContext wired as the engine loop
// wires it, on a simulated clock. Tests only.
#pragma once

#include <gtest/gtest.h>

#include <utility>
#include <vector>

#include "hean/analytics/market_analytics.h"
#include "hean/analytics/test_support.h"
#include "hean/book/book_set.h"
#include "hean/bus/event_bus.h"
#include "hean/core/clock.h"
#include "hean/core/log.h"
#include "hean/core/timer_queue.h"
#include "hean/model/events.h"
#include "hean/strategy/strategy.h"

namespace hean::testing_support {

// A context over a clock starting at kT0, timers, a bus, books and
// MarketAnalytics (tick 0.1 for every instrument), with the signals
// published on the bus recorded. Attach() wires a strategy: analytics
// subscribed first, then the strategy through AttachStrategy. Not copyable:
// the subscriptions hold pointers to its members.
struct StrategyHarness {
  // `symbol` names each instrument for the analytics; `log_name` names the
  // context's logger.
  StrategyHarness(StrategyId id, const char* log_name, const char* (*symbol)(InstrumentId))
      : books([](InstrumentId) {
          return BookSet::Spec{Venue::kUnknown, P("0.1")};
        }),
        analytics(
            AnalyticsConfig{},
            [symbol](InstrumentId i) {
              return MarketAnalytics::Spec{symbol(i), P("0.1")};
            },
            &books),
        ctx(id, Services(log_name)) {}
  StrategyHarness(const StrategyHarness&) = delete;
  StrategyHarness& operator=(const StrategyHarness&) = delete;

  void Attach(Strategy& strategy) {
    analytics.Attach(bus, clock);
    bus.Subscribe<Signal>([this](const Signal& s) { signals.push_back(s); });
    AttachStrategy(bus, ctx, strategy);
  }

  // Stamps `e` with the clock's time, queues it on the bus and drains it.
  template <class E>
  void Queue(E e) {
    e.ts_event = clock.Now();
    e.ts_recv = clock.Now();
    ASSERT_EQ(bus.Publish(std::move(e)), PublishResult::kQueued);
    bus.DrainAll();
  }

  // Applies a book event to the books, then queues it, as the replay and the
  // live feed do.
  template <class E>
  void ApplyAndQueue(const E& e) {
    ASSERT_FALSE(books.Apply(e).has_value());
    Queue(e);
  }

  SimClock clock{kT0};
  TimerQueue timers{clock};
  EventBus bus;
  BookSet books;
  MarketAnalytics analytics;
  MemoryLogSink sink;
  StrategyContext ctx;
  std::vector<Signal> signals;

 private:
  StrategyContext::Services Services(const char* log_name) {
    StrategyContext::Services s;
    s.clock = &clock;
    s.timers = &timers;
    s.bus = &bus;
    s.books = &books;
    s.analytics = &analytics;
    s.logger = Logger(&sink, LogLevel::kInfo, log_name);
    return s;
  }
};

}  // namespace hean::testing_support
