#include "deferral_ledger.h"

#include <algorithm>

#include "models/isa/leb128.h"

namespace kernel {

namespace {
constexpr std::uint8_t kKernelMode = 1, kHalted = 2;
}  // namespace

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
  if (decision(d) == Decision::Ipi && d.tokens_held == 0 && d.tokens_dropped == 0)
    return Outcome::InFlight;
  return Outcome::Lost;
}

DeferralLedger::DeferralLedger(std::uint32_t ncpus, std::vector<bool> isolated, const CtStateReader* ct,
                               const std::vector<isa::Word>* boot)
    : ncpus_(ncpus),
      isolated_(std::move(isolated)),
      ct_(ct && ct->declared() ? ct : nullptr),
      where_(ncpus, Where::User),
      epoch_(ncpus, 0),
      hw_(ncpus, 0),
      live_for_(ncpus, 0),
      held_(ncpus),
      ran_(ncpus),
      requests_(ncpus),
      warned_(ncpus, false) {
  isolated_.resize(ncpus, false);
  nohz_full_ = isolated_;
  if (ct_ && boot)
    for (std::uint32_t c = 0; c < ncpus; ++c)
      if (isolated_[c]) where_[c] = ct_->where(boot->at(ct_->word(c)));
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
  if (name == "WARN_ON_ONCE") {
    warned_[cpu] = true;
    return;
  }
  if (name == "nohz_full_set") {
    // Seed 001's switch, made by the CPU's stopper in kernel mode: a CPU that becomes nohz_full
    // is followed from then on, as the boot's are (one switched off stays followed: work posted
    // to it before must still run).
    if (args.size() < 2 || args[0] >= ncpus_) return;
    nohz_full_[args[0]] = args[1] != 0;
    if (args[1] && !isolated_[args[0]]) {
      isolated_[args[0]] = true;
      hw_[args[0]] = kKernelMode;
    }
    return;
  }
  if (!reads_trace(name) || request == 0 || args.empty() || args[0] >= ncpus_) return;
  const auto target = static_cast<std::uint32_t>(args[0]);
  Delivery* dl = delivery(request, target);
  if (dl && dl->decision == Decision::None) dl->decision = Decision::Ipi;
}

void DeferralLedger::token_words(std::vector<isa::Addr>& out) const {
  const std::size_t from = out.size();
  for (const auto& w : live_) out.push_back(w.first);
  for (const auto& w : ran_at_) out.push_back(w.first);
  std::inplace_merge(out.begin() + static_cast<long>(from), out.begin() + static_cast<long>(from + live_.size()), out.end());
  out.erase(std::unique(out.begin() + static_cast<long>(from), out.end()), out.end());
}

// Ran entries of `cpu` for `bits` (at `addr`, or anywhere): their bits are gone, or new work took
// their place.
void DeferralLedger::forget_ran(std::uint32_t cpu, isa::Word bits, isa::Addr addr, bool any_addr) {
  std::vector<Ran>& ran = ran_[cpu];
  for (auto it = ran.begin(); it != ran.end();) {
    if ((it->bits & bits) == 0 || (!any_addr && it->addr != addr)) {
      ++it;
      continue;
    }
    if (--ran_at_[it->addr] == 0) ran_at_.erase(it->addr);
    it = ran.erase(it);
  }
}

void DeferralLedger::drop_cleared(isa::Addr addr, isa::Word value) {
  if (ran_at_.count(addr))
    for (std::uint32_t c = 0; c < ncpus_; ++c) {
      isa::Word cleared = 0;
      for (const Ran& r : ran_[c])
        if (r.addr == addr && (r.bits & value) == 0) cleared |= r.bits;
      if (cleared) forget_ran(c, cleared, addr, false);
    }
  auto at = live_.find(addr);
  if (at == live_.end()) return;
  auto gone = [&](const Token& t) { return (t.bits & value) == 0; };
  for (const Token& t : at->second) {
    if (!gone(t)) continue;
    Delivery& d = of(t);
    --d.tokens_live;
    ++d.tokens_dropped;
    --live_for_[t.target];
    // Wiped during the stay it was posted in, before anyone ran it (v7's exit clears the work
    // bits): it was due in that stay.
    if (t.in_kernel && t.epoch == epoch_[t.target] && where_[t.target] == Where::Kernel) d.missed_in_kernel = true;
  }
  auto& v = at->second;
  v.erase(std::remove_if(v.begin(), v.end(), gone), v.end());
  if (v.empty()) live_.erase(at);
}

