#include "deferral_checks.h"

#include "sim/run/expect.h"
#include "sim/run/report_json.h"

namespace explore {

namespace {

std::string delivery_name(const kernel::Delivery& d) {
  return run::request_name(d.request) + " (cpu" + std::to_string(d.sender) + " -> cpu" + std::to_string(d.target) + ")";
}

// The kernel functions a CPU is in, outermost first: "entry_SYSCALL_64 > enter_from_user_mode".
std::string kernel_frames(const isa::Image& img, const isa::CpuState& cpu) {
  std::string out;
  for (const isa::Frame& f : cpu.frames) {
    if (f.kind == isa::FrameKind::Task) continue;
    out += (out.empty() ? "" : " > ") + img.functions[f.func].name;
  }
  return out.empty() ? "its task" : out;
}

// Whether a kind, once it shows, shows at every later state of the execution (the others depend on
// what the senders decide, which is final at an end only).
bool final_anywhere(const std::string& kind) {
  return kind == "double_execution" || kind == "spurious_work" || kind == "kernel_warning";
}

// The finding a clause pins: it names a violation's counter and fails when the count is 0.
std::string pinned_kind(const scenario::JsonDoc& doc, const scenario::Expect& e) {
  for (const auto& [kind, path] : run::violation_counters()) {
    if (path != e.path) continue;
    nlohmann::ordered_json zero;
    zero["deferral"][path.substr(path.find('.') + 1)] = 0;
    return run::check(doc, {e}, zero).front().ok ? "" : kind;
  }
  return "";
}

// A deferred_to_kernel finding: `how` says what became of the stay the work was posted in.
Finding deferred_to_kernel(const kernel::Delivery& d, const std::string& how) {
  return {"deferred_to_kernel", "work of " + delivery_name(d) + " was deferred while cpu" + std::to_string(d.target) +
                                    "'s context-tracking state said kernel, and " + how};
}

}  // namespace

DeferralChecks::DeferralChecks(const scenario::JsonDoc& doc, const scenario::Scenario& s, const Machine& m)
    : doc_(doc) {
  for (const scenario::Expect& e : s.expect) {
    if (e.path.rfind("deferral.", 0) != 0 && e.path.rfind("memory.", 0) != 0) {
      unchecked_.push_back(e.text);
    } else if (const std::string kind = pinned_kind(doc, e); !kind.empty()) {
      pinned_expect_.push_back(e);
      pinned_.push_back({e.text, kind, false});
    } else {
      expect_.push_back(e);
    }
  }
  State boot = const_cast<Machine&>(m).initial();
  bool any = false;
  for (std::uint32_t c = 0; c < s.nohz_full.size(); ++c) {
    any |= s.nohz_full[c];
    if (s.nohz_full[c] && accepts_work(m, boot, c)) defers_ = true;
  }
  // With no nohz_full CPU at boot (seed 001 switches them on later) there is none to try yet:
  // a protocol that models ct_set_cpu_work() is taken to defer.
  if (!any && s.nohz_full_runtime) defers_ = m.image().find_function("ct_set_cpu_work").has_value();
}

// The protocol's own sender code is the oracle: ct_set_cpu_work(target, CT_WORK_SYNC) run by
// another CPU, alone, on a copy of memory. Refusal while the target sits in user mode means the
// work would interrupt it.
bool DeferralChecks::accepts_work(const Machine& m, const State& s, std::uint32_t target) const {
  const isa::Image& img = m.image();
  const auto func = img.find_function("ct_set_cpu_work");
  const auto work = img.constants.find("CT_WORK_SYNC");
  if (!func || work == img.constants.end() || s.cpus.size() < 2) return false;
  std::vector<isa::Word> memory = m.full_memory(s);
  for (const CpuRef& c : s.cpus)
    for (const isa::StoreBufferEntry& e : c->store_buffer) memory[e.addr] = e.value;
  isa::CpuState cpu;
  cpu.id = target == 0 ? 1 : 0;
  isa::start(img, cpu, *func, isa::Mode::Kernel, {target, work->second});
  for (int n = 0; n < 100000; ++n) {
    const isa::Instruction& in = isa::current(img, cpu);
    if (in.op == isa::Op::Ret && cpu.frames.size() == 1) return isa::eval(cpu, in.src0) != 0;
    isa::execute(img, cpu, memory, 0);
    while (!cpu.store_buffer.empty()) isa::drain_one(cpu, memory);
  }
  return false;  // it spins: it will not take the work either
}

bool DeferralChecks::expected(const std::string& kind) const {
  for (const Pinned& p : pinned_)
    if (p.kind == kind) return true;
  return false;
}

void DeferralChecks::check(const Machine& m, const State& s, bool terminal, std::vector<Finding>& out) {
  const kernel::DeferralLedger& ledger = *s.ledger.ledger;
  // A pinned clause reads the ledger's counts only: once per ledger. Double executions, spurious
  // work and warnings stay counted once they happen, so any state will do (--first may stop before
  // an end); the rest hangs on the senders' decisions, final at an end.
  if (!pinned_expect_.empty() && pinned_seen_.insert(std::uint64_t(s.ledger.id) * 2 + terminal).second) {
    nlohmann::ordered_json report;
    report["deferral"] = run::deferral_section(ledger);
    const std::vector<run::ExpectResult> r = run::check(doc_, pinned_expect_, report);
    for (std::size_t i = 0; i < r.size(); ++i)
      if (terminal || final_anywhere(pinned_[i].kind)) pinned_[i].met |= r[i].ok;
  }
  // Away from the end of an execution only the ledger matters, and it is often one seen before.
  if (!terminal && clean_ledgers_.count(s.ledger.id)) return;
  const std::size_t before = out.size();
  for (const kernel::Delivery* d : ledger.deliveries()) {
    if (d->executions.size() >= 2) {
      std::string how;
      for (const kernel::Execution& x : d->executions) how += std::string(how.empty() ? "" : ", ") + (x.deferred ? "deferred" : "ipi");
      out.push_back({"double_execution", "the callback of " + delivery_name(*d) + " ran " +
                                             std::to_string(d->executions.size()) + " times (" + how + ")"});
    }
    // Whether a post was a deferral is known once its sender is done: at an end.
    if (!terminal) continue;
    if (kernel::deferred_to_kernel(*d)) out.push_back(deferred_to_kernel(*d, "that kernel stay ended without running it"));
    if (kernel::late(*d))
      out.push_back({"late_work", "work of " + delivery_name(*d) + " was deferred while cpu" + std::to_string(d->target) +
                                      " was quiescent, and its next kernel stay ended without running it"});
    if (d->in_idle_code && kernel::decision(*d) == kernel::Decision::Deferred)
      out.push_back({"deferred_in_idle_code",
                     "work of " + delivery_name(*d) + " was deferred while cpu" + std::to_string(d->target) +
                         " ran kernel code with its context-tracking state saying idle (outside HLT, in idle " +
                         "code): that code runs before the flush",
                     true});
    const kernel::Outcome o = kernel::outcome(*d);
    if (o == kernel::Outcome::Lost || o == kernel::Outcome::InFlight)
      out.push_back({"lost_work", "the work of " + delivery_name(*d) + " never ran: " +
                                      (o == kernel::Outcome::Lost ? "neither deferred and flushed nor run by IPI"
                                                                  : "its IPI was never handled")});
  }
  for (std::uint32_t c : ledger.warned())
    out.push_back({"kernel_warning", "a WARN_ON_ONCE() fired on cpu" + std::to_string(c) + " (" +
                                         kernel_frames(m.image(), *s.cpus[c]) + ")"});
  if (const std::uint64_t n = ledger.summary().unattributed)
    out.push_back({"spurious_work", std::to_string(n) + " deferred-work " + (n == 1 ? "flush ran" : "flushes ran") +
                                        " work that no request posted"});
  if (!terminal) {
    if (out.size() == before) clean_ledgers_.insert(s.ledger.id);
    return;
  }
  // An end with deferred work still waiting in the kernel stay it was posted in: that CPU is done
  // (or idle) and past its flush, so nothing runs the work in this execution.
  for (const kernel::Delivery* d : ledger.stranded_in_kernel())
    if (kernel::decision(*d) == kernel::Decision::Deferred && !kernel::deferred_to_kernel(*d))
      out.push_back(deferred_to_kernel(*d, "the execution ends with it still in that stay"));
  if (defers_)
    for (std::uint32_t c = 0; c < s.cpus.size(); ++c)
      if (ledger.nohz_full(c) && kernel::quiescent(ledger.where(c)) && !accepts_work(m, s, c))
        out.push_back({"cannot_defer", "cpu" + std::to_string(c) + " ends " + kernel::where_name(ledger.where(c)) +
                                           " but ct_set_cpu_work() refuses work for it: every later request "
                                           "interrupts it"});
  if (expect_.empty()) return;
  nlohmann::ordered_json report;
  report["deferral"] = run::deferral_section(ledger);
  report["memory"] = run::memory_section(m.image(), m.full_memory(s));
  for (const run::ExpectResult& r : run::check(doc_, expect_, report))
    if (!r.ok) out.push_back({"expect", "expectation fails at the end of an execution: " + r.text + " (actual " + r.actual.dump() + ")"});
}

}  // namespace explore
