// herd7 X86 litmus reader: strips (* comments *), reads the sections of a test, parses both
// instruction dialects (Intel for X86, AT&T for X86_64) and writes isolsim assembly (litmus.h).
#include "litmus.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <optional>
#include <set>
#include <sstream>
#include <stdexcept>

#include "models/isa/assembler.h"
#include "models/kernel/boot.h"

namespace explore {
namespace {

using isa::Word;

// ---------------------------------------------------------------- small text helpers

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

// ---------------------------------------------------------------- registers

struct RegInfo {
  std::string canonical;  // 64-bit name: what the assembly calls the register
  int width = 0;          // bits
};

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

std::optional<RegInfo> lookup_register(const std::string& name) {
  auto it = register_table().find(lower(name));
  if (it == register_table().end()) return std::nullopt;
  return it->second;
}

// The `ok` result of a CMPXCHG (ZF): a register no x86 name maps to.
const char* const kFlagRegister = "zf";

// ---------------------------------------------------------------- errors and comments

[[noreturn]] void fail(const std::string& file, int line, const std::string& msg) {
  throw isa::AsmError(file, static_cast<std::uint32_t>(line), msg);
}

int line_of(const std::string& text, std::size_t at) {
  int line = 1;
  for (std::size_t i = 0; i < at && i < text.size(); ++i)
    if (text[i] == '\n') ++line;
  return line;
}

// herd's (* comments *) nest, as in OCaml. They become blanks, newlines kept, so that every
// later error still names the right line. A comment does not start inside a "quoted" line.
std::string strip_comments(const std::string& text, const std::string& file) {
  std::string out = text;
  int depth = 0;
  bool quoted = false;
  std::size_t opened = 0;
  for (std::size_t i = 0; i < out.size(); ++i) {
    const char c = out[i];
    const char next = i + 1 < out.size() ? out[i + 1] : '\0';
    if (depth == 0 && quoted) {
      quoted = c != '"' && c != '\n';
    } else if (depth == 0 && c == '"') {
      quoted = true;
    } else if (c == '(' && next == '*') {
      if (depth++ == 0) opened = i;
      out[i] = out[i + 1] = ' ';
      ++i;
    } else if (depth > 0 && c == '*' && next == ')') {
      --depth;
      out[i] = out[i + 1] = ' ';
      ++i;
    } else if (depth > 0 && c != '\n') {
      out[i] = ' ';
    }
  }
  if (depth > 0) fail(file, line_of(text, opened), "unterminated comment '(*'");
  return out;
}

// ---------------------------------------------------------------- instructions

enum class Dialect { Intel, Att };  // X86: MOV EAX,[x]; X86_64: movl (x),%eax

struct Operand {
  enum class Kind { Reg, Mem, Imm } kind = Kind::Imm;
  std::string name;  // Reg: canonical register; Mem: location
  std::string var;   // Mem: its .var (variable_of)
  Word imm = 0;
  int width = 0;     // Reg: bits
  // The operand as a micro-op value.
  std::string value() const { return kind == Kind::Reg ? name : std::to_string(imm); }
};

// One translated instruction: the micro-op line, and what it names (for .var and register setup).
struct MicroOp {
  std::string text;
  std::vector<std::string> registers;  // canonical
  std::vector<std::string> locations;
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

// ---------------------------------------------------------------- the test file

struct Token {
  enum class Kind { Ident, Number, Punct, End };
  Kind kind = Kind::End;
  std::string text;
  std::size_t at = 0;
};

struct Row {
  std::string text;
  int line = 0;
};

struct Thread {
  std::vector<std::string> code;             // micro-op lines with their litmus source
  std::set<std::string> registers;           // canonical names, all set at the start
  std::map<std::string, Word> register_init;
};

class Reader {
 public:
  Reader(const std::string& text, const std::string& file)
      : file_(file), text_(strip_comments(text, file)) {
    lit_.file = file;
  }

  Litmus run() {
    header();
    metadata();
    init_block();
    program();
    conditions();
    lit_.assembly = assembly();
    return std::move(lit_);
  }

 private:
  std::string file_, text_;
  std::size_t pos_ = 0;
  Dialect dialect_ = Dialect::Intel;
  std::string arch_;
  Litmus lit_;
  std::vector<Thread> threads_;
  struct RegisterInit { int thread; std::string reg; Word value; int line; };
  std::vector<RegisterInit> register_inits_;  // checked once the threads are known
  std::vector<LitmusAtom> listed_;            // the `locations` line

