#include "hean/data/line_reader.h"

#include <zlib.h>

#include <cerrno>
#include <cstring>

namespace hean {

namespace {
constexpr std::size_t kChunk = 1 << 20;  // bytes read per refill
}

Result<std::unique_ptr<LineReader>, Status> LineReader::Open(const std::string& path) {
  errno = 0;
  gzFile gz = gzopen(path.c_str(), "rb");
  if (gz == nullptr) {
    const int err = errno;
    const StatusCode code = err == ENOENT ? StatusCode::kNotFound : StatusCode::kUnavailable;
    return Status(code, path + ": cannot open: " + (err != 0 ? std::strerror(err) : "out of memory"));
  }
  gzbuffer(gz, 1 << 17);
  return std::unique_ptr<LineReader>(new LineReader(path, gz));
}

LineReader::LineReader(std::string path, void* gz) : path_(std::move(path)), gz_(gz) { buf_.resize(kChunk + kPadding); }

LineReader::~LineReader() { gzclose(static_cast<gzFile>(gz_)); }

std::size_t LineReader::readable_after(std::string_view line) const noexcept {
  const char* end = line.data() + line.size();
  return static_cast<std::size_t>(buf_.data() + buf_.size() - end);
}

bool LineReader::Fill() {
  // Move the unread tail to the front, grow if a single line fills the buffer.
  const std::size_t pending = end_ - begin_;
  if (begin_ > 0) {
    std::memmove(buf_.data(), buf_.data() + begin_, pending);
    begin_ = 0;
    end_ = pending;
  }
  if (buf_.size() - kPadding - end_ < kChunk / 2) buf_.resize(buf_.size() * 2);
  const std::size_t room = buf_.size() - kPadding - end_;
  const int n = gzread(static_cast<gzFile>(gz_), buf_.data() + end_, static_cast<unsigned>(room));
  if (n < 0) {
    int errnum = 0;
    const char* msg = gzerror(static_cast<gzFile>(gz_), &errnum);
    status_ = DataLossError(path_ + ": read error after line " + std::to_string(line_number_) + ": " + msg);
    eof_ = true;
    return false;
  }
  if (n == 0) {
    eof_ = true;
    int errnum = 0;
    const char* msg = gzerror(static_cast<gzFile>(gz_), &errnum);
    if (errnum != Z_OK && errnum != Z_STREAM_END) {
      status_ = DataLossError(path_ + ": truncated or corrupt after line " + std::to_string(line_number_) + ": " + msg);
    }
    return false;
  }
  end_ += static_cast<std::size_t>(n);
  bytes_read_ += static_cast<std::uint64_t>(n);
  // Keep the padding after the data zeroed so that views are safely padded.
  std::memset(buf_.data() + end_, 0, std::min(kPadding, buf_.size() - end_));
  return true;
}

bool LineReader::Next(std::string_view* line) {
  for (;;) {
    if (end_ > begin_) {
      const char* start = buf_.data() + begin_;
      const void* nl = std::memchr(start, '\n', end_ - begin_);
      if (nl != nullptr) {
        const auto len = static_cast<std::size_t>(static_cast<const char*>(nl) - start);
        *line = std::string_view(start, len);
        begin_ += len + 1;
        ++line_number_;
        return true;
      }
    }
    if (eof_) {
      if (end_ > begin_ && status_.ok()) {
        // Last line without a newline.
        *line = std::string_view(buf_.data() + begin_, end_ - begin_);
        begin_ = end_;
        ++line_number_;
        return true;
      }
      return false;
    }
    if (!Fill() && !eof_) return false;
  }
}

}  // namespace hean
