#include "hean/analytics/ofi.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "hean/analytics/test_support.h"
#include "hean/core/decimal.h"
#include "hean/core/status.h"
#include "hean/core/time.h"

namespace hean {
namespace {

using ::testing::HasSubstr;
using testing_support::At;
using testing_support::P;
using testing_support::Q;

TEST(Ofi, DefaultConfigIsValid) {
  const OfiConfig c;
  EXPECT_TRUE(c.Validate().ok());
  EXPECT_EQ(c.window, Duration::Seconds(10));
}

TEST(Ofi, ValidateNamesTheKey) {
  for (const Duration bad : {Duration::Zero(), Duration::Seconds(-1)}) {
    OfiConfig c;
    c.window = bad;
    const Status s = c.Validate();
    EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
    EXPECT_THAT(s.message(), HasSubstr("analytics.ofi.window"));
    EXPECT_THAT(s.message(), HasSubstr(bad.ToString()));
  }
}

TEST(Ofi, FirstStateOnlyPrimes) {
  OrderFlowImbalance ofi{OfiConfig{}};
  ofi.OnTop(At(0), P("100"), Q("5"), P("101"), Q("4"));
  EXPECT_EQ(ofi.events(), 0u);
  EXPECT_EQ(ofi.value(), 0.0);
  EXPECT_EQ(ofi.normalized(), 0.0);
}

// One step of each kind, e_n by hand:
//   e_n = [Pb_n >= Pb_n-1] qb_n - [Pb_n <= Pb_n-1] qb_n-1 - [Pa_n <= Pa_n-1] qa_n + [Pa_n >= Pa_n-1] qa_n-1
TEST(Ofi, KnownSequence) {
  OrderFlowImbalance ofi{OfiConfig{}};  // 10 s window
  // s0: 100 x 5 / 101 x 4: primes.
  ofi.OnTop(At(0), P("100"), Q("5"), P("101"), Q("4"));

  // s1, bid up to 100.5 x 2, ask same: bid +2 (only Pb_n >= holds);
  // ask equal: -4 + 4 = 0. e1 = +2.
  ofi.OnTop(At(1), P("100.5"), Q("2"), P("101"), Q("4"));
  EXPECT_EQ(ofi.events(), 1u);
  EXPECT_DOUBLE_EQ(ofi.value(), 2.0);

  // s2, bid same price, size 2 -> 3.5: +3.5 - 2 = +1.5; ask 0. e2 = +1.5.
  ofi.OnTop(At(2), P("100.5"), Q("3.5"), P("101"), Q("4"));
  EXPECT_DOUBLE_EQ(ofi.value(), 3.5);  // 2 + 1.5

  // s3, ask down to 100.8 x 5: bid unchanged +3.5 - 3.5 = 0; ask: only
  // Pa_n <= holds: -5. e3 = -5.
  ofi.OnTop(At(3), P("100.5"), Q("3.5"), P("100.8"), Q("5"));
  EXPECT_DOUBLE_EQ(ofi.value(), -1.5);  // 3.5 - 5

  // s4, nothing changed: not stored.
  ofi.OnTop(At(4), P("100.5"), Q("3.5"), P("100.8"), Q("5"));
  EXPECT_EQ(ofi.events(), 3u);

  // s5, bid down to 100.4 x 7, ask same: bid: only Pb_n <= holds: -3.5;
  // ask equal: -5 + 5 = 0. e5 = -3.5.
  ofi.OnTop(At(5), P("100.4"), Q("7"), P("100.8"), Q("5"));
  EXPECT_EQ(ofi.events(), 4u);
  // value = 2 + 1.5 - 5 - 3.5 = -5; sum |e| = 2 + 1.5 + 5 + 3.5 = 12.
  EXPECT_DOUBLE_EQ(ofi.value(), -5.0);
  EXPECT_DOUBLE_EQ(ofi.normalized(), -5.0 / 12.0);

  // s6, ask up to 101 x 1 and bid up to 100.5 x 1: bid +1 (Pb_n > Pb_n-1);
  // ask: only Pa_n >= holds: +5 (the old ask size). e6 = +6.
  ofi.OnTop(At(6), P("100.5"), Q("1"), P("101"), Q("1"));
  EXPECT_DOUBLE_EQ(ofi.value(), 1.0);              // -5 + 6
  EXPECT_DOUBLE_EQ(ofi.normalized(), 1.0 / 18.0);  // |sum| 12 + 6
}

TEST(Ofi, WindowExpiresByTime) {
  OrderFlowImbalance ofi{OfiConfig{}};  // (now - 10 s, now]
  ofi.OnTop(At(0), P("100"), Q("5"), P("101"), Q("4"));
  ofi.OnTop(At(1), P("100.5"), Q("2"), P("101"), Q("4"));    // e = +2 at 1 s
  ofi.OnTop(At(2), P("100.5"), Q("3"), P("101"), Q("4"));    // e = +3 - 2 = +1 at 2 s
  ofi.OnTop(At(3), P("100.5"), Q("3"), P("100.8"), Q("5"));  // e = -5 at 3 s
  EXPECT_DOUBLE_EQ(ofi.value(), -2.0);
  EXPECT_DOUBLE_EQ(ofi.normalized(), -2.0 / 8.0);

  ofi.Advance(At(10) + Duration::Nanos(999'999'999));  // 1 s entry is 9.999999999 s old: still in
  EXPECT_EQ(ofi.events(), 3u);
  ofi.Advance(At(11));  // exactly 10 s old: out
  EXPECT_EQ(ofi.events(), 2u);
  EXPECT_DOUBLE_EQ(ofi.value(), -4.0);             // 1 - 5
  EXPECT_DOUBLE_EQ(ofi.normalized(), -4.0 / 6.0);  // |1| + |-5|
  ofi.Advance(At(12));
  EXPECT_DOUBLE_EQ(ofi.value(), -5.0);
  EXPECT_DOUBLE_EQ(ofi.normalized(), -1.0);
  ofi.Advance(At(13));
  EXPECT_EQ(ofi.events(), 0u);
  EXPECT_EQ(ofi.value(), 0.0);  // exact sums: back to exactly zero
  EXPECT_EQ(ofi.normalized(), 0.0);

  // The previous state is kept across an empty window: the next change counts.
  ofi.OnTop(At(20), P("100.5"), Q("3"), P("100.8"), Q("6"));  // ask size 5 -> 6: -6 + 5 = -1
  EXPECT_DOUBLE_EQ(ofi.value(), -1.0);
}

TEST(Ofi, OnTopExpiresBeforeAdding) {
  OfiConfig c;
  c.window = Duration::Seconds(2);
  OrderFlowImbalance ofi{c};
  ofi.OnTop(At(0), P("100"), Q("1"), P("101"), Q("1"));
  ofi.OnTop(At(1), P("100"), Q("2"), P("101"), Q("1"));  // +2 - 1 = +1
  ofi.OnTop(At(3), P("100"), Q("4"), P("101"), Q("1"));  // +4 - 2 = +2; the 1 s entry is 2 s old: out
  EXPECT_EQ(ofi.events(), 1u);
  EXPECT_DOUBLE_EQ(ofi.value(), 2.0);
  EXPECT_DOUBLE_EQ(ofi.normalized(), 1.0);
}

TEST(Ofi, ResetForgetsWindowAndPrimesAgain) {
  OrderFlowImbalance ofi{OfiConfig{}};
  ofi.OnTop(At(0), P("100"), Q("5"), P("101"), Q("4"));
  ofi.OnTop(At(1), P("100.5"), Q("2"), P("101"), Q("4"));  // +2
  ofi.Reset();
  EXPECT_EQ(ofi.events(), 0u);
  EXPECT_EQ(ofi.value(), 0.0);
  // Only primes, although it differs from the state before the reset.
  ofi.OnTop(At(2), P("99"), Q("9"), P("100"), Q("9"));
  EXPECT_EQ(ofi.events(), 0u);
  ofi.OnTop(At(3), P("99"), Q("10"), P("100"), Q("9"));  // +10 - 9 = +1
  EXPECT_EQ(ofi.events(), 1u);
  EXPECT_DOUBLE_EQ(ofi.value(), 1.0);
}

}  // namespace
}  // namespace hean
