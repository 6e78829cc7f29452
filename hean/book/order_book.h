// OrderBook: an L2 book of one instrument, price levels keyed by integer tick.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "hean/book/tick_ladder.h"
#include "hean/core/decimal.h"
#include "hean/core/status.h"
#include "hean/core/time.h"
#include "hean/model/events.h"
#include "hean/model/types.h"

namespace hean {

// Why a book update was refused or a book is invalid.

// Result of walking one side of the book to take a quantity.
struct TakeResult {
  Qty filled;               // how much the book could fill (<= requested)
  Notional cost;            // sum of price * qty over the levels taken
  Price average_price;      // cost / filled, Undefined if nothing filled
  Price worst_price;        // the last level touched, Undefined if none
  double slippage_bps = 0;  // (average vs mid) in bps, >= 0 is worse than mid
  bool complete = false;    // filled == requested
};

// An L2 order book: each side a TickLadder (quantities indexed by integer
// tick in pages with occupancy bitmaps; see tick_ladder.h). Best bid and ask
// are O(1); setting a level is O(1) plus a page lookup; no level is dropped
// however far from the touch (Binance sends bids at 1,000 with BTC at
// 64,000). Chosen by measurement on the real Binance stream (see
// hean/data/book_replay_bench.cc and docs/BENCHMARKS.md).
//
// The book knows nothing about feeds: BookBuilders check sequence numbers
// and call Invalidate on integrity failures. An invalid book keeps its last
// levels for inspection, but IsValid() is false until the next snapshot.
//
// Not thread-safe: owned by the engine thread.
class OrderBook {
 public:
  OrderBook(InstrumentId instrument, Price tick_size);

  InstrumentId instrument() const noexcept { return instrument_; }
  Price tick_size() const noexcept { return tick_size_; }

  // Replaces both sides. Levels may come in any order; zero-qty levels are
  // ignored. On error the book is cleared and invalid. Marks the book valid.
  [[nodiscard]] Result<void, BookError> ApplySnapshot(const std::vector<BookLevel>& bids,
                                                      const std::vector<BookLevel>& asks);
  // Sets the total qty at a price; zero removes the level (removing a level
  // that is not there is fine: exchanges send such deletes).
  [[nodiscard]] Result<void, BookError> SetLevel(Side side, Price price, Qty qty);
  void Clear() noexcept;

  bool IsValid() const noexcept { return valid_; }
  // The reason of the last invalidation (meaningful when !IsValid()).
  BookError invalid_reason() const noexcept { return invalid_reason_; }
  void Invalidate(BookError reason) noexcept {
    valid_ = false;
    invalid_reason_ = reason;
    ++changes_;
  }
  void MarkValid() noexcept {
    valid_ = true;
    ++changes_;
  }
  // Counts every change of levels or validity: a reader that saw the same
  // count saw the same book (e.g. a cache that need not be recomputed).
  // Counts of different books never meet (each starts 2^40 from the last).
  std::uint64_t changes() const noexcept { return changes_; }

  // Best level of a side, if any.
  std::optional<BookLevel> Best(Side side) const noexcept;
  std::optional<BookLevel> BestBid() const noexcept { return Best(Side::kBuy); }
  std::optional<BookLevel> BestAsk() const noexcept { return Best(Side::kSell); }
  std::size_t LevelCount(Side side) const noexcept { return SideSize(side); }
  bool IsCrossed() const noexcept;

  // Need both sides; nullopt otherwise.
  std::optional<Price> Spread() const noexcept;
  std::optional<double> SpreadBps() const noexcept;  // spread / mid * 1e4
  std::optional<Price> Mid() const noexcept;         // rounded half away from zero to 1e-9
  // Size-weighted mid: (bid * ask_qty + ask * bid_qty) / (bid_qty + ask_qty).
  std::optional<double> Microprice() const noexcept;

  // The best `n` levels of a side, best first.
  std::vector<BookLevel> Depth(Side side, std::size_t n) const;
  // Writes up to `n` levels into `out`, best first; returns how many.
  std::size_t Depth(Side side, std::size_t n, BookLevel* out) const noexcept;
  // The displayed qty at `price` on a side: zero when there is no level
  // there or the price is not on the tick grid.
  Qty QtyAt(Side side, Price price) const noexcept;
  // Calls f(const BookLevel&) for the levels of a side from the best outward
  // until f returns false or the levels run out.
  template <class F>
  void ForEachFromBest(Side side, F&& f) const {
    ForEachLevel(side, [&](std::int64_t tick, std::int64_t qty) {
      return f(BookLevel{FromTick(tick), Qty::FromRaw(qty)});
    });
  }
  // The level at index i from the best (0 = best); nullopt past the end.
  std::optional<BookLevel> LevelAt(Side side, std::size_t i) const noexcept;
  // Total qty of a side at prices at least as good as `limit` (bids >= limit,
  // asks <= limit).
  Qty CumulativeQty(Side side, Price limit) const noexcept;
  // Sum of qty over the best n levels.
  Qty TotalQty(Side side, std::size_t n) const noexcept;
  // (bid qty - ask qty) / (bid qty + ask qty) over the best n levels of
  // each side, in [-1, 1]; 0 when both are empty.
  double Imbalance(std::size_t n) const noexcept;

  // Walks the side a taker of `taker_side` would hit (asks for a buy) to
  // fill `qty`: what it would cost and at what average price.
  TakeResult Take(Side taker_side, Qty qty) const noexcept;

  // Venue bookkeeping, set by builders.
  std::uint64_t update_id = 0;
  std::uint64_t sequence = 0;
  UnixNanos ts_event;
  UnixNanos ts_recv;

 private:
  template <class F>
  void ForEachLevel(Side side, F&& f) const {
    if (side == Side::kBuy) {
      bids_.ForEach(f);
    } else {
      asks_.ForEach(f);
    }
  }
  std::size_t SideSize(Side side) const noexcept { return side == Side::kBuy ? bids_.size() : asks_.size(); }
  Result<std::int64_t, BookError> ToTick(Price p) const noexcept;
  Price FromTick(std::int64_t tick) const noexcept { return Price::FromRaw(tick * tick_size_.raw()); }

  InstrumentId instrument_;
  Price tick_size_;
  double inv_tick_;  // 1 / tick_size_.raw(), for ToTick
  TickLadder<true> bids_;
  TickLadder<false> asks_;
  bool valid_ = false;
  std::uint64_t changes_ = 0;
  BookError invalid_reason_ = BookError::kDeltaBeforeSnapshot;
};

}  // namespace hean
