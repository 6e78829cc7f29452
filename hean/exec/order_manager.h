// OrderManager: the engine's book of its own orders. It owns every Order,
// finds it by our id and by the venue's, applies the venue's order events
// through the lifecycle table (hean/model/order.h) and answers which orders
// are open per instrument and side.
//
// The venue's streams repeat themselves (a websocket reconnect replays, a
// REST poll and a push report the same fill) and race with our own requests
// (a cancel answered after the fill), so applying events is idempotent and
// an event the order cannot take is an outcome, never a crash and never a
// silent change: each is counted, and the refused or unknown ones leave a
// message in a bounded log.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "hean/core/inline_string.h"
#include "hean/core/status.h"
#include "hean/core/time.h"
#include "hean/exec/execution_client.h"
#include "hean/model/events.h"
#include "hean/model/order.h"
#include "hean/model/types.h"

namespace hean {

// Why Create, RequestCancel or RequestAmend refused.
enum class OrderManagerError : std::uint8_t {
  kEmptyClientOrderId = 1,
  kDuplicateClientOrderId,  // an order with this id is held (forgotten ones do not count)
  kInvalidInstrument,       // InstrumentId not set
  kBadQty,                  // qty undefined or not positive
  kBadPrice,                // a limit order without a positive price
  kUnknownOrder,            // no order with this client order id
  kNotAllowed,              // the lifecycle table refuses the request in the order's status
  kAmendQtyNotAboveFilled,  // an amend to a total qty at or below what is already filled
  kAmendNoChange,           // an amend that changes neither price nor qty
};
std::string_view OrderManagerErrorName(OrderManagerError e) noexcept;

// What OrderManager::Apply did with an event.
enum class ApplyOutcome : std::uint8_t {
  kApplied = 0,   // the order changed as the event says
  kDuplicate,     // a repeat of an event already applied: ignored
  kLate,          // the answer to an earlier request of ours, or an acknowledgement, that arrived after the
                  // order had moved on (e.g. a cancel refused because the order filled meanwhile): what
                  // still matters in it is kept (the venue order id, an amend taken while a cancel is in
                  // flight), the status is not changed
  kUnknownOrder,  // no order with the event's ids
  kRefused,       // the order cannot take it (see RefusalReason): the order is unchanged
  kIgnored,       // not an order event
};
inline constexpr int kApplyOutcomeCount = 6;
std::string_view ApplyOutcomeName(ApplyOutcome o) noexcept;

// Why an event was refused (ApplyOutcome::kRefused).
enum class RefusalReason : std::uint8_t {
  kTransition = 1,          // the lifecycle table does not take the trigger in the order's status
  kFill,                    // Order::ApplyFill refused the fill (overfill, bad qty, wrong kind, ...)
  kVenueIdMismatch,         // the event names another venue order id than the one the order has
  kFillWithoutId,           // a fill with neither a trade id nor a cum qty cannot be applied idempotently
  kAmendQtyNotAboveFilled,  // an amended qty at or below the filled qty
};
std::string_view RefusalReasonName(RefusalReason r) noexcept;

// The last event refused or not matched to an order, in detail.
struct OrderProblem {
  ApplyOutcome outcome = ApplyOutcome::kRefused;  // kRefused or kUnknownOrder
  EventType event_type = 0;
  ClientOrderId client_order_id;
  VenueOrderId venue_order_id;
  OrderStatus status = OrderStatus::kInitialized;  // the order's status when refused
  RefusalReason reason = RefusalReason::kTransition;
  OrderTransitionError transition{};        // when reason is kTransition, or kFill with FillError::kTransition
  FillError fill = FillError::kTransition;  // when reason is kFill
};

// Tracks every order the engine makes from its OrderRequest to its terminal
// status and applies the order events of ExecutionClient's OrderEventSink.
//
// Ids: an order is created under its ClientOrderId; its VenueOrderId is
// learned from OrderAccepted or from the first fill that carries one. Events
// are matched by client order id, or by venue order id when the event has no
// client order id (fills only).
//
// Idempotency, event by event (a duplicate changes nothing and is counted):
// - OrderSubmitted: a second one is a duplicate.
// - OrderAccepted: applied in Submitted. A second one is a duplicate. The
//   first one arriving after the order moved on (a fill or our cancel came
//   first) is kLate: its venue order id is learned.
// - Fills (OrderPartiallyFilled, OrderFilled): a fill whose trade id was
//   already applied to the order is a duplicate. A fill without a trade id
//   is a duplicate when its cum_qty is not above the order's filled qty, and
//   is refused (kFillWithoutId) when it has no cum_qty either. Price, qty and
//   fee go to Order::ApplyFill, which refuses an overfill; an OrderFilled
//   that does not complete the order, or an OrderPartiallyFilled that does,
//   is refused with FillError::kWrongKind (our view and the venue's
//   disagree). With a trade id, cum_qty is not checked.
// - OrderCanceled, OrderExpired, OrderRejected: a repeat for an order
//   already in that terminal status is a duplicate.
// - OrderAmended: price Undefined keeps the price and qty zero keeps the
//   qty. An amend to the order's current price and qty is a duplicate
//   (except the first answer to an amend request of an order never amended
//   before: a no-op amend the venue confirmed, applied). A new qty at or
//   below the filled qty is refused (kAmendQtyNotAboveFilled). While a
//   cancel is in flight the table refuses Amend, but an amend we asked for
//   earlier is still taken (price and qty, not the status): kLate.
// - OrderCancelRejected / OrderAmendRejected: applied in PendingCancel /
//   PendingAmend. Elsewhere, while a request of ours is unanswered (the
//   order closed or went back to working before the answer came), the
//   answer is kLate; after all requests are answered a repeat is a
//   duplicate, and a refusal of a request never made is refused. A refusal
//   with kOrderClosed of a cancel we did ask for, on an order the venue
//   closed on its own meanwhile (its OrderCanceled took the request's
//   place), is kLate.
// Events carry no request id, so a repeated cancel or amend refusal that
// arrives after a new request of the same kind is taken as the answer to
// the new one: the order shows its working status early, and the real
// answer still lands right (the table takes Cancel and Amend in a working
// status; a refusal then counts as a duplicate).
//
// Open orders are those not in a terminal status: Initialized (about to be
// sent; counted so that a strategy does not send the same order twice while
// its OrderSubmitted is on the bus), Submitted (may fill), Accepted,
// PartiallyFilled, PendingCancel and PendingAmend. They are listed per
// instrument and side in creation order.
//
// An order never sent (its Submit failed) is closed by applying an
// OrderRejected or OrderCanceled made locally: the table takes both in
// Initialized.
//
// Order times are the events' ts_recv, so that intervals between an
// order's transitions are measured on one (local) clock.
//
// Pointers returned by Create, Find, FindByVenueId and OpenOrders stay valid
// until ForgetClosed drops the order or the manager is destroyed.
//
// Not thread-safe: engine thread. Apply allocates only to remember a trade
// id beyond the four reserved per order, to index a venue order id when it
// is learned, and to log a refused or unknown event.
class OrderManager {
 public:
  static constexpr std::size_t kMessageCapacity = 64;

