// The events that travel on the bus (DESIGN.md section 2).
//
// Every event is a small value type whose first two fields are ts_event (the
// exchange's time, or the engine's for events it makes) and ts_recv (local
// receive time; for engine-made events, the engine's clock when made).
// `Event` is a std::variant of all of them; the alternative's index is its
// EventType. SIGNAL, ORDER_REQUEST and the fills (OrderPartiallyFilled,
// OrderFilled) are critical and take the bus's synchronous fast path.
//
// Only BookSnapshot holds heap data (an immutable, shared level list), so
// copying any other event is a plain copy of a few dozen bytes.
#pragma once

#include <cstdint>
#include <memory>
#include <string_view>
#include <type_traits>
#include <variant>
#include <vector>

#include "hean/core/decimal.h"
#include "hean/core/inline_string.h"
#include "hean/core/time.h"
#include "hean/model/types.h"

namespace hean {

struct BookLevel {
  Price price;
  Qty qty;
  friend bool operator==(const BookLevel&, const BookLevel&) = default;
};

// Both sides of a full book, best first (bids descending, asks ascending).
struct BookLevels {
  std::vector<BookLevel> bids;
  std::vector<BookLevel> asks;
};

// A full replacement of one instrument's book.
struct BookSnapshot {
  UnixNanos ts_event;
  UnixNanos ts_recv;
  InstrumentId instrument;
  std::uint64_t update_id = 0;  // venue update id (Bybit `u`, Binance lastUpdateId)
  std::uint64_t sequence = 0;   // venue cross sequence (Bybit `seq`), 0 if none
  std::shared_ptr<const BookLevels> levels;
};

// One level change. A venue message with many levels becomes several deltas
// sharing update_id; the last carries kLastInMessage so that the book can
// check integrity (e.g. crossing) only after the whole message.
struct BookDelta {
  static constexpr std::uint8_t kLastInMessage = 1;
  // The message had no levels: this delta only carries its update ids
  // (price is Undefined); a builder must still check and advance them.
  static constexpr std::uint8_t kNoLevels = 2;
  UnixNanos ts_event;
  UnixNanos ts_recv;
  InstrumentId instrument;
  Side side = Side::kBuy;
  std::uint8_t flags = 0;
  Price price;
  Qty qty;                            // new total at this price; zero removes the level
  std::uint64_t update_id = 0;        // last update id of the message (Binance `u`, Bybit `u`)
  std::uint64_t first_update_id = 0;  // Binance `U`; 0 if the feed has none
  std::uint64_t prev_update_id = 0;   // Binance `pu`; 0 if the feed has none
  std::uint64_t sequence = 0;         // Bybit `seq`; 0 if none
};

// One order-book message of a venue, whole: what a feed handler gives a
// book builder directly (BybitBookBuilder::OnMessage,
// BinanceBookBuilder::OnMessage) without making one BookDelta event per
// level. Not an Event: on the bus a message travels as its BookSnapshot or
// BookDeltas. Buffers are reused from message to message.
struct BookMessage {
  UnixNanos ts_event;
  UnixNanos ts_recv;
  InstrumentId instrument;
  bool snapshot = false;              // replaces the book (else: levels to set)
  std::uint64_t update_id = 0;        // as in BookDelta
  std::uint64_t first_update_id = 0;  // Binance `U`
  std::uint64_t prev_update_id = 0;   // Binance `pu`
  std::uint64_t sequence = 0;         // Bybit `seq`
  std::vector<BookLevel> bids;        // snapshot: best first
  std::vector<BookLevel> asks;
};

// A trade printed by the venue.
struct Trade {
  UnixNanos ts_event;
  UnixNanos ts_recv;
  InstrumentId instrument;
  AggressorSide aggressor = AggressorSide::kUnknown;
  Price price;
  Qty qty;
  TradeId trade_id;
};

// Best bid and ask (top of book) as the venue publishes it.
struct Quote {
  UnixNanos ts_event;
  UnixNanos ts_recv;
  InstrumentId instrument;
  Price bid_price;
  Qty bid_qty;
  Price ask_price;
  Qty ask_qty;
  std::uint64_t update_id = 0;
};

// An OHLCV bar; ts_event is the bar's close time.
struct Bar {
  UnixNanos ts_event;
  UnixNanos ts_recv;
  InstrumentId instrument;
  Duration interval;
  UnixNanos open_time;
  Price open;
  Price high;
  Price low;
  Price close;
  Qty volume;
  std::uint32_t trade_count = 0;
};

// What the strategy wants: enter or add (kEntry) or reduce/close (kExit).
enum class SignalIntent : std::uint8_t { kEntry = 1, kExit = 2 };

// Why a strategy emitted a signal: bits of Signal::reasons.
namespace signal_reason {
inline constexpr std::uint32_t kImpulse = 1u << 0;          // return over the lookback beat the threshold
inline constexpr std::uint32_t kVolumeSpike = 1u << 1;      // confirmed by a real-volume spike
inline constexpr std::uint32_t kSpikeUnknown = 1u << 2;     // too little trade history: spike assumed
inline constexpr std::uint32_t kFlowBoost = 1u << 3;        // trade flow > 2 with momentum: take-profit widened
inline constexpr std::uint32_t kProfileBreakout = 1u << 4;  // broke the VPOC with pressure behind it
inline constexpr std::uint32_t kTakeProfit = 1u << 8;       // exit: take-profit reached
inline constexpr std::uint32_t kStopLoss = 1u << 9;         // exit: stop-loss reached
inline constexpr std::uint32_t kPositionTtl = 1u << 10;     // exit: the position outlived its time-to-live
inline constexpr std::uint32_t kFlashCrash = 1u << 11;      // exit: a flash crash was detected
}  // namespace signal_reason

// A strategy's trading intent, before risk. The governor sizes it.
struct Signal {
  UnixNanos ts_event;
  UnixNanos ts_recv;
  InstrumentId instrument;
  Side side = Side::kBuy;
  SignalIntent intent = SignalIntent::kEntry;
  StrategyId strategy;
  std::uint64_t signal_id = 0;
  Price reference_price;                   // price the strategy saw (e.g. the last trade)
  double strength = 0.0;                   // confidence in [0, 1]
  Price take_profit = Price::Undefined();  // entries: exit price targets
  Price stop_loss = Price::Undefined();
  Duration position_ttl;      // entries: close the position after this long (zero: no limit)
  double size_hint = 0.0;     // fraction of the strategy's normal size the strategy asks for (0: default)
  std::uint32_t reasons = 0;  // signal_reason bits
};

// How soon an order must be done; the execution router chooses maker or
// taker placement from it.
enum class Urgency : std::uint8_t { kPassive = 1, kNormal = 2, kAggressive = 3 };

// A sized order the risk governor approved; execution acts only on these.
struct OrderRequest {
  UnixNanos ts_event;
  UnixNanos ts_recv;
  InstrumentId instrument;
  Side side = Side::kBuy;
  OrderType type = OrderType::kLimit;
  TimeInForce tif = TimeInForce::kGtc;
  Urgency urgency = Urgency::kNormal;
  bool reduce_only = false;
  Price price = Price::Undefined();  // limit; Undefined for market
  Qty qty;
  ClientOrderId client_order_id;
  StrategyId strategy;
  std::uint64_t signal_id = 0;
};

struct OrderSubmitted {
  UnixNanos ts_event;
  UnixNanos ts_recv;
  InstrumentId instrument;
  ClientOrderId client_order_id;
};

struct OrderAccepted {
  UnixNanos ts_event;
  UnixNanos ts_recv;
  InstrumentId instrument;
  ClientOrderId client_order_id;
  VenueOrderId venue_order_id;
};

struct OrderRejected {
  UnixNanos ts_event;
  UnixNanos ts_recv;
  InstrumentId instrument;
  RejectReason reason = RejectReason::kUnknown;
  ClientOrderId client_order_id;
  InlineString<63> venue_message;  // the venue's own words, truncated
};

// One execution against an order. Sent as OrderPartiallyFilled while
// leaves_qty > 0 and as OrderFilled for the fill that completes the order.
struct FillReport {
  UnixNanos ts_event;
  UnixNanos ts_recv;
  InstrumentId instrument;
  Side side = Side::kBuy;
  LiquiditySide liquidity = LiquiditySide::kUnknown;
  Price last_price;
  Qty last_qty;
  Qty cum_qty;
  Qty leaves_qty;
  Notional fee;  // positive is paid, negative is a rebate
  ClientOrderId client_order_id;
  VenueOrderId venue_order_id;
  TradeId trade_id;
  StrategyId strategy;
};
struct OrderPartiallyFilled : FillReport {};
struct OrderFilled : FillReport {};

struct OrderCanceled {
  UnixNanos ts_event;
  UnixNanos ts_recv;
  InstrumentId instrument;
  ClientOrderId client_order_id;
};

struct OrderExpired {
  UnixNanos ts_event;
  UnixNanos ts_recv;
  InstrumentId instrument;
  ClientOrderId client_order_id;
};

struct OrderAmended {
  UnixNanos ts_event;
  UnixNanos ts_recv;
  InstrumentId instrument;
  Price price;
  Qty qty;
  ClientOrderId client_order_id;
};

// A position after a change (fill, mark, funding). qty is signed: > 0 long.
struct PositionUpdate {
  UnixNanos ts_event;
  UnixNanos ts_recv;
  InstrumentId instrument;
  Qty qty;
  Price avg_entry_price;
  Notional realized_pnl;
  Notional unrealized_pnl;
  StrategyId strategy;
};

// Account-level PnL and equity.
struct PnlUpdate {
  UnixNanos ts_event;
  UnixNanos ts_recv;
  Notional equity;
  Notional peak_equity;
  Notional realized_pnl;
  Notional unrealized_pnl;
  Notional fees;
  double drawdown = 0.0;  // (peak - equity) / peak
};

// A trading-state transition, for the account (strategy empty) or one
// strategy, with the figure that caused it.
struct RiskStateChange {
  UnixNanos ts_event;
  UnixNanos ts_recv;
  RiskState from = RiskState::kNormal;
  RiskState to = RiskState::kNormal;
  StrategyId strategy;
  InlineString<31> reason;  // e.g. "strategy_drawdown"
  double value = 0.0;       // the observed figure
  double limit = 0.0;       // the limit it crossed
};

// The risk governor refused a signal or a request.
struct OrderDenied {
  UnixNanos ts_event;
  UnixNanos ts_recv;
  InstrumentId instrument;
  DenyReason reason = DenyReason::kInvalidOrder;
  std::uint64_t signal_id = 0;
  ClientOrderId client_order_id;
  StrategyId strategy;
};

// A timer that a component chose to publish on the bus (most timers call
// back directly; see TimerQueue).
struct TimerEvent {
  UnixNanos ts_event;
  UnixNanos ts_recv;
  std::uint64_t timer_id = 0;
  std::uint32_t tag = 0;  // component-defined
};

// A book stopped being trustworthy: an integrity failure while rebuilding
// it from a feed (sequence gap, a delta before any snapshot, a book crossed
// after a whole message, unparseable levels). Nothing downstream may use the
// instrument's book until a new snapshot makes it valid again.
struct BookInvalid {
  UnixNanos ts_event;
  UnixNanos ts_recv;
  InstrumentId instrument;
  BookError reason = BookError::kSequenceGap;
  std::uint64_t last_update_id = 0;  // last update id applied before the failure
  std::uint64_t update_id = 0;       // update id of the message that failed
};

// The venue refused our cancel: the order is unknown to it, or already
// closed (a cancel that arrives after the fill). The order's own state
// comes from its other events.
struct OrderCancelRejected {
  UnixNanos ts_event;
  UnixNanos ts_recv;
  InstrumentId instrument;
  RejectReason reason = RejectReason::kUnknown;
  ClientOrderId client_order_id;
};

// The venue refused our amend; the order keeps its price and qty.
struct OrderAmendRejected {
  UnixNanos ts_event;
  UnixNanos ts_recv;
  InstrumentId instrument;
  RejectReason reason = RejectReason::kUnknown;
  ClientOrderId client_order_id;
};

// A flash-crash signature (FlashCrashDetector): the price moved more than
// the configured fraction within the move window, then recovered more than
// the configured fraction of the extreme. The risk governor halts trading
// on it. direction is kSell for a crash (down then up), kBuy for a spike.
struct FlashCrash {
  UnixNanos ts_event;
  UnixNanos ts_recv;
  InstrumentId instrument;
  Side direction = Side::kSell;
  Price start_price;       // the price the move started from (window extreme)
  Price extreme_price;     // the bottom of a crash, the top of a spike
  Price price;             // the price that completed the recovery
  UnixNanos move_start;    // time of start_price
  UnixNanos extreme_time;  // time of extreme_price
  double move = 0.0;       // |extreme / start - 1|
  double recovery = 0.0;   // |price / extreme - 1|
};

// A price level that keeps refilling while it is traded (IcebergDetector).
struct IcebergDetected {
  UnixNanos ts_event;
  UnixNanos ts_recv;
  InstrumentId instrument;
  Side side = Side::kBuy;  // the resting side: kBuy for a bid level
  Price price;
  Qty absorbed;  // volume traded at the level while tracked
  std::uint32_t replenishments = 0;
  double confidence = 0.0;  // the score, >= the report threshold
};

// New alternatives go at the end: the index is the EventType that native
// files and counters use.
using Event = std::variant<BookSnapshot, BookDelta, Trade, Quote, Bar, Signal, OrderRequest, OrderSubmitted,
                           OrderAccepted, OrderRejected, OrderPartiallyFilled, OrderFilled, OrderCanceled, OrderExpired,
                           OrderAmended, PositionUpdate, PnlUpdate, RiskStateChange, OrderDenied, TimerEvent,
                           BookInvalid, OrderCancelRejected, OrderAmendRejected, FlashCrash, IcebergDetected>;

inline constexpr std::size_t kEventTypeCount = std::variant_size_v<Event>;

// The event's type as a number: its index in Event.
using EventType = std::uint8_t;

namespace events_detail {
template <class T, class V>
struct IndexOf;
template <class T, class... Ts>
struct IndexOf<T, std::variant<Ts...>> {
  static constexpr std::size_t kValue = [] {
    constexpr bool kMatches[] = {std::is_same_v<T, Ts>...};
    for (std::size_t i = 0; i < sizeof...(Ts); ++i)
      if (kMatches[i]) return i;
    return sizeof...(Ts);
  }();
  static_assert(kValue < sizeof...(Ts), "type is not an Event alternative");
};
}  // namespace events_detail

template <class T>
inline constexpr EventType kEventTypeOf = static_cast<EventType>(events_detail::IndexOf<T, Event>::kValue);

// Critical events dispatched synchronously by the bus.
template <class T>
inline constexpr bool kIsFastPath = std::is_same_v<T, Signal> || std::is_same_v<T, OrderRequest> ||
                                    std::is_same_v<T, OrderPartiallyFilled> || std::is_same_v<T, OrderFilled>;

bool IsFastPath(EventType type) noexcept;

// "SIGNAL", "ORDER_REQUEST", "BOOK_DELTA", ...
std::string_view EventTypeName(EventType type) noexcept;

// A delta message (BookMessage with snapshot false) as per-level events,
// the form the readers publish: f(const BookDelta&) for each level, bids
// first, the last flagged kLastInMessage; a message without levels gives
// one kNoLevels delta, so that its update ids still count.
template <class F>
void ForEachDelta(const BookMessage& m, F&& f) {
  BookDelta d;
  d.ts_event = m.ts_event;
  d.ts_recv = m.ts_recv;
  d.instrument = m.instrument;
  d.update_id = m.update_id;
  d.first_update_id = m.first_update_id;
  d.prev_update_id = m.prev_update_id;
  d.sequence = m.sequence;
  const std::size_t n = m.bids.size() + m.asks.size();
  if (n == 0) {
    d.flags = BookDelta::kNoLevels | BookDelta::kLastInMessage;
    d.price = Price::Undefined();
    f(d);
    return;
  }
  for (std::size_t i = 0; i < n; ++i) {
    const bool bid = i < m.bids.size();
    const BookLevel& l = bid ? m.bids[i] : m.asks[i - m.bids.size()];
    d.side = bid ? Side::kBuy : Side::kSell;
    d.price = l.price;
    d.qty = l.qty;
    d.flags = i + 1 == n ? BookDelta::kLastInMessage : 0;
    f(d);
  }
}

// Appends the events of an order-book message: one BookSnapshot (a copy of
// the levels, shared from then on) or its deltas (ForEachDelta).
void AppendBookEvents(const BookMessage& m, std::vector<Event>& out);

inline EventType TypeOf(const Event& e) noexcept { return static_cast<EventType>(e.index()); }
UnixNanos TsEventVisit(const Event& e) noexcept;
UnixNanos TsRecvVisit(const Event& e) noexcept;
// Any event's ts_event / ts_recv. Inline for the book delta, by far the most
// common event in a replay; the others through a visit.
inline UnixNanos TsEvent(const Event& e) noexcept {
  if (const auto* d = std::get_if<BookDelta>(&e)) [[likely]]
    return d->ts_event;
  return TsEventVisit(e);
}
inline UnixNanos TsRecv(const Event& e) noexcept {
  if (const auto* d = std::get_if<BookDelta>(&e)) [[likely]]
    return d->ts_recv;
  return TsRecvVisit(e);
}

}  // namespace hean
