#include "hean/engine/bus_order_sink.h"

namespace hean {

void BusOrderEventSink::OnOrderEvent(const Event& event) {
  waiting_.push_back(event);
  Flush();
}

std::size_t BusOrderEventSink::Flush() {
  while (!waiting_.empty()) {
    if (!Delivered(bus_.Publish(waiting_.front()))) {
      ++refusals_;
      break;
    }
    waiting_.pop_front();
    ++published_;
  }
  return waiting_.size();
}

}  // namespace hean
