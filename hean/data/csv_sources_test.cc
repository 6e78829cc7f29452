#include "hean/data/csv_sources.h"

#include <gtest/gtest.h>
#include <zlib.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "hean/data/test_files.h"

#ifndef HEAN_SOURCE_DIR
#error "HEAN_SOURCE_DIR must be defined by the build (cmake/HeanHelpers.cmake)"
#endif

namespace hean {
namespace {

std::string Fixture(const std::string& rel) { return std::string(HEAN_SOURCE_DIR) + "/testdata/" + rel; }

const std::string kTardisDir = "tardis-binance-futures/";
const std::string kTardisTrades = kTardisDir + "tardis_binance-futures_BTCUSDT_trades_2020-02-22_head200.csv";
const std::string kTardisQuotes = kTardisDir + "tardis_binance-futures_BTCUSDT_quotes_2020-02-22_head200.csv";
const std::string kTardisSnapshot25 = kTardisDir + "tardis_binance-futures_book_snapshot_25_BTCUSDT.csv";
const std::string kTDepthSnap = kTardisDir + "binance-futures_BTCUSDT_T_DEPTH_2022-11-01_depth_snap_first100.csv";
const std::string kTDepthUpdate = kTardisDir + "binance-futures_BTCUSDT_T_DEPTH_2022-11-01_depth_update_first100.csv";
const std::string kCandles = "candles-1m/btc-perp-20211231-20220201_1m_head300.csv";
const std::string kKline = "candles-1m/ADABTC-1m-2021-11-27_head20.csv";
const std::string kBybitTrades = "bybit-trades/BTCUSD2020-03-26_hand.csv";
const std::string kIncrementalL2 = "tardis-incremental-l2/tardis_binance-futures_incremental_book_L2_BTCUSDT_hand.csv";

constexpr std::string_view kTardisTradesHeader = "exchange,symbol,timestamp,local_timestamp,id,side,price,amount\n";

Price P(std::string_view s) { return *Price::Parse(s); }
Qty Q(std::string_view s) { return *Qty::Parse(s); }
UnixNanos Us(std::int64_t us) { return UnixNanos::FromMicros(us); }
UnixNanos Ms(std::int64_t ms) { return UnixNanos::FromMillis(ms); }

struct ReadOutcome {
  std::vector<Event> events;
  std::size_t calls = 0;  // Next() calls that returned true
  bool each_call_added = true;
  Status status;
  SkipLog skipped;
  std::uint64_t last_line = 0;
  std::string format;
};

ReadOutcome ReadAll(EventSource& src) {
  ReadOutcome o;
  for (;;) {
    const std::size_t before = o.events.size();
    if (!src.Next(o.events)) {
      if (o.events.size() != before) o.each_call_added = false;  // false must not append
      break;
    }
    ++o.calls;
    if (o.events.size() == before) o.each_call_added = false;
  }
  // Stays at the end.
  std::vector<Event> more;
  EXPECT_FALSE(src.Next(more));
  EXPECT_TRUE(more.empty());
  o.status = src.status();
  o.skipped = src.skipped();
  o.last_line = src.line_number();
  o.format = std::string(src.format());
  return o;
}

class CsvSourcesTest : public TempDirTest {
 protected:
  void SetUp() override {
    TempDirTest::SetUp();
    options_.instruments = &instruments_;
  }

  // Opens and reads everything; fails the test if opening fails.
  ReadOutcome Read(const std::string& path, CsvFormat format) {
    auto src = OpenCsvSource(path, format, options_);
    EXPECT_TRUE(src.ok()) << (src.ok() ? "" : src.error().ToString());
    if (!src.ok()) return {};
    return ReadAll(**src);
  }

  const DataInstruments::Entry& InstrumentOf(InstrumentId id) const { return instruments_.Get(id); }

