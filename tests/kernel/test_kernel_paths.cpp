// The kernel paths of each protocol, run instruction by instruction in a hand-chosen order, with
// the deferral ledger watching. (Timed replays live in tests/sim.)
#include <gtest/gtest.h>

#include <functional>

#include "models/kernel/boot.h"
#include "models/kernel/deferral_ledger.h"
#include "models/kernel/kernel_sources.h"

using namespace isa;

namespace {

const char* kTasks = R"(
.func task_poke()
    syscall entry_SYSCALL_64(&sys_text_poke_sync, 0)
    halt
.endfunc
.func task_getpid()
    syscall entry_SYSCALL_64(&sys_getpid, 0)
    halt
.endfunc
.func task_defer(target)                 ; a sender calling the protocol directly
    r = request
    ok = call ct_set_cpu_work(target, CT_WORK_SYNC)
    jnz ok, done
    csd = &cfd.csd[this_cpu][target][0]  ; else queue do_sync_core as smp_call_function_many_cond does
    store [csd + CSD_FLAGS], CSD_FLAG_LOCK | CSD_TYPE_SYNC
    store [csd + CSD_FUNC], &do_sync_core
    store [csd + CSD_INFO], current_request
    trace csd_queue_cpu(target, 0, &do_sync_core, csd)
    head = &call_single_queue[target]
    empty = call llist_add(csd, head)
    call send_call_function_single_ipi(target, &on_each_cpu_cond_mask)
done:
    halt
.endfunc
)";

// A machine without timing: the test chooses who steps; IPIs wait in `pending` until delivered.
struct Machine {
  Image img;
  std::vector<Word> mem;
  std::vector<CpuState> cpus;
  std::vector<std::vector<std::uint8_t>> pending;
  kernel::DeferralLedger ledger;
  std::uint64_t now = 0;

  Machine(const std::string& protocol, std::vector<bool> nohz)
      : img(kernel::build_kernel({protocol, static_cast<std::uint32_t>(nohz.size()), nohz, 0, 10,
                                  {{"tasks.s", kTasks, 2}}})),
        mem(kernel::boot_memory(img, nohz)),
        cpus(nohz.size()),
        pending(nohz.size()),
        ledger(static_cast<std::uint32_t>(nohz.size()), nohz) {
    for (std::uint32_t i = 0; i < cpus.size(); ++i) cpus[i].id = i;
  }
  void start_task(std::uint32_t cpu, const std::string& f, std::vector<Word> args = {}) {
    start(img, cpus[cpu], *img.find_function(f), Mode::User, args);
  }
  Effect step(std::uint32_t c) {
    CpuState& cpu = cpus[c];
    if (needs_empty_store_buffer(current(img, cpu).op))
      while (!cpu.store_buffer.empty()) drain(c);
    const Word req = cpu.request;
    const Mode before = cpu.mode;
    Effect e = execute(img, cpu, mem, ++now);
    if (e.op == Op::Request) ledger.on_request(c, cpu.request, now);
    if (e.op == Op::Trace) ledger.on_trace(c, cpu.request, img.strings[e.trace_name], e.trace_args, now);
    ledger.on_effect(c, req, e, now);
    if (cpu.mode != before) ledger.on_mode(c, cpu.mode, now);
    if (e.op == Op::Wrmsr && e.msr == 0x830) {
      const std::uint8_t vec = e.msr_value & 0xff;
      if ((e.msr_value & 0xc0000) == 0xc0000) {
        for (std::uint32_t t = 0; t < cpus.size(); ++t)
          if (t != c) pending[t].push_back(vec);
      } else {
        pending[e.msr_value >> 32].push_back(vec);
      }
    }
    return e;
  }
  void drain(std::uint32_t c) {
    const Addr a = cpus[c].store_buffer.front().addr;
    const Word old = mem[a];
    StoreBufferEntry s = drain_one(cpus[c], mem);
    ledger.on_write(a, old, s.value);
  }
  void run(std::uint32_t c, const std::function<bool(const Effect&)>& stop = nullptr) {
    for (int n = 0; n < 100000 && !cpus[c].halted; ++n) {
      Effect e = step(c);
      if (stop && stop(e)) return;
    }
    while (!cpus[c].store_buffer.empty()) drain(c);
  }
  // Delivers the oldest pending IPI and runs its handler back to the interrupted frame.
  void deliver(std::uint32_t c) {
    ASSERT_FALSE(pending[c].empty());
    const std::uint8_t vec = pending[c].front();
    pending[c].erase(pending[c].begin());
    const Mode before = cpus[c].mode;
    const std::size_t depth = cpus[c].frames.size();
    take_interrupt(img, cpus[c], vec);
    if (before != Mode::Kernel) ledger.on_mode(c, Mode::Kernel, now);
    while (cpus[c].frames.size() > depth) step(c);
    while (!cpus[c].store_buffer.empty()) drain(c);
  }
  Word var(const std::string& v, Word cpu) { return mem[img.address(v, {cpu})]; }
};

}  // namespace

TEST(KernelPaths, EveryProtocolAssemblesForEveryCpuCount) {
  for (const std::string& p : kernel::protocol_names())
    for (std::uint32_t n : {1u, 2u, 3u, 17u, 64u, 65u, 130u, 1024u}) {
      std::vector<bool> nohz(n, true);
      nohz[0] = false;
      EXPECT_NO_THROW(kernel::build_kernel({p, n, nohz, 0, 10, {}})) << p << " " << n;
    }
  EXPECT_THROW(kernel::build_kernel({"v7", 1025, {}, 0, 10, {}}), std::invalid_argument);
  EXPECT_THROW(kernel::protocol_sources("v8"), std::invalid_argument);
}

