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
    return addr < owner_.size() ? owner_[addr] : -1;
  }
  isa::Addr word(std::uint32_t cpu) const { return words_.at(cpu); }
  // FUNC(value), run on a scratch CPU (it may touch no memory: isa::Fault otherwise); remembered.
  Where where(isa::Word value) const;

 private:
  const isa::Image& img_;
  int var_ = -1;
  std::vector<isa::Addr> words_;       // per CPU
  std::vector<std::int32_t> owner_;    // per address: the CPU whose word it is, or -1
  mutable std::unordered_map<isa::Word, Where> seen_;
};

}  // namespace kernel
