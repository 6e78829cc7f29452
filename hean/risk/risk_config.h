// RiskConfig: every limit of the risk governor, with its default. The keys
// (under [risk] in a run's TOML) and what each means are in docs/RISK.md.
// A limit of 0 turns that check off.
#pragma once

#include <cstddef>
#include <cstdint>

#include "hean/config/config.h"
#include "hean/core/status.h"
#include "hean/core/time.h"
#include "hean/risk/correlation.h"
#include "hean/risk/risk_state.h"

namespace hean {

struct RiskConfig {
  // Sizing of an accepted entry signal: risk_per_trade x equity / stop
  // distance, capped by the limits below, times the signal's size hint and
  // the state's multiplier.
  double risk_per_trade = 0.005;      // fraction of equity lost if the stop is hit
  double default_stop_bps = 50.0;     // stop distance for a signal without a stop-loss
  double signal_slippage_bps = 10.0;  // orders for signals: IOC limit this far beyond the touch
  double strategy_capital = 0.0;      // capital a strategy's drawdown is measured on; 0: starting equity

  // Pre-trade limits (0: off).
  double max_order_notional = 10'000.0;     // price x qty of one order
  double max_position_notional = 25'000.0;  // per instrument: position cost + open orders, per side
  double max_account_notional = 50'000.0;   // all instruments, on effective positions (correlation)
  std::size_t max_open_orders = 20;
  std::size_t max_open_orders_per_instrument = 6;
  double price_band_bps = 50.0;                  // a limit price further than this from the mid is denied
  double max_spread_bps = 10.0;                  // a market order is denied when the spread is wider
  Duration max_data_age = Duration::Seconds(5);  // book last updated longer ago: stale
  std::int64_t orders_per_second = 5;            // token bucket, burst = the same number
  std::int64_t orders_per_minute = 60;
  Duration flash_crash_halt = Duration::Minutes(5);  // no new exposure on the instrument after a flash crash

  // Positions older than this are closed (0: only the signal's own TTL).
  Duration position_ttl;
  // Period of state evaluation, TTL checks, correlation sampling and kill
  // switch retries.
  Duration check_interval = Duration::Seconds(1);

  TradingStateConfig states;
  CorrelationConfig correlation;

  // The message names the key ("risk.max_order_notional: ...").
  [[nodiscard]] Status Validate() const;
};

// Reads the [risk] table (every key optional; unknown keys are errors with
// their line) and validates.
[[nodiscard]] Status LoadRiskConfig(Config& config, RiskConfig& out);

}  // namespace hean
