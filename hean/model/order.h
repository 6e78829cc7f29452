// Order and its lifecycle: one transition table (DESIGN.md habit 8).
//
// States (OrderStatus) and what moves an order between them (OrderTrigger):
//
//   Initialized --Submit--> Submitted --Accept--> Accepted --PartialFill--> PartiallyFilled --Fill--> Filled
//
// plus Rejected, Canceled, Expired (terminal, like Filled) and the two
// in-flight states PendingCancel and PendingAmend, entered when we ask the
// venue to cancel or amend and left on its answer. The full table is
// kOrderTransitions in order.cc and in docs/ORDERS.md; every (state,
// trigger) pair is tested. A trigger that is not allowed in the current
// state leaves the order unchanged and returns an OrderTransitionError
// naming both: the caller logs and counts it (a venue that sends a cancel
// after the fill is normal, not a crash).
//
// Fills carry quantities and prices: Order::ApplyFill checks that the
// filled qty never exceeds the order's qty, keeps the exact filled notional
// (sum of price x qty) and fees, and gives the average fill price rounded
// half away from zero to 1e-9.
//
// Not thread-safe: engine thread.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "hean/core/decimal.h"
#include "hean/core/status.h"
#include "hean/core/time.h"
#include "hean/model/types.h"

namespace hean {

enum class OrderStatus : std::uint8_t {
  kInitialized = 0,  // made, not sent
  kSubmitted,        // sent, no answer yet
  kAccepted,         // working at the venue, nothing filled
  kPartiallyFilled,  // working, some filled
  kPendingCancel,    // cancel sent, no answer yet
  kPendingAmend,     // amend sent, no answer yet
  kFilled,           // terminal
  kCanceled,         // terminal (what was filled stays filled)
  kExpired,          // terminal (IOC/FOK remainder, time in force ran out)
  kRejected,         // terminal (refused before or at the venue)
};
inline constexpr int kOrderStatusCount = 10;

enum class OrderTrigger : std::uint8_t {
  kSubmit = 0,     // we sent it
  kAccept,         // the venue acknowledged it
  kReject,         // refused (by us before sending, or by the venue)
  kPartialFill,    // an execution that leaves qty open
  kFill,           // the execution that completes it
  kCancelRequest,  // we asked to cancel
  kCancel,         // canceled (the venue's confirmation, or unsent and dropped locally)
  kCancelReject,   // the venue refused our cancel
  kAmendRequest,   // we asked to change price or qty
  kAmend,          // the venue confirmed an amend
  kAmendReject,    // the venue refused our amend
  kExpire,         // time in force ran out (IOC/FOK remainder)
};
inline constexpr int kOrderTriggerCount = 12;

std::string_view OrderStatusName(OrderStatus s) noexcept;
std::string_view OrderTriggerName(OrderTrigger t) noexcept;
constexpr bool IsTerminal(OrderStatus s) noexcept { return s >= OrderStatus::kFilled; }
// Working at the venue (may still fill): Accepted, PartiallyFilled and the
// two pending states.
constexpr bool IsOpen(OrderStatus s) noexcept {
  return s == OrderStatus::kAccepted || s == OrderStatus::kPartiallyFilled || s == OrderStatus::kPendingCancel ||
         s == OrderStatus::kPendingAmend;
}

// A trigger not allowed in a state.
struct OrderTransitionError {
  OrderStatus from;
  OrderTrigger trigger;
  std::string ToString() const;
  friend bool operator==(const OrderTransitionError&, const OrderTransitionError&) = default;
};

// The table's answer for (from, trigger), given whether anything is filled
// (a refused cancel or amend returns to Accepted or PartiallyFilled).
Result<OrderStatus, OrderTransitionError> NextOrderStatus(OrderStatus from, OrderTrigger trigger,
                                                          bool has_fills) noexcept;

// Why a fill was refused.
enum class FillError : std::uint8_t {
  kTransition,  // the order's state does not take fills (see transition)
  kBadQty,      // not positive
  kOverfill,    // filled qty would exceed the order's qty
  kWrongKind,   // kFill that does not complete the order, or kPartialFill that does
  kArithmetic,  // notional out of range
};
std::string_view FillErrorName(FillError e) noexcept;

struct Order {
  ClientOrderId client_order_id;
  VenueOrderId venue_order_id;
  InstrumentId instrument;
  StrategyId strategy;
  Side side = Side::kBuy;
  OrderType type = OrderType::kLimit;
  TimeInForce tif = TimeInForce::kGtc;
  bool reduce_only = false;
  Price price = Price::Undefined();  // Undefined for market orders
  Qty qty;

  OrderStatus status = OrderStatus::kInitialized;
  Qty filled_qty;
  Notional filled_notional;  // sum of fill price x qty, exact
  Notional fees;             // paid > 0, rebate < 0
  std::uint32_t fill_count = 0;

  // Time of each transition (zero until it happens).
  UnixNanos ts_init;
  UnixNanos ts_submitted;
  UnixNanos ts_accepted;
  UnixNanos ts_first_fill;
  UnixNanos ts_last_fill;
  UnixNanos ts_closed;      // entered a terminal state
  UnixNanos ts_last_event;  // any transition

  Qty leaves_qty() const noexcept { return qty - filled_qty; }
  // Average fill price (exact notional / filled qty, rounded half away from
  // zero to 1e-9); Undefined before any fill.
  Price avg_fill_price() const noexcept;

  // A status-only trigger (everything but fills). On error the order is
  // unchanged.
  Result<void, OrderTransitionError> Apply(OrderTrigger trigger, UnixNanos ts) noexcept;

  // An execution of `fill_qty` at `fill_price` with `fee`: kPartialFill or
  // kFill, decided by whether it completes the order. On error the order is
  // unchanged; `transition` then holds the table's refusal when the error
  // is kTransition.
  Result<void, FillError> ApplyFill(Price fill_price, Qty fill_qty, Notional fee, UnixNanos ts,
                                    OrderTransitionError* transition = nullptr) noexcept;
};

}  // namespace hean
