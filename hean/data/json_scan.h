// A strict, allocation-free scanner for the compact JSON that exchange feeds
// send (no escapes in keys and strings, decimals as quoted strings). It is
// the fast path of the Bybit and Binance parsers: it reads what it knows and
// answers "not handled" (false) for anything else - an escape, an unexpected
// key, a malformed value, a value of the wrong type. The caller then parses
// the same text again with simdjson, which either reads the unusual layout
// or reports precisely what is wrong. So the scanner never needs an error
// message, and it must never accept text simdjson would refuse or read
// differently.
//
// Internal to hean/data: include only from .cc files.
#pragma once

#include <bit>
#include <cstdint>
#include <cstring>
#include <string_view>
#include <vector>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "hean/core/decimal.h"
#include "hean/model/events.h"

namespace hean::json_scan {

class Scanner {
 public:
  explicit Scanner(std::string_view text) : p_(text.data()), end_(text.data() + text.size()) {}

  // Skips JSON whitespace.
  void Ws() {
    while (p_ != end_ && (*p_ == ' ' || *p_ == '\n' || *p_ == '\r' || *p_ == '\t')) ++p_;
  }
  // Consumes `c` (after whitespace).
  bool Take(char c) {
    Ws();
    if (p_ == end_ || *p_ != c) return false;
    ++p_;
    return true;
  }
  // True at the end of the text (after whitespace).
  bool AtEnd() {
    Ws();
    return p_ == end_;
  }

  // A string of printable ASCII without escapes (anything else, including
  // UTF-8, which simdjson validates, is handed over); the view points into
  // the text.
  bool String(std::string_view* out) {
    if (!Take('"')) return false;
    const char* s = p_;
    // Eight bytes at a time while they hold no quote, backslash or control
    // character; the rest byte by byte.
    while (end_ - p_ >= 8) {
      std::uint64_t w;
      std::memcpy(&w, p_, 8);
      if (HasByte(w, '"') | HasByte(w, '\\') | HasBelow(w, 0x20) | ((w & kHighs) != 0)) break;
      p_ += 8;
    }
    while (p_ != end_ && *p_ != '"') {
      const auto c = static_cast<unsigned char>(*p_);
      if (c == '\\' || c < 0x20 || c >= 0x80) return false;
      ++p_;
    }
    if (p_ == end_) return false;
    *out = std::string_view(s, static_cast<std::size_t>(p_ - s));
    ++p_;
    return true;
  }
  // `"key":`.
  bool Key(std::string_view* out) { return String(out) && Take(':'); }

  // An unsigned integer written as a JSON number (no sign, fraction or
  // exponent; no leading zero unless it is "0").
  bool U64(std::uint64_t* out) {
    Ws();
    const char* s = p_;
    std::uint64_t v = 0;
    if (end_ - p_ >= 24) {
      // Up to 16 digits in two SWAR steps.
      std::uint64_t hi, lo;
      const int n1 = Digits8(p_, &hi);
      p_ += n1;
      if (n1 == 8) {
        const int n2 = Digits8(p_, &lo);
        p_ += n2;
        v = hi * kScale[n2] + lo;
      } else {
        v = hi;
      }
    }
    while (p_ != end_ && static_cast<unsigned>(*p_ - '0') < 10) {
      if (p_ - s >= 19) return false;  // 20 digits may overflow: simdjson decides
      v = v * 10 + static_cast<unsigned>(*p_ - '0');
      ++p_;
    }
    const auto n = p_ - s;
    if (n == 0 || (n > 1 && *s == '0')) return false;
    if (p_ != end_ && (*p_ == '.' || *p_ == 'e' || *p_ == 'E')) return false;
    *out = v;
    return true;
  }

  bool Bool(bool* out) {
    Ws();
    if (end_ - p_ >= 4 && std::memcmp(p_, "true", 4) == 0) {
      p_ += 4;
      *out = true;
    } else if (end_ - p_ >= 5 && std::memcmp(p_, "false", 5) == 0) {
      p_ += 5;
      *out = false;
    } else {
      return false;
    }
    return p_ == end_ || !IsWordChar(*p_);
  }

