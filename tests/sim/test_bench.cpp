// `isolsim bench`: the regression suite against its baseline (CI runs it here), a mutated protocol
// caught with a readable table, tolerances, JUnit and TAP, and bad suites.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <string>

#include "isolsim_cli.h"
#include "run_outputs.h"

namespace fs = std::filesystem;

namespace {

const fs::path kRoot(ISOLSIM_SOURCE_DIR);

std::size_t count(const std::string& s, const std::string& what) {
  std::size_t n = 0;
  for (std::size_t at = s.find(what); at != std::string::npos; at = s.find(what, at + 1)) ++n;
  return n;
}

// v7's ct_set_cpu_work with one line mutated: the retry no longer stops when the target is back
// in the kernel (`while (!ret && !(old & CT_RCU_WATCHING))` becomes an endless retry).
std::string mutated_ct_set_cpu_work() {
  const std::string v7 = slurp(kRoot / "models/kernel/protocols/v7.s");
  const std::size_t from = v7.find(".func ct_set_cpu_work("), to = v7.find(".endfunc", from);
  std::string f = v7.substr(from, to + 8 - from) + "\n";
  const std::size_t guard = f.find("    jz old & CT_RCU_WATCHING, retry");
  EXPECT_NE(guard, std::string::npos);
  f.replace(guard, f.find('\n', guard) - guard, "    jmp retry");
  return f;
}

// A one-case suite: the race under v7, as shipped or with a program swapped in.
void write_suite(const fs::path& file, const std::string& program) {
  nlohmann::json sets = {"kernel.protocol=v7", "expect=[]"};
  if (!program.empty()) sets.push_back("programs=" + nlohmann::json::array({{{"inline", program}}}).dump());
  const nlohmann::json suite = {
      {"tolerance", 0.05},
      {"cases", {{{"name", "race/v7"}, {"file", (kRoot / "scenarios/ct_seq_work_race.json").string()}, {"set", sets}}}}};
  std::ofstream(file) << suite.dump(2) << "\n";
}

}  // namespace

TEST(Bench, TheRegressionSuiteMatchesItsBaseline) {
  const fs::path dir = fresh_dir("bench_regression");
  fs::create_directories(dir);
  const CliResult r = isolsim("bench scenarios/regression --junit " + (dir / "junit.xml").string(), kRoot.string());
  EXPECT_EQ(r.status, 0) << r.out;
  const nlohmann::json suite = nlohmann::json::parse(slurp(kRoot / "scenarios/regression/suite.json"));
  EXPECT_GE(suite["cases"].size(), 40u);
  const nlohmann::json base = nlohmann::json::parse(slurp(kRoot / "scenarios/regression/baseline.json"));
  const std::size_t n = base["cases"].size();
  EXPECT_GE(n, 100u);
  EXPECT_NE(r.out.find(std::to_string(n) + " of " + std::to_string(n) + " cases as their baseline\n"), std::string::npos)
      << r.out;
  const std::string xml = slurp(dir / "junit.xml");
  EXPECT_EQ(count(xml, "<testcase "), n);
  EXPECT_NE(xml.find("<testsuites tests=\"" + std::to_string(n) + "\" failures=\"0\""), std::string::npos);
  // every protocol version on the race, every seed's mechanism, explorer verdicts and litmus answers
  for (const char* name : {"ct_seq_work_race/ipi", "ct_seq_work_race/v7", "rteval_like/rfc3", "seeds/block_interference",
                           "seeds/cpu_opv", "explore/pz2021_two_senders", "litmus/inc-lost"})
    EXPECT_TRUE(base["cases"].contains(name)) << name;
  EXPECT_EQ(base["cases"]["explore/pz2021_two_senders"]["exact"]["verdict"], "violation found");
  fs::remove_all(dir);
}

TEST(Bench, AMutatedProtocolFailsWithAReadableTable) {
  const fs::path dir = fresh_dir("bench_mutant");
  fs::create_directories(dir);
  write_suite(dir / "suite.json", "");
  ASSERT_EQ(isolsim("bench " + (dir / "suite.json").string() + " --update-baseline").status, 0);
  EXPECT_EQ(isolsim("bench " + (dir / "suite.json").string()).status, 0);
  write_suite(dir / "mutant.json", mutated_ct_set_cpu_work());
  const std::string base = " --baseline " + (dir / "baseline.json").string();
  const CliResult r = isolsim("bench " + (dir / "mutant.json").string() + base + " --junit " + (dir / "j.xml").string());
  EXPECT_EQ(r.status, 1) << r.out;
  // case, field, baseline, now, why: the lost work shows by name
  EXPECT_TRUE(std::regex_search(r.out, std::regex("case +field +baseline +now")) ) << r.out;
  EXPECT_TRUE(std::regex_search(r.out, std::regex("race/v7 +deferral\\.lost +0 +1 +changed\n"))) << r.out;
  EXPECT_NE(r.out.find("0 of 1 cases as their baseline, 1 regressed\n"), std::string::npos) << r.out;
  // docs/bench.md shows this very table
  const std::string doc = slurp(kRoot / "docs/bench.md");
  const std::size_t from = doc.find("case     field"), to = doc.find("regressed\n", from);
  ASSERT_NE(to, std::string::npos);
  EXPECT_EQ(r.out, doc.substr(from, to + 10 - from));
  const std::string xml = slurp(dir / "j.xml");
  EXPECT_NE(xml.find("failures=\"1\""), std::string::npos) << xml;
  EXPECT_NE(xml.find("deferral.lost: 0 -&gt; 1 (changed)"), std::string::npos) << xml;
  const CliResult t = isolsim("bench " + (dir / "mutant.json").string() + base + " --tap");
  EXPECT_EQ(t.status, 1);
  EXPECT_EQ(t.out.rfind("TAP version 13\n1..1\nnot ok 1 - race/v7\n  ---\n  message: |\n", 0), 0u) << t.out;
  EXPECT_NE(t.out.find("    deferral.lost: 0 -> 1 (changed)\n"), std::string::npos) << t.out;
  fs::remove_all(dir);
}

