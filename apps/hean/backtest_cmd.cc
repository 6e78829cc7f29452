#include "apps/hean/backtest_cmd.h"

#include <fmt/format.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "hean/engine/backtest.h"
#include "hean/report/ab.h"
#include "hean/report/report_stats.h"
#include "hean/report/report_writer.h"

extern char** environ;

namespace hean::app {
namespace {

namespace fs = std::filesystem;

struct RunOptions {
  std::string config;
  std::vector<std::string> data;
  std::vector<std::string> set;
  std::string out;
  std::int64_t seed = -1;
  bool quiet = false;
  int loops = 1;
};

void Err(std::string_view cmd, const std::string& s) {
  std::fprintf(stderr, "hean %.*s: %s\n", static_cast<int>(cmd.size()), cmd.data(), s.c_str());
}

// --data and --seed become overrides, so the effective config says what ran.
Status ApplyCommandLine(const RunOptions& o, std::vector<std::string>& overrides) {
  overrides = o.set;
  if (o.seed >= 0) overrides.push_back(fmt::format("run.seed={}", o.seed));
  if (!o.data.empty()) {
    std::string arr = "[";
    for (const std::string& d : o.data) {
      const std::string abs = fs::absolute(d).lexically_normal().string();
      if (abs.find('\'') != std::string::npos) {
        return Status(StatusCode::kInvalidArgument, "--data " + d + ": a path with a ' cannot be used");
      }
      if (arr.size() > 1) arr.append(", ");
      arr.append("'").append(abs).append("'");
    }
    arr.append("]");
    overrides.push_back("run.data=" + arr);
  }
  return Status::Ok();
}

std::string DefaultOutDir(const std::string& name) {
  const std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y%m%d-%H%M%S", &tm);
  std::string safe;
  for (char c : name) safe.push_back(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' ? c : '_');
  return (fs::path("runs") / (std::string(buf) + "-" + safe)).string();
}

std::string Thousands(std::uint64_t v) {
  const std::string digits = std::to_string(v);
  std::string s;
  s.reserve(digits.size() + digits.size() / 3);
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) s.push_back(',');
    s.push_back(digits[i]);
  }
  return s;
}

// The progress display: a bar redrawn in place on a terminal, a plain line
// every 10% (or 10 s) otherwise.
class Progress {
 public:
  Progress(bool quiet, std::string label)
      : quiet_(quiet), tty_(isatty(fileno(stderr)) != 0), label_(std::move(label)) {}
  bool wants_span() const noexcept { return !quiet_; }
  void operator()(const BacktestProgress& p) {
    if (quiet_) return;
    double share = -1.0;
    if (p.last_event > p.first_event) {
      share = std::clamp(static_cast<double>((p.now - p.first_event).nanos()) /
                             static_cast<double>((p.last_event - p.first_event).nanos()),
                         0.0, 1.0);
    }
    const double rate = p.wall_seconds > 0 ? static_cast<double>(p.events) / p.wall_seconds : 0.0;
    std::string eta = "-";
    if (share > 0.0 && share < 1.0) eta = fmt::format("{:.0f}s", p.wall_seconds * (1.0 - share) / share);
    if (share >= 1.0) eta = "0s";
    if (tty_) {
      constexpr int kWidth = 30;
      const int filled = share < 0 ? 0 : static_cast<int>(share * kWidth);
      std::string bar(static_cast<std::size_t>(filled), '#');
      bar.append(static_cast<std::size_t>(kWidth - filled), '.');
      std::fprintf(stderr, "\r%s [%s] %5.1f%%  %s events  %s  %.2f M ev/s  ETA %s   ", label_.c_str(), bar.c_str(),
                   share < 0 ? 0.0 : share * 100.0, Thousands(p.events).c_str(), p.now.ToIso8601().c_str(), rate / 1e6,
                   eta.c_str());
      drawn_ = true;
      return;
    }
    const bool step = share >= 0 ? share >= next_share_ : p.wall_seconds >= next_wall_;
    if (!step && p.now != p.last_event) return;
    next_share_ = std::floor(share * 10.0 + 1.0) / 10.0;
    next_wall_ = p.wall_seconds + 10.0;
    std::fprintf(stderr, "%s: %s events, %.0f%% of the span, sim time %s, %.2f M events/s, ETA %s\n", label_.c_str(),
                 Thousands(p.events).c_str(), share < 0 ? 0.0 : share * 100.0, p.now.ToIso8601().c_str(), rate / 1e6,
                 eta.c_str());
  }
  void Done() {
    if (drawn_) std::fputc('\n', stderr);
    drawn_ = false;
  }

