// Litmus tests in turn (litmus_command.h): read, answered and printed one by one, each answer
// also written to the --out folder under the test's name.
#include "sim/cli/litmus_command.h"

#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>
#include <stdexcept>

#include "models/isa/assembler.h"
#include "sim/explore/litmus_cat.h"
#include "sim/explore/litmus_run.h"

namespace cli {
namespace {

// A file that cannot be read or written: "FILE: what".
struct FileError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct Answered {
  std::string name, report;
  std::string stats;  // for stderr, after the report
  bool complete = false;
};

// One test; throws isa::AsmError on an input error.
Answered answer(const std::string& file, const explore::ScenarioOptions& opts, bool cat_model) {
  std::ifstream in(file);
  if (!in) throw FileError(file + ": cannot open");
  std::stringstream text;
  text << in.rdbuf();
  const explore::Litmus lit = explore::parse_litmus(text.str(), file);
  explore::LitmusOutcome o;
  std::ostringstream stats;
  if (cat_model) {
    o = explore::run_litmus_cat(lit, opts.explore.bounds, opts.explore.budget);
    stats << o.exploration.states << " candidate executions, " << o.positive + o.negative
          << " consistent with x86tso.cat, in " << o.exploration.seconds << " s\n";
  } else {
    o = explore::run_litmus(lit, opts.tso, opts.explore.bounds, !opts.unreduced, opts.explore.budget);
    stats << o.exploration.states << " states, " << o.exploration.transitions << " transitions explored in "
          << o.exploration.seconds << " s\n";
  }
  return {lit.name, explore::herd_report(lit, o), stats.str(), o.exploration.complete};
}

// A test name as a file name: herd7's names may hold '/'.
std::string file_name(std::string name) {
  for (char& c : name)
    if (c == '/') c = '_';
  return name + ".txt";
}

}  // namespace

int litmus_command(const std::vector<std::string>& files, const explore::ScenarioOptions& opts, bool cat_model,
                   const std::string& out_dir) {
  bool bad_input = false, bounded = false, first = true;
  std::map<std::string, std::string> written;  // output file -> the litmus file it answers
  for (const std::string& file : files) {
    try {
      const Answered a = answer(file, opts, cat_model);
      std::cout << (first ? "" : "\n") << a.report << std::flush;
      std::cerr << a.stats;
      first = false;
      bounded |= !a.complete;
      if (out_dir.empty()) continue;
      const std::string name = file_name(a.name);
      const std::string path = (std::filesystem::path(out_dir) / name).string();
      auto [it, fresh] = written.emplace(name, file);
      if (!fresh) throw FileError(file + ": test " + a.name + " is answered in " + path + " already, for " + it->second);
      std::error_code ec;
      std::filesystem::create_directories(out_dir, ec);
      std::ofstream out(path);
      if (!(out << a.report)) throw FileError(path + ": cannot write");
    } catch (const std::runtime_error& e) {  // isa::AsmError names the file and line
      std::cerr << "isolsim: " << e.what() << "\n";
      bad_input = true;
    }
  }
  return bad_input ? 2 : bounded ? 3 : 0;
}

}  // namespace cli
