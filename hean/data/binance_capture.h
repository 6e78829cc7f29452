// Binance USD-M raw websocket captures: one line per message,
// `<local receive ns> <raw JSON>`, as recorded by hftbacktest's collector.
//
//   {"stream":"btcusdt@depth@0ms","data":{"e":"depthUpdate","E":..,"T":..,"s":"BTCUSDT","U":..,"u":..,"pu":..,
//    "b":[["63939.80","0.100"],..],"a":[..]}}
//   {"stream":"btcusdt@trade","data":{"e":"trade","E":..,"T":..,"s":..,"t":id,"p":"..","q":"..","m":bool,..}}
//   {"stream":"btcusdt@bookTicker","data":{"e":"bookTicker","u":..,"s":..,"b":"..","B":"..","a":"..","A":"..",
//    "T":..,"E":..}}
//   {"lastUpdateId":..,"E":..,"T":..,"bids":[[p,q],..],"asks":[..]}   (REST depth snapshot; no symbol)
//
// Each line becomes HEAN events: a depthUpdate one BookDelta per level
// (the last flagged kLastInMessage; a message without levels one delta with
// kNoLevels so that its update ids still count), a trade a Trade (aggressor
// seller when the buyer was the maker, `m` true), a bookTicker a Quote, a
// snapshot a BookSnapshot. ts_recv is the capture's receive time; ts_event is
// the exchange's transaction time `T` (else the event time `E`).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "hean/core/status.h"
#include "hean/model/events.h"

namespace hean {

// Parses capture lines. Not thread-safe (one simdjson parser per instance).
class BinanceCaptureParser {
 public:
  // `symbols` maps the exchange symbol ("BTCUSDT") to an instrument id;
  // snapshot lines, which carry no symbol, go to `snapshot_instrument`.
  BinanceCaptureParser(std::map<std::string, InstrumentId, std::less<>> symbols, InstrumentId snapshot_instrument);
  ~BinanceCaptureParser();
  BinanceCaptureParser(const BinanceCaptureParser&) = delete;
  BinanceCaptureParser& operator=(const BinanceCaptureParser&) = delete;

  // Symbols missing from the map are passed to `resolver` (when set), whose
  // answer is remembered; without one they are an error.
  void SetResolver(std::function<InstrumentId(std::string_view)> resolver);

  // Appends the events of `line` to `out`. `readable_after` is how many bytes
  // after the line may be read (>= 64 lets simdjson parse in place; less
  // makes a padded copy). Errors (kInvalidArgument) say what is wrong with
  // the line; the caller adds the file and line number. On error nothing is
  // appended.
  Status ParseLine(std::string_view line, std::size_t readable_after, std::vector<Event>& out);

  // As ParseLine, except that a book message (depth diff or snapshot) is not
  // turned into events: it is written whole to `book` and *is_book set, for
  // BinanceBookBuilder::OnMessage. Other messages append their events to
  // `out`. This is the feed handler's hot path: depth diffs, trades and
  // bookTickers in Binance's compact layout are read by a strict scanner
  // (json_scan.h); anything else, including every malformed line, goes
  // through simdjson, which reads it or says what is wrong.
  Status ParseMessage(std::string_view line, std::size_t readable_after, BookMessage& book, bool* is_book,
                      std::vector<Event>& out);

  // Lines read by the fast scanner (the rest went through simdjson).
  std::uint64_t scanned_lines() const noexcept;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace hean
