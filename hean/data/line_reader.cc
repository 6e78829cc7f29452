#include "hean/data/line_reader.h"

#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>

namespace hean {

namespace {
constexpr std::size_t kChunk = 1 << 20;    // decoded bytes asked for per refill
constexpr std::size_t kInChunk = 1 << 18;  // compressed bytes read at a time

std::uint32_t Le32(const unsigned char* p) {
  return static_cast<std::uint32_t>(p[0]) | (static_cast<std::uint32_t>(p[1]) << 8) |
         (static_cast<std::uint32_t>(p[2]) << 16) | (static_cast<std::uint32_t>(p[3]) << 24);
}
std::uint16_t Le16(const unsigned char* p) { return static_cast<std::uint16_t>(p[0] | (p[1] << 8)); }
}  // namespace

// Turns the file's bytes into decoded text: plain copy, gzip (zlib inflate
// with gzip framing, members one after another) or the one member of a zip
// archive (raw inflate or stored, CRC-32 checked).
struct LineReader::Decoder {
  enum class Kind : std::uint8_t { kPlain, kGzip, kZip };
  std::FILE* file = nullptr;
  Kind kind = Kind::kPlain;
  z_stream zs{};
  bool zs_init = false;
  std::vector<unsigned char> in;
  std::size_t in_pos = 0, in_end = 0;
  bool in_eof = false;
  bool done = false;
  // zip member
  std::uint16_t zip_method = 0;
  std::uint16_t zip_flags = 0;
  std::uint32_t zip_crc_expected = 0;
  std::uint64_t zip_stored_left = 0;
  std::uint32_t crc = 0;
  std::string member_name;

  ~Decoder() {
    if (zs_init) inflateEnd(&zs);
    if (file != nullptr) std::fclose(file);
  }

  // Makes at least `n` unread input bytes available if the file has them.
  bool Want(std::size_t n) {
    if (in_end - in_pos >= n) return true;
    if (in_pos > 0) {
      std::memmove(in.data(), in.data() + in_pos, in_end - in_pos);
      in_end -= in_pos;
      in_pos = 0;
    }
    if (in.size() < n) in.resize(std::max(n, kInChunk));
    while (in_end < n && !in_eof) {
      const std::size_t got = std::fread(in.data() + in_end, 1, in.size() - in_end, file);
      if (got == 0) in_eof = true;
      in_end += got;
    }
    return in_end - in_pos >= n;
  }

  // Reads the zip local file header at the input position.
  Status ZipHeader() {
    if (!Want(30)) return DataLossError("zip local header cut short");
    const unsigned char* h = in.data() + in_pos;
    if (Le32(h) != 0x04034b50u) return DataLossError("not a zip local file header");
    zip_flags = Le16(h + 6);
    zip_method = Le16(h + 8);
    zip_crc_expected = Le32(h + 14);
    const std::uint32_t csize = Le32(h + 18);
    const std::size_t name_len = Le16(h + 26), extra_len = Le16(h + 28);
    if ((zip_flags & 1u) != 0) return InvalidArgumentError("zip member is encrypted");
    if (!Want(30 + name_len + extra_len)) return DataLossError("zip local header cut short");
    member_name.assign(reinterpret_cast<const char*>(in.data() + in_pos + 30), name_len);
    in_pos += 30 + name_len + extra_len;
    crc = 0;
    if (zip_method == 8) {
      if (inflateInit2(&zs, -MAX_WBITS) != Z_OK) return InternalError("inflateInit2 failed");
      zs_init = true;
    } else if (zip_method == 0) {
      if ((zip_flags & 8u) != 0 || csize == 0xffffffffu) {
        return InvalidArgumentError("zip member \"" + member_name + "\" is stored with unknown size (unsupported)");
      }
      zip_stored_left = csize;
    } else {
      return InvalidArgumentError("zip member \"" + member_name + "\" uses compression method " +
                                  std::to_string(zip_method) + " (HEAN reads stored and deflate)");
    }
    return Status::Ok();
  }

  // After a zip member's data: check the CRC and that no other file follows.
  Status ZipEnd() {
    std::uint32_t expected = zip_crc_expected;
    if ((zip_flags & 8u) != 0) {
      // Data descriptor, optionally with its signature.
      if (!Want(4)) return DataLossError("zip data descriptor missing");
      if (Le32(in.data() + in_pos) == 0x08074b50u) in_pos += 4;
      if (!Want(4)) return DataLossError("zip data descriptor missing");
      expected = Le32(in.data() + in_pos);
      in_pos += 12;  // crc + sizes (32-bit; Zip64 descriptors are longer, we stop here anyway)
    }
    if (crc != expected) return DataLossError("zip member \"" + member_name + "\" fails its CRC-32 check");
    // Anything but another local header (the central directory, or nothing) ends the archive.
    if (Want(4) && Le32(in.data() + in_pos) == 0x04034b50u) {
      return InvalidArgumentError("zip archive holds more than one file (HEAN reads one-file archives)");
    }
    return Status::Ok();
  }

