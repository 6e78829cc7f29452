#include "hean/book/order_book.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <limits>
#include <map>
#include <optional>
#include <ostream>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "hean/core/decimal.h"
#include "hean/model/events.h"
#include "hean/model/types.h"

namespace hean {

// Readable gtest output for levels (found by ADL).
template <class Tag>
void PrintTo(const FixedPoint<Tag>& v, std::ostream* os) {
  *os << (v.IsDefined() ? v.ToString() : std::string("Undefined"));
}
void PrintTo(const BookLevel& l, std::ostream* os) {
  *os << "{" << l.price.ToString() << " x " << l.qty.ToString() << "}";
}

namespace {

constexpr InstrumentId kBtc{7};
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

Price P(std::string_view s) {
  auto r = Price::Parse(s);
  EXPECT_TRUE(r.ok()) << "bad price literal " << s;
  return r.value();
}

Qty Q(std::string_view s) {
  auto r = Qty::Parse(s);
  EXPECT_TRUE(r.ok()) << "bad qty literal " << s;
  return r.value();
}

Notional N(std::string_view s) {
  auto r = Notional::Parse(s);
  EXPECT_TRUE(r.ok()) << "bad notional literal " << s;
  return r.value();
}

BookLevel L(std::string_view price, std::string_view qty) { return BookLevel{P(price), Q(qty)}; }

OrderBook MakeBook() { return OrderBook(kBtc, P("0.1")); }

// All levels of a side, best first.
std::vector<BookLevel> All(const OrderBook& b, Side s) { return b.Depth(s, std::numeric_limits<std::size_t>::max()); }

void Set(OrderBook& b, Side s, std::string_view price, std::string_view qty) {
  auto r = b.SetLevel(s, P(price), Q(qty));
  ASSERT_TRUE(r.ok()) << ToString(r.error());
}

// A BTCUSDT-like book: bids 63943.9 / 63943.5 / 63942.0, asks 63944.0 /
// 63944.1 / 63944.5; mid 63943.95.
OrderBook MakeTakeBook() {
  OrderBook b = MakeBook();
  auto r = b.ApplySnapshot({L("63943.9", "0.8"), L("63943.5", "1.0"), L("63942.0", "3.0")},
                           {L("63944.0", "0.5"), L("63944.1", "1.2"), L("63944.5", "2.0")});
  EXPECT_TRUE(r.ok());
  return b;
}

// ---------------------------------------------------------------------------
// Reference model: one std::map<tick, raw qty> per side.

struct Model {
  std::int64_t tick_raw;
  std::map<std::int64_t, std::int64_t> bids;
  std::map<std::int64_t, std::int64_t> asks;

  std::map<std::int64_t, std::int64_t>& side(Side s) { return s == Side::kBuy ? bids : asks; }

