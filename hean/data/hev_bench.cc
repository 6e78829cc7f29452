// .hev read benchmarks on real data: the Binance USD-M BTCUSDT capture of
// 2024-07-18 in testdata/ (one REST snapshot, the diff stream, trades and
// book tickers), parsed once and written to a .hev file in a temporary
// directory, looped with shifted timestamps until the file holds at least
// 10 million events (each loop starts with the capture's snapshot, so the
// book stays consistent). Mostly BookDelta, as market data is.
//
//   BM_Hev_Scan          open (mmap) + decode every record into a reused Event
//   BM_Hev_ScanForEach   the same through HevReader::ForEach
//   BM_Hev_ScanBook      the same, every BookSnapshot / BookDelta applied to an
//                        OrderBook (tick 0.1); book errors counted, not fatal
//
// items_per_second is events per second; bytes_per_second is file bytes.
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <variant>
#include <vector>

#include "hean/book/order_book.h"
#include "hean/data/binance_capture.h"
#include "hean/data/hev.h"
#include "hean/data/line_reader.h"

namespace {

using hean::BookDelta;
using hean::BookSnapshot;
using hean::Event;
using hean::InstrumentId;
using hean::Price;

constexpr std::uint64_t kMinEvents = 10'000'000;

[[noreturn]] void Die(const std::string& what) {
  std::fprintf(stderr, "hev_bench: %s\n", what.c_str());
  std::abort();
}

struct HevFile {
  std::string dir;
  std::string path;
  std::uint64_t events = 0;
  std::uint64_t deltas = 0;
  std::uint64_t snapshots = 0;
  std::uint64_t bytes = 0;
  std::uint64_t capture_events = 0;
  int loops = 0;
  std::string label;

  HevFile() = default;
  HevFile(const HevFile&) = delete;
  HevFile& operator=(const HevFile&) = delete;
  ~HevFile() {
    std::error_code ec;
    if (!dir.empty()) std::filesystem::remove_all(dir, ec);
  }
};

void ShiftTimes(Event& e, hean::Duration by) {
  std::visit(
      [&](auto& x) {
        x.ts_event += by;
        x.ts_recv += by;
      },
      e);
}

const HevFile& File() {
  static HevFile f;
  static bool built = [] {
    const char* tmp = std::getenv("TMPDIR");
    std::string tmpl = std::string(tmp != nullptr && *tmp != '\0' ? tmp : "/tmp") + "/hean_hev_bench_XXXXXX";
    if (mkdtemp(tmpl.data()) == nullptr) Die("cannot create a temporary directory " + tmpl);
    f.dir = tmpl;
    f.path = f.dir + "/btcusdt_looped.hev";

    hean::DataInstruments instruments;
    const InstrumentId id = instruments.Intern(hean::Venue::kBinance, "BTCUSDT");
    if (!instruments.AddSpec(hean::Venue::kBinance, "BTCUSDT", *Price::Parse("0.1"), *hean::Qty::Parse("0.001")).ok()) {
      Die("AddSpec");
    }
    hean::BinanceCaptureParser parser({{"BTCUSDT", id}}, id);
    const std::string src = std::string(HEAN_SOURCE_DIR) + "/testdata/binance-usdm-2024-07-18/usdm_btcusdt_20240718.gz";
    auto reader = hean::LineReader::Open(src);
    if (!reader.ok()) Die(reader.error().ToString());
    std::vector<Event> events;
    std::string_view line;
    while ((*reader)->Next(&line)) {
      hean::Status s = parser.ParseLine(line, (*reader)->readable_after(line), events);
      if (!s.ok()) Die(src + ":" + std::to_string((*reader)->line_number()) + ": " + s.ToString());
    }
    if (!(*reader)->status().ok()) Die((*reader)->status().ToString());
    for (const Event& e : events) instruments.Observe(e);
    std::int64_t lo = INT64_MAX, hi = INT64_MIN;
    for (const Event& e : events) {
      lo = std::min({lo, hean::TsRecv(e).nanos(), hean::TsEvent(e).nanos()});
      hi = std::max({hi, hean::TsRecv(e).nanos(), hean::TsEvent(e).nanos()});
    }
    const hean::Duration period = hean::Duration::Nanos(hi - lo) + hean::Duration::Seconds(1);

    f.capture_events = events.size();
    f.loops = static_cast<int>((kMinEvents + events.size() - 1) / events.size());
    auto w = hean::HevWriter::Create(f.path);
    if (!w.ok()) Die(w.error().ToString());
    for (int loop = 0; loop < f.loops; ++loop) {
      for (Event e : events) {
        ShiftTimes(e, period * loop);
        f.deltas += std::holds_alternative<BookDelta>(e);
        f.snapshots += std::holds_alternative<BookSnapshot>(e);
        if (hean::Status s = (*w)->Write(e); !s.ok()) Die(s.ToString());
      }
    }
    if (hean::Status s = (*w)->Finish(instruments); !s.ok()) Die(s.ToString());
    f.events = (*w)->event_count();
    f.bytes = std::filesystem::file_size(f.path);
    f.label = "BTCUSDT 2024-07-18 capture (" + std::to_string(f.capture_events) + " events) looped " +
              std::to_string(f.loops) + "x with shifted timestamps: " + std::to_string(f.events) + " events, " +
              std::to_string(f.deltas * 100 / f.events) + "% deltas, " + std::to_string(f.bytes >> 20) + " MiB";
    return true;
  }();
  (void)built;
  return f;
}

std::unique_ptr<hean::HevReader> OpenOrDie(const std::string& path) {
  auto r = hean::HevReader::Open(path);
  if (!r.ok()) Die(r.error().ToString());
  return std::move(*r);
}

void Report(benchmark::State& state, const HevFile& f) {
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * f.events));
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * f.bytes));
  state.SetLabel(f.label);
}

