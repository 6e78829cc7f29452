#include "hean/data/hev.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "hean/data/binance_capture.h"
#include "hean/data/line_reader.h"
#include "hean/data/test_files.h"

namespace hean {
namespace {

constexpr std::int64_t kI64Max = std::numeric_limits<std::int64_t>::max();
constexpr std::int64_t kI64Min = std::numeric_limits<std::int64_t>::min();
constexpr std::uint64_t kU64Max = std::numeric_limits<std::uint64_t>::max();

Price P(std::string_view s) { return *Price::Parse(s); }
Qty Q(std::string_view s) { return *Qty::Parse(s); }
UnixNanos Ns(std::int64_t ns) { return UnixNanos::FromNanos(ns); }

// ---------------------------------------------------------------- equality

std::string Str(const BookLevel& l) { return l.price.ToString() + "x" + l.qty.ToString(); }

// The first field in which a and b differ ("" when they are equal), every
// field of every stored event type compared, snapshot levels included.
std::string Diff(const Event& a, const Event& b) {
  if (a.index() != b.index()) {
    return std::string("type ") + std::string(EventTypeName(TypeOf(a))) + " vs " +
           std::string(EventTypeName(TypeOf(b)));
  }
  std::ostringstream d;
  auto field = [&](const char* name, auto x, auto y) {
    if (x != y && d.tellp() == 0) d << name << " differs";
  };
  auto common = [&](const auto& x, const auto& y) {
    field("ts_event", x.ts_event.nanos(), y.ts_event.nanos());
    field("ts_recv", x.ts_recv.nanos(), y.ts_recv.nanos());
    field("instrument", x.instrument.value, y.instrument.value);
  };
  if (const auto* x = std::get_if<BookDelta>(&a)) {
    const auto& y = std::get<BookDelta>(b);
    common(*x, y);
    field("side", static_cast<int>(x->side), static_cast<int>(y.side));
    field("flags", x->flags, y.flags);
    field("price", x->price.raw(), y.price.raw());
    field("qty", x->qty.raw(), y.qty.raw());
    field("update_id", x->update_id, y.update_id);
    field("first_update_id", x->first_update_id, y.first_update_id);
    field("prev_update_id", x->prev_update_id, y.prev_update_id);
    field("sequence", x->sequence, y.sequence);
  } else if (const auto* x = std::get_if<BookSnapshot>(&a)) {
    const auto& y = std::get<BookSnapshot>(b);
    common(*x, y);
    field("update_id", x->update_id, y.update_id);
    field("sequence", x->sequence, y.sequence);
    field("levels present", x->levels != nullptr, y.levels != nullptr);
    if (x->levels && y.levels && d.tellp() == 0) {
      const char* names[] = {"bids", "asks"};
      const std::vector<BookLevel>* xs[] = {&x->levels->bids, &x->levels->asks};
      const std::vector<BookLevel>* ys[] = {&y.levels->bids, &y.levels->asks};
      for (int s = 0; s < 2 && d.tellp() == 0; ++s) {
        if (xs[s]->size() != ys[s]->size()) {
          d << names[s] << " count " << xs[s]->size() << " vs " << ys[s]->size();
          break;
        }
        for (std::size_t i = 0; i < xs[s]->size(); ++i) {
          if (!((*xs[s])[i] == (*ys[s])[i])) {
            d << names[s] << "[" << i << "] " << Str((*xs[s])[i]) << " vs " << Str((*ys[s])[i]);
            break;
          }
        }
      }
    }
  } else if (const auto* x = std::get_if<Trade>(&a)) {
    const auto& y = std::get<Trade>(b);
    common(*x, y);
    field("aggressor", static_cast<int>(x->aggressor), static_cast<int>(y.aggressor));
    field("price", x->price.raw(), y.price.raw());
    field("qty", x->qty.raw(), y.qty.raw());
    field("trade_id", x->trade_id.str(), y.trade_id.str());
  } else if (const auto* x = std::get_if<Quote>(&a)) {
    const auto& y = std::get<Quote>(b);
    common(*x, y);
    field("bid_price", x->bid_price.raw(), y.bid_price.raw());
    field("bid_qty", x->bid_qty.raw(), y.bid_qty.raw());
    field("ask_price", x->ask_price.raw(), y.ask_price.raw());
    field("ask_qty", x->ask_qty.raw(), y.ask_qty.raw());
    field("update_id", x->update_id, y.update_id);
  } else if (const auto* x = std::get_if<Bar>(&a)) {
    const auto& y = std::get<Bar>(b);
    common(*x, y);
    field("interval", x->interval.nanos(), y.interval.nanos());
    field("open_time", x->open_time.nanos(), y.open_time.nanos());
    field("open", x->open.raw(), y.open.raw());
    field("high", x->high.raw(), y.high.raw());
    field("low", x->low.raw(), y.low.raw());
    field("close", x->close.raw(), y.close.raw());
    field("volume", x->volume.raw(), y.volume.raw());
    field("trade_count", x->trade_count, y.trade_count);
  } else if (const auto* x = std::get_if<BookInvalid>(&a)) {
    const auto& y = std::get<BookInvalid>(b);
    common(*x, y);
    field("reason", static_cast<int>(x->reason), static_cast<int>(y.reason));
    field("last_update_id", x->last_update_id, y.last_update_id);
    field("update_id", x->update_id, y.update_id);
  } else {
    d << "not a stored event type";
  }
  return d.str();
}

// ---------------------------------------------------------------- events

BookDelta Delta(Side side, std::string_view price, std::string_view qty, std::uint64_t u, std::uint64_t first,
                std::uint64_t prev, std::uint64_t seq, std::uint8_t flags = 0) {
  BookDelta d;
  d.ts_event = Ns(1'721'347'022'503'000'000);
  d.ts_recv = Ns(1'721'347'020'984'480'942);
  d.instrument = InstrumentId{0};
  d.side = side;
  d.flags = flags;
  d.price = P(price);
  d.qty = Q(qty);
  d.update_id = u;
  d.first_update_id = first;
  d.prev_update_id = prev;
  d.sequence = seq;
  return d;
}

std::shared_ptr<const BookLevels> Levels(std::size_t bids, std::size_t asks) {
  auto l = std::make_shared<BookLevels>();
  for (std::size_t i = 0; i < bids; ++i) {
    l->bids.push_back({Price::FromRaw(63'943'900'000'000 - static_cast<std::int64_t>(i) * 100'000'000),
                       Qty::FromRaw(static_cast<std::int64_t>(i + 1) * 1'000'000)});
  }
  for (std::size_t i = 0; i < asks; ++i) {
    l->asks.push_back({Price::FromRaw(63'944'000'000'000 + static_cast<std::int64_t>(i) * 100'000'000),
                       Qty::FromRaw(static_cast<std::int64_t>(i + 7) * 1'000'000)});
  }
  return l;
}

BookSnapshot Snapshot(std::shared_ptr<const BookLevels> levels, std::uint32_t inst = 0) {
  BookSnapshot s;
  s.ts_event = Ns(1'721'347'022'750'000'000);
  s.ts_recv = Ns(1'721'347'021'281'597'601);
  s.instrument = InstrumentId{inst};
  s.update_id = 4'984'028'384'061;
  s.sequence = 77;
  s.levels = std::move(levels);
  return s;
}

Trade MakeTrade(std::string_view id, AggressorSide aggressor, std::uint32_t inst = 0) {
  Trade t;
  t.ts_event = Ns(1'721'347'022'956'000'000);
  t.ts_recv = Ns(1'721'347'021'434'994'132);
  t.instrument = InstrumentId{inst};
  t.aggressor = aggressor;
  t.price = P("63943.9");
  t.qty = Q("0.003");
  t.trade_id = TradeId::Of(id);
  return t;
}

// Every stored kind and layout: the three delta layouts, snapshots with no
// level list, 0, 1 and many levels, trade ids of every length class,
// Undefined and extreme values.
std::vector<Event> EveryKind() {
  std::vector<Event> v;
  v.push_back(Delta(Side::kBuy, "63939.8", "0.1", 4'984'028'370'730, 4'984'028'367'545, 4'984'028'367'494, 0,
                    BookDelta::kLastInMessage));                        // Binance
  v.push_back(Delta(Side::kSell, "2.5", "0", 900, 0, 0, 123'456'789));  // Bybit, removes a level
  v.push_back(Delta(Side::kSell, "1", "2", 5, 4, 0, 3));                // seq and U, no pu
  v.push_back(Delta(Side::kBuy, "1", "2", kU64Max, kU64Max - 1, kU64Max - 2, kU64Max - 3, 0xff));  // all four
  BookDelta no_levels = Delta(Side::kBuy, "0", "0", 10, 9, 8, 0, BookDelta::kNoLevels | BookDelta::kLastInMessage);
  no_levels.price = Price::Undefined();
  v.push_back(no_levels);
  BookDelta extreme = Delta(Side::kSell, "0", "0", 0, 0, 0, 0);
  extreme.ts_event = UnixNanos::Min();
  extreme.ts_recv = UnixNanos::Max();
  extreme.price = Price::FromRaw(kI64Min);
  extreme.qty = Qty::FromRaw(-1);
  v.push_back(extreme);

  v.push_back(Snapshot(nullptr));
  v.push_back(Snapshot(Levels(0, 0)));
  v.push_back(Snapshot(Levels(1, 0)));
  v.push_back(Snapshot(Levels(0, 1)));
  v.push_back(Snapshot(Levels(1, 1)));
  v.push_back(Snapshot(Levels(2, 1)));  // exactly one continuation
  v.push_back(Snapshot(Levels(2, 2)));  // one level into a second continuation
  v.push_back(Snapshot(Levels(1000, 999)));
  auto odd = std::make_shared<BookLevels>();
  odd->bids = {{Price::Undefined(), Qty::FromRaw(kI64Max)}, {Price::FromRaw(-5), Qty::FromRaw(kI64Min)}};
  v.push_back(Snapshot(odd));

  v.push_back(MakeTrade("", AggressorSide::kUnknown));
  v.push_back(MakeTrade("5182005737", AggressorSide::kSeller));
  v.push_back(MakeTrade(std::string(24, 'x'), AggressorSide::kBuyer));  // the most that fits one record
  v.push_back(MakeTrade(std::string(25, 'y'), AggressorSide::kBuyer));  // the least that takes two
  v.push_back(MakeTrade("6f1b3c54-8c3f-5b4a-9d9e-2f0a1b2c3d4e", AggressorSide::kSeller));  // Bybit UUID
  std::string longest;
  for (std::size_t i = 0; i < TradeId::kCapacity; ++i) longest.push_back(static_cast<char>('A' + i % 26));
  v.push_back(MakeTrade(longest, AggressorSide::kBuyer));
  Trade binary = MakeTrade(std::string("a\0b\xff", 4), AggressorSide::kSeller);
  binary.price = Price::Undefined();
  binary.qty = Qty::FromRaw(kI64Min);
  v.push_back(binary);

  Quote q;
  q.ts_event = Ns(1'721'347'022'507'000'000);
  q.ts_recv = Ns(1'721'347'021'080'832'061);
  q.instrument = InstrumentId{0};
  q.bid_price = P("63943.9");
  q.bid_qty = Q("46.371");
  q.ask_price = P("63944");
  q.ask_qty = Q("0.095");
  q.update_id = 4'984'028'370'881;
  v.push_back(q);
  Quote empty_quote = q;
  empty_quote.bid_price = Price::Undefined();
  empty_quote.ask_price = Price::Undefined();
  empty_quote.bid_qty = Qty::Zero();
  empty_quote.ask_qty = Qty::Undefined();
  empty_quote.update_id = kU64Max;
  v.push_back(empty_quote);

  Bar bar;
  bar.ts_event = Ns(1'721'347'080'000'000'000);
  bar.ts_recv = Ns(1'721'347'080'000'000'123);
  bar.instrument = InstrumentId{0};
  bar.interval = Duration::Minutes(1);
  bar.open_time = Ns(1'721'347'020'000'000'000);
  bar.open = P("63943.9");
  bar.high = P("63990.1");
  bar.low = P("-63900.5");
  bar.close = P("63950");
  bar.volume = Q("123.456");
  bar.trade_count = 4'294'967'295U;
  v.push_back(bar);
  Bar bar2 = bar;
  bar2.interval = Duration::Nanos(kI64Min);
  bar2.open_time = UnixNanos::Max();
  bar2.open = Price::Undefined();
  bar2.close = Price::FromRaw(kI64Min);
  bar2.volume = Qty::Undefined();
  bar2.trade_count = 0;
  v.push_back(bar2);

  BookInvalid inv;
  inv.ts_event = Ns(-1);
  inv.ts_recv = Ns(0);
  inv.instrument = InstrumentId{0};
  inv.reason = BookError::kSequenceGap;
  inv.last_update_id = 4'984'028'370'730;
  inv.update_id = kU64Max;
  v.push_back(inv);
  inv.reason = BookError::kStaleSnapshot;
  v.push_back(inv);
  return v;
}

// ---------------------------------------------------------------- fixture

class HevTest : public TempDirTest {
 protected:
  void SetUp() override {
    TempDirTest::SetUp();
    btc_ = instruments_.Intern(Venue::kBinance, "BTCUSDT");
  }

