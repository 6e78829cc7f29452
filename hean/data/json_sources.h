// EventSources over JSON-per-line recordings: Binance USD-M captures and
// Bybit v5 websocket captures / order-book archives.
#pragma once

#include <memory>
#include <string>

#include "hean/core/status.h"
#include "hean/data/source.h"

namespace hean {

// A Binance capture ("<recv ns> <json>" lines). The REST snapshot lines
// name no symbol: they belong to options.symbol if given, else to the first
// symbol the file's stream messages name (looked for in its first 10,000
// lines), else to the symbol in the file name (usdm_btcusdt_20240718.gz).
Result<std::unique_ptr<EventSource>, Status> OpenBinanceCaptureSource(const std::string& path,
                                                                      const SourceOptions& options);

// Bybit v5 messages, one per line (archives, captures). With
// `whole_document`, the file is one pretty-printed message (as in Bybit's
// documentation), read whole (at most 64 MiB).
Result<std::unique_ptr<EventSource>, Status> OpenBybitJsonSource(const std::string& path, const SourceOptions& options,
                                                                 bool whole_document);

}  // namespace hean
