// Latency models for the simulated exchange (DESIGN.md habit 9).
//
// A LatencyModel answers "how long does this hop take", sampled once per
// message. The simulation uses three independent instances:
//   * market data: exchange event -> the strategy sees it;
//   * order entry: our command leaves -> it reaches the exchange;
//   * response: the exchange acts -> we hear about it.
// Random models draw from their own seeded generator (SplitMix64 feeding
// our own normal and uniform transforms, not <random>'s distributions,
// whose output differs between standard libraries), so the same seed gives
// the same latencies on every machine.
//
// Not thread-safe: each instance belongs to one simulation.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "hean/core/status.h"
#include "hean/core/time.h"

namespace hean {

// SplitMix64: tiny, fast, passes BigCrush for this use, and fully specified
// (so seeded runs replay bit for bit).
class SplitMix64 {
 public:
  explicit SplitMix64(std::uint64_t seed) noexcept : state_(seed) {}
  std::uint64_t Next() noexcept {
    std::uint64_t z = (state_ += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
  }
  // Uniform in [0, 1) with 53 random bits.
  double NextUnit() noexcept { return static_cast<double>(Next() >> 11) * 0x1.0p-53; }
  // Standard normal (Box-Muller; the second value is discarded so that each
  // draw consumes exactly two words).
  double NextNormal() noexcept;

 private:
  std::uint64_t state_;
};

class LatencyModel {
 public:
  virtual ~LatencyModel() = default;
  // The latency of one message sent at `at` (never negative).
  virtual Duration Sample(UnixNanos at) = 0;
  // e.g. "constant(1ms)", for reports.
  virtual std::string Describe() const = 0;
};

class ConstantLatency final : public LatencyModel {
 public:
  explicit ConstantLatency(Duration d) : d_(d.nanos() < 0 ? Duration::Zero() : d) {}
  Duration Sample(UnixNanos) override { return d_; }
  std::string Describe() const override;

 private:
  Duration d_;
};

// Normal(mean, stddev), truncated below at `floor` (a wire has a minimum).
class NormalLatency final : public LatencyModel {
 public:
  NormalLatency(Duration mean, Duration stddev, Duration floor, std::uint64_t seed)
      : mean_(mean), stddev_(stddev), floor_(floor), rng_(seed) {}
  Duration Sample(UnixNanos) override;
  std::string Describe() const override;

 private:
  Duration mean_, stddev_, floor_;
  SplitMix64 rng_;
};

// Lognormal: median * exp(sigma * N(0,1)), plus `floor`. Heavy right tail,
// the usual shape of network and matching-engine latency.
class LogNormalLatency final : public LatencyModel {
 public:
  LogNormalLatency(Duration median, double sigma, Duration floor, std::uint64_t seed)
      : median_(median), sigma_(sigma), floor_(floor), rng_(seed) {}
  Duration Sample(UnixNanos) override;
  std::string Describe() const override;

 private:
  Duration median_;
  double sigma_;
  Duration floor_;
  SplitMix64 rng_;
};

// Empirical: a measured distribution given as quantiles, sampled by drawing
// u in [0, 1) and interpolating linearly between the two quantile points
// around u. Points must start at quantile 0 and end at quantile 1, with
// quantiles increasing and latencies not decreasing.
class EmpiricalLatency final : public LatencyModel {
 public:
  struct Point {
    double quantile = 0;
    Duration latency;
  };
  // Errors name the point (1-based) and the rule it breaks.
  static Result<std::unique_ptr<EmpiricalLatency>, Status> Make(std::vector<Point> points, std::uint64_t seed);
  // Reads a quantile file: one "<quantile> <latency>" per line, latency with
  // a unit (ns, us, ms, s: "0.5 850us"); '#' starts a comment; blank lines
  // are skipped. Errors name the file, the line and the reason.
  static Result<std::unique_ptr<EmpiricalLatency>, Status> Load(const std::string& path, std::uint64_t seed);
  // The same, from text (`name` stands for the file in messages).
  static Result<std::unique_ptr<EmpiricalLatency>, Status> Parse(std::string_view text, std::string_view name,
                                                                 std::uint64_t seed);

  Duration Sample(UnixNanos) override;
  std::string Describe() const override;
  // The latency at quantile u (what Sample returns for a draw of u).
  Duration At(double u) const noexcept;
  const std::vector<Point>& points() const noexcept { return points_; }

 private:
  EmpiricalLatency(std::vector<Point> points, std::uint64_t seed) : points_(std::move(points)), rng_(seed) {}
  std::vector<Point> points_;
  SplitMix64 rng_;
};

// "250us", "1.5ms", "2s", "800ns" -> Duration. Errors say what is wrong.
Result<Duration, Status> ParseLatency(std::string_view text);

// A latency model from a short spec, as the command line and config take it:
//   "constant:1ms"
//   "normal:<mean>,<stddev>[,<floor>]"       e.g. "normal:2ms,500us,200us"
//   "lognormal:<median>,<sigma>[,<floor>]"   e.g. "lognormal:1ms,0.6"
//   "empirical:<path>"                       a quantile file (see Load)
// `seed` seeds the random ones. Errors name the spec and the reason.
Result<std::unique_ptr<LatencyModel>, Status> MakeLatencyModel(std::string_view spec, std::uint64_t seed);

}  // namespace hean
