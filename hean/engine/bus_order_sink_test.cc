#include "hean/engine/bus_order_sink.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "hean/model/test_events.h"

namespace hean {
namespace {

using testing_support::MakeEvent;
using testing_support::Tag;

EventBusOptions SmallQueue(std::size_t capacity) {
  EventBusOptions o;
  o.queue_capacity = capacity;
  o.batch_size = 64;
  return o;
}

TEST(BusOrderEventSink, FillsTakeTheFastPathOtherAnswersAreQueued) {
  EventBus bus(SmallQueue(16));
  std::vector<std::string> seen;
  bus.SubscribeAll([&](const Event& e) { seen.push_back(Tag(e)); });
  BusOrderEventSink sink(bus);
  sink.OnOrderEvent(MakeEvent<OrderAccepted>(1));
  sink.OnOrderEvent(MakeEvent<OrderPartiallyFilled>(2));
  // The fill ran at once; the acknowledgement waits in the queue.
  EXPECT_EQ(seen, (std::vector<std::string>{"ORDER_PARTIALLY_FILLED:2"}));
  EXPECT_EQ(bus.DrainAll(), 1u);
  EXPECT_EQ(seen, (std::vector<std::string>{"ORDER_PARTIALLY_FILLED:2", "ORDER_ACCEPTED:1"}));
  EXPECT_EQ(sink.published(), 2u);
  EXPECT_EQ(sink.waiting(), 0u);
}

TEST(BusOrderEventSink, NothingIsLostWhenTheQueueIsFull) {
  EventBus bus(SmallQueue(2));
  std::vector<std::string> seen;
  bus.SubscribeAll([&](const Event& e) { seen.push_back(Tag(e)); });
  BusOrderEventSink sink(bus);
  for (int i = 1; i <= 5; ++i) sink.OnOrderEvent(MakeEvent<OrderCanceled>(i));
  // Two fit; three wait, in order, and are counted as refusals.
  EXPECT_EQ(sink.waiting(), 3u);
  EXPECT_GE(sink.refusals(), 3u);
  while (sink.waiting() > 0) {
    bus.DrainAll();
    sink.Flush();
  }
  bus.DrainAll();
  EXPECT_EQ(seen, (std::vector<std::string>{"ORDER_CANCELED:1", "ORDER_CANCELED:2", "ORDER_CANCELED:3",
                                            "ORDER_CANCELED:4", "ORDER_CANCELED:5"}));
  EXPECT_EQ(sink.published(), 5u);
}

}  // namespace
}  // namespace hean
