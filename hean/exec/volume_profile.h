// VolumeProfile: the average traded volume per minute of the (UTC) day,
// from 1-minute candles or recorded trades, for VWAP schedules. Volumes
// are doubles: a profile only weighs slices, it never sizes an order by
// itself. Data is expected in time order (a minute's days are counted by
// remembering the last day seen at it). Not thread-safe.
#pragma once

#include <array>
#include <cstdint>

#include "hean/core/time.h"
#include "hean/model/events.h"

namespace hean {

class VolumeProfile {
 public:
  static constexpr int kMinutesPerDay = 1440;

  // A candle: its volume goes to the minutes it covers (evenly over its
  // whole minutes when it spans more than one; open_time, or ts_event -
  // interval when open_time is unset, is its start). A candle of a minute
  // or less goes to the minute it starts in.
  void Add(const Bar& bar) noexcept;
  // A trade: its qty goes to the minute of its ts_event.
  void Add(const Trade& trade) noexcept;
  // Adds `volume` to the minute of day of `t` (which then counts as seen
  // on t's day, even for a volume of 0). A negative or non-finite volume
  // is ignored.
  void AddVolume(UnixNanos t, double volume) noexcept;

  // The average volume per day at the minute of day of `t`: the volume
  // seen at that minute divided by the number of distinct days seen at it
  // (0 when never seen).
  double At(UnixNanos t) const noexcept;
  // The sum of At over [from, to), minute by minute (a partial first or
  // last minute counts in proportion).
  double Between(UnixNanos from, UnixNanos to) const noexcept;

  bool empty() const noexcept { return minutes_seen_ == 0; }
  std::uint64_t minutes_seen() const noexcept { return minutes_seen_; }  // distinct (day, minute) pairs

 private:
  std::array<double, kMinutesPerDay> volume_{};
  std::array<std::uint32_t, kMinutesPerDay> days_{};     // distinct days seen per minute
  std::array<std::int64_t, kMinutesPerDay> last_day_{};  // the day last counted per minute (+1; 0 = none)
  std::uint64_t minutes_seen_ = 0;
};

}  // namespace hean
