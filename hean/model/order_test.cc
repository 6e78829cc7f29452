// The order lifecycle: every (state, trigger) pair against a list of the
// allowed transitions written out here independently of the table in
// order.cc, then fills (accounting, overfill, exact average price), and
// what an order refuses leaves it unchanged.
#include "hean/model/order.h"

#include <gtest/gtest.h>

#include <map>
#include <utility>

namespace hean {
namespace {

using S = OrderStatus;
using T = OrderTrigger;

Price P(std::string_view s) { return *Price::Parse(s); }
Qty Q(std::string_view s) { return *Qty::Parse(s); }
Notional N(std::string_view s) { return *Notional::Parse(s); }
UnixNanos At(std::int64_t ms) { return UnixNanos::FromMillis(ms); }

// Every allowed transition; "Back" (a refused cancel or amend, a confirmed
// amend) is written as the two outcomes, without and with fills.
struct Allowed {
  S to_unfilled;
  S to_filled;
  bool unfilled_only = false;  // refused when something is filled
};
std::map<std::pair<S, T>, Allowed> AllowedTransitions() {
  std::map<std::pair<S, T>, Allowed> m;
  auto add = [&](S from, T t, S to) { m[{from, t}] = {to, to}; };
  auto back = [&](S from, T t) { m[{from, t}] = {S::kAccepted, S::kPartiallyFilled}; };
  auto unfilled_only = [&](S from, T t, S to) { m[{from, t}] = {to, to, true}; };
  add(S::kInitialized, T::kSubmit, S::kSubmitted);
  unfilled_only(S::kInitialized, T::kReject, S::kRejected);
  add(S::kInitialized, T::kCancel, S::kCanceled);

  add(S::kSubmitted, T::kAccept, S::kAccepted);
  unfilled_only(S::kSubmitted, T::kReject, S::kRejected);
  add(S::kSubmitted, T::kPartialFill, S::kPartiallyFilled);
  add(S::kSubmitted, T::kFill, S::kFilled);
  add(S::kSubmitted, T::kCancelRequest, S::kPendingCancel);
  add(S::kSubmitted, T::kCancel, S::kCanceled);
  add(S::kSubmitted, T::kAmendRequest, S::kPendingAmend);
  add(S::kSubmitted, T::kExpire, S::kExpired);

  for (S from : {S::kAccepted, S::kPartiallyFilled}) {
    add(from, T::kPartialFill, S::kPartiallyFilled);
    add(from, T::kFill, S::kFilled);
    add(from, T::kCancelRequest, S::kPendingCancel);
    add(from, T::kCancel, S::kCanceled);
    add(from, T::kAmendRequest, S::kPendingAmend);
    back(from, T::kAmend);
    add(from, T::kExpire, S::kExpired);
  }

  add(S::kPendingCancel, T::kPartialFill, S::kPendingCancel);
  add(S::kPendingCancel, T::kFill, S::kFilled);
  add(S::kPendingCancel, T::kCancelRequest, S::kPendingCancel);
  add(S::kPendingCancel, T::kCancel, S::kCanceled);
  back(S::kPendingCancel, T::kCancelReject);
  unfilled_only(S::kPendingCancel, T::kReject, S::kRejected);
  add(S::kPendingCancel, T::kExpire, S::kExpired);

  add(S::kPendingAmend, T::kPartialFill, S::kPendingAmend);
  add(S::kPendingAmend, T::kFill, S::kFilled);
  add(S::kPendingAmend, T::kCancelRequest, S::kPendingCancel);
  add(S::kPendingAmend, T::kCancel, S::kCanceled);
  back(S::kPendingAmend, T::kAmend);
  back(S::kPendingAmend, T::kAmendReject);
  unfilled_only(S::kPendingAmend, T::kReject, S::kRejected);
  add(S::kPendingAmend, T::kExpire, S::kExpired);
  return m;
}

TEST(OrderLifecycle, EveryStateTriggerPair) {
  const auto allowed = AllowedTransitions();
  int checked = 0, ok = 0;
  for (int si = 0; si < kOrderStatusCount; ++si) {
    for (int ti = 0; ti < kOrderTriggerCount; ++ti) {
      const S from = static_cast<S>(si);
      const T t = static_cast<T>(ti);
      for (bool fills : {false, true}) {
        SCOPED_TRACE(std::string(OrderStatusName(from)) + " + " + std::string(OrderTriggerName(t)) +
                     (fills ? " (with fills)" : ""));
        const auto r = NextOrderStatus(from, t, fills);
        const auto it = allowed.find({from, t});
        if (it == allowed.end() || (fills && it->second.unfilled_only)) {
          ASSERT_FALSE(r.ok()) << "allowed, to " << OrderStatusName(*r);
          EXPECT_EQ(r.error(), (OrderTransitionError{from, t}));
          EXPECT_NE(r.error().ToString().find(OrderStatusName(from)), std::string::npos);
        } else {
          ASSERT_TRUE(r.ok());
          EXPECT_EQ(*r, fills ? it->second.to_filled : it->second.to_unfilled);
          ++ok;
        }
        ++checked;
      }
    }
  }
  EXPECT_EQ(checked, 2 * kOrderStatusCount * kOrderTriggerCount);
  int expected_ok = 0;
  for (const auto& [key, a] : allowed) expected_ok += a.unfilled_only ? 1 : 2;
  EXPECT_EQ(ok, expected_ok);
}

TEST(OrderLifecycle, TerminalStatesTakeNothing) {
  for (S s : {S::kFilled, S::kCanceled, S::kExpired, S::kRejected}) {
    EXPECT_TRUE(IsTerminal(s));
    EXPECT_FALSE(IsOpen(s));
    for (int ti = 0; ti < kOrderTriggerCount; ++ti) EXPECT_FALSE(NextOrderStatus(s, static_cast<T>(ti), true).ok());
  }
  for (S s : {S::kAccepted, S::kPartiallyFilled, S::kPendingCancel, S::kPendingAmend}) EXPECT_TRUE(IsOpen(s));
  EXPECT_FALSE(IsOpen(S::kSubmitted));
}

Order NewOrder(const char* qty = "2.0") {
  Order o;
  o.client_order_id = ClientOrderId::Of("c1");
  o.side = Side::kBuy;
  o.price = P("100.0");
  o.qty = Q(qty);
  o.ts_init = At(1);
  return o;
}

TEST(OrderLifecycle, HappyPathKeepsEveryTransitionTime) {
  Order o = NewOrder();
  ASSERT_TRUE(o.Apply(T::kSubmit, At(10)).ok());
  ASSERT_TRUE(o.Apply(T::kAccept, At(20)).ok());
  ASSERT_TRUE(o.ApplyFill(P("100.0"), Q("0.5"), N("0.01"), At(30)).ok());
  EXPECT_EQ(o.status, S::kPartiallyFilled);
  ASSERT_TRUE(o.ApplyFill(P("99.9"), Q("1.5"), N("0.03"), At(40)).ok());
  EXPECT_EQ(o.status, S::kFilled);
  EXPECT_EQ(o.ts_submitted, At(10));
  EXPECT_EQ(o.ts_accepted, At(20));
  EXPECT_EQ(o.ts_first_fill, At(30));
  EXPECT_EQ(o.ts_last_fill, At(40));
  EXPECT_EQ(o.ts_closed, At(40));
  EXPECT_EQ(o.filled_qty, Q("2.0"));
  EXPECT_TRUE(o.leaves_qty().IsZero());
  EXPECT_EQ(o.fill_count, 2u);
  EXPECT_EQ(o.fees, N("0.04"));
  // (100.0 x 0.5 + 99.9 x 1.5) / 2 = 199.85 / 2 = 99.925
  EXPECT_EQ(o.filled_notional, N("199.85"));
  EXPECT_EQ(o.avg_fill_price(), P("99.925"));
}

TEST(OrderLifecycle, AverageFillPriceRoundsHalfAwayFromZero) {
  Order o = NewOrder("3");
  ASSERT_TRUE(o.Apply(T::kSubmit, At(1)).ok());
  ASSERT_TRUE(o.ApplyFill(P("1.000000001"), Q("1"), Notional(), At(2)).ok());
  ASSERT_TRUE(o.ApplyFill(P("1.000000002"), Q("1"), Notional(), At(3)).ok());
  ASSERT_TRUE(o.ApplyFill(P("1.000000002"), Q("1"), Notional(), At(4)).ok());
  // 3.000000005 / 3 = 1.0000000016..., to 1e-9: 1.000000002
  EXPECT_EQ(o.avg_fill_price(), P("1.000000002"));
  Order none = NewOrder();
  EXPECT_FALSE(none.avg_fill_price().IsDefined());
}

TEST(OrderLifecycle, RefusedTriggersAndFillsLeaveTheOrderUnchanged) {
  Order o = NewOrder();
  ASSERT_TRUE(o.Apply(T::kSubmit, At(1)).ok());
  ASSERT_TRUE(o.Apply(T::kAccept, At(2)).ok());
  ASSERT_TRUE(o.ApplyFill(P("100.0"), Q("1.0"), N("0.02"), At(3)).ok());
  const Order before = o;

  // Overfill, zero and negative quantities.
  auto r = o.ApplyFill(P("100.0"), Q("1.5"), N("0.02"), At(4));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error(), FillError::kOverfill);
  EXPECT_EQ(o.ApplyFill(P("100.0"), Q("0"), N("0"), At(4)).error(), FillError::kBadQty);
  EXPECT_EQ(o.ApplyFill(P("100.0"), Qty::Undefined(), N("0"), At(4)).error(), FillError::kBadQty);
  // Fills through Apply are refused: they need their quantities.
  EXPECT_FALSE(o.Apply(T::kFill, At(4)).ok());
  EXPECT_FALSE(o.Apply(T::kAccept, At(4)).ok());  // accepted twice
  EXPECT_EQ(o.status, before.status);
  EXPECT_EQ(o.filled_qty, before.filled_qty);
  EXPECT_EQ(o.fees, before.fees);
  EXPECT_EQ(o.fill_count, before.fill_count);
  EXPECT_EQ(o.ts_last_event, before.ts_last_event);

