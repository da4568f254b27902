// herd7's x86 forms beyond plain loads, stores and LOCKed read-modify-writes: unlocked
// read-modify-writes, CMPXCHG in both orders, jumps on herd7's flags, SETNB, CMOVC, MOVNTI, UXCH,
// fences; and the one-line error of every form isolsim refuses.
#include <gtest/gtest.h>

#include <algorithm>

#include "tests/explore/litmus_test_util.h"

using namespace litmus_test;

// Unlocked read-modify-writes on memory are a load, a computation and a store: separate accesses.
TEST(LitmusTranslation, UnlockedReadModifyWritesAreLoadsAndStores) {
  const Litmus lit = parse_litmus(R"(X86 unlocked
{ x=5; y=3; z=12; 0:EAX=1; }
 P0           ;
 INC [x]      ;
 DEC [y]      ;
 ADD [x],EAX  ;
 XOR [z],$6   ;
 OR [y],1     ;
 ADD EAX,[z]  ;
 MOV [w],[x]  ;
exists (x=7)
)", "unlocked.litmus");
  const isa::Image img = assemble(lit);
  EXPECT_EQ(ops(img, 0), (std::vector<Op>{Op::Set, Op::Load, Op::Set, Op::Store, Op::Load, Op::Set, Op::Store,
                                          Op::Load, Op::Set, Op::Store, Op::Load, Op::Set, Op::Store, Op::Load,
                                          Op::Set, Op::Store, Op::Load, Op::Set, Op::Load, Op::Store, Op::Halt}));
  const Execution run = run_in_order(lit, {0});
  EXPECT_EQ(run({-1, "x"}), 7u);   // 5 + 1 + 1
  EXPECT_EQ(run({-1, "y"}), 3u);   // (3 - 1) | 1
  EXPECT_EQ(run({-1, "z"}), 10u);  // 12 ^ 6
  EXPECT_EQ(run({0, "EAX"}), 11u);
  EXPECT_EQ(run({-1, "w"}), 7u);
}

// herd7's X86_64 order `cmpxchg effaddr, reg` (memory first) and gas's order both read; without
// LOCK it is a load, and a store only when equal.
TEST(LitmusTranslation, CmpxchgMemoryFirstAndUnlocked) {
  const Litmus lit = parse_litmus(R"(X86_64 cas
{ x=4; y=4; z=4; 0:rax=4; 0:rbx=9; 0:rcx=8; }
 P0                      ;
 lock cmpxchgq (x),%rbx  ;
 lock cmpxchgq %rcx,(y)  ;
 cmpxchgq (z),%rcx       ;
 cmpxchgq (x),%rcx       ;
exists (x=9)
)", "cas.litmus");
  const isa::Image img = assemble(lit);
  EXPECT_EQ(ops(img, 0), (std::vector<Op>{Op::Set, Op::Set, Op::Set, Op::Cmpxchg, Op::Cmpxchg, Op::Load, Op::Set,
                                          Op::Jz, Op::Store, Op::Set, Op::Load, Op::Set, Op::Jz, Op::Store, Op::Set,
                                          Op::Halt}));
  const Execution run = run_in_order(lit, {0});
  EXPECT_EQ(run({-1, "x"}), 9u);   // rax (4) matched: x = rbx
  EXPECT_EQ(run({-1, "y"}), 8u);   // matched: y = rcx
  EXPECT_EQ(run({-1, "z"}), 8u);   // unlocked, matched: z = rcx
  EXPECT_EQ(run({0, "rax"}), 9u);  // the last failed (x is 9): rax gets 9
}

