// Timed-simulation speed, next to the raw SystemC kernel's own event rate measured in the same run.
// Every measurement runs in a forked child: SystemC cannot restart a simulation in one process.
#include <benchmark/benchmark.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <systemc>

#include "sim/run/runner.h"

namespace {

struct Measure {
  double seconds = 0;
  double count = 0;  // events, or simulated instructions
  int ok = 0;
};

template <class F>
Measure in_child(F f) {
  int fd[2];
  if (pipe(fd) != 0) return {};
  const pid_t pid = fork();
  if (pid == 0) {
    close(fd[0]);
    Measure m = f();
    m.ok = 1;
    if (write(fd[1], &m, sizeof m) != sizeof m) _exit(1);
    _exit(0);
  }
  close(fd[1]);
  Measure m;
  if (read(fd[0], &m, sizeof m) != sizeof m) m = {};
  close(fd[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  return m;
}

// The bare SystemC kernel: one SC_METHOD re-notifying itself one cycle later.
struct Ticker : sc_core::sc_module {
  SC_HAS_PROCESS(Ticker);
  sc_core::sc_event ev;
  std::uint64_t n = 0;
  explicit Ticker(sc_core::sc_module_name name) : sc_module(name) {
    SC_METHOD(tick);
    sensitive << ev;
  }
  void tick() {
    ++n;
    ev.notify(sc_core::sc_time::from_value(333));
  }
};

Measure raw_event_rate() {
  Ticker t("ticker");
  const auto t0 = std::chrono::steady_clock::now();
  sc_core::sc_start(sc_core::sc_time::from_value(333ull * 20'000'000));
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return {s, static_cast<double>(t.n), 0};
}

Measure scenario_run(const char* file) {
  scenario::JsonDoc doc = scenario::JsonDoc::load_file(std::string(ISOLSIM_SOURCE_DIR) + "/" + file);
  const scenario::Scenario s = scenario::load_scenario(doc);
  const run::Outcome o = run::run_timed(doc, s, {"", false});
  for (const run::ExpectResult& r : o.expectations)
    if (!r.ok) std::fprintf(stderr, "%s: expectation failed: %s\n", file, r.text.c_str());
  return {o.wall_seconds, static_cast<double>(o.instructions), 0};
}

double g_raw_rate = 0, g_uop_rate = 0, g_64cpu_seconds = 0;

void BM_SystemCRawEventRate(benchmark::State& st) {
  for (auto _ : st) {
    const Measure m = in_child(raw_event_rate);
    if (!m.ok) st.SkipWithError("child failed");
    st.SetIterationTime(m.seconds);
    g_raw_rate = m.count / m.seconds;
    st.counters["events_per_s"] = g_raw_rate;
  }
}

void BM_TimedSimThroughput(benchmark::State& st) {
  for (auto _ : st) {
    const Measure m = in_child([] { return scenario_run("scenarios/bench/throughput.json"); });
    if (!m.ok) st.SkipWithError("child failed");
    st.SetIterationTime(m.seconds);
    g_uop_rate = m.count / m.seconds;
    st.counters["uops_per_s"] = g_uop_rate;
    st.counters["uops"] = m.count;
  }
}

void BM_Isolated64Cpu1s(benchmark::State& st) {
  for (auto _ : st) {
    const Measure m = in_child([] { return scenario_run("scenarios/bench/isolated_64cpu_1s.json"); });
    if (!m.ok) st.SkipWithError("child failed");
    st.SetIterationTime(m.seconds);
    g_64cpu_seconds = m.seconds;
    st.counters["uops"] = m.count;
    st.counters["core_cycles_per_s"] = 1.92e11 / m.seconds;
  }
}

BENCHMARK(BM_SystemCRawEventRate)->UseManualTime()->Iterations(1)->Repetitions(3)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_TimedSimThroughput)->UseManualTime()->Iterations(1)->Repetitions(3)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Isolated64Cpu1s)->UseManualTime()->Iterations(1)->Repetitions(3)->Unit(benchmark::kMillisecond);

}  // namespace

int sc_main(int argc, char* argv[]) {
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  if (g_raw_rate > 0 && g_uop_rate > 0)
    std::printf("\nsimulated micro-ops/s %.3g, raw SystemC events/s %.3g: ratio %.2f (target >= 0.5)\n",
                g_uop_rate, g_raw_rate, g_uop_rate / g_raw_rate);
  if (g_64cpu_seconds > 0)
    std::printf("64-CPU, 1-simulated-second scenario: %.3f s wall (target < 0.2 s)\n", g_64cpu_seconds);
  return 0;
}
