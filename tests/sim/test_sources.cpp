// Every interference source of scenarios/examples/sources/ on an isolated CPU: what reaches it, by
// which vector, running which callback, sent by whom from where, and what each protocol version
// defers or skips (docs/scenario.md "sources", docs/report.md "noise").
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <sstream>

#include "isolsim_cli.h"
#include "run_outputs.h"

namespace fs = std::filesystem;
using json = nlohmann::json;

namespace {

std::string example(const std::string& name) {
  return std::string(ISOLSIM_SOURCE_DIR) + "/scenarios/examples/sources/" + name + ".json";
}

json run_example(const std::string& name, const std::string& protocol = "", const std::string& extra = "") {
  const fs::path out = fresh_dir("src_" + name + "_" + protocol);
  const std::string sets = protocol.empty() ? "" : " --set kernel.protocol=" + protocol;
  const CliResult r = isolsim("run " + example(name) + " --log none --out " + out.string() + sets + extra);
  EXPECT_EQ(r.status, 0) << r.out;
  json rep = json::parse(slurp(out / "report.json"));
  fs::remove_all(out);
  return rep;
}

const json& cpu_noise(const json& rep, int cpu) { return rep["noise"]["cpus"][cpu]; }
const json& callback(const json& rep, const std::string& name) {
  static const json none = {{"ipi", 0}, {"deferred", 0}, {"skipped", 0}};
  const json& cb = rep["noise"]["to_isolated"]["by_callback"];
  return cb.contains(name) ? cb[name] : none;
}

// Every episode of `cpu` was started by `vector_name` from `sender` at `callsite` and ran `callbacks`.
void expect_episodes(const json& rep, int cpu, std::size_t at_least, const std::string& vector_name,
                     const json& sender, const std::string& callsite, const std::vector<std::string>& callbacks) {
  const json& n = cpu_noise(rep, cpu);
  ASSERT_GE(n["episodes"].get<std::size_t>(), at_least) << n.dump();
  for (const json& e : n["listed"]) {
    EXPECT_EQ(e["class"], "irq");
    EXPECT_EQ(e["vector_name"], vector_name) << e.dump();
    EXPECT_EQ(e["sender"], sender) << e.dump();
    EXPECT_EQ(e["callsite"], callsite) << e.dump();
    EXPECT_EQ(e["callbacks"], json(callbacks)) << e.dump();
    EXPECT_GT(e["cycles"].get<std::uint64_t>(), 0u);
  }
}

// A deferring version: the isolated CPUs compute undisturbed until their one system call (at cycle
// 1000000), which runs the deferred work.
void expect_deferred_until_entry(const json& rep, const std::string& cb, std::uint64_t firings) {
  for (int cpu : {2, 3}) {
    EXPECT_EQ(cpu_noise(rep, cpu)["episodes"], 0) << "cpu" << cpu;
    EXPECT_EQ(cpu_noise(rep, cpu)["kernel_stays"]["syscalls_flushing"]["count"], 1) << "cpu" << cpu;
  }
  EXPECT_EQ(callback(rep, cb)["ipi"], 0);
  EXPECT_EQ(callback(rep, cb)["deferred"], 2 * firings);
  EXPECT_GE(rep["deferral"]["flushed_on_entry"].get<int>(), 2);
  EXPECT_EQ(rep["deferral"]["lost"], 0);
  EXPECT_EQ(rep["deferral"]["double_executions"], 0);
}

}  // namespace

// Kernel TLB flushes: CT_WORK_TLBI in RFC v1 to v4, an IPI everywhere else.
TEST(Sources, TlbFlushIsAnIpiUnlessTheVersionDefersTlbi) {
  for (const std::string p : {"ipi", "pz2021", "v5", "v6", "v7"}) {
    SCOPED_TRACE(p);
    const json rep = run_example("tlb_flush", p);
    expect_episodes(rep, 2, 4, "CALL_FUNCTION", 0, "on_each_cpu_cond_mask", {"do_flush_tlb_all"});
    EXPECT_EQ(callback(rep, "do_flush_tlb_all")["ipi"], 8);  // 4 flushes x 2 CPUs, and the fifth at the end
    EXPECT_EQ(callback(rep, "do_flush_tlb_all")["deferred"], 0);
  }
  for (const std::string p : {"rfc1", "rfc2", "rfc3", "v4"}) {
    SCOPED_TRACE(p);
    expect_deferred_until_entry(run_example("tlb_flush", p), "do_flush_tlb_all", 4);
  }
}

