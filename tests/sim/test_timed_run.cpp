// Timed replays through the isolsim CLI: the CT_SEQ_WORK race and the protocols that fix it,
// determinism, and bad input.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "isolsim_cli.h"
#include "run_outputs.h"

namespace fs = std::filesystem;

namespace {

const std::string kRace = std::string(ISOLSIM_SOURCE_DIR) + "/scenarios/ct_seq_work_race.json";

nlohmann::json run_race(const std::string& protocol, const fs::path& out, int expect_status) {
  const std::string sets = protocol == "pz2021" ? "" : " --set kernel.protocol=" + protocol + " --set expect=[]";
  CliResult r = isolsim("run " + kRace + " --out " + out.string() + sets);
  EXPECT_EQ(r.status, expect_status) << r.out;
  return nlohmann::json::parse(slurp(out / "report.json"));
}

std::size_t find_line(const std::string& log, const std::string& a, const std::string& b, std::size_t from = 0) {
  std::istringstream in(log);
  std::string line;
  std::size_t n = 0;
  while (std::getline(in, line)) {
    if (n >= from && line.find(a) != std::string::npos && line.find(b) != std::string::npos) return n;
    ++n;
  }
  return std::string::npos;
}

}  // namespace

TEST(TimedRun, Pz2021RaceRunsTheCallbackTwiceForOneRequest) {
  const fs::path out = fresh_dir("race");
  nlohmann::json rep = run_race("pz2021", out, 0);
  const auto& d = rep["deferral"];
  EXPECT_EQ(d["double_executions"], 1);
  EXPECT_EQ(d["lost"], 0);
  // The double-executed delivery: cpu1's request to cpu2, once deferred, then by IPI.
  bool found = false;
  for (const auto& x : d["deliveries_listed"]) {
    if (x["outcome"] != "double") continue;
    found = true;
    EXPECT_EQ(x["sender"], 1);
    EXPECT_EQ(x["target"], 2);
    ASSERT_EQ(x["executions"].size(), 2u);
    EXPECT_EQ(x["executions"][0]["path"], "deferred");
    EXPECT_EQ(x["executions"][1]["path"], "ipi");
  }
  EXPECT_TRUE(found);
  // The event log tells the story in order.
  const std::string log = slurp(out / "events.log");
  const std::size_t or_ = find_line(log, "cpu1 ", "atomic_or            ct.work[2]");
  const std::size_t failed = find_line(log, "cpu1 ", "cmpxchg FAILED       ct.seq[2]");
  const std::size_t ipi = find_line(log, "cpu1 ", "ipi_send             -> cpu2", failed);
  const std::size_t deferred = find_line(log, "cpu2 ", "runs deferred work", or_);
  const std::size_t by_ipi = find_line(log, "cpu2 ", "runs for R1.1 (IPI path)");
  ASSERT_NE(or_, std::string::npos) << log;
  ASSERT_NE(failed, std::string::npos);
  ASSERT_NE(ipi, std::string::npos);
  ASSERT_NE(deferred, std::string::npos);
  ASSERT_NE(by_ipi, std::string::npos);
  EXPECT_LT(or_, failed);
  EXPECT_LT(failed, ipi);
  EXPECT_LT(ipi, by_ipi);
  EXPECT_LT(deferred, by_ipi);
  EXPECT_TRUE(fs::exists(out / "context.vcd"));
  EXPECT_TRUE(nlohmann::json::parse(slurp(out / "trace.json")).contains("traceEvents"));
  fs::remove_all(out);
}

class FixedProtocols : public ::testing::TestWithParam<std::string> {};

TEST_P(FixedProtocols, EveryRequestRunsExactlyOnce) {
  const fs::path out = fresh_dir("fixed_" + GetParam());
  nlohmann::json rep = run_race(GetParam(), out, 0);
  const auto& d = rep["deferral"];
  EXPECT_EQ(d["requests"], 2);
  EXPECT_EQ(d["deliveries"], 2);  // two senders, one nohz_full target
  EXPECT_EQ(d["double_executions"], 0);
  EXPECT_EQ(d["lost"], 0);
  EXPECT_EQ(d["pending"], 0);
  EXPECT_EQ(d["executions_per_delivery"], nlohmann::json({{"1", 2}}));
  fs::remove_all(out);
}

INSTANTIATE_TEST_SUITE_P(Protocols, FixedProtocols, ::testing::Values("rfc1", "v7"));

