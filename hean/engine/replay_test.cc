// Replay (hean/data/replay.h) over real files opened with OpenSource, and
// EngineReplaySink (hean/engine/replay_driver.h) driving an Engine on a
// SimClock with a BookSet.
#include "hean/data/replay.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "hean/book/book_set.h"
#include "hean/core/clock.h"
#include "hean/data/source.h"
#include "hean/data/test_files.h"
#include "hean/engine/engine.h"
#include "hean/engine/replay_driver.h"

namespace hean {
namespace {

using ::testing::ElementsAre;
using ::testing::ElementsAreArray;
using ::testing::HasSubstr;

UnixNanos Ns(std::int64_t ns) { return UnixNanos::FromNanos(ns); }

// One line of text per event, with everything a test compares: type,
// ts_recv and what tells the event apart.
std::string Describe(const Event& e) {
  std::string s = std::to_string(TsRecv(e).nanos()) + " ";
  if (const auto* t = std::get_if<Trade>(&e)) {
    return s + "T " + t->trade_id.str() + " " + t->price.ToString() + " x" + t->qty.ToString() + " i" +
           std::to_string(t->instrument.value);
  }
  if (const auto* d = std::get_if<BookDelta>(&e)) {
    s += "D u" + std::to_string(d->update_id) + " " + (d->side == Side::kBuy ? "b " : "a ");
    if ((d->flags & BookDelta::kNoLevels) != 0) {
      s += "none";
    } else {
      s += d->price.ToString() + " x" + d->qty.ToString();
    }
    if ((d->flags & BookDelta::kLastInMessage) != 0) s += " last";
    return s + " i" + std::to_string(d->instrument.value);
  }
  if (const auto* b = std::get_if<BookSnapshot>(&e)) {
    return s + "S u" + std::to_string(b->update_id) + " i" + std::to_string(b->instrument.value);
  }
  if (const auto* inv = std::get_if<BookInvalid>(&e)) {
    return s + "I " + std::string(ToString(inv->reason)) + " last=" + std::to_string(inv->last_update_id) +
           " u=" + std::to_string(inv->update_id) + " i" + std::to_string(inv->instrument.value);
  }
  return s + std::string(EventTypeName(TypeOf(e)));
}

// "<recv ns> {publicTrade message with one trade}".
std::string TradeLine(std::int64_t recv, std::string_view id, std::string_view price = "100.5",
                      std::string_view symbol = "BTCUSDT") {
  return std::to_string(recv) + R"( {"topic":"publicTrade.)" + std::string(symbol) +
         R"(","type":"snapshot","ts":1,"data":[{"T":1,"s":")" + std::string(symbol) +
         R"(","S":"Buy","v":"0.001","p":")" + std::string(price) + R"(","i":")" + std::string(id) + R"("}]})";
}

// "<recv ns> {orderbook.50 message}"; `bids`/`asks` are JSON level arrays
// without the outer brackets, e.g. R"(["100.0","1"],["99.9","2"])".
std::string BookLine(std::int64_t recv, std::string_view type, std::uint64_t u, std::string_view bids,
                     std::string_view asks) {
  return std::to_string(recv) + R"( {"topic":"orderbook.50.BTCUSDT","type":")" + std::string(type) +
         R"(","ts":5,"data":{"s":"BTCUSDT","b":[)" + std::string(bids) + "],\"a\":[" + std::string(asks) +
         "],\"u\":" + std::to_string(u) + ",\"seq\":" + std::to_string(u + 1000) + "},\"cts\":4}";
}

std::string Lines(const std::vector<std::string>& lines) {
  std::string r;
  for (const std::string& l : lines) r += l + "\n";
  return r;
}

// A sink that records what Replay::Run hands it.
class RecordingSink final : public ReplaySink {
 public:
  Status AdvanceTo(UnixNanos t) override {
    advances.push_back(t.nanos());
    return Status::Ok();
  }
  void Deliver(const Event& e) override { delivered.push_back(Describe(e)); }

  std::vector<std::int64_t> advances;
  std::vector<std::string> delivered;
};

