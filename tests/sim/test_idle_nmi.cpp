// Idle and NMIs in timed runs, through the isolsim CLI (one SystemC simulation per process): a
// sleeper wakes at its TSC deadline on a nohz_full CPU and at the next tick on a housekeeping
// CPU, pause() idles through interrupts, the perf NMI watchdog's NMIs come at its rate, whatever
// IF says, one at a time, and the traces show idle.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "isolsim_cli.h"
#include "run_outputs.h"

namespace fs = std::filesystem;

namespace {

const std::string kScenarios = std::string(ISOLSIM_SOURCE_DIR) + "/tests/sim/scenarios/";

struct Outputs {
  fs::path out;
  nlohmann::json report;
  std::vector<LogLine> log;
  ~Outputs() { fs::remove_all(out); }
};

// Runs tests/sim/scenarios/NAME.json with `args`; fails the test unless it exits 0.
void run(Outputs& r, const std::string& name, const std::string& args = "") {
  r.out = fresh_dir(name);
  const CliResult c = isolsim("run " + kScenarios + name + ".json --out " + r.out.string() + " " + args);
  ASSERT_EQ(c.status, 0) << c.out;
  r.report = nlohmann::json::parse(slurp(r.out / "report.json"));
  r.log = read_log(r.out / "events.log");
}

const nlohmann::json& cpu(const Outputs& r, int c) { return r.report["interference"]["cpus"][c]; }

bool has(const LogLine& l, std::uint32_t cpu, const std::string& what, const std::string& detail = "") {
  return l.cpu == cpu && l.what == what && l.detail.find(detail) != std::string::npos;
}

// Index of the first line from `from` on that has() matches; log.size() if none.
std::size_t next(const std::vector<LogLine>& log, std::size_t from, std::uint32_t cpu, const std::string& what,
                 const std::string& detail = "") {
  while (from < log.size() && !has(log[from], cpu, what, detail)) ++from;
  return from;
}

std::size_t count(const std::vector<LogLine>& log, std::uint32_t cpu, const std::string& what,
                  const std::string& detail = "") {
  return static_cast<std::size_t>(
      std::count_if(log.begin(), log.end(), [&](const LogLine& l) { return has(l, cpu, what, detail); }));
}

}  // namespace

TEST(Idle, NohzFullSleeperWakesAtItsDeadline) {
  Outputs r;
  run(r, "idle_wakeup");
  const auto& log = r.log;
  // sys_nanosleep arms the deadline (the earliest of it and the residual tick, 1 s away)...
  const std::size_t armed = next(log, 0, 1, "store (buffered)", "sleep.expires[1] <- ");
  ASSERT_LT(armed, log.size());
  const std::uint64_t deadline = std::stoull(log[armed].detail.substr(log[armed].detail.find("<- ") + 3), nullptr, 16);
  EXPECT_GE(deadline, 10000u + 300000u);
  EXPECT_LE(deadline, 10000u + 300000u + 1000u);
  const std::size_t wrmsr = next(log, armed, 1, "wrmsr", "0x6e0 <- ");
  ASSERT_LT(wrmsr, log.size());
  EXPECT_NE(log[wrmsr].detail.find("hrtimer_reprogram"), std::string::npos) << log[wrmsr].detail;
  // ...then ct_idle_enter() (ct_kernel_exit_state: RCU stops watching), sti;hlt...
  const std::size_t enter = next(log, wrmsr, 1, "atomic_add_return", "ct.state[1]");
  ASSERT_LT(enter, log.size());
  EXPECT_NE(log[enter].detail.find("ct_kernel_exit_state"), std::string::npos) << log[enter].detail;
  const std::size_t hlt = next(log, enter, 1, "safe_halt");
  ASSERT_LT(hlt, log.size());
  EXPECT_NE(log[hlt].detail.find("default_idle"), std::string::npos);
  // ...until the timer interrupt at the deadline, taken from idle...
  const std::size_t irq = next(log, hlt, 1, "irq");
  ASSERT_LT(irq, log.size());
  EXPECT_EQ(log[irq].detail, "vector 0xec LOCAL_TIMER from idle");
  EXPECT_EQ(log[irq].cycle, deadline);
  const std::size_t woken = next(log, irq, 1, "store (buffered)", "need_resched[1] <- 0x1");
  ASSERT_LT(woken, log.size());
  EXPECT_NE(log[woken].detail.find("hrtimer_interrupt"), std::string::npos);
  // ...ct_idle_exit() (ct_kernel_enter_state: RCU watches again, after the handler's own enter and
  // exit), and back to user mode with no other interrupt in between.
  const std::size_t iret = next(log, woken, 1, "iret");
  const std::size_t exit = next(log, iret, 1, "atomic_add_return", "ct.state[1]");
  ASSERT_LT(exit, log.size());
  EXPECT_NE(log[exit].detail.find("ct_kernel_enter_state"), std::string::npos) << log[exit].detail;
  const std::size_t sysret = next(log, exit, 1, "sysret");
  ASSERT_LT(sysret, log.size());
  EXPECT_EQ(next(log, hlt + 1, 1, "safe_halt"), log.size()) << "cpu1 halted twice";
  EXPECT_EQ(count(log, 1, "irq"), 1u);
  EXPECT_LT(log[sysret].cycle, deadline + 3000);
  // idle from the hlt to the interrupt: about the 300000 cycles asked for
  const auto idle = cpu(r, 1)["idle_cycles"].get<std::uint64_t>();
  EXPECT_EQ(idle, log[irq].cycle - log[hlt].cycle);
  EXPECT_GT(idle, 299000u);
  EXPECT_LE(idle, 300000u);
  // nothing disturbed its user mode
  EXPECT_EQ(cpu(r, 1)["interrupts_in_user"], 0);
  EXPECT_EQ(cpu(r, 1)["nmis"], 0);
}

