// `isolsim explore A.litmus B.litmus ...`: herd7 x86 litmus tests answered one after another, as
// herd7 answers them, on the explorer's machine or under x86tso.cat.
#pragma once

#include <string>
#include <vector>

#include "sim/explore/explore_scenario.h"

namespace cli {

// Prints each test's answer on stdout, a blank line between two, and with `out_dir` also writes
// it to OUT_DIR/<test name>.txt. A file with an input error gets its one line on stderr and the
// rest are still answered. Returns 2 when some file had an input error, else 3 when some test
// reached a bound (no verdict), else 0. `cat_model`: herd7's x86tso.cat instead of the machine.
int litmus_command(const std::vector<std::string>& files, const explore::ScenarioOptions& opts, bool cat_model,
                   const std::string& out_dir);

}  // namespace cli
