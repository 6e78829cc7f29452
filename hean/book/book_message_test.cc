// Whole-message input (OnMessage) against per-level events (OnSnapshot /
// OnDelta) for both builders: seeded random feeds with gaps, repeats,
// snapshots, deletions, messages without levels, deltas before the first
// snapshot, crossing and off-tick levels go through two builders, one per
// path, and after every message the results, states, counters and every
// level of both books must be the same. Then the cases where the Binance
// paths are meant to differ: a diff that fails is buffered whole.
#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "hean/book/binance_book_builder.h"
#include "hean/book/bybit_book_builder.h"
#include "hean/book/order_book.h"
#include "hean/book/test_books.h"

namespace hean {
namespace {

using test_books::P;
using test_books::Q;

constexpr InstrumentId kInst{3};

std::vector<BookLevel> AllLevels(const OrderBook& b, Side side) { return b.Depth(side, b.LevelCount(side)); }

void ExpectSameBook(const OrderBook& a, const OrderBook& b) {
  EXPECT_EQ(a.IsValid(), b.IsValid());
  EXPECT_EQ(a.update_id, b.update_id);
  EXPECT_EQ(a.sequence, b.sequence);
  EXPECT_EQ(a.ts_event, b.ts_event);
  EXPECT_EQ(a.ts_recv, b.ts_recv);
  EXPECT_EQ(AllLevels(a, Side::kBuy), AllLevels(b, Side::kBuy));
  EXPECT_EQ(AllLevels(a, Side::kSell), AllLevels(b, Side::kSell));
}

// The same message in both forms.
struct Both {
  BookMessage msg;
  std::vector<BookDelta> deltas;  // empty for a snapshot
  BookSnapshot snap;
};

Both Make(bool snapshot, std::uint64_t first_u, std::uint64_t u, std::uint64_t pu, std::vector<BookLevel> bids,
          std::vector<BookLevel> asks) {
  Both b;
  BookMessage& m = b.msg;
  m.instrument = kInst;
  m.snapshot = snapshot;
  m.update_id = u;
  m.first_update_id = first_u;
  m.prev_update_id = pu;
  m.sequence = 1000 + u * 3;
  m.ts_event = UnixNanos::FromMillis(static_cast<std::int64_t>(u));
  m.ts_recv = UnixNanos::FromMillis(static_cast<std::int64_t>(u) + 2);
  m.bids = std::move(bids);
  m.asks = std::move(asks);
  if (snapshot) {
    auto lv = std::make_shared<BookLevels>();
    lv->bids = m.bids;
    lv->asks = m.asks;
    b.snap.instrument = kInst;
    b.snap.update_id = u;
    b.snap.sequence = m.sequence;
    b.snap.ts_event = m.ts_event;
    b.snap.ts_recv = m.ts_recv;
    b.snap.levels = lv;
    return b;
  }
  BookDelta d;
  d.instrument = kInst;
  d.update_id = u;
  d.first_update_id = first_u;
  d.prev_update_id = pu;
  d.sequence = m.sequence;
  d.ts_event = m.ts_event;
  d.ts_recv = m.ts_recv;
  for (const BookLevel& l : m.bids) {
    d.side = Side::kBuy;
    d.price = l.price;
    d.qty = l.qty;
    b.deltas.push_back(d);
  }
  for (const BookLevel& l : m.asks) {
    d.side = Side::kSell;
    d.price = l.price;
    d.qty = l.qty;
    b.deltas.push_back(d);
  }
  if (b.deltas.empty()) {
    d.flags = BookDelta::kNoLevels;
    d.price = Price::Undefined();
    b.deltas.push_back(d);
  }
  b.deltas.back().flags |= BookDelta::kLastInMessage;
  return b;
}

// Random levels around 100.0 on a 0.1 tick: bids 95.0-99.9, asks 100.0-105.0;
// with `wild`, sometimes a bid above the asks (crossing) or a price off the
// tick.
class Feed {
 public:
  explicit Feed(std::uint64_t seed, bool wild) : rng_(seed), wild_(wild) {}

