// OrderManager: lifecycles through the venue's events, idempotency (each
// rule of the header), races between our requests and the venue's answers,
// refused and unknown events, open-order queries, and a randomized check
// that delivering every venue event twice ends in the same orders as
// delivering it once.
#include "hean/exec/order_manager.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <random>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace hean {
namespace {

using S = OrderStatus;
using O = ApplyOutcome;

constexpr InstrumentId kBtc{0};
constexpr InstrumentId kEth{1};

Price P(std::string_view s) { return *Price::Parse(s); }
Qty Q(std::string_view s) { return *Qty::Parse(s); }
Notional N(std::string_view s) { return *Notional::Parse(s); }
UnixNanos At(std::int64_t ms) { return UnixNanos::FromMillis(ms); }
ClientOrderId Cid(std::string_view s) { return ClientOrderId::Of(s); }
VenueOrderId Vid(std::string_view s) { return VenueOrderId::Of(s); }

OrderRequest Request(std::string_view id, InstrumentId instrument = kBtc, Side side = Side::kBuy,
                     std::string_view price = "100", std::string_view qty = "2") {
  OrderRequest r;
  r.instrument = instrument;
  r.side = side;
  r.type = OrderType::kLimit;
  r.price = P(price);
  r.qty = Q(qty);
  r.client_order_id = Cid(id);
  r.strategy = StrategyId::Of("test");
  return r;
}

// An order event of type E for `id` at `ms`.
template <class E>
E Ev(std::string_view id, std::int64_t ms) {
  E e{};
  e.ts_event = At(ms);
  e.ts_recv = At(ms);
  e.instrument = kBtc;
  e.client_order_id = Cid(id);
  return e;
}

OrderAccepted Accepted(std::string_view id, std::string_view venue_id, std::int64_t ms) {
  auto e = Ev<OrderAccepted>(id, ms);
  e.venue_order_id = Vid(venue_id);
  return e;
}

FillReport Fill(std::string_view id, std::string_view venue_id, std::string_view trade_id, std::string_view price,
                std::string_view last, std::string_view cum, std::string_view fee, std::int64_t ms) {
  auto f = Ev<FillReport>(id, ms);
  f.venue_order_id = Vid(venue_id);
  f.trade_id = TradeId::Of(trade_id);
  f.last_price = P(price);
  f.last_qty = Q(last);
  f.cum_qty = Q(cum);
  f.fee = N(fee);
  return f;
}
OrderPartiallyFilled Partial(const FillReport& f) { return OrderPartiallyFilled{f}; }
OrderFilled Complete(const FillReport& f) { return OrderFilled{f}; }

OrderAmended Amended(std::string_view id, std::string_view price, std::string_view qty, std::int64_t ms) {
  auto e = Ev<OrderAmended>(id, ms);
  e.price = P(price);
  e.qty = Q(qty);
  return e;
}

std::vector<const Order*> Open(const OrderManager& m, InstrumentId instrument, Side side) {
  std::vector<const Order*> out;
  m.OpenOrders(instrument, side, out);
  return out;
}

// Creates `id`, submits it and has the venue accept it as `venue_id`.
const Order* Working(OrderManager& m, std::string_view id, std::string_view venue_id, std::string_view qty = "2") {
  auto r = m.Create(Request(id, kBtc, Side::kBuy, "100", qty), At(1));
  EXPECT_TRUE(r.ok());
  EXPECT_EQ(m.Apply(Ev<OrderSubmitted>(id, 2)), O::kApplied);
  EXPECT_EQ(m.Apply(Accepted(id, venue_id, 3)), O::kApplied);
  return r.ok() ? *r : nullptr;
}

bool Contains(const std::vector<std::string>& messages, std::string_view a, std::string_view b = {},
              std::string_view c = {}) {
  for (const std::string& m : messages) {
    if (m.find(a) != std::string::npos && m.find(b) != std::string::npos && m.find(c) != std::string::npos) {
      return true;
    }
  }
  return false;
}

TEST(OrderManager, FullLifecycle) {
  OrderManager m;
  auto created = m.Create(Request("buy-1", kBtc, Side::kBuy, "100", "2"), At(1));
  ASSERT_TRUE(created.ok());
  const Order* o = *created;
  EXPECT_EQ(o->status, S::kInitialized);
  EXPECT_EQ(o->ts_init, At(1));
  ASSERT_TRUE(m.Create(Request("sell-1", kBtc, Side::kSell, "105", "1"), At(1)).ok());
  ASSERT_TRUE(m.Create(Request("eth-1", kEth, Side::kBuy, "10", "3"), At(1)).ok());
  EXPECT_EQ(m.size(), 3u);
  EXPECT_EQ(Open(m, kBtc, Side::kBuy), std::vector<const Order*>{o});
  EXPECT_EQ(m.OpenCount(kBtc), 2u);
  EXPECT_EQ(m.OpenCount(kBtc, Side::kSell), 1u);
  EXPECT_EQ(m.OpenCount(kEth), 1u);
  EXPECT_EQ(m.OpenCount(InstrumentId{7}), 0u);

  EXPECT_EQ(m.Apply(Ev<OrderSubmitted>("buy-1", 2)), O::kApplied);
  EXPECT_EQ(o->status, S::kSubmitted);
  EXPECT_EQ(o->ts_submitted, At(2));
  EXPECT_EQ(m.FindByVenueId(Vid("V-1")), nullptr);

  EXPECT_EQ(m.Apply(Accepted("buy-1", "V-1", 3)), O::kApplied);
  EXPECT_EQ(o->status, S::kAccepted);
  EXPECT_EQ(o->ts_accepted, At(3));
  EXPECT_EQ(o->venue_order_id, Vid("V-1"));
  EXPECT_EQ(m.Find(Cid("buy-1")), o);
  EXPECT_EQ(m.FindByVenueId(Vid("V-1")), o);

  EXPECT_EQ(m.Apply(Partial(Fill("buy-1", "V-1", "T-1", "100", "0.5", "0.5", "0.01", 4))), O::kApplied);
  EXPECT_EQ(o->status, S::kPartiallyFilled);
  EXPECT_EQ(o->filled_qty, Q("0.5"));
  EXPECT_EQ(o->leaves_qty(), Q("1.5"));
  EXPECT_EQ(Open(m, kBtc, Side::kBuy).size(), 1u);

  EXPECT_EQ(m.Apply(Complete(Fill("buy-1", "V-1", "T-2", "101", "1.5", "2", "0.03", 5))), O::kApplied);
  EXPECT_EQ(o->status, S::kFilled);
  EXPECT_EQ(o->filled_qty, Q("2"));
  EXPECT_EQ(o->avg_fill_price(), P("100.75"));  // (50 + 151.5) / 2
  EXPECT_EQ(o->fees, N("0.04"));
  EXPECT_EQ(o->fill_count, 2u);
  EXPECT_EQ(o->ts_closed, At(5));

  EXPECT_TRUE(Open(m, kBtc, Side::kBuy).empty());
  EXPECT_EQ(m.OpenCount(kBtc), 1u);
  EXPECT_EQ(m.OpenCount(kBtc, Side::kSell), 1u);
  // Closed orders stay findable by both ids.
  EXPECT_EQ(m.Find(Cid("buy-1")), o);
  EXPECT_EQ(m.FindByVenueId(Vid("V-1")), o);
  EXPECT_EQ(m.counts().of(O::kApplied), 4u);
  EXPECT_EQ(m.counts().created, 3u);
  EXPECT_EQ(m.messages_written(), 0u);
  EXPECT_EQ(m.last_problem(), nullptr);
}

TEST(OrderManager, OpenOrdersInCreationOrderPerInstrumentAndSide) {
  OrderManager m;
  for (const char* id : {"a", "b", "c", "d"}) ASSERT_TRUE(m.Create(Request(id), At(1)).ok());
  ASSERT_TRUE(m.Create(Request("s", kBtc, Side::kSell), At(1)).ok());
  ASSERT_TRUE(m.Create(Request("e", kEth, Side::kBuy), At(1)).ok());
  EXPECT_EQ(m.Apply(Ev<OrderRejected>("b", 2)), O::kApplied);  // closed while unsent
  std::vector<const Order*> out;
  m.OpenOrders(kBtc, Side::kBuy, out);
  ASSERT_EQ(out.size(), 3u);
  EXPECT_EQ(out[0]->client_order_id, Cid("a"));
  EXPECT_EQ(out[1]->client_order_id, Cid("c"));
  EXPECT_EQ(out[2]->client_order_id, Cid("d"));
  m.OpenOrders(kBtc, Side::kSell, out);  // replaces the contents
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0]->client_order_id, Cid("s"));
  m.OpenOrders(kEth, Side::kSell, out);
  EXPECT_TRUE(out.empty());
  int seen = 0;
  m.ForEachOpen(kEth, Side::kBuy, [&](const Order& o) {
    EXPECT_EQ(o.client_order_id, Cid("e"));
    ++seen;
  });
  EXPECT_EQ(seen, 1);
}

