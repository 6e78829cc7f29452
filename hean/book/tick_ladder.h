// TickLadder: one side of an L2 book as quantities indexed by integer tick.
#pragma once

#include <algorithm>
#include <bit>
#include <cstdint>
#include <map>
#include <memory>
#include <utility>
#include <vector>

namespace hean {

// Levels live in pages of 1,024 consecutive ticks: a quantity per tick and an
// occupancy bitmap. Setting a level is O(1): the page comes from a one-entry
// cache or a dense directory over the span of pages in use (up to 65,536
// pages, i.e. 67 million ticks); only a page outside that span is looked up
// in the ordered map of pages, O(log pages). The best level is kept; when it is
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

  TickLadder() = default;
  TickLadder(const TickLadder&) = delete;
  TickLadder& operator=(const TickLadder&) = delete;
  // Moves leave the source empty and independent (the page cache must not
  // follow the pages to their new owner).
  TickLadder(TickLadder&& o) noexcept { *this = std::move(o); }
  TickLadder& operator=(TickLadder&& o) noexcept {
    if (this != &o) {
      pages_ = std::move(o.pages_);
      dir_ = std::move(o.dir_);
      dir_pages_ = o.dir_pages_;
      dir_base_ = o.dir_base_;
      cache_index_ = o.cache_index_;
      cache_ = o.cache_;
      count_ = o.count_;
      best_ = o.best_;
      o.Clear();
    }
    return *this;
  }

  bool empty() const noexcept { return count_ == 0; }
  std::size_t size() const noexcept { return count_; }
  std::int64_t best_tick() const noexcept { return best_; }
  std::int64_t best_qty() const noexcept { return count_ ? Qty(best_) : 0; }

  void Clear() noexcept {
    pages_.clear();
    dir_.clear();
    dir_pages_ = 0;
    dir_base_ = 0;
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
  // false or the levels run out. Walks the pages' bitmaps in order, so each
  // level costs a bit scan, not a page lookup.
  template <class F>
  void ForEach(F&& f) const {
    if (count_ == 0) return;
    std::int64_t index = best_ >> kPageBits;
    const Page* p = Lookup(index);
    int off = static_cast<int>(best_ & (kPageSize - 1));
    std::size_t seen = 0;
    while (p != nullptr) {
      for (;;) {
        off = ScanPage(*p, off);
        if (off < 0) break;
        if (!f((index << kPageBits) + off, p->qty[off])) return;
        if (++seen == count_) return;  // no level beyond this one
        off += kBid ? -1 : 1;
      }
      p = NextPage(index);
      off = kBid ? static_cast<int>(kPageSize - 1) : 0;
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

  // Page lookup: the one-entry cache, then the dense directory (covers the
  // span of pages seen so far while it is at most kMaxDirectory pages), then
  // the ordered map, which holds every page and is the authority.
  static constexpr std::int64_t kMaxDirectory = 1 << 16;

  const Page* Lookup(std::int64_t index) const noexcept {
    if (index == cache_index_) return cache_;
    const auto slot = static_cast<std::uint64_t>(index - dir_base_);
    if (slot < dir_.size()) return dir_[slot];
    auto it = pages_.find(index);
    return it == pages_.end() ? nullptr : it->second.get();
  }
  Page* FindPage(std::int64_t index) noexcept {
    Page* p = const_cast<Page*>(Lookup(index));
    if (p != nullptr) {
      cache_index_ = index;
      cache_ = p;
    }
    return p;
  }
  const Page* FindPageConst(std::int64_t index) const noexcept { return Lookup(index); }
  Page* GetOrCreatePage(std::int64_t index) {
    if (Page* p = FindPage(index)) return p;
    auto [it, inserted] = pages_.try_emplace(index);
    if (inserted) it->second = std::make_unique<Page>();
    Page* p = it->second.get();
    AddToDirectory(index);
    cache_index_ = index;
    cache_ = p;
    return p;
  }
  // Widens the directory to cover `index` if the span stays bounded, filling
  // new slots from the map.
  void AddToDirectory(std::int64_t index) {
    std::int64_t lo = index, hi = index;
    if (!dir_.empty()) {
      lo = std::min(lo, dir_base_);
      hi = std::max(hi, dir_base_ + static_cast<std::int64_t>(dir_.size()) - 1);
    }
    if (hi - lo + 1 > kMaxDirectory) return;  // stays in the map only
    if (!dir_.empty() && lo == dir_base_ && hi < dir_base_ + static_cast<std::int64_t>(dir_.size())) {
      Page*& slot = dir_[static_cast<std::size_t>(index - dir_base_)];
      if (slot == nullptr) ++dir_pages_;
      slot = pages_.find(index)->second.get();
      return;
    }
    std::vector<Page*> next(static_cast<std::size_t>(hi - lo + 1), nullptr);
    std::size_t held = 0;
    for (auto& [idx, page] : pages_) {
      if (idx >= lo && idx <= hi) {
        next[static_cast<std::size_t>(idx - lo)] = page.get();
        ++held;
      }
    }
    dir_.swap(next);
    dir_base_ = lo;
    dir_pages_ = held;
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

  // The page after page `index` away from the touch (`index` need not hold
  // a page); null if none, else `index` becomes its index. Steps through
  // the directory when it holds every page, else asks the map.
  const Page* NextPage(std::int64_t& index) const noexcept {
    if (dir_pages_ == pages_.size()) {
      const auto n = static_cast<std::int64_t>(dir_.size());
      std::int64_t slot = index - dir_base_;
      if constexpr (kBid) {
        for (slot = std::min(slot - 1, n - 1); slot >= 0; --slot) {
          if (const Page* p = dir_[static_cast<std::size_t>(slot)]) {
            index = dir_base_ + slot;
            return p;
          }
        }
      } else {
        for (slot = std::max<std::int64_t>(slot + 1, 0); slot < n; ++slot) {
          if (const Page* p = dir_[static_cast<std::size_t>(slot)]) {
            index = dir_base_ + slot;
            return p;
          }
        }
      }
      return nullptr;
    }
    auto it = pages_.upper_bound(index);  // the map is ordered away from the touch
    if (it == pages_.end()) return nullptr;
    index = it->first;
    return it->second.get();
  }

  // The nearest occupied tick at or beyond `tick` (away from the touch).
  std::int64_t NextFrom(std::int64_t tick) const noexcept {
    std::int64_t index = tick >> kPageBits;
    const Page* p = Lookup(index);
    int off = static_cast<int>(tick & (kPageSize - 1));
    if (p == nullptr) {
      p = NextPage(index);
      off = kBid ? static_cast<int>(kPageSize - 1) : 0;
    }
    while (p != nullptr) {
      const int found = ScanPage(*p, off);
      if (found >= 0) return (index << kPageBits) + found;
      p = NextPage(index);
      off = kBid ? static_cast<int>(kPageSize - 1) : 0;
    }
    return kNone;
  }

  PageMap pages_;
  std::vector<Page*> dir_;
  std::size_t dir_pages_ = 0;  // pages in dir_ (== pages_.size(): it holds them all)
  std::int64_t dir_base_ = 0;
  std::int64_t cache_index_ = INT64_MIN;
  Page* cache_ = nullptr;
  std::size_t count_ = 0;
  std::int64_t best_ = kNone;
};

}  // namespace hean
