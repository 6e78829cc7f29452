#include "hean/engine/exec_replay.h"

#include <fmt/format.h>

#include <algorithm>
#include <memory>
#include <optional>
#include <utility>
#include <variant>

#include "hean/book/book_set.h"
#include "hean/core/clock.h"
#include "hean/core/timer_queue.h"
#include "hean/data/replay.h"
#include "hean/data/source.h"
#include "hean/engine/sim_runner.h"
#include "hean/exec/execution_router.h"
#include "hean/exec/volume_profile.h"
#include "hean/portfolio/portfolio.h"
#include "hean/sim/fee_model.h"
#include "hean/sim/latency_model.h"
#include "hean/sim/queue_model.h"

namespace hean {

namespace {

Status Invalid(std::string m) { return Status(StatusCode::kInvalidArgument, std::move(m)); }

// The governor's gateway: the router, set once both exist.
struct RouterGateway final : OrderGateway {
  ExecutionRouter* router = nullptr;
  Status Execute(const ApprovedOrder& order) override { return router->Execute(order); }
  Status CancelAll(InstrumentId instrument) override { return router->CancelAll(instrument); }
};

// The exchange's answers: the router (its OrderManager) first; before it
// acts on one, new fills go to the portfolio and every answer to the
// governor (ExecutionRouter::OnAnswerApplied).
struct Answers final : OrderEventSink {
  ExecutionRouter* router = nullptr;
  void OnOrderEvent(const Event& e) override { (void)router->OnOrderEvent(e); }
};

}  // namespace

Status LoadVolumeProfile(const std::string& path, VolumeProfile& profile) {
  DataInstruments names;
  SourceOptions so;
  so.instruments = &names;
  auto src = OpenSource(path, so);
  if (!src.ok()) return src.error();
  std::vector<Event> batch;
  for (;;) {
    batch.clear();
    if (!(*src)->Next(batch)) break;
    for (const Event& e : batch) {
      if (const auto* b = std::get_if<Bar>(&e)) profile.Add(*b);
      if (const auto* t = std::get_if<Trade>(&e)) profile.Add(*t);
    }
  }
  if (!(*src)->status().ok()) return (*src)->status();
  if (profile.empty()) return Invalid(path + ": no candles or trades for a volume profile");
  return Status::Ok();
}

Result<ExecReplayResult, Status> RunExecReplay(const ExecReplayOptions& o) {
  if (Status s = o.exec.Validate(); !s.ok()) return s;
  if (Status s = o.risk.Validate(); !s.ok()) return s;
  if (!o.qty.IsPositive()) return Invalid("the request qty must be positive");
  if (o.every <= Duration()) return Invalid("the request interval must be positive");
  if (o.files.empty()) return Invalid("no market data files");

  // The data's own ids; the symbol's venue from the files when not given.
  DataInstruments names;
  SourceOptions so;
  so.instruments = &names;
  std::vector<std::unique_ptr<EventSource>> sources;
  for (const std::string& f : o.files) {
    auto s = OpenSource(f, so);
    if (!s.ok()) return s.error();
    sources.push_back(std::move(*s));
  }
  Instrument inst = o.instrument;
  if (inst.venue == Venue::kUnknown) {
    for (const auto& e : names.all()) {
      if (e.symbol == inst.symbol) inst.venue = e.venue;
    }
    if (inst.venue == Venue::kUnknown) {
      return Invalid("cannot tell the venue of " + inst.symbol + " from the files: name it");
    }
  }
  InstrumentRegistry registry;
  auto added = registry.Add(inst);
  if (!added.ok()) return added.error();
  const Instrument& instrument = registry.Get(*added);
  if (auto c = instrument.CheckQty(o.qty); !c.ok()) {
    return Invalid("the request qty " + o.qty.ToString() + " is not a multiple of the lot or below the minimum");
  }

  auto order_latency = MakeLatencyModel(o.order_latency, o.seed);
  if (!order_latency.ok()) return order_latency.error();
  auto response_latency = MakeLatencyModel(o.response_latency, o.seed + 1);
  if (!response_latency.ok()) return response_latency.error();
  auto queue = MakeQueueModel(o.queue);
  if (!queue.ok()) return queue.error();
  VolumeProfile profile;
  if (!o.candles.empty()) {
    if (Status s = LoadVolumeProfile(o.candles, profile); !s.ok()) return s;
  }

  // The data's time span (a first, cheap pass): the clock starts at the
  // first event, so that periodic timers do not start at the epoch, and
  // requests stop quiet_tail before the last.
  UnixNanos first_event = UnixNanos::Max();
  UnixNanos last_event;
  {
    std::vector<std::unique_ptr<EventSource>> scan;
    DataInstruments scan_names;
    SourceOptions sso;
    sso.instruments = &scan_names;
    for (const std::string& f : o.files) {
      auto s = OpenSource(f, sso);
      if (!s.ok()) return s.error();
      scan.push_back(std::move(*s));
    }
    Replay r(std::move(scan));
    Event e;
    while (r.Next(&e)) {
      const UnixNanos ev = TsEvent(e);
      first_event = std::min(first_event, ev.nanos() != 0 ? std::min(ev, TsRecv(e)) : TsRecv(e));
      last_event = std::max(last_event, TsRecv(e));
    }
    if (!r.status().ok()) return r.status();
  }
  if (first_event == UnixNanos::Max()) return Invalid("no events in the files");

  InstrumentFees fees;
  SimClock clock(first_event);
  Answers answers;
  SimExchange exchange(registry, clock, answers, **order_latency, **response_latency, **queue, fees);
  BookSet books([&registry](InstrumentId id) {
    return BookSet::Spec{registry.Get(id).venue, registry.Get(id).tick_size};
  });
  Portfolio portfolio(o.balance, registry);
  TimerQueue timers(clock);
  RouterGateway gateway;
  RiskGovernor governor(
      o.risk, RiskGovernor::Services{&clock, &registry, &portfolio, &books, &gateway, nullptr, &timers, Logger()});
  ExecutionRouter router(o.exec, ExecutionRouter::Services{&clock, &timers, &registry, &books, &exchange, &governor,
                                                           o.candles.empty() ? nullptr : &profile, Logger()});
  gateway.router = &router;
  answers.router = &router;
  router.OnAnswerApplied([&portfolio, &governor](const Event& e, ApplyOutcome o) {
    if (o == ApplyOutcome::kApplied) {
      if (const auto* f = std::get_if<OrderFilled>(&e)) (void)portfolio.OnFill(*f);
      if (const auto* f = std::get_if<OrderPartiallyFilled>(&e)) (void)portfolio.OnFill(*f);
    }
    governor.OnOrderEvent(e);
  });
  router.Watch(instrument.id);

  ExecReplayResult result;
  result.mode = o.exec.mode;
  std::optional<UnixNanos> next_request;
  UnixNanos stop_requests;
  Side side = o.first_side;
  std::uint64_t parent_seq = 0;
  SimRunner runner(clock, exchange, nullptr, [&](const Event& e) {
    (void)books.Apply(e);
    router.OnMarketData(e);
    const UnixNanos now = clock.Now();
    if (!next_request) {
      next_request = now + o.first_after;
      stop_requests = last_event - o.quiet_tail;
    }
    if (now < *next_request || now > stop_requests) return;
    const OrderBook* book = books.Find(instrument.id);
    if (book == nullptr || !book->IsValid()) return;  // try again at the next event
    *next_request = *next_request + o.every;
    OrderRequest r;
    r.ts_event = r.ts_recv = now;
    r.instrument = instrument.id;
    r.side = side;
    r.type = OrderType::kLimit;
    r.tif = TimeInForce::kIoc;
    r.urgency = o.urgency;
    // The parent's limit: the router's own bounds apply; this only keeps
    // the request within the governor's price band.
    const auto mid = book->Mid();
    if (!mid) return;
    const double band = o.risk.price_band_bps > 0 ? o.risk.price_band_bps * 0.9 : 100.0;
    auto limit = Price::FromDouble(mid->ToDouble() * (1.0 + (side == Side::kBuy ? band : -band) / 1e4));
    if (!limit.ok()) return;
    r.price = side == Side::kBuy ? instrument.RoundPriceDown(*limit) : instrument.RoundPriceUp(*limit);
    r.qty = o.qty;
    r.client_order_id = ClientOrderId::Of(fmt::format("req-{}", ++parent_seq));
    r.strategy = StrategyId::Of("exec-replay");
    ++result.requests;
    auto approval = governor.Approve(r);
    if (!approval.ok()) {
      ++result.requests_denied;
    } else if (!router.Execute(*approval).ok()) {
      governor.OnSendFailed(r.client_order_id);
    }
    side = side == Side::kBuy ? Side::kSell : Side::kBuy;
  });
  runner.SetTimers(&timers);

  Replay replay(std::move(sources));
  Event e;
  InstrumentId data_id;
  while (replay.Next(&e)) {
    const InstrumentId from = EventInstrument(e);
    if (!from.valid()) continue;
    if (!data_id.valid()) {
      if (names.Get(from).symbol != instrument.symbol) continue;
      data_id = from;
    }
    if (from != data_id || !RetargetMarketEvent(e, instrument.id)) continue;
    if (Status s = runner.Feed(e); !s.ok()) return s;
    ++result.market_events;
  }
  if (!replay.status().ok()) return replay.status();
  if (Status s = runner.Finish(); !s.ok()) return s;
  if (result.market_events == 0) return Invalid("no market data for " + instrument.symbol + " in the files");

  result.metrics = router.metrics();
  result.sim = exchange.stats();
  result.risk = governor.counters();
  result.unfinished = router.active();
  if (const Position* p = portfolio.Find(instrument.id)) {
    result.final_position = p->qty.ToDouble();
    result.realized_pnl = p->realized_pnl.ToDouble();
  }
  return result;
}

std::string FormatExecComparison(const std::vector<ExecReplayResult>& results) {
  std::string out;
  auto row = [&](std::string_view name, auto&& cell) {
    out.append(fmt::format("{:<34}", name));
    for (const ExecReplayResult& r : results) out.append(fmt::format("{:>20}", cell(r)));
    out.push_back('\n');
  };
  auto ms = [](std::uint64_t ns) { return fmt::format("{:.1f}ms", static_cast<double>(ns) / 1e6); };
  row("mode", [](const ExecReplayResult& r) { return std::string(ExecModeName(r.mode)); });
  row("requests (denied)",
      [](const ExecReplayResult& r) { return fmt::format("{} ({})", r.requests, r.requests_denied); });
  row("requests filled / unfilled", [](const ExecReplayResult& r) {
    std::uint64_t filled = 0;
    for (const auto& w : r.metrics.works_ended) filled += w.outcome == WorkOutcome::kFilled ? 1 : 0;
    return fmt::format("{} / {}", filled, r.metrics.works_ended.size() - filled);
  });
  row("qty fill rate", [](const ExecReplayResult& r) {
    double q = 0, f = 0;
    for (const auto& w : r.metrics.works_ended) {
      q += w.qty;
      f += w.filled;
    }
    return q > 0 ? fmt::format("{:.1f}%", 100.0 * f / q) : std::string("-");
  });
  row("maker share of filled qty", [](const ExecReplayResult& r) {
    const double t = r.metrics.maker_qty + r.metrics.taker_qty;
    return t > 0 ? fmt::format("{:.1f}%", 100.0 * r.metrics.maker_qty / t) : std::string("-");
  });
  row("maker fill rate (attempts)", [](const ExecReplayResult& r) {
    return r.metrics.maker_attempts
               ? fmt::format("{:.1f}% ({})", 100.0 * r.metrics.maker_fill_rate(), r.metrics.maker_attempts)
               : std::string("-");
  });
  row("slippage vs arrival, mean bps",
      [](const ExecReplayResult& r) { return fmt::format("{:.3f}", r.metrics.MeanSlippageBps()); });
  row("slippage p50 / p95 bps", [](const ExecReplayResult& r) {
    return fmt::format("{:.2f} / {:.2f}", r.metrics.SlippageQuantileBps(0.5), r.metrics.SlippageQuantileBps(0.95));
  });
  row("fees paid (USDT)", [](const ExecReplayResult& r) { return fmt::format("{:.4f}", r.metrics.fees); });
  row("fees, bps of notional", [](const ExecReplayResult& r) {
    return r.metrics.notional > 0 ? fmt::format("{:.3f}", r.metrics.fees / r.metrics.notional * 1e4) : std::string("-");
  });
  row("cost = slippage + fees, bps", [](const ExecReplayResult& r) {
    const double fee_bps = r.metrics.notional > 0 ? r.metrics.fees / r.metrics.notional * 1e4 : 0.0;
    return fmt::format("{:.3f}", r.metrics.MeanSlippageBps() + fee_bps);
  });
  row("re-posts per request (mean)",
      [](const ExecReplayResult& r) { return fmt::format("{:.2f}", r.metrics.reposts_per_work.mean()); });
  row("post-only rejects", [](const ExecReplayResult& r) { return fmt::format("{}", r.metrics.post_only_rejects); });
  row("TTL p50 / p95", [&](const ExecReplayResult& r) {
    if (r.metrics.ttl_ns.count() == 0) return std::string("-");
    return ms(r.metrics.ttl_ns.Percentile(0.5)) + " / " + ms(r.metrics.ttl_ns.Percentile(0.95));
  });
  row("order-to-fill p50 / p95", [&](const ExecReplayResult& r) {
    if (r.metrics.order_to_fill_ns.count() == 0) return std::string("-");
    return ms(r.metrics.order_to_fill_ns.Percentile(0.5)) + " / " + ms(r.metrics.order_to_fill_ns.Percentile(0.95));
  });
  row("signal-to-order p50 (engine)",
      [&](const ExecReplayResult& r) { return ms(r.metrics.signal_to_order_ns.Percentile(0.5)); });
  row("router wall time p50 / p99", [](const ExecReplayResult& r) {
    return fmt::format("{}ns / {}ns", r.metrics.signal_to_order_wall_ns.Percentile(0.5),
                       r.metrics.signal_to_order_wall_ns.Percentile(0.99));
  });
  row("taker fills: predicted - realised", [](const ExecReplayResult& r) {
    std::size_t n = 0;
    for (const auto& f : r.metrics.fills) n += f.liquidity == LiquiditySide::kTaker ? 1 : 0;
    return n ? fmt::format("{:+.3f}bps ({})", -r.metrics.MeanPredictionErrorBps(), n) : std::string("-");
  });
  row("child orders denied (rate)",
      [](const ExecReplayResult& r) { return fmt::format("{} ({})", r.metrics.denied, r.metrics.rate_retries); });
  row("unfinished at the end", [](const ExecReplayResult& r) { return fmt::format("{}", r.unfinished); });
  row("final position", [](const ExecReplayResult& r) { return fmt::format("{:.6g}", r.final_position); });
  return out;
}

}  // namespace hean
