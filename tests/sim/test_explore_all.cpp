// `isolsim explore --all`: every distinct counter-example (distinct by its racing accesses), the
// same with and without the explorer's reduction, and a replay scenario's sweep commands, which
// find the window around the counter-example.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "isolsim_cli.h"

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

const std::string kSrc = ISOLSIM_SOURCE_DIR;

json explore(const std::string& scenario, const std::string& extra, const fs::path& out) {
  fs::remove_all(out);
  const CliResult r = isolsim("explore " + kSrc + "/" + scenario + " --out " + out.string() + " " + extra);
  EXPECT_TRUE(r.status == 0 || r.status == 1) << r.out;
  std::ifstream in(out / "explore.json");
  return json::parse(in, nullptr, false);
}

using Racing = std::set<std::string>;
std::set<std::pair<std::string, Racing>> counterexamples(const json& j) {
  std::set<std::pair<std::string, Racing>> out;
  for (const auto& v : j["violations"]) out.insert({v["kind"], Racing(v["racing"].begin(), v["racing"].end())});
  return out;
}

fs::path tmp(const std::string& name) { return fs::temp_directory_path() / ("isolsim_all_" + name + "_" + std::to_string(getpid())); }

}  // namespace

// Store buffering, derived by hand: the expectation (both loads read 0) fails unless both loads
// come before the other CPU's drain. Each of the two words has its load and the other CPU's
// drain in one of two orders: four classes, three of them counter-examples.
TEST(ExploreAll, StoreBufferingHasThreeDistinctCounterExamples) {
  const json one = explore("scenarios/examples/store_buffering.json", "--replay-runs 0", tmp("sb1"));
  EXPECT_EQ(one["violations"].size(), 1u);
  const json all = explore("scenarios/examples/store_buffering.json", "--all --replay-runs 0", tmp("sb"));
  const std::string x_drain_first = "x: cpu0 drain of sb0+0 before cpu1 load at sb1+1",
                    x_load_first = "x: cpu1 load at sb1+1 before cpu0 drain of sb0+0",
                    y_drain_first = "y: cpu1 drain of sb1+0 before cpu0 load at sb0+1",
                    y_load_first = "y: cpu0 load at sb0+1 before cpu1 drain of sb1+0";
  const std::set<std::pair<std::string, Racing>> want = {
      {"expect", {x_drain_first, y_load_first}},
      {"expect", {x_drain_first, y_drain_first}},
      {"expect", {x_load_first, y_drain_first}},
  };
  EXPECT_EQ(counterexamples(all), want) << all["violations"].dump(1);
  EXPECT_EQ(all["violations"].size(), 3u);
  EXPECT_EQ(all["all"]["candidates"], all["all"]["replayed"]);
  // the default's one counter-example is the first of them (the shortest)
  EXPECT_EQ(one["violations"][0]["steps"], all["violations"][0]["steps"]);
}

// The set of racing-access orders is a property of an execution, not of the order in which the
// explorer happened to interleave its commuting steps: the reduced and the unreduced graph have
// the same distinct counter-examples.
TEST(ExploreAll, SameCounterExamplesWithoutTheReduction) {
  for (const char* f : {"scenarios/examples/store_buffering.json", "scenarios/explore/bet_on_kernel.json",
                        "scenarios/explore/nmi_from_user.json", "scenarios/explore/target_in_kernel.json",
                        "scenarios/explore/uncleared_work.json"}) {
    const json reduced = explore(f, "--all --replay-runs 0", tmp("r"));
    const json unreduced = explore(f, "--all --replay-runs 0 --unreduced", tmp("u"));
    ASSERT_TRUE(unreduced["complete"].get<bool>()) << f;
    EXPECT_GE(reduced["violations"].size(), 1u) << f;
    EXPECT_EQ(counterexamples(reduced), counterexamples(unreduced)) << f;
  }
}

