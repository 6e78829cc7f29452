#include "hean/engine/backtest.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <utility>
#include <variant>

#include "hean/analytics/market_analytics.h"
#include "hean/book/book_set.h"
#include "hean/core/clock.h"
#include "hean/core/timer_queue.h"
#include "hean/data/replay.h"
#include "hean/data/source.h"
#include "hean/engine/engine.h"
#include "hean/engine/exec_replay.h"
#include "hean/engine/signal_pipeline.h"
#include "hean/engine/sim_runner.h"
#include "hean/exec/execution_router.h"
#include "hean/exec/volume_profile.h"
#include "hean/portfolio/portfolio.h"
#include "hean/risk/risk_governor.h"
#include "hean/sim/fee_model.h"
#include "hean/sim/latency_model.h"
#include "hean/sim/queue_model.h"
#include "hean/sim/sim_exchange.h"
#include "hean/strategy/strategy.h"

namespace hean {

namespace {

Status Invalid(std::string m) { return Status(StatusCode::kInvalidArgument, std::move(m)); }

// `path` from the root (as it is when that fails).
std::string AbsolutePath(const std::string& path) {
  std::error_code ec;
  const std::filesystem::path p = std::filesystem::absolute(path, ec);
  return ec ? path : p.lexically_normal().string();
}

std::string Resolve(const std::string& base, const std::string& path) {
  if (path.empty() || base.empty() || std::filesystem::path(path).is_absolute()) return path;
  return (std::filesystem::path(base) / path).lexically_normal().string();
}

// A decimal config value (tick, lot, minimums, fee rates): a number, read
// through Config so that it is checked and echoed.
template <class T>
Status GetDecimal(Config& c, const std::string& key, T& out, bool positive) {
  if (!c.Has(key)) {
    double d = out.IsDefined() ? out.ToDouble() : 0.0;
    return c.Get(key, d);  // records the default
  }
  double d = 0.0;
  if (Status s = c.Get(key, d); !s.ok()) return s;
  if (!std::isfinite(d) || (positive && d <= 0.0) || (!positive && d < 0.0 && !std::is_same_v<T, Rate>)) {
    return Invalid(fmt::format("{}: {}: {} must be {}", c.Where(key), key, d, positive ? "positive" : "non-negative"));
  }
  auto v = T::FromDouble(d);
  if (!v.ok()) return Invalid(fmt::format("{}: {}: {} is out of range", c.Where(key), key, d));
  out = *v;
  return Status::Ok();
}

Status LoadInstrument(Config& c, const std::string& symbol, Instrument& out) {
  const std::string p = "instruments." + symbol + ".";
  out.symbol = symbol;
  std::string venue = "bybit";
  if (Status s = c.Get(p + "venue", venue); !s.ok()) return s;
  auto v = ParseVenue(venue);
  if (!v.ok() || *v == Venue::kUnknown) {
    return Invalid(fmt::format("{}: {}venue: \"{}\" is not a venue (bybit, binance)", c.Where(p + "venue"), p, venue));
  }
  out.venue = *v;
  out.kind = InstrumentKind::kLinearPerpetual;
  out.maker_fee = kBybitLinearMakerFee;
  out.taker_fee = kBybitLinearTakerFee;
  if (!c.Has(p + "tick")) return Invalid(fmt::format("{}: {}tick: required (the price step)", c.source(), p));
  if (!c.Has(p + "lot")) return Invalid(fmt::format("{}: {}lot: required (the qty step)", c.source(), p));
  if (Status s = GetDecimal(c, p + "tick", out.tick_size, true); !s.ok()) return s;
  if (Status s = GetDecimal(c, p + "lot", out.lot_size, true); !s.ok()) return s;
  out.min_qty = out.lot_size;
  out.min_notional = Notional::Zero();
  if (Status s = GetDecimal(c, p + "min_qty", out.min_qty, true); !s.ok()) return s;
  if (Status s = GetDecimal(c, p + "min_notional", out.min_notional, false); !s.ok()) return s;
  if (Status s = GetDecimal(c, p + "maker_fee", out.maker_fee, false); !s.ok()) return s;
  if (Status s = GetDecimal(c, p + "taker_fee", out.taker_fee, false); !s.ok()) return s;
  out.price_precision = DecimalsOf(out.tick_size.raw());
  out.qty_precision = DecimalsOf(out.lot_size.raw());
  if (Status s = out.Validate(); !s.ok()) return s.WithContext(c.Where("instruments." + symbol));
  return Status::Ok();
}

// Moves every timestamp of an event by `d` (looped replays).
void ShiftTime(Event& e, Duration d) noexcept {
  std::visit(
      [d](auto& ev) {
        if constexpr (requires { ev.ts_event; }) {
          if (ev.ts_event.nanos() != 0) ev.ts_event = ev.ts_event + d;
        }
        if constexpr (requires { ev.ts_recv; }) ev.ts_recv = ev.ts_recv + d;
      },
      e);
}

Status OpenAll(const std::vector<std::string>& files, DataInstruments& names,
               std::vector<std::unique_ptr<EventSource>>& out) {
  SourceOptions so;
  so.instruments = &names;
  for (const std::string& f : files) {
    auto s = OpenSource(f, so);
    if (!s.ok()) return s.error();
    out.push_back(std::move(*s));
  }
  return Status::Ok();
}

}  // namespace

std::vector<std::string> BacktestConfig::DataPaths() const {
  std::vector<std::string> out;
  out.reserve(data.size());
  for (const std::string& d : data) out.push_back(Resolve(base_dir, d));
  return out;
}

std::string BacktestConfig::CandlesPath() const { return Resolve(base_dir, candles); }

Status BacktestConfig::Validate() const {
  if (data.empty()) return Invalid("run.data: no market data files (give them here or with --data)");
  if (!(balance > 0.0) || !std::isfinite(balance)) return Invalid("run.balance: must be positive");
  if (instruments.empty()) return Invalid("instruments: no instrument (add an [instruments.SYMBOL] table)");
  if (report.equity_every <= Duration::Zero()) return Invalid("report.equity_every: must be positive");
  if (report.price_every < Duration::Zero()) return Invalid("report.price_every: must not be negative");
  for (const Instrument& i : instruments) {
    if (Status s = i.Validate(); !s.ok()) return s;
  }
  if (Status s = analytics.Validate(); !s.ok()) return s;
  if (Status s = impulse.Validate(); !s.ok()) return s;
  if (Status s = risk.Validate(); !s.ok()) return s;
  if (Status s = exec.Validate(); !s.ok()) return s;
  return Status::Ok();
}

Status LoadBacktestConfig(Config& c, const std::string& base_dir, BacktestConfig& out) {
  out.source = c.source();
  out.base_dir = base_dir;
  if (Status s = c.Get("run.name", out.name); !s.ok()) return s;
  if (Status s = c.Get("run.data", out.data); !s.ok()) return s;
  if (Status s = c.Get("run.candles", out.candles); !s.ok()) return s;
  // The effective config names the files that run, from the root: a saved
  // config.toml runs again from any directory.
  {
    std::vector<std::string> absolute;
    for (const std::string& d : out.DataPaths()) absolute.push_back(AbsolutePath(d));
    c.SetEffective("run.data", absolute);
    if (!out.candles.empty()) c.SetEffective("run.candles", AbsolutePath(out.CandlesPath()));
  }
  std::int64_t seed = static_cast<std::int64_t>(out.seed);
  if (Status s = c.Get("run.seed", seed); !s.ok()) return s;
  if (seed < 0) return Invalid(fmt::format("{}: run.seed: must not be negative", c.Where("run.seed")));
  out.seed = static_cast<std::uint64_t>(seed);
  if (Status s = c.Get("run.balance", out.balance); !s.ok()) return s;
  if (!(out.balance > 0.0)) return Invalid(fmt::format("{}: run.balance: must be positive", c.Where("run.balance")));

  out.instruments.clear();
  for (const std::string& symbol : c.Tables("instruments")) {
    Instrument inst;
    if (Status s = LoadInstrument(c, symbol, inst); !s.ok()) return s;
    out.instruments.push_back(std::move(inst));
  }
  if (c.Has("instruments") && out.instruments.empty()) {
    return Invalid(fmt::format("{}: instruments: expected [instruments.SYMBOL] tables", c.Where("instruments")));
  }

  if (Status s = LoadAnalyticsConfig(c, out.analytics); !s.ok()) return s;
  if (Status s = LoadImpulseConfig(c, out.impulse); !s.ok()) return s;
  if (Status s = LoadRiskConfig(c, out.risk); !s.ok()) return s;
  if (Status s = LoadExecConfig(c, out.exec); !s.ok()) return s;

  if (Status s = c.Get("sim.order_latency", out.sim.order_latency); !s.ok()) return s;
  if (Status s = c.Get("sim.response_latency", out.sim.response_latency); !s.ok()) return s;
  if (Status s = c.Get("sim.market_data_latency", out.sim.market_data_latency); !s.ok()) return s;
  if (Status s = c.Get("sim.queue", out.sim.queue); !s.ok()) return s;
  for (const auto& [key, spec] :
       {std::pair<const char*, const std::string&>{"sim.order_latency", out.sim.order_latency},
        {"sim.response_latency", out.sim.response_latency},
        {"sim.market_data_latency", out.sim.market_data_latency}}) {
    if (spec == "recorded" && std::string_view(key) == "sim.market_data_latency") continue;
    if (auto m = MakeLatencyModel(spec, 1); !m.ok()) {
      return Invalid(fmt::format("{}: {}: {}", c.Where(key), key, m.error().message()));
    }
  }
  if (auto q = MakeQueueModel(out.sim.queue); !q.ok()) {
    return Invalid(fmt::format("{}: sim.queue: {}", c.Where("sim.queue"), q.error().message()));
  }

  if (Status s = c.Get("report.equity_every", out.report.equity_every); !s.ok()) return s;
  if (Status s = c.Get("report.price_every", out.report.price_every); !s.ok()) return s;

  if (Status s = c.CheckUnknown(); !s.ok()) return s;
  return c.Locate(out.Validate());
}

Status LoadBacktestFile(const std::string& path, const std::vector<std::string>& overrides, BacktestConfig& out,
                        std::string* effective_toml) {
  auto c = Config::Load(path);
  if (!c.ok()) return c.error();
  for (const std::string& o : overrides) {
    const std::size_t eq = o.find('=');
    if (eq == std::string::npos || eq == 0) return Invalid("--set " + o + ": expected key=value");
    if (Status s = c->Override(o.substr(0, eq), o.substr(eq + 1)); !s.ok()) return s;
  }
  const std::string base = std::filesystem::path(path).parent_path().string();
  if (Status s = LoadBacktestConfig(*c, base, out); !s.ok()) return s;
  if (effective_toml != nullptr) *effective_toml = c->EffectiveToml();
  return Status::Ok();
}

Status CheckBacktestInputs(const BacktestConfig& config) {
  if (Status s = config.Validate(); !s.ok()) return s;
  for (const std::string& f : config.DataPaths()) {
    DataInstruments names;
    std::vector<std::unique_ptr<EventSource>> src;
    if (Status s = OpenAll({f}, names, src); !s.ok()) return s;
    std::vector<Event> batch;
    if (!src[0]->Next(batch) && !src[0]->status().ok()) return src[0]->status();
  }
  if (!config.candles.empty()) {
    VolumeProfile profile;
    if (Status s = LoadVolumeProfile(config.CandlesPath(), profile); !s.ok()) return s;
  }
  return Status::Ok();
}

namespace {

// Everything of one run, wired once; lives for the run.
class BacktestRun final : public OrderEventSink, public OrderGateway {
 public:
  BacktestRun(const BacktestConfig& config, const BacktestOptions& options, const InstrumentRegistry& registry,
              Notional balance, UnixNanos start, LatencyModel& order_lat, LatencyModel& resp_lat, LatencyModel* md_lat,
              QueueModel& queue)
      : config_(config),
        options_(options),
        registry_(registry),
        clock_(start),
        engine_(clock_),
        exchange_(registry_, clock_, *this, order_lat, resp_lat, queue, fees_),
        books_([this](InstrumentId id) {
          return BookSet::Spec{registry_.Get(id).venue, registry_.Get(id).tick_size};
        }),
        portfolio_(balance, registry_),
        runner_(clock_, exchange_, md_lat, [this](const Event& e) { OnMarketData(e); }) {}

