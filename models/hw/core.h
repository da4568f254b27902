// An x86 core (SystemC): runs a micro-op program with per-instruction cycle costs, a FIFO store
// buffer draining through the interconnect, and interrupts taken only at instruction boundaries:
// maskable ones while IF is set, NMIs whatever IF says unless an NMI handler is still running.
// Event-driven: it wakes for memory completions, the end of a `compute`, interrupts, and nothing
// else.
//
// Between two memory accesses a core runs register-only instructions ahead of SystemC time, but
// never past the next cycle at which an interrupt could reach it (its APIC's next event, or now
// plus the smallest IPI latency), so no boundary is ever passed with an interrupt pending.
#pragma once

#include <systemc>

#include <deque>
#include <string>

#include "interconnect.h"
#include "lapic.h"
#include "models/isa/executor.h"

namespace hw {

// What a run changes in a core, all of it: reset() assigns a new one.
struct CoreRun {
  enum class State { Running, Compute, WaitMem, WaitSb, WaitSbSpace, Idle, Stopped };
  isa::CpuState cpu_;
  State state_ = State::Stopped;
  std::uint64_t t_ = 0;            // local cycle: the current instruction boundary
  std::uint64_t compute_end_ = 0;
  isa::Addr pending_addr_ = 0;     // the access in flight
  std::uint64_t pending_issued_ = 0;
  bool wrmsr_due_ = false;         // the MSR write at the current pc completes at t_
  std::uint64_t resume_at_ = 0;    // the Resume that counts (earlier ones are stale)
  std::deque<std::uint64_t> sb_issue_;  // issue cycle of each store-buffer entry
  std::uint64_t instructions_ = 0;
  std::string fault_;
};

class Core : public sc_core::sc_module, private Interconnect::Client, private CoreRun {
 public:
  SC_HAS_PROCESS(Core);
  static constexpr std::size_t kStoreBufferEntries = 56;  // Skylake: 56 store-buffer entries

  Core(sc_core::sc_module_name name, std::uint32_t id, const isa::Image& img, const Clock& clock,
       const Costs& costs, Interconnect& ic, LocalApic& apic, Observer* obs, std::uint64_t end_cycle,
       std::uint64_t max_instructions);

  // Starts `func` in user mode at cycle 0 (call before sc_start).
  void start(std::uint32_t func);
  // Back to the state construction left, for another run in this process (Platform::reset):
  // nothing of the last run is kept, its pending wake-up included.
  void reset(const isa::Image& img, Observer* obs, std::uint64_t end_cycle, std::uint64_t max_instructions);
  const isa::CpuState& state() const { return cpu_; }
  std::uint64_t instructions() const { return instructions_; }
  const std::string& fault() const { return fault_; }

 private:
  void on_wake();  // SC_METHOD
  void run();      // from an instruction boundary at t_, until the core must wait
  void complete(Interconnect::Kind kind, std::uint64_t cycle) override;
  isa::Effect exec(std::uint64_t cycle, std::uint64_t issued);
  void take_interrupt(int vector);
  // Whether the next boundary takes an interrupt: an NMI unless one is being handled (SDM vol. 3,
  // 6.7.1: NMIs are blocked from the NMI's delivery to the next IRET), else a deliverable vector
  // while IF is set.
  bool nmi_ready() const { return apic_.nmi_pending() && !isa::in_nmi(cpu_); }
  bool interrupt_ready() const { return nmi_ready() || (cpu_.interrupts_enabled && apic_.deliverable() >= 0); }
  void schedule_drain(std::uint64_t from);
  void hardware_register_write(const isa::Effect& e);
  void wait_until(std::uint64_t cycle);  // on the core's own event: interrupts can cut it short
  void resume_at(std::uint64_t cycle);   // through the interconnect's queue
  void stop(const std::string& why);
  std::uint64_t local_cost(isa::Op op) const;

  std::uint32_t id_;
  const isa::Image* img_;
  const Clock& clock_;
  const Costs& costs_;
  Interconnect& ic_;
  LocalApic& apic_;
  Observer* obs_;
  std::uint64_t end_;
  std::uint64_t max_instructions_;

  sc_core::sc_event wake_;
};

}  // namespace hw
