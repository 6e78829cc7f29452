#include "hean/report/ab.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <limits>
#include <nlohmann/json.hpp>
#include <string_view>
#include <utility>

namespace hean {

namespace {

using Json = nlohmann::ordered_json;

constexpr double kNan = std::numeric_limits<double>::quiet_NaN();

Json Num(double v) { return std::isfinite(v) ? Json(v) : Json(nullptr); }

std::vector<double> TradeBps(const RunRecord& r) {
  std::vector<double> v;
  for (const RoundTrip& t : ComputeRoundTrips(r)) {
    if (std::isfinite(t.net_bps)) v.push_back(t.net_bps);
  }
  return v;
}

// Per-fill slippage vs arrival, the fills ComputeStats counts (a known
// arrival mid).
std::vector<double> SlippageBps(const RunRecord& r) {
  std::vector<double> v;
  for (const ExecFillRecord& f : r.exec.fills) {
    if (f.arrival_mid > 0.0) v.push_back(f.slippage_bps);
  }
  return v;
}

std::string Fixed(double v, int decimals) {
  if (!std::isfinite(v)) return "-";
  std::string s = fmt::format("{:.{}f}", v, std::max(decimals, 0));
  // No "-0.00": a value that rounds to zero prints without a sign.
  if (s[0] == '-' && s.find_first_not_of("-0.") == std::string::npos) return s.substr(1);
  return s;
}

std::string Signed(double v, int decimals) {
  std::string s = Fixed(v, decimals);
  if (s != "-" && s[0] != '-' && s.find_first_not_of("0.") != std::string::npos) s = "+" + s;
  return s;
}

std::string Dbl(double v) { return std::isfinite(v) ? fmt::format("{:.10g}", v) : std::string(); }

// One sentence on an interval.
std::string Sentence(std::string_view what, const BootstrapCi& ci, std::string_view note) {
  if (ci.n_a < 2 || ci.n_b < 2) {
    return fmt::format("{}: too few samples to compare (n={} vs {}; at least 2 a side are needed)\n", what, ci.n_a,
                       ci.n_b);
  }
  return fmt::format("{}: B - A = {} bps, 95% CI [{}, {}] (n={} vs {}): {} at 95%{}\n", what, Signed(ci.diff, 2),
                     Fixed(ci.lo, 2), Fixed(ci.hi, 2), ci.n_a, ci.n_b,
                     ci.significant() ? "significant" : "not significant", note);
}

Json CiJson(const BootstrapCi& ci) {
  Json j = Json::object();
  j["mean_a"] = Num(ci.mean_a);
  j["mean_b"] = Num(ci.mean_b);
  j["diff"] = Num(ci.diff);
  j["lo"] = Num(ci.lo);
  j["hi"] = Num(ci.hi);
  j["n_a"] = ci.n_a;
  j["n_b"] = ci.n_b;
  j["significant"] = ci.significant();
  return j;
}

void CiCsv(std::string& out, std::string_view name, const BootstrapCi& ci) {
  out += fmt::format("{}.mean,{},{},{}\n", name, Dbl(ci.mean_a), Dbl(ci.mean_b), Dbl(ci.diff));
  out += fmt::format("{}.ci95_lo,,,{}\n", name, Dbl(ci.lo));
  out += fmt::format("{}.ci95_hi,,,{}\n", name, Dbl(ci.hi));
  out += fmt::format("{}.n,{},{},\n", name, ci.n_a, ci.n_b);
  out += fmt::format("{}.significant,,,{}\n", name, ci.significant() ? 1 : 0);
}

}  // namespace

AbComparison CompareRuns(const std::string& label_a, const RunRecord& a, const ReportStats& sa,
                         const std::string& label_b, const RunRecord& b, const ReportStats& sb, int iterations,
                         std::uint64_t seed) {
  AbComparison c;
  c.label_a = label_a;
  c.label_b = label_b;
  c.iterations = iterations;
  c.seed = seed;
  const std::vector<NamedFigure> fa = Figures(sa, false);
  const std::vector<NamedFigure> fb = Figures(sb, false);
  auto find = [](const std::vector<NamedFigure>& v, const std::string& key) -> const NamedFigure* {
    for (const NamedFigure& f : v) {
      if (f.key == key) return &f;
    }
    return nullptr;
  };
  for (const NamedFigure& x : fa) {
    const NamedFigure* y = find(fb, x.key);
    const double bv = y != nullptr ? y->value : kNan;
    c.rows.push_back({x.key, x.value, bv, bv - x.value, x.better, x.decimals});
  }
  for (const NamedFigure& y : fb) {
    if (find(fa, y.key) == nullptr) c.rows.push_back({y.key, kNan, y.value, kNan, y.better, y.decimals});
  }
  c.trade_pnl_bps = BootstrapMeanDiff(TradeBps(a), TradeBps(b), iterations, seed);
  c.slippage_bps = BootstrapMeanDiff(SlippageBps(a), SlippageBps(b), iterations, seed);
  return c;
}

std::string FormatAbTable(const AbComparison& c) {
  std::vector<std::array<std::string, 5>> cells;
  cells.push_back({"figure", "A: " + c.label_a, "B: " + c.label_b, "B - A", ""});
  for (const AbRow& r : c.rows) {
    // Whether B is better, by the figure's direction (when the difference
    // shows at the printed precision).
    std::string verdict;
    const std::string diff = Signed(r.diff, r.decimals);
    if (r.better != 0 && (diff[0] == '+' || diff[0] == '-') && diff != "-") {
      verdict = ((diff[0] == '+') == (r.better > 0)) ? "B better" : "B worse";
    }
    cells.push_back({r.key, Fixed(r.a, r.decimals), Fixed(r.b, r.decimals), diff, verdict});
  }
  std::array<std::size_t, 5> width{};
  for (const auto& row : cells) {
    for (std::size_t i = 0; i < row.size(); ++i) width[i] = std::max(width[i], row[i].size());
  }
  std::string out;
  for (std::size_t k = 0; k < cells.size(); ++k) {
    const auto& row = cells[k];
    // The key left-aligned, the numbers right-aligned.
    std::string line = fmt::format("{:<{}}", row[0], width[0]);
    for (std::size_t i = 1; i + 1 < row.size(); ++i) line += fmt::format("  {:>{}}", row[i], width[i]);
    if (!row.back().empty()) line += "  " + row.back();
    out += line;
    out += '\n';
    if (k == 0) {
      std::size_t total = width[0];
      for (std::size_t i = 1; i < width.size(); ++i) total += width[i] > 0 ? 2 + width[i] : 0;
      out += std::string(total, '-') + '\n';
    }
  }
  out += '\n';
  out += fmt::format("Bootstrap 95% intervals ({} resamples, seed {}):\n", c.iterations, c.seed);
  out += Sentence("per-trade PnL", c.trade_pnl_bps, "");
  out += Sentence("slippage vs arrival", c.slippage_bps, " (lower is better)");
  return out;
}

std::string AbCsv(const AbComparison& c) {
  std::string out = "key,a,b,diff\n";
  for (const AbRow& r : c.rows) out += fmt::format("{},{},{},{}\n", r.key, Dbl(r.a), Dbl(r.b), Dbl(r.diff));
  CiCsv(out, "trade_pnl_bps", c.trade_pnl_bps);
  CiCsv(out, "slippage_bps", c.slippage_bps);
  return out;
}

std::string AbJson(const AbComparison& c) {
  Json root = Json::object();
  root["label_a"] = c.label_a;
  root["label_b"] = c.label_b;
  root["iterations"] = c.iterations;
  root["seed"] = c.seed;
  Json rows = Json::array();
  for (const AbRow& r : c.rows) {
    Json j = Json::object();
    j["key"] = r.key;
    j["a"] = Num(r.a);
    j["b"] = Num(r.b);
    j["diff"] = Num(r.diff);
    j["better"] = r.better;
    rows.push_back(std::move(j));
  }
  root["rows"] = std::move(rows);
  root["trade_pnl_bps"] = CiJson(c.trade_pnl_bps);
  root["slippage_bps"] = CiJson(c.slippage_bps);
  return root.dump(2) + "\n";
}

}  // namespace hean
