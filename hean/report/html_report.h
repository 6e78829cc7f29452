// report.html: a self-contained page (no script or font from the network;
// opens from disk) with the key figures in a table and SVG charts drawn
// here: price with entries and exits marked, equity and drawdown, the
// slippage histogram, the TTL distribution, latency percentiles.
// A pure function: the same record and stats give the same bytes.
#pragma once

#include <string>

#include "hean/engine/run_record.h"
#include "hean/report/report_stats.h"

namespace hean {

std::string RenderHtmlReport(const RunRecord& record, const ReportStats& stats);

}  // namespace hean
