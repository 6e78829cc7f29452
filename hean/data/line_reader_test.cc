#include "hean/data/line_reader.h"

#include <gtest/gtest.h>
#include <zlib.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <string_view>
#include <vector>

#include "hean/data/test_files.h"

namespace hean {
namespace {

// A fresh directory per test, removed afterwards.
class LineReaderTest : public TempDirTest {};

std::unique_ptr<LineReader> OpenOrDie(const std::string& path) {
  auto r = LineReader::Open(path);
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().ToString());
  if (!r.ok()) return nullptr;
  return std::move(*r);
}

volatile unsigned g_sink = 0;  // keeps the padding reads from being optimised away

struct ReadOutcome {
  std::vector<std::string> lines;
  bool padding_ok = true;  // readable_after(line) >= kPadding for every line
  bool numbering_ok = true;
};

// Reads every line, checking padding and numbering on the way. The bytes of
// the padding are actually read so that ASan would notice an overrun.
ReadOutcome ReadAll(LineReader& r, std::size_t max_lines = 10'000'000) {
  ReadOutcome o;
  std::string_view line;
  unsigned sink = 0;
  while (o.lines.size() < max_lines && r.Next(&line)) {
    o.lines.emplace_back(line);
    if (r.line_number() != o.lines.size()) o.numbering_ok = false;
    const std::size_t after = r.readable_after(line);
    if (after < LineReader::kPadding) o.padding_ok = false;
    const volatile char* p = line.data() + line.size();
    for (std::size_t i = 0; i < LineReader::kPadding && i < after; ++i) sink += static_cast<unsigned char>(p[i]);
  }
  g_sink = g_sink + sink;
  return o;
}

std::vector<std::string> Lines(std::initializer_list<const char*> l) { return {l.begin(), l.end()}; }

// Deterministic lines of varying length (1..400 chars) with enough entropy
// that gzip does not squeeze them to nothing.
std::vector<std::string> MakeLines(std::size_t count, std::uint32_t seed) {
  std::vector<std::string> out;
  out.reserve(count);
  std::uint32_t x = seed;
  auto next = [&x] {
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    return x;
  };
  for (std::size_t i = 0; i < count; ++i) {
    std::string s = std::to_string(i) + ":";
    const std::size_t len = next() % 400;
    for (std::size_t k = 0; k < len; ++k) s += static_cast<char>('a' + next() % 26);
    out.push_back(std::move(s));
  }
  return out;
}

std::string Join(const std::vector<std::string>& lines) {
  std::string s;
  for (const auto& l : lines) {
    s += l;
    s += '\n';
  }
  return s;
}

TEST_F(LineReaderTest, ReadsPlainTextLines) {
  const std::string path = Write("plain.txt", "alpha\nbeta\ngamma\n");
  auto r = OpenOrDie(path);
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(r->path(), path);
  const ReadOutcome o = ReadAll(*r);
  EXPECT_EQ(o.lines, Lines({"alpha", "beta", "gamma"}));
  EXPECT_TRUE(r->status().ok()) << r->status().ToString();
  EXPECT_EQ(r->line_number(), 3u);
  EXPECT_EQ(r->bytes_read(), 17u);
  EXPECT_TRUE(o.padding_ok);
  EXPECT_TRUE(o.numbering_ok);
}

TEST_F(LineReaderTest, ReadsGzipLines) {
  const std::string path = WriteGzip("lines.gz", "alpha\nbeta\ngamma\n");
  // Really compressed: starts with the gzip magic.
  const std::string bytes = ReadBytes(path);
  ASSERT_GE(bytes.size(), 2u);
  EXPECT_EQ(static_cast<unsigned char>(bytes[0]), 0x1f);
  EXPECT_EQ(static_cast<unsigned char>(bytes[1]), 0x8b);
  auto r = OpenOrDie(path);
  ASSERT_NE(r, nullptr);
  const ReadOutcome o = ReadAll(*r);
  EXPECT_EQ(o.lines, Lines({"alpha", "beta", "gamma"}));
  EXPECT_TRUE(r->status().ok()) << r->status().ToString();
  EXPECT_EQ(r->line_number(), 3u);
  // bytes_read counts the decompressed bytes.
  EXPECT_EQ(r->bytes_read(), 17u);
  EXPECT_TRUE(o.padding_ok);
}

TEST_F(LineReaderTest, ReadsConcatenatedGzipMembers) {
  const std::string a = ReadBytes(WriteGzip("a.gz", "one\ntwo\n"));
  const std::string b = ReadBytes(WriteGzip("b.gz", "three\n"));
  auto r = OpenOrDie(Write("ab.gz", a + b));
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(ReadAll(*r).lines, Lines({"one", "two", "three"}));
  EXPECT_TRUE(r->status().ok()) << r->status().ToString();
}

TEST_F(LineReaderTest, ReturnsLastLineWithoutFinalNewline) {
  for (const bool gz : {false, true}) {
    SCOPED_TRACE(gz ? "gzip" : "plain");
    const std::string path = gz ? WriteGzip("nofinal.gz", "first\nsecond") : Write("nofinal.txt", "first\nsecond");
    auto r = OpenOrDie(path);
    ASSERT_NE(r, nullptr);
    const ReadOutcome o = ReadAll(*r);
    EXPECT_EQ(o.lines, Lines({"first", "second"}));
    EXPECT_TRUE(r->status().ok());
    EXPECT_EQ(r->line_number(), 2u);
    EXPECT_TRUE(o.padding_ok);
  }
}

TEST_F(LineReaderTest, SingleLineWithoutAnyNewline) {
  auto r = OpenOrDie(Write("one.txt", "lonely"));
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(ReadAll(*r).lines, Lines({"lonely"}));
  EXPECT_TRUE(r->status().ok());
}

TEST_F(LineReaderTest, ReturnsEmptyLines) {
  auto r = OpenOrDie(Write("empty_lines.txt", "\n\na\n\nb\n\n"));
  ASSERT_NE(r, nullptr);
  const ReadOutcome o = ReadAll(*r);
  EXPECT_EQ(o.lines, Lines({"", "", "a", "", "b", ""}));
  EXPECT_EQ(r->line_number(), 6u);
  EXPECT_TRUE(r->status().ok());
  EXPECT_TRUE(o.padding_ok);
}

TEST_F(LineReaderTest, EmptyFileHasNoLines) {
  for (const bool gz : {false, true}) {
    SCOPED_TRACE(gz ? "gzip" : "plain");
    auto r = OpenOrDie(gz ? WriteGzip("empty.gz", "") : Write("empty.txt", ""));
    ASSERT_NE(r, nullptr);
    std::string_view line;
    EXPECT_FALSE(r->Next(&line));
    EXPECT_TRUE(r->status().ok()) << r->status().ToString();
    EXPECT_EQ(r->line_number(), 0u);
    EXPECT_EQ(r->bytes_read(), 0u);
  }
}

TEST_F(LineReaderTest, KeepsCarriageReturn) {
  auto r = OpenOrDie(WriteGzip("crlf.gz", "a\r\nbc\r\n\r\nlast\r"));
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(ReadAll(*r).lines, Lines({"a\r", "bc\r", "\r", "last\r"}));
  EXPECT_TRUE(r->status().ok());
}

TEST_F(LineReaderTest, NextAfterEndKeepsReturningFalse) {
  auto r = OpenOrDie(Write("x.txt", "x\n"));
  ASSERT_NE(r, nullptr);
  std::string_view line;
  ASSERT_TRUE(r->Next(&line));
  EXPECT_EQ(line, "x");
  EXPECT_FALSE(r->Next(&line));
  EXPECT_FALSE(r->Next(&line));
  EXPECT_TRUE(r->status().ok());
  EXPECT_EQ(r->line_number(), 1u);
}

TEST_F(LineReaderTest, GrowsBufferForLineLongerThanThreeMegabytes) {
  std::string huge(3 * 1024 * 1024 + 12345, '\0');
  for (std::size_t i = 0; i < huge.size(); ++i) huge[i] = static_cast<char>('A' + (i * 7 + i / 1000) % 26);
  const std::string content = "short\n" + huge + "\nafter\n" + huge + "x";  // second huge one at EOF, no newline
  for (const bool gz : {false, true}) {
    SCOPED_TRACE(gz ? "gzip" : "plain");
    auto r = OpenOrDie(gz ? WriteGzip("huge.gz", content) : Write("huge.txt", content));
    ASSERT_NE(r, nullptr);
    const ReadOutcome o = ReadAll(*r);
    ASSERT_EQ(o.lines.size(), 4u);
    EXPECT_EQ(o.lines[0], "short");
    EXPECT_TRUE(o.lines[1] == huge) << "huge line differs, size " << o.lines[1].size();
    EXPECT_EQ(o.lines[2], "after");
    EXPECT_TRUE(o.lines[3] == huge + "x") << "last huge line differs, size " << o.lines[3].size();
    EXPECT_TRUE(o.padding_ok);
    EXPECT_TRUE(o.numbering_ok);
    EXPECT_TRUE(r->status().ok()) << r->status().ToString();
    EXPECT_EQ(r->bytes_read(), content.size());
  }
}

TEST_F(LineReaderTest, ManyLinesAcrossRefillsArePaddedAndNumbered) {
  // ~3 MB: several 1 MB refills, lines cut by every chunk boundary.
  const std::vector<std::string> lines = MakeLines(15000, 12345);
  const std::string content = Join(lines);
  ASSERT_GT(content.size(), 2u * 1024 * 1024);
  for (const bool gz : {false, true}) {
    SCOPED_TRACE(gz ? "gzip" : "plain");
    auto r = OpenOrDie(gz ? WriteGzip("many.gz", content) : Write("many.txt", content));
    ASSERT_NE(r, nullptr);
    const ReadOutcome o = ReadAll(*r);
    EXPECT_TRUE(o.lines == lines) << "read " << o.lines.size() << " of " << lines.size() << " lines";
    EXPECT_TRUE(o.padding_ok);
    EXPECT_TRUE(o.numbering_ok);
    EXPECT_EQ(r->line_number(), lines.size());
    EXPECT_EQ(r->bytes_read(), content.size());
    EXPECT_TRUE(r->status().ok()) << r->status().ToString();
  }
}

TEST_F(LineReaderTest, ReportsMissingFileAsNotFound) {
  const std::string path = PathOf("does_not_exist.gz");
  auto r = LineReader::Open(path);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), StatusCode::kNotFound);
  EXPECT_NE(r.error().message().find(path), std::string::npos) << r.error().ToString();
}

