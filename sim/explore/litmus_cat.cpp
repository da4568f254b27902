// herd7's x86tso.cat, axiomatically (litmus_cat.h): a test's events from its threads' micro-ops,
// every reads-from and coherence order over them, the values computed thread by thread, and the
// model's three axioms checked on each candidate.
#include "sim/explore/litmus_cat.h"

#include <boost/graph/adjacency_list.hpp>
#include <boost/graph/topological_sort.hpp>

#include <algorithm>
#include <chrono>
#include <iterator>
#include <map>
#include <optional>
#include <set>
#include <stdexcept>

#include "models/isa/executor.h"

namespace explore {
namespace {

using isa::Addr;
using isa::Word;

enum class Kind : std::uint8_t { R, W };

// One of herd7's memory events. MFENCEs are not events here: fenced() answers for them.
struct Event {
  Kind kind;
  int thread;
  std::uint32_t pc;     // its instruction: po orders the events of distinct instructions only
  Addr addr;
  bool locked;          // herd7's A set
  int partner = -1;     // the other event of a locked read-modify-write (rmw)
};

// A thread's memory instruction or MFENCE, in program order.
struct Instr {
  std::uint32_t pc;
  isa::Op op;
  Addr addr;
  bool operator<(const Instr& o) const { return pc < o.pc; }  // one function: the pc says the rest
};

// The events of one instruction (-1: none).
struct Slot {
  int r = -1, w = -1;
};

using Graph = boost::adjacency_list<boost::vecS, boost::vecS, boost::directedS>;

bool acyclic(const Graph& g) {
  std::vector<Graph::vertex_descriptor> order;
  try {
    boost::topological_sort(g, std::back_inserter(order));
  } catch (const boost::not_a_dag&) {
    return false;
  }
  return true;
}

struct Stop {};  // a bound was hit

constexpr std::uint64_t kMaxPaths = 65536;  // per thread

class CatModel {
 public:
  CatModel(const Litmus& lit, const Bounds& bounds, Budget* budget)
      : lit_(lit), img_(litmus_image(lit)), memory_(img_.initial_memory()), bounds_(bounds),
        own_(bounds.max_seconds, bounds.max_memory_mb), budget_(budget ? *budget : own_) {
    for (int t = 0; t < lit.threads; ++t) funcs_.push_back(*img_.find_function("P" + std::to_string(t)));
    picks_.resize(lit.threads);
    for (const LitmusAtom& a : lit.observed) places_.push_back(litmus_place(img_, a));
  }

  LitmusOutcome run() {
    start_ = std::chrono::steady_clock::now();
    LitmusOutcome o;
    try {
      for (int t = 0; t < lit_.threads; ++t) paths_.push_back(memory_paths(t, o));
      choose_paths(0, o);
      o.exploration.complete = true;
    } catch (const Stop&) {
      o.exploration.complete = false;
    }
    o.exploration.states = candidates_;
    o.states.assign(finals_.begin(), finals_.end());
    settle_verdict(lit_, o);
    o.exploration.seconds = seconds();
    return o;
  }

 private:
  double seconds() const { return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count(); }

  // Every sequence of memory instructions and MFENCEs thread t can run, each once: one per path
  // through its jumps, paths that differ in register instructions only counted once (they are the
  // same events). The litmus reader writes forward jumps only: from the last instruction back,
  // the sequences from each pc are those of the instructions it can go to.
  std::vector<std::vector<Instr>> memory_paths(int t, LitmusOutcome& o) const {
    const isa::Function& fn = img_.functions[funcs_[t]];
    isa::CpuState cpu;
    isa::start(img_, cpu, funcs_[t], isa::Mode::User);
    std::vector<std::set<std::vector<Instr>>> from(fn.code.size() + 1);
    for (std::uint32_t pc = static_cast<std::uint32_t>(fn.code.size()); pc-- > 0;) {
      const isa::Instruction& in = fn.code[pc];
      const bool jump = in.op == isa::Op::Jmp || in.op == isa::Op::Jz || in.op == isa::Op::Jnz;
      if (jump && in.target <= pc) throw std::logic_error("x86tso.cat model: a backward jump");
      std::set<std::vector<Instr>>& here = from[pc];
      if (in.op == isa::Op::Halt) {
        here = {{}};
      } else if (in.op == isa::Op::Jmp) {
        here = from[in.target];
      } else if (jump) {
        here = from[in.target];
        here.insert(from[pc + 1].begin(), from[pc + 1].end());
      } else if (isa::is_register_op(in.op)) {
        here = from[pc + 1];
      } else if (isa::is_memory_op(in.op) || in.op == isa::Op::Mfence) {
        cpu.top().pc = pc;  // litmus addresses are absolute: no register is read
        const Instr i{pc, in.op, in.op == isa::Op::Mfence ? 0 : isa::access_address(img_, cpu)};
        for (const std::vector<Instr>& rest : from[pc + 1]) {
          std::vector<Instr> seq{i};
          seq.insert(seq.end(), rest.begin(), rest.end());
          here.insert(std::move(seq));
        }
      } else {
        throw std::logic_error(std::string("x86tso.cat model: no events for '") + isa::op_name(in.op) + "'");
      }
      if (here.size() > kMaxPaths) {  // 2^16: a thread of 16 jumps over memory accesses
        o.exploration.bound = "more than " + std::to_string(kMaxPaths) + " paths in P" + std::to_string(t);
        throw Stop{};
      }
    }
    return {from[0].begin(), from[0].end()};
  }

