// EventBus: typed publish / subscribe with a synchronous fast path for
// critical events and a bounded FIFO for the rest (DESIGN.md section 2).
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string_view>
#include <tuple>
#include <utility>
#include <variant>
#include <vector>

#include "hean/core/check.h"
#include "hean/core/clock.h"
#include "hean/core/histogram.h"
#include "hean/core/status.h"
#include "hean/model/events.h"

namespace hean {

struct EventBusOptions {
  std::size_t queue_capacity = 50'000;  // queued-path FIFO bound (> 0)
  std::size_t batch_size = 10;          // events per DispatchBatch() (> 0)
  int max_depth = 32;                   // nesting bound of fast-path publishes
  // Every Nth dispatch is timed into its type's latency histogram (a power of
  // two; 0 turns timing off). Timing reads a monotonic clock, never the
  // trading Clock, and changes no behaviour.
  std::uint32_t latency_sample_every = 64;

  // Checks the bounds above; the message names the option.
  [[nodiscard]] Status Validate() const;
};

// What happened to a published event. Only kDispatched and kQueued are
// successes; the other two mean the event was NOT delivered and the caller
// must act (the bus also counts them).
enum class [[nodiscard]] PublishResult : std::uint8_t{
    kDispatched = 0,     // fast path: every handler ran before Publish returned
    kQueued = 1,         // queued path: will be dispatched by DispatchBatch
    kQueueFull = 2,      // queued path full: rejected, counted in overflows
    kDepthExceeded = 3,  // fast-path nesting beyond max_depth: rejected
};
std::string_view ToString(PublishResult r) noexcept;
inline bool Delivered(PublishResult r) noexcept {
  return r == PublishResult::kDispatched || r == PublishResult::kQueued;
}

struct SubscriptionId {
  std::uint64_t value = 0;
  friend bool operator==(SubscriptionId, SubscriptionId) = default;
};

// A copy of the bus counters, safe to take from any thread (relaxed reads of
// counters written by the engine thread only).
struct EventBusMetrics {
  std::uint64_t fast_path_dispatched = 0;
  std::uint64_t queued_dispatched = 0;
  std::uint64_t events_processed = 0;  // fast_path_dispatched + queued_dispatched
  std::uint64_t queued_published = 0;
  std::uint64_t queue_depth = 0;
  std::uint64_t queue_high_water = 0;
  std::uint64_t overflows = 0;
  std::uint64_t depth_exceeded = 0;
};

// The engine's event bus.
//
// * Fast path (Signal, OrderRequest, OrderPartiallyFilled, OrderFilled):
//   Publish runs every handler of the type, in subscription order, before it
//   returns. Handlers may publish again (depth-first); nesting deeper than
//   max_depth is refused with kDepthExceeded instead of overflowing the stack.
// * Queued path (everything else): Publish appends to a bounded FIFO;
//   DispatchBatch() delivers up to batch_size events in FIFO order. Events
//   published by handlers go to the back. A full FIFO refuses the event
//   with kQueueFull and counts it: nothing is dropped silently.
// * Handlers run in subscription order. A handler subscribed during a
//   dispatch takes effect after the outermost dispatch returns; a handler
//   unsubscribed during a dispatch is not called again from then on.
//
// Not thread-safe: one engine thread publishes, subscribes and dispatches.
// Other threads hand events over through the engine's MpscQueue; metrics()
// may be read from any thread.
class EventBus {
 public:
  explicit EventBus(EventBusOptions options = {});
  EventBus(const EventBus&) = delete;
  EventBus& operator=(const EventBus&) = delete;

  template <class T, class F>
  SubscriptionId Subscribe(F&& handler) {
    const SubscriptionId id{++last_subscription_};
    Entry<T> e{id.value, true, std::function<void(const T&)>(std::forward<F>(handler))};
    if (in_dispatch_ > 0) {
      pending_.push_back({id.value, [this, e = std::move(e)]() mutable { List<T>().push_back(std::move(e)); }});
    } else {
      List<T>().push_back(std::move(e));
    }
    return id;
  }

