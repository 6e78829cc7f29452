#include "hean/config/config.h"

#include <gtest/gtest.h>

namespace hean {
namespace {

Config MustParse(std::string_view text) {
  auto c = Config::Parse(text, "run.toml");
  EXPECT_TRUE(c.ok()) << (c.ok() ? "" : c.error().ToString());
  return std::move(*c);
}

TEST(Config, ReadsTypedValuesByDottedKey) {
  Config c = MustParse(R"(
[analytics.atr]
period = 20
multiplier = 2.5
floor = 1
[analytics.ofi]
window = "5s"
enabled = true
name = "x"
symbols = ["BTCUSDT", "ETHUSDT"]
)");
  int period = 14;
  double mult = 0, floor = 0;
  Duration window;
  bool enabled = false;
  std::string name;
  std::vector<std::string> symbols;
  std::size_t unused = 7;
  ASSERT_TRUE(c.Get("analytics.atr.period", period).ok());
  ASSERT_TRUE(c.Get("analytics.atr.multiplier", mult).ok());
  ASSERT_TRUE(c.Get("analytics.atr.floor", floor).ok());  // an integer is a number
  ASSERT_TRUE(c.Get("analytics.ofi.window", window).ok());
  ASSERT_TRUE(c.Get("analytics.ofi.enabled", enabled).ok());
  ASSERT_TRUE(c.Get("analytics.ofi.name", name).ok());
  ASSERT_TRUE(c.Get("analytics.ofi.symbols", symbols).ok());
  ASSERT_TRUE(c.Get("analytics.ofi.missing", unused).ok());
  EXPECT_EQ(period, 20);
  EXPECT_EQ(mult, 2.5);
  EXPECT_EQ(floor, 1.0);
  EXPECT_EQ(window, Duration::Seconds(5));
  EXPECT_TRUE(enabled);
  EXPECT_EQ(name, "x");
  EXPECT_EQ(symbols, (std::vector<std::string>{"BTCUSDT", "ETHUSDT"}));
  EXPECT_EQ(unused, 7u);  // missing keys keep the default
  EXPECT_TRUE(c.CheckUnknown().ok());
  EXPECT_TRUE(c.Has("analytics.atr.period"));
  EXPECT_FALSE(c.Has("analytics.atr.perod"));
  EXPECT_EQ(c.Where("analytics.atr.multiplier"), "run.toml:4");
}

TEST(Config, WrongTypeNamesFileLineKeyAndExpectedType) {
  Config c = MustParse("[analytics.atr]\n\nperiod = \"14\"\n");
  int period = 14;
  const Status s = c.Get("analytics.atr.period", period);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message(), "run.toml:3: analytics.atr.period: expected an integer, got a string");
  EXPECT_EQ(period, 14);
}

TEST(Config, BadDurationAndNegativeCount) {
  Config c = MustParse("a = \"10 seconds\"\nb = 10\nn = -3\n");
  Duration d;
  EXPECT_EQ(c.Get("a", d).message(),
            "run.toml:1: a: \"10 seconds\" is not a duration (a number and a unit: ns, us, ms, s, m, h)");
  EXPECT_EQ(c.Get("b", d).message(),
            "run.toml:2: b: expected a duration string such as \"10s\" or \"250ms\", got an integer");
  std::size_t n = 0;
  EXPECT_EQ(c.Get("n", n).message(), "run.toml:3: n: expected a non-negative integer, got -3");
  int small = 0;
  Config big = MustParse("x = 99999999999\n");
  EXPECT_EQ(big.Get("x", small).code(), StatusCode::kOutOfRange);
}

TEST(Config, UnknownKeyIsReportedWithItsLine) {
  Config c = MustParse("[analytics.atr]\nperiod = 14\nperod = 3\n[strategy]\nx = 1\n");
  int period = 0;
  ASSERT_TRUE(c.Get("analytics.atr.period", period).ok());
  EXPECT_EQ(c.CheckUnknown().message(), "run.toml:3: unknown key analytics.atr.perod");
  EXPECT_EQ(c.CheckUnknown("strategy").message(), "run.toml:5: unknown key strategy.x");
  EXPECT_EQ(c.CheckUnknown("analytics.atr.period").ok(), true);
}

TEST(Config, SyntaxErrorNamesLineAndColumn) {
  auto c = Config::Parse("a = 1\nb = = 2\n", "bad.toml");
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.error().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(c.error().message().rfind("bad.toml:2:", 0), 0u) << c.error().message();
}

TEST(Config, MissingFileIsNotFound) {
  auto c = Config::Load("/nonexistent/hean.toml");
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.error().code(), StatusCode::kNotFound);
  EXPECT_EQ(c.error().message(), "/nonexistent/hean.toml: cannot open config file");
}

TEST(Config, LocatePutsTheKeysLineBeforeAValidationError) {
  Config c = MustParse("[analytics.atr]\nperiod = 14\ncap = 0.001\n");
  EXPECT_EQ(c.Locate(InvalidArgumentError("analytics.atr.cap: must be >= analytics.atr.floor")).message(),
            "run.toml:3: analytics.atr.cap: must be >= analytics.atr.floor");
  // A key the file does not hold (a default that failed): the file only.
  EXPECT_EQ(c.Locate(InvalidArgumentError("analytics.atr.floor: must be > 0")).message(),
            "run.toml: analytics.atr.floor: must be > 0");
  EXPECT_TRUE(c.Locate(Status::Ok()).ok());
}

