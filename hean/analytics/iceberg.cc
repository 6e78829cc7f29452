#include "hean/analytics/iceberg.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

#include "hean/analytics/format.h"
#include "hean/core/check.h"

namespace hean {
namespace {

using analytics_detail::FormatDouble;
using analytics_detail::ToUnits;

Qty ClampToQty(Int128 raw) noexcept {
  const Int128 max = Qty::Max().raw();
  return Qty::FromRaw(static_cast<std::int64_t>(raw > max ? max : raw));
}

// Scores within this of report_score count as reaching it (0.3 + 0.4 is not
// exactly 0.7 in binary).
constexpr double kScoreEpsilon = 1e-9;

}  // namespace

Status IcebergConfig::Validate() const {
  if (max_levels < 1) {
    return InvalidArgumentError("analytics.iceberg.max_levels: must be >= 1, got " + std::to_string(max_levels));
  }
  if (level_timeout <= Duration::Zero()) {
    return InvalidArgumentError("analytics.iceberg.level_timeout: must be positive, got " + level_timeout.ToString());
  }
  if (!(refill_tolerance >= 0.0 && refill_tolerance < 1.0)) {
    return InvalidArgumentError("analytics.iceberg.refill_tolerance: must be in [0, 1), got " +
                                FormatDouble(refill_tolerance));
  }
  if (min_replenishments < 1) {
    return InvalidArgumentError("analytics.iceberg.min_replenishments: must be >= 1, got " +
                                std::to_string(min_replenishments));
  }
  if (!(absorption_target > 0.0) || !std::isfinite(absorption_target)) {
    return InvalidArgumentError("analytics.iceberg.absorption_target: must be positive, got " +
                                FormatDouble(absorption_target));
  }
  if (!(consistency_cv > 0.0) || !std::isfinite(consistency_cv)) {
    return InvalidArgumentError("analytics.iceberg.consistency_cv: must be positive, got " +
                                FormatDouble(consistency_cv));
  }
  if (depth_ticks < 0) {
    return InvalidArgumentError("analytics.iceberg.depth_ticks: must be >= 0, got " + std::to_string(depth_ticks));
  }
  if (!(report_score > 0.0 && report_score <= 1.0)) {
    return InvalidArgumentError("analytics.iceberg.report_score: must be in (0, 1], got " + FormatDouble(report_score));
  }
  return Status::Ok();
}

IcebergDetector::IcebergDetector(InstrumentId instrument, IcebergConfig config)
    : instrument_(instrument), config_(config) {
  HEAN_CHECK(config_.Validate().ok(), "invalid IcebergConfig (validate it before constructing)");
  keys_.resize(static_cast<std::size_t>(config_.max_levels));
  levels_.resize(keys_.size());
}

std::size_t IcebergDetector::Find(Side side, Price price) const noexcept {
  const std::int64_t p = price.raw();
  for (std::size_t i = 0; i < keys_.size(); ++i) {
    const Key& k = keys_[i];
    if (k.used && k.price == p && k.side == side) return i;
  }
  return kNone;
}

std::size_t IcebergDetector::Acquire(UnixNanos now, Side side, Price price) noexcept {
  return Acquire(now, side, price, Find(side, price));
}

std::size_t IcebergDetector::Acquire(UnixNanos now, Side side, Price price, std::size_t i) noexcept {
  if (i != kNone) {
    if (now - levels_[i].last_active >= config_.level_timeout) levels_[i] = Level{};
    return i;
  }
  // A free slot, else the least recently active level without traded volume
  // (cheap to learn again), else the least recently active level.
  std::size_t untraded = kNone;
  std::size_t any = kNone;
  for (std::size_t j = 0; j < keys_.size(); ++j) {
    if (!keys_[j].used) {
      i = j;
      break;
    }
    const Level& l = levels_[j];
    if (any == kNone || l.last_active < levels_[any].last_active) any = j;
    if (l.traded == 0 && (untraded == kNone || l.last_active < levels_[untraded].last_active)) untraded = j;
  }
  if (i == kNone) i = untraded != kNone ? untraded : any;
  keys_[i] = Key{price.raw(), side, true};
  levels_[i] = Level{};
  return i;
}

void IcebergDetector::TryRefill(Level& l) noexcept {
  const auto qty = static_cast<double>(l.displayed.raw());
  const bool back_up = qty >= (1.0 - config_.refill_tolerance) * static_cast<double>(l.reference.raw());
  const bool above_traded_down = static_cast<Int128>(l.displayed.raw()) > l.reference.raw() - l.cycle_traded;
  if (!back_up || !above_traded_down) return;
  l.pending = false;
  l.cycle_traded = 0;
  ++l.replenishments;
  const double x = l.displayed.ToDouble();
  const double delta = x - l.refill_mean;
  l.refill_mean += delta / l.replenishments;
  l.refill_m2 += delta * (x - l.refill_mean);
  l.update_refilled = true;
}

void IcebergDetector::UpdateScore(Level& l) const noexcept {
  const double repl = std::min(static_cast<double>(l.replenishments) / config_.min_replenishments, 1.0);
  double absorption = 0.0;
  if (l.trade_downs > 0 && l.reference_sum > 0) {
    absorption = ToUnits(l.traded) / (ToUnits(l.reference_sum) / l.trade_downs);
  }
  const double absorb = std::min(absorption / config_.absorption_target, 1.0);
  bool consistent = false;
  if (l.replenishments >= 2) {
    const double sd = std::sqrt(l.refill_m2 / l.replenishments);
    consistent = sd < config_.consistency_cv * l.refill_mean;
  }
  l.score = 0.3 * repl + 0.4 * absorb + (consistent ? 0.3 : 0.0);
}

std::optional<IcebergDetected> IcebergDetector::OnLevel(UnixNanos now, Side side, Price price, Qty qty) {
  std::size_t i = Find(side, price);
  if (i == kNone && !qty.IsPositive()) return std::nullopt;  // nothing to learn from a removal
  i = Acquire(now, side, price, i);
  Level& l = levels_[i];
  l.prev_known = l.known;
  l.prev_displayed = l.displayed;
  l.displayed = qty;
  l.known = true;
  l.last_update = now;
  l.last_active = now;
  l.update_refilled = false;
  if (l.pending) {
    TryRefill(l);
    UpdateScore(l);
  }
  if (l.score + kScoreEpsilon < config_.report_score) return std::nullopt;
  if (l.reported_at >= 0 && l.replenishments <= l.reported_at) return std::nullopt;
  l.reported_at = l.replenishments;
  IcebergDetected e;
  e.ts_event = now;
  e.ts_recv = now;
  e.instrument = instrument_;
  e.side = side;
  e.price = price;
  e.absorbed = ClampToQty(l.traded);
  e.replenishments = static_cast<std::uint32_t>(l.replenishments);
  e.confidence = l.score;
  return e;
}

void IcebergDetector::OnTrade(UnixNanos now, AggressorSide aggressor, Price price, Qty qty) {
  if (!qty.IsPositive()) return;
  Side side;
  if (aggressor == AggressorSide::kSeller) {
    side = Side::kBuy;  // a sell hits the bids
  } else if (aggressor == AggressorSide::kBuyer) {
    side = Side::kSell;  // a buy lifts the asks
  } else {
    return;
  }
  Level& l = levels_[Acquire(now, side, price)];
  l.last_active = now;
  bool recheck = false;
  if (!l.pending) {
    // A book update of this level at the same time that did not raise it
    // (and did not complete a refill) is taken as the result of this trade.
    const bool update_first =
        l.known && l.prev_known && l.last_update == now && !l.update_refilled && l.displayed <= l.prev_displayed;
    const Qty reference = update_first ? l.prev_displayed : (l.known ? l.displayed : Qty());
    if (reference.IsPositive()) {
      l.pending = true;
      l.reference = reference;
      l.cycle_traded = 0;
      l.reference_sum += reference.raw();
      ++l.trade_downs;
      recheck = update_first;
    }
  }
  l.traded += qty.raw();
  if (l.pending) l.cycle_traded += qty.raw();
  if (recheck) TryRefill(l);
  UpdateScore(l);
}

void IcebergDetector::Advance(UnixNanos now) {
  for (std::size_t i = 0; i < keys_.size(); ++i) {
    if (keys_[i].used && now - levels_[i].last_active >= config_.level_timeout) keys_[i].used = false;
  }
}

void IcebergDetector::Reset() noexcept {
  for (Key& k : keys_) k.used = false;
}

std::size_t IcebergDetector::tracked() const noexcept {
  return static_cast<std::size_t>(std::count_if(keys_.begin(), keys_.end(), [](const Key& k) { return k.used; }));
}

std::optional<IcebergDetector::Candidate> IcebergDetector::Strongest() const noexcept {
  std::size_t best = kNone;
  for (std::size_t i = 0; i < keys_.size(); ++i) {
    if (!keys_[i].used || !(levels_[i].score > 0.0)) continue;
    if (best == kNone || levels_[i].score > levels_[best].score) best = i;
  }
  if (best == kNone) return std::nullopt;
  const Level& l = levels_[best];
  return Candidate{keys_[best].side, Price::FromRaw(keys_[best].price), l.score, ToUnits(l.traded), l.replenishments};
}

}  // namespace hean