TEST(TimedRun, IpiProtocolInterruptsTheIsolatedCpuInUserMode) {
  const fs::path out = fresh_dir("ipi");
  nlohmann::json rep = run_race("ipi", out, 0);
  const auto& cpu2 = rep["interference"]["cpus"][2];
  EXPECT_EQ(cpu2["nohz_full"], true);
  EXPECT_GE(cpu2["ipis_in_user"].get<int>(), 1);
  EXPECT_GT(cpu2["cycles_lost"].get<int>(), 0);
  EXPECT_EQ(rep["deferral"]["deferred"], 0);
  EXPECT_EQ(rep["deferral"]["ipi"], 2);
  EXPECT_EQ(rep["deferral"]["double_executions"], 0);
  fs::remove_all(out);
}

TEST(TimedRun, SameScenarioSameBytes) {
  const fs::path a = fresh_dir("det_a"), b = fresh_dir("det_b");
  run_race("pz2021", a, 0);
  run_race("pz2021", b, 0);
  for (const char* f : {"report.json", "events.log", "context.vcd", "trace.json"})
    EXPECT_EQ(slurp(a / f), slurp(b / f)) << f;
  fs::remove_all(a);
  fs::remove_all(b);
}

// The interconnect runs ahead of SystemC time while nothing else is due; that must change no
// byte of any output. Dense IPI traffic, a two-socket topology, timers and text_poke_sync.
class RunAhead : public ::testing::TestWithParam<std::string> {};

TEST_P(RunAhead, ChangesNoOutput) {
  const std::string file = std::string(ISOLSIM_SOURCE_DIR) + "/" + GetParam();
  for (const char* protocol : {"ipi", "pz2021", "v7"}) {
    const fs::path a = fresh_dir("ahead_a"), b = fresh_dir("ahead_b");
    const std::string args = " --set kernel.protocol=" + std::string(protocol) + " --set expect=[]";
    const CliResult ra = isolsim("run " + file + " --out " + a.string() + args);
    const CliResult rb = isolsim("run " + file + " --out " + b.string() + args + " --no-run-ahead");
    ASSERT_EQ(ra.status, 0) << ra.out;
    ASSERT_EQ(rb.status, 0) << rb.out;
    for (const char* f : {"report.json", "events.log", "context.vcd", "trace.json"})
      EXPECT_TRUE(slurp(a / f) == slurp(b / f)) << GetParam() << " " << protocol << ": " << f << " differs";
    fs::remove_all(a);
    fs::remove_all(b);
  }
}

INSTANTIATE_TEST_SUITE_P(Scenarios, RunAhead,
                         ::testing::Values("scenarios/ct_seq_work_race.json",
                                           "scenarios/examples/two_sockets_programs.json",
                                           "scenarios/examples/text_poke_isolated.json",
                                           "scenarios/examples/idle_and_nmi.json",
                                           "scenarios/bench/throughput.json --set run.ms=0.2"));

TEST(TimedRun, FailedExpectationExitsOne) {
  const fs::path out = fresh_dir("fail");
  CliResult r = isolsim("run " + kRace + " --out " + out.string() + " --set kernel.protocol=v7");
  EXPECT_EQ(r.status, 1) << r.out;
  EXPECT_NE(r.out.find("expectation failed: deferral.double_executions == 1 (actual 0)"), std::string::npos) << r.out;
  fs::remove_all(out);
}

TEST(TimedRun, BadInputIsOneLineAndExitTwo) {
  const fs::path dir = fresh_dir("bad");
  fs::create_directories(dir);
  std::ofstream(dir / "bad.json") << "{\n  \"name\": \"x\",\n  \"platform\": {\"cpus\": 2,}\n}\n";
  CliResult r = isolsim("run " + (dir / "bad.json").string() + " --out " + (dir / "o").string());
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(std::count(r.out.begin(), r.out.end(), '\n'), 1) << r.out;
  EXPECT_NE(r.out.find("bad.json:3:"), std::string::npos) << r.out;
  CliResult unknown = isolsim("run " + kRace + " --set kernel.protocl=v7 --out " + (dir / "o").string());
  EXPECT_EQ(unknown.status, 2);
  EXPECT_NE(unknown.out.find("unknown key \"protocl\""), std::string::npos) << unknown.out;
  fs::remove_all(dir);
}

