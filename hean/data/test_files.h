// Test fixture base: a fresh scratch directory per test, removed afterwards,
// with helpers to write plain and gzip files into it. Tests only.
#pragma once

#include <gtest/gtest.h>
#include <stdlib.h>
#include <zlib.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <string_view>
#include <system_error>

namespace hean {

class TempDirTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = ::testing::TempDir();
    if (tmpl.empty()) tmpl = "/tmp/";
    if (tmpl.back() != '/') tmpl += '/';
    tmpl += "hean_test_XXXXXX";
    ASSERT_NE(mkdtemp(tmpl.data()), nullptr) << tmpl;
    dir_ = tmpl;
  }
  void TearDown() override {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  std::string PathOf(const std::string& name) const { return dir_ + "/" + name; }

  std::string Write(const std::string& name, std::string_view content) const {
    const std::string path = PathOf(name);
    std::ofstream f(path, std::ios::binary);
    f.write(content.data(), static_cast<std::streamsize>(content.size()));
    EXPECT_TRUE(f.good()) << path;
    return path;
  }

  // Writes `content` gzip-compressed with zlib's gz* API; `mode` as gzopen's.
  std::string WriteGzip(const std::string& name, std::string_view content, const char* mode = "wb") const {
    const std::string path = PathOf(name);
    gzFile gz = gzopen(path.c_str(), mode);
    EXPECT_NE(gz, nullptr) << path;
    if (gz == nullptr) return path;
    std::size_t done = 0;
    while (done < content.size()) {
      const auto n = static_cast<unsigned>(std::min<std::size_t>(content.size() - done, 1 << 20));
      const int w = gzwrite(gz, content.data() + done, n);
      EXPECT_EQ(w, static_cast<int>(n));
      if (w <= 0) break;
      done += static_cast<std::size_t>(w);
    }
    EXPECT_EQ(gzclose(gz), Z_OK);
    return path;
  }

  static std::string ReadBytes(const std::string& path) {
    std::ifstream f(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
  }

  std::string dir_;
};

}  // namespace hean