TEST(OrderManager, CreateErrors) {
  OrderManager m;
  ASSERT_TRUE(m.Create(Request("x"), At(1)).ok());
  auto dup = m.Create(Request("x"), At(1));
  ASSERT_FALSE(dup.ok());
  EXPECT_EQ(dup.error(), OrderManagerError::kDuplicateClientOrderId);

  auto empty = Request("x");
  empty.client_order_id = ClientOrderId();
  ASSERT_FALSE(m.Create(empty, At(1)).ok());
  EXPECT_EQ(m.Create(empty, At(1)).error(), OrderManagerError::kEmptyClientOrderId);

  EXPECT_EQ(m.Create(Request("q0", kBtc, Side::kBuy, "100", "0"), At(1)).error(), OrderManagerError::kBadQty);
  auto undefined_qty = Request("qu");
  undefined_qty.qty = Qty::Undefined();
  EXPECT_EQ(m.Create(undefined_qty, At(1)).error(), OrderManagerError::kBadQty);
  EXPECT_EQ(m.Create(Request("p0", kBtc, Side::kBuy, "0"), At(1)).error(), OrderManagerError::kBadPrice);
  auto market = Request("mkt");
  market.type = OrderType::kMarket;
  market.price = Price::Undefined();
  EXPECT_TRUE(m.Create(market, At(1)).ok());
  EXPECT_EQ(m.Create(Request("i", InstrumentId{}), At(1)).error(), OrderManagerError::kInvalidInstrument);

  EXPECT_EQ(m.size(), 2u);
  EXPECT_EQ(m.counts().created, 2u);
  EXPECT_EQ(m.counts().create_refused, 7u);
  EXPECT_TRUE(Contains(m.RecentMessages(), "Create", "client_order_id=x", "duplicate_client_order_id"));
}

TEST(OrderManager, DuplicateFillByTradeIdIsNotCountedTwice) {
  OrderManager m;
  const Order* o = Working(m, "o", "V");
  const auto f1 = Partial(Fill("o", "V", "T-1", "100", "0.5", "0.5", "0.01", 4));
  EXPECT_EQ(m.Apply(f1), O::kApplied);
  EXPECT_EQ(m.Apply(f1), O::kDuplicate);
  // A replay that reports a different cum qty is still the same execution.
  auto replay = f1;
  replay.cum_qty = Q("1.5");
  EXPECT_EQ(m.Apply(replay), O::kDuplicate);
  EXPECT_EQ(o->filled_qty, Q("0.5"));
  EXPECT_EQ(o->fees, N("0.01"));
  EXPECT_EQ(o->fill_count, 1u);

  const auto f2 = Complete(Fill("o", "V", "T-2", "100", "1.5", "2", "0.03", 5));
  EXPECT_EQ(m.Apply(f2), O::kApplied);
  EXPECT_EQ(m.Apply(f2), O::kDuplicate);
  EXPECT_EQ(m.Apply(f1), O::kDuplicate);  // an old one after the order closed
  EXPECT_EQ(o->status, S::kFilled);
  EXPECT_EQ(o->filled_qty, Q("2"));
  EXPECT_EQ(o->fees, N("0.04"));
  EXPECT_EQ(m.counts().of(O::kDuplicate), 4u);
  EXPECT_EQ(m.counts().of(O::kRefused), 0u);
}

TEST(OrderManager, DuplicateFillByCumQtyWithoutTradeId) {
  OrderManager m;
  const Order* o = Working(m, "o", "V");
  const auto f1 = Partial(Fill("o", "V", "", "100", "0.5", "0.5", "0.01", 4));
  const auto f2 = Partial(Fill("o", "V", "", "102", "1", "1.5", "0.02", 5));
  EXPECT_EQ(m.Apply(f1), O::kApplied);
  EXPECT_EQ(m.Apply(f1), O::kDuplicate);
  EXPECT_EQ(m.Apply(f2), O::kApplied);
  EXPECT_EQ(m.Apply(f1), O::kDuplicate);
  EXPECT_EQ(m.Apply(f2), O::kDuplicate);
  EXPECT_EQ(o->filled_qty, Q("1.5"));
  EXPECT_EQ(o->fees, N("0.03"));
  EXPECT_EQ(o->status, S::kPartiallyFilled);
  EXPECT_EQ(m.counts().of(O::kDuplicate), 3u);
}

TEST(OrderManager, FillWithoutTradeIdOrCumQtyIsRefused) {
  OrderManager m;
  const Order* o = Working(m, "o", "V");
  EXPECT_EQ(m.Apply(Partial(Fill("o", "V", "", "100", "0.5", "0", "0", 4))), O::kRefused);
  ASSERT_NE(m.last_problem(), nullptr);
  EXPECT_EQ(m.last_problem()->reason, RefusalReason::kFillWithoutId);
  EXPECT_TRUE(o->filled_qty.IsZero());
  EXPECT_TRUE(Contains(m.RecentMessages(), "client_order_id=o", "fill_without_id"));
}

TEST(OrderManager, FillFoundByVenueIdAlone) {
  OrderManager m;
  const Order* o = Working(m, "o", "V-9");
  EXPECT_EQ(m.Apply(Partial(Fill("", "V-9", "T-1", "100", "1", "1", "0", 4))), O::kApplied);
  EXPECT_EQ(o->filled_qty, Q("1"));
  EXPECT_EQ(m.Apply(Partial(Fill("", "V-nope", "T-2", "100", "1", "1", "0", 4))), O::kUnknownOrder);
}