TEST(KernelPaths, BootStateFollowsNohzFull) {
  Machine m("rfc1", {false, true});
  EXPECT_EQ(m.var("ct.active", 0), 0u);
  EXPECT_EQ(m.var("ct.active", 1), 1u);
  EXPECT_EQ(m.var("ct.work", 0), 1u);  // CONTEXT_WORK_DISABLED: housekeeping CPUs never defer
  EXPECT_EQ(m.var("ct.work", 1), 0u);
}

class Deferring : public ::testing::TestWithParam<std::string> {};

// A housekeeping CPU patches text while the nohz_full CPU is in user mode: no IPI reaches it,
// and its next kernel entry runs sync_core exactly once.
TEST_P(Deferring, DefersToUserCpuAndFlushesOnEntry) {
  Machine m(GetParam(), {false, true});
  m.start_task(0, "task_poke");
  m.start_task(1, "task_getpid");
  m.run(0);
  EXPECT_TRUE(m.pending[1].empty());
  auto s = m.ledger.summary();
  EXPECT_EQ(s.deferred, 1u);
  EXPECT_EQ(s.pending, 1u);
  m.run(1);
  s = m.ledger.summary();
  EXPECT_EQ(s.flushed_on_entry, 1u);
  EXPECT_EQ(s.executions_per_delivery[1], 1u);
  EXPECT_EQ(s.double_executions + s.lost + s.pending, 0u);
}

// The same while the target is in the kernel: the sender must fall back to an IPI.
TEST_P(Deferring, FallsBackToIpiWhileTargetIsInKernel) {
  Machine m(GetParam(), {false, true});
  m.start_task(0, "task_poke");
  m.start_task(1, "task_getpid");
  m.run(1, [](const Effect& e) { return e.op == Op::Compute; });  // inside sys_getpid
  ASSERT_EQ(m.cpus[1].mode, Mode::Kernel);
  m.run(0, [&](const Effect&) { return !m.pending[1].empty(); });
  ASSERT_EQ(m.pending[1].size(), 1u);
  EXPECT_EQ(m.pending[1][0], 0xfb);  // CALL_FUNCTION_SINGLE
  m.deliver(1);
  m.run(0);
  m.run(1);
  auto s = m.ledger.summary();
  EXPECT_EQ(s.ipi, 1u);
  EXPECT_EQ(s.ipi_executions, 1u);
  EXPECT_EQ(s.double_executions + s.lost, 0u);
}

INSTANTIATE_TEST_SUITE_P(Protocols, Deferring, ::testing::Values("pz2021", "rfc1", "v7"));

TEST(KernelPaths, IpiProtocolInterruptsUserMode) {
  Machine m("ipi", {false, true});
  m.start_task(0, "task_poke");
  m.start_task(1, "task_getpid");
  m.run(0, [&](const Effect&) { return !m.pending[1].empty(); });
  ASSERT_EQ(m.cpus[1].mode, Mode::User);
  m.deliver(1);
  EXPECT_EQ(m.cpus[1].mode, Mode::User);  // back in user mode after the handler
  m.run(0);
  auto s = m.ledger.summary();
  EXPECT_EQ(s.ipi, 1u);
  EXPECT_EQ(s.ipi_executions, 1u);
  EXPECT_EQ(s.deferred, 0u);
}

// Seed 003: CT_SEQ_WORK is already set by sender A; B ORs its work in; the target enters the
// kernel and runs it; B's cmpxchg fails and B falls back to the IPI: B's callback runs twice.
TEST(KernelPaths, Pz2021DoubleExecutionInterleaving) {
  Machine m("pz2021", {false, false, true});
  m.start_task(0, "task_defer", {2});
  m.start_task(1, "task_defer", {2});
  m.start_task(2, "task_getpid");
  m.run(0);
  EXPECT_EQ(m.var("ct.seq", 2) & 1, 1u);  // CT_SEQ_WORK
  m.run(1, [](const Effect& e) { return e.op == Op::AtomicOr; });
  m.run(2);
  Effect cmpxchg;
  m.run(1, [&](const Effect& e) {
    if (e.op == Op::Cmpxchg && cmpxchg.op != Op::Cmpxchg) cmpxchg = e;  // ct->seq, not llist_add
    return false;
  });
  EXPECT_EQ(cmpxchg.op, Op::Cmpxchg);
  EXPECT_FALSE(cmpxchg.success);
  m.deliver(2);
  auto s = m.ledger.summary();
  EXPECT_EQ(s.double_executions, 1u);
  EXPECT_EQ(s.flushed_on_entry, 2u);  // one flush served both requests
  EXPECT_EQ(s.ipi_executions, 1u);
  bool found = false;
  for (const kernel::Delivery* d : m.ledger.deliveries())
    if (d->sender == 1) {
      found = true;
      ASSERT_EQ(d->executions.size(), 2u);
      EXPECT_TRUE(d->executions[0].deferred);
      EXPECT_FALSE(d->executions[1].deferred);
    }
  EXPECT_TRUE(found);
}

// Work a CPU has taken (consumed) but not run yet when the run ends is pending, not lost.
TEST(KernelPaths, ConsumedButNotYetRunIsPending) {
  Machine m("rfc1", {false, true});
  m.start_task(0, "task_poke");
  m.start_task(1, "task_getpid");
  m.run(0);
  m.run(1, [](const Effect& e) { return !e.notes.empty() && e.notes[0].kind == Annotation::Kind::Consume; });
  auto s = m.ledger.summary();
  EXPECT_EQ(s.pending, 1u);
  EXPECT_EQ(s.lost, 0u);
  m.run(1);
  s = m.ledger.summary();
  EXPECT_EQ(s.pending, 0u);
  EXPECT_EQ(s.flushed_on_entry, 1u);
}
