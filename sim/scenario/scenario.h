// A scenario: the machine, the kernel configuration, each CPU's workload, the scenario's own
// programs, how long to run, and what the report must show. Loaded and fully validated from JSON
// (schema: docs/scenario.md); every error names file, line and JSON path.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "models/hw/costs.h"
#include "models/isa/assembler.h"
#include "models/isa/image.h"
#include "sim/scenario/json_doc.h"

namespace scenario {

struct TopologySpec {
  std::string preset = "flat";   // "flat", "sockets" or "graph"
  std::uint64_t hop = 50;        // flat, sockets
  std::uint32_t cpus_per_socket = 0;  // sockets
  std::uint64_t cross = 0;       // sockets
  std::vector<std::string> nodes;                                   // graph
  struct Link { std::string a, b; std::uint64_t cycles; };
  std::vector<Link> links;                                          // graph
};

// One workload step of a CPU, run in order from cycle 0 in user mode.
struct Step {
  enum class Kind {
    User,     // {"user": N}: compute N cycles in user mode
    Until,    // {"until": T}: compute in user mode until cycle T (nothing if already past)
    Syscall,  // {"syscall": NAME, "arg": V}: syscall entry_SYSCALL_64(&sys_NAME, V)
    Repeat,   // {"repeat": K, "period": P?, "steps": [...]}: K times; iteration i starts at
              // first + i*P when a period is given
    Idle,     // {"idle": N}: syscall entry_SYSCALL_64(&sys_nanosleep, N); {"idle": "forever"}:
              // syscall entry_SYSCALL_64(&sys_pause, 0)
  };
  Kind kind = Kind::User;
  std::uint64_t cycles = 0;      // User: N; Until: T; Idle: N, 0 = forever
  std::string syscall;           // Syscall: NAME (without the sys_ prefix)
  std::uint64_t arg = 0;         // Syscall
  // Syscall with "cpus": the argument is the address of a block in the task's memory, `arg` (when
  // given) then the struct cpumask of these CPUs, as a system call taking a user cpumask reads it
  bool has_cpus = false;
  std::vector<std::uint32_t> cpus;
  std::uint64_t count = 0;       // Repeat
  std::uint64_t period = 0;      // Repeat, 0 = none
  std::vector<Step> steps;       // Repeat
  std::string pointer;           // JSON pointer of this step, for errors
};

struct CpuWorkload {
  std::vector<Step> steps;
  std::string task;              // {"task": FUNC}: a program's function replaces the steps
  std::string pointer;           // JSON pointer of this CPU's entry (may be "" if defaulted)
};

// {"path": "deferral.double_executions", "op": "==", "value": 1}
struct Expect {
  std::string path;              // dotted path into report.json
  std::string op;                // ==, !=, <, <=, >, >=
  nlohmann::json value;
  std::string pointer;
  std::string text;              // "deferral.double_executions == 1", for messages
};

// kernel.nmi_watchdog: the perf NMI watchdog (kernel/watchdog_perf.c), an NMI every `period`
// cycles from boot on each CPU it runs on.
struct NmiWatchdog {
  std::vector<bool> cpus;        // size cpus; none without kernel.nmi_watchdog
  double hz = 0.1;               // 1 / watchdog_thresh (10 s)
  std::uint64_t period = 0;      // round(clock_mhz * 10^6 / hz) cycles
};

// One interference source (docs/scenario.md "sources"): a kernel path its sending CPUs run at the
// cycles of its schedule, or a device's interrupt delivered at them.
struct Source {
  std::string kind;                  // one of source_kinds()
  std::vector<std::uint32_t> from;   // the sending CPUs (none for a device)
  std::vector<std::uint32_t> to;     // the targets; a device's affinity mask
  // When it fires, increasing: one list per sending CPU (for a device, one list)
  std::vector<std::vector<std::uint64_t>> schedule;
  std::uint64_t cost = 0;            // cycles of the work it causes on a target (0: the kind's default)
  std::uint64_t softirq = 0;         // device: cycles of the softirq its handler raises (0: none)
  std::uint32_t vector = 0;          // device and ipi
  bool managed = false;              // device: a managed multi-queue interrupt, one queue per CPU of `to`
  bool rotate = false;               // each firing reaches the next CPU of `to` in turn, not all of them
  std::string pointer;               // /sources/N
};

struct Scenario {
  std::string file;              // as given on the command line
  std::string name;
  std::string description;
  std::uint64_t seed = 1;

  std::uint32_t cpus = 0;
  double clock_mhz = 3000;
  TopologySpec topology;
  hw::Costs costs;

