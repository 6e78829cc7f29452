#include "hean/strategy/impulse_engine.h"

#include <algorithm>
#include <cmath>

namespace hean {

namespace {

Status Bad(std::string_view key, std::string_view rule, double got) {
  std::string m(key);
  m.append(": ").append(rule).append(", got ").append(fmt::format("{}", got));
  return InvalidArgumentError(std::move(m));
}

Status BadDuration(std::string_view key, Duration got) {
  std::string m(key);
  m.append(": must be positive, got ").append(got.ToString());
  return InvalidArgumentError(std::move(m));
}

// The price nearest to x on the instrument's tick grid.
Price OnTick(double x, Price tick) {
  auto p = Price::FromDouble(x);
  if (!p.ok()) return Price::Undefined();
  if (!tick.IsPositive()) return *p;
  return (*p + Price::FromRaw(tick.raw() / 2)).FloorTo(tick);
}

}  // namespace

Status ImpulseConfig::Validate() const {
  if (lookback <= Duration::Zero()) return BadDuration("strategy.impulse.lookback", lookback);
  if (cooldown < Duration::Zero()) {
    return InvalidArgumentError("strategy.impulse.cooldown: must not be negative, got " + cooldown.ToString());
  }
  if (!(take_profit > 0 && take_profit < 1))
    return Bad("strategy.impulse.take_profit", "must be in (0, 1)", take_profit);
  if (!(stop_loss > 0 && stop_loss < 1)) return Bad("strategy.impulse.stop_loss", "must be in (0, 1)", stop_loss);
  if (position_ttl < Duration::Zero()) {
    return InvalidArgumentError("strategy.impulse.position_ttl: must not be negative (0: no limit), got " +
                                position_ttl.ToString());
  }
  if (!(size_hint > 0 && size_hint <= 1)) return Bad("strategy.impulse.size_hint", "must be in (0, 1]", size_hint);
  if (entry_timeout <= Duration::Zero()) return BadDuration("strategy.impulse.entry_timeout", entry_timeout);
  if (exit_retry <= Duration::Zero()) return BadDuration("strategy.impulse.exit_retry", exit_retry);
  if (!(flow_block_buy_below >= 0)) {
    return Bad("strategy.impulse.flow_filter.block_buy_below", "must be >= 0", flow_block_buy_below);
  }
  if (!(flow_block_sell_above > flow_block_buy_below)) {
    return Bad("strategy.impulse.flow_filter.block_sell_above", "must be above block_buy_below", flow_block_sell_above);
  }
  if (!(flow_boost_ratio > 0)) return Bad("strategy.impulse.flow_filter.boost_ratio", "must be > 0", flow_boost_ratio);
  if (!(flow_boost_momentum >= 0)) {
    return Bad("strategy.impulse.flow_filter.boost_momentum", "must be >= 0", flow_boost_momentum);
  }
  if (!(flow_take_profit_multiplier > 0)) {
    return Bad("strategy.impulse.flow_filter.take_profit_multiplier", "must be > 0", flow_take_profit_multiplier);
  }
  if (!(profile_pressure > 0)) {
    return Bad("strategy.impulse.profile_filter.pressure_imbalance", "must be > 0", profile_pressure);
  }
  if (!(profile_confidence_multiplier > 0)) {
    return Bad("strategy.impulse.profile_filter.confidence_multiplier", "must be > 0", profile_confidence_multiplier);
  }
  return Status::Ok();
}

Status LoadImpulseConfig(Config& c, ImpulseConfig& o) {
  const Status reads[] = {
      c.Get("strategy.impulse.lookback", o.lookback),
      c.Get("strategy.impulse.cooldown", o.cooldown),
      c.Get("strategy.impulse.take_profit", o.take_profit),
      c.Get("strategy.impulse.stop_loss", o.stop_loss),
      c.Get("strategy.impulse.position_ttl", o.position_ttl),
      c.Get("strategy.impulse.size_hint", o.size_hint),
      c.Get("strategy.impulse.require_volume_spike", o.require_volume_spike),
      c.Get("strategy.impulse.entry_timeout", o.entry_timeout),
      c.Get("strategy.impulse.exit_retry", o.exit_retry),
      c.Get("strategy.impulse.symbols", o.symbols),
      c.Get("strategy.impulse.flow_filter.enabled", o.flow_filter),
      c.Get("strategy.impulse.flow_filter.block_buy_below", o.flow_block_buy_below),
      c.Get("strategy.impulse.flow_filter.block_sell_above", o.flow_block_sell_above),
      c.Get("strategy.impulse.flow_filter.boost_ratio", o.flow_boost_ratio),
      c.Get("strategy.impulse.flow_filter.boost_momentum", o.flow_boost_momentum),
      c.Get("strategy.impulse.flow_filter.take_profit_multiplier", o.flow_take_profit_multiplier),
      c.Get("strategy.impulse.profile_filter.enabled", o.profile_filter),
      c.Get("strategy.impulse.profile_filter.pressure_imbalance", o.profile_pressure),
      c.Get("strategy.impulse.profile_filter.confidence_multiplier", o.profile_confidence_multiplier),
  };
  for (const Status& s : reads) {
    if (!s.ok()) return s;
  }
  if (Status s = c.CheckUnknown("strategy.impulse"); !s.ok()) return s;
  if (Status s = o.Validate(); !s.ok()) return c.Locate(s);
  return Status::Ok();
}

std::string_view ImpulseEngine::SkipName(Skip s) noexcept {
  switch (s) {
    case Skip::kWarmingUp: return "warming_up";
    case Skip::kBelowThreshold: return "below_threshold";
    case Skip::kCooldown: return "cooldown";
    case Skip::kOpenPosition: return "open_position";
    case Skip::kNoVolumeSpike: return "no_volume_spike";
    case Skip::kFlowFilter: return "flow_filter";
    case Skip::kGate: return "gate";
    case Skip::kNoAnalytics: return "no_analytics";
    case Skip::kCount: break;
  }
  return "?";
}

ImpulseEngine::ImpulseEngine(ImpulseConfig config) : config_(std::move(config)) {
  HEAN_CHECK(config_.Validate().ok(), "ImpulseEngine: invalid config (validate it first)");
}

void ImpulseEngine::OnStart(StrategyContext& ctx) {
  ctx.logger().Info("impulse: lookback {}, cooldown {}, take-profit {:.3f}%, stop-loss {:.3f}%, position ttl {}",
                    config_.lookback.ToString(), config_.cooldown.ToString(), config_.take_profit * 100,
                    config_.stop_loss * 100, config_.position_ttl.ToString());
}

ImpulseEngine::State& ImpulseEngine::StateOf(StrategyContext& ctx, InstrumentId id) {
  if (states_.size() <= id.value) states_.resize(id.value + 1);
  State& s = states_[id.value];
  if (!s.checked) {
    s.checked = true;
    s.prices = TimeWindow<double>(config_.lookback, 256);
    s.traded = config_.symbols.empty();
    if (!s.traded) {
      const InstrumentAnalytics* a = ctx.Analytics(id);
      const Instrument* inst = ctx.FindInstrument(id);
      const std::string_view symbol = a != nullptr      ? std::string_view(a->symbol())
                                      : inst != nullptr ? std::string_view(inst->symbol)
                                                        : std::string_view();
      s.traded = std::find(config_.symbols.begin(), config_.symbols.end(), symbol) != config_.symbols.end();
    }
  }
  return s;
}

double ImpulseEngine::LastReturn(InstrumentId id) const noexcept {
  return id.value < states_.size() ? states_[id.value].last_return : 0.0;
}

double ImpulseEngine::MaxAbsReturn(InstrumentId id) const noexcept {
  return id.value < states_.size() ? states_[id.value].max_abs_return : 0.0;
}

void ImpulseEngine::OnTrade(StrategyContext& ctx, const Trade& t) {
  State& s = StateOf(ctx, t.instrument);
  if (!s.traded || !t.price.IsDefined() || !t.price.IsPositive()) return;
  ++stats_.trades;
  const UnixNanos now = ctx.Now();
  const double price = t.price.ToDouble();
  if (!s.seen) {
    s.seen = true;
    s.first_trade = now;
  }
  s.prices.Push(now, price);
  s.prices.Expire(now);
  const bool warm = now - s.first_trade >= config_.lookback;
  s.last_return = warm ? price / s.prices.front().value - 1.0 : 0.0;
  s.max_abs_return = std::max(s.max_abs_return, std::fabs(s.last_return));

  const StrategyPosition& p = ctx.Position(t.instrument);
  if (!p.flat()) {
    if (s.pending_signal != 0) s.pending_signal = 0;  // the entry filled
    ManagePosition(ctx, s, t, p);
    // An impulse while the position is open is not an entry; count it so
    // that the statistics say why (as for a pending entry).
    const InstrumentAnalytics* a = ctx.Analytics(t.instrument);
    if (warm && a != nullptr && std::fabs(s.last_return) > a->threshold().value()) {
      ++stats_.impulses;
      Skipped(Skip::kOpenPosition);
    }
    return;
  }
  if (s.pending_signal != 0 && now - s.pending_since >= config_.entry_timeout) {
    s.pending_signal = 0;
    ++stats_.entries_timed_out;
  }
  if (!warm) {
    Skipped(Skip::kWarmingUp);
    return;
  }
  ConsiderEntry(ctx, s, t);
}

void ImpulseEngine::ManagePosition(StrategyContext& ctx, State& s, const Trade& t, const StrategyPosition& p) {
  const UnixNanos now = ctx.Now();
  const bool long_pos = p.qty.IsPositive();
  const double entry = p.AvgEntry();
  std::uint32_t reason = s.exit_reason;
  const bool retry = reason != 0;
  if (retry) {
    // An exit stands once decided: repeat it while the position is open.
    if (now - s.exit_sent < config_.exit_retry) return;
    ++stats_.exit_retries;
  } else {
    // Exit prices on the tick grid, from the average entry of the fills.
    const InstrumentAnalytics* a = ctx.Analytics(t.instrument);
    const Price tick = a != nullptr ? a->tick_size() : Price::Zero();
    const double dir = long_pos ? 1.0 : -1.0;
    const double tp = s.tp_fraction > 0 ? s.tp_fraction : config_.take_profit;
    const double sl = s.sl_fraction > 0 ? s.sl_fraction : config_.stop_loss;
    const Duration ttl = s.tp_fraction > 0 ? s.ttl : config_.position_ttl;
    const Price tp_price = OnTick(entry * (1.0 + dir * tp), tick);
    const Price sl_price = OnTick(entry * (1.0 - dir * sl), tick);
    if (long_pos ? t.price >= tp_price : t.price <= tp_price) {
      reason = signal_reason::kTakeProfit;
      ++stats_.exits_take_profit;
    } else if (long_pos ? t.price <= sl_price : t.price >= sl_price) {
      reason = signal_reason::kStopLoss;
      ++stats_.exits_stop_loss;
    } else if (ttl > Duration::Zero() && now - p.opened >= ttl) {
      reason = signal_reason::kPositionTtl;
      ++stats_.exits_ttl;
    } else {
      return;
    }
    s.exit_reason = reason;
  }
  Signal sig;
  sig.instrument = t.instrument;
  sig.side = long_pos ? Side::kSell : Side::kBuy;
  sig.intent = SignalIntent::kExit;
  sig.reference_price = t.price;
  sig.strength = 1.0;
  sig.size_hint = 1.0;
  sig.reasons = reason;
  s.exit_sent = now;
  const std::uint64_t id = ctx.EmitSignal(sig);
  const double gain = long_pos ? t.price.ToDouble() / entry - 1.0 : 1.0 - t.price.ToDouble() / entry;
  const char* why = reason == signal_reason::kTakeProfit ? "take-profit"
                    : reason == signal_reason::kStopLoss ? "stop-loss"
                                                         : "position ttl";
  ctx.logger().Info("impulse exit #{} {} at {} ({}{}; entry {:.2f}, gain {:+.3f}%)", id, ToString(sig.side),
                    t.price.ToString(), why, retry ? ", repeated" : "", entry, gain * 100);
}

void ImpulseEngine::ConsiderEntry(StrategyContext& ctx, State& s, const Trade& t) {
  InstrumentAnalytics* a = ctx.Analytics(t.instrument);
  if (a == nullptr) {
    Skipped(Skip::kNoAnalytics);
    return;
  }
  const double threshold = a->threshold().value();
  const double r = s.last_return;
  if (!(std::fabs(r) > threshold)) {
    Skipped(Skip::kBelowThreshold);
    return;
  }
  ++stats_.impulses;
  const UnixNanos now = ctx.Now();
  if (s.pending_signal != 0) {
    Skipped(Skip::kOpenPosition);
    return;
  }
  if (now < s.cooldown_until) {
    Skipped(Skip::kCooldown);
    return;
  }
  std::uint32_t reasons = signal_reason::kImpulse;
  const VolumeSpike& spike = a->volume_spike();
  if (config_.require_volume_spike) {
    if (!spike.IsSpike()) {
      Skipped(Skip::kNoVolumeSpike);
      return;
    }
    reasons |= spike.has_history() ? signal_reason::kVolumeSpike : signal_reason::kSpikeUnknown;
  }
  const Side side = r > 0 ? Side::kBuy : Side::kSell;
  double tp = config_.take_profit;
  double confidence = std::min(1.0, 0.5 * std::fabs(r) / threshold);
  if (config_.flow_filter) {
    const TradeFlow& flow = a->trade_flow();
    const double ratio = flow.flow_ratio();
    // Without trades of known aggressor in the window the ratio says
    // nothing (it would read 0 and block every buy): no filter then.
    const bool known = flow.buy_volume() + flow.sell_volume() > 0;
    if (known && ((side == Side::kBuy && ratio < config_.flow_block_buy_below) ||
                  (side == Side::kSell && ratio > config_.flow_block_sell_above))) {
      Skipped(Skip::kFlowFilter);
      return;
    }
    const double m = flow.momentum();
    const bool boost =
        known && (side == Side::kBuy ? ratio > config_.flow_boost_ratio && m > config_.flow_boost_momentum
                                     : ratio < 1.0 / config_.flow_boost_ratio && m < -config_.flow_boost_momentum);
    if (boost) {
      tp *= config_.flow_take_profit_multiplier;
      reasons |= signal_reason::kFlowBoost;
      ++stats_.flow_boosts;
    }
  }
  if (config_.profile_filter) {
    const OrderBook* book = ctx.Book(t.instrument);
    if (book != nullptr && book->IsValid()) {
      const BookProfile& prof = a->BookProfileOf(*book);
      if (prof.valid) {
        const bool breakout = side == Side::kBuy
                                  ? t.price > prof.vpoc && prof.pressure_imbalance > config_.profile_pressure
                                  : t.price < prof.vpoc && prof.pressure_imbalance > 0 &&
                                        prof.pressure_imbalance < 1.0 / config_.profile_pressure;
        if (breakout) {
          confidence = std::min(1.0, confidence * config_.profile_confidence_multiplier);
          reasons |= signal_reason::kProfileBreakout;
          ++stats_.profile_boosts;
        }
      }
    }
  }
  const double price = t.price.ToDouble();
  const double dir = side == Side::kBuy ? 1.0 : -1.0;
  Signal sig;
  sig.instrument = t.instrument;
  sig.side = side;
  sig.intent = SignalIntent::kEntry;
  sig.reference_price = t.price;
  sig.strength = confidence;
  sig.take_profit = OnTick(price * (1.0 + dir * tp), a->tick_size());
  sig.stop_loss = OnTick(price * (1.0 - dir * config_.stop_loss), a->tick_size());
  sig.position_ttl = config_.position_ttl;
  sig.size_hint = config_.size_hint;
  sig.reasons = reasons;
  if (gate_ && !gate_(sig, *a)) {
    Skipped(Skip::kGate);
    return;
  }
  s.pending_signal = ctx.EmitSignal(sig);
  s.pending_since = now;
  s.cooldown_until = now + config_.cooldown;
  s.tp_fraction = tp;
  s.sl_fraction = config_.stop_loss;
  s.ttl = config_.position_ttl;
  s.exit_sent = UnixNanos::Min();
  s.exit_reason = 0;
  ++stats_.entries;
  ctx.logger().Info("impulse entry #{} {} {} at {}: return {:+.3f}% over {} vs threshold {:.3f}%, confidence {:.2f}",
                    s.pending_signal, ToString(side), a->symbol(), t.price.ToString(), r * 100,
                    config_.lookback.ToString(), threshold * 100, confidence);
}

void ImpulseEngine::OnFill(StrategyContext& ctx, const FillReport& f) {
  if (f.instrument.value >= states_.size()) return;
  State& s = states_[f.instrument.value];
  const StrategyPosition& p = ctx.Position(f.instrument);
  if (!p.flat()) {
    s.pending_signal = 0;
  } else {
    // Flat: the exit is done and the entry's exit plan ends with it.
    s.exit_sent = UnixNanos::Min();
    s.exit_reason = 0;
    s.tp_fraction = 0;
    s.sl_fraction = 0;
    s.ttl = Duration::Zero();
  }
}

void ImpulseEngine::OnDenied(StrategyContext&, const OrderDenied& d) {
  if (d.instrument.value >= states_.size()) return;
  State& s = states_[d.instrument.value];
  if (d.signal_id != 0 && d.signal_id == s.pending_signal) s.pending_signal = 0;
}

}  // namespace hean
