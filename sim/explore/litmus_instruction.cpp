// One herd7 X86 / X86_64 instruction to isolsim micro-ops (litmus_x86.h), with herd7's semantics
// (herdtools7 herd/X86Sem.ml and herd/X86_64Sem.ml). A LOCKed read-modify-write of memory is one
// locked micro-op; an unlocked one is a load and a store that other CPUs can come between; flags
// are computed as herd7 computes them, and only in threads that jump on them.
#include "litmus_x86.h"

#include <algorithm>
#include <cctype>
#include <map>
#include <set>
#include <stdexcept>

#include "sim/explore/litmus.h"

namespace explore::litmus_x86 {

using isa::Word;

namespace {

const Word kSign = Word(1) << 63;

// herd7's names (X86Lexer.mll): a letter, then letters, digits, '_', '/', '.' or '-'.
bool herd_name(const std::string& s) {
  if (s.empty() || !std::isalpha(static_cast<unsigned char>(s[0]))) return false;
  for (char c : s)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '/' && c != '.' && c != '-') return false;
  return true;
}

// Removes the labels `NAME:` that start `rest` (herd7: `NAME COLON instr_option`) and returns them.
std::vector<std::string> take_labels(std::string& rest) {
  std::vector<std::string> out;
  for (;;) {
    const std::size_t colon = rest.find(':');
    if (colon == std::string::npos) return out;
    const std::string head = trim(rest.substr(0, colon));
    if (!herd_name(head)) return out;
    out.push_back(head);
    rest = trim(rest.substr(colon + 1));
  }
}

// Removes and returns the first blank-separated word of `s`.
std::string take_word(std::string& s) {
  const std::size_t b = std::min(s.find_first_not_of(" \t"), s.size());
  const std::size_t e = std::min(s.find_first_of(" \t", b), s.size());
  std::string word = s.substr(b, e - b);
  s = s.substr(e);
  return word;
}

const std::set<std::string> kConditionalJumps = {"je", "jne", "jle", "jlt", "jge", "jgt", "js", "jns"};

struct Operand {
  enum class Kind { Reg, Mem, Imm } kind = Kind::Imm;
  std::string name;  // Reg: canonical register; Mem: location
  std::string var;   // Mem: its .var (variable_of)
  Word imm = 0;
  int width = 0;     // Reg: bits
  // The operand as a micro-op value.
  std::string value() const { return kind == Kind::Reg ? name : std::to_string(imm); }
};

// One litmus cell -> its micro-ops. Errors name `line`.
class InstructionReader {
 public:
  InstructionReader(Dialect d, bool flags, const std::string& file, int line)
      : dialect_(d), flags_(flags), file_(file), line_(line) {}

  MicroOp read(const std::string& cell) {
    std::string rest = trim(cell);
    out_.labels = take_labels(rest);
    if (rest.empty()) return out_;
    std::string word = take_word(rest);
    if (lower(word) == "lock" || lower(word) == "lock;") {  // herd7: `LOCK semi_opt instr`
      lock_ = true;
      rest = trim(rest);
      if (lower(word) == "lock" && !rest.empty() && rest[0] == ';') rest = rest.substr(1);
      word = take_word(rest);
      if (word.empty()) error("LOCK prefixes nothing");
    }
    written_ = word;
    mnemonic_ = lower(word);
    strip_size_suffix();
    if (mnemonic_ == "jmp" || kConditionalJumps.count(mnemonic_)) {
      jump(trim(rest));
      return out_;
    }
    static const std::set<std::string> kKnown = {
        "mfence", "lfence", "sfence", "movt", "movsd", "xchg", "uxch", "mov", "movnti", "setnb", "cmovc",
        "cmp",    "inc",    "dec",    "cmpxchg", "add", "sub", "or",  "and", "xor",    "xadd"};
    if (!kKnown.count(mnemonic_)) error("unknown instruction '" + written_ + "'");
    if (!trim(rest).empty())
      for (const std::string& text : split(rest, ',')) ops_.push_back(operand(trim(text)));
    if (dialect_ == Dialect::Att) std::reverse(ops_.begin(), ops_.end());  // destination first
    check_widths();
    lower_to_micro_ops();
    for (const Operand& o : ops_) {
      if (o.kind == Operand::Kind::Reg) use(o.name);
      if (o.kind == Operand::Kind::Mem) out_.locations.push_back(o.name);
    }
    return out_;
  }

