// The instrument of a simulated run, from the command line: symbol, venue,
// tick, lot and fees (`hean sim`, `hean exec`).
#pragma once

#include <CLI/CLI.hpp>
#include <string>

#include "hean/core/status.h"
#include "hean/model/instrument.h"

namespace hean::app {

struct InstrumentOptions {
  std::string symbol;
  std::string venue;
  std::string tick;
  std::string lot;
  std::string min_qty;
  std::string min_notional = "5";
  std::string maker_fee = "0.0002";
  std::string taker_fee = "0.00055";
};

// --symbol (required), --venue, --tick, --lot, --min-qty, --min-notional,
// --maker-fee, --taker-fee.
void AddInstrumentOptions(CLI::App* cmd, InstrumentOptions& o);

// The instrument the options describe. The venue stays kUnknown when
// --venue was not given (the caller takes it from the data). Errors name
// the option and the value.
Result<Instrument, Status> MakeInstrument(const InstrumentOptions& o);

}  // namespace hean::app
