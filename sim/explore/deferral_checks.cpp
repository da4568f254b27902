#include "deferral_checks.h"

#include "sim/run/expect.h"
#include "sim/run/report_json.h"

namespace explore {

namespace {

std::string delivery_name(const kernel::Delivery& d) {
  return run::request_name(d.request) + " (cpu" + std::to_string(d.sender) + " -> cpu" + std::to_string(d.target) + ")";
}

}  // namespace

DeferralChecks::DeferralChecks(const scenario::JsonDoc& doc, const scenario::Scenario& s, const Machine& m)
    : doc_(doc), isolated_(s.nohz_full) {
  for (const scenario::Expect& e : s.expect) {
    if (e.path.rfind("deferral.", 0) == 0 || e.path.rfind("memory.", 0) == 0) expect_.push_back(e);
    else unchecked_.push_back(e.text);
  }
  State boot = const_cast<Machine&>(m).initial();
  for (std::uint32_t c = 0; c < isolated_.size(); ++c)
    if (isolated_[c] && accepts_work(m, boot, c)) defers_ = true;
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

void DeferralChecks::check(const Machine& m, const State& s, bool terminal, std::vector<Finding>& out) {
  const kernel::DeferralLedger& ledger = *s.ledger.ledger;
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
    if (d->deferred_to_kernel)
      out.push_back({"deferred_to_kernel", "work of " + delivery_name(*d) +
                                               " was deferred while cpu" + std::to_string(d->target) +
                                               " was in the kernel past its flush: it runs only at its next entry"});
    const kernel::Outcome o = kernel::outcome(*d);
    if (terminal && (o == kernel::Outcome::Lost || o == kernel::Outcome::InFlight))
      out.push_back({"lost_work", "the work of " + delivery_name(*d) + " never ran: " +
                                      (o == kernel::Outcome::Lost ? "neither deferred and flushed nor run by IPI"
                                                                  : "its IPI was never handled")});
  }
  if (!terminal) {
    if (out.size() == before) clean_ledgers_.insert(s.ledger.id);
    return;
  }
  if (defers_)
    for (std::uint32_t c = 0; c < s.cpus.size(); ++c)
      if (isolated_[c] && s.cpus[c]->mode == isa::Mode::User && !accepts_work(m, s, c))
        out.push_back({"cannot_defer", "cpu" + std::to_string(c) +
                                           " ends in user mode but ct_set_cpu_work() refuses work for it: "
                                           "every later request interrupts it"});
  if (expect_.empty()) return;
  nlohmann::ordered_json report;
  report["deferral"] = run::deferral_section(ledger);
  report["memory"] = run::memory_section(m.image(), m.full_memory(s));
  for (const run::ExpectResult& r : run::check(doc_, expect_, report))
    if (!r.ok) out.push_back({"expect", "expectation fails at the end of an execution: " + r.text + " (actual " + r.actual.dump() + ")"});
}

}  // namespace explore