  // Each thread's path, and whether each CMPXCHG on it writes, guessed: the values decide which
  // guesses hold (compute_values), and only the executions that agree with theirs are kept.
  void choose_paths(int t, LitmusOutcome& o) {
    if (t == lit_.threads) {
      build_events();
      choose_rf(0, o);
      return;
    }
    for (std::size_t p = 0; p < paths_[t].size(); ++p) {
      std::vector<std::size_t> cmpxchgs;
      for (std::size_t k = 0; k < paths_[t][p].size(); ++k)
        if (paths_[t][p][k].op == isa::Op::Cmpxchg) cmpxchgs.push_back(k);
      if (cmpxchgs.size() >= 64) {
        o.exploration.bound = "64 CMPXCHGs or more in one thread";
        throw Stop{};
      }
      for (std::uint64_t writes = 0; writes < (std::uint64_t(1) << cmpxchgs.size()); ++writes) {
        picks_[t].path = p;
        picks_[t].succeeding.clear();
        for (std::size_t i = 0; i < cmpxchgs.size(); ++i)
          if (writes >> i & 1) picks_[t].succeeding.insert(cmpxchgs[i]);
        choose_paths(t + 1, o);
      }
    }
  }

  const std::vector<Instr>& instrs(int t) const { return paths_[t][picks_[t].path]; }

  void build_events() {
    events_.clear();
    slots_.assign(lit_.threads, {});
    reads_.clear();
    writes_at_.clear();
    co_.clear();
    for (int t = 0; t < lit_.threads; ++t) {
      for (std::size_t k = 0; k < instrs(t).size(); ++k) {
        const Instr& i = instrs(t)[k];
        Slot s;
        const bool locked = isa::is_locked_op(i.op);
        auto add = [&](Kind kind) {
          events_.push_back({kind, t, i.pc, i.addr, locked});
          return static_cast<int>(events_.size() - 1);
        };
        if (isa::reads_memory(i.op)) s.r = add(Kind::R);
        const bool writes = isa::writes_memory(i.op) && (i.op != isa::Op::Cmpxchg || picks_[t].succeeding.count(k));
        if (writes) s.w = add(Kind::W);
        if (s.r >= 0 && s.w >= 0) {
          events_[s.r].partner = s.w;
          events_[s.w].partner = s.r;
        }
        if (s.r >= 0) reads_.push_back(s.r);
        if (s.w >= 0) writes_at_[i.addr].push_back(s.w);
        slots_[t].push_back(s);
      }
    }
    for (const auto& [addr, ws] : writes_at_) co_.push_back(ws);
    rf_.assign(events_.size(), -1);
    rank_.assign(events_.size(), -1);
  }

  // Each read takes the initial value (-1) or any write to its location but its own instruction's:
  // the read of a locked instruction comes before its write.
  void choose_rf(std::size_t i, LitmusOutcome& o) {
    if (i == reads_.size()) {
      // Every leaf: with many threads one candidate's values and axioms take long.
      if (budget_.exhausted()) {
        o.exploration.bound = budget_.bound();
        throw Stop{};
      }
      if (compute_values()) choose_co(0, o);
      return;
    }
    const int r = reads_[i];
    rf_[r] = -1;
    choose_rf(i + 1, o);
    auto at = writes_at_.find(events_[r].addr);
    if (at == writes_at_.end()) return;
    for (int w : at->second) {
      if (w == events_[r].partner) continue;
      rf_[r] = w;
      choose_rf(i + 1, o);
    }
  }

