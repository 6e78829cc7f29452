// Queue-position models for resting orders in the simulated exchange
// (DESIGN.md habit 9).
//
// The recorded book shows the displayed qty of each level, without our
// order in it. A resting order of ours keeps `ahead`: the displayed qty in
// front of it in the level's FIFO queue.
//
//   * Joining: a new (or re-priced) order joins the back of its level, so
//     ahead = the level's displayed qty when the order arrives.
//   * Trades at our price (by an aggressor on the other side) consume the
//     queue from the front: first `ahead`, then our order. The same in every
//     model; done by the exchange, not the model.
//   * A trade through our price (a sell printing below our bid) means the
//     whole level was taken: our order fills entirely. Also done by the
//     exchange.
//   * The level's displayed qty changes without a trade (a depth update).
//     Trades since the last depth update of the level already explain part
//     of any shrink; the rest are cancels (or, when the level grows, new
//     orders joining behind us). Where those cancels sat in the queue is
//     unknown: that is what a QueueModel decides.
//
// Models (all exact in fixed point; `rest` = the level before the update
// minus the trades since, i.e. what was left before the cancels):
//   * Proportional (the default): cancels are spread evenly through the
//     queue, so ahead shrinks in proportion: ahead' = ahead x after / rest,
//     rounded up to 1e-9 (never in our favour).
//   * Pessimistic: only trades move us forward; cancels are all behind us.
//     ahead' = min(ahead, after).
//   * Optimistic: cancels come from the front first.
//     ahead' = max(0, ahead - (rest - after)).
// In every model a level that grows leaves ahead unchanged, and ahead never
// exceeds the level's displayed qty.
//
// Known limit: venues publish trades and depth on separate streams. When a
// depth update showing a trade's effect is recorded before the trade itself,
// the shrink is first read as cancels and the trade then consumes the queue
// again, which favours us. Pessimistic is the model that is immune to this.
//
// Stateless and thread-compatible.
#pragma once

#include <memory>
#include <string_view>

#include "hean/core/decimal.h"
#include "hean/core/status.h"

namespace hean {

class QueueModel {
 public:
  virtual ~QueueModel() = default;
  virtual std::string_view name() const noexcept = 0;
  // Queue ahead of an order that joins a level displaying `level_qty`.
  virtual Qty OnJoin(Qty level_qty) const noexcept { return level_qty; }
  // The level displayed `before` at the last depth update, `traded` of it
  // has printed since (already taken off `ahead`), and it now displays
  // `after`. Returns the new queue ahead, within [0, after].
  virtual Qty OnLevelChange(Qty ahead, Qty before, Qty traded, Qty after) const noexcept = 0;
};

class ProportionalQueue final : public QueueModel {
 public:
  std::string_view name() const noexcept override { return "proportional"; }
  Qty OnLevelChange(Qty ahead, Qty before, Qty traded, Qty after) const noexcept override;
};

class PessimisticQueue final : public QueueModel {
 public:
  std::string_view name() const noexcept override { return "pessimistic"; }
  Qty OnLevelChange(Qty ahead, Qty before, Qty traded, Qty after) const noexcept override;
};

class OptimisticQueue final : public QueueModel {
 public:
  std::string_view name() const noexcept override { return "optimistic"; }
  Qty OnLevelChange(Qty ahead, Qty before, Qty traded, Qty after) const noexcept override;
};

// "proportional", "pessimistic" or "optimistic". Errors name the value.
Result<std::unique_ptr<QueueModel>, Status> MakeQueueModel(std::string_view name);

}  // namespace hean
