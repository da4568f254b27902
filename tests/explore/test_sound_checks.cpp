// The checks hold for programs nobody shipped: small protocol variants of our own that each check
// must catch (a reordered exit, a missing clear, a missing check), what the reduction must never
// fold, and every shipped explore scenario reduced against unreduced.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <set>
#include <string>

#include "models/isa/assembler.h"
#include "sim/explore/explore_scenario.h"
#include "sim/scenario/json_doc.h"

namespace {

const std::string kExploreDir = std::string(ISOLSIM_SOURCE_DIR) + "/scenarios/explore";

// A scenario of one sender (cpu0) sending sync_core to nohz_full cpu1 once, while cpu1 makes
// `syscalls` system calls, with `program` replacing kernel functions.
explore::ScenarioOutcome variant(const std::string& protocol, const std::string& program, int syscalls = 1,
                                 bool unreduced = false) {
  std::string steps;
  for (int i = 0; i < syscalls; ++i) steps += std::string(i ? ", " : "") + "{\"syscall\": \"getpid\"}";
  nlohmann::json programs = nlohmann::json::array({{{"file", "sync_core_on.s"}}});
  if (!program.empty()) programs.push_back({{"inline", program}});
  const nlohmann::json j = {
      {"name", "variant"},
      {"platform", {{"cpus", 2}}},
      {"kernel", {{"protocol", protocol}, {"nohz_full", {1}}}},
      {"programs", programs},
      {"workload", {{"0", nlohmann::json::parse(R"([{"syscall": "sync_core_on", "cpus": "1"}])")},
                    {"1", nlohmann::json::parse("[" + steps + "]")}}},
      {"run", {{"cycles", 100000}}}};
  const scenario::JsonDoc doc = scenario::JsonDoc::parse(j.dump(), kExploreDir + "/variant.json");
  const scenario::Scenario s = scenario::load_scenario(doc);
  explore::ScenarioOptions o;
  o.unreduced = unreduced;
  return explore::explore_scenario(doc, s, o);
}

std::vector<std::string> kinds(const explore::ScenarioOutcome& o) {
  std::vector<std::string> k;
  for (const explore::Violation& v : o.result.violations)
    if (!v.finding.note) k.push_back(v.finding.kind);
  return k;
}

bool has(const std::vector<std::string>& k, const std::string& kind) {
  return std::find(k.begin(), k.end(), kind) != k.end();
}

}  // namespace

// (a) Where a CPU is comes from its state word. RFC v1's exit re-enables deferral (ct->work = 0)
// after ct_state_inc(); this variant does it before, so for a moment the CPU is in the kernel
// (its state says so) and accepts work, which then waits for its next entry. A ledger that took
// "left the kernel" from anything but the state word (a tracepoint on the way out, the privilege
// mode) would call this variant correct.
TEST(SoundChecks, AReorderedExitIsJudgedByTheStateItLeaves) {
  EXPECT_TRUE(kinds(variant("rfc1", "")).empty());
  const explore::ScenarioOutcome o = variant("rfc1", R"(
.func ct_kernel_exit_state(offset)
    store ct.work[this_cpu], 0                 ; ct_work_clear() first: the variant
    seq = atomic_add_return ct.state[this_cpu], offset
    ret seq
.endfunc
)");
  EXPECT_TRUE(has(kinds(o), "deferred_to_kernel")) << o.text;
}

// (c) Work that runs again after its flush is a double execution, whatever path runs it: a v7
// exit that leaves the work bits set (RFC v2 and v3 compile their clear out) flushes the same
// work again at the next entry, with no IPI involved.
TEST(SoundChecks, WorkRunAgainAtTheNextEntryIsADoubleExecution) {
  EXPECT_TRUE(kinds(variant("v7", "", 2)).empty());
  const explore::ScenarioOutcome o = variant("v7", R"(
.func ct_kernel_exit_state(offset)
    seq = atomic_add_return ct.state[this_cpu], offset   ; ct_state_inc(): the bits stay
    ret seq
.endfunc
)", 2);
  const std::vector<std::string> k = kinds(o);
  EXPECT_TRUE(has(k, "double_execution")) << o.text;
  EXPECT_FALSE(has(k, "spurious_work")) << o.text;  // the second run is the same request's
}