  std::vector<BookLevel> Side(bool bid, int max_levels) {
    std::vector<BookLevel> out;
    const int n = Uniform(0, max_levels);
    for (int i = 0; i < n; ++i) {
      std::int64_t ticks = bid ? Uniform(950, 999) : Uniform(1000, 1050);
      if (wild_ && Uniform(0, 400) == 0) ticks = bid ? 1060 : 900;  // crosses whatever is there
      Price p = Price::FromRaw(ticks * 100'000'000);
      if (wild_ && Uniform(0, 600) == 0) p = Price::FromRaw(p.raw() + 50'000'000);  // off the 0.1 tick
      const Qty q = Uniform(0, 3) == 0 ? Qty::Zero() : Qty::FromRaw(Uniform(1, 500) * 1'000'000);
      out.push_back({p, q});
    }
    return out;
  }
  int Uniform(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng_); }

 private:
  std::mt19937_64 rng_;
  bool wild_;
};

template <class Builder>
void FeedEvents(Builder& b, const Both& m, std::vector<Result<void, BookError>>& results) {
  if (m.msg.snapshot) {
    results.push_back(b.OnSnapshot(m.snap));
    return;
  }
  for (const BookDelta& d : m.deltas) results.push_back(b.OnDelta(d));
}

// The first error of a message, or OK: what a caller of each path sees.
Result<void, BookError> FirstError(const std::vector<Result<void, BookError>>& rs) {
  for (const auto& r : rs) {
    if (!r.ok()) return r;
  }
  return {};
}

TEST(BookMessage, BybitWholeMessagesMatchPerLevelEventsOnRandomFeeds) {
  for (std::uint64_t seed = 1; seed <= 40; ++seed) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    Feed feed(seed, /*wild=*/true);
    OrderBook ba(kInst, P("0.1")), bb(kInst, P("0.1"));
    BybitBookBuilder events(ba), whole(bb);
    std::uint64_t u = 10;
    int failures = 0;
    for (int i = 0; i < 400; ++i) {
      const int pick = feed.Uniform(0, 99);
      bool snapshot = false;
      if (pick < 5) {
        snapshot = true;
        u += 3;
      } else if (pick < 9) {
        u += 2;  // a gap
      } else if (pick < 11) {
        // a repeat: same u
      } else if (pick < 12) {
        u = 1;  // Bybit's service restart: u == 1 is a snapshot
        snapshot = true;
      } else {
        u += 1;
      }
      Both m = Make(snapshot, 0, u, 0, feed.Side(true, snapshot ? 20 : 6), feed.Side(false, snapshot ? 20 : 6));
      if (snapshot) {
        // Snapshots arrive sorted and without zero quantities.
        std::erase_if(m.msg.bids, [](const BookLevel& l) { return l.qty.IsZero(); });
        std::erase_if(m.msg.asks, [](const BookLevel& l) { return l.qty.IsZero(); });
        m = Make(true, 0, u, 0, m.msg.bids, m.msg.asks);
      }
      std::vector<Result<void, BookError>> rs;
      FeedEvents(events, m, rs);
      const auto rw = whole.OnMessage(m.msg);
      const auto re = FirstError(rs);
      ASSERT_EQ(re.ok(), rw.ok()) << "message " << i << " u " << u;
      if (!re.ok()) {
        EXPECT_EQ(re.error(), rw.error());
        ++failures;
      }
      ASSERT_EQ(events.state(), whole.state()) << "message " << i;
      EXPECT_EQ(events.last_update_id(), whole.last_update_id());
      EXPECT_EQ(events.messages_applied(), whole.messages_applied());
      EXPECT_EQ(events.snapshots(), whole.snapshots());
      EXPECT_EQ(events.gaps(), whole.gaps());
      EXPECT_EQ(events.message_complete(), whole.message_complete());
      ExpectSameBook(ba, bb);
      if (HasFailure()) return;
    }
    EXPECT_GT(failures, 3) << "too few integrity failures for the test to prove much";
    EXPECT_GT(whole.messages_applied(), 60u);
  }
}