  void Init(const VolumeProfile* profile) {
    Logger log = options_.logger;
    analytics_ = std::make_unique<MarketAnalytics>(
        config_.analytics,
        [this](InstrumentId id) {
          return MarketAnalytics::Spec{registry_.Get(id).symbol, registry_.Get(id).tick_size};
        },
        &books_, log.WithComponent("analytics"));
    EventBus& bus = engine_.bus();
    analytics_->Attach(bus, clock_);
    governor_ = std::make_unique<RiskGovernor>(
        config_.risk, RiskGovernor::Services{&clock_, &registry_, &portfolio_, &books_, this, &bus, &engine_.timers(),
                                             log.WithComponent("risk")});
    router_ = std::make_unique<ExecutionRouter>(
        config_.exec, ExecutionRouter::Services{&clock_, &engine_.timers(), &registry_, &books_, &exchange_,
                                                governor_.get(), profile, log.WithComponent("exec")});
    strategy_ = std::make_unique<ImpulseEngine>(config_.impulse);
    StrategyContext::Services sv;
    sv.clock = &clock_;
    sv.timers = &engine_.timers();
    sv.bus = &bus;
    sv.books = &books_;
    sv.analytics = analytics_.get();
    sv.instruments = &registry_;
    sv.logger = log.WithComponent("strategy");
    context_ = std::make_unique<StrategyContext>(StrategyId::Of("impulse"), sv);
    AttachStrategy(bus, *context_, *strategy_);
    bus.Subscribe<Signal>([this](const Signal& s) { OnSignal(s); });
    bus.Subscribe<FlashCrash>([this](const FlashCrash& c) { governor_->OnFlashCrash(c); });
    router_->OnAnswerApplied([this](const Event& e, ApplyOutcome o) {
      const FillReport* fill = nullptr;
      if (const auto* f = std::get_if<OrderFilled>(&e)) fill = f;
      if (const auto* f = std::get_if<OrderPartiallyFilled>(&e)) fill = f;
      if (fill != nullptr && o == ApplyOutcome::kApplied) OnFill(*fill);
      governor_->OnOrderEvent(e);
    });
    router_->OnRequestDone(
        [this](const ClientOrderId& id, InstrumentId inst, const WorkResult&) { context_->OnOrderClosed(inst, id); });
    if (options_.keep_rows) {
      router_->OnChildSent([this](const ClientOrderId& child, const ClientOrderId& request) {
        parent_of_.emplace(std::string(child.view()), std::string(request.view()));
      });
    }
    for (std::size_t v = 0; v < registry_.size(); ++v) router_->Watch(InstrumentId{static_cast<std::uint32_t>(v)});
    runner_.SetTimers(&engine_.timers());

    record_.instruments.resize(registry_.size());
    for (std::size_t v = 0; v < registry_.size(); ++v) {
      const Instrument& i = registry_.Get(InstrumentId{static_cast<std::uint32_t>(v)});
      record_.instruments[v] = RunInstrument{i.id,        i.symbol,    i.tick_size,       i.lot_size,
                                             i.maker_fee, i.taker_fee, i.price_precision, i.qty_precision};
    }
    last_mid_.assign(registry_.size(), Price::Undefined());
    next_price_point_.assign(registry_.size(), UnixNanos());
    peak_equity_ = config_.balance;
    // Equity samples on the grid of equity_every (from the first multiple
    // at or after the start), plus the start and the end.
    SampleEquity();
    const std::int64_t every = config_.report.equity_every.nanos();
    std::int64_t first = clock_.Now().nanos() / every * every;
    if (first <= clock_.Now().nanos()) first += every;
    engine_.timers().SchedulePeriodic(UnixNanos::FromNanos(first), config_.report.equity_every,
                                      [this](TimerId, UnixNanos) { SampleEquity(); });
  }

