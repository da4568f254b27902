// From an explorer counter-example to a scenario `isolsim run` replays into the same violation:
// each CPU's workload is started at a chosen cycle, and the start cycles are searched, one timed
// run per forked child, until the timed run's conflicting accesses come in the counter-example's
// order (or at least the violation shows in the timed report).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "sim/scenario/json_doc.h"
#include "sim/scenario/scenario.h"

namespace replay {

struct Options {
  int max_runs = 200;          // timed runs tried before giving up
  std::string memory_model;    // the exploration's: "tso" (stores count when they drain) or "sc"
};

struct Result {
  bool replayable = false;      // the violation kind has a count in the timed report
  bool reproduced = false;      // the timed run with `start` shows the violation
  bool order_matched = false;   // ... and every conflicting pair of accesses came in the
                                // counter-example's order
  std::vector<std::uint64_t> start;  // per CPU: the cycle its workload starts
  int runs = 0;
  std::string report_path;      // "deferral.double_executions", ...
  std::string note;             // what did not match, when something did not
  nlohmann::ordered_json scenario;  // the replay scenario (expects the violation)
};

// `violation`: one element of explore.json's "violations" (kind, steps). Throws
// scenario::InputError if a timed run rejects the scenario.
Result find_replay(const scenario::JsonDoc& doc, const scenario::Scenario& s, const nlohmann::json& violation,
                   const Options& opts);

}  // namespace replay
