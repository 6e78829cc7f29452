// ExecutionRouter: works every approved order request to completion. The
// risk governor's OrderGateway (DESIGN.md section 1: RiskGovernor
// --ORDER_REQUEST--> ExecutionRouter -> ExecutionClient).
//
// A limit request (a parent) is released from the governor's count and
// worked through child orders, each approved by the governor on its own:
//   - maker first: a post-only limit at the best bid (buy) / ask (sell), one
//     tick inside when improve_one_tick and the spread is wider than a tick,
//     never beyond the request's limit; iceberg: at most
//     iceberg_visible_notional shown, the next slice posted when one fills;
//   - every maker order has a time-to-live (fixed_ttl, or AdaptiveTtl); on
//     expiry it is canceled and re-posted at the new best, up to
//     max_reposts times; a post-only rejection re-prices at once (and counts
//     as a re-post);
//   - then, if the urgency allows (normal, aggressive), an IOC limit at the
//     mid +/- max_slippage_bps (within the request's limit) for the rest;
//   - urgency (the smart limit executor): the cached slippage prediction
//     decides whether to take at once: when
//       predicted take cost + taker fee - (maker fee - half spread)
//     is at most the urgency's take edge (execution.*_take_edge_bps);
//   - taker_only mode: the IOC at once.
// A market request (the kill switch's flatten orders) is sent as it is.
// A large request goes to TWAP / VWAP (algos.h) when execution.algo says
// so; their slices come back here as WorkRequests.
//
// A child order the governor denies for a rate limit is tried again
// retry_delay later; any other denial ends the request (kDenied).
//
// Wiring: the owner applies market data to the BookSet and then calls
// OnMarketData; it forwards every order event of the venue to
// OnOrderEvent (the router keeps the OrderManager of every order it sent)
// and gives a fill to the portfolio only when OnOrderEvent says it was
// applied. Timers (TTLs, the cache refresh, retries, TWAP slices) run on
// the TimerQueue the owner fires.
//
// Not thread-safe: engine thread.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <unordered_map>
#include <vector>

#include "hean/book/book_set.h"
#include "hean/core/clock.h"
#include "hean/core/log.h"
#include "hean/core/status.h"
#include "hean/core/timer_queue.h"
#include "hean/exec/adaptive_ttl.h"
#include "hean/exec/algos.h"
#include "hean/exec/exec_config.h"
#include "hean/exec/exec_metrics.h"
#include "hean/exec/execution_client.h"
#include "hean/exec/order_approver.h"
#include "hean/exec/order_gateway.h"
#include "hean/exec/order_manager.h"
#include "hean/exec/slippage.h"
#include "hean/exec/volume_profile.h"
#include "hean/model/events.h"
#include "hean/model/instrument.h"

namespace hean {

class ExecutionRouter final : public OrderGateway, public SliceWorker {
 public:
  struct Services {
    const Clock* clock = nullptr;                     // required
    TimerQueue* timers = nullptr;                     // required
    const InstrumentRegistry* instruments = nullptr;  // required
    const BookSet* books = nullptr;                   // required
    ExecutionClient* client = nullptr;                // required
    OrderApprover* approver = nullptr;                // required (the risk governor)
    const VolumeProfile* profile = nullptr;           // optional: VWAP
    Logger logger;
  };

  // The config must be valid (ExecConfig::Validate); an invalid one aborts.
  ExecutionRouter(ExecConfig config, Services services);
  ~ExecutionRouter() override;
  ExecutionRouter(const ExecutionRouter&) = delete;
  ExecutionRouter& operator=(const ExecutionRouter&) = delete;

  // Keeps the instrument's volatility, TTL state and slippage cache from
  // now on (Execute does it for instruments it meets).
  void Watch(InstrumentId instrument);

  // OrderGateway: works an approved request. An error means nothing was
  // sent (the governor then stops counting it).
  [[nodiscard]] Status Execute(const ApprovedOrder& order) override;
  // Stops every request on the instrument and cancels its open orders.
  [[nodiscard]] Status CancelAll(InstrumentId instrument) override;

  // SliceWorker.
  std::uint64_t Work(const WorkRequest& request, WorkDone done) override;
  void Stop(std::uint64_t id) override;

