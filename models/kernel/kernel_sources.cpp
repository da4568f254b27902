#include "kernel_sources.h"

#include <algorithm>
#include <stdexcept>

namespace kernel {

const std::vector<std::string>& protocol_names() {
  static const std::vector<std::string> names = {"ipi", "mainline", "pz2021", "rfc1", "rfc2", "rfc3",
                                                 "v4", "v5", "v6", "v7"};
  return names;
}

const std::vector<std::string>& optional_files() {
  static const std::vector<std::string> files = {"sched_entry.s", "block_interf_srcu.s"};
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
    } else if (std::find(optional_files().begin(), optional_files().end(), name) != optional_files().end()) {
      if (std::find(options.begin(), options.end(), name) != options.end())
        out.push_back({"models/kernel/" + name, f.text, 1});
    } else {
      out.push_back({"models/kernel/" + name, f.text, 0});
    }
  }
  return out;
}

}  // namespace kernel
