// Semantics of each micro-op, and x86-TSO store-buffer behaviour under every interleaving.
#include <gtest/gtest.h>

#include <functional>
#include <set>

#include "models/isa/assembler.h"
#include "models/isa/executor.h"

using namespace isa;

namespace {

Image build(const std::string& text, Word ncpus = 2) {
  return assemble({{"t.s", text, 0}}, {{"NR_CPUS", ncpus}});
}

struct Machine {
  Image img;
  std::vector<Word> mem;
  std::vector<CpuState> cpus;
  Machine(const std::string& text, std::vector<std::string> progs) : img(build(text, progs.size())) {
    mem = img.initial_memory();
    for (std::size_t i = 0; i < progs.size(); ++i) {
      CpuState c;
      c.id = static_cast<std::uint32_t>(i);
      start(img, c, *img.find_function(progs[i]), Mode::Kernel);
      cpus.push_back(c);
    }
  }
  // Runs one CPU to completion, draining its store buffer before locked ops.
  void run(std::size_t i, int max_steps = 1000) {
    CpuState& c = cpus[i];
    while (!c.halted && max_steps-- > 0) {
      if (needs_empty_store_buffer(current(img, c).op))
        while (!c.store_buffer.empty()) drain_one(c, mem);
      execute(img, c, mem, 0);
    }
    while (!c.store_buffer.empty()) drain_one(c, mem);
  }
  Word var(const std::string& name, std::vector<Word> idx = {}) { return mem[img.address(name, idx)]; }
};

}  // namespace

TEST(Executor, AluAndBranches) {
  Machine m(R"(
.var out[8]
.func main()
    a = 5
    b = a << 3        ; 40
    c = b & ~8        ; 32
    d = c | 3         ; 35
    e = d - 36        ; wraps
    f = a == 5
    g = !f
    store out[0], b
    store out[1], c
    store out[2], d
    store out[3], e
    store out[4], f
    store out[5], g
    i = 0
loop:
    i = i + 1
    jnz i < 10, loop
    store out[6], i
    jz g, skip
    store out[7], 99
skip:
    halt
.endfunc
)", {"main"});
  m.run(0);
  EXPECT_EQ(m.var("out", {0}), 40u);
  EXPECT_EQ(m.var("out", {1}), 32u);
  EXPECT_EQ(m.var("out", {2}), 35u);
  EXPECT_EQ(m.var("out", {3}), ~Word(0));
  EXPECT_EQ(m.var("out", {4}), 1u);
  EXPECT_EQ(m.var("out", {5}), 0u);
  EXPECT_EQ(m.var("out", {6}), 10u);
  EXPECT_EQ(m.var("out", {7}), 0u);
}

TEST(Executor, LockedOperations) {
  Machine m(R"(
.var v[8] = 0
.var r[16]
.func main()
    store v[0], 0x0f
    mfence
    atomic_or v[0], 0x30
    atomic_andnot v[0], 0x03
    x = atomic_add_return v[0], 1        ; 0x3c + 1
    store r[0], x
    y = atomic_fetch_or v[0], 0x100      ; returns the old value
    store r[1], y
    z = atomic_fetch_andnot v[0], 0x1    ; old
    store r[2], z
    w = xchg v[1], 7                     ; old 0
    store r[3], w
    q = atomic_fetch_add v[1], 3         ; old 7
    store r[4], q
    atomic_add v[1], 10                  ; 20
    old = 5
    ok, old = cmpxchg v[1], old, 100     ; fails: v[1] is 20, old written back
    store r[5], ok
    store r[6], old
    ok, old = cmpxchg v[1], old, old | 1 ; succeeds: 20 -> 21
    store r[7], ok
    store r[8], old
    halt
.endfunc
)", {"main"});
  m.run(0);
  EXPECT_EQ(m.var("v", {0}), 0x13cu);
  EXPECT_EQ(m.var("r", {0}), 0x3du);
  EXPECT_EQ(m.var("r", {1}), 0x3du);
  EXPECT_EQ(m.var("r", {2}), 0x13du);
  EXPECT_EQ(m.var("r", {3}), 0u);
  EXPECT_EQ(m.var("r", {4}), 7u);
  EXPECT_EQ(m.var("r", {5}), 0u);
  EXPECT_EQ(m.var("r", {6}), 20u);
  EXPECT_EQ(m.var("r", {7}), 1u);
  EXPECT_EQ(m.var("r", {8}), 20u);
  EXPECT_EQ(m.var("v", {1}), 21u);
}

