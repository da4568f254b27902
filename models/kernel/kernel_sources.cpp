#include "kernel_sources.h"

#include <stdexcept>

namespace kernel {

const std::vector<std::string>& protocol_names() {
  static const std::vector<std::string> names = {"ipi", "mainline", "pz2021", "rfc1", "rfc2", "rfc3",
                                                 "v4", "v5", "v6", "v7"};
  return names;
}

std::vector<isa::Source> protocol_sources(const std::string& protocol, bool sched_kthreads) {
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
    } else if (name == "sched_entry.s") {
      if (sched_kthreads) out.push_back({"models/kernel/" + name, f.text, 1});
    } else {
      out.push_back({"models/kernel/" + name, f.text, 0});
    }
  }
  return out;
}

}  // namespace kernel
