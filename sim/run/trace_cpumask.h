// The struct cpumask a tracepoint carries (`trace NAME(cpumask P, ...)`, docs/assembly.md): its
// words follow the tracepoint's own arguments, as the kernel's __bitmask() field follows the others.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "models/isa/cpumask_layout.h"
#include "models/isa/instruction.h"

namespace run {

// The CPUs of the mask after the first `nargs` arguments of `args`, in order.
inline std::vector<std::uint32_t> traced_cpus(const std::vector<isa::Word>& args, std::size_t nargs) {
  if (args.size() <= nargs) return {};
  return isa::cpumask_cpus(args.begin() + static_cast<std::ptrdiff_t>(nargs), args.end());
}

// CPUs as the kernel's %*pbl prints them: "1-3,5".
inline std::string cpulist(const std::vector<std::uint32_t>& cpus) {
  std::string out;
  for (std::size_t i = 0; i < cpus.size();) {
    std::size_t e = i;
    while (e + 1 < cpus.size() && cpus[e + 1] == cpus[e] + 1) ++e;
    if (!out.empty()) out += ",";
    out += std::to_string(cpus[i]) + (e > i ? "-" + std::to_string(cpus[e]) : "");
    i = e + 1;
  }
  return out;
}

}  // namespace run
