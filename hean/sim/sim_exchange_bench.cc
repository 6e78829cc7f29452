// Simulated-exchange throughput on real data: the BTCUSDT capture of
// 2024-07-18/19 in testdata/ (Binance USD-M, about 5 minutes: 300,000+
// level updates and trades as events), fed through SimExchange with N
// resting orders of ours kept in the book.
//
//   BM_SimExchange_MarketEvents/N   market events per second with N resting
//                                   orders (bids and asks from 1 tick off the
//                                   touch outward, 2 ticks apart; an order
//                                   that fills is replaced at once)
//   BM_SimExchange_BookOnly         the same events through the exchange's
//                                   BookSet alone: the floor
//
// Each iteration replays the whole capture into a fresh exchange; the
// setup (exchange construction) is outside the timing.
#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "hean/book/book_set.h"
#include "hean/core/clock.h"
#include "hean/data/source.h"
#include "hean/exec/testing/approval_for_testing.h"
#include "hean/model/instrument.h"
#include "hean/model/test_instruments.h"
#include "hean/sim/fee_model.h"
#include "hean/sim/latency_model.h"
#include "hean/sim/queue_model.h"
#include "hean/sim/sim_exchange.h"

namespace {

using namespace hean;

struct Data {
  InstrumentRegistry registry;
  std::vector<Event> events;  // book and trade events in feed order
};

const Data& LoadData() {
  static const Data kData = [] {
    Data d;
    Instrument btc = testing_support::BybitBtcUsdt();
    btc.venue = Venue::kBinance;  // the capture's book rules
    if (!d.registry.Add(btc).ok()) std::abort();
    DataInstruments names;
    SourceOptions opts;
    opts.instruments = &names;
    const std::string dir = std::string(HEAN_SOURCE_DIR) + "/testdata/binance-usdm-2024-07-18/";
    for (const char* f : {"usdm_btcusdt_20240718.gz", "usdm_btcusdt_20240719_head20000.gz"}) {
      auto src = OpenSource(dir + f, opts);
      if (!src.ok()) {
        std::fprintf(stderr, "%s\n", src.error().ToString().c_str());
        std::abort();
      }
      std::vector<Event> batch;
      while ((*src)->Next(batch)) {
      }
      if (!(*src)->status().ok()) std::abort();
      for (Event& e : batch) {
        if (std::holds_alternative<BookDelta>(e) || std::holds_alternative<BookSnapshot>(e) ||
            std::holds_alternative<Trade>(e)) {
          d.events.push_back(std::move(e));
        }
      }
    }
    return d;
  }();
  return kData;
}

class CountingSink final : public OrderEventSink {
 public:
  void OnOrderEvent(const Event&) override { ++n; }
  std::uint64_t n = 0;
};

void BM_SimExchange_MarketEvents(benchmark::State& state) {
  const Data& data = LoadData();
  const auto n_orders = static_cast<std::size_t>(state.range(0));
  const Price tick = *Price::Parse("0.1");
  const Qty qty = *Qty::Parse("0.002");
  std::uint64_t fills = 0;
  std::uint64_t answers = 0;
  for (auto _ : state) {
    state.PauseTiming();
    SimClock clock;
    CountingSink sink;
    ConstantLatency zero(Duration::Zero());
    ProportionalQueue queue;
    InstrumentFees fees;
    auto ex = std::make_unique<SimExchange>(data.registry, clock, sink, zero, zero, queue, fees);
    std::uint64_t next_id = 1;
    bool next_is_bid = true;
    state.ResumeTiming();
    for (const Event& e : data.events) {
      ex->OnMarketEvent(e);
      if (ex->open_orders() < n_orders) {
        const OrderBook* book = ex->books().Find(InstrumentId{0});
        if (book != nullptr && book->IsValid()) {
          const auto bid = book->BestBid();
          const auto ask = book->BestAsk();
          if (bid && ask) {
            (void)clock.AdvanceTo(std::max(clock.Now(), ex->exchange_time()));
            while (ex->open_orders() < n_orders) {
              // Fill the ladder: the k-th order of a side 1 + 2k ticks off
              // the touch; which k is free does not matter for the cost.
              const std::int64_t k = static_cast<std::int64_t>((next_id / 2) % n_orders);
              OrderRequest r{};
              r.instrument = InstrumentId{0};
              r.side = next_is_bid ? Side::kBuy : Side::kSell;
              r.price = next_is_bid ? bid->price - tick * (1 + 2 * k) : ask->price + tick * (1 + 2 * k);
              r.qty = qty;
              r.tif = TimeInForce::kPostOnly;
              char buf[24];
              const int len = std::snprintf(buf, sizeof buf, "b%llu", static_cast<unsigned long long>(next_id++));
              r.client_order_id = ClientOrderId::Of(std::string_view(buf, static_cast<std::size_t>(len)));
              next_is_bid = !next_is_bid;
              (void)ex->Submit(ApprovalForTesting::Approve(r));
              ex->AdvanceTo(ex->exchange_time());
              if (ex->stats().rejected > 1'000'000) break;
            }
          }
        }
      }
      if (ex->pending_answers() > 4096) ex->DeliverUpTo(UnixNanos::Max());
    }
    ex->DeliverUpTo(UnixNanos::Max());
    fills += ex->stats().fills;
    answers += sink.n;
    state.PauseTiming();
    ex.reset();
    state.ResumeTiming();
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(data.events.size()));
  state.counters["fills_per_run"] = static_cast<double>(fills) / static_cast<double>(state.iterations());
  state.counters["answers_per_run"] = static_cast<double>(answers) / static_cast<double>(state.iterations());
  state.counters["events"] = static_cast<double>(data.events.size());
}
BENCHMARK(BM_SimExchange_MarketEvents)->Arg(10)->Arg(100)->Arg(1000)->Unit(benchmark::kMillisecond);

void BM_SimExchange_BookOnly(benchmark::State& state) {
  const Data& data = LoadData();
  for (auto _ : state) {
    BookSet books([](InstrumentId) { return BookSet::Spec{Venue::kBinance, *Price::Parse("0.1")}; });
    for (const Event& e : data.events) benchmark::DoNotOptimize(books.Apply(e));
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(data.events.size()));
}
BENCHMARK(BM_SimExchange_BookOnly)->Unit(benchmark::kMillisecond);

}  // namespace
