// MpscQueue against its peers, in one binary and one run:
//   * HEAN MpscQueue, busy-poll mode and blocking mode;
//   * moodycamel::ConcurrentQueue (Debian libconcurrentqueue-dev), with
//     producer and consumer tokens (its fastest documented use), and its
//     BlockingConcurrentQueue (the peer of HEAN's blocking mode);
//   * std::mutex + std::deque + std::condition_variable, bounded.
// Throughput: 1 producer / 1 consumer and 2 producers / 1 consumer moving
// uint64 items; the consumer busy-polls. Hop latency: one item in flight at a
// time, stamped with the TSC by the producer and read by a busy-polling
// consumer; p50 / p99 of the one-way time in ns.
#include <benchmark/benchmark.h>
#include <pthread.h>
#include <sched.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <thread>
#include <vector>

#include "concurrentqueue/blockingconcurrentqueue.h"
#include "concurrentqueue/concurrentqueue.h"
#include "hean/bus/mpsc_queue.h"
#include "hean/core/clock.h"
#include "hean/core/histogram.h"

#if defined(__x86_64__)
#include <x86intrin.h>
#endif

namespace {

constexpr std::size_t kCapacity = 65'536;

void PinToCpu(int cpu) {
  const int n = static_cast<int>(std::thread::hardware_concurrency());
  if (n < 2) return;
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu % n, &set);
  pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
}

// Back off politely when spinning fails for long: with 3 threads on 2 cores
// (2P/1C) pure spinning would starve the thread that holds the work.
struct Backoff {
  int n = 0;
  void Pause() {
    if (++n < 64) {
      HEAN_CPU_RELAX();
    } else {
      std::this_thread::yield();
      n = 0;
    }
  }
};

// ---- adapters: Producer handle per thread, one Consumer ----

template <hean::WaitMode kMode>
struct HeanQueue {
  hean::MpscQueue<std::uint64_t> q{kCapacity, kMode};
  struct Producer {
    HeanQueue& o;
    void Push(std::uint64_t v) {
      Backoff b;
      while (!o.q.TryPush(v)) b.Pause();
    }
  };
  struct Consumer {
    HeanQueue& o;
    bool TryPop(std::uint64_t& v) { return o.q.TryPop(v); }
  };
  Producer MakeProducer() { return Producer{*this}; }
  Consumer MakeConsumer() { return Consumer{*this}; }
};

// moodycamel::ConcurrentQueue, or its blocking flavour (a semaphore signal per
// enqueue so that a consumer may sleep; the peer of HEAN's blocking mode).
template <class Q>
struct MoodyAdapter {
  Q q{kCapacity};
  struct Producer {
    MoodyAdapter& o;
    moodycamel::ProducerToken tok;
    explicit Producer(MoodyAdapter& m) : o(m), tok(m.q) {}
    void Push(std::uint64_t v) {
      Backoff b;
      while (!o.q.enqueue(tok, v)) b.Pause();
    }
  };
  struct Consumer {
    MoodyAdapter& o;
    moodycamel::ConsumerToken tok;
    explicit Consumer(MoodyAdapter& m) : o(m), tok(m.q) {}
    bool TryPop(std::uint64_t& v) { return o.q.try_dequeue(tok, v); }
  };
  Producer MakeProducer() { return Producer(*this); }
  Consumer MakeConsumer() { return Consumer(*this); }
};
using MoodyQueue = MoodyAdapter<moodycamel::ConcurrentQueue<std::uint64_t>>;
using MoodyBlockingQueue = MoodyAdapter<moodycamel::BlockingConcurrentQueue<std::uint64_t>>;

struct MutexQueue {
  std::mutex mu;
  std::condition_variable cv;
  std::deque<std::uint64_t> dq;
  struct Producer {
    MutexQueue& o;
    void Push(std::uint64_t v) {
      Backoff b;
      for (;;) {
        {
          std::lock_guard<std::mutex> lock(o.mu);
          if (o.dq.size() < kCapacity) {
            o.dq.push_back(v);
            if (o.dq.size() == 1) o.cv.notify_one();
            return;
          }
        }
        b.Pause();
      }
    }
  };
  struct Consumer {
    MutexQueue& o;
    bool TryPop(std::uint64_t& v) {
      std::lock_guard<std::mutex> lock(o.mu);
      if (o.dq.empty()) return false;
      v = o.dq.front();
      o.dq.pop_front();
      return true;
    }
  };
  Producer MakeProducer() { return Producer{*this}; }
  Consumer MakeConsumer() { return Consumer{*this}; }
};

