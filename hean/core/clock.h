// Clocks. Every component that needs the time takes a `const Clock&` in its
// constructor; nothing else reads the system clock.
#pragma once

#include <cstdint>

#include "hean/core/status.h"
#include "hean/core/time.h"

namespace hean {

// The source of "now" for trading logic. Implementations say whether they
// are thread-safe.
class Clock {
 public:
  virtual ~Clock() = default;
  virtual UnixNanos Now() const noexcept = 0;
};

// Wall-clock time from the operating system (CLOCK_REALTIME, ns).
// Thread-safe. Used by paper and live trading.
class RealClock final : public Clock {
 public:
  UnixNanos Now() const noexcept override;
};

// Nanoseconds from a monotonic clock with an arbitrary origin (CLOCK_MONOTONIC).
// Not trading time: only for measuring how long the engine's own work takes
// (metrics) and for bounding how long an idle thread waits for input. Trading
// logic takes a Clock& instead. Thread-safe.
std::int64_t MonotonicNanos() noexcept;

// Simulated time for backtests: set by the engine to each event's timestamp
// (and to each timer's deadline before it fires). Only moves forward: an
// attempt to go back is an error the caller sees and the clock is unchanged.
// Not thread-safe: owned and advanced by the engine thread.
class SimClock final : public Clock {
 public:
  explicit SimClock(UnixNanos start = UnixNanos()) noexcept : now_(start) {}

  UnixNanos Now() const noexcept override { return now_; }

  // Moves to `t`. Returns kFailedPrecondition (clock unchanged) if t < Now();
  // t == Now() is allowed (many events share a timestamp).
  [[nodiscard]] Status AdvanceTo(UnixNanos t);
  // Moves forward by `d` (d >= 0), otherwise kInvalidArgument.
  [[nodiscard]] Status AdvanceBy(Duration d);

 private:
  UnixNanos now_;
};

}  // namespace hean
