// StrategyContext: positions from the strategy's own fills, open orders
// from its requests until a terminal event, signal stamping, and the
// routing of AttachStrategy.
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "hean/analytics/market_analytics.h"
#include "hean/book/book_set.h"
#include "hean/bus/event_bus.h"
#include "hean/core/clock.h"
#include "hean/core/log.h"
#include "hean/core/timer_queue.h"
#include "hean/model/events.h"
#include "hean/model/test_instruments.h"
#include "hean/strategy/strategy.h"
#include "hean/strategy/test_harness.h"

namespace hean {
namespace {

using testing_support::At;
using testing_support::kT0;
using testing_support::P;
using testing_support::Q;

constexpr InstrumentId kBtc{0};
constexpr InstrumentId kEth{1};

Notional N(std::string_view text) { return Notional::Parse(text).value(); }

const StrategyId kMe = StrategyId::Of("me");
const StrategyId kOther = StrategyId::Of("other");

FillReport MakeFill(std::int64_t t, Side side, const char* price, const char* qty, StrategyId strategy = kMe,
                    InstrumentId id = kBtc) {
  FillReport f;
  f.ts_event = At(t);
  f.ts_recv = At(t);
  f.instrument = id;
  f.side = side;
  f.last_price = P(price);
  f.last_qty = Q(qty);
  f.strategy = strategy;
  return f;
}

// An order event of type E for (instrument, client id).
template <class E>
E OrderEvent(InstrumentId instrument, const char* id) {
  E e;
  e.instrument = instrument;
  e.client_order_id = ClientOrderId::Of(id);
  return e;
}

OrderDenied Denied(const char* id, StrategyId strategy, std::uint64_t signal_id = 0) {
  OrderDenied d;
  d.instrument = kBtc;
  d.client_order_id = ClientOrderId::Of(id);
  d.strategy = strategy;
  d.signal_id = signal_id;
  return d;
}

// Records what AttachStrategy hands the strategy.
class Recorder final : public Strategy {
 public:
  std::string_view name() const noexcept override { return "recorder"; }
  void OnStart(StrategyContext&) override { ++starts; }
  void OnTrade(StrategyContext& ctx, const Trade& t) override {
    const InstrumentAnalytics* a = ctx.Analytics(t.instrument);
    trades_seen_by_analytics.push_back(a != nullptr ? a->trades() : 0);
  }
  void OnBook(StrategyContext&, InstrumentId id, const OrderBook& book) override {
    books.push_back(id);
    best_bids.push_back(book.BestBid() ? book.BestBid()->price : Price::Undefined());
  }
  void OnFill(StrategyContext& ctx, const FillReport& f) override {
    fills.push_back(f);
    position_at_fill.push_back(ctx.Position(f.instrument).qty);
  }
  void OnDenied(StrategyContext&, const OrderDenied& d) override { denied.push_back(d); }
  void OnFlashCrash(StrategyContext&, const FlashCrash& c) override { crashes.push_back(c); }

  int starts = 0;
  std::vector<std::uint64_t> trades_seen_by_analytics;
  std::vector<InstrumentId> books;
  std::vector<Price> best_bids;
  std::vector<FillReport> fills;
  std::vector<Qty> position_at_fill;
  std::vector<OrderDenied> denied;
  std::vector<FlashCrash> crashes;
};

// A context on a simulated clock, with books and analytics, attached to a
// bus with a Recorder.
struct Harness : testing_support::StrategyHarness {
  Harness() : StrategyHarness(kMe, "ctx", [](InstrumentId) { return "BTCUSDT"; }) { Attach(strategy); }

  OrderRequest Request(const char* id, StrategyId strategy = kMe, InstrumentId instrument = kBtc) {
    OrderRequest r;
    r.ts_event = clock.Now();
    r.ts_recv = clock.Now();
    r.instrument = instrument;
    r.side = Side::kBuy;
    r.price = P("100");
    r.qty = Q("1");
    r.client_order_id = ClientOrderId::Of(id);
    r.strategy = strategy;
    return r;
  }

