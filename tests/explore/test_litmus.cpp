// The herd7 litmus reader: every public test parses and assembles, conditions evaluate, the
// translation is the expected micro-ops (and computes the right values when run), errors name lines.
#include <gtest/gtest.h>

#include <algorithm>
#include <sstream>

#include "tests/explore/litmus_test_util.h"

using namespace litmus_test;


// ---------------------------------------------------------------- the public tests

TEST(LitmusFiles, AllParseAndAssembleAndAreListed) {
  const std::vector<std::string> files = litmus_files();
  ASSERT_EQ(files.size(), 55u);
  const std::string expected = slurp(std::string(LITMUS_DIR) + "/EXPECTED.tsv");
  for (const std::string& file : files) {
    SCOPED_TRACE(file);
    EXPECT_NE(expected.find("\n" + file + "\t"), std::string::npos);
    const Litmus lit = load(file);
    EXPECT_EQ(lit.file, file);
    EXPECT_FALSE(lit.name.empty());
    EXPECT_GE(lit.threads, 2);
    EXPECT_FALSE(lit.locations.empty());
    EXPECT_TRUE(lit.init.empty());  // every public test starts from zero
    EXPECT_EQ(lit.quantifier, Litmus::Quantifier::Exists);
    EXPECT_FALSE(lit.observed.empty());
    const isa::Image img = assemble(lit);
    EXPECT_EQ(img.functions.size(), static_cast<std::size_t>(lit.threads));
    for (int t = 0; t < lit.threads; ++t) EXPECT_EQ(ops(img, t).back(), Op::Halt);
    for (const std::string& loc : lit.locations) EXPECT_NO_THROW(img.address(explore::variable_of(loc), {}));
    for (const LitmusAtom& a : lit.observed) {
      if (a.thread < 0) continue;
      EXPECT_GE(reg_index(thread_function(img, a.thread), a.name), 0) << a.name;
    }
  }
}

// Running threads one at a time is one sequentially consistent execution. Where the file says
// herd7's sc.cat finds the condition Never (or Always), no such run may disagree: this checks the
// translation and holds() together on every public test.
TEST(LitmusFiles, SequentialRunsAgreeWithHerdSc) {
  int checked = 0;
  for (const std::string& file : litmus_files()) {
    SCOPED_TRACE(file);
    const std::string text = slurp(std::string(LITMUS_DIR) + "/" + file);
    const bool never = text.find("sc.cat: Never") != std::string::npos;
    const bool always = text.find("sc.cat: Always") != std::string::npos;
    if (!never && !always) continue;
    const Litmus lit = parse_litmus(text, file);
    std::vector<int> order = in_order(lit.threads);
    do {
      const Execution run = run_in_order(lit, order);
      EXPECT_EQ(lit.holds(std::cref(run)), always);
    } while (std::next_permutation(order.begin(), order.end()));
    ++checked;
  }
  EXPECT_GE(checked, 50);
}

TEST(LitmusFiles, SB) {
  const Litmus lit = load("SB.litmus");
  EXPECT_EQ(lit.name, "SB");
  EXPECT_EQ(lit.threads, 2);
  EXPECT_EQ(lit.locations, (std::vector<std::string>{"x", "y"}));
  EXPECT_EQ(atoms(lit.observed), "0:EAX 1:EAX ");
  const isa::Image img = assemble(lit);
  for (int t = 0; t < 2; ++t) EXPECT_EQ(ops(img, t), (std::vector<Op>{Op::Set, Op::Store, Op::Load, Op::Halt}));
  const isa::Function& p0 = thread_function(img, 0);
  EXPECT_EQ(p0.reg_names, (std::vector<std::string>{"rax"}));
  EXPECT_EQ(p0.code[0].src0.a.imm, 0u);  // EAX = 0 before anything
  EXPECT_EQ(p0.code[1].mem.base, img.address("x", {}));
  EXPECT_EQ(p0.code[1].src0.a.imm, 1u);
  EXPECT_EQ(p0.code[2].mem.base, img.address("y", {}));
  EXPECT_EQ(p0.code[2].dst, 0);
  EXPECT_EQ(thread_function(img, 1).code[2].mem.base, img.address("x", {}));
  EXPECT_NE(lit.assembly.find("store x, 1"), std::string::npos);
  EXPECT_NE(lit.assembly.find("MOV [x],$1  (line 12)"), std::string::npos);
}

