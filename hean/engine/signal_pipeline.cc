#include "hean/engine/signal_pipeline.h"

#include <fmt/format.h>

namespace hean {

namespace {

void Num(std::string& out, double v) {
  out.push_back(',');
  fmt::format_to(std::back_inserter(out), "{:.10g}", v);
}
void Px(std::string& out, Price p) {
  out.push_back(',');
  if (p.IsDefined()) out.append(p.ToString());
}
void Flag(std::string& out, bool b) {
  out.push_back(',');
  out.push_back(b ? '1' : '0');
}
void Empty(std::string& out, int n) { out.append(static_cast<std::size_t>(n), ','); }

}  // namespace

std::string FeatureCsvHeader() {
  return "time,ts_ns,symbol,price,trades,bars,atr,threshold,lookback_return,volume_spike,spike_ratio,ofi,ofi_"
         "normalized,"
         "mid,spread_bps,vpoc,value_area_low,value_area_high,buy_gradient,sell_gradient,pressure_imbalance,buy_volume,"
         "sell_volume,flow_ratio,momentum,large_buyer,large_seller,traded_vpoc,iceberg,iceberg_side,iceberg_price,"
         "iceberg_score,flash_crash_watch,flash_crash";
}

std::string FeatureCsvRow(const FeatureRow& r) {
  InstrumentAnalytics& a = *r.analytics;
  std::string out = r.time.ToIso8601();
  out.push_back(',');
  out.append(std::to_string(r.time.nanos()));
  out.push_back(',');
  out.append(a.symbol());
  Px(out, a.last_price());
  out.append(",").append(std::to_string(a.trades()));
  out.append(",").append(std::to_string(a.bars_closed()));
  Num(out, a.threshold().atr().value());
  Num(out, a.threshold().value());
  Num(out, r.lookback_return);
  Flag(out, a.volume_spike().IsSpike());
  Num(out, a.volume_spike().ratio());
  Num(out, a.ofi().value());
  Num(out, a.ofi().normalized());
  const OrderBook* book = r.book != nullptr && r.book->IsValid() ? r.book : nullptr;
  if (book != nullptr && book->Mid()) {
    Px(out, *book->Mid());
    Num(out, book->SpreadBps().value_or(0));
  } else {
    Empty(out, 2);
  }
  if (book != nullptr) {
    const BookProfile& p = a.BookProfileOf(*book);
    if (p.valid) {
      Px(out, p.vpoc);
      Px(out, p.value_area_low);
      Px(out, p.value_area_high);
      Num(out, p.buy_gradient);
      Num(out, p.sell_gradient);
      Num(out, p.pressure_imbalance);
    } else {
      Empty(out, 6);
    }
  } else {
    Empty(out, 6);
  }
  const TradeFlow& f = a.trade_flow();
  Num(out, f.buy_volume());
  Num(out, f.sell_volume());
  Num(out, f.flow_ratio());
  Num(out, f.momentum());
  Flag(out, f.large_buyer());
  Flag(out, f.large_seller());
  if (std::optional<Price> v = a.traded_profile().Vpoc()) {
    Px(out, *v);
  } else {
    Empty(out, 1);
  }
  Flag(out, r.iceberg);
  if (auto c = a.icebergs().Strongest()) {
    out.append(",").append(ToString(c->side));
    Px(out, c->price);
    Num(out, c->score);
  } else {
    Empty(out, 3);
  }
  Flag(out, a.flash_crash().in_move());
  Flag(out, r.flash_crash);
  return out;
}

std::string SignalCsvHeader() {
  return "time,ts_ns,signal_id,symbol,intent,side,reference_price,confidence,take_profit,stop_loss,position_ttl,"
         "size_hint,reasons";
}

std::string SignalReasons(std::uint32_t reasons) {
  static constexpr struct {
    std::uint32_t bit;
    const char* name;
  } kNames[] = {
      {signal_reason::kImpulse, "impulse"},
      {signal_reason::kVolumeSpike, "volume_spike"},
      {signal_reason::kSpikeUnknown, "spike_unknown"},
      {signal_reason::kFlowBoost, "flow_boost"},
      {signal_reason::kProfileBreakout, "profile_breakout"},
      {signal_reason::kTakeProfit, "take_profit"},
      {signal_reason::kStopLoss, "stop_loss"},
      {signal_reason::kPositionTtl, "position_ttl"},
      {signal_reason::kFlashCrash, "flash_crash"},
  };
  std::string out;
  for (const auto& n : kNames) {
    if ((reasons & n.bit) == 0) continue;
    if (!out.empty()) out.push_back('|');
    out.append(n.name);
  }
  return out;
}

std::string SignalCsvRow(const Signal& s, std::string_view symbol) {
  std::string out = s.ts_event.ToIso8601();
  out.append(",").append(std::to_string(s.ts_event.nanos()));
  out.append(",").append(std::to_string(s.signal_id));
  out.append(",").append(symbol);
  out.append(",").append(s.intent == SignalIntent::kEntry ? "entry" : "exit");
  out.append(",").append(ToString(s.side));
  Px(out, s.reference_price);
  Num(out, s.strength);
  Px(out, s.take_profit);
  Px(out, s.stop_loss);
  out.append(",").append(s.position_ttl.ToString());
  Num(out, s.size_hint);
  out.append(",").append(SignalReasons(s.reasons));
  return out;
}

SignalPipeline::SignalPipeline(SignalPipelineOptions options, BookSet::SpecFn books_spec, SymbolFn symbol)
    : options_(std::move(options)),
      symbol_(std::move(symbol)),
      engine_(std::make_unique<Engine>(clock_)),
      books_(books_spec) {
  analytics_ = std::make_unique<MarketAnalytics>(
      options_.analytics,
      [books_spec, this](InstrumentId id) {
        return MarketAnalytics::Spec{symbol_(id), books_spec(id).tick_size};
      },
      &books_, options_.logger.WithComponent("analytics"));
  EventBus& bus = engine_->bus();
  analytics_->Attach(bus, clock_);
  if (options_.run_strategy) {
    strategy_ = std::make_unique<ImpulseEngine>(options_.impulse);
    StrategyContext::Services sv;
    sv.clock = &clock_;
    sv.timers = &engine_->timers();
    sv.bus = &bus;
    sv.books = &books_;
    sv.analytics = analytics_.get();
    sv.logger = options_.logger.WithComponent("strategy");
    context_ = std::make_unique<StrategyContext>(StrategyId::Of("impulse"), sv);
    AttachStrategy(bus, *context_, *strategy_);
  }
  bus.Subscribe<Signal>([this](const Signal& s) {
    ++signals_;
    if (on_signal_) on_signal_(s);
  });
  auto mark = [](std::vector<std::uint8_t>& v, InstrumentId id) {
    if (v.size() <= id.value) v.resize(id.value + 1, 0);
    v[id.value] = 1;
  };
  bus.Subscribe<FlashCrash>([this, mark](const FlashCrash& c) {
    ++flash_crashes_;
    mark(crash_seen_, c.instrument);
  });
  bus.Subscribe<IcebergDetected>([this, mark](const IcebergDetected& i) {
    ++icebergs_;
    mark(iceberg_seen_, i.instrument);
  });
  bus.Subscribe<BookInvalid>([this](const BookInvalid&) { ++book_invalid_; });
  if (options_.sample_on_trade) {
    bus.Subscribe<Trade>([this](const Trade& t) {
      if (InstrumentAnalytics* a = analytics_->Find(t.instrument)) EmitRow(*a);
    });
  }
}

SignalPipeline::~SignalPipeline() = default;

Status SignalPipeline::AdvanceTo(UnixNanos t) {
  if (options_.sample_every > Duration::Zero()) {
    const std::int64_t every = options_.sample_every.nanos();
    // The first grid point at or after x.
    auto ceil_grid = [every](UnixNanos x) {
      std::int64_t g = x.nanos() / every * every;
      if (g < x.nanos()) g += every;
      return UnixNanos::FromNanos(g);
    };
    if (!grid_started_) {
      grid_started_ = true;
      next_grid_ = ceil_grid(t);
    }
    while (next_grid_ <= t) {
      if (next_grid_ > clock_.Now()) {
        if (Status s = engine_->AdvanceTo(next_grid_); !s.ok()) return s;
      }
      const bool any = SampleAll();
      next_grid_ = next_grid_ + options_.sample_every;
      // A gap in the data: nothing happened since the last row, so the grid
      // points until the next event would only repeat it. Jump over them.
      if (!any && next_grid_ <= t) next_grid_ = ceil_grid(t);
    }
  }
  if (t <= clock_.Now()) return Status::Ok();
  return engine_->AdvanceTo(t);
}

void SignalPipeline::Deliver(const Event& e) {
  ++events_;
  std::optional<BookInvalid> invalid = books_.Apply(e);
  (void)engine_->bus().Publish(e);
  if (invalid) (void)engine_->bus().Publish(Event(*invalid));
  engine_->RunUntilIdle();
  std::visit(
      [this](const auto& ev) {
        if constexpr (requires { ev.instrument; }) {
          if (active_.size() <= ev.instrument.value) active_.resize(ev.instrument.value + 1, 0);
          active_[ev.instrument.value] = 1;
        }
      },
      e);
}

void SignalPipeline::Finish() { engine_->RunUntilIdle(); }

bool SignalPipeline::SampleAll() {
  bool any = false;
  for (std::size_t i = 0; i < analytics_->size(); ++i) {
    InstrumentAnalytics& a = analytics_->at(i);
    const std::uint32_t id = a.instrument().value;
    if (id >= active_.size() || active_[id] == 0) continue;  // nothing new since its last row
    active_[id] = 0;
    any = true;
    EmitRow(a);
  }
  return any;
}

void SignalPipeline::EmitRow(InstrumentAnalytics& a) {
  const UnixNanos now = clock_.Now();
  a.Advance(now);
  const InstrumentId id = a.instrument();
  auto take = [id](std::vector<std::uint8_t>& v) {
    if (id.value >= v.size() || v[id.value] == 0) return false;
    v[id.value] = 0;
    return true;
  };
  FeatureRow row;
  row.time = now;
  row.analytics = &a;
  row.book = books_.Find(id);
  row.lookback_return = strategy_ ? strategy_->LastReturn(id) : 0.0;
  row.flash_crash = take(crash_seen_);
  row.iceberg = take(iceberg_seen_);
  ++rows_;
  if (on_row_) on_row_(row);
}

}  // namespace hean
