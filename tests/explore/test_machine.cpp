// The explorer's machine on small programs: what folding thread-local instructions may and may
// not fold, checked against the unreduced graph (every instruction a step); livelock; the index.
#include <gtest/gtest.h>

#include <memory>
#include <set>

#include "models/isa/assembler.h"
#include "sim/explore/explorer.h"
#include "sim/explore/locality.h"
#include "sim/explore/state_index.h"

namespace {

using Finals = std::set<std::vector<isa::Word>>;

// Register 0 of every CPU at each end of an execution.
class FinalRegisters : public explore::Checker {
 public:
  void check(const explore::Machine&, const explore::State& s, bool terminal, std::vector<explore::Finding>&) override {
    if (!terminal) return;
    std::vector<isa::Word> v;
    for (const explore::CpuRef& c : s.cpus) v.push_back(c->reg(0));
    finals.insert(v);
  }
  Finals finals;
};

// One memory word at each end of an execution.
class FinalWord : public explore::Checker {
 public:
  explicit FinalWord(isa::Addr a) : a_(a) {}
  void check(const explore::Machine& m, const explore::State& s, bool terminal, std::vector<explore::Finding>&) override {
    if (terminal) values.insert(m.read(s, a_));
  }
  std::set<isa::Word> values;

 private:
  isa::Addr a_;
};

// Two CPUs running P0 and P1 of `text`.
struct Program {
  isa::Image img;
  explore::MachineConfig cfg;
  explicit Program(const std::string& text)
      : img(isa::assemble({{"t.s", text, 0}}, {{"NR_CPUS", 2}, {"ALL_CPUS", 3}})) {
    cfg.tasks = {*img.find_function("P0"), *img.find_function("P1")};
    cfg.memory = img.initial_memory();
  }
  // Explores it with `checker` (by default one that looks at nothing).
  explore::Result explore(explore::Checker* checker = nullptr) const {
    explore::MachineConfig checked = cfg;
    checked.check_memo = true;  // every step replayed from memory is run too
    explore::Machine m(img, checked);
    FinalRegisters own;
    explore::Options o;
    o.check_commutations = true;  // every edge taken from commuting steps is applied too
    explore::Explorer ex(m, checker ? *checker : own, o);
    return ex.run();
  }
};

Finals explore_finals(const std::string& text, bool tso, bool fold, std::uint64_t* states = nullptr) {
  Program p(text);
  p.cfg.tso = tso;
  p.cfg.fold_local_steps = fold;
  FinalRegisters finals;
  const explore::Result r = p.explore(&finals);
  EXPECT_TRUE(r.complete);
  if (states) *states = r.states;
  return finals.finals;
}

// Store buffering with interrupts off, as kernel paths run: under TSO the stores may wait in the
// buffers (both loads read 0); under SC a store is a write the other CPU sees at once, so it is
// no thread-local instruction even with IF clear and must not be folded into the load before it.
const char* const kLoadThenStore = R"(
.var x = 0
.var y = 0
.var k = 7
.func P0()
    r = 0
    cli
    r = load x
    c = load k
    store y, c
    halt
.endfunc
.func P1()
    r = 0
    cli
    store x, 1
    r = load y
    halt
.endfunc
)";

}  // namespace

TEST(MachineReduction, FoldedAndUnreducedReachTheSameEnds) {
  for (const bool tso : {false, true}) {
    SCOPED_TRACE(tso ? "tso" : "sc");
    std::uint64_t folded_states = 0, unreduced_states = 0;
    const Finals folded = explore_finals(kLoadThenStore, tso, true, &folded_states);
    const Finals unreduced = explore_finals(kLoadThenStore, tso, false, &unreduced_states);
    EXPECT_EQ(folded, unreduced);
    EXPECT_LT(folded_states, unreduced_states);
    // (P0's load, P1's load): both 0 needs P0's load before P1's store and P1's load before
    // P0's store: possible under SC too (load x, store x, load y, store y).
    EXPECT_TRUE(folded.count({0, 0}));
    EXPECT_TRUE(folded.count({1, 0}));
    EXPECT_TRUE(folded.count({0, 7}));
  }
}

