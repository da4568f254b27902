// `isolsim explore` end to end: the CT_SEQ_WORK race found with its shortest counter-example,
// the fixed protocols verified, a wrong-guess variant caught, bounds reported as bounded.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "isolsim_cli.h"
#include "run_outputs.h"

namespace fs = std::filesystem;

namespace {

nlohmann::json explore(const std::string& scenario, const std::string& extra, int expect_status) {
  const fs::path out = fs::temp_directory_path() / ("isolsim_explore_" + std::to_string(getpid()));
  fs::remove_all(out);
  const CliResult r = isolsim("explore " + std::string(ISOLSIM_SOURCE_DIR) + "/scenarios/explore/" + scenario +
                           " --out " + out.string() + " " + extra);
  EXPECT_EQ(r.status, expect_status) << r.out;
  std::ifstream in(out / "explore.json");
  nlohmann::json j = nlohmann::json::parse(in, nullptr, false);
  fs::remove_all(out);
  return j;
}

std::vector<std::string> kinds(const nlohmann::json& j) {
  std::vector<std::string> k;
  for (const auto& v : j["violations"]) k.push_back(v["kind"]);
  return k;
}

}  // namespace

TEST(Explore, Pz2021DoubleExecutionWithTheSeedInterleaving) {
  const nlohmann::json j = explore("pz2021_two_senders.json", "", 1);
  ASSERT_EQ(kinds(j), std::vector<std::string>{"double_execution"});
  EXPECT_EQ(j["verdict"], "violation");
  const auto& steps = j["violations"][0]["steps"];
  // Seed 003: the second sender ORs its work in while CT_SEQ_WORK is (being) set, its cmpxchg
  // fails and it falls back to an IPI; the target's kernel entry runs the deferred work (its own
  // included), then the IPI handler runs it again. The shortest such interleaving needs no other
  // kernel entry than the IPI's: the first sender's cmpxchg is what makes the second one fail.
  std::size_t atomic_or = 0, entry = 0, failed = 0, ipi = 0, deferred_run = 0, ipi_run = 0;
  for (std::size_t i = 0; i < steps.size(); ++i) {
    const std::string t = steps[i]["text"];
    const unsigned cpu = steps[i]["cpu"];
    if (cpu == 1 && t.find("atomic_or ct.work[2]") != std::string::npos) atomic_or = i + 1;
    if (cpu == 2 && t.find("atomic_add_return ct.seq[2]") != std::string::npos && !entry) entry = i + 1;
    if (cpu == 1 && t.find("cmpxchg ct.seq[2]") != std::string::npos && t.find("fails") != std::string::npos) failed = i + 1;
    if (cpu == 1 && t.find("send IPI") != std::string::npos) ipi = i + 1;
    if (cpu == 2 && t.find("[runs deferred work]") != std::string::npos) deferred_run = i + 1;
    if (cpu == 2 && t.find("[runs the callback for R1.1]") != std::string::npos) ipi_run = i + 1;
  }
  EXPECT_TRUE(atomic_or && entry && failed && ipi && deferred_run && ipi_run) << steps.dump(1);
  EXPECT_LT(atomic_or, failed);
  EXPECT_LT(failed, ipi);
  EXPECT_LT(ipi, entry);
  EXPECT_LT(entry, deferred_run);
  EXPECT_LT(deferred_run, ipi_run);
  EXPECT_EQ(ipi_run, steps.size());  // shortest: it ends with the second execution
}

class FixedProtocols : public ::testing::TestWithParam<std::string> {};

TEST_P(FixedProtocols, TwoSendersVerified) {
  const nlohmann::json j = explore("pz2021_two_senders.json", "--set kernel.protocol=" + GetParam(), 0);
  EXPECT_EQ(j["verdict"], "verified");
  EXPECT_TRUE(j["complete"].get<bool>());
  // Every distinct end of an execution (reductions must keep all of them).
  EXPECT_EQ(j["terminal_states"], 20);
  EXPECT_GT(j["transitions"].get<std::uint64_t>(), j["states"].get<std::uint64_t>());
  EXPECT_TRUE(j["violations"].empty());
}

