// Bybit v5 JSON through OpenSource: the real orderbook.500 archive sample
// (zip) rebuilt into a book, gap detection and snapshot reset on edited
// copies made at test time, Bybit's documentation examples, receive-time
// prefixes, bad lines, and damaged zip archives.
#include <gtest/gtest.h>
#include <zlib.h>

#include <charconv>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "hean/book/book_set.h"
#include "hean/book/bybit_book_builder.h"
#include "hean/book/order_book.h"
#include "hean/data/line_reader.h"
#include "hean/data/source.h"
#include "hean/data/test_files.h"

namespace hean {
namespace {

std::string TestData(const std::string& rel) { return std::string(HEAN_SOURCE_DIR) + "/testdata/" + rel; }

const std::string kArchive = TestData("bybit-ob500-xrpusdt-2024-12-01/xrpusdt-ob500.data.zip");
const std::string kMember = "2024-12-01_XRPUSDT_ob500.data";
std::string DocExample(const std::string& name) { return TestData("bybit-v5-doc-examples/" + name); }

Price P(std::string_view s) { return *Price::Parse(s); }
Qty Q(std::string_view s) { return *Qty::Parse(s); }
UnixNanos Ms(std::int64_t ms) { return UnixNanos::FromMillis(ms); }

// The archive: u 20254869 (snapshot, line 1) .. 20254918 (line 50).
constexpr std::uint64_t kFirstU = 20254869;
constexpr std::uint64_t kLastU = 20254918;

// ------------------------------------------------------------ golden values
//
// Computed independently of HEAN with a Python script over the unzipped
// member (`unzip -p xrpusdt-ob500.data.zip`): json.loads each line; the
// snapshot sets two dicts {Decimal(price): Decimal(qty)} (zero qty skipped),
// each delta level sets dict[price] = qty or pops it when qty is 0; then
// max(bids), min(asks), len() and sum(values()) after the line named.
struct Golden {
  const char* best_bid;
  const char* best_bid_qty;
  const char* best_ask;
  const char* best_ask_qty;
  std::size_t bid_levels;
  std::size_t ask_levels;
  const char* bid_qty_sum;
  const char* ask_qty_sum;
  const char* worst_bid;
  const char* worst_ask;
};
// After the 10th delta message (line 11, u 20254879).
constexpr Golden kAfter10 = {"1.9533", "16410", "1.9534", "1071", 500, 500, "8337921", "9689416", "1.9033", "2.0033"};
// After the last message (line 50, u 20254918).
constexpr Golden kAtEnd = {"1.9537", "10605", "1.9538", "6702", 500, 500, "8328816", "9911460", "1.9037", "2.0037"};
// Level entries in the 49 delta messages (= BookDelta events), and in the
// deltas of lines 22..50.
constexpr std::size_t kDeltaLevels = 2966;
constexpr std::size_t kDeltaLevelsLines22To50 = 1787;

void ExpectGolden(const OrderBook& book, const Golden& g, const std::string& where) {
  SCOPED_TRACE(where);
  ASSERT_TRUE(book.BestBid().has_value());
  ASSERT_TRUE(book.BestAsk().has_value());
  EXPECT_EQ(book.BestBid()->price, P(g.best_bid));
  EXPECT_EQ(book.BestBid()->qty, Q(g.best_bid_qty));
  EXPECT_EQ(book.BestAsk()->price, P(g.best_ask));
  EXPECT_EQ(book.BestAsk()->qty, Q(g.best_ask_qty));
  EXPECT_EQ(book.LevelCount(Side::kBuy), g.bid_levels);
  EXPECT_EQ(book.LevelCount(Side::kSell), g.ask_levels);
  EXPECT_EQ(book.TotalQty(Side::kBuy, 10'000), Q(g.bid_qty_sum));
  EXPECT_EQ(book.TotalQty(Side::kSell, 10'000), Q(g.ask_qty_sum));
  EXPECT_EQ(book.LevelAt(Side::kBuy, g.bid_levels - 1)->price, P(g.worst_bid));
  EXPECT_EQ(book.LevelAt(Side::kSell, g.ask_levels - 1)->price, P(g.worst_ask));
}

// ------------------------------------------------------------ helpers

struct Record {
  std::uint64_t line = 0;
  std::vector<Event> events;
};

struct ReadOutcome {
  bool opened = false;
  Status open_error;
  std::string format;
  std::vector<Record> records;
  std::vector<Event> events;
  Status status;
  SkipLog skipped;
};

ReadOutcome ReadAll(const std::string& path, DataInstruments& inst, OnError on_error = OnError::kFail) {
  ReadOutcome o;
  SourceOptions opt;
  opt.instruments = &inst;
  opt.on_error = on_error;
  auto src = OpenSource(path, opt);
  if (!src.ok()) {
    o.open_error = src.error();
    return o;
  }
  o.opened = true;
  EventSource& s = **src;
  o.format = std::string(s.format());
  std::vector<Event> batch;
  while (s.Next(batch)) {
    EXPECT_FALSE(batch.empty()) << "Next returned true without events";
    o.records.push_back(Record{s.line_number(), batch});
    o.events.insert(o.events.end(), batch.begin(), batch.end());
    batch.clear();
  }
  EXPECT_TRUE(batch.empty()) << "events left in the batch at the end";
  o.status = s.status();
  o.skipped = s.skipped();
  // Stays at the end.
  EXPECT_FALSE(s.Next(batch));
  return o;
}

std::size_t CountMessages(const std::vector<Event>& events) {
  std::size_t n = 0;
  for (const Event& e : events) {
    if (const auto* d = std::get_if<BookDelta>(&e); d != nullptr && (d->flags & BookDelta::kLastInMessage)) ++n;
  }
  return n;
}

// The lines of the archive member, read with LineReader.
std::vector<std::string> ArchiveLines() {
  std::vector<std::string> lines;
  auto r = LineReader::Open(kArchive);
  EXPECT_TRUE(r.ok());
  if (!r.ok()) return lines;
  EXPECT_EQ((*r)->compression(), "zip");
  std::string_view line;
  while ((*r)->Next(&line)) lines.emplace_back(line);
  EXPECT_TRUE((*r)->status().ok()) << (*r)->status().ToString();
  return lines;
}

// The value of "u" in a Bybit order-book line.
std::uint64_t UOf(std::string_view line) {
  const std::size_t k = line.find("\"u\":");
  if (k == std::string_view::npos) return 0;
  std::uint64_t u = 0;
  std::from_chars(line.data() + k + 4, line.data() + line.size(), u);
  return u;
}

// The line with its "u" replaced by `u`.
std::string WithU(std::string line, std::uint64_t u) {
  const std::size_t k = line.find("\"u\":");
  EXPECT_NE(k, std::string::npos) << line.substr(0, 80);
  std::size_t end = k + 4;
  while (end < line.size() && line[end] >= '0' && line[end] <= '9') ++end;
  line.replace(k + 4, end - (k + 4), std::to_string(u));
  return line;
}

std::string Join(const std::vector<std::string>& lines) {
  std::string s;
  for (const std::string& l : lines) {
    s += l;
    s += '\n';
  }
  return s;
}

// Replaces the one occurrence of `from` with `to`.
std::string Replace(std::string s, std::string_view from, std::string_view to) {
  const std::size_t k = s.find(from);
  EXPECT_NE(k, std::string::npos) << from;
  EXPECT_EQ(s.find(from, k + 1), std::string::npos) << from << " occurs twice";
  if (k != std::string::npos) s.replace(k, from.size(), to);
  return s;
}

void PutLe16(std::string& s, std::uint32_t v) {
  s.push_back(static_cast<char>(v & 0xff));
  s.push_back(static_cast<char>((v >> 8) & 0xff));
}
void PutLe32(std::string& s, std::uint32_t v) {
  PutLe16(s, v & 0xffff);
  PutLe16(s, v >> 16);
}

std::string RawDeflate(std::string_view data) {
  z_stream zs{};
  EXPECT_EQ(deflateInit2(&zs, Z_DEFAULT_COMPRESSION, Z_DEFLATED, -MAX_WBITS, 8, Z_DEFAULT_STRATEGY), Z_OK);
  std::string out(deflateBound(&zs, static_cast<uLong>(data.size())), '\0');
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  zs.avail_in = static_cast<uInt>(data.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  EXPECT_EQ(deflate(&zs, Z_FINISH), Z_STREAM_END);
  out.resize(zs.total_out);
  deflateEnd(&zs);
  return out;
}

// A minimal zip writer: local headers, stored (method 0) or deflated
// (method 8) data, CRC-32 from zlib, central directory, end record.
struct ZipMember {
  std::string name;
  std::string data;
  bool deflate = false;
};
std::string MakeZip(const std::vector<ZipMember>& members) {
  std::string out, central;
  for (const ZipMember& m : members) {
    const std::string payload = m.deflate ? RawDeflate(m.data) : m.data;
    const auto crc = static_cast<std::uint32_t>(
        crc32(0, reinterpret_cast<const Bytef*>(m.data.data()), static_cast<uInt>(m.data.size())));
    const std::uint32_t method = m.deflate ? 8 : 0;
    const auto offset = static_cast<std::uint32_t>(out.size());
    PutLe32(out, 0x04034b50u);
    PutLe16(out, 20);      // version needed
    PutLe16(out, 0);       // flags
    PutLe16(out, method);  // method
    PutLe16(out, 0);       // time
    PutLe16(out, 0x21);    // date: 1980-01-01
    PutLe32(out, crc);
    PutLe32(out, static_cast<std::uint32_t>(payload.size()));
    PutLe32(out, static_cast<std::uint32_t>(m.data.size()));
    PutLe16(out, static_cast<std::uint32_t>(m.name.size()));
    PutLe16(out, 0);  // extra length
    out += m.name;
    out += payload;

    PutLe32(central, 0x02014b50u);
    PutLe16(central, 20);  // version made by
    PutLe16(central, 20);  // version needed
    PutLe16(central, 0);
    PutLe16(central, method);
    PutLe16(central, 0);
    PutLe16(central, 0x21);
    PutLe32(central, crc);
    PutLe32(central, static_cast<std::uint32_t>(payload.size()));
    PutLe32(central, static_cast<std::uint32_t>(m.data.size()));
    PutLe16(central, static_cast<std::uint32_t>(m.name.size()));
    PutLe16(central, 0);  // extra
    PutLe16(central, 0);  // comment
    PutLe16(central, 0);  // disk
    PutLe16(central, 0);  // internal attributes
    PutLe32(central, 0);  // external attributes
    PutLe32(central, offset);
    central += m.name;
  }
  const auto cd_offset = static_cast<std::uint32_t>(out.size());
  out += central;
  PutLe32(out, 0x06054b50u);
  PutLe16(out, 0);
  PutLe16(out, 0);
  PutLe16(out, static_cast<std::uint32_t>(members.size()));
  PutLe16(out, static_cast<std::uint32_t>(members.size()));
  PutLe32(out, static_cast<std::uint32_t>(central.size()));
  PutLe32(out, cd_offset);
  PutLe16(out, 0);
  return out;
}

class BybitTest : public TempDirTest {
 protected:
  DataInstruments inst_;
};

BookSet::Spec XrpSpec(InstrumentId) { return {Venue::kBybit, P("0.0001")}; }

// ------------------------------------------------------------ the archive

TEST_F(BybitTest, ArchiveReadsAsSnapshotThenDeltas) {
  const ReadOutcome o = ReadAll(kArchive, inst_);
  ASSERT_TRUE(o.opened) << o.open_error.ToString();
  EXPECT_EQ(o.format, "bybit-json");
  EXPECT_TRUE(o.status.ok()) << o.status.ToString();
  ASSERT_EQ(o.records.size(), 50u);
  for (std::size_t i = 0; i < o.records.size(); ++i) EXPECT_EQ(o.records[i].line, i + 1);

  ASSERT_EQ(inst_.size(), 1u);
  const DataInstruments::Entry* xrp = inst_.Find(Venue::kBybit, "XRPUSDT");
  ASSERT_NE(xrp, nullptr);

  ASSERT_EQ(o.records[0].events.size(), 1u);
  const auto* snap = std::get_if<BookSnapshot>(&o.records[0].events[0]);
  ASSERT_NE(snap, nullptr);
  EXPECT_EQ(snap->instrument, xrp->id);
  EXPECT_EQ(snap->update_id, kFirstU);
  EXPECT_EQ(snap->sequence, 130020238981u);
  EXPECT_EQ(snap->ts_event, Ms(1733011200589));  // cts
  EXPECT_EQ(snap->ts_recv, Ms(1733011200691));   // ts
  ASSERT_NE(snap->levels, nullptr);
  ASSERT_EQ(snap->levels->bids.size(), 500u);
  ASSERT_EQ(snap->levels->asks.size(), 500u);
  EXPECT_EQ(snap->levels->bids[0], (BookLevel{P("1.9531"), Q("6203")}));
  EXPECT_EQ(snap->levels->asks[0], (BookLevel{P("1.9532"), Q("10480")}));
  EXPECT_EQ(snap->levels->bids[499].price, P("1.9031"));
  EXPECT_EQ(snap->levels->asks[499].price, P("2.0031"));

  // Every other line: one message of deltas sharing u and seq, the last flagged.
  std::size_t deltas = 0;
  for (std::size_t r = 1; r < o.records.size(); ++r) {
    const auto& evs = o.records[r].events;
    for (std::size_t i = 0; i < evs.size(); ++i) {
      const auto* d = std::get_if<BookDelta>(&evs[i]);
      ASSERT_NE(d, nullptr) << "line " << r + 1;
      EXPECT_EQ(d->update_id, kFirstU + r);
      EXPECT_EQ(d->instrument, xrp->id);
      EXPECT_EQ(d->flags, i + 1 == evs.size() ? BookDelta::kLastInMessage : 0) << "line " << r + 1 << " #" << i;
      ++deltas;
    }
  }
  EXPECT_EQ(deltas, kDeltaLevels);
  EXPECT_EQ(CountMessages(o.events), 49u);
  const auto& first = std::get<BookDelta>(o.records[1].events.front());
  EXPECT_EQ(first.sequence, 130020239261u);
  EXPECT_EQ(first.side, Side::kBuy);
  EXPECT_EQ(first.price, P("1.9531"));
  EXPECT_EQ(first.qty, Q("6198"));
  EXPECT_EQ(first.ts_event, Ms(1733011200691));
  EXPECT_EQ(first.ts_recv, Ms(1733011200693));
  const auto& last = std::get<BookDelta>(o.events.back());
  EXPECT_EQ(last.update_id, kLastU);
  EXPECT_EQ(last.sequence, 130020252664u);
  EXPECT_EQ(last.ts_event, Ms(1733011205488));
  EXPECT_EQ(last.ts_recv, Ms(1733011205490));
}

TEST_F(BybitTest, ArchiveRebuildsTheBookWithoutInvalidation) {
  const ReadOutcome o = ReadAll(kArchive, inst_);
  ASSERT_TRUE(o.opened) << o.open_error.ToString();
  ASSERT_TRUE(o.status.ok()) << o.status.ToString();
  const InstrumentId id = inst_.Find(Venue::kBybit, "XRPUSDT")->id;

  OrderBook book(id, P("0.0001"));
  BybitBookBuilder builder(book);
  BookSet set(XrpSpec);
  bool checked_after_10 = false;
  for (const Event& e : o.events) {
    EXPECT_FALSE(set.Apply(e).has_value());
    if (const auto* s = std::get_if<BookSnapshot>(&e)) {
      ASSERT_TRUE(builder.OnSnapshot(*s).ok());
    } else if (const auto* d = std::get_if<BookDelta>(&e)) {
      ASSERT_TRUE(builder.OnDelta(*d).ok()) << "u " << d->update_id;
      if ((d->flags & BookDelta::kLastInMessage) && builder.messages_applied() == 10) {
        EXPECT_EQ(builder.last_update_id(), kFirstU + 10);
        EXPECT_TRUE(set.ReadyAfterMessage(id));
        ExpectGolden(book, kAfter10, "builder after message 10");
        ExpectGolden(*set.Find(id), kAfter10, "BookSet after message 10");
        checked_after_10 = true;
      }
    }
  }
  EXPECT_TRUE(checked_after_10);
  EXPECT_EQ(builder.state(), BybitBookBuilder::State::kLive);
  EXPECT_TRUE(book.IsValid());
  EXPECT_EQ(builder.snapshots(), 1u);
  EXPECT_EQ(builder.messages_applied(), 49u);
  EXPECT_EQ(builder.last_update_id(), kLastU);
  EXPECT_EQ(builder.gaps(), 0u);
  EXPECT_EQ(builder.deltas_ignored(), 0u);
  EXPECT_EQ(book.update_id, kLastU);
  EXPECT_EQ(book.sequence, 130020252664u);
  EXPECT_EQ(book.ts_event, Ms(1733011205488));
  EXPECT_EQ(book.ts_recv, Ms(1733011205490));
  ExpectGolden(book, kAtEnd, "builder at the end");

  EXPECT_EQ(set.BuilderName(id), "bybit");
  EXPECT_EQ(set.counts().invalidations, 0u);
  EXPECT_EQ(set.counts().snapshots, 1u);
  EXPECT_EQ(set.counts().deltas, kDeltaLevels);
  EXPECT_TRUE(set.ReadyAfterMessage(id));
  ASSERT_NE(set.Find(id), nullptr);
  EXPECT_EQ(set.Find(id)->update_id, kLastU);
  ExpectGolden(*set.Find(id), kAtEnd, "BookSet at the end");
}

// ------------------------------------------------------------ gap and reset

struct GapRun {
  std::vector<std::pair<std::uint64_t, BookInvalid>> invalid;  // (line, event)
  std::vector<std::size_t> invalid_index;                      // index of the event in its line
  std::size_t deltas_after_gap_before_reset = 0;
  bool invalid_before_reset = false;
  std::uint64_t last_u_before_reset = 0;
  std::uint64_t ignored_before_reset = 0;
};

TEST_F(BybitTest, GapAtTheMessageAfterARemovedLineThenSnapshotReset) {
  const std::vector<std::string> lines = ArchiveLines();
  ASSERT_EQ(lines.size(), 50u);
  const std::size_t removed = 20;  // line 21
  const std::uint64_t removed_u = UOf(lines[removed]);
  ASSERT_EQ(removed_u, kFirstU + 20);

  // Lines 1-20, 22-50; then the snapshot again with a later u and lines
  // 2-50 renumbered after it.
  std::vector<std::string> edited;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    if (i != removed) edited.push_back(lines[i]);
  }
  const std::size_t reset_line = edited.size() + 1;  // 1-based line of the new snapshot
  const std::uint64_t reset_u = kLastU + 1;
  edited.push_back(WithU(lines[0], reset_u));
  for (std::size_t i = 1; i < lines.size(); ++i) edited.push_back(WithU(lines[i], reset_u + i));
  ASSERT_EQ(edited.size(), 99u);
  const std::string text = Join(edited);

  for (const std::string& path : {Write("gap.data", text), WriteGzip("gap.data.gz", text)}) {
    SCOPED_TRACE(path);
    DataInstruments inst;
    const ReadOutcome o = ReadAll(path, inst);
    ASSERT_TRUE(o.opened) << o.open_error.ToString();
    EXPECT_EQ(o.format, "bybit-json");
    ASSERT_TRUE(o.status.ok()) << o.status.ToString();
    ASSERT_EQ(o.records.size(), 99u);
    const InstrumentId id = inst.Find(Venue::kBybit, "XRPUSDT")->id;

    OrderBook book(id, P("0.0001"));
    BybitBookBuilder builder(book);
    BookSet set(XrpSpec);
    GapRun g;
    int builder_errors = 0;
    std::optional<BookError> builder_error;
    for (const Record& rec : o.records) {
      for (std::size_t i = 0; i < rec.events.size(); ++i) {
        const Event& e = rec.events[i];
        if (rec.line == reset_line && i == 0) {
          g.invalid_before_reset = !book.IsValid() && !set.Find(id)->IsValid();
          g.last_u_before_reset = builder.last_update_id();
          g.ignored_before_reset = builder.deltas_ignored();
        }
        if (auto inv = set.Apply(e)) {
          g.invalid.emplace_back(rec.line, *inv);
          g.invalid_index.push_back(i);
        }
        Result<void, BookError> r;
        if (const auto* s = std::get_if<BookSnapshot>(&e)) {
          r = builder.OnSnapshot(*s);
        } else if (const auto* d = std::get_if<BookDelta>(&e)) {
          r = builder.OnDelta(*d);
          if (rec.line > removed && rec.line < reset_line) ++g.deltas_after_gap_before_reset;
        }
        if (!r.ok()) {
          ++builder_errors;
          builder_error = r.error();
        }
      }
    }
    // Exactly one BookInvalid: the gap, at the first delta of line 21 of
    // the edited file (the message right after the removed one).
    ASSERT_EQ(g.invalid.size(), 1u);
    EXPECT_EQ(g.invalid[0].first, removed + 1);
    EXPECT_EQ(g.invalid_index[0], 0u);
    const BookInvalid& b = g.invalid[0].second;
    EXPECT_EQ(b.instrument, id);
    EXPECT_EQ(b.reason, BookError::kSequenceGap);
    EXPECT_EQ(b.update_id, removed_u + 1);
    EXPECT_EQ(b.last_update_id, removed_u - 1);
    EXPECT_EQ(set.counts().invalidations, 1u);
    EXPECT_EQ(builder_errors, 1);
    EXPECT_EQ(builder_error, BookError::kSequenceGap);
    EXPECT_EQ(builder.gaps(), 1u);

    // Everything after the gap was ignored until the new snapshot.
    EXPECT_TRUE(g.invalid_before_reset);
    EXPECT_EQ(g.last_u_before_reset, removed_u - 1);
    EXPECT_EQ(g.deltas_after_gap_before_reset, kDeltaLevelsLines22To50);
    EXPECT_EQ(g.ignored_before_reset, kDeltaLevelsLines22To50);

    // The snapshot reset works: valid again, and the renumbered deltas
    // rebuild exactly the book of the original archive.
    EXPECT_EQ(builder.state(), BybitBookBuilder::State::kLive);
    EXPECT_TRUE(book.IsValid());
    EXPECT_EQ(builder.snapshots(), 2u);
    EXPECT_EQ(builder.messages_applied(), 19u + 49u);
    EXPECT_EQ(builder.last_update_id(), reset_u + 49);
    EXPECT_EQ(builder.deltas_ignored(), kDeltaLevelsLines22To50);
    ExpectGolden(book, kAtEnd, "builder after the reset");
    ASSERT_NE(set.Find(id), nullptr);
    EXPECT_TRUE(set.Find(id)->IsValid());
    EXPECT_TRUE(set.ReadyAfterMessage(id));
    EXPECT_EQ(set.Find(id)->update_id, reset_u + 49);
    ExpectGolden(*set.Find(id), kAtEnd, "BookSet after the reset");
  }
}

TEST_F(BybitTest, DeltaWithUpdateIdOneIsASnapshot) {
  const std::vector<std::string> lines = ArchiveLines();
  ASSERT_GE(lines.size(), 2u);
  ASSERT_NE(lines[1].find("\"type\":\"delta\""), std::string::npos);
  const std::string path = Write("restart.data", WithU(lines[1], 1) + "\n");
  const ReadOutcome o = ReadAll(path, inst_);
  ASSERT_TRUE(o.opened) << o.open_error.ToString();
  ASSERT_TRUE(o.status.ok()) << o.status.ToString();
  ASSERT_EQ(o.events.size(), 1u);
  const auto* snap = std::get_if<BookSnapshot>(&o.events[0]);
  ASSERT_NE(snap, nullptr);
  EXPECT_EQ(snap->update_id, 1u);
  EXPECT_EQ(snap->sequence, 130020239261u);
  ASSERT_NE(snap->levels, nullptr);
  EXPECT_EQ(snap->levels->bids.size(), 13u);
  EXPECT_EQ(snap->levels->asks.size(), 22u);
  EXPECT_EQ(snap->levels->bids[0], (BookLevel{P("1.9531"), Q("6198")}));
  EXPECT_EQ(snap->levels->asks[0], (BookLevel{P("1.9535"), Q("8415")}));
}

// ------------------------------------------------------------ doc examples

TEST_F(BybitTest, DocOrderbookDelta) {
  const std::string path = DocExample("websocket_public_orderbook__01.json");
  const ReadOutcome o = ReadAll(path, inst_);
  ASSERT_TRUE(o.opened) << o.open_error.ToString();
  EXPECT_EQ(o.format, "bybit-json");
  EXPECT_TRUE(o.status.ok()) << o.status.ToString();
  ASSERT_EQ(o.records.size(), 1u);
  EXPECT_EQ(o.records[0].line, 1u);
  ASSERT_EQ(o.events.size(), 12u);
  const InstrumentId id = inst_.Find(Venue::kBybit, "BTCUSDT")->id;
  struct Want {
    Side side;
    const char* price;
    const char* qty;
  };
  const Want want[] = {
      {Side::kBuy, "30247.20", "30.028"}, {Side::kBuy, "30245.40", "0.224"},  {Side::kBuy, "30242.10", "1.593"},
      {Side::kBuy, "30240.30", "1.305"},  {Side::kBuy, "30240.00", "0"},      {Side::kSell, "30248.70", "0"},
      {Side::kSell, "30249.30", "0.892"}, {Side::kSell, "30249.50", "1.778"}, {Side::kSell, "30249.60", "0"},
      {Side::kSell, "30251.90", "2.947"}, {Side::kSell, "30252.20", "0.659"}, {Side::kSell, "30252.50", "4.591"},
  };
  for (std::size_t i = 0; i < o.events.size(); ++i) {
    SCOPED_TRACE(i);
    const auto* d = std::get_if<BookDelta>(&o.events[i]);
    ASSERT_NE(d, nullptr);
    EXPECT_EQ(d->instrument, id);
    EXPECT_EQ(d->side, want[i].side);
    EXPECT_EQ(d->price, P(want[i].price));
    EXPECT_EQ(d->qty, Q(want[i].qty));
    EXPECT_EQ(d->flags, i == 11 ? BookDelta::kLastInMessage : 0);
    EXPECT_EQ(d->update_id, 177400507u);
    EXPECT_EQ(d->sequence, 66544703342u);
    EXPECT_EQ(d->ts_event, Ms(1687940967464));  // cts
    EXPECT_EQ(d->ts_recv, Ms(1687940967466));   // ts
  }
  EXPECT_EQ(std::get<BookDelta>(o.events[0]).price, P("30247.2"));
  EXPECT_TRUE(std::get<BookDelta>(o.events[4]).qty.IsZero());
}

TEST_F(BybitTest, DocTrade) {
  const ReadOutcome o = ReadAll(DocExample("websocket_public_trade__00.json"), inst_);
  ASSERT_TRUE(o.opened) << o.open_error.ToString();
  EXPECT_TRUE(o.status.ok()) << o.status.ToString();
  ASSERT_EQ(o.events.size(), 1u);
  const auto* t = std::get_if<Trade>(&o.events[0]);
  ASSERT_NE(t, nullptr);
  EXPECT_EQ(t->instrument, inst_.Find(Venue::kBybit, "BTCUSDT")->id);
  EXPECT_EQ(t->aggressor, AggressorSide::kBuyer);
  EXPECT_EQ(t->price, P("16578.50"));
  EXPECT_EQ(t->qty, Q("0.001"));
  EXPECT_EQ(t->trade_id.view(), "20f43950-d8dd-5b31-9112-a178eb6023af");
  EXPECT_EQ(t->ts_event, Ms(1672304486865));  // T
  EXPECT_EQ(t->ts_recv, Ms(1672304486868));   // the message's ts (no receive-time prefix)
}

TEST_F(BybitTest, DocOptionTickerIsAQuote) {
  const ReadOutcome o = ReadAll(DocExample("websocket_public_ticker__01.json"), inst_);
  ASSERT_TRUE(o.opened) << o.open_error.ToString();
  EXPECT_TRUE(o.status.ok()) << o.status.ToString();
  ASSERT_EQ(o.events.size(), 1u);
  const auto* q = std::get_if<Quote>(&o.events[0]);
  ASSERT_NE(q, nullptr);
  EXPECT_EQ(q->instrument, inst_.Find(Venue::kBybit, "BTC-6JAN23-17500-C")->id);
  EXPECT_FALSE(q->bid_price.IsDefined()) << "bidPrice \"0\" is an empty side";
  EXPECT_EQ(q->ask_price, P("10"));
  EXPECT_EQ(q->ask_qty, Q("5.1"));
  EXPECT_EQ(q->ts_event, Ms(1672917511074));
  EXPECT_EQ(q->ts_recv, Ms(1672917511074));
}

TEST_F(BybitTest, DocSpotTickerWithoutBestBidAskGivesNoEvent) {
  const ReadOutcome o = ReadAll(DocExample("websocket_public_ticker__02.json"), inst_);
  ASSERT_TRUE(o.opened) << o.open_error.ToString();
  EXPECT_EQ(o.format, "bybit-json");
  EXPECT_TRUE(o.status.ok()) << o.status.ToString();
  EXPECT_TRUE(o.events.empty());
}

TEST_F(BybitTest, DocKlineOnlyConfirmedCandlesAreBars) {
  const std::string doc = DocExample("websocket_public_kline__00.json");
  const ReadOutcome open = ReadAll(doc, inst_);
  ASSERT_TRUE(open.opened) << open.open_error.ToString();
  EXPECT_TRUE(open.status.ok()) << open.status.ToString();
  EXPECT_TRUE(open.events.empty()) << "confirm false: the candle is still open";

  // The same message, confirmed, and sent (ts) after the close as Bybit does.
  std::string text = ReadBytes(doc);
  text = Replace(text, "\"confirm\": false", "\"confirm\": true");
  text = Replace(text, "\"ts\": 1672324988882", "\"ts\": 1672325100012");
  DataInstruments inst;
  const ReadOutcome closed = ReadAll(Write("kline_confirmed.json", text), inst);
  ASSERT_TRUE(closed.opened) << closed.open_error.ToString();
  EXPECT_TRUE(closed.status.ok()) << closed.status.ToString();
  ASSERT_EQ(closed.events.size(), 1u);
  const auto* b = std::get_if<Bar>(&closed.events[0]);
  ASSERT_NE(b, nullptr);
  EXPECT_EQ(b->instrument, inst.Find(Venue::kBybit, "BTCUSDT")->id);
  EXPECT_EQ(b->open_time, Ms(1672324800000));
  EXPECT_EQ(b->interval, Duration::Minutes(5));
  EXPECT_EQ(b->ts_event, Ms(1672325100000));  // end + 1 ms
  EXPECT_EQ(b->ts_recv, Ms(1672325100012));   // the message's ts
  EXPECT_EQ(b->open, P("16649.5"));
  EXPECT_EQ(b->high, P("16677"));
  EXPECT_EQ(b->low, P("16608"));
  EXPECT_EQ(b->close, P("16677"));
  EXPECT_EQ(b->volume, Q("2.081"));
}

TEST_F(BybitTest, DocUnknownTopicIsAnError) {
  const std::string path = DocExample("websocket_public_all-liquidation__00.json");
  const ReadOutcome o = ReadAll(path, inst_);
  ASSERT_TRUE(o.opened) << o.open_error.ToString();
  EXPECT_TRUE(o.events.empty());
  EXPECT_EQ(o.status.code(), StatusCode::kInvalidArgument);
  const std::string want = path + ":1: unknown topic \"allLiquidation.ROSEUSDT\"";
  EXPECT_EQ(o.status.message().substr(0, want.size()), want) << o.status.message();
}

TEST_F(BybitTest, DocRestOrderbookResponseIsASnapshot) {
  // No "topic": a REST response, {"retCode":0,..,"result":{"s","a","b","ts","u","seq","cts"}}.
  const std::string path = DocExample("market_orderbook__00.json");
  const ReadOutcome o = ReadAll(path, inst_);
  ASSERT_TRUE(o.opened) << o.open_error.ToString();
  EXPECT_TRUE(o.status.ok()) << o.status.ToString();
  ASSERT_EQ(o.events.size(), 1u);
  const auto* s = std::get_if<BookSnapshot>(&o.events[0]);
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(s->instrument, inst_.Find(Venue::kBybit, "BTCUSDT")->id);
  EXPECT_EQ(s->update_id, 230704u);
  EXPECT_EQ(s->sequence, 1432604333u);
  EXPECT_EQ(s->ts_event, Ms(1716863718905));  // cts
  EXPECT_EQ(s->ts_recv, Ms(1716863719031));   // ts
  ASSERT_NE(s->levels, nullptr);
  ASSERT_EQ(s->levels->bids.size(), 1u);
  ASSERT_EQ(s->levels->asks.size(), 1u);
  EXPECT_EQ(s->levels->bids[0], (BookLevel{P("65485.47"), Q("47.081829")}));
  EXPECT_EQ(s->levels->asks[0], (BookLevel{P("65557.7"), Q("16.606555")}));
}

TEST_F(BybitTest, JsonWithoutTopicOrResultIsAnError) {
  const std::string path = Write("no_topic.json", "{\n  \"retCode\": 0,\n  \"time\": 1716863719382\n}\n");
  const ReadOutcome o = ReadAll(path, inst_);
  ASSERT_TRUE(o.opened) << o.open_error.ToString();
  EXPECT_TRUE(o.events.empty());
  EXPECT_EQ(o.status.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(o.status.message(), path + ":1: unknown message: no \"topic\"");
}

// ------------------------------------------------------------ lines

const std::string kSnapLine =
    R"({"topic":"orderbook.50.BTCUSDT","type":"snapshot","ts":1700000000100,"data":{"s":"BTCUSDT","b":[["100.0","1"]],"a":[["100.1","2"]],"u":10,"seq":500},"cts":1700000000090})";
std::string DeltaLine(std::uint64_t u, const char* bid_price = "99.9") {
  return std::string(R"({"topic":"orderbook.50.BTCUSDT","type":"delta","ts":)") + std::to_string(1700000000100 + u) +
         R"(,"data":{"s":"BTCUSDT","b":[[")" + bid_price + R"(","3"]],"a":[],"u":)" + std::to_string(u) + R"(,"seq":)" +
         std::to_string(500 + u) + R"(},"cts":)" + std::to_string(1700000000090 + u) + "}";
}
const std::string kTradeLine =
    R"({"topic":"publicTrade.BTCUSDT","type":"snapshot","ts":1700000000300,"data":[{"T":1700000000295,"s":"BTCUSDT","S":"Sell","v":"0.5","p":"100.05","i":"t-1"}]})";

TEST_F(BybitTest, ReceiveTimePrefixIsTsRecv) {
  const std::string text = "1700000000123456789 " + kSnapLine + "\n" + "1700000000223456789 " + DeltaLine(11) + "\n" +
                           "1700000000323456789 " + kTradeLine + "\n";
  const ReadOutcome o = ReadAll(Write("captured.data", text), inst_);
  ASSERT_TRUE(o.opened) << o.open_error.ToString();
  EXPECT_EQ(o.format, "bybit-json");
  ASSERT_TRUE(o.status.ok()) << o.status.ToString();
  ASSERT_EQ(o.events.size(), 3u);
  const auto& s = std::get<BookSnapshot>(o.events[0]);
  EXPECT_EQ(s.ts_recv, UnixNanos::FromNanos(1700000000123456789));
  EXPECT_EQ(s.ts_event, Ms(1700000000090));
  EXPECT_EQ(s.update_id, 10u);
  const auto& d = std::get<BookDelta>(o.events[1]);
  EXPECT_EQ(d.ts_recv, UnixNanos::FromNanos(1700000000223456789));
  EXPECT_EQ(d.ts_event, Ms(1700000000101));
  EXPECT_EQ(d.update_id, 11u);
  const auto& t = std::get<Trade>(o.events[2]);
  EXPECT_EQ(t.ts_recv, UnixNanos::FromNanos(1700000000323456789));
  EXPECT_EQ(t.ts_event, Ms(1700000000295));
  EXPECT_EQ(t.aggressor, AggressorSide::kSeller);
  EXPECT_EQ(t.trade_id.view(), "t-1");

  // Without the prefix: ts_recv is the message's ts.
  DataInstruments inst;
  const ReadOutcome plain = ReadAll(Write("plain.data", kSnapLine + "\n" + kTradeLine + "\n"), inst);
  ASSERT_TRUE(plain.status.ok()) << plain.status.ToString();
  ASSERT_EQ(plain.events.size(), 2u);
  EXPECT_EQ(std::get<BookSnapshot>(plain.events[0]).ts_recv, Ms(1700000000100));
  EXPECT_EQ(std::get<Trade>(plain.events[1]).ts_recv, Ms(1700000000300));
}

struct BadLine {
  std::string line;
  std::string reason;      // the message after "path:line: "
  std::string reason_key;  // SkipReasonKey of it
};

std::vector<BadLine> BadLines() {
  std::string missing_u = DeltaLine(11);
  missing_u = Replace(missing_u, R"("u":11,)", "");
  std::string bad_type = DeltaLine(11);
  bad_type = Replace(bad_type, R"("type":"delta")", R"("type":"foo")");
  return {
      {"this is not JSON", "not JSON: not an object", "not JSON: not an object"},
      {DeltaLine(11, "abc"), "field \"b price\": \"abc\" is not a decimal (invalid character)",
       "field \"b price\": \"...\" is not a decimal (invalid character)"},
      {missing_u, "field \"u\": missing", "field \"u\": missing"},
      {bad_type, "field \"type\": \"foo\" is not snapshot or delta",
       "field \"type\": \"...\" is not snapshot or delta"},
      {"1700000000x " + DeltaLine(11), "receive time: expected \"<receive ns> <json>\"",
       "receive time: expected \"<receive ns> <json>\""},
  };
}

TEST_F(BybitTest, BadLineStopsWithPathLineAndReason) {
  std::vector<BadLine> lines = BadLines();
  // JSON cut in the middle of the message.
  lines.push_back({R"({"topic":"orderbook.50.BTCUSDT","type":)", "not JSON: not an object", ""});
  int n = 0;
  for (const BadLine& bad : lines) {
    SCOPED_TRACE(bad.reason);
    const std::string path =
        Write("bad" + std::to_string(n++) + ".data", kSnapLine + "\n" + bad.line + "\n" + DeltaLine(11) + "\n");
    DataInstruments inst;
    const ReadOutcome o = ReadAll(path, inst);
    ASSERT_TRUE(o.opened) << o.open_error.ToString();
    ASSERT_EQ(o.events.size(), 1u);  // the snapshot, then the stop
    EXPECT_TRUE(std::holds_alternative<BookSnapshot>(o.events[0]));
    EXPECT_EQ(o.status.code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(o.status.message(), path + ":2: " + bad.reason);
  }
}

TEST_F(BybitTest, SkipCountsBadLinesByReasonAndReadsOn) {
  const std::vector<BadLine> bad = BadLines();
  // good, bad, good, bad, ... : snapshot u 10, deltas u 11.. chaining.
  std::vector<std::string> lines = {kSnapLine};
  std::uint64_t u = 11;
  for (const BadLine& b : bad) {
    lines.push_back(b.line);
    lines.push_back(DeltaLine(u++));
  }
  lines.push_back(bad[2].line);  // a second "u missing"
  lines.push_back(kTradeLine);
  const std::string path = Write("mixed.data", Join(lines));
  const ReadOutcome o = ReadAll(path, inst_, OnError::kSkip);
  ASSERT_TRUE(o.opened) << o.open_error.ToString();
  EXPECT_TRUE(o.status.ok()) << o.status.ToString();

  // Every good line's events, to the end.
  ASSERT_EQ(o.events.size(), 1u + bad.size() + 1u);
  EXPECT_TRUE(std::holds_alternative<BookSnapshot>(o.events.front()));
  EXPECT_TRUE(std::holds_alternative<Trade>(o.events.back()));
  EXPECT_EQ(o.records.back().line, lines.size());
  OrderBook book(inst_.Find(Venue::kBybit, "BTCUSDT")->id, P("0.1"));
  BybitBookBuilder builder(book);
  for (const Event& e : o.events) {
    if (const auto* s = std::get_if<BookSnapshot>(&e)) {
      EXPECT_TRUE(builder.OnSnapshot(*s).ok());
    } else if (const auto* d = std::get_if<BookDelta>(&e)) {
      EXPECT_TRUE(builder.OnDelta(*d).ok());
    }
  }
  EXPECT_EQ(builder.last_update_id(), 10u + bad.size());
  EXPECT_TRUE(book.IsValid());

  EXPECT_EQ(o.skipped.total(), bad.size() + 1);
  const auto& by = o.skipped.by_reason();
  EXPECT_EQ(by.size(), bad.size());
  for (std::size_t i = 0; i < bad.size(); ++i) {
    SCOPED_TRACE(bad[i].reason);
    ASSERT_EQ(by.count(bad[i].reason_key), 1u);
    const auto& entry = by.at(bad[i].reason_key);
    EXPECT_EQ(entry.count, i == 2 ? 2u : 1u);
    EXPECT_EQ(entry.first, path + ":" + std::to_string(2 * i + 2) + ": " + bad[i].reason);
  }
}

// ------------------------------------------------------------ damaged zips

TEST_F(BybitTest, ArchiveCutInHalfGivesTheCompleteLinesThenTruncated) {
  const ReadOutcome full = ReadAll(kArchive, inst_);
  ASSERT_TRUE(full.status.ok());
  const std::string bytes = ReadBytes(kArchive);
  ASSERT_EQ(bytes.size(), 80538u);

  // The archive as it is (stored), and the same text deflated.
  const std::vector<std::string> lines = ArchiveLines();
  const std::string deflated = MakeZip({{kMember, Join(lines), true}});
  ASSERT_LT(deflated.size(), bytes.size() / 2);
  int n = 0;
  for (const std::string& whole : {bytes, deflated}) {
    const std::string path = Write("cut" + std::to_string(n++) + ".data.zip", whole.substr(0, whole.size() / 2));
    SCOPED_TRACE(path);
    DataInstruments inst;
    const ReadOutcome o = ReadAll(path, inst);
    ASSERT_TRUE(o.opened) << o.open_error.ToString();
    ASSERT_GT(o.records.size(), 1u);
    ASSERT_LT(o.records.size(), 50u);
    // The complete lines before the cut, as in the whole file.
    for (std::size_t i = 0; i < o.records.size(); ++i) {
      EXPECT_EQ(o.records[i].line, i + 1);
      ASSERT_EQ(o.records[i].events.size(), full.records[i].events.size()) << "line " << i + 1;
    }
    EXPECT_EQ(std::get<BookDelta>(o.events.back()).update_id, kFirstU + o.records.size() - 1);
    EXPECT_EQ(o.status.code(), StatusCode::kDataLoss) << o.status.ToString();
    EXPECT_EQ(o.status.message().rfind(path + ": after line " + std::to_string(o.records.size()) + ": ", 0), 0u)
        << o.status.message();
    EXPECT_NE(o.status.message().find("file truncated"), std::string::npos) << o.status.message();
  }
}

TEST_F(BybitTest, ArchiveWithAChangedByteFailsItsCrc) {
  // The archive stores its member uncompressed: change one digit of a
  // quantity on line 30, which stays valid JSON; the CRC-32 catches it at
  // the end, after all the lines.
  std::string bytes = ReadBytes(kArchive);
  const std::size_t u_at = bytes.find("\"u\":20254898,");
  ASSERT_NE(u_at, std::string::npos);
  const std::size_t end_of_asks = bytes.rfind("\"]]", u_at);
  ASSERT_NE(end_of_asks, std::string::npos);
  char& digit = bytes[end_of_asks - 1];
  ASSERT_TRUE(digit >= '0' && digit <= '9');
  digit = digit == '9' ? '8' : static_cast<char>(digit + 1);
  const std::string path = Write("changed.data.zip", bytes);
  const ReadOutcome o = ReadAll(path, inst_);
  ASSERT_TRUE(o.opened) << o.open_error.ToString();
  EXPECT_EQ(o.records.size(), 50u);
  EXPECT_EQ(o.status.code(), StatusCode::kDataLoss);
  EXPECT_EQ(o.status.message(), path + ": after line 50: zip member \"" + kMember + "\" fails its CRC-32 check");
}

TEST_F(BybitTest, DeflatedArchiveWithFlippedBytesIsAnErrorNotACrash) {
  const std::vector<std::string> lines = ArchiveLines();
  const std::string good = MakeZip({{kMember, Join(lines), true}});
  {
    // The writer's archive reads like the original.
    const ReadOutcome o = ReadAll(Write("good.data.zip", good), inst_);
    ASSERT_TRUE(o.status.ok()) << o.status.ToString();
    EXPECT_EQ(o.records.size(), 50u);
    EXPECT_EQ(CountMessages(o.events), 49u);
  }
  const std::size_t data_start = 30 + kMember.size();
  const std::size_t data_size = good.size() - data_start - (46 + kMember.size()) - 22;
  for (const std::size_t at : {data_size / 4, data_size / 2, data_size * 3 / 4, data_size - 8}) {
    for (const unsigned char mask : {0x01, 0x5a, 0xff}) {
      std::string bytes = good;
      bytes[data_start + at] = static_cast<char>(bytes[data_start + at] ^ mask);
      const std::string path = Write("flipped.data.zip", bytes);
      SCOPED_TRACE(testing::Message() << "byte " << at << " ^ " << int{mask});
      DataInstruments inst;
      // Skip: garbled text that happens to decode must not stop the read
      // before the stream's own error.
      const ReadOutcome o = ReadAll(path, inst, OnError::kSkip);
      // OpenSource reads the first line to tell the format: damage there
      // is its error.
      const Status& st = o.opened ? o.status : o.open_error;
      EXPECT_EQ(st.code(), StatusCode::kDataLoss) << st.ToString();
      const std::string& m = st.message();
      EXPECT_TRUE(m.find("corrupt compressed data") != std::string::npos || m.find("CRC-32") != std::string::npos ||
                  m.find("file truncated") != std::string::npos)
          << m;
      EXPECT_EQ(m.rfind(path + ": after line ", 0), 0u) << m;
    }
  }
}

TEST_F(BybitTest, ZipWithTwoMembersIsAnError) {
  const std::vector<std::string> lines = ArchiveLines();
  ASSERT_GE(lines.size(), 3u);
  const std::string first = lines[0] + "\n" + lines[1] + "\n" + lines[2] + "\n";
  {
    // One stored member written by the test's writer: reads cleanly.
    const ReadOutcome o = ReadAll(Write("one.data.zip", MakeZip({{kMember, first, false}})), inst_);
    ASSERT_TRUE(o.opened) << o.open_error.ToString();
    EXPECT_TRUE(o.status.ok()) << o.status.ToString();
    EXPECT_EQ(o.records.size(), 3u);
  }
  for (const bool deflate : {false, true}) {
    SCOPED_TRACE(deflate ? "deflated" : "stored");
    const std::string path = Write(deflate ? "two_deflated.data.zip" : "two_stored.data.zip",
                                   MakeZip({{kMember, first, deflate}, {"second.data", lines[3] + "\n", deflate}}));
    DataInstruments inst;
    const ReadOutcome o = ReadAll(path, inst);
    ASSERT_TRUE(o.opened) << o.open_error.ToString();
    EXPECT_EQ(o.records.size(), 3u);  // the first member's lines come first
    EXPECT_EQ(o.status.code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(o.status.message(),
              path + ": after line 3: zip archive holds more than one file (HEAN reads one-file archives)");
  }
}

}  // namespace
}  // namespace hean
