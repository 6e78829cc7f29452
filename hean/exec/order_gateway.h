// OrderGateway: where the risk governor sends the work it approved. The
// execution router (maker-first, TWAP, VWAP) implements it; DirectGateway
// below sends each approved request to the venue as it is. The governor
// reaches a venue only through a gateway, and a gateway reaches a venue
// only with approvals (ExecutionClient takes Approved<> commands).
#pragma once

#include <cstdint>

#include "hean/core/status.h"
#include "hean/exec/execution_client.h"

namespace hean {

class OrderGateway {
 public:
  virtual ~OrderGateway() = default;
  // Works an approved request. An error means nothing was sent; the
  // governor then treats the order as never placed.
  [[nodiscard]] virtual Status Execute(const ApprovedOrder& order) = 0;
  // Cancels every open order of the instrument and stops working requests
  // for it (the kill switch).
  [[nodiscard]] virtual Status CancelAll(InstrumentId instrument) = 0;
};

// Sends each approved request straight to an ExecutionClient.
class DirectGateway final : public OrderGateway {
 public:
  explicit DirectGateway(ExecutionClient& client) noexcept : client_(client) {}
  [[nodiscard]] Status Execute(const ApprovedOrder& order) override {
    ++sent_;
    return client_.Submit(order);
  }
  [[nodiscard]] Status CancelAll(InstrumentId instrument) override { return client_.CancelAll(instrument); }
  std::uint64_t sent() const noexcept { return sent_; }

 private:
  ExecutionClient& client_;
  std::uint64_t sent_ = 0;
};

}  // namespace hean
