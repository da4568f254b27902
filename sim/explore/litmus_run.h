// A litmus test run in the explorer's machine: every interleaving and store-buffer drain of its
// threads, its distinct final states and its verdict, printed as herd7 prints them.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "models/isa/image.h"
#include "sim/explore/explorer.h"
#include "sim/explore/litmus.h"

namespace explore {

struct LitmusOutcome {
  // Distinct final states: the values of lit.observed, in that order; sorted.
  std::vector<std::vector<isa::Word>> states;
  // Final states in which the condition's proposition holds / does not. herd7 counts candidate
  // executions here; an interleaving explorer has no such notion, so these count final states.
  std::uint64_t positive = 0, negative = 0;
  enum class Observation { Never, Sometimes, Always } observation = Observation::Never;
  bool ok = false;  // the test's condition (with its quantifier) is validated
  Result exploration;
};

// Where an observed atom lives in a final state: a memory address, or a thread's register slot.
struct LitmusPlace {
  int cpu = -1;  // -1: memory
  isa::Addr addr = 0;
  std::uint8_t reg = 0;
};

// The test's threads assembled: function P<i> per thread.
isa::Image litmus_image(const Litmus& lit);
LitmusPlace litmus_place(const isa::Image& img, const LitmusAtom& a);
// The value of `a` in a final state `v` (the values of lit.observed): the condition only names
// observed atoms.
isa::Word observed_value(const Litmus& lit, const std::vector<isa::Word>& v, const LitmusAtom& a);
// Observation and Ok from o.positive and o.negative.
void settle_verdict(const Litmus& lit, LitmusOutcome& o);

// Throws isa::AsmError for a test whose assembly does not assemble. `fold_local_steps`: see
// MachineConfig (false cross-checks the reduction). `budget`: see Options::budget.
LitmusOutcome run_litmus(const Litmus& lit, bool tso, const Bounds& bounds, bool fold_local_steps = true,
                         Budget* budget = nullptr);

const char* observation_name(LitmusOutcome::Observation o);  // "Never", "Sometimes", "Always"

// herd7's report: Test, States and one line per state, Ok/No, Witnesses, Condition, Observation.
// No Time or Hash line: the output is the same on every run.
std::string herd_report(const Litmus& lit, const LitmusOutcome& o);

// The condition as herd7 prints it, e.g. "exists (0:EAX=0 /\ 1:EAX=0)".
std::string condition_text(const Litmus& lit);

}  // namespace explore
