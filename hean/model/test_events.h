// Event factories for tests (not linked into the libraries).
#pragma once

#include <cstdint>
#include <string>

#include "hean/model/events.h"

namespace hean::testing_support {

// An event of type T labelled through its timestamps, so that a log of
// deliveries reads like "TRADE:3".
template <class T>
T MakeEvent(std::int64_t label) {
  T e{};
  e.ts_event = UnixNanos::FromNanos(label);
  e.ts_recv = UnixNanos::FromNanos(label);
  return e;
}

template <class T>
std::string Tag(const T& e) {
  return std::string(EventTypeName(kEventTypeOf<T>)) + ":" + std::to_string(e.ts_event.nanos());
}

inline std::string Tag(const Event& e) {
  return std::string(EventTypeName(TypeOf(e))) + ":" + std::to_string(TsEvent(e).nanos());
}

}  // namespace hean::testing_support
