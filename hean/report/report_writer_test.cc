#include "hean/report/report_writer.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

namespace hean {
namespace {

namespace fs = std::filesystem;
using Json = nlohmann::ordered_json;

Price P(const char* s) { return *Price::Parse(s); }
Qty Q(const char* s) { return *Qty::Parse(s); }
Notional N(const char* s) { return *Notional::Parse(s); }

// 2024-07-18T00:00:00Z
constexpr std::int64_t kT0 = 1'721'260'800;

RunRecord Record() {
  RunRecord r;
  r.name = "writer-test";
  r.config_path = "configs/test.toml";
  r.data_files = {"data/a.hev"};
  r.seed = 7;
  r.exec_mode = "adaptive_ttl";
  r.queue_model = "pessimistic";
  r.starting_balance = 10000.0;
  r.instruments.push_back(
      {InstrumentId{0}, "BTCUSDT", P("0.1"), Q("0.001"), *Rate::Parse("0.0002"), *Rate::Parse("0.00055"), 1, 3});
  r.first_event = UnixNanos::FromSeconds(kT0);
  r.last_event = UnixNanos::FromSeconds(kT0 + 120);
  r.events = 1000;
  r.wall_seconds = 0.5;

  FillRecord open;
  open.ts = UnixNanos::FromNanos(kT0 * 1'000'000'000 + 984'480'942);
  open.client_order_id = "c1";
  open.strategy = "impulse,btc";  // a comma: quoted in CSV
  open.instrument = InstrumentId{0};
  open.side = Side::kBuy;
  open.liquidity = LiquiditySide::kMaker;
  open.price = P("63943.9");
  open.qty = Q("0.001");
  open.fee = N("-0.0012788780");
  open.position_after = Q("0.001");
  r.fills.push_back(open);
  FillRecord close = open;
  close.ts = UnixNanos::FromSeconds(kT0 + 60);
  close.client_order_id = "c2";
  close.side = Side::kSell;
  close.liquidity = LiquiditySide::kTaker;
  close.price = P("63950.1");
  close.fee = N("0.035172555");
  close.position_after = Q("0");
  close.realized = N("0.0062");
  r.fills.push_back(close);

  OrderRecord o;
  o.client_order_id = "c1";
  o.parent = "req-1";
  o.strategy = "impulse";
  o.instrument = InstrumentId{0};
  o.tif = TimeInForce::kPostOnly;
  o.price = P("63943.9");
  o.qty = Q("0.001");
  o.filled = Q("0.001");
  o.avg_fill_price = P("63943.9");
  o.fees = N("-0.001278878");
  o.status = "filled";
  o.created = UnixNanos::FromSeconds(kT0);
  o.closed = UnixNanos::FromSeconds(kT0 + 1);
  r.orders.push_back(o);
  OrderRecord m;
  m.client_order_id = "k1";
  m.instrument = InstrumentId{0};
  m.side = Side::kSell;
  m.type = OrderType::kMarket;
  m.tif = TimeInForce::kIoc;
  m.reduce_only = true;
  m.qty = Q("0.001");
  m.status = "accepted";
  m.created = UnixNanos::FromSeconds(kT0 + 2);
  r.orders.push_back(m);

  PositionRecord p;
  p.ts = open.ts;
  p.instrument = InstrumentId{0};
  p.qty = Q("0.001");
  p.avg_entry = P("63943.9");
  p.mark = P("63944.05");
  p.unrealized_pnl = N("0.00015");
  p.fees = N("-0.001278878");
  r.positions.push_back(p);

  EquityRecord e;
  e.ts = UnixNanos::FromSeconds(kT0);
  e.equity = 10000.0;
  r.equity.push_back(e);
  e.ts = UnixNanos::FromSeconds(kT0 + 60);
  e.equity = 10000.25;
  e.realized_pnl = 0.0062;
  e.fees = 1.0 / 3.0;
  r.equity.push_back(e);

  SignalRecord s;
  s.ts = UnixNanos::FromSeconds(kT0);
  s.signal_id = 11;
  s.strategy = "impulse";
  s.instrument = InstrumentId{0};
  s.reference_price = P("63944");
  s.confidence = 0.75;
  s.reasons = "impulse|volume_spike";
  s.approved = true;
  s.request_id = "req-1";
  s.qty = Q("0.001");
  r.signals.push_back(s);
  s.signal_id = 12;
  s.entry = false;
  s.side = Side::kSell;
  s.approved = false;
  s.deny_reason = "cooldown";
  s.request_id.clear();
  r.signals.push_back(s);
  r.signal_denials = {{"cooldown", 1}};
  return r;
}

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

std::string ReadFile(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

fs::path UniqueTempDir(const std::string& tag) {
  static std::atomic<int> counter{0};
  const auto* info = testing::UnitTest::GetInstance()->current_test_info();
  fs::path p = fs::temp_directory_path() / ("hean_report_" + tag + "_" + std::string(info->name()) + "_" +
                                            std::to_string(::getpid()) + "_" + std::to_string(counter++));
  fs::remove_all(p);
  return p;
}

// --- report.json ---

TEST(ReportJson, SectionsInAFixedOrderWithTwoSpaceIndentAndFinalNewline) {
  RunRecord r = Record();
  const std::string text = ReportJson(r, ComputeStats(r));
  ASSERT_FALSE(text.empty());
  EXPECT_EQ(text.back(), '\n');
  EXPECT_EQ(text.rfind("{\n  \"run\": {\n    \"name\": \"writer-test\"", 0), 0u) << text.substr(0, 80);
  Json j = Json::parse(text);
  std::vector<std::string> keys;
  for (const auto& [k, v] : j.items()) keys.push_back(k);
  EXPECT_EQ(keys, (std::vector<std::string>{"run", "pnl", "trades", "execution", "latency", "signals", "risk", "bus",
                                            "events", "wall"}));
  EXPECT_EQ(j["run"]["seed"], 7);
  EXPECT_EQ(j["run"]["first_event"], "2024-07-18T00:00:00.000000000Z");
  EXPECT_EQ(j["run"]["instruments"][0]["tick_size"], "0.1");
  EXPECT_EQ(j["trades"]["fills"], 2);
  EXPECT_EQ(j["trades"]["round_trips"], 1);
  EXPECT_DOUBLE_EQ(j["pnl"]["final_equity"].get<double>(), 10000.25);
  EXPECT_DOUBLE_EQ(j["execution"]["maker_share"].get<double>(), 0.5);
  EXPECT_EQ(j["signals"]["signals_denied"], 1);
  EXPECT_EQ(j["signals"]["denials"]["cooldown"], 1);
  EXPECT_TRUE(j["latency"]["ttl_ms"].contains("p95"));
  EXPECT_DOUBLE_EQ(j["wall"]["events_per_second"].get<double>(), 2000.0);
  EXPECT_DOUBLE_EQ(j["wall"]["wall_seconds"].get<double>(), 0.5);
  EXPECT_EQ(j["wall"]["router_ms"]["count"], 0);
}

TEST(ReportJson, EveryFigureKeyIsInItsSection) {
  RunRecord r = Record();
  ReportStats s = ComputeStats(r);
  Json j = Json::parse(ReportJson(r, s));
  for (const NamedFigure& f : Figures(s)) {
    bool found = false;
    for (const auto& [section, body] : j.items()) {
      const std::string::size_type dot = f.key.find('.');
      if (dot == std::string::npos) {
        found = found || body.contains(f.key);
      } else {
        const std::string head = f.key.substr(0, dot);
        const std::string tail = f.key.substr(dot + 1);
        found = found || (section == head && body.contains(tail)) ||
                (body.contains(head) && body[head].is_object() && body[head].contains(tail));
      }
    }
    EXPECT_TRUE(found) << f.key;
  }
}

TEST(ReportJson, NanFiguresAreNull) {
  RunRecord r;  // nothing at all
  ReportStats s = ComputeStats(r);
  Json j = Json::parse(ReportJson(r, s));
  EXPECT_TRUE(j["pnl"]["sharpe"].is_null());
  EXPECT_TRUE(j["pnl"]["sortino"].is_null());
  EXPECT_TRUE(j["pnl"]["return_pct"].is_null());
  EXPECT_TRUE(j["trades"]["win_rate"].is_null());
  EXPECT_TRUE(j["trades"]["profit_factor"].is_null());
  EXPECT_TRUE(j["latency"]["ttl_ms"]["p50"].is_null());
  EXPECT_EQ(j["latency"]["ttl_ms"]["count"], 0);
  EXPECT_TRUE(j["wall"]["events_per_second"].is_null());
  EXPECT_EQ(j["trades"]["fills"], 0);
}

TEST(ReportJson, OnlyTheWallObjectDependsOnWallTime) {
  RunRecord a = Record();
  RunRecord b = Record();
  b.wall_seconds = 12.25;
  b.exec.signal_to_order_wall_ns.Record(45'000);  // the router's own (wall) time
  const std::string ja = ReportJson(a, ComputeStats(a));
  const std::string jb = ReportJson(b, ComputeStats(b));
  EXPECT_NE(ja, jb);
  Json pa = Json::parse(ja);
  Json pb = Json::parse(jb);
  pa.erase("wall");
  pb.erase("wall");
  EXPECT_EQ(pa.dump(2), pb.dump(2));
  const std::string rest = pa.dump();
  EXPECT_EQ(rest.find("wall"), std::string::npos);
  EXPECT_EQ(rest.find("events_per_second"), std::string::npos);
  // And the same record gives the same bytes.
  EXPECT_EQ(ja, ReportJson(a, ComputeStats(a)));
}

// --- CSV ---

TEST(Csv, FillsHeaderExactDecimalsAndIsoTimes) {
  std::vector<std::string> lines = Lines(FillsCsv(Record()));
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[0],
            "ts,ts_ns,client_order_id,strategy,symbol,side,liquidity,price,qty,notional,fee,position_after,realized");
  EXPECT_EQ(lines[1],
            "2024-07-18T00:00:00.984480942Z,1721260800984480942,c1,\"impulse,btc\",BTCUSDT,BUY,MAKER,63943.9,0.001,"
            "63.9439,-0.001278878,0.001,0");
  EXPECT_EQ(lines[2],
            "2024-07-18T00:01:00.000000000Z,1721260860000000000,c2,\"impulse,btc\",BTCUSDT,SELL,TAKER,63950.1,0.001,"
            "63.9501,0.035172555,0,0.0062");
}

TEST(Csv, OrdersLeaveUndefinedPricesAndOpenCloseTimesEmpty) {
  std::vector<std::string> lines = Lines(OrdersCsv(Record()));
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[0],
            "created,created_ns,closed,closed_ns,client_order_id,parent,strategy,symbol,side,type,tif,reduce_only,"
            "price,qty,filled,avg_fill_price,fees,status");
  EXPECT_EQ(lines[1],
            "2024-07-18T00:00:00.000000000Z,1721260800000000000,2024-07-18T00:00:01.000000000Z,1721260801000000000,"
            "c1,req-1,impulse,BTCUSDT,BUY,LIMIT,POST_ONLY,false,63943.9,0.001,0.001,63943.9,-0.001278878,filled");
  EXPECT_EQ(lines[2],
            "2024-07-18T00:00:02.000000000Z,1721260802000000000,,,k1,,,BTCUSDT,SELL,MARKET,IOC,true,,0.001,0,,0,"
            "accepted");
}

TEST(Csv, PositionsEquitySignalsAndTrades) {
  RunRecord r = Record();
  std::vector<std::string> pos = Lines(PositionsCsv(r));
  ASSERT_EQ(pos.size(), 2u);
  EXPECT_EQ(pos[0], "ts,ts_ns,symbol,qty,avg_entry,mark,realized_pnl,unrealized_pnl,fees");
  EXPECT_EQ(pos[1],
            "2024-07-18T00:00:00.984480942Z,1721260800984480942,BTCUSDT,0.001,63943.9,63944.05,0,0.00015,-0.001278878");

  std::vector<std::string> eq = Lines(EquityCsv(r));
  ASSERT_EQ(eq.size(), 3u);
  EXPECT_EQ(eq[0], "ts,ts_ns,equity,realized_pnl,unrealized_pnl,fees,drawdown,gross_exposure");
  EXPECT_EQ(eq[2], "2024-07-18T00:01:00.000000000Z,1721260860000000000,10000.25,0.0062,0,0.3333333333,0,0");

  std::vector<std::string> sig = Lines(SignalsCsv(r));
  ASSERT_EQ(sig.size(), 3u);
  EXPECT_EQ(sig[0],
            "ts,ts_ns,signal_id,strategy,symbol,kind,side,reference_price,confidence,reasons,approved,deny_reason,"
            "request_id,qty");
  EXPECT_EQ(sig[1],
            "2024-07-18T00:00:00.000000000Z,1721260800000000000,11,impulse,BTCUSDT,entry,BUY,63944,0.75,"
            "impulse|volume_spike,true,,req-1,0.001");
  EXPECT_EQ(sig[2],
            "2024-07-18T00:00:00.000000000Z,1721260800000000000,12,impulse,BTCUSDT,exit,SELL,63944,0.75,"
            "impulse|volume_spike,false,cooldown,,");

  std::vector<std::string> trades = Lines(TradesCsv(r, ComputeRoundTrips(r)));
  ASSERT_EQ(trades.size(), 2u);
  EXPECT_EQ(trades[0],
            "opened,opened_ns,closed,closed_ns,symbol,side,qty,entry_notional,gross_pnl,fees,net_pnl,net_bps,"
            "holding_seconds");
  EXPECT_EQ(trades[1].rfind("2024-07-18T00:00:00.984480942Z,1721260800984480942,2024-07-18T00:01:00.000000000Z,"
                            "1721260860000000000,BTCUSDT,long,0.001,63.9439,0.0062,0.033893677,",
                            0),
            0u)
      << trades[1];
}

TEST(Csv, UnknownInstrumentPrintsItsId) {
  RunRecord r = Record();
  r.fills[0].instrument = InstrumentId{7};
  std::vector<std::string> lines = Lines(FillsCsv(r));
  EXPECT_NE(lines[1].find(",#7,"), std::string::npos) << lines[1];
}

TEST(Csv, EmptyRecordGivesHeadersOnly) {
  RunRecord r;
  for (const std::string& text :
       {OrdersCsv(r), FillsCsv(r), PositionsCsv(r), EquityCsv(r), SignalsCsv(r), TradesCsv(r, {})}) {
    EXPECT_EQ(Lines(text).size(), 1u) << text;
    EXPECT_EQ(text.back(), '\n');
  }
}

// --- Files ---

TEST(WriteRunReport, WritesEveryFileIntoANewDirectory) {
  RunRecord r = Record();
  ReportStats s = ComputeStats(r);
  const fs::path dir = UniqueTempDir("ok") / "nested" / "run";
  ASSERT_TRUE(WriteRunReport(dir.string(), r, s).ok());
  for (const char* name : {"report.json", "orders.csv", "fills.csv", "positions.csv", "equity.csv", "signals.csv",
                           "trades.csv", "report.html"}) {
    EXPECT_TRUE(fs::is_regular_file(dir / name)) << name;
    EXPECT_GT(fs::file_size(dir / name), 0u) << name;
  }
  EXPECT_EQ(ReadFile(dir / "report.json"), ReportJson(r, s));
  EXPECT_EQ(ReadFile(dir / "fills.csv"), FillsCsv(r));
  EXPECT_EQ(ReadFile(dir / "trades.csv"), TradesCsv(r, ComputeRoundTrips(r)));
  // Writing again replaces the files.
  ASSERT_TRUE(WriteRunReport(dir.string(), r, s).ok());
  EXPECT_EQ(ReadFile(dir / "report.json"), ReportJson(r, s));
  fs::remove_all(dir.parent_path().parent_path());
}

TEST(WriteRunReport, UnwritableDirectoryIsAnErrorNamingThePath) {
  const fs::path base = UniqueTempDir("bad");
  fs::create_directories(base);
  const fs::path file = base / "plain_file";
  ASSERT_TRUE(WriteTextFile(file.string(), "x").ok());
  const fs::path dir = file / "sub";
  RunRecord r = Record();
  Status s = WriteRunReport(dir.string(), r, ComputeStats(r));
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.code(), StatusCode::kInternal);
  EXPECT_NE(s.message().find(dir.string()), std::string::npos) << s.message();
  fs::remove_all(base);
}

TEST(WriteTextFile, ReplacesTheFileAndNamesThePathOnError) {
  const fs::path base = UniqueTempDir("text");
  fs::create_directories(base);
  const fs::path p = base / "a.txt";
  ASSERT_TRUE(WriteTextFile(p.string(), "first, longer\n").ok());
  ASSERT_TRUE(WriteTextFile(p.string(), "second\n").ok());
  EXPECT_EQ(ReadFile(p), "second\n");
  const fs::path missing = base / "no_such_dir" / "b.txt";
  Status s = WriteTextFile(missing.string(), "x");
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.code(), StatusCode::kInternal);
  EXPECT_NE(s.message().find(missing.string()), std::string::npos) << s.message();
  fs::remove_all(base);
}

}  // namespace
}  // namespace hean
