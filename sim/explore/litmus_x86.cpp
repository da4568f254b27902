// One herd7 x86 instruction to one isolsim micro-op (litmus_x86.h), and the reader's shared helpers.
#include "litmus_x86.h"

#include <algorithm>
#include <cctype>
#include <map>
#include <set>
#include <stdexcept>

#include "models/isa/assembler.h"
#include "sim/explore/litmus.h"

namespace explore::litmus_x86 {

using isa::Word;

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string trim(const std::string& s) {
  const std::size_t b = s.find_first_not_of(" \t\r\n");
  if (b == std::string::npos) return "";
  return s.substr(b, s.find_last_not_of(" \t\r\n") - b + 1);
}

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out(1);
  for (char c : s) {
    if (c == sep) out.emplace_back();
    else out.back() += c;
  }
  return out;
}

bool ident_start(char c) { return std::isalpha(static_cast<unsigned char>(c)) || c == '_'; }
bool ident_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

bool plain_identifier(const std::string& s) {
  if (s.empty() || !ident_start(s[0])) return false;
  for (char c : s)
    if (!ident_char(c)) return false;
  return true;
}

// A non-negative decimal or 0x-hexadecimal number, as herd writes values.
std::optional<Word> parse_number(const std::string& text) {
  const bool hex = text.size() > 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X');
  const std::string digits = hex ? text.substr(2) : text;
  if (digits.empty() || digits.find_first_not_of(hex ? "0123456789abcdefABCDEF" : "0123456789") != std::string::npos)
    return std::nullopt;
  try {
    return std::stoull(digits, nullptr, hex ? 16 : 10);
  } catch (const std::out_of_range&) {
    return std::nullopt;
  }
}

namespace {

// Every general-purpose register name of every width, lower case.
const std::map<std::string, RegInfo>& register_table() {
  static const std::map<std::string, RegInfo> table = [] {
    std::map<std::string, RegInfo> t;
    for (const char* l : {"a", "b", "c", "d"}) {
      const std::string r = std::string("r") + l + "x";
      t[r] = {r, 64};
      t[std::string("e") + l + "x"] = {r, 32};
      t[std::string(l) + "x"] = {r, 16};
      t[std::string(l) + "l"] = {r, 8};
      t[std::string(l) + "h"] = {r, 8};
    }
    for (const char* l : {"si", "di", "bp", "sp"}) {
      const std::string r = std::string("r") + l;
      t[r] = {r, 64};
      t[std::string("e") + l] = {r, 32};
      t[l] = {r, 16};
      t[std::string(l) + "l"] = {r, 8};
    }
    for (int n = 8; n <= 15; ++n) {
      const std::string r = "r" + std::to_string(n);
      t[r] = {r, 64};
      t[r + "d"] = {r, 32};
      t[r + "w"] = {r, 16};
      t[r + "b"] = {r, 8};
    }
    return t;
  }();
  return table;
}

}  // namespace

std::optional<RegInfo> lookup_register(const std::string& name) {
  auto it = register_table().find(lower(name));
  if (it == register_table().end()) return std::nullopt;
  return it->second;
}

[[noreturn]] void fail(const std::string& file, int line, const std::string& msg) {
  throw isa::AsmError(file, static_cast<std::uint32_t>(line), msg);
}

int line_of(const std::string& text, std::size_t at) {
  int line = 1;
  for (std::size_t i = 0; i < at && i < text.size(); ++i)
    if (text[i] == '\n') ++line;
  return line;
}

namespace {

struct Operand {
  enum class Kind { Reg, Mem, Imm } kind = Kind::Imm;
  std::string name;  // Reg: canonical register; Mem: location
  std::string var;   // Mem: its .var (variable_of)
  Word imm = 0;
  int width = 0;     // Reg: bits
  // The operand as a micro-op value.
  std::string value() const { return kind == Kind::Reg ? name : std::to_string(imm); }
};

// One litmus instruction -> one micro-op. Errors name `line`.
class InstructionReader {
 public:
  InstructionReader(Dialect d, const std::string& file, int line) : dialect_(d), file_(file), line_(line) {}

  MicroOp read(const std::string& cell) {
    std::string rest = cell;
    std::string word = take_word(rest);
    if (lower(word) == "lock") {
      lock_ = true;
      word = take_word(rest);
      if (word.empty()) error("LOCK prefixes nothing");
    }
    written_ = word;
    mnemonic_ = lower(word);
    if (dialect_ == Dialect::Att) strip_size_suffix();
    if (!trim(rest).empty())
      for (const std::string& text : split(rest, ',')) ops_.push_back(operand(trim(text)));
    if (dialect_ == Dialect::Att) std::reverse(ops_.begin(), ops_.end());  // destination first
    check_widths();
    lower_to_micro_op();
    return out_;
  }

