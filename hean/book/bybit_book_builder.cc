#include "hean/book/bybit_book_builder.h"

namespace hean {

Result<void, BookError> BybitBookBuilder::Fail(BookError e) {
  book_.Invalidate(e);
  state_ = State::kInvalid;
  in_message_ = false;
  if (e == BookError::kSequenceGap) ++gaps_;
  return MakeUnexpected(e);
}

Result<void, BookError> BybitBookBuilder::OnSnapshot(const BookSnapshot& snap) {
  static const BookLevels kEmpty;
  const BookLevels& lv = snap.levels ? *snap.levels : kEmpty;
  return Reset(lv.bids, lv.asks, snap.update_id, snap.sequence, snap.ts_event, snap.ts_recv);
}

Result<void, BookError> BybitBookBuilder::Reset(const std::vector<BookLevel>& bids, const std::vector<BookLevel>& asks,
                                                std::uint64_t u, std::uint64_t seq, UnixNanos ts_event,
                                                UnixNanos ts_recv) {
  ++snapshots_;
  if (auto r = book_.ApplySnapshot(bids, asks); !r.ok()) return Fail(r.error());
  book_.update_id = u;
  book_.sequence = seq;
  book_.ts_event = ts_event;
  book_.ts_recv = ts_recv;
  last_u_ = u;
  in_message_ = false;
  if (book_.IsCrossed()) return Fail(BookError::kCrossed);
  state_ = State::kLive;
  book_.MarkValid();
  return {};
}

Result<void, BookError> BybitBookBuilder::OnMessage(const BookMessage& m) {
  if (m.snapshot) return Reset(m.bids, m.asks, m.update_id, m.sequence, m.ts_event, m.ts_recv);
  const std::size_t levels = m.bids.size() + m.asks.size();
  if (state_ != State::kLive) {
    deltas_ignored_ += levels == 0 ? 1 : levels;
    if (state_ == State::kAwaitingSnapshot) return Fail(BookError::kDeltaBeforeSnapshot);
    return {};
  }
  // A message fed as events and left unfinished was cut.
  if (in_message_) return Fail(BookError::kUnparseable);
  if (m.update_id != last_u_ + 1) {
    ++deltas_ignored_;
    return Fail(BookError::kSequenceGap);
  }
  for (const BookLevel& l : m.bids) {
    if (auto r = book_.SetLevel(Side::kBuy, l.price, l.qty); !r.ok()) return Fail(r.error());
  }
  for (const BookLevel& l : m.asks) {
    if (auto r = book_.SetLevel(Side::kSell, l.price, l.qty); !r.ok()) return Fail(r.error());
  }
  last_u_ = m.update_id;
  book_.update_id = m.update_id;
  book_.sequence = m.sequence;
  book_.ts_event = m.ts_event;
  book_.ts_recv = m.ts_recv;
  ++messages_applied_;
  if (book_.IsCrossed()) return Fail(BookError::kCrossed);
  return {};
}

Result<void, BookError> BybitBookBuilder::OnDelta(const BookDelta& d) {
  if (state_ != State::kLive) {
    ++deltas_ignored_;
    if (state_ == State::kAwaitingSnapshot) return Fail(BookError::kDeltaBeforeSnapshot);
    return {};
  }
  const bool last = (d.flags & BookDelta::kLastInMessage) != 0;
  if (!in_message_) {
    // First delta of a message: its u must follow the last one.
    if (d.update_id != last_u_ + 1) {
      ++deltas_ignored_;
      return Fail(BookError::kSequenceGap);
    }
    in_message_ = true;
  } else if (d.update_id != last_u_ + 1) {
    // Deltas of one message share u; a change means a message was cut.
    return Fail(BookError::kUnparseable);
  }
  if ((d.flags & BookDelta::kNoLevels) == 0) {
    if (auto r = book_.SetLevel(d.side, d.price, d.qty); !r.ok()) return Fail(r.error());
  }
  if (last) {
    in_message_ = false;
    last_u_ = d.update_id;
    book_.update_id = d.update_id;
    book_.sequence = d.sequence;
    book_.ts_event = d.ts_event;
    book_.ts_recv = d.ts_recv;
    ++messages_applied_;
    if (book_.IsCrossed()) return Fail(BookError::kCrossed);
  }
  return {};
}

}  // namespace hean
