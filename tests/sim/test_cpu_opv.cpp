// Seed 004, cpu_opv, end to end: the operations' results on user memory, the failed compare that
// stops the vector, the refusals (EINVAL with no IPI and nothing written, EAGAIN when the task's
// affinity changes under the push), and what the push costs the isolated CPU it lands on.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "isolsim_cli.h"
#include "run_outputs.h"

namespace fs = std::filesystem;
using json = nlohmann::json;

namespace {

constexpr std::uint64_t kEinval = ~std::uint64_t(21), kEagain = ~std::uint64_t(10);  // -22, -11

// cpu0's task runs `body` (assembly using scenarios/examples/cpu_opv_task.s's helpers) on a 4-CPU
// machine, nohz_full 2-3; `workload` adds other CPUs' steps.
json run_task(const std::string& name, const std::string& body, json workload = json::object()) {
  const fs::path dir = fresh_dir("opv_" + name);
  fs::create_directories(dir);
  std::ofstream(dir / "t.s") << ".var scratch[2]\n.func t()\n" << body << "    ret 0\n.endfunc\n";
  workload["0"] = {{"task", "t"}};
  const json s = {{"name", name},
                  {"platform", {{"cpus", 4}}},
                  {"kernel", {{"protocol", "v7"}, {"nohz_full", "2-3"}, {"cpu_opv", true}}},
                  {"programs", {{{"file", std::string(ISOLSIM_SOURCE_DIR) + "/scenarios/examples/cpu_opv_task.s"}},
                                {{"file", (dir / "t.s").string()}}}},
                  {"workload", workload},
                  {"run", {{"ms", 0.5}}}};
  std::ofstream(dir / "t.json") << s.dump(1);
  const CliResult r = isolsim("run " + (dir / "t.json").string() + " --log none --out " + (dir / "out").string());
  EXPECT_EQ(r.status, 0) << r.out;
  json rep = json::parse(slurp(dir / "out" / "report.json"));
  fs::remove_all(dir);
  return rep;
}

const json& mem(const json& rep, const std::string& v) { return rep["memory"][v]; }

}  // namespace

TEST(CpuOpv, OperationsOnTheWordsBytes) {
  // On this CPU (no push): counter[0] = 0x1ff; add 1 on 1 byte wraps inside it; or, and, xor,
  // shifts on 2 and 4 bytes leave the bytes above alone; a memcpy of 12 bytes copies 1.5 words.
  const json rep = run_task("ops", R"(
    c0 = &counter[0]
    c1 = &counter[1]
    c2 = &counter[2]
    store counter[0], 0x1ff
    store counter[1], 0xffff0000ffff0001
    call opv_set(0, CPU_ADD_OP, 1, c0, 1)
    call opv_set(1, CPU_LSHIFT_OP, 2, c1, 4)
    call opv_set(2, CPU_XOR_OP, 4, c1, 0xff)
    call opv_set(3, CPU_OR_OP, 8, c2, 0xf0)
    call opv_set(4, CPU_AND_OP, 8, c2, 0x30)
    call opv_set(5, CPU_RSHIFT_OP, 8, c2, 4)
    call opv_set(6, CPU_MB_OP, 0, 0, 0)
    call opv_run(7, 0, 0)
    s = &scratch[0]
    call opv_set(0, CPU_MEMCPY_OP, 12, s, c0)
    call opv_run(1, 0, 1)
)");
  EXPECT_EQ(mem(rep, "results")[0], 0);
  EXPECT_EQ(mem(rep, "results")[1], 0);
  EXPECT_EQ(mem(rep, "counter")[0], 0x100);                    // 0xff + 1 in one byte, 0x100 kept
  EXPECT_EQ(mem(rep, "counter")[1], 0xffff0000ffff00efull);    // 0x0001 << 4 = 0x0010 (2 bytes), ^ 0xff
  EXPECT_EQ(mem(rep, "counter")[2], 3);                        // (0xf0 & 0x30) >> 4
  EXPECT_EQ(mem(rep, "scratch"), json::array({0x100, 0xffff00efull}));
  EXPECT_EQ(rep["run"]["ipis_sent"], 0);
}

TEST(CpuOpv, AFailedCompareStopsTheVectorAndNamesIt) {
  const json rep = run_task("compare", R"(
    c2 = &counter[2]
    z = &zero
    store counter[2], 7
    call opv_set(0, CPU_ADD_OP, 8, c2, 1)
    call opv_set(1, CPU_COMPARE_EQ_OP, 8, c2, z)
    call opv_set(2, CPU_ADD_OP, 8, c2, 100)
    call opv_run(3, 2, 0)
    call opv_set(1, CPU_COMPARE_NE_OP, 8, c2, c2)
    call opv_run(3, 2, 1)
)");
  EXPECT_EQ(mem(rep, "results")[0], 2);   // the second operation stopped it
  EXPECT_EQ(mem(rep, "results")[1], 2);
  EXPECT_EQ(mem(rep, "counter")[2], 9);   // the adds before each failed compare, none after
  // Both calls were pushed to cpu2: the migration thread preempted its task each time.
  const json& n = rep["noise"]["cpus"][2];
  EXPECT_EQ(n["thread"], 2);
  for (const json& k : n["by_kind"]) {
    EXPECT_EQ(k["callbacks"], json::array({"migration/2"})) << k.dump();
    EXPECT_EQ(k["sender"], 0);
  }
}

