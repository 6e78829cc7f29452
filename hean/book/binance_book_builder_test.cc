#include "hean/book/binance_book_builder.h"

#include <gtest/gtest.h>

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "hean/book/order_book.h"
#include "hean/book/test_books.h"

namespace hean {
namespace {

using State = BinanceBookBuilder::State;

constexpr InstrumentId kInst{3};

using test_books::Lvl;
using test_books::P;
using test_books::Q;

// One Binance diff message as the capture reader makes it: a delta per
// level, bids first, the last flagged kLastInMessage; kNoLevels if empty.
std::vector<BookDelta> Msg(std::uint64_t first_u, std::uint64_t u, std::uint64_t pu, std::vector<Lvl> bids,
                           std::vector<Lvl> asks) {
  BookDelta d;
  d.instrument = kInst;
  d.update_id = u;
  d.first_update_id = first_u;
  d.prev_update_id = pu;
  d.ts_event = UnixNanos::FromMillis(static_cast<std::int64_t>(u));
  d.ts_recv = UnixNanos::FromMillis(static_cast<std::int64_t>(u) + 1);
  return test_books::Deltas(d, bids, asks);
}

BookSnapshot Snap(std::uint64_t last_update_id, std::vector<Lvl> bids, std::vector<Lvl> asks) {
  auto levels = std::make_shared<BookLevels>();
  for (const Lvl& l : bids) levels->bids.push_back({P(l.price), Q(l.qty)});
  for (const Lvl& l : asks) levels->asks.push_back({P(l.price), Q(l.qty)});
  BookSnapshot s;
  s.instrument = kInst;
  s.update_id = last_update_id;
  s.ts_event = UnixNanos::FromMillis(static_cast<std::int64_t>(last_update_id));
  s.ts_recv = UnixNanos::FromMillis(static_cast<std::int64_t>(last_update_id) + 1);
  s.levels = std::move(levels);
  return s;
}

// The standard snapshot: bids 100.0 x 1, 99.9 x 2; asks 100.1 x 3, 100.2 x 4.
BookSnapshot Snap100(std::uint64_t last_update_id) {
  return Snap(last_update_id, {{"100.0", "1"}, {"99.9", "2"}}, {{"100.1", "3"}, {"100.2", "4"}});
}

class BinanceBookBuilderTest : public ::testing::Test {
 protected:
  // Feeds every delta of a message; returns the first error, if any, and
  // how many deltas were fed before it (the error's index).
  std::optional<BookError> Feed(const std::vector<BookDelta>& msg, std::size_t* error_index = nullptr) {
    std::optional<BookError> err;
    for (std::size_t i = 0; i < msg.size(); ++i) {
      auto r = builder_.OnDelta(msg[i]);
      if (!r.ok() && !err) {
        err = r.error();
        if (error_index != nullptr) *error_index = i;
      }
    }
    return err;
  }
  void FeedOk(const std::vector<BookDelta>& msg) {
    const auto err = Feed(msg);
    EXPECT_FALSE(err.has_value()) << ToString(*err);
  }
  void SnapshotOk(const BookSnapshot& s) {
    auto r = builder_.OnSnapshot(s);
    EXPECT_TRUE(r.ok()) << ToString(r.error());
  }

  std::optional<Qty> QtyAt(Side side, const char* price) const {
    for (const BookLevel& l : book_.Depth(side, 1000)) {
      if (l.price == P(price)) return l.qty;
    }
    return std::nullopt;
  }

