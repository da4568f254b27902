// What every fuzz target asserts of an expected bad-input error: the project's rule, one line
// that starts with the file's name (and so names its line).
#pragma once

#include <cstdio>
#include <cstdlib>
#include <string>

namespace fuzz {

// Aborts (a finding libFuzzer saves) unless `message` is one line starting with "file:".
inline void check_one_line(const std::string& message, const std::string& file) {
  if (message.find('\n') == std::string::npos && message.rfind(file + ":", 0) == 0) return;
  std::fprintf(stderr, "fuzz: error message is not one line naming %s:\n%s\n", file.c_str(), message.c_str());
  std::abort();
}

}  // namespace fuzz
