// Replay: merges recorded-data sources into one stream in receive-time
// order and drives a simulated clock and the bus with it.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "hean/core/status.h"
#include "hean/data/source.h"
#include "hean/model/events.h"

namespace hean {

// Where a replay goes: the engine in a backtest (see hean/engine), a file
// writer, a test. AdvanceTo is called before each event with its ts_recv,
// never decreasing.
class ReplaySink {
 public:
  virtual ~ReplaySink() = default;
  virtual Status AdvanceTo(UnixNanos t) = 0;
  virtual void Deliver(const Event& e) = 0;
};

// Merges any number of sources by ts_recv. Ties are broken by source order
// (the order given), then by order within the source, so the merged stream
// is the same on every run. The events of one source record (e.g. all
// deltas of one depth message) stay together. A source whose ts_recv steps
// back is delivered at the time already reached (the clock never goes
// backwards) and counted in out_of_order(). Not thread-safe.
class Replay {
 public:
  explicit Replay(std::vector<std::unique_ptr<EventSource>> sources);

  // The next event in merged order. False at the end or on the first source
  // error (status()).
  bool Next(Event* out);
  // The same without the copy: the next event where the replay holds it, or
  // null at the end or on an error. The caller may change it or move from
  // it; it stays valid until the next call.
  Event* NextRef();
  // Delivers every remaining event (at most max_events if > 0) to `sink`.
  Status Run(ReplaySink& sink, std::uint64_t max_events = 0);

  const Status& status() const noexcept { return status_; }
  std::uint64_t events() const noexcept { return events_; }
  std::uint64_t out_of_order() const noexcept { return out_of_order_; }
  const std::vector<std::unique_ptr<EventSource>>& sources() const noexcept { return sources_; }

 private:
  struct Cursor {
    std::vector<Event> batch;
    std::size_t pos = 0;
    bool done = false;
  };
  bool Refill(std::size_t i);
  UnixNanos Head(std::size_t i) const { return TsRecv(cursors_[i].batch[cursors_[i].pos]); }

  std::vector<std::unique_ptr<EventSource>> sources_;
  std::vector<Cursor> cursors_;
  bool primed_ = false;
  Status status_;
  std::uint64_t events_ = 0;
  std::uint64_t out_of_order_ = 0;
  UnixNanos last_;
  std::size_t current_ = SIZE_MAX;  // source whose record is being delivered
};

}  // namespace hean