// text_poke_bp_batch(): three syncs, deferred by every version of the series.
TEST(Sources, TextPokeBatchIsThreeIpisOrDeferredToTheNextEntry) {
  const json rep = run_example("text_poke_batch", "ipi");
  expect_episodes(rep, 2, 12, "CALL_FUNCTION", 0, "on_each_cpu_cond_mask", {"do_sync_core"});
  EXPECT_EQ(callback(rep, "do_sync_core")["ipi"], 24);
  for (const std::string p : {"pz2021", "rfc1", "rfc2", "rfc3", "v4", "v5", "v6", "v7"}) {
    SCOPED_TRACE(p);
    expect_deferred_until_entry(run_example("text_poke_batch", p), "do_sync_core", 12);
  }
}

TEST(Sources, TlbRemoveTableReachesIsolatedCpusUnderEveryVersion) {
  for (const std::string p : {"ipi", "rfc1", "v4", "v7"}) {
    SCOPED_TRACE(p);
    const json rep = run_example("tlb_remove_table", p);
    expect_episodes(rep, 3, 4, "CALL_FUNCTION", 0, "smp_call_function_many", {"tlb_remove_table_smp_sync"});
    EXPECT_EQ(callback(rep, "tlb_remove_table_smp_sync")["ipi"], 8);
  }
}

// RCU reads the context-tracking word: the CPU in user mode is skipped, the one in the kernel
// gets rcu_exp_handler, whatever the word's layout in each version.
TEST(Sources, ExpeditedRcuSkipsTheCpuInAnExtendedQuiescentState) {
  for (const std::string p : {"ipi", "pz2021", "rfc1", "rfc2", "rfc3", "v4", "v5", "v6", "v7"}) {
    SCOPED_TRACE(p);
    const json rep = run_example("rcu_expedited", p);
    EXPECT_EQ(callback(rep, "rcu_exp_handler")["skipped"], 4);
    EXPECT_EQ(callback(rep, "rcu_exp_handler")["ipi"], 4);
    EXPECT_EQ(cpu_noise(rep, 2)["irq"], 0);
    EXPECT_EQ(cpu_noise(rep, 3)["irq"], 4);      // taken in the kernel: no user-mode episode
    EXPECT_EQ(cpu_noise(rep, 3)["episodes"], 0);
  }
}

// Across sockets, the wake list; on the waker's socket, RESCHEDULE. Then the thread runs.
TEST(Sources, RemoteWakeupsTakeTheWakeListAcrossSocketsAndPreemptTheUserTask) {
  const json rep = run_example("remote_wakeup");
  expect_episodes(rep, 4, 4, "CALL_FUNCTION_SINGLE", 0, "__ttwu_queue_wakelist", {"sched_ttwu_pending", "kthread/4"});
  expect_episodes(rep, 5, 4, "RESCHEDULE", 3, "resched_curr", {"kthread/5"});
  EXPECT_EQ(cpu_noise(rep, 4)["thread"], 4);
  EXPECT_EQ(cpu_noise(rep, 5)["thread"], 4);
  EXPECT_EQ(callback(rep, "sched_ttwu_pending")["ipi"], 4);
  EXPECT_EQ(callback(rep, "scheduler_ipi")["ipi"], 4);
  for (const json& e : cpu_noise(rep, 4)["listed"]) EXPECT_GT(e["cycles"].get<int>(), 5000);  // the thread's work
}

TEST(Sources, NohzFullKickIsAnIrqWorkCsdUnderEveryVersion) {
  for (const std::string p : {"ipi", "rfc1", "v7"}) {
    SCOPED_TRACE(p);
    const json rep = run_example("nohz_full_kick", p);
    expect_episodes(rep, 2, 4, "CALL_FUNCTION_SINGLE", 0, "irq_work_queue_on", {"nohz_full_kick_func"});
    EXPECT_EQ(callback(rep, "nohz_full_kick_func")["ipi"], 8);
  }
}

