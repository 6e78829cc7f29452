// SimRunner: one backtest timeline for the simulated exchange. Recorded
// market data goes to the exchange at exchange time and to the strategy at
// local time (a market-data latency later); commands and answers travel
// through the exchange's order and response latency models. Everything
// happens in time order on one thread, so a run is deterministic.
//
// Order of events at equal times: command arrivals, then the market event,
// at the exchange; local deliveries (answers, then timers, then market
// data) strictly
// before a later exchange event, and after one at the same time (the
// strategy never acts in the same instant as the market).
//
// Not thread-safe: one backtest thread.
#pragma once

#include <cstdint>
#include <functional>

#include "hean/core/clock.h"
#include "hean/core/ring_queue.h"
#include "hean/core/status.h"
#include "hean/core/timer_queue.h"
#include "hean/data/replay.h"
#include "hean/model/events.h"
#include "hean/sim/latency_model.h"
#include "hean/sim/sim_exchange.h"

namespace hean {

class SimRunner {
 public:
  // Called with each market-data event when it reaches the strategy (the
  // clock then reads its local time). The strategy may send commands to the
  // exchange from here and from the exchange's OrderEventSink.
  // It must not call Feed, AdvanceTo or Finish (the event is delivered in
  // place; a call from there stops the process with a check failure).
  using MarketDataFn = std::function<void(const Event&)>;

  // `market_data_latency` null: the recorded receive time (ts_recv) is when
  // the strategy sees each event (never before the exchange made it).
  // Otherwise: ts_event plus a sample of the model.
  SimRunner(SimClock& clock, SimExchange& exchange, LatencyModel* market_data_latency, MarketDataFn on_market_data);

  // Timers (order TTLs, cache refreshes, algorithm slices) fired at local
  // time, in time order with the other local deliveries. Finish() fires
  // only those due before the last work in flight: a periodic timer does
  // not keep a finished run alive. Null: none.
  void SetTimers(TimerQueue* timers) noexcept { timers_ = timers; }

  // Feeds the next recorded event (feed order). Everything due before its
  // exchange time is processed first. Errors: none today (the clock never
  // moves backwards by construction); kept for sources that can fail.
  [[nodiscard]] Status Feed(const Event& event);
  // The same, taking the event over (no copy).
  [[nodiscard]] Status Feed(Event&& event);
  // Processes everything due at or before `t` (local deliveries, commands,
  // timers) and moves the clock to t: time passing with no market event.
  // Errors: kFailedPrecondition when t is before the clock.
  [[nodiscard]] Status AdvanceTo(UnixNanos t);
  // After the last event: delivers pending market data, then processes
  // commands and answers until none are left.
  [[nodiscard]] Status Finish();
  // Feeds every event of a replay (in its merged order), then Finish().
  [[nodiscard]] Status Run(Replay& replay, std::uint64_t max_events = 0);

  std::uint64_t fed() const noexcept { return fed_; }

 private:
  // Processes local deliveries and command arrivals due before `t`
  // (strictly, or at t when `inclusive`).
  Status RunUntil(UnixNanos t, bool inclusive);
  Status Local(UnixNanos t);

  struct Pending {
    UnixNanos local;
    Event event;
  };
  SimClock& clock_;
  SimExchange& exchange_;
  LatencyModel* md_latency_;
  TimerQueue* timers_ = nullptr;
  MarketDataFn on_market_data_;
  RingQueue<Pending> pending_;
  UnixNanos last_exchange_;
  UnixNanos last_local_;
  std::uint64_t fed_ = 0;
  bool delivering_ = false;
};

// Points a market-data event (book snapshot or delta, trade) at another
// instrument id: recorded data names instruments by the reader's ids, a
// run by its registry's. False (unchanged) for any other event.
bool RetargetMarketEvent(Event& event, InstrumentId to) noexcept;

// The instrument an event names; invalid for an event that names none.
InstrumentId EventInstrument(const Event& event) noexcept;

}  // namespace hean
