// Unit tests for json_scan.h's Scanner, the strict fast path of the exchange
// parsers. Every case runs in three layouts (see Outcomes): an exactly sized
// heap copy (the byte-by-byte paths; ASan catches any read past the end), a
// view whose following bytes are readable junk that must not change the
// result, and the text followed by whitespace (so that the read-ahead SWAR /
// SSE paths run). Decimals must equal decimal_detail::ParseFixed exactly.
#include "hean/data/json_scan.h"

#include <gtest/gtest.h>

#include <charconv>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <memory>
#include <random>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "hean/core/decimal.h"
#include "hean/model/events.h"

namespace hean {
namespace {

using json_scan::Scanner;

// Bytes right after the end of the text in the second layout: digits, points,
// quotes, brackets and a literal's tail, which would change a result if the
// scanner let them in.
constexpr std::string_view kJunk = "1234567.89\"]],[\"0.5\",\"7\"]]}0123456789\"e5,truex}";

std::string Printable(std::string_view s) {
  std::string out;
  for (const char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if (c >= 0x20 && c < 0x7f && c != '\\') {
      out += ch;
    } else {
      char buf[8];
      std::snprintf(buf, sizeof(buf), "\\x%02x", c);
      out += buf;
    }
  }
  return out;
}

const char* const kLayouts[] = {"exact-size buffer", "junk after the end", "64 spaces after"};

// What `read` reports for `text` in each of the three layouts.
template <class Read>
std::vector<std::string> Outcomes(std::string_view text, Read&& read) {
  std::vector<std::string> out;
  {
    auto buf = std::make_unique<char[]>(text.size());
    if (!text.empty()) std::memcpy(buf.get(), text.data(), text.size());
    Scanner sc(std::string_view(buf.get(), text.size()));
    out.push_back(read(sc));
  }
  {
    std::string buf(text);
    while (buf.size() < text.size() + 64) buf += kJunk;
    Scanner sc(std::string_view(buf.data(), text.size()));
    out.push_back(read(sc));
  }
  {
    const std::string buf = std::string(text) + std::string(64, ' ');
    Scanner sc(buf);
    out.push_back(read(sc));
  }
  return out;
}

// Checks that `read` reports `expected` in every layout; false if not.
template <class Read>
bool ExpectOutcome(std::string_view text, std::string_view expected, Read&& read) {
  const auto got = Outcomes(text, read);
  bool same = true;
  for (std::size_t i = 0; i < got.size(); ++i) {
    if (got[i] == expected) continue;
    same = false;
    ADD_FAILURE() << "text: " << Printable(text) << " (" << kLayouts[i] << ")\n  got:      " << Printable(got[i])
                  << "\n  expected: " << Printable(expected);
  }
  return same;
}

// Outcome strings: "reject", or "ok <value>" with " +more" when anything but
// whitespace follows what was read.
std::string Rest(Scanner& sc) { return sc.AtEnd() ? "" : " +more"; }

std::string ReadString(Scanner& sc) {
  std::string_view v;
  if (!sc.String(&v)) return "reject";
  return "ok " + std::string(v) + Rest(sc);
}
std::string ReadKey(Scanner& sc) {
  std::string_view v;
  if (!sc.Key(&v)) return "reject";
  return "ok " + std::string(v) + Rest(sc);
}
std::string ReadU64(Scanner& sc) {
  std::uint64_t v = 42;
  if (!sc.U64(&v)) return "reject";
  return "ok " + std::to_string(v) + Rest(sc);
}
std::string ReadBool(Scanner& sc) {
  bool v = false;
  if (!sc.Bool(&v)) return "reject";
  return std::string(v ? "ok true" : "ok false") + Rest(sc);
}
std::string ReadPrice(Scanner& sc) {
  Price v = Price::FromRaw(42);
  if (!sc.QuotedPrice(&v)) return "reject";
  return "ok " + std::to_string(v.raw()) + Rest(sc);
}
std::string ReadQty(Scanner& sc) {
  Qty v = Qty::FromRaw(42);
  if (!sc.QuotedQty(&v)) return "reject";
  return "ok " + std::to_string(v.raw()) + Rest(sc);
}
std::string ReadLevels(Scanner& sc) {
  std::vector<BookLevel> v(3, BookLevel{Price::FromRaw(1), Qty::FromRaw(1)});  // must be cleared
  if (!sc.Levels(v)) return "reject";
  std::string out = "ok";
  for (const auto& l : v) out += " " + std::to_string(l.price.raw()) + "/" + std::to_string(l.qty.raw());
  return out + Rest(sc);
}
std::string Skip(Scanner& sc) { return sc.SkipValue() ? "ok" + Rest(sc) : "reject"; }

std::string Quote(std::string_view s) { return "\"" + std::string(s) + "\""; }

// The reference: ParseFixed on the text between the quotes.
std::string FixedExpect(std::string_view content, bool allow_negative) {
  const auto r = decimal_detail::ParseFixed(content, allow_negative);
  return r.ok() ? "ok " + std::to_string(*r) : "reject";
}

using Level = std::pair<std::string, std::string>;

std::string LevelsText(const std::vector<Level>& levels) {
  std::string s = "[";
  for (std::size_t i = 0; i < levels.size(); ++i) {
    if (i > 0) s += ",";
    s += "[" + Quote(levels[i].first) + "," + Quote(levels[i].second) + "]";
  }
  return s + "]";
}
// The reference: Price::Parse / Qty::Parse of each level's strings.
std::string LevelsExpect(const std::vector<Level>& levels) {
  std::string out = "ok";
  for (const auto& [p, q] : levels) {
    const auto price = Price::Parse(p);
    const auto qty = Qty::Parse(q);
    if (!price.ok() || !qty.ok()) return "reject";
    out += " " + std::to_string(price->raw()) + "/" + std::to_string(qty->raw());
  }
  return out;
}

// 1-10 integer digits, 0-10 fraction digits (sometimes a bare point), zeros
// favoured so that trailing zeros, leading zeros and small values occur.
std::string RandomDecimal(std::mt19937_64& rng) {
  auto digit = [&] { return rng() % 3 == 0 ? '0' : static_cast<char>('0' + rng() % 10); };
  std::string s;
  const int ni = 1 + static_cast<int>(rng() % 10);
  const int nf = static_cast<int>(rng() % 11);
  for (int i = 0; i < ni; ++i) s += digit();
  if (nf > 0 || rng() % 16 == 0) s += '.';
  for (int i = 0; i < nf; ++i) s += digit();
  return s;
}

TEST(JsonScan, TakeAndAtEnd) {
  Scanner sc(" \t\r\n{ \"a\" }  ");
  EXPECT_FALSE(sc.AtEnd());
  EXPECT_FALSE(sc.Take('['));  // a failed Take consumes nothing either
  EXPECT_TRUE(sc.Take('{'));
  std::string_view s;
  EXPECT_TRUE(sc.String(&s));
  EXPECT_EQ(s, "a");
  EXPECT_FALSE(sc.Take(','));
  EXPECT_TRUE(sc.Take('}'));
  EXPECT_TRUE(sc.AtEnd());
  EXPECT_FALSE(sc.Take('}'));

  EXPECT_TRUE(Scanner("").AtEnd());
  EXPECT_TRUE(Scanner(" \t\r\n").AtEnd());
  EXPECT_FALSE(Scanner("").Take('x'));
  // Form feed and vertical tab are not JSON whitespace.
  EXPECT_FALSE(Scanner("\f").AtEnd());
  EXPECT_FALSE(Scanner("\v{").Take('{'));
  EXPECT_FALSE(Scanner(std::string_view("\0{", 2)).Take('{'));
}

TEST(JsonScan, StringPlainEmptyAndFollowed) {
  ExpectOutcome(R"("BTCUSDT")", "ok BTCUSDT", ReadString);
  ExpectOutcome(R"("")", "ok ", ReadString);
  ExpectOutcome(R"(  "orderbook.50.BTCUSDT"  )", "ok orderbook.50.BTCUSDT", ReadString);
  ExpectOutcome(R"("a b/c:{}[],'")", "ok a b/c:{}[],'", ReadString);
  ExpectOutcome(R"("ab","cd")", "ok ab +more", ReadString);
  ExpectOutcome("\"\x7f~ \"", "ok \x7f~ ", ReadString);  // DEL, '~' and space are plain characters

  Scanner sc(R"("first_string_longer_than_16","x")");
  std::string_view a, b;
  ASSERT_TRUE(sc.String(&a));
  ASSERT_TRUE(sc.Take(','));
  ASSERT_TRUE(sc.String(&b));
  EXPECT_EQ(a, "first_string_longer_than_16");
  EXPECT_EQ(b, "x");
  EXPECT_TRUE(sc.AtEnd());
}

TEST(JsonScan, StringClosingQuoteAtEveryPosition) {
  for (int n = 0; n <= 40; ++n) {
    std::string content;
    for (int i = 0; i < n; ++i) content += static_cast<char>(i % 3 == 0 ? ' ' + i : 'a' + i % 26);
    ExpectOutcome(Quote(content), "ok " + content, ReadString);
    ExpectOutcome(Quote(content) + ",\"next\"", "ok " + content + " +more", ReadString);
  }
}

TEST(JsonScan, StringRejectsEscapesAtEveryPosition) {
  for (const std::string esc : {"\\\"", "\\\\", "\\n", "\\u0041", "\\/"}) {
    for (int at = 0; at <= 20; ++at) {
      const std::string content = std::string(static_cast<std::size_t>(at), 'x') + esc + "yyyyyyyyyy";
      ExpectOutcome(Quote(content), "reject", ReadString);
    }
  }
  ExpectOutcome(R"("abc\")", "reject", ReadString);  // the string `abc\`
  ExpectOutcome(R"("abcdefghijklmn\")", "reject", ReadString);
}

TEST(JsonScan, StringRejectsControlCharactersAtEveryPosition) {
  for (const char c : {'\0', '\x01', '\t', '\n', '\r', '\x1f'}) {
    for (int at = 0; at <= 20; ++at) {
      std::string content(24, 'z');
      content[static_cast<std::size_t>(at)] = c;
      ExpectOutcome(Quote(content), "reject", ReadString);
    }
  }
}

TEST(JsonScan, StringRejectsUnterminatedOrUnopened) {
  for (const std::string_view text :
       {"", "\"", "\"abc", "\"abcdefghijklmnopqrstuvwxyz0123456789", "abc\"", "'abc'", "\"abc\\\"", "x\"\""}) {
    ExpectOutcome(text, "reject", ReadString);
  }
}

// simdjson refuses a document that is not valid UTF-8, so the scanner hands
// over every string with a byte >= 0x80, valid UTF-8 or not, wherever it is.
TEST(JsonScan, StringHandsOverNonAsciiAtEveryPosition) {
  for (const std::string_view bytes :
       {"\xc3\xa9", "\xe2\x82\xac", "\xf0\x9f\x98\x80", "\xff", "\x80", "\xc3", "\xc0\xaf", "\xed\xa0\x80"}) {
    for (int at = 0; at <= 20; ++at) {
      const std::string content = std::string(static_cast<std::size_t>(at), 'x') + std::string(bytes) + "yyyyyyyyyy";
      ExpectOutcome(Quote(content), "reject", ReadString);
      ExpectOutcome("[1," + Quote(content) + "]", "reject", Skip);
    }
  }
  ExpectOutcome("{\"s\":\"BTC\xff\"}", "reject", Skip);
}

TEST(JsonScan, KeyAllowsWhitespaceAroundColon) {
  ExpectOutcome(R"("k":)", "ok k", ReadKey);
  ExpectOutcome(R"( "topic" : )", "ok topic", ReadKey);
  ExpectOutcome("\"k\"\n\t:\r 1", "ok k +more", ReadKey);
  ExpectOutcome(R"("":)", "ok ", ReadKey);
  for (const std::string_view text : {R"("k")", R"("k";)", R"("k",)", "k:", R"("k)", R"(:"k")", R"("k\"":)"}) {
    ExpectOutcome(text, "reject", ReadKey);
  }
}

TEST(JsonScan, U64Values) {
  const std::pair<std::string_view, std::string_view> cases[] = {
      {"0", "ok 0"},
      {"1", "ok 1"},
      {"7", "ok 7"},
      {" 42", "ok 42"},
      {"1700000000000", "ok 1700000000000"},              // 13-digit ms timestamp
      {"1234567890123456", "ok 1234567890123456"},        // 16 digits: both SWAR steps
      {"12345678901234567", "ok 12345678901234567"},      // 17
      {"9999999999999999999", "ok 9999999999999999999"},  // 19 digits, all nines
      {"1000000000000000000", "ok 1000000000000000000"},  // 19 digits, smallest
      {"123,", "ok 123 +more"},
      {"123}", "ok 123 +more"},
      {"123]", "ok 123 +more"},
      {"0,", "ok 0 +more"},
      {"0]", "ok 0 +more"},
      {"1700000000000,\"u\":1", "ok 1700000000000 +more"}};
  for (const auto& [text, expected] : cases) ExpectOutcome(text, expected, ReadU64);
  // 20 digits (may overflow: left to simdjson), leading zeros, signs,
  // fractions, exponents, no digits.
  for (const std::string_view text :
       {"10000000000000000000", "18446744073709551615", "99999999999999999999999", "01", "00", "0001700000000000", "-1",
        "-0", "+1", "1.5", "1.", "1e3", "1E3", "12345678901234.5", "1700000000000e3", "", "x", "\"1\""}) {
    ExpectOutcome(text, "reject", ReadU64);
  }
}

TEST(JsonScan, U64MatchesReferenceOnRandomDigits) {
  std::mt19937_64 rng(20240607);
  const std::string_view suffixes[] = {"", ",", "}", "]", " ", ".5", "e3", "E3", "x", "-"};
  for (int iter = 0; iter < 20000; ++iter) {
    const int n = static_cast<int>(rng() % 22);  // 0-21 digits
    std::string digits;
    for (int i = 0; i < n; ++i) digits += static_cast<char>('0' + rng() % 10);
    if (n > 1 && rng() % 2 == 0 && digits[0] == '0') digits[0] = '1';
    const std::string_view suffix = suffixes[rng() % std::size(suffixes)];
    std::string expected = "reject";
    if (n >= 1 && n <= 19 && !(n > 1 && digits[0] == '0') && suffix.find_first_of(".eE") != 0) {
      std::uint64_t v = 0;
      std::from_chars(digits.data(), digits.data() + digits.size(), v);
      expected = "ok " + std::to_string(v) + (suffix.empty() || suffix == " " ? "" : " +more");
    }
    if (!ExpectOutcome(digits + std::string(suffix), expected, ReadU64)) break;
  }
}

TEST(JsonScan, BoolAndNullLiterals) {
  const std::pair<std::string_view, std::string_view> cases[] = {
      {"true", "ok true"},          {"false", "ok false"}, {" true ", "ok true"}, {"true,", "ok true +more"},
      {"false}", "ok false +more"}, {"truex", "reject"},   {"true_", "reject"},   {"true1", "reject"},
      {"true.", "reject"},          {"falsey", "reject"},  {"tru", "reject"},     {"fals", "reject"},
      {"TRUE", "reject"},           {"null", "reject"},    {"", "reject"},        {"\"true\"", "reject"},
  };
  for (const auto& [text, expected] : cases) ExpectOutcome(text, expected, ReadBool);

  for (const std::string_view text : {"null", "true", "false", " null ", "[null,true,false]"}) {
    ExpectOutcome(text, "ok", Skip);
  }
  for (const std::string_view text : {"nul", "nulll", "null_", "null1", "null.", "NULL", "truex", "falsex", "t", "n"}) {
    ExpectOutcome(text, "reject", Skip);
  }
}

TEST(JsonScan, QuotedFixedTable) {
  struct Case {
    std::string_view text;
    bool price_ok, qty_ok;
  };
  const Case cases[] = {{"0", true, true},
                        {"1", true, true},
                        {"63943.90", true, true},
                        {"0.0001", true, true},
                        {"1234567", true, true},
                        {"12345678", true, true},
                        {"123456789", true, true},
                        {"1234567890", true, true},
                        {"1234567.1234567", true, true},
                        {"12345678.12345678", true, true},
                        {"0.123456789", true, true},
                        {"0.1234567891", false, false},  // a nonzero 10th decimal
                        {"1.5000000000", true, true},    // ... but zeros there are exact
                        {"0.0000000000000", true, true},
                        {"007", true, true},
                        {"5.", true, true},
                        {".5", true, true},
                        {"1e-3", true, true},
                        {"1.5E+2", true, true},
                        {"-1.5", true, false},  // a negative price is allowed, a negative qty not
                        {"-0.000000001", true, false},
                        {"9223372036.854775806", true, true},  // the largest value
                        {"9223372036.854775807", false, false},
                        {"99999999999", false, false},
                        {"", false, false},
                        {"1..2", false, false},
                        {" 1", false, false},
                        {"1 ", false, false},
                        {"abc", false, false},
                        {"1,5", false, false},
                        {"-", false, false},
                        {".", false, false},
                        {"1e", false, false},
                        {"0x10", false, false}};
  for (const auto& c : cases) {
    SCOPED_TRACE(std::string(c.text));
    const std::string price_expected = FixedExpect(c.text, true);
    const std::string qty_expected = FixedExpect(c.text, false);
    EXPECT_EQ(price_expected != "reject", c.price_ok);  // the table agrees with the reference
    EXPECT_EQ(qty_expected != "reject", c.qty_ok);
    ExpectOutcome(Quote(c.text), price_expected, ReadPrice);
    ExpectOutcome(Quote(c.text), qty_expected, ReadQty);
    ExpectOutcome(Quote(c.text) + ",\"1\"", c.price_ok ? price_expected + " +more" : "reject", ReadPrice);
  }
  // Exact values, independently of the reference.
  ExpectOutcome(R"("63943.90")", "ok 63943900000000", ReadPrice);
  ExpectOutcome(R"("0.0001")", "ok 100000", ReadQty);
  ExpectOutcome(R"("007")", "ok 7000000000", ReadQty);
  ExpectOutcome(R"("0.123456789")", "ok 123456789", ReadQty);
  ExpectOutcome(R"("1234567.1234567")", "ok 1234567123456700", ReadPrice);
  ExpectOutcome(R"("-1.5")", "ok -1500000000", ReadPrice);
  ExpectOutcome(R"("-1.5")", "reject", ReadQty);
}

TEST(JsonScan, QuotedFixedRejectsMalformedStrings) {
  for (const std::string_view text : {"", "\"", "\"1.5", "\"1234567.1234567", "1.5\"", "1.5", "\"1.5\\\"\"",
                                      "\"1.5\\u0030\"", "\"1\t\"", "\"1.5\n\""}) {
    ExpectOutcome(text, "reject", ReadPrice);
  }
}

TEST(JsonScan, QuotedFixedMatchesParseFixedOnRandomDecimals) {
  std::mt19937_64 rng(42);
  for (int iter = 0; iter < 20000; ++iter) {
    std::string s = RandomDecimal(rng);
    if (rng() % 8 == 0) s = "-" + s;
    if (!ExpectOutcome(Quote(s), FixedExpect(s, true), ReadPrice)) break;
    if (!ExpectOutcome(Quote(s), FixedExpect(s, false), ReadQty)) break;
  }
}

TEST(JsonScan, QuotedFixedMatchesParseFixedOnRandomCharacters) {
  std::mt19937_64 rng(7);
  const std::string_view alphabet = "0123456789012345678901234567890123456789..-+eE";
  for (int iter = 0; iter < 20000; ++iter) {
    const int n = static_cast<int>(rng() % 25);
    std::string s;
    for (int i = 0; i < n; ++i) s += alphabet[rng() % alphabet.size()];
    if (!ExpectOutcome(Quote(s), FixedExpect(s, true), ReadPrice)) break;
    if (!ExpectOutcome(Quote(s), FixedExpect(s, false), ReadQty)) break;
  }
}

TEST(JsonScan, LevelsEmptyAndOne) {
  ExpectOutcome("[]", "ok", ReadLevels);
  ExpectOutcome(" [ ] ", "ok", ReadLevels);
  ExpectOutcome(R"([["63943.90","0.001"]])", "ok 63943900000000/1000000", ReadLevels);
  ExpectOutcome(R"([["-1","2"]])", "ok -1000000000/2000000000", ReadLevels);
  ExpectOutcome(R"([["5.",".5"]])", "ok 5000000000/500000000", ReadLevels);
  ExpectOutcome(R"([["1","0"]],"u":1)", "ok 1000000000/0 +more", ReadLevels);
}

TEST(JsonScan, LevelsManyCompactAndTail) {
  std::vector<Level> levels;
  for (int i = 0; i < 60; ++i) {
    levels.emplace_back(std::to_string(63000 + 7 * i) + "." + std::to_string(i % 10),
                        i % 4 == 0 ? std::to_string(i + 1) : "0." + std::to_string(1000 + 37 * i));
  }
  const std::string text = LevelsText(levels);
  const std::string expected = LevelsExpect(levels);
  ASSERT_NE(expected, "reject");
  ExpectOutcome(text, expected, ReadLevels);
  ExpectOutcome(text + ",\"u\":123", expected + " +more", ReadLevels);
}

TEST(JsonScan, LevelsLongDecimalsFallBackFromCompactPath) {
  const std::vector<Level> levels = {
      {"12345678.5", "1"},
      {"1", "0.12345678"},
      {"1234567.1234567", "7654321.7654321"},
      {"63943.9", "0.001"},
      {"123456789.123456789", "1.5000000000"},
      {"5.", "0"},
      {"1e2", "2E-1"},
      {"1234567", "1234567"},
      {"0.0000001", "9999999.9999999"},
      {"12345678", "0.5"},
      {"7", "8"},
  };
  const std::string expected = LevelsExpect(levels);
  ASSERT_NE(expected, "reject");
  ExpectOutcome(LevelsText(levels), expected, ReadLevels);
  // Any one level going wrong fails the whole array, wherever it is.
  for (std::size_t i = 0; i < levels.size(); ++i) {
    auto bad = levels;
    bad[i].second = "0.1234567891";
    ExpectOutcome(LevelsText(bad), "reject", ReadLevels);
    bad[i].second = "-" + levels[i].second;  // "-0" is the reference's to decide
    ExpectOutcome(LevelsText(bad), LevelsExpect(bad), ReadLevels);
    bad[i] = {levels[i].first, "1"};
    bad[i].first += "x";
    ExpectOutcome(LevelsText(bad), "reject", ReadLevels);
  }
}

TEST(JsonScan, LevelsWithWhitespace) {
  const std::string expected = "ok 1000000000/2000000000 3500000000/4000000000";
  for (const std::string_view text : {R"([ ["1","2"], ["3.5","4"] ])", R"([["1", "2"],["3.5" ,"4"]])",
                                      "[\n [\"1\",\t\"2\"],\r\n [ \"3.5\" , \"4\" ]\n]", R"([["1","2"], ["3.5","4"]])",
                                      R"([[ "1","2" ],["3.5","4" ] ])"}) {
    ExpectOutcome(text, expected, ReadLevels);
  }
}

// Whitespace between a level's ']' and the ',' is JSON like any other: the
// answer must not depend on whether 48 bytes follow (compact path or not).
TEST(JsonScan, LevelsAcceptWhitespaceBeforeCommaAfterCompactLevel) {
  const std::string expected = "ok 1000000000/2000000000 3500000000/4000000000";
  for (const std::string_view text :
       {R"([["1","2"] ,["3.5","4"]])", R"([ ["1","2"] , ["3.5","4"] ])", "[[\"1\",\"2\"]\n,[\"3.5\",\"4\"]]"}) {
    ExpectOutcome(text, expected, ReadLevels);
  }
}

TEST(JsonScan, LevelsRejectWrongShapes) {
  // clang-format off
  for (const std::string_view text : {
           R"([["1","2","3"]])", R"([[1,"2"]])", R"([["1",2]])", R"([["1","-2"]])", R"([["1","2"}])",
           R"([["1","2"]})", R"({["1","2"]])", R"([{"1","2"}])", R"([["1","2"],])", R"([,["1","2"]])",
           R"([["1""2"]])", R"([["1","2"]["3","4"]])", R"([["1","2"],["3"]])", R"([[]])", R"([["1"]])",
           R"([[["1","2"]]])", R"([["1",,"2"]])", R"([["","2"]])", R"([["1",""]])", R"([["a","2"]])",
           R"([["1","2x"]])", R"([["1\",","2"]])", R"([["1","2"])", R"([["1","2"],)", R"(["1","2"])",
           R"([["1":"2"]])", R"([["1";"2"]])", R"([["1.2.3","4"]])", R"([["1,2","3"]])", R"([["1","2"],null])",
           R"([null])", R"([["1","2"],   ["3","-4"]])", "", "[", "null", "{}", R"("[]")"}) {
    // clang-format on
    ExpectOutcome(text, "reject", ReadLevels);
  }
  // A complete array followed by more text: read, and the rest left for the caller.
  ExpectOutcome(R"([["1","2"]]])", "ok 1000000000/2000000000 +more", ReadLevels);
}

TEST(JsonScan, LevelsRejectEveryTruncation) {
  for (const std::string_view text :
       {R"([["63943.90","0.001"],["63943.80","12.5"],["12345678.5","0.12345678"]])",
        R"([ ["1", "2"] , ["3","4"],["5","6"] ])", R"([["1234567.1234567","7654321.7654321"],["1","2"],["3","4"]])"}) {
    ASSERT_NE(Outcomes(text, ReadLevels)[0], "reject");
    for (std::size_t cut = 0; cut < text.size(); ++cut) ExpectOutcome(text.substr(0, cut), "reject", ReadLevels);
  }
}

TEST(JsonScan, LevelsMatchParseOnRandomArrays) {
  std::mt19937_64 rng(99);
  for (int iter = 0; iter < 3000; ++iter) {
    std::vector<Level> levels(rng() % 8);
    for (auto& [p, q] : levels) {
      p = RandomDecimal(rng);
      q = RandomDecimal(rng);
      if (rng() % 16 == 0) {
        std::string& v = rng() % 2 == 0 ? p : q;
        v = "-" + v;
      }
    }
    std::string text = LevelsText(levels);
    if (rng() % 4 == 0) {  // some whitespace before or after a random ',' or ']'
      const std::size_t at = text.find_first_of(",]", rng() % text.size());
      if (at != std::string::npos) text.insert(at + rng() % 2, rng() % 2 == 0 ? " " : "\n\t");
    }
    if (!ExpectOutcome(text, LevelsExpect(levels), ReadLevels)) break;
  }
}

TEST(JsonScan, LevelsClearsOutput) {
  std::vector<BookLevel> out(5);
  Scanner sc(R"([] [["1","2"]])");
  ASSERT_TRUE(sc.Levels(out));
  EXPECT_TRUE(out.empty());
  ASSERT_TRUE(sc.Levels(out));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0], (BookLevel{*Price::Parse("1"), *Qty::Parse("2")}));
}

