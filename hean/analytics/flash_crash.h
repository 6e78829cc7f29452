// FlashCrashDetector: the flash-crash signature on trade prices, a sharp
// move followed by a quick recovery.
#pragma once

#include <cstddef>
#include <optional>
#include <vector>

#include "hean/core/decimal.h"
#include "hean/core/status.h"
#include "hean/core/time.h"
#include "hean/model/events.h"
#include "hean/model/types.h"

namespace hean {

struct FlashCrashConfig {
  double move = 0.05;                       // analytics.flash_crash.move: |extreme/start - 1| must exceed this
  Duration window = Duration::Seconds(10);  // analytics.flash_crash.window: the move must happen within this
  double recovery = 0.03;                   // analytics.flash_crash.recovery: |price/extreme - 1| must exceed this
  Duration recovery_window = Duration::Seconds(60);  // analytics.flash_crash.recovery_window: after the extreme

  // InvalidArgument naming the key and the bad value: the fractions must be
  // finite and > 0, the windows > 0.
  [[nodiscard]] Status Validate() const;
};

namespace flash_crash_detail {

// A double-ended queue of (time, price) on a power-of-two ring that grows by
// doubling and never shrinks: after warm-up it allocates nothing. The
// monotonic deques of the detector need PopBack, which TimeWindow lacks.
// Not thread-safe.
class PriceDeque {
 public:
  struct Entry {
    UnixNanos time;
    Price price;
  };

  explicit PriceDeque(std::size_t initial_capacity = 64);

  bool empty() const noexcept { return size_ == 0; }
  std::size_t size() const noexcept { return size_; }
  const Entry& front() const noexcept { return buf_[head_]; }
  const Entry& back() const noexcept { return buf_[(head_ + size_ - 1) & (buf_.size() - 1)]; }
  void PushBack(const Entry& e);
  void PopFront() noexcept;
  void PopBack() noexcept;
  void Clear() noexcept {
    head_ = 0;
    size_ = 0;
  }

 private:
  std::vector<Entry> buf_;  // capacity is a power of two
  std::size_t head_ = 0;
  std::size_t size_ = 0;
};

}  // namespace flash_crash_detail

// Detects the flash-crash signature on one instrument's trade prices: a fall
// of more than `move` from the highest price of the last `window` (a crash),
// or a rise of more than `move` from the lowest (a spike), followed by a
// recovery of more than `recovery` from the extreme within `recovery_window`
// of the extreme.
//
// Windows are half-open like TimeWindow: a price exactly `window` old no
// longer counts as the start of a move, and a recovery exactly
// `recovery_window` after the extreme is too late. While a move is watched
// the extreme follows the price (a deeper low of a crash, a higher high of a
// spike moves the extreme and its time). After a report, or when the
// recovery window has run out (noticed on the next price), the detector
// re-arms with a fresh window that starts at that price, so one signature is
// reported once (a recovery that then goes on by more than `move` within
// `window` is a new rise, watched as a spike). Times going backwards are
// clamped to the newest time seen.
//
// The window max and min are monotonic deques: O(1) amortised per price, no
// allocation after warm-up. Not thread-safe: one engine thread.
class FlashCrashDetector {
 public:
  // `config` must be valid (checked).
  FlashCrashDetector(InstrumentId instrument, FlashCrashConfig config);

  // Feeds a trade price at engine time `now`. Returns the filled FlashCrash
  // event (ts_event = ts_recv = now) when this price completes a signature's
  // recovery; nullopt otherwise.
  std::optional<FlashCrash> OnPrice(UnixNanos now, Price price);

  // A move happened and its recovery is being watched. Stays true past the
  // recovery window until the next price shows that it ran out.
  bool in_move() const noexcept { return in_move_; }
  const FlashCrashConfig& config() const noexcept { return config_; }

 private:
  void Arm(UnixNanos now, Price price);
  void PushWindow(UnixNanos now, Price price);

  InstrumentId instrument_;
  FlashCrashConfig config_;
  flash_crash_detail::PriceDeque max_;  // prices in the window, decreasing from the front
  flash_crash_detail::PriceDeque min_;  // prices in the window, increasing from the front
  bool has_last_ = false;
  UnixNanos last_time_;
  bool in_move_ = false;
  FlashCrash move_;  // the move being watched: direction, start and extreme
};

}  // namespace hean
