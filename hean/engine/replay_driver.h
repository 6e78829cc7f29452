// EngineReplaySink: plays a Replay into an Engine running on a SimClock.
#pragma once

#include "hean/book/book_set.h"
#include "hean/data/replay.h"
#include "hean/engine/engine.h"

namespace hean {

// For each event: moves the engine's SimClock to its ts_recv (firing due
// timers), publishes it on the bus and drains the bus. With a BookSet, book
// events are applied to it first (so subscribers see the book as of the
// event), and a BookInvalid is published right after an event that broke
// a book.
class EngineReplaySink final : public ReplaySink {
 public:
  explicit EngineReplaySink(Engine& engine, BookSet* books = nullptr) : engine_(engine), books_(books) {}

  Status AdvanceTo(UnixNanos t) override {
    if (t <= engine_.clock().Now()) return Status::Ok();
    return engine_.AdvanceTo(t);
  }

  void Deliver(const Event& e) override {
    std::optional<BookInvalid> invalid;
    if (books_ != nullptr) invalid = books_->Apply(e);
    (void)engine_.bus().Publish(e);
    if (invalid) (void)engine_.bus().Publish(Event(*invalid));
    engine_.RunUntilIdle();
  }

 private:
  Engine& engine_;
  BookSet* books_;
};

}  // namespace hean
