// Tests of RiskGovernor: every DenyReason, signal sizing, open-order
// tracking, amends, trading states, position TTL closes, the kill switch,
// correlation-scaled account exposure and logging.
#include "hean/risk/risk_governor.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "hean/book/test_books.h"
#include "hean/core/timer_queue.h"
#include "hean/model/test_instruments.h"

namespace hean {
namespace {

using test_books::P;
using test_books::Q;

const UnixNanos kT0 = UnixNanos::FromSeconds(1'700'000'000);  // on a whole second

Instrument EthUsdt() {
  Instrument i;
  i.symbol = "ETHUSDT";
  i.venue = Venue::kBybit;
  i.kind = InstrumentKind::kLinearPerpetual;
  i.tick_size = Price::FromRaw(10'000'000);  // 0.01
  i.lot_size = Qty::FromRaw(10'000'000);     // 0.01
  i.min_qty = Qty::FromRaw(50'000'000);      // 0.05: above the lot
  i.min_notional = Notional::FromInt(5);
  i.price_precision = 2;
  i.qty_precision = 2;
  return i;
}

Instrument DogeUsdt() {
  Instrument i;
  i.symbol = "DOGEUSDT";
  i.venue = Venue::kBybit;
  i.kind = InstrumentKind::kLinearPerpetual;
  i.tick_size = Price::FromRaw(10'000);  // 0.00001
  i.lot_size = Qty::FromInt(1);
  i.min_qty = Qty::FromInt(1);
  i.min_notional = Notional::FromInt(5);
  i.price_precision = 5;
  i.qty_precision = 0;
  return i;
}

// Records what the governor sends.
class FakeGateway final : public OrderGateway {
 public:
  Status Execute(const ApprovedOrder& order) override {
    executed.push_back(order.get());
    return fail ? UnavailableError("venue down") : Status::Ok();
  }
  Status CancelAll(InstrumentId instrument) override {
    cancel_all.push_back(instrument);
    return Status::Ok();
  }
  std::vector<OrderRequest> executed;
  std::vector<InstrumentId> cancel_all;
  bool fail = false;
};

// (An empty view may have a null data(): InlineString::Of would memcpy from
// it, which UBSan reports.)
ClientOrderId Cid(std::string_view s) { return s.empty() ? ClientOrderId() : ClientOrderId::Of(s); }
// "b3" (appending, not "b" + std::string: GCC 12 warns about that).
std::string Id(std::string_view prefix, int i) {
  std::string out(prefix);
  out += std::to_string(i);
  return out;
}
StrategyId Sid(std::string_view s) { return s.empty() ? StrategyId() : StrategyId::Of(s); }

class GovernorTest : public ::testing::Test {
 protected:
  GovernorTest() {
    btc_ = *registry_.Add(testing_support::BybitBtcUsdt());
    eth_ = *registry_.Add(EthUsdt());
    doge_ = *registry_.Add(DogeUsdt());
    portfolio_ = std::make_unique<Portfolio>(Notional::FromInt(100'000), registry_);
    bus_.Subscribe<OrderRequest>([this](const OrderRequest& r) { requests_.push_back(r); });
    bus_.Subscribe<OrderDenied>([this](const OrderDenied& d) { denied_.push_back(d); });
    bus_.Subscribe<RiskStateChange>([this](const RiskStateChange& c) { changes_.push_back(c); });
    SetBook(btc_, "50000.0", "50000.1");  // mid 50000.05
    SetBook(eth_, "3000.00", "3000.01");
  }

  static RiskConfig Defaults() { return RiskConfig{}; }

  void Make(const RiskConfig& c = Defaults(), bool with_books = true, TimerQueue* timers = nullptr) {
    RiskGovernor::Services s;
    s.clock = &clock_;
    s.instruments = &registry_;
    s.portfolio = portfolio_.get();
    s.books = with_books ? &books_ : nullptr;
    s.gateway = &gateway_;
    s.bus = &bus_;
    s.timers = timers;
    s.logger = Logger(&sink_, LogLevel::kDebug);
    gov_ = std::make_unique<RiskGovernor>(c, s);
  }
  RiskGovernor& g() { return *gov_; }

  void Advance(Duration d) { ASSERT_TRUE(clock_.AdvanceBy(d).ok()); }

  // A one-level book at the current time; ask nullptr leaves the asks empty.
  std::optional<BookInvalid> SetBook(InstrumentId id, const char* bid, const char* ask, const char* qty = "5") {
    auto lv = std::make_shared<BookLevels>();
    lv->bids.push_back(BookLevel{P(bid), Q(qty)});
    if (ask != nullptr) lv->asks.push_back(BookLevel{P(ask), Q(qty)});
    BookSnapshot s;
    s.ts_event = s.ts_recv = clock_.Now();
    s.instrument = id;
    s.levels = lv;
    return books_.Apply(s);
  }
  // A book one tick either side of `mid`, and the portfolio marked there.
  void SetMid(InstrumentId id, Price mid) {
    const Price tick = registry_.Get(id).tick_size;
    auto lv = std::make_shared<BookLevels>();
    lv->bids.push_back(BookLevel{mid - tick, Q("5")});
    lv->asks.push_back(BookLevel{mid + tick, Q("5")});
    BookSnapshot s;
    s.ts_event = s.ts_recv = clock_.Now();
    s.instrument = id;
    s.levels = lv;
    ASSERT_FALSE(books_.Apply(s).has_value());
    ASSERT_TRUE(portfolio_->Mark(id, mid, clock_.Now()).ok());
  }
  void Mark(InstrumentId id, const char* mid) { ASSERT_TRUE(portfolio_->Mark(id, P(mid), clock_.Now()).ok()); }

  static OrderRequest Limit(InstrumentId inst, Side side, const char* price, const char* qty, std::string_view id,
                            std::string_view strategy = "alpha") {
    OrderRequest r;
    r.instrument = inst;
    r.side = side;
    r.type = OrderType::kLimit;
    r.tif = TimeInForce::kGtc;
    r.price = P(price);
    r.qty = Q(qty);
    r.client_order_id = Cid(id);
    r.strategy = Sid(strategy);
    return r;
  }
  static OrderRequest Market(InstrumentId inst, Side side, const char* qty, std::string_view id,
                             std::string_view strategy = "alpha") {
    OrderRequest r;
    r.instrument = inst;
    r.side = side;
    r.type = OrderType::kMarket;
    r.tif = TimeInForce::kIoc;
    r.price = Price::Undefined();
    r.qty = Q(qty);
    r.client_order_id = Cid(id);
    r.strategy = Sid(strategy);
    return r;
  }
  static OrderRequest ReduceOnly(OrderRequest r) {
    r.reduce_only = true;
    return r;
  }
  Signal Entry(InstrumentId inst, Side side, const char* ref, const char* stop, std::uint64_t id,
               std::string_view strategy = "alpha") const {
    Signal s;
    s.ts_event = s.ts_recv = clock_.Now();
    s.instrument = inst;
    s.side = side;
    s.intent = SignalIntent::kEntry;
    s.strategy = Sid(strategy);
    s.signal_id = id;
    s.reference_price = ref != nullptr ? P(ref) : Price::Undefined();
    s.stop_loss = stop != nullptr ? P(stop) : Price::Undefined();
    return s;
  }
  Signal Exit(InstrumentId inst, Side side, std::uint64_t id, std::string_view strategy = "alpha") const {
    Signal s = Entry(inst, side, nullptr, nullptr, id, strategy);
    s.intent = SignalIntent::kExit;
    return s;
  }

  // Approve, returning the denial reason (nullopt when approved).
  std::optional<DenyReason> Try(const OrderRequest& r) {
    auto a = g().Approve(r);
    if (a.ok()) return std::nullopt;
    return a.error();
  }
  std::optional<DenyReason> TrySignal(const Signal& s) {
    auto a = g().OnSignal(s);
    if (a.ok()) return std::nullopt;
    return a.error();
  }

  // The OrderDenied events published since the last call.
  std::vector<OrderDenied> TakeDenied() {
    bus_.DrainAll();
    std::vector<OrderDenied> out;
    out.swap(denied_);
    return out;
  }
  std::vector<RiskStateChange> TakeChanges() {
    bus_.DrainAll();
    std::vector<RiskStateChange> out;
    out.swap(changes_);
    return out;
  }

  // A fill booked by the portfolio, then seen by the governor.
  FillReport MakeFill(InstrumentId inst, Side side, const char* price, const char* qty, std::string_view strategy,
                      std::string_view id = {}, const char* cum = nullptr, const char* leaves = "0") const {
    FillReport f;
    f.ts_event = f.ts_recv = clock_.Now();
    f.instrument = inst;
    f.side = side;
    f.last_price = P(price);
    f.last_qty = Q(qty);
    f.cum_qty = cum != nullptr ? Q(cum) : Qty::Zero();
    f.leaves_qty = Q(leaves);
    f.client_order_id = Cid(id);
    f.strategy = Sid(strategy);
    return f;
  }
  // A position the governor did not approve (from before, or booked
  // directly): the portfolio only.
  void Hold(InstrumentId inst, Side side, const char* price, const char* qty, std::string_view strategy) {
    ASSERT_TRUE(portfolio_->OnFill(MakeFill(inst, side, price, qty, strategy)).ok());
  }
  void Filled(InstrumentId inst, Side side, const char* price, const char* qty, std::string_view strategy,
              std::string_view id, const char* cum) {
    OrderFilled f{MakeFill(inst, side, price, qty, strategy, id, cum, "0")};
    ASSERT_TRUE(portfolio_->OnFill(f).ok());
    g().OnOrderEvent(Event(f));
  }
  void PartiallyFilled(InstrumentId inst, Side side, const char* price, const char* qty, std::string_view strategy,
                       std::string_view id, const char* cum, const char* leaves) {
    OrderPartiallyFilled f{MakeFill(inst, side, price, qty, strategy, id, cum, leaves)};
    ASSERT_TRUE(portfolio_->OnFill(f).ok());
    g().OnOrderEvent(Event(f));
  }
  void Canceled(InstrumentId inst, std::string_view id) {
    OrderCanceled c;
    c.ts_event = c.ts_recv = clock_.Now();
    c.instrument = inst;
    c.client_order_id = Cid(id);
    g().OnOrderEvent(Event(c));
  }

  // Strategy `alpha` with capital 10,000 buys 0.1 BTC at 50,000 through the
  // governor, then BTC is marked at `mid` (book and portfolio): alpha's PnL
  // is 0.1 x (mid - 50,000).
  void AlphaLosesAt(const char* bid, const char* ask, const char* mid) {
    ASSERT_EQ(Try(Limit(btc_, Side::kBuy, "50000.0", "0.1", "alpha-entry")), std::nullopt);
    Filled(btc_, Side::kBuy, "50000.0", "0.1", "alpha", "alpha-entry", "0.1");
    ASSERT_FALSE(SetBook(btc_, bid, ask).has_value());
    Mark(btc_, mid);
    g().Evaluate();
  }

  std::size_t LogCount(LogLevel level, std::string_view needle) const { return sink_.Count(level, needle); }

  SimClock clock_{kT0};
  InstrumentRegistry registry_;
  InstrumentId btc_, eth_, doge_;
  BookSet books_{[this](InstrumentId id) { return BookSet::Spec{Venue::kBybit, registry_.Get(id).tick_size}; }};
  std::unique_ptr<Portfolio> portfolio_;
  EventBus bus_;
  FakeGateway gateway_;
  MemoryLogSink sink_;
  TimerQueue timers_{clock_};
  std::unique_ptr<RiskGovernor> gov_;
  std::vector<OrderRequest> requests_;
  std::vector<OrderDenied> denied_;
  std::vector<RiskStateChange> changes_;
};

// Approves and expects the denial published for `id`.
#define EXPECT_DENIED(request, want)                        \
  do {                                                      \
    const OrderRequest req_ = (request);                    \
    EXPECT_EQ(Try(req_), std::optional<DenyReason>(want));  \
    const auto d_ = TakeDenied();                           \
    ASSERT_EQ(d_.size(), 1u);                               \
    EXPECT_EQ(d_[0].reason, want);                          \
    EXPECT_EQ(d_[0].client_order_id, req_.client_order_id); \
    EXPECT_EQ(d_[0].strategy, req_.strategy);               \
    EXPECT_EQ(d_[0].instrument, req_.instrument);           \
    EXPECT_EQ(d_[0].ts_event, clock_.Now());                \
  } while (false)

#define EXPECT_SIGNAL_DENIED(signal, want)                       \
  do {                                                           \
    const Signal sig_ = (signal);                                \
    EXPECT_EQ(TrySignal(sig_), std::optional<DenyReason>(want)); \
    const auto d_ = TakeDenied();                                \
    ASSERT_EQ(d_.size(), 1u);                                    \
    EXPECT_EQ(d_[0].reason, want);                               \
    EXPECT_EQ(d_[0].signal_id, sig_.signal_id);                  \
    EXPECT_EQ(d_[0].strategy, sig_.strategy);                    \
  } while (false)

#define EXPECT_APPROVED(request) EXPECT_EQ(Try(request), std::nullopt)

// ---------------------------------------------------------------- approval

TEST_F(GovernorTest, AnApprovedRequestIsTrackedButNotSent) {
  Make();
  auto a = g().Approve(Limit(btc_, Side::kBuy, "50000.0", "0.1", "a1"));
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->get().client_order_id, Cid("a1"));
  EXPECT_EQ(a->get().qty, Q("0.1"));
  EXPECT_EQ(g().open_orders(), 1u);
  EXPECT_EQ(g().open_orders(btc_), 1u);
  EXPECT_EQ(g().open_orders(eth_), 0u);
  EXPECT_DOUBLE_EQ(g().SideExposure(btc_, Side::kBuy), 0.1 * 50'000.05);
  EXPECT_DOUBLE_EQ(g().SideExposure(btc_, Side::kSell), 0.0);
  // Approve does not send: the caller does.
  EXPECT_TRUE(gateway_.executed.empty());
  bus_.DrainAll();
  EXPECT_TRUE(requests_.empty());
  EXPECT_EQ(g().counters().requests, 1u);
  EXPECT_EQ(g().counters().approved, 1u);
  EXPECT_EQ(g().counters().denied, 0u);
  // The strategy now has a state, NORMAL.
  ASSERT_NE(g().strategy_state(Sid("alpha")), nullptr);
  EXPECT_EQ(g().state(Sid("alpha")), RiskState::kNormal);
}

// ---------------------------------------------------------------- one test per DenyReason

TEST_F(GovernorTest, DeniesUnknownInstrument) {
  Make();
  EXPECT_DENIED(Limit(InstrumentId{3}, Side::kBuy, "1.0", "1", "u1"), DenyReason::kUnknownInstrument);
  EXPECT_DENIED(Limit(InstrumentId{}, Side::kBuy, "1.0", "1", "u2"), DenyReason::kUnknownInstrument);
  Signal s = Entry(InstrumentId{9}, Side::kBuy, "100", "90", 77);
  EXPECT_SIGNAL_DENIED(s, DenyReason::kUnknownInstrument);
  EXPECT_EQ(g().counters().of(DenyReason::kUnknownInstrument), 3u);
  EXPECT_EQ(g().counters().signals, 1u);
}

TEST_F(GovernorTest, DeniesPriceOffTick) {
  Make();
  EXPECT_DENIED(Limit(btc_, Side::kBuy, "50000.05", "0.01", "p1"), DenyReason::kPriceOffTick);
  EXPECT_DENIED(Limit(eth_, Side::kSell, "3000.005", "0.1", "p2"), DenyReason::kPriceOffTick);
  EXPECT_APPROVED(Limit(eth_, Side::kSell, "3000.01", "0.1", "p3"));
  EXPECT_EQ(g().counters().of(DenyReason::kPriceOffTick), 2u);
}

TEST_F(GovernorTest, DeniesQtyOffLot) {
  Make();
  EXPECT_DENIED(Limit(btc_, Side::kBuy, "50000.0", "0.0015", "q1"), DenyReason::kQtyOffLot);
  EXPECT_DENIED(Market(eth_, Side::kBuy, "0.105", "q2"), DenyReason::kQtyOffLot);
  EXPECT_EQ(g().counters().of(DenyReason::kQtyOffLot), 2u);
}

TEST_F(GovernorTest, DeniesBelowMinQty) {
  Make();
  EXPECT_DENIED(Limit(eth_, Side::kBuy, "3000.00", "0.04", "m1"), DenyReason::kBelowMinQty);
  EXPECT_DENIED(Market(eth_, Side::kSell, "0.01", "m2"), DenyReason::kBelowMinQty);
  EXPECT_APPROVED(Limit(eth_, Side::kBuy, "3000.00", "0.05", "m3"));
  EXPECT_EQ(g().counters().of(DenyReason::kBelowMinQty), 2u);
}

TEST_F(GovernorTest, DeniesBelowMinNotional) {
  Make();
  ASSERT_FALSE(SetBook(doge_, "0.10000", "0.10001").has_value());                                 // mid 0.100005
  EXPECT_DENIED(Limit(doge_, Side::kBuy, "0.10000", "49", "n1"), DenyReason::kBelowMinNotional);  // 4.9
  EXPECT_APPROVED(Limit(doge_, Side::kBuy, "0.10000", "50", "n2"));                               // 5.0
  // A market order is valued at the mid.
  EXPECT_DENIED(Market(doge_, Side::kBuy, "49", "n3"), DenyReason::kBelowMinNotional);  // 4.900245
  EXPECT_APPROVED(Market(doge_, Side::kBuy, "50", "n4"));                               // 5.00025
  EXPECT_EQ(g().counters().of(DenyReason::kBelowMinNotional), 2u);
}

TEST_F(GovernorTest, DeniesMaxOrderNotional) {
  Make();                                                                                           // 10,000
  EXPECT_DENIED(Limit(btc_, Side::kBuy, "50000.0", "0.201", "o1"), DenyReason::kMaxOrderNotional);  // 10,050
  EXPECT_APPROVED(Limit(btc_, Side::kBuy, "50000.0", "0.2", "o2"));                                 // 10,000
  // A market order counts at the edge of the band: mid x 1.005 = 50,250.05.
  EXPECT_DENIED(Market(btc_, Side::kSell, "0.2", "o3"), DenyReason::kMaxOrderNotional);  // 10,050.01
  EXPECT_APPROVED(Market(btc_, Side::kSell, "0.199", "o4"));                             // 9,999.76
  EXPECT_EQ(g().counters().of(DenyReason::kMaxOrderNotional), 2u);
}

TEST_F(GovernorTest, DeniesMaxPositionNotionalCountingThePositionAndOpenOrders) {
  Make();  // 25,000 per instrument and side
  Hold(btc_, Side::kBuy, "50000.0", "0.4", "alpha");
  EXPECT_DENIED(Limit(btc_, Side::kBuy, "50000.0", "0.101", "x1"), DenyReason::kMaxPositionNotional);  // 25,050
  EXPECT_APPROVED(Limit(btc_, Side::kBuy, "50000.0", "0.1", "x2"));                                    // 25,000
  // The open order counts.
  EXPECT_DENIED(Limit(btc_, Side::kBuy, "50000.0", "0.001", "x3"), DenyReason::kMaxPositionNotional);
  // The other side is its own: a long does not count against selling.
  EXPECT_APPROVED(Limit(btc_, Side::kSell, "50000.0", "0.2", "x4"));
  // Once the order is gone, there is room again.
  Canceled(btc_, "x2");
  EXPECT_APPROVED(Limit(btc_, Side::kBuy, "50000.0", "0.1", "x5"));
  EXPECT_EQ(g().counters().of(DenyReason::kMaxPositionNotional), 2u);
}

TEST_F(GovernorTest, DeniesMaxAccountNotional) {
  RiskConfig c;
  c.max_position_notional = 0.0;  // off
  Make(c);                        // 50,000 on the account
  Hold(btc_, Side::kBuy, "50000.0", "0.8", "alpha");
  EXPECT_DOUBLE_EQ(g().EffectiveAccountExposure(), 0.8 * 50'000.05);
  // 40,000.04 + 10,000
  EXPECT_DENIED(Limit(btc_, Side::kBuy, "50000.0", "0.2", "c1"), DenyReason::kMaxAccountNotional);
  EXPECT_APPROVED(Limit(btc_, Side::kBuy, "50000.0", "0.199", "c2"));
  EXPECT_EQ(g().counters().of(DenyReason::kMaxAccountNotional), 1u);
}

TEST_F(GovernorTest, DeniesMaxOpenOrdersPerInstrument) {
  RiskConfig c;
  c.orders_per_second = 0;
  c.orders_per_minute = 0;
  Make(c);  // 6 per instrument, 20 in all
  for (int i = 0; i < 6; ++i) {
    EXPECT_APPROVED(Limit(btc_, Side::kBuy, "49900.0", "0.01", Id("b", i)));
  }
  EXPECT_EQ(g().open_orders(btc_), 6u);
  EXPECT_DENIED(Limit(btc_, Side::kBuy, "49900.0", "0.01", "b6"), DenyReason::kMaxOpenOrders);
  EXPECT_APPROVED(Limit(eth_, Side::kBuy, "2990.00", "0.1", "e0"));
  Canceled(btc_, "b0");
  EXPECT_EQ(g().open_orders(btc_), 5u);
  EXPECT_APPROVED(Limit(btc_, Side::kBuy, "49900.0", "0.01", "b6"));
  EXPECT_EQ(g().counters().of(DenyReason::kMaxOpenOrders), 1u);
}

TEST_F(GovernorTest, DeniesMaxOpenOrdersOnTheAccount) {
  RiskConfig c;
  c.max_open_orders = 3;
  Make(c);
  EXPECT_APPROVED(Limit(btc_, Side::kBuy, "49900.0", "0.01", "a"));
  EXPECT_APPROVED(Limit(btc_, Side::kBuy, "49900.0", "0.01", "b"));
  EXPECT_APPROVED(Limit(eth_, Side::kBuy, "2990.00", "0.1", "c"));
  EXPECT_EQ(g().open_orders(), 3u);
  EXPECT_DENIED(Limit(eth_, Side::kBuy, "2990.00", "0.1", "d"), DenyReason::kMaxOpenOrders);
  EXPECT_EQ(g().counters().of(DenyReason::kMaxOpenOrders), 1u);
}

TEST_F(GovernorTest, DeniesALimitPriceOutsideTheBand) {
  Make();  // 50 bps of the mid 50,000.05: 250.00025
  EXPECT_DENIED(Limit(btc_, Side::kBuy, "50250.1", "0.01", "b1"), DenyReason::kPriceBand);
  EXPECT_APPROVED(Limit(btc_, Side::kBuy, "50250.0", "0.01", "b2"));
  EXPECT_DENIED(Limit(btc_, Side::kSell, "49750.0", "0.01", "b3"), DenyReason::kPriceBand);
  EXPECT_APPROVED(Limit(btc_, Side::kSell, "49750.1", "0.01", "b4"));
  EXPECT_EQ(g().counters().of(DenyReason::kPriceBand), 2u);
}

TEST_F(GovernorTest, DeniesAMarketOrderWhenTheSpreadIsTooWide) {
  Make();                                                         // 10 bps
  ASSERT_FALSE(SetBook(btc_, "50000.0", "50060.0").has_value());  // 60 > 50.03
  EXPECT_DENIED(Market(btc_, Side::kBuy, "0.01", "s1"), DenyReason::kSpreadTooWide);
  // A limit order is not concerned.
  EXPECT_APPROVED(Limit(btc_, Side::kBuy, "50030.0", "0.01", "s2"));
  ASSERT_FALSE(SetBook(btc_, "50000.0", "50050.0").has_value());  // 50 <= 50.025
  EXPECT_APPROVED(Market(btc_, Side::kBuy, "0.01", "s3"));
  EXPECT_EQ(g().counters().of(DenyReason::kSpreadTooWide), 1u);
}

TEST_F(GovernorTest, DeniesBeyondTheRatePerSecondAndRefills) {
  Make();  // 5 a second
  // A denial for another reason takes no token.
  EXPECT_DENIED(Limit(btc_, Side::kBuy, "50000.05", "0.01", "bad"), DenyReason::kPriceOffTick);
  for (int i = 0; i < 5; ++i) {
    EXPECT_APPROVED(Limit(i % 2 == 0 ? btc_ : eth_, Side::kBuy, i % 2 == 0 ? "49900.0" : "2990.00", "0.1", Id("r", i)));
  }
  EXPECT_DENIED(Limit(eth_, Side::kBuy, "2990.00", "0.1", "r5"), DenyReason::kRateLimitPerSecond);
  Advance(Duration::Millis(199));
  EXPECT_DENIED(Limit(eth_, Side::kBuy, "2990.00", "0.1", "r5"), DenyReason::kRateLimitPerSecond);
  Advance(Duration::Millis(1));
  EXPECT_APPROVED(Limit(eth_, Side::kBuy, "2990.00", "0.1", "r5"));
  EXPECT_DENIED(Limit(eth_, Side::kBuy, "2990.00", "0.1", "r6"), DenyReason::kRateLimitPerSecond);
  EXPECT_EQ(g().counters().of(DenyReason::kRateLimitPerSecond), 3u);
}

TEST_F(GovernorTest, DeniesBeyondTheRatePerMinuteAndRefills) {
  RiskConfig c;
  c.orders_per_second = 0;
  c.orders_per_minute = 3;  // a token every 20 s
  c.max_data_age = Duration();
  Make(c);
  for (int i = 0; i < 3; ++i) {
    EXPECT_APPROVED(Limit(btc_, Side::kBuy, "49900.0", "0.01", Id("m", i)));
  }
  EXPECT_DENIED(Limit(btc_, Side::kBuy, "49900.0", "0.01", "m3"), DenyReason::kRateLimitPerMinute);
  Advance(Duration::Seconds(20) - Duration::Nanos(1));
  EXPECT_DENIED(Limit(btc_, Side::kBuy, "49900.0", "0.01", "m3"), DenyReason::kRateLimitPerMinute);
  Advance(Duration::Nanos(1));
  EXPECT_APPROVED(Limit(btc_, Side::kBuy, "49900.0", "0.01", "m3"));
  EXPECT_EQ(g().counters().of(DenyReason::kRateLimitPerMinute), 2u);
}

TEST_F(GovernorTest, DeniesReduceOnlyThatWouldIncrease) {
  Make();
  // Flat: nothing to reduce.
  EXPECT_DENIED(ReduceOnly(Limit(btc_, Side::kSell, "50000.0", "0.01", "r1")), DenyReason::kReduceOnlyWouldIncrease);
  Hold(btc_, Side::kBuy, "50000.0", "0.1", "alpha");
  // Same side as the position.
  EXPECT_DENIED(ReduceOnly(Limit(btc_, Side::kBuy, "50000.0", "0.01", "r2")), DenyReason::kReduceOnlyWouldIncrease);
  // More than the position.
  EXPECT_DENIED(ReduceOnly(Limit(btc_, Side::kSell, "50000.0", "0.101", "r3")), DenyReason::kReduceOnlyWouldIncrease);
  EXPECT_APPROVED(ReduceOnly(Limit(btc_, Side::kSell, "50000.0", "0.06", "r4")));
  // With the working 0.06, only 0.04 is left to reduce.
  EXPECT_DENIED(ReduceOnly(Market(btc_, Side::kSell, "0.05", "r5")), DenyReason::kReduceOnlyWouldIncrease);
  EXPECT_APPROVED(ReduceOnly(Market(btc_, Side::kSell, "0.04", "r6")));
  // Reduce-only orders add no exposure.
  EXPECT_DOUBLE_EQ(g().SideExposure(btc_, Side::kSell), 0.0);
  Canceled(btc_, "r4");
  EXPECT_APPROVED(ReduceOnly(Limit(btc_, Side::kSell, "50000.0", "0.06", "r7")));
  EXPECT_EQ(g().counters().of(DenyReason::kReduceOnlyWouldIncrease), 4u);
}

TEST_F(GovernorTest, DeniesLargeOrdersInSoftBrake) {
  RiskConfig c;
  c.strategy_capital = 10'000.0;
  Make(c);
  // alpha: -350 of 10,000 = 3.5%.
  AlphaLosesAt("46499.9", "46500.1", "46500");
  ASSERT_EQ(g().state(Sid("alpha")), RiskState::kSoftBrake);
  EXPECT_EQ(g().state(), RiskState::kNormal);
  // Above 0.5 x 10,000 of notional: denied.
  EXPECT_DENIED(Limit(btc_, Side::kBuy, "46500.0", "0.11", "sb1"), DenyReason::kTradingStateSoftBrake);  // 5,115
  EXPECT_APPROVED(Limit(btc_, Side::kBuy, "46500.0", "0.1", "sb2"));                                     // 4,650
  // Reduce-only passes whatever its size.
  EXPECT_APPROVED(ReduceOnly(Limit(btc_, Side::kSell, "46500.0", "0.1", "sb3")));
  // Another strategy is not braked.
  EXPECT_APPROVED(Limit(btc_, Side::kBuy, "46500.0", "0.11", "other", "beta"));
  EXPECT_EQ(g().counters().of(DenyReason::kTradingStateSoftBrake), 1u);
}

TEST_F(GovernorTest, DeniesNewExposureInQuarantineButNotReductions) {
  RiskConfig c;
  c.strategy_capital = 10'000.0;
  Make(c);
  AlphaLosesAt("42999.9", "43000.1", "43000");  // -700: 7%
  ASSERT_EQ(g().state(Sid("alpha")), RiskState::kQuarantine);
  EXPECT_DENIED(Limit(btc_, Side::kBuy, "43000.0", "0.01", "q1"), DenyReason::kTradingStateQuarantine);
  EXPECT_DENIED(Limit(eth_, Side::kSell, "3000.00", "0.1", "q2"), DenyReason::kTradingStateQuarantine);
  EXPECT_SIGNAL_DENIED(Entry(btc_, Side::kBuy, "43000", "42000", 5), DenyReason::kTradingStateQuarantine);
  EXPECT_APPROVED(ReduceOnly(Limit(btc_, Side::kSell, "43000.0", "0.05", "q3")));
  // beta trades.
  EXPECT_APPROVED(Limit(btc_, Side::kBuy, "43000.0", "0.01", "q4", "beta"));
  EXPECT_EQ(g().counters().of(DenyReason::kTradingStateQuarantine), 3u);
}

TEST_F(GovernorTest, AccountQuarantineDeniesEveryStrategy) {
  Make();
  Hold(btc_, Side::kBuy, "50000.0", "3", "alpha");
  ASSERT_FALSE(SetBook(btc_, "44999.9", "45000.1").has_value());
  Mark(btc_, "45000");  // -15,000: 15% within the hour
  g().Evaluate();
  ASSERT_EQ(g().state(), RiskState::kQuarantine);
  EXPECT_EQ(g().account_state().window_loss(), 0.15);
  EXPECT_DENIED(Limit(eth_, Side::kBuy, "3000.00", "0.1", "aq1", "beta"), DenyReason::kTradingStateQuarantine);
  EXPECT_APPROVED(ReduceOnly(Limit(btc_, Side::kSell, "45000.0", "1", "aq2", "beta")));
}

TEST_F(GovernorTest, DeniesEverythingInHardStop) {
  Make();
  g().KillSwitch("test");
  // A position the kill switch has not seen yet (no flatten working).
  Hold(btc_, Side::kBuy, "50000.0", "0.1", "alpha");
  ASSERT_EQ(g().state(), RiskState::kHardStop);
  EXPECT_EQ(g().state(Sid("beta")), RiskState::kHardStop);
  EXPECT_DENIED(Limit(btc_, Side::kBuy, "50000.0", "0.01", "h1"), DenyReason::kTradingStateHardStop);
  EXPECT_DENIED(ReduceOnly(Limit(btc_, Side::kSell, "50000.0", "0.01", "h2")), DenyReason::kTradingStateHardStop);
  EXPECT_SIGNAL_DENIED(Entry(eth_, Side::kSell, "3000", "3100", 8), DenyReason::kTradingStateHardStop);
  EXPECT_SIGNAL_DENIED(Exit(btc_, Side::kSell, 9), DenyReason::kTradingStateHardStop);
  EXPECT_EQ(g().counters().of(DenyReason::kTradingStateHardStop), 4u);
}

TEST_F(GovernorTest, DeniesNewExposureAfterAFlashCrashUntilTheHaltExpires) {
  Make();  // halt 5 min
  Hold(btc_, Side::kBuy, "50000.0", "0.1", "alpha");
  FlashCrash fc;
  fc.ts_event = fc.ts_recv = clock_.Now();
  fc.instrument = btc_;
  fc.move = 0.06;
  fc.recovery = 0.03;
  g().OnFlashCrash(fc);
  EXPECT_EQ(LogCount(LogLevel::kWarn, "flash crash on BTCUSDT: move 6.00%, recovery 3.00%"), 1u);
  EXPECT_DENIED(Limit(btc_, Side::kBuy, "50000.0", "0.01", "f1"), DenyReason::kFlashCrashHalt);
  EXPECT_DENIED(Limit(btc_, Side::kSell, "50000.0", "0.01", "f2"), DenyReason::kFlashCrashHalt);
  EXPECT_SIGNAL_DENIED(Entry(btc_, Side::kBuy, "50000", "49000", 3), DenyReason::kFlashCrashHalt);
  // Reducing passes; other instruments trade.
  EXPECT_APPROVED(ReduceOnly(Limit(btc_, Side::kSell, "50000.0", "0.01", "f3")));
  EXPECT_APPROVED(Limit(eth_, Side::kBuy, "3000.00", "0.1", "f4"));
  Advance(Duration::Minutes(5) - Duration::Nanos(1));
  ASSERT_FALSE(SetBook(btc_, "50000.0", "50000.1").has_value());
  EXPECT_DENIED(Limit(btc_, Side::kBuy, "50000.0", "0.01", "f5"), DenyReason::kFlashCrashHalt);
  Advance(Duration::Nanos(1));
  EXPECT_APPROVED(Limit(btc_, Side::kBuy, "50000.0", "0.01", "f5"));
  EXPECT_EQ(g().counters().of(DenyReason::kFlashCrashHalt), 4u);
}

TEST_F(GovernorTest, AFlashCrashHaltOfZeroIsOff) {
  RiskConfig c;
  c.flash_crash_halt = Duration();
  Make(c);
  FlashCrash fc;
  fc.instrument = btc_;
  g().OnFlashCrash(fc);
  EXPECT_APPROVED(Limit(btc_, Side::kBuy, "50000.0", "0.01", "z1"));
}

TEST_F(GovernorTest, DeniesOnAnInvalidBook) {
  Make();
  // Crossed: the book set invalidates it.
  ASSERT_TRUE(SetBook(btc_, "50001.0", "50000.0").has_value());
  EXPECT_DENIED(Limit(btc_, Side::kBuy, "50000.0", "0.01", "i1"), DenyReason::kBookInvalid);
  EXPECT_SIGNAL_DENIED(Entry(btc_, Side::kBuy, "50000", "49000", 4), DenyReason::kBookInvalid);
  // One side empty.
  ASSERT_FALSE(SetBook(btc_, "50000.0", nullptr).has_value());
  EXPECT_DENIED(Market(btc_, Side::kSell, "0.01", "i2"), DenyReason::kBookInvalid);
  ASSERT_FALSE(SetBook(btc_, "50000.0", "50000.1").has_value());
  EXPECT_APPROVED(Limit(btc_, Side::kBuy, "50000.0", "0.01", "i3"));
  EXPECT_EQ(g().counters().of(DenyReason::kBookInvalid), 3u);
}

TEST_F(GovernorTest, DeniesOnStaleMarketData) {
  Make();  // 5 s
  Advance(Duration::Seconds(5));
  EXPECT_APPROVED(Limit(btc_, Side::kBuy, "50000.0", "0.01", "d1"));  // exactly 5 s old
  Advance(Duration::Nanos(1));
  EXPECT_DENIED(Limit(btc_, Side::kBuy, "50000.0", "0.01", "d2"), DenyReason::kStaleMarketData);
  EXPECT_SIGNAL_DENIED(Entry(eth_, Side::kBuy, "3000", "2900", 6), DenyReason::kStaleMarketData);
  // No book at all for the instrument.
  EXPECT_DENIED(Limit(doge_, Side::kBuy, "0.10000", "100", "d3"), DenyReason::kStaleMarketData);
  ASSERT_FALSE(SetBook(btc_, "50000.0", "50000.1").has_value());
  EXPECT_APPROVED(Limit(btc_, Side::kBuy, "50000.0", "0.01", "d2"));
  EXPECT_EQ(g().counters().of(DenyReason::kStaleMarketData), 3u);
}

TEST_F(GovernorTest, WithoutBooksEverythingIsStale) {
  Make(Defaults(), /*with_books=*/false);
  EXPECT_DENIED(Limit(btc_, Side::kBuy, "50000.0", "0.01", "nb"), DenyReason::kStaleMarketData);
}

TEST_F(GovernorTest, AMaxDataAgeOfZeroIsOff) {
  RiskConfig c;
  c.max_data_age = Duration();
  Make(c);
  Advance(Duration::Hours(3));
  EXPECT_APPROVED(Limit(btc_, Side::kBuy, "50000.0", "0.01", "old"));
}

TEST_F(GovernorTest, DeniesInvalidOrders) {
  Make();
  OrderRequest zero = Limit(btc_, Side::kBuy, "50000.0", "0.01", "v1");
  zero.qty = Qty::Zero();
  EXPECT_DENIED(zero, DenyReason::kInvalidOrder);
  OrderRequest negative = Limit(btc_, Side::kBuy, "50000.0", "0.01", "v2");
  negative.qty = -Q("0.01");
  EXPECT_DENIED(negative, DenyReason::kInvalidOrder);
  OrderRequest undefined_qty = Limit(btc_, Side::kBuy, "50000.0", "0.01", "v3");
  undefined_qty.qty = Qty::Undefined();
  EXPECT_DENIED(undefined_qty, DenyReason::kInvalidOrder);
  OrderRequest no_price = Limit(btc_, Side::kBuy, "50000.0", "0.01", "v4");
  no_price.price = Price::Undefined();
  EXPECT_DENIED(no_price, DenyReason::kInvalidOrder);
  OrderRequest zero_price = Limit(btc_, Side::kBuy, "0", "0.01", "v5");
  EXPECT_DENIED(zero_price, DenyReason::kInvalidOrder);
  OrderRequest bad_side = Limit(btc_, Side::kBuy, "50000.0", "0.01", "v6");
  bad_side.side = static_cast<Side>(0);
  EXPECT_DENIED(bad_side, DenyReason::kInvalidOrder);
  OrderRequest bad_type = Limit(btc_, Side::kBuy, "50000.0", "0.01", "v7");
  bad_type.type = static_cast<OrderType>(7);
  EXPECT_DENIED(bad_type, DenyReason::kInvalidOrder);
  EXPECT_DENIED(Limit(btc_, Side::kBuy, "50000.0", "0.01", ""), DenyReason::kInvalidOrder);
  // The id of an open order.
  EXPECT_APPROVED(Limit(btc_, Side::kBuy, "50000.0", "0.01", "dup"));
  EXPECT_DENIED(Limit(eth_, Side::kBuy, "3000.00", "0.1", "dup"), DenyReason::kInvalidOrder);
  EXPECT_EQ(g().counters().of(DenyReason::kInvalidOrder), 9u);
  EXPECT_EQ(g().open_orders(), 1u);
}

TEST_F(GovernorTest, CountersAddUp) {
  Make();
  EXPECT_APPROVED(Limit(btc_, Side::kBuy, "50000.0", "0.01", "a"));
  EXPECT_DENIED(Limit(btc_, Side::kBuy, "50000.05", "0.01", "b"), DenyReason::kPriceOffTick);
  EXPECT_DENIED(Limit(btc_, Side::kBuy, "50000.0", "0.0015", "c"), DenyReason::kQtyOffLot);
  EXPECT_SIGNAL_DENIED(Exit(btc_, Side::kSell, 1), DenyReason::kReduceOnlyWouldIncrease);
  const RiskCounters& k = g().counters();
  EXPECT_EQ(k.requests, 4u);
  EXPECT_EQ(k.approved, 1u);
  EXPECT_EQ(k.denied, 3u);
  EXPECT_EQ(k.signals, 1u);
  std::uint64_t sum = 0;
  for (const std::uint64_t n : k.denied_by) sum += n;
  EXPECT_EQ(sum, k.denied);
}

// ---------------------------------------------------------------- signal sizing

TEST_F(GovernorTest, EntrySizedByRiskPerTradeOverTheStopDistance) {
  Make();
  ASSERT_FALSE(SetBook(btc_, "49999.7", "50000.3").has_value());
  // 100,000 x 0.5% / (50,000 - 47,000) = 0.1666.. -> 0.166; limit at the ask
  // plus 10 bps, 50,050.3003, on the tick grid 50,050.4.
  auto r = g().OnSignal(Entry(btc_, Side::kBuy, "50000", "47000", 11));
  ASSERT_TRUE(r.ok()) << ToString(r.error());
  EXPECT_EQ(r->get().qty, Q("0.166"));
  EXPECT_EQ(r->get().price, P("50050.4"));
  EXPECT_EQ(r->get().type, OrderType::kLimit);
  EXPECT_EQ(r->get().tif, TimeInForce::kIoc);
  EXPECT_EQ(r->get().side, Side::kBuy);
  EXPECT_FALSE(r->get().reduce_only);
  EXPECT_EQ(r->get().strategy, Sid("alpha"));
  EXPECT_EQ(r->get().signal_id, 11u);
  EXPECT_EQ(r->get().client_order_id, Cid("risk-1"));
  EXPECT_EQ(r->get().ts_event, clock_.Now());
  // Sent: published and handed to the gateway.
  ASSERT_EQ(gateway_.executed.size(), 1u);
  EXPECT_EQ(gateway_.executed[0].client_order_id, Cid("risk-1"));
  EXPECT_EQ(gateway_.executed[0].qty, Q("0.166"));
  ASSERT_EQ(requests_.size(), 1u);
  EXPECT_EQ(requests_[0].client_order_id, Cid("risk-1"));
  EXPECT_EQ(g().open_orders(btc_), 1u);
  // A sell: the bid less 10 bps, 49,949.7003, rounded down to 49,949.7.
  auto s = g().OnSignal(Entry(btc_, Side::kSell, "50000", "53000", 12));
  ASSERT_TRUE(s.ok()) << ToString(s.error());
  EXPECT_EQ(s->get().qty, Q("0.166"));
  EXPECT_EQ(s->get().price, P("49949.7"));
  EXPECT_EQ(s->get().client_order_id, Cid("risk-2"));
  EXPECT_EQ(g().counters().signals, 2u);
  EXPECT_EQ(g().counters().approved, 2u);
}

TEST_F(GovernorTest, EntryWithoutReferencePriceMeasuresTheStopFromTheTouch) {
  Make();
  ASSERT_FALSE(SetBook(btc_, "49999.7", "50000.3").has_value());
  auto r = g().OnSignal(Entry(btc_, Side::kBuy, nullptr, "47000.3", 1));  // 3,000 below the ask
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->get().qty, Q("0.166"));
}

TEST_F(GovernorTest, EntryWithoutStopUsesTheDefaultStopAndIsCappedByTheOrderLimit) {
  Make();
  ASSERT_FALSE(SetBook(btc_, "49999.7", "50000.3").has_value());
  // 50 bps of 50,000 = 250: 2 BTC, capped to 10,000 / 50,050.4 = 0.1998 -> 0.199.
  auto r = g().OnSignal(Entry(btc_, Side::kBuy, "50000", nullptr, 1));
  ASSERT_TRUE(r.ok()) << ToString(r.error());
  EXPECT_EQ(r->get().qty, Q("0.199"));
  EXPECT_LE(r->get().qty.ToDouble() * r->get().price.ToDouble(), 10'000.0);
}

TEST_F(GovernorTest, SizeHintScalesTheEntry) {
  Make();
  ASSERT_FALSE(SetBook(btc_, "49999.7", "50000.3").has_value());
  Signal s = Entry(btc_, Side::kBuy, "50000", "47000", 1);
  s.size_hint = 0.5;
  auto r = g().OnSignal(s);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->get().qty, Q("0.083"));
}

TEST_F(GovernorTest, SellEntryCappedByTheOrderLimitIsSizedAtTheAsk) {
  Make();
  ASSERT_FALSE(SetBook(btc_, "49999.7", "50000.3").has_value());
  // The router posts a sell at the ask first: 10,000 / 50,000.3 = 0.19999
  // -> 0.199, so that a maker child at the ask passes the order limit (at
  // the limit, 49,949.7, it would have been 0.2002 -> 0.2: 10,000.06 at the
  // ask, denied).
  auto r = g().OnSignal(Entry(btc_, Side::kSell, "50000", nullptr, 1));
  ASSERT_TRUE(r.ok()) << ToString(r.error());
  EXPECT_EQ(r->get().price, P("49949.7"));
  EXPECT_EQ(r->get().qty, Q("0.199"));
  EXPECT_LE(r->get().qty.ToDouble() * 50'000.3, 10'000.0);
  g().Release(r->get().client_order_id);
  // The maker child at the ask passes.
  EXPECT_APPROVED(Limit(btc_, Side::kSell, "50000.3", "0.199", "child-1"));
}

TEST_F(GovernorTest, ASellLimitBelowTheBidCountsAtTheBid) {
  RiskConfig c;
  c.price_band_bps = 500.0;
  Make(c);  // max order notional 10,000
  ASSERT_FALSE(SetBook(btc_, "50000.0", "50000.1").has_value());
  // 0.205 at 48,000 would be 9,840, but it sells at the bid: 10,250.
  EXPECT_DENIED(Limit(btc_, Side::kSell, "48000.0", "0.205", "s1"), DenyReason::kMaxOrderNotional);
  EXPECT_APPROVED(Limit(btc_, Side::kSell, "48000.0", "0.2", "s2"));  // 10,000 at the bid
  // Above the bid it counts at its own price.
  EXPECT_DENIED(Limit(btc_, Side::kSell, "50100.0", "0.2", "s3"), DenyReason::kMaxOrderNotional);  // 10,020
  // A buy limit counts at its price, the most it fills at.
  EXPECT_APPROVED(Limit(btc_, Side::kBuy, "48000.0", "0.208", "b1"));  // 9,984
}

TEST_F(GovernorTest, EntryCappedByThePositionLimitPasses) {
  Make();
  ASSERT_FALSE(SetBook(btc_, "49999.7", "50000.3").has_value());
  Hold(btc_, Side::kBuy, "50000.0", "0.4", "alpha");
  // 25,000 / 50,050.4 - 0.4 = 0.0995 -> 0.099.
  auto r = g().OnSignal(Entry(btc_, Side::kBuy, "50000", "47000", 1));
  ASSERT_TRUE(r.ok()) << ToString(r.error());
  EXPECT_EQ(r->get().qty, Q("0.099"));
}

TEST_F(GovernorTest, EntryTooSmallIsDeniedWithTheReasonThatMadeItSo) {
  Make();
  ASSERT_FALSE(SetBook(btc_, "49999.7", "50000.3").has_value());
  Signal tiny = Entry(btc_, Side::kBuy, "50000", "47000", 1);
  tiny.size_hint = 0.001;  // 0.000166: nothing
  EXPECT_SIGNAL_DENIED(tiny, DenyReason::kBelowMinQty);
  EXPECT_EQ(g().counters().approved, 0u);
  // 24 DOGE at 0.10012: 2.4 USDT.
  ASSERT_FALSE(SetBook(doge_, "0.10000", "0.10001").has_value());
  Signal doge = Entry(doge_, Side::kBuy, "0.1", "0.09", 2);
  doge.size_hint = 0.0005;
  EXPECT_SIGNAL_DENIED(doge, DenyReason::kBelowMinNotional);
  // The position limit leaves no room.
  Hold(btc_, Side::kBuy, "50000.0", "0.5", "alpha");
  EXPECT_SIGNAL_DENIED(Entry(btc_, Side::kBuy, "50000", "47000", 3), DenyReason::kMaxPositionNotional);
  EXPECT_TRUE(gateway_.executed.empty());
}

TEST_F(GovernorTest, SoftBrakeHalvesTheEntry) {
  RiskConfig c;
  c.strategy_capital = 10'000.0;
  Make(c);
  AlphaLosesAt("46499.9", "46500.1", "46500");  // alpha 3.5% down; equity 99,650
  ASSERT_EQ(g().state(Sid("alpha")), RiskState::kSoftBrake);
  // 99,650 x 0.5% / 200 = 2.49125: beta gets 2.49, alpha half, 1.24.
  auto b = g().OnSignal(Entry(eth_, Side::kBuy, "3000", "2800", 1, "beta"));
  ASSERT_TRUE(b.ok()) << ToString(b.error());
  EXPECT_EQ(b->get().qty, Q("2.49"));
  EXPECT_EQ(b->get().price, P("3003.02"));
  auto a = g().OnSignal(Entry(eth_, Side::kBuy, "3000", "2800", 2, "alpha"));
  ASSERT_TRUE(a.ok()) << ToString(a.error());
  EXPECT_EQ(a->get().qty, Q("1.24"));
  // Braked below the minimum: the brake is the reason.
  Signal small = Entry(btc_, Side::kBuy, "46500", "45500", 3, "alpha");  // 0.498 BTC unbraked
  small.size_hint = 0.003;                                               // 0.0015 -> braked 0.00075
  EXPECT_SIGNAL_DENIED(small, DenyReason::kTradingStateSoftBrake);
}

TEST_F(GovernorTest, ExitSignalClosesTheStrategysPositionReduceOnly) {
  Make();
  ASSERT_FALSE(SetBook(btc_, "49999.7", "50000.3").has_value());
  auto e = g().OnSignal(Entry(btc_, Side::kBuy, "50000", "47000", 1));
  ASSERT_TRUE(e.ok());
  Filled(btc_, Side::kBuy, "50000.3", "0.166", "alpha", "risk-1", "0.166");
  EXPECT_EQ(g().open_orders(), 0u);
  Hold(btc_, Side::kBuy, "50000.0", "0.1", "beta");  // the account holds 0.266
  auto x = g().OnSignal(Exit(btc_, Side::kSell, 2));
  ASSERT_TRUE(x.ok()) << ToString(x.error());
  EXPECT_TRUE(x->get().reduce_only);
  EXPECT_EQ(x->get().side, Side::kSell);
  EXPECT_EQ(x->get().qty, Q("0.166"));  // alpha's, not the account's
  EXPECT_EQ(x->get().price, P("49949.7"));
  EXPECT_EQ(x->get().tif, TimeInForce::kIoc);
  EXPECT_EQ(x->get().urgency, Urgency::kAggressive);
  EXPECT_EQ(x->get().strategy, Sid("alpha"));
  EXPECT_EQ(x->get().signal_id, 2u);
  ASSERT_EQ(gateway_.executed.size(), 2u);
  EXPECT_EQ(gateway_.executed[1].client_order_id, x->get().client_order_id);
  // Again while it is working.
  EXPECT_SIGNAL_DENIED(Exit(btc_, Side::kSell, 3), DenyReason::kReduceOnlyWouldIncrease);
  // The wrong side, and a strategy without a position.
  EXPECT_SIGNAL_DENIED(Exit(btc_, Side::kBuy, 4), DenyReason::kReduceOnlyWouldIncrease);
  EXPECT_SIGNAL_DENIED(Exit(eth_, Side::kSell, 5), DenyReason::kReduceOnlyWouldIncrease);
  // beta can still close its own 0.1.
  auto y = g().OnSignal(Exit(btc_, Side::kSell, 6, "beta"));
  ASSERT_TRUE(y.ok()) << ToString(y.error());
  EXPECT_EQ(y->get().qty, Q("0.1"));
  EXPECT_EQ(gateway_.executed.size(), 3u);
}

// ---------------------------------------------------------------- open orders

TEST_F(GovernorTest, OpenOrdersFollowTheOrderEvents) {
  RiskConfig c;
  c.orders_per_second = 0;
  Make(c);
  const double mid = 50'000.05;
  ASSERT_EQ(Try(Limit(btc_, Side::kBuy, "50000.0", "0.1", "o1")), std::nullopt);
  EXPECT_DOUBLE_EQ(g().SideExposure(btc_, Side::kBuy), 0.1 * mid);
  // Partial fills: by cum_qty, or by last_qty when the venue gives none.
  PartiallyFilled(btc_, Side::kBuy, "50000.0", "0.04", "alpha", "o1", "0.04", "0.06");
  EXPECT_EQ(g().open_orders(), 1u);
  PartiallyFilled(btc_, Side::kBuy, "50000.0", "0.02", "alpha", "o1", nullptr, "0.04");
  EXPECT_EQ(g().open_orders(), 1u);
  // 0.06 held + 0.04 open.
  EXPECT_DOUBLE_EQ(g().SideExposure(btc_, Side::kBuy), 0.1 * mid);
  Canceled(btc_, "o1");
  EXPECT_EQ(g().open_orders(), 0u);
  EXPECT_DOUBLE_EQ(g().SideExposure(btc_, Side::kBuy), 0.06 * mid);

  // A fill closes it.
  ASSERT_EQ(Try(Limit(btc_, Side::kBuy, "50000.0", "0.05", "o2")), std::nullopt);
  Filled(btc_, Side::kBuy, "50000.0", "0.05", "alpha", "o2", "0.05");
  EXPECT_EQ(g().open_orders(), 0u);
  EXPECT_DOUBLE_EQ(g().SideExposure(btc_, Side::kBuy), 0.11 * mid);

  // Expired and rejected close it.
  ASSERT_EQ(Try(Limit(btc_, Side::kBuy, "50000.0", "0.05", "o3")), std::nullopt);
  ASSERT_EQ(Try(Limit(btc_, Side::kSell, "50000.0", "0.05", "o4")), std::nullopt);
  EXPECT_EQ(g().open_orders(btc_), 2u);
  OrderExpired ex;
  ex.instrument = btc_;
  ex.client_order_id = Cid("o3");
  g().OnOrderEvent(Event(ex));
  OrderRejected rj;
  rj.instrument = btc_;
  rj.client_order_id = Cid("o4");
  g().OnOrderEvent(Event(rj));
  EXPECT_EQ(g().open_orders(btc_), 0u);
  EXPECT_DOUBLE_EQ(g().SideExposure(btc_, Side::kSell), 0.0);

  // Amends set the total; what can fill is that less what filled.
  ASSERT_EQ(Try(Limit(btc_, Side::kBuy, "50000.0", "0.1", "o5")), std::nullopt);
  OrderAmended am;
  am.instrument = btc_;
  am.client_order_id = Cid("o5");
  am.price = P("50000.0");
  am.qty = Q("0.3");
  g().OnOrderEvent(Event(am));
  EXPECT_DOUBLE_EQ(g().SideExposure(btc_, Side::kBuy), (0.11 + 0.3) * mid);
  PartiallyFilled(btc_, Side::kBuy, "50000.0", "0.1", "alpha", "o5", "0.1", "0.2");
  EXPECT_DOUBLE_EQ(g().SideExposure(btc_, Side::kBuy), (0.21 + 0.2) * mid);
  am.qty = Q("0.15");
  g().OnOrderEvent(Event(am));
  EXPECT_DOUBLE_EQ(g().SideExposure(btc_, Side::kBuy), (0.21 + 0.05) * mid);
  Filled(btc_, Side::kBuy, "50000.0", "0.05", "alpha", "o5", "0.15");
  EXPECT_EQ(g().open_orders(), 0u);
  EXPECT_DOUBLE_EQ(g().SideExposure(btc_, Side::kBuy), 0.26 * mid);

  // A send that failed no longer counts; events for unknown ids change
  // nothing.
  ASSERT_EQ(Try(Limit(btc_, Side::kBuy, "50000.0", "0.1", "o6")), std::nullopt);
  g().OnSendFailed(Cid("o6"));
  EXPECT_EQ(g().open_orders(), 0u);
  Canceled(btc_, "o6");
  Canceled(btc_, "nope");
  EXPECT_EQ(g().open_orders(), 0u);
  EXPECT_DOUBLE_EQ(g().SideExposure(btc_, Side::kBuy), 0.26 * mid);
  // A partial fill that leaves nothing closes it too.
  ASSERT_EQ(Try(Limit(btc_, Side::kBuy, "50000.0", "0.02", "o7")), std::nullopt);
  PartiallyFilled(btc_, Side::kBuy, "50000.0", "0.02", "alpha", "o7", "0.02", "0");
  EXPECT_EQ(g().open_orders(), 0u);
  EXPECT_DOUBLE_EQ(g().SideExposure(btc_, Side::kBuy), 0.28 * mid);
  // The id of a closed order may be used again.
  EXPECT_APPROVED(Limit(btc_, Side::kBuy, "50000.0", "0.01", "o1"));
}

TEST_F(GovernorTest, AGatewayRefusalUntracksTheOrder) {
  Make();
  gateway_.fail = true;
  auto r = g().OnSignal(Entry(btc_, Side::kBuy, "50000", "47000", 1));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(gateway_.executed.size(), 1u);
  EXPECT_EQ(g().open_orders(), 0u);
  EXPECT_EQ(g().counters().gateway_errors, 1u);
  EXPECT_EQ(LogCount(LogLevel::kError, "gateway refused risk-1: venue down"), 1u);
}

// ---------------------------------------------------------------- amends

TEST_F(GovernorTest, ApproveAmendChecksPriceAndLimits) {
  RiskConfig c;
  c.orders_per_second = 0;
  Make(c);
  ASSERT_EQ(Try(Limit(btc_, Side::kBuy, "50000.0", "0.1", "o1")), std::nullopt);
  auto amend = [&](const char* price, const char* qty, std::string_view id = "o1",
                   InstrumentId inst = InstrumentId{}) -> std::optional<DenyReason> {
    AmendRequest a;
    a.instrument = inst.valid() ? inst : btc_;
    a.client_order_id = Cid(id);
    a.price = price != nullptr ? P(price) : Price::Undefined();
    a.qty = qty != nullptr ? Q(qty) : Qty::Zero();
    auto r = g().ApproveAmend(a);
    if (r.ok()) {
      EXPECT_EQ(r->get().client_order_id, a.client_order_id);
      EXPECT_EQ(r->get().price, a.price);
      EXPECT_EQ(r->get().qty, a.qty);
      return std::nullopt;
    }
    return r.error();
  };
  EXPECT_EQ(amend("50000.05", nullptr), DenyReason::kPriceOffTick);
  EXPECT_EQ(amend("50300.0", nullptr), DenyReason::kPriceBand);
  EXPECT_EQ(amend("49900.0", nullptr), std::nullopt);
  EXPECT_EQ(amend(nullptr, "0.0015"), DenyReason::kQtyOffLot);
  EXPECT_EQ(amend("60000.0", "0.2", "nope"), DenyReason::kInvalidOrder);
  EXPECT_EQ(amend(nullptr, "0.2", "o1", eth_), DenyReason::kInvalidOrder);
  // The whole amended order is one order: 0.25 x 50,000 > 10,000.
  EXPECT_EQ(amend("50000.0", "0.25"), DenyReason::kMaxOrderNotional);
  EXPECT_DOUBLE_EQ(g().SideExposure(btc_, Side::kBuy), 0.1 * 50'000.05);
  // Without a new price the qty is valued at the order's own price (the
  // higher of its prices so far, 50,000): 0.2 is exactly the limit, 0.21 is over.
  EXPECT_EQ(amend(nullptr, "0.21"), DenyReason::kMaxOrderNotional);
  // A larger qty counts at once.
  EXPECT_EQ(amend(nullptr, "0.19"), std::nullopt);
  EXPECT_DOUBLE_EQ(g().SideExposure(btc_, Side::kBuy), 0.19 * 50'000.05);
  // Against the position limit: 0.2 held + 0.24 open, +0.1 is 27,000.
  ASSERT_EQ(Try(Limit(btc_, Side::kBuy, "50000.0", "0.05", "o2")), std::nullopt);
  Hold(btc_, Side::kBuy, "50000.0", "0.2", "alpha");
  EXPECT_EQ(amend(nullptr, "0.15", "o2"), DenyReason::kMaxPositionNotional);
  EXPECT_EQ(amend(nullptr, "0.09", "o2"), std::nullopt);  // +0.04: 24,000
  // A smaller qty passes (the venue's OrderAmended sets it).
  EXPECT_EQ(amend(nullptr, "0.15"), std::nullopt);
  const auto denied = TakeDenied();
  ASSERT_EQ(denied.size(), 8u);
  EXPECT_EQ(denied[0].reason, DenyReason::kPriceOffTick);
  EXPECT_EQ(denied[0].client_order_id, Cid("o1"));
  EXPECT_EQ(denied[0].strategy, Sid("alpha"));
  EXPECT_EQ(denied[7].reason, DenyReason::kMaxPositionNotional);
  EXPECT_EQ(denied[7].client_order_id, Cid("o2"));
  EXPECT_EQ(g().counters().of(DenyReason::kMaxOrderNotional), 2u);
  EXPECT_EQ(g().counters().approved, 6u);  // 2 orders and 4 amends
}

// A sell amended to a price below the bid sells at the bid: it counts there,
// as a new sell limit does.
TEST_F(GovernorTest, ASellAmendedBelowTheBidCountsAtTheBid) {
  RiskConfig c;
  c.orders_per_second = 0;
  c.price_band_bps = 500.0;
  Make(c);  // max order notional 10,000; book 50,000.0 / 50,000.1
  ASSERT_EQ(Try(Limit(btc_, Side::kSell, "50100.0", "0.199", "s1")), std::nullopt);  // 9,969.9
  AmendRequest a;
  a.instrument = btc_;
  a.client_order_id = Cid("s1");
  a.price = P("48000.0");
  a.qty = Q("0.205");  // 9,840 at 48,000, but 10,250 at the bid
  auto r = g().ApproveAmend(a);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error(), DenyReason::kMaxOrderNotional);
  a.qty = Q("0.2");  // 10,000 at the bid
  EXPECT_TRUE(g().ApproveAmend(a).ok());
}

TEST_F(GovernorTest, ApproveAmendTakesRateTokensAndRespectsStates) {
  RiskConfig c;
  c.strategy_capital = 10'000.0;
  Make(c);  // 5 a second
  ASSERT_EQ(Try(Limit(eth_, Side::kBuy, "3000.00", "0.1", "e1")), std::nullopt);
  AmendRequest a;
  a.instrument = eth_;
  a.client_order_id = Cid("e1");
  a.price = P("2999.00");
  for (int i = 0; i < 4; ++i) {
    EXPECT_TRUE(g().ApproveAmend(a).ok()) << i;
  }
  auto r = g().ApproveAmend(a);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error(), DenyReason::kRateLimitPerSecond);
  Advance(Duration::Seconds(2));
  ASSERT_FALSE(SetBook(eth_, "3000.00", "3000.01").has_value());
  // Quarantine: no larger qty, a new price is fine.
  AlphaLosesAt("42999.9", "43000.1", "43000");
  ASSERT_EQ(g().state(Sid("alpha")), RiskState::kQuarantine);
  a.qty = Q("0.2");
  r = g().ApproveAmend(a);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error(), DenyReason::kTradingStateQuarantine);
  a.qty = Qty::Zero();
  EXPECT_TRUE(g().ApproveAmend(a).ok());
  // HARD_STOP: nothing.
  g().KillSwitch("test");
  r = g().ApproveAmend(a);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error(), DenyReason::kTradingStateHardStop);
}

// ---------------------------------------------------------------- correlation

class CorrelationTest : public GovernorTest {
 protected:
  static RiskConfig Config() {
    RiskConfig c;
    c.max_order_notional = 0.0;
    c.max_position_notional = 0.0;
    c.correlation.sample_interval = Duration::Seconds(1);
    c.correlation.window = 8;
    c.correlation.min_samples = 8;
    return c;
  }
  // Mids on the sampling grid, one per second from now, then one more
  // sample to close the last: 8 returns.
  void Sample(const std::vector<const char*>& btc, const std::vector<const char*>& eth) {
    ASSERT_EQ(btc.size(), 9u);
    ASSERT_EQ(eth.size(), 9u);
    for (std::size_t k = 0; k <= 9; ++k) {
      if (k > 0) Advance(Duration::Seconds(1));
      const std::size_t i = std::min<std::size_t>(k, 8);
      SetMid(btc_, P(btc[i]));
      SetMid(eth_, P(eth[i]));
      g().Evaluate();
    }
  }
  // 1 BTC at 20,000 and 100 ETH at 100: 30,000 gross.
  void HoldBoth() {
    SetMid(btc_, P("20000"));
    SetMid(eth_, P("100"));
    Hold(btc_, Side::kBuy, "20000", "1", "alpha");
    Hold(eth_, Side::kBuy, "100", "100", "beta");
  }
};

// +1%, -1%, ...: Walsh row 1. +1%, +1%, -1%, -1%, ...: row 2, orthogonal.
const std::vector<const char*> kBtcAlternating = {"20000", "20200", "20000", "20200", "20000",
                                                  "20200", "20000", "20200", "20000"};
const std::vector<const char*> kEthAlternating = {"100", "101", "100", "101", "100", "101", "100", "101", "100"};
const std::vector<const char*> kEthPairs = {"100", "101", "102.01", "101", "100", "101", "102.01", "101", "100"};

TEST_F(CorrelationTest, IdenticalInstrumentsCountAsSqrtNTimesTheirGross) {
  Make(Config());
  Sample(kBtcAlternating, kEthAlternating);
  ASSERT_TRUE(g().correlation().Correlation(btc_, eth_).has_value());
  EXPECT_NEAR(*g().correlation().Correlation(btc_, eth_), 1.0, 1e-12);
  HoldBoth();
  EXPECT_NEAR(g().EffectivePositions(), std::sqrt(2.0), 1e-9);
  EXPECT_NEAR(g().EffectiveAccountExposure(), 30'000.0 * std::sqrt(2.0), 1e-6);
  // (30,000 + 6,000) x 1.414 = 50,912 > 50,000.
  EXPECT_DENIED(Limit(eth_, Side::kBuy, "100.00", "60", "c1", "beta"), DenyReason::kMaxAccountNotional);
  // (30,000 + 4,000) x 1.414 = 48,083.
  EXPECT_APPROVED(Limit(eth_, Side::kBuy, "100.00", "40", "c2", "beta"));
}

TEST_F(CorrelationTest, IndependentInstrumentsCountAtTheirGross) {
  Make(Config());
  Sample(kBtcAlternating, kEthPairs);
  ASSERT_TRUE(g().correlation().Correlation(btc_, eth_).has_value());
  EXPECT_NEAR(*g().correlation().Correlation(btc_, eth_), 0.0, 1e-9);
  HoldBoth();
  EXPECT_NEAR(g().EffectivePositions(), 2.0, 1e-9);
  EXPECT_NEAR(g().EffectiveAccountExposure(), 30'000.0, 1e-6);
  EXPECT_APPROVED(Limit(eth_, Side::kBuy, "100.00", "60", "c1", "beta"));  // 36,000
  // 36,000 + 15,000 > 50,000.
  EXPECT_DENIED(Limit(eth_, Side::kBuy, "100.00", "150", "c2", "beta"), DenyReason::kMaxAccountNotional);
  EXPECT_APPROVED(Limit(eth_, Side::kBuy, "100.00", "130", "c3", "beta"));  // 49,000
}

TEST_F(CorrelationTest, UnknownCorrelationCountsAsIdentical) {
  Make(Config());
  HoldBoth();
  EXPECT_FALSE(g().correlation().Correlation(btc_, eth_).has_value());
  EXPECT_NEAR(g().EffectivePositions(), std::sqrt(2.0), 1e-9);
  EXPECT_NEAR(g().EffectiveAccountExposure(), 30'000.0 * std::sqrt(2.0), 1e-6);
  EXPECT_DENIED(Limit(eth_, Side::kBuy, "100.00", "60", "c1", "beta"), DenyReason::kMaxAccountNotional);
}

TEST_F(CorrelationTest, EntrySizedToTheAccountLimitWhenItAddsAnInstrument) {
  Make(Config());
  SetMid(btc_, P("20000"));
  SetMid(eth_, P("100"));
  Hold(btc_, Side::kBuy, "20000", "1", "alpha");
  // 100,000 x 0.5% / 1 = 500 ETH at 100.12 (the ask 100.01 + 10 bps, up to
  // the tick): far over the account limit. With ETH added the two count at
  // sqrt(2) x gross (correlation unknown): room for 50,000 / sqrt(2) -
  // 20,000 = 15,355.34 of ETH, 153.36 at 100.12.
  auto r = g().OnSignal(Entry(eth_, Side::kBuy, "100", "99", 1, "beta"));
  ASSERT_TRUE(r.ok()) << ToString(r.error());
  EXPECT_EQ(r->get().price, P("100.12"));
  EXPECT_EQ(r->get().qty, Q("153.36"));
  EXPECT_LE(g().EffectiveAccountExposure(), 50'000.0);
}

// ---------------------------------------------------------------- position TTL

TEST_F(GovernorTest, APositionOlderThanItsTtlIsClosedOnce) {
  Make();
  Signal s = Entry(btc_, Side::kBuy, "50000", "47000", 1);
  s.position_ttl = Duration::Minutes(10);
  auto e = g().OnSignal(s);
  ASSERT_TRUE(e.ok());
  Filled(btc_, Side::kBuy, "50000.1", "0.166", "alpha", "risk-1", "0.166");
  ASSERT_EQ(gateway_.executed.size(), 1u);
  // Another strategy holds the same side: the account has more to reduce
  // than alpha's share.
  Hold(btc_, Side::kBuy, "50000.0", "0.1", "beta");
  Advance(Duration::Minutes(10) - Duration::Seconds(1));
  ASSERT_FALSE(SetBook(btc_, "50000.0", "50000.1").has_value());
  g().Evaluate();
  EXPECT_EQ(gateway_.executed.size(), 1u);
  Advance(Duration::Seconds(1));
  ASSERT_FALSE(SetBook(btc_, "50000.0", "50000.1").has_value());
  g().Evaluate();
  ASSERT_EQ(gateway_.executed.size(), 2u);
  const OrderRequest& close = gateway_.executed[1];
  EXPECT_TRUE(close.reduce_only);
  EXPECT_EQ(close.side, Side::kSell);
  EXPECT_EQ(close.qty, Q("0.166"));
  EXPECT_EQ(close.strategy, Sid("alpha"));
  EXPECT_EQ(close.price, P("49950.0"));
  EXPECT_EQ(close.urgency, Urgency::kAggressive);
  EXPECT_EQ(g().counters().ttl_closes, 1u);
  EXPECT_EQ(LogCount(LogLevel::kInfo, "alpha position in BTCUSDT is older than its TTL (600s): closing"), 1u);
  // Not again while it works.
  Advance(Duration::Seconds(1));
  g().Evaluate();
  EXPECT_EQ(gateway_.executed.size(), 2u);
  EXPECT_EQ(g().counters().ttl_closes, 1u);
  // The IOC expired unfilled: closed again.
  OrderExpired ex;
  ex.instrument = btc_;
  ex.client_order_id = close.client_order_id;
  g().OnOrderEvent(Event(ex));
  ASSERT_FALSE(SetBook(btc_, "50000.0", "50000.1").has_value());
  g().Evaluate();
  EXPECT_EQ(gateway_.executed.size(), 3u);
  EXPECT_EQ(g().counters().ttl_closes, 2u);
  // Filled: nothing more.
  Filled(btc_, Side::kSell, "50000.0", "0.166", "alpha", gateway_.executed[2].client_order_id.view(), "0.166");
  Advance(Duration::Minutes(30));
  ASSERT_FALSE(SetBook(btc_, "50000.0", "50000.1").has_value());
  g().Evaluate();
  EXPECT_EQ(gateway_.executed.size(), 3u);
}

TEST_F(GovernorTest, TheConfiguredPositionTtlAppliesWithoutOneFromTheSignal) {
  RiskConfig c;
  c.position_ttl = Duration::Minutes(1);
  TimerQueue& timers = timers_;
  Make(c, true, &timers);
  EXPECT_EQ(timers.pending(), 1u);
  ASSERT_TRUE(g().OnSignal(Entry(btc_, Side::kBuy, "50000", "47000", 1)).ok());
  Filled(btc_, Side::kBuy, "50000.1", "0.166", "alpha", "risk-1", "0.166");
  // Evaluate runs every second from the timer.
  for (int s = 1; s <= 59; ++s) {
    Advance(Duration::Seconds(1));
    ASSERT_FALSE(SetBook(btc_, "50000.0", "50000.1").has_value());
    EXPECT_EQ(timers.FireDue(clock_.Now()), 1u);
  }
  EXPECT_EQ(gateway_.executed.size(), 1u);
  Advance(Duration::Seconds(1));
  ASSERT_FALSE(SetBook(btc_, "50000.0", "50000.1").has_value());
  timers.FireDue(clock_.Now());
  ASSERT_EQ(gateway_.executed.size(), 2u);
  EXPECT_TRUE(gateway_.executed[1].reduce_only);
  gov_.reset();
  EXPECT_EQ(timers.pending(), 0u);
}

// ---------------------------------------------------------------- kill switch

TEST_F(GovernorTest, KillSwitchCancelsFlattensAndHoldsUntilReset) {
  Make();
  ASSERT_EQ(Try(Limit(btc_, Side::kBuy, "49900.0", "0.1", "a-open", "alpha")), std::nullopt);
  ASSERT_EQ(Try(Limit(eth_, Side::kSell, "3010.00", "1", "b-open", "beta")), std::nullopt);
  Hold(btc_, Side::kBuy, "50000.0", "0.1", "alpha");
  Hold(btc_, Side::kBuy, "50000.0", "0.05", "beta");
  Hold(eth_, Side::kSell, "3000.00", "1", "beta");
  TakeChanges();

  g().KillSwitch("operator");
  EXPECT_EQ(g().state(), RiskState::kHardStop);
  EXPECT_TRUE(g().kill_switch_active());
  EXPECT_FALSE(g().kill_switch_flat_at().has_value());
  ASSERT_FALSE(g().transitions().empty());
  EXPECT_EQ(g().transitions().back().transition.reason, "kill_switch");
  EXPECT_TRUE(g().transitions().back().strategy.empty());
  const auto changes = TakeChanges();
  ASSERT_EQ(changes.size(), 1u);
  EXPECT_EQ(changes[0].from, RiskState::kNormal);
  EXPECT_EQ(changes[0].to, RiskState::kHardStop);
  EXPECT_EQ(changes[0].reason.view(), "kill_switch");
  EXPECT_TRUE(changes[0].strategy.empty());
  EXPECT_EQ(LogCount(LogLevel::kError, "KILL SWITCH (operator)"), 1u);
  // Cancel-all where orders are open (not DOGE).
  EXPECT_EQ(gateway_.cancel_all, (std::vector<InstrumentId>{btc_, eth_}));
  // One reduce-only market order per strategy and instrument.
  ASSERT_EQ(gateway_.executed.size(), 3u);
  const auto& f = gateway_.executed;
  EXPECT_EQ(f[0].instrument, btc_);
  EXPECT_EQ(f[0].side, Side::kSell);
  EXPECT_EQ(f[0].qty, Q("0.1"));
  EXPECT_EQ(f[0].strategy, Sid("alpha"));
  EXPECT_EQ(f[1].instrument, btc_);
  EXPECT_EQ(f[1].side, Side::kSell);
  EXPECT_EQ(f[1].qty, Q("0.05"));
  EXPECT_EQ(f[1].strategy, Sid("beta"));
  EXPECT_EQ(f[2].instrument, eth_);
  EXPECT_EQ(f[2].side, Side::kBuy);
  EXPECT_EQ(f[2].qty, Q("1"));
  EXPECT_EQ(f[2].strategy, Sid("beta"));
  for (const OrderRequest& r : f) {
    EXPECT_EQ(r.type, OrderType::kMarket);
    EXPECT_TRUE(r.reduce_only);
    EXPECT_EQ(r.tif, TimeInForce::kIoc);
  }
  EXPECT_EQ(requests_.size(), 3u);  // published too
  EXPECT_EQ(g().counters().flatten_orders, 3u);
  EXPECT_EQ(g().open_orders(), 5u);

  // Denies everything.
  EXPECT_DENIED(Limit(btc_, Side::kBuy, "50000.0", "0.01", "late"), DenyReason::kTradingStateHardStop);

  // Again: nothing new.
  g().KillSwitch("again");
  g().Evaluate();
  EXPECT_EQ(gateway_.cancel_all.size(), 2u);
  EXPECT_EQ(gateway_.executed.size(), 3u);
  EXPECT_EQ(g().counters().kill_switch_calls, 2u);
  EXPECT_TRUE(TakeChanges().empty());
  // A check interval later, still-open orders get another cancel-all.
  Advance(Duration::Seconds(1));
  g().Evaluate();
  EXPECT_EQ(gateway_.cancel_all.size(), 4u);
  EXPECT_EQ(gateway_.executed.size(), 3u);

  // The venue answers: cancels, fills of the flatten orders.
  Advance(Duration::Millis(100));
  Canceled(btc_, "a-open");
  Canceled(eth_, "b-open");
  Filled(btc_, Side::kSell, "50000.0", "0.1", "alpha", f[0].client_order_id.view(), "0.1");
  Filled(btc_, Side::kSell, "50000.0", "0.05", "beta", f[1].client_order_id.view(), "0.05");
  EXPECT_FALSE(g().kill_switch_flat_at().has_value());
  Advance(Duration::Millis(50));
  const UnixNanos last = clock_.Now();
  Filled(eth_, Side::kBuy, "3000.00", "1", "beta", f[2].client_order_id.view(), "1");
  ASSERT_TRUE(g().kill_switch_flat_at().has_value());
  EXPECT_EQ(*g().kill_switch_flat_at(), last);
  EXPECT_TRUE(g().Flat());
  EXPECT_EQ(LogCount(LogLevel::kWarn, "kill switch: flat with no open orders"), 1u);
  Advance(Duration::Seconds(5));
  g().Evaluate();
  EXPECT_EQ(*g().kill_switch_flat_at(), last);
  EXPECT_EQ(g().state(), RiskState::kHardStop);
  EXPECT_EQ(gateway_.executed.size(), 3u);

  // Only a reset trades again.
  ASSERT_TRUE(g().Reset("ops").ok());
  EXPECT_EQ(g().state(), RiskState::kNormal);
  EXPECT_FALSE(g().kill_switch_active());
  EXPECT_FALSE(g().kill_switch_flat_at().has_value());
  const auto reset = TakeChanges();
  ASSERT_EQ(reset.size(), 1u);
  EXPECT_EQ(reset[0].from, RiskState::kHardStop);
  EXPECT_EQ(reset[0].to, RiskState::kNormal);
  EXPECT_EQ(reset[0].reason.view(), "manual_reset");
  EXPECT_EQ(LogCount(LogLevel::kWarn, "HARD_STOP reset by ops"), 1u);
  ASSERT_FALSE(SetBook(btc_, "50000.0", "50000.1").has_value());
  EXPECT_APPROVED(Limit(btc_, Side::kBuy, "50000.0", "0.01", "after"));
  const Status again = g().Reset("ops");
  EXPECT_EQ(again.code(), StatusCode::kFailedPrecondition);
}

TEST_F(GovernorTest, KillSwitchWhenFlatIsFlatAtOnce) {
  Make();
  g().KillSwitch("drill");
  ASSERT_TRUE(g().kill_switch_flat_at().has_value());
  EXPECT_EQ(*g().kill_switch_flat_at(), clock_.Now());
  EXPECT_TRUE(gateway_.cancel_all.empty());
  EXPECT_TRUE(gateway_.executed.empty());
}

TEST_F(GovernorTest, KillSwitchRetriesAFlattenThatDidNotFill) {
  Make();
  Hold(btc_, Side::kBuy, "50000.0", "0.1", "alpha");
  g().KillSwitch("operator");
  ASSERT_EQ(gateway_.executed.size(), 1u);
  // The IOC filled 0.04 and expired.
  PartiallyFilled(btc_, Side::kSell, "50000.0", "0.04", "alpha", gateway_.executed[0].client_order_id.view(), "0.04",
                  "0.06");
  EXPECT_EQ(gateway_.executed.size(), 1u);  // still working
  OrderExpired ex;
  ex.instrument = btc_;
  ex.client_order_id = gateway_.executed[0].client_order_id;
  g().OnOrderEvent(Event(ex));
  ASSERT_EQ(gateway_.executed.size(), 2u);
  EXPECT_EQ(gateway_.executed[1].qty, Q("0.06"));
  EXPECT_EQ(gateway_.executed[1].strategy, Sid("alpha"));
  EXPECT_EQ(g().counters().flatten_orders, 2u);
}

TEST_F(GovernorTest, AccountDrawdownHardStopCancelsAndFlattens) {
  Make();
  ASSERT_EQ(Try(Limit(btc_, Side::kBuy, "49900.0", "0.01", "a-open")), std::nullopt);
  Hold(btc_, Side::kBuy, "50000.0", "4", "alpha");
  ASSERT_FALSE(SetBook(btc_, "44999.9", "45000.1").has_value());
  Mark(btc_, "45000");  // -20,000: 20%
  g().Evaluate();
  EXPECT_EQ(g().state(), RiskState::kHardStop);
  EXPECT_TRUE(g().kill_switch_active());
  const auto changes = TakeChanges();
  ASSERT_GE(changes.size(), 1u);
  EXPECT_EQ(changes[0].to, RiskState::kHardStop);
  EXPECT_TRUE(changes[0].strategy.empty());
  EXPECT_EQ(changes[0].reason.view(), "account_drawdown");
  EXPECT_DOUBLE_EQ(changes[0].value, 0.2);
  EXPECT_DOUBLE_EQ(changes[0].limit, 0.2);
  EXPECT_EQ(LogCount(LogLevel::kError, "HARD_STOP: account drawdown 20.00%"), 1u);
  EXPECT_EQ(gateway_.cancel_all, std::vector<InstrumentId>{btc_});
  ASSERT_EQ(gateway_.executed.size(), 1u);
  EXPECT_EQ(gateway_.executed[0].type, OrderType::kMarket);
  EXPECT_TRUE(gateway_.executed[0].reduce_only);
  EXPECT_EQ(gateway_.executed[0].side, Side::kSell);
  EXPECT_EQ(gateway_.executed[0].qty, Q("4"));
  EXPECT_EQ(gateway_.executed[0].strategy, Sid("alpha"));
  EXPECT_DENIED(Limit(eth_, Side::kBuy, "3000.00", "0.1", "x"), DenyReason::kTradingStateHardStop);
  // Equity comes back: still HARD_STOP.
  Mark(btc_, "60000");
  ASSERT_FALSE(SetBook(btc_, "59999.9", "60000.1").has_value());
  Advance(Duration::Hours(2));
  g().Evaluate();
  EXPECT_EQ(g().state(), RiskState::kHardStop);
}

// ---------------------------------------------------------------- states and logging

TEST_F(GovernorTest, StrategyStateChangesArePublishedAndLogged) {
  RiskConfig c;
  c.strategy_capital = 10'000.0;
  Make(c);
  TakeChanges();
  AlphaLosesAt("46499.9", "46500.1", "46500");
  const auto changes = TakeChanges();
  ASSERT_EQ(changes.size(), 1u);
  EXPECT_EQ(changes[0].strategy, Sid("alpha"));
  EXPECT_EQ(changes[0].from, RiskState::kNormal);
  EXPECT_EQ(changes[0].to, RiskState::kSoftBrake);
  EXPECT_EQ(changes[0].reason.view(), "strategy_drawdown");
  EXPECT_DOUBLE_EQ(changes[0].value, 0.035);
  EXPECT_DOUBLE_EQ(changes[0].limit, 0.035);
  EXPECT_EQ(changes[0].ts_event, clock_.Now());
  EXPECT_EQ(g().counters().transitions, 1u);
  ASSERT_EQ(g().transitions().size(), 1u);
  EXPECT_EQ(g().transitions()[0].strategy, Sid("alpha"));
  EXPECT_EQ(g().transitions()[0].transition.to, RiskState::kSoftBrake);
  // Logged at warn with the figures.
  EXPECT_EQ(LogCount(LogLevel::kWarn, "alpha state NORMAL -> SOFT_BRAKE (strategy_drawdown: 0.0350, limit 0.0350)"),
            1u);
  // A denial is logged at info.
  EXPECT_DENIED(Limit(btc_, Side::kBuy, "46500.0", "0.11", "big"), DenyReason::kTradingStateSoftBrake);
  EXPECT_EQ(LogCount(LogLevel::kInfo, "denied BUY BTCUSDT qty 0.11 (alpha): TRADING_STATE_SOFT_BRAKE"), 1u);
  for (const auto& line : sink_.lines()) {
    EXPECT_EQ(line.component, "risk");
  }
  // Deeper: QUARANTINE; after calm periods back to NORMAL, one level each.
  ASSERT_FALSE(SetBook(btc_, "42999.9", "43000.1").has_value());
  Mark(btc_, "43000");
  g().Evaluate();
  EXPECT_EQ(g().state(Sid("alpha")), RiskState::kQuarantine);
  for (int m = 1; m <= 30; ++m) {
    Advance(Duration::Minutes(1));
    g().Evaluate();
  }
  EXPECT_EQ(g().state(Sid("alpha")), RiskState::kNormal);
  const auto later = TakeChanges();
  ASSERT_EQ(later.size(), 3u);
  EXPECT_EQ(later[0].to, RiskState::kQuarantine);
  EXPECT_EQ(later[1].to, RiskState::kSoftBrake);
  EXPECT_EQ(later[1].reason.view(), "recovered");
  EXPECT_EQ(later[2].to, RiskState::kNormal);
  EXPECT_EQ(LogCount(LogLevel::kWarn, "alpha state QUARANTINE -> SOFT_BRAKE (recovered: 0.0700, limit 0.0000)"), 1u);
}

TEST_F(GovernorTest, AttachedToTheBus) {
  Make();
  AttachRiskGovernor(bus_, g());
  Signal s = Entry(btc_, Side::kBuy, "50000", "47000", 42);
  (void)bus_.Publish(s);
  ASSERT_EQ(requests_.size(), 1u);
  EXPECT_EQ(requests_[0].signal_id, 42u);
  EXPECT_EQ(g().open_orders(), 1u);
  OrderCanceled c;
  c.instrument = btc_;
  c.client_order_id = requests_[0].client_order_id;
  (void)bus_.Publish(c);
  bus_.DrainAll();
  EXPECT_EQ(g().open_orders(), 0u);
  FlashCrash fc;
  fc.instrument = btc_;
  (void)bus_.Publish(fc);
  bus_.DrainAll();
  EXPECT_DENIED(Limit(btc_, Side::kBuy, "50000.0", "0.01", "h"), DenyReason::kFlashCrashHalt);
}

}  // namespace
}  // namespace hean
