// Assembles the kernel image for one configuration and lays out memory as it is at boot.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "models/isa/assembler.h"

namespace kernel {

struct KernelConfig {
  std::string protocol = "v7";
  std::uint32_t ncpus = 2;
  std::vector<bool> nohz_full;              // per CPU
  std::uint32_t tick_do_timer_cpu = 0;      // the housekeeping CPU that advances jiffies
  std::uint64_t tick_work_cycles = 2000;    // update_process_times() and friends: calibration
  std::vector<isa::Source> extra;           // the scenario's own programs (layer 2 and up)
  // Some CPU wakes per-CPU kernel threads (sched.s): the entry and idle paths of sched_entry.s,
  // which test TIF_NEED_RESCHED for them, replace entry.s's and idle.s's. Without such a waker only
  // a sleeper's own wake-up sets the flag, and the paths leave out the test, a read of a word no
  // other CPU writes, so that they keep their cycle counts.
  bool sched_kthreads = false;
  // Seed 000's block-interference mask read under SRCU (RFC v2, block_interf_srcu.s) rather than
  // the per-CPU rw-semaphore of RFC v1 (block_interf.s).
  bool block_interf_srcu = false;
  // Seed 001: nohz_full switched per CPU at run time (nohz_full_runtime.s, and the stopper that
  // runs the switch on its CPU, with sched_entry.s), and the TIF_NOHZ system-call entry in place of
  // the static key's (tif_nohz.s). Either implies sched_kthreads.
  bool nohz_full_runtime = false;
  bool tif_nohz = false;
  // The switch made under stop_machine() (every CPU held in its stopper) rather than by the
  // target's stopper alone: NOHZ_FULL_SWITCH_STOP_MACHINE.
  bool nohz_full_stop_machine = false;
  // Seed 002: prctl(PR_TASK_ISOLATION) and what breaks it (task_isolation.s, over sched_entry.s).
  bool task_isolation = false;
  // Seed 004: the cpu_opv system call and sched_setaffinity() (cpu_opv.s, with sched_entry.s).
  bool cpu_opv = false;
  std::uint64_t tick_cycles = 0;            // a housekeeping CPU's tick period (0: no tick)
  std::uint64_t residual_tick_cycles = 0;   // a nohz_full CPU's residual tick (0: none)
};

constexpr std::uint32_t kMaxCpus = 1024;  // NR_CPUS of a distribution kernel is 8192; masks are memory (cpumask.s)

// Kernel paths for the protocol, plus `extra`, with the constants the kernel paths expect
// (NR_CPUS, NR_CPUMASK_LONGS, CONTEXT_TRACKING_ENABLED, NR_NOHZ_FULL_BOOT,
// TICK_DO_TIMER_CPU, TICK_WORK_CYCLES, TICK_CYCLES, RESIDUAL_TICK_CYCLES,
// NOHZ_FULL_SWITCH_STOP_MACHINE, and the answers of a
// `.ctstate` function, CT_WHERE_KERNEL, _IDLE, _USER, _GUEST).
isa::Image build_kernel(const KernelConfig& cfg);

// Initial memory: variable initialisers, then every `.equ boot.active.VAR, V` on nohz_full
// CPUs and `.equ boot.inactive.VAR, V` on the others (VAR a .percpu variable), then the boot
// masks of CPUs (cpumask.s's cpu_online_mask and cpumask_of() table, tick_nohz_full_mask, each
// task's cpus_allowed).
std::vector<isa::Word> boot_memory(const isa::Image& img, const std::vector<bool>& nohz_full);

}  // namespace kernel