  Recorder strategy;
};

// A context with only the required services.
struct Bare {
  SimClock clock{kT0};
  TimerQueue timers{clock};
  EventBus bus;
  StrategyContext ctx{kMe, StrategyContext::Services{&clock, &timers, &bus, nullptr, nullptr, nullptr, Logger()}};
};

TEST(StrategyContext, PositionOpenAddReduceClose) {
  Bare b;
  StrategyContext& ctx = b.ctx;
  EXPECT_TRUE(ctx.Position(kBtc).flat());
  EXPECT_EQ(ctx.Position(kBtc).AvgEntry(), 0.0);

  ctx.OnFill(MakeFill(1, Side::kBuy, "100", "2"));  // open: 2 @ 100, cost 200
  EXPECT_EQ(ctx.Position(kBtc).qty, Q("2"));
  EXPECT_EQ(ctx.Position(kBtc).cost, N("200"));
  EXPECT_EQ(ctx.Position(kBtc).AvgEntry(), 100.0);
  EXPECT_EQ(ctx.Position(kBtc).opened, At(1));

  ctx.OnFill(MakeFill(2, Side::kBuy, "103", "1"));  // add: 3, cost 303, average 101
  EXPECT_EQ(ctx.Position(kBtc).qty, Q("3"));
  EXPECT_EQ(ctx.Position(kBtc).cost, N("303"));
  EXPECT_EQ(ctx.Position(kBtc).AvgEntry(), 101.0);
  EXPECT_EQ(ctx.Position(kBtc).opened, At(1));  // still the first opening

  ctx.OnFill(MakeFill(3, Side::kSell, "110", "1"));  // reduce: 2, cost 303 x 2/3 = 202, average kept
  EXPECT_EQ(ctx.Position(kBtc).qty, Q("2"));
  EXPECT_EQ(ctx.Position(kBtc).cost, N("202"));
  EXPECT_EQ(ctx.Position(kBtc).AvgEntry(), 101.0);
  EXPECT_EQ(ctx.Position(kBtc).opened, At(1));

  ctx.OnFill(MakeFill(4, Side::kSell, "95", "2"));  // close
  EXPECT_TRUE(ctx.Position(kBtc).flat());
  EXPECT_EQ(ctx.Position(kBtc).cost, Notional::Zero());
  EXPECT_EQ(ctx.Position(kBtc).opened, UnixNanos());
  EXPECT_EQ(ctx.Position(kBtc).AvgEntry(), 0.0);

  ctx.OnFill(MakeFill(5, Side::kBuy, "90", "1"));  // opened again: a new time
  EXPECT_EQ(ctx.Position(kBtc).opened, At(5));
  EXPECT_EQ(ctx.Position(kBtc).AvgEntry(), 90.0);
  // Other instruments are apart.
  EXPECT_TRUE(ctx.Position(kEth).flat());
}

TEST(StrategyContext, ShortPositionAndFlips) {
  Bare b;
  StrategyContext& ctx = b.ctx;
  ctx.OnFill(MakeFill(1, Side::kSell, "100", "2"));  // short 2 @ 100: cost -200
  EXPECT_EQ(ctx.Position(kBtc).qty, -Q("2"));
  EXPECT_EQ(ctx.Position(kBtc).cost, N("-200"));
  EXPECT_EQ(ctx.Position(kBtc).AvgEntry(), 100.0);

  ctx.OnFill(MakeFill(2, Side::kSell, "106", "1"));  // add: -3, cost -306, average 102
  EXPECT_EQ(ctx.Position(kBtc).cost, N("-306"));
  EXPECT_EQ(ctx.Position(kBtc).AvgEntry(), 102.0);

  ctx.OnFill(MakeFill(3, Side::kBuy, "99", "1"));  // reduce: -2, cost -204, average 102
  EXPECT_EQ(ctx.Position(kBtc).qty, -Q("2"));
  EXPECT_EQ(ctx.Position(kBtc).cost, N("-204"));
  EXPECT_EQ(ctx.Position(kBtc).opened, At(1));

  // Flip short 2 -> long 3 by buying 5 @ 98: the 3 left are a new
  // position opened at the fill's price and time.
  ctx.OnFill(MakeFill(4, Side::kBuy, "98", "5"));
  EXPECT_EQ(ctx.Position(kBtc).qty, Q("3"));
  EXPECT_EQ(ctx.Position(kBtc).cost, N("294"));
  EXPECT_EQ(ctx.Position(kBtc).AvgEntry(), 98.0);
  EXPECT_EQ(ctx.Position(kBtc).opened, At(4));

  // And back: sell 4 @ 105 from long 3 -> short 1 @ 105.
  ctx.OnFill(MakeFill(5, Side::kSell, "105", "4"));
  EXPECT_EQ(ctx.Position(kBtc).qty, -Q("1"));
  EXPECT_EQ(ctx.Position(kBtc).cost, N("-105"));
  EXPECT_EQ(ctx.Position(kBtc).AvgEntry(), 105.0);
  EXPECT_EQ(ctx.Position(kBtc).opened, At(5));
}

TEST(StrategyContext, FillsOfAnotherStrategyAndEmptyFillsAreIgnored) {
  Bare b;
  b.ctx.OnFill(MakeFill(1, Side::kBuy, "100", "2", kOther));
  EXPECT_TRUE(b.ctx.Position(kBtc).flat());
  b.ctx.OnFill(MakeFill(1, Side::kBuy, "100", "0"));
  EXPECT_TRUE(b.ctx.Position(kBtc).flat());
  b.ctx.OnFill(MakeFill(1, Side::kBuy, "100", "1"));
  EXPECT_EQ(b.ctx.Position(kBtc).qty, Q("1"));
}

TEST(StrategyContext, FillsFromTheBusReachPositionThenStrategy) {
  Harness h;
  OrderPartiallyFilled part;
  static_cast<FillReport&>(part) = MakeFill(1, Side::kBuy, "100", "1");
  ASSERT_EQ(h.bus.Publish(part), PublishResult::kDispatched);
  OrderFilled done;
  static_cast<FillReport&>(done) = MakeFill(2, Side::kBuy, "102", "1");
  ASSERT_EQ(h.bus.Publish(done), PublishResult::kDispatched);
  OrderFilled theirs;
  static_cast<FillReport&>(theirs) = MakeFill(3, Side::kBuy, "50", "7", kOther);
  ASSERT_EQ(h.bus.Publish(theirs), PublishResult::kDispatched);

  EXPECT_EQ(h.ctx.Position(kBtc).qty, Q("2"));
  EXPECT_EQ(h.ctx.Position(kBtc).AvgEntry(), 101.0);
  ASSERT_EQ(h.strategy.fills.size(), 2u);  // not the other strategy's
  // The strategy sees each fill with the position already updated.
  EXPECT_EQ(h.strategy.position_at_fill, (std::vector<Qty>{Q("1"), Q("2")}));
}

TEST(StrategyContext, OpenOrdersFromRequestsUntilTerminalEvents) {
  Harness h;
  for (const char* id : {"c1", "c2", "c3", "c4", "c5", "c6", "c7"}) {
    ASSERT_EQ(h.bus.Publish(h.Request(id)), PublishResult::kDispatched);
  }
  ASSERT_EQ(h.bus.Publish(h.Request("e1", kMe, kEth)), PublishResult::kDispatched);
  ASSERT_EQ(h.bus.Publish(h.Request("x1", kOther)), PublishResult::kDispatched);  // not ours
  EXPECT_EQ(h.ctx.OpenOrders(kBtc), 7u);
  EXPECT_EQ(h.ctx.OpenOrders(kEth), 1u);

  OrderPartiallyFilled part;
  static_cast<FillReport&>(part) = MakeFill(0, Side::kBuy, "100", "0.5");
  part.client_order_id = ClientOrderId::Of("c1");
  ASSERT_EQ(h.bus.Publish(part), PublishResult::kDispatched);
  EXPECT_EQ(h.ctx.OpenOrders(kBtc), 7u);  // a partial fill leaves it open

  OrderFilled filled;
  static_cast<FillReport&>(filled) = MakeFill(0, Side::kBuy, "100", "0.5");
  filled.client_order_id = ClientOrderId::Of("c1");
  ASSERT_EQ(h.bus.Publish(filled), PublishResult::kDispatched);
  EXPECT_EQ(h.ctx.OpenOrders(kBtc), 6u);

  h.Queue(OrderEvent<OrderCanceled>(kBtc, "c2"));
  EXPECT_EQ(h.ctx.OpenOrders(kBtc), 5u);
  h.Queue(OrderEvent<OrderExpired>(kBtc, "c3"));
  EXPECT_EQ(h.ctx.OpenOrders(kBtc), 4u);
  h.Queue(OrderEvent<OrderRejected>(kBtc, "c4"));
  EXPECT_EQ(h.ctx.OpenOrders(kBtc), 3u);
  h.Queue(Denied("c5", kMe));
  EXPECT_EQ(h.ctx.OpenOrders(kBtc), 2u);
  ASSERT_EQ(h.strategy.denied.size(), 1u);

  // Not closing: another strategy's denial, an unknown id, the right id on
  // the wrong instrument, events that are not terminal.
  h.Queue(Denied("c6", kOther));
  h.Queue(OrderEvent<OrderCanceled>(kBtc, "nope"));
  h.Queue(OrderEvent<OrderCanceled>(kEth, "c6"));
  h.Queue(OrderEvent<OrderAccepted>(kBtc, "c6"));
  EXPECT_EQ(h.ctx.OpenOrders(kBtc), 2u);
  EXPECT_EQ(h.ctx.OpenOrders(kEth), 1u);
  EXPECT_EQ(h.strategy.denied.size(), 1u);

  // A denial without a client id (a refused signal) closes nothing but
  // still reaches the strategy.
  h.Queue(Denied("", kMe, 4));
  EXPECT_EQ(h.ctx.OpenOrders(kBtc), 2u);
  EXPECT_EQ(h.strategy.denied.size(), 2u);

  h.Queue(OrderEvent<OrderCanceled>(kBtc, "c6"));
  h.Queue(OrderEvent<OrderCanceled>(kBtc, "c7"));
  h.Queue(OrderEvent<OrderCanceled>(kEth, "e1"));
  EXPECT_EQ(h.ctx.OpenOrders(kBtc), 0u);
  EXPECT_EQ(h.ctx.OpenOrders(kEth), 0u);
}

TEST(StrategyContext, EmitSignalStampsTimeStrategyAndIncreasingIds) {
  Harness h;
  ASSERT_TRUE(h.clock.AdvanceTo(At(7)).ok());
  Signal s;
  s.ts_event = At(-100);  // overwritten
  s.ts_recv = At(-100);
  s.strategy = kOther;
  s.signal_id = 42;
  s.instrument = kEth;
  s.side = Side::kSell;
  s.intent = SignalIntent::kExit;
  s.reference_price = P("2500.5");
  s.strength = 0.25;
  s.reasons = signal_reason::kStopLoss;
  EXPECT_EQ(h.ctx.signals_emitted(), 0u);
  EXPECT_EQ(h.ctx.EmitSignal(s), 1u);
  // Fast path: delivered before EmitSignal returned, without a drain.
  ASSERT_EQ(h.signals.size(), 1u);
  const Signal& got = h.signals[0];
  EXPECT_EQ(got.ts_event, At(7));
  EXPECT_EQ(got.ts_recv, At(7));
  EXPECT_EQ(got.strategy, kMe);
  EXPECT_EQ(got.signal_id, 1u);
  EXPECT_EQ(got.instrument, kEth);
  EXPECT_EQ(got.side, Side::kSell);
  EXPECT_EQ(got.intent, SignalIntent::kExit);
  EXPECT_EQ(got.reference_price, P("2500.5"));
  EXPECT_EQ(got.strength, 0.25);
  EXPECT_EQ(got.reasons, signal_reason::kStopLoss);

  ASSERT_TRUE(h.clock.AdvanceTo(At(8)).ok());
  EXPECT_EQ(h.ctx.EmitSignal(s), 2u);
  EXPECT_EQ(h.ctx.EmitSignal(s), 3u);
  ASSERT_EQ(h.signals.size(), 3u);
  EXPECT_EQ(h.signals[1].signal_id, 2u);
  EXPECT_EQ(h.signals[2].signal_id, 3u);
  EXPECT_EQ(h.signals[2].ts_event, At(8));
  EXPECT_EQ(h.ctx.signals_emitted(), 3u);
  EXPECT_EQ(h.ctx.Now(), At(8));
}

TEST(StrategyContext, OptionalServicesAnswerNull) {
  Bare b;
  EXPECT_EQ(b.ctx.Book(kBtc), nullptr);
  EXPECT_EQ(b.ctx.Analytics(kBtc), nullptr);
  EXPECT_EQ(b.ctx.FindInstrument(kBtc), nullptr);
  EXPECT_EQ(b.ctx.id(), kMe);
  EXPECT_EQ(b.ctx.OpenOrders(kBtc), 0u);

  InstrumentRegistry reg;
  auto id = reg.Add(testing_support::BybitBtcUsdt());
  ASSERT_TRUE(id.ok());
  StrategyContext ctx(kMe, StrategyContext::Services{&b.clock, &b.timers, &b.bus, nullptr, nullptr, &reg, Logger()});
  ASSERT_NE(ctx.FindInstrument(*id), nullptr);
  EXPECT_EQ(ctx.FindInstrument(*id)->symbol, "BTCUSDT");
  EXPECT_EQ(ctx.FindInstrument(InstrumentId{id->value + 1}), nullptr);
}

TEST(StrategyContext, AttachStrategyRoutesMarketEvents) {
  Harness h;
  EXPECT_EQ(h.strategy.starts, 1);

  // A trade reaches the strategy after the analytics counted it.
  Trade t;
  t.instrument = kBtc;
  t.aggressor = AggressorSide::kBuyer;
  t.price = P("100");
  t.qty = Q("1");
  h.Queue(t);
  h.Queue(t);
  EXPECT_EQ(h.strategy.trades_seen_by_analytics, (std::vector<std::uint64_t>{1, 2}));

  // A snapshot: OnBook with the book already applied.
  BookSnapshot s;
  s.instrument = kBtc;
  s.levels = std::make_shared<const BookLevels>(
      BookLevels{{{P("99.9"), Q("1")}, {P("99.8"), Q("2")}}, {{P("100.1"), Q("1")}, {P("100.2"), Q("2")}}});
  ASSERT_NO_FATAL_FAILURE(h.ApplyAndQueue(s));
  ASSERT_EQ(h.strategy.books.size(), 1u);
  EXPECT_EQ(h.strategy.best_bids[0], P("99.9"));

  // Deltas: OnBook only after the last one of a message.
  BookDelta d1;
  d1.instrument = kBtc;
  d1.side = Side::kBuy;
  d1.price = P("100.0");
  d1.qty = Q("3");
  BookDelta d2 = d1;
  d2.side = Side::kSell;
  d2.flags = BookDelta::kLastInMessage;
  d2.price = P("100.1");
  d2.qty = Q("0");
  ASSERT_NO_FATAL_FAILURE(h.ApplyAndQueue(d1));
  EXPECT_EQ(h.strategy.books.size(), 1u);
  ASSERT_NO_FATAL_FAILURE(h.ApplyAndQueue(d2));
  ASSERT_EQ(h.strategy.books.size(), 2u);
  EXPECT_EQ(h.strategy.best_bids[1], P("100.0"));

  // No book for an instrument the BookSet never saw: no OnBook.
  BookSnapshot eth;
  eth.instrument = kEth;
  h.Queue(eth);
  EXPECT_EQ(h.strategy.books.size(), 2u);

  FlashCrash crash;
  crash.instrument = kBtc;
  h.Queue(crash);
  ASSERT_EQ(h.strategy.crashes.size(), 1u);
  EXPECT_EQ(h.strategy.crashes[0].instrument, kBtc);
}

}  // namespace
}  // namespace hean
