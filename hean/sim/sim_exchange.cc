#include "hean/sim/sim_exchange.h"

#include <algorithm>
#include <charconv>
#include <functional>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>

namespace hean {
namespace {

constexpr std::size_t kClosedIdsKept = 1 << 16;

// "S17", "T42": the venue's order and trade ids.
template <std::size_t N>
InlineString<N> Numbered(char prefix, std::uint64_t n) {
  char buf[24];
  buf[0] = prefix;
  const auto r = std::to_chars(buf + 1, buf + sizeof buf, n);
  return InlineString<N>::Of(std::string_view(buf, static_cast<std::size_t>(r.ptr - buf)));
}

}  // namespace

struct SimExchange::SimOrder {
  ClientOrderId client_order_id;
  VenueOrderId venue_order_id;
  InstrumentId instrument;
  StrategyId strategy;
  Side side = Side::kBuy;
  OrderType type = OrderType::kLimit;
  TimeInForce tif = TimeInForce::kGtc;
  bool reduce_only = false;
  bool live = false;
  bool resting = false;
  bool got_maker_fill = false;
  Price price = Price::Undefined();
  Qty qty;
  Qty filled;
  // Queue state while resting (see QueueModel).
  Qty ahead;      // displayed qty in front of us
  Qty level_qty;  // the level's displayed qty at its last depth update
  Qty traded;     // trade qty printed at our price since that update
  UnixNanos arrived;
  std::uint64_t seq = 0;  // arrival order: time priority among our own orders

  Qty leaves() const noexcept { return qty - filled; }
};

struct SimExchange::InstrumentState {
  const Instrument* instrument = nullptr;
  Qty position;
  // Resting orders, best first, then by arrival.
  std::vector<SimOrder*> bids;
  std::vector<SimOrder*> asks;
  // Liquidity our taker orders consumed, per level, until the feed updates
  // the level.
  struct Taken {
    Side side;  // the book side taken from
    Price price;
    Qty qty;
  };
  std::vector<Taken> taken;
  std::size_t resting_reduce_only = 0;

