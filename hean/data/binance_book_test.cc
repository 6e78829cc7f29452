// The decisive book test: rebuild Binance's BTCUSDT and ETHUSDT books from a
// real capture (REST snapshot + diff stream) and compare them with Binance's
// own bookTicker in the same capture, at every bookTicker whose update id
// equals the last diff applied.
#include <gtest/gtest.h>

#include <cstdlib>
#include <map>
#include <string>
#include <vector>

#include "hean/book/binance_book_builder.h"
#include "hean/book/order_book.h"
#include "hean/data/binance_capture.h"
#include "hean/data/line_reader.h"

namespace hean {
namespace {

std::string TestData(const std::string& rel) { return std::string(HEAN_SOURCE_DIR) + "/testdata/" + rel; }

struct Outcome {
  std::uint64_t lines = 0;
  std::uint64_t quotes = 0;
  std::uint64_t compared = 0;
  std::uint64_t mismatches = 0;
  std::uint64_t messages_applied = 0;
  std::uint64_t messages_dropped = 0;
  std::string first_mismatch;
  bool live = false;
};

// How lines reach the builder: as events (ParseLine, one BookDelta per
// level; the replay path) or as whole messages (ParseMessage + OnMessage;
// the feed handler's path).
enum class Path { kEvents, kWholeMessages };

// Reads the files in order through one builder: the diff chain continues
// from one file to the next (the second has no snapshot).
Outcome Rebuild(const std::vector<std::string>& files, const std::string& symbol, Price tick,
                Path path = Path::kEvents) {
  Outcome o;
  const InstrumentId id{0};
  BinanceCaptureParser parser({{symbol, id}}, id);
  OrderBook book(id, tick);
  BinanceBookBuilder builder(book);
  for (const std::string& file : files) {
    auto reader = LineReader::Open(file);
    EXPECT_TRUE(reader.ok()) << reader.error().ToString();
    if (!reader.ok()) return o;
    std::string_view line;
    std::vector<Event> events;
    BookMessage msg;
    while ((*reader)->Next(&line)) {
      ++o.lines;
      events.clear();
      bool is_book = false;
      Status s = path == Path::kEvents
                     ? parser.ParseLine(line, (*reader)->readable_after(line), events)
                     : parser.ParseMessage(line, (*reader)->readable_after(line), msg, &is_book, events);
      EXPECT_TRUE(s.ok()) << file << ":" << (*reader)->line_number() << ": " << s.ToString();
      if (!s.ok()) break;
      if (is_book) {
        EXPECT_TRUE(events.empty());
        auto r = builder.OnMessage(msg);
        EXPECT_TRUE(r.ok()) << "line " << (*reader)->line_number() << ": " << ToString(r.error());
      }
      for (const Event& e : events) {
        if (const auto* snap = std::get_if<BookSnapshot>(&e)) {
          auto r = builder.OnSnapshot(*snap);
          EXPECT_TRUE(r.ok()) << "line " << (*reader)->line_number() << ": " << ToString(r.error());
        } else if (const auto* d = std::get_if<BookDelta>(&e)) {
          auto r = builder.OnDelta(*d);
          EXPECT_TRUE(r.ok()) << "line " << (*reader)->line_number() << ": " << ToString(r.error());
        } else if (const auto* q = std::get_if<Quote>(&e)) {
          ++o.quotes;
          if (builder.state() != BinanceBookBuilder::State::kLive || !builder.message_complete() ||
              q->update_id != builder.last_update_id()) {
            continue;
          }
          ++o.compared;
          const auto bid = book.BestBid();
          const auto ask = book.BestAsk();
          const bool match = bid && ask && bid->price == q->bid_price && bid->qty == q->bid_qty &&
                             ask->price == q->ask_price && ask->qty == q->ask_qty;
          if (!match) {
            if (o.mismatches++ == 0) {
              o.first_mismatch = "line " + std::to_string((*reader)->line_number()) +
                                 " u=" + std::to_string(q->update_id) + ": ticker " + q->bid_price.ToString() + " x " +
                                 q->bid_qty.ToString() + " / " + q->ask_price.ToString() + " x " +
                                 q->ask_qty.ToString() + ", book " +
                                 (bid ? bid->price.ToString() + " x " + bid->qty.ToString() : "-") + " / " +
                                 (ask ? ask->price.ToString() + " x " + ask->qty.ToString() : "-");
            }
          }
        }
      }
    }
    EXPECT_TRUE((*reader)->status().ok()) << (*reader)->status().ToString();
  }
  o.live = builder.state() == BinanceBookBuilder::State::kLive && book.IsValid();
  o.messages_applied = builder.messages_applied();
  o.messages_dropped = builder.messages_dropped();
  return o;
}

TEST(BinanceBook, RebuiltBtcusdtBookMatchesBinanceBookTicker) {
  const Outcome o = Rebuild({TestData("binance-usdm-2024-07-18/usdm_btcusdt_20240718.gz"),
                             TestData("binance-usdm-2024-07-18/usdm_btcusdt_20240719_head20000.gz")},
                            "BTCUSDT", *Price::Parse("0.1"));
  EXPECT_TRUE(o.live);
  EXPECT_EQ(o.mismatches, 0u) << o.first_mismatch;
  EXPECT_GE(o.compared, 50u) << "too few bookTicker messages matched a diff's update id to prove anything";
  EXPECT_GT(o.messages_applied, 3000u);
  std::printf(
      "BTCUSDT: %llu lines, %llu diffs applied, %llu dropped (before the snapshot), %llu tickers, %llu "
      "compared exactly\n",
      static_cast<unsigned long long>(o.lines), static_cast<unsigned long long>(o.messages_applied),
      static_cast<unsigned long long>(o.messages_dropped), static_cast<unsigned long long>(o.quotes),
      static_cast<unsigned long long>(o.compared));
}

TEST(BinanceBook, RebuiltEthusdtBookMatchesBinanceBookTicker) {
  const Outcome o = Rebuild({TestData("binance-usdm-2024-07-18/usdm_ethusdt_20240718.gz"),
                             TestData("binance-usdm-2024-07-18/usdm_ethusdt_20240719_head20000.gz")},
                            "ETHUSDT", *Price::Parse("0.01"));
  EXPECT_TRUE(o.live);
  EXPECT_EQ(o.mismatches, 0u) << o.first_mismatch;
  EXPECT_GE(o.compared, 50u);
  EXPECT_GT(o.messages_applied, 3000u);
  std::printf("ETHUSDT: %llu lines, %llu diffs applied, %llu dropped, %llu tickers, %llu compared exactly\n",
              static_cast<unsigned long long>(o.lines), static_cast<unsigned long long>(o.messages_applied),
              static_cast<unsigned long long>(o.messages_dropped), static_cast<unsigned long long>(o.quotes),
              static_cast<unsigned long long>(o.compared));
}

// The same comparison with every depth message applied whole: the feed
// handler's path must rebuild the same books as the replay path.
TEST(BinanceBook, WholeMessagePathMatchesBookTickerAndTheEventPath) {
  struct Case {
    const char* day1;
    const char* day2;
    const char* symbol;
    const char* tick;
  };
  for (const Case& c : {Case{"usdm_btcusdt_20240718.gz", "usdm_btcusdt_20240719_head20000.gz", "BTCUSDT", "0.1"},
                        Case{"usdm_ethusdt_20240718.gz", "usdm_ethusdt_20240719_head20000.gz", "ETHUSDT", "0.01"}}) {
    SCOPED_TRACE(c.symbol);
    const std::vector<std::string> files{TestData(std::string("binance-usdm-2024-07-18/") + c.day1),
                                         TestData(std::string("binance-usdm-2024-07-18/") + c.day2)};
    const Outcome events = Rebuild(files, c.symbol, *Price::Parse(c.tick), Path::kEvents);
    const Outcome whole = Rebuild(files, c.symbol, *Price::Parse(c.tick), Path::kWholeMessages);
    EXPECT_TRUE(whole.live);
    EXPECT_EQ(whole.mismatches, 0u) << whole.first_mismatch;
    EXPECT_GE(whole.compared, 50u);
    EXPECT_EQ(whole.compared, events.compared);
    EXPECT_EQ(whole.quotes, events.quotes);
    EXPECT_EQ(whole.messages_applied, events.messages_applied);
    EXPECT_EQ(whole.messages_dropped, events.messages_dropped);
  }
}

}  // namespace
}  // namespace hean
