#include "hean/risk/correlation.h"

#include <fmt/format.h>

#include <Eigen/Eigenvalues>
#include <algorithm>
#include <cmath>

#include "hean/core/check.h"

namespace hean {
namespace {

// ceil(a / b) for b > 0. Truncating division already rounds negative
// quotients up, so only positive ones with a remainder need the +1 (and
// nothing here can overflow, unlike (a + b - 1) / b).
std::int64_t CeilDiv(std::int64_t a, std::int64_t b) noexcept {
  std::int64_t q = a / b;
  if (a % b != 0 && a > 0) ++q;
  return q;
}

// A series whose relative spread (std dev over root mean square) is below
// this is constant up to rounding: equal returns such as ln(1.01) repeated
// give a mean that differs from each of them in the last bits, and a
// correlation of that noise would be meaningless.
constexpr double kRelativeVarianceFloor = 1e-24;  // (1e-12)^2

// Eigenvalues this small relative to the largest magnitude are rounding noise.
constexpr double kEigenNoise = 1e-12;

}  // namespace

Status CorrelationConfig::Validate() const {
  if (sample_interval <= Duration::Zero()) {
    return InvalidArgumentError("risk.correlation.sample_interval: must be > 0, got " + sample_interval.ToString());
  }
  if (window < 2 || window > kMaxWindow) {
    return InvalidArgumentError(fmt::format("risk.correlation.window: must be in 2..={}, got {}", kMaxWindow, window));
  }
  if (min_samples < 2 || min_samples > window) {
    return InvalidArgumentError(fmt::format(
        "risk.correlation.min_samples: must be >= 2 and <= risk.correlation.window ({}), got {}", window, min_samples));
  }
  return Status::Ok();
}

ReturnCorrelation::ReturnCorrelation(CorrelationConfig config) : config_(config) {
  HEAN_CHECK(config_.Validate().ok(), "invalid CorrelationConfig");
}

const ReturnCorrelation::Series* ReturnCorrelation::Find(InstrumentId instrument) const noexcept {
  if (!instrument.valid() || instrument.value >= series_.size()) return nullptr;
  const Series& s = series_[instrument.value];
  return s.seen ? &s : nullptr;
}

std::size_t ReturnCorrelation::Slot(std::int64_t index) const noexcept {
  // Floor modulo, so that indices before the epoch map into the ring too.
  const auto w = static_cast<std::int64_t>(config_.window);
  std::int64_t m = index % w;
  if (m < 0) m += w;
  return static_cast<std::size_t>(m);
}

void ReturnCorrelation::Record(Series& s, std::int64_t index, double r) noexcept {
  HEAN_DCHECK(s.count == 0 || index == s.newest + 1, "returns must be recorded at consecutive grid indices");
  s.ring[Slot(index)] = r;  // overwrites index - window once the ring is full
  s.newest = index;
  if (s.count < config_.window) ++s.count;
  ++version_;
}

void ReturnCorrelation::OnPrice(InstrumentId instrument, double price, UnixNanos ts) {
  HEAN_CHECK(instrument.valid(), "OnPrice with an invalid InstrumentId");
  if (!std::isfinite(price) || price <= 0.0) {
    ++invalid_prices_;
    return;
  }
  if (instrument.value >= series_.size()) series_.resize(static_cast<std::size_t>(instrument.value) + 1);
  Series& s = series_[instrument.value];
  const std::int64_t index = CeilDiv(ts.nanos(), config_.sample_interval.nanos());

  if (!s.seen) {
    s.seen = true;
    s.ring.assign(config_.window, 0.0);
    s.has_closed = false;
    s.open_index = index;
    s.open_price = price;
    s.last_ts = ts;
    return;
  }
  if (ts < s.last_ts) {
    ++out_of_order_;
    return;
  }
  s.last_ts = ts;
  if (index == s.open_index) {
    s.open_price = price;  // the last price before the boundary wins
    return;
  }

  // index > open_index: the open boundary is final. Unsigned difference: exact
  // for any two int64 values with index > open_index.
  const std::uint64_t gap = static_cast<std::uint64_t>(index) - static_cast<std::uint64_t>(s.open_index) - 1;
  if (gap > config_.window) {
    // Restart after a long silence (see the class comment).
    if (s.count != 0) {
      s.count = 0;
      ++version_;
    }
    s.has_closed = false;
    s.open_index = index;
    s.open_price = price;
    return;
  }

  if (s.has_closed) Record(s, s.open_index, std::log(s.open_price / s.closed_price));
  s.has_closed = true;
  s.closed_price = s.open_price;
  // Boundaries with no price of their own carry the last one: zero returns.
  for (std::int64_t k = s.open_index + 1; k < index; ++k) Record(s, k, 0.0);
  s.open_index = index;
  s.open_price = price;
}

std::optional<double> ReturnCorrelation::ReturnAt(InstrumentId instrument, std::int64_t index) const {
  const Series* s = Find(instrument);
  if (s == nullptr || s->count == 0) return std::nullopt;
  const std::int64_t oldest = s->newest - static_cast<std::int64_t>(s->count) + 1;
  if (index < oldest || index > s->newest) return std::nullopt;
  return s->ring[Slot(index)];
}

std::size_t ReturnCorrelation::ReturnCount(InstrumentId instrument) const {
  const Series* s = Find(instrument);
  return s == nullptr ? 0 : s->count;
}

std::optional<double> ReturnCorrelation::Correlation(InstrumentId a, InstrumentId b) const {
  const Series* sa = Find(a);
  const Series* sb = Find(b);
  if (sa == nullptr || sb == nullptr || sa->count == 0 || sb->count == 0) return std::nullopt;
  // Each series covers consecutive indices, so the common ones are the
  // overlap of two ranges.
  const std::int64_t lo = std::max(sa->newest - static_cast<std::int64_t>(sa->count) + 1,
                                   sb->newest - static_cast<std::int64_t>(sb->count) + 1);
  const std::int64_t hi = std::min(sa->newest, sb->newest);
  if (hi < lo || static_cast<std::uint64_t>(hi - lo) + 1 < config_.min_samples) return std::nullopt;

  // Two passes (means, then centred sums): the one-pass formula loses most of
  // its digits when returns are small next to their mean.
  const auto n = static_cast<double>(hi - lo + 1);
  double sum_x = 0.0;
  double sum_y = 0.0;
  for (std::int64_t k = lo; k <= hi; ++k) {
    const std::size_t slot = Slot(k);
    sum_x += sa->ring[slot];
    sum_y += sb->ring[slot];
  }
  const double mean_x = sum_x / n;
  const double mean_y = sum_y / n;
  double sxx = 0.0;
  double syy = 0.0;
  double sxy = 0.0;
  double sq_x = 0.0;
  double sq_y = 0.0;
  for (std::int64_t k = lo; k <= hi; ++k) {
    const std::size_t slot = Slot(k);
    const double x = sa->ring[slot];
    const double y = sb->ring[slot];
    const double dx = x - mean_x;
    const double dy = y - mean_y;
    sxx += dx * dx;
    syy += dy * dy;
    sxy += dx * dy;
    sq_x += x * x;
    sq_y += y * y;
  }
  if (sxx <= kRelativeVarianceFloor * sq_x || syy <= kRelativeVarianceFloor * sq_y) return std::nullopt;
  // One sqrt of the product (not a product of two sqrts) so that a series
  // against itself gives exactly 1.
  const double r = sxy / std::sqrt(sxx * syy);
  return std::clamp(r, -1.0, 1.0);
}

double ReturnCorrelation::EffectivePositions(std::span<const InstrumentId> held) const {
  std::vector<InstrumentId> ids(held.begin(), held.end());
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  const std::size_t n = ids.size();
  if (n <= 1) return static_cast<double>(n);

  std::vector<double> m(n * n, 1.0);
  for (std::size_t i = 0; i < n; ++i) {
    for (std::size_t j = 0; j < i; ++j) {
      const double r = Correlation(ids[i], ids[j]).value_or(1.0);  // unknown: as if the same instrument
      m[i * n + j] = r;
      m[j * n + i] = r;
    }
  }
  return EffectiveNumberOfPositions(m, n);
}

double EffectiveNumberOfPositions(std::span<const double> correlation_row_major, std::size_t n) {
  HEAN_CHECK(correlation_row_major.size() == n * n, "EffectiveNumberOfPositions: need n * n values");
  if (n == 0) return 0.0;
  for (const double v : correlation_row_major) HEAN_CHECK(std::isfinite(v), "EffectiveNumberOfPositions: non-finite");

  using RowMajor = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
  const auto size = static_cast<Eigen::Index>(n);
  const Eigen::Map<const RowMajor> matrix(correlation_row_major.data(), size, size);
  const Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> solver(Eigen::MatrixXd(matrix), Eigen::EigenvaluesOnly);
  HEAN_CHECK(solver.info() == Eigen::Success, "EffectiveNumberOfPositions: eigenvalues did not converge");

  const Eigen::VectorXd& eigenvalues = solver.eigenvalues();
  const double noise = kEigenNoise * eigenvalues.cwiseAbs().maxCoeff();
  double sum = 0.0;
  for (Eigen::Index i = 0; i < eigenvalues.size(); ++i) {
    if (eigenvalues[i] > noise) sum += std::sqrt(eigenvalues[i]);
  }
  return sum;
}

}  // namespace hean
