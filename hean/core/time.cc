#include "hean/core/time.h"

#include <cinttypes>
#include <cstdio>

namespace hean {

namespace {

// Floor division and modulo for negative times (before 1970).
constexpr std::int64_t FloorDiv(std::int64_t a, std::int64_t b) noexcept {
  std::int64_t q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
  return q;
}

std::string FormatIso(std::int64_t ns, bool full_nanos) {
  constexpr std::int64_t kNsPerDay = 86'400LL * 1'000'000'000LL;
  const std::int64_t days = FloorDiv(ns, kNsPerDay);
  std::int64_t rem = (ns % kNsPerDay + kNsPerDay) % kNsPerDay;  // [0, kNsPerDay), no overflow at Min()
  const CivilDate d = CivilFromDays(days);
  const auto sub = rem % 1'000'000'000;
  rem /= 1'000'000'000;
  const int sec = static_cast<int>(rem % 60);
  const int min = static_cast<int>((rem / 60) % 60);
  const int hour = static_cast<int>(rem / 3600);
  char buf[64];
  if (full_nanos) {
    std::snprintf(buf, sizeof(buf), "%04" PRId64 "-%02d-%02dT%02d:%02d:%02d.%09" PRId64 "Z", d.year, d.month, d.day,
                  hour, min, sec, sub);
  } else {
    std::snprintf(buf, sizeof(buf), "%04" PRId64 "-%02d-%02dT%02d:%02d:%02d.%03" PRId64 "Z", d.year, d.month, d.day,
                  hour, min, sec, sub / 1'000'000);
  }
  return buf;
}

}  // namespace

// Day arithmetic on 400-year eras of 146097 days: the era, the day within it,
// the year within it (the leap-year pattern repeats every 400 years), then
// the month from a March-based year, which puts Feb 29 last.
CivilDate CivilFromDays(std::int64_t days) noexcept {
  const std::int64_t z = days + 719'468;  // days since 0000-03-01
  const std::int64_t era = FloorDiv(z, 146'097);
  const std::int64_t doe = z - era * 146'097;                                         // [0, 146096]
  const std::int64_t yoe = (doe - doe / 1'460 + doe / 36'524 - doe / 146'096) / 365;  // [0, 399]
  const std::int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);                   // [0, 365]
  const std::int64_t mp = (5 * doy + 2) / 153;                                        // March = 0
  const int day = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
  const int month = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
  const std::int64_t year = yoe + era * 400 + (month <= 2 ? 1 : 0);
  return {year, month, day};
}

std::int64_t DaysFromCivil(std::int64_t year, int month, int day) noexcept {
  const std::int64_t y = year - (month <= 2 ? 1 : 0);
  const std::int64_t era = FloorDiv(y, 400);
  const std::int64_t yoe = y - era * 400;
  const std::int64_t mp = month > 2 ? month - 3 : month + 9;
  const std::int64_t doy = (153 * mp + 2) / 5 + day - 1;
  const std::int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146'097 + doe - 719'468;
}

std::string UnixNanos::ToIso8601() const { return FormatIso(ns_, true); }
std::string UnixNanos::ToIso8601Millis() const { return FormatIso(ns_, false); }

std::string Duration::ToString() const {
  const bool negative = ns_ < 0;
  const std::uint64_t a = negative ? 0 - static_cast<std::uint64_t>(ns_) : static_cast<std::uint64_t>(ns_);
  // Largest unit in which the value is at least 1; fraction digits are
  // written exactly, trailing zeros dropped.
  std::uint64_t unit = 1;
  const char* suffix = "ns";
  if (a >= 1'000'000'000) {
    unit = 1'000'000'000;
    suffix = "s";
  } else if (a >= 1'000'000) {
    unit = 1'000'000;
    suffix = "ms";
  } else if (a >= 1'000) {
    unit = 1'000;
    suffix = "us";
  }
  std::string out = negative ? "-" : "";
  out += std::to_string(a / unit);
  std::uint64_t frac = a % unit;
  if (frac != 0) {
    std::string digits = std::to_string(frac);
    int width = 0;
    for (std::uint64_t u = unit; u > 1; u /= 10) ++width;
    digits.insert(0, static_cast<std::size_t>(width) - digits.size(), '0');
    while (!digits.empty() && digits.back() == '0') digits.pop_back();
    out += '.';
    out += digits;
  }
  out += suffix;
  return out;
}

std::optional<Duration> ParseDuration(std::string_view text) noexcept {
  std::size_t unit_at = text.size();
  while (unit_at > 0 && text[unit_at - 1] >= 'a' && text[unit_at - 1] <= 'z') --unit_at;
  const std::string_view unit = text.substr(unit_at);
  const std::string_view number = text.substr(0, unit_at);
  std::int64_t scale = 0;
  if (unit == "ns") {
    scale = 1;
  } else if (unit == "us") {
    scale = 1'000;
  } else if (unit == "ms") {
    scale = 1'000'000;
  } else if (unit == "s") {
    scale = 1'000'000'000;
  } else if (unit == "m") {
    scale = 60'000'000'000;
  } else if (unit == "h") {
    scale = 3'600'000'000'000;
  } else {
    return std::nullopt;
  }
  if (number.empty()) return std::nullopt;
  std::int64_t whole = 0;
  std::size_t i = 0;
  bool digits = false;
  for (; i < number.size() && number[i] >= '0' && number[i] <= '9'; ++i) {
    if (__builtin_mul_overflow(whole, 10, &whole) || __builtin_add_overflow(whole, number[i] - '0', &whole)) {
      return std::nullopt;
    }
    digits = true;
  }
  std::int64_t ns = 0;
  if (__builtin_mul_overflow(whole, scale, &ns)) return std::nullopt;
  if (i < number.size()) {
    if (number[i] != '.') return std::nullopt;
    ++i;
    std::int64_t place = scale;
    for (; i < number.size(); ++i) {
      if (number[i] < '0' || number[i] > '9') return std::nullopt;
      digits = true;
      const std::int64_t d = number[i] - '0';
      if (place % 10 != 0) {
        if (d != 0) return std::nullopt;  // finer than a nanosecond
        continue;
      }
      place /= 10;
      if (__builtin_add_overflow(ns, d * place, &ns)) return std::nullopt;
    }
  }
  if (!digits) return std::nullopt;
  return Duration::Nanos(ns);
}

}  // namespace hean
