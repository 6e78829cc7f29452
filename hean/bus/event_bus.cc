#include "hean/bus/event_bus.h"

#include <bit>
#include <string>

namespace hean {

std::string_view ToString(PublishResult r) noexcept {
  switch (r) {
    case PublishResult::kDispatched: return "DISPATCHED";
    case PublishResult::kQueued: return "QUEUED";
    case PublishResult::kQueueFull: return "QUEUE_FULL";
    case PublishResult::kDepthExceeded: return "DEPTH_EXCEEDED";
  }
  return "UNKNOWN";
}

Status EventBusOptions::Validate() const {
  if (queue_capacity == 0) return InvalidArgumentError("bus.queue_capacity must be > 0");
  if (queue_capacity > 100'000'000) {
    return InvalidArgumentError("bus.queue_capacity must be <= 100000000, got " + std::to_string(queue_capacity));
  }
  if (batch_size == 0) return InvalidArgumentError("bus.batch_size must be > 0");
  if (max_depth < 1 || max_depth > 1024) {
    return InvalidArgumentError("bus.max_depth must be in 1..1024, got " + std::to_string(max_depth));
  }
  if (latency_sample_every != 0 && !std::has_single_bit(latency_sample_every)) {
    return InvalidArgumentError("bus.latency_sample_every must be 0 or a power of two, got " +
                                std::to_string(latency_sample_every));
  }
  return Status::Ok();
}

EventBus::EventBus(EventBusOptions options)
    : options_(options), ring_(options.queue_capacity), latency_(kEventTypeCount) {
  const Status s = options_.Validate();
  HEAN_CHECK(s.ok(), "invalid EventBusOptions (validate them before constructing the bus)");
  sample_mask_ = options_.latency_sample_every == 0 ? 0 : options_.latency_sample_every - 1;
}

bool EventBus::Unsubscribe(SubscriptionId id) {
  bool found = false;
  std::apply(
      [&](auto&... lists) {
        (
            [&](auto& list) {
              for (auto& e : list) {
                if (e.id == id.value && e.active) {
                  e.active = false;
                  found = true;
                }
              }
            }(lists),
            ...);
      },
      handlers_);
  // A subscription made earlier in the current dispatch is not in the lists
  // yet: cancel it before it is applied.
  if (std::erase_if(pending_, [&](const PendingSubscription& p) { return p.id == id.value; }) != 0) found = true;
  if (found) {
    needs_compaction_ = true;
    if (in_dispatch_ == 0) ApplyPending();
  }
  return found;
}

void EventBus::ApplyPending() {
  // Pending subscriptions may themselves be added while applying (a handler
  // cannot run here, so no); take the list first to stay simple.
  auto pending = std::move(pending_);
  pending_.clear();
  if (needs_compaction_) {
    std::apply([](auto&... lists) { (std::erase_if(lists, [](const auto& e) { return !e.active; }), ...); }, handlers_);
    needs_compaction_ = false;
  }
  for (auto& p : pending) p.add();
}

PublishResult EventBus::Publish(const Event& event) {
  return std::visit([this](const auto& ev) { return Publish(ev); }, event);
}

PublishResult EventBus::Publish(Event&& event) {
  if (IsFastPath(TypeOf(event))) return Publish(static_cast<const Event&>(event));
  return Enqueue(std::move(event));
}

void EventBus::DispatchQueuedFront() {
  Event& slot = ring_[head_];
  std::visit([this](const auto& ev) { RunHandlers(ev); }, slot);
  // Release heap data held by the slot now rather than when it is reused.
  if (auto* snap = std::get_if<BookSnapshot>(&slot)) snap->levels.reset();
  if (++head_ == ring_.size()) head_ = 0;
  --size_;
  counters_.queued_dispatched.Add();
}

std::size_t EventBus::DispatchBatch() {
  if (in_dispatch_ > 0) return 0;
  std::size_t n = 0;
  while (n < options_.batch_size && size_ > 0) {
    DispatchQueuedFront();
    ++n;
  }
  return n;
}

std::size_t EventBus::DrainAll(std::size_t max_events) {
  if (in_dispatch_ > 0) return 0;
  std::size_t n = 0;
  while (n < max_events && size_ > 0) {
    DispatchQueuedFront();
    ++n;
  }
  return n;
}

EventBusMetrics EventBus::metrics() const noexcept {
  EventBusMetrics m;
  m.fast_path_dispatched = counters_.fast_path_dispatched.Get();
  m.queued_dispatched = counters_.queued_dispatched.Get();
  m.events_processed = m.fast_path_dispatched + m.queued_dispatched;
  m.queued_published = counters_.queued_published.Get();
  m.queue_depth = m.queued_published - m.queued_dispatched;
  m.queue_high_water = counters_.queue_high_water.Get();
  m.overflows = counters_.overflows.Get();
  m.depth_exceeded = counters_.depth_exceeded.Get();
  return m;
}

}  // namespace hean
