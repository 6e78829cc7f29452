// InlineString<N>: a string of at most N bytes stored inline, trivially
// copyable, for ids and symbols inside events (no heap, fixed size).
// Thread-compatible value type.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace hean {

template <std::size_t N>
class InlineString {
  static_assert(N > 0 && N < 256, "InlineString capacity must be 1..255");

 public:
  static constexpr std::size_t kCapacity = N;

  constexpr InlineString() noexcept = default;

  // Returns false (and leaves *out empty) if `s` is longer than N.
  [[nodiscard]] static bool TryFrom(std::string_view s, InlineString* out) noexcept {
    *out = InlineString();
    if (s.size() > N) return false;
    if (!s.empty()) std::memcpy(out->data_, s.data(), s.size());
    out->size_ = static_cast<std::uint8_t>(s.size());
    return true;
  }
  // For literals and values known to fit; aborts otherwise.
  static InlineString Of(std::string_view s) noexcept {
    InlineString r;
    if (!TryFrom(s, &r)) __builtin_trap();
    return r;
  }

  std::string_view view() const noexcept { return {data_, size_}; }
  std::string str() const { return std::string(view()); }
  std::size_t size() const noexcept { return size_; }
  bool empty() const noexcept { return size_ == 0; }

  friend bool operator==(const InlineString& a, const InlineString& b) noexcept {
    return a.size_ == b.size_ && std::memcmp(a.data_, b.data_, a.size_) == 0;
  }
  friend auto operator<=>(const InlineString& a, const InlineString& b) noexcept { return a.view() <=> b.view(); }

 private:
  char data_[N] = {};
  std::uint8_t size_ = 0;
};

}  // namespace hean
