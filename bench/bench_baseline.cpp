// The simulator's own speed against its committed baseline (bench/baseline.json). Each figure is
// a ratio to a reference measured in the same run, the bare SystemC kernel's event rate, so that a
// slower or busier machine moves both sides (the sweep's workers keep their process from run to
// run: a fork's cost, which differs from machine to machine, is no part of its rate); a figure
// more than 30 % below its baseline fails the run (exit 1). `--short` is the CI mode (ctest runs it
// alone, RUN_SERIAL): shorter runs, its own baseline. `--update` records this run as the baseline.
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <systemc>
#include <vector>

#include "bench/measure.h"
#include "bench/sweep_measure.h"
#include "sim/explore/explore_scenario.h"

namespace {

using namespace bench_measure;

const std::string kBaseline = std::string(ISOLSIM_SOURCE_DIR) + "/bench/baseline.json";
constexpr double kAllowedDrop = 0.30;

// States explored per second on scenarios/explore/three_senders.json (the whole search).
Measure explore_rate() {
  const std::string file = std::string(ISOLSIM_SOURCE_DIR) + "/scenarios/explore/three_senders.json";
  const scenario::JsonDoc doc = scenario::JsonDoc::load_file(file);
  const scenario::Scenario s = scenario::load_scenario(doc);
  explore::ScenarioOptions o;
  const auto t0 = std::chrono::steady_clock::now();
  const explore::ScenarioOutcome r = explore::explore_scenario(doc, s, o);
  return {seconds_since(t0), static_cast<double>(r.result.states), 0};
}

double rate(const Measure& m) { return m.ok && m.seconds > 0 ? m.count / m.seconds : 0; }

// Micro-ops per second of rteval_like_scaled.json on `cpus` CPUs while it runs: building a machine
// of 1,024 CPUs (its image, its boot memory) and writing its outputs do not count.
double scaled_rate(int cpus, int ms) {
  const Measure m = in_child([&] {
    return scenario_run("scenarios/bench/rteval_like_scaled.json", true,
                        {"platform.cpus=" + std::to_string(cpus), "run.ms=" + std::to_string(ms)}, true);
  });
  return rate(m);
}

}  // namespace

int sc_main(int argc, char* argv[]) {
  bool short_mode = false, update = false;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--short")) short_mode = true;
    else if (!std::strcmp(argv[i], "--update")) update = true;
    else {
      std::fprintf(stderr, "usage: bench_baseline [--short] [--update]\n");
      return 2;
    }
  }
  const std::string mode = short_mode ? "short" : "full";
  const int reps = 3;
  const std::uint64_t events = short_mode ? 5'000'000 : 20'000'000;
  const std::string ms = short_mode ? "run.ms=3" : "run.ms=10";
  const std::string cpu64_ms = short_mode ? "run.ms=100" : "run.ms=1000";
  // The same per-CPU workload on 256 and 1,024 CPUs (rteval_like_scaled.json): the rate of micro-ops
  // stays when wall time grows linearly with the events, whatever the number of CPUs.
  const int scaled_ms = short_mode ? 10 : 100;
  const int points = short_mode ? 200 : 1000;

  std::map<std::string, std::vector<double>> ratios;
  for (int rep = 0; rep < reps; ++rep) {
    const double raw = rate(in_child([&] { return raw_event_rate(events); }));
    const double timed = rate(in_child([&] { return scenario_run("scenarios/bench/throughput.json", false, {ms}); }));
    const double recorded = rate(in_child([&] { return scenario_run("scenarios/bench/throughput.json", true, {ms}); }));
    const double cpu64 =
        rate(in_child([&] { return scenario_run("scenarios/bench/rteval_like_64cpu.json", true, {cpu64_ms}); }));
    const double cpu256 = scaled_rate(256, scaled_ms);
    const double cpu1024 = scaled_rate(1024, scaled_ms);
    const double states = rate(in_child(explore_rate));
    const double sweep = sweep_rate("workload.2.0.until", 4000, points, 2);
    ratios["timed micro-ops/s / SystemC events/s"].push_back(timed / raw);
    ratios["recorded micro-ops/s / SystemC events/s"].push_back(recorded / raw);
    ratios["64 CPUs, every source: recorded micro-ops/s / SystemC events/s"].push_back(cpu64 / raw);
    ratios["256 CPUs, every source: recorded micro-ops/s / SystemC events/s"].push_back(cpu256 / raw);
    ratios["1,024 CPUs, every source: recorded micro-ops/s / SystemC events/s"].push_back(cpu1024 / raw);
    ratios["explorer states/s / SystemC events/s"].push_back(states / raw);
    ratios["sweep runs/s / million SystemC events/s"].push_back(sweep / (raw / 1e6));
  }
  nlohmann::ordered_json now = nlohmann::ordered_json::object();
  for (const auto& [name, v] : ratios) now[name] = std::round(median(v) * 10000) / 10000;

  nlohmann::ordered_json base = nlohmann::ordered_json::object();
  if (std::ifstream in{kBaseline}) {
    std::stringstream text;
    text << in.rdbuf();
    base = nlohmann::ordered_json::parse(text.str(), nullptr, false);
    if (base.is_discarded()) {
      std::fprintf(stderr, "%s: not JSON\n", kBaseline.c_str());
      return 2;
    }
  }
  if (update) {
    base[mode] = now;
    std::ofstream(kBaseline) << base.dump(2) << "\n";
    std::printf("baseline (%s) written to %s\n", mode.c_str(), kBaseline.c_str());
    return 0;
  }
  int dropped = 0;
  std::printf("%-66s %8s %9s %8s\n", ("speed ratios, medians of 3 (" + mode + " mode)").c_str(), "now", "baseline",
              "change");
  for (const auto& [name, value] : now.items()) {
    const double v = value.get<double>();
    const bool known = base.contains(mode) && base[mode].contains(name);
    const double b = known ? base[mode][name].get<double>() : 0;
    const bool drop = known && v < b * (1 - kAllowedDrop);
    dropped += drop;
    if (known)
      std::printf("%-66s %8.4f %9.4f %+7.1f%%%s\n", name.c_str(), v, b, 100 * (v - b) / b,
                  drop ? "  DROP (more than 30%)" : "");
    else
      std::printf("%-66s %8.4f %9s\n", name.c_str(), v, "none");
  }
  return dropped ? 1 : 0;
}
