// The risk governor in front of the simulated exchange, on synthetic
// markets of two instruments:
//   * randomized runs (several seeds, thousands of market events each):
//     random signals, direct requests and cancels through the governor,
//     with limits small enough to bind often; every approval is checked
//     against the limits with this test's own bookkeeping (positions from
//     the fills it saw, open orders from the approvals it saw and the
//     terminal answers the exchange sent), never the governor's;
//   * the kill switch during a burst, with resting orders, positions on both
//     instruments and fills in flight, twice (with a reset in between);
//   * determinism: one seed, one sequence of decisions.
//
// Wiring (as QuotingLoop does): the Harness is the governor's OrderGateway
// and the exchange's OrderEventSink. Every order reaches the exchange
// through it, after an approval; every answer goes to its OrderManager,
// then (fills) to the Portfolio, then to the governor.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <functional>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "hean/book/book_set.h"
#include "hean/core/clock.h"
#include "hean/engine/sim_runner.h"
#include "hean/engine/test_order_events.h"
#include "hean/exec/order_gateway.h"
#include "hean/exec/order_manager.h"
#include "hean/model/events.h"
#include "hean/model/instrument.h"
#include "hean/portfolio/portfolio.h"
#include "hean/risk/risk_governor.h"
#include "hean/sim/fee_model.h"
#include "hean/sim/latency_model.h"
#include "hean/sim/queue_model.h"
#include "hean/sim/sim_exchange.h"

