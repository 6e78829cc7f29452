// BinanceBookBuilder: keeps an OrderBook in step with Binance USD-M futures
// diff-depth messages and REST snapshots, checking update-id continuity.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <vector>

#include "hean/book/order_book.h"
#include "hean/core/status.h"
#include "hean/model/events.h"

namespace hean {

// The Binance futures sync rule: buffer diffs until a snapshot with
// lastUpdateId L is applied; then drop diffs with u < L; the first applied
// diff must have U <= L <= u; every later one must have pu equal to the
// previous diff's u. Diffs that arrived before the snapshot are replayed
// through the same rule when it comes. A break (gap), a delta with a bad
// level, or a book crossed after a whole message invalidates the book until
// the next snapshot. While invalid, deltas are buffered again (at most
// max_buffered_deltas; the oldest whole messages are evicted first): a fresh REST snapshot is always
// older than some diffs received while it was fetched, and those diffs are
// what connects it to the stream.
//
// Input is HEAN events as the capture reader makes them: one BookDelta per
// level, the last of a message flagged kLastInMessage, all sharing the
// message's update ids.
//
// Not thread-safe: engine thread.
class BinanceBookBuilder {
 public:
  enum class State : std::uint8_t {
    kAwaitingSnapshot,  // no snapshot yet: deltas are buffered
    kSyncing,           // snapshot applied, waiting for the diff that covers it
    kLive,              // in sync
    kInvalid,           // integrity failure: waiting for a new snapshot
  };

  explicit BinanceBookBuilder(OrderBook& book, std::size_t max_buffered_deltas = 1'000'000);

  // Both return an error (the reason the book just became invalid) or OK.
  // An error is returned once, at the transition to invalid.
  [[nodiscard]] Result<void, BookError> OnSnapshot(const BookSnapshot& snap);
  [[nodiscard]] Result<void, BookError> OnDelta(const BookDelta& delta);
  // A whole message (snapshot or diff) at once, as BinanceCaptureParser's
  // ParseMessage gives it: the same sync rule and counters as the events of
  // that message fed one by one, without an event per level. A diff that
  // cannot be applied (no snapshot yet, invalid book, or the one that broke
  // the chain) is buffered whole for the next snapshot.
  [[nodiscard]] Result<void, BookError> OnMessage(const BookMessage& msg);

  State state() const noexcept { return state_; }
  const OrderBook& book() const noexcept { return book_; }
  // `u` of the last diff applied to the book (the snapshot's id before any).
  std::uint64_t last_update_id() const noexcept { return last_u_; }
  // True right after the last level of a message was applied.
  bool message_complete() const noexcept { return message_complete_; }

  std::uint64_t messages_applied() const noexcept { return messages_applied_; }
  std::uint64_t messages_dropped() const noexcept { return messages_dropped_; }
  std::uint64_t gaps() const noexcept { return gaps_; }
  // Deltas discarded from a full buffer (oldest whole messages first).
  std::uint64_t buffer_evictions() const noexcept { return buffer_evictions_; }

 private:
  Result<void, BookError> Process(const BookDelta& d);
  Result<void, BookError> Buffer(const BookDelta& d);
  Result<void, BookError> BufferMessage(const BookMessage& m);
  Result<void, BookError> Reset(const std::vector<BookLevel>& bids, const std::vector<BookLevel>& asks, std::uint64_t u,
                                UnixNanos ts_event, UnixNanos ts_recv);
  Result<void, BookError> Fail(BookError e);

  OrderBook& book_;
  std::size_t max_buffered_;
  State state_ = State::kAwaitingSnapshot;
  std::deque<BookDelta> buffer_;
  std::uint64_t snapshot_id_ = 0;
  std::uint64_t last_u_ = 0;
  // The message being applied or dropped (deltas of one message share u).
  bool in_message_ = false;
  bool dropping_message_ = false;
  bool message_complete_ = false;
  std::uint64_t messages_applied_ = 0;
  std::uint64_t messages_dropped_ = 0;
  std::uint64_t gaps_ = 0;
  std::uint64_t buffer_evictions_ = 0;
};

}  // namespace hean