TEST(OrderManager, FillBeforeAcknowledgementLearnsVenueIdAndAckIsLate) {
  OrderManager m;
  ASSERT_TRUE(m.Create(Request("o"), At(1)).ok());
  EXPECT_EQ(m.Apply(Ev<OrderSubmitted>("o", 2)), O::kApplied);
  EXPECT_EQ(m.Apply(Partial(Fill("o", "V", "T-1", "100", "1", "1", "0", 3))), O::kApplied);
  const Order* o = m.FindByVenueId(Vid("V"));
  ASSERT_NE(o, nullptr);
  EXPECT_EQ(o->status, S::kPartiallyFilled);
  EXPECT_EQ(m.Apply(Accepted("o", "V", 4)), O::kLate);
  EXPECT_EQ(o->status, S::kPartiallyFilled);
  EXPECT_EQ(o->ts_accepted, At(4));
  EXPECT_EQ(m.Apply(Accepted("o", "V", 4)), O::kDuplicate);
  EXPECT_EQ(m.Apply(Ev<OrderSubmitted>("o", 2)), O::kDuplicate);
}

TEST(OrderManager, AcknowledgementAfterOurCancelRequestIsLate) {
  OrderManager m;
  ASSERT_TRUE(m.Create(Request("o"), At(1)).ok());
  EXPECT_EQ(m.Apply(Ev<OrderSubmitted>("o", 2)), O::kApplied);
  ASSERT_TRUE(m.RequestCancel(Cid("o"), At(3)).ok());
  EXPECT_EQ(m.Apply(Accepted("o", "V", 4)), O::kLate);
  const Order* o = m.FindByVenueId(Vid("V"));
  ASSERT_NE(o, nullptr);
  EXPECT_EQ(o->status, S::kPendingCancel);
  EXPECT_EQ(m.Apply(Ev<OrderCanceled>("o", 5)), O::kApplied);
  EXPECT_EQ(o->status, S::kCanceled);
}

TEST(OrderManager, VenueIdMismatchIsRefused) {
  OrderManager m;
  const Order* o = Working(m, "o", "V-1");
  Working(m, "p", "V-2");
  EXPECT_EQ(m.Apply(Partial(Fill("o", "V-2", "T-1", "100", "1", "1", "0", 4))), O::kRefused);
  EXPECT_EQ(m.last_problem()->reason, RefusalReason::kVenueIdMismatch);
  EXPECT_EQ(m.Apply(Accepted("o", "V-3", 4)), O::kRefused);
  EXPECT_TRUE(o->filled_qty.IsZero());
  EXPECT_EQ(o->venue_order_id, Vid("V-1"));
  EXPECT_EQ(m.counts().of(O::kRefused), 2u);
}

TEST(OrderManager, DuplicateCancel) {
  OrderManager m;
  const Order* o = Working(m, "o", "V");
  ASSERT_TRUE(m.RequestCancel(Cid("o"), At(4)).ok());
  EXPECT_EQ(o->status, S::kPendingCancel);
  EXPECT_EQ(m.Apply(Ev<OrderCanceled>("o", 5)), O::kApplied);
  EXPECT_EQ(m.Apply(Ev<OrderCanceled>("o", 5)), O::kDuplicate);
  EXPECT_EQ(m.Apply(Ev<OrderCanceled>("o", 6)), O::kDuplicate);
  EXPECT_EQ(o->status, S::kCanceled);
  EXPECT_EQ(o->ts_closed, At(5));
  EXPECT_EQ(m.OpenCount(kBtc), 0u);
  // A second cancel of a closed order is our error, returned and counted.
  auto again = m.RequestCancel(Cid("o"), At(7));
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error(), OrderManagerError::kNotAllowed);
  EXPECT_EQ(m.counts().requests, 1u);
  EXPECT_EQ(m.counts().requests_refused, 1u);
  EXPECT_TRUE(Contains(m.RecentMessages(), "RequestCancel", "status=Canceled", "not_allowed"));
  EXPECT_EQ(m.RequestCancel(Cid("nope"), At(7)).error(), OrderManagerError::kUnknownOrder);
}

TEST(OrderManager, DuplicateExpiredAndRejected) {
  OrderManager m;
  const Order* a = Working(m, "a", "V-a");
  EXPECT_EQ(m.Apply(Ev<OrderExpired>("a", 4)), O::kApplied);
  EXPECT_EQ(m.Apply(Ev<OrderExpired>("a", 4)), O::kDuplicate);
  EXPECT_EQ(a->status, S::kExpired);
  ASSERT_TRUE(m.Create(Request("r"), At(1)).ok());
  EXPECT_EQ(m.Apply(Ev<OrderSubmitted>("r", 2)), O::kApplied);
  EXPECT_EQ(m.Apply(Ev<OrderRejected>("r", 3)), O::kApplied);
  EXPECT_EQ(m.Apply(Ev<OrderRejected>("r", 3)), O::kDuplicate);
  EXPECT_EQ(m.Find(Cid("r"))->status, S::kRejected);
  // Expired then Canceled: a different terminal status, refused.
  EXPECT_EQ(m.Apply(Ev<OrderCanceled>("a", 5)), O::kRefused);
  EXPECT_EQ(a->status, S::kExpired);
}

TEST(OrderManager, CancelRejectArrivingAfterTheFillIsLate) {
  OrderManager m;
  const Order* o = Working(m, "o", "V");
  ASSERT_TRUE(m.RequestCancel(Cid("o"), At(4)).ok());
  EXPECT_EQ(m.Apply(Partial(Fill("o", "V", "T-1", "100", "0.5", "0.5", "0", 5))), O::kApplied);
  EXPECT_EQ(o->status, S::kPendingCancel);
  EXPECT_EQ(m.Apply(Complete(Fill("o", "V", "T-2", "100", "1.5", "2", "0", 6))), O::kApplied);
  EXPECT_EQ(o->status, S::kFilled);
  auto reject = Ev<OrderCancelRejected>("o", 7);
  reject.reason = RejectReason::kOrderClosed;
  EXPECT_EQ(m.Apply(reject), O::kLate);
  EXPECT_EQ(m.Apply(reject), O::kDuplicate);
  EXPECT_EQ(o->status, S::kFilled);
  EXPECT_EQ(o->filled_qty, Q("2"));
  EXPECT_EQ(m.counts().of(O::kLate), 1u);
  EXPECT_EQ(m.counts().of(O::kDuplicate), 1u);
  EXPECT_EQ(m.counts().of(O::kRefused), 0u);
  // A cancel confirmation after the fill contradicts it: refused, counted.
  EXPECT_EQ(m.Apply(Ev<OrderCanceled>("o", 8)), O::kRefused);
  EXPECT_EQ(o->status, S::kFilled);
}

TEST(OrderManager, CancelRejectAfterTheVenueCanceledOnItsOwnIsLate) {
  // A reduce-only order the venue cancels because nothing is left to
  // reduce, while our cancel is on its way: the venue's OrderCanceled
  // closes it, then our cancel is refused as closed.
  OrderManager m;
  const Order* o = Working(m, "o", "V");
  ASSERT_TRUE(m.RequestCancel(Cid("o"), At(4)).ok());
  EXPECT_EQ(m.Apply(Ev<OrderCanceled>("o", 5)), O::kApplied);
  EXPECT_EQ(o->status, S::kCanceled);
  auto reject = Ev<OrderCancelRejected>("o", 6);
  reject.reason = RejectReason::kOrderClosed;
  EXPECT_EQ(m.Apply(reject), O::kLate);
  EXPECT_EQ(m.Apply(reject), O::kDuplicate);
  EXPECT_EQ(m.counts().of(O::kRefused), 0u);
  // Without a cancel of ours, the same refusal is not ours to explain.
  const Order* p = Working(m, "p", "W");
  EXPECT_EQ(m.Apply(Ev<OrderCanceled>("p", 7)), O::kApplied);
  auto other = Ev<OrderCancelRejected>("p", 8);
  other.reason = RejectReason::kOrderClosed;
  EXPECT_EQ(m.Apply(other), O::kRefused);
  EXPECT_EQ(p->status, S::kCanceled);
}