// An in-memory source: each inner vector is one record. After the records
// it ends, or fails with `error` if one is given.
class VecSource final : public EventSource {
 public:
  explicit VecSource(std::vector<std::vector<Event>> records, std::optional<Status> error = std::nullopt)
      : EventSource("mem", "mem", OnError::kFail), records_(std::move(records)), error_(std::move(error)) {}

  bool Next(std::vector<Event>& out) override {
    if (!status_.ok()) return false;
    if (next_ == records_.size()) {
      if (error_) return Fatal(*error_);
      return false;
    }
    ++line_;
    const std::vector<Event>& r = records_[next_++];
    out.insert(out.end(), r.begin(), r.end());
    return true;
  }

 private:
  std::vector<std::vector<Event>> records_;
  std::optional<Status> error_;
  std::size_t next_ = 0;
};

Event MemTrade(std::int64_t recv, std::string_view id) {
  Trade t;
  t.ts_event = Ns(recv);
  t.ts_recv = Ns(recv);
  t.instrument = InstrumentId{0};
  t.price = *Price::Parse("1");
  t.qty = *Qty::Parse("1");
  t.trade_id = TradeId::Of(id);
  return t;
}

class ReplayTest : public TempDirTest {
 protected:
  // Opens every path (into `inst`) for one Replay, in the order given.
  static std::vector<std::unique_ptr<EventSource>> Open(const std::vector<std::string>& paths, DataInstruments& inst,
                                                        OnError on_error = OnError::kFail) {
    std::vector<std::unique_ptr<EventSource>> sources;
    SourceOptions opts;
    opts.instruments = &inst;
    opts.on_error = on_error;
    for (const std::string& p : paths) {
      auto s = OpenSource(p, opts);
      EXPECT_TRUE(s.ok()) << p << ": " << (s.ok() ? "" : s.error().ToString());
      if (!s.ok()) continue;
      EXPECT_EQ((*s)->format(), "bybit-json") << p;
      sources.push_back(std::move(*s));
    }
    return sources;
  }

  // Every event Replay::Next yields, described.
  static std::vector<std::string> Drain(Replay& replay) {
    std::vector<std::string> out;
    Event e;
    while (replay.Next(&e)) out.push_back(Describe(e));
    return out;
  }

  std::vector<std::string> ReplayFiles(const std::vector<std::string>& paths) const {
    DataInstruments inst;
    Replay replay(Open(paths, inst));
    std::vector<std::string> out = Drain(replay);
    EXPECT_TRUE(replay.status().ok()) << replay.status().ToString();
    return out;
  }
};

// ------------------------------------------------------------ merge order

TEST_F(ReplayTest, MergesInterleavedFilesByReceiveTime) {
  const std::string a = Write("a.jsonl", Lines({TradeLine(1000, "a1"), TradeLine(3000, "a2"), TradeLine(5000, "a3")}));
  const std::string b =
      Write("b.jsonl", Lines({TradeLine(2000, "b1"), TradeLine(4000, "b2"), TradeLine(6000, "b3", "7", "ETHUSDT")}));

  DataInstruments inst;
  Replay replay(Open({a, b}, inst));
  EXPECT_THAT(Drain(replay),
              ElementsAre("1000 T a1 100.5 x0.001 i0", "2000 T b1 100.5 x0.001 i0", "3000 T a2 100.5 x0.001 i0",
                          "4000 T b2 100.5 x0.001 i0", "5000 T a3 100.5 x0.001 i0", "6000 T b3 7 x0.001 i1"));
  EXPECT_TRUE(replay.status().ok()) << replay.status().ToString();
  EXPECT_EQ(replay.events(), 6u);
  EXPECT_EQ(replay.out_of_order(), 0u);
  // The end is sticky.
  Event e;
  EXPECT_FALSE(replay.Next(&e));
  EXPECT_FALSE(replay.Next(&e));
  EXPECT_EQ(replay.events(), 6u);
}

