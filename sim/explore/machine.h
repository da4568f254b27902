// The explorer's machine: the scenario's CPUs stepped one memory access at a time under x86-TSO
// (store buffers drain as separate steps), local APICs reduced to IRR/ISR and IPIs in flight, and
// the deferral ledger as ghost state. No time and no SystemC: every order is possible.
#pragma once

#include <algorithm>
#include <cstdint>
#include <memory>
#include <string>
#include <unordered_set>
#include <vector>

#include "models/isa/executor.h"
#include "models/kernel/deferral_ledger.h"
#include "sim/explore/state_index.h"

namespace explore {

// One step of the interleaving. Exec runs the CPU's next visible instruction (with the
// thread-local instructions after it, see Machine::settle); Interrupt is the CPU taking a vector
// at that boundary instead of its next instruction.
//
// An IPI's arrival in the IRR is not a step of its own: it commutes with every step but the
// target's taking it, so it is folded into that. An IPI in flight may be taken at any boundary
// of its target where it is deliverable (IF set, its class above the ISR's), and `copies` of
// those in flight with one vector may arrive together and merge (the IRR has one bit per vector).
// Waiting longer in flight is the same as arriving later: its latency is not bounded.
// Timer is the CPU taking its LAPIC timer's interrupt: there is no clock, so a TSC deadline
// written fires at any later boundary where the interrupt is deliverable. An NMI in flight is
// taken whatever IF and the ISR say, unless the CPU is still in an NMI handler.
enum class StepKind : std::uint8_t { Exec, Drain, Interrupt, Timer };

const char* step_kind_name(StepKind k);  // "exec", "drain", "irq", "timer"

struct Step {
  Step() = default;
  Step(StepKind k, std::uint32_t c, std::uint8_t v, std::uint8_t n = 1) : cpu(c), kind(k), vector(v), copies(n) {}
  std::uint32_t cpu = 0;
  StepKind kind = StepKind::Exec;
  std::uint8_t vector = 0;  // Interrupt
  std::uint8_t copies = 1;  // Interrupt: IPIs in flight with that vector that merge into it
  bool operator==(const Step& o) const {
    return kind == o.kind && cpu == o.cpu && vector == o.vector && copies == o.copies;
  }
};  // 8 bytes: the state graph keeps one per edge

struct Ipi {
  std::uint32_t to;
  std::uint8_t vector;
  bool operator<(const Ipi& o) const { return to != o.to ? to < o.to : vector < o.vector; }
  bool operator==(const Ipi& o) const { return to == o.to && vector == o.vector; }
};

// The ISR, one bit per vector (SDM 11.8.4), and the TSC deadline armed (0: none): trivially
// copied with its state.
struct Apic {
  std::uint64_t isr[4] = {0, 0, 0, 0};
  isa::Word tsc_deadline = 0;
  int highest() const {  // the vector in service with the highest priority, -1 for none
    for (int w = 3; w >= 0; --w)
      if (isr[w]) return w * 64 + 63 - __builtin_clzll(isr[w]);
    return -1;
  }
  void set(std::uint8_t v) { isr[v / 64] |= std::uint64_t(1) << (v % 64); }
  void end_of_interrupt() {  // the EOI clears the highest bit in service
    if (int v = highest(); v >= 0) isr[v / 64] &= ~(std::uint64_t(1) << (v % 64));
  }
  bool operator==(const Apic& o) const {
    return isr[0] == o.isr[0] && isr[1] == o.isr[1] && isr[2] == o.isr[2] && isr[3] == o.isr[3] &&
           tsc_deadline == o.tsc_deadline;
  }
  bool operator!=(const Apic& o) const { return !(*this == o); }
};

// An access folded into a CPU's last step because its instruction was guessed race-free
// (MachineConfig::race_free): until the CPU's next step it might, in an unreduced execution, not
// have happened yet, so no other CPU may touch the word meanwhile. A race-free store's drain,
// done as soon as it reaches the head of the buffer, could have waited until the CPU's next
// drain or fence (or locked op, or iret): its mark stays until then.
struct Pending {
  std::uint32_t cpu;
  isa::Addr addr;
  std::uint32_t func, pc;  // the instruction (a drain: the store)
  bool until_fence = false;
  bool operator<(const Pending& o) const {
    if (cpu != o.cpu) return cpu < o.cpu;
    if (addr != o.addr) return addr < o.addr;
    if (func != o.func) return func < o.func;
    if (pc != o.pc) return pc < o.pc;
    return until_fence < o.until_fence;
  }
  bool operator==(const Pending& o) const {
    return cpu == o.cpu && addr == o.addr && func == o.func && pc == o.pc && until_fence == o.until_fence;
  }
};

// The ledger is shared between states until a step changes it; `id` names its fingerprint (equal
// ids, equal ledgers as far as any check can tell).
struct LedgerRef {
  std::shared_ptr<const kernel::DeferralLedger> ledger;
  std::uint32_t id = 0;
};

// One CPU of a state, shared by the states a step did not change (copy on write), with the id of
// its canonical bytes kept once known: most steps change one CPU of several, and a state's key
// holds CPU ids, not CPU bytes.
class CpuRef {
 public:
  static constexpr std::uint32_t kNoId = ~std::uint32_t(0);
  CpuRef() : p_(std::make_shared<Shared>()) {}
  const isa::CpuState& operator*() const { return p_->cpu; }
  const isa::CpuState* operator->() const { return &p_->cpu; }
  isa::CpuState& write() {
    if (p_.use_count() > 1) p_ = std::make_shared<Shared>(Shared{p_->cpu, kNoId});
    p_->id = kNoId;
    return p_->cpu;
  }
  // `intern(cpu)` gives the id of the CPU's canonical bytes; it is asked once per version.
  template <class Intern>
  std::uint32_t id(Intern intern) const {
    if (p_->id == kNoId) p_->id = intern(p_->cpu);
    return p_->id;
  }

