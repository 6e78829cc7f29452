// Cost of the slippage model and its cache: the target is <= 20 ns
// per cached lookup.
//
//   BM_SlippageCache_Lookup       a fresh entry, the default ladder of 7
//                                 sizes, notionals between ladder points
//                                 (cycling over 8 of them).
//   BM_SlippageCache_LookupStale  the same entry past valid_for: the
//                                 fallback path.
//   BM_SlippageModel_Predict      one prediction on a 20-level BTC book
//                                 (walk, beyond-book check, impact depth).
//   BM_SlippageCache_Refresh      one active instrument recomputed: 7 sizes
//                                 x 2 sides on the same book.
#include <benchmark/benchmark.h>

#include <cstddef>
#include <cstdint>
#include <memory>

#include "hean/book/book_set.h"
#include "hean/core/clock.h"
#include "hean/exec/exec_config.h"
#include "hean/exec/slippage.h"
#include "hean/model/events.h"
#include "hean/model/types.h"

namespace hean {
namespace {

const UnixNanos kSlipT0 = UnixNanos::FromSeconds(1'700'000'000);
constexpr InstrumentId kSlipBtc{0};

// A BTC-like book: 20 levels a side one tick (0.1) apart around 64,000,
// 0.5 to 2.4 BTC a level (about 29 BTC a side, 1.9 M USDT).
struct SlipSetup {
  SimClock clock{kSlipT0};
  BookSet books{[](InstrumentId) { return BookSet::Spec{Venue::kBybit, Price::FromRaw(100'000'000)}; }};
  SlippageCache cache{SlippageConfig{}, clock, books};

  SlipSetup() {
    auto levels = std::make_shared<BookLevels>();
    for (std::int64_t i = 0; i < 20; ++i) {
      const Qty q = Qty::FromRaw((5 + i) * 100'000'000);
      levels->bids.push_back({Price::FromRaw((640'000 - i) * 100'000'000), q});
      levels->asks.push_back({Price::FromRaw((640'001 + i) * 100'000'000), q});
    }
    BookSnapshot s{};
    s.ts_event = s.ts_recv = kSlipT0;
    s.instrument = kSlipBtc;
    s.levels = levels;
    (void)books.Apply(Event(s));
    cache.Activate(kSlipBtc);
    cache.Refresh();
  }
  const OrderBook& book() const { return *books.Find(kSlipBtc); }
};

// Between the default ladder's points (1k, 5k, 10k, 25k, 50k, 100k, 250k).
constexpr double kSlipNotionals[8] = {3'000, 7'500, 12'000, 20'000, 30'000, 75'000, 150'000, 240'000};

void BM_SlippageCache_Lookup(benchmark::State& state) {
  SlipSetup s;
  std::size_t i = 0;
  for (auto _ : state) {
    const Side side = (i & 8) != 0 ? Side::kSell : Side::kBuy;
    SlippageLookup l = s.cache.Lookup(kSlipBtc, side, kSlipNotionals[i & 7]);
    benchmark::DoNotOptimize(l);
    ++i;
  }
  if (s.cache.counts().stale != 0) state.SkipWithError("lookups were stale");
}
BENCHMARK(BM_SlippageCache_Lookup);

void BM_SlippageCache_LookupStale(benchmark::State& state) {
  SlipSetup s;
  (void)s.clock.AdvanceBy(s.cache.model().config().valid_for + Duration::Nanos(1));
  std::size_t i = 0;
  for (auto _ : state) {
    SlippageLookup l = s.cache.Lookup(kSlipBtc, Side::kBuy, kSlipNotionals[i & 7]);
    benchmark::DoNotOptimize(l);
    ++i;
  }
  if (s.cache.counts().stale != s.cache.counts().lookups) state.SkipWithError("lookups were fresh");
}
BENCHMARK(BM_SlippageCache_LookupStale);

void BM_SlippageModel_Predict(benchmark::State& state) {
  SlipSetup s;
  const SlippageModel& model = s.cache.model();
  const OrderBook& book = s.book();
  // 0.3 to 10.8 BTC: from inside the first level to 8 levels deep.
  const Qty qtys[8] = {Qty::FromRaw(300'000'000),   Qty::FromRaw(800'000'000),   Qty::FromRaw(1'500'000'000),
                       Qty::FromRaw(2'500'000'000), Qty::FromRaw(4'000'000'000), Qty::FromRaw(6'000'000'000),
                       Qty::FromRaw(8'000'000'000), Qty::FromRaw(10'800'000'000)};
  std::size_t i = 0;
  for (auto _ : state) {
    const Side side = (i & 8) != 0 ? Side::kSell : Side::kBuy;
    SlippageEstimate e = model.Predict(book, side, qtys[i & 7]);
    benchmark::DoNotOptimize(e);
    ++i;
  }
}
BENCHMARK(BM_SlippageModel_Predict);

void BM_SlippageCache_Refresh(benchmark::State& state) {
  SlipSetup s;
  for (auto _ : state) {
    s.cache.Refresh();
    benchmark::ClobberMemory();
  }
  if (s.cache.counts().refreshes == 0) state.SkipWithError("nothing refreshed");
}
BENCHMARK(BM_SlippageCache_Refresh);

}  // namespace
}  // namespace hean
