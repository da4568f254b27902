#include "recorder.h"

#include <algorithm>
#include <cinttypes>
#include <cstdio>

namespace run {

const char* vector_name(std::uint8_t v) {
  // arch/x86/include/asm/irq_vectors.h
  switch (v) {
    case 0xec: return "LOCAL_TIMER";
    case 0xf6: return "IRQ_WORK";
    case 0xfb: return "CALL_FUNCTION_SINGLE";
    case 0xfc: return "CALL_FUNCTION";
    case 0xfd: return "RESCHEDULE";
    default: return "VECTOR";
  }
}

namespace {

std::string hex(isa::Word v) {
  char b[24];
  std::snprintf(b, sizeof b, "0x%" PRIx64, v);
  return b;
}

std::string request_name(isa::Word r) {
  return "R" + std::to_string(r >> 32) + "." + std::to_string(r & 0xffffffffu);
}

}  // namespace

Recorder::Recorder(const isa::Image& img, std::uint32_t ncpus, std::vector<bool> nohz_full, bool event_log)
    : img_(img),
      ncpus_(ncpus),
      event_log_(event_log),
      ledger_(ncpus, nohz_full),
      interference_(ncpus),
      ctx_stack_(ncpus, {report::Context::User}),
      disturbed_since_(ncpus, 0),
      disturbance_cause_(ncpus),
      last_ipi_callsite_(ncpus) {
  for (std::uint32_t c = 0; c < ncpus; ++c) interference_[c].nohz_full = ledger_.isolated(c);
  timeline_.ncpus = ncpus;
  for (std::uint32_t c = 0; c < ncpus; ++c)
    timeline_.cpu_labels.push_back("cpu" + std::to_string(c) +
                                   (interference_[c].nohz_full ? " (nohz_full)" : " (housekeeping)"));
}

Recorder::Event& Recorder::push(Event::Type t, std::uint32_t cpu, std::uint64_t cycle, std::uint64_t issued) {
  events_.emplace_back();
  Event& e = events_.back();
  e.type = t;
  e.cpu = cpu;
  e.cycle = cycle;
  e.issued = issued;
  e.seq = seq_++;
  return e;
}

void Recorder::executed(std::uint32_t cpu, std::uint64_t cycle, std::uint64_t issued,
                        const isa::Effect& e, isa::Word request, isa::Mode before, isa::Mode after) {
  // Register-only work leaves no trace unless it changes mode or is observable.
  const bool keep = e.accessed || !e.notes.empty() || before != after ||
                    e.op == isa::Op::Trace || e.op == isa::Op::Request || e.op == isa::Op::Wrmsr ||
                    e.op == isa::Op::Compute || e.op == isa::Op::Hlt || e.op == isa::Op::Serialize ||
                    e.op == isa::Op::Mfence;
  if (!keep) return;
  Event& ev = push(Event::Type::Exec, cpu, cycle, issued);
  ev.effect = e;
  ev.request = request;
  ev.before = before;
  ev.after = after;
}

void Recorder::drained(std::uint32_t cpu, std::uint64_t cycle, std::uint64_t issued, isa::Addr addr,
                       isa::Word old, isa::Word value) {
  Event& ev = push(Event::Type::Drain, cpu, cycle, issued);
  ev.addr = addr;
  ev.old = old;
  ev.value = value;
}

void Recorder::ipi_sent(std::uint64_t id, std::uint32_t from, std::uint32_t to, std::uint8_t vector,
                        std::uint64_t cycle, std::uint64_t arrival) {
  Event& ev = push(Event::Type::IpiSent, from, cycle, cycle);
  ev.ipi = id;
  ev.to = to;
  ev.vector = vector;
  ev.arrival = arrival;
}

void Recorder::ipi_delivered(std::uint64_t id, std::uint32_t to, std::uint64_t cycle) {
  Event& ev = push(Event::Type::IpiDelivered, to, cycle, cycle);
  ev.ipi = id;
}

void Recorder::interrupt(std::uint32_t cpu, std::uint64_t cycle, std::uint8_t vector, bool from_user,
                         const std::uint64_t* ids, std::size_t n) {
  Event& ev = push(Event::Type::Interrupt, cpu, cycle, cycle);
  ev.vector = vector;
  ev.from_user = from_user;
  ev.ids.assign(ids, ids + n);
}

std::string Recorder::where(const isa::Effect& e) const { return img_.where(e.func, e.pc); }

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

void Recorder::finish(std::uint64_t end_cycle, double clock_mhz, std::ostream* log) {
  // The documented order: cycle, then issue cycle (the interconnect's arbitration), then CPU,
  // then the order in which one CPU reported (its program order).
  std::stable_sort(events_.begin(), events_.end(), [](const Event& a, const Event& b) {
    if (a.cycle != b.cycle) return a.cycle < b.cycle;
    if (a.issued != b.issued) return a.issued < b.issued;
    if (a.cpu != b.cpu) return a.cpu < b.cpu;
    return a.seq < b.seq;
  });
  timeline_.clock_mhz = clock_mhz;
  timeline_.end_cycle = end_cycle;
  for (std::uint32_t c = 0; c < ncpus_; ++c) timeline_.changes.push_back({0, c, report::Context::User, "start"});
  std::ostream* l = event_log_ ? log : nullptr;
  for (const Event& ev : events_) replay(ev, l);
  // A disturbance still running at the end counts up to the end.
  for (std::uint32_t c = 0; c < ncpus_; ++c) {
    if (!disturbed_since_[c]) continue;
    CpuInterference& ci = interference_[c];
    const std::uint64_t lost = end_cycle - disturbed_since_[c];
    ci.cycles_lost += lost;
    ci.by_cause[disturbance_cause_[c]].cycles += lost;
    if (lost > ci.worst_cycles) ci.worst_cycles = lost, ci.worst_at = disturbed_since_[c];
  }
  std::stable_sort(timeline_.changes.begin(), timeline_.changes.end(),
                   [](const report::ContextChange& a, const report::ContextChange& b) {
                     return a.cycle != b.cycle ? a.cycle < b.cycle : a.cpu < b.cpu;
                   });
}

void Recorder::replay(const Event& ev, std::ostream* log) {
  switch (ev.type) {
    case Event::Type::Exec:
      replay_exec(ev, log);
      return;
    case Event::Type::Drain:
      ledger_.on_write(ev.addr, ev.old, ev.value);
      line(log, ev, "store drained", img_.describe(ev.addr) + ": " + hex(ev.old) + " -> " + hex(ev.value));
      return;
    case Event::Type::IpiSent: {
      ipi_index_[ev.ipi] = timeline_.ipis.size();
      report::IpiFlow f;
      f.id = ev.ipi;
      f.from = ev.cpu;
      f.to = ev.to;
      f.vector = ev.vector;
      f.vector_name = vector_name(ev.vector);
      f.sent = ev.cycle;
      f.delivered = ev.arrival;
      f.handled = 0;
      f.callsite = last_ipi_callsite_[ev.cpu];
      timeline_.ipis.push_back(f);
      line(log, ev, "ipi_send", "-> cpu" + std::to_string(ev.to) + " vector " + hex(ev.vector) + " " +
                                    vector_name(ev.vector) + " (ipi " + std::to_string(ev.ipi) +
                                    ", arrives at " + std::to_string(ev.arrival) + ")");
      return;
    }
    case Event::Type::IpiDelivered:
      line(log, ev, "ipi_arrive", "ipi " + std::to_string(ev.ipi) + " sets IRR");
      return;
    case Event::Type::Interrupt: {
      for (std::uint64_t id : ev.ids) {
        auto it = ipi_index_.find(id);
        if (it != ipi_index_.end()) timeline_.ipis[it->second].handled = ev.cycle;
      }
      std::string ids;
      for (std::uint64_t id : ev.ids) ids += (ids.empty() ? " (ipi " : ", ipi ") + std::to_string(id);
      if (!ids.empty()) ids += ")";
      line(log, ev, "irq", std::string("vector ") + hex(ev.vector) + " " + vector_name(ev.vector) +
                               (ev.from_user ? " from user" : " from kernel") + ids);
      if (ev.from_user) {
        ledger_.on_mode(ev.cpu, isa::Mode::Kernel, ev.cycle);
        CpuInterference& ci = interference_[ev.cpu];
        ++ci.interrupts_in_user;
        if (ev.vector != 0xec) ++ci.ipis_in_user;
        ++ci.by_cause[vector_name(ev.vector)].count;
        disturbed_since_[ev.cpu] = ev.cycle;
        disturbance_cause_[ev.cpu] = vector_name(ev.vector);
      }
      ctx_stack_[ev.cpu].push_back(report::Context::Irq);
      timeline_.changes.push_back({ev.cycle, ev.cpu, report::Context::Irq,
                                   std::string("irq ") + hex(ev.vector) + " " + vector_name(ev.vector)});
      return;
    }
  }
}

void Recorder::replay_exec(const Event& ev, std::ostream* log) {
  using isa::Op;
  const isa::Effect& e = ev.effect;
  const std::uint32_t cpu = ev.cpu;
  if (e.op == Op::Request) ledger_.on_request(cpu, e.written, ev.cycle);
  if (e.op == Op::Trace) {
    const std::string& name = img_.strings[e.trace_name];
    ledger_.on_trace(cpu, ev.request, name, e.trace_args, ev.cycle);
    if ((name == "ipi_send_cpu" || name == "ipi_send_cpumask") && e.trace_args.size() >= 2 &&
        e.trace_args[1] >= isa::kCodeBase)
      last_ipi_callsite_[cpu] = img_.functions.at(e.trace_args[1] - isa::kCodeBase).name;
    std::string args;
    for (isa::Word a : e.trace_args) {
      if (!args.empty()) args += ", ";
      args += a >= isa::kCodeBase && a - isa::kCodeBase < img_.functions.size()
                  ? img_.functions[a - isa::kCodeBase].name
                  : hex(a);
    }
    line(log, ev, "trace", name + "(" + args + ")");
    if (name == "ct_work_deferred")
      timeline_.markers.push_back({ev.cycle, cpu, "deferred to cpu" + std::to_string(e.trace_args.at(0)),
                                   request_name(ev.request)});
  }
  ledger_.on_effect(cpu, ev.request, e, ev.cycle);
  if (ev.before != ev.after) ledger_.on_mode(cpu, ev.after, ev.cycle);

  // The event log and the timeline.
  std::string notes;
  for (const isa::Effect::Note& n : e.notes) {
    if (n.kind == isa::Annotation::Kind::Post) notes += " @post(cpu" + std::to_string(n.a0) + ", " + hex(n.a1) + ")";
    if (n.kind == isa::Annotation::Kind::Consume) notes += " @consume(" + hex(n.a0) + ")";
  }
  const std::string at = "  [" + where(e) + "]";
  switch (e.op) {
    case Op::Load:
      line(log, ev, e.forwarded ? "load (forwarded)" : "load",
           img_.describe(e.addr) + " = " + hex(e.read) + notes + at);
      break;
    case Op::Store:
      line(log, ev, "store (buffered)", img_.describe(e.addr) + " <- " + hex(e.written) + at);
      break;
    case Op::Cmpxchg:
      line(log, ev, e.success ? "cmpxchg" : "cmpxchg FAILED",
           img_.describe(e.addr) + ": saw " + hex(e.read) +
               (e.success ? " -> " + hex(e.written) : ", expected " + hex(e.expected)) + notes + at);
      if (!e.success && !e.notes.empty())
        timeline_.markers.push_back({ev.cycle, cpu, "cmpxchg failed", img_.describe(e.addr)});
      break;
    case Op::Xchg: case Op::AtomicOr: case Op::AtomicAndnot: case Op::AtomicAdd:
    case Op::AtomicAddReturn: case Op::AtomicFetchOr: case Op::AtomicFetchAndnot: case Op::AtomicFetchAdd:
      line(log, ev, isa::op_name(e.op), img_.describe(e.addr) + ": " + hex(e.read) + " -> " + hex(e.written) + notes + at);
      break;
    case Op::Syscall:
      line(log, ev, "syscall", "user -> kernel" + at);
      ctx_stack_[cpu].back() = report::Context::Kernel;
      timeline_.changes.push_back({ev.cycle, cpu, report::Context::Kernel, "syscall"});
      break;
    case Op::Sysret:
      line(log, ev, "sysret", "kernel -> user" + at);
      set_context(cpu, ev.cycle, report::Context::User, "sysret");
      break;
    case Op::Iret: {
      if (ctx_stack_[cpu].size() > 1) ctx_stack_[cpu].pop_back();
      const report::Context back = ctx_stack_[cpu].back();
      line(log, ev, "iret", ev.after == isa::Mode::User ? "-> user" : "-> kernel");
      timeline_.changes.push_back({ev.cycle, cpu, back, "iret"});
      if (ev.after == isa::Mode::User && disturbed_since_[cpu]) {
        CpuInterference& ci = interference_[cpu];
        const std::uint64_t lost = ev.cycle - disturbed_since_[cpu];
        ci.cycles_lost += lost;
        ci.by_cause[disturbance_cause_[cpu]].cycles += lost;
        if (lost > ci.worst_cycles) ci.worst_cycles = lost, ci.worst_at = disturbed_since_[cpu];
        disturbed_since_[cpu] = 0;
      }
      break;
    }
    case Op::Wrmsr:
      line(log, ev, "wrmsr", hex(e.msr) + " <- " + hex(e.msr_value) + at);
      break;
    case Op::Request:
      line(log, ev, "request", request_name(e.written) + " begins" + at);
      break;
    case Op::Compute:
      if (e.cycles < (isa::Word(1) << 62)) line(log, ev, "compute", std::to_string(e.cycles) + " cycles" + at);
      else line(log, ev, "compute", "until the end of the run" + at);
      break;
    default:
      break;
  }
  for (const isa::Effect::Note& n : e.notes) {
    if (n.kind != isa::Annotation::Kind::Callback) continue;
    const bool deferred = n.a1 == 0;
    const bool local = !deferred && (n.a1 >> 32) == cpu;  // the sender's own call, no IPI
    const std::string fn = img_.functions.at(e.func).name;
    const std::string path = deferred ? "deferred" : local ? "local call" : "IPI path";
    line(log, ev, "callback", fn + (deferred ? " runs deferred work " + hex(n.a0)
                                            : " runs for " + request_name(n.a1) + " (" + path + ")") + at);
    timeline_.markers.push_back({ev.cycle, cpu, fn + " (" + path + ")",
                                 deferred ? "flush on kernel entry" : request_name(n.a1)});
  }
}

}  // namespace run
