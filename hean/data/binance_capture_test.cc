#include "hean/data/binance_capture.h"

#include <gtest/gtest.h>

#include <cstring>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "hean/data/line_reader.h"

namespace hean {
namespace {

constexpr InstrumentId kBtc{7};
constexpr InstrumentId kEth{8};

// Lines in the capture's exact format. The trade and bookTicker lines are
// copied verbatim from testdata/binance-usdm-2024-07-18/usdm_btcusdt_20240718.gz;
// the depth and snapshot lines are real ones with most levels left out.
constexpr std::string_view kDepthLine =
    R"(1721347020984480942 {"stream":"btcusdt@depth@0ms","data":{"e":"depthUpdate","E":1721347022504,)"
    R"("T":1721347022503,"s":"BTCUSDT","U":4984028367545,"u":4984028370730,"pu":4984028367494,)"
    R"("b":[["63939.80","0.100"],["63939.70","0.000"]],"a":[["63947.40","0.109"],["63951.10","0.000"],)"
    R"(["63960.00","1.250"]]}})";
constexpr std::string_view kEmptyDepthLine =
    R"(1721347021000000001 {"stream":"btcusdt@depth@0ms","data":{"e":"depthUpdate","E":1721347022600,)"
    R"("T":1721347022599,"s":"BTCUSDT","U":4984028370731,"u":4984028370735,"pu":4984028370730,"b":[],"a":[]}})";
constexpr std::string_view kTradeSellLine =
    R"(1721347021434994132 {"stream":"btcusdt@trade","data":{"e":"trade","E":1721347022956,"T":1721347022956,)"
    R"("s":"BTCUSDT","t":5182005737,"p":"63943.90","q":"0.003","X":"MARKET","m":true}})";
constexpr std::string_view kTradeBuyLine =
    R"(1721347024096064463 {"stream":"btcusdt@trade","data":{"e":"trade","E":1721347025617,"T":1721347025617,)"
    R"("s":"BTCUSDT","t":5182005745,"p":"63944.00","q":"0.003","X":"MARKET","m":false}})";
constexpr std::string_view kTickerLine =
    R"(1721347021080832061 {"stream":"btcusdt@bookTicker","data":{"e":"bookTicker","u":4984028370881,)"
    R"("s":"BTCUSDT","b":"63943.90","B":"46.371","a":"63944.00","A":"0.095","T":1721347022507,"E":1721347022507}})";
constexpr std::string_view kSnapshotLine =
    R"(1721347021281597601 {"lastUpdateId":4984028384061,"E":1721347022759,"T":1721347022750,)"
    R"("bids":[["63943.90","46.372"],["63943.80","0.007"],["63943.20","0.040"]],)"
    R"("asks":[["63944.00","0.095"],["63944.10","0.002"]]})";

Price P(std::string_view s) { return *Price::Parse(s); }
Qty Q(std::string_view s) { return *Qty::Parse(s); }

std::map<std::string, InstrumentId, std::less<>> Symbols() { return {{"BTCUSDT", kBtc}, {"ETHUSDT", kEth}}; }

// Holds a line with `padding` readable zero bytes after it, in an allocation
// of exactly that size (so ASan sees any read beyond).
class Buffer {
 public:
  Buffer(std::string_view line, std::size_t padding)
      : size_(line.size()), padding_(padding), data_(new char[line.size() + padding]) {
    std::memcpy(data_.get(), line.data(), line.size());
    std::memset(data_.get() + line.size(), 0, padding);
  }
  std::string_view view() const { return {data_.get(), size_}; }
  std::size_t padding() const { return padding_; }

 private:
  std::size_t size_;
  std::size_t padding_;
  std::unique_ptr<char[]> data_;
};

class BinanceCaptureTest : public ::testing::Test {
 protected:
  Status Parse(std::string_view line, std::size_t padding = 64) {
    Buffer b(line, padding);
    return parser_.ParseLine(b.view(), b.padding(), out_);
  }

