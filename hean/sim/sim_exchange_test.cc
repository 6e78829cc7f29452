// SimExchange against hand-computed scenarios: queue position (trades,
// cancels, trade-through, two orders sharing a trade, the three queue
// models), every order type, the book reaching a resting order, the two
// clocks and latency, amend and cancel, rejects with their reasons, and
// byte-for-byte determinism. The exchange is driven directly: market data
// through OnMarketEvent (a Bybit feed: a snapshot, then delta messages with
// consecutive update ids), commands at the local SimClock's time, answers
// collected by a sink.
#include "hean/sim/sim_exchange.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <memory>
#include <optional>
#include <ostream>
#include <sstream>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

#include "hean/core/clock.h"
#include "hean/core/decimal.h"
#include "hean/exec/testing/approval_for_testing.h"
#include "hean/model/events.h"
#include "hean/model/instrument.h"
#include "hean/model/test_instruments.h"
#include "hean/sim/fee_model.h"
#include "hean/sim/latency_model.h"
#include "hean/sim/queue_model.h"

namespace hean {

// Readable gtest output for decimals (found by ADL).
template <class Tag>
void PrintTo(const FixedPoint<Tag>& v, std::ostream* os) {
  *os << (v.IsDefined() ? v.ToString() : std::string("Undefined"));
}

namespace {

constexpr InstrumentId kBtc{0};
constexpr InstrumentId kEth{1};
const UnixNanos kT0 = UnixNanos::FromSeconds(1'700'000'000);

// Times in the tests are microseconds after kT0.
UnixNanos T(std::int64_t us) { return kT0 + Duration::Micros(us); }

Price P(std::string_view s) {
  auto r = Price::Parse(s);
  EXPECT_TRUE(r.ok()) << "bad price literal " << s;
  return r.value();
}
Qty Q(std::string_view s) {
  auto r = Qty::Parse(s);
  EXPECT_TRUE(r.ok()) << "bad qty literal " << s;
  return r.value();
}
Notional N(std::string_view s) {
  auto r = Notional::Parse(s);
  EXPECT_TRUE(r.ok()) << "bad notional literal " << s;
  return r.value();
}
Rate R(std::string_view s) { return *Rate::Parse(s); }
ClientOrderId Id(std::string_view s) { return ClientOrderId::Of(s); }

// Bybit BTCUSDT linear perpetual: registered first, id 0.
Instrument BtcUsdt() { return testing_support::BybitBtcUsdt(); }

// A second instrument (id 1) with min qty 0.002.
Instrument EthUsdt() {
  Instrument i = BtcUsdt();
  i.symbol = "ETHUSDT";
  i.tick_size = P("0.01");
  i.min_qty = Q("0.002");
  i.price_precision = 2;
  return i;
}

class EventLog final : public OrderEventSink {
 public:
  void OnOrderEvent(const Event& e) override { events.push_back(e); }
  std::vector<Event> events;
};

std::string_view IdOf(const Event& e) {
  return std::visit(
      [](const auto& x) -> std::string_view {
        if constexpr (requires { x.client_order_id; }) {
          return x.client_order_id.view();
        } else {
          return {};
        }
      },
      e);
}

// Every field of an event, for comparing logs byte for byte.
std::string Serialize(const Event& e) {
  std::ostringstream os;
  os << EventTypeName(TypeOf(e));
  std::visit(
      [&os](const auto& x) {
        using T = std::decay_t<decltype(x)>;
        os << " ts_event=" << x.ts_event.nanos() << " ts_recv=" << x.ts_recv.nanos();
        if constexpr (requires { x.instrument; }) os << " inst=" << x.instrument.value;
        if constexpr (requires { x.client_order_id; }) os << " id=" << x.client_order_id.view();
        if constexpr (requires { x.venue_order_id; }) os << " venue_id=" << x.venue_order_id.view();
        if constexpr (requires { x.reason; }) {
          if constexpr (std::is_enum_v<std::decay_t<decltype(x.reason)>>)
            os << " reason=" << static_cast<int>(x.reason);
        }
        if constexpr (std::is_same_v<T, OrderRejected>) os << " msg=" << x.venue_message.view();
        if constexpr (std::is_base_of_v<FillReport, T>) {
          os << " side=" << static_cast<int>(x.side) << " liq=" << static_cast<int>(x.liquidity)
             << " px=" << x.last_price.ToString() << " qty=" << x.last_qty.ToString() << " cum=" << x.cum_qty.ToString()
             << " leaves=" << x.leaves_qty.ToString() << " fee=" << x.fee.ToString() << " trade=" << x.trade_id.view()
             << " strategy=" << x.strategy.view();
        }
        if constexpr (std::is_same_v<T, OrderAmended>) {
          os << " px=" << x.price.ToString() << " qty=" << x.qty.ToString();
        }
      },
      e);
  return os.str();
}

struct Lv {
  const char* price;
  const char* qty;
};
using Levels = std::vector<Lv>;

struct Options {
  Duration order_latency;
  Duration response_latency;
  LatencyModel* order_model = nullptr;     // overrides order_latency
  LatencyModel* response_model = nullptr;  // overrides response_latency
  std::string_view queue = "proportional";
  SimExchangeOptions sim;
  const FeeModel* fees = nullptr;  // default InstrumentFees
};

Options Latencies(Duration order, Duration response) {
  Options o;
  o.order_latency = order;
  o.response_latency = response;
  return o;
}

Options Models(LatencyModel& order, LatencyModel& response) {
  Options o;
  o.order_model = &order;
  o.response_model = &response;
  return o;
}

// One exchange with the two instruments, a local SimClock, a Bybit feed per
// instrument and the collected answers.
class Harness {
 public:
  explicit Harness(const Options& o = {})
      : order_const_(o.order_latency), response_const_(o.response_latency), queue_(MakeQueueModel(o.queue).value()) {
    EXPECT_EQ(registry.Add(BtcUsdt()).value(), kBtc);
    EXPECT_EQ(registry.Add(EthUsdt()).value(), kEth);
    ex = std::make_unique<SimExchange>(registry, clock, log, o.order_model ? *o.order_model : order_const_,
                                       o.response_model ? *o.response_model : response_const_, *queue_,
                                       o.fees ? *o.fees : fees_, o.sim);
  }

  // --- local clock
  void AdvanceClock(std::int64_t us) {
    if (T(us) > clock.Now()) {
      EXPECT_TRUE(clock.AdvanceTo(T(us)).ok());
    }
  }
  // Local time to `us`, exchange time to `us`, answers due delivered.
  void Settle(std::int64_t us) {
    AdvanceClock(us);
    ex->AdvanceTo(clock.Now());
    ex->DeliverUpTo(clock.Now());
  }

  // --- market data (the local clock follows, and due answers are delivered)
  void Snapshot(std::int64_t us, const Levels& bids, const Levels& asks, InstrumentId id = kBtc) {
    auto lv = std::make_shared<BookLevels>();
    for (const Lv& l : bids) lv->bids.push_back(BookLevel{P(l.price), Q(l.qty)});
    for (const Lv& l : asks) lv->asks.push_back(BookLevel{P(l.price), Q(l.qty)});
    BookSnapshot s;
    s.ts_event = T(us);
    s.ts_recv = T(us);
    s.instrument = id;
    s.update_id = ++u_[id.value];
    s.levels = std::move(lv);
    Market(s, us);
  }
  // One delta message: bids first, the last delta flagged kLastInMessage.
  void Depth(std::int64_t us, const Levels& bids, const Levels& asks, InstrumentId id = kBtc) {
    BookDelta proto;
    proto.ts_event = T(us);
    proto.ts_recv = T(us);
    proto.instrument = id;
    proto.update_id = ++u_[id.value];
    const std::size_t n = bids.size() + asks.size();
    std::vector<BookDelta> ds;
    for (std::size_t i = 0; i < n; ++i) {
      const bool bid = i < bids.size();
      const Lv& l = bid ? bids[i] : asks[i - bids.size()];
      proto.side = bid ? Side::kBuy : Side::kSell;
      proto.price = P(l.price);
      proto.qty = Q(l.qty);
      proto.flags = i + 1 == n ? BookDelta::kLastInMessage : 0;
      ds.push_back(proto);
    }
    for (const BookDelta& d : ds) ex->OnMarketEvent(d);
    Sync(us);
  }
  // The next message's update id will not follow: a gap.
  void SkipUpdateId(InstrumentId id = kBtc) { ++u_[id.value]; }
  void Print(std::int64_t us, AggressorSide aggressor, const char* price, const char* qty, InstrumentId id = kBtc) {
    Trade t;
    t.ts_event = T(us);
    t.ts_recv = T(us);
    t.instrument = id;
    t.aggressor = aggressor;
    t.price = P(price);
    t.qty = Q(qty);
    t.trade_id = TradeId::Of("x");
    Market(t, us);
  }
  // bids 63943.9 x 5.0, 63943.8 x 3.0 | asks 63944.0 x 1.0, 63944.1 x 1.0, 63944.5 x 4.0
  void StdBook(std::int64_t us = 0) {
    Snapshot(us, {{"63943.9", "5.0"}, {"63943.8", "3.0"}},
             {{"63944.0", "1.0"}, {"63944.1", "1.0"}, {"63944.5", "4.0"}});
  }

  // --- commands at local time `us`, then settled (exchange time to `us`)
  void Place(std::int64_t us, const OrderRequest& r) {
    AdvanceClock(us);
    EXPECT_TRUE(ex->Submit(ApprovalForTesting::Approve(r)).ok());
    Settle(us);
  }
  void Cancel(std::int64_t us, std::string_view id, InstrumentId inst = kBtc) {
    AdvanceClock(us);
    EXPECT_TRUE(ex->Cancel(inst, Id(id)).ok());
    Settle(us);
  }
  void Amend(std::int64_t us, std::string_view id, const char* price, const char* qty, InstrumentId inst = kBtc) {
    AdvanceClock(us);
    AmendRequest a;
    a.instrument = inst;
    a.client_order_id = Id(id);
    if (price != nullptr) a.price = P(price);
    if (qty != nullptr) a.qty = Q(qty);
    EXPECT_TRUE(ex->Amend(ApprovalForTesting::Approve(a)).ok());
    Settle(us);
  }
  void CancelAll(std::int64_t us, InstrumentId inst = kBtc) {
    AdvanceClock(us);
    EXPECT_TRUE(ex->CancelAll(inst).ok());
    Settle(us);
  }

  // --- answers
  // Event type names of the answers about one order, in delivery order.
  std::vector<std::string> Kinds(std::string_view id) const {
    std::vector<std::string> out;
    for (const Event& e : log.events) {
      if (IdOf(e) == id) out.emplace_back(EventTypeName(TypeOf(e)));
    }
    return out;
  }
  template <class E>
  std::vector<E> Of(std::string_view id) const {
    std::vector<E> out;
    for (const Event& e : log.events) {
      if (const E* x = std::get_if<E>(&e); x != nullptr && (id.empty() || x->client_order_id.view() == id)) {
        out.push_back(*x);
      }
    }
    return out;
  }
  // Partial and final fills of one order.
  std::vector<FillReport> Fills(std::string_view id) const {
    std::vector<FillReport> out;
    for (const Event& e : log.events) {
      if (const auto* p = std::get_if<OrderPartiallyFilled>(&e); p != nullptr && p->client_order_id.view() == id) {
        out.push_back(*p);
      }
      if (const auto* f = std::get_if<OrderFilled>(&e); f != nullptr && f->client_order_id.view() == id) {
        out.push_back(*f);
      }
    }
    return out;
  }
  std::optional<Qty> Ahead(std::string_view id) const { return ex->QueueAhead(Id(id)); }

  InstrumentRegistry registry;
  SimClock clock{kT0};
  EventLog log;
  std::unique_ptr<SimExchange> ex;

 private:
  void Market(const Event& e, std::int64_t us) {
    ex->OnMarketEvent(e);
    Sync(us);
  }
  void Sync(std::int64_t us) {
    AdvanceClock(us);
    ex->DeliverUpTo(clock.Now());
  }

  ConstantLatency order_const_;
  ConstantLatency response_const_;
  std::unique_ptr<QueueModel> queue_;
  InstrumentFees fees_;
  std::uint64_t u_[2] = {1000, 5000};
};

OrderRequest Limit(std::string_view id, Side side, const char* price, const char* qty,
                   TimeInForce tif = TimeInForce::kGtc, InstrumentId inst = kBtc) {
  OrderRequest r;
  r.instrument = inst;
  r.side = side;
  r.type = OrderType::kLimit;
  r.tif = tif;
  r.price = P(price);
  r.qty = Q(qty);
  r.client_order_id = Id(id);
  r.strategy = StrategyId::Of("test");
  return r;
}

OrderRequest MarketOrder(std::string_view id, Side side, const char* qty) {
  OrderRequest r;
  r.instrument = kBtc;
  r.side = side;
  r.type = OrderType::kMarket;
  r.tif = TimeInForce::kIoc;
  r.price = Price::Undefined();
  r.qty = Q(qty);
  r.client_order_id = Id(id);
  r.strategy = StrategyId::Of("test");
  return r;
}

OrderRequest ReduceOnly(OrderRequest r) {
  r.reduce_only = true;
  return r;
}

using Kinds = std::vector<std::string>;
constexpr Side kBuy = Side::kBuy;
constexpr Side kSell = Side::kSell;
constexpr TimeInForce kGtc = TimeInForce::kGtc;
constexpr TimeInForce kIoc = TimeInForce::kIoc;
constexpr TimeInForce kFok = TimeInForce::kFok;
constexpr TimeInForce kPostOnly = TimeInForce::kPostOnly;

void ExpectFill(const FillReport& f, const char* price, const char* qty, LiquiditySide liq, const char* fee,
                const char* cum, const char* leaves) {
  EXPECT_EQ(f.last_price, P(price));
  EXPECT_EQ(f.last_qty, Q(qty));
  EXPECT_EQ(f.liquidity, liq);
  EXPECT_EQ(f.fee, N(fee));
  EXPECT_EQ(f.cum_qty, Q(cum));
  EXPECT_EQ(f.leaves_qty, Q(leaves));
}

// ===========================================================================
// Queue position

TEST(SimQueue, TradesConsumeTheQueueThenFillUs) {
  // The example of the issue: a bid at the best with 5.0 displayed ahead;
  // sells of 3.0 then 4.0 print at its price. 3.0 leaves 2.0 ahead; of the
  // 4.0, 2.0 clear the queue and 2.0 fill us. Fee = 63943.9 x 2.0 x 0.0002
  // = 25.57756 (maker).
  struct Case {
    const char* qty;
    const char* leaves;
    const char* kind;
  };
  for (const Case& c : {Case{"2.0", "0", "ORDER_FILLED"}, Case{"3.0", "1.0", "ORDER_PARTIALLY_FILLED"}}) {
    SCOPED_TRACE(c.qty);
    Harness h;
    h.Snapshot(0, {{"63943.9", "5.0"}}, {{"63944.0", "1.0"}});
    h.Place(10, Limit("a", kBuy, "63943.9", c.qty));
    EXPECT_EQ(h.Ahead("a"), Q("5.0"));
    h.Print(20, AggressorSide::kSeller, "63943.9", "3.0");
    EXPECT_EQ(h.Ahead("a"), Q("2.0"));
    EXPECT_TRUE(h.Fills("a").empty());
    h.Print(30, AggressorSide::kSeller, "63943.9", "4.0");
    EXPECT_EQ(h.Kinds("a"), (Kinds{"ORDER_SUBMITTED", "ORDER_ACCEPTED", c.kind}));
    const auto fills = h.Fills("a");
    ASSERT_EQ(fills.size(), 1u);
    ExpectFill(fills[0], "63943.9", "2.0", LiquiditySide::kMaker, "25.57756", "2.0", c.leaves);
    EXPECT_EQ(fills[0].ts_event, T(30));
    EXPECT_EQ(fills[0].side, kBuy);
    EXPECT_EQ(h.ex->position(kBtc), Q("2.0"));
    const SimStats& s = h.ex->stats();
    EXPECT_EQ(s.queue_fills, 1u);
    EXPECT_EQ(s.maker_fills, 1u);
    EXPECT_EQ(s.taker_fills, 0u);
    EXPECT_EQ(s.maker_qty, Q("2.0"));
    EXPECT_EQ(s.fees, N("25.57756"));
    EXPECT_EQ(s.joins, 1u);
    EXPECT_EQ(s.ahead_at_join, Q("5.0"));
    EXPECT_EQ(s.queue_consumed_by_trades, Q("5.0"));  // 3.0 + 2.0
    EXPECT_EQ(s.maker_first_fills, 1u);
    EXPECT_EQ(s.time_to_first_maker_fill, Duration::Micros(20));  // arrived at 10, filled at 30
    if (std::string_view(c.kind) == "ORDER_FILLED") {
      EXPECT_EQ(h.Ahead("a"), std::nullopt);
      EXPECT_EQ(h.ex->open_orders(), 0u);
    } else {
      EXPECT_EQ(h.Ahead("a"), Q("0"));
      EXPECT_EQ(h.ex->open_orders(), 1u);
    }
  }
}

TEST(SimQueue, CancelsMoveUsForwardInProportion) {
  // 5.0 ahead in a level of 10.0; the level drops to 6.0 without a trade:
  // proportional: ahead = 5 x 6 / 10 = 3.0.
  Harness h;
  h.Snapshot(0, {{"63943.9", "5.0"}}, {{"63944.0", "1.0"}});
  h.Place(10, Limit("a", kBuy, "63943.9", "1.0"));
  EXPECT_EQ(h.Ahead("a"), Q("5.0"));
  h.Depth(20, {{"63943.9", "10.0"}}, {});  // grows behind us: ahead stays 5.0
  EXPECT_EQ(h.Ahead("a"), Q("5.0"));
  h.Depth(30, {{"63943.9", "6.0"}}, {});
  EXPECT_EQ(h.Ahead("a"), Q("3.0"));
  EXPECT_EQ(h.ex->stats().queue_removed_by_cancels, Q("2.0"));  // 5.0 -> 3.0
  EXPECT_TRUE(h.Fills("a").empty());
  // A depth update elsewhere leaves us alone.
  h.Depth(40, {{"63943.8", "7.0"}}, {{"63944.0", "3.0"}});
  EXPECT_EQ(h.Ahead("a"), Q("3.0"));
}

TEST(SimQueue, SnapshotIsADepthUpdateForQueues) {
  // 5.0 ahead in a level of 10.0 (joined at 5.0, then it grew); a new
  // snapshot shows 6.0: 5 x 6 / 10 = 3.0, as for a delta.
  Harness h;
  h.Snapshot(0, {{"63943.9", "5.0"}}, {{"63944.0", "1.0"}});
  h.Place(10, Limit("a", kBuy, "63943.9", "1.0"));
  h.Depth(20, {{"63943.9", "10.0"}}, {});
  h.Snapshot(30, {{"63943.9", "6.0"}}, {{"63944.0", "1.0"}});
  EXPECT_EQ(h.Ahead("a"), Q("3.0"));
  // A snapshot without the level: nothing displayed ahead any more.
  h.Snapshot(40, {{"63943.8", "6.0"}}, {{"63944.0", "1.0"}});
  EXPECT_EQ(h.Ahead("a"), Q("0"));
  EXPECT_TRUE(h.Fills("a").empty());
}

TEST(SimQueue, TradeThroughOurPriceFillsUsEntirelyAtOurPrice) {
  Harness h;
  h.StdBook();
  h.Place(10, Limit("b", kBuy, "63943.9", "1.0"));   // ahead 5.0
  h.Place(10, Limit("s", kSell, "63944.1", "1.0"));  // ahead 1.0
  // A sell prints below our bid: the whole level went; we fill at our price.
  // Fee = 63943.9 x 1.0 x 0.0002 = 12.78878.
  h.Print(20, AggressorSide::kSeller, "63943.8", "0.5");
  auto fb = h.Fills("b");
  ASSERT_EQ(fb.size(), 1u);
  ExpectFill(fb[0], "63943.9", "1.0", LiquiditySide::kMaker, "12.78878", "1.0", "0");
  EXPECT_TRUE(h.Fills("s").empty());
  // A buy prints above our ask: fee = 63944.1 x 1.0 x 0.0002 = 12.78882.
  h.Print(30, AggressorSide::kBuyer, "63944.5", "0.001");
  auto fs = h.Fills("s");
  ASSERT_EQ(fs.size(), 1u);
  ExpectFill(fs[0], "63944.1", "1.0", LiquiditySide::kMaker, "12.78882", "1.0", "0");
  EXPECT_EQ(h.ex->stats().trade_through_fills, 2u);
  EXPECT_EQ(h.ex->stats().queue_fills, 0u);
  EXPECT_EQ(h.ex->position(kBtc), Q("0"));
  EXPECT_EQ(h.ex->open_orders(), 0u);
}

TEST(SimQueue, TradesSinceTheLastDepthUpdateAreNotCountedAsCancels) {
  Harness h;
  h.Snapshot(0, {{"63943.9", "10.0"}}, {{"63944.0", "1.0"}});
  h.Place(10, Limit("a", kBuy, "63943.9", "1.0"));
  EXPECT_EQ(h.Ahead("a"), Q("10.0"));
  h.Print(20, AggressorSide::kSeller, "63943.9", "4.0");  // ahead 10 - 4 = 6
  EXPECT_EQ(h.Ahead("a"), Q("6.0"));
  // The depth update showing the trade: 10 -> 6, all explained by the 4.0
  // traded (rest = 10 - 4 = 6 = after): no cancels, ahead stays 6.
  h.Depth(30, {{"63943.9", "6.0"}}, {});
  EXPECT_EQ(h.Ahead("a"), Q("6.0"));
  EXPECT_EQ(h.ex->stats().queue_removed_by_cancels, Q("0"));
  EXPECT_EQ(h.ex->stats().queue_consumed_by_trades, Q("4.0"));
  // 6 -> 3 with no trade since: cancels; proportional 6 x 3 / 6 = 3.
  h.Depth(40, {{"63943.9", "3.0"}}, {});
  EXPECT_EQ(h.Ahead("a"), Q("3.0"));
  EXPECT_EQ(h.ex->stats().queue_removed_by_cancels, Q("3.0"));
  EXPECT_TRUE(h.Fills("a").empty());
}

TEST(SimQueue, TwoOrdersAtOneLevelShareOneTrade) {
  Harness h;
  h.Snapshot(0, {{"63943.9", "5.0"}}, {{"63944.0", "1.0"}});
  h.Place(10, Limit("a", kBuy, "63943.9", "1.0"));
  h.Place(11, Limit("b", kBuy, "63943.9", "2.0"));
  EXPECT_EQ(h.Ahead("a"), Q("5.0"));
  EXPECT_EQ(h.Ahead("b"), Q("5.0"));
  // A sell of 7.0: 5.0 clear the queue, then a takes 1.0 (all of it), and b
  // only the excess a did not take: 7 - 5 - 1 = 1.0.
  h.Print(20, AggressorSide::kSeller, "63943.9", "7.0");
  const auto fa = h.Fills("a");
  const auto fb = h.Fills("b");
  ASSERT_EQ(fa.size(), 1u);
  ASSERT_EQ(fb.size(), 1u);
  ExpectFill(fa[0], "63943.9", "1.0", LiquiditySide::kMaker, "12.78878", "1.0", "0");
  ExpectFill(fb[0], "63943.9", "1.0", LiquiditySide::kMaker, "12.78878", "1.0", "1.0");
  EXPECT_EQ(h.Kinds("a").back(), "ORDER_FILLED");
  EXPECT_EQ(h.Kinds("b").back(), "ORDER_PARTIALLY_FILLED");
  EXPECT_EQ(h.ex->position(kBtc), Q("2.0"));
  // b is at the front now: the next 0.5 sold fills it.
  EXPECT_EQ(h.Ahead("b"), Q("0"));
  h.Print(30, AggressorSide::kSeller, "63943.9", "0.5");
  ASSERT_EQ(h.Fills("b").size(), 2u);
  ExpectFill(h.Fills("b")[1], "63943.9", "0.5", LiquiditySide::kMaker, "6.39439", "1.5", "0.5");
}

TEST(SimQueue, AggressorSideDecidesWhichQueueMoves) {
  // Our bid at 63943.9 has 5.0 ahead, our ask at 63944.0 has 4.0 ahead; a
  // trade of 3.0 at one of the prices. A buyer lifting the ask does not
  // touch the bid queue and vice versa; unknown aggressors count.
  struct Case {
    AggressorSide aggressor;
    const char* price;
    const char* bid_ahead;
    const char* ask_ahead;
  };
  const std::vector<Case> table = {
      {AggressorSide::kSeller, "63943.9", "2.0", "4.0"},  {AggressorSide::kUnknown, "63943.9", "2.0", "4.0"},
      {AggressorSide::kBuyer, "63943.9", "5.0", "4.0"},   {AggressorSide::kBuyer, "63944.0", "5.0", "1.0"},
      {AggressorSide::kUnknown, "63944.0", "5.0", "1.0"}, {AggressorSide::kSeller, "63944.0", "5.0", "4.0"},
  };
  for (const Case& c : table) {
    SCOPED_TRACE(testing::Message() << ToString(c.aggressor) << " @ " << c.price);
    Harness h;
    h.Snapshot(0, {{"63943.9", "5.0"}}, {{"63944.0", "4.0"}});
    h.Place(10, Limit("b", kBuy, "63943.9", "1.0"));
    h.Place(10, Limit("s", kSell, "63944.0", "1.0"));
    h.Print(20, c.aggressor, c.price, "3.0");
    EXPECT_EQ(h.Ahead("b"), Q(c.bid_ahead));
    EXPECT_EQ(h.Ahead("s"), Q(c.ask_ahead));
    EXPECT_TRUE(h.Fills("b").empty());
    EXPECT_TRUE(h.Fills("s").empty());
  }
}

TEST(SimQueue, ModelsDifferOnTheSameSequence) {
  // Join at 5.0 (ahead 5); the level grows to 10.0 (ahead 5); a sell of 2.0
  // (ahead 3, traded 2); the level shows 6.0: rest = 10 - 2 = 8, 2 canceled.
  //   proportional: 3 x 6 / 8 = 2.25   pessimistic: min(3, 6) = 3
  //   optimistic:   3 - 2 = 1
  // Then 6.0 -> 1.0 (5 canceled, rest 6):
  //   proportional: 2.25 x 1 / 6 = 0.375   pessimistic: min(3, 1) = 1
  //   optimistic:   max(0, 1 - 5) = 0
  // Then a sell of 1.5 at our price fills 1.5 - ahead of our 1.0.
  struct Case {
    const char* model;
    const char* ahead1;
    const char* ahead2;
    const char* fill;
  };
  const std::vector<Case> table = {
      {"proportional", "2.25", "0.375", "1.0"},
      {"pessimistic", "3.0", "1.0", "0.5"},
      {"optimistic", "1.0", "0", "1.0"},
  };
  for (const Case& c : table) {
    SCOPED_TRACE(c.model);
    Options o;
    o.queue = c.model;
    Harness h(o);
    h.Snapshot(0, {{"63943.9", "5.0"}}, {{"63944.0", "1.0"}});
    h.Place(10, Limit("a", kBuy, "63943.9", "1.0"));
    EXPECT_EQ(h.Ahead("a"), Q("5.0"));
    h.Depth(20, {{"63943.9", "10.0"}}, {});
    EXPECT_EQ(h.Ahead("a"), Q("5.0"));
    h.Print(30, AggressorSide::kSeller, "63943.9", "2.0");
    EXPECT_EQ(h.Ahead("a"), Q("3.0"));
    h.Depth(40, {{"63943.9", "6.0"}}, {});
    EXPECT_EQ(h.Ahead("a"), Q(c.ahead1));
    h.Depth(50, {{"63943.9", "1.0"}}, {});
    EXPECT_EQ(h.Ahead("a"), Q(c.ahead2));
    h.Print(60, AggressorSide::kSeller, "63943.9", "1.5");
    const auto f = h.Fills("a");
    ASSERT_EQ(f.size(), 1u);
    EXPECT_EQ(f[0].last_qty, Q(c.fill));
  }
}

// ===========================================================================
// Order types

TEST(SimOrders, GtcThatDoesNotCrossJoinsTheBackOfItsLevel) {
  struct Case {
    Side side;
    const char* price;
    const char* ahead;
  };
  const std::vector<Case> table = {
      {kBuy, "63943.9", "5.0"},  {kBuy, "63943.8", "3.0"},  {kBuy, "63943.5", "0"},
      {kSell, "63944.0", "1.0"}, {kSell, "63944.5", "4.0"}, {kSell, "63950.0", "0"},
  };
  for (const Case& c : table) {
    SCOPED_TRACE(testing::Message() << ToString(c.side) << " @ " << c.price);
    Harness h;
    h.StdBook();
    h.Place(10, Limit("a", c.side, c.price, "0.5"));
    EXPECT_EQ(h.Kinds("a"), (Kinds{"ORDER_SUBMITTED", "ORDER_ACCEPTED"}));
    EXPECT_EQ(h.Ahead("a"), Q(c.ahead));
    EXPECT_EQ(h.ex->open_orders(), 1u);
    EXPECT_EQ(h.ex->stats().ahead_at_join, Q(c.ahead));
  }
}

TEST(SimOrders, GtcThatCrossesTakesEachLevelThenRests) {
  Harness h;
  h.StdBook();
  // Buy 3.0 up to 63944.1: takes 1.0 @ 63944.0 and 1.0 @ 63944.1, rests 1.0.
  //   fees (taker 0.00055): 63944.0 x 1.0 -> 35.1692; 63944.1 x 1.0 -> 35.169255
  //   average price (63944.0 + 63944.1) / 2 = 63944.05
  h.Place(10, Limit("a", kBuy, "63944.1", "3.0"));
  EXPECT_EQ(h.Kinds("a"),
            (Kinds{"ORDER_SUBMITTED", "ORDER_ACCEPTED", "ORDER_PARTIALLY_FILLED", "ORDER_PARTIALLY_FILLED"}));
  const auto f = h.Fills("a");
  ASSERT_EQ(f.size(), 2u);
  ExpectFill(f[0], "63944.0", "1.0", LiquiditySide::kTaker, "35.1692", "1.0", "2.0");
  ExpectFill(f[1], "63944.1", "1.0", LiquiditySide::kTaker, "35.169255", "2.0", "1.0");
  EXPECT_NE(f[0].trade_id, f[1].trade_id);
  const Notional value = f[0].last_price * f[0].last_qty + f[1].last_price * f[1].last_qty;
  EXPECT_EQ(value, N("127888.1"));
  EXPECT_EQ(DivideToPrice(value, f[1].cum_qty).value(), P("63944.05"));  // average price
  // One venue order id, from the acceptance; the strategy is carried.
  EXPECT_EQ(f[0].venue_order_id, h.Of<OrderAccepted>("a").at(0).venue_order_id);
  EXPECT_EQ(f[1].venue_order_id, f[0].venue_order_id);
  EXPECT_EQ(f[0].strategy.view(), "test");
  // The rest joins its level: no bid displayed at 63944.1, so ahead 0.
  EXPECT_EQ(h.Ahead("a"), Q("0"));
  EXPECT_EQ(h.ex->open_orders(), 1u);
  EXPECT_EQ(h.ex->position(kBtc), Q("2.0"));
  EXPECT_EQ(h.ex->stats().taker_fills, 2u);
  EXPECT_EQ(h.ex->stats().taker_qty, Q("2.0"));
  EXPECT_EQ(h.ex->stats().fees, N("70.338455"));

  // The liquidity taken is remembered until the feed updates the level: an
  // IOC at the same price finds nothing, and a message about another level
  // does not make the asks we emptied cross our resting bid.
  h.Place(20, Limit("b", kBuy, "63944.1", "1.0", kIoc));
  EXPECT_EQ(h.Kinds("b"), (Kinds{"ORDER_SUBMITTED", "ORDER_ACCEPTED", "ORDER_EXPIRED"}));
  h.Depth(30, {{"63943.8", "2.0"}}, {});
  EXPECT_TRUE(h.Fills("a").size() == 2u);
  // The feed updates 63944.0 (still 1.0 displayed): that is new liquidity at
  // or below our bid, which fills our rest at our price as maker:
  // 63944.1 x 1.0 x 0.0002 = 12.78882.
  h.Depth(40, {}, {{"63944.0", "1.0"}});
  ASSERT_EQ(h.Fills("a").size(), 3u);
  ExpectFill(h.Fills("a")[2], "63944.1", "1.0", LiquiditySide::kMaker, "12.78882", "3.0", "0");
  EXPECT_EQ(h.ex->stats().cross_fills, 1u);
}

TEST(SimOrders, IocTakesWhatItCanAndTheRestExpires) {
  Harness h;
  h.StdBook();
  h.Place(10, Limit("a", kBuy, "63944.0", "3.0", kIoc));
  EXPECT_EQ(h.Kinds("a"), (Kinds{"ORDER_SUBMITTED", "ORDER_ACCEPTED", "ORDER_PARTIALLY_FILLED", "ORDER_EXPIRED"}));
  ASSERT_EQ(h.Fills("a").size(), 1u);
  ExpectFill(h.Fills("a")[0], "63944.0", "1.0", LiquiditySide::kTaker, "35.1692", "1.0", "2.0");
  // Nothing within the price: accepted, then expired.
  h.Place(20, Limit("b", kSell, "63944.0", "1.0", kIoc));
  EXPECT_EQ(h.Kinds("b"), (Kinds{"ORDER_SUBMITTED", "ORDER_ACCEPTED", "ORDER_EXPIRED"}));
  EXPECT_EQ(h.ex->open_orders(), 0u);
  EXPECT_EQ(h.ex->stats().expired, 2u);
  EXPECT_EQ(h.Of<OrderExpired>("a")[0].ts_event, T(10));
}

TEST(SimOrders, FokFillsEntirelyOrExpiresWhole) {
  struct Case {
    Side side;
    const char* price;
    const char* qty;
    std::vector<std::string> fills;  // "price x qty"
    const char* last_kind;
  };
  const std::vector<Case> table = {
      // Asks within 63944.1 hold 2.0 < 3.0: nothing at all.
      {kBuy, "63944.1", "3.0", {}, "ORDER_EXPIRED"},
      {kBuy, "63944.1", "2.0", {"63944.0 x 1.0", "63944.1 x 1.0"}, "ORDER_FILLED"},
      {kBuy, "63944.5", "5.0", {"63944.0 x 1.0", "63944.1 x 1.0", "63944.5 x 3.0"}, "ORDER_FILLED"},
      {kSell, "63943.8", "6.0", {"63943.9 x 5.0", "63943.8 x 1.0"}, "ORDER_FILLED"},
      {kSell, "63943.8", "8.001", {}, "ORDER_EXPIRED"},
  };
  for (const Case& c : table) {
    SCOPED_TRACE(testing::Message() << ToString(c.side) << " " << c.qty << " @ " << c.price);
    Harness h;
    h.StdBook();
    h.Place(10, Limit("f", c.side, c.price, c.qty, kFok));
    const Kinds k = h.Kinds("f");
    ASSERT_GE(k.size(), 3u);
    EXPECT_EQ(k[1], "ORDER_ACCEPTED");
    EXPECT_EQ(k.back(), c.last_kind);
    std::vector<std::string> got;
    for (const FillReport& f : h.Fills("f")) {
      std::string s = f.last_price.ToString(1);
      s.append(" x ").append(f.last_qty.ToString(1));
      got.push_back(s);
      EXPECT_EQ(f.liquidity, LiquiditySide::kTaker);
    }
    EXPECT_EQ(got, c.fills);
    if (c.fills.empty()) {
      EXPECT_EQ(h.ex->position(kBtc), Q("0"));
    } else {
      EXPECT_EQ(h.ex->position(kBtc), Q(c.qty) * SideSign(c.side));
    }
    EXPECT_EQ(h.ex->open_orders(), 0u);
  }
}

TEST(SimOrders, PostOnlyThatWouldTakeIsRejected) {
  Harness h;
  h.StdBook();
  h.Place(10, Limit("x", kBuy, "63944.0", "1.0", kPostOnly));
  EXPECT_EQ(h.Kinds("x"), (Kinds{"ORDER_SUBMITTED", "ORDER_REJECTED"}));
  EXPECT_EQ(h.Of<OrderRejected>("x")[0].reason, RejectReason::kPostOnlyWouldTake);
  h.Place(10, Limit("y", kSell, "63943.9", "1.0", kPostOnly));
  EXPECT_EQ(h.Kinds("y"), (Kinds{"ORDER_SUBMITTED", "ORDER_REJECTED"}));
  EXPECT_EQ(h.Of<OrderRejected>("y")[0].reason, RejectReason::kPostOnlyWouldTake);
  // Not crossing: rests at the back of its level, then fills as maker.
  h.Place(20, Limit("p", kBuy, "63943.9", "1.0", kPostOnly));
  EXPECT_EQ(h.Kinds("p"), (Kinds{"ORDER_SUBMITTED", "ORDER_ACCEPTED"}));
  EXPECT_EQ(h.Ahead("p"), Q("5.0"));
  h.Print(30, AggressorSide::kSeller, "63943.9", "6.0");
  ASSERT_EQ(h.Fills("p").size(), 1u);
  ExpectFill(h.Fills("p")[0], "63943.9", "1.0", LiquiditySide::kMaker, "12.78878", "1.0", "0");
  EXPECT_EQ(h.ex->stats().rejected, 2u);
  EXPECT_EQ(h.ex->stats().taker_fills, 0u);
}

TEST(SimOrders, MarketOrderWalksTheBookUpToTheProtectionPrice) {
  // Buy side: best ask 63944.0; at 1 bp the protection is
  // 63944.0 x 1.0001 = 63950.3944, floored to the tick: 63950.3.
  // Sell side: best bid 63943.9 x 0.9999 = 63937.50561, ceiled: 63937.6.
  // Fees (taker): 63944.0 -> 35.1692; 63950.3 -> 35.172665; 63950.4 -> 35.17272;
  // 63943.9 -> 35.169145; 63937.6 -> 35.16568.
  struct Case {
    Side side;
    std::int64_t bps;
    std::vector<std::string> fills;
    const char* last_kind;
  };
  const std::vector<Case> table = {
      {kBuy, 1, {"63944.0 x 1.0 fee 35.1692", "63950.3 x 1.0 fee 35.172665"}, "ORDER_EXPIRED"},
      {kSell, 1, {"63943.9 x 1.0 fee 35.169145", "63937.6 x 1.0 fee 35.16568"}, "ORDER_EXPIRED"},
      // The default 100 bps reaches the third level.
      {kBuy,
       100,
       {"63944.0 x 1.0 fee 35.1692", "63950.3 x 1.0 fee 35.172665", "63950.4 x 1.0 fee 35.17272"},
       "ORDER_FILLED"},
  };
  for (const Case& c : table) {
    SCOPED_TRACE(testing::Message() << ToString(c.side) << " " << c.bps << " bps");
    SimExchangeOptions opt;
    opt.market_protection_bps = c.bps;
    Options o;
    o.sim = opt;
    Harness h(o);
    h.Snapshot(0, {{"63943.9", "1.0"}, {"63937.6", "1.0"}, {"63937.5", "5.0"}},
               {{"63944.0", "1.0"}, {"63950.3", "1.0"}, {"63950.4", "5.0"}});
    h.Place(10, MarketOrder("m", c.side, "3.0"));
    const Kinds k = h.Kinds("m");
    EXPECT_EQ(k[1], "ORDER_ACCEPTED");
    EXPECT_EQ(k.back(), c.last_kind);
    std::vector<std::string> got;
    for (const FillReport& f : h.Fills("m")) {
      std::string s = f.last_price.ToString(1);
      s.append(" x ").append(f.last_qty.ToString(1)).append(" fee ").append(f.fee.ToString());
      got.push_back(s);
      EXPECT_EQ(f.liquidity, LiquiditySide::kTaker);
    }
    EXPECT_EQ(got, c.fills);
    EXPECT_EQ(h.ex->open_orders(), 0u);
  }
}

TEST(SimOrders, MarketOrderWithAnEmptyOppositeSideIsRejected) {
  Harness h;
  h.Snapshot(0, {{"63943.9", "5.0"}}, {});
  h.Place(10, MarketOrder("m", kBuy, "1.0"));
  EXPECT_EQ(h.Kinds("m"), (Kinds{"ORDER_SUBMITTED", "ORDER_REJECTED"}));
  EXPECT_EQ(h.Of<OrderRejected>("m")[0].reason, RejectReason::kNoLiquidity);
  // The other side is there.
  h.Place(20, MarketOrder("n", kSell, "1.0"));
  EXPECT_EQ(h.Kinds("n"), (Kinds{"ORDER_SUBMITTED", "ORDER_ACCEPTED", "ORDER_FILLED"}));
}

TEST(SimOrders, ReduceOnlyWithoutAPositionIsRejected) {
  Harness h;
  h.StdBook();
  h.Place(10, ReduceOnly(Limit("s", kSell, "63944.5", "1.0")));
  h.Place(10, ReduceOnly(Limit("b", kBuy, "63943.8", "1.0")));
  EXPECT_EQ(h.Of<OrderRejected>("s").at(0).reason, RejectReason::kReduceOnlyWouldIncrease);
  EXPECT_EQ(h.Of<OrderRejected>("b").at(0).reason, RejectReason::kReduceOnlyWouldIncrease);
  // Long 1.0: a reduce-only buy would increase it.
  h.Place(20, Limit("open", kBuy, "63944.0", "1.0", kIoc));
  ASSERT_EQ(h.ex->position(kBtc), Q("1.0"));
  h.Place(30, ReduceOnly(Limit("b2", kBuy, "63943.8", "1.0")));
  EXPECT_EQ(h.Kinds("b2"), (Kinds{"ORDER_SUBMITTED", "ORDER_REJECTED"}));
  EXPECT_EQ(h.Of<OrderRejected>("b2").at(0).reason, RejectReason::kReduceOnlyWouldIncrease);
}

TEST(SimOrders, ReduceOnlyNeverFillsBeyondThePosition) {
  {
    // Taker: long 1.0, reduce-only IOC sell 3.0. Its fill is capped at the
    // 1.0 of position (fee 63943.9 x 1.0 x 0.00055 = 35.169145); the order
    // keeps the 3.0 we sent (leaves 2.0) and, nothing being left to reduce,
    // is canceled.
    Harness h;
    h.StdBook();
    h.Place(10, Limit("open", kBuy, "63944.0", "1.0", kIoc));
    h.Place(20, ReduceOnly(Limit("r", kSell, "63943.8", "3.0", kIoc)));
    EXPECT_EQ(h.Kinds("r"), (Kinds{"ORDER_SUBMITTED", "ORDER_ACCEPTED", "ORDER_PARTIALLY_FILLED", "ORDER_CANCELED"}));
    ASSERT_EQ(h.Fills("r").size(), 1u);
    ExpectFill(h.Fills("r")[0], "63943.9", "1.0", LiquiditySide::kTaker, "35.169145", "1.0", "2.0");
    EXPECT_EQ(h.ex->position(kBtc), Q("0"));
    EXPECT_EQ(h.ex->open_orders(), 0u);
  }
  {
    // Resting: long 2.0, reduce-only sell 5.0 rests; a trade through fills
    // 2.0 at 63950.0 (maker: 63950.0 x 2.0 x 0.0002 = 25.58), then it is
    // canceled.
    Harness h;
    h.StdBook();
    h.Place(10, Limit("open", kBuy, "63944.1", "2.0", kIoc));
    ASSERT_EQ(h.ex->position(kBtc), Q("2.0"));
    h.Place(20, ReduceOnly(Limit("r", kSell, "63950.0", "5.0")));
    EXPECT_EQ(h.Ahead("r"), Q("0"));
    h.Print(30, AggressorSide::kBuyer, "63950.5", "10.0");
    EXPECT_EQ(h.Kinds("r"), (Kinds{"ORDER_SUBMITTED", "ORDER_ACCEPTED", "ORDER_PARTIALLY_FILLED", "ORDER_CANCELED"}));
    ASSERT_EQ(h.Fills("r").size(), 1u);
    ExpectFill(h.Fills("r")[0], "63950.0", "2.0", LiquiditySide::kMaker, "25.58", "2.0", "3.0");
    EXPECT_EQ(h.Of<OrderCanceled>("r").at(0).ts_event, T(30));
    EXPECT_EQ(h.ex->position(kBtc), Q("0"));
    EXPECT_EQ(h.ex->open_orders(), 0u);
  }
  {
    // The position shrinks while it rests: long 2.0, reduce-only sell 1.5
    // rests, another sell of 1.0 leaves 1.0; the trade through fills 1.0
    // (63950.0 x 1.0 x 0.0002 = 12.79) and the remaining 0.5 is canceled.
    Harness h;
    h.StdBook();
    h.Place(10, Limit("open", kBuy, "63944.1", "2.0", kIoc));
    h.Place(20, ReduceOnly(Limit("r", kSell, "63950.0", "1.5")));
    h.Place(30, Limit("other", kSell, "63943.9", "1.0", kIoc));
    ASSERT_EQ(h.ex->position(kBtc), Q("1.0"));
    EXPECT_EQ(h.Kinds("r"), (Kinds{"ORDER_SUBMITTED", "ORDER_ACCEPTED"}));
    h.Print(40, AggressorSide::kBuyer, "63950.5", "10.0");
    ASSERT_EQ(h.Fills("r").size(), 1u);
    ExpectFill(h.Fills("r")[0], "63950.0", "1.0", LiquiditySide::kMaker, "12.79", "1.0", "0.5");
    EXPECT_EQ(h.Kinds("r").back(), "ORDER_CANCELED");
    EXPECT_EQ(h.ex->position(kBtc), Q("0"));
  }
  {
    // Fill-or-kill larger than the position cannot fill entirely: expires.
    Harness h;
    h.StdBook();
    h.Place(10, Limit("open", kBuy, "63944.0", "1.0", kIoc));
    h.Place(20, ReduceOnly(Limit("r", kSell, "63943.8", "2.0", kFok)));
    EXPECT_EQ(h.Kinds("r"), (Kinds{"ORDER_SUBMITTED", "ORDER_ACCEPTED", "ORDER_EXPIRED"}));
    EXPECT_EQ(h.ex->position(kBtc), Q("1.0"));
    h.Place(30, ReduceOnly(Limit("r2", kSell, "63943.8", "1.0", kFok)));
    EXPECT_EQ(h.Kinds("r2"), (Kinds{"ORDER_SUBMITTED", "ORDER_ACCEPTED", "ORDER_FILLED"}));
    EXPECT_EQ(h.ex->position(kBtc), Q("0"));
  }
}

TEST(SimOrders, RestingReduceOnlyIsCanceledWhenThePositionIsGone) {
  struct Case {
    const char* what;
    const char* close_qty;  // a plain sell IOC at 63943.9 of this qty
  };
  for (const Case& c : {Case{"closed", "1.0"}, Case{"flipped short", "3.0"}}) {
    SCOPED_TRACE(c.what);
    Harness h;
    h.StdBook();
    h.Place(10, Limit("open", kBuy, "63944.0", "1.0", kIoc));  // long 1.0
    h.Place(20, ReduceOnly(Limit("r", kSell, "63950.0", "1.0")));
    EXPECT_EQ(h.Kinds("r"), (Kinds{"ORDER_SUBMITTED", "ORDER_ACCEPTED"}));
    // Another order closes (or flips) the position: the reduce-only sell
    // has nothing left to reduce and is canceled at once.
    h.Place(30, Limit("close", kSell, "63943.9", c.close_qty, kIoc));
    EXPECT_LE(h.ex->position(kBtc), Q("0"));
    EXPECT_EQ(h.Kinds("r"), (Kinds{"ORDER_SUBMITTED", "ORDER_ACCEPTED", "ORDER_CANCELED"}));
    EXPECT_EQ(h.ex->open_orders(), 0u);
    EXPECT_EQ(h.Ahead("r"), std::nullopt);
    const auto canceled = h.Of<OrderCanceled>("r");
    ASSERT_EQ(canceled.size(), 1u);
    EXPECT_EQ(canceled[0].ts_event, T(30));
    // A later trade through its price fills nothing.
    h.Print(40, AggressorSide::kBuyer, "63950.5", "2.0");
    EXPECT_TRUE(h.Fills("r").empty());
  }
}

TEST(SimOrders, TwoReduceOnlyOrdersShareOnePosition) {
  // Long 1.0; two reduce-only sells of 1.0 each may rest (each alone would
  // only close it). The first to fill takes the whole position; the other
  // is canceled in the same instant.
  Harness h;
  h.StdBook();
  h.Place(10, Limit("open", kBuy, "63944.0", "1.0", kIoc));
  h.Place(20, ReduceOnly(Limit("r1", kSell, "63950.0", "1.0")));
  h.Place(21, ReduceOnly(Limit("r2", kSell, "63960.0", "1.0")));
  EXPECT_EQ(h.ex->open_orders(), 2u);
  h.Print(30, AggressorSide::kBuyer, "63955.0", "0.5");  // through r1 only
  EXPECT_EQ(h.Kinds("r1"), (Kinds{"ORDER_SUBMITTED", "ORDER_ACCEPTED", "ORDER_FILLED"}));
  EXPECT_EQ(h.Kinds("r2"), (Kinds{"ORDER_SUBMITTED", "ORDER_ACCEPTED", "ORDER_CANCELED"}));
  EXPECT_EQ(h.Of<OrderCanceled>("r2").at(0).ts_event, T(30));
  EXPECT_EQ(h.ex->open_orders(), 0u);
  EXPECT_EQ(h.ex->position(kBtc), Q("0"));
}

// ===========================================================================
// The opposite side reaching a resting order

TEST(SimCross, OppositeSideReachingOurPriceFillsUsEntirely) {
  struct Case {
    const char* what;
    Side side;
    const char* price;
    bool snapshot;  // else a delta message
    Levels bids;
    Levels asks;
    const char* fee;  // maker: price x 1.0 x 0.0002
  };
  const std::vector<Case> table = {
      // The ask comes down to our bid (the bid level empties in the same message).
      {"ask to our bid",
       kBuy,
       "63943.9",
       false,
       {{"63943.9", "0"}},
       {{"63944.0", "0"}, {"63943.9", "2.0"}},
       "12.78878"},
      // The ask goes below our bid: still filled at our price.
      {"ask below our bid",
       kBuy,
       "63943.9",
       false,
       {{"63943.9", "0"}, {"63943.8", "0"}},
       {{"63944.0", "0"}, {"63943.8", "0.5"}},
       "12.78878"},
      {"bid up to our ask", kSell, "63944.0", false, {{"63944.0", "2.0"}}, {{"63944.0", "0"}}, "12.7888"},
      {"snapshot", kBuy, "63943.9", true, {{"63943.8", "3.0"}}, {{"63943.9", "2.0"}, {"63944.5", "4.0"}}, "12.78878"},
  };
  for (const Case& c : table) {
    SCOPED_TRACE(c.what);
    Harness h;
    h.StdBook();
    h.Place(10, Limit("a", c.side, c.price, "1.0"));
    ASSERT_TRUE(h.Ahead("a").has_value());
    if (c.snapshot) {
      h.Snapshot(20, c.bids, c.asks);
    } else {
      h.Depth(20, c.bids, c.asks);
    }
    ASSERT_TRUE(h.ex->books().Find(kBtc)->IsValid());
    EXPECT_EQ(h.Kinds("a"), (Kinds{"ORDER_SUBMITTED", "ORDER_ACCEPTED", "ORDER_FILLED"}));
    ASSERT_EQ(h.Fills("a").size(), 1u);
    ExpectFill(h.Fills("a")[0], c.price, "1.0", LiquiditySide::kMaker, c.fee, "1.0", "0");
    EXPECT_EQ(h.Fills("a")[0].ts_event, T(20));
    EXPECT_EQ(h.ex->stats().cross_fills, 1u);
    EXPECT_EQ(h.ex->open_orders(), 0u);
  }
}

TEST(SimCross, CheckedOnlyAfterTheWholeMessage) {
  Harness h;
  h.StdBook();
  h.Place(10, Limit("s", kSell, "63944.1", "1.0"));
  // Mid-message a bid at 63944.3 reaches our ask; the same message removes
  // it again, so the whole message leaves nothing at our price: no fill.
  h.Depth(20, {{"63944.3", "1.0"}, {"63944.3", "0"}}, {});
  ASSERT_TRUE(h.ex->books().Find(kBtc)->IsValid());
  EXPECT_TRUE(h.Fills("s").empty());
  EXPECT_EQ(h.ex->open_orders(), 1u);
  // A message that ends with the best bid at our ask fills it there:
  // maker 63944.1 x 1.0 x 0.0002 = 12.78882.
  h.Depth(30, {{"63944.1", "1.0"}}, {{"63944.0", "0"}, {"63944.1", "0"}});
  ASSERT_EQ(h.Fills("s").size(), 1u);
  ExpectFill(h.Fills("s")[0], "63944.1", "1.0", LiquiditySide::kMaker, "12.78882", "1.0", "0");
  EXPECT_EQ(h.ex->stats().cross_fills, 1u);
}

// ===========================================================================
// Latency and the two clocks

TEST(SimLatency, OrderActsOnTheBookAsItIsOnArrival) {
  // Order latency 1ms, response 2ms. An IOC buy of the 1.0 at 63944.0 sent at
  // local 10ms arrives at exchange time 11ms; a message removing that ask
  // lands at `depth_us`. Before 11ms the order finds nothing; at 11ms
  // (arrivals go before market events of the same time) or later it fills.
  struct Case {
    std::int64_t depth_us;
    const char* last_kind;
  };
  const std::vector<Case> table = {
      {10'500, "ORDER_EXPIRED"},
      {10'999, "ORDER_EXPIRED"},
      {11'000, "ORDER_FILLED"},
      {11'500, "ORDER_FILLED"},
  };
  for (const Case& c : table) {
    SCOPED_TRACE(c.depth_us);
    Harness h(Latencies(Duration::Millis(1), Duration::Millis(2)));
    h.StdBook(0);
    h.AdvanceClock(10'000);
    ASSERT_TRUE(h.ex->Submit(ApprovalForTesting::Approve(Limit("a", kBuy, "63944.0", "1.0", kIoc))).ok());
    EXPECT_EQ(h.ex->NextArrival(), T(11'000));
    h.Depth(c.depth_us, {}, {{"63944.0", "0"}});
    h.ex->AdvanceTo(T(12'000));
    EXPECT_EQ(h.ex->exchange_time(), T(12'000));
    // OrderSubmitted is local, at send time; the answers are due at 13ms.
    EXPECT_EQ(h.Kinds("a"), (Kinds{"ORDER_SUBMITTED"}));
    EXPECT_EQ(h.ex->NextDelivery(), T(13'000));
    EXPECT_EQ(h.ex->DeliverUpTo(T(12'999)), 0u);
    EXPECT_EQ(h.ex->DeliverUpTo(T(13'000)), 2u);
    EXPECT_EQ(h.Kinds("a"), (Kinds{"ORDER_SUBMITTED", "ORDER_ACCEPTED", c.last_kind}));
    const auto sub = h.Of<OrderSubmitted>("a");
    ASSERT_EQ(sub.size(), 1u);
    EXPECT_EQ(sub[0].ts_event, T(10'000));
    EXPECT_EQ(sub[0].ts_recv, T(10'000));
    for (const Event& e : h.log.events) {
      if (std::holds_alternative<OrderSubmitted>(e)) continue;
      EXPECT_EQ(TsEvent(e), T(11'000)) << Serialize(e);
      EXPECT_EQ(TsRecv(e), T(13'000)) << Serialize(e);
    }
  }
}

TEST(SimLatency, OrderJoinsTheQueueAsItIsOnArrival) {
  // A bid sent at 10ms arrives at 11ms; the level grows 5.0 -> 8.0 at 10.5ms
  // and 8.0 -> 9.0 at 11.5ms. It joins behind what is displayed on arrival:
  // 8.0 (the growth after it joined is behind it).
  Harness h(Latencies(Duration::Millis(1), Duration::Zero()));
  h.StdBook(0);
  h.AdvanceClock(10'000);
  ASSERT_TRUE(h.ex->Submit(ApprovalForTesting::Approve(Limit("a", kBuy, "63943.9", "1.0"))).ok());
  h.Depth(10'500, {{"63943.9", "8.0"}}, {});
  EXPECT_EQ(h.Ahead("a"), std::nullopt);  // not there yet
  h.Depth(11'500, {{"63943.9", "9.0"}}, {});
  EXPECT_EQ(h.Ahead("a"), Q("8.0"));
  EXPECT_EQ(h.Of<OrderAccepted>("a").at(0).ts_event, T(11'000));
  EXPECT_EQ(h.ex->stats().ahead_at_join, Q("8.0"));
}

TEST(SimLatency, CancelThatArrivesAfterTheFillIsRejected) {
  // Latencies 1ms / 2ms. A bid sent at 1ms rests from 2ms; a cancel sent at
  // 5ms arrives at 6ms. A trade through the bid at `trade_us`.
  struct Case {
    std::int64_t trade_us;
    Kinds kinds;
  };
  const std::vector<Case> table = {
      {5'500, {"ORDER_SUBMITTED", "ORDER_ACCEPTED", "ORDER_FILLED", "ORDER_CANCEL_REJECTED"}},
      {6'500, {"ORDER_SUBMITTED", "ORDER_ACCEPTED", "ORDER_CANCELED"}},
  };
  for (const Case& c : table) {
    SCOPED_TRACE(c.trade_us);
    Harness h(Latencies(Duration::Millis(1), Duration::Millis(2)));
    h.StdBook(0);
    h.AdvanceClock(1'000);
    ASSERT_TRUE(h.ex->Submit(ApprovalForTesting::Approve(Limit("a", kBuy, "63943.9", "1.0"))).ok());
    h.ex->AdvanceTo(T(2'000));
    EXPECT_EQ(h.Ahead("a"), Q("5.0"));
    h.AdvanceClock(5'000);
    ASSERT_TRUE(h.ex->Cancel(kBtc, Id("a")).ok());
    h.Print(c.trade_us, AggressorSide::kSeller, "63943.8", "0.1");
    h.ex->AdvanceTo(T(7'000));
    h.ex->DeliverUpTo(T(9'000));
    EXPECT_EQ(h.Kinds("a"), c.kinds);
    if (c.trade_us < 6'000) {
      const auto f = h.Of<OrderFilled>("a");
      ASSERT_EQ(f.size(), 1u);
      EXPECT_EQ(f[0].ts_event, T(5'500));
      EXPECT_EQ(f[0].ts_recv, T(7'500));
      const auto r = h.Of<OrderCancelRejected>("a");
      ASSERT_EQ(r.size(), 1u);
      EXPECT_EQ(r[0].reason, RejectReason::kOrderClosed);
      EXPECT_EQ(r[0].ts_event, T(6'000));
      EXPECT_EQ(r[0].ts_recv, T(8'000));
    } else {
      const auto x = h.Of<OrderCanceled>("a");
      ASSERT_EQ(x.size(), 1u);
      EXPECT_EQ(x[0].ts_event, T(6'000));
      EXPECT_EQ(x[0].ts_recv, T(8'000));
      EXPECT_TRUE(h.Fills("a").empty());
    }
    // A cancel for an id the venue never saw.
    h.AdvanceClock(9'000);
    ASSERT_TRUE(h.ex->Cancel(kBtc, Id("zz")).ok());
    h.ex->AdvanceTo(T(10'000));
    h.ex->DeliverUpTo(T(12'000));
    const auto u = h.Of<OrderCancelRejected>("zz");
    ASSERT_EQ(u.size(), 1u);
    EXPECT_EQ(u[0].reason, RejectReason::kUnknownOrder);
    EXPECT_EQ(u[0].ts_event, T(10'000));
    EXPECT_EQ(u[0].ts_recv, T(12'000));
  }
}

TEST(SimLatency, CancelOfAClosedOrderIsOrderClosedAndOfAnUnknownOneUnknownOrder) {
  Harness h;
  h.StdBook();
  h.Place(10, Limit("a", kBuy, "63943.9", "1.0"));
  h.Cancel(20, "a");
  EXPECT_EQ(h.Kinds("a"), (Kinds{"ORDER_SUBMITTED", "ORDER_ACCEPTED", "ORDER_CANCELED"}));
  h.Cancel(30, "a");
  h.Cancel(30, "nope");
  h.Cancel(30, "a", kEth);  // right id, wrong instrument
  const auto r = h.Of<OrderCancelRejected>("");
  ASSERT_EQ(r.size(), 3u);
  EXPECT_EQ(r[0].reason, RejectReason::kOrderClosed);
  EXPECT_EQ(r[1].reason, RejectReason::kUnknownOrder);
  EXPECT_EQ(r[2].reason, RejectReason::kUnknownOrder);
  EXPECT_EQ(h.ex->stats().cancel_rejected, 3u);
  EXPECT_EQ(h.ex->stats().commands, 5u);  // 1 submit, 4 cancels
  EXPECT_EQ(h.ex->stats().market_events, 1u);
  EXPECT_EQ(h.ex->stats().canceled, 1u);
  EXPECT_FALSE(h.ex->Cancel(kBtc, Id("")).ok());  // nothing sent
}

TEST(SimLatency, MessagesNeverOvertakeEachOther) {
  // Random latencies wide enough that independent samples would reorder
  // both commands (sent 100us apart, 1ms +/- 0.8ms) and answers (2ms +/-
  // 1.5ms). Arrival = max(send + sample, previous arrival); delivery =
  // max(made + sample, previous delivery): replayed below from generators
  // with the same seeds.
  constexpr std::uint64_t kOrderSeed = 1, kResponseSeed = 2;
  NormalLatency order_latency(Duration::Millis(1), Duration::Micros(800), Duration::Zero(), kOrderSeed);
  NormalLatency response_latency(Duration::Millis(2), Duration::Micros(1500), Duration::Zero(), kResponseSeed);
  Harness h(Models(order_latency, response_latency));
  h.StdBook(0);
  struct Command {
    std::string id;  // the order submitted or canceled
    UnixNanos sent;
    bool submit;
  };
  std::vector<Command> commands;
  for (int i = 1; i <= 300; ++i) {
    const std::int64_t us = 100 * i;
    h.AdvanceClock(us);
    h.ex->AdvanceTo(T(us));
    std::string id = "o";
    id.append(std::to_string(i));
    if (i % 3 == 0) {
      ASSERT_TRUE(h.ex->Submit(ApprovalForTesting::Approve(Limit(id, kBuy, "63943.9", "0.001"))).ok());
      commands.push_back({id, T(us), true});
    } else if (i % 3 == 1) {
      ASSERT_TRUE(h.ex->Submit(ApprovalForTesting::Approve(Limit(id, kBuy, "63944.5", "0.001", kIoc))).ok());
      commands.push_back({id, T(us), true});
    } else {
      std::string prev = "o";
      prev.append(std::to_string(i - 2));
      ASSERT_TRUE(h.ex->Cancel(kBtc, Id(prev)).ok());
      commands.push_back({prev, T(us), false});
    }
    if (i % 5 == 0) h.Print(us, AggressorSide::kSeller, "63943.9", "0.5");
    h.ex->DeliverUpTo(T(us));
  }
  h.Settle(1'000'000);
  EXPECT_EQ(h.ex->pending_answers(), 0u);
  ASSERT_GT(h.log.events.size(), 500u);

  // Delivered in order, never before made.
  for (std::size_t i = 0; i < h.log.events.size(); ++i) {
    const Event& e = h.log.events[i];
    EXPECT_GE(TsRecv(e), TsEvent(e)) << Serialize(e);
    if (i > 0) {
      EXPECT_GE(TsRecv(e), TsRecv(h.log.events[i - 1])) << Serialize(e);
    }
  }

  // Commands: the first answer to each comes at its arrival.
  NormalLatency order_replay(Duration::Millis(1), Duration::Micros(800), Duration::Zero(), kOrderSeed);
  UnixNanos last_arrival = UnixNanos::Min();
  int commands_held_back = 0;
  for (const Command& c : commands) {
    const UnixNanos sampled = c.sent + order_replay.Sample(c.sent);
    commands_held_back += sampled < last_arrival ? 1 : 0;
    const UnixNanos arrival = std::max(sampled, last_arrival);
    last_arrival = arrival;
    std::optional<UnixNanos> answered;
    for (const Event& e : h.log.events) {
      if (IdOf(e) != c.id) continue;
      const bool first_answer =
          c.submit ? std::holds_alternative<OrderAccepted>(e)
                   : (std::holds_alternative<OrderCanceled>(e) || std::holds_alternative<OrderCancelRejected>(e));
      if (first_answer) {
        answered = TsEvent(e);
        break;
      }
    }
    ASSERT_TRUE(answered.has_value()) << c.id;
    EXPECT_EQ(*answered, arrival) << c.id << (c.submit ? " submit" : " cancel");
  }
  EXPECT_GT(commands_held_back, 10);  // the rule was exercised

  // Answers, in the order made (the log without the local OrderSubmitted).
  NormalLatency response_replay(Duration::Millis(2), Duration::Micros(1500), Duration::Zero(), kResponseSeed);
  UnixNanos last_delivery = UnixNanos::Min();
  int answers_held_back = 0;
  for (const Event& e : h.log.events) {
    if (std::holds_alternative<OrderSubmitted>(e)) continue;
    const UnixNanos sampled = TsEvent(e) + response_replay.Sample(TsEvent(e));
    answers_held_back += sampled < last_delivery ? 1 : 0;
    last_delivery = std::max(sampled, last_delivery);
    EXPECT_EQ(TsRecv(e), last_delivery) << Serialize(e);
  }
  EXPECT_GT(answers_held_back, 10);
}

// ===========================================================================
// Amend and cancel-all

TEST(SimAmend, QtyDecreaseKeepsTheQueuePosition) {
  Harness h;
  h.StdBook();
  h.Place(10, Limit("a", kBuy, "63943.9", "2.0"));
  h.Print(20, AggressorSide::kSeller, "63943.9", "1.0");  // ahead 5 -> 4
  EXPECT_EQ(h.Ahead("a"), Q("4.0"));
  h.Amend(30, "a", nullptr, "1.0");
  const auto am = h.Of<OrderAmended>("a");
  ASSERT_EQ(am.size(), 1u);
  EXPECT_EQ(am[0].price, P("63943.9"));
  EXPECT_EQ(am[0].qty, Q("1.0"));
  EXPECT_EQ(am[0].ts_event, T(30));
  EXPECT_EQ(h.Ahead("a"), Q("4.0"));
  // The new qty holds: 4.5 sold fills 0.5 of 1.0.
  h.Print(40, AggressorSide::kSeller, "63943.9", "4.5");
  ASSERT_EQ(h.Fills("a").size(), 1u);
  ExpectFill(h.Fills("a")[0], "63943.9", "0.5", LiquiditySide::kMaker, "6.39439", "0.5", "0.5");
  EXPECT_EQ(h.ex->stats().amended, 1u);
}

TEST(SimAmend, NewPriceOrLargerQtyGoesToTheBack) {
  Harness h;
  h.StdBook();
  h.Place(10, Limit("a", kBuy, "63943.9", "1.0"));
  h.Print(20, AggressorSide::kSeller, "63943.9", "1.0");  // ahead 5 -> 4
  EXPECT_EQ(h.Ahead("a"), Q("4.0"));
  h.Amend(30, "a", nullptr, "2.0");  // larger: back of 63943.9 (5.0 displayed)
  EXPECT_EQ(h.Ahead("a"), Q("5.0"));
  h.Amend(40, "a", "63943.8", nullptr);  // new price: back of 63943.8 (3.0)
  EXPECT_EQ(h.Ahead("a"), Q("3.0"));
  const auto am = h.Of<OrderAmended>("a");
  ASSERT_EQ(am.size(), 2u);
  EXPECT_EQ(am[1].price, P("63943.8"));
  EXPECT_EQ(am[1].qty, Q("2.0"));
  // It now lives at 63943.8: a trade through 63943.9 is not through it.
  h.Print(50, AggressorSide::kSeller, "63943.9", "10.0");
  EXPECT_TRUE(h.Fills("a").empty());
  EXPECT_EQ(h.Ahead("a"), Q("3.0"));
  EXPECT_EQ(h.ex->stats().joins, 3u);
}

TEST(SimAmend, AmendThatCrossesTakesLiquidity) {
  Harness h;
  h.StdBook();
  h.Place(10, Limit("g", kBuy, "63943.8", "1.0"));
  h.Amend(20, "g", "63944.0", nullptr);
  EXPECT_EQ(h.Kinds("g"), (Kinds{"ORDER_SUBMITTED", "ORDER_ACCEPTED", "ORDER_AMENDED", "ORDER_FILLED"}));
  ASSERT_EQ(h.Fills("g").size(), 1u);
  ExpectFill(h.Fills("g")[0], "63944.0", "1.0", LiquiditySide::kTaker, "35.1692", "1.0", "0");
}

TEST(SimAmend, RejectsWithTheirReasons) {
  Harness h;
  h.StdBook();
  h.Place(10, Limit("a", kBuy, "63943.9", "3.0"));
  h.Print(20, AggressorSide::kSeller, "63943.9", "6.0");  // fills 1.0 of 3.0
  ASSERT_EQ(h.Fills("a").size(), 1u);
  h.Place(30, Limit("p", kBuy, "63943.8", "1.0", kPostOnly));
  h.Place(30, Limit("f", kBuy, "63944.0", "1.0", kIoc));  // filled
  struct Case {
    const char* id;
    const char* price;
    const char* qty;
    InstrumentId inst;
    RejectReason reason;
  };
  const std::vector<Case> table = {
      {"a", nullptr, "1.0", kBtc, RejectReason::kAmendInvalid},           // = filled
      {"a", nullptr, "0.5", kBtc, RejectReason::kAmendInvalid},           // < filled
      {"a", nullptr, "3.0", kBtc, RejectReason::kAmendInvalid},           // nothing new
      {"a", "63943.9", nullptr, kBtc, RejectReason::kAmendInvalid},       // nothing new
      {"a", "63943.95", nullptr, kBtc, RejectReason::kPriceOffTick},      //
      {"a", nullptr, "2.0005", kBtc, RejectReason::kQtyOffLot},           //
      {"a", "1.0", "2.0", kBtc, RejectReason::kBelowMinNotional},         // 2 USDT
      {"a", nullptr, "2.0", kEth, RejectReason::kUnknownOrder},           // other instrument
      {"p", "63944.1", nullptr, kBtc, RejectReason::kPostOnlyWouldTake},  // 63944.0 taken by f
      {"f", nullptr, "2.0", kBtc, RejectReason::kOrderClosed},
      {"nope", nullptr, "2.0", kBtc, RejectReason::kUnknownOrder},
  };
  std::int64_t us = 40;
  for (const Case& c : table) {
    SCOPED_TRACE(testing::Message() << c.id << " " << (c.price ? c.price : "-") << " " << (c.qty ? c.qty : "-"));
    const std::size_t before = h.Of<OrderAmendRejected>(c.id).size();
    h.Amend(us++, c.id, c.price, c.qty, c.inst);
    const auto r = h.Of<OrderAmendRejected>(c.id);
    ASSERT_EQ(r.size(), before + 1);
    EXPECT_EQ(r.back().reason, c.reason);
  }
  EXPECT_TRUE(h.Of<OrderAmended>("").empty());
  EXPECT_EQ(h.ex->stats().amend_rejected, table.size());
  // The refused amends changed nothing: a is still 3.0 at 63943.9 with 1.0
  // filled, at the front; p is still at 63943.8 behind 3.0.
  EXPECT_EQ(h.Ahead("a"), Q("0"));
  EXPECT_EQ(h.Ahead("p"), Q("3.0"));
  h.Print(100, AggressorSide::kSeller, "63943.9", "5.0");
  ASSERT_EQ(h.Fills("a").size(), 2u);
  ExpectFill(h.Fills("a")[1], "63943.9", "2.0", LiquiditySide::kMaker, "25.57756", "3.0", "0");
  // A valid amend to above the filled qty: 2.0 total, keeps its place.
  h.Place(110, Limit("b", kBuy, "63943.9", "3.0"));
  h.Print(120, AggressorSide::kSeller, "63943.9", "6.0");  // b: 5.0 ahead, 1.0 filled
  h.Amend(130, "b", nullptr, "2.0");
  ASSERT_EQ(h.Of<OrderAmended>("b").size(), 1u);
  EXPECT_EQ(h.Ahead("b"), Q("0"));
}

TEST(SimAmend, ReduceOnlyAmendThatTakesThePositionIsCanceled) {
  // Long 1.0; a reduce-only sell 3.0 rests at 63950.0 and is amended down to
  // 63943.9, where it takes the bid: the fill is capped at the 1.0 of
  // position (63943.9 x 1.0 x 0.00055 = 35.169145), after which it has
  // nothing to reduce.
  Harness h;
  h.StdBook();
  h.Place(10, Limit("open", kBuy, "63944.0", "1.0", kIoc));
  h.Place(20, ReduceOnly(Limit("r", kSell, "63950.0", "3.0")));
  h.Amend(30, "r", "63943.9", nullptr);
  ASSERT_EQ(h.Fills("r").size(), 1u);
  ExpectFill(h.Fills("r")[0], "63943.9", "1.0", LiquiditySide::kTaker, "35.169145", "1.0", "2.0");
  EXPECT_EQ(h.ex->position(kBtc), Q("0"));
  // The order was off the book while it was amended, so the sweep of
  // resting reduce-only orders after the fill did not see it: the amend
  // itself must cancel it rather than rest it.
  EXPECT_EQ(h.Kinds("r"),
            (Kinds{"ORDER_SUBMITTED", "ORDER_ACCEPTED", "ORDER_AMENDED", "ORDER_PARTIALLY_FILLED", "ORDER_CANCELED"}));
  EXPECT_EQ(h.ex->open_orders(), 0u);
  EXPECT_EQ(h.Ahead("r"), std::nullopt);
}

TEST(SimAmend, PostOnlyAmendThatWouldCrossLeavesTheOrderAlone) {
  Harness h;
  h.StdBook();
  h.Place(10, Limit("p", kBuy, "63943.9", "1.0", kPostOnly));
  h.Amend(20, "p", "63944.0", nullptr);
  ASSERT_EQ(h.Of<OrderAmendRejected>("p").size(), 1u);
  EXPECT_EQ(h.Of<OrderAmendRejected>("p")[0].reason, RejectReason::kPostOnlyWouldTake);
  EXPECT_EQ(h.Ahead("p"), Q("5.0"));
  EXPECT_TRUE(h.Fills("p").empty());
  // Still at 63943.9: a trade through 63943.8 fills it there.
  h.Print(30, AggressorSide::kSeller, "63943.8", "0.1");
  ASSERT_EQ(h.Fills("p").size(), 1u);
  EXPECT_EQ(h.Fills("p")[0].last_price, P("63943.9"));
}

TEST(SimAmend, CancelAllCancelsEveryOpenOrderOfTheInstrumentOnly) {
  Harness h;
  h.StdBook();
  h.Snapshot(0, {{"3000.00", "10.0"}}, {{"3000.01", "10.0"}}, kEth);
  h.Place(10, Limit("b1", kBuy, "63943.9", "1.0"));
  h.Place(11, Limit("s1", kSell, "63944.5", "1.0"));
  h.Place(12, Limit("b2", kBuy, "63943.8", "1.0"));
  h.Place(13, Limit("e1", kBuy, "3000.00", "0.010", kGtc, kEth));
  ASSERT_EQ(h.ex->open_orders(), 4u);
  h.CancelAll(20, kBtc);
  const auto c = h.Of<OrderCanceled>("");
  ASSERT_EQ(c.size(), 3u);
  // Oldest first.
  EXPECT_EQ(c[0].client_order_id.view(), "b1");
  EXPECT_EQ(c[1].client_order_id.view(), "s1");
  EXPECT_EQ(c[2].client_order_id.view(), "b2");
  for (const OrderCanceled& x : c) {
    EXPECT_EQ(x.instrument, kBtc);
    EXPECT_EQ(x.ts_event, T(20));
  }
  EXPECT_EQ(h.ex->open_orders(), 1u);
  EXPECT_EQ(h.Ahead("e1"), Q("10.0"));
  EXPECT_EQ(h.Ahead("b1"), std::nullopt);
  EXPECT_EQ(h.Kinds("e1"), (Kinds{"ORDER_SUBMITTED", "ORDER_ACCEPTED"}));
  // Nothing open: nothing to answer.
  const std::size_t n = h.log.events.size();
  h.CancelAll(30, kBtc);
  EXPECT_EQ(h.log.events.size(), n);
  EXPECT_EQ(h.ex->stats().canceled, 3u);
}

// ===========================================================================
// Rejects

TEST(SimRejects, EachWithItsReason) {
  struct Case {
    const char* what;
    void (*edit)(OrderRequest&);
    RejectReason reason;
  };
  const std::vector<Case> table = {
      {"unknown instrument", [](OrderRequest& r) { r.instrument = InstrumentId{5}; }, RejectReason::kUnknownInstrument},
      {"price off tick", [](OrderRequest& r) { r.price = P("63943.95"); }, RejectReason::kPriceOffTick},
      {"qty off lot", [](OrderRequest& r) { r.qty = Q("0.0015"); }, RejectReason::kQtyOffLot},
      {"below min qty (ETH min 0.002)",
       [](OrderRequest& r) {
         r.instrument = kEth;
         r.price = P("3000.00");
         r.qty = Q("0.001");
       },
       RejectReason::kBelowMinQty},
      // 0.001 x 1000.0 = 1 USDT < 5.
      {"below min notional",
       [](OrderRequest& r) {
         r.price = P("1000.0");
         r.qty = Q("0.001");
       },
       RejectReason::kBelowMinNotional},
      {"book not built yet (ETH, no snapshot)",
       [](OrderRequest& r) {
         r.instrument = kEth;
         r.price = P("3000.00");
         r.qty = Q("0.002");
       },
       RejectReason::kBookInvalid},
      {"zero qty", [](OrderRequest& r) { r.qty = Qty::Zero(); }, RejectReason::kInvalidQty},
      {"negative qty", [](OrderRequest& r) { r.qty = Qty::FromRaw(-1'000'000); }, RejectReason::kInvalidQty},
      {"undefined price", [](OrderRequest& r) { r.price = Price::Undefined(); }, RejectReason::kInvalidPrice},
      {"zero price", [](OrderRequest& r) { r.price = Price::Zero(); }, RejectReason::kInvalidPrice},
      {"negative price", [](OrderRequest& r) { r.price = Price::FromInt(-1); }, RejectReason::kInvalidPrice},
      {"post-only would take",
       [](OrderRequest& r) {
         r.tif = TimeInForce::kPostOnly;
         r.price = P("63944.0");
       },
       RejectReason::kPostOnlyWouldTake},
      {"reduce-only without position", [](OrderRequest& r) { r.reduce_only = true; },
       RejectReason::kReduceOnlyWouldIncrease},
      // Precedence (docs/SIM.md): instrument, qty, lot, min qty, price, tick,
      // book, liquidity, notional, reduce-only, post-only.
      {"unknown instrument before zero qty",
       [](OrderRequest& r) {
         r.instrument = InstrumentId{5};
         r.qty = Qty::Zero();
       },
       RejectReason::kUnknownInstrument},
      {"lot before tick",
       [](OrderRequest& r) {
         r.qty = Q("0.0015");
         r.price = P("63943.95");
       },
       RejectReason::kQtyOffLot},
      {"min qty before price",
       [](OrderRequest& r) {
         r.instrument = kEth;
         r.qty = Q("0.001");
         r.price = Price::Undefined();
       },
       RejectReason::kBelowMinQty},
      {"tick before book",
       [](OrderRequest& r) {
         r.instrument = kEth;
         r.qty = Q("0.002");
         r.price = P("3000.005");
       },
       RejectReason::kPriceOffTick},
      {"notional before reduce-only",
       [](OrderRequest& r) {
         r.price = P("1000.0");
         r.qty = Q("0.001");
         r.reduce_only = true;
       },
       RejectReason::kBelowMinNotional},
      {"reduce-only before post-only",
       [](OrderRequest& r) {
         r.tif = TimeInForce::kPostOnly;
         r.price = P("63944.0");
         r.reduce_only = true;
       },
       RejectReason::kReduceOnlyWouldIncrease},
  };
  for (const Case& c : table) {
    SCOPED_TRACE(c.what);
    Harness h;
    h.StdBook();
    OrderRequest r = Limit("r", kBuy, "63943.8", "0.010");  // 639.438 USDT, rests
    c.edit(r);
    h.Place(10, r);
    EXPECT_EQ(h.Kinds("r"), (Kinds{"ORDER_SUBMITTED", "ORDER_REJECTED"}));
    const auto rej = h.Of<OrderRejected>("r");
    ASSERT_EQ(rej.size(), 1u);
    EXPECT_EQ(rej[0].reason, c.reason);
    EXPECT_EQ(rej[0].venue_message.view(), ToString(c.reason));
    EXPECT_EQ(rej[0].instrument, r.instrument);
    EXPECT_EQ(rej[0].ts_event, T(10));
    EXPECT_EQ(h.ex->stats().rejected, 1u);
    EXPECT_EQ(h.ex->stats().accepted, 0u);
    EXPECT_EQ(h.ex->open_orders(), 0u);
  }
}

TEST(SimRejects, DuplicateOpenClientOrderId) {
  Harness h;
  h.StdBook();
  h.Place(10, Limit("d", kBuy, "63943.9", "1.0"));
  h.Place(20, Limit("d", kBuy, "63943.8", "1.0"));
  EXPECT_EQ(h.Kinds("d"), (Kinds{"ORDER_SUBMITTED", "ORDER_ACCEPTED", "ORDER_SUBMITTED", "ORDER_REJECTED"}));
  EXPECT_EQ(h.Of<OrderRejected>("d")[0].reason, RejectReason::kDuplicateClientOrderId);
  // The first one is untouched.
  EXPECT_EQ(h.ex->open_orders(), 1u);
  EXPECT_EQ(h.Ahead("d"), Q("5.0"));
  // Once closed, the id may be used again.
  h.Cancel(30, "d");
  h.Place(40, Limit("d", kBuy, "63943.8", "1.0"));
  EXPECT_EQ(h.Kinds("d").back(), "ORDER_ACCEPTED");
  EXPECT_EQ(h.Ahead("d"), Q("3.0"));
  // No client order id: an error at once, nothing sent.
  OrderRequest none = Limit("x", kBuy, "63943.9", "1.0");
  none.client_order_id = ClientOrderId();
  EXPECT_FALSE(h.ex->Submit(ApprovalForTesting::Approve(none)).ok());
  EXPECT_EQ(h.ex->NextArrival(), std::nullopt);
}

TEST(SimRejects, BookInvalidAfterAGapUntilTheNextSnapshot) {
  Harness h;
  // No book event at all yet.
  h.Place(5, Limit("x0", kBuy, "63943.9", "1.0"));
  EXPECT_EQ(h.Of<OrderRejected>("x0").at(0).reason, RejectReason::kBookInvalid);
  h.StdBook(10);
  h.SkipUpdateId();
  h.Depth(20, {{"63943.9", "6.0"}}, {});  // u does not follow: the book is invalid
  ASSERT_FALSE(h.ex->books().Find(kBtc)->IsValid());
  h.Place(30, Limit("x", kBuy, "63943.9", "1.0"));
  EXPECT_EQ(h.Kinds("x"), (Kinds{"ORDER_SUBMITTED", "ORDER_REJECTED"}));
  EXPECT_EQ(h.Of<OrderRejected>("x")[0].reason, RejectReason::kBookInvalid);
  h.StdBook(40);
  h.Place(50, Limit("y", kBuy, "63943.9", "1.0"));
  EXPECT_EQ(h.Kinds("y"), (Kinds{"ORDER_SUBMITTED", "ORDER_ACCEPTED"}));
}

// ===========================================================================
// Fees

TEST(SimFees, ModelsAndRounding) {
  const Instrument btc = BtcUsdt();
  const InstrumentFees inst;
  // The instrument's rates: 63943.9 x 2.0 x 0.0002 = 25.57756; x 0.00055 = 70.33829 (taker).
  EXPECT_EQ(inst.Fee(btc, LiquiditySide::kMaker, P("63943.9"), Q("2.0")), N("25.57756"));
  EXPECT_EQ(inst.Fee(btc, LiquiditySide::kTaker, P("63943.9"), Q("2.0")), N("70.33829"));
  // FixedFees defaults to Bybit VIP 0: the same as this instrument's rates.
  const FixedFees vip0;
  EXPECT_EQ(vip0.Fee(btc, LiquiditySide::kMaker, P("63943.9"), Q("2.0")), N("25.57756"));
  EXPECT_EQ(vip0.Fee(btc, LiquiditySide::kTaker, P("63943.9"), Q("2.0")), N("70.33829"));
  EXPECT_EQ(kBybitLinearMakerFee, R("0.0002"));
  EXPECT_EQ(kBybitLinearTakerFee, R("0.00055"));
  // 63943.9 x 0.000123456 = 7.8942581184: rounded to 7.894258118.
  const FixedFees odd(R("0.000123456"), R("0.0007"));
  EXPECT_EQ(odd.Fee(btc, LiquiditySide::kMaker, P("63943.9"), Q("1.0")), N("7.894258118"));
  // Half a nano-USDT rounds away from zero, for fees and rebates alike:
  // 0.5 x 1 x 1e-9 = 0.5e-9 -> 1e-9; with -1e-9 -> -1e-9.
  const FixedFees tiny(R("-0.000000001"), R("0.000000001"));
  EXPECT_EQ(tiny.Fee(btc, LiquiditySide::kTaker, P("0.5"), Q("1")), N("0.000000001"));
  EXPECT_EQ(tiny.Fee(btc, LiquiditySide::kMaker, P("0.5"), Q("1")), N("-0.000000001"));
}

TEST(SimFees, RebateIsANegativeFee) {
  // Maker rebate 0.01%, taker 0.07%:
  //   maker 63943.9 x 1.0 x -0.0001 = -6.39439
  //   taker 63944.0 x 1.0 x  0.0007 = 44.7608
  const FixedFees fees(R("-0.0001"), R("0.0007"));
  Options o;
  o.fees = &fees;
  Harness h(o);
  h.StdBook();
  h.Place(10, Limit("m", kBuy, "63943.9", "1.0"));
  h.Place(10, Limit("t", kBuy, "63944.0", "1.0", kIoc));
  h.Print(20, AggressorSide::kSeller, "63943.8", "0.1");
  ASSERT_EQ(h.Fills("m").size(), 1u);
  ASSERT_EQ(h.Fills("t").size(), 1u);
  EXPECT_EQ(h.Fills("m")[0].fee, N("-6.39439"));
  EXPECT_EQ(h.Fills("t")[0].fee, N("44.7608"));
  EXPECT_EQ(h.ex->stats().fees, N("38.36641"));  // 44.7608 - 6.39439
}

// ===========================================================================
// Determinism

// A scripted session with random latencies: passive bids, IOC takers,
// cancels, amends, trades and depth updates.
std::vector<std::string> RunScript(std::uint64_t seed) {
  NormalLatency order_latency(Duration::Micros(800), Duration::Micros(300), Duration::Micros(100), seed);
  LogNormalLatency response_latency(Duration::Millis(1), 0.6, Duration::Micros(50), seed + 1);
  Harness h(Models(order_latency, response_latency));
  h.StdBook(0);
  for (int i = 1; i <= 200; ++i) {
    const std::int64_t us = 250 * i;
    h.AdvanceClock(us);
    h.ex->AdvanceTo(T(us));
    std::string id = "s";
    id.append(std::to_string(i));
    // Each passive bid s(6k) is amended at 6k + 4 and canceled at 6k + 9.
    std::string amend_id = "s";
    amend_id.append(std::to_string(i - 4));
    std::string cancel_id = "s";
    cancel_id.append(std::to_string(i - 9));
    switch (i % 6) {
      case 0: (void)h.ex->Submit(ApprovalForTesting::Approve(Limit(id, kBuy, "63943.9", "0.5"))); break;
      case 1: (void)h.ex->Submit(ApprovalForTesting::Approve(Limit(id, kSell, "63943.8", "0.2", kIoc))); break;
      case 2: (void)h.ex->Submit(ApprovalForTesting::Approve(Limit(id, kSell, "63944.5", "0.3", kPostOnly))); break;
      case 3: (void)h.ex->Cancel(kBtc, Id(cancel_id)); break;
      case 4: {
        AmendRequest a;
        a.instrument = kBtc;
        a.client_order_id = Id(amend_id);
        a.qty = Q("0.2");
        (void)h.ex->Amend(ApprovalForTesting::Approve(a));
        break;
      }
      default:
        (void)h.ex->Submit(ApprovalForTesting::Approve(MarketOrder(id, i % 4 == 1 ? kBuy : kSell, "0.1")));
        break;
    }
    if (i % 4 == 0) h.Print(us, AggressorSide::kSeller, "63943.9", "1.5");
    if (i % 4 == 2) h.Print(us, AggressorSide::kBuyer, "63944.5", "0.8");
    if (i % 10 == 5) h.Depth(us, {{"63943.9", i % 20 == 5 ? "4.0" : "7.0"}}, {{"63944.5", "3.0"}});
    h.ex->DeliverUpTo(T(us));
  }
  h.Settle(1'000'000);
  std::vector<std::string> out;
  for (const Event& e : h.log.events) out.push_back(Serialize(e));
  return out;
}

TEST(SimDeterminism, SameInputsSameAnswersByteForByte) {
  const auto a = RunScript(7);
  const auto b = RunScript(7);
  ASSERT_GT(a.size(), 300u);
  EXPECT_EQ(a, b);
  // The script exercises the interesting paths.
  int fills = 0, maker = 0;
  for (const std::string& s : a) {
    if (s.rfind("ORDER_FILLED", 0) == 0 || s.rfind("ORDER_PARTIALLY_FILLED", 0) == 0) ++fills;
    if (s.find(" liq=1 ") != std::string::npos) ++maker;
  }
  EXPECT_GT(fills, 20);
  EXPECT_GT(maker, 0);
}

TEST(SimDeterminism, AnotherSeedGivesOtherTimestamps) {
  const auto a = RunScript(7);
  const auto c = RunScript(8);
  EXPECT_NE(a, c);
  // Specifically the delivery times differ.
  auto recv = [](const std::vector<std::string>& log) {
    std::vector<std::string> out;
    for (const std::string& s : log) {
      const std::size_t p = s.find(" ts_recv=");
      out.push_back(s.substr(p, s.find(' ', p + 1) - p));
    }
    return out;
  };
  EXPECT_NE(recv(a), recv(c));
}

}  // namespace
}  // namespace hean
