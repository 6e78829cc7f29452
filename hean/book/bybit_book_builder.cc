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
  ++snapshots_;
  if (auto r = book_.ApplySnapshot(lv.bids, lv.asks); !r.ok()) return Fail(r.error());
  book_.update_id = snap.update_id;
  book_.sequence = snap.sequence;
  book_.ts_event = snap.ts_event;
  book_.ts_recv = snap.ts_recv;
  last_u_ = snap.update_id;
  in_message_ = false;
  if (book_.IsCrossed()) return Fail(BookError::kCrossed);
  state_ = State::kLive;
  book_.MarkValid();
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