 private:
  using K = Operand::Kind;
  Dialect dialect_;
  bool flags_;
  const std::string& file_;
  int line_;
  bool lock_ = false;
  std::string written_;   // the mnemonic as written, for messages
  std::string mnemonic_;  // lower case, without a size suffix
  int suffix_width_ = 0;  // movl, movq
  std::vector<Operand> ops_;
  MicroOp out_;

  [[noreturn]] void error(const std::string& msg) const { fail(file_, line_, msg); }
  [[noreturn]] void bad_operands() const { error("unsupported operands for '" + written_ + "'"); }

  void line(const std::string& text) { out_.lines.push_back(text); }
  void use(const std::string& reg) {
    if (std::find(out_.registers.begin(), out_.registers.end(), reg) == out_.registers.end())
      out_.registers.push_back(reg);
  }

  // X86_64's b/w/l/q suffixes (and X86's MOVB..MOVQ): 32 and 64 bits are read, 8 and 16 refused.
  void strip_size_suffix() {
    static const std::set<std::string> kStems = {"mov", "xchg", "uxch", "add",     "sub", "inc",   "dec",   "or",
                                                 "and", "xor",  "xadd", "cmpxchg", "cmp", "cmovc", "movnti"};
    if (kStems.count(mnemonic_) || mnemonic_.size() < 2) return;
    const std::string stem = mnemonic_.substr(0, mnemonic_.size() - 1);
    if (!kStems.count(stem) || (dialect_ == Dialect::Intel && stem != "mov")) return;
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

  // `[x]`, AT&T `(x)`. A register inside is an address in a register, which needs addresses as values.
  Operand memory(const std::string& inside, const std::string& text, bool brackets) const {
    const std::string name = trim(inside);
    // AT&T writes registers with '%' inside parentheses: `(rax)` is the location rax.
    const bool reg = name.rfind('%', 0) == 0 || ((brackets || dialect_ == Dialect::Intel) && lookup_register(name));
    if (reg) error("register-indirect addressing is not supported: '" + text + "'");
    if (!plain_identifier(name)) error("bad memory operand '" + text + "'");
    Operand o;
    o.kind = K::Mem;
    o.name = name;
    o.var = variable_of(name);
    return o;
  }

  Operand reg(const std::string& name, const std::string& text) const {
    auto r = lookup_register(name);
    if (!r) error("unknown register or operand '" + text + "'");
    if (r->width < 32) error("8- and 16-bit registers are not supported: '" + text + "'");
    Operand o;
    o.kind = K::Reg;
    o.name = r->canonical;
    o.width = r->width;
    return o;
  }

  // herd7's operands: [x] (both), (x) (X86_64), $1 or 1, EAX (X86), %eax or eax (X86_64).
  Operand operand(const std::string& text) const {
    if (text.empty()) error("missing operand in '" + written_ + "'");
    const bool intel = dialect_ == Dialect::Intel;
    const char f = text.front(), b = text.back();
    if (f == '[' && b == ']') return memory(text.substr(1, text.size() - 2), text, true);
    if (f == '(' && b == ')') {
      if (intel && !lookup_register(trim(text.substr(1, text.size() - 2))))
        error("unknown register or operand '" + text + "' (X86 operands: [x], $1, EAX)");
      return memory(text.substr(1, text.size() - 2), text, false);
    }
    if (std::isdigit(static_cast<unsigned char>(f)) || f == '-' || f == '$') {
      const std::string digits = f == '$' ? trim(text.substr(1)) : text;
      if (text.find_first_of("([") != std::string::npos)  // X86_64's `8(%rax)`
        error("register-indirect addressing is not supported: '" + text + "'");
      Operand o;
      o.imm = number(digits, text);
      return o;
    }
    if (intel && !lookup_register(text))
      error("unknown register or operand '" + text + "' (X86 operands: [x], $1, EAX)");
    if (intel) return reg(text, text);
    if (f == '%') return reg(text.substr(1), text);
    if (lookup_register(text)) return reg(text, text);
    error("unknown register or operand '" + text + "' (AT&T operands: (x), $1, %eax)");
  }

  // One operand size per instruction, as the assembler (gas) insists; immediates must fit it.
  void check_widths() {
    int width = suffix_width_;
    for (const Operand& o : ops_) {
      if (o.kind != K::Reg) continue;
      if (width != 0 && o.width != width) error("operand size mismatch in '" + written_ + "'");
      width = o.width;
    }
    if (width == 0) width = 32;
    for (const Operand& o : ops_)
      if (o.kind == K::Imm && width < 64 && o.imm >> width != 0)
        error("immediate " + std::to_string(o.imm) + " does not fit " + std::to_string(width) + " bits");
  }

  bool shape(std::initializer_list<K> kinds) const {
    if (kinds.size() != ops_.size()) return false;
    std::size_t i = 0;
    for (K k : kinds)
      if (ops_[i++].kind != k) return false;
    return true;
  }

  // A source operand as a micro-op value: memory is loaded into `into` first (a read of its own).
  std::string source(const Operand& o, const char* into) {
    if (o.kind != K::Mem) return o.value();
    line(std::string(into) + " = load " + o.var);
    return into;
  }

  // herd7's CMP flags: ZF = (a == b), SF = (a > b) as signed values; CF is always 0 (herd7 writes
  // 0 to it and nothing else). `b_imm`: b is that immediate.
  void compare_flags(const std::string& a, const std::string& b, const std::optional<Word>& b_imm) {
    line(std::string(kFlagRegister) + " = " + a + " == " + b);
    // Signed a > b is unsigned (a ^ sign) > (b ^ sign).
    std::string biased = b_imm ? std::to_string(*b_imm ^ kSign) : kTemp2Register;
    if (!b_imm) line(biased + " = " + b + " ^ " + std::to_string(kSign));
    line(std::string(kSignRegister) + " = " + a + " ^ " + std::to_string(kSign));
    line(std::string(kSignRegister) + " = " + kSignRegister + " > " + biased);
  }
  // After an arithmetic result: herd7 compares it with 0.
  void result_flags(const std::string& v) {
    if (flags_) compare_flags(v, "0", Word(0));
  }

  void jump(const std::string& target) {
    if (lock_) error("LOCK cannot prefix " + written_);
    if (!herd_name(target)) error("'" + written_ + "' needs a label, found '" + target + "'");
    out_.jump = target;
    const std::string l = label_of(target);
    const std::string& m = mnemonic_;
    if (m == "jmp") return line("jmp " + l);
    use(kFlagRegister);
    use(kSignRegister);
    // herd7's conditions (X86_64Sem.ml), SF being its a > b: JLT jumps on ZF | ~SF as JLE does.
    static const std::map<std::string, std::string> kTest = {
        {"je", "jnz zf"},       {"jne", "jz zf"},  {"jgt", "jnz sf"}, {"js", "jnz sf"},
        {"jle", "jz sf"},       {"jns", "jz sf"},  {"jge", "jnz zf | sf"},
        {"jlt", "jz sf & ~zf"}};
    line(kTest.at(m) + ", " + l);
  }

  void lower_to_micro_ops() {
    const std::string& m = mnemonic_;
    if (m == "mfence" || m == "lfence" || m == "sfence") {
      if (!ops_.empty()) error("'" + written_ + "' takes no operands");
      if (lock_) error("LOCK cannot prefix " + written_);
      // LFENCE and SFENCE order nothing x86-TSO does not already order on ordinary memory, and
      // x86tso.cat ignores them.
      if (m == "mfence") line("mfence");
      return;
    }
    if (m == "movt" || m == "movsd") error("'" + written_ + "' is not supported (herd7 does not implement it either)");
    static const std::set<std::string> kNoLock = {"mov", "cmp", "setnb", "cmovc", "movnti"};
    if (lock_ && kNoLock.count(m)) error("LOCK cannot prefix " + written_);
    if (m == "xchg" || m == "uxch") return exchange();
    if (m == "mov") return mov();
    if (m == "movnti") return movnti();
    if (m == "setnb") return setnb();
    if (m == "cmovc") return cmovc();
    if (m == "cmp") return compare();
    if (m == "inc" || m == "dec") return step(m == "inc");
    if (m == "cmpxchg") return cmpxchg();
    static const std::set<std::string> kAlu = {"add", "sub", "or", "and", "xor", "xadd"};
    if (kAlu.count(m)) return alu();
    throw std::logic_error("litmus reader: no lowering for '" + m + "'");  // kKnown lists it
  }

  // XCHG and herd7's UXCH: X86_64Sem.ml gives both the same atomic exchange (and x86 locks XCHG on
  // memory whatever its prefix).
  void exchange() {
    if (shape({K::Mem, K::Reg})) return line(ops_[1].name + " = xchg " + ops_[0].var + ", " + ops_[1].name);
    if (shape({K::Reg, K::Mem})) return line(ops_[0].name + " = xchg " + ops_[1].var + ", " + ops_[0].name);
    if (!shape({K::Reg, K::Reg})) bad_operands();
    line(std::string(kTempRegister) + " = " + ops_[0].name);
    line(ops_[0].name + " = " + ops_[1].name);
    line(ops_[1].name + " = " + kTempRegister);
  }

  void mov() {
    if (shape({K::Mem, K::Imm}) || shape({K::Mem, K::Reg})) return line("store " + ops_[0].var + ", " + ops_[1].value());
    if (shape({K::Mem, K::Mem})) {  // herd7 reads the one and writes the other
      const std::string v = source(ops_[1], kTempRegister);
      return line("store " + ops_[0].var + ", " + v);
    }
    if (shape({K::Reg, K::Mem})) return line(ops_[0].name + " = load " + ops_[1].var);
    if (shape({K::Reg, K::Imm}) || shape({K::Reg, K::Reg})) return line(ops_[0].name + " = " + ops_[1].value());
    bad_operands();
  }

  // herd7: an ordinary store (X86_64Sem.ml: "movnti is an ordinary store"), as x86tso.cat sees it.
  void movnti() {
    if (shape({K::Mem, K::Reg})) return line("store " + ops_[0].var + ", " + ops_[1].name);
    if (shape({K::Reg, K::Reg})) return line(ops_[0].name + " = " + ops_[1].name);
    bad_operands();
  }

  // Writes ~CF, which is always 1 in herd7.
  void setnb() {
    if (shape({K::Mem})) return line("store " + ops_[0].var + ", 1");
    if (shape({K::Reg})) return line(ops_[0].name + " = 1");
    bad_operands();
  }

  // Moves when CF is set, and herd7's CF is always 0: no micro-op, no read.
  void cmovc() {
    const bool ok = ops_.size() == 2 && ((ops_[0].kind == K::Reg && ops_[1].kind != K::Imm) ||
                                         (ops_[1].kind == K::Reg && ops_[0].kind != K::Imm));
    if (!ok) bad_operands();
  }

  void compare() {
    if (ops_.size() != 2 || ops_[0].kind == K::Imm) bad_operands();
    const std::string a = source(ops_[0], kTempRegister);
    const std::string b = source(ops_[1], kTemp2Register);
    if (flags_) compare_flags(a, b, ops_[1].kind == K::Imm ? std::optional<Word>(ops_[1].imm) : std::nullopt);
  }

  void step(bool inc) {
    if (!shape({K::Reg}) && !shape({K::Mem})) bad_operands();
    const std::string tmp = kTempRegister;
    if (ops_[0].kind == K::Reg) {
      if (lock_) error("LOCK needs a memory destination");
      const std::string& r = ops_[0].name;
      line(r + " = " + r + (inc ? " + 1" : " - 1"));
      return result_flags(r);
    }
    const std::string& x = ops_[0].var;
    const std::string delta = inc ? "1" : std::to_string(~Word(0));
    if (lock_ && !flags_) return line("atomic_add " + x + ", " + delta);
    if (lock_) {
      line(tmp + " = atomic_add_return " + x + ", " + delta);
    } else {
      line(tmp + " = load " + x);
      line(tmp + " = " + tmp + (inc ? " + 1" : " - 1"));
      line("store " + x + ", " + tmp);
    }
    result_flags(tmp);
  }

  // herd7's `cmpxchg effaddr, reg` (memory first, in X86_64 too); gas's `cmpxchg %reg,(x)` as well.
  // Compares with EAX: equal, memory gets the register; not, EAX gets memory. ZF says which.
  void cmpxchg() {
    if (shape({K::Reg, K::Mem})) std::swap(ops_[0], ops_[1]);
    if (shape({K::Reg, K::Reg})) error("CMPXCHG between registers is not supported (only a memory destination)");
    if (!shape({K::Mem, K::Reg})) bad_operands();
    const std::string& x = ops_[0].var;
    const std::string& r = ops_[1].name;
    use("rax");
    if (lock_) return line(std::string(kFlagRegister) + ", rax = cmpxchg " + x + ", rax, " + r);
    // Unlocked: a plain read, then a plain write only when equal (X86_64Sem.ml's choice). EAX gets
    // the value read either way: when equal it held that value already.
    const std::string skip = "I." + std::to_string(line_);
    line(std::string(kTempRegister) + " = load " + x);
    line(std::string(kFlagRegister) + " = " + kTempRegister + " == rax");
    line(std::string("jz ") + kFlagRegister + ", " + skip);
    line("store " + x + ", " + r);
    line(skip + ":");
    line(std::string("rax = ") + kTempRegister);
  }

  void alu() {
    static const std::map<std::string, std::string> kOp = {
        {"add", "+"}, {"sub", "-"}, {"or", "|"}, {"and", "&"}, {"xor", "^"}, {"xadd", "+"}};
    const std::string& m = mnemonic_;
    if (ops_.size() != 2 || ops_[0].kind == K::Imm || (m == "xadd" && ops_[1].kind != K::Reg)) bad_operands();
    const Operand& d = ops_[0];
    const Operand& s = ops_[1];
    const std::string op = " " + kOp.at(m) + " ";
    const std::string tmp = kTempRegister, tmp2 = kTemp2Register;
    if (d.kind == K::Reg) {
      if (lock_) error("LOCK needs a memory destination");
      if (m == "xadd") {  // d, s = d + s, d
        line(tmp + " = " + d.name + " + " + s.name);
        line(s.name + " = " + d.name);
        line(d.name + " = " + tmp);
      } else {
        line(d.name + " = " + d.name + op + source(s, kTemp2Register));
      }
      return result_flags(d.name);
    }
    if (lock_) return locked_alu(d, s);
    // Unlocked on memory: herd7's read and write are plain events, not a read-modify-write pair.
    const std::string v = source(s, kTemp2Register);
    line(tmp + " = load " + d.var);
    if (m == "xadd") {
      line(tmp2 + " = " + tmp + " + " + v);
      line("store " + d.var + ", " + tmp2);
      line(s.name + " = " + tmp);
      return result_flags(tmp2);
    }
    line(tmp + " = " + tmp + op + v);
    line("store " + d.var + ", " + tmp);
    result_flags(tmp);
  }

  // One locked micro-op; when the thread needs the flags, one that returns a value to compute them.
  void locked_alu(const Operand& d, const Operand& s) {
    const std::string& m = mnemonic_;
    if (s.kind == K::Mem) error("LOCK '" + written_ + "' with two memory operands is not supported");
    const std::string& x = d.var;
    const std::string v = s.value();
    const std::string tmp = kTempRegister;
    const bool reg = s.kind == K::Reg;
    if (m == "xor") error("LOCK XOR has no isolsim micro-op (there is no atomic_xor)");
    if (m == "add" || m == "sub") {  // subtracting adds the two's complement: words wrap at 64 bits
      const std::string delta = m == "add" ? v : reg ? "-" + s.name : std::to_string(Word(0) - s.imm);
      if (!flags_) return line("atomic_add " + x + ", " + delta);
      line(tmp + " = atomic_add_return " + x + ", " + delta);
    } else if (m == "or") {
      if (!flags_) return line("atomic_or " + x + ", " + v);
      line(tmp + " = atomic_fetch_or " + x + ", " + v);
      line(tmp + " = " + tmp + " | " + v);
    } else if (m == "and") {  // x & v == x & ~(~v)
      const std::string inverse = reg ? "~" + s.name : std::to_string(~s.imm);
      if (!flags_) return line("atomic_andnot " + x + ", " + inverse);
      line(tmp + " = atomic_fetch_andnot " + x + ", " + inverse);
      line(tmp + " = " + tmp + " & " + v);
    } else {  // xadd: the register gets the old value
      if (!flags_) return line(s.name + " = atomic_fetch_add " + x + ", " + s.name);
      line(tmp + " = atomic_add_return " + x + ", " + s.name);
      line(s.name + " = " + tmp + " - " + s.name);
    }
    result_flags(tmp);
  }
};

}  // namespace

MicroOp read_instruction(Dialect d, const std::string& cell, bool flags, const std::string& file, int line) {
  return InstructionReader(d, flags, file, line).read(cell);
}

bool conditional_jump(const std::string& cell) {
  std::string rest = trim(cell);
  take_labels(rest);
  return kConditionalJumps.count(lower(take_word(rest))) > 0;
}

}  // namespace explore::litmus_x86
