// An assembled image: functions, variables (the memory layout), constants and the IDT.
// One image is built per scenario, because array sizes depend on its CPU count.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "instruction.h"

namespace isa {
namespace asm_impl {
class Assembler;
}

struct Function {
  std::string name;
  std::string file;
  std::uint32_t line = 0;
  std::uint8_t nparams = 0;
  std::uint8_t nregs = 0;
  std::vector<std::string> reg_names;
  std::vector<Instruction> code;
  std::vector<std::pair<std::string, std::uint32_t>> labels;  // for listings
};

// A `.var` is laid out at `base`; a `.percpu` variable has one copy in each CPU's per-CPU area,
// at `base` + cpu * Image::percpu_area (so CPUs never share its cache lines, as in the kernel).
struct Variable {
  std::string name;
  bool percpu = false;
  Addr base = 0;
  std::vector<Word> dims;  // without the CPU dimension of a .percpu variable; empty for a scalar
  Word size = 1;           // words in one copy
  Word init = 0;
  std::vector<Word> inits;  // the first elements' own initialisers (`= {a, b}`), then `init`
  std::string file;
  std::uint32_t line = 0;
};

class Image {
 public:
  std::vector<Function> functions;
  std::vector<Variable> variables;
  std::map<std::string, Word> constants;
  std::map<std::uint8_t, std::uint32_t> idt;  // vector -> function index
  std::vector<std::string> strings;           // tracepoint names
  Addr memory_words = 1;                      // address 0 is NULL
  Addr percpu_base = 0;
  Addr percpu_area = 0;                       // words, a whole number of cache lines
  Word ncpus = 0;
  // `.ctstate VAR, FUNC`: each CPU's context-tracking state word, and the function that says from
  // its value where the CPU is (models/kernel/ct_state_reader.h); -1 when no source declares one.
  int ct_state_var = -1;
  std::uint32_t ct_state_where = 0;

  std::optional<std::uint32_t> find_function(const std::string& name) const;
  std::optional<int> find_variable(const std::string& name) const;
  const Function& function(std::uint32_t index) const { return functions.at(index); }
  // "ct.state[2]" for an address, "0x1a3" when no variable covers it.
  std::string describe(Addr addr) const;
  // "ct_set_cpu_work+3 (v7.s:42)"
  std::string where(std::uint32_t func, std::uint32_t pc) const;
  std::uint32_t intern(const std::string& s);
  // Address of one element, e.g. ("ct.state", {cpu}); throws std::out_of_range when there is none.
  Addr address(const std::string& var, const std::vector<Word>& index) const;
  std::vector<Word> initial_memory() const;

 private:
  std::map<std::string, std::uint32_t> function_index_;
  std::map<std::string, int> variable_index_;
  friend class asm_impl::Assembler;
};

}  // namespace isa
