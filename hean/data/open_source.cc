// OpenSource: recognises a recorded-data file from its content.
#include <cstdio>
#include <cstring>

#include "hean/data/csv_sources.h"
#include "hean/data/hev.h"
#include "hean/data/json_sources.h"
#include "hean/data/line_reader.h"
#include "hean/data/source.h"

namespace hean {

namespace {

std::string Shorten(std::string_view s) {
  std::string r(s.substr(0, 60));
  if (s.size() > 60) r.append("...");
  for (char& c : r) {
    if (static_cast<unsigned char>(c) < 0x20) c = '?';
  }
  return r;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

}  // namespace

Result<std::unique_ptr<EventSource>, Status> OpenSource(const std::string& path, const SourceOptions& options) {
  if (options.instruments == nullptr) return InvalidArgumentError("OpenSource: no DataInstruments given");
  // Native files are recognised by their magic, before any decompression.
  {
    std::FILE* f = std::fopen(path.c_str(), "rb");
    if (f == nullptr) {
      const int err = errno;
      return Status(err == ENOENT ? StatusCode::kNotFound : StatusCode::kUnavailable,
                    path + ": cannot open: " + std::strerror(err));
    }
    char head[16];
    const std::size_t n = std::fread(head, 1, sizeof(head), f);
    std::fclose(f);
    if (n == 0) return InvalidArgumentError(path + ": empty file");
    if (LooksLikeHev(std::string_view(head, n))) return OpenHevSource(path, options);
  }
  std::string first;
  {
    auto reader = LineReader::Open(path);
    if (!reader.ok()) return reader.error();
    std::string_view line;
    if (!(*reader)->Next(&line)) {
      if (!(*reader)->status().ok()) return (*reader)->status();
      return InvalidArgumentError(path + ": empty file");
    }
    first.assign(line);
  }
  const std::string_view t = Trim(first);
  if (t.empty()) return InvalidArgumentError(path + ":1: format not recognised: the first line is empty");
  // "<recv ns> {json}"
  if (t[0] >= '0' && t[0] <= '9') {
    const std::size_t sp = t.find(' ');
    if (sp != std::string_view::npos && sp + 1 < t.size() && t[sp + 1] == '{') {
      if (t.find("\"topic\"") != std::string_view::npos) return OpenBybitJsonSource(path, options, false);
      if (t.find("\"stream\"") != std::string_view::npos || t.find("\"lastUpdateId\"") != std::string_view::npos) {
        return OpenBinanceCaptureSource(path, options);
      }
      return InvalidArgumentError(path + ":1: format not recognised: a captured JSON message that is neither a " +
                                  "Binance stream message nor a Bybit topic message: " + Shorten(t));
    }
  }
  if (t[0] == '{') {
    if (t == "{") return OpenBybitJsonSource(path, options, true);  // one pretty-printed message
    if (t.find("\"topic\"") != std::string_view::npos) return OpenBybitJsonSource(path, options, false);
    if (t.find("\"stream\"") != std::string_view::npos) {
      return InvalidArgumentError(path +
                                  ":1: a Binance stream message without the receive time HEAN's captures put "
                                  "first (\"<recv ns> <json>\")");
    }
    return InvalidArgumentError(path + ":1: format not recognised: JSON without a Bybit \"topic\": " + Shorten(t));
  }
  if (auto csv = DetectCsvFormat(t)) return OpenCsvSource(path, *csv, options);
  return InvalidArgumentError(path + ":1: format not recognised (HEAN reads native .hev files, Binance and Bybit " +
                              "JSON captures and archives, Bybit trade CSV, tardis.dev CSV, Binance T_DEPTH and " +
                              "kline CSV, candle CSV); first line: " + Shorten(t));
}

}  // namespace hean