TEST(JsonScan, SkipValueAcceptsJson) {
  for (const std::string_view text :
       {"{}", "[]", "{ }", "[ ]", "0", "-0", "-0.5e-3", "1E+10", "12.5E-07", "123456789012345678901234567890", "\"x\"",
        "\"\"", "true", "false", "null", R"({"a":[1,2,{"b":null}],"c":"x","d":{"e":[[],{}]},"f":-1.5})",
        R"( [ 1 , "a" , true , null , { "k" : false } ] )",
        R"({"topic":"orderbook.50.BTCUSDT","data":{"b":[["1","2"]],"u":1}})"}) {
    ExpectOutcome(text, "ok", Skip);
  }
  ExpectOutcome(R"({"a":1},2)", "ok +more", Skip);
  ExpectOutcome("[1,2]]", "ok +more", Skip);
}

TEST(JsonScan, SkipValueRejectsMalformed) {
  // clang-format off
  for (const std::string_view text : {
           "", "01", "-01", "1.", "-", "1e", "1e+", "1E-", ".5", "+1", "-a", "1.e5", "NaN", "Infinity", "-Infinity",
           "'a'", "}", "]", ":", ",", "[", "{", R"({"a")", R"({"a"})", R"({"a":})", R"({"a":1,})", "{,}",
           R"({"a":1 "b":2})", "[1,]", "[,1]", "[1 2]", "[1x]", "[01]", "[1.]", "[1e]", "[-]", R"({"a\"b":1})",
           "[\"a\nb\"]", "[1}", R"({"a":1])", R"({"a":1)", R"({a:1})", R"({1:1})", "[\"abc]", "[truex]", "[nul]"}) {
    // clang-format on
    ExpectOutcome(text, "reject", Skip);
  }
  const std::string_view doc = R"({"a":[1,-2.5e3,{"b":null}],"c":"xyz","d":true})";
  for (std::size_t cut = 0; cut < doc.size(); ++cut) ExpectOutcome(doc.substr(0, cut), "reject", Skip);
}

TEST(JsonScan, SkipValueDepthLimit) {
  auto nested = [](int depth, std::string_view open, std::string_view inner, std::string_view close) {
    std::string s;
    for (int i = 0; i < depth; ++i) s += open;
    s += inner;
    for (int i = 0; i < depth; ++i) s += close;
    return s;
  };
  ExpectOutcome(nested(32, "[", "1", "]"), "ok", Skip);
  ExpectOutcome(nested(20, "{\"a\":", "1", "}"), "ok", Skip);
  ExpectOutcome(nested(40, "[", "", "]"), "reject", Skip);
  ExpectOutcome(nested(40, "{\"a\":", "1", "}"), "reject", Skip);
  ExpectOutcome(nested(40, "[", "", ""), "reject", Skip);
  ExpectOutcome(nested(100000, "[", "", "]"), "reject", Skip);  // no stack overflow
}

}  // namespace
}  // namespace hean
