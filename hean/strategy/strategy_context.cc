#include <algorithm>

#include "hean/strategy/strategy.h"

namespace hean {

StrategyContext::StrategyContext(StrategyId id, Services s)
    : id_(id),
      clock_(s.clock),
      timers_(s.timers),
      bus_(s.bus),
      books_(s.books),
      analytics_(s.analytics),
      instruments_(s.instruments),
      logger_(s.logger) {
  HEAN_CHECK(clock_ != nullptr && timers_ != nullptr && bus_ != nullptr,
             "StrategyContext needs a clock, timers and a bus");
}

const OrderBook* StrategyContext::Book(InstrumentId id) const noexcept {
  return books_ != nullptr ? books_->Find(id) : nullptr;
}

InstrumentAnalytics* StrategyContext::Analytics(InstrumentId id) const noexcept {
  return analytics_ != nullptr ? analytics_->Find(id) : nullptr;
}

const Instrument* StrategyContext::FindInstrument(InstrumentId id) const noexcept {
  return instruments_ != nullptr && instruments_->Contains(id) ? &instruments_->Get(id) : nullptr;
}

const StrategyPosition& StrategyContext::Position(InstrumentId id) const noexcept {
  static const StrategyPosition kFlat{};
  return id.value < positions_.size() ? positions_[id.value] : kFlat;
}

StrategyPosition& StrategyContext::PositionSlot(InstrumentId id) {
  if (positions_.size() <= id.value) positions_.resize(id.value + 1);
  return positions_[id.value];
}

std::size_t StrategyContext::OpenOrders(InstrumentId id) const noexcept {
  return static_cast<std::size_t>(
      std::count_if(open_orders_.begin(), open_orders_.end(), [id](const OpenOrder& o) { return o.instrument == id; }));
}

std::uint64_t StrategyContext::EmitSignal(Signal s) {
  const UnixNanos now = Now();
  s.ts_event = now;
  s.ts_recv = now;
  s.strategy = id_;
  s.signal_id = next_signal_id_++;
  (void)bus_->Publish(s);
  return s.signal_id;
}

void StrategyContext::OnFill(const FillReport& f) {
  if (f.strategy != id_ || !f.last_qty.IsPositive()) return;
  StrategyPosition& p = PositionSlot(f.instrument);
  const Qty signed_fill = f.side == Side::kBuy ? f.last_qty : -f.last_qty;
  const Notional fill_cost = f.last_price * signed_fill;
  const bool opening = p.qty.IsZero() || (p.qty.IsPositive() == signed_fill.IsPositive());
  if (opening) {
    if (p.qty.IsZero()) p.opened = f.ts_recv;
    p.qty += signed_fill;
    p.cost += fill_cost;
    return;
  }
  const std::int64_t old_abs = p.qty.IsNegative() ? -p.qty.raw() : p.qty.raw();
  const std::int64_t fill_abs = f.last_qty.raw();
  if (fill_abs < old_abs) {
    // Reduce: the open qty keeps its average entry; cost shrinks in proportion.
    const Int128 kept = static_cast<Int128>(p.cost.raw()) * (old_abs - fill_abs) / old_abs;
    p.cost = Notional::FromRaw(static_cast<std::int64_t>(kept));
    p.qty += signed_fill;
    return;
  }
  // Close or flip: what is left is opened at this fill's price.
  p.qty += signed_fill;
  p.cost = f.last_price * p.qty;
  p.opened = p.qty.IsZero() ? UnixNanos() : f.ts_recv;
}

void StrategyContext::OnOrderRequest(const OrderRequest& r) {
  if (r.strategy != id_) return;
  open_orders_.push_back(OpenOrder{r.instrument, r.client_order_id});
}

void StrategyContext::OnOrderClosed(InstrumentId instrument, const ClientOrderId& id) {
  for (auto it = open_orders_.begin(); it != open_orders_.end(); ++it) {
    if (it->instrument == instrument && it->id == id) {
      open_orders_.erase(it);
      return;
    }
  }
}

void AttachStrategy(EventBus& bus, StrategyContext& ctx, Strategy& strategy) {
  bus.Subscribe<Trade>([&](const Trade& t) { strategy.OnTrade(ctx, t); });
  bus.Subscribe<BookSnapshot>([&](const BookSnapshot& s) {
    if (const OrderBook* b = ctx.Book(s.instrument); b != nullptr && b->IsValid())
      strategy.OnBook(ctx, s.instrument, *b);
  });
  bus.Subscribe<BookDelta>([&](const BookDelta& d) {
    if ((d.flags & BookDelta::kLastInMessage) == 0) return;
    if (const OrderBook* b = ctx.Book(d.instrument); b != nullptr && b->IsValid())
      strategy.OnBook(ctx, d.instrument, *b);
  });
  auto fill = [&](const FillReport& f) {
    if (f.strategy != ctx.id()) return;
    ctx.OnFill(f);
    strategy.OnFill(ctx, f);
  };
  bus.Subscribe<OrderPartiallyFilled>(fill);
  bus.Subscribe<OrderFilled>([&, fill](const OrderFilled& f) {
    fill(f);
    ctx.OnOrderClosed(f.instrument, f.client_order_id);
  });
  bus.Subscribe<OrderRequest>([&](const OrderRequest& r) { ctx.OnOrderRequest(r); });
  bus.Subscribe<OrderCanceled>([&](const OrderCanceled& e) { ctx.OnOrderClosed(e.instrument, e.client_order_id); });
  bus.Subscribe<OrderExpired>([&](const OrderExpired& e) { ctx.OnOrderClosed(e.instrument, e.client_order_id); });
  bus.Subscribe<OrderRejected>([&](const OrderRejected& e) { ctx.OnOrderClosed(e.instrument, e.client_order_id); });
  bus.Subscribe<OrderDenied>([&](const OrderDenied& d) {
    if (d.strategy != ctx.id()) return;
    if (!d.client_order_id.empty()) ctx.OnOrderClosed(d.instrument, d.client_order_id);
    strategy.OnDenied(ctx, d);
  });
  bus.Subscribe<FlashCrash>([&](const FlashCrash& c) { strategy.OnFlashCrash(ctx, c); });
  strategy.OnStart(ctx);
}

}  // namespace hean
