#include "hean/core/clock.h"

#include <time.h>

#include <string>

namespace hean {

UnixNanos RealClock::Now() const noexcept {
  timespec ts{};
  clock_gettime(CLOCK_REALTIME, &ts);
  return UnixNanos::FromNanos(static_cast<std::int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec);
}

std::int64_t MonotonicNanos() noexcept {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<std::int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

Status SimClock::AdvanceTo(UnixNanos t) {
  if (t < now_) {
    return FailedPreconditionError("SimClock cannot move backwards: now " + now_.ToIso8601() + ", requested " +
                                   t.ToIso8601());
  }
  now_ = t;
  return Status::Ok();
}

Status SimClock::AdvanceBy(Duration d) {
  if (d < Duration::Zero()) return InvalidArgumentError("SimClock::AdvanceBy with negative duration " + d.ToString());
  now_ = now_ + d;
  return Status::Ok();
}

}  // namespace hean
