// Worker processes: every index answered once, by a process that could run it; handed-back
// indices go to new processes, a worker that dies costs its index only.
#include <gtest/gtest.h>

#include <unistd.h>

#include <cstdlib>
#include <map>
#include <set>
#include <string>

#include "sim/workers/workers.h"

namespace {

std::vector<std::uint64_t> upto(std::uint64_t n) {
  std::vector<std::uint64_t> v;
  for (std::uint64_t i = 0; i < n; ++i) v.push_back(i);
  return v;
}

struct Answers {
  std::map<std::uint64_t, std::string> lines;
  std::map<std::uint64_t, std::string> died;
  int duplicates = 0;
};

// Lines are "PID:INDEX:RUNS-BEFORE-IN-THIS-PROCESS".
Answers run(const std::vector<std::uint64_t>& indices, int jobs, workers::Lifetime lifetime,
            const std::function<std::optional<std::string>(std::uint64_t, int)>& body) {
  Answers a;
  int runs_here = 0;  // per process: each worker has its copy
  workers::run_in_workers(
      indices, jobs,
      [&](std::uint64_t i) -> std::optional<std::string> {
        std::optional<std::string> r = body(i, runs_here);
        if (!r) return std::nullopt;
        const std::string line = std::to_string(getpid()) + ":" + std::to_string(i) + ":" + std::to_string(runs_here);
        ++runs_here;
        return line;
      },
      [&](std::uint64_t i, const std::string& line) {
        if (a.lines.count(i) || a.died.count(i)) ++a.duplicates;
        if (line.rfind("died: ", 0) == 0) a.died[i] = line;
        else a.lines[i] = line;
      },
      [](std::uint64_t, const std::string& why) { return "died: " + why; }, lifetime);
  return a;
}

std::string pid_of(const std::string& line) { return line.substr(0, line.find(':')); }
int runs_before(const std::string& line) { return std::stoi(line.substr(line.rfind(':') + 1)); }

}  // namespace

TEST(Workers, OneRunGivesEveryIndexItsOwnProcess) {
  const Answers a = run(upto(12), 2, workers::Lifetime::OneRun, [](std::uint64_t, int) { return std::string(); });
  ASSERT_EQ(a.lines.size(), 12u);
  EXPECT_EQ(a.duplicates, 0);
  std::set<std::string> pids;
  for (const auto& [i, line] : a.lines) {
    pids.insert(pid_of(line));
    EXPECT_EQ(runs_before(line), 0) << line;
  }
  EXPECT_EQ(pids.size(), 12u);
}

TEST(Workers, ReusedRunsIndexAfterIndexInAtMostJobsProcesses) {
  const Answers a = run(upto(40), 2, workers::Lifetime::Reused, [](std::uint64_t, int) { return std::string(); });
  ASSERT_EQ(a.lines.size(), 40u);
  EXPECT_EQ(a.duplicates, 0);
  std::map<std::string, int> per_pid;
  for (const auto& [i, line] : a.lines) ++per_pid[pid_of(line)];
  EXPECT_LE(per_pid.size(), 2u);
  int total = 0;
  for (const auto& [pid, n] : per_pid) total += n;
  EXPECT_EQ(total, 40);
}

// A process that has run something hands back the multiples of 5 (as a worker whose SystemC
// platform has other CPUs does): each then runs first in a new process, and nothing is lost.
TEST(Workers, HandedBackIndicesRunFirstInANewProcess) {
  const Answers a = run(upto(30), 2, workers::Lifetime::Reused, [](std::uint64_t i, int before) {
    return i % 5 == 0 && before > 0 ? std::nullopt : std::optional<std::string>("");
  });
  ASSERT_EQ(a.lines.size(), 30u);
  EXPECT_TRUE(a.died.empty());
  EXPECT_EQ(a.duplicates, 0);
  for (std::uint64_t i = 0; i < 30; i += 5) EXPECT_EQ(runs_before(a.lines.at(i)), 0) << a.lines.at(i);
}

// What a new process cannot run either is reported, not retried for ever.
TEST(Workers, AnIndexNoProcessCanRunIsReportedOnce) {
  const Answers a = run(upto(6), 2, workers::Lifetime::Reused, [](std::uint64_t i, int) {
    return i == 3 ? std::nullopt : std::optional<std::string>("");
  });
  EXPECT_EQ(a.lines.size(), 5u);
  ASSERT_EQ(a.died.count(3), 1u);
  EXPECT_NE(a.died.at(3).find("a new worker process could not run it"), std::string::npos) << a.died.at(3);
  EXPECT_EQ(a.duplicates, 0);
}

// A worker that dies takes its own index with it, not the others (nor the ones it would have run).
TEST(Workers, AWorkerThatDiesLosesOnlyItsIndex) {
  const Answers a = run(upto(20), 2, workers::Lifetime::Reused, [](std::uint64_t i, int) -> std::optional<std::string> {
    if (i == 7) std::abort();
    if (i == 12) _exit(4);
    return std::string();
  });
  EXPECT_EQ(a.lines.size(), 18u);
  ASSERT_EQ(a.died.size(), 2u);
  EXPECT_NE(a.died.at(7).find("Aborted"), std::string::npos) << a.died.at(7);
  EXPECT_NE(a.died.at(12).find("exited 4"), std::string::npos) << a.died.at(12);
  EXPECT_EQ(a.duplicates, 0);
}

TEST(Workers, LongLinesArriveWhole) {
  const std::string big(300000, 'x');
  Answers a;
  workers::run_in_workers(
      upto(4), 2, [&](std::uint64_t i) -> std::optional<std::string> { return big + std::to_string(i); },
      [&](std::uint64_t i, const std::string& line) { a.lines[i] = line; },
      [](std::uint64_t, const std::string& why) { return why; }, workers::Lifetime::Reused);
  ASSERT_EQ(a.lines.size(), 4u);
  for (const auto& [i, line] : a.lines) EXPECT_EQ(line, big + std::to_string(i));
}