// Loads of a variable nothing writes by name (k above) are folded as constant; a write that lands
// in it anyway, through an address computed without naming it, is a fault, never a silent error.
TEST(MachineReduction, AWriteIntoAConstantFaults) {
  const std::string vars = ".var k = 7\n.var x = 0\n";
  const isa::Image probe = isa::assemble({{"t.s", vars, 0}}, {{"NR_CPUS", 2}});
  const std::string k = std::to_string(probe.address("k", {}));
  const std::string text = vars +
                           ".func P0()\n    r = load k\n    halt\n.endfunc\n"
                           ".func P1()\n    r = 0\n    p = " + k + "\n    store [p], 1\n    halt\n.endfunc\n";
  const Program p(text);
  ASSERT_EQ(p.img.address("k", {}), probe.address("k", {}));
  const explore::Result r = p.explore();
  ASSERT_EQ(r.violations.size(), 1u);
  EXPECT_EQ(r.violations[0].finding.kind, "fault");
  EXPECT_NE(r.violations[0].finding.message.find("writes k through a pointer"), std::string::npos)
      << r.violations[0].finding.message;
}

namespace {

// P0 takes a lock word with cmpxchg 0 -> 1 and retries while it fails; P1 stores 5 into it and
// then, in the second program, 0 again.
std::string lock_programs(bool releases) {
  return std::string(R"(
.var x = 0
.func P0()
    r = 0
retry:
    ok, old = cmpxchg x, 0, 1
    jz ok, retry
    r = 1
    halt
.endfunc
.func P1()
    r = 0
    store x, 5
)") + (releases ? "    store x, 0\n" : "") + R"(    halt
.endfunc
)";
}

}  // namespace

// A cmpxchg loop that can retry for ever once P1's 5 is in x: a cycle of states no step leaves
// for an end of the execution.
TEST(Livelock, ACmpxchgLoopThatCanNeverSucceed) {
  const explore::Result r = Program(lock_programs(false)).explore();
  ASSERT_TRUE(r.complete);
  ASSERT_EQ(r.violations.size(), 1u);
  const explore::Violation& v = r.violations[0];
  EXPECT_EQ(v.finding.kind, "livelock");
  EXPECT_FALSE(v.cycle.empty());
  EXPECT_NE(v.finding.message.find("can never reach the end of an execution"), std::string::npos);
  EXPECT_GE(r.terminal_states, 1u);  // P0 may also win before P1 stores
}

// The same loop when x comes back to 0: it may spin for a while, but every state can still end.
TEST(Livelock, ARetryLoopThatCanAlwaysEndIsNone) {
  const explore::Result r = Program(lock_programs(true)).explore();
  ASSERT_TRUE(r.complete);
  EXPECT_TRUE(r.violations.empty());
}

namespace {

// P0 sends `sends` CALL_FUNCTION_SINGLE IPIs (vector 0xfb) to P1, which has nothing to do;
// `more` adds variables and handlers.
std::string ipi_programs(int sends, const std::string& more) {
  std::string p0 = ".func P0()\n";
  for (int i = 0; i < sends; ++i) p0 += "    wrmsr 0x830, 0x1000000fb\n";
  return more + p0 + "    halt\n.endfunc\n.func P1()\n    r = 0\n    halt\n.endfunc\n";
}

}  // namespace