  // After the BookSet took the event. A delta counts only when it is the
  // last of its venue message (the book is whole again): the touch then
  // feeds the volatility estimate and may move maker orders (chase).
  void OnMarketData(const Event& event) noexcept;
  // A venue answer. The outcome of applying it to the router's orders:
  // kApplied for a fill means it is new and counts.
  ApplyOutcome OnOrderEvent(const Event& event);

  // Called inside OnOrderEvent, once for every answer, after the router's
  // own books took it (a new fill recorded) and before the router acts on
  // it (a re-post, the next iceberg slice, the IOC for the rest). The owner
  // books a new fill into the portfolio and gives the answer to the risk
  // governor here, so that the order the router sends next is checked by a
  // governor that no longer counts the closed order and holds the fill.
  // Without it a re-post is checked while its predecessor still counts.
  using AnswerAppliedFn = std::function<void(const Event&, ApplyOutcome)>;
  void OnAnswerApplied(AnswerAppliedFn f) { answer_applied_ = std::move(f); }

  // Called when a limit request given to Execute ends (filled, unfilled,
  // stopped or denied), with its client order id: the request is then no
  // longer working anywhere (the strategy's context can close it).
  using RequestDoneFn = std::function<void(const ClientOrderId& request, InstrumentId, const WorkResult&)>;
  void OnRequestDone(RequestDoneFn f) { request_done_ = std::move(f); }
  // Called for each child order made (before it is sent), with the
  // approved request it works for (a TWAP / VWAP slice's parent): for
  // reports that link orders to requests.
  using ChildSentFn = std::function<void(const ClientOrderId& child, const ClientOrderId& request)>;
  void OnChildSent(ChildSentFn f) { child_sent_ = std::move(f); }
  // Requests being worked (algorithm parents count once, their slices too).
  std::size_t active() const noexcept;
  const OrderManager& orders() const noexcept { return orders_; }
  const ExecutionMetrics& metrics() const noexcept { return metrics_; }
  const SlippageCache& slippage() const noexcept { return cache_; }
  const AlgoExecutor& algos() const noexcept { return algos_; }
  const ExecConfig& config() const noexcept { return config_; }
  // The instrument's TTL state; null when not watched.
  const AdaptiveTtl* ttl(InstrumentId instrument) const noexcept;

 private:
  struct WorkState;
  struct InstrumentState;

  InstrumentState* State(InstrumentId id) noexcept;
  InstrumentState& Ensure(InstrumentId id);

  std::uint64_t StartWork(const WorkRequest& request, WorkDone done, std::int64_t wall_start);
  bool SendMaker(WorkState& w);
  bool SendTaker(WorkState& w);
  bool SendChild(WorkState& w, const OrderRequest& child, bool maker);
  OrderRequest ChildRequest(const WorkState& w, TimeInForce tif, Price price, Qty qty) const;
  Qty ChildQty(const WorkState& w, Qty qty, std::int64_t price_raw) const noexcept;
  void ActOn(const Event& event, const ClientOrderId& cid, ApplyOutcome outcome);
  void OnTtl(std::uint64_t work_id);
  void RearmTtl(WorkState& w, Duration after);
  void OnRetry(std::uint64_t work_id);
  void OnChildClosed(WorkState& w);
  void End(WorkState& w, WorkOutcome outcome);
  void RecordFill(WorkState& w, const FillReport& f, bool maker);
  bool ShouldTakeNow(const WorkState& w) const noexcept;
  ClientOrderId NextChildId();

  ExecConfig config_;
  Services s_;
  Logger log_;
  OrderManager orders_;
  SlippageCache cache_;
  AlgoExecutor algos_;
  std::vector<std::unique_ptr<InstrumentState>> instruments_;  // by InstrumentId value
  std::unordered_map<std::uint64_t, std::unique_ptr<WorkState>> works_;
  struct IdHash {
    std::size_t operator()(const ClientOrderId& id) const noexcept;
  };
  std::unordered_map<ClientOrderId, std::uint64_t, IdHash> by_child_;
  std::uint64_t next_work_ = 1;
  std::uint64_t next_child_ = 1;
  ExecutionMetrics metrics_;
  RequestDoneFn request_done_;
  ChildSentFn child_sent_;
  AnswerAppliedFn answer_applied_;
};

}  // namespace hean
