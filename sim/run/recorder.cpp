#include "recorder.h"

#include <algorithm>
#include <cinttypes>
#include <cstdio>

#include "report_json.h"

namespace run {

const char* vector_name(std::uint8_t v) {
  // arch/x86/include/asm/irq_vectors.h
  switch (v) {
    case 0x02: return "NMI";
    case 0xec: return "LOCAL_TIMER";
    case 0xf6: return "IRQ_WORK";
    case 0xfb: return "CALL_FUNCTION_SINGLE";
    case 0xfc: return "CALL_FUNCTION";
    case 0xfd: return "RESCHEDULE";
    default: return v >= 0x21 && v <= 0xeb ? "DEVICE" : "VECTOR";
  }
}

namespace {

std::string hex(isa::Word v) {
  char b[24];
  std::snprintf(b, sizeof b, "0x%" PRIx64, v);
  return b;
}

// How a @callback ran: from the deferred-work flush, as the sender's own local call, or by IPI.
const char* callback_path(const isa::Effect::Note& n, std::uint32_t cpu) {
  if (n.a1 == 0) return "deferred";
  return (n.a1 >> 32) == cpu ? "local call" : "IPI path";
}

}  // namespace

Recorder::Recorder(const isa::Image& img, std::uint32_t ncpus, std::vector<bool> nohz_full,
                   const std::vector<isa::Word>& boot, std::ostream* log)
    : img_(img),
      ncpus_(ncpus),
      log_(log),
      ct_(img),
      ledger_(ncpus, nohz_full, &ct_, &boot),
      interference_(ncpus),
      noise_(ncpus, nohz_full),
      isolation_(ncpus),
      ctx_stack_(ncpus, {report::Context::User}),
      disturbed_since_(ncpus, 0),
      stay_(ncpus),
      halted_(ncpus, false),
      halted_since_(ncpus, 0),
      disturbance_cause_(ncpus),
      disturbed_nohz_full_(ncpus, false),
      running_(ncpus),
      last_ipi_callsite_(ncpus),
      posted_(img.memory_words, false),
      traced_(img.strings.size(), false) {
  for (std::size_t i = 0; i < img.strings.size(); ++i)
    for (const char* name : {"ct_work_deferred", "csd_queue_cpu", "ipi_send_cpu", "ipi_send_cpumask", "ipi_avoided",
                             "csd_function_entry", "irq_work_entry", "workqueue_execute_start", "softirq_entry",
                             "sched_switch", "irq_handler_entry", "block_interf_set", "syscall_result",
                             "nohz_full_set", "task_isolation_isolated", "task_isolation_lost",
                             "task_isolation_stop", "task_isolation_remote", "signal_deliver", "task_exit",
                             "sched_migrate_task"})
      traced_[i] = traced_[i] || img.strings[i] == name;
  for (std::uint32_t c = 0; c < ncpus; ++c) interference_[c].nohz_full = ledger_.isolated(c);
  for (std::uint32_t c = 0; c < ncpus; ++c) running_[c].task = task_name(0, c);
  timeline_.ncpus = ncpus;
  for (std::uint32_t c = 0; c < ncpus; ++c) timeline_.changes.push_back({0, c, report::Context::User, "start"});
  for (std::uint32_t c = 0; c < ncpus; ++c)
    timeline_.cpu_labels.push_back("cpu" + std::to_string(c) +
                                   (interference_[c].nohz_full ? " (nohz_full)" : " (housekeeping)"));
}


isa::Effect Recorder::effect_of(const Event& ev) {
  isa::Effect e;
  e.op = ev.op;
  e.func = ev.func;
  e.pc = ev.pc;
  e.addr = ev.addr;
  e.read = ev.read;
  e.written = ev.written;
  e.forwarded = ev.flags & kForwarded;
  e.success = ev.flags & kSuccess;
  e.wrote = ev.flags & kWrote;
  e.expected = e.cycles = e.msr_value = ev.aux2;
  e.msr = e.trace_name = ev.small;
  e.accessed = isa::is_memory_op(ev.op);
  if (ev.extra != kNone) {
    e.notes.swap(batch_->extras[ev.extra].notes);
    e.trace_args.swap(batch_->extras[ev.extra].args);
  }
  return e;
}

void Recorder::give_back(const Event& ev, isa::Effect& e) {
  if (ev.extra == kNone) return;
  e.notes.swap(batch_->extras[ev.extra].notes);
  e.trace_args.swap(batch_->extras[ev.extra].args);
}

std::string Recorder::where(const isa::Effect& e) const { return img_.where(e.func, e.pc); }

std::string Recorder::function_name(isa::Word a) const {
  if (a >= isa::kCodeBase && a - isa::kCodeBase < img_.functions.size()) return img_.functions[a - isa::kCodeBase].name;
  return hex(a);
}

void Recorder::line(std::ostream* log, const Event& ev, const std::string& what, const std::string& detail) {
  if (!log) return;
  char head[64];
  std::snprintf(head, sizeof head, "%12" PRIu64 "  cpu%-3u %-20s ", ev.cycle, ev.cpu, what.c_str());
  *log << head << detail << '\n';
}

void Recorder::set_context(std::uint32_t cpu, std::uint64_t cycle, report::Context c, std::string why) {
  ctx_stack_[cpu].back() = c;
  timeline_.changes.push_back({cycle, cpu, c, std::move(why)});
}

void Recorder::end_disturbance(std::uint32_t cpu, std::uint64_t cycle) {
  CpuInterference& ci = interference_[cpu];
  const std::uint64_t lost = cycle - disturbed_since_[cpu];
  ci.cycles_lost += lost;
  ci.by_cause[disturbance_cause_[cpu]].cycles += lost;
  noise_.end(cpu, cycle);
  if (lost > ci.worst_cycles) ci.worst_cycles = lost, ci.worst_at = disturbed_since_[cpu];
  if (disturbed_nohz_full_[cpu]) {
    ci.while_nohz_full.cycles_lost += lost;
    ci.while_nohz_full.worst_cycles = std::max(ci.while_nohz_full.worst_cycles, lost);
  }
  disturbed_since_[cpu] = 0;
}

void Recorder::begin_stay(std::uint32_t cpu, std::uint64_t cycle, bool by_syscall) {
  stay_[cpu] = {true, by_syscall, false, cycle};
}

void Recorder::end_stay(std::uint32_t cpu, std::uint64_t cycle) {
  Stay& st = stay_[cpu];
  if (!st.open) return;
  CpuInterference& ci = interference_[cpu];
  CpuInterference::Stays& to = st.by_syscall ? (st.flushed ? ci.syscall_flushing : ci.syscall_plain)
                                             : (st.flushed ? ci.interrupt_flushing : ci.interrupt_plain);
  ++to.count;
  to.cycles += cycle - st.since;
  st.open = false;
}


void Recorder::finish(std::uint64_t end_cycle, double clock_mhz) {
  flush(end_cycle);  // the run is cycles 0 to end_cycle - 1: what happens at end_cycle is after it
  stop_replayer();
  if (failure_) std::rethrow_exception(failure_);
  events_.clear();  // a core's run-ahead past the end of the run is not part of it
  timeline_.clock_mhz = clock_mhz;
  timeline_.end_cycle = end_cycle;
  // A disturbance still running at the end counts up to the end.
  for (std::uint32_t c = 0; c < ncpus_; ++c) {
    if (disturbed_since_[c]) end_disturbance(c, end_cycle);
    if (halted_[c]) interference_[c].idle_cycles += end_cycle - halted_since_[c];
  }
  for (std::uint32_t c = 0; c < ncpus_; ++c) switch_task(c, end_cycle, "");
  for (const NohzFullSwitch& sw : noise_.nohz_full_switches())
    timeline_.cpu_labels[sw.cpu] = "cpu" + std::to_string(sw.cpu) + " (nohz_full switched)";
  // By cycle, then CPU, stable; the replay left them nearly so. Sorted as keys, then moved once.
  std::vector<report::ContextChange>& ch = timeline_.changes;
  const auto key_less = [](const report::ContextChange& a, const report::ContextChange& b) {
    return a.cycle != b.cycle ? a.cycle < b.cycle : a.cpu < b.cpu;
  };
  if (!std::is_sorted(ch.begin(), ch.end(), key_less)) {
    struct Key { std::uint64_t cycle; std::uint32_t cpu, index; };
    std::vector<Key> keys(ch.size());
    for (std::size_t i = 0; i < ch.size(); ++i) keys[i] = {ch[i].cycle, ch[i].cpu, static_cast<std::uint32_t>(i)};
    std::sort(keys.begin(), keys.end(), [](const Key& a, const Key& b) {
      return a.cycle != b.cycle ? a.cycle < b.cycle : a.cpu != b.cpu ? a.cpu < b.cpu : a.index < b.index;
    });
    std::vector<report::ContextChange> sorted;
    sorted.reserve(ch.size());
    for (const Key& k : keys) sorted.push_back(std::move(ch[k.index]));
    ch.swap(sorted);
  }
}

// The task running on `cpu` changes to `next` ("" for none): the trace's slice of the last one ends.
void Recorder::switch_task(std::uint32_t cpu, std::uint64_t cycle, std::string next, std::uint64_t id) {
  Running& r = running_[cpu];
  if (!r.task.empty() && cycle > r.since) timeline_.task_runs.push_back({r.task, cpu, r.since, cycle});
  r.task = std::move(next);
  r.since = cycle;
  r.id = id;
}

// isolsim's task ids (0 the CPU's task, 1 + t kthread t) as pids: 1000 * (id + 1) + cpu, so that
// task/2 is 1002 and migration/2 4002.
namespace {
FtraceLog::Task task_pid(std::uint64_t id, std::uint32_t cpu) {
  return {task_name(id, cpu), 1000 * (id + 1) + cpu};
}
}  // namespace

FtraceLog::Task Recorder::ftrace_task(std::uint32_t cpu) const {
  if (in_idle_loop_[cpu] || running_[cpu].task.empty()) return {"<idle>", 0};
  return task_pid(running_[cpu].id, cpu);
}

void Recorder::enable_ftrace(double clock_mhz, std::ostream& out) {
  ftrace_ = std::make_unique<FtraceLog>(ncpus_, clock_mhz, out);
  in_idle_loop_.assign(ncpus_, false);
  for (std::size_t i = 0; i < img_.strings.size(); ++i)
    for (const std::string& name : FtraceLog::tracepoints()) traced_[i] = traced_[i] || img_.strings[i] == name;
}

void Recorder::replay(const Event& ev, std::ostream* log) {
  switch (ev.type) {
    case Event::Type::Exec:
      replay_exec(ev, log);
      return;
    case Event::Type::Drain:
      ledger_.on_write(ev.addr, ev.aux, ev.written);
      if (log) line(log, ev, "store drained", img_.describe(ev.addr) + ": " + hex(ev.aux) + " -> " + hex(ev.written));
      return;
    case Event::Type::IpiSent: {
      const std::uint32_t to = ev.small;
      const auto vector = static_cast<std::uint8_t>(ev.aux2);
      if (device_id_.size() <= ev.ipi) device_id_.resize(ev.ipi + 1, false);
      if (ev.flags & kDevice) {  // a device's interrupt: no sending CPU, no flow in the timeline
        device_id_[ev.ipi] = true;
        if (log) line(log, ev, "device_irq", "vector " + hex(vector) + " " + vector_name(vector) + " (ipi " +
                                                 std::to_string(ev.ipi) + ")");
        return;
      }
      if (ipi_index_.size() <= ev.ipi) ipi_index_.resize(ev.ipi + 1, kNone);
      ipi_index_[ev.ipi] = timeline_.ipis.size();
      noise_.ipi_sent(ev.cpu, to);
      report::IpiFlow f;
      f.id = ev.ipi;
      f.from = ev.cpu;
      f.to = to;
      f.vector = vector;
      f.vector_name = vector_name(vector);
      f.sent = ev.cycle;
      f.delivered = ev.aux;
      f.handled = 0;
      f.callsite = last_ipi_callsite_[ev.cpu];
      timeline_.ipis.push_back(f);
 if (log) line(log, ev, "ipi_send", "-> cpu" + std::to_string(to) + " vector " + hex(vector) + " " +
                                    vector_name(vector) + " (ipi " + std::to_string(ev.ipi) +
                                    ", arrives at " + std::to_string(ev.aux) + ")");
      return;
    }
    case Event::Type::IpiDelivered:
      if (log) line(log, ev, "ipi_arrive", "ipi " + std::to_string(ev.ipi) + " sets IRR");
      return;
    case Event::Type::Interrupt: {
      const auto vector = static_cast<std::uint8_t>(ev.small);
      const bool from_user = ev.flags & kFromUser;
      static const std::vector<isa::Word> kNoIds;
      const std::vector<isa::Word>& served = ev.extra == kNone ? kNoIds : batch_->extras[ev.extra].args;
      for (std::uint64_t id : served)
        if (id < ipi_index_.size() && ipi_index_[id] != kNone) timeline_.ipis[ipi_index_[id]].handled = ev.cycle;
      if (log) {
        std::string ids;
        for (std::uint64_t id : served) ids += (ids.empty() ? " (ipi " : ", ipi ") + std::to_string(id);
        if (!ids.empty()) ids += ")";
        line(log, ev, "irq", std::string("vector ") + hex(vector) + " " + vector_name(vector) +
                               (from_user ? " from user" : halted_[ev.cpu] ? " from idle" : " from kernel") + ids);
      }
      if (vector == isa::kNmiVector) ++interference_[ev.cpu].nmis;
      noise_.interrupt(ev.cpu, vector);
      if (halted_[ev.cpu]) {  // woken from HLT: after the handler, kernel code runs again
        interference_[ev.cpu].idle_cycles += ev.cycle - halted_since_[ev.cpu];
        halted_[ev.cpu] = false;
        ledger_.on_halt(ev.cpu, false);
        ctx_stack_[ev.cpu].back() = report::Context::Kernel;
      }
      if (from_user) {
        // irqentry_enter() -> enter_from_user_mode() -> user_exit_irqoff(): before the vector's event
        if (ftrace_ && ledger_.nohz_full(ev.cpu)) ftrace_->user(ev.cycle, ev.cpu, ftrace_task(ev.cpu), false);
        begin_stay(ev.cpu, ev.cycle, false);
        ledger_.on_mode(ev.cpu, isa::Mode::Kernel, ev.cycle);
        CpuInterference& ci = interference_[ev.cpu];
        ++ci.interrupts_in_user;
        if (vector != 0xec && vector != isa::kNmiVector) ++ci.ipis_in_user;
        ++ci.by_cause[vector_name(vector)].count;
        disturbed_nohz_full_[ev.cpu] = ledger_.nohz_full(ev.cpu);
        if (disturbed_nohz_full_[ev.cpu]) {
          ++ci.while_nohz_full.interrupts_in_user;
          if (vector != 0xec && vector != isa::kNmiVector) ++ci.while_nohz_full.ipis_in_user;
        }
        disturbed_since_[ev.cpu] = ev.cycle;
        disturbance_cause_[ev.cpu] = vector_name(vector);
        std::int64_t sender = -1;  // the CPU's own timer or NMI
        std::string callsite;
        for (std::uint64_t id : served) {
          if (id < device_id_.size() && device_id_[id]) sender = -2;
          else if (id < ipi_index_.size() && ipi_index_[id] != kNone) {
            sender = timeline_.ipis[ipi_index_[id]].from;
            callsite = timeline_.ipis[ipi_index_[id]].callsite;
          }
        }
        noise_.begin(ev.cpu, ev.cycle, vector, sender, callsite);
      }
      ctx_stack_[ev.cpu].push_back(report::Context::Irq);
      timeline_.changes.push_back({ev.cycle, ev.cpu, report::Context::Irq,
                                   std::string("irq ") + hex(vector) + " " + vector_name(vector)});
      return;
    }
  }
}

void Recorder::replay_exec(const Event& ev, std::ostream* log) {
  using isa::Op;
  isa::Effect e = effect_of(ev);
  const std::uint32_t cpu = ev.cpu;
  const isa::Word request = ev.aux;
  const isa::Mode after = ev.flags & kUserAfter ? isa::Mode::User : isa::Mode::Kernel;
  const bool mode_changed = ((ev.flags & kUserBefore) != 0) != (after == isa::Mode::User);
  // The ledger, the interference account and the timeline.
  if (e.op == Op::Request) ledger_.on_request(cpu, e.written, ev.cycle);
  if (e.op == Op::Trace) {
    const std::string& name = img_.strings[e.trace_name];
    ledger_.on_trace(cpu, request, name, e.trace_args, ev.cycle);
    const auto fname = [this](isa::Word a) { return function_name(a); };
    noise_.sender_trace(cpu, name, e.trace_args, fname);
    noise_.receiver_trace(cpu, name, e.trace_args, fname);
    if ((name == "ipi_send_cpu" || name == "ipi_send_cpumask") && e.trace_args.size() >= 2 &&
        e.trace_args[1] >= isa::kCodeBase)
      last_ipi_callsite_[cpu] = function_name(e.trace_args[1]);
    if (name == "ct_work_deferred")
      timeline_.markers.push_back({ev.cycle, cpu, "deferred to cpu" + std::to_string(e.trace_args.at(0)),
                                   request_name(request)});
    // Seed 002: the diagnostics task_isolation_debug prints, in the log and on the timeline
    static const std::string kNoVector;
    const std::string diag =
        TaskIsolationAccount::reads(name)
            ? isolation_.trace(cpu, ev.cycle, name, e.trace_args, fname, disturbed_since_[cpu] ? disturbance_cause_[cpu] : kNoVector)
            : std::string();
    if (!diag.empty()) {
      line(log, ev, "task_isolation", diag);
      timeline_.markers.push_back({ev.cycle, cpu, name == "task_isolation_lost" ? "isolation lost" : "isolation warning", diag});
    }
    if (ftrace_) {
      ftrace_->tracepoint(ev.cycle, cpu, ftrace_task(cpu), name, e.trace_args, fname, task_pid);
      if (name == "sched_switch") in_idle_loop_[cpu] = false;
    }
    if (name == "sched_switch" && e.trace_args.size() >= 2)
      switch_task(cpu, ev.cycle, task_name(e.trace_args[1], cpu), e.trace_args[1]);
    if (name == "task_exit") switch_task(cpu, ev.cycle, "");
    if (name == "nohz_full_set" && e.trace_args.size() >= 2 && e.trace_args[0] < ncpus_) {
      // nohz_full_set(cpu, on): seed 001's switch, run on the CPU itself by its stopper
      const auto c = static_cast<std::uint32_t>(e.trace_args[0]);
      const bool on = e.trace_args[1] != 0;
      noise_.set_nohz_full(c, on, ev.cycle);
      if (on) interference_[c].nohz_full = true;
      timeline_.markers.push_back({ev.cycle, c, on ? "nohz_full on" : "nohz_full off", "stopper"});
    }
  }
  ledger_.on_effect(cpu, request, e, ev.cycle);
  if (mode_changed) ledger_.on_mode(cpu, after, ev.cycle);
  if (ftrace_ && after == isa::Mode::User) in_idle_loop_[cpu] = false;
  if (e.op == Op::Hlt || e.op == Op::SafeHalt) {
    halted_[cpu] = true;
    halted_since_[cpu] = ev.cycle;
    if (ftrace_) in_idle_loop_[cpu] = true;
    ledger_.on_halt(cpu, true);
    set_context(cpu, ev.cycle, report::Context::Idle, "hlt");
  }
  switch (e.op) {
    case Op::Cmpxchg:
      if (!e.success && !e.notes.empty())
        timeline_.markers.push_back({ev.cycle, cpu, "cmpxchg failed", img_.describe(e.addr)});
      break;
    case Op::Syscall:
      if (ftrace_ && ledger_.nohz_full(cpu)) ftrace_->user(ev.cycle, cpu, ftrace_task(cpu), false);
      begin_stay(cpu, ev.cycle, true);
      set_context(cpu, ev.cycle, report::Context::Kernel, "syscall");
      break;
    case Op::Sysret:
      if (ftrace_ && ledger_.nohz_full(cpu)) ftrace_->user(ev.cycle, cpu, ftrace_task(cpu), true);
      end_stay(cpu, ev.cycle);
      set_context(cpu, ev.cycle, report::Context::User, "sysret");
      break;
    case Op::Iret: {
      if (ctx_stack_[cpu].size() > 1) ctx_stack_[cpu].pop_back();
      timeline_.changes.push_back({ev.cycle, cpu, ctx_stack_[cpu].back(), "iret"});
      if (after == isa::Mode::User) end_stay(cpu, ev.cycle);
      if (after == isa::Mode::User && ftrace_ && ledger_.nohz_full(cpu)) ftrace_->user(ev.cycle, cpu, ftrace_task(cpu), true);
      if (after == isa::Mode::User && disturbed_since_[cpu]) end_disturbance(cpu, ev.cycle);
      break;
    }
    default:
      break;
  }
  for (const isa::Effect::Note& n : e.notes) {
    if (n.kind != isa::Annotation::Kind::Callback) continue;
    if (n.a1 == 0) stay_[cpu].flushed = true;  // deferred work, run on this entry
    timeline_.markers.push_back({ev.cycle, cpu,
                                 img_.functions.at(e.func).name + " (" + callback_path(n, cpu) + ")",
                                 n.a1 == 0 ? "flush on kernel entry" : request_name(n.a1)});
  }
  if (log) log_exec(ev, e, after, *log);
  give_back(ev, e);
}

void Recorder::log_exec(const Event& ev, const isa::Effect& e, isa::Mode after, std::ostream& log) {
  using isa::Op;
  std::ostream* l = &log;
  std::string notes;
  for (const isa::Effect::Note& n : e.notes) {
    if (n.kind == isa::Annotation::Kind::Post) notes += " @post(cpu" + std::to_string(n.a0) + ", " + hex(n.a1) + ")";
    if (n.kind == isa::Annotation::Kind::Consume) notes += " @consume(" + hex(n.a0) + ")";
  }
  const std::string at = "  [" + where(e) + "]";
  switch (e.op) {
    case Op::Trace: {
      const std::string& name = img_.strings[e.trace_name];
      const std::vector<isa::Word>& a = e.trace_args;
      // The scheduler's events as the kernel's tracepoints print them, with isolsim's task names
      if (name == "sched_switch" && a.size() >= 2) {
        line(l, ev, "sched_switch", "prev_comm=" + task_name(a[0], ev.cpu) + " ==> next_comm=" + task_name(a[1], ev.cpu));
        break;
      }
      if (name == "sched_migrate_task" && a.size() >= 2 && a[0] < ncpus_) {
        line(l, ev, "sched_migrate_task", "comm=" + task_name(0, static_cast<std::uint32_t>(a[0])) +
                                              " orig_cpu=" + std::to_string(a[0]) + " dest_cpu=" + std::to_string(a[1]));
        break;
      }
      std::string args;
      for (isa::Word a : e.trace_args) {
        if (!args.empty()) args += ", ";
        args += function_name(a);
      }
      line(l, ev, "trace", name + "(" + args + ")");
      break;
    }
    case Op::Load:
      line(l, ev, e.forwarded ? "load (forwarded)" : "load", img_.describe(e.addr) + " = " + hex(e.read) + notes + at);
      break;
    case Op::Store:
      line(l, ev, "store (buffered)", img_.describe(e.addr) + " <- " + hex(e.written) + at);
      break;
    case Op::Cmpxchg:
      line(l, ev, e.success ? "cmpxchg" : "cmpxchg FAILED",
           img_.describe(e.addr) + ": saw " + hex(e.read) +
               (e.success ? " -> " + hex(e.written) : ", expected " + hex(e.expected)) + notes + at);
      break;
    case Op::Xchg: case Op::AtomicOr: case Op::AtomicAndnot: case Op::AtomicAdd:
    case Op::AtomicAddReturn: case Op::AtomicFetchOr: case Op::AtomicFetchAndnot: case Op::AtomicFetchAdd:
      line(l, ev, isa::op_name(e.op), img_.describe(e.addr) + ": " + hex(e.read) + " -> " + hex(e.written) + notes + at);
      break;
    case Op::Syscall: line(l, ev, "syscall", "user -> kernel" + at); break;
    case Op::Sysret: line(l, ev, "sysret", "kernel -> user" + at); break;
    case Op::Iret: line(l, ev, "iret", after == isa::Mode::User ? "-> user" : "-> kernel"); break;
    case Op::Wrmsr: line(l, ev, "wrmsr", hex(e.msr) + " <- " + hex(e.msr_value) + at); break;
    case Op::Hlt: line(l, ev, "hlt", "idle until an interrupt" + at); break;
    case Op::SafeHalt: line(l, ev, "safe_halt", "sti; hlt: idle until an interrupt" + at); break;
    case Op::Request: line(l, ev, "request", request_name(e.written) + " begins" + at); break;
    case Op::Compute:
      line(l, ev, "compute", (e.cycles < (isa::Word(1) << 62) ? std::to_string(e.cycles) + " cycles"
                                                              : std::string("until the end of the run")) + at);
      break;
    default:
      break;
  }
  for (const isa::Effect::Note& n : e.notes) {
    if (n.kind != isa::Annotation::Kind::Callback) continue;
    line(l, ev, "callback", img_.functions.at(e.func).name +
                                (n.a1 == 0 ? " runs deferred work " + hex(n.a0)
                                           : " runs for " + request_name(n.a1) + " (" + callback_path(n, ev.cpu) + ")") + at);
  }
}

}  // namespace run
