// Sweep throughput: runs per second of a 1,000-point `isolsim sweep` of a 4-CPU scenario with two
// workers, beside the floor measured in the same run: the same forked workers, each elaborating
// the same platform (scenario, image, SystemC modules) and running nothing. Each figure is the
// median of three; the summary prints the ratio (target >= 0.5) and the rate (target >= 1,000/s).
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <systemc>
#include <vector>

#include "sim/run/runner.h"
#include "sim/scenario/scenario.h"
#include "sim/scenario/scenario_image.h"
#include "sim/sweep/sweep.h"
#include "sim/workers/workers.h"

namespace {

const std::string kScenario = std::string(ISOLSIM_SOURCE_DIR) + "/scenarios/bench/sweep_4cpu.json";
constexpr int kPoints = 1000, kJobs = 2;

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

// `isolsim sweep` itself, in this process: --vary PATH=START:START+999:1 --jobs 2.
double sweep_rate(const std::string& vary) {
  const auto dir = std::filesystem::temp_directory_path() / ("isolsim_bench_sweep_" + std::to_string(getpid()));
  std::filesystem::remove_all(dir);
  sweep::Options o;
  o.file = kScenario;
  o.out_dir = dir.string();
  o.vary = {vary};
  o.jobs = kJobs;
  o.progress = false;
  std::ostringstream out;
  const auto t0 = std::chrono::steady_clock::now();
  sweep::sweep_command(o, out);
  const double s = seconds_since(t0);
  std::filesystem::remove_all(dir);
  return kPoints / s;
}

// The floor: the same workers, each elaborating the platform and stopping before the run.
double floor_rate() {
  const scenario::JsonDoc doc = scenario::JsonDoc::load_file(kScenario);
  const scenario::Scenario s = scenario::load_scenario(doc);
  scenario::build_scenario_image(doc, s);  // as the sweep's parent does before forking
  std::vector<std::uint64_t> runs(kPoints);
  for (int i = 0; i < kPoints; ++i) runs[i] = static_cast<std::uint64_t>(i);
  const auto t0 = std::chrono::steady_clock::now();
  workers::run_in_workers(
      runs, kJobs,
      [&](std::uint64_t) {
        run::Options o;
        o.elaborate_only = true;
        run::run_timed(doc, s, o);
        return std::string("{}");
      },
      [](std::uint64_t, const std::string&) {}, [](std::uint64_t, const std::string& why) { return why; });
  return kPoints / seconds_since(t0);
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

}  // namespace

int sc_main(int, char*[]) {
  std::vector<double> floor, start, latency;
  for (int rep = 0; rep < 3; ++rep) {
    floor.push_back(floor_rate());
    // cpu2's start cycle: the workload task is re-assembled in every run
    start.push_back(sweep_rate("workload.2.0.until=4000:4999:1"));
    // an interconnect latency: the image is the same in every run
    latency.push_back(sweep_rate("platform.topology.hop=1:1000:1"));
  }
  const double f = median(floor), a = median(start), b = median(latency);
  std::printf("1,000-point sweep of a 4-CPU scenario, --jobs %d (medians of 3):\n", kJobs);
  std::printf("  floor (fork, elaborate the platform, run nothing): %7.0f runs/s\n", f);
  std::printf("  sweep of a start cycle (workload.2.0.until):      %7.0f runs/s: ratio %.2f (target >= 0.5, >= 1000 runs/s)\n",
              a, a / f);
  std::printf("  sweep of a latency (platform.topology.hop):       %7.0f runs/s: ratio %.2f\n", b, b / f);
  return 0;
}
