// One-step semantics of the micro-op ISA under x86-TSO, shared by the timed core and the explorer.
// execute() applies one instruction at once; *when* it runs (its completion cycle, or its place in
// an interleaving) is the caller's business.
#pragma once

#include <stdexcept>
#include <string>
#include <vector>

#include "cpu_state.h"
#include "image.h"

namespace isa {

// A program error found while running (bad address, bad call, stack overflow...).
class Fault : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// What one executed instruction did: for event logs, timing, the deferral ledger and the hardware.
struct Effect {
  Op op = Op::Set;
  std::uint32_t func = 0, pc = 0;   // the instruction that ran
  bool accessed = false;            // touched memory (or the store buffer, for a store)
  bool forwarded = false;           // load satisfied from the own store buffer
  bool wrote = false;               // memory was written (RMW that stored; not plain stores)
  bool success = false;             // cmpxchg result
  Addr addr = 0;
  Word read = 0;                    // value observed
  Word written = 0;                 // value stored (store: into the buffer); request: the new id
  Word expected = 0;                // cmpxchg: the value it expected
  Word cycles = 0;                  // compute: busy cycles asked for
  std::uint32_t msr = 0;            // wrmsr
  Word msr_value = 0;
  std::uint32_t trace_name = 0;     // trace
  std::vector<Word> trace_args;
  struct Note { Annotation::Kind kind; Word a0, a1; };
  std::vector<Note> notes;
  bool mode_changed = false;        // syscall/sysret/iret changed the privilege mode
};

constexpr std::uint32_t kMaxFrames = 64;

// "cpu 2 at ct_set_cpu_work+3 (v7.s:42): <what>"
[[noreturn]] void fault(const Image& img, const CpuState& cpu, const std::string& what);

// SDM vol. 3 8.2.2: locked instructions and MFENCE order all prior stores; SERIALIZE and IRET are
// serializing instructions (SDM 8.3).
inline bool needs_empty_store_buffer(Op op) {
  return is_locked_op(op) || op == Op::Mfence || op == Op::Serialize || op == Op::Iret;
}

// Starts `func` as the CPU's program (a Task frame) in `mode`.
void start(const Image& img, CpuState& cpu, std::uint32_t func, Mode mode,
           const std::vector<Word>& args = {});
inline const Instruction& current(const Image& img, const CpuState& cpu) {
  const Frame& f = cpu.frames.back();
  const Function& fn = img.functions[f.func];
  if (f.pc >= fn.code.size()) fault(img, cpu, "ran off the end of " + fn.name);
  return fn.code[f.pc];
}
// The address the next instruction accesses, or 0 when it touches no memory.
Addr access_address(const Image& img, const CpuState& cpu);
// Instructions that only read and write registers or the pc: step_register_op() runs them
// without building an Effect (the timed core's fast path; the result is the same as execute()).
inline bool is_register_op(Op op) {
  return op == Op::Set || op == Op::Lea || op == Op::Jmp || op == Op::Jz || op == Op::Jnz;
}
void step_register_op(const Image& img, CpuState& cpu, const Instruction& in);
// pause, cli, sti, calls and returns from calls: nothing an observer records. step_quiet_op()
// runs them without an Effect; false when execute() must (a return from a task, syscall or
// interrupt frame).
inline bool is_quiet_op(Op op) {
  return op == Op::Pause || op == Op::Cli || op == Op::Sti || op == Op::Call || op == Op::CallInd ||
         op == Op::Ret;
}
bool step_quiet_op(const Image& img, CpuState& cpu, const Instruction& in);
// Executes the next instruction. Locked ops and fences require an empty store buffer.
Effect execute(const Image& img, CpuState& cpu, std::vector<Word>& memory, Word now);
// Writes the oldest store-buffer entry to memory (x86-TSO: FIFO, one entry at a time).
StoreBufferEntry drain_one(CpuState& cpu, std::vector<Word>& memory);
// Enters the IDT handler for `vector` at an instruction boundary; arg0 is user_mode(regs).
void take_interrupt(const Image& img, CpuState& cpu, std::uint8_t vector);

// The NMI (SDM vol. 3, 6.7.1): taken whatever IF says, through no IRR or ISR, and blocked from
// its delivery until the next IRET, that is while its handler's frame is on the stack.
constexpr std::uint8_t kNmiVector = 2;
inline bool in_nmi(const CpuState& cpu) {
  for (const Frame& f : cpu.frames)
    if (f.kind == FrameKind::Interrupt && f.vector == kNmiVector) return true;
  return false;
}

Word eval(const CpuState& cpu, const Operand& o);
Word eval(const CpuState& cpu, const Expr& e);
Word alu(AluOp op, Word a, Word b);

}  // namespace isa