TEST(OrderManager, CancelRejectReturnsTheOrderToWorking) {
  OrderManager m;
  const Order* o = Working(m, "o", "V");
  ASSERT_TRUE(m.RequestCancel(Cid("o"), At(4)).ok());
  EXPECT_EQ(m.Apply(Ev<OrderCancelRejected>("o", 5)), O::kApplied);
  EXPECT_EQ(o->status, S::kAccepted);
  EXPECT_EQ(m.Apply(Ev<OrderCancelRejected>("o", 5)), O::kDuplicate);
  EXPECT_EQ(m.Apply(Partial(Fill("o", "V", "T-1", "100", "1", "1", "0", 6))), O::kApplied);
  ASSERT_TRUE(m.RequestCancel(Cid("o"), At(7)).ok());
  EXPECT_EQ(m.Apply(Ev<OrderCancelRejected>("o", 8)), O::kApplied);
  EXPECT_EQ(o->status, S::kPartiallyFilled);
}

TEST(OrderManager, CancelRejectNeverRequestedIsRefused) {
  OrderManager m;
  const Order* o = Working(m, "o", "V");
  EXPECT_EQ(m.Apply(Ev<OrderCancelRejected>("o", 4)), O::kRefused);
  EXPECT_EQ(m.Apply(Ev<OrderAmendRejected>("o", 4)), O::kRefused);
  EXPECT_EQ(o->status, S::kAccepted);
  EXPECT_TRUE(Contains(m.RecentMessages(), "client_order_id=o", "status=Accepted", "trigger=CancelReject"));
}

TEST(OrderManager, AmendPriceChange) {
  OrderManager m;
  const Order* o = Working(m, "o", "V");
  AmendRequest amend;
  amend.instrument = kBtc;
  amend.client_order_id = Cid("o");
  amend.price = P("99");
  ASSERT_TRUE(m.RequestAmend(amend, At(4)).ok());
  EXPECT_EQ(o->status, S::kPendingAmend);
  EXPECT_EQ(o->price, P("100"));  // unchanged until the venue confirms
  EXPECT_EQ(m.Apply(Amended("o", "99", "2", 5)), O::kApplied);
  EXPECT_EQ(o->status, S::kAccepted);
  EXPECT_EQ(o->price, P("99"));
  EXPECT_EQ(o->qty, Q("2"));
  EXPECT_EQ(m.Apply(Amended("o", "99", "2", 5)), O::kDuplicate);
  // Undefined price and zero qty keep the order's own.
  auto same = Ev<OrderAmended>("o", 6);
  same.price = Price::Undefined();
  EXPECT_EQ(m.Apply(same), O::kDuplicate);
  EXPECT_EQ(o->price, P("99"));
  EXPECT_EQ(o->qty, Q("2"));
}

TEST(OrderManager, AmendRejected) {
  OrderManager m;
  const Order* o = Working(m, "o", "V");
  ASSERT_TRUE(m.RequestAmend(Cid("o"), At(4)).ok());
  EXPECT_EQ(m.Apply(Ev<OrderAmendRejected>("o", 5)), O::kApplied);
  EXPECT_EQ(o->status, S::kAccepted);
  EXPECT_EQ(o->price, P("100"));
  EXPECT_EQ(m.Apply(Ev<OrderAmendRejected>("o", 5)), O::kDuplicate);
  // An amend request in flight may not be doubled.
  ASSERT_TRUE(m.RequestAmend(Cid("o"), At(6)).ok());
  EXPECT_EQ(m.RequestAmend(Cid("o"), At(6)).error(), OrderManagerError::kNotAllowed);
}

TEST(OrderManager, AmendQtyChecks) {
  OrderManager m;
  const Order* o = Working(m, "o", "V");
  EXPECT_EQ(m.Apply(Partial(Fill("o", "V", "T-1", "100", "0.5", "0.5", "0", 4))), O::kApplied);
  AmendRequest amend;
  amend.instrument = kBtc;
  amend.client_order_id = Cid("o");
  amend.qty = Q("0.5");
  EXPECT_EQ(m.RequestAmend(amend, At(5)).error(), OrderManagerError::kAmendQtyNotAboveFilled);
  amend.qty = Q("2");
  EXPECT_EQ(m.RequestAmend(amend, At(5)).error(), OrderManagerError::kAmendNoChange);
  EXPECT_EQ(o->status, S::kPartiallyFilled);

  // The venue amending to the filled qty would leave nothing working:
  // refused, the order unchanged.
  EXPECT_EQ(m.Apply(Amended("o", "100", "0.5", 6)), O::kRefused);
  EXPECT_EQ(m.last_problem()->reason, RefusalReason::kAmendQtyNotAboveFilled);
  EXPECT_EQ(o->qty, Q("2"));

  amend.qty = Q("1");
  ASSERT_TRUE(m.RequestAmend(amend, At(7)).ok());
  EXPECT_EQ(m.Apply(Amended("o", "100", "1", 8)), O::kApplied);
  EXPECT_EQ(o->status, S::kPartiallyFilled);
  EXPECT_EQ(o->qty, Q("1"));
  EXPECT_EQ(o->leaves_qty(), Q("0.5"));
  EXPECT_EQ(m.Apply(Complete(Fill("o", "V", "T-2", "100", "0.5", "1", "0", 9))), O::kApplied);
  EXPECT_EQ(o->status, S::kFilled);
}

TEST(OrderManager, AmendTakenWhileCancelInFlightIsLate) {
  OrderManager m;
  const Order* o = Working(m, "o", "V");
  AmendRequest amend;
  amend.client_order_id = Cid("o");
  amend.qty = Q("1");
  ASSERT_TRUE(m.RequestAmend(amend, At(4)).ok());
  ASSERT_TRUE(m.RequestCancel(Cid("o"), At(5)).ok());
  EXPECT_EQ(o->status, S::kPendingCancel);
  EXPECT_EQ(m.Apply(Amended("o", "100", "1", 6)), O::kLate);
  EXPECT_EQ(o->status, S::kPendingCancel);
  EXPECT_EQ(o->qty, Q("1"));
  EXPECT_EQ(m.Apply(Amended("o", "100", "1", 6)), O::kDuplicate);
  // The fill is measured against the amended qty: it completes the order.
  EXPECT_EQ(m.Apply(Complete(Fill("o", "V", "T-1", "100", "1", "1", "0", 7))), O::kApplied);
  EXPECT_EQ(o->status, S::kFilled);
  EXPECT_EQ(m.Apply(Ev<OrderCancelRejected>("o", 8)), O::kLate);
}

TEST(OrderManager, AmendRejectAfterTheFillIsLate) {
  OrderManager m;
  const Order* o = Working(m, "o", "V");
  ASSERT_TRUE(m.RequestAmend(Cid("o"), At(4)).ok());
  EXPECT_EQ(m.Apply(Complete(Fill("o", "V", "T-1", "100", "2", "2", "0", 5))), O::kApplied);
  EXPECT_EQ(m.Apply(Ev<OrderAmendRejected>("o", 6)), O::kLate);
  EXPECT_EQ(m.Apply(Ev<OrderAmendRejected>("o", 6)), O::kDuplicate);
  EXPECT_EQ(o->status, S::kFilled);
}

