// Checks a scenario's `expect` clauses against its report.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "sim/run/report_shape.h"
#include "sim/scenario/scenario.h"

namespace run {

struct ExpectResult {
  std::string text;           // "deferral.double_executions == 1"
  nlohmann::json actual;      // null when the path names nothing
  bool ok = false;
};

// The value at a dotted path ("interference.cpus.2.ipis_in_user"), or nullptr.
const nlohmann::ordered_json* lookup(const nlohmann::ordered_json& report, const std::string& path);
// `actual OP value`: == and != compare any JSON values, the others numbers (false otherwise).
bool holds(const nlohmann::json& actual, const std::string& op, const nlohmann::json& value);
// Before the run: fails (InputError through doc) when a path can name nothing in the report, a
// typo rather than a result.
void check_paths(const scenario::JsonDoc& doc, const std::vector<scenario::Expect>& ex, const ReportShape& shape);
// After it: an absent count is 0 (report_shape.h); a path that names an object fails as above.
std::vector<ExpectResult> check(const scenario::JsonDoc& doc, const std::vector<scenario::Expect>& ex,
                                const nlohmann::ordered_json& report);

}  // namespace run