  OrderBook book_{kInst, P("0.1")};
  BinanceBookBuilder builder_{book_};
};

TEST_F(BinanceBookBuilderTest, StartsAwaitingSnapshot) {
  EXPECT_EQ(builder_.state(), State::kAwaitingSnapshot);
  EXPECT_EQ(builder_.last_update_id(), 0u);
  EXPECT_FALSE(builder_.message_complete());
  EXPECT_EQ(builder_.messages_applied(), 0u);
  EXPECT_EQ(builder_.messages_dropped(), 0u);
  EXPECT_EQ(builder_.gaps(), 0u);
  EXPECT_FALSE(book_.IsValid());
  EXPECT_EQ(&builder_.book(), &book_);
}

TEST_F(BinanceBookBuilderTest, BuffersDeltasBeforeSnapshotAndReplaysThem) {
  FeedOk(Msg(90, 95, 89, {{"98.0", "5"}}, {}));                      // older than the snapshot: dropped
  FeedOk(Msg(96, 105, 95, {{"100.0", "7"}}, {{"100.3", "1"}}));      // straddles 100
  FeedOk(Msg(106, 110, 105, {}, {{"100.1", "0"}, {"100.4", "2"}}));  // chains on
  // Nothing reaches the book before the snapshot.
  EXPECT_EQ(builder_.state(), State::kAwaitingSnapshot);
  EXPECT_EQ(book_.LevelCount(Side::kBuy), 0u);
  EXPECT_EQ(book_.LevelCount(Side::kSell), 0u);
  EXPECT_FALSE(book_.IsValid());
  EXPECT_EQ(builder_.messages_applied(), 0u);

  SnapshotOk(Snap100(100));
  EXPECT_EQ(builder_.state(), State::kLive);
  EXPECT_TRUE(book_.IsValid());
  EXPECT_EQ(builder_.last_update_id(), 110u);
  EXPECT_EQ(book_.update_id, 110u);
  EXPECT_EQ(book_.ts_event, UnixNanos::FromMillis(110));
  EXPECT_EQ(book_.ts_recv, UnixNanos::FromMillis(111));
  EXPECT_TRUE(builder_.message_complete());
  EXPECT_EQ(builder_.messages_dropped(), 1u);
  EXPECT_EQ(builder_.messages_applied(), 2u);
  EXPECT_EQ(builder_.gaps(), 0u);
  EXPECT_FALSE(QtyAt(Side::kBuy, "98.0").has_value()) << "a dropped diff reached the book";
  EXPECT_EQ(QtyAt(Side::kBuy, "100.0"), Q("7"));
  EXPECT_EQ(QtyAt(Side::kBuy, "99.9"), Q("2"));
  EXPECT_FALSE(QtyAt(Side::kSell, "100.1").has_value());
  EXPECT_EQ(QtyAt(Side::kSell, "100.2"), Q("4"));
  EXPECT_EQ(QtyAt(Side::kSell, "100.3"), Q("1"));
  EXPECT_EQ(QtyAt(Side::kSell, "100.4"), Q("2"));
  EXPECT_EQ(book_.BestAsk()->price, P("100.2"));

  // And the stream goes on from there.
  FeedOk(Msg(111, 115, 110, {{"100.0", "0"}}, {}));
  EXPECT_EQ(builder_.last_update_id(), 115u);
  EXPECT_EQ(book_.BestBid()->price, P("99.9"));
  EXPECT_EQ(builder_.messages_applied(), 3u);
}

TEST_F(BinanceBookBuilderTest, ReplayedBufferWithGapFailsAtSnapshot) {
  FeedOk(Msg(96, 105, 95, {{"100.0", "7"}}, {}));
  FeedOk(Msg(107, 110, 106, {{"100.0", "8"}}, {}));  // pu 106 != 105
  auto r = builder_.OnSnapshot(Snap100(100));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error(), BookError::kSequenceGap);
  EXPECT_EQ(builder_.state(), State::kInvalid);
  EXPECT_FALSE(book_.IsValid());
  EXPECT_EQ(book_.invalid_reason(), BookError::kSequenceGap);
  EXPECT_EQ(builder_.gaps(), 1u);
}

TEST_F(BinanceBookBuilderTest, DropsDiffsOlderThanSnapshot) {
  SnapshotOk(Snap100(100));
  FeedOk(Msg(80, 90, 79, {{"98.0", "5"}}, {{"100.1", "0"}}));
  FeedOk(Msg(91, 99, 90, {{"97.0", "5"}}, {}));
  EXPECT_EQ(builder_.messages_dropped(), 2u);
  EXPECT_EQ(builder_.messages_applied(), 0u);
  EXPECT_EQ(builder_.state(), State::kSyncing);
  EXPECT_FALSE(book_.IsValid());
  EXPECT_EQ(builder_.last_update_id(), 100u);
  EXPECT_TRUE(builder_.message_complete());
  EXPECT_FALSE(QtyAt(Side::kBuy, "98.0").has_value());
  EXPECT_FALSE(QtyAt(Side::kBuy, "97.0").has_value());
  EXPECT_EQ(QtyAt(Side::kSell, "100.1"), Q("3"));
  // The covering diff then applies (its pu need not match anything).
  FeedOk(Msg(100, 104, 99, {{"99.8", "1"}}, {}));
  EXPECT_EQ(builder_.state(), State::kLive);
  EXPECT_TRUE(book_.IsValid());
  EXPECT_EQ(builder_.messages_applied(), 1u);
  EXPECT_EQ(QtyAt(Side::kBuy, "99.8"), Q("1"));
}

TEST_F(BinanceBookBuilderTest, DiffEndingAtSnapshotIdIsApplied) {
  // u == lastUpdateId is not "u < lastUpdateId": it covers the snapshot.
  SnapshotOk(Snap100(100));
  FeedOk(Msg(95, 100, 94, {{"99.9", "9"}}, {}));
  EXPECT_EQ(builder_.state(), State::kLive);
  EXPECT_EQ(builder_.messages_applied(), 1u);
  EXPECT_EQ(QtyAt(Side::kBuy, "99.9"), Q("9"));
  FeedOk(Msg(101, 101, 100, {}, {{"100.5", "1"}}));
  EXPECT_EQ(builder_.last_update_id(), 101u);
}

TEST_F(BinanceBookBuilderTest, FirstDiffStartingAtSnapshotIdIsApplied) {
  SnapshotOk(Snap100(100));
  FeedOk(Msg(100, 120, 90, {{"99.9", "9"}}, {}));
  EXPECT_EQ(builder_.state(), State::kLive);
  EXPECT_TRUE(book_.IsValid());
}

TEST_F(BinanceBookBuilderTest, FirstDiffMustStraddleSnapshot) {
  SnapshotOk(Snap100(100));
  std::size_t at = 99;
  const auto err = Feed(Msg(101, 110, 100, {{"99.9", "9"}, {"99.8", "1"}}, {}), &at);
  ASSERT_TRUE(err.has_value());
  EXPECT_EQ(*err, BookError::kSequenceGap);
  EXPECT_EQ(at, 0u);  // decided at the first delta of the message
  EXPECT_EQ(builder_.state(), State::kInvalid);
  EXPECT_FALSE(book_.IsValid());
  EXPECT_EQ(book_.invalid_reason(), BookError::kSequenceGap);
  EXPECT_EQ(builder_.gaps(), 1u);
  EXPECT_EQ(builder_.messages_applied(), 0u);
  EXPECT_EQ(QtyAt(Side::kBuy, "99.9"), Q("2"));  // not applied
  EXPECT_FALSE(QtyAt(Side::kBuy, "99.8").has_value());
}

TEST_F(BinanceBookBuilderTest, PuMismatchIsSequenceGapAndInvalidatesUntilSnapshot) {
  SnapshotOk(Snap100(100));
  FeedOk(Msg(95, 105, 94, {{"99.9", "5"}}, {}));
  FeedOk(Msg(106, 110, 105, {}, {{"100.2", "6"}}));
  ASSERT_EQ(builder_.state(), State::kLive);
  ASSERT_TRUE(book_.IsValid());

  std::size_t at = 99;
  const auto err = Feed(Msg(112, 115, 111, {{"99.9", "1"}}, {{"100.1", "1"}}), &at);  // pu 111 != 110
  ASSERT_TRUE(err.has_value());
  EXPECT_EQ(*err, BookError::kSequenceGap);
  EXPECT_EQ(at, 0u);
  EXPECT_EQ(builder_.state(), State::kInvalid);
  EXPECT_FALSE(book_.IsValid());
  EXPECT_EQ(book_.invalid_reason(), BookError::kSequenceGap);
  EXPECT_EQ(builder_.gaps(), 1u);
  EXPECT_EQ(builder_.last_update_id(), 110u);
  // The failing message's levels were not applied; the book keeps its last levels.
  EXPECT_EQ(QtyAt(Side::kBuy, "99.9"), Q("5"));
  EXPECT_EQ(QtyAt(Side::kSell, "100.1"), Q("3"));
  const std::uint64_t applied = builder_.messages_applied();
  const std::uint64_t dropped = builder_.messages_dropped();

  // Later deltas (even ones that chain) are held for the next snapshot, not
  // applied, with no new error.
  EXPECT_FALSE(Feed(Msg(116, 120, 115, {{"99.9", "2"}}, {})).has_value());
  EXPECT_FALSE(Feed(Msg(121, 125, 120, {}, {{"100.1", "9"}, {"100.2", "9"}})).has_value());
  EXPECT_FALSE(Feed(Msg(126, 126, 125, {}, {})).has_value());
  EXPECT_EQ(builder_.state(), State::kInvalid);
  EXPECT_FALSE(book_.IsValid());
  EXPECT_EQ(builder_.messages_applied(), applied);
  EXPECT_EQ(builder_.messages_dropped(), dropped);
  EXPECT_EQ(builder_.gaps(), 1u);
  EXPECT_EQ(builder_.last_update_id(), 110u);
  EXPECT_EQ(QtyAt(Side::kBuy, "99.9"), Q("5"));
  EXPECT_EQ(QtyAt(Side::kSell, "100.1"), Q("3"));
}

TEST_F(BinanceBookBuilderTest, NewSnapshotAfterInvalidRecovers) {
  SnapshotOk(Snap100(100));
  FeedOk(Msg(95, 105, 94, {}, {}));
  ASSERT_TRUE(Feed(Msg(200, 210, 199, {{"99.9", "1"}}, {})).has_value());
  ASSERT_EQ(builder_.state(), State::kInvalid);
  EXPECT_FALSE(Feed(Msg(211, 220, 210, {{"99.9", "1"}}, {})).has_value());  // held, not applied

  // The held diffs are older than this snapshot (u < 221) and are dropped.
  SnapshotOk(Snap(221, {{"50.0", "1"}}, {{"60.0", "2"}}));
  EXPECT_EQ(builder_.state(), State::kSyncing);
  EXPECT_FALSE(book_.IsValid());
  EXPECT_EQ(builder_.last_update_id(), 221u);
  EXPECT_EQ(book_.LevelCount(Side::kBuy), 1u);
  EXPECT_EQ(book_.BestBid()->price, P("50.0"));

  FeedOk(Msg(215, 225, 214, {{"50.1", "3"}}, {}));
  EXPECT_EQ(builder_.state(), State::kLive);
  EXPECT_TRUE(book_.IsValid());
  EXPECT_EQ(builder_.last_update_id(), 225u);
  EXPECT_EQ(book_.BestBid()->price, P("50.1"));
  FeedOk(Msg(226, 230, 225, {}, {{"59.0", "1"}}));
  EXPECT_EQ(builder_.state(), State::kLive);
  EXPECT_EQ(builder_.gaps(), 1u);
}

// Live recovery as Binance prescribes it: after a gap the engine asks for a
// new REST snapshot; the diffs that stream in while the request is in flight
// are newer than the snapshot's lastUpdateId and are needed to bridge it to
// the live stream, exactly as at start-up ("Diffs that arrived before the
// snapshot are replayed through the same rule when it comes").
TEST_F(BinanceBookBuilderTest, RecoversWithSnapshotOlderThanDiffsReceivedWhileInvalid) {
  SnapshotOk(Snap100(100));
  FeedOk(Msg(95, 105, 94, {}, {}));
  ASSERT_TRUE(Feed(Msg(110, 115, 109, {}, {})).has_value());  // gap: 106..109 lost
  ASSERT_EQ(builder_.state(), State::kInvalid);
  // Diffs received while the snapshot request is in flight.
  EXPECT_FALSE(Feed(Msg(116, 120, 115, {{"99.5", "1"}}, {})).has_value());
  EXPECT_FALSE(Feed(Msg(121, 125, 120, {{"99.6", "1"}}, {})).has_value());
  // The snapshot reflects the exchange at 122: it arrives after the diff ending at 125.
  auto r = builder_.OnSnapshot(Snap(122, {{"100.0", "1"}, {"99.5", "1"}}, {{"100.1", "3"}}));
  EXPECT_TRUE(r.ok()) << ToString(r.error());
  const auto err = Feed(Msg(126, 130, 125, {{"99.7", "1"}}, {}));
  EXPECT_FALSE(err.has_value()) << "the next live diff after the new snapshot was refused: " << ToString(*err);
  EXPECT_EQ(builder_.state(), State::kLive);
  EXPECT_TRUE(book_.IsValid());
  EXPECT_EQ(builder_.last_update_id(), 130u);
  EXPECT_EQ(QtyAt(Side::kBuy, "99.6"), Q("1"));
}

TEST_F(BinanceBookBuilderTest, CrossingMessageIsCrossed) {
  SnapshotOk(Snap100(100));
  FeedOk(Msg(95, 105, 94, {}, {}));
  std::size_t at = 99;
  // A bid above the best ask (100.1) that no later level of the message fixes.
  const auto err = Feed(Msg(106, 110, 105, {{"100.1", "1"}}, {{"100.5", "1"}}), &at);
  ASSERT_TRUE(err.has_value());
  EXPECT_EQ(*err, BookError::kCrossed);
  EXPECT_EQ(at, 1u);  // found after the whole message, at its last delta
  EXPECT_EQ(builder_.state(), State::kInvalid);
  EXPECT_FALSE(book_.IsValid());
  EXPECT_EQ(book_.invalid_reason(), BookError::kCrossed);
  EXPECT_FALSE(Feed(Msg(111, 115, 110, {{"100.1", "0"}}, {})).has_value());
  EXPECT_EQ(builder_.state(), State::kInvalid);
}

TEST_F(BinanceBookBuilderTest, CrossingInsideAMessageIsFineIfTheMessageEndsUncrossed) {
  SnapshotOk(Snap100(100));
  FeedOk(Msg(95, 105, 94, {}, {}));
  // The new bid at 100.1 crosses the ask until the ask removal later in the message.
  FeedOk(Msg(106, 110, 105, {{"100.1", "1"}}, {{"100.1", "0"}}));
  EXPECT_EQ(builder_.state(), State::kLive);
  EXPECT_TRUE(book_.IsValid());
  EXPECT_EQ(book_.BestBid()->price, P("100.1"));
  EXPECT_EQ(book_.BestAsk()->price, P("100.2"));
}

TEST_F(BinanceBookBuilderTest, OffTickLevelIsPriceOffTick) {
  SnapshotOk(Snap100(100));
  FeedOk(Msg(95, 105, 94, {}, {}));
  std::size_t at = 99;
  const auto err = Feed(Msg(106, 110, 105, {{"99.5", "1"}, {"99.55", "1"}, {"99.4", "1"}}, {}), &at);
  ASSERT_TRUE(err.has_value());
  EXPECT_EQ(*err, BookError::kPriceOffTick);
  EXPECT_EQ(at, 1u);
  EXPECT_EQ(builder_.state(), State::kInvalid);
  EXPECT_FALSE(book_.IsValid());
  EXPECT_EQ(book_.invalid_reason(), BookError::kPriceOffTick);
  EXPECT_FALSE(QtyAt(Side::kBuy, "99.4").has_value()) << "levels after the failure were applied";
}

TEST_F(BinanceBookBuilderTest, OffTickSnapshotIsRefused) {
  auto r = builder_.OnSnapshot(Snap(100, {{"100.05", "1"}}, {{"100.1", "1"}}));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error(), BookError::kPriceOffTick);
  EXPECT_EQ(builder_.state(), State::kInvalid);
  EXPECT_FALSE(book_.IsValid());
  // A good one recovers.
  SnapshotOk(Snap100(200));
  FeedOk(Msg(199, 201, 198, {}, {}));
  EXPECT_EQ(builder_.state(), State::kLive);
  EXPECT_TRUE(book_.IsValid());
}

