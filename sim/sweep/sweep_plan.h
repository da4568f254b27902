// What a sweep runs: the varied values (a grid), the jittered ones (drawn per run from a seeded
// distribution), and the conditions looked for in each run's report. Run i's values depend on i
// and the plan only, so that workers, shards and resumed sweeps agree on every run.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "sim/scenario/json_doc.h"

namespace sweep {

// --vary PATH=START:STOP:STEP (STOP included when the steps land on it).
struct Vary {
  std::string path;     // as written (dotted or a JSON pointer)
  std::string pointer;  // JSON pointer into the scenario
  double start = 0, stop = 0, step = 1;
  bool integer = true;  // every value a whole number (the scenario's value is one, and so are the bounds)
  std::uint64_t count() const;             // how many values
  double value(std::uint64_t k) const { return start + static_cast<double>(k) * step; }
};

// --jitter PATH=DIST: uniform(A,B), normal(MEAN,SD) or [V1,V2,...] (one picked at random); a
// leading "+" adds the draw to the value the run would have had without jitter.
struct Jitter {
  std::string path, pointer, text;
  enum Kind { kUniform, kNormal, kList } kind = kUniform;
  bool offset = false;
  double a = 0, b = 0;
  std::vector<double> list;
  bool integer = true;  // draws are rounded to whole numbers
};

// --when 'PATH OP VALUE': a condition on the report, flagged in every run where it holds.
struct When {
  std::string text, path, op;
  nlohmann::json value;
};

struct Plan {
  std::string file;            // the scenario, as given
  std::vector<std::string> sets;  // --set overrides, applied before the varied values
  std::vector<Vary> vary;
  std::vector<Jitter> jitter;
  std::uint64_t samples = 1;   // runs per grid point (jitter draws)
  std::uint64_t seed = 1;
  std::vector<When> when;

  std::uint64_t grid_points() const;
  std::uint64_t runs() const { return grid_points() * samples; }
  // The values of run `index` (grid point index / samples, sample index % samples), in the order
  // vary then jitter; `base` is the scenario after --set (the value an offset jitter adds to).
  nlohmann::ordered_json values(std::uint64_t index, const scenario::JsonDoc& base) const;
  // The grid values of grid point g, one per vary.
  std::vector<double> grid_values(std::uint64_t g) const;
  // What defines the results (not how they are computed: no jobs, shard or output folder).
  nlohmann::ordered_json definition() const;
};

// The grid and samples of a written definition (runs.jsonl's header), for summaries and merges.
Plan plan_from_definition(const nlohmann::ordered_json& definition);

// Parses the options against the scenario (after --set): every path must name a number there.
// Throws scenario::InputError naming the option.
Vary parse_vary(const std::string& arg, const scenario::JsonDoc& doc);
Jitter parse_jitter(const std::string& arg, const scenario::JsonDoc& doc);
When parse_when(const std::string& arg);

// "a.b.2" -> "/a/b/2"; a JSON pointer stays as it is.
std::string to_pointer(const std::string& path);
// A JSON number from a double: an integer when `integer` (the scenario's cycles are integers).
nlohmann::json number(double v, bool integer);

}  // namespace sweep
