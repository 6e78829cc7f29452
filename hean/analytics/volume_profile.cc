#include "hean/analytics/volume_profile.h"

#include <algorithm>
#include <string>

#include "hean/analytics/format.h"
#include "hean/core/check.h"

namespace hean {
namespace {

using analytics_detail::FloorDiv;
using analytics_detail::FormatDouble;
using analytics_detail::ToUnits;

// Twice the distance, in ticks, from the centre of bucket `index` to the mid
// whose doubled tick is `mid2` (doubling keeps half ticks integral).
std::int64_t Distance2(std::int64_t index, std::int64_t bucket_ticks, std::int64_t mid2) noexcept {
  const std::int64_t centre2 = 2 * index * bucket_ticks + (bucket_ticks - 1);
  return centre2 >= mid2 ? centre2 - mid2 : mid2 - centre2;
}

// Least-squares slope of cumulative size against the distance in ticks from
// the best level (levels[0]); the size itself for one level.
double Gradient(const BookLevel* levels, std::size_t n, std::int64_t tick) noexcept {
  if (n == 1) return levels[0].qty.ToDouble();
  const std::int64_t best = levels[0].price.raw();
  double sx = 0;
  double sy = 0;
  double cum = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const std::int64_t d = levels[i].price.raw() - best;
    sx += static_cast<double>((d < 0 ? -d : d) / tick);
    cum += levels[i].qty.ToDouble();
    sy += cum;
  }
  const double mx = sx / static_cast<double>(n);
  const double my = sy / static_cast<double>(n);
  double sxy = 0;
  double sxx = 0;
  cum = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const std::int64_t d = levels[i].price.raw() - best;
    const double x = static_cast<double>((d < 0 ? -d : d) / tick) - mx;
    cum += levels[i].qty.ToDouble();
    sxy += x * (cum - my);
    sxx += x * x;
  }
  // Levels are at distinct prices, so sxx > 0 with two or more.
  return sxy / sxx;
}

}  // namespace

Status VolumeProfileConfig::Validate() const {
  if (bucket_ticks < 1) {
    return InvalidArgumentError("analytics.volume_profile.bucket_ticks: must be >= 1, got " +
                                std::to_string(bucket_ticks));
  }
  if (levels < 1) {
    return InvalidArgumentError("analytics.volume_profile.levels: must be >= 1, got " + std::to_string(levels));
  }
  if (!(value_area > 0.0 && value_area <= 1.0)) {
    return InvalidArgumentError("analytics.volume_profile.value_area: must be in (0, 1], got " +
                                FormatDouble(value_area));
  }
  return Status::Ok();
}

BookVolumeProfile::BookVolumeProfile(VolumeProfileConfig config) : config_(config) {
  HEAN_CHECK(config_.Validate().ok(), "invalid VolumeProfileConfig (validate it before constructing)");
  const auto n = static_cast<std::size_t>(config_.levels);
  bids_.resize(n);
  asks_.resize(n);
  buckets_.reserve(2 * n);
}

bool BookVolumeProfile::Compute(const OrderBook& book, BookProfile& out) {
  out = BookProfile{};
  const auto n = static_cast<std::size_t>(config_.levels);
  const std::size_t nb = book.Depth(Side::kBuy, n, bids_.data());
  const std::size_t na = book.Depth(Side::kSell, n, asks_.data());
  if (nb == 0 || na == 0) return false;
  const std::int64_t tick = book.tick_size().raw();
  const std::int64_t k = config_.bucket_ticks;
  const std::int64_t bid_tick = FloorDiv(bids_[0].price.raw(), tick);
  const std::int64_t ask_tick = FloorDiv(asks_[0].price.raw(), tick);
  if (bid_tick >= ask_tick) return false;  // crossed: the ladder below is not ordered
  const std::int64_t mid2 = bid_tick + ask_tick;

  // Bids from the deepest up, then asks from the best out: ascending ticks,
  // so equal buckets are adjacent.
  buckets_.clear();
  Int128 total = 0;
  const auto add = [&](const BookLevel& l) {
    const std::int64_t index = FloorDiv(FloorDiv(l.price.raw(), tick), k);
    if (!buckets_.empty() && buckets_.back().index == index) {
      buckets_.back().volume += l.qty.raw();
    } else {
      buckets_.push_back(Bucket{index, l.qty.raw()});
    }
    total += l.qty.raw();
  };
  for (std::size_t i = nb; i-- > 0;) add(bids_[i]);
  for (std::size_t i = 0; i < na; ++i) add(asks_[i]);

  // VPOC: most volume; ties nearer the mid, then lower (ascending scan keeps
  // the first of equals).
  std::size_t poc = 0;
  for (std::size_t i = 1; i < buckets_.size(); ++i) {
    const Bucket& b = buckets_[i];
    const Bucket& best = buckets_[poc];
    if (b.volume > best.volume ||
        (b.volume == best.volume && Distance2(b.index, k, mid2) < Distance2(best.index, k, mid2))) {
      poc = i;
    }
  }

  // Value area.
  const double target = config_.value_area * ToUnits(total) * (1.0 - 1e-12);
  std::size_t lo = poc;
  std::size_t hi = poc;
  Int128 area = buckets_[poc].volume;
  while (ToUnits(area) < target) {
    const bool can_down = lo > 0;
    const bool can_up = hi + 1 < buckets_.size();
    if (!can_down && !can_up) break;
    bool take_up;
    if (!can_down) {
      take_up = true;
    } else if (!can_up) {
      take_up = false;
    } else {
      const Bucket& below = buckets_[lo - 1];
      const Bucket& above = buckets_[hi + 1];
      if (above.volume != below.volume) {
        take_up = above.volume > below.volume;
      } else {
        take_up = Distance2(above.index, k, mid2) < Distance2(below.index, k, mid2);
      }
    }
    if (take_up) {
      area += buckets_[++hi].volume;
    } else {
      area += buckets_[--lo].volume;
    }
  }

  out.valid = true;
  out.vpoc = Price::FromRaw(buckets_[poc].index * k * tick);
  out.vpoc_volume = ToUnits(buckets_[poc].volume);
  out.value_area_low = Price::FromRaw(buckets_[lo].index * k * tick);
  out.value_area_high = Price::FromRaw((buckets_[hi].index * k + (k - 1)) * tick);
  out.total_volume = ToUnits(total);
  out.buy_gradient = Gradient(bids_.data(), nb, tick);
  out.sell_gradient = Gradient(asks_.data(), na, tick);
  out.pressure_imbalance = out.buy_gradient / std::max(out.sell_gradient, 1e-12);
  return true;
}