// P0 sends an IPI to P1. A CPU assumed never interrupted that an IPI reaches ends the
// exploration (explore_scenario then explores again without the assumption); the random walks
// that make the guess see the IPI.
TEST(InterruptFree, AnIpiToACpuAssumedFreeStopsTheExploration) {
  Program p(ipi_programs(1, ""));
  EXPECT_EQ(explore::guess_locality(p.img, p.cfg).interrupt_free, (std::vector<bool>{true, false}));
  p.cfg.interrupt_free = {false, true};
  try {
    p.explore();
    ADD_FAILURE() << "the IPI to cpu1 went unnoticed";
  } catch (const explore::NotInterruptFree& n) {
    EXPECT_EQ(n.cpu, 1u);
  }
}

namespace {

// a is P0's own word, b P1's, x both CPUs': a and b are thread-local, loads and stores alike, as
// long as no other CPU touches them.
const char* const kPrivateWords = R"(
.var a = 0
.var b = 0
.var x = 0
.func P0()
    store a, 1
    r = load x
    t = load a
    r = r + t
    store a, r
    store x, 1
    t = load a
    r = r + t
    halt
.endfunc
.func P1()
    store b, 2
    r = load x
    store x, 2
    t = load b
    r = r + t
    store b, r
    r = load b
    halt
.endfunc
)";

}  // namespace

// The random walks give each word only one CPU touched to that CPU; folding its accesses then
// reaches the same ends as folding only thread-local instructions, and as the unreduced graph,
// in fewer states.
TEST(PrivateWords, FoldedAccessesReachTheSameEnds) {
  for (const bool tso : {false, true}) {
    SCOPED_TRACE(tso ? "tso" : "sc");
    Program p(kPrivateWords);
    p.cfg.tso = tso;
    const explore::Locality l = explore::guess_locality(p.img, p.cfg);
    EXPECT_EQ(l.owner[p.img.address("a", {})], 0);
    EXPECT_EQ(l.owner[p.img.address("b", {})], 1);
    EXPECT_EQ(l.owner[p.img.address("x", {})], -1);
    p.cfg.interrupt_free = l.interrupt_free;  // no IPIs: IF does not matter
    auto explore = [&](const std::vector<std::int32_t>& owner, std::uint64_t& states) {
      p.cfg.owner = owner;
      FinalRegisters finals;
      const explore::Result r = p.explore(&finals);
      EXPECT_TRUE(r.complete);
      states = r.states;
      return finals.finals;
    };
    std::uint64_t plain_states = 0, private_states = 0;
    const Finals plain = explore({}, plain_states);
    const Finals with_private = explore(l.owner, private_states);
    const Finals unreduced = explore_finals(kPrivateWords, tso, false);
    EXPECT_EQ(with_private, unreduced);
    EXPECT_EQ(plain, unreduced);
    EXPECT_LT(private_states, plain_states);
    // P0 ends with 2 * (x + 1), P1 with x + 2, each x as loaded: P0 first, P1 first, both
    // loads first; never both loads after the other's store (load buffering).
    EXPECT_EQ(unreduced, (Finals{{2, 3}, {6, 2}, {2, 2}}));
  }
}

// A word wrongly given to P0 (x, which P1 touches too) ends the exploration at P1's access.
TEST(PrivateWords, AnAccessByAnotherCpuStopsTheExploration) {
  Program p(kPrivateWords);
  p.cfg.owner.assign(p.cfg.memory.size(), -1);
  const isa::Addr x = p.img.address("x", {});
  p.cfg.owner[x] = 0;
  try {
    p.explore();
    ADD_FAILURE() << "cpu1's access to x went unnoticed";
  } catch (const explore::NotPrivate& n) {
    EXPECT_EQ(n.addr, x);
    EXPECT_EQ(n.cpu, 1u);
  }
}

namespace {

// The pc of `func`'s first `op` on `var`.
std::uint32_t pc_of(const isa::Image& img, const char* func, isa::Op op, const char* var) {
  const isa::Function& f = img.functions[*img.find_function(func)];
  for (std::uint32_t pc = 0; pc < f.code.size(); ++pc)
    if (f.code[pc].op == op && f.code[pc].mem.var >= 0 && img.variables[f.code[pc].mem.var].name == var) return pc;
  ADD_FAILURE() << "no such instruction in " << func;
  return 0;
}

}  // namespace

