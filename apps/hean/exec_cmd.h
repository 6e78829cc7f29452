// `hean exec`: the execution router's modes compared on recorded data.
#pragma once

#include <CLI/CLI.hpp>

namespace hean::app {

void AddExecCommand(CLI::App& app, int* exit_code);

}  // namespace hean::app
