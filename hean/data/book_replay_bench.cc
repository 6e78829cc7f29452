// Order book and Binance capture benchmarks on real data: the BTCUSDT capture
// of 2024-07-18/19 in testdata/ (about 5,000 diff messages, 300,000 level
// updates), loaded into memory once and looped.
//
//   BM_OrderBook_ApplyRealDeltas          HEAN OrderBook, one SetLevel per level update
//   BM_StdMapBook_ApplyRealDeltas_Peer    the same updates on a std::map<tick, qty> book
//   BM_BinanceCapture_ParseApply          capture line -> parsed -> applied to the book (ParseMessage + OnMessage)
//   BM_BinanceCapture_ParseApplyEvents    the same through events (ParseLine + OnDelta; the replay path)
//   BM_BinanceCapture_SimdjsonParseOnly   simdjson DOM parse of the same lines (the limit)
#include <benchmark/benchmark.h>
#include <simdjson.h>

#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>
#include <vector>

#include "hean/book/binance_book_builder.h"
#include "hean/book/order_book.h"
#include "hean/data/binance_capture.h"
#include "hean/data/line_reader.h"

namespace {

using hean::BookDelta;
using hean::BookSnapshot;
using hean::Event;
using hean::InstrumentId;
using hean::Price;

struct Sample {
  std::vector<std::string> lines;  // every capture line, in order
  std::size_t bytes = 0;
  std::shared_ptr<const hean::BookLevels> snapshot;
  std::vector<BookDelta> deltas;  // the diff levels applied after the snapshot, in order
};

const Sample& LoadSample() {
  static const Sample kSample = [] {
    Sample s;
    const std::string dir = std::string(HEAN_SOURCE_DIR) + "/testdata/binance-usdm-2024-07-18/";
    const InstrumentId id{0};
    hean::BinanceCaptureParser parser({{"BTCUSDT", id}}, id);
    hean::OrderBook book(id, *Price::Parse("0.1"));
    hean::BinanceBookBuilder builder(book);
    std::vector<Event> events;
    for (const char* f : {"usdm_btcusdt_20240718.gz", "usdm_btcusdt_20240719_head20000.gz"}) {
      auto reader = hean::LineReader::Open(dir + f);
      if (!reader.ok()) {
        std::fprintf(stderr, "%s\n", reader.error().ToString().c_str());
        std::abort();
      }
      std::string_view line;
      while ((*reader)->Next(&line)) {
        s.lines.emplace_back(line);
        s.bytes += line.size() + 1;
        events.clear();
        if (!parser.ParseLine(line, (*reader)->readable_after(line), events).ok()) std::abort();
        for (const Event& e : events) {
          if (const auto* snap = std::get_if<BookSnapshot>(&e)) {
            s.snapshot = snap->levels;
            (void)builder.OnSnapshot(*snap);
          } else if (const auto* d = std::get_if<BookDelta>(&e)) {
            (void)builder.OnDelta(*d);
            if (builder.state() == hean::BinanceBookBuilder::State::kLive && !(d->flags & BookDelta::kNoLevels)) {
              s.deltas.push_back(*d);
            }
          }
        }
      }
    }
    return s;
  }();
  return kSample;
}

void BM_OrderBook_ApplyRealDeltas(benchmark::State& state) {
  const Sample& s = LoadSample();
  hean::OrderBook book(InstrumentId{0}, *Price::Parse("0.1"));
  for (auto _ : state) {
    state.PauseTiming();
    (void)book.ApplySnapshot(s.snapshot->bids, s.snapshot->asks);
    state.ResumeTiming();
    for (const BookDelta& d : s.deltas) {
      auto r = book.SetLevel(d.side, d.price, d.qty);
      benchmark::DoNotOptimize(r);
    }
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * s.deltas.size()));
  state.counters["levels_bid"] = static_cast<double>(book.LevelCount(hean::Side::kBuy));
  state.counters["levels_ask"] = static_cast<double>(book.LevelCount(hean::Side::kSell));
}
BENCHMARK(BM_OrderBook_ApplyRealDeltas)->Unit(benchmark::kMicrosecond);

// Peer: a book as two std::map<tick, qty> (the common simple choice).
void BM_StdMapBook_ApplyRealDeltas_Peer(benchmark::State& state) {
  const Sample& s = LoadSample();
  const std::int64_t tick = Price::Parse("0.1")->raw();
  std::map<std::int64_t, std::int64_t, std::greater<>> bids;
  std::map<std::int64_t, std::int64_t> asks;
  for (auto _ : state) {
    state.PauseTiming();
    bids.clear();
    asks.clear();
    for (const auto& l : s.snapshot->bids) bids[l.price.raw() / tick] = l.qty.raw();
    for (const auto& l : s.snapshot->asks) asks[l.price.raw() / tick] = l.qty.raw();
    state.ResumeTiming();
    for (const BookDelta& d : s.deltas) {
      const std::int64_t t = d.price.raw() / tick;
      if (d.side == hean::Side::kBuy) {
        if (d.qty.IsZero()) {
          bids.erase(t);
        } else {
          bids[t] = d.qty.raw();
        }
      } else {
        if (d.qty.IsZero()) {
          asks.erase(t);
        } else {
          asks[t] = d.qty.raw();
        }
      }
    }
    benchmark::DoNotOptimize(bids.begin()->first);
    benchmark::DoNotOptimize(asks.begin()->first);
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * s.deltas.size()));
  state.counters["levels_bid"] = static_cast<double>(bids.size());
  state.counters["levels_ask"] = static_cast<double>(asks.size());
}
BENCHMARK(BM_StdMapBook_ApplyRealDeltas_Peer)->Unit(benchmark::kMicrosecond);