// With IF set an interrupt may come between two accesses to a CPU's own word, and its handler,
// on the same CPU, may touch the word: those accesses stay steps (r = 5 needs the handler between
// P1's store and load), whether the word is the CPU's own or its instructions never race with
// other CPUs'.
TEST(PrivateWords, AccessesWithInterruptsOnAreNotFolded) {
  const std::string text = R"(
.var a = 0
.func handler(user)
    store a, 5
    wrmsr 0x80b, 0
    iret
.endfunc
.idt 0xfb, handler
.func P0()
    r = 0
    wrmsr 0x830, 0x1000000fb
    halt
.endfunc
.func P1()
    store a, 1
    r = load a
    halt
.endfunc
)";
  for (const bool tso : {false, true})
  for (const bool by_owner : {true, false}) {
    SCOPED_TRACE(tso ? "tso" : "sc");
    SCOPED_TRACE(by_owner ? "owner" : "race-free");
    Program p(text);
    p.cfg.tso = tso;
    const explore::Locality l = explore::guess_locality(p.img, p.cfg);
    ASSERT_EQ(l.owner[p.img.address("a", {})], 1);
    const auto p1 = *p.img.find_function("P1");
    ASSERT_TRUE(l.race_free[p1][pc_of(p.img, "P1", isa::Op::Load, "a")]);
    if (by_owner) p.cfg.owner = l.owner;
    else p.cfg.race_free = l.race_free;
    p.cfg.interrupt_free = l.interrupt_free;
    FinalRegisters finals;
    EXPECT_TRUE(p.explore(&finals).complete);
    EXPECT_EQ(finals.finals, explore_finals(text, tso, false));
    std::set<isa::Word> r1;
    for (const auto& f : finals.finals) r1.insert(f[1]);
    EXPECT_EQ(r1, (std::set<isa::Word>{1, 5}));
  }
}

namespace {

// Message passing, as a sender fills a csd before it publishes it: P1 writes data, then flag;
// P0 waits for flag, then reads data. The flag accesses race; the data accesses never do (P0
// reads data only after P1 is done with it).
const char* const kMessagePassing = R"(
.var data = 0
.var flag = 0
.func P0()
    r = 0
wait:
    f = load flag
    jz f, wait
    r = load data
    halt
.endfunc
.func P1()
    r = 0
    store data, 7
    store flag, 1
    halt
.endfunc
)";

}  // namespace

// The random walks find the flag accesses racing and the data accesses not; folding the latter
// reaches the same ends as the unreduced graph, in fewer states.
TEST(RaceFree, MessagePassingDataAccessesFold) {
  for (const bool tso : {false, true}) {
    SCOPED_TRACE(tso ? "tso" : "sc");
    Program p(kMessagePassing);
    p.cfg.tso = tso;
    const explore::Locality l = explore::guess_locality(p.img, p.cfg);
    const auto p0 = *p.img.find_function("P0"), p1 = *p.img.find_function("P1");
    EXPECT_TRUE(l.race_free[p0][pc_of(p.img, "P0", isa::Op::Load, "data")]);
    EXPECT_FALSE(l.race_free[p0][pc_of(p.img, "P0", isa::Op::Load, "flag")]);
    EXPECT_TRUE(l.race_free[p1][pc_of(p.img, "P1", isa::Op::Store, "data")]);
    EXPECT_FALSE(l.race_free[p1][pc_of(p.img, "P1", isa::Op::Store, "flag")]);
    p.cfg.interrupt_free = l.interrupt_free;
    FinalRegisters plain, folded;
    const explore::Result without = p.explore(&plain);
    p.cfg.race_free = l.race_free;
    const explore::Result with = p.explore(&folded);
    ASSERT_TRUE(with.complete);
    EXPECT_EQ(folded.finals, plain.finals);
    EXPECT_EQ(folded.finals, explore_finals(kMessagePassing, tso, false));
    EXPECT_EQ(folded.finals, (Finals{{7, 0}}));
    EXPECT_LT(with.states, without.states);
  }
}