TEST_P(FixedProtocols, SequentialConsistencyExploresFewerStates) {
  const nlohmann::json tso = explore("pz2021_two_senders.json", "--set kernel.protocol=" + GetParam(), 0);
  const nlohmann::json sc =
      explore("pz2021_two_senders.json", "--set kernel.protocol=" + GetParam() + " --memory-model sc", 0);
  EXPECT_EQ(sc["memory_model"], "sc");
  EXPECT_LT(sc["states"].get<std::uint64_t>(), tso["states"].get<std::uint64_t>());
}

// Three senders, each deferring once, while the target enters and leaves the kernel once, under
// x86-TSO: every interleaving (16,000 to 30,000 states, a tenth of a second each).
TEST_P(FixedProtocols, ThreeSendersVerified) {
  const nlohmann::json j = explore("three_senders.json", "--set kernel.protocol=" + GetParam(), 0);
  EXPECT_EQ(j["verdict"], "verified");
  EXPECT_TRUE(j["complete"].get<bool>());
  EXPECT_EQ(j["terminal_states"], 122);
  EXPECT_TRUE(j["violations"].empty());
  EXPECT_EQ(j["never_interrupted"], "cpu0, cpu1, cpu2");  // only the nohz_full target takes IPIs
}

INSTANTIATE_TEST_SUITE_P(Protocols, FixedProtocols, ::testing::Values("rfc1", "v7"));

TEST(Explore, WrongGuessDefersToAKernelCpu) {
  const nlohmann::json j = explore("v7_guess_kernel.json", "", 1);
  const auto k = kinds(j);
  EXPECT_NE(std::find(k.begin(), k.end(), "deferred_to_kernel"), k.end()) << j.dump(1);
  // The same scenario with v7's own sender: nothing.
  const nlohmann::json fixed = explore("v7_guess_kernel.json", "'--set=programs=[{\"file\":\"sync_core_on.s\"}]'", 0);
  EXPECT_EQ(fixed["verdict"], "verified");
}

// kernel.nmi_watchdog puts one NMI in flight to each CPU it lists: taken once, at some boundary.
TEST(Explore, NmiWatchdogAddsOneNmiPerListedCpu) {
  const std::string sc = "--memory-model sc --replay-runs 0 ";
  const nlohmann::json plain = explore("v7_guess_kernel.json", sc, 1);
  const nlohmann::json none = explore("v7_guess_kernel.json", sc + "--set 'kernel.nmi_watchdog.cpus=[]'", 1);
  const nlohmann::json nmi = explore("v7_guess_kernel.json", sc + "--set 'kernel.nmi_watchdog.cpus=[1]'", 1);
  EXPECT_EQ(none["states"], plain["states"]);
  EXPECT_GT(nmi["states"].get<std::uint64_t>(), plain["states"].get<std::uint64_t>());
  // the NMI's context tracking leaves ct.state counted further on: more ends, the same violations
  EXPECT_GE(nmi["terminal_states"].get<std::uint64_t>(), plain["terminal_states"].get<std::uint64_t>());
  EXPECT_EQ(kinds(nmi), kinds(plain));
  ASSERT_FALSE(nmi["violations"].empty());
  int shown = 0;
  for (const auto& v : nmi["violations"]) {
    int nmis = 0;
    for (const auto& st : v["steps"]) {
      const std::string t = st["text"];
      if (t.find("irq 0x2 NMI") == std::string::npos) continue;
      ++nmis;
      EXPECT_EQ(st["cpu"], 1) << t;
    }
    EXPECT_LE(nmis, 1) << v["steps"].dump(1);
    shown += nmis;
  }
  EXPECT_GE(shown, 1);
}

TEST(Explore, IpiProtocolNeverDefersAndNeverFails) {
  const nlohmann::json j = explore("pz2021_two_senders.json", "--set kernel.protocol=ipi", 0);
  EXPECT_EQ(j["verdict"], "verified");
}

TEST(Explore, AStateBoundSaysBoundedNotVerified) {
  const nlohmann::json j = explore("pz2021_two_senders.json", "--set kernel.protocol=v7 --max-states 1000", 3);
  EXPECT_EQ(j["verdict"], "bounded");
  EXPECT_FALSE(j["complete"].get<bool>());
  EXPECT_NE(j["bound"].get<std::string>().find("state bound"), std::string::npos);
}

