// `hean backtest`, `hean config check`, `hean ab` and `hean sweep`.
#pragma once

#include <CLI/CLI.hpp>

namespace hean::app {

void AddBacktestCommands(CLI::App& app, int* exit_code);

}  // namespace hean::app