TEST(LitmusFiles, MPAndIriwAndSixSB) {
  const Litmus mp = load("MP.litmus");
  EXPECT_EQ(mp.threads, 2);
  EXPECT_EQ(mp.locations, (std::vector<std::string>{"x", "y"}));
  EXPECT_EQ(atoms(mp.observed), "1:EAX 1:EBX ");
  EXPECT_EQ(ops(assemble(mp), 1), (std::vector<Op>{Op::Set, Op::Set, Op::Load, Op::Load, Op::Halt}));
  EXPECT_EQ(ops(assemble(mp), 0), (std::vector<Op>{Op::Store, Op::Store, Op::Halt}));

  const Litmus iriw = load("iriw.litmus");
  EXPECT_EQ(iriw.name, "IRIW");
  EXPECT_EQ(iriw.threads, 4);
  EXPECT_EQ(iriw.locations, (std::vector<std::string>{"x", "y"}));
  EXPECT_EQ(atoms(iriw.observed), "2:EAX 2:EBX 3:EAX 3:EBX ");

  const Litmus sb6 = load("6sb.litmus");
  EXPECT_EQ(sb6.name, "6.SB");
  EXPECT_EQ(sb6.threads, 6);
  EXPECT_EQ(sb6.locations, (std::vector<std::string>{"x", "y", "z", "a", "b", "c"}));
  EXPECT_EQ(sb6.observed.size(), 6u);
  EXPECT_TRUE(sb6.holds(state({})));
  EXPECT_FALSE(sb6.holds(state({{"5:EAX", 1}})));
}

TEST(LitmusFiles, TestAndSetAndN4) {
  const Litmus tas = load("testandset.litmus");
  EXPECT_EQ(tas.threads, 2);
  EXPECT_EQ(tas.locations, (std::vector<std::string>{"x"}));
  const isa::Image img = assemble(tas);
  EXPECT_EQ(ops(img, 0), (std::vector<Op>{Op::Set, Op::Set, Op::Xchg, Op::Halt}));
  const isa::Instruction& x = thread_function(img, 0).code[2];
  EXPECT_EQ(x.dst, 0);  // rax = xchg x, rax
  EXPECT_EQ(x.src0.a.kind, isa::Operand::Kind::Reg);
  EXPECT_EQ(x.src0.a.reg, 0);
  EXPECT_EQ(x.mem.base, img.address("x", {}));
  const Execution run = run_in_order(tas, {0, 1});
  EXPECT_EQ(run({0, "EAX"}), 0u);  // P0 won the lock
  EXPECT_EQ(run({1, "EAX"}), 1u);
  EXPECT_EQ(run({-1, "x"}), 1u);

  const Litmus n4 = load("n4.litmus");
  EXPECT_EQ(n4.threads, 2);
  EXPECT_EQ(n4.locations, (std::vector<std::string>{"x"}));
  EXPECT_EQ(atoms(n4.observed), "0:EAX 0:EBX 1:EAX 1:EBX ");
}

TEST(LitmusFiles, IwpXchgProgram) {
  const Litmus lit = load("iwp28a.litmus");
  const isa::Image img = assemble(lit);
  // rax = 0, rbx = 0, rax = 1, rax = xchg x, rax, rbx = load y, halt
  EXPECT_EQ(ops(img, 0), (std::vector<Op>{Op::Set, Op::Set, Op::Set, Op::Xchg, Op::Load, Op::Halt}));
  const isa::Function& p1 = thread_function(img, 1);
  EXPECT_EQ(p1.code[2].src0.a.imm, 1u);
  EXPECT_EQ(p1.code[3].mem.base, img.address("y", {}));
  EXPECT_EQ(p1.code[4].mem.base, img.address("x", {}));
  EXPECT_EQ(p1.code[4].dst, reg_index(p1, "EBX"));
}