TEST(Explore, StopAtFirstStillGivesTheShortestCounterExample) {
  const nlohmann::json all = explore("pz2021_two_senders.json", "", 1);
  const nlohmann::json first = explore("pz2021_two_senders.json", "--first", 1);
  ASSERT_EQ(kinds(first), kinds(all));
  EXPECT_EQ(first["violations"][0]["steps"].size(), all["violations"][0]["steps"].size());
  EXPECT_LT(first["states"].get<std::uint64_t>(), all["states"].get<std::uint64_t>());
}

// Depth first (--search dfs, as Spin's pan searches) explores the same graph; to a first
// violation it may take far fewer states, its counter-example no longer the shortest.
TEST(Explore, DepthFirstExploresTheSameGraph) {
  const nlohmann::json bfs = explore("pz2021_two_senders.json", "--memory-model sc", 1);
  const nlohmann::json dfs = explore("pz2021_two_senders.json", "--memory-model sc --search dfs", 1);
  EXPECT_EQ(dfs["search"], "dfs");
  EXPECT_EQ(bfs["search"], "bfs");
  EXPECT_EQ(dfs["states"], bfs["states"]);
  EXPECT_EQ(dfs["transitions"], bfs["transitions"]);
  EXPECT_EQ(dfs["terminal_states"], bfs["terminal_states"]);
  EXPECT_EQ(kinds(dfs), kinds(bfs));
  const nlohmann::json first = explore("pz2021_two_senders.json", "--memory-model sc --search dfs --first", 1);
  ASSERT_EQ(kinds(first), std::vector<std::string>{"double_execution"});
  const nlohmann::json bfs_first = explore("pz2021_two_senders.json", "--memory-model sc --first", 1);
  EXPECT_LT(first["states"].get<std::uint64_t>(), bfs_first["states"].get<std::uint64_t>());
  EXPECT_GE(first["violations"][0]["steps"].size(), bfs_first["violations"][0]["steps"].size());
}

// A .litmus file is answered as herd7 answers it; a malformed one is one line naming file and line.
TEST(ExploreLitmus, AnswersAsHerdAndRejectsBadInput) {
  const std::string dir = std::string(ISOLSIM_SOURCE_DIR) + "/scenarios/litmus/";
  const CliResult ok = isolsim("explore " + dir + "SB+lock-or+po.litmus");
  EXPECT_EQ(ok.status, 0) << ok.out;
  EXPECT_NE(ok.out.find("Test SB+lock-or+po Allowed\nStates 4\n"), std::string::npos) << ok.out;
  EXPECT_NE(ok.out.find("\nObservation SB+lock-or+po Sometimes 1 3\n"), std::string::npos) << ok.out;
  const CliResult sc = isolsim("explore " + dir + "SB+lock-or+po.litmus --memory-model sc");
  EXPECT_NE(sc.out.find("\nObservation SB+lock-or+po Never 0 3\n"), std::string::npos) << sc.out;
  // herd7's axiomatic model, on the test where it admits a state x86 does not.
  const std::string pub = std::string(ISOLSIM_SOURCE_DIR) + "/../shared/litmus/x86/testandset.litmus";
  const CliResult cat = isolsim("explore " + pub + " --memory-model x86tso.cat");
  EXPECT_EQ(cat.status, 0) << cat.out;
  EXPECT_NE(cat.out.find("States 3\n0:EAX=0; 1:EAX=1;\n0:EAX=1; 1:EAX=0;\n0:EAX=1; 1:EAX=1;\n"), std::string::npos)
      << cat.out;
  EXPECT_NE(cat.out.find("consistent with x86tso.cat"), std::string::npos) << cat.out;
  const CliResult cat_depth = isolsim("explore " + pub + " --memory-model x86tso.cat --max-depth 3");
  EXPECT_EQ(cat_depth.status, 2);
  EXPECT_NE(cat_depth.out.find("--max-depth applies to the explorer's machine"), std::string::npos) << cat_depth.out;
  const CliResult machine = isolsim("explore " + pub);
  EXPECT_NE(machine.out.find("States 2\n"), std::string::npos) << machine.out;
  const CliResult cat_scenario = isolsim("explore " + std::string(ISOLSIM_SOURCE_DIR) +
                                         "/scenarios/explore/pz2021_two_senders.json --memory-model x86tso.cat");
  EXPECT_EQ(cat_scenario.status, 2);
  EXPECT_NE(cat_scenario.out.find("x86tso.cat applies to litmus tests only"), std::string::npos) << cat_scenario.out;

  const fs::path bad = fs::temp_directory_path() / ("isolsim_bad_" + std::to_string(getpid()) + ".litmus");
  std::ofstream(bad) << "X86 bad\n{ }\n P0 ;\n MOV [x],$1 ;\n FROB [x] ;\nexists (x=1)\n";
  const CliResult r = isolsim("explore " + bad.string());
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.out, "isolsim: " + bad.string() + ":5: unknown instruction 'FROB'\n");
  const CliResult scenario_flag = isolsim("explore " + dir + "mutex-cmpxchg.litmus --first");
  EXPECT_EQ(scenario_flag.status, 2);
  EXPECT_NE(scenario_flag.out.find("--first applies to scenario files"), std::string::npos);
  fs::remove(bad);
}

