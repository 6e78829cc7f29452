// Queue-position models: OnJoin, OnLevelChange of each model against
// hand-computed tables (shrink by cancels, growth, trades since the last
// update, rounding up to 1e-9, never above the level), and MakeQueueModel.
#include "hean/sim/queue_model.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "hean/core/decimal.h"

namespace hean {

// Readable gtest output for decimals (found by ADL).
template <class Tag>
void PrintTo(const FixedPoint<Tag>& v, std::ostream* os) {
  *os << (v.IsDefined() ? v.ToString() : std::string("Undefined"));
}

namespace {

using ::testing::HasSubstr;

Qty Q(std::string_view s) {
  auto r = Qty::Parse(s);
  EXPECT_TRUE(r.ok()) << "bad qty literal " << s;
  return r.value();
}

struct Change {
  const char* what;
  const char* ahead;
  const char* before;
  const char* traded;
  const char* after;
  const char* want;
};

void CheckTable(const QueueModel& m, const std::vector<Change>& table) {
  for (const Change& c : table) {
    EXPECT_EQ(m.OnLevelChange(Q(c.ahead), Q(c.before), Q(c.traded), Q(c.after)), Q(c.want))
        << m.name() << ": " << c.what;
  }
}

TEST(QueueModel, JoinIsTheBackOfTheLevel) {
  const ProportionalQueue p;
  const PessimisticQueue s;
  const OptimisticQueue o;
  for (const QueueModel* m :
       {static_cast<const QueueModel*>(&p), static_cast<const QueueModel*>(&s), static_cast<const QueueModel*>(&o)}) {
    EXPECT_EQ(m->OnJoin(Q("5.0")), Q("5.0")) << m->name();
    EXPECT_EQ(m->OnJoin(Q("0")), Q("0")) << m->name();
  }
}

TEST(QueueModel, ProportionalLevelChanges) {
  CheckTable(ProportionalQueue(),
             {
                 // The worked example of docs/SIM.md: 5 x 6 / 10 = 3.
                 {"shrink by cancels", "5.0", "10.0", "0", "6.0", "3.0"},
                 // Trades explain the shrink: rest = 10 - 4 = 6 = after, no cancels.
                 {"shrink explained by trades", "6.0", "10.0", "4.0", "6.0", "6.0"},
                 // rest = 10 - 4 = 6; 6 x 3 / 6 = 3.
                 {"trades then cancels", "6.0", "10.0", "4.0", "3.0", "3.0"},
                 // rest = 10 - 2 = 8; 3 x 6 / 8 = 2.25.
                 {"part trades, part cancels", "3.0", "10.0", "2.0", "6.0", "2.25"},
                 {"growth leaves ahead", "5.0", "10.0", "0", "12.0", "5.0"},
                 {"unchanged level", "5.0", "10.0", "0", "10.0", "5.0"},
                 {"level gone", "5.0", "10.0", "0", "0", "0"},
                 {"nothing ahead", "0", "10.0", "0", "4.0", "0"},
                 // 1 x 2 / 3 = 0.6666666666...: rounded up (against us) to 0.666666667.
                 {"rounds up", "1.0", "3.0", "0", "2.0", "0.666666667"},
                 // 1e-9 x 2e-9 / 3e-9 = 0.67e-9: rounded up to 1e-9, not down to 0.
                 {"rounds up at the last digit", "0.000000001", "0.000000003", "0", "0.000000002", "0.000000001"},
                 // 2 x 1 / 3 = 0.666...: 0.666666667.
                 {"rounds up (2/3)", "2.0", "3.0", "0", "1.0", "0.666666667"},
                 // Exact: 0.3 x 0.7 / 0.9 = 0.2333...: 0.233333334.
                 {"rounds up (0.21/0.9)", "0.3", "0.9", "0", "0.7", "0.233333334"},
                 // rest = 10 - 4 = 6 but ahead 9 > rest (inconsistent input):
                 // 9 x 5 / 6 = 7.5, capped at after = 5.
                 {"never above after (shrink)", "9.0", "10.0", "4.0", "5.0", "5.0"},
                 // rest = 10 - 6 = 4 <= after 5: growth after trades; ahead 8 capped at 5.
                 {"never above after (growth)", "8.0", "10.0", "6.0", "5.0", "5.0"},
                 // Trades exceed the level (the trade stream ran ahead): rest = 0.
                 {"rest zero", "3.0", "4.0", "5.0", "2.0", "2.0"},
             });
}

TEST(QueueModel, PessimisticLevelChanges) {
  CheckTable(PessimisticQueue(), {
                                     // Cancels are all behind us: min(ahead, after).
                                     {"shrink by cancels", "5.0", "10.0", "0", "6.0", "5.0"},
                                     {"part trades, part cancels", "3.0", "10.0", "2.0", "6.0", "3.0"},
                                     {"shrink below ahead", "5.0", "10.0", "0", "4.0", "4.0"},
                                     {"growth leaves ahead", "5.0", "10.0", "0", "12.0", "5.0"},
                                     {"level gone", "5.0", "10.0", "0", "0", "0"},
                                 });
}

TEST(QueueModel, OptimisticLevelChanges) {
  CheckTable(OptimisticQueue(), {
                                    // Cancels from the front: 5 - (10 - 6) = 1.
                                    {"shrink by cancels", "5.0", "10.0", "0", "6.0", "1.0"},
                                    // rest = 8, canceled 2: 3 - 2 = 1.
                                    {"part trades, part cancels", "3.0", "10.0", "2.0", "6.0", "1.0"},
                                    // 3 - 4 < 0: 0.
                                    {"more canceled than ahead", "3.0", "10.0", "0", "6.0", "0"},
                                    // rest = 10 - 4 = 6 = after: no cancels.
                                    {"shrink explained by trades", "6.0", "10.0", "4.0", "6.0", "6.0"},
                                    {"growth leaves ahead", "5.0", "10.0", "0", "12.0", "5.0"},
                                    // ahead 9 inconsistent with rest 6: 9 - 1 = 8, capped at 5.
                                    {"never above after", "9.0", "10.0", "4.0", "5.0", "5.0"},
                                    {"level gone", "5.0", "10.0", "0", "0", "0"},
                                });
}

TEST(QueueModel, ModelsAreOrdered) {
  // For any shrink: optimistic <= proportional <= pessimistic.
  const ProportionalQueue p;
  const PessimisticQueue s;
  const OptimisticQueue o;
  for (int ahead = 0; ahead <= 10; ++ahead) {
    for (int traded = 0; traded <= 4; ++traded) {
      for (int after = 0; after <= 12; ++after) {
        const Qty a = Qty::FromInt(ahead), b = Qty::FromInt(10), t = Qty::FromInt(traded), f = Qty::FromInt(after);
        const Qty ahead_left = a - Qty::FromInt(std::min(traded, ahead));  // trades already taken off
        const Qty vp = p.OnLevelChange(ahead_left, b, t, f);
        const Qty vs = s.OnLevelChange(ahead_left, b, t, f);
        const Qty vo = o.OnLevelChange(ahead_left, b, t, f);
        EXPECT_LE(vo, vp) << ahead << "/" << traded << "/" << after;
        EXPECT_LE(vp, vs) << ahead << "/" << traded << "/" << after;
        EXPECT_LE(vs, f);
        EXPECT_GE(vo, Qty::Zero());
      }
    }
  }
}

TEST(QueueModel, MakeQueueModelByName) {
  for (std::string_view name : {"proportional", "pessimistic", "optimistic"}) {
    auto m = MakeQueueModel(name);
    ASSERT_TRUE(m.ok()) << name;
    EXPECT_EQ((*m)->name(), name);
  }
  // The factory's models behave like the classes: 5 ahead, 10 -> 6.
  EXPECT_EQ((*MakeQueueModel("proportional"))->OnLevelChange(Q("5"), Q("10"), Q("0"), Q("6")), Q("3"));
  EXPECT_EQ((*MakeQueueModel("pessimistic"))->OnLevelChange(Q("5"), Q("10"), Q("0"), Q("6")), Q("5"));
  EXPECT_EQ((*MakeQueueModel("optimistic"))->OnLevelChange(Q("5"), Q("10"), Q("0"), Q("6")), Q("1"));
}

TEST(QueueModel, MakeQueueModelErrorsNameTheValue) {
  for (std::string_view bad : {"fifo", "", "Proportional", "proportional "}) {
    auto m = MakeQueueModel(bad);
    ASSERT_FALSE(m.ok()) << "\"" << bad << "\"";
    EXPECT_EQ(m.error().code(), StatusCode::kInvalidArgument);
    std::string quoted = "\"";
    quoted.append(bad).append("\"");
    EXPECT_THAT(m.error().message(), HasSubstr(quoted));
    EXPECT_THAT(m.error().message(), HasSubstr("proportional, pessimistic, optimistic"));
  }
}

}  // namespace
}  // namespace hean
