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
// The files loaded only when a configuration asks, over the paths they replace (see KernelConfig):
// sched_entry.s, block_interf_srcu.s, nohz_full_runtime.s at layer 1, tif_nohz.s at layer 2 (over
// sched_entry.s).
struct OptionalFile {
  std::string name;
  int layer;
};
const std::vector<OptionalFile>& optional_files();
// Layer-0 kernel paths plus the protocol's override file at layer 1, and the `options` (names of
// optional_files()) at their layers. Throws std::invalid_argument for an unknown protocol.
std::vector<isa::Source> protocol_sources(const std::string& protocol, const std::vector<std::string>& options = {});

}  // namespace kernel
