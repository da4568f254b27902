// The order of conflicting memory accesses in an explorer counter-example and in a timed run's
// event log, and where the two first disagree. Plain C++: no SystemC.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace replay {

// One access that other CPUs can observe: a load from memory, a locked read-modify-write, or a
// store reaching memory (a drain under TSO; the store itself under SC).
struct Access {
  std::string addr;   // as isa::Image::describe names it, e.g. "ct.seq[2]"
  bool write = false;
  std::string at;     // "func+pc" of the instruction; "" for a drain
  bool drain = false;
  bool forwarded = false;   // timed only: a load served by the CPU's own store buffer
  std::uint64_t order = 0;  // counter-example: step index; timed: line of the event log
  std::uint64_t cycle = 0;  // timed only
};

using PerCpu = std::vector<std::vector<Access>>;

// explore.json's "steps" of one violation. `sc`: stores are visible when executed.
PerCpu counterexample_accesses(const nlohmann::json& steps, bool sc, std::uint32_t cpus);
// events.log of a timed run (sim/run/recorder.cpp's line format).
PerCpu timed_accesses(const std::string& events_log, std::uint32_t cpus);

// a before b in the counter-example, on one address, from two CPUs, at least one a write.
struct Pair {
  std::uint32_t cpu_a = 0, idx_a = 0, cpu_b = 0, idx_b = 0;  // indices into the timed accesses
  std::uint32_t ce_a = 0, ce_b = 0;                         // ... and the counter-example's
};

// A CPU's instructions and its store-buffer drains are matched separately: where a drain falls
// among the CPU's own later loads does not change what other CPUs see.
struct Comparison {
  std::vector<std::vector<std::uint32_t>> twin;  // per CPU, per counter-example access: index of
                                                 // its timed twin, or -1 past the paths' parting
  std::vector<std::size_t> matched;  // per CPU: accesses with a twin
  bool all_matched = false;          // every counter-example access has its timed twin
  std::vector<Pair> pairs;           // between matched accesses, by the counter-example's order
  int first_violated = -1;           // index into pairs: the timed run has b first
};

Comparison compare(const PerCpu& ce, const PerCpu& timed);

// How far (cycles) `cpu` can start later (delay > 0) or earlier (delay < 0) before a pair the
// timed run already has in order flips: the pairs up to `limit` that would break.
int pairs_broken(const Comparison& c, const PerCpu& timed, std::uint32_t cpu, std::int64_t delay, int limit);

}  // namespace replay