TEST(Bench, PerformanceFiguresWithinTheirTolerance) {
  const fs::path dir = fresh_dir("bench_tolerance");
  fs::create_directories(dir);
  write_suite(dir / "suite.json", "");
  ASSERT_EQ(isolsim("bench " + (dir / "suite.json").string() + " --update-baseline").status, 0);
  nlohmann::json base = nlohmann::json::parse(slurp(dir / "baseline.json"));
  const double instructions = base["cases"]["race/v7"]["tolerant"]["run.instructions"];
  base["cases"]["race/v7"]["tolerant"]["run.instructions"] = std::llround(instructions * 1.03);
  std::ofstream(dir / "baseline.json") << base.dump(2);
  EXPECT_EQ(isolsim("bench " + (dir / "suite.json").string()).status, 0);  // 3% < 5%
  const long long inflated = std::llround(instructions * 1.2);
  base["cases"]["race/v7"]["tolerant"]["run.instructions"] = inflated;
  std::ofstream(dir / "baseline.json") << base.dump(2);
  const CliResult r = isolsim("bench " + (dir / "suite.json").string());
  EXPECT_EQ(r.status, 1);
  char drift[64];  // about -16.7%, as the rounded baseline makes it
  std::snprintf(drift, sizeof drift, "drifted %.1f%% (tolerance 5%%)", 100.0 * (instructions - inflated) / inflated);
  EXPECT_NE(r.out.find(drift), std::string::npos) << r.out;
  // a correctness figure has no tolerance at all
  base = nlohmann::json::parse(slurp(dir / "baseline.json"));
  base["cases"]["race/v7"]["tolerant"]["run.instructions"] = instructions;
  base["cases"]["race/v7"]["exact"]["run.ipis_sent"] = base["cases"]["race/v7"]["exact"]["run.ipis_sent"].get<int>() + 1;
  std::ofstream(dir / "baseline.json") << base.dump(2);
  EXPECT_EQ(isolsim("bench " + (dir / "suite.json").string()).status, 1);
  fs::remove_all(dir);
}

TEST(Bench, AFolderSuiteAndCasesWithoutBaseline) {
  const fs::path dir = fresh_dir("bench_folder");
  fs::create_directories(dir / "s");
  fs::copy_file(kRoot / "scenarios/examples/store_buffering.json", dir / "s/sb.json");
  fs::copy_file(kRoot / "scenarios/litmus/inc-lost.litmus", dir / "s/inc-lost.litmus");
  const CliResult none = isolsim("bench " + (dir / "s").string() + " --tap");
  EXPECT_EQ(none.status, 1);
  EXPECT_NE(none.out.find("not ok 1 - inc-lost.litmus\n"), std::string::npos) << none.out;
  EXPECT_NE(none.out.find("no baseline for this case"), std::string::npos) << none.out;
  EXPECT_EQ(isolsim("bench " + (dir / "s").string() + " --update-baseline").status, 0);
  const CliResult r = isolsim("bench " + (dir / "s").string() + " --tap");
  EXPECT_EQ(r.status, 0) << r.out;
  EXPECT_EQ(r.out, "TAP version 13\n1..2\nok 1 - inc-lost.litmus\nok 2 - sb.json\n");
  fs::remove_all(dir);
}

TEST(Bench, BadSuitesAreOneLineAndExitTwo) {
  const fs::path dir = fresh_dir("bench_bad");
  fs::create_directories(dir);
  const CliResult missing = isolsim("bench " + (dir / "nothing").string());
  EXPECT_EQ(missing.status, 2);
  EXPECT_EQ(count_lines(missing.out), 1u) << missing.out;
  std::ofstream(dir / "s.json") << "{\n  \"cases\": [\n    {\"name\": \"a\", \"file\": \"x.json\", \"verbose\": 1}\n  ]\n}\n";
  const CliResult bad = isolsim("bench " + (dir / "s.json").string());
  EXPECT_EQ(bad.status, 2);
  EXPECT_EQ(count_lines(bad.out), 1u) << bad.out;
  EXPECT_NE(bad.out.find("s.json:3: /cases/0/file: no such file"), std::string::npos) << bad.out;
  std::ofstream(dir / "s.json") << "{\n  \"cases\": [\n    {\"name\": \"a\", \"file\": \"s.json\", \"verbose\": 1}\n  ]\n}\n";
  const CliResult unknown = isolsim("bench " + (dir / "s.json").string());
  EXPECT_EQ(unknown.status, 2);
  EXPECT_NE(unknown.out.find("s.json:3: /cases/0/verbose: unknown key \"verbose\""), std::string::npos) << unknown.out;
  fs::remove_all(dir);
}
