// Logger: levelled log lines with a component name, written to an injected
// sink (DESIGN.md: no global mutable state, so there is no default logger).
//
// A disabled level costs one compare: the message is formatted (with fmt)
// only when the level is enabled. A default-constructed Logger is off.
//
// Logger is a small value (sink pointer, level, component) and is
// thread-compatible; a sink says its own thread-safety.
#pragma once

#include <fmt/format.h>

#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hean {

enum class LogLevel : std::uint8_t { kTrace = 0, kDebug, kInfo, kWarn, kError, kOff };

std::string_view LogLevelName(LogLevel level) noexcept;  // "debug", ...
// "trace", "debug", "info", "warn", "error", "off"; nullopt otherwise.
std::optional<LogLevel> ParseLogLevel(std::string_view text) noexcept;

// Where formatted lines go.
class LogSink {
 public:
  virtual ~LogSink() = default;
  virtual void Write(LogLevel level, std::string_view component, std::string_view message) = 0;
};

// Writes "LEVEL component: message" lines to stderr. Thread-safe (one lock
// per line).
class StderrLogSink final : public LogSink {
 public:
  void Write(LogLevel level, std::string_view component, std::string_view message) override;

 private:
  std::mutex mu_;
};

// Keeps every line in memory; for tests. Not thread-safe.
class MemoryLogSink final : public LogSink {
 public:
  struct Line {
    LogLevel level;
    std::string component;
    std::string message;
  };
  void Write(LogLevel level, std::string_view component, std::string_view message) override {
    lines_.push_back(Line{level, std::string(component), std::string(message)});
  }
  const std::vector<Line>& lines() const noexcept { return lines_; }
  void Clear() noexcept { lines_.clear(); }
  // Lines at `level` whose message contains `needle`.
  std::size_t Count(LogLevel level, std::string_view needle) const;

 private:
  std::vector<Line> lines_;
};

class Logger {
 public:
  Logger() = default;  // off
  Logger(LogSink* sink, LogLevel level, std::string_view component = {}) noexcept
      : sink_(sink), level_(sink != nullptr ? level : LogLevel::kOff), component_(component) {}

  // The same sink and level under another component name. `component` must
  // outlive the logger (a string literal or a member of its owner).
  Logger WithComponent(std::string_view component) const noexcept { return Logger(sink_, level_, component); }

  LogLevel level() const noexcept { return level_; }
  std::string_view component() const noexcept { return component_; }
  bool Enabled(LogLevel level) const noexcept { return level >= level_ && level_ != LogLevel::kOff; }

  template <class... A>
  void Log(LogLevel level, fmt::format_string<A...> format, A&&... args) const {
    if (!Enabled(level)) return;
    fmt::memory_buffer buf;
    fmt::format_to(std::back_inserter(buf), format, std::forward<A>(args)...);
    sink_->Write(level, component_, std::string_view(buf.data(), buf.size()));
  }
  template <class... A>
  void Debug(fmt::format_string<A...> format, A&&... args) const {
    Log(LogLevel::kDebug, format, std::forward<A>(args)...);
  }
  template <class... A>
  void Info(fmt::format_string<A...> format, A&&... args) const {
    Log(LogLevel::kInfo, format, std::forward<A>(args)...);
  }
  template <class... A>
  void Warn(fmt::format_string<A...> format, A&&... args) const {
    Log(LogLevel::kWarn, format, std::forward<A>(args)...);
  }
  template <class... A>
  void Error(fmt::format_string<A...> format, A&&... args) const {
    Log(LogLevel::kError, format, std::forward<A>(args)...);
  }

 private:
  LogSink* sink_ = nullptr;
  LogLevel level_ = LogLevel::kOff;
  std::string_view component_;
};

}  // namespace hean
