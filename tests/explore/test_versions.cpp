// The versions table of docs/explore.md, row by row: each version of the deferral series explored
// on its scenario gives the verdict, the findings, the length of the shortest counter-example and
// the number of states the table prints (its time column is the one figure not checked).
#include <gtest/gtest.h>

#include <regex>
#include <sstream>
#include <string>

#include "sim/explore/explore_scenario.h"
#include "sim/scenario/json_doc.h"
#include "slurp.h"

namespace {

struct Row {
  std::string version, scenario, verdict, findings, counterexample, states;
};

// The rows between the table's marker comment and the first line that is not a row.
std::vector<Row> table() {
  std::istringstream doc(slurp(std::string(ISOLSIM_SOURCE_DIR) + "/docs/explore.md"));
  const std::regex row(R"(^\| `([a-z0-9]+)` \| `([a-z0-9_]+\.json)` \| ([a-z]+) \| ([^|]+) \| ([0-9-]+) \| ([0-9,]+) \| [0-9.]+ \|$)");
  std::vector<Row> out;
  bool in = false;
  for (std::string line; std::getline(doc, line);) {
    if (line.find("<!-- versions table") != std::string::npos) {
      in = true;
      continue;
    }
    if (!in || line.rfind("|---", 0) == 0 || line.rfind("| version", 0) == 0) continue;
    std::smatch m;
    if (!std::regex_match(line, m, row)) break;
    out.push_back({m[1], m[2], m[3], m[4], m[5], m[6]});
  }
  return out;
}

// gtest prints a parameter it cannot print as bytes.
void PrintTo(const Row& r, std::ostream* os) { *os << r.version << " on " << r.scenario; }

class VersionsTable : public ::testing::TestWithParam<Row> {};

TEST_P(VersionsTable, RowHolds) {
  const Row& r = GetParam();
  scenario::JsonDoc doc = scenario::JsonDoc::load_file(std::string(ISOLSIM_SOURCE_DIR) + "/scenarios/explore/" + r.scenario);
  doc.apply_override("kernel.protocol=" + r.version);
  const scenario::Scenario s = scenario::load_scenario(doc);
  const explore::ScenarioOutcome o = explore::explore_scenario(doc, s, {});
  EXPECT_EQ(o.json["verdict"], r.verdict) << o.text;
  std::string findings, counterexample = "-";
  for (const char* list : {"violations", "windows"})
    for (const auto& v : o.json[list]) {
      findings += std::string(findings.empty() ? "" : ", ") + v["kind"].get<std::string>() +
                  (std::string(list) == "windows" ? " (window)" : "");
    }
  // The shortest counter-example: the first one printed.
  std::smatch m;
  if (std::regex_search(o.text, m, std::regex(R"(shortest (?:counter-)?example: ([0-9]+) steps)"))) counterexample = m[1];
  EXPECT_EQ(findings.empty() ? "-" : findings, r.findings);
  EXPECT_EQ(counterexample, r.counterexample);
  std::string states = std::to_string(o.result.states);
  for (int i = static_cast<int>(states.size()) - 3; i > 0; i -= 3) states.insert(static_cast<std::size_t>(i), ",");
  EXPECT_EQ(states, r.states);
}

INSTANTIATE_TEST_SUITE_P(Docs, VersionsTable, ::testing::ValuesIn(table()),
                         [](const ::testing::TestParamInfo<Row>& i) {
                           std::string n = i.param.version + "_" + i.param.scenario.substr(0, i.param.scenario.size() - 5);
                           return n;
                         });

TEST(VersionsTableDoc, HasARowForEveryVersion) {
  std::string versions;
  for (const Row& r : table())
    if (versions.find(r.version + " ") == std::string::npos) versions += r.version + " ";
  EXPECT_EQ(versions, "pz2021 rfc1 rfc2 rfc3 v4 v5 v6 v7 ");
}

}  // namespace
