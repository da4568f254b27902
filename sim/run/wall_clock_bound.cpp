#include "wall_clock_bound.h"

namespace run {

WallClockBound::WallClockBound(sc_core::sc_module_name name, std::chrono::steady_clock::time_point deadline,
                               sc_core::sc_time period)
    : sc_core::sc_module(name), deadline_(deadline), period_(period) {
  SC_METHOD(check);  // first at cycle 0, then once per period
}

void WallClockBound::check() {
  if (std::chrono::steady_clock::now() < deadline_) {
    sc_core::next_trigger(period_);
    return;
  }
  reached_ = true;
  at_ = sc_core::sc_time_stamp();
  sc_core::sc_stop();
}

}  // namespace run
