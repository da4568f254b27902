// herd7 X86 / X86_64 litmus tests: the reader, and their translation into isolsim's micro-op
// assembly (one `.var` per location, one `.func P<i>()` per thread, its micro-ops per instruction).
#pragma once

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "models/isa/instruction.h"

namespace explore {

// `x=1`, `[x]=1` (thread -1) or `0:EAX=1`; `value` is unused where an atom names a place only.
struct LitmusAtom {
  int thread = -1;   // -1: a memory location
  std::string name;  // location or register as written, e.g. "x", "EAX", "rax"
  isa::Word value = 0;
};

// The proposition of the final condition.
struct LitmusProp {
  enum class Kind { True, False, Atom, Not, And, Or };
  Kind kind = Kind::True;
  LitmusAtom atom;               // Atom
  std::vector<LitmusProp> args;  // Not: one; And, Or: two
};

struct Litmus {
  std::string name, file;
  std::vector<std::string> locations;     // shared memory locations, order of first appearance
  std::map<std::string, isa::Word> init;  // location -> initial value (missing = 0)
  int threads = 0;
  std::string assembly;  // `.var` per location, `.func P<i>()` per thread, each ending with halt
  enum class Quantifier { Exists, NotExists, Forall };
  Quantifier quantifier = Quantifier::Exists;
  LitmusProp condition;
  // What herd7 counts final states over: the locations and registers of the `locations` line and
  // of the condition, once each (registers by register_of), memory first, then by thread and name.
  std::vector<LitmusAtom> observed;

  // Truth of the condition's proposition in a final state; `value(atom)` is the final value of
  // the atom's location or register.
  bool holds(const std::function<isa::Word(const LitmusAtom&)>& value) const;
};

// Throws isa::AsmError ("file:line: message") on anything malformed or unsupported.
Litmus parse_litmus(const std::string& text, const std::string& file);

// The `.var` of a location (its name when that cannot clash in the assembly, else "mem.<escaped>"),
// for isa::Image::address(variable_of(loc), {}).
std::string variable_of(const std::string& location);

// The register of an x86 register name as isa::Function::reg_names holds it: the 64-bit name in
// lower case ("EAX", "%eax", "rax" -> "rax"). Throws std::invalid_argument for anything else.
std::string register_of(const std::string& litmus_reg);

}  // namespace explore
