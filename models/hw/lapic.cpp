#include "lapic.h"

#include <algorithm>

namespace hw {

LocalApic::LocalApic(sc_core::sc_module_name name, std::uint32_t cpu, const Clock& clock, Observer* obs)
    : sc_core::sc_module(name), cpu_(cpu), clock_(clock), obs_(obs) {
  SC_METHOD(update);
  sensitive << ev_;
  dont_initialize();
}

void LocalApic::reset(Observer* obs) {
  ev_.cancel();
  obs_ = obs;
  static_cast<LocalApicRun&>(*this) = LocalApicRun{};
}

void LocalApic::arm() {
  const std::uint64_t n = next_event();
  if (n != kNever) ev_.notify(clock_.delay_to(n));  // an earlier notification replaces a later one
}

std::uint64_t LocalApic::next_event() const {
  std::uint64_t n = std::min(timer_next_, pmc_.next_overflow());
  if (!arrivals_.empty() && arrivals_.begin()->first < n) n = arrivals_.begin()->first;
  return n;
}

void LocalApic::post_ipi(std::uint64_t arrival, std::uint8_t vector, std::uint64_t id) {
  arrivals_.emplace(arrival, std::make_pair(vector, id));
  arm();
}

void LocalApic::set_periodic(std::uint64_t first, std::uint64_t period) {
  timer_next_ = first;
  timer_period_ = period;
  arm();
}

void LocalApic::set_tsc_deadline(std::uint64_t deadline) {
  // SDM 11.5.4.1: writing 0 disarms; a deadline in the past fires at once.
  timer_period_ = 0;
  timer_next_ = deadline == 0 ? kNever : std::max(deadline, clock_.now());
  arm();
}

void LocalApic::write_lvt_timer(std::uint64_t value) {
  timer_mode_ = static_cast<unsigned>((value >> 17) & 3);
  timer_period_ = 0;
  timer_next_ = kNever;
  arm();
}

void LocalApic::write_initial_count(std::uint64_t count) {
  if (timer_mode_ == 2) return;  // SDM 11.5.4.1: ignored in TSC-deadline mode
  const std::uint64_t now = clock_.now();
  timer_period_ = timer_mode_ == 1 ? count : 0;
  timer_next_ = count == 0 ? kNever : now + count;
  arm();
}

void LocalApic::set_perf_counter(std::uint64_t period) {
  pmc_.program(period);
  arm();
}

void LocalApic::update() {
  const std::uint64_t now = clock_.now();
  bool raised = false;
  while (!arrivals_.empty() && arrivals_.begin()->first <= now) {
    const auto [vector, id] = arrivals_.begin()->second;
    arrivals_.erase(arrivals_.begin());
    irr_.set(vector);
    pending_ids_[vector].push_back(id);
    if (obs_) obs_->ipi_delivered(id, cpu_, now);
    raised = true;
  }
  if (timer_next_ <= now) {
    irr_.set(kTimerVector);
    timer_next_ = timer_period_ ? timer_next_ + timer_period_ : kNever;
    raised = true;
  }
  if (pmc_.overflow(now)) {
    nmi_pending_ = true;
    raised = true;
  }
  if (raised && core_wake_) core_wake_->notify(sc_core::SC_ZERO_TIME);
  arm();
}

int LocalApic::highest(const std::bitset<256>& b) {
  for (int v = 255; v >= 0; --v)
    if (b.test(v)) return v;
  return -1;
}

int LocalApic::deliverable() const {
  if (irr_.none()) return -1;  // the common case, checked at every instruction boundary
  const int req = highest(irr_);
  if (req < 0) return -1;
  const int in_service = highest(isr_);
  // SDM 11.8.3.1: accepted only if its priority class is above the processor priority.
  if (in_service >= 0 && (req >> 4) <= (in_service >> 4)) return -1;
  return req;
}

std::vector<std::uint64_t> LocalApic::accept(std::uint8_t vector) {
  irr_.reset(vector);
  isr_.set(vector);
  std::vector<std::uint64_t> ids;
  auto it = pending_ids_.find(vector);
  if (it != pending_ids_.end()) {
    ids.swap(it->second);
    pending_ids_.erase(it);
  }
  return ids;
}

void LocalApic::eoi() {
  const int v = highest(isr_);
  if (v >= 0) isr_.reset(v);
  if (deliverable() >= 0 && core_wake_) core_wake_->notify(sc_core::SC_ZERO_TIME);
}

}  // namespace hw
