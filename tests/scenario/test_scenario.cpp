// Scenario loading: every error names file:line: pointer, and every value lands where it should.
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "models/kernel/kernel_sources.h"
#include "sim/scenario/json_doc.h"
#include "sim/scenario/scenario.h"
#include "tests/scenario/input_error.h"
#include "tests/scenario/scenario_text.h"

using scenario::InputError;
using scenario::JsonDoc;
using scenario::Scenario;
using scenario::Step;

// ------------------------------------------------------------------------------------------ errors

TEST(ScenarioErrors, UnknownTopLevelKey) {
  EXPECT_EQ(load_error(scn(R"("workloads": {})")),
            "t.json:6: /workloads: unknown key \"workloads\" (allowed: description, expect, kernel, name, "
            "platform, programs, run, seed, sources, workload)");
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

TEST(ScenarioErrors, RuntimeNohzFull) {
  EXPECT_EQ(kernel_error(R"({"nohz_full_runtime": 1})"),
            "t.json:4: /kernel/nohz_full_runtime: expected true or false, got number 1");
  EXPECT_EQ(kernel_error(R"({"context_tracking_entry": "tif"})"),
            "t.json:4: /kernel/context_tracking_entry: unknown value \"tif\" (expected one of: static_key, tif_nohz)");
  EXPECT_EQ(kernel_error(R"({"nohz_full_switch": "ipi"})"),
            "t.json:4: /kernel/nohz_full_switch: unknown value \"ipi\" (expected one of: stop_one_cpu, stop_machine)");
  EXPECT_EQ(load_error(R"({"name": "t", "platform": {"cpus": 2}, "kernel": {"context_tracking_entry": "tif_nohz"},
      "workload": {"1": [{"syscall": "prctl_task_isolation", "arg": 1}]}, "run": {"cycles": 77}})"),
            "t.json:1: /kernel/context_tracking_entry: task isolation is modelled with the static-key entry only, "
            "got \"tif_nohz\"");
  // The switch checks the residual tick as a boot nohz_full CPU would.
  EXPECT_EQ(kernel_error(R"({"nohz_full_runtime": true, "hz": 250, "residual_tick_hz": 300})"),
            "t.json:4: /kernel/residual_tick_hz: must be between 0 and 250, got 300");
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
  EXPECT_EQ(platform_error(R"({"cpus": 1025})"), "t.json:3: /platform/cpus: must be between 1 and 1024, got 1025");
  EXPECT_EQ(platform_error(R"({"cpus": 0})"), "t.json:3: /platform/cpus: must be between 1 and 1024, got 0");
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
            "t.json:6: /workload/0/0/cycles: unknown key \"cycles\" (allowed: arg, cpus, syscall)");
  EXPECT_EQ(load_error(scn(R"("workload": {"0": [{"usr": 5}]})")),
            "t.json:6: /workload/0/0/usr: unknown key \"usr\" (a step is one of {\"user\": N}, {\"until\": T}, "
            "{\"syscall\": NAME, \"arg\": V, \"cpus\": CPUS}, {\"kernel\": N}, {\"idle\": N}, {\"idle\": \"forever\"}, "
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

// --set run.us=10 on a file that says "ms": the command line's length replaces the file's.
TEST(ScenarioLoad, RunLengthSetOnTheCommandLineReplacesTheFiles) {
  auto cycles_with = [](const std::vector<std::string>& sets) {
    scenario::JsonDoc doc = scenario::JsonDoc::parse(scn("", R"({"cpus": 4, "clock_mhz": 3000})", R"({"nohz_full": "1-3"})",
                                                         R"({"ms": 2})"),
                                                     "t.json");
    for (const std::string& a : sets) doc.apply_override(a);
    return scenario::load_scenario(doc).run_cycles;
  };
  EXPECT_EQ(cycles_with({}), 6000000u);
  EXPECT_EQ(cycles_with({"run.us=10"}), 30000u);
  EXPECT_EQ(cycles_with({"run.cycles=1234"}), 1234u);
  EXPECT_EQ(cycles_with({"run.ms=1"}), 3000000u);
  EXPECT_EQ(error_of([&] { cycles_with({"run.us=10", "run.cycles=5"}); }),
            "t.json: /run/us (--set run.us=10): give exactly one of \"cycles\", \"us\" or \"ms\" (\"cycles\" is "
            "already given)");
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
            "t.json:6: /expect/0/value: expected a number, boolean, string or array, got null");
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

TEST(ScenarioLoad, RuntimeNohzFull) {
  const Scenario off = load(R"({"name": "d", "platform": {"cpus": 3}, "kernel": {}, "run": {"cycles": 77}})");
  EXPECT_FALSE(off.nohz_full_runtime);
  EXPECT_EQ(off.context_tracking_entry, "static_key");
  // A workload that writes the mask, even inside a repeat, loads the switch.
  const Scenario on = load(R"({"name": "d", "platform": {"cpus": 3}, "kernel": {"context_tracking_entry": "tif_nohz"},
      "workload": {"0": [{"repeat": 2, "steps": [{"syscall": "nohz_full_write", "cpus": "2"}]}]}, "run": {"cycles": 77}})");
  EXPECT_TRUE(on.nohz_full_runtime);
  EXPECT_EQ(on.context_tracking_entry, "tif_nohz");
  EXPECT_EQ(on.nohz_full, std::vector<bool>(3, false));
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

TEST(ScenarioErrors, HugeCpuNumberNamedAsWritten) {
  EXPECT_EQ(kernel_error(R"({"nohz_full": "1-18446744073709551615"})"),
            "t.json:4: /kernel/nohz_full: CPU 18446744073709551615 out of range: the platform has 4 CPUs (0-3)");
  EXPECT_EQ(kernel_error(R"({"nohz_full": "0099999999999999999999"})"),
            "t.json:4: /kernel/nohz_full: CPU 99999999999999999999 out of range: the platform has 4 CPUs (0-3)");
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