  // Writes `events` to a new file `name` and returns its path.
  std::string WriteFile(const std::string& name, const std::vector<Event>& events) {
    const std::string path = PathOf(name);
    auto w = HevWriter::Create(path);
    EXPECT_TRUE(w.ok()) << w.error().ToString();
    if (!w.ok()) return path;
    for (const Event& e : events) {
      Status s = (*w)->Write(e);
      EXPECT_TRUE(s.ok()) << s.ToString();
    }
    Status s = (*w)->Finish(instruments_);
    EXPECT_TRUE(s.ok()) << s.ToString();
    return path;
  }

  static void WriteBytes(const std::string& path, std::string_view bytes) {
    std::ofstream f(path, std::ios::binary | std::ios::trunc);
    f.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    ASSERT_TRUE(f.good()) << path;
  }

  // Every event of the file, read with HevReader; the reader's final status
  // into *status.
  static std::vector<Event> ReadAll(const std::string& path, Status* status = nullptr) {
    std::vector<Event> out;
    auto r = HevReader::Open(path);
    EXPECT_TRUE(r.ok()) << r.error().ToString();
    if (!r.ok()) return out;
    Event e;
    while ((*r)->Next(e)) out.push_back(e);
    if (status != nullptr) {
      *status = (*r)->status();
    } else {
      EXPECT_TRUE((*r)->status().ok()) << (*r)->status().ToString();
    }
    return out;
  }

