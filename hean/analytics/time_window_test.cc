#include "hean/analytics/time_window.h"

#include <gtest/gtest.h>

#include <vector>

namespace hean {
namespace {

UnixNanos Sec(std::int64_t s) { return UnixNanos::FromSeconds(s); }

std::vector<int> Values(const TimeWindow<int>& w) {
  std::vector<int> out;
  w.ForEach([&](const TimeWindow<int>::Entry& e) { out.push_back(e.value); });
  return out;
}

TEST(TimeWindow, ExpiryIsHalfOpen) {
  TimeWindow<int> w(Duration::Seconds(10));
  w.Push(Sec(100), 1);
  w.Push(Sec(105), 2);
  // At 110 - 1 ns the entry at 100 is just under 10 s old: kept.
  EXPECT_EQ(w.Expire(Sec(110) - Duration::Nanos(1)), 0u);
  EXPECT_EQ(w.size(), 2u);
  // At 110 it is exactly 10 s old: the window is (100, 110], so it is out.
  EXPECT_EQ(w.Expire(Sec(110)), 1u);
  ASSERT_EQ(w.size(), 1u);
  EXPECT_EQ(w.front().value, 2);
  EXPECT_EQ(w.front().time, Sec(105));
  EXPECT_EQ(w.Expire(Sec(200)), 1u);
  EXPECT_TRUE(w.empty());
  EXPECT_EQ(w.Expire(Sec(300)), 0u);
}

TEST(TimeWindow, InitialCapacityRoundsUpToAPowerOfTwo) {
  EXPECT_EQ(TimeWindow<int>(Duration::Seconds(1), 5).capacity(), 8u);
  EXPECT_EQ(TimeWindow<int>(Duration::Seconds(1), 8).capacity(), 8u);
  EXPECT_EQ(TimeWindow<int>(Duration::Seconds(1), 0).capacity(), 1u);
  EXPECT_EQ(TimeWindow<int>(Duration::Seconds(1)).capacity(), 64u);
}

TEST(TimeWindow, GrowthPastInitialCapacityKeepsOrder) {
  TimeWindow<int> w(Duration::Seconds(100), 4);
  ASSERT_EQ(w.capacity(), 4u);
  // Fill, drop two from the front so that the live entries wrap around the
  // ring's end, then push past the capacity twice over.
  for (int i = 0; i < 4; ++i) w.Push(Sec(i), i);
  w.PopFront();
  w.PopFront();
  for (int i = 4; i < 12; ++i) w.Push(Sec(i), i);
  EXPECT_EQ(w.capacity(), 16u);
  EXPECT_EQ(w.size(), 10u);
  EXPECT_EQ(Values(w), (std::vector<int>{2, 3, 4, 5, 6, 7, 8, 9, 10, 11}));
  for (std::size_t i = 0; i < w.size(); ++i) EXPECT_EQ(w.at(i).time, Sec(static_cast<std::int64_t>(i) + 2));
  EXPECT_EQ(w.back().value, 11);
  // A window of steady size allocates nothing more: capacity stays.
  for (int i = 12; i < 100; ++i) {
    w.PopFront();
    w.Push(Sec(i), i);
  }
  EXPECT_EQ(w.capacity(), 16u);
  EXPECT_EQ(w.front().value, 90);
  EXPECT_EQ(w.back().value, 99);
}

TEST(TimeWindow, OnDropIsCalledOldestFirst) {
  TimeWindow<int> w(Duration::Seconds(5), 2);
  int sum = 0;
  for (int i = 1; i <= 6; ++i) {
    w.Push(Sec(i), i * 10);
    sum += i * 10;
  }
  std::vector<int> dropped;
  // At 9 s the window is (4, 9]: entries at 1..4 s go, oldest first.
  const std::size_t n = w.Expire(Sec(9), [&](const int& v) {
    dropped.push_back(v);
    sum -= v;
  });
  EXPECT_EQ(n, 4u);
  EXPECT_EQ(dropped, (std::vector<int>{10, 20, 30, 40}));
  EXPECT_EQ(sum, 50 + 60);  // a caller's running sum kept by on_drop
  EXPECT_EQ(Values(w), (std::vector<int>{50, 60}));
}

TEST(TimeWindow, OutOfOrderTimeIsClamped) {
  TimeWindow<int> w(Duration::Seconds(10));
  w.Push(Sec(20), 1);
  w.Push(Sec(15), 2);  // earlier than the newest: taken as 20 s
  EXPECT_EQ(w.back().time, Sec(20));
  // So it expires with the entry at 20 s, never before it.
  EXPECT_EQ(w.Expire(Sec(29)), 0u);
  EXPECT_EQ(w.Expire(Sec(30)), 2u);
  // The first push into an empty window keeps its time, even an earlier one.
  w.Push(Sec(3), 3);
  EXPECT_EQ(w.front().time, Sec(3));
}

TEST(TimeWindow, ClearEmptiesAndKeepsCapacity) {
  TimeWindow<int> w(Duration::Seconds(10), 2);
  for (int i = 0; i < 5; ++i) w.Push(Sec(i), i);
  EXPECT_EQ(w.capacity(), 8u);
  w.Clear();
  EXPECT_TRUE(w.empty());
  EXPECT_EQ(w.capacity(), 8u);
  w.Push(Sec(50), 7);
  EXPECT_EQ(w.front().value, 7);
  EXPECT_EQ(w.span(), Duration::Seconds(10));
}

}  // namespace
}  // namespace hean