// A conditional jump after CMP, with herd7's flags: ZF = (a == b), SF = (a > b) signed, and its
// conditions (X86_64Sem.ml): JLT jumps on ZF or not SF, as JLE does.
TEST(LitmusTranslation, ConditionalJumpsAsHerd7) {
  struct Case { const char* jcc; Word a, b; bool taken; };
  const std::vector<Case> cases = {
      {"je", 3, 3, true},   {"je", 5, 3, false},  {"jne", 5, 3, true},  {"jne", 3, 3, false},
      {"jgt", 5, 3, true},  {"jgt", 3, 3, false}, {"js", 5, 3, true},   {"js", 3, 5, false},
      {"jle", 3, 5, true},  {"jle", 3, 3, true},  {"jle", 5, 3, false}, {"jns", 3, 3, true},
      {"jge", 3, 3, true},  {"jge", 5, 3, true},  {"jge", 3, 5, false}, {"jlt", 3, 5, true},
      {"jlt", 3, 3, true},  {"jlt", 5, 3, false}, {"jmp", 5, 3, true}};
  for (const Case& c : cases) {
    SCOPED_TRACE(std::string(c.jcc) + " " + std::to_string(c.a) + " " + std::to_string(c.b));
    const Litmus lit = parse_litmus("X86_64 j\n{ 0:rax=" + std::to_string(c.a) + "; }\n P0 ;\n cmpq $" +
                                        std::to_string(c.b) + ",%rax ;\n " + c.jcc +
                                        " L ;\n movq $1,(fell) ;\n L: ;\nexists (fell=1)\n",
                                    "j.litmus");
    EXPECT_EQ(run_in_order(lit, {0})({-1, "fell"}), c.taken ? 0u : 1u);
  }
  // SF compares as signed: -1 (0 decremented) is not greater than 1. A flag-setting instruction
  // sets ZF from its result; X86 has CMP with memory, and labels may stand before an instruction.
  const Litmus lit = parse_litmus(R"(X86 flags
{ x=2; }
 P0             ;
 DEC EAX        ;
 CMP EAX,1      ;
 JGT L0         ;
 MOV [a],$1     ;
 L0: CMP [x],$2 ;
 JNE L1         ;
 MOV [b],$1     ;
 L1: LOCK DEC [x] ;
 DEC [x]        ;
 JE L2          ;
 MOV [c],$1     ;
 L2:            ;
exists (a=1)
)", "flags.litmus");
  const Execution run = run_in_order(lit, {0});
  EXPECT_EQ(run({-1, "a"}), 1u);
  EXPECT_EQ(run({-1, "b"}), 1u);
  EXPECT_EQ(run({-1, "c"}), 0u);  // x reached 0: ZF set, JE taken
  EXPECT_EQ(run({-1, "x"}), 0u);
}

// The forms herd7 reads that change no register or memory isolsim has, and the rest of its syntax.
TEST(LitmusTranslation, FencesSetnbCmovcMovntiUxchAndSyntax) {
  const Litmus lit = parse_litmus(R"(X86_64 forms
{ x=3; 0:rax=7; 0:rbx=2; }
 P0                   | P1                ;
 lfence               | mfence            ;
 sfence               | movl (x),%eax     ;
 setnb (y)            | setnb %ebx        ;
 setnb %ecx           | cmovcl %ecx,(x)   ;
 cmovcq (x),%rdx      | lock; addl $1,(x) ;
 movntiq %rax,(z)     | xchgl %eax,%ebx   ;
 uxchq (x),%rbx       | MFENCE            ;
 movl $1,[w]          | MOVL %eax,[w]     ;
 addl $2,eax          | movq $2,%rdx      ;
exists (y=1)
)", "forms.litmus");
  EXPECT_EQ(lit.threads, 2);
  const Execution run = run_in_order(lit, {0, 1});
  EXPECT_EQ(run({-1, "y"}), 1u);   // ~CF: herd7's CF is always 0
  EXPECT_EQ(run({0, "rcx"}), 1u);
  EXPECT_EQ(run({0, "rdx"}), 0u);  // CMOVC: never moves
  EXPECT_EQ(run({-1, "z"}), 7u);
  EXPECT_EQ(run({0, "rbx"}), 3u);  // UXCH: an exchange
  EXPECT_EQ(run({0, "rax"}), 9u);
  EXPECT_EQ(run({1, "ecx"}), 0u);
  EXPECT_EQ(run({1, "eax"}), 1u);  // xchg between registers
  EXPECT_EQ(run({1, "ebx"}), 2u);  // x (2, from P0) was read into eax before
  EXPECT_EQ(run({-1, "x"}), 3u);   // 2 + 1
  EXPECT_EQ(run({-1, "w"}), 1u);   // P1 wrote its eax after P0
  EXPECT_EQ(run({1, "edx"}), 2u);
  const isa::Image img = assemble(lit);
  EXPECT_EQ(ops(img, 0).size(), 11u);  // LFENCE, SFENCE, CMOVC: no micro-op; 3 registers set first
  const Litmus intel = parse_litmus(R"(X86 forms
{ x=3; }
 P0              ;
 CMOVC ECX,[x]   ;
 LOCK; ADD [x],1 ;
 MOVL [w],2      ;
 MOVQ RDX,[x]    ;
 SFENCE          ;
exists (w=2)
)", "forms.litmus");
  const Execution r = run_in_order(intel, {0});
  EXPECT_EQ(r({0, "ECX"}), 0u);
  EXPECT_EQ(r({0, "EDX"}), 4u);
  EXPECT_EQ(r({-1, "w"}), 2u);
}