  // Maps the data's instrument id to the run's (invalid: not traded).
  Result<InstrumentId, Status> MapInstrument(const DataInstruments& names, InstrumentId from) {
    if (from.value < map_.size() && map_known_[from.value]) return map_[from.value];
    if (map_.size() <= from.value) {
      map_.resize(from.value + 1);
      map_known_.resize(from.value + 1, 0);
    }
    const auto& entry = names.Get(from);
    InstrumentId to;
    if (const Instrument* i = BySymbol(entry.symbol)) {
      if (entry.venue != Venue::kUnknown && entry.venue != i->venue) {
        return Invalid(fmt::format("instruments.{}.venue is {} but the data names {}:{}", i->symbol, ToString(i->venue),
                                   ToString(entry.venue), entry.symbol));
      }
      to = i->id;
    }
    map_[from.value] = to;
    map_known_[from.value] = 1;
    return to;
  }

  const Instrument* BySymbol(std::string_view symbol) const {
    for (std::size_t v = 0; v < registry_.size(); ++v) {
      const Instrument& i = registry_.Get(InstrumentId{static_cast<std::uint32_t>(v)});
      if (i.symbol == symbol) return &i;
    }
    return nullptr;
  }
  void CountSkipped() noexcept { ++record_.events_not_traded; }