// (e) A sender that posts without testing where the target is (one cmpxchg on whatever it read)
// defers work into a kernel stay, which ends clearing it: deferred to the kernel, and lost.
TEST(SoundChecks, ASenderWithoutTheCheckDefersIntoTheKernel) {
  const explore::ScenarioOutcome o = variant("v7", R"(
.func ct_set_cpu_work(cpu, work)
    old = load ct.state[cpu]
    bits = work << CT_WORK_START
    new = old | bits
    ok, old = cmpxchg ct.state[cpu], old, new @post(cpu, bits)
    ret ok
.endfunc
)");
  const std::vector<std::string> k = kinds(o);
  EXPECT_TRUE(has(k, "deferred_to_kernel")) << o.text;
  EXPECT_TRUE(has(k, "lost_work")) << o.text;
}

// An entry that flushes what it read before its state says kernel: work deferred in between is
// due in that stay and never runs.
TEST(SoundChecks, AnEntryThatFlushesBeforeItsStateChangeLosesWork) {
  const explore::ScenarioOutcome o = variant("v7", R"(
.func ct_kernel_enter_state(offset)
    seq = load ct.state[this_cpu] @consume(CT_WORK_MASK)
    call ct_work_flush(seq)
    seq = atomic_add_return ct.state[this_cpu], offset
    ret seq
.endfunc
)");
  EXPECT_TRUE(has(kinds(o), "lost_work")) << o.text;
}

// (b) What a check reads is never folded. The ledger reads the IPI-decision tracepoint
// (csd_queue_cpu) and every write of a state word: even where nothing else can come between (interrupts off, on a
// CPU no IPI reaches, a word no other CPU touches), each is a step of its own.
TEST(SoundChecks, TheReductionFoldsNothingTheLedgerReads) {
  const char* text = R"(
.percpu ct.state = 2
.func where(state)
    jz state & 1, quiescent
    ret CT_WHERE_KERNEL
quiescent:
    ret CT_WHERE_USER
.endfunc
.ctstate ct.state, where
.func P0()
    cli
    trace csd_queue_cpu(1, 0, 0, 0)
    trace some_other_tracepoint(1)
    atomic_or ct.state[this_cpu], 1
    x = 1
    halt
.endfunc
.func P1()
    halt
.endfunc
)";
  const isa::Image img = isa::assemble({{"t.s", text, 0}}, {{"NR_CPUS", 2}, {"ALL_CPUS", 3}, {"CT_WHERE_KERNEL", 0},
                                                            {"CT_WHERE_USER", 2}});
  explore::MachineConfig cfg;
  cfg.tasks = {*img.find_function("P0"), *img.find_function("P1")};
  cfg.memory = img.initial_memory();
  cfg.isolated = {true, false};
  cfg.interrupt_free = {true, true};
  cfg.owner.assign(cfg.memory.size(), -1);
  cfg.owner[img.address("ct.state", {0})] = 0;
  explore::Machine m(img, cfg);
  explore::State s = m.initial();
  std::vector<std::string> visible;
  for (int i = 0; i < 3; ++i) {
    explore::StepRecord rec;
    s = m.apply(s, explore::Step(explore::StepKind::Exec, 0, 0), &rec);
    const isa::Instruction& in = img.functions[rec.func].code[rec.pc];
    visible.push_back(in.op == isa::Op::Trace ? img.strings[in.name] : isa::op_name(in.op));
    for (const explore::StepRecord& f : rec.folded) {
      const isa::Instruction& fin = img.functions[f.func].code[f.pc];
      EXPECT_FALSE(fin.op == isa::Op::Trace && img.strings[fin.name] == "csd_queue_cpu");
    }
  }
  // cli and the tracepoint the ledger ignores fold into the steps before them; the decision and
  // the state word's write do not.
  EXPECT_EQ(visible, (std::vector<std::string>{"csd_queue_cpu", "atomic_or", "halt"}));
}

// (d) Every shipped explore scenario, reduced and unreduced: the same violations and windows and
// the same ends. The unreduced graph of the larger ones is bounded (depth first, so that it
// reaches ends): then every end and every kind of violation it finds, the reduced one finds.
class ReducedAgainstUnreduced : public ::testing::TestWithParam<std::string> {};

