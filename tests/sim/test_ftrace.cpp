// `isolsim run --ftrace FILE`: the run as trace-cmd report -t prints a trace (docs/report.md).
#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>

#include "isolsim_cli.h"
#include "run_outputs.h"

namespace fs = std::filesystem;

namespace {

const std::string kRace = std::string(ISOLSIM_SOURCE_DIR) + "/scenarios/ct_seq_work_race.json";

struct FtraceLine {
  std::string comm;
  std::uint64_t pid = 0, ns = 0;
  std::uint32_t cpu = 0;
  std::string event, fields;
};

// Every line after the header must have trace-cmd's shape.
std::vector<FtraceLine> read_ftrace(const fs::path& file, std::string* header) {
  static const std::regex shape(R"(^ *(\S+)-(\d+) +\[(\d{3})\] +(\d+)\.(\d{9}): ([a-z_]+):(?: (.*))?$)");
  std::vector<FtraceLine> out;
  std::istringstream in(slurp(file));
  std::string line;
  std::getline(in, *header);
  while (std::getline(in, line)) {
    std::smatch m;
    EXPECT_TRUE(std::regex_match(line, m, shape)) << line;
    if (m.empty()) continue;
    out.push_back({m[1], std::stoull(m[2]), std::stoull(m[4]) * 1000000000 + std::stoull(m[5]),
                   static_cast<std::uint32_t>(std::stoul(m[3])), m[6], m[7]});
  }
  return out;
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) out.push_back(line);
  return out;
}

}  // namespace

TEST(Ftrace, TheRaceAsTraceCmdPrintsIt) {
  const fs::path out = fresh_dir("ftrace_race");
  const fs::path file = out.string() + ".ftrace";
  const CliResult r = isolsim("run " + kRace + " --out " + out.string() + " --ftrace " + file.string());
  ASSERT_EQ(r.status, 0) << r.out;
  std::string header;
  const std::vector<FtraceLine> ev = read_ftrace(file, &header);
  EXPECT_EQ(header, "cpus=3");
  ASSERT_FALSE(ev.empty());
  for (std::size_t i = 1; i < ev.size(); ++i) EXPECT_LE(ev[i - 1].ns, ev[i].ns) << "line " << i + 2;
  // Every IPI the report counts is in an ipi_send event: one per ipi_send_cpu, one per CPU of a mask.
  const nlohmann::json rep = nlohmann::json::parse(slurp(out / "report.json"));
  std::uint64_t sent = 0;
  for (const FtraceLine& e : ev) {
    if (e.event == "ipi_send_cpu") ++sent;
    if (e.event == "ipi_send_cpumask") sent += std::count(e.fields.begin(), e.fields.end(), ',') + 1;
  }
  EXPECT_EQ(sent, rep["run"]["ipis_sent"].get<std::uint64_t>());
  // cpu2's getpid() at cycle 4533 (3000 MHz: 1511 ns) is its context tracking's user_exit ...
  bool getpid = false;
  for (const FtraceLine& e : ev)
    if (e.cpu == 2 && e.event == "user_exit" && e.ns == 4533 * 1000 / 3000) getpid = true;
  EXPECT_TRUE(getpid);
  // ... each of its IPIs from user mode comes right after a user_exit at the same instant, and the
  // housekeeping CPUs (context tracking off) have no user_enter/user_exit at all.
  for (std::size_t i = 0; i < ev.size(); ++i) {
    if (ev[i].cpu != 2) {
      EXPECT_NE(ev[i].event, "user_exit");
      EXPECT_NE(ev[i].event, "user_enter");
    }
    if (ev[i].cpu == 2 && ev[i].event == "call_function_entry") {
      bool exited = false;
      for (std::size_t j = i; j-- > 0 && !exited;)
        if (ev[j].cpu == 2) exited = ev[j].event == "user_exit";
      EXPECT_TRUE(exited) << "line " << i + 2;
    }
    EXPECT_EQ(ev[i].pid, 1000 + ev[i].cpu) << "only the CPUs' own tasks run here";
    EXPECT_EQ(ev[i].comm, "task/" + std::to_string(ev[i].cpu));
  }
  // pz2021's fallback: cpu1's ipi_send_cpumask to cpu0 and cpu2 after its failed cmpxchg.
  bool fallback = false;
  for (const FtraceLine& e : ev)
    if (e.cpu == 1 && e.event == "ipi_send_cpumask" &&
        e.fields == "cpumask=0,2 callsite=on_each_cpu_cond_mask callback=generic_smp_call_function_single_interrupt")
      fallback = true;
  EXPECT_TRUE(fallback);
  // docs/report.md shows this file whole.
  const std::string doc = slurp(fs::path(ISOLSIM_SOURCE_DIR) / "docs" / "report.md");
  const std::string mark = "<!-- ftrace: ./build/isolsim run scenarios/ct_seq_work_race.json --ftrace FILE -->\n```\n";
  const auto at = doc.find(mark);
  ASSERT_NE(at, std::string::npos);
  const auto from = at + mark.size();
  EXPECT_EQ(lines_of(doc.substr(from, doc.find("```", from) - from)), lines_of(slurp(file)));
  fs::remove_all(out);
  fs::remove(file);
}

