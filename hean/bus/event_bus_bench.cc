// EventBus: fast-path publish to one handler, queued publish + drain.
#include <benchmark/benchmark.h>

#include <cstdint>

#include "hean/bus/event_bus.h"

namespace {

hean::Signal MakeSignal() {
  hean::Signal s;
  s.ts_event = hean::UnixNanos::FromNanos(1'721'347'020'984'480'942);
  s.ts_recv = s.ts_event;
  s.instrument = hean::InstrumentId{0};
  s.side = hean::Side::kBuy;
  s.strategy = hean::StrategyId::Of("impulse");
  s.reference_price = hean::Price::FromRaw(63'943'900'000'000);
  s.strength = 0.7;
  return s;
}

hean::Quote MakeQuote() {
  hean::Quote q;
  q.ts_event = hean::UnixNanos::FromNanos(1'721'347'020'984'480'942);
  q.ts_recv = q.ts_event;
  q.instrument = hean::InstrumentId{0};
  q.bid_price = hean::Price::FromRaw(63'943'900'000'000);
  q.bid_qty = hean::Qty::FromRaw(46'371'000'000);
  q.ask_price = hean::Price::FromRaw(63'944'000'000'000);
  q.ask_qty = hean::Qty::FromRaw(95'000'000);
  return q;
}

// Arg 0: latency_sample_every (0 = timing off, 64 = default).
void BM_EventBus_FastPathPublish(benchmark::State& state) {
  hean::EventBusOptions opt;
  opt.latency_sample_every = static_cast<std::uint32_t>(state.range(0));
  hean::EventBus bus(opt);
  std::uint64_t seen = 0;
  (void)bus.Subscribe<hean::Signal>([&seen](const hean::Signal& s) { seen += s.signal_id + 1; });
  hean::Signal sig = MakeSignal();
  for (auto _ : state) {
    ++sig.signal_id;
    auto r = bus.Publish(sig);
    benchmark::DoNotOptimize(r);
  }
  benchmark::DoNotOptimize(seen);
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_EventBus_FastPathPublish)->Arg(0)->Arg(64);

// Publish `batch` quotes, then dispatch them in batches of the bus default
// (10): one iteration moves `batch` events through the queued path.
// Args: events per round, latency_sample_every.
void BM_EventBus_QueuedPublishDrain(benchmark::State& state) {
  const auto batch = static_cast<std::size_t>(state.range(0));
  hean::EventBusOptions opt;
  opt.latency_sample_every = static_cast<std::uint32_t>(state.range(1));
  hean::EventBus bus(opt);
  std::uint64_t seen = 0;
  (void)bus.Subscribe<hean::Quote>(
      [&seen](const hean::Quote& q) { seen += static_cast<std::uint64_t>(q.bid_qty.raw()); });
  hean::Quote q = MakeQuote();
  for (auto _ : state) {
    for (std::size_t i = 0; i < batch; ++i) {
      q.update_id = i;
      auto r = bus.Publish(q);
      benchmark::DoNotOptimize(r);
    }
    while (bus.DispatchBatch() != 0) {
    }
  }
  benchmark::DoNotOptimize(seen);
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * batch));
}
BENCHMARK(BM_EventBus_QueuedPublishDrain)->Args({10, 0})->Args({10, 64})->Args({1000, 64});

}  // namespace