TEST_F(BinanceBookBuilderTest, NegativeQtyIsRefused) {
  SnapshotOk(Snap100(100));
  FeedOk(Msg(95, 105, 94, {}, {}));
  BookDelta d = Msg(106, 110, 105, {{"99.0", "1"}}, {})[0];
  d.qty = Qty::FromRaw(-1);
  auto r = builder_.OnDelta(d);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error(), BookError::kNegativeQty);
  EXPECT_EQ(builder_.state(), State::kInvalid);
}

TEST_F(BinanceBookBuilderTest, NoLevelsMessagesAdvanceTheChainOnly) {
  SnapshotOk(Snap100(100));
  // A no-levels message can be the covering diff.
  FeedOk(Msg(95, 105, 94, {}, {}));
  EXPECT_EQ(builder_.state(), State::kLive);
  EXPECT_TRUE(book_.IsValid());
  EXPECT_EQ(builder_.last_update_id(), 105u);
  FeedOk(Msg(106, 110, 105, {}, {}));
  EXPECT_EQ(builder_.last_update_id(), 110u);
  EXPECT_EQ(book_.update_id, 110u);
  EXPECT_TRUE(builder_.message_complete());
  EXPECT_EQ(builder_.messages_applied(), 2u);
  EXPECT_EQ(book_.Depth(Side::kBuy, 10), (std::vector<BookLevel>{{P("100.0"), Q("1")}, {P("99.9"), Q("2")}}));
  EXPECT_EQ(book_.Depth(Side::kSell, 10), (std::vector<BookLevel>{{P("100.1"), Q("3")}, {P("100.2"), Q("4")}}));
  // The next diff must chain on the no-levels message's u.
  FeedOk(Msg(111, 112, 110, {{"99.8", "1"}}, {}));
  EXPECT_EQ(builder_.last_update_id(), 112u);
  // A no-levels message with a broken chain is a gap like any other.
  const auto err = Feed(Msg(120, 121, 119, {}, {}));
  ASSERT_TRUE(err.has_value());
  EXPECT_EQ(*err, BookError::kSequenceGap);
}

