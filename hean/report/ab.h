// A/B comparison of two backtests on the same data and seed (`hean ab`):
// every scalar figure side by side with the difference, and bootstrap 95%
// confidence intervals for the difference in mean per-trade PnL (bps, per
// round trip) and mean slippage vs arrival (bps, per fill).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "hean/engine/run_record.h"
#include "hean/report/report_stats.h"

namespace hean {

struct AbRow {
  std::string key;
  double a = 0.0;
  double b = 0.0;
  double diff = 0.0;  // b - a (NaN when either is)
  int better = 0;     // as NamedFigure::better
  int decimals = 2;
};

struct AbComparison {
  std::string label_a;
  std::string label_b;
  std::vector<AbRow> rows;    // Figures() of both, without wall-time figures
  BootstrapCi trade_pnl_bps;  // per round trip
  BootstrapCi slippage_bps;   // per fill
  int iterations = 0;
  std::uint64_t seed = 0;
};

AbComparison CompareRuns(const std::string& label_a, const RunRecord& a, const ReportStats& sa,
                         const std::string& label_b, const RunRecord& b, const ReportStats& sb, int iterations,
                         std::uint64_t seed);

// The printed table, then one sentence per interval that says plainly
// whether the difference is significant at 95% (and with how few samples).
std::string FormatAbTable(const AbComparison& c);
// ab.csv: key,a,b,diff then the two intervals as rows.
std::string AbCsv(const AbComparison& c);
// ab.json.
std::string AbJson(const AbComparison& c);

}  // namespace hean