// An instruction wrongly guessed race-free (P0's load of flag, which P1 writes while P0 waits)
// ends the exploration at the other CPU's access to the word.
TEST(RaceFree, ARacingAccessStopsTheExploration) {
  Program p(kMessagePassing);
  p.cfg.tso = false;
  p.cfg.interrupt_free = {true, true};
  const auto p0 = *p.img.find_function("P0");
  const std::uint32_t load_flag = pc_of(p.img, "P0", isa::Op::Load, "flag");
  p.cfg.race_free.resize(p.img.functions.size());
  for (std::size_t f = 0; f < p.img.functions.size(); ++f) p.cfg.race_free[f].assign(p.img.functions[f].code.size(), false);
  p.cfg.race_free[p0][load_flag] = true;
  try {
    p.explore();
    ADD_FAILURE() << "P1's store to flag went unnoticed";
  } catch (const explore::Racy& r) {
    EXPECT_EQ(r.folded.func, p0);
    EXPECT_EQ(r.folded.pc, load_flag);
    EXPECT_EQ(r.folded.cpu, 0u);
    EXPECT_EQ(r.cpu, 1u);
    EXPECT_EQ(r.folded.addr, p.img.address("flag", {}));
  }
}

// Every guess at once (CPUs no IPI reaches, private words, race-free instructions and drains),
// as explore_scenario makes them, on programs where store buffering shows (SB), where a store
// must not fold under SC, with private words and with message passing: the same ends as the
// unreduced graph, under TSO and SC.
TEST(RaceFree, AllGuessesReachTheEndsOfTheUnreducedGraph) {
  const std::string sb = R"(
.var x = 0
.var y = 0
.func P0()
    cli
    store x, 1
    r = load y
    halt
.endfunc
.func P1()
    cli
    store y, 1
    r = load x
    halt
.endfunc
)";
  for (const std::string& text : {sb, std::string(kLoadThenStore), std::string(kPrivateWords), std::string(kMessagePassing)})
    for (const bool tso : {false, true}) {
      SCOPED_TRACE(text.substr(0, 40));
      SCOPED_TRACE(tso ? "tso" : "sc");
      Program p(text);
      p.cfg.tso = tso;
      explore::Locality l = explore::guess_locality(p.img, p.cfg);
      p.cfg.interrupt_free = l.interrupt_free;
      p.cfg.owner = l.owner;
      p.cfg.race_free = l.race_free;
      explore::WrongGuesses wrong;
      FinalRegisters finals;
      const explore::Result r = explore::explore_checking_guesses(p.cfg, wrong, [&] { return p.explore(&finals); });
      EXPECT_TRUE(r.complete);
      EXPECT_EQ(finals.finals, explore_finals(text, tso, false));
      if (text == sb) {
        EXPECT_EQ(finals.finals.count({0, 0}), tso ? 1u : 0u);  // both loads before both drains
      }
    }
}

// explore_scenario's loop: a wrong guess is dropped and the exploration starts again, to the same
// ends as the unreduced graph.
TEST(RaceFree, AWrongGuessIsDroppedAndTheExplorationRedone) {
  Program p(kMessagePassing);
  p.cfg.tso = false;
  p.cfg.interrupt_free = {true, true};
  const explore::Locality l = explore::guess_locality(p.img, p.cfg);
  p.cfg.race_free = l.race_free;
  const auto p0 = *p.img.find_function("P0");
  const std::uint32_t load_flag = pc_of(p.img, "P0", isa::Op::Load, "flag");
  p.cfg.race_free[p0][load_flag] = true;  // wrong: P1 writes flag while P0 waits
  explore::WrongGuesses wrong;
  FinalRegisters finals;
  const explore::Result r = explore::explore_checking_guesses(p.cfg, wrong, [&] { return p.explore(&finals); });
  EXPECT_TRUE(r.complete);
  ASSERT_EQ(wrong.racing.size(), 1u);
  EXPECT_EQ(wrong.racing[0].folded.pc, load_flag);
  EXPECT_FALSE(p.cfg.race_free[p0][load_flag]);
  EXPECT_EQ(finals.finals, explore_finals(kMessagePassing, false, false));
}

