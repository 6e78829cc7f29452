// SimRunner: one backtest timeline for the simulated exchange. Recorded
// market data goes to the exchange at exchange time and to the strategy at
// local time (a market-data latency later); commands and answers travel
// through the exchange's order and response latency models. Everything
// happens in time order on one thread, so a run is deterministic.
//
// Order of events at equal times: command arrivals, then the market event,
// at the exchange; local deliveries (answers, then market data) strictly
// before a later exchange event, and after one at the same time (the
// strategy never acts in the same instant as the market).
//
// Not thread-safe: one backtest thread.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>

#include "hean/core/clock.h"
#include "hean/core/status.h"
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
  using MarketDataFn = std::function<void(const Event&)>;

  // `market_data_latency` null: the recorded receive time (ts_recv) is when
  // the strategy sees each event (never before the exchange made it).
  // Otherwise: ts_event plus a sample of the model.
  SimRunner(SimClock& clock, SimExchange& exchange, LatencyModel* market_data_latency, MarketDataFn on_market_data);

  // Feeds the next recorded event (feed order). Everything due before its
  // exchange time is processed first. Errors: none today (the clock never
  // moves backwards by construction); kept for sources that can fail.
  [[nodiscard]] Status Feed(const Event& event);
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
  MarketDataFn on_market_data_;
  std::deque<Pending> pending_;
  UnixNanos last_exchange_;
  UnixNanos last_local_;
  std::uint64_t fed_ = 0;
};

}  // namespace hean
