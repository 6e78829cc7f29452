// Engine: the single thread that owns trading state. It owns the timer
// queue, the event bus and the ingress queue, and runs the loop that moves
// events from I/O threads onto the bus, fires timers and drains the bus.
// Components are plugged in by subscribing to engine.bus() and scheduling on
// engine.timers(); later issues add them.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>

#include "hean/bus/event_bus.h"
#include "hean/bus/mpsc_queue.h"
#include "hean/core/clock.h"
#include "hean/core/status.h"
#include "hean/core/timer_queue.h"
#include "hean/model/events.h"

namespace hean {

struct EngineOptions {
  EventBusOptions bus;
  std::size_t ingress_capacity = 65'536;     // rounded up to a power of two
  std::size_t ingress_batch = 256;           // ingress events moved per loop pass
  WaitMode wait_mode = WaitMode::kBlocking;  // how an idle live loop waits
  Duration max_idle_wait = Duration::Millis(50);

  [[nodiscard]] Status Validate() const;
};

struct EngineStats {
  std::uint64_t ingress_received = 0;  // events taken from the ingress queue
  std::uint64_t ingress_rejected = 0;  // Post() calls refused (queue full)
  std::uint64_t timers_fired = 0;
  std::uint64_t loop_passes = 0;
  std::uint64_t idle_waits = 0;
};

// Thread-safety: Post() and Stop() may be called from any thread; everything
// else belongs to the engine thread (the one that calls Run / PollOnce /
// AdvanceTo).
class Engine {
 public:
  // `clock` must outlive the engine. A SimClock makes AdvanceTo available
  // (backtests); a RealClock is for paper and live.
  explicit Engine(Clock& clock, EngineOptions options = {});
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  Clock& clock() noexcept { return clock_; }
  TimerQueue& timers() noexcept { return timers_; }
  EventBus& bus() noexcept { return bus_; }
  const EngineOptions& options() const noexcept { return options_; }

  // Hands an event to the engine thread. Any thread. Returns false (and
  // counts it) when the ingress queue is full; the caller decides whether
  // to retry, conflate or fail, so nothing is lost silently.
  [[nodiscard]] bool Post(Event event);

  // Runs the live loop until Stop(): ingress -> bus, due timers (by
  // clock.Now()), bus batches; when idle, waits for ingress or the next
  // timer, at most max_idle_wait.
  void Run();
  // Any thread; Run() returns after its current pass.
  void Stop() noexcept;
  bool stop_requested() const noexcept { return stop_.load(std::memory_order_acquire); }

  // One pass of the loop without waiting; returns the work done (events
  // moved, timers fired, events dispatched).
  std::size_t PollOnce();

  // Drains ingress and the bus until both are empty (timers are not fired).
  // Returns the number of events dispatched from the queue.
  std::size_t RunUntilIdle();

  // Backtest stepping, SimClock only: fires, in order, every timer with a
  // deadline <= t, moving the clock to each deadline first (so a callback
  // sees Now() == its deadline) and draining the bus after each; then moves
  // the clock to t. Errors: not a SimClock (kFailedPrecondition), t earlier
  // than Now() (kFailedPrecondition, clock unchanged).
  [[nodiscard]] Status AdvanceTo(UnixNanos t);

  EngineStats stats() const noexcept;

 private:
  std::size_t MoveIngress(std::size_t max);
  void PublishFromIngress(Event&& ev);

  Clock& clock_;
  SimClock* sim_clock_;  // non-null when clock_ is a SimClock
  EngineOptions options_;
  TimerQueue timers_;
  EventBus bus_;
  MpscQueue<Event> ingress_;
  std::atomic<bool> stop_{false};
  std::atomic<std::uint64_t> ingress_rejected_{0};
  std::uint64_t ingress_received_ = 0;
  std::uint64_t loop_passes_ = 0;
  std::uint64_t idle_waits_ = 0;
};

}  // namespace hean
