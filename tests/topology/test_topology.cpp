#include "models/hw/topology.h"

#include <gtest/gtest.h>

#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

using hw::Topology;
using hw::TopologyLink;
using hw::TopologyNode;
using Path = std::vector<std::uint32_t>;

namespace {

// Runs `f`, expects std::invalid_argument and returns its message ("" + failure otherwise).
template <class F>
std::string invalid_argument_message(F&& f) {
  try {
    f();
  } catch (const std::invalid_argument& e) {
    return e.what();
  } catch (...) {
    ADD_FAILURE() << "wrong exception type";
    return "";
  }
  ADD_FAILURE() << "no exception";
  return "";
}

std::string graphviz(const Topology& t) {
  std::ostringstream os;
  t.write_graphviz(os);
  return os.str();
}

}  // namespace

TEST(TopologyPreset, FlatIsTwoHopsEverywhere) {
  const Topology t = Topology::flat(4, 15);
  EXPECT_EQ(t.cpus(), 4u);
  EXPECT_EQ(t.vertices(), 5u);
  EXPECT_EQ(t.vertex_name(4), "fabric");
  for (std::uint32_t a = 0; a < 4; ++a)
    for (std::uint32_t b = 0; b < 4; ++b) EXPECT_EQ(t.latency(a, b), a == b ? 0u : 30u) << a << "->" << b;
  EXPECT_EQ(t.min_latency(), 30u);
  EXPECT_EQ(t.max_latency(), 30u);
  EXPECT_EQ(t.path(0, 3), (Path{0, 4, 3}));
  EXPECT_EQ(t.path(2, 2), (Path{2}));
}

TEST(TopologyPreset, SingleCpu) {
  const Topology t = Topology::flat(1, 7);
  EXPECT_EQ(t.cpus(), 1u);
  EXPECT_EQ(t.latency(0, 0), 0u);
  EXPECT_EQ(t.min_latency(), 0u);
  EXPECT_EQ(t.path(0, 0), (Path{0}));
}

TEST(TopologyPreset, SocketsSameAndCrossSocket) {
  // 10 CPUs, 4 per socket -> llc0 {0..3}, llc1 {4..7}, llc2 {8,9} (partial socket).
  const Topology t = Topology::sockets(10, 4, 12, 100);
  ASSERT_EQ(t.vertices(), 13u);
  EXPECT_EQ(t.vertex_name(10), "llc0");
  EXPECT_EQ(t.vertex_name(11), "llc1");
  EXPECT_EQ(t.vertex_name(12), "llc2");
  EXPECT_EQ(t.latency(0, 3), 24u);
  EXPECT_EQ(t.latency(4, 7), 24u);
  EXPECT_EQ(t.latency(8, 9), 24u);
  EXPECT_EQ(t.latency(1, 6), 124u);
  EXPECT_EQ(t.latency(6, 1), 124u);
  EXPECT_EQ(t.latency(0, 9), 124u);  // llc nodes are linked pairwise, no transit socket
  EXPECT_EQ(t.min_latency(), 24u);
  EXPECT_EQ(t.max_latency(), 124u);
  EXPECT_EQ(t.path(1, 6), (Path{1, 10, 11, 6}));
  EXPECT_EQ(t.path(9, 0), (Path{9, 12, 10, 0}));
}

TEST(TopologyPreset, SocketsRejectsZeroCpusPerSocket) {
  EXPECT_EQ(invalid_argument_message([] { Topology::sockets(4, 0, 1, 2); }),
            "topology preset sockets: cpus_per_socket is 0");
}

TEST(TopologyGraph, ShortestPathIsNotTheDirectLink) {
  // cpu0--cpu1 directly costs 100, but cpu0-a-b-cpu1 costs 30. cpu2 hangs off b.
  const Topology t(3, {{"a"}, {"b"}},
                   {{"cpu0", "cpu1", 100}, {"cpu0", "a", 10}, {"a", "b", 10}, {"b", "cpu1", 10}, {"cpu2", "b", 5}});
  EXPECT_EQ(t.latency(0, 1), 30u);
  EXPECT_EQ(t.latency(1, 0), 30u);
  EXPECT_EQ(t.latency(0, 2), 25u);
  EXPECT_EQ(t.latency(1, 2), 15u);
  EXPECT_EQ(t.min_latency(), 15u);
  EXPECT_EQ(t.max_latency(), 30u);
  EXPECT_EQ(t.path(0, 1), (Path{0, 3, 4, 1}));
  EXPECT_EQ(t.path(1, 0), (Path{1, 4, 3, 0}));
  EXPECT_EQ(t.path(2, 0), (Path{2, 4, 3, 0}));
  std::string names;
  for (auto v : t.path(0, 1)) names += t.vertex_name(v) + " ";
  EXPECT_EQ(names, "cpu0 a b cpu1 ");
}