// v6.6's vmstat_shepherd() leaves isolated CPUs out; a housekeeping CPU's kworker runs the update.
TEST(Sources, VmstatSkipsIsolatedCpus) {
  const json rep = run_example("vmstat");
  EXPECT_EQ(cpu_noise(rep, 2)["episodes"], 0);
  EXPECT_EQ(cpu_noise(rep, 3)["episodes"], 0);
  EXPECT_EQ(callback(rep, "vmstat_update")["skipped"], 8);
  expect_episodes(rep, 1, 4, "RESCHEDULE", 0, "resched_curr", {"kworker/1", "vmstat_update"});
}

TEST(Sources, LruDrainWakesTheIsolatedCpusKworker) {
  const json rep = run_example("lru_drain");
  for (int cpu : {2, 3}) {
    SCOPED_TRACE(cpu);
    expect_episodes(rep, cpu, 4, "CALL_FUNCTION_SINGLE", 0, "__ttwu_queue_wakelist",
                    {"sched_ttwu_pending", "kworker/" + std::to_string(cpu), "lru_add_drain_per_cpu"});
    EXPECT_EQ(cpu_noise(rep, cpu)["thread"], 4);
  }
}

// The managed NIC queue of each isolated CPU interrupts it, with its softirq; the unmanaged
// storage interrupt stays within irqaffinity=.
TEST(Sources, DeviceInterruptsFollowTheirAffinity) {
  const json rep = run_example("device_irq");
  for (int cpu : {2, 3}) {
    SCOPED_TRACE(cpu);
    expect_episodes(rep, cpu, 2, "DEVICE", "device", "", {"irq_handler"});
    EXPECT_EQ(cpu_noise(rep, cpu)["softirq"], cpu_noise(rep, cpu)["irq"]);
    for (const json& e : cpu_noise(rep, cpu)["listed"]) EXPECT_EQ(e["vector"], 0x21);
  }
  EXPECT_EQ(cpu_noise(rep, 0)["irq"], 3 + 7);  // its NIC queue, and every storage interrupt
  // Without irqaffinity= the storage interrupt's default affinity is every CPU: still cpu0 first.
  const json all = run_example("device_irq", "", " --set kernel.irqaffinity=2-3");
  EXPECT_EQ(cpu_noise(all, 2)["irq"], 2 + 7);
}

// A program's IPI to a vector nobody handles is refused before the run, as is an irq_work self-IPI
// handled (IRQ_WORK_VECTOR has its sysvec_irq_work).
TEST(Sources, ConstantVectorsWithoutAHandlerAreRefusedBeforeTheRun) {
  const std::string prog = R"( --set 'programs=[{"inline":".func sys_kick(arg)\n    call x2apic_send_IPI(3, VEC)\n    ret 0\n.endfunc\n"}]' --set 'workload={"2":[{"syscall":"kick"}]}')";
  auto with = [&](const std::string& vec) {
    std::string p = prog;
    p.replace(p.find("VEC"), 3, vec);
    return isolsim("run " + example("tlb_flush") + " --log none --out " + fresh_dir("vec").string() + p);
  };
  CliResult r = with("0x31");
  EXPECT_EQ(r.status, 2) << r.out;
  EXPECT_NE(r.out.find("#/programs/0:2: vector 49 sent by sys_kick has no handler"), std::string::npos) << r.out;
  EXPECT_EQ(std::count(r.out.begin(), r.out.end(), '\n'), 1) << r.out;
  r = with("IRQ_WORK_VECTOR");
  EXPECT_EQ(r.status, 0) << r.out;
}

