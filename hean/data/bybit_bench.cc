// Bybit v5 `orderbook.50` delta message -> parsed -> applied to the book,
// for messages with 1, 10 and 50 levels per side.
//
// The book starts from the real XRPUSDT orderbook.500 snapshot in testdata/
// (500 levels a side). Delta messages are made from that book's own prices
// (the best N levels of each side, the quantity changed), in Bybit's exact
// message layout, with consecutive update ids; 1,024 messages are built once
// and looped. When the loop wraps, the builder is reset with the snapshot
// (one snapshot per 1,024 messages, included in the time).
//
//   BM_BybitDelta_ParseApply/N        ParseMessage + BybitBookBuilder::OnMessage (feed handler path)
//   BM_BybitDelta_ParseApplyEvents/N  ParseLine (one BookDelta event per level) + OnDelta (replay path)
//   BM_BybitDelta_ParseOnly/N         ParseMessage alone
#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>
#include <vector>

#include "hean/book/bybit_book_builder.h"
#include "hean/book/order_book.h"
#include "hean/data/bybit_json.h"
#include "hean/data/line_reader.h"
#include "hean/data/source.h"

namespace {

using hean::BookDelta;
using hean::BookSnapshot;
using hean::Event;

constexpr std::size_t kMessages = 1024;
constexpr std::uint64_t kFirstU = 1'000'000;

struct Messages {
  BookSnapshot snapshot;          // u = kFirstU - 1
  std::vector<std::string> text;  // each with 64 bytes of padding after it
  std::vector<std::size_t> size;  // JSON length without padding
  double mean_bytes = 0;
};

BookSnapshot LoadSnapshot(hean::DataInstruments& inst) {
  const std::string path =
      std::string(HEAN_SOURCE_DIR) + "/testdata/bybit-ob500-xrpusdt-2024-12-01/xrpusdt-ob500.data.zip";
  auto reader = hean::LineReader::Open(path);
  if (!reader.ok()) {
    std::fprintf(stderr, "%s\n", reader.error().ToString().c_str());
    std::abort();
  }
  hean::BybitJsonParser parser(&inst);
  std::string_view line;
  std::vector<Event> ev;
  if (!(*reader)->Next(&line) || !parser.ParseLine(line, (*reader)->readable_after(line), ev).ok() || ev.empty()) {
    std::abort();
  }
  return std::get<BookSnapshot>(ev.front());
}

const Messages& Build(int levels) {
  static std::map<int, Messages> cache;
  auto it = cache.find(levels);
  if (it != cache.end()) return it->second;
  Messages m;
  hean::DataInstruments inst;
  m.snapshot = LoadSnapshot(inst);
  m.snapshot.update_id = kFirstU - 1;
  const auto& lv = *m.snapshot.levels;
  std::size_t total = 0;
  for (std::size_t i = 0; i < kMessages; ++i) {
    std::string s =
        "{\"topic\":\"orderbook.50.XRPUSDT\",\"type\":\"delta\",\"ts\":1733011200693,\"data\":{\"s\":"
        "\"XRPUSDT\",\"b\":[";
    for (int side = 0; side < 2; ++side) {
      const auto& book_side = side == 0 ? lv.bids : lv.asks;
      for (int k = 0; k < levels; ++k) {
        if (k > 0) s += ',';
        const auto& l = book_side[static_cast<std::size_t>(k) % book_side.size()];
        // A changed quantity, never zero (levels stay; the book keeps its shape).
        const long q = 1000 + static_cast<long>((i * 7919 + static_cast<std::size_t>(k) * 104729) % 90000);
        s += "[\"" + l.price.ToString(4) + "\",\"" + std::to_string(q) + "\"]";
      }
      if (side == 0) s += "],\"a\":[";
    }
    s += "],\"u\":" + std::to_string(kFirstU + i) + ",\"seq\":" + std::to_string(130020238981 + i * 11) +
         "},\"cts\":1733011200691}";
    m.size.push_back(s.size());
    total += s.size();
    s.append(64, '\0');
    m.text.push_back(std::move(s));
  }
  m.mean_bytes = static_cast<double>(total) / kMessages;
  return cache.emplace(levels, std::move(m)).first->second;
}

// The feed handler's path: ParseMessage gives the whole message, the
// builder applies it (no event per level).
void BM_BybitDelta_ParseApply(benchmark::State& state) {
  const Messages& m = Build(static_cast<int>(state.range(0)));
  hean::DataInstruments inst;
  hean::BybitJsonParser parser(&inst);
  hean::OrderBook book(m.snapshot.instrument, *hean::Price::Parse("0.0001"));
  hean::BybitBookBuilder builder(book);
  (void)builder.OnSnapshot(m.snapshot);
  hean::BookMessage msg;
  std::vector<Event> other;
  std::size_t i = 0;
  std::uint64_t bad = 0;
  for (auto _ : state) {
    if (i == kMessages) {
      i = 0;
      (void)builder.OnSnapshot(m.snapshot);
    }
    const std::string& t = m.text[i];
    bool is_book = false;
    if (!parser.ParseMessage(std::string_view(t.data(), m.size[i]), 64, msg, &is_book, other).ok() || !is_book ||
        !builder.OnMessage(msg).ok()) {
      ++bad;
    }
    ++i;
  }
  if (bad != 0 || !book.IsValid()) state.SkipWithError("messages failed to apply");
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
  state.SetBytesProcessed(static_cast<std::int64_t>(static_cast<double>(state.iterations()) * m.mean_bytes));
  state.counters["levels_per_side"] = static_cast<double>(state.range(0));
  state.counters["msg_bytes"] = m.mean_bytes;
}
BENCHMARK(BM_BybitDelta_ParseApply)->Arg(1)->Arg(10)->Arg(50);

// The replay path: ParseLine makes one BookDelta event per level, the
// builder applies them one by one.
void BM_BybitDelta_ParseApplyEvents(benchmark::State& state) {
  const Messages& m = Build(static_cast<int>(state.range(0)));
  hean::DataInstruments inst;
  hean::BybitJsonParser parser(&inst);
  hean::OrderBook book(m.snapshot.instrument, *hean::Price::Parse("0.0001"));
  hean::BybitBookBuilder builder(book);
  (void)builder.OnSnapshot(m.snapshot);
  std::vector<Event> ev;
  ev.reserve(256);
  std::size_t i = 0;
  std::uint64_t bad = 0;
  for (auto _ : state) {
    if (i == kMessages) {
      i = 0;
      (void)builder.OnSnapshot(m.snapshot);
    }
    ev.clear();
    const std::string& t = m.text[i];
    if (!parser.ParseLine(std::string_view(t.data(), m.size[i]), 64, ev).ok()) ++bad;
    for (const Event& e : ev) {
      if (!builder.OnDelta(std::get<BookDelta>(e)).ok()) ++bad;
    }
    ++i;
  }
  if (bad != 0 || !book.IsValid()) state.SkipWithError("messages failed to apply");
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
  state.counters["levels_per_side"] = static_cast<double>(state.range(0));
}
BENCHMARK(BM_BybitDelta_ParseApplyEvents)->Arg(1)->Arg(10)->Arg(50);

void BM_BybitDelta_ParseOnly(benchmark::State& state) {
  const Messages& m = Build(static_cast<int>(state.range(0)));
  hean::DataInstruments inst;
  hean::BybitJsonParser parser(&inst);
  hean::BookMessage msg;
  std::vector<Event> ev;
  std::size_t i = 0;
  for (auto _ : state) {
    if (i == kMessages) i = 0;
    const std::string& t = m.text[i];
    bool is_book = false;
    benchmark::DoNotOptimize(parser.ParseMessage(std::string_view(t.data(), m.size[i]), 64, msg, &is_book, ev));
    ++i;
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}
BENCHMARK(BM_BybitDelta_ParseOnly)->Arg(1)->Arg(10)->Arg(50);

}  // namespace