TEST(LitmusFiles, X64UsesAttSyntaxAndWideRegisterNames) {
  const Litmus lit = load("X64-WRR+2W.litmus");
  EXPECT_EQ(lit.name, "WRR+2W");
  EXPECT_EQ(lit.threads, 3);
  EXPECT_EQ(lit.locations, (std::vector<std::string>{"x", "y"}));
  EXPECT_EQ(atoms(lit.observed), "x 1:rax 1:rbx ");  // [x] names the location x
  const isa::Image img = assemble(lit);
  EXPECT_EQ(ops(img, 0), (std::vector<Op>{Op::Store, Op::Halt}));
  EXPECT_EQ(ops(img, 1), (std::vector<Op>{Op::Set, Op::Set, Op::Load, Op::Load, Op::Halt}));
  EXPECT_EQ(ops(img, 2), (std::vector<Op>{Op::Store, Op::Store, Op::Halt}));
  EXPECT_EQ(thread_function(img, 0).code[0].src0.a.imm, 2u);  // movl $2,(x)
  const Execution run = run_in_order(lit, {0, 1, 2});
  EXPECT_EQ(run({1, "rax"}), 2u);  // movl (x),%eax is read back as rax
  EXPECT_EQ(run({1, "%eax"}), 2u);
  EXPECT_TRUE(lit.holds(state({{"x", 2}, {"1:rax", 2}})));
  EXPECT_FALSE(lit.holds(state({{"x", 1}, {"1:rax", 2}})));
}

TEST(LitmusFiles, MemoryAtomsAreObserved) {
  EXPECT_EQ(atoms(load("co-mp.litmus").observed), "x 1:EAX 1:EBX ");
  EXPECT_EQ(atoms(load("n6.litmus").observed), "x 0:EAX 0:EBX ");
  EXPECT_EQ(atoms(load("R.litmus").observed), "y 1:EAX ");
  EXPECT_EQ(atoms(load("X64-WRW+2W.litmus").observed), "x y 1:rax ");
}

// ---------------------------------------------------------------- conditions

TEST(LitmusCondition, EvaluatesOnFinalStates) {
  const Litmus sb = load("SB.litmus");
  EXPECT_TRUE(sb.holds(state({{"0:EAX", 0}, {"1:EAX", 0}})));
  EXPECT_FALSE(sb.holds(state({{"0:EAX", 0}, {"1:EAX", 1}})));
  EXPECT_FALSE(sb.holds(state({{"0:EAX", 1}, {"1:EAX", 1}})));

  const Litmus or_test = load("iwp23b.litmus");  // (0:EAX=1 \/ 1:EAX=1)
  EXPECT_TRUE(or_test.holds(state({{"1:EAX", 1}})));
  EXPECT_FALSE(or_test.holds(state({{"0:EAX", 2}})));

  const Litmus r = load("R.litmus");  // (y=2 /\ 1:EAX=0)
  EXPECT_TRUE(r.holds(state({{"y", 2}})));
  EXPECT_FALSE(r.holds(state({{"y", 1}})));
}

TEST(LitmusCondition, PrecedenceNegationAndQuantifiers) {
  auto parse = [](const std::string& cond) {
    return parse_litmus("X86 t\n{ }\n P0 | P1 ;\n MOV EAX,[x] | MOV [x],$1 ;\n" + cond + "\n", "t.litmus");
  };
  const Litmus a = parse("exists (x=1 \\/ x=2 /\\ 0:EAX=1)");  // /\ binds tighter than \/
  EXPECT_TRUE(a.holds(state({{"x", 1}})));
  EXPECT_FALSE(a.holds(state({{"x", 2}})));
  EXPECT_TRUE(a.holds(state({{"x", 2}, {"0:EAX", 1}})));

  const Litmus b = parse("~exists ~(x=1) /\\ ~0:EAX=0");
  EXPECT_EQ(b.quantifier, Litmus::Quantifier::NotExists);
  EXPECT_TRUE(b.holds(state({{"x", 2}, {"0:EAX", 1}})));
  EXPECT_FALSE(b.holds(state({{"x", 1}, {"0:EAX", 1}})));

  const Litmus c = parse("forall (x=1 => 0:EAX=0) /\\ true \\/ false");
  EXPECT_EQ(c.quantifier, Litmus::Quantifier::Forall);
  EXPECT_TRUE(c.holds(state({})));
  EXPECT_FALSE(c.holds(state({{"x", 1}, {"0:EAX", 1}})));
  EXPECT_TRUE(c.holds(state({{"x", 2}, {"0:EAX", 1}})));

  const Litmus d = parse("exists (0:EAX=0x10 /\\ [x]=1)");
  EXPECT_TRUE(d.holds(state({{"0:EAX", 16}, {"x", 1}})));
  EXPECT_EQ(atoms(d.observed), "x 0:EAX ");
}

