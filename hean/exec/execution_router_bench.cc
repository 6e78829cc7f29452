// The execution router's cost per market event with 10 requests working
// (10 maker orders resting): what every book update pays once the router
// is wired in. The book is a 20-level BTCUSDT-like book; the client and
// the approver are no-ops, so only the router's own work is measured.
#include <benchmark/benchmark.h>

#include <memory>
#include <vector>

#include "hean/book/book_set.h"
#include "hean/core/clock.h"
#include "hean/core/timer_queue.h"
#include "hean/exec/execution_router.h"
#include "hean/exec/testing/approval_for_testing.h"
#include "hean/model/instrument.h"
#include "hean/model/test_instruments.h"

namespace hean {
namespace {

struct NullClient final : ExecutionClient {
  std::string_view name() const noexcept override { return "null"; }
  Status Submit(const ApprovedOrder&) override { return Status::Ok(); }
  Status Cancel(InstrumentId, const ClientOrderId&) override { return Status::Ok(); }
  Status Amend(const ApprovedAmend&) override { return Status::Ok(); }
  Status CancelAll(InstrumentId) override { return Status::Ok(); }
};

struct PassApprover final : OrderApprover {
  Result<ApprovedOrder, DenyReason> Approve(const OrderRequest& r) override { return ApprovalForTesting::Approve(r); }
  void Release(const ClientOrderId&) override {}
};

struct Fixture {
  explicit Fixture(std::int64_t chase_ticks)
      : clock(UnixNanos::FromSeconds(1'700'000'000)), timers(clock), books([this](InstrumentId id) {
          return BookSet::Spec{Venue::kBybit, registry.Get(id).tick_size};
        }) {
    id = *registry.Add(testing_support::BybitBtcUsdt());
    auto levels = std::make_shared<BookLevels>();
    for (int k = 0; k < 20; ++k) {
      levels->bids.push_back(BookLevel{Price::FromRaw((600'000 - k) * 100'000'000LL), *Qty::Parse("1.5")});
      levels->asks.push_back(BookLevel{Price::FromRaw((600'001 + k) * 100'000'000LL), *Qty::Parse("1.5")});
    }
    BookSnapshot s{};
    s.ts_event = s.ts_recv = clock.Now();
    s.instrument = id;
    s.update_id = 1;
    s.levels = levels;
    snapshot = s;
    (void)books.Apply(s);
    ExecConfig c;
    c.mode = ExecMode::kAdaptiveTtl;
    c.chase_ticks = chase_ticks;
    router = std::make_unique<ExecutionRouter>(
        c, ExecutionRouter::Services{&clock, &timers, &registry, &books, &client, &approver, nullptr, Logger()});
    for (int k = 0; k < 10; ++k) {
      OrderRequest r;
      r.ts_event = r.ts_recv = clock.Now();
      r.instrument = id;
      r.side = k % 2 == 0 ? Side::kBuy : Side::kSell;
      r.type = OrderType::kLimit;
      r.urgency = Urgency::kPassive;
      r.price = k % 2 == 0 ? Price::FromRaw(610'000 * 100'000'000LL) : Price::FromRaw(590'000 * 100'000'000LL);
      r.qty = *Qty::Parse("0.01");
      r.client_order_id = ClientOrderId::Of("p-" + std::to_string(k));
      (void)router->Execute(ApprovalForTesting::Approve(r));
    }
  }

  InstrumentRegistry registry;
  SimClock clock;
  TimerQueue timers;
  BookSet books;
  NullClient client;
  PassApprover approver;
  InstrumentId id;
  BookSnapshot snapshot;
  std::unique_ptr<ExecutionRouter> router;
};

// A book event reaches the router: volatility sampling and (with chase on)
// the check of every resting maker order against the touch. Time moves 1 ms
// per event, so the volatility grid (1 s) is crossed every 1,000 events.
void Run(benchmark::State& state, std::int64_t chase_ticks) {
  Fixture f(chase_ticks);
  if (f.router->active() != 10) state.SkipWithError("expected 10 working requests");
  BookDelta d{};
  d.instrument = f.id;
  d.side = Side::kBuy;
  d.price = Price::FromRaw(599'990 * 100'000'000LL);
  d.qty = *Qty::Parse("2");
  const Event e = d;
  for (auto _ : state) {
    (void)f.clock.AdvanceBy(Duration::Millis(1));
    f.router->OnMarketData(e);
    benchmark::ClobberMemory();
  }
  state.counters["active"] = static_cast<double>(f.router->active());
}

void BM_Router_OnMarketData_10Orders(benchmark::State& state) { Run(state, 0); }
void BM_Router_OnMarketData_10Orders_Chase(benchmark::State& state) { Run(state, 3); }
BENCHMARK(BM_Router_OnMarketData_10Orders);
BENCHMARK(BM_Router_OnMarketData_10Orders_Chase);

}  // namespace
}  // namespace hean
