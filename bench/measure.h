// What the benchmarks share: a measurement in a forked child (SystemC cannot restart a simulation
// in one process), the bare SystemC kernel's event rate as the reference of a run, timed runs of
// a scenario, medians.
#pragma once

#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>
#include <systemc>
#include <vector>

#include "sim/run/runner.h"

namespace bench_measure {

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

inline Measure raw_event_rate(std::uint64_t events = 20'000'000) {
  Ticker t("ticker");
  const auto t0 = std::chrono::steady_clock::now();
  sc_core::sc_start(sc_core::sc_time::from_value(333ull * events));
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return {s, static_cast<double>(t.n), 0};
}

// `run_only`: the simulation's own time, without building the machine and writing the outputs.
inline Measure scenario_run(const char* file, bool record, const std::vector<std::string>& sets = {},
                            bool run_only = false) {
  scenario::JsonDoc doc = scenario::JsonDoc::load_file(std::string(ISOLSIM_SOURCE_DIR) + "/" + file);
  for (const std::string& a : sets) doc.apply_override(a);
  const scenario::Scenario s = scenario::load_scenario(doc);
  run::Options opts;
  opts.event_log = false;
  opts.record = record;
  const run::Outcome o = run::run_timed(doc, s, opts);
  const double seconds = run_only ? o.run_seconds : o.wall_seconds;
  if (!record) return {seconds, static_cast<double>(o.instructions), 0};
  for (const run::ExpectResult& r : o.expectations)
    if (!r.ok) std::fprintf(stderr, "%s: expectation failed: %s\n", file, r.text.c_str());
  return {seconds, static_cast<double>(o.instructions), 0};
}


inline double median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

}  // namespace bench_measure
