#include "apps/hean/data_common.h"

#include <cstdio>

#include "hean/data/hev.h"

namespace hean::app {

void AddCommon(CLI::App* cmd, CommonOptions& o) {
  cmd->add_option("--on-error", o.on_error, "what to do with a bad line: fail (stop, the default) or skip (count it)")
      ->check(CLI::IsMember({"fail", "skip"}));
  cmd->add_option("--symbol", o.symbol, "symbol for files that do not name one (candle CSVs, capture snapshots)");
  cmd->add_option("--venue", o.venue, "venue for files that do not name one: bybit, binance");
  cmd->add_option("--instrument", o.instruments,
                  "tick and lot size of an instrument, VENUE:SYMBOL:TICK:LOT (e.g. binance:BTCUSDT:0.1:0.001); "
                  "otherwise the price grid is inferred from the data");
}

void Err(const std::string& s) { std::fprintf(stderr, "hean: %s\n", s.c_str()); }

// Parses --instrument specs into `inst`.
Status ApplySpecs(const CommonOptions& o, DataInstruments& inst) {
  for (const std::string& spec : o.instruments) {
    std::vector<std::string> parts;
    std::size_t start = 0;
    for (;;) {
      const std::size_t c = spec.find(':', start);
      parts.push_back(spec.substr(start, c == std::string::npos ? std::string::npos : c - start));
      if (c == std::string::npos) break;
      start = c + 1;
    }
    if (parts.size() != 4) {
      return InvalidArgumentError("--instrument \"" + spec + "\": expected VENUE:SYMBOL:TICK:LOT");
    }
    auto venue = ParseVenue(parts[0]);
    if (!venue.ok()) return InvalidArgumentError("--instrument \"" + spec + "\": " + venue.error().message());
    auto tick = Price::Parse(parts[2]);
    if (!tick.ok()) return DecimalErrorStatus(tick.error(), "--instrument tick", parts[2]);
    auto lot = Qty::Parse(parts[3]);
    if (!lot.ok()) return DecimalErrorStatus(lot.error(), "--instrument lot", parts[3]);
    if (Status s = inst.AddSpec(*venue, parts[1], *tick, *lot); !s.ok()) {
      return InvalidArgumentError("--instrument \"" + spec + "\": " + s.message());
    }
  }
  return Status::Ok();
}

Result<SourceOptions, Status> MakeSourceOptions(const CommonOptions& o, DataInstruments& inst) {
  SourceOptions so;
  auto pol = ParseOnError(o.on_error);
  if (!pol.ok()) return pol.error();
  so.on_error = *pol;
  so.instruments = &inst;
  so.symbol = o.symbol;
  if (!o.venue.empty()) {
    auto v = ParseVenue(o.venue);
    if (!v.ok()) return InvalidArgumentError("--venue: " + v.error().message());
    so.venue = *v;
  }
  return so;
}

Result<std::vector<std::unique_ptr<EventSource>>, Status> OpenAll(const std::vector<std::string>& paths,
                                                                  const SourceOptions& so) {
  std::vector<std::unique_ptr<EventSource>> out;
  for (const std::string& p : paths) {
    auto s = OpenSource(p, so);
    if (!s.ok()) return s.error();
    out.push_back(std::move(*s));
  }
  return out;
}

// Prints the skipped-line summary of every source; true if any.
bool ReportSkips(const std::vector<std::unique_ptr<EventSource>>& sources) {
  bool any = false;
  for (const auto& s : sources) {
    const SkipLog& log = s->skipped();
    if (log.total() == 0) continue;
    any = true;
    std::fprintf(stderr, "%s: skipped %llu bad lines:\n", s->path().c_str(),
                 static_cast<unsigned long long>(log.total()));
    for (const auto& [reason, e] : log.by_reason()) {
      std::fprintf(stderr, "  %8llu  %s\n      first: %s\n", static_cast<unsigned long long>(e.count), reason.c_str(),
                   e.first.c_str());
    }
  }
  return any;
}

std::string Fmt(Price p) { return p.IsDefined() ? p.ToString() : std::string(); }
std::string Fmt(Qty q) { return q.IsDefined() ? q.ToString() : std::string(); }
long long Ns(UnixNanos t) { return static_cast<long long>(t.nanos()); }

std::string InstName(const DataInstruments& inst, InstrumentId id) {
  if (id.value >= inst.size()) return "?";
  const auto& e = inst.Get(id);
  return std::string(ToString(e.venue)) + ":" + e.symbol;
}

// Raw files do not say their price grid: read them once to learn it (unless
// the user gave the tick), so that books are keyed by the right tick.
Status LearnGrids(const std::vector<std::string>& paths, const SourceOptions& so) {
  for (const std::string& p : paths) {
    auto src = OpenSource(p, so);
    if (!src.ok()) return src.error();
    if ((*src)->format() == "hev") continue;  // the header carries them
    std::vector<Event> batch;
    while ((*src)->Next(batch)) {
      for (const Event& e : batch) so.instruments->Observe(e);
      batch.clear();
    }
    if (!(*src)->status().ok()) return Status::Ok();  // reported by the real pass
  }
  return Status::Ok();
}

BookSet MakeBooks(const DataInstruments& inst) {
  return BookSet([&inst](InstrumentId id) {
    BookSet::Spec s;
    s.venue = inst.Get(id).venue;
    s.tick_size = inst.BookTick(id);
    return s;
  });
}

}  // namespace hean::app