TEST(Executor, CallReturnAndIndirectCall) {
  Machine m(R"(
.var out[2]
.func add(a, b)
    c = a + b
    ret c
.endfunc
.func twice(f, x)
    y = call *f(x, x)
    ret y
.endfunc
.func main()
    r = call add(2, 3)
    store out[0], r
    p = &add
    s = call twice(p, 21)
    store out[1], s
    halt
.endfunc
)", {"main"});
  m.run(0);
  EXPECT_EQ(m.var("out", {0}), 5u);
  EXPECT_EQ(m.var("out", {1}), 42u);
  EXPECT_EQ(m.cpus[0].frames.size(), 1u);
}

TEST(Executor, StoreBufferForwardsOwnStoresOnly) {
  Machine m(R"(
.var x
.func w()
    store x, 1
    a = load x
    halt
.endfunc
.func r()
    b = load x
    halt
.endfunc
)", {"w", "r"});
  Effect s = execute(m.img, m.cpus[0], m.mem, 0);
  EXPECT_EQ(s.op, Op::Store);
  EXPECT_EQ(m.cpus[0].store_buffer.size(), 1u);
  EXPECT_EQ(m.var("x"), 0u);  // not visible yet
  Effect own = execute(m.img, m.cpus[0], m.mem, 0);
  EXPECT_TRUE(own.forwarded);
  EXPECT_EQ(own.read, 1u);
  Effect other = execute(m.img, m.cpus[1], m.mem, 0);
  EXPECT_FALSE(other.forwarded);
  EXPECT_EQ(other.read, 0u);
  drain_one(m.cpus[0], m.mem);
  EXPECT_EQ(m.var("x"), 1u);
}

TEST(Executor, LockedOpWithBufferedStoreIsRejected) {
  Machine m(".var x\n.func p()\n store x, 1\n atomic_or x, 2\n halt\n.endfunc\n", {"p"});
  execute(m.img, m.cpus[0], m.mem, 0);
  EXPECT_TRUE(needs_empty_store_buffer(current(m.img, m.cpus[0]).op));
  EXPECT_THROW(execute(m.img, m.cpus[0], m.mem, 0), std::logic_error);
}

TEST(Executor, PerCpuVariablesLiveInSeparateCacheLines) {
  Machine m(R"(
.percpu ct.state = 4
.percpu ct.work
.func p()
    store ct.work[this_cpu], this_cpu + 10
    halt
.endfunc
)", {"p", "p"});
  m.run(0);
  m.run(1);
  EXPECT_EQ(m.var("ct.work", {0}), 10u);
  EXPECT_EQ(m.var("ct.work", {1}), 11u);
  EXPECT_EQ(m.var("ct.state", {1}), 4u);
  Addr a0 = m.img.address("ct.state", {0}), a1 = m.img.address("ct.state", {1});
  EXPECT_NE(a0 / kWordsPerLine, a1 / kWordsPerLine);
  EXPECT_EQ(a0 / kWordsPerLine, m.img.address("ct.work", {0}) / kWordsPerLine);
  EXPECT_EQ(m.img.describe(m.img.address("ct.work", {1})), "ct.work[1]");
}