// The answer as herd7 prints it: the output without the explorer's statistics line (stderr).
std::string report_of(const std::string& out) {
  std::istringstream in(out);
  std::string line, kept;
  while (std::getline(in, line))
    if (line.find(" explored in ") == std::string::npos && line.find(" consistent with x86tso.cat") == std::string::npos)
      kept += line + "\n";
  return kept;
}

// Several litmus tests in one call are answered in turn, as herd7 answers them, a blank line
// between two; --out keeps each answer as DIR/<test name>.txt; a bad file is its one line and
// exit 2, the others still answered.
TEST(ExploreLitmus, SeveralFilesInTurnAndEachAnswerInOut) {
  const std::string dir = std::string(ISOLSIM_SOURCE_DIR) + "/scenarios/litmus/";
  const fs::path out = fs::temp_directory_path() / ("isolsim_litmus_out_" + std::to_string(getpid()));
  fs::remove_all(out);
  for (const std::string model : {"tso", "x86tso.cat"}) {
    SCOPED_TRACE(model);
    const std::string lost = report_of(isolsim("explore " + dir + "inc-lost.litmus --memory-model " + model).out);
    const std::string locked = report_of(isolsim("explore " + dir + "inc-locked.litmus --memory-model " + model).out);
    ASSERT_EQ(lost.rfind("Test inc-lost Allowed\nStates 2\nx=1;\nx=2;\n", 0), 0u) << lost;
    ASSERT_EQ(locked.rfind("Test inc-locked Allowed\nStates 1\nx=2;\n", 0), 0u) << locked;
    const CliResult both = isolsim("explore " + dir + "inc-lost.litmus " + dir + "inc-locked.litmus --memory-model " +
                                   model + " --out " + out.string());
    EXPECT_EQ(both.status, 0) << both.out;
    EXPECT_EQ(report_of(both.out), lost + "\n" + locked);
    EXPECT_EQ(slurp(out / "inc-lost.txt"), lost);
    EXPECT_EQ(slurp(out / "inc-locked.txt"), locked);
    fs::remove_all(out);
  }
  const CliResult bad = isolsim("explore " + dir + "inc-lost.litmus " + dir + "missing.litmus " + dir +
                                "inc-locked.litmus");
  EXPECT_EQ(bad.status, 2);
  EXPECT_NE(bad.out.find("isolsim: " + dir + "missing.litmus: cannot open\n"), std::string::npos) << bad.out;
  EXPECT_NE(bad.out.find("Test inc-lost Allowed"), std::string::npos) << bad.out;
  EXPECT_NE(bad.out.find("Test inc-locked Allowed"), std::string::npos) << bad.out;
  const CliResult twice = isolsim("explore " + dir + "inc-lost.litmus " + dir + "inc-lost.litmus --out " + out.string());
  EXPECT_EQ(twice.status, 2);
  EXPECT_NE(twice.out.find("test inc-lost is answered in " + (out / "inc-lost.txt").string() + " already"),
            std::string::npos)
      << twice.out;
  fs::remove_all(out);
  const CliResult mixed = isolsim("explore " + dir + "inc-lost.litmus " + std::string(ISOLSIM_SOURCE_DIR) +
                                  "/scenarios/explore/pz2021_two_senders.json");
  EXPECT_EQ(mixed.status, 2);
  EXPECT_EQ(mixed.out, "isolsim: explore takes one scenario file, or litmus tests (.litmus) only\n");
}

