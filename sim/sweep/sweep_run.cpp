#include "sim/sweep/sweep_run.h"

#include "sim/run/expect.h"
#include "sim/run/report_json.h"
#include "sim/run/report_shape.h"
#include "sim/run/runner.h"
#include "sim/scenario/scenario.h"

namespace sweep {
namespace {

// The ledger's violation counters (the explorer's kinds), and seed 000's: an IPI that reached a
// CPU after the write that blocked it had returned.
std::vector<std::pair<std::string, std::string>> violation_paths() {
  std::vector<std::pair<std::string, std::string>> out = run::violation_counters();
  out.push_back({"ipi_to_blocked", "noise.block_interference.ipis_to_blocked"});
  return out;
}

}  // namespace

std::vector<Condition> conditions(const Plan& plan, const scenario::Scenario& s) {
  std::vector<Condition> out;
  for (const auto& [kind, path] : violation_paths()) out.push_back({kind, path + " > 0"});
  for (const scenario::Expect& e : s.expect) out.push_back({"expect: " + e.text, "fails"});
  for (const When& w : plan.when) out.push_back({"when: " + w.text, "holds"});
  return out;
}

std::optional<std::string> run_line(const scenario::JsonDoc& base, const Plan& plan, std::uint64_t index,
                     const nlohmann::ordered_json& values) {
  nlohmann::ordered_json line;
  line["run"] = index;
  line["values"] = values;
  try {
    scenario::JsonDoc doc = base;
    for (const auto& [path, v] : values.items()) doc.apply_override(path + "=" + v.dump());
    const scenario::Scenario s = scenario::load_scenario(doc);
    run::Options o;  // no out_dir: nothing written, the report kept in memory
    o.event_log = false;
    o.waveforms = false;
    o.reuse = true;
    const run::Outcome r = run::run_timed(doc, s, o);
    nlohmann::ordered_json figures = nlohmann::ordered_json::object();
    nlohmann::ordered_json occurs = nlohmann::ordered_json::array();
    for (const auto& [kind, path] : violation_paths()) {
      const nlohmann::ordered_json* v = run::lookup(r.report, path);
      if (!v) continue;  // a section this scenario has none of
      figures[path] = *v;
      if (v->is_number() && v->get<double>() > 0) occurs.push_back(kind);
    }
    for (const run::ExpectResult& e : r.expectations)
      if (!e.ok) occurs.push_back("expect: " + e.text);
    for (const When& w : plan.when) {
      const std::optional<nlohmann::json> v = run::value_at(r.report, w.path);  // an absent count is 0
      if (v && v->is_object())
        throw scenario::InputError("--when " + w.text + ": \"" + w.path + "\" is not a single value (see docs/report.md)");
      figures[w.path] = v.value_or(nullptr);
      if (run::holds(v.value_or(nullptr), w.op, w.value)) occurs.push_back("when: " + w.text);
    }
    line["figures"] = figures;
    line["occurs"] = occurs;
  } catch (const run::NeedsNewProcess&) {
    return std::nullopt;
  } catch (const std::exception& e) {
    line["error"] = e.what();
  }
  return line.dump();
}

}  // namespace sweep