TEST(Executor, IndexOutOfRangeFaultsWithLocation) {
  Machine m(".var a[4]\n.func p()\n i = 4\n x = load a[i]\n halt\n.endfunc\n", {"p"});
  execute(m.img, m.cpus[0], m.mem, 0);
  try {
    execute(m.img, m.cpus[0], m.mem, 0);
    FAIL() << "no fault";
  } catch (const Fault& f) {
    EXPECT_STREQ(f.what(), "cpu 0 at p+1 (t.s:4): index 4 out of range for a (dimension 0 has 4 elements)");
  }
}

TEST(Executor, InterruptsSyscallsAndModes) {
  Machine m(R"(
.equ VEC, 0xfc
.var seen[2]
.func handler(from_user)
    store seen[0], from_user
    iret
.endfunc
.idt VEC, handler
.func entry(nr)
    store seen[1], nr
    sysret
.endfunc
.func task()
    compute 100
    syscall entry(7)
    halt
.endfunc
)", {"task"});
  CpuState& c = m.cpus[0];
  c.mode = Mode::User;
  Effect comp = execute(m.img, c, m.mem, 0);
  EXPECT_EQ(comp.cycles, 100u);
  take_interrupt(m.img, c, 0xfc);
  EXPECT_EQ(c.mode, Mode::Kernel);
  EXPECT_FALSE(c.interrupts_enabled);
  m.run(0, 2);  // store, iret
  EXPECT_EQ(c.mode, Mode::User);
  EXPECT_TRUE(c.interrupts_enabled);
  Effect sys = execute(m.img, c, m.mem, 0);
  EXPECT_TRUE(sys.mode_changed);
  EXPECT_EQ(c.mode, Mode::Kernel);
  m.run(0);
  EXPECT_EQ(c.mode, Mode::User);
  EXPECT_EQ(m.var("seen", {0}), 1u);
  EXPECT_EQ(m.var("seen", {1}), 7u);
}

TEST(Executor, AnnotationsAreEvaluatedBeforeTheInstruction) {
  Machine m(R"(
.var w
.func p()
    old = 0
    ok, old = cmpxchg w, old, 5 @post(1, old)
    halt
.endfunc
)", {"p"});
  execute(m.img, m.cpus[0], m.mem, 0);
  Effect e = execute(m.img, m.cpus[0], m.mem, 0);
  ASSERT_EQ(e.notes.size(), 1u);
  EXPECT_EQ(e.notes[0].kind, Annotation::Kind::Post);
  EXPECT_EQ(e.notes[0].a1, 0u);
  EXPECT_TRUE(e.success);
}

// ---- x86-TSO: exhaustive interleavings of two small programs (every step and every drain).

namespace {
std::set<std::pair<Word, Word>> sb_outcomes(const std::string& fence) {
  const std::string text = R"(
.var x
.var y
.var r[2]
.func p0()
    store x, 1
    )" + fence + R"(
    a = load y
    store r[0], a
    halt
.endfunc
.func p1()
    store y, 1
    )" + fence + R"(
    b = load x
    store r[1], b
    halt
.endfunc
)";
  Machine m0(text, {"p0", "p1"});
  std::set<std::pair<Word, Word>> out;
  std::function<void(Machine&)> dfs = [&](Machine& m) {
    bool any = false;
    for (int i = 0; i < 2; ++i) {
      CpuState& c = m.cpus[i];
      if (!c.store_buffer.empty()) {
        Machine n = m;
        drain_one(n.cpus[i], n.mem);
        dfs(n);
        any = true;
      }
      if (!c.halted && !(needs_empty_store_buffer(current(m.img, c).op) && !c.store_buffer.empty())) {
        Machine n = m;
        execute(n.img, n.cpus[i], n.mem, 0);
        dfs(n);
        any = true;
      }
    }
    if (!any) out.insert({m.var("r", {0}), m.var("r", {1})});
  };
  dfs(m0);
  return out;
}
}  // namespace

TEST(StoreBuffer, StoreBufferingBothZeroIsReachable) {
  auto out = sb_outcomes("pause");
  EXPECT_EQ(out.size(), 4u);
  EXPECT_TRUE(out.count({0, 0}));
}

