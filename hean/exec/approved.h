// Approved<T>: proof that the risk governor passed a command.
//
// ExecutionClient::Submit and ::Amend take an Approved<OrderRequest> /
// Approved<AmendRequest>, and only the RiskGovernor (hean/risk) can make
// one: the constructor is private and RiskGovernor is the one production
// friend. So no path from a strategy, an execution algorithm or an app to a
// venue can skip the pre-trade checks; the compiler refuses it. Cancels need
// no approval: they only take risk away.
//
// ApprovalForTesting (hean/exec/testing/approval_for_testing.h) is the
// second friend, for unit tests of venues that have no governor in front of
// them. A test (hean_no_bypass_test, scripts/check_no_bypass.sh) fails the
// build if any file that is not a test or a benchmark names it.
//
// A copy of an approval is still the same approval: submitting it twice
// sends the same client order id twice, which the order manager and the
// venue refuse as a duplicate.
#pragma once

#include <utility>

namespace hean {

class RiskGovernor;
struct ApprovalForTesting;

template <class T>
class Approved {
 public:
  const T& get() const noexcept { return value_; }
  const T& operator*() const noexcept { return value_; }
  const T* operator->() const noexcept { return &value_; }

 private:
  explicit Approved(T value) : value_(std::move(value)) {}
  friend class RiskGovernor;
  friend struct ApprovalForTesting;

  T value_;
};

}  // namespace hean
