// MpscQueue<T>: bounded, lock-free multi-producer / single-consumer queue
// for handing events from I/O threads to the engine thread.
#pragma once

#include <linux/futex.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <atomic>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <new>
#include <type_traits>
#include <utility>

#include "hean/core/check.h"
#include "hean/core/clock.h"
#include "hean/core/time.h"

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define HEAN_CPU_RELAX() _mm_pause()
#else
#define HEAN_CPU_RELAX() std::atomic_signal_fence(std::memory_order_seq_cst)
#endif

namespace hean {

inline constexpr std::size_t kCacheLine = 64;

// How the consumer waits when the queue is empty.
enum class WaitMode : std::uint8_t {
  // Spin briefly, then sleep on a futex until a producer wakes it: no core
  // burnt when idle. Producers pay one full fence per push to check whether
  // the consumer sleeps.
  kBlocking = 0,
  // Spin on the queue: lowest hop latency, one core fully used. Producers do
  // no wake-up work.
  kBusyPoll = 1,
};

// A ring of 2^k cells, each with a sequence number that says whose turn it
// is (the bounded-queue scheme of D. Vyukov): seq == pos means "free for the
// producer of position pos", seq == pos + 1 means "holds the item of pos".
// A producer claims a position with a CAS on the shared tail, constructs the
// item and publishes it with seq = pos + 1 (release); the single consumer
// waits for seq == head + 1, moves the item out and frees the cell for the
// next lap with seq = head + capacity.
//
// Latency refinement: producers keep a cached lower bound of the consumer's
// head on their own cache line. While it proves the target cell free, the
// producer only writes the cell and never reads it, so a hop on an idle
// queue costs one cache-line transfer to the consumer instead of three. Only
// near full does a producer read the cell's seq (and refresh the bound).
//
// No locks; producers wait for each other only on the tail CAS. Items of
// each producer keep their order.
//
// Thread-safety: TryPush from any number of threads; TryPop, WaitPop,
// Consume from ONE consumer thread only. Notify from any thread.
template <class T>
class MpscQueue {
 public:
  // Capacity is rounded up to a power of two (>= 2).
  explicit MpscQueue(std::size_t capacity, WaitMode mode = WaitMode::kBlocking)
      : mask_(std::bit_ceil(capacity < 2 ? std::size_t{2} : capacity) - 1), mode_(mode), cells_(new Cell[mask_ + 1]) {
    for (std::size_t i = 0; i <= mask_; ++i) cells_[i].seq.store(i, std::memory_order_relaxed);
  }
  ~MpscQueue() {
    T tmp;
    while (TryPop(tmp)) {
    }
  }
  MpscQueue(const MpscQueue&) = delete;
  MpscQueue& operator=(const MpscQueue&) = delete;

  std::size_t capacity() const noexcept { return mask_ + 1; }
  WaitMode mode() const noexcept { return mode_; }

  // Returns false, without blocking, if the queue is full.
  template <class U>
  [[nodiscard]] bool TryPush(U&& item) noexcept(std::is_nothrow_constructible_v<T, U&&>) {
    std::size_t pos = tail_.load(std::memory_order_relaxed);
    for (;;) {
      // Fast path: the cached head proves the cell free; no cell is read.
      if (pos - head_cache_.load(std::memory_order_acquire) < capacity()) {
        if (tail_.compare_exchange_weak(pos, pos + 1, std::memory_order_relaxed)) break;
        continue;
      }
      // Slow path (queue near full, or stale cache): ask the cell itself.
      const std::size_t seq = cells_[pos & mask_].seq.load(std::memory_order_acquire);
      const auto dif = static_cast<std::intptr_t>(seq) - static_cast<std::intptr_t>(pos);
      if (dif == 0) {
        // Free for `pos`: the consumer is past pos - capacity.
        head_cache_.store(pos - mask_, std::memory_order_release);
        if (tail_.compare_exchange_weak(pos, pos + 1, std::memory_order_relaxed)) break;
      } else if (dif < 0) {
        return false;  // the consumer has not freed this cell yet: full
      } else {
        pos = tail_.load(std::memory_order_relaxed);  // another producer took it
      }
    }
    Cell& cell = cells_[pos & mask_];
    ::new (static_cast<void*>(cell.storage)) T(std::forward<U>(item));
    cell.seq.store(pos + 1, std::memory_order_release);
    if (mode_ == WaitMode::kBlocking) WakeConsumerIfSleeping();
    return true;
  }

  // Consumer only. Returns false if the queue is empty.
  [[nodiscard]] bool TryPop(T& out) noexcept(std::is_nothrow_move_assignable_v<T>) {
    Cell& cell = cells_[head_ & mask_];
    if (cell.seq.load(std::memory_order_acquire) != head_ + 1) return false;
    T* item = std::launder(reinterpret_cast<T*>(cell.storage));
    out = std::move(*item);
    item->~T();
    cell.seq.store(head_ + mask_ + 1, std::memory_order_release);  // free for the next lap
    ++head_;
    head_pub_.store(head_, std::memory_order_relaxed);
    return true;
  }

