#include "sim/bench/bench.h"

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "models/isa/assembler.h"
#include "sim/bench/baseline.h"
#include "sim/bench/bench_case.h"
#include "sim/bench/suite.h"
#include "sim/scenario/json_doc.h"
#include "sim/workers/workers.h"

namespace bench {
namespace {

using J = nlohmann::ordered_json;

std::string error_line(const std::string& why) { return J{{"error", why}}.dump(); }

J read_baseline(const std::string& path) {
  std::ifstream in(path);
  if (!in) return J::object();  // none yet: every case is reported without one
  std::stringstream text;
  text << in.rdbuf();
  J b = J::parse(text.str(), nullptr, false);
  if (b.is_discarded() || !b.is_object() || (b.contains("cases") && !b["cases"].is_object()))
    throw scenario::InputError(path + ": not a baseline written by isolsim bench --update-baseline");
  return b;
}

}  // namespace

int bench_command(const Options& opts, std::ostream& out) {
  const Suite suite = read_suite(opts.suite);
  const std::string baseline_path = opts.baseline.empty() ? suite.baseline : opts.baseline;
  const J baseline = opts.update ? J::object() : read_baseline(baseline_path);  // bad baseline: before any run

  std::vector<std::uint64_t> indices;
  for (std::uint64_t i = 0; i < suite.cases.size(); ++i) indices.push_back(i);
  std::map<std::string, J> measured;
  workers::run_in_workers(
      indices, opts.jobs,
      [&](std::uint64_t i) {
        try {
          return measure(suite.cases[i]).dump();
        } catch (const std::exception& e) {  // InputError, AsmError: the case's own bad input
          return error_line(e.what());
        }
      },
      [&](std::uint64_t i, const std::string& line) {
        J j = J::parse(line, nullptr, false);
        measured[suite.cases[i].name] = j.is_discarded() ? J{{"error", "unreadable result: " + line}} : j;
      },
      [&](std::uint64_t i, const std::string& why) { return error_line(suite.cases[i].file + ": " + why); });

  if (opts.update) {
    std::ofstream f(baseline_path);
    if (!(f << make_baseline(suite, measured).dump(2) << "\n"))
      throw scenario::InputError(baseline_path + ": cannot write");
    std::size_t errors = 0;
    for (const auto& [name, m] : measured)
      if (m.contains("error")) {
        ++errors;
        out << name << ": " << m["error"].get<std::string>() << " (not recorded)\n";
      }
    out << "baseline of " << suite.cases.size() - errors << " cases written to " << baseline_path << "\n";
    return errors ? 1 : 0;
  }
  const std::vector<CaseResult> results = compare(suite, measured, baseline);
  out << (opts.tap ? tap(results) : table(results));
  if (!opts.junit.empty()) {
    std::ofstream f(opts.junit);
    if (!(f << junit(suite.path, results))) throw scenario::InputError(opts.junit + ": cannot write");
  }
  for (const CaseResult& r : results)
    if (r.regression()) return 1;
  return 0;
}

}  // namespace bench