namespace {

// explore_checking_guesses() with one machine for every run, as explore_scenario() does:
// check_memo runs every step replayed from its memory, so a remembered step that relied on a
// dropped guess and was not forgotten throws.
explore::Result explore_with_one_machine(Program& p, explore::WrongGuesses& wrong, FinalRegisters& finals) {
  p.cfg.check_memo = true;
  std::unique_ptr<explore::Machine> m;
  return explore::explore_checking_guesses(p.cfg, wrong, [&] {
    if (m) m->drop_guesses(p.cfg);
    else m = std::make_unique<explore::Machine>(p.img, p.cfg);
    explore::Explorer ex(*m, finals, {});
    return ex.run();
  });
}

// P0 loads x then y; P1 stores y then x.
const char* const kLoadsThenStores = R"(
.var x = 0
.var y = 0
.func P0()
    a = load x
    b = load y
    halt
.endfunc
.func P1()
    r = 1
    store y, r
    store x, r
    halt
.endfunc
)";

}  // namespace

// The same with one machine for every run, as explore_scenario() does: the steps it remembered
// that relied on the wrong guess are forgotten, the others serve the next run. P0's first step
// folded its load of y (wrongly guessed race-free); after the guess is dropped the same step from
// the same state must stop before it (check_memo runs every replayed step and would throw).
TEST(RaceFree, AfterAWrongGuessTheStepsThatReliedOnItAreForgotten) {
  Program p(kLoadsThenStores);
  p.cfg.tso = false;
  p.cfg.interrupt_free = {true, true};
  const auto p0 = *p.img.find_function("P0");
  p.cfg.race_free.resize(p.img.functions.size());
  for (std::size_t f = 0; f < p.img.functions.size(); ++f) p.cfg.race_free[f].assign(p.img.functions[f].code.size(), false);
  p.cfg.race_free[p0][pc_of(p.img, "P0", isa::Op::Load, "y")] = true;  // wrong: P1 stores y
  explore::WrongGuesses wrong;
  FinalRegisters finals;
  const explore::Result r = explore_with_one_machine(p, wrong, finals);
  EXPECT_TRUE(r.complete);
  ASSERT_EQ(wrong.racing.size(), 1u);
}

// The same for a word wrongly guessed P0's own: P0's first step folded its load of y (P1 stores
// y); after the guess is dropped the step from the same state stops before it.
TEST(PrivateWords, AfterAWrongGuessTheStepsThatReliedOnItAreForgotten) {
  Program p(kLoadsThenStores);
  p.cfg.tso = false;
  p.cfg.interrupt_free = {true, true};
  p.cfg.owner.assign(p.cfg.memory.size(), -1);
  p.cfg.owner[p.img.address("y", {})] = 0;  // wrong: P1 stores y
  explore::WrongGuesses wrong;
  FinalRegisters finals;
  const explore::Result r = explore_with_one_machine(p, wrong, finals);
  EXPECT_TRUE(r.complete);
  ASSERT_EQ(wrong.shared.size(), 1u);
  EXPECT_EQ(finals.finals, explore_finals(kLoadsThenStores, false, false));
}

