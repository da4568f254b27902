// What disturbed each CPU's user task and why, as rtla osnoise and the kernel's IPI tracepoints
// would show it: every noise episode with its class, vector, callbacks, sender and callsite, counts
// per class, and the callbacks senders aimed at isolated CPUs (sent, deferred, or skipped). Fed
// by the Recorder in cycle order; no SystemC.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace run {

// One stretch during which a CPU's user task did not run, from the interrupt that took it into the
// kernel to the return to user mode.
struct Noise {
  std::uint64_t start = 0, cycles = 0;
  std::uint8_t vector = 0;
  std::string cls;                 // the class of what started it: "irq" or "nmi"
  std::vector<std::string> callbacks;  // functions it ran for others (csd, irq_work, work items, kthreads)
  std::int64_t sender = -1;        // the CPU that sent it; -1: its own timer; -2: a device
  std::string callsite;            // the kernel function that sent it (ipi_send_cpu/_cpumask callsite)
};

// Episodes alike (same class, vector, callbacks, sender, callsite), summed.
struct NoiseKind {
  Noise sample;                    // its start and cycles are those of the longest
  std::uint64_t count = 0, cycles = 0;
};

struct CpuNoise {
  std::uint64_t hw = 0, nmi = 0, irq = 0, softirq = 0, thread = 0;  // osnoise's classes, counted
  std::uint64_t episodes = 0;
  std::vector<Noise> longest;      // the kListed longest episodes (all when there are fewer)
  std::map<std::string, NoiseKind> kinds;  // every episode, by kind
  static constexpr std::size_t kListed = 16;
};

// The name of task `pid` of CPU `cpu` in sched.s's numbering: 0 the CPU's own task ("task/2"), then
// its kernel threads ("kworker/2", "kthread/2", "migration/2").
std::string task_name(std::uint64_t pid, std::uint32_t cpu);

// A callback some sender aimed at an isolated CPU, by what became of it.
struct CallbackCount {
  std::uint64_t ipi = 0;           // it went by IPI (queued on the CPU's call queue, or a direct IPI)
  std::uint64_t deferred = 0;      // a deferral protocol deferred it (ct_work_deferred)
  std::uint64_t skipped = 0;       // not sent: the CPU was in an extended quiescent state, or isolated
  std::uint64_t blocked = 0;       // refused: the CPU blocks interference (seed 000)
};

// Seed 000's block-interference mask, as the run used it.
struct BlockInterference {
  std::vector<bool> mask;          // per CPU: blocked by the last write that returned
  std::uint64_t writes = 0;
  std::uint64_t ipis_to_blocked = 0;  // IPIs sent to a CPU after the write that blocked it returned
};

// Seed 001's runtime nohz_full: each switch of a CPU, as its stopper made it.
struct NohzFullSwitch {
  std::uint64_t cycle;
  std::uint32_t cpu;
  bool on;
};

class NoiseAccount {
 public:
  NoiseAccount(std::uint32_t ncpus, std::vector<bool> isolated);

  // Sender side: the tracepoints named by the kernel (csd_queue_cpu, ipi_send_cpu, ipi_send_cpumask)
  // and isolsim's (ct_work_deferred, ipi_avoided); `fname` names a function address (or "").
  void sender_trace(std::uint32_t cpu, const std::string& name, const std::vector<std::uint64_t>& args,
                    const std::function<std::string(std::uint64_t)>& fname);
  // Receiver side.
  void begin(std::uint32_t cpu, std::uint64_t cycle, std::uint8_t vector, std::int64_t sender,
             const std::string& callsite);
  void interrupt(std::uint32_t cpu, std::uint8_t vector);  // any interrupt, in or out of an episode
  void receiver_trace(std::uint32_t cpu, const std::string& name, const std::vector<std::uint64_t>& args,
                      const std::function<std::string(std::uint64_t)>& fname);
  void end(std::uint32_t cpu, std::uint64_t cycle);

  const std::vector<CpuNoise>& cpus() const { return cpus_; }
  const std::map<std::string, CallbackCount>& by_callback() const { return by_callback_; }
  const std::map<std::pair<std::uint32_t, std::string>, CallbackCount>& by_sender() const { return by_sender_; }
  // Per isolated target CPU: the callbacks aimed at it, by what became of them.
  const std::map<std::string, CallbackCount>& aimed_at(std::uint32_t cpu) const { return by_target_.at(cpu); }
  const BlockInterference& block_interference() const { return block_; }
  // System calls that report their result (the syscall_result tracepoint): by function, by errno
  // name ("ok" for success).
  const std::map<std::string, std::map<std::string, std::uint64_t>>& syscalls() const { return syscalls_; }
  // A CPU became nohz_full, or stopped being so: callbacks aimed at it count while it is.
  void set_nohz_full(std::uint32_t cpu, bool on, std::uint64_t cycle);
  const std::vector<NohzFullSwitch>& nohz_full_switches() const { return switches_; }
  // An IPI from CPU `from` to `to` left the sender.
  void ipi_sent(std::uint32_t from, std::uint32_t to);

 private:
  void count(std::uint32_t sender, std::uint64_t target, const std::string& callback, std::uint64_t CallbackCount::*what);

  std::uint32_t ncpus_;
  std::vector<bool> isolated_;
  std::vector<CpuNoise> cpus_;
  std::vector<bool> open_;
  std::vector<Noise> current_;       // the open episode of each CPU
  std::map<std::string, CallbackCount> by_callback_;
  std::map<std::pair<std::uint32_t, std::string>, CallbackCount> by_sender_;
  std::vector<std::map<std::string, CallbackCount>> by_target_;
  BlockInterference block_;
  std::map<std::string, std::map<std::string, std::uint64_t>> syscalls_;
  std::vector<NohzFullSwitch> switches_;
};

}  // namespace run