// ---------------------------------------------------------------- translation

TEST(LitmusTranslation, InitBlockLocationsLineAndRegisterStores) {
  const Litmus lit = parse_litmus(R"(X86 init (* a comment
   spanning lines *)
"Some description"
Com=Rf Fr
{ x=1; [y]=2; int z=3;
  0:EAX=7; 1:EBX=0x10 }
 P0          | P1          ;
 MOV [y],EAX | MOV EAX,EBX ;
             | MOV [z],EAX ;
locations [w; 1:ECX; x;]
exists (0:EAX=7 /\ [y]=7)
)", "init.litmus");
  EXPECT_EQ(lit.locations, (std::vector<std::string>{"x", "y", "z", "w"}));
  EXPECT_EQ(lit.init, (std::map<std::string, Word>{{"x", 1}, {"y", 2}, {"z", 3}}));
  EXPECT_EQ(atoms(lit.observed), "w x y 0:EAX 1:ECX ");
  const isa::Image img = assemble(lit);
  const std::vector<Word> mem = img.initial_memory();
  EXPECT_EQ(mem[img.address("x", {})], 1u);
  EXPECT_EQ(mem[img.address("z", {})], 3u);
  EXPECT_EQ(mem[img.address("w", {})], 0u);
  EXPECT_EQ(ops(img, 0), (std::vector<Op>{Op::Set, Op::Store, Op::Halt}));
  const isa::Instruction& store = thread_function(img, 0).code[1];
  EXPECT_EQ(store.src0.a.kind, isa::Operand::Kind::Reg);  // store y, rax
  EXPECT_EQ(thread_function(img, 0).code[0].src0.a.imm, 7u);
  // P1: rax, rbx, rcx set first (rcx only observed), then rax = rbx, store z, rax
  EXPECT_EQ(ops(img, 1), (std::vector<Op>{Op::Set, Op::Set, Op::Set, Op::Set, Op::Store, Op::Halt}));
  const Execution run = run_in_order(lit, {0, 1});
  EXPECT_TRUE(lit.holds(std::cref(run)));
  EXPECT_EQ(run({-1, "z"}), 16u);
  EXPECT_EQ(run({1, "ECX"}), 0u);
}

TEST(LitmusTranslation, LockedReadModifyWritesIntel) {
  const Litmus lit = parse_litmus(R"(X86 locks
{ x=5; y=3; z=12; w=1; 0:EAX=1; 1:EAX=3; 1:EBX=9; }
 P0                | P1                 ;
 LOCK XADD [x],EAX | LOCK CMPXCHG [y],EBX ;
 LOCK INC [x]      | LOCK OR [z],$3     ;
 LOCK ADD [x],$2   | LOCK AND [z],$6    ;
 LOCK DEC [w]      | LOCK XCHG EAX,[w]  ;
 LOCK SUB [x],$1   | ADD EAX,EBX        ;
exists (0:EAX=5)
)", "locks.litmus");
  const isa::Image img = assemble(lit);
  EXPECT_EQ(ops(img, 0), (std::vector<Op>{Op::Set, Op::AtomicFetchAdd, Op::AtomicAdd, Op::AtomicAdd,
                                          Op::AtomicAdd, Op::AtomicAdd, Op::Halt}));
  EXPECT_EQ(ops(img, 1), (std::vector<Op>{Op::Set, Op::Set, Op::Cmpxchg, Op::AtomicOr, Op::AtomicAndnot,
                                          Op::Xchg, Op::Set, Op::Halt}));
  const Execution run = run_in_order(lit, {0, 1});
  EXPECT_EQ(run({0, "EAX"}), 5u);  // XADD returned the old x
  EXPECT_EQ(run({-1, "x"}), 8u);   // 5 + 1 + 1 + 2 - 1
  EXPECT_EQ(run({-1, "y"}), 9u);   // CMPXCHG: EAX (3) matched y, so y = EBX
  EXPECT_EQ(run({-1, "z"}), 6u);   // (12 | 3) & 6
  EXPECT_EQ(run({-1, "w"}), 3u);   // 1 - 1 by P0, then XCHG stored P1's EAX
  EXPECT_EQ(run({1, "EAX"}), 9u);  // XCHG read 0, then ADD EAX,EBX
}