 private:
  Dialect dialect_;
  const std::string& file_;
  int line_;
  bool lock_ = false;
  std::string written_;   // the mnemonic as written, for messages
  std::string mnemonic_;  // lower case, without an AT&T size suffix
  int suffix_width_ = 0;  // AT&T movl/movq
  std::vector<Operand> ops_;
  MicroOp out_;

  [[noreturn]] void error(const std::string& msg) const { fail(file_, line_, msg); }

  // Removes and returns the first blank-separated word of `s`.
  static std::string take_word(std::string& s) {
    const std::size_t b = std::min(s.find_first_not_of(" \t"), s.size());
    const std::size_t e = std::min(s.find_first_of(" \t", b), s.size());
    std::string word = s.substr(b, e - b);
    s = s.substr(e);
    return word;
  }

  void strip_size_suffix() {
    static const std::set<std::string> kStems = {"mov", "xchg", "add", "sub", "inc", "dec",
                                                 "or",  "and",  "xor", "xadd", "cmpxchg"};
    if (kStems.count(mnemonic_) || mnemonic_.size() < 2) return;
    const std::string stem = mnemonic_.substr(0, mnemonic_.size() - 1);
    if (!kStems.count(stem)) return;
    switch (mnemonic_.back()) {
      case 'l': suffix_width_ = 32; break;
      case 'q': suffix_width_ = 64; break;
      case 'b': case 'w': error("8- and 16-bit operations are not supported: '" + written_ + "'");
      default: return;
    }
    mnemonic_ = stem;
  }

  Word number(const std::string& text, const std::string& what) const {
    if (!text.empty() && text[0] == '-') error("negative values are not supported: '" + what + "'");
    const std::optional<Word> v = parse_number(text);
    if (!v) error("bad number '" + what + "'");
    return *v;
  }

  Operand memory(const std::string& inside, const std::string& text) const {
    const std::string name = trim(inside);
    // Intel names registers bare, AT&T with '%': `(rax)` is the location rax, `[rax]` is not.
    const bool reg = dialect_ == Dialect::Intel ? lookup_register(name).has_value() : name.rfind('%', 0) == 0;
    if (reg) error("register-indirect addressing is not supported: '" + text + "'");
    if (!plain_identifier(name)) error("bad memory operand '" + text + "'");
    Operand o;
    o.kind = Operand::Kind::Mem;
    o.name = name;
    o.var = variable_of(name);
    return o;
  }

  Operand reg(const std::string& name, const std::string& text) const {
    auto r = lookup_register(name);
    if (!r) error("unknown register or operand '" + text + "'");
    if (r->width < 32) error("8- and 16-bit registers are not supported: '" + text + "'");
    Operand o;
    o.kind = Operand::Kind::Reg;
    o.name = r->canonical;
    o.width = r->width;
    return o;
  }

  // Intel: [x], $1, EAX.  AT&T: (x), $1, %eax.
  Operand operand(const std::string& text) const {
    if (text.empty()) error("missing operand in '" + written_ + "'");
    const bool intel = dialect_ == Dialect::Intel;
    const char open = intel ? '[' : '(', close = intel ? ']' : ')';
    if (text.front() == open && text.back() == close) return memory(text.substr(1, text.size() - 2), text);
    if (text.front() == '$') {
      Operand o;
      o.imm = number(trim(text.substr(1)), text);
      return o;
    }
    if (intel && !lookup_register(text))
      error("unknown register or operand '" + text + "' (X86 operands: [x], $1, EAX)");
    if (intel) return reg(text, text);
    if (text.front() == '%') return reg(text.substr(1), text);
    error("unknown register or operand '" + text + "' (AT&T operands: (x), $1, %eax)");
  }

  // One operand size per instruction, as the assembler (gas) insists; immediates must fit it.
  void check_widths() {
    int width = suffix_width_;
    for (const Operand& o : ops_) {
      if (o.kind != Operand::Kind::Reg) continue;
      if (width != 0 && o.width != width) error("operand size mismatch in '" + written_ + "'");
      width = o.width;
    }
    if (width == 0) width = 32;
    for (const Operand& o : ops_)
      if (o.kind == Operand::Kind::Imm && width < 64 && o.imm >> width != 0)
        error("immediate " + std::to_string(o.imm) + " does not fit " + std::to_string(width) + " bits");
  }

  bool shape(std::initializer_list<Operand::Kind> kinds) const {
    if (kinds.size() != ops_.size()) return false;
    std::size_t i = 0;
    for (Operand::Kind k : kinds)
      if (ops_[i++].kind != k) return false;
    return true;
  }
  bool is(std::size_t i, Operand::Kind k) const { return i < ops_.size() && ops_[i].kind == k; }

  void emit(const std::string& text) {
    out_.text = text;
    for (const Operand& o : ops_) {
      if (o.kind == Operand::Kind::Reg) out_.registers.push_back(o.name);
      if (o.kind == Operand::Kind::Mem) out_.locations.push_back(o.name);
    }
  }