  int line_at(std::size_t at) const { return line_of(text_, at); }
  // Errors at the end of the file name its last non-blank line.
  int last_line() const {
    const std::size_t last = text_.find_last_not_of(" \t\r\n");
    return line_at(last == std::string::npos ? 0 : last);
  }
  [[noreturn]] void error_at(std::size_t at, const std::string& msg) const {
    const std::size_t last = text_.find_last_not_of(" \t\r\n");
    fail(file_, last != std::string::npos && at > last ? last_line() : line_at(at), msg);
  }

  void note_location(const std::string& name) {
    for (const std::string& l : lit_.locations)
      if (l == name) return;
    lit_.locations.push_back(name);
  }

  // ---- tokens (init block, locations line, condition)

  Token lex() {
    while (pos_ < text_.size() && std::isspace(static_cast<unsigned char>(text_[pos_]))) ++pos_;
    Token t;
    t.at = pos_;
    if (pos_ >= text_.size()) return t;
    const char c = text_[pos_];
    std::size_t end = pos_ + 1;
    if (ident_start(c) || std::isdigit(static_cast<unsigned char>(c))) {
      t.kind = ident_start(c) ? Token::Kind::Ident : Token::Kind::Number;
      while (end < text_.size() && ident_char(text_[end])) ++end;
    } else {
      t.kind = Token::Kind::Punct;
      for (const char* two : {"/\\", "\\/", "=>"})
        if (text_.compare(pos_, 2, two) == 0) end = pos_ + 2;
    }
    t.text = text_.substr(pos_, end - pos_);
    pos_ = end;
    return t;
  }
  Token peek() {
    const std::size_t saved = pos_;
    Token t = lex();
    pos_ = saved;
    return t;
  }
  bool accept(const char* punct) {
    const Token t = peek();
    if (t.kind != Token::Kind::Punct || t.text != punct) return false;
    lex();
    return true;
  }
  static std::string describe(const Token& t) {
    return t.kind == Token::Kind::End ? "end of file" : "'" + t.text + "'";
  }
  void expect(const char* punct, const char* where) {
    const Token t = peek();
    if (!accept(punct)) error_at(t.at, std::string("expected '") + punct + "' " + where + ", found " + describe(t));
  }
  std::string ident(const char* what) {
    const Token t = lex();
    if (t.kind != Token::Kind::Ident) error_at(t.at, std::string("expected ") + what + ", found " + describe(t));
    return t.text;
  }
  Word value() {
    const Token t = lex();
    if (t.kind == Token::Kind::Punct && t.text == "-") error_at(t.at, "negative values are not supported");
    if (t.kind == Token::Kind::Ident)
      error_at(t.at, "values must be numbers ('" + t.text + "': addresses as values are not supported)");
    if (t.kind != Token::Kind::Number) error_at(t.at, "expected a number, found " + describe(t));
    const std::optional<Word> v = parse_number(t.text);
    if (!v) error_at(t.at, "bad number '" + t.text + "'");
    return *v;
  }

  // `N:REG` after N was read; returns the register as written.
  std::string thread_register(const Token& number, int* thread) {
    if (number.text.size() > 4 || number.text.find_first_not_of("0123456789") != std::string::npos)
      error_at(number.at, "bad thread number '" + number.text + "'");
    *thread = std::stoi(number.text);
    expect(":", "after a thread number");
    accept("%");
    const Token r = peek();
    const std::string name = ident("a register after 'N:'");
    auto info = lookup_register(name);
    if (!info) error_at(r.at, "unknown register '" + name + "'");
    if (info->width < 32) error_at(r.at, "8- and 16-bit registers are not supported: '" + name + "'");
    return name;
  }

  // ---- sections

  void header() {
    const std::size_t start = text_.find_first_not_of(" \t\r\n");
    if (start == std::string::npos) fail(file_, 1, "empty litmus file");
    const std::size_t eol = std::min(text_.find('\n', start), text_.size());
    std::istringstream in(text_.substr(start, eol - start));
    std::string name, extra;
    in >> arch_ >> name >> extra;
    if (lower(arch_) == "x86") dialect_ = Dialect::Intel;
    else if (lower(arch_) == "x86_64") dialect_ = Dialect::Att;
    else error_at(start, "not an X86 or X86_64 litmus test (architecture '" + arch_ + "')");
    if (name.empty()) error_at(start, "missing test name after " + arch_);
    if (!extra.empty()) error_at(start, "unexpected '" + extra + "' after the test name");
    lit_.name = name;
    pos_ = eol;
  }