  // Parses a line that must fail: nothing may be appended to out_ (which
  // holds one sentinel event), and the message must contain `substr`.
  void ExpectError(std::string_view line, std::string_view substr) {
    SCOPED_TRACE(std::string(line));
    out_.clear();
    out_.emplace_back(Trade{});
    for (const std::size_t padding : {std::size_t{64}, std::size_t{0}}) {
      const Status s = Parse(line, padding);
      EXPECT_FALSE(s.ok());
      EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << s.ToString();
      EXPECT_NE(s.message().find(substr), std::string::npos) << "want \"" << substr << "\" in: " << s.ToString();
      EXPECT_EQ(out_.size(), 1u);
    }
  }

  BinanceCaptureParser parser_{Symbols(), kBtc};
  std::vector<Event> out_;
};

TEST_F(BinanceCaptureTest, DepthUpdateBecomesOneDeltaPerLevelBidsFirst) {
  ASSERT_TRUE(Parse(kDepthLine).ok());
  ASSERT_EQ(out_.size(), 5u);
  const struct {
    Side side;
    const char* price;
    const char* qty;
  } want[] = {{Side::kBuy, "63939.80", "0.100"},
              {Side::kBuy, "63939.70", "0"},
              {Side::kSell, "63947.40", "0.109"},
              {Side::kSell, "63951.10", "0"},
              {Side::kSell, "63960.00", "1.25"}};
  for (std::size_t i = 0; i < out_.size(); ++i) {
    SCOPED_TRACE(i);
    const auto* d = std::get_if<BookDelta>(&out_[i]);
    ASSERT_NE(d, nullptr);
    EXPECT_EQ(d->side, want[i].side);
    EXPECT_EQ(d->price, P(want[i].price));
    EXPECT_EQ(d->qty, Q(want[i].qty));
    EXPECT_EQ(d->instrument, kBtc);
    EXPECT_EQ(d->first_update_id, 4984028367545u);
    EXPECT_EQ(d->update_id, 4984028370730u);
    EXPECT_EQ(d->prev_update_id, 4984028367494u);
    EXPECT_EQ(d->ts_recv.nanos(), 1721347020984480942);
    EXPECT_EQ(d->ts_event.nanos(), 1721347022503LL * 1'000'000);  // "T", not "E"
    EXPECT_EQ(d->sequence, 0u);
    EXPECT_EQ(d->flags, i + 1 == out_.size() ? BookDelta::kLastInMessage : 0);
  }
}

TEST_F(BinanceCaptureTest, AppendsAfterExistingEvents) {
  out_.emplace_back(Trade{});
  ASSERT_TRUE(Parse(kDepthLine).ok());
  ASSERT_EQ(out_.size(), 6u);
  EXPECT_TRUE(std::holds_alternative<Trade>(out_[0]));
  EXPECT_EQ(std::get<BookDelta>(out_[5]).flags, BookDelta::kLastInMessage);
  EXPECT_EQ(std::get<BookDelta>(out_[1]).flags, 0);
}

TEST_F(BinanceCaptureTest, EmptyDepthUpdateIsOneNoLevelsDelta) {
  ASSERT_TRUE(Parse(kEmptyDepthLine).ok());
  ASSERT_EQ(out_.size(), 1u);
  const auto* d = std::get_if<BookDelta>(&out_[0]);
  ASSERT_NE(d, nullptr);
  EXPECT_EQ(d->flags, BookDelta::kNoLevels | BookDelta::kLastInMessage);
  EXPECT_FALSE(d->price.IsDefined());
  EXPECT_EQ(d->first_update_id, 4984028370731u);
  EXPECT_EQ(d->update_id, 4984028370735u);
  EXPECT_EQ(d->prev_update_id, 4984028370730u);
  EXPECT_EQ(d->instrument, kBtc);
  EXPECT_EQ(d->ts_recv.nanos(), 1721347021000000001);
  EXPECT_EQ(d->ts_event.nanos(), 1721347022599LL * 1'000'000);
}

TEST_F(BinanceCaptureTest, DepthUpdateWithOnlyAsks) {
  ASSERT_TRUE(Parse(R"(5 {"stream":"ethusdt@depth@0ms","data":{"e":"depthUpdate","E":2,"T":1,"s":"ETHUSDT",)"
                    R"("U":10,"u":12,"pu":9,"b":[],"a":[["3400.01","2.5"]]}})")
                  .ok());
  ASSERT_EQ(out_.size(), 1u);
  const auto& d = std::get<BookDelta>(out_[0]);
  EXPECT_EQ(d.instrument, kEth);
  EXPECT_EQ(d.side, Side::kSell);
  EXPECT_EQ(d.flags, BookDelta::kLastInMessage);
  EXPECT_EQ(d.price, P("3400.01"));
  EXPECT_EQ(d.ts_event.nanos(), 1'000'000);
}

TEST_F(BinanceCaptureTest, TradeWithBuyerMakerHasSellerAggressor) {
  ASSERT_TRUE(Parse(kTradeSellLine).ok());
  ASSERT_EQ(out_.size(), 1u);
  const auto* t = std::get_if<Trade>(&out_[0]);
  ASSERT_NE(t, nullptr);
  EXPECT_EQ(t->aggressor, AggressorSide::kSeller);
  EXPECT_EQ(t->price, P("63943.90"));
  EXPECT_EQ(t->qty, Q("0.003"));
  EXPECT_EQ(t->trade_id.view(), "5182005737");
  EXPECT_EQ(t->instrument, kBtc);
  EXPECT_EQ(t->ts_recv.nanos(), 1721347021434994132);
  EXPECT_EQ(t->ts_event.nanos(), 1721347022956LL * 1'000'000);
}

TEST_F(BinanceCaptureTest, TradeWithSellerMakerHasBuyerAggressor) {
  ASSERT_TRUE(Parse(kTradeBuyLine).ok());
  ASSERT_EQ(out_.size(), 1u);
  const auto& t = std::get<Trade>(out_[0]);
  EXPECT_EQ(t.aggressor, AggressorSide::kBuyer);
  EXPECT_EQ(t.price, P("63944.00"));
  EXPECT_EQ(t.trade_id.view(), "5182005745");
  EXPECT_EQ(t.ts_recv.nanos(), 1721347024096064463);
}

TEST_F(BinanceCaptureTest, BookTickerBecomesQuote) {
  ASSERT_TRUE(Parse(kTickerLine).ok());
  ASSERT_EQ(out_.size(), 1u);
  const auto* q = std::get_if<Quote>(&out_[0]);
  ASSERT_NE(q, nullptr);
  EXPECT_EQ(q->instrument, kBtc);
  EXPECT_EQ(q->bid_price, P("63943.90"));
  EXPECT_EQ(q->bid_qty, Q("46.371"));
  EXPECT_EQ(q->ask_price, P("63944.00"));
  EXPECT_EQ(q->ask_qty, Q("0.095"));
  EXPECT_EQ(q->update_id, 4984028370881u);
  EXPECT_EQ(q->ts_recv.nanos(), 1721347021080832061);
  EXPECT_EQ(q->ts_event.nanos(), 1721347022507LL * 1'000'000);
}

TEST_F(BinanceCaptureTest, EventTimeIsUsedWhenTransactionTimeIsAbsent) {
  ASSERT_TRUE(Parse(R"(9 {"stream":"btcusdt@bookTicker","data":{"e":"bookTicker","u":3,"s":"BTCUSDT",)"
                    R"("b":"1.0","B":"2","a":"1.1","A":"3","E":1721347022000}})")
                  .ok());
  ASSERT_EQ(out_.size(), 1u);
  EXPECT_EQ(std::get<Quote>(out_[0]).ts_event.nanos(), 1721347022000LL * 1'000'000);
}

TEST_F(BinanceCaptureTest, SnapshotBecomesBookSnapshot) {
  ASSERT_TRUE(Parse(kSnapshotLine).ok());
  ASSERT_EQ(out_.size(), 1u);
  const auto* s = std::get_if<BookSnapshot>(&out_[0]);
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(s->instrument, kBtc);  // the snapshot instrument
  EXPECT_EQ(s->update_id, 4984028384061u);
  EXPECT_EQ(s->sequence, 0u);
  EXPECT_EQ(s->ts_recv.nanos(), 1721347021281597601);
  EXPECT_EQ(s->ts_event.nanos(), 1721347022750LL * 1'000'000);
  ASSERT_NE(s->levels, nullptr);
  EXPECT_EQ(
      s->levels->bids,
      (std::vector<BookLevel>{{P("63943.90"), Q("46.372")}, {P("63943.80"), Q("0.007")}, {P("63943.20"), Q("0.040")}}));
  EXPECT_EQ(s->levels->asks, (std::vector<BookLevel>{{P("63944.00"), Q("0.095")}, {P("63944.10"), Q("0.002")}}));
}

TEST_F(BinanceCaptureTest, SnapshotGoesToTheSnapshotInstrument) {
  BinanceCaptureParser eth(Symbols(), kEth);
  std::vector<Event> out;
  Buffer b(kSnapshotLine, 64);
  ASSERT_TRUE(eth.ParseLine(b.view(), b.padding(), out).ok());
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(std::get<BookSnapshot>(out[0]).instrument, kEth);
}

TEST_F(BinanceCaptureTest, SnapshotWithoutASideIsRefused) {
  // The parser reuses its level vectors: a snapshot without "asks" used to
  // get the asks of the depthUpdate parsed before it. A side that is not
  // there is an error, as for a depthUpdate.
  ASSERT_TRUE(Parse(kDepthLine).ok());
  ExpectError(R"(1 {"lastUpdateId":100,"E":5,"T":4,"bids":[["10.0","1"]]})", "field \"asks\": missing");
  ASSERT_TRUE(Parse(kDepthLine).ok());
  ExpectError(R"(1 {"lastUpdateId":100,"E":5,"T":4,"asks":[["10.0","1"]]})", "field \"bids\": missing");
  // Empty sides are fine.
  out_.clear();
  ASSERT_TRUE(Parse(kDepthLine).ok());
  out_.clear();
  ASSERT_TRUE(Parse(R"(1 {"lastUpdateId":100,"E":5,"T":4,"bids":[],"asks":[]})").ok());
  ASSERT_EQ(out_.size(), 1u);
  const auto& snap = std::get<BookSnapshot>(out_[0]);
  EXPECT_TRUE(snap.levels->bids.empty());
  EXPECT_TRUE(snap.levels->asks.empty());
}

TEST_F(BinanceCaptureTest, ParsesKindsInAnyOrderWithOneParser) {
  for (std::string_view line :
       {kDepthLine, kTradeSellLine, kTickerLine, kSnapshotLine, kEmptyDepthLine, kTradeBuyLine, kDepthLine}) {
    ASSERT_TRUE(Parse(line).ok()) << line;
  }
  ASSERT_EQ(out_.size(), 5u + 1 + 1 + 1 + 1 + 1 + 5);
  EXPECT_TRUE(std::holds_alternative<Trade>(out_[5]));
  EXPECT_TRUE(std::holds_alternative<Quote>(out_[6]));
  EXPECT_TRUE(std::holds_alternative<BookSnapshot>(out_[7]));
  EXPECT_EQ(std::get<BookDelta>(out_[8]).flags, BookDelta::kNoLevels | BookDelta::kLastInMessage);
  EXPECT_TRUE(std::holds_alternative<Trade>(out_[9]));
  EXPECT_EQ(std::get<BookDelta>(out_[14]).flags, BookDelta::kLastInMessage);
}

// Compares two event lists field by field for the kinds the parser makes.
void ExpectSameEvents(const std::vector<Event>& a, const std::vector<Event>& b) {
  ASSERT_EQ(a.size(), b.size());
  for (std::size_t i = 0; i < a.size(); ++i) {
    ASSERT_EQ(a[i].index(), b[i].index()) << i;
    EXPECT_EQ(TsEvent(a[i]), TsEvent(b[i])) << i;
    EXPECT_EQ(TsRecv(a[i]), TsRecv(b[i])) << i;
    if (const auto* d = std::get_if<BookDelta>(&a[i])) {
      const auto& e = std::get<BookDelta>(b[i]);
      EXPECT_TRUE(d->side == e.side && d->flags == e.flags && d->price == e.price && d->qty == e.qty &&
                  d->update_id == e.update_id && d->first_update_id == e.first_update_id &&
                  d->prev_update_id == e.prev_update_id && d->instrument == e.instrument)
          << i;
    } else if (const auto* t = std::get_if<Trade>(&a[i])) {
      const auto& e = std::get<Trade>(b[i]);
      EXPECT_TRUE(t->aggressor == e.aggressor && t->price == e.price && t->qty == e.qty && t->trade_id == e.trade_id &&
                  t->instrument == e.instrument)
          << i;
    } else if (const auto* q = std::get_if<Quote>(&a[i])) {
      const auto& e = std::get<Quote>(b[i]);
      EXPECT_TRUE(q->bid_price == e.bid_price && q->bid_qty == e.bid_qty && q->ask_price == e.ask_price &&
                  q->ask_qty == e.ask_qty && q->update_id == e.update_id && q->instrument == e.instrument)
          << i;
    } else if (const auto* s = std::get_if<BookSnapshot>(&a[i])) {
      const auto& e = std::get<BookSnapshot>(b[i]);
      EXPECT_EQ(s->update_id, e.update_id) << i;
      EXPECT_EQ(s->instrument, e.instrument) << i;
      ASSERT_TRUE(s->levels && e.levels);
      EXPECT_EQ(s->levels->bids, e.levels->bids) << i;
      EXPECT_EQ(s->levels->asks, e.levels->asks) << i;
    }
  }
}

TEST_F(BinanceCaptureTest, ShortPaddingGivesTheSameResultAsPaddedParse) {
  for (std::string_view line : {kDepthLine, kEmptyDepthLine, kTradeSellLine, kTickerLine, kSnapshotLine}) {
    SCOPED_TRACE(std::string(line.substr(0, 60)));
    std::vector<Event> padded;
    {
      Buffer b(line, 64);
      ASSERT_TRUE(parser_.ParseLine(b.view(), b.padding(), padded).ok());
    }
    for (const std::size_t readable : {std::size_t{0}, std::size_t{1}, std::size_t{31}, std::size_t{63}}) {
      SCOPED_TRACE(readable);
      std::vector<Event> copied;
      Buffer b(line, readable);
      ASSERT_TRUE(parser_.ParseLine(b.view(), b.padding(), copied).ok());
      ExpectSameEvents(padded, copied);
    }
  }
}

TEST_F(BinanceCaptureTest, ParsesEveryLineOfTheRealSample) {
  auto reader =
      LineReader::Open(std::string(HEAN_SOURCE_DIR) + "/testdata/binance-usdm-2024-07-18/usdm_btcusdt_20240718.gz");
  ASSERT_TRUE(reader.ok()) << reader.error().ToString();
  LineReader& r = **reader;
  std::string_view line;
  std::size_t snapshots = 0, trades = 0, quotes = 0, messages = 0, deltas = 0;
  std::vector<Event> copied;
  while (r.Next(&line)) {
    out_.clear();
    const Status s = parser_.ParseLine(line, r.readable_after(line), out_);
    ASSERT_TRUE(s.ok()) << "line " << r.line_number() << ": " << s.ToString();
    ASSERT_FALSE(out_.empty()) << "line " << r.line_number();
    if (r.line_number() % 97 == 0) {  // the copy path agrees on a sample of lines
      copied.clear();
      Buffer b(line, 0);
      ASSERT_TRUE(parser_.ParseLine(b.view(), 0, copied).ok()) << "line " << r.line_number();
      ExpectSameEvents(out_, copied);
    }
    for (const Event& e : out_) {
      EXPECT_EQ(TsRecv(e).nanos() > 1'700'000'000'000'000'000, true);
      if (std::holds_alternative<BookSnapshot>(e)) ++snapshots;
      if (std::holds_alternative<Trade>(e)) ++trades;
      if (std::holds_alternative<Quote>(e)) ++quotes;
      if (const auto* d = std::get_if<BookDelta>(&e)) {
        ++deltas;
        if (d->flags & BookDelta::kLastInMessage) ++messages;
      }
    }
  }
  EXPECT_TRUE(r.status().ok()) << r.status().ToString();
  EXPECT_EQ(r.line_number(), 11414u);
  EXPECT_EQ(snapshots, 1u);
  EXPECT_GT(trades, 0u);
  EXPECT_GT(quotes, 0u);
  EXPECT_GT(deltas, messages);
  EXPECT_EQ(snapshots + trades + quotes + messages, 11414u);  // one message per line
}

TEST_F(BinanceCaptureTest, RejectsLineWithoutTimestamp) {
  ExpectError(R"({"lastUpdateId":1,"bids":[],"asks":[]})", "<receive ns> <json>");
  ExpectError(R"( {"lastUpdateId":1,"bids":[],"asks":[]})", "<receive ns> <json>");
  ExpectError("", "<receive ns> <json>");
}

TEST_F(BinanceCaptureTest, RejectsNonNumericTimestamp) {
  ExpectError(R"(12ab {"lastUpdateId":1,"bids":[],"asks":[]})", "receive timestamp \"12ab\" is not a positive integer");
  ExpectError(R"(-5 {"lastUpdateId":1,"bids":[],"asks":[]})", "is not a positive integer");
  ExpectError(R"(0 {"lastUpdateId":1,"bids":[],"asks":[]})", "is not a positive integer");
  ExpectError(R"(99999999999999999999999 {"lastUpdateId":1,"bids":[],"asks":[]})", "is not a positive integer");
}

TEST_F(BinanceCaptureTest, RejectsNonJson) {
  ExpectError("123 hello world", "JSON");
  ExpectError("123 {\"stream\":", "");
  ExpectError("123 {\"stream\":\"x\",\"data\":{\"e\":\"trade\"", "");
  ExpectError("123 ", "JSON");
  ExpectError("123 {{{", "");
}

TEST_F(BinanceCaptureTest, RejectsJsonArray) { ExpectError(R"(123 [1,2,3])", "JSON is not an object"); }

TEST_F(BinanceCaptureTest, RejectsObjectThatIsNeitherStreamNorSnapshot) {
  ExpectError(R"(123 {})", "neither a stream message nor a depth snapshot");
  ExpectError(R"(123 {"stream":"btcusdt@trade"})", "neither a stream message nor a depth snapshot");
  ExpectError(R"(123 {"stream":"btcusdt@trade","data":[1]})", "field \"data\": not an object");
}

TEST_F(BinanceCaptureTest, RejectsSnapshotWithoutLastUpdateId) {
  ExpectError(R"(123 {"E":1,"T":1,"bids":[["1.0","1"]],"asks":[]})", "field \"lastUpdateId\": missing");
  ExpectError(R"(123 {"lastUpdateId":"7","bids":[],"asks":[]})", "field \"lastUpdateId\": not an unsigned integer");
}

TEST_F(BinanceCaptureTest, RejectsUnknownMessageType) {
  ExpectError(R"(123 {"stream":"btcusdt@kline_1m","data":{"e":"kline","E":1,"s":"BTCUSDT","k":{"t":1}}})",
              "unknown message type \"kline\"");
  ExpectError(R"(123 {"stream":"btcusdt@kline_1m","data":{"e":"kline","E":1,"s":"BTCUSDT"}})",
              "unknown message type \"kline\"");
}

TEST_F(BinanceCaptureTest, RejectsDataWithoutLeadingType) {
  ExpectError(R"(123 {"stream":"x","data":{"s":"BTCUSDT","u":5,"e":"depthUpdate"}})", "data does not start with");
}

TEST_F(BinanceCaptureTest, RejectsUnknownSymbol) {
  ExpectError(R"(1721347021434994132 {"stream":"xrpusdt@trade","data":{"e":"trade","E":1,"T":1,"s":"XRPUSDT",)"
              R"("t":5,"p":"0.5","q":"1","m":true}})",
              "unknown symbol \"XRPUSDT\"");
  ExpectError(R"(1 {"stream":"x","data":{"e":"trade","E":1,"T":1,"t":5,"p":"0.5","q":"1","m":true}})",
              "field \"s\": missing");
}

TEST_F(BinanceCaptureTest, RejectsDepthUpdateWithoutFinalUpdateId) {
  ExpectError(R"(1 {"stream":"btcusdt@depth@0ms","data":{"e":"depthUpdate","E":1,"T":1,"s":"BTCUSDT",)"
              R"("U":10,"pu":9,"b":[["1.0","1"]],"a":[]}})",
              "field \"u\": missing");
  ExpectError(R"(1 {"stream":"btcusdt@depth@0ms","data":{"e":"depthUpdate","E":1,"T":1,"s":"BTCUSDT",)"
              R"("u":10,"pu":9,"b":[["1.0","1"]],"a":[]}})",
              "field \"U\": missing");
  ExpectError(R"(1 {"stream":"btcusdt@depth@0ms","data":{"e":"depthUpdate","E":1,"T":1,"s":"BTCUSDT",)"
              R"("U":10,"u":"12","pu":9,"b":[],"a":[]}})",
              "field \"u\": not an unsigned integer");
  ExpectError(R"(1 {"stream":"btcusdt@depth@0ms","data":{"e":"depthUpdate","E":1,"T":1,"s":"BTCUSDT",)"
              R"("U":10,"u":12,"pu":9,"b":[]}})",
              "field \"a\": missing");
}

TEST_F(BinanceCaptureTest, RejectsBadPriceNamingFieldAndInput) {
  ExpectError(R"(1 {"stream":"btcusdt@depth@0ms","data":{"e":"depthUpdate","E":1,"T":1,"s":"BTCUSDT",)"
              R"("U":10,"u":12,"pu":9,"b":[["1.0","1"],["abc","1.000"]],"a":[]}})",
              "field \"b price\": \"abc\"");
  ExpectError(R"(1 {"stream":"btcusdt@depth@0ms","data":{"e":"depthUpdate","E":1,"T":1,"s":"BTCUSDT",)"
              R"("U":10,"u":12,"pu":9,"b":[],"a":[["1.0","1"],["abc","1.000"]]}})",
              "field \"a price\": \"abc\"");
  ExpectError(R"(1 {"stream":"btcusdt@trade","data":{"e":"trade","E":1,"T":1,"s":"BTCUSDT",)"
              R"("t":5,"p":"abc","q":"1","m":true}})",
              "field \"p\": \"abc\"");
  ExpectError(R"(1 {"stream":"btcusdt@bookTicker","data":{"e":"bookTicker","u":3,"s":"BTCUSDT",)"
              R"("b":"1.0","B":"2","a":"x1","A":"3","E":1}})",
              "field \"a\": \"x1\"");
  ExpectError(R"(1 {"lastUpdateId":100,"bids":[["1.0","1"]],"asks":[["abc","1"]]})", "field \"asks price\": \"abc\"");
}

TEST_F(BinanceCaptureTest, RejectsNegativeQty) {
  ExpectError(R"(1 {"stream":"btcusdt@depth@0ms","data":{"e":"depthUpdate","E":1,"T":1,"s":"BTCUSDT",)"
              R"("U":10,"u":12,"pu":9,"b":[["1.0","1"]],"a":[["2.0","-1"]]}})",
              "field \"a qty\": \"-1\"");
  ExpectError(R"(1 {"lastUpdateId":100,"bids":[["1.0","-1"]],"asks":[]})", "field \"bids qty\": \"-1\"");
  ExpectError(R"(1 {"stream":"btcusdt@trade","data":{"e":"trade","E":1,"T":1,"s":"BTCUSDT",)"
              R"("t":5,"p":"1.0","q":"-1","m":true}})",
              "field \"q\": \"-1\"");
}

TEST_F(BinanceCaptureTest, RejectsOverflowingPrice) {
  // Out of the fixed-point range: refused with the field and the input. (The
  // code is OUT_OF_RANGE, from DecimalFieldError, not INVALID_ARGUMENT.)
  out_.clear();
  const Status s = Parse(R"(1 {"stream":"btcusdt@depth@0ms","data":{"e":"depthUpdate","E":1,"T":1,"s":"BTCUSDT",)"
                         R"("U":10,"u":12,"pu":9,"b":[["99999999999.0","1"]],"a":[]}})");
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.message().find("field \"b price\": \"99999999999.0\""), std::string::npos) << s.ToString();
  EXPECT_TRUE(out_.empty());
}

TEST_F(BinanceCaptureTest, RejectsLevelThatIsNotAnArray) {
  ExpectError(R"(1 {"stream":"btcusdt@depth@0ms","data":{"e":"depthUpdate","E":1,"T":1,"s":"BTCUSDT",)"
              R"("U":10,"u":12,"pu":9,"b":["63939.80"],"a":[]}})",
              "field \"b\": level is not an array");
  ExpectError(R"(1 {"stream":"btcusdt@depth@0ms","data":{"e":"depthUpdate","E":1,"T":1,"s":"BTCUSDT",)"
              R"("U":10,"u":12,"pu":9,"b":{"p":"1"},"a":[]}})",
              "field \"b\": not an array");
  ExpectError(R"(1 {"stream":"btcusdt@depth@0ms","data":{"e":"depthUpdate","E":1,"T":1,"s":"BTCUSDT",)"
              R"("U":10,"u":12,"pu":9,"b":[[1.0,"1"]],"a":[]}})",
              "level price is not a string");
  ExpectError(R"(1 {"stream":"btcusdt@depth@0ms","data":{"e":"depthUpdate","E":1,"T":1,"s":"BTCUSDT",)"
              R"("U":10,"u":12,"pu":9,"b":[["1.0"]],"a":[]}})",
              "level qty is not a string");
  ExpectError(R"(1 {"stream":"btcusdt@depth@0ms","data":{"e":"depthUpdate","E":1,"T":1,"s":"BTCUSDT",)"
              R"("U":10,"u":12,"pu":9,"b":[[]],"a":[]}})",
              "level price is not a string");
}

TEST_F(BinanceCaptureTest, RejectsIncompleteTrade) {
  ExpectError(R"(1 {"stream":"btcusdt@trade","data":{"e":"trade","E":1,"T":1,"s":"BTCUSDT","t":5,"p":"1.0","q":"1"}})",
              "field \"m\": missing");
  ExpectError(R"(1 {"stream":"btcusdt@trade","data":{"e":"trade","E":1,"T":1,"s":"BTCUSDT","t":5,"q":"1","m":true}})",
              "field \"p\": missing");
  ExpectError(R"(1 {"stream":"btcusdt@trade","data":{"e":"trade","E":1,"T":1,"s":"BTCUSDT","p":"1.0","m":true}})",
              "field \"t\": missing");
  ExpectError(
      R"(1 {"stream":"btcusdt@trade","data":{"e":"trade","E":1,"T":1,"s":"BTCUSDT","t":5,"p":"1","q":"1","m":"yes"}})",
      "field \"m\": not a boolean");
}

TEST_F(BinanceCaptureTest, ErrorAfterGoodLevelsAppendsNothing) {
  // The first levels parse fine; the bad one comes last.
  out_.clear();
  const Status s = Parse(R"(1 {"stream":"btcusdt@depth@0ms","data":{"e":"depthUpdate","E":1,"T":1,"s":"BTCUSDT",)"
                         R"("U":10,"u":12,"pu":9,"b":[["1.0","1"],["0.9","2"]],"a":[["1.1","1"],["1.2","zz"]]}})");
  EXPECT_FALSE(s.ok());
  EXPECT_TRUE(out_.empty());
  // And the parser is still usable.
  ASSERT_TRUE(Parse(kTradeSellLine).ok());
  EXPECT_EQ(out_.size(), 1u);
}

}  // namespace
}  // namespace hean
