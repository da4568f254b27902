// Edges taken from commuting steps (Options::commute) and steps replayed from the machine's
// memory (MachineConfig::memo_steps): each one is run anyway and must reach the same state, and
// the graph is the one the plain search builds.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "sim/explore/explore_scenario.h"
#include "sim/scenario/json_doc.h"

namespace {

struct Case {
  const char* file;
  const char* protocol;
  bool tso;
};

explore::Result explore(const Case& c, bool shortcuts, bool check) {
  scenario::JsonDoc doc =
      scenario::JsonDoc::load_file(std::string(ISOLSIM_SOURCE_DIR) + "/scenarios/explore/" + c.file);
  doc.apply_override(std::string("kernel.protocol=") + c.protocol);
  const scenario::Scenario s = scenario::load_scenario(doc);
  explore::ScenarioOptions o;
  o.tso = c.tso;
  o.explore.commute = shortcuts;
  o.explore.check_commutations = check;
  o.memo_steps = shortcuts;
  o.check_memo = check;
  return explore::explore_scenario(doc, s, o).result;
}

class Shortcuts : public ::testing::TestWithParam<Case> {};

TEST_P(Shortcuts, EachIsRunAnywayAndTheGraphIsThePlainOne) {
  const explore::Result with = explore(GetParam(), true, true);  // throws std::logic_error on a wrong one
  const explore::Result plain = explore(GetParam(), false, false);
  EXPECT_TRUE(with.complete);
  EXPECT_EQ(with.states, plain.states);
  EXPECT_EQ(with.transitions, plain.transitions);
  EXPECT_EQ(with.terminal_states, plain.terminal_states);
  EXPECT_EQ(with.depth, plain.depth);
  ASSERT_EQ(with.violations.size(), plain.violations.size());
  for (std::size_t i = 0; i < with.violations.size(); ++i) {
    EXPECT_EQ(with.violations[i].finding.kind, plain.violations[i].finding.kind);
    EXPECT_EQ(with.violations[i].path, plain.violations[i].path);
  }
}

INSTANTIATE_TEST_SUITE_P(
    Protocols, Shortcuts,
    ::testing::Values(Case{"pz2021_two_senders.json", "pz2021", false}, Case{"pz2021_two_senders.json", "pz2021", true},
                      Case{"pz2021_two_senders.json", "rfc1", true}, Case{"three_senders.json", "rfc1", false},
                      Case{"three_senders.json", "v7", false}, Case{"three_senders.json", "v7", true},
                      Case{"v7_guess_kernel.json", "v7", true}),
    [](const ::testing::TestParamInfo<Case>& i) {
      std::string f = i.param.file;
      return f.substr(0, f.find('.')) + "_" + i.param.protocol + (i.param.tso ? "_tso" : "_sc");
    });

}  // namespace
