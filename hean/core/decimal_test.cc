#include <gtest/gtest.h>
TEST(Placeholder, decimal) { SUCCEED(); }
