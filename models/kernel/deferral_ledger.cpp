#include "deferral_ledger.h"

#include <algorithm>

#include "models/isa/leb128.h"

namespace kernel {

const char* decision_name(Decision d) {
  switch (d) {
    case Decision::None: return "none";
    case Decision::Deferred: return "deferred";
    case Decision::Ipi: return "ipi";
    case Decision::Local: return "local";
  }
  return "?";
}

const char* outcome_name(Outcome o) {
  switch (o) {
    case Outcome::Once: return "once";
    case Outcome::Double: return "double";
    case Outcome::Lost: return "lost";
    case Outcome::Pending: return "pending";
    case Outcome::InFlight: return "in_flight";
  }
  return "?";
}

Outcome outcome(const Delivery& d) {
  if (d.executions.size() >= 2) return Outcome::Double;
  if (d.executions.size() == 1) return Outcome::Once;
  if (d.tokens_live > 0 || d.tokens_held > 0) return Outcome::Pending;  // posted, or taken and about to run
  if (d.decision == Decision::Ipi && d.tokens_held == 0 && d.tokens_dropped == 0)
    return Outcome::InFlight;
  return Outcome::Lost;
}

DeferralLedger::DeferralLedger(std::uint32_t ncpus, std::vector<bool> isolated)
    : ncpus_(ncpus),
      isolated_(std::move(isolated)),
      mode_(ncpus, isa::Mode::User),
      epoch_(ncpus, 0),
      leaving_(ncpus, false),
      live_posted_in_kernel_(ncpus, 0),
      held_(ncpus),
      requests_(ncpus) {
  isolated_.resize(ncpus, false);
}

Delivery* DeferralLedger::delivery(std::uint64_t request, std::uint32_t target) {
  const std::uint64_t sender = request >> 32, n = request & 0xffffffffu;
  if (sender >= ncpus_ || n == 0 || n > requests_[sender].size() || target >= ncpus_) return nullptr;
  Request& r = requests_[sender][n - 1];
  if (r.targets.empty()) {
    r.targets.resize(ncpus_);
    for (std::uint32_t t = 0; t < ncpus_; ++t) {
      Delivery& d = r.targets[t];
      d.request = request;
      d.sender = static_cast<std::uint32_t>(sender);
      d.target = t;
      d.requested = r.cycle;
    }
  }
  Delivery& d = r.targets[target];
  d.seen = true;
  return &d;
}

void DeferralLedger::on_request(std::uint32_t cpu, std::uint64_t request, std::uint64_t cycle) {
  const std::uint64_t sender = request >> 32, n = request & 0xffffffffu;
  if (sender >= ncpus_ || n == 0) return;
  if (requests_[sender].size() < n) requests_[sender].resize(n);
  requests_[sender][n - 1].cycle = cycle;
  ++nrequests_;
}

void DeferralLedger::on_trace(std::uint32_t cpu, std::uint64_t request, const std::string& name,
                              const std::vector<isa::Word>& args, std::uint64_t cycle) {
  if (!follows_trace(cpu, name)) return;
  if (name == "user_enter") {
    leaving_[cpu] = true;  // work posted from here on is for the next entry, as intended
    return;
  }
  if (request == 0 || args.empty() || args[0] >= ncpus_) return;
  const auto target = static_cast<std::uint32_t>(args[0]);
  Decision d;
  if (name == "ct_work_deferred") d = Decision::Deferred;
  else if (name == "csd_queue_cpu") d = Decision::Ipi;
  else return;
  Delivery* dl = delivery(request, target);
  if (dl && dl->decision == Decision::None) {
    dl->decision = d;
    dl->decided = cycle;
  }
}

void DeferralLedger::forget(const Token& t) {
  if (t.in_kernel) --live_posted_in_kernel_[t.target];
}

void DeferralLedger::drop_cleared(isa::Addr addr, isa::Word value) {
  auto at = live_.find(addr);
  if (at == live_.end()) return;
  auto gone = [&](const Token& t) { return (t.bits & value) == 0; };
  for (const Token& t : at->second) {
    if (!gone(t)) continue;
    Delivery& d = of(t);
    --d.tokens_live;
    ++d.tokens_dropped;
    // The sender deferred it during this kernel stay, and it is wiped before anyone ran it (v7's
    // exit clears the work bits): it was deferred to a CPU in the kernel. (A post whose sender
    // then fell back to an IPI was not deferred.)
    if (t.in_kernel && t.epoch == epoch_[t.target] && mode_[t.target] == isa::Mode::Kernel &&
        d.decision == Decision::Deferred)
      d.deferred_to_kernel = true;
    forget(t);
  }
  auto& v = at->second;
  v.erase(std::remove_if(v.begin(), v.end(), gone), v.end());
  if (v.empty()) live_.erase(at);
}

void DeferralLedger::on_write(isa::Addr addr, isa::Word old, isa::Word value) { drop_cleared(addr, value); }

void DeferralLedger::on_effect(std::uint32_t cpu, std::uint64_t request, const isa::Effect& e,
                               std::uint64_t cycle) {
  using K = isa::Annotation::Kind;
  // Consumption reads the value before this instruction's own write; then the write may
  // destroy tokens; then a post adds the new one.
  for (const isa::Effect::Note& n : e.notes) {
    if (n.kind != K::Consume) continue;
    auto at = live_.find(e.addr);
    if (at == live_.end()) continue;
    const isa::Word seen = e.read & n.a0;
    auto taken = [&](const Token& t) { return (t.bits & seen) != 0; };
    for (const Token& t : at->second) {
      if (!taken(t)) continue;
      Delivery& d = of(t);
      --d.tokens_live;
      ++d.tokens_held;
      if (t.in_kernel && epoch_[t.target] > t.epoch) d.late = true;
      forget(t);
      held_[cpu].push_back(t);
    }
    auto& v = at->second;
    v.erase(std::remove_if(v.begin(), v.end(), taken), v.end());
    if (v.empty()) live_.erase(at);
  }
  if (e.wrote) drop_cleared(e.addr, e.written);
  for (const isa::Effect::Note& n : e.notes) {
    if (n.kind == K::Post && e.wrote && request != 0 && n.a0 < ncpus_) {
      const auto target = static_cast<std::uint32_t>(n.a0);
      Token t{request, target, n.a1, e.addr, epoch_[target],
              mode_[target] == isa::Mode::Kernel && !leaving_[target]};
      Delivery* d = delivery(request, target);
      if (!d) continue;
      ++d->tokens_live;
      if (t.in_kernel) ++live_posted_in_kernel_[target];
      live_[e.addr].push_back(t);
    } else if (n.kind == K::Callback) {
      if (n.a1 != 0) {
        Delivery* d = delivery(n.a1, cpu);
        if (!d) {
          ++unattributed_;
          continue;
        }
        if (d->decision == Decision::None && d->sender == cpu) d->decision = Decision::Local;
        d->executions.push_back({cycle, false});
        continue;
      }
      auto mine = [&](const Token& t) { return (t.bits & n.a0) != 0; };
      bool any = false;
      for (const Token& t : held_[cpu]) {
        if (!mine(t)) continue;
        Delivery& d = of(t);
        --d.tokens_held;
        // Several tokens of one request (a retried post) are one deferred execution.
        if (d.executions.empty() || d.executions.back().cycle != cycle || !d.executions.back().deferred)
          d.executions.push_back({cycle, true});
        any = true;
      }
      held_[cpu].erase(std::remove_if(held_[cpu].begin(), held_[cpu].end(), mine), held_[cpu].end());
      if (!any) ++unattributed_;
    }
  }
}

void DeferralLedger::on_mode(std::uint32_t cpu, isa::Mode mode, std::uint64_t cycle) {
  if (!follows_mode(cpu) || mode == mode_[cpu]) return;
  leaving_[cpu] = false;
  if (mode == isa::Mode::Kernel) {
    ++epoch_[cpu];
  } else {
    // Back to user: work posted during this kernel stay that nobody flushed now waits for the
    // next entry (or is cleared and lost).
    if (live_posted_in_kernel_[cpu])
      for (const auto& [addr, tokens] : live_)
        for (const Token& t : tokens)
          if (t.target == cpu && t.in_kernel && t.epoch == epoch_[cpu] && of(t).decision == Decision::Deferred)
            of(t).deferred_to_kernel = true;
  }
  mode_[cpu] = mode;
}

namespace {
constexpr auto put = isa::put_leb128;
}  // namespace

void DeferralLedger::fingerprint(std::string& out) const {
  for (std::uint32_t c = 0; c < ncpus_; ++c) {
    put(out, static_cast<std::uint64_t>(mode_[c]));
    put(out, epoch_[c]);
    put(out, leaving_[c]);
  }
  auto token = [&](const Token& t) {
    put(out, t.request);
    put(out, t.target);
    put(out, t.bits);
    put(out, t.addr);
    put(out, t.epoch);
    put(out, t.in_kernel);
  };
  put(out, live_.size());
  for (const auto& [addr, tokens] : live_) {
    put(out, tokens.size());
    for (const Token& t : tokens) token(t);
  }
  for (const auto& held : held_) {
    put(out, held.size());
    for (const Token& t : held) token(t);
  }
  for (const auto& per_sender : requests_) {
    put(out, per_sender.size());
    for (const Request& r : per_sender) {
      put(out, r.targets.size());
      for (const Delivery& d : r.targets) {
        put(out, static_cast<std::uint64_t>(d.decision));
        put(out, d.executions.size());
        for (const Execution& x : d.executions) put(out, x.deferred);
        put(out, d.tokens_live);
        put(out, d.tokens_held);
        put(out, d.tokens_dropped);
        put(out, (d.deferred_to_kernel ? 1 : 0) | (d.late ? 2 : 0) | (d.seen ? 4 : 0));
      }
    }
  }
  put(out, nrequests_);
  put(out, unattributed_);
}

std::vector<const Delivery*> DeferralLedger::deliveries() const {
  std::vector<const Delivery*> out;
  for (const auto& per_sender : requests_)
    for (const Request& r : per_sender)
      for (const Delivery& d : r.targets)
        if (d.seen && isolated_[d.target]) out.push_back(&d);
  return out;
}

LedgerSummary DeferralLedger::summary() const {
  LedgerSummary s;
  s.requests = nrequests_;
  s.unattributed = unattributed_;
  for (const Delivery* d : deliveries()) {
    ++s.deliveries;
    if (d->decision == Decision::Deferred) ++s.deferred;
    if (d->decision == Decision::Ipi) ++s.ipi;
    for (const Execution& x : d->executions) ++(x.deferred ? s.flushed_on_entry : s.ipi_executions);
    ++s.executions_per_delivery[d->executions.size()];
    if (d->late) ++s.late;
    if (d->deferred_to_kernel) ++s.deferred_to_kernel;
    switch (outcome(*d)) {
      case Outcome::Double: ++s.double_executions; break;
      case Outcome::Lost: ++s.lost; break;
      case Outcome::Pending: ++s.pending; break;
      case Outcome::InFlight: ++s.in_flight; break;
      case Outcome::Once: break;
    }
  }
  return s;
}

}  // namespace kernel