TEST_F(BinanceBookBuilderTest, BufferOverflowInvalidates) {
  BinanceBookBuilder builder(book_, 3);
  const auto m1 = Msg(90, 95, 89, {{"99.0", "1"}, {"98.0", "1"}}, {});
  const auto m2 = Msg(96, 99, 95, {{"97.0", "1"}, {"96.0", "1"}}, {});
  ASSERT_TRUE(builder.OnDelta(m1[0]).ok());
  ASSERT_TRUE(builder.OnDelta(m1[1]).ok());
  ASSERT_TRUE(builder.OnDelta(m2[0]).ok());
  auto r = builder.OnDelta(m2[1]);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error(), BookError::kBufferOverflow);
  EXPECT_EQ(builder.state(), State::kInvalid);
  EXPECT_FALSE(book_.IsValid());
  EXPECT_EQ(book_.invalid_reason(), BookError::kBufferOverflow);
  // Reported once; later deltas are still held, evicting whole old messages.
  EXPECT_TRUE(builder.OnDelta(Msg(100, 101, 99, {}, {})[0]).ok());
  EXPECT_GE(builder.buffer_evictions(), 2u);
  // The snapshot replays what is held: m2 is older and dropped, the held
  // (100, 101) diff covers lastUpdateId 100 and makes the book live.
  auto s = builder.OnSnapshot(Snap100(100));
  ASSERT_TRUE(s.ok()) << ToString(s.error());
  EXPECT_EQ(builder.state(), State::kLive);
  EXPECT_EQ(builder.last_update_id(), 101u);
  EXPECT_FALSE(QtyAt(Side::kBuy, "99.0").has_value());
  EXPECT_FALSE(QtyAt(Side::kBuy, "97.0").has_value());
  ASSERT_TRUE(builder.OnDelta(Msg(102, 102, 101, {}, {})[0]).ok());
  EXPECT_EQ(builder.state(), State::kLive);
  EXPECT_TRUE(book_.IsValid());
}