TEST_F(LineReaderTest, DirectoryIsAnErrorNotACrash) {
  auto r = LineReader::Open(dir_);
  if (!r.ok()) {
    EXPECT_NE(r.error().message().find(dir_), std::string::npos) << r.error().ToString();
    return;
  }
  std::string_view line;
  EXPECT_FALSE((*r)->Next(&line));
  EXPECT_FALSE((*r)->status().ok());
  EXPECT_NE((*r)->status().message().find(dir_), std::string::npos) << (*r)->status().ToString();
}

TEST_F(LineReaderTest, ReportsTruncatedGzip) {
  const std::vector<std::string> lines = MakeLines(3000, 777);
  const std::string full = ReadBytes(WriteGzip("full.gz", Join(lines)));
  ASSERT_GT(full.size(), 10000u);
  const std::string path = Write("truncated.gz", std::string_view(full).substr(0, full.size() / 2));

  auto r = OpenOrDie(path);
  ASSERT_NE(r, nullptr);
  const ReadOutcome o = ReadAll(*r);
  // The complete lines before the cut, nothing invented, no partial line.
  ASSERT_GT(o.lines.size(), 0u);
  ASSERT_LT(o.lines.size(), lines.size());
  for (std::size_t i = 0; i < o.lines.size(); ++i) {
    ASSERT_EQ(o.lines[i], lines[i]) << "line " << i + 1;
  }
  // About half of the data came out (compression is roughly uniform).
  EXPECT_GT(o.lines.size(), lines.size() / 4);
  EXPECT_TRUE(o.padding_ok);
  const Status& s = r->status();
  EXPECT_EQ(s.code(), StatusCode::kDataLoss) << s.ToString();
  EXPECT_NE(s.message().find(path), std::string::npos) << s.ToString();
  EXPECT_NE(s.message().find("file truncated"), std::string::npos) << s.ToString();
  EXPECT_NE(s.message().find("after line " + std::to_string(o.lines.size())), std::string::npos) << s.ToString();
  // Stays failed.
  std::string_view line;
  EXPECT_FALSE(r->Next(&line));
  EXPECT_EQ(r->status().code(), StatusCode::kDataLoss);
}

TEST_F(LineReaderTest, ReportsGzipTruncatedInTrailer) {
  // All the data is there but the CRC/size trailer is cut.
  const std::string full = ReadBytes(WriteGzip("full.gz", "a\nb\nc\n"));
  const std::string path = Write("cut_trailer.gz", std::string_view(full).substr(0, full.size() - 3));
  auto r = OpenOrDie(path);
  ASSERT_NE(r, nullptr);
  const ReadOutcome o = ReadAll(*r);
  EXPECT_EQ(o.lines, Lines({"a", "b", "c"}));
  EXPECT_EQ(r->status().code(), StatusCode::kDataLoss) << r->status().ToString();
  EXPECT_NE(r->status().message().find("file truncated"), std::string::npos) << r->status().ToString();
}

TEST_F(LineReaderTest, ReportsTruncatedLargeGzipAfterSeveralRefills) {
  const std::vector<std::string> lines = MakeLines(20000, 99);
  const std::string full = ReadBytes(WriteGzip("big.gz", Join(lines)));
  const std::string path = Write("big_cut.gz", std::string_view(full).substr(0, full.size() * 3 / 4));
  auto r = OpenOrDie(path);
  ASSERT_NE(r, nullptr);
  const ReadOutcome o = ReadAll(*r);
  ASSERT_GT(o.lines.size(), lines.size() / 2);
  ASSERT_LT(o.lines.size(), lines.size());
  for (std::size_t i = 0; i < o.lines.size(); ++i) ASSERT_EQ(o.lines[i], lines[i]) << "line " << i + 1;
  EXPECT_EQ(r->status().code(), StatusCode::kDataLoss) << r->status().ToString();
  EXPECT_NE(r->status().message().find("file truncated"), std::string::npos) << r->status().ToString();
}

