// Local APIC (SystemC): IRR/ISR with vector priority classes, EOI, IPI reception, the LAPIC
// timer in periodic and TSC-deadline modes, and the performance counter's overflow delivered as an
// NMI through LVT PC. Intel SDM vol. 3, chapter 11 (APIC).
#pragma once

#include <systemc>

#include <bitset>
#include <cstdint>
#include <map>
#include <vector>

#include "observer.h"
#include "perf_counter.h"

namespace hw {

class Clock;

// What a run changes in an APIC, all of it: reset() assigns a new one.
struct LocalApicRun {
  static constexpr std::uint64_t kNever = ~std::uint64_t(0);
  std::bitset<256> irr_, isr_;
  std::multimap<std::uint64_t, std::pair<std::uint8_t, std::uint64_t>> arrivals_;  // cycle -> (vector, id)
  std::map<std::uint8_t, std::vector<std::uint64_t>> pending_ids_;               // IRR vector -> IPI ids
  std::uint64_t timer_next_ = kNever;
  std::uint64_t timer_period_ = 0;  // 0: TSC-deadline or one-shot
  unsigned timer_mode_ = 0;         // LVT timer bits 17-18 (the platform sets the timer up directly)
  PerfCounter pmc_;
  bool nmi_pending_ = false;
};

class LocalApic : public sc_core::sc_module, private LocalApicRun {
 public:
  SC_HAS_PROCESS(LocalApic);
  static constexpr std::uint8_t kTimerVector = 0xec;  // LOCAL_TIMER_VECTOR
  using LocalApicRun::kNever;

  LocalApic(sc_core::sc_module_name name, std::uint32_t cpu, const Clock& clock, Observer* obs);

  // Back to the state construction left, for another run in this process (Platform::reset).
  void reset(Observer* obs);

  // Called when something became deliverable (the core wakes and looks at its next boundary).
  void set_core_wake(sc_core::sc_event* wake) { core_wake_ = wake; }

  // An IPI message reaching this APIC at `arrival` (>= now).
  void post_ipi(std::uint64_t arrival, std::uint8_t vector, std::uint64_t id);
  // LVT timer: periodic with `period` cycles from `first`, or a TSC deadline (0 disarms).
  void set_periodic(std::uint64_t first, std::uint64_t period);
  void set_tsc_deadline(std::uint64_t deadline);
  // The x2APIC LVT timer register (its mode field, bits 17-18: one-shot, periodic, TSC-deadline;
  // a write disarms) and initial-count register (counts in TSC cycles here: arms one-shot or
  // periodic mode, 0 disarms), as the kernel's clockevent switches modes (lapic_timer_set_periodic(),
  // lapic_timer_set_oneshot()).
  void write_lvt_timer(std::uint64_t value);
  void write_initial_count(std::uint64_t count);
  // LVT PC in NMI delivery mode: the counter overflows every `period` cycles from boot (0: off).
  void set_perf_counter(std::uint64_t period);
  // Earliest cycle at which this APIC will change state by itself (kNever if none).
  std::uint64_t next_event() const;

  // Highest-priority vector that may interrupt now (its class above the in-service class), or -1.
  int deliverable() const;
  // The core takes `vector`: IRR -> ISR. Returns the IPI ids it serves.
  std::vector<std::uint64_t> accept(std::uint8_t vector);
  void eoi();  // clears the highest in-service vector

  // An NMI is pending on the core's NMI line. It uses no IRR, ISR or EOI: the core takes it when
  // no NMI handler of its own is running (isa::in_nmi()), whatever IF says. Overflows while one is
  // pending merge into it: the core latches one NMI (SDM vol. 3, 6.7.1).
  bool nmi_pending() const { return nmi_pending_; }
  void accept_nmi() { nmi_pending_ = false; }

 private:
  void update();  // SC_METHOD: arrivals and timer expiry due now
  void arm();
  static int highest(const std::bitset<256>& b);

  std::uint32_t cpu_;
  const Clock& clock_;
  Observer* obs_;
  sc_core::sc_event ev_;
  sc_core::sc_event* core_wake_ = nullptr;
};

// Cycle <-> SystemC time. One core cycle is `period_ps` picoseconds of SystemC time, and cycle 0
// is the SystemC time the run started at: 0 in a new process, later for a run that reuses a
// platform (Platform::reset).
class Clock {
 public:
  explicit Clock(std::uint64_t period_ps) : period_ps_(period_ps) {}
  // Cycle 0 is now, `period_ps` picoseconds a cycle from here on.
  void restart(std::uint64_t period_ps) {
    period_ps_ = period_ps;
    base_ps_ = last_ps_ = sc_core::sc_time_stamp().value();
    last_cycle_ = sc_cycle_ = 0;
  }
  // Called on every instruction boundary: the division is redone only when SystemC time moved.
  // While the interconnect runs ahead of SystemC time (see Interconnect::process), it is that time.
  std::uint64_t now() const {
    const std::uint64_t ps = sc_core::sc_time_stamp().value();
    if (ps != last_ps_) {
      last_ps_ = ps;
      last_cycle_ = sc_cycle_ = (ps - base_ps_) / period_ps_;
    }
    return last_cycle_;
  }
  // Delays are always from SystemC's own time, which may lag now() while running ahead.
  sc_core::sc_time delay_to(std::uint64_t cycle) const {
    now();
    return sc_core::sc_time::from_value((cycle > sc_cycle_ ? cycle - sc_cycle_ : 0) * period_ps_);
  }
  sc_core::sc_time cycles(std::uint64_t c) const { return sc_core::sc_time::from_value(c * period_ps_); }
  // Only the interconnect moves time on its own, and only while no other process has anything
  // pending before `cycle`: what runs then sees exactly what it would see at `cycle` in SystemC.
  void run_ahead_to(std::uint64_t cycle) { now(); last_cycle_ = cycle; }
  void catch_up() { now(); last_cycle_ = sc_cycle_; }

 private:
  std::uint64_t period_ps_;
  std::uint64_t base_ps_ = 0;
  mutable std::uint64_t last_ps_ = 0, last_cycle_ = 0, sc_cycle_ = 0;
};

}  // namespace hw