  static std::uint64_t DataOffset(const std::string& path) {
    auto r = HevReader::Open(path);
    EXPECT_TRUE(r.ok()) << r.error().ToString();
    return r.ok() ? (*r)->data_offset() : 0;
  }

  static void ExpectSame(const std::vector<Event>& want, const std::vector<Event>& got) {
    ASSERT_EQ(want.size(), got.size());
    for (std::size_t i = 0; i < want.size(); ++i) {
      const std::string d = Diff(want[i], got[i]);
      ASSERT_EQ(d, "") << "event " << i << " (" << EventTypeName(TypeOf(want[i])) << ")";
    }
  }

  DataInstruments instruments_;
  InstrumentId btc_;
};

// ---------------------------------------------------------------- round trip

TEST_F(HevTest, RoundTripEveryKindBitForBit) {
  const std::vector<Event> events = EveryKind();
  const std::string path = WriteFile("all.hev", events);
  ExpectSame(events, ReadAll(path));
}

TEST_F(HevTest, ForEachVisitsEveryEventAndRewindStartsAgain) {
  const std::vector<Event> events = EveryKind();
  const std::string path = WriteFile("all.hev", events);
  auto r = HevReader::Open(path);
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  std::vector<Event> got;
  Status s = (*r)->ForEach([&](const Event& e) { got.push_back(e); });
  EXPECT_TRUE(s.ok()) << s.ToString();
  ExpectSame(events, got);
  EXPECT_EQ((*r)->events_read(), events.size());
  EXPECT_EQ((*r)->position(), (*r)->record_count());

  (*r)->Rewind();
  got.clear();
  EXPECT_TRUE((*r)->ForEach([&](const Event& e) { got.push_back(e); }).ok());
  ExpectSame(events, got);
}

TEST_F(HevTest, RecordCountsFollowTheLayout) {
  // 1 + 1 + 1 + 2 (full delta) records; snapshot of 5 levels 1 + 2; trade ids
  // of 24 and 25 bytes 1 and 2; quote 1; bar 2; invalid 1.
  std::vector<Event> events = {
      Delta(Side::kBuy, "1", "1", 1, 1, 1, 0),
      Delta(Side::kBuy, "1", "1", 1, 0, 0, 1),
      Delta(Side::kBuy, "1", "1", 1, 1, 0, 1),
      Delta(Side::kBuy, "1", "1", 1, 1, 1, 1),
      Snapshot(Levels(3, 2)),
      MakeTrade(std::string(24, 'a'), AggressorSide::kBuyer),
      MakeTrade(std::string(25, 'a'), AggressorSide::kBuyer),
  };
  Quote q;
  q.instrument = btc_;
  events.push_back(q);
  Bar bar;
  bar.instrument = btc_;
  events.push_back(bar);
  BookInvalid inv;
  inv.instrument = btc_;
  events.push_back(inv);
  const std::string path = WriteFile("counts.hev", events);
  auto r = HevReader::Open(path);
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  EXPECT_EQ((*r)->event_count(), 10U);
  EXPECT_EQ((*r)->record_count(), 1U + 1 + 1 + 2 + 3 + 1 + 2 + 1 + 2 + 1);
  EXPECT_EQ((*r)->file_size(), (*r)->data_offset() + (*r)->record_count() * hev::kRecordSize);
  ExpectSame(events, ReadAll(path));
}

TEST_F(HevTest, HeaderGivesCountsTimeSpansAndInstruments) {
  ASSERT_TRUE(instruments_.AddSpec(Venue::kBinance, "BTCUSDT", P("0.1"), Q("0.001")).ok());
  instruments_.MergeGrid(btc_, P("0.1").raw(), Q("0.001").raw());
  const InstrumentId eth = instruments_.Intern(Venue::kBybit, "ETHUSDT");
  instruments_.MergeGrid(eth, P("0.01").raw(), 0);
  const std::string long_symbol(hev::kSymbolCapacity, 'Z');
  const InstrumentId z = instruments_.Intern(Venue::kUnknown, long_symbol);

  std::vector<Event> events;
  BookDelta a = Delta(Side::kBuy, "1", "1", 1, 0, 0, 0);
  a.ts_recv = Ns(500);
  a.ts_event = Ns(900);
  BookDelta b = a;
  b.instrument = eth;
  b.ts_recv = Ns(100);  // not in order: the header keeps min and max
  b.ts_event = Ns(2000);
  BookDelta c = a;
  c.instrument = z;
  c.ts_recv = Ns(700);
  c.ts_event = Ns(-50);
  events = {a, b, c, Snapshot(Levels(4, 4), eth.value)};
  const std::string path = WriteFile("header.hev", events);

  auto r = HevReader::Open(path);
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  const HevReader& h = **r;
  EXPECT_EQ(h.version(), 1U);
  EXPECT_EQ(h.event_count(), 4U);
  EXPECT_EQ(h.record_count(), 3U + 1 + 3);
  EXPECT_EQ(h.data_offset() % 64, 0U);
  EXPECT_FALSE(h.truncated());
  EXPECT_EQ(h.ts_recv_min().nanos(), 100);
  EXPECT_EQ(h.ts_recv_max().nanos(), 1'721'347'021'281'597'601);  // the snapshot's
  EXPECT_EQ(h.ts_event_min().nanos(), -50);
  EXPECT_EQ(h.ts_event_max().nanos(), 1'721'347'022'750'000'000);
  ASSERT_EQ(h.instruments().size(), 3U);
  const HevInstrument& i0 = h.instruments()[0];
  EXPECT_EQ(i0.id, 0U);
  EXPECT_EQ(i0.venue, Venue::kBinance);
  EXPECT_EQ(i0.symbol, "BTCUSDT");
  EXPECT_EQ(i0.tick_size, P("0.1"));
  EXPECT_EQ(i0.lot_size, Q("0.001"));
  EXPECT_EQ(i0.price_grid, P("0.1").raw());
  EXPECT_EQ(i0.qty_grid, Q("0.001").raw());
  const HevInstrument& i1 = h.instruments()[1];
  EXPECT_EQ(i1.id, 1U);
  EXPECT_EQ(i1.venue, Venue::kBybit);
  EXPECT_EQ(i1.symbol, "ETHUSDT");
  EXPECT_FALSE(i1.tick_size.IsDefined());
  EXPECT_FALSE(i1.lot_size.IsDefined());
  EXPECT_EQ(i1.price_grid, P("0.01").raw());
  EXPECT_EQ(i1.qty_grid, 0);
  EXPECT_EQ(h.instruments()[2].symbol, long_symbol);
  EXPECT_EQ(h.instruments()[2].venue, Venue::kUnknown);
  ExpectSame(events, ReadAll(path));
}

TEST_F(HevTest, EmptyFileHasAHeaderAndNoEvents) {
  const std::string path = WriteFile("empty.hev", {});
  auto r = HevReader::Open(path);
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  EXPECT_EQ((*r)->event_count(), 0U);
  EXPECT_EQ((*r)->record_count(), 0U);
  EXPECT_EQ((*r)->ts_recv_min().nanos(), 0);
  EXPECT_EQ((*r)->ts_event_max().nanos(), 0);
  EXPECT_EQ((*r)->instruments().size(), 1U);
  Event e;
  EXPECT_FALSE((*r)->Next(e));
  EXPECT_TRUE((*r)->status().ok()) << (*r)->status().ToString();

  DataInstruments none;
  const std::string bare = PathOf("bare.hev");
  auto w = HevWriter::Create(bare);
  ASSERT_TRUE(w.ok());
  ASSERT_TRUE((*w)->Finish(none).ok());
  auto r2 = HevReader::Open(bare);
  ASSERT_TRUE(r2.ok()) << r2.error().ToString();
  EXPECT_TRUE((*r2)->instruments().empty());
  EXPECT_FALSE((*r2)->Next(e));
  EXPECT_TRUE((*r2)->status().ok());
}

TEST_F(HevTest, MoreInstrumentsThanTheReservedRoomShiftTheRecords) {
  for (int i = 0; i < 200; ++i) instruments_.Intern(Venue::kBybit, "SYM" + std::to_string(i));
  std::vector<Event> events;
  for (std::uint32_t i = 0; i < 20'000; ++i) {  // over one write buffer
    BookDelta d = Delta(i % 2 ? Side::kBuy : Side::kSell, "1", "1", i, i, i, 0);
    d.instrument = InstrumentId{i % 201};
    d.price = Price::FromRaw(i);
    events.push_back(d);
  }
  events.push_back(Snapshot(Levels(100, 100), 200));
  const std::string path = WriteFile("many.hev", events);
  auto r = HevReader::Open(path);
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  EXPECT_EQ((*r)->instruments().size(), 201U);
  EXPECT_EQ((*r)->instruments()[200].symbol, "SYM199");
  EXPECT_GE((*r)->data_offset(), hev::kHeaderSize + 201U * hev::kInstrumentEntrySize);
  ExpectSame(events, ReadAll(path));
}

// ---------------------------------------------------------------- source

TEST_F(HevTest, SourceInternsInstrumentsAndMapsIds) {
  ASSERT_TRUE(instruments_.AddSpec(Venue::kBinance, "BTCUSDT", P("0.1"), Q("0.001")).ok());
  const InstrumentId eth = instruments_.Intern(Venue::kBybit, "ETHUSDT");
  ASSERT_TRUE(instruments_.AddSpec(Venue::kBybit, "ETHUSDT", P("0.01"), Q("0.01")).ok());
  instruments_.MergeGrid(eth, P("0.05").raw(), Q("0.02").raw());
  std::vector<Event> events = EveryKind();
  events.push_back(Snapshot(Levels(2, 2), eth.value));
  events.push_back(MakeTrade("9", AggressorSide::kBuyer, eth.value));
  const std::string path = WriteFile("src.hev", events);

  // The reading side already knows other instruments (ids shift) and has
  // its own tick for ETHUSDT (kept).
  DataInstruments mine;
  const InstrumentId other = mine.Intern(Venue::kBybit, "SOLUSDT");
  const InstrumentId my_eth = mine.Intern(Venue::kBybit, "ETHUSDT");
  ASSERT_TRUE(mine.AddSpec(Venue::kBybit, "ETHUSDT", P("0.001"), Q("0.001")).ok());
  mine.MergeGrid(my_eth, P("0.03").raw(), 0);
  SourceOptions opts;
  opts.instruments = &mine;
  auto src = OpenHevSource(path, opts);
  ASSERT_TRUE(src.ok()) << src.error().ToString();
  EXPECT_EQ((*src)->format(), "hev");
  EXPECT_EQ((*src)->path(), path);
  ASSERT_EQ(mine.size(), 3U);
  const DataInstruments::Entry* btc = mine.Find(Venue::kBinance, "BTCUSDT");
  ASSERT_NE(btc, nullptr);
  EXPECT_EQ(btc->id.value, 2U);
  EXPECT_EQ(btc->tick_size, P("0.1"));  // from the file
  EXPECT_EQ(btc->lot_size, Q("0.001"));
  EXPECT_EQ(mine.Get(my_eth).tick_size, P("0.001"));        // the caller's, kept
  EXPECT_EQ(mine.Get(my_eth).price_grid, P("0.01").raw());  // gcd(0.03, 0.05)
  EXPECT_EQ(mine.Get(my_eth).qty_grid, Q("0.02").raw());
  EXPECT_EQ(mine.Get(other).price_grid, 0);

  // One venue message per call: the deltas up to the one flagged last, or
  // one other event (which also ends a message cut short before it).
  std::vector<Event> got;
  std::vector<std::size_t> sizes;
  while ((*src)->Next(got)) {
    const std::size_t before = sizes.empty() ? 0 : sizes.back();
    ASSERT_GT(got.size(), before);
    sizes.push_back(got.size());
  }
  ASSERT_TRUE((*src)->status().ok()) << (*src)->status().ToString();
  std::vector<std::size_t> want;  // the same rule over what was written
  std::size_t n = 0;
  for (const Event& e : events) {
    ++n;
    const auto* d = std::get_if<BookDelta>(&e);
    if (d == nullptr || (d->flags & BookDelta::kLastInMessage) != 0) want.push_back(n);
  }
  EXPECT_EQ(sizes, want);
  // EveryKind begins: a flagged delta alone; two unflagged deltas and the
  // one flagged with every bit; a flagged delta without levels; an
  // unflagged delta that the snapshot after it closes.
  ASSERT_GE(sizes.size(), 4u);
  EXPECT_EQ(sizes[0], 1u);
  EXPECT_EQ(sizes[1], 4u);
  EXPECT_EQ(sizes[2], 5u);
  EXPECT_EQ(sizes[3], 7u);
  // The same events with file ids mapped: 0 (BTCUSDT) -> 2, 1 (ETHUSDT) -> 1.
  for (Event& e : events) {
    std::visit(
        [&](auto& x) {
          if constexpr (requires { x.instrument; }) x.instrument = x.instrument == btc_ ? btc->id : my_eth;
        },
        e);
  }
  ExpectSame(events, got);
}

TEST_F(HevTest, SourceNeedsInstruments) {
  const std::string path = WriteFile("x.hev", {Snapshot(Levels(1, 1))});
  auto src = OpenHevSource(path, SourceOptions{});
  ASSERT_FALSE(src.ok());
  EXPECT_EQ(src.error().code(), StatusCode::kInvalidArgument);
}

TEST_F(HevTest, LooksLikeHevChecksTheMagic) {
  const std::string path = WriteFile("m.hev", {});
  const std::string bytes = ReadBytes(path);
  EXPECT_TRUE(LooksLikeHev(bytes));
  EXPECT_TRUE(LooksLikeHev(std::string_view(bytes).substr(0, 8)));
  EXPECT_FALSE(LooksLikeHev(std::string_view(bytes).substr(0, 7)));
  EXPECT_FALSE(LooksLikeHev(""));
  EXPECT_FALSE(LooksLikeHev("1721347020984480942 {\"stream\":\"btcusdt@depth@0ms\"}"));
}

// ---------------------------------------------------------------- writer errors

TEST_F(HevTest, WriteRefusesNonMarketEventsAndGoesOn) {
  const std::string path = PathOf("refuse.hev");
  auto w = HevWriter::Create(path);
  ASSERT_TRUE(w.ok());
  ASSERT_TRUE((*w)->Write(Snapshot(Levels(1, 1))).ok());
  Signal sig;
  sig.instrument = btc_;
  Status s = (*w)->Write(sig);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("SIGNAL"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find(path), std::string::npos) << s.message();
  EXPECT_FALSE((*w)->Write(TimerEvent{}).ok());
  EXPECT_FALSE((*w)->Write(PnlUpdate{}).ok());
  EXPECT_FALSE((*w)->Write(BookDelta{}).ok());  // no instrument id
  BookDelta bad_side = Delta(Side::kBuy, "1", "1", 1, 0, 0, 0);
  bad_side.side = static_cast<Side>(0);
  EXPECT_FALSE((*w)->Write(bad_side).ok());
  ASSERT_TRUE((*w)->Write(MakeTrade("1", AggressorSide::kBuyer)).ok());
  EXPECT_EQ((*w)->event_count(), 2U);
  ASSERT_TRUE((*w)->Finish(instruments_).ok());
  EXPECT_FALSE((*w)->Write(MakeTrade("1", AggressorSide::kBuyer)).ok());
  EXPECT_EQ(ReadAll(path).size(), 2U);
}

TEST_F(HevTest, FinishRefusesAnIdTheTableLacks) {
  const std::string path = PathOf("ids.hev");
  auto w = HevWriter::Create(path);
  ASSERT_TRUE(w.ok());
  ASSERT_TRUE((*w)->Write(Snapshot(Levels(1, 1), 5)).ok());
  Status s = (*w)->Finish(instruments_);
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.message().find("instrument id 5"), std::string::npos) << s.message();
  EXPECT_FALSE(std::filesystem::exists(path));
  EXPECT_FALSE(std::filesystem::exists(path + ".tmp"));
}

TEST_F(HevTest, FinishRefusesASymbolOver32Bytes) {
  instruments_.Intern(Venue::kBybit, std::string(33, 'L'));
  const std::string path = PathOf("sym.hev");
  auto w = HevWriter::Create(path);
  ASSERT_TRUE(w.ok());
  Status s = (*w)->Finish(instruments_);
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.message().find("longer than 32"), std::string::npos) << s.message();
}