TEST(Ftrace, AnIdleCpuRunsTheIdleTask) {
  const fs::path out = fresh_dir("ftrace_idle");
  const fs::path file = out.string() + ".ftrace";
  const CliResult r = isolsim("run " + std::string(ISOLSIM_SOURCE_DIR) + "/scenarios/examples/idle_and_nmi.json --log none --out " +
                              out.string() + " --ftrace " + file.string());
  ASSERT_EQ(r.status, 0) << r.out;
  std::string header;
  const std::vector<FtraceLine> ev = read_ftrace(file, &header);
  EXPECT_EQ(header, "cpus=4");
  int idle = 0;
  for (const FtraceLine& e : ev)
    if (e.comm == "<idle>") {
      ++idle;
      EXPECT_EQ(e.pid, 0u);
      EXPECT_NE(e.event, "user_enter");  // the idle task never enters user mode
    }
  EXPECT_GT(idle, 0);
  fs::remove_all(out);
  fs::remove(file);
}

TEST(Ftrace, TasksAndKthreadsAreNamedAsInTheTrace) {
  const fs::path out = fresh_dir("ftrace_tasks");
  const fs::path file = out.string() + ".ftrace";
  const CliResult r = isolsim("run " + std::string(ISOLSIM_SOURCE_DIR) +
                              "/scenarios/examples/all_seeds.json --log none --out " + out.string() + " --ftrace " +
                              file.string());
  ASSERT_EQ(r.status, 0) << r.out;
  std::string header;
  const std::vector<FtraceLine> ev = read_ftrace(file, &header);
  int switches = 0;
  for (const FtraceLine& e : ev) {
    if (e.event != "sched_switch") continue;
    ++switches;
    // the switch is written by the task leaving the CPU, and names it as prev
    EXPECT_EQ(e.fields.rfind("prev_comm=" + e.comm + " prev_pid=" + std::to_string(e.pid) + " ", 0), 0u) << e.fields;
  }
  EXPECT_GT(switches, 0);
  fs::remove_all(out);
  fs::remove(file);
}

TEST(Ftrace, AnUnwritableFileIsBadInputBeforeTheRun) {
  const CliResult r = isolsim("run " + kRace + " --log none --out " + fresh_dir("ftrace_bad").string() +
                              " --ftrace /nonexistent/dir/x.ftrace");
  EXPECT_EQ(r.status, 2) << r.out;
  EXPECT_NE(r.out.find("/nonexistent/dir/x.ftrace: cannot write"), std::string::npos) << r.out;
}
