// Beyond 64 CPUs, end to end: CPU masks are struct cpumask in memory (models/kernel/cpumask.s), so
// that cpumask_next() walks masks of several words, and smp_call_function_many_cond(), the
// nohz_full mask and the block-interference mask reach every CPU, whatever its word.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "isolsim_cli.h"
#include "run_outputs.h"

namespace fs = std::filesystem;
using json = nlohmann::json;

namespace {

// Runs scenario `s` (with `program` as its programs' only file when not empty); the report.
json run(const std::string& name, json s, const std::string& program = "", int status = 0) {
  const fs::path dir = fresh_dir("many_" + name);
  fs::create_directories(dir);
  if (!program.empty()) {
    std::ofstream(dir / "p.s") << program;
    s["programs"] = json::array({{{"file", (dir / "p.s").string()}}});
  }
  s["name"] = name;
  std::ofstream(dir / "s.json") << s.dump(1);
  const CliResult r = isolsim("run " + (dir / "s.json").string() + " --log none --out " + (dir / "out").string() +
                              " --ftrace " + (dir / "ftrace.txt").string());
  EXPECT_EQ(r.status, status) << r.out;
  json rep = json::parse(slurp(dir / "out" / "report.json"));
  rep["ftrace"] = slurp(dir / "ftrace.txt");
  fs::remove_all(dir);
  return rep;
}

}  // namespace

// cpumask_next() over a mask of three words (130 CPUs), as for_each_cpu() walks it: the bits at
// each word's edges (63, 64, 127, 128, 129), none twice and none missed; and cpumask_test_cpu(),
// __cpumask_set_cpu(), __cpumask_clear_cpu() on the second and third words.
TEST(ManyCpus, CpumaskNextWalksEveryWord) {
  const std::string program = R"(
.var m[NR_CPUMASK_LONGS] = {0x8000000000000001, 0x8000000000000001, 0x3}
.var found[8]
.var tests[4]
.func walk()
    i = 0
    cpu = -1
    p = &m[0]
each:
    cpu = call cpumask_next(cpu, p)
    jnz cpu >= NR_CPUS, walked
    store found[i], cpu
    i = i + 1
    jmp each
walked:
    store found[7], i
    call __cpumask_clear_cpu(64, p)
    call __cpumask_set_cpu(100, p)
    a = call cpumask_test_cpu(64, p)
    b = call cpumask_test_cpu(100, p)
    c = call cpumask_test_cpu(129, p)
    d = call cpumask_test_cpu(99, p)
    store tests[0], a
    store tests[1], b
    store tests[2], c
    store tests[3], d
    ret 0
.endfunc
)";
  const json rep = run("walk", {{"platform", {{"cpus", 130}}}, {"kernel", {{"protocol", "ipi"}, {"hz", 0}}},
                                {"workload", {{"0", {{"task", "walk"}}}}}, {"run", {{"cycles", 100000}}}},
                       program);
  EXPECT_EQ(rep["memory"]["found"], json({0, 63, 64, 127, 128, 129, 0, 6}));
  EXPECT_EQ(rep["memory"]["tests"], json({0, 1, 1, 0}));
}

// text_poke_sync() from cpu0 on 200 CPUs: smp_call_function_many_cond() walks cfd->cpumask over
// four words. Without deferral every other CPU gets the IPI, sent as one ALLBUT broadcast
// (native_send_call_func_ipi(): the mask is every online CPU but this one), and ipi_send_cpumask
// carries the whole mask; under v7 the nohz_full CPUs in user mode get the work deferred instead.
TEST(ManyCpus, TextPokeReachesEveryCpuOfTwoHundred) {
  json s = {{"platform", {{"cpus", 200}, {"clock_mhz", 3000}}},
            {"kernel", {{"protocol", "ipi"}, {"hz", 0}, {"nohz_full", "2-N"}}},
            {"workload", {{"0", {{{"until", 10000}}, {{"syscall", "text_poke_sync"}}}}}},
            {"run", {{"cycles", 400000}}}};
  const json ipi = run("poke_ipi", s);
  EXPECT_EQ(ipi["run"]["ipis_sent"], 199) << ipi["run"].dump();
  EXPECT_NE(ipi["ftrace"].get<std::string>().find("ipi_send_cpumask: cpumask=1-199 callsite=on_each_cpu_cond_mask"),
            std::string::npos);
  EXPECT_EQ(ipi["interference"]["nohz_full_total"]["ipis_in_user"], 198);
  s["kernel"]["protocol"] = "v7";
  const json v7 = run("poke_v7", s);
  EXPECT_EQ(v7["deferral"]["deferred"], 198) << v7["deferral"].dump();
  EXPECT_EQ(v7["run"]["ipis_sent"], 1);  // cpu1, housekeeping
  EXPECT_EQ(v7["interference"]["nohz_full_total"]["ipis_in_user"], 0);
}