  // Between the name and the init block: a "quoted" description and Key=Value lines.
  void metadata() {
    while (pos_ < text_.size()) {
      const std::size_t eol = std::min(text_.find('\n', pos_), text_.size());
      const std::string line = trim(text_.substr(pos_, eol - pos_));
      std::size_t key = 0;
      while (key < line.size() && (ident_char(line[key]) || line[key] == '-')) ++key;
      const bool keyed = key > 0 && trim(line.substr(key)).rfind('=', 0) == 0;
      if (!line.empty() && line[0] == '{') {
        pos_ = text_.find('{', pos_);
        return;
      }
      if (!line.empty() && line[0] != '"' && !keyed)
        error_at(text_.find_first_not_of(" \t\r\n", pos_), "expected the init block '{', found '" + line + "'");
      pos_ = eol + 1;
    }
    fail(file_, last_line(), "missing the init block '{ ... }'");
  }

  void init_block() {
    const std::size_t open = pos_;
    expect("{", "to open the init block");
    for (;;) {
      const Token t = peek();
      if (accept("}")) return;
      if (t.kind == Token::Kind::End) error_at(open, "unterminated init block '{'");
      if (accept(";")) continue;
      init_entry();
      const Token after = peek();
      if (!(after.kind == Token::Kind::Punct && (after.text == ";" || after.text == "}")))
        error_at(after.at, "expected ';' after an init entry, found " + describe(after));
    }
  }

  // x=1, [x]=1, int x=1, uint64_t x, 0:EAX=1
  void init_entry() {
    static const std::set<std::string> kTypes = {
        "int", "long", "unsigned", "signed", "char", "short", "int8_t", "uint8_t", "int16_t",
        "uint16_t", "int32_t", "uint32_t", "int64_t", "uint64_t", "intptr_t", "uintptr_t"};
    Token t = lex();
    if (t.kind == Token::Kind::Number) {
      int thread = 0;
      const std::string reg = thread_register(t, &thread);
      expect("=", "in a register initialiser");
      register_inits_.push_back({thread, reg, value(), line_at(t.at)});
      return;
    }
    const bool bracketed = t.kind == Token::Kind::Punct && t.text == "[";
    if (bracketed) t = lex();
    while (!bracketed && t.kind == Token::Kind::Ident && peek().kind == Token::Kind::Ident) {
      if (!kTypes.count(t.text)) error_at(t.at, "unsupported type '" + t.text + "'");
      t = lex();
    }
    if (t.kind != Token::Kind::Ident) error_at(t.at, "expected a location or N:REG in the init block, found " + describe(t));
    if (bracketed) expect("]", "after a location");
    Word v = 0;
    if (accept("=")) v = value();
    else if (bracketed) expect("=", "after [location]");
    if (lit_.init.count(t.text)) error_at(t.at, "location '" + t.text + "' initialised twice");
    lit_.init[t.text] = v;
    note_location(t.text);
  }

  bool at_condition() const {
    if (text_[pos_] == '~') return true;
    std::size_t end = pos_;
    while (end < text_.size() && ident_char(text_[end])) ++end;
    static const std::set<std::string> kKeywords = {"locations", "exists", "forall", "filter"};
    return kKeywords.count(text_.substr(pos_, end - pos_)) > 0;
  }

  // Rows up to the first keyword: the thread header, then one `|`-separated row per line.
  std::vector<Row> rows() {
    std::vector<Row> out;
    for (;;) {
      pos_ = std::min(text_.find_first_not_of(" \t\r\n", pos_), text_.size());
      if (pos_ >= text_.size() || at_condition()) return out;
      const std::size_t end = text_.find_first_of(";\n", pos_);
      if (end == std::string::npos || text_[end] != ';') error_at(pos_, "row does not end with ';'");
      out.push_back({text_.substr(pos_, end - pos_), line_at(pos_)});
      pos_ = end + 1;
    }
  }

