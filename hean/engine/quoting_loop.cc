#include "hean/engine/quoting_loop.h"

#include <algorithm>
#include <charconv>
#include <cstdarg>
#include <cstdio>
#include <variant>

#include "hean/sim/sim_exchange.h"

namespace hean {

Status QuotingLoopOptions::Validate(const Instrument& instrument) const {
  if (!qty.IsPositive()) return InvalidArgumentError("quote qty must be positive");
  if (!qty.IsMultipleOf(instrument.lot_size)) {
    std::string m = "quote qty ";
    m.append(qty.ToString()).append(" is not a multiple of the lot size ").append(instrument.lot_size.ToString());
    return InvalidArgumentError(std::move(m));
  }
  if (qty < instrument.min_qty) return InvalidArgumentError("quote qty is below the instrument's min qty");
  if (offset_ticks < 0) return InvalidArgumentError("offset ticks must not be negative");
  if (requote_ticks < 1) return InvalidArgumentError("requote ticks must be at least 1");
  if (max_position.IsNegative()) return InvalidArgumentError("max position must not be negative");
  if (min_action_interval.nanos() < 0) return InvalidArgumentError("min action interval must not be negative");
  if (equity_sample_interval.nanos() <= 0) return InvalidArgumentError("equity sample interval must be positive");
  return {};
}

QuotingLoop::QuotingLoop(const Clock& clock, ExecutionClient& client, const InstrumentRegistry& registry,
                         const Instrument& instrument, QuotingLoopOptions options, Notional starting_balance,
                         RiskConfig risk, Logger logger)
    : clock_(clock),
      client_(client),
      instrument_(instrument),
      options_(options),
      books_([&instrument](InstrumentId) {
        return BookSet::Spec{instrument.venue, instrument.tick_size};
      }),
      portfolio_(starting_balance),
      governor_(std::move(risk),
                RiskGovernor::Services{&clock, &registry, &portfolio_, &books_, this, nullptr, nullptr, logger}),
      next_risk_check_(UnixNanos::Min()),
      next_sample_(UnixNanos::Min()) {
  if (options_.max_position.IsZero()) options_.max_position = options_.qty * 5;
}

ClientOrderId QuotingLoop::NextId() {
  char buf[24] = {'q', '-'};
  const auto r = std::to_chars(buf + 2, buf + sizeof buf, next_id_++);
  return ClientOrderId::Of(std::string_view(buf, static_cast<std::size_t>(r.ptr - buf)));
}

void QuotingLoop::OnMarketData(const Event& event) {
  ++counts_.market_events;
  if (!std::holds_alternative<BookDelta>(event) && !std::holds_alternative<BookSnapshot>(event)) return;
  (void)books_.Apply(event);
  const InstrumentId id = instrument_.id;
  if (!books_.ReadyAfterMessage(id)) return;
  const OrderBook& book = *books_.Find(id);
  const auto mid = book.Mid();
  const UnixNanos now = clock_.Now();
  if (mid) (void)portfolio_.Mark(id, *mid, now);
  if (now >= next_sample_) {
    portfolio_.SampleEquity(now);
    next_sample_ = now + options_.equity_sample_interval;
  }
  if (now >= next_risk_check_) {
    governor_.Evaluate();
    next_risk_check_ = now + governor_.config().check_interval;
  }
  // After a HARD_STOP the loop only waits: the governor cancels and
  // flattens, and would deny anything else.
  if (governor_.state() == RiskState::kHardStop) return;
  Requote(book);
}

void QuotingLoop::Requote(const OrderBook& book) {
  const auto bid = book.BestBid();
  const auto ask = book.BestAsk();
  if (!bid || !ask) return;
  const Position* pos = portfolio_.Find(instrument_.id);
  const Qty position = pos != nullptr ? pos->qty : Qty::Zero();
  const Price off = instrument_.tick_size * options_.offset_ticks;
  WorkSide(Side::kBuy, bid->price - off, position + options_.qty <= options_.max_position);
  WorkSide(Side::kSell, ask->price + off, position - options_.qty >= -options_.max_position);
}

void QuotingLoop::WorkSide(Side side, Price target, bool allowed) {
  Quote& q = side == Side::kBuy ? bid_ : ask_;
  const UnixNanos now = clock_.Now();
  if (q.ever && now - q.last_action < options_.min_action_interval) return;
  const Order* o = q.id.empty() ? nullptr : orders_.Find(q.id);
  if (o != nullptr && IsTerminal(o->status)) {
    q.id = ClientOrderId();
    o = nullptr;
  }
  if (o != nullptr) {
    // Wait for the venue's answer to what is in flight.
    if (o->status == OrderStatus::kSubmitted || o->status == OrderStatus::kPendingCancel ||
        o->status == OrderStatus::kPendingAmend || o->status == OrderStatus::kInitialized) {
      return;
    }
    if (!allowed) {
      if (orders_.RequestCancel(o->client_order_id, now).ok()) {
        if (client_.Cancel(instrument_.id, o->client_order_id).ok()) {
          ++counts_.cancels;
        } else {
          ++counts_.send_errors;
        }
        q.last_action = now;
      }
      return;
    }
    const std::int64_t off_ticks = (o->price - target).raw() / instrument_.tick_size.raw();
    if (off_ticks >= options_.requote_ticks || off_ticks <= -options_.requote_ticks) {
      AmendRequest a;
      a.instrument = instrument_.id;
      a.client_order_id = o->client_order_id;
      a.price = target;
      auto approved = governor_.ApproveAmend(a);
      if (!approved.ok()) {
        ++counts_.denied;
        q.last_action = now;
        return;
      }
      if (orders_.RequestAmend(a, now).ok()) {
        if (client_.Amend(*approved).ok()) {
          ++counts_.amends;
        } else {
          ++counts_.send_errors;
        }
        q.last_action = now;
      }
    }
    return;
  }
  if (!allowed || !target.IsPositive()) return;
  OrderRequest r{};
  r.ts_event = now;
  r.ts_recv = now;
  r.instrument = instrument_.id;
  r.side = side;
  r.type = OrderType::kLimit;
  r.tif = TimeInForce::kPostOnly;
  r.urgency = Urgency::kPassive;
  r.price = target;
  r.qty = options_.qty;
  r.client_order_id = NextId();
  r.strategy = options_.strategy;
  auto approved = governor_.Approve(r);
  q.last_action = now;
  q.ever = true;
  if (!approved.ok()) {
    ++counts_.denied;
    return;
  }
  if (!orders_.Create(r, now).ok()) {
    governor_.OnSendFailed(r.client_order_id);
    return;
  }
  if (client_.Submit(*approved).ok()) {
    ++counts_.submits;
  } else {
    ++counts_.send_errors;
    governor_.OnSendFailed(r.client_order_id);
  }
  q.id = r.client_order_id;
  q.last_action = now;
  q.ever = true;
}

void QuotingLoop::OnOrderEvent(const Event& event) {
  ++counts_.order_events;
  if (std::holds_alternative<OrderRejected>(event)) ++counts_.rejects;
  const ApplyOutcome outcome = orders_.Apply(event);
  if (outcome != ApplyOutcome::kApplied) {
    ++counts_.not_applied;
    return;
  }
  const FillReport* fill = nullptr;
  if (const auto* f = std::get_if<OrderFilled>(&event)) fill = f;
  if (const auto* f = std::get_if<OrderPartiallyFilled>(&event)) fill = f;
  if (fill != nullptr) {
    if (portfolio_.OnFill(*fill).ok()) {
      fills_.push_back(*fill);
    } else {
      ++counts_.portfolio_refused;
    }
  }
  // The governor sees the answer after the portfolio booked it.
  governor_.OnOrderEvent(event);
}

Status QuotingLoop::Execute(const ApprovedOrder& order) {
  if (auto c = orders_.Create(order.get(), clock_.Now()); !c.ok()) {
    std::string m = "order manager refused ";
    m.append(order->client_order_id.view()).append(": ").append(OrderManagerErrorName(c.error()));
    return InvalidArgumentError(std::move(m));
  }
  ++counts_.submits;
  return client_.Submit(order);
}

Status QuotingLoop::CancelAll(InstrumentId instrument) {
  const UnixNanos now = clock_.Now();
  for (Side side : {Side::kBuy, Side::kSell}) {
    std::vector<const Order*> open;
    orders_.OpenOrders(instrument, side, open);
    for (const Order* o : open) (void)orders_.RequestCancel(o->client_order_id, now);
  }
  ++counts_.cancels;
  return client_.CancelAll(instrument);
}

namespace {

void Line(std::string& out, const char* fmt, ...) __attribute__((format(printf, 2, 3)));
void Line(std::string& out, const char* fmt, ...) {
  char buf[512];
  va_list ap;
  va_start(ap, fmt);
  const int n = std::vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  if (n > 0) out.append(buf, static_cast<std::size_t>(std::min(n, static_cast<int>(sizeof buf) - 1)));
  out.push_back('\n');
}

std::string Money(Notional n) { return n.ToString(4); }

}  // namespace

std::string FormatQuotingReport(const QuotingLoop& loop, const SimStats& sim, const Instrument& inst,
                                std::size_t fills_shown) {
  std::string out;
  const auto& fills = loop.fills();
  Line(out, "fills (%zu):", fills.size());
  Line(out, "  %-22s %-6s %-5s %12s %10s %12s  %s", "exchange time (ns)", "side", "liq", "price", "qty", "fee",
       "order");
  for (std::size_t i = 0; i < fills.size(); ++i) {
    if (fills.size() > fills_shown && i == fills_shown / 2) {
      Line(out, "  ... %zu more ...", fills.size() - fills_shown);
      i = fills.size() - fills_shown / 2;
    }
    const FillReport& f = fills[i];
    Line(out, "  %-22lld %-6s %-5s %12s %10s %12s  %s", static_cast<long long>(f.ts_event.nanos()),
         std::string(ToString(f.side)).c_str(), f.liquidity == LiquiditySide::kMaker ? "maker" : "taker",
         inst.FormatPrice(f.last_price).c_str(), inst.FormatQty(f.last_qty).c_str(), f.fee.ToString(6).c_str(),
         std::string(f.client_order_id.view()).c_str());
  }
  const Portfolio& p = loop.portfolio();
  const Position* pos = p.Find(inst.id);
  Line(out, "pnl (USDT):");
  Line(out, "  realized %s  unrealized %s  fees %s  net %s", Money(p.realized_pnl()).c_str(),
       Money(p.unrealized_pnl()).c_str(), Money(p.fees()).c_str(), Money(p.equity() - p.starting_balance()).c_str());
  Line(out, "  equity %s  peak %s  max drawdown %s  position %s", Money(p.equity()).c_str(),
       Money(p.peak_equity()).c_str(), Money(p.max_drawdown()).c_str(),
       pos != nullptr ? inst.FormatQty(pos->qty).c_str() : "0");
  Line(out, "orders:");
  const QuotingLoopCounts& c = loop.counts();
  Line(out, "  submits %llu  amends %llu  cancels %llu  answers %llu  rejects %llu  not applied %llu",
       static_cast<unsigned long long>(c.submits), static_cast<unsigned long long>(c.amends),
       static_cast<unsigned long long>(c.cancels), static_cast<unsigned long long>(c.order_events),
       static_cast<unsigned long long>(c.rejects), static_cast<unsigned long long>(c.not_applied));
  Line(out, "exchange:");
  Line(out, "  accepted %llu  rejected %llu  canceled %llu  amended %llu  cancel rejects %llu  amend rejects %llu",
       static_cast<unsigned long long>(sim.accepted), static_cast<unsigned long long>(sim.rejected),
       static_cast<unsigned long long>(sim.canceled), static_cast<unsigned long long>(sim.amended),
       static_cast<unsigned long long>(sim.cancel_rejected), static_cast<unsigned long long>(sim.amend_rejected));
  Line(out, "  fills %llu: maker %llu (queue %llu, trade through %llu, book cross %llu), taker %llu",
       static_cast<unsigned long long>(sim.fills), static_cast<unsigned long long>(sim.maker_fills),
       static_cast<unsigned long long>(sim.queue_fills), static_cast<unsigned long long>(sim.trade_through_fills),
       static_cast<unsigned long long>(sim.cross_fills), static_cast<unsigned long long>(sim.taker_fills));
  Line(out, "queue:");
  const double joins = static_cast<double>(sim.joins);
  Line(out, "  joins %llu  mean qty ahead at join %.4f  consumed by trades %s  removed by cancels %s",
       static_cast<unsigned long long>(sim.joins), joins > 0 ? sim.ahead_at_join.ToDouble() / joins : 0.0,
       inst.FormatQty(sim.queue_consumed_by_trades).c_str(), inst.FormatQty(sim.queue_removed_by_cancels).c_str());
  const double firsts = static_cast<double>(sim.maker_first_fills);
  Line(out, "  mean time from arrival to first maker fill %.3f s (%llu orders)",
       firsts > 0 ? sim.time_to_first_maker_fill.ToSecondsDouble() / firsts : 0.0,
       static_cast<unsigned long long>(sim.maker_first_fills));
  const RiskGovernor& g = loop.governor();
  const RiskCounters& rc = g.counters();
  Line(out, "risk:");
  Line(out, "  state %s  requests %llu  approved %llu  denied %llu  state changes %llu",
       std::string(ToString(g.state())).c_str(), static_cast<unsigned long long>(rc.requests),
       static_cast<unsigned long long>(rc.approved), static_cast<unsigned long long>(rc.denied),
       static_cast<unsigned long long>(rc.transitions));
  std::string reasons;
  for (int r = 1; r < kDenyReasonCount; ++r) {
    const auto reason = static_cast<DenyReason>(r);
    if (rc.of(reason) == 0) continue;
    reasons.append(reasons.empty() ? "  denied by reason: " : ", ");
    reasons.append(ToString(reason)).append(" ").append(std::to_string(rc.of(reason)));
  }
  if (!reasons.empty()) Line(out, "%s", reasons.c_str());
  for (const RiskTransitionRecord& t : g.transitions()) {
    Line(out, "  %lld %s: %s -> %s (%s %.4f, limit %.4f)", static_cast<long long>(t.ts.nanos()),
         t.strategy.empty() ? "account" : std::string(t.strategy.view()).c_str(),
         std::string(ToString(t.transition.from)).c_str(), std::string(ToString(t.transition.to)).c_str(),
         std::string(t.transition.reason).c_str(), t.transition.value, t.transition.limit);
  }
  if (rc.kill_switch_calls > 0) {
    const auto flat = g.kill_switch_flat_at();
    Line(out, "  kill switch: called %llu time(s), %llu flatten order(s); %s",
         static_cast<unsigned long long>(rc.kill_switch_calls), static_cast<unsigned long long>(rc.flatten_orders),
         flat ? ("flat with no open orders at " + std::to_string(flat->nanos())).c_str() : "NOT flat at the end");
  }
  return out;
}

}  // namespace hean
