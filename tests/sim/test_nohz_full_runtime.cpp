// Seed 001, runtime nohz_full, end to end: sys_nohz_full_write switches CPUs through their
// stoppers, the report's timeline follows, work is deferred only to CPUs tracked at the time, the
// tick stops and restarts, a refused write changes nothing, and TIF_NOHZ costs every CPU.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "isolsim_cli.h"
#include "run_outputs.h"

namespace fs = std::filesystem;
using json = nlohmann::json;

namespace {

json run(const std::string& file, const std::string& name, const std::string& extra = "", int status = 0) {
  const fs::path out = fresh_dir("nohz_" + name);
  const CliResult r = isolsim("run " + file + " --log none --out " + out.string() + " " + extra);
  EXPECT_EQ(r.status, status) << r.out;
  json rep = json::parse(slurp(out / "report.json"));
  fs::remove_all(out);
  return rep;
}

// A scenario of `cpus` CPUs at 3 GHz, hz 1000, where cpu0's task runs `writer` and the others
// compute in user mode, each with `calls` getpid system calls 0.1 ms apart.
json run_writer(const std::string& name, std::uint32_t cpus, const json& writer, double ms,
                const std::string& extra = "", int calls = 0) {
  json s = {{"name", name},
            {"platform", {{"cpus", cpus}, {"clock_mhz", 3000}}},
            {"kernel", {{"protocol", "v7"}, {"hz", 1000}}},
            {"workload", {{"0", writer}}},
            {"run", {{"ms", ms}}}};
  if (calls)
    s["workload"]["1-" + std::to_string(cpus - 1)] =
        json::array({{{"repeat", calls}, {"period", 300000}, {"steps", json::array({{{"syscall", "getpid"}}})}}});
  const fs::path file = fresh_dir("nohz_" + name + "_scenario").string() + ".json";
  std::ofstream(file) << s.dump(1);
  json rep = run(file.string(), name, extra);
  fs::remove(file);
  return rep;
}

// The write of the CPUs of `mask`, as a cpulist ("" for none).
json write_at(std::uint64_t cycle, std::uint64_t mask) {
  std::string cpus;
  for (int c = 0; c < 64; ++c)
    if (mask >> c & 1) cpus += (cpus.empty() ? "" : ",") + std::to_string(c);
  return {{{"until", cycle}}, {{"syscall", "nohz_full_write"}, {"cpus", cpus}}};
}

// Whether `cpu` was nohz_full at `cycle`, by the report's timeline.
bool nohz_full_at(const json& rep, std::uint32_t cpu, std::uint64_t cycle) {
  bool on = false;
  for (const json& t : rep["nohz_full"]["timeline"]) {
    if (t["from"].get<std::uint64_t>() > cycle) break;
    on = false;
    for (const json& c : t["cpus"]) on = on || c == cpu;
  }
  return on;
}

}  // namespace

TEST(NohzFullRuntime, WorkIsDeferredOnlyToCpusTrackedWhenItIsRequested) {
  const json rep = run(std::string(ISOLSIM_SOURCE_DIR) + "/scenarios/examples/nohz_full_runtime.json", "example");
  const json& sw = rep["nohz_full"]["switches"];
  ASSERT_EQ(sw.size(), 3u) << sw.dump();
  EXPECT_EQ(sw[0]["cpu"], 2);
  EXPECT_EQ(sw[1]["cpu"], 3);
  EXPECT_EQ(sw[2]["cpu"], 3);
  EXPECT_FALSE(sw[2]["on"].get<bool>());
  // Each CPU switches itself, after the write began (3.3 ms) and before the next one (5 ms).
  EXPECT_GT(sw[0]["cycle"].get<std::uint64_t>(), 3300000u);
  EXPECT_LT(sw[1]["cycle"].get<std::uint64_t>(), 5000000u);
  EXPECT_GT(sw[2]["cycle"].get<std::uint64_t>(), 7500000u);
  EXPECT_EQ(rep["nohz_full"]["cycles"]["3"], sw[2]["cycle"].get<std::uint64_t>() - sw[1]["cycle"].get<std::uint64_t>());
  int deferred_to_3 = 0, ipi_to_3_after = 0, ipi_before = 0;
  for (const json& d : rep["deferral"]["deliveries_listed"]) {
    const std::uint32_t target = d["target"];
    const std::uint64_t at = d["requested"];
    EXPECT_TRUE(d["outcome"] == "once" || d["outcome"] == "pending") << d.dump();
    if (d["decision"] == "deferred") {
      EXPECT_TRUE(nohz_full_at(rep, target, at)) << d.dump();
      deferred_to_3 += target == 3;
    } else if (target == 3 && at > sw[2]["cycle"].get<std::uint64_t>()) {
      ++ipi_to_3_after;
    } else if (!nohz_full_at(rep, target, at) && (target == 2 || target == 3)) {
      ++ipi_before;
    }
  }
  EXPECT_GT(deferred_to_3, 0);
  EXPECT_GT(ipi_to_3_after, 0);
  EXPECT_GT(ipi_before, 0);
  EXPECT_EQ(rep["noise"]["cpus"][3]["nohz_full"], true);  // at some point of the run
  // The IPIs cpu2 and cpu3 took before their switch are no interference to an isolated CPU.
  const json& cpus = rep["interference"]["cpus"];
  const int in_user = cpus[2]["interrupts_in_user"].get<int>() + cpus[3]["interrupts_in_user"].get<int>();
  EXPECT_GT(ipi_before, 0);
  EXPECT_LT(rep["interference"]["nohz_full_total"]["interrupts_in_user"].get<int>(), in_user);
  EXPECT_EQ(rep["interference"]["cpus"][1]["nohz_full"], false);
}

