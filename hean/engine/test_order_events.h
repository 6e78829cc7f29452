// Test helper: an order event written out field by field, for comparing
// two runs exactly (tests only).
#pragma once

#include <string>
#include <type_traits>
#include <variant>

#include "hean/model/events.h"

namespace hean::test_order_events {

// Every field of an answer, for exact comparison of two runs.
inline std::string Serialize(const Event& e) {
  std::string s(EventTypeName(TypeOf(e)));
  s.append(" ").append(std::to_string(TsEvent(e).nanos())).append(" ").append(std::to_string(TsRecv(e).nanos()));
  std::visit(
      [&s](const auto& ev) {
        using T = std::decay_t<decltype(ev)>;
        if constexpr (std::is_base_of_v<FillReport, T>) {
          s.append(" ").append(ev.client_order_id.view()).append(" ").append(ev.venue_order_id.view());
          s.append(" ").append(ev.trade_id.view()).append(" ").append(ToString(ev.side));
          s.append(" ").append(ToString(ev.liquidity)).append(" ").append(ev.last_price.ToString());
          s.append(" ").append(ev.last_qty.ToString()).append(" ").append(ev.cum_qty.ToString());
          s.append(" ").append(ev.leaves_qty.ToString()).append(" ").append(ev.fee.ToString());
        } else if constexpr (std::is_same_v<T, OrderRejected> || std::is_same_v<T, OrderCancelRejected> ||
                             std::is_same_v<T, OrderAmendRejected>) {
          s.append(" ").append(ev.client_order_id.view()).append(" ").append(ToString(ev.reason));
        } else if constexpr (std::is_same_v<T, OrderAccepted>) {
          s.append(" ").append(ev.client_order_id.view()).append(" ").append(ev.venue_order_id.view());
        } else if constexpr (std::is_same_v<T, OrderAmended>) {
          s.append(" ").append(ev.client_order_id.view()).append(" ").append(ev.price.ToString());
          s.append(" ").append(ev.qty.ToString());
        } else if constexpr (requires { ev.client_order_id; }) {
          s.append(" ").append(ev.client_order_id.view());
        }
      },
      e);
  return s;
}

}  // namespace hean::test_order_events
