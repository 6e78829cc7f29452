#include "hean/exec/adaptive_ttl.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <utility>

#include "hean/core/check.h"

namespace hean {

namespace {

constexpr std::int64_t kNanosPerMilli = 1'000'000;

// Whole milliseconds, half away from zero (67.5ms -> 68ms), without
// overflow.
std::int64_t RoundToMillis(std::int64_t ns) noexcept {
  std::int64_t q = ns / kNanosPerMilli;
  const std::int64_t r = ns % kNanosPerMilli;
  if (r >= kNanosPerMilli / 2) ++q;
  if (r <= -kNanosPerMilli / 2) --q;
  return q;
}

}  // namespace

// The edges are written as the header's table reads; a NaN (nothing known)
// gives the neutral factor 1.0.

double SpreadFactor(double spread_bps) noexcept {
  if (spread_bps > 20.0) return 2.0;
  if (spread_bps >= 10.0) return 1.5;
  if (spread_bps >= 5.0) return 1.2;
  return 1.0;
}

double VolatilityFactor(double volatility_pct) noexcept {
  if (std::isnan(volatility_pct)) return 1.0;
  if (volatility_pct > 2.0) return 0.5;
  if (volatility_pct >= 1.0) return 0.7;
  if (volatility_pct >= 0.5) return 1.0;
  return 1.2;
}

double FillRateFactor(double fill_rate) noexcept {
  if (std::isnan(fill_rate)) return 1.0;
  if (fill_rate > 0.8) return 0.9;
  if (fill_rate >= 0.6) return 1.0;
  if (fill_rate >= 0.4) return 1.2;
  return 1.5;
}

Duration ComputeTtl(const AdaptiveTtlConfig& config, const TtlFactors& f) noexcept {
  const std::int64_t lo = config.min_ttl.nanos();
  const std::int64_t hi = std::max(lo, config.max_ttl.nanos());
  // Clamped in double first so that no product overflows the conversion
  // (a NaN goes to min_ttl); the product is rounded to whole nanoseconds
  // before the millisecond rounding so that 67.5ms computed as
  // 67.49999999ms still rounds up.
  const double x = static_cast<double>(config.base.nanos()) * f.spread * f.volatility * f.fill_rate;
  if (!(x > static_cast<double>(lo))) return Duration::Nanos(lo);
  if (x >= static_cast<double>(hi)) return Duration::Nanos(hi);
  const std::int64_t ms = RoundToMillis(std::llround(x));
  if (ms > hi / kNanosPerMilli) return Duration::Nanos(hi);
  return Duration::Nanos(std::max(lo, ms * kNanosPerMilli));
}

RealizedVolatility::RealizedVolatility(Duration window, Duration sample) : window_(window), sample_(sample) {
  HEAN_CHECK(sample > Duration::Zero() && window >= sample, "volatility window and sample");
  returns_sq_.assign(static_cast<std::size_t>(window.nanos() / sample.nanos()), 0.0);
}

void RealizedVolatility::OnMid(UnixNanos t, double mid) noexcept {
  if (!(mid > 0.0) || !std::isfinite(mid)) return;
  if (!started_) {
    started_ = true;
    next_grid_ = t;
    last_t_ = t;
    last_mid_ = mid;
    return;
  }
  if (t < last_t_) return;
  if (next_grid_ < t) {
    // Every grid time in [next_grid_, t) takes last_mid_: the first gives
    // the return since the previous sample, the others zero returns, of
    // which more than the ring holds would only push out one another.
    const std::int64_t step = sample_.nanos();
    const std::int64_t grid_points = ((t - next_grid_).nanos() - 1) / step + 1;
    if (sampled_mid_ > 0.0) {
      const double r = std::log(last_mid_ / sampled_mid_);
      Push(r * r);
    }
    sampled_mid_ = last_mid_;
    const std::int64_t zeros = std::min<std::int64_t>(grid_points - 1, static_cast<std::int64_t>(returns_sq_.size()));
    for (std::int64_t i = 0; i < zeros; ++i) Push(0.0);
    next_grid_ += Duration::Nanos(grid_points * step);
  }
  last_t_ = t;
  last_mid_ = mid;
}

void RealizedVolatility::Push(double r_sq) noexcept {
  const std::size_t n = returns_sq_.size();
  if (count_ == n) {
    sum_sq_ -= returns_sq_[head_];
  } else {
    ++count_;
  }
  returns_sq_[head_] = r_sq;
  sum_sq_ += r_sq;
  if (++head_ == n) {
    head_ = 0;
    // Once per lap, the running sum is recomputed so that rounding from
    // the subtractions cannot build up over a long run.
    sum_sq_ = 0.0;
    for (double v : returns_sq_) sum_sq_ += v;
  }
}

std::optional<double> RealizedVolatility::Percent() const noexcept {
  if (count_ == 0) return std::nullopt;
  const double mean = std::max(sum_sq_, 0.0) / static_cast<double>(count_);
  const double intervals = static_cast<double>(window_.nanos()) / static_cast<double>(sample_.nanos());
  return 100.0 * std::sqrt(mean * intervals);
}

FillRateWindow::FillRateWindow(std::size_t capacity) : ring_(capacity, 0) {
  HEAN_CHECK(capacity >= 1, "fill-rate window capacity");
}

void FillRateWindow::Record(bool filled) noexcept {
  if (size_ == ring_.size()) {
    filled_ -= ring_[head_];
  } else {
    ++size_;
  }
  ring_[head_] = filled ? 1 : 0;
  filled_ += ring_[head_];
  if (++head_ == ring_.size()) head_ = 0;
}

std::optional<double> FillRateWindow::Rate() const noexcept {
  if (size_ == 0) return std::nullopt;
  return static_cast<double>(filled_) / static_cast<double>(size_);
}

AdaptiveTtl::AdaptiveTtl(AdaptiveTtlConfig config, std::string symbol, Logger logger)
    : config_(std::move(config)),
      symbol_(std::move(symbol)),
      log_(logger),
      volatility_(config_.volatility_window, config_.volatility_sample),
      fill_rate_(config_.fill_rate_window),
      current_(config_.base) {}

TtlFactors AdaptiveTtl::Factors(double spread_bps) const noexcept {
  TtlFactors f;
  f.spread = SpreadFactor(spread_bps);
  if (const std::optional<double> v = volatility_.Percent()) f.volatility = VolatilityFactor(*v);
  if (const std::optional<double> r = fill_rate_.Rate()) f.fill_rate = FillRateFactor(*r);
  return f;
}

Duration AdaptiveTtl::Next(double spread_bps) {
  const TtlFactors f = Factors(spread_bps);
  const Duration ttl = ComputeTtl(config_, f);
  if (log_.Enabled(LogLevel::kDebug)) {
    const std::optional<double> v = volatility_.Percent();
    const std::optional<double> r = fill_rate_.Rate();
    const std::string vol = v ? fmt::format("{:.2f}%", *v) : std::string("n/a");
    const std::string rate =
        r ? fmt::format("{:.0f}% ({}/{})", *r * 100.0, std::llround(*r * static_cast<double>(fill_rate_.size())),
                        fill_rate_.size())
          : std::string("n/a");
    log_.Debug("TTL factors for {}: spread {:.2f}bps x{:.1f}, volatility {} x{:.1f}, fill rate {} x{:.1f} -> {}ms",
               symbol_, spread_bps, f.spread, vol, f.volatility, rate, f.fill_rate, ttl.millis());
  }
  if (ttl != current_) {
    log_.Info("{}", FormatTtlChange(symbol_, current_, ttl));
    current_ = ttl;
  }
  return ttl;
}

std::string FormatTtlChange(std::string_view symbol, Duration from, Duration to) {
  const auto ms = [](Duration d) { return RoundToMillis(d.nanos()); };
  if (from.nanos() == 0) {
    return fmt::format("TTL adjusted for {}: {}ms -> {}ms (change: n/a)", symbol, ms(from), ms(to));
  }
  const double change =
      100.0 * (static_cast<double>(to.nanos()) - static_cast<double>(from.nanos())) / static_cast<double>(from.nanos());
  return fmt::format("TTL adjusted for {}: {}ms -> {}ms (change: {:+.1f}%)", symbol, ms(from), ms(to), change);
}

}  // namespace hean
