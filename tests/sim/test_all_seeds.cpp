// The seeds' example scenarios pass their own expectations, and the combined one answers, per
// isolated CPU, what disturbed it (how often, sent by whom from where, for how many cycles) and
// which mechanism kept what away.
#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>

#include "isolsim_cli.h"
#include "run_outputs.h"

namespace fs = std::filesystem;
using json = nlohmann::json;

class SeedExample : public ::testing::TestWithParam<std::string> {};

TEST_P(SeedExample, ItsExpectationsHold) {
  const fs::path out = fresh_dir("seed_" + GetParam());
  const CliResult r = isolsim("run " + std::string(ISOLSIM_SOURCE_DIR) + "/scenarios/examples/" + GetParam() +
                              ".json --log none --out " + out.string());
  EXPECT_EQ(r.status, 0) << r.out;
  EXPECT_NE(r.out.find("expectations hold"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("expectation failed"), std::string::npos) << r.out;
  fs::remove_all(out);
}

INSTANTIATE_TEST_SUITE_P(Examples, SeedExample,
                         ::testing::Values("block_interference", "nohz_full_runtime", "task_isolation", "cpu_opv",
                                           "all_seeds"));

TEST(AllSeeds, EachIsolatedCpuSaysWhatReachedItAndWhatWasKeptAway) {
  const fs::path out = fresh_dir("all_seeds");
  const CliResult r = isolsim("run " + std::string(ISOLSIM_SOURCE_DIR) + "/scenarios/examples/all_seeds.json --out " +
                              out.string());
  ASSERT_EQ(r.status, 0) << r.out;
  const json rep = json::parse(slurp(out / "report.json"));
  const json trace = json::parse(slurp(out / "trace.json"));
  const std::vector<LogLine> log = read_log(out / "events.log");
  fs::remove_all(out);
  const json& at_end = rep["nohz_full"]["at_end"];
  ASSERT_EQ(at_end.size(), 10u);
  for (const json& c : at_end) {
    const json& n = rep["noise"]["cpus"][c.get<int>()];
    SCOPED_TRACE("cpu" + std::to_string(c.get<int>()));
    // Disturbed: each kind of episode says its vector, sender, callsite, count and cycles.
    ASSERT_GT(n["episodes"].get<int>(), 0);
    for (const json& k : n["by_kind"]) {
      EXPECT_GT(k["count"].get<int>(), 0);
      EXPECT_GT(k["cycles"].get<int>(), 0);
      EXPECT_FALSE(k["vector_name"].get<std::string>().empty());
      EXPECT_TRUE(k.contains("sender") && k.contains("callsite")) << k.dump();
    }
    // Kept away: v7 deferred the text patching, RCU and vmstat skipped the CPU; the kernel TLB
    // flush went by IPI to every one of them.
    const json& aimed = n["aimed_at"];
    EXPECT_GT(aimed["do_sync_core"]["deferred"].get<int>(), 0);
    EXPECT_GT(aimed["rcu_exp_handler"]["skipped"].get<int>(), 0);
    EXPECT_GT(aimed["vmstat_update"]["skipped"].get<int>(), 0);
    EXPECT_EQ(aimed["do_flush_tlb_all"]["ipi"], 1);
  }
  // Block interference refused the perf event on cpu12 and let the one on cpu14 through.
  EXPECT_EQ(rep["noise"]["cpus"][12]["aimed_at"]["__perf_install_in_context"]["blocked"], 1);
  EXPECT_EQ(rep["noise"]["cpus"][14]["aimed_at"]["__perf_install_in_context"]["ipi"], 1);
  // cpu_opv's push is thread noise on cpu9, its migration thread; the TLB flush ended both
  // isolated tasks, killing cpu11's.
  bool migration = false;
  for (const json& k : rep["noise"]["cpus"][9]["by_kind"])
    for (const json& cb : k["callbacks"]) migration = migration || (cb == "migration/9" && k["sender"] == 5);
  EXPECT_TRUE(migration);
  EXPECT_EQ(rep["task_isolation"]["cpus"]["10"]["isolated"][0]["ended_by"], "interrupt CALL_FUNCTION");
  EXPECT_FALSE(rep["task_isolation"]["cpus"]["11"]["exited_at"].is_null());
  // Housekeeping CPUs are no one's concern here: nothing is listed as aimed at them.
  EXPECT_TRUE(rep["noise"]["cpus"][4]["aimed_at"].empty());
  // The trace's task tracks: cpu11's task until its exit, the migration thread's stay on cpu9,
  // the kernel thread woken on cpu14 and the task it preempted.
  std::map<std::string, std::vector<json>> runs;
  std::map<int, std::string> track;
  for (const json& e : trace["traceEvents"]) {
    if (e["pid"] != 1) continue;
    if (e["name"] == "thread_name") track[e["tid"]] = e["args"]["name"];
    if (e["ph"] == "X") runs[track.at(e["tid"])].push_back(e["args"]);
  }
  ASSERT_EQ(runs["task/11"].size(), 1u);
  EXPECT_EQ(runs["task/11"][0]["cycle"].get<std::uint64_t>() + runs["task/11"][0]["cycles"].get<std::uint64_t>(),
            rep["task_isolation"]["cpus"]["11"]["exited_at"].get<std::uint64_t>());
  ASSERT_EQ(runs["migration/9"].size(), 1u);
  EXPECT_EQ(runs["migration/9"][0]["cpu"], 9);
  EXPECT_EQ(runs["kthread/14"].size(), 1u);
  EXPECT_EQ(runs["task/14"].size(), 2u);  // before and after the kernel thread
  EXPECT_EQ(runs["task/8"].size(), 1u);   // never preempted
  // The event log names them as the kernel's sched tracepoints do.
  int migrated = 0, switched = 0;
  for (const LogLine& l : log) {
    migrated += l.what == "sched_migrate_task" && l.cpu == 9 && l.detail == "comm=task/5 orig_cpu=5 dest_cpu=9";
    switched += l.what == "sched_switch" && l.cpu == 9 && l.detail == "prev_comm=task/9 ==> next_comm=migration/9";
  }
  EXPECT_EQ(migrated, 1);
  EXPECT_EQ(switched, 1);
  // report.json sums the same stays.
  EXPECT_EQ(rep["tasks"]["task/14"]["runs"], 2);
  EXPECT_EQ(rep["tasks"]["kthread/14"]["cpus"], json::array({14}));
  EXPECT_EQ(rep["tasks"]["task/11"]["cycles"], rep["task_isolation"]["cpus"]["11"]["exited_at"]);
}
