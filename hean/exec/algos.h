// TWAP and VWAP: a large approved request cut into slices over a duration,
// each slice worked by the execution router. Engine components driven by
// the timer queue: no threads, no sleeping, the same in a backtest and live.
//
// Schedules (PlanTwap, PlanVwap) are plain functions; AlgoExecutor runs a
// schedule: at each slice time the target is the schedule's cumulative qty
// so far, and the slice worked is target - filled (an unfilled remainder
// carries into later slices). A slice still working when the next one is
// due is stopped first (its order canceled) and the next starts when the
// router reports it done. At the end, `catch_up` says what happens to the
// remainder (kCross: one IOC within the router's max_slippage_bps). A
// slice that ends kDenied or kFailed ends its schedule with that outcome
// (and deny reason): no more slices, no catch-up.
//
// Quantities are fixed point: a schedule trades the parent qty rounded
// down to the lot; the sub-lot rest cannot be traded and is not counted
// as unfilled.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <unordered_map>
#include <vector>

#include "hean/core/clock.h"
#include "hean/core/decimal.h"
#include "hean/core/log.h"
#include "hean/core/time.h"
#include "hean/core/timer_queue.h"
#include "hean/exec/exec_config.h"
#include "hean/exec/volume_profile.h"
#include "hean/model/events.h"
#include "hean/model/types.h"

namespace hean {

// One request the router works to completion: a maker-first order (or a
// TWAP / VWAP slice) on behalf of a parent the governor approved.
struct WorkRequest {
  InstrumentId instrument;
  Side side = Side::kBuy;
  Qty qty;
  Urgency urgency = Urgency::kNormal;
  Price limit = Price::Undefined();  // never buy above / sell below it; Undefined: none
  bool reduce_only = false;
  bool force_take = false;  // an IOC at once, whatever the mode (a catch-up)
  StrategyId strategy;
  std::uint64_t signal_id = 0;
  ClientOrderId parent;    // the approved request this works for
  UnixNanos requested_at;  // when the parent was made (the signal's time)
  double arrival_mid = 0;  // the mid slippage is measured against; 0: the mid when work starts
};

enum class WorkOutcome : std::uint8_t {
  kFilled = 1,  // the whole qty
  kUnfilled,    // ended with qty left: urgency did not allow crossing, the IOC did not fill it all, or stopped
  kDenied,      // the risk governor denied a child order (not a rate limit): what filled before stays filled
  kFailed,      // the venue refused an order for another reason than post-only, or the client refused to send
};
std::string_view WorkOutcomeName(WorkOutcome o) noexcept;

struct WorkResult {
  std::uint64_t id = 0;
  WorkOutcome outcome = WorkOutcome::kUnfilled;
  Qty filled;
  double cost = 0.0;  // sum of price x qty filled
  double fees = 0.0;
  DenyReason denied = DenyReason::kInvalidOrder;  // when kDenied
};
using WorkDone = std::function<void(const WorkResult&)>;

// The router, as algorithms see it.
class SliceWorker {
 public:
  virtual ~SliceWorker() = default;
  // Starts working `request`; `done` is called once, when no order of it
  // is left open (possibly before Work returns, when it fails at once).
  virtual std::uint64_t Work(const WorkRequest& request, WorkDone done) = 0;
  // Stops a request: cancels its working order; `done` follows.
  virtual void Stop(std::uint64_t id) = 0;
};

struct SliceSpec {
  UnixNanos at;
  Qty qty;  // planned qty of this slice (multiples of the lot; may be zero)
};

// `slices` slices of equal qty (in lots; the lots that do not divide go to
// the first slices) at start + i x duration / slices. The slices add up to
// `total` rounded down to the lot (> 0, else it aborts). No slices when
// `slices` is 0.
std::vector<SliceSpec> PlanTwap(Qty total, Qty lot, UnixNanos start, Duration duration, std::size_t slices);
// One slice per `bucket` over [start, start + duration): bucket i covers
// [start + i x bucket, min(start + (i + 1) x bucket, end)) (the last one
// may be shorter) and its slice, at its start, gets qty in proportion to
// profile.Between over it, apportioned in lots by largest remainders (ties
// to the earlier slice); the slices add up to `total` rounded down to the
// lot. An empty profile, or one with no volume over the horizon, gives
// PlanTwap with one slice per bucket (`*fell_back` then true, else false).
// A duration of 0 (or less) is one bucket at start; a bucket of 0 (or
// less) is the whole duration.
std::vector<SliceSpec> PlanVwap(Qty total, Qty lot, UnixNanos start, Duration duration, Duration bucket,
                                const VolumeProfile& profile, bool* fell_back = nullptr);

// Runs TWAP / VWAP schedules. Not thread-safe: engine thread.
class AlgoExecutor {
 public:
  // `profile` may be null (VWAP then falls back to equal slices, logged).
  AlgoExecutor(const Clock& clock, TimerQueue& timers, SliceWorker& worker, AlgoConfig config,
               const VolumeProfile* profile, Logger logger = {});
  // Cancels the schedules' timers; calls neither `done` nor the worker, so
  // the worker must not report slices done after this.
  ~AlgoExecutor();
  AlgoExecutor(const AlgoExecutor&) = delete;
  AlgoExecutor& operator=(const AlgoExecutor&) = delete;

