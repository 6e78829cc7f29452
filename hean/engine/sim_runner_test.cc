// The simulated exchange on real data: the Binance USD-M BTCUSDT capture of
// 2024-07-18/19 in testdata/ (about 5 minutes), through SimRunner with
// latency models, a quoting loop, random orders, and two identical runs.
#include "hean/engine/sim_runner.h"

#include <gtest/gtest.h>

#include <iostream>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <variant>
#include <vector>

#include "hean/core/clock.h"
#include "hean/data/replay.h"
#include "hean/data/source.h"
#include "hean/engine/quoting_loop.h"
#include "hean/engine/test_order_events.h"
#include "hean/exec/order_manager.h"
#include "hean/exec/testing/approval_for_testing.h"
#include "hean/model/instrument.h"
#include "hean/model/test_instruments.h"
#include "hean/portfolio/portfolio.h"
#include "hean/sim/fee_model.h"
#include "hean/sim/latency_model.h"
#include "hean/sim/queue_model.h"
#include "hean/sim/sim_exchange.h"

namespace hean {
namespace {

const Notional kStart = Notional::FromInt(100'000);

// The capture is Binance's (its book rules); fees are Bybit's defaults.
Instrument BtcUsdt() {
  Instrument btc = testing_support::BybitBtcUsdt();
  btc.venue = Venue::kBinance;
  return btc;
}

// The capture as one replay (the 07-19 file continues the 07-18 chain).
std::unique_ptr<Replay> OpenCapture(DataInstruments& names) {
  const std::string dir = std::string(HEAN_SOURCE_DIR) + "/testdata/binance-usdm-2024-07-18/";
  SourceOptions opts;
  opts.instruments = &names;
  std::vector<std::unique_ptr<EventSource>> sources;
  for (const char* f : {"usdm_btcusdt_20240718.gz", "usdm_btcusdt_20240719_head20000.gz"}) {
    auto s = OpenSource(dir + f, opts);
    EXPECT_TRUE(s.ok()) << (s.ok() ? "" : s.error().ToString());
    if (!s.ok()) return nullptr;
    sources.push_back(std::move(*s));
  }
  return std::make_unique<Replay>(std::move(sources));
}

using test_order_events::Serialize;

// ---------------------------------------------------------------------------
// The quoting loop: the "done when" run.

struct LoopRun {
  std::string report;
  std::vector<std::string> log;  // every answer, serialized
  SimStats stats;
  Qty exchange_position;
  Qty loop_position;
  Qty fills_position;  // sum of signed fill qty
  Notional cash_flow;  // sum of -side x price x qty - fee over fills
  Notional equity;
  Price valuation;
  std::uint64_t not_applied = 0;
  std::uint64_t portfolio_refused = 0;
  std::uint64_t fills = 0;
  std::uint64_t manager_refused = 0;
  std::uint64_t off_lot_fills = 0;  // fills whose qty is not a whole number of lots
};

// The loop as an OrderEventSink that also keeps a log.
class LoggingLoop final : public OrderEventSink {
 public:
  explicit LoggingLoop(QuotingLoop& loop) : loop_(loop) {}
  void OnOrderEvent(const Event& e) override {
    log.push_back(Serialize(e));
    loop_.OnOrderEvent(e);
  }
  std::vector<std::string> log;

 private:
  QuotingLoop& loop_;
};

LoopRun RunQuotingLoop(std::uint64_t seed, const std::string& queue_model) {
  LoopRun out;
  DataInstruments names;
  auto replay = OpenCapture(names);
  if (replay == nullptr) return out;
  InstrumentRegistry registry;
  EXPECT_TRUE(registry.Add(BtcUsdt()).ok());
  const Instrument& inst = registry.Get(InstrumentId{0});
  SimClock clock;
  LogNormalLatency order_latency(Duration::Micros(800), 0.5, Duration::Micros(200), seed);
  LogNormalLatency response_latency(Duration::Micros(600), 0.5, Duration::Micros(150), seed + 1);
  auto queue = MakeQueueModel(queue_model);
  EXPECT_TRUE(queue.ok());
  InstrumentFees fees;
  QuotingLoopOptions opts;
  opts.qty = *Qty::Parse("0.010");
  opts.offset_ticks = 0;
  opts.requote_ticks = 2;
  EXPECT_TRUE(opts.Validate(inst).ok());

  // The loop needs the client and the client needs the sink: a forwarding
  // sink breaks the cycle.
  struct Forward final : OrderEventSink {
    OrderEventSink* to = nullptr;
    void OnOrderEvent(const Event& e) override { to->OnOrderEvent(e); }
  } forward;
  SimExchange exchange(registry, clock, forward, order_latency, response_latency, **queue, fees);
  QuotingLoop loop(clock, exchange, registry, inst, opts, kStart);
  LoggingLoop logging(loop);
  forward.to = &logging;
  SimRunner runner(clock, exchange, nullptr, [&](const Event& e) { loop.OnMarketData(e); });
  const Status s = runner.Run(*replay);
  EXPECT_TRUE(s.ok()) << s.ToString();

  out.report = FormatQuotingReport(loop, exchange.stats(), inst);
  out.log = logging.log;
  out.stats = exchange.stats();
  out.exchange_position = exchange.position(inst.id);
  const Position* pos = loop.portfolio().Find(inst.id);
  out.loop_position = pos != nullptr ? pos->qty : Qty::Zero();
  out.valuation = pos != nullptr ? pos->valuation_price : Price::Undefined();
  for (const FillReport& f : loop.fills()) {
    if (!f.last_qty.IsMultipleOf(inst.lot_size)) ++out.off_lot_fills;
    out.fills_position += f.last_qty * SideSign(f.side);
    out.cash_flow -= (f.last_price * f.last_qty) * SideSign(f.side);
    out.cash_flow -= f.fee;
  }
  out.equity = loop.portfolio().equity();
  out.not_applied = loop.counts().not_applied;
  out.portfolio_refused = loop.counts().portfolio_refused;
  out.fills = loop.fills().size();
  out.manager_refused =
      loop.orders().counts().of(ApplyOutcome::kRefused) + loop.orders().counts().of(ApplyOutcome::kUnknownOrder);
  return out;
}

TEST(SimOnRealData, QuotingLoopPrintsFillsFeesPnlAndQueueStats) {
  const LoopRun r = RunQuotingLoop(7, "proportional");
  std::cout << "BTCUSDT 2024-07-18/19 capture, quoting loop (0.010 at the touch), lognormal latency, "
               "proportional queue:\n"
            << r.report;
  // It traded, as a maker, and all four views of the position agree.
  EXPECT_GT(r.fills, 10u);
  EXPECT_GT(r.stats.maker_fills, 0u);
  EXPECT_EQ(r.stats.taker_fills, 0u);  // post-only quotes never take
  EXPECT_EQ(r.stats.fills, r.fills);
  EXPECT_EQ(r.exchange_position, r.loop_position);
  EXPECT_EQ(r.fills_position, r.loop_position);
  EXPECT_LE(r.loop_position, *Qty::Parse("0.050"));  // max position = 5 x qty
  EXPECT_GE(r.loop_position, -*Qty::Parse("0.050"));
  // Every answer was applied by the OrderManager or explained (late or
  // duplicate), and the portfolio took every fill.
  EXPECT_EQ(r.portfolio_refused, 0u);
  EXPECT_EQ(r.manager_refused, 0u);
  // Conservation: equity = start + cash flows of the fills (fees included)
  // + position x the price it is marked at, exactly.
  ASSERT_TRUE(r.valuation.IsDefined() || r.loop_position.IsZero());
  const Notional marked = r.loop_position.IsZero() ? Notional::Zero() : r.valuation * r.loop_position;
  EXPECT_EQ(r.equity, kStart + r.cash_flow + marked);
}

TEST(SimOnRealData, SameSeedSameFillsDifferentSeedDifferentTimes) {
  const LoopRun a = RunQuotingLoop(11, "proportional");
  const LoopRun b = RunQuotingLoop(11, "proportional");
  ASSERT_FALSE(a.log.empty());
  EXPECT_EQ(a.log, b.log);
  EXPECT_EQ(a.report, b.report);
  const LoopRun c = RunQuotingLoop(12, "proportional");
  EXPECT_NE(a.log, c.log);
}

TEST(SimOnRealData, EveryQueueModelKeepsTheBooksStraight) {
  // The loop reacts to its own fills, so the three runs diverge; each must
  // still agree with itself. The figures show how much the result depends
  // on where cancels sit in the queue.
  for (const char* model : {"pessimistic", "proportional", "optimistic"}) {
    const LoopRun r = RunQuotingLoop(7, model);
    EXPECT_EQ(r.exchange_position, r.loop_position) << model;
    EXPECT_EQ(r.fills_position, r.loop_position) << model;
    EXPECT_EQ(r.portfolio_refused, 0u) << model;
    EXPECT_EQ(r.manager_refused, 0u) << model;
    EXPECT_GT(r.stats.maker_fills, 0u) << model;
    EXPECT_EQ(r.off_lot_fills, 0u) << model;  // venues fill in whole lots, whatever the queue model says
    std::cout << model << ": " << r.stats.maker_fills << " maker fills (" << r.stats.queue_fills << " from the queue), "
              << "net " << (r.equity - kStart).ToString(4) << " USDT, queue removed by cancels "
              << r.stats.queue_removed_by_cancels.ToString() << "\n";
  }
}

// ---------------------------------------------------------------------------
// Random orders: properties that must hold whatever is sent.

class PropertySink final : public OrderEventSink {
 public:
  explicit PropertySink(Portfolio& portfolio) : portfolio_(portfolio) {}
  void OnOrderEvent(const Event& e) override {
    log.push_back(Serialize(e));
    const ApplyOutcome o = orders.Apply(e);
    if (o == ApplyOutcome::kRefused) {
      ++refused;
      const auto msgs = orders.RecentMessages();
      ADD_FAILURE() << "refused: " << Serialize(e) << " -> " << (msgs.empty() ? "" : msgs.back());
    }
    if (o != ApplyOutcome::kApplied) return;
    const FillReport* f = nullptr;
    if (const auto* x = std::get_if<OrderFilled>(&e)) f = x;
    if (const auto* x = std::get_if<OrderPartiallyFilled>(&e)) f = x;
    if (f == nullptr) return;
    ++fills;
    const Order* order = orders.Find(f->client_order_id);
    EXPECT_NE(order, nullptr);
    if (order != nullptr) {
      EXPECT_LE(f->cum_qty, order->qty) << f->client_order_id.view();
      EXPECT_EQ(f->cum_qty + f->leaves_qty, order->qty) << f->client_order_id.view();
      EXPECT_EQ(order->filled_qty, f->cum_qty);
    }
    fills_position += f->last_qty * SideSign(f->side);
    cash_flow -= (f->last_price * f->last_qty) * SideSign(f->side);
    cash_flow -= f->fee;
    if (!portfolio_.OnFill(*f).ok()) ++portfolio_refused;
  }
  OrderManager orders;
  std::vector<std::string> log;
  std::uint64_t refused = 0;
  std::uint64_t fills = 0;
  std::uint64_t portfolio_refused = 0;
  Qty fills_position;
  Notional cash_flow;

 private:
  Portfolio& portfolio_;
};

struct RandomRun {
  std::vector<std::string> log;
  SimStats stats;
  std::uint64_t fills = 0;
  std::uint64_t negative_queue = 0;
};

RandomRun RunRandomOrders(std::uint64_t seed) {
  RandomRun out;
  DataInstruments names;
  auto replay = OpenCapture(names);
  if (replay == nullptr) return out;
  InstrumentRegistry registry;
  EXPECT_TRUE(registry.Add(BtcUsdt()).ok());
  const Instrument& inst = registry.Get(InstrumentId{0});
  SimClock clock;
  NormalLatency order_latency(Duration::Millis(2), Duration::Millis(1), Duration::Micros(100), seed);
  NormalLatency response_latency(Duration::Millis(1), Duration::Micros(500), Duration::Micros(50), seed + 1);
  ProportionalQueue queue;
  InstrumentFees fees;
  Portfolio portfolio(kStart);
  PropertySink sink(portfolio);
  SimExchange exchange(registry, clock, sink, order_latency, response_latency, queue, fees);
  BookSet books([&inst](InstrumentId) { return BookSet::Spec{inst.venue, inst.tick_size}; });
  std::mt19937_64 rng(seed);
  std::vector<ClientOrderId> sent;
  std::uint64_t next = 1;
  auto on_market = [&](const Event& e) {
    // The exchange's queues are never negative nor above their level.
    for (const ClientOrderId& id : sent) {
      const auto ahead = exchange.QueueAhead(id);
      if (ahead && ahead->IsNegative()) ++out.negative_queue;
    }
    if (!std::holds_alternative<BookDelta>(e) && !std::holds_alternative<BookSnapshot>(e)) return;
    (void)books.Apply(e);
    if (!books.ReadyAfterMessage(inst.id)) return;
    const OrderBook& book = *books.Find(inst.id);
    const auto bid = book.BestBid();
    const auto ask = book.BestAsk();
    if (!bid || !ask) return;
    if (const auto mid = book.Mid()) (void)portfolio.Mark(inst.id, *mid, clock.Now());
    const std::uint64_t dice = rng() % 100;
    if (dice < 6) {
      OrderRequest r{};
      r.instrument = inst.id;
      r.side = rng() % 2 == 0 ? Side::kBuy : Side::kSell;
      const std::int64_t ticks = static_cast<std::int64_t>(rng() % 11) - 3;  // -3 (crossing) .. +7 ticks off
      const Price touch = r.side == Side::kBuy ? bid->price : ask->price;
      r.price = r.side == Side::kBuy ? touch - inst.tick_size * ticks : touch + inst.tick_size * ticks;
      r.qty = inst.lot_size * static_cast<std::int64_t>(1 + rng() % 50);
      switch (rng() % 6) {
        case 0: r.tif = TimeInForce::kIoc; break;
        case 1: r.tif = TimeInForce::kFok; break;
        case 2: r.tif = TimeInForce::kPostOnly; break;
        case 3:
          r.type = OrderType::kMarket;
          r.price = Price::Undefined();
          break;
        default: r.tif = TimeInForce::kGtc; break;
      }
      r.reduce_only = rng() % 8 == 0;
      r.client_order_id = ClientOrderId::Of("r-" + std::to_string(next++));
      EXPECT_TRUE(sink.orders.Create(r, clock.Now()).ok());
      EXPECT_TRUE(exchange.Submit(ApprovalForTesting::Approve(r)).ok());
      sent.push_back(r.client_order_id);
    } else if (dice < 8 && !sent.empty()) {
      const ClientOrderId& id = sent[rng() % sent.size()];
      if (sink.orders.RequestCancel(id, clock.Now()).ok()) {
        EXPECT_TRUE(exchange.Cancel(inst.id, id).ok());
      }
    } else if (dice < 10 && !sent.empty()) {
      const ClientOrderId& id = sent[rng() % sent.size()];
      const Order* o = sink.orders.Find(id);
      if (o != nullptr && o->type == OrderType::kLimit) {
        AmendRequest a;
        a.instrument = inst.id;
        a.client_order_id = id;
        a.price = o->price + inst.tick_size * (static_cast<std::int64_t>(rng() % 5) - 2);
        a.qty = o->qty + inst.lot_size * static_cast<std::int64_t>(rng() % 5);
        if (sink.orders.RequestAmend(a, clock.Now()).ok()) {
          EXPECT_TRUE(exchange.Amend(ApprovalForTesting::Approve(a)).ok());
        }
      }
    }
    if (sent.size() > 400) sent.erase(sent.begin(), sent.begin() + 200);
  };
  SimRunner runner(clock, exchange, nullptr, on_market);
  const Status s = runner.Run(*replay);
  EXPECT_TRUE(s.ok()) << s.ToString();

  out.log = sink.log;
  out.stats = exchange.stats();
  out.fills = sink.fills;
  // Position = sum of fills, in all three places.
  EXPECT_EQ(exchange.position(inst.id), sink.fills_position);
  const Position* pos = portfolio.Find(inst.id);
  EXPECT_EQ(pos != nullptr ? pos->qty : Qty::Zero(), sink.fills_position);
  EXPECT_EQ(sink.portfolio_refused, 0u);
  EXPECT_EQ(sink.refused, 0u);
  if (sink.refused != 0) {
    for (const std::string& m : sink.orders.RecentMessages()) std::cout << m << "\n";
  }
  // Cash plus position value conserves, fees accounted.
  const Notional marked = pos == nullptr || pos->qty.IsZero() ? Notional::Zero() : pos->valuation_price * pos->qty;
  EXPECT_EQ(portfolio.equity(), kStart + sink.cash_flow + marked);
  // Nothing in flight was left without an answer.
  EXPECT_EQ(exchange.pending_answers(), 0u);
  return out;
}

TEST(SimOnRealData, RandomOrdersKeepTheInvariants) {
  const RandomRun r = RunRandomOrders(2024);
  EXPECT_EQ(r.negative_queue, 0u);
  EXPECT_GT(r.fills, 50u);
  EXPECT_GT(r.stats.taker_fills, 0u);
  EXPECT_GT(r.stats.maker_fills, 0u);
  EXPECT_GT(r.stats.rejected, 0u);  // post-only that would cross, reduce-only with nothing to reduce
  EXPECT_GT(r.stats.canceled, 0u);
  EXPECT_GT(r.stats.amended, 0u);
  std::cout << "random orders: " << r.stats.accepted << " accepted, " << r.stats.rejected << " rejected, " << r.fills
            << " fills (" << r.stats.maker_fills << " maker, " << r.stats.taker_fills << " taker), " << r.stats.canceled
            << " canceled, " << r.stats.expired << " expired, " << r.stats.amended << " amended, "
            << r.stats.cancel_rejected << " cancel rejects\n";
}

TEST(SimOnRealData, RandomOrdersAreDeterministic) {
  const RandomRun a = RunRandomOrders(99);
  const RandomRun b = RunRandomOrders(99);
  ASSERT_FALSE(a.log.empty());
  EXPECT_EQ(a.log, b.log);
}

}  // namespace
}  // namespace hean