TEST(OrderManager, RefusedTransitionLeavesOrderUnchangedAndIsLogged) {
  OrderManager m;
  ASSERT_TRUE(m.Create(Request("o"), At(1)).ok());
  EXPECT_EQ(m.Apply(Ev<OrderSubmitted>("o", 2)), O::kApplied);
  EXPECT_EQ(m.Apply(Ev<OrderRejected>("o", 3)), O::kApplied);
  const Order before = *m.Find(Cid("o"));
  EXPECT_EQ(m.Apply(Complete(Fill("o", "V", "T-1", "100", "2", "2", "0.1", 4))), O::kRefused);
  const Order* o = m.Find(Cid("o"));
  EXPECT_EQ(o->status, S::kRejected);
  EXPECT_TRUE(o->filled_qty.IsZero());
  EXPECT_TRUE(o->fees.IsZero());
  EXPECT_TRUE(o->venue_order_id.empty());
  EXPECT_EQ(o->ts_last_event, before.ts_last_event);
  EXPECT_EQ(m.FindByVenueId(Vid("V")), nullptr);

  const OrderProblem* p = m.last_problem();
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(p->outcome, O::kRefused);
  EXPECT_EQ(p->event_type, kEventTypeOf<OrderFilled>);
  EXPECT_EQ(p->client_order_id, Cid("o"));
  EXPECT_EQ(p->status, S::kRejected);
  EXPECT_EQ(p->reason, RefusalReason::kFill);
  EXPECT_EQ(p->fill, FillError::kTransition);
  EXPECT_EQ(p->transition, (OrderTransitionError{S::kRejected, OrderTrigger::kFill}));
  EXPECT_EQ(m.counts().of(O::kRefused), 1u);
  const auto messages = m.RecentMessages();
  ASSERT_EQ(messages.size(), 1u);
  EXPECT_TRUE(Contains(messages, "ORDER_FILLED", "client_order_id=o", "status=Rejected")) << messages[0];
  EXPECT_TRUE(Contains(messages, "trigger=Fill", "not allowed in state Rejected")) << messages[0];

  // Status-only events too.
  EXPECT_EQ(m.Apply(Accepted("o", "V", 5)), O::kRefused);
  EXPECT_EQ(m.Apply(Ev<OrderExpired>("o", 5)), O::kRefused);
  EXPECT_EQ(m.Apply(Amended("o", "90", "2", 5)), O::kRefused);
  EXPECT_EQ(m.last_problem()->reason, RefusalReason::kTransition);
  EXPECT_EQ(m.Find(Cid("o"))->status, S::kRejected);
  EXPECT_EQ(m.Find(Cid("o"))->price, P("100"));
  EXPECT_EQ(m.counts().of(O::kRefused), 4u);
}

TEST(OrderManager, OverfillIsRefused) {
  OrderManager m;
  const Order* o = Working(m, "o", "V", "1");
  EXPECT_EQ(m.Apply(Partial(Fill("o", "V", "T-1", "100", "0.6", "0.6", "0.01", 4))), O::kApplied);
  EXPECT_EQ(m.Apply(Complete(Fill("o", "V", "T-2", "100", "0.6", "1.2", "0.01", 5))), O::kRefused);
  EXPECT_EQ(m.last_problem()->reason, RefusalReason::kFill);
  EXPECT_EQ(m.last_problem()->fill, FillError::kOverfill);
  EXPECT_EQ(o->filled_qty, Q("0.6"));
  EXPECT_EQ(o->fees, N("0.01"));
  EXPECT_EQ(o->status, S::kPartiallyFilled);
  EXPECT_TRUE(Contains(m.RecentMessages(), "client_order_id=o", "overfill"));
  // The refused trade id was not remembered: the right fill still applies.
  EXPECT_EQ(m.Apply(Complete(Fill("o", "V", "T-2", "100", "0.4", "1", "0.01", 5))), O::kApplied);
  EXPECT_EQ(o->status, S::kFilled);
}

TEST(OrderManager, FillKindDisagreeingWithOursIsRefused) {
  OrderManager m;
  const Order* o = Working(m, "o", "V");
  EXPECT_EQ(m.Apply(Complete(Fill("o", "V", "T-1", "100", "1", "1", "0", 4))), O::kRefused);
  EXPECT_EQ(m.last_problem()->fill, FillError::kWrongKind);
  EXPECT_EQ(m.Apply(Partial(Fill("o", "V", "T-1", "100", "2", "2", "0", 4))), O::kRefused);
  EXPECT_EQ(m.last_problem()->fill, FillError::kWrongKind);
  EXPECT_TRUE(o->filled_qty.IsZero());
  EXPECT_EQ(o->status, S::kAccepted);
}

TEST(OrderManager, UnknownOrderEventsAreCounted) {
  OrderManager m;
  EXPECT_EQ(m.Apply(Ev<OrderSubmitted>("ghost", 1)), O::kUnknownOrder);
  EXPECT_EQ(m.Apply(Accepted("ghost", "GV", 1)), O::kUnknownOrder);
  EXPECT_EQ(m.Apply(Complete(Fill("ghost", "GV", "T", "1", "1", "1", "0", 1))), O::kUnknownOrder);
  EXPECT_EQ(m.Apply(Ev<OrderCanceled>("ghost", 1)), O::kUnknownOrder);
  EXPECT_EQ(m.Apply(Ev<OrderCancelRejected>("ghost", 1)), O::kUnknownOrder);
  EXPECT_EQ(m.Apply(Ev<OrderAmendRejected>("ghost", 1)), O::kUnknownOrder);
  EXPECT_EQ(m.Apply(Amended("ghost", "1", "1", 1)), O::kUnknownOrder);
  EXPECT_EQ(m.Apply(Ev<OrderExpired>("ghost", 1)), O::kUnknownOrder);
  EXPECT_EQ(m.Apply(Ev<OrderRejected>("ghost", 1)), O::kUnknownOrder);
  EXPECT_EQ(m.counts().of(O::kUnknownOrder), 9u);
  ASSERT_NE(m.last_problem(), nullptr);
  EXPECT_EQ(m.last_problem()->outcome, O::kUnknownOrder);
  EXPECT_EQ(m.last_problem()->client_order_id, Cid("ghost"));
  EXPECT_TRUE(Contains(m.RecentMessages(), "ORDER_FILLED", "client_order_id=ghost venue_order_id=GV", "unknown"));
  EXPECT_EQ(m.size(), 0u);
}

TEST(OrderManager, NonOrderEventsAreIgnoredAndVariantRoutes) {
  OrderManager m;
  EXPECT_EQ(m.Apply(Event(Trade{})), O::kIgnored);
  EXPECT_EQ(m.Apply(Event(Request("o"))), O::kIgnored);  // Create makes orders
  EXPECT_EQ(m.size(), 0u);
  ASSERT_TRUE(m.Create(Request("o"), At(1)).ok());
  EXPECT_EQ(m.Apply(Event(Ev<OrderSubmitted>("o", 2))), O::kApplied);
  EXPECT_EQ(m.Apply(Event(Accepted("o", "V", 3))), O::kApplied);
  EXPECT_EQ(m.Apply(Event(Partial(Fill("o", "V", "T-1", "100", "1", "1", "0", 4)))), O::kApplied);
  EXPECT_EQ(m.Apply(Event(Complete(Fill("o", "V", "T-2", "100", "1", "2", "0", 5)))), O::kApplied);
  EXPECT_EQ(m.Find(Cid("o"))->status, S::kFilled);
  EXPECT_EQ(m.counts().of(O::kIgnored), 2u);
}