TEST(Config, ArrayOfNumbersAcceptsIntegers) {
  Config c = MustParse("[s]\nladder = [1000, 2500.5, 1e4]\nempty = []\n");
  std::vector<double> ladder{7.0};
  ASSERT_TRUE(c.Get("s.ladder", ladder).ok());
  EXPECT_EQ(ladder, (std::vector<double>{1000.0, 2500.5, 10000.0}));
  std::vector<double> empty{1.0};
  ASSERT_TRUE(c.Get("s.empty", empty).ok());
  EXPECT_TRUE(empty.empty());
  std::vector<double> missing{1.0, 2.0};
  ASSERT_TRUE(c.Get("s.missing", missing).ok());
  EXPECT_EQ(missing, (std::vector<double>{1.0, 2.0}));  // missing keys keep the default
  EXPECT_TRUE(c.CheckUnknown().ok());
}

TEST(Config, ArrayOfNumbersWrongTypeNamesKeyLineAndIndex) {
  Config c = MustParse("[s]\nnot_array = 5\n\nbad = [1, 2, \"3\"]\nmulti = [\n  1.5,\n  true,\n]\n");
  std::vector<double> v{9.0};
  EXPECT_EQ(c.Get("s.not_array", v).message(), "run.toml:2: s.not_array: expected an array of numbers, got an integer");
  const Status bad = c.Get("s.bad", v);
  EXPECT_EQ(bad.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(bad.message(), "run.toml:4: s.bad[2]: expected a number, got a string");
  EXPECT_EQ(c.Get("s.multi", v).message(), "run.toml:7: s.multi[1]: expected a number, got a boolean");
  EXPECT_EQ(v, (std::vector<double>{9.0}));  // untouched on error
}

}  // namespace
// The effective config reads back to the same values: numbers in their
// shortest exact form (0.0003, 0.30000000000000004, 1.0), strings quoted
// and escaped, keys that are not bare quoted, tables under their headers.
TEST(Config, EffectiveTomlWritesShortestNumbersAndEscapedStringsThatReadBack) {
  Config c = MustParse(R"(
[a]
x = 0.0003
y = 0.30000000000000004
z = 1
tiny = 1e-9
big = 1e300
n = 42
flag = false
s = "say \"hi\"\\ on\tone\nline"
list = [0.1, 2.5]
names = ["a b", "c\"d"]
[b.c]
w = "10s"
)");
  double x = 0, y = 0, z = 0, tiny = 0, big = 0;
  std::int64_t n = 0;
  bool flag = true;
  std::string str;
  std::vector<double> list;
  std::vector<std::string> names;
  Duration w;
  ASSERT_TRUE(c.Get("a.x", x).ok() && c.Get("a.y", y).ok() && c.Get("a.z", z).ok() && c.Get("a.tiny", tiny).ok() &&
              c.Get("a.big", big).ok() && c.Get("a.n", n).ok() && c.Get("a.flag", flag).ok() &&
              c.Get("a.s", str).ok() && c.Get("a.list", list).ok() && c.Get("a.names", names).ok() &&
              c.Get("b.c.w", w).ok());
  c.SetEffective("q.path", std::string("/data/x.gz"));
  c.SetEffective("q.\"odd key\"", std::vector<std::string>{"p"});
  const std::string eff = c.EffectiveToml();
  for (const char* want :
       {"x = 0.0003\n", "y = 0.30000000000000004\n", "z = 1.0\n", "tiny = 1e-09\n", "n = 42\n", "flag = false\n",
        "list = [0.1, 2.5]\n", "[b.c]\nw = \"10s\"\n", "path = \"/data/x.gz\"\n"}) {
    EXPECT_NE(eff.find(want), std::string::npos) << "lacks " << want << " in\n" << eff;
  }
  Config back = MustParse(eff);
  double x2 = 0, y2 = 0, z2 = 0, tiny2 = 0, big2 = 0;
  std::string str2;
  std::vector<double> list2;
  std::vector<std::string> names2;
  ASSERT_TRUE(back.Get("a.x", x2).ok() && back.Get("a.y", y2).ok() && back.Get("a.z", z2).ok() &&
              back.Get("a.tiny", tiny2).ok() && back.Get("a.big", big2).ok() && back.Get("a.s", str2).ok() &&
              back.Get("a.list", list2).ok() && back.Get("a.names", names2).ok());
  EXPECT_EQ(x2, x);
  EXPECT_EQ(y2, y);
  EXPECT_EQ(z2, z);
  EXPECT_EQ(tiny2, tiny);
  EXPECT_EQ(big2, big);
  EXPECT_EQ(str2, str);
  EXPECT_EQ(str2, "say \"hi\"\\ on\tone\nline");
  EXPECT_EQ(list2, list);
  EXPECT_EQ(names2, names);
  EXPECT_EQ(back.EffectiveToml().find("q."), std::string::npos);  // only what was read
}

}  // namespace hean
