#include "interconnect.h"

#include <algorithm>

namespace hw {

Interconnect::Interconnect(sc_core::sc_module_name name, Clock& clock, const Topology& topo,
                           const Costs& costs, std::vector<isa::Word> memory, Observer* obs,
                           std::uint64_t last_cycle)
    : sc_core::sc_module(name),
      clock_(clock),
      topo_(topo),
      costs_(costs),
      obs_(obs),
      memory_(std::move(memory)),
      cache_(topo, costs, memory_.size(), topo.cpus()),
      done_(topo.cpus(), nullptr),
      apics_(topo.cpus(), nullptr),
      lookahead_(costs.ipi_delivery + topo.min_latency()),
      min_invalidation_(costs.line_transfer + std::max<std::uint64_t>(topo.min_latency(), 1)),
      last_cycle_(last_cycle),
      pending_writes_(memory_.size() / isa::kWordsPerLine + 1, 0) {
  SC_METHOD(process);
  sensitive << ev_;
  dont_initialize();
}

void Interconnect::reset(std::vector<isa::Word> memory, Observer* obs, std::uint64_t last_cycle) {
  ev_.cancel();
  obs_ = obs;
  memory_ = std::move(memory);
  cache_.reset(memory_.size());
  run_ = Run{};
  lookahead_ = costs_.ipi_delivery + topo_.min_latency();
  min_invalidation_ = costs_.line_transfer + std::max<std::uint64_t>(topo_.min_latency(), 1);
  last_cycle_ = last_cycle;
  pending_writes_.assign(memory_.size() / isa::kWordsPerLine + 1, 0);
}

void Interconnect::attach(std::uint32_t cpu, Client* core, LocalApic* apic) {
  done_.at(cpu) = core;
  apics_.at(cpu) = apic;
}

void Interconnect::schedule(std::uint32_t cpu, Kind kind, std::uint64_t issued, std::uint64_t done,
                            isa::Addr addr, bool writes) {
  run_.queue.push({done, issued, (std::uint64_t(cpu) << 40) | (run_.seq++ & ((std::uint64_t(1) << 40) - 1)), addr,
               kind, writes});
  if (writes) ++pending_writes_[addr / isa::kWordsPerLine];
  // Every notification costs SystemC a timed-queue entry: only move the wake-up earlier.
  if (!run_.processing && done < run_.armed) {
    run_.armed = done;
    ev_.notify(clock_.delay_to(done));
  }
}

// Most of a dense run is accesses completing one after another while every other process waits
// for a later time. Returning to SystemC for each would cost a timed notification and a scheduler
// pass; instead, while no other process has anything pending up to the next completion, time
// runs ahead to it here (as a TLM-2 quantum keeper does). What the cores see is what they would
// see had SystemC woken this process at that cycle: the order of effects is unchanged.
void Interconnect::process() {
  std::uint64_t now = clock_.now();
  run_.processing = true;
  for (;;) {
    if (obs_) obs_->settled(now);
    while (!run_.queue.empty() && run_.queue.top().done <= now) {
      const Pending p = run_.queue.top();
      run_.queue.pop();
      if (p.writes) --pending_writes_[p.addr / isa::kWordsPerLine];
      done_[p.cpu()]->complete(p.kind, now);  // may schedule more, always later than now
    }
    if (run_.queue.empty() || run_.stopped) break;
    const std::uint64_t next = run_.queue.top().done;
    if (next > last_cycle_ || !nothing_else_before(next)) break;  // SystemC wakes us then
    clock_.run_ahead_to(next);
    now = next;
  }
  clock_.catch_up();
  run_.processing = false;
  run_.armed = kUnarmed;
  if (!run_.queue.empty()) {
    run_.armed = run_.queue.top().done;
    ev_.notify(clock_.delay_to(run_.armed));
  }
}

// True when no other process (core, APIC) has an event due at or before `cycle`.
bool Interconnect::nothing_else_before(std::uint64_t cycle) const {
  return sc_core::sc_time_to_pending_activity() > clock_.delay_to(cycle);
}

void Interconnect::send_ipi(std::uint32_t from, isa::Word icr, std::uint64_t cycle) {
  const auto vector = static_cast<std::uint8_t>(icr & 0xff);
  const unsigned shorthand = (icr >> 18) & 3;  // SDM 11.6.1: 00 none, 01 self, 10 all, 11 all but self
  auto deliver = [&](std::uint32_t to) {
    const std::uint64_t arrival = cycle + costs_.ipi_delivery + topo_.latency(from, to);
    const std::uint64_t id = ++run_.next_ipi;
    if (obs_) obs_->ipi_sent(id, from, to, vector, cycle, arrival);
    apics_[to]->post_ipi(arrival, vector, id);
  };
  const std::uint32_t n = topo_.cpus();
  switch (shorthand) {
    case 0: {
      const isa::Word dest = icr >> 32;  // x2APIC physical destination: APIC id == CPU number
      if (dest < n) deliver(static_cast<std::uint32_t>(dest));
      break;  // an IPI to a non-existent APIC id is dropped, as on hardware
    }
    case 1: deliver(from); break;
    case 2: for (std::uint32_t c = 0; c < n; ++c) deliver(c); break;
    case 3: for (std::uint32_t c = 0; c < n; ++c) if (c != from) deliver(c); break;
  }
}

void Interconnect::post_device_irq(std::uint32_t to, std::uint8_t vector, std::uint64_t cycle) {
  const std::uint64_t id = ++run_.next_ipi;
  ++run_.device_irqs;
  if (obs_) obs_->ipi_sent(id, kDevice, to, vector, cycle, cycle);
  apics_[to]->post_ipi(cycle, vector, id);
}

}  // namespace hw
