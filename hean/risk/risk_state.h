// TradingState: the trading state (NORMAL, SOFT_BRAKE, QUARANTINE,
// HARD_STOP) of one scope, the account or one strategy, from the equity the
// governor observes. docs/RISK.md has the rules with their defaults; in
// short:
//
// Figures, each a fraction of a peak:
//   * strategy drawdown  = (peak - equity) / peak, where a strategy's equity
//     is its capital plus its PnL and the peak is re-based on recovery;
//   * account window loss = (highest equity within the last `loss_window`
//     - equity) / that highest equity;
//   * account drawdown   = (peak - equity) / peak, the peak since start or
//     the last manual reset (never re-based by a recovery).
// Triggers (limits are fractions; `soft_fraction` of a limit is its brake):
//   strategy drawdown >= strategy_drawdown        -> QUARANTINE (the strategy)
//   account window loss >= account_window_loss    -> QUARANTINE (the account)
//   account drawdown >= account_drawdown          -> HARD_STOP (the account)
//   any figure >= soft_fraction x its limit       -> SOFT_BRAKE
// A scope moves up to the most severe state its figures call for at once,
// skipping levels. It moves down one level at a time: after `calm_period`
// during which its equity made no new low and the account drawdown stayed
// below recovery_ratio x the threshold that holds the current level (the
// hysteresis), it steps down and re-bases the figures that can be re-based
// (the strategy peak and the loss window restart at the current equity:
// the loss that caused the state is accepted, the limits count again from
// there). HARD_STOP is never left automatically: only Reset() leaves it.
//
// Plain value with no clock of its own: Observe is called with the time.
// Not thread-safe: engine thread.
#pragma once

#include <cstdint>
#include <deque>
#include <optional>
#include <string_view>

#include "hean/core/status.h"
#include "hean/core/time.h"
#include "hean/model/types.h"

namespace hean {

struct TradingStateConfig {
  double soft_brake_multiplier = 0.5;  // new entries are sized by this in SOFT_BRAKE
  double soft_fraction = 0.5;          // SOFT_BRAKE at this fraction of any limit
  double strategy_drawdown = 0.07;     // a strategy's drawdown from its equity peak -> QUARANTINE (strategy)
  double account_window_loss = 0.15;   // loss within `loss_window` -> QUARANTINE (account)
  Duration loss_window = Duration::Hours(1);
  double account_drawdown = 0.20;  // account drawdown from its peak -> HARD_STOP (the kill switch)
  Duration calm_period = Duration::Minutes(15);
  double recovery_ratio = 0.8;  // hysteresis: account drawdown must fall below this x the threshold to step down

  // Message names the key (risk.states.<name>).
  [[nodiscard]] Status Validate() const;
};

// One change of state, with the figure that caused it.
struct StateTransition {
  RiskState from = RiskState::kNormal;
  RiskState to = RiskState::kNormal;
  std::string_view reason;  // "strategy_drawdown", "account_window_loss", "account_drawdown", "recovered",
                            // "kill_switch", "manual_reset"
  double value = 0.0;       // the observed figure (0 for kill_switch and manual_reset)
  double limit = 0.0;       // the threshold it crossed
};

class TradingState {
 public:
  enum class Scope : std::uint8_t { kAccount, kStrategy };

  TradingState(Scope scope, const TradingStateConfig& config) noexcept : scope_(scope), config_(&config) {}

  // Observes the scope's equity at `ts` (non-decreasing). The first call
  // sets the peaks. Returns the transition it caused, if any.
  std::optional<StateTransition> Observe(UnixNanos ts, double equity);
  // Enters HARD_STOP (the kill switch); nullopt if already there.
  std::optional<StateTransition> ForceHardStop(UnixNanos ts);
  // Leaves HARD_STOP for NORMAL and re-bases every figure at `equity`;
  // nullopt (nothing changes) when not in HARD_STOP.
  std::optional<StateTransition> Reset(UnixNanos ts, double equity);

  RiskState level() const noexcept { return level_; }
  Scope scope() const noexcept { return scope_; }
  // Figures as of the last Observe.
  double drawdown() const noexcept { return drawdown_; }  // strategy: re-based peak; account: since reset
  double window_loss() const noexcept { return window_loss_; }
  double peak() const noexcept { return peak_; }
  UnixNanos since() const noexcept { return since_; }  // time of the last transition
  UnixNanos calm_since() const noexcept { return calm_since_; }

 private:
  struct Target {
    RiskState level = RiskState::kNormal;
    std::string_view reason;
    double value = 0.0;
    double limit = 0.0;
  };
  Target Assess() const noexcept;
  bool HoldsAbove(RiskState level) const noexcept;  // the non-re-based figure still calls for `level`
  void Rebase(UnixNanos ts, double equity);
  StateTransition Move(UnixNanos ts, double equity, RiskState to, std::string_view reason, double value, double limit);

  Scope scope_;
  const TradingStateConfig* config_;
  RiskState level_ = RiskState::kNormal;
  bool started_ = false;
  double peak_ = 0.0;    // drawdown peak (strategy: re-based on recovery)
  double equity_ = 0.0;  // last observed
  double drawdown_ = 0.0;
  double window_loss_ = 0.0;
  double worst_ = 0.0;  // lowest equity since calm_since_
  UnixNanos since_;
  UnixNanos calm_since_;
  struct Point {
    UnixNanos ts;
    double equity;
  };
  std::deque<Point> window_;  // decreasing equity: front is the window's highest
};

}  // namespace hean
