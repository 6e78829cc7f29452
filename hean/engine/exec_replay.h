// ExecReplay: the execution router, behind the risk governor, in front of
// the simulated exchange, on recorded market data, with a fixed schedule of
// parent requests: the same requests for every execution mode, so modes can
// be compared on the same data (`hean exec`, the integration test).
//
// Requests: from `first_after` after the first market event, one every
// `every`, alternating buy and sell (starting with `first_side`) so that
// the position stays near flat, each of `qty` with `urgency`, until
// `quiet_tail` before the last event of the data (so every request can end
// before the data does). They are made at the first market event the
// engine sees at or after each scheduled time, through RiskGovernor::Approve
// and then ExecutionRouter::Execute, exactly as a strategy's would be.
//
// Not thread-safe: one run on one thread.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "hean/core/status.h"
#include "hean/core/time.h"
#include "hean/exec/exec_config.h"
#include "hean/exec/exec_metrics.h"
#include "hean/exec/volume_profile.h"
#include "hean/model/events.h"
#include "hean/model/instrument.h"
#include "hean/risk/risk_config.h"
#include "hean/risk/risk_governor.h"
#include "hean/sim/sim_exchange.h"

namespace hean {

struct ExecReplayOptions {
  std::vector<std::string> files;  // recorded market data, any format HEAN reads
  Instrument instrument;           // symbol, tick, lot, fees; venue kUnknown: as the files say
  ExecConfig exec;
  RiskConfig risk;
  Notional balance = Notional::FromInt(100'000);
  Qty qty;  // per request
  Urgency urgency = Urgency::kNormal;
  Side first_side = Side::kBuy;
  Duration every = Duration::Seconds(10);
  Duration first_after = Duration::Seconds(5);
  Duration quiet_tail = Duration::Seconds(10);
  std::string order_latency = "constant:1ms";
  std::string response_latency = "constant:1ms";
  std::string queue = "proportional";
  std::uint64_t seed = 1;
  std::string candles;  // optional 1-minute candles for the VWAP profile
};

struct ExecReplayResult {
  ExecMode mode = ExecMode::kAdaptiveTtl;
  std::uint64_t market_events = 0;
  std::uint64_t requests = 0;         // parents made
  std::uint64_t requests_denied = 0;  // parents the governor denied
  ExecutionMetrics metrics;
  SimStats sim;
  RiskCounters risk;
  double final_position = 0.0;
  double realized_pnl = 0.0;
  std::uint64_t unfinished = 0;  // requests still working when the data ended
};

// Builds a VWAP volume profile from a file of 1-minute candles or trades
// (any format HEAN reads). Errors: the file cannot be read (file and line),
// or it has no candles or trades.
[[nodiscard]] Status LoadVolumeProfile(const std::string& path, VolumeProfile& profile);

// Errors: options that do not validate, files that cannot be read, no
// market data for the symbol (each message names what and where).
Result<ExecReplayResult, Status> RunExecReplay(const ExecReplayOptions& options);

// A table of the results side by side: requests, fill rate, maker share,
// maker fill rate, slippage vs arrival (mean, p50, p95), fees, re-posts,
// TTL, latencies, predicted vs realised slippage.
std::string FormatExecComparison(const std::vector<ExecReplayResult>& results);

}  // namespace hean
