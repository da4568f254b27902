#include "assembler.h"

#include <cctype>
#include <memory>
#include <set>
#include <sstream>

#include "executor.h"

namespace isa {
namespace {

// ---------------------------------------------------------------- lexing

struct Token {
  enum class Kind { Ident, Number, Punct, End } kind = Kind::End;
  std::string text;
  Word value = 0;
};

struct Line {
  std::uint32_t number = 0;
  std::vector<Token> tokens;
};

[[noreturn]] void error(const std::string& file, std::uint32_t line, const std::string& msg) {
  throw AsmError(file, line, msg);
}

bool ident_start(char c) { return std::isalpha(static_cast<unsigned char>(c)) || c == '_' || c == '.'; }
bool ident_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.'; }

std::vector<Line> lex(const Source& src) {
  std::vector<Line> out;
  std::istringstream in(src.text);
  std::string text;
  std::uint32_t n = 0;
  static const char* const two[] = {"<<", ">>", "==", "!=", "<=", ">=", "&&", "||"};
  while (std::getline(in, text)) {
    ++n;
    Line line;
    line.number = n;
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
          error(src.name, n, "bad number '" + t.text + "'");
        }
        i = j;
      } else {
        t.kind = Token::Kind::Punct;
        t.text = std::string(1, c);
        for (const char* p : two)
          if (text.compare(i, 2, p) == 0) t.text = p;
        if (std::string("=,()[]&|^~!+-*<>:@").find(c) == std::string::npos)
          error(src.name, n, std::string("unexpected character '") + c + "'");
        i += t.text.size();
      }
      line.tokens.push_back(t);
    }
    if (!line.tokens.empty()) out.push_back(std::move(line));
  }
  return out;
}

// ---------------------------------------------------------------- expression trees

struct Node;
using NodeP = std::unique_ptr<Node>;
struct Node {
  enum class K { Const, Reg, ThisCpu, Request, Unary, Binary, AddrOf } k = K::Const;
  Word value = 0;
  std::string name;  // Reg
  AluOp op = AluOp::None;
  NodeP l, r;
  MemRef mem;        // AddrOf
};

struct BinOp { const char* text; AluOp op; int prec; };
const BinOp kBinOps[] = {
    {"||", AluOp::LOr, 1}, {"&&", AluOp::LAnd, 2}, {"|", AluOp::Or, 3}, {"^", AluOp::Xor, 4},
    {"&", AluOp::And, 5}, {"==", AluOp::Eq, 6}, {"!=", AluOp::Ne, 6}, {"<", AluOp::Ltu, 7},
    {"<=", AluOp::Leu, 7}, {">", AluOp::Gtu, 7}, {">=", AluOp::Geu, 7}, {"<<", AluOp::Shl, 8},
    {">>", AluOp::Shr, 8}, {"+", AluOp::Add, 9}, {"-", AluOp::Sub, 9}, {"*", AluOp::Mul, 10},
};

// ---------------------------------------------------------------- declarations (pass 1)

struct FuncDecl {
  std::string name;
  std::size_t source = 0;
  int layer = 0;
  std::uint32_t line = 0;
  std::vector<std::string> params;
  std::vector<const Line*> body;
};

struct VarDecl {
  std::string name;
  bool percpu = false;
  std::vector<Word> dims;
  Word init = 0;
  int layer = 0;
  std::string file;
  std::uint32_t line = 0;
};

struct IdtDecl {
  const Line* line;
  std::string file;
};

struct CtStateDecl {
  const Line* line = nullptr;
  std::string file;
  int layer = -1;
};

const std::set<std::string> kReserved = {"this_cpu", "current_request"};

}  // namespace

// Two passes: declarations of every source (so calls and layers resolve), then function bodies.
class Assembler {
 public:
  Assembler(const std::vector<Source>& sources, const std::map<std::string, Word>& predefined)
      : sources_(sources) {
    for (const auto& [k, v] : predefined) {
      img_.constants[k] = v;
      const_layer_[k] = -1;
    }
    auto nr = predefined.find("NR_CPUS");
    img_.ncpus = nr == predefined.end() ? 0 : nr->second;
  }

