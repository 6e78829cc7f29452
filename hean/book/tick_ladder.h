// TickLadder: one side of an L2 book as quantities indexed by integer tick.
#pragma once

#include <bit>
#include <cstdint>
#include <map>
#include <memory>

namespace hean {

// Levels live in pages of 1,024 consecutive ticks: a quantity per tick and an
// occupancy bitmap. Setting a level is O(1) once its page is found (a
// one-entry cache catches the common case of neighbouring updates; otherwise
// an ordered map of pages, O(log pages)). The best level is kept; when it is
// removed the next one is found through the bitmaps. Pages stay allocated
// when they empty, so a level that comes and goes costs nothing extra.
//
// No level is ever dropped, however far from the touch: Binance's diff
// stream updates levels hundreds of ticks deep in almost every message (in
// the 2024-07-18 BTCUSDT sample, 47% of level updates are more than 256
// levels from the best), which is why a sorted vector with the best at the
// back, fast only near the touch, was measured and replaced.
//
// `kBid` orders ticks descending (best = highest), otherwise ascending.
// Not thread-safe.
template <bool kBid>
class TickLadder {
 public:
  static constexpr int kPageBits = 10;
  static constexpr std::int64_t kPageSize = std::int64_t{1} << kPageBits;
  static constexpr int kWords = static_cast<int>(kPageSize / 64);
  static constexpr std::int64_t kNone = kBid ? INT64_MIN : INT64_MAX;

  bool empty() const noexcept { return count_ == 0; }
  std::size_t size() const noexcept { return count_; }
  std::int64_t best_tick() const noexcept { return best_; }
  std::int64_t best_qty() const noexcept { return count_ ? Qty(best_) : 0; }

  void Clear() noexcept {
    pages_.clear();
    cache_index_ = INT64_MIN;
    cache_ = nullptr;
    count_ = 0;
    best_ = kNone;
  }

  // Sets the qty (raw units) at `tick` (>= 0); 0 removes the level.
  void Set(std::int64_t tick, std::int64_t qty) {
    Page* p = qty != 0 ? GetOrCreatePage(tick >> kPageBits) : FindPage(tick >> kPageBits);
    if (p == nullptr) return;  // removing a level in a page never created
    const auto off = static_cast<int>(tick & (kPageSize - 1));
    const std::uint64_t bit = std::uint64_t{1} << (off & 63);
    std::uint64_t& word = p->bits[off >> 6];
    const bool present = (word & bit) != 0;
    if (qty != 0) {
      p->qty[off] = qty;
      if (!present) {
        word |= bit;
        ++count_;
        if (Better(tick, best_)) best_ = tick;
      }
      return;
    }
    if (!present) return;
    word &= ~bit;
    p->qty[off] = 0;
    --count_;
    if (tick == best_) best_ = count_ ? NextFrom(tick) : kNone;
  }

  std::int64_t Qty(std::int64_t tick) const noexcept {
    const Page* p = FindPageConst(tick >> kPageBits);
    if (p == nullptr) return 0;
    return p->qty[tick & (kPageSize - 1)];
  }

  // Calls f(tick, qty) for levels from the best outward until f returns
  // false or the levels run out.
  template <class F>
  void ForEach(F&& f) const {
    if (count_ == 0) return;
    std::int64_t t = best_;
    for (;;) {
      if (!f(t, Qty(t))) return;
      t = NextAfter(t);
      if (t == kNone) return;
    }
  }

 private:
  struct Page {
    std::int64_t qty[kPageSize] = {};
    std::uint64_t bits[kWords] = {};
  };
  // Descending map for bids so that iteration order is "best first".
  using PageMap = std::map<std::int64_t, std::unique_ptr<Page>,
                           std::conditional_t<kBid, std::greater<std::int64_t>, std::less<std::int64_t>>>;

  static bool Better(std::int64_t a, std::int64_t b) noexcept { return kBid ? a > b : a < b; }

  Page* FindPage(std::int64_t index) noexcept {
    if (index == cache_index_) return cache_;
    auto it = pages_.find(index);
    if (it == pages_.end()) return nullptr;
    cache_index_ = index;
    cache_ = it->second.get();
    return cache_;
  }
  const Page* FindPageConst(std::int64_t index) const noexcept {
    if (index == cache_index_) return cache_;
    auto it = pages_.find(index);
    return it == pages_.end() ? nullptr : it->second.get();
  }
  Page* GetOrCreatePage(std::int64_t index) {
    if (index == cache_index_) return cache_;
    auto [it, inserted] = pages_.try_emplace(index);
    if (inserted) it->second = std::make_unique<Page>();
    cache_index_ = index;
    cache_ = it->second.get();
    return cache_;
  }

  // First occupied tick in page `p` at or beyond offset `off` in the
  // direction away from the touch; -1 if none.
  static int ScanPage(const Page& p, int off) noexcept {
    if (off < 0 || off >= kPageSize) return -1;
    int w = off >> 6;
    if constexpr (kBid) {
      // Downward: bits at or below off.
      const int b = off & 63;
      std::uint64_t m = p.bits[w] & (b == 63 ? ~std::uint64_t{0} : ((std::uint64_t{1} << (b + 1)) - 1));
      for (;;) {
        if (m != 0) return (w << 6) + (63 - std::countl_zero(m));
        if (--w < 0) return -1;
        m = p.bits[w];
      }
    } else {
      // Upward: bits at or above off.
      std::uint64_t m = p.bits[w] & (~std::uint64_t{0} << (off & 63));
      for (;;) {
        if (m != 0) return (w << 6) + std::countr_zero(m);
        if (++w >= kWords) return -1;
        m = p.bits[w];
      }
    }
  }

  // The nearest occupied tick at or beyond `tick` (away from the touch).
  std::int64_t NextFrom(std::int64_t tick) const noexcept {
    const std::int64_t index = tick >> kPageBits;
    auto it = pages_.find(index);
    if (it != pages_.end()) {
      const int off = ScanPage(*it->second, static_cast<int>(tick & (kPageSize - 1)));
      if (off >= 0) return (index << kPageBits) + off;
      ++it;
    } else {
      it = pages_.upper_bound(index);  // next page away from the touch
    }
    for (; it != pages_.end(); ++it) {
      const int off = ScanPage(*it->second, kBid ? static_cast<int>(kPageSize - 1) : 0);
      if (off >= 0) return (it->first << kPageBits) + off;
    }
    return kNone;
  }
  std::int64_t NextAfter(std::int64_t tick) const noexcept { return NextFrom(kBid ? tick - 1 : tick + 1); }

  PageMap pages_;
  std::int64_t cache_index_ = INT64_MIN;
  Page* cache_ = nullptr;
  std::size_t count_ = 0;
  std::int64_t best_ = kNone;
};

}  // namespace hean
