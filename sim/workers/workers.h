// Worker processes for the verbs that run many simulations (sweep, bench): forked children, up to
// `jobs` at a time, each sending its result lines back through a socket. SystemC elaborates once
// per process, so a worker either runs one index and exits, or keeps its platform from run to run
// (run::Options::reuse) and hands back an index it cannot run, which a new worker then runs.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace workers {

enum class Lifetime {
  OneRun,   // a new process per index: what a run costs from scratch (benchmarks)
  Reused,   // a process runs index after index until it cannot (child() gives nullopt)
};

// Runs child(index) in a worker process for every index, `jobs` workers at a time, and calls
// done(index, line) in the parent as each finishes (in finishing order). child() gives nullopt
// when its process cannot run that index; a new worker runs it then. A worker that dies without a
// line gets died(index, why) instead, whose result is used as the line.
void run_in_workers(const std::vector<std::uint64_t>& indices, int jobs,
                    const std::function<std::optional<std::string>(std::uint64_t)>& child,
                    const std::function<void(std::uint64_t, const std::string&)>& done,
                    const std::function<std::string(std::uint64_t, const std::string&)>& died,
                    Lifetime lifetime = Lifetime::OneRun);

}  // namespace workers
