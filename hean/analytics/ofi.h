// Order-flow imbalance (OFI) of the top of book over a rolling time window.
#pragma once

#include <cstddef>

#include "hean/analytics/time_window.h"
#include "hean/core/decimal.h"
#include "hean/core/status.h"
#include "hean/core/time.h"

namespace hean {

struct OfiConfig {
  Duration window = Duration::Seconds(10);  // analytics.ofi.window (> 0)

  // InvalidArgumentError naming the key and the bad value.
  [[nodiscard]] Status Validate() const;
};

// Order-flow imbalance (Cont, Kukanov, Stoikov 2014) from changes of the best
// bid and ask. For consecutive top-of-book states n-1, n:
//   e_n = [Pb_n >= Pb_{n-1}] qb_n - [Pb_n <= Pb_{n-1}] qb_{n-1}
//       - [Pa_n <= Pa_{n-1}] qa_n + [Pa_n >= Pa_{n-1}] qa_{n-1}
// with sizes in base-asset units. value() is the sum of e_n over the window
// (now - window, now]; normalized() is value() / sum |e_n|, in [-1, 1].
//
// The first state after construction or Reset() only primes. A state equal to
// the previous one contributes nothing and is not stored. The caller passes a
// two-sided top of book; when a side empties or the book becomes invalid it
// calls Reset().
//
// The e_n terms and the running sums are kept exactly, in units of 1e-9
// (128-bit), so the sums never drift and return to exactly 0 when the window
// empties. Steady state allocates nothing (TimeWindow reuses its ring).
//
// Not thread-safe: one engine thread.
class OrderFlowImbalance {
 public:
  // `config` must be valid (checked).
  explicit OrderFlowImbalance(OfiConfig config);

  // A new top of book at `now` (engine clock). Expires old terms first.
  void OnTop(UnixNanos now, Price bid, Qty bid_qty, Price ask, Qty ask_qty);
  // Expires old terms without a new state.
  void Advance(UnixNanos now);
  // Forgets the window and the previous state: the next OnTop only primes
  // (after the book was invalid, the change from the last state seen before
  // is not a real order flow).
  void Reset() noexcept;

  // Sum of e_n over the window, in base-asset units; 0 when empty.
  double value() const noexcept;
  // value() / sum of |e_n| over the window, in [-1, 1]; 0 when that sum is 0.
  double normalized() const noexcept;
  // Number of e_n terms in the window.
  std::size_t events() const noexcept { return window_.size(); }
  const OfiConfig& config() const noexcept { return config_; }

 private:
  OfiConfig config_;
  TimeWindow<Int128> window_;  // e_n in units of 1e-9
  Int128 sum_ = 0;
  Int128 abs_sum_ = 0;
  bool primed_ = false;
  Price bid_;
  Qty bid_qty_;
  Price ask_;
  Qty ask_qty_;
};

}  // namespace hean
