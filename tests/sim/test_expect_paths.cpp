// `expect` paths through the CLI: a path that can name nothing is refused before the simulation,
// and a count of a map keyed by what the run did reads 0 when nothing of that kind happened.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "isolsim_cli.h"
#include "run_outputs.h"

namespace fs = std::filesystem;

namespace {

const std::string kRace = std::string(ISOLSIM_SOURCE_DIR) + "/scenarios/ct_seq_work_race.json";

CliResult run_expecting(const std::string& path, const std::string& op, const std::string& value,
                        const fs::path& out) {
  return isolsim("run " + kRace + " --out " + out.string() + " --set 'expect=[{\"path\": \"" + path +
                 "\", \"op\": \"" + op + "\", \"value\": " + value + "}]'");
}

}  // namespace

TEST(ExpectPaths, ATypoIsRefusedBeforeTheRun) {
  const fs::path out = fresh_dir("expect_typo");
  const std::pair<std::string, std::string> cases[] = {
      {"deferral.double_execution",
       "\"deferral.double_execution\" names nothing in the report: no \"double_execution\" under \"deferral\" "
       "(there: requests, deliveries, deferred,"},
      {"interference.cpus.3.ipis_in_user",
       "\"interference.cpus.3.ipis_in_user\" names nothing in the report: \"interference.cpus\" has 3 elements (0-2)"},
      {"interference.cpus.2.by_cause.RESCHED.count",
       "\"RESCHED\" is not a vector name (one of: NMI, LOCAL_TIMER,"},
      {"interference.cpus.2.by_cause.RESCHEDULE.cycle",
       "no \"cycle\" under \"RESCHEDULE\" (there: count, cycles)"},
      {"noise.to_isolated.by_callback.do_sync_cor.ipi",
       "\"do_sync_cor\" is no function of the kernel or the scenario's programs"},
      {"noise.syscalls.sys_getpid.einval", "\"einval\" is not a system call's result"},
      {"tasks.task/9.runs", "\"task/9\" is not a task name"},
      {"run.cycles.total", "\"run.cycles\" is a single value"},
  };
  for (const auto& [path, message] : cases) {
    const CliResult r = run_expecting(path, "==", "0", out);
    EXPECT_EQ(r.status, 2) << path << "\n" << r.out;
    EXPECT_EQ(count_lines(r.out), 1u) << r.out;
    EXPECT_NE(r.out.find("/expect/0/path"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find(message), std::string::npos) << path << "\n" << r.out;
    // Refused before anything ran: not even the output folder exists.
    EXPECT_FALSE(fs::exists(out)) << path;
  }
}

TEST(ExpectPaths, AnAbsentCountIsZero) {
  const fs::path out = fresh_dir("expect_zero");
  // Under pz2021 nothing reschedules cpu2, no getpid fails, kworker/1 never runs, nothing is blocked.
  for (const std::string path : {"interference.cpus.2.by_cause.RESCHEDULE.count", "noise.syscalls.sys_getpid.EINVAL",
                                 "tasks.kworker/1.runs", "noise.to_isolated.by_callback.do_sync_core.blocked",
                                 "deferral.executions_per_delivery.3"}) {
    const CliResult r = run_expecting(path, "==", "0", out);
    EXPECT_EQ(r.status, 0) << path << "\n" << r.out;
    const CliResult wrong = run_expecting(path, ">", "0", out);
    EXPECT_EQ(wrong.status, 1) << path << "\n" << wrong.out;
    EXPECT_NE(wrong.out.find("(actual 0)"), std::string::npos) << wrong.out;
  }
  // A count that is there reads as it is: the race's callback ran twice for one delivery.
  EXPECT_EQ(run_expecting("deferral.executions_per_delivery.2", "==", "1", out).status, 0);
  fs::remove_all(out);
}

TEST(ExpectPaths, AnEntryTheRunDidNotMakeIsNullNotAnError) {
  const fs::path out = fresh_dir("expect_null");
  // The deliveries listed are as many as the run made: a later index can exist in another run.
  const CliResult r = run_expecting("deferral.deliveries_listed.500.sender", "==", "1", out);
  EXPECT_EQ(r.status, 1) << r.out;
  EXPECT_NE(r.out.find("expectation failed: deferral.deliveries_listed.500.sender == 1 (actual null)"),
            std::string::npos)
      << r.out;
  fs::remove_all(out);
}
