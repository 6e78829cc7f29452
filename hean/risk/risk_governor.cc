#include "hean/risk/risk_governor.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <string>

#include "hean/core/check.h"

namespace hean {

namespace {

Price PriceOf(double x) {
  auto p = Price::FromDouble(x);
  return p.ok() ? *p : Price::Undefined();
}

double Bps(double x) { return x * 1e-4; }

Qty Abs(Qty q) { return q.IsNegative() ? -q : q; }

std::optional<DenyReason> FromInstrumentError(InstrumentError e) {
  switch (e) {
    case InstrumentError::kPriceNotPositive:
    case InstrumentError::kPriceUndefined: return DenyReason::kInvalidOrder;
    case InstrumentError::kPriceOffTick: return DenyReason::kPriceOffTick;
    case InstrumentError::kQtyNotPositive: return DenyReason::kInvalidOrder;
    case InstrumentError::kQtyOffLot: return DenyReason::kQtyOffLot;
    case InstrumentError::kQtyBelowMin: return DenyReason::kBelowMinQty;
    case InstrumentError::kNotionalBelowMin: return DenyReason::kBelowMinNotional;
  }
  return DenyReason::kInvalidOrder;
}

std::string_view ScopeName(const StrategyId& id) { return id.empty() ? std::string_view("account") : id.view(); }

}  // namespace

std::size_t RiskGovernor::IdHash::operator()(const ClientOrderId& id) const noexcept {
  return std::hash<std::string_view>{}(id.view());
}
std::size_t RiskGovernor::StrategyHash::operator()(const StrategyId& id) const noexcept {
  return std::hash<std::string_view>{}(id.view());
}

RiskGovernor::RiskGovernor(RiskConfig config, Services services)
    : config_(std::move(config)),
      s_(services),
      log_(services.logger.WithComponent("risk")),
      account_(TradingState::Scope::kAccount, config_.states),
      per_second_(config_.orders_per_second, Duration::Seconds(1), config_.orders_per_second),
      per_minute_(config_.orders_per_minute, Duration::Minutes(1), config_.orders_per_minute),
      correlation_(config_.correlation) {
  if (const Status valid = config_.Validate(); !valid.ok()) {
    internal::CheckFailed(__FILE__, __LINE__, "RiskConfig::Validate()", valid.message().c_str());
  }
  HEAN_CHECK(s_.clock != nullptr && s_.instruments != nullptr && s_.portfolio != nullptr,
             "RiskGovernor needs a clock, an instrument registry and a portfolio");
  strategy_capital_ =
      config_.strategy_capital > 0.0 ? config_.strategy_capital : s_.portfolio->starting_balance().ToDouble();
  (void)account_.Observe(s_.clock->Now(), s_.portfolio->equity().ToDouble());
  if (s_.timers != nullptr) {
    timer_ = s_.timers->SchedulePeriodic(s_.clock->Now() + config_.check_interval, config_.check_interval,
                                         [this](TimerId, UnixNanos) { Evaluate(); });
  }
}

RiskGovernor::~RiskGovernor() {
  if (s_.timers != nullptr && timer_.valid()) s_.timers->Cancel(timer_);
}

RiskGovernor::InstrumentRisk& RiskGovernor::Risk(InstrumentId id) {
  if (id.value >= instruments_.size()) instruments_.resize(id.value + 1);
  return instruments_[id.value];
}

const RiskGovernor::InstrumentRisk* RiskGovernor::FindRisk(InstrumentId id) const noexcept {
  return id.value < instruments_.size() ? &instruments_[id.value] : nullptr;
}

RiskGovernor::StrategyRisk& RiskGovernor::Strategy(const StrategyId& id) {
  auto it = strategies_.find(id);
  if (it == strategies_.end()) {
    it = strategies_.emplace(id, StrategyRisk{TradingState(TradingState::Scope::kStrategy, config_.states), {}}).first;
    (void)it->second.state.Observe(s_.clock->Now(), StrategyEquity(id));
  }
  return it->second;
}

RiskState RiskGovernor::state(const StrategyId& strategy) const noexcept {
  RiskState st = account_.level();
  // The usual case, every strategy NORMAL, needs no lookup.
  if (strategies_not_normal_ == 0 || st == RiskState::kHardStop) return st;
  auto it = strategies_.find(strategy);
  if (it != strategies_.end()) st = std::max(st, it->second.state.level());
  return st;
}

const TradingState* RiskGovernor::strategy_state(const StrategyId& strategy) const noexcept {
  auto it = strategies_.find(strategy);
  return it == strategies_.end() ? nullptr : &it->second.state;
}

std::size_t RiskGovernor::open_orders(InstrumentId instrument) const noexcept {
  const InstrumentRisk* r = FindRisk(instrument);
  return r == nullptr ? 0 : r->open;
}

double RiskGovernor::StrategyEquity(const StrategyId& id) const {
  return strategy_capital_ + s_.portfolio->StrategyPnl(id).pnl.ToDouble();
}

// ---------------------------------------------------------------- market

std::optional<DenyReason> RiskGovernor::CheckData(InstrumentId id, Market& m) const {
  if (s_.books == nullptr) return DenyReason::kStaleMarketData;
  const OrderBook* book = s_.books->Find(id);
  if (book == nullptr) return DenyReason::kStaleMarketData;
  if (!book->IsValid()) return DenyReason::kBookInvalid;
  const auto bid = book->BestBid();
  const auto ask = book->BestAsk();
  if (!bid || !ask) return DenyReason::kBookInvalid;
  if (config_.max_data_age > Duration() && s_.clock->Now() - book->ts_recv > config_.max_data_age) {
    return DenyReason::kStaleMarketData;
  }
  m.bid = bid->price.ToDouble();
  m.ask = ask->price.ToDouble();
  m.mid = 0.5 * (m.bid + m.ask);
  return std::nullopt;
}

double RiskGovernor::UnitPrice(const OrderRequest& r, const Market& m) const noexcept {
  // A buy limit fills at its price or lower; a sell limit at its price or
  // higher: one below the bid sells at the bid (or better), so it counts
  // at the bid.
  if (r.type == OrderType::kLimit)
    return r.side == Side::kSell ? std::max(r.price.ToDouble(), m.bid) : r.price.ToDouble();
  // A market order counts at the edge of the price band (or at the touch
  // when the band is off), on both sides: the most it should fill at.
  const double touch = r.side == Side::kBuy ? m.ask : m.bid;
  return std::max(touch, m.mid * (1.0 + Bps(config_.price_band_bps)));
}

// ---------------------------------------------------------------- exposure

// The position on `side` (long for kBuy) plus the open orders that can add
// to it.
Qty RiskGovernor::HeldOnSide(InstrumentId instrument, Side side) const noexcept {
  const Position* p = s_.portfolio->Find(instrument);
  Qty q;
  if (p != nullptr && ((side == Side::kBuy && p->is_long()) || (side == Side::kSell && p->is_short()))) {
    q = Abs(p->qty);
  }
  if (const InstrumentRisk* r = FindRisk(instrument)) q += r->open_qty[SideIndex(side)];
  return q;
}

Qty RiskGovernor::Reducible(InstrumentId instrument, Side side) const noexcept {
  const Position* p = s_.portfolio->Find(instrument);
  const bool opposes = p != nullptr && ((side == Side::kBuy && p->is_short()) || (side == Side::kSell && p->is_long()));
  if (!opposes) return Qty::Zero();
  Qty q = Abs(p->qty);
  if (const InstrumentRisk* ir = FindRisk(instrument)) q -= ir->reduce_only_qty[SideIndex(side)];
  return q;
}

Qty RiskGovernor::StrategyReducible(const StrategyId& strategy, const Position& mine, Side side) const noexcept {
  return std::min(Abs(mine.qty) - WorkingReduceOnly(strategy, mine.instrument, side), Reducible(mine.instrument, side));
}

std::optional<Price> RiskGovernor::MarketableLimit(const Instrument& inst, Side side, const Market& m) const {
  const bool buy = side == Side::kBuy;
  const double touch = buy ? m.ask : m.bid;
  const Price limit = PriceOf(touch * (1.0 + (buy ? 1.0 : -1.0) * Bps(config_.signal_slippage_bps)));
  if (!limit.IsDefined()) return std::nullopt;
  return buy ? inst.RoundPriceUp(limit) : inst.RoundPriceDown(limit);
}

double RiskGovernor::SideExposure(InstrumentId instrument, Side side) const noexcept {
  const Qty q = HeldOnSide(instrument, side);
  if (q.IsZero()) return 0.0;
  const Position* p = s_.portfolio->Find(instrument);
  Market m;
  double price = 0.0;
  if (!CheckData(instrument, m)) {
    price = m.mid;
  } else if (p != nullptr && p->valuation_price.IsDefined()) {
    price = p->valuation_price.ToDouble();
  } else if (p != nullptr && !p->is_flat()) {
    price = p->avg_entry_price().ToDouble();  // never marked: at cost, rather than not at all
  }
  return q.ToDouble() * price;
}

// Gross exposure of the account with `added` notional on (id, side), and
// the held set's effective-positions factor n / N_eff.
double RiskGovernor::AccountExposureWith(InstrumentId id, Side side, double added) const {
  held_scratch_.clear();
  double gross = 0.0;
  const std::size_t n_inst = s_.instruments->size();
  for (std::uint32_t v = 0; v < n_inst; ++v) {
    const InstrumentId i{v};
    const double buy = SideExposure(i, Side::kBuy);
    const double sell = SideExposure(i, Side::kSell);
    double e = std::max(buy, sell);
    if (i == id) e = side == Side::kBuy ? std::max(buy + added, sell) : std::max(sell + added, buy);
    if (e > 0.0) {
      gross += e;
      held_scratch_.push_back(i);
    }
  }
  if (held_scratch_.size() <= 1) return gross;
  if (held_scratch_ != neff_set_ || neff_version_ != correlation_.version()) {
    neff_set_ = held_scratch_;
    neff_version_ = correlation_.version();
    neff_ = correlation_.EffectivePositions(neff_set_);
  }
  const double n = static_cast<double>(held_scratch_.size());
  return neff_ > 0.0 ? gross * n / neff_ : gross;
}

double RiskGovernor::EffectiveAccountExposure() const { return AccountExposureWith(InstrumentId{}, Side::kBuy, 0.0); }

double RiskGovernor::EffectivePositions() const {
  std::vector<InstrumentId> held;
  for (std::uint32_t v = 0; v < s_.instruments->size(); ++v) {
    const InstrumentId i{v};
    if (SideExposure(i, Side::kBuy) > 0.0 || SideExposure(i, Side::kSell) > 0.0) held.push_back(i);
  }
  return correlation_.EffectivePositions(held);
}

std::optional<DenyReason> RiskGovernor::CheckExposure(const OrderRequest& r, double unit_price) const {
  const double notional = r.qty.ToDouble() * unit_price;
  if (config_.max_order_notional > 0.0 && notional > config_.max_order_notional) return DenyReason::kMaxOrderNotional;
  if (config_.max_position_notional > 0.0 &&
      (HeldOnSide(r.instrument, r.side) + r.qty).ToDouble() * unit_price > config_.max_position_notional) {
    return DenyReason::kMaxPositionNotional;
  }
  if (config_.max_account_notional > 0.0 &&
      AccountExposureWith(r.instrument, r.side, notional) > config_.max_account_notional) {
    return DenyReason::kMaxAccountNotional;
  }
  return std::nullopt;
}

// ---------------------------------------------------------------- checks

std::optional<DenyReason> RiskGovernor::Check(const OrderRequest& r, bool own, Market& m) const {
  // Well-formed.
  if (r.side != Side::kBuy && r.side != Side::kSell) return DenyReason::kInvalidOrder;
  if (!r.qty.IsDefined() || !r.qty.IsPositive()) return DenyReason::kInvalidOrder;
  if (r.type == OrderType::kLimit && (!r.price.IsDefined() || !r.price.IsPositive())) return DenyReason::kInvalidOrder;
  if (r.type != OrderType::kLimit && r.type != OrderType::kMarket) return DenyReason::kInvalidOrder;
  if (r.client_order_id.empty() || open_.contains(r.client_order_id)) return DenyReason::kInvalidOrder;
  if (!r.instrument.valid() || !s_.instruments->Contains(r.instrument)) return DenyReason::kUnknownInstrument;
  const Instrument& inst = s_.instruments->Get(r.instrument);
  const UnixNanos now = s_.clock->Now();
  const InstrumentRisk* ir = FindRisk(r.instrument);

  // Trading state and halts: the governor's own flatten orders pass.
  if (!own) {
    const RiskState st = state(r.strategy);
    if (st == RiskState::kHardStop) return DenyReason::kTradingStateHardStop;
    if (!r.reduce_only) {
      if (st == RiskState::kQuarantine) return DenyReason::kTradingStateQuarantine;
      if (ir != nullptr && now < ir->halted_until) return DenyReason::kFlashCrashHalt;
    }
    if (auto d = CheckData(r.instrument, m)) return d;
  }

  // The instrument's rules.
  if (auto e = inst.CheckQty(r.qty); !e.ok()) return FromInstrumentError(e.error());
  if (r.type == OrderType::kLimit) {
    if (auto e = inst.CheckOrder(r.price, r.qty); !e.ok()) return FromInstrumentError(e.error());
  } else if (!own && inst.min_notional.IsPositive() &&
             r.qty.ToDouble() * (r.side == Side::kBuy ? m.ask : m.bid) < inst.min_notional.ToDouble()) {
    return DenyReason::kBelowMinNotional;
  }

  if (!own) {
    if (r.type == OrderType::kLimit && config_.price_band_bps > 0.0 &&
        std::abs(r.price.ToDouble() - m.mid) > m.mid * Bps(config_.price_band_bps)) {
      return DenyReason::kPriceBand;
    }
    if (r.type == OrderType::kMarket && config_.max_spread_bps > 0.0 &&
        m.ask - m.bid > m.mid * Bps(config_.max_spread_bps)) {
      return DenyReason::kSpreadTooWide;
    }
  }

  if (r.reduce_only) {
    // Reduces only what is held on the other side and not already being
    // reduced by other open reduce-only orders.
    if (r.qty > Reducible(r.instrument, r.side)) return DenyReason::kReduceOnlyWouldIncrease;
  } else {
    if (!own && state(r.strategy) == RiskState::kSoftBrake && config_.max_order_notional > 0.0 &&
        r.qty.ToDouble() * UnitPrice(r, m) > config_.states.soft_brake_multiplier * config_.max_order_notional) {
      return DenyReason::kTradingStateSoftBrake;
    }
    if (auto d = CheckExposure(r, UnitPrice(r, m))) return d;
  }

  if (!own) {
    if (config_.max_open_orders > 0 && open_.size() >= config_.max_open_orders) return DenyReason::kMaxOpenOrders;
    if (config_.max_open_orders_per_instrument > 0 && ir != nullptr &&
        ir->open >= config_.max_open_orders_per_instrument) {
      return DenyReason::kMaxOpenOrders;
    }
    if (!per_second_.CanTake(now)) return DenyReason::kRateLimitPerSecond;
    if (!per_minute_.CanTake(now)) return DenyReason::kRateLimitPerMinute;
  }
  return std::nullopt;
}

// ---------------------------------------------------------------- decisions

Result<ApprovedOrder, DenyReason> RiskGovernor::Decide(const OrderRequest& r, bool own, std::uint64_t signal_id) {
  ++counters_.requests;
  Market m;
  if (auto reason = Check(r, own, m)) return Deny(r, *reason, signal_id);
  if (!own) {
    const UnixNanos now = s_.clock->Now();
    (void)per_second_.TryTake(now);
    (void)per_minute_.TryTake(now);
  }
  Track(r, own, r.type == OrderType::kLimit || !own ? UnitPrice(r, m) : 0.0);
  ++counters_.approved;
  if (log_.Enabled(LogLevel::kDebug)) {
    log_.Debug("approved {} {} {} {} @ {} ({}{})", r.client_order_id.view(), ToString(r.side),
               s_.instruments->Get(r.instrument).symbol, r.qty.ToString(),
               r.type == OrderType::kMarket ? std::string("market") : r.price.ToString(),
               r.reduce_only ? "reduce-only, " : "", ScopeName(r.strategy));
  }
  return ApprovedOrder(r);
}

Result<ApprovedOrder, DenyReason> RiskGovernor::Deny(const OrderRequest& r, DenyReason reason,
                                                     std::uint64_t signal_id) {
  ++counters_.denied;
  ++counters_.denied_by[static_cast<std::size_t>(reason)];
  if (log_.Enabled(LogLevel::kInfo)) {
    log_.Info("denied {} {} qty {} ({}): {}", ToString(r.side),
              s_.instruments->Contains(r.instrument) ? s_.instruments->Get(r.instrument).symbol : std::string("?"),
              r.qty.IsDefined() ? r.qty.ToString() : std::string("?"), ScopeName(r.strategy), ToString(reason));
  }
  if (s_.bus != nullptr) {
    OrderDenied d;
    d.ts_event = d.ts_recv = s_.clock->Now();
    d.instrument = r.instrument;
    d.reason = reason;
    d.signal_id = signal_id;
    d.client_order_id = r.client_order_id;
    d.strategy = r.strategy;
    (void)s_.bus->Publish(d);
  }
  return MakeUnexpected(reason);
}

Result<ApprovedOrder, DenyReason> RiskGovernor::DenySignal(const Signal& sig, DenyReason reason) {
  OrderRequest r;
  r.instrument = sig.instrument;
  r.side = sig.side;
  r.strategy = sig.strategy;
  r.signal_id = sig.signal_id;
  ++counters_.requests;
  return Deny(r, reason, sig.signal_id);
}

void RiskGovernor::Track(const OrderRequest& r, bool own, double unit_price) {
  OpenOrder o;
  o.price = unit_price;
  o.instrument = r.instrument;
  o.strategy = r.strategy;
  o.side = r.side;
  o.reduce_only = r.reduce_only;
  o.flatten = own;
  o.qty = r.qty;
  o.filled = Qty::Zero();
  o.leaves = r.qty;
  InstrumentRisk& ir = Risk(r.instrument);
  ++ir.open;
  if (own) ++ir.flatten_open;
  (r.reduce_only ? ir.reduce_only_qty : ir.open_qty)[SideIndex(r.side)] += r.qty;
  open_.emplace(r.client_order_id, o);
}

void RiskGovernor::Untrack(const ClientOrderId& id) {
  auto it = open_.find(id);
  if (it == open_.end()) return;
  const OpenOrder& o = it->second;
  InstrumentRisk& ir = Risk(o.instrument);
  --ir.open;
  if (o.flatten) --ir.flatten_open;
  (o.reduce_only ? ir.reduce_only_qty : ir.open_qty)[SideIndex(o.side)] -= o.leaves;
  open_.erase(it);
}

void RiskGovernor::SetLeaves(OpenOrder& o, Qty leaves) {
  if (leaves.IsNegative()) leaves = Qty::Zero();
  InstrumentRisk& ir = Risk(o.instrument);
  Qty& side_qty = (o.reduce_only ? ir.reduce_only_qty : ir.open_qty)[SideIndex(o.side)];
  side_qty -= o.leaves;
  side_qty += leaves;
  o.leaves = leaves;
}

void RiskGovernor::OnSendFailed(const ClientOrderId& id) { Untrack(id); }

Qty RiskGovernor::WorkingReduceOnly(const StrategyId& strategy, InstrumentId instrument, Side side) const noexcept {
  Qty q;
  for (const auto& [id, o] : open_) {
    if (o.reduce_only && o.side == side && o.instrument == instrument && o.strategy == strategy) q += o.leaves;
  }
  return q;
}

ClientOrderId RiskGovernor::NextId() {
  char buf[32];
  const int n = std::snprintf(buf, sizeof buf, "risk-%llu", static_cast<unsigned long long>(next_id_++));
  return ClientOrderId::Of(std::string_view(buf, static_cast<std::size_t>(n)));
}

void RiskGovernor::Send(const ApprovedOrder& order) {
  if (s_.bus != nullptr) (void)s_.bus->Publish(order.get());
  if (s_.gateway == nullptr) return;
  if (Status st = s_.gateway->Execute(order); !st.ok()) {
    ++counters_.gateway_errors;
    log_.Error("gateway refused {}: {}", order->client_order_id.view(), st.message());
    Untrack(order->client_order_id);
  }
}

Result<ApprovedOrder, DenyReason> RiskGovernor::Approve(const OrderRequest& request) {
  if (!request.strategy.empty() && request.strategy != last_strategy_) {
    (void)Strategy(request.strategy);  // its state is kept from now on
    last_strategy_ = request.strategy;
  }
  return Decide(request, false, request.signal_id);
}

Result<ApprovedAmend, DenyReason> RiskGovernor::ApproveAmend(const AmendRequest& a) {
  ++counters_.requests;
  OrderRequest r;  // the order as amended, for the checks and the denial
  r.instrument = a.instrument;
  r.client_order_id = a.client_order_id;
  auto deny = [&](DenyReason reason) -> Result<ApprovedAmend, DenyReason> {
    (void)Deny(r, reason, 0);
    return MakeUnexpected(reason);
  };
  auto it = open_.find(a.client_order_id);
  if (it == open_.end() || it->second.instrument != a.instrument) return deny(DenyReason::kInvalidOrder);
  const OpenOrder o = it->second;
  r.side = o.side;
  r.strategy = o.strategy;
  r.reduce_only = o.reduce_only;
  r.type = OrderType::kLimit;
  r.qty = o.qty;
  if (state(o.strategy) == RiskState::kHardStop) return deny(DenyReason::kTradingStateHardStop);
  Market m;
  if (auto d = CheckData(a.instrument, m)) return deny(*d);
  const Instrument& inst = s_.instruments->Get(a.instrument);
  if (a.price.IsDefined()) {
    r.price = a.price;
    if (auto e = inst.CheckPrice(a.price); !e.ok()) return deny(*FromInstrumentError(e.error()));
    if (config_.price_band_bps > 0.0 && std::abs(a.price.ToDouble() - m.mid) > m.mid * Bps(config_.price_band_bps)) {
      return deny(DenyReason::kPriceBand);
    }
  }
  if (a.qty.IsDefined() && !a.qty.IsZero()) {
    if (auto e = inst.CheckQty(a.qty); !e.ok()) return deny(*FromInstrumentError(e.error()));
    r.qty = a.qty;
  }
  // The order as amended: what can still fill, at what price.
  const Qty added = r.qty - o.qty;
  const double unit = a.price.IsDefined() ? UnitPrice(r, m) : (o.price > 0.0 ? o.price : m.mid);
  const Qty leaves = r.qty - o.filled;
  if (o.reduce_only) {
    if (added.IsPositive()) {
      // A reduce-only order may grow only into what is held on the other
      // side and not already being reduced.
      if (added > Reducible(a.instrument, o.side)) return deny(DenyReason::kReduceOnlyWouldIncrease);
    }
  } else {
    if (added.IsPositive()) {
      const RiskState st = state(o.strategy);
      if (st == RiskState::kQuarantine) return deny(DenyReason::kTradingStateQuarantine);
      const InstrumentRisk* ir = FindRisk(a.instrument);
      if (ir != nullptr && s_.clock->Now() < ir->halted_until) return deny(DenyReason::kFlashCrashHalt);
      if (st == RiskState::kSoftBrake && config_.max_order_notional > 0.0 &&
          r.qty.ToDouble() * unit > config_.states.soft_brake_multiplier * config_.max_order_notional) {
        return deny(DenyReason::kTradingStateSoftBrake);
      }
    }
    // The amended order is still one order: its whole qty at its new price
    // against the order limit; what it adds (more qty, or the same at a
    // higher price) against the position and account limits.
    if (config_.max_order_notional > 0.0 && r.qty.ToDouble() * unit > config_.max_order_notional) {
      return deny(DenyReason::kMaxOrderNotional);
    }
    const double before = o.leaves.ToDouble() * (o.price > 0.0 ? o.price : unit);
    const double after = leaves.ToDouble() * unit;
    if (after > before) {
      if (config_.max_position_notional > 0.0 &&
          (HeldOnSide(a.instrument, o.side) - o.leaves + leaves).ToDouble() * unit > config_.max_position_notional) {
        return deny(DenyReason::kMaxPositionNotional);
      }
      if (config_.max_account_notional > 0.0 &&
          AccountExposureWith(a.instrument, o.side, after - before) > config_.max_account_notional) {
        return deny(DenyReason::kMaxAccountNotional);
      }
    }
  }
  const UnixNanos now = s_.clock->Now();
  if (!per_second_.CanTake(now)) return deny(DenyReason::kRateLimitPerSecond);
  if (!per_minute_.CanTake(now)) return deny(DenyReason::kRateLimitPerMinute);
  (void)per_second_.TryTake(now);
  (void)per_minute_.TryTake(now);
  OpenOrder& mine = it->second;
  if (added.IsPositive()) {
    // Counted from now on (until the order closes, even if the venue
    // refuses the amend: conservative).
    mine.qty = r.qty;
    SetLeaves(mine, r.qty - mine.filled);
  }
  mine.price = std::max(mine.price, unit);
  ++counters_.approved;
  return ApprovedAmend(a);
}

// ---------------------------------------------------------------- signals

Result<ApprovedOrder, DenyReason> RiskGovernor::OnSignal(const Signal& sig) {
  ++counters_.signals;
  if (!sig.instrument.valid() || !s_.instruments->Contains(sig.instrument)) {
    return DenySignal(sig, DenyReason::kUnknownInstrument);
  }
  StrategyRisk& sr = Strategy(sig.strategy);
  auto result = sig.intent == SignalIntent::kExit ? ExitFromSignal(sig) : EntryFromSignal(sig);
  if (!result.ok()) return result;
  if (sig.intent == SignalIntent::kEntry) {
    // The latest entry's TTL applies to the position; an entry without one
    // leaves the configured default.
    if (sig.position_ttl > Duration()) {
      sr.ttl[sig.instrument.value] = sig.position_ttl;
    } else {
      sr.ttl.erase(sig.instrument.value);
    }
  }
  Send(*result);
  return result;
}

Result<ApprovedOrder, DenyReason> RiskGovernor::EntryFromSignal(const Signal& sig) {
  const Instrument& inst = s_.instruments->Get(sig.instrument);
  const RiskState st = state(sig.strategy);
  if (st == RiskState::kHardStop) return DenySignal(sig, DenyReason::kTradingStateHardStop);
  if (st == RiskState::kQuarantine) return DenySignal(sig, DenyReason::kTradingStateQuarantine);
  const InstrumentRisk* ir = FindRisk(sig.instrument);
  if (ir != nullptr && s_.clock->Now() < ir->halted_until) return DenySignal(sig, DenyReason::kFlashCrashHalt);
  Market m;
  if (auto d = CheckData(sig.instrument, m)) return DenySignal(sig, *d);

  // A marketable limit: the touch plus the allowed slippage, on the grid.
  const bool buy = sig.side == Side::kBuy;
  const double touch = buy ? m.ask : m.bid;
  const std::optional<Price> bound = MarketableLimit(inst, sig.side, m);
  if (!bound) return DenySignal(sig, DenyReason::kInvalidOrder);
  const Price limit = *bound;
  // Sized at the highest price an order working the request may have: a
  // buy never goes above its limit; a sell is worked from the ask down to
  // its limit (the router posts it at the ask first), so the ask it is.
  const double unit = buy ? limit.ToDouble() : std::max(limit.ToDouble(), m.ask);
  if (unit <= 0.0) return DenySignal(sig, DenyReason::kInvalidOrder);

  // Risk per trade over the stop distance.
  const double ref =
      sig.reference_price.IsDefined() && sig.reference_price.IsPositive() ? sig.reference_price.ToDouble() : touch;
  double stop = 0.0;
  if (sig.stop_loss.IsDefined() && sig.stop_loss.IsPositive()) stop = std::abs(ref - sig.stop_loss.ToDouble());
  if (!(stop > 0.0)) stop = ref * Bps(config_.default_stop_bps);
  const double equity = s_.portfolio->equity().ToDouble();
  double qty = equity > 0.0 ? equity * config_.risk_per_trade / stop : 0.0;
  if (sig.size_hint > 0.0) qty *= sig.size_hint;

  // Capped by the limits, so that the request passes them.
  std::optional<DenyReason> binding;
  auto cap = [&](double max_qty, DenyReason why) {
    if (max_qty < qty) {
      qty = std::max(0.0, max_qty);
      binding = why;
    }
  };
  if (config_.max_order_notional > 0.0) cap(config_.max_order_notional / unit, DenyReason::kMaxOrderNotional);
  if (config_.max_position_notional > 0.0) {
    cap(config_.max_position_notional / unit - HeldOnSide(sig.instrument, sig.side).ToDouble(),
        DenyReason::kMaxPositionNotional);
  }
  if (config_.max_account_notional > 0.0 && qty > 0.0) {
    // Effective exposure is linear in the added notional once the held set
    // is fixed: solve for the largest that fits. Both points add something,
    // so the instrument is in the held set at each (with nothing added it
    // may not be, and the n / N_eff factor would differ).
    const double x = qty * unit;
    const double one = AccountExposureWith(sig.instrument, sig.side, x);
    if (one > config_.max_account_notional) {
      const double two = AccountExposureWith(sig.instrument, sig.side, 2.0 * x);
      const double slope = (two - one) / x;
      const double base = one - slope * x;
      const double room = slope > 0.0 ? (config_.max_account_notional - base) / slope / unit : 0.0;
      cap(room, DenyReason::kMaxAccountNotional);
    }
  }
  const double before_brake = qty;
  if (st == RiskState::kSoftBrake) qty *= config_.states.soft_brake_multiplier;

  auto rounded = Qty::FromDouble(qty);
  Qty q = rounded.ok() ? inst.RoundQtyDown(*rounded) : Qty::Zero();
  const bool too_small = q < inst.min_qty || q.IsZero() ||
                         (inst.min_notional.IsPositive() && q.ToDouble() * unit < inst.min_notional.ToDouble());
  if (too_small) {
    DenyReason why = q < inst.min_qty || q.IsZero() ? DenyReason::kBelowMinQty : DenyReason::kBelowMinNotional;
    const auto unbraked = Qty::FromDouble(before_brake);
    if (st == RiskState::kSoftBrake && unbraked.ok() && inst.RoundQtyDown(*unbraked) >= inst.min_qty) {
      why = DenyReason::kTradingStateSoftBrake;
    } else if (binding) {
      why = *binding;
    }
    return DenySignal(sig, why);
  }

  OrderRequest r;
  r.ts_event = r.ts_recv = s_.clock->Now();
  r.instrument = sig.instrument;
  r.side = sig.side;
  r.type = OrderType::kLimit;
  r.tif = TimeInForce::kIoc;
  r.urgency = Urgency::kNormal;
  r.price = limit;
  r.qty = q;
  r.client_order_id = NextId();
  r.strategy = sig.strategy;
  r.signal_id = sig.signal_id;
  return Decide(r, false, sig.signal_id);
}

Result<ApprovedOrder, DenyReason> RiskGovernor::ExitFromSignal(const Signal& sig) {
  const Instrument& inst = s_.instruments->Get(sig.instrument);
  // In HARD_STOP the kill switch closes positions; nothing else is taken.
  if (state(sig.strategy) == RiskState::kHardStop) return DenySignal(sig, DenyReason::kTradingStateHardStop);
  const Position* mine = s_.portfolio->Find(sig.strategy, sig.instrument);
  const Position* account = s_.portfolio->Find(sig.instrument);
  if (mine == nullptr || mine->is_flat() || account == nullptr || account->is_flat()) {
    return DenySignal(sig, DenyReason::kReduceOnlyWouldIncrease);
  }
  const Side side = mine->is_long() ? Side::kSell : Side::kBuy;
  if (side != sig.side || mine->is_long() != account->is_long()) {
    return DenySignal(sig, DenyReason::kReduceOnlyWouldIncrease);
  }
  // The strategy's share less what its own reduce-only orders already
  // close, within the account's position less every reduce-only order.
  const Qty q = StrategyReducible(sig.strategy, *mine, side);
  if (!q.IsPositive()) return DenySignal(sig, DenyReason::kReduceOnlyWouldIncrease);
  Market m;
  if (auto d = CheckData(sig.instrument, m)) return DenySignal(sig, *d);
  const std::optional<Price> limit = MarketableLimit(inst, side, m);
  if (!limit) return DenySignal(sig, DenyReason::kInvalidOrder);

  OrderRequest r;
  r.ts_event = r.ts_recv = s_.clock->Now();
  r.instrument = sig.instrument;
  r.side = side;
  r.type = OrderType::kLimit;
  r.tif = TimeInForce::kIoc;
  r.urgency = Urgency::kAggressive;
  r.reduce_only = true;
  r.price = *limit;
  r.qty = q;
  r.client_order_id = NextId();
  r.strategy = sig.strategy;
  r.signal_id = sig.signal_id;
  return Decide(r, false, sig.signal_id);
}

// ---------------------------------------------------------------- venue answers

void RiskGovernor::OnOrderEvent(const Event& e) {
  std::visit(
      [&](const auto& ev) {
        using T = std::decay_t<decltype(ev)>;
        if constexpr (std::is_same_v<T, OrderPartiallyFilled> || std::is_same_v<T, OrderFilled>) {
          auto it = open_.find(ev.client_order_id);
          if (it != open_.end()) {
            OpenOrder& o = it->second;
            o.filled = ev.cum_qty.IsDefined() && ev.cum_qty.IsPositive() ? std::max(ev.cum_qty, o.filled)
                                                                         : o.filled + ev.last_qty;
            SetLeaves(o, std::min(o.leaves, o.qty - o.filled));
            if (std::is_same_v<T, OrderFilled> || !o.leaves.IsPositive()) Untrack(ev.client_order_id);
          }
          EvaluateStates(s_.clock->Now());
          if (kill_.active) FollowKillSwitch(s_.clock->Now());
        } else if constexpr (std::is_same_v<T, OrderCanceled> || std::is_same_v<T, OrderExpired> ||
                             std::is_same_v<T, OrderRejected>) {
          if constexpr (std::is_same_v<T, OrderRejected>) {
            auto it = open_.find(ev.client_order_id);
            if (it != open_.end() && it->second.flatten) {
              // Not retried at once: a venue that refuses (a residual below
              // its minimum, say) would be asked again and again.
              ++counters_.flatten_rejects;
              Risk(it->second.instrument).flatten_retry_at = s_.clock->Now() + config_.check_interval;
              log_.Error("kill switch: the venue rejected flatten order {} ({}: {}); retrying every {}",
                         ev.client_order_id.view(), ToString(ev.reason), ev.venue_message.view(),
                         config_.check_interval.ToString());
            }
          }
          Untrack(ev.client_order_id);
          if (kill_.active) FollowKillSwitch(s_.clock->Now());
        } else if constexpr (std::is_same_v<T, OrderAmended>) {
          // The venue's new total qty; what can still fill is that less
          // what has filled.
          auto it = open_.find(ev.client_order_id);
          if (it != open_.end() && ev.qty.IsDefined() && ev.qty.IsPositive()) {
            it->second.qty = ev.qty;
            SetLeaves(it->second, ev.qty - it->second.filled);
          }
        }
      },
      e);
}

void RiskGovernor::OnFlashCrash(const FlashCrash& e) {
  if (config_.flash_crash_halt <= Duration() || !e.instrument.valid()) return;
  InstrumentRisk& ir = Risk(e.instrument);
  ir.halted_until = std::max(ir.halted_until, s_.clock->Now() + config_.flash_crash_halt);
  log_.Warn("flash crash on {}: move {:.2f}%, recovery {:.2f}%; no new exposure until {}",
            s_.instruments->Contains(e.instrument) ? s_.instruments->Get(e.instrument).symbol : std::string("?"),
            e.move * 100.0, e.recovery * 100.0, ir.halted_until.ToIso8601Millis());
}

// ---------------------------------------------------------------- periodic

void RiskGovernor::Record(const StrategyId& strategy, const StateTransition& t) {
  const UnixNanos now = s_.clock->Now();
  ++counters_.transitions;
  transitions_.push_back(RiskTransitionRecord{now, strategy, t});
  log_.Warn("{} state {} -> {} ({}: {:.4f}, limit {:.4f})", ScopeName(strategy), ToString(t.from), ToString(t.to),
            t.reason, t.value, t.limit);
  if (s_.bus != nullptr) {
    RiskStateChange c;
    c.ts_event = c.ts_recv = now;
    c.from = t.from;
    c.to = t.to;
    c.strategy = strategy;
    (void)InlineString<31>::TryFrom(t.reason, &c.reason);
    c.value = t.value;
    c.limit = t.limit;
    (void)s_.bus->Publish(c);
  }
}

void RiskGovernor::EvaluateStates(UnixNanos now) {
  const bool was_hard = account_.level() == RiskState::kHardStop;
  if (auto t = account_.Observe(now, s_.portfolio->equity().ToDouble())) Record(StrategyId{}, *t);
  for (auto& [id, sr] : strategies_) {
    if (auto t = sr.state.Observe(now, StrategyEquity(id))) {
      if (t->from == RiskState::kNormal) ++strategies_not_normal_;
      if (t->to == RiskState::kNormal) --strategies_not_normal_;
      Record(id, *t);
    }
  }
  if (!was_hard && account_.level() == RiskState::kHardStop && !kill_.active) {
    kill_.active = true;
    kill_.requested_at = now;
    kill_.flat_at.reset();
    kill_.reason = "account_drawdown";
    log_.Error("HARD_STOP: account drawdown {:.2f}% -- canceling everything and flattening", account_.drawdown() * 100);
    FollowKillSwitch(now);
  }
}

void RiskGovernor::SampleCorrelation(UnixNanos now) {
  if (s_.books == nullptr) return;
  for (std::uint32_t v = 0; v < s_.instruments->size(); ++v) {
    const OrderBook* b = s_.books->Find(InstrumentId{v});
    if (b == nullptr || !b->IsValid()) continue;
    if (auto mid = b->Mid()) correlation_.OnPrice(InstrumentId{v}, mid->ToDouble(), now);
  }
}

void RiskGovernor::CloseExpiredPositions(UnixNanos now) {
  if (account_.level() == RiskState::kHardStop) return;  // the kill switch flattens
  for (auto& [id, sr] : strategies_) {
    for (std::uint32_t v = 0; v < s_.instruments->size(); ++v) {
      const InstrumentId inst{v};
      const Position* p = s_.portfolio->Find(id, inst);
      if (p == nullptr || p->is_flat()) continue;
      Duration ttl = config_.position_ttl;
      if (auto it = sr.ttl.find(v); it != sr.ttl.end()) ttl = it->second;
      if (ttl <= Duration() || now - p->ts_opened < ttl) continue;
      const Position* account = s_.portfolio->Find(inst);
      if (account == nullptr || account->is_flat() || account->is_long() != p->is_long()) continue;
      const Side side = p->is_long() ? Side::kSell : Side::kBuy;
      if (!StrategyReducible(id, *p, side).IsPositive()) continue;  // a close is already working
      Signal close;
      close.ts_event = close.ts_recv = now;
      close.instrument = inst;
      close.side = side;
      close.intent = SignalIntent::kExit;
      close.strategy = id;
      close.reasons = signal_reason::kPositionTtl;
      log_.Info("{} position in {} is older than its TTL ({}): closing", id.view(), s_.instruments->Get(inst).symbol,
                ttl.ToString());
      ++counters_.ttl_closes;
      auto r = ExitFromSignal(close);
      if (r.ok()) Send(*r);
    }
  }
}

void RiskGovernor::Evaluate() {
  const UnixNanos now = s_.clock->Now();
  SampleCorrelation(now);
  EvaluateStates(now);
  CloseExpiredPositions(now);
  if (kill_.active) FollowKillSwitch(now);
}

// ---------------------------------------------------------------- kill switch

bool RiskGovernor::Flat() const noexcept {
  if (!open_.empty()) return false;
  for (std::uint32_t v = 0; v < s_.instruments->size(); ++v) {
    const Position* p = s_.portfolio->Find(InstrumentId{v});
    if (p != nullptr && !p->is_flat()) return false;
  }
  return true;
}

void RiskGovernor::KillSwitch(std::string_view reason) {
  ++counters_.kill_switch_calls;
  const UnixNanos now = s_.clock->Now();
  if (!kill_.active) {
    kill_.active = true;
    kill_.requested_at = now;
    kill_.flat_at.reset();
    kill_.reason = std::string(reason);
    log_.Error("KILL SWITCH ({}): HARD_STOP, canceling every open order and flattening every position", reason);
  } else {
    log_.Warn("kill switch called again ({}): already active since {}", reason, kill_.requested_at.ToIso8601Millis());
  }
  if (auto t = account_.ForceHardStop(now)) Record(StrategyId{}, *t);
  FollowKillSwitch(now);
}

void RiskGovernor::FollowKillSwitch(UnixNanos now) {
  // A gateway that answers synchronously brings us back here from inside
  // the loop below: the outer pass finishes the work.
  if (following_kill_) return;
  following_kill_ = true;
  const std::size_t n = s_.instruments->size();
  if (n > 0) (void)Risk(InstrumentId{static_cast<std::uint32_t>(n - 1)});  // no resize while looping
  for (std::uint32_t v = 0; v < n; ++v) {
    const InstrumentId inst{v};
    InstrumentRisk& ir = Risk(inst);
    // Cancel what is open (not our own flatten orders), at most once per
    // check interval per instrument while orders stay open.
    if (ir.open > ir.flatten_open && s_.gateway != nullptr &&
        (!ir.last_cancel_all || now - *ir.last_cancel_all >= config_.check_interval)) {
      ir.last_cancel_all = now;
      if (Status st = s_.gateway->CancelAll(inst); !st.ok()) {
        ++counters_.gateway_errors;
        log_.Error("kill switch: cancel-all for {} refused: {}", s_.instruments->Get(inst).symbol, st.message());
      }
    }
    // Flatten what is held, one reduce-only market order per strategy
    // holding the account's side, while none of ours is working.
    const Position* account = s_.portfolio->Find(inst);
    if (account == nullptr || account->is_flat() || ir.flatten_open > 0 || now < ir.flatten_retry_at) continue;
    const Side side = account->is_long() ? Side::kSell : Side::kBuy;
    Qty left = Reducible(inst, side);
    auto flatten = [&](const StrategyId& strategy, Qty q) {
      OrderRequest r;
      r.ts_event = r.ts_recv = now;
      r.instrument = inst;
      r.side = side;
      r.type = OrderType::kMarket;
      r.tif = TimeInForce::kIoc;
      r.urgency = Urgency::kAggressive;
      r.reduce_only = true;
      r.qty = q;
      r.client_order_id = NextId();
      r.strategy = strategy;
      auto approved = Decide(r, true, 0);
      if (!approved.ok()) return;
      ++counters_.flatten_orders;
      Send(*approved);
      left -= q;
    };
    for (const StrategyId& id : s_.portfolio->StrategyIds()) {
      if (!left.IsPositive()) break;
      const Position* p = s_.portfolio->Find(id, inst);
      if (p == nullptr || p->is_flat() || p->is_long() != account->is_long()) continue;
      const Qty q = std::min(Abs(p->qty), left);
      if (q.IsPositive()) flatten(id, q);
    }
    if (left.IsPositive()) flatten(StrategyId{}, left);
  }
  following_kill_ = false;
  if (!kill_.flat_at && Flat()) {
    kill_.flat_at = now;
    log_.Warn("kill switch: flat with no open orders at {} ({} ms after the request)", now.ToIso8601Millis(),
              (now - kill_.requested_at).nanos() / 1'000'000);
  }
}

Status RiskGovernor::Reset(std::string_view who) {
  const UnixNanos now = s_.clock->Now();
  auto t = account_.Reset(now, s_.portfolio->equity().ToDouble());
  if (!t) return FailedPreconditionError("risk: reset: the account is not in HARD_STOP");
  Record(StrategyId{}, *t);
  kill_ = KillSwitchState{};
  log_.Warn("HARD_STOP reset by {}", who);
  return Status::Ok();
}

// ---------------------------------------------------------------- bus

void AttachRiskGovernor(EventBus& bus, RiskGovernor& g) {
  bus.Subscribe<Signal>([&g](const Signal& s) { (void)g.OnSignal(s); });
  auto order_event = [&g](const auto& e) { g.OnOrderEvent(Event(e)); };
  bus.Subscribe<OrderPartiallyFilled>(order_event);
  bus.Subscribe<OrderFilled>(order_event);
  bus.Subscribe<OrderCanceled>(order_event);
  bus.Subscribe<OrderExpired>(order_event);
  bus.Subscribe<OrderRejected>(order_event);
  bus.Subscribe<OrderAmended>(order_event);
  bus.Subscribe<FlashCrash>([&g](const FlashCrash& e) { g.OnFlashCrash(e); });
}

}  // namespace hean
