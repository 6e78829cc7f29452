#include "hean/bus/mpsc_queue.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "hean/core/test_support.h"

namespace hean {
namespace {

using Clock = std::chrono::steady_clock;

// Items per producer in the stress tests: HEAN_MPSC_ITEMS_PER_PRODUCER
// overrides; otherwise 1,000,000, or 100,000 under a sanitizer.
std::uint64_t ItemsPerProducer() {
  if (const char* env = std::getenv("HEAN_MPSC_ITEMS_PER_PRODUCER")) {
    const long long v = std::atoll(env);
    if (v > 0) return static_cast<std::uint64_t>(v);
  }
  return HEAN_TEST_SANITIZED ? 100'000 : 1'000'000;
}

// Counts live instances (every constructor increments, the destructor
// decrements) so that a test can tell whether the queue destroyed what it
// held.
std::atomic<int> g_live_counted{0};
struct Counted {
  int value = 0;
  Counted() noexcept { g_live_counted.fetch_add(1, std::memory_order_relaxed); }
  explicit Counted(int v) noexcept : value(v) { g_live_counted.fetch_add(1, std::memory_order_relaxed); }
  Counted(const Counted& o) noexcept : value(o.value) { g_live_counted.fetch_add(1, std::memory_order_relaxed); }
  Counted(Counted&& o) noexcept : value(o.value) { g_live_counted.fetch_add(1, std::memory_order_relaxed); }
  Counted& operator=(const Counted&) noexcept = default;
  Counted& operator=(Counted&&) noexcept = default;
  ~Counted() { g_live_counted.fetch_sub(1, std::memory_order_relaxed); }
};

// What a producer does when the queue is full: yield a few times, then
// sleep briefly. On a machine with fewer cores than threads (CI, a busy-poll
// consumer spinning on one core) pure yielding can starve the producer that
// holds the cell the consumer waits for.
class Backoff {
 public:
  void Pause() {
    if (++n_ < 64) {
      std::this_thread::yield();
    } else {
      std::this_thread::sleep_for(std::chrono::microseconds(20));
    }
  }

