#include "hean/analytics/trade_flow.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "hean/analytics/format.h"
#include "hean/core/check.h"

namespace hean {
namespace {

using analytics_detail::FormatDouble;

Duration CheckedWindow(const TradeFlowConfig& c) {
  HEAN_CHECK(c.Validate().ok(), "invalid TradeFlowConfig (validate it before constructing)");
  return c.window;
}

}  // namespace

Status TradeFlowConfig::Validate() const {
  if (window <= Duration::Zero()) {
    return InvalidArgumentError("analytics.trade_flow.window: must be positive, got " + window.ToString());
  }
  if (!(sell_floor > 0.0) || !std::isfinite(sell_floor)) {
    return InvalidArgumentError("analytics.trade_flow.sell_floor: must be positive, got " + FormatDouble(sell_floor));
  }
  if (!(large_percentile > 0.0 && large_percentile < 1.0)) {
    return InvalidArgumentError("analytics.trade_flow.large_percentile: must be in (0, 1), got " +
                                FormatDouble(large_percentile));
  }
  if (large_count < 1) {
    return InvalidArgumentError("analytics.trade_flow.large_count: must be >= 1, got " + std::to_string(large_count));
  }
  if (min_trades_for_large < 1) {
    return InvalidArgumentError("analytics.trade_flow.min_trades_for_large: must be >= 1, got " +
                                std::to_string(min_trades_for_large));
  }
  return Status::Ok();
}

TradeFlow::TradeFlow(TradeFlowConfig config) : config_(config), window_(CheckedWindow(config), 1024) {
  sizes_.reserve(1024);
}

void TradeFlow::Drop(const Entry& e) {
  auto it = std::lower_bound(sizes_.begin(), sizes_.end(), e.qty);
  HEAN_DCHECK(it != sizes_.end() && *it == e.qty, "size missing from the sorted sizes");
  sizes_.erase(it);
  if (e.aggressor == AggressorSide::kBuyer) {
    buy_ -= e.qty;
    if (e.large) --large_buys_;
  } else if (e.aggressor == AggressorSide::kSeller) {
    sell_ -= e.qty;
    if (e.large) --large_sells_;
  }
}

void TradeFlow::Advance(UnixNanos now) {
  window_.Expire(now, [this](const Entry& e) { Drop(e); });
}

std::int64_t TradeFlow::Percentile() const noexcept {
  const std::size_t n = sizes_.size();
  HEAN_DCHECK(n != 0);
  const double r = std::ceil(config_.large_percentile * static_cast<double>(n) - 1e-9);
  std::size_t rank = r < 1.0 ? 1 : static_cast<std::size_t>(r);
  if (rank > n) rank = n;
  return sizes_[rank - 1];
}

bool TradeFlow::OnTrade(UnixNanos now, AggressorSide aggressor, Price price, Qty qty) {
  Advance(now);
  const std::int64_t q = qty.raw();
  sizes_.insert(std::upper_bound(sizes_.begin(), sizes_.end(), q), q);
  const bool known = aggressor == AggressorSide::kBuyer || aggressor == AggressorSide::kSeller;
  const bool large =
      known && sizes_.size() >= static_cast<std::size_t>(config_.min_trades_for_large) && q > Percentile();
  window_.Push(now, Entry{price, q, aggressor, large});
  if (aggressor == AggressorSide::kBuyer) {
    buy_ += q;
    if (large) ++large_buys_;
  } else if (aggressor == AggressorSide::kSeller) {
    sell_ += q;
    if (large) ++large_sells_;
  }
  return large;
}

double TradeFlow::flow_ratio() const noexcept { return buy_volume() / std::max(sell_volume(), config_.sell_floor); }

double TradeFlow::momentum() const noexcept {
  if (window_.empty()) return 0.0;
  const Price first = window_.front().value.price;
  if (!first.IsPositive()) return 0.0;
  // (last - first) / first: the difference is exact in fixed point.
  const Price last = window_.back().value.price;
  return static_cast<double>(last.raw() - first.raw()) / static_cast<double>(first.raw());
}

double TradeFlow::large_threshold() const noexcept {
  if (sizes_.size() < static_cast<std::size_t>(config_.min_trades_for_large)) return 0.0;
  return analytics_detail::ToUnits(Percentile());
}

}  // namespace hean
