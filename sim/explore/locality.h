// The reduction's guesses, from random executions: which CPUs no IPI reaches, which words one CPU
// touches, which instructions never race. The exploration checks each (Machine throws
// NotInterruptFree, NotPrivate or Racy) and starts again without the one that was wrong.
#pragma once

#include <cstdint>
#include <vector>

#include "sim/explore/machine.h"

namespace explore {

struct Locality {
  std::vector<bool> interrupt_free;            // per CPU: no IPI reached it
  std::vector<std::int32_t> owner;             // per word: the only CPU that touched it, or -1
  std::vector<std::vector<bool>> race_free;    // per function and pc: accessed memory, never racing
};

// `walks` random executions from the initial state (a fixed seed: the same answer every time).
// An access races when another CPU touched the same word between the accessing CPU's previous
// step and the access, or in the same way the other way round: their windows overlap, so either
// could come first.
Locality guess_locality(const isa::Image& img, const MachineConfig& cfg, int walks = 200);

}  // namespace explore
