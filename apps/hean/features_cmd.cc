#include "apps/hean/features_cmd.h"

#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "apps/hean/data_common.h"
#include "hean/config/config.h"
#include "hean/data/replay.h"
#include "hean/engine/signal_pipeline.h"

namespace hean::app {
namespace {

struct FeaturesOptions {
  CommonOptions common;
  std::vector<std::string> files;
  std::string config;
  std::string every = "1s";
  std::string out;
  std::string signals;
  std::string log_level = "warn";
};

struct File {
  std::FILE* f = nullptr;
  ~File() {
    if (f != nullptr) std::fclose(f);
  }
};

bool WriteLine(std::FILE* f, const std::string& line) {
  return std::fwrite(line.data(), 1, line.size(), f) == line.size() && std::fputc('\n', f) != EOF;
}

int Run(const FeaturesOptions& o) {
  SignalPipelineOptions po;
  if (!o.config.empty()) {
    auto c = Config::Load(o.config);
    if (!c.ok()) return Err(c.error().message()), 2;
    if (Status s = LoadAnalyticsConfig(*c, po.analytics); !s.ok()) return Err(s.message()), 2;
    if (Status s = LoadImpulseConfig(*c, po.impulse); !s.ok()) return Err(s.message()), 2;
    if (Status s = c->CheckUnknown("strategy"); !s.ok()) return Err(s.message()), 2;
  }
  if (o.every == "trade") {
    po.sample_on_trade = true;
  } else {
    std::optional<Duration> d = ParseDuration(o.every);
    if (!d || *d <= Duration::Zero()) {
      return Err("--every \"" + o.every + "\": expected \"trade\" or a positive duration such as 100ms or 1s"), 2;
    }
    po.sample_every = *d;
  }
  std::optional<LogLevel> level = ParseLogLevel(o.log_level);
  if (!level) return Err("--log-level \"" + o.log_level + "\": expected trace, debug, info, warn, error or off"), 2;
  StderrLogSink sink;
  po.logger = Logger(&sink, *level, "features");

  DataInstruments inst;
  if (Status s = ApplySpecs(o.common, inst); !s.ok()) return Err(s.message()), 2;
  auto so = MakeSourceOptions(o.common, inst);
  if (!so.ok()) return Err(so.error().message()), 2;
  if (o.common.instruments.empty()) {
    if (Status s = LearnGrids(o.files, *so); !s.ok()) return Err(s.message()), 1;
  }
  auto sources = OpenAll(o.files, *so);
  if (!sources.ok()) return Err(sources.error().message()), 1;

  File out;
  out.f = std::fopen(o.out.c_str(), "wb");
  if (out.f == nullptr) return Err(o.out + ": cannot open for writing"), 1;
  File sig;
  if (!o.signals.empty()) {
    sig.f = std::fopen(o.signals.c_str(), "wb");
    if (sig.f == nullptr) return Err(o.signals + ": cannot open for writing"), 1;
  }

  const DataInstruments& names = inst;
  SignalPipeline pipeline(
      po,
      [&names](InstrumentId id) {
        BookSet::Spec s;
        s.venue = names.Get(id).venue;
        s.tick_size = names.BookTick(id);
        return s;
      },
      [&names](InstrumentId id) { return names.Get(id).symbol; });
  bool write_ok = WriteLine(out.f, FeatureCsvHeader());
  if (sig.f != nullptr) write_ok = WriteLine(sig.f, SignalCsvHeader()) && write_ok;
  pipeline.OnFeatureRow([&](const FeatureRow& r) { write_ok = WriteLine(out.f, FeatureCsvRow(r)) && write_ok; });
  if (sig.f != nullptr) {
    pipeline.OnSignal([&](const Signal& s) {
      write_ok = WriteLine(sig.f, SignalCsvRow(s, names.Get(s.instrument).symbol)) && write_ok;
    });
  }
  Replay replay(std::move(*sources));
  const Status st = replay.Run(pipeline);
  pipeline.Finish();
  ReportSkips(replay.sources());
  if (!write_ok) return Err(o.out + ": write failed (disk full?)"), 1;

  std::printf("features: %llu events, %llu rows -> %s\n", static_cast<unsigned long long>(pipeline.events()),
              static_cast<unsigned long long>(pipeline.rows()), o.out.c_str());
  std::printf("          flash crashes %llu, icebergs %llu, book invalidations %llu\n",
              static_cast<unsigned long long>(pipeline.flash_crashes()),
              static_cast<unsigned long long>(pipeline.icebergs()),
              static_cast<unsigned long long>(pipeline.book_invalid()));
  if (const ImpulseEngine* ie = pipeline.strategy()) {
    const auto& s = ie->stats();
    std::printf(
        "impulse:  %llu signals (%llu entries, %llu exits) from %llu trades; %llu impulses beat the threshold\n",
        static_cast<unsigned long long>(pipeline.signals()), static_cast<unsigned long long>(s.entries),
        static_cast<unsigned long long>(s.exits_take_profit + s.exits_stop_loss + s.exits_ttl),
        static_cast<unsigned long long>(s.trades), static_cast<unsigned long long>(s.impulses));
    std::printf("          skipped:");
    for (std::size_t i = 0; i < static_cast<std::size_t>(ImpulseEngine::Skip::kCount); ++i) {
      const auto k = static_cast<ImpulseEngine::Skip>(i);
      std::printf(" %s %llu%s", std::string(ImpulseEngine::SkipName(k)).c_str(),
                  static_cast<unsigned long long>(s.of(k)),
                  i + 1 < static_cast<std::size_t>(ImpulseEngine::Skip::kCount) ? "," : "\n");
    }
    for (std::size_t i = 0; i < pipeline.analytics().size(); ++i) {
      const InstrumentAnalytics& a = pipeline.analytics().at(i);
      std::printf("          %s: threshold %.3f%% (%s), max |return over %s| %.3f%%\n", a.symbol().c_str(),
                  a.threshold().value() * 100, a.threshold().atr().ready() ? "ATR" : "base, ATR not ready",
                  ie->config().lookback.ToString().c_str(), ie->MaxAbsReturn(a.instrument()) * 100);
    }
    if (sig.f != nullptr) std::printf("          signals -> %s\n", o.signals.c_str());
  }
  if (!st.ok()) return Err(st.ToString()), 1;
  return 0;
}

}  // namespace

void AddFeaturesCommand(CLI::App& app, int* exit_code) {
  auto o = std::make_shared<FeaturesOptions>();
  CLI::App* cmd = app.add_subcommand(
      "features", "Replay recorded data through the analytics and the ImpulseEngine; write their values as CSV");
  cmd->add_option("--data", o->files, "recorded data files (any format hean data reads)")->required();
  cmd->add_option("--config", o->config, "TOML config: [analytics.*] and [strategy.impulse] (docs/STRATEGY.md)");
  cmd->add_option("--every", o->every, "sample on a time grid (e.g. 100ms, 1s) or at every trade (\"trade\")");
  cmd->add_option("-o,--out", o->out, "features CSV to write")->required();
  cmd->add_option("--signals", o->signals, "also write the strategy's signals to this CSV");
  cmd->add_option("--log-level", o->log_level, "trace, debug, info, warn (default), error, off");
  AddCommon(cmd, o->common);
  cmd->callback([o, exit_code] { *exit_code = Run(*o); });
}

}  // namespace hean::app