TEST_F(HevTest, WriterWithoutFinishLeavesNoFile) {
  const std::string path = PathOf("abandoned.hev");
  {
    auto w = HevWriter::Create(path);
    ASSERT_TRUE(w.ok());
    ASSERT_TRUE((*w)->Write(Snapshot(Levels(1, 1))).ok());
    EXPECT_TRUE(std::filesystem::exists(path + ".tmp"));
    EXPECT_FALSE(std::filesystem::exists(path));
  }
  EXPECT_FALSE(std::filesystem::exists(path + ".tmp"));
  EXPECT_FALSE(std::filesystem::exists(path));
}

TEST_F(HevTest, CreateInAMissingDirectoryFails) {
  auto w = HevWriter::Create(PathOf("no/such/dir/x.hev"));
  ASSERT_FALSE(w.ok());
  EXPECT_EQ(w.error().code(), StatusCode::kNotFound);
}

// ---------------------------------------------------------------- reader errors

TEST_F(HevTest, ZeroByteFileIsNotAnEventFile) {
  const std::string path = PathOf("zero.hev");
  WriteBytes(path, "");
  auto r = HevReader::Open(path);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message(), path + ": not a HEAN event file (empty file)");
  SourceOptions opts;
  opts.instruments = &instruments_;
  EXPECT_FALSE(OpenHevSource(path, opts).ok());
}

