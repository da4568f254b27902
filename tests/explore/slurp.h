// Reads a whole file for the litmus tests ("" when it cannot be read).
#pragma once

#include <fstream>
#include <sstream>
#include <string>

inline std::string slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}
