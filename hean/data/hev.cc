#include "hean/data/hev.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <limits>
#include <type_traits>
#include <variant>

namespace hean {

namespace hev {

std::uint64_t Fnv1a64(const unsigned char* data, std::size_t n, std::uint64_t h) noexcept {
  for (std::size_t i = 0; i < n; ++i) {
    h ^= data[i];
    h *= 0x100000001b3ULL;
  }
  return h;
}

}  // namespace hev

bool LooksLikeHev(std::string_view first_bytes) noexcept {
  return first_bytes.size() >= sizeof hev::kMagic &&
         std::memcmp(first_bytes.data(), hev::kMagic, sizeof hev::kMagic) == 0;
}

namespace {

using namespace hev;  // NOLINT(google-build-using-namespace): the format's own constants

// The writer leaves room for this many instrument entries in front of the
// records; a file with more is shifted once at Finish.
constexpr std::uint64_t kReservedInstruments = 64;
constexpr std::size_t kWriteBuffer = std::size_t{1} << 20;
constexpr std::uint8_t kSnapshotHasLevels = 1;  // aux1 of a snapshot head: levels != nullptr

constexpr std::uint64_t RoundUp(std::uint64_t n, std::uint64_t a) { return (n + a - 1) / a * a; }
constexpr std::uint64_t PrefixSize(std::uint64_t instruments) {
  return RoundUp(kHeaderSize + instruments * kInstrumentEntrySize, kDataAlignment);
}

void StoreU64(unsigned char* p, std::uint64_t v) noexcept { std::memcpy(p, &v, sizeof v); }
void StoreI64(unsigned char* p, std::int64_t v) noexcept { std::memcpy(p, &v, sizeof v); }
void StoreU32(unsigned char* p, std::uint32_t v) noexcept { std::memcpy(p, &v, sizeof v); }

std::string Errno() { return std::strerror(errno); }

// Writes all of [data, data + n) at `offset`, retrying short writes.
bool PWriteAll(int fd, const unsigned char* data, std::size_t n, std::uint64_t offset) {
  while (n > 0) {
    const ssize_t w = ::pwrite(fd, data, n, static_cast<off_t>(offset));
    if (w < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    data += w;
    n -= static_cast<std::size_t>(w);
    offset += static_cast<std::uint64_t>(w);
  }
  return true;
}

bool PReadAll(int fd, unsigned char* data, std::size_t n, std::uint64_t offset) {
  while (n > 0) {
    const ssize_t r = ::pread(fd, data, n, static_cast<off_t>(offset));
    if (r < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    if (r == 0) {
      errno = EIO;
      return false;
    }
    data += r;
    n -= static_cast<std::size_t>(r);
    offset += static_cast<std::uint64_t>(r);
  }
  return true;
}

void PutHead(unsigned char* r, Kind kind, std::uint8_t aux1, std::uint8_t aux2, InstrumentId inst, UnixNanos ts_event,
             UnixNanos ts_recv) noexcept {
  r[kRecKind] = kind;
  r[kRecAux1] = aux1;
  r[kRecAux2] = aux2;
  StoreU32(r + kRecInstrument, inst.value);
  StoreI64(r + kRecTsEvent, ts_event.nanos());
  StoreI64(r + kRecTsRecv, ts_recv.nanos());
}

template <class T>
T& Slot(Event& e) {
  if (T* p = std::get_if<T>(&e)) return *p;
  return e.emplace<T>();
}

template <class T>
constexpr bool kStored = std::is_same_v<T, BookSnapshot> || std::is_same_v<T, BookDelta> || std::is_same_v<T, Trade> ||
                         std::is_same_v<T, Quote> || std::is_same_v<T, Bar> || std::is_same_v<T, BookInvalid>;

}  // namespace

// ---------------------------------------------------------------- writer

HevWriter::HevWriter(std::string path, int fd, std::uint64_t data_offset)
    : path_(std::move(path)), tmp_path_(path_ + ".tmp"), fd_(fd), data_offset_(data_offset), buf_(kWriteBuffer) {}

HevWriter::~HevWriter() {
  if (fd_ >= 0) ::close(fd_);
  if (!finished_) ::unlink(tmp_path_.c_str());
}

Result<std::unique_ptr<HevWriter>, Status> HevWriter::Create(const std::string& path) {
  const std::string tmp = path + ".tmp";
  const int fd = ::open(tmp.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) {
    const StatusCode code = errno == ENOENT ? StatusCode::kNotFound : StatusCode::kUnavailable;
    return Status(code, tmp + ": cannot create: " + Errno());
  }
  return std::unique_ptr<HevWriter>(new HevWriter(path, fd, PrefixSize(kReservedInstruments)));
}

Status HevWriter::Fail(Status s) {
  dead_ = s;
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  ::unlink(tmp_path_.c_str());
  return s;
}

Status HevWriter::Flush() {
  if (used_ == 0) return Status::Ok();
  if (!PWriteAll(fd_, buf_.data(), used_, data_offset_ + written_)) {
    return Fail(UnavailableError(tmp_path_ + ": write failed: " + Errno()));
  }
  written_ += used_;
  used_ = 0;
  return Status::Ok();
}

// Room for `records` zeroed records in the buffer; nullptr after an I/O
// error (dead_ says which).
unsigned char* HevWriter::Reserve(std::size_t records) {
  const std::size_t n = records * kRecordSize;
  if (used_ + n > buf_.size()) {
    if (!Flush().ok()) return nullptr;
    if (n > buf_.size()) buf_.resize(n);
  }
  unsigned char* p = buf_.data() + used_;
  std::memset(p, 0, n);
  used_ += n;
  record_count_ += records;
  return p;
}

void HevWriter::Track(const Event& e) {
  const std::int64_t recv = TsRecv(e).nanos();
  const std::int64_t ev = TsEvent(e).nanos();
  if (event_count_ == 0) {
    ts_recv_min_ = ts_recv_max_ = recv;
    ts_event_min_ = ts_event_max_ = ev;
  } else {
    ts_recv_min_ = std::min(ts_recv_min_, recv);
    ts_recv_max_ = std::max(ts_recv_max_, recv);
    ts_event_min_ = std::min(ts_event_min_, ev);
    ts_event_max_ = std::max(ts_event_max_, ev);
  }
  ++event_count_;
}

Status HevWriter::Write(const Event& event) {
  if (!dead_.ok()) return dead_;
  if (finished_) return FailedPreconditionError(path_ + ": Write after Finish");
  Status st = std::visit(
      [&](const auto& e) -> Status {
        using T = std::decay_t<decltype(e)>;
        if constexpr (!kStored<T>) {
          return InvalidArgumentError(path_ + ": a " + std::string(EventTypeName(kEventTypeOf<T>)) +
                                      " event cannot be stored in a .hev file (market data only)");
        } else {
          if (!e.instrument.valid()) {
            return InvalidArgumentError(path_ + ": a " + std::string(EventTypeName(kEventTypeOf<T>)) +
                                        " event without an instrument id");
          }
          const InstrumentId inst = e.instrument;
          if constexpr (std::is_same_v<T, BookDelta>) {
            if (e.side != Side::kBuy && e.side != Side::kSell) {
              return InvalidArgumentError(path_ + ": a BOOK_DELTA whose side is neither buy nor sell");
            }
            const bool full = e.sequence != 0 && e.prev_update_id != 0;
            unsigned char* r = Reserve(full ? 2 : 1);
            if (r == nullptr) return dead_;
            const Kind kind = full ? kKindDeltaFull : (e.sequence == 0 ? kKindDelta : kKindDeltaSeq);
            PutHead(r, kind, static_cast<std::uint8_t>(e.side), e.flags, inst, e.ts_event, e.ts_recv);
            unsigned char* p = r + kRecPayload;
            StoreI64(p, e.price.raw());
            StoreI64(p + 8, e.qty.raw());
            StoreU64(p + 16, e.update_id);
            StoreU64(p + 24, e.first_update_id);
            StoreU64(p + 32, kind == kKindDeltaSeq ? e.sequence : e.prev_update_id);
            if (full) {
              r[kRecordSize + kRecKind] = kKindContinuation;
              StoreU64(r + kRecordSize + kContPayload, e.sequence);
            }
          } else if constexpr (std::is_same_v<T, BookSnapshot>) {
            const std::size_t nb = e.levels ? e.levels->bids.size() : 0;
            const std::size_t na = e.levels ? e.levels->asks.size() : 0;
            if (nb > std::numeric_limits<std::uint32_t>::max() || na > std::numeric_limits<std::uint32_t>::max()) {
              return InvalidArgumentError(path_ + ": a BOOK_SNAPSHOT with more than 2^32 levels a side");
            }
            const std::size_t n = nb + na;
            const std::size_t cont = (n + kLevelsPerContinuation - 1) / kLevelsPerContinuation;
            unsigned char* r = Reserve(1 + cont);
            if (r == nullptr) return dead_;
            PutHead(r, kKindSnapshot, e.levels ? kSnapshotHasLevels : 0, 0, inst, e.ts_event, e.ts_recv);
            unsigned char* p = r + kRecPayload;
            StoreU64(p, e.update_id);
            StoreU64(p + 8, e.sequence);
            StoreU32(p + 16, static_cast<std::uint32_t>(nb));
            StoreU32(p + 20, static_cast<std::uint32_t>(na));
            for (std::size_t c = 0; c < cont; ++c) r[(1 + c) * kRecordSize + kRecKind] = kKindContinuation;
            for (std::size_t k = 0; k < n; ++k) {
              const BookLevel& l = k < nb ? e.levels->bids[k] : e.levels->asks[k - nb];
              unsigned char* q =
                  r + (1 + k / kLevelsPerContinuation) * kRecordSize + kContPayload + (k % kLevelsPerContinuation) * 16;
              StoreI64(q, l.price.raw());
              StoreI64(q + 8, l.qty.raw());
            }
          } else if constexpr (std::is_same_v<T, Trade>) {
            const std::string_view id = e.trade_id.view();
            const bool long_id = id.size() > kTradeIdInline;
            unsigned char* r = Reserve(long_id ? 2 : 1);
            if (r == nullptr) return dead_;
            PutHead(r, kKindTrade, static_cast<std::uint8_t>(e.aggressor), static_cast<std::uint8_t>(id.size()), inst,
                    e.ts_event, e.ts_recv);
            unsigned char* p = r + kRecPayload;
            StoreI64(p, e.price.raw());
            StoreI64(p + 8, e.qty.raw());
            std::memcpy(p + 16, id.data(), std::min(id.size(), kTradeIdInline));
            if (long_id) {
              r[kRecordSize + kRecKind] = kKindContinuation;
              std::memcpy(r + kRecordSize + kContPayload, id.data() + kTradeIdInline, id.size() - kTradeIdInline);
            }
          } else if constexpr (std::is_same_v<T, Quote>) {
            unsigned char* r = Reserve(1);
            if (r == nullptr) return dead_;
            PutHead(r, kKindQuote, 0, 0, inst, e.ts_event, e.ts_recv);
            unsigned char* p = r + kRecPayload;
            StoreI64(p, e.bid_price.raw());
            StoreI64(p + 8, e.bid_qty.raw());
            StoreI64(p + 16, e.ask_price.raw());
            StoreI64(p + 24, e.ask_qty.raw());
            StoreU64(p + 32, e.update_id);
          } else if constexpr (std::is_same_v<T, Bar>) {
            unsigned char* r = Reserve(2);
            if (r == nullptr) return dead_;
            PutHead(r, kKindBar, 0, 0, inst, e.ts_event, e.ts_recv);
            unsigned char* p = r + kRecPayload;
            StoreI64(p, e.interval.nanos());
            StoreI64(p + 8, e.open_time.nanos());
            StoreI64(p + 16, e.open.raw());
            StoreI64(p + 24, e.high.raw());
            StoreI64(p + 32, e.low.raw());
            unsigned char* c = r + kRecordSize;
            c[kRecKind] = kKindContinuation;
            StoreI64(c + kContPayload, e.close.raw());
            StoreI64(c + kContPayload + 8, e.volume.raw());
            StoreU32(c + kContPayload + 16, e.trade_count);
          } else {  // BookInvalid
            unsigned char* r = Reserve(1);
            if (r == nullptr) return dead_;
            PutHead(r, kKindBookInvalid, static_cast<std::uint8_t>(e.reason), 0, inst, e.ts_event, e.ts_recv);
            StoreU64(r + kRecPayload, e.last_update_id);
            StoreU64(r + kRecPayload + 8, e.update_id);
          }
          max_instrument_ = std::max<std::uint64_t>(max_instrument_, std::uint64_t{inst.value} + 1);
          return Status::Ok();
        }
      },
      event);
  if (st.ok()) Track(event);
  return st;
}

Status HevWriter::Finish(const DataInstruments& instruments) {
  if (!dead_.ok()) return dead_;
  if (finished_) return FailedPreconditionError(path_ + ": Finish called twice");
  const std::vector<DataInstruments::Entry>& all = instruments.all();
  if (max_instrument_ > all.size()) {
    return Fail(InvalidArgumentError(path_ + ": an event names instrument id " + std::to_string(max_instrument_ - 1) +
                                     " but the instrument table has " + std::to_string(all.size()) + " entries"));
  }
  for (const auto& e : all) {
    if (e.symbol.size() > kSymbolCapacity) {
      return Fail(InvalidArgumentError(path_ + ": instrument symbol \"" + e.symbol + "\" is longer than " +
                                       std::to_string(kSymbolCapacity) + " bytes"));
    }
  }
  HEAN_RETURN_IF_ERROR(Flush());

  // More instruments than the reserved room: shift the records back, from
  // the end, so that nothing is overwritten before it is read.
  const std::uint64_t offset = std::max(data_offset_, PrefixSize(all.size()));
  if (offset > data_offset_) {
    std::vector<unsigned char> chunk(kWriteBuffer);
    std::uint64_t end = written_;
    while (end > 0) {
      const std::uint64_t n = std::min<std::uint64_t>(end, chunk.size());
      const std::uint64_t begin = end - n;
      if (!PReadAll(fd_, chunk.data(), n, data_offset_ + begin) || !PWriteAll(fd_, chunk.data(), n, offset + begin)) {
        return Fail(UnavailableError(tmp_path_ + ": moving the records failed: " + Errno()));
      }
      end = begin;
    }
  }

  std::vector<unsigned char> prefix(offset, 0);
  unsigned char* h = prefix.data();
  unsigned char* table = h + kHeaderSize;
  for (std::size_t i = 0; i < all.size(); ++i) {
    const DataInstruments::Entry& e = all[i];
    unsigned char* t = table + i * kInstrumentEntrySize;
    StoreU32(t + kInsId, static_cast<std::uint32_t>(i));
    t[kInsVenue] = static_cast<std::uint8_t>(e.venue);
    t[kInsSymbolLength] = static_cast<std::uint8_t>(e.symbol.size());
    std::memcpy(t + kInsSymbol, e.symbol.data(), e.symbol.size());
    StoreI64(t + kInsTickSize, e.tick_size.IsDefined() ? e.tick_size.raw() : 0);
    StoreI64(t + kInsLotSize, e.lot_size.IsDefined() ? e.lot_size.raw() : 0);
    StoreI64(t + kInsPriceGrid, e.price_grid);
    StoreI64(t + kInsQtyGrid, e.qty_grid);
  }
  std::memcpy(h + kHdrMagic, kMagic, sizeof kMagic);
  StoreU32(h + kHdrVersion, kVersion);
  StoreU32(h + kHdrHeaderSize, kHeaderSize);
  StoreU32(h + kHdrRecordSize, kRecordSize);
  StoreU32(h + kHdrInstrumentCount, static_cast<std::uint32_t>(all.size()));
  StoreU32(h + kHdrInstrumentEntrySize, kInstrumentEntrySize);
  StoreU32(h + kHdrFlags, 0);
  StoreU64(h + kHdrDataOffset, offset);
  StoreU64(h + kHdrRecordCount, record_count_);
  StoreU64(h + kHdrEventCount, event_count_);
  StoreI64(h + kHdrTsRecvMin, ts_recv_min_);
  StoreI64(h + kHdrTsRecvMax, ts_recv_max_);
  StoreI64(h + kHdrTsEventMin, ts_event_min_);
  StoreI64(h + kHdrTsEventMax, ts_event_max_);
  StoreU64(h + kHdrTableChecksum, Fnv1a64(table, all.size() * kInstrumentEntrySize));
  StoreU64(h + kHdrChecksum, Fnv1a64(h, kHdrChecksum));

  if (!PWriteAll(fd_, prefix.data(), prefix.size(), 0)) {
    return Fail(UnavailableError(tmp_path_ + ": writing the header failed: " + Errno()));
  }
  if (::fsync(fd_) != 0) return Fail(UnavailableError(tmp_path_ + ": fsync failed: " + Errno()));
  const int fd = fd_;
  fd_ = -1;
  if (::close(fd) != 0) return Fail(UnavailableError(tmp_path_ + ": close failed: " + Errno()));
  if (::rename(tmp_path_.c_str(), path_.c_str()) != 0) {
    return Fail(UnavailableError(tmp_path_ + ": cannot rename to " + path_ + ": " + Errno()));
  }
  finished_ = true;
  return Status::Ok();
}

// ---------------------------------------------------------------- reader

HevReader::HevReader(std::string path, void* map, std::uint64_t size)
    : path_(std::move(path)), map_(map), size_(size) {}

HevReader::~HevReader() {
  if (map_ != nullptr) ::munmap(map_, size_);
}

Result<std::unique_ptr<HevReader>, Status> HevReader::Open(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    const StatusCode code = errno == ENOENT ? StatusCode::kNotFound : StatusCode::kUnavailable;
    return Status(code, path + ": cannot open: " + Errno());
  }
  struct stat st;
  if (::fstat(fd, &st) != 0) {
    Status s = UnavailableError(path + ": cannot stat: " + Errno());
    ::close(fd);
    return s;
  }
  const auto size = static_cast<std::uint64_t>(st.st_size);
  if (size == 0) {
    ::close(fd);
    return InvalidArgumentError(path + ": not a HEAN event file (empty file)");
  }
  void* map = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0);
  const int map_errno = errno;
  ::close(fd);
  if (map == MAP_FAILED) return UnavailableError(path + ": cannot map: " + std::strerror(map_errno));
  (void)::madvise(map, size, MADV_SEQUENTIAL);
  std::unique_ptr<HevReader> r(new HevReader(path, map, size));
  HEAN_RETURN_IF_ERROR(r->ParseHeader());
  return r;
}

Status HevReader::ParseHeader() {
  const auto* h = static_cast<const unsigned char*>(map_);
  if (size_ < sizeof kMagic || std::memcmp(h, kMagic, sizeof kMagic) != 0) {
    // A file shorter than the magic that starts like it is a cut .hev file.
    if (size_ < sizeof kMagic && std::memcmp(h, kMagic, size_) == 0) {
      return DataLossError(path_ + ": truncated: the header needs " + std::to_string(kHeaderSize) +
                           " bytes, the file holds " + std::to_string(size_));
    }
    return InvalidArgumentError(path_ + ": not a HEAN event file (bad magic)");
  }
  if (size_ < kHdrVersion + 4) {
    return DataLossError(path_ + ": truncated: the header needs " + std::to_string(kHeaderSize) +
                         " bytes, the file holds " + std::to_string(size_));
  }
  version_ = LoadU32(h + kHdrVersion);
  if (version_ != kVersion) {
    return UnimplementedError(path_ + ": format version " + std::to_string(version_) +
                              " not supported (this build reads " + std::to_string(kVersion) + ")");
  }
  if (size_ < kHeaderSize) {
    return DataLossError(path_ + ": truncated: the header needs " + std::to_string(kHeaderSize) +
                         " bytes, the file holds " + std::to_string(size_));
  }
  if (LoadU64(h + kHdrChecksum) != Fnv1a64(h, kHdrChecksum)) {
    return DataLossError(path_ + ": header checksum mismatch (corrupted header)");
  }
  const std::uint32_t header_size = LoadU32(h + kHdrHeaderSize);
  const std::uint32_t record_size = LoadU32(h + kHdrRecordSize);
  const std::uint32_t entry_size = LoadU32(h + kHdrInstrumentEntrySize);
  if (header_size != kHeaderSize || record_size != kRecordSize || entry_size != kInstrumentEntrySize) {
    return InvalidArgumentError(path_ + ": header gives header/record/instrument sizes " + std::to_string(header_size) +
                                "/" + std::to_string(record_size) + "/" + std::to_string(entry_size) + ", version " +
                                std::to_string(kVersion) + " uses " + std::to_string(kHeaderSize) + "/" +
                                std::to_string(kRecordSize) + "/" + std::to_string(kInstrumentEntrySize));
  }
  instrument_count_ = LoadU32(h + kHdrInstrumentCount);
  data_offset_ = LoadU64(h + kHdrDataOffset);
  record_count_ = LoadU64(h + kHdrRecordCount);
  event_count_ = LoadU64(h + kHdrEventCount);
  ts_recv_min_ = LoadI64(h + kHdrTsRecvMin);
  ts_recv_max_ = LoadI64(h + kHdrTsRecvMax);
  ts_event_min_ = LoadI64(h + kHdrTsEventMin);
  ts_event_max_ = LoadI64(h + kHdrTsEventMax);
  const std::uint64_t table_end = std::uint64_t{kHeaderSize} + std::uint64_t{instrument_count_} * kInstrumentEntrySize;
  if (data_offset_ % kDataAlignment != 0 || data_offset_ < table_end) {
    return InvalidArgumentError(path_ + ": data offset " + std::to_string(data_offset_) +
                                " is not a multiple of 64 at or after the instrument table's end (" +
                                std::to_string(table_end) + ")");
  }
  if (size_ < data_offset_) {
    return DataLossError(path_ + ": truncated: the header and instrument table need " + std::to_string(data_offset_) +
                         " bytes, the file holds " + std::to_string(size_));
  }
  const unsigned char* table = h + kHeaderSize;
  if (LoadU64(h + kHdrTableChecksum) != Fnv1a64(table, table_end - kHeaderSize)) {
    return DataLossError(path_ + ": instrument table checksum mismatch (corrupted table)");
  }
  instruments_.reserve(instrument_count_);
  for (std::uint32_t i = 0; i < instrument_count_; ++i) {
    const unsigned char* t = table + std::uint64_t{i} * kInstrumentEntrySize;
    HevInstrument ins;
    ins.id = LoadU32(t + kInsId);
    const std::uint8_t venue = t[kInsVenue];
    const std::uint8_t len = t[kInsSymbolLength];
    const std::string where = path_ + ": instrument " + std::to_string(i) + ": ";
    if (ins.id != i) return InvalidArgumentError(where + "id " + std::to_string(ins.id) + " is not its index");
    if (venue > static_cast<std::uint8_t>(Venue::kBinance)) {
      return InvalidArgumentError(where + "unknown venue " + std::to_string(venue));
    }
    if (len > kSymbolCapacity) return InvalidArgumentError(where + "symbol length " + std::to_string(len) + " > 32");
    ins.venue = static_cast<Venue>(venue);
    ins.symbol.assign(reinterpret_cast<const char*>(t + kInsSymbol), len);
    const std::int64_t tick = LoadI64(t + kInsTickSize);
    const std::int64_t lot = LoadI64(t + kInsLotSize);
    ins.tick_size = tick == 0 ? Price::Undefined() : Price::FromRaw(tick);
    ins.lot_size = lot == 0 ? Qty::Undefined() : Qty::FromRaw(lot);
    ins.price_grid = LoadI64(t + kInsPriceGrid);
    ins.qty_grid = LoadI64(t + kInsQtyGrid);
    instruments_.push_back(std::move(ins));
  }

  records_ = h + data_offset_;
  const std::uint64_t body = size_ - data_offset_;
  const std::uint64_t complete = body / kRecordSize;
  if (complete < record_count_) {
    limit_ = complete;
    truncation_ = DataLossError(path_ + ": truncated: header says " + std::to_string(record_count_) +
                                " records, file holds " + std::to_string(complete));
  } else if (body != record_count_ * kRecordSize) {
    return InvalidArgumentError(path_ + ": " + std::to_string(body - record_count_ * kRecordSize) +
                                " bytes after the last of the header's " + std::to_string(record_count_) + " records");
  } else {
    limit_ = record_count_;
  }
  stop_ = limit_;
  return Status::Ok();
}

void HevReader::Rewind() noexcept {
  pos_ = 0;
  last_ = 0;
  events_ = 0;
  done_ = false;
  stop_ = limit_;
  status_ = Status::Ok();
}

bool HevReader::End() {
  done_ = true;
  stop_ = 0;
  if (truncated()) {
    status_ = truncation_;
  } else if (events_ != event_count_) {
    status_ = DataLossError(path_ + ": header says " + std::to_string(event_count_) + " events, the records hold " +
                            std::to_string(events_));
  }
  return false;
}

bool HevReader::Corrupt(std::uint64_t record, std::string what) {
  done_ = true;
  stop_ = 0;
  status_ = DataLossError(path_ + ": record " + std::to_string(record) + ": " + std::move(what));
  return false;
}

bool HevReader::NextSlow(Event& out) {
  if (done_) return false;
  if (pos_ >= limit_) return End();
  const unsigned char* r = records_ + pos_ * kRecordSize;
  const std::uint8_t kind = r[kRecKind];
  const std::uint8_t aux1 = r[kRecAux1];
  const std::uint8_t aux2 = r[kRecAux2];
  if (kind == kKindContinuation) return Corrupt(pos_, "continuation record with no event before it");
  if (kind < kKindDelta || kind > kKindBookInvalid) {
    return Corrupt(pos_, "unknown record kind " + std::to_string(kind));
  }
  const std::uint32_t inst = LoadU32(r + kRecInstrument);
  if (inst >= instrument_count_) {
    return Corrupt(pos_, "instrument " + std::to_string(inst) + " is not in the table (" +
                             std::to_string(instrument_count_) + " entries)");
  }
  const UnixNanos ts_event = UnixNanos::FromNanos(LoadI64(r + kRecTsEvent));
  const UnixNanos ts_recv = UnixNanos::FromNanos(LoadI64(r + kRecTsRecv));
  const unsigned char* p = r + kRecPayload;

  // How many records the event takes.
  std::uint64_t span = 1;
  switch (kind) {
    case kKindDeltaFull:
    case kKindBar: span = 2; break;
    case kKindSnapshot: {
      const std::uint64_t n = std::uint64_t{LoadU32(p + 16)} + LoadU32(p + 20);
      if ((aux1 & kSnapshotHasLevels) == 0 && n != 0) {
        return Corrupt(pos_, "snapshot without a level list gives " + std::to_string(n) + " levels");
      }
      span = 1 + (n + kLevelsPerContinuation - 1) / kLevelsPerContinuation;
      break;
    }
    case kKindTrade:
      if (aux2 > TradeId::kCapacity) return Corrupt(pos_, "trade id length " + std::to_string(aux2) + " > 39");
      span = aux2 > kTradeIdInline ? 2 : 1;
      break;
    default: break;
  }
  if (span > limit_ - pos_) {
    if (truncated()) return End();  // the cut fell inside this event
    return Corrupt(pos_, "event of " + std::to_string(span) + " records runs past the last record");
  }
  for (std::uint64_t i = 1; i < span; ++i) {
    const std::uint8_t k = r[i * kRecordSize + kRecKind];
    if (k != kKindContinuation) {
      return Corrupt(pos_ + i, "expected a continuation of the event at record " + std::to_string(pos_) +
                                   ", found kind " + std::to_string(k));
    }
  }
  const unsigned char* c = r + kRecordSize + kContPayload;  // the first continuation's payload

  switch (kind) {
    case kKindDelta:
    case kKindDeltaSeq:
    case kKindDeltaFull: {
      if (aux1 != static_cast<std::uint8_t>(Side::kBuy) && aux1 != static_cast<std::uint8_t>(Side::kSell)) {
        return Corrupt(pos_, "delta side " + std::to_string(aux1) + " is neither buy (1) nor sell (2)");
      }
      BookDelta& d = Slot<BookDelta>(out);
      d.ts_event = ts_event;
      d.ts_recv = ts_recv;
      d.instrument = InstrumentId{inst};
      d.side = static_cast<Side>(aux1);
      d.flags = aux2;
      d.price = Price::FromRaw(LoadI64(p));
      d.qty = Qty::FromRaw(LoadI64(p + 8));
      d.update_id = LoadU64(p + 16);
      d.first_update_id = LoadU64(p + 24);
      d.prev_update_id = kind == kKindDeltaSeq ? 0 : LoadU64(p + 32);
      d.sequence = kind == kKindDeltaSeq ? LoadU64(p + 32) : kind == kKindDeltaFull ? LoadU64(c) : 0;
      break;
    }
    case kKindSnapshot: {
      BookSnapshot& s = Slot<BookSnapshot>(out);
      s.ts_event = ts_event;
      s.ts_recv = ts_recv;
      s.instrument = InstrumentId{inst};
      s.update_id = LoadU64(p);
      s.sequence = LoadU64(p + 8);
      if ((aux1 & kSnapshotHasLevels) == 0) {
        s.levels = nullptr;
        break;
      }
      const std::uint32_t nb = LoadU32(p + 16);
      const std::uint32_t na = LoadU32(p + 20);
      auto levels = std::make_shared<BookLevels>();
      levels->bids.resize(nb);
      levels->asks.resize(na);
      const std::uint64_t n = std::uint64_t{nb} + na;
      for (std::uint64_t k = 0; k < n; ++k) {
        const unsigned char* q =
            r + (1 + k / kLevelsPerContinuation) * kRecordSize + kContPayload + (k % kLevelsPerContinuation) * 16;
        BookLevel& l = k < nb ? levels->bids[k] : levels->asks[k - nb];
        l.price = Price::FromRaw(LoadI64(q));
        l.qty = Qty::FromRaw(LoadI64(q + 8));
      }
      s.levels = std::move(levels);
      break;
    }
    case kKindTrade: {
      Trade& t = Slot<Trade>(out);
      t.ts_event = ts_event;
      t.ts_recv = ts_recv;
      t.instrument = InstrumentId{inst};
      t.aggressor = static_cast<AggressorSide>(aux1);
      t.price = Price::FromRaw(LoadI64(p));
      t.qty = Qty::FromRaw(LoadI64(p + 8));
      char id[TradeId::kCapacity];
      std::memcpy(id, p + 16, std::min<std::size_t>(aux2, kTradeIdInline));
      if (aux2 > kTradeIdInline) std::memcpy(id + kTradeIdInline, c, aux2 - kTradeIdInline);
      (void)TradeId::TryFrom(std::string_view(id, aux2), &t.trade_id);  // fits: aux2 <= 39 checked above
      break;
    }
    case kKindQuote: {
      Quote& q = Slot<Quote>(out);
      q.ts_event = ts_event;
      q.ts_recv = ts_recv;
      q.instrument = InstrumentId{inst};
      q.bid_price = Price::FromRaw(LoadI64(p));
      q.bid_qty = Qty::FromRaw(LoadI64(p + 8));
      q.ask_price = Price::FromRaw(LoadI64(p + 16));
      q.ask_qty = Qty::FromRaw(LoadI64(p + 24));
      q.update_id = LoadU64(p + 32);
      break;
    }
    case kKindBar: {
      Bar& b = Slot<Bar>(out);
      b.ts_event = ts_event;
      b.ts_recv = ts_recv;
      b.instrument = InstrumentId{inst};
      b.interval = Duration::Nanos(LoadI64(p));
      b.open_time = UnixNanos::FromNanos(LoadI64(p + 8));
      b.open = Price::FromRaw(LoadI64(p + 16));
      b.high = Price::FromRaw(LoadI64(p + 24));
      b.low = Price::FromRaw(LoadI64(p + 32));
      b.close = Price::FromRaw(LoadI64(c));
      b.volume = Qty::FromRaw(LoadI64(c + 8));
      b.trade_count = LoadU32(c + 16);
      break;
    }
    case kKindBookInvalid: {
      BookInvalid& b = Slot<BookInvalid>(out);
      b.ts_event = ts_event;
      b.ts_recv = ts_recv;
      b.instrument = InstrumentId{inst};
      b.reason = static_cast<BookError>(aux1);
      b.last_update_id = LoadU64(p);
      b.update_id = LoadU64(p + 8);
      break;
    }
    default: break;  // unreachable: kinds checked above
  }
  last_ = pos_;
  pos_ += span;
  ++events_;
  return true;
}

// ---------------------------------------------------------------- source

namespace {

class HevSource final : public EventSource {
 public:
  HevSource(std::unique_ptr<HevReader> reader, std::vector<InstrumentId> ids, OnError on_error)
      : EventSource(reader->path(), "hev", on_error), reader_(std::move(reader)), ids_(std::move(ids)) {}

