// Every scenario in scenarios/ and every complete scenario printed in README.md or docs/*.md runs as
// shipped: no `--set expect=[]`, no other override. Timed scenarios pass their own `expect`; explore
// scenarios give a verdict (0 verified, 1 violation found) or stop at a state bound (3), never
// exit 2 (bad input). Each scenario of scenarios/ runs twice and gives the same bytes.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "isolsim_cli.h"
#include "run_outputs.h"

namespace fs = std::filesystem;

namespace {

const fs::path kRoot(ISOLSIM_SOURCE_DIR);

std::vector<std::string> shipped_scenarios() {
  std::vector<std::string> out;
  for (const auto& e : fs::recursive_directory_iterator(kRoot / "scenarios"))
    if (e.is_regular_file() && e.path().extension() == ".json" &&
        e.path().parent_path().filename() != "regression")  // a bench suite and its baseline
      out.push_back(fs::relative(e.path(), kRoot).string());
  std::sort(out.begin(), out.end());
  return out;
}

std::string test_name(const std::string& path) {
  std::string s;
  for (char c : path) s += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
  return s;
}

// Every file under `dir`, by its path there.
std::map<std::string, std::string> files_under(const fs::path& dir) {
  std::map<std::string, std::string> out;
  if (!fs::exists(dir)) return out;
  for (const auto& e : fs::recursive_directory_iterator(dir))
    if (e.is_regular_file()) out[fs::relative(e.path(), dir).string()] = slurp(e.path());
  return out;
}

// The CLI's output less the wall-time line explore writes to stderr.
std::string without_timing(const std::string& out) {
  std::istringstream in(out);
  std::string line, kept;
  while (std::getline(in, line))
    if (line.rfind("explored in ", 0) != 0) kept += line + "\n";
  return kept;
}

class Shipped : public ::testing::TestWithParam<std::string> {};

// Also determinism: run twice into the same folder, every output (the event log, the ftrace text
// and the SVG included; explore's replays and pictures) is the same, byte for byte. Explore is bounded
// by states, not time, so that both runs stop at the same point.
TEST_P(Shipped, RunsAsShippedAndTwiceTheSame) {
  const std::string& rel = GetParam();
  const fs::path out = fresh_dir("shipped_" + test_name(rel));
  const bool explore = rel.rfind("scenarios/explore/", 0) == 0;
  const std::string command =
      explore ? "explore " + (kRoot / rel).string() + " --out " + out.string() + " --max-states 300000 --replay-runs 2"
              : "run " + (kRoot / rel).string() + " --out " + out.string() + " --ftrace " + (out / "ftrace.txt").string() +
                    " --svg " + (out / "timeline.svg").string();
  std::map<std::string, std::string> first;
  std::string first_out;
  for (int time = 0; time < 2; ++time) {
    fs::remove_all(out);
    if (!explore) fs::create_directories(out);
    const CliResult r = isolsim(command);
    if (explore) EXPECT_TRUE(r.status == 0 || r.status == 1 || r.status == 3) << rel << " exit " << r.status << "\n" << r.out;
    else EXPECT_EQ(r.status, 0) << rel << "\n" << r.out;
    const std::map<std::string, std::string> files = files_under(out);
    if (time == 0) {
      first = files;
      first_out = r.out;
      EXPECT_GE(files.size(), explore ? 1u : 6u) << rel;
      continue;
    }
    EXPECT_EQ(without_timing(r.out), without_timing(first_out)) << rel;
    ASSERT_EQ(files.size(), first.size()) << rel;
    for (const auto& [name, bytes] : files) EXPECT_TRUE(first.count(name) && first.at(name) == bytes) << rel << ": " << name;
  }
  fs::remove_all(out);
}

INSTANTIATE_TEST_SUITE_P(Scenarios, Shipped, ::testing::ValuesIn(shipped_scenarios()),
                         [](const auto& info) { return test_name(info.param); });

// A fenced JSON block with "platform" and "workload" is a complete scenario: it is written into a
// scratch folder where `programs` is scenarios/examples/programs (the paths the docs use) and run.
struct DocScenario {
  std::string where;  // page:line
  std::string text;
};

std::vector<DocScenario> doc_scenarios() {
  std::vector<fs::path> pages = {kRoot / "README.md"};
  for (const auto& e : fs::directory_iterator(kRoot / "docs"))
    if (e.path().extension() == ".md") pages.push_back(e.path());
  std::sort(pages.begin(), pages.end());
  std::vector<DocScenario> out;
  for (const fs::path& page : pages) {
    std::istringstream in(slurp(page));
    std::string line, block;
    int n = 0, start = 0;
    bool in_json = false;
    while (std::getline(in, line)) {
      ++n;
      if (!in_json && line.rfind("```json", 0) == 0) {
        in_json = true;
        start = n;
        block.clear();
      } else if (in_json && line.rfind("```", 0) == 0) {
        in_json = false;
        if (block.find("\"platform\"") != std::string::npos && block.find("\"workload\"") != std::string::npos)
          out.push_back({page.filename().string() + ":" + std::to_string(start), block});
      } else if (in_json) {
        block += line + "\n";
      }
    }
  }
  return out;
}

TEST(Shipped, DocsShowCompleteScenarios) { EXPECT_FALSE(doc_scenarios().empty()); }

TEST(Shipped, EveryScenarioInTheDocsRunsAsShown) {
  for (const DocScenario& d : doc_scenarios()) {
    const fs::path dir = fresh_dir("shipped_doc");
    fs::create_directories(dir);
    fs::create_directory_symlink(kRoot / "scenarios" / "examples" / "programs", dir / "programs");
    std::ofstream(dir / "scenario.json") << d.text;
    const CliResult r = isolsim("run scenario.json --out out --log none", dir.string());
    EXPECT_EQ(r.status, 0) << d.where << "\n" << r.out;
    fs::remove_all(dir);
  }
}

}  // namespace
