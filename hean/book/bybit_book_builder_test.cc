#include "hean/book/bybit_book_builder.h"

#include <gtest/gtest.h>

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "hean/book/book_set.h"
#include "hean/book/order_book.h"
#include "hean/book/test_books.h"

namespace hean {
namespace {

using State = BybitBookBuilder::State;

constexpr InstrumentId kInst{2};

using test_books::Lvl;
using test_books::P;
using test_books::Q;

UnixNanos EventTime(std::uint64_t u) { return UnixNanos::FromMillis(1'000'000 + static_cast<std::int64_t>(u)); }
UnixNanos RecvTime(std::uint64_t u) { return UnixNanos::FromMillis(2'000'000 + static_cast<std::int64_t>(u)); }
std::uint64_t SeqOf(std::uint64_t u) { return 50'000 + 7 * u; }

// One Bybit delta message as the reader makes it: a delta per level, bids
// first, all sharing u and seq, the last flagged kLastInMessage; a single
// kNoLevels delta if the message has no levels.
std::vector<BookDelta> Msg(std::uint64_t u, std::vector<Lvl> bids, std::vector<Lvl> asks, InstrumentId inst = kInst) {
  BookDelta d;
  d.instrument = inst;
  d.update_id = u;
  d.sequence = SeqOf(u);
  d.ts_event = EventTime(u);
  d.ts_recv = RecvTime(u);
  return test_books::Deltas(d, bids, asks);
}

BookSnapshot Snap(std::uint64_t u, std::vector<Lvl> bids, std::vector<Lvl> asks, InstrumentId inst = kInst) {
  auto levels = std::make_shared<BookLevels>();
  for (const Lvl& l : bids) levels->bids.push_back({P(l.price), Q(l.qty)});
  for (const Lvl& l : asks) levels->asks.push_back({P(l.price), Q(l.qty)});
  BookSnapshot s;
  s.instrument = inst;
  s.update_id = u;
  s.sequence = SeqOf(u);
  s.ts_event = EventTime(u);
  s.ts_recv = RecvTime(u);
  s.levels = std::move(levels);
  return s;
}

// The standard snapshot: bids 100.0 x 1, 99.9 x 2; asks 100.1 x 3, 100.2 x 4.
BookSnapshot Snap100(std::uint64_t u, InstrumentId inst = kInst) {
  return Snap(u, {{"100.0", "1"}, {"99.9", "2"}}, {{"100.1", "3"}, {"100.2", "4"}}, inst);
}

std::optional<Qty> QtyAt(const OrderBook& book, Side side, const char* price) {
  for (const BookLevel& l : book.Depth(side, 1000)) {
    if (l.price == P(price)) return l.qty;
  }
  return std::nullopt;
}

class BybitBookBuilderTest : public ::testing::Test {
 protected:
  // Feeds every delta of a message; returns the first error, if any, and
  // sets *errors to how many deltas returned one and *error_index to the
  // index of the first.
  std::optional<BookError> Feed(const std::vector<BookDelta>& msg, std::size_t* error_index = nullptr,
                                int* errors = nullptr) {
    std::optional<BookError> err;
    int n = 0;
    for (std::size_t i = 0; i < msg.size(); ++i) {
      auto r = builder_.OnDelta(msg[i]);
      if (!r.ok()) {
        ++n;
        if (!err) {
          err = r.error();
          if (error_index != nullptr) *error_index = i;
        }
      }
    }
    if (errors != nullptr) *errors = n;
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
  std::optional<Qty> QtyAt(Side side, const char* price) const { return hean::QtyAt(book_, side, price); }

  OrderBook book_{kInst, P("0.1")};
  BybitBookBuilder builder_{book_};
};

TEST_F(BybitBookBuilderTest, StartsAwaitingSnapshot) {
  EXPECT_EQ(builder_.state(), State::kAwaitingSnapshot);
  EXPECT_EQ(builder_.last_update_id(), 0u);
  EXPECT_TRUE(builder_.message_complete());
  EXPECT_EQ(builder_.messages_applied(), 0u);
  EXPECT_EQ(builder_.snapshots(), 0u);
  EXPECT_EQ(builder_.gaps(), 0u);
  EXPECT_EQ(builder_.deltas_ignored(), 0u);
  EXPECT_FALSE(book_.IsValid());
  EXPECT_EQ(&builder_.book(), &book_);
}

TEST_F(BybitBookBuilderTest, SnapshotThenContiguousDeltasApply) {
  SnapshotOk(Snap100(100));
  EXPECT_EQ(builder_.state(), State::kLive);
  EXPECT_TRUE(book_.IsValid());
  EXPECT_EQ(builder_.snapshots(), 1u);
  EXPECT_EQ(builder_.last_update_id(), 100u);
  EXPECT_EQ(builder_.messages_applied(), 0u);  // snapshots are not counted as messages applied

  // u 101: raise the best bid, delete the best ask, add an ask.
  FeedOk(Msg(101, {{"100.0", "5"}}, {{"100.1", "0"}, {"100.3", "1"}}));
  EXPECT_EQ(builder_.last_update_id(), 101u);
  EXPECT_EQ(builder_.messages_applied(), 1u);
  EXPECT_TRUE(builder_.message_complete());
  EXPECT_EQ(book_.BestBid()->price, P("100.0"));
  EXPECT_EQ(book_.BestBid()->qty, Q("5"));
  EXPECT_EQ(book_.BestAsk()->price, P("100.2"));
  EXPECT_EQ(book_.BestAsk()->qty, Q("4"));
  EXPECT_FALSE(QtyAt(Side::kSell, "100.1").has_value());
  EXPECT_EQ(QtyAt(Side::kSell, "100.3"), Q("1"));
  EXPECT_EQ(book_.LevelCount(Side::kBuy), 2u);
  EXPECT_EQ(book_.LevelCount(Side::kSell), 2u);

  // u 102: deleting a level that is not there is fine.
  FeedOk(Msg(102, {{"99.9", "0"}, {"99.5", "0"}, {"99.8", "7"}}, {}));
  EXPECT_EQ(builder_.last_update_id(), 102u);
  EXPECT_EQ(builder_.messages_applied(), 2u);
  EXPECT_FALSE(QtyAt(Side::kBuy, "99.9").has_value());
  EXPECT_EQ(QtyAt(Side::kBuy, "99.8"), Q("7"));
  EXPECT_EQ(builder_.state(), State::kLive);
  EXPECT_TRUE(book_.IsValid());
  EXPECT_EQ(builder_.gaps(), 0u);
  EXPECT_EQ(builder_.deltas_ignored(), 0u);
}

TEST_F(BybitBookBuilderTest, UpdateIdSequenceAndTimesAreKeptInTheBook) {
  BookSnapshot s = Snap100(100);
  s.sequence = 9'000'000'001;
  s.ts_event = UnixNanos::FromMillis(1'733'011'200'589);
  s.ts_recv = UnixNanos::FromMillis(1'733'011'200'691);
  SnapshotOk(s);
  EXPECT_EQ(book_.update_id, 100u);
  EXPECT_EQ(book_.sequence, 9'000'000'001u);
  EXPECT_EQ(book_.ts_event, UnixNanos::FromMillis(1'733'011'200'589));
  EXPECT_EQ(book_.ts_recv, UnixNanos::FromMillis(1'733'011'200'691));

  auto msg = Msg(101, {{"99.9", "3"}}, {{"100.2", "1"}});
  // Ids and times are taken from a whole message only: mid-message the book
  // still shows the previous message's.
  ASSERT_TRUE(builder_.OnDelta(msg[0]).ok());
  EXPECT_FALSE(builder_.message_complete());
  EXPECT_EQ(book_.update_id, 100u);
  EXPECT_EQ(book_.sequence, 9'000'000'001u);
  ASSERT_TRUE(builder_.OnDelta(msg[1]).ok());
  EXPECT_TRUE(builder_.message_complete());
  EXPECT_EQ(book_.update_id, 101u);
  EXPECT_EQ(book_.sequence, SeqOf(101));
  EXPECT_EQ(book_.ts_event, EventTime(101));
  EXPECT_EQ(book_.ts_recv, RecvTime(101));
}

TEST_F(BybitBookBuilderTest, DeltaBeforeSnapshotIsReportedOnceThenIgnored) {
  std::size_t index = 99;
  int errors = 0;
  auto err = Feed(Msg(5, {{"100.0", "7"}}, {{"100.1", "1"}}), &index, &errors);
  ASSERT_TRUE(err.has_value());
  EXPECT_EQ(*err, BookError::kDeltaBeforeSnapshot);
  EXPECT_EQ(index, 0u);
  EXPECT_EQ(errors, 1);
  EXPECT_EQ(builder_.state(), State::kInvalid);
  EXPECT_FALSE(book_.IsValid());
  EXPECT_EQ(book_.invalid_reason(), BookError::kDeltaBeforeSnapshot);
  EXPECT_EQ(builder_.deltas_ignored(), 2u);

  // Later deltas: silently ignored (no second report), whatever their u.
  err = Feed(Msg(6, {{"98.0", "1"}}, {}), nullptr, &errors);
  EXPECT_FALSE(err.has_value());
  EXPECT_EQ(errors, 0);
  err = Feed(Msg(42, {}, {}), nullptr, &errors);
  EXPECT_FALSE(err.has_value());
  EXPECT_EQ(builder_.deltas_ignored(), 4u);
  EXPECT_EQ(builder_.messages_applied(), 0u);
  EXPECT_EQ(builder_.gaps(), 0u);
  EXPECT_EQ(book_.LevelCount(Side::kBuy), 0u);
  EXPECT_EQ(book_.LevelCount(Side::kSell), 0u);

  // A snapshot starts the book.
  SnapshotOk(Snap100(100));
  EXPECT_EQ(builder_.state(), State::kLive);
  EXPECT_TRUE(book_.IsValid());
  FeedOk(Msg(101, {{"99.8", "1"}}, {}));
  EXPECT_EQ(builder_.messages_applied(), 1u);
  EXPECT_EQ(QtyAt(Side::kBuy, "99.8"), Q("1"));
  EXPECT_FALSE(QtyAt(Side::kBuy, "98.0").has_value()) << "an ignored delta reached the book";
}

TEST_F(BybitBookBuilderTest, GapInvalidatesUntilTheNextSnapshot) {
  SnapshotOk(Snap100(100));
  FeedOk(Msg(101, {{"100.0", "2"}}, {}));

  // u jumps by 2: message 102 is missing.
  std::size_t index = 99;
  int errors = 0;
  auto err = Feed(Msg(103, {{"99.7", "1"}, {"99.6", "1"}}, {{"100.5", "1"}}), &index, &errors);
  ASSERT_TRUE(err.has_value());
  EXPECT_EQ(*err, BookError::kSequenceGap);
  EXPECT_EQ(index, 0u) << "the gap is reported at the message's first delta";
  EXPECT_EQ(errors, 1) << "reported once";
  EXPECT_EQ(builder_.state(), State::kInvalid);
  EXPECT_FALSE(book_.IsValid());
  EXPECT_EQ(book_.invalid_reason(), BookError::kSequenceGap);
  EXPECT_EQ(builder_.gaps(), 1u);
  EXPECT_EQ(builder_.deltas_ignored(), 3u);
  EXPECT_TRUE(builder_.message_complete());
  // Nothing of the gapped message was applied; ids stay at the last good one.
  EXPECT_FALSE(QtyAt(Side::kBuy, "99.7").has_value());
  EXPECT_FALSE(QtyAt(Side::kSell, "100.5").has_value());
  EXPECT_EQ(builder_.last_update_id(), 101u);
  EXPECT_EQ(book_.update_id, 101u);
  EXPECT_EQ(builder_.messages_applied(), 1u);

  // Later deltas, even ones that would chain, are ignored silently.
  err = Feed(Msg(104, {{"99.5", "1"}}, {}), nullptr, &errors);
  EXPECT_FALSE(err.has_value());
  EXPECT_EQ(errors, 0);
  err = Feed(Msg(102, {{"99.5", "1"}}, {}), nullptr, &errors);
  EXPECT_FALSE(err.has_value());
  EXPECT_EQ(builder_.deltas_ignored(), 5u);
  EXPECT_EQ(builder_.gaps(), 1u);
  EXPECT_EQ(builder_.state(), State::kInvalid);
  EXPECT_FALSE(QtyAt(Side::kBuy, "99.5").has_value());

  // A new snapshot makes the book valid and live again.
  SnapshotOk(Snap(200, {{"101.0", "1"}}, {{"101.5", "2"}}));
  EXPECT_EQ(builder_.state(), State::kLive);
  EXPECT_TRUE(book_.IsValid());
  EXPECT_EQ(builder_.snapshots(), 2u);
  EXPECT_EQ(builder_.last_update_id(), 200u);
  EXPECT_EQ(book_.LevelCount(Side::kBuy), 1u);
  EXPECT_EQ(book_.LevelCount(Side::kSell), 1u);
  FeedOk(Msg(201, {{"101.1", "4"}}, {}));
  EXPECT_EQ(builder_.messages_applied(), 2u);
  EXPECT_EQ(book_.BestBid()->price, P("101.1"));
  EXPECT_EQ(builder_.gaps(), 1u);
}

TEST_F(BybitBookBuilderTest, RepeatedOrOlderUpdateIdIsAGap) {
  SnapshotOk(Snap100(100));
  FeedOk(Msg(101, {{"100.0", "2"}}, {}));
  auto err = Feed(Msg(101, {{"100.0", "3"}}, {}));  // the same message again
  ASSERT_TRUE(err.has_value());
  EXPECT_EQ(*err, BookError::kSequenceGap);
  EXPECT_EQ(QtyAt(Side::kBuy, "100.0"), Q("2"));

  SnapshotOk(Snap100(100));
  err = Feed(Msg(100, {{"100.0", "3"}}, {}));  // == the snapshot's u
  ASSERT_TRUE(err.has_value());
  EXPECT_EQ(*err, BookError::kSequenceGap);

  SnapshotOk(Snap100(100));
  err = Feed(Msg(99, {{"100.0", "3"}}, {}));  // a step back
  ASSERT_TRUE(err.has_value());
  EXPECT_EQ(*err, BookError::kSequenceGap);
  EXPECT_EQ(builder_.gaps(), 3u);
}

TEST_F(BybitBookBuilderTest, CrossedAfterAWholeMessageInvalidates) {
  SnapshotOk(Snap100(100));
  std::size_t index = 99;
  const auto msg = Msg(101, {{"100.1", "1"}, {"99.9", "5"}}, {});  // bid 100.1 >= ask 100.1
  auto err = Feed(msg, &index);
  ASSERT_TRUE(err.has_value());
  EXPECT_EQ(*err, BookError::kCrossed);
  EXPECT_EQ(index, msg.size() - 1) << "checked only after the message's last delta";
  EXPECT_EQ(builder_.state(), State::kInvalid);
  EXPECT_FALSE(book_.IsValid());
  EXPECT_EQ(book_.invalid_reason(), BookError::kCrossed);
  // Ignored until a snapshot.
  EXPECT_FALSE(Feed(Msg(102, {{"100.1", "0"}}, {})).has_value());
  EXPECT_FALSE(book_.IsValid());
  SnapshotOk(Snap100(300));
  EXPECT_TRUE(book_.IsValid());
}

TEST_F(BybitBookBuilderTest, CrossingOnlyInsideAMessageIsFine) {
  SnapshotOk(Snap100(100));
  // After the first delta bid 100.2 >= ask 100.1; the message's later
  // levels clear the asks up to 100.2 and add 100.3.
  FeedOk(Msg(101, {{"100.2", "1"}}, {{"100.1", "0"}, {"100.2", "0"}, {"100.3", "5"}}));
  EXPECT_EQ(builder_.state(), State::kLive);
  EXPECT_TRUE(book_.IsValid());
  EXPECT_EQ(book_.BestBid()->price, P("100.2"));
  EXPECT_EQ(book_.BestAsk()->price, P("100.3"));
  EXPECT_EQ(builder_.messages_applied(), 1u);
}

TEST_F(BybitBookBuilderTest, CrossedSnapshotInvalidates) {
  auto r = builder_.OnSnapshot(Snap(100, {{"100.2", "1"}}, {{"100.1", "1"}}));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error(), BookError::kCrossed);
  EXPECT_EQ(builder_.state(), State::kInvalid);
  EXPECT_FALSE(book_.IsValid());
}

TEST_F(BybitBookBuilderTest, NoLevelsDeltaAdvancesUpdateId) {
  SnapshotOk(Snap100(100));
  const auto empty = Msg(101, {}, {});
  ASSERT_EQ(empty.size(), 1u);
  ASSERT_EQ(empty[0].flags, BookDelta::kNoLevels | BookDelta::kLastInMessage);
  FeedOk(empty);
  EXPECT_EQ(builder_.last_update_id(), 101u);
  EXPECT_EQ(book_.update_id, 101u);
  EXPECT_EQ(book_.sequence, SeqOf(101));
  EXPECT_EQ(builder_.messages_applied(), 1u);
  EXPECT_EQ(book_.LevelCount(Side::kBuy), 2u);
  EXPECT_EQ(book_.LevelCount(Side::kSell), 2u);
  // 102 chains on 101; without the advance it would be a gap.
  FeedOk(Msg(102, {{"99.8", "1"}}, {}));
  EXPECT_EQ(builder_.last_update_id(), 102u);
  EXPECT_EQ(builder_.gaps(), 0u);
  // And an empty message with a skipped u is a gap like any other.
  auto err = Feed(Msg(104, {}, {}));
  ASSERT_TRUE(err.has_value());
  EXPECT_EQ(*err, BookError::kSequenceGap);
}

TEST_F(BybitBookBuilderTest, OffTickLevelInvalidates) {
  SnapshotOk(Snap100(100));
  auto err = Feed(Msg(101, {{"99.95", "1"}}, {}));
  ASSERT_TRUE(err.has_value());
  EXPECT_EQ(*err, BookError::kPriceOffTick);
  EXPECT_EQ(builder_.state(), State::kInvalid);
  EXPECT_FALSE(book_.IsValid());
  EXPECT_EQ(book_.invalid_reason(), BookError::kPriceOffTick);
  EXPECT_EQ(builder_.gaps(), 0u);

  // An off-tick level in a snapshot is refused too.
  auto r = builder_.OnSnapshot(Snap(200, {{"100.05", "1"}}, {{"100.1", "1"}}));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error(), BookError::kPriceOffTick);
  EXPECT_EQ(builder_.state(), State::kInvalid);
  EXPECT_FALSE(book_.IsValid());
  SnapshotOk(Snap100(300));
  EXPECT_EQ(builder_.state(), State::kLive);
}

TEST_F(BybitBookBuilderTest, MessageCutShortIsUnparseable) {
  SnapshotOk(Snap100(100));
  auto first = Msg(101, {{"99.8", "1"}, {"99.7", "1"}}, {});
  ASSERT_TRUE(builder_.OnDelta(first[0]).ok());  // the message's last delta never comes
  auto err = Feed(Msg(102, {{"99.6", "1"}}, {}));
  ASSERT_TRUE(err.has_value());
  EXPECT_EQ(*err, BookError::kUnparseable);
  EXPECT_FALSE(book_.IsValid());
}

// ------------------------------------------------------------------ BookSet

BookSet::Spec SpecFor(InstrumentId id) {
  switch (id.value) {
    case 0: return {Venue::kBybit, P("0.1")};
    case 1: return {Venue::kBinance, P("0.1")};
    case 2: return {Venue::kBybit, P("0.1")};  // fed without update ids
    default: return {Venue::kUnknown, P("0.1")};
  }
}

// Applies every delta; returns the BookInvalid events with the index of the
// delta that produced each.
std::vector<std::pair<std::size_t, BookInvalid>> ApplyAll(BookSet& set, const std::vector<BookDelta>& msg) {
  std::vector<std::pair<std::size_t, BookInvalid>> out;
  for (std::size_t i = 0; i < msg.size(); ++i) {
    if (auto inv = set.Apply(msg[i])) out.emplace_back(i, *inv);
  }
  return out;
}

TEST(BookSetTest, ChoosesTheBuilderFromVenueAndUpdateIds) {
  BookSet set(SpecFor);
  EXPECT_EQ(set.BuilderName(InstrumentId{0}), "");
  EXPECT_EQ(set.Find(InstrumentId{0}), nullptr);
  EXPECT_FALSE(set.ReadyAfterMessage(InstrumentId{0}));

  EXPECT_FALSE(set.Apply(Event(Snap100(100, InstrumentId{0}))).has_value());
  (void)set.Apply(Event(Snap100(100, InstrumentId{1})));  // Binance: waits for its covering diff
  EXPECT_FALSE(set.Apply(Event(Snap100(0, InstrumentId{2}))).has_value());
  EXPECT_FALSE(set.Apply(Event(Snap100(100, InstrumentId{3}))).has_value());
  // A non-book event is ignored.
  EXPECT_FALSE(set.Apply(Event(Trade{})).has_value());

  EXPECT_EQ(set.BuilderName(InstrumentId{0}), "bybit");
  EXPECT_EQ(set.BuilderName(InstrumentId{1}), "binance");
  EXPECT_EQ(set.BuilderName(InstrumentId{2}), "plain");  // Bybit, but no update ids
  EXPECT_EQ(set.BuilderName(InstrumentId{3}), "plain");  // unknown venue
  EXPECT_EQ(set.BuilderName(InstrumentId{7}), "");
  EXPECT_EQ(set.size(), 4u);
  ASSERT_NE(set.Find(InstrumentId{0}), nullptr);
  EXPECT_EQ(set.Find(InstrumentId{0})->instrument(), InstrumentId{0});
  EXPECT_EQ(set.Find(InstrumentId{0})->tick_size(), P("0.1"));
  EXPECT_EQ(set.counts().snapshots, 4u);
}

TEST(BookSetTest, BybitGapGivesOneBookInvalidWithIds) {
  BookSet set(SpecFor);
  const InstrumentId id{0};
  EXPECT_FALSE(set.Apply(Snap100(100, id)).has_value());
  EXPECT_TRUE(ApplyAll(set, Msg(101, {{"100.0", "2"}}, {}, id)).empty());
  EXPECT_TRUE(ApplyAll(set, Msg(102, {{"99.8", "2"}}, {{"100.3", "1"}}, id)).empty());

  const auto gapped = Msg(104, {{"99.7", "1"}}, {{"100.4", "1"}}, id);  // 103 missing
  const auto inv = ApplyAll(set, gapped);
  ASSERT_EQ(inv.size(), 1u);
  EXPECT_EQ(inv[0].first, 0u);
  const BookInvalid& b = inv[0].second;
  EXPECT_EQ(b.instrument, id);
  EXPECT_EQ(b.reason, BookError::kSequenceGap);
  EXPECT_EQ(b.last_update_id, 102u);
  EXPECT_EQ(b.update_id, 104u);
  EXPECT_EQ(b.ts_event, EventTime(104));
  EXPECT_EQ(b.ts_recv, RecvTime(104));
  EXPECT_FALSE(set.Find(id)->IsValid());
  EXPECT_EQ(set.counts().invalidations, 1u);

  // Later messages: nothing more is reported.
  EXPECT_TRUE(ApplyAll(set, Msg(105, {{"99.7", "1"}}, {}, id)).empty());
  EXPECT_EQ(set.counts().invalidations, 1u);
  EXPECT_EQ(set.counts().snapshots, 1u);
  EXPECT_EQ(set.counts().deltas, 1u + 2u + 2u + 1u);
  EXPECT_FALSE(QtyAt(*set.Find(id), Side::kBuy, "99.7").has_value());

  // A snapshot makes it valid again.
  EXPECT_FALSE(set.Apply(Snap100(200, id)).has_value());
  EXPECT_TRUE(set.Find(id)->IsValid());
  EXPECT_TRUE(set.ReadyAfterMessage(id));
}

TEST(BookSetTest, ReadyAfterMessageOnlyAfterAWholeMessageOnAValidBook) {
  BookSet set(SpecFor);
  const InstrumentId id{0};
  EXPECT_FALSE(set.ReadyAfterMessage(id));
  // Delta before any snapshot: BookInvalid, not ready.
  auto early = ApplyAll(set, Msg(50, {{"100.0", "1"}}, {}, id));
  ASSERT_EQ(early.size(), 1u);
  EXPECT_EQ(early[0].second.reason, BookError::kDeltaBeforeSnapshot);
  EXPECT_FALSE(set.ReadyAfterMessage(id));

  EXPECT_FALSE(set.Apply(Snap100(100, id)).has_value());
  EXPECT_TRUE(set.ReadyAfterMessage(id));

  const auto msg = Msg(101, {{"99.8", "1"}}, {{"100.3", "1"}}, id);
  EXPECT_FALSE(set.Apply(msg[0]).has_value());
  EXPECT_FALSE(set.ReadyAfterMessage(id)) << "mid-message";
  EXPECT_FALSE(set.Apply(msg[1]).has_value());
  EXPECT_TRUE(set.ReadyAfterMessage(id));

  // A crossed message: whole, but the book is invalid.
  auto crossed = ApplyAll(set, Msg(102, {{"100.2", "1"}}, {}, id));
  ASSERT_EQ(crossed.size(), 1u);
  EXPECT_EQ(crossed[0].second.reason, BookError::kCrossed);
  EXPECT_EQ(crossed[0].second.update_id, 102u);
  EXPECT_FALSE(set.ReadyAfterMessage(id));
  EXPECT_FALSE(set.Apply(Snap100(300, id)).has_value());
  EXPECT_TRUE(set.ReadyAfterMessage(id));
}

TEST(BookSetTest, PlainBuilderForFeedsWithoutUpdateIds) {
  BookSet set(SpecFor);
  const InstrumentId id{5};  // unknown venue

  // A delta before any snapshot: reported once, then ignored.
  auto early = ApplyAll(set, Msg(0, {{"100.0", "1"}, {"99.0", "1"}}, {}, id));
  ASSERT_EQ(early.size(), 1u);
  EXPECT_EQ(early[0].first, 0u);
  EXPECT_EQ(early[0].second.reason, BookError::kDeltaBeforeSnapshot);
  EXPECT_EQ(early[0].second.instrument, id);
  EXPECT_TRUE(ApplyAll(set, Msg(0, {{"98.0", "1"}}, {}, id)).empty());
  EXPECT_EQ(set.BuilderName(id), "plain");
  EXPECT_FALSE(set.ReadyAfterMessage(id));
  EXPECT_EQ(set.counts().invalidations, 1u);

  // Snapshot, then deltas without ids apply.
  EXPECT_FALSE(set.Apply(Snap100(0, id)).has_value());
  EXPECT_TRUE(set.ReadyAfterMessage(id));
  const OrderBook& book = *set.Find(id);
  EXPECT_TRUE(book.IsValid());
  EXPECT_FALSE(QtyAt(book, Side::kBuy, "98.0").has_value());
  const auto msg = Msg(0, {{"100.0", "0"}, {"99.8", "4"}}, {{"100.1", "9"}}, id);
  EXPECT_FALSE(set.Apply(msg[0]).has_value());
  EXPECT_FALSE(set.ReadyAfterMessage(id));
  EXPECT_TRUE(ApplyAll(set, {msg[1], msg[2]}).empty());
  EXPECT_TRUE(set.ReadyAfterMessage(id));
  EXPECT_EQ(book.BestBid()->price, P("99.9"));
  EXPECT_EQ(book.BestAsk()->qty, Q("9"));
  EXPECT_EQ(book.LevelCount(Side::kBuy), 2u);

  // Crossed after a whole message: one BookInvalid, then ignored until a snapshot.
  auto crossed = ApplyAll(set, Msg(0, {{"100.1", "1"}}, {}, id));
  ASSERT_EQ(crossed.size(), 1u);
  EXPECT_EQ(crossed[0].second.reason, BookError::kCrossed);
  EXPECT_FALSE(book.IsValid());
  EXPECT_FALSE(set.ReadyAfterMessage(id));
  EXPECT_TRUE(ApplyAll(set, Msg(0, {{"97.0", "1"}}, {}, id)).empty());
  EXPECT_FALSE(QtyAt(book, Side::kBuy, "97.0").has_value());
  EXPECT_EQ(set.counts().invalidations, 2u);
  EXPECT_FALSE(set.Apply(Snap100(0, id)).has_value());
  EXPECT_TRUE(book.IsValid());
  EXPECT_TRUE(set.ReadyAfterMessage(id));

  // A crossing inside a message fixed by its last level is fine here too.
  EXPECT_TRUE(ApplyAll(set, Msg(0, {{"100.2", "1"}}, {{"100.1", "0"}, {"100.2", "0"}}, id)).empty());
  EXPECT_TRUE(book.IsValid());
  EXPECT_FALSE(book.BestAsk().has_value());
}

}  // namespace
}  // namespace hean
