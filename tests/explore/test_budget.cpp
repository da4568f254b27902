// The budget the explorer's phases share: a deadline and a limit on the resident set, named when
// reached; the random walks and the search stop at it.
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "sim/explore/budget.h"
#include "sim/explore/explorer.h"
#include "sim/explore/locality.h"
#include "sim/scenario/json_doc.h"
#include "sim/scenario/scenario.h"
#include "sim/scenario/scenario_image.h"

namespace {

constexpr std::uint64_t kMB = 1024 * 1024;

TEST(Budget, TheTimeBoundIsReachedAndNamed) {
  explore::Budget b(0.05, 1'000'000);
  EXPECT_FALSE(b.exhausted());
  EXPECT_EQ(b.bound(), "");
  std::this_thread::sleep_for(std::chrono::milliseconds(60));
  EXPECT_TRUE(b.exhausted());
  EXPECT_EQ(b.bound(), "time bound (0.05 s) reached");
  EXPECT_TRUE(b.exhausted());  // and stays so
}

// The limit is on the process's resident set: memory allocated and touched anywhere counts.
TEST(Budget, TheMemoryBoundIsTheResidentSet) {
  const std::uint64_t before = explore::resident_bytes();
  ASSERT_GT(before, 0u);
  const std::uint64_t limit_mb = before / kMB + 64;
  explore::Budget b(60, limit_mb);
  EXPECT_FALSE(b.exhausted());
  std::unique_ptr<char[]> block(new char[128 * kMB]);
  std::memset(block.get(), 1, 128 * kMB);
  EXPECT_GE(explore::resident_bytes(), before + 100 * kMB);
  std::this_thread::sleep_for(explore::Budget::kSample + std::chrono::milliseconds(1));
  EXPECT_TRUE(b.exhausted());
  EXPECT_EQ(b.bound(), "memory bound (" + std::to_string(limit_mb) + " MB) reached");
}

// Polled per state and per walk step: a million polls must cost far less than a second.
TEST(Budget, PollingIsCheap) {
  explore::Budget b(60, 1'000'000);
  const auto t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < 1'000'000; ++i) ASSERT_FALSE(b.exhausted());
  EXPECT_LT(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(), 0.5);
}

TEST(Budget, AShareEndsSoonerAndLeavesTheRest) {
  explore::Budget whole(60, 1000);
  explore::Budget part = whole.share(0.001, 0.5);  // 60 ms
  EXPECT_EQ(part.max_memory_mb(), 500u);
  std::this_thread::sleep_for(std::chrono::milliseconds(80));
  EXPECT_TRUE(part.exhausted());
  EXPECT_FALSE(whole.exhausted());
}

TEST(Budget, DefaultMemoryBoundIsHalfTheRamAtMost12000Mb) {
  const std::uint64_t mb = explore::default_max_memory_mb();
  EXPECT_GE(mb, 1u);
  EXPECT_LE(mb, 12'000u);
  const std::uint64_t ram_mb = static_cast<std::uint64_t>(sysconf(_SC_PHYS_PAGES)) * sysconf(_SC_PAGESIZE) / kMB;
  EXPECT_LE(mb, ram_mb / 2 + 1);
  EXPECT_EQ(explore::Bounds{}.max_memory_mb, mb);
}

TEST(Budget, SecondsAsWritten) {
  EXPECT_EQ(explore::seconds_text(2), "2");
  EXPECT_EQ(explore::seconds_text(0.5), "0.5");
  EXPECT_EQ(explore::seconds_text(1200), "1200");
}

// A scenario's image and machine configuration, as explore_scenario() makes them.
struct Scenario {
  scenario::ScenarioImage si;
  explore::MachineConfig cfg;
};

std::unique_ptr<Scenario> load(const std::string& file) {
  const scenario::JsonDoc doc = scenario::JsonDoc::load_file(std::string(ISOLSIM_SOURCE_DIR) + "/" + file);
  const scenario::Scenario s = scenario::load_scenario(doc);
  auto p = std::make_unique<Scenario>();
  p->si = scenario::build_scenario_image(doc, s);
  p->cfg.tasks = p->si.tasks;
  p->cfg.memory = p->si.memory;
  p->cfg.isolated = s.nohz_full;
  return p;
}

TEST(Budget, TheWalksStopAtIt) {
  const auto p = load("scenarios/explore/pz2021_two_senders.json");
  explore::Budget spent(0, 1'000'000);
  EXPECT_EQ(explore::guess_locality(p->si.img(), p->cfg, 200, 20, &spent).walks, 0);
  explore::Budget ample(600, 1'000'000);
  EXPECT_EQ(explore::guess_locality(p->si.img(), p->cfg, 200, 20, &ample).walks,
            explore::guess_locality(p->si.img(), p->cfg).walks);

  // A workload that never ends: 200 walks of 100,000 steps would take seconds.
  const auto big = load("scenarios/bench/throughput.json");
  explore::Budget tenth(0.1, 1'000'000);
  const auto t0 = std::chrono::steady_clock::now();
  EXPECT_LE(explore::guess_locality(big->si.img(), big->cfg, 200, 20, &tenth).walks, 1);
  EXPECT_LT(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(), 0.3);
}

class NoChecks : public explore::Checker {
 public:
  void check(const explore::Machine&, const explore::State&, bool, std::vector<explore::Finding>&) override {}
};

// A budget shared with the phases before the search counts what they spent: given one already
// spent, the search stops after the first state and names the bound.
TEST(Budget, TheSearchStopsAtASharedBudget) {
  const auto p = load("scenarios/bench/throughput.json");
  explore::Machine m(p->si.img(), p->cfg);
  NoChecks none;
  explore::Budget spent(0.5, 1'000'000);
  std::this_thread::sleep_for(std::chrono::milliseconds(510));
  explore::Options o;
  o.budget = &spent;
  const explore::Result r = explore::Explorer(m, none, o).run();
  EXPECT_FALSE(r.complete);
  EXPECT_EQ(r.depth, 1u) << "only the initial state expanded";
  EXPECT_EQ(r.bound, "time bound (0.5 s) reached");
  EXPECT_GT(r.memory_bytes, 0u);

  o.budget = nullptr;
  o.bounds.max_memory_mb = explore::resident_bytes() / kMB;  // reached already
  const explore::Result own = explore::Explorer(m, none, o).run();
  EXPECT_EQ(own.bound, "memory bound (" + std::to_string(o.bounds.max_memory_mb) + " MB) reached");
}

}  // namespace
