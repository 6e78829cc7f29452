#include "apps/hean/data_cmd.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdio>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "apps/hean/data_common.h"
#include "hean/book/book_set.h"
#include "hean/data/hev.h"
#include "hean/data/replay.h"
#include "hean/data/source.h"

namespace hean::app {

namespace {

// ------------------------------------------------------------------ convert

int Convert(const CommonOptions& o, const std::vector<std::string>& in, const std::string& out_path) {
  DataInstruments inst;
  if (Status s = ApplySpecs(o, inst); !s.ok()) return Err(s.message()), 2;
  auto so = MakeSourceOptions(o, inst);
  if (!so.ok()) return Err(so.error().message()), 2;
  auto sources = OpenAll(in, *so);
  if (!sources.ok()) return Err(sources.error().message()), 1;
  auto writer = HevWriter::Create(out_path);
  if (!writer.ok()) return Err(writer.error().message()), 1;
  Replay replay(std::move(*sources));
  Event e;
  std::array<std::uint64_t, kEventTypeCount> by_kind{};
  while (replay.Next(&e)) {
    inst.Observe(e);
    ++by_kind[TypeOf(e)];
    if (Status s = (*writer)->Write(e); !s.ok()) return Err(s.message()), 1;
  }
  const bool skipped = ReportSkips(replay.sources());
  int rc = 0;
  if (!replay.status().ok()) {
    // A bad line under --on-error=fail stops the conversion; a truncated or
    // corrupt input keeps what came before it.
    const bool data_loss = replay.status().code() == StatusCode::kDataLoss;
    Err(replay.status().message());
    if (!data_loss) {
      Err("no output written (use --on-error=skip to skip bad lines)");
      return 1;
    }
    Err("the output keeps every event before the problem");
    rc = 1;
  }
  if (Status s = (*writer)->Finish(inst); !s.ok()) return Err(s.message()), 1;
  std::printf("wrote %s: %llu events in %llu records, %zu instruments\n", out_path.c_str(),
              static_cast<unsigned long long>((*writer)->event_count()),
              static_cast<unsigned long long>((*writer)->record_count()), inst.size());
  for (std::size_t k = 0; k < kEventTypeCount; ++k) {
    if (by_kind[k] != 0) {
      std::printf("  %-16s %llu\n", std::string(EventTypeName(static_cast<EventType>(k))).c_str(),
                  static_cast<unsigned long long>(by_kind[k]));
    }
  }
  if (replay.out_of_order() != 0) {
    std::printf("  note: %llu events had a receive time earlier than one before them\n",
                static_cast<unsigned long long>(replay.out_of_order()));
  }
  (void)skipped;
  return rc;
}

// ------------------------------------------------------------------ info

struct InstStats {
  std::uint64_t events = 0;
  std::array<std::uint64_t, kEventTypeCount> by_kind{};
  UnixNanos first_recv, last_recv;
  bool any = false;
  // Book message id chain.
  std::uint64_t last_u = 0;
  std::uint64_t book_messages = 0;
  std::uint64_t id_breaks = 0;
  bool in_message = false;
  std::uint64_t last_delta_u = 0;
  // Trades with numeric ids.
  std::uint64_t last_trade_id = 0;
  std::uint64_t trade_id_gaps = 0;
  std::uint64_t missing_trade_ids = 0;
  // Bars.
  UnixNanos last_open;
  std::uint64_t missing_bars = 0;
  bool have_bar = false;
};

std::optional<std::uint64_t> NumericId(std::string_view s) {
  if (s.empty() || s.size() > 19) return std::nullopt;
  std::uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + static_cast<std::uint64_t>(c - '0');
  }
  return v;
}

int Info(const CommonOptions& o, const std::vector<std::string>& files, double gap_seconds) {
  int rc = 0;
  for (const std::string& path : files) {
    DataInstruments inst;
    if (Status s = ApplySpecs(o, inst); !s.ok()) return Err(s.message()), 2;
    auto so = MakeSourceOptions(o, inst);
    if (!so.ok()) return Err(so.error().message()), 2;
    auto src = OpenSource(path, *so);
    if (!src.ok()) {
      Err(src.error().message());
      rc = 1;
      continue;
    }
    EventSource& s = **src;
    std::vector<InstStats> per;
    std::array<std::uint64_t, kEventTypeCount> by_kind{};
    std::uint64_t total = 0;
    UnixNanos min_recv = UnixNanos::FromNanos(INT64_MAX), max_recv = UnixNanos::FromNanos(INT64_MIN);
    UnixNanos min_event = min_recv, max_event = max_recv;
    UnixNanos prev_recv;
    bool have_prev = false;
    std::int64_t largest_silence = 0;
    UnixNanos largest_silence_at;
    std::uint64_t silences = 0, backwards = 0;
    const auto gap_ns = static_cast<std::int64_t>(gap_seconds * 1e9);
    std::vector<Event> batch;
    while (s.Next(batch)) {
      for (const Event& e : batch) {
        ++total;
        ++by_kind[TypeOf(e)];
        inst.Observe(e);
        const UnixNanos r = TsRecv(e), te = TsEvent(e);
        min_recv = std::min(min_recv, r);
        max_recv = std::max(max_recv, r);
        min_event = std::min(min_event, te);
        max_event = std::max(max_event, te);
        if (have_prev) {
          const std::int64_t d = r.nanos() - prev_recv.nanos();
          if (d < 0) ++backwards;
          if (d > largest_silence) {
            largest_silence = d;
            largest_silence_at = prev_recv;
          }
          if (d > gap_ns) ++silences;
        }
        prev_recv = r;
        have_prev = true;
        std::visit(
            [&](const auto& ev) {
              using T = std::decay_t<decltype(ev)>;
              if constexpr (requires { ev.instrument; }) {
                const InstrumentId id = ev.instrument;
                if (id.value >= per.size()) per.resize(id.value + 1);
                InstStats& st = per[id.value];
                ++st.events;
                ++st.by_kind[TypeOf(e)];
                if (!st.any) st.first_recv = r;
                st.last_recv = r;
                st.any = true;
                if constexpr (std::is_same_v<T, BookDelta>) {
                  if (!st.in_message) {
                    ++st.book_messages;
                    if (ev.prev_update_id != 0) {
                      // Binance: each diff names the previous diff's u (pu);
                      // the chain runs through snapshots.
                      if (st.last_delta_u != 0 && ev.prev_update_id != st.last_delta_u) ++st.id_breaks;
                    } else if (st.last_u != 0 && ev.update_id != 0 && ev.update_id != st.last_u + 1) {
                      ++st.id_breaks;  // Bybit: u advances by one; a snapshot resets it
                    }
                  }
                  st.in_message = (ev.flags & BookDelta::kLastInMessage) == 0;
                  if (!st.in_message) st.last_u = st.last_delta_u = ev.update_id;
                } else if constexpr (std::is_same_v<T, BookSnapshot>) {
                  ++st.book_messages;
                  st.last_u = ev.update_id;
                  st.in_message = false;
                } else if constexpr (std::is_same_v<T, Trade>) {
                  if (auto n = NumericId(ev.trade_id.view())) {
                    if (st.last_trade_id != 0 && *n > st.last_trade_id + 1) {
                      ++st.trade_id_gaps;
                      st.missing_trade_ids += *n - st.last_trade_id - 1;
                    }
                    st.last_trade_id = *n;
                  }
                } else if constexpr (std::is_same_v<T, Bar>) {
                  if (st.have_bar && ev.interval.nanos() > 0) {
                    const std::int64_t steps = (ev.open_time.nanos() - st.last_open.nanos()) / ev.interval.nanos();
                    if (steps > 1) st.missing_bars += static_cast<std::uint64_t>(steps - 1);
                  }
                  st.last_open = ev.open_time;
                  st.have_bar = true;
                }
              }
            },
            e);
      }
      batch.clear();
    }
    std::printf("%s\n  format: %s\n  events: %llu\n", path.c_str(), std::string(s.format()).c_str(),
                static_cast<unsigned long long>(total));
    for (std::size_t k = 0; k < kEventTypeCount; ++k) {
      if (by_kind[k] != 0) {
        std::printf("    %-16s %llu\n", std::string(EventTypeName(static_cast<EventType>(k))).c_str(),
                    static_cast<unsigned long long>(by_kind[k]));
      }
    }
    if (total > 0) {
      std::printf("  ts_recv:  %s -> %s (%.3f s)\n", min_recv.ToIso8601().c_str(), max_recv.ToIso8601().c_str(),
                  static_cast<double>(max_recv.nanos() - min_recv.nanos()) / 1e9);
      std::printf("  ts_event: %s -> %s\n", min_event.ToIso8601().c_str(), max_event.ToIso8601().c_str());
      std::printf("  gaps: largest silence %.3f s after %s; %llu silences over %g s; %llu receive-time steps back\n",
                  static_cast<double>(largest_silence) / 1e9, largest_silence_at.ToIso8601().c_str(),
                  static_cast<unsigned long long>(silences), gap_seconds, static_cast<unsigned long long>(backwards));
    }
    std::printf("  instruments: %zu\n", inst.size());
    for (const auto& ie : inst.all()) {
      const InstStats st = ie.id.value < per.size() ? per[ie.id.value] : InstStats{};
      std::printf("    %s  events %llu", InstName(inst, ie.id).c_str(), static_cast<unsigned long long>(st.events));
      if (ie.tick_size.IsDefined())
        std::printf("  tick %s lot %s", Fmt(ie.tick_size).c_str(), Fmt(ie.lot_size).c_str());
      if (ie.price_grid > 0) {
        std::printf("  price grid %s qty grid %s", Price::FromRaw(ie.price_grid).ToString().c_str(),
                    Qty::FromRaw(ie.qty_grid).ToString().c_str());
      }
      std::printf("\n");
      if (st.book_messages != 0) {
        std::printf("      book messages %llu, update-id breaks %llu\n",
                    static_cast<unsigned long long>(st.book_messages), static_cast<unsigned long long>(st.id_breaks));
      }
      if (st.by_kind[kEventTypeOf<Trade>] != 0 && st.last_trade_id != 0) {
        std::printf("      trade-id gaps %llu (%llu ids missing)\n", static_cast<unsigned long long>(st.trade_id_gaps),
                    static_cast<unsigned long long>(st.missing_trade_ids));
      }
      if (st.have_bar) std::printf("      missing bars %llu\n", static_cast<unsigned long long>(st.missing_bars));
    }
    if (s.skipped().total() != 0) {
      std::printf("  skipped lines: %llu\n", static_cast<unsigned long long>(s.skipped().total()));
      for (const auto& [reason, e] : s.skipped().by_reason()) {
        std::printf("    %8llu  %s\n", static_cast<unsigned long long>(e.count), reason.c_str());
      }
    }
    if (!s.status().ok()) {
      Err(s.status().message());
      std::printf("  incomplete: %s\n", s.status().message().c_str());
      rc = 1;
    }
  }
  return rc;
}

// ------------------------------------------------------------------ verify

int Verify(const CommonOptions& o, const std::vector<std::string>& files, std::size_t max_report) {
  DataInstruments inst;
  if (Status s = ApplySpecs(o, inst); !s.ok()) return Err(s.message()), 2;
  auto so = MakeSourceOptions(o, inst);
  if (!so.ok()) return Err(so.error().message()), 2;
  if (Status s = LearnGrids(files, *so); !s.ok()) return Err(s.message()), 1;
  auto sources = OpenAll(files, *so);
  if (!sources.ok()) return Err(sources.error().message()), 1;
  Replay replay(std::move(*sources));
  BookSet books = MakeBooks(inst);
  std::uint64_t invalid = 0, quotes_checked = 0, quotes_matched = 0, reported = 0;
  Event e;
  while (replay.Next(&e)) {
    if (auto bad = books.Apply(e)) {
      ++invalid;
      if (reported++ < max_report) {
        std::printf("INVALID %s %s at %s: update id %llu after %llu\n", InstName(inst, bad->instrument).c_str(),
                    std::string(ToString(bad->reason)).c_str(), bad->ts_recv.ToIso8601().c_str(),
                    static_cast<unsigned long long>(bad->update_id),
                    static_cast<unsigned long long>(bad->last_update_id));
      }
    } else if (const auto* q = std::get_if<Quote>(&e); q != nullptr && q->update_id != 0) {
      // The venue's own top of book, at the same update id as the rebuilt
      // book: an independent check of the reconstruction.
      const OrderBook* b = books.Find(q->instrument);
      if (b != nullptr && books.ReadyAfterMessage(q->instrument) && b->update_id == q->update_id) {
        ++quotes_checked;
        const auto bid = b->BestBid();
        const auto ask = b->BestAsk();
        const bool ok = bid && ask && bid->price == q->bid_price && bid->qty == q->bid_qty &&
                        ask->price == q->ask_price && ask->qty == q->ask_qty;
        if (ok) {
          ++quotes_matched;
        } else if (reported++ < max_report) {
          std::printf("MISMATCH %s at update id %llu: book %s x %s / %s x %s, venue %s x %s / %s x %s\n",
                      InstName(inst, q->instrument).c_str(), static_cast<unsigned long long>(q->update_id),
                      bid ? Fmt(bid->price).c_str() : "-", bid ? Fmt(bid->qty).c_str() : "-",
                      ask ? Fmt(ask->price).c_str() : "-", ask ? Fmt(ask->qty).c_str() : "-", Fmt(q->bid_price).c_str(),
                      Fmt(q->bid_qty).c_str(), Fmt(q->ask_price).c_str(), Fmt(q->ask_qty).c_str());
        }
      }
    }
  }
  ReportSkips(replay.sources());
  const auto& c = books.counts();
  std::printf("events %llu: book snapshots %llu, book deltas %llu; books %zu; invalidations %llu\n",
              static_cast<unsigned long long>(replay.events()), static_cast<unsigned long long>(c.snapshots),
              static_cast<unsigned long long>(c.deltas), books.size(), static_cast<unsigned long long>(invalid));
  for (const auto& ie : inst.all()) {
    const OrderBook* b = books.Find(ie.id);
    if (b == nullptr) continue;
    const auto bid = b->BestBid();
    const auto ask = b->BestAsk();
    std::printf("  %s (%s builder, tick %s): %s, update id %llu, %zu bids / %zu asks, best %s x %s / %s x %s\n",
                InstName(inst, ie.id).c_str(), std::string(books.BuilderName(ie.id)).c_str(),
                Fmt(b->tick_size()).c_str(), b->IsValid() ? "valid" : "INVALID",
                static_cast<unsigned long long>(b->update_id), b->LevelCount(Side::kBuy), b->LevelCount(Side::kSell),
                bid ? Fmt(bid->price).c_str() : "-", bid ? Fmt(bid->qty).c_str() : "-",
                ask ? Fmt(ask->price).c_str() : "-", ask ? Fmt(ask->qty).c_str() : "-");
  }
  if (quotes_checked != 0 || quotes_matched != 0) {
    std::printf("top of book vs the venue's quotes at equal update ids: %llu of %llu match\n",
                static_cast<unsigned long long>(quotes_matched), static_cast<unsigned long long>(quotes_checked));
  }
  int rc = 0;
  if (!replay.status().ok()) {
    Err(replay.status().message());
    rc = 1;
  }
  if (invalid != 0 || quotes_matched != quotes_checked) rc = 1;
  std::printf("%s\n", rc == 0 ? "OK" : "PROBLEMS FOUND");
  return rc;
}

// ------------------------------------------------------------------ dump

struct KindFilter {
  std::set<EventType> kinds;
  bool Accepts(EventType t) const { return kinds.empty() || kinds.count(t) != 0; }
};

Result<KindFilter, Status> ParseKinds(const std::vector<std::string>& names) {
  KindFilter f;
  for (const std::string& n : names) {
    std::string up;
    for (char c : n) up.push_back(c == '-' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
    bool found = false;
    for (std::size_t k = 0; k < kEventTypeCount; ++k) {
      if (EventTypeName(static_cast<EventType>(k)) == up) {
        f.kinds.insert(static_cast<EventType>(k));
        found = true;
      }
    }
    if (!found) {
      return InvalidArgumentError("--kinds: \"" + n +
                                  "\" is not an event kind (book_snapshot, book_delta, trade, quote, bar, "
                                  "book_invalid)");
    }
  }
  return f;
}

void DumpEvent(const Event& ev, const DataInstruments& inst) {
  std::visit(
      [&](const auto& e) {
        using T = std::decay_t<decltype(e)>;
        const std::string kind(EventTypeName(kEventTypeOf<T>));
        auto head = [&](InstrumentId id) {
          std::printf("%lld,%lld,%s,%s", Ns(e.ts_recv), Ns(e.ts_event), kind.c_str(), InstName(inst, id).c_str());
        };
        // Columns: ts_recv,ts_event,kind,instrument,side,price,qty,price2,qty2,update_id,first_update_id,
        //          prev_update_id,sequence,flags,id
        if constexpr (std::is_same_v<T, BookDelta>) {
          head(e.instrument);
          std::printf(",%s,%s,%s,,,%llu,%llu,%llu,%llu,%u,\n", std::string(ToString(e.side)).c_str(),
                      Fmt(e.price).c_str(), Fmt(e.qty).c_str(), static_cast<unsigned long long>(e.update_id),
                      static_cast<unsigned long long>(e.first_update_id),
                      static_cast<unsigned long long>(e.prev_update_id), static_cast<unsigned long long>(e.sequence),
                      static_cast<unsigned>(e.flags));
        } else if constexpr (std::is_same_v<T, BookSnapshot>) {
          // One row per level; an empty snapshot is one row without a level.
          auto row = [&](const char* side, const BookLevel* l) {
            head(e.instrument);
            std::printf(",%s,%s,%s,,,%llu,,,%llu,,\n", side, l ? Fmt(l->price).c_str() : "",
                        l ? Fmt(l->qty).c_str() : "", static_cast<unsigned long long>(e.update_id),
                        static_cast<unsigned long long>(e.sequence));
          };
          bool any = false;
          if (e.levels) {
            for (const BookLevel& l : e.levels->bids) row("BUY", &l), any = true;
            for (const BookLevel& l : e.levels->asks) row("SELL", &l), any = true;
          }
          if (!any) row("", nullptr);
        } else if constexpr (std::is_same_v<T, Trade>) {
          head(e.instrument);
          std::printf(",%s,%s,%s,,,,,,,,%s\n", std::string(ToString(e.aggressor)).c_str(), Fmt(e.price).c_str(),
                      Fmt(e.qty).c_str(), e.trade_id.str().c_str());
        } else if constexpr (std::is_same_v<T, Quote>) {
          head(e.instrument);
          std::printf(",,%s,%s,%s,%s,%llu,,,,,\n", Fmt(e.bid_price).c_str(), Fmt(e.bid_qty).c_str(),
                      Fmt(e.ask_price).c_str(), Fmt(e.ask_qty).c_str(), static_cast<unsigned long long>(e.update_id));
        } else if constexpr (std::is_same_v<T, Bar>) {
          // price = open, qty = volume, price2 = close; high/low in id as "high/low".
          head(e.instrument);
          std::printf(",,%s,%s,%s,,,,,,,%s/%s\n", Fmt(e.open).c_str(), Fmt(e.volume).c_str(), Fmt(e.close).c_str(),
                      Fmt(e.high).c_str(), Fmt(e.low).c_str());
        } else if constexpr (std::is_same_v<T, BookInvalid>) {
          head(e.instrument);
          std::printf(",,,,,,%llu,,%llu,,,%s\n", static_cast<unsigned long long>(e.update_id),
                      static_cast<unsigned long long>(e.last_update_id), std::string(ToString(e.reason)).c_str());
        }
      },
      ev);
}

int Dump(const CommonOptions& o, const std::vector<std::string>& files, int book_top,
         const std::vector<std::string>& kinds) {
  if (book_top > 0 && !kinds.empty()) return Err("--book-top and --kinds: use one of them"), 2;
  auto filter = ParseKinds(kinds);
  if (!filter.ok()) return Err(filter.error().message()), 2;
  DataInstruments inst;
  if (Status s = ApplySpecs(o, inst); !s.ok()) return Err(s.message()), 2;
  auto so = MakeSourceOptions(o, inst);
  if (!so.ok()) return Err(so.error().message()), 2;
  if (book_top > 0) {
    if (Status s = LearnGrids(files, *so); !s.ok()) return Err(s.message()), 1;
  }
  auto sources = OpenAll(files, *so);
  if (!sources.ok()) return Err(sources.error().message()), 1;
  Replay replay(std::move(*sources));
  Event e;
  if (book_top > 0) {
    BookSet books = MakeBooks(inst);
    std::printf("ts_recv,ts_event,instrument,update_id,valid");
    for (int i = 0; i < book_top; ++i) std::printf(",bid%d_price,bid%d_qty", i + 1, i + 1);
    for (int i = 0; i < book_top; ++i) std::printf(",ask%d_price,ask%d_qty", i + 1, i + 1);
    std::printf("\n");
    std::vector<BookLevel> lv(static_cast<std::size_t>(book_top));
    while (replay.Next(&e)) {
      const bool book_event = std::holds_alternative<BookDelta>(e) || std::holds_alternative<BookSnapshot>(e);
      if (!book_event) continue;
      auto bad = books.Apply(e);
      const InstrumentId id = std::visit(
          [](const auto& x) {
            if constexpr (requires { x.instrument; }) {
              return x.instrument;
            } else {
              return InstrumentId{};
            }
          },
          e);
      const bool end_of_message =
          std::holds_alternative<BookSnapshot>(e) || (std::get<BookDelta>(e).flags & BookDelta::kLastInMessage) != 0;
      if (!end_of_message && !bad) continue;
      const OrderBook* b = books.Find(id);
      if (b == nullptr) continue;
      std::printf("%lld,%lld,%s,%llu,%d", Ns(TsRecv(e)), Ns(TsEvent(e)), InstName(inst, id).c_str(),
                  static_cast<unsigned long long>(b->update_id), b->IsValid() ? 1 : 0);
      for (Side side : {Side::kBuy, Side::kSell}) {
        const std::size_t n = b->IsValid() ? b->Depth(side, lv.size(), lv.data()) : 0;
        for (std::size_t i = 0; i < lv.size(); ++i) {
          if (i < n) {
            std::printf(",%s,%s", Fmt(lv[i].price).c_str(), Fmt(lv[i].qty).c_str());
          } else {
            std::printf(",,");
          }
        }
      }
      std::printf("\n");
    }
  } else {
    std::printf(
        "ts_recv,ts_event,kind,instrument,side,price,qty,price2,qty2,update_id,first_update_id,prev_update_id,"
        "sequence,flags,id\n");
    while (replay.Next(&e)) {
      if (filter->Accepts(TypeOf(e))) DumpEvent(e, inst);
    }
  }
  std::fflush(stdout);
  ReportSkips(replay.sources());
  if (!replay.status().ok()) {
    Err(replay.status().message());
    return 1;
  }
  return 0;
}

}  // namespace

void AddDataCommands(CLI::App& app, int* exit_code) {
  auto* data = app.add_subcommand("data", "Convert, inspect, verify and dump recorded market data");
  data->require_subcommand(1);

  // Options live as long as the app (CLI11 keeps pointers to them).
  static CommonOptions common_convert, common_info, common_verify, common_dump;
  static std::vector<std::string> convert_in, info_files, verify_files, dump_files, dump_kinds;
  static std::string convert_out;
  static double info_gap = 10.0;
  static std::size_t verify_max = 20;
  static int dump_top = 0;

  auto* convert = data->add_subcommand("convert", "Convert recorded data (any format HEAN reads) into one .hev file");
  convert->add_option("inputs", convert_in, "input files, merged by receive time")->required();
  convert->add_option("-o,--output", convert_out, "output .hev file")->required();
  AddCommon(convert, common_convert);
  convert->callback([exit_code] { *exit_code = Convert(common_convert, convert_in, convert_out); });

  auto* info = data->add_subcommand("info", "Counts by kind, instruments, time span and gaps of each file");
  info->add_option("files", info_files, "files (any format HEAN reads)")->required();
  info->add_option("--gap", info_gap, "report receive-time silences longer than this many seconds (default 10)");
  AddCommon(info, common_info);
  info->callback([exit_code] { *exit_code = Info(common_info, info_files, info_gap); });

  auto* verify = data->add_subcommand(
      "verify", "Rebuild every book and report integrity problems (and mismatches with the venue's own quotes)");
  verify->add_option("files", verify_files, "files, merged by receive time")->required();
  verify->add_option("--max-report", verify_max, "print at most this many problems (default 20)");
  AddCommon(verify, common_verify);
  verify->callback([exit_code] { *exit_code = Verify(common_verify, verify_files, verify_max); });

  auto* dump = data->add_subcommand("dump", "Write events, or the top of each book after every book message, as CSV");
  dump->add_option("files", dump_files, "files, merged by receive time")->required();
  dump->add_option("--book-top", dump_top, "print the top N levels of the book after every book message instead");
  dump->add_option("--kinds", dump_kinds, "only these event kinds (trade, quote, book_delta, book_snapshot, bar)")
      ->delimiter(',');
  AddCommon(dump, common_dump);
  dump->callback([exit_code] { *exit_code = Dump(common_dump, dump_files, dump_top, dump_kinds); });
}

}  // namespace hean::app
