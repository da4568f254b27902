// sweep.json from a sweep's runs: for every condition, how many runs showed it, the windows (the
// intervals of the first varied value where it occurs, per value of the others, with their
// widths and whether each edge is exact), and under jitter its probability per grid point with a
// Clopper-Pearson 95% interval.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace sweep {

struct Plan;

// One run's line as the summaries read it: its varied values (in --vary order), the conditions it
// showed, or that it was bad input.
struct RunPoint {
  std::vector<double> at;
  std::vector<std::string> occurs;
  bool error = false;
};
// `run` < plan.runs(): a grid run, its values from the plan; above: a bisection run, from its line.
RunPoint run_point(const Plan& plan, std::uint64_t run, const nlohmann::ordered_json& line);

// `header`: runs.jsonl's first line; `lines`: every run's line. Deterministic: depends on the
// lines' content only, not on their order or on how many workers wrote them.
nlohmann::ordered_json summarize(const nlohmann::ordered_json& header,
                                 const std::map<std::uint64_t, std::string>& lines);

// The summary as the terminal shows it.
std::string summary_text(const nlohmann::ordered_json& summary);

// 0: no condition in any run; 1: some condition in some run; 2: some run was bad input.
int summary_exit_code(const nlohmann::ordered_json& summary);

}  // namespace sweep
