// One run of a sweep: the scenario with the run's values set, simulated, and the JSON line it adds
// to runs.jsonl (its values, the report figures the conditions read, the conditions that held).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "sim/scenario/json_doc.h"
#include "sim/scenario/scenario.h"
#include "sim/sweep/sweep_plan.h"

namespace sweep {

// A condition looked for in every run: a violation the ledger counts (the explorer's kinds), a
// scenario `expect` that fails, or a --when that holds.
struct Condition {
  std::string name;  // "double_execution", "expect: deferral.lost == 0", "when: PATH > 5000"
  std::string what;  // how a run shows it: "deferral.double_executions > 0", ...
};

// The conditions of a plan on a scenario (after --set), in the order sweep.json lists them.
std::vector<Condition> conditions(const Plan& plan, const scenario::Scenario& s);

// Runs `values` (one run's, from Plan::values) in this process, a worker's (sim/workers), on the
// platform its last run left (run::Options::reuse). Never throws: bad input is the line's
// "error"; nullopt when this process cannot run it and a new one must.
std::optional<std::string> run_line(const scenario::JsonDoc& base, const Plan& plan, std::uint64_t index,
                     const nlohmann::ordered_json& values);

}  // namespace sweep
