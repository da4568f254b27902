#include "noise_account.h"
#include "sim/run/trace_cpumask.h"

#include <algorithm>

namespace run {

namespace {

// A system call's return value: "ok", or the name of the errno it is the negative of
std::string errno_name(std::uint64_t ret) {
  static const std::map<std::int64_t, const char*> names = {
      {1, "EPERM"}, {2, "ENOENT"}, {11, "EAGAIN"}, {14, "EFAULT"}, {16, "EBUSY"}, {22, "EINVAL"}};
  const auto v = static_cast<std::int64_t>(ret);
  if (v >= 0 || v < -4095) return "ok";
  const auto it = names.find(-v);
  return it != names.end() ? it->second : "E" + std::to_string(-v);
}

}  // namespace

std::string task_name(std::uint64_t pid, std::uint32_t cpu) {
  static const char* const names[] = {"task/", "kworker/", "kthread/", "migration/"};
  return (pid < 4 ? names[pid] : "pid" + std::to_string(pid) + "/") + std::to_string(cpu);
}

NoiseAccount::NoiseAccount(std::uint32_t ncpus, std::vector<bool> isolated)
    : ncpus_(ncpus), isolated_(std::move(isolated)), cpus_(ncpus), open_(ncpus, false), current_(ncpus),
      by_target_(ncpus) {}

void NoiseAccount::count(std::uint32_t sender, std::uint64_t target, const std::string& callback,
                         std::uint64_t CallbackCount::*what) {
  if (target >= ncpus_ || !isolated_[target]) return;
  ++(by_callback_[callback].*what);
  ++(by_sender_[{sender, callback}].*what);
  ++(by_target_[target][callback].*what);
}

void NoiseAccount::sender_trace(std::uint32_t cpu, const std::string& name, const std::vector<std::uint64_t>& a,
                                const std::function<std::string(std::uint64_t)>& fname) {
  if (name == "csd_queue_cpu" && a.size() >= 3) {
    // csd_queue_cpu(cpu, callsite, func, csd): a callback queued for the CPU, which its
    // CALL_FUNCTION(_SINGLE) handler runs
    count(cpu, a[0], fname(a[2]), &CallbackCount::ipi);
  } else if (name == "ipi_send_cpu" && a.size() >= 3) {
    // an IPI with no csd behind it (RESCHEDULE, an irq_work self-IPI, a raw vector); the csd
    // IPIs name generic_smp_call_function_single_interrupt and were counted by their csd
    const std::string cb = a[2] ? fname(a[2]) : "(" + fname(a[1]) + ")";
    if (cb != "generic_smp_call_function_single_interrupt") count(cpu, a[0], cb, &CallbackCount::ipi);
  } else if (name == "ct_work_deferred" && a.size() >= 3) {
    count(cpu, a[0], fname(a[2]), &CallbackCount::deferred);  // ct_work_deferred(cpu, work, callback)
  } else if (name == "ipi_avoided" && a.size() >= 3) {
    // ipi_avoided(cpu, callback, reason): IPI_AVOIDED_BLOCKED (block_interf.s) is a refusal
    count(cpu, a[0], fname(a[1]), a[2] == 3 ? &CallbackCount::blocked : &CallbackCount::skipped);
  } else if (name == "block_interf_set" && !a.empty()) {
    // the write returned: from now on these CPUs are blocked
    block_.mask.assign(ncpus_, false);
    for (std::uint32_t c : traced_cpus(a, 1))
      if (c < ncpus_) block_.mask[c] = true;
    ++block_.writes;
  } else if (name == "syscall_result" && a.size() >= 2) {
    ++syscalls_[fname(a[0])][errno_name(a[1])];
  }
}

void NoiseAccount::set_nohz_full(std::uint32_t cpu, bool on, std::uint64_t cycle) {
  if (cpu >= ncpus_) return;
  isolated_[cpu] = on;
  switches_.push_back({cycle, cpu, on});
}

void NoiseAccount::ipi_sent(std::uint32_t, std::uint32_t to) {
  if (to < block_.mask.size() && block_.mask[to]) ++block_.ipis_to_blocked;
}

void NoiseAccount::begin(std::uint32_t cpu, std::uint64_t cycle, std::uint8_t vector, std::int64_t sender,
                         const std::string& callsite) {
  Noise& n = current_[cpu];
  n.start = cycle;
  n.cycles = 0;
  n.vector = vector;
  n.cls = vector == 2 ? "nmi" : "irq";
  n.callbacks.clear();
  n.sender = sender;
  n.callsite = callsite;
  open_[cpu] = true;
}

void NoiseAccount::interrupt(std::uint32_t cpu, std::uint8_t vector) {
  if (vector == 2) ++cpus_[cpu].nmi;
  else ++cpus_[cpu].irq;
}

void NoiseAccount::receiver_trace(std::uint32_t cpu, const std::string& name, const std::vector<std::uint64_t>& a,
                                  const std::function<std::string(std::uint64_t)>& fname) {
  if (name == "softirq_entry") ++cpus_[cpu].softirq;
  if (name == "sched_switch" && a.size() >= 2 && a[1] != 0) ++cpus_[cpu].thread;
  if (!open_[cpu] || a.empty()) return;
  std::vector<std::string>& cbs = current_[cpu].callbacks;
  if (name == "csd_function_entry" || name == "irq_work_entry" || name == "workqueue_execute_start")
    cbs.push_back(fname(a[0]));
  else if (name == "sched_switch" && a.size() >= 2 && a[1] != 0)
    cbs.push_back(task_name(a[1], cpu));
  else if (name == "irq_handler_entry")
    cbs.push_back("irq_handler");
}

void NoiseAccount::end(std::uint32_t cpu, std::uint64_t cycle) {
  if (!open_[cpu]) return;
  Noise& n = current_[cpu];
  n.cycles = cycle - n.start;
  open_[cpu] = false;
  CpuNoise& cn = cpus_[cpu];
  ++cn.episodes;
  std::string key = n.cls + '|' + std::to_string(n.vector) + '|' + std::to_string(n.sender) + '|' + n.callsite;
  for (const std::string& cb : n.callbacks) key += '|' + cb;
  NoiseKind& k = cn.kinds[key];
  if (k.count == 0 || n.cycles > k.sample.cycles) k.sample = n;
  ++k.count;
  k.cycles += n.cycles;
  // the longest episodes, a min-heap on cycles (the earlier first among equals)
  const auto shorter = [](const Noise& a, const Noise& b) {
    return a.cycles != b.cycles ? a.cycles > b.cycles : a.start < b.start;
  };
  if (cn.longest.size() < CpuNoise::kListed) {
    cn.longest.push_back(n);
    std::push_heap(cn.longest.begin(), cn.longest.end(), shorter);
  } else if (shorter(n, cn.longest.front())) {
    std::pop_heap(cn.longest.begin(), cn.longest.end(), shorter);
    cn.longest.back() = n;
    std::push_heap(cn.longest.begin(), cn.longest.end(), shorter);
  }
}

}  // namespace run