TEST(TimedRun, RunawayAndFaultingProgramsAreBadInput) {
  const fs::path dir = fresh_dir("runaway");
  fs::create_directories(dir);
  std::ofstream(dir / "spin.json") << R"({
  "name": "spin",
  "platform": { "cpus": 2 },
  "kernel": { "protocol": "v7", "nohz_full": [1] },
  "programs": [ { "inline": ".func sys_spin(arg)\nloop:\n    jmp loop\n.endfunc\n.var a[2]\n.func sys_oob(i)\n    x = load a[i]\n    ret x\n.endfunc\n" } ],
  "workload": { "0": [ { "syscall": "spin" } ] },
  "run": { "cycles": 100000000, "max_instructions": 100000 }
})";
  CliResult r = isolsim("run " + (dir / "spin.json").string() + " --out " + (dir / "o").string());
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(std::count(r.out.begin(), r.out.end(), '\n'), 1) << r.out;
  EXPECT_NE(r.out.find("runaway scenario: more than 100000 instructions"), std::string::npos) << r.out;
  CliResult oob = isolsim("run " + (dir / "spin.json").string() + " --out " + (dir / "o").string() +
                       " --set workload.0.0.syscall=oob --set workload.0.0.arg=5");
  EXPECT_EQ(oob.status, 2);
  EXPECT_NE(oob.out.find("cpu 0 at sys_oob+0"), std::string::npos) << oob.out;
  EXPECT_NE(oob.out.find("index 5 out of range for a"), std::string::npos) << oob.out;
  fs::remove_all(dir);
}

TEST(TimedRun, StoreBufferingBothZeroWithoutFenceOnly) {
  const std::string sb = std::string(ISOLSIM_SOURCE_DIR) + "/scenarios/examples/store_buffering.json";
  const fs::path a = fresh_dir("sb"), b = fresh_dir("sb_mfence");
  CliResult plain = isolsim("run " + sb + " --out " + a.string());
  EXPECT_EQ(plain.status, 0) << plain.out;
  nlohmann::json r = nlohmann::json::parse(slurp(a / "report.json"));
  EXPECT_EQ(r["memory"]["r0"], 0);
  EXPECT_EQ(r["memory"]["r1"], 0);
  EXPECT_EQ(r["memory"]["x"], 1);  // both stores did reach memory afterwards
  CliResult fenced = isolsim("run " + sb + " --out " + b.string() +
                          " --set workload.0.task=sb0_mfence --set workload.1.task=sb1_mfence --set expect=[]");
  EXPECT_EQ(fenced.status, 0) << fenced.out;
  nlohmann::json f = nlohmann::json::parse(slurp(b / "report.json"));
  EXPECT_FALSE(f["memory"]["r0"] == 0 && f["memory"]["r1"] == 0) << f["memory"];
  fs::remove_all(a);
  fs::remove_all(b);
}

// Regressions: run-ahead of SystemC time must never show in results.
namespace {
const std::string kHere = std::string(ISOLSIM_SOURCE_DIR) + "/tests/sim/scenarios/";
}  // namespace

TEST(TimedRun, NothingAfterTheEndOfTheRunIsCounted) {
  const fs::path out = fresh_dir("after_end");
  CliResult r = isolsim("run " + kHere + "interrupt_after_end.json --out " + out.string());
  EXPECT_EQ(r.status, 0) << r.out;
  nlohmann::json rep = nlohmann::json::parse(slurp(out / "report.json"));
  EXPECT_EQ(rep["interference"]["cpus"][1]["interrupts_in_user"], 0);
  EXPECT_EQ(rep["interference"]["cpus"][1]["cycles_lost"], 0);
  fs::remove_all(out);
}

// A run of N cycles is cycles 0 to N-1: a tick due at cycle N is after it (it was counted as an
// interrupt that cost 0 cycles). nohz_full cpu1's residual tick at 1 kHz comes at 3,000,000.
TEST(TimedRun, ATickDueAtTheEndIsAfterTheRun) {
  const fs::path dir = fresh_dir("tick_at_end");
  fs::create_directories(dir);
  std::ofstream(dir / "t.json") << R"({
  "name": "t",
  "platform": { "cpus": 2, "clock_mhz": 3000 },
  "kernel": { "protocol": "ipi", "nohz_full": [1], "residual_tick_hz": 1000 },
  "run": { "cycles": 3000000 }
})";
  for (const auto& [cycles, ticks] : {std::pair<const char*, int>{"3000000", 0}, {"3000001", 1}, {"6000000", 1}}) {
    const fs::path out = dir / cycles;
    const CliResult r = isolsim("run " + (dir / "t.json").string() + " --set run.cycles=" + cycles + " --out " + out.string());
    ASSERT_EQ(r.status, 0) << r.out;
    const nlohmann::json rep = nlohmann::json::parse(slurp(out / "report.json"));
    const nlohmann::json& cpu1 = rep["interference"]["cpus"][1];
    EXPECT_EQ(cpu1["interrupts_in_user"], ticks) << cycles;
    if (ticks) {
      EXPECT_GT(cpu1["cycles_lost"].get<std::uint64_t>(), 0u) << cycles;  // a tick that counts has its cost
    }
    for (const auto& [cause, c] : cpu1["by_cause"].items()) EXPECT_GT(c["cycles"].get<std::uint64_t>(), 0u) << cause;
  }
  fs::remove_all(dir);
}

