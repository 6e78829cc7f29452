// The execution router in front of the simulated exchange, behind the risk
// governor, on hand-made markets: each test scripts the book and the trades
// around one request and checks what the router sent and what came of it.
//
// Wiring (what a backtest does): the governor's gateway is the router; the
// router's client is the exchange; the exchange's answers go to the router
// (its OrderManager), then fills to the portfolio, then to the governor.
// Latencies: order 2 ms, response 3 ms, market data 300 us.
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "hean/book/book_set.h"
#include "hean/core/clock.h"
#include "hean/core/log.h"
#include "hean/core/timer_queue.h"
#include "hean/engine/sim_runner.h"
#include "hean/exec/execution_router.h"
#include "hean/model/events.h"
#include "hean/model/instrument.h"
#include "hean/model/test_instruments.h"
#include "hean/portfolio/portfolio.h"
#include "hean/risk/risk_governor.h"
#include "hean/sim/fee_model.h"
#include "hean/sim/latency_model.h"
#include "hean/sim/queue_model.h"
#include "hean/sim/sim_exchange.h"

namespace hean {
namespace {

constexpr std::int64_t kTickRaw = 10'000'000;  // 0.01
constexpr std::int64_t kLotRaw = 10'000'000;   // 0.01
const UnixNanos kT0 = UnixNanos::FromSeconds(1'700'000'000);

Price Ticks(std::int64_t n) { return Price::FromRaw(n * kTickRaw); }
Qty Lots(std::int64_t n) { return Qty::FromRaw(n * kLotRaw); }
UnixNanos Ms(double ms) { return kT0 + Duration::Nanos(static_cast<std::int64_t>(ms * 1e6)); }

InstrumentRegistry MakeRegistry() {
  InstrumentRegistry r;
  EXPECT_TRUE(r.Add(testing_support::Usdt100()).ok());
  return r;
}

// Limits out of the way unless a test sets them.
RiskConfig LooseRisk() {
  RiskConfig c;
  c.max_order_notional = 0;
  c.max_position_notional = 0;
  c.max_account_notional = 0;
  c.max_open_orders = 0;
  c.max_open_orders_per_instrument = 0;
  c.price_band_bps = 500;
  c.max_spread_bps = 0;
  c.max_data_age = Duration::Seconds(60);
  c.orders_per_second = 1000;
  c.orders_per_minute = 100'000;
  return c;
}

ExecConfig FixedTtl() {
  ExecConfig c;
  c.mode = ExecMode::kFixedTtl;
  return c;
}

const InstrumentId kId{0};

class Harness final : public OrderEventSink, public OrderGateway {
 public:
  explicit Harness(ExecConfig exec, RiskConfig risk = LooseRisk())
      : registry_(MakeRegistry()),
        clock_(kT0),
        order_latency_(Duration::Millis(2)),
        response_latency_(Duration::Millis(3)),
        exchange_(registry_, clock_, *this, order_latency_, response_latency_, queue_, fees_),
        books_([this](InstrumentId id) {
          return BookSet::Spec{registry_.Get(id).venue, registry_.Get(id).tick_size};
        }),
        portfolio_(Notional::FromInt(100'000), registry_),
        timers_(clock_),
        governor_(std::move(risk),
                  RiskGovernor::Services{&clock_, &registry_, &portfolio_, &books_, this, nullptr, nullptr, Logger()}),
        router_(std::move(exec), ExecutionRouter::Services{&clock_, &timers_, &registry_, &books_, &exchange_,
                                                           &governor_, nullptr, Logger(&log_, LogLevel::kDebug)}),
        runner_(clock_, exchange_, nullptr, [this](const Event& e) {
          (void)books_.Apply(e);
          router_.OnMarketData(e);
        }) {
    runner_.SetTimers(&timers_);
  }

  // OrderEventSink: the router first, then the portfolio (new fills only),
  // then the governor.
  void OnOrderEvent(const Event& e) override {
    const ApplyOutcome o = router_.OnOrderEvent(e);
    events_.push_back(e);
    if (o == ApplyOutcome::kApplied) {
      if (const auto* f = std::get_if<OrderFilled>(&e)) {
        EXPECT_TRUE(portfolio_.OnFill(*f).ok());
      }
      if (const auto* f = std::get_if<OrderPartiallyFilled>(&e)) {
        EXPECT_TRUE(portfolio_.OnFill(*f).ok());
      }
    }
    governor_.OnOrderEvent(e);
  }
  // OrderGateway for the governor.
  Status Execute(const ApprovedOrder& order) override { return router_.Execute(order); }
  Status CancelAll(InstrumentId instrument) override { return router_.CancelAll(instrument); }

  // A snapshot: 5 levels a side, 1.00 each, from bid / ask (in ticks).
  void Book(double at_ms, std::int64_t bid, std::int64_t ask) {
    auto levels = std::make_shared<BookLevels>();
    for (std::int64_t k = 0; k < 5; ++k) {
      levels->bids.push_back(BookLevel{Ticks(bid - k), Lots(100)});
      levels->asks.push_back(BookLevel{Ticks(ask + k), Lots(100)});
    }
    BookSnapshot s{};
    s.ts_event = Ms(at_ms);
    s.ts_recv = Ms(at_ms + 0.3);
    s.instrument = kId;
    s.update_id = ++update_id_;
    s.levels = std::move(levels);
    ASSERT_TRUE(runner_.Feed(s).ok());
  }
  // A trade of `lots` at `price` (ticks) by a seller (hits bids) or buyer.
  void TradeAt(double at_ms, std::int64_t price, bool seller, std::int64_t lots = 200) {
    Trade t{};
    t.ts_event = Ms(at_ms);
    t.ts_recv = Ms(at_ms + 0.3);
    t.instrument = kId;
    t.aggressor = seller ? AggressorSide::kSeller : AggressorSide::kBuyer;
    t.price = Ticks(price);
    t.qty = Lots(lots);
    t.trade_id = TradeId::Of("t" + std::to_string(++trade_id_));
    ASSERT_TRUE(runner_.Feed(t).ok());
  }
  void RunTo(double at_ms) { ASSERT_TRUE(runner_.AdvanceTo(Ms(at_ms)).ok()); }

  // A parent request through the governor, worked by the router.
  void Request(Side side, std::int64_t lots, Urgency urgency = Urgency::kNormal, Price limit = Price::Undefined()) {
    OrderRequest r;
    r.ts_event = r.ts_recv = clock_.Now();
    r.instrument = kId;
    r.side = side;
    r.type = OrderType::kLimit;
    r.tif = TimeInForce::kIoc;
    r.urgency = urgency;
    r.price = limit.IsDefined() ? limit : (side == Side::kBuy ? Ticks(10'300) : Ticks(9'700));
    r.qty = Lots(lots);
    r.client_order_id = ClientOrderId::Of("p-" + std::to_string(++parent_id_));
    r.strategy = StrategyId::Of("s1");
    auto approval = governor_.Approve(r);
    ASSERT_TRUE(approval.ok()) << ToString(approval.error());
    ASSERT_TRUE(router_.Execute(*approval).ok());
  }

  // The router's orders in creation order (ids of denied child orders are
  // not reused, so there may be gaps).
  std::vector<const Order*> Orders() const {
    std::vector<const Order*> out;
    for (int i = 1; i <= 200; ++i) {
      const Order* o = router_.orders().Find(ClientOrderId::Of("ex-" + std::to_string(i)));
      if (o != nullptr) out.push_back(o);
    }
    return out;
  }
  Qty PositionQty() const {
    const hean::Position* p = portfolio_.Find(kId);
    return p == nullptr ? Qty() : p->qty;
  }
  std::size_t CountEvents(EventType type) const {
    std::size_t n = 0;
    for (const Event& e : events_) n += TypeOf(e) == type ? 1 : 0;
    return n;
  }

  const ExecutionRouter& router() const { return router_; }
  const RiskGovernor& governor() const { return governor_; }
  RiskGovernor& governor() { return governor_; }
  const MemoryLogSink& log() const { return log_; }

 private:
  InstrumentRegistry registry_;
  SimClock clock_;
  ConstantLatency order_latency_;
  ConstantLatency response_latency_;
  OptimisticQueue queue_;
  InstrumentFees fees_;
  SimExchange exchange_;
  BookSet books_;
  Portfolio portfolio_;
  TimerQueue timers_;
  MemoryLogSink log_;
  RiskGovernor governor_;
  ExecutionRouter router_;
  SimRunner runner_;
  std::vector<Event> events_;
  std::uint64_t update_id_ = 0;
  std::uint64_t trade_id_ = 0;
  int parent_id_ = 0;
};

TEST(ExecSim, MakerOrderFillsWithinItsTtl) {
  Harness h(FixedTtl());
  h.Book(0, 10'000, 10'001);
  h.RunTo(1);
  h.Request(Side::kBuy, 10);
  h.TradeAt(50, 10'000, true);
  h.RunTo(100);

  const auto orders = h.Orders();
  ASSERT_EQ(orders.size(), 1u);
  EXPECT_EQ(orders[0]->tif, TimeInForce::kPostOnly);
  EXPECT_EQ(orders[0]->price, Ticks(10'000));  // the best bid
  EXPECT_EQ(orders[0]->status, OrderStatus::kFilled);
  const ExecutionMetrics& m = h.router().metrics();
  ASSERT_EQ(m.works_ended.size(), 1u);
  EXPECT_EQ(m.works_ended[0].outcome, WorkOutcome::kFilled);
  EXPECT_EQ(m.works_ended[0].reposts, 0u);
  EXPECT_EQ(m.maker_attempts, 1u);
  EXPECT_EQ(m.maker_attempts_filled, 1u);
  ASSERT_EQ(m.fills.size(), 1u);
  EXPECT_EQ(m.fills[0].liquidity, LiquiditySide::kMaker);
  EXPECT_NEAR(m.fills[0].slippage_bps, (100.00 - 100.005) / 100.005 * 1e4, 1e-9);  // better than the mid
  EXPECT_EQ(h.PositionQty(), Lots(10));
  EXPECT_EQ(h.governor().open_orders(), 0u);
  EXPECT_EQ(h.router().active(), 0u);
  EXPECT_EQ(m.signal_to_order_ns.count(), 1u);
  EXPECT_EQ(m.ttl_ns.max(), 150'000'000u);
}

TEST(ExecSim, ExpiredMakerOrderIsRepostedAtTheNewBestAndFills) {
  Harness h(FixedTtl());
  h.Book(0, 10'000, 10'001);
  h.RunTo(1);
  h.Request(Side::kBuy, 10);
  h.Book(100, 10'002, 10'003);  // the market moves up, away from the order
  h.RunTo(180);                 // TTL at 151, cancel arrives 153, answer 156, re-post sent
  h.TradeAt(200, 10'002, true);
  h.RunTo(260);

  const auto orders = h.Orders();
  ASSERT_EQ(orders.size(), 2u);
  EXPECT_EQ(orders[0]->status, OrderStatus::kCanceled);
  EXPECT_EQ(orders[1]->price, Ticks(10'002));
  EXPECT_EQ(orders[1]->status, OrderStatus::kFilled);
  const ExecutionMetrics& m = h.router().metrics();
  ASSERT_EQ(m.works_ended.size(), 1u);
  EXPECT_EQ(m.works_ended[0].outcome, WorkOutcome::kFilled);
  EXPECT_EQ(m.works_ended[0].reposts, 1u);
  EXPECT_EQ(m.maker_attempts, 2u);  // one expiry, one fill
  EXPECT_EQ(m.maker_attempts_filled, 1u);
  EXPECT_EQ(h.PositionQty(), Lots(10));
}

TEST(ExecSim, RepostsExhaustedFallBackToAnIocWithinTheSlippageBound) {
  Harness h(FixedTtl());
  h.Book(0, 10'000, 10'001);
  h.RunTo(1);
  h.Request(Side::kBuy, 10);
  h.RunTo(1'000);  // four maker orders expire, then the IOC

  const auto orders = h.Orders();
  ASSERT_EQ(orders.size(), 5u);
  for (int i = 0; i < 4; ++i) {
    EXPECT_EQ(orders[i]->tif, TimeInForce::kPostOnly);
    EXPECT_EQ(orders[i]->status, OrderStatus::kCanceled);
  }
  EXPECT_EQ(orders[4]->tif, TimeInForce::kIoc);
  // The mid 100.005 plus 10 bps, on the grid below: 100.10.
  EXPECT_EQ(orders[4]->price, Ticks(10'010));
  EXPECT_EQ(orders[4]->status, OrderStatus::kFilled);
  const ExecutionMetrics& m = h.router().metrics();
  ASSERT_EQ(m.works_ended.size(), 1u);
  EXPECT_EQ(m.works_ended[0].outcome, WorkOutcome::kFilled);
  EXPECT_EQ(m.works_ended[0].reposts, 3u);
  EXPECT_EQ(m.works_ended[0].taker_orders, 1u);
  ASSERT_EQ(m.fills.size(), 1u);
  EXPECT_EQ(m.fills[0].liquidity, LiquiditySide::kTaker);
  EXPECT_DOUBLE_EQ(m.fills[0].price, 100.01);
  EXPECT_LE(m.fills[0].slippage_bps, 10.0);
  EXPECT_EQ(m.maker_attempts, 4u);
  EXPECT_EQ(m.maker_attempts_filled, 0u);
  EXPECT_EQ(h.PositionQty(), Lots(10));
}

TEST(ExecSim, TheIocFallbackNeverPaysMoreThanTheBound) {
  Harness h(FixedTtl());
  h.Book(0, 10'000, 10'050);  // 50 bps wide: the ask is beyond mid + 10 bps
  h.RunTo(1);
  h.Request(Side::kBuy, 10);
  h.RunTo(1'000);

  const auto orders = h.Orders();
  ASSERT_EQ(orders.size(), 5u);
  EXPECT_EQ(orders[4]->tif, TimeInForce::kIoc);
  EXPECT_LE(orders[4]->price.ToDouble(), 100.25 * 1.001);
  EXPECT_TRUE(orders[4]->status == OrderStatus::kCanceled || orders[4]->status == OrderStatus::kExpired);
  const ExecutionMetrics& m = h.router().metrics();
  ASSERT_EQ(m.works_ended.size(), 1u);
  EXPECT_EQ(m.works_ended[0].outcome, WorkOutcome::kUnfilled);
  EXPECT_EQ(m.works_ended[0].filled, 0.0);
  EXPECT_TRUE(m.fills.empty());
  EXPECT_EQ(h.PositionQty(), Qty());
  EXPECT_EQ(h.governor().open_orders(), 0u);
}

TEST(ExecSim, PostOnlyRejectionRepricesAtOnce) {
  Harness h(FixedTtl());
  h.Book(0, 10'000, 10'001);
  h.RunTo(1);
  h.Request(Side::kBuy, 10);  // post-only at 100.00, arrives at 3 ms
  h.Book(2, 9'999, 10'000);   // the ask comes down to 100.00 first
  h.RunTo(10);                // rejected at 3, answer at 6, re-priced

  const auto orders = h.Orders();
  ASSERT_EQ(orders.size(), 2u);
  EXPECT_EQ(orders[0]->status, OrderStatus::kRejected);
  EXPECT_EQ(orders[1]->price, Ticks(9'999));
  EXPECT_EQ(orders[1]->tif, TimeInForce::kPostOnly);
  EXPECT_EQ(h.router().metrics().post_only_rejects, 1u);
  EXPECT_EQ(h.router().metrics().reposts, 1u);
  EXPECT_EQ(h.router().metrics().maker_attempts, 0u);  // a rejection is not an attempt
  h.TradeAt(20, 9'999, true);
  h.RunTo(40);
  ASSERT_EQ(h.router().metrics().works_ended.size(), 1u);
  EXPECT_EQ(h.router().metrics().works_ended[0].outcome, WorkOutcome::kFilled);
  EXPECT_EQ(h.router().metrics().works_ended[0].post_only_rejects, 1u);
}

TEST(ExecSim, CancelRacingAFillLetsTheFillWinAndCountsItOnce) {
  Harness h(FixedTtl());
  h.Book(0, 10'000, 10'001);
  h.RunTo(1);
  h.Request(Side::kBuy, 10);
  // The TTL fires at 151 ms; the cancel reaches the exchange at 153 ms,
  // after this trade filled the order at 152 ms.
  h.TradeAt(152, 10'000, true);
  h.RunTo(300);

  const auto orders = h.Orders();
  ASSERT_EQ(orders.size(), 1u);  // no re-post
  EXPECT_EQ(orders[0]->status, OrderStatus::kFilled);
  EXPECT_EQ(h.CountEvents(kEventTypeOf<OrderCancelRejected>), 1u);
  const ExecutionMetrics& m = h.router().metrics();
  ASSERT_EQ(m.works_ended.size(), 1u);
  EXPECT_EQ(m.works_ended[0].outcome, WorkOutcome::kFilled);
  EXPECT_EQ(m.works_ended[0].filled, 0.10);
  EXPECT_EQ(m.fills.size(), 1u);
  EXPECT_EQ(m.maker_attempts, 1u);
  EXPECT_EQ(m.maker_attempts_filled, 1u);
  EXPECT_EQ(h.PositionQty(), Lots(10));
  EXPECT_EQ(h.governor().open_orders(), 0u);
}

TEST(ExecSim, TakerOnlySendsAnIocAtOnce) {
  ExecConfig c;
  c.mode = ExecMode::kTakerOnly;
  Harness h(c);
  h.Book(0, 10'000, 10'001);
  h.RunTo(1);
  h.Request(Side::kSell, 10);
  h.RunTo(20);
  const auto orders = h.Orders();
  ASSERT_EQ(orders.size(), 1u);
  EXPECT_EQ(orders[0]->tif, TimeInForce::kIoc);
  EXPECT_EQ(orders[0]->price, Ticks(9'991));  // 100.005 - 10 bps = 99.904995, on the grid above
  EXPECT_EQ(orders[0]->status, OrderStatus::kFilled);
  EXPECT_EQ(h.router().metrics().maker_orders, 0u);
  EXPECT_EQ(h.PositionQty(), -Lots(10));
}

TEST(ExecSim, PassiveUrgencyNeverCrosses) {
  Harness h(FixedTtl());
  h.Book(0, 10'000, 10'001);
  h.RunTo(1);
  h.Request(Side::kBuy, 10, Urgency::kPassive);
  h.RunTo(1'000);
  const ExecutionMetrics& m = h.router().metrics();
  ASSERT_EQ(m.works_ended.size(), 1u);
  EXPECT_EQ(m.works_ended[0].outcome, WorkOutcome::kUnfilled);
  EXPECT_EQ(m.taker_orders, 0u);
  EXPECT_EQ(m.maker_orders, 4u);
  EXPECT_EQ(h.PositionQty(), Qty());
}

TEST(ExecSim, AggressiveUrgencyTakesWhenThePredictionIsCheap) {
  ExecConfig c = FixedTtl();
  c.slippage.ladder = {5, 10, 50};  // this book is thin: 1.00 (100 USDT) a level
  Harness h(c);
  h.Book(0, 10'000, 10'001);
  h.RunTo(1);
  h.Request(Side::kBuy, 10, Urgency::kAggressive);
  h.RunTo(20);
  const auto orders = h.Orders();
  ASSERT_EQ(orders.size(), 1u);
  EXPECT_EQ(orders[0]->tif, TimeInForce::kIoc);
  EXPECT_EQ(h.PositionQty(), Lots(10));
}

TEST(ExecSim, AggressiveUrgencyPostsWhenThePredictionIsDear) {
  // The default ladder starts at 1,000 USDT, beyond this thin book: the
  // prediction for the smallest size is the floor, and it is dear.
  Harness h(FixedTtl());
  h.Book(0, 10'000, 10'001);
  h.RunTo(1);
  h.Request(Side::kBuy, 10, Urgency::kAggressive);
  h.RunTo(20);
  const auto orders = h.Orders();
  ASSERT_EQ(orders.size(), 1u);
  EXPECT_EQ(orders[0]->tif, TimeInForce::kPostOnly);
}

TEST(ExecSim, IcebergNeverShowsMoreThanTheVisibleQty) {
  ExecConfig c = FixedTtl();
  c.iceberg_visible_notional = 3.0;  // 0.03 at 100
  Harness h(c);
  h.Book(0, 10'000, 10'001);
  h.RunTo(1);
  h.Request(Side::kBuy, 10);
  for (int i = 1; i <= 8; ++i) h.TradeAt(20.0 * i, 10'000, true);
  h.RunTo(300);
  const auto orders = h.Orders();
  ASSERT_EQ(orders.size(), 4u);  // 0.03, 0.03, 0.03, 0.01
  for (const Order* o : orders) {
    EXPECT_LE(o->qty, Lots(3));
    EXPECT_EQ(o->status, OrderStatus::kFilled);
  }
  EXPECT_EQ(orders[3]->qty, Lots(1));
  EXPECT_EQ(h.router().metrics().reposts, 0u);
  EXPECT_EQ(h.PositionQty(), Lots(10));
}

TEST(ExecSim, RateLimitedRepostIsRetriedLater) {
  RiskConfig r = LooseRisk();
  r.orders_per_second = 2;
  Harness h(FixedTtl(), r);
  h.Book(0, 10'000, 10'001);
  h.RunTo(1);
  h.Request(Side::kBuy, 10);  // the parent and the first child take both tokens
  h.RunTo(200);               // the re-post after the TTL is denied: retried 200 ms later
  EXPECT_GE(h.router().metrics().rate_retries, 1u);
  EXPECT_GE(h.governor().counters().of(DenyReason::kRateLimitPerSecond), 1u);
  EXPECT_EQ(h.Orders().size(), 1u);
  h.RunTo(700);
  ASSERT_GE(h.Orders().size(), 2u);
  EXPECT_GE(h.Orders()[1]->ts_init, Ms(356));
  EXPECT_EQ(h.router().metrics().works_ended.size(), 0u);  // still working
}

TEST(ExecSim, KillSwitchStopsEveryRequestAndCancelsItsOrders) {
  Harness h(FixedTtl());
  h.Book(0, 10'000, 10'001);
  h.RunTo(1);
  h.Request(Side::kBuy, 10);
  h.Request(Side::kSell, 5);
  h.RunTo(50);
  h.governor().KillSwitch("test");
  h.RunTo(100);
  const ExecutionMetrics& m = h.router().metrics();
  EXPECT_EQ(m.works_ended.size(), 2u);
  for (const auto& w : m.works_ended) EXPECT_EQ(w.outcome, WorkOutcome::kUnfilled);
  for (const Order* o : h.Orders()) EXPECT_EQ(o->status, OrderStatus::kCanceled);
  EXPECT_EQ(h.router().active(), 0u);
  EXPECT_EQ(h.governor().open_orders(), 0u);
  EXPECT_TRUE(h.governor().Flat());
}

TEST(ExecSim, AdaptiveTtlLogsItsChanges) {
  ExecConfig c;
  c.mode = ExecMode::kAdaptiveTtl;
  Harness h(c);
  h.Book(0, 10'000, 10'008);  // 8 bps wide: spread factor 1.2 -> 180 ms
  h.RunTo(1);
  h.Request(Side::kBuy, 10);
  h.RunTo(5);
  EXPECT_EQ(h.router().metrics().ttl_ns.max(), 180'000'000u);
  bool logged = false;
  for (const auto& line : h.log().lines()) {
    logged = logged || line.message == "TTL adjusted for AAAUSDT: 150ms -> 180ms (change: +20.0%)";
  }
  EXPECT_TRUE(logged);
}

}  // namespace
}  // namespace hean