 private:
  bool quiet_;
  bool tty_;
  std::string label_;
  bool drawn_ = false;
  double next_share_ = 0.1;
  double next_wall_ = 10.0;
};

struct Completed {
  BacktestConfig config;
  RunRecord record;
  ReportStats stats;
  std::string dir;
};

// Loads, runs, writes the report and the effective config into `dir`.
Result<Completed, Status> RunOne(std::string_view cmd, const RunOptions& o, const std::string& dir_or_empty,
                                 const std::string& label) {
  std::vector<std::string> overrides;
  if (Status s = ApplyCommandLine(o, overrides); !s.ok()) return s;
  Completed c;
  std::string effective;
  if (Status s = LoadBacktestFile(o.config, overrides, c.config, &effective); !s.ok()) return s;
  c.dir = dir_or_empty.empty() ? DefaultOutDir(c.config.name) : dir_or_empty;
  Progress progress(o.quiet, label.empty() ? std::string(cmd) : label);
  BacktestOptions bo;
  bo.scan_span = progress.wants_span();
  bo.loops = o.loops;
  if (!o.quiet) bo.progress = [&progress](const BacktestProgress& p) { progress(p); };
  auto record = RunBacktest(c.config, bo);
  progress.Done();
  if (!record.ok()) return record.error();
  c.record = std::move(*record);
  c.stats = ComputeStats(c.record);
  if (Status s = WriteRunReport(c.dir, c.record, c.stats); !s.ok()) return s;
  if (Status s = WriteTextFile((fs::path(c.dir) / "config.toml").string(), effective); !s.ok()) return s;
  return c;
}

std::string Num(double v, int decimals) {
  return std::isnan(v) ? std::string("-") : fmt::format("{:.{}f}", v, decimals);
}

void PrintSummary(const Completed& c) {
  const ReportStats& s = c.stats;
  std::printf("backtest %s: %s events, %.0f s of data in %.2f s (%.2f M events/s)\n", c.record.name.c_str(),
              Thousands(c.record.events).c_str(), s.span_seconds, s.wall_seconds, s.events_per_second / 1e6);
  std::printf("  net PnL %s USDT (%s%%), fees %s, max drawdown %s USDT (%s%%)\n", Num(s.net_pnl, 2).c_str(),
              Num(s.return_pct, 4).c_str(), Num(s.fees, 2).c_str(), Num(s.max_drawdown, 2).c_str(),
              Num(s.max_drawdown_pct, 3).c_str());
  std::printf(
      "  signals %llu (approved %llu, denied %llu), fills %llu (maker share %s%%), round trips %llu, win rate %s%%\n",
      static_cast<unsigned long long>(s.signals), static_cast<unsigned long long>(s.signals_approved),
      static_cast<unsigned long long>(s.signals_denied), static_cast<unsigned long long>(s.fills),
      Num(s.maker_share * 100.0, 1).c_str(), static_cast<unsigned long long>(s.round_trips),
      Num(s.win_rate * 100.0, 1).c_str());
  std::printf("  slippage vs arrival mean %s bps, Sharpe %s, Sortino %s, execution %s\n",
              Num(s.slippage_mean_bps, 3).c_str(), Num(s.sharpe, 2).c_str(), Num(s.sortino, 2).c_str(),
              c.record.exec_mode.c_str());
  std::printf("  report: %s\n", (fs::path(c.dir) / "report.html").string().c_str());
}

int RunBacktestCmd(const RunOptions& o) {
  auto c = RunOne("backtest", o, o.out, "backtest");
  if (!c.ok()) {
    Err("backtest", c.error().ToString());
    return 1;
  }
  PrintSummary(*c);
  return 0;
}

int RunConfigCheck(const std::string& path, const std::vector<std::string>& set, bool print) {
  BacktestConfig cfg;
  std::string effective;
  if (Status s = LoadBacktestFile(path, set, cfg, &effective); !s.ok()) {
    Err("config check", s.ToString());
    return 1;
  }
  if (Status s = CheckBacktestInputs(cfg); !s.ok()) {
    Err("config check", s.ToString());
    return 1;
  }
  if (print) {
    std::fputs(effective.c_str(), stdout);
  } else {
    std::printf("%s: ok (%zu instruments, %zu data files, execution %s)\n", path.c_str(), cfg.instruments.size(),
                cfg.data.size(), std::string(ExecModeName(cfg.exec.mode)).c_str());
  }
  return 0;
}

struct AbOptions {
  RunOptions a, b;
  int iterations = 10'000;
};

int RunAb(const AbOptions& o, const std::string& out_opt) {
  const std::string la = fs::path(o.a.config).stem().string();
  std::string lb = fs::path(o.b.config).stem().string();
  if (lb == la) lb += "-b";
  const std::string out = out_opt.empty() ? DefaultOutDir("ab-" + la + "-vs-" + lb) : out_opt;
  auto a = RunOne("ab", o.a, (fs::path(out) / "a").string(), "A " + la);
  if (!a.ok()) {
    Err("ab", "A (" + o.a.config + "): " + a.error().ToString());
    return 1;
  }
  auto b = RunOne("ab", o.b, (fs::path(out) / "b").string(), "B " + lb);
  if (!b.ok()) {
    Err("ab", "B (" + o.b.config + "): " + b.error().ToString());
    return 1;
  }
  if (a->config.DataPaths() != b->config.DataPaths()) {
    std::fprintf(stderr, "hean ab: warning: A and B read different data files\n");
  }
  if (a->config.seed != b->config.seed) std::fprintf(stderr, "hean ab: warning: A and B have different seeds\n");
  const AbComparison cmp = CompareRuns(la, a->record, a->stats, lb, b->record, b->stats, o.iterations, a->config.seed);
  const std::string table = FormatAbTable(cmp);
  std::fputs(table.c_str(), stdout);
  for (const auto& [name, text] : {std::pair<const char*, std::string>{"ab.csv", AbCsv(cmp)},
                                   std::pair<const char*, std::string>{"ab.json", AbJson(cmp)},
                                   std::pair<const char*, std::string>{"ab.txt", table}}) {
    if (Status s = WriteTextFile((fs::path(out) / name).string(), text); !s.ok()) {
      Err("ab", s.ToString());
      return 1;
    }
  }
  std::printf("\nreports: %s and %s\ncomparison: %s\n", (fs::path(a->dir) / "report.html").string().c_str(),
              (fs::path(b->dir) / "report.html").string().c_str(), (fs::path(out) / "ab.csv").string().c_str());
  return 0;
}

// ------------------------------------------------------------------ sweep

struct SweepOptions {
  RunOptions base;
  std::vector<std::string> grid;
  int jobs = 1;
  std::string metric = "net_pnl";
};

struct GridAxis {
  std::string key;
  std::vector<std::string> values;
};

// Flattens the numeric leaves of report.json into "a.b" -> value.
void Flatten(const nlohmann::json& j, const std::string& prefix, std::map<std::string, double>& out) {
  if (j.is_object()) {
    for (auto it = j.begin(); it != j.end(); ++it) {
      Flatten(it.value(), prefix.empty() ? it.key() : prefix + "." + it.key(), out);
    }
  } else if (j.is_number()) {
    out[prefix] = j.get<double>();
  } else if (j.is_null()) {
    out[prefix] = std::nan("");
  }
}

// The value of `metric` in a flattened report: an exact dotted key, or the
// only key whose last part is `metric`.
std::optional<double> FindMetric(const std::map<std::string, double>& m, const std::string& metric,
                                 std::string* full_key) {
  if (auto it = m.find(metric); it != m.end()) {
    *full_key = it->first;
    return it->second;
  }
  std::optional<double> found;
  for (const auto& [k, v] : m) {
    const std::size_t dot = k.rfind('.');
    if ((dot == std::string::npos ? k : k.substr(dot + 1)) == metric) {
      if (found) return std::nullopt;  // ambiguous
      found = v;
      *full_key = k;
    }
  }
  return found;
}

std::string CsvField(const std::string& s) {
  if (s.find_first_of(",\"\n") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out.push_back('"');
    out.push_back(c);
  }
  out.push_back('"');
  return out;
}

int RunSweep(const SweepOptions& o, const std::string& self) {
  std::vector<GridAxis> axes;
  for (const std::string& g : o.grid) {
    const std::size_t eq = g.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 >= g.size()) {
      Err("sweep", "--grid " + g + ": expected key=v1,v2,...");
      return 2;
    }
    GridAxis a;
    a.key = g.substr(0, eq);
    std::stringstream ss(g.substr(eq + 1));
    for (std::string v; std::getline(ss, v, ',');) {
      if (v.empty()) {
        Err("sweep", "--grid " + g + ": an empty value");
        return 2;
      }
      a.values.push_back(v);
    }
    axes.push_back(std::move(a));
  }
  if (axes.empty()) {
    Err("sweep", "give at least one --grid key=v1,v2,...");
    return 2;
  }
  if (o.jobs < 1) {
    Err("sweep", "--jobs must be at least 1");
    return 2;
  }
  // The metric must name a figure before anything runs: every report.json
  // has the figures of an empty run's (the counts of denials by reason,
  // under signals.denials. and risk.order_denials., appear only when there
  // are some).
  {
    const RunRecord empty;
    std::map<std::string, double> figures;
    Flatten(nlohmann::json::parse(ReportJson(empty, ComputeStats(empty))), "", figures);
    std::erase_if(figures, [](const auto& kv) { return kv.first.rfind("wall.", 0) == 0; });
    std::string full;
    const bool by_reason = o.metric.rfind("signals.denials.", 0) == 0 || o.metric.rfind("risk.order_denials.", 0) == 0;
    if (!FindMetric(figures, o.metric, &full) && !by_reason) {
      Err("sweep", "--metric " + o.metric + ": not a figure of report.json (or ambiguous); e.g. net_pnl, sharpe");
      return 2;
    }
  }
  // Every combination's config must load before anything runs.
  std::vector<std::vector<std::string>> combos(1);
  for (const GridAxis& a : axes) {
    std::vector<std::vector<std::string>> next;
    for (const auto& c : combos) {
      for (const std::string& v : a.values) {
        auto n = c;
        n.push_back(a.key + "=" + v);
        next.push_back(std::move(n));
      }
    }
    combos = std::move(next);
  }
  std::vector<std::string> base_over;
  if (Status s = ApplyCommandLine(o.base, base_over); !s.ok()) {
    Err("sweep", s.ToString());
    return 2;
  }
  for (const auto& c : combos) {
    std::vector<std::string> all = base_over;
    all.insert(all.end(), c.begin(), c.end());
    BacktestConfig cfg;
    if (Status s = LoadBacktestFile(o.base.config, all, cfg); !s.ok()) {
      Err("sweep", s.ToString());
      return 2;
    }
  }
  const std::string out = o.base.out.empty() ? DefaultOutDir("sweep") : o.base.out;
  std::error_code ec;
  fs::create_directories(out, ec);
  if (ec) {
    Err("sweep", out + ": " + ec.message());
    return 1;
  }
  std::printf("sweep: %zu runs, %d at a time, into %s\n", combos.size(), o.jobs, out.c_str());

