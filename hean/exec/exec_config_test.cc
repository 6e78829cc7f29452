#include "hean/exec/exec_config.h"

#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <limits>
#include <string>
#include <vector>

namespace hean {
namespace {

constexpr double kNan = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

Config MustParse(std::string_view text) {
  auto c = Config::Parse(text, "run.toml");
  EXPECT_TRUE(c.ok()) << (c.ok() ? "" : c.error().ToString());
  return std::move(*c);
}

// Every field, one by one, so that a failure names the field.
void ExpectSame(const ExecConfig& a, const ExecConfig& b) {
  EXPECT_EQ(a.mode, b.mode);
  EXPECT_EQ(a.fixed_ttl, b.fixed_ttl);
  EXPECT_EQ(a.ttl.base, b.ttl.base);
  EXPECT_EQ(a.ttl.min_ttl, b.ttl.min_ttl);
  EXPECT_EQ(a.ttl.max_ttl, b.ttl.max_ttl);
  EXPECT_EQ(a.ttl.volatility_window, b.ttl.volatility_window);
  EXPECT_EQ(a.ttl.volatility_sample, b.ttl.volatility_sample);
  EXPECT_EQ(a.ttl.fill_rate_window, b.ttl.fill_rate_window);
  EXPECT_EQ(a.max_reposts, b.max_reposts);
  EXPECT_EQ(a.improve_one_tick, b.improve_one_tick);
  EXPECT_EQ(a.max_slippage_bps, b.max_slippage_bps);
  EXPECT_EQ(a.passive_take_edge_bps, b.passive_take_edge_bps);
  EXPECT_EQ(a.normal_take_edge_bps, b.normal_take_edge_bps);
  EXPECT_EQ(a.aggressive_take_edge_bps, b.aggressive_take_edge_bps);
  EXPECT_EQ(a.iceberg_visible_notional, b.iceberg_visible_notional);
  EXPECT_EQ(a.chase_ticks, b.chase_ticks);
  EXPECT_EQ(a.retry_delay, b.retry_delay);
  EXPECT_EQ(a.slippage.impact_bps, b.slippage.impact_bps);
  EXPECT_EQ(a.slippage.depth_levels, b.slippage.depth_levels);
  EXPECT_EQ(a.slippage.beyond_book_bps, b.slippage.beyond_book_bps);
  EXPECT_EQ(a.slippage.stale_fallback_bps, b.slippage.stale_fallback_bps);
  EXPECT_EQ(a.slippage.refresh_interval, b.slippage.refresh_interval);
  EXPECT_EQ(a.slippage.valid_for, b.slippage.valid_for);
  EXPECT_EQ(a.slippage.ladder, b.slippage.ladder);
  EXPECT_EQ(a.algo.algo, b.algo.algo);
  EXPECT_EQ(a.algo.min_notional, b.algo.min_notional);
  EXPECT_EQ(a.algo.duration, b.algo.duration);
  EXPECT_EQ(a.algo.slices, b.algo.slices);
  EXPECT_EQ(a.algo.vwap_bucket, b.algo.vwap_bucket);
  EXPECT_EQ(a.algo.catch_up, b.algo.catch_up);
}

// A valid config in which every field differs from its default.
ExecConfig AllChanged() {
  ExecConfig o;
  o.mode = ExecMode::kFixedTtl;
  o.fixed_ttl = Duration::Millis(300);
  o.ttl.base = Duration::Millis(200);
  o.ttl.min_ttl = Duration::Millis(20);
  o.ttl.max_ttl = Duration::Millis(900);
  o.ttl.volatility_window = Duration::Minutes(30);
  o.ttl.volatility_sample = Duration::Seconds(5);
  o.ttl.fill_rate_window = 50;
  o.max_reposts = 7;
  o.improve_one_tick = true;
  o.max_slippage_bps = 4.5;
  o.passive_take_edge_bps = -20.0;
  o.normal_take_edge_bps = 1.5;
  o.aggressive_take_edge_bps = 30.0;
  o.iceberg_visible_notional = 2'000.0;
  o.chase_ticks = 2;
  o.retry_delay = Duration::Millis(750);
  o.slippage.impact_bps = 2.0;
  o.slippage.depth_levels = 5;
  o.slippage.beyond_book_bps = 40.0;
  o.slippage.stale_fallback_bps = 80.0;
  o.slippage.refresh_interval = Duration::Millis(20);
  o.slippage.valid_for = Duration::Millis(60);
  o.slippage.ladder = {500.0, 2'000.0};
  o.algo.algo = ExecAlgo::kVwap;
  o.algo.min_notional = 50'000.0;
  o.algo.duration = Duration::Minutes(20);
  o.algo.slices = 40;
  o.algo.vwap_bucket = Duration::Minutes(2);
  o.algo.catch_up = CatchUp::kNone;
  return o;
}

TEST(ExecConfig, NamesRoundTrip) {
  for (ExecMode m : {ExecMode::kFixedTtl, ExecMode::kAdaptiveTtl, ExecMode::kTakerOnly}) {
    auto r = ParseExecMode(ExecModeName(m));
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(*r, m);
  }
  for (ExecAlgo a : {ExecAlgo::kNone, ExecAlgo::kTwap, ExecAlgo::kVwap}) {
    auto r = ParseExecAlgo(ExecAlgoName(a));
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(*r, a);
  }
  for (CatchUp c : {CatchUp::kNone, CatchUp::kCross}) {
    auto r = ParseCatchUp(CatchUpName(c));
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(*r, c);
  }
  EXPECT_EQ(ExecModeName(ExecMode::kAdaptiveTtl), "adaptive_ttl");
  EXPECT_EQ(ExecAlgoName(ExecAlgo::kTwap), "twap");
  EXPECT_EQ(CatchUpName(CatchUp::kCross), "cross");
}

TEST(ExecConfig, ParseErrorsNameTheValueAndTheAcceptedOnes) {
  auto m = ParseExecMode("Adaptive_TTL");
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.error().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(m.error().message(), "unknown mode 'Adaptive_TTL' (fixed_ttl, adaptive_ttl, taker_only)");
  auto a = ParseExecAlgo("pov");
  ASSERT_FALSE(a.ok());
  EXPECT_EQ(a.error().message(), "unknown algo 'pov' (none, twap, vwap)");
  auto c = ParseCatchUp("");
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.error().message(), "unknown catch-up '' (none, cross)");
}

TEST(ExecConfig, DefaultsAndEdgeValuesValidate) {
  EXPECT_TRUE(ExecConfig{}.Validate().ok()) << ExecConfig{}.Validate().message();
  EXPECT_TRUE(AllChanged().Validate().ok()) << AllChanged().Validate().message();
  const std::vector<std::function<void(ExecConfig&)>> edges = {
      [](ExecConfig& c) { c.max_reposts = 0; },
      [](ExecConfig& c) { c.max_reposts = 100; },
      [](ExecConfig& c) { c.ttl.fill_rate_window = 1; },
      [](ExecConfig& c) { c.ttl.fill_rate_window = 10'000; },
      [](ExecConfig& c) { c.ttl.min_ttl = c.ttl.base = c.ttl.max_ttl = Duration::Millis(100); },
      [](ExecConfig& c) { c.ttl.volatility_sample = c.ttl.volatility_window; },
      [](ExecConfig& c) { c.ttl.volatility_sample = Duration::Micros(3'600); },  // 1e6 samples an hour
      [](ExecConfig& c) { c.passive_take_edge_bps = -1e12; },
      [](ExecConfig& c) { c.normal_take_edge_bps = -5.0; },
      [](ExecConfig& c) { c.chase_ticks = 0; },
      [](ExecConfig& c) { c.slippage.valid_for = c.slippage.refresh_interval; },
      [](ExecConfig& c) { c.slippage.impact_bps = 0.0; },
      [](ExecConfig& c) { c.slippage.depth_levels = 1; },
      [](ExecConfig& c) { c.slippage.ladder = {0.5}; },
      [](ExecConfig& c) {
        c.slippage.ladder.clear();
        for (int i = 1; i <= 32; ++i) c.slippage.ladder.push_back(1'000.0 * i);
      },
      [](ExecConfig& c) { c.algo.slices = 1; },
      [](ExecConfig& c) { c.algo.slices = 10'000; },
      [](ExecConfig& c) { c.algo.vwap_bucket = c.algo.duration; },
  };
  for (std::size_t i = 0; i < edges.size(); ++i) {
    ExecConfig c;
    edges[i](c);
    const Status s = c.Validate();
    EXPECT_TRUE(s.ok()) << "edge " << i << ": " << s.message();
  }
}

struct BadCase {
  std::function<void(ExecConfig&)> change;
  std::string message;
};

TEST(ExecConfig, EveryRuleNamesItsKey) {
  const std::vector<BadCase> cases = {
      {[](ExecConfig& c) { c.mode = static_cast<ExecMode>(0); }, "execution.mode: unknown mode 0"},
      {[](ExecConfig& c) { c.fixed_ttl = Duration::Zero(); }, "execution.fixed_ttl: must be > 0, got 0ns"},
      {[](ExecConfig& c) { c.ttl.base = Duration::Millis(-1); }, "execution.ttl.base: must be > 0, got -1ms"},
      {[](ExecConfig& c) { c.ttl.min_ttl = Duration::Zero(); }, "execution.ttl.min_ttl: must be > 0, got 0ns"},
      {[](ExecConfig& c) { c.ttl.max_ttl = Duration::Zero(); }, "execution.ttl.max_ttl: must be > 0, got 0ns"},
      {[](ExecConfig& c) { c.ttl.min_ttl = Duration::Millis(600); },
       "execution.ttl.min_ttl: must be <= execution.ttl.max_ttl (500ms), got 600ms"},
      {[](ExecConfig& c) { c.ttl.base = Duration::Millis(40); },
       "execution.ttl.base: must be >= execution.ttl.min_ttl (50ms), got 40ms"},
      {[](ExecConfig& c) { c.ttl.base = Duration::Millis(501); },
       "execution.ttl.base: must be <= execution.ttl.max_ttl (500ms), got 501ms"},
      {[](ExecConfig& c) { c.ttl.volatility_window = Duration::Zero(); },
       "execution.ttl.volatility_window: must be > 0, got 0ns"},
      {[](ExecConfig& c) { c.ttl.volatility_sample = Duration::Zero(); },
       "execution.ttl.volatility_sample: must be > 0, got 0ns"},
      {[](ExecConfig& c) { c.ttl.volatility_sample = Duration::Hours(2); },
       "execution.ttl.volatility_sample: must be <= execution.ttl.volatility_window (3600s), got 7200s"},
      {[](ExecConfig& c) { c.ttl.volatility_sample = Duration::Millis(1); },
       "execution.ttl.volatility_sample: must be >= execution.ttl.volatility_window / 1000000 (3.6ms), got 1ms"},
      {[](ExecConfig& c) { c.ttl.fill_rate_window = 0; }, "execution.ttl.fill_rate_window: must be >= 1, got 0"},
      {[](ExecConfig& c) { c.ttl.fill_rate_window = 10'001; },
       "execution.ttl.fill_rate_window: must be <= 10000, got 10001"},
      {[](ExecConfig& c) { c.max_reposts = -1; }, "execution.max_reposts: must be >= 0, got -1"},
      {[](ExecConfig& c) { c.max_reposts = 101; }, "execution.max_reposts: must be <= 100, got 101"},
      {[](ExecConfig& c) { c.max_slippage_bps = 0.0; }, "execution.max_slippage_bps: must be > 0, got 0"},
      {[](ExecConfig& c) { c.max_slippage_bps = -2.5; }, "execution.max_slippage_bps: must be > 0, got -2.5"},
      {[](ExecConfig& c) { c.max_slippage_bps = kInf; }, "execution.max_slippage_bps: must be finite, got inf"},
      {[](ExecConfig& c) { c.max_slippage_bps = kNan; }, "execution.max_slippage_bps: must be finite, got nan"},
      {[](ExecConfig& c) { c.passive_take_edge_bps = -kInf; },
       "execution.passive_take_edge_bps: must be finite, got -inf"},
      {[](ExecConfig& c) { c.normal_take_edge_bps = kNan; }, "execution.normal_take_edge_bps: must be finite, got nan"},
      {[](ExecConfig& c) { c.aggressive_take_edge_bps = kInf; },
       "execution.aggressive_take_edge_bps: must be finite, got inf"},
      {[](ExecConfig& c) { c.iceberg_visible_notional = -1.0; },
       "execution.iceberg_visible_notional: must be >= 0, got -1"},
      {[](ExecConfig& c) { c.iceberg_visible_notional = kNan; },
       "execution.iceberg_visible_notional: must be finite, got nan"},
      {[](ExecConfig& c) { c.chase_ticks = -1; }, "execution.chase_ticks: must be >= 0, got -1"},
      {[](ExecConfig& c) { c.retry_delay = Duration::Zero(); }, "execution.retry_delay: must be > 0, got 0ns"},
      {[](ExecConfig& c) { c.slippage.impact_bps = -0.5; }, "execution.slippage.impact_bps: must be >= 0, got -0.5"},
      {[](ExecConfig& c) { c.slippage.impact_bps = kInf; }, "execution.slippage.impact_bps: must be finite, got inf"},
      {[](ExecConfig& c) { c.slippage.depth_levels = 0; }, "execution.slippage.depth_levels: must be >= 1, got 0"},
      {[](ExecConfig& c) { c.slippage.beyond_book_bps = -1.0; },
       "execution.slippage.beyond_book_bps: must be >= 0, got -1"},
      {[](ExecConfig& c) { c.slippage.stale_fallback_bps = kNan; },
       "execution.slippage.stale_fallback_bps: must be finite, got nan"},
      {[](ExecConfig& c) { c.slippage.refresh_interval = Duration::Zero(); },
       "execution.slippage.refresh_interval: must be > 0, got 0ns"},
      {[](ExecConfig& c) { c.slippage.valid_for = Duration::Zero(); },
       "execution.slippage.valid_for: must be > 0, got 0ns"},
      {[](ExecConfig& c) { c.slippage.valid_for = Duration::Millis(10); },
       "execution.slippage.valid_for: must be >= execution.slippage.refresh_interval (50ms), got 10ms"},
      {[](ExecConfig& c) { c.slippage.ladder.clear(); }, "execution.slippage.ladder: must not be empty"},
      {[](ExecConfig& c) { c.slippage.ladder.assign(33, 1.0); },
       "execution.slippage.ladder: must have at most 32 entries, got 33"},
      {[](ExecConfig& c) {
         c.slippage.ladder = {-1.0, 5.0};
       },
       "execution.slippage.ladder: [0] must be finite and > 0, got -1"},
      {[](ExecConfig& c) {
         c.slippage.ladder = {1'000.0, 0.0};
       },
       "execution.slippage.ladder: [1] must be finite and > 0, got 0"},
      {[](ExecConfig& c) {
         c.slippage.ladder = {1'000.0, kNan};
       },
       "execution.slippage.ladder: [1] must be finite and > 0, got nan"},
      {[](ExecConfig& c) {
         c.slippage.ladder = {1'000.0, 5'000.0, 5'000.0};
       },
       "execution.slippage.ladder: must be strictly ascending, got [2] = 5000 after [1] = 5000"},
      {[](ExecConfig& c) {
         c.slippage.ladder = {5'000.0, 1'000.0};
       },
       "execution.slippage.ladder: must be strictly ascending, got [1] = 1000 after [0] = 5000"},
      {[](ExecConfig& c) { c.algo.algo = static_cast<ExecAlgo>(9); }, "execution.algo.algo: unknown algo 9"},
      {[](ExecConfig& c) { c.algo.min_notional = -1.0; }, "execution.algo.min_notional: must be >= 0, got -1"},
      {[](ExecConfig& c) { c.algo.min_notional = kInf; }, "execution.algo.min_notional: must be finite, got inf"},
      {[](ExecConfig& c) { c.algo.duration = Duration::Zero(); }, "execution.algo.duration: must be > 0, got 0ns"},
      {[](ExecConfig& c) { c.algo.slices = 0; }, "execution.algo.slices: must be >= 1, got 0"},
      {[](ExecConfig& c) { c.algo.slices = 10'001; }, "execution.algo.slices: must be <= 10000, got 10001"},
      {[](ExecConfig& c) { c.algo.vwap_bucket = Duration::Zero(); },
       "execution.algo.vwap_bucket: must be > 0, got 0ns"},
      {[](ExecConfig& c) { c.algo.vwap_bucket = Duration::Minutes(6); },
       "execution.algo.vwap_bucket: must be <= execution.algo.duration (300s), got 360s"},
      {[](ExecConfig& c) { c.algo.catch_up = static_cast<CatchUp>(5); }, "execution.algo.catch_up: unknown catch-up 5"},
  };
  for (const BadCase& bad : cases) {
    ExecConfig c;
    bad.change(c);
    const Status s = c.Validate();
    EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << bad.message;
    EXPECT_EQ(s.message(), bad.message);
  }
}

TEST(ExecConfig, LoadReadsEveryKey) {
  Config c = MustParse(R"(
[execution]
mode = "fixed_ttl"
fixed_ttl = "300ms"
max_reposts = 7
improve_one_tick = true
max_slippage_bps = 4.5
passive_take_edge_bps = -20
normal_take_edge_bps = 1.5
aggressive_take_edge_bps = 30
iceberg_visible_notional = 2000
chase_ticks = 2
retry_delay = "750ms"

[execution.ttl]
base = "200ms"
min_ttl = "20ms"
max_ttl = "900ms"
volatility_window = "30m"
volatility_sample = "5s"
fill_rate_window = 50

[execution.slippage]
impact_bps = 2
depth_levels = 5
beyond_book_bps = 40.0
stale_fallback_bps = 80.0
refresh_interval = "20ms"
valid_for = "60ms"
ladder = [500, 2000.0]

[execution.algo]
algo = "vwap"
min_notional = 50000
duration = "20m"
slices = 40
vwap_bucket = "2m"
catch_up = "none"

[risk]
anything = 1
)");
  ExecConfig o;
  const Status s = LoadExecConfig(c, o);
  ASSERT_TRUE(s.ok()) << s.message();
  ExpectSame(o, AllChanged());
}

TEST(ExecConfig, EmptyConfigKeepsTheDefaults) {
  Config c;
  ExecConfig o;
  ASSERT_TRUE(LoadExecConfig(c, o).ok());
  ExpectSame(o, ExecConfig{});
}

TEST(ExecConfig, UnknownKeyNamesTheKeyAndLine) {
  Config c = MustParse("[execution]\nmode = \"fixed_ttl\"\nmax_repost = 3\n\n[execution.ttl]\nbase = \"100ms\"\n");
  ExecConfig o;
  const Status s = LoadExecConfig(c, o);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message(), "run.toml:3: unknown key execution.max_repost");
  Config nested = MustParse("[execution.algo]\nslices = 4\nslice = 5\n");
  EXPECT_EQ(LoadExecConfig(nested, o).message(), "run.toml:3: unknown key execution.algo.slice");
  ExpectSame(o, ExecConfig{});  // untouched by a failed load
}

TEST(ExecConfig, WrongTypeNamesTheKeyAndLine) {
  struct Case {
    std::string text;
    std::string message;
  };
  const std::vector<Case> cases = {
      {"[execution]\nmax_reposts = \"3\"\n", "run.toml:2: execution.max_reposts: expected an integer, got a string"},
      {"[execution]\n\nmode = 1\n", "run.toml:3: execution.mode: expected a string, got an integer"},
      {"[execution.ttl]\nbase = 150\n",
       "run.toml:2: execution.ttl.base: expected a duration string such as \"10s\" or \"250ms\", got an integer"},
      {"[execution.slippage]\nladder = 1000\n",
       "run.toml:2: execution.slippage.ladder: expected an array of numbers, got an integer"},
      {"[execution.slippage]\nladder = [1000, \"5000\"]\n",
       "run.toml:2: execution.slippage.ladder[1]: expected a number, got a string"},
      {"[execution]\nimprove_one_tick = 1\n",
       "run.toml:2: execution.improve_one_tick: expected a boolean, got an integer"},
      {"[execution.algo]\nslices = -4\n", "run.toml:2: execution.algo.slices: expected a non-negative integer, got -4"},
  };
  for (const Case& k : cases) {
    Config c = MustParse(k.text);
    ExecConfig o;
    EXPECT_EQ(LoadExecConfig(c, o).message(), k.message);
  }
}

TEST(ExecConfig, BadNamesAreLocated) {
  Config c = MustParse("# run\n[execution]\nfixed_ttl = \"1s\"\n\n\n\nmode = \"foo\"\n");
  ExecConfig o;
  EXPECT_EQ(LoadExecConfig(c, o).message(),
            "run.toml:7: execution.mode: unknown mode 'foo' (fixed_ttl, adaptive_ttl, taker_only)");
  Config a = MustParse("[execution.algo]\nalgo = \"pov\"\n");
  EXPECT_EQ(LoadExecConfig(a, o).message(), "run.toml:2: execution.algo.algo: unknown algo 'pov' (none, twap, vwap)");
  Config u = MustParse("[execution.algo]\n\ncatch_up = \"chase\"\n");
  EXPECT_EQ(LoadExecConfig(u, o).message(),
            "run.toml:3: execution.algo.catch_up: unknown catch-up 'chase' (none, cross)");
}

TEST(ExecConfig, ValidationErrorsAreLocated) {
  Config c = MustParse("[execution]\nmax_reposts = -1\n");
  ExecConfig o;
  EXPECT_EQ(LoadExecConfig(c, o).message(), "run.toml:2: execution.max_reposts: must be >= 0, got -1");
  Config t = MustParse("[execution.ttl]\nbase = \"100ms\"\nmin_ttl = \"600ms\"\n");
  EXPECT_EQ(LoadExecConfig(t, o).message(),
            "run.toml:3: execution.ttl.min_ttl: must be <= execution.ttl.max_ttl (500ms), got 600ms");
  // A rule broken by a default against a value from the file: the key the
  // rule names is not in the file, so only the file is named.
  Config d = MustParse("[execution.slippage]\nrefresh_interval = \"1s\"\n");
  EXPECT_EQ(LoadExecConfig(d, o).message(),
            "run.toml: execution.slippage.valid_for: must be >= execution.slippage.refresh_interval (1s), got 100ms");
  Config l = MustParse("[execution.slippage]\nladder = []\n");
  EXPECT_EQ(LoadExecConfig(l, o).message(), "run.toml:2: execution.slippage.ladder: must not be empty");
  ExpectSame(o, ExecConfig{});
}

TEST(ExecConfig, DefaultsFileLoadsToTheDefaults) {
  const std::string path = HEAN_SOURCE_DIR "/config/execution-defaults.toml";
  auto c = Config::Load(path);
  ASSERT_TRUE(c.ok()) << c.error().ToString();
  // Loaded over a config that differs in every field, so that a key the
  // file left out would show.
  ExecConfig o = AllChanged();
  const Status s = LoadExecConfig(*c, o);
  ASSERT_TRUE(s.ok()) << s.message();
  ExpectSame(o, ExecConfig{});
  EXPECT_TRUE(c->CheckUnknown().ok()) << c->CheckUnknown().message();
}

}  // namespace
}  // namespace hean
