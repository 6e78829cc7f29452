// Bybit v5 public websocket messages, as Bybit's order-book archives and
// websocket captures hold them, into HEAN events.
//
//   {"topic":"orderbook.500.XRPUSDT","type":"snapshot"|"delta","ts":<ms>,
//    "data":{"s":"XRPUSDT","b":[["1.9531","6198"],..],"a":[..],"u":<id>,"seq":<cross seq>},"cts":<ms>}
//   {"topic":"publicTrade.BTCUSDT","type":"snapshot","ts":<ms>,
//    "data":[{"T":<ms>,"s":"BTCUSDT","S":"Buy","v":"0.001","p":"16578.50","i":"<id>",..},..]}
//   {"topic":"tickers.BTCUSDT","type":"snapshot"|"delta","ts":<ms>,"data":{"symbol":..,"bid1Price":..,..}}
//   {"topic":"kline.1.BTCUSDT","type":"snapshot","ts":<ms>,"data":[{"start":..,"end":..,"open":..,"confirm":true,..}]}
//
// A line is the JSON message, optionally preceded by the local receive time
// in ns and a space ("<recv ns> <json>", as HEAN's and hftbacktest's
// recorders write). Without it, ts_recv is the message's `ts` (Bybit's
// send time). ts_event is `cts` (matching engine) for book messages, `T`
// for trades, `ts` for tickers, bar close for klines.
//
// orderbook: a snapshot (or a message with u == 1, Bybit's restart signal)
// becomes a BookSnapshot; a delta one BookDelta per level, the last flagged
// kLastInMessage (a delta without levels one kNoLevels delta). publicTrade:
// one Trade per entry, the aggressor is `S` (taker side). tickers: a Quote
// whenever the message carries a best bid or ask field; Bybit's ticker
// deltas carry only what changed, so the parser keeps the last best bid/ask
// of each symbol and fills the rest from it. kline: a Bar for each confirmed
// (closed) candle; open candles are not bars yet and give no event.
// Subscription replies and pings ({"op":..} / {"success":..}) give no event.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

#include "hean/core/status.h"
#include "hean/data/source.h"
#include "hean/model/events.h"

namespace hean {

// Not thread-safe (one simdjson parser per instance).
class BybitJsonParser {
 public:
  // Symbols become ids in `instruments` (venue Bybit).
  explicit BybitJsonParser(DataInstruments* instruments);
  ~BybitJsonParser();
  BybitJsonParser(const BybitJsonParser&) = delete;
  BybitJsonParser& operator=(const BybitJsonParser&) = delete;

  // Appends the events of one message line to `out`. `readable_after`: bytes
  // after the line that may be read (>= 64 parses in place, otherwise the
  // line is copied). Errors (kInvalidArgument) start with a stable phrase
  // ("not JSON", "unknown topic", "field \"x\": ...") and leave `out`
  // unchanged.
  Status ParseLine(std::string_view line, std::size_t readable_after, std::vector<Event>& out);

  // As ParseLine, except that an order-book message is not turned into
  // events: it is written whole to `book` and *is_book set, for
  // BybitBookBuilder::OnMessage. Other messages append their events to
  // `out`. The feed handler's hot path: websocket order-book messages in
  // Bybit's compact layout are read by a strict scanner (json_scan.h);
  // anything else, including every malformed line, goes through simdjson,
  // which reads it or says what is wrong.
  Status ParseMessage(std::string_view line, std::size_t readable_after, BookMessage& book, bool* is_book,
                      std::vector<Event>& out);

  // Lines read by the fast scanner (the rest went through simdjson).
  std::uint64_t scanned_lines() const noexcept;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace hean
