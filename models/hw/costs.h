// Cycle costs of the timed model. Every number cites a public source or says it is a calibration
// parameter; a scenario can override each one (platform.costs).
#pragma once

#include <cstdint>

namespace hw {

struct Costs {
  // Agner Fog, "Instruction tables" (Skylake): simple integer ALU ops and taken branches, 1 cycle.
  std::uint64_t alu = 1;
  // Intel 64 and IA-32 Architectures Optimization Reference Manual (Skylake): L1D load-to-use 4-5.
  std::uint64_t l1_hit = 4;
  // Same manual, Skylake client L3 hit latency ~ 40-45 cycles.
  std::uint64_t llc_hit = 42;
  // Cross-core cache-line transfer adds the topology path latency on top of this.
  std::uint64_t line_transfer = 20;        // calibration parameter
  std::uint64_t store_issue = 1;           // a store enters the store buffer: Agner Fog, 1/cycle
  std::uint64_t store_drain = 10;          // store buffer to L1 commit delay: calibration parameter
  // Agner Fog (Skylake): LOCK ADD / LOCK CMPXCHG / XCHG r,m latency ~ 18 cycles.
  std::uint64_t locked = 18;
  // Agner Fog (Skylake): MFENCE ~ 33 cycles.
  std::uint64_t mfence = 33;
  // sync_core(): SERIALIZE, or IRET-to-self without it; calibration parameter.
  std::uint64_t serialize = 60;
  // Intel Optimization Manual 2.5.4 (Skylake-SP): PAUSE latency raised to ~140 cycles.
  std::uint64_t pause = 140;
  // Agner Fog (Skylake): RDTSC ~ 25 cycles.
  std::uint64_t rdtsc = 25;
  std::uint64_t cli_sti = 4;               // Agner Fog (Skylake): CLI/STI a few cycles
  std::uint64_t wrmsr = 60;                // x2APIC MSR write (ICR, EOI, TSC deadline): calibration parameter
  std::uint64_t syscall = 100;             // SYSCALL + entry stack switch: calibration parameter
  std::uint64_t sysret = 100;              // exit path + SYSRET: calibration parameter
  std::uint64_t interrupt_entry = 250;     // event delivery through the IDT: calibration parameter
  std::uint64_t iret = 100;                // calibration parameter
  std::uint64_t call = 2;                  // CALL/RET pair halves; Agner Fog ~ 1-2
  // IPI: ICR write to the target APIC's IRR, plus the topology path latency. Measured IPI
  // latencies on x86 servers are around 1-2 us end to end; calibration parameter.
  std::uint64_t ipi_delivery = 1500;
};

}  // namespace hw
