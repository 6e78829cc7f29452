// BusOrderEventSink: where a venue's answers meet the engine. Publishes each
// order event on the EventBus (fills take the fast path, the rest are
// queued), so everything above the ExecutionClient sees venue answers as
// ordinary bus events.
#pragma once

#include <cstdint>
#include <deque>

#include "hean/bus/event_bus.h"
#include "hean/exec/execution_client.h"

namespace hean {

// An event the bus refuses (queue full, fast-path nesting too deep) is kept
// and published again, in order, before the next one and by Flush(): an
// order event is never dropped. Not thread-safe: engine thread (a live
// venue client hands its events to the engine thread first, through
// Engine::Post).
class BusOrderEventSink final : public OrderEventSink {
 public:
  explicit BusOrderEventSink(EventBus& bus) : bus_(bus) {}

  void OnOrderEvent(const Event& event) override;
  // Publishes what is waiting; returns how many are still waiting.
  std::size_t Flush();

  std::size_t waiting() const noexcept { return waiting_.size(); }
  std::uint64_t published() const noexcept { return published_; }
  std::uint64_t refusals() const noexcept { return refusals_; }  // Publish calls the bus refused

 private:
  EventBus& bus_;
  std::deque<Event> waiting_;
  std::uint64_t published_ = 0;
  std::uint64_t refusals_ = 0;
};

}  // namespace hean
