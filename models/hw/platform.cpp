#include "platform.h"

#include <cmath>
#include <systemc>

#include "core.h"
#include "interconnect.h"
#include "lapic.h"

namespace hw {

struct Platform::Impl {
  PlatformConfig cfg;
  Clock clock;
  std::unique_ptr<Interconnect> ic;
  std::vector<std::unique_ptr<LocalApic>> apics;
  std::vector<std::unique_ptr<Core>> cores;
  std::string fault;
  bool in_run = false;  // still set after run(): SystemC threw out of it, and its state is unknown

  static std::uint64_t period_ps(const PlatformConfig& c) {
    return static_cast<std::uint64_t>(std::llround(std::max(1.0, 1e6 / c.clock_mhz)));
  }

  Impl(const isa::Image& img, PlatformConfig c, Observer* obs) : cfg(std::move(c)), clock(period_ps(cfg)) {
    const std::uint32_t n = cfg.topology.cpus();
    ic = std::make_unique<Interconnect>("interconnect", clock, cfg.topology, cfg.costs,
                                        std::move(cfg.memory), obs,
                                        cfg.run_ahead ? cfg.end_cycle : 0);
    for (std::uint32_t i = 0; i < n; ++i) {
      const std::string id = std::to_string(i);
      apics.push_back(std::make_unique<LocalApic>(("apic" + id).c_str(), i, clock, obs));
      cores.push_back(std::make_unique<Core>(("cpu" + id).c_str(), i, img, clock, cfg.costs, *ic,
                                             *apics.back(), obs, cfg.end_cycle, cfg.max_instructions));
    }
  }
};

Platform::Platform(const isa::Image& img, PlatformConfig cfg, Observer* obs)
    : impl_(std::make_unique<Impl>(img, std::move(cfg), obs)) {}

Platform::~Platform() = default;

bool Platform::can_reset(const PlatformConfig& cfg) const {
  const Impl& m = *impl_;
  if (cfg.topology.cpus() != m.cores.size() || m.in_run || sc_core::sc_get_status() == sc_core::SC_STOPPED)
    return false;
  const std::uint64_t left = sc_core::sc_max_time().value() - sc_core::sc_time_stamp().value();
  return (cfg.end_cycle + 2) < left / Impl::period_ps(cfg);
}

void Platform::reset(const isa::Image& img, PlatformConfig cfg, Observer* obs) {
  Impl& m = *impl_;
  // In place: the modules hold references to the topology, the costs and the clock.
  m.cfg = std::move(cfg);
  m.fault.clear();
  m.clock.restart(Impl::period_ps(m.cfg));
  m.ic->reset(std::move(m.cfg.memory), obs, m.cfg.run_ahead ? m.cfg.end_cycle : 0);
  for (std::size_t i = 0; i < m.cores.size(); ++i) {
    m.apics[i]->reset(obs);
    m.cores[i]->reset(img, obs, m.cfg.end_cycle, m.cfg.max_instructions);
  }
}

bool Platform::run() {
  Impl& m = *impl_;
  // A fault stops the simulation with sc_stop(); the fault itself is reported, not SystemC's note.
  sc_core::sc_report_handler::set_actions("/OSCI/SystemC", sc_core::SC_INFO, sc_core::SC_DO_NOTHING);
  for (std::size_t i = 0; i < m.cores.size(); ++i) {
    m.cores[i]->start(m.cfg.tasks.at(i));
    if (i < m.cfg.nmi_periods.size()) m.apics[i]->set_perf_counter(m.cfg.nmi_periods[i]);
    const TimerSetup& t = i < m.cfg.timers.size() ? m.cfg.timers[i] : TimerSetup{};
    if (t.first == 0) continue;
    if (t.period) m.apics[i]->set_periodic(t.first, t.period);
    else m.apics[i]->set_tsc_deadline(t.first);
  }
  for (const DeviceIrq& d : m.cfg.device_irqs)
    if (d.cycle <= m.cfg.end_cycle) m.ic->post_device_irq(d.cpu, d.vector, d.cycle);
  m.in_run = true;
  sc_core::sc_start(m.clock.cycles(m.cfg.end_cycle + 1));
  m.in_run = false;
  for (const auto& c : m.cores)
    if (!c->fault().empty()) {
      m.fault = c->fault();
      return false;
    }
  return true;
}

const std::string& Platform::fault() const { return impl_->fault; }

std::uint64_t Platform::instructions() const {
  std::uint64_t n = 0;
  for (const auto& c : impl_->cores) n += c->instructions();
  return n;
}

std::uint64_t Platform::ipis() const { return impl_->ic->ipis_sent(); }
const std::vector<isa::Word>& Platform::memory() const { return impl_->ic->memory(); }
const isa::CpuState& Platform::cpu(std::uint32_t i) const { return impl_->cores.at(i)->state(); }
std::uint64_t Platform::period_ps() const { return impl_->clock.cycles(1).value(); }

}  // namespace hw
