// A child process run to its end or to a timeout, timed from outside: what it printed, how it
// ended, its wall and CPU time and its peak resident set. For the benches and the end-to-end tests
// that measure isolsim as a whole process.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace subprocess {

struct Proc {
  int exit_code = -1;      // when it exited
  int signal = 0;          // when a signal ended it
  bool timed_out = false;  // the driver sent its timeout signal
  double wall = 0;         // s, steady_clock around fork .. wait4
  double cpu = 0;          // s, user + system (wait4)
  long maxrss_kb = 0;      // peak resident set (wait4)
  std::string out, err;    // what it printed
  bool failed_to_start = false;

  double maxrss_mb() const { return static_cast<double>(maxrss_kb) / 1024; }
};

// Runs argv (no shell) in cwd, stdout and stderr to files there (tag.out, tag.err). After
// timeout_s seconds it sends `sig`, and SIGKILL `grace_s` later if the process is still there.
Proc run(const std::vector<std::string>& argv, const std::filesystem::path& cwd, const std::string& tag,
         double timeout_s, int sig, double grace_s = 30);

// A whole file, or "" when it cannot be read.
std::string slurp(const std::filesystem::path& p);

}  // namespace subprocess
