#include "hean/analytics/volume_spike.h"

#include <fmt/format.h>

#include <cmath>

#include "hean/core/check.h"

namespace hean {

Status VolumeSpikeConfig::Validate() const {
  if (recent < 1)
    return InvalidArgumentError(fmt::format("analytics.volume_spike.recent: must be >= 1, got {}", recent));
  if (history <= recent) {
    return InvalidArgumentError(fmt::format(
        "analytics.volume_spike.history: must be > analytics.volume_spike.recent ({}), got {}", recent, history));
  }
  if (!std::isfinite(multiplier) || multiplier <= 0.0) {
    return InvalidArgumentError(fmt::format("analytics.volume_spike.multiplier: must be > 0, got {}", multiplier));
  }
  if (min_history <= recent || min_history > history) {
    return InvalidArgumentError(
        fmt::format("analytics.volume_spike.min_history: must be > analytics.volume_spike.recent ({}) and <= "
                    "analytics.volume_spike.history ({}), got {}",
                    recent, history, min_history));
  }
  return Status::Ok();
}

VolumeSpike::VolumeSpike(VolumeSpikeConfig config) : config_(config) {
  HEAN_CHECK(config_.Validate().ok(), "invalid VolumeSpikeConfig");
  ring_.assign(config_.history, 0);
}

void VolumeSpike::OnTrade(Qty qty) noexcept {
  if (!qty.IsPositive()) return;  // zero sizes say nothing about volume
  if (size_ == ring_.size()) {
    // The oldest size leaves; history > recent, so it is a baseline size.
    total_sum_ -= ring_[head_];
    head_ = (head_ + 1) % ring_.size();
    --size_;
  }
  ring_[(head_ + size_) % ring_.size()] = qty.raw();
  ++size_;
  total_sum_ += qty.raw();
  recent_sum_ += qty.raw();
  // The size that was `recent` back moves from the recent set to the baseline.
  if (size_ > config_.recent) recent_sum_ -= at(size_ - 1 - config_.recent);
}

double VolumeSpike::recent_mean() const noexcept {
  const std::size_t n = RecentCount();
  if (n == 0) return 0.0;
  return static_cast<double>(recent_sum_) / static_cast<double>(n) / static_cast<double>(kFixedScale);
}

double VolumeSpike::baseline_mean() const noexcept {
  const std::size_t n = size_ - RecentCount();
  if (n == 0) return 0.0;
  return static_cast<double>(total_sum_ - recent_sum_) / static_cast<double>(n) / static_cast<double>(kFixedScale);
}

double VolumeSpike::ratio() const noexcept {
  const double baseline = baseline_mean();
  return baseline > 0.0 ? recent_mean() / baseline : 0.0;
}

bool VolumeSpike::IsSpike() const noexcept {
  if (!has_history()) return true;
  return recent_mean() > config_.multiplier * baseline_mean();
}

}  // namespace hean