// The state word changed: an entry (quiescent -> kernel) starts a stay; an exit (kernel ->
// quiescent) ends it, and work due in it that is still posted missed it.
void DeferralLedger::state_written(isa::Addr addr, isa::Word value) {
  if (!state_word(addr)) return;
  const auto cpu = static_cast<std::uint32_t>(ct_->cpu_of(addr));
  const Where now = ct_->where(value);
  const bool was_kernel = where_[cpu] == Where::Kernel, is_kernel = now == Where::Kernel;
  where_[cpu] = now;
  if (!was_kernel && is_kernel) ++epoch_[cpu];
  if (!was_kernel || is_kernel || !live_for_[cpu]) return;
  for (const auto& [word, tokens] : live_)
    for (const Token& t : tokens)
      if (t.target == cpu && t.due() <= epoch_[cpu]) (t.in_kernel ? of(t).missed_in_kernel : of(t).missed_flush) = true;
}

void DeferralLedger::on_write(isa::Addr addr, isa::Word old, isa::Word value) {
  drop_cleared(addr, value);
  state_written(addr, value);
}

// A deferred-path callback for `bits`: the work this CPU took for them, or, holding none, the
// work its flush last ran for them again (bits nobody cleared, flushed a second time).
void DeferralLedger::run_deferred(std::uint32_t cpu, isa::Word bits, std::uint64_t cycle) {
  auto mine = [&](const Token& t) { return (t.bits & bits) != 0; };
  auto record = [&](Delivery& d) {
    // Several tokens of one request (a retried post) are one deferred execution.
    if (d.executions.empty() || d.executions.back().cycle != cycle || !d.executions.back().deferred)
      d.executions.push_back({cycle, true});
  };
  std::vector<Ran>& ran = ran_[cpu];
  bool any = false;
  for (const Token& t : held_[cpu]) {
    if (!mine(t)) continue;
    Delivery& d = of(t);
    --d.tokens_held;
    record(d);
    if (!any) forget_ran(cpu, bits, 0, true);
    any = true;
    ran.push_back({t.request, t.bits, t.addr});
    ++ran_at_[t.addr];
  }
  if (any) {
    held_[cpu].erase(std::remove_if(held_[cpu].begin(), held_[cpu].end(), mine), held_[cpu].end());
    return;
  }
  for (const Ran& r : ran)
    if ((r.bits & bits) != 0)
      if (Delivery* d = delivery(r.request, cpu)) {
        record(*d);
        any = true;
      }
  if (!any) ++unattributed_;
}

void DeferralLedger::on_effect(std::uint32_t cpu, std::uint64_t request, const isa::Effect& e,
                               std::uint64_t cycle) {
  using K = isa::Annotation::Kind;
  // Consumption reads the value before this instruction's own write; then the write may
  // destroy tokens and move the CPU; then a post adds the new one.
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
      --live_for_[t.target];
      held_[cpu].push_back(t);
    }
    auto& v = at->second;
    v.erase(std::remove_if(v.begin(), v.end(), taken), v.end());
    if (v.empty()) live_.erase(at);
  }
  if (e.wrote) {
    drop_cleared(e.addr, e.written);
    state_written(e.addr, e.written);
  }
  for (const isa::Effect::Note& n : e.notes) {
    if (n.kind == K::Post && e.wrote && request != 0 && n.a0 < ncpus_) {
      const auto target = static_cast<std::uint32_t>(n.a0);
      Delivery* d = delivery(request, target);
      if (!d) continue;
      const Token t{request, target, n.a1, e.addr, epoch_[target], where_[target] == Where::Kernel};
      ++d->tokens_live;
      ++live_for_[target];
      d->posted = true;
      if (where_[target] == Where::Idle && (hw_[target] & (kKernelMode | kHalted)) == kKernelMode) d->in_idle_code = true;
      live_[e.addr].push_back(t);
    } else if (n.kind == K::Callback) {
      if (n.a1 == 0) {
        run_deferred(cpu, n.a0, cycle);
        continue;
      }
      Delivery* d = delivery(n.a1, cpu);
      if (!d) {
        ++unattributed_;
        continue;
      }
      if (d->decision == Decision::None && d->sender == cpu) d->decision = Decision::Local;
      d->executions.push_back({cycle, false});
    }
  }
}

void DeferralLedger::on_mode(std::uint32_t cpu, isa::Mode mode, std::uint64_t) {
  if (!follows_cpu(cpu)) return;
  hw_[cpu] = static_cast<std::uint8_t>((hw_[cpu] & ~kKernelMode) | (mode == isa::Mode::Kernel ? kKernelMode : 0));
}

