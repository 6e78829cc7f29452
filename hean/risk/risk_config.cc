#include "hean/risk/risk_config.h"

#include <cmath>
#include <string>

namespace hean {

namespace {

Status Bad(std::string_view key, std::string_view why) {
  std::string m = "risk.";
  m += key;
  m += ": ";
  m += why;
  return InvalidArgumentError(std::move(m));
}

bool NonNegative(double v) { return std::isfinite(v) && v >= 0.0; }

}  // namespace

Status RiskConfig::Validate() const {
  if (!(std::isfinite(risk_per_trade) && risk_per_trade > 0.0 && risk_per_trade < 1.0)) {
    return Bad("risk_per_trade", "must be in (0, 1)");
  }
  if (!(std::isfinite(default_stop_bps) && default_stop_bps > 0.0)) return Bad("default_stop_bps", "must be positive");
  if (!NonNegative(signal_slippage_bps)) return Bad("signal_slippage_bps", "must not be negative");
  if (!NonNegative(strategy_capital)) return Bad("strategy_capital", "must not be negative");
  if (!NonNegative(max_order_notional)) return Bad("max_order_notional", "must not be negative (0 turns it off)");
  if (!NonNegative(max_position_notional)) {
    return Bad("max_position_notional", "must not be negative (0 turns it off)");
  }
  if (!NonNegative(max_account_notional)) return Bad("max_account_notional", "must not be negative (0 turns it off)");
  if (!NonNegative(price_band_bps)) return Bad("price_band_bps", "must not be negative (0 turns it off)");
  if (!NonNegative(max_spread_bps)) return Bad("max_spread_bps", "must not be negative (0 turns it off)");
  if (max_data_age < Duration()) return Bad("max_data_age", "must not be negative (0 turns it off)");
  if (orders_per_second < 0) return Bad("orders_per_second", "must not be negative (0 turns it off)");
  if (orders_per_minute < 0) return Bad("orders_per_minute", "must not be negative (0 turns it off)");
  if (flash_crash_halt < Duration()) return Bad("flash_crash_halt", "must not be negative (0 turns it off)");
  if (position_ttl < Duration()) return Bad("position_ttl", "must not be negative (0 turns it off)");
  if (check_interval <= Duration()) return Bad("check_interval", "must be positive");
  if (Status s = states.Validate(); !s.ok()) return s;
  return correlation.Validate();
}

Status LoadRiskConfig(Config& c, RiskConfig& o) {
  const Status reads[] = {
      c.Get("risk.risk_per_trade", o.risk_per_trade),
      c.Get("risk.default_stop_bps", o.default_stop_bps),
      c.Get("risk.signal_slippage_bps", o.signal_slippage_bps),
      c.Get("risk.strategy_capital", o.strategy_capital),
      c.Get("risk.max_order_notional", o.max_order_notional),
      c.Get("risk.max_position_notional", o.max_position_notional),
      c.Get("risk.max_account_notional", o.max_account_notional),
      c.Get("risk.max_open_orders", o.max_open_orders),
      c.Get("risk.max_open_orders_per_instrument", o.max_open_orders_per_instrument),
      c.Get("risk.price_band_bps", o.price_band_bps),
      c.Get("risk.max_spread_bps", o.max_spread_bps),
      c.Get("risk.max_data_age", o.max_data_age),
      c.Get("risk.orders_per_second", o.orders_per_second),
      c.Get("risk.orders_per_minute", o.orders_per_minute),
      c.Get("risk.flash_crash_halt", o.flash_crash_halt),
      c.Get("risk.position_ttl", o.position_ttl),
      c.Get("risk.check_interval", o.check_interval),
      c.Get("risk.states.soft_brake_multiplier", o.states.soft_brake_multiplier),
      c.Get("risk.states.soft_fraction", o.states.soft_fraction),
      c.Get("risk.states.strategy_drawdown", o.states.strategy_drawdown),
      c.Get("risk.states.account_window_loss", o.states.account_window_loss),
      c.Get("risk.states.loss_window", o.states.loss_window),
      c.Get("risk.states.account_drawdown", o.states.account_drawdown),
      c.Get("risk.states.calm_period", o.states.calm_period),
      c.Get("risk.states.recovery_ratio", o.states.recovery_ratio),
      c.Get("risk.correlation.sample_interval", o.correlation.sample_interval),
      c.Get("risk.correlation.window", o.correlation.window),
      c.Get("risk.correlation.min_samples", o.correlation.min_samples),
  };
  for (const Status& s : reads) {
    if (!s.ok()) return s;
  }
  if (Status s = c.CheckUnknown("risk"); !s.ok()) return s;
  if (Status s = o.Validate(); !s.ok()) return c.Locate(s);
  return Status::Ok();
}

}  // namespace hean
