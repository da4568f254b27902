// Timed-simulation speed, next to the raw SystemC kernel's own event rate measured in the same run.
// Every measurement runs in a forked child: SystemC cannot restart a simulation in one process.
#include <benchmark/benchmark.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <systemc>
#include <vector>

#include "bench/measure.h"

namespace {

using namespace bench_measure;

// Every repetition's figure; the summary prints medians (this machine is noisy).
std::vector<double> g_raw, g_uop, g_run, g_64cpu, g_rteval, g_rteval_uop, g_rteval_sim_uop;


void BM_SystemCRawEventRate(benchmark::State& st) {
  for (auto _ : st) {
    const Measure m = in_child([] { return raw_event_rate(); });
    if (!m.ok) st.SkipWithError("child failed");
    st.SetIterationTime(m.seconds);
    g_raw.push_back(m.count / m.seconds);
    st.counters["events_per_s"] = g_raw.back();
  }
}

// The timed simulation itself: cores, APICs, interconnect, kernel paths; nothing recorded.
void BM_TimedSimThroughput(benchmark::State& st) {
  for (auto _ : st) {
    const Measure m = in_child([] { return scenario_run("scenarios/bench/throughput.json", false); });
    if (!m.ok) st.SkipWithError("child failed");
    st.SetIterationTime(m.seconds);
    g_uop.push_back(m.count / m.seconds);
    st.counters["uops_per_s"] = g_uop.back();
    st.counters["uops"] = m.count;
  }
}

// The same run as `isolsim run --log none` does it: plus the deferral ledger, the interference
// account and the timeline for the VCD and Perfetto trace.
void BM_RecordedRunThroughput(benchmark::State& st) {
  for (auto _ : st) {
    const Measure m = in_child([] { return scenario_run("scenarios/bench/throughput.json", true); });
    if (!m.ok) st.SkipWithError("child failed");
    st.SetIterationTime(m.seconds);
    g_run.push_back(m.count / m.seconds);
    st.counters["uops_per_s"] = g_run.back();
  }
}

void BM_Isolated64Cpu1s(benchmark::State& st) {
  for (auto _ : st) {
    const Measure m = in_child([] { return scenario_run("scenarios/bench/isolated_64cpu_1s.json", true); });
    if (!m.ok) st.SkipWithError("child failed");
    st.SetIterationTime(m.seconds);
    g_64cpu.push_back(m.seconds);  // recorded as isolsim run does, without the event log
    st.counters["uops"] = m.count;
    st.counters["core_cycles_per_s"] = 1.92e11 / m.seconds;
  }
}

// Every interference source on (scenarios/rteval_like.json's mix on 64 CPUs), recorded as
// `isolsim run` records it, without writing the outputs.
void BM_RtevalLike64Cpu1s(benchmark::State& st) {
  for (auto _ : st) {
    const Measure m = in_child([] { return scenario_run("scenarios/bench/rteval_like_64cpu.json", true); });
    if (!m.ok) st.SkipWithError("child failed");
    st.SetIterationTime(m.seconds);
    g_rteval.push_back(m.seconds);
    g_rteval_uop.push_back(m.count / m.seconds);
    st.counters["uops"] = m.count;
    st.counters["uops_per_s"] = m.count / m.seconds;
  }
}

// The same, nothing recorded: the timed simulation's rate with every source on.
void BM_RtevalLike64Cpu1sTimedOnly(benchmark::State& st) {
  for (auto _ : st) {
    const Measure m = in_child([] { return scenario_run("scenarios/bench/rteval_like_64cpu.json", false); });
    if (!m.ok) st.SkipWithError("child failed");
    st.SetIterationTime(m.seconds);
    g_rteval_sim_uop.push_back(m.count / m.seconds);
    st.counters["uops_per_s"] = g_rteval_sim_uop.back();
  }
}

BENCHMARK(BM_SystemCRawEventRate)->UseManualTime()->Iterations(1)->Repetitions(3)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_TimedSimThroughput)->UseManualTime()->Iterations(1)->Repetitions(3)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_RecordedRunThroughput)->UseManualTime()->Iterations(1)->Repetitions(3)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Isolated64Cpu1s)->UseManualTime()->Iterations(1)->Repetitions(3)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_RtevalLike64Cpu1sTimedOnly)->UseManualTime()->Iterations(1)->Repetitions(3)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_RtevalLike64Cpu1s)->UseManualTime()->Iterations(1)->Repetitions(3)->Unit(benchmark::kMillisecond);

}  // namespace

int sc_main(int argc, char* argv[]) {
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  const double g_raw_rate = median(g_raw), g_uop_rate = median(g_uop), g_run_rate = median(g_run),
               g_64cpu_seconds = median(g_64cpu), g_rteval_seconds = median(g_rteval);
  std::printf("\nmedians of the repetitions:");
  if (g_raw_rate > 0 && g_uop_rate > 0)
    std::printf("\ntimed simulation: %.3g micro-ops/s, raw SystemC kernel: %.3g events/s: ratio %.2f (target >= 0.5)\n",
                g_uop_rate, g_raw_rate, g_uop_rate / g_raw_rate);
  if (g_raw_rate > 0 && g_run_rate > 0)
    std::printf("recorded run (ledger, interference, timeline): %.3g micro-ops/s: ratio %.2f\n", g_run_rate,
                g_run_rate / g_raw_rate);
  if (g_64cpu_seconds > 0)
    std::printf("64-CPU, 1-simulated-second scenario: %.3f s wall (target < 0.2 s)\n", g_64cpu_seconds);
  if (g_raw_rate > 0 && !g_rteval_sim_uop.empty())
    std::printf("timed simulation with every source on (rteval-like, 64 CPUs): %.3g micro-ops/s: ratio %.2f "
                "(target >= 0.5)\n", median(g_rteval_sim_uop), median(g_rteval_sim_uop) / g_raw_rate);
  if (g_rteval_seconds > 0)
    std::printf("64-CPU rteval-like mix of every source, 1 simulated second: %.3f s wall (target < 0.2 s); "
                "%.3g micro-ops/s recorded: ratio %.2f\n",
                g_rteval_seconds, median(g_rteval_uop), g_raw_rate > 0 ? median(g_rteval_uop) / g_raw_rate : 0.0);
  return 0;
}
