// Where a CPU is, as its context-tracking state word says: the protocol declares the word and the
// function that reads it (`.ctstate VAR, FUNC`), and the deferral ledger reads every write of it.
// So an entry or exit path is judged by the state it leaves, whatever order its steps come in.
#pragma once

#include <cstdint>
#include <unordered_map>
#include <vector>

#include "models/isa/image.h"

namespace kernel {

// FUNC's answer (the simulator's constants CT_WHERE_*): in the kernel while RCU watches (process
// context, an interrupt or an NMI), else the extended quiescent state the CPU is in, where
// deferred work waits for the next entry.
enum class Where : std::uint8_t { Kernel = 0, Idle = 1, User = 2, Guest = 3 };
const char* where_name(Where w);
inline bool quiescent(Where w) { return w != Where::Kernel; }

class CtStateReader {
 public:
  // An image without `.ctstate` has no word to read: every CPU stays where it booted (user).
  explicit CtStateReader(const isa::Image& img);
  bool declared() const { return var_ >= 0; }
  // The CPU whose state word `addr` is, or -1.
  std::int32_t cpu_of(isa::Addr addr) const {
    if (var_ < 0 || addr < first_ || (addr - first_) % stride_ != 0) return -1;
    const isa::Addr cpu = (addr - first_) / stride_;  // the words are one per-CPU area apart
    return cpu < words_.size() ? static_cast<std::int32_t>(cpu) : -1;
  }
  isa::Addr word(std::uint32_t cpu) const { return words_.at(cpu); }
  // FUNC(value), run on a scratch CPU (it may touch no memory: isa::Fault otherwise); remembered.
  Where where(isa::Word value) const;

 private:
  const isa::Image& img_;
  int var_ = -1;
  std::vector<isa::Addr> words_;       // per CPU
  isa::Addr first_ = 0, stride_ = 1;   // cpu0's word, and the distance between two CPUs' words
  mutable std::unordered_map<isa::Word, Where> seen_;
};

}  // namespace kernel
