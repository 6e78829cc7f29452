#include "hean/book/binance_book_builder.h"

namespace hean {

BinanceBookBuilder::BinanceBookBuilder(OrderBook& book, std::size_t max_buffered_deltas)
    : book_(book), max_buffered_(max_buffered_deltas) {}

Result<void, BookError> BinanceBookBuilder::Fail(BookError e) {
  book_.Invalidate(e);
  state_ = State::kInvalid;
  in_message_ = false;
  dropping_message_ = false;
  return MakeUnexpected(e);
}

Result<void, BookError> BinanceBookBuilder::OnSnapshot(const BookSnapshot& snap) {
  static const BookLevels kEmpty;
  const BookLevels& lv = snap.levels ? *snap.levels : kEmpty;
  if (auto r = book_.ApplySnapshot(lv.bids, lv.asks); !r.ok()) return Fail(r.error());
  book_.update_id = snap.update_id;
  book_.ts_event = snap.ts_event;
  book_.ts_recv = snap.ts_recv;
  snapshot_id_ = snap.update_id;
  last_u_ = snap.update_id;
  state_ = State::kSyncing;
  in_message_ = false;
  dropping_message_ = false;
  message_complete_ = true;
  // A snapshot alone is not yet known to be in step with the stream; the
  // book is usable (valid) from the first diff that covers it.
  book_.Invalidate(BookError::kDeltaBeforeSnapshot);
  std::deque<BookDelta> pending;
  pending.swap(buffer_);
  for (std::size_t i = 0; i < pending.size(); ++i) {
    if (auto r = Process(pending[i]); !r.ok()) {
      // Keep the rest (from the failing delta on) for the next snapshot.
      buffer_.assign(pending.begin() + static_cast<std::ptrdiff_t>(i), pending.end());
      return r;
    }
  }
  return {};
}

Result<void, BookError> BinanceBookBuilder::OnDelta(const BookDelta& d) {
  if (state_ == State::kAwaitingSnapshot || state_ == State::kInvalid) {
    if (buffer_.size() >= max_buffered_) {
      // Evict the oldest whole message: a partial one must never be applied.
      while (!buffer_.empty()) {
        const bool last = (buffer_.front().flags & BookDelta::kLastInMessage) != 0;
        buffer_.pop_front();
        ++buffer_evictions_;
        if (last) break;
      }
      if (state_ == State::kAwaitingSnapshot) {
        // The first snapshot may still be far away; say so once.
        state_ = State::kInvalid;
        book_.Invalidate(BookError::kBufferOverflow);
        buffer_.push_back(d);
        return MakeUnexpected(BookError::kBufferOverflow);
      }
    }
    buffer_.push_back(d);
    return {};
  }
  auto r = Process(d);
  // The delta that broke the chain is newer than anything applied: keep it
  // for the next snapshot.
  if (!r.ok()) buffer_.push_back(d);
  return r;
}

Result<void, BookError> BinanceBookBuilder::Process(const BookDelta& d) {
  const bool last = (d.flags & BookDelta::kLastInMessage) != 0;
  if (!in_message_) {
    // First delta of a message: decide whether the message applies.
    in_message_ = true;
    message_complete_ = false;
    dropping_message_ = false;
    if (state_ == State::kSyncing) {
      if (d.update_id < snapshot_id_) {
        dropping_message_ = true;  // older than the snapshot
      } else if (d.first_update_id > snapshot_id_) {
        ++gaps_;
        return Fail(BookError::kSequenceGap);
      } else {
        state_ = State::kLive;
        book_.MarkValid();
      }
    } else if (d.prev_update_id != last_u_) {
      ++gaps_;
      return Fail(BookError::kSequenceGap);
    }
  }
  if (!dropping_message_ && (d.flags & BookDelta::kNoLevels) == 0) {
    if (auto r = book_.SetLevel(d.side, d.price, d.qty); !r.ok()) return Fail(r.error());
  }
  if (last) {
    in_message_ = false;
    message_complete_ = true;
    if (dropping_message_) {
      ++messages_dropped_;
      dropping_message_ = false;
      return {};
    }
    last_u_ = d.update_id;
    book_.update_id = d.update_id;
    book_.ts_event = d.ts_event;
    book_.ts_recv = d.ts_recv;
    ++messages_applied_;
    if (book_.IsCrossed()) return Fail(BookError::kCrossed);
  }
  return {};
}

}  // namespace hean