// Not a queue: one atomic word that the producer fills and the consumer
// empties (1P/1C only). Its hop latency is the floor set by the machine's
// core-to-core cache-line transfer, measured in the same run as the queues.
struct CacheLineFloor {
  alignas(64) std::atomic<std::uint64_t> slot{0};
  struct Producer {
    CacheLineFloor& o;
    void Push(std::uint64_t v) {
      while (o.slot.load(std::memory_order_relaxed) != 0) HEAN_CPU_RELAX();
      o.slot.store(v, std::memory_order_release);
    }
  };
  struct Consumer {
    CacheLineFloor& o;
    bool TryPop(std::uint64_t& v) {
      v = o.slot.load(std::memory_order_acquire);
      if (v == 0) return false;
      o.slot.store(0, std::memory_order_relaxed);
      return true;
    }
  };
  Producer MakeProducer() { return Producer{*this}; }
  Consumer MakeConsumer() { return Consumer{*this}; }
};

// ---- throughput ----

template <class Q>
void Throughput(benchmark::State& state) {
  const int producers = static_cast<int>(state.range(0));
  const std::uint64_t per_producer = static_cast<std::uint64_t>(state.range(1));
  const std::uint64_t total = per_producer * static_cast<std::uint64_t>(producers);
  std::uint64_t checksum = 0;
  for (auto _ : state) {
    Q q;
    std::atomic<int> ready{0};
    std::atomic<bool> go{false};
    std::vector<std::thread> threads;
    for (int p = 0; p < producers; ++p) {
      threads.emplace_back([&, p] {
        if (producers == 1) PinToCpu(0);
        auto prod = q.MakeProducer();
        ready.fetch_add(1);
        while (!go.load(std::memory_order_acquire)) HEAN_CPU_RELAX();
        for (std::uint64_t i = 0; i < per_producer; ++i) prod.Push(i + 1);
      });
    }
    std::uint64_t sum = 0;
    std::thread consumer([&] {
      if (producers == 1) PinToCpu(1);
      auto cons = q.MakeConsumer();
      ready.fetch_add(1);
      while (!go.load(std::memory_order_acquire)) HEAN_CPU_RELAX();
      std::uint64_t got = 0, v = 0;
      Backoff b;
      while (got < total) {
        if (cons.TryPop(v)) {
          sum += v;
          ++got;
          b.n = 0;
        } else {
          b.Pause();
        }
      }
    });
    while (ready.load() != producers + 1) std::this_thread::yield();
    const std::int64_t t0 = hean::MonotonicNanos();
    go.store(true, std::memory_order_release);
    for (auto& t : threads) t.join();
    consumer.join();
    const std::int64_t t1 = hean::MonotonicNanos();
    state.SetIterationTime(static_cast<double>(t1 - t0) * 1e-9);
    checksum += sum;
    if (sum != static_cast<std::uint64_t>(producers) * per_producer * (per_producer + 1) / 2) {
      state.SkipWithError("items lost or duplicated");
      break;
    }
  }
  benchmark::DoNotOptimize(checksum);
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * total));
}

void ThroughputArgs(benchmark::internal::Benchmark* b) {
  b->Args({1, 2'000'000})->Args({2, 1'000'000})->UseManualTime()->Unit(benchmark::kMillisecond)->MinTime(0.5);
}

BENCHMARK_TEMPLATE(Throughput, HeanQueue<hean::WaitMode::kBusyPoll>)
    ->Name("MpscThroughput/hean_busy_poll")
    ->Apply(ThroughputArgs);
BENCHMARK_TEMPLATE(Throughput, HeanQueue<hean::WaitMode::kBlocking>)
    ->Name("MpscThroughput/hean_blocking")
    ->Apply(ThroughputArgs);
