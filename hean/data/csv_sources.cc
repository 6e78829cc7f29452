#include "hean/data/csv_sources.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstddef>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "hean/core/decimal.h"
#include "hean/core/time.h"
#include "hean/data/line_reader.h"

namespace hean {

std::string_view ToString(CsvFormat f) noexcept {
  switch (f) {
    case CsvFormat::kBybitTrades: return "bybit-trades";
    case CsvFormat::kTardisTrades: return "tardis-trades";
    case CsvFormat::kTardisQuotes: return "tardis-quotes";
    case CsvFormat::kTardisBookSnapshot: return "tardis-book-snapshot";
    case CsvFormat::kTardisIncrementalL2: return "tardis-incremental-l2";
    case CsvFormat::kBinanceTDepth: return "binance-tdepth";
    case CsvFormat::kCandles: return "candles";
    case CsvFormat::kBinanceKline: return "binance-kline";
  }
  return "unknown-csv";
}

namespace {

constexpr std::string_view kBybitTradesHeader =
    "timestamp,symbol,side,size,price,tickDirection,trdMatchID,grossValue,homeNotional,foreignNotional";
constexpr std::string_view kTardisTradesHeader = "exchange,symbol,timestamp,local_timestamp,id,side,price,amount";
constexpr std::string_view kTardisQuotesHeader =
    "exchange,symbol,timestamp,local_timestamp,ask_amount,ask_price,bid_price,bid_amount";
constexpr std::string_view kTardisIncrementalHeader =
    "exchange,symbol,timestamp,local_timestamp,is_snapshot,side,price,amount";
constexpr std::string_view kTardisSnapshotPrefix = "exchange,symbol,timestamp,local_timestamp";
constexpr std::string_view kBinanceTDepthHeader =
    "symbol,timestamp,first_update_id,last_update_id,side,update_type,price,qty,pu";
constexpr std::string_view kCandlesHeader = "timestamp,open,high,low,close,volume";
constexpr std::string_view kKlineHeaderPrefix = "open_time,open,high,low,close,volume,close_time";
constexpr std::size_t kKlineColumns = 12;
constexpr std::size_t kMaxQuoted = 64;  // longest value quoted in an error message

// ---------------------------------------------------------------- lines and fields

std::string_view StripCr(std::string_view line) {
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  return line;
}

std::string_view StripBom(std::string_view line) {
  if (line.substr(0, 3) == "\xEF\xBB\xBF") line.remove_prefix(3);
  return line;
}

void SplitCsv(std::string_view line, std::vector<std::string_view>& out) {
  out.clear();
  std::size_t start = 0;
  for (;;) {
    const std::size_t comma = line.find(',', start);
    if (comma == std::string_view::npos) {
      out.push_back(line.substr(start));
      return;
    }
    out.push_back(line.substr(start, comma - start));
    start = comma + 1;
  }
}

std::size_t CountColumns(std::string_view line) {
  return static_cast<std::size_t>(std::count(line.begin(), line.end(), ',')) + 1;
}

// ---------------------------------------------------------------- errors

std::string Quoted(std::string_view v, std::size_t max = kMaxQuoted) {
  std::string s = "\"";
  s.append(v.substr(0, max));
  if (v.size() > max) s += "...";
  s += '"';
  return s;
}

// `field "name": why`
Status FieldError(std::string_view field, std::string_view why) {
  std::string msg = "field \"";
  msg.append(field);
  msg += "\": ";
  msg.append(why);
  return InvalidArgumentError(std::move(msg));
}

// `field "name": "value" why`
Status ValueError(std::string_view field, std::string_view value, std::string_view why) {
  std::string msg = Quoted(value);
  msg += ' ';
  msg.append(why);
  return FieldError(field, msg);
}

// ---------------------------------------------------------------- numbers

template <class T>
Status ParseDecimal(std::string_view field, std::string_view text, T* out) {
  if (text.empty()) return FieldError(field, "empty");
  auto r = T::Parse(text);
  if (!r.ok()) {
    if (r.error() == DecimalError::kNegative) return ValueError(field, text, "is negative");
    return ValueError(field, text, "is not a decimal (" + std::string(DecimalErrorName(r.error())) + ")");
  }
  *out = *r;
  return Status::Ok();
}

// For values written from binary floating point (candle CSVs made with
// pandas: "218102.59507500002"): digits beyond the 9th decimal place are
// rounded half away from zero instead of refused. The error is below 5e-10,
// far under the precision of the double the text came from.
template <class T>
Status ParseFloatText(std::string_view field, std::string_view text, T* out) {
  const std::size_t point = text.find('.');
  if (point == std::string_view::npos || text.size() - point - 1 <= 9 ||
      text.find_first_not_of("0123456789", point + 1) != std::string_view::npos) {
    return ParseDecimal(field, text, out);
  }
  T r;
  HEAN_RETURN_IF_ERROR(ParseDecimal(field, text.substr(0, point + 10), &r));
  if (text[point + 10] >= '5') {
    auto up = T::CheckedAdd(r, T::FromRaw(text.starts_with('-') ? -1 : 1));
    if (!up.ok()) return ValueError(field, text, "is out of range");
    r = *up;
  }
  *out = r;
  return Status::Ok();
}

// Empty is `empty_value`.
template <class T>
Status ParseOptionalDecimal(std::string_view field, std::string_view text, T empty_value, T* out) {
  if (text.empty()) {
    *out = empty_value;
    return Status::Ok();
  }
  return ParseDecimal(field, text, out);
}

Status ParseU64(std::string_view field, std::string_view text, std::uint64_t* out) {
  if (text.empty()) return FieldError(field, "empty");
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, *out);
  if (ec == std::errc::result_out_of_range) return ValueError(field, text, "is out of range");
  if (ec != std::errc() || ptr != end) return ValueError(field, text, "is not an unsigned integer");
  return Status::Ok();
}

Status ParseI64(std::string_view field, std::string_view text, std::int64_t* out) {
  if (text.empty()) return FieldError(field, "empty");
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, *out);
  if (ec == std::errc::result_out_of_range) return ValueError(field, text, "is out of range");
  if (ec != std::errc() || ptr != end) return ValueError(field, text, "is not an integer");
  return Status::Ok();
}

