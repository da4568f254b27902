// Checks a scenario's `expect` clauses against its report.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

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
// Fails (InputError through doc) when a path names nothing in the report: a typo, not a result.
std::vector<ExpectResult> check(const scenario::JsonDoc& doc, const std::vector<scenario::Expect>& ex,
                                const nlohmann::ordered_json& report);

}  // namespace run