TEST(LitmusTranslation, LockedReadModifyWritesAtt) {
  const Litmus lit = parse_litmus(R"(X86_64 locks
{ x=5; y=4; 0:rax=1; 0:rbx=9; }
 P0                      ;
 lock xaddl %eax,(x)     ;
 lock incq (x)           ;
 lock addl $2,(x)        ;
 lock cmpxchgl %ebx,(y)  ;
 xchgq (x),%rcx          ;
 movq %rax,(z)           ;
 movl $7,%edx            ;
exists (0:rax=5)
)", "locks64.litmus");
  const isa::Image img = assemble(lit);
  EXPECT_EQ(ops(img, 0), (std::vector<Op>{Op::Set, Op::Set, Op::Set, Op::Set, Op::AtomicFetchAdd, Op::AtomicAdd,
                                          Op::AtomicAdd, Op::Cmpxchg, Op::Xchg, Op::Store, Op::Set, Op::Halt}));
  const Execution run = run_in_order(lit, {0});
  EXPECT_EQ(run({0, "eax"}), 4u);  // xadd read 5; cmpxchg then failed (y=4) and read y
  EXPECT_EQ(run({-1, "y"}), 4u);
  EXPECT_EQ(run({0, "rcx"}), 9u);  // 5 + 1 + 1 + 2, taken by xchg
  EXPECT_EQ(run({-1, "x"}), 0u);   // the old rcx
  EXPECT_EQ(run({-1, "z"}), 4u);
  EXPECT_EQ(run({0, "edx"}), 7u);
}

TEST(LitmusTranslation, LocationNamesThatWouldClashAreMangled) {
  EXPECT_EQ(explore::variable_of("x"), "x");
  EXPECT_EQ(explore::variable_of("load"), "load");
  EXPECT_EQ(explore::variable_of("rax"), "mem.rax");
  EXPECT_EQ(explore::variable_of("zf"), "mem.zf");
  EXPECT_EQ(explore::variable_of("this_cpu"), "mem.this_5fcpu");
  const Litmus lit = parse_litmus(R"(X86_64 clash
{ rax=1; this_cpu=2; }
 P0                   ;
 movl (rax),%eax      ;
 movl %eax,(this_cpu) ;
 movl (load),%ebx     ;
 xchgl %ecx,(zf)      ;
exists (rax=1 /\ this_cpu=1 /\ 0:rax=1)
)", "clash.litmus");
  EXPECT_EQ(lit.locations, (std::vector<std::string>{"rax", "this_cpu", "load", "zf"}));
  const Execution run = run_in_order(lit, {0});
  EXPECT_TRUE(lit.holds(std::cref(run)));
}

TEST(LitmusTranslation, RegisterNames) {
  EXPECT_EQ(explore::register_of("EAX"), "rax");
  EXPECT_EQ(explore::register_of("%eax"), "rax");
  EXPECT_EQ(explore::register_of("rax"), "rax");
  EXPECT_EQ(explore::register_of("ESI"), "rsi");
  EXPECT_EQ(explore::register_of("r9d"), "r9");
  EXPECT_THROW(explore::register_of("EQX"), std::invalid_argument);
  EXPECT_THROW(explore::register_of("x"), std::invalid_argument);
}

// ---------------------------------------------------------------- errors

