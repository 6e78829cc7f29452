#include "hean/core/decimal.h"

#include <cmath>
#include <cstring>
#include <string>

namespace hean {

namespace {

constexpr std::uint64_t kPow10[20] = {
    1ULL,
    10ULL,
    100ULL,
    1000ULL,
    10000ULL,
    100000ULL,
    1000000ULL,
    10000000ULL,
    100000000ULL,
    1000000000ULL,
    10000000000ULL,
    100000000000ULL,
    1000000000000ULL,
    10000000000000ULL,
    100000000000000ULL,
    1000000000000000ULL,
    10000000000000000ULL,
    100000000000000000ULL,
    1000000000000000000ULL,
    10000000000000000000ULL,
};

// Most significant digits a uint64 accumulator takes without overflow.
constexpr int kMaxSignificant = 19;

inline bool IsDigit(char c) noexcept { return static_cast<unsigned char>(c - '0') < 10; }

// Writes the decimal digits of v (no sign) right-aligned ending at `end`;
// returns the first written position.
inline char* WriteDigitsBackward(std::uint64_t v, char* end) noexcept {
  do {
    *--end = static_cast<char>('0' + v % 10);
    v /= 10;
  } while (v != 0);
  return end;
}

}  // namespace

std::string_view DecimalErrorName(DecimalError e) noexcept {
  switch (e) {
    case DecimalError::kEmpty: return "empty string";
    case DecimalError::kNoDigits: return "no digits";
    case DecimalError::kInvalidCharacter: return "invalid character";
    case DecimalError::kInvalidExponent: return "invalid exponent";
    case DecimalError::kTooManyDecimals: return "more than 9 decimal places";
    case DecimalError::kNegative: return "negative value not allowed";
    case DecimalError::kOverflow: return "out of range (|x| > 9223372036.854775806)";
    case DecimalError::kNotFinite: return "not a finite number";
  }
  return "unknown decimal error";
}

Status DecimalErrorStatus(DecimalError e, std::string_view what, std::string_view input) {
  std::string msg(what);
  msg += " \"";
  // Keep messages bounded even for a pathological input.
  msg.append(input.substr(0, 64));
  if (input.size() > 64) msg += "...";
  msg += "\": ";
  msg += DecimalErrorName(e);
  const StatusCode code = e == DecimalError::kOverflow ? StatusCode::kOutOfRange : StatusCode::kInvalidArgument;
  return Status(code, std::move(msg));
}

namespace decimal_detail {

Result<std::int64_t, DecimalError> ParseFixed(std::string_view text, bool allow_negative) noexcept {
  const char* p = text.data();
  const char* const end = p + text.size();
  if (p == end) return MakeUnexpected(DecimalError::kEmpty);

  // Fast path for what exchanges send: 1-9 integer digits, optionally a
  // point and 1-9 fraction digits ("63943.90", "0.001", "6198"). The result
  // is the same as the general path's; anything else goes there.
  {
    const char* q = p;
    std::uint64_t ip = 0;
    while (q != end && IsDigit(*q) && q - p < 10) ip = ip * 10 + static_cast<unsigned>(*q++ - '0');
    const auto int_digits = q - p;
    if (int_digits >= 1 && int_digits <= 9) {
      if (q == end) return static_cast<std::int64_t>(ip * kPow10[kFixedDecimals]);
      if (*q == '.') {
        const char* f = ++q;
        std::uint64_t fp = 0;
        while (q != end && IsDigit(*q) && q - f < 10) fp = fp * 10 + static_cast<unsigned>(*q++ - '0');
        const auto frac_digits = q - f;
        if (q == end && frac_digits >= 1 && frac_digits <= kFixedDecimals) {
          return static_cast<std::int64_t>(ip * kPow10[kFixedDecimals] + fp * kPow10[kFixedDecimals - frac_digits]);
        }
      }
    }
  }

  bool negative = false;
  if (*p == '-' || *p == '+') {
    negative = (*p == '-');
    ++p;
  }

  std::uint64_t mant = 0;  // significant digits, leading zeros skipped
  int sig = 0;             // digits in mant
  int frac_digits = 0;     // fraction digits folded into mant
  int pending_zeros = 0;   // fraction zeros not yet folded (maybe trailing)
  bool any_digit = false;

  // Integer part.
  while (p != end && IsDigit(*p)) {
    const unsigned d = static_cast<unsigned>(*p - '0');
    any_digit = true;
    ++p;
    if (mant == 0 && d == 0) continue;
    if (sig >= kMaxSignificant) return MakeUnexpected(DecimalError::kOverflow);
    mant = mant * 10 + d;
    ++sig;
  }
  // Fraction part. Zeros are deferred so that trailing zeros ("1.5000000000")
  // never count against the 9-decimal limit.
  if (p != end && *p == '.') {
    ++p;
    while (p != end && IsDigit(*p)) {
      const unsigned d = static_cast<unsigned>(*p - '0');
      any_digit = true;
      ++p;
      if (d == 0) {
        ++pending_zeros;
        continue;
      }
      const int need = (mant == 0 ? 0 : pending_zeros) + 1;
      if (sig + need > kMaxSignificant) return MakeUnexpected(DecimalError::kTooManyDecimals);
      if (mant != 0) {
        mant *= kPow10[pending_zeros];
        sig += pending_zeros;
      }
      mant = mant * 10 + d;
      ++sig;
      frac_digits += pending_zeros + 1;
      pending_zeros = 0;
    }
  }
  if (!any_digit) {
    if (p != end && *p != 'e' && *p != 'E') return MakeUnexpected(DecimalError::kInvalidCharacter);
    return MakeUnexpected(DecimalError::kNoDigits);
  }

  // Optional exponent.
  int exp10 = 0;
  if (p != end && (*p == 'e' || *p == 'E')) {
    ++p;
    bool exp_negative = false;
    if (p != end && (*p == '-' || *p == '+')) {
      exp_negative = (*p == '-');
      ++p;
    }
    int n = 0;
    while (p != end && IsDigit(*p)) {
      if (++n > 4) return MakeUnexpected(DecimalError::kInvalidExponent);
      exp10 = exp10 * 10 + (*p - '0');
      ++p;
    }
    if (n == 0) return MakeUnexpected(DecimalError::kInvalidExponent);
    if (exp_negative) exp10 = -exp10;
  }
  if (p != end) return MakeUnexpected(DecimalError::kInvalidCharacter);
  if (negative && !allow_negative) return MakeUnexpected(DecimalError::kNegative);
  if (mant == 0) return std::int64_t{0};

  // value = mant * 10^(exp10 - frac_digits); raw = value * 10^9.
  const int shift = kFixedDecimals + exp10 - frac_digits;
  std::uint64_t raw;
  if (shift >= 0) {
    if (shift > 19 || __builtin_mul_overflow(mant, kPow10[shift], &raw)) {
      return MakeUnexpected(DecimalError::kOverflow);
    }
  } else {
    if (-shift > 19) return MakeUnexpected(DecimalError::kTooManyDecimals);
    const std::uint64_t div = kPow10[-shift];
    if (mant % div != 0) return MakeUnexpected(DecimalError::kTooManyDecimals);
    raw = mant / div;
  }
  // Symmetric range: +-INT64_MAX. INT64_MAX itself is Undefined for the
  // money types, so it is refused too.
  if (raw >= static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
    return MakeUnexpected(DecimalError::kOverflow);
  }
  const auto v = static_cast<std::int64_t>(raw);
  return negative ? -v : v;
}

std::size_t FormatMinimal(std::int64_t raw, char* out) noexcept {
  char buf[kMaxFormattedLength];
  char* const end = buf + sizeof(buf);
  const bool negative = raw < 0;
  const std::uint64_t mag = negative ? 0 - static_cast<std::uint64_t>(raw) : static_cast<std::uint64_t>(raw);
  std::uint64_t int_part = mag / kFixedScale;
  std::uint64_t frac = mag % kFixedScale;
  char* p = end;
  if (frac != 0) {
    int decimals = kFixedDecimals;
    while (frac % 10 == 0) {
      frac /= 10;
      --decimals;
    }
    char* frac_end = p;
    p = WriteDigitsBackward(frac, p);
    while (frac_end - p < decimals) *--p = '0';
    *--p = '.';
  }
  p = WriteDigitsBackward(int_part, p);
  if (negative) *--p = '-';
  const auto n = static_cast<std::size_t>(end - p);
  std::memcpy(out, p, n);
  return n;
}

std::size_t FormatFixed(std::int64_t raw, int decimals, char* out) noexcept {
  if (decimals < 0) decimals = 0;
  if (decimals > kFixedDecimals) decimals = kFixedDecimals;
  char buf[kMaxFormattedLength];
  char* const end = buf + sizeof(buf);
  const bool negative = raw < 0;
  std::uint64_t mag = negative ? 0 - static_cast<std::uint64_t>(raw) : static_cast<std::uint64_t>(raw);
  // Round half away from zero to `decimals` places.
  const std::uint64_t unit = kPow10[kFixedDecimals - decimals];
  if (unit > 1) {
    const std::uint64_t rem = mag % unit;
    mag -= rem;
    if (rem * 2 >= unit) mag += unit;
  }
  const std::uint64_t int_part = mag / kFixedScale;
  const std::uint64_t frac = (mag % kFixedScale) / unit;
  char* p = end;
  if (decimals > 0) {
    char* frac_end = p;
    p = WriteDigitsBackward(frac, p);
    while (frac_end - p < decimals) *--p = '0';
    *--p = '.';
  }
  p = WriteDigitsBackward(int_part, p);
  if (negative && mag != 0) *--p = '-';
  const auto n = static_cast<std::size_t>(end - p);
  std::memcpy(out, p, n);
  return n;
}

Result<std::int64_t, DecimalError> FromDouble(double x) noexcept {
  if (!std::isfinite(x)) return MakeUnexpected(DecimalError::kNotFinite);
  const double scaled = std::round(x * static_cast<double>(kFixedScale));
  // 9.2e18 is not exactly representable; stay strictly inside.
  if (!(std::fabs(scaled) < 9.2e18)) return MakeUnexpected(DecimalError::kOverflow);
  return static_cast<std::int64_t>(scaled);
}

}  // namespace decimal_detail

Result<Price, DecimalError> DivideToPrice(Notional n, Qty q) noexcept {
  if (q.raw() == 0) return MakeUnexpected(DecimalError::kOverflow);
  const Int128 num = static_cast<Int128>(n.raw()) * kFixedScale;
  Int128 quot = num / q.raw();
  const Int128 rem = num % q.raw();
  const Int128 den = q.raw() < 0 ? -static_cast<Int128>(q.raw()) : q.raw();
  const Int128 arem = rem < 0 ? -rem : rem;
  if (arem * 2 >= den) quot += ((num < 0) != (q.raw() < 0)) ? -1 : 1;
  if (quot >= std::numeric_limits<std::int64_t>::max() || quot < -std::numeric_limits<std::int64_t>::max()) {
    return MakeUnexpected(DecimalError::kOverflow);
  }
  return Price::FromRaw(static_cast<std::int64_t>(quot));
}

}  // namespace hean
