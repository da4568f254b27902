// Scenario loading (every error names file:line: pointer) and the generated task functions, which
// are assembled with the kernel and run with the ISA executor on a fake clock.
#include <cstdio>
#include <fstream>
#include <functional>
#include <string>
#include <unistd.h>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "models/isa/executor.h"
#include "models/kernel/boot.h"
#include "models/kernel/kernel_sources.h"
#include "sim/scenario/json_doc.h"
#include "tests/scenario/input_error.h"
#include "sim/scenario/scenario.h"

using scenario::InputError;
using scenario::JsonDoc;
using scenario::Scenario;
using scenario::Step;

namespace {


Scenario load(const std::string& text) { return scenario::load_scenario(JsonDoc::parse(text, "t.json")); }
std::string load_error(const std::string& text) {
  return error_of([&] { load(text); });
}

// A scenario laid out one part per line: platform on line 3, kernel on 4, run on 5, extra from 6.
std::string scn(const std::string& extra = "", const std::string& platform = R"({"cpus": 4})",
                const std::string& kernel = R"({"nohz_full": "1-3"})", const std::string& run = R"({"cycles": 1000000})") {
  return "{\n  \"name\": \"t\",\n  \"platform\": " + platform + ",\n  \"kernel\": " + kernel + ",\n  \"run\": " + run +
         (extra.empty() ? "" : ",\n  " + extra) + "\n}\n";
}
std::string platform_error(const std::string& platform) { return load_error(scn("", platform)); }
std::string kernel_error(const std::string& kernel) { return load_error(scn("", R"({"cpus": 4})", kernel)); }
std::string run_error(const std::string& run) {
  return load_error(scn("", R"({"cpus": 4})", R"({"nohz_full": "1-3"})", run));
}

// A scratch directory, removed with its files at the end of the test.
struct TempDir {
  std::string path;
  std::vector<std::string> files;
  TempDir() {
    char tmpl[] = "/tmp/isolsim_scenario_XXXXXX";
    path = mkdtemp(tmpl);
  }
  std::string write(const std::string& name, const std::string& text) {
    std::string p = path + "/" + name;
    std::ofstream(p) << text;
    files.push_back(p);
    return p;
  }
  ~TempDir() {
    for (const auto& f : files) std::remove(f.c_str());
    rmdir(path.c_str());
  }
};

std::string source_dir() { return ISOLSIM_SOURCE_DIR; }

}  // namespace

// ------------------------------------------------------------------------------------------ errors

TEST(ScenarioErrors, UnknownTopLevelKey) {
  EXPECT_EQ(load_error(scn(R"("workloads": {})")),
            "t.json:6: /workloads: unknown key \"workloads\" (allowed: description, expect, kernel, name, "
            "platform, programs, run, seed, workload)");
}

TEST(ScenarioErrors, MissingRequiredKey) {
  EXPECT_EQ(load_error(R"({"name": "t", "platform": {"cpus": 4}, "run": {"cycles": 10}})"),
            "t.json:1: missing required key \"kernel\"");
  EXPECT_EQ(platform_error(R"({"clock_mhz": 3000})"), "t.json:3: /platform: missing required key \"cpus\"");
  EXPECT_EQ(load_error("{\n  \"platform\": {\"cpus\": 4}\n}"), "t.json:1: missing required key \"name\"");
  EXPECT_EQ(load_error("[1]"), "t.json:1: expected an object, got array");
}

TEST(ScenarioErrors, NohzFullCpuOutOfRange) {
  EXPECT_EQ(kernel_error(R"({"nohz_full": [1, 7]})"),
            "t.json:4: /kernel/nohz_full/1: CPU 7 out of range: the platform has 4 CPUs (0-3)");
  EXPECT_EQ(kernel_error(R"({"nohz_full": "1,7"})"),
            "t.json:4: /kernel/nohz_full: CPU 7 out of range: the platform has 4 CPUs (0-3)");
  EXPECT_EQ(kernel_error(R"({"nohz_full": "2-7"})"),
            "t.json:4: /kernel/nohz_full: CPU 7 out of range: the platform has 4 CPUs (0-3)");
  EXPECT_EQ(load_error(scn("", R"({"cpus": 1})", R"({"nohz_full": [1]})")),
            "t.json:4: /kernel/nohz_full/0: CPU 1 out of range: the platform has 1 CPU (0)");
  EXPECT_EQ(kernel_error(R"({"nohz_full": [1, 2, 1]})"), "t.json:4: /kernel/nohz_full/2: CPU 1 is listed twice");
  EXPECT_EQ(kernel_error(R"({"nohz_full": "1-3,2"})"), "t.json:4: /kernel/nohz_full: CPU 2 is listed twice");
  EXPECT_EQ(kernel_error(R"({"nohz_full": "1-"})"),
            "t.json:4: /kernel/nohz_full: invalid CPU list \"1-\": expected a CPU number after '-' in \"1-\"");
  EXPECT_EQ(kernel_error(R"({"nohz_full": 3})"),
            "t.json:4: /kernel/nohz_full: expected an array of CPU numbers or a CPU list string like \"1-3,5\", "
            "got number 3");
}

TEST(ScenarioErrors, EveryCpuNohzFull) {
  const std::string msg =
      "t.json:4: /kernel/nohz_full: every CPU is nohz_full: at least one housekeeping CPU is needed for the tick";
  EXPECT_EQ(kernel_error(R"({"nohz_full": "0-3"})"), msg);
  EXPECT_EQ(kernel_error(R"({"nohz_full": [3, 2, 1, 0]})"), msg);
}

TEST(ScenarioErrors, BadProtocolAndHz) {
  std::string names;  // every protocol the kernel library has, in its order
  for (const std::string& n : kernel::protocol_names()) names += (names.empty() ? "" : ", ") + n;
  for (const char* n : {"ipi", "pz2021", "rfc1", "v7"}) EXPECT_NE(names.find(n), std::string::npos) << names;
  EXPECT_EQ(kernel_error(R"({"protocol": "v8"})"),
            "t.json:4: /kernel/protocol: unknown value \"v8\" (expected one of: " + names + ")");
  for (const std::string& n : kernel::protocol_names())
    EXPECT_EQ(kernel_error(R"({"protocol": ")" + n + R"("})"), "<no error>") << n;
  EXPECT_EQ(kernel_error(R"({"hz": 500})"), "t.json:4: /kernel/hz: must be one of 0, 100, 250, 300, 1000, got 500");
  EXPECT_EQ(kernel_error(R"({"hz": 250, "residual_tick_hz": 300})"),
            "t.json:4: /kernel/residual_tick_hz: must be between 0 and 250, got 300");
  EXPECT_EQ(kernel_error(R"({"hz": 0, "residual_tick_hz": 1001})"),
            "t.json:4: /kernel/residual_tick_hz: must be between 0 and 1000, got 1001");
}

