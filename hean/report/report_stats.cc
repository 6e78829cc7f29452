#include "hean/report/report_stats.h"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
#include <map>
#include <random>
#include <utility>

namespace hean {

namespace {

constexpr double kNan = std::numeric_limits<double>::quiet_NaN();
constexpr double kNanosPerMilli = 1e6;

double Mean(const std::vector<double>& v) {
  if (v.empty()) return kNan;
  double sum = 0.0;
  for (double x : v) sum += x;
  return sum / static_cast<double>(v.size());
}

double Ratio(double num, double den) { return den != 0.0 ? num / den : kNan; }

int Sign(Qty q) { return q.IsPositive() ? 1 : (q.IsNegative() ? -1 : 0); }

double AbsQty(Qty q) { return std::fabs(q.ToDouble()); }

// A round trip being built.
struct OpenTrip {
  bool open = false;
  RoundTrip trip;
  Notional entry;  // exact sum of the opening and adding fills' notional
  Notional gross;  // exact sum of the realized PnL
  double fees = 0.0;
};

void Finish(OpenTrip& t, UnixNanos closed, std::vector<RoundTrip>& out) {
  RoundTrip r = t.trip;
  r.closed = closed;
  r.entry_notional = t.entry.ToDouble();
  r.gross_pnl = t.gross.ToDouble();
  r.fees = t.fees;
  r.net_pnl = r.gross_pnl - r.fees;
  r.net_bps = r.entry_notional > 0.0 ? r.net_pnl / r.entry_notional * 1e4 : kNan;
  out.push_back(r);
  t = OpenTrip{};
}

void Start(OpenTrip& t, const FillRecord& f, Qty opened_qty, double fee) {
  t = OpenTrip{};
  t.open = true;
  t.trip.instrument = f.instrument;
  t.trip.side = f.side;
  t.trip.opened = f.ts;
  t.trip.qty = AbsQty(opened_qty);
  t.entry = f.price * opened_qty;
  t.fees = fee;
}

Percentiles FromHistogramNs(const LatencyHistogram& h) {
  Percentiles p;
  p.count = h.count();
  if (p.count == 0) {
    p.p50 = p.p95 = p.p99 = kNan;
    return p;
  }
  p.p50 = static_cast<double>(h.Percentile(0.50)) / kNanosPerMilli;
  p.p95 = static_cast<double>(h.Percentile(0.95)) / kNanosPerMilli;
  p.p99 = static_cast<double>(h.Percentile(0.99)) / kNanosPerMilli;
  return p;
}

// The share of [first, last] with a position open in any instrument, from
// the fills' position_after.
double ExposurePct(const RunRecord& record) {
  const std::int64_t first = record.first_event.nanos();
  const std::int64_t last = record.last_event.nanos();
  if (last <= first) return kNan;
  std::vector<const FillRecord*> fills;
  fills.reserve(record.fills.size());
  for (const FillRecord& f : record.fills) fills.push_back(&f);
  std::stable_sort(fills.begin(), fills.end(), [](const FillRecord* a, const FillRecord* b) { return a->ts < b->ts; });
  std::map<std::uint32_t, bool> open_by_instrument;
  int open = 0;
  std::int64_t since = 0;
  std::int64_t total = 0;
  for (const FillRecord* f : fills) {
    const std::int64_t ts = std::clamp(f->ts.nanos(), first, last);
    bool& was = open_by_instrument[f->instrument.value];
    const bool now = !f->position_after.IsZero();
    if (was == now) continue;
    was = now;
    if (now) {
      if (open++ == 0) since = ts;
    } else if (--open == 0) {
      total += ts - since;
    }
  }
  if (open > 0) total += last - since;
  return static_cast<double>(total) / static_cast<double>(last - first) * 100.0;
}

}  // namespace

std::vector<RoundTrip> ComputeRoundTrips(const RunRecord& record) {
  std::vector<RoundTrip> out;
  std::map<std::uint32_t, OpenTrip> trips;
  std::map<std::uint32_t, Qty> positions;
  for (const FillRecord& f : record.fills) {
    if (!f.qty.IsPositive()) continue;
    Qty& pos = positions[f.instrument.value];
    OpenTrip& t = trips[f.instrument.value];
    const Qty before = pos;
    const Qty after = f.position_after;
    pos = after;
    const double fee = f.fee.ToDouble();
    const int sb = Sign(before);
    const int sa = Sign(after);
    if (sb == 0) {
      // Leaves flat (a fill from flat to flat, which cannot happen, is ignored).
      if (sa != 0) Start(t, f, f.qty, fee);
      t.gross += f.realized;
      continue;
    }
    if (!t.open) {
      // Defensive: a position the fills did not open from flat (a record
      // whose position_after does not add up). Start the trip here.
      Start(t, f, sb > 0 ? before : -before, 0.0);
      t.trip.side = sb > 0 ? Side::kBuy : Side::kSell;
    }
    if (sa == sb) {
      if (AbsQty(after) > AbsQty(before)) t.entry += f.price * f.qty;  // adds
      t.trip.qty = std::max(t.trip.qty, AbsQty(after));
      t.gross += f.realized;
      t.fees += fee;
      continue;
    }
    // Reaches flat (sa == 0) or flips (sa == -sb): the part up to flat closes
    // the trip, the rest (the new position) opens the next one; the fee is
    // split by qty.
    const Qty close_qty = sb > 0 ? before : -before;
    const Qty open_qty = sa > 0 ? after : -after;
    const double close_fee = sa == 0 ? fee : fee * close_qty.ToDouble() / (close_qty.ToDouble() + open_qty.ToDouble());
    t.gross += f.realized;
    t.fees += close_fee;
    Finish(t, f.ts, out);
    if (sa != 0) Start(t, f, open_qty, fee - close_fee);
  }
  return out;
}

double EquityPeriodsPerYear(Duration every) noexcept {
  if (every <= Duration::Zero()) return std::numeric_limits<double>::quiet_NaN();
  constexpr double kYearNanos = 365.0 * 24.0 * 3600.0 * 1e9;
  return kYearNanos / static_cast<double>(every.nanos());
}

double SharpeRatio(const std::vector<double>& returns, double periods_per_year) {
  const std::size_t n = returns.size();
  if (n < 2) return kNan;
  const double mean = Mean(returns);
  double ss = 0.0;
  for (double r : returns) ss += (r - mean) * (r - mean);
  const double sd = std::sqrt(ss / static_cast<double>(n - 1));
  if (!(sd > 0.0)) return kNan;
  return mean / sd * std::sqrt(periods_per_year);
}

double SortinoRatio(const std::vector<double>& returns, double periods_per_year) {
  const std::size_t n = returns.size();
  if (n < 2) return kNan;
  const double mean = Mean(returns);
  double ss = 0.0;
  for (double r : returns) {
    const double d = std::min(r, 0.0);
    ss += d * d;
  }
  const double dd = std::sqrt(ss / static_cast<double>(n));
  if (!(dd > 0.0)) return kNan;
  return mean / dd * std::sqrt(periods_per_year);
}

double Quantile(std::vector<double> values, double q) {
  std::erase_if(values, [](double v) { return std::isnan(v); });
  if (values.empty()) return kNan;
  std::sort(values.begin(), values.end());
  q = std::isnan(q) ? 0.0 : std::clamp(q, 0.0, 1.0);
  auto rank = static_cast<std::size_t>(std::ceil(q * static_cast<double>(values.size())));
  rank = std::clamp<std::size_t>(rank, 1, values.size());
  return values[rank - 1];
}

std::vector<HistogramBin> MakeHistogram(const std::vector<double>& values, int bins) {
  std::vector<HistogramBin> out;
  if (bins <= 0) return out;
  double lo = 0.0;
  double hi = 0.0;
  std::size_t n = 0;
  for (double v : values) {
    if (!std::isfinite(v)) continue;
    lo = n == 0 ? v : std::min(lo, v);
    hi = n == 0 ? v : std::max(hi, v);
    ++n;
  }
  if (n == 0) return out;
  if (lo == hi) {
    out.push_back({lo, hi, n});
    return out;
  }
  const double width = (hi - lo) / bins;
  out.resize(static_cast<std::size_t>(bins));
  for (int i = 0; i < bins; ++i) {
    out[static_cast<std::size_t>(i)].lo = lo + width * i;
    out[static_cast<std::size_t>(i)].hi = i + 1 == bins ? hi : lo + width * (i + 1);
  }
  for (double v : values) {
    if (!std::isfinite(v)) continue;
    auto i = static_cast<std::size_t>(std::clamp(std::floor((v - lo) / width), 0.0, bins - 1.0));
    // Agree with the printed edges despite rounding.
    while (i + 1 < out.size() && v >= out[i + 1].lo) ++i;
    while (i > 0 && v < out[i].lo) --i;
    ++out[i].count;
  }
  return out;
}

BootstrapCi BootstrapMeanDiff(const std::vector<double>& a, const std::vector<double>& b, int iterations,
                              std::uint64_t seed) {
  BootstrapCi ci;
  ci.n_a = a.size();
  ci.n_b = b.size();
  ci.mean_a = Mean(a);
  ci.mean_b = Mean(b);
  ci.diff = ci.mean_b - ci.mean_a;
  if (a.empty() || b.empty() || iterations <= 0) {
    ci.lo = ci.hi = kNan;
    return ci;
  }
  std::mt19937_64 gen(seed);
  // Index = draw mod n: the same on every standard library (the bias is
  // below n / 2^64).
  auto resample_mean = [&gen](const std::vector<double>& v) {
    double sum = 0.0;
    const auto n = static_cast<std::uint64_t>(v.size());
    for (std::size_t i = 0; i < v.size(); ++i) sum += v[static_cast<std::size_t>(gen() % n)];
    return sum / static_cast<double>(n);
  };
  std::vector<double> diffs;
  diffs.reserve(static_cast<std::size_t>(iterations));
  for (int i = 0; i < iterations; ++i) {
    const double ma = resample_mean(a);
    const double mb = resample_mean(b);
    diffs.push_back(mb - ma);
  }
  ci.lo = Quantile(diffs, 0.025);
  ci.hi = Quantile(diffs, 0.975);
  return ci;
}

ReportStats ComputeStats(const RunRecord& record) {
  ReportStats s;
  const std::vector<RoundTrip> trips = ComputeRoundTrips(record);

  // PnL and return.
  s.starting_balance = record.starting_balance;
  if (!record.equity.empty()) {
    const EquityRecord& e = record.equity.back();
    s.final_equity = e.equity;
    s.gross_pnl = e.realized_pnl + e.unrealized_pnl;
    s.fees = e.fees;
  } else {
    s.final_equity = record.starting_balance;
    Notional realized;
    Notional fees;
    for (const FillRecord& f : record.fills) {
      realized += f.realized;
      fees += f.fee;
    }
    s.gross_pnl = realized.ToDouble();
    s.fees = fees.ToDouble();
  }
  s.net_pnl = s.final_equity - s.starting_balance;
  s.return_pct = s.starting_balance > 0.0 ? s.net_pnl / s.starting_balance * 100.0 : kNan;
  std::vector<double> returns;
  for (std::size_t i = 1; i < record.equity.size(); ++i) {
    const double prev = record.equity[i - 1].equity;
    if (prev <= 0.0) continue;
    returns.push_back(record.equity[i].equity / prev - 1.0);
  }
  s.equity_returns = returns.size();
  s.periods_per_year = EquityPeriodsPerYear(record.equity_every);
  s.sharpe = SharpeRatio(returns, s.periods_per_year);
  s.sortino = SortinoRatio(returns, s.periods_per_year);
  s.max_drawdown = record.max_drawdown;
  s.max_drawdown_pct = record.max_drawdown_fraction * 100.0;

  // Fills and trips.
  s.fills = record.fills.size();
  s.round_trips = trips.size();
  std::vector<double> bps;
  bps.reserve(trips.size());
  std::size_t wins = 0;
  double won = 0.0;
  double lost = 0.0;
  bool any_loss = false;
  for (const RoundTrip& t : trips) {
    bps.push_back(t.net_bps);
    if (t.net_pnl > 0.0) {
      ++wins;
      won += t.net_pnl;
    } else if (t.net_pnl < 0.0) {
      any_loss = true;
      lost += t.net_pnl;
    }
  }
  if (trips.empty()) {
    s.win_rate = s.avg_trade_bps = s.median_trade_bps = s.profit_factor = kNan;
  } else {
    s.win_rate = static_cast<double>(wins) / static_cast<double>(trips.size());
    s.avg_trade_bps = Mean(bps);
    s.median_trade_bps = Quantile(bps, 0.5);
    s.profit_factor = any_loss ? won / std::fabs(lost) : kNan;
  }
  s.exposure_pct = ExposurePct(record);
  Notional turnover;
  Qty maker_qty;
  Qty filled_qty;
  for (const FillRecord& f : record.fills) {
    turnover += f.price * f.qty;
    filled_qty += f.qty;
    if (f.liquidity == LiquiditySide::kMaker) maker_qty += f.qty;
  }
  s.turnover = turnover.ToDouble();
  s.turnover_x = s.starting_balance > 0.0 ? s.turnover / s.starting_balance : kNan;

  // Execution.
  const ExecutionMetrics& x = record.exec;
  s.maker_share = filled_qty.IsPositive() ? maker_qty.ToDouble() / filled_qty.ToDouble() : kNan;
  s.maker_attempts = x.maker_attempts;
  s.maker_fill_rate = x.maker_attempts ? x.maker_fill_rate() : kNan;
  std::vector<double> slippage;
  double taker_error = 0.0;
  for (const ExecFillRecord& f : x.fills) {
    if (f.arrival_mid > 0.0) slippage.push_back(f.slippage_bps);
    if (f.liquidity == LiquiditySide::kTaker) {
      ++s.taker_fills_predicted;
      taker_error += f.predicted_bps - f.realised_bps;
    }
  }
  s.slippage_mean_bps = slippage.empty() ? kNan : x.MeanSlippageBps();
  s.slippage_median_bps = Quantile(slippage, 0.5);
  s.slippage_p95_bps = Quantile(slippage, 0.95);
  s.predicted_minus_realised_bps = Ratio(taker_error, static_cast<double>(s.taker_fills_predicted));
  s.ttl_ms = FromHistogramNs(x.ttl_ns);
  s.signal_to_order_ms = FromHistogramNs(x.signal_to_order_ns);
  s.order_to_fill_ms = FromHistogramNs(x.order_to_fill_ns);
  s.requests = x.requests;
  s.child_orders = x.child_orders;
  s.reposts = x.reposts;

  // Signals and risk.
  s.signals = record.signals.size();
  for (const SignalRecord& sig : record.signals) {
    if (sig.approved) {
      ++s.signals_approved;
    } else {
      ++s.signals_denied;
    }
  }
  s.signal_denials = record.signal_denials;
  s.order_denials = record.order_denials;
  s.risk_state_changes = record.risk_transitions.size();
  s.final_risk_state = record.final_risk_state;

  // Run.
  s.events = record.events;
  s.span_seconds = (record.last_event - record.first_event).ToSecondsDouble();
  s.wall_seconds = record.wall_seconds;
  s.events_per_second = record.wall_seconds > 0.0 ? static_cast<double>(record.events) / record.wall_seconds : kNan;
  s.bus = record.bus;

  // Distributions.
  s.slippage_histogram = MakeHistogram(slippage, 20);
  for (int i = 0; i < LatencyHistogram::kBuckets; ++i) {
    const std::uint64_t n = x.ttl_ns.bucket_count(i);
    if (n == 0) continue;
    const double lo = i == 0 ? 0.0 : static_cast<double>(LatencyHistogram::UpperBound(i - 1)) + 1.0;
    const double hi = static_cast<double>(LatencyHistogram::UpperBound(i)) + 1.0;
    s.ttl_histogram.push_back({lo / kNanosPerMilli, hi / kNanosPerMilli, n});
  }
  return s;
}

std::vector<NamedFigure> Figures(const ReportStats& s, bool include_wall) {
  auto u = [](std::uint64_t v) { return static_cast<double>(v); };
  std::vector<NamedFigure> f = {
      // pnl
      {"starting_balance", s.starting_balance, 0, 2},
      {"final_equity", s.final_equity, 1, 2},
      {"net_pnl", s.net_pnl, 1, 2},
      {"return_pct", s.return_pct, 1, 3},
      {"gross_pnl", s.gross_pnl, 1, 2},
      {"fees", s.fees, -1, 2},
      {"sharpe", s.sharpe, 1, 2},
      {"sortino", s.sortino, 1, 2},
      {"equity_returns", u(s.equity_returns), 0, 0},
      {"max_drawdown", s.max_drawdown, -1, 2},
      {"max_drawdown_pct", s.max_drawdown_pct, -1, 3},
      // trades
      {"fills", u(s.fills), 0, 0},
      {"round_trips", u(s.round_trips), 0, 0},
      {"win_rate", s.win_rate, 1, 3},
      {"avg_trade_bps", s.avg_trade_bps, 1, 2},
      {"median_trade_bps", s.median_trade_bps, 1, 2},
      {"profit_factor", s.profit_factor, 1, 2},
      {"exposure_pct", s.exposure_pct, 0, 2},
      {"turnover", s.turnover, 0, 2},
      {"turnover_x", s.turnover_x, 0, 2},
      // execution
      {"maker_share", s.maker_share, 1, 3},
      {"maker_fill_rate", s.maker_fill_rate, 1, 3},
      {"maker_attempts", u(s.maker_attempts), 0, 0},
      {"slippage_mean_bps", s.slippage_mean_bps, -1, 2},
      {"slippage_median_bps", s.slippage_median_bps, -1, 2},
      {"slippage_p95_bps", s.slippage_p95_bps, -1, 2},
      {"predicted_minus_realised_bps", s.predicted_minus_realised_bps, 0, 2},
      {"taker_fills_predicted", u(s.taker_fills_predicted), 0, 0},
      {"requests", u(s.requests), 0, 0},
      {"child_orders", u(s.child_orders), 0, 0},
      {"reposts", u(s.reposts), 0, 0},
  };
  auto percentiles = [&f, &u](const std::string& key, const Percentiles& p, int better) {
    f.push_back({key + ".p50", p.p50, better, 3});
    f.push_back({key + ".p95", p.p95, better, 3});
    f.push_back({key + ".p99", p.p99, better, 3});
    f.push_back({key + ".count", u(p.count), 0, 0});
  };
  // latency
  percentiles("ttl_ms", s.ttl_ms, 0);
  percentiles("signal_to_order_ms", s.signal_to_order_ms, -1);
  percentiles("order_to_fill_ms", s.order_to_fill_ms, -1);
  // signals and risk
  f.push_back({"signals", u(s.signals), 0, 0});
  f.push_back({"signals_approved", u(s.signals_approved), 0, 0});
  f.push_back({"signals_denied", u(s.signals_denied), 0, 0});
  f.push_back({"risk_state_changes", u(s.risk_state_changes), -1, 0});
  // bus
  f.push_back({"bus.fast_path_dispatched", u(s.bus.fast_path_dispatched), 0, 0});
  f.push_back({"bus.queued_dispatched", u(s.bus.queued_dispatched), 0, 0});
  f.push_back({"bus.events_processed", u(s.bus.events_processed), 0, 0});
  f.push_back({"bus.queued_published", u(s.bus.queued_published), 0, 0});
  f.push_back({"bus.queue_high_water", u(s.bus.queue_high_water), 0, 0});
  f.push_back({"bus.overflows", u(s.bus.overflows), -1, 0});
  f.push_back({"bus.depth_exceeded", u(s.bus.depth_exceeded), -1, 0});
  // events
  f.push_back({"events", u(s.events), 0, 0});
  f.push_back({"span_seconds", s.span_seconds, 0, 3});
  if (include_wall) {
    f.push_back({"wall_seconds", s.wall_seconds, -1, 3});
    f.push_back({"events_per_second", s.events_per_second, 1, 0});
  }
  return f;
}

}  // namespace hean
