// Fixed-point money types: Price, Qty and Notional.
//
// Each is a distinct type over a signed 64-bit integer counting units of
// 1e-9 (kFixedScale = 10^9, nine decimal places), the same for all three.
// Why one global scale of 1e-9:
//   * it is finer than every tick and lot size on Bybit, Binance and OKX
//     (the smallest seen are 1e-8), so every exchange price and quantity is
//     exact, and values of different instruments compare and add directly;
//   * int64 at 1e-9 still spans +-9,223,372,036.854775806, enough for any
//     price, any order quantity and any single-position notional in USDT;
//   * one scale keeps Price * Qty a single 128-bit multiply and divide,
//     with no per-instrument bookkeeping on the hot path.
// Account-level sums that could exceed 9.2e9 USDT are out of scope.
//
// Construction:
//   * Parse(text): checked, for input from outside. Returns a DecimalError
//     naming the reason; never throws, never rounds silently (digits beyond
//     the ninth decimal place are accepted only when they are zeros).
//   * FromRaw(units): internal, trusted.
//   * FromDouble(x): explicit, checked, rounds to the nearest 1e-9; for the
//     analytics/ML edges only.
// Arithmetic (+, -, * integer, Price * Qty) checks for overflow in debug
// builds (HEAN_DCHECK) and wraps in release; CheckedAdd/CheckedSub/CheckedMul
// return an error instead, for values derived from input. Conversion to
// double exists only as the explicit ToDouble().
//
// Grammar accepted by Parse (decided; see decimal_test.cc):
//   [+|-] digits [. digits] [(e|E) [+|-] digits]   or   [+|-] . digits ...
//   "63943.90", "0.000", "5.", ".5", "1e-3", "1.5E+2" are accepted;
//   "", "-", ".", "1..2", " 1", "1 ", "0x10", "nan", "inf", "1e", "1,5" are
//   rejected. Qty parse rejects a leading '-' (kNegative); Price accepts
//   negative values (some spreads and calendar instruments trade below
//   zero) and so does Notional (PnL is signed).
//
// Thread-compatible value types.
#pragma once

#include <compare>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>

#include "hean/core/check.h"
#include "hean/core/status.h"

namespace hean {

// 128-bit intermediate for products of two fixed-point values (GCC/Clang).
__extension__ typedef __int128 Int128;

inline constexpr int kFixedDecimals = 9;
inline constexpr std::int64_t kFixedScale = 1'000'000'000;

// Why a decimal string or a conversion was refused.
enum class DecimalError : std::uint8_t {
  kEmpty,             // ""
  kNoDigits,          // "-", ".", "e5": a sign or point with no digit
  kInvalidCharacter,  // anything outside the grammar, incl. spaces
  kInvalidExponent,   // "1e", "1e+", exponent with more than 4 digits
  kTooManyDecimals,   // a nonzero digit beyond the 9th decimal place
  kNegative,          // '-' where the type must not be negative
  kOverflow,          // outside +-9,223,372,036.854775806
  kNotFinite,         // FromDouble of NaN or infinity
};

std::string_view DecimalErrorName(DecimalError e) noexcept;

// Status for a failed parse: names the field, the input and the reason.
Status DecimalErrorStatus(DecimalError e, std::string_view what, std::string_view input);

namespace decimal_detail {

// Parses `text` into units of 1e-9. Hot path: no allocation, no exceptions.
Result<std::int64_t, DecimalError> ParseFixed(std::string_view text, bool allow_negative) noexcept;

// Largest buffer Format* may need: sign, 10 integer digits, point, 9 decimals.
inline constexpr std::size_t kMaxFormattedLength = 24;

// Writes `raw` with the fewest decimals that represent it exactly ("1.5",
// "2", "-0.000000001"); returns the number of chars written (no NUL).
std::size_t FormatMinimal(std::int64_t raw, char* out) noexcept;

// Writes `raw` with exactly `decimals` (0..9) places, rounding half away from
// zero when `raw` has more.
std::size_t FormatFixed(std::int64_t raw, int decimals, char* out) noexcept;

Result<std::int64_t, DecimalError> FromDouble(double x) noexcept;

}  // namespace decimal_detail

// A fixed-point value in units of 1e-9. Tag makes Price, Qty and Notional
// distinct types that do not mix by accident.
template <class Tag>
class FixedPoint {
 public:
  static constexpr std::int64_t kUndefinedRaw = std::numeric_limits<std::int64_t>::max();
  static constexpr bool kAllowNegativeParse = Tag::kAllowNegativeParse;

  constexpr FixedPoint() noexcept = default;  // zero

  static constexpr FixedPoint FromRaw(std::int64_t raw) noexcept { return FixedPoint(raw); }
  // A whole number of units (e.g. FromInt(3) == 3.000000000).
  static constexpr FixedPoint FromInt(std::int64_t units) noexcept {
    HEAN_DCHECK(units <= kMaxWhole && units >= -kMaxWhole, "FixedPoint::FromInt overflow");
    return FixedPoint(units * kFixedScale);
  }
  static constexpr FixedPoint Zero() noexcept { return FixedPoint(0); }
  // A named "no value" (e.g. a market order's price). Never do arithmetic on it.
  static constexpr FixedPoint Undefined() noexcept { return FixedPoint(kUndefinedRaw); }
  static constexpr FixedPoint Max() noexcept { return FixedPoint(kUndefinedRaw - 1); }

