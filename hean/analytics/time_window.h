// TimeWindow<T>: the entries of the last `span` of clock time, oldest first.
//
// A ring buffer that grows by doubling when full and never shrinks, so after
// warm-up a window of steady size allocates nothing. Entries carry their
// time; Expire(now) drops every entry with time <= now - span (an entry
// exactly `span` old is out: the window is the half-open (now - span, now]).
// Callers keep their own running sums and adjust them in the on_drop
// callback, so no statistic is recomputed from scratch per event.
//
// Not thread-safe: one engine thread.
#pragma once

#include <cstddef>
#include <utility>
#include <vector>

#include "hean/core/check.h"
#include "hean/core/time.h"

namespace hean {

template <class T>
class TimeWindow {
 public:
  struct Entry {
    UnixNanos time;
    T value;
  };

  explicit TimeWindow(Duration span, std::size_t initial_capacity = 64) : span_(span) {
    HEAN_CHECK(span > Duration::Zero(), "TimeWindow span must be positive");
    std::size_t cap = 1;
    while (cap < initial_capacity) cap <<= 1;
    buf_.resize(cap);
  }

  Duration span() const noexcept { return span_; }
  std::size_t size() const noexcept { return size_; }
  bool empty() const noexcept { return size_ == 0; }
  std::size_t capacity() const noexcept { return buf_.size(); }

  // Appends an entry. Times must not go backwards (a later entry with an
  // earlier time is clamped to the newest time so that expiry stays in order).
  void Push(UnixNanos time, const T& value) {
    if (size_ != 0 && time < back().time) time = back().time;
    if (size_ == buf_.size()) Grow();
    buf_[(head_ + size_) & (buf_.size() - 1)] = Entry{time, value};
    ++size_;
  }

  // Drops entries older than the window at `now`, calling on_drop(const T&)
  // for each, oldest first. Returns how many were dropped.
  template <class F>
  std::size_t Expire(UnixNanos now, F&& on_drop) {
    const UnixNanos cutoff = now - span_;
    std::size_t n = 0;
    while (size_ != 0 && buf_[head_].time <= cutoff) {
      on_drop(buf_[head_].value);
      PopFront();
      ++n;
    }
    return n;
  }
  std::size_t Expire(UnixNanos now) {
    return Expire(now, [](const T&) {});
  }

  // i = 0 is the oldest entry.
  const Entry& at(std::size_t i) const noexcept {
    HEAN_DCHECK(i < size_);
    return buf_[(head_ + i) & (buf_.size() - 1)];
  }
  const Entry& front() const noexcept { return at(0); }
  const Entry& back() const noexcept { return at(size_ - 1); }

  template <class F>
  void ForEach(F&& f) const {
    for (std::size_t i = 0; i < size_; ++i) f(at(i));
  }

  void PopFront() noexcept {
    HEAN_DCHECK(size_ != 0);
    head_ = (head_ + 1) & (buf_.size() - 1);
    --size_;
  }

  void Clear() noexcept {
    head_ = 0;
    size_ = 0;
  }

 private:
  void Grow() {
    std::vector<Entry> next(buf_.size() * 2);
    for (std::size_t i = 0; i < size_; ++i) next[i] = std::move(buf_[(head_ + i) & (buf_.size() - 1)]);
    buf_.swap(next);
    head_ = 0;
  }

  Duration span_;
  std::vector<Entry> buf_;  // capacity is a power of two
  std::size_t head_ = 0;
  std::size_t size_ = 0;
};

}  // namespace hean
