// A counter-example as people read it: an interleaving table with one column per CPU and one row
// per step (seed 003's diagram, with the values read and written), and the same as JSON.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "sim/explore/machine.h"

namespace explore {

// "ct_set_cpu_work: cmpxchg ct.seq[2]: expected 0x4, saw 0xc: fails"
std::string describe(const isa::Image& img, const StepRecord& r);
// Each step followed by the race-free accesses folded into it, as steps of their own: the
// counter-example as rows of accesses.
std::vector<StepRecord> with_folded_accesses(std::vector<StepRecord> steps);
std::string interleaving_table(const isa::Image& img, std::uint32_t ncpus, const std::vector<StepRecord>& steps);
// What makes a counter-example distinct (explore --all): the set of its racing access pairs,
// each an access of one CPU to a word and a later one of another CPU to the same word, at least
// one of them a write, named by CPU, instruction (a drain by the store it drains) and word.
// Accesses that reach memory only: a load from memory, a locked read-modify-write, a drain (a
// store under SC); a load served by the CPU's own store buffer races with nothing. `steps` with
// their folded accesses as rows (with_folded_accesses()). Sorted, so equal sets give equal bytes.
std::vector<std::string> racing_pairs(const isa::Image& img, const std::vector<StepRecord>& steps);
nlohmann::ordered_json steps_json(const isa::Image& img, const std::vector<StepRecord>& steps);

}  // namespace explore
