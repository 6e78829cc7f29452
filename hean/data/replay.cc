#include "hean/data/replay.h"

#include <utility>

namespace hean {

Replay::Replay(std::vector<std::unique_ptr<EventSource>> sources)
    : sources_(std::move(sources)), cursors_(sources_.size()), last_(UnixNanos::FromNanos(INT64_MIN)) {}

bool Replay::Refill(std::size_t i) {
  Cursor& c = cursors_[i];
  c.batch.clear();
  c.pos = 0;
  if (c.done) return false;
  if (!sources_[i]->Next(c.batch)) {
    c.done = true;
    c.batch.clear();
    if (!sources_[i]->status().ok() && status_.ok()) status_ = sources_[i]->status();
    return false;
  }
  return true;
}

bool Replay::Next(Event* out) {
  Event* e = NextRef();
  if (e == nullptr) return false;
  *out = std::move(*e);
  return true;
}

Event* Replay::NextRef() {
  if (!status_.ok()) return nullptr;
  if (!primed_) {
    primed_ = true;
    for (std::size_t i = 0; i < sources_.size(); ++i) {
      Refill(i);
      if (!status_.ok()) return nullptr;
    }
  }
  // Finish the record being delivered before choosing again.
  std::size_t pick = SIZE_MAX;
  if (current_ != SIZE_MAX && cursors_[current_].pos < cursors_[current_].batch.size()) {
    pick = current_;
  } else {
    if (current_ != SIZE_MAX) {
      Refill(current_);
      if (!status_.ok()) return nullptr;
    }
    // Few sources: a linear scan beats a heap and keeps ties simple.
    for (std::size_t i = 0; i < cursors_.size(); ++i) {
      if (cursors_[i].pos >= cursors_[i].batch.size()) continue;
      if (pick == SIZE_MAX || Head(i) < Head(pick)) pick = i;
    }
    if (pick == SIZE_MAX) return nullptr;
    current_ = pick;
  }
  Cursor& c = cursors_[pick];
  Event* e = &c.batch[c.pos++];
  const UnixNanos t = TsRecv(*e);
  if (t < last_) {
    ++out_of_order_;
  } else {
    last_ = t;
  }
  ++events_;
  return e;
}

Status Replay::Run(ReplaySink& sink, std::uint64_t max_events) {
  Event e;
  std::uint64_t n = 0;
  while ((max_events == 0 || n < max_events) && Next(&e)) {
    if (Status s = sink.AdvanceTo(last_); !s.ok()) return s;  // max ts_recv so far
    sink.Deliver(e);
    ++n;
  }
  return status_;
}

}  // namespace hean
