// The x86 side of the litmus reader (litmus.h): one herd7 instruction, in either dialect, to its
// isolsim micro-ops (litmus_instruction.cpp); and the text, number and register helpers both share.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "models/isa/instruction.h"

namespace explore::litmus_x86 {

std::string lower(std::string s);
std::string trim(const std::string& s);
std::vector<std::string> split(const std::string& s, char sep);
bool ident_start(char c);
bool ident_char(char c);
bool plain_identifier(const std::string& s);
// A non-negative decimal or 0x-hexadecimal number, as herd writes values.
std::optional<isa::Word> parse_number(const std::string& text);

struct RegInfo {
  std::string canonical;  // 64-bit name: what the assembly calls the register
  int width = 0;          // bits
};
// Any general-purpose register name of any width, in any case.
std::optional<RegInfo> lookup_register(const std::string& name);
// Registers no x86 name maps to: herd7's flags ZF (also a CMPXCHG's `ok`) and SF, and the
// scratch values of an instruction that is several micro-ops. herd7's CF is always 0.
inline const char* const kFlagRegister = "zf";
inline const char* const kSignRegister = "sf";
inline const char* const kTempRegister = "tmp";
inline const char* const kTemp2Register = "tmp2";
// A register of the reader's own, that a location must not be named as in the assembly.
bool internal_register(const std::string& name);

// Throws isa::AsmError "file:line: msg".
[[noreturn]] void fail(const std::string& file, int line, const std::string& msg);
// The 1-based line of offset `at` in `text`.
int line_of(const std::string& text, std::size_t at);

enum class Dialect { Intel, Att };  // X86: MOV EAX,[x]; X86_64: movl (x),%eax

// One translated cell: its micro-op lines (none for LFENCE, SFENCE, CMOVC or a label alone), the
// herd7 labels it defines and the one it jumps to, and what it names (for .var and register setup).
struct MicroOp {
  std::vector<std::string> lines;
  std::vector<std::string> labels;  // as written
  std::string jump;                 // as written; empty when it jumps nowhere
  std::vector<std::string> registers;  // canonical; ZF and SF when a jump reads them
  std::vector<std::string> locations;
};

// One litmus cell (a program column's text on `line`) -> its micro-ops. `flags`: keep herd7's ZF
// and SF up to date (the thread has a conditional jump); without, no micro-op computes them.
MicroOp read_instruction(Dialect d, const std::string& cell, bool flags, const std::string& file, int line);
// Whether a cell is a conditional jump (J<cc> LABEL, after any labels).
bool conditional_jump(const std::string& cell);
// The assembly label of a herd7 label.
std::string label_of(const std::string& herd_label);
// `prefix` then `name` with every character but letters and digits as _XX (its hex code): herd7's
// names may hold '/', '.' and '-', the assembly's may not, and a prefix with a dot keeps the
// mangled names apart from every plain one.
std::string mangled(const std::string& prefix, const std::string& name);

}  // namespace explore::litmus_x86
