// Pieces of load_scenario() shared by the files it is split into (scenario.cpp, workload_steps.cpp,
// cpulist.cpp); not part of the scenario API.
#pragma once

#include <cstdint>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "sim/scenario/json_reader.h"
#include "sim/scenario/scenario.h"

namespace scenario {

// A string as JSON writes it, quotes included: how messages quote the input.
inline std::string jq(const std::string& s) {
  return nlohmann::json(s).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

// A number as messages print it: "%g"-like but without exponents for the usual values: 3000, 2.5,
// 0.001.
inline std::string num(double v) {
  std::ostringstream o;
  o.precision(15);
  o << v;
  return o.str();
}

// [A-Za-z_][A-Za-z0-9_]*
inline bool is_identifier(const std::string& s) {
  if (s.empty()) return false;
  auto alpha = [](char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; };
  if (!alpha(s[0])) return false;
  for (char c : s)
    if (!alpha(c) && !(c >= '0' && c <= '9')) return false;
  return true;
}

// Marks `keys` as known and rejects any other key of `r` at once, so a misspelt key is reported
// before the "missing required key" it usually causes.
inline void only_keys(const ObjectReader& r, const std::vector<std::string>& keys) {
  for (const auto& k : keys) r.has(k);
  r.finish();
}

// The `workload` section of `root` (docs/scenario.md "workload"): one entry per CPU.
std::vector<CpuWorkload> load_workload(const JsonDoc& doc, const ObjectReader& root, std::uint32_t cpus,
                                       std::uint64_t run_cycles);

// A CPU set at `key` of `r`, given as an array of CPU numbers or a cpulist string; rejects CPUs out
// of range and CPUs listed twice.
std::vector<std::uint32_t> read_cpu_set(const JsonDoc& doc, const ObjectReader& r, const std::string& key,
                                        std::uint32_t ncpus);

// The `sources` section of `root` (docs/scenario.md "sources"); needs the platform, kernel, run and
// workload of `s` loaded.
std::vector<Source> load_sources(const JsonDoc& doc, const ObjectReader& root, const Scenario& s);

}  // namespace scenario
