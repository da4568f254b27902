// A run on a reused platform (run::Options::reuse, as sweep workers run) gives the bytes a run in
// a new process gives, whatever ran before it in that process: every timed scenario shipped and
// every hardware corner of tests/sim/scenarios, each protocol version, another clock, a fault.
#include <gtest/gtest.h>

#include <unistd.h>

#include <systemc>  // for sc_main: SystemC's main() calls it

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "sim/run/runner.h"
#include "sim/scenario/scenario.h"
#include "sim/workers/workers.h"

namespace fs = std::filesystem;

namespace {

struct Case {
  std::string file;
  std::vector<std::string> sets;
};

std::vector<Case> cases() {
  const fs::path root(ISOLSIM_SOURCE_DIR);
  std::vector<Case> out;
  std::vector<fs::path> files = {root / "scenarios/ct_seq_work_race.json", root / "scenarios/rteval_like.json"};
  for (const fs::path& dir : {root / "scenarios/examples", root / "tests/sim/scenarios"})
    for (const auto& e : fs::directory_iterator(dir))
      if (e.path().extension() == ".json") files.push_back(e.path());
  std::sort(files.begin() + 2, files.end());
  for (const fs::path& f : files) out.push_back({f.string(), {}});
  const std::string race = files[0].string();
  for (const char* p : {"ipi", "mainline", "rfc1", "rfc2", "rfc3", "v4", "v5", "v6", "v7"})
    out.push_back({race, {std::string("kernel.protocol=") + p, "expect=[]"}});
  out.push_back({race, {"platform.clock_mhz=2100", "expect=[]"}});
  out.push_back({race, {"platform.topology.hop=7", "expect=[]"}});
  // Runs cut short with stores buffered, accesses queued and IPIs in flight, then runs with no
  // timer at all: nothing of the one before may leak into the next.
  for (const char* cycles : {"4450", "4520", "4700", "5100"}) out.push_back({race, {std::string("run.cycles=") + cycles, "expect=[]"}});
  for (int cycles = 5000; cycles <= 7000; cycles += 250) {  // cpu1's IPIs: sent at 5187, arrive at 6787
    out.push_back({race, {"kernel.protocol=ipi", "run.cycles=" + std::to_string(cycles), "expect=[]"}});
    out.push_back({race, {"expect=[]"}});  // no IPI of its own at 3369, and on past where the one before stopped
  }
  // Past the tick the run before had armed (3,000,000 cycles at 1000 Hz and 3 GHz).
  out.push_back({race, {"kernel.hz=0", "kernel.residual_tick_hz=0", "run.cycles=7000000", "expect=[]"}});
  out.push_back({(root / "scenarios/examples/all_seeds.json").string(), {"run.cycles=2400101", "expect=[]"}});
  // A fault stops SystemC: this run's process can run nothing more.
  out.push_back({race, {"run.max_instructions=300", "expect=[]"}});
  return out;
}

// The run's report and expectations, or its error.
std::optional<std::string> run_case(const Case& c, bool reuse) {
  try {
    scenario::JsonDoc doc = scenario::JsonDoc::load_file(c.file);
    for (const std::string& s : c.sets) doc.apply_override(s);
    const scenario::Scenario s = scenario::load_scenario(doc);
    run::Options o;
    o.event_log = false;
    o.waveforms = false;
    o.reuse = reuse;
    const run::Outcome r = run::run_timed(doc, s, o);
    return r.report.dump();
  } catch (const run::NeedsNewProcess&) {
    return std::nullopt;
  } catch (const std::exception& e) {
    return std::string("error: ") + e.what();
  }
}

// Each case's line, and the processes that ran them.
struct Ran {
  std::map<std::uint64_t, std::string> lines;
  std::map<std::uint64_t, std::string> pids;
};

Ran run_all(const std::vector<Case>& cs, const std::vector<std::uint64_t>& order, workers::Lifetime lifetime) {
  Ran out;
  workers::run_in_workers(
      order, 1,
      [&](std::uint64_t i) -> std::optional<std::string> {
        const std::optional<std::string> line = run_case(cs[i % cs.size()], lifetime == workers::Lifetime::Reused);
        if (!line) return std::nullopt;
        return std::to_string(getpid()) + " " + *line;
      },
      [&](std::uint64_t i, const std::string& line) {
        const auto space = line.find(' ');
        out.pids[i] = line.substr(0, space);
        out.lines[i] = space == std::string::npos ? line : line.substr(space + 1);
      },
      [](std::uint64_t, const std::string& why) { return "died " + why; }, lifetime);
  return out;
}

}  // namespace

TEST(PlatformReuse, EveryRunGivesTheBytesOfARunInANewProcess) {
  const std::vector<Case> cs = cases();
  std::vector<std::uint64_t> once;
  for (std::uint64_t i = 0; i < cs.size(); ++i) once.push_back(i);
  const Ran fresh = run_all(cs, once, workers::Lifetime::OneRun);
  // Forward, then backward: every case follows two different runs in its process.
  std::vector<std::uint64_t> twice = once;
  for (std::uint64_t k = 0; k < cs.size(); ++k) twice.push_back(2 * cs.size() - 1 - k);  // case n-1-k
  const Ran reused = run_all(cs, twice, workers::Lifetime::Reused);
  ASSERT_EQ(reused.lines.size(), twice.size());
  std::map<std::string, int> runs_per_process;
  for (const auto& [i, pid] : reused.pids) ++runs_per_process[pid];
  int most = 0;
  for (const auto& [pid, n] : runs_per_process) most = std::max(most, n);
  EXPECT_GE(most, 10) << "the runs did not share processes";
  for (std::uint64_t i : twice) {
    const Case& c = cs[i % cs.size()];
    std::string name = c.file.substr(c.file.rfind('/') + 1);
    for (const std::string& s : c.sets) name += " --set " + s;
    if (i % cs.size() != cs.size() - 1)  // all but the fault's run are runs
      ASSERT_EQ(fresh.lines.at(i % cs.size()).front(), '{') << name << ": " << fresh.lines.at(i % cs.size());
    EXPECT_EQ(reused.lines.at(i), fresh.lines.at(i % cs.size())) << name << (i >= cs.size() ? " (second pass)" : "");
  }
  // The fault's run is an error in either process, and what follows it runs in a new one.
  const std::uint64_t fault = cs.size() - 1;
  EXPECT_NE(fresh.lines.at(fault).find("the simulation stopped"), std::string::npos) << fresh.lines.at(fault);
  EXPECT_NE(reused.pids.at(fault), reused.pids.at(twice[fault + 1]));
}

int sc_main(int argc, char* argv[]) {
  ::testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
