// For unit tests of venues and execution code that have no risk governor in
// front of them: approves any command without a check. Never include this
// outside a test or a benchmark; scripts/check_no_bypass.sh (run as the
// test hean_no_bypass_test) fails when anything else names it.
#pragma once

#include "hean/exec/execution_client.h"

namespace hean {

struct ApprovalForTesting {
  static Approved<OrderRequest> Approve(const OrderRequest& request) { return Approved<OrderRequest>(request); }
  static Approved<AmendRequest> Approve(const AmendRequest& amend) { return Approved<AmendRequest>(amend); }
};

}  // namespace hean
