// OrderApprover: what the execution router asks before it sends anything.
// The risk governor (hean/risk) implements it; exec cannot name the
// governor (risk uses exec), so the router sees only this interface.
//
// The router receives a request the governor already approved (the
// parent), releases it, and gets every order it sends on the parent's
// behalf (a maker order, each re-post, the IOC fallback, an iceberg or
// TWAP slice) approved on its own: the governor then counts what is really
// working at the venue, and a re-post made after the market or the limits
// moved is checked against the limits of that moment.
#pragma once

#include "hean/core/status.h"
#include "hean/exec/execution_client.h"
#include "hean/model/events.h"
#include "hean/model/types.h"

namespace hean {

class OrderApprover {
 public:
  virtual ~OrderApprover() = default;
  // Checks a request; an approval counts as an open order from now on.
  virtual Result<ApprovedOrder, DenyReason> Approve(const OrderRequest& request) = 0;
  // An approved request that will not be sent as it is (it was sent to
  // nobody, or it is worked through other orders): it stops counting.
  virtual void Release(const ClientOrderId& id) = 0;
};

}  // namespace hean
