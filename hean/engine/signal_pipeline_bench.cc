// Per-event cost of the analytics and the ImpulseEngine on real data: the
// BTCUSDT capture of 2024-07-18/19 in testdata/ (Binance USD-M, about 4.5
// minutes, 300,000+ book-level and trade events), loaded into memory first
// and merged by receive time as a replay would.
//
//   BM_Signals_BooksOnly            BookSet: the floor every consumer pays
//   BM_Signals_Analytics            + every analytic (MarketAnalytics)
//   BM_Signals_AnalyticsAndImpulse  + ImpulseEngine on each trade (direct
//                                   calls; the target: <= 200 ns
//                                   per market event on average)
//   BM_Signals_AnalyticsAndImpulse_ProfileEveryMessage
//                                   + the book volume profile recomputed
//                                   after every book message (it is lazy:
//                                   normally only on an impulse or a sample)
//   BM_Signals_Pipeline             the same through SignalPipeline: engine,
//                                   SimClock, event bus, timers, as
//                                   `hean features` runs it (no sampling)
//
// Each iteration replays the whole capture into fresh components; their
// construction is outside the timing.
#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "hean/data/replay.h"
#include "hean/data/source.h"
#include "hean/engine/signal_pipeline.h"

namespace {

using namespace hean;

struct Data {
  DataInstruments names;
  std::vector<Event> events;
};

const Data& LoadData() {
  static const Data* kData = [] {
    auto* d = new Data;
    if (!d->names
             .AddSpec(Venue::kBinance, "BTCUSDT", Price::FromRaw(Price::FromInt(1).raw() / 10),
                      Qty::FromRaw(Qty::FromInt(1).raw() / 1000))
             .ok()) {
      std::abort();
    }
    SourceOptions opts;
    opts.instruments = &d->names;
    const std::string dir = std::string(HEAN_SOURCE_DIR) + "/testdata/binance-usdm-2024-07-18/";
    std::vector<std::unique_ptr<EventSource>> sources;
    for (const char* f : {"usdm_btcusdt_20240718.gz", "usdm_btcusdt_20240719_head20000.gz"}) {
      auto src = OpenSource(dir + f, opts);
      if (!src.ok()) {
        std::fprintf(stderr, "%s\n", src.error().ToString().c_str());
        std::abort();
      }
      sources.push_back(std::move(*src));
    }
    Replay replay(std::move(sources));
    Event e;
    while (replay.Next(&e)) d->events.push_back(e);
    if (!replay.status().ok()) std::abort();
    return d;
  }();
  return *kData;
}

BookSet::Spec SpecOf(InstrumentId id) {
  BookSet::Spec s;
  s.venue = LoadData().names.Get(id).venue;
  s.tick_size = LoadData().names.BookTick(id);
  return s;
}

MarketAnalytics::Spec AnalyticsSpecOf(InstrumentId id) {
  return MarketAnalytics::Spec{LoadData().names.Get(id).symbol, SpecOf(id).tick_size};
}

void BM_Signals_BooksOnly(benchmark::State& state) {
  const Data& d = LoadData();
  for (auto _ : state) {
    state.PauseTiming();
    auto books = std::make_unique<BookSet>(SpecOf);
    state.ResumeTiming();
    for (const Event& e : d.events) benchmark::DoNotOptimize(books->Apply(e));
    state.PauseTiming();
    books.reset();
    state.ResumeTiming();
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * d.events.size()));
}
BENCHMARK(BM_Signals_BooksOnly)->Unit(benchmark::kMillisecond);

void RunDirect(benchmark::State& state, bool with_strategy, bool profile_every_message = false) {
  const Data& d = LoadData();
  std::uint64_t signals = 0;
  for (auto _ : state) {
    state.PauseTiming();
    auto books = std::make_unique<BookSet>(SpecOf);
    auto analytics = std::make_unique<MarketAnalytics>(AnalyticsConfig{}, AnalyticsSpecOf, books.get());
    SimClock clock;
    TimerQueue timers(clock);
    EventBus bus;
    bus.Subscribe<Signal>([&signals](const Signal&) { ++signals; });
    StrategyContext::Services sv;
    sv.clock = &clock;
    sv.timers = &timers;
    sv.bus = &bus;
    sv.books = books.get();
    sv.analytics = analytics.get();
    StrategyContext ctx(StrategyId::Of("impulse"), sv);
    ImpulseEngine impulse{ImpulseConfig{}};
    std::vector<Event> out;
    out.reserve(8);
    state.ResumeTiming();
    for (const Event& e : d.events) {
      const UnixNanos t = TsRecv(e);
      if (t > clock.Now()) (void)clock.AdvanceTo(t);
      std::optional<BookInvalid> invalid = books->Apply(e);
      out.clear();
      analytics->OnEvent(clock.Now(), e, out);
      if (invalid) analytics->OnEvent(clock.Now(), Event(*invalid), out);
      if (with_strategy && e.index() == kEventTypeOf<Trade>) impulse.OnTrade(ctx, std::get<Trade>(e));
      if (profile_every_message && e.index() == kEventTypeOf<BookDelta>) {
        const BookDelta& d = std::get<BookDelta>(e);
        const OrderBook* book = books->Find(d.instrument);
        if ((d.flags & BookDelta::kLastInMessage) != 0 && book != nullptr && book->IsValid()) {
          benchmark::DoNotOptimize(analytics->Find(d.instrument)->BookProfileOf(*book));
        }
      }
    }
    state.PauseTiming();
    analytics.reset();
    books.reset();
    state.ResumeTiming();
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * d.events.size()));
  state.counters["signals"] = static_cast<double>(signals);
}

void BM_Signals_Analytics(benchmark::State& state) { RunDirect(state, false); }
BENCHMARK(BM_Signals_Analytics)->Unit(benchmark::kMillisecond);

void BM_Signals_AnalyticsAndImpulse(benchmark::State& state) { RunDirect(state, true); }
BENCHMARK(BM_Signals_AnalyticsAndImpulse)->Unit(benchmark::kMillisecond);

// The worst case of the lazy book profile: recomputed after every book
// message (20 levels a side), as if every message were asked about.
void BM_Signals_AnalyticsAndImpulse_ProfileEveryMessage(benchmark::State& state) { RunDirect(state, true, true); }
BENCHMARK(BM_Signals_AnalyticsAndImpulse_ProfileEveryMessage)->Unit(benchmark::kMillisecond);

void BM_Signals_Pipeline(benchmark::State& state) {
  const Data& d = LoadData();
  for (auto _ : state) {
    state.PauseTiming();
    auto p = std::make_unique<SignalPipeline>(SignalPipelineOptions{}, SpecOf,
                                              [](InstrumentId id) { return LoadData().names.Get(id).symbol; });
    state.ResumeTiming();
    for (const Event& e : d.events) {
      if (!p->AdvanceTo(TsRecv(e)).ok()) std::abort();
      p->Deliver(e);
    }
    p->Finish();
    state.PauseTiming();
    p.reset();
    state.ResumeTiming();
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * d.events.size()));
}
BENCHMARK(BM_Signals_Pipeline)->Unit(benchmark::kMillisecond);

}  // namespace