TEST_F(ReplayTest, EqualReceiveTimesGoFirstGivenSourceFirstThenFileOrder) {
  const std::string a = Write("a.jsonl", Lines({TradeLine(1000, "a1"), TradeLine(2000, "a2"), TradeLine(2000, "a3")}));
  const std::string b = Write("b.jsonl", Lines({TradeLine(1000, "b1"), TradeLine(2000, "b2"), TradeLine(3000, "b3")}));

  auto ids = [](const std::vector<std::string>& described) {
    std::vector<std::string> r;
    for (const std::string& d : described) r.push_back(d.substr(0, d.find(" 100.5")));
    return r;
  };
  EXPECT_THAT(ids(ReplayFiles({a, b})),
              ElementsAre("1000 T a1", "1000 T b1", "2000 T a2", "2000 T a3", "2000 T b2", "3000 T b3"));
  EXPECT_THAT(ids(ReplayFiles({b, a})),
              ElementsAre("1000 T b1", "1000 T a1", "2000 T b2", "2000 T a2", "2000 T a3", "3000 T b3"));
}

TEST_F(ReplayTest, MultiLevelDeltaStaysTogetherAgainstAnEqualTime) {
  const std::string book =
      Write("book.jsonl",
            Lines({BookLine(1000, "snapshot", 10, R"(["100.0","1"])", R"(["100.5","2"])"),
                   BookLine(2000, "delta", 11, R"(["100.0","3"],["99.9","4"])", R"(["100.5","0"],["100.6","5"])"),
                   BookLine(3000, "delta", 12, R"(["99.8","1"])", "")}));
  const std::string trades = Write("trades.jsonl", Lines({TradeLine(2000, "t1"), TradeLine(2000, "t2")}));

  const std::vector<std::string> delta11 = {"2000 D u11 b 100 x3 i0", "2000 D u11 b 99.9 x4 i0",
                                            "2000 D u11 a 100.5 x0 i0", "2000 D u11 a 100.6 x5 last i0"};
  // Book file first: the whole message, then the trades of the same time.
  {
    std::vector<std::string> want = {"1000 S u10 i0"};
    want.insert(want.end(), delta11.begin(), delta11.end());
    want.insert(want.end(), {"2000 T t1 100.5 x0.001 i0", "2000 T t2 100.5 x0.001 i0", "3000 D u12 b 99.8 x1 last i0"});
    EXPECT_THAT(ReplayFiles({book, trades}), ElementsAreArray(want));
  }
  // Trades file first: the trades, then the whole message.
  {
    std::vector<std::string> want = {"1000 S u10 i0", "2000 T t1 100.5 x0.001 i0", "2000 T t2 100.5 x0.001 i0"};
    want.insert(want.end(), delta11.begin(), delta11.end());
    want.push_back("3000 D u12 b 99.8 x1 last i0");
    EXPECT_THAT(ReplayFiles({trades, book}), ElementsAreArray(want));
  }
}

// A record whose events do not share one time (native record groups can
// hold such) is still delivered whole before another source is looked at.
TEST(ReplayMem, RecordIsDeliveredWholeEvenWhenItsTimesDiffer) {
  std::vector<std::unique_ptr<EventSource>> sources;
  sources.push_back(std::make_unique<VecSource>(
      std::vector<std::vector<Event>>{{MemTrade(1000, "a1"), MemTrade(3000, "a2")}, {MemTrade(4000, "a3")}}));
  sources.push_back(std::make_unique<VecSource>(std::vector<std::vector<Event>>{{MemTrade(2000, "b1")}}));
  Replay replay(std::move(sources));
  RecordingSink sink;
  ASSERT_TRUE(replay.Run(sink).ok());
  EXPECT_THAT(sink.delivered,
              ElementsAre("1000 T a1 1 x1 i0", "3000 T a2 1 x1 i0", "2000 T b1 1 x1 i0", "4000 T a3 1 x1 i0"));
  // b1 came after the clock had reached 3000: delivered at 3000, counted.
  EXPECT_THAT(sink.advances, ElementsAre(1000, 3000, 3000, 4000));
  EXPECT_EQ(replay.out_of_order(), 1u);
}

// ------------------------------------------------------------ determinism