TEST(OrderManager, UnsentOrderIsClosedLocally) {
  OrderManager m;
  ASSERT_TRUE(m.Create(Request("a"), At(1)).ok());
  ASSERT_TRUE(m.Create(Request("b"), At(1)).ok());
  EXPECT_EQ(m.RequestCancel(Cid("a"), At(2)).error(), OrderManagerError::kNotAllowed);
  EXPECT_EQ(m.Apply(Ev<OrderCanceled>("a", 2)), O::kApplied);
  EXPECT_EQ(m.Apply(Ev<OrderRejected>("b", 2)), O::kApplied);
  EXPECT_EQ(m.OpenCount(kBtc), 0u);
  // An acknowledgement for an order never sent is a contradiction.
  EXPECT_EQ(m.Apply(Accepted("a", "V", 3)), O::kRefused);
}

// A gap in the lifecycle table (docs/ORDERS.md, OrderManager): Reject is
// not taken in PendingCancel, so a venue rejecting an order we asked to
// cancel before its acknowledgement is refused and the order stays open.
// Change this test when the table takes Reject there.
TEST(OrderManager, RejectWhileCancelPendingClosesTheOrder) {
  // We asked to cancel before the venue answered the order; its answer is a
  // reject (e.g. post-only would take). The order is closed, and the
  // venue's refusal of our cancel that follows changes nothing.
  OrderManager m;
  ASSERT_TRUE(m.Create(Request("o"), At(1)).ok());
  EXPECT_EQ(m.Apply(Ev<OrderSubmitted>("o", 2)), O::kApplied);
  ASSERT_TRUE(m.RequestCancel(Cid("o"), At(3)).ok());
  EXPECT_EQ(m.Apply(Ev<OrderRejected>("o", 4)), O::kApplied);
  EXPECT_EQ(m.Find(Cid("o"))->status, S::kRejected);
  EXPECT_EQ(m.OpenCount(kBtc), 0u);
  auto unknown = Ev<OrderCancelRejected>("o", 5);
  unknown.reason = RejectReason::kUnknownOrder;
  EXPECT_EQ(m.Apply(unknown), O::kLate);
  EXPECT_EQ(m.Find(Cid("o"))->status, S::kRejected);
}

TEST(OrderManager, MessageLogIsBounded) {
  OrderManager m;
  for (int i = 0; i < 100; ++i) {
    std::string id("ghost-");
    id.append(std::to_string(i));
    EXPECT_EQ(m.Apply(Ev<OrderCanceled>(id, i)), O::kUnknownOrder);
  }
  const auto messages = m.RecentMessages();
  ASSERT_EQ(messages.size(), OrderManager::kMessageCapacity);
  EXPECT_EQ(m.messages_written(), 100u);
  EXPECT_NE(messages.front().find("client_order_id=ghost-36"), std::string::npos) << messages.front();
  EXPECT_NE(messages.back().find("client_order_id=ghost-99"), std::string::npos) << messages.back();
}

TEST(OrderManager, ForgetClosedDropsOnlyOldClosedOrders) {
  OrderManager m;
  Working(m, "old", "V-old");
  Working(m, "new", "V-new");
  Working(m, "open", "V-open");
  EXPECT_EQ(m.Apply(Ev<OrderCanceled>("old", 10)), O::kApplied);
  EXPECT_EQ(m.Apply(Ev<OrderCanceled>("new", 20)), O::kApplied);
  EXPECT_EQ(m.ForgetClosed(At(15)), 1u);
  EXPECT_EQ(m.size(), 2u);
  EXPECT_EQ(m.Find(Cid("old")), nullptr);
  EXPECT_EQ(m.FindByVenueId(Vid("V-old")), nullptr);
  EXPECT_NE(m.Find(Cid("new")), nullptr);
  EXPECT_NE(m.FindByVenueId(Vid("V-open")), nullptr);
  EXPECT_EQ(m.Apply(Ev<OrderCanceled>("old", 30)), O::kUnknownOrder);
  EXPECT_EQ(m.ForgetClosed(At(100)), 1u);
  EXPECT_EQ(m.size(), 1u);
  EXPECT_EQ(m.OpenCount(kBtc), 1u);
  EXPECT_EQ(m.counts().forgotten, 2u);
  // The id may be used again once forgotten.
  EXPECT_TRUE(m.Create(Request("old"), At(40)).ok());
}

// ---------------------------------------------------------------------------
// Randomized: many lifecycles as a venue would report them, delivered once,
// each venue event twice in a row, and with each event repeated later.

struct Step {
  enum Kind : std::uint8_t { kCreate, kEvent, kCancel, kAmend };
  Kind kind = kEvent;
  Event event;
  AmendRequest amend;
  // Amended, CancelRejected, AmendRejected: events without a request id,
  // whose repeat is recognized until the next request or amend.
  bool answer = false;
};

struct Script {
  OrderRequest request;
  std::vector<Step> steps;
  // What the venue's events say the order ends as.
  S status = S::kInitialized;
  Qty filled;
  Price price;
  Qty qty;
};

// Writes one order's lifecycle as a venue would report it, keeping the
// status it expects the manager to reach.
class LifecycleWriter {
 public:
  LifecycleWriter(std::mt19937_64& rng, int index) : rng_(rng), index_(index) {
    std::string id("o-");
    id.append(std::to_string(index));
    cid_ = ClientOrderId::Of(id);
    std::string vid("v-");
    vid.append(std::to_string(index));
    vid_ = VenueOrderId::Of(vid);
  }

  Script Write() {
    OrderRequest& r = script_.request;
    r.instrument = InstrumentId{static_cast<std::uint32_t>(Uniform(0, 2))};
    r.side = Chance(0.5) ? Side::kBuy : Side::kSell;
    r.type = OrderType::kLimit;
    r.price = Price::FromInt(20000 + Uniform(0, 100));
    r.qty = Lots(Uniform(1, 10));
    r.client_order_id = cid_;
    script_.price = r.price;
    script_.qty = r.qty;
    Step create;
    create.kind = Step::kCreate;
    script_.steps.push_back(create);

    Emit(Ev<OrderSubmitted>(), S::kSubmitted);
    if (Chance(0.08)) {
      Emit(Ev<OrderRejected>(), S::kRejected);
      return Finish();
    }
    if (Chance(0.8)) Ack();
    const int rounds = static_cast<int>(Uniform(0, 6));
    for (int i = 0; i < rounds && !IsTerminal(script_.status); ++i) {
      if (!acked_ && Chance(0.5)) Ack();
      const double c = Real();
      if (c < 0.35) {
        FillSome();
      } else if (c < 0.45) {
        FillAll();
      } else if (c < 0.50) {
        Emit(Ev<OrderCanceled>(), S::kCanceled);
      } else if (c < 0.55) {
        Emit(Ev<OrderExpired>(), S::kExpired);
      } else if (c < 0.80) {
        CancelFlow();
      } else if (acked_) {
        AmendFlow();
      }
    }
    return Finish();
  }

 private:
  static Qty Lots(std::int64_t n) { return Qty::FromRaw(n * 1'000'000); }  // lots of 0.001
  bool Chance(double p) { return Real() < p; }
  double Real() { return std::uniform_real_distribution<double>(0.0, 1.0)(rng_); }
  std::int64_t Uniform(std::int64_t lo, std::int64_t hi) {
    return std::uniform_int_distribution<std::int64_t>(lo, hi)(rng_);
  }
  bool Working() const { return !IsTerminal(script_.status); }
  S Back() const { return script_.filled.IsPositive() ? S::kPartiallyFilled : S::kAccepted; }

