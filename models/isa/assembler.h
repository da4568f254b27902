// The assembler for isolsim's textual micro-op form (syntax: docs/assembly.md).
// Sources are layered: a function, constant or variable in a higher layer replaces a lower one
// (kernel paths are layer 0, protocol files 1, a scenario's own programs 2).
#pragma once

#include <map>
#include <stdexcept>
#include <string>
#include <vector>

#include "image.h"

namespace isa {

// One assembly error; what() is "file:line: message".
class AsmError : public std::runtime_error {
 public:
  AsmError(const std::string& file, std::uint32_t line, const std::string& msg)
      : std::runtime_error(file + ":" + std::to_string(line) + ": " + msg), file_(file), line_(line) {}
  const std::string& file() const { return file_; }
  std::uint32_t line() const { return line_; }

 private:
  std::string file_;
  std::uint32_t line_;
};

struct Source {
  std::string name;  // shown in errors and listings
  std::string text;
  int layer = 0;
};

// `predefined` constants (NR_CPUS, ...) are visible to every source; NR_CPUS sizes `.percpu` data.
Image assemble(const std::vector<Source>& sources, const std::map<std::string, Word>& predefined);

constexpr Word kWordsPerLine = 8;  // 64-byte cache lines of 8-byte words

}  // namespace isa
