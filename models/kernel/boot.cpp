#include "boot.h"

#include <algorithm>
#include <stdexcept>

#include "ct_state_reader.h"
#include "kernel_sources.h"
#include "models/isa/cpumask_layout.h"

namespace kernel {

isa::Image build_kernel(const KernelConfig& cfg) {
  if (cfg.ncpus == 0 || cfg.ncpus > kMaxCpus)
    throw std::invalid_argument("CPU count must be between 1 and " + std::to_string(kMaxCpus));
  std::vector<std::string> options;
  if (cfg.sched_kthreads || cfg.nohz_full_runtime || cfg.tif_nohz || cfg.task_isolation || cfg.cpu_opv)
    options.push_back("sched_entry.s");
  if (cfg.block_interf_srcu) options.push_back("block_interf_srcu.s");
  if (cfg.nohz_full_runtime) options.push_back("nohz_full_runtime.s");
  if (cfg.tif_nohz) options.push_back("tif_nohz.s");
  if (cfg.task_isolation) options.push_back("task_isolation.s");
  if (cfg.cpu_opv) options.push_back("cpu_opv.s");
  std::vector<isa::Source> sources = protocol_sources(cfg.protocol, options);
  sources.insert(sources.end(), cfg.extra.begin(), cfg.extra.end());
  isa::Word nohz_count = 0;
  for (std::uint32_t c = 0; c < cfg.nohz_full.size() && c < cfg.ncpus; ++c) nohz_count += cfg.nohz_full[c];
  const bool any_nohz = nohz_count != 0;
  return isa::assemble(sources, {{"NR_CPUS", cfg.ncpus},
                                 {"NR_CPUMASK_LONGS", isa::cpumask_longs(cfg.ncpus)},
                                 {"CONTEXT_TRACKING_ENABLED", any_nohz ? 1u : 0u},
                                 {"NR_NOHZ_FULL_BOOT", nohz_count},
                                 {"TICK_CYCLES", cfg.tick_cycles},
                                 {"RESIDUAL_TICK_CYCLES", cfg.residual_tick_cycles},
                                 {"NOHZ_FULL_SWITCH_STOP_MACHINE", cfg.nohz_full_stop_machine ? 1u : 0u},
                                 {"TICK_DO_TIMER_CPU", cfg.tick_do_timer_cpu},
                                 {"TICK_WORK_CYCLES", cfg.tick_work_cycles},
                                 {"CT_WHERE_KERNEL", static_cast<isa::Word>(Where::Kernel)},
                                 {"CT_WHERE_IDLE", static_cast<isa::Word>(Where::Idle)},
                                 {"CT_WHERE_USER", static_cast<isa::Word>(Where::User)},
                                 {"CT_WHERE_GUEST", static_cast<isa::Word>(Where::Guest)}});
}

std::vector<isa::Word> boot_memory(const isa::Image& img, const std::vector<bool>& nohz_full) {
  std::vector<isa::Word> mem = img.initial_memory();
  for (const auto& [name, value] : img.constants) {
    bool active;
    std::string var;
    if (name.rfind("boot.active.", 0) == 0) active = true, var = name.substr(12);
    else if (name.rfind("boot.inactive.", 0) == 0) active = false, var = name.substr(14);
    else continue;
    auto vi = img.find_variable(var);
    if (!vi || !img.variables[*vi].percpu || !img.variables[*vi].dims.empty())
      throw std::invalid_argument(name + ": " + var + " is not a scalar .percpu variable");
    for (isa::Word cpu = 0; cpu < img.ncpus; ++cpu)
      if ((cpu < nohz_full.size() && nohz_full[cpu]) == active) mem[img.address(var, {cpu})] = value;
  }
  // Masks of CPUs (cpumask.s), each written whole: kernel/cpu.c __cpu_online_mask (every CPU is
  // online), lib/cpumask.c cpu_bit_bitmap (cpumask_of()), kernel/time/tick-sched.c
  // tick_nohz_full_mask (nohz_full=), each task's cpus_allowed (all CPUs, as init_task's)
  auto set_mask = [&](const std::string& var, std::vector<isa::Word> index, const std::vector<std::uint32_t>& cpus) {
    if (!img.find_variable(var)) return;
    index.push_back(0);
    const std::vector<isa::Word> words = isa::cpumask_words(cpus, img.ncpus);
    std::copy(words.begin(), words.end(), mem.begin() + static_cast<std::ptrdiff_t>(img.address(var, index)));
  };
  std::vector<std::uint32_t> all, nohz;
  for (std::uint32_t cpu = 0; cpu < img.ncpus; ++cpu) {
    all.push_back(cpu);
    if (cpu < nohz_full.size() && nohz_full[cpu]) nohz.push_back(cpu);
    set_mask("cpu_bit_bitmap", {cpu}, {cpu});
  }
  set_mask("cpu_online_mask", {}, all);
  set_mask("tick_nohz_full_mask", {}, nohz);
  for (isa::Word task = 0; task < img.ncpus; ++task) set_mask("current.cpus_allowed", {task}, all);
  // Static initialisers that hold a function's address, which an assembly initialiser (a constant)
  // cannot: kernel/time/tick-sched.c per_cpu(nohz_full_kick_work) = IRQ_WORK_INIT_HARD(nohz_full_kick_func)
  static const struct { const char* var; const char* field; const char* func; } kFuncInits[] = {
      {"nohz_full_kick_work", "CSD_FUNC", "nohz_full_kick_func"}};
  for (const auto& f : kFuncInits) {
    const auto func = img.find_function(f.func);
    const auto field = img.constants.find(f.field);
    if (!func || field == img.constants.end() || !img.find_variable(f.var)) continue;
    for (isa::Word cpu = 0; cpu < img.ncpus; ++cpu)
      mem[img.address(f.var, {cpu, field->second})] = isa::kCodeBase + *func;
  }
  return mem;
}

}  // namespace kernel