  // Receives every event type, in subscription order with the typed handlers.
  template <class F>
  SubscriptionId SubscribeAll(F&& handler) {
    auto shared = std::make_shared<std::function<void(const Event&)>>(std::forward<F>(handler));
    const SubscriptionId id{++last_subscription_};
    auto add = [this, shared, id] { std::apply([&](auto&... lists) { (AddAll(lists, shared, id), ...); }, handlers_); };
    if (in_dispatch_ > 0) {
      pending_.push_back({id.value, std::move(add)});
    } else {
      add();
    }
    return id;
  }

  // Returns true if a subscription was found (and is now inactive).
  bool Unsubscribe(SubscriptionId id);

  template <class T>
  PublishResult Publish(const T& event) {
    if constexpr (kIsFastPath<T>) {
      return DispatchFast(event);
    } else {
      return Enqueue(event);
    }
  }
  template <class T>
  requires(!std::is_same_v<std::decay_t<T>, Event> && !std::is_lvalue_reference_v<T>) PublishResult Publish(T&& event) {
    if constexpr (kIsFastPath<std::decay_t<T>>) {
      return DispatchFast(static_cast<const std::decay_t<T>&>(event));
    } else {
      return Enqueue(std::forward<T>(event));
    }
  }
  // Publishes an event whose type is known only at run time (e.g. from the
  // ingress queue); same rules as the typed Publish.
  PublishResult Publish(const Event& event);
  PublishResult Publish(Event&& event);

  // Publish(event) followed by DrainAll(): the event, and what its handlers
  // publish, is dispatched before this returns. When the FIFO is empty and
  // no handler is running, a queued-path event's handlers run straight from
  // `event`, without its copy into the FIFO and back; the metrics count it
  // as published to and dispatched from the FIFO all the same. Called from
  // inside a handler it only publishes (as DrainAll does nothing there).
  template <class T>
  requires(!std::is_same_v<std::decay_t<T>, Event>) PublishResult PublishAndDrain(const T& event) {
    if constexpr (!kIsFastPath<T>) {
      if (size_ == 0 && in_dispatch_ == 0) {
        // The event holds a place in the FIFO while its handlers run, as
        // it would at the front: room, depth and high water count it.
        counters_.queued_published.Add();
        held_ = 1;
        if (high_water_ == 0) {
          high_water_ = 1;
          counters_.queue_high_water.Set(1);
        }
        RunHandlers(event);
        held_ = 0;
        counters_.queued_dispatched.Add();
        (void)DrainAll();
        return PublishResult::kQueued;
      }
    }
    const PublishResult r = Publish(event);
    (void)DrainAll();
    return r;
  }

  // Dispatches up to batch_size queued events; returns how many. Called from
  // inside a handler it does nothing and returns 0 (the loop owns draining).
  std::size_t DispatchBatch();
  // Dispatches queued events until the FIFO is empty or `max_events` were
  // dispatched (events published meanwhile are included); returns how many.
  std::size_t DrainAll(std::size_t max_events = SIZE_MAX);

  std::size_t queue_depth() const noexcept { return size_ + held_; }
  std::size_t queue_capacity() const noexcept { return ring_.size(); }
  std::size_t queue_free() const noexcept { return ring_.size() - size_ - held_; }
  int depth() const noexcept { return depth_; }
  const EventBusOptions& options() const noexcept { return options_; }

  EventBusMetrics metrics() const noexcept;
  // Sampled dispatch time of one event type's handlers, in ns (inclusive of
  // nested fast-path dispatches). Engine thread only.
  const LatencyHistogram& dispatch_latency(EventType type) const { return latency_[type]; }

 private:
  template <class T>
  struct Entry {
    std::uint64_t id;
    bool active;
    std::function<void(const T&)> fn;
  };
  template <class V>
  struct ListsOf;
  template <class... Ts>
  struct ListsOf<std::variant<Ts...>> {
    using type = std::tuple<std::vector<Entry<Ts>>...>;  // NOLINT(readability-identifier-naming)
  };
  using HandlerLists = typename ListsOf<Event>::type;

