// TimerQueue: callbacks scheduled at a time or after a delay, fired by the
// engine loop in time order.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <vector>

#include "hean/core/clock.h"
#include "hean/core/time.h"

namespace hean {

// Identifies one scheduled timer; stays unique for the queue's lifetime.
struct TimerId {
  std::uint64_t value = 0;  // 0 is "no timer"
  constexpr bool valid() const noexcept { return value != 0; }
  friend constexpr bool operator==(TimerId, TimerId) = default;
};

// Called with the timer's id and its deadline (for a late timer the deadline
// is earlier than Now()).
using TimerCallback = std::function<void(TimerId, UnixNanos deadline)>;

// Timers ordered by (deadline, scheduling order): equal deadlines fire in the
// order they were scheduled. A periodic timer is re-armed at deadline +
// interval after each firing and keeps its id. Cancelling a timer that fired
// or was cancelled is a no-op that returns false. Callbacks may schedule and
// cancel timers, including themselves.
//
// The queue does not read the clock to decide what is due: the engine loop
// calls FireDue(now) (live) or FireNext(limit) while stepping a SimClock to
// each deadline (backtest), so both take the same path.
// Not thread-safe: engine thread only.
class TimerQueue {
 public:
  explicit TimerQueue(const Clock& clock) : clock_(clock) {}
  TimerQueue(const TimerQueue&) = delete;
  TimerQueue& operator=(const TimerQueue&) = delete;

  // A deadline in the past is allowed: the timer is due at once.
  TimerId ScheduleAt(UnixNanos deadline, TimerCallback cb);
  // Deadline = clock.Now() + delay.
  TimerId ScheduleAfter(Duration delay, TimerCallback cb);
  // First firing at `first`, then every `interval` (> 0) until cancelled.
  TimerId SchedulePeriodic(UnixNanos first, Duration interval, TimerCallback cb);

  // Returns true if the timer was pending and is now cancelled.
  bool Cancel(TimerId id);
  bool IsPending(TimerId id) const;

  // Earliest pending deadline, if any. Inline when the heap's top is live
  // (the common case: a backtest asks once per event).
  std::optional<UnixNanos> NextDeadline() {
    if (TopIsLive()) return heap_.front().deadline;
    return NextDeadlineSlow();
  }
  // The same, UnixNanos::Max() when none.
  UnixNanos NextDeadlineOrMax() {
    if (TopIsLive()) return heap_.front().deadline;
    const std::optional<UnixNanos> next = NextDeadlineSlow();
    return next ? *next : UnixNanos::Max();
  }

  // Fires every timer whose deadline <= now, in order, including timers that
  // callbacks schedule with deadline <= now. Returns how many fired.
  std::size_t FireDue(UnixNanos now);
  // Fires the single earliest timer if its deadline <= limit. Returns whether
  // one fired.
  bool FireNext(UnixNanos limit);

  std::size_t pending() const noexcept { return live_; }
  std::uint64_t fired_total() const noexcept { return fired_total_; }

 private:
  struct HeapEntry {
    UnixNanos deadline;
    std::uint64_t seq;  // scheduling order, tie-breaker
    std::uint32_t slot;
    std::uint32_t generation;
  };
  struct Slot {
    TimerCallback cb;
    Duration interval;  // zero for one-shot
    std::uint32_t generation = 0;
    bool active = false;
  };
  static bool Later(const HeapEntry& a, const HeapEntry& b) noexcept {
    if (a.deadline != b.deadline) return a.deadline > b.deadline;
    return a.seq > b.seq;
  }

  TimerId Insert(UnixNanos deadline, Duration interval, TimerCallback cb);
  void Push(UnixNanos deadline, std::uint32_t slot);
  void DropStale();
  std::optional<UnixNanos> NextDeadlineSlow();
  // The heap's top is a timer still pending (not cancelled or re-armed).
  bool TopIsLive() const noexcept {
    if (heap_.empty()) return false;
    const HeapEntry& top = heap_.front();
    const Slot& s = slots_[top.slot];
    return s.active && s.generation == top.generation;
  }
  static TimerId MakeId(std::uint32_t slot, std::uint32_t generation) noexcept {
    return TimerId{(static_cast<std::uint64_t>(generation) << 32) | (static_cast<std::uint64_t>(slot) + 1)};
  }

  const Clock& clock_;
  std::vector<HeapEntry> heap_;  // binary min-heap by (deadline, seq)
  std::vector<Slot> slots_;
  std::vector<std::uint32_t> free_slots_;
  std::uint64_t next_seq_ = 0;
  std::size_t live_ = 0;
  std::uint64_t fired_total_ = 0;
};

}  // namespace hean
