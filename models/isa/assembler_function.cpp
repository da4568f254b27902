// Pass 2 of the assembler: the body of one function, instruction by instruction (assembler_impl.h).
#include <set>

#include "assembler_impl.h"
#include "executor.h"

namespace isa::asm_impl {
namespace {

const std::set<std::string> kReserved = {"this_cpu", "current_request"};

struct RmwName { const char* text; Op op; };

}  // namespace

std::uint8_t Assembler::reg_index(const std::string& name) {
  if (kReserved.count(name)) fail("'" + name + "' cannot be assigned");
  if (img_.constants.count(name)) fail("'" + name + "' is a constant");
  auto it = regs_.find(name);
  if (it != regs_.end()) return it->second;
  if (regs_.size() >= 250) fail("too many registers in " + fn_->name);
  const auto r = static_cast<std::uint8_t>(regs_.size());
  regs_[name] = r;
  fn_->reg_names.push_back(name);
  return r;
}

std::uint8_t Assembler::dest(const std::string& name) {
  written_.insert(name);
  return reg_index(name);
}

Operand Assembler::operand(const Node& n) {
  switch (n.k) {
    case Node::K::Const: return Operand::make_imm(n.value);
    case Node::K::Reg:
      first_read_.emplace(n.name, line_->number);
      return Operand::make_reg(reg_index(n.name));
    case Node::K::ThisCpu: { Operand o; o.kind = Operand::Kind::ThisCpu; return o; }
    case Node::K::Request: { Operand o; o.kind = Operand::Kind::Request; return o; }
    default:
      fail("expression too complex: one ALU operation per instruction (compute part of it into a register first)");
  }
}

Operand Assembler::operand_expr() {
  NodeP n = expr(0);
  return operand(*n);
}

Expr Assembler::lower(const Node& n) {
  Expr e;
  switch (n.k) {
    case Node::K::Unary:
      e.op = n.op;
      e.a = operand(*n.l);
      return e;
    case Node::K::Binary:
      if (n.op == AluOp::And && n.r->k == Node::K::Unary && n.r->op == AluOp::Not) {
        e.op = AluOp::AndNot;  // a & ~b: one ANDN
        e.a = operand(*n.l);
        e.b = operand(*n.r->l);
        return e;
      }
      e.op = n.op;
      e.a = operand(*n.l);
      e.b = operand(*n.r);
      return e;
    case Node::K::AddrOf:
      fail("&variable is only allowed as a whole right-hand side");
    default:
      e.a = operand(n);
      return e;
  }
}

Expr Assembler::value_expr() { return lower(*expr(0)); }

MemRef Assembler::memref() {
  MemRef m;
  if (accept("[")) {  // [reg], [reg + c], [reg - c]
    std::string r = ident("a register inside [ ]");
    if (img_.constants.count(r) || img_.find_variable(r)) fail("expected a register inside [ ]");
    m.nidx = 1;
    first_read_.emplace(r, line_->number);
    m.index[0] = Operand::make_reg(reg_index(r));
    m.stride[0] = 1;
    if (accept("+")) m.disp = static_cast<std::int64_t>(const_expr());
    else if (accept("-")) m.disp = -static_cast<std::int64_t>(const_expr());
    expect("]");
    return m;
  }
  std::string name = ident("a variable");
  auto vi = img_.find_variable(name);
  if (!vi) fail("unknown variable '" + name + "'");
  const Variable& v = img_.variables[*vi];
  m.var = *vi;
  m.base = v.base;
  std::vector<Word> dims;
  std::vector<Word> strides;
  if (v.percpu) {
    dims.push_back(img_.ncpus);
    strides.push_back(img_.percpu_area);
  }
  Word stride = v.size;
  for (Word d : v.dims) {
    stride /= d;
    dims.push_back(d);
    strides.push_back(stride);
  }
  for (std::size_t i = 0; i < dims.size(); ++i) {
    if (!accept("["))
      fail(name + " needs " + std::to_string(dims.size()) + " index(es), got " + std::to_string(i));
    Operand o = operand_expr();
    expect("]");
    if (o.kind == Operand::Kind::Imm) {
      if (o.imm >= dims[i]) fail("index " + std::to_string(o.imm) + " out of range for " + name);
      m.disp += static_cast<std::int64_t>(o.imm * strides[i]);
      // Keep constant indices out of the runtime index list.
      continue;
    }
    m.index[m.nidx] = o;
    m.stride[m.nidx] = strides[i];
    m.dim[m.nidx] = dims[i];
    ++m.nidx;
  }
  if (is_punct("[")) fail(name + " has only " + std::to_string(dims.size()) + " dimension(s)");
  return m;
}

std::vector<Operand> Assembler::arg_list() {
  std::vector<Operand> args;
  expect("(");
  if (accept(")")) return args;
  do args.push_back(operand_expr());
  while (accept(","));
  expect(")");
  return args;
}

void Assembler::annotations(Instruction& in) {
  while (accept("@")) {
    std::string k = ident("an annotation name");
    Annotation a;
    std::size_t want;
    if (k == "post") a.kind = Annotation::Kind::Post, want = 2;
    else if (k == "consume") a.kind = Annotation::Kind::Consume, want = 1;
    else if (k == "callback") a.kind = Annotation::Kind::Callback, want = 2;
    else fail("unknown annotation @" + k + " (expected @post, @consume or @callback)");
    std::vector<Operand> args = arg_list();
    if (args.size() != want)
      fail("@" + k + " takes " + std::to_string(want) + " argument(s)");
    a.arg0 = args[0];
    if (want > 1) a.arg1 = args[1];
    if (a.kind == Annotation::Kind::Post && !is_locked_op(in.op))
      fail("@post belongs on a locked write (its token lands when the write does)");
    if (a.kind == Annotation::Kind::Consume && !reads_memory(in.op))
      fail("@consume belongs on a memory read");
    in.notes.push_back(a);
  }
}

std::uint32_t Assembler::call_target(const std::string& name) {
  auto f = func_decl_.find(name);
  if (f == func_decl_.end()) fail("unknown function '" + name + "'");
  return static_cast<std::uint32_t>(f->second);
}

void Assembler::check_arity(std::uint32_t f, std::size_t n) {
  const std::size_t want = decls_[f].params.size();
  if (n != want)
    fail(decls_[f].name + " takes " + std::to_string(want) + " argument(s), got " + std::to_string(n));
}

Instruction Assembler::instruction(const std::vector<std::string>& dsts) {
  static const RmwName kRmw[] = {
      {"atomic_or", Op::AtomicOr}, {"atomic_andnot", Op::AtomicAndnot}, {"atomic_add", Op::AtomicAdd},
      {"atomic_add_return", Op::AtomicAddReturn}, {"atomic_fetch_or", Op::AtomicFetchOr},
      {"atomic_fetch_andnot", Op::AtomicFetchAndnot}, {"atomic_fetch_add", Op::AtomicFetchAdd},
      {"xchg", Op::Xchg}};
  Instruction in;
  in.line = line_->number;
  const std::size_t ndst = dsts.size();
  auto want_dsts = [&](std::size_t lo, std::size_t hi, const std::string& what) {
    if (ndst >= lo && ndst <= hi) return;
    if (hi == 0) fail(what + " has no result");
    if (lo == 2) fail(what + " needs two results: 'ok, old = cmpxchg VAR, old, new'");
    fail(what + " needs one result register");
  };
  const Token& t = peek();
  const std::string m = t.kind == Token::Kind::Ident ? t.text : "";
  auto is_mnemonic = [&](const char* s) { return m == s; };
  if (is_mnemonic("load")) {
    ++pos_;
    want_dsts(1, 1, "load");
    in.op = Op::Load;
    in.mem = memref();
  } else if (is_mnemonic("store")) {
    ++pos_;
    want_dsts(0, 0, "store");
    in.op = Op::Store;
    in.mem = memref();
    expect(",");
    in.src0 = value_expr();
  } else if (is_mnemonic("cmpxchg")) {
    ++pos_;
    want_dsts(2, 2, "cmpxchg");
    in.op = Op::Cmpxchg;
    in.mem = memref();
    expect(",");
    in.src0 = value_expr();
    expect(",");
    in.src1 = value_expr();
  } else if (m.rfind("atomic_", 0) == 0 || m == "xchg") {
    ++pos_;
    const RmwName* r = nullptr;
    for (const RmwName& x : kRmw)
      if (m == x.text) r = &x;
    if (!r) fail("unknown instruction '" + m + "'");
    in.op = r->op;
    if (in.op == Op::AtomicOr || in.op == Op::AtomicAndnot || in.op == Op::AtomicAdd)
      want_dsts(0, 0, m);
    else
      want_dsts(0, 1, m);
    in.mem = memref();
    expect(",");
    in.src0 = value_expr();
  } else if (is_mnemonic("call") || is_mnemonic("syscall")) {
    ++pos_;
    const bool sys = m == "syscall";
    want_dsts(0, sys ? 0 : 1, m);
    if (!sys && accept("*")) {
      in.op = Op::CallInd;
      in.src0.a = operand(*primary());
      in.args = arg_list();
    } else {
      in.op = sys ? Op::Syscall : Op::Call;
      in.target = call_target(ident("a function name"));
      in.args = arg_list();
      check_arity(in.target, in.args.size());
    }
  } else if (is_mnemonic("ret")) {
    ++pos_;
    want_dsts(0, 0, "ret");
    in.op = Op::Ret;
    if (!at_end() && !is_punct("@")) in.src0 = value_expr();
  } else if (is_mnemonic("jmp")) {
    ++pos_;
    want_dsts(0, 0, m);
    in.op = Op::Jmp;
    fixups_.emplace_back(fn_->code.size(), ident("a label"));
  } else if (is_mnemonic("jz") || is_mnemonic("jnz")) {
    ++pos_;
    want_dsts(0, 0, m);
    in.op = m == "jz" ? Op::Jz : Op::Jnz;
    in.src0 = value_expr();
    expect(",");
    fixups_.emplace_back(fn_->code.size(), ident("a label"));
  } else if (is_mnemonic("trace")) {
    ++pos_;
    want_dsts(0, 0, m);
    in.op = Op::Trace;
    in.name = intern(ident("a tracepoint name"));
    // `cpumask P`: P points at a struct cpumask, which the event carries (docs/assembly.md)
    expect("(");
    if (!accept(")")) {
      do {
        if (peek().kind == Token::Kind::Ident && peek().text == "cpumask" && peek(1).kind == Token::Kind::Ident) {
          ++pos_;
          if (in.cpumask_arg != kNoReg) fail("trace: one cpumask argument at most");
          in.cpumask_arg = static_cast<std::uint8_t>(in.args.size());
        }
        in.args.push_back(operand_expr());
      } while (accept(","));
      expect(")");
    }
  } else if (is_mnemonic("compute")) {
    ++pos_;
    want_dsts(0, 0, m);
    in.op = Op::Compute;
    in.src0 = value_expr();
  } else if (is_mnemonic("wrmsr")) {
    ++pos_;
    want_dsts(0, 0, m);
    in.op = Op::Wrmsr;
    in.imm = const_expr();
    expect(",");
    in.src0 = value_expr();
  } else if (is_mnemonic("rdtsc") || is_mnemonic("request")) {
    ++pos_;
    in.op = m == "rdtsc" ? Op::Rdtsc : Op::Request;
    want_dsts(in.op == Op::Rdtsc ? 1 : 0, 1, m);
  } else {
    static const std::pair<const char*, Op> kBare[] = {
        {"mfence", Op::Mfence}, {"serialize", Op::Serialize}, {"pause", Op::Pause},
        {"cli", Op::Cli}, {"sti", Op::Sti}, {"hlt", Op::Hlt}, {"safe_halt", Op::SafeHalt}, {"halt", Op::Halt},
        {"sysret", Op::Sysret}, {"iret", Op::Iret}};
    bool bare = false;
    for (const auto& [name, op] : kBare)
      if (m == name && (pos_ + 1 >= line_->tokens.size() || is_punct("@", 1))) {
        ++pos_;
        want_dsts(0, 0, m);
        in.op = op;
        bare = true;
      }
    if (!bare) {
      if (ndst == 0) {
        if (t.kind == Token::Kind::Ident && peek(1).kind != Token::Kind::Punct)
          fail("unknown instruction '" + m + "'");
        fail("expected an instruction" + found());
      }
      if (ndst != 1) fail("an expression has one result");
      NodeP n = expr(0);
      if (n->k == Node::K::AddrOf) {
        in.op = Op::Lea;
        in.mem = n->mem;
      } else {
        in.op = Op::Set;
        in.src0 = lower(*n);
      }
    }
  }
  if (ndst >= 1) in.dst = dest(dsts[0]);
  if (ndst >= 2) in.dst2 = dest(dsts[1]);
  annotations(in);
  expect_end();
  return in;
}

void Assembler::assemble_function(std::uint32_t index) {
  const FuncDecl& d = decls_[index];
  Function& f = img_.functions[index];
  fn_ = &f;
  in_pass2_ = true;
  regs_.clear();
  written_.clear();
  first_read_.clear();
  labels_.clear();
  fixups_.clear();
  interned_.clear();
  const std::string& file = sources_[d.source].name;
  for (const std::string& p : d.params) dest(p);
  for (const Line* l : d.body) {
    begin(file, *l);
    // label:  (possibly followed by an instruction)
    while (peek().kind == Token::Kind::Ident && is_punct(":", 1)) {
      const std::string label = peek().text;
      if (labels_.count(label)) fail("duplicate label '" + label + "'");
      labels_[label] = static_cast<std::uint32_t>(f.code.size());
      f.labels.emplace_back(label, static_cast<std::uint32_t>(f.code.size()));
      pos_ += 2;
    }
    if (at_end()) continue;
    std::vector<std::string> dsts;
    // Destinations: `a = ...` or `a, b = ...` (but not `a == b`).
    if (peek().kind == Token::Kind::Ident && is_punct("=", 1)) {
      dsts.push_back(peek().text);
      pos_ += 2;
    } else if (peek().kind == Token::Kind::Ident && is_punct(",", 1) &&
               peek(2).kind == Token::Kind::Ident && is_punct("=", 3)) {
      dsts.push_back(peek().text);
      dsts.push_back(peek(2).text);
      pos_ += 4;
    }
    f.code.push_back(instruction(dsts));
  }
  for (const auto& [at, label] : fixups_) {
    auto it = labels_.find(label);
    if (it == labels_.end())
      error(file, f.code[at].line, "unknown label '" + label + "' in " + f.name);
    f.code[at].target = it->second;
  }
  for (const auto& [name, line] : first_read_)
    if (!written_.count(name))
      error(file, line, "unknown name '" + name +
                            "' (not a constant, parameter or assigned register)");
  if (f.code.empty() || (f.code.back().op != Op::Ret && f.code.back().op != Op::Jmp &&
                         f.code.back().op != Op::Halt && f.code.back().op != Op::Sysret &&
                         f.code.back().op != Op::Iret))
    error(file, d.line, "function " + f.name + " can run off its end (end it with ret, jmp, sysret, iret or halt)");
  f.nregs = static_cast<std::uint8_t>(regs_.size());
}

}  // namespace isa::asm_impl