TEST(ScenarioErrors, NmiWatchdog) {
  EXPECT_EQ(kernel_error(R"({"nmi_watchdog": {"cpus": [0, 4]}})"),
            "t.json:4: /kernel/nmi_watchdog/cpus/1: CPU 4 out of range: the platform has 4 CPUs (0-3)");
  EXPECT_EQ(kernel_error(R"({"nmi_watchdog": {"cpus": "0-4"}})"),
            "t.json:4: /kernel/nmi_watchdog/cpus: CPU 4 out of range: the platform has 4 CPUs (0-3)");
  EXPECT_EQ(kernel_error(R"({"nmi_watchdog": {"cpus": "1,1"}})"),
            "t.json:4: /kernel/nmi_watchdog/cpus: CPU 1 is listed twice");
  EXPECT_EQ(kernel_error(R"({"nmi_watchdog": {"cpus": [2, 2]}})"),
            "t.json:4: /kernel/nmi_watchdog/cpus/1: CPU 2 is listed twice");
  EXPECT_EQ(kernel_error(R"({"nmi_watchdog": {"cpus": 3}})"),
            "t.json:4: /kernel/nmi_watchdog/cpus: expected an array of CPU numbers or a CPU list string like "
            "\"1-3,5\", got number 3");
  EXPECT_EQ(kernel_error(R"({"nmi_watchdog": {"cpus": "x"}})"),
            "t.json:4: /kernel/nmi_watchdog/cpus: invalid CPU list \"x\": expected a CPU number in \"x\"");
  EXPECT_EQ(kernel_error(R"({"nmi_watchdog": {"hz": 0}})"), "t.json:4: /kernel/nmi_watchdog/hz: must be greater than 0, got 0");
  EXPECT_EQ(kernel_error(R"({"nmi_watchdog": {"hz": -1}})"),
            "t.json:4: /kernel/nmi_watchdog/hz: must be greater than 0, got -1");
  EXPECT_EQ(kernel_error(R"({"nmi_watchdog": {"hz": "fast"}})"),
            "t.json:4: /kernel/nmi_watchdog/hz: expected a number, got string \"fast\"");
  EXPECT_EQ(kernel_error(R"({"nmi_watchdog": {"hz": 1e10}})"),
            "t.json:4: /kernel/nmi_watchdog/hz: an NMI every 0.3 cycles (10000000000 Hz at 3000 MHz): the period must "
            "be at least 1 cycle");
  EXPECT_EQ(kernel_error(R"({"nmi_watchdog": {"period": 5}})"),
            "t.json:4: /kernel/nmi_watchdog/period: unknown key \"period\" (allowed: cpus, hz)");
  EXPECT_EQ(kernel_error(R"({"nmi_watchdog": true})"), "t.json:4: /kernel/nmi_watchdog: expected an object, got boolean true");
  EXPECT_EQ(kernel_error(R"({"nmi_watchdog": {"cpus": "", "hz": 3e9}})"), "<no error>");
}

TEST(ScenarioErrors, TickDoTimerCpu) {
  EXPECT_EQ(kernel_error(R"({"nohz_full": "1-3", "tick_do_timer_cpu": 2})"),
            "t.json:4: /kernel/tick_do_timer_cpu: CPU 2 is nohz_full: tick_do_timer_cpu must be a housekeeping CPU");
  EXPECT_EQ(kernel_error(R"({"tick_do_timer_cpu": 4})"),
            "t.json:4: /kernel/tick_do_timer_cpu: CPU 4 out of range: the platform has 4 CPUs (0-3)");
}

TEST(ScenarioErrors, TickPeriodTooShort) {
  // 3000 MHz / 1000 Hz = 3'000'000 cycles < 4 * 800'000
  EXPECT_EQ(kernel_error(R"({"tick_work_cycles": 800000})"),
            "t.json:4: /kernel/tick_work_cycles: tick period of 3000000 cycles (1000 Hz at 3000 MHz) cannot fit "
            "tick_work_cycles = 800000: the period must be at least 4 times the tick's work");
  EXPECT_EQ(kernel_error(R"({"tick_work_cycles": 750000})"), "<no error>");
  EXPECT_EQ(load_error(scn("", R"({"cpus": 4, "clock_mhz": 1})", R"({"hz": 1000})")),
            "t.json:4: /kernel/hz: tick period of 1000 cycles (1000 Hz at 1 MHz) cannot fit tick_work_cycles = 2000: "
            "the period must be at least 4 times the tick's work");
}

TEST(ScenarioErrors, Platform) {
  EXPECT_EQ(platform_error(R"({"cpus": 65})"), "t.json:3: /platform/cpus: must be between 1 and 64, got 65");
  EXPECT_EQ(platform_error(R"({"cpus": 0})"), "t.json:3: /platform/cpus: must be between 1 and 64, got 0");
  EXPECT_EQ(platform_error(R"({"cpus": 4, "clock_mhz": 0})"),
            "t.json:3: /platform/clock_mhz: must be between 1 and 10000, got 0");
  EXPECT_EQ(platform_error(R"({"cpus": 4, "clock_mhz": 20000})"),
            "t.json:3: /platform/clock_mhz: must be between 1 and 10000, got 20000");
  EXPECT_EQ(platform_error(R"({"cpus": 4, "smt": true})"),
            "t.json:3: /platform/smt: unknown key \"smt\" (allowed: clock_mhz, costs, cpus, topology)");
}

TEST(ScenarioErrors, UnknownCostsKey) {
  EXPECT_EQ(platform_error(R"({"cpus": 4, "costs": {"alu": 2, "ipi": 5}})"),
            "t.json:3: /platform/costs/ipi: unknown key \"ipi\" (allowed: alu, call, cli_sti, interrupt_entry, ipi_delivery, "
            "iret, l1_hit, line_transfer, llc_hit, locked, mfence, pause, rdtsc, serialize, store_drain, "
            "store_issue, syscall, sysret, wrmsr)");
  EXPECT_EQ(platform_error(R"({"cpus": 4, "costs": {"store_drain": 0}})"),
            "t.json:3: /platform/costs/store_drain: must be at least 1 cycle");
  EXPECT_EQ(platform_error(R"({"cpus": 4, "costs": {"alu": 0}})"), "<no error>");
  EXPECT_EQ(platform_error(R"({"cpus": 4, "costs": {"alu": -1}})"),
            "t.json:3: /platform/costs/alu: expected an unsigned integer, got negative number -1");
}