TEST(BookMessage, BinanceWholeMessagesMatchPerLevelEventsOnRandomFeeds) {
  // No crossing or off-tick levels here: on those the Binance paths buffer
  // different parts of the failing diff (see the next test).
  for (std::uint64_t seed = 1; seed <= 40; ++seed) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    Feed feed(seed, /*wild=*/false);
    OrderBook ba(kInst, P("0.1")), bb(kInst, P("0.1"));
    BinanceBookBuilder events(ba, 64), whole(bb, 64);
    std::uint64_t last_u = 5000;
    int invalid_messages = 0;
    for (int i = 0; i < 400; ++i) {
      const int pick = feed.Uniform(0, 99);
      std::vector<Result<void, BookError>> rs;
      Result<void, BookError> rw{};
      if (pick < 5) {
        // A REST snapshot a little behind or ahead of the stream.
        const std::uint64_t id = last_u - 40 + static_cast<std::uint64_t>(feed.Uniform(0, 60));
        auto bids = feed.Side(true, 20), asks = feed.Side(false, 20);
        std::erase_if(bids, [](const BookLevel& l) { return l.qty.IsZero(); });
        std::erase_if(asks, [](const BookLevel& l) { return l.qty.IsZero(); });
        const Both m = Make(true, 0, id, 0, bids, asks);
        FeedEvents(events, m, rs);
        rw = whole.OnMessage(m.msg);
      } else {
        // A diff: usually chained (pu = last u), sometimes after a gap.
        const std::uint64_t pu = pick < 9 ? last_u + 7 : last_u;
        const std::uint64_t first = pu + 1;
        const std::uint64_t u = first + static_cast<std::uint64_t>(feed.Uniform(0, 20));
        const Both m = Make(false, first, u, pu, feed.Side(true, 6), feed.Side(false, 6));
        FeedEvents(events, m, rs);
        rw = whole.OnMessage(m.msg);
        last_u = u;
      }
      const auto re = FirstError(rs);
      ASSERT_EQ(re.ok(), rw.ok()) << "message " << i;
      if (!re.ok()) {
        EXPECT_EQ(re.error(), rw.error());
      }
      ASSERT_EQ(events.state(), whole.state()) << "message " << i;
      invalid_messages += events.state() == BinanceBookBuilder::State::kLive ? 0 : 1;
      EXPECT_EQ(events.last_update_id(), whole.last_update_id());
      EXPECT_EQ(events.messages_applied(), whole.messages_applied());
      EXPECT_EQ(events.messages_dropped(), whole.messages_dropped());
      EXPECT_EQ(events.gaps(), whole.gaps());
      EXPECT_EQ(events.buffer_evictions(), whole.buffer_evictions());
      EXPECT_EQ(events.message_complete(), whole.message_complete());
      ExpectSameBook(ba, bb);
      if (HasFailure()) return;
    }
    EXPECT_GT(invalid_messages, 0) << "the feed never left the live state: the test proves little";
  }
}