 private:
  struct Shared {
    isa::CpuState cpu;
    std::uint32_t id = kNoId;
  };
  std::shared_ptr<Shared> p_;
};

struct State {
  std::vector<CpuRef> cpus;
  std::vector<Apic> apics;
  std::vector<Ipi> in_flight;                                // sent, not taken yet (sorted)
  std::vector<std::pair<isa::Addr, isa::Word>> memory;       // words that differ from boot (sorted)
  std::vector<Pending> pending;                              // sorted
  LedgerRef ledger;
};

// One memory access, as Machine::log_accesses() records it, or a fence: an instruction that
// waits for the CPU's store buffer to drain (no address).
struct Access {
  std::uint32_t cpu;
  isa::Addr addr;
  std::uint32_t func, pc;  // the instruction (a drain: the store that buffered it)
  bool drain;
  bool fence = false;
};

// What a step touched: every word it accessed (read or written; folded accesses and drains too),
// every word whose has_tokens_at() a folding decision read, and, if it fed the ledger, every word
// whose has_tokens_at() that changed. Two steps of different CPUs with no word in common, not both
// feeding the ledger (its events do not commute) and neither `opaque` (taking an interrupt)
// commute (Machine::commute). Sending an IPI commutes with another CPU's Exec or Drain: only its
// target's taking it reads what is in flight.
struct Footprint {
  std::vector<isa::Addr> words;  // sorted, unique
  bool ledger = false;
  bool opaque = false;
};

// What one step did, for counter-example tables and replays.
struct StepRecord {
  Step step;
  isa::Effect effect;           // Exec: the visible instruction
  std::uint32_t func = 0, pc = 0; // Exec: the instruction; Drain: the store that buffered it
  isa::Addr addr = 0;           // Drain: the word written
  isa::Word old = 0, value = 0; // Drain: before and after
  std::vector<std::uint32_t> ipis_to;  // Exec of an ICR write: the targets
  bool from_user = false;       // Interrupt, Timer
  bool from_idle = false;       // ... taken in HLT
  bool store_visible = false;   // Exec of a store under SC: it reached memory in the same step
  // Exec: the accesses of race-free instructions, drains of their stores and the IPIs sent folded
  // into this step, in order, one record each (counter-examples show them as rows of their own)
  std::vector<StepRecord> folded;
};

// Thrown when an IPI is sent to a CPU MachineConfig::interrupt_free assumed none would reach.
struct NotInterruptFree {
  std::uint32_t cpu;
};

// Thrown when work is posted to a CPU that MachineConfig::deferral_targets assumed none would be
// posted to.
struct NotDeferralTarget {
  std::uint32_t cpu;
};

// Thrown when a CPU touches a word MachineConfig::owner gave to another CPU.
struct NotPrivate {
  isa::Addr addr;
  std::uint32_t cpu;
};

// Thrown when `cpu` touches `addr` while another CPU's access there, by an instruction guessed
// race-free, is Pending.
struct Racy {
  Pending folded;
  std::uint32_t cpu;
};

struct MachineConfig {
  std::vector<std::uint32_t> tasks;   // per CPU
  std::vector<isa::Word> memory;      // at boot
  std::vector<bool> isolated;         // nohz_full CPUs (the ledger watches deliveries to them)
  std::size_t store_buffer_entries = 56;  // Skylake, as the timed core
  bool tso = true;                        // false: sequential consistency (a store is visible at once)
  std::uint32_t max_local_steps = 100000;  // a loop with no memory access is a runaway program
  // Run thread-local instructions as part of the step before them (the reduction, see settle());
  // false makes every instruction a step: the unreduced graph, to cross-check the reduction.
  bool fold_local_steps = true;
  // Remember what Exec and Drain steps did, by their CPU and the values of the words they touched
  // (machine_memo.cpp), and replay it when those recur; `check_memo` runs each replayed step
  // anyway and throws std::logic_error if the states differ (tests).
  bool memo_steps = true;
  bool check_memo = false;
  // Remember every ledger update, give each distinct ledger an id (encode() and the memory of
  // steps need them) and learn self-loops. false, for the random walks, which encode no state
  // (memo_steps false too): a long run then holds one ledger, not one per event of a growing one.
  bool remember_ledgers = true;
  // CPUs assumed never to receive an IPI: on them nothing can interrupt, so cli, stores and
  // requests with IF set, and on CPUs that are not nohz_full syscall and sysret, are thread-local.
  // An IPI sent to one of them throws NotInterruptFree: the exploration is redone without the
  // assumption (see guess_locality).
  std::vector<bool> interrupt_free;
  // Per memory word: the one CPU assumed to be the only one that ever touches it, or -1 (empty:
  // none). Its loads, stores, locked ops and drains there are thread-local while nothing can
  // interrupt it (drains always). Another CPU's access throws NotPrivate.
  std::vector<std::int32_t> owner;
  // Per function and pc: instructions assumed never to access a word while another CPU could
  // access it too (between the CPU's previous step and this access; for a store under TSO, from
  // then until the CPU's next drain or fence, as long as its drain could wait). Their loads and locked ops
  // (and, under SC, stores) are folded while nothing can interrupt the CPU, under TSO their
  // stores drain as soon as they reach the head of the buffer, and each stays Pending; an access
  // by another CPU to a Pending word throws Racy.
  std::vector<std::vector<bool>> race_free;
  // Per CPU: work may be posted to it (nohz_full CPUs, and housekeeping CPUs a sender defers to
  // because it does not test ct->active): the ledger reads its state word, so accesses to that
  // word are never folded. Posting to another CPU throws NotDeferralTarget (empty: every CPU).
  std::vector<bool> deferral_targets;
  // Per CPU: NMIs in flight at boot (an NMI source such as the perf NMI watchdog: each arrives at
  // any instruction boundary).
  std::vector<std::uint8_t> nmis;
};

class Machine {
 public:
  Machine(const isa::Image& img, MachineConfig cfg);

