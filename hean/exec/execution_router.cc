#include "hean/exec/execution_router.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string_view>
#include <utility>
#include <variant>

#include "hean/core/check.h"

namespace hean {

namespace {

enum class Phase : std::uint8_t {
  kIdle = 0,   // nothing sent yet, or between two orders
  kMaker,      // a post-only order is working
  kCanceling,  // its cancel is in flight
  kTaking,     // an IOC (or a market order sent as is) is in flight
  kRetryWait,  // a rate-limit denial: waiting to try again
};

enum class CancelWhy : std::uint8_t { kNone = 0, kExpiry, kChase, kStop };

double Bps(Rate r) noexcept { return r.ToDouble() * 1e4; }

bool IsRateLimit(DenyReason r) noexcept {
  return r == DenyReason::kRateLimitPerSecond || r == DenyReason::kRateLimitPerMinute;
}

const ClientOrderId* ClientIdOf(const Event& e) noexcept {
  return std::visit(
      [](const auto& x) -> const ClientOrderId* {
        if constexpr (requires { x.client_order_id; }) {
          if constexpr (std::is_same_v<std::decay_t<decltype(x.client_order_id)>, ClientOrderId>) {
            return &x.client_order_id;
          }
        }
        return nullptr;
      },
      e);
}

}  // namespace

// One request being worked, and its one live child order.
struct ExecutionRouter::WorkState {
  std::uint64_t id = 0;
  WorkRequest req;
  WorkDone done;
  const Instrument* inst = nullptr;
  InstrumentState* is = nullptr;
  Phase phase = Phase::kIdle;
  bool direct = false;  // a governor order sent as it is (market)
  bool stop = false;
  bool first_sent = false;
  bool retry_maker = false;  // what a retry after a rate-limit denial sends
  std::int64_t wall_start = 0;
  UnixNanos started;

  Qty filled;
  double cost = 0.0;
  double fees = 0.0;
  double maker_qty = 0.0;
  std::uint32_t reposts = 0;
  std::uint32_t maker_orders = 0;
  std::uint32_t taker_orders = 0;
  std::uint32_t post_only_rejects = 0;
  double first_notional = 0.0;  // of the first child the governor approved
  DenyReason denied = DenyReason::kInvalidOrder;

  // The live child.
  ClientOrderId child;
  bool child_maker = false;
  Qty child_qty;
  Qty child_filled;
  std::int64_t child_price_raw = 0;
  UnixNanos child_sent;
  double child_send_mid = 0.0;
  double child_predicted_bps = 0.0;
  CancelWhy cancel_why = CancelWhy::kNone;
  TimerId timer;

