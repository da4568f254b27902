// herd7 X86 litmus reader: strips (* comments *), reads the sections of a test, hands each
// instruction to its dialect's reader (litmus_x86.h) and writes isolsim assembly (litmus.h).
#include "litmus.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <optional>
#include <set>
#include <sstream>
#include <stdexcept>

#include "models/isa/assembler.h"
#include "sim/explore/litmus_x86.h"

namespace explore {
namespace {

using isa::Word;
using namespace litmus_x86;

// ---------------------------------------------------------------- comments

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
  bool flags = false;                        // it jumps on herd7's flags: keep them
  std::map<std::string, std::size_t> labels;  // herd7 label -> the row it starts
  struct Jump { std::string label; std::size_t row; int line; };
  std::vector<Jump> jumps;
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
      std::size_t end = text_.find_first_of(";\n", pos_);
      while (end != std::string::npos && text_[end] == ';' && lock_before(end)) end = text_.find_first_of(";\n", end + 1);
      if (end == std::string::npos || text_[end] != ';') error_at(pos_, "row does not end with ';'");
      out.push_back({text_.substr(pos_, end - pos_), line_at(pos_)});
      pos_ = end + 1;
    }
  }

  // herd7 reads `LOCK; ADD ...` as one instruction: that ';' ends no row.
  bool lock_before(std::size_t semi) const {
    std::size_t b = semi;
    while (b > 0 && ident_char(text_[b - 1])) --b;
    return lower(text_.substr(b, semi - b)) == "lock" && (b == 0 || !ident_char(text_[b - 1]));
  }

  void program() {
    const std::vector<Row> all = rows();
    if (all.empty()) fail(file_, line_at(pos_), "missing the thread header 'P0 | P1 ... ;'");
    const std::vector<std::string> head = split(all[0].text, '|');
    for (std::size_t i = 0; i < head.size(); ++i)
      if (trim(head[i]) != "P" + std::to_string(i))
        fail(file_, all[0].line, "expected thread header P" + std::to_string(i) + ", found '" + trim(head[i]) + "'");
    // Each thread is a CPU, and ALL_CPUS, the litmus programs' mask of every thread, is one word.
    constexpr std::size_t kMaxThreads = 64;
    if (head.size() > kMaxThreads)
      fail(file_, all[0].line, std::to_string(head.size()) + " threads: at most " + std::to_string(kMaxThreads) +
                                   " (one CPU each)");
    lit_.threads = static_cast<int>(head.size());
    threads_.resize(head.size());
    std::vector<std::vector<std::string>> table;
    for (std::size_t r = 1; r < all.size(); ++r) {
      table.push_back(split(all[r].text, '|'));
      if (table.back().size() != head.size())
        fail(file_, all[r].line, "row has " + std::to_string(table.back().size()) + " columns, the header " +
                                     std::to_string(head.size()));
      for (std::size_t t = 0; t < head.size(); ++t) threads_[t].flags |= conditional_jump(table.back()[t]);
    }
    for (std::size_t r = 0; r < table.size(); ++r)
      for (std::size_t t = 0; t < head.size(); ++t)
        if (!trim(table[r][t]).empty()) instruction(static_cast<int>(t), trim(table[r][t]), r, all[r + 1].line);
    for (std::size_t t = 0; t < head.size(); ++t) check_jumps(static_cast<int>(t));
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

  void instruction(int t, const std::string& cell, std::size_t row, int line) {
    Thread& th = threads_[t];
    const MicroOp op = read_instruction(dialect_, cell, th.flags, file_, line);
    for (const std::string& l : op.locations) note_location(l);
    th.registers.insert(op.registers.begin(), op.registers.end());
    for (const std::string& label : op.labels) {
      if (!th.labels.emplace(label, row).second)
        fail(file_, line, "label '" + label + "' defined twice in P" + std::to_string(t));
      th.code.push_back(label_of(label) + ":");
    }
    if (!op.jump.empty()) th.jumps.push_back({op.jump, row, line});
    for (std::string text : op.lines) {
      text.resize(std::max<std::size_t>(text.size() + 1, 32), ' ');
      th.code.push_back(text + "; " + cell + "  (line " + std::to_string(line) + ")");
    }
  }

  // Jumps go forward to a label of their thread: herd7 unrolls loops a bounded number of times,
  // and isolsim (whose models need every thread to end) does not read them.
  void check_jumps(int t) const {
    const Thread& th = threads_[t];
    for (const Thread::Jump& j : th.jumps) {
      auto it = th.labels.find(j.label);
      if (it == th.labels.end())
        fail(file_, j.line, "no label '" + j.label + "' in P" + std::to_string(t));
      if (it->second <= j.row)
        fail(file_, j.line, "jump back to '" + j.label + "' (a loop): only forward jumps are supported");
    }
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

  // The condition's parser recurses on ~, ( and =>, and what reads the proposition afterwards
  // recurses on its depth: a bound on its operators keeps "~~~~...x=0" off the stack's end.
  static constexpr int kMaxConditionOps = 1000;
  int condition_ops_ = 0;
  bool accept_op(const char* op) {
    const std::size_t at = peek().at;
    if (!accept(op)) return false;
    if (++condition_ops_ > kMaxConditionOps)
      error_at(at, "condition has more than " + std::to_string(kMaxConditionOps) + " operators");
    return true;
  }

  // herd's precedence: ~ binds tightest, then /\, then \/, then => (right-associative).
  LitmusProp proposition() {
    LitmusProp lhs = disjunction();
    if (!accept_op("=>")) return lhs;
    return node(LitmusProp::Kind::Or, {node(LitmusProp::Kind::Not, {std::move(lhs)}), proposition()});
  }
  LitmusProp disjunction() {
    LitmusProp p = conjunction();
    while (accept_op("\\/")) p = node(LitmusProp::Kind::Or, {std::move(p), conjunction()});
    return p;
  }
  LitmusProp conjunction() {
    LitmusProp p = unary();
    while (accept_op("/\\")) p = node(LitmusProp::Kind::And, {std::move(p), unary()});
    return p;
  }
  LitmusProp unary() {
    if (accept_op("~")) return node(LitmusProp::Kind::Not, {unary()});
    if (accept_op("(")) {
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
  const bool clashes = lookup_register(location) || internal_register(location) || location == "this_cpu" ||
                       location == "current_request";
  if (plain_identifier(location) && !clashes) return location;
  return litmus_x86::mangled("mem.", location);
}

std::string register_of(const std::string& litmus_reg) {
  const std::string name = litmus_reg.rfind('%', 0) == 0 ? litmus_reg.substr(1) : litmus_reg;
  auto r = lookup_register(name);
  if (!r) throw std::invalid_argument("not an x86 register: '" + litmus_reg + "'");
  return r->canonical;
}

}  // namespace explore