  Status Feed(Event&& e) {
    ++record_.events;
    return runner_.Feed(std::move(e));
  }

  Status Finish() {
    if (Status s = runner_.Finish(); !s.ok()) return s;
    engine_.RunUntilIdle();
    SampleEquity();
    return Status::Ok();
  }

  RunRecord TakeRecord() {
    RunRecord& r = record_;
    r.name = config_.name;
    r.config_path = config_.source;
    r.data_files = config_.data;
    r.seed = config_.seed;
    r.exec_mode = std::string(ExecModeName(config_.exec.mode));
    r.queue_model = config_.sim.queue;
    r.starting_balance = config_.balance;
    r.exec = router_->metrics();
    r.bus = engine_.bus().metrics();
    r.sim_fills = exchange_.stats().fills;
    r.kill_switch_calls = governor_->counters().kill_switch_calls;
    r.final_risk_state = std::string(ToString(governor_->state()));
    r.max_drawdown = portfolio_.max_drawdown().ToDouble();
    r.max_drawdown_fraction = portfolio_.max_drawdown_fraction();
    for (const RiskTransitionRecord& t : governor_->transitions()) {
      r.risk_transitions.push_back(
          RiskTransitionRow{t.ts, t.strategy.empty() ? std::string("account") : std::string(t.strategy.view()),
                            std::string(ToString(t.transition.from)), std::string(ToString(t.transition.to)),
                            std::string(t.transition.reason)});
    }
    // Denials: the signals' from their records, the rest are child orders.
    std::map<std::string, std::uint64_t> by_signal;
    for (const auto& [reason, n] : signal_denied_) by_signal[reason] += n;
    std::map<std::string, std::uint64_t> by_order;
    const RiskCounters& rc = governor_->counters();
    for (int i = 1; i < kDenyReasonCount; ++i) {
      const std::uint64_t total = rc.denied_by[static_cast<std::size_t>(i)];
      if (total == 0) continue;
      const std::string name(ToString(static_cast<DenyReason>(i)));
      const std::uint64_t sig = by_signal.count(name) ? by_signal[name] : 0;
      if (total > sig) by_order[name] = total - sig;
    }
    r.signal_denials.assign(by_signal.begin(), by_signal.end());
    r.order_denials.assign(by_order.begin(), by_order.end());
    if (options_.keep_rows) {
      router_->orders().ForEach([&](const Order& o) {
        OrderRecord rec;
        rec.client_order_id = std::string(o.client_order_id.view());
        auto it = parent_of_.find(rec.client_order_id);
        if (it != parent_of_.end()) rec.parent = it->second;
        rec.strategy = std::string(o.strategy.view());
        rec.instrument = o.instrument;
        rec.side = o.side;
        rec.type = o.type;
        rec.tif = o.tif;
        rec.reduce_only = o.reduce_only;
        rec.price = o.price;
        rec.qty = o.qty;
        rec.filled = o.filled_qty;
        rec.avg_fill_price = o.avg_fill_price();
        rec.fees = o.fees;
        rec.status = std::string(OrderStatusName(o.status));
        rec.created = o.ts_init;
        rec.closed = o.ts_closed;
        r.orders.push_back(std::move(rec));
      });
    }
    return std::move(record_);
  }

