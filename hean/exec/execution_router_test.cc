// ExecutionRouter against a scripted venue and a scripted governor: each
// test sends a request, plays the venue's answers into OnOrderEvent by hand
// and checks what the router asked the governor and sent to the venue.
//
// The fake ExecutionClient never answers by itself: it records Submit,
// Cancel and CancelAll (and can be told to fail the next ones). The fake
// OrderApprover records Approve and Release and approves with
// ApprovalForTesting, or denies the next N requests with a configured
// reason. Time is a SimClock stepped timer by timer through a TimerQueue.
//
// Market: one instrument, tick 0.01, lot 0.01, book 100.00 / 100.01 (mid
// 100.005) unless a test moves it.
#include "hean/exec/execution_router.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "hean/book/book_set.h"
#include "hean/core/clock.h"
#include "hean/core/log.h"
#include "hean/core/status.h"
#include "hean/core/timer_queue.h"
#include "hean/exec/testing/approval_for_testing.h"
#include "hean/model/events.h"
#include "hean/model/instrument.h"
#include "hean/model/order.h"
#include "hean/model/test_instruments.h"

namespace hean {
namespace {

constexpr std::int64_t kTickRaw = 10'000'000;  // 0.01
constexpr std::int64_t kLotRaw = 10'000'000;   // 0.01
const UnixNanos kT0 = UnixNanos::FromSeconds(1'700'000'000);
const InstrumentId kId{0};
constexpr double kMid = 100.005;  // of the default book

Price Ticks(std::int64_t n) { return Price::FromRaw(n * kTickRaw); }
Qty Lots(std::int64_t n) { return Qty::FromRaw(n * kLotRaw); }
Duration Ms(std::int64_t ms) { return Duration::Millis(ms); }
ClientOrderId Cid(std::string_view s) { return ClientOrderId::Of(s); }
ClientOrderId Child(int n) { return ClientOrderId::Of("ex-" + std::to_string(n)); }
Notional Money(double x) { return *Notional::FromDouble(x); }

InstrumentRegistry MakeRegistry() {
  InstrumentRegistry r;
  EXPECT_TRUE(r.Add(testing_support::Usdt100()).ok());
  return r;
}

// Fixed TTL 150 ms, 3 re-posts, IOC at mid +/- 10 bps, retry after 200 ms.
// Normal urgency never takes at once, so that what the slippage model
// predicts does not decide between maker and taker here.
ExecConfig BaseConfig() {
  ExecConfig c;
  c.mode = ExecMode::kFixedTtl;
  c.fixed_ttl = Ms(150);
  c.max_reposts = 3;
  c.max_slippage_bps = 10.0;
  c.normal_take_edge_bps = -1e9;
  c.retry_delay = Ms(200);
  return c;
}

// Records every command; answers OK unless told to fail the next ones.
class FakeClient final : public ExecutionClient {
 public:
  struct Sent {
    OrderRequest request;
    UnixNanos at;
  };
  struct CancelCall {
    InstrumentId instrument;
    ClientOrderId id;
    UnixNanos at;
  };

  explicit FakeClient(const Clock& clock) : clock_(clock) {}

  std::string_view name() const noexcept override { return "fake"; }
  Status Submit(const ApprovedOrder& request) override {
    submits.push_back(Sent{request.get(), clock_.Now()});
    if (fail_submits > 0) {
      --fail_submits;
      return UnavailableError("fake: not connected");
    }
    return Status::Ok();
  }
  Status Cancel(InstrumentId instrument, const ClientOrderId& id) override {
    cancels.push_back(CancelCall{instrument, id, clock_.Now()});
    if (fail_cancels > 0) {
      --fail_cancels;
      return UnavailableError("fake: not connected");
    }
    return Status::Ok();
  }
  Status Amend(const ApprovedAmend&) override {
    ++amends;
    return Status::Ok();
  }
  Status CancelAll(InstrumentId instrument) override {
    cancel_alls.push_back(instrument);
    return Status::Ok();
  }

  std::vector<Sent> submits;
  std::vector<CancelCall> cancels;
  std::vector<InstrumentId> cancel_alls;
  int amends = 0;
  int fail_submits = 0;
  int fail_cancels = 0;

 private:
  const Clock& clock_;
};

// Records every call; approves unless told to deny the next ones.
class FakeApprover final : public OrderApprover {
 public:
  struct Call {
    OrderRequest request;
    UnixNanos at;
  };

  explicit FakeApprover(const Clock& clock) : clock_(clock) {}

  Result<ApprovedOrder, DenyReason> Approve(const OrderRequest& request) override {
    approvals.push_back(Call{request, clock_.Now()});
    if (deny_next > 0) {
      --deny_next;
      return MakeUnexpected(deny_reason);
    }
    return ApprovalForTesting::Approve(request);
  }
  void Release(const ClientOrderId& id) override { releases.push_back(id); }

  void DenyNext(int n, DenyReason why) {
    deny_next = n;
    deny_reason = why;
  }

  std::vector<Call> approvals;
  std::vector<ClientOrderId> releases;
  int deny_next = 0;
  DenyReason deny_reason = DenyReason::kInvalidOrder;

 private:
  const Clock& clock_;
};

class Harness {
 public:
  explicit Harness(ExecConfig config = BaseConfig())
      : registry_(MakeRegistry()),
        clock_(kT0),
        timers_(clock_),
        books_([this](InstrumentId id) {
          return BookSet::Spec{registry_.Get(id).venue, registry_.Get(id).tick_size};
        }),
        client_(clock_),
        approver_(clock_),
        router_(std::move(config), ExecutionRouter::Services{&clock_, &timers_, &registry_, &books_, &client_,
                                                             &approver_, nullptr, Logger()}) {
    Book(10'000, 10'001);
  }

  // A snapshot, 5 levels a side of 1.00 each, from bid / ask (in ticks),
  // applied to the books and then given to the router.
  void Book(std::int64_t bid, std::int64_t ask) {
    auto levels = std::make_shared<BookLevels>();
    for (std::int64_t k = 0; k < 5; ++k) {
      levels->bids.push_back(BookLevel{Ticks(bid - k), Lots(100)});
      levels->asks.push_back(BookLevel{Ticks(ask + k), Lots(100)});
    }
    BookSnapshot s{};
    s.ts_event = s.ts_recv = clock_.Now();
    s.instrument = kId;
    s.update_id = ++update_id_;
    s.levels = std::move(levels);
    const Event e = s;
    ASSERT_FALSE(books_.Apply(e).has_value());
    router_.OnMarketData(e);
  }

  // One venue message: deltas {side, price in ticks, qty in lots (0
  // removes)} sharing one update id, the last flagged kLastInMessage, each
  // applied to the books and then given to the router, as a feed does.
  struct Level {
    Side side;
    std::int64_t ticks;
    std::int64_t lots;
  };
  void Message(const std::vector<Level>& levels) {
    const std::uint64_t u = ++update_id_;
    for (std::size_t i = 0; i < levels.size(); ++i) {
      BookDelta d{};
      d.ts_event = d.ts_recv = clock_.Now();
      d.instrument = kId;
      d.side = levels[i].side;
      d.price = Ticks(levels[i].ticks);
      d.qty = Lots(levels[i].lots);
      d.update_id = u;
      d.flags = i + 1 == levels.size() ? BookDelta::kLastInMessage : 0;
      const Event e = d;
      ASSERT_FALSE(books_.Apply(e).has_value()) << "delta " << i;
      router_.OnMarketData(e);
    }
  }

  // Moves the clock to `t`, firing each due timer at its own deadline.
  void AdvanceTo(UnixNanos t) {
    while (true) {
      const auto next = timers_.NextDeadline();
      if (!next || *next > t) break;
      if (*next > clock_.Now()) {
        ASSERT_TRUE(clock_.AdvanceTo(*next).ok());
      }
      timers_.FireDue(clock_.Now());
    }
    ASSERT_TRUE(clock_.AdvanceTo(t).ok());
    timers_.FireDue(clock_.Now());
  }
  void AdvanceBy(Duration d) { AdvanceTo(clock_.Now() + d); }

  // A limit parent far from the market on the right side (no limit that
  // binds), made now.
  OrderRequest Parent(Side side, std::int64_t lots) {
    OrderRequest r;
    r.ts_event = r.ts_recv = clock_.Now();
    r.instrument = kId;
    r.side = side;
    r.type = OrderType::kLimit;
    r.tif = TimeInForce::kGtc;
    r.urgency = Urgency::kNormal;
    r.price = side == Side::kBuy ? Ticks(20'000) : Ticks(1);
    r.qty = Lots(lots);
    r.client_order_id = ClientOrderId::Of("p-" + std::to_string(++parent_id_));
    r.strategy = StrategyId::Of("s1");
    r.signal_id = 1000 + static_cast<std::uint64_t>(parent_id_);
    return r;
  }
  Status Execute(const OrderRequest& r) { return router_.Execute(ApprovalForTesting::Approve(r)); }

  WorkRequest Slice(Side side, std::int64_t lots) {
    WorkRequest w;
    w.instrument = kId;
    w.side = side;
    w.qty = Lots(lots);
    w.urgency = Urgency::kNormal;
    w.strategy = StrategyId::Of("s1");
    w.signal_id = 7;
    w.parent = Cid("algo-1");
    w.requested_at = clock_.Now();
    return w;
  }

  // The venue's answers.
  ApplyOutcome Send(const Event& e) { return router_.OnOrderEvent(e); }
  // OrderSubmitted (the client's local acknowledgement) then OrderAccepted.
  // `accepted`: what the OrderAccepted should do (kLate when a cancel of
  // ours went out first).
  void Ack(const ClientOrderId& id, ApplyOutcome accepted = ApplyOutcome::kApplied) {
    OrderSubmitted s{};
    s.ts_event = s.ts_recv = clock_.Now();
    s.instrument = kId;
    s.client_order_id = id;
    // kDuplicate too: a router may record the send itself.
    const ApplyOutcome sub = Send(s);
    EXPECT_TRUE(sub == ApplyOutcome::kApplied || sub == ApplyOutcome::kDuplicate) << id.view();
    OrderAccepted a{};
    a.ts_event = a.ts_recv = clock_.Now();
    a.instrument = kId;
    a.client_order_id = id;
    a.venue_order_id = VenueOrderId::Of("v-" + id.str());
    EXPECT_EQ(Send(a), accepted) << id.view();
  }
  // A fill of `lots` at `price` (ticks) of the router's order `id`:
  // OrderFilled when it completes the order, else OrderPartiallyFilled.
  Event MakeFill(const ClientOrderId& id, std::int64_t price, std::int64_t lots, std::string_view trade_id,
                 double fee = 0.0, LiquiditySide liquidity = LiquiditySide::kMaker) {
    const Order* o = router_.orders().Find(id);
    EXPECT_NE(o, nullptr) << id.view();
    FillReport f{};
    f.ts_event = f.ts_recv = clock_.Now();
    f.instrument = kId;
    f.side = o != nullptr ? o->side : Side::kBuy;
    f.liquidity = liquidity;
    f.last_price = Ticks(price);
    f.last_qty = Lots(lots);
    f.cum_qty = (o != nullptr ? o->filled_qty : Qty()) + Lots(lots);
    f.leaves_qty = (o != nullptr ? o->qty : Lots(lots)) - f.cum_qty;
    f.fee = Money(fee);
    f.client_order_id = id;
    f.venue_order_id = VenueOrderId::Of("v-" + id.str());
    f.trade_id = TradeId::Of(trade_id);
    if (f.leaves_qty.IsPositive()) return OrderPartiallyFilled{f};
    return OrderFilled{f};
  }
  ApplyOutcome Fill(const ClientOrderId& id, std::int64_t price, std::int64_t lots, std::string_view trade_id,
                    double fee = 0.0, LiquiditySide liquidity = LiquiditySide::kMaker) {
    return Send(MakeFill(id, price, lots, trade_id, fee, liquidity));
  }
  ApplyOutcome Canceled(const ClientOrderId& id) {
    OrderCanceled c{};
    c.ts_event = c.ts_recv = clock_.Now();
    c.instrument = kId;
    c.client_order_id = id;
    return Send(c);
  }
  ApplyOutcome Rejected(const ClientOrderId& id, RejectReason why) {
    OrderRejected r{};
    r.ts_event = r.ts_recv = clock_.Now();
    r.instrument = kId;
    r.reason = why;
    r.client_order_id = id;
    return Send(r);
  }
  ApplyOutcome CancelRejected(const ClientOrderId& id, RejectReason why) {
    OrderCancelRejected r{};
    r.ts_event = r.ts_recv = clock_.Now();
    r.instrument = kId;
    r.reason = why;
    r.client_order_id = id;
    return Send(r);
  }

  // The last request sent to the venue.
  const OrderRequest& LastSent() const { return client_.submits.back().request; }
  OrderStatus StatusOf(const ClientOrderId& id) const {
    const Order* o = router_.orders().Find(id);
    return o == nullptr ? OrderStatus::kInitialized : o->status;
  }

  UnixNanos Now() const { return clock_.Now(); }
  ExecutionRouter& router() { return router_; }
  const ExecutionMetrics& metrics() const { return router_.metrics(); }
  FakeClient& client() { return client_; }
  FakeApprover& approver() { return approver_; }

 private:
  InstrumentRegistry registry_;
  SimClock clock_;
  TimerQueue timers_;
  BookSet books_;
  FakeClient client_;
  FakeApprover approver_;
  ExecutionRouter router_;
  std::uint64_t update_id_ = 0;
  int parent_id_ = 0;
};

// Collects what a WorkDone callback was given.
struct DoneLog {
  int calls = 0;
  WorkResult last;
  WorkDone Callback() {
    return [this](const WorkResult& r) {
      ++calls;
      last = r;
    };
  }
};

// --- 1. Market requests ------------------------------------------------------

TEST(ExecutionRouter, MarketRequestIsSentAsItIs) {
  Harness h;
  OrderRequest r = h.Parent(Side::kSell, 10);
  r.type = OrderType::kMarket;
  r.tif = TimeInForce::kIoc;
  r.price = Price::Undefined();
  r.reduce_only = true;
  r.client_order_id = Cid("flatten-1");
  ASSERT_TRUE(h.Execute(r).ok());

  ASSERT_EQ(h.client().submits.size(), 1u);
  const OrderRequest& sent = h.LastSent();
  EXPECT_EQ(sent.client_order_id.view(), "flatten-1");
  EXPECT_EQ(sent.type, OrderType::kMarket);
  EXPECT_EQ(sent.tif, TimeInForce::kIoc);
  EXPECT_EQ(sent.side, Side::kSell);
  EXPECT_EQ(sent.qty, Lots(10));
  EXPECT_TRUE(sent.reduce_only);
  EXPECT_FALSE(sent.price.IsDefined());
  EXPECT_TRUE(h.approver().approvals.empty());  // no child to approve
  EXPECT_TRUE(h.approver().releases.empty());   // the governor keeps counting it
  EXPECT_EQ(h.router().active(), 1u);

  h.Ack(Cid("flatten-1"));
  EXPECT_EQ(h.Fill(Cid("flatten-1"), 9'999, 10, "t1", 0.0055, LiquiditySide::kTaker), ApplyOutcome::kApplied);
  EXPECT_EQ(h.router().active(), 0u);
  const ExecutionMetrics& m = h.metrics();
  ASSERT_EQ(m.works_ended.size(), 1u);
  EXPECT_EQ(m.works_ended[0].outcome, WorkOutcome::kFilled);
  EXPECT_EQ(m.works_ended[0].taker_orders, 1u);
  EXPECT_EQ(m.works_ended[0].maker_orders, 0u);
  EXPECT_EQ(m.maker_orders, 0u);
  ASSERT_EQ(m.fills.size(), 1u);
  EXPECT_EQ(m.fills[0].liquidity, LiquiditySide::kTaker);
  // Nothing more goes out later.
  h.AdvanceBy(Ms(2'000));
  EXPECT_EQ(h.client().submits.size(), 1u);
  EXPECT_TRUE(h.client().cancels.empty());
  EXPECT_TRUE(h.approver().approvals.empty());
}

TEST(ExecutionRouter, MarketRequestTheClientRefusesIsAnError) {
  Harness h;
  OrderRequest r = h.Parent(Side::kSell, 10);
  r.type = OrderType::kMarket;
  r.price = Price::Undefined();
  r.client_order_id = Cid("flatten-1");
  h.client().fail_submits = 1;
  EXPECT_FALSE(h.Execute(r).ok());
  EXPECT_EQ(h.metrics().send_errors, 1u);
  EXPECT_EQ(h.router().active(), 0u);
  EXPECT_TRUE(h.approver().releases.empty());  // an error: the governor stops counting it itself
}

// --- 2. Limit requests: the parent released, the child a post-only at the touch

TEST(ExecutionRouter, LimitRequestIsReleasedAndPostedAtTheTouch) {
  for (Side side : {Side::kBuy, Side::kSell}) {
    SCOPED_TRACE(ToString(side));
    Harness h;
    OrderRequest r = h.Parent(side, 10);
    r.reduce_only = true;
    r.signal_id = 77;
    r.strategy = StrategyId::Of("strat-a");
    ASSERT_TRUE(h.Execute(r).ok());

    ASSERT_EQ(h.approver().releases.size(), 1u);
    EXPECT_EQ(h.approver().releases[0], r.client_order_id);
    ASSERT_EQ(h.approver().approvals.size(), 1u);
    const OrderRequest& c = h.approver().approvals[0].request;
    EXPECT_EQ(c.client_order_id.view(), "ex-1");
    EXPECT_EQ(c.instrument, kId);
    EXPECT_EQ(c.side, side);
    EXPECT_EQ(c.type, OrderType::kLimit);
    EXPECT_EQ(c.tif, TimeInForce::kPostOnly);
    EXPECT_EQ(c.price, side == Side::kBuy ? Ticks(10'000) : Ticks(10'001));
    EXPECT_EQ(c.qty, Lots(10));
    EXPECT_EQ(c.strategy, r.strategy);
    EXPECT_TRUE(c.reduce_only);
    EXPECT_EQ(c.signal_id, 77u);
    EXPECT_EQ(c.urgency, Urgency::kNormal);

    // What went to the venue is the approved child.
    ASSERT_EQ(h.client().submits.size(), 1u);
    EXPECT_EQ(h.LastSent().client_order_id.view(), "ex-1");
    EXPECT_EQ(h.LastSent().price, c.price);
    EXPECT_EQ(h.LastSent().tif, TimeInForce::kPostOnly);
    EXPECT_EQ(h.router().active(), 1u);

    // The next request's child is ex-2; its parent is released once too.
    OrderRequest r2 = h.Parent(side, 5);
    ASSERT_TRUE(h.Execute(r2).ok());
    ASSERT_EQ(h.approver().approvals.size(), 2u);
    EXPECT_EQ(h.approver().approvals[1].request.client_order_id.view(), "ex-2");
    EXPECT_EQ(h.approver().approvals[1].request.qty, Lots(5));
    ASSERT_EQ(h.approver().releases.size(), 2u);
    EXPECT_EQ(h.approver().releases[1], r2.client_order_id);
    EXPECT_EQ(h.router().active(), 2u);
  }
}

// --- chase ------------------------------------------------------------------

TEST(ExecutionRouter, ChaseFollowsTheTouchOfWholeMessagesOnly) {
  ExecConfig c = BaseConfig();
  c.chase_ticks = 2;
  Harness h(c);
  // Asks moved out to 100.05, so that bids can rise without crossing.
  h.Message({{Side::kSell, 10'001, 0}, {Side::kSell, 10'002, 0}, {Side::kSell, 10'003, 0}, {Side::kSell, 10'004, 0}});
  ASSERT_TRUE(h.Execute(h.Parent(Side::kBuy, 10)).ok());
  ASSERT_EQ(h.client().submits.size(), 1u);
  EXPECT_EQ(h.LastSent().price, Ticks(10'000));
  h.Ack(Child(1));

  // A message that lifts the bid 3 ticks and takes it back: the book the
  // venue showed never moved, so the maker stays.
  h.Message({{Side::kBuy, 10'003, 5}, {Side::kBuy, 10'003, 0}});
  EXPECT_EQ(h.metrics().chases, 0u);
  EXPECT_TRUE(h.client().cancels.empty());

  // One tick is under chase_ticks: it stays.
  h.Message({{Side::kBuy, 10'001, 5}});
  EXPECT_EQ(h.metrics().chases, 0u);

  // A message whose end leaves the bid 3 ticks above: chased.
  h.Message({{Side::kBuy, 10'003, 5}, {Side::kBuy, 9'990, 1}});
  EXPECT_EQ(h.metrics().chases, 1u);
  ASSERT_EQ(h.client().cancels.size(), 1u);
  EXPECT_EQ(h.client().cancels[0].id, Child(1));
}

// --- 3. improve_one_tick -----------------------------------------------------

TEST(ExecutionRouter, ImproveOneTickOnlyWhenTheSpreadIsWiderThanATick) {
  ExecConfig c = BaseConfig();
  c.improve_one_tick = true;
  Harness h(c);
  h.Book(10'000, 10'003);  // 3 ticks wide
  ASSERT_TRUE(h.Execute(h.Parent(Side::kBuy, 10)).ok());
  EXPECT_EQ(h.LastSent().price, Ticks(10'001));
  ASSERT_TRUE(h.Execute(h.Parent(Side::kSell, 10)).ok());
  EXPECT_EQ(h.LastSent().price, Ticks(10'002));

  h.Book(10'000, 10'001);  // exactly one tick: at the touch
  ASSERT_TRUE(h.Execute(h.Parent(Side::kBuy, 10)).ok());
  EXPECT_EQ(h.LastSent().price, Ticks(10'000));
  ASSERT_TRUE(h.Execute(h.Parent(Side::kSell, 10)).ok());
  EXPECT_EQ(h.LastSent().price, Ticks(10'001));
  EXPECT_EQ(h.client().submits.size(), 4u);
}

TEST(ExecutionRouter, WithoutImproveOneTickAWideSpreadIsJoinedAtTheTouch) {
  Harness h;
  h.Book(10'000, 10'003);
  ASSERT_TRUE(h.Execute(h.Parent(Side::kBuy, 10)).ok());
  EXPECT_EQ(h.LastSent().price, Ticks(10'000));
  ASSERT_TRUE(h.Execute(h.Parent(Side::kSell, 10)).ok());
  EXPECT_EQ(h.LastSent().price, Ticks(10'003));
}

// --- 4. The request's limit --------------------------------------------------

TEST(ExecutionRouter, LimitCapsTheMakerPrice) {
  ExecConfig c = BaseConfig();
  c.improve_one_tick = true;
  Harness h(c);
  OrderRequest buy = h.Parent(Side::kBuy, 10);
  buy.price = Ticks(9'998);  // below the best bid
  ASSERT_TRUE(h.Execute(buy).ok());
  EXPECT_EQ(h.LastSent().price, Ticks(9'998));

  OrderRequest sell = h.Parent(Side::kSell, 10);
  sell.price = Ticks(10'003);  // above the best ask
  ASSERT_TRUE(h.Execute(sell).ok());
  EXPECT_EQ(h.LastSent().price, Ticks(10'003));

  // Improving a tick never goes beyond the limit.
  h.Book(10'000, 10'005);
  OrderRequest at_bid = h.Parent(Side::kBuy, 10);
  at_bid.price = Ticks(10'000);
  ASSERT_TRUE(h.Execute(at_bid).ok());
  EXPECT_EQ(h.LastSent().price, Ticks(10'000));
}

TEST(ExecutionRouter, LimitCapsTheIocPrice) {
  ExecConfig c = BaseConfig();
  c.max_reposts = 0;  // first expiry: the IOC
  for (Side side : {Side::kBuy, Side::kSell}) {
    SCOPED_TRACE(ToString(side));
    Harness h(c);
    OrderRequest r = h.Parent(side, 10);
    // Between the touch and mid +/- 10 bps (100.10 / 99.91): the maker
    // order is not capped, the IOC is.
    r.price = side == Side::kBuy ? Ticks(10'005) : Ticks(9'996);
    ASSERT_TRUE(h.Execute(r).ok());
    EXPECT_EQ(h.LastSent().price, side == Side::kBuy ? Ticks(10'000) : Ticks(10'001));
    h.Ack(Child(1));
    h.AdvanceBy(Ms(150));
    ASSERT_EQ(h.client().cancels.size(), 1u);
    EXPECT_EQ(h.Canceled(Child(1)), ApplyOutcome::kApplied);
    ASSERT_EQ(h.client().submits.size(), 2u);
    EXPECT_EQ(h.LastSent().tif, TimeInForce::kIoc);
    EXPECT_EQ(h.LastSent().price, r.price);
  }
}

// --- 5. Governor denials -----------------------------------------------------

TEST(ExecutionRouter, DenialOfTheFirstChildEndsTheWorkDenied) {
  Harness h;
  h.approver().DenyNext(1, DenyReason::kMaxOrderNotional);
  OrderRequest r = h.Parent(Side::kBuy, 10);
  EXPECT_TRUE(h.Execute(r).ok());
  EXPECT_TRUE(h.client().submits.empty());
  ASSERT_EQ(h.approver().approvals.size(), 1u);
  ASSERT_EQ(h.approver().releases.size(), 1u);  // the parent only: the child was never approved
  EXPECT_EQ(h.approver().releases[0], r.client_order_id);
  const ExecutionMetrics& m = h.metrics();
  ASSERT_EQ(m.works_ended.size(), 1u);
  EXPECT_EQ(m.works_ended[0].outcome, WorkOutcome::kDenied);
  EXPECT_EQ(m.denied, 1u);
  EXPECT_EQ(m.rate_retries, 0u);
  EXPECT_EQ(h.router().active(), 0u);
  h.AdvanceBy(Ms(2'000));  // no retry
  EXPECT_EQ(h.approver().approvals.size(), 1u);
  EXPECT_TRUE(h.client().submits.empty());
}

TEST(ExecutionRouter, DenialReachesTheWorkDoneCallback) {
  Harness h;
  h.approver().DenyNext(1, DenyReason::kReduceOnlyWouldIncrease);
  DoneLog done;
  (void)h.router().Work(h.Slice(Side::kSell, 10), done.Callback());
  EXPECT_EQ(done.calls, 1);
  EXPECT_EQ(done.last.outcome, WorkOutcome::kDenied);
  EXPECT_EQ(done.last.denied, DenyReason::kReduceOnlyWouldIncrease);
  EXPECT_EQ(done.last.filled, Qty());
  EXPECT_TRUE(h.client().submits.empty());
}

TEST(ExecutionRouter, RateLimitDenialIsRetriedAfterRetryDelay) {
  Harness h;
  h.AdvanceBy(Ms(5));
  const UnixNanos t0 = h.Now();
  h.approver().DenyNext(1, DenyReason::kRateLimitPerSecond);
  ASSERT_TRUE(h.Execute(h.Parent(Side::kBuy, 10)).ok());
  ASSERT_EQ(h.approver().approvals.size(), 1u);
  EXPECT_EQ(h.approver().approvals[0].at, t0);
  EXPECT_TRUE(h.client().submits.empty());
  EXPECT_EQ(h.router().active(), 1u);
  EXPECT_TRUE(h.metrics().works_ended.empty());

  h.AdvanceTo(t0 + Ms(200) - Duration::Nanos(1));
  EXPECT_EQ(h.approver().approvals.size(), 1u);
  h.AdvanceTo(t0 + Ms(200));
  ASSERT_EQ(h.approver().approvals.size(), 2u);
  EXPECT_EQ(h.approver().approvals[1].at, t0 + Ms(200));
  ASSERT_EQ(h.client().submits.size(), 1u);
  EXPECT_EQ(h.LastSent().client_order_id, h.approver().approvals[1].request.client_order_id);
  EXPECT_EQ(h.LastSent().tif, TimeInForce::kPostOnly);
  EXPECT_EQ(h.LastSent().price, Ticks(10'000));
  EXPECT_EQ(h.client().submits[0].at, t0 + Ms(200));
  EXPECT_EQ(h.metrics().rate_retries, 1u);
  EXPECT_EQ(h.metrics().denied, 1u);
  EXPECT_TRUE(h.metrics().works_ended.empty());
}

// --- 6. Submit failing --------------------------------------------------------

TEST(ExecutionRouter, SubmitFailureReleasesTheChildAndFailsTheWork) {
  Harness h;
  h.client().fail_submits = 1;
  OrderRequest r = h.Parent(Side::kBuy, 10);
  (void)h.Execute(r);
  ASSERT_EQ(h.client().submits.size(), 1u);
  ASSERT_EQ(h.approver().releases.size(), 2u);
  EXPECT_EQ(h.approver().releases[0], r.client_order_id);
  EXPECT_EQ(h.approver().releases[1].view(), "ex-1");
  EXPECT_EQ(h.metrics().send_errors, 1u);
  ASSERT_EQ(h.metrics().works_ended.size(), 1u);
  EXPECT_EQ(h.metrics().works_ended[0].outcome, WorkOutcome::kFailed);
  EXPECT_EQ(h.StatusOf(Child(1)), OrderStatus::kRejected);
  EXPECT_EQ(h.router().active(), 0u);
  h.AdvanceBy(Ms(2'000));  // no TTL, no retry
  EXPECT_TRUE(h.client().cancels.empty());
  EXPECT_EQ(h.client().submits.size(), 1u);
  EXPECT_EQ(h.approver().approvals.size(), 1u);
}

TEST(ExecutionRouter, SubmitFailureReachesTheWorkDoneCallback) {
  Harness h;
  h.client().fail_submits = 1;
  DoneLog done;
  (void)h.router().Work(h.Slice(Side::kBuy, 10), done.Callback());
  EXPECT_EQ(done.calls, 1);
  EXPECT_EQ(done.last.outcome, WorkOutcome::kFailed);
  ASSERT_EQ(h.approver().releases.size(), 1u);  // a slice has no parent to release here
  EXPECT_EQ(h.approver().releases[0].view(), "ex-1");
}

// --- 7. TTL expiry, re-posts, the IOC fallback ----------------------------------

TEST(ExecutionRouter, ExpiryCancelsRepostsAtTheNewBestThenSendsAnIoc) {
  ExecConfig c = BaseConfig();
  c.max_reposts = 2;
  Harness h(c);
  const UnixNanos t0 = h.Now();
  ASSERT_TRUE(h.Execute(h.Parent(Side::kBuy, 10)).ok());
  h.Ack(Child(1));

  h.AdvanceTo(t0 + Ms(150) - Duration::Nanos(1));
  EXPECT_TRUE(h.client().cancels.empty());
  h.AdvanceTo(t0 + Ms(150));
  ASSERT_EQ(h.client().cancels.size(), 1u);
  EXPECT_EQ(h.client().cancels[0].id.view(), "ex-1");
  EXPECT_EQ(h.client().cancels[0].instrument, kId);
  EXPECT_EQ(h.client().cancels[0].at, t0 + Ms(150));
  EXPECT_EQ(h.StatusOf(Child(1)), OrderStatus::kPendingCancel);

  h.Book(10'002, 10'003);                    // the market moves away
  EXPECT_EQ(h.client().submits.size(), 1u);  // nothing new before the cancel is confirmed
  EXPECT_EQ(h.Canceled(Child(1)), ApplyOutcome::kApplied);
  ASSERT_EQ(h.client().submits.size(), 2u);
  EXPECT_EQ(h.LastSent().client_order_id.view(), "ex-2");
  EXPECT_EQ(h.LastSent().tif, TimeInForce::kPostOnly);
  EXPECT_EQ(h.LastSent().price, Ticks(10'002));
  EXPECT_EQ(h.LastSent().qty, Lots(10));
  EXPECT_EQ(h.approver().approvals.size(), 2u);  // each re-post approved on its own

  const UnixNanos t1 = h.Now();
  h.Ack(Child(2));
  h.AdvanceTo(t1 + Ms(150));
  ASSERT_EQ(h.client().cancels.size(), 2u);
  EXPECT_EQ(h.client().cancels[1].id.view(), "ex-2");
  h.Book(10'004, 10'005);
  EXPECT_EQ(h.Canceled(Child(2)), ApplyOutcome::kApplied);
  ASSERT_EQ(h.client().submits.size(), 3u);
  EXPECT_EQ(h.LastSent().price, Ticks(10'004));
  EXPECT_EQ(h.LastSent().tif, TimeInForce::kPostOnly);

  h.Ack(Child(3));
  h.AdvanceBy(Ms(150));
  ASSERT_EQ(h.client().cancels.size(), 3u);
  EXPECT_EQ(h.Canceled(Child(3)), ApplyOutcome::kApplied);
  // Re-posts spent: the IOC at the mid 100.045 + 10 bps = 100.145045, on
  // the grid below: 100.14.
  ASSERT_EQ(h.client().submits.size(), 4u);
  const OrderRequest& ioc = h.LastSent();
  EXPECT_EQ(ioc.client_order_id.view(), "ex-4");
  EXPECT_EQ(ioc.type, OrderType::kLimit);
  EXPECT_EQ(ioc.tif, TimeInForce::kIoc);
  EXPECT_EQ(ioc.price, Ticks(10'014));
  EXPECT_EQ(ioc.qty, Lots(10));
  EXPECT_EQ(h.approver().approvals.size(), 4u);

  h.Ack(Child(4));
  EXPECT_EQ(h.Fill(Child(4), 10'005, 10, "t1", 0.0055, LiquiditySide::kTaker), ApplyOutcome::kApplied);
  const ExecutionMetrics& m = h.metrics();
  ASSERT_EQ(m.works_ended.size(), 1u);
  EXPECT_EQ(m.works_ended[0].outcome, WorkOutcome::kFilled);
  EXPECT_EQ(m.works_ended[0].reposts, 2u);
  EXPECT_EQ(m.works_ended[0].maker_orders, 3u);
  EXPECT_EQ(m.works_ended[0].taker_orders, 1u);
  EXPECT_EQ(m.reposts, 2u);
  EXPECT_EQ(m.maker_attempts, 3u);
  EXPECT_EQ(m.maker_attempts_filled, 0u);
  EXPECT_EQ(m.signal_to_order_ns.count(), 1u);  // the first child only
  EXPECT_EQ(h.router().active(), 0u);
}

TEST(ExecutionRouter, SellIocIsRoundedUpOntoTheGrid) {
  ExecConfig c = BaseConfig();
  c.max_reposts = 0;
  Harness h(c);
  ASSERT_TRUE(h.Execute(h.Parent(Side::kSell, 10)).ok());
  EXPECT_EQ(h.LastSent().price, Ticks(10'001));
  h.Ack(Child(1));
  h.AdvanceBy(Ms(150));
  ASSERT_EQ(h.client().cancels.size(), 1u);
  EXPECT_EQ(h.Canceled(Child(1)), ApplyOutcome::kApplied);
  // 100.005 - 10 bps = 99.904995, on the grid above: 99.91.
  ASSERT_EQ(h.client().submits.size(), 2u);
  EXPECT_EQ(h.LastSent().tif, TimeInForce::kIoc);
  EXPECT_EQ(h.LastSent().price, Ticks(9'991));
  // The IOC takes part; the venue cancels the rest: the work ends unfilled.
  h.Ack(Child(2));
  EXPECT_EQ(h.Fill(Child(2), 10'000, 4, "t1", 0.0, LiquiditySide::kTaker), ApplyOutcome::kApplied);
  EXPECT_EQ(h.Canceled(Child(2)), ApplyOutcome::kApplied);
  ASSERT_EQ(h.metrics().works_ended.size(), 1u);
  EXPECT_EQ(h.metrics().works_ended[0].outcome, WorkOutcome::kUnfilled);
  EXPECT_DOUBLE_EQ(h.metrics().works_ended[0].filled, 0.04);
  EXPECT_EQ(h.client().submits.size(), 2u);
}

TEST(ExecutionRouter, PassiveUrgencyEndsUnfilledInsteadOfTaking) {
  ExecConfig c = BaseConfig();
  c.max_reposts = 1;
  Harness h(c);
  OrderRequest r = h.Parent(Side::kBuy, 10);
  r.urgency = Urgency::kPassive;
  ASSERT_TRUE(h.Execute(r).ok());
  h.Ack(Child(1));
  h.AdvanceBy(Ms(150));
  EXPECT_EQ(h.Canceled(Child(1)), ApplyOutcome::kApplied);
  ASSERT_EQ(h.client().submits.size(), 2u);
  EXPECT_EQ(h.LastSent().tif, TimeInForce::kPostOnly);
  h.Ack(Child(2));
  h.AdvanceBy(Ms(150));
  ASSERT_EQ(h.client().cancels.size(), 2u);
  EXPECT_EQ(h.Canceled(Child(2)), ApplyOutcome::kApplied);
  EXPECT_EQ(h.client().submits.size(), 2u);  // no IOC
  EXPECT_EQ(h.metrics().taker_orders, 0u);
  ASSERT_EQ(h.metrics().works_ended.size(), 1u);
  EXPECT_EQ(h.metrics().works_ended[0].outcome, WorkOutcome::kUnfilled);
  EXPECT_EQ(h.router().active(), 0u);
}

TEST(ExecutionRouter, PostOnlyRejectionRepricesAtOnceAndCountsAsARepost) {
  Harness h;
  ASSERT_TRUE(h.Execute(h.Parent(Side::kBuy, 10)).ok());
  h.Book(9'999, 10'000);  // the ask came down through our price
  EXPECT_EQ(h.Rejected(Child(1), RejectReason::kPostOnlyWouldTake), ApplyOutcome::kApplied);
  ASSERT_EQ(h.client().submits.size(), 2u);
  EXPECT_EQ(h.LastSent().price, Ticks(9'999));
  EXPECT_EQ(h.LastSent().tif, TimeInForce::kPostOnly);
  EXPECT_EQ(h.metrics().post_only_rejects, 1u);
  EXPECT_EQ(h.metrics().reposts, 1u);
  EXPECT_EQ(h.metrics().venue_rejects, 0u);
  EXPECT_EQ(h.metrics().maker_attempts, 0u);  // a rejection is not an attempt
  EXPECT_TRUE(h.metrics().works_ended.empty());
}

// --- 8. Duplicate fills --------------------------------------------------------

TEST(ExecutionRouter, DuplicateFillCountsOnce) {
  Harness h;
  DoneLog done;
  (void)h.router().Work(h.Slice(Side::kBuy, 10), done.Callback());
  h.Ack(Child(1));
  const Event part = h.MakeFill(Child(1), 10'000, 4, "t1", 0.0008);
  EXPECT_EQ(h.Send(part), ApplyOutcome::kApplied);
  EXPECT_EQ(h.Send(part), ApplyOutcome::kDuplicate);
  EXPECT_EQ(h.metrics().fills.size(), 1u);
  EXPECT_EQ(h.router().orders().Find(Child(1))->filled_qty, Lots(4));

  const Event rest = h.MakeFill(Child(1), 10'000, 6, "t2", 0.0012);
  EXPECT_EQ(h.Send(rest), ApplyOutcome::kApplied);
  EXPECT_EQ(h.Send(rest), ApplyOutcome::kDuplicate);
  EXPECT_EQ(h.Send(part), ApplyOutcome::kDuplicate);
  ASSERT_EQ(h.metrics().fills.size(), 2u);
  EXPECT_DOUBLE_EQ(h.metrics().maker_qty, 0.10);
  EXPECT_NEAR(h.metrics().fees, 0.0020, 1e-12);
  EXPECT_EQ(done.calls, 1);
  EXPECT_EQ(done.last.outcome, WorkOutcome::kFilled);
  EXPECT_EQ(done.last.filled, Lots(10));
  EXPECT_NEAR(done.last.cost, 10.0, 1e-9);
  ASSERT_EQ(h.metrics().works_ended.size(), 1u);
  EXPECT_DOUBLE_EQ(h.metrics().works_ended[0].filled, 0.10);
}

// --- 9. Cancel racing a fill ----------------------------------------------------

TEST(ExecutionRouter, FillAfterTheCancelRequestWinsAndTheCancelRejectChangesNothing) {
  Harness h;
  ASSERT_TRUE(h.Execute(h.Parent(Side::kBuy, 10)).ok());
  h.Ack(Child(1));
  h.AdvanceBy(Ms(150));
  ASSERT_EQ(h.client().cancels.size(), 1u);
  EXPECT_EQ(h.StatusOf(Child(1)), OrderStatus::kPendingCancel);

  EXPECT_EQ(h.Fill(Child(1), 10'000, 10, "t1"), ApplyOutcome::kApplied);
  EXPECT_EQ(h.StatusOf(Child(1)), OrderStatus::kFilled);
  const ExecutionMetrics& m = h.metrics();
  ASSERT_EQ(m.works_ended.size(), 1u);
  EXPECT_EQ(m.works_ended[0].outcome, WorkOutcome::kFilled);
  EXPECT_EQ(h.client().submits.size(), 1u);  // no re-post
  EXPECT_EQ(h.approver().approvals.size(), 1u);
  EXPECT_EQ(h.router().active(), 0u);

  const ApplyOutcome late = h.CancelRejected(Child(1), RejectReason::kOrderClosed);
  EXPECT_NE(late, ApplyOutcome::kApplied);
  EXPECT_EQ(h.StatusOf(Child(1)), OrderStatus::kFilled);
  EXPECT_EQ(m.works_ended.size(), 1u);
  EXPECT_EQ(m.fills.size(), 1u);
  EXPECT_EQ(m.maker_attempts, 1u);
  EXPECT_EQ(m.maker_attempts_filled, 1u);
  h.AdvanceBy(Ms(2'000));
  EXPECT_EQ(h.client().submits.size(), 1u);
  EXPECT_EQ(h.client().cancels.size(), 1u);
  EXPECT_EQ(h.approver().approvals.size(), 1u);
}

// --- 10. Work / Stop through SliceWorker ----------------------------------------

TEST(ExecutionRouter, WorkDoneIsCalledOnceWithTheTotals) {
  Harness h;
  DoneLog done;
  WorkRequest w = h.Slice(Side::kBuy, 10);
  w.force_take = true;  // an IOC, which may fill at several prices
  SliceWorker& worker = h.router();
  const std::uint64_t id = worker.Work(w, done.Callback());
  ASSERT_EQ(h.client().submits.size(), 1u);
  EXPECT_EQ(h.LastSent().tif, TimeInForce::kIoc);
  EXPECT_EQ(h.LastSent().price, Ticks(10'010));  // 100.005 + 10 bps = 100.105005, down to 100.10
  EXPECT_EQ(h.LastSent().strategy, w.strategy);
  EXPECT_EQ(h.LastSent().signal_id, 7u);
  h.Ack(Child(1));
  EXPECT_EQ(h.Fill(Child(1), 10'001, 4, "t1", 0.0022, LiquiditySide::kTaker), ApplyOutcome::kApplied);
  EXPECT_EQ(done.calls, 0);
  EXPECT_EQ(h.Fill(Child(1), 10'002, 6, "t2", 0.0033, LiquiditySide::kTaker), ApplyOutcome::kApplied);
  EXPECT_EQ(done.calls, 1);
  EXPECT_EQ(done.last.id, id);
  EXPECT_EQ(done.last.outcome, WorkOutcome::kFilled);
  EXPECT_EQ(done.last.filled, Lots(10));
  EXPECT_NEAR(done.last.cost, 100.01 * 0.04 + 100.02 * 0.06, 1e-9);
  EXPECT_NEAR(done.last.fees, 0.0055, 1e-12);
  // Nothing after the end calls it again.
  worker.Stop(id);
  (void)h.Canceled(Child(1));
  h.AdvanceBy(Ms(2'000));
  EXPECT_EQ(done.calls, 1);
  EXPECT_TRUE(h.client().cancels.empty());
}

TEST(ExecutionRouter, StopCancelsTheRestingMakerAndDoneFollowsTheCancel) {
  Harness h;
  DoneLog done;
  SliceWorker& worker = h.router();
  const std::uint64_t id = worker.Work(h.Slice(Side::kBuy, 10), done.Callback());
  h.Ack(Child(1));
  EXPECT_EQ(h.Fill(Child(1), 10'000, 3, "t1", -0.0006), ApplyOutcome::kApplied);  // a rebate
  h.AdvanceBy(Ms(20));
  worker.Stop(id);
  ASSERT_EQ(h.client().cancels.size(), 1u);
  EXPECT_EQ(h.client().cancels[0].id.view(), "ex-1");
  EXPECT_EQ(done.calls, 0);  // not before the venue confirms
  EXPECT_EQ(h.router().active(), 1u);

  EXPECT_EQ(h.Canceled(Child(1)), ApplyOutcome::kApplied);
  EXPECT_EQ(done.calls, 1);
  EXPECT_EQ(done.last.id, id);
  EXPECT_EQ(done.last.outcome, WorkOutcome::kUnfilled);
  EXPECT_EQ(done.last.filled, Lots(3));
  EXPECT_NEAR(done.last.cost, 3.0, 1e-9);
  EXPECT_NEAR(done.last.fees, -0.0006, 1e-12);
  EXPECT_EQ(h.client().submits.size(), 1u);  // no re-post after a stop
  EXPECT_EQ(h.router().active(), 0u);

  // A repeat of the cancel, a second Stop and the old TTL change nothing.
  (void)h.Canceled(Child(1));
  worker.Stop(id);
  h.AdvanceBy(Ms(2'000));
  EXPECT_EQ(done.calls, 1);
  EXPECT_EQ(h.client().cancels.size(), 1u);
  EXPECT_EQ(h.client().submits.size(), 1u);
}

TEST(ExecutionRouter, StopWhileWaitingForARetryEndsAtOnce) {
  Harness h;
  h.approver().DenyNext(1, DenyReason::kRateLimitPerMinute);
  DoneLog done;
  const std::uint64_t id = h.router().Work(h.Slice(Side::kBuy, 10), done.Callback());
  EXPECT_EQ(done.calls, 0);
  h.router().Stop(id);
  EXPECT_EQ(done.calls, 1);
  EXPECT_EQ(done.last.outcome, WorkOutcome::kUnfilled);
  h.AdvanceBy(Ms(2'000));
  EXPECT_EQ(h.approver().approvals.size(), 1u);
  EXPECT_TRUE(h.client().submits.empty());
  EXPECT_EQ(done.calls, 1);
}

// --- 11. CancelAll ------------------------------------------------------------

TEST(ExecutionRouter, CancelAllStopsEveryRequestOnTheInstrument) {
  Harness h;
  ASSERT_TRUE(h.Execute(h.Parent(Side::kBuy, 10)).ok());
  ASSERT_TRUE(h.Execute(h.Parent(Side::kSell, 5)).ok());
  h.Ack(Child(1));
  h.Ack(Child(2));
  EXPECT_EQ(h.Fill(Child(2), 10'001, 2, "t1"), ApplyOutcome::kApplied);
  h.approver().DenyNext(1, DenyReason::kRateLimitPerSecond);
  ASSERT_TRUE(h.Execute(h.Parent(Side::kBuy, 7)).ok());  // waits for its retry
  EXPECT_EQ(h.router().active(), 3u);
  const std::size_t approvals = h.approver().approvals.size();

  h.AdvanceBy(Ms(10));
  ASSERT_TRUE(h.router().CancelAll(kId).ok());
  ASSERT_EQ(h.client().cancel_alls.size(), 1u);
  EXPECT_EQ(h.client().cancel_alls[0], kId);
  EXPECT_EQ(h.StatusOf(Child(1)), OrderStatus::kPendingCancel);
  EXPECT_EQ(h.StatusOf(Child(2)), OrderStatus::kPendingCancel);
  // The one with no order at the venue ends at once; the others wait for
  // their cancels.
  ASSERT_EQ(h.metrics().works_ended.size(), 1u);
  EXPECT_EQ(h.metrics().works_ended[0].outcome, WorkOutcome::kUnfilled);
  EXPECT_EQ(h.router().active(), 2u);

  EXPECT_EQ(h.Canceled(Child(2)), ApplyOutcome::kApplied);
  ASSERT_EQ(h.metrics().works_ended.size(), 2u);
  EXPECT_EQ(h.metrics().works_ended[1].outcome, WorkOutcome::kUnfilled);
  EXPECT_EQ(h.metrics().works_ended[1].side, Side::kSell);
  EXPECT_DOUBLE_EQ(h.metrics().works_ended[1].filled, 0.02);
  EXPECT_EQ(h.Canceled(Child(1)), ApplyOutcome::kApplied);
  ASSERT_EQ(h.metrics().works_ended.size(), 3u);
  EXPECT_EQ(h.metrics().works_ended[2].outcome, WorkOutcome::kUnfilled);
  EXPECT_EQ(h.router().active(), 0u);

  // No re-post, no TTL cancel, no retry afterwards.
  h.AdvanceBy(Ms(2'000));
  EXPECT_EQ(h.client().submits.size(), 2u);
  EXPECT_EQ(h.approver().approvals.size(), approvals);
  EXPECT_TRUE(h.client().cancels.empty());
}

// --- 12. Iceberg ----------------------------------------------------------------

TEST(ExecutionRouter, IcebergShowsAtMostTheVisibleQtyAndSlicesOnlyAfterAFill) {
  ExecConfig c = BaseConfig();
  c.iceberg_visible_notional = 300.0;  // 3.00 at 100.00
  Harness h(c);
  DoneLog done;
  (void)h.router().Work(h.Slice(Side::kBuy, 1'000), done.Callback());
  ASSERT_EQ(h.client().submits.size(), 1u);
  EXPECT_EQ(h.LastSent().qty, Lots(300));
  h.Ack(Child(1));
  EXPECT_EQ(h.Fill(Child(1), 10'000, 100, "t1"), ApplyOutcome::kApplied);
  EXPECT_EQ(h.client().submits.size(), 1u);  // the slice is not done yet
  EXPECT_EQ(h.Fill(Child(1), 10'000, 200, "t2"), ApplyOutcome::kApplied);
  ASSERT_EQ(h.client().submits.size(), 2u);
  EXPECT_EQ(h.LastSent().qty, Lots(300));

  // A slice that expires unfilled is shown again at the visible qty.
  h.Ack(Child(2));
  h.AdvanceBy(Ms(150));
  ASSERT_EQ(h.client().cancels.size(), 1u);
  EXPECT_EQ(h.Canceled(Child(2)), ApplyOutcome::kApplied);
  ASSERT_EQ(h.client().submits.size(), 3u);
  EXPECT_EQ(h.LastSent().qty, Lots(300));

  h.Ack(Child(3));
  EXPECT_EQ(h.Fill(Child(3), 10'000, 300, "t3"), ApplyOutcome::kApplied);
  ASSERT_EQ(h.client().submits.size(), 4u);
  EXPECT_EQ(h.LastSent().qty, Lots(300));
  h.Ack(Child(4));
  EXPECT_EQ(h.Fill(Child(4), 10'000, 300, "t4"), ApplyOutcome::kApplied);
  ASSERT_EQ(h.client().submits.size(), 5u);
  EXPECT_EQ(h.LastSent().qty, Lots(100));  // the remainder
  h.Ack(Child(5));
  EXPECT_EQ(h.Fill(Child(5), 10'000, 100, "t5"), ApplyOutcome::kApplied);

  EXPECT_EQ(h.client().submits.size(), 5u);
  for (const auto& s : h.client().submits) {
    EXPECT_LE(s.request.qty, Lots(300));
  }
  EXPECT_EQ(done.calls, 1);
  EXPECT_EQ(done.last.outcome, WorkOutcome::kFilled);
  EXPECT_EQ(done.last.filled, Lots(1'000));
}

// --- 13. Partial fill then expiry --------------------------------------------------

TEST(ExecutionRouter, PartialFillThenExpiryRepostsTheRemainder) {
  Harness h;
  ASSERT_TRUE(h.Execute(h.Parent(Side::kBuy, 10)).ok());
  h.Ack(Child(1));
  EXPECT_EQ(h.Fill(Child(1), 10'000, 4, "t1"), ApplyOutcome::kApplied);
  h.AdvanceBy(Ms(150));
  ASSERT_EQ(h.client().cancels.size(), 1u);
  h.Book(10'001, 10'002);
  EXPECT_EQ(h.Canceled(Child(1)), ApplyOutcome::kApplied);
  ASSERT_EQ(h.client().submits.size(), 2u);
  EXPECT_EQ(h.LastSent().qty, Lots(6));
  EXPECT_EQ(h.LastSent().price, Ticks(10'001));
  EXPECT_EQ(h.LastSent().tif, TimeInForce::kPostOnly);
  EXPECT_EQ(h.metrics().maker_attempts, 1u);
  EXPECT_EQ(h.metrics().maker_attempts_filled, 1u);  // it filled some: a filled attempt
  EXPECT_EQ(h.metrics().reposts, 1u);

  h.Ack(Child(2));
  EXPECT_EQ(h.Fill(Child(2), 10'001, 6, "t2"), ApplyOutcome::kApplied);
  ASSERT_EQ(h.metrics().works_ended.size(), 1u);
  EXPECT_EQ(h.metrics().works_ended[0].outcome, WorkOutcome::kFilled);
  EXPECT_DOUBLE_EQ(h.metrics().works_ended[0].filled, 0.10);
  EXPECT_EQ(h.metrics().maker_attempts, 2u);
  EXPECT_EQ(h.metrics().maker_attempts_filled, 2u);
}

// --- 14. Metrics ----------------------------------------------------------------

TEST(ExecutionRouter, MetricsSlippageTtlAndSignalToOrder) {
  Harness h;
  h.AdvanceBy(Ms(10));
  OrderRequest r = h.Parent(Side::kBuy, 10);
  r.ts_event = h.Now() - Ms(5);  // the signal came 5 ms ago
  ASSERT_TRUE(h.Execute(r).ok());
  const ExecutionMetrics& m = h.metrics();
  EXPECT_EQ(m.signal_to_order_ns.count(), 1u);
  EXPECT_EQ(m.signal_to_order_ns.max(), 5'000'000u);
  EXPECT_EQ(m.signal_to_order_ns.min(), 5'000'000u);
  EXPECT_EQ(m.ttl_ns.count(), 1u);
  EXPECT_EQ(m.ttl_ns.max(), 150'000'000u);

  h.Ack(Child(1));
  h.AdvanceBy(Ms(7));
  EXPECT_EQ(h.Fill(Child(1), 10'000, 10, "t1", -0.002), ApplyOutcome::kApplied);
  ASSERT_EQ(m.fills.size(), 1u);
  const ExecFillRecord& f = m.fills[0];
  EXPECT_EQ(f.liquidity, LiquiditySide::kMaker);
  EXPECT_DOUBLE_EQ(f.arrival_mid, kMid);
  EXPECT_LT(f.slippage_bps, 0.0);  // a maker buy below the mid: better than arrival
  EXPECT_NEAR(f.slippage_bps, (100.00 - kMid) / kMid * 1e4, 1e-9);
  EXPECT_EQ(f.order_to_fill, Ms(7));
  EXPECT_DOUBLE_EQ(f.price, 100.00);
  EXPECT_DOUBLE_EQ(f.qty, 0.10);
  EXPECT_NEAR(m.fees, -0.002, 1e-12);
  ASSERT_EQ(m.works_ended.size(), 1u);
  EXPECT_NEAR(m.works_ended[0].slippage_bps, (100.00 - kMid) / kMid * 1e4, 1e-9);
  EXPECT_DOUBLE_EQ(m.works_ended[0].avg_price, 100.00);
}

TEST(ExecutionRouter, MetricsSellSlippageAndOneTtlPerMakerOrder) {
  Harness h;
  ASSERT_TRUE(h.Execute(h.Parent(Side::kSell, 10)).ok());
  h.Ack(Child(1));
  h.AdvanceBy(Ms(150));
  EXPECT_EQ(h.Canceled(Child(1)), ApplyOutcome::kApplied);
  h.Ack(Child(2));
  EXPECT_EQ(h.Fill(Child(2), 10'001, 10, "t1"), ApplyOutcome::kApplied);
  const ExecutionMetrics& m = h.metrics();
  EXPECT_EQ(m.ttl_ns.count(), 2u);
  EXPECT_EQ(m.ttl_ns.min(), 150'000'000u);
  EXPECT_EQ(m.ttl_ns.max(), 150'000'000u);
  ASSERT_EQ(m.fills.size(), 1u);
  // A sell above the arrival mid: negative (better).
  EXPECT_NEAR(m.fills[0].slippage_bps, (kMid - 100.01) / kMid * 1e4, 1e-9);
  EXPECT_LT(m.fills[0].slippage_bps, 0.0);
}

// --- Races with the venue (each was a bug once) ------------------------------------

// A Stop that comes before the venue's OrderSubmitted still cancels: the
// router records the send itself, so the order can be canceled at once
// (it was lost when the order was still Initialized).
TEST(ExecutionRouter, StopBeforeTheVenueAcknowledgedTheSubmitStillCancels) {
  Harness h;
  DoneLog done;
  const std::uint64_t id = h.router().Work(h.Slice(Side::kBuy, 10), done.Callback());
  h.router().Stop(id);  // the client's OrderSubmitted is still on its way
  h.Ack(Child(1), ApplyOutcome::kLate);
  h.AdvanceBy(Ms(2'000));
  ASSERT_EQ(h.client().cancels.size(), 1u) << "the stopped order was never canceled";
  EXPECT_EQ(h.Canceled(Child(1)), ApplyOutcome::kApplied);
  EXPECT_EQ(done.calls, 1);
  EXPECT_EQ(done.last.outcome, WorkOutcome::kUnfilled);
}

// A TTL that fires before the venue's OrderSubmitted arrived still
// cancels the maker order.
TEST(ExecutionRouter, TtlFiringBeforeTheSubmitAcknowledgementIsNotLost) {
  Harness h;
  ASSERT_TRUE(h.Execute(h.Parent(Side::kBuy, 10)).ok());
  h.AdvanceBy(Ms(150));  // no OrderSubmitted yet
  h.Ack(Child(1), ApplyOutcome::kLate);
  h.AdvanceBy(Ms(2'000));
  EXPECT_GE(h.client().cancels.size(), 1u) << "the maker order outlived its TTL";
}

// A cancel the venue refuses while the order is still open (here
// kRateLimited) is tried again retry_delay later: the work must not wait
// for ever on an order that is back in Accepted.
TEST(ExecutionRouter, CancelRefusedWhileTheOrderIsOpenIsTriedAgain) {
  Harness h;
  ASSERT_TRUE(h.Execute(h.Parent(Side::kBuy, 10)).ok());
  h.Ack(Child(1));
  h.AdvanceBy(Ms(150));
  ASSERT_EQ(h.client().cancels.size(), 1u);
  EXPECT_EQ(h.CancelRejected(Child(1), RejectReason::kRateLimited), ApplyOutcome::kApplied);
  EXPECT_EQ(h.StatusOf(Child(1)), OrderStatus::kAccepted);
  h.AdvanceBy(Ms(2'000));
  EXPECT_GE(h.client().cancels.size(), 2u) << "the expired order is left working with no TTL";
}

// A Cancel the client could not send (an error from
// ExecutionClient::Cancel) is counted in send_errors and tried again
// retry_delay later; the order is working meanwhile.
TEST(ExecutionRouter, CancelTheClientCouldNotSendIsTriedAgain) {
  Harness h;
  ASSERT_TRUE(h.Execute(h.Parent(Side::kBuy, 10)).ok());
  h.Ack(Child(1));
  h.client().fail_cancels = 1;
  h.AdvanceBy(Ms(150));
  ASSERT_EQ(h.client().cancels.size(), 1u);
  EXPECT_EQ(h.metrics().send_errors, 1u);
  h.AdvanceBy(Ms(2'000));
  EXPECT_GE(h.client().cancels.size(), 2u) << "the failed cancel was never sent again";
}

// --- The owner's answer hook ------------------------------------------------------

// OnAnswerApplied runs once for every answer, after the router's books took
// it and before the router acts on it: a re-post is approved only after
// the owner (portfolio, governor) has seen the cancel of the order before.
TEST(ExecutionRouter, AnswerHookSeesEveryAnswerBeforeTheRouterActsOnIt) {
  Harness h;
  struct Seen {
    bool canceled = false;
    ApplyOutcome outcome = ApplyOutcome::kApplied;
    std::size_t approvals = 0;
    std::size_t submits = 0;
  };
  std::vector<Seen> seen;
  h.router().OnAnswerApplied([&](const Event& e, ApplyOutcome o) {
    seen.push_back(
        Seen{std::holds_alternative<OrderCanceled>(e), o, h.approver().approvals.size(), h.client().submits.size()});
  });
  ASSERT_TRUE(h.Execute(h.Parent(Side::kBuy, 10)).ok());
  h.Ack(Child(1));
  ASSERT_EQ(seen.size(), 2u);  // OrderSubmitted, OrderAccepted
  h.AdvanceBy(Ms(150));
  ASSERT_EQ(h.client().cancels.size(), 1u);
  EXPECT_EQ(h.Canceled(Child(1)), ApplyOutcome::kApplied);
  ASSERT_EQ(seen.size(), 3u);
  EXPECT_TRUE(seen[2].canceled);
  EXPECT_EQ(seen[2].outcome, ApplyOutcome::kApplied);
  EXPECT_EQ(seen[2].approvals, 1u) << "the re-post was approved before the owner saw the cancel";
  EXPECT_EQ(seen[2].submits, 1u);
  ASSERT_EQ(h.client().submits.size(), 2u);  // then the re-post
  EXPECT_EQ(h.approver().approvals.size(), 2u);

  // Duplicates and answers for orders the router does not know reach the
  // hook too, with their outcome.
  h.Ack(Child(2));
  const Event fill = h.MakeFill(Child(2), 10'000, 4, "t1");
  EXPECT_EQ(h.Send(fill), ApplyOutcome::kApplied);
  EXPECT_EQ(h.Send(fill), ApplyOutcome::kDuplicate);
  ASSERT_EQ(seen.size(), 7u);
  EXPECT_EQ(seen[5].outcome, ApplyOutcome::kApplied);
  EXPECT_EQ(seen[6].outcome, ApplyOutcome::kDuplicate);
  EXPECT_EQ(h.Canceled(Cid("not-ours")), ApplyOutcome::kUnknownOrder);
  ASSERT_EQ(seen.size(), 8u);
  EXPECT_EQ(seen[7].outcome, ApplyOutcome::kUnknownOrder);
  EXPECT_TRUE(h.metrics().works_ended.empty());  // the request works on
  EXPECT_EQ(h.router().active(), 1u);
}

// The owner may stop the request from the hook (the governor's kill switch
// cancels everything on a fill): the router then does not re-post.
TEST(ExecutionRouter, AnswerHookThatStopsTheRequestPreventsTheRepost) {
  Harness h;
  h.router().OnAnswerApplied([&](const Event& e, ApplyOutcome) {
    if (std::holds_alternative<OrderCanceled>(e)) {
      EXPECT_TRUE(h.router().CancelAll(kId).ok());
    }
  });
  ASSERT_TRUE(h.Execute(h.Parent(Side::kSell, 10)).ok());
  h.Ack(Child(1));
  h.AdvanceBy(Ms(150));
  EXPECT_EQ(h.Canceled(Child(1)), ApplyOutcome::kApplied);
  EXPECT_EQ(h.client().submits.size(), 1u);
  EXPECT_EQ(h.client().cancel_alls.size(), 1u);
  ASSERT_EQ(h.metrics().works_ended.size(), 1u);
  EXPECT_EQ(h.metrics().works_ended[0].outcome, WorkOutcome::kUnfilled);
  EXPECT_EQ(h.router().active(), 0u);
}

// A sell re-posted at a higher ask carries no more notional than its first
// child, which the governor approved (the governor sized the request for
// that one): the qty is cut to the lot, the rest follows in the next child.
TEST(ExecutionRouter, SellRepostedHigherKeepsTheNotionalOfItsFirstChild) {
  Harness h;
  ASSERT_TRUE(h.Execute(h.Parent(Side::kSell, 10)).ok());
  ASSERT_EQ(h.LastSent().price, Ticks(10'001));  // 0.10 at 100.01: 10.001
  ASSERT_EQ(h.LastSent().qty, Lots(10));
  h.Ack(Child(1));
  h.AdvanceBy(Ms(150));
  h.Book(10'100, 10'101);  // up 1%
  EXPECT_EQ(h.Canceled(Child(1)), ApplyOutcome::kApplied);
  ASSERT_EQ(h.client().submits.size(), 2u);
  EXPECT_EQ(h.LastSent().price, Ticks(10'101));
  EXPECT_EQ(h.LastSent().qty, Lots(9));  // 10.001 / 101.01 = 0.0990 -> 0.09
  EXPECT_LE(h.LastSent().qty.ToDouble() * h.LastSent().price.ToDouble(), 10.001 + 1e-9);
  h.Ack(Child(2));
  EXPECT_EQ(h.Fill(Child(2), 10'101, 9, "t1"), ApplyOutcome::kApplied);
  // The rest, one lot, at the touch.
  ASSERT_EQ(h.client().submits.size(), 3u);
  EXPECT_EQ(h.LastSent().qty, Lots(1));
  EXPECT_EQ(h.LastSent().price, Ticks(10'101));
  h.Ack(Child(3));
  EXPECT_EQ(h.Fill(Child(3), 10'101, 1, "t2"), ApplyOutcome::kApplied);
  ASSERT_EQ(h.metrics().works_ended.size(), 1u);
  EXPECT_EQ(h.metrics().works_ended[0].outcome, WorkOutcome::kFilled);
  EXPECT_DOUBLE_EQ(h.metrics().works_ended[0].filled, 0.10);
}

// A buy re-posted higher under its limit, and a reduce-only sell re-posted
// higher, keep their qty: the buy was sized at its limit; the reduce-only
// order closes what is held.
TEST(ExecutionRouter, BuysUnderTheirLimitAndReduceOnlyOrdersKeepTheirQty) {
  for (const bool reduce_only : {false, true}) {
    SCOPED_TRACE(reduce_only ? "reduce-only sell" : "buy");
    Harness h;
    OrderRequest r = h.Parent(reduce_only ? Side::kSell : Side::kBuy, 10);
    r.reduce_only = reduce_only;
    ASSERT_TRUE(h.Execute(r).ok());
    h.Ack(Child(1));
    h.AdvanceBy(Ms(150));
    h.Book(10'100, 10'101);
    EXPECT_EQ(h.Canceled(Child(1)), ApplyOutcome::kApplied);
    ASSERT_EQ(h.client().submits.size(), 2u);
    EXPECT_EQ(h.LastSent().price, reduce_only ? Ticks(10'101) : Ticks(10'100));
    EXPECT_EQ(h.LastSent().qty, Lots(10));
  }
}

}  // namespace
}  // namespace hean
