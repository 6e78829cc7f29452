#include "hean/core/log.h"

#include <cstdio>

namespace hean {

std::string_view LogLevelName(LogLevel level) noexcept {
  switch (level) {
    case LogLevel::kTrace: return "trace";
    case LogLevel::kDebug: return "debug";
    case LogLevel::kInfo: return "info";
    case LogLevel::kWarn: return "warn";
    case LogLevel::kError: return "error";
    case LogLevel::kOff: return "off";
  }
  return "?";
}

std::optional<LogLevel> ParseLogLevel(std::string_view text) noexcept {
  for (auto l :
       {LogLevel::kTrace, LogLevel::kDebug, LogLevel::kInfo, LogLevel::kWarn, LogLevel::kError, LogLevel::kOff}) {
    if (text == LogLevelName(l)) return l;
  }
  return std::nullopt;
}

void StderrLogSink::Write(LogLevel level, std::string_view component, std::string_view message) {
  std::lock_guard<std::mutex> lock(mu_);
  const std::string_view name = LogLevelName(level);
  std::fprintf(stderr, "%-5.*s %.*s: %.*s\n", static_cast<int>(name.size()), name.data(),
               static_cast<int>(component.size()), component.data(), static_cast<int>(message.size()), message.data());
}

std::size_t MemoryLogSink::Count(LogLevel level, std::string_view needle) const {
  std::size_t n = 0;
  for (const Line& l : lines_) {
    if (l.level == level && l.message.find(needle) != std::string::npos) ++n;
  }
  return n;
}

}  // namespace hean
