// The kernel paths, embedded at build time, and which of them make up each deferral protocol.
#pragma once

#include <string>
#include <vector>

#include "models/isa/assembler.h"

namespace kernel {

struct EmbeddedFile {
  const char* name;  // path below models/kernel/
  const char* text;
};

const std::vector<EmbeddedFile>& embedded_files();
// "ipi" (and "mainline", its other name), "pz2021", "rfc1", "rfc2", "rfc3", "v4", "v5", "v6", "v7"
const std::vector<std::string>& protocol_names();
// Layer-0 kernel paths plus the protocol's override file at layer 1, and with `sched_kthreads`
// sched_entry.s's entry and idle paths at layer 1 (see KernelConfig). Throws
// std::invalid_argument for an unknown protocol.
std::vector<isa::Source> protocol_sources(const std::string& protocol, bool sched_kthreads = false);

}  // namespace kernel