// Open (mmap) and decode every record into one reused Event.
void BM_Hev_Scan(benchmark::State& state) {
  const HevFile& f = File();
  for (auto _ : state) {
    auto reader = OpenOrDie(f.path);
    Event e;
    std::uint64_t n = 0;
    while (reader->Next(e)) {
      benchmark::DoNotOptimize(e);
      ++n;
    }
    if (!reader->status().ok() || n != f.events) Die("scan: " + reader->status().ToString());
  }
  Report(state, f);
}
BENCHMARK(BM_Hev_Scan)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_Hev_ScanForEach(benchmark::State& state) {
  const HevFile& f = File();
  for (auto _ : state) {
    auto reader = OpenOrDie(f.path);
    std::uint64_t n = 0;
    hean::Status s = reader->ForEach([&](const Event& e) {
      benchmark::DoNotOptimize(&e);
      ++n;
    });
    if (!s.ok() || n != f.events) Die("scan: " + s.ToString());
  }
  Report(state, f);
}
BENCHMARK(BM_Hev_ScanForEach)->Unit(benchmark::kMillisecond)->UseRealTime();

// Decode and apply every book event to an OrderBook.
void BM_Hev_ScanBook(benchmark::State& state) {
  const HevFile& f = File();
  std::uint64_t errors = 0;
  std::size_t bid_levels = 0, ask_levels = 0;
  for (auto _ : state) {
    auto reader = OpenOrDie(f.path);
    hean::OrderBook book(InstrumentId{0}, *Price::Parse("0.1"));
    Event e;
    errors = 0;
    while (reader->Next(e)) {
      if (const auto* d = std::get_if<BookDelta>(&e)) {
        if ((d->flags & BookDelta::kNoLevels) == 0) errors += !book.SetLevel(d->side, d->price, d->qty).ok();
      } else if (const auto* s = std::get_if<BookSnapshot>(&e)) {
        if (s->levels) errors += !book.ApplySnapshot(s->levels->bids, s->levels->asks).ok();
      }
    }
    if (!reader->status().ok()) Die("scan: " + reader->status().ToString());
    benchmark::DoNotOptimize(book.BestBid());
    bid_levels = book.LevelCount(hean::Side::kBuy);
    ask_levels = book.LevelCount(hean::Side::kSell);
  }
  Report(state, f);
  state.counters["book_errors"] = static_cast<double>(errors);
  state.counters["levels_bid"] = static_cast<double>(bid_levels);
  state.counters["levels_ask"] = static_cast<double>(ask_levels);
}
BENCHMARK(BM_Hev_ScanBook)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace
