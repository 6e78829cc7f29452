// LineReader: streams the lines of a text file, plain, gzip-compressed or
// the one file of a zip archive (detected from the content), in constant
// memory.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "hean/core/status.h"

namespace hean {

// Reads lines without their '\n' (a trailing '\r' is kept). Each line view
// stays valid until the next call to Next() and is followed in memory by at
// least kPadding readable bytes, so it can be handed to simdjson without a
// copy. A compressed stream that ends early (truncated file), is corrupt or
// fails its CRC is an error naming the file and the last line read; every
// complete line decoded before the problem is still returned first (the
// partial line at the cut is not). Concatenated gzip members are read as one
// stream. A zip archive must hold one file (stored or deflated), as Bybit's
// archives do; its local header is read, so a zip cut short is read up to
// the cut.
//
// Not thread-safe.
class LineReader {
 public:
  static constexpr std::size_t kPadding = 64;

  // Opens `path`. Errors: the file cannot be opened (kNotFound /
  // kUnavailable), with the path and the system's reason.
  static Result<std::unique_ptr<LineReader>, Status> Open(const std::string& path);
  ~LineReader();
  LineReader(const LineReader&) = delete;
  LineReader& operator=(const LineReader&) = delete;

  // Next line into *line; false at the end of the data or on an error
  // (then status() says which).
  bool Next(std::string_view* line);

  // OK at a clean end of file; the error otherwise.
  const Status& status() const noexcept { return status_; }
  // 1-based number of the line last returned.
  std::uint64_t line_number() const noexcept { return line_number_; }
  const std::string& path() const noexcept { return path_; }
  // Decoded bytes so far.
  std::uint64_t bytes_read() const noexcept { return bytes_read_; }
  // "plain", "gzip" or "zip".
  std::string_view compression() const noexcept;
  // Bytes after the end of the line returned last that may be read (>= kPadding).
  std::size_t readable_after(std::string_view line) const noexcept;

 private:
  struct Decoder;
  LineReader(std::string path, std::unique_ptr<Decoder> decoder);
  bool Fill();

  std::string path_;
  std::unique_ptr<Decoder> dec_;
  std::vector<char> buf_;
  std::size_t begin_ = 0;  // start of unread data in buf_
  std::size_t end_ = 0;    // end of valid data in buf_
  bool eof_ = false;
  Status status_;
  std::uint64_t line_number_ = 0;
  std::uint64_t bytes_read_ = 0;
};

}  // namespace hean