// The counter-example's replay scenario: `isolsim run` on it shows the double execution, with
// every conflicting access in the counter-example's order (the explorer checked that on the event
// log of the run it chose; here the run is repeated from the file alone).
TEST(ExploreReplay, Pz2021CounterExampleReplaysInTimedSimulation) {
  const fs::path out = fs::temp_directory_path() / ("isolsim_replay_test_" + std::to_string(getpid()));
  fs::remove_all(out);
  const CliResult r = isolsim("explore " + std::string(ISOLSIM_SOURCE_DIR) +
                              "/scenarios/explore/pz2021_two_senders.json --out " + out.string());
  ASSERT_EQ(r.status, 1) << r.out;
  EXPECT_NE(r.out.find("violation 1 replays in timed simulation"), std::string::npos) << r.out;
  std::ifstream in(out / "explore.json");
  const nlohmann::json j = nlohmann::json::parse(in);
  const nlohmann::json& replay = j["violations"][0]["replay"];
  EXPECT_TRUE(replay["reproduced"].get<bool>());
  EXPECT_TRUE(replay["order_matched"].get<bool>());
  ASSERT_EQ(replay["file"], "replay-1.json");

  const fs::path run_out = out / "run";
  const CliResult run = isolsim("run " + (out / "replay-1.json").string() + " --out " + run_out.string());
  EXPECT_EQ(run.status, 0) << run.out;  // its one expectation: deferral.double_executions >= 1
  std::ifstream rin(run_out / "report.json");
  const nlohmann::json report = nlohmann::json::parse(rin);
  EXPECT_EQ(report["deferral"]["double_executions"], 1);
  EXPECT_EQ(report["deferral"]["lost"], 0);
  // As in the counter-example, the IPI finds cpu2 in user mode.
  EXPECT_NE(run.out.find("1 interrupts in user mode (1 IPIs)"), std::string::npos) << run.out;
  fs::remove_all(out);
}

// The reduction (thread-local instructions run with the step before them) against the unreduced
// graph: the same violations and the same number of distinct ends, under both memory models.
TEST(ExploreReduction, FoldingHidesNoViolationAndNoEnd) {
  for (const char* model : {"sc", "tso"}) {
    SCOPED_TRACE(model);
    const std::string m = std::string(" --replay-runs 0 --memory-model ") + model;
    const nlohmann::json folded = explore("v7_guess_kernel.json", m, 1);
    const nlohmann::json unreduced = explore("v7_guess_kernel.json", m + " --unreduced", 1);
    EXPECT_EQ(kinds(folded), kinds(unreduced));
    EXPECT_EQ(folded["terminal_states"], unreduced["terminal_states"]);
    EXPECT_EQ(unreduced["reduction"], "none");
    EXPECT_GT(unreduced["states"].get<int>(), 20 * folded["states"].get<int>());
  }
}

