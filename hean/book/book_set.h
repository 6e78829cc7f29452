// BookSet: the order books of many instruments, each kept by the builder
// its feed needs, turning integrity failures into BookInvalid events.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <vector>

#include "hean/book/binance_book_builder.h"
#include "hean/book/bybit_book_builder.h"
#include "hean/book/order_book.h"
#include "hean/model/events.h"
#include "hean/model/instrument.h"

namespace hean {

// The builder of a book is chosen from its venue and its first book event:
// Binance with update ids -> BinanceBookBuilder, Bybit with update ids ->
// BybitBookBuilder, and feeds without update ids (tardis CSV, snapshots
// only) -> a plain builder that applies snapshots and deltas and checks
// only that a delta follows a snapshot and that a whole message leaves the
// book uncrossed. Not thread-safe: engine thread.
class BookSet {
 public:
  struct Spec {
    Venue venue = Venue::kUnknown;
    Price tick_size;
  };
  // How to build the book of an instrument seen for the first time.
  using SpecFn = std::function<Spec(InstrumentId)>;

  explicit BookSet(SpecFn spec);
  // Out of line: Slot is complete only in book_set.cc.
  ~BookSet();
  BookSet(BookSet&&) noexcept;
  BookSet& operator=(BookSet&&) noexcept;

  // Applies a BookSnapshot or BookDelta (other events are ignored). When the
  // event made the book invalid, returns the BookInvalid event to publish.
  std::optional<BookInvalid> Apply(const Event& e);
  std::optional<BookInvalid> Apply(const BookSnapshot& s);
  std::optional<BookInvalid> Apply(const BookDelta& d);

  // The book, or null if the instrument had no book event yet.
  const OrderBook* Find(InstrumentId id) const noexcept;
  // True when the last book event of the instrument ended a whole message
  // (a snapshot, or a delta flagged kLastInMessage) and the book is valid:
  // the moment a book may be looked at.
  bool ReadyAfterMessage(InstrumentId id) const noexcept;

  struct Counts {
    std::uint64_t snapshots = 0;
    std::uint64_t deltas = 0;
    std::uint64_t invalidations = 0;
  };
  const Counts& counts() const noexcept { return counts_; }
  std::size_t size() const noexcept;
  // Which builder keeps the book: "binance", "bybit", "plain" (empty if none).
  std::string_view BuilderName(InstrumentId id) const noexcept;

 private:
  struct Slot;
  Slot& Get(InstrumentId id, bool has_update_ids);
  std::optional<BookInvalid> Invalid(const Slot& s, BookError e, UnixNanos ts_event, UnixNanos ts_recv,
                                     std::uint64_t update_id) const;

  SpecFn spec_;
  std::vector<std::unique_ptr<Slot>> slots_;
  Counts counts_;
};

}  // namespace hean
