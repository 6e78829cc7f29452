#include "hean/exec/algos.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <string_view>
#include <utility>

#include "hean/core/check.h"

namespace hean {

std::string_view WorkOutcomeName(WorkOutcome o) noexcept {
  switch (o) {
    case WorkOutcome::kFilled: return "filled";
    case WorkOutcome::kUnfilled: return "unfilled";
    case WorkOutcome::kDenied: return "denied";
    case WorkOutcome::kFailed: return "failed";
  }
  return "unknown";
}

namespace {

// Lots in `total` (rounded down; none when it is not positive).
std::int64_t LotsIn(Qty total, Qty lot) {
  HEAN_CHECK(lot.IsPositive(), "algo lot must be positive");
  return total.IsPositive() ? total.raw() / lot.raw() : 0;
}

// The number of VWAP buckets over `duration`: at least one.
std::size_t BucketCount(Duration duration, Duration bucket) noexcept {
  if (duration <= Duration::Zero() || bucket <= Duration::Zero() || bucket >= duration) return 1;
  const std::int64_t d = duration.nanos();
  const std::int64_t b = bucket.nanos();
  return static_cast<std::size_t>(d / b + (d % b != 0 ? 1 : 0));
}

}  // namespace

std::vector<SliceSpec> PlanTwap(Qty total, Qty lot, UnixNanos start, Duration duration, std::size_t slices) {
  const std::int64_t lots = LotsIn(total, lot);
  std::vector<SliceSpec> plan;
  if (slices == 0) return plan;
  plan.reserve(slices);
  const auto n = static_cast<std::int64_t>(slices);
  const std::int64_t base = lots / n;
  const std::int64_t extra = lots % n;
  // start + i x duration / n without overflowing i x duration.
  const std::int64_t d = std::max<std::int64_t>(duration.nanos(), 0);
  const std::int64_t step = d / n;
  const std::int64_t rest = d % n;
  for (std::int64_t i = 0; i < n; ++i) {
    const std::int64_t offset = step * i + rest * i / n;
    plan.push_back(SliceSpec{start + Duration::Nanos(offset), lot * (base + (i < extra ? 1 : 0))});
  }
  return plan;
}

std::vector<SliceSpec> PlanVwap(Qty total, Qty lot, UnixNanos start, Duration duration, Duration bucket,
                                const VolumeProfile& profile, bool* fell_back) {
  const std::int64_t lots = LotsIn(total, lot);
  const std::size_t n = BucketCount(duration, bucket);
  const Duration width = n == 1 ? std::max(duration, Duration::Zero()) : bucket;
  const UnixNanos end = start + std::max(duration, Duration::Zero());

  std::vector<SliceSpec> plan(n);
  std::vector<double> weight(n, 0.0);
  double sum = 0.0;
  for (std::size_t i = 0; i < n; ++i) {
    const UnixNanos from = start + width * static_cast<std::int64_t>(i);
    const UnixNanos to = std::min(from + width, end);
    plan[i].at = from;
    weight[i] = profile.empty() ? 0.0 : profile.Between(from, to);
    sum += weight[i];
  }
  if (profile.empty() || !(sum > 0.0) || !std::isfinite(sum)) {
    if (fell_back != nullptr) *fell_back = true;
    return PlanTwap(total, lot, start, duration, n);
  }
  if (fell_back != nullptr) *fell_back = false;

  // Largest remainders: each bucket gets the floor of its quota, then the
  // lots left go one each to the largest fractional parts (ties: earlier).
  std::vector<std::int64_t> given(n, 0);
  std::vector<double> remainder(n, 0.0);
  const auto total_lots = static_cast<double>(lots);
  std::int64_t left = lots;
  for (std::size_t i = 0; i < n; ++i) {
    const double quota = total_lots * weight[i] / sum;
    const double whole = std::floor(quota);
    given[i] = std::min(static_cast<std::int64_t>(whole), left);
    remainder[i] = quota - whole;
    left -= given[i];
  }
  std::vector<std::size_t> order(n);
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::stable_sort(order.begin(), order.end(),
                   [&remainder](std::size_t a, std::size_t b) { return remainder[a] > remainder[b]; });
  // Rounding in doubles can leave more lots than buckets: go round again.
  while (left > 0) {
    for (std::size_t k = 0; k < n && left > 0; ++k, --left) ++given[order[k]];
  }
  for (std::size_t i = 0; i < n; ++i) plan[i].qty = lot * given[i];
  return plan;
}

struct AlgoExecutor::Run {
  std::uint64_t id = 0;
  WorkRequest parent;
  Qty lot;
  Qty total;                    // parent qty rounded down to the lot
  std::vector<Qty> cumulative;  // planned qty up to and including each slice
  std::vector<TimerId> timers;  // one per slice, then the end
  WorkDone done;

  Qty target;  // cumulative planned qty of the last slice time
  Qty filled;
  double cost = 0.0;
  double fees = 0.0;

  bool working = false;          // a slice (or the catch-up) is with the worker
  bool worker_id_known = false;  // Work returned for it
  bool stop_sent = false;        // worker_.Stop was called for it
  bool want_stop = false;        // stop it as soon as its id is known
  std::uint64_t worker_id = 0;
  std::uint64_t seq = 0;  // sends so far; tells a late done from the current one

