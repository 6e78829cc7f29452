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
  return Reset(lv.bids, lv.asks, snap.update_id, snap.ts_event, snap.ts_recv);
}

Result<void, BookError> BinanceBookBuilder::Reset(const std::vector<BookLevel>& bids,
                                                  const std::vector<BookLevel>& asks, std::uint64_t u,
                                                  UnixNanos ts_event, UnixNanos ts_recv) {
  if (auto r = book_.ApplySnapshot(bids, asks); !r.ok()) return Fail(r.error());
  book_.update_id = u;
  book_.ts_event = ts_event;
  book_.ts_recv = ts_recv;
  snapshot_id_ = u;
  last_u_ = u;
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
  if (state_ == State::kAwaitingSnapshot || state_ == State::kInvalid) return Buffer(d);
  auto r = Process(d);
  // The delta that broke the chain is newer than anything applied: keep it
  // for the next snapshot.
  if (!r.ok()) buffer_.push_back(d);
  return r;
}

Result<void, BookError> BinanceBookBuilder::Buffer(const BookDelta& d) {
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

Result<void, BookError> BinanceBookBuilder::BufferMessage(const BookMessage& m) {
  Result<void, BookError> first{};
  ForEachDelta(m, [&](const BookDelta& d) {
    if (auto r = Buffer(d); !r.ok() && first.ok()) first = r;
  });
  return first;
}

Result<void, BookError> BinanceBookBuilder::OnMessage(const BookMessage& m) {
  if (m.snapshot) return Reset(m.bids, m.asks, m.update_id, m.ts_event, m.ts_recv);
  if (state_ == State::kAwaitingSnapshot || state_ == State::kInvalid) return BufferMessage(m);
  // Every failure from here on keeps the whole diff for the next snapshot.
  auto fail = [&](BookError e) {
    auto r = Fail(e);
    (void)BufferMessage(m);
    return r;
  };
  // A message fed as events and left unfinished was cut.
  if (in_message_) return fail(BookError::kUnparseable);
  message_complete_ = false;
  if (state_ == State::kSyncing) {
    if (m.update_id < snapshot_id_) {
      ++messages_dropped_;  // older than the snapshot
      message_complete_ = true;
      return {};
    }
    if (m.first_update_id > snapshot_id_) {
      ++gaps_;
      return fail(BookError::kSequenceGap);
    }
    state_ = State::kLive;
    book_.MarkValid();
  } else if (m.prev_update_id != last_u_) {
    ++gaps_;
    return fail(BookError::kSequenceGap);
  }
  for (const BookLevel& l : m.bids) {
    if (auto r = book_.SetLevel(Side::kBuy, l.price, l.qty); !r.ok()) return fail(r.error());
  }
  for (const BookLevel& l : m.asks) {
    if (auto r = book_.SetLevel(Side::kSell, l.price, l.qty); !r.ok()) return fail(r.error());
  }
  message_complete_ = true;
  last_u_ = m.update_id;
  book_.update_id = m.update_id;
  book_.ts_event = m.ts_event;
  book_.ts_recv = m.ts_recv;
  ++messages_applied_;
  if (book_.IsCrossed()) return fail(BookError::kCrossed);
  return {};
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