TEST_F(BinanceBookBuilderTest, BufferOfExactlyMaxDeltasIsFine) {
  BinanceBookBuilder builder(book_, 3);
  for (const BookDelta& d : Msg(96, 105, 95, {{"99.0", "1"}, {"98.0", "1"}}, {{"101.0", "1"}})) {
    ASSERT_TRUE(builder.OnDelta(d).ok());
  }
  auto s = builder.OnSnapshot(Snap100(100));
  ASSERT_TRUE(s.ok()) << ToString(s.error());
  EXPECT_EQ(builder.state(), State::kLive);
  EXPECT_EQ(builder.last_update_id(), 105u);
}

TEST_F(BinanceBookBuilderTest, LastUpdateIdAndMessageComplete) {
  SnapshotOk(Snap100(100));
  EXPECT_EQ(builder_.last_update_id(), 100u);  // the snapshot's id before any diff
  EXPECT_TRUE(builder_.message_complete());
  EXPECT_EQ(book_.update_id, 100u);

  const auto m = Msg(95, 105, 94, {{"99.9", "3"}}, {{"100.1", "0"}, {"100.3", "1"}});
  ASSERT_EQ(m.size(), 3u);
  ASSERT_TRUE(builder_.OnDelta(m[0]).ok());
  EXPECT_FALSE(builder_.message_complete());
  EXPECT_EQ(builder_.last_update_id(), 100u);  // not until the whole message is in
  ASSERT_TRUE(builder_.OnDelta(m[1]).ok());
  EXPECT_FALSE(builder_.message_complete());
  EXPECT_EQ(builder_.last_update_id(), 100u);
  ASSERT_TRUE(builder_.OnDelta(m[2]).ok());
  EXPECT_TRUE(builder_.message_complete());
  EXPECT_EQ(builder_.last_update_id(), 105u);
  EXPECT_EQ(book_.update_id, 105u);
  EXPECT_EQ(book_.ts_event, UnixNanos::FromMillis(105));

  // A dropped (old) message does not move last_update_id.
  SnapshotOk(Snap100(200));
  FeedOk(Msg(150, 160, 149, {{"99.0", "1"}}, {}));
  EXPECT_EQ(builder_.last_update_id(), 200u);
  EXPECT_TRUE(builder_.message_complete());
}

