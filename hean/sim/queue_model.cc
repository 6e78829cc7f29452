#include "hean/sim/queue_model.h"

#include <algorithm>
#include <string>

namespace hean {
namespace {

// What was left of the level before this update's cancels.
Qty Rest(Qty before, Qty traded) noexcept { return std::max(before - traded, Qty::Zero()); }

}  // namespace

Qty ProportionalQueue::OnLevelChange(Qty ahead, Qty before, Qty traded, Qty after) const noexcept {
  const Qty rest = Rest(before, traded);
  if (after >= rest || rest.IsZero()) return std::min(ahead, after);
  // ahead * after / rest, rounded up.
  const Int128 num = static_cast<Int128>(ahead.raw()) * after.raw();
  Int128 q = num / rest.raw();
  if (q * rest.raw() != num) ++q;
  return std::min(Qty::FromRaw(static_cast<std::int64_t>(q)), after);
}

Qty PessimisticQueue::OnLevelChange(Qty ahead, Qty, Qty, Qty after) const noexcept { return std::min(ahead, after); }

Qty OptimisticQueue::OnLevelChange(Qty ahead, Qty before, Qty traded, Qty after) const noexcept {
  const Qty rest = Rest(before, traded);
  if (after >= rest) return std::min(ahead, after);
  const Qty canceled = rest - after;
  return std::min(std::max(ahead - canceled, Qty::Zero()), after);
}

Result<std::unique_ptr<QueueModel>, Status> MakeQueueModel(std::string_view name) {
  if (name == "proportional") return std::unique_ptr<QueueModel>(new ProportionalQueue());
  if (name == "pessimistic") return std::unique_ptr<QueueModel>(new PessimisticQueue());
  if (name == "optimistic") return std::unique_ptr<QueueModel>(new OptimisticQueue());
  std::string m = "queue model \"";
  m.append(name).append("\" is not one of proportional, pessimistic, optimistic");
  return InvalidArgumentError(std::move(m));
}

}  // namespace hean
