// The reduction of the explorer's machine: which instructions run as part of the step before
// them (thread-local ones, and accesses the guesses make local: words one CPU owns, instructions
// that never race), and the settling of a CPU up to its next visible step.
#include <algorithm>

#include "sim/explore/machine.h"

namespace explore {

namespace {
constexpr std::uint32_t kMsrIcr = 0x830;
}  // namespace

// Thread-local instructions run as part of the step before them (a reduction in Lipton's sense:
// they commute with every other CPU's steps and with this CPU's interrupts, whose handlers run in
// frames of their own). A plain store is local only while IF is clear: a handler could read it
// back through store forwarding, so with interrupts on it is a step of its own.
bool Machine::invisible(const State& s, const isa::CpuState& cpu, const isa::Instruction& in) const {
  using isa::Op;
  if (!in.notes.empty()) return false;
  if (private_access(s, cpu, in)) return true;
  switch (in.op) {
    case Op::Set: case Op::Lea: case Op::Jmp: case Op::Jz: case Op::Jnz:
    case Op::Call: case Op::CallInd: case Op::Ret: case Op::Pause:
    case Op::Compute: case Op::Rdtsc: case Op::Halt:
      return true;
    case Op::Trace:  // the deferral decisions the ledger reads are steps: where they fall matters
      return !ledger_trace_[in.name];
    case Op::Mfence: case Op::Serialize:
      return cpu.store_buffer.empty();
    case Op::Store:  // into the store buffer; under SC it is a write other CPUs see at once
      return cfg_.tso && uninterruptible(s, cpu) && cpu.store_buffer.size() < cfg_.store_buffer_entries;
    case Op::Request:
      return uninterruptible(s, cpu);
    // Only an interrupt taken just before them tells these from thread-local instructions (the
    // ledger watches the modes of the CPUs it follows only: deferral decisions read the target's).
    case Op::Cli:
      return never_interrupted(s, cpu);
    case Op::Syscall: case Op::Sysret:
      return never_interrupted(s, cpu) && !ledger(s).follows_cpu(cpu.id);
    case Op::Sti:  // with IF clear no interrupt can come before it, and an IPI arriving before or
                   // after it leaves the same IRR: it moves left past any other CPU's step
      return true;
    case Op::Load:  // of a variable nothing writes: it reads the boot value, whenever it runs
      return in.mem.var >= 0 && constant_var_[in.mem.var];
    // An EOI changes this CPU's own ISR; an IPI sent only adds to what is in flight, which no
    // other step but its target's taking it reads, and taking it later or earlier (or merged
    // with another copy) is a step the target has either way: a left mover, once nothing can
    // interrupt this CPU just before it.
    case Op::Wrmsr:
      return uninterruptible(s, cpu);
    default:
      return false;
  }
}

// An access to a word no other CPU touches (MachineConfig::owner) commutes with every other
// CPU's step. It is thread-local unless an interrupt could come just before it (a handler on the
// same CPU could touch the word too), or the ledger watches the word.
bool Machine::private_access(const State& s, const isa::CpuState& cpu, const isa::Instruction& in) const {
  if (cfg_.owner.empty() || !isa::is_memory_op(in.op)) return false;
  if (!uninterruptible(s, cpu)) return false;
  if (isa::needs_empty_store_buffer(in.op) && !cpu.store_buffer.empty()) return false;
  if (in.op == isa::Op::Store && cpu.store_buffer.size() >= cfg_.store_buffer_entries) return false;
  const isa::Addr a = isa::access_address(img_, cpu);
  return guessed_own(a, cpu.id) && !watched(s, a);
}

// An access by an instruction guessed race-free (MachineConfig::race_free) to a shared word: a
// left mover as long as no other CPU touches the word before this CPU's next step, which the
// Pending entry it leaves lets every other access check.
bool Machine::race_free_access(const State& s, const isa::CpuState& cpu, const isa::Instruction& in) const {
  if (cfg_.race_free.empty() || !isa::is_memory_op(in.op)) return false;
  const isa::Frame& f = cpu.frames.back();
  if (!guessed_race_free(f.func, f.pc)) return false;
  if (in.op == isa::Op::Store && cfg_.tso) return false;  // its access is the drain, a step of its own
  if (!uninterruptible(s, cpu)) return false;
  if (isa::needs_empty_store_buffer(in.op) && !cpu.store_buffer.empty()) return false;
  return !watched(s, isa::access_address(img_, cpu));
}

// A folded instruction; a `shown` one gets a row of its own in counter-examples.
void Machine::exec_folded(State& s, std::uint32_t c, bool shown) {
  if (!rec_ || !shown) return exec(s, c, nullptr);
  StepRecord r;
  r.step = {StepKind::Exec, c, 0};
  exec(s, c, &r);
  rec_->folded.push_back(std::move(r));
}

void Machine::settle(State& s, std::uint32_t c) {
  if (!cfg_.fold_local_steps) return;
  for (std::uint32_t n = 0; n < cfg_.max_local_steps; ++n) {
    const isa::CpuState& cpu = *s.cpus[c];
    // A buffered store to a word only this CPU touches drains at once: no other CPU can tell
    // when, and this one reads the same value from its buffer or from memory (a left mover
    // whatever IF says; a fence or locked op after it only becomes enabled sooner).
    if (!cpu.store_buffer.empty() && guessed_own(cpu.store_buffer.front().addr, c) &&
        !watched(s, cpu.store_buffer.front().addr)) {
      drain(s, c);
      continue;
    }
    // A race-free store drains as soon as it is at the head too; until this CPU's next drain or
    // fence it could still have been waiting, so its word stays pending until then.
    if (!cpu.store_buffer.empty() && !cfg_.race_free.empty()) {
      const isa::StoreBufferEntry& head = cpu.store_buffer.front();
      if (guessed_race_free(head.func, head.pc) && !watched(s, head.addr)) {
        const Pending p{c, head.addr, head.func, head.pc, true};
        if (rec_) {
          StepRecord r;
          r.step = {StepKind::Drain, c, 0};
          drain(s, c, &r);
          rec_->folded.push_back(std::move(r));
        } else {
          drain(s, c);
        }
        if (!std::binary_search(s.pending.begin(), s.pending.end(), p))
          s.pending.insert(std::upper_bound(s.pending.begin(), s.pending.end(), p), p);
        continue;
      }
    }
    if (cpu.halted || cpu.idle) return;
    const isa::Instruction& in = isa::current(img_, cpu);
    if (invisible(s, cpu, in)) {
      exec_folded(s, c, in.op == isa::Op::Wrmsr && in.imm == kMsrIcr);  // counter-examples show IPIs sent
    } else if (race_free_access(s, cpu, in)) {
      const Pending p{c, isa::access_address(img_, cpu), cpu.frames.back().func, cpu.frames.back().pc};
      // Once per step: a loop of race-free accesses (a wait nobody ends) would never settle.
      if (std::binary_search(s.pending.begin(), s.pending.end(), p)) return;
      exec_folded(s, c, true);
      s.pending.insert(std::upper_bound(s.pending.begin(), s.pending.end(), p), p);
    } else {
      return;
    }
  }
  isa::fault(img_, *s.cpus[c],
             "runaway program: more than " + std::to_string(cfg_.max_local_steps) +
                 " instructions in a row that no other CPU can observe (register work, accesses to words "
                 "only this CPU touches, buffered stores)");
}

}  // namespace explore