  // A counter written by one thread and read by others.
  struct RelaxedCounter {
    std::atomic<std::uint64_t> v{0};
    void Add(std::uint64_t n = 1) noexcept {
      v.store(v.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
    }
    void Set(std::uint64_t n) noexcept { v.store(n, std::memory_order_relaxed); }
    std::uint64_t Get() const noexcept { return v.load(std::memory_order_relaxed); }
  };

  template <class T>
  std::vector<Entry<T>>& List() {
    return std::get<std::vector<Entry<T>>>(handlers_);
  }

  template <class T>
  static void AddAll(std::vector<Entry<T>>& list, const std::shared_ptr<std::function<void(const Event&)>>& fn,
                     SubscriptionId id) {
    list.push_back(Entry<T>{id.value, true, [fn](const T& ev) { (*fn)(Event(ev)); }});
  }

  template <class T>
  void RunHandlers(const T& event) {
    auto& list = List<T>();
    const std::size_t n = list.size();
    const bool timed = (++sample_tick_ & sample_mask_) == 0 && options_.latency_sample_every != 0;
    std::int64_t t0 = 0;
    if (timed) t0 = MonotonicNanos();
    ++in_dispatch_;
    for (std::size_t i = 0; i < n; ++i) {
      Entry<T>& e = list[i];
      if (e.active) e.fn(event);
    }
    --in_dispatch_;
    if (timed) {
      latency_[kEventTypeOf<T>].Record(static_cast<std::uint64_t>(MonotonicNanos() - t0));
    }
    if (in_dispatch_ == 0 && (!pending_.empty() || needs_compaction_)) ApplyPending();
  }

  template <class T>
  PublishResult DispatchFast(const T& event) {
    if (depth_ >= options_.max_depth) {
      counters_.depth_exceeded.Add();
      return PublishResult::kDepthExceeded;
    }
    ++depth_;
    RunHandlers(event);
    --depth_;
    counters_.fast_path_dispatched.Add();
    return PublishResult::kDispatched;
  }

  template <class T>
  PublishResult Enqueue(T&& event) {
    if (size_ + held_ == ring_.size()) {
      counters_.overflows.Add();
      return PublishResult::kQueueFull;
    }
    ring_[tail_] = std::forward<T>(event);
    if (++tail_ == ring_.size()) tail_ = 0;
    ++size_;
    counters_.queued_published.Add();
    if (size_ + held_ > high_water_) {
      high_water_ = size_ + held_;
      counters_.queue_high_water.Set(high_water_);
    }
    return PublishResult::kQueued;
  }

  void DispatchQueuedFront();
  void ApplyPending();

  EventBusOptions options_;
  HandlerLists handlers_;
  // Subscriptions made during a dispatch, applied after the outermost one.
  struct PendingSubscription {
    std::uint64_t id;
    std::function<void()> add;
  };
  std::vector<PendingSubscription> pending_;
  bool needs_compaction_ = false;
  std::uint64_t last_subscription_ = 0;
  int depth_ = 0;
  int in_dispatch_ = 0;
  std::uint32_t sample_tick_ = 0;
  std::uint32_t sample_mask_ = 0;

  std::vector<Event> ring_;
  std::size_t head_ = 0;
  std::size_t tail_ = 0;
  std::size_t size_ = 0;
  std::size_t held_ = 0;  // 1 while PublishAndDrain runs an event's handlers outside the FIFO
  std::size_t high_water_ = 0;

  struct alignas(64) Counters {
    RelaxedCounter fast_path_dispatched;
    RelaxedCounter queued_dispatched;
    RelaxedCounter queued_published;
    RelaxedCounter queue_high_water;
    RelaxedCounter overflows;
    RelaxedCounter depth_exceeded;
  };
  Counters counters_;

  std::vector<LatencyHistogram> latency_;
};

}  // namespace hean