TEST_F(ReplayTest, TwoRunsOverTheSameFilesAreIdentical) {
  const std::string book = Write(
      "book.jsonl",
      Lines({BookLine(1000, "snapshot", 10, R"(["100.0","1"],["99.9","2"])", R"(["100.5","2"])"),
             BookLine(2000, "delta", 11, R"(["100.0","3"],["99.9","0"])", R"(["100.6","5"])"),
             BookLine(2000, "delta", 12, R"(["99.7","1"])", R"(["100.5","1"])"),
             BookLine(1500, "delta", 13, "", R"(["100.7","1"])"), BookLine(4000, "delta", 14, R"(["99.6","1"])", "")}));
  const std::string t1 = Write("t1.jsonl", Lines({TradeLine(1000, "x1"), TradeLine(2000, "x2"), TradeLine(2000, "x3"),
                                                  TradeLine(3500, "x4", "3", "ETHUSDT")}));
  const std::string t2 = Write("t2.jsonl", Lines({TradeLine(900, "y1"), TradeLine(2000, "y2"), TradeLine(1800, "y3"),
                                                  TradeLine(4000, "y4", "101.5")}));

  auto run = [&](std::uint64_t* out_of_order) {
    DataInstruments inst;
    Replay replay(Open({t1, book, t2}, inst));
    RecordingSink sink;
    EXPECT_TRUE(replay.Run(sink).ok());
    *out_of_order = replay.out_of_order();
    std::vector<std::string> r = sink.delivered;
    for (std::int64_t t : sink.advances) r.push_back("advance " + std::to_string(t));
    return r;
  };
  std::uint64_t ooo1 = 0;
  std::uint64_t ooo2 = 0;
  const std::vector<std::string> first = run(&ooo1);
  const std::vector<std::string> second = run(&ooo2);
  EXPECT_EQ(first, second);
  EXPECT_EQ(ooo1, ooo2);
  EXPECT_EQ(ooo1, 2u);  // book u13 (1500) and y3 (1800) after 2000
  // 1 snapshot + 3 + 2 + 1 + 1 deltas + 8 trades, each delivered after one AdvanceTo.
  EXPECT_EQ(first.size(), 2u * 16u);
}

// ------------------------------------------------------------ out of order

TEST_F(ReplayTest, StepBackIsDeliveredCountedAndNeverMovesTimeBack) {
  const std::string a = Write("a.jsonl", Lines({TradeLine(1000, "t1"), TradeLine(3000, "t2"), TradeLine(2000, "t3"),
                                                TradeLine(2500, "t4"), TradeLine(4000, "t5")}));
  const std::string b = Write("b.jsonl", Lines({TradeLine(2200, "b1")}));

  DataInstruments inst;
  Replay replay(Open({a, b}, inst));
  RecordingSink sink;
  ASSERT_TRUE(replay.Run(sink).ok()) << replay.status().ToString();
  auto id = [](const std::string& d) { return d.substr(0, d.find(" 100.5")); };
  std::vector<std::string> ids;
  for (const std::string& d : sink.delivered) ids.push_back(id(d));
  // Every event is delivered, with its own ts_recv unchanged.
  EXPECT_THAT(ids, ElementsAre("1000 T t1", "2200 T b1", "3000 T t2", "2000 T t3", "2500 T t4", "4000 T t5"));
  EXPECT_EQ(replay.out_of_order(), 2u);
  EXPECT_EQ(replay.events(), 6u);
  // The sink's time is the most reached so far.
  EXPECT_THAT(sink.advances, ElementsAre(1000, 2200, 3000, 3000, 3000, 4000));
  for (std::size_t i = 1; i < sink.advances.size(); ++i) EXPECT_LE(sink.advances[i - 1], sink.advances[i]) << i;
}

