#include <gtest/gtest.h>
TEST(Placeholder, LineReader) { SUCCEED(); }
