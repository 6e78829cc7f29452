#include <gtest/gtest.h>
TEST(Placeholder, timer_queue) { SUCCEED(); }