  State initial();
  // The steps enabled in `s`, in a fixed order (CPU, then kind), into `out` (cleared first).
  void enabled(const State& s, std::vector<Step>& out) const;
  // `s` after `step`; `rec` (optional) says what happened. Throws isa::Fault for a program error.
  State apply(const State& s, const Step& step, StepRecord* rec = nullptr);
  // Whether `step` is known to lead from `s` back to `s`: a load, with nothing folded after it
  // but register work, that puts its CPU back where it was (a spin such as csd_lock_wait()
  // reading the same value again). apply() learns these; the answer is cheap and always right.
  bool known_self_loop(const State& s, const Step& step) const;
  // What the last apply() touched, as an id (0: opaque); equal ids, equal footprints. Explorer::run
  // keeps one per edge, and steps remembered keep theirs (machine_memo.cpp).
  std::uint32_t footprint() const { return footprint_id_; }
  // Whether steps of different CPUs with footprints `a` and `b` commute (see Footprint).
  bool commute(std::uint32_t a, std::uint32_t b) const;
  // Takes `next`'s guesses (interrupt_free, owner, race_free), which may only drop some of this
  // machine's (explore_checking_guesses() after a wrong one): the steps remembered that relied on
  // a dropped one, and the self-loops learned, are forgotten, the rest kept for the next run.
  void drop_guesses(const MachineConfig& next);
  // What the steps remembered and the CPU and ledger ids hold, estimated (cheap: a running count).
  std::uint64_t memory_bytes() const;
  // Every CPU halted or idle with nothing to interrupt it, nothing buffered, nothing in flight:
  // an execution's end.
  bool terminal(const State& s) const;
  // The canonical bytes of a state: equal bytes, same state.
  void encode(const State& s, std::string& out) const;
  // An end of an execution as any exploration of the same scenario sees it, reduced or not:
  // memory, CPUs, APICs, what is in flight and the ledger, without interned ids or the
  // reduction's pending marks.
  std::string describe_end(const State& s) const;