TEST(TimedRun, LatencyFollowsTheLineStateAtTheIssueCycle) {
  const fs::path a = fresh_dir("lat_a"), b = fresh_dir("lat_b");
  isolsim("run " + kHere + "latency_at_issue.json --out " + a.string());
  isolsim("run " + kHere + "latency_at_issue.json --out " + b.string() + " --set platform.costs.ipi_delivery=100");
  auto second_load = [](const fs::path& d) {
    const std::string log = slurp(d / "events.log");
    const std::size_t first = find_line(log, "cpu0 ", "load ");
    std::istringstream in(log);
    std::string line;
    for (std::size_t n = 0; std::getline(in, line); ++n)
      if (n > first && line.find("cpu0 ") != std::string::npos && line.find("load ") != std::string::npos) return line;
    return std::string();
  };
  EXPECT_FALSE(second_load(a).empty());
  EXPECT_EQ(second_load(a), second_load(b));
  fs::remove_all(a);
  fs::remove_all(b);
}

TEST(TimedRun, TimerDueBeforeADisarmingWrmsrCompletesStillFires) {
  const fs::path out = fresh_dir("tsc");
  isolsim("run " + kHere + "tsc_deadline_disarm.json --out " + out.string());
  const std::string log = slurp(out / "events.log");
  EXPECT_NE(find_line(log, "cpu1 ", "irq                  vector 0xec LOCAL_TIMER"), std::string::npos) << log;
  fs::remove_all(out);
}

// Options before the file, as in every CLI: --set takes one PATH=VALUE, never the file after it.
TEST(TimedRun, OptionsMayComeBeforeTheFile) {
  const fs::path out = fresh_dir("options_first");
  const CliResult r = isolsim("run --set kernel.protocol=v7 --set expect=[] --log none --out " + out.string() + " " + kRace);
  EXPECT_EQ(r.status, 0) << r.out;
  EXPECT_NE(r.out.find("ct_seq_work_race [v7]"), std::string::npos) << r.out;
  const CliResult e = isolsim("explore --set kernel.protocol=v7 --out " + out.string() + " " + kRace);
  EXPECT_NE(e.status, 2) << e.out;
  fs::remove_all(out);
}

// Issue 16: `--version` exists, and `--help` lists the exit codes the verbs use (the top-level
// help and each verb's, since CI users read the verb's).
TEST(TimedRun, VersionAndHelpWithExitCodes) {
  const CliResult v = isolsim("--version");
  EXPECT_EQ(v.status, 0) << v.out;
  EXPECT_EQ(v.out.rfind("isolsim ", 0), 0u) << v.out;
  EXPECT_NE(v.out.find("SystemC 2.3"), std::string::npos) << v.out;
  for (const char* args : {"--help", "run --help", "explore --help", "sweep --help", "bench --help"}) {
    const CliResult h = isolsim(args);
    EXPECT_EQ(h.status, 0) << args;
    for (const char* code : {"Exit status: 0", "1 a failed expect or a violation", "2 bad input", "3 a bound"})
      EXPECT_NE(h.out.find(code), std::string::npos) << args << " lacks '" << code << "'";
  }
}

