#include "apps/hean/sim_cmd.h"

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "apps/hean/instrument_options.h"
#include "hean/config/config.h"
#include "hean/core/clock.h"
#include "hean/core/log.h"
#include "hean/data/replay.h"
#include "hean/data/source.h"
#include "hean/engine/quoting_loop.h"
#include "hean/engine/sim_runner.h"
#include "hean/model/instrument.h"
#include "hean/risk/risk_config.h"
#include "hean/sim/fee_model.h"
#include "hean/sim/latency_model.h"
#include "hean/sim/queue_model.h"
#include "hean/sim/sim_exchange.h"

namespace hean::app {
namespace {

struct SimOptions {
  std::vector<std::string> files;
  InstrumentOptions instrument;
  std::string qty = "0.01";
  std::int64_t offset_ticks = 0;
  std::int64_t requote_ticks = 2;
  std::string max_position;
  std::string order_latency = "lognormal:800us,0.5,200us";
  std::string response_latency = "lognormal:600us,0.5,150us";
  std::string md_latency = "recorded";
  std::string queue = "proportional";
  std::int64_t protection_bps = 100;
  std::uint64_t seed = 1;
  std::size_t fills_shown = 20;
  std::string fills_csv;
  std::string balance = "100000";
  std::string risk_config;
  std::vector<std::string> kill_at;
  std::string log_level = "warn";
};

void Err(const std::string& s) { std::fprintf(stderr, "hean sim: %s\n", s.c_str()); }

template <class T>
bool ParseOpt(const std::string& text, const char* option, T* out) {
  auto r = T::Parse(text);
  if (!r.ok()) {
    Err(DecimalErrorStatus(r.error(), option, text).ToString());
    return false;
  }
  *out = *r;
  return true;
}

int Run(const SimOptions& o) {
  auto made = MakeInstrument(o.instrument);
  if (!made.ok()) {
    Err(made.error().ToString());
    return 2;
  }
  Instrument inst = std::move(*made);
  QuotingLoopOptions lo;
  if (!ParseOpt(o.qty, "--qty", &lo.qty)) return 2;
  if (!o.max_position.empty() && !ParseOpt(o.max_position, "--max-position", &lo.max_position)) return 2;
  lo.offset_ticks = o.offset_ticks;
  lo.requote_ticks = o.requote_ticks;
  Notional balance;
  if (!ParseOpt(o.balance, "--balance", &balance)) return 2;
  RiskConfig risk;
  if (!o.risk_config.empty()) {
    auto c = Config::Load(o.risk_config);
    if (!c.ok()) {
      Err(c.error().ToString());
      return 2;
    }
    if (Status s = LoadRiskConfig(*c, risk); !s.ok()) {
      Err(s.ToString());
      return 2;
    }
    if (Status s = c->CheckUnknown(); !s.ok()) {
      Err(s.ToString() + " (a --risk-config file holds only the [risk] table)");
      return 2;
    }
  }
  std::vector<Duration> kill_at;
  for (const std::string& k : o.kill_at) {
    auto d = ParseDuration(k);
    if (!d || *d < Duration()) {
      Err("--kill-at \"" + k + "\": expected a time after the first market event such as 90s, 2m or 1500ms");
      return 2;
    }
    kill_at.push_back(*d);
  }
  std::sort(kill_at.begin(), kill_at.end());
  std::optional<LogLevel> level = ParseLogLevel(o.log_level);
  if (!level) {
    Err("--log-level \"" + o.log_level + "\": expected trace, debug, info, warn, error or off");
    return 2;
  }
  StderrLogSink log_sink;
  if (o.protection_bps < 1 || o.protection_bps > 10'000) {
    Err("--protection-bps must be within 1..10000");
    return 2;
  }

  DataInstruments names;
  SourceOptions so;
  so.instruments = &names;
  std::vector<std::unique_ptr<EventSource>> sources;
  for (const std::string& f : o.files) {
    auto s = OpenSource(f, so);
    if (!s.ok()) {
      Err(s.error().ToString());
      return 1;
    }
    sources.push_back(std::move(*s));
  }
  // The venue decides how the exchange rebuilds the book (sequence rules).
  if (inst.venue == Venue::kUnknown) {
    for (const auto& e : names.all()) {
      if (e.symbol == inst.symbol) inst.venue = e.venue;
    }
    if (inst.venue == Venue::kUnknown) {
      Err("cannot tell the venue of " + inst.symbol + " from the files: give --venue bybit or --venue binance");
      return 2;
    }
  }
  InstrumentRegistry registry;
  auto id = registry.Add(inst);
  if (!id.ok()) {
    Err(id.error().ToString());
    return 2;
  }
  const Instrument& instrument = registry.Get(*id);
  if (Status s = lo.Validate(instrument); !s.ok()) {
    Err(s.ToString());
    return 2;
  }

  auto order_latency = MakeLatencyModel(o.order_latency, o.seed);
  auto response_latency = MakeLatencyModel(o.response_latency, o.seed + 1);
  std::unique_ptr<LatencyModel> md_latency;
  for (auto* r : {&order_latency, &response_latency}) {
    if (!r->ok()) {
      Err(r->error().ToString());
      return 2;
    }
  }
  if (o.md_latency != "recorded") {
    auto m = MakeLatencyModel(o.md_latency, o.seed + 2);
    if (!m.ok()) {
      Err(m.error().ToString());
      return 2;
    }
    md_latency = std::move(*m);
  }
  auto queue = MakeQueueModel(o.queue);
  if (!queue.ok()) {
    Err(queue.error().ToString());
    return 2;
  }
  InstrumentFees fees;
  SimExchangeOptions xo;
  xo.market_protection_bps = o.protection_bps;

  struct Forward final : OrderEventSink {
    OrderEventSink* to = nullptr;
    void OnOrderEvent(const Event& e) override { to->OnOrderEvent(e); }
  } forward;
  SimClock clock;
  SimExchange exchange(registry, clock, forward, **order_latency, **response_latency, **queue, fees, xo);
  QuotingLoop loop(clock, exchange, registry, instrument, lo, balance, risk, Logger(&log_sink, *level));
  forward.to = &loop;
  // The kill switch fires at the first market event the loop sees at or
  // after each --kill-at time (measured from the first one).
  std::optional<UnixNanos> first_local;
  std::size_t next_kill = 0;
  SimRunner runner(clock, exchange, md_latency.get(), [&](const Event& e) {
    if (!first_local) first_local = clock.Now();
    while (next_kill < kill_at.size() && clock.Now() >= *first_local + kill_at[next_kill]) {
      std::printf("     kill switch at %s after the first market event\n", kill_at[next_kill].ToString().c_str());
      loop.KillSwitch("--kill-at " + kill_at[next_kill].ToString());
      ++next_kill;
    }
    loop.OnMarketData(e);
  });

  std::printf("sim: %s on %s, quoting %s at %lld ticks off the touch\n", o.instrument.symbol.c_str(),
              std::string(ToString(instrument.venue)).c_str(), instrument.FormatQty(lo.qty).c_str(),
              static_cast<long long>(lo.offset_ticks));
  std::printf("     order latency %s, response latency %s, market data %s, queue %s, seed %llu\n",
              (*order_latency)->Describe().c_str(), (*response_latency)->Describe().c_str(),
              md_latency ? md_latency->Describe().c_str() : "recorded", std::string((*queue)->name()).c_str(),
              static_cast<unsigned long long>(o.seed));
  Replay replay(std::move(sources));
  Event e;
  std::uint64_t fed = 0;
  InstrumentId data_id;  // the symbol's id in the files, once seen
  while (replay.Next(&e)) {
    const InstrumentId from = EventInstrument(e);
    if (!from.valid()) continue;
    if (!data_id.valid()) {
      if (names.Get(from).symbol != o.instrument.symbol) continue;
      data_id = from;
    }
    if (from != data_id || !RetargetMarketEvent(e, instrument.id)) continue;
    if (Status s = runner.Feed(e); !s.ok()) {
      Err(s.ToString());
      return 1;
    }
    ++fed;
  }
  if (!replay.status().ok()) {
    Err(replay.status().ToString());
    return 1;
  }
  if (Status s = runner.Finish(); !s.ok()) {
    Err(s.ToString());
    return 1;
  }
  if (fed == 0) {
    Err("no market data for " + o.instrument.symbol + " in the files");
    return 1;
  }
  std::printf("     %llu market events\n", static_cast<unsigned long long>(fed));
  std::fputs(FormatQuotingReport(loop, exchange.stats(), instrument, o.fills_shown).c_str(), stdout);
  if (!o.fills_csv.empty()) {
    std::ofstream out(o.fills_csv);
    out << "ts_exchange_ns,ts_local_ns,order,side,liquidity,price,qty,fee\n";
    for (const FillReport& f : loop.fills()) {
      out << f.ts_event.nanos() << ',' << f.ts_recv.nanos() << ',' << f.client_order_id.view() << ','
          << ToString(f.side) << ',' << ToString(f.liquidity) << ',' << instrument.FormatPrice(f.last_price) << ','
          << instrument.FormatQty(f.last_qty) << ',' << f.fee.ToString() << '\n';
    }
    if (!out.good()) {
      Err("cannot write " + o.fills_csv);
      return 1;
    }
    std::printf("fills written to %s\n", o.fills_csv.c_str());
  }
  return 0;
}

}  // namespace

void AddSimCommand(CLI::App& app, int* exit_code) {
  static SimOptions o;
  auto* sim = app.add_subcommand(
      "sim",
      "Replay recorded data through the simulated exchange with a reference quoting loop; print fills, "
      "fees, PnL and queue statistics");
  sim->add_option("files", o.files, "recorded market data (any format HEAN reads), merged by receive time")->required();
  AddInstrumentOptions(sim, o.instrument);
  sim->add_option("--qty", o.qty, "qty of each quote (default 0.01)");
  sim->add_option("--offset-ticks", o.offset_ticks, "quote this many ticks off the touch (default 0)");
  sim->add_option("--requote-ticks", o.requote_ticks, "move a quote when its target is this far (default 2)");
  sim->add_option("--max-position", o.max_position, "largest |position| (default 5 x qty)");
  sim->add_option("--order-latency", o.order_latency,
                  "order entry latency: constant:1ms, normal:<mean>,<sd>[,<floor>], "
                  "lognormal:<median>,<sigma>[,<floor>], empirical:<quantile file>");
  sim->add_option("--response-latency", o.response_latency, "answer latency (same forms)");
  sim->add_option("--md-latency", o.md_latency, "market data latency: recorded (the files' receive times) or a model");
  sim->add_option("--queue", o.queue, "queue model: proportional (default), pessimistic, optimistic");
  sim->add_option("--protection-bps", o.protection_bps, "market order protection in bps (default 100)");
  sim->add_option("--seed", o.seed, "seed of the random latency models (default 1)");
  sim->add_option("--balance", o.balance, "starting balance in USDT (default 100000)");
  sim->add_option("--show-fills", o.fills_shown, "fill lines to print (default 20)");
  sim->add_option("--fills-csv", o.fills_csv, "write every fill to this CSV file");
  sim->add_option("--risk-config", o.risk_config,
                  "TOML file with a [risk] table: the risk governor's limits (docs/RISK.md; default: its defaults)");
  sim->add_option("--kill-at", o.kill_at,
                  "press the kill switch this long after the first market event (e.g. 90s); may be repeated");
  sim->add_option("--log-level", o.log_level, "risk governor log: trace, debug, info, warn (default), error, off");
  sim->callback([exit_code] { *exit_code = Run(o); });
}

}  // namespace hean::app