TEST_P(ReducedAgainstUnreduced, SameVerdictsAndEnds) {
  const scenario::JsonDoc doc = scenario::JsonDoc::load_file(kExploreDir + "/" + GetParam());
  const scenario::Scenario s = scenario::load_scenario(doc);
  explore::ScenarioOptions o;
  o.explore.collect_ends = true;
  const explore::ScenarioOutcome reduced = explore::explore_scenario(doc, s, o);
  ASSERT_TRUE(reduced.result.complete) << reduced.text;
  o.unreduced = true;
  o.explore.depth_first = true;
  o.explore.bounds.max_states = 600000;
  const explore::ScenarioOutcome unreduced = explore::explore_scenario(doc, s, o);
  auto all_kinds = [](const explore::ScenarioOutcome& x) {
    std::vector<std::string> k;
    for (const explore::Violation& v : x.result.violations) k.push_back(v.finding.kind);
    std::sort(k.begin(), k.end());
    return k;
  };
  const std::vector<std::string>& ends = reduced.result.ends;
  if (unreduced.result.complete) {
    EXPECT_EQ(all_kinds(unreduced), all_kinds(reduced));
    EXPECT_EQ(unreduced.result.ends, ends);
  } else {
    for (const std::string& k : all_kinds(unreduced)) EXPECT_TRUE(has(all_kinds(reduced), k)) << k;
    EXPECT_FALSE(unreduced.result.ends.empty());
    for (const std::string& e : unreduced.result.ends)
      EXPECT_TRUE(std::binary_search(ends.begin(), ends.end(), e)) << "an end the reduced exploration misses";
  }
}

std::vector<std::string> shipped_scenarios() {
  std::vector<std::string> files;
  for (const auto& e : std::filesystem::directory_iterator(kExploreDir))
    if (e.path().extension() == ".json") files.push_back(e.path().filename().string());
  std::sort(files.begin(), files.end());
  return files;
}

INSTANTIATE_TEST_SUITE_P(Shipped, ReducedAgainstUnreduced, ::testing::ValuesIn(shipped_scenarios()),
                         [](const ::testing::TestParamInfo<std::string>& i) {
                           std::string n = i.param.substr(0, i.param.size() - 5);
                           std::replace(n.begin(), n.end(), '-', '_');
                           return n;
                         });

// An NMI comes whatever IF says: with one pending, nothing a CPU does with interrupts off is
// thread-local any more. Here the NMI handler reads, through store forwarding, a word its CPU
// writes twice with IF clear: folding the second store into the first step would hide the 1.
TEST(SoundChecks, AnNmiCanComeBetweenInstructionsRunWithInterruptsOff) {
  const char* text = R"(
.var flag = 0
.var seen = 99
.func nmi(user)
    v = load flag
    store seen, v
    iret
.endfunc
.idt 2, nmi
.func P0()
    cli
    store flag, 1
    store flag, 2
    halt
.endfunc
.func P1()
    halt
.endfunc
)";
  const isa::Image img = isa::assemble({{"t.s", text, 0}}, {{"NR_CPUS", 2}, {"ALL_CPUS", 3}});
  auto seen = [&](bool fold) {
    explore::MachineConfig cfg;
    cfg.tasks = {*img.find_function("P0"), *img.find_function("P1")};
    cfg.memory = img.initial_memory();
    cfg.fold_local_steps = fold;
    cfg.interrupt_free = {true, true};  // no IPI reaches either: only the NMI interrupts cpu0
    cfg.nmis = {1, 0};
    explore::Machine m(img, cfg);
    std::set<isa::Word> values;
    class Seen : public explore::Checker {
     public:
      Seen(isa::Addr a, std::set<isa::Word>& v) : a_(a), v_(v) {}
      void check(const explore::Machine& m, const explore::State& s, bool terminal, std::vector<explore::Finding>&) override {
        if (terminal) v_.insert(m.read(s, a_));
      }
     private:
      isa::Addr a_;
      std::set<isa::Word>& v_;
    } checker(img.address("seen", {}), values);
    explore::Explorer ex(m, checker, {});
    EXPECT_TRUE(ex.run().complete);
    return values;
  };
  EXPECT_EQ(seen(false), (std::set<isa::Word>{0, 1, 2}));
  EXPECT_EQ(seen(true), seen(false));
}
