// herd7's x86tso.cat, axiomatically: a litmus test's candidate executions (events, a reads-from
// and a coherence order) kept when the cat model's axioms hold. A second, independent answer
// beside the explorer's operational x86-TSO machine, and the one herd7 gives.
#pragma once

#include "sim/explore/litmus_run.h"

namespace explore {

// The model is x86tso.cat as herd7 7.57 ships it (herdtools7 herd/libdir/x86tso.cat):
//   uniproc  acyclic po-loc | rf | fr | co
//   atomic   empty rmw & (fre; coe)
//   tso      acyclic mfence | implied | WW(po) | RM(po) | rfe | fr | co
// where implied orders a write before a later read when either is LOCKed. A LOCKed instruction's
// read and write are one instruction, related by rmw and not by po. Events come from the threads'
// micro-ops (litmus.h). A failed CMPXCHG is a lone locked read, as in herd7's X86_64 semantics.
// An unlocked read-modify-write is a plain read and a plain write in program order, no rmw pair.
// A thread that jumps (forward only) runs one of its paths: each is guessed, and a candidate kept
// only when the values read take the thread down the path guessed.
// A read's value is its write's; an execution whose values cannot be computed (each needs the
// other's) is not a candidate, except that XCHG's write never waits for its read.
//
// P and N count consistent executions, as herd7's do. `bounds.max_states` bounds the candidate
// executions tried, `bounds.max_seconds` the time and `bounds.max_memory_mb` the resident memory
// (from `budget` when given, shared with what ran before); any makes the outcome incomplete.
// `o.exploration.states` is the number of candidates tried.
LitmusOutcome run_litmus_cat(const Litmus& lit, const Bounds& bounds, Budget* budget = nullptr);

}  // namespace explore
