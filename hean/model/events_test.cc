#include "hean/model/events.h"

#include <gtest/gtest.h>

#include <cstddef>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>

#include "hean/model/types.h"

namespace hean {
namespace {

// ---------------------------------------------------------------------------
// Event types

TEST(Events, TypeIndicesMatchNames) {
  EXPECT_EQ(kEventTypeCount, 25u);
  EXPECT_EQ(EventTypeName(kEventTypeOf<BookSnapshot>), "BOOK_SNAPSHOT");
  EXPECT_EQ(EventTypeName(kEventTypeOf<BookDelta>), "BOOK_DELTA");
  EXPECT_EQ(EventTypeName(kEventTypeOf<Trade>), "TRADE");
  EXPECT_EQ(EventTypeName(kEventTypeOf<Quote>), "QUOTE");
  EXPECT_EQ(EventTypeName(kEventTypeOf<Bar>), "BAR");
  EXPECT_EQ(EventTypeName(kEventTypeOf<Signal>), "SIGNAL");
  EXPECT_EQ(EventTypeName(kEventTypeOf<OrderRequest>), "ORDER_REQUEST");
  EXPECT_EQ(EventTypeName(kEventTypeOf<OrderSubmitted>), "ORDER_SUBMITTED");
  EXPECT_EQ(EventTypeName(kEventTypeOf<OrderAccepted>), "ORDER_ACCEPTED");
  EXPECT_EQ(EventTypeName(kEventTypeOf<OrderRejected>), "ORDER_REJECTED");
  EXPECT_EQ(EventTypeName(kEventTypeOf<OrderPartiallyFilled>), "ORDER_PARTIALLY_FILLED");
  EXPECT_EQ(EventTypeName(kEventTypeOf<OrderFilled>), "ORDER_FILLED");
  EXPECT_EQ(EventTypeName(kEventTypeOf<OrderCanceled>), "ORDER_CANCELED");
  EXPECT_EQ(EventTypeName(kEventTypeOf<OrderExpired>), "ORDER_EXPIRED");
  EXPECT_EQ(EventTypeName(kEventTypeOf<OrderAmended>), "ORDER_AMENDED");
  EXPECT_EQ(EventTypeName(kEventTypeOf<PositionUpdate>), "POSITION_UPDATE");
  EXPECT_EQ(EventTypeName(kEventTypeOf<PnlUpdate>), "PNL_UPDATE");
  EXPECT_EQ(EventTypeName(kEventTypeOf<RiskStateChange>), "RISK_STATE_CHANGE");
  EXPECT_EQ(EventTypeName(kEventTypeOf<OrderDenied>), "ORDER_DENIED");
  EXPECT_EQ(EventTypeName(kEventTypeOf<TimerEvent>), "TIMER");
  EXPECT_EQ(EventTypeName(kEventTypeOf<BookInvalid>), "BOOK_INVALID");
  EXPECT_EQ(EventTypeName(kEventTypeOf<OrderCancelRejected>), "ORDER_CANCEL_REJECTED");
  EXPECT_EQ(EventTypeName(kEventTypeOf<OrderAmendRejected>), "ORDER_AMEND_REJECTED");
}

TEST(Events, NamesAreUniqueAndKnown) {
  std::set<std::string_view> names;
  for (std::size_t t = 0; t < kEventTypeCount; ++t) {
    const std::string_view n = EventTypeName(static_cast<EventType>(t));
    EXPECT_NE(n, "UNKNOWN") << t;
    EXPECT_FALSE(n.empty()) << t;
    names.insert(n);
  }
  EXPECT_EQ(names.size(), kEventTypeCount);
  EXPECT_EQ(EventTypeName(static_cast<EventType>(kEventTypeCount)), "UNKNOWN");
  EXPECT_EQ(EventTypeName(255), "UNKNOWN");
}

template <std::size_t... I>
void CheckEveryAlternative(std::index_sequence<I...>) {
  (
      [] {
        using T = std::variant_alternative_t<I, Event>;
        // kEventTypeOf, the variant index and TypeOf agree.
        EXPECT_EQ(kEventTypeOf<T>, I);
        T e{};
        e.ts_event = UnixNanos::FromNanos(1'000 + static_cast<std::int64_t>(I));
        e.ts_recv = UnixNanos::FromNanos(2'000 + static_cast<std::int64_t>(I));
        const Event ev = e;
        EXPECT_EQ(TypeOf(ev), I);
        // TsEvent / TsRecv read the right fields through the variant.
        EXPECT_EQ(TsEvent(ev), UnixNanos::FromNanos(1'000 + static_cast<std::int64_t>(I))) << EventTypeName(I);
        EXPECT_EQ(TsRecv(ev), UnixNanos::FromNanos(2'000 + static_cast<std::int64_t>(I))) << EventTypeName(I);
        // The compile-time and run-time fast-path tables agree.
        EXPECT_EQ(kIsFastPath<T>, IsFastPath(static_cast<EventType>(I))) << EventTypeName(I);
        // Only BookSnapshot holds heap data; every other event is a plain copy.
        constexpr bool kTrivial = std::is_trivially_copyable_v<T>;
        constexpr bool kHoldsHeapData = std::is_same_v<T, BookSnapshot>;
        EXPECT_NE(kTrivial, kHoldsHeapData) << EventTypeName(I);
      }(),
      ...);
}

TEST(Events, EveryAlternativeRoundTripsThroughTheVariant) {
  CheckEveryAlternative(std::make_index_sequence<kEventTypeCount>{});
}

TEST(Events, FastPathIsExactlyTheFourCriticalTypes) {
  std::set<EventType> fast;
  for (std::size_t t = 0; t < kEventTypeCount; ++t) {
    if (IsFastPath(static_cast<EventType>(t))) fast.insert(static_cast<EventType>(t));
  }
  EXPECT_EQ(fast, (std::set<EventType>{kEventTypeOf<Signal>, kEventTypeOf<OrderRequest>,
                                       kEventTypeOf<OrderPartiallyFilled>, kEventTypeOf<OrderFilled>}));
  static_assert(kIsFastPath<Signal> && kIsFastPath<OrderRequest> && kIsFastPath<OrderPartiallyFilled> &&
                kIsFastPath<OrderFilled>);
  static_assert(!kIsFastPath<Trade> && !kIsFastPath<BookDelta> && !kIsFastPath<OrderRejected> &&
                !kIsFastPath<OrderDenied>);
  EXPECT_FALSE(IsFastPath(static_cast<EventType>(kEventTypeCount)));
  EXPECT_FALSE(IsFastPath(255));
}

TEST(Events, FillsShareTheFillReportLayout) {
  OrderFilled f{};
  f.last_qty = Qty::FromInt(2);
  f.leaves_qty = Qty::Zero();
  const FillReport& base = f;
  EXPECT_EQ(base.last_qty, Qty::FromInt(2));
  const Event ev = f;
  EXPECT_TRUE(std::holds_alternative<OrderFilled>(ev));
  EXPECT_FALSE(std::holds_alternative<OrderPartiallyFilled>(ev));
}

TEST(Events, BookSnapshotSharesItsLevels) {
  auto levels = std::make_shared<BookLevels>();
  levels->bids = {{Price::FromInt(100), Qty::FromInt(1)}, {Price::FromInt(99), Qty::FromInt(2)}};
  levels->asks = {{Price::FromInt(101), Qty::FromInt(3)}};
  BookSnapshot s{};
  s.levels = levels;
  const Event a = s;
  const Event b = a;  // a copy shares, never duplicates, the level list
  EXPECT_EQ(std::get<BookSnapshot>(a).levels.get(), std::get<BookSnapshot>(b).levels.get());
  EXPECT_EQ(levels.use_count(), 4);
  EXPECT_EQ(std::get<BookSnapshot>(b).levels->bids[1], (BookLevel{Price::FromInt(99), Qty::FromInt(2)}));
  EXPECT_FALSE((BookLevel{Price::FromInt(99), Qty::FromInt(2)} == BookLevel{Price::FromInt(99), Qty::FromInt(3)}));
}

TEST(Events, DefaultsAreSafe) {
  const OrderRequest r{};
  EXPECT_FALSE(r.price.IsDefined());  // a market order has no price
  EXPECT_FALSE(r.instrument.valid());
  EXPECT_EQ(r.tif, TimeInForce::kGtc);
  EXPECT_EQ(r.urgency, Urgency::kNormal);
  const Trade t{};
  EXPECT_EQ(t.aggressor, AggressorSide::kUnknown);
  const Event e;  // default alternative
  EXPECT_EQ(TypeOf(e), kEventTypeOf<BookSnapshot>);
  EXPECT_EQ(TsEvent(e), UnixNanos());
}

// ---------------------------------------------------------------------------
// Enum names (types.h)

template <class E>
void ExpectNamed(E first, E last, std::size_t expected_count, const char* what) {
  std::set<std::string_view> names;
  for (int v = static_cast<int>(first); v <= static_cast<int>(last); ++v) {
    const std::string_view n = ToString(static_cast<E>(v));
    EXPECT_NE(n, "UNKNOWN") << what << " " << v;
    EXPECT_FALSE(n.empty()) << what << " " << v;
    names.insert(n);
  }
  EXPECT_EQ(names.size(), expected_count) << what << ": names must be distinct";
}

TEST(Types, EveryEnumValueHasAName) {
  ExpectNamed(Side::kBuy, Side::kSell, 2, "Side");
  ExpectNamed(AggressorSide::kBuyer, AggressorSide::kSeller, 2, "AggressorSide");
  ExpectNamed(OrderType::kLimit, OrderType::kMarket, 2, "OrderType");
  ExpectNamed(TimeInForce::kGtc, TimeInForce::kPostOnly, 4, "TimeInForce");
  ExpectNamed(LiquiditySide::kMaker, LiquiditySide::kTaker, 2, "LiquiditySide");
  ExpectNamed(DenyReason::kUnknownInstrument, DenyReason::kInvalidOrder, 21, "DenyReason");
  ExpectNamed(RiskState::kNormal, RiskState::kHardStop, 4, "RiskState");
  ExpectNamed(RejectReason::kPostOnlyWouldTake, RejectReason::kAmendInvalid, 19, "RejectReason");
}

TEST(Types, SpecificNames) {
  EXPECT_EQ(ToString(Side::kBuy), "BUY");
  EXPECT_EQ(ToString(Side::kSell), "SELL");
  EXPECT_EQ(ToString(TimeInForce::kPostOnly), "POST_ONLY");
  EXPECT_EQ(ToString(DenyReason::kMaxOrderNotional), "MAX_ORDER_NOTIONAL");
  EXPECT_EQ(ToString(DenyReason::kInvalidOrder), "INVALID_ORDER");
  EXPECT_EQ(ToString(RiskState::kSoftBrake), "SOFT_BRAKE");
  EXPECT_EQ(ToString(RejectReason::kPostOnlyWouldTake), "POST_ONLY_WOULD_TAKE");
  // The explicit "unknown" members are named so.
  EXPECT_EQ(ToString(AggressorSide::kUnknown), "UNKNOWN");
  EXPECT_EQ(ToString(LiquiditySide::kUnknown), "UNKNOWN");
  EXPECT_EQ(ToString(RejectReason::kUnknown), "UNKNOWN");
  // Out-of-range values do not crash.
  EXPECT_EQ(ToString(static_cast<TimeInForce>(99)), "UNKNOWN");
  EXPECT_EQ(ToString(static_cast<DenyReason>(0)), "UNKNOWN");
  EXPECT_EQ(ToString(static_cast<RiskState>(99)), "UNKNOWN");
}

TEST(Types, SideHelpers) {
  EXPECT_EQ(Opposite(Side::kBuy), Side::kSell);
  EXPECT_EQ(Opposite(Side::kSell), Side::kBuy);
  EXPECT_EQ(SideSign(Side::kBuy), 1);
  EXPECT_EQ(SideSign(Side::kSell), -1);
  static_assert(Opposite(Opposite(Side::kBuy)) == Side::kBuy);
}

TEST(Types, InstrumentIdValidity) {
  EXPECT_FALSE(InstrumentId{}.valid());
  EXPECT_TRUE(InstrumentId{0}.valid());
  EXPECT_LT(InstrumentId{1}, InstrumentId{2});
  EXPECT_EQ(InstrumentId{3}, InstrumentId{3});
}

TEST(Types, IdStringsHoldVenueSizedIds) {
  // Bybit orderLinkId allows 36 characters; a UUID is 36.
  ClientOrderId c;
  EXPECT_TRUE(ClientOrderId::TryFrom(std::string(36, 'a'), &c));
  EXPECT_FALSE(ClientOrderId::TryFrom(std::string(37, 'a'), &c));
  EXPECT_TRUE(c.empty());
  VenueOrderId v;
  EXPECT_TRUE(VenueOrderId::TryFrom("9f8e7d6c-5b4a-3210-fedc-ba9876543210", &v));
  EXPECT_EQ(v.view(), "9f8e7d6c-5b4a-3210-fedc-ba9876543210");
}

}  // namespace
}  // namespace hean