TEST_F(ReplayTest, StepBackIntoAnEngineKeepsTheClockAtTheTimeReached) {
  const std::string a = Write(
      "a.jsonl", Lines({TradeLine(1000, "t1"), TradeLine(3000, "t2"), TradeLine(2000, "t3"), TradeLine(4000, "t4")}));
  DataInstruments inst;
  Replay replay(Open({a}, inst));
  SimClock clock;
  Engine engine(clock);
  std::vector<std::string> log;
  engine.bus().Subscribe<Trade>(
      [&](const Trade& t) { log.push_back(t.trade_id.str() + "@" + std::to_string(engine.clock().Now().nanos())); });
  engine.timers().ScheduleAt(
      Ns(2500), [&](TimerId, UnixNanos) { log.push_back("timer@" + std::to_string(engine.clock().Now().nanos())); });
  EngineReplaySink sink(engine);
  ASSERT_TRUE(replay.Run(sink).ok());
  EXPECT_THAT(log, ElementsAre("t1@1000", "timer@2500", "t2@3000", "t3@3000", "t4@4000"));
  EXPECT_EQ(replay.out_of_order(), 1u);
  EXPECT_EQ(clock.Now(), Ns(4000));
}

// ------------------------------------------------------------ errors

TEST_F(ReplayTest, SourceErrorStopsTheReplayWithFileAndLine) {
  const std::string a =
      Write("a.jsonl", Lines({TradeLine(1000, "a1"), TradeLine(3000, "a2", "abc"), TradeLine(5000, "a3")}));
  const std::string b = Write("b.jsonl", Lines({TradeLine(2000, "b1"), TradeLine(4000, "b2"), TradeLine(6000, "b3")}));

  {
    DataInstruments inst;
    Replay replay(Open({a, b}, inst));
    // a's next record is read as soon as a1 is taken, so the replay stops
    // there: b1 (2000) is not delivered either.
    EXPECT_THAT(Drain(replay), ElementsAre("1000 T a1 100.5 x0.001 i0"));
    ASSERT_FALSE(replay.status().ok());
    EXPECT_EQ(replay.status().code(), StatusCode::kInvalidArgument);
    EXPECT_THAT(replay.status().message(), HasSubstr(a + ":2:"));
    EXPECT_THAT(replay.status().message(), HasSubstr("\"abc\""));
    Event e;
    EXPECT_FALSE(replay.Next(&e));  // stays stopped
  }
  {
    DataInstruments inst;
    Replay replay(Open({b, a}, inst));
    RecordingSink sink;
    const Status s = replay.Run(sink);
    ASSERT_FALSE(s.ok());
    EXPECT_THAT(s.message(), HasSubstr(a + ":2:"));
    EXPECT_EQ(s.ToString(), replay.status().ToString());
    EXPECT_THAT(sink.delivered, ElementsAre("1000 T a1 100.5 x0.001 i0"));
  }
}

TEST_F(ReplayTest, SkippedBadLineLetsTheReplayGoOn) {
  const std::string a =
      Write("a.jsonl", Lines({TradeLine(1000, "a1"), TradeLine(3000, "a2", "abc"), TradeLine(5000, "a3")}));
  const std::string b = Write("b.jsonl", Lines({TradeLine(2000, "b1"), TradeLine(4000, "b2"), TradeLine(6000, "b3")}));
  DataInstruments inst;
  Replay replay(Open({a, b}, inst, OnError::kSkip));
  RecordingSink sink;
  ASSERT_TRUE(replay.Run(sink).ok()) << replay.status().ToString();
  EXPECT_THAT(sink.advances, ElementsAre(1000, 2000, 4000, 5000, 6000));
  EXPECT_EQ(replay.events(), 5u);
  ASSERT_EQ(replay.sources().size(), 2u);
  EXPECT_EQ(replay.sources()[0]->skipped().total(), 1u);
  ASSERT_EQ(replay.sources()[0]->skipped().by_reason().size(), 1u);
  EXPECT_THAT(replay.sources()[0]->skipped().by_reason().begin()->second.first, HasSubstr(a + ":2:"));
  EXPECT_EQ(replay.sources()[1]->skipped().total(), 0u);
}