TEST(TopologyGraph, ParallelLinksTakeTheCheapest) {
  const Topology t(2, {}, {{"cpu0", "cpu1", 50}, {"cpu1", "cpu0", 20}, {"cpu0", "cpu1", 70}});
  EXPECT_EQ(t.latency(0, 1), 20u);
  EXPECT_EQ(t.path(0, 1), (Path{0, 1}));
}

TEST(TopologyGraph, EqualLatencyTiesPreferFewestHopsThenLowestVertex) {
  // Two 2-hop routes of 20 cycles via x (vertex 2) and y (vertex 3), links listed y-first; and a
  // 3-hop zero-cost detour cpu0-z-w-cpu1 of 20 cycles as well.
  const std::vector<TopologyNode> nodes{{"x"}, {"y"}, {"z"}, {"w"}};
  const std::vector<TopologyLink> links{{"cpu0", "y", 10}, {"y", "cpu1", 10}, {"cpu0", "x", 10},
                                        {"x", "cpu1", 10}, {"cpu0", "z", 20}, {"z", "w", 0},
                                        {"w", "cpu1", 0}};
  const Topology t(2, nodes, links);
  EXPECT_EQ(t.latency(0, 1), 20u);
  EXPECT_EQ(t.path(0, 1), (Path{0, 2, 1}));
  EXPECT_EQ(t.path(1, 0), (Path{1, 2, 0}));
  // Same graph with the links in another order: same answer.
  std::vector<TopologyLink> reversed(links.rbegin(), links.rend());
  const Topology u(2, nodes, reversed);
  EXPECT_EQ(u.path(0, 1), (Path{0, 2, 1}));
  EXPECT_EQ(u.path(1, 0), (Path{1, 2, 0}));
}

TEST(TopologyGraph, ZeroLatencyLinksAndNonZeroSelfLoopsAreFine) {
  const Topology t(3, {{"hub"}}, {{"cpu0", "hub", 0}, {"hub", "cpu1", 0}, {"hub", "hub", 9}, {"cpu2", "cpu1", 4}});
  EXPECT_EQ(t.latency(0, 1), 0u);
  EXPECT_EQ(t.latency(0, 2), 4u);
  EXPECT_EQ(t.min_latency(), 0u);
  EXPECT_EQ(t.path(0, 2), (Path{0, 3, 1, 2}));
}

TEST(TopologyGraph, OutOfRange) {
  const Topology t = Topology::flat(2, 1);
  EXPECT_THROW(t.latency(2, 0), std::out_of_range);
  EXPECT_THROW(t.latency(0, 2), std::out_of_range);
  EXPECT_THROW(t.path(0, 5), std::out_of_range);
  EXPECT_THROW(t.vertex_name(3), std::out_of_range);
  EXPECT_EQ(t.vertex_name(2), "fabric");
}