  // Every coherence order: per location, every permutation of its writes after the initial one.
  void choose_co(std::size_t i, LitmusOutcome& o) {
    if (i == co_.size()) {
      check(o);
      return;
    }
    std::vector<int>& ws = co_[i];  // sorted: next_permutation ends where it began
    do {
      for (std::size_t k = 0; k < ws.size(); ++k) rank_[ws[k]] = static_cast<int>(k);
      choose_co(i + 1, o);
    } while (std::next_permutation(ws.begin(), ws.end()));
  }

  // Runs every thread, a read taking its write's value; false when some read's write never gets a
  // value (a cycle of reads waiting on writes), or a thread's path or a CMPXCHG's outcome is not
  // the one guessed.
  // XCHG writes its register whatever it reads, so its write has a value before its read does.
  bool compute_values() {
    values_.assign(events_.size(), std::nullopt);
    std::vector<isa::CpuState> cpus(lit_.threads);
    std::vector<std::vector<Word>> mem(lit_.threads, memory_);
    std::vector<std::size_t> next(lit_.threads, 0);
    for (int t = 0; t < lit_.threads; ++t) {
      cpus[t].id = static_cast<std::uint32_t>(t);
      isa::start(img_, cpus[t], funcs_[t], isa::Mode::User);
    }
    for (bool progress = true; progress;) {
      progress = false;
      for (int t = 0; t < lit_.threads; ++t) {
        isa::CpuState& cpu = cpus[t];
        while (!cpu.halted) {
          const isa::Instruction& in = isa::current(img_, cpu);
          if (isa::is_register_op(in.op) || in.op == isa::Op::Halt) {
            isa::execute(img_, cpu, mem[t], 0);
            progress = true;
            continue;
          }
          if (next[t] >= instrs(t).size() || instrs(t)[next[t]].pc != cpu.top().pc) return false;
          const Slot s = slots_[t][next[t]];
          const Addr addr = instrs(t)[next[t]].addr;
          if (in.op == isa::Op::Xchg && !values_[s.w]) {
            values_[s.w] = isa::eval(cpu, in.src0);
            progress = true;
          }
          if (s.r >= 0) {
            const std::optional<Word> v = rf_[s.r] < 0 ? std::optional<Word>(memory_[addr]) : values_[rf_[s.r]];
            if (!v) break;
            mem[t][addr] = *v;
            values_[s.r] = *v;
          }
          const isa::Effect e = isa::execute(img_, cpu, mem[t], 0);
          if (in.op == isa::Op::Store) {
            isa::drain_one(cpu, mem[t]);
            values_[s.w] = e.written;
          } else if (isa::is_locked_op(in.op)) {
            if (e.wrote != (s.w >= 0)) return false;
            if (s.w >= 0) values_[s.w] = e.written;
          }
          ++next[t];
          progress = true;
        }
      }
    }
    for (int t = 0; t < lit_.threads; ++t)
      if (!cpus[t].halted || next[t] != instrs(t).size()) return false;
    regs_.assign(places_.size(), 0);
    for (std::size_t i = 0; i < places_.size(); ++i)
      if (places_[i].cpu >= 0) regs_[i] = cpus[places_[i].cpu].reg(places_[i].reg);
    return true;
  }

  // An MFENCE of thread t strictly between the two instructions.
  bool fenced(int t, std::uint32_t from, std::uint32_t to) const {
    for (const Instr& i : instrs(t))
      if (i.op == isa::Op::Mfence && i.pc > from && i.pc < to) return true;
    return false;
  }

  // rf, fr and co edges (co and fr to the next write only: the rest follow by transitivity).
  void add_com(Graph& g, bool external_rf_only) const {
    for (int r : reads_) {
      const int src = rf_[r];
      if (src >= 0 && (!external_rf_only || events_[src].thread != events_[r].thread))
        boost::add_edge(src, r, g);
      const std::vector<int>* co = coherence(events_[r].addr);
      const std::size_t next = src < 0 ? 0 : rank_[src] + 1;
      if (co && next < co->size()) boost::add_edge(r, (*co)[next], g);
    }
    for (const std::vector<int>& ws : co_)
      for (std::size_t k = 0; k + 1 < ws.size(); ++k) boost::add_edge(ws[k], ws[k + 1], g);
  }