  UnixNanos now() const noexcept { return clock_.Now(); }
  std::uint64_t events() const noexcept { return record_.events; }

  // OrderGateway (the governor's): the router works what it approves.
  Status Execute(const ApprovedOrder& order) override { return router_->Execute(order); }
  Status CancelAll(InstrumentId instrument) override { return router_->CancelAll(instrument); }

  // OrderEventSink (the exchange's answers).
  // The router first; new fills reach the portfolio and every answer the
  // governor before the router acts on it (OnAnswerApplied, set up above).
  void OnOrderEvent(const Event& e) override {
    const ApplyOutcome o = router_->OnOrderEvent(e);
    if (o == ApplyOutcome::kApplied) (void)engine_.bus().Publish(e);
    engine_.RunUntilIdle();
  }

 private:
  // One visit: the book, the router, the mark and the bus by type (the
  // bus's typed Publish, the same as Publish(Event) without its visit).
  void OnMarketData(const Event& e) {
    std::visit(
        [this, &e](const auto& ev) {
          using T = std::decay_t<decltype(ev)>;
          if constexpr (std::is_same_v<T, BookDelta> || std::is_same_v<T, BookSnapshot>) {
            const std::optional<BookInvalid> invalid = books_.Apply(ev);
            router_->OnMarketData(e);
            MarkMid(ev.instrument);
            if (invalid) {
              (void)engine_.bus().Publish(ev);
              (void)engine_.bus().Publish(*invalid);
            } else {
              (void)engine_.bus().PublishAndDrain(ev);
            }
          } else {
            router_->OnMarketData(e);
            (void)engine_.bus().PublishAndDrain(ev);
          }
        },
        e);
    engine_.RunUntilIdle();
  }