TEST(ReplayMem, FatalSourceErrorAfterItsRecordsStopsRun) {
  std::vector<std::unique_ptr<EventSource>> sources;
  sources.push_back(std::make_unique<VecSource>(std::vector<std::vector<Event>>{{MemTrade(1000, "a1")}},
                                                Status(StatusCode::kDataLoss, "mem:2: truncated")));
  sources.push_back(
      std::make_unique<VecSource>(std::vector<std::vector<Event>>{{MemTrade(500, "b1")}, {MemTrade(2000, "b2")}}));
  Replay replay(std::move(sources));
  RecordingSink sink;
  const Status s = replay.Run(sink);
  EXPECT_EQ(s.code(), StatusCode::kDataLoss);
  EXPECT_THAT(s.message(), HasSubstr("mem:2: truncated"));
  EXPECT_THAT(sink.delivered, ElementsAre("500 T b1 1 x1 i0", "1000 T a1 1 x1 i0"));
}

TEST(ReplayMem, NextRefGivesTheEventsOfNextWhereTheyLie) {
  auto make = [] {
    std::vector<std::unique_ptr<EventSource>> sources;
    sources.push_back(std::make_unique<VecSource>(
        std::vector<std::vector<Event>>{{MemTrade(1000, "a1"), MemTrade(3000, "a2")}, {MemTrade(4000, "a3")}},
        Status(StatusCode::kDataLoss, "mem:3: truncated")));
    sources.push_back(std::make_unique<VecSource>(std::vector<std::vector<Event>>{{MemTrade(2000, "b1")}}));
    return std::make_unique<Replay>(std::move(sources));
  };
  auto by_copy = make();
  auto by_ref = make();
  std::vector<std::string> want, got;
  Event e;
  while (by_copy->Next(&e)) want.push_back(std::string(std::get<Trade>(e).trade_id.view()));
  while (Event* r = by_ref->NextRef()) {
    Trade& t = std::get<Trade>(*r);
    got.push_back(std::string(t.trade_id.view()));
    // The caller may change or move from it: the next event is untouched.
    t.trade_id = TradeId::Of("changed");
    Event taken = std::move(*r);
    (void)taken;
  }
  EXPECT_THAT(got, ElementsAre("a1", "a2", "b1", "a3"));
  EXPECT_EQ(got, want);
  EXPECT_EQ(by_ref->events(), by_copy->events());
  EXPECT_EQ(by_ref->out_of_order(), 1u);
  // The source's error ends both the same way; NextRef stays null after it.
  EXPECT_EQ(by_ref->status().code(), StatusCode::kDataLoss);
  EXPECT_EQ(by_ref->status().message(), by_copy->status().message());
  EXPECT_EQ(by_ref->NextRef(), nullptr);
}

// A sink error stops Run and is returned as is.
TEST(ReplayMem, SinkErrorStopsRun) {
  class FailingSink final : public ReplaySink {
   public:
    Status AdvanceTo(UnixNanos t) override {
      if (t >= Ns(2000)) return Status(StatusCode::kFailedPrecondition, "stop here");
      return Status::Ok();
    }
    void Deliver(const Event& e) override { delivered.push_back(Describe(e)); }
    std::vector<std::string> delivered;
  };
  std::vector<std::unique_ptr<EventSource>> sources;
  sources.push_back(std::make_unique<VecSource>(
      std::vector<std::vector<Event>>{{MemTrade(1000, "a1")}, {MemTrade(2000, "a2")}, {MemTrade(3000, "a3")}}));
  Replay replay(std::move(sources));
  FailingSink sink;
  const Status s = replay.Run(sink);
  EXPECT_EQ(s.code(), StatusCode::kFailedPrecondition);
  EXPECT_THAT(sink.delivered, ElementsAre("1000 T a1 1 x1 i0"));
}

// ------------------------------------------------------------ into the engine

BookSet::Spec BtcSpec(InstrumentId) { return {Venue::kBybit, *Price::Parse("0.1")}; }

