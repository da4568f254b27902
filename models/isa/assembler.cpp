// The assembler (assembler.h): lexing, declarations and layout (pass 1), constant and operand
// expressions; function bodies are pass 2, in assembler_function.cpp.
#include "assembler.h"

#include <cctype>
#include <memory>
#include <mutex>
#include <sstream>
#include <unordered_map>

#include "assembler_impl.h"
#include "executor.h"

namespace isa {
namespace asm_impl {
namespace {

bool ident_start(char c) { return std::isalpha(static_cast<unsigned char>(c)) || c == '_' || c == '.'; }
bool ident_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.'; }

struct BinOp { const char* text; AluOp op; int prec; };
const BinOp kBinOps[] = {
    {"||", AluOp::LOr, 1}, {"&&", AluOp::LAnd, 2}, {"|", AluOp::Or, 3}, {"^", AluOp::Xor, 4},
    {"&", AluOp::And, 5}, {"==", AluOp::Eq, 6}, {"!=", AluOp::Ne, 6}, {"<", AluOp::Ltu, 7},
    {"<=", AluOp::Leu, 7}, {">", AluOp::Gtu, 7}, {">=", AluOp::Geu, 7}, {"<<", AluOp::Shl, 8},
    {">>", AluOp::Shr, 8}, {"+", AluOp::Add, 9}, {"-", AluOp::Sub, 9}, {"*", AluOp::Mul, 10},
};

}  // namespace

// ---------------------------------------------------------------- lexing

std::vector<Line> lex(const Source& src) {
  std::vector<Line> out;
  std::istringstream in(src.text);
  std::string text;
  std::uint32_t n = 0, reported = 0;
  static const char* const two[] = {"<<", ">>", "==", "!=", "<=", ">=", "&&", "||"};
  while (std::getline(in, text)) {
    ++n;
    Line line;
    line.number = reported ? reported : n;
    std::size_t i = 0;
    while (i < text.size()) {
      const char c = text[i];
      if (c == ';' || (c == '/' && i + 1 < text.size() && text[i + 1] == '/')) break;
      if (std::isspace(static_cast<unsigned char>(c))) { ++i; continue; }
      Token t;
      if (ident_start(c)) {
        std::size_t j = i;
        while (j < text.size() && ident_char(text[j])) ++j;
        t.kind = Token::Kind::Ident;
        t.text = text.substr(i, j - i);
        i = j;
      } else if (std::isdigit(static_cast<unsigned char>(c))) {
        std::size_t j = i;
        while (j < text.size() && std::isalnum(static_cast<unsigned char>(text[j]))) ++j;
        t.kind = Token::Kind::Number;
        t.text = text.substr(i, j - i);
        try {
          std::size_t used = 0;
          if (t.text.size() > 2 && t.text[0] == '0' && (t.text[1] == 'b' || t.text[1] == 'B'))
            t.value = std::stoull(t.text.substr(2), &used, 2), used += 2;
          else
            t.value = std::stoull(t.text, &used, 0);
          if (used != t.text.size()) throw std::invalid_argument("x");
        } catch (const std::exception&) {
          error(src.name, line.number, "bad number '" + t.text + "'");
        }
        i = j;
      } else {
        t.kind = Token::Kind::Punct;
        t.text = std::string(1, c);
        for (const char* p : two)
          if (text.compare(i, 2, p) == 0) t.text = p;
        if (std::string("=,()[]{}&|^~!+-*<>:@").find(c) == std::string::npos)
          error(src.name, line.number, std::string("unexpected character '") + c + "'");
        i += t.text.size();
      }
      line.tokens.push_back(t);
    }
    if (line.tokens.empty()) continue;
    // `.line N`: the lines that follow are line N of the file a generator wrote them from (every
    // one of them, until the next `.line`: one scenario step is several instructions), as GNU
    // as's `.loc` marks compiled code; errors and the event log cite N.
    if (line.tokens[0].kind == Token::Kind::Ident && line.tokens[0].text == ".line") {
      if (line.tokens.size() != 2 || line.tokens[1].kind != Token::Kind::Number || line.tokens[1].value == 0 ||
          line.tokens[1].value > 0xffffffffu)
        error(src.name, line.number, ".line takes one line number");
      reported = static_cast<std::uint32_t>(line.tokens[1].value);
      continue;
    }
    out.push_back(std::move(line));
  }
  return out;
}

// ---------------------------------------------------------------- declarations (pass 1)

Assembler::Assembler(const std::vector<Source>& sources, const std::map<std::string, Word>& predefined)
    : sources_(sources) {
  for (const auto& [k, v] : predefined) {
    img_.constants[k] = v;
    const_layer_[k] = -1;
  }
  auto nr = predefined.find("NR_CPUS");
  img_.ncpus = nr == predefined.end() ? 0 : nr->second;
}

// Lexing is a quarter of assembling a kernel, and the kernel's sources are the same text in every
// run: a sweep's parent lexes them once and its forked runs inherit the tokens.
std::shared_ptr<const std::vector<Line>> lex_memo(const Source& src) {
  static std::mutex m;
  static std::unordered_map<std::string, std::shared_ptr<const std::vector<Line>>> memo;
  const std::string key = src.name + '\0' + src.text;
  {
    std::lock_guard<std::mutex> lock(m);
    auto it = memo.find(key);
    if (it != memo.end()) return it->second;
  }
  auto lines = std::make_shared<const std::vector<Line>>(lex(src));
  std::lock_guard<std::mutex> lock(m);
  if (memo.size() >= 256) memo.clear();  // scenario texts that changed run after run: keep it bounded
  memo.emplace(key, lines);
  return lines;
}

Image Assembler::run() {
  for (std::size_t s = 0; s < sources_.size(); ++s) lexed_.push_back(lex_memo(sources_[s]));
  for (std::size_t s = 0; s < sources_.size(); ++s) declare(s);
  layout();
  assemble_functions();
  in_pass2_ = false;
  resolve_idt();
  resolve_ct_state();
  return std::move(img_);
}

void Assembler::define_const(const std::string& name, Word v, int layer, const std::string& file, std::uint32_t line) {
  auto it = const_layer_.find(name);
  if (it != const_layer_.end() && it->second == layer)
    error(file, line, "duplicate constant '" + name + "'");
  if (it != const_layer_.end() && it->second > layer) return;
  img_.constants[name] = v;
  const_layer_[name] = layer;
}

void Assembler::declare(std::size_t s) {
  const Source& src = sources_[s];
  const std::vector<Line>& lines = *lexed_[s];
  FuncDecl* open = nullptr;
  FuncDecl cur;
  for (const Line& l : lines) {
    begin(src.name, l);
    const Token& t0 = peek();
    const bool directive = t0.kind == Token::Kind::Ident && t0.text[0] == '.';
    if (open) {
      if (directive && t0.text == ".endfunc") {
        ++pos_;
        expect_end();
        add_function(std::move(cur), src);
        open = nullptr;
        continue;
      }
      if (directive) fail(t0.text + " inside .func " + cur.name + " (missing .endfunc?)");
      cur.body.push_back(&l);
      continue;
    }
    if (!directive) fail("instruction outside a .func");
    ++pos_;
    if (t0.text == ".equ") {
      std::string name = ident("a constant name");
      expect(",");
      Word v = const_expr();
      expect_end();
      define_const(name, v, src.layer, src.name, l.number);
    } else if (t0.text == ".var" || t0.text == ".percpu") {
      VarDecl v;
      v.name = ident("a variable name");
      v.percpu = t0.text == ".percpu";
      while (accept("[")) {
        Word d = const_expr();
        if (d == 0) fail("array dimension must be positive");
        v.dims.push_back(d);
        expect("]");
      }
      if (v.dims.size() > MemRef::kMaxIdx - (v.percpu ? 1 : 0)) fail("too many dimensions");
      if (accept("=")) {
        if (accept("{")) {  // element by element, in memory order; the rest 0
          if (!accept("}")) {
            do v.inits.push_back(const_expr());
            while (accept(","));
            expect("}");
          }
        } else {
          v.init = const_expr();
        }
      }
      expect_end();
      if (v.percpu && img_.ncpus == 0) fail(".percpu needs NR_CPUS to be predefined");
      v.layer = src.layer;
      v.file = src.name;
      v.line = l.number;
      add_variable(std::move(v));
    } else if (t0.text == ".func") {
      cur = FuncDecl{};
      cur.name = ident("a function name");
      cur.source = s;
      cur.layer = src.layer;
      cur.line = l.number;
      expect("(");
      if (!accept(")")) {
        do {
          std::string p = ident("a parameter name");
          for (const auto& q : cur.params)
            if (q == p) fail("duplicate parameter '" + p + "'");
          cur.params.push_back(p);
        } while (accept(","));
        expect(")");
      }
      expect_end();
      open = &cur;
    } else if (t0.text == ".idt") {
      idt_.push_back({&l, src.name});  // evaluated once every constant is known
    } else if (t0.text == ".ctstate") {
      if (ct_state_.layer == src.layer)
        fail("duplicate .ctstate (first at " + ct_state_.file + ":" + std::to_string(ct_state_.line->number) + ")");
      if (src.layer > ct_state_.layer) ct_state_ = {&l, src.name, src.layer};  // resolved once functions are known
    } else if (t0.text == ".endfunc") {
      fail(".endfunc without .func");
    } else {
      fail("unknown directive " + t0.text);
    }
  }
  if (open) error(src.name, cur.line, ".func " + cur.name + " has no .endfunc");
}

void Assembler::add_function(FuncDecl d, const Source& src) {
  auto it = func_decl_.find(d.name);
  if (it != func_decl_.end()) {
    const FuncDecl& old = decls_[it->second];
    if (old.layer == d.layer)
      error(src.name, d.line, "duplicate function '" + d.name + "' (first defined at " +
                                  sources_[old.source].name + ":" + std::to_string(old.line) + ")");
    if (old.layer > d.layer) return;
    decls_[it->second] = std::move(d);  // a higher layer overrides, keeping the index
    return;
  }
  func_decl_[d.name] = decls_.size();
  decls_.push_back(std::move(d));
}

void Assembler::add_variable(VarDecl v) {
  for (VarDecl& old : vars_) {
    if (old.name != v.name) continue;
    if (old.layer == v.layer)
      error(v.file, v.line, "duplicate variable '" + v.name + "' (first defined at " + old.file +
                                ":" + std::to_string(old.line) + ")");
    if (old.layer < v.layer) old = std::move(v);
    return;
  }
  vars_.push_back(std::move(v));
}

void Assembler::layout() {
  // Globals first, each on its own cache line; then one per-CPU area per CPU.
  Word next = kWordsPerLine;  // line 0 holds NULL
  Word percpu_off = 0;
  for (const VarDecl& d : vars_) {
    Variable v;
    v.name = d.name;
    v.percpu = d.percpu;
    v.dims = d.dims;
    v.init = d.init;
    v.inits = d.inits;
    v.file = d.file;
    v.line = d.line;
    v.size = 1;
    for (Word x : d.dims) {
      if (x > (Word(1) << 31) / v.size) error(d.file, d.line, "variable " + d.name + " is too large");
      v.size *= x;
    }
    if (v.inits.size() > v.size)
      error(d.file, d.line, "variable " + d.name + " has " + std::to_string(v.inits.size()) + " initialisers for " +
                                std::to_string(v.size) + " elements");
    if (v.percpu) {
      v.base = static_cast<Addr>(percpu_off);  // relocated below
      percpu_off += v.size;
    } else {
      v.base = static_cast<Addr>(next);
      next = round_line(next + v.size);
    }
    img_.variable_index_[v.name] = static_cast<int>(img_.variables.size());
    img_.variables.push_back(std::move(v));
  }
  img_.percpu_base = static_cast<Addr>(next);
  img_.percpu_area = static_cast<Addr>(round_line(percpu_off));
  for (Variable& v : img_.variables)
    if (v.percpu) v.base += img_.percpu_base;
  const Word total = next + img_.percpu_area * img_.ncpus;
  if (total >= (Word(1) << 31)) throw AsmError("<layout>", 0, "simulated memory too large");
  img_.memory_words = static_cast<Addr>(total);
  for (std::size_t i = 0; i < decls_.size(); ++i) {
    Function f;
    f.name = decls_[i].name;
    f.file = sources_[decls_[i].source].name;
    f.line = decls_[i].line;
    f.nparams = static_cast<std::uint8_t>(decls_[i].params.size());
    img_.function_index_[f.name] = static_cast<std::uint32_t>(i);
    img_.functions.push_back(std::move(f));
  }
}

// `.idt VECTOR, handler`, once every constant and function is known.
void Assembler::resolve_idt() {
  for (const IdtDecl& d : idt_) {
    begin(d.file, *d.line, 1);
    const Word vector = const_expr();
    expect(",");
    const std::string func = ident("a handler function");
    expect_end();
    if (vector > 255) fail("vector out of range (0..255)");
    auto f = img_.find_function(func);
    if (!f) fail("unknown function '" + func + "' in .idt");
    if (img_.functions[*f].nparams != 1)
      fail("interrupt handler " + func + " must take one parameter (user_mode)");
    img_.idt[static_cast<std::uint8_t>(vector)] = *f;
  }
}

// `.ctstate VAR, FUNC` of the highest layer: where a CPU is comes from VAR through FUNC.
void Assembler::resolve_ct_state() {
  if (!ct_state_.line) return;
  begin(ct_state_.file, *ct_state_.line, 1);
  const std::string var = ident("a .percpu variable");
  expect(",");
  const std::string func = ident("a function");
  expect_end();
  auto v = img_.find_variable(var);
  if (!v || !img_.variables[*v].percpu || !img_.variables[*v].dims.empty())
    fail(".ctstate: " + var + " is not a scalar .percpu variable");
  auto f = img_.find_function(func);
  if (!f) fail("unknown function '" + func + "' in .ctstate");
  if (img_.functions[*f].nparams != 1) fail(".ctstate: " + func + " must take one parameter (the state word)");
  img_.ct_state_var = *v;
  img_.ct_state_where = *f;
}

// ---------------------------------------------------------------- expressions

Word Assembler::const_expr() {
  NodeP n = expr(0);
  if (n->k != Node::K::Const) fail("expected a constant expression");
  return n->value;
}

NodeP Assembler::primary() {
  if (expr_depth_ >= kMaxExprDepth)
    fail("expression nested more than " + std::to_string(kMaxExprDepth) + " deep");
  struct Nest {
    int& depth;
    explicit Nest(int& d) : depth(++d) {}
    ~Nest() { --depth; }
  } nest(expr_depth_);
  const Token& t = peek();
  if (accept("(")) {
    NodeP n = expr(0);
    expect(")");
    return n;
  }
  for (const char* u : {"~", "-", "!"}) {
    if (accept(u)) {
      NodeP a = primary();
      AluOp op = u[0] == '~' ? AluOp::Not : u[0] == '-' ? AluOp::Neg : AluOp::LNot;
      return fold_unary(op, std::move(a));
    }
  }
  if (accept("&")) {
    std::string name = ident("a variable or function after '&'");
    auto n = std::make_unique<Node>();
    if (auto f = func_decl_.find(name); f != func_decl_.end()) {
      n->k = Node::K::Const;
      n->value = kCodeBase + f->second;
      return n;
    }
    --pos_;
    n->k = Node::K::AddrOf;
    n->mem = memref();
    return n;
  }
  // `tzcnt x`: x86 TZCNT, the kernel's __ffs() (lib/find_bit.c walks a cpumask with it)
  if (t.kind == Token::Kind::Ident && t.text == "tzcnt" &&
      (peek(1).kind == Token::Kind::Ident || peek(1).kind == Token::Kind::Number || is_punct("(", 1))) {
    ++pos_;
    return fold_unary(AluOp::Tzcnt, primary());
  }
  if (t.kind == Token::Kind::Number) {
    ++pos_;
    auto n = std::make_unique<Node>();
    n->value = t.value;
    return n;
  }
  if (t.kind == Token::Kind::Ident) {
    ++pos_;
    auto n = std::make_unique<Node>();
    if (auto c = img_.constants.find(t.text); c != img_.constants.end()) {
      n->value = c->second;
    } else if (t.text == "this_cpu") {
      n->k = Node::K::ThisCpu;
    } else if (t.text == "current_request") {
      n->k = Node::K::Request;
    } else if (in_pass2_) {
      if (img_.find_variable(t.text))
        fail("'" + t.text + "' is a variable: read it with load");
      n->k = Node::K::Reg;
      n->name = t.text;
    } else {
      fail("unknown constant '" + t.text + "'");
    }
    return n;
  }
  fail("expected an expression" + found());
}

NodeP Assembler::fold_unary(AluOp op, NodeP a) {
  if (a->k == Node::K::Const) {
    a->value = alu(op, a->value, 0);
    return a;
  }
  auto n = std::make_unique<Node>();
  n->k = Node::K::Unary;
  n->op = op;
  n->l = std::move(a);
  return n;
}

NodeP Assembler::expr(int min_prec) {
  NodeP lhs = primary();
  for (;;) {
    const BinOp* found_op = nullptr;
    if (peek().kind == Token::Kind::Punct)
      for (const BinOp& b : kBinOps)
        if (peek().text == b.text) found_op = &b;
    if (!found_op || found_op->prec < min_prec) return lhs;
    ++pos_;
    NodeP rhs = expr(found_op->prec + 1);
    if (lhs->k == Node::K::Const && rhs->k == Node::K::Const) {
      lhs->value = alu(found_op->op, lhs->value, rhs->value);
      continue;
    }
    auto n = std::make_unique<Node>();
    n->k = Node::K::Binary;
    n->op = found_op->op;
    n->l = std::move(lhs);
    n->r = std::move(rhs);
    lhs = std::move(n);
  }
}

}  // namespace asm_impl

Image assemble(const std::vector<Source>& sources, const std::map<std::string, Word>& predefined) {
  return asm_impl::Assembler(sources, predefined).run();
}

}  // namespace isa
