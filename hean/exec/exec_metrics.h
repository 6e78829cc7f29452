// ExecutionMetrics: what the router measured about its own work, for
// reports and the A/B comparison of execution modes. Not thread-safe.
//
// Definitions (docs/EXECUTION.md):
// - slippage vs arrival, bps: for a buy (fill price - arrival mid) /
//   arrival mid x 1e4, for a sell the negative; positive is worse. The
//   arrival mid is the mid when the router received the request (a TWAP /
//   VWAP slice inherits its parent's).
// - predicted vs realised: for each taker fill, the cache's prediction when
//   the IOC was sent and the realised cost vs the mid at that moment.
// - maker fill rate: maker orders with any fill / maker attempts, the
//   maker orders that filled (anything) or left the book unfilled at their
//   TTL or chased by the touch; an order stopped (CancelAll, an algorithm's
//   Stop) with nothing filled and a post-only rejection are not attempts.
// - signal-to-order, engine time: first child order sent - the request's
//   requested_at (the signal). Router wall time: from Execute / Work to that
//   send returning (the router's own cost, on the monotonic clock).
// - order-to-fill: each fill's receive time - its order's send time.
#pragma once

#include <cstdint>
#include <vector>

#include "hean/core/histogram.h"
#include "hean/core/time.h"
#include "hean/exec/algos.h"
#include "hean/model/types.h"

namespace hean {

struct ExecFillRecord {
  UnixNanos ts;
  std::uint64_t work_id = 0;
  InstrumentId instrument;
  Side side = Side::kBuy;
  LiquiditySide liquidity = LiquiditySide::kUnknown;
  double price = 0.0;
  double qty = 0.0;
  double fee = 0.0;
  double arrival_mid = 0.0;
  double slippage_bps = 0.0;   // vs arrival mid, positive is worse
  double predicted_bps = 0.0;  // taker fills: the prediction when sent
  double realised_bps = 0.0;   // taker fills: vs the mid when sent
  Duration order_to_fill;
};

// One request (WorkRequest or a governor order sent as is) when it ended.
struct ExecWorkRecord {
  std::uint64_t id = 0;
  InstrumentId instrument;
  Side side = Side::kBuy;
  Urgency urgency = Urgency::kNormal;
  WorkOutcome outcome = WorkOutcome::kUnfilled;
  UnixNanos started;
  UnixNanos ended;
  double qty = 0.0;
  double filled = 0.0;
  double avg_price = 0.0;  // 0 when nothing filled
  double arrival_mid = 0.0;
  double slippage_bps = 0.0;  // of the average fill price vs arrival (0 when nothing filled)
  double fees = 0.0;
  double maker_qty = 0.0;
  std::uint32_t maker_orders = 0;
  std::uint32_t taker_orders = 0;
  std::uint32_t reposts = 0;
  std::uint32_t post_only_rejects = 0;
};

struct ExecutionMetrics {
  std::uint64_t requests = 0;  // Execute calls
  std::uint64_t works = 0;     // requests worked (parents and slices)
  std::uint64_t child_orders = 0;
  std::uint64_t maker_orders = 0;
  std::uint64_t maker_attempts = 0;  // maker orders that left the book
  std::uint64_t maker_attempts_filled = 0;
  std::uint64_t taker_orders = 0;
  std::uint64_t reposts = 0;
  std::uint64_t chases = 0;
  std::uint64_t post_only_rejects = 0;
  std::uint64_t denied = 0;        // child orders the governor denied
  std::uint64_t rate_retries = 0;  // of which rate limits, retried
  std::uint64_t send_errors = 0;
  std::uint64_t venue_rejects = 0;  // other than post-only
  double fees = 0.0;
  double maker_qty = 0.0;
  double taker_qty = 0.0;
  double notional = 0.0;

  LatencyHistogram ttl_ns;                   // TTL of each maker order
  LatencyHistogram reposts_per_work;         // per ended work
  LatencyHistogram signal_to_order_ns;       // engine time
  LatencyHistogram signal_to_order_wall_ns;  // router wall time
  LatencyHistogram order_to_fill_ns;

  std::vector<ExecFillRecord> fills;
  std::vector<ExecWorkRecord> works_ended;

  double maker_fill_rate() const noexcept {
    return maker_attempts ? static_cast<double>(maker_attempts_filled) / static_cast<double>(maker_attempts) : 0.0;
  }
  // Qty-weighted mean slippage vs arrival over all fills, bps.
  double MeanSlippageBps() const noexcept;
  // Quantile q of the per-fill slippage (nearest rank; 0 when none).
  double SlippageQuantileBps(double q) const;
  // Mean of realised - predicted over taker fills (0 when none).
  double MeanPredictionErrorBps() const noexcept;
};

}  // namespace hean