  const isa::Image& image() const { return img_; }
  // From now on every access of every step is appended to `log` (nullptr: no more).
  void log_accesses(std::vector<Access>* log) { log_ = log; }
  const MachineConfig& config() const { return cfg_; }
  isa::Word read(const State& s, isa::Addr a) const;  // memory, not store buffers
  std::vector<isa::Word> full_memory(const State& s) const;
  // Whether `vector` may interrupt a CPU whose APIC is `a` (SDM 11.8.3.1: its class above the
  // ISR's).
  static bool deliverable(const Apic& a, std::uint8_t vector);

 private:
  void settle(State& s, std::uint32_t cpu);
  static void encode_cpu(const isa::CpuState& cpu, std::string& out);
  static void encode_shared(const State& s, std::string& out);
  // f(vector, copies) for each vector of the IPIs in flight to `cpu` that it could take now.
  template <class F>
  void for_each_takeable(const State& s, std::uint32_t cpu, F f) const {
    const isa::CpuState& c = *s.cpus[cpu];
    for (std::size_t i = 0; i < s.in_flight.size();) {
      std::size_t j = i + 1;
      while (j < s.in_flight.size() && s.in_flight[j] == s.in_flight[i]) ++j;
      const std::uint8_t v = s.in_flight[i].vector;
      const bool takeable = v == isa::kNmiVector ? !isa::in_nmi(c) : c.interrupts_enabled && deliverable(s.apics[cpu], v);
      // NMIs do not merge: each is one step (copies 1).
      if (s.in_flight[i].to == cpu && takeable)
        f(v, static_cast<std::uint8_t>(v == isa::kNmiVector ? 1 : std::min<std::size_t>(j - i, 255)));
      i = j;
    }
  }
  // An NMI in flight to `cpu` that it could take at its next boundary (none while in an NMI
  // handler): it comes whatever IF says.
  bool nmi_pending(const State& s, const isa::CpuState& cpu) const {
    return std::binary_search(s.in_flight.begin(), s.in_flight.end(), Ipi{cpu.id, isa::kNmiVector}) && !isa::in_nmi(cpu);
  }
  // Nothing can interrupt `cpu` just before its next instruction: IF is clear or no IPI reaches
  // it, and no NMI is pending.
  bool uninterruptible(const State& s, const isa::CpuState& cpu) const {
    return (!cpu.interrupts_enabled || cfg_.interrupt_free[cpu.id]) && !nmi_pending(s, cpu);
  }
  // Nothing can interrupt `cpu` at all now, whatever IF becomes.
  bool never_interrupted(const State& s, const isa::CpuState& cpu) const {
    return cfg_.interrupt_free[cpu.id] && !nmi_pending(s, cpu);
  }
  // Whether the LAPIC timer's interrupt could be taken now.
  bool timer_takeable(const State& s, std::uint32_t cpu) const {
    return s.apics[cpu].tsc_deadline != 0 && s.cpus[cpu]->interrupts_enabled && deliverable(s.apics[cpu], kTimerVector);
  }
  static constexpr std::uint8_t kTimerVector = 0xec;  // LOCAL_TIMER_VECTOR
  std::uint32_t intern_cpu(const isa::CpuState& cpu) const;
  void keep_differences(State& t);  // after a step: t's memory diff from mem_, mem_ back to boot
  template <class Feed>
  void update_ledger(State& s, Feed feed);
  bool invisible(const State& s, const isa::CpuState& cpu, const isa::Instruction& in) const;
  bool private_access(const State& s, const isa::CpuState& cpu, const isa::Instruction& in) const;
  bool race_free_access(const State& s, const isa::CpuState& cpu, const isa::Instruction& in) const;
  bool owned_by(isa::Addr a, std::uint32_t cpu) const {
    return a < cfg_.owner.size() && cfg_.owner[a] == static_cast<std::int32_t>(cpu);
  }
  void drop_drain_marks(State& s, std::uint32_t cpu);
  void note_access(const State& s, std::uint32_t cpu, isa::Addr a, std::uint32_t func, std::uint32_t pc, bool drain);
  bool loaded_value(const State& s, const isa::CpuState& cpu, const isa::Instruction& in, isa::Addr& addr,
                    isa::Word& value) const;
  void learn_self_loop(const State& s, const State& t, const Step& step);
  State apply_step(const State& s, const Step& step, StepRecord* rec);
  std::uint32_t intern_footprint();  // footprint_'s id
  // What a step left, as machine_memo.cpp remembers it; its guard is its footprint (the words'
  // values and has_tokens_at() before it, and the ledger's id if it fed the ledger).
  struct StepResult {
    std::vector<isa::Word> after;  // the words' values after it
    CpuRef cpu;                    // the CPU after it (shared)
    Apic apic;
    std::vector<Pending> own;      // the CPU's pending marks after it
    std::vector<Ipi> sent;
    LedgerRef ledger;              // after it, when it fed the ledger
    std::vector<Access> log;       // its accesses, when the machine logs them (log_accesses())
    std::uint32_t number = 0;      // the CPU's
    std::vector<std::uint64_t> guesses;  // the guesses it relied on (guessed_own())
    bool forgotten = false;        // one of them, or its CPU's being interrupt-free, was dropped
  };
  void step_key(const State& s, const Step& step);
  void step_guard(const State& s, std::uint32_t key, std::uint32_t footprint);
  const StepResult* recall_step(const State& s, const Step& step, std::uint32_t& key, std::uint32_t& footprint);
  State replay_step(const State& s, const Step& step, std::uint32_t footprint, const StepResult& r);
  StepResult* remember_step(std::uint32_t key, const State& s, const State& t, const Step& step);