// And for a CPU wrongly guessed never interrupted: P1's first step, its load of w, folded the cli
// after it (nothing could come between); once P0's IPI shows P1 can be interrupted, that step
// from the same state stops before the cli.
TEST(InterruptFree, AfterAWrongGuessTheStepsThatReliedOnItAreForgotten) {
  Program p(R"(
.var w = 0
.func handler(user)
    wrmsr 0x80b, 0
    iret
.endfunc
.idt 0xfb, handler
.func P0()
    r = 0
    store w, 1
    store w, 2
    wrmsr 0x830, 0x1000000fb
    halt
.endfunc
.func P1()
    r = load w
    cli
    r = load w
    halt
.endfunc
)");
  p.cfg.tso = false;
  p.cfg.interrupt_free = {true, true};  // wrong for P1
  explore::WrongGuesses wrong;
  FinalRegisters finals;
  const explore::Result r = explore_with_one_machine(p, wrong, finals);
  EXPECT_TRUE(r.complete);
  EXPECT_EQ(wrong.interrupted, (std::vector<std::uint32_t>{1}));
}

namespace {

// P0 waits for x to become 1, as csd_lock_wait() waits for the lock bit to clear; P1 sets it in
// the first program and stores 0 in the second.
std::string spin_programs(bool sets) {
  return std::string(R"(
.var x = 0
.func P0()
    r = 0
spin:
    r = load x
    jz r, spin
    halt
.endfunc
.func P1()
    r = 0
)") + (sets ? "    store x, 1\n" : "    store x, 0\n") + "    halt\n.endfunc\n";
}

}  // namespace

// A spinning load that reads what it read before puts the machine back where it was: apply()
// learns it, and the next time the same CPU reads the same value the step is known without being
// run; a different value is not a known self-loop.
TEST(SelfLoops, ASpinIsLearnedAndOnlyForTheSameValue) {
  Program p(spin_programs(true));
  p.cfg.tso = false;  // P1's store is seen at once
  explore::Machine m(p.img, p.cfg);
  const explore::State s = m.initial();
  const explore::Step spin{explore::StepKind::Exec, 0, 0};
  std::string a, b;
  m.encode(s, a);
  m.encode(m.apply(s, spin), b);
  EXPECT_EQ(a, b);
  EXPECT_TRUE(m.known_self_loop(s, spin));
  const explore::State set = m.apply(s, {explore::StepKind::Exec, 1, 0});  // x = 1 (SC: at once)
  EXPECT_FALSE(m.known_self_loop(set, spin));
  std::string c, d;
  m.encode(set, c);
  m.encode(m.apply(set, spin), d);
  EXPECT_NE(c, d);
}

// Self-loops skipped that way are still edges of the graph: a spin nobody ends is a livelock.
TEST(SelfLoops, ASpinThatNeverEndsIsALivelock) {
  const explore::Result never = Program(spin_programs(false)).explore();
  ASSERT_TRUE(never.complete);
  ASSERT_EQ(never.violations.size(), 1u);
  EXPECT_EQ(never.violations[0].finding.kind, "livelock");
  const explore::Result ends = Program(spin_programs(true)).explore();
  ASSERT_TRUE(ends.complete);
  EXPECT_TRUE(ends.violations.empty());
  EXPECT_GE(ends.transitions, ends.states);  // the spins are counted
}

// Two CPUs running the same code from the same registers differ by their number alone, which
// this_cpu addressing reads: a step remembered for one is not the other's (check_memo runs every
// replayed step and would throw), and each CPU counts its own copy up.
TEST(RememberedSteps, TwoCpusInTheSameStateAreTwoCpus) {
  const char* const text = R"(
.percpu n = 0
.func count()
    r = load n[this_cpu]
    store n[this_cpu], r + 1
    r = load n[this_cpu]
    store n[this_cpu], r + 1
    ret r + 1
.endfunc
.func P0()
    r = call count()
    halt
.endfunc
.func P1()
    halt
.endfunc
)";
  for (bool tso : {false, true}) {
    Program p(text);
    p.cfg.tasks = {*p.img.find_function("P0"), *p.img.find_function("P0")};  // one program, two CPUs
    p.cfg.tso = tso;
    FinalRegisters finals;
    const explore::Result r = p.explore(&finals);
    ASSERT_TRUE(r.complete);
    EXPECT_EQ(finals.finals, Finals({{2, 2}})) << (tso ? "tso" : "sc");
  }
}