TEST(LitmusErrors, NameTheLine) {
  const std::string head = "X86 t\n{\n}\n P0 | P1 ;\n";  // rows start at line 5
  EXPECT_EQ(error_of(head + " FOO [x] | MOV [y],$1 ;\nexists (x=1)\n"), "t.litmus:5: unknown instruction 'FOO'");
  EXPECT_EQ(error_of(head + " MOV [x],$1 | MOV [y],$1 ;\n MFENCE | MFENCE | MFENCE ;\nexists (x=1)\n"),
            "t.litmus:6: row has 3 columns, the header 2");
  EXPECT_EQ(error_of(head + " MOV [x],$1 | MOV [y],$1 ;\n\n"),
            "t.litmus:5: missing condition (exists, ~exists or forall)");
  EXPECT_EQ(error_of(head + " MOV [x],$1 | MOV [y],$1 ;\nexists\n(0:EAX 1)\n"),
            "t.litmus:7: expected '=' in a condition atom, found '1'");
  EXPECT_EQ(error_of(head + " MOV [x],$1 | MOV [y],$1 ;\nexists (0:EAX=x)\n"),
            "t.litmus:6: values must be numbers ('x': addresses as values are not supported)");
  EXPECT_EQ(error_of(head + " MOV [x],$1 | MOV [y],$1 ;\nexists (2:EAX=0)\n"),
            "t.litmus:6: no thread 2 (the test has 2)");
  EXPECT_EQ(error_of(head + " MOV [x],$1 | MOV [y],$1 ;\nexists (0:FOO=0)\n"), "t.litmus:6: unknown register 'FOO'");
  EXPECT_EQ(error_of(head + " MOV [x],$1 | MOV [y],$1 ;\nexists (x=1) /\\\n"),
            "t.litmus:6: expected a location or N:REG, found end of file");
  EXPECT_EQ(error_of(head + " MOV [x],$1 | MOV [y],$1 ;\nexists (x=1) y=2\n"),
            "t.litmus:6: unexpected 'y' after the condition");
  EXPECT_EQ(error_of("X86 t\n(* never\nclosed\n{\n}\n"), "t.litmus:2: unterminated comment '(*'");
  EXPECT_EQ(error_of(head + " MOV EQX,[x] | MOV [y],$1 ;\nexists (x=1)\n"),
            "t.litmus:5: unknown register or operand 'EQX' (X86 operands: [x], $1, EAX)");
  EXPECT_EQ(error_of(head + " MOV %eax,[x] | MOV [y],$1 ;\nexists (x=1)\n"),
            "t.litmus:5: unknown register or operand '%eax' (X86 operands: [x], $1, EAX)");
  EXPECT_EQ(error_of("X86_64 t\n{ }\n P0 ;\n movl (x),eqx ;\nexists (x=1)\n"),
            "t.litmus:4: unknown register or operand 'eqx' (AT&T operands: (x), $1, %eax)");
}

// Each thread is one of the machine's CPUs, and it has at most 64.
TEST(LitmusErrors, AtMost64Threads) {
  auto threads = [](int n) {
    std::string header, row;
    for (int i = 0; i < n; ++i) {
      header += (i ? " | P" : " P") + std::to_string(i);
      row += (i ? " | MFENCE" : " MFENCE");
    }
    return "X86 t\n{ }\n" + header + " ;\n" + row + " ;\nexists (0:EAX=0)\n";
  };
  EXPECT_EQ(parse_litmus(threads(64), "t.litmus").threads, 64);
  EXPECT_EQ(error_of(threads(65)), "t.litmus:3: 65 threads: at most 64 (one CPU each)");
}