TEST(ScenarioErrors, Topology) {
  const std::string links = R"("links": [["cpu0", "llc0", 40], ["cpu1", "llc0", 40], ["llc0", "llc9", 5]])";
  EXPECT_EQ(platform_error(R"({"cpus": 2, "topology": {"preset": "graph", "nodes": ["llc0"], )" + links + "}}"),
            "t.json:3: /platform/topology/links/2/1: unknown node \"llc9\" (links join CPUs cpu0..cpu1 and the "
            "declared nodes: llc0)");
  EXPECT_EQ(platform_error(R"({"cpus": 2, "topology": {"preset": "graph", "links": [["cpu0", "cpu2", 40]]}})"),
            "t.json:3: /platform/topology/links/0/1: CPU 2 out of range: the platform has 2 CPUs (0-1)");
  EXPECT_EQ(platform_error(R"({"cpus": 3, "topology": {"preset": "graph", "links": [["cpu0", "cpu1", 40]]}})"),
            "t.json:3: /platform/topology/links: cpu2 cannot reach cpu0: every CPU must be connected");
  EXPECT_EQ(platform_error(R"({"cpus": 2, "topology": {"preset": "graph", "links": [["cpu0", "cpu1", 0]]}})"),
            "t.json:3: /platform/topology/links/0/2: link latency must be at least 1 cycle");
  EXPECT_EQ(platform_error(R"({"cpus": 2, "topology": {"preset": "graph", "links": [["cpu0", "cpu1"]]}})"),
            "t.json:3: /platform/topology/links/0: expected a link [\"a\", \"b\", cycles], got an array of 2 elements");
  EXPECT_EQ(platform_error(R"({"cpus": 2, "topology": {"preset": "graph", "nodes": ["cpu7"], "links": []}})"),
            "t.json:3: /platform/topology/nodes/0: node \"cpu7\" is named like a CPU: CPUs are the vertices "
            "cpu0..cpu1 and need no declaration");
  EXPECT_EQ(platform_error(R"({"cpus": 2, "topology": {"preset": "flat", "cross": 5}})"),
            "t.json:3: /platform/topology/cross: unknown key \"cross\" (allowed: hop, preset)");
  EXPECT_EQ(platform_error(R"({"cpus": 2, "topology": {"preset": "sockets", "cpus_per_socket": 3}})"),
            "t.json:3: /platform/topology/cpus_per_socket: must be between 1 and 2, got 3");
  EXPECT_EQ(platform_error(R"({"cpus": 2, "topology": {"preset": "ring"}})"),
            "t.json:3: /platform/topology/preset: unknown value \"ring\" (expected one of: flat, sockets, graph)");
}

TEST(ScenarioErrors, StepKinds) {
  EXPECT_EQ(load_error(scn(R"("workload": {"0": [{"user": 5, "until": 10}]})")),
            "t.json:6: /workload/0/0/until: a step has exactly one kind: \"user\" and \"until\" cannot be combined");
  EXPECT_EQ(load_error(scn(R"("workload": {"0": [{"user": 5, "arg": 1}]})")),
            "t.json:6: /workload/0/0/arg: unknown key \"arg\" (allowed: user)");
  EXPECT_EQ(load_error(scn(R"("workload": {"0": [{"syscall": "getpid", "cycles": 1}]})")),
            "t.json:6: /workload/0/0/cycles: unknown key \"cycles\" (allowed: arg, syscall)");
  EXPECT_EQ(load_error(scn(R"("workload": {"0": [{"usr": 5}]})")),
            "t.json:6: /workload/0/0/usr: unknown key \"usr\" (a step is one of {\"user\": N}, {\"until\": T}, "
            "{\"syscall\": NAME, \"arg\": V}, {\"kernel\": N}, {\"idle\": N}, {\"idle\": \"forever\"}, "
            "{\"repeat\": K, \"period\": P, \"steps\": [...]})");
  EXPECT_EQ(load_error(scn(R"("workload": {"0": [{"arg": 5}]})")),
            "t.json:6: /workload/0/0: a step needs one of \"user\", \"until\", \"syscall\", \"kernel\", \"idle\" or "
            "\"repeat\"");
  EXPECT_EQ(load_error(scn(R"("workload": {"0": [5]})")),
            "t.json:6: /workload/0/0: expected a step object like {\"user\": 1000}, got number 5");
  EXPECT_EQ(load_error(scn(R"("workload": {"0": [{"syscall": "get pid"}]})")),
            "t.json:6: /workload/0/0/syscall: invalid system call name \"get pid\": expected an identifier "
            "([A-Za-z_][A-Za-z0-9_]*) naming a function sys_NAME");
  EXPECT_EQ(load_error(scn(R"("workload": {"0": [{"repeat": 0, "steps": [{"user": 1}]}]})")),
            "t.json:6: /workload/0/0/repeat: must be between 1 and 1000000000, got 0");
  EXPECT_EQ(load_error(scn(R"("workload": {"0": [{"repeat": 2, "steps": []}]})")),
            "t.json:6: /workload/0/0/steps: a repeat needs at least one step");
  EXPECT_EQ(load_error(scn(R"("workload": {"0": [{"repeat": 2, "period": 0, "steps": [{"user": 1}]}]})")),
            "t.json:6: /workload/0/0/period: must be between 1 and 10000000000000, got 0");
  EXPECT_EQ(load_error(scn(R"("workload": {"0": 5})")),
            "t.json:6: /workload/0: expected an array of steps or {\"task\": FUNCTION}, got number 5");
  EXPECT_EQ(load_error(scn(R"("workload": {"0": {"task": "f", "steps": []}})")),
            "t.json:6: /workload/0/steps: unknown key \"steps\" (allowed: task)");
}

TEST(ScenarioErrors, IdleStep) {
  EXPECT_EQ(load_error(scn(R"("workload": {"0": [{"idle": 0}]})")),
            "t.json:6: /workload/0/0/idle: must be between 1 and 10000000000000, got 0");
  EXPECT_EQ(load_error(scn(R"("workload": {"0": [{"idle": 10000000000001}]})")),
            "t.json:6: /workload/0/0/idle: must be between 1 and 10000000000000, got 10000000000001");
  EXPECT_EQ(load_error(scn(R"("workload": {"0": [{"idle": -5}]})")),
            "t.json:6: /workload/0/0/idle: expected an unsigned integer, got negative number -5");
  EXPECT_EQ(load_error(scn(R"("workload": {"0": [{"idle": 2.5}]})")),
            "t.json:6: /workload/0/0/idle: expected an unsigned integer, got non-integer number 2.5");
  EXPECT_EQ(load_error(scn(R"("workload": {"0": [{"idle": "soon"}]})")),
            "t.json:6: /workload/0/0/idle: expected a number of cycles or \"forever\", got string \"soon\"");
  EXPECT_EQ(load_error(scn(R"("workload": {"0": [{"idle": null}]})")),
            "t.json:6: /workload/0/0/idle: expected a number of cycles or \"forever\", got null");
  EXPECT_EQ(load_error(scn(R"("workload": {"0": [{"idle": 5, "arg": 1}]})")),
            "t.json:6: /workload/0/0/arg: unknown key \"arg\" (allowed: idle)");
  EXPECT_EQ(load_error(scn(R"("workload": {"0": [{"user": 5, "idle": 10}]})")),
            "t.json:6: /workload/0/0/idle: a step has exactly one kind: \"user\" and \"idle\" cannot be combined");
  // like "user", an idle step may outlast the run: the run cuts it
  EXPECT_EQ(load_error(scn(R"("workload": {"0": [{"idle": 10000000000000}, {"idle": "forever"}]})")), "<no error>");
}

TEST(ScenarioErrors, RepeatNesting) {
  auto nest = [](int levels) {
    std::string s = R"({"user": 1})";
    for (int i = 0; i < levels; ++i) s = R"({"repeat": 2, "steps": [)" + s + "]}";
    return scn(R"("workload": {"0": [)" + s + "]}");
  };
  EXPECT_EQ(load_error(nest(4)), "<no error>");
  EXPECT_EQ(load_error(nest(5)),
            "t.json:6: /workload/0/0/steps/0/steps/0/steps/0/steps/0/repeat: repeat nested too deeply (at most 4 levels)");
}

