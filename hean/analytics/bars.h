// Time bars built from trades, the average true range (ATR) of those bars,
// and the ATR-based adaptive impulse threshold.
//
// Inputs are fixed-point (Price, Qty); ATR and thresholds are analytics
// outputs and therefore `double`. Time is the engine's `now`, passed in.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "hean/core/decimal.h"
#include "hean/core/log.h"
#include "hean/core/status.h"
#include "hean/core/time.h"
#include "hean/model/events.h"
#include "hean/model/types.h"

namespace hean {

struct BarConfig {
  Duration interval = Duration::Minutes(1);  // analytics.bars.interval (> 0)

  // InvalidArgument naming the key and the bad value.
  [[nodiscard]] Status Validate() const;
};

// OHLCV time bars of one instrument, built from its trades.
//
// Bar k covers [k * interval, (k + 1) * interval) since the epoch, judged by
// the `now` the caller passes in (engine time). An interval without trades
// makes no bar. A closed bar has ts_event = ts_recv = its end time. A trade
// whose `now` is earlier than the open bar's interval (time going backwards)
// is counted in the open bar rather than reopening an older one.
//
// Not thread-safe: one engine thread. Allocates nothing after construction.
class BarBuilder {
 public:
  // `config` must be valid (checked).
  BarBuilder(InstrumentId instrument, BarConfig config);

  // Adds a trade. If it falls in a later interval than the open bar, returns
  // the open bar closed (the trade then opens the next bar); nullopt otherwise.
  std::optional<Bar> OnTrade(UnixNanos now, Price price, Qty qty);

  // Returns the open bar closed if `now` >= its end (timer-driven closing);
  // nullopt otherwise (no open bar, or it has not ended yet).
  std::optional<Bar> Flush(UnixNanos now);

  bool has_open_bar() const noexcept { return has_open_; }
  // The bar being built; valid only when has_open_bar().
  const Bar& open_bar() const noexcept { return bar_; }
  const BarConfig& config() const noexcept { return config_; }

 private:
  std::int64_t IndexOf(UnixNanos t) const noexcept;
  void Open(std::int64_t index, Price price, Qty qty);
  Bar Close() noexcept;

  InstrumentId instrument_;
  BarConfig config_;
  bool has_open_ = false;
  std::int64_t open_index_ = 0;  // interval number of the open bar
  Bar bar_;
};

struct AtrConfig {
  int period = 14;                // analytics.atr.period (>= 1)
  double multiplier = 2.0;        // analytics.atr.multiplier (> 0)
  double floor = 0.0025;          // analytics.atr.floor: fraction of price (> 0)
  double cap = 0.01;              // analytics.atr.cap (>= floor)
  double base_threshold = 0.005;  // analytics.atr.base_threshold: used before `period` bars exist (> 0)

  // InvalidArgument naming the key and the bad value; every value must also
  // be finite.
  [[nodiscard]] Status Validate() const;
};

// Average true range with Wilder smoothing, in price units.
//
// The first bar's true range is high - low; later ones are
// max(high - low, |high - previous close|, |low - previous close|). The first
// ATR is the mean of the first `period` true ranges (ready() from then on);
// after that ATR = (ATR * (period - 1) + TR) / period.
//
// Not thread-safe: one engine thread.
class Atr {
 public:
  // `period` must be >= 1 (checked).
  explicit Atr(int period);

  void OnBar(const Bar& bar);

  bool ready() const noexcept { return bars_ >= static_cast<std::size_t>(period_); }
  // The ATR; 0 until ready().
  double value() const noexcept { return value_; }
  // Bars seen.
  std::size_t bars() const noexcept { return bars_; }
  int period() const noexcept { return period_; }

 private:
  int period_;
  std::size_t bars_ = 0;
  double prev_close_ = 0.0;
  double tr_sum_ = 0.0;  // sum of the true ranges before the first ATR
  double value_ = 0.0;
};

// The impulse threshold that adapts to volatility, as a fraction of price
// (0.005 is 0.5%): clamp(multiplier * ATR / last price, floor, cap) once the
// ATR is ready, base_threshold before.
//
// Recalculated on each closed bar, with the bar's close as the last price.
// Each recalculation is logged at debug level with the ATR, the price, the
// raw value and the clamped threshold. A bar with a non-positive close leaves
// the threshold unchanged (a ratio to it has no meaning).
//
// Not thread-safe: one engine thread.
class AdaptiveThreshold {
 public:
  // `config` must be valid (checked). `symbol` prefixes the log lines.
  explicit AdaptiveThreshold(AtrConfig config, Logger logger = {}, std::string_view symbol = {});

  void OnBar(const Bar& bar);

  // The threshold, a fraction: 0.005 is 0.5%.
  double value() const noexcept { return value_; }
  const Atr& atr() const noexcept { return atr_; }
  // multiplier * ATR / price before clamping; 0 before the ATR is ready.
  double raw() const noexcept { return raw_; }
  const AtrConfig& config() const noexcept { return config_; }

 private:
  AtrConfig config_;
  Logger logger_;
  std::string prefix_;  // "BTCUSDT " or empty
  Atr atr_;
  double value_;
  double raw_ = 0.0;
};

}  // namespace hean
