// report.html from hand-built records and stats (no ComputeStats): a
// self-contained page, one SVG per chart, one marker per fill, escaped text,
// NaN as "-", the same bytes every time, "no data" for empty charts and
// polylines thinned to a cap.
#include "hean/report/html_report.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

namespace hean {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
// 2024-07-18 23:57:00 UTC.
constexpr std::int64_t kStartSeconds = 1'721'347'020;

std::size_t CountOf(std::string_view haystack, std::string_view needle) {
  std::size_t n = 0;
  for (std::size_t pos = haystack.find(needle); pos != std::string_view::npos;
       pos = haystack.find(needle, pos + needle.size())) {
    ++n;
  }
  return n;
}

UnixNanos At(double seconds) {
  return UnixNanos::FromNanos(kStartSeconds * 1'000'000'000LL + static_cast<std::int64_t>(std::llround(seconds * 1e9)));
}

FillRecord Fill(double t, Side side, double price, const char* qty, const char* position_after, double realized = 0) {
  FillRecord f;
  f.ts = At(t);
  f.client_order_id = "c-" + std::to_string(static_cast<int>(t));
  f.strategy = "impulse";
  f.instrument = InstrumentId{0};
  f.side = side;
  f.liquidity = LiquiditySide::kMaker;
  f.price = *Price::FromDouble(price);
  f.qty = *Qty::Parse(qty);
  // Signed: Qty::Parse refuses a minus sign.
  bool negative = position_after[0] == '-';
  Qty pos = *Qty::Parse(negative ? position_after + 1 : position_after);
  f.position_after = negative ? -pos : pos;
  f.fee = *Notional::FromDouble(0.01);
  f.realized = *Notional::FromDouble(realized);
  return f;
}

RunInstrument Btc() {
  RunInstrument i;
  i.id = InstrumentId{0};
  i.symbol = "BTCUSDT";
  i.tick_size = *Price::Parse("0.1");
  i.lot_size = *Qty::Parse("0.001");
  i.price_precision = 1;
  i.qty_precision = 3;
  return i;
}

// 300 s of one-second mids, five fills (3 entries, 2 exits), equity every
// 10 s, a few signals and a risk transition.
RunRecord MakeRecord() {
  RunRecord r;
  r.name = "impulse-btc";
  r.config_path = "config/backtest.toml";
  r.data_files = {"testdata/btc_2024-07-18.hev"};
  r.seed = 42;
  r.exec_mode = "adaptive_ttl";
  r.queue_model = "probabilistic";
  r.starting_balance = 10'000.0;
  r.instruments = {Btc()};
  r.first_event = At(0);
  r.last_event = At(300);
  r.events = 12'345;
  for (int i = 0; i <= 300; ++i) {
    r.prices.push_back({At(i), InstrumentId{0}, 64'000.0 + 25.0 * std::sin(i / 20.0) + 0.1 * i});
  }
  r.fills = {
      Fill(30, Side::kBuy, 64'010.0, "0.010", "0.010"),     // entry long
      Fill(60, Side::kBuy, 64'020.0, "0.010", "0.020"),     // add: entry
      Fill(120, Side::kSell, 64'030.0, "0.020", "0", 0.3),  // exit
      Fill(180, Side::kSell, 63'990.0, "0.015", "-0.015"),  // entry short
      Fill(240, Side::kBuy, 63'980.0, "0.015", "0", 0.15),  // exit
  };
  for (int i = 0; i <= 30; ++i) {
    EquityRecord e;
    e.ts = At(i * 10);
    e.equity = 10'000.0 + 0.5 * std::sin(i / 3.0) + 0.01 * i;
    e.drawdown = 0.2 * (1 + std::cos(i / 3.0));
    r.equity.push_back(e);
  }
  r.risk_transitions = {{At(200), "account", "normal", "soft_brake", "drawdown > 1%"}};
  r.kill_switch_calls = 0;
  r.final_risk_state = "soft_brake";
  r.wall_seconds = 1.234;
  return r;
}

ReportStats MakeStats() {
  ReportStats s;
  s.starting_balance = 10'000.0;
  s.final_equity = 10'000.45;
  s.net_pnl = 0.45;
  s.return_pct = 0.0045;
  s.gross_pnl = 0.5;
  s.fees = 0.05;
  s.sharpe = 1.87;
  s.sortino = 2.5;
  s.equity_returns = 30;
  s.max_drawdown = 0.4;
  s.max_drawdown_pct = 0.004;
  s.fills = 5;
  s.round_trips = 2;
  s.win_rate = 1.0;
  s.avg_trade_bps = 1.2;
  s.median_trade_bps = 1.2;
  s.profit_factor = kNaN;  // no losing trade
  s.exposure_pct = 60.0;
  s.turnover = 4'480.0;
  s.turnover_x = 0.448;
  s.maker_share = 0.8;
  s.maker_fill_rate = 0.5;
  s.maker_attempts = 10;
  s.slippage_mean_bps = 0.4;
  s.slippage_median_bps = 0.2;
  s.slippage_p95_bps = 1.9;
  s.predicted_minus_realised_bps = -0.1;
  s.taker_fills_predicted = 1;
  s.ttl_ms = {800.0, 2'500.0, 3'000.0, 10};
  s.signal_to_order_ms = {0.1, 0.3, 0.5, 4};
  s.order_to_fill_ms = {350.0, 1'200.0, 1'500.0, 5};
  s.requests = 4;
  s.child_orders = 10;
  s.reposts = 3;
  s.signals = 7;
  s.signals_approved = 4;
  s.signals_denied = 3;
  s.signal_denials = {{"max_position_notional", 2}, {"trading_state_soft_brake", 1}};
  s.risk_state_changes = 1;
  s.final_risk_state = "soft_brake";
  s.events = 12'345;
  s.span_seconds = 300.0;
  s.wall_seconds = 1.234;
  s.events_per_second = 10'004.05;
  s.slippage_histogram = {{-1.0, 0.0, 1}, {0.0, 1.0, 3}, {1.0, 2.0, 1}};
  s.ttl_histogram = {{0.0, 1'000.0, 6}, {1'000.0, 2'000.0, 2}, {2'000.0, 3'000.0, 2}};
  return s;
}

// The points attributes of every polyline and polygon, in order.
std::vector<std::string> PointLists(std::string_view html) {
  std::vector<std::string> lists;
  for (std::string_view tag : {"<polyline ", "<polygon "}) {
    for (std::size_t pos = html.find(tag); pos != std::string_view::npos; pos = html.find(tag, pos + 1)) {
      std::size_t attr = html.find(" points=\"", pos);
      std::size_t begin = attr + 9;
      std::size_t end = html.find('"', begin);
      lists.emplace_back(html.substr(begin, end - begin));
    }
  }
  return lists;
}

struct Point {
  double x = 0.0;
  double y = 0.0;
};

std::vector<Point> ParsePoints(const std::string& list) {
  std::vector<Point> points;
  std::istringstream in(list);
  std::string pair;
  while (in >> pair) {
    std::size_t comma = pair.find(',');
    points.push_back({std::stod(pair.substr(0, comma)), std::stod(pair.substr(comma + 1))});
  }
  return points;
}

TEST(HtmlReportTest, IsSelfContained) {
  std::string html = RenderHtmlReport(MakeRecord(), MakeStats());
  EXPECT_EQ(html.rfind("<!DOCTYPE html>", 0), 0u);
  EXPECT_EQ(html.find("http://"), std::string::npos);
  EXPECT_EQ(html.find("https://"), std::string::npos);
  EXPECT_EQ(html.find("<script src"), std::string::npos);
  EXPECT_EQ(html.find("<script"), std::string::npos);
  EXPECT_EQ(html.find("<link"), std::string::npos);
  EXPECT_EQ(html.find("<img"), std::string::npos);
  EXPECT_EQ(html.find("@import"), std::string::npos);
  EXPECT_EQ(html.find("url("), std::string::npos);
  EXPECT_NE(html.find("sans-serif"), std::string::npos);
}

TEST(HtmlReportTest, OneSvgPerChart) {
  RunRecord record = MakeRecord();
  std::string html = RenderHtmlReport(record, MakeStats());
  // Price (one instrument), equity, slippage, TTL, latency.
  EXPECT_EQ(CountOf(html, "<svg "), 5u);
  EXPECT_EQ(CountOf(html, "</svg>"), 5u);
  EXPECT_EQ(CountOf(html, "no data"), 0u);

  // A second instrument gets its own price chart.
  RunInstrument eth;
  eth.id = InstrumentId{1};
  eth.symbol = "ETHUSDT";
  record.instruments.push_back(eth);
  for (int i = 0; i < 50; ++i) record.prices.push_back({At(i * 6), InstrumentId{1}, 3'400.0 + i * 0.05});
  html = RenderHtmlReport(record, MakeStats());
  EXPECT_EQ(CountOf(html, "<svg "), 6u);
  EXPECT_NE(html.find("ETHUSDT: mid price"), std::string::npos);
  EXPECT_NE(html.find("BTCUSDT: mid price"), std::string::npos);

  // An instrument of the run without data: a placeholder chart.
  RunInstrument sol;
  sol.id = InstrumentId{2};
  sol.symbol = "SOLUSDT";
  record.instruments.push_back(sol);
  html = RenderHtmlReport(record, MakeStats());
  EXPECT_EQ(CountOf(html, "<svg "), 7u);
  EXPECT_EQ(CountOf(html, ">no data</text>"), 1u);
  EXPECT_NE(html.find("aria-label=\"Price of SOLUSDT\""), std::string::npos);
}

TEST(HtmlReportTest, MarkersMatchFills) {
  RunRecord record = MakeRecord();
  std::string html = RenderHtmlReport(record, MakeStats());
  EXPECT_EQ(CountOf(html, "class=\"mk "), record.fills.size());
  EXPECT_EQ(CountOf(html, "class=\"mk entry buy\""), 2u);
  EXPECT_EQ(CountOf(html, "class=\"mk entry sell\""), 1u);
  EXPECT_EQ(CountOf(html, "class=\"mk exit sell\""), 1u);
  EXPECT_EQ(CountOf(html, "class=\"mk exit buy\""), 1u);
  EXPECT_NE(html.find("3 entries and 2 exits (5 fills)"), std::string::npos);

  // A flip (long 0.01 -> short 0.01) grows |position| no further: an exit;
  // a flip to a larger short is an entry.
  record.fills.push_back(Fill(250, Side::kBuy, 63'985.0, "0.010", "0.010"));
  record.fills.push_back(Fill(260, Side::kSell, 63'990.0, "0.020", "-0.010"));
  record.fills.push_back(Fill(270, Side::kBuy, 63'995.0, "0.030", "0.020"));
  html = RenderHtmlReport(record, MakeStats());
  EXPECT_EQ(CountOf(html, "class=\"mk "), record.fills.size());
  EXPECT_EQ(CountOf(html, "class=\"mk exit sell\""), 2u);
  EXPECT_EQ(CountOf(html, "class=\"mk entry buy\""), 4u);

  record.fills.clear();
  html = RenderHtmlReport(record, MakeStats());
  EXPECT_EQ(CountOf(html, "class=\"mk "), 0u);
  EXPECT_NE(html.find(">no fills<"), std::string::npos);
}

TEST(HtmlReportTest, EscapesRecordText) {
  RunRecord record = MakeRecord();
  record.name = "<b>&";
  record.data_files = {"a\"b'c.hev"};
  record.risk_transitions[0].reason = "dd <script>";
  record.instruments[0].symbol = "BTC<USDT";
  ReportStats stats = MakeStats();
  stats.signal_denials = {{"x<y", 1}};
  std::string html = RenderHtmlReport(record, stats);
  EXPECT_EQ(html.find("<b>&"), std::string::npos);
  EXPECT_NE(html.find("<title>HEAN backtest: &lt;b&gt;&amp;</title>"), std::string::npos);
  EXPECT_NE(html.find("<h1>Backtest report: &lt;b&gt;&amp;</h1>"), std::string::npos);
  EXPECT_NE(html.find("a&quot;b&#39;c.hev"), std::string::npos);
  EXPECT_NE(html.find("dd &lt;script&gt;"), std::string::npos);
  EXPECT_EQ(html.find("<script"), std::string::npos);
  EXPECT_NE(html.find("BTC&lt;USDT"), std::string::npos);
  EXPECT_NE(html.find("x&lt;y"), std::string::npos);
}

TEST(HtmlReportTest, NanShownAsDash) {
  ReportStats stats = MakeStats();
  stats.sharpe = kNaN;
  stats.win_rate = kNaN;
  stats.slippage_mean_bps = kNaN;
  std::string html = RenderHtmlReport(MakeRecord(), stats);
  EXPECT_NE(html.find("<th scope=\"row\">Sharpe (annualised)</th><td>-</td>"), std::string::npos);
  EXPECT_NE(html.find("<th scope=\"row\">Profit factor</th><td>-</td>"), std::string::npos);
  EXPECT_NE(html.find("<th scope=\"row\">Win rate</th><td>-</td>"), std::string::npos);
  EXPECT_NE(html.find("- / 0.20 / 1.90 bps"), std::string::npos);
  for (std::string_view bad : {"nan", "NaN", "inf<", ">inf"}) EXPECT_EQ(html.find(bad), std::string::npos) << bad;
}

TEST(HtmlReportTest, FormatsNumbersAndTimes) {
  std::string html = RenderHtmlReport(MakeRecord(), MakeStats());
  EXPECT_NE(html.find("<td>10,000.00 USDT</td>"), std::string::npos);
  EXPECT_NE(html.find("<td class=\"pos\">0.45 USDT</td>"), std::string::npos);
  EXPECT_NE(html.find("2024-07-18 23:57:00.000 UTC &rarr; 2024-07-19 00:02:00.000 UTC (5m 00s)"), std::string::npos);
  // One-minute time ticks, HH:MM:SS, crossing midnight.
  EXPECT_NE(html.find(">23:58:00</text>"), std::string::npos);
  EXPECT_NE(html.find(">00:01:00</text>"), std::string::npos);
  EXPECT_NE(html.find(">time (UTC)</text>"), std::string::npos);
  // Price ticks with a sensible number of decimals (whole dollars here).
  EXPECT_NE(html.find(">64000</text>"), std::string::npos);
  EXPECT_NE(html.find("2024-07-18 23:57:30.000 UTC entry buy 0.01 @ 64010"), std::string::npos);
  // Latency bars labelled with their values.
  EXPECT_NE(html.find(">1200 ms</text>"), std::string::npos);
  EXPECT_NE(html.find(">0.30 ms</text>"), std::string::npos);
}

TEST(HtmlReportTest, Deterministic) {
  RunRecord record = MakeRecord();
  ReportStats stats = MakeStats();
  std::string a = RenderHtmlReport(record, stats);
  std::string b = RenderHtmlReport(record, stats);
  EXPECT_EQ(a, b);
  // Wall-clock figures are not on the page.
  record.wall_seconds = 99.0;
  stats.wall_seconds = 99.0;
  stats.events_per_second = 1.0;
  EXPECT_EQ(RenderHtmlReport(record, stats), a);
}

TEST(HtmlReportTest, EmptyRecordHasPlaceholders) {
  std::string html = RenderHtmlReport(RunRecord{}, ReportStats{});
  EXPECT_EQ(html.rfind("<!DOCTYPE html>", 0), 0u);
  EXPECT_TRUE(html.ends_with("</html>\n"));
  EXPECT_EQ(CountOf(html, "<svg "), 5u);
  EXPECT_EQ(CountOf(html, "</svg>"), 5u);
  EXPECT_EQ(CountOf(html, ">no data</text>"), 5u);
  EXPECT_EQ(CountOf(html, "<polyline"), 0u);
  EXPECT_EQ(CountOf(html, "class=\"mk "), 0u);
  for (std::string_view tag : {"section", "figure", "table", "tbody", "dl", "main", "body", "head", "html"}) {
    std::string open = "<" + std::string(tag);
    std::string close = "</" + std::string(tag) + ">";
    std::size_t opens = CountOf(html, open + ">") + CountOf(html, open + " ") + CountOf(html, open + "\n");
    EXPECT_EQ(opens, CountOf(html, close)) << tag;
  }
  EXPECT_NE(html.find("no risk state changes"), std::string::npos);
  EXPECT_NE(html.find("no signals denied"), std::string::npos);
  EXPECT_EQ(html.find("nan"), std::string::npos);
}

TEST(HtmlReportTest, ThinsLongSeries) {
  RunRecord record = MakeRecord();
  record.prices.clear();
  record.equity.clear();
  constexpr int kPoints = 20'000;
  for (int i = 0; i < kPoints; ++i) {
    double mid = 64'000.0 + (i % 100) * 0.5;
    if (i == 12'345) mid = 64'500.0;  // a spike thinning must keep
    record.prices.push_back({At(i * 0.015), InstrumentId{0}, mid});
    EquityRecord e;
    e.ts = At(i * 0.015);
    e.equity = 10'000.0 + (i % 50) * 0.01;
    e.drawdown = (i % 37) * 0.01;
    record.equity.push_back(e);
  }
  record.first_event = At(0);
  record.last_event = At((kPoints - 1) * 0.015);
  std::string html = RenderHtmlReport(record, MakeStats());
  std::vector<std::string> lists = PointLists(html);
  ASSERT_EQ(lists.size(), 4u);  // price, equity, drawdown line; drawdown area
  for (const std::string& list : lists) {
    std::vector<Point> points = ParsePoints(list);
    EXPECT_LE(points.size(), 2000u);
    EXPECT_GT(points.size(), 500u);
  }
  // The price line keeps its first and last point (the ends of the x axis)
  // and the spike (the highest point, near the top of the plot).
  std::vector<Point> price = ParsePoints(lists[0]);
  double min_x = price.front().x;
  double max_x = price.front().x;
  double min_y = price.front().y;
  for (const Point& p : price) {
    min_x = std::min(min_x, p.x);
    max_x = std::max(max_x, p.x);
    min_y = std::min(min_y, p.y);
  }
  EXPECT_EQ(price.front().x, min_x);
  EXPECT_EQ(price.back().x, max_x);
  EXPECT_GT(max_x - min_x, 1000.0);
  EXPECT_LT(min_y, 60.0);
  EXPECT_LT(html.size(), 400'000u);
}

}  // namespace
}  // namespace hean