  void exec(State& s, std::uint32_t cpu, StepRecord* rec);
  void exec_folded(State& s, std::uint32_t cpu, bool shown);
  void drain(State& s, std::uint32_t cpu, StepRecord* rec = nullptr);
  void hardware_register_write(State& s, std::uint32_t cpu, const isa::Effect& e, StepRecord* rec);
  const kernel::DeferralLedger& ledger(const State& s) const;
  // A guess (MachineConfig::owner, race_free) a folding decision relied on, noted for the step's
  // memory: drop_guesses() forgets the steps that relied on one it drops.
  bool guessed_own(isa::Addr a, std::uint32_t cpu) const {
    const bool own = owned_by(a, cpu);
    if (own) guesses_used_.push_back(std::uint64_t(a) << 1);
    return own;
  }
  bool guessed_race_free(std::uint32_t func, std::uint32_t pc) const {
    const bool free = cfg_.race_free[func][pc];
    if (free) guesses_used_.push_back((std::uint64_t(func) << 33) | (std::uint64_t(pc) << 1) | 1);
    return free;
  }
  // has_tokens_at(a), with `a` noted in the footprint: a folding decision read it.
  bool tokens_at(const State& s, isa::Addr a) const {
    footprint_.words.push_back(a);
    return ledger(s).has_tokens_at(a);
  }
  // Whether a write to `a` feeds the ledger (work posted there, or a state word it reads): such an
  // access is a step of its own, never folded.
  bool watched(const State& s, isa::Addr a) const {
    const std::int32_t c = ct_.cpu_of(a);
    return (c >= 0 && (cfg_.deferral_targets.empty() || cfg_.deferral_targets[c])) || tokens_at(s, a);
  }
  void track(State& s, isa::Addr addr);
  void load(const State& s);
  void unload(const State& s);

