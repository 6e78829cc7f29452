// Iceberg (hidden size) detection at book price levels.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "hean/core/decimal.h"
#include "hean/core/status.h"
#include "hean/core/time.h"
#include "hean/model/events.h"
#include "hean/model/types.h"

namespace hean {

struct IcebergConfig {
  int max_levels = 64;  // analytics.iceberg.max_levels (>= 1): levels tracked at once
  Duration level_timeout =
      Duration::Seconds(60);       // analytics.iceberg.level_timeout (> 0): forget a level idle this long
  double refill_tolerance = 0.10;  // analytics.iceberg.refill_tolerance, in [0, 1): a refill is to >= (1 - tol) x
                                   // the size before the level was traded down
  int min_replenishments = 3;      // analytics.iceberg.min_replenishments (>= 1): count that gives the full 0.3
  double absorption_target = 2.0;  // analytics.iceberg.absorption_target (> 0): absorption that gives the full 0.4
  double consistency_cv = 0.10;    // analytics.iceberg.consistency_cv (> 0): refill std dev < this x mean gives 0.3
  double report_score = 0.7;       // analytics.iceberg.report_score, in (0, 1]
  int depth_ticks = 20;  // analytics.iceberg.depth_ticks (>= 0): MarketAnalytics feeds only levels within this many
                         // ticks of their side's best price, so far levels of a full-depth feed do not churn the slots

  // InvalidArgumentError naming the key and the bad value.
  [[nodiscard]] Status Validate() const;
};

// Detects hidden size at price levels of one instrument from book updates
// (OnLevel) and trades (OnTrade). Per tracked (side, price):
//  * A trade at the price against that side (a sell aggressor hits a bid
//    level, a buy aggressor lifts an ask level) adds to the level's traded
//    volume. The first such trade while the level is not already traded down
//    marks it traded down from the displayed size it had before (the
//    reference size), when that size is known and positive; further trades
//    before a refill add to the same trade-down.
//  * A later book update is a replenishment when the new displayed qty is
//    >= (1 - refill_tolerance) x the reference size AND above what the trades
//    alone would have left (reference - volume traded since the trade-down),
//    so that a level merely traded down by less than the tolerance is not a
//    refill. Both "trade, level down, level back up" and "trade, then the
//    update that shows the level directly refilled" count. Its size (the new
//    displayed qty) goes into running refill statistics (Welford).
//  * absorption = traded volume / mean reference size over the trade-downs.
//  * score = 0.3 x min(replenishments / min_replenishments, 1)
//          + 0.4 x min(absorption / absorption_target, 1)
//          + 0.3 x [>= 2 refills and population std dev of refill sizes
//                   < consistency_cv x their mean]
//    (the weights of the original design).
//  * OnLevel returns an IcebergDetected event when the level's score reaches
//    report_score (within 1e-9) and it was not reported yet, or has had a
//    further replenishment since its last report. A score reached by a trade
//    is reported at the level's next book update.
//
// Same-time order: events at the same `now` are taken as simultaneous. When
// a trade arrives right after a book update of its level at the same `now`
// that did not raise the level and did not complete a refill (a feed that
// sends the depth before the trade), the trade is taken to have come first:
// the reference size is the one before that update, and that update is
// checked as the post-trade one. So both orders give the same result for the
// usual patterns.
//
// A level is tracked from its first OnLevel with a positive qty or its first
// trade (its displayed size is then unknown until the next update, so that
// trade marks no trade-down). At most max_levels levels are tracked: a new
// one evicts the least recently active level that has no traded volume, or
// else the least recently active level. A level idle (no update, no trade)
// for level_timeout is forgotten (by Advance, or on its next event).
//
// Fixed-capacity storage (max_levels slots, allocated at construction, linear
// scan of a compact key array); no allocation per event.
//
// Not thread-safe: one engine thread.
class IcebergDetector {
 public:
  // `config` must be valid (checked).
  IcebergDetector(InstrumentId instrument, IcebergConfig config);

  // A level's new displayed size (0: removed). Returns an event when the
  // level now reaches the report score (see above).
  std::optional<IcebergDetected> OnLevel(UnixNanos now, Side side, Price price, Qty qty);
  // A trade; trades with an unknown aggressor or a non-positive qty are
  // ignored (the level they hit is unknown).
  void OnTrade(UnixNanos now, AggressorSide aggressor, Price price, Qty qty);
  // Forgets levels idle for level_timeout or longer.
  void Advance(UnixNanos now);
  // The book became invalid: forgets every level.
  void Reset() noexcept;

  // Levels tracked now.
  std::size_t tracked() const noexcept;

  struct Candidate {
    Side side;
    Price price;
    double score;
    double absorbed;  // traded volume at the level, base-asset units
    int replenishments;
  };
  // The tracked level with the highest score (ties: any one of them), or
  // nullopt when no level has a positive score; for features output.
  std::optional<Candidate> Strongest() const noexcept;

  const IcebergConfig& config() const noexcept { return config_; }

 private:
  struct Key {
    std::int64_t price = 0;  // raw
    Side side = Side::kBuy;
    bool used = false;
  };
  struct Level {
    UnixNanos last_active;
    UnixNanos last_update;  // time of the last OnLevel
    bool known = false;     // an OnLevel was seen: displayed is meaningful
    bool prev_known = false;
    bool update_refilled = false;  // the last OnLevel completed a refill
    bool pending = false;          // traded down, waiting for a refill
    Qty displayed;
    Qty prev_displayed;  // before the last OnLevel
    Qty reference;       // displayed size before the pending trade-down
    Int128 cycle_traded = 0;
    Int128 traded = 0;
    Int128 reference_sum = 0;
    int trade_downs = 0;
    int replenishments = 0;
    double refill_mean = 0;  // Welford
    double refill_m2 = 0;
    int reported_at = -1;  // replenishments at the last report; -1: never
    double score = 0;
  };

  static constexpr std::size_t kNone = static_cast<std::size_t>(-1);

  std::size_t Find(Side side, Price price) const noexcept;
  // The slot of (side, price), fresh if the level was not tracked or idle for
  // level_timeout.
  std::size_t Acquire(UnixNanos now, Side side, Price price) noexcept;
  // The same when Find(side, price) gave `found` already.
  std::size_t Acquire(UnixNanos now, Side side, Price price, std::size_t found) noexcept;
  void TryRefill(Level& l) noexcept;
  void UpdateScore(Level& l) const noexcept;

  InstrumentId instrument_;
  IcebergConfig config_;
  std::vector<Key> keys_;
  std::vector<Level> levels_;
};

}  // namespace hean
