#include "hean/exec/slippage.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "hean/book/book_set.h"
#include "hean/book/order_book.h"
#include "hean/book/test_books.h"
#include "hean/core/clock.h"
#include "hean/core/timer_queue.h"
#include "hean/exec/exec_config.h"
#include "hean/model/events.h"
#include "hean/model/types.h"

namespace hean {
namespace {

using test_books::Lvl;
using test_books::P;
using test_books::Q;

constexpr double kEps = 1e-6;  // bps
const UnixNanos kT0 = UnixNanos::FromSeconds(1'700'000'000);

std::vector<BookLevel> Levels(const std::vector<Lvl>& lv) {
  std::vector<BookLevel> out;
  for (const Lvl& l : lv) out.push_back(BookLevel{P(l.price), Q(l.qty)});
  return out;
}

// A valid book with tick 0.1.
OrderBook MakeBook(const std::vector<Lvl>& bids, const std::vector<Lvl>& asks) {
  OrderBook book(InstrumentId{1}, P("0.1"));
  EXPECT_TRUE(book.ApplySnapshot(Levels(bids), Levels(asks)).ok());
  return book;
}

// Mid 100.0; asks 1 @ 100.1, 2 @ 100.2, 3 @ 100.5 (6 in all); bids
// 1 @ 99.9, 2 @ 99.8, 3 @ 99.5.
OrderBook ThreeLevelBook() {
  return MakeBook({{"99.9", "1"}, {"99.8", "2"}, {"99.5", "3"}}, {{"100.1", "1"}, {"100.2", "2"}, {"100.5", "3"}});
}

// The walk alone: no impact term.
SlippageConfig WalkOnly() {
  SlippageConfig c;
  c.impact_bps = 0.0;
  return c;
}

// ---------------------------------------------------------------------------
// SlippageModel

TEST(SlippageModel, BuyWithinTheFirstLevel) {
  const OrderBook book = ThreeLevelBook();
  const SlippageEstimate e = SlippageModel(WalkOnly()).Predict(book, Side::kBuy, Q("0.5"));
  // All at 100.1: (100.1 - 100) / 100 x 1e4 = 10 bps.
  EXPECT_TRUE(e.valid);
  EXPECT_TRUE(e.complete);
  EXPECT_DOUBLE_EQ(e.mid, 100.0);
  EXPECT_NEAR(e.walk_bps, 10.0, kEps);
  EXPECT_NEAR(e.impact_bps, 0.0, kEps);
  EXPECT_NEAR(e.bps, 10.0, kEps);
}

TEST(SlippageModel, SellWithinTheFirstLevel) {
  const OrderBook book = ThreeLevelBook();
  const SlippageEstimate e = SlippageModel(WalkOnly()).Predict(book, Side::kSell, Q("1"));
  // All at 99.9: (100 - 99.9) / 100 x 1e4 = 10 bps.
  EXPECT_TRUE(e.valid);
  EXPECT_TRUE(e.complete);
  EXPECT_NEAR(e.bps, 10.0, kEps);
}

TEST(SlippageModel, BuyWalksSeveralLevels) {
  const OrderBook book = ThreeLevelBook();
  const SlippageModel m(WalkOnly());
  // 2: 1 @ 100.1 + 1 @ 100.2 = 200.3, average 100.15: 15 bps.
  EXPECT_NEAR(m.Predict(book, Side::kBuy, Q("2")).bps, 15.0, kEps);
  // 6, the whole side: 100.1 + 200.4 + 301.5 = 602.0, average 100.3333...:
  // 33.333... bps.
  const SlippageEstimate e = m.Predict(book, Side::kBuy, Q("6"));
  EXPECT_TRUE(e.complete);
  EXPECT_NEAR(e.walk_bps, 100.0 / 3.0, kEps);
}

TEST(SlippageModel, SellWalksSeveralLevels) {
  const OrderBook book = ThreeLevelBook();
  const SlippageModel m(WalkOnly());
  // 2: 99.9 + 99.8 = 199.7, average 99.85: 15 bps.
  EXPECT_NEAR(m.Predict(book, Side::kSell, Q("2")).bps, 15.0, kEps);
  // 4: 99.9 + 2 x 99.8 + 99.5 = 399.0, average 99.75: 25 bps.
  const SlippageEstimate e = m.Predict(book, Side::kSell, Q("4"));
  EXPECT_TRUE(e.complete);
  EXPECT_NEAR(e.bps, 25.0, kEps);
}

TEST(SlippageModel, BuyBeyondTheBookPricesTheRestAtTheLastLevelPlusBeyondBookBps) {
  const OrderBook book = ThreeLevelBook();
  SlippageConfig c = WalkOnly();
  c.beyond_book_bps = 25.0;
  // 10 of which the book fills 6 at 33.333 bps; the other 4 at the last
  // level (100.5: 50 bps) + 25 = 75 bps: (6 x 33.333 + 4 x 75) / 10 = 50.
  const SlippageEstimate e = SlippageModel(c).Predict(book, Side::kBuy, Q("10"));
  EXPECT_TRUE(e.valid);
  EXPECT_FALSE(e.complete);
  EXPECT_NEAR(e.walk_bps, 50.0, kEps);
  EXPECT_NEAR(e.bps, 50.0, kEps);
}

TEST(SlippageModel, SellBeyondTheBook) {
  const OrderBook book = ThreeLevelBook();
  SlippageConfig c = WalkOnly();
  c.beyond_book_bps = 25.0;
  // 8: the book fills 6 for 99.9 + 199.6 + 298.5 = 598.0, average 99.6667
  // (33.333 bps); 2 more at 99.5 (50 bps) + 25: (200 + 150) / 8 = 43.75.
  const SlippageEstimate e = SlippageModel(c).Predict(book, Side::kSell, Q("8"));
  EXPECT_FALSE(e.complete);
  EXPECT_NEAR(e.bps, 43.75, kEps);
}

TEST(SlippageModel, ImpactIsSqrtOfQtyOverVisibleDepth) {
  const OrderBook book = ThreeLevelBook();
  SlippageConfig c;
  c.impact_bps = 4.0;
  c.depth_levels = 20;  // all 6 of the asks
  // 1.5: 1 @ 100.1 + 0.5 @ 100.2 = 150.2, average 100.1333: 13.333 bps;
  // impact 4 x sqrt(1.5 / 6) = 2.
  const SlippageEstimate e = SlippageModel(c).Predict(book, Side::kBuy, Q("1.5"));
  EXPECT_NEAR(e.walk_bps, 40.0 / 3.0, kEps);
  EXPECT_NEAR(e.impact_bps, 2.0, kEps);
  EXPECT_NEAR(e.bps, 40.0 / 3.0 + 2.0, kEps);
}

TEST(SlippageModel, ImpactCountsOnlyDepthLevels) {
  const OrderBook book = ThreeLevelBook();
  SlippageConfig c;
  c.impact_bps = 2.0;
  c.depth_levels = 2;  // 1 + 2 = 3 on the bids
  // Sell 0.75: 10 bps walk; impact 2 x sqrt(0.75 / 3) = 1.
  const SlippageEstimate e = SlippageModel(c).Predict(book, Side::kSell, Q("0.75"));
  EXPECT_NEAR(e.walk_bps, 10.0, kEps);
  EXPECT_NEAR(e.impact_bps, 1.0, kEps);
  EXPECT_NEAR(e.bps, 11.0, kEps);
}

TEST(SlippageModel, NoVisibleDepthMakesTheImpactBeyondBookBps) {
  const OrderBook book = ThreeLevelBook();
  SlippageConfig c;
  c.depth_levels = 0;
  c.beyond_book_bps = 25.0;
  const SlippageEstimate e = SlippageModel(c).Predict(book, Side::kBuy, Q("1"));
  EXPECT_NEAR(e.impact_bps, 25.0, kEps);
  EXPECT_NEAR(e.bps, 35.0, kEps);
}

TEST(SlippageModel, PredictNotionalConvertsAtTheMid) {
  const OrderBook book = ThreeLevelBook();
  const SlippageModel m(WalkOnly());
  // 150 at mid 100 is 1.5: 13.333 bps (see above).
  EXPECT_NEAR(m.PredictNotional(book, Side::kBuy, 150.0).bps, 40.0 / 3.0, kEps);
  // 400 is 4: 25 bps on the bids.
  EXPECT_NEAR(m.PredictNotional(book, Side::kSell, 400.0).bps, 25.0, kEps);
}

TEST(SlippageModel, ZeroQtyCostsNothing) {
  const OrderBook book = ThreeLevelBook();
  const SlippageModel m{SlippageConfig{}};
  for (const SlippageEstimate& e :
       {m.Predict(book, Side::kBuy, Qty::Zero()), m.PredictNotional(book, Side::kSell, 0)}) {
    EXPECT_TRUE(e.valid);
    EXPECT_TRUE(e.complete);
    EXPECT_EQ(e.bps, 0.0);
    EXPECT_DOUBLE_EQ(e.mid, 100.0);
  }
}

TEST(SlippageModel, BadQtyGivesTheFallback) {
  const OrderBook book = ThreeLevelBook();
  SlippageConfig c;
  c.stale_fallback_bps = 50.0;
  const SlippageModel m(c);
  const SlippageEstimate bad[] = {
      m.Predict(book, Side::kBuy, Qty::FromRaw(-1)),
      m.Predict(book, Side::kBuy, Qty::Undefined()),
      m.PredictNotional(book, Side::kBuy, -100.0),
      m.PredictNotional(book, Side::kBuy, std::numeric_limits<double>::quiet_NaN()),
      m.PredictNotional(book, Side::kSell, std::numeric_limits<double>::infinity()),
      m.PredictNotional(book, Side::kSell, 1e20),  // 1e18 units: no Qty holds it
  };
  for (const SlippageEstimate& e : bad) {
    EXPECT_FALSE(e.valid);
    EXPECT_FALSE(e.complete);
    EXPECT_EQ(e.bps, 50.0);
  }
}

TEST(SlippageModel, UnusableBookGivesTheFallback) {
  SlippageConfig c;
  c.stale_fallback_bps = 42.0;
  const SlippageModel m(c);

  OrderBook never_snapshot(InstrumentId{1}, P("0.1"));
  OrderBook invalidated = ThreeLevelBook();
  invalidated.Invalidate(BookError::kSequenceGap);
  const OrderBook no_asks = MakeBook({{"99.9", "1"}}, {});
  const OrderBook no_bids = MakeBook({}, {{"100.1", "1"}});
  const OrderBook crossed = MakeBook({{"100.2", "1"}}, {{"100.1", "1"}});
  const OrderBook locked = MakeBook({{"100.1", "1"}}, {{"100.1", "1"}});
  const OrderBook* const books[] = {&never_snapshot, &invalidated, &no_asks, &no_bids, &crossed, &locked};
  for (const OrderBook* book : books) {
    for (const Side side : {Side::kBuy, Side::kSell}) {
      for (const SlippageEstimate& e : {m.Predict(*book, side, Q("1")), m.PredictNotional(*book, side, 100.0)}) {
        EXPECT_FALSE(e.valid);
        EXPECT_EQ(e.bps, 42.0);
        EXPECT_EQ(e.walk_bps, 0.0);
        EXPECT_EQ(e.impact_bps, 0.0);
      }
    }
  }
}

TEST(SlippageModel, ConfigIsKept) {
  SlippageConfig c;
  c.impact_bps = 3.5;
  EXPECT_EQ(SlippageModel(c).config().impact_bps, 3.5);
}

// The ladder at once gives the estimates PredictNotional gives one by one,
// bit for bit: sizes inside the first level, at a level boundary exactly,
// across levels, beyond the visible book, zero; random books too.
TEST(SlippageModel, LadderEqualsOneByOne) {
  const SlippageModel model{SlippageConfig{}};
  auto check = [&](const OrderBook& book, const std::vector<double>& ladder) {
    for (const Side side : {Side::kBuy, Side::kSell}) {
      std::vector<SlippageEstimate> out(ladder.size());
      ASSERT_TRUE(model.PredictNotionalLadder(book, side, ladder.data(), ladder.size(), out.data()));
      for (std::size_t i = 0; i < ladder.size(); ++i) {
        const SlippageEstimate one = model.PredictNotional(book, side, ladder[i]);
        SCOPED_TRACE(std::to_string(ladder[i]) + (side == Side::kBuy ? " buy" : " sell"));
        EXPECT_EQ(out[i].bps, one.bps);
        EXPECT_EQ(out[i].walk_bps, one.walk_bps);
        EXPECT_EQ(out[i].impact_bps, one.impact_bps);
        EXPECT_EQ(out[i].mid, one.mid);
        EXPECT_EQ(out[i].complete, one.complete);
        EXPECT_EQ(out[i].valid, one.valid);
      }
    }
  };
  // Mid 100: 100.1 x 1 = 100.1 ends the first ask level exactly; 1,000 is
  // beyond the 6 on the book.
  check(ThreeLevelBook(), {0.0, 10.0, 100.0, 100.1, 150.0, 300.5, 599.0, 1'000.0, 5'000.0});
  std::mt19937_64 rng(7);
  for (int round = 0; round < 50; ++round) {
    std::vector<Lvl> bids, asks;
    std::vector<std::string> keep;  // Lvl holds pointers
    std::uniform_int_distribution<int> levels(1, 30), gap(1, 4), qty(1, 5000);
    int b = 10'000, a = 10'001 + gap(rng) - 1;
    const int nb = levels(rng), na = levels(rng);
    keep.reserve(4 * (nb + na));
    auto add = [&](std::vector<Lvl>& side, int tick) {
      keep.push_back(std::to_string(tick / 10) + "." + std::to_string(tick % 10));
      const char* px = keep.back().c_str();
      keep.push_back(std::to_string(qty(rng)) + ".001");
      side.push_back(Lvl{px, keep.back().c_str()});
    };
    for (int k = 0; k < nb; ++k, b -= gap(rng)) add(bids, b);
    for (int k = 0; k < na; ++k, a += gap(rng)) add(asks, a);
    check(MakeBook(bids, asks), {1'000, 5'000, 10'000, 25'000, 50'000, 100'000, 250'000, 1e7});
  }
}

TEST(SlippageModel, LadderRefusesAnUnusableBookOrABadSize) {
  const SlippageModel model{SlippageConfig{}};
  std::vector<SlippageEstimate> out(2);
  const std::vector<double> ok = {1'000, 2'000};
  OrderBook one_sided = MakeBook({{"99.9", "1"}}, {});
  EXPECT_FALSE(model.PredictNotionalLadder(one_sided, Side::kBuy, ok.data(), 2, out.data()));
  const std::vector<double> nan = {1'000, std::nan("")};
  EXPECT_FALSE(model.PredictNotionalLadder(ThreeLevelBook(), Side::kBuy, nan.data(), 2, out.data()));
  const std::vector<double> down = {2'000, 1'000};
  EXPECT_FALSE(model.PredictNotionalLadder(ThreeLevelBook(), Side::kBuy, down.data(), 2, out.data()));
}

// ---------------------------------------------------------------------------
// SlippageCache

class SlippageCacheTest : public ::testing::Test {
 protected:
  static constexpr InstrumentId kBtc{0};
  static constexpr InstrumentId kEth{3};

  // Ladder 100, 200, 600 (qty 1, 2 and 6 at mid 100); the walk alone.
  static SlippageConfig Config() {
    SlippageConfig c;
    c.impact_bps = 0.0;
    c.beyond_book_bps = 25.0;
    c.stale_fallback_bps = 50.0;
    c.ladder = {100.0, 200.0, 600.0};
    return c;
  }

  void SetBook(InstrumentId id, const std::vector<Lvl>& bids, const std::vector<Lvl>& asks) {
    auto lv = std::make_shared<BookLevels>();
    lv->bids = Levels(bids);
    lv->asks = Levels(asks);
    BookSnapshot s;
    s.ts_event = s.ts_recv = clock_.Now();
    s.instrument = id;
    s.levels = lv;
    ASSERT_FALSE(books_.Apply(s).has_value());
  }
  // Asks as ThreeLevelBook: buy 1 / 2 / 6 cost 10 / 15 / 33.333 bps.
  // Bids 2 @ 99.9, 2 @ 99.8, 2 @ 99.5: sell 1 / 2 / 6 cost 10 / 10 /
  // (199.8 + 199.6 + 199.0 = 598.4, average 99.7333) 26.667 bps.
  void SetStandardBook(InstrumentId id) {
    SetBook(id, {{"99.9", "2"}, {"99.8", "2"}, {"99.5", "2"}}, {{"100.1", "1"}, {"100.2", "2"}, {"100.5", "3"}});
  }
  void Advance(Duration d) { ASSERT_TRUE(clock_.AdvanceBy(d).ok()); }
  void AdvanceAndFire(Duration d) {
    Advance(d);
    timers_.FireDue(clock_.Now());
  }

  SimClock clock_{kT0};
  BookSet books_{[](InstrumentId) { return BookSet::Spec{Venue::kBybit, P("0.1")}; }};
  TimerQueue timers_{clock_};
  SlippageCache cache_{Config(), clock_, books_};
};

TEST_F(SlippageCacheTest, LadderPointsMatchTheModel) {
  SetStandardBook(kBtc);
  cache_.Activate(kBtc);
  cache_.Refresh();
  EXPECT_EQ(cache_.counts().refreshes, 1u);
  const OrderBook* book = books_.Find(kBtc);
  ASSERT_NE(book, nullptr);
  for (const Side side : {Side::kBuy, Side::kSell}) {
    for (const double n : Config().ladder) {
      const SlippageLookup l = cache_.Lookup(kBtc, side, n);
      EXPECT_TRUE(l.fresh);
      EXPECT_NEAR(l.bps, cache_.model().PredictNotional(*book, side, n).bps, 1e-9);
    }
  }
  EXPECT_NEAR(cache_.Lookup(kBtc, Side::kBuy, 600.0).bps, 100.0 / 3.0, kEps);
  EXPECT_NEAR(cache_.Lookup(kBtc, Side::kSell, 600.0).bps, 80.0 / 3.0, kEps);
}

TEST_F(SlippageCacheTest, InterpolatesBetweenLadderSizes) {
  SetStandardBook(kBtc);
  cache_.Activate(kBtc);
  cache_.Refresh();
  // Buy: 10 at 100, 15 at 200, 33.333 at 600.
  EXPECT_NEAR(cache_.Lookup(kBtc, Side::kBuy, 150.0).bps, 12.5, kEps);
  EXPECT_NEAR(cache_.Lookup(kBtc, Side::kBuy, 400.0).bps, 15.0 + (100.0 / 3.0 - 15.0) / 2.0, kEps);
  // Sell: 10 at 100 and 200, 26.667 at 600.
  EXPECT_NEAR(cache_.Lookup(kBtc, Side::kSell, 150.0).bps, 10.0, kEps);
  EXPECT_NEAR(cache_.Lookup(kBtc, Side::kSell, 300.0).bps, 10.0 + (80.0 / 3.0 - 10.0) / 4.0, kEps);
}

TEST_F(SlippageCacheTest, BelowTheFirstSizeAnswersTheFirstSizesCost) {
  SetStandardBook(kBtc);
  cache_.Activate(kBtc);
  cache_.Refresh();
  for (const double n : {50.0, 1.0, 0.0, -5.0, std::numeric_limits<double>::quiet_NaN()}) {
    const SlippageLookup l = cache_.Lookup(kBtc, Side::kBuy, n);
    EXPECT_TRUE(l.fresh);
    EXPECT_NEAR(l.bps, 10.0, kEps) << n;
  }
}

TEST_F(SlippageCacheTest, ExtrapolatesAlongTheLastSegment) {
  SetStandardBook(kBtc);
  cache_.Activate(kBtc);
  cache_.Refresh();
  // Buy: slope (33.333 - 15) / 400 per unit; 200 beyond 600.
  const double slope = (100.0 / 3.0 - 15.0) / 400.0;
  EXPECT_NEAR(cache_.Lookup(kBtc, Side::kBuy, 800.0).bps, 100.0 / 3.0 + 200.0 * slope, kEps);
  EXPECT_NEAR(cache_.Lookup(kBtc, Side::kBuy, 1000.0).bps, 100.0 / 3.0 + 400.0 * slope, kEps);
}

TEST(SlippageCache, ExtrapolationNeverFallsBelowTheLargestSize) {
  // A negative beyond_book_bps makes the cost fall past the book: buy 1 /
  // 6 / 10 at mid 100 cost 10 / 33.333 / (6 x 33.333 + 4 x (50 - 100)) / 10
  // = 0 bps, so the last segment slopes down.
  SimClock clock(kT0);
  BookSet books([](InstrumentId) { return BookSet::Spec{Venue::kBybit, P("0.1")}; });
  auto lv = std::make_shared<BookLevels>();
  lv->bids = Levels({{"99.9", "1"}});
  lv->asks = Levels({{"100.1", "1"}, {"100.2", "2"}, {"100.5", "3"}});
  BookSnapshot s;
  s.instrument = InstrumentId{0};
  s.levels = lv;
  ASSERT_FALSE(books.Apply(s).has_value());
  SlippageConfig c;
  c.impact_bps = 0.0;
  c.beyond_book_bps = -100.0;
  c.ladder = {100.0, 600.0, 1000.0};
  SlippageCache cache(c, clock, books);
  cache.Activate(InstrumentId{0});
  cache.Refresh();
  EXPECT_NEAR(cache.Lookup(InstrumentId{0}, Side::kBuy, 1000.0).bps, 0.0, kEps);
  // Between the points it still interpolates downward.
  EXPECT_NEAR(cache.Lookup(InstrumentId{0}, Side::kBuy, 800.0).bps, 50.0 / 3.0, kEps);
  const SlippageLookup beyond = cache.Lookup(InstrumentId{0}, Side::kBuy, 1400.0);
  EXPECT_TRUE(beyond.fresh);
  EXPECT_NEAR(beyond.bps, 0.0, kEps);
}

TEST(SlippageCache, SingleSizeLadderAnswersItsCostForEveryNotional) {
  SimClock clock(kT0);
  BookSet books([](InstrumentId) { return BookSet::Spec{Venue::kBybit, P("0.1")}; });
  auto lv = std::make_shared<BookLevels>();
  lv->bids = Levels({{"99.9", "1"}});
  lv->asks = Levels({{"100.1", "1"}, {"100.2", "2"}});
  BookSnapshot s;
  s.instrument = InstrumentId{2};
  s.levels = lv;
  ASSERT_FALSE(books.Apply(s).has_value());
  SlippageConfig c;
  c.impact_bps = 0.0;
  c.ladder = {200.0};
  SlippageCache cache(c, clock, books);
  cache.Activate(InstrumentId{2});
  cache.Refresh();
  for (const double n : {50.0, 200.0, 1000.0}) {
    EXPECT_NEAR(cache.Lookup(InstrumentId{2}, Side::kBuy, n).bps, 15.0, kEps) << n;
  }
}

TEST_F(SlippageCacheTest, RefreshesOnTheTimerEveryInterval) {
  SetStandardBook(kBtc);
  cache_.Activate(kBtc);
  cache_.Start(timers_);
  EXPECT_FALSE(cache_.Lookup(kBtc, Side::kBuy, 100.0).fresh);  // not yet computed

  AdvanceAndFire(Duration::Millis(49));
  EXPECT_EQ(cache_.counts().refreshes, 0u);
  EXPECT_FALSE(cache_.Lookup(kBtc, Side::kBuy, 100.0).fresh);

  AdvanceAndFire(Duration::Millis(1));  // 50 ms
  EXPECT_EQ(cache_.counts().refreshes, 1u);
  const SlippageLookup l = cache_.Lookup(kBtc, Side::kBuy, 100.0);
  EXPECT_TRUE(l.fresh);
  EXPECT_NEAR(l.bps, 10.0, kEps);

  AdvanceAndFire(Duration::Millis(50));  // 100 ms
  AdvanceAndFire(Duration::Millis(50));  // 150 ms
  EXPECT_EQ(cache_.counts().refreshes, 3u);

  // While the timer runs an entry never goes stale.
  AdvanceAndFire(Duration::Millis(1000));  // 1150 ms: late, catches up
  EXPECT_TRUE(cache_.Lookup(kBtc, Side::kBuy, 100.0).fresh);

  cache_.Stop();
  const std::uint64_t before = cache_.counts().refreshes;
  AdvanceAndFire(Duration::Millis(500));
  EXPECT_EQ(cache_.counts().refreshes, before);
  EXPECT_EQ(timers_.pending(), 0u);
  EXPECT_FALSE(cache_.Lookup(kBtc, Side::kBuy, 100.0).fresh);
}

TEST_F(SlippageCacheTest, FreshForValidForThenStale) {
  SetStandardBook(kBtc);
  cache_.Activate(kBtc);
  cache_.Refresh();  // computed at kT0

  Advance(Duration::Millis(100));
  SlippageLookup l = cache_.Lookup(kBtc, Side::kSell, 200.0);
  EXPECT_TRUE(l.fresh);
  EXPECT_NEAR(l.bps, 10.0, kEps);

  Advance(Duration::Nanos(1));
  l = cache_.Lookup(kBtc, Side::kSell, 200.0);
  EXPECT_FALSE(l.fresh);
  EXPECT_EQ(l.bps, 50.0);

  EXPECT_EQ(cache_.counts().lookups, 2u);
  EXPECT_EQ(cache_.counts().stale, 1u);
}

TEST_F(SlippageCacheTest, InactiveInstrumentsAreNotRefreshed) {
  SetStandardBook(kBtc);
  SetStandardBook(kEth);
  cache_.Activate(kEth);
  cache_.Refresh();
  cache_.Refresh(kBtc);  // not active: a no-op
  EXPECT_EQ(cache_.counts().refreshes, 1u);
  EXPECT_TRUE(cache_.Lookup(kEth, Side::kBuy, 100.0).fresh);
  const SlippageLookup btc = cache_.Lookup(kBtc, Side::kBuy, 100.0);
  EXPECT_FALSE(btc.fresh);
  EXPECT_EQ(btc.bps, 50.0);
}

TEST_F(SlippageCacheTest, DeactivateAnswersTheFallbackAtOnce) {
  SetStandardBook(kBtc);
  cache_.Activate(kBtc);
  cache_.Refresh();
  EXPECT_TRUE(cache_.Lookup(kBtc, Side::kBuy, 100.0).fresh);
  cache_.Deactivate(kBtc);
  EXPECT_FALSE(cache_.Lookup(kBtc, Side::kBuy, 100.0).fresh);
  cache_.Refresh();
  EXPECT_FALSE(cache_.Lookup(kBtc, Side::kBuy, 100.0).fresh);
  cache_.Deactivate(InstrumentId{99});  // never seen: a no-op

  cache_.Activate(kBtc);
  cache_.Refresh(kBtc);
  EXPECT_TRUE(cache_.Lookup(kBtc, Side::kBuy, 100.0).fresh);
}

TEST_F(SlippageCacheTest, BookChangeIsSeenOnlyAfterTheNextRefresh) {
  SetStandardBook(kBtc);
  cache_.Activate(kBtc);
  cache_.Start(timers_);
  AdvanceAndFire(Duration::Millis(50));
  EXPECT_NEAR(cache_.Lookup(kBtc, Side::kBuy, 100.0).bps, 10.0, kEps);

  // The ask moves out to 100.3: buy 100 costs (100.3 - 100.1) / 100.1 x
  // 1e4 = 19.98 bps at mid 100.1.
  AdvanceAndFire(Duration::Millis(10));
  SetBook(kBtc, {{"99.9", "2"}}, {{"100.3", "5"}});
  EXPECT_NEAR(cache_.Lookup(kBtc, Side::kBuy, 100.0).bps, 10.0, kEps);
  AdvanceAndFire(Duration::Millis(39));
  EXPECT_NEAR(cache_.Lookup(kBtc, Side::kBuy, 100.0).bps, 10.0, kEps);

  AdvanceAndFire(Duration::Millis(1));  // 100 ms: the refresh
  const OrderBook* book = books_.Find(kBtc);
  ASSERT_NE(book, nullptr);
  const double want = cache_.model().PredictNotional(*book, Side::kBuy, 100.0).bps;
  EXPECT_NEAR(want, (100.3 - 100.1) / 100.1 * 1e4, kEps);
  EXPECT_NEAR(cache_.Lookup(kBtc, Side::kBuy, 100.0).bps, want, 1e-9);
}

TEST_F(SlippageCacheTest, AnUnchangedBookKeepsItsCurvesAndStaysFresh) {
  SetStandardBook(kBtc);
  cache_.Activate(kBtc);
  cache_.Refresh();
  EXPECT_EQ(cache_.counts().reused, 0u);
  const double buy = cache_.Lookup(kBtc, Side::kBuy, 150.0).bps;

  // The book is the same: the refresh keeps the curves but renews their
  // time, so the entry stays fresh past valid_for.
  Advance(Duration::Millis(90));
  cache_.Refresh();
  EXPECT_EQ(cache_.counts().refreshes, 2u);
  EXPECT_EQ(cache_.counts().reused, 1u);
  Advance(Duration::Millis(90));  // 180 ms after the first, 90 after the second
  SlippageLookup l = cache_.Lookup(kBtc, Side::kBuy, 150.0);
  EXPECT_TRUE(l.fresh);
  EXPECT_EQ(l.bps, buy);

  // A level set back to the qty it had is still a change: recomputed, to
  // the same values.
  const OrderBook* book = books_.Find(kBtc);
  ASSERT_NE(book, nullptr);
  const std::uint64_t changes = book->changes();
  BookDelta d;
  d.ts_event = d.ts_recv = clock_.Now();
  d.instrument = kBtc;
  d.side = Side::kSell;
  d.price = P("100.1");
  d.qty = Q("1");
  d.flags = BookDelta::kLastInMessage;
  ASSERT_FALSE(books_.Apply(d).has_value());
  EXPECT_GT(book->changes(), changes);
  cache_.Refresh();
  EXPECT_EQ(cache_.counts().refreshes, 3u);
  EXPECT_EQ(cache_.counts().reused, 1u);
  EXPECT_EQ(cache_.Lookup(kBtc, Side::kBuy, 150.0).bps, buy);

  // A real change gives new curves at the next refresh.
  SetBook(kBtc, {{"99.9", "2"}}, {{"100.3", "5"}});
  cache_.Refresh();
  EXPECT_EQ(cache_.counts().reused, 1u);
  EXPECT_NEAR(cache_.Lookup(kBtc, Side::kBuy, 100.0).bps, (100.3 - 100.1) / 100.1 * 1e4, kEps);

  // A book made invalid (a crossing delta) answers the fallback at the
  // next refresh, not the curves kept from before.
  d.side = Side::kBuy;
  d.price = P("100.4");
  ASSERT_TRUE(books_.Apply(d).has_value());
  cache_.Refresh();
  EXPECT_FALSE(cache_.Lookup(kBtc, Side::kBuy, 100.0).fresh);
  EXPECT_EQ(cache_.counts().reused, 1u);
}

TEST_F(SlippageCacheTest, NoBookOrAnUnusableBookAnswersTheFallback) {
  cache_.Activate(kBtc);
  cache_.Refresh();  // no book yet
  EXPECT_EQ(cache_.counts().refreshes, 0u);
  EXPECT_FALSE(cache_.Lookup(kBtc, Side::kBuy, 100.0).fresh);

  SetStandardBook(kBtc);
  cache_.Refresh();
  EXPECT_TRUE(cache_.Lookup(kBtc, Side::kBuy, 100.0).fresh);

  // A crossing delta invalidates the book: the next refresh forgets the
  // ladder rather than keep answering from the old book.
  BookDelta proto;
  proto.instrument = kBtc;
  for (const BookDelta& d : test_books::Deltas(proto, {{"100.2", "1"}}, {})) {
    (void)books_.Apply(d);
  }
  ASSERT_FALSE(books_.Find(kBtc)->IsValid());
  cache_.Refresh();
  const SlippageLookup l = cache_.Lookup(kBtc, Side::kBuy, 100.0);
  EXPECT_FALSE(l.fresh);
  EXPECT_EQ(l.bps, 50.0);
}

TEST_F(SlippageCacheTest, UnknownInstrumentsAnswerTheFallback) {
  for (const InstrumentId id : {InstrumentId{1}, InstrumentId{1000}, InstrumentId{}}) {
    const SlippageLookup l = cache_.Lookup(id, Side::kSell, 100.0);
    EXPECT_FALSE(l.fresh);
    EXPECT_EQ(l.bps, 50.0);
  }
  EXPECT_EQ(cache_.counts().lookups, 3u);
  EXPECT_EQ(cache_.counts().stale, 3u);
}

TEST_F(SlippageCacheTest, StartTwiceKeepsOneTimer) {
  SetStandardBook(kBtc);
  cache_.Activate(kBtc);
  cache_.Start(timers_);
  cache_.Start(timers_);
  EXPECT_EQ(timers_.pending(), 1u);
  AdvanceAndFire(Duration::Millis(50));
  EXPECT_EQ(cache_.counts().refreshes, 1u);
}

TEST(SlippageCacheDeathTest, BadLadderIsABug) {
  SimClock clock(kT0);
  BookSet books([](InstrumentId) { return BookSet::Spec{Venue::kBybit, P("0.1")}; });
  SlippageConfig c;
  c.ladder = {100.0, 100.0};
  EXPECT_DEATH({ SlippageCache cache(c, clock, books); }, "ascending");
  c.ladder = {};
  EXPECT_DEATH({ SlippageCache cache(c, clock, books); }, "ladder");
  c.ladder = std::vector<double>(33, 1.0);
  for (std::size_t i = 0; i < c.ladder.size(); ++i) c.ladder[i] = 1.0 + static_cast<double>(i);
  EXPECT_DEATH({ SlippageCache cache(c, clock, books); }, "ladder");
}

}  // namespace
}  // namespace hean