  // Separate processes: `hean backtest --quiet` per combination.
  std::vector<int> exit_codes(combos.size(), -1);
  std::map<pid_t, std::size_t> running;
  std::size_t next = 0;
  auto start = [&](std::size_t i) -> bool {
    std::vector<std::string> args = {self,
                                     "backtest",
                                     "--config",
                                     o.base.config,
                                     "--quiet",
                                     "--out",
                                     (fs::path(out) / fmt::format("run-{:03}", i + 1)).string()};
    for (const std::string& d : o.base.data) {
      args.push_back("--data");
      args.push_back(d);
    }
    if (o.base.seed >= 0) {
      args.push_back("--seed");
      args.push_back(std::to_string(o.base.seed));
    }
    for (const std::string& s : o.base.set) {
      args.push_back("--set");
      args.push_back(s);
    }
    for (const std::string& s : combos[i]) {
      args.push_back("--set");
      args.push_back(s);
    }
    std::vector<char*> argv;
    for (std::string& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    pid_t pid = 0;
    if (posix_spawn(&pid, self.c_str(), nullptr, nullptr, argv.data(), environ) != 0) return false;
    running[pid] = i;
    return true;
  };
  while (next < combos.size() || !running.empty()) {
    while (next < combos.size() && static_cast<int>(running.size()) < o.jobs) {
      if (!start(next)) {
        Err("sweep", "cannot start " + self);
        return 1;
      }
      ++next;
    }
    int status = 0;
    const pid_t pid = waitpid(-1, &status, 0);
    if (pid < 0) break;
    auto it = running.find(pid);
    if (it == running.end()) continue;
    const std::size_t i = it->second;
    running.erase(it);
    exit_codes[i] = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
    std::printf("  run-%03zu %s: %s\n", i + 1, exit_codes[i] == 0 ? "done" : "FAILED",
                [&] {
                  std::string s;
                  for (const std::string& kv : combos[i]) s.append(s.empty() ? "" : " ").append(kv);
                  return s;
                }()
                    .c_str());
    std::fflush(stdout);
  }

  // Results: every run's figures, ranked by the metric.
  struct Row {
    std::size_t i;
    std::map<std::string, double> figures;
    double metric = std::nan("");
  };
  std::vector<Row> rows;
  std::vector<std::string> keys;
  std::string metric_key = o.metric;
  int failed = 0;
  for (std::size_t i = 0; i < combos.size(); ++i) {
    if (exit_codes[i] != 0) {
      ++failed;
      continue;
    }
    const fs::path report = fs::path(out) / fmt::format("run-{:03}", i + 1) / "report.json";
    std::ifstream in(report);
    nlohmann::json j = nlohmann::json::parse(in, nullptr, false);
    if (j.is_discarded()) {
      Err("sweep", report.string() + ": not valid JSON");
      ++failed;
      continue;
    }
    Row r{i, {}, std::nan("")};
    Flatten(j, "", r.figures);
    std::erase_if(r.figures, [](const auto& kv) { return kv.first.rfind("wall.", 0) == 0; });  // wall-clock figures
    std::string full;
    if (auto m = FindMetric(r.figures, o.metric, &full)) {
      r.metric = *m;
      metric_key = full;
    }
    if (keys.empty()) {
      for (const auto& [k, v] : r.figures) keys.push_back(k);
    }
    rows.push_back(std::move(r));
  }
  if (!rows.empty() && rows.front().figures.count(metric_key) == 0) {
    Err("sweep", "--metric " + o.metric + ": not a figure of report.json (or ambiguous); e.g. net_pnl, sharpe");
    return 2;
  }
  // Lower is better for costs and drawdowns; higher otherwise.
  const bool lower_better =
      metric_key.find("drawdown") != std::string::npos || metric_key.find("slippage") != std::string::npos ||
      metric_key.find("fees") != std::string::npos || metric_key.find("latency") != std::string::npos;
  std::stable_sort(rows.begin(), rows.end(), [&](const Row& x, const Row& y) {
    if (std::isnan(x.metric)) return false;
    if (std::isnan(y.metric)) return true;
    return lower_better ? x.metric < y.metric : x.metric > y.metric;
  });
  std::string csv = "rank,run";
  for (const GridAxis& a : axes) csv.append(",").append(CsvField(a.key));
  for (const std::string& k : keys) csv.append(",").append(CsvField(k));
  csv.push_back('\n');
  std::printf("\nranking by %s (%s is better):\n", metric_key.c_str(), lower_better ? "lower" : "higher");
  std::printf("%-5s %-8s", "rank", "run");
  for (const GridAxis& a : axes) std::printf(" %-24s", a.key.c_str());
  std::printf(" %s\n", metric_key.c_str());
  int rank = 0;
  for (const Row& r : rows) {
    ++rank;
    csv.append(std::to_string(rank)).append(",").append(fmt::format("run-{:03}", r.i + 1));
    std::printf("%-5d run-%03zu ", rank, r.i + 1);
    for (std::size_t a = 0; a < axes.size(); ++a) {
      const std::string& kv = combos[r.i][a];
      const std::string v = kv.substr(kv.find('=') + 1);
      csv.append(",").append(CsvField(v));
      std::printf(" %-24s", v.c_str());
    }
    for (const std::string& k : keys) {
      auto it = r.figures.find(k);
      csv.append(",");
      if (it != r.figures.end() && !std::isnan(it->second)) csv.append(fmt::format("{:.10g}", it->second));
    }
    csv.push_back('\n');
    std::printf(" %s\n", Num(r.metric, 4).c_str());
  }
  if (Status s = WriteTextFile((fs::path(out) / "sweep.csv").string(), csv); !s.ok()) {
    Err("sweep", s.ToString());
    return 1;
  }
  std::printf("\nresults: %s\n", (fs::path(out) / "sweep.csv").string().c_str());
  if (failed > 0) {
    Err("sweep", fmt::format("{} of {} runs failed (their output is in their run directory)", failed, combos.size()));
    return 1;
  }
  return 0;
}

void AddRunOptions(CLI::App* cmd, RunOptions& o, bool config_required) {
  auto* c = cmd->add_option("--config", o.config, "the run's TOML config (docs/CONFIG.md)");
  if (config_required) c->required();
  cmd->add_option("--data", o.data, "market data files instead of run.data (paths from the current directory)");
  cmd->add_option("--seed", o.seed, "seed instead of run.seed (>= 0)")->check(CLI::NonNegativeNumber);
  cmd->add_option("--set", o.set, "override one config key: --set risk.risk_per_trade=0.02 (repeatable)");
  cmd->add_flag("--quiet", o.quiet, "no progress display");
}

}  // namespace