// Same scenario and seed: the same report, rates drawn at load time included.
TEST(Sources, PoissonSchedulesAreDeterministic) {
  const std::string extra = R"( --set 'sources=[{"source":"nohz_full_kick","to":"2-3","rate_hz":20000}]')";
  const json a = run_example("nohz_full_kick", "", extra);
  const json b = run_example("nohz_full_kick", "", extra);
  EXPECT_EQ(a["noise"], b["noise"]);
  EXPECT_GT(callback(a, "nohz_full_kick_func")["ipi"].get<int>(), 0);
  const json c = run_example("nohz_full_kick", "", extra + " --set seed=2");
  EXPECT_NE(a["noise"]["cpus"][2]["listed"], c["noise"]["cpus"][2]["listed"]);
}

// Bad sources: one line naming file, line and JSON path, exit 2, before anything runs.
TEST(Sources, BadSourcesAreOneLineErrors) {
  const auto err = [](const std::string& sources) {
    CliResult r = isolsim("run " + example("tlb_flush") + " --log none --set 'sources=" + sources + "'");
    EXPECT_EQ(std::count(r.out.begin(), r.out.end(), '\n'), 1) << r.out;
    return r;
  };
  CliResult r = err(R"([{"source":"ipi","to":"3","vector":49,"at":[1000]}])");
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.out.find("/sources/0/vector (--set sources="), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("vector 49 has no handler: no .idt entry in the kernel or the scenario's programs"),
            std::string::npos) << r.out;
  r = err(R"([{"source":"wakeup","to":"7","every":1000}])");
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.out.find("/sources/0/to (--set sources="), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("CPU 7 out of range: the platform has 4 CPUs (0-3)"), std::string::npos) << r.out;
  r = err(R"([{"source":"tlb_flush","rate_hz":0}])");
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.out.find("/sources/0/rate_hz (--set sources="), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("must be greater than 0, got 0"), std::string::npos) << r.out;
  r = err(R"([{"source":"tlb_flush","to":"2","every":1000}])");
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.out.find("unknown key \"to\""), std::string::npos) << r.out;
}

