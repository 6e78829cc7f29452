// ImpulseEngine on crafted tapes, driven through the bus as the engine runs
// it: MarketAnalytics subscribed first, then the strategy through
// AttachStrategy. Every expected number is worked out in a comment.
//
// Common ground of the tapes: instrument 0 is BTCUSDT with a 0.1 tick; a
// quiet tape prints 100.0 every 5 s from t = 0 to t = 60 (13 trades of 1),
// so that the 60 s lookback is full at t = 60 (the first trade was at 0)
// and the oldest price of the window (t - 60, t] at t = 61 is the one at
// t = 5, 100.0. Fewer than 14 one-minute bars exist in every test, so the
// threshold is the 0.5% base.
#include "hean/strategy/impulse_engine.h"

#include <gtest/gtest.h>

#include <cmath>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "hean/analytics/market_analytics.h"
#include "hean/book/book_set.h"
#include "hean/bus/event_bus.h"
#include "hean/config/config.h"
#include "hean/core/clock.h"
#include "hean/core/log.h"
#include "hean/core/timer_queue.h"
#include "hean/model/events.h"
#include "hean/strategy/test_harness.h"

namespace hean {
namespace {

using Skip = ImpulseEngine::Skip;
namespace reason = signal_reason;
using testing_support::At;
using testing_support::P;
using testing_support::Q;

constexpr InstrumentId kBtc{0};
constexpr InstrumentId kEth{1};

// One trade of a tape: when (seconds after kT0), price, size, aggressor.
struct Tick {
  std::int64_t t;
  const char* price;
  const char* qty;
  AggressorSide aggressor;
};

constexpr AggressorSide kBuyer = AggressorSide::kBuyer;
constexpr AggressorSide kSeller = AggressorSide::kSeller;

// The quiet tape: 100.0 every 5 s over [from, to], size 1, one aggressor.
std::vector<Tick> Quiet(AggressorSide aggressor, std::int64_t from = 0, std::int64_t to = 60) {
  std::vector<Tick> v;
  for (std::int64_t t = from; t <= to; t += 5) v.push_back(Tick{t, "100.0", "1", aggressor});
  return v;
}

std::vector<Tick> Concat(std::vector<Tick> a, const std::vector<Tick>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

// The impulse tests' config without the volume-spike check and the flow
// filter, for tests about what happens after an entry (cooldown, pending
// entries, positions) where those checks would only make the tape longer.
ImpulseConfig Plain() {
  ImpulseConfig c;
  c.require_volume_spike = false;
  c.flow_filter = false;
  return c;
}

// The engine as the engine loop wires it, on a simulated clock.
struct Harness : testing_support::StrategyHarness {
  explicit Harness(ImpulseConfig config = {})
      : StrategyHarness(StrategyId::Of("impulse-test"), "impulse",
                        [](InstrumentId id) { return id == kBtc ? "BTCUSDT" : "ETHUSDT"; }),
        engine(std::move(config)) {
    Attach(engine);
  }

  void MoveTo(std::int64_t seconds) { ASSERT_TRUE(clock.AdvanceTo(At(seconds)).ok()) << seconds; }

  void Print(const Tick& k, InstrumentId id = kBtc) {
    MoveTo(k.t);
    Trade t;
    t.instrument = id;
    t.aggressor = k.aggressor;
    t.price = P(k.price);
    t.qty = Q(k.qty);
    Queue(t);
  }
  void Play(const std::vector<Tick>& tape, InstrumentId id = kBtc) {
    for (const Tick& k : tape) Print(k, id);
  }

  // A fill of this strategy (OrderFilled, fast path) at time `t`.
  void Fill(std::int64_t t, Side side, const char* price, const char* qty, InstrumentId id = kBtc) {
    MoveTo(t);
    OrderFilled f;
    f.ts_event = clock.Now();
    f.ts_recv = clock.Now();
    f.instrument = id;
    f.side = side;
    f.last_price = P(price);
    f.last_qty = Q(qty);
    f.cum_qty = f.last_qty;
    f.leaves_qty = Qty::Zero();
    f.client_order_id = ClientOrderId::Of("c-" + std::to_string(++fills));
    f.strategy = ctx.id();
    ASSERT_EQ(bus.Publish(f), PublishResult::kDispatched);
  }

  void Deny(std::int64_t t, std::uint64_t signal_id, StrategyId strategy) {
    MoveTo(t);
    OrderDenied d;
    d.instrument = kBtc;
    d.reason = DenyReason::kMaxPositionNotional;
    d.signal_id = signal_id;
    d.strategy = strategy;
    Queue(d);
  }

  // At `t`, a snapshot stamped with the clock's time, applied to the books
  // and then published.
  void Book(std::int64_t t, std::vector<BookLevel> bids, std::vector<BookLevel> asks) {
    MoveTo(t);
    BookSnapshot s;
    s.ts_event = clock.Now();
    s.ts_recv = clock.Now();
    s.instrument = kBtc;
    s.levels = std::make_shared<const BookLevels>(BookLevels{std::move(bids), std::move(asks)});
    ApplyAndQueue(s);
  }

  ImpulseEngine engine;
  int fills = 0;
};

// The basic buy impulse. Sellers print the quiet tape; at t = 61 a buyer
// takes 3 at 100.7.
//  * return: 100.7 / 100.0 - 1 = 0.7% > 0.5%;
//  * volume spike: 14 sizes kept (>= min_history 10); recent mean
//    (1 + 1 + 3) / 3 = 1.67 > 1.2 x baseline mean 1;
//  * trade flow over (51, 61]: buys 3, sells 2 (t = 55, 60): ratio 1.5, not
//    below 0.5 (no block) nor above 2 (no boost);
//  * no book: no profile breakout.
std::vector<Tick> BuyImpulse(const char* price = "100.7") { return Concat(Quiet(kSeller), {{61, price, "3", kBuyer}}); }

TEST(ImpulseEngine, ImpulseWithVolumeSpikeGivesOneEntry) {
  Harness h;
  h.Play(BuyImpulse());
  ASSERT_EQ(h.signals.size(), 1u);
  const Signal& s = h.signals[0];
  EXPECT_EQ(s.instrument, kBtc);
  EXPECT_EQ(s.side, Side::kBuy);
  EXPECT_EQ(s.intent, SignalIntent::kEntry);
  EXPECT_EQ(s.strategy, StrategyId::Of("impulse-test"));
  EXPECT_EQ(s.signal_id, 1u);
  EXPECT_EQ(s.ts_event, At(61));
  EXPECT_EQ(s.reference_price, P("100.7"));
  // confidence = min(1, 0.5 x 0.007 / 0.005) = 0.7
  EXPECT_NEAR(s.strength, 0.7, 1e-9);
  // take-profit 100.7 x 1.006 = 101.3042 -> 101.3; stop-loss 100.7 x 0.997
  // = 100.3979 -> 100.4 (nearest 0.1 tick)
  EXPECT_EQ(s.take_profit, P("101.3"));
  EXPECT_EQ(s.stop_loss, P("100.4"));
  EXPECT_EQ(s.position_ttl, Duration::Minutes(10));
  EXPECT_EQ(s.size_hint, 1.0);
  EXPECT_EQ(s.reasons, reason::kImpulse | reason::kVolumeSpike);

  const ImpulseEngine::Stats& st = h.engine.stats();
  EXPECT_EQ(st.trades, 14u);
  EXPECT_EQ(st.impulses, 1u);
  EXPECT_EQ(st.entries, 1u);
  EXPECT_EQ(st.of(Skip::kWarmingUp), 12u);      // t = 0 .. 55
  EXPECT_EQ(st.of(Skip::kBelowThreshold), 1u);  // t = 60: return 0
  EXPECT_EQ(st.flow_boosts, 0u);
  EXPECT_EQ(st.profile_boosts, 0u);
  EXPECT_NEAR(h.engine.LastReturn(kBtc), 0.007, 1e-12);
  EXPECT_NEAR(h.engine.MaxAbsReturn(kBtc), 0.007, 1e-12);
  EXPECT_EQ(h.sink.Count(LogLevel::kInfo, "impulse entry #1 BUY BTCUSDT at 100.7"), 1u);
}

// Large trades, then small ones: at t = 61 the recent sizes (1, 1, 1.5)
// average 1.17, below 1.2 x the baseline (10 x 5 + 1) / 11 = 4.64.
// Flow over (51, 61]: buys 1.5, sells 2: ratio 0.75 (no block).
std::vector<Tick> ImpulseWithoutSpike() {
  std::vector<Tick> v;
  for (std::int64_t t = 0; t <= 45; t += 5) v.push_back(Tick{t, "100.0", "5", kSeller});
  return Concat(v, {{50, "100.0", "1", kSeller},
                    {55, "100.0", "1", kSeller},
                    {60, "100.0", "1", kSeller},
                    {61, "100.7", "1.5", kBuyer}});
}

TEST(ImpulseEngine, ImpulseWithoutVolumeSpikeGivesNothing) {
  Harness h;
  h.Play(ImpulseWithoutSpike());
  EXPECT_TRUE(h.signals.empty());
  EXPECT_EQ(h.engine.stats().impulses, 1u);
  EXPECT_EQ(h.engine.stats().of(Skip::kNoVolumeSpike), 1u);
  EXPECT_EQ(h.engine.stats().entries, 0u);
}

TEST(ImpulseEngine, SpikeCheckSwitchedOffLetsTheSameImpulseThrough) {
  ImpulseConfig c;
  c.require_volume_spike = false;
  Harness h(c);
  h.Play(ImpulseWithoutSpike());
  ASSERT_EQ(h.signals.size(), 1u);
  EXPECT_EQ(h.signals[0].reasons, reason::kImpulse);  // no spike claimed either way
  EXPECT_EQ(h.engine.stats().of(Skip::kNoVolumeSpike), 0u);
}

TEST(ImpulseEngine, MoveBelowThresholdGivesNothing) {
  Harness h;
  h.Play(BuyImpulse("100.4"));  // 0.4% < 0.5%
  EXPECT_TRUE(h.signals.empty());
  EXPECT_EQ(h.engine.stats().impulses, 0u);
  EXPECT_EQ(h.engine.stats().of(Skip::kBelowThreshold), 2u);  // t = 60 and 61
  EXPECT_NEAR(h.engine.LastReturn(kBtc), 0.004, 1e-12);
}

// A 1% move 30 s after the first trade is not judged: the lookback is not
// full. At t = 60 it is (60 - 0 >= 60), and the oldest price of (0, 60] is
// t = 10's 100.0: return 1%, confidence min(1, 0.5 x 0.01 / 0.005) = 1.
// Only 6 sizes are kept (< min_history 10), so the spike is assumed and the
// reasons say kSpikeUnknown. Flow over (50, 60]: two buys, no sell: the
// ratio is huge (no block), momentum 101 / 101 - 1 = 0 (no boost).
TEST(ImpulseEngine, NothingBeforeAFullLookback) {
  Harness h;
  h.Play({{0, "100.0", "1", kSeller},
          {10, "100.0", "1", kSeller},
          {20, "100.0", "1", kSeller},
          {30, "101.0", "3", kBuyer},
          {59, "101.0", "1", kBuyer}});
  EXPECT_TRUE(h.signals.empty());
  EXPECT_EQ(h.engine.stats().of(Skip::kWarmingUp), 5u);
  EXPECT_EQ(h.engine.stats().impulses, 0u);
  EXPECT_EQ(h.engine.LastReturn(kBtc), 0.0);

  h.Print({60, "101.0", "1", kBuyer});
  ASSERT_EQ(h.signals.size(), 1u);
  EXPECT_EQ(h.signals[0].side, Side::kBuy);
  EXPECT_EQ(h.signals[0].strength, 1.0);
  EXPECT_EQ(h.signals[0].reasons, reason::kImpulse | reason::kSpikeUnknown);
  EXPECT_EQ(h.engine.stats().of(Skip::kWarmingUp), 5u);
}

// Entry at t = 61 (cooldown until 91, pending until 71). Every later print
// at 100.7 is an impulse against the 100.0 prints still in the lookback.
TEST(ImpulseEngine, CooldownBlocksASecondImpulseFor30Seconds) {
  Harness h(Plain());
  h.Play(BuyImpulse());
  ASSERT_EQ(h.signals.size(), 1u);

  h.Print({65, "100.7", "1", kBuyer});  // pending for 4 s < 10 s
  EXPECT_EQ(h.engine.stats().of(Skip::kOpenPosition), 1u);
  h.Print({75, "100.7", "1", kBuyer});  // pending dropped (14 s >= 10 s); 75 < 91
  EXPECT_EQ(h.engine.stats().entries_timed_out, 1u);
  EXPECT_EQ(h.engine.stats().of(Skip::kCooldown), 1u);
  h.Print({90, "100.7", "1", kBuyer});  // 90 < 91
  EXPECT_EQ(h.engine.stats().of(Skip::kCooldown), 2u);
  EXPECT_EQ(h.signals.size(), 1u);

  // 91 >= 91; the oldest of (31, 91] is t = 35's 100.0: return 0.7%.
  h.Print({91, "100.7", "1", kBuyer});
  ASSERT_EQ(h.signals.size(), 2u);
  EXPECT_EQ(h.signals[1].ts_event, At(91));
  EXPECT_EQ(h.signals[1].signal_id, 2u);
  EXPECT_EQ(h.engine.stats().entries, 2u);
  EXPECT_EQ(h.engine.stats().impulses, 5u);
}

// Sellers print the quiet tape and one more seller takes 10 at t = 58; at
// t = 61 a buyer takes 3 at 100.7. Spike: recent (10, 1, 3) average 4.67 >
// 1.2 x 1. Flow over (51, 61]: buys 3, sells 1 + 10 + 1 = 12: ratio 0.25.
std::vector<Tick> BuyIntoSelling() {
  return Concat(Quiet(kSeller, 0, 55),
                {{58, "100.0", "10", kSeller}, {60, "100.0", "1", kSeller}, {61, "100.7", "3", kBuyer}});
}
// The mirror: buyers, then a seller takes 3 at 99.3; ratio 12 / 3 = 4.
std::vector<Tick> SellIntoBuying() {
  return Concat(Quiet(kBuyer, 0, 55),
                {{58, "100.0", "10", kBuyer}, {60, "100.0", "1", kBuyer}, {61, "99.3", "3", kSeller}});
}

TEST(ImpulseEngine, FlowFilterBlocksABuyWhenSellsDominate) {
  Harness h;
  h.Play(BuyIntoSelling());
  EXPECT_TRUE(h.signals.empty());
  EXPECT_EQ(h.engine.stats().impulses, 1u);
  EXPECT_EQ(h.engine.stats().of(Skip::kFlowFilter), 1u);
}

TEST(ImpulseEngine, FlowFilterBlocksASellWhenBuysDominate) {
  Harness h;
  h.Play(SellIntoBuying());
  EXPECT_TRUE(h.signals.empty());
  EXPECT_EQ(h.engine.stats().of(Skip::kFlowFilter), 1u);
}

// A feed without aggressor sides (every trade kUnknown): the flow ratio says
// nothing, so the filter neither blocks nor boosts.
TEST(ImpulseEngine, FlowFilterIsNotAppliedWithoutKnownAggressors) {
  constexpr AggressorSide kUnknownSide = AggressorSide::kUnknown;
  Harness h;
  h.Play(
      Concat(Quiet(kUnknownSide, 0, 55),
             {{58, "100.0", "10", kUnknownSide}, {60, "100.0", "1", kUnknownSide}, {61, "100.7", "3", kUnknownSide}}));
  ASSERT_EQ(h.signals.size(), 1u);
  EXPECT_EQ(h.signals[0].side, Side::kBuy);
  EXPECT_EQ(h.signals[0].reasons & reason::kFlowBoost, 0u);
  EXPECT_EQ(h.engine.stats().of(Skip::kFlowFilter), 0u);
}

TEST(ImpulseEngine, FlowFilterSwitchedOffLetsThemThrough) {
  ImpulseConfig c;
  c.flow_filter = false;
  {
    Harness h(c);
    h.Play(BuyIntoSelling());
    ASSERT_EQ(h.signals.size(), 1u);
    EXPECT_EQ(h.signals[0].side, Side::kBuy);
    EXPECT_EQ(h.signals[0].reasons, reason::kImpulse | reason::kVolumeSpike);
  }
  {
    Harness h(c);
    h.Play(SellIntoBuying());
    ASSERT_EQ(h.signals.size(), 1u);
    EXPECT_EQ(h.signals[0].side, Side::kSell);
    EXPECT_EQ(h.engine.stats().of(Skip::kFlowFilter), 0u);
  }
}

// Buyers print the quiet tape, then a buyer takes 3 at 100.7. Flow over
// (51, 61]: buys 5, sells 0: ratio 5 / 1e-9 > 2; momentum 100.7 / 100.0 - 1
// = 0.7% > 0.1%: take-profit 100.7 x (1 + 0.006 x 1.2) = 101.42504 -> 101.4.
TEST(ImpulseEngine, FlowBoostWidensTakeProfit) {
  Harness h;
  h.Play(Concat(Quiet(kBuyer), {{61, "100.7", "3", kBuyer}}));
  ASSERT_EQ(h.signals.size(), 1u);
  EXPECT_EQ(h.signals[0].take_profit, P("101.4"));
  EXPECT_EQ(h.signals[0].stop_loss, P("100.4"));  // unchanged
  EXPECT_EQ(h.signals[0].reasons, reason::kImpulse | reason::kVolumeSpike | reason::kFlowBoost);
  EXPECT_EQ(h.engine.stats().flow_boosts, 1u);

  ImpulseConfig off;
  off.flow_filter = false;  // no filter, no boost
  Harness h2(off);
  h2.Play(Concat(Quiet(kBuyer), {{61, "100.7", "3", kBuyer}}));
  ASSERT_EQ(h2.signals.size(), 1u);
  EXPECT_EQ(h2.signals[0].take_profit, P("101.3"));
}

// Buyers print the quiet tape, then a seller takes 3 at 99.3.
//  * return 99.3 / 100.0 - 1 = -0.7%: a sell, confidence 0.7;
//  * flow over (51, 61]: buys 2, sells 3: ratio 0.67 (<= 2: no block;
//    >= 1 / 2: no boost);
//  * take-profit 99.3 x 0.994 = 98.7042 -> 98.7 (below), stop-loss
//    99.3 x 1.003 = 99.5979 -> 99.6 (above).
TEST(ImpulseEngine, SellImpulseGivesASellWithTakeProfitBelow) {
  Harness h;
  h.Play(Concat(Quiet(kBuyer), {{61, "99.3", "3", kSeller}}));
  ASSERT_EQ(h.signals.size(), 1u);
  const Signal& s = h.signals[0];
  EXPECT_EQ(s.side, Side::kSell);
  EXPECT_EQ(s.intent, SignalIntent::kEntry);
  EXPECT_EQ(s.reference_price, P("99.3"));
  EXPECT_NEAR(s.strength, 0.7, 1e-9);
  EXPECT_EQ(s.take_profit, P("98.7"));
  EXPECT_EQ(s.stop_loss, P("99.6"));
  EXPECT_EQ(s.reasons, reason::kImpulse | reason::kVolumeSpike);
  EXPECT_NEAR(h.engine.LastReturn(kBtc), -0.007, 1e-12);
  EXPECT_NEAR(h.engine.MaxAbsReturn(kBtc), 0.007, 1e-12);
}

// The sell-side boost: sellers all along, so the ratio is 0 < 1 / 2 and the
// momentum -0.7% < -0.1%: take-profit 99.3 x (1 - 0.0072) = 98.58504 -> 98.6.
TEST(ImpulseEngine, FlowBoostOnASell) {
  Harness h;
  h.Play(Concat(Quiet(kSeller), {{61, "99.3", "3", kSeller}}));
  ASSERT_EQ(h.signals.size(), 1u);
  EXPECT_EQ(h.signals[0].side, Side::kSell);
  EXPECT_EQ(h.signals[0].take_profit, P("98.6"));
  EXPECT_EQ(h.signals[0].reasons, reason::kImpulse | reason::kVolumeSpike | reason::kFlowBoost);
}

// A book whose bids are deep (10 a level) and asks thin (1 a level):
// cumulative bid size 10, 20, 30 at 0, 1, 2 ticks from the best is a slope
// of 10, the asks' a slope of 1: pressure imbalance 10 > 1.5. The VPOC is
// the 10-lot bid nearest the mid, 100.6; the impulse prints 100.7 above it:
// confidence 0.7 x 1.3 = 0.91.
TEST(ImpulseEngine, ProfileBreakoutRaisesConfidence) {
  Harness h;
  h.Play(Quiet(kSeller));
  h.Book(60, {{P("100.6"), Q("10")}, {P("100.5"), Q("10")}, {P("100.4"), Q("10")}},
         {{P("100.8"), Q("1")}, {P("100.9"), Q("1")}, {P("101.0"), Q("1")}});
  h.Print({61, "100.7", "3", kBuyer});
  ASSERT_EQ(h.signals.size(), 1u);
  EXPECT_NEAR(h.signals[0].strength, 0.91, 1e-9);
  EXPECT_EQ(h.signals[0].reasons, reason::kImpulse | reason::kVolumeSpike | reason::kProfileBreakout);
  EXPECT_EQ(h.engine.stats().profile_boosts, 1u);
}

TEST(ImpulseEngine, GateVetoesAnEntryAndStartsNoCooldown) {
  Harness h(Plain());
  bool open = false;
  std::optional<Signal> seen;
  std::string symbol;
  h.engine.SetGate([&](const Signal& candidate, const InstrumentAnalytics& a) {
    seen = candidate;
    symbol = a.symbol();
    return open;
  });
  h.Play(BuyImpulse());
  EXPECT_TRUE(h.signals.empty());
  EXPECT_EQ(h.engine.stats().of(Skip::kGate), 1u);
  ASSERT_TRUE(seen.has_value());
  EXPECT_EQ(seen->side, Side::kBuy);
  EXPECT_EQ(seen->reference_price, P("100.7"));
  EXPECT_EQ(seen->take_profit, P("101.3"));
  EXPECT_EQ(symbol, "BTCUSDT");

  open = true;  // a veto starts no cooldown: the next impulse goes through
  h.Print({62, "100.7", "1", kBuyer});
  ASSERT_EQ(h.signals.size(), 1u);
  EXPECT_EQ(h.signals[0].ts_event, At(62));
}

// Entry at t = 61 (take-profit fraction 0.6%, stop-loss 0.3%), filled at
// 100.7 at t = 62.
void EnterAndFill(Harness& h) {
  h.Play(BuyImpulse());
  ASSERT_EQ(h.signals.size(), 1u);
  h.Fill(62, Side::kBuy, "100.7", "1");
  ASSERT_EQ(h.ctx.Position(kBtc).qty, Q("1"));
}

// With one signal out, `before` gives no exit and `at` gives one: a second
// signal, an exit to `side` for `reasons`.
void ExpectExitAt(Harness& h, const Tick& before, const Tick& at, Side side, std::uint32_t reasons) {
  h.Print(before);
  EXPECT_EQ(h.signals.size(), 1u);
  h.Print(at);
  ASSERT_EQ(h.signals.size(), 2u);
  EXPECT_EQ(h.signals[1].intent, SignalIntent::kExit);
  EXPECT_EQ(h.signals[1].side, side);
  EXPECT_EQ(h.signals[1].reasons, reasons);
}

TEST(ImpulseEngine, TakeProfitExitIsRepeatedWhileStillOpen) {
  Harness h;
  EnterAndFill(h);
  // Exit prices sit on the tick grid, from the fill price: take-profit
  // 100.7 x 1.006 = 101.3042 -> 101.3. 101.2 is below it.
  ASSERT_NO_FATAL_FAILURE(
      ExpectExitAt(h, {63, "101.2", "1", kBuyer}, {64, "101.3", "1", kBuyer}, Side::kSell, reason::kTakeProfit));
  const Signal& x = h.signals[1];
  EXPECT_EQ(x.reference_price, P("101.3"));
  EXPECT_EQ(x.signal_id, 2u);
  EXPECT_EQ(h.engine.stats().exits_take_profit, 1u);

  h.Print({68, "101.3", "1", kBuyer});  // 4 s < exit_retry 5 s
  EXPECT_EQ(h.signals.size(), 2u);
  // 5 s: still open, repeat; an exit stands once decided, even though the
  // price fell back below the take-profit.
  h.Print({69, "101.0", "1", kBuyer});
  ASSERT_EQ(h.signals.size(), 3u);
  EXPECT_EQ(h.signals[2].intent, SignalIntent::kExit);
  EXPECT_EQ(h.signals[2].reasons, reason::kTakeProfit);
  EXPECT_EQ(h.engine.stats().exit_retries, 1u);
  EXPECT_EQ(h.engine.stats().exits_take_profit, 1u);

  h.Fill(70, Side::kSell, "101.3", "1");
  EXPECT_TRUE(h.ctx.Position(kBtc).flat());
  h.Print({80, "101.4", "1", kBuyer});  // flat: no exit; an impulse in cooldown (80 < 91)
  EXPECT_EQ(h.signals.size(), 3u);
  EXPECT_EQ(h.engine.stats().of(Skip::kCooldown), 1u);
}

TEST(ImpulseEngine, StopLossExitSellsALong) {
  Harness h;
  EnterAndFill(h);
  // Stop-loss on the tick grid: 100.7 x 0.997 = 100.3979 -> 100.4; 100.5 is above it.
  ASSERT_NO_FATAL_FAILURE(
      ExpectExitAt(h, {63, "100.5", "1", kSeller}, {64, "100.4", "1", kSeller}, Side::kSell, reason::kStopLoss));
  EXPECT_EQ(h.engine.stats().exits_stop_loss, 1u);
}

TEST(ImpulseEngine, StopLossExitBuysBackAShort) {
  Harness h;
  h.Play(Concat(Quiet(kBuyer), {{61, "99.3", "3", kSeller}}));
  ASSERT_EQ(h.signals.size(), 1u);
  h.Fill(62, Side::kSell, "99.3", "1");
  // Short from 99.3: the stop is 99.3 x 1.003 = 99.5979 -> 99.6 on the tick
  // grid (take-profit 98.7042 -> 98.7).
  ASSERT_NO_FATAL_FAILURE(
      ExpectExitAt(h, {63, "99.5", "1", kBuyer}, {64, "99.6", "1", kBuyer}, Side::kBuy, reason::kStopLoss));
}

TEST(ImpulseEngine, PositionTtlExit) {
  Harness h;
  EnterAndFill(h);  // opened at t = 62; ttl 10 min: due at t = 662
  ASSERT_NO_FATAL_FAILURE(
      ExpectExitAt(h, {661, "100.7", "1", kBuyer}, {662, "100.7", "1", kBuyer}, Side::kSell, reason::kPositionTtl));
  EXPECT_EQ(h.engine.stats().exits_ttl, 1u);
}

// With a position open an impulse is not an entry. At t = 100 the pending
// entry and the cooldown (until 91) are both over, and the oldest price of
// (40, 100] is t = 45's 100.0: 100.7 is a 0.7% impulse.
TEST(ImpulseEngine, NoEntryWhileAPositionIsOpen) {
  Harness h(Plain());
  EnterAndFill(h);
  h.Print({100, "100.7", "1", kBuyer});
  EXPECT_EQ(h.signals.size(), 1u);
  EXPECT_EQ(h.engine.stats().of(Skip::kOpenPosition), 1u);
  EXPECT_EQ(h.engine.stats().impulses, 2u);

  h.Fill(101, Side::kSell, "100.7", "1");  // flat again
  h.Print({102, "100.7", "1", kBuyer});    // oldest of (42, 102]: t = 45
  ASSERT_EQ(h.signals.size(), 2u);
  EXPECT_EQ(h.signals[1].intent, SignalIntent::kEntry);
  EXPECT_EQ(h.signals[1].ts_event, At(102));
}

// A denial of the pending entry frees the instrument at once (a new entry
// still waits for the cooldown); denials of another signal or of another
// strategy change nothing.
TEST(ImpulseEngine, DenialOfThePendingEntryFreesTheInstrument) {
  Harness h(Plain());
  h.Play(BuyImpulse());
  ASSERT_EQ(h.signals.size(), 1u);
  const std::uint64_t entry = h.signals[0].signal_id;
  h.Deny(62, entry + 1, h.ctx.id());
  h.Deny(62, entry, StrategyId::Of("someone-else"));
  h.Print({63, "100.7", "1", kBuyer});
  EXPECT_EQ(h.engine.stats().of(Skip::kOpenPosition), 1u);  // still pending

  h.Deny(64, entry, h.ctx.id());
  h.Print({65, "100.7", "1", kBuyer});  // no longer pending, but 65 < 91
  EXPECT_EQ(h.engine.stats().of(Skip::kOpenPosition), 1u);
  EXPECT_EQ(h.engine.stats().of(Skip::kCooldown), 1u);
  EXPECT_EQ(h.engine.stats().entries_timed_out, 0u);
  h.Print({91, "100.7", "1", kBuyer});
  ASSERT_EQ(h.signals.size(), 2u);
  EXPECT_EQ(h.signals[1].ts_event, At(91));
}

TEST(ImpulseEngine, InstrumentsOutsideSymbolsAreIgnored) {
  ImpulseConfig c = Plain();
  c.symbols = {"BTCUSDT"};
  Harness h(c);
  h.Play(BuyImpulse(), kEth);
  EXPECT_TRUE(h.signals.empty());
  EXPECT_EQ(h.engine.stats().trades, 0u);
  EXPECT_EQ(h.engine.LastReturn(kEth), 0.0);

  Harness h2(c);
  h2.Play(BuyImpulse(), kBtc);
  ASSERT_EQ(h2.signals.size(), 1u);
  EXPECT_EQ(h2.signals[0].instrument, kBtc);
}

TEST(ImpulseEngine, SkipNames) {
  EXPECT_EQ(ImpulseEngine::SkipName(Skip::kWarmingUp), "warming_up");
  EXPECT_EQ(ImpulseEngine::SkipName(Skip::kNoVolumeSpike), "no_volume_spike");
  EXPECT_EQ(ImpulseEngine::SkipName(Skip::kNoAnalytics), "no_analytics");
  EXPECT_EQ(ImpulseEngine::SkipName(Skip::kCount), "?");
}

// ---------------------------------------------------------------------------
// Config.

TEST(ImpulseConfig, DefaultsAreValid) { EXPECT_TRUE(ImpulseConfig{}.Validate().ok()); }

TEST(ImpulseConfig, EachBadValueNamesItsKey) {
  struct Case {
    const char* key;
    void (*spoil)(ImpulseConfig&);
  };
  const Case cases[] = {
      {"strategy.impulse.lookback", [](ImpulseConfig& c) { c.lookback = Duration::Zero(); }},
      {"strategy.impulse.cooldown", [](ImpulseConfig& c) { c.cooldown = Duration::Seconds(-1); }},
      {"strategy.impulse.take_profit", [](ImpulseConfig& c) { c.take_profit = 0; }},
      {"strategy.impulse.take_profit", [](ImpulseConfig& c) { c.take_profit = 1; }},
      {"strategy.impulse.take_profit", [](ImpulseConfig& c) { c.take_profit = std::nan(""); }},
      {"strategy.impulse.stop_loss", [](ImpulseConfig& c) { c.stop_loss = -0.01; }},
      {"strategy.impulse.position_ttl", [](ImpulseConfig& c) { c.position_ttl = Duration::Seconds(-1); }},
      {"strategy.impulse.size_hint", [](ImpulseConfig& c) { c.size_hint = 0; }},
      {"strategy.impulse.size_hint", [](ImpulseConfig& c) { c.size_hint = 1.5; }},
      {"strategy.impulse.entry_timeout", [](ImpulseConfig& c) { c.entry_timeout = Duration::Zero(); }},
      {"strategy.impulse.exit_retry", [](ImpulseConfig& c) { c.exit_retry = Duration::Zero(); }},
      {"strategy.impulse.flow_filter.block_buy_below", [](ImpulseConfig& c) { c.flow_block_buy_below = -1; }},
      {"strategy.impulse.flow_filter.block_sell_above", [](ImpulseConfig& c) { c.flow_block_sell_above = 0.5; }},
      {"strategy.impulse.flow_filter.boost_ratio", [](ImpulseConfig& c) { c.flow_boost_ratio = 0; }},
      {"strategy.impulse.flow_filter.boost_momentum", [](ImpulseConfig& c) { c.flow_boost_momentum = -0.1; }},
      {"strategy.impulse.flow_filter.take_profit_multiplier",
       [](ImpulseConfig& c) { c.flow_take_profit_multiplier = 0; }},
      {"strategy.impulse.profile_filter.pressure_imbalance", [](ImpulseConfig& c) { c.profile_pressure = 0; }},
      {"strategy.impulse.profile_filter.confidence_multiplier",
       [](ImpulseConfig& c) { c.profile_confidence_multiplier = -1; }},
  };
  for (const Case& k : cases) {
    ImpulseConfig c;
    k.spoil(c);
    const Status s = c.Validate();
    ASSERT_FALSE(s.ok()) << k.key;
    EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << k.key;
    EXPECT_EQ(s.message().rfind(std::string(k.key) + ":", 0), 0u) << s.message();
  }
  // Allowed edges: no cooldown, no position time limit, the full size.
  ImpulseConfig edges;
  edges.cooldown = Duration::Zero();
  edges.position_ttl = Duration::Zero();
  edges.size_hint = 1.0;
  EXPECT_TRUE(edges.Validate().ok());
}

Config MustParse(std::string_view text) {
  auto c = Config::Parse(text, "run.toml");
  EXPECT_TRUE(c.ok()) << (c.ok() ? "" : c.error().ToString());
  return c.ok() ? std::move(*c) : Config();
}

TEST(ImpulseConfig, LoadsAFullSection) {
  Config cfg = MustParse(R"(
[strategy.impulse]
lookback = "30s"
cooldown = "45s"
take_profit = 0.01
stop_loss = 0.004
position_ttl = "5m"
size_hint = 0.5
require_volume_spike = false
entry_timeout = "3s"
exit_retry = "2s"
symbols = ["BTCUSDT", "ETHUSDT"]

[strategy.impulse.flow_filter]
enabled = false
block_buy_below = 0.4
block_sell_above = 2.5
boost_ratio = 3
boost_momentum = 0.002
take_profit_multiplier = 1.5

[strategy.impulse.profile_filter]
enabled = false
pressure_imbalance = 2.0
confidence_multiplier = 1.1
)");
  ImpulseConfig c;
  const Status s = LoadImpulseConfig(cfg, c);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(c.lookback, Duration::Seconds(30));
  EXPECT_EQ(c.cooldown, Duration::Seconds(45));
  EXPECT_EQ(c.take_profit, 0.01);
  EXPECT_EQ(c.stop_loss, 0.004);
  EXPECT_EQ(c.position_ttl, Duration::Minutes(5));
  EXPECT_EQ(c.size_hint, 0.5);
  EXPECT_FALSE(c.require_volume_spike);
  EXPECT_EQ(c.entry_timeout, Duration::Seconds(3));
  EXPECT_EQ(c.exit_retry, Duration::Seconds(2));
  EXPECT_EQ(c.symbols, (std::vector<std::string>{"BTCUSDT", "ETHUSDT"}));
  EXPECT_FALSE(c.flow_filter);
  EXPECT_EQ(c.flow_block_buy_below, 0.4);
  EXPECT_EQ(c.flow_block_sell_above, 2.5);
  EXPECT_EQ(c.flow_boost_ratio, 3.0);
  EXPECT_EQ(c.flow_boost_momentum, 0.002);
  EXPECT_EQ(c.flow_take_profit_multiplier, 1.5);
  EXPECT_FALSE(c.profile_filter);
  EXPECT_EQ(c.profile_pressure, 2.0);
  EXPECT_EQ(c.profile_confidence_multiplier, 1.1);
  EXPECT_TRUE(cfg.CheckUnknown().ok());
}

TEST(ImpulseConfig, MissingKeysKeepTheDefaults) {
  Config cfg = MustParse("[strategy.impulse]\ntake_profit = 0.008\n");
  ImpulseConfig c;
  ASSERT_TRUE(LoadImpulseConfig(cfg, c).ok());
  EXPECT_EQ(c.take_profit, 0.008);
  EXPECT_EQ(c.lookback, Duration::Seconds(60));
  EXPECT_TRUE(c.flow_filter);

  Config empty;
  ImpulseConfig d;
  ASSERT_TRUE(LoadImpulseConfig(empty, d).ok());
  EXPECT_EQ(d.take_profit, 0.006);
}

TEST(ImpulseConfig, BadValueNamesItsKey) {
  {
    Config cfg = MustParse("[strategy.impulse]\nlookback = \"30s\"\ntake_profit = 1.5\n");
    ImpulseConfig c;
    const Status s = LoadImpulseConfig(cfg, c);
    ASSERT_FALSE(s.ok());
    EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(s.message(), "run.toml:3: strategy.impulse.take_profit: must be in (0, 1), got 1.5");
  }
  {
    // A wrong type: the getter names the file, line and key.
    Config cfg = MustParse("[strategy.impulse]\nlookback = \"30s\"\nstop_loss = \"tight\"\n");
    ImpulseConfig c;
    const Status s = LoadImpulseConfig(cfg, c);
    ASSERT_FALSE(s.ok());
    EXPECT_EQ(s.message().rfind("run.toml:3: strategy.impulse.stop_loss:", 0), 0u) << s.message();
  }
  {
    Config cfg = MustParse("[strategy.impulse]\ncooldown = \"soon\"\n");
    ImpulseConfig c;
    const Status s = LoadImpulseConfig(cfg, c);
    ASSERT_FALSE(s.ok());
    EXPECT_NE(s.message().find("strategy.impulse.cooldown"), std::string::npos) << s.message();
  }
}

TEST(ImpulseConfig, UnknownKeyIsAnErrorWithItsLine) {
  Config cfg = MustParse(R"([strategy.impulse]
lookback = "30s"
take_proft = 0.01

[strategy.impulse.flow_filter]
enabled = true
)");
  ImpulseConfig c;
  const Status s = LoadImpulseConfig(cfg, c);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.message(), "run.toml:3: unknown key strategy.impulse.take_proft");

  Config nested = MustParse("[strategy.impulse.flow_filter]\nenable = false\n");
  const Status n = LoadImpulseConfig(nested, c);
  ASSERT_FALSE(n.ok());
  EXPECT_EQ(n.message(), "run.toml:2: unknown key strategy.impulse.flow_filter.enable");

  // Keys of other sections are not this loader's business.
  Config other = MustParse("[strategy.other]\nx = 1\n");
  EXPECT_TRUE(LoadImpulseConfig(other, c).ok());
}

}  // namespace
}  // namespace hean
