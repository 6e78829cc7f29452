#include "hean/exec/volume_profile.h"

#include <cmath>
#include <cstdint>

namespace hean {
namespace {

constexpr std::int64_t kNanosPerMinute = 60'000'000'000;
constexpr std::int64_t kNanosPerDay = kNanosPerMinute * VolumeProfile::kMinutesPerDay;

// Division rounding toward -infinity (times before 1970 still land on the
// right minute).
constexpr std::int64_t FloorDiv(std::int64_t a, std::int64_t b) noexcept {
  std::int64_t q = a / b;
  if (a % b != 0 && a < 0) --q;
  return q;
}

constexpr int MinuteOfDay(std::int64_t nanos) noexcept {
  const std::int64_t m = FloorDiv(nanos, kNanosPerMinute) % VolumeProfile::kMinutesPerDay;
  return static_cast<int>(m < 0 ? m + VolumeProfile::kMinutesPerDay : m);
}

}  // namespace

void VolumeProfile::Add(const Bar& bar) noexcept {
  const UnixNanos start = bar.open_time.IsZero() ? bar.ts_event - bar.interval : bar.open_time;
  const double volume = bar.volume.ToDouble();
  const std::int64_t minutes = bar.interval.nanos() / kNanosPerMinute;
  if (minutes <= 1) {
    AddVolume(start, volume);
    return;
  }
  const double each = volume / static_cast<double>(minutes);
  for (std::int64_t i = 0; i < minutes; ++i) AddVolume(start + Duration::Minutes(i), each);
}

void VolumeProfile::Add(const Trade& trade) noexcept { AddVolume(trade.ts_event, trade.qty.ToDouble()); }

void VolumeProfile::AddVolume(UnixNanos t, double volume) noexcept {
  if (!std::isfinite(volume) || volume < 0) return;
  const int m = MinuteOfDay(t.nanos());
  const std::int64_t day_plus_one = FloorDiv(t.nanos(), kNanosPerDay) + 1;
  volume_[m] += volume;
  if (last_day_[m] != day_plus_one) {
    last_day_[m] = day_plus_one;
    ++days_[m];
    ++minutes_seen_;
  }
}

double VolumeProfile::At(UnixNanos t) const noexcept {
  const int m = MinuteOfDay(t.nanos());
  return days_[m] == 0 ? 0.0 : volume_[m] / static_cast<double>(days_[m]);
}

double VolumeProfile::Between(UnixNanos from, UnixNanos to) const noexcept {
  if (to <= from) return 0.0;
  double sum = 0.0;
  // Any 24 hours hold every minute of the day once (a partial first minute
  // and the same partial last minute make one whole).
  const std::int64_t whole_days = (to - from).nanos() / kNanosPerDay;
  if (whole_days > 0) {
    double day = 0.0;
    for (int m = 0; m < kMinutesPerDay; ++m) {
      if (days_[m] != 0) day += volume_[m] / static_cast<double>(days_[m]);
    }
    sum += day * static_cast<double>(whole_days);
    from += Duration::Nanos(whole_days * kNanosPerDay);
  }
  while (from < to) {
    const std::int64_t minute_end = (FloorDiv(from.nanos(), kNanosPerMinute) + 1) * kNanosPerMinute;
    const UnixNanos end = minute_end < to.nanos() ? UnixNanos::FromNanos(minute_end) : to;
    const double part = static_cast<double>((end - from).nanos()) / static_cast<double>(kNanosPerMinute);
    sum += At(from) * part;
    from = end;
  }
  return sum;
}

}  // namespace hean