// scenarios/rteval_like.json under every version (the cover letters' table): which callbacks reach
// the isolated CPUs by IPI, which the version defers, which never needed one.
TEST(Sources, RtevalLikeMachineShowsWhichVersionRemovesWhichRow) {
  const std::string file = std::string(ISOLSIM_SOURCE_DIR) + "/scenarios/rteval_like.json";
  for (const std::string p : {"ipi", "mainline", "pz2021", "rfc1", "rfc2", "rfc3", "v4", "v5", "v6", "v7"}) {
    SCOPED_TRACE(p);
    const fs::path out = fresh_dir("rteval_" + p);
    const CliResult r = isolsim("run " + file + " --log none --out " + out.string() + " --set kernel.protocol=" + p);
    ASSERT_EQ(r.status, 0) << r.out;
    EXPECT_NE(r.out.find("% CPU Aval"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("Callbacks aimed at isolated CPUs"), std::string::npos) << r.out;
    const json rep = json::parse(slurp(out / "report.json"));
    fs::remove_all(out);
    const bool defers_sync = p != "ipi" && p != "mainline";
    const bool defers_tlbi = p == "rfc1" || p == "rfc2" || p == "rfc3" || p == "v4";
    EXPECT_EQ(callback(rep, "do_sync_core")["ipi"] == 0, defers_sync);
    EXPECT_EQ(callback(rep, "do_sync_core")["deferred"] > 0, defers_sync);
    EXPECT_EQ(callback(rep, "do_flush_tlb_all")["ipi"] == 0, defers_tlbi);
    EXPECT_EQ(callback(rep, "do_flush_tlb_all")["deferred"] > 0, defers_tlbi);
    // No version defers these.
    for (const char* cb : {"nohz_full_kick_func", "sched_ttwu_pending", "scheduler_ipi", "tlb_remove_table_smp_sync"}) {
      EXPECT_GT(callback(rep, cb)["ipi"].get<int>(), 0) << cb;
      EXPECT_EQ(callback(rep, cb)["deferred"], 0) << cb;
    }
    // Expedited RCU leaves CPUs in user mode alone under every version.
    EXPECT_EQ(callback(rep, "rcu_exp_handler")["ipi"], 0);
    EXPECT_GT(callback(rep, "rcu_exp_handler")["skipped"].get<int>(), 0);
    EXPECT_EQ(rep["deferral"]["lost"], 0);
    // RFC v2 and v3 compile the exit's clear out: the work bits stay and run again at every entry
    // (the versions table of docs/explore.md)
    EXPECT_EQ(rep["deferral"]["double_executions"] > 0, p == "rfc2" || p == "rfc3");
  }
}

// Seed 000 in a timed run: each converted caller returns -EPERM for a blocked CPU and sends it
// nothing; the same call before the block interrupts it. The scenario's expect clauses pin the
// results; here, that a refusal changes nothing else.
TEST(BlockInterference, RefusalsReturnEpermAndInterruptNothing) {
  const std::string file = std::string(ISOLSIM_SOURCE_DIR) + "/scenarios/examples/block_interference.json";
  const fs::path out = fresh_dir("block_interf");
  const CliResult r = isolsim("run " + file + " --out " + out.string());
  ASSERT_EQ(r.status, 0) << r.out;
  EXPECT_NE(r.out.find("13 of 13 expectations hold"), std::string::npos) << r.out;
  const json rep = json::parse(slurp(out / "report.json"));
  const std::string log = slurp(out / "events.log");
  fs::remove_all(out);
  EXPECT_EQ(rep["noise"]["block_interference"]["blocked"], json({2, 3}));
  // One IPI reached a blocked CPU's APIC in all: the perf install before the block.
  std::size_t to_isolated = 0, pos = 0;
  while ((pos = log.find("ipi_send", pos)) != std::string::npos) {
    const std::size_t eol = log.find('\n', pos);
    const std::string line = log.substr(pos, eol - pos);
    if (line.find("-> cpu2 ") != std::string::npos || line.find("-> cpu3 ") != std::string::npos) ++to_isolated;
    pos = eol;
  }
  EXPECT_EQ(to_isolated, 1u) << log;
  // The refused calls wrote nothing: no store to cpu1's csd nor to a blocked CPU's call queue after
  // the block (the allowed MSR read queues on cpu0's).
  std::istringstream in(log);
  std::string line;
  while (std::getline(in, line)) {
    if (line.find("store") == std::string::npos && line.find("cmpxchg") == std::string::npos) continue;
    if (line.find("csd_data[1]") == std::string::npos && line.find("call_single_queue[2]") == std::string::npos &&
        line.find("call_single_queue[3]") == std::string::npos)
      continue;
    EXPECT_LT(std::stoull(line.substr(0, 12)), 300000u) << line;
  }
  EXPECT_EQ(rep["interference"]["cpus"][3]["cycles_lost"], 0);
  // Without the block the same calls interrupt both CPUs.
  const fs::path out2 = fresh_dir("block_interf_off");
  const CliResult r2 = isolsim("run " + file + " --log none --out " + out2.string() +
                               " --set expect=[] --set workload.0=[]");
  ASSERT_EQ(r2.status, 0) << r2.out;
  const json rep2 = json::parse(slurp(out2 / "report.json"));
  fs::remove_all(out2);
  EXPECT_EQ(rep2["noise"]["syscalls"]["sys_clockevents_unbind"]["ok"], 1);
  EXPECT_EQ(rep2["noise"]["syscalls"]["sys_mtrr_write"]["ok"], 1);
  EXPECT_EQ(rep2["noise"]["to_isolated"]["by_callback"]["__perf_install_in_context"]["ipi"], 2);
  EXPECT_GT(rep2["interference"]["cpus"][3]["interrupts_in_user"].get<int>(), 0);
  // A caller the RFC did not convert (a kernel TLB flush) still interrupts the blocked CPUs after the
  // write: ipis_to_blocked counts each.
  const fs::path out3 = fresh_dir("block_interf_vfree");
  const CliResult r3 = isolsim("run " + file + " --log none --out " + out3.string() +
                               R"( --set expect=[] --set 'workload.1=[{"until":500000},{"syscall":"vfree"}]')");
  ASSERT_EQ(r3.status, 0) << r3.out;
  const json rep3 = json::parse(slurp(out3 / "report.json"));
  fs::remove_all(out3);
  EXPECT_EQ(rep3["noise"]["block_interference"]["ipis_to_blocked"], 2);
}
