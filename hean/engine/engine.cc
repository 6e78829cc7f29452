#include "hean/engine/engine.h"

#include <algorithm>
#include <string>
#include <utility>

namespace hean {

Status EngineOptions::Validate() const {
  if (Status s = bus.Validate(); !s.ok()) return s;
  if (ingress_capacity < 2 || ingress_capacity > (std::size_t{1} << 26)) {
    return InvalidArgumentError("engine.ingress_capacity must be in 2..67108864, got " +
                                std::to_string(ingress_capacity));
  }
  if (ingress_batch == 0) return InvalidArgumentError("engine.ingress_batch must be > 0");
  if (max_idle_wait <= Duration::Zero()) {
    return InvalidArgumentError("engine.max_idle_wait must be > 0, got " + max_idle_wait.ToString());
  }
  return Status::Ok();
}

Engine::Engine(Clock& clock, EngineOptions options)
    : clock_(clock),
      sim_clock_(dynamic_cast<SimClock*>(&clock)),
      options_(options),
      timers_(clock),
      bus_(options.bus),
      ingress_(options.ingress_capacity, options.wait_mode) {
  HEAN_CHECK(options_.Validate().ok(), "invalid EngineOptions (validate them before constructing the engine)");
}

bool Engine::Post(Event event) {
  if (ingress_.TryPush(std::move(event))) return true;
  ingress_rejected_.fetch_add(1, std::memory_order_relaxed);
  return false;
}

void Engine::Stop() noexcept {
  stop_.store(true, std::memory_order_release);
  ingress_.Notify();
}

void Engine::PublishFromIngress(Event&& ev) {
  ++ingress_received_;
  // MoveIngress only takes events while the bus has room, and a fast-path
  // event at depth 0 cannot exceed the depth bound, so this cannot fail.
  const PublishResult r = bus_.Publish(std::move(ev));
  HEAN_CHECK(Delivered(r), "ingress event not delivered to the bus");
}

std::size_t Engine::MoveIngress(std::size_t max) {
  // Room is checked before each event, not once for the whole batch: the
  // handlers of a fast-path event (a fill) may publish queued events and use
  // up room counted before it was moved.
  std::size_t moved = 0;
  while (moved < max && bus_.queue_free() > 0) {
    if (ingress_.Consume([this](Event&& ev) { PublishFromIngress(std::move(ev)); }, 1) == 0) break;
    ++moved;
  }
  return moved;
}

std::size_t Engine::PollOnce() {
  ++loop_passes_;
  std::size_t work = MoveIngress(options_.ingress_batch);
  if (sim_clock_ == nullptr) work += timers_.FireDue(clock_.Now());
  work += bus_.DispatchBatch();
  return work;
}

std::size_t Engine::RunUntilIdle() {
  std::size_t dispatched = 0;
  for (;;) {
    if (ingress_.ReadyToPop()) MoveIngress(options_.ingress_batch);
    const std::size_t n = bus_.DispatchBatch();
    dispatched += n;
    if (n == 0 && !ingress_.ReadyToPop()) break;
  }
  return dispatched;
}

void Engine::Run() {
  while (!stop_requested()) {
    if (PollOnce() != 0) continue;
    Duration wait = options_.max_idle_wait;
    if (sim_clock_ == nullptr) {
      if (auto next = timers_.NextDeadline()) {
        const Duration until = *next - clock_.Now();
        if (until <= Duration::Zero()) continue;
        wait = std::min(wait, until);
      }
    }
    ++idle_waits_;
    Event ev;
    if (ingress_.WaitPop(ev, wait)) PublishFromIngress(std::move(ev));
  }
}

Status Engine::AdvanceTo(UnixNanos t) {
  if (sim_clock_ == nullptr) {
    return FailedPreconditionError("Engine::AdvanceTo needs a SimClock (live engines follow the real clock)");
  }
  if (t < sim_clock_->Now()) {
    return FailedPreconditionError("Engine::AdvanceTo into the past: now " + sim_clock_->Now().ToIso8601() +
                                   ", requested " + t.ToIso8601());
  }
  for (;;) {
    auto next = timers_.NextDeadline();
    if (!next || *next > t) break;
    // A timer scheduled in the past fires at the current time.
    const UnixNanos at = std::max(*next, sim_clock_->Now());
    HEAN_RETURN_IF_ERROR(sim_clock_->AdvanceTo(at));
    timers_.FireNext(at);
    RunUntilIdle();
  }
  return sim_clock_->AdvanceTo(t);
}

EngineStats Engine::stats() const noexcept {
  EngineStats s;
  s.ingress_received = ingress_received_;
  s.ingress_rejected = ingress_rejected_.load(std::memory_order_relaxed);
  s.timers_fired = timers_.fired_total();
  s.loop_passes = loop_passes_;
  s.idle_waits = idle_waits_;
  return s;
}

}  // namespace hean
