// The layout of a struct cpumask (models/kernel/cpumask.s): BITS_TO_LONGS(ncpus) words, CPU c in
// bit c % 64 of word c / 64. Shared by the assembler's users that build masks (boot, generated
// programs), the executor's traced masks, the cache model and the tools that read masks back.
#pragma once

#include <cstdint>
#include <vector>

#include "instruction.h"

namespace isa {

// BITS_TO_LONGS(ncpus): the words of one mask.
inline Word cpumask_longs(Word ncpus) { return (ncpus + 63) / 64; }

// The words of the mask of `cpus` (each below `ncpus`).
inline std::vector<Word> cpumask_words(const std::vector<std::uint32_t>& cpus, Word ncpus) {
  std::vector<Word> words(cpumask_longs(ncpus), 0);
  for (std::uint32_t c : cpus) words[c / 64] |= Word(1) << (c % 64);
  return words;
}

// The CPUs of the mask whose words are [first, last), in order.
template <class It>
std::vector<std::uint32_t> cpumask_cpus(It first, It last) {
  std::vector<std::uint32_t> cpus;
  for (std::uint32_t w = 0; first != last; ++first, ++w)
    for (Word bits = *first; bits; bits &= bits - 1)
      cpus.push_back(w * 64 + static_cast<std::uint32_t>(__builtin_ctzll(bits)));
  return cpus;
}

}  // namespace isa
