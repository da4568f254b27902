// `isolsim explore SCENARIO`: every interleaving of a scenario's CPU programs, checked, with the
// shortest counter-example of each kind of violation as a table, JSON and Graphviz.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "sim/explore/explorer.h"
#include "sim/scenario/scenario.h"

namespace explore {

struct ScenarioOptions {
  Options explore;
  bool tso = true;       // false: sequentially consistent memory
  bool unreduced = false;  // every instruction a step (MachineConfig::fold_local_steps = false)
  bool memo_steps = true;   // MachineConfig::memo_steps
  bool check_memo = false;  // MachineConfig::check_memo (tests)
  bool all = false;       // every distinct counter-example (by its racing accesses), not one per kind
  std::string out_dir;   // explore.json and counterexample-*.dot; "" writes nothing
};

struct ScenarioOutcome {
  Result result;
  nlohmann::ordered_json json;  // what explore.json holds
  std::string text;             // the summary and the interleaving tables, as printed
  int exit_code = 0;            // 0 verified, 1 violation, 3 bounded with none found
};

ScenarioOutcome explore_scenario(const scenario::JsonDoc& doc, const scenario::Scenario& s,
                                 const ScenarioOptions& opts);

}  // namespace explore
