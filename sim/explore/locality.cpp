#include "sim/explore/locality.h"

#include <algorithm>
#include <deque>
#include <iterator>
#include <random>
#include <unordered_map>

namespace explore {

namespace {

// When an access could have happened in a random execution: after its CPU's previous step (for
// a drain, after the step that buffered the store), up to the step that did it. A drain could
// also have come later, up to its CPU's next drain or fence: until then it stays open.
struct Window {
  std::int64_t after, at;
  std::uint32_t cpu;
  const Access* access;  // into the walk's log
};

// An instruction that accessed a word, on one CPU.
struct Accessor {
  std::uint32_t cpu, func, pc;
  bool locked;
  bool operator==(const Accessor& o) const { return cpu == o.cpu && func == o.func && pc == o.pc; }
};

// A word's accessors over all walks, each once, and which came before which.
struct WordAccessors {
  std::vector<Accessor> all;
  std::vector<std::vector<char>> before;  // [i][j]: an access by i came before one by j in a walk
};

// An accessor's first and last access to a word in one walk.
struct Met {
  std::size_t accessor;
  std::int64_t first, last;
};

// A word in one walk: its accesses' windows, and who accessed it when.
struct WalkWord {
  std::vector<Window> windows;
  std::vector<Met> met;
};

}  // namespace

Locality guess_locality(const isa::Image& img, const MachineConfig& cfg, int walks, int quiet_walks, Budget* budget) {
  MachineConfig plain = cfg;
  plain.interrupt_free.assign(cfg.tasks.size(), false);
  plain.owner.clear();
  plain.race_free.clear();
  plain.deferral_targets.clear();
  // A walk seldom repeats a step (remembering them made the walks slower), and on a workload
  // that never ends the ledger grows with every request: remembering every version of it took
  // throughput.json's walks to 2 GB and 33 s, against 40 MB and 9 s.
  plain.memo_steps = false;
  plain.remember_ledgers = false;
  Machine m(img, plain);
  const std::size_t n = cfg.tasks.size();
  std::vector<bool> reached(n, false), posted_to(n, false);
  for (std::size_t c = 0; c < n && c < cfg.nmis.size(); ++c) reached[c] = cfg.nmis[c] != 0;  // an NMI source
  std::vector<std::int32_t> touched_by(cfg.memory.size(), -1);  // -2: several CPUs
  std::vector<std::vector<char>> seen(img.functions.size()), racing(img.functions.size());
  for (std::size_t f = 0; f < img.functions.size(); ++f) {
    seen[f].assign(img.functions[f].code.size(), 0);
    racing[f].assign(img.functions[f].code.size(), 0);
  }
  std::vector<WordAccessors> accessors(cfg.memory.size());
  std::mt19937_64 rng(0x150151);  // fixed: the guess, and so the state count, never varies
  std::vector<Step> steps;
  std::deque<Access> log;  // this walk's accesses (a deque: windows point into it)
  std::vector<Access> step_log;
  m.log_accesses(&step_log);
  // Everything above only ever moves one way, so the guesses changed in a walk if these counts did.
  auto signature = [&] {
    std::vector<std::size_t> sig(6, 0);
    for (bool r : reached) sig[0] += r;
    for (bool p : posted_to) sig[5] += p;
    for (std::int32_t by : touched_by) sig[1] += by != -1, sig[2] += by == -2;
    for (std::size_t f = 0; f < seen.size(); ++f)
      for (std::size_t pc = 0; pc < seen[f].size(); ++pc) sig[3] += seen[f][pc], sig[4] += racing[f][pc];
    return sig;
  };
  std::vector<std::size_t> last = signature();
  int quiet = 0, walks_done = 0;
  bool out_of_budget = false;
  for (int w = 0; w < walks && quiet < quiet_walks && !out_of_budget; ++w) {
    if (budget && budget->exhausted()) break;
    State s = m.initial();
    log.clear();
    std::unordered_map<isa::Addr, WalkWord> words;
    std::vector<std::int64_t> last_step(n, -1);
    std::vector<std::deque<std::int64_t>> buffered(n);  // per CPU: `after` of each buffered store
    std::vector<std::vector<const Access*>> open(n);     // per CPU: drains its next drain or fence closes
    // Every other walk runs the CPUs at random speeds, 1 to 32 to one: a slow CPU's accesses
    // have wide windows, which catch races that need one CPU to stall (in pz2021, a sender's
    // atomic_or of ct.work landing just before the target's atomic_andnot of it).
    std::vector<std::uint64_t> weight(n, 1);
    if (w % 2) for (std::uint64_t& x : weight) x = std::uint64_t(1) << (rng() % 6);
    for (std::int64_t t = 0; t < 100000; ++t) {
      // Every step: a poll is a clock read, a step some microseconds. The walk cut short still
      // counts, as a shorter one.
      if (t > 0 && budget && budget->exhausted()) {
        out_of_budget = true;
        break;
      }
      m.enabled(s, steps);
      if (steps.empty()) break;
      std::uint64_t total = 0;
      for (const Step& e : steps) total += weight[e.cpu];
      std::uint64_t pick = rng() % total;
      std::size_t k = 0;
      while (pick >= weight[steps[k].cpu]) pick -= weight[steps[k++].cpu];
      const Step step = steps[k];
      step_log.clear();
      try {
        State t = m.apply(s, step);
        // IPIs sent: what is in flight now and was not (taking one only removes)
        std::vector<Ipi> sent;
        std::set_difference(t.in_flight.begin(), t.in_flight.end(), s.in_flight.begin(), s.in_flight.end(),
                            std::back_inserter(sent));
        for (const Ipi& i : sent) reached[i.to] = true;
        for (std::size_t c = 0; c < n; ++c) reached[c] = reached[c] || t.apics[c].tsc_deadline != 0;  // a timer armed
        s = std::move(t);
      } catch (const isa::Fault&) {
        break;  // the exploration reports it
      }
      const std::uint32_t c = step.cpu;
      for (const Access& a : step_log) {
        if (a.fence) {
          open[c].clear();
          continue;
        }
        log.push_back(a);
        WalkWord& word = words[a.addr];
        if (!a.drain) {
          const Accessor who{c, a.func, a.pc, isa::is_locked_op(img.functions[a.func].code[a.pc].op)};
          std::vector<Accessor>& all = accessors[a.addr].all;
          const std::size_t i = static_cast<std::size_t>(std::find(all.begin(), all.end(), who) - all.begin());
          if (i == all.size()) all.push_back(who);
          auto it = std::find_if(word.met.begin(), word.met.end(), [&](const Met& x) { return x.accessor == i; });
          if (it == word.met.end()) word.met.push_back({i, t, t});
          else it->last = t;
        }
        std::int32_t& by = touched_by[a.addr];
        by = by == -1 || by == static_cast<std::int32_t>(c) ? static_cast<std::int32_t>(c) : -2;
        std::int64_t after = last_step[c];
        if (a.drain) {
          if (!buffered[c].empty()) {
            after = buffered[c].front();
            buffered[c].pop_front();
          }
        } else {
          seen[a.func][a.pc] = 1;
          if (cfg.tso && img.functions[a.func].code[a.pc].op == isa::Op::Store) buffered[c].push_back(after);
        }
        std::vector<Window>& on = word.windows;
        // Windows end in order: only the last few can reach back past `after`.
        for (auto it = on.rbegin(); it != on.rend() && it->at > after; ++it) {
          if (it->cpu == c) continue;
          racing[a.func][a.pc] = 1;
          racing[it->access->func][it->access->pc] = 1;
        }
        for (std::size_t d = 0; d < n; ++d)  // drains that could still have been waiting
          if (d != c)
            for (const Access* o : open[d])
              if (o->addr == a.addr) {
                racing[a.func][a.pc] = 1;
                racing[o->func][o->pc] = 1;
              }
        on.push_back({after, t, c, &log.back()});
        if (a.drain) {
          open[c].clear();  // stores drain in order
          open[c].push_back(&log.back());
        }
      }
      if (step.kind != StepKind::Drain) last_step[c] = t;
    }
    for (const auto& [addr, word] : words) {
      const std::vector<Met>& here = word.met;
      WordAccessors& w = accessors[addr];
      w.before.resize(w.all.size());
      for (std::vector<char>& row : w.before) row.resize(w.all.size(), 0);
      for (const Met& x : here)
        for (const Met& y : here)
          if (w.all[x.accessor].cpu != w.all[y.accessor].cpu && x.first < y.last) w.before[x.accessor][y.accessor] = 1;
    }
    const std::vector<bool> targets = s.ledger.ledger->posted_to();
    for (std::size_t c = 0; c < n; ++c) posted_to[c] = posted_to[c] || targets[c];
    ++walks_done;
    std::vector<std::size_t> now = signature();
    quiet = now == last ? quiet + 1 : 0;
    last = std::move(now);
  }
  m.log_accesses(nullptr);
  // Two CPUs' accesses to a word, one of them LOCKed, seen in both orders: nothing orders them,
  // and the LOCKed one is there because they meet. They race, whether or not a walk overlapped
  // their windows (pz2021's target clearing ct->work as a sender sets it: walks rarely line the
  // two up; a sender's llist_add() and the target's llist_del_all() come in one order only, the
  // IPI between them, and stay race-free).
  for (const WordAccessors& w : accessors)
    for (std::size_t i = 0; i < w.before.size(); ++i)
      for (std::size_t j = 0; j < w.before.size(); ++j) {
        const Accessor& x = w.all[i];
        const Accessor& y = w.all[j];
        if ((x.locked || y.locked) && w.before[i][j] && w.before[j][i]) racing[x.func][x.pc] = racing[y.func][y.pc] = 1;
      }
  Locality l;
  l.walks = walks_done;
  l.deferral_targets = posted_to;
  l.interrupt_free.resize(n);
  for (std::size_t c = 0; c < n; ++c) l.interrupt_free[c] = !reached[c];
  l.owner = std::move(touched_by);
  for (std::int32_t& o : l.owner) o = std::max(o, -1);
  l.race_free.resize(img.functions.size());
  for (std::size_t f = 0; f < img.functions.size(); ++f) {
    l.race_free[f].resize(seen[f].size());
    for (std::size_t pc = 0; pc < seen[f].size(); ++pc) l.race_free[f][pc] = seen[f][pc] && !racing[f][pc];
  }
  return l;
}

}  // namespace explore