  template <class E>
  E Ev() {
    E e{};
    e.ts_event = UnixNanos::FromNanos(++ts_);
    e.ts_recv = e.ts_event;
    e.instrument = script_.request.instrument;
    e.client_order_id = cid_;
    return e;
  }
  template <class E>
  void Emit(const E& e, S status, bool answer = false) {
    Step s;
    s.kind = Step::kEvent;
    s.event = e;
    s.answer = answer;
    script_.steps.push_back(s);
    script_.status = status;
  }
  void Ack() {
    auto e = Ev<OrderAccepted>();
    e.venue_order_id = vid_;
    acked_ = true;
    Emit(e, script_.status == S::kSubmitted ? S::kAccepted : script_.status);
  }
  void Fill(Qty last) {
    FillReport f = Ev<FillReport>();
    f.side = script_.request.side;
    f.last_price = script_.price;
    f.last_qty = last;
    script_.filled += last;
    f.cum_qty = script_.filled;
    f.leaves_qty = script_.qty - script_.filled;
    f.fee = Notional::FromRaw(last.raw() / 1000);
    if (acked_ || Chance(0.5)) f.venue_order_id = vid_;
    if (acked_ && Chance(0.2)) f.client_order_id = ClientOrderId();  // matched by venue id
    if (Chance(0.7)) {
      std::string t("t-");
      t.append(std::to_string(index_)).append("-").append(std::to_string(++trades_));
      f.trade_id = TradeId::Of(t);
    }
    const bool complete = script_.filled == script_.qty;
    S next = script_.status;
    if (complete) {
      next = S::kFilled;
    } else if (next != S::kPendingCancel && next != S::kPendingAmend) {
      next = S::kPartiallyFilled;
    }
    if (complete) {
      Emit(OrderFilled{f}, next);
    } else {
      Emit(OrderPartiallyFilled{f}, next);
    }
  }
  std::int64_t LeavesLots() const { return (script_.qty - script_.filled).raw() / 1'000'000; }
  void FillSome() {
    const std::int64_t leaves = LeavesLots();
    if (leaves > 1) {
      Fill(Lots(Uniform(1, leaves - 1)));
    } else {
      FillAll();
    }
  }
  void FillAll() { Fill(Lots(LeavesLots())); }
  void Local(Step::Kind kind, const AmendRequest& amend = {}) {
    Step s;
    s.kind = kind;
    s.amend = amend;
    script_.steps.push_back(s);
  }

  void CancelFlow() {
    Local(Step::kCancel);
    script_.status = S::kPendingCancel;
    if (!acked_ && Chance(0.5)) Ack();  // late: after our request
    const double c = Real();
    if (c < 0.35) {
      Emit(Ev<OrderCanceled>(), S::kCanceled);
    } else if (c < 0.55) {
      Emit(Ev<OrderCancelRejected>(), Back(), true);
    } else if (c < 0.75) {
      FillAll();
      Emit(Ev<OrderCancelRejected>(), S::kFilled, true);  // late
    } else if (c < 0.90) {
      if (LeavesLots() > 1) FillSome();
      Emit(Ev<OrderCanceled>(), S::kCanceled);
    } else {
      Emit(Ev<OrderExpired>(), S::kExpired);
      Emit(Ev<OrderCancelRejected>(), S::kExpired, true);  // late
    }
  }

