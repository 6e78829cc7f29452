// Time as types: UnixNanos (a point in time) and Duration (a span).
//
// Both are signed 64-bit nanosecond counts (+-292 years around 1970), so
// exchange timestamps in ms, us or ns convert exactly. A point minus a point
// is a Duration; a point plus a Duration is a point; two points do not add.
// Thread-compatible value types.
#pragma once

#include <compare>
#include <concepts>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>

namespace hean {

class Duration {
 public:
  constexpr Duration() noexcept = default;

  static constexpr Duration Nanos(std::int64_t n) noexcept { return Duration(n); }
  static constexpr Duration Micros(std::int64_t us) noexcept { return Duration(us * 1'000); }
  static constexpr Duration Millis(std::int64_t ms) noexcept { return Duration(ms * 1'000'000); }
  static constexpr Duration Seconds(std::int64_t s) noexcept { return Duration(s * 1'000'000'000); }
  static constexpr Duration Minutes(std::int64_t m) noexcept { return Seconds(m * 60); }
  static constexpr Duration Hours(std::int64_t h) noexcept { return Seconds(h * 3600); }
  static constexpr Duration Zero() noexcept { return Duration(0); }
  static constexpr Duration Max() noexcept { return Duration(std::numeric_limits<std::int64_t>::max()); }

  constexpr std::int64_t nanos() const noexcept { return ns_; }
  // Truncating toward zero.
  constexpr std::int64_t micros() const noexcept { return ns_ / 1'000; }
  constexpr std::int64_t millis() const noexcept { return ns_ / 1'000'000; }
  constexpr std::int64_t seconds() const noexcept { return ns_ / 1'000'000'000; }
  double ToSecondsDouble() const noexcept { return static_cast<double>(ns_) * 1e-9; }

  constexpr Duration operator+(Duration o) const noexcept { return Duration(ns_ + o.ns_); }
  constexpr Duration operator-(Duration o) const noexcept { return Duration(ns_ - o.ns_); }
  constexpr Duration operator-() const noexcept { return Duration(-ns_); }
  constexpr Duration operator*(std::int64_t k) const noexcept { return Duration(ns_ * k); }
  template <class F>
  requires std::floating_point<F> Duration operator*(F) const = delete;  // would truncate; scale nanos() explicitly
  constexpr Duration operator/(std::int64_t k) const noexcept { return Duration(ns_ / k); }
  constexpr Duration& operator+=(Duration o) noexcept {
    ns_ += o.ns_;
    return *this;
  }
  constexpr Duration& operator-=(Duration o) noexcept {
    ns_ -= o.ns_;
    return *this;
  }

  friend constexpr auto operator<=>(Duration, Duration) = default;
  friend constexpr bool operator==(Duration, Duration) = default;

  // Exact, in the largest unit that keeps it short: "150ms", "1.5s",
  // "1.2345s", "250ns", "-3us", "2.5ms"; for logs.
  std::string ToString() const;

 private:
  constexpr explicit Duration(std::int64_t ns) noexcept : ns_(ns) {}
  std::int64_t ns_ = 0;
};

class UnixNanos {
 public:
  constexpr UnixNanos() noexcept = default;  // the epoch; also "unset"

  static constexpr UnixNanos FromNanos(std::int64_t ns) noexcept { return UnixNanos(ns); }
  static constexpr UnixNanos FromMicros(std::int64_t us) noexcept { return UnixNanos(us * 1'000); }
  static constexpr UnixNanos FromMillis(std::int64_t ms) noexcept { return UnixNanos(ms * 1'000'000); }
  static constexpr UnixNanos FromSeconds(std::int64_t s) noexcept { return UnixNanos(s * 1'000'000'000); }
  static constexpr UnixNanos Min() noexcept { return UnixNanos(std::numeric_limits<std::int64_t>::min()); }
  static constexpr UnixNanos Max() noexcept { return UnixNanos(std::numeric_limits<std::int64_t>::max()); }

  constexpr std::int64_t nanos() const noexcept { return ns_; }
  constexpr std::int64_t micros() const noexcept { return ns_ / 1'000; }
  constexpr std::int64_t millis() const noexcept { return ns_ / 1'000'000; }
  constexpr bool IsZero() const noexcept { return ns_ == 0; }

  constexpr UnixNanos operator+(Duration d) const noexcept { return UnixNanos(ns_ + d.nanos()); }
  constexpr UnixNanos operator-(Duration d) const noexcept { return UnixNanos(ns_ - d.nanos()); }
  constexpr Duration operator-(UnixNanos o) const noexcept { return Duration::Nanos(ns_ - o.ns_); }
  constexpr UnixNanos& operator+=(Duration d) noexcept {
    ns_ += d.nanos();
    return *this;
  }

  friend constexpr auto operator<=>(UnixNanos, UnixNanos) = default;
  friend constexpr bool operator==(UnixNanos, UnixNanos) = default;

  // ISO-8601 in UTC with nanoseconds: "2024-07-18T23:57:00.984480942Z".
  std::string ToIso8601() const;
  // ISO-8601 with milliseconds: "2024-07-18T23:57:00.984Z".
  std::string ToIso8601Millis() const;

 private:
  constexpr explicit UnixNanos(std::int64_t ns) noexcept : ns_(ns) {}
  std::int64_t ns_ = 0;
};

// Parses "250ms", "10s", "1.5s", "5m", "1h", "100us", "20ns" (a
// non-negative decimal and a unit: ns, us, ms, s, m, h) exactly, as
// Duration::ToString writes them. nullopt for anything else or on overflow.
std::optional<Duration> ParseDuration(std::string_view text) noexcept;

// Civil date of a day count since 1970-01-01 (proleptic Gregorian calendar).
struct CivilDate {
  std::int64_t year;
  int month;  // 1..12
  int day;    // 1..31
};
CivilDate CivilFromDays(std::int64_t days) noexcept;
std::int64_t DaysFromCivil(std::int64_t year, int month, int day) noexcept;

}  // namespace hean