  std::vector<SimOrder*>& Side(hean::Side s) noexcept { return s == hean::Side::kBuy ? bids : asks; }
  Qty TakenAt(hean::Side s, Price p) const noexcept {
    for (const Taken& t : taken) {
      if (t.side == s && t.price == p) return t.qty;
    }
    return Qty::Zero();
  }
  void AddTaken(hean::Side s, Price p, Qty q) {
    for (Taken& t : taken) {
      if (t.side == s && t.price == p) {
        t.qty += q;
        return;
      }
    }
    taken.push_back(Taken{s, p, q});
  }
  void ClearTaken(hean::Side s, Price p) noexcept {
    for (std::size_t i = 0; i < taken.size(); ++i) {
      if (taken[i].side == s && taken[i].price == p) {
        taken[i] = taken.back();
        taken.pop_back();
        return;
      }
    }
  }
};

std::size_t SimExchange::IdHash::operator()(const ClientOrderId& id) const noexcept {
  return std::hash<std::string_view>()(id.view());
}

SimExchange::SimExchange(const InstrumentRegistry& instruments, const Clock& local_clock, OrderEventSink& sink,
                         LatencyModel& order_latency, LatencyModel& response_latency, const QueueModel& queue,
                         const FeeModel& fees, SimExchangeOptions options)
    : instruments_(instruments),
      local_clock_(local_clock),
      sink_(sink),
      order_latency_(order_latency),
      response_latency_(response_latency),
      queue_(queue),
      fees_(fees),
      options_(options),
      books_([&instruments](InstrumentId id) {
        BookSet::Spec spec;
        if (instruments.Contains(id)) {
          const Instrument& inst = instruments.Get(id);
          spec.venue = inst.venue;
          spec.tick_size = inst.tick_size;
        }
        return spec;
      }),
      now_(UnixNanos::Min()),
      last_arrival_(UnixNanos::Min()),
      last_delivery_(UnixNanos::Min()) {}

SimExchange::~SimExchange() = default;

// ---------------------------------------------------------------------------
// Commands (local side)

Status SimExchange::Submit(const ApprovedOrder& approved) {
  const OrderRequest& request = approved.get();
  if (request.client_order_id.size() == 0) return InvalidArgumentError("sim: order request without a client order id");
  const UnixNanos t = local_clock_.Now();
  Command c;
  c.kind = Command::Kind::kSubmit;
  c.arrival = std::max(t + order_latency_.Sample(t), last_arrival_);
  c.request = request;
  c.instrument = request.instrument;
  last_arrival_ = c.arrival;
  inbox_.push_back(c);
  OrderSubmitted s{};
  s.ts_event = t;
  s.ts_recv = t;
  s.instrument = request.instrument;
  s.client_order_id = request.client_order_id;
  local_.push_back(s);
  return {};
}

Status SimExchange::Cancel(InstrumentId instrument, const ClientOrderId& client_order_id) {
  if (client_order_id.size() == 0) return InvalidArgumentError("sim: cancel without a client order id");
  const UnixNanos t = local_clock_.Now();
  Command c;
  c.kind = Command::Kind::kCancel;
  c.arrival = std::max(t + order_latency_.Sample(t), last_arrival_);
  c.instrument = instrument;
  c.client_order_id = client_order_id;
  last_arrival_ = c.arrival;
  inbox_.push_back(c);
  return {};
}

Status SimExchange::Amend(const ApprovedAmend& approved) {
  const AmendRequest& amend = *approved;
  if (amend.client_order_id.size() == 0) return InvalidArgumentError("sim: amend without a client order id");
  const UnixNanos t = local_clock_.Now();
  Command c;
  c.kind = Command::Kind::kAmend;
  c.arrival = std::max(t + order_latency_.Sample(t), last_arrival_);
  c.amend = amend;
  c.instrument = amend.instrument;
  last_arrival_ = c.arrival;
  inbox_.push_back(c);
  return {};
}

Status SimExchange::CancelAll(InstrumentId instrument) {
  const UnixNanos t = local_clock_.Now();
  Command c;
  c.kind = Command::Kind::kCancelAll;
  c.arrival = std::max(t + order_latency_.Sample(t), last_arrival_);
  c.instrument = instrument;
  last_arrival_ = c.arrival;
  inbox_.push_back(c);
  return {};
}

std::size_t SimExchange::DeliverUpTo(UnixNanos t) {
  std::size_t n = 0;
  for (;;) {
    const bool have_local = !local_.empty() && TsRecv(local_.front()) <= t;
    const bool have_out = !outbox_.empty() && TsRecv(outbox_.front()) <= t;
    if (!have_local && !have_out) return n;
    // Ties go to the locally made event: it happened when we sent.
    const bool take_local = have_local && (!have_out || TsRecv(local_.front()) <= TsRecv(outbox_.front()));
    std::deque<Event>& q = take_local ? local_ : outbox_;
    const Event e = std::move(q.front());
    q.pop_front();
    sink_.OnOrderEvent(e);
    ++n;
  }
}

// ---------------------------------------------------------------------------
// Exchange time

void SimExchange::AdvanceTo(UnixNanos t) {
  ProcessDueCommands(t);
  if (t > now_) now_ = t;
}

void SimExchange::ProcessDueCommands(UnixNanos t) {
  while (!inbox_.empty() && inbox_.front().arrival <= t) {
    Command c = std::move(inbox_.front());
    inbox_.pop_front();
    if (c.arrival > now_) now_ = c.arrival;
    ++stats_.commands;
    Process(c);
  }
}

void SimExchange::Process(Command& c) {
  switch (c.kind) {
    case Command::Kind::kSubmit: ProcessSubmit(c.request); break;
    case Command::Kind::kCancel: ProcessCancel(c.instrument, c.client_order_id); break;
    case Command::Kind::kAmend: ProcessAmend(c.amend); break;
    case Command::Kind::kCancelAll: ProcessCancelAll(c.instrument); break;
  }
}

SimExchange::InstrumentState* SimExchange::State(InstrumentId id) {
  // A state exists only for an instrument the registry holds (registries
  // only grow).
  if (id.value < states_.size() && states_[id.value]) [[likely]]
    return states_[id.value].get();
  if (!instruments_.Contains(id)) return nullptr;
  if (states_.size() <= id.value) states_.resize(id.value + 1);
  auto& slot = states_[id.value];
  if (!slot) {
    slot = std::make_unique<InstrumentState>();
    slot->instrument = &instruments_.Get(id);
  }
  return slot.get();
}

SimExchange::SimOrder* SimExchange::FindOpen(const ClientOrderId& id) {
  auto it = open_by_id_.find(id);
  return it == open_by_id_.end() ? nullptr : it->second;
}

Qty SimExchange::position(InstrumentId instrument) const noexcept {
  if (instrument.value >= states_.size() || !states_[instrument.value]) return Qty::Zero();
  return states_[instrument.value]->position;
}

std::optional<Qty> SimExchange::QueueAhead(const ClientOrderId& client_order_id) const {
  auto it = open_by_id_.find(client_order_id);
  if (it == open_by_id_.end() || !it->second->resting) return std::nullopt;
  return it->second->ahead;
}

// ---------------------------------------------------------------------------
// Answers

template <class T>
T SimExchange::Stamp(InstrumentId instrument) {
  T e{};
  e.ts_event = now_;
  e.instrument = instrument;
  return e;
}

void SimExchange::Emit(Event e) {
  UnixNanos at = now_ + response_latency_.Sample(now_);
  if (at < last_delivery_) at = last_delivery_;
  last_delivery_ = at;
  std::visit([at](auto& ev) { ev.ts_recv = at; }, e);
  outbox_.push_back(std::move(e));
}

// ---------------------------------------------------------------------------
// New orders

namespace {

// How far a buy (sell) may go: the best opposite price moved up (down) by
// `bps`, rounded to the tick towards the best price.
Price ProtectionPrice(Side side, Price best, std::int64_t bps, Price tick) {
  const Int128 delta = static_cast<Int128>(best.raw()) * bps / 10'000;
  if (side == Side::kBuy) return Price::FromRaw(best.raw() + static_cast<std::int64_t>(delta)).FloorTo(tick);
  return Price::FromRaw(best.raw() - static_cast<std::int64_t>(delta)).CeilTo(tick);
}

bool Acceptable(Side taker_side, Price level, Price limit) noexcept {
  if (!limit.IsDefined()) return true;
  return taker_side == Side::kBuy ? level <= limit : level >= limit;
}

}  // namespace

void SimExchange::ProcessSubmit(const OrderRequest& r) {
  auto reject = [&](RejectReason reason) {
    OrderRejected e = Stamp<OrderRejected>(r.instrument);
    e.reason = reason;
    e.client_order_id = r.client_order_id;
    e.venue_message = decltype(e.venue_message)::Of(ToString(reason));
    ++stats_.rejected;
    Emit(e);
  };
  InstrumentState* st = State(r.instrument);
  if (st == nullptr) return reject(RejectReason::kUnknownInstrument);
  const Instrument& inst = *st->instrument;
  if (FindOpen(r.client_order_id) != nullptr) return reject(RejectReason::kDuplicateClientOrderId);
  if (!r.qty.IsPositive()) return reject(RejectReason::kInvalidQty);
  if (!r.qty.IsMultipleOf(inst.lot_size)) return reject(RejectReason::kQtyOffLot);
  if (r.qty < inst.min_qty) return reject(RejectReason::kBelowMinQty);
  const bool market = r.type == OrderType::kMarket;
  if (!market) {
    if (!r.price.IsDefined() || !r.price.IsPositive()) return reject(RejectReason::kInvalidPrice);
    if (!r.price.IsMultipleOf(inst.tick_size)) return reject(RejectReason::kPriceOffTick);
  }
  const OrderBook* book = books_.Find(r.instrument);
  if (book == nullptr || !book->IsValid()) return reject(RejectReason::kBookInvalid);
  const auto opposite = book->Best(Opposite(r.side));
  Price limit = r.price;
  if (market) {
    if (!opposite) return reject(RejectReason::kNoLiquidity);
    limit = ProtectionPrice(r.side, opposite->price, options_.market_protection_bps, inst.tick_size);
  }
  const Price value_price = market ? opposite->price : r.price;
  auto notional = CheckedNotional(value_price, r.qty);
  if (!notional.ok()) return reject(RejectReason::kInvalidQty);
  if (*notional < inst.min_notional) return reject(RejectReason::kBelowMinNotional);
  if (r.reduce_only && Reducible(*st, r.side).IsZero()) return reject(RejectReason::kReduceOnlyWouldIncrease);
  const bool post_only = !market && r.tif == TimeInForce::kPostOnly;
  if (post_only && AvailableToTake(*st, r.side, r.price).IsPositive()) {
    return reject(RejectReason::kPostOnlyWouldTake);
  }

  SimOrder* o;
  if (!free_.empty()) {
    o = free_.back();
    free_.pop_back();
    *o = SimOrder{};
  } else {
    o = &orders_.emplace_back();
  }
  o->client_order_id = r.client_order_id;
  o->venue_order_id = Numbered<VenueOrderId::kCapacity>('S', next_venue_id_++);
  o->instrument = r.instrument;
  o->strategy = r.strategy;
  o->side = r.side;
  o->type = r.type;
  o->tif = market ? TimeInForce::kIoc : r.tif;
  o->reduce_only = r.reduce_only;
  o->price = market ? Price::Undefined() : r.price;
  o->qty = r.qty;
  o->live = true;
  o->arrived = now_;
  o->seq = next_seq_++;
  open_by_id_.emplace(o->client_order_id, o);

  OrderAccepted acc = Stamp<OrderAccepted>(r.instrument);
  acc.client_order_id = o->client_order_id;
  acc.venue_order_id = o->venue_order_id;
  ++stats_.accepted;
  Emit(acc);

  if (o->tif == TimeInForce::kFok &&
      (AvailableToTake(*st, o->side, limit) < o->qty || (o->reduce_only && Reducible(*st, o->side) < o->qty))) {
    OrderExpired ex = Stamp<OrderExpired>(r.instrument);
    ex.client_order_id = o->client_order_id;
    ++stats_.expired;
    Emit(ex);
    Close(*o, *st);
    return;
  }
  if (!post_only) TakeLiquidity(*o, *st, limit, o->leaves());
  if (!o->live) return;
  if (o->reduce_only && Reducible(*st, o->side).IsZero()) {
    // The position it reduced is gone: nothing may rest.
    CancelStranded(*o, *st);
    return;
  }
  if (o->tif == TimeInForce::kIoc || o->tif == TimeInForce::kFok) {
    OrderExpired ex = Stamp<OrderExpired>(r.instrument);
    ex.client_order_id = o->client_order_id;
    ++stats_.expired;
    Emit(ex);
    Close(*o, *st);
    return;
  }
  Rest(*o, *st);
}

Qty SimExchange::AvailableToTake(const InstrumentState& st, Side taker_side, Price limit) const {
  const OrderBook* book = books_.Find(st.instrument->id);
  Qty total;
  if (book == nullptr) return total;
  const Side book_side = Opposite(taker_side);
  book->ForEachFromBest(book_side, [&](const BookLevel& l) {
    if (!Acceptable(taker_side, l.price, limit)) return false;
    const Qty avail = l.qty - st.TakenAt(book_side, l.price);
    if (avail.IsPositive()) total += avail;
    return true;
  });
  return total;
}

Qty SimExchange::TakeLiquidity(SimOrder& o, InstrumentState& st, Price limit, Qty max_qty) {
  const OrderBook* book = books_.Find(o.instrument);
  if (book == nullptr) return Qty::Zero();
  const Side book_side = Opposite(o.side);
  Qty taken;
  // Collect first: filling emits events but never changes the book.
  struct Take {
    Price price;
    Qty qty;
  };
  std::vector<Take> plan;
  Qty left = max_qty;
  book->ForEachFromBest(book_side, [&](const BookLevel& l) {
    if (!left.IsPositive() || !Acceptable(o.side, l.price, limit)) return false;
    const Qty avail = l.qty - st.TakenAt(book_side, l.price);
    if (avail.IsPositive()) {
      const Qty q = std::min(avail, left);
      plan.push_back(Take{l.price, q});
      left -= q;
    }
    return true;
  });
  for (const Take& t : plan) {
    if (!o.live) break;
    const Qty got = Fill(o, st, t.price, t.qty, FillCause::kTaker);
    if (got.IsPositive() && options_.track_taken_liquidity) st.AddTaken(book_side, t.price, got);
    taken += got;
    if (got < t.qty) break;  // trimmed (reduce-only): stop taking
  }
  return taken;
}

void SimExchange::Rest(SimOrder& o, InstrumentState& st) {
  const OrderBook* book = books_.Find(o.instrument);
  o.level_qty = book != nullptr ? book->QtyAt(o.side, o.price) : Qty::Zero();
  o.ahead = queue_.OnJoin(o.level_qty);
  o.traded = Qty::Zero();
  o.resting = true;
  ++resting_count_;
  if (o.reduce_only) ++st.resting_reduce_only;
  ++stats_.joins;
  stats_.ahead_at_join += o.ahead;
  std::vector<SimOrder*>& v = st.Side(o.side);
  const bool bid = o.side == Side::kBuy;
  // Keep best first, then by arrival: insert after every order at least as
  // good and not later.
  auto pos = std::upper_bound(v.begin(), v.end(), &o, [bid](const SimOrder* a, const SimOrder* b) {
    if (a->price != b->price) return bid ? a->price > b->price : a->price < b->price;
    return a->seq < b->seq;
  });
  v.insert(pos, &o);
}

void SimExchange::Unrest(SimOrder& o, InstrumentState& st) {
  if (!o.resting) return;
  std::vector<SimOrder*>& v = st.Side(o.side);
  auto it = std::find(v.begin(), v.end(), &o);
  if (it != v.end()) v.erase(it);
  o.resting = false;
  --resting_count_;
  if (o.reduce_only) --st.resting_reduce_only;
}

void SimExchange::Close(SimOrder& o, InstrumentState& st) {
  Unrest(o, st);
  o.live = false;
  open_by_id_.erase(o.client_order_id);
  if (closed_ids_.emplace(o.client_order_id, o.instrument).second) {
    closed_order_.push_back(o.client_order_id);
    if (closed_order_.size() > kClosedIdsKept) {
      closed_ids_.erase(closed_order_.front());
      closed_order_.pop_front();
    }
  }
  free_.push_back(&o);
}

Qty SimExchange::Fill(SimOrder& o, InstrumentState& st, Price price, Qty qty, FillCause cause) {
  if (o.reduce_only) {
    qty = std::min(qty, Reducible(st, o.side));
    if (!qty.IsPositive()) {
      CancelStranded(o, st);
      return Qty::Zero();
    }
  }
  qty = std::min(qty, o.leaves());
  if (!qty.IsPositive()) return Qty::Zero();
  const LiquiditySide liq = cause == FillCause::kTaker ? LiquiditySide::kTaker : LiquiditySide::kMaker;
  o.filled += qty;
  st.position += qty * SideSign(o.side);
  FillReport f{};
  f.ts_event = now_;
  f.instrument = o.instrument;
  f.side = o.side;
  f.liquidity = liq;
  f.last_price = price;
  f.last_qty = qty;
  f.cum_qty = o.filled;
  f.leaves_qty = o.leaves();
  f.fee = fees_.Fee(*st.instrument, liq, price, qty);
  f.client_order_id = o.client_order_id;
  f.venue_order_id = o.venue_order_id;
  f.strategy = o.strategy;
  f.trade_id = Numbered<TradeId::kCapacity>('T', next_trade_id_++);
  ++stats_.fills;
  stats_.fees += f.fee;
  if (liq == LiquiditySide::kTaker) {
    ++stats_.taker_fills;
    stats_.taker_qty += qty;
  } else {
    ++stats_.maker_fills;
    stats_.maker_qty += qty;
    if (cause == FillCause::kQueue) ++stats_.queue_fills;
    if (cause == FillCause::kTradeThrough) ++stats_.trade_through_fills;
    if (cause == FillCause::kCross) ++stats_.cross_fills;
    if (!o.got_maker_fill) {
      o.got_maker_fill = true;
      ++stats_.maker_first_fills;
      stats_.time_to_first_maker_fill += now_ - o.arrived;
    }
  }
  const bool done = !o.leaves().IsPositive();
  if (done) {
    Emit(OrderFilled{f});
    Close(o, st);
  } else {
    Emit(OrderPartiallyFilled{f});
  }
  if (st.resting_reduce_only > 0) {
    // Resting reduce-only orders on a side with nothing left to reduce are
    // canceled, as a venue does when the position closes.
    scratch_stranded_.clear();
    for (std::vector<SimOrder*>* v : {&st.bids, &st.asks}) {
      for (SimOrder* r : *v) {
        if (r->reduce_only && Reducible(st, r->side).IsZero()) scratch_stranded_.push_back(r);
      }
    }
    for (SimOrder* r : scratch_stranded_) CancelStranded(*r, st);
  }
  return qty;
}

Qty SimExchange::Reducible(const InstrumentState& st, Side side) noexcept {
  return side == Side::kSell ? std::max(st.position, Qty::Zero()) : std::max(-st.position, Qty::Zero());
}

void SimExchange::CancelStranded(SimOrder& o, InstrumentState& st) {
  if (!o.live) return;
  OrderCanceled c = Stamp<OrderCanceled>(o.instrument);
  c.client_order_id = o.client_order_id;
  ++stats_.canceled;
  Emit(c);
  Close(o, st);
}

// ---------------------------------------------------------------------------
// Cancel and amend

void SimExchange::ProcessCancel(InstrumentId instrument, const ClientOrderId& id) {
  SimOrder* o = FindOpen(id);
  if (o == nullptr || o->instrument != instrument) {
    OrderCancelRejected e = Stamp<OrderCancelRejected>(instrument);
    auto closed = closed_ids_.find(id);
    e.reason = closed != closed_ids_.end() && closed->second == instrument ? RejectReason::kOrderClosed
                                                                           : RejectReason::kUnknownOrder;
    e.client_order_id = id;
    ++stats_.cancel_rejected;
    Emit(e);
    return;
  }
  InstrumentState* st = State(instrument);
  OrderCanceled c = Stamp<OrderCanceled>(instrument);
  c.client_order_id = id;
  ++stats_.canceled;
  Emit(c);
  Close(*o, *st);
}

void SimExchange::ProcessCancelAll(InstrumentId instrument) {
  InstrumentState* st = State(instrument);
  if (st == nullptr) return;
  // Oldest first, so that the answers are in a stable order.
  scratch_.clear();
  scratch_.insert(scratch_.end(), st->bids.begin(), st->bids.end());
  scratch_.insert(scratch_.end(), st->asks.begin(), st->asks.end());
  std::sort(scratch_.begin(), scratch_.end(), [](const SimOrder* a, const SimOrder* b) { return a->seq < b->seq; });
  const std::vector<SimOrder*> orders = scratch_;
  for (SimOrder* o : orders) {
    OrderCanceled c = Stamp<OrderCanceled>(instrument);
    c.client_order_id = o->client_order_id;
    ++stats_.canceled;
    Emit(c);
    Close(*o, *st);
  }
}

void SimExchange::ProcessAmend(const AmendRequest& a) {
  auto reject = [&](RejectReason reason) {
    OrderAmendRejected e = Stamp<OrderAmendRejected>(a.instrument);
    e.reason = reason;
    e.client_order_id = a.client_order_id;
    ++stats_.amend_rejected;
    Emit(e);
  };
  SimOrder* o = FindOpen(a.client_order_id);
  if (o == nullptr || o->instrument != a.instrument) {
    auto closed = closed_ids_.find(a.client_order_id);
    return reject(closed != closed_ids_.end() && closed->second == a.instrument ? RejectReason::kOrderClosed
                                                                                : RejectReason::kUnknownOrder);
  }
  InstrumentState* st = State(a.instrument);
  const Instrument& inst = *st->instrument;
  const Price price = a.price.IsDefined() ? a.price : o->price;
  const Qty qty = a.qty.IsZero() ? o->qty : a.qty;
  if (!price.IsPositive()) return reject(RejectReason::kInvalidPrice);
  if (!price.IsMultipleOf(inst.tick_size)) return reject(RejectReason::kPriceOffTick);
  if (!qty.IsPositive()) return reject(RejectReason::kInvalidQty);
  if (!qty.IsMultipleOf(inst.lot_size)) return reject(RejectReason::kQtyOffLot);
  if (qty < inst.min_qty) return reject(RejectReason::kBelowMinQty);
  if (qty <= o->filled || (price == o->price && qty == o->qty)) return reject(RejectReason::kAmendInvalid);
  const OrderBook* book = books_.Find(a.instrument);
  if (book == nullptr || !book->IsValid()) return reject(RejectReason::kBookInvalid);
  auto notional = CheckedNotional(price, qty);
  if (!notional.ok()) return reject(RejectReason::kInvalidQty);
  if (*notional < inst.min_notional) return reject(RejectReason::kBelowMinNotional);
  const bool crosses = AvailableToTake(*st, o->side, price).IsPositive();
  if (crosses && o->tif == TimeInForce::kPostOnly) return reject(RejectReason::kPostOnlyWouldTake);

  const bool keeps_priority = price == o->price && qty < o->qty;
  o->qty = qty;
  OrderAmended e = Stamp<OrderAmended>(a.instrument);
  e.price = price;
  e.qty = qty;
  e.client_order_id = o->client_order_id;
  ++stats_.amended;
  Emit(e);
  if (keeps_priority) return;
  Unrest(*o, *st);
  o->price = price;
  o->seq = next_seq_++;
  if (crosses) TakeLiquidity(*o, *st, price, o->leaves());
  if (!o->live) return;
  if (o->reduce_only && Reducible(*st, o->side).IsZero()) {
    CancelStranded(*o, *st);
    return;
  }
  Rest(*o, *st);
}

// ---------------------------------------------------------------------------
// Market data

void SimExchange::OnMarketEvent(const Event& event) {
  UnixNanos ts = TsEvent(event);
  if (ts.nanos() == 0) ts = TsRecv(event);
  if (ts < now_) ts = now_;
  ProcessDueCommands(ts);
  now_ = ts;
  ++stats_.market_events;
  if (const auto* d = std::get_if<BookDelta>(&event)) {
    InstrumentState* st = State(d->instrument);
    if (st == nullptr) return;
    (void)books_.Apply(*d);
    if ((d->flags & BookDelta::kNoLevels) == 0) {
      std::vector<SimOrder*>& v = st->Side(d->side);
      if (!v.empty()) {
        const bool bid = d->side == Side::kBuy;
        const Price best = v.front()->price;
        const Price worst = v.back()->price;
        const bool in_range = bid ? (d->price <= best && d->price >= worst) : (d->price >= best && d->price <= worst);
        if (in_range) {
          const OrderBook* book = books_.Find(d->instrument);
          const Qty after = book->QtyAt(d->side, d->price);
          // Orders at one price are contiguous in v (best first).
          auto first = std::lower_bound(v.begin(), v.end(), d->price, [bid](const SimOrder* o, Price p) {
            return bid ? o->price > p : o->price < p;
          });
          for (auto it = first; it != v.end() && (*it)->price == d->price; ++it) {
            SimOrder* o = *it;
            const Qty ahead = queue_.OnLevelChange(o->ahead, o->level_qty, o->traded, after);
            if (ahead < o->ahead) stats_.queue_removed_by_cancels += o->ahead - ahead;
            o->ahead = ahead;
            o->level_qty = after;
            o->traded = Qty::Zero();
          }
        }
      }
      if (!st->taken.empty()) st->ClearTaken(d->side, d->price);
    }
    if ((d->flags & BookDelta::kLastInMessage) != 0) CheckCrossed(*st);
    return;
  }
  if (const auto* t = std::get_if<Trade>(&event)) {
    OnTrade(*t);
    return;
  }
  if (const auto* s = std::get_if<BookSnapshot>(&event)) {
    InstrumentState* st = State(s->instrument);
    if (st == nullptr) return;
    (void)books_.Apply(*s);
    st->taken.clear();
    ResyncLevels(*st);
    CheckCrossed(*st);
  }
}

void SimExchange::ResyncLevels(InstrumentState& st) {
  const OrderBook* book = books_.Find(st.instrument->id);
  if (book == nullptr) return;
  for (std::vector<SimOrder*>* v : {&st.bids, &st.asks}) {
    for (SimOrder* o : *v) {
      const Qty after = book->QtyAt(o->side, o->price);
      const Qty ahead = queue_.OnLevelChange(o->ahead, o->level_qty, o->traded, after);
      if (ahead < o->ahead) stats_.queue_removed_by_cancels += o->ahead - ahead;
      o->ahead = ahead;
      o->level_qty = after;
      o->traded = Qty::Zero();
    }
  }
}

void SimExchange::CheckCrossed(InstrumentState& st) {
  if (st.bids.empty() && st.asks.empty()) return;
  const OrderBook* book = books_.Find(st.instrument->id);
  if (book == nullptr || !book->IsValid()) return;
  // The best opposite level that still has liquidity we did not take.
  auto effective_best = [&](Side side) -> std::optional<Price> {
    std::optional<Price> best;
    book->ForEachFromBest(side, [&](const BookLevel& l) {
      if (l.qty > st.TakenAt(side, l.price)) {
        best = l.price;
        return false;
      }
      return true;
    });
    return best;
  };
  if (!st.bids.empty()) {
    const auto ask = effective_best(Side::kSell);
    while (ask && !st.bids.empty() && st.bids.front()->price >= *ask) {
      SimOrder* o = st.bids.front();
      if (Fill(*o, st, o->price, o->leaves(), FillCause::kCross).IsZero() && o->live) break;
    }
  }
  if (!st.asks.empty()) {
    const auto bid = effective_best(Side::kBuy);
    while (bid && !st.asks.empty() && st.asks.front()->price <= *bid) {
      SimOrder* o = st.asks.front();
      if (Fill(*o, st, o->price, o->leaves(), FillCause::kCross).IsZero() && o->live) break;
    }
  }
}

void SimExchange::OnTrade(const Trade& t) {
  InstrumentState* st = State(t.instrument);
  if (st == nullptr || (st->bids.empty() && st->asks.empty())) return;
  // Our bids: a trade below them went through them; a trade at their price
  // by a seller (or unknown aggressor) works through the queue.
  for (int pass = 0; pass < 2; ++pass) {
    const Side our_side = pass == 0 ? Side::kBuy : Side::kSell;
    std::vector<SimOrder*>& v = st->Side(our_side);
    if (v.empty()) continue;
    const bool bid = our_side == Side::kBuy;
    const AggressorSide same = bid ? AggressorSide::kBuyer : AggressorSide::kSeller;
    scratch_.clear();
    for (SimOrder* o : v) {
      const bool reached = bid ? o->price >= t.price : o->price <= t.price;
      if (!reached) break;
      scratch_.push_back(o);
    }
    if (scratch_.empty()) continue;
    // Filling never touches scratch_ (only the side vectors), so it can be
    // walked directly; an order closed on the way is skipped below.
    const std::vector<SimOrder*>& hit = scratch_;
    Qty ours_at_level;  // trade qty already given to our earlier orders at t.price
    for (SimOrder* o : hit) {
      if (!o->live || !o->resting) continue;
      if (o->price != t.price) {
        Fill(*o, *st, o->price, o->leaves(), FillCause::kTradeThrough);
        continue;
      }
      if (t.aggressor == same) continue;
      o->traded += t.qty;
      const Qty consumed = std::min(t.qty, o->ahead);
      o->ahead -= consumed;
      stats_.queue_consumed_by_trades += consumed;
      // Venues fill in whole lots: a queue model may leave a fractional
      // qty ahead (a share of the cancels), so what reaches us is floored
      // to the lot.
      const Qty excess = (t.qty - consumed - ours_at_level).FloorTo(st->instrument->lot_size);
      if (excess.IsPositive())
        ours_at_level += Fill(*o, *st, o->price, std::min(excess, o->leaves()), FillCause::kQueue);
    }
  }
}

}  // namespace hean
