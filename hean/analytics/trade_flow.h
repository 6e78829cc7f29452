// Aggressive trade flow over a rolling window, with a large-trade ("whale")
// rule.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "hean/analytics/format.h"
#include "hean/analytics/time_window.h"
#include "hean/core/decimal.h"
#include "hean/core/status.h"
#include "hean/core/time.h"
#include "hean/model/types.h"

namespace hean {

struct TradeFlowConfig {
  Duration window = Duration::Seconds(10);  // analytics.trade_flow.window (> 0)
  double sell_floor = 1e-9;                 // analytics.trade_flow.sell_floor (> 0): flow ratio denominator floor
  double large_percentile = 0.95;           // analytics.trade_flow.large_percentile, in (0, 1)
  int large_count = 3;            // analytics.trade_flow.large_count (>= 1): large buys (sells) that make a large buyer
  int min_trades_for_large = 20;  // analytics.trade_flow.min_trades_for_large (>= 1): fewer trades, no trade is large

  // InvalidArgumentError naming the key and the bad value.
  [[nodiscard]] Status Validate() const;
};

// Trade flow over a rolling window (now - window, now]: aggressive buy and
// sell volume, flow ratio = buy / max(sell, sell_floor), and momentum = last
// price / first price in the window - 1.
//
// A trade is large when, on arrival, the window (including it) holds at least
// min_trades_for_large trades and its size is strictly above the
// large_percentile of the window's sizes. The percentile is nearest-rank: the
// value at 1-based rank ceil(p * n) of the ascending sizes (p * n is taken
// less 1e-9 before the ceiling, so that 0.95 x 20 is rank 19 however the
// product rounds). A trade's "large" mark is fixed on arrival and leaves with
// it. large_buyer() when the window holds >= large_count large buys
// (large_seller() likewise).
//
// Trades with an unknown aggressor count in neither side's volume nor as
// large, but do count for momentum and the percentile.
//
// The window's sizes sit in a sorted vector (binary search, memmove on insert
// and erase), so the percentile is one index; buffers are preallocated and
// grow rarely. Volumes are summed exactly (units of 1e-9).
//
// Not thread-safe: one engine thread.
class TradeFlow {
 public:
  // `config` must be valid (checked).
  explicit TradeFlow(TradeFlowConfig config);

  // Expires old trades, then adds this one. Returns true when this trade was
  // classified large (never for an unknown aggressor).
  bool OnTrade(UnixNanos now, AggressorSide aggressor, Price price, Qty qty);
  // Expires old trades.
  void Advance(UnixNanos now);

  // Aggressive volumes in the window, base-asset units.
  double buy_volume() const noexcept { return analytics_detail::ToUnits(buy_); }
  double sell_volume() const noexcept { return analytics_detail::ToUnits(sell_); }
  // buy_volume / max(sell_volume, sell_floor).
  double flow_ratio() const noexcept;
  // Last price / first price in the window - 1; 0 with no trade (or a first
  // price that is not positive).
  double momentum() const noexcept;
  int large_buys() const noexcept { return large_buys_; }
  int large_sells() const noexcept { return large_sells_; }
  bool large_buyer() const noexcept { return large_buys_ >= config_.large_count; }
  bool large_seller() const noexcept { return large_sells_ >= config_.large_count; }
  // The current percentile size (base units); 0 with fewer than
  // min_trades_for_large trades in the window.
  double large_threshold() const noexcept;
  std::size_t trades() const noexcept { return window_.size(); }
  const TradeFlowConfig& config() const noexcept { return config_; }

 private:
  struct Entry {
    Price price;
    std::int64_t qty;  // raw
    AggressorSide aggressor;
    bool large;
  };

  // Raw size at the percentile rank of the current window (n >= 1).
  std::int64_t Percentile() const noexcept;
  void Drop(const Entry& e);

  TradeFlowConfig config_;
  TimeWindow<Entry> window_;
  std::vector<std::int64_t> sizes_;  // raw sizes of the window, ascending
  Int128 buy_ = 0;
  Int128 sell_ = 0;
  int large_buys_ = 0;
  int large_sells_ = 0;
};

}  // namespace hean