// Each line followed by SIMDJSON_PADDING zero bytes (parsed in place).
std::vector<std::string> Padded(const Sample& s) {
  std::vector<std::string> padded;
  for (const auto& l : s.lines) {
    std::string p = l;
    p.resize(l.size() + simdjson::SIMDJSON_PADDING, '\0');
    padded.push_back(std::move(p));
  }
  return padded;
}

// Every line of the capture: parsed; depth messages applied whole to the
// book (ParseMessage + OnMessage: the feed handler's path), trades and
// bookTickers made into events.
void BM_BinanceCapture_ParseApply(benchmark::State& state) {
  const Sample& s = LoadSample();
  const std::vector<std::string> padded = Padded(s);
  const InstrumentId id{0};
  hean::BinanceCaptureParser parser({{"BTCUSDT", id}}, id);
  hean::BookMessage msg;
  std::vector<Event> events;
  events.reserve(16);
  std::uint64_t bad = 0;
  for (auto _ : state) {
    hean::OrderBook book(id, *Price::Parse("0.1"));
    hean::BinanceBookBuilder builder(book);
    for (std::size_t i = 0; i < padded.size(); ++i) {
      events.clear();
      const std::string_view line(padded[i].data(), s.lines[i].size());
      bool is_book = false;
      if (!parser.ParseMessage(line, simdjson::SIMDJSON_PADDING, msg, &is_book, events).ok()) ++bad;
      if (is_book) (void)builder.OnMessage(msg);
      benchmark::DoNotOptimize(events.data());
    }
    if (builder.state() != hean::BinanceBookBuilder::State::kLive) ++bad;
    benchmark::DoNotOptimize(book.BestBid());
  }
  if (bad != 0) state.SkipWithError("lines failed to parse or the book is not live");
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * s.lines.size()));
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * s.bytes));
}
BENCHMARK(BM_BinanceCapture_ParseApply)->Unit(benchmark::kMillisecond);

// The replay path: every line into events (one BookDelta per level),
// applied one by one.
void BM_BinanceCapture_ParseApplyEvents(benchmark::State& state) {
  const Sample& s = LoadSample();
  const std::vector<std::string> padded = Padded(s);
  const InstrumentId id{0};
  hean::BinanceCaptureParser parser({{"BTCUSDT", id}}, id);
  std::vector<Event> events;
  events.reserve(4096);
  for (auto _ : state) {
    hean::OrderBook book(id, *Price::Parse("0.1"));
    hean::BinanceBookBuilder builder(book);
    for (std::size_t i = 0; i < padded.size(); ++i) {
      events.clear();
      const std::string_view line(padded[i].data(), s.lines[i].size());
      auto st = parser.ParseLine(line, simdjson::SIMDJSON_PADDING, events);
      benchmark::DoNotOptimize(st);
      for (const Event& e : events) {
        if (const auto* d = std::get_if<BookDelta>(&e)) {
          (void)builder.OnDelta(*d);
        } else if (const auto* snap = std::get_if<BookSnapshot>(&e)) {
          (void)builder.OnSnapshot(*snap);
        }
      }
    }
    benchmark::DoNotOptimize(book.BestBid());
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * s.lines.size()));
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * s.bytes));
}
BENCHMARK(BM_BinanceCapture_ParseApplyEvents)->Unit(benchmark::kMillisecond);

// Peer: a full simdjson DOM parse of each JSON line, nothing else.
void BM_BinanceCapture_SimdjsonParseOnly(benchmark::State& state) {
  const Sample& s = LoadSample();
  std::vector<simdjson::padded_string> jsons;
  for (const auto& l : s.lines) jsons.emplace_back(std::string_view(l).substr(l.find(' ') + 1));
  simdjson::dom::parser parser;
  for (auto _ : state) {
    for (const auto& j : jsons) {
      simdjson::dom::element doc;
      auto err = parser.parse(j).get(doc);
      benchmark::DoNotOptimize(err);
    }
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * s.lines.size()));
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * s.bytes));
}
BENCHMARK(BM_BinanceCapture_SimdjsonParseOnly)->Unit(benchmark::kMillisecond);

}  // namespace