  void program() {
    const std::vector<Row> all = rows();
    if (all.empty()) fail(file_, line_at(pos_), "missing the thread header 'P0 | P1 ... ;'");
    const std::vector<std::string> head = split(all[0].text, '|');
    for (std::size_t i = 0; i < head.size(); ++i)
      if (trim(head[i]) != "P" + std::to_string(i))
        fail(file_, all[0].line, "expected thread header P" + std::to_string(i) + ", found '" + trim(head[i]) + "'");
    // Each thread is a CPU, and the machine has at most kMaxCpus (a CPU mask is one word).
    if (head.size() > kernel::kMaxCpus)
      fail(file_, all[0].line, std::to_string(head.size()) + " threads: at most " + std::to_string(kernel::kMaxCpus) +
                                   " (one CPU each)");
    lit_.threads = static_cast<int>(head.size());
    threads_.resize(head.size());
    for (std::size_t r = 1; r < all.size(); ++r) {
      const std::vector<std::string> cells = split(all[r].text, '|');
      if (cells.size() != head.size())
        fail(file_, all[r].line, "row has " + std::to_string(cells.size()) + " columns, the header " +
                                     std::to_string(head.size()));
      for (std::size_t t = 0; t < cells.size(); ++t)
        if (!trim(cells[t]).empty()) instruction(static_cast<int>(t), trim(cells[t]), all[r].line);
    }
    for (const RegisterInit& ri : register_inits_) {
      Thread& th = thread(ri.thread, ri.line);
      const std::string reg = register_of(ri.reg);
      th.registers.insert(reg);
      th.register_init[reg] = ri.value;
    }
  }

  Thread& thread(int t, int line) {
    if (t < 0 || t >= lit_.threads)
      fail(file_, line, "no thread " + std::to_string(t) + " (the test has " + std::to_string(lit_.threads) + ")");
    return threads_[t];
  }

  void instruction(int t, const std::string& cell, int line) {
    const MicroOp op = InstructionReader(dialect_, file_, line).read(cell);
    for (const std::string& l : op.locations) note_location(l);
    threads_[t].registers.insert(op.registers.begin(), op.registers.end());
    std::string text = op.text;
    text.resize(std::max<std::size_t>(text.size() + 1, 32), ' ');
    threads_[t].code.push_back(text + "; " + cell + "  (line " + std::to_string(line) + ")");
  }

  // ---- locations line and condition

  // A place: x, [x] or N:REG. Its thread's register becomes readable at the end.
  LitmusAtom place() {
    const Token t = lex();
    LitmusAtom a;
    if (t.kind == Token::Kind::Number) {
      a.name = thread_register(t, &a.thread);
      thread(a.thread, line_at(t.at)).registers.insert(register_of(a.name));
    } else if (t.kind == Token::Kind::Punct && t.text == "[") {
      a.name = ident("a location inside [ ]");
      expect("]", "after a location");
    } else if (t.kind == Token::Kind::Ident) {
      a.name = t.text;
    } else {
      error_at(t.at, "expected a location or N:REG, found " + describe(t));
    }
    if (a.thread < 0) note_location(a.name);
    return a;
  }

  void conditions() {
    if (peek().kind == Token::Kind::Ident && peek().text == "locations") {
      lex();
      expect("[", "after 'locations'");
      while (!accept("]")) {
        listed_.push_back(place());
        if (!accept(";") && !(peek().kind == Token::Kind::Punct && peek().text == "]"))
          error_at(peek().at, "expected ';' in the locations list, found " + describe(peek()));
      }
    }
    const Token q = lex();
    if (q.kind == Token::Kind::End) fail(file_, last_line(), "missing condition (exists, ~exists or forall)");
    if (q.kind == Token::Kind::Punct && q.text == "~" && peek().text == "exists") {
      lex();
      lit_.quantifier = Litmus::Quantifier::NotExists;
    } else if (q.text == "exists") {
      lit_.quantifier = Litmus::Quantifier::Exists;
    } else if (q.text == "forall") {
      lit_.quantifier = Litmus::Quantifier::Forall;
    } else if (q.text == "filter") {
      error_at(q.at, "'filter' is not supported");
    } else {
      error_at(q.at, "expected exists, ~exists or forall, found " + describe(q));
    }
    lit_.condition = proposition();
    const Token rest = peek();
    if (rest.kind != Token::Kind::End) error_at(rest.at, "unexpected " + describe(rest) + " after the condition");
    observe();
  }

  static LitmusProp node(LitmusProp::Kind k, std::vector<LitmusProp> args) {
    LitmusProp p;
    p.kind = k;
    p.args = std::move(args);
    return p;
  }

