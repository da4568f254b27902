#include "scenario_image.h"

#include <list>
#include <mutex>

#include "models/kernel/boot.h"
#include "models/kernel/vector_check.h"

namespace scenario {

namespace {

kernel::KernelConfig kernel_config(const Scenario& s) {
  kernel::KernelConfig k;
  k.protocol = s.protocol;
  k.ncpus = s.cpus;
  k.nohz_full = s.nohz_full;
  k.tick_do_timer_cpu = s.tick_do_timer_cpu;
  k.tick_work_cycles = s.tick_work_cycles;
  k.extra = s.programs;
  for (const Source& src : s.sources)
    k.sched_kthreads |= src.kind == "wakeup" || src.kind == "vmstat" || src.kind == "lru_drain";
  k.block_interf_srcu = s.block_interf_lock == "srcu";
  k.nohz_full_runtime = s.nohz_full_runtime;
  k.tif_nohz = s.context_tracking_entry == "tif_nohz";
  k.nohz_full_stop_machine = s.nohz_full_switch == "stop_machine";
  k.task_isolation = s.task_isolation;
  k.cpu_opv = s.cpu_opv;
  k.tick_cycles = tick_cycles(s);
  k.residual_tick_cycles = residual_tick_cycles(s);
  return k;
}

// Everything build_kernel() reads, as one string.
std::string image_key(const kernel::KernelConfig& k) {
  static_assert(sizeof(kernel::KernelConfig) == 144, "a new KernelConfig field must join image_key()");
  std::string key = k.protocol + '\0' + std::to_string(k.ncpus) + '\0';
  for (bool b : k.nohz_full) key += b ? '1' : '0';
  for (std::uint64_t v : {std::uint64_t(k.tick_do_timer_cpu), k.tick_work_cycles, k.tick_cycles, k.residual_tick_cycles})
    key += '\0' + std::to_string(v);
  for (bool b : {k.sched_kthreads, k.block_interf_srcu, k.nohz_full_runtime, k.tif_nohz, k.nohz_full_stop_machine,
                 k.task_isolation, k.cpu_opv})
    key += b ? '1' : '0';
  for (const isa::Source& src : k.extra)
    key += '\0' + src.name + '\0' + std::to_string(src.layer) + '\0' + std::to_string(src.text.size()) + '\0' + src.text;
  return key;
}

// Assembly errors in the scenario's programs are bad input; in the kernel they are our bug, but
// they read the same way.
//
// Assembling is most of a short run's cost, and the runs of a sweep assemble the same images: the
// kernel with the scenario's programs (the probe below) is the same whatever start cycle or latency
// is varied, and the whole image too when no workload step changes. The last few images are kept,
// keyed by everything that goes into them; a sweep's parent assembles once before forking.
std::shared_ptr<const isa::Image> assemble(const kernel::KernelConfig& k) {
  static std::mutex m;
  static std::list<std::pair<std::string, std::shared_ptr<const isa::Image>>> memo;  // most recent first
  constexpr std::size_t kKept = 4;
  std::string key = image_key(k);
  {
    std::lock_guard<std::mutex> lock(m);
    for (auto it = memo.begin(); it != memo.end(); ++it)
      if (it->first == key) {
        memo.splice(memo.begin(), memo, it);
        return memo.front().second;
      }
  }
  std::shared_ptr<const isa::Image> img;
  try {
    img = std::make_shared<const isa::Image>(kernel::build_kernel(k));
  } catch (const isa::AsmError& e) {
    throw InputError(e.what());
  }
  std::lock_guard<std::mutex> lock(m);
  memo.emplace_front(std::move(key), img);
  if (memo.size() > kKept) memo.pop_back();
  return img;
}

}  // namespace

ScenarioImage build_scenario_image(const JsonDoc& doc, const Scenario& s) {
  kernel::KernelConfig kcfg = kernel_config(s);
  if (!s.sources.empty()) kcfg.extra.push_back({s.file + " (sources)", generate_sources(s), 3});
  // The workload is generated against the functions the image has (a step may name a program).
  const std::shared_ptr<const isa::Image> probed = assemble(kcfg);
  const isa::Image& probe = *probed;
  for (const Source& src : s.sources)
    if (src.kind == "ipi" && !probe.idt.count(static_cast<std::uint8_t>(src.vector)))
      doc.fail(src.pointer + "/vector", "vector " + std::to_string(src.vector) +
                                            " has no handler: no .idt entry in the kernel or the scenario's programs");
  auto has = [&](const std::string& f) { return probe.find_function(f).has_value(); };
  std::string tasks;
  for (std::uint32_t c = 0; c < s.cpus; ++c) tasks += generate_task(doc, s, c, has);
  kcfg.extra.push_back({s.file, tasks, 3});  // its .line directives cite the scenario's own lines
  ScenarioImage out;
  out.image = assemble(kcfg);
  const isa::Image& img = *out.image;
  if (const std::string bad = kernel::unhandled_vector(img); !bad.empty()) throw InputError(bad);
  for (std::uint32_t c = 0; c < s.cpus; ++c) out.tasks.push_back(*img.find_function(task_name(c)));
  out.memory = kernel::boot_memory(img, s.nohz_full);
  fill_source_schedules(s, img, out.memory);
  // kernel/sched/topology.c update_top_cache_domain(): CPUs of one socket share the last-level
  // cache; the flat and graph presets are one cache domain
  for (std::uint32_t c = 0; c < s.cpus; ++c)
    out.memory[img.address("sd_llc_id", {c})] =
        s.topology.preset == "sockets" ? c / s.topology.cpus_per_socket : 0;
  return out;
}

}  // namespace scenario