TEST(ScenarioErrors, UntilAfterTheRun) {
  EXPECT_EQ(load_error(scn(R"("workload": {"0": [{"until": 1000000}]})")),
            "t.json:6: /workload/0/0/until: step at cycle 1000000 is after the end of the run (1000000 cycles)");
  EXPECT_EQ(load_error(scn(R"("workload": {"0": [{"until": 999999}]})")), "<no error>");
  // also inside a repeat
  EXPECT_EQ(load_error(scn(R"("workload": {"0": [{"repeat": 2, "steps": [{"until": 2000000}]}]})")),
            "t.json:6: /workload/0/0/steps/0/until: step at cycle 2000000 is after the end of the run (1000000 cycles)");
  // a periodic repeat that would end after the run is cut, not an error
  EXPECT_EQ(load_error(scn(R"("workload": {"0": [{"repeat": 100, "period": 100000, "steps": [{"user": 1}]}]})")),
            "<no error>");
}

TEST(ScenarioErrors, UntilGoesBackInTime) {
  EXPECT_EQ(load_error(scn("\"workload\": {\"1-3\": [\n    {\"until\": 500},\n    {\"user\": 10},\n"
                           "    {\"until\": 400}\n  ]}")),
            "t.json:9: /workload/1-3/2/until: step at cycle 400 goes back in time: /workload/1-3/0 already waits "
            "until cycle 500");
  EXPECT_EQ(load_error(scn(R"("workload": {"0": [{"until": 500}, {"until": 500}]})")), "<no error>");
}

TEST(ScenarioErrors, WorkloadKeys) {
  EXPECT_EQ(load_error(scn(R"("workload": {"0-2": [], "2,3": []})")),
            "t.json:6: /workload/2,3: CPU 2 already has a workload from \"0-2\"");
  EXPECT_EQ(load_error(scn("\"workload\": {\n    \"default\": [],\n    \"1\": [],\n    \"3,1\": []\n  }")),
            "t.json:9: /workload/3,1: CPU 1 already has a workload from \"1\"");
  EXPECT_EQ(load_error(scn(R"("workload": {"4": []})")),
            "t.json:6: /workload/4: CPU 4 out of range: the platform has 4 CPUs (0-3) (workload keys are \"default\" "
            "or CPU lists like \"0\", \"1-3\", \"4,6\")");
  EXPECT_EQ(load_error(scn(R"("workload": {"all": []})")),
            "t.json:6: /workload/all: invalid CPU list \"all\": expected a CPU number in \"all\" (workload keys are "
            "\"default\" or CPU lists like \"0\", \"1-3\", \"4,6\")");
}

TEST(ScenarioErrors, Run) {
  EXPECT_EQ(run_error(R"({"cycles": 1000, "ms": 1})"),
            "t.json:5: /run/ms: give exactly one of \"cycles\", \"us\" or \"ms\" (\"cycles\" is already given)");
  EXPECT_EQ(run_error(R"({"max_instructions": 5})"),
            "t.json:5: /run: missing run length: give exactly one of \"cycles\", \"us\" or \"ms\"");
  EXPECT_EQ(run_error(R"({"cycles": 0})"), "t.json:5: /run/cycles: must be at least 1");
  EXPECT_EQ(run_error(R"({"ms": 0})"), "t.json:5: /run/ms: must be greater than 0, got 0");
  EXPECT_EQ(run_error(R"({"us": 0.0001})"), "t.json:5: /run/us: 0.0001 us at 3000 MHz is less than one cycle");
  EXPECT_EQ(run_error(R"({"cycles": 10000000000001})"),
            "t.json:5: /run/cycles: runaway scenario: 10000000000001 cycles is more than the limit of 10000000000000");
  EXPECT_EQ(run_error(R"({"ms": 1e7})"),
            "t.json:5: /run/ms: runaway scenario: 10000000 ms at 3000 MHz is 30000000000000 cycles, more than the "
            "limit of 10000000000000");
  EXPECT_EQ(run_error(R"({"cycles": 10, "sec": 1})"),
            "t.json:5: /run/sec: unknown key \"sec\" (allowed: cycles, max_instructions, ms, us)");
}

TEST(ScenarioErrors, Expect) {
  EXPECT_EQ(load_error(scn(R"("expect": [{"path": "a.b", "op": "=", "value": 1}])")),
            "t.json:6: /expect/0/op: unknown value \"=\" (expected one of: ==, !=, <, <=, >, >=)");
  EXPECT_EQ(load_error(scn(R"("expect": [{"path": "a.b", "op": "<", "value": "x"}])")),
            "t.json:6: /expect/0/value: operator \"<\" needs a number, got string \"x\"");
  EXPECT_EQ(load_error(scn(R"("expect": [{"path": "a..b", "value": 1}])")),
            "t.json:6: /expect/0/path: invalid path \"a..b\": expected names and indices separated by dots, like "
            "\"deferral.double_executions\"");
  EXPECT_EQ(load_error(scn(R"("expect": [{"path": "a", "value": null}])")),
            "t.json:6: /expect/0/value: expected a number, boolean or string, got null");
  EXPECT_EQ(load_error(scn(R"("expect": [{"path": "a"}])")), "t.json:6: /expect/0: missing required key \"value\"");
}

TEST(ScenarioErrors, Programs) {
  TempDir dir;
  const std::string file = dir.write("s.json", scn(R"("programs": [{"inline": ""}, {"file": "missing.s"}])"));
  EXPECT_EQ(error_of([&] { scenario::load_scenario(JsonDoc::load_file(file)); }),
            file + ":6: /programs/1/file: cannot read program file \"" + dir.path +
                "/missing.s\": No such file or directory");
  EXPECT_EQ(load_error(scn(R"("programs": [{"file": "a.s", "inline": "x"}])")),
            "t.json:6: /programs/0/inline: give either \"file\" or \"inline\", not both");
  EXPECT_EQ(load_error(scn(R"("programs": [{}])")),
            "t.json:6: /programs/0: a program needs \"file\" (a path) or \"inline\" (assembly text)");
}

// ------------------------------------------------------------------------------------------ values