TEST_F(HevTest, MissingFileIsNotFound) {
  auto r = HevReader::Open(PathOf("absent.hev"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), StatusCode::kNotFound);
}

TEST_F(HevTest, WrongMagicIsRefused) {
  const std::string path = PathOf("text.hev");
  WriteBytes(path, std::string(4096, 'a'));
  auto r = HevReader::Open(path);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message(), path + ": not a HEAN event file (bad magic)");

  WriteBytes(path, "abc");
  r = HevReader::Open(path);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message(), path + ": not a HEAN event file (bad magic)");

  std::string bytes = ReadBytes(WriteFile("good.hev", EveryKind()));
  bytes[3] = 'X';
  WriteBytes(path, bytes);
  r = HevReader::Open(path);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message(), path + ": not a HEAN event file (bad magic)");
}

TEST_F(HevTest, WrongVersionIsRefused) {
  const std::string path = WriteFile("v.hev", EveryKind());
  std::string bytes = ReadBytes(path);
  bytes[hev::kHdrVersion] = 2;
  WriteBytes(path, bytes);
  auto r = HevReader::Open(path);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), StatusCode::kUnimplemented);
  EXPECT_EQ(r.error().message(), path + ": format version 2 not supported (this build reads 1)");
}

TEST_F(HevTest, CorruptedHeaderFailsItsChecksum) {
  const std::string path = WriteFile("c.hev", EveryKind());
  const std::string good = ReadBytes(path);
  for (std::size_t at : {hev::kHdrRecordCount, hev::kHdrEventCount + 3, hev::kHdrTsRecvMin, hev::kHdrChecksum,
                         hev::kHdrInstrumentCount, std::size_t{200}}) {
    std::string bytes = good;
    bytes[at] = static_cast<char>(bytes[at] ^ 0x01);
    WriteBytes(path, bytes);
    auto r = HevReader::Open(path);
    ASSERT_FALSE(r.ok()) << "byte " << at;
    EXPECT_EQ(r.error().code(), StatusCode::kDataLoss);
    EXPECT_EQ(r.error().message(), path + ": header checksum mismatch (corrupted header)") << "byte " << at;
  }
}