 private:
  int n_ = 0;
};

template <class Q, class T>
void PushWithBackoff(Q& q, const T& item) {
  Backoff b;
  while (!q.TryPush(item)) b.Pause();
}

constexpr std::uint64_t Encode(std::uint64_t producer, std::uint64_t seq) { return (producer << 40) | seq; }
constexpr std::uint64_t ProducerOf(std::uint64_t v) { return v >> 40; }
constexpr std::uint64_t SeqOf(std::uint64_t v) { return v & ((std::uint64_t{1} << 40) - 1); }

// ---------------------------------------------------------------------------
// Single-thread behaviour

TEST(MpscQueue, CapacityRoundsUpToPowerOfTwo) {
  EXPECT_EQ(MpscQueue<int>(0).capacity(), 2u);
  EXPECT_EQ(MpscQueue<int>(1).capacity(), 2u);
  EXPECT_EQ(MpscQueue<int>(2).capacity(), 2u);
  EXPECT_EQ(MpscQueue<int>(3).capacity(), 4u);
  EXPECT_EQ(MpscQueue<int>(5).capacity(), 8u);
  EXPECT_EQ(MpscQueue<int>(1000).capacity(), 1024u);
  EXPECT_EQ(MpscQueue<int>(1024).capacity(), 1024u);
  EXPECT_EQ(MpscQueue<int>(1025).capacity(), 2048u);
}

TEST(MpscQueue, ModeIsKept) {
  EXPECT_EQ(MpscQueue<int>(4).mode(), WaitMode::kBlocking);
  EXPECT_EQ(MpscQueue<int>(4, WaitMode::kBusyPoll).mode(), WaitMode::kBusyPoll);
}

TEST(MpscQueue, EmptyPopReturnsFalse) {
  MpscQueue<int> q(4);
  int v = -1;
  EXPECT_FALSE(q.TryPop(v));
  EXPECT_EQ(v, -1);
  EXPECT_FALSE(q.ReadyToPop());
  EXPECT_EQ(q.ApproxSize(), 0u);
  EXPECT_EQ(q.Consume([](int) { ADD_FAILURE(); }), 0u);
}

TEST(MpscQueue, FullPushReturnsFalse) {
  for (std::size_t requested : {1u, 2u, 3u, 8u, 100u}) {
    MpscQueue<int> q(requested);
    const std::size_t cap = q.capacity();
    for (std::size_t i = 0; i < cap; ++i) ASSERT_TRUE(q.TryPush(static_cast<int>(i))) << requested;
    EXPECT_FALSE(q.TryPush(-1)) << requested;
    EXPECT_FALSE(q.TryPush(-2)) << requested;
    EXPECT_EQ(q.ApproxSize(), cap);
    int v;
    ASSERT_TRUE(q.TryPop(v));
    EXPECT_EQ(v, 0);
    EXPECT_TRUE(q.TryPush(static_cast<int>(cap)));  // one slot freed
    EXPECT_FALSE(q.TryPush(-3));
    for (std::size_t i = 1; i <= cap; ++i) {
      ASSERT_TRUE(q.TryPop(v));
      EXPECT_EQ(v, static_cast<int>(i));
    }
    EXPECT_FALSE(q.TryPop(v));
  }
}

TEST(MpscQueue, FifoOverManyLaps) {
  MpscQueue<std::uint64_t> q(8);
  std::uint64_t next_in = 0;
  std::uint64_t next_out = 0;
  for (int round = 0; round < 1000; ++round) {
    const std::uint64_t size = next_in - next_out;
    const std::uint64_t n = std::min<std::uint64_t>(1 + round % 8, 8 - size);
    for (std::uint64_t i = 0; i < n; ++i) ASSERT_TRUE(q.TryPush(next_in++));
    if (next_in - next_out == 8) {
      EXPECT_FALSE(q.TryPush(std::uint64_t{999}));
    }
    const std::uint64_t m = 1 + static_cast<std::uint64_t>(round * 7) % (next_in - next_out);
    for (std::uint64_t i = 0; i < m; ++i) {
      std::uint64_t v;
      ASSERT_TRUE(q.TryPop(v));
      ASSERT_EQ(v, next_out++);
    }
    EXPECT_EQ(q.ApproxSize(), next_in - next_out);
  }
  std::uint64_t v;
  while (q.TryPop(v)) ASSERT_EQ(v, next_out++);
  EXPECT_EQ(next_out, next_in);
}

TEST(MpscQueue, ConsumeRespectsMax) {
  MpscQueue<int> q(16);
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(q.TryPush(i));
  std::vector<int> got;
  EXPECT_EQ(q.Consume([&](int&& v) { got.push_back(v); }, 3), 3u);
  EXPECT_EQ(got, (std::vector<int>{0, 1, 2}));
  EXPECT_EQ(q.ApproxSize(), 7u);
  EXPECT_EQ(q.Consume([&](int&& v) { got.push_back(v); }, 0), 0u);
  EXPECT_EQ(q.Consume([&](int&& v) { got.push_back(v); }), 7u);
  EXPECT_EQ(got, (std::vector<int>{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}));
  EXPECT_EQ(q.Consume([&](int&& v) { got.push_back(v); }), 0u);
  EXPECT_EQ(q.ApproxSize(), 0u);
  // Room is handed back by Consume.
  for (int i = 0; i < 16; ++i) ASSERT_TRUE(q.TryPush(i));
  EXPECT_FALSE(q.TryPush(16));
}

TEST(MpscQueue, ReadyToPopAndApproxSize) {
  MpscQueue<int> q(4);
  EXPECT_FALSE(q.ReadyToPop());
  ASSERT_TRUE(q.TryPush(1));
  ASSERT_TRUE(q.TryPush(2));
  EXPECT_TRUE(q.ReadyToPop());
  EXPECT_EQ(q.ApproxSize(), 2u);
  int v;
  ASSERT_TRUE(q.TryPop(v));
  EXPECT_EQ(q.ApproxSize(), 1u);
  ASSERT_TRUE(q.TryPop(v));
  EXPECT_FALSE(q.ReadyToPop());
  EXPECT_EQ(q.ApproxSize(), 0u);
}

TEST(MpscQueue, WaitPopReturnsAvailableItemAtOnce) {
  for (WaitMode mode : {WaitMode::kBlocking, WaitMode::kBusyPoll}) {
    MpscQueue<int> q(4, mode);
    ASSERT_TRUE(q.TryPush(7));
    int v = 0;
    EXPECT_TRUE(q.WaitPop(v, Duration::Seconds(10)));
    EXPECT_EQ(v, 7);
  }
}

TEST(MpscQueue, DestructorDestroysRemainingItems) {
  const int base = g_live_counted.load();
  {
    MpscQueue<Counted> q(8);
    for (int i = 0; i < 5; ++i) ASSERT_TRUE(q.TryPush(Counted(i)));
    EXPECT_EQ(g_live_counted.load() - base, 5);  // temporaries gone, 5 held
    Counted out;
    ASSERT_TRUE(q.TryPop(out));
    EXPECT_EQ(out.value, 0);
    EXPECT_EQ(g_live_counted.load() - base, 5);  // 4 held + out
    EXPECT_EQ(q.Consume([](Counted&& c) { EXPECT_EQ(c.value, 1); }, 1), 1u);
    EXPECT_EQ(g_live_counted.load() - base, 4);  // 3 held + out
  }
  EXPECT_EQ(g_live_counted.load() - base, 0);
}

TEST(MpscQueue, DestructorReleasesSharedPointers) {
  auto p = std::make_shared<int>(42);
  {
    MpscQueue<std::shared_ptr<int>> q(4);
    ASSERT_TRUE(q.TryPush(p));
    ASSERT_TRUE(q.TryPush(p));
    ASSERT_TRUE(q.TryPush(p));
    EXPECT_EQ(p.use_count(), 4);
    std::shared_ptr<int> out;
    ASSERT_TRUE(q.TryPop(out));
    EXPECT_EQ(p.use_count(), 4);
    out.reset();
    EXPECT_EQ(p.use_count(), 3);
  }
  EXPECT_EQ(p.use_count(), 1);
}

TEST(MpscQueue, MovesNonTrivialItems) {
  MpscQueue<std::string> q(4);
  const std::string long_text(1000, 'x');  // beyond the small-string buffer
  std::string moved = long_text;
  ASSERT_TRUE(q.TryPush(std::move(moved)));
  ASSERT_TRUE(q.TryPush(std::string("short")));
  const std::string copy_src = "copied";
  ASSERT_TRUE(q.TryPush(copy_src));
  EXPECT_EQ(copy_src, "copied");
  std::string out;
  ASSERT_TRUE(q.TryPop(out));
  EXPECT_EQ(out, long_text);
  ASSERT_TRUE(q.TryPop(out));
  EXPECT_EQ(out, "short");
  ASSERT_TRUE(q.TryPop(out));
  EXPECT_EQ(out, "copied");

  MpscQueue<std::unique_ptr<int>> uq(2);
  ASSERT_TRUE(uq.TryPush(std::make_unique<int>(5)));
  std::unique_ptr<int> u;
  ASSERT_TRUE(uq.TryPop(u));
  ASSERT_NE(u, nullptr);
  EXPECT_EQ(*u, 5);
}

// ---------------------------------------------------------------------------
// Waiting

TEST(MpscQueue, WaitPopTimesOutOnEmptyQueue) {
  for (WaitMode mode : {WaitMode::kBlocking, WaitMode::kBusyPoll}) {
    MpscQueue<int> q(4, mode);
    int v = -1;
    const auto t0 = Clock::now();
    EXPECT_FALSE(q.WaitPop(v, Duration::Millis(20)));
    const auto elapsed = Clock::now() - t0;
    EXPECT_GE(elapsed, std::chrono::milliseconds(20)) << static_cast<int>(mode);
    EXPECT_EQ(v, -1);
  }
}

TEST(MpscQueue, WaitPopWithZeroTimeoutReturnsFalse) {
  MpscQueue<int> q(4);
  int v;
  EXPECT_FALSE(q.WaitPop(v, Duration::Zero()));
  EXPECT_FALSE(q.WaitPop(v, Duration::Zero(), 0));
}

TEST(MpscQueue, NotifyInterruptsEmptyBlockingWait) {
  MpscQueue<int> q(4, WaitMode::kBlocking);
  std::atomic<bool> waiting{false};
  bool result = true;
  Clock::duration waited{};
  std::thread consumer([&] {
    int v;
    waiting.store(true);
    const auto t0 = Clock::now();
    result = q.WaitPop(v, Duration::Seconds(10));
    waited = Clock::now() - t0;
  });
  while (!waiting.load()) std::this_thread::yield();
  std::this_thread::sleep_for(std::chrono::milliseconds(20));  // let it fall asleep
  q.Notify();
  consumer.join();
  EXPECT_FALSE(result);
  EXPECT_LT(waited, std::chrono::seconds(10));

  // The interrupt is consumed: the next wait times out normally, and items
  // flow as before.
  int v = -1;
  const auto t0 = Clock::now();
  EXPECT_FALSE(q.WaitPop(v, Duration::Millis(5)));
  EXPECT_GE(Clock::now() - t0, std::chrono::milliseconds(5));
  ASSERT_TRUE(q.TryPush(3));
  EXPECT_TRUE(q.WaitPop(v, Duration::Millis(5)));
  EXPECT_EQ(v, 3);
}

TEST(MpscQueue, NotifyBeforeWaitMakesNextEmptyWaitReturn) {
  MpscQueue<int> q(4, WaitMode::kBlocking);
  q.Notify();
  int v;
  const auto t0 = Clock::now();
  EXPECT_FALSE(q.WaitPop(v, Duration::Seconds(10)));
  EXPECT_LT(Clock::now() - t0, std::chrono::seconds(10));
}

TEST(MpscQueue, NotifyWithItemStillDeliversItem) {
  MpscQueue<int> q(4, WaitMode::kBlocking);
  ASSERT_TRUE(q.TryPush(9));
  q.Notify();
  int v = 0;
  EXPECT_TRUE(q.WaitPop(v, Duration::Seconds(10)));
  EXPECT_EQ(v, 9);
}

TEST(MpscQueue, ProducerWakesSleepingConsumer) {
  MpscQueue<int> q(4, WaitMode::kBlocking);
  // A consumer that was not scheduled before the push needs no wake-up; a
  // few rounds make sure that at least one push found it asleep.
  for (int round = 0; round < 10 && q.wakeups() == 0; ++round) {
    std::atomic<bool> waiting{false};
    bool result = false;
    int got = 0;
    std::thread consumer([&] {
      waiting.store(true);
      result = q.WaitPop(got, Duration::Seconds(10));
    });
    while (!waiting.load()) std::this_thread::yield();
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    ASSERT_TRUE(q.TryPush(11 + round));
    consumer.join();
    EXPECT_TRUE(result);
    EXPECT_EQ(got, 11 + round);
  }
  EXPECT_GE(q.wakeups(), 1u);
}

TEST(MpscQueue, BusyPollProducersDoNoWakeupWork) {
  MpscQueue<int> q(4, WaitMode::kBusyPoll);
  std::thread consumer([&] {
    int v;
    EXPECT_TRUE(q.WaitPop(v, Duration::Seconds(10)));
    EXPECT_EQ(v, 1);
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(5));
  ASSERT_TRUE(q.TryPush(1));
  consumer.join();
  EXPECT_EQ(q.wakeups(), 0u);
}

// ---------------------------------------------------------------------------
// Several producers, one consumer

struct StressResult {
  std::vector<std::uint64_t> received_per_producer;
  std::uint64_t duplicates_or_reorders = 0;
  std::uint64_t foreign = 0;
  std::uint64_t full_retries = 0;
  std::uint64_t wakeups = 0;
  bool stalled = false;
};

// kProducers threads each push `per_producer` items (producer, seq) with
// TryPush (retrying when full). The producers work in phases: at the end of
// each phase they wait until the consumer has taken everything pushed so
// far, then pause a few ms, so that a blocking consumer really falls asleep
// and must be woken by the next push. The consumer (this thread) mixes
// Consume and WaitPop.
StressResult RunStress(WaitMode mode, int producers, std::uint64_t per_producer, std::size_t capacity, int phases) {
  MpscQueue<std::uint64_t> q(capacity, mode);
  std::atomic<std::uint64_t> consumed{0};
  std::atomic<std::uint64_t> full_retries{0};
  std::atomic<bool> abort{false};
  StressResult r;
  r.received_per_producer.assign(static_cast<std::size_t>(producers), 0);

  auto phase_end = [&](int phase) { return per_producer * static_cast<std::uint64_t>(phase + 1) / phases; };

  std::vector<std::thread> threads;
  for (int p = 0; p < producers; ++p) {
    threads.emplace_back([&, p] {
      std::uint64_t retries = 0;
      std::uint64_t seq = 0;
      for (int phase = 0; phase < phases; ++phase) {
        const std::uint64_t end = phase_end(phase);
        for (; seq < end; ++seq) {
          Backoff backoff;
          while (!q.TryPush(Encode(static_cast<std::uint64_t>(p), seq))) {
            ++retries;
            if (abort.load(std::memory_order_relaxed)) return;
            backoff.Pause();
          }
        }
        if (phase + 1 < phases) {
          // Everyone's phase done and consumed: the queue is empty.
          const std::uint64_t all = end * static_cast<std::uint64_t>(producers);
          while (consumed.load(std::memory_order_acquire) < all) {
            if (abort.load(std::memory_order_relaxed)) return;
            std::this_thread::sleep_for(std::chrono::microseconds(200));
          }
          std::this_thread::sleep_for(std::chrono::milliseconds(3));
        }
      }
      full_retries.fetch_add(retries, std::memory_order_relaxed);
    });
  }

  const std::uint64_t total = per_producer * static_cast<std::uint64_t>(producers);
  std::uint64_t n = 0;
  auto take = [&](std::uint64_t v) {
    const std::uint64_t p = ProducerOf(v);
    if (p >= static_cast<std::uint64_t>(producers)) {
      ++r.foreign;
    } else {
      std::uint64_t& expected = r.received_per_producer[static_cast<std::size_t>(p)];
      if (SeqOf(v) != expected) ++r.duplicates_or_reorders;
      expected = SeqOf(v) + 1;
    }
    ++n;
  };
  auto last_progress = Clock::now();
  std::uint64_t n_at_last_progress = 0;
  while (n < total) {
    const std::size_t got = q.Consume([&](std::uint64_t&& v) { take(v); }, 64);
    if (got == 0) {
      std::uint64_t v;
      // A blocking consumer sleeps through the wait. A busy-polling one
      // spins, so it waits briefly and then yields: with fewer cores than
      // threads it could otherwise spin while the producer whose item it
      // waits for is not running.
      const Duration timeout = mode == WaitMode::kBlocking ? Duration::Millis(100) : Duration::Millis(1);
      if (q.WaitPop(v, timeout)) {
        take(v);
      } else if (Clock::now() - last_progress > std::chrono::seconds(60)) {
        r.stalled = true;  // a lost item or a lost wake-up; fail, do not hang
        abort.store(true);
        break;
      } else if (mode == WaitMode::kBusyPoll) {
        std::this_thread::yield();
      }
    }
    if (n != n_at_last_progress) {
      n_at_last_progress = n;
      last_progress = Clock::now();
    }
    consumed.store(n, std::memory_order_release);
  }
  for (auto& t : threads) t.join();
  std::uint64_t v;
  while (q.TryPop(v)) take(v);  // nothing may be left over
  r.full_retries = full_retries.load();
  r.wakeups = q.wakeups();
  return r;
}

class MpscQueueStress : public ::testing::TestWithParam<WaitMode> {};

TEST_P(MpscQueueStress, FourProducersNothingLostDuplicatedOrReordered) {
  constexpr int kProducers = 4;
  const std::uint64_t per = ItemsPerProducer();
  const StressResult r = RunStress(GetParam(), kProducers, per, 1024, 8);
  EXPECT_FALSE(r.stalled);
  // Blocking: the consumer slept in each pause and a producer woke it.
  // Busy-poll: producers never do wake-up work.
  if (GetParam() == WaitMode::kBlocking) {
    EXPECT_GT(r.wakeups, 0u);
  } else {
    EXPECT_EQ(r.wakeups, 0u);
  }
  EXPECT_EQ(r.foreign, 0u);
  EXPECT_EQ(r.duplicates_or_reorders, 0u);
  for (int p = 0; p < kProducers; ++p) {
    EXPECT_EQ(r.received_per_producer[static_cast<std::size_t>(p)], per) << "producer " << p;
  }
}

TEST_P(MpscQueueStress, TinyQueueUnderContention) {
  // Capacity 2: producers constantly find the queue full and race on the
  // last free cell. Nearly every item is a hand-over between threads (a
  // context switch when cores are scarce), hence fewer items.
  constexpr int kProducers = 4;
  const std::uint64_t per = std::max<std::uint64_t>(ItemsPerProducer() / 100, 1'000);
  const StressResult r = RunStress(GetParam(), kProducers, per, 2, 4);
  EXPECT_FALSE(r.stalled);
  EXPECT_EQ(r.foreign, 0u);
  EXPECT_EQ(r.duplicates_or_reorders, 0u);
  for (int p = 0; p < kProducers; ++p) {
    EXPECT_EQ(r.received_per_producer[static_cast<std::size_t>(p)], per) << "producer " << p;
  }
}

INSTANTIATE_TEST_SUITE_P(WaitModes, MpscQueueStress, ::testing::Values(WaitMode::kBlocking, WaitMode::kBusyPoll),
                         [](const ::testing::TestParamInfo<WaitMode>& info) {
                           return info.param == WaitMode::kBlocking ? std::string("Blocking") : std::string("BusyPoll");
                         });

TEST(MpscQueue, BlockingConsumerIsWokenByProducersAfterPauses) {
  // Bursts separated by pauses in which the consumer has drained the queue:
  // the consumer sleeps on the futex and every burst must wake it.
  MpscQueue<std::uint64_t> q(64, WaitMode::kBlocking);
  constexpr int kBursts = 10;
  constexpr std::uint64_t kPerBurst = 100;
  std::atomic<std::uint64_t> consumed{0};
  std::thread producer([&] {
    std::uint64_t seq = 0;
    for (int b = 0; b < kBursts; ++b) {
      while (consumed.load(std::memory_order_acquire) < seq)
        std::this_thread::sleep_for(std::chrono::microseconds(100));
      std::this_thread::sleep_for(std::chrono::milliseconds(3));
      for (std::uint64_t i = 0; i < kPerBurst; ++i, ++seq) {
        PushWithBackoff(q, seq);
      }
    }
  });
  std::uint64_t next = 0;
  int timeouts = 0;
  while (next < kBursts * kPerBurst && timeouts < 100) {
    std::uint64_t v;
    if (q.WaitPop(v, Duration::Seconds(1))) {
      ASSERT_EQ(v, next);
      ++next;
      consumed.store(next, std::memory_order_release);
    } else {
      ++timeouts;
    }
  }
  producer.join();
  EXPECT_EQ(next, kBursts * kPerBurst);
  EXPECT_GT(q.wakeups(), 0u);
}

TEST(MpscQueue, NonTrivialItemsAcrossThreads) {
  // Strings and shared pointers moved through by several producers; the
  // consumer checks content and that every shared object is released.
  constexpr int kProducers = 4;
  const int per = HEAN_TEST_SANITIZED ? 5'000 : 50'000;
  struct Item {
    std::string text;
    std::shared_ptr<const std::uint64_t> ptr;
  };
  auto shared = std::make_shared<const std::uint64_t>(77);
  {
    MpscQueue<Item> q(128, WaitMode::kBlocking);
    std::vector<std::thread> threads;
    for (int p = 0; p < kProducers; ++p) {
      threads.emplace_back([&, p] {
        for (int i = 0; i < per; ++i) {
          Item it{"producer-" + std::to_string(p) + "-item-" + std::to_string(i) + std::string(40, 'z'), shared};
          Backoff backoff;
          while (!q.TryPush(std::move(it))) backoff.Pause();
        }
      });
    }
    std::vector<int> next(kProducers, 0);
    int n = 0;
    int bad = 0;
    int timeouts = 0;
    while (n < per * kProducers && timeouts < 100) {
      Item it;
      if (!q.WaitPop(it, Duration::Seconds(1))) {
        ++timeouts;
        continue;
      }
      ++n;
      const auto dash = it.text.find('-', 9);
      const int p = std::atoi(it.text.c_str() + 9);
      const int i = std::atoi(it.text.c_str() + dash + 6);
      if (p < 0 || p >= kProducers || it.ptr == nullptr || *it.ptr != 77 ||
          it.text != "producer-" + std::to_string(p) + "-item-" + std::to_string(i) + std::string(40, 'z') ||
          i != next[static_cast<std::size_t>(p)]) {
        ++bad;
      } else {
        ++next[static_cast<std::size_t>(p)];
      }
    }
    for (auto& t : threads) t.join();
    EXPECT_EQ(n, per * kProducers);
    EXPECT_EQ(bad, 0);
  }
  EXPECT_EQ(shared.use_count(), 1);
}

TEST(MpscQueue, ConcurrentNotifyAndPushesNeverLoseItems) {
  // Notify() storms while producers push: interrupted waits may return
  // false, but every item still arrives exactly once.
  MpscQueue<std::uint64_t> q(64, WaitMode::kBlocking);
  const std::uint64_t per = HEAN_TEST_SANITIZED ? 20'000 : 200'000;
  std::atomic<bool> done{false};
  std::thread producer([&] {
    for (std::uint64_t i = 0; i < per; ++i) {
      PushWithBackoff(q, i);
      if (i % 4096 == 0) std::this_thread::sleep_for(std::chrono::microseconds(500));
    }
  });
  std::thread notifier([&] {
    while (!done.load()) {
      q.Notify();
      std::this_thread::sleep_for(std::chrono::microseconds(300));
    }
  });
  std::uint64_t next = 0;
  std::uint64_t bad = 0;
  const auto start = Clock::now();
  while (next < per && Clock::now() - start < std::chrono::seconds(120)) {
    std::uint64_t v;
    if (q.WaitPop(v, Duration::Millis(50))) {
      if (v != next) ++bad;
      next = v + 1;
    }
  }
  done.store(true);
  producer.join();
  notifier.join();
  EXPECT_EQ(next, per);
  EXPECT_EQ(bad, 0u);
}

}  // namespace
}  // namespace hean