// A non-negative count of `unit_ns` since the epoch.
Status ParseEpoch(std::string_view field, std::string_view text, std::int64_t unit_ns, UnixNanos* out) {
  std::uint64_t v = 0;
  if (text.empty()) return FieldError(field, "empty");
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, v);
  if (ec == std::errc() && ptr == end) {
    std::int64_t ns = 0;
    if (v > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()) ||
        __builtin_mul_overflow(static_cast<std::int64_t>(v), unit_ns, &ns)) {
      return ValueError(field, text, "is out of range");
    }
    *out = UnixNanos::FromNanos(ns);
    return Status::Ok();
  }
  if (ec == std::errc::result_out_of_range) return ValueError(field, text, "is out of range");
  return ValueError(field, text, "is not an integer");
}

// The unit of an integer epoch timestamp, judged by its size: seconds below
// 1e11 (until the year 5138), milliseconds below 1e14, microseconds below
// 1e17, else nanoseconds. Milliseconds before 1973-03-03 would be read as
// seconds; no market data of interest is that old.
std::int64_t EpochUnitNanos(std::uint64_t v) noexcept {
  if (v < 100'000'000'000ULL) return 1'000'000'000;
  if (v < 100'000'000'000'000ULL) return 1'000'000;
  if (v < 100'000'000'000'000'000ULL) return 1'000;
  return 1;
}

bool Digits(std::string_view s, std::size_t pos, std::size_t n, int* out) {
  if (pos + n > s.size()) return false;
  int v = 0;
  for (std::size_t i = pos; i < pos + n; ++i) {
    const char c = s[i];
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  *out = v;
  return true;
}

// `YYYY-MM-DD HH:MM:SS[.f{1,9}][Z]` ('T' also accepted for the space), UTC.
bool ParseDateTime(std::string_view s, std::int64_t* ns) {
  if (!s.empty() && s.back() == 'Z') s.remove_suffix(1);
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  if (s.size() < 19 || s[4] != '-' || s[7] != '-' || (s[10] != ' ' && s[10] != 'T') || s[13] != ':' || s[16] != ':') {
    return false;
  }
  if (!Digits(s, 0, 4, &year) || !Digits(s, 5, 2, &month) || !Digits(s, 8, 2, &day) || !Digits(s, 11, 2, &hour) ||
      !Digits(s, 14, 2, &minute) || !Digits(s, 17, 2, &second)) {
    return false;
  }
  std::int64_t frac = 0;
  if (s.size() > 19) {
    const std::size_t n = s.size() - 20;
    if (s[19] != '.' || n == 0 || n > 9) return false;
    int d = 0;
    for (std::size_t i = 20; i < s.size(); ++i) {
      if (!Digits(s, i, 1, &d)) return false;
      frac = frac * 10 + d;
    }
    for (std::size_t i = n; i < 9; ++i) frac *= 10;
  }
  if (month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 59) return false;
  const std::int64_t days = DaysFromCivil(year, month, day);
  const CivilDate back = CivilFromDays(days);
  if (back.month != month || back.day != day) return false;  // e.g. 2021-02-30
  const std::int64_t secs = days * 86'400 + hour * 3'600 + minute * 60 + second;
  std::int64_t r = 0;
  if (__builtin_mul_overflow(secs, kFixedScale, &r) || __builtin_add_overflow(r, frac, &r)) return false;
  *ns = r;
  return true;
}

// A candle timestamp: a date-time or an integer epoch count of any unit.
Status ParseCandleTime(std::string_view field, std::string_view text, UnixNanos* out) {
  if (text.empty()) return FieldError(field, "empty");
  if (std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    std::uint64_t v = 0;
    auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    (void)ptr;
    if (ec != std::errc()) return ValueError(field, text, "is out of range");
    return ParseEpoch(field, text, EpochUnitNanos(v), out);
  }
  std::int64_t ns = 0;
  if (!ParseDateTime(text, &ns)) {
    return ValueError(field, text, "is not a date-time YYYY-MM-DD HH:MM:SS[.fraction] or an integer");
  }
  *out = UnixNanos::FromNanos(ns);
  return Status::Ok();
}

bool LooksNumeric(std::string_view s) {
  if (s.empty()) return false;
  bool digit = false;
  for (char c : s) {
    if (c >= '0' && c <= '9') {
      digit = true;
    } else if (c != '.') {
      return false;
    }
  }
  return digit;
}

// ---------------------------------------------------------------- symbols

// The file name without directories, ".gz" and ".csv".
std::string_view FileStem(std::string_view path) {
  const std::size_t slash = path.find_last_of('/');
  if (slash != std::string_view::npos) path.remove_prefix(slash + 1);
  if (path.ends_with(".gz")) path.remove_suffix(3);
  if (path.ends_with(".csv")) path.remove_suffix(4);
  return path;
}

std::string Upper(std::string_view s) {
  std::string r(s);
  for (char& c : r) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return r;
}

// btc-perp-20211231-20220201_1m.csv -> BTC-PERP.
std::string CandleSymbolFromPath(std::string_view path) {
  std::string_view s = FileStem(path);
  s = s.substr(0, s.find('_'));
  for (;;) {
    const std::size_t dash = s.find_last_of('-');
    if (dash == std::string_view::npos || dash == 0) break;
    const std::string_view tail = s.substr(dash + 1);
    if (tail.empty() || !std::all_of(tail.begin(), tail.end(), [](char c) { return c >= '0' && c <= '9'; })) break;
    s = s.substr(0, dash);
  }
  return Upper(s);
}

// ADABTC-1m-2021-11-27.csv -> ADABTC.
std::string KlineSymbolFromPath(std::string_view path) {
  std::string_view s = FileStem(path);
  return Upper(s.substr(0, s.find('-')));
}

Venue TardisVenue(std::string_view exchange) {
  if (exchange == "binance-futures" || exchange == "binance" || exchange == "binance-delivery") return Venue::kBinance;
  if (exchange == "bybit" || exchange == "bybit-spot") return Venue::kBybit;
  return Venue::kUnknown;
}

// N of a tardis book_snapshot_N header, or 0 if `header` is not one.
std::size_t SnapshotLevelsOf(std::string_view header) {
  if (!header.starts_with(kTardisSnapshotPrefix)) return 0;
  const std::size_t columns = CountColumns(header);
  if (columns < 8 || (columns - 4) % 4 != 0) return 0;
  const std::size_t n = (columns - 4) / 4;
  std::string expected(kTardisSnapshotPrefix);
  for (std::size_t i = 0; i < n; ++i) {
    const std::string idx = "[" + std::to_string(i) + "]";
    expected += ",asks" + idx + ".price,asks" + idx + ".amount,bids" + idx + ".price,bids" + idx + ".amount";
  }
  return header == expected ? n : 0;
}

bool IsKlineHeader(std::string_view line) {
  return line.starts_with(kKlineHeaderPrefix) && CountColumns(line) == kKlineColumns;
}

bool IsKlineRow(std::string_view line) {
  if (CountColumns(line) != kKlineColumns) return false;
  std::size_t start = 0;
  for (std::size_t i = 0; i < kKlineColumns; ++i) {
    const std::size_t comma = std::min(line.find(',', start), line.size());
    if (!LooksNumeric(line.substr(start, comma - start))) return false;
    start = comma + 1;
  }
  return true;
}

// ---------------------------------------------------------------- base

// Reads data lines, splits them and hands the fields to ParseRow.
class CsvSource : public EventSource {
 public:
  bool Next(std::vector<Event>& out) final {
    if (done_) return false;
    const std::size_t mark = out.size();
    std::string_view line;
    while (out.size() == mark) {
      if (!NextLine(&line)) {
        done_ = true;
        if (!status_.ok()) return false;
        Finish(out);
        return out.size() > mark;
      }
      SplitCsv(line, fields_);
      Status s;
      if (fields_.size() != columns_) {
        s = InvalidArgumentError("wrong column count: expected " + std::to_string(columns_) + ", got " +
                                 std::to_string(fields_.size()));
      } else {
        s = ParseRow(fields_, out);
      }
      if (!s.ok()) {
        HEAN_DCHECK(out.size() == mark, "a failed row appended events");
        if (!LineError(line_, s)) {
          done_ = true;
          return false;
        }
      }
    }
    return true;
  }

 protected:
  CsvSource(std::unique_ptr<LineReader> reader, CsvFormat format, const SourceOptions& options, std::size_t columns)
      : EventSource(reader->path(), ToString(format), options.on_error),
        instruments_(options.instruments),
        reader_(std::move(reader)),
        columns_(columns) {}

  // Parses the fields (as many as the format has) of one data line and
  // appends its events; none while a group of rows is being gathered. On
  // error appends nothing and says why.
  virtual Status ParseRow(const std::vector<std::string_view>& f, std::vector<Event>& out) = 0;
  // At the clean end of the data: appends what is still held.
  virtual void Finish(std::vector<Event>& /*out*/) {}

  // The id of (venue, symbol); remembers the last one (files rarely mix).
  InstrumentId Instrument(Venue venue, std::string_view symbol) {
    if (!cached_id_.valid() || venue != cached_venue_ || symbol != cached_symbol_) {
      cached_id_ = instruments_->Intern(venue, symbol);
      cached_venue_ = venue;
      cached_symbol_.assign(symbol);
    }
    return cached_id_;
  }

  // A first line that is data (headerless kline files), read before the rest.
  void SetFirstDataLine(std::string line, std::uint64_t number) {
    first_line_ = std::move(line);
    first_line_number_ = number;
    has_first_line_ = true;
  }

  DataInstruments* instruments_;

 private:
  // The next non-empty line without '\r'. An empty line is an error unless
  // it is the last line of the file. False at the end or on an error.
  bool NextLine(std::string_view* line) {
    if (has_first_line_) {
      has_first_line_ = false;
      if (!first_line_.empty()) {
        *line = first_line_;
        line_ = first_line_number_;
        return true;
      }
      pending_empty_ = first_line_number_;  // an error unless it is the only line
    }
    for (;;) {
      if (!reader_->Next(line)) {
        if (!reader_->status().ok()) return Fatal(reader_->status());
        return false;  // a pending empty line was the last one: fine
      }
      if (pending_empty_ != 0) {
        const std::uint64_t empty = pending_empty_;
        pending_empty_ = 0;
        if (!LineError(empty, "empty line")) return false;
      }
      *line = StripCr(*line);
      if (line->empty()) {
        pending_empty_ = reader_->line_number();
        continue;
      }
      line_ = reader_->line_number();
      return true;
    }
  }

  std::unique_ptr<LineReader> reader_;
  std::size_t columns_;
  std::vector<std::string_view> fields_;
  std::uint64_t pending_empty_ = 0;
  std::string first_line_;
  std::uint64_t first_line_number_ = 0;
  bool has_first_line_ = false;
  bool done_ = false;
  Venue cached_venue_ = Venue::kUnknown;
  std::string cached_symbol_;
  InstrumentId cached_id_;
};

// exchange, symbol, timestamp and local_timestamp: the first four columns of
// every tardis CSV.
struct TardisHead {
  InstrumentId instrument;
  UnixNanos ts_event;
  UnixNanos ts_recv;
};

// ---------------------------------------------------------------- trades

class BybitTradesSource final : public CsvSource {
 public:
  BybitTradesSource(std::unique_ptr<LineReader> r, const SourceOptions& o)
      : CsvSource(std::move(r), CsvFormat::kBybitTrades, o, 10) {}

 private:
  Status ParseRow(const std::vector<std::string_view>& f, std::vector<Event>& out) override {
    Trade t;
    if (f[0].empty()) return FieldError("timestamp", "empty");
    // Seconds with up to 9 decimals are exactly a count of nanoseconds.
    auto ns = decimal_detail::ParseFixed(f[0], /*allow_negative=*/false);
    if (!ns.ok()) {
      return ValueError("timestamp", f[0],
                        "is not seconds since the epoch (" + std::string(DecimalErrorName(ns.error())) + ")");
    }
    t.ts_event = t.ts_recv = UnixNanos::FromNanos(*ns);
    if (f[1].empty()) return FieldError("symbol", "empty");
    if (f[2] == "Buy") {
      t.aggressor = AggressorSide::kBuyer;
    } else if (f[2] == "Sell") {
      t.aggressor = AggressorSide::kSeller;
    } else {
      return ValueError("side", f[2], "is not Buy or Sell");
    }
    HEAN_RETURN_IF_ERROR(ParseDecimal("size", f[3], &t.qty));
    HEAN_RETURN_IF_ERROR(ParseDecimal("price", f[4], &t.price));
    if (!TradeId::TryFrom(f[6], &t.trade_id)) {
      return FieldError("trdMatchID", "too long: " + std::to_string(f[6].size()) + " characters, at most " +
                                          std::to_string(TradeId::kCapacity));
    }
    t.instrument = Instrument(Venue::kBybit, f[1]);
    out.emplace_back(t);
    return Status::Ok();
  }
};

// Tardis rows start alike; the subclasses read the rest.
class TardisSource : public CsvSource {
 protected:
  using CsvSource::CsvSource;

  Status ParseHead(const std::vector<std::string_view>& f, TardisHead* h) {
    if (f[0].empty()) return FieldError("exchange", "empty");
    if (f[1].empty()) return FieldError("symbol", "empty");
    HEAN_RETURN_IF_ERROR(ParseEpoch("timestamp", f[2], 1'000, &h->ts_event));
    HEAN_RETURN_IF_ERROR(ParseEpoch("local_timestamp", f[3], 1'000, &h->ts_recv));
    h->instrument = Instrument(TardisVenue(f[0]), f[1]);
    return Status::Ok();
  }
};

class TardisTradesSource final : public TardisSource {
 public:
  TardisTradesSource(std::unique_ptr<LineReader> r, const SourceOptions& o)
      : TardisSource(std::move(r), CsvFormat::kTardisTrades, o, 8) {}

 private:
  Status ParseRow(const std::vector<std::string_view>& f, std::vector<Event>& out) override {
    TardisHead h;
    HEAN_RETURN_IF_ERROR(ParseHead(f, &h));
    Trade t;
    t.ts_event = h.ts_event;
    t.ts_recv = h.ts_recv;
    t.instrument = h.instrument;
    if (!TradeId::TryFrom(f[4], &t.trade_id)) {
      return FieldError("id", "too long: " + std::to_string(f[4].size()) + " characters, at most " +
                                  std::to_string(TradeId::kCapacity));
    }
    if (f[5] == "buy") {
      t.aggressor = AggressorSide::kBuyer;
    } else if (f[5] == "sell") {
      t.aggressor = AggressorSide::kSeller;
    } else if (f[5] == "unknown") {
      t.aggressor = AggressorSide::kUnknown;
    } else {
      return ValueError("side", f[5], "is not buy, sell or unknown");
    }
    HEAN_RETURN_IF_ERROR(ParseDecimal("price", f[6], &t.price));
    HEAN_RETURN_IF_ERROR(ParseDecimal("amount", f[7], &t.qty));
    out.emplace_back(t);
    return Status::Ok();
  }
};

// ---------------------------------------------------------------- quotes

class TardisQuotesSource final : public TardisSource {
 public:
  TardisQuotesSource(std::unique_ptr<LineReader> r, const SourceOptions& o)
      : TardisSource(std::move(r), CsvFormat::kTardisQuotes, o, 8) {}

 private:
  Status ParseRow(const std::vector<std::string_view>& f, std::vector<Event>& out) override {
    TardisHead h;
    HEAN_RETURN_IF_ERROR(ParseHead(f, &h));
    Quote q;
    q.ts_event = h.ts_event;
    q.ts_recv = h.ts_recv;
    q.instrument = h.instrument;
    HEAN_RETURN_IF_ERROR(ParseOptionalDecimal("ask_amount", f[4], Qty::Zero(), &q.ask_qty));
    HEAN_RETURN_IF_ERROR(ParseOptionalDecimal("ask_price", f[5], Price::Undefined(), &q.ask_price));
    HEAN_RETURN_IF_ERROR(ParseOptionalDecimal("bid_price", f[6], Price::Undefined(), &q.bid_price));
    HEAN_RETURN_IF_ERROR(ParseOptionalDecimal("bid_amount", f[7], Qty::Zero(), &q.bid_qty));
    out.emplace_back(q);
    return Status::Ok();
  }
};

// ---------------------------------------------------------------- book_snapshot_N

class TardisBookSnapshotSource final : public TardisSource {
 public:
  TardisBookSnapshotSource(std::unique_ptr<LineReader> r, const SourceOptions& o, std::size_t levels)
      : TardisSource(std::move(r), CsvFormat::kTardisBookSnapshot, o, 4 + 4 * levels), levels_(levels) {
    for (std::size_t i = 0; i < levels; ++i) {
      const std::string idx = "[" + std::to_string(i) + "]";
      names_.push_back("asks" + idx + ".price");
      names_.push_back("asks" + idx + ".amount");
      names_.push_back("bids" + idx + ".price");
      names_.push_back("bids" + idx + ".amount");
    }
  }

 private:
  Status ParseRow(const std::vector<std::string_view>& f, std::vector<Event>& out) override {
    TardisHead h;
    HEAN_RETURN_IF_ERROR(ParseHead(f, &h));
    auto levels = std::make_shared<BookLevels>();
    levels->asks.reserve(levels_);
    levels->bids.reserve(levels_);
    bool asks_ended = false, bids_ended = false;
    for (std::size_t i = 0; i < levels_; ++i) {
      HEAN_RETURN_IF_ERROR(ReadLevel(f, 4 + 4 * i, &asks_ended, levels->asks));
      HEAN_RETURN_IF_ERROR(ReadLevel(f, 6 + 4 * i, &bids_ended, levels->bids));
    }
    BookSnapshot s;
    s.ts_event = h.ts_event;
    s.ts_recv = h.ts_recv;
    s.instrument = h.instrument;
    s.levels = std::move(levels);
    out.emplace_back(std::move(s));
    return Status::Ok();
  }

  // The level at columns col (price) and col + 1 (amount) into `side`.
  Status ReadLevel(const std::vector<std::string_view>& f, std::size_t col, bool* ended,
                   std::vector<BookLevel>& side) const {
    const std::string_view p = f[col], q = f[col + 1];
    const std::string& pname = names_[col - 4];
    const std::string& qname = names_[col - 3];
    if (p.empty() && q.empty()) {
      *ended = true;
      return Status::Ok();
    }
    if (*ended) return FieldError(p.empty() ? qname : pname, "level after an empty level");
    BookLevel l;
    HEAN_RETURN_IF_ERROR(ParseDecimal(pname, p, &l.price));
    HEAN_RETURN_IF_ERROR(ParseDecimal(qname, q, &l.qty));
    side.push_back(l);
    return Status::Ok();
  }

  std::size_t levels_;
  std::vector<std::string> names_;  // column names after the first four
};

// ---------------------------------------------------------------- book rows

// One row of a row-per-level book file (tardis incremental_book_L2,
// Binance T_DEPTH).
struct BookRow {
  InstrumentId instrument;
  bool snapshot = false;
  // Rows of one instrument and kind with equal keys belong to one group.
  std::uint64_t key1 = 0;
  std::uint64_t key2 = 0;
  UnixNanos ts_event;
  UnixNanos ts_recv;
  Side side = Side::kBuy;
  Price price;
  Qty qty;
  std::uint64_t update_id = 0;
  std::uint64_t first_update_id = 0;
  std::uint64_t prev_update_id = 0;
};

bool SameGroup(const BookRow& a, const BookRow& b) {
  return a.instrument == b.instrument && a.snapshot == b.snapshot && a.key1 == b.key1 && a.key2 == b.key2;
}

// Sorts best first (bids descending, asks ascending), keeps the last
// quantity of a price given twice and drops zero quantities.
void NormalizeSide(std::vector<BookLevel>& side, bool bids) {
  std::stable_sort(side.begin(), side.end(), [bids](const BookLevel& a, const BookLevel& b) {
    return bids ? a.price > b.price : a.price < b.price;
  });
  std::size_t w = 0;
  for (std::size_t i = 0; i < side.size(); ++i) {
    if (i + 1 < side.size() && side[i + 1].price == side[i].price) continue;  // a later row wins
    if (side[i].qty.IsZero()) continue;
    side[w++] = side[i];
  }
  side.resize(w);
}

// Groups rows: a group of snapshot rows becomes one BookSnapshot when the
// group ends; other rows become one BookDelta each, the last of a group
// flagged kLastInMessage (one row of lookahead).
class BookRowSource : public CsvSource {
 protected:
  using CsvSource::CsvSource;

  // Parses one row; the caller groups it.
  virtual Status ParseBookRow(const std::vector<std::string_view>& f, BookRow* row) = 0;

 private:
  Status ParseRow(const std::vector<std::string_view>& f, std::vector<Event>& out) final {
    BookRow row;
    HEAN_RETURN_IF_ERROR(ParseBookRow(f, &row));
    if (row.snapshot) {
      FlushDelta(out, /*last=*/true);
      if (have_snapshot_ && !SameGroup(snapshot_, row)) FlushSnapshot(out);
      if (!have_snapshot_) {
        have_snapshot_ = true;
        bids_.clear();
        asks_.clear();
      }
      snapshot_ = row;  // the snapshot takes its last row's times
      (row.side == Side::kBuy ? bids_ : asks_).push_back(BookLevel{row.price, row.qty});
    } else {
      FlushSnapshot(out);
      if (have_delta_) FlushDelta(out, /*last=*/!SameGroup(delta_, row));
      delta_ = row;
      have_delta_ = true;
    }
    return Status::Ok();
  }

  void Finish(std::vector<Event>& out) final {
    FlushSnapshot(out);
    FlushDelta(out, /*last=*/true);
  }

  void FlushDelta(std::vector<Event>& out, bool last) {
    if (!have_delta_) return;
    have_delta_ = false;
    BookDelta d;
    d.ts_event = delta_.ts_event;
    d.ts_recv = delta_.ts_recv;
    d.instrument = delta_.instrument;
    d.side = delta_.side;
    d.flags = last ? BookDelta::kLastInMessage : 0;
    d.price = delta_.price;
    d.qty = delta_.qty;
    d.update_id = delta_.update_id;
    d.first_update_id = delta_.first_update_id;
    d.prev_update_id = delta_.prev_update_id;
    out.emplace_back(d);
  }

  void FlushSnapshot(std::vector<Event>& out) {
    if (!have_snapshot_) return;
    have_snapshot_ = false;
    auto levels = std::make_shared<BookLevels>();
    NormalizeSide(bids_, /*bids=*/true);
    NormalizeSide(asks_, /*bids=*/false);
    levels->bids = bids_;
    levels->asks = asks_;
    BookSnapshot s;
    s.ts_event = snapshot_.ts_event;
    s.ts_recv = snapshot_.ts_recv;
    s.instrument = snapshot_.instrument;
    s.update_id = snapshot_.update_id;
    s.levels = std::move(levels);
    out.emplace_back(std::move(s));
  }

  bool have_delta_ = false;
  BookRow delta_;  // the row held back until the next one says whether it ends its message
  bool have_snapshot_ = false;
  BookRow snapshot_;  // the last row of the snapshot being gathered
  std::vector<BookLevel> bids_;
  std::vector<BookLevel> asks_;
};

class TardisIncrementalSource final : public BookRowSource {
 public:
  TardisIncrementalSource(std::unique_ptr<LineReader> r, const SourceOptions& o)
      : BookRowSource(std::move(r), CsvFormat::kTardisIncrementalL2, o, 8) {}

 private:
  Status ParseBookRow(const std::vector<std::string_view>& f, BookRow* row) override {
    if (f[0].empty()) return FieldError("exchange", "empty");
    if (f[1].empty()) return FieldError("symbol", "empty");
    HEAN_RETURN_IF_ERROR(ParseEpoch("timestamp", f[2], 1'000, &row->ts_event));
    HEAN_RETURN_IF_ERROR(ParseEpoch("local_timestamp", f[3], 1'000, &row->ts_recv));
    if (f[4] == "true") {
      row->snapshot = true;
    } else if (f[4] == "false") {
      row->snapshot = false;
    } else {
      return ValueError("is_snapshot", f[4], "is not true or false");
    }
    if (f[5] == "bid") {
      row->side = Side::kBuy;
    } else if (f[5] == "ask") {
      row->side = Side::kSell;
    } else {
      return ValueError("side", f[5], "is not bid or ask");
    }
    HEAN_RETURN_IF_ERROR(ParseDecimal("price", f[6], &row->price));
    HEAN_RETURN_IF_ERROR(ParseDecimal("amount", f[7], &row->qty));
    row->instrument = Instrument(TardisVenue(f[0]), f[1]);
    // A snapshot runs until a non-snapshot row; a message is the rows that
    // share both timestamps.
    if (!row->snapshot) {
      row->key1 = static_cast<std::uint64_t>(row->ts_event.nanos());
      row->key2 = static_cast<std::uint64_t>(row->ts_recv.nanos());
    }
    return Status::Ok();
  }
};

class BinanceTDepthSource final : public BookRowSource {
 public:
  BinanceTDepthSource(std::unique_ptr<LineReader> r, const SourceOptions& o)
      : BookRowSource(std::move(r), CsvFormat::kBinanceTDepth, o, 9) {}

 private:
  Status ParseBookRow(const std::vector<std::string_view>& f, BookRow* row) override {
    if (f[0].empty()) return FieldError("symbol", "empty");
    HEAN_RETURN_IF_ERROR(ParseEpoch("timestamp", f[1], 1'000'000, &row->ts_event));
    row->ts_recv = row->ts_event;
    HEAN_RETURN_IF_ERROR(ParseU64("first_update_id", f[2], &row->first_update_id));
    HEAN_RETURN_IF_ERROR(ParseU64("last_update_id", f[3], &row->update_id));
    if (f[4] == "b") {
      row->side = Side::kBuy;
    } else if (f[4] == "a") {
      row->side = Side::kSell;
    } else {
      return ValueError("side", f[4], "is not b or a");
    }
    if (f[5] == "snap") {
      row->snapshot = true;
    } else if (f[5] == "set") {
      row->snapshot = false;
    } else {
      return ValueError("update_type", f[5], "is not snap or set");
    }
    HEAN_RETURN_IF_ERROR(ParseDecimal("price", f[6], &row->price));
    HEAN_RETURN_IF_ERROR(ParseDecimal("qty", f[7], &row->qty));
    std::int64_t pu = 0;
    HEAN_RETURN_IF_ERROR(ParseI64("pu", f[8], &pu));
    if (pu < -1) return ValueError("pu", f[8], "is neither -1 nor an update id");
    row->prev_update_id = pu < 0 ? 0 : static_cast<std::uint64_t>(pu);
    row->instrument = Instrument(Venue::kBinance, f[0]);
    row->key1 = row->update_id;
    return Status::Ok();
  }
};

// ---------------------------------------------------------------- bars

class CandlesSource final : public CsvSource {
 public:
  CandlesSource(std::unique_ptr<LineReader> r, const SourceOptions& o, InstrumentId instrument)
      : CsvSource(std::move(r), CsvFormat::kCandles, o, 6), instrument_(instrument) {}

 private:
  Status ParseRow(const std::vector<std::string_view>& f, std::vector<Event>& out) override {
    Bar b;
    b.instrument = instrument_;
    HEAN_RETURN_IF_ERROR(ParseCandleTime("timestamp", f[0], &b.open_time));
    HEAN_RETURN_IF_ERROR(ParseFloatText("open", f[1], &b.open));
    HEAN_RETURN_IF_ERROR(ParseFloatText("high", f[2], &b.high));
    HEAN_RETURN_IF_ERROR(ParseFloatText("low", f[3], &b.low));
    HEAN_RETURN_IF_ERROR(ParseFloatText("close", f[4], &b.close));
    HEAN_RETURN_IF_ERROR(ParseFloatText("volume", f[5], &b.volume));
    if (state_ == State::kNoRow) {
      first_ = b;
      state_ = State::kOneRow;
      return Status::Ok();
    }
    if (state_ == State::kOneRow) {
      const Duration gap = b.open_time - first_.open_time;
      if (gap <= Duration::Zero()) {
        return ValueError("timestamp", f[0], "is not after the first row's, so the bar interval is unknown");
      }
      interval_ = gap;
      state_ = State::kInterval;
      Emit(first_, out);
    }
    Emit(b, out);
    return Status::Ok();
  }

  void Finish(std::vector<Event>& out) override {
    if (state_ != State::kOneRow) return;
    interval_ = Duration::Seconds(60);
    state_ = State::kInterval;
    Emit(first_, out);
  }

  void Emit(Bar b, std::vector<Event>& out) const {
    b.interval = interval_;
    b.ts_event = b.ts_recv = b.open_time + interval_;
    out.emplace_back(b);
  }

  enum class State : std::uint8_t { kNoRow, kOneRow, kInterval };
  InstrumentId instrument_;
  State state_ = State::kNoRow;
  Bar first_;  // held until the second row gives the interval
  Duration interval_;
};

class KlineSource final : public CsvSource {
 public:
  KlineSource(std::unique_ptr<LineReader> r, const SourceOptions& o, InstrumentId instrument)
      : CsvSource(std::move(r), CsvFormat::kBinanceKline, o, kKlineColumns), instrument_(instrument) {}
  using CsvSource::SetFirstDataLine;

 private:
  Status ParseRow(const std::vector<std::string_view>& f, std::vector<Event>& out) override {
    Bar b;
    b.instrument = instrument_;
    std::uint64_t open_raw = 0;
    HEAN_RETURN_IF_ERROR(ParseU64("open_time", f[0], &open_raw));
    const std::int64_t unit = EpochUnitNanos(open_raw);
    HEAN_RETURN_IF_ERROR(ParseEpoch("open_time", f[0], unit, &b.open_time));
    HEAN_RETURN_IF_ERROR(ParseDecimal("open", f[1], &b.open));
    HEAN_RETURN_IF_ERROR(ParseDecimal("high", f[2], &b.high));
    HEAN_RETURN_IF_ERROR(ParseDecimal("low", f[3], &b.low));
    HEAN_RETURN_IF_ERROR(ParseDecimal("close", f[4], &b.close));
    HEAN_RETURN_IF_ERROR(ParseDecimal("volume", f[5], &b.volume));
    UnixNanos close_time;
    HEAN_RETURN_IF_ERROR(ParseEpoch("close_time", f[6], unit, &close_time));
    if (close_time < b.open_time) return ValueError("close_time", f[6], "is before open_time");
    if (close_time > UnixNanos::Max() - Duration::Nanos(unit)) return ValueError("close_time", f[6], "is out of range");
    std::uint64_t count = 0;
    HEAN_RETURN_IF_ERROR(ParseU64("count", f[8], &count));
    if (count > std::numeric_limits<std::uint32_t>::max()) return ValueError("count", f[8], "is out of range");
    b.trade_count = static_cast<std::uint32_t>(count);
    b.ts_event = b.ts_recv = close_time + Duration::Nanos(unit);
    b.interval = b.ts_event - b.open_time;
    out.emplace_back(b);
    return Status::Ok();
  }

  InstrumentId instrument_;
};

Status HeaderError(const std::string& path, CsvFormat format, std::string_view line) {
  return InvalidArgumentError(path + ":1: not a " + std::string(ToString(format)) + " header: " + Quoted(line, 256));
}

}  // namespace

std::optional<CsvFormat> DetectCsvFormat(std::string_view first_line) {
  const std::string_view l = StripBom(StripCr(first_line));
  if (l == kBybitTradesHeader) return CsvFormat::kBybitTrades;
  if (l == kTardisTradesHeader) return CsvFormat::kTardisTrades;
  if (l == kTardisQuotesHeader) return CsvFormat::kTardisQuotes;
  if (l == kTardisIncrementalHeader) return CsvFormat::kTardisIncrementalL2;
  if (SnapshotLevelsOf(l) > 0) return CsvFormat::kTardisBookSnapshot;
  if (l == kBinanceTDepthHeader) return CsvFormat::kBinanceTDepth;
  if (l == kCandlesHeader) return CsvFormat::kCandles;
  if (IsKlineHeader(l) || IsKlineRow(l)) return CsvFormat::kBinanceKline;
  return std::nullopt;
}

Result<std::unique_ptr<EventSource>, Status> OpenCsvSource(const std::string& path, CsvFormat format,
                                                           const SourceOptions& options) {
  if (options.instruments == nullptr) return InvalidArgumentError(path + ": SourceOptions::instruments is required");
  auto opened = LineReader::Open(path);
  if (!opened.ok()) return opened.error();
  std::unique_ptr<LineReader> reader = std::move(opened).value();

  std::string_view raw;
  if (!reader->Next(&raw)) {
    if (!reader->status().ok()) return reader->status();
    if (format == CsvFormat::kBinanceKline)
      raw = {};  // an empty headerless file: no bars
    else
      return InvalidArgumentError(path + ": empty file, expected a " + std::string(ToString(format)) + " header");
  }
  const std::string_view first = StripBom(StripCr(raw));

  auto expect = [&](std::string_view header) -> Status {
    return first == header ? Status::Ok() : HeaderError(path, format, first);
  };
  switch (format) {
    case CsvFormat::kBybitTrades:
      HEAN_RETURN_IF_ERROR(expect(kBybitTradesHeader));
      return std::unique_ptr<EventSource>(new BybitTradesSource(std::move(reader), options));
    case CsvFormat::kTardisTrades:
      HEAN_RETURN_IF_ERROR(expect(kTardisTradesHeader));
      return std::unique_ptr<EventSource>(new TardisTradesSource(std::move(reader), options));
    case CsvFormat::kTardisQuotes:
      HEAN_RETURN_IF_ERROR(expect(kTardisQuotesHeader));
      return std::unique_ptr<EventSource>(new TardisQuotesSource(std::move(reader), options));
    case CsvFormat::kTardisBookSnapshot: {
      const std::size_t n = SnapshotLevelsOf(first);
      if (n == 0) return HeaderError(path, format, first);
      return std::unique_ptr<EventSource>(new TardisBookSnapshotSource(std::move(reader), options, n));
    }
    case CsvFormat::kTardisIncrementalL2:
      HEAN_RETURN_IF_ERROR(expect(kTardisIncrementalHeader));
      return std::unique_ptr<EventSource>(new TardisIncrementalSource(std::move(reader), options));
    case CsvFormat::kBinanceTDepth:
      HEAN_RETURN_IF_ERROR(expect(kBinanceTDepthHeader));
      return std::unique_ptr<EventSource>(new BinanceTDepthSource(std::move(reader), options));
    case CsvFormat::kCandles: {
      HEAN_RETURN_IF_ERROR(expect(kCandlesHeader));
      const std::string symbol = options.symbol.empty() ? CandleSymbolFromPath(path) : options.symbol;
      if (symbol.empty()) {
        return InvalidArgumentError(path + ": no symbol in the file name; give one (SourceOptions::symbol)");
      }
      const InstrumentId id = options.instruments->Intern(options.venue, symbol);
      return std::unique_ptr<EventSource>(new CandlesSource(std::move(reader), options, id));
    }
    case CsvFormat::kBinanceKline: {
      const bool header = first.starts_with("open_time");
      if (header && !IsKlineHeader(first)) return HeaderError(path, format, first);
      const std::string symbol = options.symbol.empty() ? KlineSymbolFromPath(path) : options.symbol;
      if (symbol.empty()) {
        return InvalidArgumentError(path + ": no symbol in the file name; give one (SourceOptions::symbol)");
      }
      const Venue venue = options.venue == Venue::kUnknown ? Venue::kBinance : options.venue;
      const InstrumentId id = options.instruments->Intern(venue, symbol);
      // Without a header the first line is the first row.
      std::string first_row = header ? std::string() : std::string(first);
      const bool has_lines = reader->line_number() > 0;
      auto source = std::make_unique<KlineSource>(std::move(reader), options, id);
      if (!header && has_lines) source->SetFirstDataLine(std::move(first_row), 1);
      return std::unique_ptr<EventSource>(std::move(source));
    }
  }
  return InvalidArgumentError(path + ": unknown CSV format");
}

}  // namespace hean
