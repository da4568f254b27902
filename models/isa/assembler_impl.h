// The assembler's insides, shared by its two passes: tokens, expression trees, what pass 1 records
// of a declaration, and the Assembler itself (assembler.cpp: lexing, declarations, layout and
// expressions; assembler_function.cpp: function bodies). Nothing outside models/isa includes this.
#pragma once

#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "assembler.h"

namespace isa::asm_impl {

struct Token {
  enum class Kind { Ident, Number, Punct, End } kind = Kind::End;
  std::string text;
  Word value = 0;
};

struct Line {
  std::uint32_t number = 0;
  std::vector<Token> tokens;
};

[[noreturn]] inline void error(const std::string& file, std::uint32_t line, const std::string& msg) {
  throw AsmError(file, line, msg);
}

// The source's non-empty lines, tokenized; comments (`;`, `//`) dropped.
std::vector<Line> lex(const Source& src);

// An expression as parsed; constant parts are folded as they are read.
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

// What pass 1 records of each declaration.
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
  std::vector<Word> inits;  // `= {a, b, ...}`: the first elements, in order
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

// Two passes: declarations of every source (so calls and layers resolve), then function bodies.
class Assembler {
 public:
  Assembler(const std::vector<Source>& sources, const std::map<std::string, Word>& predefined);
  Image run();

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

  // ---- pass 1 (assembler.cpp)
  void define_const(const std::string& name, Word v, int layer, const std::string& file, std::uint32_t line);
  void declare(std::size_t s);
  void add_function(FuncDecl d, const Source& src);
  void add_variable(VarDecl v);
  static Word round_line(Word a) { return (a + kWordsPerLine - 1) / kWordsPerLine * kWordsPerLine; }
  void layout();
  void resolve_idt();
  void resolve_ct_state();

  // ---- expressions (assembler.cpp)
  // Parentheses and unary operators recurse: a bound keeps "!!!!...1" from overflowing the stack.
  static constexpr int kMaxExprDepth = 256;
  int expr_depth_ = 0;
  Word const_expr();
  NodeP primary();
  NodeP fold_unary(AluOp op, NodeP a);
  NodeP expr(int min_prec);

  // ---- pass 2's memo (assembler_memo.cpp): a function whose lines and whose environment (every
  // name pass 2 can read, and the layout) are those of an earlier assembly's gets its code again
  std::string environment() const;
  std::string function_key(std::uint32_t index) const;
  void assemble_functions();

  // ---- pass 2 per function (assembler_function.cpp)
  std::vector<std::pair<std::string, std::uint32_t>> interned_;  // this function's strings, in order
  std::uint32_t intern(const std::string& s) {
    const std::uint32_t i = img_.intern(s);
    interned_.emplace_back(s, i);
    return i;
  }
  bool in_pass2_ = false;
  Function* fn_ = nullptr;
  std::map<std::string, std::uint8_t> regs_;
  std::set<std::string> written_;
  std::map<std::string, std::uint32_t> first_read_;
  std::map<std::string, std::uint32_t> labels_;
  std::vector<std::pair<std::size_t, std::string>> fixups_;  // instruction index, label

  std::uint8_t reg_index(const std::string& name);
  std::uint8_t dest(const std::string& name);
  Operand operand(const Node& n);
  Operand operand_expr();
  Expr lower(const Node& n);
  Expr value_expr();
  MemRef memref();
  std::vector<Operand> arg_list();
  void annotations(Instruction& in);
  std::uint32_t call_target(const std::string& name);
  void check_arity(std::uint32_t f, std::size_t n);
  Instruction instruction(const std::vector<std::string>& dsts);
  void assemble_function(std::uint32_t index);

  const std::vector<Source>& sources_;
  std::vector<std::shared_ptr<const std::vector<Line>>> lexed_;  // shared with lex_memo()
  Image img_;
  std::map<std::string, int> const_layer_;
  std::vector<FuncDecl> decls_;
  std::map<std::string, std::size_t> func_decl_;
  std::vector<VarDecl> vars_;
  std::vector<IdtDecl> idt_;
  CtStateDecl ct_state_;  // the highest layer's
};

}  // namespace isa::asm_impl