TEST_F(HevTest, CorruptedInstrumentTableFailsItsChecksum) {
  const std::string path = WriteFile("t.hev", EveryKind());
  std::string bytes = ReadBytes(path);
  bytes[hev::kHeaderSize + hev::kInsSymbol] = 'b';  // "BTCUSDT" -> "bTCUSDT"
  WriteBytes(path, bytes);
  auto r = HevReader::Open(path);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message(), path + ": instrument table checksum mismatch (corrupted table)");
}

TEST_F(HevTest, TruncatedHeaderIsAnError) {
  const std::string path = WriteFile("h.hev", EveryKind());
  const std::string bytes = ReadBytes(path);
  for (std::size_t cut : {std::size_t{5}, std::size_t{100}, std::size_t{hev::kHeaderSize + 10}}) {
    WriteBytes(path, std::string_view(bytes).substr(0, cut));
    auto r = HevReader::Open(path);
    ASSERT_FALSE(r.ok()) << cut;
    EXPECT_EQ(r.error().code(), StatusCode::kDataLoss) << cut;
    EXPECT_NE(r.error().message().find("truncated"), std::string::npos) << r.error().message();
  }
}

TEST_F(HevTest, FileCutMidRecordKeepsTheRecordsBeforeIt) {
  std::vector<Event> events;
  for (int i = 0; i < 10; ++i) events.push_back(Delta(Side::kBuy, "1", "1", i, 0, 0, 0));
  events.push_back(Snapshot(Levels(10, 10)));  // 1 + 7 records
  events.push_back(MakeTrade("1", AggressorSide::kBuyer));
  const std::string path = WriteFile("cut.hev", events);
  const std::string bytes = ReadBytes(path);
  ASSERT_EQ(bytes.size(), DataOffset(path) + (10 + 8 + 1) * 64);
  const std::uint64_t off = DataOffset(path);

  // Cut in the middle of record 5: records 0..4 are whole.
  WriteBytes(path, std::string_view(bytes).substr(0, off + 5 * 64 + 30));
  auto r = HevReader::Open(path);
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  EXPECT_TRUE((*r)->truncated());
  EXPECT_EQ((*r)->records_available(), 5U);
  const std::string want = path + ": truncated: header says 19 records, file holds 5";
  EXPECT_EQ((*r)->truncation().message(), want);
  Status st;
  std::vector<Event> got = ReadAll(path, &st);
  EXPECT_EQ(st.code(), StatusCode::kDataLoss);
  EXPECT_EQ(st.message(), want);
  ExpectSame(std::vector<Event>(events.begin(), events.begin() + 5), got);

  // Cut inside the snapshot's continuations: the deltas before it survive,
  // the partial snapshot does not come out.
  WriteBytes(path, std::string_view(bytes).substr(0, off + 13 * 64 + 1));
  got = ReadAll(path, &st);
  EXPECT_EQ(st.message(), path + ": truncated: header says 19 records, file holds 13");
  ExpectSame(std::vector<Event>(events.begin(), events.begin() + 10), got);

  // Through the EventSource: the same events, then the same error.
  SourceOptions opts;
  opts.instruments = &instruments_;
  auto src = OpenHevSource(path, opts);
  ASSERT_TRUE(src.ok()) << src.error().ToString();
  std::vector<Event> from_source;
  while ((*src)->Next(from_source)) {
  }
  EXPECT_EQ((*src)->status().message(), path + ": truncated: header says 19 records, file holds 13");
  ExpectSame(std::vector<Event>(events.begin(), events.begin() + 10), from_source);
}

