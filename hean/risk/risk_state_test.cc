// Tests of TradingState (the trading-state machine of one scope), TokenBucket
// and RiskConfig / LoadRiskConfig.
#include "hean/risk/risk_state.h"

#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "hean/config/config.h"
#include "hean/risk/risk_config.h"
#include "hean/risk/token_bucket.h"

namespace hean {
namespace {

const UnixNanos kT0 = UnixNanos::FromSeconds(1'700'000'000);

UnixNanos Min(std::int64_t m) { return kT0 + Duration::Minutes(m); }

using Scope = TradingState::Scope;

// Expects a transition with exactly these fields.
void ExpectTransition(const std::optional<StateTransition>& t, RiskState from, RiskState to, std::string_view reason,
                      double value, double limit) {
  ASSERT_TRUE(t.has_value()) << "expected " << ToString(from) << " -> " << ToString(to);
  EXPECT_EQ(t->from, from);
  EXPECT_EQ(t->to, to);
  EXPECT_EQ(t->reason, reason);
  EXPECT_DOUBLE_EQ(t->value, value);
  EXPECT_DOUBLE_EQ(t->limit, limit);
}

// ---------------------------------------------------------------- strategy scope

TEST(TradingStateStrategy, FirstObservationSetsThePeak) {
  TradingStateConfig c;
  TradingState s(Scope::kStrategy, c);
  EXPECT_FALSE(s.Observe(kT0, 50'000.0).has_value());
  EXPECT_EQ(s.level(), RiskState::kNormal);
  EXPECT_EQ(s.peak(), 50'000.0);
  EXPECT_EQ(s.drawdown(), 0.0);
  EXPECT_EQ(s.scope(), Scope::kStrategy);
}

TEST(TradingStateStrategy, DrawdownOfHalfTheLimitIsSoftBrakeAndTheLimitIsQuarantine) {
  TradingStateConfig c;  // strategy_drawdown 7%, soft_fraction 0.5
  TradingState s(Scope::kStrategy, c);
  ASSERT_FALSE(s.Observe(kT0, 100'000.0).has_value());
  // 3.49%: nothing.
  EXPECT_FALSE(s.Observe(Min(1), 96'510.0).has_value());
  EXPECT_EQ(s.level(), RiskState::kNormal);
  EXPECT_DOUBLE_EQ(s.drawdown(), 0.0349);
  // 3.5%: SOFT_BRAKE.
  ExpectTransition(s.Observe(Min(2), 96'500.0), RiskState::kNormal, RiskState::kSoftBrake, "strategy_drawdown", 0.035,
                   0.035);
  EXPECT_EQ(s.level(), RiskState::kSoftBrake);
  EXPECT_EQ(s.since(), Min(2));
  // Deeper but below 7%: stays.
  EXPECT_FALSE(s.Observe(Min(3), 93'100.0).has_value());
  EXPECT_EQ(s.level(), RiskState::kSoftBrake);
  // 7%: QUARANTINE.
  ExpectTransition(s.Observe(Min(4), 93'000.0), RiskState::kSoftBrake, RiskState::kQuarantine, "strategy_drawdown",
                   0.07, 0.07);
  EXPECT_EQ(s.level(), RiskState::kQuarantine);
  EXPECT_EQ(s.since(), Min(4));
}

TEST(TradingStateStrategy, SkipsSoftBrakeOnALargeDrop) {
  TradingStateConfig c;
  TradingState s(Scope::kStrategy, c);
  ASSERT_FALSE(s.Observe(kT0, 100'000.0).has_value());
  ExpectTransition(s.Observe(Min(1), 92'000.0), RiskState::kNormal, RiskState::kQuarantine, "strategy_drawdown", 0.08,
                   0.07);
}

TEST(TradingStateStrategy, NeverHardStopsAndIgnoresTheWindowLoss) {
  TradingStateConfig c;
  TradingState s(Scope::kStrategy, c);
  ASSERT_FALSE(s.Observe(kT0, 100'000.0).has_value());
  // 50% in a minute: the strategy's figure is only its drawdown.
  ExpectTransition(s.Observe(Min(1), 50'000.0), RiskState::kNormal, RiskState::kQuarantine, "strategy_drawdown", 0.5,
                   0.07);
  EXPECT_FALSE(s.Observe(Min(2), 10'000.0).has_value());
  EXPECT_EQ(s.level(), RiskState::kQuarantine);
}

TEST(TradingStateStrategy, RecoversOneLevelPerCalmPeriodAndReBases) {
  TradingStateConfig c;  // calm_period 15 min
  TradingState s(Scope::kStrategy, c);
  ASSERT_FALSE(s.Observe(kT0, 100'000.0).has_value());
  ExpectTransition(s.Observe(Min(1), 93'000.0), RiskState::kNormal, RiskState::kQuarantine, "strategy_drawdown", 0.07,
                   0.07);
  EXPECT_EQ(s.calm_since(), Min(1));
  // Not yet 15 minutes of calm.
  EXPECT_FALSE(s.Observe(Min(1) + Duration::Minutes(15) - Duration::Nanos(1), 93'000.0).has_value());
  EXPECT_EQ(s.level(), RiskState::kQuarantine);
  // 15 minutes without a new low: one level down, the peak re-based at the
  // current equity (the loss is accepted).
  ExpectTransition(s.Observe(Min(16), 93'000.0), RiskState::kQuarantine, RiskState::kSoftBrake, "recovered", 0.07, 0.0);
  EXPECT_EQ(s.peak(), 93'000.0);
  EXPECT_EQ(s.drawdown(), 0.0);
  EXPECT_EQ(s.since(), Min(16));
  EXPECT_EQ(s.calm_since(), Min(16));
  // The next level needs another calm period.
  EXPECT_FALSE(s.Observe(Min(30), 93'000.0).has_value());
  EXPECT_EQ(s.level(), RiskState::kSoftBrake);
  ExpectTransition(s.Observe(Min(31), 93'000.0), RiskState::kSoftBrake, RiskState::kNormal, "recovered", 0.0, 0.0);
  // Calm: nothing more to recover.
  EXPECT_FALSE(s.Observe(Min(120), 93'000.0).has_value());
  EXPECT_EQ(s.level(), RiskState::kNormal);
  // The limits count from the re-based peak: 3.5% below 93,000 (10.25%
  // below the old peak of 100,000) is SOFT_BRAKE, not QUARANTINE.
  ExpectTransition(s.Observe(Min(121), 89'745.0), RiskState::kNormal, RiskState::kSoftBrake, "strategy_drawdown", 0.035,
                   0.035);
}

TEST(TradingStateStrategy, ANewLowRestartsTheCalmPeriodAndABounceDoesNot) {
  TradingStateConfig c;
  TradingState s(Scope::kStrategy, c);
  ASSERT_FALSE(s.Observe(kT0, 100'000.0).has_value());
  ASSERT_TRUE(s.Observe(Min(0), 93'000.0).has_value());
  // A bounce is not a new low: the calm period keeps running.
  EXPECT_FALSE(s.Observe(Min(5), 95'000.0).has_value());
  EXPECT_EQ(s.calm_since(), Min(0));
  // A new low restarts it.
  EXPECT_FALSE(s.Observe(Min(10), 92'900.0).has_value());
  EXPECT_EQ(s.calm_since(), Min(10));
  // 15 minutes after the first breach: not yet.
  EXPECT_FALSE(s.Observe(Min(15), 93'000.0).has_value());
  EXPECT_FALSE(s.Observe(Min(24), 93'000.0).has_value());
  EXPECT_EQ(s.level(), RiskState::kQuarantine);
  // 15 minutes after the new low.
  ExpectTransition(s.Observe(Min(25), 93'000.0), RiskState::kQuarantine, RiskState::kSoftBrake, "recovered", 0.07, 0.0);
}

TEST(TradingStateStrategy, AZeroCalmPeriodStepsDownAtTheNextObservation) {
  TradingStateConfig c;
  c.calm_period = Duration();
  TradingState s(Scope::kStrategy, c);
  ASSERT_FALSE(s.Observe(kT0, 100'000.0).has_value());
  ASSERT_TRUE(s.Observe(Min(1), 93'000.0).has_value());
  ExpectTransition(s.Observe(Min(1), 93'000.0), RiskState::kQuarantine, RiskState::kSoftBrake, "recovered", 0.07, 0.0);
  ExpectTransition(s.Observe(Min(1), 93'000.0), RiskState::kSoftBrake, RiskState::kNormal, "recovered", 0.0, 0.0);
}

TEST(TradingStateStrategy, ALimitOfZeroTurnsTheCheckOff) {
  TradingStateConfig c;
  c.strategy_drawdown = 0.0;
  TradingState s(Scope::kStrategy, c);
  ASSERT_FALSE(s.Observe(kT0, 100'000.0).has_value());
  EXPECT_FALSE(s.Observe(Min(1), 10'000.0).has_value());
  EXPECT_EQ(s.level(), RiskState::kNormal);
}

// ---------------------------------------------------------------- account scope

TEST(TradingStateAccount, WindowLossSoftBrakeThenQuarantineWithinTheHour) {
  TradingStateConfig c;  // account_window_loss 15%, loss_window 1 h
  TradingState s(Scope::kAccount, c);
  ASSERT_FALSE(s.Observe(kT0, 100'000.0).has_value());
  EXPECT_FALSE(s.Observe(Min(5), 92'600.0).has_value());  // 7.4%
  EXPECT_DOUBLE_EQ(s.window_loss(), 0.074);
  ExpectTransition(s.Observe(Min(10), 92'500.0), RiskState::kNormal, RiskState::kSoftBrake, "account_window_loss",
                   0.075, 0.075);
  EXPECT_FALSE(s.Observe(Min(30), 85'100.0).has_value());  // 14.9%: also 14.9% drawdown, below HARD_STOP
  ExpectTransition(s.Observe(Min(59), 85'000.0), RiskState::kSoftBrake, RiskState::kQuarantine, "account_window_loss",
                   0.15, 0.15);
  EXPECT_DOUBLE_EQ(s.drawdown(), 0.15);
}

TEST(TradingStateAccount, TheWindowLossIsFromTheHighestEquityWithinTheWindow) {
  TradingStateConfig c;
  TradingState s(Scope::kAccount, c);
  ASSERT_FALSE(s.Observe(kT0, 100'000.0).has_value());
  EXPECT_FALSE(s.Observe(Min(10), 104'000.0).has_value());
  EXPECT_FALSE(s.Observe(Min(20), 101'000.0).has_value());
  EXPECT_DOUBLE_EQ(s.window_loss(), 3'000.0 / 104'000.0);
  // 7.5% below 104,000 (and 3.8% below the start).
  ExpectTransition(s.Observe(Min(30), 96'200.0), RiskState::kNormal, RiskState::kSoftBrake, "account_window_loss",
                   0.075, 0.075);
}

TEST(TradingStateAccount, AStepLossOlderThanTheWindowIsForgotten) {
  TradingStateConfig c;
  c.account_drawdown = 0.0;  // only the window loss
  TradingState s(Scope::kAccount, c);
  ASSERT_FALSE(s.Observe(kT0, 100'000.0).has_value());
  EXPECT_FALSE(s.Observe(Min(1), 93'000.0).has_value());  // 7%
  // Another 7% more than an hour after every higher observation: the window
  // holds only 93,000 and later.
  EXPECT_FALSE(s.Observe(Min(62), 86'490.0).has_value());
  EXPECT_DOUBLE_EQ(s.window_loss(), 0.0);
  EXPECT_EQ(s.level(), RiskState::kNormal);
}

TEST(TradingStateAccount, ALossSpreadOverMoreThanTheWindowDoesNotTriggerIt) {
  TradingStateConfig c;
  c.account_drawdown = 0.0;  // only the window loss
  TradingState slow(Scope::kAccount, c);
  // -110 a minute for two hours, observed every minute: 13.2% in all, at
  // most 6,600 / 93,400 = 7.07% within any hour.
  for (int m = 0; m <= 120; ++m) {
    EXPECT_FALSE(slow.Observe(Min(m), 100'000.0 - 110.0 * m).has_value()) << m;
  }
  EXPECT_EQ(slow.level(), RiskState::kNormal);
  EXPECT_DOUBLE_EQ(slow.window_loss(), 6'600.0 / 93'400.0);
  EXPECT_DOUBLE_EQ(slow.drawdown(), 0.132);

  // The same 13.2% within the hour brakes.
  TradingState fast(Scope::kAccount, c);
  ASSERT_FALSE(fast.Observe(kT0, 100'000.0).has_value());
  ExpectTransition(fast.Observe(Min(59), 86'800.0), RiskState::kNormal, RiskState::kSoftBrake, "account_window_loss",
                   0.132, 0.075);

  // With the drawdown limit on, the slow loss brakes on the drawdown only
  // (10% at minute 91), never on the window.
  TradingStateConfig d;
  TradingState both(Scope::kAccount, d);
  std::vector<StateTransition> seen;
  for (int m = 0; m <= 120; ++m) {
    if (auto t = both.Observe(Min(m), 100'000.0 - 110.0 * m)) seen.push_back(*t);
  }
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].reason, "account_drawdown");
  EXPECT_EQ(seen[0].to, RiskState::kSoftBrake);
  EXPECT_DOUBLE_EQ(seen[0].value, 10'010.0 / 100'000.0);
  EXPECT_DOUBLE_EQ(seen[0].limit, 0.1);
  EXPECT_EQ(both.since(), Min(91));
}

TEST(TradingStateAccount, DrawdownSoftBrakeAtTenPercentAndHardStopAtTwenty) {
  TradingStateConfig c;
  TradingState s(Scope::kAccount, c);
  ASSERT_FALSE(s.Observe(kT0, 100'000.0).has_value());
  // Each step more than a loss window after the last: only the drawdown
  // counts.
  EXPECT_FALSE(s.Observe(Min(120), 90'100.0).has_value());
  ExpectTransition(s.Observe(Min(240), 90'000.0), RiskState::kNormal, RiskState::kSoftBrake, "account_drawdown", 0.1,
                   0.1);
  EXPECT_DOUBLE_EQ(s.window_loss(), 0.0);
  EXPECT_FALSE(s.Observe(Min(360), 80'100.0).has_value());
  EXPECT_EQ(s.level(), RiskState::kSoftBrake);
  ExpectTransition(s.Observe(Min(480), 80'000.0), RiskState::kSoftBrake, RiskState::kHardStop, "account_drawdown", 0.2,
                   0.2);
}

TEST(TradingStateAccount, SkipsLevelsToTheMostSevere) {
  TradingStateConfig c;
  TradingState s(Scope::kAccount, c);
  ASSERT_FALSE(s.Observe(kT0, 100'000.0).has_value());
  // 20% within a minute: window QUARANTINE and drawdown HARD_STOP; the worst.
  ExpectTransition(s.Observe(Min(1), 80'000.0), RiskState::kNormal, RiskState::kHardStop, "account_drawdown", 0.2, 0.2);
  TradingState q(Scope::kAccount, c);
  ASSERT_FALSE(q.Observe(kT0, 100'000.0).has_value());
  ExpectTransition(q.Observe(Min(1), 84'000.0), RiskState::kNormal, RiskState::kQuarantine, "account_window_loss", 0.16,
                   0.15);
}

TEST(TradingStateAccount, HysteresisTheDrawdownMustFallBelowTheRecoveryRatio) {
  TradingStateConfig c;  // brake at 10%, recovery_ratio 0.8: below 8% to recover
  c.account_window_loss = 0.0;
  TradingState s(Scope::kAccount, c);
  ASSERT_FALSE(s.Observe(kT0, 100'000.0).has_value());
  ASSERT_TRUE(s.Observe(Min(1), 90'000.0).has_value());
  ASSERT_EQ(s.level(), RiskState::kSoftBrake);
  // 8.5%: under the trigger but not under 8%; hours of it change nothing.
  for (int m = 2; m <= 180; ++m) {
    EXPECT_FALSE(s.Observe(Min(m), 91'500.0).has_value());
  }
  EXPECT_EQ(s.level(), RiskState::kSoftBrake);
  EXPECT_EQ(s.calm_since(), Min(180));
  // 7.9% from minute 181: calm counts from the last held observation.
  EXPECT_FALSE(s.Observe(Min(181), 92'100.0).has_value());
  EXPECT_FALSE(s.Observe(Min(194), 92'100.0).has_value());
  ExpectTransition(s.Observe(Min(195), 92'100.0), RiskState::kSoftBrake, RiskState::kNormal, "recovered", 0.079, 0.0);
  // The account drawdown is never re-based: 10% below the old peak brakes
  // again.
  EXPECT_DOUBLE_EQ(s.drawdown(), 0.079);
  EXPECT_EQ(s.peak(), 100'000.0);
  ExpectTransition(s.Observe(Min(200), 90'000.0), RiskState::kNormal, RiskState::kSoftBrake, "account_drawdown", 0.1,
                   0.1);
}

TEST(TradingStateAccount, WindowQuarantineRecoversToSoftBrakeAndTheDrawdownHoldsIt) {
  TradingStateConfig c;
  TradingState s(Scope::kAccount, c);
  ASSERT_FALSE(s.Observe(kT0, 100'000.0).has_value());
  ExpectTransition(s.Observe(Min(10), 85'000.0), RiskState::kNormal, RiskState::kQuarantine, "account_window_loss",
                   0.15, 0.15);
  EXPECT_FALSE(s.Observe(Min(24), 85'000.0).has_value());
  // 15% drawdown is below 0.8 x 20%: QUARANTINE is not held by it.
  ExpectTransition(s.Observe(Min(25), 85'000.0), RiskState::kQuarantine, RiskState::kSoftBrake, "recovered", 0.15, 0.0);
  // The window re-based at 85,000; the drawdown did not.
  EXPECT_DOUBLE_EQ(s.window_loss(), 0.0);
  EXPECT_DOUBLE_EQ(s.drawdown(), 0.15);
  // 15% >= 0.8 x 10%: SOFT_BRAKE is held as long as that lasts.
  for (int m = 26; m <= 300; m += 5) {
    EXPECT_FALSE(s.Observe(Min(m), 85'000.0).has_value());
  }
  EXPECT_EQ(s.level(), RiskState::kSoftBrake);
  // 7% < 8%: calm from the last observation that held (minute 296).
  EXPECT_FALSE(s.Observe(Min(301), 93'000.0).has_value());
  EXPECT_FALSE(s.Observe(Min(310), 93'000.0).has_value());
  ExpectTransition(s.Observe(Min(311), 93'000.0), RiskState::kSoftBrake, RiskState::kNormal, "recovered", 0.07, 0.0);
}

TEST(TradingStateAccount, QuarantineIsHeldWhileTheDrawdownIsNearTheHardStop) {
  TradingStateConfig c;
  TradingState s(Scope::kAccount, c);
  ASSERT_FALSE(s.Observe(kT0, 100'000.0).has_value());
  ExpectTransition(s.Observe(Min(1), 83'000.0), RiskState::kNormal, RiskState::kQuarantine, "account_window_loss", 0.17,
                   0.15);
  // 17% >= 0.8 x 20%: held.
  for (int m = 2; m <= 240; ++m) {
    EXPECT_FALSE(s.Observe(Min(m), 83'000.0).has_value());
  }
  EXPECT_EQ(s.level(), RiskState::kQuarantine);
  EXPECT_FALSE(s.Observe(Min(241), 85'000.0).has_value());  // 15%
  EXPECT_FALSE(s.Observe(Min(254), 85'000.0).has_value());
  ExpectTransition(s.Observe(Min(255), 85'000.0), RiskState::kQuarantine, RiskState::kSoftBrake, "recovered", 0.15,
                   0.0);
}

TEST(TradingStateAccount, HardStopNeverLeavesByItself) {
  TradingStateConfig c;
  TradingState s(Scope::kAccount, c);
  ASSERT_FALSE(s.Observe(kT0, 100'000.0).has_value());
  ASSERT_TRUE(s.Observe(Min(1), 79'000.0).has_value());
  ASSERT_EQ(s.level(), RiskState::kHardStop);
  // Full recovery and a day of calm.
  for (int m = 2; m <= 24 * 60; m += 10) {
    EXPECT_FALSE(s.Observe(Min(m), 120'000.0).has_value());
  }
  EXPECT_EQ(s.level(), RiskState::kHardStop);
  EXPECT_EQ(s.since(), Min(1));
}

TEST(TradingStateAccount, ResetLeavesHardStopAndReBasesEveryFigure) {
  TradingStateConfig c;
  TradingState s(Scope::kAccount, c);
  ASSERT_FALSE(s.Observe(kT0, 100'000.0).has_value());
  ASSERT_TRUE(s.Observe(Min(1), 80'000.0).has_value());
  ASSERT_EQ(s.level(), RiskState::kHardStop);
  EXPECT_FALSE(s.Observe(Min(2), 70'000.0).has_value());
  ExpectTransition(s.Reset(Min(3), 70'000.0), RiskState::kHardStop, RiskState::kNormal, "manual_reset", 0.0, 0.0);
  EXPECT_EQ(s.level(), RiskState::kNormal);
  EXPECT_EQ(s.peak(), 70'000.0);
  EXPECT_EQ(s.drawdown(), 0.0);
  EXPECT_EQ(s.window_loss(), 0.0);
  EXPECT_EQ(s.since(), Min(3));
  // From the new base, more than a loss window later: 10% of 70,000 is the
  // drawdown brake (it was 37% below the old peak).
  EXPECT_FALSE(s.Observe(Min(100), 63'100.0).has_value());
  ExpectTransition(s.Observe(Min(200), 63'000.0), RiskState::kNormal, RiskState::kSoftBrake, "account_drawdown", 0.1,
                   0.1);
  // Not in HARD_STOP: Reset does nothing.
  EXPECT_FALSE(s.Reset(Min(201), 100'000.0).has_value());
  EXPECT_EQ(s.level(), RiskState::kSoftBrake);
  EXPECT_EQ(s.peak(), 70'000.0);
}

TEST(TradingStateAccount, ForceHardStopIsIdempotent) {
  TradingStateConfig c;
  TradingState s(Scope::kAccount, c);
  ASSERT_FALSE(s.Observe(kT0, 100'000.0).has_value());
  ExpectTransition(s.ForceHardStop(Min(1)), RiskState::kNormal, RiskState::kHardStop, "kill_switch", 0.0, 0.0);
  EXPECT_EQ(s.since(), Min(1));
  EXPECT_FALSE(s.ForceHardStop(Min(2)).has_value());
  EXPECT_EQ(s.since(), Min(1));
  EXPECT_EQ(s.level(), RiskState::kHardStop);
  // Even a new high does not leave it.
  EXPECT_FALSE(s.Observe(Min(100), 150'000.0).has_value());
  EXPECT_EQ(s.level(), RiskState::kHardStop);
  ExpectTransition(s.Reset(Min(101), 150'000.0), RiskState::kHardStop, RiskState::kNormal, "manual_reset", 0.0, 0.0);
}

TEST(TradingStateAccount, ForceHardStopFromAnyLevel) {
  TradingStateConfig c;
  TradingState s(Scope::kAccount, c);
  ASSERT_FALSE(s.Observe(kT0, 100'000.0).has_value());
  ASSERT_TRUE(s.Observe(Min(1), 85'000.0).has_value());
  ASSERT_EQ(s.level(), RiskState::kQuarantine);
  ExpectTransition(s.ForceHardStop(Min(2)), RiskState::kQuarantine, RiskState::kHardStop, "kill_switch", 0.0, 0.0);
}

// ---------------------------------------------------------------- config

TEST(TradingStateConfig, DefaultsAreValid) { EXPECT_TRUE(TradingStateConfig{}.Validate().ok()); }

TEST(TradingStateConfig, ValidateNamesTheKey) {
  struct Case {
    std::function<void(TradingStateConfig&)> set;
    std::string prefix;
  };
  const std::vector<Case> cases = {
      {[](TradingStateConfig& c) { c.soft_brake_multiplier = 0.0; }, "risk.states.soft_brake_multiplier: "},
      {[](TradingStateConfig& c) { c.soft_brake_multiplier = 1.5; }, "risk.states.soft_brake_multiplier: "},
      {[](TradingStateConfig& c) { c.soft_fraction = 0.0; }, "risk.states.soft_fraction: "},
      {[](TradingStateConfig& c) { c.soft_fraction = 1.01; }, "risk.states.soft_fraction: "},
      {[](TradingStateConfig& c) { c.strategy_drawdown = 1.0; }, "risk.states.strategy_drawdown: "},
      {[](TradingStateConfig& c) { c.strategy_drawdown = -0.1; }, "risk.states.strategy_drawdown: "},
      {[](TradingStateConfig& c) { c.account_window_loss = 1.0; }, "risk.states.account_window_loss: "},
      {[](TradingStateConfig& c) { c.account_drawdown = std::nan(""); }, "risk.states.account_drawdown: "},
      {[](TradingStateConfig& c) { c.loss_window = Duration(); }, "risk.states.loss_window: "},
      {[](TradingStateConfig& c) { c.calm_period = -Duration::Seconds(1); }, "risk.states.calm_period: "},
      {[](TradingStateConfig& c) { c.recovery_ratio = 0.0; }, "risk.states.recovery_ratio: "},
      {[](TradingStateConfig& c) { c.recovery_ratio = 1.2; }, "risk.states.recovery_ratio: "},
  };
  for (const Case& k : cases) {
    TradingStateConfig c;
    k.set(c);
    const Status s = c.Validate();
    EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << k.prefix;
    EXPECT_EQ(s.message().rfind(k.prefix, 0), 0u) << s.message();
  }
  // Edges that are allowed.
  TradingStateConfig ok;
  ok.soft_brake_multiplier = 1.0;
  ok.soft_fraction = 1.0;
  ok.strategy_drawdown = 0.0;
  ok.account_window_loss = 0.0;
  ok.account_drawdown = 0.0;
  ok.calm_period = Duration();
  ok.recovery_ratio = 1.0;
  EXPECT_TRUE(ok.Validate().ok()) << ok.Validate().message();
}

// ---------------------------------------------------------------- TokenBucket

TEST(TokenBucket, RateZeroIsOff) {
  TokenBucket b(0, Duration::Seconds(1), 0);
  EXPECT_FALSE(b.enabled());
  for (int i = 0; i < 1000; ++i) {
    EXPECT_TRUE(b.TryTake(kT0));
  }
  EXPECT_TRUE(b.CanTake(kT0));
  EXPECT_EQ(b.Available(kT0), 0);
  TokenBucket def;
  EXPECT_FALSE(def.enabled());
  EXPECT_TRUE(def.TryTake(kT0));
}

TEST(TokenBucket, BurstOfCapacityThenOneTokenPerPeriodOverRate) {
  TokenBucket b(5, Duration::Seconds(1), 5);  // a token is worth 200 ms
  EXPECT_TRUE(b.enabled());
  EXPECT_EQ(b.Available(kT0), 5);
  for (int i = 0; i < 5; ++i) {
    EXPECT_TRUE(b.CanTake(kT0));
    EXPECT_TRUE(b.TryTake(kT0)) << i;
  }
  EXPECT_EQ(b.Available(kT0), 0);
  EXPECT_FALSE(b.CanTake(kT0));
  EXPECT_FALSE(b.TryTake(kT0));
  // 199.999999 ms later: still nothing.
  const UnixNanos almost = kT0 + Duration::Millis(200) - Duration::Nanos(1);
  EXPECT_FALSE(b.CanTake(almost));
  EXPECT_FALSE(b.TryTake(almost));
  // 200 ms: one token; CanTake does not take it.
  const UnixNanos t1 = kT0 + Duration::Millis(200);
  EXPECT_TRUE(b.CanTake(t1));
  EXPECT_TRUE(b.CanTake(t1));
  EXPECT_EQ(b.Available(t1), 1);
  EXPECT_TRUE(b.TryTake(t1));
  EXPECT_FALSE(b.TryTake(t1));
  // 600 ms more: three.
  const UnixNanos t2 = t1 + Duration::Millis(600);
  EXPECT_EQ(b.Available(t2), 3);
  // A long idle refills to the capacity, no more.
  const UnixNanos t3 = t2 + Duration::Hours(1);
  EXPECT_EQ(b.Available(t3), 5);
  for (int i = 0; i < 5; ++i) {
    EXPECT_TRUE(b.TryTake(t3));
  }
  EXPECT_FALSE(b.TryTake(t3));
}

TEST(TokenBucket, TimeGoingBackDoesNotAddCredit) {
  TokenBucket b(2, Duration::Seconds(1), 2);
  ASSERT_TRUE(b.TryTake(kT0 + Duration::Seconds(10)));
  ASSERT_TRUE(b.TryTake(kT0 + Duration::Seconds(10)));
  EXPECT_FALSE(b.TryTake(kT0));
  EXPECT_FALSE(b.CanTake(kT0 + Duration::Seconds(5)));
  // Refill counts from the latest time seen.
  EXPECT_FALSE(b.TryTake(kT0 + Duration::Seconds(10) + Duration::Millis(499)));
  EXPECT_TRUE(b.TryTake(kT0 + Duration::Seconds(10) + Duration::Millis(500)));
}

TEST(TokenBucket, AtMostCapacityPlusRateTimesTimePass) {
  TokenBucket b(5, Duration::Seconds(1), 5);
  int passed = 0;
  // A try every millisecond for 10 s (t = 0 .. 9.999 s).
  for (int ms = 0; ms < 10'000; ++ms) {
    if (b.TryTake(kT0 + Duration::Millis(ms))) ++passed;
  }
  // 5 at once, then one per 200 ms: at 200, 400, ..., 9,800 ms.
  EXPECT_EQ(passed, 5 + 49);
  TokenBucket m(60, Duration::Minutes(1), 60);
  passed = 0;
  for (int s = 0; s < 600; ++s) {
    for (int k = 0; k < 3; ++k) {
      if (m.TryTake(kT0 + Duration::Seconds(s))) ++passed;
    }
  }
  EXPECT_EQ(passed, 60 + 599);
}

// ---------------------------------------------------------------- RiskConfig

TEST(RiskConfig, DefaultsAreValid) {
  const RiskConfig c;
  EXPECT_TRUE(c.Validate().ok()) << c.Validate().message();
  EXPECT_EQ(c.max_order_notional, 10'000.0);
  EXPECT_EQ(c.orders_per_second, 5);
  EXPECT_EQ(c.check_interval, Duration::Seconds(1));
}

TEST(RiskConfig, ValidateNamesTheKey) {
  struct Case {
    std::function<void(RiskConfig&)> set;
    std::string prefix;
  };
  const std::vector<Case> cases = {
      {[](RiskConfig& c) { c.risk_per_trade = 0.0; }, "risk.risk_per_trade: "},
      {[](RiskConfig& c) { c.risk_per_trade = 1.0; }, "risk.risk_per_trade: "},
      {[](RiskConfig& c) { c.default_stop_bps = 0.0; }, "risk.default_stop_bps: "},
      {[](RiskConfig& c) { c.signal_slippage_bps = -1.0; }, "risk.signal_slippage_bps: "},
      {[](RiskConfig& c) { c.strategy_capital = -1.0; }, "risk.strategy_capital: "},
      {[](RiskConfig& c) { c.max_order_notional = -1.0; }, "risk.max_order_notional: "},
      {[](RiskConfig& c) { c.max_position_notional = std::nan(""); }, "risk.max_position_notional: "},
      {[](RiskConfig& c) { c.max_account_notional = -0.5; }, "risk.max_account_notional: "},
      {[](RiskConfig& c) { c.price_band_bps = -1.0; }, "risk.price_band_bps: "},
      {[](RiskConfig& c) { c.max_spread_bps = -1.0; }, "risk.max_spread_bps: "},
      {[](RiskConfig& c) { c.max_data_age = -Duration::Seconds(1); }, "risk.max_data_age: "},
      {[](RiskConfig& c) { c.orders_per_second = -1; }, "risk.orders_per_second: "},
      {[](RiskConfig& c) { c.orders_per_minute = -1; }, "risk.orders_per_minute: "},
      {[](RiskConfig& c) { c.flash_crash_halt = -Duration::Seconds(1); }, "risk.flash_crash_halt: "},
      {[](RiskConfig& c) { c.position_ttl = -Duration::Seconds(1); }, "risk.position_ttl: "},
      {[](RiskConfig& c) { c.check_interval = Duration(); }, "risk.check_interval: "},
      {[](RiskConfig& c) { c.states.recovery_ratio = 2.0; }, "risk.states.recovery_ratio: "},
      {[](RiskConfig& c) { c.correlation.window = 1; }, "risk.correlation.window: "},
      {[](RiskConfig& c) { c.correlation.min_samples = 100; }, "risk.correlation.min_samples: "},
  };
  for (const Case& k : cases) {
    RiskConfig c;
    k.set(c);
    const Status s = c.Validate();
    EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << k.prefix;
    EXPECT_EQ(s.message().rfind(k.prefix, 0), 0u) << s.message();
  }
  // Zero turns a limit off and is valid.
  RiskConfig off;
  off.max_order_notional = 0.0;
  off.max_position_notional = 0.0;
  off.max_account_notional = 0.0;
  off.max_open_orders = 0;
  off.price_band_bps = 0.0;
  off.max_spread_bps = 0.0;
  off.max_data_age = Duration();
  off.orders_per_second = 0;
  off.orders_per_minute = 0;
  off.flash_crash_halt = Duration();
  EXPECT_TRUE(off.Validate().ok()) << off.Validate().message();
}

Config MustParse(std::string_view text) {
  auto c = Config::Parse(text, "run.toml");
  EXPECT_TRUE(c.ok()) << (c.ok() ? "" : c.error().message());
  return std::move(*c);
}

TEST(LoadRiskConfig, ReadsEveryKey) {
  Config cfg = MustParse(R"([risk]
risk_per_trade = 0.01
default_stop_bps = 40
signal_slippage_bps = 5
strategy_capital = 20000
max_order_notional = 5000
max_position_notional = 12000
max_account_notional = 30000
max_open_orders = 10
max_open_orders_per_instrument = 3
price_band_bps = 25
max_spread_bps = 8
max_data_age = "2s"
orders_per_second = 4
orders_per_minute = 50
flash_crash_halt = "10m"
position_ttl = "30m"
check_interval = "250ms"
[risk.states]
soft_brake_multiplier = 0.25
soft_fraction = 0.6
strategy_drawdown = 0.05
account_window_loss = 0.1
loss_window = "30m"
account_drawdown = 0.15
calm_period = "5m"
recovery_ratio = 0.9
[risk.correlation]
sample_interval = "30s"
window = 40
min_samples = 10
)");
  RiskConfig o;
  const Status s = LoadRiskConfig(cfg, o);
  ASSERT_TRUE(s.ok()) << s.message();
  EXPECT_EQ(o.risk_per_trade, 0.01);
  EXPECT_EQ(o.default_stop_bps, 40.0);
  EXPECT_EQ(o.signal_slippage_bps, 5.0);
  EXPECT_EQ(o.strategy_capital, 20'000.0);
  EXPECT_EQ(o.max_order_notional, 5'000.0);
  EXPECT_EQ(o.max_position_notional, 12'000.0);
  EXPECT_EQ(o.max_account_notional, 30'000.0);
  EXPECT_EQ(o.max_open_orders, 10u);
  EXPECT_EQ(o.max_open_orders_per_instrument, 3u);
  EXPECT_EQ(o.price_band_bps, 25.0);
  EXPECT_EQ(o.max_spread_bps, 8.0);
  EXPECT_EQ(o.max_data_age, Duration::Seconds(2));
  EXPECT_EQ(o.orders_per_second, 4);
  EXPECT_EQ(o.orders_per_minute, 50);
  EXPECT_EQ(o.flash_crash_halt, Duration::Minutes(10));
  EXPECT_EQ(o.position_ttl, Duration::Minutes(30));
  EXPECT_EQ(o.check_interval, Duration::Millis(250));
  EXPECT_EQ(o.states.soft_brake_multiplier, 0.25);
  EXPECT_EQ(o.states.soft_fraction, 0.6);
  EXPECT_EQ(o.states.strategy_drawdown, 0.05);
  EXPECT_EQ(o.states.account_window_loss, 0.1);
  EXPECT_EQ(o.states.loss_window, Duration::Minutes(30));
  EXPECT_EQ(o.states.account_drawdown, 0.15);
  EXPECT_EQ(o.states.calm_period, Duration::Minutes(5));
  EXPECT_EQ(o.states.recovery_ratio, 0.9);
  EXPECT_EQ(o.correlation.sample_interval, Duration::Seconds(30));
  EXPECT_EQ(o.correlation.window, 40u);
  EXPECT_EQ(o.correlation.min_samples, 10u);
}

TEST(LoadRiskConfig, MissingKeysKeepTheDefaults) {
  Config cfg = MustParse("[risk]\nmax_order_notional = 7000\n");
  RiskConfig o;
  ASSERT_TRUE(LoadRiskConfig(cfg, o).ok());
  EXPECT_EQ(o.max_order_notional, 7'000.0);
  EXPECT_EQ(o.max_position_notional, 25'000.0);
  EXPECT_EQ(o.states.account_drawdown, 0.20);
  Config empty;
  RiskConfig d;
  ASSERT_TRUE(LoadRiskConfig(empty, d).ok());
  EXPECT_EQ(d.risk_per_trade, 0.005);
}

TEST(LoadRiskConfig, AnUnknownKeyIsAnErrorWithItsLine) {
  Config cfg = MustParse("[risk]\nmax_order_notional = 7000\nmax_oder_notional = 1\n");
  RiskConfig o;
  const Status s = LoadRiskConfig(cfg, o);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message(), "run.toml:3: unknown key risk.max_oder_notional");
  Config nested = MustParse("[risk.states]\ncalm = \"5m\"\n");
  const Status n = LoadRiskConfig(nested, o);
  EXPECT_EQ(n.message(), "run.toml:2: unknown key risk.states.calm");
}

TEST(LoadRiskConfig, AnInvalidValueIsLocatedAtItsKey) {
  Config cfg = MustParse("[risk]\n\nmax_order_notional = -5\n");
  RiskConfig o;
  const Status s = LoadRiskConfig(cfg, o);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message(), "run.toml:3: risk.max_order_notional: must not be negative (0 turns it off)");
  Config st = MustParse("[risk.states]\nrecovery_ratio = 1.5\n");
  RiskConfig fresh;
  const Status t = LoadRiskConfig(st, fresh);
  EXPECT_EQ(t.message(), "run.toml:2: risk.states.recovery_ratio: must be in (0, 1]");
}

TEST(LoadRiskConfig, AWrongTypeNamesTheKey) {
  Config cfg = MustParse("[risk]\nmax_data_age = 5\n");
  RiskConfig o;
  const Status s = LoadRiskConfig(cfg, o);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("risk.max_data_age"), std::string::npos) << s.message();
  EXPECT_EQ(s.message().rfind("run.toml:2: ", 0), 0u) << s.message();
}

}  // namespace
}  // namespace hean
