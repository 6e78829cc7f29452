// `hean data ...`: convert, info, verify and dump recorded market data.
#pragma once

#include <CLI/CLI.hpp>

namespace hean::app {

// Adds the `data` subcommand and its subcommands to `app`; the callbacks
// set the exit code in *exit_code.
void AddDataCommands(CLI::App& app, int* exit_code);

}  // namespace hean::app
