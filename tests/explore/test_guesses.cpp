// The random walks' guesses on the protocol scenarios: accesses to a word that a LOCKed
// instruction updates, seen in both orders, are never guessed race-free; ones the kernel orders
// (an IPI between them) still are.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>

#include "sim/explore/explore_scenario.h"
#include "sim/scenario/json_doc.h"

namespace {

explore::ScenarioOutcome explore_file(const std::string& file, bool tso) {
  const scenario::JsonDoc doc = scenario::JsonDoc::load_file(std::string(ISOLSIM_SOURCE_DIR) + "/scenarios/explore/" + file);
  const scenario::Scenario s = scenario::load_scenario(doc);
  explore::ScenarioOptions o;
  o.tso = tso;
  return explore::explore_scenario(doc, s, o);
}

bool guessed_race_free(const explore::ScenarioOutcome& o, const std::string& instruction) {
  const auto& all = o.json["race_free_instructions"];
  return std::find(all.begin(), all.end(), instruction) != all.end();
}

}  // namespace

// The target's atomic_andnot of ct.work in ct_user_exit and a sender's atomic_or of it: the walks
// see both orders but rarely overlap their windows (the seed 003 window). Guessed race-free, the
// exploration would find the race and start again.
TEST(Guesses, LockedAccessesSeenInBothOrdersRace) {
  const explore::ScenarioOutcome o = explore_file("pz2021_two_senders.json", false);
  EXPECT_EQ(o.text.find("explored again"), std::string::npos) << o.text;
  EXPECT_FALSE(guessed_race_free(o, "ct_user_exit+7"));
  EXPECT_EQ(o.result.states, 9330u);
}

// The sender's llist_add() comes before the target's llist_del_all() (the IPI between them), so
// the target's xchg of call_single_queue stays race-free, as the exploration confirms.
TEST(Guesses, LockedAccessesInOneOrderOnlyStayRaceFree) {
  const explore::ScenarioOutcome o = explore_file("v7_guess_kernel.json", true);
  EXPECT_TRUE(guessed_race_free(o, "__flush_smp_call_function_queue+1")) << o.json["race_free_instructions"].dump();
  EXPECT_EQ(o.result.states, 115u);
}