TEST_F(ReplayTest, EngineClockIsEachEventsReceiveTimeWhenHandled) {
  const std::string book =
      Write("book.jsonl", Lines({BookLine(1000, "snapshot", 10, R"(["100.0","1"])", R"(["100.5","2"])"),
                                 BookLine(2500, "delta", 11, R"(["100.0","3"],["99.9","4"])", R"(["100.6","5"])")}));
  const std::string trades =
      Write("trades.jsonl", Lines({TradeLine(1500, "t1"), TradeLine(2500, "t2"), TradeLine(7000, "t3")}));
  DataInstruments inst;
  Replay replay(Open({book, trades}, inst));
  SimClock clock;
  Engine engine(clock);
  std::vector<std::string> log;
  std::vector<std::string> mismatches;
  auto check = [&](const Event& e) {
    const UnixNanos now = engine.clock().Now();
    log.push_back(Describe(e) + " @" + std::to_string(now.nanos()));
    if (now != TsRecv(e)) mismatches.push_back(Describe(e));
  };
  engine.bus().Subscribe<Trade>([&](const Trade& t) { check(Event(t)); });
  engine.bus().Subscribe<BookDelta>([&](const BookDelta& d) { check(Event(d)); });
  engine.bus().Subscribe<BookSnapshot>([&](const BookSnapshot& s) { check(Event(s)); });
  EngineReplaySink sink(engine);
  ASSERT_TRUE(replay.Run(sink).ok()) << replay.status().ToString();
  EXPECT_THAT(mismatches, ::testing::IsEmpty());
  EXPECT_THAT(log, ElementsAre("1000 S u10 i0 @1000", "1500 T t1 100.5 x0.001 i0 @1500", "2500 D u11 b 100 x3 i0 @2500",
                               "2500 D u11 b 99.9 x4 i0 @2500", "2500 D u11 a 100.6 x5 last i0 @2500",
                               "2500 T t2 100.5 x0.001 i0 @2500", "7000 T t3 100.5 x0.001 i0 @7000"));
  EXPECT_EQ(clock.Now(), Ns(7000));
  EXPECT_EQ(engine.bus().queue_depth(), 0u);  // drained after every event
}

TEST_F(ReplayTest, TimersFireBetweenTheEventsAroundTheirDeadline) {
  const std::string trades =
      Write("trades.jsonl",
            Lines({TradeLine(1000, "t1"), TradeLine(3000, "t2"), TradeLine(5000, "t3"), TradeLine(9000, "t4")}));
  DataInstruments inst;
  Replay replay(Open({trades}, inst));
  SimClock clock;
  Engine engine(clock);
  std::vector<std::string> log;
  auto timer = [&](std::string name) {
    return [&log, &engine, name](TimerId, UnixNanos deadline) {
      log.push_back(name + "@" + std::to_string(engine.clock().Now().nanos()) + "/" + std::to_string(deadline.nanos()));
    };
  };
  engine.bus().Subscribe<Trade>([&](const Trade& t) {
    log.push_back(t.trade_id.str() + "@" + std::to_string(engine.clock().Now().nanos()));
    // A timer set while handling an event fires at its deadline too.
    if (t.trade_id.view() == "t2") engine.timers().ScheduleAfter(Duration::Nanos(1500), timer("after"));
  });
  engine.timers().ScheduleAt(Ns(2000), timer("mid"));
  engine.timers().ScheduleAt(Ns(5000), timer("same"));     // a deadline equal to an event's time fires first
  engine.timers().ScheduleAt(Ns(20000), timer("beyond"));  // after the last event: never reached
  EngineReplaySink sink(engine);
  ASSERT_TRUE(replay.Run(sink).ok());
  EXPECT_THAT(log, ElementsAre("t1@1000", "mid@2000/2000", "t2@3000", "after@4500/4500", "same@5000/5000", "t3@5000",
                               "t4@9000"));
  EXPECT_EQ(engine.timers().pending(), 1u);
  EXPECT_EQ(engine.stats().timers_fired, 3u);
}

