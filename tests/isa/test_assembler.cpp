// The assembler: what it accepts, and the file:line of every error it reports.
#include <gtest/gtest.h>

#include "models/isa/assembler.h"

using namespace isa;

namespace {

std::string error_of(const std::string& text) {
  try {
    assemble({{"k.s", text, 0}}, {{"NR_CPUS", 4}});
  } catch (const AsmError& e) {
    return e.what();
  }
  return "no error";
}

}  // namespace

TEST(Assembler, ReadsLikeKernelC) {
  Image img = assemble({{"k.s", R"(
.equ CT_WORK_DISABLED, 0x1
.equ WORK, 1 << 1
.percpu ct.work = CT_WORK_DISABLED
.func ct_set_cpu_work(cpu, work)  ; RFC v1 sender
    old = load ct.work[cpu]
retry:
    jnz old & CT_WORK_DISABLED, fail
    ok, old = cmpxchg ct.work[cpu], old, old | work
    jz ok, retry
    ret 1
fail:
    ret 0
.endfunc
)", 0}}, {{"NR_CPUS", 4}});
  auto f = img.find_function("ct_set_cpu_work");
  ASSERT_TRUE(f);
  const Function& fn = img.function(*f);
  ASSERT_EQ(fn.code.size(), 6u);
  EXPECT_EQ(fn.nparams, 2);
  EXPECT_EQ(fn.code[0].op, Op::Load);
  EXPECT_EQ(fn.code[1].op, Op::Jnz);
  EXPECT_EQ(fn.code[1].target, 5u);
  EXPECT_EQ(fn.code[1].src0.op, AluOp::And);
  EXPECT_EQ(fn.code[2].op, Op::Cmpxchg);
  EXPECT_EQ(fn.code[3].target, 1u);
  EXPECT_EQ(fn.code[2].line, 9u);
  EXPECT_EQ(img.constants.at("WORK"), 2u);
  EXPECT_EQ(img.initial_memory()[img.address("ct.work", {3})], 1u);
}

TEST(Assembler, HigherLayerOverridesFunctionsAndConstants) {
  Image img = assemble({{"base.s", ".equ K, 1\n.func f()\n ret K\n.endfunc\n", 0},
                        {"mine.s", ".equ K, 2\n.func f()\n ret K + 1\n.endfunc\n", 2}},
                       {});
  const Function& f = img.function(*img.find_function("f"));
  EXPECT_EQ(f.file, "mine.s");
  EXPECT_EQ(f.code[0].src0.a.imm, 3u);
  EXPECT_EQ(img.functions.size(), 1u);
}

// `.line N`: every following line is line N (until the next .line) in errors and in the image,
// as a generated source cites the line of the file it came from.
TEST(Assembler, LineDirectiveRenumbersTheLinesThatFollow) {
  EXPECT_EQ(error_of(".line 40\n.func f()\n x = 1\n frob x\n ret\n.endfunc\n"), "k.s:40: unknown instruction 'frob'");
  EXPECT_EQ(error_of(".func f()\n.line 7\n x = 1\n.line 12\n frob x\n ret\n.endfunc\n"),
            "k.s:12: unknown instruction 'frob'");
  EXPECT_EQ(error_of(".line 9\n.func f()\n x = 0x1g\n ret\n.endfunc\n"), "k.s:9: bad number '0x1g'");
  EXPECT_EQ(error_of(".line\n"), "k.s:1: .line takes one line number");
  EXPECT_EQ(error_of(".line 0\n"), "k.s:1: .line takes one line number");
  const Image img = assemble({{"k.s", ".func f()\n x = 1\n.line 30\n x = 2\n ret x\n.endfunc\n", 0}}, {{"NR_CPUS", 1}});
  const Function& f = img.function(*img.find_function("f"));
  ASSERT_EQ(f.code.size(), 3u);
  EXPECT_EQ(f.code[0].line, 2u);
  EXPECT_EQ(f.code[1].line, 30u);
  EXPECT_EQ(f.code[2].line, 30u);
}

TEST(Assembler, Errors) {
  EXPECT_EQ(error_of(".func f()\n x = load nothere\n ret\n.endfunc\n"), "k.s:2: unknown variable 'nothere'");
  EXPECT_EQ(error_of(".func f()\n jmp nowhere\n.endfunc\n"), "k.s:2: unknown label 'nowhere' in f");
  EXPECT_EQ(error_of(".func f()\n frob x\n ret\n.endfunc\n"), "k.s:2: unknown instruction 'frob'");
  EXPECT_EQ(error_of(".func f()\n x = y + 1\n ret x\n.endfunc\n"),
            "k.s:2: unknown name 'y' (not a constant, parameter or assigned register)");
  EXPECT_EQ(error_of(".func f()\n a = 1\n x = a + a * a\n ret x\n.endfunc\n"),
            "k.s:3: expression too complex: one ALU operation per instruction (compute part of it into a register first)");
  EXPECT_EQ(error_of(".var v\n.func f()\n old = 0\n old = cmpxchg v, old, 1\n ret\n.endfunc\n"),
            "k.s:4: cmpxchg needs two results: 'ok, old = cmpxchg VAR, old, new'");
  EXPECT_EQ(error_of(".var v[2]\n.func f()\n x = load v\n ret\n.endfunc\n"), "k.s:3: v needs 1 index(es), got 0");
  EXPECT_EQ(error_of(".var v[2]\n.func f()\n x = load v[2]\n ret\n.endfunc\n"), "k.s:3: index 2 out of range for v");
  EXPECT_EQ(error_of(".func f(a)\n ret\n.endfunc\n.func g()\n call f()\n ret\n.endfunc\n"),
            "k.s:5: f takes 1 argument(s), got 0");
  EXPECT_EQ(error_of(".func f()\n x = 1\n.endfunc\n"),
            "k.s:1: function f can run off its end (end it with ret, jmp, sysret, iret or halt)");
  EXPECT_EQ(error_of(".func f()\n ret\n"), "k.s:1: .func f has no .endfunc");
  EXPECT_EQ(error_of("x = 1\n"), "k.s:1: instruction outside a .func");
  EXPECT_EQ(error_of(".equ A, B\n"), "k.s:1: unknown constant 'B'");
  EXPECT_EQ(error_of(".equ A, 1\n.equ A, 2\n"), "k.s:2: duplicate constant 'A'");
  EXPECT_EQ(error_of(".func f()\n ret\n.endfunc\n.func f()\n ret\n.endfunc\n"),
            "k.s:4: duplicate function 'f' (first defined at k.s:1)");
  EXPECT_EQ(error_of(".var v\n.func f()\n store v, 1 @consume\n ret\n.endfunc\n"), "k.s:3: expected '(' at end of line");
  EXPECT_EQ(error_of(".func f()\n ret @post(1, 2)\n.endfunc\n"), "k.s:2: @post belongs on a locked write (its token lands when the write does)");
  EXPECT_EQ(error_of(".var v\n.func f()\n store v, 1 @consume(1)\n ret\n.endfunc\n"), "k.s:3: @consume belongs on a memory read");
  EXPECT_EQ(error_of(".func f()\n x = 0x1g\n ret\n.endfunc\n"), "k.s:2: bad number '0x1g'");
  EXPECT_EQ(error_of(".func f()\n x = 1 $ 2\n ret\n.endfunc\n"), "k.s:2: unexpected character '$'");
  EXPECT_EQ(error_of(".func h()\n iret\n.endfunc\n.idt 0xfc, h\n"),
            "k.s:4: interrupt handler h must take one parameter (user_mode)");
  EXPECT_EQ(error_of(".func f()\n mfence 1\n ret\n.endfunc\n"), "k.s:2: unknown instruction 'mfence'");
  EXPECT_EQ(error_of(".var v[2] = {1, 2, 3}\n"), "k.s:1: variable v has 3 initialisers for 2 elements");
  EXPECT_EQ(error_of(".var v[2] = {1, 2\n"), "k.s:1: expected '}' at end of line");
  EXPECT_EQ(error_of(".var v\n.func f()\n p = &v\n trace t(cpumask p, cpumask p)\n ret\n.endfunc\n"),
            "k.s:4: trace: one cpumask argument at most");
}

// `.var NAME[D] = {a, b}`: element by element, the rest zero; a scalar initialiser fills them all.
TEST(Assembler, ListInitialisersFillElementsInOrder) {
  const Image img = assemble({{"k.s", ".var v[2][2] = {1, 2, 3}\n.var w[3] = 7\n.percpu p[2] = {4}\n", 0}}, {{"NR_CPUS", 2}});
  const std::vector<Word> mem = img.initial_memory();
  EXPECT_EQ(mem[img.address("v", {0, 0})], 1u);
  EXPECT_EQ(mem[img.address("v", {0, 1})], 2u);
  EXPECT_EQ(mem[img.address("v", {1, 0})], 3u);
  EXPECT_EQ(mem[img.address("v", {1, 1})], 0u);
  EXPECT_EQ(mem[img.address("w", {2})], 7u);
  EXPECT_EQ(mem[img.address("p", {1, 0})], 4u);  // every CPU's copy
  EXPECT_EQ(mem[img.address("p", {1, 1})], 0u);
}

// Fuzz finding (fuzz_assembler): ten thousand unary operators overflowed the stack of the
// recursive expression parser; nesting is bounded, and the error names the line.
TEST(AssemblerFuzz, DeeplyNestedExpressionIsAnError) {
  EXPECT_EQ(error_of("\n.equ X, " + std::string(10000, '!') + "1\n"),
            "k.s:2: expression nested more than 256 deep");
  EXPECT_EQ(error_of(".equ X, " + std::string(10000, '(') + "1" + std::string(10000, ')') + "\n"),
            "k.s:1: expression nested more than 256 deep");
  EXPECT_EQ(error_of(".equ X, " + std::string(200, '(') + "1" + std::string(200, ')') + "\n"), "no error");
}
