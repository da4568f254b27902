#include "core.h"

#include <algorithm>

namespace hw {

namespace {
// x2APIC MSRs the core forwards to its APIC (SDM vol. 3, 11.12.1.2) and the TSC deadline.
constexpr std::uint32_t kMsrIcr = 0x830;
constexpr std::uint32_t kMsrEoi = 0x80b;
constexpr std::uint32_t kMsrTscDeadline = 0x6e0;
constexpr std::uint32_t kMsrLvtTimer = 0x832;
constexpr std::uint32_t kMsrInitialCount = 0x838;
}  // namespace

Core::Core(sc_core::sc_module_name name, std::uint32_t id, const isa::Image& img, const Clock& clock,
           const Costs& costs, Interconnect& ic, LocalApic& apic, Observer* obs,
           std::uint64_t end_cycle, std::uint64_t max_instructions)
    : sc_core::sc_module(name),
      id_(id),
      img_(&img),
      clock_(clock),
      costs_(costs),
      ic_(ic),
      apic_(apic),
      obs_(obs),
      end_(end_cycle),
      max_instructions_(max_instructions) {
  cpu_.id = id;
  SC_METHOD(on_wake);
  sensitive << wake_;
  dont_initialize();
  apic_.set_core_wake(&wake_);
  ic_.attach(id, this, &apic_);
}

void Core::start(std::uint32_t func) {
  isa::start(*img_, cpu_, func, isa::Mode::User);
  state_ = State::Running;
  t_ = 0;
  wake_.notify(sc_core::SC_ZERO_TIME);
}

void Core::reset(const isa::Image& img, Observer* obs, std::uint64_t end_cycle, std::uint64_t max_instructions) {
  wake_.cancel();
  img_ = &img;
  obs_ = obs;
  end_ = end_cycle;
  max_instructions_ = max_instructions;
  static_cast<CoreRun&>(*this) = CoreRun{};
  cpu_.id = id_;
}

void Core::stop(const std::string& why) {
  fault_ = why;
  state_ = State::Stopped;
  ic_.stop();
  sc_core::sc_stop();
}

void Core::wait_until(std::uint64_t cycle) {
  if (cycle <= end_) wake_.notify(clock_.delay_to(cycle));
}

void Core::resume_at(std::uint64_t cycle) {
  if (cycle <= clock_.now()) {
    // After what is due now (the APIC) has run. Not SC_ZERO_TIME: while the interconnect runs
    // ahead, now is later than SystemC's time.
    wake_.notify(clock_.delay_to(clock_.now()));
    return;
  }
  if (cycle > end_) return;
  resume_at_ = cycle;
  ic_.schedule(id_, Interconnect::Kind::Resume, cycle, cycle, 0, false);
}

std::uint64_t Core::local_cost(isa::Op op) const {
  using isa::Op;
  switch (op) {
    case Op::Call: case Op::CallInd: case Op::Ret: return costs_.call;
    case Op::Trace: case Op::Request: return 0;
    case Op::Rdtsc: return costs_.rdtsc;
    case Op::Pause: return costs_.pause;
    case Op::Cli: case Op::Sti: return costs_.cli_sti;
    case Op::Wrmsr: return costs_.wrmsr;
    case Op::Syscall: return costs_.syscall;
    case Op::Sysret: return costs_.sysret;
    case Op::Iret: return costs_.iret;
    case Op::Mfence: return costs_.mfence;
    case Op::Serialize: return costs_.serialize;
    case Op::Load: return costs_.l1_hit;  // store-forwarded
    case Op::Store: return costs_.store_issue;
    default: return costs_.alu;
  }
}

isa::Effect Core::exec(std::uint64_t cycle, std::uint64_t issued) {
  if (++instructions_ > max_instructions_) {
    stop("cpu " + std::to_string(id_) + ": runaway scenario: more than " +
         std::to_string(max_instructions_) + " instructions (raise run.max_instructions?)");
    return {};
  }
  const isa::Word request = cpu_.request;
  const isa::Mode before = cpu_.mode;
  isa::Effect e;
  try {
    e = isa::execute(*img_, cpu_, ic_.memory(), cycle);
  } catch (const isa::Fault& f) {
    stop(f.what());
    return e;
  }
  if (obs_ && !(e.notes.empty() && isa::is_quiet_op(e.op))) obs_->executed(id_, cycle, issued, e, request, before, cpu_.mode);
  return e;
}

void Core::take_interrupt(int vector) {
  const bool from_user = cpu_.mode == isa::Mode::User;
  std::vector<std::uint64_t> ids;
  if (vector == isa::kNmiVector) apic_.accept_nmi();  // no IRR, ISR or EOI: blocked until the IRET
  else ids = apic_.accept(static_cast<std::uint8_t>(vector));
  try {
    isa::take_interrupt(*img_, cpu_, static_cast<std::uint8_t>(vector));
  } catch (const isa::Fault& f) {
    stop(f.what());
    return;
  }
  if (obs_) obs_->interrupt(id_, t_, static_cast<std::uint8_t>(vector), from_user, ids.data(), ids.size());
  t_ += costs_.interrupt_entry;
}

void Core::hardware_register_write(const isa::Effect& e) {
  switch (e.msr) {
    case kMsrIcr: ic_.send_ipi(id_, e.msr_value, t_); break;
    case kMsrEoi: apic_.eoi(); break;
    case kMsrTscDeadline: apic_.set_tsc_deadline(e.msr_value); break;
    case kMsrLvtTimer: apic_.write_lvt_timer(e.msr_value); break;
    case kMsrInitialCount: apic_.write_initial_count(e.msr_value); break;
    default: break;  // other MSRs have no modelled effect
  }
}

void Core::schedule_drain(std::uint64_t from) {
  const isa::StoreBufferEntry& head = cpu_.store_buffer.front();
  const std::uint64_t ready = std::max(from, sb_issue_.front() + costs_.store_drain);
  if (ready > clock_.now()) {  // the line's state is read when the drain starts, not before
    ic_.schedule(id_, Interconnect::Kind::DrainStart, sb_issue_.front(), ready, head.addr, false);
    return;
  }
  const std::uint64_t done = ready + ic_.cache().write_latency(id_, head.addr);
  ic_.schedule(id_, Interconnect::Kind::Drain, sb_issue_.front(), done, head.addr, true);
}

void Core::complete(Interconnect::Kind kind, std::uint64_t cycle) {
  if (state_ == State::Stopped) return;
  if (kind == Interconnect::Kind::Resume) {
    if (state_ == State::Running && cycle == resume_at_) run();
    return;
  }
  if (kind == Interconnect::Kind::DrainStart) {
    schedule_drain(cycle);
    return;
  }
  if (kind == Interconnect::Kind::Drain) {
    const isa::StoreBufferEntry head = cpu_.store_buffer.front();
    const isa::Word old = ic_.memory()[head.addr];
    isa::drain_one(cpu_, ic_.memory());
    const std::uint64_t issued = sb_issue_.front();
    sb_issue_.pop_front();
    ic_.cache().did_write(id_, head.addr);
    if (obs_) obs_->drained(id_, cycle, issued, head.addr, old, head.value);
    if (!cpu_.store_buffer.empty()) schedule_drain(cycle);
    if ((state_ == State::WaitSb && cpu_.store_buffer.empty()) || state_ == State::WaitSbSpace) {
      t_ = std::max(t_, cycle);
      state_ = State::Running;
      run();
    }
    return;
  }
  // The access of the current instruction takes effect now.
  t_ = cycle;
  const isa::Op op = isa::current(*img_, cpu_).op;
  exec(cycle, pending_issued_);
  if (state_ == State::Stopped) return;
  if (isa::writes_memory(op)) ic_.cache().did_write(id_, pending_addr_);
  else ic_.cache().did_read(id_, pending_addr_);
  state_ = State::Running;
  run();
}

void Core::on_wake() {
  const std::uint64_t now = clock_.now();
  const bool irq = interrupt_ready();
  switch (state_) {
    case State::Running:
      run();
      return;
    case State::Compute:
      if (now >= compute_end_) {
        t_ = compute_end_;
      } else if (irq) {  // interrupted in the middle: the rest runs after the handler returns
        cpu_.top().compute_left = compute_end_ - now;
        t_ = now;
      } else {
        wait_until(compute_end_);  // an early wake-up replaced the pending one
        return;
      }
      state_ = State::Running;
      run();
      return;
    case State::Idle:
      if (!irq) return;
      t_ = std::max(t_, now);
      state_ = State::Running;
      run();
      return;
    default:
      return;  // waiting on the interconnect
  }
}

void Core::run() {
  using isa::Op;
  const std::uint64_t now = clock_.now();
  t_ = std::max(t_, now);
  const std::uint64_t lookahead = now + ic_.ipi_lookahead();
  for (;;) {
    // Instruction boundary at t_.
    if (t_ > end_) return;  // the run is over: nothing past it is simulated
    if (t_ >= std::min(apic_.next_event(), lookahead)) {
      resume_at(t_);  // let the APIC (or time) catch up first
      return;
    }
    if (wrmsr_due_) {  // an MSR write takes effect at its completion cycle, after what is due before
      wrmsr_due_ = false;
      const isa::Effect e = exec(t_, t_ - costs_.wrmsr);
      if (state_ == State::Stopped) return;
      hardware_register_write(e);
      continue;
    }
    if (nmi_ready()) {  // above every maskable interrupt (SDM vol. 3, 6.9)
      take_interrupt(isa::kNmiVector);
      if (state_ == State::Stopped) return;
      continue;
    }
    if (cpu_.interrupts_enabled) {
      const int v = apic_.deliverable();
      if (v >= 0) {
        take_interrupt(v);
        if (state_ == State::Stopped) return;
        continue;
      }
    }
    isa::Frame& f = cpu_.top();
    if (f.compute_left) {
      compute_end_ = t_ + f.compute_left;
      f.compute_left = 0;
      state_ = State::Compute;
      wait_until(compute_end_);
      return;
    }
    const isa::Instruction& in = isa::current(*img_, cpu_);
    const Op op = in.op;
    if (in.notes.empty() && (isa::is_register_op(op) || isa::is_quiet_op(op))) {
      // Nothing an observer records: no Effect.
      if (instructions_ + 1 > max_instructions_) {
        exec(t_, t_);  // reports the runaway
        return;
      }
      const std::uint64_t before = t_;
      t_ += isa::is_register_op(op) ? costs_.alu : local_cost(op);
      try {
        if (isa::is_register_op(op)) {
          isa::step_register_op(*img_, cpu_, in);
        } else if (!isa::step_quiet_op(*img_, cpu_, in)) {
          t_ = before;  // execute() below does it
          goto generic;
        }
      } catch (const isa::Fault& f) {
        stop(f.what());
        return;
      }
      ++instructions_;
      continue;
    }
  generic:
    if (isa::needs_empty_store_buffer(op) && !cpu_.store_buffer.empty()) {
      state_ = State::WaitSb;  // the drain that empties the buffer resumes us
      return;
    }
    if (isa::is_locked_op(op) || op == Op::Load) {
      try {
        pending_addr_ = isa::access_address(*img_, cpu_);
      } catch (const isa::Fault& e) {
        stop(e.what());
        return;
      }
    }
    if (op == Op::Load && !cpu_.forward(pending_addr_) &&
        ic_.can_read_locally(id_, pending_addr_, t_ + costs_.l1_hit)) {
      const std::uint64_t issued = t_;  // an L1 hit no other CPU can disturb: no need to queue
      t_ += costs_.l1_hit;
      exec(t_, issued);
      if (state_ == State::Stopped) return;
      continue;
    }
    if (isa::is_locked_op(op) || (op == Op::Load && !cpu_.forward(pending_addr_))) {
      if (t_ > now) {  // the latency depends on the line's state at the issue cycle: get there first
        resume_at(t_);
        return;
      }
      const std::uint64_t latency = isa::is_locked_op(op)
                                        ? costs_.locked + ic_.cache().write_latency(id_, pending_addr_)
                                        : ic_.cache().read_latency(id_, pending_addr_);
      state_ = State::WaitMem;
      pending_issued_ = t_;
      ic_.schedule(id_, Interconnect::Kind::Access, t_, t_ + latency, pending_addr_, op != Op::Load);
      return;
    }
    if (op == Op::Wrmsr) {  // its effect (IPI, EOI, timer) happens once time reaches its completion
      t_ += costs_.wrmsr;
      wrmsr_due_ = true;
      resume_at(t_);
      return;
    }
    if (op == Op::Store && cpu_.store_buffer.size() >= kStoreBufferEntries) {
      state_ = State::WaitSbSpace;
      return;
    }
    if (op == Op::Compute || op == Op::Hlt || op == Op::SafeHalt || op == Op::Halt) {
      const isa::Effect e = exec(t_, t_);
      if (state_ == State::Stopped) return;
      if (op != Op::Compute) {
        // sti;hlt with an interrupt already in the IRR (it came while IF was clear), or an NMI
        // latched: no event will come to wake the core, it wakes at once.
        if (interrupt_ready()) continue;
        state_ = State::Idle;
        return;
      }
      if (e.cycles == 0) continue;
      compute_end_ = e.cycles > end_ - std::min(end_, t_) ? end_ + 1 : t_ + e.cycles;
      state_ = State::Compute;
      wait_until(compute_end_);
      return;
    }
    // Everything else completes locally: registers, control flow, store-buffer entry, fences
    // and serializing instructions (the buffer is empty), privilege changes, MSR writes.
    const bool was_empty = cpu_.store_buffer.empty();
    t_ += local_cost(op);
    const isa::Effect e = exec(t_, t_);
    if (state_ == State::Stopped) return;
    if (cpu_.halted) {  // returned from the task's outermost frame: the CPU is done, but interruptible
      state_ = State::Idle;
      return;
    }
    if (op == Op::Store) {
      sb_issue_.push_back(t_);
      if (was_empty) schedule_drain(t_);
    }
  }
}

}  // namespace hw