// Every form isolsim refuses is one line naming the line and the form.
TEST(LitmusErrors, RefusedHerd7Forms) {
  const std::string head = "X86 t\n{\n}\n P0 | P1 ;\n";
  auto row = [&](const std::string& cell) { return error_of(head + " " + cell + " | MFENCE ;\nexists (x=1)\n"); };
  auto att = [&](const std::string& cell) {
    return error_of("X86_64 t\n{ }\n P0 | P1 ;\n mfence | mfence ;\n " + cell + " | mfence ;\nexists (x=1)\n");
  };
  EXPECT_EQ(row("J L0"), "t.litmus:5: unknown instruction 'J'");  // named before its operands are read
  EXPECT_EQ(row("JE L9"), "t.litmus:5: no label 'L9' in P0");
  EXPECT_EQ(row("L0: JMP L0"), "t.litmus:5: jump back to 'L0' (a loop): only forward jumps are supported");
  EXPECT_EQ(error_of(head + " L0: MFENCE | MFENCE ;\n JNE L0 | MFENCE ;\nexists (x=1)\n"),
            "t.litmus:6: jump back to 'L0' (a loop): only forward jumps are supported");
  EXPECT_EQ(error_of(head + " L0: MFENCE | MFENCE ;\n L0: | MFENCE ;\nexists (x=1)\n"),
            "t.litmus:6: label 'L0' defined twice in P0");
  EXPECT_EQ(row("JE [x]"), "t.litmus:5: 'JE' needs a label, found '[x]'");
  EXPECT_EQ(row("LOCK JMP L0"), "t.litmus:5: LOCK cannot prefix JMP");
  EXPECT_EQ(row("LOCK CMP [x],$1"), "t.litmus:5: LOCK cannot prefix CMP");
  EXPECT_EQ(row("LOCK SETNB [x]"), "t.litmus:5: LOCK cannot prefix SETNB");
  EXPECT_EQ(row("LOCK INC EAX"), "t.litmus:5: LOCK needs a memory destination");
  EXPECT_EQ(row("CMPXCHG EAX,EBX"), "t.litmus:5: CMPXCHG between registers is not supported (only a memory destination)");
  EXPECT_EQ(row("MOVB [x],$1"), "t.litmus:5: 8- and 16-bit operations are not supported: 'MOVB'");
  EXPECT_EQ(row("MOVW [x],$1"), "t.litmus:5: 8- and 16-bit operations are not supported: 'MOVW'");
  EXPECT_EQ(row("MOVT [x],$1"), "t.litmus:5: 'MOVT' is not supported (herd7 does not implement it either)");
  EXPECT_EQ(row("MOVSD"), "t.litmus:5: 'MOVSD' is not supported (herd7 does not implement it either)");
  EXPECT_EQ(row("MFENCE EAX"), "t.litmus:5: 'MFENCE' takes no operands");
  EXPECT_EQ(row("CMP $1,EAX"), "t.litmus:5: unsupported operands for 'CMP'");
  EXPECT_EQ(row("MOV EAX,(x)"), "t.litmus:5: unknown register or operand '(x)' (X86 operands: [x], $1, EAX)");
  EXPECT_EQ(row("MOV EAX,(EBX)"), "t.litmus:5: register-indirect addressing is not supported: '(EBX)'");
  EXPECT_EQ(att("movl 8(%rax),%ebx"), "t.litmus:5: register-indirect addressing is not supported: '8(%rax)'");
  EXPECT_EQ(att("movl (%rax),%ebx"), "t.litmus:5: register-indirect addressing is not supported: '(%rax)'");
  EXPECT_EQ(att("movl [rax],%ebx"), "t.litmus:5: register-indirect addressing is not supported: '[rax]'");
  EXPECT_EQ(att("xchgl (x),(y)"), "t.litmus:5: unsupported operands for 'xchgl'");
  EXPECT_EQ(att("lock movntil %eax,(x)"), "t.litmus:5: LOCK cannot prefix movntil");
  EXPECT_EQ(att("lock xorl $1,(x)"), "t.litmus:5: LOCK XOR has no isolsim micro-op (there is no atomic_xor)");
  EXPECT_EQ(att("cmpxchgw (x),%bx"), "t.litmus:5: 8- and 16-bit operations are not supported: 'cmpxchgw'");
  EXPECT_EQ(att("incb (x)"), "t.litmus:5: 8- and 16-bit operations are not supported: 'incb'");
  EXPECT_EQ(att("uxchw (x),%ax"), "t.litmus:5: 8- and 16-bit operations are not supported: 'uxchw'");
  EXPECT_EQ(att("movl $1,(x),(y)"), "t.litmus:5: unsupported operands for 'movl'");
  EXPECT_EQ(att("jle"), "t.litmus:5: 'jle' needs a label, found ''");
}
