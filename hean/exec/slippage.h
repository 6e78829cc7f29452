// Slippage: the predicted cost, in bps of the mid, of taking a qty now.
//
//   cost = book walk + impact
//   book walk = (average fill price walking the levels - mid) / mid x 1e4
//               (for a sell, mid - average), over what the visible book fills;
//               qty beyond the visible book is priced at the last level's
//               bps plus beyond_book_bps, weighted by qty into the average
//   impact = impact_bps x sqrt(qty / visible depth of depth_levels levels)
//            (no visible depth, i.e. depth_levels = 0: beyond_book_bps)
//
// SlippageCache precomputes the cost for a ladder of standard sizes
// (notional) on both sides of every active instrument, refreshed every
// refresh_interval (50 ms) from a timer, each entry valid for valid_for
// (100 ms). A refresh that finds the book unchanged since the last one
// (OrderBook::changes) keeps the curves and only renews their time. A lookup at or below the smallest size answers the
// smallest size's cost (a conservative floor: the cost of small sizes is dominated by the half spread, which does not
// go to zero with the size); between two ladder sizes it interpolates linearly; above the largest it extrapolates along
// the last segment, never below the largest size's cost. A stale or missing entry answers stale_fallback_bps, flagged,
// so a decision never rests on an old book without knowing it.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "hean/book/book_set.h"
#include "hean/book/order_book.h"
#include "hean/core/clock.h"
#include "hean/core/timer_queue.h"
#include "hean/exec/exec_config.h"
#include "hean/model/types.h"

namespace hean {

struct SlippageEstimate {
  double bps = 0.0;       // predicted cost vs the mid (>= 0 is worse than the mid)
  double walk_bps = 0.0;  // the book-walk part
  double impact_bps = 0.0;
  double mid = 0.0;      // the mid it was measured against (0 when there is none)
  bool complete = true;  // the visible book could fill the whole qty
  bool valid = true;     // false: no two-sided valid book (or a bad qty); bps is the fallback
};

// Stateless predictions from a book. Thread-compatible.
class SlippageModel {
 public:
  explicit SlippageModel(SlippageConfig config);
  // The cost of a taker of `side` (a buy walks the asks) taking `qty` from
  // `book`. An invalid, one-sided, crossed or locked book (or a mid <= 0), and a
  // negative or Undefined qty, give valid = false, complete = false and
  // bps = stale_fallback_bps. A zero qty on a usable book costs nothing:
  // valid, complete, 0 bps.
  [[nodiscard]] SlippageEstimate Predict(const OrderBook& book, Side side, Qty qty) const noexcept;
  // The same for a notional (quote currency), converted to a qty at the
  // current mid; a notional that gives no representable qty (NaN, infinite,
  // too large) is a bad qty as above.
  [[nodiscard]] SlippageEstimate PredictNotional(const OrderBook& book, Side side, double notional) const noexcept;
  // PredictNotional for `n` ascending notionals at once, into out[0..n):
  // the same estimates, bit for bit, from one walk of the book and one
  // depth sum (what the cache refresh does 20 times a second). False, with
  // `out` unspecified, when any of them would not be valid.
  [[nodiscard]] bool PredictNotionalLadder(const OrderBook& book, Side side, const double* notionals, std::size_t n,
                                           SlippageEstimate* out) const noexcept;
  const SlippageConfig& config() const noexcept { return config_; }

 private:
  SlippageEstimate Fallback(double mid) const noexcept;
  SlippageEstimate PredictAtMid(const OrderBook& book, Side side, Qty qty, double mid) const noexcept;
  // The estimate of a qty from its walk of the book.
  SlippageEstimate FromWalk(Side side, double want, const TakeResult& t, Qty depth, double mid) const noexcept;

  SlippageConfig config_;
};

// What a lookup answered.
struct SlippageLookup {
  double bps = 0.0;
  bool fresh = false;  // false: the fallback (stale, missing or never computed)
};

// Precomputed predictions per instrument. Lookups are O(ladder size) with
// no allocation. The config's ladder must hold 1 to kMaxLadder sizes,
// positive and strictly ascending (checked at construction: a bad ladder is
// a bug; a ladder from a file must have passed ExecConfig::Validate).
// Not thread-safe: engine thread. The TimerQueue given to Start must outlive
// the cache or be stopped first (the destructor calls Stop()).
class SlippageCache {
 public:
  static constexpr std::size_t kMaxLadder = 32;

  SlippageCache(SlippageConfig config, const Clock& clock, const BookSet& books);
  ~SlippageCache();
  SlippageCache(const SlippageCache&) = delete;
  SlippageCache& operator=(const SlippageCache&) = delete;

  // Instruments refreshed by the timer (and by Refresh()). Activate does not
  // compute: the instrument answers the fallback until the next refresh
  // (call Refresh(id) to have it at once). Deactivate forgets the computed
  // ladders, so the instrument answers the fallback at once.
  void Activate(InstrumentId id);
  void Deactivate(InstrumentId id);
  // Starts the periodic refresh on `timers` (first at now + interval); a
  // second Start moves the refresh to the new queue.
  void Start(TimerQueue& timers);
  // Cancels the periodic refresh; a no-op when not started.
  void Stop();

  // Recomputes every active instrument's ladder from its book now. An
  // instrument without a book, or whose book is not usable (see
  // SlippageModel::Predict), is left not computed: its lookups answer the
  // fallback until a later refresh finds a usable book.
  void Refresh();
  // The same for one instrument; a no-op when it is not active.
  void Refresh(InstrumentId id);

  // The predicted cost of taking `notional` (quote currency: qty x the mid
  // or the touch) on `side` of instrument `id`, from the last refresh; the
  // fallback (fresh = false) when the entry is missing, not computed or
  // older than valid_for (now - computed_at > valid_for).
  [[nodiscard]] SlippageLookup Lookup(InstrumentId id, Side side, double notional) const noexcept;

  struct Counts {
    std::uint64_t refreshes = 0;  // entries made fresh (one per instrument, both sides)
    std::uint64_t reused = 0;     // of those, with the book unchanged: curves kept
    std::uint64_t lookups = 0;
    std::uint64_t stale = 0;  // lookups answered with the fallback
  };
  const Counts& counts() const noexcept { return counts_; }
  const SlippageModel& model() const noexcept { return model_; }

 private:
  // One side's ladder: bps[i] for ladder size i, and slope[i] (i >= 1) of
  // the segment from size i - 1 to size i, in bps per unit of notional.
  struct Curve {
    std::array<double, kMaxLadder> bps{};
    std::array<double, kMaxLadder> slope{};
  };
  struct Entry {
    UnixNanos computed_at;
    bool active = false;
    bool computed = false;
    std::uint64_t book_changes = 0;  // the book's changes() when computed
    Curve curve[2];                  // per side: [0] kBuy, [1] kSell
  };
  static constexpr std::size_t SideIndex(Side s) noexcept { return s == Side::kBuy ? 0 : 1; }
  Entry* Find(InstrumentId id) noexcept;
  void Compute(InstrumentId id, Entry& e);

  SlippageModel model_;
  const Clock& clock_;
  const BookSet& books_;
  Duration valid_for_;
  std::size_t ladder_size_ = 0;
  std::array<double, kMaxLadder> ladder_{};  // the config's ladder, fixed size for the lookup
  std::vector<Entry> entries_;               // by InstrumentId value
  TimerQueue* timers_ = nullptr;
  TimerId timer_;
  mutable Counts counts_;
};

}  // namespace hean
