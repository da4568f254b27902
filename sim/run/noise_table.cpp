#include "noise_table.h"

#include <cinttypes>
#include <cstdarg>
#include <cstdio>
#include <string>

namespace run {

namespace {

std::string fmt(const char* f, ...) __attribute__((format(printf, 1, 2)));
std::string fmt(const char* f, ...) {
  char b[256];
  va_list ap;
  va_start(ap, f);
  std::vsnprintf(b, sizeof b, f, ap);
  va_end(ap);
  return b;
}

}  // namespace

void print_noise_tables(const nlohmann::ordered_json& r, const std::vector<std::uint32_t>& cpus, bool by_sender,
                        std::ostream& out) {
  const double mhz = r["run"]["clock_mhz"].get<double>();
  const auto us = [mhz](std::uint64_t cycles) { return static_cast<double>(cycles) / mhz; };
  const std::uint64_t runtime = r["run"]["cycles"].get<std::uint64_t>();
  // rtla osnoise top's columns; one osnoise period: the whole run
  out << "                                                     Noise classes (count)\n";
  out << fmt("%-5s %12s %12s %10s %12s %12s %6s %6s %6s %8s %7s\n", "CPU", "Runtime(us)", "Noise(us)",
             "% CPU Aval", "Max Noise", "Max Single", "HW", "NMI", "IRQ", "Softirq", "Thread");
  for (std::uint32_t c : cpus) {
    const auto& in = r["interference"]["cpus"][c];
    const auto& n = r["noise"]["cpus"][c];
    const std::uint64_t noise = in["cycles_lost"].get<std::uint64_t>();
    const double aval = runtime ? 100.0 * (1.0 - static_cast<double>(noise) / static_cast<double>(runtime)) : 100.0;
    out << fmt("%-5u %12.1f %12.1f %9.5f%% %12.1f %12.1f %6" PRIu64 " %6" PRIu64 " %6" PRIu64 " %8" PRIu64
               " %7" PRIu64 "\n",
               c, us(runtime), us(noise), aval, us(noise), us(in["worst_cycles"].get<std::uint64_t>()),
               n["hw"].get<std::uint64_t>(), n["nmi"].get<std::uint64_t>(), n["irq"].get<std::uint64_t>(),
               n["softirq"].get<std::uint64_t>(), n["thread"].get<std::uint64_t>());
  }
  // The cost of deferral: what the entries that ran deferred work took, against the others
  bool any = false;
  for (std::uint32_t c : cpus) {
    const auto& k = r["noise"]["cpus"][c]["kernel_stays"];
    for (const char* kind : {"syscalls", "interrupts"}) {
      const auto& f = k[std::string(kind) + "_flushing"];
      const auto& o = k[std::string(kind) + "_other"];
      const std::uint64_t fn = f["count"].get<std::uint64_t>(), on = o["count"].get<std::uint64_t>();
      if (!fn) continue;
      if (!any) out << "\nDeferral cost: kernel stays that ran deferred work on entry\n";
      any = true;
      const double fm = static_cast<double>(f["cycles"].get<std::uint64_t>()) / static_cast<double>(fn);
      out << fmt("cpu%-4u %-10s %6" PRIu64 " flushing, mean %9.1f cycles", c, kind, fn, fm);
      if (on) {
        const double om = static_cast<double>(o["cycles"].get<std::uint64_t>()) / static_cast<double>(on);
        out << fmt("; %6" PRIu64 " others, mean %9.1f cycles (%+.1f)", on, om, fm - om);
      }
      out << "\n";
    }
  }
  const auto& to = r["noise"]["to_isolated"];
  out << "\nCallbacks aimed at isolated CPUs (one per target CPU)\n";
  out << fmt("%-48s %8s %9s %8s %8s\n", "callback", "IPI", "deferred", "skipped", "blocked");
  if (to["by_callback"].empty()) out << "  (none)\n";
  for (const auto& [cb, k] : to["by_callback"].items())
    out << fmt("%-48s %8" PRIu64 " %9" PRIu64 " %8" PRIu64 " %8" PRIu64 "\n", cb.c_str(), k["ipi"].get<std::uint64_t>(),
               k["deferred"].get<std::uint64_t>(), k["skipped"].get<std::uint64_t>(), k["blocked"].get<std::uint64_t>());
  if (!by_sender) return;
  out << "\nBy sender\n";
  out << fmt("%-7s %-40s %8s %9s %8s %8s\n", "sender", "callback", "IPI", "deferred", "skipped", "blocked");
  for (const auto& row : to["by_sender"])
    out << fmt("cpu%-4" PRIu64 " %-40s %8" PRIu64 " %9" PRIu64 " %8" PRIu64 " %8" PRIu64 "\n",
               row["sender"].get<std::uint64_t>(), row["callback"].get<std::string>().c_str(),
               row["ipi"].get<std::uint64_t>(), row["deferred"].get<std::uint64_t>(),
               row["skipped"].get<std::uint64_t>(), row["blocked"].get<std::uint64_t>());
}

}  // namespace run
