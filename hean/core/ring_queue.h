// RingQueue: a FIFO on one growable circular buffer. For queues that are
// filled and drained all the time and stay short (events waiting for their
// local time in a backtest): std::deque allocates and frees a block every
// few elements when they are large, this allocates only when it grows.
//
// T must be default-constructible and movable. Not thread-safe.
#pragma once

#include <cstddef>
#include <utility>
#include <vector>

#include "hean/core/check.h"

namespace hean {

template <class T>
class RingQueue {
 public:
  bool empty() const noexcept { return size_ == 0; }
  std::size_t size() const noexcept { return size_; }
  std::size_t capacity() const noexcept { return buf_.size(); }

  T& front() noexcept {
    HEAN_DCHECK(size_ > 0, "RingQueue::front of an empty queue");
    return buf_[head_];
  }
  const T& front() const noexcept {
    HEAN_DCHECK(size_ > 0, "RingQueue::front of an empty queue");
    return buf_[head_];
  }
  T& back() noexcept {
    HEAN_DCHECK(size_ > 0, "RingQueue::back of an empty queue");
    return buf_[(head_ + size_ - 1) & (buf_.size() - 1)];
  }
  const T& back() const noexcept {
    HEAN_DCHECK(size_ > 0, "RingQueue::back of an empty queue");
    return buf_[(head_ + size_ - 1) & (buf_.size() - 1)];
  }

  void push_back(T value) { push_back_slot() = std::move(value); }
  // Appends an element and returns it to be assigned in place: it holds
  // whatever its slot held before (a default or a moved-from value), so
  // the caller assigns every part of it. Saves a move of large elements.
  T& push_back_slot() {
    if (size_ == buf_.size()) Grow();
    T& slot = buf_[(head_ + size_) & (buf_.size() - 1)];
    ++size_;
    return slot;
  }
  // Removes the front element (its slot keeps a moved-from value until it
  // is reused).
  void pop_front() noexcept {
    HEAN_DCHECK(size_ > 0, "RingQueue::pop_front of an empty queue");
    head_ = (head_ + 1) & (buf_.size() - 1);
    --size_;
  }
  void clear() noexcept {
    head_ = 0;
    size_ = 0;
  }

 private:
  // Capacity stays a power of two, so that positions wrap with a mask.
  void Grow() {
    std::vector<T> next(buf_.empty() ? 8 : buf_.size() * 2);
    for (std::size_t i = 0; i < size_; ++i) next[i] = std::move(buf_[(head_ + i) & (buf_.size() - 1)]);
    buf_ = std::move(next);
    head_ = 0;
  }

  std::vector<T> buf_;
  std::size_t head_ = 0;
  std::size_t size_ = 0;
};

}  // namespace hean
