#include <gtest/gtest.h>
TEST(Placeholder, BinanceCapture) { SUCCEED(); }
