// Sweep throughput for the benchmarks: runs per second of `isolsim sweep` over a 4-CPU scenario,
// and its floor, a forked process per point elaborating the platform and running nothing.
#pragma once

#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <sstream>
#include <string>
#include <vector>

#include "sim/run/runner.h"
#include "sim/scenario/scenario.h"
#include "sim/scenario/scenario_image.h"
#include "sim/sweep/sweep.h"
#include "sim/workers/workers.h"

namespace bench_measure {

inline const std::string kSweepScenario = std::string(ISOLSIM_SOURCE_DIR) + "/scenarios/bench/sweep_4cpu.json";

inline double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

// `isolsim sweep` itself, in this process: --vary PATH=FIRST:FIRST+POINTS-1:1 --jobs JOBS.
inline double sweep_rate(const std::string& path, long first, int points, int jobs) {
  const auto dir = std::filesystem::temp_directory_path() / ("isolsim_bench_sweep_" + std::to_string(getpid()));
  std::filesystem::remove_all(dir);
  sweep::Options o;
  o.file = kSweepScenario;
  o.out_dir = dir.string();
  o.vary = {path + "=" + std::to_string(first) + ":" + std::to_string(first + points - 1) + ":1"};
  o.jobs = jobs;
  o.progress = false;
  std::ostringstream out;
  const auto t0 = std::chrono::steady_clock::now();
  sweep::sweep_command(o, out);
  const double s = seconds_since(t0);
  std::filesystem::remove_all(dir);
  return points / s;
}

// The floor: a forked process per point, each elaborating the platform and stopping before the run.
inline double floor_rate(int points, int jobs) {
  const scenario::JsonDoc doc = scenario::JsonDoc::load_file(kSweepScenario);
  const scenario::Scenario s = scenario::load_scenario(doc);
  scenario::build_scenario_image(doc, s);  // as the sweep's parent does before forking
  std::vector<std::uint64_t> runs(static_cast<std::size_t>(points));
  for (int i = 0; i < points; ++i) runs[static_cast<std::size_t>(i)] = static_cast<std::uint64_t>(i);
  const auto t0 = std::chrono::steady_clock::now();
  workers::run_in_workers(
      runs, jobs,
      [&](std::uint64_t) {
        run::Options o;
        o.elaborate_only = true;
        run::run_timed(doc, s, o);
        return std::string("{}");
      },
      [](std::uint64_t, const std::string&) {}, [](std::uint64_t, const std::string& why) { return why; });
  return points / seconds_since(t0);
}

}  // namespace bench_measure
