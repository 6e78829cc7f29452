// EventSource: one recorded-data file read as a stream of HEAN events, and
// the pieces every reader shares (the instruments the data names, the
// bad-input policy, the count of skipped lines by reason).
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "hean/core/decimal.h"
#include "hean/core/status.h"
#include "hean/model/events.h"
#include "hean/model/instrument.h"

namespace hean {

// What a reader does with a line it cannot read: stop with an error naming
// file, line and reason (kFail, the default), or count it by reason and go
// on (kSkip).
enum class OnError : std::uint8_t { kFail = 0, kSkip = 1 };
Result<OnError, Status> ParseOnError(std::string_view s);

// The instruments named by the data being read, by (venue, symbol), with
// ids in order of first appearance. Tick and lot sizes are "known" when the
// user gave them (AddSpec); otherwise the price and quantity grids are
// inferred from the data: the greatest common divisor of every price (qty)
// observed, the coarsest grid all of them lie on. Not thread-safe.
class DataInstruments {
 public:
  struct Entry {
    InstrumentId id;
    Venue venue = Venue::kUnknown;
    std::string symbol;
    Price tick_size;              // given by the user, or Undefined
    Qty lot_size;                 // given by the user, or Undefined
    std::int64_t price_grid = 0;  // gcd of the raw prices observed, 0 if none
    std::int64_t qty_grid = 0;    // gcd of the raw non-zero quantities observed
  };

  // The id of (venue, symbol), adding it on first use.
  InstrumentId Intern(Venue venue, std::string_view symbol);
  // The id if known.
  const Entry* Find(Venue venue, std::string_view symbol) const;
  // Declares the tick and lot of an instrument (adding it if new). Errors:
  // tick or lot not positive.
  Status AddSpec(Venue venue, std::string_view symbol, Price tick, Qty lot);

  const Entry& Get(InstrumentId id) const { return entries_.at(id.value); }
  std::size_t size() const noexcept { return entries_.size(); }
  const std::vector<Entry>& all() const noexcept { return entries_; }

  // Folds the prices and quantities of a market-data event into the grids.
  void Observe(const Event& e);
  void ObservePrice(InstrumentId id, Price p);
  void ObserveQty(InstrumentId id, Qty q);
  // Grid merge, for a native file's stored grids.
  void MergeGrid(InstrumentId id, std::int64_t price_grid, std::int64_t qty_grid);

  // The tick a book of this instrument uses: the given tick size, else the
  // inferred price grid, else 1e-8.
  Price BookTick(InstrumentId id) const;

 private:
  std::vector<Entry> entries_;
  std::map<std::string, std::uint32_t, std::less<>> by_symbol_;  // "VENUE:SYMBOL"
};

// Lines skipped under OnError::kSkip, counted by reason. The reason of a
// message is its text with quoted values after the first and digit runs
// masked ("field \"p\": \"abc\" is not a decimal" and the same with "xyz"
// count together), so that the summary stays short.
class SkipLog {
 public:
  struct Entry {
    std::uint64_t count = 0;
    std::string first;  // the first full message, with file and line
  };
  void Add(std::string_view message_without_place, const std::string& full_message);
  std::uint64_t total() const noexcept { return total_; }
  const std::map<std::string, Entry>& by_reason() const noexcept { return by_reason_; }

 private:
  std::uint64_t total_ = 0;
  std::map<std::string, Entry> by_reason_;
};
std::string SkipReasonKey(std::string_view message);

// The readers' message for a field that is not a decimal:
// field "<field>": "<text>" is not a decimal (<reason>).
Status DecimalFieldError(DecimalError e, std::string_view field, std::string_view text);

struct SourceOptions {
  OnError on_error = OnError::kFail;
  // Where symbols become ids. Required.
  DataInstruments* instruments = nullptr;
  // For files that do not name their instrument (candle CSVs) or venue:
  // empty / kUnknown means "take it from the file name or say unknown".
  std::string symbol;
  Venue venue = Venue::kUnknown;
};

// One file of recorded market data read as events in file order. Readers
// keep constant memory. Every error message names the file and, where there
// is one, the line ("path:line: reason").
class EventSource {
 public:
  virtual ~EventSource() = default;
  EventSource(const EventSource&) = delete;
  EventSource& operator=(const EventSource&) = delete;

  // Appends the events of the next record (a line, a native record group)
  // to `out`; at least one event unless it returns false. False at the end
  // of the data or on an error: status() tells which. Under OnError::kSkip,
  // bad lines are counted in skipped() and reading goes on.
  virtual bool Next(std::vector<Event>& out) = 0;

  const Status& status() const noexcept { return status_; }
  const SkipLog& skipped() const noexcept { return skipped_; }
  const std::string& path() const noexcept { return path_; }
  // Short format name: "binance-capture", "bybit-json", "tardis-trades", ...
  std::string_view format() const noexcept { return format_; }
  // 1-based number of the line (or record) read last.
  std::uint64_t line_number() const noexcept { return line_; }

 protected:
  EventSource(std::string path, std::string_view format, OnError on_error)
      : path_(std::move(path)), format_(format), on_error_(on_error) {}

  // Reports a bad line: under kFail sets status() and returns false (stop);
  // under kSkip counts it and returns true (go on).
  bool LineError(std::uint64_t line, const Status& reason);
  bool LineError(std::uint64_t line, std::string_view reason);
  // Sets a fatal error (truncated stream, unreadable file); returns false.
  bool Fatal(Status s) {
    status_ = std::move(s);
    return false;
  }

  std::string path_;
  std::string_view format_;
  OnError on_error_;
  Status status_;
  SkipLog skipped_;
  std::uint64_t line_ = 0;
};

// Opens a recorded-data file of any format HEAN reads, recognised from its
// content (and, for symbol-less files, its name): HEAN native event files,
// Binance USD-M captures, Bybit v5 order-book archives and websocket
// captures (NDJSON, optionally "<recv ns> " prefixed, plain, gzip or zip),
// Bybit public trade CSV, tardis.dev CSV (trades, quotes, book_snapshot_N,
// incremental_book_L2), Binance T_DEPTH CSV, 1-minute candle CSV (with a
// header, or Binance kline rows). Errors name the file and why it is not
// recognised.
Result<std::unique_ptr<EventSource>, Status> OpenSource(const std::string& path, const SourceOptions& options);

}  // namespace hean
