#include "sim/report/timeline.h"

#include <algorithm>
#include <cmath>
#include <ostream>
#include <sstream>
#include <stdexcept>

namespace report {

std::string_view context_name(Context c) {
  switch (c) {
    case Context::User: return "user";
    case Context::Kernel: return "kernel";
    case Context::Irq: return "irq";
    case Context::Idle: return "idle";
    case Context::Off: return "off";
  }
  return "unknown";
}

std::string cpu_label(const Timeline& t, std::uint32_t cpu) {
  if (cpu < t.cpu_labels.size() && !t.cpu_labels[cpu].empty()) return t.cpu_labels[cpu];
  return "cpu" + std::to_string(cpu);
}

std::uint64_t effective_end(const Timeline& t) {
  std::uint64_t end = t.end_cycle;
  for (const auto& c : t.changes) end = std::max(end, c.cycle);
  for (const auto& i : t.ipis) end = std::max({end, i.sent, i.delivered, i.handled});
  for (const auto& m : t.markers) end = std::max(end, m.cycle);
  return end;
}

namespace {
[[noreturn]] void fail(const std::string& msg) { throw std::invalid_argument("timeline: " + msg); }

void check_cpu(const Timeline& t, std::uint32_t cpu, const std::string& what) {
  if (cpu >= t.ncpus) fail(what + " names cpu" + std::to_string(cpu) + " but ncpus is " + std::to_string(t.ncpus));
}
}  // namespace

void validate(const Timeline& t) {
  if (!std::isfinite(t.clock_mhz) || !(t.clock_mhz > 0)) {
    std::ostringstream os;
    os << "clock_mhz must be finite and > 0 (got " << t.clock_mhz << ")";
    fail(os.str());
  }
  if (!t.cpu_labels.empty() && t.cpu_labels.size() != t.ncpus)
    fail("cpu_labels has " + std::to_string(t.cpu_labels.size()) + " entries for " + std::to_string(t.ncpus) +
         " CPUs");
  for (std::size_t i = 0; i < t.changes.size(); ++i) {
    const auto& c = t.changes[i];
    check_cpu(t, c.cpu, "change #" + std::to_string(i));
    if (static_cast<std::uint8_t>(c.context) > static_cast<std::uint8_t>(Context::Off))
      fail("change #" + std::to_string(i) + " has an invalid context");
    if (i > 0) {
      const auto& p = t.changes[i - 1];
      if (c.cycle < p.cycle || (c.cycle == p.cycle && c.cpu < p.cpu))
        fail("changes not sorted by (cycle, cpu) at #" + std::to_string(i) + " (cycle " + std::to_string(c.cycle) +
             " cpu" + std::to_string(c.cpu) + " after cycle " + std::to_string(p.cycle) + " cpu" +
             std::to_string(p.cpu) + ")");
    }
  }
  std::vector<std::uint64_t> ids;
  ids.reserve(t.ipis.size());
  for (const auto& i : t.ipis) {
    const std::string what = "ipi " + std::to_string(i.id);
    check_cpu(t, i.from, what + " (from)");
    check_cpu(t, i.to, what + " (to)");
    if (i.delivered < i.sent)
      fail(what + " delivered at cycle " + std::to_string(i.delivered) + " before it was sent at " +
           std::to_string(i.sent));
    if (i.handled != 0 && i.handled < i.delivered)
      fail(what + " handled at cycle " + std::to_string(i.handled) + " before it was delivered at " +
           std::to_string(i.delivered));
    ids.push_back(i.id);
  }
  std::sort(ids.begin(), ids.end());
  if (auto dup = std::adjacent_find(ids.begin(), ids.end()); dup != ids.end())
    fail("duplicate ipi id " + std::to_string(*dup));
  for (std::size_t i = 0; i < t.markers.size(); ++i) check_cpu(t, t.markers[i].cpu, "marker #" + std::to_string(i));
  for (std::size_t i = 0; i < t.task_runs.size(); ++i) {
    const TaskRun& r = t.task_runs[i];
    check_cpu(t, r.cpu, "task run #" + std::to_string(i));
    if (r.to < r.from)
      fail("task run #" + std::to_string(i) + " (" + r.task + ") ends at cycle " + std::to_string(r.to) +
           " before it starts at " + std::to_string(r.from));
  }
}

void write_gtkwave_ctx_filter(std::ostream& os) {
  for (Context c : {Context::User, Context::Kernel, Context::Irq, Context::Idle, Context::Off})
    os << vcd_code(c) << ' ' << context_name(c) << '\n';
}

}  // namespace report