void DeferralLedger::on_halt(std::uint32_t cpu, bool halted) {
  if (!follows_cpu(cpu)) return;
  hw_[cpu] = static_cast<std::uint8_t>((hw_[cpu] & ~kHalted) | (halted ? kHalted : 0));
}

namespace {
constexpr auto put = isa::put_leb128;
}  // namespace

void DeferralLedger::fingerprint(std::string& out) const {
  // Stays are counted only to compare a token's due stay with the current one: the count itself
  // is no part of a verdict, so it is left out and each token says how its due stay stands.
  for (std::uint32_t c = 0; c < ncpus_; ++c) {
    put(out, static_cast<std::uint64_t>(where_[c]));
    put(out, hw_[c] | (isolated_[c] ? 0x80u : 0u) | (nohz_full_[c] ? 0x40u : 0u));
  }
  auto token = [&](const Token& t) {
    put(out, t.request);
    put(out, t.target);
    put(out, t.bits);
    put(out, t.addr);
    const std::uint64_t now = epoch_[t.target];
    put(out, t.due() > now ? 2 : t.due() == now ? 1 : 0);
    // Where it was posted only picks which miss a miss would be: nothing once the sender has
    // fallen back to an IPI (the post then promised nothing).
    const Delivery& d = requests_[t.request >> 32][(t.request & 0xffffffffu) - 1].targets[t.target];
    put(out, t.in_kernel && d.decision == Decision::None);
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
  for (const auto& ran : ran_) {
    put(out, ran.size());
    for (const Ran& r : ran) {
      put(out, r.request);
      put(out, r.bits);
      put(out, r.addr);
    }
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
        // What a flag means depends on the decision (deferred work only): once the sender has
        // fallen back to an IPI, it tells nothing any more. The window a post into idle code opens
        // (a note, reported where it opens) closes when its work is taken.
        const bool may_defer = d.decision == Decision::None;
        const bool window = may_defer && d.in_idle_code;
        put(out, (may_defer && d.missed_in_kernel ? 1 : 0) | (may_defer && d.missed_flush ? 2 : 0) |
                     (window ? 4 : 0) | (d.seen ? 8 : 0) | (d.posted ? 16 : 0));
      }
    }
  }
  put(out, nrequests_);
  put(out, unattributed_);
  for (bool w : warned_) put(out, w);
}

std::vector<const Delivery*> DeferralLedger::deliveries() const {
  std::vector<const Delivery*> out;
  for (const auto& per_sender : requests_)
    for (const Request& r : per_sender)
      for (const Delivery& d : r.targets)
        if (d.seen && (isolated_[d.target] || d.posted)) out.push_back(&d);
  return out;
}

std::vector<const Delivery*> DeferralLedger::stranded_in_kernel() const {
  std::vector<const Delivery*> out;
  for (const auto& [addr, tokens] : live_)
    for (const Token& t : tokens)
      if (t.in_kernel && t.due() == epoch_[t.target] && where_[t.target] == Where::Kernel) {
        const Delivery& d = requests_[t.request >> 32][(t.request & 0xffffffffu) - 1].targets[t.target];
        if (std::find(out.begin(), out.end(), &d) == out.end()) out.push_back(&d);
      }
  return out;
}

std::vector<std::uint32_t> DeferralLedger::warned() const {
  std::vector<std::uint32_t> out;
  for (std::uint32_t c = 0; c < ncpus_; ++c)
    if (warned_[c]) out.push_back(c);
  return out;
}

std::vector<bool> DeferralLedger::posted_to() const {
  std::vector<bool> out(ncpus_, false);
  for (const auto& per_sender : requests_)
    for (const Request& r : per_sender)
      for (const Delivery& d : r.targets)
        if (d.posted) out[d.target] = true;
  return out;
}

LedgerSummary DeferralLedger::summary() const {
  LedgerSummary s;
  s.requests = nrequests_;
  s.unattributed = unattributed_;
  s.kernel_warnings = warned().size();
  for (const Delivery* d : deliveries()) {
    ++s.deliveries;
    if (decision(*d) == Decision::Deferred) ++s.deferred;
    if (decision(*d) == Decision::Ipi) ++s.ipi;
    for (const Execution& x : d->executions) ++(x.deferred ? s.flushed_on_entry : s.ipi_executions);
    ++s.executions_per_delivery[d->executions.size()];
    if (late(*d)) ++s.late;
    if (deferred_to_kernel(*d)) ++s.deferred_to_kernel;
    if (d->in_idle_code && decision(*d) == Decision::Deferred) ++s.in_idle_code;
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