  // Decodes up to `room` bytes into dst. Returns bytes produced; 0 with ok
  // status at the end; on error, returns what was produced before it and
  // sets *err (the caller takes the bytes first).
  std::size_t Read(char* dst, std::size_t room, Status* err) {
    if (done) return 0;
    if (kind == Kind::kPlain) {
      const std::size_t got = std::fread(dst, 1, room, file);
      if (got == 0) {
        if (std::ferror(file)) *err = DataLossError(std::string("read error: ") + std::strerror(errno));
        done = true;
      }
      return got;
    }
    if (kind == Kind::kZip && zip_method == 0) {
      if (zip_stored_left == 0) {
        done = true;
        *err = ZipEnd();
        return 0;
      }
      std::size_t n = std::min<std::uint64_t>(room, zip_stored_left);
      if (!Want(1)) {
        done = true;
        *err = DataLossError("zip member cut short (file truncated)");
        return 0;
      }
      n = std::min(n, in_end - in_pos);
      std::memcpy(dst, in.data() + in_pos, n);
      in_pos += n;
      zip_stored_left -= n;
      crc = static_cast<std::uint32_t>(crc32(crc, reinterpret_cast<const Bytef*>(dst), static_cast<uInt>(n)));
      return n;
    }
    std::size_t produced = 0;
    while (produced < room) {
      if (in_pos == in_end && !Want(1)) {
        done = true;
        *err = DataLossError("compressed stream ends early (file truncated)");
        return produced;
      }
      zs.next_in = in.data() + in_pos;
      zs.avail_in = static_cast<uInt>(std::min<std::size_t>(in_end - in_pos, 1u << 30));
      zs.next_out = reinterpret_cast<Bytef*>(dst + produced);
      zs.avail_out = static_cast<uInt>(std::min<std::size_t>(room - produced, 1u << 30));
      const uInt before_out = zs.avail_out;
      const int rc = inflate(&zs, Z_NO_FLUSH);
      const std::size_t out_n = before_out - zs.avail_out;
      if (kind == Kind::kZip) {
        crc = static_cast<std::uint32_t>(
            crc32(crc, reinterpret_cast<const Bytef*>(dst + produced), static_cast<uInt>(out_n)));
      }
      produced += out_n;
      in_pos = static_cast<std::size_t>(zs.next_in - in.data());
      if (rc == Z_STREAM_END) {
        if (kind == Kind::kZip) {
          done = true;
          *err = ZipEnd();
          return produced;
        }
        // gzip: another member may follow.
        if (!Want(2)) {
          done = true;
          return produced;
        }
        if (in[in_pos] != 0x1f || in[in_pos + 1] != 0x8b) {
          done = true;
          *err = DataLossError("unexpected bytes after the end of the gzip stream");
          return produced;
        }
        inflateReset(&zs);
        continue;
      }
      if (rc == Z_BUF_ERROR && out_n == 0 && zs.avail_in == 0) continue;  // needs input
      if (rc != Z_OK && rc != Z_BUF_ERROR) {
        done = true;
        *err = DataLossError(std::string("corrupt compressed data: ") + (zs.msg != nullptr ? zs.msg : "inflate error"));
        return produced;
      }
    }
    return produced;
  }
};

Result<std::unique_ptr<LineReader>, Status> LineReader::Open(const std::string& path) {
  errno = 0;
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) {
    const int err = errno;
    const StatusCode code = err == ENOENT ? StatusCode::kNotFound : StatusCode::kUnavailable;
    return Status(code, path + ": cannot open: " + (err != 0 ? std::strerror(err) : "out of memory"));
  }
  auto dec = std::make_unique<Decoder>();
  dec->file = f;
  dec->in.resize(kInChunk);
  if (dec->Want(4)) {
    const unsigned char* m = dec->in.data();
    if (m[0] == 0x1f && m[1] == 0x8b) {
      dec->kind = Decoder::Kind::kGzip;
      if (inflateInit2(&dec->zs, 16 + MAX_WBITS) != Z_OK) return InternalError(path + ": inflateInit2 failed");
      dec->zs_init = true;
    } else if (Le32(m) == 0x04034b50u) {
      dec->kind = Decoder::Kind::kZip;
      if (Status s = dec->ZipHeader(); !s.ok()) return Status(s.code(), path + ": " + s.message());
    }
  }
  if (dec->kind == Decoder::Kind::kPlain) {
    // Hand the bytes already read back to the plain reader.
    std::rewind(f);
    dec->in_pos = dec->in_end = 0;
  }
  return std::unique_ptr<LineReader>(new LineReader(path, std::move(dec)));
}

LineReader::LineReader(std::string path, std::unique_ptr<Decoder> decoder)
    : path_(std::move(path)), dec_(std::move(decoder)) {
  buf_.resize(kChunk + kPadding);
}

LineReader::~LineReader() = default;

std::string_view LineReader::compression() const noexcept {
  switch (dec_->kind) {
    case Decoder::Kind::kGzip: return "gzip";
    case Decoder::Kind::kZip: return "zip";
    case Decoder::Kind::kPlain: break;
  }
  return "plain";
}

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
  Status err;
  const std::size_t n = dec_->Read(buf_.data() + end_, room, &err);
  if (!err.ok()) {
    // Lines decoded before the problem are still handed out (Next stops
    // before the partial line at the cut); then status() reports it.
    const auto complete = static_cast<std::uint64_t>(std::count(buf_.data(), buf_.data() + end_ + n, '\n'));
    status_ =
        Status(err.code(), path_ + ": after line " + std::to_string(line_number_ + complete) + ": " + err.message());
    eof_ = true;
  }
  if (n == 0) {
    eof_ = true;
    return false;
  }
  end_ += n;
  bytes_read_ += n;
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