  // One venue message per call: the book deltas up to the one flagged
  // kLastInMessage (bounded by kMaxBatch), or any other single event,
  // decoded in place into `out`. The end of the data or an error after some
  // deltas of a message hands those over first; the next call reports it.
  bool Next(std::vector<Event>& out) override {
    for (std::size_t n = 0; n < kMaxBatch; ++n) {
      Event& e = out.emplace_back(std::in_place_type<BookDelta>);
      if (!reader_->Next(e)) {
        out.pop_back();
        if (n > 0) return true;
        if (!reader_->status().ok()) return Fatal(reader_->status());
        return false;
      }
      line_ = reader_->last_record() + 1;
      if (auto* d = std::get_if<BookDelta>(&e)) [[likely]] {
        d->instrument = ids_[d->instrument.value];
        if ((d->flags & BookDelta::kLastInMessage) != 0) return true;
        continue;
      }
      std::visit(
          [&](auto& ev) {
            if constexpr (requires { ev.instrument; }) ev.instrument = ids_[ev.instrument.value];
          },
          e);
      // Any other event ends the batch (after the deltas before it, if a
      // message was cut short without a delta flagged last).
      return true;
    }
    return true;
  }

 private:
  static constexpr std::size_t kMaxBatch = 4096;
  std::unique_ptr<HevReader> reader_;
  std::vector<InstrumentId> ids_;  // file id -> interned id
};

}  // namespace

Result<std::unique_ptr<EventSource>, Status> OpenHevSource(const std::string& path, const SourceOptions& options) {
  if (options.instruments == nullptr) return InvalidArgumentError(path + ": no DataInstruments given");
  auto reader = HevReader::Open(path);
  if (!reader.ok()) return reader.error();
  DataInstruments& di = *options.instruments;
  std::vector<InstrumentId> ids;
  ids.reserve((*reader)->instruments().size());
  for (const HevInstrument& ins : (*reader)->instruments()) {
    const InstrumentId id = di.Intern(ins.venue, ins.symbol);
    const bool known = ins.tick_size.IsDefined() && ins.tick_size.IsPositive() && ins.lot_size.IsDefined() &&
                       ins.lot_size.IsPositive();
    if (known && !di.Get(id).tick_size.IsDefined()) {
      HEAN_RETURN_IF_ERROR(di.AddSpec(ins.venue, ins.symbol, ins.tick_size, ins.lot_size));
    }
    di.MergeGrid(id, ins.price_grid, ins.qty_grid);
    ids.push_back(id);
  }
  return std::unique_ptr<EventSource>(new HevSource(std::move(*reader), std::move(ids), options.on_error));
}

}  // namespace hean