  const isa::Image& img_;
  MachineConfig cfg_;
  kernel::CtStateReader ct_;       // the ledger reads the state words through it
  std::vector<bool> ledger_trace_;  // per tracepoint name: the ledger reads it
  // Variables no instruction writes by name or takes the address of: loads of them read boot
  // values, so they are thread-local and folded; a write that lands in one faults (Machine()).
  std::vector<bool> constant_var_;
  std::vector<int> var_at_;  // address -> variable index, -1 for none
  std::vector<isa::Word> mem_;    // boot memory, with the current state's differences loaded
  // guess_locality(): every access of the step being applied
  std::vector<Access>* log_ = nullptr;
  std::uint32_t accesses_ = 0;  // memory accesses in the step being applied
  StepRecord* rec_ = nullptr;   // the step being applied's record, if asked for
  mutable Footprint footprint_;  // of the step being applied
  std::uint32_t footprint_id_ = 0;       // of the last step applied
  StateIndex footprint_ids_;             // footprints seen ...
  std::vector<Footprint> footprints_;    // ... by id - 1
  mutable std::vector<std::uint64_t> guesses_used_;  // by the step being applied (guessed_own())
  std::string step_key_;                    // (CPU id, kind, APIC, own marks)
  StateIndex step_keys_;                    // ... -> id
  std::vector<std::vector<std::uint32_t>> step_footprints_;  // by that id: the footprints seen
  StateIndex step_guards_;                  // (key id, footprint id, values, tokens[, ledger id]) -> id
  std::vector<StepResult> step_results_;    // by that id
  std::uint64_t remembered_bytes_ = 0;      // footprints_ and step_results_, estimated
  // (CPU version id, value loaded) of the loads known to be self-loops
  struct LoadKey {
    std::uint32_t cpu;
    isa::Word value;
    bool operator==(const LoadKey& o) const { return cpu == o.cpu && value == o.value; }
  };
  struct LoadKeyHash {
    std::size_t operator()(const LoadKey& k) const { return std::hash<isa::Word>{}(k.value * 0x9e3779b97f4a7c15ull ^ k.cpu); }
  };
  std::unordered_set<LoadKey, LoadKeyHash> self_loops_;

  std::uint64_t clock_ = 0;       // ledger "cycles": one per step, never repeated
  std::uint32_t ledger_events_ = 0;  // in the step being applied
  std::string ledger_key_;           // the event being fed to the ledger
  StateIndex ledger_events_seen_;     // (event, ledger id) ...
  std::vector<LedgerRef> ledger_after_;  // ... -> the ledger after it, by the same id
  std::vector<std::vector<isa::Addr>> tokens_changed_;  // ... and the words has_tokens_at() changed at
  // Canonical bytes of every distinct CPU state and ledger seen, by id: a state's key is ids.
  mutable StateIndex cpu_ids_, ledger_ids_;
  mutable std::string scratch_;
};

}  // namespace explore
