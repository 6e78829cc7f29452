// Helpers for the analytics tests and the strategy tests built on them:
// decimals from text, times on a fixed test clock, and checks that a config
// spoiled one way fails Validate() with a message saying so. Tests only.
#pragma once

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <initializer_list>
#include <string_view>

#include "hean/core/decimal.h"
#include "hean/core/status.h"
#include "hean/core/time.h"

namespace hean::testing_support {

// Decimals from text; text that does not parse fails the calling test.
inline Price P(std::string_view s) {
  auto r = Price::Parse(s);
  EXPECT_TRUE(r.ok()) << s;
  return r.value();
}

inline Qty Q(std::string_view s) {
  auto r = Qty::Parse(s);
  EXPECT_TRUE(r.ok()) << s;
  return r.value();
}

// The tests' clock origin, 2023-11-14 22:13:20 UTC (any origin works), and
// times after it.
inline constexpr UnixNanos kT0 = UnixNanos::FromSeconds(1'700'000'000);
inline UnixNanos At(std::int64_t seconds) { return kT0 + Duration::Seconds(seconds); }
inline UnixNanos AtMillis(std::int64_t millis) { return kT0 + Duration::Millis(millis); }

// Validate() of a default Config after `spoil`.
template <class Config>
Status ValidateSpoiled(void (*spoil)(Config&)) {
  Config c{};
  spoil(c);
  return c.Validate();
}

// A default Config spoiled one way, and the key and the value ("got 0") its
// Validate() message must name.
template <class Config>
struct NamesKey {
  const char* key;
  const char* value;
  void (*spoil)(Config&);
};

// Expects each spoiled config to fail Validate() with kInvalidArgument and a
// message naming its key and value.
template <class Config>
void ExpectEachNamesItsKey(std::initializer_list<NamesKey<Config>> cases) {
  for (const NamesKey<Config>& k : cases) {
    const Status s = ValidateSpoiled(k.spoil);
    EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << k.key;
    EXPECT_THAT(s.message(), ::testing::HasSubstr(k.key));
    EXPECT_THAT(s.message(), ::testing::HasSubstr(k.value));
  }
}

// A default Config spoiled one way, and the whole message its Validate()
// must give.
template <class Config>
struct FailsWith {
  void (*spoil)(Config&);
  const char* message;
};

// Expects each spoiled config to fail Validate() with kInvalidArgument and
// exactly its message.
template <class Config>
void ExpectEachFailsWith(std::initializer_list<FailsWith<Config>> cases) {
  for (const FailsWith<Config>& k : cases) {
    const Status s = ValidateSpoiled(k.spoil);
    EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << k.message;
    EXPECT_EQ(s.message(), k.message);
  }
}

}  // namespace hean::testing_support