// run --max-seconds: a run far longer than its bound stops there, writes the report of the cycles
// simulated so far and exits 3; a bound not reached changes no byte of any output.
TEST(TimedRun, MaxSecondsStopsWithAPartialReport) {
  const fs::path out = fresh_dir("max_seconds");
  const std::string rteval = std::string(ISOLSIM_SOURCE_DIR) + "/scenarios/bench/rteval_like_64cpu.json";
  // 100 simulated seconds of 64 busy CPUs: minutes of wall time, stopped after a fifth of a second.
  const CliResult r = isolsim("run " + rteval + " --set run.ms=100000 --log none --max-seconds 0.2 --out " + out.string());
  EXPECT_EQ(r.status, 3) << r.out;
  EXPECT_NE(r.out.find("bound: time bound (0.2 s) reached at cycle "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("of 300000000000; the report covers those cycles, expectations not checked"), std::string::npos)
      << r.out;
  const nlohmann::json rep = nlohmann::json::parse(slurp(out / "report.json"));
  const std::uint64_t reached = rep["run"]["cycles"];
  EXPECT_GT(reached, 0u);
  EXPECT_LT(reached, 300000000000u);
  EXPECT_NE(rep["run"]["bound"].get<std::string>().find("reached at cycle " + std::to_string(reached)), std::string::npos);
  EXPECT_GT(rep["run"]["instructions"].get<std::uint64_t>(), 0u);
  EXPECT_TRUE(rep["expect"].empty());
  EXPECT_TRUE(fs::exists(out / "trace.json"));
  // Not reached: the same bytes as without a bound.
  const fs::path a = fresh_dir("max_seconds_a"), b = fresh_dir("max_seconds_b");
  EXPECT_EQ(isolsim("run " + kRace + " --out " + a.string()).status, 0);
  EXPECT_EQ(isolsim("run " + kRace + " --max-seconds 600 --out " + b.string()).status, 0);
  for (const char* f : {"report.json", "events.log", "trace.json", "context.vcd"})
    EXPECT_EQ(slurp(a / f), slurp(b / f)) << f;
  EXPECT_EQ(isolsim("run " + kRace + " --max-seconds 0 --out " + b.string()).status, 2);
  for (const fs::path& d : {out, a, b}) fs::remove_all(d);
}

// The event log cites a workload step's own line of the scenario file, not a line of the generated
// task (a 12-line file was cited at line 24).
TEST(TimedRun, EventLogCitesTheScenarioLineOfEachStep) {
  const fs::path dir = fresh_dir("log_lines");
  fs::create_directories(dir);
  std::ofstream(dir / "t.json") << R"({
  "name": "t",
  "platform": { "cpus": 2 },
  "kernel": { "protocol": "ipi", "nohz_full": [1] },
  "workload": {
    "1": [
      { "user": 1000 },
      { "repeat": 2, "steps": [
        { "syscall": "getpid" }
      ] }
    ]
  },
  "run": { "cycles": 20000 }
}
)";
  const CliResult r = isolsim("run " + (dir / "t.json").string() + " --out " + (dir / "o").string());
  ASSERT_EQ(r.status, 0) << r.out;
  const std::string log = slurp(dir / "o" / "events.log");
  const std::string file = (dir / "t.json").string();
  EXPECT_NE(log.find("compute              1000 cycles  [__task_cpu1+0 (" + file + ":7)]"), std::string::npos) << log;
  EXPECT_NE(find_line(log, "syscall", "(" + file + ":9)]"), std::string::npos) << log;  // the step inside the repeat
  // after the last step, the CPU's workload entry; a CPU without one, the workload section
  EXPECT_NE(find_line(log, "until the end of the run  [__task_cpu1", "(" + file + ":6)]"), std::string::npos) << log;
  EXPECT_NE(find_line(log, "until the end of the run  [__task_cpu0", "(" + file + ":5)]"), std::string::npos) << log;
  for (int bad : {1, 2, 3, 4, 14, 15, 20, 24})
    EXPECT_EQ(find_line(log, "__task_cpu", "(" + file + ":" + std::to_string(bad) + ")]"), std::string::npos) << bad;
  fs::remove_all(dir);
}

// The summary says what deferred work was still waiting when the run ended (only report.json did).
TEST(TimedRun, SummaryCountsPendingDeferredWork) {
  const fs::path out = fresh_dir("pending");
  const CliResult r = isolsim("run " + std::string(ISOLSIM_SOURCE_DIR) + "/scenarios/examples/idle_and_nmi.json --log none --out " +
                              out.string());
  ASSERT_EQ(r.status, 0) << r.out;
  const nlohmann::json rep = nlohmann::json::parse(slurp(out / "report.json"));
  const std::uint64_t pending = rep["deferral"]["pending"], in_flight = rep["deferral"]["in_flight"];
  EXPECT_GT(pending, 0u);
  EXPECT_NE(r.out.find("; at the end " + std::to_string(pending) + " deferred still pending, " + std::to_string(in_flight) +
                       " IPIs in flight\n"),
            std::string::npos)
      << r.out;
  fs::remove_all(out);
}
