#include "sim/bench/baseline.h"

#include <cmath>
#include <cstdio>
#include <sstream>

#include "sim/report/xml_escape.h"

namespace bench {
namespace {

using J = nlohmann::ordered_json;

void compare_section(const J& base, const J& now, bool tolerant, double tolerance, std::vector<Change>& out) {
  for (const auto& [field, b] : base.items()) {
    const auto it = now.find(field);
    if (it == now.end()) {
      out.push_back({field, b.dump(), "", "gone"});
      continue;
    }
    if (*it == b) continue;
    if (tolerant && b.is_number() && it->is_number()) {
      const double x = b.get<double>(), y = it->get<double>();
      const double drift = std::fabs(y - x) / std::max(std::fabs(x), 1.0);
      if (drift <= tolerance) continue;
      char why[96];
      std::snprintf(why, sizeof why, "drifted %+.1f%% (tolerance %.0f%%)", 100 * (y - x) / std::max(std::fabs(x), 1.0),
                    100 * tolerance);
      out.push_back({field, b.dump(), it->dump(), why});
      continue;
    }
    out.push_back({field, b.dump(), it->dump(), "changed"});
  }
  for (const auto& [field, v] : now.items())
    if (!base.contains(field)) out.push_back({field, "", v.dump(), "new figure"});
}

// What a failed case says, one line per change.
std::string failure_lines(const CaseResult& r) {
  if (!r.error.empty()) return r.error + "\n";
  if (r.no_baseline) return "no baseline for this case (isolsim bench --update-baseline records one)\n";
  std::string out;
  for (const Change& c : r.changes)
    out += c.field + ": " + (c.baseline.empty() ? "-" : c.baseline) + " -> " + (c.now.empty() ? "-" : c.now) + " (" +
           c.why + ")\n";
  return out;
}

}  // namespace

std::vector<CaseResult> compare(const Suite& suite, const std::map<std::string, J>& measured, const J& baseline) {
  std::vector<CaseResult> out;
  const J empty = J::object();
  const J& cases = baseline.contains("cases") ? baseline["cases"] : empty;
  for (const Case& c : suite.cases) {
    CaseResult r;
    r.name = c.name;
    const J& now = measured.at(c.name);
    r.seconds = now.value("seconds", 0.0);
    if (now.contains("error")) {
      r.error = now["error"].get<std::string>();
    } else if (!cases.contains(c.name)) {
      r.no_baseline = true;
    } else {
      const J& base = cases[c.name];
      compare_section(base.value("exact", empty), now["exact"], false, suite.tolerance, r.changes);
      compare_section(base.value("tolerant", empty), now["tolerant"], true, suite.tolerance, r.changes);
    }
    out.push_back(std::move(r));
  }
  return out;
}

J make_baseline(const Suite& suite, const std::map<std::string, J>& measured) {
  J cases = J::object();
  for (const Case& c : suite.cases) {
    const J& m = measured.at(c.name);
    if (m.contains("error")) continue;
    cases[c.name] = {{"exact", m["exact"]}, {"tolerant", m["tolerant"]}};
  }
  return {{"suite", suite.path}, {"tolerance", suite.tolerance}, {"cases", cases}};
}

std::string table(const std::vector<CaseResult>& results) {
  std::ostringstream out;
  std::size_t wc = 4, wf = 5, wb = 8, wn = 3;
  for (const CaseResult& r : results) {
    wc = std::max(wc, r.name.size());
    for (const Change& c : r.changes) {
      wf = std::max(wf, c.field.size());
      wb = std::max(wb, c.baseline.size());
      wn = std::max(wn, c.now.size());
    }
  }
  auto row = [&](const std::string& a, const std::string& b, const std::string& c, const std::string& d,
                 const std::string& e) {
    char line[64];
    std::snprintf(line, sizeof line, "%%-%zus  %%-%zus  %%-%zus  %%-%zus  %%s\n", wc, wf, wb, wn);
    char buf[2048];
    std::snprintf(buf, sizeof buf, line, a.c_str(), b.c_str(), c.c_str(), d.c_str(), e.c_str());
    std::string text = buf;
    text.erase(text.find_last_not_of(" \n") + 1);
    out << text << "\n";
  };
  std::size_t bad = 0;
  for (const CaseResult& r : results) bad += r.regression();
  if (bad) row("case", "field", "baseline", "now", "");
  for (const CaseResult& r : results) {
    if (!r.error.empty()) row(r.name, "(error)", "", "", r.error);
    if (r.no_baseline) row(r.name, "(no baseline)", "", "", "isolsim bench --update-baseline records one");
    for (const Change& c : r.changes) row(r.name, c.field, c.baseline.empty() ? "-" : c.baseline,
                                          c.now.empty() ? "-" : c.now, c.why);
  }
  out << results.size() - bad << " of " << results.size() << " cases as their baseline"
      << (bad ? ", " + std::to_string(bad) + " regressed" : std::string()) << "\n";
  return out.str();
}

std::string junit(const std::string& suite_name, const std::vector<CaseResult>& results) {
  std::size_t failures = 0;
  double total = 0;
  for (const CaseResult& r : results) failures += r.regression(), total += r.seconds;
  std::ostringstream out;
  char t[32];
  std::snprintf(t, sizeof t, "%.3f", total);
  out << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      << "<testsuites tests=\"" << results.size() << "\" failures=\"" << failures << "\" time=\"" << t << "\">\n"
      << "  <testsuite name=\"" << report::xml_escape(suite_name) << "\" tests=\"" << results.size() << "\" failures=\""
      << failures << "\" time=\"" << t << "\">\n";
  for (const CaseResult& r : results) {
    std::snprintf(t, sizeof t, "%.3f", r.seconds);
    out << "    <testcase classname=\"isolsim.bench\" name=\"" << report::xml_escape(r.name) << "\" time=\"" << t << "\"";
    if (!r.regression()) {
      out << "/>\n";
      continue;
    }
    const std::string lines = failure_lines(r);
    out << ">\n      <failure message=\"" << report::xml_escape(lines.substr(0, lines.find('\n'))) << "\">"
        << report::xml_escape(lines) << "</failure>\n    </testcase>\n";
  }
  out << "  </testsuite>\n</testsuites>\n";
  return out.str();
}

std::string tap(const std::vector<CaseResult>& results) {
  std::ostringstream out;
  out << "TAP version 13\n1.." << results.size() << "\n";
  for (std::size_t i = 0; i < results.size(); ++i) {
    const CaseResult& r = results[i];
    out << (r.regression() ? "not ok " : "ok ") << i + 1 << " - " << r.name << "\n";
    if (!r.regression()) continue;
    out << "  ---\n  message: |\n";
    std::istringstream lines(failure_lines(r));
    for (std::string l; std::getline(lines, l);) out << "    " << l << "\n";
    out << "  ...\n";
  }
  return out.str();
}

}  // namespace bench