TEST(CpuOpv, EinvalSendsNothingAndWritesNothing) {
  // 17 operations; a 4097-byte memcpy; a shift of 3 bytes; an unknown op; flags; a CPU outside
  // the task's mask (after its own sched_setaffinity to CPUs 0-1): each a valid add otherwise.
  const json rep = run_task("einval", R"(
    c2 = &counter[2]
    z = &zero
    store counter[2], 5
    call opv_set(0, CPU_ADD_OP, 8, c2, 1)
    call opv_run(17, 2, 0)
    call opv_set(0, CPU_MEMCPY_OP, 4097, c2, z)
    call opv_run(1, 2, 1)
    call opv_set(0, CPU_LSHIFT_OP, 3, c2, 1)
    call opv_run(1, 2, 2)
    call opv_set(0, 10, 8, c2, 1)
    call opv_run(1, 2, 3)
    call opv_set(0, CPU_ADD_OP, 8, c2, 1)
    v = &opv[0]
    store desc[0], v
    store desc[1], 1
    store desc[2], 2
    store desc[3], 1
    d = &desc[0]
    syscall entry_SYSCALL_64(&sys_cpu_opv, d)
    r = load desc[4]
    store results[4], r
    store scratch[0], 0                        ; sched_setaffinity(cpu0's task, CPUs 0-1)
    store scratch[1], 3
    a = &scratch[0]
    syscall entry_SYSCALL_64(&sys_sched_setaffinity, a)
    call opv_run(1, 2, 5)
)");
  for (int i = 0; i < 6; ++i) EXPECT_EQ(mem(rep, "results")[i].get<std::uint64_t>(), kEinval) << i;
  EXPECT_EQ(mem(rep, "counter")[2], 5);
  EXPECT_EQ(rep["run"]["ipis_sent"], 0);
  EXPECT_EQ(rep["noise"]["cpus"][2]["episodes"], 0);
  EXPECT_EQ(rep["noise"]["syscalls"]["sys_cpu_opv"], json({{"EINVAL", 6}}));
}

TEST(CpuOpv, EagainWhenTheAffinityChangesUnderThePush) {
  // cpu1 restricts cpu0's task to CPUs 0-1 at some point around the push: before the call, EINVAL
  // and no IPI; while the push is in flight, EAGAIN and nothing written; after, the call is done.
  int einval = 0, eagain = 0, ok = 0;
  for (std::uint64_t at = 99000; at <= 104000; at += 250) {
    const json rep = run_task("eagain", R"(
    c2 = &counter[2]
    call opv_set(0, CPU_ADD_OP, 8, c2, 1)
    call wait_until(100000)
    call opv_run(1, 2, 0)
)", {{"1", {{{"until", at}}, {{"syscall", "sched_setaffinity"}, {"arg", 0}, {"cpus", "0-1"}}}}});
    const std::uint64_t r = mem(rep, "results")[0];
    if (r == kEagain) {
      ++eagain;
      EXPECT_EQ(mem(rep, "counter")[2], 0) << at;
    } else if (r == kEinval) {
      ++einval;
      EXPECT_EQ(rep["noise"]["cpus"][2]["episodes"], 0) << at;
    } else {
      ++ok;
      EXPECT_EQ(r, 0u) << at;
      EXPECT_EQ(mem(rep, "counter")[2], 1) << at;
    }
  }
  EXPECT_GT(einval, 0);
  EXPECT_GT(eagain, 0);
  EXPECT_GT(ok, 0);
}

TEST(CpuOpv, AShiftMustBeNarrowerThanItsWidth) {
  // cpu_opv_check(): a 1-byte shift by 8 is EINVAL, by 7 it runs (0x1 << 7 = 0x80 in the low byte).
  const json rep = run_task("shift", R"(
    c2 = &counter[2]
    store counter[2], 0x101
    call opv_set(0, CPU_LSHIFT_OP, 1, c2, 8)
    call opv_run(1, 0, 0)
    call opv_set(0, CPU_LSHIFT_OP, 1, c2, 7)
    call opv_run(1, 0, 1)
)");
  EXPECT_EQ(mem(rep, "results")[0].get<std::uint64_t>(), kEinval);
  EXPECT_EQ(mem(rep, "results")[1], 0);
  EXPECT_EQ(mem(rep, "counter")[2], 0x180);
}
