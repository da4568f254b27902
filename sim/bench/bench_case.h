// One case of a regression suite, run: the figures its baseline keeps.
#pragma once

#include <nlohmann/json.hpp>

#include "sim/bench/suite.h"

namespace bench {

// {"exact": {...}, "tolerant": {...}, "seconds": S}: `exact` are correctness figures (violation
// counters, expectation results, IPI counts, explore verdicts, litmus answers), compared as they
// are; `tolerant` are performance figures of the simulated system (cycles lost, instructions,
// states explored), compared within the suite's tolerance; `seconds` is wall time, shown only.
// Runs in this process (call it in a forked child: it starts SystemC). Bad input throws
// scenario::InputError or isa::AsmError.
nlohmann::ordered_json measure(const Case& c);

}  // namespace bench