void AddBacktestCommands(CLI::App& app, int* exit_code) {
  static RunOptions run;
  auto* bt = app.add_subcommand(
      "backtest",
      "Run a backtest: recorded data -> books -> analytics -> ImpulseEngine -> risk governor -> execution router -> "
      "simulated exchange -> portfolio; write report.json, CSV files and report.html");
  AddRunOptions(bt, run, true);
  bt->add_option("--out", run.out, "output directory (default runs/<UTC time>-<run.name>)");
  bt->add_option("--loops", run.loops,
                 "replay the data this many times back to back, shifted in time (a long run from a short file: "
                 "benchmarks)");
  bt->callback([exit_code] { *exit_code = RunBacktestCmd(run); });

  static std::string check_path;
  static std::vector<std::string> check_set;
  static bool check_print = false;
  auto* config = app.add_subcommand("config", "Work with run configs");
  config->require_subcommand(1);
  auto* check = config->add_subcommand(
      "check", "Validate a backtest config without running it: every key and type, the data files, the model specs");
  check->add_option("file", check_path, "the TOML config")->required();
  check->add_option("--set", check_set, "override one key first (repeatable)");
  check->add_flag("--print", check_print, "print the effective config (every default filled in)");
  check->callback([exit_code] { *exit_code = RunConfigCheck(check_path, check_set, check_print); });

  static AbOptions ab;
  static std::string ab_out;
  static std::vector<std::string> ab_data, ab_set;
  static std::int64_t ab_seed = -1;
  static bool ab_quiet = false;
  auto* abc = app.add_subcommand(
      "ab", "Run two configs on the same data and seed; print every figure side by side with bootstrap 95% intervals");
  abc->add_option("--a", ab.a.config, "config A")->required();
  abc->add_option("--b", ab.b.config, "config B")->required();
  abc->add_option("--data", ab_data, "market data files for both instead of run.data");
  abc->add_option("--seed", ab_seed, "seed for both (and the bootstrap) instead of run.seed (>= 0)")
      ->check(CLI::NonNegativeNumber);
  abc->add_option("--set", ab_set, "override one key in both configs (repeatable)");
  abc->add_option("--iterations", ab.iterations, "bootstrap resamples (default 10000)");
  abc->add_option("--out", ab_out, "output directory (default runs/<UTC time>-ab-A-vs-B): a/, b/, ab.csv, ab.json");
  abc->add_flag("--quiet", ab_quiet, "no progress display");
  abc->callback([exit_code] {
    for (RunOptions* r : {&ab.a, &ab.b}) {
      r->data = ab_data;
      r->seed = ab_seed;
      r->set = ab_set;
      r->quiet = ab_quiet;
    }
    *exit_code = RunAb(ab, ab_out);
  });

  static SweepOptions sweep;
  auto* sw = app.add_subcommand(
      "sweep", "Run a config over the cartesian product of --grid values, as separate processes; rank the results");
  AddRunOptions(sw, sweep.base, true);
  sw->add_option("--grid", sweep.grid, "key=v1,v2,... (repeatable; the product of all grids runs)")->required();
  sw->add_option("--jobs", sweep.jobs, "runs at a time (default 1)");
  sw->add_option("--metric", sweep.metric, "report.json figure to rank by (default net_pnl)");
  sw->add_option("--out", sweep.base.out, "output directory (default runs/<UTC time>-sweep): run-NNN/, sweep.csv");
  sw->callback([exit_code] {
    std::error_code ec;
    const fs::path self = fs::read_symlink("/proc/self/exe", ec);
    if (ec) {
      Err("sweep", "cannot find the hean executable: " + ec.message());
      *exit_code = 1;
      return;
    }
    *exit_code = RunSweep(sweep, self.string());
  });
}

}  // namespace hean::app