  static Result<FixedPoint, DecimalError> Parse(std::string_view text) noexcept {
    auto r = decimal_detail::ParseFixed(text, kAllowNegativeParse);
    if (!r.ok()) return MakeUnexpected(r.error());
    return FixedPoint(*r);
  }
  static Result<FixedPoint, DecimalError> FromDouble(double x) noexcept {
    auto r = decimal_detail::FromDouble(x);
    if (!r.ok()) return MakeUnexpected(r.error());
    return FixedPoint(*r);
  }

  constexpr std::int64_t raw() const noexcept { return raw_; }
  constexpr bool IsDefined() const noexcept { return raw_ != kUndefinedRaw; }
  constexpr bool IsZero() const noexcept { return raw_ == 0; }
  constexpr bool IsPositive() const noexcept { return raw_ > 0; }
  constexpr bool IsNegative() const noexcept { return raw_ < 0; }
  double ToDouble() const noexcept { return static_cast<double>(raw_) / static_cast<double>(kFixedScale); }

  // Fewest decimals that are exact: "63943.9", "0", "0.001".
  std::string ToString() const {
    char buf[decimal_detail::kMaxFormattedLength];
    return std::string(buf, decimal_detail::FormatMinimal(raw_, buf));
  }
  // Exactly `decimals` places (0..9), e.g. an instrument's price precision:
  // ToString(2) of 63943.9 is "63943.90". Rounds half away from zero.
  std::string ToString(int decimals) const {
    char buf[decimal_detail::kMaxFormattedLength];
    return std::string(buf, decimal_detail::FormatFixed(raw_, decimals, buf));
  }
  // Non-allocating form of ToString(decimals); `out` needs kMaxFormattedLength.
  std::size_t Format(char* out, int decimals) const noexcept {
    return decimal_detail::FormatFixed(raw_, decimals, out);
  }

  // True when this value is a whole multiple of `step` (a tick or lot size).
  constexpr bool IsMultipleOf(FixedPoint step) const noexcept { return step.raw_ > 0 && raw_ % step.raw_ == 0; }
  // Rounds down (toward -infinity) / up (toward +infinity) to a multiple of
  // `step` (> 0): FloorTo(0.1) of -1.05 is -1.1, CeilTo(0.1) of 1.05 is 1.1.
  constexpr FixedPoint FloorTo(FixedPoint step) const noexcept {
    HEAN_DCHECK(step.raw_ > 0);
    std::int64_t q = raw_ / step.raw_;
    if (raw_ % step.raw_ != 0 && raw_ < 0) --q;
    return FixedPoint(q * step.raw_);
  }
  constexpr FixedPoint CeilTo(FixedPoint step) const noexcept {
    HEAN_DCHECK(step.raw_ > 0);
    std::int64_t q = raw_ / step.raw_;
    if (raw_ % step.raw_ != 0 && raw_ > 0) ++q;
    return FixedPoint(q * step.raw_);
  }

  constexpr FixedPoint operator-() const noexcept {
    HEAN_DCHECK(raw_ != std::numeric_limits<std::int64_t>::min(), "FixedPoint negate overflow");
    return FixedPoint(-raw_);
  }
  constexpr FixedPoint operator+(FixedPoint o) const noexcept { return FixedPoint(Add(raw_, o.raw_)); }
  constexpr FixedPoint operator-(FixedPoint o) const noexcept { return FixedPoint(Sub(raw_, o.raw_)); }
  constexpr FixedPoint operator*(std::int64_t k) const noexcept { return FixedPoint(Mul(raw_, k)); }
  constexpr FixedPoint& operator+=(FixedPoint o) noexcept { return *this = *this + o; }
  constexpr FixedPoint& operator-=(FixedPoint o) noexcept { return *this = *this - o; }

  // Checked arithmetic: kOverflow when the exact result is outside
  // +-(2^63 - 2) units, so a result is never Undefined() nor INT64_MIN.
  static Result<FixedPoint, DecimalError> CheckedAdd(FixedPoint a, FixedPoint b) noexcept {
    std::int64_t r;
    if (__builtin_add_overflow(a.raw_, b.raw_, &r) || !InRange(r)) return MakeUnexpected(DecimalError::kOverflow);
    return FixedPoint(r);
  }
  static Result<FixedPoint, DecimalError> CheckedSub(FixedPoint a, FixedPoint b) noexcept {
    std::int64_t r;
    if (__builtin_sub_overflow(a.raw_, b.raw_, &r) || !InRange(r)) return MakeUnexpected(DecimalError::kOverflow);
    return FixedPoint(r);
  }
  static Result<FixedPoint, DecimalError> CheckedMul(FixedPoint a, std::int64_t k) noexcept {
    std::int64_t r;
    if (__builtin_mul_overflow(a.raw_, k, &r) || !InRange(r)) return MakeUnexpected(DecimalError::kOverflow);
    return FixedPoint(r);
  }