  // Cancel requested, the venue refuses: back to PartiallyFilled.
  ASSERT_TRUE(o.Apply(T::kCancelRequest, At(5)).ok());
  EXPECT_EQ(o.status, S::kPendingCancel);
  ASSERT_TRUE(o.Apply(T::kCancelReject, At(6)).ok());
  EXPECT_EQ(o.status, S::kPartiallyFilled);

  // Cancel requested, the rest fills first; the late cancel confirmation is refused.
  ASSERT_TRUE(o.Apply(T::kCancelRequest, At(7)).ok());
  ASSERT_TRUE(o.ApplyFill(P("100.0"), Q("1.0"), N("0.02"), At(8)).ok());
  EXPECT_EQ(o.status, S::kFilled);
  auto late = o.Apply(T::kCancel, At(9));
  ASSERT_FALSE(late.ok());
  EXPECT_EQ(late.error().ToString(), "order event Cancel is not allowed in state Filled");
  OrderTransitionError why{};
  auto more = o.ApplyFill(P("100.0"), Q("0.1"), N("0"), At(9), &why);
  ASSERT_FALSE(more.ok());
  EXPECT_EQ(more.error(), FillError::kOverfill);  // checked before the state
  EXPECT_EQ(o.ts_closed, At(8));
}

TEST(OrderLifecycle, FillOnATerminalOrderNamesTheTransition) {
  Order o = NewOrder();
  ASSERT_TRUE(o.Apply(T::kSubmit, At(1)).ok());
  ASSERT_TRUE(o.Apply(T::kCancel, At(2)).ok());
  OrderTransitionError why{};
  auto r = o.ApplyFill(P("100.0"), Q("0.5"), N("0"), At(3), &why);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error(), FillError::kTransition);
  EXPECT_EQ(why, (OrderTransitionError{S::kCanceled, T::kPartialFill}));
  EXPECT_TRUE(o.filled_qty.IsZero());
}

TEST(OrderLifecycle, AmendInFlightThenConfirmedReturnsToTheWorkingState) {
  Order o = NewOrder();
  ASSERT_TRUE(o.Apply(T::kSubmit, At(1)).ok());
  ASSERT_TRUE(o.Apply(T::kAccept, At(2)).ok());
  ASSERT_TRUE(o.Apply(T::kAmendRequest, At(3)).ok());
  ASSERT_TRUE(o.ApplyFill(P("100.0"), Q("0.5"), N("0"), At(4)).ok());
  EXPECT_EQ(o.status, S::kPendingAmend);  // a fill while the amend is in flight
  ASSERT_TRUE(o.Apply(T::kAmend, At(5)).ok());
  EXPECT_EQ(o.status, S::kPartiallyFilled);
  ASSERT_TRUE(o.Apply(T::kAmendRequest, At(6)).ok());
  ASSERT_TRUE(o.Apply(T::kCancelRequest, At(7)).ok());
  ASSERT_TRUE(o.Apply(T::kCancel, At(8)).ok());
  EXPECT_EQ(o.status, S::kCanceled);
  EXPECT_EQ(o.filled_qty, Q("0.5"));  // what was filled stays filled
}

}  // namespace
}  // namespace hean