// The CT_SEQ_WORK race: the shortest counter-example has two senders; --all also lists the
// seed's (lore 20210929151723.162004989@infradead.org, seed 003): cpu2's entry increments
// ct.seq[2] between cpu1's load of it and cpu1's cmpxchg, after cpu1 ORed its work in, and
// cpu2's exit-user work loads ct.work[2] after that OR.
TEST(ExploreAll, TheRaceListsTheSeedInterleaving) {
  const json all = explore("scenarios/ct_seq_work_race.json", "--all --replay-runs 0", tmp("race"));
  ASSERT_GT(all["violations"].size(), 1u);
  std::set<Racing> distinct;
  bool seed = false;
  for (const auto& v : all["violations"]) {
    EXPECT_EQ(v["kind"], "double_execution");
    const Racing r(v["racing"].begin(), v["racing"].end());
    EXPECT_TRUE(distinct.insert(r).second) << "listed twice: " << v["racing"].dump(1);
    seed |= r.count("ct.seq[2]: cpu1 load at ct_set_cpu_work+2 before cpu2 atomic_add_return at ct_user_exit+2") &&
            r.count("ct.seq[2]: cpu2 atomic_add_return at ct_user_exit+2 before cpu1 cmpxchg at ct_set_cpu_work+7") &&
            r.count("ct.work[2]: cpu1 atomic_or at ct_set_cpu_work+5 before cpu2 load at ct_exit_user_work+0");
  }
  EXPECT_TRUE(seed);
  // the first is the one counter-example explore prints without --all (the shortest)
  const json one = explore("scenarios/ct_seq_work_race.json", "--replay-runs 0", tmp("race1"));
  ASSERT_EQ(one["violations"].size(), 1u);
  EXPECT_EQ(one["violations"][0]["steps"], all["violations"][0]["steps"]);
}

TEST(ExploreAll, RefusesWhatItCannotDo) {
  const std::string race = kSrc + "/scenarios/ct_seq_work_race.json";
  EXPECT_EQ(isolsim("explore " + race + " --all --first").status, 2);
  EXPECT_EQ(isolsim("explore " + kSrc + "/scenarios/litmus/SB+xchgs.litmus --all").status, 2);
  EXPECT_EQ(isolsim("explore " + race + " --all-max 0").status, 2);
}

// A replay scenario feeds sweep directly: explore.json gives, per CPU, the sweep of its start
// cycle around the replay's; its window holds that start, and --edges makes its edges exact.
TEST(ExploreAll, ReplaySweepFindsTheWindowAroundTheCounterExample) {
  const fs::path out = tmp("replay");
  const json j = explore("scenarios/ct_seq_work_race.json", "", out);
  const json& replay = j["violations"][0]["replay"];
  ASSERT_TRUE(replay["reproduced"].get<bool>()) << replay.dump();
  ASSERT_EQ(replay["sweep"].size(), 3u) << replay.dump();
  std::string cmd = replay["sweep"][1];  // cpu1's start
  ASSERT_EQ(cmd.rfind("isolsim sweep ", 0), 0u) << cmd;
  const CliResult r = isolsim(cmd.substr(8) + " --no-progress");
  ASSERT_EQ(r.status, 1) << r.out;
  const std::string dir = cmd.substr(cmd.find("--out ") + 6);
  std::ifstream in(fs::path(dir) / "sweep.json");
  const json summary = json::parse(in);
  const std::uint64_t start = replay["start"][1];
  bool inside = false;
  for (const auto& c : summary["conditions"])
    if (c["name"] == "double_execution")
      for (const auto& w : c["windows"])
        for (const auto& iv : w["intervals"]) {
          if (iv["from"].get<std::uint64_t>() <= start && start <= iv["to"].get<std::uint64_t>()) {
            inside = true;
            EXPECT_TRUE(iv["exact"].get<bool>()) << iv.dump();
          }
        }
  EXPECT_TRUE(inside) << summary.dump(1);
  fs::remove_all(out);
}
