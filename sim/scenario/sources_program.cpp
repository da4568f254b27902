// The scenario's sources as programs (docs/scenario.md "sources"): each source's body on its
// senders, one dispatcher per sending CPU that runs the schedule, device interrupt stubs, and the
// boot-time tables (schedules, irq descriptors) they read.
#include <algorithm>
#include <cstdio>
#include <sstream>

#include "models/isa/cpumask_layout.h"
#include "models/isa/instruction.h"
#include "sim/scenario/scenario.h"
#include "sim/scenario/source_kinds.h"

namespace scenario {

namespace {

std::string hex(std::uint64_t v) {
  char b[24];
  std::snprintf(b, sizeof b, "0x%llx", static_cast<unsigned long long>(v));
  return b;
}

// The function one firing of source `i` runs; with `rotate`, one per target, `turn` picking it.
std::string body_name(const Scenario& s, std::size_t i, std::size_t turn = 0) {
  const Source& src = s.sources[i];
  std::string name = "__source_" + std::to_string(i) + "_" + src.kind;
  if (src.rotate) name += "_cpu" + std::to_string(src.to[turn % src.to.size()]);
  return name;
}
std::string dispatcher_name(std::uint32_t cpu) { return "__sources_cpu" + std::to_string(cpu); }
std::string stub_name(std::uint32_t vector) { return "asm_common_interrupt_" + hex(vector); }

// A struct cpumask of `cpus` as a variable's initialiser (cpumask.s: BITS_TO_LONGS(NR_CPUS) words).
std::string cpumask_init(const std::vector<std::uint32_t>& cpus, std::uint32_t ncpus) {
  const std::vector<isa::Word> words = isa::cpumask_words(cpus, ncpus);
  std::string out = "{";
  for (std::size_t i = 0; i < words.size(); ++i) out += (i ? ", " : "") + hex(words[i]);
  return out + "}";
}

// Rows of a sender's schedule: (cycle, body), in cycle order, ties in source order.
std::vector<std::pair<std::uint64_t, std::string>> rows_of(const Scenario& s, std::uint32_t cpu) {
  std::vector<std::pair<std::uint64_t, std::string>> rows;
  for (std::size_t i = 0; i < s.sources.size(); ++i) {
    const Source& src = s.sources[i];
    for (std::size_t l = 0; l < src.from.size(); ++l) {
      if (src.from[l] != cpu) continue;
      std::size_t turn = 0;
      for (std::uint64_t t : src.schedule[l]) rows.emplace_back(t, body_name(s, i, turn++));
    }
  }
  std::stable_sort(rows.begin(), rows.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  return rows;
}

// One firing's body: the kind's kernel function on `targets`.
void write_body(std::ostream& o, const std::string& name, const Source& src, const SourceKind& k,
                const std::vector<std::uint32_t>& targets, std::uint32_t ncpus) {
  const bool masked = src.kind != "ipi" && k.targets != SourceKind::Targets::None;
  if (masked) o << ".var " << name << ".targets[NR_CPUMASK_LONGS] = " << cpumask_init(targets, ncpus) << "\n";
  o << ".func " << name << "(arg)\n";
  if (src.kind == "ipi") {
    for (std::uint32_t c : targets) {
      o << "    trace ipi_send_cpu(" << c << ", &" << name << ", 0)\n";
      o << "    call x2apic_send_IPI(" << c << ", " << src.vector << ")\n";
    }
  } else if (k.targets == SourceKind::Targets::None) {
    o << "    call " << k.body << "()\n";
  } else {
    o << "    __targets = &" << name << ".targets[0]\n";
    o << "    call " << k.body << "(__targets)\n";
  }
  o << "    ret 0\n.endfunc\n";
}

}  // namespace

std::string source_schedule_name(std::uint32_t cpu) { return "__sources.cpu" + std::to_string(cpu); }

bool sends_sources(const Scenario& s, std::uint32_t cpu) {
  for (const Source& src : s.sources)
    if (std::find(src.from.begin(), src.from.end(), cpu) != src.from.end()) return true;
  return false;
}

std::string sources_task_call(std::uint32_t cpu) { return "call " + dispatcher_name(cpu) + "()"; }

std::string generate_sources(const Scenario& s) {
  if (s.sources.empty()) return "";
  std::ostringstream o;
  o << "; The sources of " << s.file << " (docs/scenario.md \"sources\"), generated\n";
  // Costs that are constants of the kernel paths.
  std::vector<std::string> done;
  for (const Source& src : s.sources) {
    const SourceKind& k = *find_source_kind(src.kind);
    if (!k.cost_const[0] || std::find(done.begin(), done.end(), k.cost_const) != done.end()) continue;
    done.push_back(k.cost_const);
    o << ".equ " << k.cost_const << ", " << src.cost << "\n";
  }
  for (std::size_t i = 0; i < s.sources.size(); ++i) {
    const Source& src = s.sources[i];
    const SourceKind& k = *find_source_kind(src.kind);
    o << "\n; " << src.pointer << ": " << src.kind << "\n";
    if (!k.sender) {
      o << "; arch/x86/include/asm/idtentry.h irq_entries_start: vector " << hex(src.vector)
        << "'s stub enters common_interrupt() with its vector\n";
      o << ".func " << stub_name(src.vector) << "(user)\n    call common_interrupt(user, " << src.vector
        << ")\n    iret\n.endfunc\n.idt " << src.vector << ", " << stub_name(src.vector) << "\n";
      continue;
    }
    if (!src.rotate) {
      write_body(o, body_name(s, i), src, k, src.to, s.cpus);
      continue;
    }
    for (std::size_t t = 0; t < src.to.size(); ++t) write_body(o, body_name(s, i, t), src, k, {src.to[t]}, s.cpus);
  }
  for (std::uint32_t c = 0; c < s.cpus; ++c) {
    if (!sends_sources(s, c)) continue;
    const std::size_t rows = rows_of(s, c).size() + 1;
    o << "\n; CPU " << c << " runs its sources' schedule: (cycle, body) rows, ended by a zero cycle\n";
    o << ".var " << source_schedule_name(c) << "[" << rows << "][2]\n";
    o << ".func " << dispatcher_name(c) << "()\n";
    o << "    __row = &" << source_schedule_name(c) << "[0][0]\n";
    o << "__next:\n    __when = load [__row]\n    jz __when, __over\n";
    o << "    __now = rdtsc\n    jnz __now >= __when, __fire\n    __wait = __when - __now\n    compute __wait\n";
    o << "__fire:\n    __body = load [__row + 1]\n    syscall entry_SYSCALL_64(__body, 0)\n";
    o << "    __row = __row + 2\n    jmp __next\n__over:\n    ret 0\n.endfunc\n";
  }
  return o.str();
}

void fill_source_schedules(const Scenario& s, const isa::Image& img, std::vector<isa::Word>& memory) {
  for (std::uint32_t c = 0; c < s.cpus; ++c) {
    if (!sends_sources(s, c)) continue;
    const auto rows = rows_of(s, c);
    for (std::size_t r = 0; r < rows.size(); ++r) {
      memory[img.address(source_schedule_name(c), {r, 0})] = rows[r].first;
      memory[img.address(source_schedule_name(c), {r, 1})] =
          isa::kCodeBase + *img.find_function(rows[r].second);
    }
  }
  for (const Source& src : s.sources) {
    if (src.kind != "device") continue;
    memory[img.address("irq_desc.cycles", {src.vector})] = src.cost;
    memory[img.address("irq_desc.softirq", {src.vector})] = src.softirq;
  }
}

std::vector<DeviceInterrupt> device_interrupts(const Scenario& s) {
  std::vector<DeviceInterrupt> out;
  for (const Source& src : s.sources) {
    if (src.kind != "device") continue;
    // An unmanaged interrupt goes to one CPU of its affinity (the vector matrix picks one; the
    // first here); its affinity defaults to irqaffinity=. A managed multi-queue device has a queue
    // per CPU of its mask and irqaffinity= does not apply: its interrupts rotate over the queues.
    const std::uint32_t target = src.to.front();
    std::size_t queue = 0;
    for (std::uint64_t t : src.schedule.at(0)) {
      const std::uint32_t cpu = src.managed ? src.to[queue++ % src.to.size()] : target;
      out.push_back({t, cpu, src.vector});
    }
  }
  std::stable_sort(out.begin(), out.end(), [](const DeviceInterrupt& a, const DeviceInterrupt& b) { return a.cycle < b.cycle; });
  return out;
}

}  // namespace scenario
