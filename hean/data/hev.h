// HEAN native event files (.hev): market-data events as fixed-size
// little-endian records behind a versioned header, written once and read by
// mmap. The layout, every record kind and every field offset are documented
// in docs/HEV_FORMAT.md; the constants below are the ones it names.
//
//   HevWriter  streams events into "<path>.tmp" and, on Finish, writes the
//              header and instrument table and renames the file to <path>.
//   HevReader  maps a file, checks its header and decodes the records back
//              into events, fast (a switch on the record kind, no allocation
//              except for a snapshot's level list).
//   OpenHevSource  the same file as an EventSource, with its instruments
//              interned into the caller's DataInstruments.
//
// Stored: BookSnapshot, BookDelta, Trade, Quote, Bar, BookInvalid, every
// field, bit for bit. Any other event type is refused by Write.
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "hean/core/decimal.h"
#include "hean/core/status.h"
#include "hean/core/time.h"
#include "hean/data/source.h"
#include "hean/model/events.h"
#include "hean/model/instrument.h"

namespace hean {

// Records are read and written with memcpy of native integers: the format is
// little-endian and so must the host be.
static_assert(std::endian::native == std::endian::little, "the .hev reader and writer assume a little-endian host");

namespace hev {

// "\x89HEV\r\n\x1a\n": a non-ASCII first byte and the CR-LF / ^Z / LF
// sequence make text-mode transfers and 7-bit channels visibly break it.
inline constexpr char kMagic[8] = {'\x89', 'H', 'E', 'V', '\r', '\n', '\x1a', '\n'};
inline constexpr std::uint32_t kVersion = 1;
inline constexpr std::uint32_t kHeaderSize = 256;
inline constexpr std::uint32_t kRecordSize = 64;
inline constexpr std::uint32_t kInstrumentEntrySize = 72;
inline constexpr std::size_t kSymbolCapacity = 32;
// Records start at a multiple of this (the header's data_offset).
inline constexpr std::uint64_t kDataAlignment = 64;

// Header field offsets (docs/HEV_FORMAT.md, "Header").
inline constexpr std::size_t kHdrMagic = 0;
inline constexpr std::size_t kHdrVersion = 8;
inline constexpr std::size_t kHdrHeaderSize = 12;
inline constexpr std::size_t kHdrRecordSize = 16;
inline constexpr std::size_t kHdrInstrumentCount = 20;
inline constexpr std::size_t kHdrInstrumentEntrySize = 24;
inline constexpr std::size_t kHdrFlags = 28;
inline constexpr std::size_t kHdrDataOffset = 32;
inline constexpr std::size_t kHdrRecordCount = 40;
inline constexpr std::size_t kHdrEventCount = 48;
inline constexpr std::size_t kHdrTsRecvMin = 56;
inline constexpr std::size_t kHdrTsRecvMax = 64;
inline constexpr std::size_t kHdrTsEventMin = 72;
inline constexpr std::size_t kHdrTsEventMax = 80;
inline constexpr std::size_t kHdrTableChecksum = 88;
inline constexpr std::size_t kHdrChecksum = 248;

// Instrument table entry offsets.
inline constexpr std::size_t kInsId = 0;
inline constexpr std::size_t kInsVenue = 4;
inline constexpr std::size_t kInsSymbolLength = 5;
inline constexpr std::size_t kInsSymbol = 8;
inline constexpr std::size_t kInsTickSize = 40;
inline constexpr std::size_t kInsLotSize = 48;
inline constexpr std::size_t kInsPriceGrid = 56;
inline constexpr std::size_t kInsQtyGrid = 64;

// Record kinds (byte 0 of every record). 0 is never a kind, so a zeroed
// region does not decode.
enum Kind : std::uint8_t {
  kKindDelta = 1,            // BookDelta with sequence == 0 (Binance): 1 record
  kKindDeltaSeq = 2,         // BookDelta with prev_update_id == 0 (Bybit): 1 record
  kKindDeltaFull = 3,        // any other BookDelta: 2 records
  kKindSnapshot = 4,         // BookSnapshot: 1 + ceil(levels / 3) records
  kKindTrade = 5,            // Trade: 1 record, 2 when the trade id is over 24 bytes
  kKindQuote = 6,            // Quote: 1 record
  kKindBar = 7,              // Bar: 2 records
  kKindBookInvalid = 8,      // BookInvalid: 1 record
  kKindContinuation = 0x80,  // the 2nd.. record of an event
};

// Common record head: kind, two kind-specific bytes, the file's instrument
// index, ts_event, ts_recv. Kind-specific fields start at kRecPayload.
inline constexpr std::size_t kRecKind = 0;
inline constexpr std::size_t kRecAux1 = 1;
inline constexpr std::size_t kRecAux2 = 2;
inline constexpr std::size_t kRecInstrument = 4;
inline constexpr std::size_t kRecTsEvent = 8;
inline constexpr std::size_t kRecTsRecv = 16;
inline constexpr std::size_t kRecPayload = 24;
// Continuation records: kind byte, 7 reserved bytes, payload from byte 8.
inline constexpr std::size_t kContPayload = 8;
inline constexpr std::size_t kLevelsPerContinuation = 3;
// Trade ids up to this length fit the head record.
inline constexpr std::size_t kTradeIdInline = 24;

inline std::int64_t LoadI64(const unsigned char* p) noexcept {
  std::int64_t v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
inline std::uint64_t LoadU64(const unsigned char* p) noexcept {
  std::uint64_t v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
inline std::uint32_t LoadU32(const unsigned char* p) noexcept {
  std::uint32_t v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

// FNV-1a, 64-bit: the header checksum.
std::uint64_t Fnv1a64(const unsigned char* data, std::size_t n, std::uint64_t h = 0xcbf29ce484222325ULL) noexcept;

}  // namespace hev

// True when `first_bytes` starts with the .hev magic.
bool LooksLikeHev(std::string_view first_bytes) noexcept;

// Writes one .hev file. Events are encoded into a buffer and written to
// "<path>.tmp"; Finish writes the header and the instrument table in front
// of the records and renames the file to <path>, so <path> is either absent
// or complete. A writer destroyed without a successful Finish removes the
// temporary file. An I/O error, or any error from Finish, kills the writer:
// the temporary file is removed and every later call returns that error.
// Not thread-safe.
class HevWriter {
 public:
  // Creates "<path>.tmp" (replacing one left by an earlier attempt).
  static Result<std::unique_ptr<HevWriter>, Status> Create(const std::string& path);
  ~HevWriter();
  HevWriter(const HevWriter&) = delete;
  HevWriter& operator=(const HevWriter&) = delete;

  // Appends one event. Errors (kInvalidArgument): an event type that is not
  // market data, an invalid instrument id, a delta side that is neither buy
  // nor sell; nothing is written then and the writer stays usable. I/O
  // errors (kUnavailable) kill the writer.
  Status Write(const Event& e);

  // Writes the header and the instrument table (every entry of
  // `instruments`, in id order: an event's instrument id indexes it; tick
  // and lot as given, grids as inferred), fsyncs and renames the file into
  // place. Errors: an event names an id the table lacks, a symbol longer
  // than 32 bytes, I/O.
  Status Finish(const DataInstruments& instruments);

  std::uint64_t event_count() const noexcept { return event_count_; }
  std::uint64_t record_count() const noexcept { return record_count_; }
  const std::string& path() const noexcept { return path_; }

 private:
  HevWriter(std::string path, int fd, std::uint64_t data_offset);
  unsigned char* Reserve(std::size_t records);
  Status Flush();
  Status Fail(Status s);
  void Track(const Event& e);

  std::string path_;
  std::string tmp_path_;
  int fd_ = -1;
  std::uint64_t data_offset_;       // where records start in the temp file
  std::uint64_t written_ = 0;       // record bytes written to the file so far
  std::vector<unsigned char> buf_;  // encoded records not yet written
  std::size_t used_ = 0;
  std::uint64_t record_count_ = 0;
  std::uint64_t event_count_ = 0;
  std::uint64_t max_instrument_ = 0;  // largest instrument id + 1 written
  std::int64_t ts_recv_min_ = 0, ts_recv_max_ = 0, ts_event_min_ = 0, ts_event_max_ = 0;
  Status dead_;  // the error that killed the writer
  bool finished_ = false;
};

// One entry of a file's instrument table.
struct HevInstrument {
  std::uint32_t id = 0;  // the file's id: index in the table, what records name
  Venue venue = Venue::kUnknown;
  std::string symbol;
  Price tick_size = Price::Undefined();  // Undefined when the file does not know it
  Qty lot_size = Qty::Undefined();
  std::int64_t price_grid = 0;  // gcd of the raw prices, 0 if none
  std::int64_t qty_grid = 0;
};

// Reads one .hev file through a read-only private mapping. Open checks the
// header (magic, version, sizes, checksum) and the instrument table; the
// records are checked as they are decoded. A file cut short (fewer complete
// records than the header says) opens: truncated() is true, every event
// whose records are all present decodes, and at the end status() is the
// kDataLoss "truncated" error. Events carry the file's instrument ids
// (indexes into instruments()). Not thread-safe.
class HevReader {
 public:
  // Errors: cannot open or map (kNotFound / kUnavailable); not a .hev file,
  // unsupported version, bad header checksum, header or instrument table
  // cut short, inconsistent sizes (kDataLoss / kInvalidArgument). Messages
  // start with the path.
  static Result<std::unique_ptr<HevReader>, Status> Open(const std::string& path);
  ~HevReader();
  HevReader(const HevReader&) = delete;
  HevReader& operator=(const HevReader&) = delete;

  const std::string& path() const noexcept { return path_; }
  std::uint32_t version() const noexcept { return version_; }
  std::uint64_t data_offset() const noexcept { return data_offset_; }
  std::uint64_t file_size() const noexcept { return size_; }
  // As the header says.
  std::uint64_t record_count() const noexcept { return record_count_; }
  std::uint64_t event_count() const noexcept { return event_count_; }
  // Min and max over all events; zero when the file has none.
  UnixNanos ts_recv_min() const noexcept { return UnixNanos::FromNanos(ts_recv_min_); }
  UnixNanos ts_recv_max() const noexcept { return UnixNanos::FromNanos(ts_recv_max_); }
  UnixNanos ts_event_min() const noexcept { return UnixNanos::FromNanos(ts_event_min_); }
  UnixNanos ts_event_max() const noexcept { return UnixNanos::FromNanos(ts_event_max_); }
  const std::vector<HevInstrument>& instruments() const noexcept { return instruments_; }

  // Complete records in the file (== record_count() unless truncated).
  std::uint64_t records_available() const noexcept { return limit_; }
  bool truncated() const noexcept { return limit_ < record_count_; }
  // The kDataLoss "truncated" error of a cut file, OK otherwise.
  const Status& truncation() const noexcept { return truncation_; }

  // Decodes the next event into `out` (reusing its storage when it already
  // holds that event type). False at the end or on an error: status() says
  // which (OK at a clean end; the truncation error at the end of a cut file;
  // a corruption error naming the record index).
  bool Next(Event& out);
  const Status& status() const noexcept { return status_; }
  // Index of the next record to decode, and of the first record of the
  // event decoded last.
  std::uint64_t position() const noexcept { return pos_; }
  std::uint64_t last_record() const noexcept { return last_; }
  std::uint64_t events_read() const noexcept { return events_; }
  // Starts again from the first record.
  void Rewind() noexcept;

  // Calls f(const Event&) for every remaining event; returns status() at
  // the end.
  template <class F>
  Status ForEach(F&& f) {
    Event e;
    while (Next(e)) f(static_cast<const Event&>(e));
    return status_;
  }

 private:
  HevReader(std::string path, void* map, std::uint64_t size);
  Status ParseHeader();
  bool NextSlow(Event& out);
  bool End();
  bool Corrupt(std::uint64_t record, std::string what);

  std::string path_;
  void* map_ = nullptr;
  std::uint64_t size_ = 0;
  const unsigned char* records_ = nullptr;  // first record
  std::uint32_t version_ = 0;
  std::uint64_t data_offset_ = 0;
  std::uint64_t record_count_ = 0;
  std::uint64_t event_count_ = 0;
  std::int64_t ts_recv_min_ = 0, ts_recv_max_ = 0, ts_event_min_ = 0, ts_event_max_ = 0;
  std::vector<HevInstrument> instruments_;
  std::uint32_t instrument_count_ = 0;
  std::uint64_t limit_ = 0;  // complete records present
  std::uint64_t stop_ = 0;   // the fast path's limit: limit_, or 0 once done
  Status truncation_;
  std::uint64_t pos_ = 0;
  std::uint64_t last_ = 0;
  std::uint64_t events_ = 0;
  bool done_ = false;
  Status status_;
};

// The hot path: a one-record BookDelta decodes here, inline; everything
// else (and every error) goes through NextSlow.
inline bool HevReader::Next(Event& out) {
  if (pos_ < stop_) [[likely]] {
    const unsigned char* r = records_ + pos_ * hev::kRecordSize;
    const std::uint8_t kind = r[hev::kRecKind];
    const std::uint8_t side = r[hev::kRecAux1];
    const std::uint32_t inst = hev::LoadU32(r + hev::kRecInstrument);
    if ((kind == hev::kKindDelta || kind == hev::kKindDeltaSeq) && inst < instrument_count_ &&
        (side == static_cast<std::uint8_t>(Side::kBuy) || side == static_cast<std::uint8_t>(Side::kSell))) [[likely]] {
      BookDelta* d = std::get_if<BookDelta>(&out);
      if (d == nullptr) [[unlikely]] {
        d = &out.emplace<BookDelta>();
      }
      const unsigned char* p = r + hev::kRecPayload;
      d->ts_event = UnixNanos::FromNanos(hev::LoadI64(r + hev::kRecTsEvent));
      d->ts_recv = UnixNanos::FromNanos(hev::LoadI64(r + hev::kRecTsRecv));
      d->instrument = InstrumentId{inst};
      d->side = static_cast<Side>(side);
      d->flags = r[hev::kRecAux2];
      d->price = Price::FromRaw(hev::LoadI64(p));
      d->qty = Qty::FromRaw(hev::LoadI64(p + 8));
      d->update_id = hev::LoadU64(p + 16);
      d->first_update_id = hev::LoadU64(p + 24);
      const std::uint64_t last = hev::LoadU64(p + 32);
      d->prev_update_id = kind == hev::kKindDelta ? last : 0;
      d->sequence = kind == hev::kKindDelta ? 0 : last;
      last_ = pos_++;
      ++events_;
      return true;
    }
  }
  return NextSlow(out);
}

// Opens a .hev file as an EventSource (format "hev"): its instruments are
// interned into options.instruments in table order (tick and lot declared
// with AddSpec when the file knows both and the caller has not given them;
// grids merged with MergeGrid), and every event comes out with the interned
// id. Each Next gives one venue message (the deltas up to the one flagged
// kLastInMessage) or one other event, so a replay keeps a message whole
// when it merges files. A truncated file yields every complete event, then
// stops with the kDataLoss truncation error.
Result<std::unique_ptr<EventSource>, Status> OpenHevSource(const std::string& path, const SourceOptions& options);

}  // namespace hean