// An expect clause that pins a violation (it fails when the count is 0) asks for some execution
// that shows it, as the timed run it was written for does: found, the exploration passes; the
// violations of that kind are expected. Never found in a complete exploration, it fails.
TEST(ExploreExpect, APinnedViolationPassesWhenFoundAndFailsWhenNever) {
  const std::string pin =
      " '--set=expect=[{\"path\":\"deferral.double_executions\",\"op\":\"==\",\"value\":1},"
      "{\"path\":\"deferral.lost\",\"op\":\"==\",\"value\":0}]' --replay-runs 0";
  const nlohmann::json found = explore("pz2021_two_senders.json", pin, 0);
  EXPECT_EQ(found["verdict"], "expected");
  ASSERT_EQ(kinds(found), std::vector<std::string>{"double_execution"});
  EXPECT_TRUE(found["violations"][0]["expected"].get<bool>());
  ASSERT_EQ(found["pinned_expectations"].size(), 1u);  // lost == 0 must hold at every end instead
  EXPECT_TRUE(found["pinned_expectations"][0]["met"].get<bool>());
  const nlohmann::json never = explore("pz2021_two_senders.json", pin + " --set kernel.protocol=v7", 1);
  EXPECT_EQ(never["verdict"], "violation");
  EXPECT_FALSE(never["pinned_expectations"][0]["met"].get<bool>());
  EXPECT_TRUE(never["violations"].empty());
  // A clause that holds at 0 is a condition on every end: the lost work of a protocol that drops
  // it is a violation, not an expectation met.
  const nlohmann::json lost = explore("v7_guess_kernel.json",
                                      " '--set=expect=[{\"path\":\"deferral.lost\",\"op\":\"==\",\"value\":0}]'"
                                      " --replay-runs 0", 1);
  EXPECT_EQ(lost["verdict"], "violation");
  EXPECT_FALSE(lost.contains("pinned_expectations"));
}

// A replay moves each CPU's start; the scenario's own `until` steps (no wait in the untimed
// exploration) give way to it instead of going back in time.
TEST(ExploreReplay, AnUntilStepGivesWayToTheReplaysStart) {
  const nlohmann::json j = explore("pz2021_two_senders.json",
                                   " '--set=workload.2=[{\"until\":100},{\"syscall\":\"getpid\"},{\"until\":200}]'", 1);
  ASSERT_EQ(kinds(j), std::vector<std::string>{"double_execution"});
  const nlohmann::json& replay = j["violations"][0]["replay"];
  EXPECT_TRUE(replay["reproduced"].get<bool>()) << replay.dump();
  EXPECT_GT(replay["start"][2].get<std::uint64_t>(), 200u);
}

// Seed 000: with the read lock (RFC v1's per-CPU rw-semaphore, or RFC v2's SRCU), the write of
// block_interf_cpumask waits for every reader, so no callback reaches a CPU after the write that
// blocked it returned, in any interleaving, under TSO and SC; without the read lock, explore finds
// the interleaving where one does.
TEST(Explore, BlockInterferenceHoldsOnlyUnderTheReadLock) {
  for (const std::string mm : {"tso --set kernel.block_interf_lock=rwsem", "sc", "tso --set kernel.block_interf_lock=srcu",
                               "sc --set kernel.block_interf_lock=srcu"}) {
    SCOPED_TRACE(mm);
    const nlohmann::json ok = explore("block_interf.json", "--memory-model " + mm, 0);
    EXPECT_TRUE(ok["violations"].empty()) << ok.dump();
    EXPECT_TRUE(ok["complete"]) << ok.dump();
    const nlohmann::json broken = explore("block_interf_no_read_lock.json", "--memory-model " + mm, 1);
    EXPECT_EQ(kinds(broken), std::vector<std::string>{"expect"}) << broken.dump();
  }
  // Under SRCU, a write that does not wait for the grace period is caught too.
  const nlohmann::json no_gp = explore(
      "block_interf.json",
      R"(--set kernel.block_interf_lock=srcu --set 'programs=[{"file":"block_interf_observer.s"},)"
      R"({"inline":".func sys_block_interf_write(mask)\n    blocked = &block_interf_cpumask[0]\n    call cpumask_copy(blocked, mask)\n    ret 0\n.endfunc\n"}]')",
      1);
  EXPECT_EQ(kinds(no_gp), std::vector<std::string>{"expect"}) << no_gp.dump();
}

// Seed 001: a runtime switch of nohz_full racing a deferral sender. Under v7 the switch, made by
// the target's stopper on the target, neither loses work nor defers it to a CPU that will not
// flush it, in either direction (v7's cmpxchg also needs RCU not watching, which an untracked CPU
// always is). Flipping ct->active from the writer's CPU is caught both ways.
namespace {

// Every kind found is `allowed`, and `needed` is among them.
void expect_kinds(const nlohmann::json& j, const std::set<std::string>& allowed, const std::string& needed) {
  bool found = false;
  for (const std::string& k : kinds(j)) {
    EXPECT_TRUE(allowed.count(k)) << k;
    found = found || k == needed;
  }
  EXPECT_TRUE(found) << j.dump();
}

const char* const kRemoteSwitch = R"(--set 'programs=[{"file":"sync_core_on.s"},{"file":"nohz_full_remote_switch.s"}]')";

}  // namespace

