// A regression suite for `isolsim bench`: the cases to run (a timed run, an exploration or a
// litmus test, each with its overrides) and where their baseline is kept.
#pragma once

#include <string>
#include <vector>

namespace bench {

struct Case {
  std::string name;  // unique in the suite; the baseline's key and the JUnit/TAP test name
  std::string verb;  // "run", "explore" or "litmus"
  std::string file;  // the scenario or litmus file, as a path from the current folder
  std::vector<std::string> sets;  // --set PATH=VALUE overrides, applied in order
  unsigned long long max_states = 0;  // explore/litmus: a state bound, so that a bounded search
                                      // stops at the same point every time (0: the default)
};

struct Suite {
  std::string path;           // the folder or list file it was read from
  std::string baseline;       // the baseline file (BASE/baseline.json, or --baseline)
  double tolerance = 0.05;    // relative drift allowed in the performance figures
  std::vector<Case> cases;
};

// A folder: its suite.json if it has one, else every *.json under it (a timed run each) and every
// *.litmus (a litmus test each), in path order. A file: a JSON list,
//   {"tolerance": 0.05, "cases": [{"name", "verb", "file", "set": [...], "protocols": [...],
//    "max_states": N}, ...]}
// where `file` is relative to the list and `protocols` makes one case per protocol
// (NAME/PROTOCOL, with kernel.protocol=PROTOCOL). Throws scenario::InputError naming the file,
// line and JSON path of a bad entry.
Suite read_suite(const std::string& path);

}  // namespace bench