  Qty remaining() const noexcept { return req.qty - filled; }
};

struct ExecutionRouter::InstrumentState {
  InstrumentState(const Instrument& i, const AdaptiveTtlConfig& c, const Logger& l) : inst(&i), ttl(c, i.symbol, l) {}
  const Instrument* inst;
  AdaptiveTtl ttl;
  std::vector<WorkState*> makers;  // works with a maker child working (phase kMaker)
};

std::size_t ExecutionRouter::IdHash::operator()(const ClientOrderId& id) const noexcept {
  return std::hash<std::string_view>{}(id.view());
}

ExecutionRouter::ExecutionRouter(ExecConfig config, Services services)
    : config_(std::move(config)),
      s_(std::move(services)),
      log_(s_.logger.WithComponent("exec")),
      cache_(config_.slippage, *s_.clock, *s_.books),
      algos_(*s_.clock, *s_.timers, *this, config_.algo, s_.profile, s_.logger) {
  HEAN_CHECK(s_.clock != nullptr && s_.timers != nullptr && s_.instruments != nullptr && s_.books != nullptr &&
                 s_.client != nullptr && s_.approver != nullptr,
             "ExecutionRouter: a required service is missing");
  if (Status st = config_.Validate(); !st.ok())
    internal::CheckFailed(__FILE__, __LINE__, "ExecConfig::Validate()", st.message().c_str());
  cache_.Start(*s_.timers);
}

ExecutionRouter::~ExecutionRouter() {
  cache_.Stop();
  for (auto& [id, w] : works_) {
    if (w->timer.valid()) s_.timers->Cancel(w->timer);
  }
}

ExecutionRouter::InstrumentState* ExecutionRouter::State(InstrumentId id) noexcept {
  if (!id.valid() || id.value >= instruments_.size()) return nullptr;
  return instruments_[id.value].get();
}

const AdaptiveTtl* ExecutionRouter::ttl(InstrumentId instrument) const noexcept {
  if (!instrument.valid() || instrument.value >= instruments_.size() || !instruments_[instrument.value]) return nullptr;
  return &instruments_[instrument.value]->ttl;
}

ExecutionRouter::InstrumentState& ExecutionRouter::Ensure(InstrumentId id) {
  if (id.value >= instruments_.size()) instruments_.resize(id.value + 1);
  auto& slot = instruments_[id.value];
  if (!slot) {
    slot = std::make_unique<InstrumentState>(s_.instruments->Get(id), config_.ttl, s_.logger);
    cache_.Activate(id);
    cache_.Refresh(id);
  }
  return *slot;
}

void ExecutionRouter::Watch(InstrumentId instrument) { (void)Ensure(instrument); }

std::size_t ExecutionRouter::active() const noexcept { return works_.size() + algos_.active(); }

ClientOrderId ExecutionRouter::NextChildId() {
  char buf[32];
  const int n = std::snprintf(buf, sizeof buf, "ex-%llu", static_cast<unsigned long long>(next_child_++));
  return ClientOrderId::Of(std::string_view(buf, static_cast<std::size_t>(n)));
}

namespace {

// The mid of a two-sided valid book, 0 otherwise.
struct Touch {
  std::int64_t bid = 0;  // raw prices
  std::int64_t ask = 0;
  double mid = 0.0;
  bool ok = false;
};

Touch TouchOf(const OrderBook* book) noexcept {
  Touch t;
  if (book == nullptr || !book->IsValid()) return t;
  const auto b = book->BestBid();
  const auto a = book->BestAsk();
  if (!b || !a || b->price.raw() >= a->price.raw()) return t;
  t.bid = b->price.raw();
  t.ask = a->price.raw();
  t.mid = (b->price.ToDouble() + a->price.ToDouble()) / 2.0;
  t.ok = true;
  return t;
}

}  // namespace

Status ExecutionRouter::Execute(const ApprovedOrder& order) {
  const std::int64_t wall = MonotonicNanos();
  ++metrics_.requests;
  const OrderRequest& r = order.get();
  if (!r.instrument.valid() || !s_.instruments->Contains(r.instrument)) {
    return Status(StatusCode::kInvalidArgument, "execution router: unknown instrument");
  }
  InstrumentState& is = Ensure(r.instrument);

  if (r.type == OrderType::kMarket) {
    // Sent as it is (the kill switch's flatten orders): nothing to work.
    auto created = orders_.Create(r, s_.clock->Now());
    if (!created.ok()) {
      return Status(StatusCode::kInvalidArgument, std::string(OrderManagerErrorName(created.error())));
    }
    auto w = std::make_unique<WorkState>();
    w->id = next_work_++;
    w->req.instrument = r.instrument;
    w->req.side = r.side;
    w->req.qty = r.qty;
    w->req.urgency = r.urgency;
    w->req.reduce_only = r.reduce_only;
    w->req.strategy = r.strategy;
    w->req.signal_id = r.signal_id;
    w->req.parent = r.client_order_id;
    w->req.requested_at = r.ts_event;
    w->inst = is.inst;
    w->is = &is;
    w->direct = true;
    w->started = s_.clock->Now();
    w->wall_start = wall;
    const Touch t = TouchOf(s_.books->Find(r.instrument));
    w->req.arrival_mid = t.mid;
    w->child = r.client_order_id;
    w->child_qty = r.qty;
    w->child_sent = w->started;
    w->child_send_mid = t.mid;
    w->child_predicted_bps = cache_.Lookup(r.instrument, r.side, r.qty.ToDouble() * t.mid).bps;
    w->phase = Phase::kTaking;
    w->first_sent = true;
    ++w->taker_orders;
    ++metrics_.works;
    ++metrics_.child_orders;
    ++metrics_.taker_orders;
    const std::uint64_t id = w->id;
    by_child_[r.client_order_id] = id;
    works_.emplace(id, std::move(w));
    if (Status st = s_.client->Submit(order); !st.ok()) {
      ++metrics_.send_errors;
      OrderRejected rej;
      rej.ts_event = rej.ts_recv = s_.clock->Now();
      rej.instrument = r.instrument;
      rej.client_order_id = r.client_order_id;
      (void)orders_.Apply(rej);
      by_child_.erase(r.client_order_id);
      works_.erase(id);
      return st;
    }
    return Status::Ok();
  }

  // A limit request: released from the governor's count, worked through
  // child orders the governor approves one by one.
  s_.approver->Release(r.client_order_id);
  WorkRequest w;
  w.instrument = r.instrument;
  w.side = r.side;
  w.qty = r.qty;
  w.urgency = r.urgency;
  w.limit = r.price;
  w.reduce_only = r.reduce_only;
  w.strategy = r.strategy;
  w.signal_id = r.signal_id;
  w.parent = r.client_order_id;
  w.requested_at = r.ts_event;
  const Touch t = TouchOf(s_.books->Find(r.instrument));
  w.arrival_mid = t.mid;
  const ClientOrderId parent = r.client_order_id;
  const InstrumentId instrument = r.instrument;
  if (config_.algo.algo != ExecAlgo::kNone && r.qty.ToDouble() * t.mid >= config_.algo.min_notional) {
    Logger log = log_;
    (void)algos_.Start(w, is.inst->lot_size, [this, log, parent, instrument](const WorkResult& res) {
      log.Info("{} {} ended {}: filled {}", "algo", parent.view(), WorkOutcomeName(res.outcome), res.filled.ToString());
      if (request_done_) request_done_(parent, instrument, res);
    });
    return Status::Ok();
  }
  WorkDone done;
  if (request_done_) {
    done = [this, parent, instrument](const WorkResult& res) {
      if (request_done_) request_done_(parent, instrument, res);
    };
  }
  (void)StartWork(w, std::move(done), wall);
  return Status::Ok();
}

std::uint64_t ExecutionRouter::Work(const WorkRequest& request, WorkDone done) {
  return StartWork(request, std::move(done), MonotonicNanos());
}

std::uint64_t ExecutionRouter::StartWork(const WorkRequest& request, WorkDone done, std::int64_t wall_start) {
  InstrumentState& is = Ensure(request.instrument);
  auto owned = std::make_unique<WorkState>();
  WorkState& w = *owned;
  w.id = next_work_++;
  w.req = request;
  w.done = std::move(done);
  w.inst = is.inst;
  w.is = &is;
  w.started = s_.clock->Now();
  w.wall_start = wall_start;
  if (w.req.arrival_mid <= 0.0) w.req.arrival_mid = TouchOf(s_.books->Find(request.instrument)).mid;
  // A qty off the lot cannot be sent: what is below the lot stays unworked.
  w.req.qty = w.inst->RoundQtyDown(w.req.qty);
  const std::uint64_t id = w.id;
  works_.emplace(id, std::move(owned));
  ++metrics_.works;
  if (!w.req.qty.IsPositive()) {
    End(w, WorkOutcome::kUnfilled);
    return id;
  }
  const bool take = w.req.force_take || config_.mode == ExecMode::kTakerOnly || ShouldTakeNow(w);
  if (take) {
    (void)SendTaker(w);
  } else {
    (void)SendMaker(w);
  }
  return id;
}

bool ExecutionRouter::ShouldTakeNow(const WorkState& w) const noexcept {
  double edge = config_.normal_take_edge_bps;
  switch (w.req.urgency) {
    case Urgency::kPassive: edge = config_.passive_take_edge_bps; break;
    case Urgency::kNormal: edge = config_.normal_take_edge_bps; break;
    case Urgency::kAggressive: edge = config_.aggressive_take_edge_bps; break;
  }
  const Touch t = TouchOf(s_.books->Find(w.req.instrument));
  if (!t.ok) return false;
  const double half_spread_bps =
      (static_cast<double>(t.ask - t.bid) / static_cast<double>(kFixedScale)) / 2.0 / t.mid * 1e4;
  const SlippageLookup take = cache_.Lookup(w.req.instrument, w.req.side, w.remaining().ToDouble() * t.mid);
  const double take_cost = take.bps + Bps(w.inst->taker_fee);
  const double make_cost = Bps(w.inst->maker_fee) - half_spread_bps;
  return take_cost - make_cost <= edge;
}

bool ExecutionRouter::SendMaker(WorkState& w) {
  const Touch t = TouchOf(s_.books->Find(w.req.instrument));
  if (!t.ok) {
    log_.Warn("{}: no two-sided book for {}: request {} ends", "maker", w.inst->symbol, w.id);
    End(w, WorkOutcome::kFailed);
    return false;
  }
  const bool buy = w.req.side == Side::kBuy;
  const std::int64_t tick = w.inst->tick_size.raw();
  std::int64_t px = buy ? t.bid : t.ask;
  if (config_.improve_one_tick && t.ask - t.bid > tick) px += buy ? tick : -tick;
  if (w.req.limit.IsDefined()) px = buy ? std::min(px, w.req.limit.raw()) : std::max(px, w.req.limit.raw());
  if (px <= 0) {
    End(w, WorkOutcome::kFailed);
    return false;
  }
  Qty qty = w.remaining();
  if (config_.iceberg_visible_notional > 0.0) {
    const double price = static_cast<double>(px) / static_cast<double>(kFixedScale);
    auto visible = Qty::FromDouble(config_.iceberg_visible_notional / price);
    Qty show = visible.ok() ? w.inst->RoundQtyDown(*visible) : qty;
    show = std::max(show, std::max(w.inst->min_qty, w.inst->lot_size));
    qty = std::min(qty, show);
  }
  qty = ChildQty(w, qty, px);
  if (!qty.IsPositive()) {
    End(w, w.remaining().IsPositive() ? WorkOutcome::kUnfilled : WorkOutcome::kFilled);
    return false;
  }
  return SendChild(w, ChildRequest(w, TimeInForce::kPostOnly, Price::FromRaw(px), qty), true);
}

bool ExecutionRouter::SendTaker(WorkState& w) {
  const Touch t = TouchOf(s_.books->Find(w.req.instrument));
  if (!t.ok) {
    log_.Warn("{}: no two-sided book for {}: request {} ends", "taker", w.inst->symbol, w.id);
    End(w, WorkOutcome::kFailed);
    return false;
  }
  const bool buy = w.req.side == Side::kBuy;
  const double bound = t.mid * (1.0 + (buy ? 1.0 : -1.0) * config_.max_slippage_bps / 1e4);
  auto p = Price::FromDouble(bound);
  if (!p.ok()) {
    End(w, WorkOutcome::kFailed);
    return false;
  }
  // On the grid, never beyond the bound.
  Price px = buy ? w.inst->RoundPriceDown(*p) : w.inst->RoundPriceUp(*p);
  if (w.req.limit.IsDefined()) px = buy ? std::min(px, w.req.limit) : std::max(px, w.req.limit);
  if (!px.IsPositive()) {
    End(w, WorkOutcome::kFailed);
    return false;
  }
  const OrderRequest child = ChildRequest(w, TimeInForce::kIoc, px, ChildQty(w, w.remaining(), px.raw()));
  if (!child.qty.IsPositive()) {
    End(w, WorkOutcome::kUnfilled);
    return false;
  }
  w.child_send_mid = t.mid;
  w.child_predicted_bps = cache_.Lookup(w.req.instrument, w.req.side, child.qty.ToDouble() * t.mid).bps;
  return SendChild(w, child, false);
}

// A limit child of the request at `price` for `qty`, stamped now.
OrderRequest ExecutionRouter::ChildRequest(const WorkState& w, TimeInForce tif, Price price, Qty qty) const {
  OrderRequest child;
  child.ts_event = child.ts_recv = s_.clock->Now();
  child.instrument = w.req.instrument;
  child.side = w.req.side;
  child.type = OrderType::kLimit;
  child.tif = tif;
  child.urgency = w.req.urgency;
  child.reduce_only = w.req.reduce_only;
  child.price = price;
  child.qty = qty;
  child.strategy = w.req.strategy;
  child.signal_id = w.req.signal_id;
  return child;
}

// A later child never carries more notional than the first one the
// governor approved for the request: a sell re-posted after the touch rose
// (or a buy without a limit) would otherwise be denied against the very
// order limit the request was sized by. Its qty is cut to that notional at
// its own price, to the lot (the rest goes in the next child). Buys with a
// limit never go above the limit the governor sized them at; a reduce-only
// order reduces what is held and keeps its qty. Zero when less than the
// instrument's minimum would be left.
Qty ExecutionRouter::ChildQty(const WorkState& w, Qty qty, std::int64_t price_raw) const noexcept {
  if (w.req.reduce_only || w.first_notional <= 0.0) return qty;
  if (w.req.side == Side::kBuy && w.req.limit.IsDefined()) return qty;
  const double price = static_cast<double>(price_raw) / static_cast<double>(kFixedScale);
  if (qty.ToDouble() * price <= w.first_notional) return qty;
  auto capped = Qty::FromDouble(w.first_notional / price);
  if (!capped.ok()) return Qty::Zero();
  const Qty q = std::min(qty, w.inst->RoundQtyDown(*capped));
  return q < w.inst->min_qty ? Qty::Zero() : q;
}

bool ExecutionRouter::SendChild(WorkState& w, const OrderRequest& request, bool maker) {
  OrderRequest child = request;
  child.client_order_id = NextChildId();
  auto approval = s_.approver->Approve(child);
  if (!approval.ok()) {
    const DenyReason why = approval.error();
    ++metrics_.denied;
    if (IsRateLimit(why)) {
      ++metrics_.rate_retries;
      w.phase = Phase::kRetryWait;
      w.retry_maker = maker;
      const std::uint64_t id = w.id;
      w.timer = s_.timers->ScheduleAfter(config_.retry_delay, [this, id](TimerId, UnixNanos) { OnRetry(id); });
      return false;
    }
    w.denied = why;
    End(w, WorkOutcome::kDenied);
    return false;
  }
  const UnixNanos now = s_.clock->Now();
  if (w.first_notional <= 0.0) w.first_notional = child.qty.ToDouble() * child.price.ToDouble();
  auto created = orders_.Create(child, now);
  if (!created.ok()) {
    s_.approver->Release(child.client_order_id);
    log_.Error("router could not record {}: {}", child.client_order_id.view(), OrderManagerErrorName(created.error()));
    End(w, WorkOutcome::kFailed);
    return false;
  }
  if (child_sent_) child_sent_(child.client_order_id, w.req.parent);
  // The state first: a client may answer before Submit returns.
  const std::uint64_t id = w.id;
  w.child = child.client_order_id;
  w.child_maker = maker;
  w.child_qty = child.qty;
  w.child_filled = Qty();
  w.child_price_raw = child.price.raw();
  w.child_sent = now;
  w.cancel_why = CancelWhy::kNone;
  by_child_[child.client_order_id] = id;
  ++metrics_.child_orders;
  Duration ttl;
  if (maker) {
    ++w.maker_orders;
    ++metrics_.maker_orders;
    w.phase = Phase::kMaker;
    if (config_.mode == ExecMode::kAdaptiveTtl) {
      const Touch t = TouchOf(s_.books->Find(w.req.instrument));
      const double spread_bps =
          t.ok ? static_cast<double>(t.ask - t.bid) / static_cast<double>(kFixedScale) / t.mid * 1e4 : 0.0;
      ttl = w.is->ttl.Next(spread_bps);
    } else {
      ttl = config_.fixed_ttl;
    }
    metrics_.ttl_ns.Record(static_cast<std::uint64_t>(ttl.nanos()));
    w.is->makers.push_back(&w);
  } else {
    ++w.taker_orders;
    ++metrics_.taker_orders;
    w.phase = Phase::kTaking;
  }
  const bool first = !w.first_sent;
  w.first_sent = true;
  if (Status st = s_.client->Submit(*approval); !st.ok()) {
    ++metrics_.send_errors;
    log_.Error("send of {} failed: {}", child.client_order_id.view(), st.message());
    s_.approver->Release(child.client_order_id);
    OrderRejected rej;
    rej.ts_event = rej.ts_recv = now;
    rej.instrument = child.instrument;
    rej.client_order_id = child.client_order_id;
    (void)orders_.Apply(rej);
    by_child_.erase(child.client_order_id);
    auto it = works_.find(id);
    if (it != works_.end()) {
      WorkState& again = *it->second;
      std::erase(again.is->makers, &again);
      End(again, WorkOutcome::kFailed);
    }
    return false;
  }
  // Sent: the order may be canceled from now on, before the venue's own
  // OrderSubmitted comes back (that one is then a duplicate).
  if (const Order* o = orders_.Find(child.client_order_id); o != nullptr && o->status == OrderStatus::kInitialized) {
    OrderSubmitted sent;
    sent.ts_event = sent.ts_recv = now;
    sent.instrument = child.instrument;
    sent.client_order_id = child.client_order_id;
    (void)orders_.Apply(sent);
  }
  if (first) {
    metrics_.signal_to_order_ns.Record(
        static_cast<std::uint64_t>(std::max<std::int64_t>(0, (now - w.req.requested_at).nanos())));
    metrics_.signal_to_order_wall_ns.Record(
        static_cast<std::uint64_t>(std::max<std::int64_t>(0, MonotonicNanos() - w.wall_start)));
  }
  // The work may have ended while Submit answered synchronously.
  auto it = works_.find(id);
  if (it == works_.end()) return false;
  WorkState& live = *it->second;
  if (maker && live.phase == Phase::kMaker && live.child == child.client_order_id) {
    live.timer = s_.timers->ScheduleAfter(ttl, [this, id](TimerId, UnixNanos) { OnTtl(id); });
  }
  return true;
}

void ExecutionRouter::OnRetry(std::uint64_t work_id) {
  auto it = works_.find(work_id);
  if (it == works_.end()) return;
  WorkState& w = *it->second;
  if (w.phase != Phase::kRetryWait) return;
  w.timer = TimerId{};
  w.phase = Phase::kIdle;
  if (w.stop) {
    End(w, w.remaining().IsPositive() ? WorkOutcome::kUnfilled : WorkOutcome::kFilled);
    return;
  }
  if (w.retry_maker) {
    (void)SendMaker(w);
  } else {
    (void)SendTaker(w);
  }
}

void ExecutionRouter::OnTtl(std::uint64_t work_id) {
  auto it = works_.find(work_id);
  if (it == works_.end()) return;
  WorkState& w = *it->second;
  w.timer = TimerId{};
  if (w.phase != Phase::kMaker) return;
  const UnixNanos now = s_.clock->Now();
  if (auto r = orders_.RequestCancel(w.child, now); !r.ok()) {
    const Order* o = orders_.Find(w.child);
    // Closed meanwhile: its answer is on the way, nothing to cancel.
    if (o == nullptr || IsTerminal(o->status)) return;
    // Not cancelable yet (an amend or a cancel of ours is unanswered): try
    // again shortly, so that the order never outlives its TTL unseen.
    RearmTtl(w, config_.retry_delay);
    return;
  }
  w.phase = Phase::kCanceling;
  w.cancel_why = w.stop ? CancelWhy::kStop : CancelWhy::kExpiry;
  std::erase(w.is->makers, &w);
  if (Status st = s_.client->Cancel(w.req.instrument, w.child); !st.ok()) {
    ++metrics_.send_errors;
    log_.Error("cancel of {} failed: {}; trying again in {}", w.child.view(), st.message(),
               config_.retry_delay.ToString());
    // Never sent: the order is working as before.
    OrderCancelRejected back;
    back.ts_event = back.ts_recv = now;
    back.instrument = w.req.instrument;
    back.client_order_id = w.child;
    (void)orders_.Apply(back);
    w.phase = Phase::kMaker;
    w.is->makers.push_back(&w);
    RearmTtl(w, config_.retry_delay);
  }
}

void ExecutionRouter::RearmTtl(WorkState& w, Duration after) {
  if (w.timer.valid()) s_.timers->Cancel(w.timer);
  const std::uint64_t id = w.id;
  w.timer = s_.timers->ScheduleAfter(after, [this, id](TimerId, UnixNanos) { OnTtl(id); });
}

void ExecutionRouter::Stop(std::uint64_t id) {
  auto it = works_.find(id);
  if (it == works_.end()) return;
  WorkState& w = *it->second;
  w.stop = true;
  switch (w.phase) {
    case Phase::kMaker:
      if (w.timer.valid()) s_.timers->Cancel(w.timer);
      OnTtl(id);
      if (auto again = works_.find(id); again != works_.end()) again->second->cancel_why = CancelWhy::kStop;
      break;
    case Phase::kRetryWait:
    case Phase::kIdle: End(w, w.remaining().IsPositive() ? WorkOutcome::kUnfilled : WorkOutcome::kFilled); break;
    case Phase::kCanceling:
    case Phase::kTaking: break;  // ends when the order closes
  }
}

Status ExecutionRouter::CancelAll(InstrumentId instrument) {
  algos_.StopAll(instrument);
  std::vector<std::uint64_t> ids;
  for (const auto& [id, w] : works_) {
    if (w->req.instrument == instrument) ids.push_back(id);
  }
  std::sort(ids.begin(), ids.end());
  const UnixNanos now = s_.clock->Now();
  for (std::uint64_t id : ids) {
    auto it = works_.find(id);
    if (it == works_.end()) continue;
    WorkState& w = *it->second;
    w.stop = true;
    if (w.phase == Phase::kMaker) {
      if (w.timer.valid()) s_.timers->Cancel(w.timer);
      w.timer = TimerId{};
      if (orders_.RequestCancel(w.child, now).ok()) {
        w.phase = Phase::kCanceling;
        w.cancel_why = CancelWhy::kStop;
        std::erase(w.is->makers, &w);
      }
    } else if (w.phase == Phase::kRetryWait || w.phase == Phase::kIdle) {
      End(w, w.remaining().IsPositive() ? WorkOutcome::kUnfilled : WorkOutcome::kFilled);
    }
  }
  return s_.client->CancelAll(instrument);
}

void ExecutionRouter::OnMarketData(const Event& event) noexcept {
  InstrumentId id;
  if (const auto* d = std::get_if<BookDelta>(&event)) {
    id = d->instrument;
  } else if (const auto* s = std::get_if<BookSnapshot>(&event)) {
    id = s->instrument;
  } else {
    return;
  }
  // The touch is read once per venue message, when the book is whole: a
  // message's first deltas leave states the venue never showed (a level
  // removed before its replacement is set, a book crossed for a moment).
  if (!s_.books->ReadyAfterMessage(id)) return;
  InstrumentState* is = State(id);
  if (is == nullptr) return;
  const Touch t = TouchOf(s_.books->Find(id));
  if (!t.ok) return;
  is->ttl.OnMid(s_.clock->Now(), t.mid);
  if (config_.chase_ticks <= 0 || is->makers.empty()) return;
  const std::int64_t limit = config_.chase_ticks * is->inst->tick_size.raw();
  // Chase: a maker order the touch left behind is canceled and re-posted.
  for (std::size_t i = 0; i < is->makers.size();) {
    WorkState* w = is->makers[i];
    const bool behind =
        w->req.side == Side::kBuy ? t.bid - w->child_price_raw >= limit : w->child_price_raw - t.ask >= limit;
    if (!behind) {
      ++i;
      continue;
    }
    ++metrics_.chases;
    if (w->timer.valid()) s_.timers->Cancel(w->timer);
    const std::uint64_t wid = w->id;
    OnTtl(wid);  // removes it from makers
    if (auto it = works_.find(wid); it != works_.end() && it->second->phase == Phase::kCanceling) {
      it->second->cancel_why = it->second->stop ? CancelWhy::kStop : CancelWhy::kChase;
    }
    if (i < is->makers.size() && is->makers[i] == w) ++i;  // OnTtl refused: move on
  }
}

void ExecutionRouter::RecordFill(WorkState& w, const FillReport& f, bool maker) {
  const double px = f.last_price.ToDouble();
  const double qty = f.last_qty.ToDouble();
  const double fee = f.fee.ToDouble();
  const bool buy = w.req.side == Side::kBuy;
  w.filled = w.filled + f.last_qty;
  w.child_filled = w.child_filled + f.last_qty;
  w.cost += px * qty;
  w.fees += fee;
  const bool as_maker = f.liquidity == LiquiditySide::kMaker || (f.liquidity == LiquiditySide::kUnknown && maker);
  if (as_maker) w.maker_qty += qty;

  ExecFillRecord r;
  r.ts = f.ts_recv.nanos() != 0 ? f.ts_recv : s_.clock->Now();
  r.work_id = w.id;
  r.instrument = w.req.instrument;
  r.side = w.req.side;
  r.liquidity = as_maker ? LiquiditySide::kMaker : LiquiditySide::kTaker;
  r.price = px;
  r.qty = qty;
  r.fee = fee;
  r.arrival_mid = w.req.arrival_mid;
  if (w.req.arrival_mid > 0.0) {
    r.slippage_bps = (buy ? px - w.req.arrival_mid : w.req.arrival_mid - px) / w.req.arrival_mid * 1e4;
  }
  if (!as_maker && w.child_send_mid > 0.0) {
    r.predicted_bps = w.child_predicted_bps;
    r.realised_bps = (buy ? px - w.child_send_mid : w.child_send_mid - px) / w.child_send_mid * 1e4;
  }
  r.order_to_fill = r.ts - w.child_sent;
  metrics_.order_to_fill_ns.Record(static_cast<std::uint64_t>(std::max<std::int64_t>(0, r.order_to_fill.nanos())));
  metrics_.fees += fee;
  metrics_.notional += px * qty;
  if (as_maker) {
    metrics_.maker_qty += qty;
  } else {
    metrics_.taker_qty += qty;
  }
  metrics_.fills.push_back(r);
}

ApplyOutcome ExecutionRouter::OnOrderEvent(const Event& event) {
  const ApplyOutcome outcome = orders_.Apply(event);
  const ClientOrderId* cid = ClientIdOf(event);
  if (cid == nullptr || cid->empty()) {
    // A fill named by the venue's id only: find ours.
    cid = nullptr;
    if (const auto* f = std::get_if<OrderFilled>(&event)) {
      if (const Order* o = orders_.FindByVenueId(f->venue_order_id)) cid = &o->client_order_id;
    } else if (const auto* p = std::get_if<OrderPartiallyFilled>(&event)) {
      if (const Order* o = orders_.FindByVenueId(p->venue_order_id)) cid = &o->client_order_id;
    }
  }
  // A copy: what the owner does with the answer may change the router.
  const ClientOrderId child = cid != nullptr ? *cid : ClientOrderId();
  bool ours = false;
  if (!child.empty()) {
    if (auto bc = by_child_.find(child); bc != by_child_.end()) {
      if (auto wit = works_.find(bc->second); wit != works_.end() && wit->second->child == child) {
        ours = true;
        WorkState& w = *wit->second;
        const FillReport* fill = nullptr;
        if (const auto* f = std::get_if<OrderFilled>(&event)) fill = f;
        if (const auto* p = std::get_if<OrderPartiallyFilled>(&event)) fill = p;
        if (fill != nullptr && outcome == ApplyOutcome::kApplied) RecordFill(w, *fill, w.child_maker);
      }
    }
  }
  if (answer_applied_) answer_applied_(event, outcome);
  if (ours) ActOn(event, child, outcome);
  return outcome;
}

void ExecutionRouter::ActOn(const Event& event, const ClientOrderId& cid, ApplyOutcome outcome) {
  // Found again: the owner's answer handling may have stopped the work.
  auto bc = by_child_.find(cid);
  if (bc == by_child_.end()) return;
  auto wit = works_.find(bc->second);
  if (wit == works_.end()) return;
  WorkState& w = *wit->second;
  if (w.child != cid) return;
  const Order* order = orders_.Find(cid);

  if (const auto* rej = std::get_if<OrderRejected>(&event); rej != nullptr && outcome == ApplyOutcome::kApplied) {
    by_child_.erase(bc);
    std::erase(w.is->makers, &w);
    if (w.timer.valid()) s_.timers->Cancel(w.timer);
    w.timer = TimerId{};
    w.phase = Phase::kIdle;
    if (w.child_maker && rej->reason == RejectReason::kPostOnlyWouldTake && !w.stop) {
      // The touch moved through our price: re-price at once.
      ++w.post_only_rejects;
      ++metrics_.post_only_rejects;
      if (w.reposts < static_cast<std::uint32_t>(config_.max_reposts)) {
        ++w.reposts;
        ++metrics_.reposts;
        (void)SendMaker(w);
      } else if (w.req.urgency != Urgency::kPassive) {
        (void)SendTaker(w);
      } else {
        End(w, WorkOutcome::kUnfilled);
      }
      return;
    }
    if (rej->reason != RejectReason::kPostOnlyWouldTake) ++metrics_.venue_rejects;
    log_.Warn("{} rejected by the venue ({}): request {} ends", cid.view(), ToString(rej->reason), w.id);
    End(w, w.stop && rej->reason == RejectReason::kPostOnlyWouldTake ? WorkOutcome::kUnfilled : WorkOutcome::kFailed);
    return;
  }

  if (std::holds_alternative<OrderCancelRejected>(event) && w.phase == Phase::kCanceling && order != nullptr &&
      !IsTerminal(order->status)) {
    // The venue refused the cancel of an order still working (a rate
    // limit, a busy venue): it keeps working; cancel it again shortly.
    log_.Warn("cancel of {} refused by the venue while it works: trying again in {}", cid.view(),
              config_.retry_delay.ToString());
    w.phase = Phase::kMaker;
    w.is->makers.push_back(&w);
    RearmTtl(w, config_.retry_delay);
    return;
  }

  // Closed: filled, canceled or expired.
  if (order == nullptr || !IsTerminal(order->status)) return;
  by_child_.erase(bc);
  OnChildClosed(w);
}

void ExecutionRouter::OnChildClosed(WorkState& w) {
  if (w.timer.valid()) s_.timers->Cancel(w.timer);
  w.timer = TimerId{};
  std::erase(w.is->makers, &w);
  const bool was_maker = w.child_maker;
  const bool any_fill = w.child_filled.IsPositive();
  const bool slice_done = w.child_filled >= w.child_qty;
  const CancelWhy why = w.cancel_why;
  w.phase = Phase::kIdle;
  w.cancel_why = CancelWhy::kNone;

  if (w.direct) {
    End(w, w.remaining().IsPositive() ? WorkOutcome::kUnfilled : WorkOutcome::kFilled);
    return;
  }
  if (was_maker) {
    // A maker attempt: filled (anything), or left unfilled (expired, or
    // chased when the touch moved away). A stop is not an attempt the
    // market answered, unless it filled.
    if (any_fill || why == CancelWhy::kExpiry || why == CancelWhy::kChase) {
      ++metrics_.maker_attempts;
      if (any_fill) ++metrics_.maker_attempts_filled;
      w.is->ttl.RecordAttempt(any_fill);
    }
  }
  if (!w.remaining().IsPositive()) {
    End(w, WorkOutcome::kFilled);
    return;
  }
  if (w.stop) {
    End(w, WorkOutcome::kUnfilled);
    return;
  }
  if (!was_maker) {
    End(w, WorkOutcome::kUnfilled);  // the IOC took what it could
    return;
  }
  if (slice_done) {
    (void)SendMaker(w);  // the next iceberg slice
    return;
  }
  if (w.reposts < static_cast<std::uint32_t>(config_.max_reposts)) {
    ++w.reposts;
    ++metrics_.reposts;
    (void)SendMaker(w);
    return;
  }
  if (w.req.urgency != Urgency::kPassive) {
    (void)SendTaker(w);
    return;
  }
  End(w, WorkOutcome::kUnfilled);
}

void ExecutionRouter::End(WorkState& w, WorkOutcome outcome) {
  if (w.timer.valid()) s_.timers->Cancel(w.timer);
  w.timer = TimerId{};
  std::erase(w.is->makers, &w);
  if (!w.child.empty()) by_child_.erase(w.child);

  ExecWorkRecord rec;
  rec.id = w.id;
  rec.instrument = w.req.instrument;
  rec.side = w.req.side;
  rec.urgency = w.req.urgency;
  rec.outcome = outcome;
  rec.started = w.started;
  rec.ended = s_.clock->Now();
  rec.qty = w.req.qty.ToDouble();
  rec.filled = w.filled.ToDouble();
  rec.arrival_mid = w.req.arrival_mid;
  if (rec.filled > 0.0) {
    rec.avg_price = w.cost / rec.filled;
    if (rec.arrival_mid > 0.0) {
      rec.slippage_bps =
          (w.req.side == Side::kBuy ? rec.avg_price - rec.arrival_mid : rec.arrival_mid - rec.avg_price) /
          rec.arrival_mid * 1e4;
    }
  }
  rec.fees = w.fees;
  rec.maker_qty = w.maker_qty;
  rec.maker_orders = w.maker_orders;
  rec.taker_orders = w.taker_orders;
  rec.reposts = w.reposts;
  rec.post_only_rejects = w.post_only_rejects;
  metrics_.reposts_per_work.Record(w.reposts);
  metrics_.works_ended.push_back(rec);
  if (log_.Enabled(LogLevel::kDebug)) {
    log_.Debug("request {} ({} {} {}) {}: filled {} in {} maker / {} taker orders, {} re-posts", w.id, w.inst->symbol,
               w.req.side == Side::kBuy ? "buy" : "sell", w.req.qty.ToString(), WorkOutcomeName(outcome),
               w.filled.ToString(), w.maker_orders, w.taker_orders, w.reposts);
  }

  WorkResult res;
  res.id = w.id;
  res.outcome = outcome;
  res.filled = w.filled;
  res.cost = w.cost;
  res.fees = w.fees;
  res.denied = w.denied;
  WorkDone done = std::move(w.done);
  works_.erase(w.id);  // w is gone from here
  if (done) done(res);
}

}  // namespace hean
