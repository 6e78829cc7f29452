// LatencyHistogram: log-linear buckets of non-negative integer samples
// (nanoseconds, or any count). Relative bucket error is below 12.5%
// (8 sub-buckets per power of two); values below 16 are exact.
// Recording is O(1) with no allocation. Not thread-safe.
#pragma once

#include <array>
#include <bit>
#include <cmath>
#include <cstdint>

namespace hean {

class LatencyHistogram {
 public:
  static constexpr int kSubBits = 3;             // 8 sub-buckets per octave
  static constexpr int kLinear = 2 << kSubBits;  // values < 16 are exact
  static constexpr int kBuckets = kLinear + (64 - (kSubBits + 1)) * (1 << kSubBits);

  void Record(std::uint64_t v) noexcept {
    ++counts_[Index(v)];
    ++count_;
    sum_ += v;
    if (v > max_) max_ = v;
    if (v < min_) min_ = v;
  }

  std::uint64_t count() const noexcept { return count_; }
  std::uint64_t max() const noexcept { return count_ ? max_ : 0; }
  std::uint64_t min() const noexcept { return count_ ? min_ : 0; }
  double mean() const noexcept { return count_ ? static_cast<double>(sum_) / static_cast<double>(count_) : 0.0; }

  // The value at quantile q in [0, 1]: the upper bound of the bucket holding
  // it, capped at the observed maximum. 0 when empty.
  std::uint64_t Percentile(double q) const noexcept {
    if (count_ == 0) return 0;
    if (q <= 0) return min_;
    // Nearest-rank definition: the smallest value with at least q of the
    // samples at or below it.
    auto rank = static_cast<std::uint64_t>(std::ceil(q * static_cast<double>(count_)));
    if (rank < 1) rank = 1;
    if (rank > count_) rank = count_;
    std::uint64_t seen = 0;
    for (int i = 0; i < kBuckets; ++i) {
      seen += counts_[i];
      if (seen >= rank) {
        const std::uint64_t hi = UpperBound(i);
        return hi < max_ ? hi : max_;
      }
    }
    return max_;
  }

  // Samples in bucket i (0 <= i < kBuckets), for drawing the distribution.
  std::uint64_t bucket_count(int i) const noexcept { return counts_[static_cast<std::size_t>(i)]; }
  void Reset() noexcept { *this = LatencyHistogram(); }

  void Merge(const LatencyHistogram& o) noexcept {
    for (int i = 0; i < kBuckets; ++i) counts_[i] += o.counts_[i];
    count_ += o.count_;
    sum_ += o.sum_;
    if (o.count_) {
      if (o.max_ > max_) max_ = o.max_;
      if (o.min_ < min_) min_ = o.min_;
    }
  }

  static int Index(std::uint64_t v) noexcept {
    if (v < static_cast<std::uint64_t>(kLinear)) return static_cast<int>(v);
    const int msb = 63 - std::countl_zero(v);  // >= kSubBits + 1
    const int sub = static_cast<int>((v >> (msb - kSubBits)) & ((1 << kSubBits) - 1));
    return kLinear + (msb - (kSubBits + 1)) * (1 << kSubBits) + sub;
  }
  // Largest value that maps to bucket i.
  static std::uint64_t UpperBound(int i) noexcept {
    if (i < kLinear) return static_cast<std::uint64_t>(i);
    const int octave = (i - kLinear) >> kSubBits;
    const int sub = (i - kLinear) & ((1 << kSubBits) - 1);
    const int msb = octave + kSubBits + 1;
    const std::uint64_t base = (std::uint64_t{1} << msb) | (static_cast<std::uint64_t>(sub) << (msb - kSubBits));
    return base + ((std::uint64_t{1} << (msb - kSubBits)) - 1);
  }

 private:
  std::array<std::uint64_t, kBuckets> counts_{};
  std::uint64_t count_ = 0;
  std::uint64_t sum_ = 0;
  std::uint64_t max_ = 0;
  std::uint64_t min_ = UINT64_MAX;
};

}  // namespace hean