TEST_F(HevTest, TrailingBytesAreAnError) {
  const std::string path = WriteFile("tail.hev", EveryKind());
  WriteBytes(path, ReadBytes(path) + "junk");
  auto r = HevReader::Open(path);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message().find("4 bytes after the last"), std::string::npos) << r.error().message();
}

TEST_F(HevTest, UnknownRecordKindNamesTheRecord) {
  std::vector<Event> events;
  for (int i = 0; i < 6; ++i) events.push_back(Delta(Side::kBuy, "1", "1", i, 0, 0, 0));
  const std::string path = WriteFile("kind.hev", events);
  std::string bytes = ReadBytes(path);
  const std::uint64_t off = DataOffset(path);
  bytes[off + 4 * 64] = 0x42;
  WriteBytes(path, bytes);
  Status st;
  std::vector<Event> got = ReadAll(path, &st);
  EXPECT_EQ(got.size(), 4U);
  EXPECT_EQ(st.code(), StatusCode::kDataLoss);
  EXPECT_EQ(st.message(), path + ": record 4: unknown record kind 66");

  bytes[off + 4 * 64] = static_cast<char>(hev::kKindContinuation);
  WriteBytes(path, bytes);
  ReadAll(path, &st);
  EXPECT_EQ(st.message(), path + ": record 4: continuation record with no event before it");

  bytes[off + 4 * 64] = 0;
  WriteBytes(path, bytes);
  ReadAll(path, &st);
  EXPECT_EQ(st.message(), path + ": record 4: unknown record kind 0");

  bytes[off + 4 * 64] = hev::kKindDelta;
  bytes[off + 4 * 64 + hev::kRecAux1] = 3;  // side
  WriteBytes(path, bytes);
  ReadAll(path, &st);
  EXPECT_EQ(st.message(), path + ": record 4: delta side 3 is neither buy (1) nor sell (2)");

  bytes[off + 4 * 64 + hev::kRecAux1] = 1;
  bytes[off + 4 * 64 + hev::kRecInstrument] = 9;
  WriteBytes(path, bytes);
  ReadAll(path, &st);
  EXPECT_EQ(st.message(), path + ": record 4: instrument 9 is not in the table (1 entries)");
}