  OrderManager() = default;
  OrderManager(const OrderManager&) = delete;
  OrderManager& operator=(const OrderManager&) = delete;
  OrderManager(OrderManager&&) = default;
  OrderManager& operator=(OrderManager&&) = default;
  ~OrderManager() = default;

  // A new order in Initialized from an approved request. Errors:
  // kEmptyClientOrderId, kDuplicateClientOrderId, kInvalidInstrument,
  // kBadQty, kBadPrice.
  Result<const Order*, OrderManagerError> Create(const OrderRequest& request, UnixNanos ts);

  // Our intent to cancel or amend, applied before ExecutionClient::Cancel or
  // ::Amend is called: CancelRequest / AmendRequest through the table.
  // Errors: kUnknownOrder, kNotAllowed (logged and counted as
  // requests_refused). The AmendRequest form also checks the change:
  // kAmendNoChange, kAmendQtyNotAboveFilled.
  Result<void, OrderManagerError> RequestCancel(const ClientOrderId& id, UnixNanos ts);
  Result<void, OrderManagerError> RequestAmend(const ClientOrderId& id, UnixNanos ts);
  Result<void, OrderManagerError> RequestAmend(const AmendRequest& amend, UnixNanos ts);

  // Applies an order event (the outcome is also counted, and logged when
  // refused or unknown, so a caller may ignore it). OrderRequest is not
  // applied here (Create makes orders): kIgnored, like non-order events.
  ApplyOutcome Apply(const Event& event);
  ApplyOutcome Apply(const OrderSubmitted& e);
  ApplyOutcome Apply(const OrderAccepted& e);
  ApplyOutcome Apply(const OrderRejected& e);
  ApplyOutcome Apply(const OrderPartiallyFilled& e);
  ApplyOutcome Apply(const OrderFilled& e);
  ApplyOutcome Apply(const OrderCanceled& e);
  ApplyOutcome Apply(const OrderExpired& e);
  ApplyOutcome Apply(const OrderAmended& e);
  ApplyOutcome Apply(const OrderCancelRejected& e);
  ApplyOutcome Apply(const OrderAmendRejected& e);

  // The order, or null.
  const Order* Find(const ClientOrderId& id) const noexcept;
  const Order* FindByVenueId(const VenueOrderId& id) const noexcept;

  // Replaces `out` with the open orders of the instrument and side, oldest
  // first (allocates only if `out` lacks capacity).
  void OpenOrders(InstrumentId instrument, Side side, std::vector<const Order*>& out) const;
  // Calls f(const Order&) for each open order of the instrument and side,
  // oldest first.
  template <class F>
  void ForEachOpen(InstrumentId instrument, Side side, F&& f) const {
    const OpenLists* lists = FindOpenLists(instrument);
    if (lists == nullptr) return;
    for (const Slot* s : lists->by_side[SideIndex(side)]) f(s->order);
  }
  // Calls f(const Order&) for every order held, open and closed, in
  // creation order (reports).
  template <class F>
  void ForEach(F&& f) const {
    for (const auto& s : slots_) f(s->order);
  }
  std::size_t OpenCount(InstrumentId instrument) const noexcept;
  std::size_t OpenCount(InstrumentId instrument, Side side) const noexcept;

