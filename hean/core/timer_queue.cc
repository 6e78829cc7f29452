#include "hean/core/timer_queue.h"

#include <algorithm>
#include <utility>

#include "hean/core/check.h"

namespace hean {

TimerId TimerQueue::ScheduleAt(UnixNanos deadline, TimerCallback cb) {
  return Insert(deadline, Duration::Zero(), std::move(cb));
}

TimerId TimerQueue::ScheduleAfter(Duration delay, TimerCallback cb) {
  return Insert(clock_.Now() + delay, Duration::Zero(), std::move(cb));
}

TimerId TimerQueue::SchedulePeriodic(UnixNanos first, Duration interval, TimerCallback cb) {
  HEAN_CHECK(interval > Duration::Zero(), "periodic timer needs a positive interval");
  return Insert(first, interval, std::move(cb));
}

TimerId TimerQueue::Insert(UnixNanos deadline, Duration interval, TimerCallback cb) {
  HEAN_CHECK(cb != nullptr, "timer without a callback");
  std::uint32_t slot;
  if (!free_slots_.empty()) {
    slot = free_slots_.back();
    free_slots_.pop_back();
  } else {
    HEAN_CHECK(slots_.size() < 0xFFFF'FFFFu, "too many timers");
    slot = static_cast<std::uint32_t>(slots_.size());
    slots_.emplace_back();
  }
  Slot& s = slots_[slot];
  ++s.generation;
  s.cb = std::move(cb);
  s.interval = interval;
  s.active = true;
  ++live_;
  Push(deadline, slot);
  return MakeId(slot, s.generation);
}

void TimerQueue::Push(UnixNanos deadline, std::uint32_t slot) {
  heap_.push_back(HeapEntry{deadline, next_seq_++, slot, slots_[slot].generation});
  std::push_heap(heap_.begin(), heap_.end(), Later);
}

bool TimerQueue::IsPending(TimerId id) const {
  if (!id.valid()) return false;
  const auto slot = static_cast<std::uint32_t>(id.value & 0xFFFF'FFFFu) - 1;
  const auto gen = static_cast<std::uint32_t>(id.value >> 32);
  return slot < slots_.size() && slots_[slot].active && slots_[slot].generation == gen;
}

bool TimerQueue::Cancel(TimerId id) {
  if (!IsPending(id)) return false;
  const auto slot = static_cast<std::uint32_t>(id.value & 0xFFFF'FFFFu) - 1;
  Slot& s = slots_[slot];
  s.active = false;
  s.cb = nullptr;  // release captures now
  free_slots_.push_back(slot);
  --live_;
  // The heap entry is dropped lazily; its generation no longer matches once
  // the slot is reused, and the slot is inactive until then.
  return true;
}

void TimerQueue::DropStale() {
  while (!heap_.empty() && !TopIsLive()) {
    std::pop_heap(heap_.begin(), heap_.end(), Later);
    heap_.pop_back();
  }
}

std::optional<UnixNanos> TimerQueue::NextDeadlineSlow() {
  DropStale();
  if (heap_.empty()) return std::nullopt;
  return heap_.front().deadline;
}

bool TimerQueue::FireNext(UnixNanos limit) {
  DropStale();
  if (heap_.empty() || heap_.front().deadline > limit) return false;
  const HeapEntry e = heap_.front();
  std::pop_heap(heap_.begin(), heap_.end(), Later);
  heap_.pop_back();

  Slot& s = slots_[e.slot];
  const TimerId id = MakeId(e.slot, e.generation);
  // Move the callback out: it may cancel or reschedule, which can reuse the
  // slot or grow slots_ (invalidating `s`).
  TimerCallback cb = std::move(s.cb);
  const Duration interval = s.interval;
  if (interval > Duration::Zero()) {
    // Re-arm before the call so that Cancel(id) inside the callback works.
    Push(e.deadline + interval, e.slot);
  } else {
    s.active = false;
    free_slots_.push_back(e.slot);
    --live_;
  }
  ++fired_total_;
  cb(id, e.deadline);
  if (interval > Duration::Zero()) {
    Slot& again = slots_[e.slot];
    if (again.active && again.generation == e.generation) again.cb = std::move(cb);
  }
  return true;
}

std::size_t TimerQueue::FireDue(UnixNanos now) {
  std::size_t n = 0;
  while (FireNext(now)) ++n;
  return n;
}

}  // namespace hean
