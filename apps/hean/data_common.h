// Options and helpers shared by the commands that read recorded data
// (`hean data ...`, `hean features`).
#pragma once

#include <CLI/CLI.hpp>
#include <memory>
#include <string>
#include <vector>

#include "hean/book/book_set.h"
#include "hean/data/source.h"

namespace hean::app {

struct CommonOptions {
  std::string on_error = "fail";
  std::string symbol;
  std::string venue;
  std::vector<std::string> instruments;  // VENUE:SYMBOL:TICK:LOT
};

// --on-error, --symbol, --venue, --instrument.
void AddCommon(CLI::App* cmd, CommonOptions& o);
// Prints "hean: <s>" to stderr.
void Err(const std::string& s);
// Parses --instrument specs into `inst`.
Status ApplySpecs(const CommonOptions& o, DataInstruments& inst);
Result<SourceOptions, Status> MakeSourceOptions(const CommonOptions& o, DataInstruments& inst);
Result<std::vector<std::unique_ptr<EventSource>>, Status> OpenAll(const std::vector<std::string>& paths,
                                                                  const SourceOptions& so);
// Prints the skipped-line summary of every source; true if any.
bool ReportSkips(const std::vector<std::unique_ptr<EventSource>>& sources);
std::string Fmt(Price p);
std::string Fmt(Qty q);
long long Ns(UnixNanos t);
std::string InstName(const DataInstruments& inst, InstrumentId id);
// Raw files do not say their price grid: reads them once to learn it
// (unless the user gave the tick), so that books are keyed by the right tick.
Status LearnGrids(const std::vector<std::string>& paths, const SourceOptions& so);
// Books keyed by each instrument's venue and tick (given or learnt).
BookSet MakeBooks(const DataInstruments& inst);

}  // namespace hean::app
