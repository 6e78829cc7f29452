#include "apps/hean/exec_cmd.h"

#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "apps/hean/instrument_options.h"
#include "hean/config/config.h"
#include "hean/core/time.h"
#include "hean/engine/exec_replay.h"
#include "hean/exec/exec_config.h"
#include "hean/risk/risk_config.h"

namespace hean::app {
namespace {

struct ExecOptions {
  std::vector<std::string> files;
  InstrumentOptions instrument;
  std::string config;
  std::string modes = "all";
  std::string qty = "0.01";
  std::string urgency = "normal";
  std::string every = "10s";
  std::string first_after = "5s";
  std::string quiet_tail = "10s";
  std::string order_latency = "constant:1ms";
  std::string response_latency = "constant:1ms";
  std::string queue = "proportional";
  std::string candles;
  std::string fills_csv;
  std::uint64_t seed = 1;
};

void Err(const std::string& s) { std::fprintf(stderr, "hean exec: %s\n", s.c_str()); }

bool ParseDur(const std::string& text, const char* option, Duration* out) {
  auto d = ParseDuration(text);
  if (!d || *d < Duration()) {
    Err(std::string(option) + " \"" + text + "\": expected a duration such as 10s, 250ms or 2m");
    return false;
  }
  *out = *d;
  return true;
}

int Run(const ExecOptions& o) {
  auto inst = MakeInstrument(o.instrument);
  if (!inst.ok()) {
    Err(inst.error().ToString());
    return 2;
  }
  ExecReplayOptions ro;
  ro.files = o.files;
  ro.instrument = *inst;
  if (!o.config.empty()) {
    auto c = Config::Load(o.config);
    if (!c.ok()) {
      Err(c.error().ToString());
      return 2;
    }
    if (Status s = LoadExecConfig(*c, ro.exec); !s.ok()) {
      Err(s.ToString());
      return 2;
    }
    if (Status s = LoadRiskConfig(*c, ro.risk); !s.ok()) {
      Err(s.ToString());
      return 2;
    }
    if (Status s = c->CheckUnknown(); !s.ok()) {
      Err(s.ToString() + " (an --config file for `hean exec` holds [execution] and [risk] tables)");
      return 2;
    }
  }
  auto qty = Qty::Parse(o.qty);
  if (!qty.ok()) {
    Err(DecimalErrorStatus(qty.error(), "--qty", o.qty).ToString());
    return 2;
  }
  ro.qty = *qty;
  if (o.urgency == "passive") {
    ro.urgency = Urgency::kPassive;
  } else if (o.urgency == "normal") {
    ro.urgency = Urgency::kNormal;
  } else if (o.urgency == "aggressive") {
    ro.urgency = Urgency::kAggressive;
  } else {
    Err("--urgency \"" + o.urgency + "\": expected passive, normal or aggressive");
    return 2;
  }
  if (!ParseDur(o.every, "--every", &ro.every) || !ParseDur(o.first_after, "--first-after", &ro.first_after) ||
      !ParseDur(o.quiet_tail, "--quiet-tail", &ro.quiet_tail)) {
    return 2;
  }
  if (ro.every <= Duration()) {
    Err("--every must be positive");
    return 2;
  }
  ro.order_latency = o.order_latency;
  ro.response_latency = o.response_latency;
  ro.queue = o.queue;
  ro.seed = o.seed;
  ro.candles = o.candles;

  std::vector<ExecMode> modes;
  if (o.modes == "all") {
    modes = {ExecMode::kFixedTtl, ExecMode::kAdaptiveTtl, ExecMode::kTakerOnly};
  } else {
    std::string rest = o.modes;
    while (!rest.empty()) {
      const auto comma = rest.find(',');
      const std::string one = rest.substr(0, comma);
      rest = comma == std::string::npos ? std::string() : rest.substr(comma + 1);
      auto m = ParseExecMode(one);
      if (!m.ok()) {
        Err("--mode: " + m.error().message());
        return 2;
      }
      modes.push_back(*m);
    }
  }

  std::vector<ExecReplayResult> results;
  for (ExecMode m : modes) {
    ExecReplayOptions run = ro;
    run.exec.mode = m;
    auto r = RunExecReplay(run);
    if (!r.ok()) {
      Err(r.error().ToString());
      return 1;
    }
    results.push_back(std::move(*r));
  }
  std::printf(
      "exec: %s, %llu market events; a %s %s request every %s from %s after the first event, alternating "
      "sides; order latency %s, answers %s, queue %s\n\n",
      o.instrument.symbol.c_str(), static_cast<unsigned long long>(results.front().market_events), o.urgency.c_str(),
      o.qty.c_str(), o.every.c_str(), o.first_after.c_str(), o.order_latency.c_str(), o.response_latency.c_str(),
      o.queue.c_str());
  std::fputs(FormatExecComparison(results).c_str(), stdout);
  if (!o.fills_csv.empty()) {
    std::ofstream out(o.fills_csv);
    out << "mode,ts_ns,request,side,liquidity,price,qty,fee,arrival_mid,slippage_bps,predicted_bps,realised_bps,"
           "order_to_fill_ns\n";
    for (const ExecReplayResult& r : results) {
      for (const ExecFillRecord& f : r.metrics.fills) {
        out << ExecModeName(r.mode) << ',' << f.ts.nanos() << ',' << f.work_id << ',' << ToString(f.side) << ','
            << ToString(f.liquidity) << ',' << f.price << ',' << f.qty << ',' << f.fee << ',' << f.arrival_mid << ','
            << f.slippage_bps << ',' << f.predicted_bps << ',' << f.realised_bps << ',' << f.order_to_fill.nanos()
            << '\n';
      }
    }
    if (!out.good()) {
      Err("cannot write " + o.fills_csv);
      return 1;
    }
    std::printf("\nfills written to %s\n", o.fills_csv.c_str());
  }
  return 0;
}

}  // namespace

void AddExecCommand(CLI::App& app, int* exit_code) {
  static ExecOptions o;
  auto* cmd = app.add_subcommand(
      "exec",
      "Compare the execution router's modes (fixed_ttl, adaptive_ttl, taker_only) on recorded data: the same "
      "requests through the risk governor, the router and the simulated exchange; print fill rate, slippage and fees");
  cmd->add_option("files", o.files, "recorded market data (any format HEAN reads), merged by receive time")->required();
  AddInstrumentOptions(cmd, o.instrument);
  cmd->add_option("--config", o.config,
                  "TOML with [execution] (docs/EXECUTION.md) and [risk] (docs/RISK.md) tables; default: defaults");
  cmd->add_option("--mode", o.modes, "all (default), or a comma list of fixed_ttl, adaptive_ttl, taker_only");
  cmd->add_option("--qty", o.qty, "qty of each request (default 0.01)");
  cmd->add_option("--urgency", o.urgency, "passive, normal (default) or aggressive");
  cmd->add_option("--every", o.every, "one request this often (default 10s)");
  cmd->add_option("--first-after", o.first_after, "the first request this long after the first event (default 5s)");
  cmd->add_option("--quiet-tail", o.quiet_tail, "no new request this close to the end of the data (default 10s)");
  cmd->add_option("--order-latency", o.order_latency, "order entry latency model (default constant:1ms; see hean sim)");
  cmd->add_option("--response-latency", o.response_latency, "answer latency model (default constant:1ms)");
  cmd->add_option("--queue", o.queue, "queue model: proportional (default), pessimistic, optimistic");
  cmd->add_option("--candles", o.candles, "1-minute candles for the VWAP volume profile (execution.algo = vwap)");
  cmd->add_option("--fills-csv", o.fills_csv, "write every fill of every mode to this CSV file");
  cmd->add_option("--seed", o.seed, "seed of random latency models (default 1)");
  cmd->callback([exit_code] { *exit_code = Run(o); });
}

}  // namespace hean::app