  // A decimal in a JSON string ("63943.90") as units of 1e-9.
  bool QuotedFixed(bool allow_negative, std::int64_t* out) {
    if (!Take('"')) return false;
    const char* s = p_;
    // With room to read ahead: integer and fraction parts of up to 7 digits
    // each, eight bytes at a time. Anything else through the general parser
    // (which has its own fast path for plain decimals).
    if (end_ - p_ >= 24) {
      const char* p = p_;
      if (Compact(p, out)) {
        p_ = p;
        return true;
      }
    }
    const void* q = std::memchr(s, '"', static_cast<std::size_t>(end_ - s));
    if (q == nullptr) return false;
    const char* close = static_cast<const char*>(q);
    auto r = decimal_detail::ParseFixed(std::string_view(s, static_cast<std::size_t>(close - s)), allow_negative);
    if (!r.ok()) return false;
    p_ = close + 1;
    *out = *r;
    return true;
  }
  bool QuotedPrice(Price* out) {
    std::int64_t raw;
    if (!QuotedFixed(/*allow_negative=*/true, &raw)) return false;
    *out = Price::FromRaw(raw);
    return true;
  }
  bool QuotedQty(Qty* out) {
    std::int64_t raw;
    if (!QuotedFixed(/*allow_negative=*/false, &raw)) return false;
    *out = Qty::FromRaw(raw);
    return true;
  }

  // [["price","qty"],...] into `out` (cleared first): exactly two strings
  // per level.
  bool Levels(std::vector<BookLevel>& out) {
    out.clear();
    if (!Take('[')) return false;
    if (Take(']')) return true;
    for (;;) {
      BookLevel l;
      // The compact form `["p","q"]` with room to read ahead, on local
      // copies of the cursor (stores into `out` would otherwise force the
      // members to be reloaded); anything else the general way.
      const char* p = p_;
      if (end_ - p >= 48 && p[0] == '[' && p[1] == '"') {
        const char* next = CompactLevel(p, &l);
        if (next != nullptr) {
          out.push_back(l);
          p_ = next;
          if (Take(',')) continue;
          return Take(']');
        }
      }
      if (!Take('[') || !QuotedPrice(&l.price) || !Take(',') || !QuotedQty(&l.qty) || !Take(']')) return false;
      out.push_back(l);
      if (Take(',')) continue;
      return Take(']');
    }
  }

  // Skips one value of any type, checking its structure as far as needed
  // to find its end (strings without escapes only).
  bool SkipValue(int depth = 0) {
    Ws();
    if (p_ == end_ || depth > 32) return false;
    std::string_view s;
    switch (*p_) {
      case '"': return String(&s);
      case '{': {
        ++p_;
        if (Take('}')) return true;
        do {
          if (!Key(&s) || !SkipValue(depth + 1)) return false;
        } while (Take(','));
        return Take('}');
      }
      case '[': {
        ++p_;
        if (Take(']')) return true;
        do {
          if (!SkipValue(depth + 1)) return false;
        } while (Take(','));
        return Take(']');
      }
      case 't':
      case 'f': {
        bool b;
        return Bool(&b);
      }
      case 'n':
        if (end_ - p_ >= 4 && std::memcmp(p_, "null", 4) == 0) {
          p_ += 4;
          return p_ == end_ || !IsWordChar(*p_);
        }
        return false;
      default: return Number();
    }
  }

 private:
  static constexpr std::uint64_t kOnes = 0x0101010101010101ULL;
  static constexpr std::uint64_t kHighs = 0x8080808080808080ULL;
  // Whether any byte of w equals c / is below n (n <= 0x80).
  static bool HasByte(std::uint64_t w, unsigned char c) { return HasZero(w ^ (kOnes * c)); }
  static bool HasZero(std::uint64_t w) { return ((w - kOnes) & ~w & kHighs) != 0; }
  static bool HasBelow(std::uint64_t w, unsigned char n) { return ((w - kOnes * n) & ~w & kHighs) != 0; }

  // The leading decimal digits of the 8 bytes at p (all readable): their
  // count (0-8) and, in *v, their value. Bytes after the first non-digit are
  // ignored (a borrow or carry from it only reaches later bytes).
  [[gnu::always_inline]] static int Digits8(const char* p, std::uint64_t* v) {
    std::uint64_t w;
    std::memcpy(&w, p, 8);
    static_assert(std::endian::native == std::endian::little);
    const std::uint64_t t = w - 0x3030303030303030ULL;
    const std::uint64_t bad = (t | (t + 0x7676767676767676ULL)) & kHighs;
    const int n = bad == 0 ? 8 : std::countr_zero(bad) / 8;
    if (n == 0) {
      *v = 0;
      return 0;
    }
    // The n digits to the top bytes, zeros (leading zeros) below; then pairs,
    // quads and the eight-digit value.
    std::uint64_t x = t << (8 * (8 - n));
    x = (x * 10 + (x >> 8)) & 0x00FF00FF00FF00FFULL;
    x = (x * 100 + (x >> 16)) & 0x0000FFFF0000FFFFULL;
    x = (x * 10000 + (x >> 32)) & 0xFFFFFFFFULL;
    *v = x;
    return n;
  }

