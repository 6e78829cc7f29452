#include "hean/exec/order_manager.h"

#include <algorithm>
#include <type_traits>
#include <utility>
#include <variant>

namespace hean {

namespace {

using S = OrderStatus;
using T = OrderTrigger;

template <class E>
inline constexpr bool kIsOrderEvent =
    std::is_same_v<E, OrderSubmitted> || std::is_same_v<E, OrderAccepted> || std::is_same_v<E, OrderRejected> ||
    std::is_same_v<E, OrderPartiallyFilled> || std::is_same_v<E, OrderFilled> || std::is_same_v<E, OrderCanceled> ||
    std::is_same_v<E, OrderExpired> || std::is_same_v<E, OrderAmended> || std::is_same_v<E, OrderCancelRejected> ||
    std::is_same_v<E, OrderAmendRejected>;

// "ORDER_FILLED client_order_id=abc venue_order_id=v1 status=Rejected"
std::string Describe(std::string_view what, const ClientOrderId& client_id, const VenueOrderId& venue_id,
                     const Order* order) {
  std::string m(what);
  m.append(" client_order_id=").append(client_id.view());
  if (!venue_id.empty()) m.append(" venue_order_id=").append(venue_id.view());
  if (order != nullptr) m.append(" status=").append(OrderStatusName(order->status));
  return m;
}

}  // namespace

std::string_view OrderManagerErrorName(OrderManagerError e) noexcept {
  switch (e) {
    case OrderManagerError::kEmptyClientOrderId: return "empty_client_order_id";
    case OrderManagerError::kDuplicateClientOrderId: return "duplicate_client_order_id";
    case OrderManagerError::kInvalidInstrument: return "invalid_instrument";
    case OrderManagerError::kBadQty: return "bad_qty";
    case OrderManagerError::kBadPrice: return "bad_price";
    case OrderManagerError::kUnknownOrder: return "unknown_order";
    case OrderManagerError::kNotAllowed: return "not_allowed";
    case OrderManagerError::kAmendQtyNotAboveFilled: return "amend_qty_not_above_filled";
    case OrderManagerError::kAmendNoChange: return "amend_no_change";
  }
  return "?";
}

std::string_view ApplyOutcomeName(ApplyOutcome o) noexcept {
  switch (o) {
    case ApplyOutcome::kApplied: return "applied";
    case ApplyOutcome::kDuplicate: return "duplicate";
    case ApplyOutcome::kLate: return "late";
    case ApplyOutcome::kUnknownOrder: return "unknown_order";
    case ApplyOutcome::kRefused: return "refused";
    case ApplyOutcome::kIgnored: return "ignored";
  }
  return "?";
}

std::string_view RefusalReasonName(RefusalReason r) noexcept {
  switch (r) {
    case RefusalReason::kTransition: return "transition";
    case RefusalReason::kFill: return "fill";
    case RefusalReason::kVenueIdMismatch: return "venue_id_mismatch";
    case RefusalReason::kFillWithoutId: return "fill_without_id";
    case RefusalReason::kAmendQtyNotAboveFilled: return "amend_qty_not_above_filled";
  }
  return "?";
}

// ---------------------------------------------------------------------------
// Creation and our own requests.

Result<const Order*, OrderManagerError> OrderManager::Create(const OrderRequest& r, UnixNanos ts) {
  auto refuse = [&](OrderManagerError e) -> Result<const Order*, OrderManagerError> {
    ++counts_.create_refused;
    std::string m = Describe("Create", r.client_order_id, VenueOrderId(), nullptr);
    m.append(": ").append(OrderManagerErrorName(e));
    Log(std::move(m));
    return MakeUnexpected(e);
  };
  if (r.client_order_id.empty()) return refuse(OrderManagerError::kEmptyClientOrderId);
  if (!r.instrument.valid()) return refuse(OrderManagerError::kInvalidInstrument);
  if (!r.qty.IsDefined() || !r.qty.IsPositive()) return refuse(OrderManagerError::kBadQty);
  if (r.type == OrderType::kLimit && (!r.price.IsDefined() || !r.price.IsPositive())) {
    return refuse(OrderManagerError::kBadPrice);
  }
  if (by_client_id_.contains(r.client_order_id)) return refuse(OrderManagerError::kDuplicateClientOrderId);

  auto slot = std::make_unique<Slot>();
  Order& o = slot->order;
  o.client_order_id = r.client_order_id;
  o.instrument = r.instrument;
  o.strategy = r.strategy;
  o.side = r.side;
  o.type = r.type;
  o.tif = r.tif;
  o.reduce_only = r.reduce_only;
  o.price = r.price;
  o.qty = r.qty;
  o.ts_init = ts;
  o.ts_last_event = ts;
  // Most orders fill in a few executions: no allocation for their trade ids.
  slot->trade_ids.reserve(4);

  Slot* s = slot.get();
  slots_.push_back(std::move(slot));
  by_client_id_.emplace(s->order.client_order_id, s);
  open_[s->order.instrument.value].by_side[SideIndex(s->order.side)].push_back(s);
  ++counts_.created;
  return static_cast<const Order*>(&s->order);
}

Result<void, OrderManagerError> OrderManager::RefuseRequest(std::string_view what, const ClientOrderId& id,
                                                            const Slot* s, OrderManagerError e) {
  ++counts_.requests_refused;
  std::string m = Describe(what, id, VenueOrderId(), s != nullptr ? &s->order : nullptr);
  m.append(": ").append(OrderManagerErrorName(e));
  Log(std::move(m));
  return MakeUnexpected(e);
}

Result<void, OrderManagerError> OrderManager::RequestCancel(const ClientOrderId& id, UnixNanos ts) {
  Slot* s = FindSlot(id);
  if (s == nullptr) return RefuseRequest("RequestCancel", id, nullptr, OrderManagerError::kUnknownOrder);
  if (!s->order.Apply(T::kCancelRequest, ts).ok()) {
    return RefuseRequest("RequestCancel", id, s, OrderManagerError::kNotAllowed);
  }
  ++s->cancels_unanswered;
  s->cancel_requested = true;
  ++counts_.requests;
  return {};
}

Result<void, OrderManagerError> OrderManager::RequestAmend(const ClientOrderId& id, UnixNanos ts) {
  Slot* s = FindSlot(id);
  if (s == nullptr) return RefuseRequest("RequestAmend", id, nullptr, OrderManagerError::kUnknownOrder);
  if (!s->order.Apply(T::kAmendRequest, ts).ok()) {
    return RefuseRequest("RequestAmend", id, s, OrderManagerError::kNotAllowed);
  }
  ++s->amends_unanswered;
  ++counts_.requests;
  return {};
}

Result<void, OrderManagerError> OrderManager::RequestAmend(const AmendRequest& amend, UnixNanos ts) {
  const Slot* s = FindSlot(amend.client_order_id);
  if (s == nullptr) {
    return RefuseRequest("RequestAmend", amend.client_order_id, nullptr, OrderManagerError::kUnknownOrder);
  }
  const Order& o = s->order;
  // The table first, so that a closed order says so rather than failing a
  // qty check.
  if (!NextOrderStatus(o.status, T::kAmendRequest, o.filled_qty.IsPositive()).ok()) {
    return RefuseRequest("RequestAmend", amend.client_order_id, s, OrderManagerError::kNotAllowed);
  }
  const Price price = amend.price.IsDefined() ? amend.price : o.price;
  const Qty qty = amend.qty.IsDefined() && amend.qty.IsPositive() ? amend.qty : o.qty;
  if (price == o.price && qty == o.qty) {
    return RefuseRequest("RequestAmend", amend.client_order_id, s, OrderManagerError::kAmendNoChange);
  }
  if (qty <= o.filled_qty) {
    return RefuseRequest("RequestAmend", amend.client_order_id, s, OrderManagerError::kAmendQtyNotAboveFilled);
  }
  return RequestAmend(amend.client_order_id, ts);
}

// ---------------------------------------------------------------------------
// Venue events.

ApplyOutcome OrderManager::Apply(const Event& event) {
  return std::visit(
      [this](const auto& e) -> ApplyOutcome {
        using E = std::decay_t<decltype(e)>;
        if constexpr (kIsOrderEvent<E>) {
          return Apply(e);
        } else {
          return Count(ApplyOutcome::kIgnored);
        }
      },
      event);
}

ApplyOutcome OrderManager::Apply(const OrderSubmitted& e) {
  constexpr EventType kType = kEventTypeOf<OrderSubmitted>;
  Slot* s = Lookup(e.client_order_id, VenueOrderId());
  if (s == nullptr) return Unknown(kType, e.client_order_id, VenueOrderId());
  if (s->submitted_seen) return Count(ApplyOutcome::kDuplicate);
  if (!s->order.Apply(T::kSubmit, e.ts_recv).ok()) return RefuseTransition(kType, *s, T::kSubmit);
  s->submitted_seen = true;
  Settle(*s);
  return Count(ApplyOutcome::kApplied);
}

ApplyOutcome OrderManager::Apply(const OrderAccepted& e) {
  constexpr EventType kType = kEventTypeOf<OrderAccepted>;
  Slot* s = Lookup(e.client_order_id, VenueOrderId());
  if (s == nullptr) return Unknown(kType, e.client_order_id, e.venue_order_id);
  if (!VenueIdFits(*s, e.venue_order_id)) return Refuse(kType, *s, T::kAccept, RefusalReason::kVenueIdMismatch);
  if (s->accepted_seen) return Count(ApplyOutcome::kDuplicate);
  Order& o = s->order;
  if (o.status == S::kSubmitted) {
    if (!o.Apply(T::kAccept, e.ts_recv).ok()) return RefuseTransition(kType, *s, T::kAccept);
    LearnVenueId(*s, e.venue_order_id);
    s->accepted_seen = true;
    Settle(*s);
    return Count(ApplyOutcome::kApplied);
  }
  // The acknowledgement after a fill or our cancel request: the order is
  // at the venue all the same. A rejected (or never sent) order cannot be.
  if (s->submitted_seen && o.status != S::kRejected) {
    LearnVenueId(*s, e.venue_order_id);
    s->accepted_seen = true;
    if (o.ts_accepted.IsZero()) o.ts_accepted = e.ts_recv;
    return Count(ApplyOutcome::kLate);
  }
  return RefuseTransition(kType, *s, T::kAccept);
}

ApplyOutcome OrderManager::Apply(const OrderRejected& e) {
  constexpr EventType kType = kEventTypeOf<OrderRejected>;
  Slot* s = Lookup(e.client_order_id, VenueOrderId());
  if (s == nullptr) return Unknown(kType, e.client_order_id, VenueOrderId());
  if (s->order.status == S::kRejected) return Count(ApplyOutcome::kDuplicate);
  if (!s->order.Apply(T::kReject, e.ts_recv).ok()) return RefuseTransition(kType, *s, T::kReject);
  Settle(*s);
  return Count(ApplyOutcome::kApplied);
}

ApplyOutcome OrderManager::Apply(const OrderPartiallyFilled& e) {
  return ApplyFillReport(e, false, kEventTypeOf<OrderPartiallyFilled>);
}

ApplyOutcome OrderManager::Apply(const OrderFilled& e) { return ApplyFillReport(e, true, kEventTypeOf<OrderFilled>); }

ApplyOutcome OrderManager::ApplyFillReport(const FillReport& f, bool completes, EventType type) {
  Slot* s = Lookup(f.client_order_id, f.venue_order_id);
  if (s == nullptr) return Unknown(type, f.client_order_id, f.venue_order_id);
  const T trigger = completes ? T::kFill : T::kPartialFill;
  if (!VenueIdFits(*s, f.venue_order_id)) return Refuse(type, *s, trigger, RefusalReason::kVenueIdMismatch);
  Order& o = s->order;
  if (!f.trade_id.empty()) {
    if (std::find(s->trade_ids.begin(), s->trade_ids.end(), f.trade_id) != s->trade_ids.end()) {
      return Count(ApplyOutcome::kDuplicate);
    }
  } else {
    if (!f.cum_qty.IsDefined() || !f.cum_qty.IsPositive()) {
      return Refuse(type, *s, trigger, RefusalReason::kFillWithoutId);
    }
    if (f.cum_qty <= o.filled_qty) return Count(ApplyOutcome::kDuplicate);
  }

  // Applied to a copy first: the order changes only if the fill is taken
  // whole, including the check that the venue's kind of fill (partial or
  // complete) agrees with ours.
  Order next = o;
  OrderTransitionError transition{o.status, trigger};
  auto r = next.ApplyFill(f.last_price, f.last_qty, f.fee, f.ts_recv, &transition);
  if (!r.ok()) return Refuse(type, *s, trigger, RefusalReason::kFill, r.error(), &transition);
  if ((next.filled_qty == next.qty) != completes) {
    return Refuse(type, *s, trigger, RefusalReason::kFill, FillError::kWrongKind);
  }
  o = next;
  if (!f.trade_id.empty()) s->trade_ids.push_back(f.trade_id);
  LearnVenueId(*s, f.venue_order_id);
  Settle(*s);
  return Count(ApplyOutcome::kApplied);
}

ApplyOutcome OrderManager::Apply(const OrderCanceled& e) {
  constexpr EventType kType = kEventTypeOf<OrderCanceled>;
  Slot* s = Lookup(e.client_order_id, VenueOrderId());
  if (s == nullptr) return Unknown(kType, e.client_order_id, VenueOrderId());
  if (s->order.status == S::kCanceled) return Count(ApplyOutcome::kDuplicate);
  if (!s->order.Apply(T::kCancel, e.ts_recv).ok()) return RefuseTransition(kType, *s, T::kCancel);
  // The confirmation answers one cancel request (the venue refuses any
  // other, and that answer is then late).
  if (s->cancels_unanswered > 0) --s->cancels_unanswered;
  Settle(*s);
  return Count(ApplyOutcome::kApplied);
}

ApplyOutcome OrderManager::Apply(const OrderExpired& e) {
  constexpr EventType kType = kEventTypeOf<OrderExpired>;
  Slot* s = Lookup(e.client_order_id, VenueOrderId());
  if (s == nullptr) return Unknown(kType, e.client_order_id, VenueOrderId());
  if (s->order.status == S::kExpired) return Count(ApplyOutcome::kDuplicate);
  if (!s->order.Apply(T::kExpire, e.ts_recv).ok()) return RefuseTransition(kType, *s, T::kExpire);
  Settle(*s);
  return Count(ApplyOutcome::kApplied);
}

ApplyOutcome OrderManager::Apply(const OrderAmended& e) {
  constexpr EventType kType = kEventTypeOf<OrderAmended>;
  Slot* s = Lookup(e.client_order_id, VenueOrderId());
  if (s == nullptr) return Unknown(kType, e.client_order_id, VenueOrderId());
  Order& o = s->order;
  const Price price = e.price.IsDefined() ? e.price : o.price;
  const Qty qty = e.qty.IsDefined() && e.qty.IsPositive() ? e.qty : o.qty;
  const bool same = price == o.price && qty == o.qty;
  // Identical values are a repeat, unless they are the first answer to an
  // amend of an order never amended: a no-op amend the venue confirmed.
  if (same && !(o.status == S::kPendingAmend && !s->amended_seen)) return Count(ApplyOutcome::kDuplicate);
  if (IsTerminal(o.status)) {
    // The order closed before the venue confirmed our amend: its terms no
    // longer matter.
    if (s->amends_unanswered > 0) {
      --s->amends_unanswered;
      s->late_amend_seen = true;
      return Count(ApplyOutcome::kLate);
    }
    if (s->late_amend_seen) return Count(ApplyOutcome::kDuplicate);
    return RefuseTransition(kType, *s, T::kAmend);
  }
  if (qty <= o.filled_qty) return Refuse(kType, *s, T::kAmend, RefusalReason::kAmendQtyNotAboveFilled);
  if (o.status == S::kPendingCancel && s->amends_unanswered > 0) {
    // Our amend was taken before our cancel arrived: the order's terms
    // changed (its fills are measured against them), the cancel is still
    // in flight.
    --s->amends_unanswered;
    o.price = price;
    o.qty = qty;
    s->amended_seen = true;
    return Count(ApplyOutcome::kLate);
  }
  if (!o.Apply(T::kAmend, e.ts_recv).ok()) return RefuseTransition(kType, *s, T::kAmend);
  o.price = price;
  o.qty = qty;
  if (s->amends_unanswered > 0) --s->amends_unanswered;
  s->amended_seen = true;
  return Count(ApplyOutcome::kApplied);
}

ApplyOutcome OrderManager::Apply(const OrderCancelRejected& e) {
  constexpr EventType kType = kEventTypeOf<OrderCancelRejected>;
  Slot* s = Lookup(e.client_order_id, VenueOrderId());
  if (s == nullptr) return Unknown(kType, e.client_order_id, VenueOrderId());
  if (s->order.status == S::kPendingCancel) {
    if (!s->order.Apply(T::kCancelReject, e.ts_recv).ok()) return RefuseTransition(kType, *s, T::kCancelReject);
    if (s->cancels_unanswered > 0) --s->cancels_unanswered;
    s->cancel_reject_seen = true;
    return Count(ApplyOutcome::kApplied);
  }
  if (s->cancels_unanswered > 0) {
    // E.g. the order filled while our cancel was on its way.
    --s->cancels_unanswered;
    s->cancel_reject_seen = true;
    return Count(ApplyOutcome::kLate);
  }
  if (s->cancel_reject_seen) return Count(ApplyOutcome::kDuplicate);
  if (s->cancel_requested && IsTerminal(s->order.status) && e.reason == RejectReason::kOrderClosed) {
    // The venue closed the order on its own (a reduce-only order left with
    // nothing to reduce) while our cancel was on its way; its OrderCanceled
    // was taken as the answer, and this refusal agrees with what we hold.
    s->cancel_reject_seen = true;
    return Count(ApplyOutcome::kLate);
  }
  return RefuseTransition(kType, *s, T::kCancelReject);
}

ApplyOutcome OrderManager::Apply(const OrderAmendRejected& e) {
  constexpr EventType kType = kEventTypeOf<OrderAmendRejected>;
  Slot* s = Lookup(e.client_order_id, VenueOrderId());
  if (s == nullptr) return Unknown(kType, e.client_order_id, VenueOrderId());
  if (s->order.status == S::kPendingAmend) {
    if (!s->order.Apply(T::kAmendReject, e.ts_recv).ok()) return RefuseTransition(kType, *s, T::kAmendReject);
    if (s->amends_unanswered > 0) --s->amends_unanswered;
    s->amend_reject_seen = true;
    return Count(ApplyOutcome::kApplied);
  }
  if (s->amends_unanswered > 0) {
    --s->amends_unanswered;
    s->amend_reject_seen = true;
    return Count(ApplyOutcome::kLate);
  }
  if (s->amend_reject_seen) return Count(ApplyOutcome::kDuplicate);
  return RefuseTransition(kType, *s, T::kAmendReject);
}

// ---------------------------------------------------------------------------
// Queries.

const Order* OrderManager::Find(const ClientOrderId& id) const noexcept {
  const Slot* s = FindSlot(id);
  return s != nullptr ? &s->order : nullptr;
}

const Order* OrderManager::FindByVenueId(const VenueOrderId& id) const noexcept {
  const Slot* s = FindSlotByVenueId(id);
  return s != nullptr ? &s->order : nullptr;
}

void OrderManager::OpenOrders(InstrumentId instrument, Side side, std::vector<const Order*>& out) const {
  out.clear();
  ForEachOpen(instrument, side, [&out](const Order& o) { out.push_back(&o); });
}

std::size_t OrderManager::OpenCount(InstrumentId instrument) const noexcept {
  const OpenLists* lists = FindOpenLists(instrument);
  return lists == nullptr ? 0 : lists->by_side[0].size() + lists->by_side[1].size();
}

std::size_t OrderManager::OpenCount(InstrumentId instrument, Side side) const noexcept {
  const OpenLists* lists = FindOpenLists(instrument);
  return lists == nullptr ? 0 : lists->by_side[SideIndex(side)].size();
}

std::size_t OrderManager::ForgetClosed(UnixNanos cutoff) {
  auto forget = [&](const std::unique_ptr<Slot>& p) {
    const Order& o = p->order;
    if (p->open || !IsTerminal(o.status) || o.ts_closed >= cutoff) return false;
    by_client_id_.erase(o.client_order_id);
    if (!o.venue_order_id.empty()) {
      auto it = by_venue_id_.find(o.venue_order_id);
      if (it != by_venue_id_.end() && it->second == p.get()) by_venue_id_.erase(it);
    }
    return true;
  };
  const std::size_t before = slots_.size();
  slots_.erase(std::remove_if(slots_.begin(), slots_.end(), forget), slots_.end());
  const std::size_t n = before - slots_.size();
  counts_.forgotten += n;
  return n;
}

std::vector<std::string> OrderManager::RecentMessages() const {
  std::vector<std::string> out;
  const std::uint64_t n = std::min<std::uint64_t>(messages_written_, kMessageCapacity);
  out.reserve(n);
  for (std::uint64_t i = messages_written_ - n; i < messages_written_; ++i) {
    out.push_back(messages_[i % kMessageCapacity]);
  }
  return out;
}

// ---------------------------------------------------------------------------
// Helpers.

const OrderManager::OpenLists* OrderManager::FindOpenLists(InstrumentId instrument) const noexcept {
  auto it = open_.find(instrument.value);
  return it == open_.end() ? nullptr : &it->second;
}

OrderManager::Slot* OrderManager::FindSlot(const ClientOrderId& id) const noexcept {
  auto it = by_client_id_.find(id);
  return it == by_client_id_.end() ? nullptr : it->second;
}

OrderManager::Slot* OrderManager::FindSlotByVenueId(const VenueOrderId& id) const noexcept {
  if (id.empty()) return nullptr;
  auto it = by_venue_id_.find(id);
  return it == by_venue_id_.end() ? nullptr : it->second;
}

OrderManager::Slot* OrderManager::Lookup(const ClientOrderId& client_id, const VenueOrderId& venue_id) const noexcept {
  if (!client_id.empty()) return FindSlot(client_id);
  return FindSlotByVenueId(venue_id);
}

bool OrderManager::VenueIdFits(const Slot& s, const VenueOrderId& id) const noexcept {
  if (id.empty()) return true;
  if (!s.order.venue_order_id.empty()) return s.order.venue_order_id == id;
  const Slot* other = FindSlotByVenueId(id);
  return other == nullptr || other == &s;
}

void OrderManager::LearnVenueId(Slot& s, const VenueOrderId& id) {
  if (id.empty() || !s.order.venue_order_id.empty()) return;
  s.order.venue_order_id = id;
  by_venue_id_.emplace(id, &s);
}

void OrderManager::Settle(Slot& s) {
  if (!s.open || !IsTerminal(s.order.status)) return;
  s.open = false;
  auto it = open_.find(s.order.instrument.value);
  HEAN_CHECK(it != open_.end(), "open order without its instrument's open lists");
  std::vector<Slot*>& list = it->second.by_side[SideIndex(s.order.side)];
  auto pos = std::find(list.begin(), list.end(), &s);
  HEAN_CHECK(pos != list.end(), "open order missing from its open list");
  list.erase(pos);
}

ApplyOutcome OrderManager::Count(ApplyOutcome o) noexcept {
  ++counts_.outcomes[static_cast<std::size_t>(o)];
  return o;
}

ApplyOutcome OrderManager::Refuse(EventType type, const Slot& s, OrderTrigger trigger, RefusalReason reason,
                                  FillError fill, const OrderTransitionError* transition) {
  const Order& o = s.order;
  last_problem_ = OrderProblem{};
  last_problem_.outcome = ApplyOutcome::kRefused;
  last_problem_.event_type = type;
  last_problem_.client_order_id = o.client_order_id;
  last_problem_.venue_order_id = o.venue_order_id;
  last_problem_.status = o.status;
  last_problem_.reason = reason;
  last_problem_.transition = transition != nullptr ? *transition : OrderTransitionError{o.status, trigger};
  last_problem_.fill = fill;
  has_problem_ = true;

  std::string m = Describe(EventTypeName(type), o.client_order_id, o.venue_order_id, &o);
  m.append(" trigger=").append(OrderTriggerName(trigger)).append(": refused, ").append(RefusalReasonName(reason));
  if (reason == RefusalReason::kFill) m.append(" ").append(FillErrorName(fill));
  if (reason == RefusalReason::kTransition || (reason == RefusalReason::kFill && fill == FillError::kTransition)) {
    m.append(" (").append(last_problem_.transition.ToString()).append(")");
  }
  Log(std::move(m));
  return Count(ApplyOutcome::kRefused);
}

ApplyOutcome OrderManager::RefuseTransition(EventType type, const Slot& s, OrderTrigger trigger) {
  return Refuse(type, s, trigger, RefusalReason::kTransition);
}

ApplyOutcome OrderManager::Unknown(EventType type, const ClientOrderId& client_id, const VenueOrderId& venue_id) {
  last_problem_ = OrderProblem{};
  last_problem_.outcome = ApplyOutcome::kUnknownOrder;
  last_problem_.event_type = type;
  last_problem_.client_order_id = client_id;
  last_problem_.venue_order_id = venue_id;
  has_problem_ = true;
  std::string m = Describe(EventTypeName(type), client_id, venue_id, nullptr);
  m.append(": unknown order");
  Log(std::move(m));
  return Count(ApplyOutcome::kUnknownOrder);
}

void OrderManager::Log(std::string message) {
  messages_[messages_written_ % kMessageCapacity] = std::move(message);
  ++messages_written_;
}

}  // namespace hean
