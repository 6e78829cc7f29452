#include "hean/book/book_set.h"

namespace hean {

struct BookSet::Slot {
  enum class Kind : std::uint8_t { kPlain, kBinance, kBybit };
  Slot(InstrumentId id, Price tick) : book(id, tick) {}
  OrderBook book;
  Kind kind = Kind::kPlain;
  std::unique_ptr<BinanceBookBuilder> binance;
  std::unique_ptr<BybitBookBuilder> bybit;
  bool have_snapshot = false;  // plain builder
  bool reported = false;       // plain builder: the current failure was reported
  bool message_done = false;
};

BookSet::BookSet(SpecFn spec) : spec_(std::move(spec)) {}
BookSet::~BookSet() = default;
BookSet::BookSet(BookSet&&) noexcept = default;
BookSet& BookSet::operator=(BookSet&&) noexcept = default;

BookSet::Slot& BookSet::Get(InstrumentId id, bool has_update_ids) {
  if (id.value >= slots_.size()) slots_.resize(id.value + 1);
  auto& p = slots_[id.value];
  // A feed with update ids after one without (e.g. a tardis snapshot file
  // merged with a live capture of the same instrument) gets its own
  // builder: the book restarts from that feed's snapshot.
  if (p && p->kind == Slot::Kind::kPlain && has_update_ids) {
    const Venue v = spec_(id).venue;
    if (v == Venue::kBinance || v == Venue::kBybit) p.reset();
  }
  if (!p) {
    const Spec spec = spec_(id);
    p = std::make_unique<Slot>(id, spec.tick_size);
    p->book.Invalidate(BookError::kDeltaBeforeSnapshot);
    if (has_update_ids && spec.venue == Venue::kBinance) {
      p->kind = Slot::Kind::kBinance;
      p->binance = std::make_unique<BinanceBookBuilder>(p->book);
    } else if (has_update_ids && spec.venue == Venue::kBybit) {
      p->kind = Slot::Kind::kBybit;
      p->bybit = std::make_unique<BybitBookBuilder>(p->book);
    }
  }
  return *p;
}

std::optional<BookInvalid> BookSet::Invalid(const Slot& s, BookError e, UnixNanos ts_event, UnixNanos ts_recv,
                                            std::uint64_t update_id) const {
  BookInvalid ev;
  ev.ts_event = ts_event;
  ev.ts_recv = ts_recv;
  ev.instrument = s.book.instrument();
  ev.reason = e;
  ev.last_update_id = s.book.update_id;
  ev.update_id = update_id;
  return ev;
}

std::optional<BookInvalid> BookSet::Apply(const BookSnapshot& snap) {
  Slot& s = Get(snap.instrument, snap.update_id != 0);
  ++counts_.snapshots;
  Result<void, BookError> r;
  switch (s.kind) {
    case Slot::Kind::kBinance: r = s.binance->OnSnapshot(snap); break;
    case Slot::Kind::kBybit: r = s.bybit->OnSnapshot(snap); break;
    case Slot::Kind::kPlain: {
      static const BookLevels kEmpty;
      const BookLevels& lv = snap.levels ? *snap.levels : kEmpty;
      r = s.book.ApplySnapshot(lv.bids, lv.asks);
      s.reported = false;
      if (r.ok()) {
        s.have_snapshot = true;
        s.book.update_id = snap.update_id;
        s.book.ts_event = snap.ts_event;
        s.book.ts_recv = snap.ts_recv;
        if (s.book.IsCrossed()) {
          s.book.Invalidate(BookError::kCrossed);
          r = MakeUnexpected(BookError::kCrossed);
        }
      } else {
        s.book.Invalidate(r.error());
      }
      break;
    }
  }
  s.message_done = true;
  if (!r.ok()) {
    ++counts_.invalidations;
    return Invalid(s, r.error(), snap.ts_event, snap.ts_recv, snap.update_id);
  }
  return std::nullopt;
}

std::optional<BookInvalid> BookSet::Apply(const BookDelta& d) {
  Slot& s = Get(d.instrument, d.update_id != 0);
  ++counts_.deltas;
  const bool last = (d.flags & BookDelta::kLastInMessage) != 0;
  Result<void, BookError> r;
  switch (s.kind) {
    case Slot::Kind::kBinance:
      r = s.binance->OnDelta(d);
      s.message_done = s.binance->message_complete();
      break;
    case Slot::Kind::kBybit:
      r = s.bybit->OnDelta(d);
      s.message_done = s.bybit->message_complete();
      break;
    case Slot::Kind::kPlain:
      s.message_done = last;
      if (!s.have_snapshot) {
        // Report once; ignore until a snapshot.
        if (s.book.invalid_reason() == BookError::kDeltaBeforeSnapshot && !s.reported) {
          s.reported = true;
          r = MakeUnexpected(BookError::kDeltaBeforeSnapshot);
        }
        break;
      }
      if ((d.flags & BookDelta::kNoLevels) == 0) {
        if (auto lr = s.book.SetLevel(d.side, d.price, d.qty); !lr.ok()) {
          s.have_snapshot = false;
          s.reported = true;
          s.book.Invalidate(lr.error());
          r = MakeUnexpected(lr.error());
          break;
        }
      }
      if (last) {
        s.book.update_id = d.update_id;
        s.book.ts_event = d.ts_event;
        s.book.ts_recv = d.ts_recv;
        if (s.book.IsCrossed()) {
          s.have_snapshot = false;
          s.reported = true;
          s.book.Invalidate(BookError::kCrossed);
          r = MakeUnexpected(BookError::kCrossed);
        }
      }
      break;
  }
  if (!r.ok()) {
    ++counts_.invalidations;
    return Invalid(s, r.error(), d.ts_event, d.ts_recv, d.update_id);
  }
  return std::nullopt;
}

std::optional<BookInvalid> BookSet::Apply(const Event& e) {
  if (const auto* d = std::get_if<BookDelta>(&e)) return Apply(*d);
  if (const auto* s = std::get_if<BookSnapshot>(&e)) return Apply(*s);
  return std::nullopt;
}

const OrderBook* BookSet::Find(InstrumentId id) const noexcept {
  return id.value < slots_.size() && slots_[id.value] ? &slots_[id.value]->book : nullptr;
}

bool BookSet::ReadyAfterMessage(InstrumentId id) const noexcept {
  if (id.value >= slots_.size() || !slots_[id.value]) return false;
  const Slot& s = *slots_[id.value];
  return s.message_done && s.book.IsValid();
}

std::size_t BookSet::size() const noexcept {
  std::size_t n = 0;
  for (const auto& s : slots_) n += s ? 1 : 0;
  return n;
}

std::string_view BookSet::BuilderName(InstrumentId id) const noexcept {
  if (id.value >= slots_.size() || !slots_[id.value]) return {};
  switch (slots_[id.value]->kind) {
    case Slot::Kind::kBinance: return "binance";
    case Slot::Kind::kBybit: return "bybit";
    case Slot::Kind::kPlain: break;
  }
  return "plain";
}

}  // namespace hean
