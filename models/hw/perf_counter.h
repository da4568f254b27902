// The performance counter the perf NMI watchdog programs: it overflows every `period` cycles from
// boot, and its overflow raises the local APIC's LVT PC, which the kernel points at NMI delivery
// (arch/x86/events/core.c perf_events_lapic_init(): apic_write(APIC_LVTPC, APIC_DM_NMI)). No SystemC.
//
// kernel/watchdog_perf.c hardlockup_detector_event_create() asks for a cycles event with
// sample_period = hw_nmi_get_sample_period(watchdog_thresh) = cpu_khz * 1000 * watchdog_thresh. A
// real counter counts unhalted cycles only; this one counts every cycle, so an idle CPU takes its
// NMIs on the same schedule as a busy one (docs/timing.md).
#pragma once

#include <cstdint>

namespace hw {

class PerfCounter {
 public:
  static constexpr std::uint64_t kNever = ~std::uint64_t(0);

  // Starts counting at cycle 0 with an overflow every `period` cycles; 0 leaves the counter off.
  void program(std::uint64_t period) {
    period_ = period;
    next_ = period ? period : kNever;
  }
  std::uint64_t next_overflow() const { return next_; }
  // Overflows due at or before `now`, counted and re-armed (the counter reloads its period itself,
  // as perf's x86_perf_event_set_period() does from the overflow handler, with no drift).
  std::uint64_t overflow(std::uint64_t now) {
    if (next_ > now) return 0;
    const std::uint64_t n = (now - next_) / period_ + 1;
    next_ += n * period_;
    return n;
  }

 private:
  std::uint64_t period_ = 0;
  std::uint64_t next_ = kNever;
};

}  // namespace hw