TEST(ScenarioLoad, Defaults) {
  Scenario s = load(R"({"name": "d", "platform": {"cpus": 3}, "kernel": {}, "run": {"cycles": 77}})");
  EXPECT_EQ(s.file, "t.json");
  EXPECT_EQ(s.name, "d");
  EXPECT_EQ(s.description, "");
  EXPECT_EQ(s.seed, 1u);
  EXPECT_EQ(s.cpus, 3u);
  EXPECT_EQ(s.clock_mhz, 3000);
  EXPECT_EQ(s.topology.preset, "flat");
  EXPECT_EQ(s.topology.hop, 50u);
  EXPECT_EQ(s.costs.ipi_delivery, hw::Costs{}.ipi_delivery);
  EXPECT_EQ(s.protocol, "v7");
  EXPECT_EQ(s.nohz_full, std::vector<bool>(3, false));
  EXPECT_EQ(s.hz, 1000u);
  EXPECT_EQ(s.residual_tick_hz, 1u);
  EXPECT_EQ(s.tick_do_timer_cpu, 0u);
  EXPECT_EQ(s.tick_work_cycles, 2000u);
  EXPECT_EQ(s.nmi_watchdog.cpus, std::vector<bool>(3, false));  // no NMI source
  ASSERT_EQ(s.workload.size(), 3u);
  for (const auto& w : s.workload) {
    EXPECT_TRUE(w.steps.empty());
    EXPECT_TRUE(w.task.empty());
    EXPECT_EQ(w.pointer, "");
  }
  EXPECT_TRUE(s.programs.empty());
  EXPECT_EQ(s.run_cycles, 77u);
  EXPECT_EQ(s.max_instructions, 2'000'000'000u);
  EXPECT_TRUE(s.expect.empty());
}

TEST(ScenarioLoad, FullScenario) {
  TempDir dir;
  dir.write("prog.s", ".func spin()\n    compute 10\n    ret 0\n.endfunc\n");
  const std::string file = dir.write("full.json", R"({
  "name": "full",
  "description": "everything",
  "seed": 99,
  "platform": {
    "cpus": 8,
    "clock_mhz": 2000,
    "topology": {"preset": "sockets", "cpus_per_socket": 4, "hop": 30},
    "costs": {"ipi_delivery": 1000, "alu": 2}
  },
  "kernel": {
    "protocol": "rfc1",
    "nohz_full": "1-3,5-7:2/3",
    "hz": 250,
    "residual_tick_hz": 0,
    "tick_work_cycles": 5000
  },
  "workload": {
    "default": [{"user": 100}],
    "1-2": [{"until": 50}, {"kernel": 7}, {"syscall": "getpid"},
            {"repeat": 3, "period": 1000, "steps": [{"syscall": "text_poke_sync", "arg": 2}]}],
    "7": {"task": "spin"}
  },
  "programs": [{"file": "prog.s"}, {"inline": ".equ X, 1"}],
  "run": {"ms": 0.25, "max_instructions": 1000},
  "expect": [
    {"path": "deferral.double_executions", "value": 1},
    {"path": "cpus.3.ipis", "op": "<=", "value": 2.5},
    {"path": "ok", "op": "!=", "value": false},
    {"path": "protocol", "value": "rfc1"}
  ]
})");
  Scenario s = scenario::load_scenario(JsonDoc::load_file(file));
  EXPECT_EQ(s.file, file);
  EXPECT_EQ(s.name, "full");
  EXPECT_EQ(s.description, "everything");
  EXPECT_EQ(s.seed, 99u);
  EXPECT_EQ(s.cpus, 8u);
  EXPECT_EQ(s.clock_mhz, 2000);
  EXPECT_EQ(s.topology.preset, "sockets");
  EXPECT_EQ(s.topology.cpus_per_socket, 4u);
  EXPECT_EQ(s.topology.hop, 30u);
  EXPECT_EQ(s.topology.cross, 200u);
  EXPECT_EQ(s.costs.ipi_delivery, 1000u);
  EXPECT_EQ(s.costs.alu, 2u);
  EXPECT_EQ(s.costs.locked, hw::Costs{}.locked);
  EXPECT_EQ(s.protocol, "rfc1");
  // 1-3, then 5-7 taking the first 2 of every group of 3: 5, 6
  EXPECT_EQ(s.nohz_full, (std::vector<bool>{false, true, true, true, false, true, true, false}));
  EXPECT_EQ(s.hz, 250u);
  EXPECT_EQ(s.residual_tick_hz, 0u);
  EXPECT_EQ(s.tick_do_timer_cpu, 0u);
  EXPECT_EQ(s.tick_work_cycles, 5000u);
  EXPECT_EQ(s.run_cycles, 500'000u);  // 0.25 ms at 2000 MHz
  EXPECT_EQ(s.max_instructions, 1000u);

  ASSERT_EQ(s.workload.size(), 8u);
  for (std::uint32_t c : {0u, 3u, 4u, 5u, 6u}) {
    ASSERT_EQ(s.workload[c].steps.size(), 1u) << c;
    EXPECT_EQ(s.workload[c].steps[0].kind, Step::Kind::User);
    EXPECT_EQ(s.workload[c].steps[0].cycles, 100u);
    EXPECT_EQ(s.workload[c].pointer, "/workload/default");
  }
  for (std::uint32_t c : {1u, 2u}) {
    const auto& w = s.workload[c];
    EXPECT_EQ(w.pointer, "/workload/1-2");
    ASSERT_EQ(w.steps.size(), 4u);
    EXPECT_EQ(w.steps[0].kind, Step::Kind::Until);
    EXPECT_EQ(w.steps[0].cycles, 50u);
    EXPECT_EQ(w.steps[0].pointer, "/workload/1-2/0");
    EXPECT_EQ(w.steps[1].kind, Step::Kind::Syscall);
    EXPECT_EQ(w.steps[1].syscall, "compute");
    EXPECT_EQ(w.steps[1].arg, 7u);
    EXPECT_EQ(w.steps[2].syscall, "getpid");
    EXPECT_EQ(w.steps[2].arg, 0u);
    EXPECT_EQ(w.steps[3].kind, Step::Kind::Repeat);
    EXPECT_EQ(w.steps[3].count, 3u);
    EXPECT_EQ(w.steps[3].period, 1000u);
    ASSERT_EQ(w.steps[3].steps.size(), 1u);
    EXPECT_EQ(w.steps[3].steps[0].syscall, "text_poke_sync");
    EXPECT_EQ(w.steps[3].steps[0].arg, 2u);
    EXPECT_EQ(w.steps[3].steps[0].pointer, "/workload/1-2/3/steps/0");
  }
  EXPECT_EQ(s.workload[7].task, "spin");
  EXPECT_TRUE(s.workload[7].steps.empty());
  EXPECT_EQ(s.workload[7].pointer, "/workload/7");

  ASSERT_EQ(s.programs.size(), 2u);
  EXPECT_EQ(s.programs[0].name, dir.path + "/prog.s");
  EXPECT_EQ(s.programs[0].text, ".func spin()\n    compute 10\n    ret 0\n.endfunc\n");
  EXPECT_EQ(s.programs[0].layer, 2);
  EXPECT_EQ(s.programs[1].name, file + "#/programs/1");
  EXPECT_EQ(s.programs[1].text, ".equ X, 1");
  EXPECT_EQ(s.programs[1].layer, 2);

  ASSERT_EQ(s.expect.size(), 4u);
  EXPECT_EQ(s.expect[0].path, "deferral.double_executions");
  EXPECT_EQ(s.expect[0].op, "==");
  EXPECT_EQ(s.expect[0].value, nlohmann::json(1));
  EXPECT_EQ(s.expect[0].pointer, "/expect/0");
  EXPECT_EQ(s.expect[0].text, "deferral.double_executions == 1");
  EXPECT_EQ(s.expect[1].text, "cpus.3.ipis <= 2.5");
  EXPECT_EQ(s.expect[2].text, "ok != false");
  EXPECT_EQ(s.expect[3].text, "protocol == \"rfc1\"");
}

TEST(ScenarioLoad, RunUnitsAndTickDoTimerCpu) {
  Scenario s = load(scn("", R"({"cpus": 4, "clock_mhz": 2400.5})", R"({"nohz_full": [0, 1]})", R"({"us": 3})"));
  EXPECT_EQ(s.run_cycles, 7202u);  // 3 us * 2400.5 MHz = 7201.5, rounded
  EXPECT_EQ(s.tick_do_timer_cpu, 2u);  // the first housekeeping CPU
  s = load(scn("", R"({"cpus": 4})", R"({"nohz_full": "", "tick_do_timer_cpu": 3})", R"({"ms": 2})"));
  EXPECT_EQ(s.run_cycles, 6'000'000u);
  EXPECT_EQ(s.nohz_full, std::vector<bool>(4, false));
  EXPECT_EQ(s.tick_do_timer_cpu, 3u);
}

TEST(ScenarioLoad, NmiWatchdog) {
  // By default on the housekeeping CPUs, as watchdog_cpumask is, every 10 s (0.1 Hz)
  Scenario s = load(scn("", R"({"cpus": 4, "clock_mhz": 2000})", R"({"nohz_full": "1-2", "nmi_watchdog": {}})"));
  EXPECT_EQ(s.nmi_watchdog.cpus, (std::vector<bool>{true, false, false, true}));
  EXPECT_EQ(s.nmi_watchdog.hz, 0.1);
  EXPECT_EQ(s.nmi_watchdog.period, 20'000'000'000u);
  s = load(scn("", R"({"cpus": 4})", R"({"nohz_full": "1-3", "nmi_watchdog": {"cpus": [3, 1], "hz": 7}})"));
  EXPECT_EQ(s.nmi_watchdog.cpus, (std::vector<bool>{false, true, false, true}));
  EXPECT_EQ(s.nmi_watchdog.period, 428'571'429u);  // 3e9 / 7, rounded
  s = load(scn("", R"({"cpus": 4})", R"({"nmi_watchdog": {"cpus": "", "hz": 1e-9}})"));
  EXPECT_EQ(s.nmi_watchdog.cpus, std::vector<bool>(4, false));
  EXPECT_EQ(s.nmi_watchdog.period, scenario::kMaxRunCycles + 1);  // longer than any run: never fires
  s = load(scn("", R"({"cpus": 4})", R"({"nmi_watchdog": {"cpus": "0-N", "hz": 3e9}})"));
  EXPECT_EQ(s.nmi_watchdog.cpus, std::vector<bool>(4, true));
  EXPECT_EQ(s.nmi_watchdog.period, 1u);
}

TEST(ScenarioLoad, IdleSteps) {
  Scenario s = load(scn(R"("workload": {"1": [{"idle": 300000}, {"repeat": 2, "steps": [{"idle": "forever"}]}]})"));
  const auto& w = s.workload[1].steps;
  ASSERT_EQ(w.size(), 2u);
  EXPECT_EQ(w[0].kind, Step::Kind::Idle);
  EXPECT_EQ(w[0].cycles, 300000u);
  EXPECT_EQ(w[0].pointer, "/workload/1/0");
  EXPECT_EQ(w[1].steps[0].kind, Step::Kind::Idle);
  EXPECT_EQ(w[1].steps[0].cycles, 0u);  // forever
}

TEST(ScenarioLoad, GraphTopology) {
  Scenario s = load(scn("", R"({"cpus": 2, "topology": {"preset": "graph", "nodes": ["llc0", "x"],
      "links": [["cpu0", "llc0", 40], ["llc0", "x", 3], ["x", "cpu1", 40]]}})", "{}"));
  EXPECT_EQ(s.topology.preset, "graph");
  EXPECT_EQ(s.topology.nodes, (std::vector<std::string>{"llc0", "x"}));
  ASSERT_EQ(s.topology.links.size(), 3u);
  EXPECT_EQ(s.topology.links[1].a, "llc0");
  EXPECT_EQ(s.topology.links[1].b, "x");
  EXPECT_EQ(s.topology.links[1].cycles, 3u);
}

TEST(ScenarioLoad, ParseCpulist) {
  using V = std::vector<std::uint32_t>;
  EXPECT_EQ(scenario::parse_cpulist("", 4), V{});
  EXPECT_EQ(scenario::parse_cpulist("3,0-1", 4), (V{3, 0, 1}));
  EXPECT_EQ(scenario::parse_cpulist(" 1-3 , 0", 4), (V{1, 2, 3, 0}));  // spaces around elements are trimmed
  EXPECT_THROW(scenario::parse_cpulist("1 - 3", 4), std::invalid_argument);
  EXPECT_EQ(scenario::parse_cpulist("0-7:2/4", 8), (V{0, 1, 4, 5}));
  EXPECT_EQ(scenario::parse_cpulist("1-N", 4), (V{1, 2, 3}));
  EXPECT_THROW(scenario::parse_cpulist("3-1", 4), std::invalid_argument);
  EXPECT_THROW(scenario::parse_cpulist("1,,2", 4), std::invalid_argument);
  EXPECT_THROW(scenario::parse_cpulist("0-3:3/2", 4), std::invalid_argument);
  EXPECT_THROW(scenario::parse_cpulist("99999999999999999999999", 4), std::invalid_argument);
}

TEST(ScenarioLoad, Examples) {
  for (const char* name : {"text_poke_isolated.json", "two_sockets_programs.json", "idle_and_nmi.json"}) {
    const std::string path = source_dir() + "/scenarios/examples/" + name;
    Scenario s;
    ASSERT_NO_THROW(s = scenario::load_scenario(JsonDoc::load_file(path))) << path;
    EXPECT_FALSE(s.name.empty());
    EXPECT_GT(s.run_cycles, 0u);
  }
}

// ------------------------------------------------------------------------------------------ tasks

namespace {

struct Built {
  JsonDoc doc;
  Scenario s;
  isa::Image img;
};

// Loads `text`, assembles the kernel with the scenario's programs, generates every CPU's task and
// assembles everything again with the tasks (layer 3), as the simulator does.
Built build(const std::string& text, const std::string& name = "t.json") {
  JsonDoc doc = JsonDoc::parse(text, name);
  Scenario s = scenario::load_scenario(doc);
  kernel::KernelConfig cfg{s.protocol, s.cpus, s.nohz_full, s.tick_do_timer_cpu, s.tick_work_cycles, s.programs};
  const isa::Image base = kernel::build_kernel(cfg);
  auto has = [&](const std::string& f) { return base.find_function(f).has_value(); };
  std::string tasks;
  for (std::uint32_t c = 0; c < s.cpus; ++c) tasks += scenario::generate_task(doc, s, c, has);
  cfg.extra.push_back({"task.s", tasks, 3});
  isa::Image img = kernel::build_kernel(cfg);
  return {std::move(doc), std::move(s), std::move(img)};
}

struct Computed {
  isa::Mode mode;
  isa::Word cycles;
  isa::Word start;  // fake clock when the compute began
};

struct Trace {
  std::vector<Computed> computes;                           // without the final "forever" one
  std::vector<std::pair<std::string, isa::Word>> syscalls;  // body function, argument
  bool reached_forever = false;
};

// Runs CPU `cpu`'s task alone, in user mode, from cycle 0. Every instruction takes one cycle, except
// a compute, which takes its cycles; stops at the final `compute kForever`.
Trace run_task(const Built& b, std::uint32_t cpu) {
  using namespace isa;
  std::vector<Word> mem = kernel::boot_memory(b.img, b.s.nohz_full);
  CpuState c;
  c.id = cpu;
  start(b.img, c, *b.img.find_function(scenario::task_name(cpu)), Mode::User);
  Trace t;
  Word now = 0;
  for (int n = 0; n < 1'000'000 && !c.halted; ++n) {
    const Instruction& in = current(b.img, c);
    if (in.op == Op::Syscall) {
      EXPECT_EQ(b.img.function(in.target).name, "entry_SYSCALL_64");
      EXPECT_EQ(in.args.size(), 2u);
      EXPECT_EQ(in.args[0].kind, Operand::Kind::Imm);
      t.syscalls.emplace_back(b.img.function(static_cast<std::uint32_t>(in.args[0].imm - kCodeBase)).name,
                              in.args[1].imm);
    }
    if (needs_empty_store_buffer(in.op))
      while (!c.store_buffer.empty()) drain_one(c, mem);
    const Mode mode = c.mode;
    Effect e = execute(b.img, c, mem, now);
    if (e.op != Op::Compute) {
      ++now;
      continue;
    }
    if (e.cycles == scenario::kForever) {
      EXPECT_EQ(c.mode, Mode::User);
      t.reached_forever = true;
      break;
    }
    t.computes.push_back({mode, e.cycles, now});
    now += e.cycles;
  }
  return t;
}

}  // namespace

TEST(ScenarioTask, TaskName) { EXPECT_EQ(scenario::task_name(12), "__task_cpu12"); }

TEST(ScenarioTask, StepsRunInOrder) {
  for (const char* nohz : {"[]", "[1]"}) {  // housekeeping CPU, and nohz_full with context tracking
    SCOPED_TRACE(nohz);
    Built b = build(scn(R"("workload": {"1": [
      {"user": 1000}, {"until": 5000}, {"syscall": "getpid"}, {"kernel": 300},
      {"repeat": 3, "period": 10000, "steps": [
        {"user": 100},
        {"repeat": 2, "steps": [{"syscall": "compute", "arg": 7}]}
      ]},
      {"until": 60000}, {"user": 10}]})",
                        R"({"cpus": 2})", std::string(R"({"nohz_full": )") + nohz + "}"));
    Trace t = run_task(b, 1);
    ASSERT_TRUE(t.reached_forever);
    using isa::Mode;
    // user, until, getpid, kernel, 3 iterations of (user, 2 syscalls) with a wait before the
    // last two, until, user
    ASSERT_EQ(t.computes.size(), 1u + 1 + 1 + 1 + 3 * 3 + 2 + 1 + 1);
    std::size_t i = 0;
    EXPECT_EQ(t.computes[i].mode, Mode::User);
    EXPECT_EQ(t.computes[i].cycles, 1000u);
    ++i;
    // until 5000: computes up to (a few instructions past) cycle 5000
    EXPECT_EQ(t.computes[i].mode, Mode::User);
    EXPECT_GE(t.computes[i].start + t.computes[i].cycles, 5000u);
    EXPECT_LE(t.computes[i].start + t.computes[i].cycles, 5005u);
    ++i;
    EXPECT_EQ(t.computes[i].mode, Mode::Kernel);  // sys_getpid
    EXPECT_EQ(t.computes[i].cycles, 50u);
    ++i;
    EXPECT_EQ(t.computes[i].mode, Mode::Kernel);  // {"kernel": 300}
    EXPECT_EQ(t.computes[i].cycles, 300u);
    ++i;
    const isa::Word first = t.computes[i].start;
    for (isa::Word k = 0; k < 3; ++k) {
      if (k > 0) {  // waits in user mode for the iteration's start
        EXPECT_EQ(t.computes[i].mode, Mode::User);
        EXPECT_LE(t.computes[i].start + t.computes[i].cycles, first + k * 10000);
        EXPECT_GE(t.computes[i].start + t.computes[i].cycles, first + k * 10000 - 5);
        ++i;
      }
      EXPECT_EQ(t.computes[i].mode, Mode::User);
      EXPECT_EQ(t.computes[i].cycles, 100u);
      EXPECT_EQ(t.computes[i].start - first, k * 10000) << "iteration " << k << " starts on its period";
      ++i;
      for (int j = 0; j < 2; ++j) {
        EXPECT_EQ(t.computes[i].mode, Mode::Kernel);
        EXPECT_EQ(t.computes[i].cycles, 7u);
        ++i;
      }
    }
    EXPECT_EQ(t.computes[i].mode, Mode::User);
    EXPECT_GE(t.computes[i].start + t.computes[i].cycles, 60000u);
    EXPECT_LE(t.computes[i].start + t.computes[i].cycles, 60005u);
    ++i;
    EXPECT_EQ(t.computes[i].cycles, 10u);

    std::vector<std::pair<std::string, isa::Word>> want = {{"sys_getpid", 0}, {"sys_compute", 300}};
    for (int k = 0; k < 6; ++k) want.emplace_back("sys_compute", 7);
    EXPECT_EQ(t.syscalls, want);

    // CPU 0 has no workload: straight to the final compute
    Trace idle = run_task(b, 0);
    EXPECT_TRUE(idle.reached_forever);
    EXPECT_TRUE(idle.computes.empty());
  }
}

