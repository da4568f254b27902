// Runs one scenario in timed simulation and writes its outputs. SystemC elaborates once per
// process: a process runs one scenario, or many that share its platform (Options::reuse).
#pragma once

#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "sim/run/expect.h"
#include "sim/scenario/scenario.h"

namespace run {

struct Options {
  std::string out_dir;        // report.json, events.log, context.vcd, trace.json; "" writes nothing
  bool event_log = true;
  bool record = true;         // false: simulate only, no ledger or timeline (benchmarks); the
                              // report then holds the run's figures and nothing observed
  bool run_ahead = true;      // hw::PlatformConfig::run_ahead
  bool waveforms = true;      // context.vcd and trace.json (searches that read only the log skip them)
  bool elaborate_only = false;  // build the image and the SystemC platform, then stop: the floor
                                // a sweep's runs are measured against (bench/bench_sweep.cpp)
  std::string ftrace;         // a file for the run as `trace-cmd report` prints a trace ("": none)
  std::string svg;            // a file for the run's timeline as an SVG picture ("": none)
  std::string svg_window;     // "FROM:TO": the cycles it shows ("": the whole run)
  double max_seconds = 0;     // wall time, from the start of run_timed(), after which the run stops
                              // where it is and reports that far (0: no bound)
  bool reuse = false;         // keep the platform for this process's next run, which resets it
                              // (sweep workers); not with max_seconds or elaborate_only
};

// run_timed() cannot run this scenario in this process: it elaborated a platform another run
// cannot reuse (other CPUs, a fault that stopped SystemC, a run without Options::reuse). A new
// process can.
struct NeedsNewProcess : std::runtime_error {
  NeedsNewProcess() : std::runtime_error("SystemC already elaborated another platform in this process") {}
};

struct Outcome {
  nlohmann::ordered_json report;
  std::vector<ExpectResult> expectations;
  std::uint64_t instructions = 0;
  double wall_seconds = 0;    // not part of the report: it would break byte-identical output
  double run_seconds = 0;     // of which the simulation itself, without building the machine or the outputs
  std::string bound;          // why the run stopped before its end ("": it did not); the report,
                              // expectations unchecked, covers the cycles simulated
};

// Throws scenario::InputError for bad input, including a fault of the scenario's programs.
Outcome run_timed(const scenario::JsonDoc& doc, const scenario::Scenario& s, const Options& opts);

}  // namespace run
