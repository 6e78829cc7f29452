// `hean sim`: replay recorded market data through the simulated exchange
// with the reference quoting loop and print fills, fees, PnL and queue
// statistics.
#pragma once

#include <CLI/CLI.hpp>

namespace hean::app {

void AddSimCommand(CLI::App& app, int* exit_code);

}  // namespace hean::app