  Image run() {
    for (std::size_t s = 0; s < sources_.size(); ++s) lexed_.push_back(lex(sources_[s]));
    for (std::size_t s = 0; s < sources_.size(); ++s) declare(s);
    layout();
    for (std::uint32_t i = 0; i < img_.functions.size(); ++i) assemble_function(i);
    in_pass2_ = false;
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
    if (ct_state_.line) {
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
    return std::move(img_);
  }

 private:
  // ---- shared parsing state for one line
  const std::string* file_ = nullptr;
  const Line* line_ = nullptr;
  std::size_t pos_ = 0;

  void begin(const std::string& file, const Line& l, std::size_t pos = 0) {
    file_ = &file;
    line_ = &l;
    pos_ = pos;
  }
  [[noreturn]] void fail(const std::string& msg) const { error(*file_, line_->number, msg); }
  const Token& peek(std::size_t ahead = 0) const {
    static const Token end;
    return pos_ + ahead < line_->tokens.size() ? line_->tokens[pos_ + ahead] : end;
  }
  bool at_end() const { return pos_ >= line_->tokens.size(); }
  bool is_punct(const char* p, std::size_t ahead = 0) const {
    return peek(ahead).kind == Token::Kind::Punct && peek(ahead).text == p;
  }
  bool accept(const char* p) {
    if (!is_punct(p)) return false;
    ++pos_;
    return true;
  }
  void expect(const char* p) {
    if (!accept(p)) fail(std::string("expected '") + p + "'" + found());
  }
  std::string found() const {
    return at_end() ? " at end of line" : ", found '" + peek().text + "'";
  }
  std::string ident(const char* what) {
    if (peek().kind != Token::Kind::Ident) fail(std::string("expected ") + what + found());
    return line_->tokens[pos_++].text;
  }
  void expect_end() {
    if (!at_end()) fail("unexpected '" + peek().text + "' after the instruction");
  }

  // ---- pass 1
  void define_const(const std::string& name, Word v, int layer, const std::string& file,
                    std::uint32_t line) {
    auto it = const_layer_.find(name);
    if (it != const_layer_.end() && it->second == layer)
      error(file, line, "duplicate constant '" + name + "'");
    if (it != const_layer_.end() && it->second > layer) return;
    img_.constants[name] = v;
    const_layer_[name] = layer;
  }

  void declare(std::size_t s) {
    const Source& src = sources_[s];
    const std::vector<Line>& lines = lexed_[s];
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
        if (accept("=")) v.init = const_expr();
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

  void add_function(FuncDecl d, const Source& src) {
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

  void add_variable(VarDecl v) {
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

  static Word round_line(Word a) { return (a + kWordsPerLine - 1) / kWordsPerLine * kWordsPerLine; }

  void layout() {
    // Globals first, each on its own cache line; then one per-CPU area per CPU.
    Word next = kWordsPerLine;  // line 0 holds NULL
    Word percpu_off = 0;
    for (const VarDecl& d : vars_) {
      Variable v;
      v.name = d.name;
      v.percpu = d.percpu;
      v.dims = d.dims;
      v.init = d.init;
      v.file = d.file;
      v.line = d.line;
      v.size = 1;
      for (Word x : d.dims) {
        if (x > (Word(1) << 31) / v.size) error(d.file, d.line, "variable " + d.name + " is too large");
        v.size *= x;
      }
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

  // ---- expressions
  Word const_expr() {
    NodeP n = expr(0);
    if (n->k != Node::K::Const) fail("expected a constant expression");
    return n->value;
  }

  NodeP primary() {
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

  NodeP fold_unary(AluOp op, NodeP a) {
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

  NodeP expr(int min_prec) {
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

  // ---- pass 2 per function
  bool in_pass2_ = false;
  Function* fn_ = nullptr;
  std::map<std::string, std::uint8_t> regs_;
  std::set<std::string> written_;
  std::map<std::string, std::uint32_t> first_read_;
  std::map<std::string, std::uint32_t> labels_;
  std::vector<std::pair<std::size_t, std::string>> fixups_;  // instruction index, label

  std::uint8_t reg_index(const std::string& name) {
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
  std::uint8_t dest(const std::string& name) {
    written_.insert(name);
    return reg_index(name);
  }

  Operand operand(const Node& n) {
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
  Operand operand_expr() {
    NodeP n = expr(0);
    return operand(*n);
  }

  Expr lower(const Node& n) {
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
  Expr value_expr() { return lower(*expr(0)); }

  MemRef memref() {
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

  std::vector<Operand> arg_list() {
    std::vector<Operand> args;
    expect("(");
    if (accept(")")) return args;
    do args.push_back(operand_expr());
    while (accept(","));
    expect(")");
    return args;
  }

  void annotations(Instruction& in) {
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

  std::uint32_t call_target(const std::string& name) {
    auto f = func_decl_.find(name);
    if (f == func_decl_.end()) fail("unknown function '" + name + "'");
    return static_cast<std::uint32_t>(f->second);
  }

  void check_arity(std::uint32_t f, std::size_t n) {
    const std::size_t want = decls_[f].params.size();
    if (n != want)
      fail(decls_[f].name + " takes " + std::to_string(want) + " argument(s), got " + std::to_string(n));
  }

  struct RmwName { const char* text; Op op; };

  Instruction instruction(const std::vector<std::string>& dsts) {
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
      in.name = img_.intern(ident("a tracepoint name"));
      in.args = arg_list();
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

  void assemble_function(std::uint32_t index) {
    const FuncDecl& d = decls_[index];
    Function& f = img_.functions[index];
    fn_ = &f;
    in_pass2_ = true;
    regs_.clear();
    written_.clear();
    first_read_.clear();
    labels_.clear();
    fixups_.clear();
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

  const std::vector<Source>& sources_;
  std::vector<std::vector<Line>> lexed_;
  Image img_;
  std::map<std::string, int> const_layer_;
  std::vector<FuncDecl> decls_;
  std::map<std::string, std::size_t> func_decl_;
  std::vector<VarDecl> vars_;
  std::vector<IdtDecl> idt_;
  CtStateDecl ct_state_;  // the highest layer's
};

Image assemble(const std::vector<Source>& sources, const std::map<std::string, Word>& predefined) {
  return Assembler(sources, predefined).run();
}

}  // namespace isa
