// Reading what `isolsim run` wrote: files, and the event log line by line (docs/report.md).
#pragma once

#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

inline std::string slurp(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

inline std::size_t count_lines(const std::string& s) {
  return static_cast<std::size_t>(std::count(s.begin(), s.end(), '\n'));
}

// A scratch output folder of this test process (removed first if a previous run left it).
inline std::filesystem::path fresh_dir(const std::string& name) {
  std::filesystem::path d =
      std::filesystem::temp_directory_path() / ("isolsim_test_" + name + "_" + std::to_string(getpid()));
  std::filesystem::remove_all(d);
  return d;
}

// One line of events.log: "%12 cycle  cpu%-3u %-20s what's detail".
struct LogLine {
  std::uint64_t cycle = 0;
  std::uint32_t cpu = 0;
  std::string what, detail;
};

inline std::vector<LogLine> read_log(const std::filesystem::path& file) {
  std::vector<LogLine> out;
  std::istringstream in(slurp(file));
  std::string line;
  while (std::getline(in, line)) {
    if (line.size() < 42) continue;
    LogLine l;
    l.cycle = std::stoull(line.substr(0, 12));
    l.cpu = static_cast<std::uint32_t>(std::stoul(line.substr(17, 3)));
    l.what = line.substr(21, 20);
    l.what.erase(l.what.find_last_not_of(' ') + 1);
    l.detail = line.substr(42);
    out.push_back(l);
  }
  return out;
}