TEST(StoreBuffer, MfenceForbidsBothZero) {
  auto out = sb_outcomes("mfence");
  EXPECT_EQ(out.size(), 3u);
  EXPECT_FALSE(out.count({0, 0}));
}

TEST(Executor, SystemAndObserverInstructions) {
  Machine m(R"(
.var v
.func p()
    r = request                 ; a fresh id: (cpu << 32) | n
    s = request
    t = rdtsc
    trace my_point(r, 7)
    cli
    sti
    wrmsr 0x830, 0xfc
    store v, 1
    serialize                   ; waits for the store buffer, like mfence
    hlt
    halt
.endfunc
)", {"p"});
  CpuState& c = m.cpus[0];
  Effect e1 = execute(m.img, c, m.mem, 0);
  EXPECT_EQ(e1.written, (Word(0) << 32) | 1);
  Effect e2 = execute(m.img, c, m.mem, 0);
  EXPECT_EQ(e2.written, 2u);
  EXPECT_EQ(c.request, 2u);
  execute(m.img, c, m.mem, 1234);
  EXPECT_EQ(c.reg(2), 1234u);
  Effect tr = execute(m.img, c, m.mem, 0);
  EXPECT_EQ(m.img.strings[tr.trace_name], "my_point");
  EXPECT_EQ(tr.trace_args, (std::vector<Word>{1, 7}));
  execute(m.img, c, m.mem, 0);
  EXPECT_FALSE(c.interrupts_enabled);
  execute(m.img, c, m.mem, 0);
  EXPECT_TRUE(c.interrupts_enabled);
  Effect w = execute(m.img, c, m.mem, 0);
  EXPECT_EQ(w.msr, 0x830u);
  EXPECT_EQ(w.msr_value, 0xfcu);
  execute(m.img, c, m.mem, 0);  // store
  EXPECT_TRUE(needs_empty_store_buffer(current(m.img, c).op));
  EXPECT_THROW(execute(m.img, c, m.mem, 0), std::logic_error);
  drain_one(c, m.mem);
  execute(m.img, c, m.mem, 0);  // serialize
  execute(m.img, c, m.mem, 0);  // hlt
  EXPECT_TRUE(c.idle);
  execute(m.img, c, m.mem, 0);
  EXPECT_TRUE(c.halted);
}

// tzcnt (the kernel's __ffs()), the cpumask walk's one new operation: 64 for 0, as x86 TZCNT.
TEST(Executor, TzcntCountsTrailingZeros) {
  Machine m(R"(
.var out[4]
.func main()
    a = 0x8000000000000000
    b = tzcnt a
    c = tzcnt 0x28
    z = 0
    d = tzcnt z
    store out[0], b
    store out[1], c
    store out[2], d
    halt
.endfunc
)", {"main"});
  m.run(0);
  EXPECT_EQ(m.var("out", {0}), 63u);
  EXPECT_EQ(m.var("out", {1}), 3u);
  EXPECT_EQ(m.var("out", {2}), 64u);
}

// `trace NAME(cpumask P, ...)` carries the mask's BITS_TO_LONGS(NR_CPUS) words after the arguments,
// as this CPU sees them: its own buffered store first, as a load would.
TEST(Executor, TracedCpumaskIsTheMaskThisCpuSees) {
  const std::string text = R"(
.var m[2] = {0x5, 0x1}
.func main()
    p = &m[0]
    store m[1], 0x3
    trace sent(cpumask p, 7)
    halt
.endfunc
)";
  Image img = assemble({{"t.s", text, 0}}, {{"NR_CPUS", 66}});
  std::vector<Word> mem = img.initial_memory();
  CpuState c;
  start(img, c, *img.find_function("main"), Mode::Kernel);
  Effect e;
  while (e.op != Op::Trace) e = execute(img, c, mem, 0);
  EXPECT_EQ(e.trace_args, std::vector<Word>({img.address("m", {0}), 7, 0x5, 0x3}));
  EXPECT_EQ(mem[img.address("m", {1})], 0x1u);  // still in the store buffer
}
