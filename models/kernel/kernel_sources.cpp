#include "kernel_sources.h"

#include <algorithm>
#include <stdexcept>

namespace kernel {

const std::vector<std::string>& protocol_names() {
  static const std::vector<std::string> names = {"ipi", "mainline", "pz2021", "rfc1", "rfc2", "rfc3",
                                                 "v4", "v5", "v6", "v7"};
  return names;
}

const std::vector<OptionalFile>& optional_files() {
  static const std::vector<OptionalFile> files = {
      {"sched_entry.s", 1}, {"block_interf_srcu.s", 1}, {"nohz_full_runtime.s", 1}, {"tif_nohz.s", 2},
      {"task_isolation.s", 3}, {"cpu_opv.s", 1}};
  return files;
}

std::vector<isa::Source> protocol_sources(const std::string& protocol, const std::vector<std::string>& options) {
  bool known = false;
  for (const auto& n : protocol_names()) known |= n == protocol;
  if (!known) throw std::invalid_argument("unknown protocol " + protocol);
  // `mainline` is the other name of `ipi`: mainline context tracking, no deferral.
  const std::string own = protocol == "mainline" ? "" : "protocols/" + protocol + ".s";
  std::vector<isa::Source> out;
  for (const EmbeddedFile& f : embedded_files()) {
    const std::string name = f.name;
    if (name.rfind("protocols/", 0) == 0) {
      if (name == own) out.push_back({"models/kernel/" + name, f.text, 1});
    } else if (const auto opt = std::find_if(optional_files().begin(), optional_files().end(),
                                             [&](const OptionalFile& o) { return o.name == name; });
               opt != optional_files().end()) {
      if (std::find(options.begin(), options.end(), name) != options.end())
        out.push_back({"models/kernel/" + name, f.text, opt->layer});
    } else {
      out.push_back({"models/kernel/" + name, f.text, 0});
    }
  }
  return out;
}

}  // namespace kernel