class NohzFullSwitch : public ::testing::TestWithParam<std::string> {};

TEST_P(NohzFullSwitch, ByTheStopperVerifiedRemoteFlipCaught) {
  const std::string file = "nohz_full_switch_" + GetParam() + ".json";
  const nlohmann::json ok = explore(file, "", 0);
  EXPECT_EQ(ok["verdict"], "verified") << ok.dump();
  EXPECT_TRUE(ok["complete"].get<bool>());
  const nlohmann::json remote = explore(file, kRemoteSwitch, 1);
  if (GetParam() == "off")  // work posted after the flip waits in a kernel stay that will not flush it
    expect_kinds(remote, {"deferred_to_kernel", "late_work", "lost_work"}, "deferred_to_kernel");
  else  // the flip left the state word saying RCU watches: the cmpxchg refuses for ever
    expect_kinds(remote, {"cannot_defer", "deferred_to_kernel", "late_work"}, "cannot_defer");
}

INSTANTIATE_TEST_SUITE_P(Explore, NohzFullSwitch, ::testing::Values("off", "on"));

// v4's cmpxchg tests the context bits only, and an untracked CPU in user mode has them say user:
// a switch off by the target's stopper alone lets a sender that tested ct->active before it post
// after it. Under stop_machine() no sender is between the two: verified, unless the sender has no
// ct->active test at all.
TEST(Explore, V4SwitchOffNeedsStopMachine) {
  const nlohmann::json alone = explore("nohz_full_switch_off.json", "--set kernel.protocol=v4", 1);
  expect_kinds(alone, {"deferred_to_kernel", "late_work", "lost_work"}, "deferred_to_kernel");
  const nlohmann::json held =
      explore("nohz_full_switch_off.json", "--set kernel.protocol=v4 --set kernel.nohz_full_switch=stop_machine", 0);
  EXPECT_EQ(held["verdict"], "verified") << held.dump();
}

TEST(Explore, V4SenderWithoutTheActiveTestCaughtUnderStopMachine) {
  const nlohmann::json j = explore(
      "nohz_full_switch_off.json",
      R"(--set kernel.protocol=v4 --set kernel.nohz_full_switch=stop_machine )"
      R"(--set 'programs=[{"file":"sync_core_on.s"},{"file":"ct_set_cpu_work_no_active_v4.s"}]')",
      1);
  expect_kinds(j, {"deferred_to_kernel", "late_work", "lost_work"}, "deferred_to_kernel");
}

// The explorer's runaway guard on a loop that stores to a word only its CPU touches: one line that
// says why the steps were folded (they were invisible, not free of memory accesses), exit 2.
TEST(Explore, RunawayLoopThatStoresIsExplained) {
  const fs::path dir = fs::temp_directory_path() / ("isolsim_runaway_" + std::to_string(getpid()));
  fs::create_directories(dir);
  std::ofstream(dir / "t.json") << R"({"name": "rw", "platform": {"cpus": 2}, "kernel": {"hz": 0},
    "programs": [{"inline": ".var mine\n.func spin()\nloop:\n    store mine, 1\n    jmp loop\n.endfunc\n"}],
    "workload": {"0": {"task": "spin"}, "1": [{"syscall": "getpid"}]}, "run": {"cycles": 100000}})";
  const CliResult r = isolsim("explore " + (dir / "t.json").string() + " --out " + (dir / "o").string());
  fs::remove_all(dir);
  EXPECT_EQ(r.status, 2) << r.out;
  EXPECT_EQ(std::count(r.out.begin(), r.out.end(), '\n'), 1) << r.out;
  EXPECT_NE(r.out.find("at spin+0"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("runaway program: more than"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("that no other CPU can observe"), std::string::npos) << r.out;
}
