#include "hean/exec/exec_metrics.h"

#include <algorithm>
#include <cmath>

namespace hean {

double ExecutionMetrics::MeanSlippageBps() const noexcept {
  double qty = 0.0;
  double sum = 0.0;
  for (const ExecFillRecord& f : fills) {
    if (f.arrival_mid <= 0.0) continue;
    qty += f.qty;
    sum += f.slippage_bps * f.qty;
  }
  return qty > 0.0 ? sum / qty : 0.0;
}

double ExecutionMetrics::SlippageQuantileBps(double q) const {
  std::vector<double> v;
  v.reserve(fills.size());
  for (const ExecFillRecord& f : fills) {
    if (f.arrival_mid > 0.0) v.push_back(f.slippage_bps);
  }
  if (v.empty()) return 0.0;
  std::sort(v.begin(), v.end());
  q = std::clamp(q, 0.0, 1.0);
  auto rank = static_cast<std::size_t>(std::ceil(q * static_cast<double>(v.size())));
  rank = std::clamp<std::size_t>(rank, 1, v.size());
  return v[rank - 1];
}

double ExecutionMetrics::MeanPredictionErrorBps() const noexcept {
  double n = 0.0;
  double sum = 0.0;
  for (const ExecFillRecord& f : fills) {
    if (f.liquidity != LiquiditySide::kTaker) continue;
    n += 1.0;
    sum += f.realised_bps - f.predicted_bps;
  }
  return n > 0.0 ? sum / n : 0.0;
}

}  // namespace hean
