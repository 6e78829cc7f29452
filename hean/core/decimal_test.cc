#include "hean/core/decimal.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <limits>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "hean/core/test_support.h"

#ifndef HEAN_SOURCE_DIR
#error "HEAN_SOURCE_DIR must be defined by the build (cmake/HeanHelpers.cmake)"
#endif

namespace hean {
namespace {

constexpr std::int64_t kInt64Max = std::numeric_limits<std::int64_t>::max();
constexpr std::int64_t kInt64Min = std::numeric_limits<std::int64_t>::min();

// ---------------------------------------------------------------------------
// Type-level contract: distinct types, no implicit conversions, the only
// mixed product is Price * Qty (and Notional * Rate).

template <class A, class B>
inline constexpr bool Addable = testing_support::kAddable<A, B>;

template <class A, class B, class = void>
struct IsMultipliable : std::false_type {};
template <class A, class B>
struct IsMultipliable<A, B, std::void_t<decltype(std::declval<A>() * std::declval<B>())>> : std::true_type {};
template <class A, class B>
inline constexpr bool Multipliable = IsMultipliable<A, B>::value;

static_assert(!std::is_convertible_v<Price, Qty>);
static_assert(!std::is_convertible_v<Qty, Price>);
static_assert(!std::is_convertible_v<Price, Notional>);
static_assert(!std::is_convertible_v<std::int64_t, Price>);
static_assert(!std::is_convertible_v<Price, std::int64_t>);
static_assert(!std::is_convertible_v<Price, double>);
static_assert(!std::is_convertible_v<double, Price>);
static_assert(!std::is_constructible_v<Price, std::int64_t>);
static_assert(!Addable<Price, Qty>);
static_assert(!Addable<Price, Notional>);
static_assert(!Addable<Price, std::int64_t>);
static_assert(Addable<Price, Price>);
static_assert(!Multipliable<Price, Price>);
static_assert(!Multipliable<Qty, Qty>);
static_assert(std::is_same_v<decltype(Price() * Qty()), Notional>);
static_assert(std::is_same_v<decltype(Qty() * Price()), Notional>);
static_assert(std::is_same_v<decltype(Notional() * Rate()), Notional>);
static_assert(std::is_trivially_copyable_v<Price>);
static_assert(sizeof(Price) == sizeof(std::int64_t));

// Arithmetic is usable in constant expressions.
static_assert(Price::FromInt(2) + Price::FromInt(3) == Price::FromInt(5));
static_assert((Price::FromInt(3) * Qty::FromRaw(500'000'000)).raw() == 1'500'000'000);
static_assert(Price().raw() == 0);

// ---------------------------------------------------------------------------
// Real data: every price and quantity string in a Binance USD-M capture.

constexpr char kCapturePath[] = HEAN_SOURCE_DIR "/testdata/binance-usdm-btcusdt-2024-07-18/head.txt";

// Appends every match of the regex "(-?[0-9]+\.[0-9]+)" in `line`, scanning
// left to right without overlap as std::sregex_iterator would. Hand-written:
// libstdc++'s <regex> trips -Werror=maybe-uninitialized in sanitizer builds.
void AppendQuotedDecimals(std::string_view line, std::vector<std::string>* out) {
  const auto is_digit = [](char c) { return c >= '0' && c <= '9'; };
  std::size_t i = 0;
  while (i < line.size()) {
    if (line[i] != '"') {
      ++i;
      continue;
    }
    std::size_t j = i + 1;
    if (j < line.size() && line[j] == '-') ++j;
    const std::size_t int_begin = j;
    while (j < line.size() && is_digit(line[j])) ++j;
    bool match = j > int_begin && j < line.size() && line[j] == '.';
    if (match) {
      const std::size_t frac_begin = ++j;
      while (j < line.size() && is_digit(line[j])) ++j;
      match = j > frac_begin && j < line.size() && line[j] == '"';
    }
    if (match) {
      out->emplace_back(line.substr(i + 1, j - i - 1));
      i = j + 1;  // the closing quote is consumed
    } else {
      ++i;
    }
  }
}

// Every JSON string literal in the capture that is a plain decimal
// ("63943.90", "0.000").
::testing::AssertionResult QuotedDecimalsInCapture(std::vector<std::string>* out) {
  std::ifstream in(kCapturePath);
  if (!in) return ::testing::AssertionFailure() << "cannot open " << kCapturePath;
  std::string line;
  std::size_t lines = 0;
  while (std::getline(in, line)) {
    ++lines;
    AppendQuotedDecimals(line, out);
  }
  if (lines != 400) return ::testing::AssertionFailure() << kCapturePath << " has " << lines << " lines, want 400";
  return ::testing::AssertionSuccess();
}

TEST(Decimal, QuotedDecimalScannerMatchesTheRegex) {
  std::vector<std::string> got;
  AppendQuotedDecimals(R"({"b":[["63943.90","0.006"]],"x":"-1.5","E":1721347022504,"s":"BTCUSDT",)"
                       R"("n":"12","m":".5","k":"5.","d":"1.2.3","q":"7.25)",
                       &got);
  EXPECT_EQ(got, (std::vector<std::string>{"63943.90", "0.006", "-1.5"}));
}

// Independent reference for "-?digits.digits" with at most 9 decimals.
std::int64_t ReferenceRaw(const std::string& s) {
  const bool negative = s[0] == '-';
  const std::size_t start = negative ? 1 : 0;
  const std::size_t dot = s.find('.');
  std::int64_t whole = 0;
  for (std::size_t i = start; i < dot; ++i) whole = whole * 10 + (s[i] - '0');
  std::string frac = s.substr(dot + 1);
  frac.resize(9, '0');
  std::int64_t f = 0;
  for (char c : frac) f = f * 10 + (c - '0');
  const std::int64_t raw = whole * kFixedScale + f;
  return negative ? -raw : raw;
}

int DecimalsOf(const std::string& s) { return static_cast<int>(s.size() - s.find('.') - 1); }

// "63943.90" -> "63943.9", "0.000" -> "0", "1000.00" -> "1000".
std::string StripTrailingZeros(std::string s) {
  while (s.back() == '0') s.pop_back();
  if (s.back() == '.') s.pop_back();
  if (s == "-0") s = "0";
  return s;
}

template <class T>
void ExpectRoundTripsEveryDecimalInCapture() {
  std::vector<std::string> decimals;
  ASSERT_TRUE(QuotedDecimalsInCapture(&decimals));
  // Guard against a vacuous pass (wrong file, broken scanner).
  ASSERT_GT(decimals.size(), 10'000u);
  EXPECT_EQ(decimals.size(), 11'744u);  // `grep -oE '"-?[0-9]+\.[0-9]+"' head.txt | wc -l`
  std::size_t failures = 0;
  for (const std::string& s : decimals) {
    const auto parsed = T::Parse(s);
    if (!parsed.ok()) {
      ADD_FAILURE() << "Parse(\"" << s << "\") failed: " << DecimalErrorName(parsed.error());
    } else if (parsed->raw() != ReferenceRaw(s)) {
      ADD_FAILURE() << "Parse(\"" << s << "\").raw() = " << parsed->raw() << ", want " << ReferenceRaw(s);
    } else if (parsed->ToString(DecimalsOf(s)) != s) {
      ADD_FAILURE() << "ToString(" << DecimalsOf(s) << ") of \"" << s << "\" = \"" << parsed->ToString(DecimalsOf(s))
                    << "\"";
    } else if (parsed->ToString() != StripTrailingZeros(s)) {
      ADD_FAILURE() << "ToString() of \"" << s << "\" = \"" << parsed->ToString() << "\", want \""
                    << StripTrailingZeros(s) << "\"";
    } else {
      continue;
    }
    if (++failures >= 20) FAIL() << "too many failures, stopping";
  }
}

TEST(Decimal, RoundTripsEveryPriceInBinanceCapture) { ExpectRoundTripsEveryDecimalInCapture<Price>(); }

TEST(Decimal, RoundTripsEveryQtyInBinanceCapture) { ExpectRoundTripsEveryDecimalInCapture<Qty>(); }

TEST(Decimal, CaptureHasBothPricesAndQuantities) {
  std::vector<std::string> decimals;
  ASSERT_TRUE(QuotedDecimalsInCapture(&decimals));
  // The first bookTicker of the capture (line 2).
  const auto has = [&](std::string_view s) { return std::find(decimals.begin(), decimals.end(), s) != decimals.end(); };
  EXPECT_TRUE(has("63943.90"));
  EXPECT_TRUE(has("46.371"));
  EXPECT_TRUE(has("0.000"));
  EXPECT_TRUE(has("1000.00"));
}

// ---------------------------------------------------------------------------
// Parse grammar: table-driven, Price and Qty side by side.

struct Expect {
  bool ok;
  std::int64_t raw;    // when ok
  DecimalError error;  // when !ok
};
constexpr Expect Ok(std::int64_t raw) { return {true, raw, DecimalError::kEmpty}; }
constexpr Expect Err(DecimalError e) { return {false, 0, e}; }

struct ParseCase {
  const char* name;  // GoogleTest parameter name
  std::string_view text;
  Expect price;
  Expect qty;
};
// Same expectation for Price and Qty.
constexpr ParseCase Both(const char* name, std::string_view text, Expect e) { return {name, text, e, e}; }

using DE = DecimalError;
constexpr std::int64_t kS = kFixedScale;

const ParseCase kParseCases[] = {
    // Accepted forms from the grammar comment.
    Both("BookTickerPrice", "63943.90", Ok(63'943'900'000'000)),
    Both("ZeroWithDecimals", "0.000", Ok(0)),
    Both("TrailingPoint", "5.", Ok(5 * kS)),
    Both("LeadingPoint", ".5", Ok(500'000'000)),
    Both("NegativeExponent", "1e-3", Ok(1'000'000)),
    Both("UpperExponentWithPlus", "1.5E+2", Ok(150 * kS)),
    Both("Integer", "42", Ok(42 * kS)),
    Both("Zero", "0", Ok(0)),
    Both("ExplicitPlus", "+1.5", Ok(1'500'000'000)),
    Both("PlusLeadingPoint", "+.5", Ok(500'000'000)),
    Both("LeadingZeros", "000123.4500", Ok(123'450'000'000)),
    Both("ManyLeadingZeros", "00000000000000000000001.5", Ok(1'500'000'000)),
    Both("TrailingZerosBeyondNinth", "1.5000000000000", Ok(1'500'000'000)),
    Both("ManyTrailingZeros", "1.10000000000000000000000000", Ok(1'100'000'000)),
    Both("ZeroWithManyDecimals", "0.00000000000000000000", Ok(0)),
    Both("TenDecimalsLastZero", "0.1234567890", Ok(123'456'789)),
    Both("SmallestUnit", "0.000000001", Ok(1)),
    Both("SmallestUnitByExponent", "1e-9", Ok(1)),
    Both("ExponentCancelsIntegerZeros", "100e-11", Ok(1)),
    Both("PositiveExponent", "12e3", Ok(12'000 * kS)),
    Both("FourDigitExponent", "1e0009", Ok(1'000'000'000'000'000'000)),
    Both("FractionWithExponent", "0.0012345e3", Ok(1'234'500'000)),
    Both("ZeroWithHugeExponent", "0e9999", Ok(0)),
    Both("MaxSignificantDigits", "1234567890.123456789", Ok(1'234'567'890'123'456'789)),
    Both("LargestValue", "9223372036.854775806", Ok(kInt64Max - 1)),
    {"NegativePrice", "-63943.9", Ok(-63'943'900'000'000), Err(DE::kNegative)},
    {"NegativeInteger", "-5", Ok(-5 * kS), Err(DE::kNegative)},
    {"NegativeZero", "-0", Ok(0), Err(DE::kNegative)},
    {"NegativeLeadingPoint", "-.5", Ok(-500'000'000), Err(DE::kNegative)},
    {"NegativeExponentForm", "-1.5e-3", Ok(-1'500'000), Err(DE::kNegative)},
    {"SmallestNegative", "-0.000000001", Ok(-1), Err(DE::kNegative)},
    {"MostNegative", "-9223372036.854775806", Ok(-(kInt64Max - 1)), Err(DE::kNegative)},

    // Rejected forms.
    Both("Empty", "", Err(DE::kEmpty)),
    Both("MinusOnly", "-", Err(DE::kNoDigits)),
    Both("PlusOnly", "+", Err(DE::kNoDigits)),
    Both("PointOnly", ".", Err(DE::kNoDigits)),
    Both("MinusPoint", "-.", Err(DE::kNoDigits)),
    Both("ExponentOnly", "e5", Err(DE::kNoDigits)),
    Both("PointExponent", ".e1", Err(DE::kNoDigits)),
    Both("LeadingSpace", " 1", Err(DE::kInvalidCharacter)),
    Both("TrailingSpace", "1 ", Err(DE::kInvalidCharacter)),
    Both("LeadingTab", "\t1", Err(DE::kInvalidCharacter)),
    Both("TrailingNewline", "1\n", Err(DE::kInvalidCharacter)),
    Both("EmbeddedNul", std::string_view("1\0", 2), Err(DE::kInvalidCharacter)),
    Both("Hex", "0x10", Err(DE::kInvalidCharacter)),
    Both("NaN", "nan", Err(DE::kInvalidCharacter)),
    Both("NaNMixedCase", "NaN", Err(DE::kInvalidCharacter)),
    Both("Inf", "inf", Err(DE::kInvalidCharacter)),
    Both("NegativeInf", "-inf", Err(DE::kInvalidCharacter)),
    Both("Infinity", "Infinity", Err(DE::kInvalidCharacter)),
    Both("Comma", "1,5", Err(DE::kInvalidCharacter)),
    Both("DoublePoint", "1..2", Err(DE::kInvalidCharacter)),
    Both("TwoPoints", "1.2.3", Err(DE::kInvalidCharacter)),
    Both("DoubleMinus", "--1", Err(DE::kInvalidCharacter)),
    Both("PlusMinus", "+-1", Err(DE::kInvalidCharacter)),
    Both("DigitSeparator", "1_000", Err(DE::kInvalidCharacter)),
    Both("LetterSuffix", "1.2x", Err(DE::kInvalidCharacter)),
    Both("FractionalExponent", "1e2.5", Err(DE::kInvalidCharacter)),
    Both("QuotedNumber", "\"1.5\"", Err(DE::kInvalidCharacter)),
    Both("ExponentWithoutDigits", "1e", Err(DE::kInvalidExponent)),
    Both("ExponentPlusOnly", "1e+", Err(DE::kInvalidExponent)),
    Both("ExponentMinusOnly", "1e-", Err(DE::kInvalidExponent)),
    Both("DoubleExponent", "1ee2", Err(DE::kInvalidExponent)),
    Both("FiveDigitExponent", "1e12345", Err(DE::kInvalidExponent)),
    Both("FiveDigitZeroExponent", "1e00000", Err(DE::kInvalidExponent)),
    Both("TenthDecimal", "0.0000000001", Err(DE::kTooManyDecimals)),
    Both("TenDecimals", "0.1234567891", Err(DE::kTooManyDecimals)),
    Both("TwentySignificantDigits", "1234567890.1234567891", Err(DE::kTooManyDecimals)),
    Both("TenthDecimalByExponent", "1e-10", Err(DE::kTooManyDecimals)),
    Both("FractionalUnitByExponent", "1.5e-9", Err(DE::kTooManyDecimals)),
    Both("HugeNegativeExponent", "1e-9999", Err(DE::kTooManyDecimals)),
    Both("OneAboveLargest", "9223372036.854775807", Err(DE::kOverflow)),
    Both("ElevenDigits", "99999999999", Err(DE::kOverflow)),
    Both("TenToTheTen", "10000000000", Err(DE::kOverflow)),
    Both("AllNines", "9999999999.999999999", Err(DE::kOverflow)),
    Both("TwentyDigits", "12345678901234567890", Err(DE::kOverflow)),
    Both("ExponentOverflow", "1e10", Err(DE::kOverflow)),
    Both("HugeExponent", "1e9999", Err(DE::kOverflow)),
    // The range is symmetric: -INT64_MAX units is refused like +INT64_MAX.
    {"OneBelowMostNegative", "-9223372036.854775807", Err(DE::kOverflow), Err(DE::kNegative)},
    {"NegativeElevenDigits", "-99999999999", Err(DE::kOverflow), Err(DE::kNegative)},
    // A syntax error wins over the sign check.
    {"NegativeGarbage", "-abc", Err(DE::kInvalidCharacter), Err(DE::kInvalidCharacter)},
};

class DecimalParseTest : public ::testing::TestWithParam<ParseCase> {};

template <class T>
void ExpectParse(std::string_view text, const Expect& want) {
  const auto got = T::Parse(text);
  ASSERT_EQ(got.ok(), want.ok) << (got.ok() ? "accepted, raw " + std::to_string(got->raw())
                                            : "rejected: " + std::string(DecimalErrorName(got.error())));
  if (want.ok) {
    EXPECT_EQ(got->raw(), want.raw);
  } else {
    EXPECT_EQ(got.error(), want.error) << "got " << DecimalErrorName(got.error()) << ", want "
                                       << DecimalErrorName(want.error);
  }
}

TEST_P(DecimalParseTest, Price) {
  SCOPED_TRACE(::testing::Message() << "Price::Parse(\"" << GetParam().text << "\")");
  ExpectParse<Price>(GetParam().text, GetParam().price);
}

TEST_P(DecimalParseTest, Qty) {
  SCOPED_TRACE(::testing::Message() << "Qty::Parse(\"" << GetParam().text << "\")");
  ExpectParse<Qty>(GetParam().text, GetParam().qty);
}

// Notional and Rate accept negatives, like Price.
TEST_P(DecimalParseTest, NotionalAndRateParseLikePrice) {
  SCOPED_TRACE(::testing::Message() << "Parse(\"" << GetParam().text << "\")");
  ExpectParse<Notional>(GetParam().text, GetParam().price);
  ExpectParse<Rate>(GetParam().text, GetParam().price);
}

INSTANTIATE_TEST_SUITE_P(Grammar, DecimalParseTest, ::testing::ValuesIn(kParseCases),
                         [](const ::testing::TestParamInfo<ParseCase>& info) { return std::string(info.param.name); });

TEST(Decimal, ParseReadsOnlyTheGivenView) {
  const std::string_view line = "63943.90\",\"46.371";
  const auto p = Price::Parse(line.substr(0, 8));
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->raw(), 63'943'900'000'000);
  const auto q = Qty::Parse(line.substr(11, 6));
  ASSERT_TRUE(q.ok());
  EXPECT_EQ(q->raw(), 46'371'000'000);
}

TEST(Decimal, ParseAcceptsEveryExactNineDecimalValueInASweep) {
  // Raw values spread over the whole range, formatted with all 9 decimals,
  // parse back to the same raw value (both signs for Price).
  std::uint64_t x = 0x9E3779B97F4A7C15ULL;
  for (int i = 0; i < 20'000; ++i) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    const auto raw = static_cast<std::int64_t>(x % static_cast<std::uint64_t>(kInt64Max));
    for (const std::int64_t v : {raw, -raw, raw % 1'000'000'000'000, raw % 1'000}) {
      const Price p = Price::FromRaw(v);
      const auto back = Price::Parse(p.ToString(9));
      ASSERT_TRUE(back.ok()) << p.ToString(9);
      ASSERT_EQ(back->raw(), v) << p.ToString(9);
      const auto minimal = Price::Parse(p.ToString());
      ASSERT_TRUE(minimal.ok()) << p.ToString();
      ASSERT_EQ(minimal->raw(), v) << p.ToString();
    }
  }
}

TEST(Decimal, ErrorNamesAreDistinctAndNonEmpty) {
  const DecimalError all[] = {DE::kEmpty,           DE::kNoDigits, DE::kInvalidCharacter, DE::kInvalidExponent,
                              DE::kTooManyDecimals, DE::kNegative, DE::kOverflow,         DE::kNotFinite};
  for (std::size_t i = 0; i < std::size(all); ++i) {
    EXPECT_FALSE(DecimalErrorName(all[i]).empty());
    for (std::size_t j = 0; j < i; ++j) EXPECT_NE(DecimalErrorName(all[i]), DecimalErrorName(all[j]));
  }
}

TEST(Decimal, ErrorStatusNamesFieldInputAndReason) {
  const Status s = DecimalErrorStatus(DE::kInvalidCharacter, "price", "1.2x");
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message(), "price \"1.2x\": invalid character");

  const Status o = DecimalErrorStatus(DE::kOverflow, "qty", "99999999999");
  EXPECT_EQ(o.code(), StatusCode::kOutOfRange);
  EXPECT_NE(o.message().find("qty \"99999999999\""), std::string::npos);

  // A pathological input is cut to 64 characters.
  const std::string long_input(1000, '7');
  const Status l = DecimalErrorStatus(DE::kOverflow, "price", long_input);
  EXPECT_NE(l.message().find(std::string(64, '7') + "...\""), std::string::npos);
  EXPECT_EQ(l.message().find(std::string(65, '7')), std::string::npos);
  EXPECT_LT(l.message().size(), 200u);
}

// ---------------------------------------------------------------------------
// Formatting.

Price P(std::int64_t raw) { return Price::FromRaw(raw); }

TEST(Decimal, ToStringIsMinimalAndExact) {
  EXPECT_EQ(P(63'943'900'000'000).ToString(), "63943.9");
  EXPECT_EQ(P(-63'943'900'000'000).ToString(), "-63943.9");
  EXPECT_EQ(P(0).ToString(), "0");
  EXPECT_EQ(Price().ToString(), "0");
  EXPECT_EQ(P(1).ToString(), "0.000000001");
  EXPECT_EQ(P(-1).ToString(), "-0.000000001");
  EXPECT_EQ(P(1'000'000).ToString(), "0.001");
  EXPECT_EQ(P(100'000'001).ToString(), "0.100000001");
  EXPECT_EQ(P(1'500'000'000).ToString(), "1.5");
  EXPECT_EQ(P(2 * kS).ToString(), "2");
  EXPECT_EQ(P(1000 * kS).ToString(), "1000");
  EXPECT_EQ(P(1000 * kS + 10).ToString(), "1000.00000001");
  EXPECT_EQ(Price::Max().ToString(), "9223372036.854775806");
  EXPECT_EQ(P(-(kInt64Max - 1)).ToString(), "-9223372036.854775806");
  EXPECT_EQ(P(kInt64Min).ToString(), "-9223372036.854775808");
  EXPECT_EQ(Qty::FromRaw(46'371'000'000).ToString(), "46.371");
}

struct FixedCase {
  std::int64_t raw;
  int decimals;
  const char* want;
};

TEST(Decimal, ToStringWithDecimalsPadsAndRoundsHalfAwayFromZero) {
  const FixedCase cases[] = {
      {63'943'900'000'000, 2, "63943.90"},
      {63'943'900'000'000, 1, "63943.9"},
      {63'943'900'000'000, 0, "63944"},
      {63'943'900'000'000, 9, "63943.900000000"},
      {0, 0, "0"},
      {0, 3, "0.000"},
      {0, 9, "0.000000000"},
      {1'005'000'000, 2, "1.01"},    // exact half rounds away from zero
      {1'004'999'999, 2, "1.00"},    // just below half
      {1'015'000'000, 2, "1.02"},    // not banker's rounding
      {1'025'000'000, 2, "1.03"},    // not banker's rounding
      {-1'005'000'000, 2, "-1.01"},  // away from zero for negatives
      {-1'004'999'999, 2, "-1.00"},
      {500'000'000, 0, "1"},
      {-500'000'000, 0, "-1"},
      {499'999'999, 0, "0"},
      {-499'999'999, 0, "0"},   // no "-0"
      {-4'000'000, 2, "0.00"},  // no "-0.00"
      {-5'000'000, 2, "-0.01"},
      {-1, 8, "0.00000000"},  // no "-0.00000000"
      {-1, 9, "-0.000000001"},
      {-5, 8, "-0.00000001"},
      {9'999'000'000, 2, "10.00"},  // carry into the integer part
      {999'999'999, 8, "1.00000000"},
      {999'999'999, 9, "0.999999999"},
      {1'500'000'000, 9, "1.500000000"},
      {kInt64Max - 1, 9, "9223372036.854775806"},
      {kInt64Max - 1, 0, "9223372037"},
      {kInt64Min, 9, "-9223372036.854775808"},
      {kInt64Min, 0, "-9223372037"},
      {kInt64Min, 3, "-9223372036.855"},
  };
  for (const FixedCase& c : cases) {
    EXPECT_EQ(P(c.raw).ToString(c.decimals), c.want) << "raw " << c.raw << " decimals " << c.decimals;
  }
}

TEST(Decimal, FormatWritesSameAsToStringWithoutOverrun) {
  for (const std::int64_t raw : {std::int64_t{0}, std::int64_t{63'943'900'000'000}, std::int64_t{-1}, kInt64Min,
                                 kInt64Max - 1, std::int64_t{-1'005'000'000}}) {
    for (int d = 0; d <= 9; ++d) {
      char buf[decimal_detail::kMaxFormattedLength + 8];
      std::memset(buf, '#', sizeof(buf));
      const std::size_t n = P(raw).Format(buf, d);
      ASSERT_LE(n, decimal_detail::kMaxFormattedLength);
      EXPECT_EQ(std::string(buf, n), P(raw).ToString(d));
      for (std::size_t i = n; i < sizeof(buf); ++i) ASSERT_EQ(buf[i], '#') << "byte " << i << " written";
    }
  }
}

// ---------------------------------------------------------------------------
// Arithmetic.

Price Px(std::string_view s) {
  auto r = Price::Parse(s);
  EXPECT_TRUE(r.ok()) << s;
  return r.value_or(Price());
}
Qty Qx(std::string_view s) {
  auto r = Qty::Parse(s);
  EXPECT_TRUE(r.ok()) << s;
  return r.value_or(Qty());
}
Notional Nx(std::string_view s) {
  auto r = Notional::Parse(s);
  EXPECT_TRUE(r.ok()) << s;
  return r.value_or(Notional());
}
Rate Rx(std::string_view s) {
  auto r = Rate::Parse(s);
  EXPECT_TRUE(r.ok()) << s;
  return r.value_or(Rate());
}

TEST(Decimal, NamedConstants) {
  EXPECT_EQ(Price().raw(), 0);
  EXPECT_EQ(Price::Zero(), Price());
  EXPECT_TRUE(Price::Zero().IsZero());
  EXPECT_EQ(Price::FromInt(3).raw(), 3 * kS);
  EXPECT_EQ(Price::FromInt(-3).raw(), -3 * kS);
  EXPECT_EQ(Price::FromRaw(7).raw(), 7);
  EXPECT_FALSE(Price::Undefined().IsDefined());
  EXPECT_EQ(Price::Undefined().raw(), kInt64Max);
  EXPECT_TRUE(Price::Max().IsDefined());
  EXPECT_EQ(Price::Max().raw(), kInt64Max - 1);
  EXPECT_TRUE(Price().IsDefined());
  EXPECT_TRUE(Px("1").IsPositive());
  EXPECT_FALSE(Px("0").IsPositive());
  EXPECT_TRUE(Px("-1").IsNegative());
  EXPECT_FALSE(Px("0").IsNegative());
}

TEST(Decimal, AddSubtractMultiplyByInteger) {
  const Price a = Px("100.25");
  const Price b = Px("0.75");
  EXPECT_EQ(a + b, Px("101"));
  EXPECT_EQ(a - b, Px("99.5"));
  EXPECT_EQ(b - a, Px("-99.5"));
  EXPECT_EQ(a * 3, Px("300.75"));
  EXPECT_EQ(a * -2, Px("-200.5"));
  EXPECT_EQ(a * 0, Price::Zero());
  EXPECT_EQ(-a, Px("-100.25"));
  EXPECT_EQ(-(-a), a);
  Price c = a;
  c += b;
  EXPECT_EQ(c, Px("101"));
  c -= Px("1.000000001");
  EXPECT_EQ(c, Px("99.999999999"));
  // Sums of many small steps stay exact (where a double would drift).
  Price sum;
  for (int i = 0; i < 1000; ++i) sum += Px("0.1");
  EXPECT_EQ(sum, Px("100"));
  Qty q = Qx("0.001") * 1000;
  EXPECT_EQ(q, Qx("1"));
}

// Scaling by an integer must not accept a double: `qty * 0.5` would convert
// 0.5 to the integer 0 without a word (and `price * 1.5` to `price * 1`).
TEST(Decimal, MultiplyByIntegerRejectsFloatingPoint) {
  EXPECT_FALSE((Multipliable<Price, double>)) << "Price * double compiles and truncates the double to an integer";
  EXPECT_FALSE((Multipliable<Qty, double>)) << "Qty * double compiles and truncates the double to an integer";
  EXPECT_FALSE((Multipliable<Notional, float>)) << "Notional * float compiles and truncates to an integer";
}

TEST(Decimal, Comparison) {
  EXPECT_LT(Px("63943.9"), Px("63944"));
  EXPECT_GT(Px("63944"), Px("63943.9"));
  EXPECT_LE(Px("1.0"), Px("1"));
  EXPECT_GE(Px("1.0"), Px("1"));
  EXPECT_EQ(Px("1.0"), Px("1.000000000"));
  EXPECT_NE(Px("1"), Px("1.000000001"));
  EXPECT_LT(Px("-2"), Px("-1"));
  EXPECT_LT(Px("-0.000000001"), Px("0"));
  EXPECT_TRUE((Px("1") <=> Px("2")) < 0);
  EXPECT_TRUE((Px("2") <=> Px("2")) == 0);
}

TEST(Decimal, PriceTimesQtyIsExactNotional) {
  EXPECT_EQ((Px("63943.90") * Qx("0.123")).raw(), 7'865'099'700'000);  // 7865.0997
  EXPECT_EQ(Px("63943.90") * Qx("0.123"), Nx("7865.0997"));
  EXPECT_EQ(Qx("0.123") * Px("63943.90"), Nx("7865.0997"));
  EXPECT_EQ(Px("63943.90") * Qx("569.567"), Nx("36420335.2913"));
  EXPECT_EQ(Px("-12.5") * Qx("4"), Nx("-50"));
  EXPECT_EQ(Px("0") * Qx("569.567"), Nx("0"));
  EXPECT_EQ(Px("1000.00") * Qx("0.001"), Nx("1"));
}

TEST(Decimal, PriceTimesQtyRoundsHalfAwayFromZero) {
  // 0.123456789 * 0.987654321 = 0.121932631|112635269: rounds down.
  EXPECT_EQ((Px("0.123456789") * Qx("0.987654321")).raw(), 121'932'631);
  // 1.000000001^2 = 1.000000002|000000001: rounds down.
  EXPECT_EQ((Px("1.000000001") * Qx("1.000000001")).raw(), 1'000'000'002);
  // Exactly half a unit rounds away from zero, both signs.
  EXPECT_EQ((Px("0.000000001") * Qx("0.5")).raw(), 1);
  EXPECT_EQ((Px("-0.000000001") * Qx("0.5")).raw(), -1);
  EXPECT_EQ((Px("0.000000003") * Qx("0.5")).raw(), 2);    // 1.5 -> 2
  EXPECT_EQ((Px("-0.000000003") * Qx("0.5")).raw(), -2);  // -1.5 -> -2
  EXPECT_EQ((Px("-2.5") * Qx("0.000000001")).raw(), -3);  // -2.5 -> -3
  // Just below half rounds toward zero.
  EXPECT_EQ((Px("0.000000001") * Qx("0.499999999")).raw(), 0);
  EXPECT_EQ((Px("-0.000000001") * Qx("0.499999999")).raw(), 0);
  // Just above half rounds away.
  EXPECT_EQ((Px("0.000000001") * Qx("0.500000001")).raw(), 1);
}

TEST(Decimal, NotionalTimesRate) {
  EXPECT_EQ(Nx("10000") * Rx("0.0002"), Nx("2"));
  EXPECT_EQ(Nx("7865.0997") * Rx("0.0005"), Nx("3.93254985"));
  EXPECT_EQ(Nx("1") * Rx("-0.0001"), Nx("-0.0001"));  // maker rebate
  EXPECT_EQ(Nx("-100") * Rx("0.0004"), Nx("-0.04"));
  EXPECT_EQ((Nx("0.000000001") * Rx("0.5")).raw(), 1);
  EXPECT_EQ((Nx("-0.000000001") * Rx("0.5")).raw(), -1);
  EXPECT_EQ((Nx("0.000000001") * Rx("0.4")).raw(), 0);
}

TEST(Decimal, CheckedNotional) {
  const auto ok = CheckedNotional(Px("63943.9"), Qx("100"));
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(*ok, Nx("6394390"));
  const auto big = CheckedNotional(Px("100000"), Qx("100000"));  // 1e10 > 9.2e9
  ASSERT_FALSE(big.ok());
  EXPECT_EQ(big.error(), DE::kOverflow);
  const auto neg = CheckedNotional(Px("-100000"), Qx("100000"));
  ASSERT_FALSE(neg.ok());
  EXPECT_EQ(neg.error(), DE::kOverflow);
  const auto edge = CheckedNotional(Price::Max(), Qx("1"));
  ASSERT_TRUE(edge.ok());
  EXPECT_EQ(edge->raw(), kInt64Max - 1);
}

// A checked product must never produce the Undefined sentinel from two
// defined, in-range operands: INT64_MAX units is outside the range, as Parse
// and DivideToPrice treat it.
TEST(Decimal, CheckedNotionalNeverReturnsUndefined) {
  // 1317624576.693539401 * 7 = 9223372036.854775807 = INT64_MAX units exactly.
  const Price p = Price::FromRaw(kInt64Max / 7);
  ASSERT_EQ(kInt64Max % 7, 0);
  const auto r = CheckedNotional(p, Qx("7"));
  EXPECT_FALSE(r.ok() && !r->IsDefined()) << "CheckedNotional returned Notional::Undefined() as a value";
  if (!r.ok()) {
    EXPECT_EQ(r.error(), DE::kOverflow);
  }
}

TEST(Decimal, DivideToPrice) {
  const auto avg = DivideToPrice(Nx("7865.0997"), Qx("0.123"));
  ASSERT_TRUE(avg.ok());
  EXPECT_EQ(*avg, Px("63943.9"));
  EXPECT_EQ(DivideToPrice(Nx("1"), Qx("3")).value(), Px("0.333333333"));
  EXPECT_EQ(DivideToPrice(Nx("2"), Qx("3")).value(), Px("0.666666667"));    // rounds up
  EXPECT_EQ(DivideToPrice(Nx("-2"), Qx("3")).value(), Px("-0.666666667"));  // away from zero
  EXPECT_EQ(DivideToPrice(Nx("-1"), Qx("3")).value(), Px("-0.333333333"));
  // Exactly half a unit rounds away from zero: 0.000000001 / 2 = 0.0000000005.
  EXPECT_EQ(DivideToPrice(Nx("0.000000001"), Qx("2")).value().raw(), 1);
  EXPECT_EQ(DivideToPrice(Nx("-0.000000001"), Qx("2")).value().raw(), -1);
  // Average fill price of two fills: (63943.9 * 0.1 + 63944.0 * 0.3) / 0.4.
  const Notional total = Px("63943.9") * Qx("0.1") + Px("63944.0") * Qx("0.3");
  EXPECT_EQ(DivideToPrice(total, Qx("0.4")).value(), Px("63943.975"));

  const auto by_zero = DivideToPrice(Nx("1"), Qty::Zero());
  ASSERT_FALSE(by_zero.ok());
  EXPECT_EQ(by_zero.error(), DE::kOverflow);
  const auto too_big = DivideToPrice(Nx("1000000000"), Qx("0.000000001"));
  ASSERT_FALSE(too_big.ok());
  EXPECT_EQ(too_big.error(), DE::kOverflow);
}

TEST(Decimal, CheckedAddSubMul) {
  EXPECT_EQ(Price::CheckedAdd(Px("1.5"), Px("2.25")).value(), Px("3.75"));
  EXPECT_EQ(Price::CheckedSub(Px("1.5"), Px("2.25")).value(), Px("-0.75"));
  EXPECT_EQ(Price::CheckedMul(Px("1.5"), 4).value(), Px("6"));
  EXPECT_EQ(Price::CheckedAdd(Price::Max(), Px("-1")).value(), P(kInt64Max - 1 - kS));

  const auto add = Price::CheckedAdd(Price::Max(), Price::Max());
  ASSERT_FALSE(add.ok());
  EXPECT_EQ(add.error(), DE::kOverflow);
  const auto sub = Price::CheckedSub(P(-(kInt64Max - 1)), Price::Max());
  ASSERT_FALSE(sub.ok());
  EXPECT_EQ(sub.error(), DE::kOverflow);
  const auto mul = Price::CheckedMul(Px("5000000000"), 2);
  ASSERT_FALSE(mul.ok());
  EXPECT_EQ(mul.error(), DE::kOverflow);
  const auto mul_neg = Price::CheckedMul(Px("5000000000"), -2);
  ASSERT_FALSE(mul_neg.ok());
  EXPECT_EQ(mul_neg.error(), DE::kOverflow);
}

// Like CheckedNotional: checked arithmetic on defined values must not land on
// the Undefined sentinel (INT64_MAX) or on INT64_MIN (outside the symmetric
// range; negating it aborts).
TEST(Decimal, CheckedArithmeticNeverReturnsUndefinedOrInt64Min) {
  const auto add = Price::CheckedAdd(Price::Max(), P(1));
  EXPECT_FALSE(add.ok() && !add->IsDefined()) << "CheckedAdd(Max, 1 unit) returned Price::Undefined() as a value";
  const auto sub = Price::CheckedSub(P(-(kInt64Max - 1)), P(2));
  EXPECT_FALSE(sub.ok() && sub->raw() == kInt64Min) << "CheckedSub returned INT64_MIN units as a value";
  const auto mul = Price::CheckedMul(P(kInt64Max / 7), 7);
  EXPECT_FALSE(mul.ok() && !mul->IsDefined()) << "CheckedMul returned Price::Undefined() as a value";
}

TEST(Decimal, FloorCeilAndMultipleOfTickSize) {
  const Price tick = Px("0.1");
  EXPECT_EQ(Px("63943.97").FloorTo(tick), Px("63943.9"));
  EXPECT_EQ(Px("63943.97").CeilTo(tick), Px("63944.0"));
  EXPECT_EQ(Px("63943.9").FloorTo(tick), Px("63943.9"));  // already on a tick
  EXPECT_EQ(Px("63943.9").CeilTo(tick), Px("63943.9"));
  EXPECT_EQ(Px("0").FloorTo(tick), Px("0"));
  EXPECT_EQ(Px("0.000000001").CeilTo(tick), Px("0.1"));
  EXPECT_EQ(Px("0.099999999").FloorTo(tick), Px("0"));
  // Negative prices: Floor goes down and Ceil goes up (toward -inf / +inf),
  // as the names say, so that FloorTo(x) <= x <= CeilTo(x) always.
  EXPECT_EQ(Px("-1.05").FloorTo(tick), Px("-1.1"));
  EXPECT_EQ(Px("-1.05").CeilTo(tick), Px("-1.0"));
  EXPECT_EQ(Px("-1.1").FloorTo(tick), Px("-1.1"));
  // Lot sizes.
  const Qty lot = Qx("0.001");
  EXPECT_EQ(Qx("0.0125").FloorTo(lot), Qx("0.012"));
  EXPECT_EQ(Qx("0.0125").CeilTo(lot), Qx("0.013"));

  EXPECT_TRUE(Px("63943.9").IsMultipleOf(tick));
  EXPECT_FALSE(Px("63943.95").IsMultipleOf(tick));
  EXPECT_TRUE(Px("0").IsMultipleOf(tick));
  EXPECT_TRUE(Px("-0.2").IsMultipleOf(tick));
  EXPECT_FALSE(Px("1").IsMultipleOf(Price::Zero()));  // no division by zero
  EXPECT_FALSE(Px("1").IsMultipleOf(Px("-0.1")));     // a step must be positive
  EXPECT_TRUE(Qx("46.371").IsMultipleOf(lot));
  EXPECT_FALSE(Qx("46.3715").IsMultipleOf(lot));

  // FloorTo(x) <= x <= CeilTo(x), both on the grid, at most one step apart.
  const Price steps[] = {Px("0.1"), Px("0.01"), Px("0.5"), Px("7"), Px("0.000000003")};
  for (const Price step : steps) {
    for (std::int64_t raw = -3'000'000'007; raw <= 3'000'000'007; raw += 99'999'989) {
      const Price x = P(raw);
      const Price lo = x.FloorTo(step);
      const Price hi = x.CeilTo(step);
      EXPECT_LE(lo, x);
      EXPECT_GE(hi, x);
      EXPECT_TRUE(lo.IsMultipleOf(step)) << lo.ToString();
      EXPECT_TRUE(hi.IsMultipleOf(step)) << hi.ToString();
      EXPECT_LE((hi - lo).raw(), step.raw());
      EXPECT_EQ(lo == hi, x.IsMultipleOf(step)) << x.ToString();
    }
  }
}

TEST(Decimal, FromDouble) {
  EXPECT_EQ(Price::FromDouble(0.1).value().raw(), 100'000'000);
  EXPECT_EQ(Price::FromDouble(63943.9).value(), Px("63943.9"));
  EXPECT_EQ(Price::FromDouble(-1.5).value(), Px("-1.5"));
  EXPECT_EQ(Price::FromDouble(0.0).value(), Price::Zero());
  EXPECT_EQ(Price::FromDouble(1e-10).value(), Price::Zero());  // rounds to nearest 1e-9
  EXPECT_EQ(Price::FromDouble(1.4e-9).value().raw(), 1);
  EXPECT_EQ(Price::FromDouble(1.6e-9).value().raw(), 2);
  EXPECT_EQ(Price::FromDouble(9.1e9).value(), Px("9100000000"));
  // FromDouble does not check the sign: Qty::FromDouble is for analytics.
  EXPECT_TRUE(Notional::FromDouble(-12.25).ok());

  for (const double bad :
       {std::nan(""), std::numeric_limits<double>::infinity(), -std::numeric_limits<double>::infinity()}) {
    const auto r = Price::FromDouble(bad);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error(), DE::kNotFinite);
  }
  for (const double huge : {1e10, -1e10, 9.3e9, 1e300, -1e300}) {
    const auto r = Price::FromDouble(huge);
    ASSERT_FALSE(r.ok()) << huge;
    EXPECT_EQ(r.error(), DE::kOverflow) << huge;
  }
}

TEST(Decimal, ToDouble) {
  EXPECT_DOUBLE_EQ(Px("63943.9").ToDouble(), 63943.9);
  EXPECT_DOUBLE_EQ(Px("-0.001").ToDouble(), -0.001);
  EXPECT_DOUBLE_EQ(Px("0").ToDouble(), 0.0);
  EXPECT_DOUBLE_EQ(Qx("46.371").ToDouble(), 46.371);
  // Round trip through double for values with few significant digits.
  for (const char* s : {"63943.9", "0.001", "1234.5678", "-17.25"}) {
    EXPECT_EQ(Price::FromDouble(Px(s).ToDouble()).value(), Px(s)) << s;
  }
}

// ---------------------------------------------------------------------------
// Unchecked overflow: aborts in debug builds, wraps in release.

#if HEAN_DEBUG_CHECKS
TEST(DecimalDeathTest, UncheckedAdditionOverflowAborts) {
  EXPECT_DEATH(
      {
        const Price x = Price::Max() + Price::Max();
        std::printf("%lld\n", static_cast<long long>(x.raw()));
      },
      "FixedPoint addition overflow");
}

TEST(DecimalDeathTest, UncheckedSubtractionOverflowAborts) {
  EXPECT_DEATH(
      {
        const Price x = P(-(kInt64Max - 1)) - Price::Max();
        std::printf("%lld\n", static_cast<long long>(x.raw()));
      },
      "FixedPoint subtraction overflow");
}

TEST(DecimalDeathTest, UncheckedMultiplicationOverflowAborts) {
  EXPECT_DEATH(
      {
        const Price x = Price::FromInt(5'000'000'000) * 2;
        std::printf("%lld\n", static_cast<long long>(x.raw()));
      },
      "FixedPoint multiplication overflow");
}

TEST(DecimalDeathTest, PriceTimesQtyOverflowAborts) {
  EXPECT_DEATH(
      {
        const Notional n = Price::FromInt(100'000) * Qty::FromInt(100'000);
        std::printf("%lld\n", static_cast<long long>(n.raw()));
      },
      "Price \\* Qty overflow");
}

TEST(DecimalDeathTest, FromIntOverflowAborts) {
  EXPECT_DEATH(
      {
        const Price x = Price::FromInt(10'000'000'000);
        std::printf("%lld\n", static_cast<long long>(x.raw()));
      },
      "FromInt overflow");
}
#else
TEST(Decimal, UncheckedAdditionWrapsInRelease) {
  // Documented release behaviour: no check, two's-complement wrap.
  EXPECT_EQ((Price::Max() + P(2)).raw(), kInt64Min);
}
#endif

}  // namespace
}  // namespace hean
