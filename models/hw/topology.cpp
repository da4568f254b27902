#include "models/hw/topology.h"

#include <algorithm>
#include <functional>
#include <limits>
#include <map>
#include <ostream>
#include <string>
#include <utility>

#include <boost/graph/adjacency_list.hpp>
#include <boost/graph/dijkstra_shortest_paths.hpp>
#include <boost/graph/graphviz.hpp>
#include <boost/property_map/dynamic_property_map.hpp>

namespace hw {
namespace {

struct VertexProps {
  std::string name;
  std::string shape;  // graphviz only
};
struct EdgeProps {
  std::uint64_t cycles = 0;
};
// vecS everywhere: vertex and edge iteration order is the insertion order, so everything built from it
// is deterministic.
using Graph = boost::adjacency_list<boost::vecS, boost::vecS, boost::undirectedS, VertexProps, EdgeProps>;
using Vertex = boost::graph_traits<Graph>::vertex_descriptor;

constexpr std::uint64_t kInfCycles = std::numeric_limits<std::uint64_t>::max();

// Dijkstra label: latency first, then number of hops. Minimising the pair picks, among the
// minimum-latency paths, one with the fewest hops; this makes the canonical predecessor choice below
// acyclic even with zero-latency links.
struct Dist {
  std::uint64_t cycles;
  std::uint32_t hops;
  friend bool operator<(const Dist& x, const Dist& y) {
    return x.cycles != y.cycles ? x.cycles < y.cycles : x.hops < y.hops;
  }
  friend bool operator==(const Dist& x, const Dist& y) { return x.cycles == y.cycles && x.hops == y.hops; }
};
constexpr Dist kInfDist{kInfCycles, std::numeric_limits<std::uint32_t>::max()};

struct Combine {
  Dist operator()(const Dist& d, std::uint64_t w) const {
    if (d.cycles == kInfCycles) return kInfDist;
    const std::uint64_t c = w > kInfCycles - 1 - d.cycles ? kInfCycles - 1 : d.cycles + w;  // saturate
    return Dist{c, d.hops + 1};
  }
};

bool named_like_cpu(const std::string& s) {
  if (s.size() <= 3 || s.compare(0, 3, "cpu") != 0) return false;
  return std::all_of(s.begin() + 3, s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

std::string cpu_name(std::uint32_t i) { return "cpu" + std::to_string(i); }

// The topology as a Boost graph: CPUs first (boxes), then the named nodes.
template <class Edges>
Graph make_graph(const std::vector<std::string>& names, std::uint32_t ncpus, const Edges& edges) {
  Graph g(names.size());
  for (std::uint32_t v = 0; v < names.size(); ++v) {
    g[v].name = names[v];
    g[v].shape = v < ncpus ? "box" : "ellipse";
  }
  for (const auto& e : edges) boost::add_edge(e.a, e.b, EdgeProps{e.cycles}, g);
  return g;
}

// Shortest distances (cycles, then hops) from vertex `s` into `dist`.
void dijkstra(const Graph& g, std::uint32_t s, std::vector<Dist>& dist) {
  auto weight = boost::get(&EdgeProps::cycles, g);
  boost::dijkstra_shortest_paths(
      g, static_cast<Vertex>(s),
      boost::weight_map(weight)
          .distance_map(boost::make_iterator_property_map(dist.begin(), boost::get(boost::vertex_index, g)))
          .distance_compare(std::less<Dist>())
          .distance_combine(Combine())
          .distance_inf(kInfDist)
          .distance_zero(Dist{0, 0}));
}

}  // namespace

Topology::Topology(std::uint32_t ncpus, std::vector<TopologyNode> nodes, std::vector<TopologyLink> links)
    : ncpus_(ncpus) {
  if (ncpus == 0) throw std::invalid_argument("topology needs at least one CPU");

  // --- vertices: CPUs first, then the named nodes --------------------------------------------------
  std::map<std::string, std::uint32_t> index;  // name -> vertex
  names_.reserve(ncpus + nodes.size());
  for (std::uint32_t i = 0; i < ncpus; ++i) {
    names_.push_back(cpu_name(i));
    index.emplace(names_.back(), i);
  }
  for (auto& n : nodes) {
    if (n.name.empty()) throw std::invalid_argument("topology node with an empty name");
    if (named_like_cpu(n.name))
      throw std::invalid_argument("topology node '" + n.name + "' is named like a CPU (cpu0..cpu" +
                                  std::to_string(ncpus - 1) + " exist implicitly)");
    if (!index.emplace(n.name, static_cast<std::uint32_t>(names_.size())).second)
      throw std::invalid_argument("duplicate topology node '" + n.name + "'");
    names_.push_back(std::move(n.name));
  }

  // --- edges ----------------------------------------------------------------------------------------
  auto lookup = [&](const TopologyLink& l, const std::string& name) {
    auto it = index.find(name);
    if (it == index.end())
      throw std::invalid_argument("topology link " + l.a + "--" + l.b + ": unknown node '" + name + "'");
    return it->second;
  };
  edges_.reserve(links.size());
  for (const auto& l : links) {
    const std::uint32_t a = lookup(l, l.a), b = lookup(l, l.b);
    if (a == b && l.cycles == 0)
      throw std::invalid_argument("topology link " + l.a + "--" + l.b + " is a zero-latency self loop");
    edges_.push_back(Edge{a, b, l.cycles});
  }

  const Graph g = make_graph(names_, ncpus, edges_);
  latency32_.assign(static_cast<std::size_t>(ncpus) * ncpus, 0);
  std::vector<Dist> dist(names_.size());
  for (std::uint32_t s = 0; s < ncpus; ++s) {
    dijkstra(g, s, dist);
    if (s == 0) {  // undirected: everything is connected iff every CPU is reachable from cpu0
      for (std::uint32_t t = 1; t < ncpus; ++t)
        if (dist[t].cycles == kInfCycles)
          throw std::invalid_argument(cpu_name(t) + " cannot reach cpu0");
    }
    for (std::uint32_t t = 0; t < ncpus; ++t) set_latency(static_cast<std::size_t>(s) * ncpus + t, dist[t].cycles);
  }

  if (ncpus > 1) {
    min_latency_ = kInfCycles;
    for (std::uint32_t a = 0; a < ncpus; ++a)
      for (std::uint32_t b = 0; b < ncpus; ++b) {
        if (a == b) continue;
        const std::uint64_t l = latency(a, b);
        min_latency_ = std::min(min_latency_, l);
        max_latency_ = std::max(max_latency_, l);
      }
  }
}

void Topology::set_latency(std::size_t i, std::uint64_t cycles) {
  if (latency_.empty() && cycles > std::numeric_limits<std::uint32_t>::max()) {
    latency_.assign(latency32_.begin(), latency32_.end());  // a latency past 2^32 cycles: 64 bits from now on
    latency32_ = {};
  }
  if (latency_.empty()) latency32_[i] = static_cast<std::uint32_t>(cycles);
  else latency_[i] = cycles;
}

Topology Topology::flat(std::uint32_t ncpus, std::uint64_t hop) {
  std::vector<TopologyLink> links;
  links.reserve(ncpus);
  for (std::uint32_t i = 0; i < ncpus; ++i) links.push_back({cpu_name(i), "fabric", hop});
  return Topology(ncpus, {{"fabric"}}, std::move(links));
}

Topology Topology::sockets(std::uint32_t ncpus, std::uint32_t cpus_per_socket, std::uint64_t hop,
                           std::uint64_t cross) {
  if (cpus_per_socket == 0) throw std::invalid_argument("topology preset sockets: cpus_per_socket is 0");
  const std::uint32_t nsockets = ncpus == 0 ? 0 : (ncpus + cpus_per_socket - 1) / cpus_per_socket;
  std::vector<TopologyNode> nodes;
  std::vector<TopologyLink> links;
  for (std::uint32_t s = 0; s < nsockets; ++s) nodes.push_back({"llc" + std::to_string(s)});
  for (std::uint32_t i = 0; i < ncpus; ++i)
    links.push_back({cpu_name(i), "llc" + std::to_string(i / cpus_per_socket), hop});
  for (std::uint32_t s = 0; s < nsockets; ++s)
    for (std::uint32_t t = s + 1; t < nsockets; ++t)
      links.push_back({"llc" + std::to_string(s), "llc" + std::to_string(t), cross});
  return Topology(ncpus, std::move(nodes), std::move(links));
}

void Topology::throw_bad_cpu(std::uint32_t from, std::uint32_t to) const {
  throw std::out_of_range("topology: cpu" + std::to_string(from >= ncpus_ ? from : to) + " out of range (" +
                          std::to_string(ncpus_) + " CPUs)");
}

// The path is asked for rarely (listings, tests): Dijkstra from `from` again rather than a
// predecessor table of ncpus x vertices, 4 MB at 1,024 CPUs.
std::vector<std::uint32_t> Topology::path(std::uint32_t from, std::uint32_t to) const {
  if (from >= ncpus_ || to >= ncpus_) throw_bad_cpu(from, to);
  const Graph g = make_graph(names_, ncpus_, edges_);
  std::vector<Dist> dist(names_.size());
  dijkstra(g, from, dist);
  // Canonical predecessor: the lowest-index neighbour u with dist[u] (+) w == dist[v]. Because hops
  // strictly decrease along it, following it always ends at `from`.
  auto weight = boost::get(&EdgeProps::cycles, g);
  std::vector<std::uint32_t> p{to};
  for (std::uint32_t v = to; v != from;) {
    std::uint32_t best = std::numeric_limits<std::uint32_t>::max();
    for (auto [it, end] = boost::out_edges(v, g); it != end; ++it) {
      const auto u = static_cast<std::uint32_t>(boost::target(*it, g));
      if (u < best && u != v && Combine()(dist[u], weight[*it]) == dist[v]) best = u;
    }
    v = best;  // always found: v was reached through some edge
    p.push_back(v);
  }
  std::reverse(p.begin(), p.end());
  return p;
}

std::string Topology::vertex_name(std::uint32_t v) const {
  if (v >= names_.size())
    throw std::out_of_range("topology: vertex " + std::to_string(v) + " out of range (" +
                            std::to_string(names_.size()) + " vertices)");
  return names_[v];
}

void Topology::write_graphviz(std::ostream& os) const {
  Graph g = make_graph(names_, ncpus_, edges_);
  boost::dynamic_properties dp;
  dp.property("node_id", boost::get(&VertexProps::name, g));
  dp.property("shape", boost::get(&VertexProps::shape, g));
  dp.property("label", boost::get(&EdgeProps::cycles, g));
  boost::write_graphviz_dp(os, g, dp);
}

}  // namespace hw
