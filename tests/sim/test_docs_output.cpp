// Every `$ ./build/isolsim ...` command that README.md or docs/*.md shows with its output is run,
// and its output compared with the one shown, line for line ("..." stands for any lines), so that
// no page goes stale. Commands run in a scratch folder where `scenarios` is the repository's.
#include <gtest/gtest.h>

#include <filesystem>
#include <sstream>
#include <string>
#include <vector>

#include "isolsim_cli.h"
#include "run_outputs.h"

namespace fs = std::filesystem;

namespace {

struct Shown {
  std::string page;
  int line = 0;
  std::string command;              // after "$ ./build/isolsim "
  std::vector<std::string> output;  // the lines shown below it
};

std::vector<Shown> shown_commands() {
  const fs::path root(ISOLSIM_SOURCE_DIR);
  std::vector<fs::path> pages = {root / "README.md"};
  for (const auto& e : fs::directory_iterator(root / "docs"))
    if (e.path().extension() == ".md") pages.push_back(e.path());
  std::vector<Shown> out;
  const std::string prompt = "$ ./build/isolsim ";
  for (const fs::path& page : pages) {
    std::istringstream in(slurp(page));
    std::string line;
    bool fenced = false;
    Shown* cur = nullptr;
    int n = 0;
    while (std::getline(in, line)) {
      ++n;
      if (line.rfind("```", 0) == 0) {
        fenced = !fenced;
        cur = nullptr;
        continue;
      }
      if (!fenced) continue;
      if (line.rfind("$ ", 0) == 0) {
        cur = nullptr;
        if (line.rfind(prompt, 0) != 0) continue;  // another command: not ours to run
        out.push_back({page.filename().string(), n, line.substr(prompt.size()), {}});
        cur = &out.back();
      } else if (cur) {
        cur->output.push_back(line);
      }
    }
  }
  return out;
}

// `expected` matches `actual` line by line; a "..." line matches any number of lines.
bool matches(const std::vector<std::string>& expected, std::size_t e, const std::vector<std::string>& actual,
             std::size_t a) {
  if (e == expected.size()) return a == actual.size();
  if (expected[e] == "...") {
    for (std::size_t k = a; k <= actual.size(); ++k)
      if (matches(expected, e + 1, actual, k)) return true;
    return false;
  }
  return a < actual.size() && expected[e] == actual[a] && matches(expected, e + 1, actual, a + 1);
}

}  // namespace

TEST(DocsOutput, EveryShownOutputIsWhatTheCommandPrints) {
  const std::vector<Shown> cmds = shown_commands();
  ASSERT_FALSE(cmds.empty());
  const fs::path dir = fresh_dir("docs_output");
  fs::create_directories(dir);
  fs::create_directory_symlink(fs::path(ISOLSIM_SOURCE_DIR) / "scenarios", dir / "scenarios");
  int checked = 0;
  for (const Shown& s : cmds) {
    if (s.output.empty()) continue;  // shown without its output
    ++checked;
    SCOPED_TRACE(s.page + ":" + std::to_string(s.line) + ": isolsim " + s.command);
    const std::string text = isolsim(s.command, dir.string()).out;
    std::vector<std::string> actual;
    std::istringstream in(text);
    std::string line;
    while (std::getline(in, line)) actual.push_back(line);
    EXPECT_TRUE(matches(s.output, 0, actual, 0)) << "printed:\n" << text;
  }
  EXPECT_GE(checked, 3);
  fs::remove_all(dir);
}
