// Cache-line ownership (a MESI-like owner/sharers record per 64-byte line) and the latency of an
// access given the line's state when the access is issued. No SystemC. Sharer sets are bitmaps of
// every CPU, kept only for lines some CPU shares, so that 1,024 CPUs cost memory per shared line.
#pragma once

#include <cstdint>
#include <vector>

#include "costs.h"
#include "models/isa/assembler.h"
#include "models/isa/instruction.h"
#include "topology.h"

namespace hw {

class CacheModel {
 public:
  CacheModel(const Topology& topo, const Costs& costs, std::size_t memory_words, std::uint32_t ncpus);

  // Every line uncached, for a memory of `memory_words` (another run in the same process).
  void reset(std::size_t memory_words);

  // Cycles a read by `cpu` takes if issued now (does not change the state).
  std::uint64_t read_latency(std::uint32_t cpu, isa::Addr addr) const;
  // Cycles to gain ownership for a write (store drain or locked operation), excluding the op itself.
  std::uint64_t write_latency(std::uint32_t cpu, isa::Addr addr) const;
  // This CPU has the line (Modified, Exclusive or Shared): a read would hit its L1.
  bool holds(std::uint32_t cpu, isa::Addr addr) const {
    const Line& l = lines_[line_of(addr)];
    return l.owner == static_cast<std::int32_t>(cpu) || shares(l, cpu);
  }
  // State changes when the access completes.
  void did_read(std::uint32_t cpu, isa::Addr addr);
  void did_write(std::uint32_t cpu, isa::Addr addr);

 private:
  struct Line {
    std::int32_t owner = -1;  // Modified/Exclusive holder
    std::uint32_t set = 0;    // Shared holders: 1 + index of their bitmap in sets_, 0 for none
  };
  static std::size_t line_of(isa::Addr a) { return a / isa::kWordsPerLine; }
  bool shares(const Line& l, std::uint32_t cpu) const {
    return l.set && (sets_[(l.set - 1) * set_words_ + cpu / 64] >> (cpu % 64) & 1);
  }
  void add_sharer(Line& l, std::uint32_t cpu);
  const Topology& topo_;
  const Costs& costs_;
  std::vector<Line> lines_;
  std::size_t set_words_;                 // BITS_TO_LONGS(ncpus)
  std::vector<std::uint64_t> sets_;       // the sharer bitmaps, set_words_ each
  std::vector<std::uint32_t> free_sets_;  // bitmaps of lines written since, to reuse
};

}  // namespace hw
