// The adaptive time-to-live of a maker order (the original design's
// formula): base x spread factor x volatility factor x fill-rate factor,
// clamped to [min_ttl, max_ttl].
//
// Buckets (the edges: which side is inclusive):
//   spread, bps:     [0, 5) -> 1.0   [5, 10) -> 1.2   [10, 20] -> 1.5   (20, inf) -> 2.0
//   volatility, %:   [0, 0.5) -> 1.2 [0.5, 1) -> 1.0  [1, 2] -> 0.7     (2, inf) -> 0.5
//   fill rate:       (0.8, 1] -> 0.9 [0.6, 0.8] -> 1.0 [0.4, 0.6) -> 1.2 [0, 0.4) -> 1.5
// The design names "< 5", "> 20", "< 0.5", "> 2", "> 80%" and "< 40%"; the
// middle edges are ours. With no maker attempt yet the fill-rate factor is
// 1.0 (nothing known); with no volatility sample yet the volatility factor
// is 1.0.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "hean/core/log.h"
#include "hean/core/time.h"
#include "hean/exec/exec_config.h"

namespace hean {

double SpreadFactor(double spread_bps) noexcept;
double VolatilityFactor(double volatility_pct) noexcept;
double FillRateFactor(double fill_rate) noexcept;

struct TtlFactors {
  double spread = 1.0;
  double volatility = 1.0;
  double fill_rate = 1.0;
};

// base x the factors, rounded to whole milliseconds (half up: 67.5ms ->
// 68ms) and clamped to [min_ttl, max_ttl].
Duration ComputeTtl(const AdaptiveTtlConfig& config, const TtlFactors& f) noexcept;

// Realised volatility of a mid price over a rolling window, in %: the mid
// is sampled every `sample` on a grid that starts at the first mid (the
// last mid seen at or before each grid time; a grid time is sampled when
// the first mid after it arrives), the log returns r_i between consecutive
// samples kept for `window`, and
//   volatility = 100 x sqrt(mean(r_i^2) x window / sample),
// the variance of one sample interval scaled to the window, so a window not
// yet full gives a figure of the same scale. Grid times inside a gap take
// the last mid (zero returns); a gap longer than the window costs at most
// window / sample steps. Non-positive and non-finite mids are ignored.
// Not thread-safe.
class RealizedVolatility {
 public:
  // Requires 0 < sample <= window (ExecConfig::Validate checks it).
  RealizedVolatility(Duration window, Duration sample);
  // A mid at time t (non-decreasing t; an earlier t is ignored).
  void OnMid(UnixNanos t, double mid) noexcept;
  // nullopt until one return is known.
  std::optional<double> Percent() const noexcept;
  // The returns in the window (at most window / sample).
  std::size_t samples() const noexcept { return count_; }

 private:
  void Push(double r_sq) noexcept;  // one squared return into the ring

  Duration window_;
  Duration sample_;
  std::vector<double> returns_sq_;  // ring of window / sample squared returns
  std::size_t head_ = 0;
  std::size_t count_ = 0;
  double sum_sq_ = 0.0;
  UnixNanos next_grid_;       // the first grid time not yet sampled
  UnixNanos last_t_;          // the time of the newest mid seen
  double last_mid_ = 0.0;     // the newest mid seen
  double sampled_mid_ = 0.0;  // the mid at the last grid time
  bool started_ = false;
};

// The outcome of the last N maker attempts: a fill (any qty filled before
// the order left the book) or an expiry (canceled at its TTL with nothing
// filled). Not thread-safe.
class FillRateWindow {
 public:
  explicit FillRateWindow(std::size_t capacity);  // capacity >= 1
  void Record(bool filled) noexcept;
  // nullopt while empty.
  std::optional<double> Rate() const noexcept;
  std::size_t size() const noexcept { return size_; }

 private:
  std::vector<std::uint8_t> ring_;
  std::size_t head_ = 0;
  std::size_t size_ = 0;
  std::size_t filled_ = 0;
};

// The TTL of one instrument's maker orders: keeps the volatility and the
// fill rate, computes the TTL for the current spread and logs each change
// at info:
//   "TTL adjusted for BTCUSDT: 150ms -> 240ms (change: +60.0%)"
// and the factors at debug. Not thread-safe.
class AdaptiveTtl {
 public:
  AdaptiveTtl(AdaptiveTtlConfig config, std::string symbol, Logger logger = {});

  void OnMid(UnixNanos t, double mid) noexcept { volatility_.OnMid(t, mid); }
  void RecordAttempt(bool filled) noexcept { fill_rate_.Record(filled); }

  TtlFactors Factors(double spread_bps) const noexcept;
  // The TTL for a maker order posted now; logs when it differs from the
  // previous one.
  Duration Next(double spread_bps);
  // The last TTL Next returned (base before the first).
  Duration current() const noexcept { return current_; }

  const RealizedVolatility& volatility() const noexcept { return volatility_; }
  const FillRateWindow& fill_rate() const noexcept { return fill_rate_; }

 private:
  AdaptiveTtlConfig config_;
  std::string symbol_;
  Logger log_;
  RealizedVolatility volatility_;
  FillRateWindow fill_rate_;
  Duration current_;
};

// "TTL adjusted for BTCUSDT: 150ms -> 240ms (change: +60.0%)"
std::string FormatTtlChange(std::string_view symbol, Duration from, Duration to);

}  // namespace hean