TEST_F(HevTest, MissingContinuationIsAnError) {
  const std::string path = WriteFile("cont.hev", {Snapshot(Levels(3, 3)), Delta(Side::kBuy, "1", "1", 1, 0, 0, 0)});
  std::string bytes = ReadBytes(path);
  const std::uint64_t off = DataOffset(path);
  bytes[off + 2 * 64] = hev::kKindDelta;
  WriteBytes(path, bytes);
  Status st;
  EXPECT_TRUE(ReadAll(path, &st).empty());
  EXPECT_EQ(st.message(), path + ": record 2: expected a continuation of the event at record 0, found kind 1");
}

// ---------------------------------------------------------------- real data

std::string TestData(const std::string& rel) { return std::string(HEAN_SOURCE_DIR) + "/testdata/" + rel; }

TEST_F(HevTest, RealBinanceCaptureRoundTrip) {
  BinanceCaptureParser parser({{"BTCUSDT", btc_}}, btc_);
  auto reader = LineReader::Open(TestData("binance-usdm-2024-07-18/usdm_btcusdt_20240718.gz"));
  ASSERT_TRUE(reader.ok()) << reader.error().ToString();
  std::vector<Event> events;
  std::string_view line;
  while ((*reader)->Next(&line)) {
    Status s = parser.ParseLine(line, (*reader)->readable_after(line), events);
    ASSERT_TRUE(s.ok()) << (*reader)->line_number() << ": " << s.ToString();
  }
  ASSERT_TRUE((*reader)->status().ok());
  for (const Event& e : events) instruments_.Observe(e);
  std::size_t snapshots = 0, deltas = 0, trades = 0, quotes = 0;
  for (const Event& e : events) {
    snapshots += std::holds_alternative<BookSnapshot>(e);
    deltas += std::holds_alternative<BookDelta>(e);
    trades += std::holds_alternative<Trade>(e);
    quotes += std::holds_alternative<Quote>(e);
  }
  ASSERT_GT(snapshots, 0U);
  ASSERT_GT(deltas, 10'000U);
  ASSERT_GT(trades, 0U);
  ASSERT_GT(quotes, 0U);

  const std::string path = WriteFile("btcusdt.hev", events);
  ExpectSame(events, ReadAll(path));

  auto r = HevReader::Open(path);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ((*r)->event_count(), events.size());
  EXPECT_EQ((*r)->instruments()[0].price_grid, instruments_.Get(btc_).price_grid);
  EXPECT_EQ((*r)->instruments()[0].price_grid, P("0.1").raw());
  std::int64_t recv_min = kI64Max, recv_max = kI64Min;
  for (const Event& e : events) {
    recv_min = std::min(recv_min, TsRecv(e).nanos());
    recv_max = std::max(recv_max, TsRecv(e).nanos());
  }
  EXPECT_EQ((*r)->ts_recv_min().nanos(), recv_min);
  EXPECT_EQ((*r)->ts_recv_max().nanos(), recv_max);

  DataInstruments fresh;
  SourceOptions opts;
  opts.instruments = &fresh;
  auto src = OpenHevSource(path, opts);
  ASSERT_TRUE(src.ok()) << src.error().ToString();
  std::vector<Event> got;
  got.reserve(events.size());
  while ((*src)->Next(got)) {
  }
  ASSERT_TRUE((*src)->status().ok()) << (*src)->status().ToString();
  ExpectSame(events, got);
  EXPECT_EQ(fresh.Get(InstrumentId{0}).price_grid, P("0.1").raw());
}

}  // namespace
}  // namespace hean
