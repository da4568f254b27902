#include "sim/sweep/windows.h"

#include <boost/math/distributions/binomial.hpp>
#include <set>
#include <sstream>
#include <vector>

#include "sim/sweep/sweep_plan.h"

namespace sweep {
namespace {

using J = nlohmann::ordered_json;

struct Point {
  std::uint64_t runs = 0;
  std::map<std::string, std::uint64_t> occurs;  // condition -> runs that showed it
};

// Clopper-Pearson's exact two-sided 95% interval for k successes in n trials (Boost.Math).
std::pair<double, double> clopper_pearson(std::uint64_t n, std::uint64_t k) {
  using boost::math::binomial_distribution;
  const double alpha = 0.05;
  return {binomial_distribution<>::find_lower_bound_on_p(static_cast<double>(n), static_cast<double>(k), alpha / 2),
          binomial_distribution<>::find_upper_bound_on_p(static_cast<double>(n), static_cast<double>(k), alpha / 2)};
}

}  // namespace

RunPoint run_point(const Plan& plan, std::uint64_t run, const J& line) {
  RunPoint rp;
  if (line.contains("error")) {
    rp.error = true;
    return rp;
  }
  if (!plan.vary.empty()) {
    if (run < plan.runs()) {
      rp.at = plan.grid_values(run / plan.samples);
    } else {  // a bisection run: its values are the point
      for (const Vary& v : plan.vary) rp.at.push_back(line.at("values").at(v.path).get<double>());
    }
  }
  for (const auto& c : line.at("occurs")) rp.occurs.push_back(c.get<std::string>());
  return rp;
}

J summarize(const J& header, const std::map<std::uint64_t, std::string>& lines) {
  const J& def = header.at("sweep");
  const Plan plan = plan_from_definition(def);
  const std::uint64_t grid_runs = plan.runs();
  // Points keyed by their varied values (other varies first, then the first: rows stay together).
  std::map<std::vector<double>, Point> points;
  std::map<std::string, std::uint64_t> total;
  std::uint64_t errors = 0, edge_runs = 0;
  J first_error;
  for (const auto& [run, text] : lines) {
    const J line = J::parse(text);
    if (run >= grid_runs) ++edge_runs;
    const RunPoint rp = run_point(plan, run, line);
    if (rp.error) {
      if (!errors) first_error = {{"run", run}, {"values", line["values"]}, {"error", line["error"]}};
      ++errors;
      continue;
    }
    std::vector<double> key;
    if (!rp.at.empty()) {
      key.assign(rp.at.begin() + 1, rp.at.end());
      key.push_back(rp.at[0]);
    }
    Point& p = points[key];
    ++p.runs;
    for (const std::string& c : rp.occurs) {
      ++p.occurs[c];
      ++total[c];
    }
  }
  auto value_json = [&](std::size_t k, double v) { return J(number(v, plan.vary[k].integer)); };
  auto at_json = [&](const std::vector<double>& key) {
    J at = J::object();
    for (std::size_t k = 1; k < plan.vary.size(); ++k) at[plan.vary[k].path] = value_json(k, key[k - 1]);
    return at;
  };

  J out;
  out["sweep"] = def;
  if (header.contains("shard")) out["shard"] = header["shard"];
  out["runs"] = lines.size();
  out["edge_runs"] = edge_runs;
  out["errors"] = errors;
  if (errors) out["first_error"] = first_error;
  J conds = J::array();
  for (const auto& c : def.at("conditions")) {
    const std::string name = c.at("name");
    J cj;
    cj["name"] = name;
    cj["what"] = c.at("what");
    cj["runs"] = total.count(name) ? total[name] : 0;
    if (!plan.vary.empty()) {
      J windows = J::array();
      const bool integer = plan.vary[0].integer;
      auto it = points.begin();
      while (it != points.end()) {
        // One row: the points that share every varied value but the first.
        const std::vector<double> row(it->first.begin(), it->first.end() - 1);
        std::vector<std::pair<double, bool>> seq;
        for (; it != points.end() && std::equal(row.begin(), row.end(), it->first.begin()); ++it)
          seq.push_back({it->first.back(), it->second.occurs.count(name) > 0});
        J intervals = J::array();
        for (std::size_t i = 0; i < seq.size();) {
          if (!seq[i].second) {
            ++i;
            continue;
          }
          std::size_t j = i;
          while (j + 1 < seq.size() && seq[j + 1].second) ++j;
          const double from = seq[i].first, to = seq[j].first;
          J iv;
          iv["from"] = value_json(0, from);
          iv["to"] = value_json(0, to);
          iv["width"] = value_json(0, integer ? to - from + 1 : to - from);
          const bool has_below = i > 0, has_above = j + 1 < seq.size();
          const double below = has_below ? seq[i - 1].first : 0, above = has_above ? seq[j + 1].first : 0;
          // An edge is exact when the nearest value tried on its other side is one cycle away.
          const bool exact_from = has_below && integer && from - below == 1;
          const bool exact_to = has_above && integer && above - to == 1;
          iv["exact"] = exact_from && exact_to;
          iv["clear_below"] = has_below ? value_json(0, below) : J(nullptr);
          iv["clear_above"] = has_above ? value_json(0, above) : J(nullptr);
          if (!(exact_from && exact_to) && has_below && has_above)
            iv["width_at_most"] = value_json(0, integer ? above - below - 1 : above - below);
          intervals.push_back(iv);
          i = j + 1;
        }
        if (!intervals.empty()) windows.push_back({{"at", at_json(row)}, {"path", plan.vary[0].path}, {"intervals", intervals}});
      }
      cj["windows"] = windows;
    }
    if (plan.samples > 1) {
      J prob = J::array();
      for (const auto& [key, p] : points) {
        const std::uint64_t k = p.occurs.count(name) ? p.occurs.at(name) : 0;
        const auto [lo, hi] = clopper_pearson(p.runs, k);
        J at = J::object();
        if (!plan.vary.empty()) {
          at[plan.vary[0].path] = value_json(0, key.back());
          for (auto& [path, v] : at_json(key).items()) at[path] = v;
        }
        prob.push_back({{"at", at}, {"runs", p.runs}, {"occurs", k},
                        {"p", static_cast<double>(k) / static_cast<double>(p.runs)}, {"ci95", {lo, hi}}});
      }
      cj["probability"] = prob;
    }
    conds.push_back(cj);
  }
  out["conditions"] = conds;
  return out;
}

std::string summary_text(const J& s) {
  std::ostringstream o;
  const J& def = s["sweep"];
  o << "sweep of " << def["scenario"].get<std::string>() << ": " << s["runs"] << " runs";
  if (s["edge_runs"].get<std::uint64_t>()) o << " (" << s["edge_runs"] << " of them bisecting edges)";
  for (const auto& v : def["vary"])
    o << "; " << v["path"].get<std::string>() << " " << v["start"].dump() << ".." << v["stop"].dump()
      << " step " << v["step"].dump();
  for (const auto& j : def["jitter"]) o << "; " << j["path"].get<std::string>() << " ~ " << j["dist"].get<std::string>();
  if (def["samples"].get<std::uint64_t>() > 1) o << "; " << def["samples"] << " samples per point, seed " << def["seed"];
  if (s.contains("shard")) o << " (shard " << s["shard"].get<std::string>() << ")";
  o << "\n";
  std::vector<std::string> never;
  for (const auto& c : s["conditions"]) {
    const std::string name = c["name"];
    const std::uint64_t runs = c["runs"];
    if (!runs) {
      never.push_back(name);
      continue;
    }
    o << "  " << name << ": " << runs << " of " << s["runs"] << " runs";
    if (c.contains("windows")) {
      for (const auto& w : c["windows"]) {
        o << "\n    " << w["path"].get<std::string>();
        for (const auto& [path, v] : w["at"].items()) o << " (" << path << " = " << v.dump() << ")";
        o << " in";
        bool first = true;
        for (const auto& iv : w["intervals"]) {
          o << (first ? " " : ", ") << iv["from"].dump() << ".." << iv["to"].dump() << " (";
          if (iv["exact"].get<bool>()) o << iv["width"].dump() << " wide)";
          else if (iv.contains("width_at_most")) o << iv["width"].dump() << " to " << iv["width_at_most"].dump() << " wide)";
          else if (iv["clear_below"].is_null() && iv["clear_above"].is_null()) o << "every value swept)";
          else o << "at least " << iv["width"].dump() << " wide, cut by the sweep's "
                 << (iv["clear_below"].is_null() ? "start)" : "end)");
          first = false;
        }
      }
    }
    if (c.contains("probability")) {
      const J* best = nullptr;
      for (const auto& p : c["probability"])
        if (!best || p["p"].get<double>() > (*best)["p"].get<double>()) best = &p;
      if (best) {
        char buf[128];
        std::snprintf(buf, sizeof buf, "p = %.3f, 95%% CI [%.3f, %.3f]", (*best)["p"].get<double>(),
                      (*best)["ci95"][0].get<double>(), (*best)["ci95"][1].get<double>());
        o << "\n    " << (c["probability"].size() > 1 ? "highest " : "") << buf << " (" << (*best)["occurs"] << " of "
          << (*best)["runs"] << ")";
        if (!(*best)["at"].empty()) o << " at " << (*best)["at"].dump();
      }
    }
    o << "\n";
  }
  if (!never.empty()) {
    o << "  in no run:";
    for (std::size_t i = 0; i < never.size(); ++i) o << (i ? ", " : " ") << never[i];
    o << "\n";
  }
  if (s["errors"].get<std::uint64_t>())
    o << "  " << s["errors"] << " runs were bad input; the first, run " << s["first_error"]["run"] << ": "
      << s["first_error"]["error"].get<std::string>() << "\n";
  return o.str();
}

int summary_exit_code(const J& s) {
  if (s["errors"].get<std::uint64_t>()) return 2;
  for (const auto& c : s["conditions"])
    if (c["runs"].get<std::uint64_t>()) return 1;
  return 0;
}

}  // namespace sweep
