// The files of a backtest report (docs/REPORT.md): report.json, the CSV
// files and report.html, each a pure function of the record and stats, and
// WriteRunReport, which writes them all into a directory.
//
// Determinism: every file is byte-identical for the same record, except
// the "wall" object of report.json (wall seconds, events per second of
// wall time), which is the only place wall-clock figures appear.
#pragma once

#include <string>

#include "hean/core/status.h"
#include "hean/engine/run_record.h"
#include "hean/report/report_stats.h"

namespace hean {

// report.json: {"run": {...}, "pnl": {...}, "trades": {...}, "execution":
// {...}, "latency": {...}, "signals": {...}, "risk": {...}, "bus": {...},
// "events": {...}, "wall": {...}}; NaN figures are null. Two-space
// indentation, keys in a fixed order, a final newline.
std::string ReportJson(const RunRecord& record, const ReportStats& stats);

// CSV files with a header line; times as ISO-8601 UTC and as nanoseconds;
// prices and quantities printed exactly.
std::string OrdersCsv(const RunRecord& record);
std::string FillsCsv(const RunRecord& record);
std::string PositionsCsv(const RunRecord& record);
std::string EquityCsv(const RunRecord& record);
std::string SignalsCsv(const RunRecord& record);
// One line per round trip (trades.csv).
std::string TradesCsv(const RunRecord& record, const std::vector<RoundTrip>& trips);

// Creates `dir` (and parents) when missing and writes report.json,
// orders.csv, fills.csv, positions.csv, equity.csv, signals.csv, trades.csv
// and report.html into it. Errors: kInternal naming the file that could not
// be written and why.
[[nodiscard]] Status WriteRunReport(const std::string& dir, const RunRecord& record, const ReportStats& stats);

// Writes `text` to `path` (replacing it). Errors: kInternal naming the path.
[[nodiscard]] Status WriteTextFile(const std::string& path, const std::string& text);

}  // namespace hean