  // Consumer only. Calls f(T&&) for up to `max` items available now; returns
  // how many.
  template <class F>
  std::size_t Consume(F&& f, std::size_t max = SIZE_MAX) {
    std::size_t n = 0;
    while (n < max) {
      Cell& cell = cells_[head_ & mask_];
      if (cell.seq.load(std::memory_order_acquire) != head_ + 1) break;
      T* item = std::launder(reinterpret_cast<T*>(cell.storage));
      f(std::move(*item));
      item->~T();
      cell.seq.store(head_ + mask_ + 1, std::memory_order_release);
      ++head_;
      ++n;
    }
    head_pub_.store(head_, std::memory_order_relaxed);
    return n;
  }

  // Consumer only. True if an item is ready at the head.
  bool ReadyToPop() const noexcept { return cells_[head_ & mask_].seq.load(std::memory_order_acquire) == head_ + 1; }

  // Consumer only. Waits up to `timeout` for an item; returns false on
  // timeout or when Notify() interrupted an empty wait. Busy-poll mode spins;
  // blocking mode spins `spin` times, then sleeps on a futex.
  bool WaitPop(T& out, Duration timeout, int spin = 256) {
    if (TryPop(out)) return true;
    const std::int64_t deadline = MonotonicNanos() + timeout.nanos();
    for (int i = 0; i < spin; ++i) {
      HEAN_CPU_RELAX();
      if (TryPop(out)) return true;
    }
    if (mode_ == WaitMode::kBusyPoll) {
      for (std::uint32_t i = 1;; ++i) {
        if (TryPop(out)) return true;
        if (interrupted_.load(std::memory_order_relaxed) && interrupted_.exchange(false, std::memory_order_acq_rel)) {
          return TryPop(out);
        }
        if ((i & 1023) == 0 && MonotonicNanos() >= deadline) return TryPop(out);
        HEAN_CPU_RELAX();
      }
    }
    for (;;) {
      const std::uint32_t epoch = epoch_.load(std::memory_order_seq_cst);
      sleeping_.store(1, std::memory_order_relaxed);
      // Pairs with the fence in WakeConsumerIfSleeping: either the producer
      // sees sleeping_ == 1, or we see its item below.
      std::atomic_thread_fence(std::memory_order_seq_cst);
      if (TryPop(out)) {
        sleeping_.store(0, std::memory_order_relaxed);
        return true;
      }
      // A Notify() that came before we read `epoch` would not wake us.
      if (interrupted_.exchange(false, std::memory_order_seq_cst)) {
        sleeping_.store(0, std::memory_order_relaxed);
        return false;
      }
      const std::int64_t now = MonotonicNanos();
      if (now >= deadline) {
        sleeping_.store(0, std::memory_order_relaxed);
        return false;
      }
      const std::int64_t left = deadline - now;
      timespec ts{static_cast<time_t>(left / 1'000'000'000), static_cast<long>(left % 1'000'000'000)};
      syscall(SYS_futex, reinterpret_cast<std::uint32_t*>(&epoch_), FUTEX_WAIT_PRIVATE, epoch, &ts, nullptr, 0);
      sleeping_.store(0, std::memory_order_relaxed);
      if (TryPop(out)) return true;
      if (interrupted_.exchange(false, std::memory_order_acq_rel)) return false;
    }
  }

  // Interrupts a consumer waiting in WaitPop, sleeping or polling (e.g. to
  // stop the engine); the wait returns false if nothing arrived. A Notify
  // with no wait in progress interrupts the next wait. Any thread.
  void Notify() noexcept {
    interrupted_.store(true, std::memory_order_seq_cst);
    epoch_.fetch_add(1, std::memory_order_seq_cst);
    syscall(SYS_futex, reinterpret_cast<std::uint32_t*>(&epoch_), FUTEX_WAKE_PRIVATE, 1, nullptr, nullptr, 0);
  }

  // Approximate number of items (exact when no push or pop is in flight).
  std::size_t ApproxSize() const noexcept {
    const std::size_t t = tail_.load(std::memory_order_acquire);
    const std::size_t h = head_pub_.load(std::memory_order_relaxed);
    return t >= h ? t - h : 0;
  }

  std::uint64_t wakeups() const noexcept { return wakeups_.load(std::memory_order_relaxed); }

 private:
  struct Cell {
    std::atomic<std::size_t> seq;
    alignas(T) unsigned char storage[sizeof(T)];
  };

  void WakeConsumerIfSleeping() noexcept {
    std::atomic_thread_fence(std::memory_order_seq_cst);
    if (sleeping_.load(std::memory_order_relaxed) != 0 && sleeping_.exchange(0, std::memory_order_relaxed) != 0) {
      epoch_.fetch_add(1, std::memory_order_release);
      wakeups_.fetch_add(1, std::memory_order_relaxed);
      syscall(SYS_futex, reinterpret_cast<std::uint32_t*>(&epoch_), FUTEX_WAKE_PRIVATE, 1, nullptr, nullptr, 0);
    }
  }

  const std::size_t mask_;
  const WaitMode mode_;
  std::unique_ptr<Cell[]> cells_;

  alignas(kCacheLine) std::atomic<std::size_t> tail_{0};  // producers
  std::atomic<std::size_t> head_cache_{0};                // lower bound of head_, for producers
  alignas(kCacheLine) std::size_t head_ = 0;              // consumer
  std::atomic<std::size_t> head_pub_{0};                  // head_, published to producers
  alignas(kCacheLine) std::atomic<std::uint32_t> sleeping_{0};
  std::atomic<std::uint32_t> epoch_{0};
  std::atomic<bool> interrupted_{false};
  std::atomic<std::uint64_t> wakeups_{0};
  char pad_[kCacheLine]{};
};

}  // namespace hean