TEST(TopologyErrors, Messages) {
  EXPECT_EQ(invalid_argument_message([] { Topology(0, {}, {}); }), "topology needs at least one CPU");
  EXPECT_EQ(invalid_argument_message([] { Topology(2, {{"hub"}}, {{"cpu0", "hub", 1}, {"hub", "cpu7", 1}}); }),
            "topology link hub--cpu7: unknown node 'cpu7'");
  EXPECT_EQ(invalid_argument_message([] { Topology(2, {{"hub"}}, {{"cpu0", "hbu", 1}}); }),
            "topology link cpu0--hbu: unknown node 'hbu'");
  EXPECT_EQ(invalid_argument_message([] { Topology(2, {{"hub"}, {"llc"}, {"hub"}}, {}); }),
            "duplicate topology node 'hub'");
  EXPECT_EQ(invalid_argument_message([] { Topology(2, {{"cpu1"}}, {}); }),
            "topology node 'cpu1' is named like a CPU (cpu0..cpu1 exist implicitly)");
  EXPECT_EQ(invalid_argument_message([] { Topology(2, {{"cpu12"}}, {}); }),
            "topology node 'cpu12' is named like a CPU (cpu0..cpu1 exist implicitly)");
  EXPECT_EQ(invalid_argument_message([] { Topology(2, {{""}}, {}); }), "topology node with an empty name");
  EXPECT_EQ(invalid_argument_message([] { Topology(2, {{"hub"}}, {{"cpu0", "hub", 1}, {"hub", "hub", 0}}); }),
            "topology link hub--hub is a zero-latency self loop");
  EXPECT_EQ(invalid_argument_message([] {
              Topology(4, {{"hub"}}, {{"cpu0", "hub", 1}, {"cpu1", "hub", 1}, {"cpu2", "hub", 1}});
            }),
            "cpu3 cannot reach cpu0");
  // cpu0 itself isolated: the first CPU that cannot reach it is reported.
  EXPECT_EQ(invalid_argument_message([] { Topology(3, {}, {{"cpu1", "cpu2", 1}}); }), "cpu1 cannot reach cpu0");
  // Names that merely start with "cpu" are fine.
  EXPECT_NO_THROW(Topology(2, {{"cpu"}, {"cpux"}, {"cpu1a"}}, {{"cpu0", "cpu", 1}, {"cpu", "cpu1", 1}}));
}

TEST(TopologyGraphviz, EdgesAndLabels) {
  const std::string gv = graphviz(Topology::sockets(4, 2, 10, 100));
  EXPECT_EQ(gv.rfind("graph G {", 0), 0u) << gv;
  EXPECT_NE(gv.find("cpu0 [shape=box];"), std::string::npos) << gv;
  EXPECT_NE(gv.find("llc1 [shape=ellipse];"), std::string::npos) << gv;
  EXPECT_NE(gv.find("cpu0--llc0  [label=10];"), std::string::npos) << gv;
  EXPECT_NE(gv.find("cpu3--llc1  [label=10];"), std::string::npos) << gv;
  EXPECT_NE(gv.find("llc0--llc1  [label=100];"), std::string::npos) << gv;
  EXPECT_EQ(gv.find("cpu0--llc1"), std::string::npos) << gv;
  // exactly one line per link
  std::size_t edges = 0;
  for (std::size_t p = gv.find("--"); p != std::string::npos; p = gv.find("--", p + 2)) ++edges;
  EXPECT_EQ(edges, 5u);
  EXPECT_EQ(gv.substr(gv.size() - 2), "}\n");
}

TEST(TopologyGraphviz, QuotesNamesAndIsDeterministic) {
  const Topology t(2, {{"qpi link"}}, {{"cpu0", "qpi link", 3}, {"qpi link", "cpu1", 4}});
  const std::string gv = graphviz(t);
  EXPECT_NE(gv.find("cpu0--\"qpi link\"  [label=3];"), std::string::npos) << gv;
  EXPECT_NE(gv.find("\"qpi link\"--cpu1  [label=4];"), std::string::npos) << gv;
  EXPECT_EQ(gv, graphviz(t));
  const Topology copy = t;
  EXPECT_EQ(gv, graphviz(copy));
  EXPECT_EQ(copy.latency(0, 1), 7u);
}

// Latencies are kept in 32 bits while they fit; one past 2^32 cycles moves every one to 64 bits,
// with nothing lost of those computed before it.
TEST(TopologyPreset, LatenciesPastThirtyTwoBitsKeepTheirValue) {
  const Topology small = Topology::sockets(4, 2, 10, 100);
  EXPECT_EQ(small.latency(0, 3), 120u);  // 2 * hop + cross
  const std::uint64_t cross = 5'000'000'000ull;  // > 2^32
  const Topology big = Topology::sockets(4, 2, 10, cross);
  EXPECT_EQ(big.latency(0, 1), 20u);
  EXPECT_EQ(big.latency(0, 3), 20 + cross);
  EXPECT_EQ(big.latency(3, 0), 20 + cross);
  EXPECT_EQ(big.latency(2, 3), 20u);
  EXPECT_EQ(big.max_latency(), 20 + cross);
  EXPECT_EQ(big.path(0, 3), Path({0, 4, 5, 3}));
}