TEST_F(LineReaderTest, ReportsCorruptGzipWithoutCrashing) {
  const std::vector<std::string> lines = MakeLines(3000, 4242);
  std::string bytes = ReadBytes(WriteGzip("good.gz", Join(lines)));
  ASSERT_GT(bytes.size(), 1000u);
  for (std::size_t i = bytes.size() / 2; i < bytes.size() / 2 + 16; ++i) bytes[i] = static_cast<char>(bytes[i] ^ 0x5a);
  const std::string path = Write("corrupt.gz", bytes);
  auto r = OpenOrDie(path);
  ASSERT_NE(r, nullptr);
  const ReadOutcome o = ReadAll(*r, 1'000'000);
  EXPECT_LT(o.lines.size(), 1'000'000u);
  EXPECT_TRUE(o.padding_ok);
  const Status& s = r->status();
  EXPECT_FALSE(s.ok()) << "corrupt gzip read cleanly: " << o.lines.size() << " lines";
  EXPECT_EQ(s.code(), StatusCode::kDataLoss) << s.ToString();
  EXPECT_NE(s.message().find(path), std::string::npos) << s.ToString();
  std::string_view line;
  EXPECT_FALSE(r->Next(&line));
}

TEST_F(LineReaderTest, CorruptHeaderIsAnError) {
  // Gzip magic followed by garbage: a corrupt stream, not plain text.
  std::string bytes = ReadBytes(WriteGzip("good.gz", "hello\nworld\n"));
  bytes[2] = 0x07;  // compression method other than deflate
  auto r = OpenOrDie(Write("badheader.gz", bytes));
  ASSERT_NE(r, nullptr);
  ReadAll(*r, 1000);
  EXPECT_FALSE(r->status().ok());
}

