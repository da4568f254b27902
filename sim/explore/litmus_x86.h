// The x86 side of the litmus reader (litmus.h): one herd7 instruction, in either dialect, to one
// isolsim micro-op; and the text, number and register helpers both halves of the reader share.
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
// The `ok` result of a CMPXCHG (ZF): a register no x86 name maps to.
inline const char* const kFlagRegister = "zf";

// Throws isa::AsmError "file:line: msg".
[[noreturn]] void fail(const std::string& file, int line, const std::string& msg);
// The 1-based line of offset `at` in `text`.
int line_of(const std::string& text, std::size_t at);

enum class Dialect { Intel, Att };  // X86: MOV EAX,[x]; X86_64: movl (x),%eax

// One translated instruction: the micro-op line, and what it names (for .var and register setup).
struct MicroOp {
  std::string text;
  std::vector<std::string> registers;  // canonical
  std::vector<std::string> locations;
};

// One litmus instruction (`cell`, a program column's text on `line`) -> one micro-op.
MicroOp read_instruction(Dialect d, const std::string& cell, const std::string& file, int line);

}  // namespace explore::litmus_x86