namespace hean {
namespace {

constexpr std::int64_t kTickRaw = 10'000'000;  // 0.01
constexpr double kTol = 1e-9;                  // relative slack for double comparisons at a limit
constexpr std::size_t kInstruments = 2;
const StrategyId kStrategies[] = {StrategyId::Of("alpha"), StrategyId::Of("beta"), StrategyId::Of("gamma")};

// AAAUSDT around 100 (lot 0.01) and BBBUSDT around 50 (lot 0.1); tick
// 0.01, min notional 5 USDT, Bybit's base fees.
Instrument MakeInstrument(const char* symbol, std::int64_t lot_raw, int qty_precision) {
  Instrument i;
  i.symbol = symbol;
  i.venue = Venue::kBybit;
  i.kind = InstrumentKind::kLinearPerpetual;
  i.tick_size = Price::FromRaw(kTickRaw);
  i.lot_size = Qty::FromRaw(lot_raw);
  i.min_qty = Qty::FromRaw(lot_raw);
  i.min_notional = Notional::FromInt(5);
  i.maker_fee = Rate::FromRaw(200'000);
  i.taker_fee = Rate::FromRaw(550'000);
  i.price_precision = 2;
  i.qty_precision = qty_precision;
  return i;
}

// Coarse lots make one lot worth more than the min notional (about 10
// USDT), so that no position can be smaller than what the venue accepts.
InstrumentRegistry MakeRegistry(bool coarse_lots) {
  InstrumentRegistry r;
  EXPECT_TRUE(r.Add(MakeInstrument("AAAUSDT", coarse_lots ? 100'000'000 : 10'000'000, coarse_lots ? 1 : 2)).ok());
  EXPECT_TRUE(r.Add(MakeInstrument("BBBUSDT", coarse_lots ? 200'000'000 : 100'000'000, 1)).ok());
  return r;
}

constexpr std::int64_t kStartBidTicks[kInstruments] = {10'000, 5'000};  // 100.00, 50.00

Price Ticks(std::int64_t n) { return Price::FromRaw(n * kTickRaw); }
Qty AbsQty(Qty q) { return q.IsNegative() ? -q : q; }

std::string DenyName(DenyReason r) { return std::string(ToString(r)); }

using test_order_events::Serialize;

std::string Describe(const OrderRequest& r) {
  std::string s(r.client_order_id.view());
  s.append(" ").append(std::to_string(r.instrument.value)).append(" ").append(ToString(r.side));
  s.append(" ").append(r.type == OrderType::kMarket ? "mkt" : r.price.ToString());
  s.append(" x").append(r.qty.IsDefined() ? r.qty.ToString() : "?");
  if (r.reduce_only) s.append(" ro");
  s.append(" [").append(r.strategy.view()).append("]");
  return s;
}

std::string Describe(const Signal& g) {
  std::string s = "sig#" + std::to_string(g.signal_id);
  s.append(g.intent == SignalIntent::kEntry ? " entry " : " exit ");
  s.append(std::to_string(g.instrument.value)).append(" ").append(ToString(g.side));
  s.append(" [").append(g.strategy.view()).append("]");
  return s;
}

// ---------------------------------------------------------------------------
// The harness.

struct HarnessOptions {
  std::uint64_t seed = 1;
  bool random_actions = false;  // signals, requests and cancels at random on book events
  bool trades = false;          // trades at the touch (and through it): resting orders fill
  bool market_noise = false;    // wide spreads, one-sided books, silent periods (stale data)
  bool coarse_lots = false;     // see MakeRegistry
  Duration order_latency = Duration::Millis(2);
  Duration response_latency = Duration::Millis(3);
  Duration md_latency = Duration::Micros(300);
};

// Where an approval came from.
enum class Source : std::uint8_t { kDirect, kSignal, kTtl, kFlatten };
const char* SourceName(Source s) {
  switch (s) {
    case Source::kDirect: return "direct";
    case Source::kSignal: return "signal";
    case Source::kTtl: return "ttl";
    case Source::kFlatten: return "flatten";
  }
  return "?";
}

class Harness final : public OrderGateway, public OrderEventSink {
 public:
  Harness(RiskConfig config, HarnessOptions options, Notional start)
      : opt_(options),
        rng_(options.seed),
        registry_(MakeRegistry(options.coarse_lots)),
        clock_(UnixNanos::FromSeconds(1'700'000'000)),
        order_latency_(options.order_latency, Duration::Nanos(options.order_latency.nanos() / 4),
                       Duration::Nanos(options.order_latency.nanos() / 4), options.seed * 7 + 1),
        response_latency_(options.response_latency, Duration::Nanos(options.response_latency.nanos() / 4),
                          Duration::Nanos(options.response_latency.nanos() / 4), options.seed * 7 + 2),
        exchange_(registry_, clock_, *this, order_latency_, response_latency_, queue_, fees_),
        portfolio_(start, registry_),
        books_([this](InstrumentId id) {
          return BookSet::Spec{registry_.Get(id).venue, registry_.Get(id).tick_size};
        }),
        governor_(std::move(config),
                  RiskGovernor::Services{&clock_, &registry_, &portfolio_, &books_, this, nullptr, nullptr, Logger()}),
        runner_(clock_, exchange_, nullptr, [this](const Event& e) { OnMarket(e); }),
        t_(clock_.Now()) {
    for (std::size_t v = 0; v < kInstruments; ++v) mkt_[v].bid = kStartBidTicks[v];
  }

  // ------------------------------------------------------------- driving

  // Feeds the next market event(s): a snapshot of one instrument (they
  // alternate) `dt` after the last, sometimes followed by a trade.
  void Step(Duration dt) {
    t_ = t_ + dt;
    const std::uint32_t v = static_cast<std::uint32_t>(step_++ % kInstruments);
    SynthBook& m = mkt_[v];
    if (opt_.market_noise && v == 1) {
      if (t_ < m.silent_until) return;
      if (rng_() % 700 == 0) {  // the feed of B goes quiet: its data goes stale
        m.silent_until = t_ + Duration::Seconds(5) + Duration::Millis(static_cast<std::int64_t>(rng_() % 3000));
        return;
      }
    }
    if (opt_.market_noise) {
      m.bid += static_cast<std::int64_t>(rng_() % 7) - 3;
      const std::uint64_t s = rng_() % 100;
      m.spread = s < 60 ? 1 : s < 85 ? 2 : s < 95 ? 3 : 12;
      m.one_sided = rng_() % 1500 == 0;
    } else {
      m.bid += static_cast<std::int64_t>(rng_() % 3) - 1;
      m.spread = 1 + static_cast<std::int64_t>(rng_() % 2);
      m.one_sided = false;
    }
    Feed(MakeSnapshot(v, m));
    if (opt_.trades && rng_() % 100 < 40) {
      t_ = t_ + Duration::Micros(50);
      Trade tr{};
      tr.ts_event = t_;
      tr.ts_recv = t_ + opt_.md_latency;
      tr.instrument = InstrumentId{v};
      const bool buyer = rng_() % 2 == 0;
      const bool through = rng_() % 10 == 0;
      tr.aggressor = buyer ? AggressorSide::kBuyer : AggressorSide::kSeller;
      tr.price = buyer ? Ticks(m.bid + m.spread + (through ? 1 : 0)) : Ticks(m.bid - (through ? 1 : 0));
      tr.qty = registry_.Get(InstrumentId{v}).lot_size * static_cast<std::int64_t>(1 + rng_() % LevelLots(v));
      tr.trade_id = TradeId::Of("x" + std::to_string(++trade_seq_));
      Feed(tr);
    }
  }
  void StepRandom() { Step(Duration::Millis(20 + static_cast<std::int64_t>(rng_() % 120))); }
  void RunFor(Duration d, Duration dt) {
    const UnixNanos end = t_ + d;
    while (t_ < end) Step(dt);
  }
  // Runs `fn` at local time from the next market event on which `when`
  // holds (feeding events `dt` apart until it ran).
  void ActWhen(std::function<bool()> when, std::function<void()> fn, Duration dt, int max_steps = 10'000) {
    actions_.push_back(Action{std::move(when), std::move(fn)});
    for (int i = 0; i < max_steps && !actions_.empty(); ++i) Step(dt);
    if (!actions_.empty()) {
      ADD_FAILURE() << "a scripted action never ran";
      actions_.clear();
    }
  }
  void Act(std::function<void()> fn, Duration dt = Duration::Millis(50)) {
    ActWhen([] { return true; }, std::move(fn), dt);
  }
  void StopRandomActions() { opt_.random_actions = false; }
  // Delivers what is pending and runs every command and answer in flight.
  void Finish() { EXPECT_TRUE(runner_.Finish().ok()); }
  bool Quiet() const { return !exchange_.NextArrival() && !exchange_.NextDelivery(); }

  // ------------------------------------------------------------- requests

  // A request through RiskGovernor::Approve; sent (OrderManager, then the
  // exchange) when approved.
  Result<ApprovedOrder, DenyReason> Request(OrderRequest r) {
    const UnixNanos now = clock_.Now();
    r.ts_event = r.ts_recv = now;
    if (r.client_order_id.empty()) r.client_order_id = ClientOrderId::Of("d-" + std::to_string(++next_id_));
    ++my_requests_;
    const std::uint64_t executes_before = executes_;
    auto res = governor_.Approve(r);
    if (executes_ != executes_before) Violation("Approve made the governor send something: " + Describe(r));
    if (!res.ok()) {
      OnDenied(res.error(), "direct " + Describe(r));
      return res;
    }
    if (res->get().client_order_id != r.client_order_id || res->get().qty != r.qty) {
      Violation("approval differs from the request: " + Describe(r));
    }
    OnApproval(res->get(), Source::kDirect);
    if (!orders_.Create(res->get(), now).ok()) {
      Violation("order manager refused an approved order: " + Describe(r));
      governor_.OnSendFailed(r.client_order_id);
      Untrack(r.client_order_id);
      return res;
    }
    ++submits_;
    if (!exchange_.Submit(*res).ok()) Violation("exchange refused to send " + Describe(r));
    return res;
  }

  Result<ApprovedOrder, DenyReason> SendSignal(const Signal& s) {
    ++my_requests_;
    ++signals_;
    const std::uint64_t executes_before = executes_;
    in_signal_ = true;
    auto res = governor_.OnSignal(s);
    in_signal_ = false;
    const std::uint64_t sent = executes_ - executes_before;
    if (res.ok()) {
      if (sent != 1) Violation("approved signal sent " + std::to_string(sent) + " orders: " + Describe(s));
      if (open_.find(std::string(res->get().client_order_id.view())) == open_.end() &&
          !closed_.contains(std::string(res->get().client_order_id.view()))) {
        Violation("approved signal order never reached the gateway: " + Describe(s));
      }
    } else {
      if (sent != 0) Violation("denied signal sent an order: " + Describe(s));
      OnDenied(res.error(), Describe(s));
    }
    return res;
  }

  // A change through RiskGovernor::ApproveAmend, checked like an approval
  // (the order as amended against the limits), and sent when approved.
  Result<ApprovedAmend, DenyReason> Amend(AmendRequest a) {
    const UnixNanos now = clock_.Now();
    const std::string what = "amend " + std::string(a.client_order_id.view()) + " to " +
                             (a.price.IsDefined() ? a.price.ToString() : "same") + " x" + a.qty.ToString();
    ++my_requests_;
    auto res = governor_.ApproveAmend(a);
    if (!res.ok()) {
      OnDenied(res.error(), what);
      return res;
    }
    ++approved_;
    ++amends_approved_;
    decisions_.push_back(std::to_string(now.nanos()) + " " + what + " -> approved");
    const RiskConfig& c = governor_.config();
    auto it = open_.find(std::string(a.client_order_id.view()));
    if (it == open_.end()) {
      Violation("amend approved for an order not open: " + what);
      return res;
    }
    Tracked& t = it->second;
    const std::uint32_t v = t.instrument.value;
    const Qty qty = a.qty.IsZero() ? t.qty : a.qty;
    const Price price = a.price.IsDefined() ? a.price : t.price;
    const Qty more = qty - t.qty;
    if (!t.reduce_only) {
      const double notional = qty.ToDouble() * price.ToDouble();
      if (c.max_order_notional > 0.0 && notional > c.max_order_notional * (1.0 + kTol)) {
        Violation("amended order notional " + std::to_string(notional) + " > max: " + what);
      }
      const Qty held = HeldOnSide(v, t.side) + (more.IsPositive() ? more : Qty::Zero());
      if (c.max_position_notional > 0.0 &&
          held.ToDouble() * price.ToDouble() > c.max_position_notional * (1.0 + kTol)) {
        Violation("position notional after amend > max: " + what);
      }
    } else if (more.IsPositive()) {
      const Qty pos = position_[v];
      const Qty reducible = AbsQty(pos) - (OpenLeaves(v, t.side, true) - t.leaves());
      if (qty - t.filled > reducible) {
        Violation("reduce-only amended to " + qty.ToString() + " with " + reducible.ToString() + " reducible: " + what);
      }
    }
    approval_times_.push_back(now);
    CheckRate(c.orders_per_second, Duration::Seconds(1), "per second");
    CheckRate(c.orders_per_minute, Duration::Minutes(1), "per minute");
    if (more.IsPositive()) t.qty = qty;  // counted from now on, as the governor does
    if (orders_.RequestAmend(a, now).ok()) {
      ++amends_sent_;
      EXPECT_TRUE(exchange_.Amend(*res).ok());
    }
    return res;
  }

  OrderRequest Limit(std::uint32_t v, Side side, Price price, Qty qty, const StrategyId& strategy,
                     TimeInForce tif = TimeInForce::kGtc, bool reduce_only = false) const {
    OrderRequest r{};
    r.instrument = InstrumentId{v};
    r.side = side;
    r.type = OrderType::kLimit;
    r.tif = tif;
    r.price = price;
    r.qty = qty;
    r.strategy = strategy;
    r.reduce_only = reduce_only;
    return r;
  }
  OrderRequest Market(std::uint32_t v, Side side, Qty qty, const StrategyId& strategy, bool reduce_only = false) const {
    OrderRequest r{};
    r.instrument = InstrumentId{v};
    r.side = side;
    r.type = OrderType::kMarket;
    r.tif = TimeInForce::kIoc;
    r.qty = qty;
    r.strategy = strategy;
    r.reduce_only = reduce_only;
    return r;
  }
  Signal Entry(std::uint32_t v, Side side, const StrategyId& strategy, double size_hint = 0.0) {
    Signal s{};
    s.ts_event = s.ts_recv = clock_.Now();
    s.instrument = InstrumentId{v};
    s.side = side;
    s.intent = SignalIntent::kEntry;
    s.strategy = strategy;
    s.signal_id = ++signal_id_;
    s.size_hint = size_hint;
    return s;
  }
  Signal Exit(std::uint32_t v, Side side, const StrategyId& strategy) {
    Signal s = Entry(v, side, strategy);
    s.intent = SignalIntent::kExit;
    return s;
  }
  // Best bid / ask of the synthetic market in ticks (what the next snapshot
  // moves from).
  std::int64_t BidTicks(std::uint32_t v) const { return mkt_[v].bid; }
  std::int64_t AskTicks(std::uint32_t v) const { return mkt_[v].bid + mkt_[v].spread; }

  // ------------------------------------------------------------- OrderGateway

  Status Execute(const ApprovedOrder& order) override {
    ++executes_;
    const OrderRequest& r = order.get();
    const Source src = in_signal_ ? Source::kSignal : r.type == OrderType::kMarket ? Source::kFlatten : Source::kTtl;
    if (src == Source::kTtl) ++ttl_approved_;
    if (src == Source::kFlatten) ++flatten_sent_;
    OnApproval(r, src);
    if (auto c = orders_.Create(r, clock_.Now()); !c.ok()) {
      Violation("order manager refused " + Describe(r));
      Untrack(r.client_order_id);
      return InvalidArgumentError("order manager refused the order");
    }
    ++submits_;
    return exchange_.Submit(order);
  }

  Status CancelAll(InstrumentId instrument) override {
    ++cancel_alls_;
    const UnixNanos now = clock_.Now();
    for (Side side : {Side::kBuy, Side::kSell}) {
      std::vector<const Order*> open;
      orders_.OpenOrders(instrument, side, open);
      for (const Order* o : open) (void)orders_.RequestCancel(o->client_order_id, now);
    }
    return exchange_.CancelAll(instrument);
  }

  // ------------------------------------------------------------- OrderEventSink

  void OnOrderEvent(const Event& e) override {
    answers_.push_back(Serialize(e));
    const ApplyOutcome outcome = orders_.Apply(e);
    if (outcome == ApplyOutcome::kRefused || outcome == ApplyOutcome::kUnknownOrder) {
      const auto msgs = orders_.RecentMessages();
      Violation("order manager: " + Serialize(e) + " -> " + (msgs.empty() ? std::string() : msgs.back()));
    }
    if (outcome != ApplyOutcome::kApplied) return;
    const FillReport* fill = nullptr;
    if (const auto* f = std::get_if<OrderFilled>(&e)) fill = f;
    if (const auto* f = std::get_if<OrderPartiallyFilled>(&e)) fill = f;
    if (fill != nullptr) {
      // The portfolio first, then this test's books, then the governor.
      if (!portfolio_.OnFill(*fill).ok()) Violation("portfolio refused " + Serialize(e));
      const std::uint32_t v = fill->instrument.value;
      position_[v] += fill->last_qty * SideSign(fill->side);
      ++fills_seen_[v];
      ++fills_;
      auto it = open_.find(std::string(fill->client_order_id.view()));
      if (it == open_.end()) {
        Violation("fill for an order not open here: " + Serialize(e));
      } else {
        it->second.filled = fill->cum_qty;
        if (std::holds_alternative<OrderFilled>(e) || !fill->leaves_qty.IsPositive()) Close(it);
      }
    } else if (const auto* rj = std::get_if<OrderRejected>(&e)) {
      OnRejected(*rj);
    } else if (const auto* c = std::get_if<OrderCanceled>(&e)) {
      CloseId(c->client_order_id);
    } else if (const auto* x = std::get_if<OrderExpired>(&e)) {
      CloseId(x->client_order_id);
    } else if (const auto* am = std::get_if<OrderAmended>(&e)) {
      auto it = open_.find(std::string(am->client_order_id.view()));
      if (it != open_.end()) {
        if (am->qty.IsPositive()) it->second.qty = am->qty;
        if (am->price.IsDefined()) it->second.price = am->price;
      }
    }
    governor_.OnOrderEvent(e);
  }

  // ------------------------------------------------------------- checks

  // Identities that hold after every event.
  void CheckSteady() {
    const RiskCounters& c = governor_.counters();
    std::uint64_t by_reason = 0;
    for (std::uint64_t n : c.denied_by) by_reason += n;
    if (c.approved + c.denied != c.requests) Violation("approved + denied != requests");
    if (by_reason != c.denied) Violation("sum(denied_by) != denied");
    if (c.approved != approved_) {
      Violation("governor approved " + std::to_string(c.approved) + ", seen " + std::to_string(approved_));
    }
    // Requests: this test's, the TTL closes and the kill switch's flatten
    // orders (which are never denied).
    if (c.requests != my_requests_ + c.ttl_closes + c.flatten_orders) {
      Violation("requests " + std::to_string(c.requests) + " != mine " + std::to_string(my_requests_) + " + ttl " +
                std::to_string(c.ttl_closes) + " + flatten " + std::to_string(c.flatten_orders));
    }
    if (c.denied != my_denied_ + (c.ttl_closes - ttl_approved_)) Violation("denials do not add up");
    if (c.flatten_orders != flatten_sent_) Violation("flatten orders counted != sent");
    if (governor_.open_orders() != open_.size()) {
      Violation("governor counts " + std::to_string(governor_.open_orders()) + " open orders, this test " +
                std::to_string(open_.size()));
    }
    const RiskConfig& cfg = governor_.config();
    std::size_t own_open = 0;
    for (const auto& [id, o] : open_) own_open += o.own ? 1 : 0;
    if (cfg.max_open_orders > 0 && open_.size() - own_open > cfg.max_open_orders) Violation("too many open orders");
    for (std::uint32_t v = 0; v < kInstruments; ++v) {
      const Position* p = portfolio_.Find(InstrumentId{v});
      if ((p != nullptr ? p->qty : Qty::Zero()) != position_[v]) Violation("portfolio position != sum of fills");
      if (governor_.open_orders(InstrumentId{v}) != OpenCount(v)) Violation("open orders per instrument differ");
      if (cfg.max_open_orders_per_instrument > 0 && OpenCount(v, false) > cfg.max_open_orders_per_instrument) {
        Violation("too many open orders on one instrument");
      }
    }
  }

  // At the end, with nothing in flight.
  void CheckFinal() {
    EXPECT_TRUE(Quiet());
    for (std::uint32_t v = 0; v < kInstruments; ++v) {
      const Position* p = portfolio_.Find(InstrumentId{v});
      const Qty pq = p != nullptr ? p->qty : Qty::Zero();
      EXPECT_EQ(exchange_.position(InstrumentId{v}), pq) << "instrument " << v;
      EXPECT_EQ(position_[v], pq) << "instrument " << v;
    }
    EXPECT_EQ(exchange_.open_orders(), open_.size());
    EXPECT_EQ(governor_.open_orders(), open_.size());
    // Nothing reached the exchange without an approval: every order it saw
    // was submitted here, after one; every command is a submit, a cancel or
    // a cancel-all sent here.
    const SimStats& st = exchange_.stats();
    EXPECT_EQ(submits_, approved_ - amends_approved_);
    EXPECT_EQ(st.accepted + st.rejected, submits_);
    EXPECT_EQ(st.commands, submits_ + cancels_ + cancel_alls_ + amends_sent_);
    EXPECT_EQ(st.fills, fills_);
    EXPECT_EQ(portfolio_.refused_count(), 0u);
    EXPECT_EQ(violations_, 0u) << ViolationText();
  }

  std::string ViolationText() const {
    std::string s;
    for (const std::string& m : violation_msgs_) s.append("  ").append(m).append("\n");
    return s;
  }

  std::string Summary() const {
    const RiskCounters& c = governor_.counters();
    std::string s = "requests " + std::to_string(c.requests) + " (signals " + std::to_string(signals_) + ", ttl " +
                    std::to_string(c.ttl_closes) + "), approved " + std::to_string(c.approved) + ", denied " +
                    std::to_string(c.denied) + " {";
    bool first = true;
    for (int r = 1; r < kDenyReasonCount; ++r) {
      const std::uint64_t n = c.denied_by[static_cast<std::size_t>(r)];
      if (n == 0) continue;
      s.append(first ? "" : ", ").append(DenyName(static_cast<DenyReason>(r))).append(" ").append(std::to_string(n));
      first = false;
    }
    s.append("}, of which TTL closes {");
    first = true;
    for (int r = 1; r < kDenyReasonCount; ++r) {
      const std::size_t i = static_cast<std::size_t>(r);
      if (c.denied_by[i] < my_denied_by_[i]) return "denied_by below this test's count";
      const std::uint64_t n = c.denied_by[i] - my_denied_by_[i];
      if (n == 0) continue;
      s.append(first ? "" : ", ").append(DenyName(static_cast<DenyReason>(r))).append(" ").append(std::to_string(n));
      first = false;
    }
    s.append("}, fills ").append(std::to_string(fills_));
    s.append(", venue rejects {");
    first = true;
    for (const auto& [reason, n] : venue_rejects_) {
      s.append(first ? "" : ", ").append(reason).append(" ").append(std::to_string(n));
      first = false;
    }
    s.append("}, reduce-only races ").append(std::to_string(ro_races_));
    s.append(", state changes ").append(std::to_string(c.transitions));
    return s;
  }

  // ------------------------------------------------------------- accessors

  RiskGovernor& governor() { return governor_; }
  SimExchange& exchange() { return exchange_; }
  const Portfolio& portfolio() const { return portfolio_; }
  const SimClock& clock() const { return clock_; }
  std::mt19937_64& rng() { return rng_; }
  std::uint64_t submits() const { return submits_; }
  std::uint64_t cancel_alls() const { return cancel_alls_; }
  std::uint64_t fills() const { return fills_; }
  std::uint64_t violations() const { return violations_; }
  std::size_t open_here() const { return open_.size(); }
  Qty position(std::uint32_t v) const { return position_[v]; }
  const std::vector<std::string>& decisions() const { return decisions_; }
  const std::vector<std::string>& answers() const { return answers_; }
  const std::map<std::string, std::uint64_t>& venue_rejects() const { return venue_rejects_; }
  std::uint64_t ro_races() const { return ro_races_; }

 private:
  struct SynthBook {
    std::int64_t bid = 0;  // ticks
    std::int64_t spread = 1;
    bool one_sided = false;
    UnixNanos silent_until = UnixNanos::Min();
  };
  // An order approved and not yet terminal, as this test saw it.
  struct Tracked {
    InstrumentId instrument;
    Side side = Side::kBuy;
    OrderType type = OrderType::kLimit;
    bool reduce_only = false;
    bool own = false;  // a kill-switch flatten order
    Price price = Price::Undefined();
    Qty qty;
    Qty filled;
    std::uint64_t fills_seen_at_approval = 0;  // fills of the instrument delivered when it was approved
    Qty leaves() const { return qty - filled; }
  };
  struct Action {
    std::function<bool()> when;
    std::function<void()> fn;
  };
  struct View {
    double bid = 0, ask = 0, mid = 0;
    bool fresh = false;
  };

  // Up to about 400 USDT a level.
  std::uint64_t LevelLots(std::uint32_t v) const {
    const double lot_value = registry_.Get(InstrumentId{v}).lot_size.ToDouble() * (v == 0 ? 100.0 : 50.0);
    return static_cast<std::uint64_t>(400.0 / lot_value);
  }

  BookSnapshot MakeSnapshot(std::uint32_t v, const SynthBook& m) {
    auto levels = std::make_shared<BookLevels>();
    const Qty lot = registry_.Get(InstrumentId{v}).lot_size;
    for (std::int64_t k = 0; k < 5; ++k) {
      levels->bids.push_back(BookLevel{Ticks(m.bid - k), lot * static_cast<std::int64_t>(1 + rng_() % LevelLots(v))});
      if (!m.one_sided) {
        levels->asks.push_back(
            BookLevel{Ticks(m.bid + m.spread + k), lot * static_cast<std::int64_t>(1 + rng_() % LevelLots(v))});
      }
    }
    BookSnapshot s{};
    s.ts_event = t_;
    s.ts_recv = t_ + opt_.md_latency;
    s.instrument = InstrumentId{v};
    s.levels = std::move(levels);
    return s;
  }

  void Feed(const Event& e) { EXPECT_TRUE(runner_.Feed(e).ok()); }

  // A market event at local time.
  void OnMarket(const Event& e) {
    const UnixNanos now = clock_.Now();
    if (const auto* s = std::get_if<BookSnapshot>(&e)) {
      (void)books_.Apply(*s);
      if (books_.ReadyAfterMessage(s->instrument)) {
        if (const auto mid = books_.Find(s->instrument)->Mid()) (void)portfolio_.Mark(s->instrument, *mid, now);
      }
    }
    if (now >= next_eval_) {
      governor_.Evaluate();
      next_eval_ = now + governor_.config().check_interval;
    }
    CheckSteady();
    if (!actions_.empty()) {
      std::vector<Action> pending = std::move(actions_);
      actions_.clear();
      for (Action& a : pending) {
        if (a.when()) {
          a.fn();
        } else {
          actions_.push_back(std::move(a));
        }
      }
    }
    if (opt_.random_actions && std::holds_alternative<BookSnapshot>(e)) RandomActions(now);
    CheckSteady();
  }

  // ------------------------------------------------------------- random actions

  void RandomActions(UnixNanos now) {
    if (now >= regime_until_) {  // quiet, busy and frantic periods
      static constexpr std::uint64_t kLevels[] = {3, 20, 60};
      activity_ = kLevels[rng_() % 3];
      regime_until_ = now + Duration::Seconds(5 + static_cast<std::int64_t>(rng_() % 20));
    }
    if (rng_() % 100 >= activity_) return;
    const int n = 1 + (rng_() % 5 == 0 ? static_cast<int>(rng_() % 3) : 0);
    for (int k = 0; k < n; ++k) {
      const std::uint64_t a = rng_() % 100;
      if (a < 30) {
        RandomSignal();
      } else if (a < 90) {
        RandomRequest();
      } else {
        RandomCancel();
      }
    }
  }

  double MidOr(std::uint32_t v) const {
    const View w = ViewOf(InstrumentId{v});
    if (w.mid > 0) return w.mid;
    return (static_cast<double>(mkt_[v].bid) + 0.5 * static_cast<double>(mkt_[v].spread)) * 0.01;
  }
  Price PriceNear(double x) const {
    auto p = Price::FromDouble(x);
    return p.ok() ? p->FloorTo(Price::FromRaw(kTickRaw)) : Ticks(1);
  }
  const StrategyId& RandomStrategy() { return kStrategies[rng_() % 3]; }

  void RandomSignal() {
    const std::uint32_t v = static_cast<std::uint32_t>(rng_() % kInstruments);
    Signal s = Entry(v, rng_() % 2 == 0 ? Side::kBuy : Side::kSell, RandomStrategy());
    const double mid = MidOr(v);
    if (rng_() % 100 < 35) {
      s.intent = SignalIntent::kExit;
      const Position* mine = portfolio_.Find(s.strategy, s.instrument);
      if (mine != nullptr && !mine->is_flat() && rng_() % 100 < 85) s.side = mine->is_long() ? Side::kSell : Side::kBuy;
    } else {
      if (rng_() % 2 == 0) s.reference_price = PriceNear(mid);
      if (rng_() % 2 == 0) {
        const double dist = 0.01 * static_cast<double>(5 + rng_() % 400);
        s.stop_loss = PriceNear(s.side == Side::kBuy ? mid - dist : mid + dist);
      }
      s.size_hint = rng_() % 100 < 30 ? 0.0 : 0.05 + static_cast<double>(rng_() % 200) / 100.0;
      if (rng_() % 100 < 30) s.position_ttl = Duration::Seconds(5 + static_cast<std::int64_t>(rng_() % 40));
    }
    (void)SendSignal(s);
  }

  void RandomRequest() {
    const std::uint32_t v = static_cast<std::uint32_t>(rng_() % kInstruments);
    const Instrument& inst = registry_.Get(InstrumentId{v});
    OrderRequest r{};
    r.instrument = InstrumentId{v};
    r.strategy = rng_() % 10 == 0 ? StrategyId() : RandomStrategy();
    r.reduce_only = rng_() % 100 < 20;
    const Qty pos = position_[v];
    if (r.reduce_only && !pos.IsZero() && rng_() % 100 < 80) {
      r.side = pos.IsPositive() ? Side::kSell : Side::kBuy;
    } else {
      r.side = rng_() % 2 == 0 ? Side::kBuy : Side::kSell;
    }
    const double mid = MidOr(v);
    if (rng_() % 100 < 20) {
      r.type = OrderType::kMarket;
      r.tif = TimeInForce::kIoc;
    } else {
      r.type = OrderType::kLimit;
      const double off_bps = static_cast<double>(rng_() % 7001) / 100.0 - 35.0;  // -35 .. +35 bps
      r.price = PriceNear(mid * (1.0 + off_bps * 1e-4));
      if (rng_() % 100 < 5) r.price = Price::FromRaw(r.price.raw() + kTickRaw / 2);  // off the tick
      const std::uint64_t t = rng_() % 100;
      r.tif = t < 50   ? TimeInForce::kGtc
              : t < 70 ? TimeInForce::kIoc
              : t < 90 ? TimeInForce::kPostOnly
                       : TimeInForce::kFok;
    }
    // Lots worth about 100 USDT.
    const std::int64_t unit = static_cast<std::int64_t>(LevelLots(v) / 4);
    std::int64_t lots;
    if (r.reduce_only && !pos.IsZero()) {
      const std::int64_t held = AbsQty(pos).raw() / inst.lot_size.raw();
      lots = std::max<std::int64_t>(1, held * static_cast<std::int64_t>(20 + rng_() % 110) / 100);
    } else {
      const std::uint64_t k = rng_() % 100;
      lots = k < 70   ? 1 + static_cast<std::int64_t>(rng_() % static_cast<std::uint64_t>(unit))
             : k < 95 ? unit + static_cast<std::int64_t>(rng_() % static_cast<std::uint64_t>(3 * unit))
                      : 4 * unit + static_cast<std::int64_t>(rng_() % static_cast<std::uint64_t>(4 * unit));
    }
    r.qty = inst.lot_size * lots;
    const std::uint64_t odd = rng_() % 100;
    if (odd < 4) r.qty = Qty::FromRaw(r.qty.raw() + inst.lot_size.raw() / 2);  // off the lot
    if (odd == 4) r.qty = Qty::Zero();
    (void)Request(r);
  }

  void RandomCancel() {
    if (open_.empty()) return;
    auto it = open_.begin();
    std::advance(it, static_cast<std::ptrdiff_t>(rng_() % open_.size()));
    if (it->second.own) return;
    const ClientOrderId id = ClientOrderId::Of(it->first);
    if (orders_.RequestCancel(id, clock_.Now()).ok()) {
      ++cancels_;
      EXPECT_TRUE(exchange_.Cancel(it->second.instrument, id).ok());
    }
  }

  // ------------------------------------------------------------- own bookkeeping

  View ViewOf(InstrumentId id) const {
    View w;
    const OrderBook* book = books_.Find(id);
    if (book == nullptr || !book->IsValid()) return w;
    const auto bid = book->BestBid();
    const auto ask = book->BestAsk();
    if (!bid || !ask) return w;
    w.bid = bid->price.ToDouble();
    w.ask = ask->price.ToDouble();
    w.mid = 0.5 * (w.bid + w.ask);
    const Duration age = governor_.config().max_data_age;
    w.fresh = age <= Duration() || clock_.Now() - book->ts_recv <= age;
    return w;
  }

  std::size_t OpenCount(std::uint32_t v, bool with_own = true) const {
    std::size_t n = 0;
    for (const auto& [id, o] : open_) n += o.instrument.value == v && (with_own || !o.own) ? 1 : 0;
    return n;
  }
  Qty OpenLeaves(std::uint32_t v, Side side, bool reduce_only) const {
    Qty q;
    for (const auto& [id, o] : open_) {
      if (o.instrument.value == v && o.side == side && o.reduce_only == reduce_only) q += o.leaves();
    }
    return q;
  }
  // The position on `side` (long for kBuy) plus what open orders that can
  // add to it may still fill.
  Qty HeldOnSide(std::uint32_t v, Side side) const {
    const Qty p = position_[v];
    Qty q;
    if (side == Side::kBuy && p.IsPositive()) q = p;
    if (side == Side::kSell && p.IsNegative()) q = -p;
    return q + OpenLeaves(v, side, false);
  }
  // Valued at the mid when the book is usable, else at the portfolio's
  // valuation price (the governor's documented fallback).
  double SideExposure(std::uint32_t v, Side side) const {
    const Qty q = HeldOnSide(v, side);
    if (q.IsZero()) return 0.0;
    const View w = ViewOf(InstrumentId{v});
    double price = 0.0;
    if (w.fresh) {
      price = w.mid;
    } else if (const Price p = portfolio_.ValuationPrice(InstrumentId{v}); p.IsDefined()) {
      price = p.ToDouble();
    }
    return q.ToDouble() * price;
  }
  // Gross exposure x n / N_eff, with N_eff of the 2x2 correlation matrix
  // computed here (an unknown correlation counts as 1).
  double AccountExposureWith(std::uint32_t id, Side side, double added) const {
    double gross = 0.0;
    std::size_t held = 0;
    for (std::uint32_t v = 0; v < kInstruments; ++v) {
      double e = std::max(SideExposure(v, Side::kBuy), SideExposure(v, Side::kSell));
      if (v == id) e = std::max(SideExposure(v, side) + added, SideExposure(v, Opposite(side)));
      if (e > 0.0) {
        gross += e;
        ++held;
      }
    }
    if (held <= 1) return gross;
    const auto rho = governor_.correlation().Correlation(InstrumentId{0}, InstrumentId{1});
    const double p = rho ? *rho : 1.0;
    double l1 = 1.0 + p, l2 = 1.0 - p;
    const double big = std::max(std::abs(l1), std::abs(l2));
    if (l1 < 1e-12 * big) l1 = 0.0;
    if (l2 < 1e-12 * big) l2 = 0.0;
    const double neff = std::sqrt(l1) + std::sqrt(l2);
    return neff > 0.0 ? gross * 2.0 / neff : gross;
  }

  void OnDenied(DenyReason reason, const std::string& what) {
    ++my_denied_;
    const int r = static_cast<int>(reason);
    if (r < 1 || r >= kDenyReasonCount) {
      Violation("denial without a valid reason: " + what);
    } else {
      ++my_denied_by_[static_cast<std::size_t>(r)];
    }
    decisions_.push_back(std::to_string(clock_.Now().nanos()) + " " + what + " -> denied " + DenyName(reason));
  }

  // Every approval, from any source, checked before it is counted as open.
  void OnApproval(const OrderRequest& r, Source src) {
    ++approved_;
    const RiskConfig& c = governor_.config();
    const UnixNanos now = clock_.Now();
    const std::uint32_t v = r.instrument.value;
    const bool own = src == Source::kFlatten;
    const std::string what = std::string(SourceName(src)) + " " + Describe(r);
    decisions_.push_back(std::to_string(now.nanos()) + " " + what + " -> approved");
    if (v >= kInstruments) {
      Violation("approval for an unknown instrument: " + what);
      return;
    }
    const Instrument& inst = registry_.Get(r.instrument);

    // Well formed, on the instrument's grid.
    if (!r.qty.IsPositive() || !r.qty.IsMultipleOf(inst.lot_size) || r.qty < inst.min_qty) {
      Violation("approved qty off the rules: " + what);
    }
    if (r.type == OrderType::kLimit) {
      if (!r.price.IsPositive() || !r.price.IsMultipleOf(inst.tick_size)) Violation("approved price off tick: " + what);
      if ((r.price * r.qty) < inst.min_notional) Violation("approved limit below min notional: " + what);
    }

    const View w = ViewOf(r.instrument);
    if (!own) {
      const RiskState st = governor_.state(r.strategy);
      if (st == RiskState::kHardStop) Violation("approved in HARD_STOP: " + what);
      if (!r.reduce_only && st == RiskState::kQuarantine) Violation("approved new exposure in QUARANTINE: " + what);
      if (!w.fresh) Violation("approved without fresh market data: " + what);
      if (r.type == OrderType::kLimit && c.price_band_bps > 0.0 &&
          std::abs(r.price.ToDouble() - w.mid) > w.mid * c.price_band_bps * 1e-4 * (1.0 + kTol)) {
        Violation("approved outside the price band: " + what);
      }
      if (r.type == OrderType::kMarket && c.max_spread_bps > 0.0 &&
          w.ask - w.bid > w.mid * c.max_spread_bps * 1e-4 * (1.0 + kTol)) {
        Violation("approved a market order in a wide spread: " + what);
      }
      if (r.type == OrderType::kMarket && r.qty.ToDouble() * w.mid < inst.min_notional.ToDouble() * (1.0 - kTol)) {
        Violation("approved a market order below min notional at the mid: " + what);
      }
    }

    if (!r.reduce_only) {
      if (own) Violation("a flatten order that is not reduce-only: " + what);
      // Unit price: the limit, or for a market order the edge of the band
      // (at least the touch), as RiskGovernor::UnitPrice documents.
      const double touch = r.side == Side::kBuy ? w.ask : w.bid;
      const double unit =
          r.type == OrderType::kLimit ? r.price.ToDouble() : std::max(touch, w.mid * (1.0 + c.price_band_bps * 1e-4));
      const double notional = r.qty.ToDouble() * unit;
      if (c.max_order_notional > 0.0 && notional > c.max_order_notional * (1.0 + kTol)) {
        Violation("order notional " + std::to_string(notional) + " > max: " + what);
      }
      const double position = (HeldOnSide(v, r.side) + r.qty).ToDouble() * unit;
      if (c.max_position_notional > 0.0 && position > c.max_position_notional * (1.0 + kTol)) {
        Violation("position notional " + std::to_string(position) + " > max: " + what);
      }
      if (c.max_account_notional > 0.0) {
        const double account = AccountExposureWith(v, r.side, notional);
        if (account > c.max_account_notional * (1.0 + kTol)) {
          Violation("account exposure " + std::to_string(account) + " > max: " + what);
        }
      }
      if (governor_.state(r.strategy) == RiskState::kSoftBrake && c.max_order_notional > 0.0 &&
          notional > c.states.soft_brake_multiplier * c.max_order_notional * (1.0 + kTol)) {
        Violation("order above the soft brake's size: " + what);
      }
    } else {
      // Reduces only what the account holds on the other side, less what
      // other open reduce-only orders may still take.
      const Qty pos = position_[v];
      const bool opposes = (r.side == Side::kBuy && pos.IsNegative()) || (r.side == Side::kSell && pos.IsPositive());
      if (!opposes) Violation("reduce-only approved with nothing to reduce: " + what);
      const Qty reducible = AbsQty(pos) - OpenLeaves(v, r.side, true);
      if (r.qty > reducible) {
        Violation("reduce-only qty " + r.qty.ToString() + " > reducible " + reducible.ToString() + ": " + what);
      }
    }

    if (!own) {
      if (c.max_open_orders > 0 && open_.size() >= c.max_open_orders) {
        Violation("approved with " + std::to_string(open_.size()) + " orders open: " + what);
      }
      if (c.max_open_orders_per_instrument > 0 && OpenCount(v) >= c.max_open_orders_per_instrument) {
        Violation("approved with " + std::to_string(OpenCount(v)) + " orders open on the instrument: " + what);
      }
      approval_times_.push_back(now);
      CheckRate(c.orders_per_second, Duration::Seconds(1), "per second");
      CheckRate(c.orders_per_minute, Duration::Minutes(1), "per minute");
    }

    Tracked t;
    t.instrument = r.instrument;
    t.side = r.side;
    t.type = r.type;
    t.reduce_only = r.reduce_only;
    t.price = r.price;
    t.own = own;
    t.qty = r.qty;
    t.filled = Qty::Zero();
    t.fills_seen_at_approval = fills_seen_[v];
    if (!open_.emplace(std::string(r.client_order_id.view()), t).second) Violation("approved twice: " + what);
  }

  // Token bucket bound: in any window [t_j, t_i], at most capacity + rate x
  // (t_i - t_j) / period approvals (capacity = rate here).
  void CheckRate(std::int64_t rate, Duration period, const char* which) {
    if (rate <= 0) return;
    const std::size_t i = approval_times_.size() - 1;
    const std::size_t lo = i > 600 ? i - 600 : 0;
    for (std::size_t j = i; j-- > lo;) {
      const double span = static_cast<double>((approval_times_[i] - approval_times_[j]).nanos());
      const double bound =
          static_cast<double>(rate) + static_cast<double>(rate) * span / period.ToSecondsDouble() / 1e9;
      const double count = static_cast<double>(i - j + 1);
      if (count > bound + 1e-6) {
        Violation(std::string("rate ") + which + ": " + std::to_string(i - j + 1) + " approvals within " +
                  std::to_string(span / 1e9) + " s");
        return;
      }
    }
  }

  void OnRejected(const OrderRejected& e) {
    ++venue_rejects_[std::string(ToString(e.reason))];
    auto it = open_.find(std::string(e.client_order_id.view()));
    if (it == open_.end()) {
      Violation("reject for an order not open here: " + std::string(e.client_order_id.view()));
      return;
    }
    const Tracked& t = it->second;
    const std::uint32_t v = t.instrument.value;
    switch (e.reason) {
      case RejectReason::kReduceOnlyWouldIncrease:
        // Answers arrive in the order the exchange made them, so the fills
        // it had made before it took this order have all been delivered:
        // the portfolio holds the position it saw. With no fill between the
        // approval and now, that is the position the approval was checked
        // against, which had something to reduce.
        if (fills_seen_[v] == t.fills_seen_at_approval) {
          Violation("reduce-only rejected by the venue with no fill since its approval: " +
                    std::string(e.client_order_id.view()));
        } else {
          ++ro_races_;
        }
        break;
      case RejectReason::kBelowMinNotional:
        // The governor checks a market order's notional at the mid; the
        // venue values it at the best opposite price.
        if (t.type != OrderType::kMarket) Violation("limit order below min notional at the venue");
        break;
      case RejectReason::kPostOnlyWouldTake:
      case RejectReason::kNoLiquidity:
      case RejectReason::kBookInvalid: break;
      default:
        Violation("venue rejected an approved order: " + std::string(ToString(e.reason)) + " " +
                  std::string(e.client_order_id.view()));
    }
    Close(it);
  }

  void CloseId(const ClientOrderId& id) {
    auto it = open_.find(std::string(id.view()));
    if (it == open_.end()) {
      Violation("terminal answer for an order not open here: " + std::string(id.view()));
      return;
    }
    Close(it);
  }
  void Close(std::map<std::string, Tracked>::iterator it) {
    closed_.insert(it->first);
    open_.erase(it);
  }
  void Untrack(const ClientOrderId& id) { open_.erase(std::string(id.view())); }

  void Violation(std::string what) {
    ++violations_;
    if (violation_msgs_.size() < 12) {
      violation_msgs_.push_back(std::to_string(clock_.Now().nanos()) + " " + what);
      ADD_FAILURE() << what;
    }
  }

  HarnessOptions opt_;
  std::mt19937_64 rng_;
  InstrumentRegistry registry_;
  SimClock clock_;
  NormalLatency order_latency_;
  NormalLatency response_latency_;
  ProportionalQueue queue_;
  InstrumentFees fees_;
  SimExchange exchange_;
  Portfolio portfolio_;
  BookSet books_;
  OrderManager orders_;
  RiskGovernor governor_;
  SimRunner runner_;

  std::array<SynthBook, kInstruments> mkt_{};
  UnixNanos t_;
  std::uint64_t step_ = 0;
  std::uint64_t trade_seq_ = 0;
  UnixNanos next_eval_ = UnixNanos::Min();
  UnixNanos regime_until_ = UnixNanos::Min();
  std::uint64_t activity_ = 20;
  std::vector<Action> actions_;

  std::map<std::string, Tracked> open_;  // by client order id: ordered, so runs repeat
  std::set<std::string> closed_;
  std::array<Qty, kInstruments> position_{};
  std::array<std::uint64_t, kInstruments> fills_seen_{};
  std::vector<UnixNanos> approval_times_;
  bool in_signal_ = false;
  std::uint64_t next_id_ = 0;
  std::uint64_t signal_id_ = 0;
  std::uint64_t my_requests_ = 0;
  std::uint64_t my_denied_ = 0;
  std::array<std::uint64_t, kDenyReasonCount> my_denied_by_{};
  std::uint64_t signals_ = 0;
  std::uint64_t approved_ = 0;
  std::uint64_t ttl_approved_ = 0;
  std::uint64_t amends_approved_ = 0;
  std::uint64_t amends_sent_ = 0;
  std::uint64_t flatten_sent_ = 0;
  std::uint64_t executes_ = 0;
  std::uint64_t submits_ = 0;
  std::uint64_t cancels_ = 0;
  std::uint64_t cancel_alls_ = 0;
  std::uint64_t fills_ = 0;
  std::uint64_t ro_races_ = 0;
  std::map<std::string, std::uint64_t> venue_rejects_;
  std::vector<std::string> decisions_;
  std::vector<std::string> answers_;
  std::uint64_t violations_ = 0;
  std::vector<std::string> violation_msgs_;
};

// ---------------------------------------------------------------------------
// A. Randomized runs.

// Small limits, so that each binds often.
RiskConfig TightConfig() {
  RiskConfig c;
  c.risk_per_trade = 0.0005;
  c.default_stop_bps = 50.0;
  c.signal_slippage_bps = 5.0;
  c.strategy_capital = 100.0;  // strategies reach SOFT_BRAKE and QUARANTINE
  c.max_order_notional = 250.0;
  c.max_position_notional = 500.0;
  c.max_account_notional = 800.0;
  c.max_open_orders = 4;
  c.max_open_orders_per_instrument = 3;
  c.price_band_bps = 25.0;
  c.max_spread_bps = 6.0;
  c.max_data_age = Duration::Seconds(5);
  c.orders_per_second = 3;
  c.orders_per_minute = 40;
  c.position_ttl = Duration::Seconds(45);
  c.check_interval = Duration::Seconds(1);
  c.states.calm_period = Duration::Seconds(20);
  c.correlation.sample_interval = Duration::Seconds(1);
  c.correlation.window = 30;
  c.correlation.min_samples = 10;
  EXPECT_TRUE(c.Validate().ok());
  return c;
}

constexpr int kRandomSteps = 30'000;

struct RandomRun {
  std::vector<std::string> decisions;
  std::vector<std::string> answers;
  std::string summary;
  RiskCounters counters;
  std::uint64_t fills = 0;
  std::uint64_t violations = 0;
};

RandomRun RunRandom(std::uint64_t seed, int steps = kRandomSteps, RiskConfig config = TightConfig()) {
  HarnessOptions o;
  o.seed = seed;
  o.random_actions = true;
  o.trades = true;
  o.market_noise = true;
  Harness h(std::move(config), o, Notional::FromInt(10'000));
  for (int i = 0; i < steps; ++i) h.StepRandom();
  h.StopRandomActions();
  h.Finish();
  h.CheckFinal();
  RandomRun out;
  out.decisions = h.decisions();
  out.answers = h.answers();
  out.summary = h.Summary();
  out.counters = h.governor().counters();
  out.fills = h.fills();
  out.violations = h.violations();
  return out;
}

TEST(RiskSim, RandomizedInvariantsHold) {
  RiskCounters total;
  for (std::uint64_t seed : {1u, 2u, 3u, 4u, 5u, 6u, 7u, 8u, 9u, 10u}) {
    // Even seeds with a looser per-minute limit, so that the exposure and
    // open-order limits are reached more often than the rate limits.
    RiskConfig config = TightConfig();
    if (seed % 2 == 0) config.orders_per_minute = 150;
    const RandomRun r = RunRandom(seed, kRandomSteps, config);
    std::cout << "seed " << seed << " (" << config.orders_per_minute << "/min): " << r.summary << "\n";
    EXPECT_EQ(r.violations, 0u) << "seed " << seed;
    EXPECT_GT(r.counters.approved, 100u) << "seed " << seed;
    EXPECT_GT(r.fills, 50u) << "seed " << seed;
    for (std::size_t i = 0; i < total.denied_by.size(); ++i) total.denied_by[i] += r.counters.denied_by[i];
    total.ttl_closes += r.counters.ttl_closes;
    total.transitions += r.counters.transitions;
  }
  // The limits did bind (over all seeds).
  for (DenyReason reason :
       {DenyReason::kMaxOrderNotional, DenyReason::kMaxPositionNotional, DenyReason::kMaxAccountNotional,
        DenyReason::kMaxOpenOrders, DenyReason::kRateLimitPerSecond, DenyReason::kRateLimitPerMinute,
        DenyReason::kPriceBand, DenyReason::kSpreadTooWide, DenyReason::kReduceOnlyWouldIncrease,
        DenyReason::kQtyOffLot, DenyReason::kPriceOffTick, DenyReason::kStaleMarketData}) {
    EXPECT_GT(total.of(reason), 0u) << ToString(reason);
  }
  EXPECT_GT(total.ttl_closes, 0u);
  EXPECT_GT(total.transitions, 0u);
}

// ---------------------------------------------------------------------------
// B. The kill switch during a burst.

// Limits that stay out of the way: the kill switch is what is under test.
RiskConfig RoomyConfig() {
  RiskConfig c;
  c.max_order_notional = 2'000.0;
  c.max_position_notional = 5'000.0;
  c.max_account_notional = 10'000.0;
  c.max_open_orders = 20;
  c.max_open_orders_per_instrument = 8;
  c.orders_per_second = 20;
  c.orders_per_minute = 300;
  c.check_interval = Duration::Seconds(1);
  EXPECT_TRUE(c.Validate().ok());
  return c;
}

HarnessOptions ScriptOptions(std::uint64_t seed, bool coarse_lots) {
  HarnessOptions o;
  o.seed = seed;
  o.coarse_lots = coarse_lots;
  o.order_latency = Duration::Millis(1);
  o.response_latency = Duration::Millis(5);  // room for fills on the wire
  return o;
}

Qty Q(const char* s) { return *Qty::Parse(s); }

constexpr std::uint64_t kKillSeeds = 20;

void ExpectDenied(const Result<ApprovedOrder, DenyReason>& r, DenyReason want, const char* what) {
  ASSERT_FALSE(r.ok()) << what;
  EXPECT_EQ(r.error(), want) << what << ": " << ToString(r.error());
}

// Everything canceled and flat, at the exchange, in the portfolio, here and
// in the governor.
void ExpectFlatAndQuiet(Harness& h, const char* when) {
  EXPECT_TRUE(h.Quiet()) << when;
  EXPECT_EQ(h.governor().state(), RiskState::kHardStop) << when;
  EXPECT_TRUE(h.governor().kill_switch_active()) << when;
  EXPECT_EQ(h.exchange().open_orders(), 0u) << when;
  EXPECT_EQ(h.governor().open_orders(), 0u) << when;
  EXPECT_EQ(h.open_here(), 0u) << when;
  for (std::uint32_t v = 0; v < kInstruments; ++v) {
    const Position* p = h.portfolio().Find(InstrumentId{v});
    EXPECT_TRUE(p == nullptr || p->is_flat())
        << when << ": portfolio position " << v << " " << (p ? p->qty.ToString() : "");
    EXPECT_TRUE(h.exchange().position(InstrumentId{v}).IsZero()) << when << ": exchange position " << v;
    EXPECT_TRUE(h.position(v).IsZero()) << when;
  }
  EXPECT_TRUE(h.governor().Flat()) << when;
  EXPECT_TRUE(h.governor().kill_switch_flat_at().has_value()) << when;
}

void RunKillSwitchScenario(std::uint64_t seed) {
  SCOPED_TRACE("seed " + std::to_string(seed));
  // Coarse lots: a position smaller than the venue's min notional cannot be
  // flattened at all (see
  // KillSwitchRetriesARefusedResidualOncePerIntervalAndSaysItIsNotFlat).
  Harness h(RoomyConfig(), ScriptOptions(seed, /*coarse_lots=*/true), Notional::FromInt(100'000));
  const Duration dt = Duration::Millis(50);
  h.RunFor(Duration::Seconds(2), dt);
  std::optional<UnixNanos> previous_flat_at;
  for (int round = 0; round < 2; ++round) {
    SCOPED_TRACE(round == 0 ? "first kill switch" : "second kill switch, after a reset");
    const Side a_side = round == 0 ? Side::kBuy : Side::kSell;  // A long, B short; then the other way
    const Side b_side = Opposite(a_side);

    // Positions on both instruments, held by three strategies.
    h.Act([&] {
      EXPECT_TRUE(h.Request(h.Market(0, a_side, Q("5.00"), kStrategies[0])).ok());
      EXPECT_TRUE(h.Request(h.Market(1, b_side, Q("10.0"), kStrategies[1])).ok());
      EXPECT_TRUE(h.SendSignal(h.Entry(0, a_side, kStrategies[2], 0.01)).ok());
    });
    h.RunFor(Duration::Seconds(1), dt);
    ASSERT_FALSE(h.position(0).IsZero());
    ASSERT_FALSE(h.position(1).IsZero());
    EXPECT_EQ(h.position(0).IsPositive(), a_side == Side::kBuy);

    // Resting orders on both sides of both books, one of them reduce-only.
    h.Act([&] {
      for (std::uint32_t v = 0; v < kInstruments; ++v) {
        const Qty q = v == 0 ? Q("1.0") : Q("2.0");
        EXPECT_TRUE(h.Request(h.Limit(v, Side::kBuy, Ticks(h.BidTicks(v) - 20), q, kStrategies[0])).ok());
        EXPECT_TRUE(h.Request(h.Limit(v, Side::kSell, Ticks(h.AskTicks(v) + 20), q, kStrategies[1])).ok());
      }
      const Side close = Opposite(a_side);
      const Price away = close == Side::kSell ? Ticks(h.AskTicks(0) + 25) : Ticks(h.BidTicks(0) - 25);
      EXPECT_TRUE(
          h.Request(h.Limit(0, close, away, Q("1.00"), kStrategies[0], TimeInForce::kGtc, /*reduce_only=*/true)).ok());
    });
    h.RunFor(Duration::Millis(500), dt);
    EXPECT_GE(h.exchange().open_orders(), 5u);

    // A burst of marketable orders, and the kill switch while their fills
    // are on the wire (made at the exchange, not yet delivered).
    h.Act(
        [&] {
          EXPECT_TRUE(h.Request(h.Market(0, a_side, Q("2.00"), kStrategies[0])).ok());
          const Price through = b_side == Side::kSell ? Ticks(h.BidTicks(1) - 5) : Ticks(h.AskTicks(1) + 5);
          EXPECT_TRUE(h.Request(h.Limit(1, b_side, through, Q("4.0"), kStrategies[1], TimeInForce::kIoc)).ok());
          EXPECT_TRUE(h.SendSignal(h.Entry(1, b_side, kStrategies[2], 0.01)).ok());
        },
        Duration::Millis(1));
    std::uint64_t in_flight = 0;
    h.ActWhen([&] { return h.exchange().stats().fills > h.fills(); },
              [&] {
                in_flight = h.exchange().stats().fills - h.fills();
                EXPECT_GT(h.exchange().open_orders(), 0u);
                h.governor().KillSwitch("test");
                EXPECT_EQ(h.governor().state(), RiskState::kHardStop);
              },
              Duration::Millis(1));
    EXPECT_GT(in_flight, 0u);
    h.RunFor(Duration::Seconds(3), Duration::Millis(20));
    ExpectFlatAndQuiet(h, "after the kill switch");
    if (previous_flat_at && h.governor().kill_switch_flat_at()) {
      EXPECT_GT(*h.governor().kill_switch_flat_at(), *previous_flat_at);
    }
    EXPECT_GT(h.governor().counters().flatten_orders, 0u);

    // Anything new is refused as HARD_STOP.
    h.Act([&] {
      ExpectDenied(h.Request(h.Limit(0, Side::kBuy, Ticks(h.BidTicks(0)), Q("0.10"), kStrategies[0])),
                   DenyReason::kTradingStateHardStop, "limit");
      ExpectDenied(h.Request(h.Market(1, Side::kSell, Q("1.0"), kStrategies[1])), DenyReason::kTradingStateHardStop,
                   "market");
      ExpectDenied(h.Request(h.Limit(0, Side::kSell, Ticks(h.AskTicks(0)), Q("0.10"), kStrategies[0], TimeInForce::kGtc,
                                     /*reduce_only=*/true)),
                   DenyReason::kTradingStateHardStop, "reduce-only limit");
      ExpectDenied(h.SendSignal(h.Entry(0, Side::kBuy, kStrategies[2])), DenyReason::kTradingStateHardStop, "entry");
      ExpectDenied(h.SendSignal(h.Entry(1, Side::kSell, kStrategies[0], 0.5)), DenyReason::kTradingStateHardStop,
                   "entry");
    });

    // The kill switch again: nothing new to do, nothing sent.
    const std::uint64_t submits = h.submits();
    const std::uint64_t commands = h.exchange().stats().commands;
    const auto flat_at = h.governor().kill_switch_flat_at();
    h.Act([&] { h.governor().KillSwitch("test again"); });
    h.RunFor(Duration::Seconds(2), dt);
    EXPECT_EQ(h.submits(), submits);
    EXPECT_EQ(h.exchange().stats().commands, commands);
    EXPECT_EQ(h.governor().kill_switch_flat_at(), flat_at);
    ExpectFlatAndQuiet(h, "after the second call");
    previous_flat_at = flat_at;

    // Manual reset: trading again.
    h.Act([&] { EXPECT_TRUE(h.governor().Reset("test").ok()); });
    EXPECT_EQ(h.governor().state(), RiskState::kNormal);
    EXPECT_FALSE(h.governor().kill_switch_active());
    EXPECT_FALSE(h.governor().kill_switch_flat_at().has_value());
  }
  h.Finish();
  h.CheckFinal();
  if (seed == 1) {
    std::cout << "kill switch, seed " << seed << ": " << h.Summary() << ", flatten orders "
              << h.governor().counters().flatten_orders << ", cancel-alls " << h.cancel_alls() << "\n";
  }
}

TEST(RiskSim, KillSwitchDuringBurstFlattensTwice) {
  for (std::uint64_t seed = 1; seed <= kKillSeeds; ++seed) RunKillSwitchScenario(seed);
}

// In HARD_STOP an exit signal is denied for the state (the kill switch
// closes positions), before any check of what it would reduce.
TEST(RiskSim, ExitSignalInHardStopIsDeniedAsHardStop) {
  Harness h(RoomyConfig(), ScriptOptions(8, true), Notional::FromInt(100'000));
  h.RunFor(Duration::Seconds(2), Duration::Millis(50));
  h.Act([&] { h.governor().KillSwitch("test"); });
  h.RunFor(Duration::Seconds(1), Duration::Millis(50));
  h.Act([&] {
    const auto r = h.SendSignal(h.Exit(0, Side::kSell, kStrategies[0]));
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error(), DenyReason::kTradingStateHardStop) << ToString(r.error());
  });
}

// A residual worth less than the venue's minimum order value: the venue
// rejects every flatten order. The governor must not spin (one retry per
// check interval), must count the rejections and must not call it flat.
TEST(RiskSim, KillSwitchRetriesARefusedResidualOncePerIntervalAndSaysItIsNotFlat) {
  Harness h(RoomyConfig(), ScriptOptions(9, /*coarse_lots=*/false), Notional::FromInt(100'000));
  const Duration dt = Duration::Millis(50);
  h.RunFor(Duration::Seconds(2), dt);
  h.Act([&] { EXPECT_TRUE(h.Request(h.Market(0, Side::kBuy, Q("1.00"), kStrategies[0])).ok()); });
  h.RunFor(Duration::Seconds(1), dt);
  h.Act([&] { EXPECT_TRUE(h.Request(h.Market(0, Side::kSell, Q("0.97"), kStrategies[1])).ok()); });
  h.RunFor(Duration::Seconds(1), dt);
  ASSERT_EQ(h.position(0), Q("0.03"));  // about 3 USDT, below the 5 USDT minimum
  h.Act([&] { h.governor().KillSwitch("test"); });
  h.RunFor(Duration::Seconds(3), Duration::Millis(20));
  // One try at once, then one per check interval (1 s): at most 4 in 3 s.
  EXPECT_GE(h.governor().counters().flatten_orders, 2u);
  EXPECT_LE(h.governor().counters().flatten_orders, 4u);
  EXPECT_EQ(h.governor().counters().flatten_rejects, h.governor().counters().flatten_orders);
  EXPECT_FALSE(h.governor().kill_switch_flat_at().has_value());
  EXPECT_EQ(h.governor().state(), RiskState::kHardStop);
  EXPECT_EQ(h.position(0), Q("0.03"));
}

// ---------------------------------------------------------------------------
// Amends.

// Rests a buy of 2.0 AAA 10 ticks under the bid (about 200 USDT); returns
// its id.
ClientOrderId RestABuy(Harness& h, const Qty& qty) {
  ClientOrderId id;
  h.Act([&] {
    auto r = h.Request(h.Limit(0, Side::kBuy, Ticks(h.BidTicks(0) - 10), qty, kStrategies[0]));
    ASSERT_TRUE(r.ok());
    id = r->get().client_order_id;
  });
  h.RunFor(Duration::Millis(200), Duration::Millis(50));
  return id;
}

TEST(RiskSim, AmendsAreCheckedAndSent) {
  Harness h(RoomyConfig(), ScriptOptions(5, true), Notional::FromInt(100'000));
  h.RunFor(Duration::Seconds(2), Duration::Millis(50));
  const ClientOrderId id = RestABuy(h, Q("2.0"));
  h.Act([&] {
    // 2% away: outside the 50 bps band.
    const auto far = h.Amend(AmendRequest{InstrumentId{0}, id, Ticks(h.BidTicks(0) - 200), Qty::Zero()});
    ASSERT_FALSE(far.ok());
    EXPECT_EQ(far.error(), DenyReason::kPriceBand);
    const auto off_tick =
        h.Amend(AmendRequest{InstrumentId{0}, id, Price::FromRaw(Ticks(h.BidTicks(0) - 12).raw() + 1), Qty::Zero()});
    ASSERT_FALSE(off_tick.ok());
    EXPECT_EQ(off_tick.error(), DenyReason::kPriceOffTick);
    EXPECT_TRUE(h.Amend(AmendRequest{InstrumentId{0}, id, Ticks(h.BidTicks(0) - 12), Qty::Zero()}).ok());
  });
  h.RunFor(Duration::Millis(300), Duration::Millis(50));
  h.Act([&] { EXPECT_TRUE(h.Amend(AmendRequest{InstrumentId{0}, id, Price::Undefined(), Q("3.0")}).ok()); });
  h.RunFor(Duration::Millis(300), Duration::Millis(50));
  EXPECT_NEAR(h.governor().SideExposure(InstrumentId{0}, Side::kBuy), 3.0 * 100.0, 5.0);
  h.Finish();
  h.CheckFinal();
}

// An amend is checked as the whole order it makes: growing 2.0 to 4.0 at
// about 99.9 (about 400 USDT) with max_order_notional 250 is denied.
TEST(RiskSim, AmendCannotGrowAnOrderPastMaxOrderNotional) {
  RiskConfig c = RoomyConfig();
  c.max_order_notional = 250.0;
  Harness h(c, ScriptOptions(5, true), Notional::FromInt(100'000));
  h.RunFor(Duration::Seconds(2), Duration::Millis(50));
  const ClientOrderId id = RestABuy(h, Q("2.0"));
  h.Act([&] {
    const auto r = h.Amend(AmendRequest{InstrumentId{0}, id, Price::Undefined(), Q("4.0")});
    ASSERT_FALSE(r.ok()) << "approved an order of about 400 USDT with max_order_notional 250";
    EXPECT_EQ(r.error(), DenyReason::kMaxOrderNotional);
  });
}

// A reduce-only order may grow only into the position it reduces, less
// what other reduce-only orders already cover.
TEST(RiskSim, AmendCannotGrowAReduceOnlyOrderPastThePosition) {
  Harness h(RoomyConfig(), ScriptOptions(6, true), Notional::FromInt(100'000));
  h.RunFor(Duration::Seconds(2), Duration::Millis(50));
  h.Act([&] { EXPECT_TRUE(h.Request(h.Market(0, Side::kBuy, Q("1.0"), kStrategies[0])).ok()); });
  h.RunFor(Duration::Seconds(1), Duration::Millis(50));
  ASSERT_EQ(h.position(0), Q("1.0"));
  ClientOrderId id;
  h.Act([&] {
    auto r = h.Request(h.Limit(0, Side::kSell, Ticks(h.AskTicks(0) + 20), Q("0.5"), kStrategies[0], TimeInForce::kGtc,
                               /*reduce_only=*/true));
    ASSERT_TRUE(r.ok());
    id = r->get().client_order_id;
  });
  h.RunFor(Duration::Millis(200), Duration::Millis(50));
  h.Act([&] {
    const auto r = h.Amend(AmendRequest{InstrumentId{0}, id, Price::Undefined(), Q("3.0")});
    ASSERT_FALSE(r.ok()) << "a reduce-only sell of 3.0 against a long of 1.0";
    EXPECT_EQ(r.error(), DenyReason::kReduceOnlyWouldIncrease);
  });
}

// ---------------------------------------------------------------------------
// C. Determinism.

TEST(RiskSim, SameSeedSameDecisions) {
  const RandomRun a = RunRandom(42, 3000);
  const RandomRun b = RunRandom(42, 3000);
  ASSERT_FALSE(a.decisions.empty());
  EXPECT_EQ(a.decisions.size(), b.decisions.size());
  EXPECT_TRUE(a.decisions == b.decisions);
  EXPECT_TRUE(a.answers == b.answers);
  EXPECT_EQ(a.summary, b.summary);
  const RandomRun c = RunRandom(43, 3000);
  EXPECT_FALSE(a.decisions == c.decisions);
}

}  // namespace
}  // namespace hean
