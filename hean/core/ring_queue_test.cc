#include "hean/core/ring_queue.h"

#include <gtest/gtest.h>

#include <deque>
#include <memory>
#include <random>
#include <string>

namespace hean {
namespace {

TEST(RingQueue, FifoOrderAcrossWrapsAndGrowth) {
  RingQueue<int> q;
  EXPECT_TRUE(q.empty());
  EXPECT_EQ(q.capacity(), 0u);
  // Fill and drain so that the head wraps, then grow while wrapped.
  for (int i = 0; i < 6; ++i) q.push_back(i);
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(q.front(), i);
    q.pop_front();
  }
  for (int i = 6; i < 20; ++i) q.push_back(i);  // wraps at 8, grows to 16
  EXPECT_EQ(q.size(), 15u);
  EXPECT_EQ(q.capacity(), 16u);
  EXPECT_EQ(q.back(), 19);
  for (int i = 5; i < 20; ++i) {
    ASSERT_FALSE(q.empty());
    EXPECT_EQ(q.front(), i);
    q.pop_front();
  }
  EXPECT_TRUE(q.empty());
}

TEST(RingQueue, MatchesADequeOnRandomOperations) {
  RingQueue<std::string> q;
  std::deque<std::string> ref;
  std::mt19937 rng(3);
  for (int step = 0; step < 20'000; ++step) {
    if (ref.empty() || rng() % 3 != 0) {
      std::string v = std::to_string(step) + std::string(rng() % 40, 'x');  // some on the heap
      q.push_back(v);
      ref.push_back(v);
    } else {
      ASSERT_EQ(q.front(), ref.front());
      q.pop_front();
      ref.pop_front();
    }
    ASSERT_EQ(q.size(), ref.size());
    if (!ref.empty()) {
      ASSERT_EQ(q.front(), ref.front());
      ASSERT_EQ(q.back(), ref.back());
    }
  }
  q.clear();
  EXPECT_TRUE(q.empty());
  q.push_back("again");
  EXPECT_EQ(q.front(), "again");
}

TEST(RingQueue, MoveOnlyElementsAndAMovedOutFrontStaysPoppable) {
  RingQueue<std::unique_ptr<int>> q;
  for (int i = 0; i < 10; ++i) q.push_back(std::make_unique<int>(i));
  for (int i = 0; i < 10; ++i) {
    std::unique_ptr<int> p = std::move(q.front());
    q.pop_front();
    ASSERT_NE(p, nullptr);
    EXPECT_EQ(*p, i);
  }
  EXPECT_TRUE(q.empty());
}

}  // namespace
}  // namespace hean
