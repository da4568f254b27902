// Platform topology: the machine as a weighted graph of CPUs and interconnect nodes.
//
// Vertices are the CPUs ("cpu0".."cpuN-1", created automatically, vertex index == CPU number) followed
// by the named interconnect nodes ("llc0", "socket1", "qpi", ...) in the order given. Edges are
// undirected links weighted with a latency in core cycles. The latency between two CPUs is the
// shortest-path latency (Dijkstra); callers add their own fixed per-kind overhead (IPI delivery,
// cache-line transfer, ...) on top.
//
// Everything is computed once in the constructor (Dijkstra from every CPU with Boost.Graph) and kept as
// flat tables, so latency() is O(1) and this header needs no Boost include. The object is a plain value
// (copyable, movable) and fully deterministic: path() follows a canonical predecessor map (among the
// shortest paths, the one with the fewest hops; remaining ties go to the lowest vertex index), which
// does not depend on the order Dijkstra happens to settle vertices in.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <stdexcept>
#include <string>
#include <vector>

namespace hw {

struct TopologyNode {
  std::string name;
};

struct TopologyLink {
  std::string a, b;        // node or CPU names ("cpu3", "llc0")
  std::uint64_t cycles;    // latency of the link in core cycles
};

class Topology {
 public:
  // Builds the graph: vertices cpu0..cpu{ncpus-1} plus `nodes`, undirected `links` (parallel links are
  // allowed; the cheapest one wins). Throws std::invalid_argument with a one-line message for: no CPU,
  // an empty node name, a duplicate node name, a node named like a CPU ("cpu<digits>"), an unknown node
  // name in a link, a zero-latency self loop, or a CPU that cannot reach every other CPU
  // ("cpu3 cannot reach cpu0"). All-pairs CPU-to-CPU latencies are computed here.
  Topology(std::uint32_t ncpus, std::vector<TopologyNode> nodes, std::vector<TopologyLink> links);

  // Presets used when a scenario gives no explicit graph.
  //  flat(n, hop): every CPU linked to one "fabric" node with `hop` cycles (cpu-to-cpu = 2*hop).
  static Topology flat(std::uint32_t ncpus, std::uint64_t hop);
  //  sockets(n, per_socket, hop, cross): cpu i linked to "llc<i / per_socket>" with `hop`; every pair of
  //  llc nodes linked with `cross` (same socket = 2*hop, other socket = 2*hop + cross). The last socket
  //  may be partial. Throws std::invalid_argument if cpus_per_socket == 0.
  static Topology sockets(std::uint32_t ncpus, std::uint32_t cpus_per_socket, std::uint64_t hop,
                          std::uint64_t cross);

  std::uint32_t cpus() const { return ncpus_; }
  std::uint32_t vertices() const { return static_cast<std::uint32_t>(names_.size()); }

  // Shortest-path latency in cycles; 0 for from == to. O(1). Throws std::out_of_range for a bad CPU.
  std::uint64_t latency(std::uint32_t from, std::uint32_t to) const {
    if (from >= ncpus_ || to >= ncpus_) throw_bad_cpu(from, to);
    const std::size_t i = static_cast<std::size_t>(from) * ncpus_ + to;
    return latency_.empty() ? latency32_[i] : latency_[i];
  }
  // Smallest latency between two distinct CPUs (0 if there is only one CPU).
  std::uint64_t min_latency() const { return min_latency_; }
  // Largest latency between two CPUs (0 if there is only one CPU).
  std::uint64_t max_latency() const { return max_latency_; }

  // Vertex indices of the canonical shortest path from CPU `from` to CPU `to`, both ends included
  // ({from} if from == to). For documentation and debugging. Throws std::out_of_range for a bad CPU.
  std::vector<std::uint32_t> path(std::uint32_t from, std::uint32_t to) const;
  // Name of vertex `v` ("cpu2", "llc0"). Throws std::out_of_range for v >= vertices().
  std::string vertex_name(std::uint32_t v) const;

  // Graphviz (undirected "graph G { ... }", boost::write_graphviz_dp): vertices by name (CPUs drawn as
  // boxes), one edge per link labelled with its latency in cycles, in link order. Byte-deterministic.
  void write_graphviz(std::ostream& os) const;

 private:
  struct Edge {
    std::uint32_t a, b;
    std::uint64_t cycles;
  };

  [[noreturn]] void throw_bad_cpu(std::uint32_t from, std::uint32_t to) const;

  std::uint32_t ncpus_ = 0;
  std::vector<std::string> names_;          // vertex index -> name
  std::vector<Edge> edges_;                 // in link order
  // ncpus x ncpus, row = from: in 32 bits while every latency fits (4 MB less at 1,024 CPUs)
  std::vector<std::uint32_t> latency32_;
  std::vector<std::uint64_t> latency_;      // else here
  void set_latency(std::size_t i, std::uint64_t cycles);
  std::uint64_t min_latency_ = 0;
  std::uint64_t max_latency_ = 0;
};

}  // namespace hw
