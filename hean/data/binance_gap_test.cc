// The real BTCUSDT capture with one hand-edited line: a depthUpdate after the
// snapshot gets a `pu` that no longer chains. The builder must report the
// gap at exactly that message, and not before.
#include <gtest/gtest.h>

#include <charconv>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "hean/book/binance_book_builder.h"
#include "hean/book/order_book.h"
#include "hean/data/binance_capture.h"
#include "hean/data/line_reader.h"

namespace hean {
namespace {

const std::string kBtcFile =
    std::string(HEAN_SOURCE_DIR) + "/testdata/binance-usdm-2024-07-18/usdm_btcusdt_20240718.gz";

// Replaces the value of "pu" in a depthUpdate line with value + delta.
bool EditPu(std::string& line, std::int64_t delta, std::uint64_t* old_pu) {
  const std::size_t key = line.find("\"pu\":");
  if (key == std::string::npos) return false;
  const std::size_t start = key + 5;
  std::uint64_t pu = 0;
  auto [end, ec] = std::from_chars(line.data() + start, line.data() + line.size(), pu);
  if (ec != std::errc()) return false;
  *old_pu = pu;
  const std::size_t len = static_cast<std::size_t>(end - (line.data() + start));
  line.replace(start, len, std::to_string(static_cast<std::uint64_t>(static_cast<std::int64_t>(pu) + delta)));
  return true;
}

struct GapRun {
  std::uint64_t edited_line = 0;      // the line whose pu was changed
  std::uint64_t error_line = 0;       // the line at which the builder reported an error
  std::size_t error_delta_index = 0;  // which delta of that line
  std::uint64_t errors = 0;           // errors reported in total
  BookError error = BookError::kUnparseable;
  std::uint64_t applied_before_edit = 0;
  std::uint64_t last_u_before_edit = 0;
  std::uint64_t old_pu = 0;
  std::uint64_t applied_at_end = 0;
  std::uint64_t dropped_at_end = 0;
  std::uint64_t dropped_after_gap = 0;  // diff messages after the gap
  std::uint64_t gaps = 0;
  BinanceBookBuilder::State state_at_end = BinanceBookBuilder::State::kLive;
  bool valid_at_end = true;
  BookError invalid_reason = BookError::kUnparseable;
};

// Reads the file; the `nth_live` depthUpdate after the builder went live
// has its pu changed by `delta`.
GapRun RunWithEditedPu(int nth_live, std::int64_t delta) {
  GapRun g;
  const InstrumentId id{0};
  BinanceCaptureParser parser({{"BTCUSDT", id}}, id);
  OrderBook book(id, *Price::Parse("0.1"));
  BinanceBookBuilder builder(book);
  auto reader = LineReader::Open(kBtcFile);
  EXPECT_TRUE(reader.ok()) << reader.error().ToString();
  if (!reader.ok()) return g;
  LineReader& r = **reader;
  std::string_view line;
  std::vector<Event> events;
  std::string edited;
  int live_diffs = 0;
  while (r.Next(&line)) {
    std::string_view to_parse = line;
    std::size_t readable = r.readable_after(line);
    const bool is_diff = line.find("\"e\":\"depthUpdate\"") != std::string_view::npos;
    if (is_diff && g.edited_line == 0 && builder.state() == BinanceBookBuilder::State::kLive &&
        ++live_diffs == nth_live) {
      edited.assign(line);
      EXPECT_TRUE(EditPu(edited, delta, &g.old_pu)) << "line " << r.line_number();
      g.edited_line = r.line_number();
      g.applied_before_edit = builder.messages_applied();
      g.last_u_before_edit = builder.last_update_id();
      to_parse = edited;
      readable = 0;  // std::string: let the parser copy it
    }
    events.clear();
    const Status s = parser.ParseLine(to_parse, readable, events);
    EXPECT_TRUE(s.ok()) << "line " << r.line_number() << ": " << s.ToString();
    if (!s.ok()) break;
    for (std::size_t i = 0; i < events.size(); ++i) {
      Result<void, BookError> res;
      if (const auto* snap = std::get_if<BookSnapshot>(&events[i])) {
        res = builder.OnSnapshot(*snap);
      } else if (const auto* d = std::get_if<BookDelta>(&events[i])) {
        res = builder.OnDelta(*d);
        if (g.error_line != 0 && (d->flags & BookDelta::kLastInMessage)) ++g.dropped_after_gap;
      } else {
        continue;
      }
      if (!res.ok()) {
        if (g.errors++ == 0) {
          g.error_line = r.line_number();
          g.error_delta_index = i;
          g.error = res.error();
        }
      }
    }
  }
  EXPECT_TRUE(r.status().ok()) << r.status().ToString();
  g.applied_at_end = builder.messages_applied();
  g.dropped_at_end = builder.messages_dropped();
  g.gaps = builder.gaps();
  g.state_at_end = builder.state();
  g.valid_at_end = book.IsValid();
  g.invalid_reason = book.invalid_reason();
  return g;
}

TEST(BinanceGap, UneditedSampleHasNoGap) {
  const GapRun g = RunWithEditedPu(/*nth_live=*/1'000'000, 0);  // never edits
  EXPECT_EQ(g.edited_line, 0u);
  EXPECT_EQ(g.errors, 0u);
  EXPECT_EQ(g.gaps, 0u);
  EXPECT_EQ(g.state_at_end, BinanceBookBuilder::State::kLive);
  EXPECT_TRUE(g.valid_at_end);
}

TEST(BinanceGap, EditedPuIsReportedAtExactlyThatMessage) {
  const GapRun g = RunWithEditedPu(/*nth_live=*/25, +1);
  ASSERT_NE(g.edited_line, 0u) << "the sample never went live";
  // The edited pu no longer equals the u of the diff applied before it.
  EXPECT_EQ(g.old_pu, g.last_u_before_edit);
  EXPECT_EQ(g.errors, 1u) << "the gap must be reported once";
  EXPECT_EQ(g.error_line, g.edited_line);
  EXPECT_EQ(g.error_delta_index, 0u);  // at the message's first delta
  EXPECT_EQ(g.error, BookError::kSequenceGap);
  EXPECT_EQ(g.gaps, 1u);
  EXPECT_EQ(g.state_at_end, BinanceBookBuilder::State::kInvalid);
  EXPECT_FALSE(g.valid_at_end);
  EXPECT_EQ(g.invalid_reason, BookError::kSequenceGap);
  // Nothing was applied from the edited message on: the later diffs are held
  // for the next snapshot (none comes in this file), not applied.
  EXPECT_EQ(g.applied_at_end, g.applied_before_edit);
  EXPECT_GT(g.dropped_after_gap, 1000u);
}

TEST(BinanceGap, EditedPuOnTheFirstLiveDiffAfterTheCoveringOne) {
  // The first diff handled live (right after the covering diff) checks pu too.
  const GapRun g = RunWithEditedPu(/*nth_live=*/1, -1);
  ASSERT_NE(g.edited_line, 0u);
  EXPECT_EQ(g.error_line, g.edited_line);
  EXPECT_EQ(g.error, BookError::kSequenceGap);
  EXPECT_EQ(g.errors, 1u);
  EXPECT_EQ(g.applied_at_end, g.applied_before_edit);
}

}  // namespace
}  // namespace hean