  // Scaling by a double would silently truncate (qty * 0.5 == qty * 0):
  // convert explicitly with FromDouble instead.
  template <class F>
  requires std::floating_point<F> FixedPoint operator*(F) const = delete;

  friend constexpr auto operator<=>(FixedPoint, FixedPoint) = default;
  friend constexpr bool operator==(FixedPoint, FixedPoint) = default;

 private:
  static constexpr std::int64_t kMaxWhole = std::numeric_limits<std::int64_t>::max() / kFixedScale;
  static constexpr bool InRange(std::int64_t r) noexcept {
    return r < std::numeric_limits<std::int64_t>::max() && r > -std::numeric_limits<std::int64_t>::max();
  }

  constexpr explicit FixedPoint(std::int64_t raw) noexcept : raw_(raw) {}

  static constexpr std::int64_t Add(std::int64_t a, std::int64_t b) noexcept {
    std::int64_t r;
    [[maybe_unused]] bool of = __builtin_add_overflow(a, b, &r);
    HEAN_DCHECK(!of, "FixedPoint addition overflow");
    return r;
  }
  static constexpr std::int64_t Sub(std::int64_t a, std::int64_t b) noexcept {
    std::int64_t r;
    [[maybe_unused]] bool of = __builtin_sub_overflow(a, b, &r);
    HEAN_DCHECK(!of, "FixedPoint subtraction overflow");
    return r;
  }
  static constexpr std::int64_t Mul(std::int64_t a, std::int64_t b) noexcept {
    std::int64_t r;
    [[maybe_unused]] bool of = __builtin_mul_overflow(a, b, &r);
    HEAN_DCHECK(!of, "FixedPoint multiplication overflow");
    return r;
  }

  std::int64_t raw_ = 0;
};

struct PriceTag {
  static constexpr bool kAllowNegativeParse = true;
};
struct QtyTag {
  static constexpr bool kAllowNegativeParse = false;
};
struct NotionalTag {
  static constexpr bool kAllowNegativeParse = true;
};

// Price per unit of the base asset, in quote currency (USDT for linear perps).
using Price = FixedPoint<PriceTag>;
// Quantity of the base asset (contracts of 1 base unit for linear perps).
// Parsed values are never negative; a signed position uses Qty with a sign.
using Qty = FixedPoint<QtyTag>;
// Quote-currency amount: Price * Qty, PnL, fees, equity.
using Notional = FixedPoint<NotionalTag>;
struct RateTag {
  static constexpr bool kAllowNegativeParse = true;
};
// A dimensionless rate such as a fee rate: 0.0002 is 2 bps; negative maker
// fees are rebates.
using Rate = FixedPoint<RateTag>;

namespace decimal_detail {
// raw_p * raw_q / 1e9, rounded half away from zero. Sets *overflow when the
// result does not fit.
constexpr std::int64_t MulScaled(std::int64_t a, std::int64_t b, bool* overflow) noexcept {
  Int128 p = static_cast<Int128>(a) * b;
  Int128 q = p / kFixedScale;
  Int128 r = p % kFixedScale;
  if (r * 2 >= kFixedScale) ++q;
  if (r * 2 <= -kFixedScale) --q;
  // Symmetric range +-(2^63 - 2): INT64_MAX is Undefined() and INT64_MIN
  // cannot be negated.
  *overflow = q >= std::numeric_limits<std::int64_t>::max() || q <= -std::numeric_limits<std::int64_t>::max();
  return static_cast<std::int64_t>(q);
}
}  // namespace decimal_detail

// Price * Qty -> Notional, rounded half away from zero to 1e-9.
constexpr Notional operator*(Price p, Qty q) noexcept {
  bool of = false;
  std::int64_t r = decimal_detail::MulScaled(p.raw(), q.raw(), &of);
  HEAN_DCHECK(!of, "Price * Qty overflow");
  return Notional::FromRaw(r);
}
constexpr Notional operator*(Qty q, Price p) noexcept { return p * q; }

// Notional * Rate -> Notional (e.g. a fee), rounded half away from zero.
constexpr Notional operator*(Notional n, Rate r) noexcept {
  bool of = false;
  std::int64_t v = decimal_detail::MulScaled(n.raw(), r.raw(), &of);
  HEAN_DCHECK(!of, "Notional * Rate overflow");
  return Notional::FromRaw(v);
}

inline Result<Notional, DecimalError> CheckedNotional(Price p, Qty q) noexcept {
  bool of = false;
  std::int64_t r = decimal_detail::MulScaled(p.raw(), q.raw(), &of);
  if (of) return MakeUnexpected(DecimalError::kOverflow);
  return Notional::FromRaw(r);
}

// Notional / Qty -> Price (e.g. an average fill price), rounded half away from
// zero; qty must not be zero.
Result<Price, DecimalError> DivideToPrice(Notional n, Qty q) noexcept;

}  // namespace hean