// The state index: ids in order of first insertion, found again after the table grows.
TEST(StateIndex, IdsInOrderAndStableAcrossGrowth) {
  explore::StateIndex index;
  std::vector<std::string> keys;
  for (int i = 0; i < 5000; ++i) keys.push_back("state-" + std::to_string(i * 7919) + std::string(i % 13, 'x'));
  for (std::size_t i = 0; i < keys.size(); ++i) {
    const auto [id, fresh] = index.insert(keys[i]);
    EXPECT_TRUE(fresh);
    EXPECT_EQ(id, i);
  }
  for (std::size_t i = 0; i < keys.size(); ++i) {
    const auto [id, fresh] = index.insert(keys[i]);
    EXPECT_FALSE(fresh);
    EXPECT_EQ(id, i);
  }
  EXPECT_EQ(index.size(), keys.size());
  EXPECT_TRUE(index.insert(std::string("\0\0", 2)).second);  // keys are bytes, not C strings
  EXPECT_TRUE(index.insert(std::string("\0", 1)).second);
  EXPECT_FALSE(index.insert(std::string("\0\0", 2)).second);
}

// Two IPIs with one vector to a CPU: it may take them one by one (the handler runs twice) or
// both may reach its IRR first and merge into one interrupt (the handler runs once), as on x86.
TEST(Interrupts, IpisWithOneVectorMayMergeInTheIrr) {
  Program p(ipi_programs(2, R"(
.var runs = 0
.func handler(user)
    atomic_add runs, 1
    wrmsr 0x80b, 0
    iret
.endfunc
.idt 0xfb, handler
)"));
  FinalWord runs(p.img.address("runs", {}));
  const explore::Result r = p.explore(&runs);
  EXPECT_TRUE(r.complete);
  EXPECT_EQ(runs.values, (std::set<isa::Word>{1, 2}));
}

// An IPI sent with nothing to interrupt the sender runs with the step before it; the target may
// still take it before or after the sender's next store, as in the unreduced graph.
TEST(Interrupts, AnIpiSentWithInterruptsOffIsFoldedAndTakenAnyTime) {
  const std::string text = R"(
.var x = 0
.var seen = 0
.func handler(user)
    r = load x
    r = r + 1
    store seen, r
    wrmsr 0x80b, 0
    iret
.endfunc
.idt 0xfb, handler
.func P0()
    r = 0
    cli
    store x, 2
    wrmsr 0x830, 0x1000000fb
    store x, 1
    halt
.endfunc
.func P1()
    r = 0
    halt
.endfunc
)";
  for (const bool tso : {false, true}) {
    SCOPED_TRACE(tso ? "tso" : "sc");
    std::set<isa::Word> seen[2];
    std::uint64_t states[2] = {0, 0};
    for (const bool fold : {true, false}) {
      Program p(text);
      p.cfg.tso = tso;
      p.cfg.fold_local_steps = fold;
      FinalWord w(p.img.address("seen", {}));
      const explore::Result r = p.explore(&w);
      EXPECT_TRUE(r.complete);
      seen[fold] = w.values;
      states[fold] = r.states;
    }
    EXPECT_EQ(seen[true], seen[false]);
    // x = 2 or 1 when the handler reads it; under TSO also 0, P0's stores still buffered.
    EXPECT_EQ(seen[true], tso ? (std::set<isa::Word>{1, 2, 3}) : (std::set<isa::Word>{2, 3}));
    EXPECT_LT(states[true], states[false]);
  }
}