// A diff that fails after it was started (a crossed book, a level off the
// tick) is buffered whole by OnMessage, so the next snapshot can replay all
// of it, not only the levels from the failing one on.
TEST(BookMessage, BinanceFailedDiffIsBufferedWholeAndReplayedAfterTheSnapshot) {
  OrderBook book(kInst, P("0.1"));
  BinanceBookBuilder b(book);
  ASSERT_TRUE(b.OnMessage(Make(true, 0, 100, 0, {{P("99.0"), Q("1")}}, {{P("101.0"), Q("1")}}).msg).ok());
  ASSERT_TRUE(b.OnMessage(Make(false, 95, 105, 90, {{P("99.5"), Q("2")}}, {}).msg).ok());
  ASSERT_EQ(b.state(), BinanceBookBuilder::State::kLive);
  // u 106-110: a bid at 99.8, then a bid above the best ask: crossed.
  const Both crossing = Make(false, 106, 110, 105, {{P("99.8"), Q("3")}, {P("102.0"), Q("1")}}, {});
  auto r = b.OnMessage(crossing.msg);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error(), BookError::kCrossed);
  EXPECT_EQ(b.state(), BinanceBookBuilder::State::kInvalid);
  // A snapshot from before that diff (id 107, inside U..u): the whole
  // buffered diff is replayed on it, both levels.
  ASSERT_TRUE(b.OnMessage(Make(true, 0, 107, 0, {{P("99.0"), Q("1")}}, {{P("103.0"), Q("1")}}).msg).ok());
  EXPECT_EQ(b.state(), BinanceBookBuilder::State::kLive);
  EXPECT_EQ(b.last_update_id(), 110u);
  ASSERT_TRUE(book.BestBid().has_value());
  EXPECT_EQ(book.BestBid()->price, P("102.0"));
  EXPECT_EQ(book.LevelCount(Side::kBuy), 3u);  // 99.0, 99.8, 102.0
  EXPECT_TRUE(book.IsValid());

  // Off the tick: refused, buffered whole; a later snapshot past it drops it.
  auto r2 = b.OnMessage(Make(false, 111, 112, 110, {{P("99.85"), Q("1")}}, {}).msg);
  ASSERT_FALSE(r2.ok());
  EXPECT_EQ(r2.error(), BookError::kPriceOffTick);
  ASSERT_TRUE(b.OnMessage(Make(true, 0, 120, 0, {{P("99.0"), Q("1")}}, {{P("103.0"), Q("1")}}).msg).ok());
  EXPECT_EQ(b.state(), BinanceBookBuilder::State::kSyncing);
  EXPECT_EQ(b.messages_dropped(), 1u);
}

// Diffs before the first snapshot go to the buffer whole and are replayed
// through the sync rule when it comes.
TEST(BookMessage, BinanceDiffsBeforeTheSnapshotAreBufferedAndReplayed) {
  OrderBook book(kInst, P("0.1"));
  BinanceBookBuilder b(book);
  ASSERT_TRUE(b.OnMessage(Make(false, 1, 10, 0, {{P("99.0"), Q("5")}}, {}).msg).ok());  // older than the snapshot
  ASSERT_TRUE(b.OnMessage(Make(false, 11, 20, 10, {{P("99.5"), Q("1")}}, {{P("100.5"), Q("1")}}).msg).ok());
  ASSERT_TRUE(b.OnMessage(Make(false, 21, 30, 20, {}, {}).msg).ok());
  EXPECT_EQ(b.state(), BinanceBookBuilder::State::kAwaitingSnapshot);
  EXPECT_FALSE(book.IsValid());
  ASSERT_TRUE(b.OnMessage(Make(true, 0, 15, 0, {{P("99.0"), Q("1")}}, {{P("101.0"), Q("1")}}).msg).ok());
  EXPECT_EQ(b.state(), BinanceBookBuilder::State::kLive);
  EXPECT_EQ(b.messages_dropped(), 1u);
  EXPECT_EQ(b.messages_applied(), 2u);
  EXPECT_EQ(b.last_update_id(), 30u);
  EXPECT_EQ(book.BestBid()->price, P("99.5"));
  EXPECT_EQ(book.BestAsk()->price, P("100.5"));
  EXPECT_EQ(book.LevelAt(Side::kBuy, 1)->qty, Q("1"));  // 99.0 from the snapshot, not the dropped diff's 5
}

// Mixing the two inputs mid-message is a cut message.
TEST(BookMessage, WholeMessageAfterAnUnfinishedEventMessageIsUnparseable) {
  OrderBook book(kInst, P("0.1"));
  BybitBookBuilder b(book);
  ASSERT_TRUE(b.OnMessage(Make(true, 0, 5, 0, {{P("99.0"), Q("1")}}, {{P("101.0"), Q("1")}}).msg).ok());
  const Both m = Make(false, 0, 6, 0, {{P("99.5"), Q("1")}, {P("99.6"), Q("1")}}, {});
  ASSERT_TRUE(b.OnDelta(m.deltas[0]).ok());  // first level only: the message is open
  auto r = b.OnMessage(Make(false, 0, 7, 0, {}, {}).msg);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error(), BookError::kUnparseable);
  EXPECT_FALSE(book.IsValid());
}

}  // namespace
}  // namespace hean
