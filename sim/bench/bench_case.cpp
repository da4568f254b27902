#include "sim/bench/bench_case.h"

#include <chrono>
#include <fstream>
#include <sstream>

#include "sim/explore/explore_scenario.h"
#include "sim/explore/litmus.h"
#include "sim/explore/litmus_run.h"
#include "sim/run/expect.h"
#include "sim/run/runner.h"
#include "sim/scenario/scenario.h"

namespace bench {
namespace {

using J = nlohmann::ordered_json;

// The report's correctness counters (every violation the ledger counts, and what was sent and
// deferred), and its performance figures.
const char* const kExact[] = {
    "deferral.requests", "deferral.deliveries", "deferral.deferred", "deferral.ipi", "deferral.flushed_on_entry",
    "deferral.ipi_executions", "deferral.double_executions", "deferral.lost", "deferral.late",
    "deferral.deferred_to_kernel", "deferral.in_idle_code", "deferral.pending", "deferral.in_flight",
    "deferral.unattributed", "deferral.kernel_warnings", "run.ipis_sent",
    "interference.nohz_full_total.interrupts_in_user", "interference.nohz_full_total.ipis_in_user",
    "noise.block_interference.ipis_to_blocked"};
const char* const kTolerant[] = {"run.instructions", "interference.nohz_full_total.cycles_lost",
                                 "interference.nohz_full_total.worst_cycles"};

// The case's scenario file with its overrides applied.
scenario::JsonDoc load_case(const Case& c) {
  scenario::JsonDoc doc = scenario::JsonDoc::load_file(c.file);
  for (const std::string& a : c.sets) doc.apply_override(a);
  return doc;
}

J measure_run(const Case& c) {
  const scenario::JsonDoc doc = load_case(c);
  const scenario::Scenario s = scenario::load_scenario(doc);
  run::Options o;  // nothing written
  o.event_log = false;
  o.waveforms = false;
  const run::Outcome r = run::run_timed(doc, s, o);
  J exact = J::object(), tolerant = J::object();
  for (const char* path : kExact)
    if (const auto* v = run::lookup(r.report, path)) exact[path] = *v;
  for (const run::ExpectResult& e : r.expectations) exact["expect: " + e.text] = e.ok ? "holds" : "fails";
  for (const char* path : kTolerant)
    if (const auto* v = run::lookup(r.report, path)) tolerant[path] = *v;
  return {{"exact", exact}, {"tolerant", tolerant}};
}

J measure_explore(const Case& c) {
  const scenario::JsonDoc doc = load_case(c);
  const scenario::Scenario s = scenario::load_scenario(doc);
  explore::ScenarioOptions o;
  if (c.max_states) o.explore.bounds.max_states = c.max_states;
  const explore::ScenarioOutcome r = explore::explore_scenario(doc, s, o);
  J kinds = J::array();
  for (const auto& v : r.json["violations"]) kinds.push_back(v["kind"]);
  const char* verdict = r.exit_code == 0 ? "verified" : r.exit_code == 1 ? "violation found" : "bound reached";
  return {{"exact", {{"verdict", verdict}, {"violations", kinds}}},
          {"tolerant", {{"states", r.result.states}, {"transitions", r.result.transitions}}}};
}

J measure_litmus(const Case& c) {
  std::ifstream in(c.file);
  if (!in) throw scenario::InputError(c.file + ": cannot open");
  std::stringstream text;
  text << in.rdbuf();
  const explore::Litmus lit = explore::parse_litmus(text.str(), c.file);
  explore::Bounds b;
  if (c.max_states) b.max_states = c.max_states;
  const explore::LitmusOutcome o = explore::run_litmus(lit, true, b);
  // herd7's answer whole: its states, Ok/No, the witnesses and the observation
  J answer = J::array();
  std::istringstream lines(explore::herd_report(lit, o));
  for (std::string line; std::getline(lines, line);) answer.push_back(line);
  return {{"exact", {{"answer", answer}, {"complete", o.exploration.complete}}},
          {"tolerant", {{"states", o.exploration.states}}}};
}

}  // namespace

J measure(const Case& c) {
  const auto t0 = std::chrono::steady_clock::now();
  J out = c.verb == "explore" ? measure_explore(c) : c.verb == "litmus" ? measure_litmus(c) : measure_run(c);
  out["seconds"] = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return out;
}

}  // namespace bench