BENCHMARK_TEMPLATE(Throughput, MoodyQueue)->Name("MpscThroughput/moodycamel")->Apply(ThroughputArgs);
BENCHMARK_TEMPLATE(Throughput, MoodyBlockingQueue)->Name("MpscThroughput/moodycamel_blocking")->Apply(ThroughputArgs);
BENCHMARK_TEMPLATE(Throughput, MutexQueue)->Name("MpscThroughput/mutex_deque_cv")->Apply(ThroughputArgs);

// ---- hop latency ----

inline std::uint64_t Ticks() {
#if defined(__x86_64__)
  return __rdtsc();
#else
  return static_cast<std::uint64_t>(hean::MonotonicNanos());
#endif
}

// TSC ticks per nanosecond, measured once against the monotonic clock.
double TicksPerNs() {
  static const double kRate = [] {
    const std::int64_t c0 = hean::MonotonicNanos();
    const std::uint64_t t0 = Ticks();
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    const std::int64_t c1 = hean::MonotonicNanos();
    const std::uint64_t t1 = Ticks();
    const auto ns = static_cast<double>(c1 - c0);
    return static_cast<double>(t1 - t0) / ns;
  }();
  return kRate;
}

template <class Q>
void HopLatency(benchmark::State& state) {
  const std::uint64_t hops = static_cast<std::uint64_t>(state.range(0));
  const double tpn = TicksPerNs();
  hean::LatencyHistogram all;
  for (auto _ : state) {
    Q q;
    std::atomic<std::uint64_t> acked{0};
    std::atomic<bool> go{false};
    hean::LatencyHistogram hist;
    std::thread consumer([&] {
      PinToCpu(1);
      auto cons = q.MakeConsumer();
      while (!go.load(std::memory_order_acquire)) HEAN_CPU_RELAX();
      std::uint64_t v = 0;
      for (std::uint64_t i = 0; i < hops; ++i) {
        while (!cons.TryPop(v)) {
        }
        const std::uint64_t now = Ticks();
        hist.Record(now > v ? now - v : 0);
        acked.store(i + 1, std::memory_order_release);
      }
    });
    std::thread producer([&] {
      PinToCpu(0);
      auto prod = q.MakeProducer();
      go.store(true, std::memory_order_release);
      for (std::uint64_t i = 0; i < hops; ++i) {
        prod.Push(Ticks());
        while (acked.load(std::memory_order_acquire) != i + 1) HEAN_CPU_RELAX();
        // Let the cache lines settle so each hop starts from an idle queue.
        for (int k = 0; k < 64; ++k) HEAN_CPU_RELAX();
      }
    });
    producer.join();
    consumer.join();
    all.Merge(hist);
  }
  state.counters["p50_ns"] = static_cast<double>(all.Percentile(0.50)) / tpn;
  state.counters["p99_ns"] = static_cast<double>(all.Percentile(0.99)) / tpn;
  state.counters["p999_ns"] = static_cast<double>(all.Percentile(0.999)) / tpn;
  state.counters["mean_ns"] = all.mean() / tpn;
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * hops));
}

void LatencyArgs(benchmark::internal::Benchmark* b) {
  b->Arg(200'000)->Iterations(3)->Unit(benchmark::kMillisecond)->UseRealTime();
}

BENCHMARK_TEMPLATE(HopLatency, HeanQueue<hean::WaitMode::kBusyPoll>)
    ->Name("MpscHopLatency/hean_busy_poll")
    ->Apply(LatencyArgs);
BENCHMARK_TEMPLATE(HopLatency, HeanQueue<hean::WaitMode::kBlocking>)
    ->Name("MpscHopLatency/hean_blocking")
    ->Apply(LatencyArgs);
BENCHMARK_TEMPLATE(HopLatency, MoodyQueue)->Name("MpscHopLatency/moodycamel")->Apply(LatencyArgs);
BENCHMARK_TEMPLATE(HopLatency, MoodyBlockingQueue)->Name("MpscHopLatency/moodycamel_blocking")->Apply(LatencyArgs);
BENCHMARK_TEMPLATE(HopLatency, CacheLineFloor)->Name("MpscHopLatency/cache_line_floor")->Apply(LatencyArgs);
BENCHMARK_TEMPLATE(HopLatency, MutexQueue)->Name("MpscHopLatency/mutex_deque_cv")->Apply(LatencyArgs);

}  // namespace
