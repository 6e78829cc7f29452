#include "hean/data/json_sources.h"

#include <algorithm>
#include <cctype>

#include "hean/data/binance_capture.h"
#include "hean/data/bybit_json.h"
#include "hean/data/line_reader.h"

namespace hean {

namespace {

std::string_view TrimCr(std::string_view line) {
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  return line;
}

bool IsBlank(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; });
}

std::string Upper(std::string_view s) {
  std::string r(s);
  for (char& c : r) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return r;
}

// "BTCUSDT" from a line's "s":"BTCUSDT", if any.
std::string_view SymbolIn(std::string_view line) {
  const std::size_t k = line.find("\"s\":\"");
  if (k == std::string_view::npos) return {};
  const std::size_t start = k + 5;
  const std::size_t end = line.find('"', start);
  if (end == std::string_view::npos) return {};
  return line.substr(start, end - start);
}

// "BTCUSDT" from ".../usdm_btcusdt_20240718.gz": the first '_'-separated part
// of the base name that ends with a quote currency.
std::string SymbolFromFileName(const std::string& path) {
  const std::size_t slash = path.find_last_of('/');
  std::string_view base = std::string_view(path).substr(slash == std::string::npos ? 0 : slash + 1);
  base = base.substr(0, base.find('.'));
  while (!base.empty()) {
    const std::size_t us = base.find('_');
    const std::string_view part = base.substr(0, us);
    for (std::string_view quote : {"usdt", "usdc", "busd", "USDT", "USDC", "BUSD"}) {
      if (part.size() > quote.size() && part.ends_with(quote)) return Upper(part);
    }
    if (us == std::string_view::npos) break;
    base.remove_prefix(us + 1);
  }
  return {};
}

// A source that parses one message per line with `Parser::ParseLine`.
template <class Parser>
class JsonLineSource : public EventSource {
 protected:
  JsonLineSource(std::string path, std::string_view format, OnError on_error, std::unique_ptr<LineReader> reader)
      : EventSource(std::move(path), format, on_error), reader_(std::move(reader)) {}

  bool NextLine(Parser& parser, std::vector<Event>& out) {
    if (!status_.ok()) return false;  // stays stopped after an error
    std::string_view line;
    while (reader_->Next(&line)) {
      line_ = reader_->line_number();
      line = TrimCr(line);
      if (IsBlank(line)) {
        if (!LineError(line_, "empty line")) return false;
        continue;
      }
      const std::size_t before = out.size();
      if (Status s = parser.ParseLine(line, reader_->readable_after(line), out); !s.ok()) {
        if (!LineError(line_, s)) return false;
        continue;
      }
      if (out.size() > before) return true;
    }
    if (!reader_->status().ok()) return Fatal(reader_->status());
    return false;
  }

  std::unique_ptr<LineReader> reader_;
};

class BinanceCaptureSource final : public JsonLineSource<BinanceCaptureParser> {
 public:
  BinanceCaptureSource(std::string path, OnError on_error, std::unique_ptr<LineReader> reader,
                       std::unique_ptr<BinanceCaptureParser> parser)
      : JsonLineSource(std::move(path), "binance-capture", on_error, std::move(reader)), parser_(std::move(parser)) {}

  bool Next(std::vector<Event>& out) override { return NextLine(*parser_, out); }

 private:
  std::unique_ptr<BinanceCaptureParser> parser_;
};

class BybitJsonSource final : public JsonLineSource<BybitJsonParser> {
 public:
  BybitJsonSource(std::string path, OnError on_error, std::unique_ptr<LineReader> reader, DataInstruments* instruments,
                  bool whole)
      : JsonLineSource(std::move(path), "bybit-json", on_error, std::move(reader)),
        parser_(instruments),
        whole_(whole) {}

  bool Next(std::vector<Event>& out) override {
    if (!status_.ok()) return false;
    return whole_ ? NextWhole(out) : NextLine(parser_, out);
  }

 private:
  bool NextWhole(std::vector<Event>& out) {
    if (done_) return false;
    done_ = true;
    constexpr std::size_t kMax = 64u << 20;
    std::string doc;
    std::string_view line;
    while (reader_->Next(&line)) {
      doc.append(line);
      doc.push_back('\n');
      if (doc.size() > kMax) return Fatal(InvalidArgumentError(path_ + ": a pretty-printed JSON file over 64 MiB"));
    }
    if (!reader_->status().ok()) return Fatal(reader_->status());
    line_ = 1;
    const std::size_t before = out.size();
    if (Status s = parser_.ParseLine(doc, 0, out); !s.ok()) {
      LineError(1, s);
      return false;
    }
    return out.size() > before;
  }

  BybitJsonParser parser_;
  bool whole_;
  bool done_ = false;
};

}  // namespace

Result<std::unique_ptr<EventSource>, Status> OpenBinanceCaptureSource(const std::string& path,
                                                                      const SourceOptions& options) {
  std::string symbol = options.symbol;
  if (symbol.empty()) {
    auto r = LineReader::Open(path);
    if (!r.ok()) return r.error();
    std::string_view line;
    for (int i = 0; i < 10'000 && (*r)->Next(&line); ++i) {
      if (std::string_view s = SymbolIn(line); !s.empty()) {
        symbol.assign(s);
        break;
      }
    }
  }
  if (symbol.empty()) symbol = SymbolFromFileName(path);
  if (symbol.empty()) {
    return InvalidArgumentError(path +
                                ": cannot tell which symbol the depth snapshot lines belong to "
                                "(no stream message names one); pass --symbol");
  }
  auto reader = LineReader::Open(path);
  if (!reader.ok()) return reader.error();
  DataInstruments* inst = options.instruments;
  const InstrumentId snap_id = inst->Intern(Venue::kBinance, symbol);
  auto parser = std::make_unique<BinanceCaptureParser>(
      std::map<std::string, InstrumentId, std::less<>>{{symbol, snap_id}}, snap_id);
  parser->SetResolver([inst](std::string_view s) { return inst->Intern(Venue::kBinance, s); });
  return std::unique_ptr<EventSource>(
      new BinanceCaptureSource(path, options.on_error, std::move(*reader), std::move(parser)));
}

Result<std::unique_ptr<EventSource>, Status> OpenBybitJsonSource(const std::string& path, const SourceOptions& options,
                                                                 bool whole_document) {
  auto reader = LineReader::Open(path);
  if (!reader.ok()) return reader.error();
  return std::unique_ptr<EventSource>(
      new BybitJsonSource(path, options.on_error, std::move(*reader), options.instruments, whole_document));
}

}  // namespace hean