TEST(ScenarioTask, UntilAlreadyPastComputesNothing) {
  Built b = build(scn(R"("workload": {"0": [{"user": 5000}, {"until": 100}, {"user": 1}]})"));
  Trace t = run_task(b, 0);
  ASSERT_EQ(t.computes.size(), 2u);
  EXPECT_EQ(t.computes[0].cycles, 5000u);
  EXPECT_EQ(t.computes[1].cycles, 1u);
}

TEST(ScenarioTask, RepeatWithoutPeriodAndLatePeriod) {
  // the body takes longer than the period: the next iteration starts at once
  Built b = build(scn(R"("workload": {"0": [{"repeat": 3, "period": 10, "steps": [{"user": 50}]}]})"));
  Trace t = run_task(b, 0);
  ASSERT_EQ(t.computes.size(), 3u);
  for (const auto& c : t.computes) EXPECT_EQ(c.cycles, 50u);
  b = build(scn(R"("workload": {"default": [{"repeat": 4, "steps": [{"user": 2}, {"user": 3}]}]})"));
  for (std::uint32_t cpu = 0; cpu < 4; ++cpu) {
    t = run_task(b, cpu);
    ASSERT_EQ(t.computes.size(), 8u);
    EXPECT_EQ(t.computes[6].cycles, 2u);
    EXPECT_EQ(t.computes[7].cycles, 3u);
  }
}