TEST(Idle, HousekeepingSleeperWakesAtTheFirstTickPastItsTime) {
  Outputs r;
  run(r, "idle_wakeup");
  const auto& log = r.log;
  // Periodic mode: ticks at 3000000 and 6000000. The sleep ends at about 4010000: the first tick
  // wakes cpu0 and it goes back to HLT; the second makes the task runnable.
  std::vector<std::uint64_t> irqs, halts;
  for (const LogLine& l : log) {
    if (has(l, 0, "irq")) {
      EXPECT_EQ(l.detail, "vector 0xec LOCAL_TIMER from idle");
      irqs.push_back(l.cycle);
    }
    if (has(l, 0, "safe_halt")) halts.push_back(l.cycle);
  }
  EXPECT_EQ(irqs, (std::vector<std::uint64_t>{3000000, 6000000}));
  ASSERT_EQ(halts.size(), 2u);
  EXPECT_LT(halts[1], 3010000u);
  EXPECT_EQ(next(log, 0, 0, "wrmsr", "0x6e0"), log.size()) << "a periodic LAPIC timer needs no deadline";
  const std::size_t sysret = next(log, 0, 0, "sysret");
  ASSERT_LT(sysret, log.size());
  EXPECT_GT(log[sysret].cycle, 6000000u);
  EXPECT_LT(log[sysret].cycle, 6010000u);
  // idle but for the first tick's handler
  const auto idle = cpu(r, 0)["idle_cycles"].get<std::uint64_t>();
  EXPECT_EQ(idle, (3000000 - halts[0]) + (6000000 - halts[1]));
  EXPECT_GT(idle, 5970000u);
}

TEST(Idle, PauseIdlesThroughAnIpiAndGoesBackToHlt) {
  Outputs r;
  run(r, "idle_forever");
  const auto& log = r.log;
  const std::size_t first = next(log, 0, 1, "safe_halt");
  ASSERT_LT(first, log.size());
  const std::size_t irq = next(log, first, 1, "irq");
  ASSERT_LT(irq, log.size());
  EXPECT_EQ(log[irq].detail.rfind("vector 0xfb CALL_FUNCTION_SINGLE from idle (ipi ", 0), 0u) << log[irq].detail;
  EXPECT_GT(log[irq].cycle, 100000u);
  const std::size_t callback = next(log, irq, 1, "callback", "do_sync_core runs for R0.1 (IPI path)");
  EXPECT_LT(callback, log.size()) << "sync_core ran in the handler";
  const std::size_t back = next(log, irq, 1, "safe_halt");
  ASSERT_LT(back, log.size()) << "back to HLT after the handler";
  EXPECT_EQ(count(log, 1, "sysret"), 0u) << "pause() never returns";
  EXPECT_EQ(count(log, 1, "irq"), 1u);
  // idle all along but for the IPI's handler and the way back to HLT
  const auto idle = cpu(r, 1)["idle_cycles"].get<std::uint64_t>();
  EXPECT_EQ(idle, (log[irq].cycle - log[first].cycle) + (400000 - log[back].cycle));
  EXPECT_GT(idle, 395000u);
  EXPECT_EQ(cpu(r, 1)["interrupts_in_user"], 0);
  EXPECT_EQ(r.report["deferral"]["ipi_executions"], 1);
}

