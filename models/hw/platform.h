// The simulated machine: cores, local APICs and the interconnect, elaborated as SystemC modules.
// This header keeps SystemC out of its users. SystemC elaborates once per process, so a process has
// one Platform; reset() makes it run again, as a new machine of the same CPUs would.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "costs.h"
#include "models/isa/image.h"
#include "models/isa/cpu_state.h"
#include "observer.h"
#include "topology.h"

namespace hw {

struct TimerSetup {
  std::uint64_t first = 0;   // first expiry cycle; 0 = timer off
  std::uint64_t period = 0;  // periodic mode; 0 = TSC-deadline (re-armed by the tick handler)
};

// A device interrupt (MSI): `vector` reaches CPU `cpu`'s APIC at `cycle`.
struct DeviceIrq {
  std::uint64_t cycle;
  std::uint32_t cpu;
  std::uint8_t vector;
};

struct PlatformConfig {
  double clock_mhz = 3000;
  Topology topology = Topology::flat(1, 50);
  Costs costs;
  std::vector<std::uint32_t> tasks;   // per CPU: function index of its program
  std::vector<isa::Word> memory;      // at boot
  std::vector<TimerSetup> timers;     // per CPU: the LAPIC timer as the kernel left it at boot
  // Per CPU: the perf NMI watchdog's counter period in cycles, an NMI through LVT PC at every
  // multiple of it from boot; 0 (or no entry): no NMI source.
  std::vector<std::uint64_t> nmi_periods;
  std::vector<DeviceIrq> device_irqs;  // in any order
  std::uint64_t end_cycle = 0;
  std::uint64_t max_instructions = ~std::uint64_t(0);
  // The interconnect may run ahead of SystemC time while nothing else is due (same results,
  // fewer scheduler passes); off only to cross-check that claim.
  bool run_ahead = true;
};

class Platform {
 public:
  Platform(const isa::Image& img, PlatformConfig cfg, Observer* obs);
  ~Platform();
  // Simulates cycles [0, end_cycle]. Returns false if a core faulted (see fault()).
  bool run();
  // Whether reset(cfg) can follow the last run: the same number of CPUs (the modules are
  // elaborated), a run that returned and did not stop SystemC (a fault does), and SystemC time
  // left for it.
  bool can_reset(const PlatformConfig& cfg) const;
  // The machine `cfg` describes, on these modules, with cycle 0 now: nothing of the last run is
  // kept, and the next run() gives what a new Platform's would, byte for byte.
  void reset(const isa::Image& img, PlatformConfig cfg, Observer* obs);
  const std::string& fault() const;
  std::uint64_t instructions() const;  // executed by all cores
  std::uint64_t ipis() const;
  const std::vector<isa::Word>& memory() const;
  const isa::CpuState& cpu(std::uint32_t i) const;
  std::uint64_t period_ps() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace hw