  [[noreturn]] void bad_operands() const { error("unsupported operands for '" + written_ + "'"); }

  void lower_to_micro_op() {
    using K = Operand::Kind;
    const std::string& m = mnemonic_;
    if (m == "mfence") {
      if (!ops_.empty() || lock_) error("MFENCE takes no operands and no LOCK");
      return emit("mfence");
    }
    if (m == "xchg") {  // implicitly locked; LOCK is redundant but legal
      if (shape({K::Mem, K::Reg})) return emit(ops_[1].name + " = xchg " + ops_[0].var + ", " + ops_[1].name);
      if (shape({K::Reg, K::Mem})) return emit(ops_[0].name + " = xchg " + ops_[1].var + ", " + ops_[0].name);
      bad_operands();
    }
    if (m == "mov") {
      if (lock_) error("LOCK cannot prefix MOV");
      return mov();
    }
    static const std::set<std::string> kRmw = {"add", "sub", "inc", "dec", "or", "and", "xor", "xadd", "cmpxchg"};
    if (!kRmw.count(m)) error("unknown instruction '" + written_ + "'");
    if (is(0, K::Mem)) return locked_rmw();
    if (lock_) error("LOCK needs a memory destination");
    register_alu();
  }

  void mov() {
    using K = Operand::Kind;
    if (shape({K::Mem, K::Imm}) || shape({K::Mem, K::Reg}))
      return emit("store " + ops_[0].var + ", " + ops_[1].value());
    if (shape({K::Reg, K::Mem})) return emit(ops_[0].name + " = load " + ops_[1].var);
    if (shape({K::Reg, K::Imm}) || shape({K::Reg, K::Reg})) return emit(ops_[0].name + " = " + ops_[1].value());
    bad_operands();
  }

  // A read-modify-write of memory is one micro-op only when locked: without LOCK it is a load and
  // a store that other CPUs can come between.
  void locked_rmw() {
    using K = Operand::Kind;
    const std::string& m = mnemonic_;
    if (!lock_) error("'" + written_ + "' on memory without LOCK is a load and a store, not one micro-op");
    const std::string& x = ops_[0].var;
    const bool value_src = shape({K::Mem, K::Imm}) || shape({K::Mem, K::Reg});
    const bool reg_src = shape({K::Mem, K::Reg});
    if (m == "inc" && shape({K::Mem})) return emit("atomic_add " + x + ", 1");
    if (m == "dec" && shape({K::Mem})) return emit("atomic_add " + x + ", " + std::to_string(~Word(0)));
    if (m == "add" && value_src) return emit("atomic_add " + x + ", " + ops_[1].value());
    if (m == "sub" && value_src)  // adding the two's complement: words wrap at 64 bits
      return emit("atomic_add " + x + ", " + (reg_src ? "-" + ops_[1].name : std::to_string(Word(0) - ops_[1].imm)));
    if (m == "or" && value_src) return emit("atomic_or " + x + ", " + ops_[1].value());
    if (m == "and" && value_src)  // x & v == x & ~(~v)
      return emit("atomic_andnot " + x + ", " + (reg_src ? "~" + ops_[1].name : std::to_string(~ops_[1].imm)));
    if (m == "xadd" && reg_src)
      return emit(ops_[1].name + " = atomic_fetch_add " + x + ", " + ops_[1].name);
    if (m == "cmpxchg" && reg_src) {  // compares with EAX, which receives the value seen
      emit(std::string(kFlagRegister) + ", rax = cmpxchg " + x + ", rax, " + ops_[1].name);
      out_.registers.push_back("rax");
      return;
    }
    if (m == "xor") error("LOCK XOR has no isolsim micro-op (there is no atomic_xor)");
    bad_operands();
  }

  void register_alu() {
    using K = Operand::Kind;
    static const std::map<std::string, std::string> kAlu = {
        {"add", "+"}, {"sub", "-"}, {"or", "|"}, {"and", "&"}, {"xor", "^"}};
    const std::string& m = mnemonic_;
    if ((m == "inc" || m == "dec") && shape({K::Reg}))
      return emit(ops_[0].name + " = " + ops_[0].name + (m == "inc" ? " + 1" : " - 1"));
    auto op = kAlu.find(m);
    if (op != kAlu.end() && (shape({K::Reg, K::Imm}) || shape({K::Reg, K::Reg})))
      return emit(ops_[0].name + " = " + ops_[0].name + " " + op->second + " " + ops_[1].value());
    if (is(1, K::Mem)) error("'" + written_ + "' reading memory is a load and a computation: load into a register first");
    bad_operands();
  }
};

}  // namespace

MicroOp read_instruction(Dialect d, const std::string& cell, const std::string& file, int line) {
  return InstructionReader(d, file, line).read(cell);
}

}  // namespace explore::litmus_x86
