// Helpers for book tests: decimals from text, and one feed message as
// builders receive it. Tests only.
#pragma once

#include <memory>
#include <string_view>
#include <vector>

#include "hean/model/events.h"

namespace hean::test_books {

inline Price P(std::string_view s) { return *Price::Parse(s); }
inline Qty Q(std::string_view s) { return *Qty::Parse(s); }

struct Lvl {
  const char* price;
  const char* qty;
};

// One message as the readers make it: a copy of `proto` per level, bids
// first, the last flagged kLastInMessage; a single kNoLevels delta if the
// message has no levels.
inline std::vector<BookDelta> Deltas(BookDelta proto, const std::vector<Lvl>& bids, const std::vector<Lvl>& asks) {
  std::vector<BookDelta> out;
  for (const Lvl& l : bids) {
    proto.side = Side::kBuy;
    proto.price = P(l.price);
    proto.qty = Q(l.qty);
    out.push_back(proto);
  }
  for (const Lvl& l : asks) {
    proto.side = Side::kSell;
    proto.price = P(l.price);
    proto.qty = Q(l.qty);
    out.push_back(proto);
  }
  if (out.empty()) {
    proto.flags = BookDelta::kNoLevels;
    proto.price = Price::Undefined();
    out.push_back(proto);
  }
  out.back().flags |= BookDelta::kLastInMessage;
  return out;
}

}  // namespace hean::test_books