  std::string protocol = "v7";
  std::vector<bool> nohz_full;   // size cpus
  std::uint64_t hz = 1000;       // housekeeping tick; 0 = no tick
  std::uint64_t residual_tick_hz = 1;  // nohz_full CPUs' remaining tick; 0 = none
  std::uint32_t tick_do_timer_cpu = 0;
  std::uint64_t tick_work_cycles = 2000;
  NmiWatchdog nmi_watchdog;
  std::vector<bool> irqaffinity;      // irqaffinity=: where unmanaged device interrupts may go
  std::string block_interf_lock = "rwsem";  // seed 000's read side: "rwsem" (RFC v1) or "srcu" (RFC v2)
  // Seed 001: nohz_full switched at run time (kernel.nohz_full_runtime, or a workload step that
  // writes the mask), and how system calls reach context tracking: "static_key" or "tif_nohz"
  bool nohz_full_runtime = false;
  std::string context_tracking_entry = "static_key";
  std::string nohz_full_switch = "stop_one_cpu";  // or "stop_machine": how each CPU's switch is run
  // Seed 002: prctl(PR_TASK_ISOLATION) modelled (kernel.task_isolation, or a workload step that
  // calls prctl_task_isolation)
  bool task_isolation = false;
  // Seed 004: the cpu_opv system call (kernel.cpu_opv, or a workload step that calls cpu_opv or
  // sched_setaffinity); scenario programs that call sys_cpu_opv need the key
  bool cpu_opv = false;
  std::vector<Source> sources;

  std::vector<CpuWorkload> workload;  // size cpus
  std::vector<isa::Source> programs;  // layer 2

  std::uint64_t run_cycles = 0;
  std::uint64_t max_instructions = 2'000'000'000;  // runaway guard

  std::vector<Expect> expect;
};

// Validates everything that can be checked without assembling (types, ranges, unknown keys,
// CPU numbers, timing). Throws InputError.
Scenario load_scenario(const JsonDoc& doc);
// The LAPIC timer's periods in cycles: a housekeeping CPU's tick, a nohz_full CPU's residual tick
// (0: none).
std::uint64_t tick_cycles(const Scenario& s);
std::uint64_t residual_tick_cycles(const Scenario& s);

// The assembly of CPU `cpu`'s task function `__task_cpu<N>` (no params), generated from its steps.
// `has_function(name)` says whether the kernel image defines a function; unknown syscalls or
// tasks fail with the step's file:line:pointer through `doc`.
std::string generate_task(const JsonDoc& doc, const Scenario& s, std::uint32_t cpu,
                          const std::function<bool(const std::string&)>& has_function);
std::string task_name(std::uint32_t cpu);

// The kinds of `sources` (docs/scenario.md), in the order the documentation lists them.
const std::vector<std::string>& source_kinds();
// The scenario's generated source programs (layer 3): each source's body on its senders, device
// interrupt stubs, cost constants. Empty without sources.
std::string generate_sources(const Scenario& s);
// Whether `cpu` sends some source; its task is then `sources_task_call(cpu)`, the dispatcher.
bool sends_sources(const Scenario& s, std::uint32_t cpu);
std::string sources_task_call(std::uint32_t cpu);
// Where the sources' schedules live in memory: per sending CPU a table of (cycle, function) rows
// ending with a zero cycle, filled at boot by fill_source_schedules().
std::string source_schedule_name(std::uint32_t cpu);
void fill_source_schedules(const Scenario& s, const isa::Image& img, std::vector<isa::Word>& memory);
// The device interrupts of the run, as (cycle, cpu, vector), in cycle order.
struct DeviceInterrupt { std::uint64_t cycle; std::uint32_t cpu; std::uint32_t vector; };
std::vector<DeviceInterrupt> device_interrupts(const Scenario& s);

// Limits of the schema (docs/scenario.md).
constexpr std::uint64_t kMaxRunCycles = 10'000'000'000'000;  // run.cycles (and us/ms converted)
constexpr int kMaxRepeatDepth = 4;                            // nested {"repeat": ...} levels
constexpr std::uint64_t kMaxRepeatCount = 1'000'000'000;      // {"repeat": K}
constexpr std::uint64_t kForever = 0x7fffffffffffffff;        // the `compute` that ends every task
constexpr std::uint64_t kMaxSourceEvents = 1'000'000;         // firings of one source in a run

// Parses a Linux cpulist ("0", "1-3,5", "0-7:2/4" = the first 2 CPUs of every group of 4 in 0-7,
// "N" = the last CPU, "" = none) into CPU numbers in the order listed; overlaps are kept (callers
// reject duplicates). Throws std::invalid_argument with a one-line message on bad syntax or on a
// CPU >= ncpus ("CPU 7 out of range: the platform has 4 CPUs (0-3)").
std::vector<std::uint32_t> parse_cpulist(const std::string& text, std::uint32_t ncpus);
// "CPU 7 out of range: the platform has 4 CPUs (0-3)"
std::string cpu_out_of_range(std::uint64_t cpu, std::uint32_t ncpus);

}  // namespace scenario
