// Strategy and StrategyContext: what a strategy is given and what it may do.
//
// A strategy reads market events, books and analytics through its context
// and answers with Signals only. The risk governor turns an accepted signal
// into a sized OrderRequest; a strategy never sees an ExecutionClient, so it
// cannot tell a backtest from live trading and cannot bypass risk. Exits are
// signals too (intent kExit), which the governor turns into reduce-only
// requests.
//
// The context follows the strategy's own positions (from the fills that
// carry its id) and its own open orders (requests that carry its id, until
// a terminal event for their client id). Not thread-safe: engine thread.
#pragma once

#include <cstdint>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "hean/analytics/market_analytics.h"
#include "hean/book/book_set.h"
#include "hean/bus/event_bus.h"
#include "hean/core/clock.h"
#include "hean/core/log.h"
#include "hean/core/timer_queue.h"
#include "hean/model/events.h"
#include "hean/model/instrument.h"

namespace hean {

// A strategy's own position in one instrument.
struct StrategyPosition {
  Qty qty;           // signed: > 0 long, < 0 short
  Notional cost;     // signed entry cost of the open qty (qty x average entry price)
  UnixNanos opened;  // when it last went from flat to open
  bool flat() const noexcept { return qty.IsZero(); }
  // Average entry price; 0 when flat.
  double AvgEntry() const noexcept { return qty.IsZero() ? 0.0 : cost.ToDouble() / qty.ToDouble(); }
};

class StrategyContext {
 public:
  struct Services {
    Clock* clock = nullptr;                           // required
    TimerQueue* timers = nullptr;                     // required
    EventBus* bus = nullptr;                          // required: where signals go
    const BookSet* books = nullptr;                   // optional
    MarketAnalytics* analytics = nullptr;             // optional
    const InstrumentRegistry* instruments = nullptr;  // optional
    Logger logger;
  };

  StrategyContext(StrategyId id, Services services);

  StrategyId id() const noexcept { return id_; }
  UnixNanos Now() const noexcept { return clock_->Now(); }
  TimerQueue& timers() noexcept { return *timers_; }
  const Logger& logger() const noexcept { return logger_; }

  // The instrument's book, or nullptr; check IsValid() before trusting it.
  const OrderBook* Book(InstrumentId id) const noexcept;
  InstrumentAnalytics* Analytics(InstrumentId id) const noexcept;
  const Instrument* FindInstrument(InstrumentId id) const noexcept;

  const StrategyPosition& Position(InstrumentId id) const noexcept;
  std::size_t OpenOrders(InstrumentId id) const noexcept;

  // Stamps the signal (ts_event = ts_recv = Now(), strategy, a new
  // signal_id) and publishes it on the bus's fast path. Returns its id.
  std::uint64_t EmitSignal(Signal s);
  std::uint64_t signals_emitted() const noexcept { return next_signal_id_ - 1; }

  // Bookkeeping fed by AttachStrategy (or a test). Fills and requests of
  // other strategies are ignored.
  void OnFill(const FillReport& f);
  void OnOrderRequest(const OrderRequest& r);
  void OnOrderClosed(InstrumentId instrument, const ClientOrderId& id);

 private:
  struct OpenOrder {
    InstrumentId instrument;
    ClientOrderId id;
  };
  StrategyPosition& PositionSlot(InstrumentId id);

  StrategyId id_;
  Clock* clock_;
  TimerQueue* timers_;
  EventBus* bus_;
  const BookSet* books_;
  MarketAnalytics* analytics_;
  const InstrumentRegistry* instruments_;
  Logger logger_;
  std::uint64_t next_signal_id_ = 1;
  std::vector<StrategyPosition> positions_;  // by InstrumentId::value
  std::vector<OpenOrder> open_orders_;
};

class Strategy {
 public:
  virtual ~Strategy() = default;
  virtual std::string_view name() const noexcept = 0;

  virtual void OnStart(StrategyContext&) {}
  // A trade; the instrument's analytics already include it.
  virtual void OnTrade(StrategyContext&, const Trade&) {}
  // After a whole book message (snapshot or the last delta of a message).
  virtual void OnBook(StrategyContext&, InstrumentId, const OrderBook&) {}
  // One of this strategy's fills; the context's position already includes it.
  virtual void OnFill(StrategyContext&, const FillReport&) {}
  // The risk governor refused one of this strategy's signals or requests.
  virtual void OnDenied(StrategyContext&, const OrderDenied&) {}
  virtual void OnFlashCrash(StrategyContext&, const FlashCrash&) {}
  virtual void OnStop(StrategyContext&) {}
};

// Subscribes `strategy` (through `context`) to the bus: trades, whole book
// messages, its fills, requests and denials, order terminal events and
// flash crashes. Subscribe MarketAnalytics first so that analytics are up
// to date when the strategy sees an event. Calls OnStart. Both must
// outlive the bus subscriptions.
void AttachStrategy(EventBus& bus, StrategyContext& context, Strategy& strategy);

}  // namespace hean
