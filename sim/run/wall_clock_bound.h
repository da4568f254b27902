// `run --max-seconds`: stops a timed run once its wall time is spent, at a cycle boundary, so
// that the report of what was simulated so far can still be written.
#pragma once

#include <chrono>
#include <cstdint>
#include <systemc>

namespace run {

// A SystemC method woken every `period` of simulated time looks at the wall clock and calls
// sc_stop() past the deadline. Created only with a bound: its event ends the interconnect's
// run-ahead once per period (what the cores see does not change; hw::Interconnect::process).
class WallClockBound : public sc_core::sc_module {
 public:
  SC_HAS_PROCESS(WallClockBound);
  WallClockBound(sc_core::sc_module_name name, std::chrono::steady_clock::time_point deadline,
                 sc_core::sc_time period);
  bool reached() const { return reached_; }
  sc_core::sc_time at() const { return at_; }  // the simulated time it stopped at

 private:
  void check();
  std::chrono::steady_clock::time_point deadline_;
  sc_core::sc_time period_, at_;
  bool reached_ = false;
};

}  // namespace run
