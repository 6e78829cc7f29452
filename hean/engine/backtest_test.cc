// The backtest runner (hean/engine/backtest.h) end to end:
//   * the run config: unknown keys, wrong types, missing or bad instrument
//     fields, bad model specs, relative data paths, the effective config
//     (defaults filled in, loads back to itself) and --set overrides;
//   * the demo (config/demo.toml on the bundled 8-minute BTCUSDT + ETHUSDT
//     capture): invariants that tie signals, orders, fills, positions,
//     round trips and equity together, so that a wiring mistake (a fill
//     booked twice, an exit that never fires, an order past the governor's
//     limits) fails here;
//   * determinism (every report file byte for byte but the "wall" object),
//     seeds of a random latency model, data errors, looped replays.
//
// Tests marked "Regression" found bugs that are now fixed; the one marked
// "KNOWN BUG, NOT FIXED" is disabled (it fails until the governor's sizing
// leaves room for the router's re-pricing; see the comment above it).
#include "hean/engine/backtest.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "hean/report/html_report.h"
#include "hean/report/report_stats.h"
#include "hean/report/report_writer.h"

namespace hean {
namespace {

std::string Repo() { return HEAN_SOURCE_DIR; }
std::string DemoPath() { return Repo() + "/config/demo.toml"; }
std::string Capture(const std::string& name) { return Repo() + "/testdata/binance-usdm-2024-07-18/" + name; }

// A minimal valid config (data paths are not opened by the loader).
constexpr const char* kMinimal = R"([run]
data = ["a.gz"]

[instruments.BTCUSDT]
venue = "binance"
tick = 0.1
lot = 0.001
)";

Status LoadText(const std::string& text, BacktestConfig& out, const std::string& base = "/base",
                std::string* effective = nullptr, const std::vector<std::pair<std::string, std::string>>& set = {}) {
  out = BacktestConfig{};  // LoadBacktestConfig starts from what `out` holds
  auto c = Config::Parse(text, "t.toml");
  if (!c.ok()) return c.error();
  for (const auto& [k, v] : set) {
    if (Status s = c->Override(k, v); !s.ok()) return s;
  }
  Status s = LoadBacktestConfig(*c, base, out);
  if (effective != nullptr) *effective = c->EffectiveToml();
  return s;
}

// Asserts an error whose message contains every one of `parts`.
void ExpectError(const Status& s, std::initializer_list<const char*> parts) {
  ASSERT_FALSE(s.ok()) << "expected an error containing " << *parts.begin();
  for (const char* p : parts) {
    EXPECT_NE(s.message().find(p), std::string::npos) << s.message() << "\n  lacks: " << p;
  }
}

// ------------------------------------------------------------------ config

TEST(BacktestConfigLoad, MinimalConfigLoadsWithDefaults) {
  BacktestConfig cfg;
  ASSERT_TRUE(LoadText(kMinimal, cfg).ok());
  ASSERT_EQ(cfg.instruments.size(), 1u);
  EXPECT_EQ(cfg.instruments[0].symbol, "BTCUSDT");
  EXPECT_EQ(cfg.instruments[0].venue, Venue::kBinance);
  EXPECT_EQ(cfg.instruments[0].tick_size, *Price::Parse("0.1"));
  EXPECT_EQ(cfg.instruments[0].lot_size, *Qty::Parse("0.001"));
  EXPECT_EQ(cfg.instruments[0].min_qty, cfg.instruments[0].lot_size);  // defaults to the lot
  EXPECT_EQ(cfg.seed, 1u);
  EXPECT_EQ(cfg.balance, 100'000.0);
  EXPECT_EQ(cfg.sim.market_data_latency, "recorded");
  EXPECT_EQ(cfg.report.equity_every, Duration::Minutes(1));
  EXPECT_EQ(cfg.source, "t.toml");
}

TEST(BacktestConfigLoad, UnknownKeyNamesTheKeyAndLine) {
  BacktestConfig cfg;
  // Line 10 of the text: the typo.
  ExpectError(LoadText(std::string(kMinimal) + "\n[risk]\nmax_ordr_notional = 5000\n", cfg),
              {"t.toml:10", "risk.max_ordr_notional"});
  ExpectError(LoadText(std::string(kMinimal) + "colour = \"red\"\n", cfg), {"t.toml:8", "instruments.BTCUSDT.colour"});
  ExpectError(LoadText(std::string(kMinimal) + "[sim]\nqueue_model = \"x\"\n", cfg), {"t.toml:9", "sim.queue_model"});
}

TEST(BacktestConfigLoad, WrongTypeNamesKeyAndExpectedType) {
  BacktestConfig cfg;
  std::string text = kMinimal;
  text.insert(text.find("data"), "seed = \"x\"\n");  // line 2
  ExpectError(LoadText(text, cfg), {"t.toml:2", "run.seed", "expected an integer", "string"});
  ExpectError(LoadText(std::string(kMinimal) + "[execution]\nmode = 3\n", cfg),
              {"t.toml:9", "execution.mode", "expected"});
  ExpectError(LoadText(std::string(kMinimal) + "[strategy.impulse]\nlookback = 30\n", cfg),
              {"t.toml:9", "strategy.impulse.lookback"});
}

TEST(BacktestConfigLoad, InstrumentErrorsNameTheField) {
  BacktestConfig cfg;
  ExpectError(LoadText("[run]\ndata = [\"a.gz\"]\n[instruments.ETHUSDT]\nlot = 0.001\n", cfg),
              {"instruments.ETHUSDT.tick", "required"});
  ExpectError(LoadText("[run]\ndata = [\"a.gz\"]\n[instruments.ETHUSDT]\ntick = 0.01\n", cfg),
              {"instruments.ETHUSDT.lot", "required"});
  ExpectError(
      LoadText("[run]\ndata = [\"a.gz\"]\n[instruments.ETHUSDT]\nvenue = \"nyse\"\ntick = 0.01\nlot = 0.001\n", cfg),
      {"t.toml:4", "instruments.ETHUSDT.venue", "nyse"});
  ExpectError(LoadText("[run]\ndata = [\"a.gz\"]\n[instruments.ETHUSDT]\ntick = -0.01\nlot = 0.001\n", cfg),
              {"t.toml:4", "instruments.ETHUSDT.tick", "positive"});
  ExpectError(LoadText("[run]\ndata = [\"a.gz\"]\ninstruments = 3\n", cfg), {"instruments"});
  ExpectError(LoadText("[run]\ndata = [\"a.gz\"]\n", cfg), {"instruments"});
}

TEST(BacktestConfigLoad, BadModelSpecsNameTheKey) {
  BacktestConfig cfg;
  ExpectError(LoadText(std::string(kMinimal) + "[sim]\norder_latency = \"bogus\"\n", cfg),
              {"t.toml:9", "sim.order_latency"});
  ExpectError(LoadText(std::string(kMinimal) + "[sim]\nresponse_latency = \"normal:1ms\"\n", cfg),
              {"t.toml:9", "sim.response_latency"});
  ExpectError(LoadText(std::string(kMinimal) + "[sim]\nmarket_data_latency = \"constant:fast\"\n", cfg),
              {"t.toml:9", "sim.market_data_latency"});
  ExpectError(LoadText(std::string(kMinimal) + "[sim]\nqueue = \"fifo-ish\"\n", cfg), {"t.toml:9", "sim.queue"});
  // The accepted ones.
  EXPECT_TRUE(LoadText(std::string(kMinimal) + "[sim]\norder_latency = \"normal:2ms,500us,200us\"\nresponse_latency = "
                                               "\"lognormal:1ms,0.6\"\nmarket_data_latency = \"constant:3ms\"\n",
                       cfg)
                  .ok());
  EXPECT_EQ(cfg.sim.order_latency, "normal:2ms,500us,200us");
  EXPECT_EQ(cfg.sim.market_data_latency, "constant:3ms");
}

TEST(BacktestConfigLoad, ValidationErrorsNameTheKey) {
  BacktestConfig cfg;
  ExpectError(LoadText("[instruments.BTCUSDT]\ntick = 0.1\nlot = 0.001\n", cfg), {"run.data"});
  ExpectError(LoadText("[run]\ndata = []\n[instruments.BTCUSDT]\ntick = 0.1\nlot = 0.001\n", cfg), {"run.data"});
  ExpectError(LoadText(std::string(kMinimal) + "[run2]\nseed = 3\n", cfg), {"t.toml:9", "unknown key run2.seed"});
  std::string text = kMinimal;
  text.insert(text.find("data"), "seed = -4\n");
  ExpectError(LoadText(text, cfg), {"t.toml:2", "run.seed"});
  text = kMinimal;
  text.insert(text.find("data"), "balance = 0\n");
  ExpectError(LoadText(text, cfg), {"t.toml:2", "run.balance"});
  ExpectError(LoadText(std::string(kMinimal) + "[report]\nequity_every = \"0s\"\n", cfg),
              {"t.toml:9", "report.equity_every"});
  // A section's own rule, located by the key.
  ExpectError(LoadText(std::string(kMinimal) + "[strategy.impulse]\nsize_hint = 2.0\n", cfg),
              {"t.toml:9", "strategy.impulse.size_hint"});
}

TEST(BacktestConfigLoad, RelativeDataPathsResolveAgainstBaseDir) {
  BacktestConfig cfg;
  ASSERT_TRUE(LoadText("[run]\ndata = [\"a.gz\", \"../d/b.gz\", \"/abs/c.gz\"]\ncandles = \"k/c.csv\"\n"
                       "[instruments.BTCUSDT]\ntick = 0.1\nlot = 0.001\n",
                       cfg, "/base/cfg")
                  .ok());
  EXPECT_EQ(cfg.data, (std::vector<std::string>{"a.gz", "../d/b.gz", "/abs/c.gz"}));  // as given
  EXPECT_EQ(cfg.DataPaths(), (std::vector<std::string>{"/base/cfg/a.gz", "/base/d/b.gz", "/abs/c.gz"}));
  EXPECT_EQ(cfg.CandlesPath(), "/base/cfg/k/c.csv");

  // LoadBacktestFile: the file's directory.
  ASSERT_TRUE(LoadBacktestFile(DemoPath(), {}, cfg).ok());
  ASSERT_EQ(cfg.data.size(), 4u);
  EXPECT_EQ(cfg.DataPaths()[0], Capture("usdm_btcusdt_20240718.gz"));
  for (const std::string& p : cfg.DataPaths()) {
    EXPECT_TRUE(std::filesystem::exists(p)) << p;
  }
}

TEST(BacktestConfigLoad, EffectiveTomlHasDefaultsAndLoadsBackToItself) {
  BacktestConfig a;
  std::string eff;
  ASSERT_TRUE(LoadText(kMinimal, a, "/base", &eff).ok());
  // Defaults that the file does not name.
  for (const char* s : {"[execution]", "mode = \"adaptive_ttl\"", "[risk]", "max_order_notional = 10000",
                        "[strategy.impulse]", "lookback = ", "[sim]", "order_latency = \"constant:1ms\"", "[report]",
                        "equity_every = ", "seed = 1", "min_qty = 0.001"}) {
    EXPECT_NE(eff.find(s), std::string::npos) << "effective config lacks " << s << ":\n" << eff;
  }
  // Loaded again, the same effective text and the same config.
  BacktestConfig b;
  std::string eff2;
  Status s = LoadText(eff, b, "/base", &eff2);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(eff2, eff);
  // The data as absolute paths: the same files, from any directory.
  EXPECT_EQ(b.DataPaths(), a.DataPaths());
  ASSERT_EQ(b.data.size(), 1u);
  EXPECT_EQ(b.data[0], "/base/a.gz");
  BacktestConfig elsewhere;
  ASSERT_TRUE(LoadText(eff, elsewhere, "/some/other/dir").ok());
  EXPECT_EQ(elsewhere.DataPaths(), a.DataPaths());
  // Numbers as written, not at full double precision.
  EXPECT_EQ(eff.find("0.00029999999999999997"), std::string::npos);
  EXPECT_EQ(b.exec.mode, a.exec.mode);
  EXPECT_EQ(b.risk.max_order_notional, a.risk.max_order_notional);
  EXPECT_EQ(b.impulse.lookback, a.impulse.lookback);
  EXPECT_EQ(b.report.equity_every, a.report.equity_every);
  EXPECT_EQ(b.instruments[0].tick_size, a.instruments[0].tick_size);
  EXPECT_EQ(b.instruments[0].min_qty, a.instruments[0].min_qty);

  // The demo's effective config, too (every section of a real run).
  BacktestConfig d;
  ASSERT_TRUE(LoadBacktestFile(DemoPath(), {}, d, &eff).ok());
  BacktestConfig d2;
  ASSERT_TRUE(LoadText(eff, d2, d.base_dir, &eff2).ok());
  EXPECT_EQ(eff2, eff);
  EXPECT_EQ(d2.DataPaths(), d.DataPaths());
  EXPECT_EQ(d2.impulse.position_ttl, Duration::Seconds(60));
  EXPECT_EQ(d2.analytics.bars.interval, Duration::Seconds(10));
}

// Regression: the latency specs the file leaves out keep their defaults
// in the effective config (a second read of each key used to record "" over
// them, so a run's config.toml could not be run again), and an empty spec
// is an error at load time as it is at run time.
TEST(BacktestConfigLoad, EffectiveTomlKeepsDefaultLatencySpecs) {
  BacktestConfig a;
  std::string eff;
  ASSERT_TRUE(LoadText(kMinimal, a, "/base", &eff).ok());
  EXPECT_NE(eff.find("market_data_latency = \"recorded\""), std::string::npos) << eff;
  EXPECT_NE(eff.find("response_latency = \"constant:1ms\""), std::string::npos) << eff;
  BacktestConfig b;
  ASSERT_TRUE(LoadText(eff, b, "/base").ok());
  EXPECT_EQ(b.sim.market_data_latency, a.sim.market_data_latency);
  EXPECT_EQ(b.sim.order_latency, a.sim.order_latency);
  // An empty spec is not a model: the loader must say so, as the run does.
  EXPECT_FALSE(LoadText(std::string(kMinimal) + "[sim]\norder_latency = \"\"\n", b).ok());
}

TEST(BacktestConfigLoad, OverridesReplaceAndAddValues) {
  BacktestConfig cfg;
  Status s = LoadText(kMinimal, cfg, "/base", nullptr,
                      {{"risk.max_order_notional", "5000"},
                       {"execution.mode", "taker_only"},  // a bare word is a string
                       {"run.data", "[\"x.gz\", \"y.gz\"]"},
                       {"strategy.impulse.lookback", "\"20s\""},  // a table the file lacks
                       {"instruments.BTCUSDT.taker_fee", "0.0004"},
                       {"sim.order_latency", "normal:2ms,500us"}});
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(cfg.risk.max_order_notional, 5000.0);
  EXPECT_EQ(cfg.exec.mode, ExecMode::kTakerOnly);
  EXPECT_EQ(cfg.data, (std::vector<std::string>{"x.gz", "y.gz"}));
  EXPECT_EQ(cfg.impulse.lookback, Duration::Seconds(20));
  EXPECT_EQ(cfg.instruments[0].taker_fee, *Rate::Parse("0.0004"));
  EXPECT_EQ(cfg.sim.order_latency, "normal:2ms,500us");

  // An overridden key that nothing reads is still an unknown key.
  ExpectError(LoadText(kMinimal, cfg, "/base", nullptr, {{"strategy.impulse.lokback", "\"20s\""}}),
              {"unknown key strategy.impulse.lokback"});
  // A wrong type through an override is the same error as in the file.
  ExpectError(LoadText(kMinimal, cfg, "/base", nullptr, {{"run.seed", "abc"}}), {"run.seed", "expected an integer"});

  auto c = Config::Parse(kMinimal, "t.toml");
  ASSERT_TRUE(c.ok());
  ExpectError(c->Override("instruments.BTCUSDT", "1"), {"instruments.BTCUSDT", "is a table"});
  ExpectError(c->Override("instruments", "{}"), {"instruments"});
  ExpectError(c->Override("run.data.x", "1"), {"run.data is a value, not a table"});
  ExpectError(c->Override("", "1"), {"override"});
  ExpectError(c->Override("risk.x", "[1, "), {"risk.x", "not a TOML value"});
}

TEST(BacktestConfigLoad, LoadBacktestFileAppliesOverridesInOrderAndNamesTheFile) {
  BacktestConfig cfg;
  std::string eff;
  Status s =
      LoadBacktestFile(DemoPath(), {"execution.mode=fixed_ttl", "execution.mode=taker_only", "run.seed=9"}, cfg, &eff);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(cfg.exec.mode, ExecMode::kTakerOnly);  // the last one wins
  EXPECT_EQ(cfg.seed, 9u);
  EXPECT_NE(eff.find("mode = \"taker_only\""), std::string::npos);
  EXPECT_NE(eff.find("seed = 9"), std::string::npos);
  ExpectError(LoadBacktestFile(DemoPath(), {"execution.mode"}, cfg), {"execution.mode", "key=value"});
  ExpectError(LoadBacktestFile(DemoPath(), {"=3"}, cfg), {"key=value"});
  ExpectError(LoadBacktestFile(DemoPath(), {"execution.mode=sometimes"}, cfg), {"execution.mode", "sometimes"});
  ExpectError(LoadBacktestFile(DemoPath(), {"risk.max_ordr_notional=1"}, cfg),
              {"demo.toml", "unknown key risk.max_ordr_notional"});
  ExpectError(LoadBacktestFile(Repo() + "/config/no_such_config.toml", {}, cfg), {"no_such_config.toml"});
}

// ---------------------------------------------------------------- the demo

Result<RunRecord, Status> RunConfig(const std::string& path, const std::vector<std::string>& set,
                                    BacktestConfig* config_out = nullptr, const BacktestOptions& options = {}) {
  BacktestConfig cfg;
  if (Status s = LoadBacktestFile(path, set, cfg); !s.ok()) return s;
  auto r = RunBacktest(cfg, options);
  if (config_out != nullptr) *config_out = cfg;
  return r;
}

// The demo run, once per process.
struct DemoRun {
  BacktestConfig config;
  RunRecord record;
  std::string error;
};
const DemoRun& Demo() {
  static const DemoRun demo = [] {
    DemoRun d;
    auto r = RunConfig(DemoPath(), {}, &d.config);
    if (r.ok()) {
      d.record = std::move(*r);
    } else {
      d.error = r.error().ToString();
    }
    return d;
  }();
  return demo;
}

std::int64_t SignedRaw(Side side, Qty q) { return side == Side::kBuy ? q.raw() : -q.raw(); }

// The mid of `instrument` at `t`: the last price point at or before it.
std::optional<double> MidAt(const RunRecord& r, InstrumentId instrument, UnixNanos t) {
  std::optional<double> mid;
  for (const PricePoint& p : r.prices) {
    if (p.ts > t) break;
    if (p.instrument == instrument) mid = p.mid;
  }
  return mid;
}

TEST(BacktestDemo, TradesAndEveryRecordAgrees) {
  const DemoRun& d = Demo();
  ASSERT_TRUE(d.error.empty()) << d.error;
  const RunRecord& r = d.record;
  const BacktestConfig& cfg = d.config;

  // What ran.
  EXPECT_EQ(r.name, "demo");
  EXPECT_EQ(r.seed, 1u);
  EXPECT_EQ(r.exec_mode, "adaptive_ttl");
  EXPECT_EQ(r.starting_balance, 100'000.0);
  ASSERT_EQ(r.instruments.size(), 2u);
  EXPECT_EQ(r.instruments[0].symbol, "BTCUSDT");
  EXPECT_EQ(r.instruments[1].symbol, "ETHUSDT");
  EXPECT_GT(r.events, 500'000u);  // the whole capture, both instruments
  EXPECT_GT(r.last_event - r.first_event, Duration::Minutes(7));
  EXPECT_LT(r.last_event - r.first_event, Duration::Minutes(9));
  EXPECT_EQ(r.final_risk_state, "NORMAL");
  EXPECT_EQ(r.kill_switch_calls, 0u);

  // It trades: signals, approvals, orders, fills, round trips.
  ASSERT_GT(r.signals.size(), 0u);
  const auto approved = std::count_if(r.signals.begin(), r.signals.end(), [](const auto& s) { return s.approved; });
  EXPECT_GT(approved, 0);
  ASSERT_GT(r.orders.size(), 0u);
  ASSERT_GT(r.fills.size(), 0u);
  const std::vector<RoundTrip> trips = ComputeRoundTrips(r);
  ASSERT_GE(trips.size(), 1u);

  // Signals in time order, each on a traded instrument; an approval has a
  // request and a qty, a denial a reason.
  std::map<std::string, const SignalRecord*> by_request;
  for (std::size_t i = 0; i < r.signals.size(); ++i) {
    const SignalRecord& s = r.signals[i];
    SCOPED_TRACE("signal " + std::to_string(s.signal_id));
    if (i > 0) {
      EXPECT_GE(s.ts, r.signals[i - 1].ts);
    }
    EXPECT_NE(r.Instrument(s.instrument), nullptr);
    EXPECT_EQ(s.strategy, "impulse");
    if (s.approved) {
      EXPECT_FALSE(s.request_id.empty());
      EXPECT_TRUE(s.qty.IsPositive());
      EXPECT_TRUE(by_request.emplace(s.request_id, &s).second) << "request id used twice: " << s.request_id;
    } else {
      EXPECT_FALSE(s.deny_reason.empty());
    }
  }

  // Orders: each is the child of an approved signal's request, on its
  // instrument and side; exits are reduce-only, entries not; limit prices
  // within the governor's band of the mid; entries within its order
  // notional limit.
  std::map<std::string, const OrderRecord*> orders;
  std::size_t governor_orders = 0;
  for (const OrderRecord& o : r.orders) {
    SCOPED_TRACE("order " + o.client_order_id);
    EXPECT_TRUE(orders.emplace(o.client_order_id, &o).second) << "order id used twice";
    ASSERT_NE(r.Instrument(o.instrument), nullptr);
    auto sig = by_request.find(o.parent);
    if (sig != by_request.end()) {
      EXPECT_EQ(o.instrument, sig->second->instrument);
      EXPECT_EQ(o.side, sig->second->side);
      EXPECT_EQ(o.reduce_only, !sig->second->entry);
      EXPECT_LE(o.qty, sig->second->qty);
      EXPECT_GE(o.created, sig->second->ts);
    } else {
      // Else the governor's own request: a position past its TTL closed
      // (demo.toml: the strategy's 60 s, which its signals carry).
      EXPECT_EQ(o.parent.rfind("risk-", 0), 0u) << "parent " << o.parent << " is no approved request";
      EXPECT_TRUE(o.reduce_only) << "an order of the governor's own that could add to a position";
      ++governor_orders;
    }
    EXPECT_TRUE(o.qty.IsPositive());
    EXPECT_LE(o.filled, o.qty);
    EXPECT_TRUE(o.qty.IsMultipleOf(r.instruments[o.instrument.value].lot_size));
    if (o.closed.nanos() != 0) {
      EXPECT_GE(o.closed, o.created);
    }
    if (o.type == OrderType::kLimit) {
      ASSERT_TRUE(o.price.IsDefined());
      EXPECT_TRUE(o.price.IsMultipleOf(r.instruments[o.instrument.value].tick_size)) << o.price.ToString();
      const std::optional<double> mid = MidAt(r, o.instrument, o.created);
      ASSERT_TRUE(mid.has_value());
      // Price points are at most price_every (1 s) old: some slack.
      EXPECT_LE(std::abs(o.price.ToDouble() / *mid - 1.0) * 1e4, cfg.risk.price_band_bps + 20.0)
          << o.price.ToString() << " vs mid " << *mid;
      if (!o.reduce_only) {
        EXPECT_LE(o.price.ToDouble() * o.qty.ToDouble(), cfg.risk.max_order_notional + 1e-6);
      }
    }
    EXPECT_EQ(o.status == "Filled", o.filled == o.qty) << o.status;
  }
  EXPECT_LT(governor_orders, r.orders.size() / 4);

  // Fills: as many as the exchange made (none lost or booked twice), each
  // on a traded instrument and of a known order, in time order; the
  // position after each is the running sum of signed fill qty.
  EXPECT_EQ(r.fills.size(), r.sim_fills);
  EXPECT_EQ(r.fills.size(), r.exec.fills.size());
  std::map<std::uint32_t, std::int64_t> position;
  std::map<std::string, std::int64_t> filled_by_order;
  std::map<std::string, std::int64_t> fees_by_order;
  std::map<std::string, double> value_by_order;
  double fees = 0.0;
  for (std::size_t i = 0; i < r.fills.size(); ++i) {
    const FillRecord& f = r.fills[i];
    SCOPED_TRACE("fill " + std::to_string(i) + " of " + f.client_order_id);
    ASSERT_NE(r.Instrument(f.instrument), nullptr);
    if (i > 0) {
      EXPECT_GE(f.ts, r.fills[i - 1].ts);
    }
    auto o = orders.find(f.client_order_id);
    ASSERT_NE(o, orders.end()) << "a fill of an unknown order";
    EXPECT_EQ(f.instrument, o->second->instrument);
    EXPECT_EQ(f.side, o->second->side);
    EXPECT_GE(f.ts, o->second->created);
    if (o->second->closed.nanos() != 0) {
      EXPECT_LE(f.ts, o->second->closed);
    }
    EXPECT_TRUE(f.qty.IsPositive());
    EXPECT_TRUE(f.price.IsPositive());
    if (o->second->type == OrderType::kLimit) {
      // Never worse than the limit.
      if (f.side == Side::kBuy) {
        EXPECT_LE(f.price, o->second->price);
      }
      if (f.side == Side::kSell) {
        EXPECT_GE(f.price, o->second->price);
      }
    }
    EXPECT_NE(f.liquidity, LiquiditySide::kUnknown);
    position[f.instrument.value] += SignedRaw(f.side, f.qty);
    EXPECT_EQ(f.position_after.raw(), position[f.instrument.value]);
    filled_by_order[f.client_order_id] += f.qty.raw();
    fees_by_order[f.client_order_id] += f.fee.raw();
    value_by_order[f.client_order_id] += f.price.ToDouble() * f.qty.ToDouble();
    fees += f.fee.ToDouble();
  }
  // Each order's filled qty, fees and average price are its fills'.
  for (const OrderRecord& o : r.orders) {
    SCOPED_TRACE("order " + o.client_order_id);
    EXPECT_EQ(o.filled.raw(), filled_by_order[o.client_order_id]);
    EXPECT_EQ(o.fees.raw(), fees_by_order[o.client_order_id]);
    if (o.filled.IsPositive()) {
      ASSERT_TRUE(o.avg_fill_price.IsDefined());
      EXPECT_NEAR(o.avg_fill_price.ToDouble(), value_by_order[o.client_order_id] / o.filled.ToDouble(), 1e-6);
    } else {
      EXPECT_FALSE(o.avg_fill_price.IsDefined());
    }
  }
  // The final position of each instrument (the last position record) is
  // the sum of its fills.
  std::map<std::uint32_t, const PositionRecord*> last_position;
  for (std::size_t i = 0; i < r.positions.size(); ++i) {
    const PositionRecord& p = r.positions[i];
    if (i > 0) {
      EXPECT_GE(p.ts, r.positions[i - 1].ts);
    }
    last_position[p.instrument.value] = &p;
  }
  for (const auto& [inst, qty] : position) {
    ASSERT_TRUE(last_position.count(inst)) << inst;
    EXPECT_EQ(last_position[inst]->qty.raw(), qty) << r.instruments[inst].symbol;
  }
  // Both instruments traded.
  EXPECT_EQ(position.size(), 2u);

  // Round trips: each closes within the strategy's position TTL (60 s in
  // demo.toml) and some slack for the exit to fill; at least one was closed
  // by its TTL exit signal.
  ASSERT_EQ(cfg.impulse.position_ttl, Duration::Seconds(60));
  for (const RoundTrip& t : trips) {
    SCOPED_TRACE(r.instruments[t.instrument.value].symbol + " trip opened " + t.opened.ToIso8601());
    EXPECT_GT(t.closed, t.opened);
    EXPECT_LE(t.closed - t.opened, cfg.impulse.position_ttl + Duration::Seconds(10));
    EXPECT_GT(t.qty, 0.0);
  }
  EXPECT_TRUE(
      std::any_of(r.signals.begin(), r.signals.end(), [](const SignalRecord& s) { return !s.entry && s.approved; }));

  // Equity: the start, then every minute on the minute, then the end; in
  // the run; its figures add up; the last one matches the fills' fees.
  ASSERT_GE(r.equity.size(), 8u);  // 8 minutes of data
  EXPECT_EQ(r.equity.front().ts, r.first_event);
  EXPECT_EQ(r.equity.front().equity, r.starting_balance);
  const std::int64_t minute = Duration::Minutes(1).nanos();
  for (std::size_t i = 1; i < r.equity.size(); ++i) {
    SCOPED_TRACE("equity sample " + std::to_string(i) + " at " + r.equity[i].ts.ToIso8601());
    const Duration gap = r.equity[i].ts - r.equity[i - 1].ts;
    EXPECT_GT(gap, Duration::Zero());
    EXPECT_LE(gap, Duration::Minutes(1));
    if (i + 1 < r.equity.size()) {
      EXPECT_EQ(r.equity[i].ts.nanos() % minute, 0);
      if (i > 1) {
        EXPECT_EQ(gap, Duration::Minutes(1));
      }
    }
  }
  for (const EquityRecord& e : r.equity) {
    EXPECT_NEAR(e.equity, r.starting_balance + e.realized_pnl + e.unrealized_pnl - e.fees, 1e-6);
    EXPECT_GE(e.drawdown, 0.0);
    EXPECT_GE(e.gross_exposure, 0.0);
  }
  EXPECT_NEAR(r.equity.back().fees, fees, 1e-6);
  EXPECT_GE(r.max_drawdown, 0.0);

  // Prices for the chart: both instruments, at most one point per second
  // each, in time order, in the run's span.
  std::map<std::uint32_t, UnixNanos> last_point;
  for (const PricePoint& p : r.prices) {
    ASSERT_NE(r.Instrument(p.instrument), nullptr);
    EXPECT_GT(p.mid, 0.0);
    EXPECT_GE(p.ts, r.first_event);
    auto it = last_point.find(p.instrument.value);
    if (it != last_point.end()) {
      EXPECT_GE(p.ts - it->second, cfg.report.price_every);
    }
    last_point[p.instrument.value] = p.ts;
  }
  EXPECT_EQ(last_point.size(), 2u);
  EXPECT_GT(r.prices.size(), 100u);  // a calm sample: the touch moves every few seconds

  // The stats agree with the record.
  const ReportStats st = ComputeStats(r);
  EXPECT_EQ(st.fills, r.fills.size());
  EXPECT_EQ(st.round_trips, trips.size());
  EXPECT_EQ(st.signals, r.signals.size());
  EXPECT_EQ(st.signals_approved, static_cast<std::uint64_t>(approved));
  EXPECT_EQ(st.events, r.events);
  EXPECT_NEAR(st.fees, fees, 1e-6);
  EXPECT_NEAR(st.net_pnl, r.equity.back().equity - r.starting_balance, 1e-6);
}

// Regression (a bug found by this test, fixed in backtest.cc, RunBacktest): record.first_event / last_event are
// the first and last *receive* times fed, but the simulated clock follows
// the exchange time whenever that is later (SimRunner never delivers an
// event before the exchange made it). In this capture the recorder's clock
// is about 1.52 s behind Binance's event time, so the run's clock ends about
// 1.5 s after record.last_event: the final equity sample, the last fills
// and the last price points lie outside [first_event, last_event], and
// span_seconds / exposure_pct in report.json use a span that is not the
// run's. Fix: set record.last_event to the clock at the end of the run
// (max(data_last, run->now()) after Finish), or track the delivery time of
// each event (max(ts_event, ts_recv)) rather than its ts_recv.
TEST(BacktestDemo, EverythingHappensWithinTheRecordedSpan) {
  const DemoRun& d = Demo();
  ASSERT_TRUE(d.error.empty()) << d.error;
  const RunRecord& r = d.record;
  for (const EquityRecord& e : r.equity) {
    EXPECT_GE(e.ts, r.first_event);
    EXPECT_LE(e.ts, r.last_event) << "equity sample at " << e.ts.ToIso8601() << " after the last event "
                                  << r.last_event.ToIso8601();
  }
  for (const FillRecord& f : r.fills) {
    EXPECT_LE(f.ts, r.last_event);
  }
  for (const PricePoint& p : r.prices) {
    EXPECT_LE(p.ts, r.last_event);
  }
}

// KNOWN BUG, NOT FIXED, test disabled (risk governor sizing vs the router's child orders, not the
// runner): an entry capped by risk.max_order_notional is sized at the
// marketable limit (for a sell, 10 bps *below* the bid), so at the price of
// the router's first maker child (at the touch, higher) the same qty is
// worth more than the limit and the governor denies the child
// (MAX_ORDER_NOTIONAL); the request then ends with no order at the venue.
// In the demo that is every ETHUSDT sell entry (2.923 ETH x 3423.95 >
// 10,000): 6 of 16 approved signals never trade. Fix: size a capped entry
// at the most favourable price its children may use (the far touch, or the
// mid plus the band), or let the router shrink a child to the limit.
// Disabled until the governor's sizing is fixed (issue 8 note): it fails
// today, and shows the bug when run with --gtest_also_run_disabled_tests.
TEST(BacktestDemo, EveryApprovedEntryReachesTheVenue) {
  const DemoRun& d = Demo();
  ASSERT_TRUE(d.error.empty()) << d.error;
  const RunRecord& r = d.record;
  std::set<std::string> parents;
  for (const OrderRecord& o : r.orders) parents.insert(o.parent);
  for (const SignalRecord& s : r.signals) {
    if (!s.approved) continue;
    EXPECT_TRUE(parents.count(s.request_id))
        << "signal " << s.signal_id << " (" << ToString(s.side) << " " << s.qty.ToString() << " "
        << r.instruments[s.instrument.value].symbol << " @ " << s.reference_price.ToString() << ") approved as "
        << s.request_id << " but no order reached the venue";
  }
  for (const auto& [reason, n] : r.order_denials) ADD_FAILURE() << n << " child orders denied: " << reason;
}

// With orders above half the position limit a re-post must not be checked
// while the order it replaces still counts (it would be denied for the
// position limit, and no entry would ever fill): every approved entry
// reaches the venue, no child is denied, and entries fill.
TEST(BacktestDemo, LargeOrdersAreRepostedAfterTheCancelIsSeen) {
  auto r = RunConfig(DemoPath(), {"risk.max_order_notional=20000", "risk.risk_per_trade=0.05"});
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  std::set<std::string> parents;
  for (const OrderRecord& o : r->orders) parents.insert(o.parent);
  std::size_t approved = 0;
  for (const SignalRecord& s : r->signals) {
    if (!s.approved) continue;
    ++approved;
    EXPECT_TRUE(parents.count(s.request_id)) << "signal " << s.signal_id << " never reached the venue";
  }
  EXPECT_GT(approved, 0u);
  for (const auto& [reason, n] : r->order_denials) ADD_FAILURE() << n << " child orders denied: " << reason;
  // Entries as large as the order limit allows fill.
  double largest = 0.0;
  for (const OrderRecord& o : r->orders) {
    if (!o.reduce_only && o.filled.IsPositive()) {
      largest = std::max(largest, o.filled.ToDouble() * o.avg_fill_price.ToDouble());
    }
  }
  EXPECT_GT(largest, 10'000.0) << "no entry filled above the default order limit";
}

// Everything of a report but its "wall" object.
std::string WithoutWall(std::string json) {
  const std::size_t at = json.find("\"wall\": {");
  if (at == std::string::npos) return json;
  std::size_t i = json.find('{', at);
  int depth = 0;
  for (; i < json.size(); ++i) {
    if (json[i] == '{') ++depth;
    if (json[i] == '}' && --depth == 0) break;
  }
  json.erase(at, i + 1 - at);
  return json;
}

std::map<std::string, std::string> ReportFiles(const RunRecord& r) {
  const ReportStats st = ComputeStats(r);
  return {{"report.json", WithoutWall(ReportJson(r, st))},
          {"orders.csv", OrdersCsv(r)},
          {"fills.csv", FillsCsv(r)},
          {"positions.csv", PositionsCsv(r)},
          {"equity.csv", EquityCsv(r)},
          {"signals.csv", SignalsCsv(r)},
          {"trades.csv", TradesCsv(r, ComputeRoundTrips(r))},
          {"report.html", RenderHtmlReport(r, st)}};
}

TEST(BacktestDemo, TwoRunsGiveTheSameReportByteForByte) {
  const DemoRun& d = Demo();
  ASSERT_TRUE(d.error.empty()) << d.error;
  auto again = RunBacktest(d.config);
  ASSERT_TRUE(again.ok()) << again.error().ToString();
  const ReportStats st = ComputeStats(d.record);
  const std::string json = ReportJson(d.record, st);
  ASSERT_NE(json.find("\"wall\": {"), std::string::npos);
  EXPECT_EQ(WithoutWall(json).find("wall_seconds"), std::string::npos);

  const auto a = ReportFiles(d.record);
  const auto b = ReportFiles(*again);
  for (const auto& [name, text] : a) {
    EXPECT_GT(text.size(), 100u) << name;
    EXPECT_TRUE(text == b.at(name)) << name << " differs between two runs of the same config";
  }
  EXPECT_EQ(d.record.events, again->events);
  EXPECT_EQ(d.record.bus.events_processed, again->bus.events_processed);

  // WriteRunReport writes the same files.
  const std::string dir = ::testing::TempDir() + "/hean_backtest_test_report";
  std::filesystem::remove_all(dir);
  ASSERT_TRUE(WriteRunReport(dir, *again, ComputeStats(*again)).ok());
  for (const auto& [name, text] : a) {
    std::ifstream in(dir + "/" + name, std::ios::binary);
    std::string file((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (name == "report.json") file = WithoutWall(file);
    EXPECT_TRUE(file == text) << name << " as written differs";
  }
  std::filesystem::remove_all(dir);
}

TEST(BacktestDemo, RandomLatencySeedChangesFillsSameSeedRepeats) {
  const std::vector<std::string> lat = {"sim.order_latency=normal:20ms,15ms,1ms",
                                        "sim.response_latency=normal:20ms,15ms,1ms"};
  auto with_seed = [&](int seed) {
    std::vector<std::string> set = lat;
    set.push_back("run.seed=" + std::to_string(seed));
    return RunConfig(DemoPath(), set);
  };
  auto a = with_seed(7);
  auto b = with_seed(7);
  auto c = with_seed(8);
  ASSERT_TRUE(a.ok()) << a.error().ToString();
  ASSERT_TRUE(b.ok() && c.ok());
  ASSERT_GT(a->fills.size(), 0u);
  EXPECT_EQ(FillsCsv(*a), FillsCsv(*b));
  EXPECT_EQ(OrdersCsv(*a), OrdersCsv(*b));
  EXPECT_NE(FillsCsv(*a), FillsCsv(*c));
  EXPECT_NE(OrdersCsv(*a), OrdersCsv(*c));
  EXPECT_EQ(a->seed, 7u);
  EXPECT_EQ(c->seed, 8u);
}

// ------------------------------------------------------------ data errors

BacktestConfig Small(const std::vector<std::string>& files, const std::string& instruments) {
  std::string text = "[run]\ndata = [";
  for (std::size_t i = 0; i < files.size(); ++i) text += (i ? ", '" : "'") + files[i] + "'";
  text += "]\n" + instruments;
  BacktestConfig cfg;
  Status s = LoadText(text, cfg);
  EXPECT_TRUE(s.ok()) << s.ToString();
  return cfg;
}

constexpr const char* kBtcBinance = "[instruments.BTCUSDT]\nvenue = \"binance\"\ntick = 0.1\nlot = 0.001\n";
constexpr const char* kEthBinance = "[instruments.ETHUSDT]\nvenue = \"binance\"\ntick = 0.01\nlot = 0.001\n";

TEST(BacktestData, MissingFileIsNamed) {
  const std::string missing = Repo() + "/testdata/binance-usdm-2024-07-18/no_such_file.gz";
  const BacktestConfig cfg = Small({Capture("usdm_btcusdt_20240718.gz"), missing}, kBtcBinance);
  auto r = RunBacktest(cfg);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message().find("no_such_file.gz"), std::string::npos) << r.error().ToString();
  Status s = CheckBacktestInputs(cfg);
  ExpectError(s, {"no_such_file.gz"});
}

TEST(BacktestData, InstrumentNotInTheDataIsAnError) {
  const BacktestConfig cfg = Small({Capture("usdm_btcusdt_20240718.gz")},
                                   "[instruments.SOLUSDT]\nvenue = \"binance\"\ntick = 0.01\nlot = 0.1\n");
  auto r = RunBacktest(cfg);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message().find("no market data for SOLUSDT"), std::string::npos) << r.error().ToString();
}

// Regression (a bug found by this test, fixed in backtest.cc, RunBacktest): backtest.h says an instrument of
// the config missing from the data is an error, but the runner only fails
// when *no* instrument has data. A typo in one symbol of several
// ("ETHUSD" for "ETHUSDT") runs without it, silently. Fix: remember which
// run instruments got an event and, after the replay, fail with "no market
// data for X, Y in the data files" listing the ones that got none.
TEST(BacktestData, OneInstrumentNotInTheDataIsAnError) {
  const BacktestConfig cfg =
      Small({Capture("usdm_btcusdt_20240718.gz")},
            std::string(kBtcBinance) + "[instruments.ETHUSD]\nvenue = \"binance\"\ntick = 0.01\nlot = 0.001\n");
  auto r = RunBacktest(cfg);
  ASSERT_FALSE(r.ok()) << "ran " << r->events << " events without any for ETHUSD";
  EXPECT_NE(r.error().message().find("no market data for ETHUSD"), std::string::npos) << r.error().ToString();
}

TEST(BacktestData, VenueMismatchNamesTheKey) {
  const BacktestConfig cfg = Small({Capture("usdm_btcusdt_20240718.gz")},
                                   "[instruments.BTCUSDT]\nvenue = \"bybit\"\ntick = 0.1\nlot = 0.001\n");
  auto r = RunBacktest(cfg);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message().find("instruments.BTCUSDT.venue"), std::string::npos) << r.error().ToString();
  EXPECT_NE(r.error().message().find("BINANCE:BTCUSDT"), std::string::npos) << r.error().ToString();
}

TEST(BacktestData, InstrumentsOfTheDataNotInTheConfigAreSkipped) {
  const BacktestConfig cfg =
      Small({Capture("usdm_btcusdt_20240718.gz"), Capture("usdm_ethusdt_20240718.gz")}, kBtcBinance);
  auto r = RunBacktest(cfg);
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  EXPECT_GT(r->events, 0u);
  EXPECT_GT(r->events_not_traded, 0u);
  for (const PricePoint& p : r->prices) {
    EXPECT_EQ(p.instrument.value, 0u);
  }
}

TEST(BacktestData, CheckInputsAcceptsTheDemo) {
  BacktestConfig cfg;
  ASSERT_TRUE(LoadBacktestFile(DemoPath(), {}, cfg).ok());
  Status s = CheckBacktestInputs(cfg);
  EXPECT_TRUE(s.ok()) << s.ToString();
}

// ---------------------------------------------------------------- options

TEST(BacktestOptionsTest, TwoLoopsReplayTwiceWithTimeMovingForward) {
  // The first 3 minutes of both instruments.
  const BacktestConfig cfg = Small({Capture("usdm_btcusdt_20240718.gz"), Capture("usdm_ethusdt_20240718.gz")},
                                   std::string(kBtcBinance) + kEthBinance);
  auto once = RunBacktest(cfg);
  ASSERT_TRUE(once.ok()) << once.error().ToString();

  BacktestOptions o;
  o.loops = 2;
  o.progress_every = 20'000;
  std::vector<BacktestProgress> seen;
  o.progress = [&](const BacktestProgress& p) { seen.push_back(p); };
  auto twice = RunBacktest(cfg, o);
  ASSERT_TRUE(twice.ok()) << twice.error().ToString();

  EXPECT_EQ(twice->events, 2 * once->events);
  EXPECT_EQ(twice->first_event, once->first_event);
  const Duration span1 = once->last_event - once->first_event;
  const Duration span2 = twice->last_event - twice->first_event;
  // The spans end at the run's clock, which here runs about 1.5 s past the
  // last receive time (Binance's event clock is ahead of the recorder's):
  // once per span in span1 + span1, once in span2.
  EXPECT_GT(span2, span1 + span1 - Duration::Seconds(2));
  EXPECT_LT(span2, span1 + span1 + Duration::Seconds(5));
  // The equity samples go on through the second pass, a minute apart.
  EXPECT_GE(twice->equity.size(), once->equity.size() + 2);
  for (std::size_t i = 1; i < twice->equity.size(); ++i) {
    EXPECT_GT(twice->equity[i].ts, twice->equity[i - 1].ts);
  }
  for (std::size_t i = 1; i < twice->prices.size(); ++i) {
    EXPECT_GE(twice->prices[i].ts, twice->prices[i - 1].ts);
  }
  // Progress: in time order, the share known, once at the end.
  ASSERT_GE(seen.size(), 2u);
  for (std::size_t i = 1; i < seen.size(); ++i) {
    EXPECT_GE(seen[i].events, seen[i - 1].events);
    EXPECT_GE(seen[i].now, seen[i - 1].now);
  }
  EXPECT_EQ(seen.back().events, twice->events);
  EXPECT_GT(seen.back().last_event, seen.back().first_event + span1 + span1 - Duration::Seconds(2));
  EXPECT_GE(twice->wall_seconds, 0.0);
  // Bad loops.
  o.loops = 0;
  EXPECT_FALSE(RunBacktest(cfg, o).ok());
}

// Regression (a bug found by this test, fixed in backtest.cc, RunBacktest): BacktestOptions::scan_span is
// documented to change no output, but it moves the start of the simulated
// clock. Without the scan the clock starts at min(ts_event, ts_recv) of the
// first event in replay (receive-time) order; with it, at that minimum over
// every event. When a later-received event was made earlier (a trade
// stream lagging the depth stream by a few ms: common), the two differ, and
// with them the first equity sample, the phase of every periodic timer (the
// governor's checks, equity sampling) and so possibly fills. `hean
// backtest` scans (for the progress display) unless --quiet, and `hean
// sweep` runs its children with --quiet, so the same config can give
// different results from the two. The bundled capture does not show it
// (its exchange clock runs 1.5 s ahead of the recorder's); this test makes
// a tiny capture where it does: a trade received 1 ms after the first line
// but made 3 ms before it. Fix: take the clock's start from the first event
// in both cases (keep the scan for last_event only).
TEST(BacktestOptionsTest, ScanningTheSpanChangesNoOutput) {
  const std::string path = ::testing::TempDir() + "/hean_backtest_test_capture_btcusdt.txt";
  {
    std::ofstream f(path);
    const std::int64_t r0 = 1721347021000000000;  // receive time of the first line
    const std::int64_t ms0 = r0 / 1'000'000;
    f << r0 << R"( {"lastUpdateId":100,"E":)" << ms0 - 2 << R"(,"T":)" << ms0 - 2
      << R"(,"bids":[["63943.90","1.000"],["63943.80","2.000"]],"asks":[["63944.00","1.000"],["63944.10","2.000"]]})"
      << "\n";
    f << r0 + 1'000'000 << R"( {"stream":"btcusdt@trade","data":{"e":"trade","E":)" << ms0 - 5 << R"(,"T":)" << ms0 - 5
      << R"(,"s":"BTCUSDT","t":1,"p":"63944.00","q":"0.003","X":"MARKET","m":false}})"
      << "\n";
    std::int64_t u = 100;
    for (int k = 1; k <= 20; ++k) {
      const std::int64_t recv = r0 + k * 10'000'000'000LL;
      f << recv << R"( {"stream":"btcusdt@depth@0ms","data":{"e":"depthUpdate","E":)" << recv / 1'000'000 - 2
        << R"(,"T":)" << recv / 1'000'000 - 2 << R"(,"s":"BTCUSDT","U":)" << u + 1 << R"(,"u":)" << u + 1 << R"(,"pu":)"
        << u << R"(,"b":[["63943.90",")" << k << R"(.000"]],"a":[]}})"
        << "\n";
      ++u;
    }
    ASSERT_TRUE(f.good());
  }
  const BacktestConfig cfg = Small({path}, kBtcBinance);
  BacktestOptions scan;
  scan.scan_span = true;
  auto a = RunBacktest(cfg);
  auto b = RunBacktest(cfg, scan);
  std::filesystem::remove(path);
  ASSERT_TRUE(a.ok()) << a.error().ToString();
  ASSERT_TRUE(b.ok()) << b.error().ToString();
  EXPECT_EQ(a->events, 22u);
  ASSERT_FALSE(a->equity.empty());
  ASSERT_FALSE(b->equity.empty());
  EXPECT_EQ(a->equity.front().ts, b->equity.front().ts)
      << "the clock starts at " << a->equity.front().ts.ToIso8601() << " without the scan, at "
      << b->equity.front().ts.ToIso8601() << " with it";
  EXPECT_EQ(EquityCsv(*a), EquityCsv(*b));
}

TEST(BacktestOptionsTest, WithoutRowsOnlyCountersAreKept) {
  const BacktestConfig cfg = Small({Capture("usdm_btcusdt_20240718.gz")}, kBtcBinance);
  BacktestOptions o;
  o.keep_rows = false;
  auto lean = RunBacktest(cfg, o);
  auto full = RunBacktest(cfg);
  ASSERT_TRUE(lean.ok() && full.ok());
  EXPECT_EQ(lean->events, full->events);
  EXPECT_TRUE(lean->prices.empty());
  EXPECT_TRUE(lean->orders.empty());
  EXPECT_FALSE(full->prices.empty());
  EXPECT_EQ(lean->equity.size(), full->equity.size());
  EXPECT_EQ(lean->sim_fills, full->sim_fills);
}

}  // namespace
}  // namespace hean