TEST(ScenarioTask, TaskFunction) {
  Built b = build(scn(R"("workload": {"2": {"task": "spin"}}, "programs": [{"inline": ".func spin()\n compute 777\n ret 0\n.endfunc"}])"));
  Trace t = run_task(b, 2);
  ASSERT_TRUE(t.reached_forever);
  ASSERT_EQ(t.computes.size(), 1u);
  EXPECT_EQ(t.computes[0].cycles, 777u);
  EXPECT_EQ(t.computes[0].mode, isa::Mode::User);
}

TEST(ScenarioTask, UnknownSyscallOrTask) {
  EXPECT_EQ(error_of([] { build(scn("\"workload\": {\n    \"1\": [{\"user\": 1}, {\"syscall\": \"nosuch\"}]\n  }")); }),
            "t.json:7: /workload/1/1/syscall: unknown system call \"nosuch\": no function sys_nosuch in the kernel or "
            "the scenario's programs");
  EXPECT_EQ(error_of([] { build(scn(R"("workload": {"0": [{"repeat": 2, "steps": [{"syscall": "nope", "arg": 1}]}]})")); }),
            "t.json:6: /workload/0/0/steps/0/syscall: unknown system call \"nope\": no function sys_nope in the kernel "
            "or the scenario's programs");
  EXPECT_EQ(error_of([] { build(scn(R"("workload": {"0": {"task": "nope"}})")); }),
            "t.json:6: /workload/0/task: unknown task function \"nope\": no such function in the kernel or the "
            "scenario's programs");
  // a scenario program can add a system call
  EXPECT_EQ(error_of([] {
              build(scn(R"("workload": {"0": [{"syscall": "mine", "arg": 3}]}, "programs": [{"inline": ".func sys_mine(a)\n compute a\n ret 0\n.endfunc"}])"));
            }),
            "<no error>");
}

