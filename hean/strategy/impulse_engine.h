// ImpulseEngine: trades impulses (fast moves confirmed by real volume) in
// the direction of the move, with take-profit, stop-loss and a position
// time-to-live. The original design's strategy; docs/STRATEGY.md states
// every rule and default.
//
// On each trade of an instrument it trades:
//  1. if a position is open: exit (a kExit signal) at take-profit, stop-loss
//     or when the position outlived its TTL;
//  2. else, when no entry is pending and the cooldown has passed: the return
//     over the lookback (last price / the oldest price of the last
//     `lookback`, - 1) must beat the instrument's adaptive threshold in
//     absolute value, with a full lookback of history behind it;
//  3. the volume-spike check must pass (switchable);
//  4. filters, each switchable: trade flow (blocks buys when the flow ratio
//     is below 0.5, sells above 2.0; widens the take-profit x1.2 when the
//     flow and momentum agree strongly with the move), volume profile
//     (confidence x1.3 on a break through the VPOC with the book's pressure
//     behind it), and a gate hook (a predictor later);
//  5. the entry signal carries side, confidence, reference price,
//     take-profit and stop-loss prices, the position TTL, a size hint and
//     the reasons; a cooldown starts.
// At most one position (or pending entry) per instrument. Not thread-safe.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "hean/analytics/time_window.h"
#include "hean/config/config.h"
#include "hean/strategy/strategy.h"

namespace hean {

struct ImpulseConfig {
  Duration lookback = Duration::Seconds(60);      // strategy.impulse.lookback
  Duration cooldown = Duration::Seconds(30);      // strategy.impulse.cooldown
  double take_profit = 0.006;                     // strategy.impulse.take_profit (fraction of entry)
  double stop_loss = 0.003;                       // strategy.impulse.stop_loss
  Duration position_ttl = Duration::Minutes(10);  // strategy.impulse.position_ttl
  double size_hint = 1.0;                         // strategy.impulse.size_hint (fraction of normal size)
  bool require_volume_spike = true;               // strategy.impulse.require_volume_spike
  Duration entry_timeout =
      Duration::Seconds(10);  // strategy.impulse.entry_timeout: a pending entry with no fill is dropped
  Duration exit_retry = Duration::Seconds(5);  // strategy.impulse.exit_retry: repeat an exit while still open
  std::vector<std::string> symbols;            // strategy.impulse.symbols: empty = every instrument

  // [strategy.impulse.flow_filter]
  bool flow_filter = true;                   // .enabled
  double flow_block_buy_below = 0.5;         // .block_buy_below
  double flow_block_sell_above = 2.0;        // .block_sell_above
  double flow_boost_ratio = 2.0;             // .boost_ratio
  double flow_boost_momentum = 0.001;        // .boost_momentum
  double flow_take_profit_multiplier = 1.2;  // .take_profit_multiplier

  // [strategy.impulse.profile_filter]
  bool profile_filter = true;                  // .enabled
  double profile_pressure = 1.5;               // .pressure_imbalance
  double profile_confidence_multiplier = 1.3;  // .confidence_multiplier

  [[nodiscard]] Status Validate() const;
};

// Reads strategy.impulse.* over the defaults in `out` and validates;
// unknown keys under strategy.impulse are errors.
[[nodiscard]] Status LoadImpulseConfig(Config& config, ImpulseConfig& out);

// A veto on entries, e.g. an ML price predictor. Returns false to block.
using SignalGate = std::function<bool(const Signal& candidate, const InstrumentAnalytics& analytics)>;

class ImpulseEngine final : public Strategy {
 public:
  // Why a candidate entry was not emitted, for statistics.
  enum class Skip : std::uint8_t {
    kWarmingUp = 0,   // less than a lookback of price history
    kBelowThreshold,  // |return| did not beat the threshold
    kCooldown,        // an impulse during the cooldown
    kOpenPosition,    // a position or a pending entry exists
    kNoVolumeSpike,   // impulse without a volume spike
    kFlowFilter,      // blocked by the trade-flow filter
    kGate,            // vetoed by the gate hook
    kNoAnalytics,     // the instrument has no analytics
    kCount
  };
  static std::string_view SkipName(Skip s) noexcept;

  struct Stats {
    std::uint64_t trades = 0;
    std::uint64_t impulses = 0;  // |return| beat the threshold (whatever followed)
    std::uint64_t entries = 0;
    std::uint64_t exits_take_profit = 0;
    std::uint64_t exits_stop_loss = 0;
    std::uint64_t exits_ttl = 0;
    std::uint64_t exit_retries = 0;
    std::uint64_t flow_boosts = 0;
    std::uint64_t profile_boosts = 0;
    std::uint64_t entries_timed_out = 0;
    std::array<std::uint64_t, static_cast<std::size_t>(Skip::kCount)> skipped{};
    std::uint64_t of(Skip s) const noexcept { return skipped[static_cast<std::size_t>(s)]; }
  };

  explicit ImpulseEngine(ImpulseConfig config);

  std::string_view name() const noexcept override { return "impulse"; }
  void OnStart(StrategyContext& ctx) override;
  void OnTrade(StrategyContext& ctx, const Trade& t) override;
  void OnFill(StrategyContext& ctx, const FillReport& f) override;
  void OnDenied(StrategyContext& ctx, const OrderDenied& d) override;

  void SetGate(SignalGate gate) { gate_ = std::move(gate); }
  const ImpulseConfig& config() const noexcept { return config_; }
  const Stats& stats() const noexcept { return stats_; }
  // The return over the lookback at the instrument's last trade (0 while
  // warming up); for features output.
  double LastReturn(InstrumentId id) const noexcept;
  // The largest |return over the lookback| seen so far.
  double MaxAbsReturn(InstrumentId id) const noexcept;

 private:
  struct State {
    bool traded = false;  // the instrument is in `symbols` (or symbols is empty)
    bool checked = false;
    TimeWindow<double> prices{Duration::Seconds(60)};
    UnixNanos first_trade;
    bool seen = false;
    double last_return = 0;
    double max_abs_return = 0;
    UnixNanos cooldown_until = UnixNanos::Min();
    // Pending entry: emitted, no fill yet.
    std::uint64_t pending_signal = 0;
    UnixNanos pending_since;
    // The open position's exit plan (fractions applied to the fill price).
    double tp_fraction = 0;
    double sl_fraction = 0;
    Duration ttl;
    UnixNanos exit_sent = UnixNanos::Min();  // last exit signal time
    std::uint32_t exit_reason = 0;           // the exit decided (0: none yet)
  };

  State& StateOf(StrategyContext& ctx, InstrumentId id);
  void ManagePosition(StrategyContext& ctx, State& s, const Trade& t, const StrategyPosition& p);
  void ConsiderEntry(StrategyContext& ctx, State& s, const Trade& t);
  void Skipped(Skip why) noexcept { ++stats_.skipped[static_cast<std::size_t>(why)]; }

  ImpulseConfig config_;
  SignalGate gate_;
  std::vector<State> states_;  // by InstrumentId::value
  Stats stats_;
};

}  // namespace hean