TEST(NohzFullRuntime, ARefusedWriteChangesNothingAndSendsNothing) {
  // 13 would isolate cpu0, the timekeeper; 16 names a CPU this machine does not have (a mask the
  // scenario's "cpus" cannot give: a program writes it).
  json writer = write_at(300000, 13);
  writer.push_back({{"syscall", "nohz_full_write_cpu4"}});
  const json rep = run_writer("einval", 4, writer, 1,
                              R"(--set 'programs=[{"inline":".var cpu4[1] = {0x10}\n.func sys_nohz_full_write_cpu4(arg)\n)"
                              R"(    m = &cpu4[0]\n    r = call sys_nohz_full_write(m)\n    ret r\n.endfunc\n"}]')");
  EXPECT_EQ(rep["noise"]["syscalls"]["sys_nohz_full_write"], json({{"EINVAL", 2}}));
  EXPECT_EQ(rep["run"]["ipis_sent"], 0);
  EXPECT_EQ(rep["nohz_full"]["timeline"].size(), 1u);
  EXPECT_TRUE(rep["nohz_full"]["switches"].empty());
  EXPECT_EQ(rep["nohz_full"]["at_end"], json::array());
}

TEST(NohzFullRuntime, TheTickStopsWhileTheCpuIsNohzFullAndRestartsAfter) {
  // cpu2 from 0.1 ms to 5 ms, in a 10 ms run at 1000 Hz (residual tick: 1 Hz, so none here).
  json writer = write_at(300000, 4);
  for (const json& step : write_at(15000000, 0)) writer.push_back(step);
  const json rep = run_writer("tick", 3, writer, 10);
  auto ticks = [](const json& r, int cpu) {
    const json& by = r["interference"]["cpus"][cpu]["by_cause"];
    return by.contains("LOCAL_TIMER") ? by["LOCAL_TIMER"]["count"].get<int>() : 0;
  };
  EXPECT_GE(ticks(rep, 1), 9);
  // The periodic tick restarts at the switch off: 6, 7, 8 and 9 ms (10 ms is the run's end).
  EXPECT_GE(ticks(rep, 2), 4);
  EXPECT_LE(ticks(rep, 2), 5);
  EXPECT_EQ(rep["nohz_full"]["at_end"], json::array());
  const json always = run_writer("tick_on", 3, write_at(300000, 4), 10);
  EXPECT_EQ(ticks(always, 2), 0);
  EXPECT_GE(ticks(always, 1), 9);
}

TEST(NohzFullRuntime, TifNohzSendsEveryCpusSystemCallsDownTheSlowPath) {
  const json writer = write_at(300000, 4);
  const json key = run_writer("entry_key", 3, writer, 5, "", 40);
  const json tif = run_writer("entry_tif", 3, writer, 5, "--set kernel.context_tracking_entry=tif_nohz", 40);
  EXPECT_EQ(key["nohz_full"]["entry"], "static_key");
  EXPECT_EQ(tif["nohz_full"]["entry"], "tif_nohz");
  // cpu1 stays housekeeping: with the static key its system calls only pay ct_user_exit()'s
  // inactive branch; with TIF_NOHZ every one takes the slow path.
  const json& k1 = key["noise"]["cpus"][1]["kernel_stays"]["syscalls_other"];
  const json& t1 = tif["noise"]["cpus"][1]["kernel_stays"]["syscalls_other"];
  ASSERT_EQ(k1["count"], t1["count"]);
  ASSERT_GE(k1["count"].get<int>(), 40);
  EXPECT_GT(t1["cycles"].get<double>() / t1["count"].get<double>(),
            k1["cycles"].get<double>() / k1["count"].get<double>() + 30);
  EXPECT_GT(tif["nohz_full"]["syscalls"]["cycles"].get<std::uint64_t>(),
            key["nohz_full"]["syscalls"]["cycles"].get<std::uint64_t>());
  // Either way cpu2 is nohz_full from its switch on.
  EXPECT_EQ(key["nohz_full"]["at_end"], json::array({2}));
  EXPECT_EQ(tif["nohz_full"]["at_end"], json::array({2}));
}

TEST(NohzFullRuntime, StopMachineHoldsEveryCpuForEachSwitch) {
  const std::string file = std::string(ISOLSIM_SOURCE_DIR) + "/scenarios/examples/nohz_full_runtime.json";
  const json alone = run(file, "alone");
  const json held = run(file, "held", "--set kernel.nohz_full_switch=stop_machine");
  auto sets = [](const json& r) {
    json out = json::array();
    for (const json& t : r["nohz_full"]["timeline"]) out.push_back(t["cpus"]);
    return out;
  };
  EXPECT_EQ(sets(held), sets(alone));
  EXPECT_EQ(sets(held).size(), 4u);
  EXPECT_EQ(held["nohz_full"]["at_end"], json::array({2}));
  // Each of the three switches wakes every CPU's stopper: cpu1, which no switch names, takes
  // three more interrupts, and the switch off of cpu3 interrupts nohz_full cpu2 too.
  auto in_user = [](const json& r, int cpu) { return r["interference"]["cpus"][cpu]["interrupts_in_user"].get<int>(); };
  EXPECT_GE(in_user(held, 1), in_user(alone, 1) + 3);
  EXPECT_GT(held["interference"]["nohz_full_total"]["interrupts_in_user"].get<int>(),
            alone["interference"]["nohz_full_total"]["interrupts_in_user"].get<int>());
  EXPECT_GT(held["run"]["ipis_sent"].get<int>(), alone["run"]["ipis_sent"].get<int>());
}