TEST(Idle, SafeHaltWithAnInterruptPendingWakesAtOnce) {
  Outputs r;
  // The tick of cycle 3000000 reaches the IRR while IF is clear; sti;hlt then wakes at once, as
  // the STI shadow ends at the HLT (no further event would wake it: the next tick is 3000000 later).
  run(r, "nmi_if_clear", "--set workload.0.1.syscall=irqs_off_then_halt --set 'kernel.nmi_watchdog.cpus=[]'");
  const std::size_t hlt = next(r.log, 0, 0, "safe_halt");
  ASSERT_LT(hlt, r.log.size());
  EXPECT_GT(r.log[hlt].cycle, 3000000u);
  const std::size_t irq = next(r.log, hlt, 0, "irq");
  ASSERT_LT(irq, r.log.size());
  EXPECT_EQ(r.log[irq].detail, "vector 0xec LOCAL_TIMER from idle");
  EXPECT_EQ(r.log[irq].cycle, r.log[hlt].cycle);
  EXPECT_EQ(cpu(r, 0)["idle_cycles"], 0);
}

TEST(Idle, NmiWakesHltAndTheCpuHaltsAgain) {
  Outputs r;
  run(r, "idle_forever", "--set kernel.nmi_watchdog.cpus=[1] --set kernel.nmi_watchdog.hz=20000");
  // every 150000 cycles: at 150000 and 300000, both in HLT (the IPI of about cycle 102000 woke
  // cpu1 in between, and it halted again)
  std::vector<std::uint64_t> nmis;
  for (std::size_t i = 0; i < r.log.size(); ++i)
    if (has(r.log[i], 1, "irq", "NMI")) {
      EXPECT_EQ(r.log[i].detail, "vector 0x2 NMI from idle");
      nmis.push_back(r.log[i].cycle);
      EXPECT_LT(next(r.log, i, 1, "safe_halt"), r.log.size()) << "halts again after the NMI at " << r.log[i].cycle;
    }
  EXPECT_EQ(nmis, (std::vector<std::uint64_t>{150000, 300000}));
  EXPECT_EQ(cpu(r, 1)["nmis"], 2);
  EXPECT_EQ(cpu(r, 0)["nmis"], 0);
  EXPECT_EQ(count(r.log, 1, "sysret"), 0u);
}

TEST(Nmi, WatchdogRateOnTheListedCpusAndItsDisturbance) {
  Outputs r;
  run(r, "nmi_watchdog");
  // 3100000 cycles, one NMI every 300000 from boot: 10 on cpu0 and cpu2, none on cpu1
  for (int c : {0, 2}) {
    std::vector<std::uint64_t> at;
    for (const LogLine& l : r.log)
      if (has(l, c, "irq", "NMI")) at.push_back(l.cycle);
    std::vector<std::uint64_t> want;
    for (std::uint64_t k = 1; k <= 10; ++k) want.push_back(k * 300000);
    EXPECT_EQ(at, want) << "cpu" << c;
    EXPECT_EQ(cpu(r, c)["nmis"], 10);
    EXPECT_EQ(cpu(r, c)["by_cause"]["NMI"]["count"], 10);
  }
  EXPECT_EQ(cpu(r, 1)["nmis"], 0);
  EXPECT_EQ(cpu(r, 1)["interrupts_in_user"], 0);
  // nohz_full cpu2 computes in user mode: each NMI is a disturbance, from its entry to its iret
  const auto& c2 = cpu(r, 2);
  EXPECT_EQ(c2["interrupts_in_user"], 10);
  EXPECT_EQ(c2["ipis_in_user"], 0) << "an NMI is no IPI";
  EXPECT_EQ(c2["by_cause"].size(), 1u) << c2["by_cause"];
  const auto lost = c2["cycles_lost"].get<std::uint64_t>();
  EXPECT_EQ(lost, c2["by_cause"]["NMI"]["cycles"].get<std::uint64_t>());
  std::uint64_t measured = 0;
  for (std::size_t i = 0; i < r.log.size(); ++i)
    if (has(r.log[i], 2, "irq", "NMI from user")) {
      const std::size_t iret = next(r.log, i, 2, "iret", "-> user");
      ASSERT_LT(iret, r.log.size());
      measured += r.log[iret].cycle - r.log[i].cycle;
    }
  EXPECT_EQ(lost, measured);
  // interrupt entry, exc_nmi's context tracking, the handler's 400 cycles of work, the iret
  EXPECT_GT(lost, 10u * 650);
  EXPECT_LT(lost, 10u * 3000);
  EXPECT_EQ(r.report["interference"]["nohz_full_total"]["cycles_lost"], lost);
  // the NMI entered the kernel from user mode on a nohz_full CPU: RCU watches during the handler
  const std::size_t nmi = next(r.log, 0, 2, "irq", "NMI");
  const std::size_t enter = next(r.log, nmi, 2, "atomic_add_return", "ct.state[2]");
  ASSERT_LT(enter, r.log.size());
  EXPECT_NE(r.log[enter].detail.find("ct_kernel_enter_state"), std::string::npos) << r.log[enter].detail;
}