  // The portfolio marked at the book's mid when it moved, on whole books
  // only (after a snapshot or the last delta of a venue message), as the
  // router reads them.
  void MarkMid(InstrumentId id) {
    if (!id.valid() || !books_.ReadyAfterMessage(id)) return;
    const OrderBook* book = books_.Find(id);
    if (book == nullptr) return;
    const std::optional<Price> mid = book->Mid();
    if (!mid || *mid == last_mid_[id.value]) return;
    last_mid_[id.value] = *mid;
    (void)portfolio_.Mark(id, *mid, clock_.Now());
    if (options_.keep_rows && clock_.Now() >= next_price_point_[id.value]) {
      record_.prices.push_back(PricePoint{clock_.Now(), id, mid->ToDouble()});
      next_price_point_[id.value] = clock_.Now() + config_.report.price_every;
    }
  }

  void OnSignal(const Signal& s) {
    auto res = governor_->OnSignal(s);
    if (!res.ok()) signal_denied_[std::string(ToString(res.error()))] += 1;
    if (!options_.keep_rows) return;
    SignalRecord rec;
    rec.ts = s.ts_event;
    rec.signal_id = s.signal_id;
    rec.strategy = std::string(s.strategy.view());
    rec.instrument = s.instrument;
    rec.entry = s.intent == SignalIntent::kEntry;
    rec.side = s.side;
    rec.reference_price = s.reference_price;
    rec.confidence = s.strength;
    rec.reasons = SignalReasons(s.reasons);
    rec.approved = res.ok();
    if (res.ok()) {
      rec.request_id = std::string(res->get().client_order_id.view());
      rec.qty = res->get().qty;
    } else {
      rec.deny_reason = std::string(ToString(res.error()));
    }
    record_.signals.push_back(std::move(rec));
  }

  void OnFill(const FillReport& f) {
    const Position* before = portfolio_.Find(f.instrument);
    const Notional realized_before = before != nullptr ? before->realized_pnl : Notional::Zero();
    (void)portfolio_.OnFill(f);
    if (!options_.keep_rows) return;
    const Position* p = portfolio_.Find(f.instrument);
    FillRecord rec;
    rec.ts = f.ts_recv;
    rec.client_order_id = std::string(f.client_order_id.view());
    rec.strategy = std::string(f.strategy.view());
    rec.instrument = f.instrument;
    rec.side = f.side;
    rec.liquidity = f.liquidity;
    rec.price = f.last_price;
    rec.qty = f.last_qty;
    rec.fee = f.fee;
    if (p != nullptr) {
      rec.position_after = p->qty;
      rec.realized = p->realized_pnl - realized_before;
    }
    record_.fills.push_back(std::move(rec));
    if (p != nullptr) PushPosition(*p);
  }