  // The writes to addr in coherence order, or null when there are none.
  const std::vector<int>* coherence(Addr addr) const {
    auto it = writes_at_.find(addr);
    if (it == writes_at_.end()) return nullptr;
    return &co_[std::distance(writes_at_.begin(), it)];
  }

  bool uniproc() const {
    Graph g(events_.size());
    for (std::size_t a = 0; a < events_.size(); ++a)
      for (std::size_t b = 0; b < events_.size(); ++b)
        if (events_[a].thread == events_[b].thread && events_[a].pc < events_[b].pc && events_[a].addr == events_[b].addr)
          boost::add_edge(a, b, g);
    add_com(g, false);
    return acyclic(g);
  }

  // empty rmw & (fre; coe): no other thread's write comes between a locked read's write and its own.
  bool atomic() const {
    for (int r : reads_) {
      const int w = events_[r].partner;
      if (w < 0) continue;
      const int from = rf_[r] < 0 ? -1 : rank_[rf_[r]];
      for (int x : *coherence(events_[r].addr))
        if (events_[x].thread != events_[r].thread && rank_[x] > from && rank_[x] < rank_[w]) return false;
    }
    return true;
  }

  bool tso() const {
    Graph g(events_.size());
    for (std::size_t a = 0; a < events_.size(); ++a)
      for (std::size_t b = 0; b < events_.size(); ++b) {
        const Event& x = events_[a];
        const Event& y = events_[b];
        if (x.thread != y.thread || x.pc >= y.pc) continue;
        // WW(po) | RM(po) | implied (a locked write before a read, or a write before a locked read) | mfence
        if (x.kind == Kind::R || y.kind == Kind::W || x.locked || y.locked || fenced(x.thread, x.pc, y.pc))
          boost::add_edge(a, b, g);
      }
    add_com(g, true);
    return acyclic(g);
  }

  void check(LitmusOutcome& o) {
    if (++candidates_ > bounds_.max_states) {
      o.exploration.bound = "state bound (" + std::to_string(bounds_.max_states) + " candidate executions) reached";
      throw Stop{};
    }
    if (budget_.exhausted()) {
      o.exploration.bound = budget_.bound();
      throw Stop{};
    }
    if (!uniproc() || !atomic() || !tso()) return;
    std::vector<Word> v(places_.size());
    for (std::size_t i = 0; i < places_.size(); ++i) {
      const LitmusPlace& p = places_[i];
      if (p.cpu >= 0) {
        v[i] = regs_[i];
        continue;
      }
      const std::vector<int>* co = coherence(p.addr);  // its last write, or the initial value
      v[i] = co ? *values_[co->back()] : memory_[p.addr];
    }
    const bool holds = lit_.holds([&](const LitmusAtom& a) { return observed_value(lit_, v, a); });
    ++(holds ? o.positive : o.negative);
    finals_.insert(std::move(v));
  }

  const Litmus& lit_;
  const isa::Image img_;
  const std::vector<Word> memory_;
  const Bounds bounds_;
  Budget own_;  // when the caller shares none
  Budget& budget_;
  std::chrono::steady_clock::time_point start_;
  std::vector<std::uint32_t> funcs_;
  std::vector<std::vector<std::vector<Instr>>> paths_;  // per thread: memory_paths
  struct Pick {
    std::size_t path = 0;
    std::set<std::size_t> succeeding;  // its CMPXCHGs (indices in the path) guessed to write
  };
  std::vector<Pick> picks_;  // per thread, the candidate's
  std::vector<LitmusPlace> places_;

  // The candidate being built.
  std::vector<Event> events_;
  std::vector<std::vector<Slot>> slots_;  // per thread, per Instr
  std::vector<int> reads_;
  std::map<Addr, std::vector<int>> writes_at_;  // in event order
  std::vector<std::vector<int>> co_;       // writes_at_'s, each location's in coherence order
  std::vector<int> rf_;                    // per read: its write, -1 the initial value
  std::vector<int> rank_;                  // per write: its place in its location's order
  std::vector<std::optional<Word>> values_;
  std::vector<Word> regs_;                 // observed registers' final values (by places_)

  std::uint64_t candidates_ = 0;
  std::set<std::vector<Word>> finals_;
};

}  // namespace

LitmusOutcome run_litmus_cat(const Litmus& lit, const Bounds& bounds, Budget* budget) {
  return CatModel(lit, bounds, budget).run();
}

}  // namespace explore