TEST(Nmi, WatchdogDefaultsToTheHousekeepingCpus) {
  Outputs r;
  run(r, "nmi_watchdog", "--set 'kernel.nmi_watchdog={\"hz\": 10000}'");
  EXPECT_EQ(cpu(r, 0)["nmis"], 10);
  EXPECT_EQ(cpu(r, 1)["nmis"], 0);
  EXPECT_EQ(cpu(r, 2)["nmis"], 0);
}

TEST(Nmi, TakenWithInterruptsDisabled) {
  Outputs r;
  run(r, "nmi_if_clear");
  const auto& log = r.log;
  const std::size_t off = next(log, 0, 0, "compute", "200000 cycles");
  ASSERT_LT(off, log.size());
  EXPECT_NE(log[off].detail.find("sys_irqs_off"), std::string::npos);
  const std::uint64_t from = log[off].cycle, to = from + 200000;
  const std::size_t nmi = next(log, off, 0, "irq", "NMI");
  ASSERT_LT(nmi, log.size());
  EXPECT_EQ(log[nmi].cycle, 3000000u);
  EXPECT_EQ(log[nmi].detail, "vector 0x2 NMI from kernel");
  EXPECT_GT(log[nmi].cycle, from);
  EXPECT_LT(log[nmi].cycle, to);
  // the tick due at the same cycle waits for the sti, the rest of the compute after the NMI's iret
  const std::size_t tick = next(log, 0, 0, "irq", "LOCAL_TIMER");
  ASSERT_LT(tick, log.size());
  EXPECT_GT(log[tick].cycle, to);
  EXPECT_LT(log[tick].cycle, to + 2000);
  EXPECT_EQ(cpu(r, 0)["nmis"], 4);  // 750000, 1500000, 2250000 in user mode, 3000000 in the kernel
  EXPECT_EQ(cpu(r, 0)["by_cause"]["NMI"]["count"], 3);
}

TEST(Nmi, OneAtATimeWhenTheyComeFasterThanTheHandler) {
  Outputs r;
  // an overflow every 500 cycles, a handler of about 900: one NMI latched while one runs, the rest
  // merged into it; a new one is taken at the iret's boundary, never inside the handler
  run(r, "nmi_watchdog", "--set kernel.nmi_watchdog.hz=6000000 --set run.cycles=20000");
  for (std::uint32_t c : {0u, 2u}) {
    bool in_nmi = false;
    std::size_t taken = 0;
    for (const LogLine& l : r.log) {
      if (l.cpu != c) continue;
      if (l.what == "irq") {
        EXPECT_FALSE(in_nmi) << "nested NMI on cpu" << c << " at " << l.cycle;
        in_nmi = true;
        ++taken;
      }
      if (l.what == "iret") in_nmi = false;
    }
    EXPECT_EQ(cpu(r, c)["nmis"], taken);
    EXPECT_GE(taken, 15u) << "cpu" << c;
    EXPECT_LT(taken, 40u) << "cpu" << c;  // 40 overflows in 20000 cycles
  }
}

TEST(IdleTraces, VcdAndPerfettoShowIdle) {
  Outputs r;
  run(r, "idle_wakeup");
  const std::size_t hlt = next(r.log, 0, 1, "safe_halt");
  ASSERT_LT(hlt, r.log.size());
  // VCD: cpu1_ctx goes to 3 (idle); at 3000 MHz, time = round(cycle * 333333.33) fs
  const std::string vcd = slurp(r.out / "context.vcd");
  const std::size_t var = vcd.find(" cpu1_ctx [2:0] $end");
  ASSERT_NE(var, std::string::npos);
  const std::size_t id_at = vcd.rfind("$var reg 3 ", var) + 11;
  const std::string id = vcd.substr(id_at, var - id_at);
  const std::string time = "#" + std::to_string((r.log[hlt].cycle * 1000000000 + 1500) / 3000) + "\n";
  const std::size_t at = vcd.find(time);
  ASSERT_NE(at, std::string::npos) << time;
  const std::size_t change = vcd.find("b011 " + id + "\n", at);
  EXPECT_NE(change, std::string::npos);
  EXPECT_LT(change, vcd.find('#', at + 1));
  // Perfetto: an "idle" span on cpu1's track from the hlt to the timer interrupt
  const nlohmann::json trace = nlohmann::json::parse(slurp(r.out / "trace.json"));
  bool found = false;
  for (const auto& e : trace["traceEvents"])
    if (e["name"] == "idle" && e["tid"] == 1 && e["ph"] == "X") {
      found = true;
      EXPECT_EQ(e["cat"], "context");
      EXPECT_EQ(e["args"]["cycle"], r.log[hlt].cycle);
      EXPECT_EQ(e["args"]["cycles"], cpu(r, 1)["idle_cycles"]);
    }
  EXPECT_TRUE(found);
}
