// herd7's x86tso.cat model, axiomatically: each axiom forbids what it should and nothing else, a
// read's value comes from its write (never from a cycle of reads), and bounds give no verdict.
#include <gtest/gtest.h>

#include <algorithm>
#include <vector>

#include "sim/explore/litmus_cat.h"

using explore::Litmus;
using explore::LitmusOutcome;
using States = std::vector<std::vector<isa::Word>>;

namespace {

LitmusOutcome cat(const std::string& text, const explore::Bounds& b = {}) {
  const Litmus lit = explore::parse_litmus(text, "t.litmus");
  return explore::run_litmus_cat(lit, b);
}

}  // namespace

// uniproc: a thread reads its own write or a newer one, never the value before it (CoWR). tso
// alone allows it: a write before a read in po is not in ghb.
TEST(CatModel, UniprocForbidsReadingBehindTheOwnWrite) {
  const LitmusOutcome o = cat(R"(X86 CoWR
{ }
 P0          | P1         ;
 MOV [x],$1  | MOV [x],$2 ;
 MOV EAX,[x] |            ;
locations [x;]
exists (0:EAX=0)
)");
  ASSERT_TRUE(o.exploration.complete);
  EXPECT_EQ(o.positive, 0u);
  // (x, EAX): EAX=1 with either write last, EAX=2 only when P1's is.
  EXPECT_EQ(o.states, (States{{1, 1}, {2, 1}, {2, 2}}));
}

// atomic: two LOCKed increments never lose one, though tso alone would let both read 0 (each
// locked read is related to its write by rmw, which is not po).
TEST(CatModel, AtomicityKeepsBothIncrements) {
  const LitmusOutcome o = cat(R"(X86 inc
{ }
 P0              | P1              ;
 LOCK ADD [c],$1 | LOCK ADD [c],$1 ;
exists (c=1)
)");
  ASSERT_TRUE(o.exploration.complete);
  EXPECT_EQ(o.states, (States{{2}}));
  EXPECT_EQ(o.positive + o.negative, 2u);  // two executions: either increment first
}

// tso: store buffering shows without fences and not with them; a LOCKed write orders like MFENCE
// (implied).
TEST(CatModel, TsoAllowsStoreBufferingUnlessFencedOrLocked) {
  const std::string sb = R"(X86 SB
{ }
 P0          | P1          ;
 MOV [x],$1  | MOV [y],$1  ;
 F0          | F1          ;
 MOV EAX,[y] | MOV EAX,[x] ;
exists (0:EAX=0 /\ 1:EAX=0)
)";
  auto with = [&](const std::string& f0, const std::string& f1) {
    std::string t = sb;
    t.replace(t.find("F0         "), 11, f0 + std::string(11 - f0.size(), ' '));
    t.replace(t.find("F1         "), 11, f1 + std::string(11 - f1.size(), ' '));
    return cat(t);
  };
  EXPECT_EQ(with("", "").positive, 1u);
  EXPECT_EQ(with("MFENCE", "").positive, 1u);
  EXPECT_EQ(with("MFENCE", "MFENCE").positive, 0u);
  EXPECT_EQ(with("MFENCE", "MFENCE").states.size(), 3u);
}

// A read takes its write's value. XCHG writes its register whatever it reads, so two XCHGs can
// each read the other's write (herd7's third testandset state); XADD's write needs its read, so two
// XADDs reading each other have no values and are no execution.
TEST(CatModel, ValuesComeFromWritesAndOnlyXchgWritesBeforeItReads) {
  const std::string body = R"(
{ 0:EAX=1; 1:EAX=1; }
 P0             | P1             ;
 OP [x],EAX | OP [x],EAX ;
exists (0:EAX=0 /\ 1:EAX=0)
)";
  std::string xchg = "X86 xchg" + body, xadd = "X86 xadd" + body;
  for (std::string* t : {&xchg, &xadd})
    for (std::size_t at; (at = t->find("OP")) != std::string::npos;)
      t->replace(at, 2, t == &xchg ? "XCHG" : "LOCK XADD");
  const LitmusOutcome x = cat(xchg);
  EXPECT_EQ(x.states, (States{{0, 1}, {1, 0}, {1, 1}}));
  const LitmusOutcome a = cat(xadd);
  EXPECT_EQ(a.states, (States{{0, 1}, {1, 0}}));
}

// A failed CMPXCHG is a locked read with no write: it still orders the store before it.
TEST(CatModel, FailedCmpxchgIsALockedReadOnly) {
  const LitmusOutcome o = cat(R"(X86 SB+failed-cmpxchg
{ z=5; 0:EAX=0; 0:ECX=7; }
 P0                  | P1          ;
 MOV [x],$1          | MOV [y],$1  ;
 LOCK CMPXCHG [z],ECX | MFENCE      ;
 MOV EBX,[y]         | MOV EBX,[x] ;
exists (0:EBX=0 /\ 1:EBX=0)
)");
  ASSERT_TRUE(o.exploration.complete);
  EXPECT_EQ(o.positive, 0u);
  EXPECT_EQ(o.states.size(), 3u);
}

TEST(CatModel, ABoundGivesNoVerdict) {
  explore::Bounds b;
  b.max_states = 3;
  const LitmusOutcome o = cat(R"(X86 SB
{ }
 P0          | P1          ;
 MOV [x],$1  | MOV [y],$1  ;
 MOV EAX,[y] | MOV EAX,[x] ;
exists (0:EAX=0 /\ 1:EAX=0)
)", b);
  EXPECT_FALSE(o.exploration.complete);
  EXPECT_NE(o.exploration.bound.find("state bound (3 candidate executions)"), std::string::npos);
}
