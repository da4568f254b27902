// What a search may spend: a deadline and a limit on the process's resident memory, shared by
// every phase of one `explore` (random walks, searches, litmus runs, the x86tso.cat enumeration).
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace explore {

// The process's resident set now, in bytes (/proc/self/statm; 0 when it cannot be read).
std::uint64_t resident_bytes();

// Half the physical memory, at most 12,000 MB: a bound no one hits by accident that still stops
// a search before the machine swaps or the OOM killer picks a process.
std::uint64_t default_max_memory_mb();

// "2", "0.5": seconds as a user writes them.
std::string seconds_text(double seconds);

class Budget {
 public:
  using Clock = std::chrono::steady_clock;

  // From now on: `max_seconds` of wall time and `max_memory_mb` of resident memory.
  Budget(double max_seconds, std::uint64_t max_memory_mb);

  // Whether a bound is reached; once one is, this stays true and bound() names it. Cheap enough
  // to call per state or per few steps: a clock read, and the resident set at most every
  // kSample (reading it costs a few microseconds).
  bool exhausted();
  // "time bound (2 s) reached", "memory bound (500 MB) reached"; "" while none is.
  const std::string& bound() const { return bound_; }

  // A part of this budget, for a phase that must leave the rest to the next one: a deadline
  // `time` of the time left from now, and `memory` of the memory limit.
  Budget share(double time, double memory) const;

  double seconds() const { return std::chrono::duration<double>(Clock::now() - start_).count(); }
  double max_seconds() const { return max_seconds_; }
  std::uint64_t max_memory_mb() const { return max_memory_mb_; }

  static constexpr std::chrono::milliseconds kSample{2};

 private:
  Clock::time_point start_, deadline_, next_sample_;
  double max_seconds_;
  std::uint64_t max_memory_mb_;
  std::string bound_;
};

}  // namespace explore
