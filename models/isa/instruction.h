// The micro-op instruction set: one instruction performs at most one shared-memory access.
// Plain data, built by the assembler and read by the executor, the timed core and the explorer.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace isa {

using Word = std::uint64_t;
using Addr = std::uint32_t;  // word address in simulated memory; 0 is NULL

constexpr std::uint8_t kNoReg = 0xff;
// Code addresses (function pointers held in registers or memory) live far above data.
constexpr Word kCodeBase = 0x7f0000000000ULL;

enum class Op : std::uint8_t {
  // local: registers and control flow only
  Set,          // dst = expr
  Lea,          // dst = &mem (address of a variable element)
  Jmp, Jz, Jnz, // jz/jnz test src0
  Call, CallInd, Ret,
  Trace,        // tracepoint: observable, costs nothing, touches no memory
  Request,      // dst = fresh request id; becomes this CPU's current request
  Rdtsc,        // dst = current cycle
  Compute,      // busy for src0 cycles in the current mode; interruptible
  Pause,        // cpu_relax(): PAUSE
  Cli, Sti,
  Hlt,          // wait for an interrupt (idle)
  SafeHalt,     // `sti; hlt`: interrupts on and idle as one step (STI's shadow: none comes between)
  Halt,         // this CPU's program is over
  // memory
  Load,         // dst = *mem (own store buffer first)
  Store,        // *mem = src0, through the store buffer
  Xchg,         // dst = *mem; *mem = src0                              (locked)
  Cmpxchg,      // ok(dst) = (*mem == src0); if ok *mem = src1; old(dst2) = *mem (locked)
  AtomicOr, AtomicAndnot, AtomicAdd,                   // *mem op= src0   (locked)
  AtomicAddReturn, AtomicFetchOr, AtomicFetchAndnot, AtomicFetchAdd,  // (locked)
  Mfence,
  Serialize,    // sync_core(): drains the store buffer, serialises the pipeline
  // privilege transitions
  Syscall,      // user -> kernel, calls the entry function
  Sysret,       // kernel -> user, returns from the syscall frame
  Iret,         // returns from an interrupt frame
  // hardware registers
  Wrmsr,        // msr(imm) = src0: x2APIC ICR / EOI / TSC deadline / LVT
};

enum class AluOp : std::uint8_t {
  None,  // a
  Not, Neg, LNot,  // unary on a
  Add, Sub, Mul, And, Or, Xor, AndNot, Shl, Shr,
  Eq, Ne, Ltu, Leu, Gtu, Geu, LAnd, LOr,
  Tzcnt,  // unary on a: trailing zero bits, 64 for 0 (x86 TZCNT; the kernel's __ffs())
};

struct Operand {
  enum class Kind : std::uint8_t { None, Reg, Imm, ThisCpu, Request };
  Kind kind = Kind::None;
  std::uint8_t reg = kNoReg;
  Word imm = 0;

  static Operand make_imm(Word v) { Operand o; o.kind = Kind::Imm; o.imm = v; return o; }
  static Operand make_reg(std::uint8_t r) { Operand o; o.kind = Kind::Reg; o.reg = r; return o; }
  bool is_none() const { return kind == Kind::None; }
};

// At most one ALU operation, so every instruction has a fixed cost.
struct Expr {
  Operand a;
  AluOp op = AluOp::None;
  Operand b;
};

// address = base + sum(index[i] * stride[i]) + disp; each index is bounds-checked against dim[i]
// when the reference names a variable (var >= 0).
struct MemRef {
  static constexpr int kMaxIdx = 3;
  int var = -1;
  Addr base = 0;
  std::uint8_t nidx = 0;
  Operand index[kMaxIdx];
  Word stride[kMaxIdx] = {0, 0, 0};
  Word dim[kMaxIdx] = {0, 0, 0};
  std::int64_t disp = 0;
};

// Observer hooks on an instruction: they change nothing, they tell the deferral ledger what a
// memory access means (see docs/assembly.md).
struct Annotation {
  enum class Kind : std::uint8_t { Post, Consume, Callback };
  Kind kind;
  Operand arg0, arg1;
};

struct Instruction {
  Op op = Op::Set;
  std::uint8_t dst = kNoReg;   // first destination (ok for cmpxchg)
  std::uint8_t dst2 = kNoReg;  // second destination (observed value for cmpxchg)
  Expr src0;
  Expr src1;
  MemRef mem;
  std::uint32_t target = 0;  // jump: pc in function; call/syscall: function index
  Word imm = 0;              // wrmsr: MSR number
  std::vector<Operand> args;          // call arguments, trace arguments
  std::vector<Annotation> notes;
  std::uint32_t name = 0;    // trace: tracepoint name index in Image::strings
  // trace: the argument that points at a struct cpumask, whose words the event carries after the
  // arguments (the kernel's __bitmask() field); kNoReg for none
  std::uint8_t cpumask_arg = kNoReg;
  std::uint32_t line = 0;    // source line, for faults and logs
};

// Drains the store buffer first and owns the line (LOCK prefix, XCHG). Inline: the explorer asks
// for every instruction it considers.
inline bool is_locked_op(Op op) {
  switch (op) {
    case Op::Xchg: case Op::Cmpxchg: case Op::AtomicOr: case Op::AtomicAndnot:
    case Op::AtomicAdd: case Op::AtomicAddReturn: case Op::AtomicFetchOr:
    case Op::AtomicFetchAndnot: case Op::AtomicFetchAdd:
      return true;
    default:
      return false;
  }
}
inline bool reads_memory(Op op) { return op == Op::Load || is_locked_op(op); }
inline bool writes_memory(Op op) { return op == Op::Store || is_locked_op(op); }
inline bool is_memory_op(Op op) { return reads_memory(op) || writes_memory(op); }
const char* op_name(Op op);

}  // namespace isa
