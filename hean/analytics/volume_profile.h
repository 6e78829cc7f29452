// Volume profiles: resting volume by price in the book (BookVolumeProfile)
// and traded volume by price over a rolling window (TradedVolumeProfile).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "hean/analytics/format.h"
#include "hean/analytics/time_window.h"
#include "hean/book/order_book.h"
#include "hean/core/decimal.h"
#include "hean/core/status.h"
#include "hean/core/time.h"

namespace hean {

struct VolumeProfileConfig {
  int bucket_ticks = 1;      // analytics.volume_profile.bucket_ticks (>= 1): bucket width in ticks
  int levels = 20;           // analytics.volume_profile.levels (>= 1): first N levels of each side
  double value_area = 0.70;  // analytics.volume_profile.value_area, in (0, 1]

  // InvalidArgumentError naming the key and the bad value.
  [[nodiscard]] Status Validate() const;
};

// The result of BookVolumeProfile::Compute. Prices are bucket bounds on the
// book's tick grid; volumes are in base-asset units.
struct BookProfile {
  bool valid = false;  // false when a side is empty or the book is crossed
  Price vpoc;          // lowest price of the bucket with most resting volume
  double vpoc_volume = 0;
  Price value_area_low;   // lowest price of the lowest bucket in the value area
  Price value_area_high;  // highest price of the highest bucket's range (bucket low + (bucket_ticks-1) ticks)
  double total_volume = 0;
  double buy_gradient = 0;        // bids: least-squares slope of cumulative size vs ticks from the best
  double sell_gradient = 0;       // asks: likewise
  double pressure_imbalance = 0;  // buy_gradient / max(sell_gradient, 1e-12)
};

// Resting volume per price bucket over the first `levels` levels of both
// sides of a book. Buckets are price-aligned: bucket = floor(tick /
// bucket_ticks), where tick = price / tick_size.
//
// Rules (decided; see volume_profile_test.cc):
//  * Distance of a bucket to the mid is measured from the bucket's centre
//    (low tick + (bucket_ticks - 1) / 2) to (best bid + best ask) / 2.
//  * VPOC: the bucket with the most volume; ties go to the bucket nearer the
//    mid, then to the lower one.
//  * Value area: start at the VPOC bucket and repeatedly add the neighbour
//    with more volume, above or below the current area, until the area holds
//    >= value_area of the total (within a relative 1e-12, so that 0.7 x 100
//    counts as 70). Neighbours are the nearest non-empty buckets: empty
//    buckets (the spread, gaps in the ladder) hold nothing and are spanned,
//    not compared. Ties go to the neighbour nearer the mid, and to the one
//    below when both are as near.
//  * Pressure gradient per side: the least-squares slope of the cumulative
//    size (through level i) against the level's distance from the best price
//    in ticks, over the side's levels used. Cumulative size only grows, so
//    the slope is the average resting size per tick of depth (>= 0); the
//    slope of raw level sizes changes sign and a ratio of two of them means
//    nothing. With one level the gradient is that level's size.
//  * The book's validity flag is the caller's to check: only empty sides and
//    a crossed book make the profile invalid.
//
// Volumes are summed exactly in units of 1e-9, so ties are exact.
//
// Not thread-safe: one engine thread.
class BookVolumeProfile {
 public:
  // `config` must be valid (checked). Allocates the scratch buffers.
  explicit BookVolumeProfile(VolumeProfileConfig config);

  // Recomputes `out` from the book; returns out.valid. Allocates nothing.
  bool Compute(const OrderBook& book, BookProfile& out);
  const VolumeProfileConfig& config() const noexcept { return config_; }

 private:
  struct Bucket {
    std::int64_t index;  // floor(tick / bucket_ticks)
    Int128 volume;       // units of 1e-9
  };

  VolumeProfileConfig config_;
  std::vector<BookLevel> bids_;  // scratch: the first `levels` bids, best first
  std::vector<BookLevel> asks_;
  std::vector<Bucket> buckets_;  // scratch: non-empty buckets, ascending
};

struct TradedProfileConfig {
  Duration window = Duration::Minutes(5);  // analytics.traded_profile.window (> 0)
  int bucket_ticks = 1;                    // analytics.traded_profile.bucket_ticks (>= 1)

  // InvalidArgumentError naming the key and the bad value.
  [[nodiscard]] Status Validate() const;
};

// Traded volume by price bucket from the trades of a rolling time window
// (now - window, now], for VWAP execution and features: VolumeAt(price), the
// VPOC, the total, and ForEach over buckets in ascending price. Buckets are
// price-aligned as in BookVolumeProfile: floor(floor(price / tick) /
// bucket_ticks).
//
// Non-empty buckets sit in a sorted vector (binary search, memmove on insert
// and erase) that grows rarely and never shrinks, so an outlier print far
// from the market costs one entry, not a dense range; the trades of the
// window sit in a TimeWindow. Volumes are exact (units of 1e-9), so a bucket
// whose trades all expired is removed, and the total returns to exactly 0.
// Trades with a non-positive qty are ignored.
//
// Not thread-safe: one engine thread.
class TradedVolumeProfile {
 public:
  // `tick_size` must be positive and `config` valid (checked).
  TradedVolumeProfile(Price tick_size, TradedProfileConfig config);

  // Expires old trades, then adds this one.
  void OnTrade(UnixNanos now, Price price, Qty qty);
  // Expires old trades.
  void Advance(UnixNanos now);

  // Volume of the bucket holding `price`, in base-asset units.
  double VolumeAt(Price price) const noexcept;
  // Low price of the bucket with the most volume (ties: the lower);
  // nullopt when the window is empty.
  std::optional<Price> Vpoc() const noexcept;
  // Total volume in the window, in base-asset units.
  double total() const noexcept { return analytics_detail::ToUnits(total_); }
  // Number of non-empty buckets.
  std::size_t buckets() const noexcept { return buckets_.size(); }
  // Calls f(Price bucket_low, double volume) for each non-empty bucket in
  // ascending price.
  template <class F>
  void ForEach(F&& f) const {
    for (const Bucket& b : buckets_) f(BucketLow(b.index), analytics_detail::ToUnits(b.volume));
  }

  Price tick_size() const noexcept { return tick_size_; }
  const TradedProfileConfig& config() const noexcept { return config_; }

 private:
  struct Bucket {
    std::int64_t index;
    Int128 volume;  // units of 1e-9
  };
  struct Entry {
    std::int64_t index;  // bucket
    std::int64_t qty;    // raw
  };

  std::int64_t IndexOf(Price price) const noexcept;
  Price BucketLow(std::int64_t index) const noexcept {
    return Price::FromRaw(index * config_.bucket_ticks * tick_size_.raw());
  }
  void AddToBucket(std::int64_t index, std::int64_t qty);

  Price tick_size_;
  TradedProfileConfig config_;
  TimeWindow<Entry> window_;
  std::vector<Bucket> buckets_;  // ascending index, volume > 0
  Int128 total_ = 0;
};

}  // namespace hean