  void AmendFlow() {
    Price price = script_.price;
    Qty qty = script_.qty;
    if (Chance(0.7)) price = Price::FromInt(price.raw() / 1'000'000'000 + (Chance(0.5) ? 1 : -1) * Uniform(1, 5));
    if (price == script_.price || Chance(0.5)) {
      const std::int64_t filled_lots = script_.filled.raw() / 1'000'000;
      qty = Lots(filled_lots + Uniform(1, 10));
      if (qty == script_.qty) qty = qty + Lots(1);
    }
    AmendRequest amend;
    amend.instrument = script_.request.instrument;
    amend.client_order_id = cid_;
    if (price != script_.price) amend.price = price;
    if (qty != script_.qty) amend.qty = qty;
    Local(Step::kAmend, amend);
    script_.status = S::kPendingAmend;
    auto amended = Ev<OrderAmended>();
    amended.price = price;
    amended.qty = qty;
    const double c = Real();
    if (c < 0.4) {
      script_.price = price;
      script_.qty = qty;
      Emit(amended, Back(), true);
    } else if (c < 0.6) {
      Emit(Ev<OrderAmendRejected>(), Back(), true);
    } else if (c < 0.75) {
      FillAll();
      Emit(Ev<OrderAmendRejected>(), S::kFilled, true);  // late
    } else {
      Local(Step::kCancel);
      script_.status = S::kPendingCancel;
      if (Chance(0.5)) {
        script_.price = price;
        script_.qty = qty;
        Emit(amended, S::kPendingCancel, true);  // late, terms taken
        Emit(Ev<OrderCanceled>(), S::kCanceled);
      } else {
        Emit(Ev<OrderAmendRejected>(), S::kPendingCancel, true);  // late
        Emit(Ev<OrderCancelRejected>(), Back(), true);
      }
    }
  }

  Script Finish() { return std::move(script_); }

  std::mt19937_64& rng_;
  int index_;
  ClientOrderId cid_;
  VenueOrderId vid_;
  Script script_;
  std::int64_t ts_ = 0;
  int trades_ = 0;
  bool acked_ = false;
};

// One delivery: the next step of an order.
struct Delivery {
  int order;
  const Step* step;
};

// Interleaves the orders' steps at random, keeping each order's own order.
std::vector<Delivery> Interleave(const std::vector<std::vector<Step>>& per_order, std::mt19937_64& rng) {
  std::vector<std::size_t> next(per_order.size(), 0);
  std::vector<int> pending;
  std::size_t total = 0;
  for (std::size_t i = 0; i < per_order.size(); ++i) {
    total += per_order[i].size();
    if (!per_order[i].empty()) pending.push_back(static_cast<int>(i));
  }
  std::vector<Delivery> out;
  out.reserve(total);
  while (!pending.empty()) {
    const std::size_t k = std::uniform_int_distribution<std::size_t>(0, pending.size() - 1)(rng);
    const int i = pending[k];
    out.push_back({i, &per_order[static_cast<std::size_t>(i)][next[static_cast<std::size_t>(i)]++]});
    if (next[static_cast<std::size_t>(i)] == per_order[static_cast<std::size_t>(i)].size()) {
      pending[k] = pending.back();
      pending.pop_back();
    }
  }
  return out;
}

// Each event step followed by its repeat.
std::vector<Step> Doubled(const std::vector<Step>& steps) {
  std::vector<Step> out;
  for (const Step& s : steps) {
    out.push_back(s);
    if (s.kind == Step::kEvent) out.push_back(s);
  }
  return out;
}

// Each event step repeated once at a random later place: anywhere for
// events whose repeat is always recognized, before the order's next
// request or amend for the answers.
std::vector<Step> RepeatedLater(const std::vector<Step>& steps, std::mt19937_64& rng, int* repeats) {
  std::vector<std::vector<Step>> after(steps.size());  // repeats delivered after step i
  for (std::size_t i = 0; i < steps.size(); ++i) {
    if (steps[i].kind != Step::kEvent) continue;
    std::size_t limit = steps.size() - 1;
    if (steps[i].answer) {
      for (std::size_t j = i + 1; j < steps.size(); ++j) {
        const Step& s = steps[j];
        if (s.kind == Step::kCancel || s.kind == Step::kAmend || std::holds_alternative<OrderAmended>(s.event)) {
          limit = j - 1;
          break;
        }
      }
    }
    const std::size_t at = std::uniform_int_distribution<std::size_t>(i, limit)(rng);
    after[at].push_back(steps[i]);
    ++*repeats;
  }
  std::vector<Step> out;
  for (std::size_t i = 0; i < steps.size(); ++i) {
    out.push_back(steps[i]);
    for (const Step& s : after[i]) out.push_back(s);
  }
  return out;
}

void Deliver(OrderManager& m, const std::vector<Script>& scripts, const std::vector<Delivery>& deliveries) {
  for (const Delivery& d : deliveries) {
    const Script& sc = scripts[static_cast<std::size_t>(d.order)];
    const Step& s = *d.step;
    switch (s.kind) {
      case Step::kCreate: {
        ASSERT_TRUE(m.Create(sc.request, UnixNanos()).ok());
        break;
      }
      case Step::kCancel: {
        auto r = m.RequestCancel(sc.request.client_order_id, UnixNanos());
        ASSERT_TRUE(r.ok()) << OrderManagerErrorName(r.error()) << " " << sc.request.client_order_id.view();
        break;
      }
      case Step::kAmend: {
        auto r = m.RequestAmend(s.amend, UnixNanos());
        ASSERT_TRUE(r.ok()) << OrderManagerErrorName(r.error()) << " " << sc.request.client_order_id.view();
        break;
      }
      case Step::kEvent: {
        const ApplyOutcome o = m.Apply(s.event);
        ASSERT_NE(o, O::kRefused) << EventTypeName(TypeOf(s.event)) << " " << sc.request.client_order_id.view() << ": "
                                  << (m.RecentMessages().empty() ? "" : m.RecentMessages().back());
        ASSERT_NE(o, O::kUnknownOrder) << sc.request.client_order_id.view();
        break;
      }
    }
  }
}

std::string Summary(const Order& o) {
  std::string s(o.client_order_id.view());
  s.append(" ").append(OrderStatusName(o.status));
  s.append(" filled=").append(o.filled_qty.ToString()).append(" notional=").append(o.filled_notional.ToString());
  s.append(" fees=").append(o.fees.ToString()).append(" fills=").append(std::to_string(o.fill_count));
  s.append(" price=").append(o.price.ToString()).append(" qty=").append(o.qty.ToString());
  s.append(" venue=").append(o.venue_order_id.view());
  return s;
}

std::vector<std::string> SortedIds(const std::vector<const Order*>& orders) {
  std::vector<std::string> ids;
  ids.reserve(orders.size());
  for (const Order* o : orders) ids.push_back(o->client_order_id.str());
  std::sort(ids.begin(), ids.end());
  return ids;
}

TEST(OrderManager, RandomLifecyclesWithRepeatedEventsEndTheSame) {
  constexpr int kOrders = 400;
  for (std::uint64_t seed : {1u, 2u, 3u, 42u, 20240718u}) {
    SCOPED_TRACE(seed);
    std::mt19937_64 rng(seed);
    std::vector<Script> scripts;
    scripts.reserve(kOrders);
    for (int i = 0; i < kOrders; ++i) scripts.push_back(LifecycleWriter(rng, i).Write());

    std::vector<std::vector<Step>> once, doubled, later;
    int event_steps = 0, repeats = 0;
    for (const Script& sc : scripts) {
      once.push_back(sc.steps);
      doubled.push_back(Doubled(sc.steps));
      later.push_back(RepeatedLater(sc.steps, rng, &repeats));
      for (const Step& s : sc.steps) event_steps += s.kind == Step::kEvent ? 1 : 0;
    }

    OrderManager m_once, m_doubled, m_later;
    Deliver(m_once, scripts, Interleave(once, rng));
    Deliver(m_doubled, scripts, Interleave(doubled, rng));
    Deliver(m_later, scripts, Interleave(later, rng));
    if (HasFatalFailure()) return;

    // The lifecycles reach every ending and the races.
    std::array<int, kOrderStatusCount> endings{};
    for (const Script& sc : scripts) ++endings[static_cast<std::size_t>(sc.status)];
    for (S st : {S::kAccepted, S::kPartiallyFilled, S::kFilled, S::kCanceled, S::kExpired, S::kRejected}) {
      EXPECT_GT(endings[static_cast<std::size_t>(st)], 0) << OrderStatusName(st);
    }
    EXPECT_GT(m_once.counts().of(O::kLate), 0u);

    EXPECT_EQ(m_once.counts().of(O::kDuplicate), 0u);
    EXPECT_EQ(m_doubled.counts().of(O::kDuplicate), static_cast<std::uint64_t>(event_steps));
    EXPECT_EQ(m_later.counts().of(O::kDuplicate), static_cast<std::uint64_t>(repeats));
    for (const OrderManager* m : {&m_once, &m_doubled, &m_later}) {
      EXPECT_EQ(m->counts().of(O::kRefused), 0u);
      EXPECT_EQ(m->counts().of(O::kUnknownOrder), 0u);
      EXPECT_EQ(m->counts().requests_refused, 0u);
      EXPECT_EQ(m->size(), static_cast<std::size_t>(kOrders));
      EXPECT_EQ(m->counts().of(O::kLate), m_once.counts().of(O::kLate));
    }

    for (const Script& sc : scripts) {
      const Order* a = m_once.Find(sc.request.client_order_id);
      const Order* b = m_doubled.Find(sc.request.client_order_id);
      const Order* c = m_later.Find(sc.request.client_order_id);
      ASSERT_TRUE(a != nullptr && b != nullptr && c != nullptr);
      // Delivered once: what the venue's events say.
      EXPECT_EQ(a->status, sc.status) << Summary(*a);
      EXPECT_EQ(a->filled_qty, sc.filled) << Summary(*a);
      EXPECT_EQ(a->price, sc.price) << Summary(*a);
      EXPECT_EQ(a->qty, sc.qty) << Summary(*a);
      // Delivered with repeats: the same.
      EXPECT_EQ(Summary(*b), Summary(*a));
      EXPECT_EQ(Summary(*c), Summary(*a));
    }
    for (std::uint32_t i = 0; i < 3; ++i) {
      for (Side side : {Side::kBuy, Side::kSell}) {
        std::vector<const Order*> a, b, c;
        m_once.OpenOrders(InstrumentId{i}, side, a);
        m_doubled.OpenOrders(InstrumentId{i}, side, b);
        m_later.OpenOrders(InstrumentId{i}, side, c);
        // Creation order differs between the runs' interleavings: compare
        // as sets.
        EXPECT_EQ(SortedIds(a), SortedIds(b));
        EXPECT_EQ(SortedIds(a), SortedIds(c));
        for (const Order* o : a) EXPECT_FALSE(IsTerminal(o->status));
        std::size_t expected_open = 0;
        for (const Script& sc : scripts) {
          if (sc.request.instrument == InstrumentId{i} && sc.request.side == side && !IsTerminal(sc.status)) {
            ++expected_open;
          }
        }
        EXPECT_EQ(a.size(), expected_open);
      }
    }
  }
}

}  // namespace
}  // namespace hean
