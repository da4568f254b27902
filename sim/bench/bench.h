// `isolsim bench SUITE`: a regression suite run and compared with its stored baseline.
#pragma once

#include <ostream>
#include <string>

namespace bench {

struct Options {
  std::string suite;     // a folder or a JSON list (suite.h)
  std::string baseline;  // default: the suite's baseline.json
  std::string junit;     // also write JUnit XML here ("": no)
  bool tap = false;      // TAP on `out` instead of the table
  bool update = false;   // --update-baseline: record the results as the new baseline
  int jobs = 2;          // worker processes
};

// Returns 0 when every case matches its baseline (or the baseline was updated), 1 on a regression
// (a changed figure, a case without baseline, a case that failed to run); bad input throws
// scenario::InputError.
int bench_command(const Options& opts, std::ostream& out);

}  // namespace bench
