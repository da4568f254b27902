// A run as `trace-cmd report -t` prints a kernel trace: "<comm>-<pid> [cpu] secs.nsecs: event: fields",
// for the tracepoints a kernel developer diffs against a real isolated CPU's trace: ipi_send_cpu,
// ipi_send_cpumask (include/trace/events/ipi.h), the x86 irq_vectors entry/exit events,
// irq_handler_entry/exit, sched_switch, and context tracking's user_enter/user_exit.
#pragma once

#include <cstdint>
#include <functional>
#include <ostream>
#include <string>
#include <vector>

namespace run {

class FtraceLog {
 public:
  // Writes the header (`cpus=N`) to `out`, then each event as the run's replay reaches it.
  FtraceLog(std::uint32_t ncpus, double clock_mhz, std::ostream& out);

  // The tracepoints of the kernel paths this log prints ("ipi_send_cpu", ...).
  static const std::vector<std::string>& tracepoints();
  // The task running on a CPU when it emits an event: comm "<idle>" (pid 0) on a halted CPU.
  struct Task { std::string comm; std::uint64_t pid = 0; };

  // A kernel path's tracepoint; `fname` names a code address. Others than tracepoints() are ignored.
  void tracepoint(std::uint64_t cycle, std::uint32_t cpu, const Task& t, const std::string& name,
                  const std::vector<std::uint64_t>& args, const std::function<std::string(std::uint64_t)>& fname,
                  const std::function<Task(std::uint64_t id, std::uint32_t cpu)>& task_of);
  // Context tracking's trace_user_exit()/trace_user_enter(), on a CPU whose context tracking is on.
  void user(std::uint64_t cycle, std::uint32_t cpu, const Task& t, bool enter);

 private:
  void add(std::uint64_t cycle, std::uint32_t cpu, const Task& t, const std::string& event, const std::string& fields);
  double clock_mhz_;
  std::ostream& out_;
};

}  // namespace run