TEST_F(ReplayTest, SequenceGapPublishesBookInvalidRightAfterTheDeltaUntilASnapshot) {
  const std::string book =
      Write("book.jsonl", Lines({BookLine(1000, "snapshot", 10, R"(["100.0","1"])", R"(["100.5","2"])"),
                                 BookLine(2000, "delta", 11, R"(["99.9","4"])", ""),
                                 BookLine(3000, "delta", 13, R"(["99.8","1"])", ""),  // u12 is missing
                                 BookLine(4000, "delta", 14, "", R"(["100.6","1"])"),
                                 BookLine(5000, "snapshot", 20, R"(["101.0","1"])", R"(["101.5","2"])"),
                                 BookLine(6000, "delta", 21, R"(["101.1","3"])", "")}));
  // The other source has a trade at the gap's time: it comes after the
  // BookInvalid (the book file is given first).
  const std::string trades = Write("trades.jsonl", Lines({TradeLine(3000, "t1"), TradeLine(4500, "t2")}));
  DataInstruments inst;
  Replay replay(Open({book, trades}, inst));
  SimClock clock;
  Engine engine(clock);
  BookSet books(BtcSpec);
  std::vector<std::string> log;
  engine.bus().SubscribeAll([&](const Event& e) {
    const OrderBook* b = books.Find(InstrumentId{0});
    log.push_back(Describe(e) + " @" + std::to_string(engine.clock().Now().nanos()) +
                  (b != nullptr && b->IsValid() ? " valid" : " invalid"));
  });
  EngineReplaySink sink(engine, &books);
  ASSERT_TRUE(replay.Run(sink).ok()) << replay.status().ToString();
  EXPECT_THAT(
      log, ElementsAre("1000 S u10 i0 @1000 valid", "2000 D u11 b 99.9 x4 last i0 @2000 valid",
                       "3000 D u13 b 99.8 x1 last i0 @3000 invalid",
                       "3000 I SEQUENCE_GAP last=11 u=13 i0 @3000 invalid", "3000 T t1 100.5 x0.001 i0 @3000 invalid",
                       "4000 D u14 a 100.6 x1 last i0 @4000 invalid", "4500 T t2 100.5 x0.001 i0 @4500 invalid",
                       "5000 S u20 i0 @5000 valid", "6000 D u21 b 101.1 x3 last i0 @6000 valid"));
  EXPECT_EQ(books.BuilderName(InstrumentId{0}), "bybit");
  EXPECT_EQ(books.counts().invalidations, 1u);
  const OrderBook* b = books.Find(InstrumentId{0});
  ASSERT_NE(b, nullptr);
  ASSERT_TRUE(b->IsValid());
  EXPECT_EQ(b->update_id, 21u);
  EXPECT_EQ(b->BestBid()->price, *Price::Parse("101.1"));
  EXPECT_EQ(b->BestAsk()->price, *Price::Parse("101.5"));
}

// The BookInvalid follows the event that broke the book: for a message of
// many levels, its first delta (where the gap is seen). The rest of the
// message still goes on the bus, and the BookSet ignores it.
TEST_F(ReplayTest, GapInAMultiLevelMessageIsReportedAfterItsFirstDelta) {
  const std::string book =
      Write("book.jsonl", Lines({BookLine(1000, "snapshot", 10, R"(["100.0","1"])", R"(["100.5","2"])"),
                                 BookLine(3000, "delta", 12, R"(["99.9","1"],["99.8","2"])", R"(["100.6","1"])")}));
  DataInstruments inst;
  Replay replay(Open({book}, inst));
  SimClock clock;
  Engine engine(clock);
  BookSet books(BtcSpec);
  std::vector<std::string> log;
  engine.bus().SubscribeAll([&](const Event& e) { log.push_back(Describe(e)); });
  EngineReplaySink sink(engine, &books);
  ASSERT_TRUE(replay.Run(sink).ok());
  EXPECT_THAT(log, ElementsAre("1000 S u10 i0", "3000 D u12 b 99.9 x1 i0", "3000 I SEQUENCE_GAP last=10 u=12 i0",
                               "3000 D u12 b 99.8 x2 i0", "3000 D u12 a 100.6 x1 last i0"));
  const OrderBook* b = books.Find(InstrumentId{0});
  ASSERT_NE(b, nullptr);
  EXPECT_FALSE(b->IsValid());
  EXPECT_EQ(b->invalid_reason(), BookError::kSequenceGap);
  EXPECT_FALSE(books.ReadyAfterMessage(InstrumentId{0}));
  EXPECT_EQ(books.counts().invalidations, 1u);
}

}  // namespace
}  // namespace hean