Status TradedProfileConfig::Validate() const {
  if (window <= Duration::Zero()) {
    return InvalidArgumentError("analytics.traded_profile.window: must be positive, got " + window.ToString());
  }
  if (bucket_ticks < 1) {
    return InvalidArgumentError("analytics.traded_profile.bucket_ticks: must be >= 1, got " +
                                std::to_string(bucket_ticks));
  }
  return Status::Ok();
}

namespace {
Duration CheckedWindow(Price tick_size, const TradedProfileConfig& c) {
  HEAN_CHECK(tick_size.IsPositive(), "TradedVolumeProfile tick_size must be positive");
  HEAN_CHECK(c.Validate().ok(), "invalid TradedProfileConfig (validate it before constructing)");
  return c.window;
}
}  // namespace

TradedVolumeProfile::TradedVolumeProfile(Price tick_size, TradedProfileConfig config)
    : tick_size_(tick_size), config_(config), window_(CheckedWindow(tick_size, config), 1024) {
  buckets_.reserve(256);
}

std::int64_t TradedVolumeProfile::IndexOf(Price price) const noexcept {
  return FloorDiv(FloorDiv(price.raw(), tick_size_.raw()), config_.bucket_ticks);
}

void TradedVolumeProfile::AddToBucket(std::int64_t index, std::int64_t qty) {
  auto it = std::lower_bound(buckets_.begin(), buckets_.end(), index,
                             [](const Bucket& b, std::int64_t i) { return b.index < i; });
  if (it != buckets_.end() && it->index == index) {
    it->volume += qty;
    if (it->volume <= 0) buckets_.erase(it);
  } else {
    HEAN_DCHECK(qty > 0, "removing volume from a bucket that is not there");
    buckets_.insert(it, Bucket{index, qty});
  }
  total_ += qty;
}

void TradedVolumeProfile::Advance(UnixNanos now) {
  window_.Expire(now, [this](const Entry& e) { AddToBucket(e.index, -e.qty); });
}

void TradedVolumeProfile::OnTrade(UnixNanos now, Price price, Qty qty) {
  Advance(now);
  if (!qty.IsPositive()) return;
  const std::int64_t index = IndexOf(price);
  window_.Push(now, Entry{index, qty.raw()});
  AddToBucket(index, qty.raw());
}

double TradedVolumeProfile::VolumeAt(Price price) const noexcept {
  const std::int64_t index = IndexOf(price);
  auto it = std::lower_bound(buckets_.begin(), buckets_.end(), index,
                             [](const Bucket& b, std::int64_t i) { return b.index < i; });
  if (it == buckets_.end() || it->index != index) return 0.0;
  return ToUnits(it->volume);
}

std::optional<Price> TradedVolumeProfile::Vpoc() const noexcept {
  if (buckets_.empty()) return std::nullopt;
  std::size_t best = 0;
  for (std::size_t i = 1; i < buckets_.size(); ++i) {
    if (buckets_[i].volume > buckets_[best].volume) best = i;
  }
  return BucketLow(buckets_[best].index);
}

}  // namespace hean