  // Orders held, open and closed.
  std::size_t size() const noexcept { return slots_.size(); }

  // Drops the closed orders (terminal status) that closed before `cutoff`,
  // to bound memory; returns how many. Pointers to them become invalid, and
  // a late event for one of them is then kUnknownOrder, so keep closed
  // orders for longer than the venue takes to answer.
  std::size_t ForgetClosed(UnixNanos cutoff);

  struct Counts {
    std::uint64_t created = 0;
    std::uint64_t create_refused = 0;
    std::uint64_t requests = 0;  // RequestCancel / RequestAmend taken
    std::uint64_t requests_refused = 0;
    std::array<std::uint64_t, kApplyOutcomeCount> outcomes{};  // indexed by ApplyOutcome
    std::uint64_t forgotten = 0;

    std::uint64_t of(ApplyOutcome o) const noexcept { return outcomes[static_cast<std::size_t>(o)]; }
  };
  const Counts& counts() const noexcept { return counts_; }

  // The last refused or unknown event, if any (outcome then says which).
  const OrderProblem* last_problem() const noexcept { return has_problem_ ? &last_problem_ : nullptr; }
  // The last kMessageCapacity messages about refused or unknown events and
  // refused requests, oldest first. Each names the event or request, the
  // client order id, the order's status, the trigger and the reason.
  std::vector<std::string> RecentMessages() const;
  // Messages written since construction (the log keeps the last
  // kMessageCapacity).
  std::uint64_t messages_written() const noexcept { return messages_written_; }

 private:
  struct IdHash {
    template <std::size_t N>
    std::size_t operator()(const InlineString<N>& s) const noexcept {
      return std::hash<std::string_view>{}(s.view());
    }
  };

  // An order and what the manager remembers about its events.
  struct Slot {
    Order order;
    std::vector<TradeId> trade_ids;        // fills applied, by trade id
    std::uint32_t cancels_unanswered = 0;  // RequestCancel calls not yet answered
    std::uint32_t amends_unanswered = 0;   // RequestAmend calls not yet answered
    bool submitted_seen = false;
    bool accepted_seen = false;
    bool amended_seen = false;
    bool late_amend_seen = false;  // an OrderAmended after the order closed
    bool cancel_reject_seen = false;
    bool cancel_requested = false;  // RequestCancel was ever taken
    bool amend_reject_seen = false;
    bool open = true;  // in its OpenLists entry
  };

  struct OpenLists {
    std::array<std::vector<Slot*>, 2> by_side;  // kBuy, kSell; creation order
  };

  static std::size_t SideIndex(Side s) noexcept { return s == Side::kBuy ? 0 : 1; }
  const OpenLists* FindOpenLists(InstrumentId instrument) const noexcept;

  Slot* FindSlot(const ClientOrderId& id) const noexcept;
  Slot* FindSlotByVenueId(const VenueOrderId& id) const noexcept;
  // By client order id, or by venue order id when the client one is empty.
  Slot* Lookup(const ClientOrderId& client_id, const VenueOrderId& venue_id) const noexcept;

  ApplyOutcome ApplyFillReport(const FillReport& f, bool completes, EventType type);
  // Whether `id` (empty: says nothing) may be the order's venue order id:
  // the order has none or the same one, and no other order has it.
  bool VenueIdFits(const Slot& s, const VenueOrderId& id) const noexcept;
  // Takes a venue order id that fits.
  void LearnVenueId(Slot& s, const VenueOrderId& id);
  // After any change: leaves the open lists when the order closed.
  void Settle(Slot& s);

  ApplyOutcome Count(ApplyOutcome o) noexcept;
  ApplyOutcome Refuse(EventType type, const Slot& s, OrderTrigger trigger, RefusalReason reason,
                      FillError fill = FillError::kTransition, const OrderTransitionError* transition = nullptr);
  ApplyOutcome RefuseTransition(EventType type, const Slot& s, OrderTrigger trigger);
  ApplyOutcome Unknown(EventType type, const ClientOrderId& client_id, const VenueOrderId& venue_id);
  Result<void, OrderManagerError> RefuseRequest(std::string_view what, const ClientOrderId& id, const Slot* s,
                                                OrderManagerError e);
  void Log(std::string message);

  std::vector<std::unique_ptr<Slot>> slots_;  // creation order
  std::unordered_map<ClientOrderId, Slot*, IdHash> by_client_id_;
  std::unordered_map<VenueOrderId, Slot*, IdHash> by_venue_id_;
  std::unordered_map<std::uint32_t, OpenLists> open_;  // by InstrumentId value

  Counts counts_;
  OrderProblem last_problem_;
  bool has_problem_ = false;
  std::array<std::string, kMessageCapacity> messages_;
  std::uint64_t messages_written_ = 0;
};

}  // namespace hean
