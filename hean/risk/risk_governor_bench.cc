// Pre-trade check cost of the RiskGovernor, every check on: the issue's
// target is <= 100 ns per order request.
//
//   BM_ApproveThenCancel  a limit request approved (all checks, token
//                         buckets, open-order tracking), then its cancel
//                         applied: the whole life of a request in the
//                         governor, per request.
//   BM_DeniedAtLastCheck  a request that passes every check but the last
//                         (per-minute rate limit): the cost of all checks
//                         without tracking.
//   BM_SignalToRequest    an entry signal sized into a request and
//                         approved, then canceled.
// Logger off, no bus and no gateway: the governor alone.
#include <benchmark/benchmark.h>

#include <string>
#include <vector>

#include "hean/book/book_set.h"
#include "hean/core/clock.h"
#include "hean/model/test_instruments.h"
#include "hean/portfolio/portfolio.h"
#include "hean/risk/risk_governor.h"

namespace hean {
namespace {

struct Setup {
  SimClock clock;
  InstrumentRegistry registry;
  std::unique_ptr<BookSet> books;
  std::unique_ptr<Portfolio> portfolio;
  std::unique_ptr<RiskGovernor> governor;
  InstrumentId id;

  explicit Setup(std::int64_t per_minute) {
    id = *registry.Add(testing_support::BybitBtcUsdt());
    const Instrument& inst = registry.Get(id);
    books = std::make_unique<BookSet>([&inst](InstrumentId) { return BookSet::Spec{inst.venue, inst.tick_size}; });
    const UnixNanos t0 = UnixNanos::FromSeconds(1'700'000'000);
    (void)clock.AdvanceTo(t0);
    auto levels = std::make_shared<BookLevels>();
    for (int i = 0; i < 20; ++i) {
      levels->bids.push_back({Price::FromRaw((64'000'000 - i) * 100'000'000LL), Qty::FromInt(1)});
      levels->asks.push_back({Price::FromRaw((64'000'001 + i) * 100'000'000LL), Qty::FromInt(1)});
    }
    BookSnapshot s{};
    s.ts_event = s.ts_recv = t0;
    s.instrument = id;
    s.levels = levels;
    (void)books->Apply(Event(s));
    portfolio = std::make_unique<Portfolio>(Notional::FromInt(1'000'000), registry);
    (void)portfolio->Mark(id, *books->Find(id)->Mid(), t0);
    RiskConfig c;  // every check on
    c.max_order_notional = 100'000;
    c.max_position_notional = 200'000;
    c.max_account_notional = 500'000;
    c.max_open_orders = 1'000;
    c.max_open_orders_per_instrument = 1'000;
    c.price_band_bps = 50;
    c.max_spread_bps = 10;
    c.max_data_age = Duration::Seconds(5);
    c.orders_per_second = 1'000'000'000;  // on, but never binding here
    c.orders_per_minute = per_minute;
    governor = std::make_unique<RiskGovernor>(
        c, RiskGovernor::Services{&clock, &registry, portfolio.get(), books.get(), nullptr, nullptr, nullptr, {}});
  }
};

std::vector<ClientOrderId> Ids(std::size_t n) {
  std::vector<ClientOrderId> ids;
  for (std::size_t i = 0; i < n; ++i) ids.push_back(ClientOrderId::Of("b-" + std::to_string(i)));
  return ids;
}

OrderRequest Request(const Setup& s) {
  OrderRequest r{};
  r.instrument = s.id;
  r.side = Side::kBuy;
  r.type = OrderType::kLimit;
  r.tif = TimeInForce::kPostOnly;
  r.price = Price::FromRaw(64'000'000LL * 100'000'000LL);  // the best bid
  r.qty = Qty::FromRaw(10'000'000);                        // 0.010
  r.strategy = StrategyId::Of("bench");
  return r;
}

void BM_ApproveThenCancel(benchmark::State& state) {
  Setup s(1'000'000'000);
  const std::vector<ClientOrderId> ids = Ids(1024);
  OrderRequest r = Request(s);
  OrderCanceled c{};
  c.instrument = s.id;
  std::size_t i = 0;
  for (auto _ : state) {
    r.client_order_id = ids[i++ & 1023];
    auto a = s.governor->Approve(r);
    benchmark::DoNotOptimize(a);
    c.client_order_id = r.client_order_id;
    s.governor->OnOrderEvent(Event(c));
  }
  if (s.governor->counters().denied != 0) state.SkipWithError("a request was denied");
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ApproveThenCancel);

void BM_DeniedAtLastCheck(benchmark::State& state) {
  Setup s(1);  // one token a minute
  OrderRequest r = Request(s);
  r.client_order_id = ClientOrderId::Of("first");
  if (!s.governor->Approve(r).ok()) state.SkipWithError("first request denied");
  r.client_order_id = ClientOrderId::Of("second");
  for (auto _ : state) {
    auto a = s.governor->Approve(r);
    benchmark::DoNotOptimize(a);
  }
  if (s.governor->counters().of(DenyReason::kRateLimitPerMinute) != s.governor->counters().denied ||
      s.governor->counters().denied == 0) {
    state.SkipWithError("denied for another reason than the last check");
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_DeniedAtLastCheck);

void BM_SignalToRequest(benchmark::State& state) {
  Setup s(1'000'000'000);
  Signal sig{};
  sig.instrument = s.id;
  sig.side = Side::kBuy;
  sig.intent = SignalIntent::kEntry;
  sig.strategy = StrategyId::Of("bench");
  sig.reference_price = Price::FromRaw(64'000'000LL * 100'000'000LL);
  sig.stop_loss = Price::FromRaw(63'900'000LL * 100'000'000LL);
  OrderCanceled c{};
  c.instrument = s.id;
  for (auto _ : state) {
    auto a = s.governor->OnSignal(sig);
    if (!a.ok()) {
      state.SkipWithError("signal denied");
      break;
    }
    c.client_order_id = (*a)->client_order_id;
    s.governor->OnOrderEvent(Event(c));
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_SignalToRequest);

}  // namespace
}  // namespace hean
