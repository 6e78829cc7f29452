#include "hean/report/report_writer.h"

#include <fmt/format.h>

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <iterator>
#include <nlohmann/json.hpp>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include "hean/report/html_report.h"

namespace hean {

namespace {

using Json = nlohmann::ordered_json;

// A double for JSON: NaN and infinities are null.
Json Num(double v) { return std::isfinite(v) ? Json(v) : Json(nullptr); }

Json PercentilesJson(const Percentiles& p) {
  Json j = Json::object();
  j["p50"] = Num(p.p50);
  j["p95"] = Num(p.p95);
  j["p99"] = Num(p.p99);
  j["count"] = p.count;
  return j;
}

Json HistogramJson(const std::vector<HistogramBin>& bins) {
  Json a = Json::array();
  for (const HistogramBin& b : bins) {
    Json j = Json::object();
    j["lo"] = Num(b.lo);
    j["hi"] = Num(b.hi);
    j["count"] = b.count;
    a.push_back(std::move(j));
  }
  return a;
}

Json CountsJson(const std::vector<std::pair<std::string, std::uint64_t>>& counts) {
  Json j = Json::object();
  for (const auto& [name, n] : counts) j[name] = n;
  return j;
}

std::string Symbol(const RunRecord& record, InstrumentId id) {
  const RunInstrument* inst = record.Instrument(id);
  if (inst != nullptr) return inst->symbol;
  return id.valid() ? fmt::format("#{}", id.value) : std::string();
}

// A CSV field: quoted when it holds a comma, a quote or a line break.
std::string Field(std::string_view s) {
  if (s.find_first_of(",\"\r\n") == std::string_view::npos) return std::string(s);
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
  return out;
}

// A double for CSV: 10 significant digits; empty when not finite.
std::string Dbl(double v) { return std::isfinite(v) ? fmt::format("{:.10g}", v) : std::string(); }

template <class Tag>
std::string Exact(FixedPoint<Tag> v) {
  return v.IsDefined() ? v.ToString() : std::string();
}

// Two columns: ISO-8601 UTC and nanoseconds since the epoch.
std::string Time(UnixNanos t) { return t.ToIso8601() + "," + std::to_string(t.nanos()); }
// The same, both empty for a zero time ("not yet").
std::string OptionalTime(UnixNanos t) { return t.IsZero() ? std::string(",") : Time(t); }

const char* Bool(bool b) { return b ? "true" : "false"; }

// Appends one CSV line from its fields.
void Line(std::string& out, std::initializer_list<std::string_view> fields) {
  bool first = true;
  for (std::string_view f : fields) {
    if (!first) out += ',';
    first = false;
    out += f;
  }
  out += '\n';
}

}  // namespace

std::string ReportJson(const RunRecord& record, const ReportStats& s) {
  Json root = Json::object();

  Json run = Json::object();
  run["name"] = record.name;
  run["config_path"] = record.config_path;
  run["data_files"] = record.data_files;
  run["seed"] = record.seed;
  run["exec_mode"] = record.exec_mode;
  run["queue_model"] = record.queue_model;
  run["starting_balance"] = Num(record.starting_balance);
  Json instruments = Json::array();
  for (const RunInstrument& i : record.instruments) {
    Json j = Json::object();
    j["id"] = i.id.value;
    j["symbol"] = i.symbol;
    j["tick_size"] = Exact(i.tick_size);
    j["lot_size"] = Exact(i.lot_size);
    j["maker_fee"] = Exact(i.maker_fee);
    j["taker_fee"] = Exact(i.taker_fee);
    instruments.push_back(std::move(j));
  }
  run["instruments"] = std::move(instruments);
  run["first_event"] = record.first_event.ToIso8601();
  run["first_event_ns"] = record.first_event.nanos();
  run["last_event"] = record.last_event.ToIso8601();
  run["last_event_ns"] = record.last_event.nanos();
  root["run"] = std::move(run);

  Json pnl = Json::object();
  pnl["starting_balance"] = Num(s.starting_balance);
  pnl["final_equity"] = Num(s.final_equity);
  pnl["net_pnl"] = Num(s.net_pnl);
  pnl["return_pct"] = Num(s.return_pct);
  pnl["gross_pnl"] = Num(s.gross_pnl);
  pnl["fees"] = Num(s.fees);
  pnl["sharpe"] = Num(s.sharpe);
  pnl["sortino"] = Num(s.sortino);
  pnl["equity_returns"] = s.equity_returns;
  pnl["periods_per_year"] = Num(s.periods_per_year);
  pnl["max_drawdown"] = Num(s.max_drawdown);
  pnl["max_drawdown_pct"] = Num(s.max_drawdown_pct);
  root["pnl"] = std::move(pnl);

  Json trades = Json::object();
  trades["fills"] = s.fills;
  trades["round_trips"] = s.round_trips;
  trades["win_rate"] = Num(s.win_rate);
  trades["avg_trade_bps"] = Num(s.avg_trade_bps);
  trades["median_trade_bps"] = Num(s.median_trade_bps);
  trades["profit_factor"] = Num(s.profit_factor);
  trades["exposure_pct"] = Num(s.exposure_pct);
  trades["turnover"] = Num(s.turnover);
  trades["turnover_x"] = Num(s.turnover_x);
  root["trades"] = std::move(trades);

  const ExecutionMetrics& x = record.exec;
  Json exec = Json::object();
  exec["maker_share"] = Num(s.maker_share);
  exec["maker_fill_rate"] = Num(s.maker_fill_rate);
  exec["maker_attempts"] = s.maker_attempts;
  exec["slippage_mean_bps"] = Num(s.slippage_mean_bps);
  exec["slippage_median_bps"] = Num(s.slippage_median_bps);
  exec["slippage_p95_bps"] = Num(s.slippage_p95_bps);
  exec["predicted_minus_realised_bps"] = Num(s.predicted_minus_realised_bps);
  exec["taker_fills_predicted"] = s.taker_fills_predicted;
  exec["requests"] = s.requests;
  exec["child_orders"] = s.child_orders;
  exec["reposts"] = s.reposts;
  exec["works"] = x.works;
  exec["maker_orders"] = x.maker_orders;
  exec["taker_orders"] = x.taker_orders;
  exec["chases"] = x.chases;
  exec["post_only_rejects"] = x.post_only_rejects;
  exec["denied"] = x.denied;
  exec["rate_retries"] = x.rate_retries;
  exec["send_errors"] = x.send_errors;
  exec["venue_rejects"] = x.venue_rejects;
  exec["sim_fills"] = record.sim_fills;
  exec["slippage_histogram"] = HistogramJson(s.slippage_histogram);
  root["execution"] = std::move(exec);

  Json latency = Json::object();
  latency["ttl_ms"] = PercentilesJson(s.ttl_ms);
  latency["signal_to_order_ms"] = PercentilesJson(s.signal_to_order_ms);
  latency["order_to_fill_ms"] = PercentilesJson(s.order_to_fill_ms);
  latency["ttl_histogram"] = HistogramJson(s.ttl_histogram);
  root["latency"] = std::move(latency);

  Json signals = Json::object();
  signals["signals"] = s.signals;
  signals["signals_approved"] = s.signals_approved;
  signals["signals_denied"] = s.signals_denied;
  signals["denials"] = CountsJson(s.signal_denials);
  root["signals"] = std::move(signals);

  Json risk = Json::object();
  risk["risk_state_changes"] = s.risk_state_changes;
  risk["final_risk_state"] = s.final_risk_state;
  risk["kill_switch_calls"] = record.kill_switch_calls;
  risk["order_denials"] = CountsJson(s.order_denials);
  root["risk"] = std::move(risk);

  Json bus = Json::object();
  bus["fast_path_dispatched"] = s.bus.fast_path_dispatched;
  bus["queued_dispatched"] = s.bus.queued_dispatched;
  bus["events_processed"] = s.bus.events_processed;
  bus["queued_published"] = s.bus.queued_published;
  bus["queue_depth"] = s.bus.queue_depth;
  bus["queue_high_water"] = s.bus.queue_high_water;
  bus["overflows"] = s.bus.overflows;
  bus["depth_exceeded"] = s.bus.depth_exceeded;
  root["bus"] = std::move(bus);

  Json events = Json::object();
  events["events"] = s.events;
  events["span_seconds"] = Num(s.span_seconds);
  root["events"] = std::move(events);

  Json wall = Json::object();
  wall["wall_seconds"] = Num(s.wall_seconds);
  wall["events_per_second"] = Num(s.events_per_second);
  // The router's own cost per request (monotonic clock): wall time too.
  const LatencyHistogram& router = record.exec.signal_to_order_wall_ns;
  Json router_ms = Json::object();
  router_ms["p50"] = router.count() ? Num(static_cast<double>(router.Percentile(0.50)) / 1e6) : Json(nullptr);
  router_ms["p95"] = router.count() ? Num(static_cast<double>(router.Percentile(0.95)) / 1e6) : Json(nullptr);
  router_ms["p99"] = router.count() ? Num(static_cast<double>(router.Percentile(0.99)) / 1e6) : Json(nullptr);
  router_ms["count"] = router.count();
  wall["router_ms"] = std::move(router_ms);
  root["wall"] = std::move(wall);

  return root.dump(2) + "\n";
}

std::string OrdersCsv(const RunRecord& record) {
  std::string out =
      "created,created_ns,closed,closed_ns,client_order_id,parent,strategy,symbol,side,type,tif,reduce_only,price,"
      "qty,filled,avg_fill_price,fees,status\n";
  for (const OrderRecord& o : record.orders) {
    Line(out,
         {Time(o.created), OptionalTime(o.closed), Field(o.client_order_id), Field(o.parent), Field(o.strategy),
          Field(Symbol(record, o.instrument)), ToString(o.side), ToString(o.type), ToString(o.tif), Bool(o.reduce_only),
          Exact(o.price), Exact(o.qty), Exact(o.filled), Exact(o.avg_fill_price), Exact(o.fees), Field(o.status)});
  }
  return out;
}

std::string FillsCsv(const RunRecord& record) {
  std::string out =
      "ts,ts_ns,client_order_id,strategy,symbol,side,liquidity,price,qty,notional,fee,position_after,realized\n";
  for (const FillRecord& f : record.fills) {
    Line(out, {Time(f.ts), Field(f.client_order_id), Field(f.strategy), Field(Symbol(record, f.instrument)),
               ToString(f.side), ToString(f.liquidity), Exact(f.price), Exact(f.qty), Exact(f.price * f.qty),
               Exact(f.fee), Exact(f.position_after), Exact(f.realized)});
  }
  return out;
}

std::string PositionsCsv(const RunRecord& record) {
  std::string out = "ts,ts_ns,symbol,qty,avg_entry,mark,realized_pnl,unrealized_pnl,fees\n";
  for (const PositionRecord& p : record.positions) {
    Line(out, {Time(p.ts), Field(Symbol(record, p.instrument)), Exact(p.qty), Exact(p.avg_entry), Exact(p.mark),
               Exact(p.realized_pnl), Exact(p.unrealized_pnl), Exact(p.fees)});
  }
  return out;
}

std::string EquityCsv(const RunRecord& record) {
  std::string out = "ts,ts_ns,equity,realized_pnl,unrealized_pnl,fees,drawdown,gross_exposure\n";
  for (const EquityRecord& e : record.equity) {
    Line(out, {Time(e.ts), Dbl(e.equity), Dbl(e.realized_pnl), Dbl(e.unrealized_pnl), Dbl(e.fees), Dbl(e.drawdown),
               Dbl(e.gross_exposure)});
  }
  return out;
}

std::string SignalsCsv(const RunRecord& record) {
  std::string out =
      "ts,ts_ns,signal_id,strategy,symbol,kind,side,reference_price,confidence,reasons,approved,deny_reason,"
      "request_id,qty\n";
  for (const SignalRecord& s : record.signals) {
    Line(out,
         {Time(s.ts), std::to_string(s.signal_id), Field(s.strategy), Field(Symbol(record, s.instrument)),
          s.entry ? "entry" : "exit", ToString(s.side), Exact(s.reference_price), Dbl(s.confidence), Field(s.reasons),
          Bool(s.approved), Field(s.deny_reason), Field(s.request_id), s.approved ? Exact(s.qty) : std::string()});
  }
  return out;
}

std::string TradesCsv(const RunRecord& record, const std::vector<RoundTrip>& trips) {
  std::string out =
      "opened,opened_ns,closed,closed_ns,symbol,side,qty,entry_notional,gross_pnl,fees,net_pnl,net_bps,"
      "holding_seconds\n";
  for (const RoundTrip& t : trips) {
    Line(out, {Time(t.opened), Time(t.closed), Field(Symbol(record, t.instrument)),
               t.side == Side::kBuy ? "long" : "short", Dbl(t.qty), Dbl(t.entry_notional), Dbl(t.gross_pnl),
               Dbl(t.fees), Dbl(t.net_pnl), Dbl(t.net_bps), Dbl((t.closed - t.opened).ToSecondsDouble())});
  }
  return out;
}

Status WriteTextFile(const std::string& path, const std::string& text) {
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (f == nullptr) return InternalError(fmt::format("cannot write {}: {}", path, std::strerror(errno)));
  const std::size_t written = std::fwrite(text.data(), 1, text.size(), f);
  const int write_errno = errno;
  if (written != text.size()) {
    std::fclose(f);
    return InternalError(fmt::format("cannot write {}: {}", path, std::strerror(write_errno)));
  }
  if (std::fclose(f) != 0) return InternalError(fmt::format("cannot write {}: {}", path, std::strerror(errno)));
  return Status::Ok();
}

Status WriteRunReport(const std::string& dir, const RunRecord& record, const ReportStats& stats) {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return InternalError(fmt::format("cannot create report directory {}: {}", dir, ec.message()));
  if (!fs::is_directory(dir, ec))
    return InternalError(fmt::format("cannot write report into {}: not a directory", dir));
  const std::vector<std::pair<const char*, std::string>> files = {
      {"report.json", ReportJson(record, stats)},
      {"orders.csv", OrdersCsv(record)},
      {"fills.csv", FillsCsv(record)},
      {"positions.csv", PositionsCsv(record)},
      {"equity.csv", EquityCsv(record)},
      {"signals.csv", SignalsCsv(record)},
      {"trades.csv", TradesCsv(record, ComputeRoundTrips(record))},
      {"report.html", RenderHtmlReport(record, stats)},
  };
  for (const auto& [name, text] : files) {
    if (Status s = WriteTextFile((fs::path(dir) / name).string(), text); !s.ok()) return s;
  }
  return Status::Ok();
}

}  // namespace hean
