// Seed 002, task isolation, end to end: prctl(PR_TASK_ISOLATION) on a nohz_full CPU, what breaks
// the isolation under each protocol (and the signal it brings), the remote diagnostic, the exempt
// system calls, and the prctl's errors, after which nothing is left of the request.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "isolsim_cli.h"
#include "run_outputs.h"

namespace fs = std::filesystem;
using json = nlohmann::json;

namespace {

const std::string kExample = std::string(ISOLSIM_SOURCE_DIR) + "/scenarios/examples/task_isolation.json";

json run(const std::string& file, const std::string& name, const std::string& extra = "") {
  const fs::path out = fresh_dir("ti_" + name);
  const CliResult r = isolsim("run " + file + " --log none --out " + out.string() + " " + extra);
  EXPECT_EQ(r.status, 0) << r.out;
  json rep = json::parse(slurp(out / "report.json"));
  fs::remove_all(out);
  return rep;
}

// A 4-CPU v7 scenario, nohz_full 2-3, with `workload` and `sources`, 1 ms.
json run_inline(const std::string& name, const json& workload, const json& sources = json::array()) {
  const json s = {{"name", name},
                  {"platform", {{"cpus", 4}}},
                  {"kernel", {{"protocol", "v7"}, {"nohz_full", "2-3"}}},
                  {"sources", sources},
                  {"workload", workload},
                  {"run", {{"ms", 1}}}};
  const fs::path file = fresh_dir("ti_" + name + "_scenario").string() + ".json";
  std::ofstream(file) << s.dump(1);
  json rep = run(file.string(), name);
  fs::remove(file);
  return rep;
}

std::vector<std::string> ends(const json& rep, int cpu) {
  std::vector<std::string> out;
  const json& cpus = rep["task_isolation"]["cpus"];
  if (!cpus.contains(std::to_string(cpu))) return out;
  for (const json& s : cpus[std::to_string(cpu)]["isolated"]) out.push_back(s["ended_by"]);
  return out;
}

}  // namespace

TEST(TaskIsolation, WhatBreaksItUnderEachProtocol) {
  using V = std::vector<std::string>;
  const json v7 = run(kExample, "v7");
  EXPECT_EQ(ends(v7, 2), V{"interrupt CALL_FUNCTION"});
  EXPECT_EQ(ends(v7, 3), (V{"syscall sys_getpid", "interrupt CALL_FUNCTION"}));
  // v7 defers the text patching's sync_core: isolation outlives it, the TLB flush breaks it.
  const std::uint64_t broken_at = v7["task_isolation"]["cpus"]["2"]["isolated"][0]["until"];
  EXPECT_GT(broken_at, 2000000u);
  EXPECT_EQ(v7["task_isolation"]["cpus"]["2"]["exited_at"].is_null(), false);  // SIGKILL
  EXPECT_TRUE(v7["task_isolation"]["cpus"]["3"]["exited_at"].is_null());      // SIGUSR1, caught
  // The flushing CPU names itself for each isolated task it interrupts, before the target breaks.
  const json& remote = v7["task_isolation"]["remote"];
  ASSERT_EQ(remote.size(), 2u);
  for (const json& r : remote) {
    EXPECT_EQ(r["sender"], 0);
    EXPECT_EQ(r["reason"], "CALL_FUNCTION");
    EXPECT_LT(r["cycle"].get<std::uint64_t>(), broken_at);
  }
  const json ipi = run(kExample, "ipi", "--set kernel.protocol=ipi --set 'expect=[]'");
  EXPECT_LT(ipi["task_isolation"]["cpus"]["2"]["isolated"][0]["until"].get<std::uint64_t>(), 1500000u);
  EXPECT_EQ(ipi["task_isolation"]["remote"][0]["sender"], 1);  // the text patching's
  for (const std::string p : {"rfc1", "v4"}) {  // they defer the kernel TLB flush too
    const json r = run(kExample, p, "--set kernel.protocol=" + p + " --set 'expect=[]'");
    EXPECT_EQ(ends(r, 2), V{"run end"}) << p;
    EXPECT_EQ(ends(r, 3), (V{"syscall sys_getpid", "run end"})) << p;
    EXPECT_TRUE(r["task_isolation"]["remote"].empty()) << p;
  }
}

TEST(TaskIsolation, ExemptSystemCallsEndItWithoutASignal) {
  // prctl(0) turns it off; exit ends the task. Neither is a break.
  const json rep = run_inline(
      "exempt", {{"2", {{{"syscall", "prctl_task_isolation"}, {"arg", 1}}, {{"until", 300000}},
                        {{"syscall", "prctl_task_isolation"}, {"arg", 0}}, {{"syscall", "getpid"}}}},
                 {"3", {{{"syscall", "prctl_task_isolation"}, {"arg", 1}}, {{"until", 300000}}, {{"syscall", "exit"}}}}});
  EXPECT_EQ(ends(rep, 2), std::vector<std::string>{"prctl"});
  EXPECT_EQ(ends(rep, 3), std::vector<std::string>{"exit"});
  EXPECT_EQ(rep["task_isolation"]["broken"], 0);
  EXPECT_TRUE(rep["task_isolation"]["cpus"]["2"]["signals"].empty());
  EXPECT_FALSE(rep["task_isolation"]["cpus"]["3"]["exited_at"].is_null());
}

TEST(TaskIsolation, EinvalOffNohzFullLeavesNothingBehind) {
  // cpu1 is a housekeeping CPU: EINVAL, and its later system call breaks nothing.
  const json rep = run_inline("einval", {{"1", {{{"syscall", "prctl_task_isolation"}, {"arg", 1}},
                                                {{"until", 300000}}, {{"syscall", "getpid"}}}}});
  EXPECT_EQ(rep["noise"]["syscalls"]["sys_prctl_task_isolation"], json({{"EINVAL", 1}}));
  EXPECT_TRUE(rep["task_isolation"]["cpus"].empty()) << rep["task_isolation"].dump();
  EXPECT_EQ(rep["run"]["ipis_sent"], 0);
}

TEST(TaskIsolation, EagainWhenAThreadBecomesRunnableAsItStarts) {
  // A kernel thread woken on cpu2 between the exit path's schedule() and task_isolation_start()
  // keeps the tick: EAGAIN, no isolation, and the task's next system call breaks nothing. The
  // window is a few cycles wide: sweep the wake-up across the prctl's return.
  int eagain = 0, ok = 0;
  for (std::uint64_t at = 3500; at <= 4100; at += 20) {
    const json rep = run_inline(
        "eagain", {{"2", {{{"syscall", "prctl_task_isolation"}, {"arg", 1}}, {{"until", 300000}}, {{"syscall", "getpid"}}}}},
        {{{"source", "wakeup"}, {"from", {0}}, {"to", {2}}, {"at", {at}}}});
    const json& res = rep["noise"]["syscalls"]["sys_prctl_task_isolation"];
    if (res.contains("EAGAIN")) {
      ++eagain;
      EXPECT_TRUE(ends(rep, 2).empty()) << at;
      EXPECT_EQ(rep["task_isolation"]["broken"], 0) << at;
    } else {
      ++ok;
    }
  }
  EXPECT_GT(eagain, 0);
  EXPECT_GT(ok, 0);
}
