// VolumeSpike: is the latest trading heavier than usual, judged on real
// trade sizes (counts of trades, not time).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "hean/core/decimal.h"
#include "hean/core/status.h"

namespace hean {

struct VolumeSpikeConfig {
  std::size_t history = 50;      // analytics.volume_spike.history: trade sizes kept (> recent)
  std::size_t recent = 3;        // analytics.volume_spike.recent (>= 1)
  double multiplier = 1.2;       // analytics.volume_spike.multiplier (> 0)
  std::size_t min_history = 10;  // analytics.volume_spike.min_history (> recent, <= history)

  // InvalidArgument naming the key and the bad value.
  [[nodiscard]] Status Validate() const;
};

// A volume spike from real trade sizes.
//
// Keeps the last `history` non-zero trade sizes (a zero size is dropped). The
// baseline is the mean of the kept sizes except the most recent `recent`; a
// spike is mean(recent) > multiplier * baseline. With fewer than min_history
// sizes kept the answer is "spike" (the original design's choice: no false
// negatives early) and has_history() is false, so callers can tell an
// assumed spike from a measured one.
//
// A fixed ring allocated in the constructor and exact integer running sums:
// OnTrade and every query are O(1) and allocate nothing.
//
// Not thread-safe: one engine thread.
class VolumeSpike {
 public:
  // `config` must be valid (checked).
  explicit VolumeSpike(VolumeSpikeConfig config);

  void OnTrade(Qty qty) noexcept;

  // True on a spike, and also while !has_history().
  bool IsSpike() const noexcept;
  // At least min_history sizes are kept.
  bool has_history() const noexcept { return size_ >= config_.min_history; }
  // Mean of the most recent min(size, recent) sizes; 0 when none.
  double recent_mean() const noexcept;
  // Mean of the kept sizes before the recent ones; 0 if there are none.
  double baseline_mean() const noexcept;
  // recent_mean / baseline_mean; 0 if there is no baseline.
  double ratio() const noexcept;
  // Sizes kept (at most `history`).
  std::size_t size() const noexcept { return size_; }
  const VolumeSpikeConfig& config() const noexcept { return config_; }

 private:
  // i = 0 is the oldest kept size.
  std::int64_t at(std::size_t i) const noexcept { return ring_[(head_ + i) % ring_.size()]; }
  std::size_t RecentCount() const noexcept { return size_ < config_.recent ? size_ : config_.recent; }

  VolumeSpikeConfig config_;
  std::vector<std::int64_t> ring_;  // raw Qty units, `history` slots
  std::size_t head_ = 0;            // slot of the oldest size
  std::size_t size_ = 0;
  Int128 total_sum_ = 0;   // all kept sizes
  Int128 recent_sum_ = 0;  // the most recent RecentCount() sizes
};

}  // namespace hean
