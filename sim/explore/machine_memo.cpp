// Machine's memory of steps: an Exec or Drain step does the same whenever its CPU, the CPU's APIC
// and pending marks, and the values of the words it touches are the same, and so is whether work
// is posted on those words (every word it reads is one it touches, and its folding decisions read
// its CPU, the configuration and the ledger's has_tokens_at() of words it touches); a step that
// feeds the ledger also needs the same ledger. A CPU recurs in many global states, so most steps
// are replayed from here instead of run: no CpuState copy, no instruction decoded, and the CPU
// after it is shared, its id already known. The configuration's guesses can be dropped after a
// wrong one (drop_guesses()): the steps whose folding relied on a dropped guess are forgotten.
#include "sim/explore/machine.h"

#include <algorithm>
#include <iterator>

#include "models/isa/leb128.h"

namespace explore {

namespace {

constexpr auto put = isa::put_leb128;

// The pending marks of `cpu`, a contiguous run of the sorted vector.
std::pair<std::vector<Pending>::const_iterator, std::vector<Pending>::const_iterator> marks_of(
    const std::vector<Pending>& pending, std::uint32_t cpu) {
  const auto lo = std::lower_bound(pending.begin(), pending.end(), cpu,
                                   [](const Pending& p, std::uint32_t c) { return p.cpu < c; });
  const auto hi = std::upper_bound(lo, pending.end(), cpu, [](std::uint32_t c, const Pending& p) { return c < p.cpu; });
  return {lo, hi};
}

}  // namespace

// step_key_: what decides a step besides the words it touches and the ledger.
void Machine::step_key(const State& s, const Step& step) {
  step_key_.clear();
  put(step_key_, s.cpus[step.cpu].id([this](const isa::CpuState& c) { return intern_cpu(c); }));
  put(step_key_, static_cast<unsigned>(step.kind));
  for (std::uint64_t w : s.apics[step.cpu].isr) put(step_key_, w);
  put(step_key_, s.apics[step.cpu].tsc_deadline);
  put(step_key_, nmi_pending(s, *s.cpus[step.cpu]));  // folding decisions read it
  const auto [lo, hi] = marks_of(s.pending, step.cpu);
  for (auto it = lo; it != hi; ++it) {
    put(step_key_, it->addr);
    put(step_key_, it->func);
    put(step_key_, it->pc);
    put(step_key_, it->until_fence);
  }
}

// step_key_: the step with key `key` and footprint `footprint` in `s`, with the values and tokens
// there.
void Machine::step_guard(const State& s, std::uint32_t key, std::uint32_t footprint) {
  const Footprint& f = footprints_[footprint - 1];
  step_key_.clear();
  put(step_key_, key);
  put(step_key_, footprint);
  for (isa::Addr a : f.words) {
    put(step_key_, read(s, a));
    put(step_key_, ledger(s).has_tokens_at(a));
  }
  if (f.ledger) put(step_key_, s.ledger.id);
}

const Machine::StepResult* Machine::recall_step(const State& s, const Step& step, std::uint32_t& key,
                                                std::uint32_t& footprint) {
  step_key(s, step);
  const auto [id, fresh] = step_keys_.insert(step_key_);
  key = id;
  if (fresh) {
    step_footprints_.emplace_back();
    return nullptr;
  }
  for (std::uint32_t f : step_footprints_[id]) {
    step_guard(s, id, f);
    const std::int64_t r = step_guards_.find(step_key_);
    if (r < 0 || step_results_[static_cast<std::size_t>(r)].forgotten) continue;
    // Another CPU's pending mark on a word it touches: the step would find the race (Racy).
    const std::vector<isa::Addr>& touched = footprints_[f - 1].words;
    for (const Pending& p : s.pending)
      if (p.cpu != step.cpu && std::binary_search(touched.begin(), touched.end(), p.addr)) return nullptr;
    footprint = f;
    return &step_results_[static_cast<std::size_t>(r)];
  }
  return nullptr;
}

State Machine::replay_step(const State& s, const Step& step, std::uint32_t footprint, const StepResult& r) {
  const Footprint& w = footprints_[footprint - 1];
  State t = s;
  const std::uint32_t c = step.cpu;
  t.cpus[c] = r.cpu;
  t.apics[c] = r.apic;
  const auto [lo, hi] = marks_of(t.pending, c);
  const auto at = t.pending.erase(lo, hi);
  t.pending.insert(at, r.own.begin(), r.own.end());
  for (const Ipi& i : r.sent) t.in_flight.insert(std::upper_bound(t.in_flight.begin(), t.in_flight.end(), i), i);
  for (std::size_t i = 0; i < w.words.size(); ++i) {  // the differences from boot, sorted
    const isa::Addr a = w.words[i];
    auto it = std::lower_bound(t.memory.begin(), t.memory.end(), std::make_pair(a, isa::Word(0)),
                               [](const auto& x, const auto& y) { return x.first < y.first; });
    const bool there = it != t.memory.end() && it->first == a;
    if (r.after[i] == cfg_.memory[a]) {
      if (there) t.memory.erase(it);
    } else if (there) {
      it->second = r.after[i];
    } else {
      t.memory.insert(it, {a, r.after[i]});
    }
  }
  if (w.ledger) t.ledger = r.ledger;
  footprint_id_ = footprint;
  return t;
}

// The new result, or nullptr if the guard was known (a step recall_step() left to run because it
// would find a race).
Machine::StepResult* Machine::remember_step(std::uint32_t key, const State& s, const State& t, const Step& step) {
  std::vector<std::uint32_t>& seen = step_footprints_[key];
  if (std::find(seen.begin(), seen.end(), footprint_id_) == seen.end()) seen.push_back(footprint_id_);
  step_guard(s, key, footprint_id_);
  const auto [id, fresh] = step_guards_.insert(step_key_);
  if (!fresh && !step_results_[id].forgotten) return nullptr;
  StepResult r;
  for (isa::Addr a : footprints_[footprint_id_ - 1].words) r.after.push_back(read(t, a));
  r.cpu = t.cpus[step.cpu];
  r.apic = t.apics[step.cpu];
  const auto [lo, hi] = marks_of(t.pending, step.cpu);
  r.own.assign(lo, hi);
  std::set_difference(t.in_flight.begin(), t.in_flight.end(), s.in_flight.begin(), s.in_flight.end(),
                      std::back_inserter(r.sent));
  r.ledger = t.ledger;
  r.number = step.cpu;
  r.guesses = guesses_used_;
  std::sort(r.guesses.begin(), r.guesses.end());
  r.guesses.erase(std::unique(r.guesses.begin(), r.guesses.end()), r.guesses.end());
  remembered_bytes_ += sizeof(StepResult) + r.after.size() * sizeof(isa::Word) + r.own.size() * sizeof(Pending) +
                       r.sent.size() * sizeof(Ipi) + r.log.size() * sizeof(Access);
  if (!fresh) return &(step_results_[id] = std::move(r));
  step_results_.push_back(std::move(r));
  return &step_results_.back();
}

void Machine::drop_guesses(const MachineConfig& next) {
  auto dropped = [&](std::uint64_t g) {
    if (g & 1) return !next.race_free[g >> 33][(g >> 1) & 0xffffffffu];
    return next.owner[g >> 1] < 0;
  };
  // A new deferral target makes its state word a step of its own: any step may have folded it.
  std::vector<bool> targets = next.deferral_targets;
  if (!targets.empty())
    for (std::size_t c = 0; c < cfg_.tasks.size(); ++c) targets[c] = targets[c] || cfg_.isolated[c];
  const bool new_target = targets != cfg_.deferral_targets;
  for (StepResult& r : step_results_)
    r.forgotten = r.forgotten || new_target || (cfg_.interrupt_free[r.number] && !next.interrupt_free[r.number]) ||
                  std::any_of(r.guesses.begin(), r.guesses.end(), dropped);
  self_loops_.clear();
  cfg_.deferral_targets = std::move(targets);
  cfg_.interrupt_free = next.interrupt_free;
  cfg_.interrupt_free.resize(cfg_.tasks.size(), false);
  cfg_.owner = next.owner;
  cfg_.race_free = next.race_free;
}

std::uint32_t Machine::intern_footprint() {
  if (footprint_.opaque) return 0;
  std::sort(footprint_.words.begin(), footprint_.words.end());
  footprint_.words.erase(std::unique(footprint_.words.begin(), footprint_.words.end()), footprint_.words.end());
  step_key_.assign(1, footprint_.ledger ? 'l' : '-');
  for (isa::Addr a : footprint_.words) put(step_key_, a);
  const auto [id, fresh] = footprint_ids_.insert(step_key_);
  if (fresh) {
    footprints_.push_back(footprint_);
    remembered_bytes_ += sizeof(Footprint) + footprint_.words.size() * sizeof(isa::Addr);
  }
  return id + 1;
}

bool Machine::commute(std::uint32_t a, std::uint32_t b) const {
  if (a == 0 || b == 0) return false;
  const Footprint& x = footprints_[a - 1];
  const Footprint& y = footprints_[b - 1];
  if (x.ledger && y.ledger) return false;
  for (std::size_t i = 0, j = 0; i < x.words.size() && j < y.words.size();) {
    if (x.words[i] == y.words[j]) return false;
    if (x.words[i] < y.words[j]) ++i;
    else ++j;
  }
  return true;
}

std::uint64_t Machine::memory_bytes() const {
  return step_keys_.bytes() + step_guards_.bytes() + cpu_ids_.bytes() + ledger_ids_.bytes() +
         ledger_events_seen_.bytes() + footprint_ids_.bytes() + remembered_bytes_ +
         cpu_ids_.size() * 256 + ledger_after_.size() * 1024;  // the CPUs and ledgers themselves, roughly
}

}  // namespace explore
