#include "explorer.h"

#include <boost/graph/adjacency_list.hpp>
#include <boost/graph/compressed_sparse_row_graph.hpp>
#include <boost/graph/graphviz.hpp>
#include <boost/graph/strong_components.hpp>

#include <algorithm>
#include <chrono>
#include <deque>
#include <map>
#include <set>
#include <sstream>
#include <stdexcept>

#include "sim/explore/state_index.h"

namespace explore {

namespace {

// Graphviz output of small graphs.
using Graph = boost::adjacency_list<boost::vecS, boost::vecS, boost::bidirectionalS, boost::no_property,
                                    boost::property<boost::edge_index_t, std::uint32_t>>;
using Vertex = boost::graph_traits<Graph>::vertex_descriptor;
using GEdge = boost::graph_traits<Graph>::edge_descriptor;

// The whole state graph for livelock analysis: millions of edges, so compressed sparse rows (two
// words per edge each way) rather than an adjacency list (a node per edge).
using Csr = boost::compressed_sparse_row_graph<boost::bidirectionalS, boost::no_property, boost::no_property,
                                               boost::no_property, std::uint32_t, std::uint32_t>;
using CsrVertex = boost::graph_traits<Csr>::vertex_descriptor;

Csr make_csr(const std::vector<Edge>& edges, std::uint64_t nstates) {
  std::vector<std::pair<std::uint32_t, std::uint32_t>> pairs;
  pairs.reserve(edges.size());
  for (const Edge& e : edges) pairs.emplace_back(e.from, e.to);
  return Csr(boost::edges_are_unsorted_multi_pass, pairs.begin(), pairs.end(), static_cast<std::uint32_t>(nstates));
}

std::vector<std::uint32_t> path_to(const std::vector<std::int64_t>& pred, const std::vector<Edge>& edges,
                                   std::uint32_t target) {
  std::vector<std::uint32_t> path;
  for (std::uint32_t v = target; v != 0 && pred[v] >= 0; v = edges[pred[v]].from)
    path.push_back(static_cast<std::uint32_t>(pred[v]));
  return {path.rbegin(), path.rend()};
}

}  // namespace

Explorer::Explorer(Machine& m, Checker& checker, Options opts) : m_(m), checker_(checker), opts_(opts) {}

Result Explorer::run() {
  const auto t0 = std::chrono::steady_clock::now();
  auto elapsed = [&] { return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(); };
  Budget own(opts_.bounds.max_seconds, opts_.bounds.max_memory_mb);
  Budget& budget = opts_.budget ? *opts_.budget : own;
  Result r;
  edges_.clear();
  StateIndex index;
  std::map<std::string, Violation> first;  // by kind: where it first showed
  bool violated = false;                   // some finding is not a note
  std::deque<std::pair<std::uint32_t, State>> frontier;
  std::vector<std::uint32_t> depth;
  pred_.assign(1, -1);  // the edge that first reached each state: breadth first, a shortest path
  std::vector<Finding> found;
  std::vector<Step> steps;

  // Options::distinct: per state, the kinds of violation that show there (one bit each), and the
  // edges into a state showing a kind its source does not.
  const bool all = static_cast<bool>(opts_.distinct);
  std::vector<std::uint64_t> kinds_of;
  std::map<std::string, int> kind_bit;
  std::uint64_t note_bits = 0;
  std::vector<std::uint32_t> candidates;
  auto bit_of = [&](const Finding& f) -> std::uint64_t {
    auto [it, fresh] = kind_bit.try_emplace(f.kind, static_cast<int>(kind_bit.size()));
    if (it->second >= 64) return 0;  // more kinds than bits: the rest keep one counter-example
    const std::uint64_t b = std::uint64_t(1) << it->second;
    if (fresh && f.note) note_bits |= b;
    return b;
  };
  auto fresh_kinds = [&](std::uint64_t e) {  // the violations edge e's target shows and its source does not
    return kinds_of[edges_[e].to] & ~kinds_of[edges_[e].from] & ~note_bits;
  };
  auto consider = [&](std::uint64_t e) {
    if (!all || !fresh_kinds(e)) return;
    ++r.candidates;
    if (candidates.size() < opts_.max_candidates) candidates.push_back(static_cast<std::uint32_t>(e));
  };

  auto discover = [&](const State& s, std::uint32_t id) {
    found.clear();
    const bool terminal = m_.terminal(s);
    checker_.check(m_, s, terminal, found);
    if (all) {
      std::uint64_t mask = 0;
      for (const Finding& f : found) mask |= bit_of(f);
      kinds_of.push_back(mask);
    }
    for (const Finding& f : found) {
      violated |= !f.note;
      Violation v;
      v.finding = f;
      v.state = id;
      first.try_emplace(f.kind, std::move(v));
    }
  };

  // Commuting steps. If state u was first reached from s by step a, and b (another CPU's Exec or
  // Drain) was applied in s too, with a footprint disjoint from a's and neither opaque, then b
  // does in u what it did in s, a does in s.b what it did in s, and u.b = s.b.a: once s.b is
  // expanded, the edge u -b-> is the edge s.b -a->'s target, with nothing applied, encoded or
  // looked up. Such an edge never reaches a new state, so states, edges and their order are
  // those of the plain search. Per state: its edges, once expanded; per edge: its footprint.
  constexpr std::uint64_t kUnexpanded = ~std::uint64_t(0);
  std::vector<std::uint64_t> out_begin(1, kUnexpanded);
  std::vector<std::uint32_t> out_count(1, 0);
  std::vector<std::uint32_t> edge_footprint;  // Machine::footprint(); 0 for a self-loop (not run)
  auto edge_of = [&](std::uint32_t state, const Step& step) -> std::int64_t {
    if (out_begin[state] == kUnexpanded) return -1;
    for (std::uint64_t e = out_begin[state], end = e + out_count[state]; e < end; ++e)
      if (edges_[e].step == step) return static_cast<std::int64_t>(e);
    return -1;
  };
  // u -b->, from commuting steps: the edge s -b-> (its footprint is b's in u too) and the
  // target; {-1, -1} when the steps are not known to commute.
  struct Commuted {
    std::int64_t sb = -1, to = -1;
  };
  auto commuted = [&](std::uint32_t u, const Step& b) -> Commuted {
    if (!opts_.commute || u == 0 || b.kind == StepKind::Interrupt || b.kind == StepKind::Timer) return {};
    const auto in = static_cast<std::uint64_t>(pred_[u]);
    const Edge& sa = edges_[in];
    if (sa.step.cpu == b.cpu || edge_footprint[in] == 0) return {};
    const std::int64_t sb = edge_of(sa.from, b);
    if (sb < 0 || !m_.commute(edge_footprint[in], edge_footprint[sb])) return {};
    const std::int64_t sba = edge_of(edges_[sb].to, sa.step);
    if (sba < 0) return {};
    return {sb, edges_[sba].to};
  };
  // Options::check_commutations: `step` applied in `s` after all reaches `to`, touching what it
  // touched in the state it commuted from.
  auto check_commutation = [&](const State& s, const Step& step, const Commuted& c, StateIndex& index) {
    std::string enc;
    m_.encode(m_.apply(s, step), enc);
    const auto [id, fresh] = index.insert(enc);
    const bool same_footprint = m_.footprint() == edge_footprint[c.sb];
    if (fresh || id != c.to || !same_footprint)
      throw std::logic_error("explore: cpu" + std::to_string(step.cpu) + " " + step_kind_name(step.kind) +
                             " was taken to commute with the step before it, but " +
                             (same_footprint ? "reaches state " + (fresh ? std::string("(new)") : std::to_string(id)) +
                                                   ", not " + std::to_string(c.to)
                                             : std::string("touches other words")));
  };

  std::string enc;
  initial_ = m_.initial();
  m_.encode(initial_, enc);
  index.insert(enc);
  nstates_ = 1;
  depth.push_back(0);
  discover(initial_, 0);
  frontier.emplace_back(0, initial_);

  while (!frontier.empty()) {
    if (opts_.stop_at_first && violated) {
      r.stopped_at_first = true;
      break;
    }
    auto& next = opts_.depth_first ? frontier.back() : frontier.front();
    const std::uint32_t id = next.first;
    const State s = std::move(next.second);
    if (opts_.depth_first) frontier.pop_back();
    else frontier.pop_front();
    m_.enabled(s, steps);
    if (steps.empty()) {
      ++r.terminal_states;
      r.terminals.push_back(id);
      if (opts_.collect_ends) r.ends.push_back(m_.describe_end(s));
    }
    const std::uint64_t begin = edges_.size();
    for (const Step& step : steps) {
      if (m_.known_self_loop(s, step)) {
        edges_.push_back({id, id, step});
        edge_footprint.push_back(0);
        continue;
      }
      if (const Commuted c = commuted(id, step); c.to >= 0) {
        if (opts_.check_commutations) check_commutation(s, step, c, index);
        edges_.push_back({id, static_cast<std::uint32_t>(c.to), step});
        edge_footprint.push_back(edge_footprint[c.sb]);
        consider(edges_.size() - 1);
        continue;
      }
      State t;
      try {
        t = m_.apply(s, step);
      } catch (const isa::Fault& f) {  // a program error on this interleaving: a counter-example too
        Violation v;
        v.finding = {"fault", f.what()};
        v.state = id;
        v.faulting_step = true;
        v.fault = step;
        first.try_emplace("fault", std::move(v));
        violated = true;
        continue;
      }
      enc.clear();
      m_.encode(t, enc);
      const auto [to, inserted] = index.insert(enc);
      edges_.push_back({id, to, step});
      edge_footprint.push_back(m_.footprint());
      if (!inserted) {
        consider(edges_.size() - 1);
        continue;
      }
      ++nstates_;
      out_begin.push_back(kUnexpanded);
      out_count.push_back(0);
      pred_.push_back(static_cast<std::int64_t>(edges_.size() - 1));
      depth.push_back(depth[id] + 1);
      r.depth = std::max<std::uint64_t>(r.depth, depth.back());
      discover(t, to);
      consider(edges_.size() - 1);
      if (depth.back() < opts_.bounds.max_depth) frontier.emplace_back(to, std::move(t));
      else r.bound = "depth bound (" + std::to_string(opts_.bounds.max_depth) + " steps) reached";
    }
    out_begin[id] = begin;
    out_count[id] = static_cast<std::uint32_t>(edges_.size() - begin);
    if (nstates_ >= opts_.bounds.max_states) {
      r.bound = "state bound (" + std::to_string(opts_.bounds.max_states) + " states) reached";
      break;
    }
    // Every state, however few: a poll is a clock read, a small part of one expansion (tens of
    // microseconds with 64 CPUs). Memory is the process's resident set, not an estimate.
    if (budget.exhausted()) {
      r.bound = budget.bound();
      break;
    }
  }
  std::sort(r.ends.begin(), r.ends.end());
  r.memory_bytes = resident_bytes();
  r.complete = frontier.empty() && r.bound.empty() && !r.stopped_at_first;
  r.states = nstates_;
  r.transitions = edges_.size();

  for (auto& [kind, v] : first) {
    v.path = path_to(pred_, edges_, v.state);
    // with Options::distinct, a violation's counter-examples come from the candidates below
    if (!all || v.finding.note || v.faulting_step || !kind_bit.count(kind) || kind_bit[kind] >= 64)
      r.violations.push_back(std::move(v));
  }
  if (all) {
    // Breadth first: a candidate's path is no longer than a later one's, so the first of each
    // distinct kind and name is its shortest counter-example.
    std::set<std::pair<std::string, std::string>> seen;
    for (std::uint32_t e : candidates) {
      if (budget.exhausted()) break;
      ++r.candidates_examined;
      std::vector<std::uint32_t> path = path_to(pred_, edges_, edges_[e].from);
      path.push_back(e);
      State end;
      const std::vector<StepRecord> steps = replay(path, &end);
      const std::string name = opts_.distinct(steps);
      found.clear();
      checker_.check(m_, end, m_.terminal(end), found);
      const std::uint64_t fresh = fresh_kinds(e);
      for (const Finding& f : found) {
        const auto b = kind_bit.find(f.kind);
        if (b == kind_bit.end() || b->second >= 64 || !(fresh >> b->second & 1)) continue;
        if (!seen.insert({f.kind, name}).second) continue;
        Violation v;
        v.finding = f;
        v.state = edges_[e].to;
        v.path = path;
        r.violations.push_back(std::move(v));
      }
    }
  }
  if (r.complete && opts_.livelock) find_livelock(r);
  // Shortest first, then by kind: the order a reader wants, and a deterministic one.
  std::stable_sort(r.violations.begin(), r.violations.end(), [](const Violation& a, const Violation& b) {
    return a.path.size() != b.path.size() ? a.path.size() < b.path.size() : a.finding.kind < b.finding.kind;
  });
  r.seconds = elapsed();
  return r;
}

// A livelock is a set of states that no execution can leave and that holds no end: some CPU
// spins for ever (a csd lock nobody will release, a cmpxchg that can never succeed). Such a set
// is a bottom strongly connected component with a cycle; every state that cannot reach a
// terminal state leads into one.
void Explorer::find_livelock(Result& r) {
  const Csr g = make_csr(edges_, nstates_);
  const std::size_t n = boost::num_vertices(g);
  // States from which some execution ends: backwards from the terminal states.
  std::vector<bool> ends(n, false);
  std::deque<std::uint32_t> back(r.terminals.begin(), r.terminals.end());
  for (std::uint32_t t : r.terminals) ends[t] = true;
  while (!back.empty()) {
    const CsrVertex v = back.front();
    back.pop_front();
    for (const auto& e : boost::make_iterator_range(boost::in_edges(v, g))) {
      const CsrVertex u = boost::source(e, g);
      if (!ends[u]) {
        ends[u] = true;
        back.push_back(static_cast<std::uint32_t>(u));
      }
    }
  }
  std::vector<std::uint32_t> comp(n);
  boost::strong_components(g, boost::make_iterator_property_map(comp.begin(), boost::get(boost::vertex_index, g)));
  std::vector<std::uint32_t> size(n, 0);
  std::vector<bool> self_loop(n, false);
  for (std::size_t v = 0; v < n; ++v) ++size[comp[v]];
  for (const Edge& e : edges_)
    if (e.from == e.to) self_loop[e.from] = true;
  // The doomed state with a cycle through it that is closest to the start.
  const std::vector<std::int64_t>& pred = pred_;
  std::int64_t best = -1;
  std::size_t best_len = 0;
  for (std::size_t v = 0; v < n; ++v) {
    if (ends[v]) continue;
    if (size[comp[v]] < 2 && !self_loop[v]) continue;
    if (v != 0 && pred[v] < 0) continue;
    const std::size_t len = path_to(pred, edges_, static_cast<std::uint32_t>(v)).size();
    if (best < 0 || len < best_len) {
      best = static_cast<std::int64_t>(v);
      best_len = len;
    }
  }
  if (best < 0) return;
  Violation v;
  v.state = static_cast<std::uint32_t>(best);
  v.path = path_to(pred, edges_, v.state);
  // The shortest way round: breadth-first inside the component, back to the entry state.
  std::vector<std::vector<std::uint32_t>> out(n);
  for (std::uint32_t i = 0; i < edges_.size(); ++i)
    if (comp[edges_[i].from] == comp[v.state] && comp[edges_[i].to] == comp[v.state]) out[edges_[i].from].push_back(i);
  std::vector<std::int64_t> via(n, -1);
  std::deque<std::uint32_t> bq{v.state};
  bool closed = false;
  while (!bq.empty() && !closed) {
    const std::uint32_t u = bq.front();
    bq.pop_front();
    for (std::uint32_t ei : out[u]) {
      const std::uint32_t w = edges_[ei].to;
      if (w == v.state) {
        via[w] = ei;
        closed = true;
        break;
      }
      if (via[w] >= 0) continue;
      via[w] = ei;
      bq.push_back(w);
    }
  }
  for (std::uint32_t w = v.state;;) {
    const std::uint32_t ei = static_cast<std::uint32_t>(via[w]);
    v.cycle.push_back(ei);
    w = edges_[ei].from;
    if (w == v.state) break;
  }
  std::reverse(v.cycle.begin(), v.cycle.end());
  std::uint64_t doomed = 0;
  for (std::size_t u = 0; u < n; ++u) doomed += !ends[u];
  v.finding = {"livelock", std::to_string(doomed) + " reachable states can never reach the end of an execution; "
                               "the shortest way into them ends in a cycle of " +
                               std::to_string(v.cycle.size()) + " steps that no step leaves"};
  r.violations.push_back(std::move(v));
}

std::vector<StepRecord> Explorer::replay(const std::vector<std::uint32_t>& path, State* end) {
  std::vector<StepRecord> out;
  State s = m_.initial();
  for (std::uint32_t ei : path) {
    out.emplace_back();
    s = m_.apply(s, edges_.at(ei).step, &out.back());
  }
  if (end) *end = std::move(s);
  return out;
}

std::string Explorer::graphviz(const std::vector<std::uint32_t>& highlight, std::uint64_t max_states) const {
  // The whole graph when small, else only the highlighted path.
  const bool whole = nstates_ <= max_states;
  std::vector<bool> hot(edges_.size(), false);
  for (std::uint32_t ei : highlight) hot[ei] = true;
  Graph g(whole ? nstates_ : 0);
  std::map<std::uint32_t, Vertex> vertex;  // state id -> vertex of the drawn graph
  std::vector<std::uint32_t> state_of;
  auto node = [&](std::uint32_t id) {
    if (whole) return Vertex(id);
    auto [it, fresh] = vertex.try_emplace(id, 0);
    if (fresh) {
      it->second = boost::add_vertex(g);
      state_of.push_back(id);
    }
    return it->second;
  };
  for (std::uint32_t i = 0; i < edges_.size(); ++i)
    if (whole || hot[i]) boost::add_edge(node(edges_[i].from), node(edges_[i].to), i, g);
  std::ostringstream os;
  boost::write_graphviz(
      os, g,
      [&](std::ostream& o, Vertex v) {
        const std::uint32_t id = whole ? static_cast<std::uint32_t>(v) : state_of[v];
        o << "[label=\"" << id << "\"" << (id == 0 ? ", shape=doublecircle" : "") << "]";
      },
      [&](std::ostream& o, GEdge e) {
        const std::uint32_t i = boost::get(boost::edge_index, g, e);
        o << "[label=\"cpu" << edges_[i].step.cpu << " " << step_kind_name(edges_[i].step.kind) << "\""
          << (hot[i] ? ", color=red, penwidth=2" : "") << "]";
      },
      [](std::ostream& o) { o << "node [shape=circle, fontsize=10];\n"; });
  return os.str();
}

}  // namespace explore
