#include <gtest/gtest.h>
TEST(Placeholder, engine) { SUCCEED(); }
