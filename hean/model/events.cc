#include "hean/model/events.h"

#include <array>
#include <utility>

namespace hean {

namespace {
constexpr std::string_view kNames[] = {
    "BOOK_SNAPSHOT",
    "BOOK_DELTA",
    "TRADE",
    "QUOTE",
    "BAR",
    "SIGNAL",
    "ORDER_REQUEST",
    "ORDER_SUBMITTED",
    "ORDER_ACCEPTED",
    "ORDER_REJECTED",
    "ORDER_PARTIALLY_FILLED",
    "ORDER_FILLED",
    "ORDER_CANCELED",
    "ORDER_EXPIRED",
    "ORDER_AMENDED",
    "POSITION_UPDATE",
    "PNL_UPDATE",
    "RISK_STATE_CHANGE",
    "ORDER_DENIED",
    "TIMER",
    "BOOK_INVALID",
    "ORDER_CANCEL_REJECTED",
    "ORDER_AMEND_REJECTED",
    "FLASH_CRASH",
    "ICEBERG_DETECTED",
};
static_assert(std::size(kNames) == kEventTypeCount, "one name per event type");

template <std::size_t... I>
constexpr std::array<bool, sizeof...(I)> FastPathTable(std::index_sequence<I...>) {
  return {kIsFastPath<std::variant_alternative_t<I, Event>>...};
}
constexpr auto kFastPath = FastPathTable(std::make_index_sequence<kEventTypeCount>{});
}  // namespace

bool IsFastPath(EventType type) noexcept { return type < kEventTypeCount && kFastPath[type]; }

std::string_view EventTypeName(EventType type) noexcept {
  return type < kEventTypeCount ? kNames[type] : std::string_view("UNKNOWN");
}

UnixNanos TsEventVisit(const Event& e) noexcept {
  return std::visit([](const auto& ev) { return ev.ts_event; }, e);
}
UnixNanos TsRecvVisit(const Event& e) noexcept {
  return std::visit([](const auto& ev) { return ev.ts_recv; }, e);
}

void AppendBookEvents(const BookMessage& m, std::vector<Event>& out) {
  if (m.snapshot) {
    auto levels = std::make_shared<BookLevels>();
    levels->bids = m.bids;
    levels->asks = m.asks;
    BookSnapshot snap;
    snap.ts_event = m.ts_event;
    snap.ts_recv = m.ts_recv;
    snap.instrument = m.instrument;
    snap.update_id = m.update_id;
    snap.sequence = m.sequence;
    snap.levels = std::move(levels);
    out.emplace_back(std::move(snap));
    return;
  }
  out.reserve(out.size() + m.bids.size() + m.asks.size() + 1);
  ForEachDelta(m, [&](const BookDelta& d) { out.emplace_back(d); });
}

}  // namespace hean
