// ExecutionClient: the one interface between the venue-agnostic engine
// (strategies, risk, execution router, OrderManager) and a venue. The
// simulated exchange (hean/sim) and the Bybit client (hean/venue/bybit)
// implement it; nothing above it knows which one is behind it.
#pragma once

#include <string_view>

#include "hean/core/decimal.h"
#include "hean/core/status.h"
#include "hean/exec/approved.h"
#include "hean/model/events.h"
#include "hean/model/types.h"

namespace hean {

// Where a venue's answers go: order events (OrderSubmitted, OrderAccepted,
// OrderRejected, OrderPartiallyFilled, OrderFilled, OrderCanceled,
// OrderExpired, OrderAmended, OrderCancelRejected, OrderAmendRejected). The
// engine's implementation posts them on the bus; tests collect them. Events
// for one order arrive in the order the venue made them.
class OrderEventSink {
 public:
  virtual ~OrderEventSink() = default;
  virtual void OnOrderEvent(const Event& event) = 0;
};

// A change to a working order: a new limit price and/or a new total qty.
// price Undefined keeps the price; qty zero keeps the qty. The new qty is
// the order's total (filled included), as on Bybit.
struct AmendRequest {
  InstrumentId instrument;
  ClientOrderId client_order_id;
  Price price = Price::Undefined();
  Qty qty;
};

// Commands that change exposure need the risk governor's approval
// (approved.h): nothing reaches a venue without passing it.
using ApprovedOrder = Approved<OrderRequest>;
using ApprovedAmend = Approved<AmendRequest>;

// Commands to a venue. Each returns at once: OK means the command was sent
// (or queued to be sent); an error means it was not sent at all (the client
// is not connected, the request is malformed), and the message says why.
// What the venue does with a sent command comes back only through the
// OrderEventSink, so a cancel that arrives after the fill is answered by an
// OrderCancelRejected after the OrderFilled, exactly as a real venue does.
//
// Not thread-safe: called from the engine thread.
class ExecutionClient {
 public:
  virtual ~ExecutionClient() = default;

  // Short name for logs and reports: "sim", "bybit".
  virtual std::string_view name() const noexcept = 0;

  [[nodiscard]] virtual Status Submit(const ApprovedOrder& request) = 0;
  [[nodiscard]] virtual Status Cancel(InstrumentId instrument, const ClientOrderId& client_order_id) = 0;
  [[nodiscard]] virtual Status Amend(const ApprovedAmend& amend) = 0;
  // Cancels every open order of the instrument; each canceled order gets its
  // own OrderCanceled.
  [[nodiscard]] virtual Status CancelAll(InstrumentId instrument) = 0;
};

}  // namespace hean
