// Correlation of instrument returns, and the effective number of positions
// the risk governor uses to size exposure across correlated holdings.
//
// Prices come in as `double`: only their ratios (log returns) are used here,
// so the fixed-point Price of the caller is converted at this analytics edge.
// Correlations and position counts are analytics outputs and also `double`.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "hean/core/status.h"
#include "hean/core/time.h"
#include "hean/model/types.h"

namespace hean {

struct CorrelationConfig {
  // risk.correlation.sample_interval (> 0): returns are sampled on the grid
  // of boundaries k * sample_interval since the epoch.
  Duration sample_interval = Duration::Seconds(60);
  // risk.correlation.window (2 ..= kMaxWindow): the last `window` grid
  // returns of each instrument are kept.
  std::size_t window = 60;
  // risk.correlation.min_samples (2 ..= window): a pair with fewer common
  // returns than this has an unknown correlation.
  std::size_t min_samples = 20;

  // Each instrument holds `window` doubles; the cap keeps a mistyped value
  // from allocating gigabytes.
  static constexpr std::size_t kMaxWindow = 100'000;

  // InvalidArgument naming the key and the bad value.
  [[nodiscard]] Status Validate() const;
};

// Pearson correlation of grid-sampled log returns, per pair of instruments.
//
// Grid. Boundary k is the time k * sample_interval since the epoch. A price
// with time ts belongs to the first boundary at or after it, k = ceil(ts /
// interval): a price between two boundaries is taken at the next one, a
// price exactly on a boundary at that boundary, and the last price of a
// boundary wins. A boundary is closed (its price final) when the instrument's
// next price belongs to a later boundary; prices are never closed by the
// clock alone, so a quiet instrument's latest returns are recorded at its
// next price.
//
// Returns. When boundary k closes with price p_k and the instrument had a
// closed boundary k - 1 (price p_{k-1}), the return ln(p_k / p_{k-1}) is
// recorded at grid index k. Boundaries without a price of their own carry the
// last price: a return of 0 each. So between restarts an instrument's returns
// cover consecutive grid indices with no holes.
//
// Silence. If more than `window` boundaries pass without a price (the new
// price's boundary is more than window + 1 after the previous one), the
// instrument restarts: its held returns are dropped and the new price begins
// a fresh series (its first return comes one closed boundary later). Carrying
// would only have filled the whole window with zeros, which tell nothing about
// co-movement; the move across the silence is not recorded.
//
// Memory and cost. Instruments are kept in a vector indexed by
// InstrumentId::value (registry ids are compact); each holds a ring of
// `window` returns, allocated at its first price. After that OnPrice
// allocates nothing and costs O(1) plus O(1) per boundary it closes or
// carries (at most window + 1 per call).
//
// Not thread-safe: one engine thread.
class ReturnCorrelation {
 public:
  // `config` must be valid (checked).
  explicit ReturnCorrelation(CorrelationConfig config = {});

  // A price (e.g. the mid) of `instrument` (valid; checked) at `ts`. Times
  // must not decrease per instrument: an earlier ts than the instrument's last
  // accepted one is ignored and counted in out_of_order(); an equal ts is
  // accepted (the later price wins). A price that is not finite or not > 0 is
  // ignored and counted in invalid_prices().
  void OnPrice(InstrumentId instrument, double price, UnixNanos ts);

  // Pearson correlation of the returns of `a` and `b` over the grid indices
  // where both hold one (each holds its last `window`), clamped to [-1, 1].
  // nullopt when there are fewer than min_samples such indices, when either
  // series is constant there (zero variance, also up to rounding: a relative
  // spread below 1e-12) or when either instrument has no returns.
  std::optional<double> Correlation(InstrumentId a, InstrumentId b) const;

  // The effective number of independent positions among `held` (duplicates
  // ignored): EffectiveNumberOfPositions of their correlation matrix, with 1
  // on the diagonal and, for a pair whose correlation is unknown, 1
  // (conservative: such a pair counts like the same instrument). Empty: 0;
  // one instrument: 1; n identical ones: sqrt(n); n uncorrelated ones: n.
  // Allocates; O(n^2 * window + n^3). Callers cache it by version().
  double EffectivePositions(std::span<const InstrumentId> held) const;

  // Grows whenever the returns held change: by one for each return recorded
  // (carried zeros included), and by one when a restart drops held returns.
  // Equal versions mean equal Correlation() and EffectivePositions() answers.
  std::uint64_t version() const noexcept { return version_; }

  // The return recorded for `instrument` at grid index `index`; nullopt if
  // none is held there (never recorded, evicted by the window, or dropped by
  // a restart). For inspection and tests.
  std::optional<double> ReturnAt(InstrumentId instrument, std::int64_t index) const;
  // How many returns `instrument` holds (0 ..= window).
  std::size_t ReturnCount(InstrumentId instrument) const;

  const CorrelationConfig& config() const noexcept { return config_; }
  // Prices ignored because their ts was earlier than the instrument's last.
  std::uint64_t out_of_order() const noexcept { return out_of_order_; }
  // Prices ignored because they were not finite or not > 0.
  std::uint64_t invalid_prices() const noexcept { return invalid_prices_; }

 private:
  struct Series {
    bool seen = false;            // a price was accepted; the fields below are set
    bool has_closed = false;      // boundary open_index - 1 is closed at closed_price
    std::int64_t open_index = 0;  // the boundary the latest price belongs to
    double open_price = 0.0;      // the latest price
    double closed_price = 0.0;
    UnixNanos last_ts;
    // Returns at grid indices newest - count + 1 ..= newest; index g lives in
    // ring[g mod window].
    std::int64_t newest = 0;
    std::size_t count = 0;
    std::vector<double> ring;
  };

  const Series* Find(InstrumentId instrument) const noexcept;
  std::size_t Slot(std::int64_t index) const noexcept;
  void Record(Series& s, std::int64_t index, double r) noexcept;

  CorrelationConfig config_;
  std::vector<Series> series_;
  std::uint64_t version_ = 0;
  std::uint64_t out_of_order_ = 0;
  std::uint64_t invalid_prices_ = 0;
};

// The effective number of positions of an n x n symmetric matrix given row
// major (n * n finite values; checked; only the lower triangle is read): the
// sum over its eigenvalues of sqrt(max(eigenvalue, 0)).
//
// Pairwise correlations estimated over different common samples need not form
// a positive semi-definite matrix; its negative eigenvalues are clamped to 0
// rather than failing. Eigenvalues below 1e-12 times the largest eigenvalue
// magnitude also count as 0: they are rounding noise (a singular matrix comes
// out with eigenvalues around 1e-16), and sqrt would turn that noise into
// 1e-8. n = 0 gives 0. Allocates; O(n^3).
double EffectiveNumberOfPositions(std::span<const double> correlation_row_major, std::size_t n);

}  // namespace hean