// Seed 000 on 200 CPUs: blocking cpu150 (a CPU of the third word) refuses an rdmsr_on_cpus() whose
// mask holds it and lets one whose mask does not through; no IPI reaches cpu150.
TEST(ManyCpus, BlockInterferenceMaskBeyondTheFirstWord) {
  const json s = {{"platform", {{"cpus", 200}}},
                  {"kernel", {{"protocol", "ipi"}, {"hz", 0}}},
                  {"workload",
                   {{"0",
                     {{{"syscall", "block_interf_write"}, {"cpus", "150"}},
                      {{"syscall", "rdmsr_on_cpus"}, {"cpus", "100-199"}},
                      {{"syscall", "rdmsr_on_cpus"}, {"cpus", "100-149,151-199"}}}}}},
                  {"run", {{"cycles", 2000000}}}};
  const json rep = run("block", s);
  const json& b = rep["noise"]["block_interference"];
  EXPECT_EQ(b["blocked"], json({150})) << b.dump();
  EXPECT_EQ(b["ipis_to_blocked"], 0);
  EXPECT_EQ(rep["noise"]["syscalls"]["sys_rdmsr_on_cpus"], json({{"EPERM", 1}, {"ok", 1}}));
  EXPECT_EQ(rep["run"]["ipis_sent"], 99);  // the second call: CPUs 100-199 but 150
}

// Seed 001 on 200 CPUs: the nohz_full write switches CPUs of the fourth word (192-199) on, each
// by its own stopper, and leaves the others as they were.
TEST(ManyCpus, NohzFullWriteBeyondTheFirstWord) {
  const json s = {{"platform", {{"cpus", 200}, {"clock_mhz", 3000}}},
                  {"kernel", {{"protocol", "v7"}, {"hz", 1000}, {"nohz_full", "2-3"}}},
                  {"workload", {{"0", {{{"until", 300000}}, {{"syscall", "nohz_full_write"}, {"cpus", "2-3,192-199"}}}}}},
                  {"run", {{"ms", 2}}}};
  const json rep = run("nohz", s);
  std::vector<int> on;
  for (const json& sw : rep["nohz_full"]["switches"])
    if (sw["on"].get<bool>()) on.push_back(sw["cpu"].get<int>());
  EXPECT_EQ(on, std::vector<int>({192, 193, 194, 195, 196, 197, 198, 199})) << rep["nohz_full"]["switches"].dump();
  EXPECT_EQ(rep["noise"]["syscalls"]["sys_nohz_full_write"], json({{"ok", 1}}));
}

// The largest machine: 1,024 CPUs boot and run; a cpulist step naming CPU 1024 is refused before.
TEST(ManyCpus, ThousandTwentyFourCpusRunAndNoMore) {
  json s = {{"platform", {{"cpus", 1024}}},
            {"kernel", {{"protocol", "v7"}, {"hz", 0}, {"nohz_full", "2-N"}}},
            {"workload", {{"0", {{{"syscall", "text_poke_sync"}}}}}},
            {"run", {{"cycles", 200000}}}};
  const json rep = run("k1024", s);
  EXPECT_EQ(rep["deferral"]["deferred"], 1022) << rep["deferral"].dump();
  const fs::path dir = fresh_dir("many_bad");
  fs::create_directories(dir);
  s["name"] = "bad";
  s["workload"]["0"] = json::array({{{"syscall", "block_interf_write"}, {"cpus", "1-1024"}}});
  std::ofstream(dir / "s.json") << s.dump(1);
  const CliResult bad = isolsim("run " + (dir / "s.json").string() + " --out " + (dir / "out").string());
  EXPECT_EQ(bad.status, 2);
  EXPECT_NE(bad.out.find("/workload/0/0/cpus: CPU 1024 out of range"), std::string::npos) << bad.out;
  fs::remove_all(dir);
}