  // One level `["p","q"]` in compact form at p (at least 48 bytes
  // readable): the position after its `]`, or nullptr for any other shape.
  // With SSE2 the four quotes are found at once from a 32-byte mask, so the
  // next level's position does not wait for the digits to be read.
  [[gnu::always_inline]] static const char* CompactLevel(const char* p, BookLevel* l) {
#if defined(__SSE2__)
    const __m128i quote = _mm_set1_epi8('"');
    const auto lo = static_cast<std::uint32_t>(
        _mm_movemask_epi8(_mm_cmpeq_epi8(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)), quote)));
    const auto hi = static_cast<std::uint32_t>(
        _mm_movemask_epi8(_mm_cmpeq_epi8(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p + 16)), quote)));
    std::uint32_t m = lo | (hi << 16);
    // m has bit 1 (the opening quote of the price) set.
    m &= m - 1;
    if (m == 0) return nullptr;
    const int b = std::countr_zero(m);  // closing quote of the price
    m &= m - 1;
    if (m == 0) return nullptr;
    const int c = std::countr_zero(m);  // opening quote of the qty
    m &= m - 1;
    if (m == 0 || c != b + 2 || p[b + 1] != ',') return nullptr;
    const int d = std::countr_zero(m);  // closing quote of the qty
    if (p[d + 1] != ']') return nullptr;
    std::int64_t price, qty;
    if (!Between(p + 2, b - 2, &price) || !Between(p + c + 1, d - c - 1, &qty)) return nullptr;
    l->price = Price::FromRaw(price);
    l->qty = Qty::FromRaw(qty);
    return p + d + 2;
#else
    p += 2;
    std::int64_t price, qty;
    if (!Compact(p, &price) || p[0] != ',' || p[1] != '"') return nullptr;
    p += 2;
    if (!Compact(p, &qty) || p[0] != ']') return nullptr;
    l->price = Price::FromRaw(price);
    l->qty = Qty::FromRaw(qty);
    return p + 1;
#endif
  }

  // The decimal `digits[.digits]` (1-7 digits each) that is exactly the n
  // bytes at p (at least 16 readable from p).
  [[gnu::always_inline]] static bool Between(const char* p, int n, std::int64_t* out) {
    std::uint64_t ip, fp;
    const int ni = Digits8(p, &ip);
    if (ni < 1 || ni > 7) return false;
    if (ni == n) {
      *out = static_cast<std::int64_t>(ip * kScale[9]);
      return true;
    }
    const int nf = Digits8(p + ni + 1, &fp);
    if (p[ni] != '.' || nf < 1 || nf > 7 || ni + 1 + nf != n) return false;
    *out = static_cast<std::int64_t>(ip * kScale[9] + fp * kScale[9 - nf]);
    return true;
  }

  // `digits[.digits]"` (1-7 digits each) at p, with at least 24 bytes
  // readable; advances p past the closing quote. False, with p left as it
  // was, for any other shape.
  static bool Compact(const char*& p, std::int64_t* out) {
    std::uint64_t ip, fp;
    const int ni = Digits8(p, &ip);
    if (ni < 1 || ni > 7) return false;
    if (p[ni] == '"') {
      p += ni + 1;
      *out = static_cast<std::int64_t>(ip * kScale[9]);
      return true;
    }
    if (p[ni] != '.') return false;
    const int nf = Digits8(p + ni + 1, &fp);
    if (nf < 1 || nf > 7 || p[ni + 1 + nf] != '"') return false;
    p += ni + nf + 2;
    *out = static_cast<std::int64_t>(ip * kScale[9] + fp * kScale[9 - nf]);
    return true;
  }

  static constexpr std::uint64_t kScale[10] = {1,      10,      100,      1000,      10000,
                                               100000, 1000000, 10000000, 100000000, 1000000000};
  static bool IsWordChar(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '.';
  }
  // A JSON number: -?(0|[1-9]d*)(.d+)?([eE][+-]?d+)?
  bool Number() {
    auto digits = [&] {
      const char* s = p_;
      while (p_ != end_ && static_cast<unsigned>(*p_ - '0') < 10) ++p_;
      return p_ - s;
    };
    if (p_ != end_ && *p_ == '-') ++p_;
    const char* s = p_;
    const auto n = digits();
    if (n == 0 || (n > 1 && *s == '0')) return false;
    if (p_ != end_ && *p_ == '.') {
      ++p_;
      if (digits() == 0) return false;
    }
    if (p_ != end_ && (*p_ == 'e' || *p_ == 'E')) {
      ++p_;
      if (p_ != end_ && (*p_ == '+' || *p_ == '-')) ++p_;
      if (digits() == 0) return false;
    }
    return true;
  }

  const char* p_;
  const char* end_;
};

}  // namespace hean::json_scan
