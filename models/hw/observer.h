// What the hardware tells whoever records a run (event log, traces, ledger, interference).
// Every cycle here is a completion cycle in core clock cycles; `issued` is when the access was
// issued (equal to the cycle for register-only work). Cores run register-only code ahead of
// SystemC time, so calls do not arrive in cycle order: a recorder orders them by (cycle, issued,
// cpu, arrival) — for memory accesses that is exactly the interconnect's arbitration. No SystemC.
#pragma once

#include <cstdint>

#include "models/isa/executor.h"

namespace hw {

// The sender of a device's interrupt (an MSI from an I/O device), in place of a CPU number.
constexpr std::uint32_t kDevice = 0xffffffffu;

class Observer {
 public:
  virtual ~Observer() = default;
  // One instruction took effect at `cycle`. `request` is the CPU's request id before it ran.
  virtual void executed(std::uint32_t cpu, std::uint64_t cycle, std::uint64_t issued,
                        const isa::Effect& e, isa::Word request, isa::Mode mode_before,
                        isa::Mode mode_after) = 0;
  // The oldest store-buffer entry of `cpu` reached memory.
  virtual void drained(std::uint32_t cpu, std::uint64_t cycle, std::uint64_t issued, isa::Addr addr,
                       isa::Word old, isa::Word value) = 0;
  // `from` is a CPU, or kDevice for a device's interrupt (then arrival == cycle).
  virtual void ipi_sent(std::uint64_t id, std::uint32_t from, std::uint32_t to, std::uint8_t vector,
                        std::uint64_t cycle, std::uint64_t arrival) = 0;
  // The IPI (or timer) set its IRR bit on the target APIC.
  virtual void ipi_delivered(std::uint64_t id, std::uint32_t to, std::uint64_t cycle) = 0;
  // Nothing reported from now on has a cycle below `cycle` (the interconnect says so each time it
  // runs: cores never run behind SystemC time).
  virtual void settled(std::uint64_t cycle) {}
  // The core took `vector` at the instruction boundary `cycle`; `ipi_ids` the IPIs it serves.
  virtual void interrupt(std::uint32_t cpu, std::uint64_t cycle, std::uint8_t vector, bool from_user,
                         const std::uint64_t* ipi_ids, std::size_t n_ids) = 0;
};

}  // namespace hw
