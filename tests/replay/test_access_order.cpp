// Conflicting-access orders of a counter-example and of a timed event log, and their comparison.
#include <gtest/gtest.h>

#include "sim/replay/access_order.h"

using replay::PerCpu;

namespace {

// Two CPUs: cpu0 ORs a word, cpu1 loads it, then cpu0's buffered store to another word drains
// and cpu1 loads that; cpu1 also loads a word of its own (its store buffer serves it when timed).
const nlohmann::json kSteps = nlohmann::json::parse(R"json([
  {"cpu": 0, "kind": "exec", "op": "atomic_or", "addr": "w", "at": "f+1 (a.s:3)"},
  {"cpu": 1, "kind": "exec", "op": "syscall", "at": "__task_cpu1+0 (x)"},
  {"cpu": 1, "kind": "exec", "op": "load", "addr": "w", "at": "g+0 (a.s:9)"},
  {"cpu": 0, "kind": "exec", "op": "store", "addr": "v", "at": "f+2 (a.s:4)"},
  {"cpu": 1, "kind": "irq", "vector": 251},
  {"cpu": 1, "kind": "exec", "op": "load", "addr": "q", "at": "g+5 (a.s:20)"},
  {"cpu": 0, "kind": "drain", "addr": "v"},
  {"cpu": 1, "kind": "exec", "op": "load", "addr": "v", "at": "g+1 (a.s:10)"}
])json");

std::string event_log(bool cpu1_first) {
  const std::string or0 = "         100  cpu0   atomic_or            w: 0x0 -> 0x1 @post(cpu1, 0x1)  [f+1 (a.s:3)]\n";
  const std::string ld1 = "         105  cpu1   load                 w = 0x1  [g+0 (a.s:9)]\n";
  const std::string tail =
      "         110  cpu0   store (buffered)     v <- 0x1  [f+2 (a.s:4)]\n"
      "         111  cpu1   load (forwarded)     q = 0x0  [g+5 (a.s:20)]\n"
      "         120  cpu0   store drained        v: 0x0 -> 0x1\n"
      "         121  cpu0   trace                user_enter(0x0)\n"
      "         130  cpu1   load                 v = 0x1  [g+1 (a.s:10)]\n";
  return cpu1_first ? ld1 + or0 + tail : or0 + ld1 + tail;
}

}  // namespace

TEST(AccessOrder, CounterExampleAccessesTsoAndSc) {
  const PerCpu tso = replay::counterexample_accesses(kSteps, false, 2);
  ASSERT_EQ(tso[0].size(), 2u);  // the OR and the drain; the store itself is invisible
  EXPECT_EQ(tso[0][0].at, "f+1");
  EXPECT_TRUE(tso[0][0].write);
  EXPECT_TRUE(tso[0][1].drain);
  EXPECT_EQ(tso[0][1].order, 6u);
  ASSERT_EQ(tso[1].size(), 3u);
  EXPECT_FALSE(tso[1][0].write);
  const PerCpu sc = replay::counterexample_accesses(kSteps, true, 2);
  ASSERT_EQ(sc[0].size(), 3u);  // under SC the store is the write (and no drain follows it)
  EXPECT_EQ(sc[0][1].at, "f+2");
}

TEST(AccessOrder, TimedAccessesFromTheEventLog) {
  const PerCpu t = replay::timed_accesses(event_log(false), 2);
  ASSERT_EQ(t[0].size(), 2u);  // OR, drain; the buffered store and the trace line are not accesses
  EXPECT_EQ(t[0][0].cycle, 100u);
  EXPECT_EQ(t[0][1].addr, "v");
  EXPECT_TRUE(t[0][1].drain);
  ASSERT_EQ(t[1].size(), 3u);
  EXPECT_TRUE(t[1][1].forwarded);
  EXPECT_EQ(t[1][2].at, "g+1");
}

TEST(AccessOrder, ComparisonFindsTheFirstPairOutOfOrder) {
  const PerCpu ce = replay::counterexample_accesses(kSteps, false, 2);
  const replay::Comparison same = replay::compare(ce, replay::timed_accesses(event_log(false), 2));
  EXPECT_TRUE(same.all_matched);  // the forwarded load of q is q's twin, ordered against nothing
  ASSERT_EQ(same.pairs.size(), 2u);  // w: OR before load; v: drain before load
  EXPECT_EQ(same.first_violated, -1);

  const PerCpu swapped = replay::timed_accesses(event_log(true), 2);
  const replay::Comparison c = replay::compare(ce, swapped);
  ASSERT_EQ(c.first_violated, 0);
  EXPECT_EQ(c.pairs[0].cpu_a, 0u);
  EXPECT_EQ(c.pairs[0].cpu_b, 1u);
  // The v pair (cpu0's drain 10 cycles before cpu1's load) flips if cpu1 starts 30 cycles
  // earlier or cpu0 30 later, not if either moves by 5, nor if cpu1 starts later.
  EXPECT_EQ(replay::pairs_broken(c, swapped, 1, -30, 2), 1);
  EXPECT_EQ(replay::pairs_broken(c, swapped, 0, 30, 2), 1);
  EXPECT_EQ(replay::pairs_broken(c, swapped, 1, -5, 2), 0);
  EXPECT_EQ(replay::pairs_broken(c, swapped, 0, 5, 2), 0);
  EXPECT_EQ(replay::pairs_broken(c, swapped, 1, 30, 2), 0);
}

TEST(AccessOrder, PathsThatPartStopTheMatch) {
  const PerCpu ce = replay::counterexample_accesses(kSteps, false, 2);
  std::string other = event_log(false);
  other.replace(other.find("g+0 (a.s:9)"), 11, "h+0 (a.s:40)");  // cpu1 loads w elsewhere
  const replay::Comparison c = replay::compare(ce, replay::timed_accesses(other, 2));
  EXPECT_FALSE(c.all_matched);
  EXPECT_EQ(c.matched[1], 0u);
  EXPECT_EQ(c.pairs.size(), 0u);
}

TEST(AccessOrder, WordsTheCounterExampleNeverTouchesAreSkipped) {
  // The explorer folds loads of constants (ct.active) into the step before them; the timed log
  // still has them.
  const PerCpu ce = replay::counterexample_accesses(kSteps, false, 2);
  std::string log = event_log(false);
  log.insert(0, "          90  cpu1   load                 ct.active[1] = 0x1  [g+9 (a.s:2)]\n");
  const replay::Comparison c = replay::compare(ce, replay::timed_accesses(log, 2));
  EXPECT_TRUE(c.all_matched);
  EXPECT_EQ(c.first_violated, -1);
}
