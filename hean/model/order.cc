#include "hean/model/order.h"

#include <array>

namespace hean {

namespace {

using S = OrderStatus;
using T = OrderTrigger;

// Table cells: a next status, kNo (not allowed), or kBack (back to Accepted,
// or PartiallyFilled when something is filled: the answer to a refused
// cancel or amend, or a confirmed amend).
enum class Cell : std::uint8_t {
  kInitialized,
  kSubmitted,
  kAccepted,
  kPartiallyFilled,
  kPendingCancel,
  kPendingAmend,
  kFilled,
  kCanceled,
  kExpired,
  kRejected,
  kNo,
  kBack,
};
constexpr Cell kNo = Cell::kNo;
constexpr Cell kBack = Cell::kBack;
constexpr Cell Sub = Cell::kSubmitted;
constexpr Cell Acc = Cell::kAccepted;
constexpr Cell Part = Cell::kPartiallyFilled;
constexpr Cell PCan = Cell::kPendingCancel;
constexpr Cell PAmd = Cell::kPendingAmend;
constexpr Cell Fil = Cell::kFilled;
constexpr Cell Can = Cell::kCanceled;
constexpr Cell Exp = Cell::kExpired;
constexpr Cell Rej = Cell::kRejected;

// Rows: from-status in OrderStatus order. Columns: triggers in OrderTrigger
// order: Submit, Accept, Reject, PartialFill, Fill, CancelRequest, Cancel,
// CancelReject, AmendRequest, Amend, AmendReject, Expire.
//
// Choices worth stating:
// - A fill may come before the acknowledgement (Submitted -> fills).
// - Fills while a cancel or amend is in flight are taken; a partial one
//   keeps the pending state, the completing one ends the order.
// - A cancel confirmation is taken while an amend is in flight, and a
//   cancel request may follow an amend request.
// - A venue may cancel or expire a working order on its own.
// - Reject is only for an order not yet accepted (a refused cancel or amend
//   has its own trigger). It is also taken in PendingCancel and PendingAmend
//   while nothing is filled: we may ask to cancel or amend an order before
//   the venue's answer to it, and that answer may be a reject. An order
//   with fills is never rejected.
constexpr std::array<std::array<Cell, kOrderTriggerCount>, kOrderStatusCount> kOrderTransitions{{
    //            Submit Accept Reject PFill Fill  CanReq Cancel CanRej AmdReq Amend  AmdRej Expire
    /* Init    */ {Sub, kNo, Rej, kNo, kNo, kNo, Can, kNo, kNo, kNo, kNo, kNo},
    /* Submit  */ {kNo, Acc, Rej, Part, Fil, PCan, Can, kNo, PAmd, kNo, kNo, Exp},
    /* Accept  */ {kNo, kNo, kNo, Part, Fil, PCan, Can, kNo, PAmd, kBack, kNo, Exp},
    /* Partial */ {kNo, kNo, kNo, Part, Fil, PCan, Can, kNo, PAmd, kBack, kNo, Exp},
    /* PCancel */ {kNo, kNo, Rej, PCan, Fil, PCan, Can, kBack, kNo, kNo, kNo, Exp},
    /* PAmend  */ {kNo, kNo, Rej, PAmd, Fil, PCan, Can, kNo, kNo, kBack, kBack, Exp},
    /* Filled  */ {kNo, kNo, kNo, kNo, kNo, kNo, kNo, kNo, kNo, kNo, kNo, kNo},
    /* Cancel  */ {kNo, kNo, kNo, kNo, kNo, kNo, kNo, kNo, kNo, kNo, kNo, kNo},
    /* Expired */ {kNo, kNo, kNo, kNo, kNo, kNo, kNo, kNo, kNo, kNo, kNo, kNo},
    /* Reject  */ {kNo, kNo, kNo, kNo, kNo, kNo, kNo, kNo, kNo, kNo, kNo, kNo},
}};

}  // namespace

std::string_view OrderStatusName(OrderStatus s) noexcept {
  switch (s) {
    case S::kInitialized: return "Initialized";
    case S::kSubmitted: return "Submitted";
    case S::kAccepted: return "Accepted";
    case S::kPartiallyFilled: return "PartiallyFilled";
    case S::kPendingCancel: return "PendingCancel";
    case S::kPendingAmend: return "PendingAmend";
    case S::kFilled: return "Filled";
    case S::kCanceled: return "Canceled";
    case S::kExpired: return "Expired";
    case S::kRejected: return "Rejected";
  }
  return "?";
}

std::string_view OrderTriggerName(OrderTrigger t) noexcept {
  switch (t) {
    case T::kSubmit: return "Submit";
    case T::kAccept: return "Accept";
    case T::kReject: return "Reject";
    case T::kPartialFill: return "PartialFill";
    case T::kFill: return "Fill";
    case T::kCancelRequest: return "CancelRequest";
    case T::kCancel: return "Cancel";
    case T::kCancelReject: return "CancelReject";
    case T::kAmendRequest: return "AmendRequest";
    case T::kAmend: return "Amend";
    case T::kAmendReject: return "AmendReject";
    case T::kExpire: return "Expire";
  }
  return "?";
}

std::string_view FillErrorName(FillError e) noexcept {
  switch (e) {
    case FillError::kTransition: return "transition";
    case FillError::kBadQty: return "bad_qty";
    case FillError::kOverfill: return "overfill";
    case FillError::kWrongKind: return "wrong_kind";
    case FillError::kArithmetic: return "arithmetic";
  }
  return "?";
}

std::string OrderTransitionError::ToString() const {
  std::string s("order event ");
  s.append(OrderTriggerName(trigger)).append(" is not allowed in state ").append(OrderStatusName(from));
  return s;
}

Result<OrderStatus, OrderTransitionError> NextOrderStatus(OrderStatus from, OrderTrigger trigger,
                                                          bool has_fills) noexcept {
  const auto row = static_cast<std::size_t>(from);
  const auto col = static_cast<std::size_t>(trigger);
  if (row >= kOrderStatusCount || col >= kOrderTriggerCount) return MakeUnexpected(OrderTransitionError{from, trigger});
  const Cell c = kOrderTransitions[row][col];
  if (c == kNo) return MakeUnexpected(OrderTransitionError{from, trigger});
  if (trigger == OrderTrigger::kReject && has_fills) return MakeUnexpected(OrderTransitionError{from, trigger});
  if (c == kBack) return has_fills ? S::kPartiallyFilled : S::kAccepted;
  return static_cast<OrderStatus>(c);
}

Price Order::avg_fill_price() const noexcept {
  if (!filled_qty.IsPositive()) return Price::Undefined();
  auto r = DivideToPrice(filled_notional, filled_qty);
  return r.ok() ? *r : Price::Undefined();
}

Result<void, OrderTransitionError> Order::Apply(OrderTrigger trigger, UnixNanos ts) noexcept {
  if (trigger == T::kPartialFill || trigger == T::kFill) {
    // Fills go through ApplyFill, which carries their quantities.
    return MakeUnexpected(OrderTransitionError{status, trigger});
  }
  auto next = NextOrderStatus(status, trigger, filled_qty.IsPositive());
  if (!next.ok()) return MakeUnexpected(next.error());
  status = *next;
  ts_last_event = ts;
  if (trigger == T::kSubmit) ts_submitted = ts;
  if (trigger == T::kAccept) ts_accepted = ts;
  if (IsTerminal(status)) ts_closed = ts;
  return {};
}

Result<void, FillError> Order::ApplyFill(Price fill_price, Qty fill_qty, Notional fee, UnixNanos ts,
                                         OrderTransitionError* transition) noexcept {
  if (!fill_qty.IsDefined() || !fill_qty.IsPositive() || !fill_price.IsDefined()) {
    return MakeUnexpected(FillError::kBadQty);
  }
  auto new_filled = Qty::CheckedAdd(filled_qty, fill_qty);
  if (!new_filled.ok()) return MakeUnexpected(FillError::kArithmetic);
  if (*new_filled > qty) return MakeUnexpected(FillError::kOverfill);
  const OrderTrigger trigger = *new_filled == qty ? T::kFill : T::kPartialFill;
  auto next = NextOrderStatus(status, trigger, true);
  if (!next.ok()) {
    if (transition != nullptr) *transition = next.error();
    return MakeUnexpected(FillError::kTransition);
  }
  auto notional = CheckedNotional(fill_price, fill_qty);
  if (!notional.ok()) return MakeUnexpected(FillError::kArithmetic);
  auto total = Notional::CheckedAdd(filled_notional, *notional);
  auto total_fees = Notional::CheckedAdd(fees, fee);
  if (!total.ok() || !total_fees.ok()) return MakeUnexpected(FillError::kArithmetic);
  status = *next;
  filled_qty = *new_filled;
  filled_notional = *total;
  fees = *total_fees;
  ++fill_count;
  if (fill_count == 1) ts_first_fill = ts;
  ts_last_fill = ts;
  ts_last_event = ts;
  if (IsTerminal(status)) ts_closed = ts;
  return {};
}

}  // namespace hean
