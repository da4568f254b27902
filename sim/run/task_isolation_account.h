// Seed 002's task isolation as a run saw it: per CPU, the stretches its task was isolated, what
// ended each (the system call or interrupt that broke it, the prctl that ended it, or the run's
// end), the signals delivered and the task's exit; and the diagnostics remote CPUs printed when
// they interrupted an isolated task (task_isolation_remote()). Fed by the Recorder from the
// tracepoints of models/kernel/task_isolation.s, in cycle order.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace run {

struct IsolatedStretch {
  std::uint64_t from = 0;
  std::optional<std::uint64_t> until;  // none: still isolated at the run's end
  std::string ended_by;                // "syscall sys_getpid", "interrupt CALL_FUNCTION", "prctl", "run end"
};

struct IsolationSignal {
  std::uint64_t cycle = 0;
  std::uint64_t signal = 0;
  bool fatal = false;                  // SIGKILL: the task exited
};

struct RemoteDiagnostic {
  std::uint64_t cycle = 0;
  std::uint32_t sender = 0, target = 0;
  std::string reason;                  // the IPI's vector: "CALL_FUNCTION", "RESCHEDULE", ...
  std::string text;                    // as the kernel prints it
};

struct CpuIsolation {
  std::vector<IsolatedStretch> stretches;
  std::vector<IsolationSignal> signals;
  std::uint64_t broken = 0;            // stretches a kernel entry ended (a signal was sent)
  std::optional<std::uint64_t> exited_at;
};

class TaskIsolationAccount {
 public:
  explicit TaskIsolationAccount(std::uint32_t ncpus) : cpus_(ncpus) {}
  // A tracepoint on `cpu`; `vector` is the vector of the interrupt the CPU is handling from user
  // mode, if any. Returns the diagnostic line the kernel would print for it, or "".
  std::string trace(std::uint32_t cpu, std::uint64_t cycle, const std::string& name, const std::vector<std::uint64_t>& a,
                    const std::function<std::string(std::uint64_t)>& fname, const std::string& vector);
  // Whether trace() reads tracepoint `name` (the Recorder skips the others).
  static bool reads(const std::string& name) {
    return name.rfind("task_isolation_", 0) == 0 || name == "signal_deliver" || name == "task_exit";
  }
  nlohmann::ordered_json section(std::uint64_t run_cycles) const;

 private:
  std::vector<CpuIsolation> cpus_;
  std::vector<RemoteDiagnostic> remote_;
};

}  // namespace run