  // Starts a schedule for `parent` (config().algo must not be kNone, else
  // it aborts; `lot` > 0) from Now() to Now() + config().duration. Slices
  // are sent from timers, so the first one (due at once) goes out on the
  // queue's next FireDue / FireNext, never from inside Start. Each slice is
  // the parent with qty = target - filled (skipped when below the lot) and
  // force_take false; the catch-up has force_take and kAggressive.
  // `done` is called once when it ended (filled, or the schedule and its
  // catch-up are over, or stopped, or a slice was denied or failed), with
  // the totals over its slices: kFilled when the lot-floored parent qty
  // filled (a parent below one lot ends kUnfilled), else kUnfilled, or the
  // slice's kDenied / kFailed.
  std::uint64_t Start(const WorkRequest& parent, Qty lot, WorkDone done);
  // Stops a schedule (no more slices; the working one is stopped and
  // `done` follows its end; with none working, `done` is called before
  // Stop returns). Unknown or ended ids are ignored.
  void Stop(std::uint64_t id);
  void StopAll(InstrumentId instrument);

  std::size_t active() const noexcept { return runs_.size(); }
  const AlgoConfig& config() const noexcept { return config_; }

  struct Counts {
    std::uint64_t started = 0;
    std::uint64_t slices_sent = 0;     // scheduled slices given to the worker (not the catch-ups)
    std::uint64_t catch_ups = 0;       // catch-up IOCs given to the worker
    std::uint64_t vwap_fallbacks = 0;  // VWAP schedules made equal for lack of a profile
  };
  const Counts& counts() const noexcept { return counts_; }

 private:
  struct Run;
  // Every method takes the run's id and looks the run up again: the worker
  // may call `done` from inside Work or Stop, which can end the run.
  void OnSliceTime(std::uint64_t run_id, std::size_t slice);
  void OnEnd(std::uint64_t run_id);
  void OnSliceDone(std::uint64_t run_id, std::uint64_t seq, const WorkResult& r);
  void Launch(std::uint64_t run_id);
  void StartCatchUp(std::uint64_t run_id);
  void Send(std::uint64_t run_id, const WorkRequest& request);
  void StopSlice(std::uint64_t run_id);
  void Finish(std::uint64_t run_id);

  const Clock& clock_;
  TimerQueue& timers_;
  SliceWorker& worker_;
  AlgoConfig config_;
  const VolumeProfile* profile_;
  Logger log_;
  std::unordered_map<std::uint64_t, std::unique_ptr<Run>> runs_;
  std::uint64_t next_id_ = 1;
  Counts counts_;
};

}  // namespace hean
