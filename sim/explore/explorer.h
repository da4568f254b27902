// Exhaustive exploration of a Machine's interleavings: breadth-first, each distinct state expanded
// once, so the edge that first reaches a state lies on a shortest path to it (counter-examples);
// the state graph kept for livelock detection (Boost.Graph strongly connected components) and
// Graphviz.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "sim/explore/budget.h"
#include "sim/explore/machine.h"

namespace explore {

struct Bounds {
  std::uint64_t max_states = 20'000'000;
  std::uint64_t max_depth = 1'000'000;
  std::uint64_t max_memory_mb = default_max_memory_mb();  // the process's resident set
  double max_seconds = 1200;
};

// Something wrong with one state (a safety property), found by a Checker.
struct Finding {
  std::string kind;     // "double_execution", "lost_work", ...: one counter-example per kind
  std::string message;  // one line
  bool note = false;    // a window worth showing (with its example), not a violation
};

// What the explorer checks in each state it stores; `terminal`: an execution ends there.
class Checker {
 public:
  virtual ~Checker() = default;
  virtual void check(const Machine& m, const State& s, bool terminal, std::vector<Finding>& out) = 0;
};

struct Edge {
  std::uint32_t from, to;
  Step step;
};
static_assert(sizeof(Edge) == 16, "tens of millions of edges: keep them small");

struct Violation {
  Finding finding;
  std::uint32_t state = 0;         // where it shows (for a livelock: where the cycle is entered)
  std::vector<std::uint32_t> path;  // edge indices from the initial state, shortest
  std::vector<std::uint32_t> cycle; // livelock only: edge indices going round the cycle
  bool faulting_step = false;       // a program error: `fault` is the step, from `state`, that faults
  Step fault;
};

struct Result {
  std::uint64_t states = 0, transitions = 0, terminal_states = 0, depth = 0;
  bool complete = false;      // every reachable state was expanded
  std::string bound;          // which bound stopped it, when not complete
  bool stopped_at_first = false;
  double seconds = 0;  // explore_scenario: with the random walks and the runs a wrong guess ended
  std::uint64_t memory_bytes = 0;  // the process's resident set when the search ended
  std::vector<Violation> violations;
  std::vector<std::uint32_t> terminals;  // terminal state ids, in discovery order
  std::vector<std::string> ends;         // Options::collect_ends: Machine::describe_end() of each, sorted
  // Options::distinct: steps where a violation first showed, and how many of them were replayed
  // (fewer when max_candidates or the time or memory bound cut the list).
  std::uint64_t candidates = 0, candidates_examined = 0;
};

struct Options {
  Bounds bounds;
  bool stop_at_first = false;  // stop at the first violation (its counter-example is still shortest)
  // Expand the newest state first (a stack, as Spin's pan searches): a violation deep in the graph
  // may show after far fewer states, but counter-examples are no longer the shortest.
  bool depth_first = false;
  bool livelock = true;        // look for cycles no execution can leave (needs a complete graph)
  // Take an edge's target from two commuting steps already applied instead of applying it (the
  // graph is the same, see run()); `check_commutations` applies it anyway and throws
  // std::logic_error if the target differs (tests).
  bool commute = true;
  bool check_commutations = false;
  // Keep a description of every terminal state that no reduction changes (Result::ends), to
  // compare a reduced exploration's ends with an unreduced one's.
  bool collect_ends = false;
  // Every distinct counter-example, not one per kind (explore --all): each step into a state where
  // a kind of violation shows that did not show in the state before (the first showing of it on
  // some path) is a candidate, and `distinct` (given the candidate's replayed steps) names what
  // makes it distinct; one counter-example per kind and name, the shortest. At most
  // `max_candidates` are replayed (breadth first, the shortest first).
  std::function<std::string(const std::vector<StepRecord>&)> distinct;
  std::uint64_t max_candidates = 20000;
  // The time and memory bounds, shared with the phases before and around the search (the random
  // walks, the runs a wrong guess ended), so that together they stop at the bound; not owned.
  // nullptr: run() starts one of its own from `bounds`.
  Budget* budget = nullptr;
};

class Explorer {
 public:
  Explorer(Machine& m, Checker& checker, Options opts);
  Result run();

  // After run(): the stored graph.
  const std::vector<Edge>& edges() const { return edges_; }
  // The state reached by following `path` (edge indices) from the initial state, with what each
  // step did: exploration keeps encodings, not states, so a path is replayed.
  std::vector<StepRecord> replay(const std::vector<std::uint32_t>& path, State* end = nullptr);
  // Graphviz of the whole graph (when small) with `highlight` edges in red.
  std::string graphviz(const std::vector<std::uint32_t>& highlight, std::uint64_t max_states = 2000) const;

 private:
  void find_livelock(Result& r);

  Machine& m_;
  Checker& checker_;
  Options opts_;
  State initial_;
  std::vector<Edge> edges_;
  std::vector<std::int64_t> pred_;  // per state: the edge that first reached it (-1: the start)
  std::uint64_t nstates_ = 0;
};

}  // namespace explore
