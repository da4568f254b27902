// A suite's results against its stored baseline: what changed, as a table, JUnit XML or TAP.
#pragma once

#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "sim/bench/suite.h"

namespace bench {

struct Change {
  std::string field;
  std::string baseline, now;  // as JSON text; "" when absent
  std::string why;            // "changed", "drifted 7.1% > 5%", "new figure", "gone"
};

struct CaseResult {
  std::string name;
  std::string error;            // the case's bad input or crash (a regression)
  bool no_baseline = false;     // not in the baseline yet (a regression until --update-baseline)
  std::vector<Change> changes;  // every difference with the baseline; any is a regression
  double seconds = 0;
  bool regression() const { return !error.empty() || no_baseline || !changes.empty(); }
};

// Each case's figures (bench_case.h, or {"error": why}) against baseline["cases"][name].
std::vector<CaseResult> compare(const Suite& suite, const std::map<std::string, nlohmann::ordered_json>& measured,
                                const nlohmann::ordered_json& baseline);

// {"suite": ..., "tolerance": ..., "cases": {name: {"exact", "tolerant"}}}: what --update-baseline writes.
nlohmann::ordered_json make_baseline(const Suite& suite, const std::map<std::string, nlohmann::ordered_json>& measured);

std::string table(const std::vector<CaseResult>& results);  // the changes, one line each, and a total
std::string junit(const std::string& suite_name, const std::vector<CaseResult>& results);
std::string tap(const std::vector<CaseResult>& results);

}  // namespace bench
