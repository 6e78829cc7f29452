// ReportStats: the figures of one backtest, computed from its RunRecord.
// Every definition is in docs/REPORT.md; the short form is beside each
// field. A figure that cannot be computed (no round trips, fewer than two
// equity returns, no losing trade for the profit factor) is NaN and is
// written as null in report.json and "-" in tables.
//
// Pure functions of the record: the same record gives the same stats.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "hean/engine/run_record.h"

namespace hean {

// One round trip of the account in one instrument: from leaving flat until
// flat again. A fill that flips the position closes the trip with the part
// that reaches flat and opens the next with the rest (its fee is split by
// qty). Trips still open at the end are not counted.
struct RoundTrip {
  InstrumentId instrument;
  Side side = Side::kBuy;  // of the opening fill (kBuy: a long trip)
  UnixNanos opened;
  UnixNanos closed;
  double qty = 0.0;             // largest |position| during the trip
  double entry_notional = 0.0;  // sum of price x qty of the fills that opened or added
  double gross_pnl = 0.0;       // realized, before fees
  double fees = 0.0;
  double net_pnl = 0.0;  // gross - fees
  double net_bps = 0.0;  // net / entry_notional x 1e4
};

std::vector<RoundTrip> ComputeRoundTrips(const RunRecord& record);

struct Percentiles {
  double p50 = 0.0, p95 = 0.0, p99 = 0.0;
  std::uint64_t count = 0;
};

struct HistogramBin {
  double lo = 0.0;  // inclusive
  double hi = 0.0;  // exclusive (inclusive for the last bin)
  std::uint64_t count = 0;
};

// Periods per year of one-minute equity samples: 365 x 24 x 60.
inline constexpr double kEquityPeriodsPerYear = 525600.0;

struct ReportStats {
  // PnL and return.
  double starting_balance = 0.0;
  double final_equity = 0.0;
  double net_pnl = 0.0;  // final equity - starting balance (after fees)
  double return_pct = 0.0;
  double gross_pnl = 0.0;  // realized + unrealized, before fees
  double fees = 0.0;       // paid (> 0), rebates counted negative
  // From the equity sampled every report interval: r_i = e_i / e_{i-1} - 1.
  // Sharpe = mean(r) / stdev(r) x sqrt(periods per year), Sortino = mean(r)
  // / sqrt(mean(min(r, 0)^2)) x sqrt(periods per year); periods per year =
  // 365 x 24 x 60 for one-minute samples (24/7 markets).
  double sharpe = 0.0;
  double sortino = 0.0;
  std::uint64_t equity_returns = 0;
  double periods_per_year = kEquityPeriodsPerYear;  // of the equity samples, from RunRecord::equity_every
  double max_drawdown = 0.0;                        // peak - trough of equity, USDT
  double max_drawdown_pct = 0.0;                    // of the peak
  // Fills and trips.
  std::uint64_t fills = 0;  // "trades": executions
  std::uint64_t round_trips = 0;
  double win_rate = 0.0;  // round trips with net > 0 / round trips
  double avg_trade_bps = 0.0;
  double median_trade_bps = 0.0;
  double profit_factor = 0.0;  // sum of winning nets / |sum of losing nets|
  double exposure_pct = 0.0;   // share of the run's time span with a position open
  double turnover = 0.0;       // sum of fill notional, USDT
  double turnover_x = 0.0;     // turnover / starting balance
  // Execution.
  double maker_share = 0.0;  // maker qty / filled qty
  double maker_fill_rate = 0.0;
  std::uint64_t maker_attempts = 0;
  double slippage_mean_bps = 0.0;  // vs arrival mid, qty-weighted, positive is worse
  double slippage_median_bps = 0.0;
  double slippage_p95_bps = 0.0;
  double predicted_minus_realised_bps = 0.0;  // mean over taker fills
  std::uint64_t taker_fills_predicted = 0;
  Percentiles ttl_ms;
  Percentiles signal_to_order_ms;  // sim time
  Percentiles order_to_fill_ms;    // sim time
  std::uint64_t requests = 0;      // requests the router worked
  std::uint64_t child_orders = 0;
  std::uint64_t reposts = 0;
  // Signals and risk.
  std::uint64_t signals = 0;
  std::uint64_t signals_approved = 0;
  std::uint64_t signals_denied = 0;
  std::vector<std::pair<std::string, std::uint64_t>> signal_denials;  // by reason
  std::vector<std::pair<std::string, std::uint64_t>> order_denials;   // by reason
  std::uint64_t risk_state_changes = 0;
  std::string final_risk_state;
  // Run.
  std::uint64_t events = 0;
  double span_seconds = 0.0;
  double wall_seconds = 0.0;
  double events_per_second = 0.0;  // of wall time
  EventBusMetrics bus;

  // Distributions for the charts.
  std::vector<HistogramBin> slippage_histogram;  // per fill, bps
  std::vector<HistogramBin> ttl_histogram;       // ms
};

ReportStats ComputeStats(const RunRecord& record);

// One scalar figure with its name (the report.json key), for tables and the
// A/B comparison. `better` is +1 when higher is better, -1 when lower is,
// 0 when neither.
struct NamedFigure {
  std::string key;
  double value = 0.0;
  int better = 0;
  int decimals = 2;  // for tables
};
// Every scalar figure of the stats, in report order (deterministic).
// `include_wall` false leaves out the figures of wall time (events/s, wall
// seconds), which differ between two runs of the same backtest.
std::vector<NamedFigure> Figures(const ReportStats& stats, bool include_wall = true);

// Sharpe and Sortino as defined above for returns sampled `periods_per_year`
// times a year. NaN with fewer than two returns, or a zero deviation.
double SharpeRatio(const std::vector<double>& returns, double periods_per_year);
// Periods per year of equity sampled every `every` (24/7 markets: a year
// of 365 days over the interval); kEquityPeriodsPerYear for one minute,
// NaN for an interval that is not positive.
double EquityPeriodsPerYear(Duration every) noexcept;
double SortinoRatio(const std::vector<double>& returns, double periods_per_year);

// Nearest-rank quantile q in [0, 1] of `values` (copied and sorted); NaN
// when empty.
double Quantile(std::vector<double> values, double q);

// Equal-width bins over [min, max] of `values` (one bin when all are equal;
// none when empty).
std::vector<HistogramBin> MakeHistogram(const std::vector<double>& values, int bins);

// A bootstrap 95% confidence interval for mean(b) - mean(a), a and b
// resampled independently with replacement `iterations` times from a
// generator seeded with `seed` (std::mt19937_64: the same inputs give the
// same interval). NaN bounds when either sample is empty.
struct BootstrapCi {
  double diff = 0.0;  // mean(b) - mean(a)
  double lo = 0.0;    // 2.5th percentile of the resampled differences
  double hi = 0.0;    // 97.5th
  std::size_t n_a = 0;
  std::size_t n_b = 0;
  double mean_a = 0.0;  // NaN when a is empty
  double mean_b = 0.0;  // NaN when b is empty
  // The interval excludes 0.
  bool significant() const noexcept { return n_a > 0 && n_b > 0 && (lo > 0.0 || hi < 0.0); }
};
BootstrapCi BootstrapMeanDiff(const std::vector<double>& a, const std::vector<double>& b, int iterations,
                              std::uint64_t seed);

}  // namespace hean
