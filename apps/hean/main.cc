// The `hean` command line.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <string>

#include "apps/hean/backtest_cmd.h"
#include "apps/hean/data_cmd.h"
#include "apps/hean/exec_cmd.h"
#include "apps/hean/features_cmd.h"
#include "apps/hean/sim_cmd.h"
#include "hean/core/decimal.h"
#include "hean/model/events.h"

#ifndef HEAN_VERSION
#define HEAN_VERSION "0.0.0"
#endif

namespace {

int RunInfo() {
  std::printf("hean %s\n", HEAN_VERSION);
  std::printf("fixed-point scale: 1e-%d (Price, Qty, Notional over int64)\n", hean::kFixedDecimals);
  std::printf("event types: %zu, sizeof(Event) = %zu bytes\n", hean::kEventTypeCount, sizeof(hean::Event));
  for (std::size_t i = 0; i < hean::kEventTypeCount; ++i) {
    const auto t = static_cast<hean::EventType>(i);
    std::printf("  %-24s %s\n", std::string(hean::EventTypeName(t)).c_str(),
                hean::IsFastPath(t) ? "fast path" : "queued");
  }
  return 0;
}

int RunParse(const std::string& kind, const std::string& text) {
  auto report = [&](auto r) {
    if (r.ok()) {
      std::printf("%s\n", r->ToString().c_str());
      return 0;
    }
    std::fprintf(stderr, "%s\n", hean::DecimalErrorStatus(r.error(), kind, text).ToString().c_str());
    return 1;
  };
  if (kind == "price") return report(hean::Price::Parse(text));
  if (kind == "qty") return report(hean::Qty::Parse(text));
  return report(hean::Notional::Parse(text));
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"HEAN: event-driven trading engine for crypto derivatives"};
  app.require_subcommand(1);

  auto* version = app.add_subcommand("version", "Print the version");
  auto* info = app.add_subcommand("info", "Print build facts: fixed-point scale, event types and their bus path");

  std::string kind = "price";
  std::string text;
  auto* parse = app.add_subcommand("parse", "Parse a decimal exactly as HEAN does and print it back (or the error)");
  parse->add_option("kind", kind, "price | qty | notional")->check(CLI::IsMember({"price", "qty", "notional"}));
  parse->add_option("text", text, "the decimal string")->required();

  int exit_code = 0;
  hean::app::AddDataCommands(app, &exit_code);
  hean::app::AddSimCommand(app, &exit_code);
  hean::app::AddExecCommand(app, &exit_code);
  hean::app::AddFeaturesCommand(app, &exit_code);
  hean::app::AddBacktestCommands(app, &exit_code);

  CLI11_PARSE(app, argc, argv);

  if (*version) {
    std::printf("hean %s\n", HEAN_VERSION);
    return 0;
  }
  if (*info) return RunInfo();
  if (*parse) return RunParse(kind, text);
  return exit_code;
}