// Contract: "A gzip stream that ... is corrupt is an error naming the file and
// the last line read; the lines before it were still returned." Stored
// (level 0) deflate blocks let the test corrupt the stream at a known
// decompressed offset: a broken block length is detected at once.
// Every complete line decoded before the corrupt block must be returned, in
// order, and then the error, naming the file.
TEST_F(LineReaderTest, CorruptionIsAnErrorAfterEveryLineBeforeIt) {
  const std::vector<std::string> lines = MakeLines(2000, 31337);
  const std::string content = Join(lines);
  std::string bytes = ReadBytes(WriteGzip("stored.gz", content, "wb0"));
  // Walk the stored blocks: 10-byte gzip header (no name), then per block a
  // header byte, LEN, NLEN (little-endian), LEN bytes of data.
  ASSERT_GT(bytes.size(), 20u);
  ASSERT_EQ(static_cast<unsigned char>(bytes[3]), 0) << "unexpected gzip header flags";
  std::size_t pos = 10;
  std::size_t data_before = 0;  // decompressed bytes before the corrupted block
  int block = 0;
  bool corrupted = false;
  while (pos + 5 <= bytes.size()) {
    const auto b = [&](std::size_t i) { return static_cast<unsigned>(static_cast<unsigned char>(bytes[i])); };
    ASSERT_EQ(b(pos) & 0x6u, 0u) << "not a stored block at " << pos;
    const unsigned len = b(pos + 1) | (b(pos + 2) << 8);
    const unsigned nlen = b(pos + 3) | (b(pos + 4) << 8);
    ASSERT_EQ(len ^ 0xffffu, nlen) << "bad stored block at " << pos;
    if (len > 0 && data_before >= content.size() / 3) {
      bytes[pos + 3] = static_cast<char>(bytes[pos + 3] ^ 0x01);  // NLEN no longer matches LEN
      corrupted = true;
      break;
    }
    data_before += len;
    pos += 5 + len;
    ++block;
    if (b(pos - 5 - len) & 1u) break;  // final block
  }
  ASSERT_TRUE(corrupted) << "no block to corrupt after " << block << " blocks";
  std::size_t complete = 0;  // lines wholly before the corrupted block
  for (std::size_t off = 0; complete < lines.size() && off + lines[complete].size() + 1 <= data_before; ++complete) {
    off += lines[complete].size() + 1;
  }
  ASSERT_GT(complete, 0u);

  const std::string path = Write("stored_corrupt.gz", bytes);
  auto r = OpenOrDie(path);
  ASSERT_NE(r, nullptr);
  const ReadOutcome o = ReadAll(*r);
  EXPECT_FALSE(r->status().ok());
  EXPECT_NE(r->status().message().find(path), std::string::npos) << r->status().ToString();
  EXPECT_EQ(o.lines.size(), complete) << "corruption at decompressed offset " << data_before;
  EXPECT_NE(r->status().message().find("corrupt compressed data"), std::string::npos) << r->status().ToString();
  for (std::size_t i = 0; i < o.lines.size() && i < lines.size(); ++i) ASSERT_EQ(o.lines[i], lines[i]);
}

}  // namespace
}  // namespace hean