TEST_F(BinanceBookBuilderTest, SnapshotAloneDoesNotMakeTheBookValid) {
  SnapshotOk(Snap100(100));
  EXPECT_EQ(builder_.state(), State::kSyncing);
  EXPECT_FALSE(book_.IsValid());
  EXPECT_EQ(book_.invalid_reason(), BookError::kDeltaBeforeSnapshot);
  // The levels are there for inspection.
  EXPECT_EQ(book_.BestBid()->price, P("100.0"));
  EXPECT_EQ(book_.BestAsk()->price, P("100.1"));
  EXPECT_EQ(book_.ts_event, UnixNanos::FromMillis(100));
  FeedOk(Msg(99, 101, 98, {}, {}));
  EXPECT_EQ(builder_.state(), State::kLive);
  EXPECT_TRUE(book_.IsValid());
}

TEST_F(BinanceBookBuilderTest, SnapshotWhileLiveResyncs) {
  SnapshotOk(Snap100(100));
  FeedOk(Msg(95, 105, 94, {}, {}));
  ASSERT_EQ(builder_.state(), State::kLive);
  SnapshotOk(Snap(300, {{"10.0", "1"}}, {{"10.1", "1"}}));
  EXPECT_EQ(builder_.state(), State::kSyncing);
  EXPECT_FALSE(book_.IsValid());
  EXPECT_EQ(builder_.last_update_id(), 300u);
  EXPECT_EQ(book_.LevelCount(Side::kBuy), 1u);
  FeedOk(Msg(106, 110, 105, {{"9.0", "1"}}, {}));  // older than the new snapshot
  EXPECT_FALSE(QtyAt(Side::kBuy, "9.0").has_value());
  FeedOk(Msg(290, 305, 289, {{"9.9", "1"}}, {}));
  EXPECT_EQ(builder_.state(), State::kLive);
  EXPECT_TRUE(book_.IsValid());
}

TEST_F(BinanceBookBuilderTest, SnapshotWithoutLevelsGivesAnEmptyBook) {
  BookSnapshot s;
  s.instrument = kInst;
  s.update_id = 10;
  SnapshotOk(s);
  EXPECT_EQ(builder_.state(), State::kSyncing);
  EXPECT_EQ(book_.LevelCount(Side::kBuy), 0u);
  FeedOk(Msg(9, 11, 8, {{"1.0", "1"}}, {{"1.1", "1"}}));
  EXPECT_EQ(builder_.state(), State::kLive);
  EXPECT_TRUE(book_.IsValid());
}

}  // namespace
}  // namespace hean
