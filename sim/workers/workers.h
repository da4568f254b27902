// Worker processes for the verbs that run many simulations (sweep, bench): one forked child per
// run, up to `jobs` at a time, each sending its result line back through a pipe (SystemC cannot
// restart a simulation in one process).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace workers {

// Runs child(index) in a child process for every index, `jobs` at a time, and calls done(index,
// line) in the parent as each finishes (in finishing order). A child that dies without a line
// gets died(index, why) instead, whose result is used as the line.
void run_in_workers(const std::vector<std::uint64_t>& indices, int jobs,
                    const std::function<std::string(std::uint64_t)>& child,
                    const std::function<void(std::uint64_t, const std::string&)>& done,
                    const std::function<std::string(std::uint64_t, const std::string&)>& died);

}  // namespace workers
