// `isolsim sweep`: timed runs of a scenario over a grid of values and jitter draws, each in a
// worker process, resumable and shardable; and `isolsim merge`, which combines shards' outputs
// into what the unsharded sweep writes (docs/sweep.md).
#pragma once

#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

namespace sweep {

struct Options {
  std::string file, out_dir;
  std::vector<std::string> sets, vary, jitter, when;
  std::uint64_t samples = 1, seed = 1;
  int jobs = 1;
  std::string shard;      // "K/N": the runs whose number is K-1 modulo N
  bool edges = false;     // bisect between the grid's points to each window edge
  bool resume = false;    // keep the runs runs.jsonl already has
  bool progress = true;   // the progress bar (drawn only on a terminal)
};

// Returns the exit code (0: no condition in any run, 1: some, 2: some run was bad input).
// Throws scenario::InputError for bad options or input found before the first run.
int sweep_command(Options opts, std::ostream& out);
int merge_command(const std::vector<std::string>& dirs, std::string out_dir, std::ostream& out);

}  // namespace sweep
