#include "sim/run/ftrace_log.h"
#include "sim/run/trace_cpumask.h"

#include <cmath>
#include <cstdio>

namespace run {
namespace {

// The x86 irq_vectors events (arch/x86/include/asm/trace/irq_vectors.h) by the name isolsim's
// kernel paths trace them with, and the name the kernel gives them.
const std::pair<const char*, const char*> kVectorEvents[] = {
    {"local_timer_entry", "local_timer_entry"},
    {"local_timer_exit", "local_timer_exit"},
    {"call_function_entry", "call_function_entry"},
    {"call_function_exit", "call_function_exit"},
    {"call_function_single_entry", "call_function_single_entry"},
    {"call_function_single_exit", "call_function_single_exit"},
    {"reschedule_entry", "reschedule_entry"},
    {"reschedule_exit", "reschedule_exit"},
    {"irq_work_vector_entry", "irq_work_entry"},  // isolsim's irq_work_entry is the callback's
    {"irq_work_vector_exit", "irq_work_exit"},
};


}  // namespace

FtraceLog::FtraceLog(std::uint32_t ncpus, double clock_mhz, std::ostream& out) : clock_mhz_(clock_mhz), out_(out) {
  out_ << "cpus=" << ncpus << "\n";
}

const std::vector<std::string>& FtraceLog::tracepoints() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> v = {"ipi_send_cpu", "ipi_send_cpumask", "irq_handler_entry", "irq_handler_exit",
                                  "sched_switch"};
    for (const auto& [ours, kernel] : kVectorEvents) v.push_back(ours);
    return v;
  }();
  return names;
}

void FtraceLog::tracepoint(std::uint64_t cycle, std::uint32_t cpu, const Task& t, const std::string& name,
                           const std::vector<std::uint64_t>& a,
                           const std::function<std::string(std::uint64_t)>& fname,
                           const std::function<Task(std::uint64_t, std::uint32_t)>& task_of) {
  // TP_printk() of each event, with %pS as the function's name
  if (name == "ipi_send_cpu" && a.size() >= 3) {
    add(cycle, cpu, t, name, "cpu=" + std::to_string(a[0]) + " callsite=" + fname(a[1]) + " callback=" + fname(a[2]));
  } else if (name == "ipi_send_cpumask" && a.size() >= 3) {
    add(cycle, cpu, t, name, "cpumask=" + cpulist(traced_cpus(a, 3)) + " callsite=" + fname(a[1]) + " callback=" + fname(a[2]));
  } else if (name == "irq_handler_entry" && !a.empty()) {
    add(cycle, cpu, t, name, "irq=" + std::to_string(a[0]) + " name=isolsim-dev");
  } else if (name == "irq_handler_exit" && !a.empty()) {
    add(cycle, cpu, t, name, "irq=" + std::to_string(a[0]) + " ret=handled");
  } else if (name == "sched_switch" && a.size() >= 2) {
    // isolsim's kthreads preempt the CPU's task and sleep when done (sched.s)
    const Task prev = task_of(a[0], cpu), next = task_of(a[1], cpu);
    add(cycle, cpu, t, name,
        "prev_comm=" + prev.comm + " prev_pid=" + std::to_string(prev.pid) + " prev_prio=120 prev_state=" +
            (a[0] == 0 ? "R+" : "S") + " ==> next_comm=" + next.comm + " next_pid=" + std::to_string(next.pid) +
            " next_prio=120");
  } else {
    for (const auto& [ours, kernel] : kVectorEvents)
      if (name == ours && !a.empty()) add(cycle, cpu, t, kernel, "vector=" + std::to_string(a[0]));
  }
}

void FtraceLog::user(std::uint64_t cycle, std::uint32_t cpu, const Task& t, bool enter) {
  add(cycle, cpu, t, enter ? "user_enter" : "user_exit", "");
}

void FtraceLog::add(std::uint64_t cycle, std::uint32_t cpu, const Task& t, const std::string& event,
                    const std::string& fields) {
  // Nanoseconds, as `trace-cmd report -t` prints them: at GHz clocks microseconds would merge most
  // of a race's events into one timestamp.
  const auto ns = static_cast<std::uint64_t>(std::floor(static_cast<double>(cycle) * 1000.0 / clock_mhz_));
  char head[96];
  std::snprintf(head, sizeof head, "%16s-%-5llu [%03u] %5llu.%09llu: ", t.comm.c_str(),
                static_cast<unsigned long long>(t.pid), cpu, static_cast<unsigned long long>(ns / 1000000000),
                static_cast<unsigned long long>(ns % 1000000000));
  out_ << head << event << ":" << (fields.empty() ? "" : " " + fields) << "\n";
}

}  // namespace run
