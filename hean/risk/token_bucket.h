// TokenBucket: a rate limit of `rate` requests per `period` with bursts of
// up to `capacity`. Refilled continuously from the time given to it (no
// clock of its own), in integer nanoseconds: a token is worth period / rate
// of time, rounded down to the nanosecond (so a rate that does not divide
// the period lets through at most one token in 1e9 more). Over any interval of length T at most
// capacity + rate x T / period requests pass.
#pragma once

#include <algorithm>
#include <cstdint>

#include "hean/core/time.h"

namespace hean {

class TokenBucket {
 public:
  TokenBucket() = default;
  // rate 0 turns the limit off.
  TokenBucket(std::int64_t rate, Duration period, std::int64_t capacity) noexcept
      : rate_(rate), capacity_(capacity), cost_(rate > 0 ? period.nanos() / rate : 0) {
    credit_ = capacity_ * cost_;
  }

  bool enabled() const noexcept { return rate_ > 0; }

  // Whether a request may pass at `now` (without taking a token).
  bool CanTake(UnixNanos now) const noexcept { return !enabled() || CreditAt(now) >= cost_; }
  // Takes a token if one is available at `now`.
  bool TryTake(UnixNanos now) noexcept {
    if (!enabled()) return true;
    Refill(now);
    if (credit_ < cost_) return false;
    credit_ -= cost_;
    return true;
  }
  // Whole tokens available at `now`.
  std::int64_t Available(UnixNanos now) const noexcept { return enabled() ? CreditAt(now) / cost_ : 0; }

 private:
  std::int64_t CreditAt(UnixNanos now) const noexcept {
    if (!started_ || now <= last_) return credit_;
    const std::int64_t cap = capacity_ * cost_;
    const std::int64_t elapsed = (now - last_).nanos();
    return elapsed >= cap - credit_ ? cap : credit_ + elapsed;
  }
  void Refill(UnixNanos now) noexcept {
    credit_ = CreditAt(now);
    if (!started_ || now > last_) last_ = now;
    started_ = true;
  }

  std::int64_t rate_ = 0;
  std::int64_t capacity_ = 0;
  std::int64_t cost_ = 0;    // nanoseconds of refill per token
  std::int64_t credit_ = 0;  // nanoseconds of credit, at most capacity x cost
  UnixNanos last_;
  bool started_ = false;
};

}  // namespace hean