TEST(LitmusErrors, UnsupportedForms) {
  const std::string head = "X86 t\n{\n}\n P0 | P1 ;\n";
  auto row = [&](const std::string& cell) {
    return error_of(head + " " + cell + " | MFENCE ;\nexists (x=1)\n");
  };
  EXPECT_EQ(row("MOV EAX,[EBX]"), "t.litmus:5: register-indirect addressing is not supported: '[EBX]'");
  EXPECT_EQ(row("MOV [x],$-1"), "t.litmus:5: negative values are not supported: '$-1'");
  EXPECT_EQ(row("MOV [x],$4294967296"), "t.litmus:5: immediate 4294967296 does not fit 32 bits");
  EXPECT_EQ(row("MOV AL,[x]"), "t.litmus:5: 8- and 16-bit registers are not supported: 'AL'");
  EXPECT_EQ(row("LOCK MOV [x],$1"), "t.litmus:5: LOCK cannot prefix MOV");
  EXPECT_EQ(row("LOCK XOR [x],$1"), "t.litmus:5: LOCK XOR has no isolsim micro-op (there is no atomic_xor)");
  EXPECT_EQ(row("LOCK ADD [x],[y]"), "t.litmus:5: LOCK 'ADD' with two memory operands is not supported");
  EXPECT_EQ(row("MOV [x],EAX,EBX"), "t.litmus:5: unsupported operands for 'MOV'");
  EXPECT_EQ(row("MOV [x],$1z"), "t.litmus:5: bad number '$1z'");
  EXPECT_EQ(row("MOV [x+4],$1"), "t.litmus:5: bad memory operand '[x+4]'");
  EXPECT_EQ(row("LOCK"), "t.litmus:5: LOCK prefixes nothing");
  EXPECT_EQ(error_of("X86 t\n{ 0:EAX=x; }\n P0 ;\nexists (x=1)\n"),
            "t.litmus:2: values must be numbers ('x': addresses as values are not supported)");
  EXPECT_EQ(error_of("X86_64 t\n{ }\n P0 ;\n movw $1,(x) ;\nexists (x=1)\n"),
            "t.litmus:4: 8- and 16-bit operations are not supported: 'movw'");
  EXPECT_EQ(error_of("X86_64 t\n{ }\n P0 ;\n movl %rax,(x) ;\nexists (x=1)\n"),
            "t.litmus:4: operand size mismatch in 'movl'");
  EXPECT_EQ(error_of(head + " MOV [x],$1 | MFENCE\nexists (x=1)\n"), "t.litmus:5: row does not end with ';'");
  EXPECT_EQ(error_of("X86 t\n{\n}\n P1 | P0 ;\nexists (x=1)\n"), "t.litmus:4: expected thread header P0, found 'P1'");
  EXPECT_EQ(error_of("ARM t\n{\n}\n"), "t.litmus:1: not an X86 or X86_64 litmus test (architecture 'ARM')");
  EXPECT_EQ(error_of("X86 t\n{ x=1;\n P0 ;\n"), "t.litmus:2: unterminated init block '{'");
  EXPECT_EQ(error_of("X86 t\n{ x=1; x=2; }\n P0 ;\nexists (x=1)\n"), "t.litmus:2: location 'x' initialised twice");
  EXPECT_EQ(error_of("X86 t\nnonsense here\n{ }\n"), "t.litmus:2: expected the init block '{', found 'nonsense here'");
  EXPECT_EQ(error_of("X86 t\n{ 3:EAX=1; }\n P0 ;\nexists (x=1)\n"), "t.litmus:2: no thread 3 (the test has 1)");
  EXPECT_EQ(error_of(head + " MOV [x],$1 | MFENCE ;\nfilter (x=1)\nexists (x=1)\n"),
            "t.litmus:6: 'filter' is not supported");
}

// Fuzz finding (fuzz_litmus): thousands of '~' and '(' in a condition overflowed the stack of the
// recursive condition parser; a condition's operators are bounded, the error names the line.
TEST(LitmusFuzz, DeeplyNestedConditionIsAnError) {
  const std::string head = "X86 t\n{\n}\n P0 | P1 ;\n MOV [x],$1 | MOV [y],$1 ;\n";
  EXPECT_EQ(error_of(head + "exists " + std::string(5000, '~') + "x=1\n"),
            "t.litmus:6: condition has more than 1000 operators");
  EXPECT_EQ(error_of(head + "exists\n" + std::string(5000, '(') + "x=1" + std::string(5000, ')') + "\n"),
            "t.litmus:7: condition has more than 1000 operators");
  std::string chain = "x=1";
  for (int i = 0; i < 1200; ++i) chain += " => x=1";
  EXPECT_EQ(error_of(head + "exists (" + chain + ")\n"), "t.litmus:6: condition has more than 1000 operators");
  EXPECT_EQ(error_of(head + "exists " + std::string(300, '~') + "x=1\n"), "no error");
}
