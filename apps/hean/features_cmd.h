// `hean features`: replays recorded data through the analytics (and the
// ImpulseEngine) and writes their values as CSV.
#pragma once

#include <CLI/CLI.hpp>

namespace hean::app {

void AddFeaturesCommand(CLI::App& app, int* exit_code);

}  // namespace hean::app