  void PushPosition(const Position& p) {
    PositionRecord pr;
    pr.ts = clock_.Now();
    pr.instrument = p.instrument;
    pr.qty = p.qty;
    pr.avg_entry = p.avg_entry_price();
    pr.mark = p.valuation_price;
    pr.realized_pnl = p.realized_pnl;
    pr.unrealized_pnl = p.unrealized_pnl;
    pr.fees = p.fees;
    record_.positions.push_back(pr);
  }

  void SampleEquity() {
    const UnixNanos now = clock_.Now();
    if (!record_.equity.empty() && record_.equity.back().ts == now) return;
    EquityRecord e;
    e.ts = now;
    e.equity = portfolio_.equity().ToDouble();
    e.realized_pnl = portfolio_.realized_pnl().ToDouble();
    e.unrealized_pnl = portfolio_.unrealized_pnl().ToDouble();
    e.fees = portfolio_.fees().ToDouble();
    peak_equity_ = std::max(peak_equity_, e.equity);
    e.drawdown = peak_equity_ - e.equity;
    for (std::size_t v = 0; v < registry_.size(); ++v) {
      const Position* p = portfolio_.Find(InstrumentId{static_cast<std::uint32_t>(v)});
      if (p == nullptr || p->is_flat()) continue;
      const double px =
          p->valuation_price.IsDefined() ? p->valuation_price.ToDouble() : p->avg_entry_price().ToDouble();
      e.gross_exposure += std::abs(p->qty.ToDouble()) * px;
      if (options_.keep_rows) PushPosition(*p);
    }
    record_.equity.push_back(e);
  }

  const BacktestConfig& config_;
  const BacktestOptions& options_;
  const InstrumentRegistry& registry_;
  SimClock clock_;
  Engine engine_;
  InstrumentFees fees_;
  SimExchange exchange_;
  BookSet books_;
  Portfolio portfolio_;
  std::unique_ptr<MarketAnalytics> analytics_;
  std::unique_ptr<RiskGovernor> governor_;
  std::unique_ptr<ExecutionRouter> router_;
  std::unique_ptr<ImpulseEngine> strategy_;
  std::unique_ptr<StrategyContext> context_;
  SimRunner runner_;