  DataInstruments instruments_;
  SourceOptions options_;
};

std::string FirstLine(const std::string& path) {
  std::ifstream f(path);
  std::string line;
  std::getline(f, line);
  return line;
}

// ---------------------------------------------------------------- detection

TEST(CsvFormatTest, Names) {
  EXPECT_EQ(ToString(CsvFormat::kBybitTrades), "bybit-trades");
  EXPECT_EQ(ToString(CsvFormat::kTardisTrades), "tardis-trades");
  EXPECT_EQ(ToString(CsvFormat::kTardisQuotes), "tardis-quotes");
  EXPECT_EQ(ToString(CsvFormat::kTardisBookSnapshot), "tardis-book-snapshot");
  EXPECT_EQ(ToString(CsvFormat::kTardisIncrementalL2), "tardis-incremental-l2");
  EXPECT_EQ(ToString(CsvFormat::kBinanceTDepth), "binance-tdepth");
  EXPECT_EQ(ToString(CsvFormat::kCandles), "candles");
  EXPECT_EQ(ToString(CsvFormat::kBinanceKline), "binance-kline");
}

TEST(CsvDetectTest, RecognisesEveryFixture) {
  const std::vector<std::pair<std::string, CsvFormat>> cases = {
      {kBybitTrades, CsvFormat::kBybitTrades},
      {kTardisTrades, CsvFormat::kTardisTrades},
      {kTardisQuotes, CsvFormat::kTardisQuotes},
      {kTardisSnapshot25, CsvFormat::kTardisBookSnapshot},
      {kIncrementalL2, CsvFormat::kTardisIncrementalL2},
      {kTDepthSnap, CsvFormat::kBinanceTDepth},
      {kTDepthUpdate, CsvFormat::kBinanceTDepth},
      {kCandles, CsvFormat::kCandles},
      {kKline, CsvFormat::kBinanceKline},  // headerless: a row of 12 numbers
  };
  for (const auto& [file, format] : cases) {
    const std::string line = FirstLine(Fixture(file));
    ASSERT_FALSE(line.empty()) << file;
    const auto got = DetectCsvFormat(line);
    ASSERT_TRUE(got.has_value()) << file;
    EXPECT_EQ(*got, format) << file;
  }
}

TEST(CsvDetectTest, VariantsAndNonCsv) {
  // Binance's newer kline header.
  EXPECT_EQ(DetectCsvFormat("open_time,open,high,low,close,volume,close_time,quote_volume,count,taker_buy_volume,"
                            "taker_buy_quote_volume,ignore"),
            CsvFormat::kBinanceKline);
  // CRLF and a BOM.
  EXPECT_EQ(DetectCsvFormat("timestamp,open,high,low,close,volume\r"), CsvFormat::kCandles);
  EXPECT_EQ(DetectCsvFormat("\xEF\xBB\xBFtimestamp,open,high,low,close,volume"), CsvFormat::kCandles);
  // book_snapshot_1 and _2.
  EXPECT_EQ(DetectCsvFormat(
                "exchange,symbol,timestamp,local_timestamp,asks[0].price,asks[0].amount,bids[0].price,bids[0].amount"),
            CsvFormat::kTardisBookSnapshot);
  EXPECT_EQ(DetectCsvFormat("exchange,symbol,timestamp,local_timestamp,asks[0].price,asks[0].amount,bids[0].price,"
                            "bids[0].amount,asks[1].price,asks[1].amount,bids[1].price,bids[1].amount"),
            CsvFormat::kTardisBookSnapshot);
  // Levels out of order, a level cut short, no levels at all.
  EXPECT_EQ(DetectCsvFormat("exchange,symbol,timestamp,local_timestamp,asks[1].price,asks[1].amount,bids[1].price,"
                            "bids[1].amount"),
            std::nullopt);
  EXPECT_EQ(DetectCsvFormat("exchange,symbol,timestamp,local_timestamp,asks[0].price,asks[0].amount,bids[0].price"),
            std::nullopt);
  EXPECT_EQ(DetectCsvFormat("exchange,symbol,timestamp,local_timestamp"), std::nullopt);
  // Not CSV market data.
  EXPECT_EQ(DetectCsvFormat(""), std::nullopt);
  EXPECT_EQ(DetectCsvFormat("hello, world"), std::nullopt);
  EXPECT_EQ(DetectCsvFormat(R"({"topic":"orderbook.500.XRPUSDT","type":"snapshot","ts":1733011200123})"), std::nullopt);
  EXPECT_EQ(DetectCsvFormat(R"(1721347020984480942 {"stream":"btcusdt@trade","data":{"e":"trade"}})"), std::nullopt);
  EXPECT_EQ(DetectCsvFormat("timestamp,open,high,low,close,volume,extra"), std::nullopt);
  EXPECT_EQ(DetectCsvFormat("timestamp,open,high,low,close"), std::nullopt);
  // A kline row needs 12 numeric columns.
  EXPECT_EQ(DetectCsvFormat("1637971200000,0.1,0.2,0.1,0.2,5.0,1637971259999,1.0,79,1.0,0.5"), std::nullopt);
  EXPECT_EQ(DetectCsvFormat("1637971200000,0.1,0.2,0.1,0.2,5.0,1637971259999,1.0,79,1.0,0.5,x"), std::nullopt);
  EXPECT_EQ(DetectCsvFormat("1637971200000,0.1,0.2,0.1,0.2,5.0,1637971259999,1.0,79,1.0,0.5,"), std::nullopt);
}

// ---------------------------------------------------------------- trades

TEST_F(CsvSourcesTest, BybitTradesHandWrittenFixture) {
  const ReadOutcome o = Read(Fixture(kBybitTrades), CsvFormat::kBybitTrades);
  ASSERT_TRUE(o.status.ok()) << o.status.ToString();
  EXPECT_EQ(o.format, "bybit-trades");
  ASSERT_EQ(o.events.size(), 12u);
  EXPECT_EQ(o.calls, 12u);  // one trade per line
  EXPECT_TRUE(o.each_call_added);
  EXPECT_EQ(o.last_line, 13u);

  const Trade& first = std::get<Trade>(o.events.front());
  EXPECT_EQ(first.ts_event, UnixNanos::FromNanos(1585180700064700000));  // exact, not via a double
  EXPECT_EQ(first.ts_recv, first.ts_event);
  EXPECT_EQ(first.price, P("6698.5"));
  EXPECT_EQ(first.qty, Q("10"));
  EXPECT_EQ(first.aggressor, AggressorSide::kBuyer);
  EXPECT_EQ(first.trade_id.view(), "d0901255-82df-59a0-b238-d745f8e20e30");
  EXPECT_EQ(InstrumentOf(first.instrument).venue, Venue::kBybit);
  EXPECT_EQ(InstrumentOf(first.instrument).symbol, "BTCUSD");

  const Trade& third = std::get<Trade>(o.events[2]);
  EXPECT_EQ(third.aggressor, AggressorSide::kSeller);
  EXPECT_EQ(third.price, P("6698"));
  EXPECT_EQ(third.qty, Q("3000"));
  EXPECT_EQ(third.ts_event, UnixNanos::FromNanos(1585180700521300000));
  // One and zero fraction digits.
  EXPECT_EQ(std::get<Trade>(o.events[5]).ts_event, UnixNanos::FromNanos(1585180701800000000));
  EXPECT_EQ(std::get<Trade>(o.events[8]).ts_event, UnixNanos::FromSeconds(1585180703));

  const Trade& last = std::get<Trade>(o.events.back());
  EXPECT_EQ(last.ts_event, UnixNanos::FromNanos(1585180705730200000));
  EXPECT_EQ(last.price, P("6696"));
  EXPECT_EQ(last.qty, Q("2"));
  EXPECT_EQ(last.aggressor, AggressorSide::kBuyer);
  EXPECT_EQ(last.trade_id.view(), "0cf70b8c-ad6b-5ef3-ad83-9b7dd742f167");
  EXPECT_EQ(instruments_.size(), 1u);
}

TEST_F(CsvSourcesTest, BybitTradesGzipReadsTheSame) {
  const ReadOutcome plain = Read(Fixture(kBybitTrades), CsvFormat::kBybitTrades);
  const std::string gz = WriteGzip("BTCUSD2020-03-26.csv.gz", ReadBytes(Fixture(kBybitTrades)));
  const ReadOutcome zipped = Read(gz, CsvFormat::kBybitTrades);
  ASSERT_TRUE(zipped.status.ok()) << zipped.status.ToString();
  ASSERT_EQ(zipped.events.size(), plain.events.size());
  for (std::size_t i = 0; i < plain.events.size(); ++i) {
    const Trade& a = std::get<Trade>(plain.events[i]);
    const Trade& b = std::get<Trade>(zipped.events[i]);
    EXPECT_EQ(a.ts_event, b.ts_event);
    EXPECT_EQ(a.price, b.price);
    EXPECT_EQ(a.qty, b.qty);
    EXPECT_EQ(a.aggressor, b.aggressor);
    EXPECT_EQ(a.trade_id, b.trade_id);
    EXPECT_EQ(a.instrument, b.instrument);
  }
}

TEST_F(CsvSourcesTest, BybitTradeIdTooLongIsAnErrorNotATruncation) {
  const std::string path = Write("long.csv",
                                 "timestamp,symbol,side,size,price,tickDirection,trdMatchID,grossValue,homeNotional,"
                                 "foreignNotional\n"
                                 "1585180700.0647,BTCUSD,Buy,10,6698.5,ZeroPlusTick,"
                                 "d0901255-82df-59a0-b238-d745f8e20e30-abcd,149287.0,10,0.00149287\n");
  const ReadOutcome o = Read(path, CsvFormat::kBybitTrades);
  EXPECT_TRUE(o.events.empty());
  EXPECT_EQ(o.status.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(o.status.message(), path + ":2: field \"trdMatchID\": too long: 41 characters, at most 39");
}

TEST_F(CsvSourcesTest, TardisTradesRealHead) {
  const ReadOutcome o = Read(Fixture(kTardisTrades), CsvFormat::kTardisTrades);
  ASSERT_TRUE(o.status.ok()) << o.status.ToString();
  EXPECT_EQ(o.format, "tardis-trades");
  ASSERT_EQ(o.events.size(), 199u);

  const Trade& first = std::get<Trade>(o.events.front());
  EXPECT_EQ(first.ts_event, Us(1582329602111000));
  EXPECT_EQ(first.ts_recv, Us(1582329602418379));
  EXPECT_EQ(first.trade_id.view(), "42377944");
  EXPECT_EQ(first.aggressor, AggressorSide::kBuyer);
  EXPECT_EQ(first.price, P("9682"));
  EXPECT_EQ(first.qty, Q("0.132"));
  EXPECT_EQ(InstrumentOf(first.instrument).venue, Venue::kBinance);
  EXPECT_EQ(InstrumentOf(first.instrument).symbol, "BTCUSDT");

  const Trade& last = std::get<Trade>(o.events.back());
  EXPECT_EQ(last.ts_event, Us(1582329709651000));
  EXPECT_EQ(last.ts_recv, Us(1582329709776423));
  EXPECT_EQ(last.trade_id.view(), "42378142");
  EXPECT_EQ(last.aggressor, AggressorSide::kSeller);
  EXPECT_EQ(last.price, P("9669.21"));
  EXPECT_EQ(last.qty, Q("0.124"));

  // Binance trade ids are consecutive; 96 buyer- and 103 seller-initiated.
  int buys = 0, sells = 0;
  for (std::size_t i = 0; i < o.events.size(); ++i) {
    const Trade& t = std::get<Trade>(o.events[i]);
    EXPECT_EQ(t.trade_id.str(), std::to_string(42377944 + i));
    EXPECT_EQ(t.instrument, first.instrument);
    (t.aggressor == AggressorSide::kBuyer ? buys : sells)++;
  }
  EXPECT_EQ(buys, 96);
  EXPECT_EQ(sells, 103);
}

TEST_F(CsvSourcesTest, TardisTradesVenuesUnknownSideAndEmptyId) {
  const std::string path =
      Write("t.csv", std::string(kTardisTradesHeader) +
                         "okex-swap,BTC-USD-SWAP,1582329602111000,1582329602418379,,unknown,9682,1\n"
                         "bybit,BTCUSD,1582329602111000,1582329602418379,abc-1,sell,9682.5,20\n"
                         "binance-delivery,BTCUSD_200327,1,2,7,buy,9700,3\n");
  const ReadOutcome o = Read(path, CsvFormat::kTardisTrades);
  ASSERT_TRUE(o.status.ok()) << o.status.ToString();
  ASSERT_EQ(o.events.size(), 3u);
  const Trade& a = std::get<Trade>(o.events[0]);
  EXPECT_EQ(a.aggressor, AggressorSide::kUnknown);
  EXPECT_TRUE(a.trade_id.empty());
  EXPECT_EQ(InstrumentOf(a.instrument).venue, Venue::kUnknown);
  EXPECT_EQ(InstrumentOf(a.instrument).symbol, "BTC-USD-SWAP");
  const Trade& b = std::get<Trade>(o.events[1]);
  EXPECT_EQ(InstrumentOf(b.instrument).venue, Venue::kBybit);
  EXPECT_EQ(b.trade_id.view(), "abc-1");
  const Trade& c = std::get<Trade>(o.events[2]);
  EXPECT_EQ(InstrumentOf(c.instrument).venue, Venue::kBinance);
  EXPECT_EQ(c.ts_event, Us(1));
  EXPECT_EQ(c.ts_recv, Us(2));
  EXPECT_EQ(instruments_.size(), 3u);
}

// ---------------------------------------------------------------- quotes

TEST_F(CsvSourcesTest, TardisQuotesRealHead) {
  const ReadOutcome o = Read(Fixture(kTardisQuotes), CsvFormat::kTardisQuotes);
  ASSERT_TRUE(o.status.ok()) << o.status.ToString();
  ASSERT_EQ(o.events.size(), 199u);
  const Quote& first = std::get<Quote>(o.events.front());
  EXPECT_EQ(first.ts_event, Us(1582329601096000));
  EXPECT_EQ(first.ts_recv, Us(1582329603502092));
  EXPECT_EQ(first.ask_qty, Q("0.84"));
  EXPECT_EQ(first.ask_price, P("9682"));
  EXPECT_EQ(first.bid_price, P("9681.92"));
  EXPECT_EQ(first.bid_qty, Q("0.67"));
  EXPECT_EQ(first.update_id, 0u);
  EXPECT_EQ(InstrumentOf(first.instrument).symbol, "BTCUSDT");
  const Quote& last = std::get<Quote>(o.events.back());
  EXPECT_EQ(last.ts_event, Us(1582329607821000));
  EXPECT_EQ(last.ts_recv, Us(1582329607941803));
  EXPECT_EQ(last.ask_qty, Q("0.253"));
  EXPECT_EQ(last.ask_price, P("9682.1"));
  EXPECT_EQ(last.bid_price, P("9681.54"));
  EXPECT_EQ(last.bid_qty, Q("0.001"));
  for (const Event& e : o.events) {
    const Quote& q = std::get<Quote>(e);
    EXPECT_LT(q.bid_price, q.ask_price);
  }
}

TEST_F(CsvSourcesTest, TardisQuotesEmptySideIsUndefined) {
  const std::string path = Write("q.csv",
                                 "exchange,symbol,timestamp,local_timestamp,ask_amount,ask_price,bid_price,bid_amount\n"
                                 "binance-futures,BTCUSDT,1582329601096000,1582329603502092,,,9681.92,0.67\n"
                                 "binance-futures,BTCUSDT,1582329601097000,1582329603502093,0.84,9682,,\n");
  const ReadOutcome o = Read(path, CsvFormat::kTardisQuotes);
  ASSERT_TRUE(o.status.ok()) << o.status.ToString();
  ASSERT_EQ(o.events.size(), 2u);
  const Quote& a = std::get<Quote>(o.events[0]);
  EXPECT_FALSE(a.ask_price.IsDefined());
  EXPECT_TRUE(a.ask_qty.IsZero());
  EXPECT_EQ(a.bid_price, P("9681.92"));
  const Quote& b = std::get<Quote>(o.events[1]);
  EXPECT_FALSE(b.bid_price.IsDefined());
  EXPECT_TRUE(b.bid_qty.IsZero());
  EXPECT_EQ(b.ask_price, P("9682"));
}

// ---------------------------------------------------------------- book_snapshot_N

TEST_F(CsvSourcesTest, TardisBookSnapshot25RealFile) {
  const ReadOutcome o = Read(Fixture(kTardisSnapshot25), CsvFormat::kTardisBookSnapshot);
  ASSERT_TRUE(o.status.ok()) << o.status.ToString();
  EXPECT_EQ(o.format, "tardis-book-snapshot");
  ASSERT_EQ(o.events.size(), 10u);
  for (const Event& e : o.events) {
    const BookSnapshot& s = std::get<BookSnapshot>(e);
    ASSERT_NE(s.levels, nullptr);
    ASSERT_EQ(s.levels->asks.size(), 25u);
    ASSERT_EQ(s.levels->bids.size(), 25u);
    for (std::size_t i = 1; i < 25; ++i) {
      EXPECT_LT(s.levels->asks[i - 1].price, s.levels->asks[i].price);  // best first
      EXPECT_GT(s.levels->bids[i - 1].price, s.levels->bids[i].price);
    }
    EXPECT_LT(s.levels->bids[0].price, s.levels->asks[0].price);
  }
  const BookSnapshot& first = std::get<BookSnapshot>(o.events.front());
  EXPECT_EQ(first.ts_event, Us(1598918403696000));
  EXPECT_EQ(first.ts_recv, Us(1598918403810979));
  EXPECT_EQ(first.update_id, 0u);
  EXPECT_EQ(first.levels->asks[0], (BookLevel{P("11657.08"), Q("1.714")}));
  EXPECT_EQ(first.levels->bids[0], (BookLevel{P("11657.07"), Q("10.896")}));
  EXPECT_EQ(first.levels->asks[1], (BookLevel{P("11657.54"), Q("5.4")}));
  EXPECT_EQ(first.levels->asks[23], (BookLevel{P("11659.28"), Q("0.06")}));
  EXPECT_EQ(first.levels->bids[23], (BookLevel{P("11653.32"), Q("0.5")}));
  EXPECT_EQ(first.levels->asks[24], (BookLevel{P("11659.34"), Q("0.618")}));
  EXPECT_EQ(first.levels->bids[24], (BookLevel{P("11653.25"), Q("1.003")}));
  const BookSnapshot& last = std::get<BookSnapshot>(o.events.back());
  EXPECT_EQ(last.ts_event, Us(1598918404005000));
  EXPECT_EQ(last.ts_recv, Us(1598918404009468));
  EXPECT_EQ(last.levels->asks[0], (BookLevel{P("11657.08"), Q("1.475")}));
  EXPECT_EQ(last.levels->bids[0], (BookLevel{P("11657.07"), Q("10.881")}));
  EXPECT_EQ(last.levels->asks[24], (BookLevel{P("11659.28"), Q("0.06")}));
  EXPECT_EQ(last.levels->bids[24], (BookLevel{P("11653.25"), Q("1.003")}));
}

TEST_F(CsvSourcesTest, TardisBookSnapshotFewerLevelsAndBadLevels) {
  std::string header = "exchange,symbol,timestamp,local_timestamp";
  for (int i = 0; i < 3; ++i) {
    const std::string k = "[" + std::to_string(i) + "]";
    header += ",asks" + k + ".price,asks" + k + ".amount,bids" + k + ".price,bids" + k + ".amount";
  }
  const std::string path = Write("book_snapshot_3.csv", header +
                                                            "\n"
                                                            "bybit,BTCUSDT,1000,2000,101,1,100,2,102,3,,,,,,\n"
                                                            "bybit,BTCUSDT,1000,2000,101,1,100,2,,,99,3,103,1,,\n"
                                                            "bybit,BTCUSDT,1000,2000,101,1,100,2,102,,,,,,,\n");
  options_.on_error = OnError::kSkip;
  const ReadOutcome o = Read(path, CsvFormat::kTardisBookSnapshot);
  ASSERT_TRUE(o.status.ok()) << o.status.ToString();
  ASSERT_EQ(o.events.size(), 1u);
  const BookSnapshot& s = std::get<BookSnapshot>(o.events[0]);
  ASSERT_EQ(s.levels->asks.size(), 2u);
  ASSERT_EQ(s.levels->bids.size(), 1u);
  EXPECT_EQ(s.levels->asks[1], (BookLevel{P("102"), Q("3")}));
  EXPECT_EQ(s.levels->bids[0], (BookLevel{P("100"), Q("2")}));
  EXPECT_EQ(InstrumentOf(s.instrument).venue, Venue::kBybit);
  ASSERT_EQ(o.skipped.total(), 2u);
  const auto& by = o.skipped.by_reason();
  // The first quoted name is kept whole in the reason key.
  ASSERT_EQ(by.count("field \"asks[2].price\": level after an empty level"), 1u);
  EXPECT_EQ(by.at("field \"asks[2].price\": level after an empty level").first,
            path + ":3: field \"asks[2].price\": level after an empty level");
  ASSERT_EQ(by.count("field \"asks[1].amount\": empty"), 1u);
  EXPECT_EQ(by.at("field \"asks[1].amount\": empty").first, path + ":4: field \"asks[1].amount\": empty");
}

// ---------------------------------------------------------------- incremental_book_L2

TEST_F(CsvSourcesTest, TardisIncrementalL2HandFixture) {
  const ReadOutcome o = Read(Fixture(kIncrementalL2), CsvFormat::kTardisIncrementalL2);
  ASSERT_TRUE(o.status.ok()) << o.status.ToString();
  EXPECT_TRUE(o.each_call_added);
  ASSERT_EQ(o.events.size(), 9u);

  // Snapshot 1: six rows, sorted best first; the zero-qty bid is dropped.
  const BookSnapshot& s1 = std::get<BookSnapshot>(o.events[0]);
  EXPECT_EQ(s1.ts_event, Us(1598918400000000));
  EXPECT_EQ(s1.ts_recv, Us(1598918400120000));
  EXPECT_EQ(s1.update_id, 0u);
  EXPECT_EQ(InstrumentOf(s1.instrument).symbol, "BTCUSDT");
  ASSERT_EQ(s1.levels->bids.size(), 2u);
  ASSERT_EQ(s1.levels->asks.size(), 3u);
  EXPECT_EQ(s1.levels->bids[0], (BookLevel{P("11659.90"), Q("0.8")}));
  EXPECT_EQ(s1.levels->bids[1], (BookLevel{P("11659.50"), Q("2.0")}));
  EXPECT_EQ(s1.levels->asks[0], (BookLevel{P("11660.00"), Q("1.2")}));
  EXPECT_EQ(s1.levels->asks[1], (BookLevel{P("11660.50"), Q("0.5")}));
  EXPECT_EQ(s1.levels->asks[2], (BookLevel{P("11661.00"), Q("3")}));

  struct Want {
    Side side;
    const char* price;
    const char* qty;
    bool last;
    std::int64_t ts_us;
    std::int64_t recv_us;
  };
  const Want deltas[] = {
      {Side::kBuy, "11659.90", "1.1", false, 1598918400050000, 1598918400170000},
      {Side::kSell, "11660.00", "0", true, 1598918400050000, 1598918400170000},
      {Side::kSell, "11660.20", "0.4", true, 1598918400100000, 1598918400220000},
      {Side::kBuy, "11659.50", "0", false, 1598918400150000, 1598918400270000},
      {Side::kBuy, "11659.40", "0.7", false, 1598918400150000, 1598918400270000},
      {Side::kSell, "11661.00", "2.5", true, 1598918400150000, 1598918400270000},
  };
  for (std::size_t i = 0; i < std::size(deltas); ++i) {
    SCOPED_TRACE(i);
    const BookDelta& d = std::get<BookDelta>(o.events[1 + i]);
    EXPECT_EQ(d.side, deltas[i].side);
    EXPECT_EQ(d.price, P(deltas[i].price));
    EXPECT_EQ(d.qty, Q(deltas[i].qty));
    EXPECT_EQ(d.flags, deltas[i].last ? BookDelta::kLastInMessage : 0);
    EXPECT_EQ(d.ts_event, Us(deltas[i].ts_us));
    EXPECT_EQ(d.ts_recv, Us(deltas[i].recv_us));
    EXPECT_EQ(d.update_id, 0u);
    EXPECT_EQ(d.instrument, s1.instrument);
  }

  // false -> true starts snapshot 2.
  const BookSnapshot& s2 = std::get<BookSnapshot>(o.events[7]);
  EXPECT_EQ(s2.ts_event, Us(1598918460000000));
  ASSERT_EQ(s2.levels->bids.size(), 2u);
  ASSERT_EQ(s2.levels->asks.size(), 1u);
  EXPECT_EQ(s2.levels->bids[0], (BookLevel{P("11650.00"), Q("1")}));
  EXPECT_EQ(s2.levels->bids[1], (BookLevel{P("11649.50"), Q("4")}));
  EXPECT_EQ(s2.levels->asks[0], (BookLevel{P("11650.50"), Q("2")}));

  // The last row, at the end of the file, ends its message.
  const BookDelta& d = std::get<BookDelta>(o.events[8]);
  EXPECT_EQ(d.price, P("11650.50"));
  EXPECT_EQ(d.qty, Q("1.5"));
  EXPECT_EQ(d.flags, BookDelta::kLastInMessage);
}

TEST_F(CsvSourcesTest, TardisIncrementalL2SnapshotEndsAtEndOfFileAndSymbolChange) {
  const std::string path = Write("l2.csv",
                                 "exchange,symbol,timestamp,local_timestamp,is_snapshot,side,price,amount\n"
                                 "bybit,BTCUSDT,1000,1100,true,bid,100,1\n"
                                 "bybit,BTCUSDT,1000,1100,true,bid,100,2\n"  // same price again: last wins
                                 "bybit,ETHUSDT,1000,1100,true,ask,10,5\n"
                                 "bybit,ETHUSDT,1001,1101,true,ask,11,6");  // no newline at the end
  const ReadOutcome o = Read(path, CsvFormat::kTardisIncrementalL2);
  ASSERT_TRUE(o.status.ok()) << o.status.ToString();
  ASSERT_EQ(o.events.size(), 2u);
  const BookSnapshot& btc = std::get<BookSnapshot>(o.events[0]);
  EXPECT_EQ(InstrumentOf(btc.instrument).symbol, "BTCUSDT");
  ASSERT_EQ(btc.levels->bids.size(), 1u);
  EXPECT_EQ(btc.levels->bids[0], (BookLevel{P("100"), Q("2")}));
  const BookSnapshot& eth = std::get<BookSnapshot>(o.events[1]);
  EXPECT_EQ(InstrumentOf(eth.instrument).symbol, "ETHUSDT");
  EXPECT_EQ(InstrumentOf(eth.instrument).venue, Venue::kBybit);
  ASSERT_EQ(eth.levels->asks.size(), 2u);
  EXPECT_EQ(eth.ts_event, Us(1001));  // the times of its last row
  EXPECT_EQ(eth.ts_recv, Us(1101));
}

// ---------------------------------------------------------------- Binance T_DEPTH

TEST_F(CsvSourcesTest, BinanceTDepthSnapshotHead) {
  const ReadOutcome o = Read(Fixture(kTDepthSnap), CsvFormat::kBinanceTDepth);
  ASSERT_TRUE(o.status.ok()) << o.status.ToString();
  EXPECT_EQ(o.format, "binance-tdepth");
  ASSERT_EQ(o.events.size(), 1u);
  const BookSnapshot& s = std::get<BookSnapshot>(o.events[0]);
  EXPECT_EQ(s.update_id, 2098021528332u);
  EXPECT_EQ(s.ts_event, Ms(1667346579146));
  EXPECT_EQ(s.ts_recv, Ms(1667346579146));
  EXPECT_EQ(InstrumentOf(s.instrument).venue, Venue::kBinance);
  EXPECT_EQ(InstrumentOf(s.instrument).symbol, "BTCUSDT");
  // The first 100 rows of the snapshot are all bids.
  ASSERT_EQ(s.levels->bids.size(), 100u);
  EXPECT_TRUE(s.levels->asks.empty());
  EXPECT_EQ(s.levels->bids.front(), (BookLevel{P("20377.00"), Q("1.770")}));
  EXPECT_EQ(s.levels->bids[1], (BookLevel{P("20376.90"), Q("0.001")}));
  EXPECT_EQ(s.levels->bids.back(), (BookLevel{P("20365.90"), Q("0.207")}));
}

TEST_F(CsvSourcesTest, BinanceTDepthUpdateHeadIsOneMessage) {
  const ReadOutcome o = Read(Fixture(kTDepthUpdate), CsvFormat::kBinanceTDepth);
  ASSERT_TRUE(o.status.ok()) << o.status.ToString();
  ASSERT_EQ(o.events.size(), 100u);
  int bids = 0;
  for (std::size_t i = 0; i < o.events.size(); ++i) {
    const BookDelta& d = std::get<BookDelta>(o.events[i]);
    EXPECT_EQ(d.update_id, 2098041696700u);
    EXPECT_EQ(d.first_update_id, 2098041693435u);
    EXPECT_EQ(d.prev_update_id, 2098041693400u);
    EXPECT_EQ(d.ts_event, Ms(1667347199939));
    EXPECT_EQ(d.ts_recv, Ms(1667347199939));
    EXPECT_EQ(d.flags, i + 1 == o.events.size() ? BookDelta::kLastInMessage : 0) << i;
    if (d.side == Side::kBuy) ++bids;
  }
  EXPECT_EQ(bids, 23);
  const BookDelta& first = std::get<BookDelta>(o.events.front());
  EXPECT_EQ(first.side, Side::kSell);
  EXPECT_EQ(first.price, P("20472.80"));
  EXPECT_TRUE(first.qty.IsZero());
  const BookDelta& last = std::get<BookDelta>(o.events.back());
  EXPECT_EQ(last.side, Side::kSell);
  EXPECT_EQ(last.price, P("20879.10"));
  EXPECT_EQ(last.qty, Q("10.249"));
}

TEST_F(CsvSourcesTest, BinanceTDepthGroupsByLastUpdateId) {
  const std::string path = Write("BTCUSDT_T_DEPTH.csv",
                                 "symbol,timestamp,first_update_id,last_update_id,side,update_type,price,qty,pu\n"
                                 "BTCUSDT,1000,50,50,a,snap,101,1,-1\n"
                                 "BTCUSDT,1000,50,50,b,snap,100,2,-1\n"
                                 "BTCUSDT,1000,50,50,a,snap,102,3,-1\n"
                                 "BTCUSDT,1001,51,55,b,set,100,0,50\n"
                                 "BTCUSDT,1001,51,55,a,set,101.5,4,50\n"
                                 "BTCUSDT,1002,56,60,a,set,101,0,55\n"
                                 "BTCUSDT,2000,70,70,b,snap,99,1,-1\n");
  const ReadOutcome o = Read(path, CsvFormat::kBinanceTDepth);
  ASSERT_TRUE(o.status.ok()) << o.status.ToString();
  ASSERT_EQ(o.events.size(), 5u);
  const BookSnapshot& s = std::get<BookSnapshot>(o.events[0]);
  EXPECT_EQ(s.update_id, 50u);
  ASSERT_EQ(s.levels->asks.size(), 2u);
  EXPECT_EQ(s.levels->asks[0].price, P("101"));
  EXPECT_EQ(s.levels->asks[1].price, P("102"));
  ASSERT_EQ(s.levels->bids.size(), 1u);
  const BookDelta& d1 = std::get<BookDelta>(o.events[1]);
  const BookDelta& d2 = std::get<BookDelta>(o.events[2]);
  const BookDelta& d3 = std::get<BookDelta>(o.events[3]);
  EXPECT_EQ(d1.flags, 0);
  EXPECT_EQ(d2.flags, BookDelta::kLastInMessage);
  EXPECT_EQ(d3.flags, BookDelta::kLastInMessage);
  EXPECT_EQ(d1.update_id, 55u);
  EXPECT_EQ(d1.first_update_id, 51u);
  EXPECT_EQ(d1.prev_update_id, 50u);
  EXPECT_EQ(d2.price, P("101.5"));
  EXPECT_EQ(d3.update_id, 60u);
  EXPECT_EQ(d3.prev_update_id, 55u);
  EXPECT_EQ(d3.ts_event, Ms(1002));
  const BookSnapshot& s2 = std::get<BookSnapshot>(o.events[4]);
  EXPECT_EQ(s2.update_id, 70u);
  EXPECT_EQ(s2.ts_event, Ms(2000));
}

// ---------------------------------------------------------------- candles

TEST_F(CsvSourcesTest, CandlesRealHead) {
  const ReadOutcome o = Read(Fixture(kCandles), CsvFormat::kCandles);
  ASSERT_TRUE(o.status.ok()) << o.status.ToString();
  EXPECT_EQ(o.format, "candles");
  ASSERT_EQ(o.events.size(), 299u);
  const Bar& first = std::get<Bar>(o.events.front());
  EXPECT_EQ(first.interval, Duration::Seconds(60));
  EXPECT_EQ(first.open_time, UnixNanos::FromSeconds(1640991660));  // 2021-12-31 23:01:00 UTC
  EXPECT_EQ(first.ts_event, UnixNanos::FromSeconds(1640991720));   // its close
  EXPECT_EQ(first.ts_recv, first.ts_event);
  EXPECT_EQ(first.open, P("46319.0"));
  EXPECT_EQ(first.high, P("46385.0"));
  EXPECT_EQ(first.low, P("46319.0"));
  EXPECT_EQ(first.close, P("46377.0"));
  EXPECT_EQ(first.volume, Q("2300413.7295"));
  EXPECT_EQ(first.trade_count, 0u);
  EXPECT_EQ(InstrumentOf(first.instrument).symbol, "BTC-PERP");
  EXPECT_EQ(InstrumentOf(first.instrument).venue, Venue::kUnknown);
  const Bar& last = std::get<Bar>(o.events.back());
  EXPECT_EQ(last.open_time, UnixNanos::FromSeconds(1641009540));  // 2022-01-01 03:59:00 UTC
  EXPECT_EQ(last.ts_event, UnixNanos::FromSeconds(1641009600));
  EXPECT_EQ(last.open, P("46830.0"));
  EXPECT_EQ(last.high, P("46832.0"));
  EXPECT_EQ(last.low, P("46830.0"));
  EXPECT_EQ(last.close, P("46832.0"));
  EXPECT_EQ(last.volume, Q("218655.2088"));
  // Line 249 was written from a double: "218102.59507500002" is rounded to 9 decimals.
  EXPECT_EQ(std::get<Bar>(o.events[247]).open_time, UnixNanos::FromSeconds(1641006480));  // 03:08
  EXPECT_EQ(std::get<Bar>(o.events[247]).volume, Q("218102.595075"));
  for (std::size_t i = 1; i < o.events.size(); ++i) {
    const Bar& a = std::get<Bar>(o.events[i - 1]);
    const Bar& b = std::get<Bar>(o.events[i]);
    EXPECT_EQ(b.open_time, a.ts_event) << i;  // no gaps in this sample
    EXPECT_EQ(b.interval, Duration::Seconds(60));
  }
}

TEST_F(CsvSourcesTest, CandlesOptionsIntegerTimesAndOneRow) {
  options_.symbol = "ETHUSDT";
  options_.venue = Venue::kBybit;
  const std::string ms = Write("eth_5m.csv",
                               "timestamp,open,high,low,close,volume\n"
                               "1640991600000,3676.2,3680,3670.5,3679,12.5\n"
                               "1640991900000,3679,3681,3675,3675,8\n");
  ReadOutcome o = Read(ms, CsvFormat::kCandles);
  ASSERT_TRUE(o.status.ok()) << o.status.ToString();
  ASSERT_EQ(o.events.size(), 2u);
  const Bar& b0 = std::get<Bar>(o.events[0]);
  EXPECT_EQ(b0.interval, Duration::Minutes(5));
  EXPECT_EQ(b0.open_time, Ms(1640991600000));
  EXPECT_EQ(b0.ts_event, Ms(1640991900000));
  EXPECT_EQ(InstrumentOf(b0.instrument).symbol, "ETHUSDT");
  EXPECT_EQ(InstrumentOf(b0.instrument).venue, Venue::kBybit);
  EXPECT_EQ(std::get<Bar>(o.events[1]).ts_event, Ms(1640992200000));

  // Seconds, microseconds and nanoseconds by magnitude; 'T' and 'Z'.
  options_ = SourceOptions{};
  options_.instruments = &instruments_;
  const std::string mixed = Write("sol-usdt-20220101_1h.csv",
                                  "timestamp,open,high,low,close,volume\n"
                                  "1640991600,1,1,1,1,1\n"
                                  "1640995200000000,1,1,1,1,1\n"
                                  "1640998800000000000,1,1,1,1,1\n"
                                  "2022-01-01T03:00:00.5Z,1,1,1,1,1\n");
  o = Read(mixed, CsvFormat::kCandles);
  ASSERT_TRUE(o.status.ok()) << o.status.ToString();
  ASSERT_EQ(o.events.size(), 4u);
  EXPECT_EQ(std::get<Bar>(o.events[0]).interval, Duration::Hours(1));
  EXPECT_EQ(std::get<Bar>(o.events[1]).open_time, UnixNanos::FromSeconds(1640995200));
  EXPECT_EQ(std::get<Bar>(o.events[2]).open_time, UnixNanos::FromSeconds(1640998800));
  EXPECT_EQ(std::get<Bar>(o.events[3]).open_time, UnixNanos::FromNanos(1641006000500000000));
  EXPECT_EQ(InstrumentOf(std::get<Bar>(o.events[0]).instrument).symbol, "SOL-USDT");

  // One row: 60 s.
  const std::string one = Write("one.csv", "timestamp,open,high,low,close,volume\n2022-01-01 00:00:00,1,2,0.5,1.5,3\n");
  o = Read(one, CsvFormat::kCandles);
  ASSERT_TRUE(o.status.ok()) << o.status.ToString();
  ASSERT_EQ(o.events.size(), 1u);
  EXPECT_EQ(std::get<Bar>(o.events[0]).interval, Duration::Seconds(60));
  EXPECT_EQ(std::get<Bar>(o.events[0]).ts_event, UnixNanos::FromSeconds(1640995260));
  EXPECT_EQ(InstrumentOf(std::get<Bar>(o.events[0]).instrument).symbol, "ONE");

  // More than 9 decimals: rounded half away from zero (candles only).
  const std::string fl = Write("float_1m.csv",
                               "timestamp,open,high,low,close,volume\n"
                               "2022-01-01 00:00:00,1.0000000005,1.00000000049,-0.0000000005,0.99999999951,3.1e2\n");
  o = Read(fl, CsvFormat::kCandles);
  ASSERT_TRUE(o.status.ok()) << o.status.ToString();
  ASSERT_EQ(o.events.size(), 1u);
  EXPECT_EQ(std::get<Bar>(o.events[0]).open, P("1.000000001"));
  EXPECT_EQ(std::get<Bar>(o.events[0]).high, P("1"));
  EXPECT_EQ(std::get<Bar>(o.events[0]).low, P("-0.000000001"));
  EXPECT_EQ(std::get<Bar>(o.events[0]).close, P("1"));
  EXPECT_EQ(std::get<Bar>(o.events[0]).volume, Q("310"));

  // A header and nothing else: no bars.
  o = Read(Write("empty_1m.csv", "timestamp,open,high,low,close,volume\n"), CsvFormat::kCandles);
  EXPECT_TRUE(o.status.ok());
  EXPECT_TRUE(o.events.empty());
}

TEST_F(CsvSourcesTest, CandlesBadTimestamps) {
  const std::string bad_date = Write("bad.csv",
                                     "timestamp,open,high,low,close,volume\n"
                                     "2021-02-28 00:00:00,1,1,1,1,1\n"
                                     "2021-02-30 00:00:00,1,1,1,1,1\n");
  ReadOutcome o = Read(bad_date, CsvFormat::kCandles);
  EXPECT_TRUE(o.events.empty());
  EXPECT_EQ(o.status.message(), bad_date +
                                    ":3: field \"timestamp\": \"2021-02-30 00:00:00\" is not a date-time "
                                    "YYYY-MM-DD HH:MM:SS[.fraction] or an integer");

  const std::string backwards = Write("back.csv",
                                      "timestamp,open,high,low,close,volume\n"
                                      "2022-01-01 00:01:00,1,1,1,1,1\n"
                                      "2022-01-01 00:00:00,1,1,1,1,1\n");
  o = Read(backwards, CsvFormat::kCandles);
  EXPECT_TRUE(o.events.empty());
  EXPECT_EQ(o.status.message(), backwards +
                                    ":3: field \"timestamp\": \"2022-01-01 00:00:00\" is not after the first "
                                    "row's, so the bar interval is unknown");
}

// ---------------------------------------------------------------- Binance klines

TEST_F(CsvSourcesTest, BinanceKlineRealHeadless) {
  const ReadOutcome o = Read(Fixture(kKline), CsvFormat::kBinanceKline);
  ASSERT_TRUE(o.status.ok()) << o.status.ToString();
  EXPECT_EQ(o.format, "binance-kline");
  ASSERT_EQ(o.events.size(), 20u);
  EXPECT_EQ(o.last_line, 20u);
  const Bar& first = std::get<Bar>(o.events.front());
  EXPECT_EQ(first.open_time, Ms(1637971200000));
  EXPECT_EQ(first.interval, Duration::Seconds(60));
  EXPECT_EQ(first.ts_event, Ms(1637971260000));  // close_time 1637971259999 + 1 ms
  EXPECT_EQ(first.ts_recv, first.ts_event);
  EXPECT_EQ(first.open, P("0.00002853"));
  EXPECT_EQ(first.high, P("0.00002854"));
  EXPECT_EQ(first.low, P("0.00002851"));
  EXPECT_EQ(first.close, P("0.00002854"));
  EXPECT_EQ(first.volume, Q("36304.2"));
  EXPECT_EQ(first.trade_count, 79u);
  EXPECT_EQ(InstrumentOf(first.instrument).symbol, "ADABTC");
  EXPECT_EQ(InstrumentOf(first.instrument).venue, Venue::kBinance);
  const Bar& last = std::get<Bar>(o.events.back());
  EXPECT_EQ(last.open_time, Ms(1637972340000));
  EXPECT_EQ(last.ts_event, Ms(1637972400000));
  EXPECT_EQ(last.close, P("0.00002877"));
  EXPECT_EQ(last.volume, Q("18606.7"));
  EXPECT_EQ(last.trade_count, 33u);
}

TEST_F(CsvSourcesTest, BinanceKlineHeaderAndMicroseconds) {
  const std::string path = Write("BTCUSDT-1m-2025-01-01.csv",
                                 "open_time,open,high,low,close,volume,close_time,quote_volume,count,"
                                 "taker_buy_volume,taker_buy_quote_volume,ignore\r\n"
                                 "1735689600000000,93576.00,93610.93,93537.50,93610.93,8.21827,1735689659999999,"
                                 "769013.60,1326,4.74223,443744.05,0\r\n");
  const ReadOutcome o = Read(path, CsvFormat::kBinanceKline);
  ASSERT_TRUE(o.status.ok()) << o.status.ToString();
  ASSERT_EQ(o.events.size(), 1u);
  const Bar& b = std::get<Bar>(o.events[0]);
  EXPECT_EQ(b.open_time, Us(1735689600000000));
  EXPECT_EQ(b.interval, Duration::Seconds(60));
  EXPECT_EQ(b.ts_event, Us(1735689660000000));
  EXPECT_EQ(b.trade_count, 1326u);
  EXPECT_EQ(InstrumentOf(b.instrument).symbol, "BTCUSDT");
  EXPECT_EQ(o.last_line, 2u);

  // An empty headerless file has no bars.
  const ReadOutcome e = Read(Write("ETHBTC-1m-2021-11-27.csv", ""), CsvFormat::kBinanceKline);
  EXPECT_TRUE(e.status.ok());
  EXPECT_TRUE(e.events.empty());
}

// ---------------------------------------------------------------- errors

TEST_F(CsvSourcesTest, WrongColumnCountNamesFileAndLine) {
  const std::string path =
      Write("t.csv", std::string(kTardisTradesHeader) +
                         "binance-futures,BTCUSDT,1582329602111000,1582329602418379,1,buy,9682,1\n"
                         "binance-futures,BTCUSDT,1582329602111000,1582329602418379,2,buy,9682\n"
                         "binance-futures,BTCUSDT,1582329602111000,1582329602418379,3,buy,9682,1\n");
  const ReadOutcome o = Read(path, CsvFormat::kTardisTrades);
  EXPECT_EQ(o.events.size(), 1u);  // what came before the bad line
  EXPECT_EQ(o.status.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(o.status.message(), path + ":3: wrong column count: expected 8, got 7");
}

TEST_F(CsvSourcesTest, NonNumericPriceAndBadTimestamps) {
  const std::string price =
      Write("p.csv", std::string(kTardisTradesHeader) +
                         "binance-futures,BTCUSDT,1582329602111000,1582329602418379,1,buy,abc,1\n");
  EXPECT_EQ(Read(price, CsvFormat::kTardisTrades).status.message(),
            price + ":2: field \"price\": \"abc\" is not a decimal (invalid character)");

  const std::string neg = Write("n.csv", std::string(kTardisTradesHeader) +
                                             "binance-futures,BTCUSDT,1582329602111000,1582329602418379,1,buy,1,-1\n");
  EXPECT_EQ(Read(neg, CsvFormat::kTardisTrades).status.message(), neg + ":2: field \"amount\": \"-1\" is negative");

  const std::string ts = Write(
      "ts.csv", std::string(kTardisTradesHeader) + "binance-futures,BTCUSDT,15823296021x,1582329602418379,1,buy,1,1\n");
  EXPECT_EQ(Read(ts, CsvFormat::kTardisTrades).status.message(),
            ts + ":2: field \"timestamp\": \"15823296021x\" is not an integer");

  const std::string big =
      Write("big.csv", std::string(kTardisTradesHeader) +
                           "binance-futures,BTCUSDT,99999999999999999,1582329602418379,1,buy,1,1\n");
  EXPECT_EQ(Read(big, CsvFormat::kTardisTrades).status.message(),
            big + ":2: field \"timestamp\": \"99999999999999999\" is out of range");

  const std::string bybit = Write("b.csv",
                                  "timestamp,symbol,side,size,price,tickDirection,trdMatchID,grossValue,homeNotional,"
                                  "foreignNotional\n"
                                  "yesterday,BTCUSD,Buy,10,6698.5,ZeroPlusTick,x,1,1,1\n"
                                  "1585180700.0647,BTCUSD,buy,10,6698.5,ZeroPlusTick,x,1,1,1\n");
  options_.on_error = OnError::kSkip;
  const ReadOutcome o = Read(bybit, CsvFormat::kBybitTrades);
  EXPECT_TRUE(o.status.ok());
  EXPECT_TRUE(o.events.empty());
  ASSERT_EQ(o.skipped.total(), 2u);
  const auto& by = o.skipped.by_reason();
  ASSERT_EQ(by.count("field \"timestamp\": \"...\" is not seconds since the epoch (invalid character)"), 1u);
  EXPECT_EQ(by.at("field \"timestamp\": \"...\" is not seconds since the epoch (invalid character)").first,
            bybit + ":2: field \"timestamp\": \"yesterday\" is not seconds since the epoch (invalid character)");
  ASSERT_EQ(by.count("field \"side\": \"...\" is not Buy or Sell"), 1u);
}

TEST_F(CsvSourcesTest, SkipCountsByReasonAndGoesOn) {
  const std::string good = "binance-futures,BTCUSDT,1582329602111000,1582329602418379,1,buy,9682,1\n";
  const std::string path =
      Write("skip.csv", std::string(kTardisTradesHeader) + good +
                            "binance-futures,BTCUSDT,1582329602111000,1582329602418379,2,buy,abc,1\n" + good +
                            "binance-futures,BTCUSDT,1582329602111000,1582329602418379,3,buy,1.2.3,1\n"
                            "binance-futures,BTCUSDT,1582329602111000\n"
                            "\n" +
                            good + "binance-futures,BTCUSDT,1582329602111000,1582329602418379,4,up,1,1\n" + good);
  options_.on_error = OnError::kSkip;
  const ReadOutcome o = Read(path, CsvFormat::kTardisTrades);
  ASSERT_TRUE(o.status.ok()) << o.status.ToString();
  EXPECT_EQ(o.events.size(), 4u);
  EXPECT_EQ(o.skipped.total(), 5u);
  const auto& by = o.skipped.by_reason();
  ASSERT_EQ(by.size(), 4u);
  const std::string price_key = "field \"price\": \"...\" is not a decimal (invalid character)";
  ASSERT_EQ(by.count(price_key), 1u);
  EXPECT_EQ(by.at(price_key).count, 2u);
  EXPECT_EQ(by.at(price_key).first, path + ":3: field \"price\": \"abc\" is not a decimal (invalid character)");
  ASSERT_EQ(by.count("wrong column count: expected N, got N"), 1u);
  EXPECT_EQ(by.at("wrong column count: expected N, got N").first, path + ":6: wrong column count: expected 8, got 3");
  ASSERT_EQ(by.count("empty line"), 1u);
  EXPECT_EQ(by.at("empty line").first, path + ":7: empty line");
  ASSERT_EQ(by.count("field \"side\": \"...\" is not buy, sell or unknown"), 1u);
}

TEST_F(CsvSourcesTest, EmptyLines) {
  const std::string row = "binance-futures,BTCUSDT,1582329602111000,1582329602418379,1,buy,9682,1\n";
  const std::string header(kTardisTradesHeader);
  // One empty line at the very end is fine.
  ReadOutcome o = Read(Write("a.csv", header + row + row + "\n"), CsvFormat::kTardisTrades);
  EXPECT_TRUE(o.status.ok()) << o.status.ToString();
  EXPECT_EQ(o.events.size(), 2u);
  // In the middle it is an error.
  const std::string mid = Write("b.csv", header + row + "\n" + row);
  o = Read(mid, CsvFormat::kTardisTrades);
  EXPECT_EQ(o.status.message(), mid + ":3: empty line");
  EXPECT_EQ(o.events.size(), 1u);
  // Two at the end: the first of them is.
  const std::string two = Write("c.csv", header + row + "\n\n");
  o = Read(two, CsvFormat::kTardisTrades);
  EXPECT_EQ(o.status.message(), two + ":3: empty line");
  // CRLF line ends are fine, and so is a last line without a newline.
  const std::string crlf = Write("d.csv",
                                 "exchange,symbol,timestamp,local_timestamp,id,side,price,amount\r\n"
                                 "binance-futures,BTCUSDT,1,2,1,buy,9682,1\r\n"
                                 "binance-futures,BTCUSDT,1,2,2,sell,9683,0.5");
  o = Read(crlf, CsvFormat::kTardisTrades);
  ASSERT_TRUE(o.status.ok()) << o.status.ToString();
  ASSERT_EQ(o.events.size(), 2u);
  EXPECT_EQ(std::get<Trade>(o.events[1]).qty, Q("0.5"));
  EXPECT_EQ(o.last_line, 3u);
}

TEST_F(CsvSourcesTest, NoTrailingNewlineEndsTheLastGroup) {
  const std::string path = Write("depth.csv",
                                 "symbol,timestamp,first_update_id,last_update_id,side,update_type,price,qty,pu\n"
                                 "BTCUSDT,1001,51,55,b,set,100,0,50\n"
                                 "BTCUSDT,1001,51,55,a,set,101.5,4,50");
  const ReadOutcome o = Read(path, CsvFormat::kBinanceTDepth);
  ASSERT_TRUE(o.status.ok()) << o.status.ToString();
  ASSERT_EQ(o.events.size(), 2u);
  EXPECT_EQ(std::get<BookDelta>(o.events[0]).flags, 0);
  EXPECT_EQ(std::get<BookDelta>(o.events[1]).flags, BookDelta::kLastInMessage);
  EXPECT_EQ(std::get<BookDelta>(o.events[1]).qty, Q("4"));
}

TEST_F(CsvSourcesTest, TruncatedGzipIsFatalEvenWhenSkipping) {
  std::string content(kTardisTradesHeader);
  constexpr int kRows = 20000;
  for (int i = 0; i < kRows; ++i) {
    content += "binance-futures,BTCUSDT," + std::to_string(1582329602111000 + 1000 * i) + "," +
               std::to_string(1582329602418379 + 997 * i) + "," + std::to_string(42377944 + i) +
               (i % 3 == 0 ? ",sell," : ",buy,") + std::to_string(9000 + (i * 7919) % 1000) + "." +
               std::to_string(i % 100) + "," + std::to_string(1 + i % 17) + ".001\n";
  }
  const std::string full = ReadBytes(WriteGzip("full.csv.gz", content));
  ASSERT_GT(full.size(), 20000u);
  const std::string path = Write("cut.csv.gz", std::string_view(full).substr(0, full.size() / 2));
  for (OnError policy : {OnError::kFail, OnError::kSkip}) {
    options_.on_error = policy;
    const ReadOutcome o = Read(path, CsvFormat::kTardisTrades);
    EXPECT_EQ(o.status.code(), StatusCode::kDataLoss) << o.status.ToString();
    EXPECT_NE(o.status.message().find(path), std::string::npos) << o.status.ToString();
    EXPECT_NE(o.status.message().find("truncated"), std::string::npos) << o.status.ToString();
    EXPECT_GT(o.events.size(), 0u);
    EXPECT_LT(o.events.size(), static_cast<std::size_t>(kRows));
    EXPECT_EQ(o.skipped.total(), 0u);  // no partial line was parsed
    // What was read is the start of the file, in order.
    for (std::size_t i = 0; i < o.events.size(); ++i) {
      ASSERT_EQ(std::get<Trade>(o.events[i]).trade_id.str(), std::to_string(42377944 + i));
    }
  }
}

TEST_F(CsvSourcesTest, OpenErrors) {
  auto missing = OpenCsvSource(dir_ + "/nope.csv", CsvFormat::kTardisTrades, options_);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code(), StatusCode::kNotFound);

  const std::string quotes = Fixture(kTardisQuotes);
  auto wrong = OpenCsvSource(quotes, CsvFormat::kTardisTrades, options_);
  ASSERT_FALSE(wrong.ok());
  EXPECT_EQ(wrong.error().message(), quotes +
                                         ":1: not a tardis-trades header: \"exchange,symbol,timestamp,local_timestamp,"
                                         "ask_amount,ask_price,bid_price,bid_amount\"");

  auto not_snapshot = OpenCsvSource(quotes, CsvFormat::kTardisBookSnapshot, options_);
  ASSERT_FALSE(not_snapshot.ok());

  const std::string empty = Write("empty.csv", "");
  auto e = OpenCsvSource(empty, CsvFormat::kTardisQuotes, options_);
  ASSERT_FALSE(e.ok());
  EXPECT_EQ(e.error().message(), empty + ": empty file, expected a tardis-quotes header");

  auto bad_kline_header = OpenCsvSource(Write("X-1m.csv", "open_time,open,high\n"), CsvFormat::kBinanceKline, options_);
  ASSERT_FALSE(bad_kline_header.ok());

  SourceOptions no_instruments;
  auto n = OpenCsvSource(quotes, CsvFormat::kTardisQuotes, no_instruments);
  ASSERT_FALSE(n.ok());
  EXPECT_EQ(n.error().code(), StatusCode::kInvalidArgument);

  auto no_symbol =
      OpenCsvSource(Write("_1m.csv", "timestamp,open,high,low,close,volume\n"), CsvFormat::kCandles, options_);
  ASSERT_FALSE(no_symbol.ok());
  EXPECT_NE(no_symbol.error().message().find("no symbol"), std::string::npos);
}

}  // namespace
}  // namespace hean
