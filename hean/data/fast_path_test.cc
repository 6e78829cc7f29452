// The parsers' fast scanner (json_scan.h) against their simdjson path, on
// every line of the real Binance captures and the Bybit archive in
// testdata/: each line is parsed as recorded (read by the scanner) and again
// with one character of a string written as a \u escape (same JSON value,
// but the scanner refuses escapes, so simdjson reads it). Both must give the
// same message and events, field for field. Also: messages the scanner must
// hand over (unknown keys, other layouts, malformed text) still parse or
// fail exactly as before.
#include <gtest/gtest.h>

#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

#include "hean/data/binance_capture.h"
#include "hean/data/bybit_json.h"
#include "hean/data/line_reader.h"
#include "hean/data/source.h"

namespace hean {
namespace {

std::string TestData(const std::string& rel) { return std::string(HEAN_SOURCE_DIR) + "/testdata/" + rel; }

// `text` with the first character after `"key":"` written as \u00XX, or ""
// when the key is absent.
std::string EscapeFirstChar(std::string_view text, std::string_view key) {
  std::string needle("\"");
  needle.append(key).append("\":\"");
  const std::size_t at = text.find(needle);
  if (at == std::string_view::npos) return "";
  const std::size_t c = at + needle.size();
  char esc[8];
  std::snprintf(esc, sizeof(esc), "\\u%04x", static_cast<unsigned char>(text[c]));
  std::string out(text.substr(0, c));
  out += esc;
  out += text.substr(c + 1);
  return out;
}

struct Parsed {
  Status status;
  bool is_book = false;
  BookMessage book;
  std::vector<Event> events;
};

void ExpectSame(const Parsed& a, const Parsed& b, const std::string& where) {
  SCOPED_TRACE(where);
  ASSERT_EQ(a.status.ok(), b.status.ok()) << a.status.ToString() << " / " << b.status.ToString();
  if (!a.status.ok()) {
    EXPECT_EQ(a.status.ToString(), b.status.ToString());
    return;
  }
  ASSERT_EQ(a.is_book, b.is_book);
  if (a.is_book) {
    EXPECT_EQ(a.book.instrument, b.book.instrument);
    EXPECT_EQ(a.book.snapshot, b.book.snapshot);
    EXPECT_EQ(a.book.ts_event, b.book.ts_event);
    EXPECT_EQ(a.book.ts_recv, b.book.ts_recv);
    EXPECT_EQ(a.book.update_id, b.book.update_id);
    EXPECT_EQ(a.book.first_update_id, b.book.first_update_id);
    EXPECT_EQ(a.book.prev_update_id, b.book.prev_update_id);
    EXPECT_EQ(a.book.sequence, b.book.sequence);
    EXPECT_EQ(a.book.bids, b.book.bids);
    EXPECT_EQ(a.book.asks, b.book.asks);
  }
  ASSERT_EQ(a.events.size(), b.events.size());
  for (std::size_t i = 0; i < a.events.size(); ++i) {
    ASSERT_EQ(a.events[i].index(), b.events[i].index());
    if (const auto* t = std::get_if<Trade>(&a.events[i])) {
      const auto& u = std::get<Trade>(b.events[i]);
      EXPECT_EQ(t->ts_event, u.ts_event);
      EXPECT_EQ(t->ts_recv, u.ts_recv);
      EXPECT_EQ(t->instrument, u.instrument);
      EXPECT_EQ(t->price, u.price);
      EXPECT_EQ(t->qty, u.qty);
      EXPECT_EQ(t->aggressor, u.aggressor);
      EXPECT_EQ(t->trade_id, u.trade_id);
    } else if (const auto* q = std::get_if<Quote>(&a.events[i])) {
      const auto& r = std::get<Quote>(b.events[i]);
      EXPECT_EQ(q->ts_event, r.ts_event);
      EXPECT_EQ(q->ts_recv, r.ts_recv);
      EXPECT_EQ(q->instrument, r.instrument);
      EXPECT_EQ(q->bid_price, r.bid_price);
      EXPECT_EQ(q->bid_qty, r.bid_qty);
      EXPECT_EQ(q->ask_price, r.ask_price);
      EXPECT_EQ(q->ask_qty, r.ask_qty);
      EXPECT_EQ(q->update_id, r.update_id);
    }
  }
}

template <class Parser>
Parsed Parse(Parser& parser, std::string_view line) {
  Parsed p;
  p.status = parser.ParseMessage(line, 0, p.book, &p.is_book, p.events);
  return p;
}

TEST(FastPath, BinanceCaptureLinesScannedAndThroughSimdjsonAgree) {
  std::uint64_t lines = 0, book_lines = 0;
  for (const char* f : {"usdm_btcusdt_20240718.gz", "usdm_btcusdt_20240719_head20000.gz", "usdm_ethusdt_20240718.gz",
                        "usdm_ethusdt_20240719_head20000.gz"}) {
    const std::map<std::string, InstrumentId, std::less<>> symbols{{"BTCUSDT", InstrumentId{1}},
                                                                   {"ETHUSDT", InstrumentId{2}}};
    BinanceCaptureParser fast(symbols, InstrumentId{1});
    BinanceCaptureParser slow(symbols, InstrumentId{1});
    std::string path("binance-usdm-2024-07-18/");
    path.append(f);
    auto reader = LineReader::Open(TestData(path));
    ASSERT_TRUE(reader.ok()) << reader.error().ToString();
    std::string_view line;
    while ((*reader)->Next(&line)) {
      const std::string escaped = EscapeFirstChar(line, "stream");
      if (escaped.empty()) continue;  // the REST snapshot line: simdjson either way
      const std::uint64_t before = fast.scanned_lines();
      const Parsed a = Parse(fast, line);
      ASSERT_EQ(fast.scanned_lines(), before + 1) << f << ":" << (*reader)->line_number() << " was not scanned";
      const Parsed b = Parse(slow, escaped);
      ASSERT_EQ(slow.scanned_lines(), 0u);
      ASSERT_TRUE(a.status.ok()) << a.status.ToString();
      std::string where(f);
      where.append(":").append(std::to_string((*reader)->line_number()));
      ExpectSame(a, b, where);
      if (HasFailure()) return;
      ++lines;
      book_lines += a.is_book ? 1 : 0;
    }
  }
  EXPECT_GT(lines, 60000u);
  EXPECT_GT(book_lines, 10000u);
}

TEST(FastPath, BybitArchiveLinesScannedAndThroughSimdjsonAgree) {
  DataInstruments inst_fast, inst_slow;
  BybitJsonParser fast(&inst_fast);
  BybitJsonParser slow(&inst_slow);
  auto reader = LineReader::Open(TestData("bybit-ob500-xrpusdt-2024-12-01/xrpusdt-ob500.data.zip"));
  ASSERT_TRUE(reader.ok()) << reader.error().ToString();
  std::string_view line;
  std::uint64_t lines = 0, levels = 0;
  while ((*reader)->Next(&line)) {
    const std::string escaped = EscapeFirstChar(line, "topic");
    ASSERT_FALSE(escaped.empty());
    const Parsed a = Parse(fast, line);
    ASSERT_EQ(fast.scanned_lines(), lines + 1) << "line " << (*reader)->line_number() << " was not scanned";
    const Parsed b = Parse(slow, escaped);
    ASSERT_EQ(slow.scanned_lines(), 0u);
    ASSERT_TRUE(a.status.ok()) << a.status.ToString();
    ASSERT_TRUE(a.is_book);
    ExpectSame(a, b, "line " + std::to_string((*reader)->line_number()));
    if (HasFailure()) return;
    ++lines;
    levels += a.book.bids.size() + a.book.asks.size();
  }
  EXPECT_EQ(lines, 50u);
  EXPECT_GT(levels, 1000u);
}

// Lines the scanner hands over (or reads, then refuses in the checks both
// paths share): parsed and refused with the same messages as before.
TEST(FastPath, BybitLinesTheScannerHandsOver) {
  const std::string delta =
      R"({"topic":"orderbook.50.BTCUSDT","type":"delta","ts":1687940967466,"data":{"s":"BTCUSDT",)"
      R"("b":[["30247.20","30.028"]],"a":[["30248.70","0"]],"u":177400507,"seq":66544703342},"cts":1687940967464})";
  struct Case {
    std::string line;
    bool ok;
    std::string error;     // substring of the message when !ok
    bool scanned = false;  // well-formed, wrong content: the scanner reads it, FinishBook refuses it
  };
  const std::vector<Case> cases{
      // Read by simdjson: an unknown key, spaces, a level with a third value.
      {std::string(R"({"id":"x",)").append(delta.substr(1)), true, ""},
      // Errors, reported as before.
      {R"({"topic":"orderbook.50.BTCUSDT","type":"delta","ts":1,"data":{"s":"BTCUSDT","b":[["x","1"]],"a":[],"u":5}})",
       false, "field \"b price\": \"x\" is not a decimal"},
      {R"({"topic":"orderbook.50.BTCUSDT","type":"delta","ts":1,"data":{"s":"BTCUSDT","b":[["1","-1"]],"a":[],"u":5}})",
       false, "field \"b qty\""},
      {R"({"topic":"orderbook.50.BTCUSDT","type":"delta","ts":1,"data":{"s":"BTCUSDT","b":[],"a":[]}})", false,
       "field \"u\": missing", true},
      {R"({"topic":"orderbook.50.BTCUSDT","type":"partial","ts":1,"data":{"s":"BTCUSDT","b":[],"a":[],"u":5}})", false,
       "\"partial\" is not snapshot or delta", true},
      {R"({"topic":"orderbook.50.BTCUSDT","type":"delta","data":{"s":"BTCUSDT","b":[],"a":[],"u":5}})", false,
       "field \"ts\": missing", true},
      {delta.substr(0, delta.size() - 1), false, "not JSON"},
      {std::string(delta).append("x"), false, ""},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.line);
    DataInstruments inst;
    BybitJsonParser parser(&inst);
    const Parsed p = Parse(parser, c.line);
    EXPECT_EQ(parser.scanned_lines(), c.scanned ? 1u : 0u);
    EXPECT_EQ(p.status.ok(), c.ok) << p.status.ToString();
    if (!c.ok) {
      EXPECT_NE(p.status.ToString().find(c.error), std::string::npos) << p.status.ToString();
    } else {
      EXPECT_TRUE(p.is_book);
    }
  }
  // The plain message is scanned.
  DataInstruments inst;
  BybitJsonParser parser(&inst);
  const Parsed p = Parse(parser, delta);
  EXPECT_EQ(parser.scanned_lines(), 1u);
  ASSERT_TRUE(p.status.ok());
  EXPECT_EQ(p.book.update_id, 177400507u);
  EXPECT_EQ(p.book.sequence, 66544703342u);
  EXPECT_EQ(p.book.ts_event, UnixNanos::FromMillis(1687940967464));
  ASSERT_EQ(p.book.bids.size(), 1u);
  EXPECT_EQ(p.book.bids[0].price, *Price::Parse("30247.20"));
  EXPECT_EQ(p.book.bids[0].qty, *Qty::Parse("30.028"));
  ASSERT_EQ(p.book.asks.size(), 1u);
  EXPECT_TRUE(p.book.asks[0].qty.IsZero());
}

// JSON whitespace and another key order are still the scanner's, and read
// the same as through simdjson.
TEST(FastPath, SpacesAndKeyOrderAreScannedTheSame) {
  const std::string spaced =
      R"({ "ts" : 1, "type" : "snapshot", "topic" : "orderbook.1.BTCUSDT", "data" : { "u" : 7, "seq" : 8, )"
      "\n\t\"b\" : [ [ \"1.5\" , \"2\" ] ], \"a\" : [ ], \"s\" : \"BTCUSDT\" } }";
  DataInstruments i1, i2;
  BybitJsonParser fast(&i1), slow(&i2);
  const Parsed a = Parse(fast, spaced);
  EXPECT_EQ(fast.scanned_lines(), 1u);
  std::string escaped = spaced;
  escaped.replace(escaped.find("\"orderbook"), 2, "\"\\u006f");
  const Parsed b = Parse(slow, escaped);
  EXPECT_EQ(slow.scanned_lines(), 0u);
  ASSERT_TRUE(a.status.ok()) << a.status.ToString();
  EXPECT_TRUE(a.book.snapshot);
  ASSERT_EQ(a.book.bids.size(), 1u);
  EXPECT_EQ(a.book.bids[0].price, *Price::Parse("1.5"));
  EXPECT_TRUE(a.book.asks.empty());
  EXPECT_EQ(a.book.update_id, 7u);
  EXPECT_EQ(a.book.sequence, 8u);
  ExpectSame(a, b, "spaced");

  const std::string binance =
      R"(1721347020984480942 {"stream":"btcusdt@depth@0ms","data":{"E":1,"e":"depthUpdate","T":2,"s":"BTCUSDT",)"
      R"("U":1,"u":2,"pu":0,"b":[],"a":[["3.5","1"]]}})";
  BinanceCaptureParser p1({{"BTCUSDT", InstrumentId{1}}}, InstrumentId{1});
  const Parsed c = Parse(p1, binance);
  EXPECT_EQ(p1.scanned_lines(), 1u);
  ASSERT_TRUE(c.status.ok()) << c.status.ToString();
  EXPECT_TRUE(c.is_book);
  EXPECT_EQ(c.book.ts_event, UnixNanos::FromMillis(2));
  ASSERT_EQ(c.book.asks.size(), 1u);
  EXPECT_EQ(c.book.asks[0].price, *Price::Parse("3.5"));
}

TEST(FastPath, BinanceLinesTheScannerHandsOver) {
  auto line = [](std::string_view data) {
    std::string s(R"(1721347020984480942 {"stream":"btcusdt@depth@0ms","data":)");
    s.append(data);
    return s;
  };
  struct Case {
    std::string line;
    bool ok;
    std::string error;
  };
  const std::vector<Case> cases{
      {line(R"({"U":1,"e":"depthUpdate"}})"), false, "data does not start with \"e\""},
      {line(R"({"e":"aggTrade","s":"BTCUSDT"}})"), false, "unknown message type \"aggTrade\""},
      {line(R"({"e":"depthUpdate","T":1,"s":"BTCUSDT","U":1,"u":2,"pu":0,"b":[["1.0","0.5","x"]],"a":[]}})"), true, ""},
      {line(R"({"e":"depthUpdate","T":1,"s":"BTCUSDT","U":1,"u":2,"pu":0,"b":[["1.0",0.5]],"a":[]}})"), false,
       "level qty is not a string"},
      {line(R"({"e":"trade","T":1,"s":"BTCUSDT","t":5,"p":"1","q":"1","m":"yes"}})"), false,
       "field \"m\": not a boolean"},
      {line(R"({"e":"bookTicker","u":3,"s":"BTCUSDT","b":"1e400","B":"1","a":"2","A":"1","T":1}})"), false,
       "field \"b\""},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.line);
    BinanceCaptureParser parser({{"BTCUSDT", InstrumentId{1}}}, InstrumentId{1});
    const Parsed p = Parse(parser, c.line);
    EXPECT_EQ(parser.scanned_lines(), 0u);
    EXPECT_EQ(p.status.ok(), c.ok) << p.status.ToString();
    if (!c.ok) {
      EXPECT_NE(p.status.ToString().find(c.error), std::string::npos) << p.status.ToString();
    }
  }
}

}  // namespace
}  // namespace hean