// The generated assembly of idle steps, as docs/scenario.md shows it.
TEST(ScenarioTask, IdleStepsCallNanosleepAndPause) {
  JsonDoc doc = JsonDoc::parse(scn(R"("workload": {"1": [{"idle": 300000}, {"idle": "forever"}]})"), "t.json");
  Scenario s = scenario::load_scenario(doc);
  std::vector<std::string> asked;
  auto has = [&](const std::string& f) {
    asked.push_back(f);
    return true;
  };
  const std::string text = scenario::generate_task(doc, s, 1, has);
  EXPECT_EQ(text,
            "; CPU 1's workload, generated from t.json#/workload/1\n"
            ".func __task_cpu1()\n"
            "    ; /workload/1/0: syscall nanosleep(300000)\n"
            "    syscall entry_SYSCALL_64(&sys_nanosleep, 300000)\n"
            "    ; /workload/1/1: syscall pause(0)\n"
            "    syscall entry_SYSCALL_64(&sys_pause, 0)\n"
            "    ; the workload is over: user mode (interruptible) until the run ends\n"
            "    compute 0x7fffffffffffffff\n"
            "    halt\n"
            ".endfunc\n");
  EXPECT_EQ(asked, (std::vector<std::string>{"sys_nanosleep", "sys_pause"}));
  // with the kernel: the syscalls enter sys_nanosleep(300000) and sys_pause(0)
  Built b = build(scn(R"("workload": {"1": [{"idle": 300000}, {"idle": "forever"}]})"));
  const isa::Function& task = b.img.function(*b.img.find_function(scenario::task_name(1)));
  std::vector<std::pair<std::string, isa::Word>> calls;
  for (const isa::Instruction& in : task.code)
    if (in.op == isa::Op::Syscall)
      calls.emplace_back(b.img.function(static_cast<std::uint32_t>(in.args[0].imm - isa::kCodeBase)).name, in.args[1].imm);
  EXPECT_EQ(calls, (std::vector<std::pair<std::string, isa::Word>>{{"sys_nanosleep", 300000}, {"sys_pause", 0}}));
  // a scenario's programs that drop them: reported at the step
  EXPECT_EQ(error_of([&] { scenario::generate_task(doc, s, 1, [](const std::string&) { return false; }); }),
            "t.json:6: /workload/1/0/idle: unknown system call \"nanosleep\": no function sys_nanosleep in the kernel "
            "or the scenario's programs");
}

TEST(ScenarioTask, ExamplesAssembleWithTheKernel) {
  for (const char* name : {"text_poke_isolated.json", "two_sockets_programs.json", "idle_and_nmi.json"}) {
    const std::string path = source_dir() + "/scenarios/examples/" + name;
    std::ifstream in(path);
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    ASSERT_NO_THROW(build(text, path)) << path;
  }
}

TEST(ScenarioTask, ExampleProgramRuns) {
  const std::string path = source_dir() + "/scenarios/examples/two_sockets_programs.json";
  std::ifstream in(path);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  Built b = build(text, path);
  Trace t = run_task(b, 2);  // nohz_full CPU: until, then 50 periodic iterations
  ASSERT_TRUE(t.reached_forever);
  // the wait for cycle 10000, then per iteration: (a wait for its start,) user, kernel, kernel
  ASSERT_EQ(t.computes.size(), 1 + 50 * 3 + 49u);
  EXPECT_GE(t.computes[0].start + t.computes[0].cycles, 10000u);  // the wait for "until": 10000
  EXPECT_LE(t.computes[0].start + t.computes[0].cycles, 10005u);
  for (std::size_t k = 0; k < 50; ++k) {
    const auto& user = t.computes[4 * k + 1];
    EXPECT_EQ(user.cycles, 30000u);
    EXPECT_EQ(user.mode, isa::Mode::User);
    EXPECT_EQ(user.start - t.computes[1].start, k * 40000u);
    EXPECT_EQ(t.computes[4 * k + 2].cycles, 1000u);
    EXPECT_EQ(t.computes[4 * k + 2].mode, isa::Mode::Kernel);
    EXPECT_EQ(t.computes[4 * k + 3].cycles, 1000u);
  }
  ASSERT_EQ(t.syscalls.size(), 50u);
  EXPECT_EQ(t.syscalls[0], (std::pair<std::string, isa::Word>{"sys_work_twice", 1000}));
}

// The complete example of docs/scenario.md loads and assembles (as if it were saved in
// scenarios/examples/, next to programs/poke_burst.s).
TEST(ScenarioTask, DocumentationExample) {
  std::ifstream in(source_dir() + "/docs/scenario.md");
  std::string md((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const std::string head = "## Complete example\n\n```json\n";
  const auto at = md.find(head);
  ASSERT_NE(at, std::string::npos);
  const auto from = at + head.size();
  const auto to = md.find("```", from);
  ASSERT_NE(to, std::string::npos);
  Built b = build(md.substr(from, to - from), source_dir() + "/scenarios/examples/doc_example.json");
  EXPECT_EQ(b.s.name, "isolated_poke");
  EXPECT_EQ(b.s.workload[3].task, "poke_burst");
  EXPECT_EQ(b.s.workload[1].pointer, "/workload/default");
  EXPECT_EQ(b.s.run_cycles, 4'500'000u);
  EXPECT_EQ(b.s.expect.size(), 3u);
  Trace t = run_task(b, 1);  // (CPUs 0 and 3 patch text: they would wait for other CPUs' IPI handlers)
  EXPECT_TRUE(t.reached_forever);
  EXPECT_EQ(t.syscalls.size(), 60u);
}
