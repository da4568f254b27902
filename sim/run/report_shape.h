// The shape of report.json as far as it is known before a run: which paths an `expect` clause or
// a sweep's `--when` may name, and which maps are keyed by what happened (a count absent there
// was zero: no RESCHEDULE in `by_cause` means none interrupted the CPU).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "models/isa/image.h"
#include "sim/scenario/scenario.h"

namespace run {

// What a report of this scenario can hold: `skeleton` is the report of a run that did nothing
// (every section and fixed array present, every run-keyed map empty).
struct ReportShape {
  nlohmann::ordered_json skeleton;
  const isa::Image& img;  // the functions a callback or system-call key may name
  std::uint32_t ncpus;
};
ReportShape shape_of(const scenario::Scenario& s, const isa::Image& img, const std::vector<isa::Word>& boot);

// Empty when `path` can name a value in such a report; otherwise why not, one line
// ("\"x.y\" names nothing in the report: no \"y\" under \"x\" (there: a, b, c)").
std::string path_problem(const ReportShape& shape, const std::string& path);

// The value at `path` once the run is over: a count of a run-keyed map that is absent reads 0;
// anything else absent is nullopt.
std::optional<nlohmann::json> value_at(const nlohmann::ordered_json& report, const std::string& path);

}  // namespace run
