#include "hean/engine/sim_runner.h"

#include <algorithm>
#include <optional>
#include <utility>
#include <variant>

#include "hean/core/check.h"

namespace hean {

SimRunner::SimRunner(SimClock& clock, SimExchange& exchange, LatencyModel* market_data_latency,
                     MarketDataFn on_market_data)
    : clock_(clock),
      exchange_(exchange),
      md_latency_(market_data_latency),
      on_market_data_(std::move(on_market_data)),
      last_exchange_(UnixNanos::Min()),
      last_local_(UnixNanos::Min()) {}

Status SimRunner::Local(UnixNanos t) {
  if (t < clock_.Now()) return {};  // already there (a tie handled earlier)
  return clock_.AdvanceTo(t);
}

Status SimRunner::RunUntil(UnixNanos t, bool inclusive) {
  HEAN_CHECK(!delivering_, "SimRunner called again from its market-data callback");
  // Times are UnixNanos::Max() when there is nothing (never due: no caller
  // runs up to Max()).
  auto due = [&](UnixNanos x) { return x != UnixNanos::Max() && (inclusive ? x <= t : x < t); };
  for (;;) {
    const UnixNanos arrival = exchange_.NextArrivalOrMax();
    const UnixNanos delivery = exchange_.NextDeliveryOrMax();
    const UnixNanos timer = timers_ != nullptr ? timers_->NextDeadlineOrMax() : UnixNanos::Max();
    const UnixNanos md = pending_.empty() ? UnixNanos::Max() : pending_.front().local;
    // A timer already late (deadline before the clock) fires now.
    const UnixNanos timer_at = timer != UnixNanos::Max() ? std::max(timer, clock_.Now()) : timer;
    const bool have_md = due(md);
    const bool have_arrival = due(arrival);
    const bool have_delivery = due(delivery);
    const bool have_timer = due(timer_at);
    if (!have_md && !have_arrival && !have_delivery && !have_timer) return {};
    // The earliest first; at equal times: arrivals, answers, timers,
    // market data.
    UnixNanos best = UnixNanos::Max();
    if (have_arrival) best = std::min(best, arrival);
    if (have_delivery) best = std::min(best, delivery);
    if (have_timer) best = std::min(best, timer_at);
    if (have_md) best = std::min(best, md);
    if (have_arrival && arrival == best) {
      exchange_.AdvanceTo(best);
      continue;
    }
    if (Status s = Local(best); !s.ok()) return s;
    if (have_delivery && delivery == best) {
      exchange_.DeliverUpTo(best);
      continue;
    }
    if (have_timer && timer_at == best) {
      (void)timers_->FireNext(best);
      continue;
    }
    // Delivered where it waits (no copy); the callback must not feed or
    // advance the runner (checked), so the slot stays put until popped.
    delivering_ = true;
    if (on_market_data_) on_market_data_(pending_.front().event);
    delivering_ = false;
    pending_.pop_front();
  }
}

Status SimRunner::Feed(const Event& event) {
  Event copy = event;
  return Feed(std::move(copy));
}

Status SimRunner::Feed(Event&& event) {
  UnixNanos x = TsEvent(event);
  const UnixNanos recv = TsRecv(event);
  if (x.nanos() == 0) x = recv;
  x = std::max(x, last_exchange_);
  if (Status s = RunUntil(x, false); !s.ok()) return s;
  exchange_.OnMarketEvent(event);
  last_exchange_ = std::max(x, exchange_.exchange_time());
  UnixNanos local = md_latency_ == nullptr ? recv : x + md_latency_->Sample(x);
  local = std::max({local, x, last_local_});
  last_local_ = local;
  Pending& p = pending_.push_back_slot();
  p.local = local;
  p.event = std::move(event);
  ++fed_;
  return {};
}

Status SimRunner::AdvanceTo(UnixNanos t) {
  if (t < clock_.Now()) return Status(StatusCode::kFailedPrecondition, "SimRunner::AdvanceTo: time before the clock");
  if (Status s = RunUntil(t, true); !s.ok()) return s;
  return clock_.AdvanceTo(t);
}

Status SimRunner::Finish() {
  // Everything in flight, in time order, until nothing is left (each pass
  // can only create later work, and a strategy that keeps sending forever
  // is its own bug).
  for (;;) {
    const auto arrival = exchange_.NextArrival();
    const auto delivery = exchange_.NextDelivery();
    UnixNanos t = UnixNanos::Min();
    if (!pending_.empty()) t = std::max(t, pending_.back().local);
    if (arrival) t = std::max(t, *arrival);
    if (delivery) t = std::max(t, *delivery);
    if (pending_.empty() && !arrival && !delivery) return {};
    if (Status s = RunUntil(t, true); !s.ok()) return s;
  }
}

Status SimRunner::Run(Replay& replay, std::uint64_t max_events) {
  Event e;
  std::uint64_t n = 0;
  while ((max_events == 0 || n < max_events) && replay.Next(&e)) {
    if (Status s = Feed(e); !s.ok()) return s;
    ++n;
  }
  if (!replay.status().ok()) return replay.status();
  return Finish();
}

bool RetargetMarketEvent(Event& event, InstrumentId to) noexcept {
  if (auto* d = std::get_if<BookDelta>(&event)) [[likely]] {
    d->instrument = to;
    return true;
  }
  return std::visit(
      [to](auto& ev) {
        using T = std::decay_t<decltype(ev)>;
        if constexpr (std::is_same_v<T, BookSnapshot> || std::is_same_v<T, BookDelta> || std::is_same_v<T, Trade>) {
          ev.instrument = to;
          return true;
        } else {
          return false;
        }
      },
      event);
}

InstrumentId EventInstrument(const Event& event) noexcept {
  if (const auto* d = std::get_if<BookDelta>(&event)) [[likely]]
    return d->instrument;
  return std::visit(
      [](const auto& ev) {
        if constexpr (requires { ev.instrument; }) {
          return ev.instrument;
        } else {
          return InstrumentId{};
        }
      },
      event);
}

}  // namespace hean