  RunRecord record_;
  std::vector<InstrumentId> map_;
  std::vector<std::uint8_t> map_known_;
  std::vector<Price> last_mid_;
  std::vector<UnixNanos> next_price_point_;
  std::map<std::string, std::uint64_t> signal_denied_;
  std::map<std::string, std::string> parent_of_;
  double peak_equity_ = 0.0;
};

}  // namespace

Result<RunRecord, Status> RunBacktest(const BacktestConfig& config, const BacktestOptions& options) {
  if (Status s = config.Validate(); !s.ok()) return s;
  if (options.loops < 1) return Invalid("loops must be at least 1");
  const std::int64_t wall_start = MonotonicNanos();  // wall time: progress and events/s only
  auto wall = [&] { return static_cast<double>(MonotonicNanos() - wall_start) / 1e9; };
  const std::vector<std::string> files = config.DataPaths();

  auto order_lat = MakeLatencyModel(config.sim.order_latency, config.seed);
  if (!order_lat.ok()) return Invalid("sim.order_latency: " + order_lat.error().message());
  auto resp_lat = MakeLatencyModel(config.sim.response_latency, config.seed + 1);
  if (!resp_lat.ok()) return Invalid("sim.response_latency: " + resp_lat.error().message());
  std::unique_ptr<LatencyModel> md_lat;
  if (config.sim.market_data_latency != "recorded") {
    auto m = MakeLatencyModel(config.sim.market_data_latency, config.seed + 2);
    if (!m.ok()) return Invalid("sim.market_data_latency: " + m.error().message());
    md_lat = std::move(*m);
  }
  auto queue = MakeQueueModel(config.sim.queue);
  if (!queue.ok()) return Invalid("sim.queue: " + queue.error().message());
  VolumeProfile profile;
  if (!config.candles.empty()) {
    if (Status s = LoadVolumeProfile(config.CandlesPath(), profile); !s.ok()) return s;
  }

  // The time span: the first event always (the clock starts there, so that
  // periodic timers do not start at the epoch); the last only when asked.
  UnixNanos first_event = UnixNanos::Max();
  UnixNanos last_event;
  {
    DataInstruments names;
    std::vector<std::unique_ptr<EventSource>> scan;
    if (Status s = OpenAll(files, names, scan); !s.ok()) return s;
    Replay r(std::move(scan));
    Event e;
    bool first = true;
    while (r.Next(&e)) {
      // The clock starts at the first event in replay order (its exchange
      // time when earlier), whether or not the rest is scanned, so that the
      // scan changes no output.
      if (first) {
        const UnixNanos ev = TsEvent(e);
        first_event = ev.nanos() != 0 ? std::min(ev, TsRecv(e)) : TsRecv(e);
        first = false;
      }
      last_event = std::max(last_event, TsRecv(e));
      if (!options.scan_span && options.loops == 1) break;
    }
    if (!r.status().ok()) return r.status();
  }
  if (first_event == UnixNanos::Max()) return Invalid("no events in the data files");
  const Duration loop_shift = (last_event - first_event) + Duration::Seconds(1);

  InstrumentRegistry registry;
  for (const Instrument& i : config.instruments) {
    auto added = registry.Add(i);
    if (!added.ok()) return added.error();
  }
  auto balance = Notional::FromDouble(config.balance);
  if (!balance.ok()) return Invalid("run.balance: out of range");
  auto run = std::make_unique<BacktestRun>(config, options, registry, *balance, first_event, **order_lat, **resp_lat,
                                           md_lat.get(), **queue);
  run->Init(config.candles.empty() ? nullptr : &profile);

  BacktestProgress progress;
  progress.first_event = first_event;
  if (options.scan_span || options.loops > 1) {
    progress.last_event = last_event + Duration::Nanos(loop_shift.nanos() * (options.loops - 1));
  }
  std::uint64_t next_progress = options.progress_every;
  UnixNanos data_first, data_last;
  bool any = false;
  std::vector<std::uint8_t> seen;  // by run instrument: got a market event
  for (int loop = 0; loop < options.loops; ++loop) {
    DataInstruments names;
    std::vector<std::unique_ptr<EventSource>> sources;
    if (Status s = OpenAll(files, names, sources); !s.ok()) return s;
    Replay replay(std::move(sources));
    const Duration shift = Duration::Nanos(loop_shift.nanos() * loop);
    while (Event* next = replay.NextRef()) {
      Event& e = *next;
      const InstrumentId from = EventInstrument(e);
      if (!from.valid()) continue;
      auto to = run->MapInstrument(names, from);
      if (!to.ok()) return to.error();
      if (!to->valid() || !RetargetMarketEvent(e, *to)) {
        run->CountSkipped();
        continue;
      }
      if (loop > 0) ShiftTime(e, shift);
      if (seen.size() <= to->value) seen.resize(to->value + 1, 0);
      seen[to->value] = 1;
      const UnixNanos recv = TsRecv(e);
      if (!any) {
        data_first = std::min(first_event, recv);
        any = true;
      }
      data_last = std::max(data_last, recv);
      if (Status s = run->Feed(std::move(e)); !s.ok()) return s;
      if (options.progress && run->events() >= next_progress) {
        next_progress += options.progress_every;
        progress.events = run->events();
        progress.now = run->now();
        progress.wall_seconds = wall();
        options.progress(progress);
      }
    }
    if (!replay.status().ok()) return replay.status();
  }
  {
    std::string missing;
    for (const Instrument& i : config.instruments) {
      const InstrumentId id = registry.Find(i.venue, i.symbol)->id;
      if (id.value >= seen.size() || seen[id.value] == 0) missing.append(missing.empty() ? "" : ", ").append(i.symbol);
    }
    if (!missing.empty()) return Invalid("no market data for " + missing + " in the data files");
  }
  if (Status s = run->Finish(); !s.ok()) return s;
  RunRecord record = run->TakeRecord();
  record.first_event = data_first;
  record.equity_every = config.report.equity_every;
  // The run's clock follows exchange time when that is later than the
  // receive time, so the run can end after the last receive time.
  record.last_event = std::max(data_last, run->now());
  record.wall_seconds = wall();
  if (options.progress) {
    progress.events = record.events;
    progress.now = progress.last_event.nanos() != 0 ? progress.last_event : data_last;
    progress.wall_seconds = record.wall_seconds;
    options.progress(progress);
  }
  return record;
}

}  // namespace hean
