// Cache-line ownership (a MESI-like owner/sharers record per 64-byte line) and the latency of an
// access given the line's state when the access is issued. No SystemC.
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
  CacheModel(const Topology& topo, const Costs& costs, std::size_t memory_words);

  // Cycles a read by `cpu` takes if issued now (does not change the state).
  std::uint64_t read_latency(std::uint32_t cpu, isa::Addr addr) const;
  // Cycles to gain ownership for a write (store drain or locked operation), excluding the op itself.
  std::uint64_t write_latency(std::uint32_t cpu, isa::Addr addr) const;
  // This CPU has the line (Modified, Exclusive or Shared): a read would hit its L1.
  bool holds(std::uint32_t cpu, isa::Addr addr) const {
    const Line& l = lines_[line_of(addr)];
    return l.owner == static_cast<std::int32_t>(cpu) || (l.sharers >> cpu & 1);
  }
  // State changes when the access completes.
  void did_read(std::uint32_t cpu, isa::Addr addr);
  void did_write(std::uint32_t cpu, isa::Addr addr);

 private:
  struct Line {
    std::int32_t owner = -1;    // Modified/Exclusive holder
    std::uint64_t sharers = 0;  // Shared holders (bit per CPU)
  };
  static std::size_t line_of(isa::Addr a) { return a / isa::kWordsPerLine; }
  const Topology& topo_;
  const Costs& costs_;
  std::vector<Line> lines_;
};

}  // namespace hw
