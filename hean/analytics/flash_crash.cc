#include "hean/analytics/flash_crash.h"

#include <fmt/format.h>

#include <cmath>
#include <utility>

#include "hean/core/check.h"

namespace hean {

Status FlashCrashConfig::Validate() const {
  if (!std::isfinite(move) || move <= 0.0) {
    return InvalidArgumentError(fmt::format("analytics.flash_crash.move: must be > 0, got {}", move));
  }
  if (window <= Duration::Zero()) {
    return InvalidArgumentError("analytics.flash_crash.window: must be > 0, got " + window.ToString());
  }
  if (!std::isfinite(recovery) || recovery <= 0.0) {
    return InvalidArgumentError(fmt::format("analytics.flash_crash.recovery: must be > 0, got {}", recovery));
  }
  if (recovery_window <= Duration::Zero()) {
    return InvalidArgumentError("analytics.flash_crash.recovery_window: must be > 0, got " +
                                recovery_window.ToString());
  }
  return Status::Ok();
}

namespace flash_crash_detail {

PriceDeque::PriceDeque(std::size_t initial_capacity) {
  std::size_t cap = 1;
  while (cap < initial_capacity) cap <<= 1;
  buf_.resize(cap);
}

void PriceDeque::PushBack(const Entry& e) {
  if (size_ == buf_.size()) {
    std::vector<Entry> next(buf_.size() * 2);
    for (std::size_t i = 0; i < size_; ++i) next[i] = buf_[(head_ + i) & (buf_.size() - 1)];
    buf_.swap(next);
    head_ = 0;
  }
  buf_[(head_ + size_) & (buf_.size() - 1)] = e;
  ++size_;
}

void PriceDeque::PopFront() noexcept {
  HEAN_DCHECK(size_ != 0);
  head_ = (head_ + 1) & (buf_.size() - 1);
  --size_;
}

void PriceDeque::PopBack() noexcept {
  HEAN_DCHECK(size_ != 0);
  --size_;
}

}  // namespace flash_crash_detail

namespace {

// |a / b - 1| for positive b; 0 otherwise (no meaningful ratio).
double Deviation(Price a, Price b) noexcept {
  const double d = b.ToDouble();
  if (!(d > 0.0)) return 0.0;
  return std::abs(a.ToDouble() / d - 1.0);
}

}  // namespace

FlashCrashDetector::FlashCrashDetector(InstrumentId instrument, FlashCrashConfig config)
    : instrument_(instrument), config_(config) {
  HEAN_CHECK(config_.Validate().ok(), "invalid FlashCrashConfig");
  move_.instrument = instrument_;
}

void FlashCrashDetector::PushWindow(UnixNanos now, Price price) {
  // Half-open window (now - window, now]: an entry exactly `window` old is out.
  const UnixNanos cutoff = now - config_.window;
  while (!max_.empty() && max_.front().time <= cutoff) max_.PopFront();
  while (!min_.empty() && min_.front().time <= cutoff) min_.PopFront();
  // Equal prices go too: the new one has the same value and stays longer.
  while (!max_.empty() && max_.back().price <= price) max_.PopBack();
  while (!min_.empty() && min_.back().price >= price) min_.PopBack();
  max_.PushBack({now, price});
  min_.PushBack({now, price});
}

void FlashCrashDetector::Arm(UnixNanos now, Price price) {
  in_move_ = false;
  max_.Clear();
  min_.Clear();
  PushWindow(now, price);
}

std::optional<FlashCrash> FlashCrashDetector::OnPrice(UnixNanos now, Price price) {
  if (has_last_ && now < last_time_) now = last_time_;
  has_last_ = true;
  last_time_ = now;

  if (in_move_) {
    if (now - move_.extreme_time >= config_.recovery_window) {
      // Too late to recover: this price starts a fresh watch.
      Arm(now, price);
      return std::nullopt;
    }
    const bool crash = move_.direction == Side::kSell;
    if (crash ? price < move_.extreme_price : price > move_.extreme_price) {
      move_.extreme_price = price;
      move_.extreme_time = now;
      move_.move = Deviation(price, move_.start_price);
      return std::nullopt;
    }
    const bool back = crash ? price > move_.extreme_price : price < move_.extreme_price;
    const double recovery = Deviation(price, move_.extreme_price);
    if (!back || !(recovery > config_.recovery)) return std::nullopt;
    FlashCrash out = move_;
    out.ts_event = now;
    out.ts_recv = now;
    out.price = price;
    out.recovery = recovery;
    Arm(now, price);
    return out;
  }

  PushWindow(now, price);
  const auto& high = max_.front();
  const auto& low = min_.front();
  if (price < high.price && Deviation(price, high.price) > config_.move) {
    move_.direction = Side::kSell;
    move_.start_price = high.price;
    move_.move_start = high.time;
  } else if (price > low.price && Deviation(price, low.price) > config_.move) {
    move_.direction = Side::kBuy;
    move_.start_price = low.price;
    move_.move_start = low.time;
  } else {
    return std::nullopt;
  }
  in_move_ = true;
  move_.extreme_price = price;
  move_.extreme_time = now;
  move_.move = Deviation(price, move_.start_price);
  move_.price = Price{};
  move_.recovery = 0.0;
  return std::nullopt;
}

}  // namespace hean
