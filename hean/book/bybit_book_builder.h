// BybitBookBuilder: keeps an OrderBook in step with Bybit v5 order-book
// messages (`orderbook.N.SYMBOL`, N in 1, 50, 200, 500, 1000), live or from
// Bybit's public archives.
#pragma once

#include <cstdint>
#include <vector>

#include "hean/book/order_book.h"
#include "hean/core/status.h"
#include "hean/model/events.h"

namespace hean {

// Bybit's rules: a `snapshot` message replaces the book (so does a message
// with u == 1, which Bybit sends after a service restart; the reader turns
// it into a BookSnapshot); a `delta` sets levels (qty 0 deletes). Every
// delta's update id `u` must be the previous message's u + 1: anything else
// (a missing message, a repeat, a step back) is a gap. A delta before any
// snapshot, a bad level, or a book crossed after a whole message also
// invalidates the book, which stays invalid (later deltas are ignored) until
// the next snapshot. `seq` (cross sequence) and the matching-engine time
// `cts` (the delta's ts_event) of the last applied message are kept in the
// book.
//
// Input: HEAN events as the Bybit reader makes them: one BookDelta per
// level, the last of a message flagged kLastInMessage, all sharing the
// message's u and seq. Not thread-safe: engine thread.
class BybitBookBuilder {
 public:
  enum class State : std::uint8_t { kAwaitingSnapshot, kLive, kInvalid };

  explicit BybitBookBuilder(OrderBook& book) : book_(book) {}

  // Both return the reason the book just became invalid, once, at the
  // transition; OK otherwise (including deltas ignored while invalid).
  [[nodiscard]] Result<void, BookError> OnSnapshot(const BookSnapshot& snap);
  [[nodiscard]] Result<void, BookError> OnDelta(const BookDelta& delta);
  // A whole message (snapshot or delta) at once, as BybitJsonParser's
  // ParseMessage gives it: the same rules and counters as the events of
  // that message fed one by one, without an event per level.
  [[nodiscard]] Result<void, BookError> OnMessage(const BookMessage& msg);

  State state() const noexcept { return state_; }
  const OrderBook& book() const noexcept { return book_; }
  std::uint64_t last_update_id() const noexcept { return last_u_; }
  bool message_complete() const noexcept { return !in_message_; }
  std::uint64_t messages_applied() const noexcept { return messages_applied_; }
  std::uint64_t snapshots() const noexcept { return snapshots_; }
  std::uint64_t gaps() const noexcept { return gaps_; }
  // Deltas dropped because the book was invalid.
  std::uint64_t deltas_ignored() const noexcept { return deltas_ignored_; }

 private:
  Result<void, BookError> Fail(BookError e);
  Result<void, BookError> Reset(const std::vector<BookLevel>& bids, const std::vector<BookLevel>& asks, std::uint64_t u,
                                std::uint64_t seq, UnixNanos ts_event, UnixNanos ts_recv);

  OrderBook& book_;
  State state_ = State::kAwaitingSnapshot;
  std::uint64_t last_u_ = 0;
  bool in_message_ = false;
  std::uint64_t messages_applied_ = 0;
  std::uint64_t snapshots_ = 0;
  std::uint64_t gaps_ = 0;
  std::uint64_t deltas_ignored_ = 0;
};

}  // namespace hean
