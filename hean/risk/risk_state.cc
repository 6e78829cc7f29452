#include "hean/risk/risk_state.h"

#include <algorithm>
#include <cmath>
#include <string>

namespace hean {

namespace {

Status Bad(std::string_view key, std::string_view why) {
  std::string m = "risk.states.";
  m += key;
  m += ": ";
  m += why;
  return InvalidArgumentError(std::move(m));
}

bool Fraction(double v) { return std::isfinite(v) && v >= 0.0 && v < 1.0; }

RiskState Below(RiskState s) noexcept { return static_cast<RiskState>(static_cast<int>(s) - 1); }

}  // namespace

Status TradingStateConfig::Validate() const {
  if (!(std::isfinite(soft_brake_multiplier) && soft_brake_multiplier > 0.0 && soft_brake_multiplier <= 1.0)) {
    return Bad("soft_brake_multiplier", "must be in (0, 1]");
  }
  if (!(std::isfinite(soft_fraction) && soft_fraction > 0.0 && soft_fraction <= 1.0)) {
    return Bad("soft_fraction", "must be in (0, 1]");
  }
  if (!Fraction(strategy_drawdown)) return Bad("strategy_drawdown", "must be in [0, 1) (0 turns it off)");
  if (!Fraction(account_window_loss)) return Bad("account_window_loss", "must be in [0, 1) (0 turns it off)");
  if (!Fraction(account_drawdown)) return Bad("account_drawdown", "must be in [0, 1) (0 turns it off)");
  if (loss_window <= Duration()) return Bad("loss_window", "must be positive");
  if (calm_period < Duration()) return Bad("calm_period", "must not be negative");
  if (!(std::isfinite(recovery_ratio) && recovery_ratio > 0.0 && recovery_ratio <= 1.0)) {
    return Bad("recovery_ratio", "must be in (0, 1]");
  }
  return Status::Ok();
}

TradingState::Target TradingState::Assess() const noexcept {
  const TradingStateConfig& c = *config_;
  Target t;
  auto consider = [&](RiskState level, std::string_view reason, double value, double limit) {
    if (limit > 0.0 && value >= limit && level > t.level) t = Target{level, reason, value, limit};
  };
  if (scope_ == Scope::kStrategy) {
    consider(RiskState::kQuarantine, "strategy_drawdown", drawdown_, c.strategy_drawdown);
    consider(RiskState::kSoftBrake, "strategy_drawdown", drawdown_, c.soft_fraction * c.strategy_drawdown);
    return t;
  }
  consider(RiskState::kHardStop, "account_drawdown", drawdown_, c.account_drawdown);
  consider(RiskState::kQuarantine, "account_window_loss", window_loss_, c.account_window_loss);
  consider(RiskState::kSoftBrake, "account_drawdown", drawdown_, c.soft_fraction * c.account_drawdown);
  consider(RiskState::kSoftBrake, "account_window_loss", window_loss_, c.soft_fraction * c.account_window_loss);
  return t;
}

bool TradingState::HoldsAbove(RiskState level) const noexcept {
  if (scope_ == Scope::kStrategy) return false;
  const TradingStateConfig& c = *config_;
  if (c.account_drawdown <= 0.0) return false;
  // The account drawdown is never re-based: it holds SOFT_BRAKE until it is
  // below recovery_ratio x its brake threshold.
  const double r = c.recovery_ratio;
  RiskState held = RiskState::kNormal;
  if (drawdown_ >= r * c.account_drawdown) {
    held = RiskState::kHardStop;
  } else if (drawdown_ >= r * c.soft_fraction * c.account_drawdown) {
    held = RiskState::kSoftBrake;
  }
  return held >= level;
}

void TradingState::Rebase(UnixNanos ts, double equity) {
  if (scope_ == Scope::kStrategy) {
    peak_ = equity;
    drawdown_ = 0.0;
  }
  window_.clear();
  window_.push_back(Point{ts, equity});
  window_loss_ = 0.0;
}

StateTransition TradingState::Move(UnixNanos ts, double equity, RiskState to, std::string_view reason, double value,
                                   double limit) {
  StateTransition t{level_, to, reason, value, limit};
  level_ = to;
  since_ = ts;
  calm_since_ = ts;
  worst_ = equity;
  return t;
}

std::optional<StateTransition> TradingState::Observe(UnixNanos ts, double equity) {
  if (!started_) {
    started_ = true;
    peak_ = equity;
    worst_ = equity;
    since_ = ts;
    calm_since_ = ts;
  }
  equity_ = equity;
  peak_ = std::max(peak_, equity);
  while (!window_.empty() && window_.back().equity <= equity) window_.pop_back();
  window_.push_back(Point{ts, equity});
  while (window_.front().ts < ts - config_->loss_window) window_.pop_front();
  drawdown_ = peak_ > 0.0 ? std::max(0.0, (peak_ - equity) / peak_) : 0.0;
  const double high = window_.front().equity;
  window_loss_ = high > 0.0 ? std::max(0.0, (high - equity) / high) : 0.0;

  if (level_ == RiskState::kHardStop) return std::nullopt;
  const Target t = Assess();
  if (t.level > level_) return Move(ts, equity, t.level, t.reason, t.value, t.limit);
  if (level_ == RiskState::kNormal) return std::nullopt;

  if (equity < worst_) {
    worst_ = equity;
    calm_since_ = ts;
  }
  if (HoldsAbove(level_)) {
    calm_since_ = ts;
    return std::nullopt;
  }
  if (ts - calm_since_ < config_->calm_period) return std::nullopt;
  const double value = scope_ == Scope::kStrategy ? drawdown_ : std::max(drawdown_, window_loss_);
  Rebase(ts, equity);
  return Move(ts, equity, Below(level_), "recovered", value, 0.0);
}

std::optional<StateTransition> TradingState::ForceHardStop(UnixNanos ts) {
  if (level_ == RiskState::kHardStop) return std::nullopt;
  return Move(ts, equity_, RiskState::kHardStop, "kill_switch", 0.0, 0.0);
}

std::optional<StateTransition> TradingState::Reset(UnixNanos ts, double equity) {
  if (level_ != RiskState::kHardStop) return std::nullopt;
  started_ = true;
  equity_ = equity;
  peak_ = equity;
  drawdown_ = 0.0;
  Rebase(ts, equity);
  return Move(ts, equity, RiskState::kNormal, "manual_reset", 0.0, 0.0);
}

}  // namespace hean