  void Set(Side s, std::int64_t tick, std::int64_t qty) {
    if (qty == 0) {
      side(s).erase(tick);
    } else {
      side(s)[tick] = qty;
    }
  }
  // Levels strictly better than `tick` on side `s`: how far from the touch
  // an update at `tick` lands.
  std::size_t BetterThan(Side s, std::int64_t tick) {
    auto& m = side(s);
    if (s == Side::kBuy) return static_cast<std::size_t>(std::distance(m.upper_bound(tick), m.end()));
    return static_cast<std::size_t>(std::distance(m.begin(), m.lower_bound(tick)));
  }
  std::vector<BookLevel> Expected(Side s) const {
    std::vector<BookLevel> out;
    auto push = [&](const auto& kv) { out.push_back({Price::FromRaw(kv.first * tick_raw), Qty::FromRaw(kv.second)}); };
    if (s == Side::kBuy) {
      for (auto it = bids.rbegin(); it != bids.rend(); ++it) push(*it);
    } else {
      for (const auto& kv : asks) push(kv);
    }
    return out;
  }
};

::testing::AssertionResult SameSide(const OrderBook& b, const Model& m, Side s) {
  const std::vector<BookLevel> want = m.Expected(s);
  const std::vector<BookLevel> got = All(b, s);
  const char* name = s == Side::kBuy ? "bids" : "asks";
  if (b.LevelCount(s) != want.size() || got.size() != want.size()) {
    return ::testing::AssertionFailure() << name << ": book has " << b.LevelCount(s) << " levels (Depth gave "
                                         << got.size() << "), model has " << want.size();
  }
  for (std::size_t i = 0; i < want.size(); ++i) {
    if (!(got[i] == want[i])) {
      return ::testing::AssertionFailure()
             << name << "[" << i << "]: book " << got[i].price.ToString() << " x " << got[i].qty.ToString()
             << ", model " << want[i].price.ToString() << " x " << want[i].qty.ToString();
    }
  }
  const std::optional<BookLevel> best = b.Best(s);
  if (want.empty() ? best.has_value() : (!best || !(*best == want.front()))) {
    return ::testing::AssertionFailure() << name << ": Best() disagrees with the model";
  }
  // LevelAt at both ends, in the middle and past the end; TotalQty over the
  // whole side. Each walks the side, so only on every 8th comparison.
  static std::size_t calls = 0;
  if (++calls % 8 != 0) return ::testing::AssertionSuccess();
  if (!want.empty() && (b.LevelAt(s, 0) != want.front() || b.LevelAt(s, want.size() - 1) != want.back() ||
                        b.LevelAt(s, want.size() / 2) != want[want.size() / 2])) {
    return ::testing::AssertionFailure() << name << ": LevelAt disagrees with the model";
  }
  if (b.LevelAt(s, want.size()).has_value()) {
    return ::testing::AssertionFailure() << name << ": LevelAt past the end has a value";
  }
  std::int64_t total = 0;
  for (const BookLevel& l : want) total += l.qty.raw();
  if (b.TotalQty(s, want.size()).raw() != total) {
    return ::testing::AssertionFailure() << name << ": TotalQty " << b.TotalQty(s, want.size()).ToString() << ", model "
                                         << Qty::FromRaw(total).ToString();
  }
  return ::testing::AssertionSuccess();
}

::testing::AssertionResult SameBook(const OrderBook& b, const Model& m) {
  auto r = SameSide(b, m, Side::kBuy);
  if (!r) return r;
  return SameSide(b, m, Side::kSell);
}

// ---------------------------------------------------------------------------
// Construction, SetLevel, accessors.

TEST(OrderBook, NewBookIsEmptyAndInvalid) {
  OrderBook b = MakeBook();
  EXPECT_EQ(b.instrument(), kBtc);
  EXPECT_EQ(b.tick_size(), P("0.1"));
  EXPECT_FALSE(b.IsValid());
  EXPECT_EQ(b.invalid_reason(), BookError::kDeltaBeforeSnapshot);
  for (Side s : {Side::kBuy, Side::kSell}) {
    EXPECT_EQ(b.LevelCount(s), 0u);
    EXPECT_FALSE(b.Best(s).has_value());
    EXPECT_FALSE(b.LevelAt(s, 0).has_value());
    EXPECT_TRUE(b.Depth(s, 10).empty());
    EXPECT_EQ(b.TotalQty(s, 10), Qty::Zero());
    EXPECT_EQ(b.CumulativeQty(s, P("63944.0")), Qty::Zero());
  }
  EXPECT_FALSE(b.BestBid().has_value());
  EXPECT_FALSE(b.BestAsk().has_value());
  EXPECT_FALSE(b.IsCrossed());
  EXPECT_FALSE(b.Spread().has_value());
  EXPECT_FALSE(b.SpreadBps().has_value());
  EXPECT_FALSE(b.Mid().has_value());
  EXPECT_FALSE(b.Microprice().has_value());
  EXPECT_EQ(b.Imbalance(5), 0.0);
}

TEST(OrderBook, SetLevelInsertsBidsBestFirst) {
  OrderBook b = MakeBook();
  Set(b, Side::kBuy, "63943.5", "1.5");
  Set(b, Side::kBuy, "63943.9", "0.25");
  Set(b, Side::kBuy, "63943.7", "2");
  Set(b, Side::kBuy, "1000.0", "10");
  Set(b, Side::kBuy, "63944.0", "0.001");
  EXPECT_EQ(b.LevelCount(Side::kBuy), 5u);
  EXPECT_EQ(b.LevelCount(Side::kSell), 0u);
  const std::vector<BookLevel> want = {L("63944.0", "0.001"), L("63943.9", "0.25"), L("63943.7", "2"),
                                       L("63943.5", "1.5"), L("1000", "10")};
  EXPECT_EQ(b.Depth(Side::kBuy, 10), want);
  ASSERT_TRUE(b.BestBid().has_value());
  EXPECT_EQ(b.BestBid(), L("63944.0", "0.001"));
  EXPECT_FALSE(b.BestAsk().has_value());
}

TEST(OrderBook, SetLevelInsertsAsksBestFirst) {
  OrderBook b = MakeBook();
  Set(b, Side::kSell, "63944.5", "1.5");
  Set(b, Side::kSell, "63944.0", "0.25");
  Set(b, Side::kSell, "100000.0", "3");
  Set(b, Side::kSell, "63944.2", "2");
  Set(b, Side::kSell, "63943.9", "0.001");
  EXPECT_EQ(b.LevelCount(Side::kSell), 5u);
  EXPECT_EQ(b.LevelCount(Side::kBuy), 0u);
  const std::vector<BookLevel> want = {L("63943.9", "0.001"), L("63944.0", "0.25"), L("63944.2", "2"),
                                       L("63944.5", "1.5"), L("100000", "3")};
  EXPECT_EQ(b.Depth(Side::kSell, 10), want);
  ASSERT_TRUE(b.BestAsk().has_value());
  EXPECT_EQ(b.BestAsk(), L("63943.9", "0.001"));
  EXPECT_FALSE(b.BestBid().has_value());
}

TEST(OrderBook, SetLevelUpdatesExistingLevelInPlace) {
  OrderBook b = MakeBook();
  for (Side s : {Side::kBuy, Side::kSell}) {
    Set(b, s, "63943.9", "1");
    Set(b, s, "63944.0", "2");
    Set(b, s, "63944.1", "3");
  }
  Set(b, Side::kBuy, "63944.0", "0.123");   // middle
  Set(b, Side::kBuy, "63944.1", "7");       // best bid
  Set(b, Side::kSell, "63944.1", "0.004");  // worst ask
  Set(b, Side::kSell, "63943.9", "5.5");    // best ask
  EXPECT_EQ(b.LevelCount(Side::kBuy), 3u);
  EXPECT_EQ(b.LevelCount(Side::kSell), 3u);
  EXPECT_EQ(All(b, Side::kBuy), (std::vector<BookLevel>{L("63944.1", "7"), L("63944.0", "0.123"), L("63943.9", "1")}));
  EXPECT_EQ(All(b, Side::kSell),
            (std::vector<BookLevel>{L("63943.9", "5.5"), L("63944.0", "2"), L("63944.1", "0.004")}));
}

TEST(OrderBook, DeltaWithZeroQtyRemovesLevel) {
  OrderBook b = MakeBook();
  for (const char* px : {"63943.5", "63943.6", "63943.7", "63943.8", "63943.9"}) Set(b, Side::kBuy, px, "1");
  for (const char* px : {"63944.0", "63944.1", "63944.2", "63944.3", "63944.4"}) Set(b, Side::kSell, px, "2");

  Set(b, Side::kBuy, "63943.9", "0");  // best
  Set(b, Side::kBuy, "63943.7", "0");  // middle
  Set(b, Side::kBuy, "63943.5", "0");  // worst
  EXPECT_EQ(All(b, Side::kBuy), (std::vector<BookLevel>{L("63943.8", "1"), L("63943.6", "1")}));
  EXPECT_EQ(b.BestBid().value_or(BookLevel{}).price, P("63943.8"));

  Set(b, Side::kSell, "63944.0", "0");
  Set(b, Side::kSell, "63944.2", "0");
  Set(b, Side::kSell, "63944.4", "0");
  EXPECT_EQ(All(b, Side::kSell), (std::vector<BookLevel>{L("63944.1", "2"), L("63944.3", "2")}));
  EXPECT_EQ(b.BestAsk().value_or(BookLevel{}).price, P("63944.1"));

  // Emptying a side entirely.
  Set(b, Side::kBuy, "63943.8", "0");
  Set(b, Side::kBuy, "63943.6", "0");
  EXPECT_EQ(b.LevelCount(Side::kBuy), 0u);
  EXPECT_FALSE(b.BestBid().has_value());
  EXPECT_EQ(b.LevelCount(Side::kSell), 2u);
}

TEST(OrderBook, DeleteOfAbsentLevelIsOkAndChangesNothing) {
  OrderBook b = MakeBook();
  // On an empty book.
  EXPECT_TRUE(b.SetLevel(Side::kBuy, P("63943.9"), Qty::Zero()).ok());
  EXPECT_TRUE(b.SetLevel(Side::kSell, P("63944.0"), Qty::Zero()).ok());
  EXPECT_EQ(b.LevelCount(Side::kBuy), 0u);
  EXPECT_EQ(b.LevelCount(Side::kSell), 0u);

  Set(b, Side::kBuy, "63943.9", "1");
  Set(b, Side::kBuy, "63943.5", "2");
  Set(b, Side::kSell, "63944.0", "3");
  Set(b, Side::kSell, "63944.4", "4");
  const auto bids = All(b, Side::kBuy);
  const auto asks = All(b, Side::kSell);
  // Above, between and below the existing levels, on both sides; also a
  // price that exists only on the other side.
  for (const char* px : {"63944.5", "63944.0", "63943.7", "63943.0", "1000.0", "63944.4"}) {
    EXPECT_TRUE(b.SetLevel(Side::kBuy, P(px), Qty::Zero()).ok()) << px;
  }
  for (const char* px : {"63943.8", "63943.9", "63944.2", "63945.0", "100000.0", "63943.5"}) {
    EXPECT_TRUE(b.SetLevel(Side::kSell, P(px), Qty::Zero()).ok()) << px;
  }
  EXPECT_EQ(All(b, Side::kBuy), bids);
  EXPECT_EQ(All(b, Side::kSell), asks);
}

TEST(OrderBook, SidesAreIndependentEvenAtTheSamePrice) {
  OrderBook b = MakeBook();
  Set(b, Side::kBuy, "63944.0", "1");
  Set(b, Side::kSell, "63944.0", "2");
  EXPECT_EQ(b.BestBid(), L("63944.0", "1"));
  EXPECT_EQ(b.BestAsk(), L("63944.0", "2"));
  Set(b, Side::kBuy, "63944.0", "0");
  EXPECT_EQ(b.LevelCount(Side::kBuy), 0u);
  EXPECT_EQ(b.BestAsk(), L("63944.0", "2"));
}

TEST(OrderBook, SetLevelDoesNotChangeValidity) {
  OrderBook b = MakeBook();
  Set(b, Side::kBuy, "63943.9", "1");
  EXPECT_FALSE(b.IsValid());  // a delta never makes a book valid
  ASSERT_TRUE(b.ApplySnapshot({}, {}).ok());
  EXPECT_TRUE(b.IsValid());
  Set(b, Side::kSell, "63944.0", "1");
  Set(b, Side::kSell, "63944.0", "0");
  EXPECT_TRUE(b.IsValid());
}

TEST(OrderBook, LevelAtIndexesFromTheBest) {
  OrderBook b = MakeTakeBook();
  EXPECT_EQ(b.LevelAt(Side::kBuy, 0), L("63943.9", "0.8"));
  EXPECT_EQ(b.LevelAt(Side::kBuy, 1), L("63943.5", "1.0"));
  EXPECT_EQ(b.LevelAt(Side::kBuy, 2), L("63942.0", "3.0"));
  EXPECT_FALSE(b.LevelAt(Side::kBuy, 3).has_value());
  EXPECT_EQ(b.LevelAt(Side::kSell, 0), L("63944.0", "0.5"));
  EXPECT_EQ(b.LevelAt(Side::kSell, 1), L("63944.1", "1.2"));
  EXPECT_EQ(b.LevelAt(Side::kSell, 2), L("63944.5", "2.0"));
  EXPECT_FALSE(b.LevelAt(Side::kSell, 3).has_value());
  EXPECT_FALSE(b.LevelAt(Side::kSell, std::numeric_limits<std::size_t>::max()).has_value());
  EXPECT_EQ(b.LevelAt(Side::kBuy, 0), b.BestBid());
  EXPECT_EQ(b.LevelAt(Side::kSell, 0), b.BestAsk());
}

TEST(OrderBook, QtyAtAndForEachFromBest) {
  OrderBook b = MakeTakeBook();
  EXPECT_EQ(b.QtyAt(Side::kBuy, P("63943.5")), Q("1.0"));
  EXPECT_EQ(b.QtyAt(Side::kSell, P("63944.1")), Q("1.2"));
  EXPECT_EQ(b.QtyAt(Side::kBuy, P("63944.1")), Qty::Zero());   // other side's price
  EXPECT_EQ(b.QtyAt(Side::kBuy, P("63943.55")), Qty::Zero());  // off the tick grid
  EXPECT_EQ(b.QtyAt(Side::kBuy, Price::Undefined()), Qty::Zero());
  std::vector<BookLevel> seen;
  b.ForEachFromBest(Side::kSell, [&](const BookLevel& l) {
    seen.push_back(l);
    return seen.size() < 2;
  });
  EXPECT_EQ(seen, (std::vector<BookLevel>{L("63944.0", "0.5"), L("63944.1", "1.2")}));
}

TEST(OrderBook, DepthBothOverloadsBestFirst) {
  OrderBook b = MakeTakeBook();
  const std::vector<BookLevel> bids = {L("63943.9", "0.8"), L("63943.5", "1.0"), L("63942.0", "3.0")};
  const std::vector<BookLevel> asks = {L("63944.0", "0.5"), L("63944.1", "1.2"), L("63944.5", "2.0")};
  EXPECT_TRUE(b.Depth(Side::kBuy, 0).empty());
  EXPECT_EQ(b.Depth(Side::kBuy, 1), std::vector<BookLevel>(bids.begin(), bids.begin() + 1));
  EXPECT_EQ(b.Depth(Side::kBuy, 2), std::vector<BookLevel>(bids.begin(), bids.begin() + 2));
  EXPECT_EQ(b.Depth(Side::kBuy, 3), bids);
  EXPECT_EQ(b.Depth(Side::kBuy, 100), bids);
  EXPECT_EQ(b.Depth(Side::kSell, 2), std::vector<BookLevel>(asks.begin(), asks.begin() + 2));
  EXPECT_EQ(b.Depth(Side::kSell, 100), asks);

  // Pointer overload: writes min(n, count) entries and nothing past them.
  const BookLevel sentinel = L("1", "1");
  for (Side s : {Side::kBuy, Side::kSell}) {
    const std::vector<BookLevel>& want = s == Side::kBuy ? bids : asks;
    for (std::size_t n : {0u, 1u, 2u, 3u, 5u}) {
      std::vector<BookLevel> out(6, sentinel);
      const std::size_t k = b.Depth(s, n, out.data());
      EXPECT_EQ(k, std::min<std::size_t>(n, 3)) << n;
      for (std::size_t i = 0; i < k; ++i) EXPECT_EQ(out[i], want[i]) << n << " " << i;
      for (std::size_t i = k; i < out.size(); ++i) EXPECT_EQ(out[i], sentinel) << n << " " << i;
    }
  }
  // Empty side through the pointer overload.
  OrderBook empty = MakeBook();
  BookLevel one = sentinel;
  EXPECT_EQ(empty.Depth(Side::kSell, 4, &one), 0u);
  EXPECT_EQ(one, sentinel);
}

TEST(OrderBook, MovedBookKeepsItsLevelsAndTheSourceIsIndependent) {
  OrderBook a = MakeTakeBook();
  const auto bids = All(a, Side::kBuy);
  const auto asks = All(a, Side::kSell);
  OrderBook b = std::move(a);
  EXPECT_EQ(All(b, Side::kBuy), bids);
  EXPECT_EQ(All(b, Side::kSell), asks);
  EXPECT_TRUE(b.IsValid());
  // Reusing the moved-from book (valid but unspecified state) must not
  // reach into the book it was moved to.
  a.Clear();
  Set(a, Side::kBuy, "63943.8", "7");
  Set(a, Side::kSell, "63944.2", "7");
  EXPECT_EQ(All(b, Side::kBuy), bids);
  EXPECT_EQ(All(b, Side::kSell), asks);
  OrderBook c = std::move(b);
  Set(b, Side::kBuy, "63943.8", "7");  // no Clear first
  Set(b, Side::kSell, "63944.2", "7");
  EXPECT_EQ(All(c, Side::kBuy), bids);
  EXPECT_EQ(All(c, Side::kSell), asks);
  EXPECT_EQ(c.LevelAt(Side::kBuy, 1), bids[1]);
  EXPECT_EQ(c.LevelAt(Side::kSell, 1), asks[1]);
  EXPECT_EQ(c.CumulativeQty(Side::kBuy, P("63943.5")), Q("1.8"));
  EXPECT_EQ(c.CumulativeQty(Side::kSell, P("63944.2")), Q("1.7"));
  // Move assignment over a book with levels of its own.
  OrderBook d = MakeBook();
  Set(d, Side::kBuy, "1000.0", "1");
  d = std::move(c);
  EXPECT_EQ(All(d, Side::kBuy), bids);
  Set(d, Side::kBuy, "1000.0", "2");
  EXPECT_EQ(d.LevelCount(Side::kBuy), 4u);
  EXPECT_EQ(d.LevelAt(Side::kBuy, 3), L("1000.0", "2"));
}

TEST(OrderBook, ToStringNamesEveryError) {
  EXPECT_EQ(ToString(BookError::kPriceOffTick), "PRICE_OFF_TICK");
  EXPECT_EQ(ToString(BookError::kBadPrice), "BAD_PRICE");
  EXPECT_EQ(ToString(BookError::kNegativeQty), "NEGATIVE_QTY");
  EXPECT_EQ(ToString(BookError::kDeltaBeforeSnapshot), "DELTA_BEFORE_SNAPSHOT");
  EXPECT_EQ(ToString(BookError::kSequenceGap), "SEQUENCE_GAP");
  EXPECT_EQ(ToString(BookError::kCrossed), "CROSSED");
  EXPECT_EQ(ToString(BookError::kUnparseable), "UNPARSEABLE");
  EXPECT_EQ(ToString(BookError::kBufferOverflow), "BUFFER_OVERFLOW");
  EXPECT_EQ(ToString(BookError::kStaleSnapshot), "STALE_SNAPSHOT");
}

// ---------------------------------------------------------------------------
// SetLevel at every position of books of many sizes: near and far from the
// touch, next to and across storage boundaries. Each change is undone before
// the next one, and the book is compared with the model after both.

void CheckEveryPosition(std::int64_t base_tick, std::int64_t spacing, std::size_t n, Side s, std::size_t* deep) {
  const std::int64_t tick_raw = P("0.1").raw();
  OrderBook b = MakeBook();
  Model m{tick_raw, {}, {}};
  std::vector<std::int64_t> candidates = {base_tick - 1, base_tick, base_tick + 1};
  for (std::size_t i = 1; i <= n; ++i) {
    const std::int64_t tick = base_tick + spacing * static_cast<std::int64_t>(i);
    const std::int64_t qty = 1'000'000 * static_cast<std::int64_t>(i);  // i * 0.001
    ASSERT_TRUE(b.SetLevel(s, Price::FromRaw(tick * tick_raw), Qty::FromRaw(qty)).ok());
    m.Set(s, tick, qty);
    for (std::int64_t d : {std::int64_t{-1}, std::int64_t{0}, std::int64_t{1}, spacing / 2, spacing / 2 + 1})
      candidates.push_back(tick + d);
  }
  const std::int64_t top = base_tick + spacing * (static_cast<std::int64_t>(n) + 1);
  for (std::int64_t d : {std::int64_t{-1}, std::int64_t{0}, std::int64_t{1}}) candidates.push_back(top + d);
  std::sort(candidates.begin(), candidates.end());
  candidates.erase(std::unique(candidates.begin(), candidates.end()), candidates.end());
  ASSERT_TRUE(SameBook(b, m));
  for (std::int64_t tick : candidates) {
    if (tick <= 0) continue;
    auto& ms = m.side(s);
    const std::int64_t before = ms.count(tick) != 0 ? ms[tick] : 0;
    for (std::int64_t qty : {std::int64_t{0}, std::int64_t{777'000'000}}) {
      if (m.BetterThan(s, tick) > 16) ++*deep;
      ASSERT_TRUE(b.SetLevel(s, Price::FromRaw(tick * tick_raw), Qty::FromRaw(qty)).ok());
      m.Set(s, tick, qty);
      ASSERT_TRUE(SameBook(b, m)) << "n=" << n << " spacing=" << spacing
                                  << " side=" << (s == Side::kBuy ? "bid" : "ask") << " tick=" << tick
                                  << " qty=" << qty;
      // Undo.
      ASSERT_TRUE(b.SetLevel(s, Price::FromRaw(tick * tick_raw), Qty::FromRaw(before)).ok());
      m.Set(s, tick, before);
      ASSERT_TRUE(SameBook(b, m)) << "undo: n=" << n << " spacing=" << spacing
                                  << " side=" << (s == Side::kBuy ? "bid" : "ask") << " tick=" << tick;
    }
  }
}

TEST(OrderBook, SetLevelAtEveryDepthMatchesModel) {
  std::size_t deep = 0;
  for (std::size_t n : {0u, 1u, 2u, 3u, 15u, 16u, 17u, 18u, 33u, 64u, 150u}) {
    for (Side s : {Side::kBuy, Side::kSell}) {
      // 640,000 ticks (64,000.0) is a multiple of 1,024; 639,999 is not.
      for (std::int64_t base : {std::int64_t{640'000}, std::int64_t{639'999}, std::int64_t{1'023}}) {
        for (std::int64_t spacing : {std::int64_t{1}, std::int64_t{2}, std::int64_t{700}, std::int64_t{5'000}}) {
          if (spacing >= 700 && n > 64) continue;
          CheckEveryPosition(base, spacing, n, s, &deep);
          if (::testing::Test::HasFatalFailure()) return;
        }
      }
    }
  }
  EXPECT_GT(deep, 5'000u);  // many updates far from the touch
}

TEST(OrderBook, RemovingTheBestFindsTheNextLevelHoweverFar) {
  // BTCUSDT-like: a few levels at the touch and far ones (Binance sends bids
  // at 1,000.0 with BTC at 64,000.0).
  OrderBook b = MakeBook();
  ASSERT_TRUE(b.ApplySnapshot(
                   {L("63943.9", "1"), L("63943.8", "2"), L("60000.0", "3"), L("1000.0", "4"), L("0.1", "5")},
                   {L("63944.0", "1"), L("63944.1", "2"), L("70000.0", "3"), L("100000.0", "4"), L("900000000.0", "5")})
                  .ok());
  const std::vector<const char*> bids = {"63943.9", "63943.8", "60000.0", "1000.0", "0.1"};
  const std::vector<const char*> asks = {"63944.0", "63944.1", "70000.0", "100000.0", "900000000.0"};
  for (std::size_t i = 0; i < bids.size(); ++i) {
    ASSERT_TRUE(b.BestBid().has_value()) << i;
    EXPECT_EQ(b.BestBid()->price, P(bids[i]));
    EXPECT_EQ(b.LevelCount(Side::kBuy), bids.size() - i);
    Set(b, Side::kBuy, bids[i], "0");
    ASSERT_TRUE(b.BestAsk().has_value()) << i;
    EXPECT_EQ(b.BestAsk()->price, P(asks[i]));
    EXPECT_EQ(b.LevelCount(Side::kSell), asks.size() - i);
    Set(b, Side::kSell, asks[i], "0");
  }
  EXPECT_FALSE(b.BestBid().has_value());
  EXPECT_FALSE(b.BestAsk().has_value());
  EXPECT_TRUE(b.Depth(Side::kBuy, 10).empty());
  EXPECT_TRUE(b.Depth(Side::kSell, 10).empty());
  // Levels come back after the side was emptied.
  Set(b, Side::kBuy, "1000.0", "1");
  Set(b, Side::kBuy, "63943.9", "2");
  EXPECT_EQ(All(b, Side::kBuy), (std::vector<BookLevel>{L("63943.9", "2"), L("1000.0", "1")}));
}

TEST(OrderBook, LevelsAcrossTheWholePriceRange) {
  // Tick 1e-9: ticks from 1 to ~9.2e18, far beyond any dense storage.
  OrderBook b(kBtc, P("0.000000001"));
  Model m{1, {}, {}};
  const std::vector<std::int64_t> ticks = {1,
                                           2,
                                           1'023,
                                           1'024,
                                           1'025,
                                           63'943'900'000'000,
                                           63'943'900'000'001,
                                           63'944'000'000'000,
                                           1'000'000'000'000'000'000,
                                           4'611'686'018'427'387'904,
                                           9'223'372'036'854'775'806};
  for (Side s : {Side::kBuy, Side::kSell}) {
    for (std::size_t i = 0; i < ticks.size(); ++i) {
      // Insert in a scrambled order.
      const std::int64_t t = ticks[(i * 7) % ticks.size()];
      ASSERT_TRUE(b.SetLevel(s, Price::FromRaw(t), Qty::FromRaw(static_cast<std::int64_t>(i) + 1)).ok()) << t;
      m.Set(s, t, static_cast<std::int64_t>(i) + 1);
      ASSERT_TRUE(SameBook(b, m)) << t;
    }
  }
  EXPECT_EQ(b.LevelCount(Side::kBuy), ticks.size());
  EXPECT_EQ(b.BestBid()->price, Price::Max());
  EXPECT_EQ(b.BestAsk()->price, Price::FromRaw(1));
  // Remove from the best outward, alternating sides, then from the worst.
  for (std::size_t i = 0; i < ticks.size(); ++i) {
    const std::int64_t bid_tick = ticks[ticks.size() - 1 - i];
    const std::int64_t ask_tick = ticks[i];
    ASSERT_TRUE(b.SetLevel(Side::kBuy, Price::FromRaw(bid_tick), Qty::Zero()).ok());
    m.Set(Side::kBuy, bid_tick, 0);
    ASSERT_TRUE(SameBook(b, m)) << bid_tick;
    if (i % 2 == 0) {
      ASSERT_TRUE(b.SetLevel(Side::kSell, Price::FromRaw(ask_tick), Qty::Zero()).ok());
      m.Set(Side::kSell, ask_tick, 0);
      ASSERT_TRUE(SameBook(b, m)) << ask_tick;
    }
  }
  EXPECT_EQ(b.LevelCount(Side::kBuy), 0u);
}

TEST(OrderBook, TickConversionIsExactForManyTickSizes) {
  // SetLevel accepts a price iff it is a whole multiple of the tick and then
  // reports exactly that price back; checked against integer division.
  std::mt19937_64 rng(20240718);
  const std::vector<std::int64_t> tick_raws = {1,
                                               7,
                                               10,
                                               100,
                                               1'000,
                                               10'000,
                                               100'000,
                                               1'000'000,
                                               3'000'000,
                                               10'000'000,
                                               50'000'000,
                                               100'000'000,
                                               300'000'000,
                                               500'000'000,
                                               1'000'000'000,
                                               7'000'000'000,
                                               1'000'000'000'000};
  std::size_t accepted = 0, refused = 0;
  for (std::int64_t ts : tick_raws) {
    OrderBook b(kBtc, Price::FromRaw(ts));
    std::vector<std::int64_t> raws;
    // Multiples and near-multiples at every magnitude up to the top of the
    // range, where a double estimate of raw / tick is off.
    for (std::int64_t mag = 1; mag > 0 && mag <= Price::Max().raw() / 10; mag *= 10) {
      for (int k = 0; k < 6; ++k) {
        std::int64_t q = std::uniform_int_distribution<std::int64_t>(1, std::max<std::int64_t>(1, mag / ts + 1))(rng);
        if (q > Price::Max().raw() / ts) q = Price::Max().raw() / ts;
        const std::int64_t multiple = q * ts;
        for (std::int64_t d : {std::int64_t{-1}, std::int64_t{0}, std::int64_t{1}, ts / 2}) {
          if (multiple + d > 0 && multiple <= Price::Max().raw() - d) raws.push_back(multiple + d);
        }
      }
    }
    const std::int64_t top = (Price::Max().raw() / ts) * ts;
    for (std::int64_t r : {top, top - 1, top - ts, top - ts + 1, Price::Max().raw(), std::int64_t{1}, ts, ts + 1}) {
      if (r > 0) raws.push_back(r);
    }
    for (std::int64_t r : raws) {
      auto res = b.SetLevel(Side::kBuy, Price::FromRaw(r), Q("1"));
      if (r % ts == 0) {
        ASSERT_TRUE(res.ok()) << "tick " << ts << " raw " << r << ": " << ToString(res.error());
        ASSERT_TRUE(b.BestBid().has_value());
        EXPECT_EQ(b.BestBid()->price.raw(), r) << "tick " << ts;
        EXPECT_EQ(b.LevelCount(Side::kBuy), 1u);
        ASSERT_TRUE(b.SetLevel(Side::kBuy, Price::FromRaw(r), Qty::Zero()).ok());
        EXPECT_EQ(b.LevelCount(Side::kBuy), 0u) << "tick " << ts << " raw " << r;
        ++accepted;
      } else {
        ASSERT_FALSE(res.ok()) << "tick " << ts << " raw " << r;
        EXPECT_EQ(res.error(), BookError::kPriceOffTick) << "tick " << ts << " raw " << r;
        EXPECT_EQ(b.LevelCount(Side::kBuy), 0u);
        ++refused;
      }
    }
  }
  EXPECT_GT(accepted, 500u);
  EXPECT_GT(refused, 500u);
}

// ---------------------------------------------------------------------------
// Randomized differential test against the map model.

TEST(OrderBook, RandomizedDifferentialAgainstMapModel) {
  const std::int64_t tick_raw = P("0.1").raw();
  ASSERT_EQ(tick_raw, 100'000'000);
  constexpr std::int64_t kFarBidTick = 10'000;     // 1,000.0
  constexpr std::int64_t kFarAskTick = 1'000'000;  // 100,000.0
  std::mt19937_64 rng(0x4845414E424F4F4BULL);      // fixed seed
  auto uniform = [&](std::int64_t lo, std::int64_t hi) {
    return std::uniform_int_distribution<std::int64_t>(lo, hi)(rng);
  };
  auto random_qty = [&]() -> std::int64_t {
    // Lot 0.001: mostly small, sometimes large.
    return 1'000'000 * (uniform(0, 9) == 0 ? uniform(1, 500'000) : uniform(1, 5'000));
  };

  OrderBook b = MakeBook();
  Model m{tick_raw, {}, {}};
  std::int64_t center = 640'000;  // 64,000.0

  std::size_t deep_ops = 0, shallow_ops = 0, inserts = 0, updates = 0, deletes = 0, absent_deletes = 0;
  std::size_t snapshots = 0, bad_snapshots = 0, max_levels = 0;
  constexpr int kOps = 30'000;
  for (int op = 0; op < kOps; ++op) {
    // Slow random walk of the touch.
    if (uniform(0, 19) == 0) center += uniform(-3, 3);
    const int kind = static_cast<int>(uniform(0, 999));
    if (kind < 2) {
      // Snapshot: shuffled, with duplicates and zero levels; sometimes bad.
      std::vector<BookLevel> bids, asks;
      const bool bad = uniform(0, 4) == 0;
      auto make_side = [&](Side s, std::vector<BookLevel>& out) {
        std::map<std::int64_t, std::int64_t>& ms = m.side(s);
        ms.clear();
        const std::int64_t count = uniform(0, 400);
        for (std::int64_t i = 0; i < count; ++i) {
          std::int64_t tick;
          if (uniform(0, 9) == 0) {
            tick = (s == Side::kBuy ? kFarBidTick : kFarAskTick) + uniform(0, 500);
          } else {
            tick = s == Side::kBuy ? center - 1 - uniform(0, 150) : center + 1 + uniform(0, 150);
          }
          const std::int64_t qty = uniform(0, 7) == 0 ? 0 : random_qty();
          out.push_back({Price::FromRaw(tick * tick_raw), Qty::FromRaw(qty)});
        }
        // Zero levels only at prices with no other level: a zero next to a
        // real level at the same price is its own test
        // (SnapshotZeroQtyDuplicateIsIgnoredNotADelete).
        std::map<std::int64_t, bool> has_real;
        for (const BookLevel& l : out) has_real[l.price.raw()] |= !l.qty.IsZero();
        std::erase_if(out, [&](const BookLevel& l) { return l.qty.IsZero() && has_real[l.price.raw()]; });
        std::shuffle(out.begin(), out.end(), rng);
        // Zero levels are ignored; of duplicates the last one given wins.
        for (const BookLevel& l : out) {
          if (!l.qty.IsZero()) ms[l.price.raw() / tick_raw] = l.qty.raw();
        }
      };
      make_side(Side::kBuy, bids);
      make_side(Side::kSell, asks);
      if (bad) {
        std::vector<BookLevel>& victim = uniform(0, 1) == 0 ? bids : asks;
        victim.insert(victim.begin() + uniform(0, static_cast<std::int64_t>(victim.size())),
                      BookLevel{Price::FromRaw(center * tick_raw + 50'000'000), Q("1")});  // half a tick off
        auto r = b.ApplySnapshot(bids, asks);
        ASSERT_FALSE(r.ok());
        EXPECT_EQ(r.error(), BookError::kPriceOffTick);
        EXPECT_FALSE(b.IsValid());
        EXPECT_EQ(b.invalid_reason(), BookError::kPriceOffTick);
        m.bids.clear();
        m.asks.clear();
        ++bad_snapshots;
      } else {
        auto r = b.ApplySnapshot(bids, asks);
        ASSERT_TRUE(r.ok()) << ToString(r.error());
        EXPECT_TRUE(b.IsValid());
        ++snapshots;
      }
    } else if (kind == 2) {
      b.Clear();
      m.bids.clear();
      m.asks.clear();
    } else {
      Side s = uniform(0, 1) == 0 ? Side::kBuy : Side::kSell;
      std::int64_t tick;
      std::int64_t qty;
      auto& ms = m.side(s);
      if (kind < 40 && !ms.empty()) {
        // Delete the best level: the next best may be far away.
        tick = s == Side::kBuy ? ms.rbegin()->first : ms.begin()->first;
        qty = 0;
      } else if (kind < 150 && !ms.empty()) {
        // Delete or update an existing level anywhere in the side.
        auto it = std::next(ms.begin(), uniform(0, static_cast<std::int64_t>(ms.size()) - 1));
        tick = it->first;
        qty = uniform(0, 3) == 0 ? 0 : random_qty();
      } else if (kind < 300) {
        // Far levels: bids around 1,000.0, asks around 100,000.0.
        tick = s == Side::kBuy ? kFarBidTick + uniform(0, 2'000) : kFarAskTick + uniform(0, 2'000);
        qty = uniform(0, 2) == 0 ? 0 : random_qty();
      } else {
        // Near the touch, mostly within a few ticks, sometimes ~100 deep.
        const std::int64_t off = uniform(0, 3) == 0 ? uniform(0, 120) : uniform(0, 8);
        tick = s == Side::kBuy ? center - 1 - off : center + 1 + off;
        qty = uniform(0, 4) == 0 ? 0 : random_qty();
      }
      const bool present = ms.count(tick) != 0;
      if (qty == 0) {
        ++(present ? deletes : absent_deletes);
      } else {
        ++(present ? updates : inserts);
      }
      if (m.BetterThan(s, tick) > 16) {
        ++deep_ops;
      } else {
        ++shallow_ops;
      }
      auto r = b.SetLevel(s, Price::FromRaw(tick * tick_raw), Qty::FromRaw(qty));
      ASSERT_TRUE(r.ok()) << ToString(r.error());
      m.Set(s, tick, qty);
    }
    ASSERT_TRUE(SameBook(b, m)) << "after op " << op;
    max_levels = std::max({max_levels, m.bids.size(), m.asks.size()});
  }
  // Every kind of operation happened often enough to mean something.
  EXPECT_GT(deep_ops, 3'000u);
  EXPECT_GT(shallow_ops, 3'000u);
  EXPECT_GT(inserts, 1'000u);
  EXPECT_GT(updates, 1'000u);
  EXPECT_GT(deletes, 1'000u);
  EXPECT_GT(absent_deletes, 500u);
  EXPECT_GT(snapshots, 20u);
  EXPECT_GT(bad_snapshots, 3u);
  EXPECT_GT(max_levels, 150u);  // deep books, far levels included
}

TEST(OrderBook, RandomizedDifferentialAcrossTheWholePriceRange) {
  // Tick 0.01 and levels in clusters from 0.01 to ~9.2e9: tick indexes far
  // apart (up to ~9.2e11), so storage has to cope with sparse, huge ranges.
  const std::int64_t tick_raw = P("0.01").raw();
  const std::int64_t max_tick = Price::Max().raw() / tick_raw;
  const std::vector<std::int64_t> centers = {
      1, 100, 6'394'390, 6'400'000, 100'000'000, 1'000'000'000, 67'000'000'000, 500'000'000'000, max_tick - 3'000};
  std::mt19937_64 rng(0x5749444552414E47ULL);
  auto uniform = [&](std::int64_t lo, std::int64_t hi) {
    return std::uniform_int_distribution<std::int64_t>(lo, hi)(rng);
  };
  OrderBook b(kBtc, P("0.01"));
  Model m{tick_raw, {}, {}};
  constexpr int kOps = 20'000;
  std::size_t deletes = 0;
  for (int op = 0; op < kOps; ++op) {
    const Side s = uniform(0, 1) == 0 ? Side::kBuy : Side::kSell;
    auto& ms = m.side(s);
    std::int64_t tick;
    std::int64_t qty;
    const std::int64_t kind = uniform(0, 99);
    if (kind == 0) {
      b.Clear();
      m.bids.clear();
      m.asks.clear();
      ASSERT_TRUE(SameBook(b, m)) << "after clear at op " << op;
      continue;
    }
    if (kind < 25 && !ms.empty()) {
      // Remove the best or any level.
      auto it = uniform(0, 1) == 0 ? (s == Side::kBuy ? std::prev(ms.end()) : ms.begin())
                                   : std::next(ms.begin(), uniform(0, static_cast<std::int64_t>(ms.size()) - 1));
      tick = it->first;
      qty = 0;
    } else {
      const std::int64_t c =
          centers[static_cast<std::size_t>(uniform(0, static_cast<std::int64_t>(centers.size()) - 1))];
      // Mostly close to the cluster centre, sometimes a few pages away.
      tick = c + (uniform(0, 3) == 0 ? uniform(-5'000, 5'000) : uniform(-40, 40));
      tick = std::clamp<std::int64_t>(tick, 1, max_tick);
      qty = uniform(0, 5) == 0 ? 0 : 1'000'000 * uniform(1, 10'000);
    }
    if (qty == 0 && ms.count(tick) != 0) ++deletes;
    auto r = b.SetLevel(s, Price::FromRaw(tick * tick_raw), Qty::FromRaw(qty));
    ASSERT_TRUE(r.ok()) << ToString(r.error()) << " tick " << tick;
    m.Set(s, tick, qty);
    ASSERT_TRUE(SameBook(b, m)) << "after op " << op << " tick " << tick << " qty " << qty;
  }
  EXPECT_GT(deletes, 1'000u);
  EXPECT_GT(m.bids.size() + m.asks.size(), 50u);
}

// ---------------------------------------------------------------------------
// ApplySnapshot.

TEST(OrderBook, SnapshotAcceptsLevelsInAnyOrder) {
  OrderBook b = MakeBook();
  auto r = b.ApplySnapshot({L("63943.5", "1"), L("63943.9", "2"), L("1000.0", "3"), L("63943.7", "4")},
                           {L("63944.3", "5"), L("63944.0", "6"), L("100000.0", "7"), L("63944.1", "8")});
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(b.IsValid());
  EXPECT_EQ(All(b, Side::kBuy),
            (std::vector<BookLevel>{L("63943.9", "2"), L("63943.7", "4"), L("63943.5", "1"), L("1000.0", "3")}));
  EXPECT_EQ(All(b, Side::kSell),
            (std::vector<BookLevel>{L("63944.0", "6"), L("63944.1", "8"), L("63944.3", "5"), L("100000.0", "7")}));
}

TEST(OrderBook, SnapshotOfSortedLevelsKeepsThemAll) {
  // Exchange order: best first.
  OrderBook b = MakeBook();
  const std::vector<BookLevel> bids = {L("63943.9", "1.234"), L("63943.8", "0.5"), L("63943.0", "2")};
  const std::vector<BookLevel> asks = {L("63944.0", "0.001"), L("63944.1", "3"), L("63950.0", "10")};
  ASSERT_TRUE(b.ApplySnapshot(bids, asks).ok());
  EXPECT_EQ(All(b, Side::kBuy), bids);
  EXPECT_EQ(All(b, Side::kSell), asks);
  // Worst first too.
  OrderBook c = MakeBook();
  ASSERT_TRUE(c.ApplySnapshot(std::vector<BookLevel>(bids.rbegin(), bids.rend()),
                              std::vector<BookLevel>(asks.rbegin(), asks.rend()))
                  .ok());
  EXPECT_EQ(All(c, Side::kBuy), bids);
  EXPECT_EQ(All(c, Side::kSell), asks);
}

TEST(OrderBook, SnapshotIgnoresZeroQtyLevels) {
  OrderBook b = MakeBook();
  ASSERT_TRUE(b.ApplySnapshot({L("63943.9", "0"), L("63943.8", "1"), L("63943.7", "0.000")},
                              {L("63944.0", "0"), L("63944.1", "2")})
                  .ok());
  EXPECT_EQ(All(b, Side::kBuy), (std::vector<BookLevel>{L("63943.8", "1")}));
  EXPECT_EQ(All(b, Side::kSell), (std::vector<BookLevel>{L("63944.1", "2")}));
  // A side of only zeros is empty.
  ASSERT_TRUE(b.ApplySnapshot({L("63943.9", "0")}, {L("63944.0", "0")}).ok());
  EXPECT_EQ(b.LevelCount(Side::kBuy), 0u);
  EXPECT_EQ(b.LevelCount(Side::kSell), 0u);
  EXPECT_TRUE(b.IsValid());
}

TEST(OrderBook, SnapshotDuplicatePricesLastGivenWins) {
  OrderBook b = MakeBook();
  ASSERT_TRUE(b.ApplySnapshot({L("63943.9", "1"), L("63943.8", "2"), L("63943.9", "3"), L("63943.9", "4"),
                               L("63943.7", "5"), L("63943.8", "6")},
                              {L("63944.1", "7"), L("63944.0", "8"), L("63944.1", "9")})
                  .ok());
  EXPECT_EQ(All(b, Side::kBuy), (std::vector<BookLevel>{L("63943.9", "4"), L("63943.8", "6"), L("63943.7", "5")}));
  EXPECT_EQ(All(b, Side::kSell), (std::vector<BookLevel>{L("63944.0", "8"), L("63944.1", "9")}));
}

TEST(OrderBook, SnapshotZeroQtyDuplicateIsIgnoredNotADelete) {
  // Zero-qty levels are ignored, so a zero after a real level does not
  // remove it, and a real level after a zero stands.
  OrderBook b = MakeBook();
  ASSERT_TRUE(b.ApplySnapshot({L("63943.9", "1"), L("63943.9", "0")}, {L("63944.0", "0"), L("63944.0", "2")}).ok());
  EXPECT_EQ(All(b, Side::kBuy), (std::vector<BookLevel>{L("63943.9", "1")}));
  EXPECT_EQ(All(b, Side::kSell), (std::vector<BookLevel>{L("63944.0", "2")}));
}

TEST(OrderBook, SnapshotReplacesEveryPreviousLevel) {
  OrderBook b = MakeTakeBook();
  Set(b, Side::kBuy, "1000.0", "50");
  ASSERT_TRUE(b.ApplySnapshot({L("63900.0", "1")}, {L("64000.0", "2")}).ok());
  EXPECT_EQ(All(b, Side::kBuy), (std::vector<BookLevel>{L("63900.0", "1")}));
  EXPECT_EQ(All(b, Side::kSell), (std::vector<BookLevel>{L("64000.0", "2")}));
  ASSERT_TRUE(b.ApplySnapshot({}, {}).ok());
  EXPECT_EQ(b.LevelCount(Side::kBuy), 0u);
  EXPECT_EQ(b.LevelCount(Side::kSell), 0u);
  EXPECT_TRUE(b.IsValid());
}

TEST(OrderBook, SnapshotOffTickPriceClearsAndInvalidates) {
  for (bool in_bids : {true, false}) {
    OrderBook b = MakeTakeBook();
    ASSERT_TRUE(b.IsValid());
    std::vector<BookLevel> bids = {L("63943.9", "1"), L("63943.8", "1")};
    std::vector<BookLevel> asks = {L("63944.0", "1"), L("63944.1", "1")};
    (in_bids ? bids : asks).push_back(L("63943.95", "1"));
    auto r = b.ApplySnapshot(bids, asks);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error(), BookError::kPriceOffTick);
    EXPECT_FALSE(b.IsValid());
    EXPECT_EQ(b.invalid_reason(), BookError::kPriceOffTick);
    EXPECT_EQ(b.LevelCount(Side::kBuy), 0u) << in_bids;
    EXPECT_EQ(b.LevelCount(Side::kSell), 0u) << in_bids;
  }
  // One raw unit (1e-9) off the tick.
  OrderBook b = MakeBook();
  auto r = b.ApplySnapshot({BookLevel{Price::FromRaw(P("63943.9").raw() + 1), Q("1")}}, {});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error(), BookError::kPriceOffTick);
}

TEST(OrderBook, SnapshotNegativeQtyClearsAndInvalidates) {
  for (bool in_bids : {true, false}) {
    OrderBook b = MakeTakeBook();
    std::vector<BookLevel> bids = {L("63943.9", "1")};
    std::vector<BookLevel> asks = {L("63944.0", "1")};
    (in_bids ? bids : asks).push_back(BookLevel{P(in_bids ? "63943.0" : "63945.0"), -Q("0.001")});
    auto r = b.ApplySnapshot(bids, asks);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error(), BookError::kNegativeQty);
    EXPECT_FALSE(b.IsValid());
    EXPECT_EQ(b.invalid_reason(), BookError::kNegativeQty);
    EXPECT_EQ(b.LevelCount(Side::kBuy), 0u);
    EXPECT_EQ(b.LevelCount(Side::kSell), 0u);
  }
}

TEST(OrderBook, SnapshotBadPriceClearsAndInvalidates) {
  for (Price bad : {Price::Undefined(), Price::Zero(), P("-0.1"), P("-63943.9")}) {
    for (bool in_bids : {true, false}) {
      OrderBook b = MakeTakeBook();
      std::vector<BookLevel> bids = {L("63943.9", "1")};
      std::vector<BookLevel> asks = {L("63944.0", "1")};
      (in_bids ? bids : asks).insert((in_bids ? bids : asks).begin(), BookLevel{bad, Q("1")});
      auto r = b.ApplySnapshot(bids, asks);
      ASSERT_FALSE(r.ok());
      EXPECT_EQ(r.error(), BookError::kBadPrice) << bad.raw();
      EXPECT_FALSE(b.IsValid());
      EXPECT_EQ(b.invalid_reason(), BookError::kBadPrice);
      EXPECT_EQ(b.LevelCount(Side::kBuy), 0u);
      EXPECT_EQ(b.LevelCount(Side::kSell), 0u);
    }
  }
}

TEST(OrderBook, GoodSnapshotAfterBadOneMakesBookValid) {
  OrderBook b = MakeBook();
  ASSERT_FALSE(b.ApplySnapshot({L("63943.95", "1")}, {}).ok());
  EXPECT_FALSE(b.IsValid());
  ASSERT_TRUE(b.ApplySnapshot({L("63943.9", "1")}, {L("63944.0", "2")}).ok());
  EXPECT_TRUE(b.IsValid());
  EXPECT_EQ(b.BestBid(), L("63943.9", "1"));
  EXPECT_EQ(b.BestAsk(), L("63944.0", "2"));
}

TEST(OrderBook, InvalidateKeepsLevelsAndReasonUntilSnapshot) {
  OrderBook b = MakeTakeBook();
  ASSERT_TRUE(b.IsValid());
  b.Invalidate(BookError::kSequenceGap);
  EXPECT_FALSE(b.IsValid());
  EXPECT_EQ(b.invalid_reason(), BookError::kSequenceGap);
  EXPECT_EQ(b.LevelCount(Side::kBuy), 3u);  // kept for inspection
  EXPECT_EQ(b.LevelCount(Side::kSell), 3u);
  EXPECT_EQ(b.BestBid(), L("63943.9", "0.8"));
  b.Invalidate(BookError::kCrossed);
  EXPECT_EQ(b.invalid_reason(), BookError::kCrossed);
  b.MarkValid();
  EXPECT_TRUE(b.IsValid());
  EXPECT_EQ(b.LevelCount(Side::kBuy), 3u);
  b.Invalidate(BookError::kBufferOverflow);
  ASSERT_TRUE(b.ApplySnapshot({L("63943.9", "1")}, {}).ok());
  EXPECT_TRUE(b.IsValid());
}

TEST(OrderBook, ClearEmptiesBothSides) {
  OrderBook b = MakeTakeBook();
  b.Clear();
  EXPECT_EQ(b.LevelCount(Side::kBuy), 0u);
  EXPECT_EQ(b.LevelCount(Side::kSell), 0u);
  EXPECT_FALSE(b.Mid().has_value());
}

TEST(OrderBook, ChangesCountsEveryChangeAndNoRefusal) {
  OrderBook b = MakeBook();
  std::uint64_t c = b.changes();
  auto expect_step = [&](const char* what) {
    EXPECT_GT(b.changes(), c) << what;
    c = b.changes();
  };
  ASSERT_TRUE(b.SetLevel(Side::kBuy, P("100.0"), Q("1")).ok());
  expect_step("insert");
  ASSERT_TRUE(b.SetLevel(Side::kBuy, P("100.0"), Q("1")).ok());
  expect_step("the same qty set again");
  ASSERT_TRUE(b.SetLevel(Side::kSell, P("100.1"), Q("0")).ok());
  expect_step("removal of an absent level");
  b.Invalidate(BookError::kCrossed);
  expect_step("invalidate");
  b.MarkValid();
  expect_step("mark valid");
  ASSERT_TRUE(b.ApplySnapshot({{P("99.9"), Q("2")}}, {{P("100.2"), Q("3")}}).ok());
  expect_step("snapshot");
  b.Clear();
  expect_step("clear");

  // Refused updates change nothing, so they leave the count.
  EXPECT_FALSE(b.SetLevel(Side::kBuy, P("100.05"), Q("1")).ok());
  EXPECT_FALSE(b.SetLevel(Side::kBuy, P("100.0"), Qty::FromRaw(-1'000'000)).ok());
  EXPECT_EQ(b.changes(), c);
  // Reads leave it too.
  (void)b.Mid();
  (void)b.TotalQty(Side::kBuy, 5);
  EXPECT_EQ(b.changes(), c);

  // Two books never show the same count, even after the same changes.
  OrderBook x = MakeBook();
  OrderBook y = MakeBook();
  EXPECT_NE(x.changes(), y.changes());
  ASSERT_TRUE(x.SetLevel(Side::kBuy, P("100.0"), Q("1")).ok());
  ASSERT_TRUE(y.SetLevel(Side::kBuy, P("100.0"), Q("1")).ok());
  EXPECT_NE(x.changes(), y.changes());
}

// ---------------------------------------------------------------------------
// SetLevel errors leave the book unchanged.

void ExpectSetLevelRefused(Side s, Price px, Qty qty, BookError want) {
  for (bool valid : {true, false}) {
    OrderBook b = MakeTakeBook();
    if (!valid) b.Invalidate(BookError::kSequenceGap);
    const auto bids = All(b, Side::kBuy);
    const auto asks = All(b, Side::kSell);
    auto r = b.SetLevel(s, px, qty);
    ASSERT_FALSE(r.ok()) << px.raw();
    EXPECT_EQ(r.error(), want) << px.raw();
    EXPECT_EQ(All(b, Side::kBuy), bids);
    EXPECT_EQ(All(b, Side::kSell), asks);
    EXPECT_EQ(b.IsValid(), valid);
    if (!valid) {
      EXPECT_EQ(b.invalid_reason(), BookError::kSequenceGap);
    }
  }
}

TEST(OrderBook, SetLevelOffTickIsRefusedAndBookUnchanged) {
  for (Side s : {Side::kBuy, Side::kSell}) {
    ExpectSetLevelRefused(s, P("63943.95"), Q("1"), BookError::kPriceOffTick);
    ExpectSetLevelRefused(s, P("63943.95"), Q("0"), BookError::kPriceOffTick);
    ExpectSetLevelRefused(s, P("0.05"), Q("1"), BookError::kPriceOffTick);
    ExpectSetLevelRefused(s, Price::FromRaw(P("63943.9").raw() + 1), Q("1"), BookError::kPriceOffTick);
    ExpectSetLevelRefused(s, Price::FromRaw(P("63944.0").raw() - 1), Q("0"), BookError::kPriceOffTick);
  }
}

TEST(OrderBook, SetLevelBadPriceIsRefusedAndBookUnchanged) {
  for (Side s : {Side::kBuy, Side::kSell}) {
    ExpectSetLevelRefused(s, Price::Undefined(), Q("1"), BookError::kBadPrice);
    ExpectSetLevelRefused(s, Price::Zero(), Q("1"), BookError::kBadPrice);
    ExpectSetLevelRefused(s, Price::Zero(), Q("0"), BookError::kBadPrice);
    ExpectSetLevelRefused(s, P("-0.1"), Q("1"), BookError::kBadPrice);
    ExpectSetLevelRefused(s, P("-63943.9"), Q("0"), BookError::kBadPrice);
  }
}

TEST(OrderBook, SetLevelNegativeQtyIsRefusedAndBookUnchanged) {
  for (Side s : {Side::kBuy, Side::kSell}) {
    // Existing levels (must not be deleted or changed) and absent ones.
    for (const char* px : {"63943.9", "63943.5", "63944.0", "63944.5", "63943.0", "63950.0"}) {
      ExpectSetLevelRefused(s, P(px), -Q("0.001"), BookError::kNegativeQty);
      ExpectSetLevelRefused(s, P(px), Qty::FromRaw(-1), BookError::kNegativeQty);
    }
  }
}

// ---------------------------------------------------------------------------
// Touch-derived values.

TEST(OrderBook, IsCrossed) {
  OrderBook b = MakeBook();
  Set(b, Side::kBuy, "63943.9", "1");
  EXPECT_FALSE(b.IsCrossed());  // one side only
  Set(b, Side::kSell, "63944.0", "1");
  EXPECT_FALSE(b.IsCrossed());
  Set(b, Side::kBuy, "63944.0", "1");  // locked: bid == ask counts
  EXPECT_TRUE(b.IsCrossed());
  Set(b, Side::kBuy, "63944.1", "1");
  EXPECT_TRUE(b.IsCrossed());
  Set(b, Side::kBuy, "63944.1", "0");
  Set(b, Side::kBuy, "63944.0", "0");
  EXPECT_FALSE(b.IsCrossed());
  Set(b, Side::kBuy, "63943.9", "0");
  Set(b, Side::kSell, "63900.0", "1");  // asks only, however low
  EXPECT_FALSE(b.IsCrossed());
}

TEST(OrderBook, SpreadAndSpreadBps) {
  OrderBook b = MakeBook();
  ASSERT_TRUE(b.ApplySnapshot({L("63943.9", "1"), L("63943.0", "1")}, {L("63944.0", "1"), L("63945.0", "1")}).ok());
  ASSERT_TRUE(b.Spread().has_value());
  EXPECT_EQ(b.Spread(), P("0.1"));
  ASSERT_TRUE(b.SpreadBps().has_value());
  // 0.1 / 63943.95 * 1e4 = 0.015638697...
  EXPECT_NEAR(b.SpreadBps().value_or(kNaN), 0.1 / 63943.95 * 1e4, 1e-12);
  EXPECT_NEAR(b.SpreadBps().value_or(kNaN), 0.0156386961, 1e-9);

  ASSERT_TRUE(b.ApplySnapshot({L("63940.0", "1")}, {L("63950.0", "1")}).ok());
  EXPECT_EQ(b.Spread(), P("10"));
  EXPECT_NEAR(b.SpreadBps().value_or(kNaN), 10.0 / 63945.0 * 1e4, 1e-12);  // 1.5638439...
  EXPECT_NEAR(b.SpreadBps().value_or(kNaN), 1.56384393, 1e-7);

  // Crossed book: negative spread.
  ASSERT_TRUE(b.ApplySnapshot({L("63944.1", "1")}, {L("63944.0", "1")}).ok());
  EXPECT_EQ(b.Spread(), P("-0.1"));
  EXPECT_LT(b.SpreadBps().value_or(kNaN), 0.0);
  // Locked book: zero.
  ASSERT_TRUE(b.ApplySnapshot({L("63944.0", "1")}, {L("63944.0", "1")}).ok());
  EXPECT_EQ(b.Spread(), Price::Zero());
  EXPECT_EQ(b.SpreadBps(), 0.0);
}

TEST(OrderBook, MidIsExactOnTickMultiples) {
  OrderBook b = MakeBook();
  ASSERT_TRUE(b.ApplySnapshot({L("63943.9", "1")}, {L("63944.0", "1")}).ok());
  ASSERT_TRUE(b.Mid().has_value());
  EXPECT_EQ(b.Mid(), P("63943.95"));
  ASSERT_TRUE(b.ApplySnapshot({L("63943.8", "1")}, {L("63944.0", "1")}).ok());
  EXPECT_EQ(b.Mid(), P("63943.9"));
  ASSERT_TRUE(b.ApplySnapshot({L("0.1", "1")}, {L("100000.0", "1")}).ok());
  EXPECT_EQ(b.Mid(), P("50000.05"));
}

TEST(OrderBook, MidRoundsHalfAwayFromZeroAtOneNano) {
  OrderBook b(kBtc, P("0.000000001"));
  ASSERT_TRUE(b.SetLevel(Side::kBuy, Price::FromRaw(1), Q("1")).ok());
  ASSERT_TRUE(b.SetLevel(Side::kSell, Price::FromRaw(2), Q("1")).ok());
  ASSERT_TRUE(b.Mid().has_value());
  EXPECT_EQ(b.Mid().value_or(Price::Undefined()).raw(), 2);  // 1.5 raw units -> 2
  ASSERT_TRUE(b.ApplySnapshot({BookLevel{Price::FromRaw(3), Q("1")}}, {BookLevel{Price::FromRaw(6), Q("1")}}).ok());
  EXPECT_EQ(b.Mid().value_or(Price::Undefined()).raw(), 5);  // 4.5 -> 5
  ASSERT_TRUE(b.ApplySnapshot({L("63943.900000001", "1")}, {L("63943.900000002", "1")}).ok());
  EXPECT_EQ(b.Mid(), P("63943.900000002"));
  ASSERT_TRUE(b.ApplySnapshot({L("63943.900000001", "1")}, {L("63943.900000003", "1")}).ok());
  EXPECT_EQ(b.Mid(), P("63943.900000002"));
}

TEST(OrderBook, MidOfCrossedBookRoundsHalfAwayFromZero) {
  // A book can be crossed between the levels of one message; Mid is still
  // (bid + ask) / 2 rounded half away from zero, whichever side is higher.
  OrderBook b(kBtc, P("0.000000001"));
  ASSERT_TRUE(b.ApplySnapshot({BookLevel{Price::FromRaw(2), Q("1")}}, {BookLevel{Price::FromRaw(1), Q("1")}}).ok());
  EXPECT_EQ(b.Mid(), Price::FromRaw(2));  // 1.5 -> 2
  ASSERT_TRUE(b.ApplySnapshot({L("63943.900000002", "1")}, {L("63943.900000001", "1")}).ok());
  EXPECT_EQ(b.Mid(), P("63943.900000002"));
  // Swapping the prices of the two sides does not move the mid.
  std::mt19937_64 rng(7);
  int mismatches = 0;
  std::string first;
  for (int i = 0; i < 200; ++i) {
    const std::int64_t x = std::uniform_int_distribution<std::int64_t>(1, 100'000'000'000'000)(rng);
    const std::int64_t y = x + std::uniform_int_distribution<std::int64_t>(1, 1'000)(rng);
    ASSERT_TRUE(b.ApplySnapshot({BookLevel{Price::FromRaw(x), Q("1")}}, {BookLevel{Price::FromRaw(y), Q("1")}}).ok());
    const std::optional<Price> normal = b.Mid();
    ASSERT_TRUE(b.ApplySnapshot({BookLevel{Price::FromRaw(y), Q("1")}}, {BookLevel{Price::FromRaw(x), Q("1")}}).ok());
    const std::optional<Price> crossed = b.Mid();
    const std::int64_t sum = x + y;
    EXPECT_EQ(normal, Price::FromRaw(sum / 2 + sum % 2)) << x << " " << y;
    if (crossed != normal) {
      if (mismatches++ == 0) {
        first = "bid " + Price::FromRaw(y).ToString() + " ask " + Price::FromRaw(x).ToString() + ": mid " +
                (crossed ? crossed->ToString() : std::string("nullopt")) + ", uncrossed " +
                (normal ? normal->ToString() : std::string("nullopt"));
      }
    }
  }
  EXPECT_EQ(mismatches, 0) << "first: " << first;
}

TEST(OrderBook, MidDoesNotOverflowNearTheTopOfThePriceRange) {
  // Both prices are valid (Price spans +-9,223,372,036.85), but their raw
  // sum does not fit in int64.
  OrderBook b(kBtc, P("1"));
  ASSERT_TRUE(b.ApplySnapshot({L("5000000000", "1")}, {L("5000000001", "1")}).ok());
  ASSERT_TRUE(b.Mid().has_value());
  EXPECT_EQ(b.Mid(), P("5000000000.5"));
}

TEST(OrderBook, MicropriceHandComputed) {
  OrderBook b = MakeBook();
  // (bid * ask_qty + ask * bid_qty) / (bid_qty + ask_qty)
  // = (63943.9 * 1 + 63944.0 * 3) / 4 = 63943.975: a heavy bid leans up.
  ASSERT_TRUE(b.ApplySnapshot({L("63943.9", "3")}, {L("63944.0", "1")}).ok());
  ASSERT_TRUE(b.Microprice().has_value());
  EXPECT_NEAR(b.Microprice().value_or(kNaN), 63943.975, 1e-7);
  // (63943.9 * 0.003 + 63944.0 * 0.001) / 0.004 = 63943.925
  ASSERT_TRUE(b.ApplySnapshot({L("63943.9", "0.001")}, {L("63944.0", "0.003")}).ok());
  EXPECT_NEAR(b.Microprice().value_or(kNaN), 63943.925, 1e-7);
  // Equal sizes: the mid.
  ASSERT_TRUE(b.ApplySnapshot({L("63943.9", "2.5"), L("63900.0", "100")}, {L("63944.0", "2.5")}).ok());
  EXPECT_NEAR(b.Microprice().value_or(kNaN), 63943.95, 1e-7);
  // Wider: (63940 * 9 + 63950 * 1) / 10 = 63941.
  ASSERT_TRUE(b.ApplySnapshot({L("63940.0", "1")}, {L("63950.0", "9")}).ok());
  EXPECT_NEAR(b.Microprice().value_or(kNaN), 63941.0, 1e-7);
}

TEST(OrderBook, TouchValuesNulloptWithOneSideEmpty) {
  for (bool bids_only : {true, false}) {
    OrderBook b = MakeBook();
    if (bids_only) {
      ASSERT_TRUE(b.ApplySnapshot({L("63943.9", "1")}, {}).ok());
    } else {
      ASSERT_TRUE(b.ApplySnapshot({}, {L("63944.0", "1")}).ok());
    }
    EXPECT_FALSE(b.Spread().has_value());
    EXPECT_FALSE(b.SpreadBps().has_value());
    EXPECT_FALSE(b.Mid().has_value());
    EXPECT_FALSE(b.Microprice().has_value());
    EXPECT_FALSE(b.IsCrossed());
  }
}

// ---------------------------------------------------------------------------
// Aggregates.

TEST(OrderBook, CumulativeQtyBidsOnAndBetweenTicks) {
  OrderBook b = MakeBook();
  ASSERT_TRUE(b.ApplySnapshot({L("63943.9", "1"), L("63943.8", "2"), L("63943.5", "4"), L("1000.0", "100")},
                              {L("63944.0", "50")})
                  .ok());
  const auto cum = [&](std::string_view limit) { return b.CumulativeQty(Side::kBuy, P(limit)); };
  EXPECT_EQ(cum("63950.0"), Q("0"));
  EXPECT_EQ(cum("63944.0"), Q("0"));
  EXPECT_EQ(cum("63943.95"), Q("0"));
  EXPECT_EQ(cum("63943.900000001"), Q("0"));
  EXPECT_EQ(cum("63943.9"), Q("1"));  // on a tick: inclusive
  EXPECT_EQ(cum("63943.899999999"), Q("1"));
  EXPECT_EQ(cum("63943.85"), Q("1"));
  EXPECT_EQ(cum("63943.800000001"), Q("1"));
  EXPECT_EQ(cum("63943.8"), Q("3"));
  EXPECT_EQ(cum("63943.79"), Q("3"));
  EXPECT_EQ(cum("63943.6"), Q("3"));
  EXPECT_EQ(cum("63943.5"), Q("7"));
  EXPECT_EQ(cum("1000.05"), Q("7"));
  EXPECT_EQ(cum("1000.0"), Q("107"));
  EXPECT_EQ(cum("999.95"), Q("107"));
  EXPECT_EQ(cum("0.000000001"), Q("107"));
}

TEST(OrderBook, CumulativeQtyAsksOnAndBetweenTicks) {
  OrderBook b = MakeBook();
  ASSERT_TRUE(b.ApplySnapshot({L("63943.9", "50")},
                              {L("63944.0", "1.5"), L("63944.1", "0.5"), L("63945.0", "2"), L("100000.0", "50")})
                  .ok());
  const auto cum = [&](std::string_view limit) { return b.CumulativeQty(Side::kSell, P(limit)); };
  EXPECT_EQ(cum("63900.0"), Q("0"));
  EXPECT_EQ(cum("63943.99"), Q("0"));
  EXPECT_EQ(cum("63943.999999999"), Q("0"));
  EXPECT_EQ(cum("63944.0"), Q("1.5"));  // on a tick: inclusive
  EXPECT_EQ(cum("63944.000000001"), Q("1.5"));
  EXPECT_EQ(cum("63944.05"), Q("1.5"));
  EXPECT_EQ(cum("63944.099999999"), Q("1.5"));
  EXPECT_EQ(cum("63944.1"), Q("2"));
  EXPECT_EQ(cum("63944.15"), Q("2"));
  EXPECT_EQ(cum("63944.9"), Q("2"));
  EXPECT_EQ(cum("63945.0"), Q("4"));
  EXPECT_EQ(cum("99999.95"), Q("4"));
  EXPECT_EQ(cum("100000.0"), Q("54"));
  EXPECT_EQ(cum("1000000.0"), Q("54"));
}

TEST(OrderBook, TotalQtyOverBestLevels) {
  OrderBook b = MakeTakeBook();
  EXPECT_EQ(b.TotalQty(Side::kBuy, 0), Q("0"));
  EXPECT_EQ(b.TotalQty(Side::kBuy, 1), Q("0.8"));
  EXPECT_EQ(b.TotalQty(Side::kBuy, 2), Q("1.8"));
  EXPECT_EQ(b.TotalQty(Side::kBuy, 3), Q("4.8"));
  EXPECT_EQ(b.TotalQty(Side::kBuy, 1000), Q("4.8"));
  EXPECT_EQ(b.TotalQty(Side::kSell, 1), Q("0.5"));
  EXPECT_EQ(b.TotalQty(Side::kSell, 2), Q("1.7"));
  EXPECT_EQ(b.TotalQty(Side::kSell, 3), Q("3.7"));
  EXPECT_EQ(b.TotalQty(Side::kSell, std::numeric_limits<std::size_t>::max()), Q("3.7"));
}

TEST(OrderBook, ImbalanceHandComputed) {
  OrderBook b = MakeBook();
  EXPECT_EQ(b.Imbalance(1), 0.0);  // empty
  EXPECT_EQ(b.Imbalance(0), 0.0);
  ASSERT_TRUE(b.ApplySnapshot({L("63943.9", "3"), L("63943.8", "2")}, {L("63944.0", "1"), L("63944.1", "4")}).ok());
  EXPECT_DOUBLE_EQ(b.Imbalance(1), 0.5);  // (3 - 1) / (3 + 1)
  EXPECT_DOUBLE_EQ(b.Imbalance(2), 0.0);  // (5 - 5) / 10
  EXPECT_DOUBLE_EQ(b.Imbalance(9), 0.0);
  EXPECT_EQ(b.Imbalance(0), 0.0);
  ASSERT_TRUE(b.ApplySnapshot({L("63943.9", "1")}, {L("63944.0", "3"), L("63944.1", "4")}).ok());
  EXPECT_DOUBLE_EQ(b.Imbalance(1), -0.5);        // (1 - 3) / 4
  EXPECT_DOUBLE_EQ(b.Imbalance(2), -6.0 / 8.0);  // (1 - 7) / 8
  ASSERT_TRUE(b.ApplySnapshot({L("63943.9", "0.001")}, {L("63944.0", "0.003")}).ok());
  EXPECT_DOUBLE_EQ(b.Imbalance(1), -0.5);
  ASSERT_TRUE(b.ApplySnapshot({L("63943.9", "2")}, {}).ok());
  EXPECT_DOUBLE_EQ(b.Imbalance(5), 1.0);
  ASSERT_TRUE(b.ApplySnapshot({}, {L("63944.0", "2")}).ok());
  EXPECT_DOUBLE_EQ(b.Imbalance(5), -1.0);
}

// ---------------------------------------------------------------------------
// Take.

TEST(OrderBook, TakeBuyWithinBestAsk) {
  const OrderBook b = MakeTakeBook();
  const TakeResult r = b.Take(Side::kBuy, Q("0.3"));
  EXPECT_EQ(r.filled, Q("0.3"));
  EXPECT_EQ(r.cost, N("19183.2"));  // 63944.0 * 0.3
  EXPECT_EQ(r.average_price, P("63944.0"));
  EXPECT_EQ(r.worst_price, P("63944.0"));
  EXPECT_TRUE(r.complete);
  // (63944.0 - 63943.95) / 63943.95 * 1e4 = 0.0078193...
  EXPECT_GT(r.slippage_bps, 0.0);
  EXPECT_NEAR(r.slippage_bps, 0.05 / 63943.95 * 1e4, 1e-9);
}

TEST(OrderBook, TakeBuyExactlyOneLevelDoesNotTouchTheNext) {
  const OrderBook b = MakeTakeBook();
  const TakeResult r = b.Take(Side::kBuy, Q("0.5"));
  EXPECT_EQ(r.filled, Q("0.5"));
  EXPECT_EQ(r.cost, N("31972"));
  EXPECT_EQ(r.average_price, P("63944.0"));
  EXPECT_EQ(r.worst_price, P("63944.0"));
  EXPECT_TRUE(r.complete);
}

TEST(OrderBook, TakeBuyWalksAsks) {
  const OrderBook b = MakeTakeBook();
  {
    // 0.5 @ 63944.0 + 0.5 @ 63944.1 = 31972 + 31972.05.
    const TakeResult r = b.Take(Side::kBuy, Q("1.0"));
    EXPECT_EQ(r.filled, Q("1"));
    EXPECT_EQ(r.cost, N("63944.05"));
    EXPECT_EQ(r.average_price, P("63944.05"));
    EXPECT_EQ(r.worst_price, P("63944.1"));
    EXPECT_TRUE(r.complete);
    EXPECT_NEAR(r.slippage_bps, 0.1 / 63943.95 * 1e4, 1e-9);
  }
  {
    // 0.5 @ 63944.0 + 1.2 @ 63944.1 = 31972 + 76732.92 = 108704.92;
    // / 1.7 = 63944.07058823529... -> 63944.070588235 (rounds down).
    const TakeResult r = b.Take(Side::kBuy, Q("1.7"));
    EXPECT_EQ(r.filled, Q("1.7"));
    EXPECT_EQ(r.cost, N("108704.92"));
    EXPECT_EQ(r.average_price, P("63944.070588235"));
    EXPECT_EQ(r.average_price, DivideToPrice(r.cost, r.filled).value_or(Price::Undefined()));
    EXPECT_EQ(r.worst_price, P("63944.1"));
    EXPECT_TRUE(r.complete);
    EXPECT_NEAR(r.slippage_bps, (63944.070588235 - 63943.95) / 63943.95 * 1e4, 1e-9);
  }
}

TEST(OrderBook, TakeBuyPartialWhenAsksTooThin) {
  const OrderBook b = MakeTakeBook();
  // All 3.7 of the asks: 31972 + 76732.92 + 127889 = 236593.92;
  // / 3.7 = 63944.3027027027... -> 63944.302702703 (rounds up).
  const TakeResult r = b.Take(Side::kBuy, Q("5"));
  EXPECT_EQ(r.filled, Q("3.7"));
  EXPECT_EQ(r.cost, N("236593.92"));
  EXPECT_EQ(r.average_price, P("63944.302702703"));
  EXPECT_EQ(r.average_price, DivideToPrice(r.cost, r.filled).value_or(Price::Undefined()));
  EXPECT_EQ(r.worst_price, P("63944.5"));
  EXPECT_FALSE(r.complete);
  EXPECT_NEAR(r.slippage_bps, (63944.302702703 - 63943.95) / 63943.95 * 1e4, 1e-9);
  // Exactly the whole side is complete.
  const TakeResult all = b.Take(Side::kBuy, Q("3.7"));
  EXPECT_EQ(all.filled, Q("3.7"));
  EXPECT_EQ(all.cost, N("236593.92"));
  EXPECT_TRUE(all.complete);
}

TEST(OrderBook, TakeSellWalksBids) {
  const OrderBook b = MakeTakeBook();
  {
    // 0.8 @ 63943.9 + 0.2 @ 63943.5 = 51155.12 + 12788.7 = 63943.82.
    const TakeResult r = b.Take(Side::kSell, Q("1"));
    EXPECT_EQ(r.filled, Q("1"));
    EXPECT_EQ(r.cost, N("63943.82"));
    EXPECT_EQ(r.average_price, P("63943.82"));
    EXPECT_EQ(r.worst_price, P("63943.5"));
    EXPECT_TRUE(r.complete);
    // Selling below the mid is positive slippage: (63943.95 - 63943.82) / mid.
    EXPECT_GT(r.slippage_bps, 0.0);
    EXPECT_NEAR(r.slippage_bps, 0.13 / 63943.95 * 1e4, 1e-9);
  }
  {
    // The whole side: 51155.12 + 63943.5 + 191826 = 306924.62;
    // / 4.8 = 63942.6291666... -> 63942.629166667.
    const TakeResult r = b.Take(Side::kSell, Q("4.8"));
    EXPECT_EQ(r.filled, Q("4.8"));
    EXPECT_EQ(r.cost, N("306924.62"));
    EXPECT_EQ(r.average_price, P("63942.629166667"));
    EXPECT_EQ(r.worst_price, P("63942.0"));
    EXPECT_TRUE(r.complete);
    EXPECT_NEAR(r.slippage_bps, (63943.95 - 63942.629166667) / 63943.95 * 1e4, 1e-9);
  }
  {
    const TakeResult r = b.Take(Side::kSell, Q("10"));
    EXPECT_EQ(r.filled, Q("4.8"));
    EXPECT_EQ(r.cost, N("306924.62"));
    EXPECT_EQ(r.worst_price, P("63942.0"));
    EXPECT_FALSE(r.complete);
  }
}

TEST(OrderBook, TakeFromEmptySideFillsNothing) {
  OrderBook b = MakeBook();
  ASSERT_TRUE(b.ApplySnapshot({L("63943.9", "1")}, {}).ok());
  const TakeResult r = b.Take(Side::kBuy, Q("1"));  // no asks
  EXPECT_EQ(r.filled, Qty::Zero());
  EXPECT_EQ(r.cost, Notional::Zero());
  EXPECT_EQ(r.average_price, Price::Undefined());
  EXPECT_EQ(r.worst_price, Price::Undefined());
  EXPECT_FALSE(r.complete);
  EXPECT_EQ(r.slippage_bps, 0.0);

  const TakeResult e = MakeBook().Take(Side::kSell, Q("0.001"));
  EXPECT_EQ(e.filled, Qty::Zero());
  EXPECT_EQ(e.average_price, Price::Undefined());
  EXPECT_EQ(e.worst_price, Price::Undefined());
  EXPECT_FALSE(e.complete);
}

TEST(OrderBook, TakeZeroQtyFillsNothing) {
  const OrderBook b = MakeTakeBook();
  const TakeResult r = b.Take(Side::kBuy, Qty::Zero());
  EXPECT_EQ(r.filled, Qty::Zero());
  EXPECT_EQ(r.cost, Notional::Zero());
  EXPECT_EQ(r.average_price, Price::Undefined());
  EXPECT_EQ(r.worst_price, Price::Undefined());
  EXPECT_EQ(r.slippage_bps, 0.0);
}

TEST(OrderBook, TakeWithoutMidHasZeroSlippage) {
  OrderBook b = MakeBook();
  ASSERT_TRUE(b.ApplySnapshot({}, {L("63944.0", "1")}).ok());
  const TakeResult r = b.Take(Side::kBuy, Q("0.5"));
  EXPECT_EQ(r.filled, Q("0.5"));
  EXPECT_EQ(r.cost, N("31972"));
  EXPECT_EQ(r.average_price, P("63944.0"));
  EXPECT_TRUE(r.complete);
  EXPECT_EQ(r.slippage_bps, 0.0);
}

TEST(OrderBook, TakeBetterThanMidHasNegativeSlippage) {
  // A crossed book: buying at 63943.9 with mid 63943.95 beats the mid.
  OrderBook b = MakeBook();
  ASSERT_TRUE(b.ApplySnapshot({L("63944.0", "1")}, {L("63943.9", "1")}).ok());
  const TakeResult buy = b.Take(Side::kBuy, Q("1"));
  EXPECT_LT(buy.slippage_bps, 0.0);
  EXPECT_NEAR(buy.slippage_bps, -0.05 / 63943.95 * 1e4, 1e-9);
  const TakeResult sell = b.Take(Side::kSell, Q("1"));
  EXPECT_LT(sell.slippage_bps, 0.0);
  EXPECT_NEAR(sell.slippage_bps, -0.05 / 63943.95 * 1e4, 1e-9);
}

TEST(OrderBook, TakeDoesNotModifyTheBook) {
  OrderBook b = MakeTakeBook();
  const auto bids = All(b, Side::kBuy);
  const auto asks = All(b, Side::kSell);
  (void)b.Take(Side::kBuy, Q("100"));
  (void)b.Take(Side::kSell, Q("100"));
  EXPECT_EQ(All(b, Side::kBuy), bids);
  EXPECT_EQ(All(b, Side::kSell), asks);
}

TEST(OrderBook, TakeAverageRoundsHalfAwayFromZero) {
  // Tick 1e-9, lot 1e-9: 1 unit @ 1 raw + 1 unit @ 2 raw. Each product
  // rounds to 0 raw notional at 1e-9, so use whole quantities instead:
  // 1 @ 0.000000001 + 1 @ 0.000000002 = 0.000000003 / 2 = 1.5 raw -> 2.
  OrderBook b(kBtc, P("0.000000001"));
  ASSERT_TRUE(b.ApplySnapshot({}, {BookLevel{Price::FromRaw(1), Q("1")}, BookLevel{Price::FromRaw(2), Q("1")}}).ok());
  const TakeResult r = b.Take(Side::kBuy, Q("2"));
  EXPECT_EQ(r.filled, Q("2"));
  EXPECT_EQ(r.cost.raw(), 3);
  EXPECT_EQ(r.average_price.raw(), 2);
  EXPECT_EQ(r.worst_price.raw(), 2);
}

}  // namespace
}  // namespace hean
