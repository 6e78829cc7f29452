#include <gtest/gtest.h>
TEST(Placeholder, instrument) { SUCCEED(); }