  bool launch_pending = false;  // launch when the working slice is done
  bool ended = false;           // the end time passed
  bool catching_up = false;     // the catch-up is (or was) sent
  bool stopping = false;        // Stop was called
  bool failed = false;          // a slice was denied or failed
  WorkOutcome fail_outcome = WorkOutcome::kFailed;
  DenyReason denied = DenyReason::kInvalidOrder;
};

AlgoExecutor::AlgoExecutor(const Clock& clock, TimerQueue& timers, SliceWorker& worker, AlgoConfig config,
                           const VolumeProfile* profile, Logger logger)
    : clock_(clock),
      timers_(timers),
      worker_(worker),
      config_(std::move(config)),
      profile_(profile),
      log_(std::move(logger)) {}

AlgoExecutor::~AlgoExecutor() {
  for (auto& [id, run] : runs_) {
    for (TimerId t : run->timers) timers_.Cancel(t);
  }
}

std::uint64_t AlgoExecutor::Start(const WorkRequest& parent, Qty lot, WorkDone done) {
  HEAN_CHECK(config_.algo != ExecAlgo::kNone, "AlgoExecutor::Start with algo none");
  HEAN_CHECK(lot.IsPositive(), "AlgoExecutor::Start: lot must be positive");
  const std::uint64_t id = next_id_++;
  ++counts_.started;

  auto run = std::make_unique<Run>();
  run->id = id;
  run->parent = parent;
  run->lot = lot;
  run->total = parent.qty.IsPositive() ? parent.qty.FloorTo(lot) : Qty::Zero();
  run->done = std::move(done);

  const UnixNanos start = clock_.Now();
  const Duration duration = std::max(config_.duration, Duration::Zero());
  std::vector<SliceSpec> plan;
  if (config_.algo == ExecAlgo::kVwap) {
    bool fell_back = true;
    if (profile_ != nullptr) {
      plan = PlanVwap(run->total, lot, start, duration, config_.vwap_bucket, *profile_, &fell_back);
    } else {
      plan = PlanTwap(run->total, lot, start, duration, BucketCount(duration, config_.vwap_bucket));
    }
    if (fell_back) {
      ++counts_.vwap_fallbacks;
      log_.Warn("vwap {}: {}, equal slices instead", id,
                profile_ == nullptr ? "no volume profile" : "no volume in the profile over the horizon");
    }
  } else {
    plan = PlanTwap(run->total, lot, start, duration, config_.slices);
  }

  run->cumulative.reserve(plan.size());
  Qty sum;
  for (const SliceSpec& s : plan) {
    sum += s.qty;
    run->cumulative.push_back(sum);
  }
  run->timers.reserve(plan.size() + 1);
  for (std::size_t i = 0; i < plan.size(); ++i) {
    run->timers.push_back(timers_.ScheduleAt(plan[i].at, [this, id, i](TimerId, UnixNanos) { OnSliceTime(id, i); }));
  }
  run->timers.push_back(timers_.ScheduleAt(start + duration, [this, id](TimerId, UnixNanos) { OnEnd(id); }));
  log_.Debug("{} {}: {} slices for qty {} over {}", ExecAlgoName(config_.algo), id, plan.size(), run->total.ToString(),
             duration.ToString());
  runs_.emplace(id, std::move(run));
  return id;
}

void AlgoExecutor::Stop(std::uint64_t id) {
  auto it = runs_.find(id);
  if (it == runs_.end()) return;
  Run& run = *it->second;
  run.stopping = true;
  run.launch_pending = false;
  for (TimerId t : run.timers) timers_.Cancel(t);
  if (run.working) {
    StopSlice(id);  // Finish follows the slice's done
  } else {
    Finish(id);
  }
}

void AlgoExecutor::StopAll(InstrumentId instrument) {
  std::vector<std::uint64_t> ids;
  for (const auto& [id, run] : runs_) {
    if (run->parent.instrument == instrument) ids.push_back(id);
  }
  std::sort(ids.begin(), ids.end());
  for (std::uint64_t id : ids) Stop(id);
}

void AlgoExecutor::OnSliceTime(std::uint64_t run_id, std::size_t slice) {
  auto it = runs_.find(run_id);
  if (it == runs_.end()) return;
  Run& run = *it->second;
  if (run.ended || run.stopping || slice >= run.cumulative.size()) return;
  run.target = std::max(run.target, run.cumulative[slice]);
  if (run.working) {
    run.launch_pending = true;
    StopSlice(run_id);  // the launch follows its done
    return;
  }
  if (run.filled >= run.total) {
    Finish(run_id);
    return;
  }
  Launch(run_id);
}

void AlgoExecutor::OnEnd(std::uint64_t run_id) {
  auto it = runs_.find(run_id);
  if (it == runs_.end()) return;
  Run& run = *it->second;
  run.ended = true;
  run.launch_pending = false;  // the catch-up covers it
  for (TimerId t : run.timers) timers_.Cancel(t);
  if (run.working) {
    StopSlice(run_id);  // the catch-up follows its done
  } else {
    StartCatchUp(run_id);
  }
}

void AlgoExecutor::OnSliceDone(std::uint64_t run_id, std::uint64_t seq, const WorkResult& r) {
  auto it = runs_.find(run_id);
  if (it == runs_.end()) return;
  Run& run = *it->second;
  if (!run.working || seq != run.seq) return;  // a second or late report
  run.working = false;
  run.worker_id_known = false;
  run.stop_sent = false;
  run.want_stop = false;
  run.filled += r.filled;
  run.cost += r.cost;
  run.fees += r.fees;
  if (r.outcome == WorkOutcome::kDenied || r.outcome == WorkOutcome::kFailed) {
    run.failed = true;
    run.fail_outcome = r.outcome;
    run.denied = r.denied;
    log_.Warn("{} {}: slice {}: {} ({})", ExecAlgoName(config_.algo), run_id, r.id, WorkOutcomeName(r.outcome),
              r.outcome == WorkOutcome::kDenied ? ToString(r.denied) : std::string_view("-"));
    Finish(run_id);
    return;
  }
  if (run.stopping || run.catching_up || run.filled >= run.total) {
    Finish(run_id);
    return;
  }
  if (run.ended) {
    StartCatchUp(run_id);
    return;
  }
  if (run.launch_pending) {
    run.launch_pending = false;
    Launch(run_id);
  }
}

void AlgoExecutor::Launch(std::uint64_t run_id) {
  auto it = runs_.find(run_id);
  if (it == runs_.end()) return;
  Run& run = *it->second;
  run.launch_pending = false;
  if (run.target <= run.filled) return;
  const Qty qty = (run.target - run.filled).FloorTo(run.lot);
  if (qty < run.lot) return;
  WorkRequest request = run.parent;
  request.qty = qty;
  request.force_take = false;
  ++counts_.slices_sent;
  Send(run_id, request);
}

void AlgoExecutor::StartCatchUp(std::uint64_t run_id) {
  auto it = runs_.find(run_id);
  if (it == runs_.end()) return;
  Run& run = *it->second;
  const Qty remainder = run.total - run.filled;
  if (config_.catch_up != CatchUp::kCross || remainder < run.lot) {
    Finish(run_id);
    return;
  }
  run.catching_up = true;
  WorkRequest request = run.parent;
  request.qty = remainder;
  request.force_take = true;
  request.urgency = Urgency::kAggressive;
  ++counts_.catch_ups;
  log_.Debug("{} {}: catch-up for {}", ExecAlgoName(config_.algo), run_id, remainder.ToString());
  Send(run_id, request);
}

void AlgoExecutor::Send(std::uint64_t run_id, const WorkRequest& request) {
  std::uint64_t seq = 0;
  {
    Run& run = *runs_.at(run_id);
    run.working = true;
    run.worker_id_known = false;
    run.stop_sent = false;
    run.want_stop = false;
    seq = ++run.seq;
  }
  const std::uint64_t worker_id =
      worker_.Work(request, [this, run_id, seq](const WorkResult& r) { OnSliceDone(run_id, seq, r); });
  // `done` may have come already (and ended the run, or sent another slice).
  auto it = runs_.find(run_id);
  if (it == runs_.end()) return;
  Run& run = *it->second;
  if (!run.working || run.seq != seq) return;
  run.worker_id = worker_id;
  run.worker_id_known = true;
  if (run.want_stop) StopSlice(run_id);
}

void AlgoExecutor::StopSlice(std::uint64_t run_id) {
  auto it = runs_.find(run_id);
  if (it == runs_.end()) return;
  Run& run = *it->second;
  if (!run.working || run.stop_sent) return;
  if (!run.worker_id_known) {
    run.want_stop = true;  // Work has not returned yet (a re-entrant call)
    return;
  }
  run.stop_sent = true;
  run.want_stop = false;
  worker_.Stop(run.worker_id);  // may report done at once
}

void AlgoExecutor::Finish(std::uint64_t run_id) {
  auto it = runs_.find(run_id);
  if (it == runs_.end()) return;
  std::unique_ptr<Run> run = std::move(it->second);
  runs_.erase(it);
  for (TimerId t : run->timers) timers_.Cancel(t);
  WorkResult result;
  result.id = run_id;
  result.filled = run->filled;
  result.cost = run->cost;
  result.fees = run->fees;
  if (run->failed) {
    result.outcome = run->fail_outcome;
    result.denied = run->denied;
  } else if (run->filled >= run->total && run->total.IsPositive()) {
    result.outcome = WorkOutcome::kFilled;
  } else if (run->total.IsZero() && !run->parent.qty.IsPositive()) {
    result.outcome = WorkOutcome::kFilled;  // nothing was asked
  } else {
    result.outcome = WorkOutcome::kUnfilled;
  }
  log_.Debug("{} {}: {} {} of {}", ExecAlgoName(config_.algo), run_id, WorkOutcomeName(result.outcome),
             result.filled.ToString(), run->total.ToString());
  if (run->done) run->done(result);
}

}  // namespace hean
