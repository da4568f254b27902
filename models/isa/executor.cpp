#include "executor.h"

#include "cpumask_layout.h"

#include <sstream>

namespace isa {


const char* op_name(Op op) {
  switch (op) {
    case Op::Set: return "set";
    case Op::Lea: return "lea";
    case Op::Jmp: return "jmp";
    case Op::Jz: return "jz";
    case Op::Jnz: return "jnz";
    case Op::Call: return "call";
    case Op::CallInd: return "call*";
    case Op::Ret: return "ret";
    case Op::Trace: return "trace";
    case Op::Request: return "request";
    case Op::Rdtsc: return "rdtsc";
    case Op::Compute: return "compute";
    case Op::Pause: return "pause";
    case Op::Cli: return "cli";
    case Op::Sti: return "sti";
    case Op::Hlt: return "hlt";
    case Op::SafeHalt: return "safe_halt";
    case Op::Halt: return "halt";
    case Op::Load: return "load";
    case Op::Store: return "store";
    case Op::Xchg: return "xchg";
    case Op::Cmpxchg: return "cmpxchg";
    case Op::AtomicOr: return "atomic_or";
    case Op::AtomicAndnot: return "atomic_andnot";
    case Op::AtomicAdd: return "atomic_add";
    case Op::AtomicAddReturn: return "atomic_add_return";
    case Op::AtomicFetchOr: return "atomic_fetch_or";
    case Op::AtomicFetchAndnot: return "atomic_fetch_andnot";
    case Op::AtomicFetchAdd: return "atomic_fetch_add";
    case Op::Mfence: return "mfence";
    case Op::Serialize: return "serialize";
    case Op::Syscall: return "syscall";
    case Op::Sysret: return "sysret";
    case Op::Iret: return "iret";
    case Op::Wrmsr: return "wrmsr";
  }
  return "?";
}

Word alu(AluOp op, Word a, Word b) {
  switch (op) {
    case AluOp::None: return a;
    case AluOp::Not: return ~a;
    case AluOp::Neg: return Word(0) - a;
    case AluOp::LNot: return a == 0;
    case AluOp::Add: return a + b;
    case AluOp::Sub: return a - b;
    case AluOp::Mul: return a * b;
    case AluOp::And: return a & b;
    case AluOp::Or: return a | b;
    case AluOp::Xor: return a ^ b;
    case AluOp::AndNot: return a & ~b;
    case AluOp::Shl: return b >= 64 ? 0 : a << b;
    case AluOp::Shr: return b >= 64 ? 0 : a >> b;
    case AluOp::Eq: return a == b;
    case AluOp::Ne: return a != b;
    case AluOp::Ltu: return a < b;
    case AluOp::Leu: return a <= b;
    case AluOp::Gtu: return a > b;
    case AluOp::Geu: return a >= b;
    case AluOp::LAnd: return a && b;
    case AluOp::LOr: return a || b;
    case AluOp::Tzcnt: return a == 0 ? 64 : static_cast<Word>(__builtin_ctzll(a));
  }
  return 0;
}

Word eval(const CpuState& cpu, const Operand& o) {
  switch (o.kind) {
    case Operand::Kind::None: return 0;
    case Operand::Kind::Reg: return cpu.reg(o.reg);
    case Operand::Kind::Imm: return o.imm;
    case Operand::Kind::ThisCpu: return cpu.id;
    case Operand::Kind::Request: return cpu.request;
  }
  return 0;
}

Word eval(const CpuState& cpu, const Expr& e) {
  return alu(e.op, eval(cpu, e.a), eval(cpu, e.b));
}

void fault(const Image& img, const CpuState& cpu, const std::string& what) {
  std::ostringstream os;
  os << "cpu " << cpu.id;
  if (!cpu.frames.empty()) os << " at " << img.where(cpu.top().func, cpu.top().pc);
  os << ": " << what;
  throw Fault(os.str());
}

namespace {

Addr address_of(const Image& img, const CpuState& cpu, const MemRef& m) {
  Word a = m.base;
  for (int i = 0; i < m.nidx; ++i) {
    Word v = eval(cpu, m.index[i]);
    if (m.var >= 0 && v >= m.dim[i]) {
      std::ostringstream os;
      os << "index " << v << " out of range for " << img.variables[m.var].name << " (dimension "
         << i << " has " << m.dim[i] << " elements)";
      fault(img, cpu, os.str());
    }
    a += v * m.stride[i];
  }
  a += static_cast<Word>(m.disp);
  if (a == 0 || a >= img.memory_words) {
    std::ostringstream os;
    os << (a == 0 ? "NULL dereference" : "address out of range: ") << (a == 0 ? "" : std::to_string(a));
    fault(img, cpu, os.str());
  }
  return static_cast<Addr>(a);
}

void push_frame(const Image& img, CpuState& cpu, std::uint32_t func, FrameKind kind,
                std::uint8_t ret_dst, const Word* args, std::size_t nargs) {
  if (func >= img.functions.size()) fault(img, cpu, "call to a non-function address");
  if (cpu.frames.size() >= kMaxFrames) fault(img, cpu, "call stack overflow (64 frames)");
  const Function& fn = img.functions[func];
  if (nargs != fn.nparams) {
    std::ostringstream os;
    os << fn.name << " takes " << int(fn.nparams) << " arguments, got " << nargs;
    fault(img, cpu, os.str());
  }
  Frame f;
  f.func = func;
  f.pc = 0;
  f.reg_base = static_cast<std::uint32_t>(cpu.regs.size());
  f.ret_dst = ret_dst;
  f.kind = kind;
  f.saved_mode = cpu.mode;
  f.saved_if = cpu.interrupts_enabled;
  cpu.regs.resize(cpu.regs.size() + fn.nregs, 0);
  for (std::size_t i = 0; i < nargs; ++i) cpu.regs[f.reg_base + i] = args[i];
  cpu.frames.push_back(f);
}

void push_frame(const Image& img, CpuState& cpu, std::uint32_t func, FrameKind kind,
                std::uint8_t ret_dst, const std::vector<Word>& args) {
  push_frame(img, cpu, func, kind, ret_dst, args.data(), args.size());
}

void pop_frame(CpuState& cpu) {
  cpu.regs.resize(cpu.top().reg_base);
  cpu.frames.pop_back();
}

std::vector<Word> eval_args(const CpuState& cpu, const Instruction& in) {
  std::vector<Word> v;
  v.reserve(in.args.size());
  for (const Operand& o : in.args) v.push_back(eval(cpu, o));
  return v;
}

Word rmw(Op op, Word old, Word v) {
  switch (op) {
    case Op::AtomicOr: case Op::AtomicFetchOr: return old | v;
    case Op::AtomicAndnot: case Op::AtomicFetchAndnot: return old & ~v;
    case Op::AtomicAdd: case Op::AtomicAddReturn: case Op::AtomicFetchAdd: return old + v;
    default: return v;  // xchg
  }
}

}  // namespace

void step_register_op(const Image& img, CpuState& cpu, const Instruction& in) {
  Frame& f = cpu.top();
  std::uint32_t next = f.pc + 1;
  switch (in.op) {
    case Op::Set: cpu.reg(in.dst) = eval(cpu, in.src0); break;
    case Op::Lea: cpu.reg(in.dst) = address_of(img, cpu, in.mem); break;
    case Op::Jmp: next = in.target; break;
    case Op::Jz: if (eval(cpu, in.src0) == 0) next = in.target; break;
    case Op::Jnz: if (eval(cpu, in.src0) != 0) next = in.target; break;
    default: throw std::logic_error("step_register_op: not a register-only instruction");
  }
  f.pc = next;
}

bool step_quiet_op(const Image& img, CpuState& cpu, const Instruction& in) {
  Frame& f = cpu.top();
  switch (in.op) {
    case Op::Pause:
      break;
    case Op::Cli:
      cpu.interrupts_enabled = false;
      break;
    case Op::Sti:
      cpu.interrupts_enabled = true;
      break;
    case Op::Call:
    case Op::CallInd: {
      std::uint32_t fn = in.target;
      if (in.op == Op::CallInd) {
        const Word a = eval(cpu, in.src0);
        if (a < kCodeBase || a - kCodeBase >= img.functions.size())
          fault(img, cpu, "indirect call through a non-function value");
        fn = static_cast<std::uint32_t>(a - kCodeBase);
      }
      Word small[16];  // arguments without a heap allocation in the common case
      std::vector<Word> large;
      Word* args = small;
      if (in.args.size() > 16) {
        large.resize(in.args.size());
        args = large.data();
      }
      for (std::size_t i = 0; i < in.args.size(); ++i) args[i] = eval(cpu, in.args[i]);
      f.pc += 1;
      push_frame(img, cpu, fn, FrameKind::Call, in.dst, args, in.args.size());
      return true;
    }
    case Op::Ret: {
      if (f.kind != FrameKind::Call) return false;  // task, syscall and interrupt frames: execute()
      const Word v = eval(cpu, in.src0);
      const std::uint8_t dst = f.ret_dst;
      pop_frame(cpu);
      if (dst != kNoReg) cpu.reg(dst) = v;
      return true;
    }
    default:
      return false;
  }
  f.pc += 1;
  return true;
}

void start(const Image& img, CpuState& cpu, std::uint32_t func, Mode mode,
           const std::vector<Word>& args) {
  cpu.frames.clear();
  cpu.regs.clear();
  cpu.mode = mode;
  cpu.halted = false;
  cpu.idle = false;
  push_frame(img, cpu, func, FrameKind::Task, kNoReg, args);
}

Addr access_address(const Image& img, const CpuState& cpu) {
  const Instruction& in = current(img, cpu);
  return is_memory_op(in.op) ? address_of(img, cpu, in.mem) : 0;
}

StoreBufferEntry drain_one(CpuState& cpu, std::vector<Word>& memory) {
  StoreBufferEntry e = cpu.store_buffer.front();
  cpu.store_buffer.erase(cpu.store_buffer.begin());
  memory[e.addr] = e.value;
  return e;
}

void take_interrupt(const Image& img, CpuState& cpu, std::uint8_t vector) {
  auto it = img.idt.find(vector);
  if (it == img.idt.end()) fault(img, cpu, "no IDT entry for vector " + std::to_string(vector));
  const bool from_user = cpu.mode == Mode::User;
  push_frame(img, cpu, it->second, FrameKind::Interrupt, kNoReg, {from_user ? 1u : 0u});
  cpu.top().vector = vector;
  cpu.mode = Mode::Kernel;
  cpu.interrupts_enabled = false;  // interrupt gate
  cpu.idle = false;
}

Effect execute(const Image& img, CpuState& cpu, std::vector<Word>& memory, Word now) {
  const Instruction& in = current(img, cpu);
  Frame& f = cpu.top();
  Effect e;
  e.op = in.op;
  e.func = f.func;
  e.pc = f.pc;
  std::uint32_t next = f.pc + 1;

  if (needs_empty_store_buffer(in.op) && !cpu.store_buffer.empty())
    throw std::logic_error("executor: locked op or fence with a non-empty store buffer");
  // Annotation arguments are read before the instruction writes its destinations.
  for (const Annotation& n : in.notes) e.notes.push_back({n.kind, eval(cpu, n.arg0), eval(cpu, n.arg1)});

  // Register-only and control instructions have one definition, shared with the timed core's
  // fast path.
  if (is_register_op(in.op)) {
    step_register_op(img, cpu, in);
    return e;
  }
  if (step_quiet_op(img, cpu, in)) return e;

  switch (in.op) {
    case Op::Set: case Op::Lea: case Op::Jmp: case Op::Jz: case Op::Jnz:
    case Op::Call: case Op::CallInd: case Op::Pause: case Op::Cli: case Op::Sti:
      throw std::logic_error("executor: handled above");
    case Op::Ret:  // from a task, syscall or interrupt frame
      if (f.kind == FrameKind::Interrupt) fault(img, cpu, "ret in an interrupt handler (use iret)");
      if (f.kind == FrameKind::Syscall) fault(img, cpu, "ret in a syscall entry (use sysret)");
      cpu.halted = true;  // the task's outermost frame: its program is over
      return e;
    case Op::Trace:
      e.trace_name = in.name;
      e.trace_args = eval_args(cpu, in);
      if (in.cpumask_arg != kNoReg) {
        // The tracepoint copies the mask as this CPU sees it (its own buffered stores first), as
        // the kernel's __assign_bitmask() does; CPU-private data, so no access of the protocol.
        const Addr base = e.trace_args[in.cpumask_arg];
        const Word longs = cpumask_longs(img.ncpus);
        if (base == 0 || base + longs > memory.size())
          fault(img, cpu, "trace: cpumask argument " + std::to_string(base) + " is not a cpumask");
        for (Word i = 0; i < longs; ++i) {
          const StoreBufferEntry* s = cpu.forward(base + i);
          e.trace_args.push_back(s ? s->value : memory[base + i]);
        }
      }
      break;
    case Op::Request:
      cpu.request = (Word(cpu.id) << 32) | cpu.next_request++;
      e.written = cpu.request;
      if (in.dst != kNoReg) cpu.reg(in.dst) = cpu.request;
      break;
    case Op::Rdtsc:
      cpu.reg(in.dst) = now;
      break;
    case Op::Compute:
      e.cycles = eval(cpu, in.src0);
      break;
    case Op::Mfence:
    case Op::Serialize:
      break;
    case Op::Hlt:
      cpu.idle = true;
      break;
    case Op::SafeHalt:
      cpu.interrupts_enabled = true;
      cpu.idle = true;
      break;
    case Op::Halt:
      cpu.halted = true;
      return e;
    case Op::Load: {
      e.accessed = true;
      e.addr = address_of(img, cpu, in.mem);
      if (const StoreBufferEntry* s = cpu.forward(e.addr)) {
        e.read = s->value;
        e.forwarded = true;
      } else {
        e.read = memory[e.addr];
      }
      cpu.reg(in.dst) = e.read;
      break;
    }
    case Op::Store:
      e.accessed = true;
      e.addr = address_of(img, cpu, in.mem);
      e.written = eval(cpu, in.src0);
      cpu.store_buffer.push_back({e.addr, e.written, e.func, e.pc});
      break;
    case Op::Cmpxchg: {
      e.accessed = true;
      e.addr = address_of(img, cpu, in.mem);
      e.expected = eval(cpu, in.src0);
      const Word desired = eval(cpu, in.src1);
      e.read = memory[e.addr];
      e.success = e.read == e.expected;
      if (e.success) {
        memory[e.addr] = desired;
        e.wrote = true;
        e.written = desired;
      }
      if (in.dst != kNoReg) cpu.reg(in.dst) = e.success;
      if (in.dst2 != kNoReg) cpu.reg(in.dst2) = e.read;  // try_cmpxchg writes back *old
      break;
    }
    case Op::Xchg: case Op::AtomicOr: case Op::AtomicAndnot: case Op::AtomicAdd:
    case Op::AtomicAddReturn: case Op::AtomicFetchOr: case Op::AtomicFetchAndnot:
    case Op::AtomicFetchAdd: {
      e.accessed = true;
      e.addr = address_of(img, cpu, in.mem);
      e.read = memory[e.addr];
      e.written = rmw(in.op, e.read, eval(cpu, in.src0));
      e.wrote = true;
      memory[e.addr] = e.written;
      if (in.dst != kNoReg) cpu.reg(in.dst) = in.op == Op::AtomicAddReturn ? e.written : e.read;
      break;
    }
    case Op::Syscall: {
      f.pc = next;
      std::vector<Word> args = eval_args(cpu, in);
      if (cpu.mode != Mode::User) fault(img, cpu, "syscall from kernel mode");
      push_frame(img, cpu, in.target, FrameKind::Syscall, kNoReg, args);
      cpu.mode = Mode::Kernel;
      cpu.interrupts_enabled = false;  // IA32_FMASK clears IF on SYSCALL
      e.mode_changed = true;
      return e;
    }
    case Op::Sysret:
    case Op::Iret: {
      const FrameKind want = in.op == Op::Sysret ? FrameKind::Syscall : FrameKind::Interrupt;
      if (f.kind != want)
        fault(img, cpu, in.op == Op::Sysret ? "sysret outside a syscall entry"
                                           : "iret outside an interrupt handler");
      const Mode m = f.saved_mode;
      const bool ie = f.saved_if;
      pop_frame(cpu);
      e.mode_changed = cpu.mode != m;
      cpu.mode = m;
      cpu.interrupts_enabled = ie;
      return e;
    }
    case Op::Wrmsr:
      e.msr = static_cast<std::uint32_t>(in.imm);
      e.msr_value = eval(cpu, in.src0);
      break;
  }
  cpu.top().pc = next;
  return e;
}

}  // namespace isa