  // herd's precedence: ~ binds tightest, then /\, then \/, then => (right-associative).
  LitmusProp proposition() {
    LitmusProp lhs = disjunction();
    if (!accept("=>")) return lhs;
    return node(LitmusProp::Kind::Or, {node(LitmusProp::Kind::Not, {std::move(lhs)}), proposition()});
  }
  LitmusProp disjunction() {
    LitmusProp p = conjunction();
    while (accept("\\/")) p = node(LitmusProp::Kind::Or, {std::move(p), conjunction()});
    return p;
  }
  LitmusProp conjunction() {
    LitmusProp p = unary();
    while (accept("/\\")) p = node(LitmusProp::Kind::And, {std::move(p), unary()});
    return p;
  }
  LitmusProp unary() {
    if (accept("~")) return node(LitmusProp::Kind::Not, {unary()});
    if (accept("(")) {
      LitmusProp p = proposition();
      expect(")", "to close '('");
      return p;
    }
    const Token t = peek();
    if (t.kind == Token::Kind::Ident && (t.text == "true" || t.text == "false")) {
      lex();
      return node(t.text == "true" ? LitmusProp::Kind::True : LitmusProp::Kind::False, {});
    }
    LitmusProp p;
    p.kind = LitmusProp::Kind::Atom;
    p.atom = place();
    expect("=", "in a condition atom");
    p.atom.value = value();
    return p;
  }

  // The observed atoms: each place once (a register under any of its names), in a fixed order.
  void observe() {
    std::map<std::pair<int, std::string>, LitmusAtom> seen;
    auto add = [&](const LitmusAtom& a) {
      const std::string key = a.thread < 0 ? a.name : register_of(a.name);
      LitmusAtom place = a;
      place.value = 0;
      seen.emplace(std::make_pair(a.thread, key), place);
    };
    for (const LitmusAtom& a : listed_) add(a);
    std::vector<const LitmusProp*> todo = {&lit_.condition};
    while (!todo.empty()) {
      const LitmusProp* p = todo.back();
      todo.pop_back();
      if (p->kind == LitmusProp::Kind::Atom) add(p->atom);
      for (auto it = p->args.rbegin(); it != p->args.rend(); ++it) todo.push_back(&*it);
    }
    for (const auto& [key, atom] : seen) lit_.observed.push_back(atom);
  }

  // ---- output

  std::string assembly() const {
    std::string s = "; " + arch_ + " " + lit_.name + " (" + file_ + "), translated from herd7 litmus\n";
    for (const std::string& l : lit_.locations) {
      auto it = lit_.init.find(l);
      s += ".var " + variable_of(l) + " = " + std::to_string(it == lit_.init.end() ? 0 : it->second) +
           (variable_of(l) == l ? "" : "  ; " + l) + "\n";
    }
    for (int t = 0; t < lit_.threads; ++t) {
      const Thread& th = threads_[t];
      s += "\n.func P" + std::to_string(t) + "()\n";
      // Every register the test names is set first, so that one only read is still readable.
      for (const std::string& r : th.registers) {
        auto it = th.register_init.find(r);
        s += "    " + r + " = " + std::to_string(it == th.register_init.end() ? 0 : it->second) + "\n";
      }
      for (const std::string& line : th.code) s += "    " + line + "\n";
      s += "    halt\n.endfunc\n";
    }
    return s;
  }
};

bool eval(const LitmusProp& p, const std::function<Word(const LitmusAtom&)>& value) {
  switch (p.kind) {
    case LitmusProp::Kind::True: return true;
    case LitmusProp::Kind::False: return false;
    case LitmusProp::Kind::Atom: return value(p.atom) == p.atom.value;
    case LitmusProp::Kind::Not: return !eval(p.args.at(0), value);
    case LitmusProp::Kind::And: return eval(p.args.at(0), value) && eval(p.args.at(1), value);
    case LitmusProp::Kind::Or: return eval(p.args.at(0), value) || eval(p.args.at(1), value);
  }
  return false;
}

}  // namespace

bool Litmus::holds(const std::function<isa::Word(const LitmusAtom&)>& value) const {
  return eval(condition, value);
}

Litmus parse_litmus(const std::string& text, const std::string& file) { return Reader(text, file).run(); }

std::string variable_of(const std::string& location) {
  // Kept names never contain a dot, mangled ones always do, so the two never meet.
  const bool clashes = lookup_register(location) || location == kFlagRegister || location == "this_cpu" ||
                       location == "current_request";
  if (plain_identifier(location) && !clashes) return location;
  std::string out = "mem.";
  for (unsigned char c : location) {
    if (std::isalnum(c)) {
      out += static_cast<char>(c);
    } else {
      char hex[4];
      std::snprintf(hex, sizeof hex, "_%02x", c);
      out += hex;
    }
  }
  return out;
}

std::string register_of(const std::string& litmus_reg) {
  const std::string name = litmus_reg.rfind('%', 0) == 0 ? litmus_reg.substr(1) : litmus_reg;
  auto r = lookup_register(name);
  if (!r) throw std::invalid_argument("not an x86 register: '" + litmus_reg + "'");
  return r->canonical;
}

}  // namespace explore
