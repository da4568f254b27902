// The litmus reader's shared helpers (litmus_x86.h): text, numbers, x86 register names, errors.
#include "litmus_x86.h"

#include <algorithm>
#include <cctype>
#include <map>
#include <cstdio>
#include <stdexcept>

#include "models/isa/assembler.h"

namespace explore::litmus_x86 {

using isa::Word;

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string trim(const std::string& s) {
  const std::size_t b = s.find_first_not_of(" \t\r\n");
  if (b == std::string::npos) return "";
  return s.substr(b, s.find_last_not_of(" \t\r\n") - b + 1);
}

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out(1);
  for (char c : s) {
    if (c == sep) out.emplace_back();
    else out.back() += c;
  }
  return out;
}

bool ident_start(char c) { return std::isalpha(static_cast<unsigned char>(c)) || c == '_'; }
bool ident_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

bool plain_identifier(const std::string& s) {
  if (s.empty() || !ident_start(s[0])) return false;
  for (char c : s)
    if (!ident_char(c)) return false;
  return true;
}

// A non-negative decimal or 0x-hexadecimal number, as herd writes values.
std::optional<Word> parse_number(const std::string& text) {
  const bool hex = text.size() > 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X');
  const std::string digits = hex ? text.substr(2) : text;
  if (digits.empty() || digits.find_first_not_of(hex ? "0123456789abcdefABCDEF" : "0123456789") != std::string::npos)
    return std::nullopt;
  try {
    return std::stoull(digits, nullptr, hex ? 16 : 10);
  } catch (const std::out_of_range&) {
    return std::nullopt;
  }
}

namespace {

// Every general-purpose register name of every width, lower case.
const std::map<std::string, RegInfo>& register_table() {
  static const std::map<std::string, RegInfo> table = [] {
    std::map<std::string, RegInfo> t;
    for (const char* l : {"a", "b", "c", "d"}) {
      const std::string r = std::string("r") + l + "x";
      t[r] = {r, 64};
      t[std::string("e") + l + "x"] = {r, 32};
      t[std::string(l) + "x"] = {r, 16};
      t[std::string(l) + "l"] = {r, 8};
      t[std::string(l) + "h"] = {r, 8};
    }
    for (const char* l : {"si", "di", "bp", "sp"}) {
      const std::string r = std::string("r") + l;
      t[r] = {r, 64};
      t[std::string("e") + l] = {r, 32};
      t[l] = {r, 16};
      t[std::string(l) + "l"] = {r, 8};
    }
    for (int n = 8; n <= 15; ++n) {
      const std::string r = "r" + std::to_string(n);
      t[r] = {r, 64};
      t[r + "d"] = {r, 32};
      t[r + "w"] = {r, 16};
      t[r + "b"] = {r, 8};
    }
    return t;
  }();
  return table;
}

}  // namespace

std::optional<RegInfo> lookup_register(const std::string& name) {
  auto it = register_table().find(lower(name));
  if (it == register_table().end()) return std::nullopt;
  return it->second;
}

[[noreturn]] void fail(const std::string& file, int line, const std::string& msg) {
  throw isa::AsmError(file, static_cast<std::uint32_t>(line), msg);
}

int line_of(const std::string& text, std::size_t at) {
  int line = 1;
  for (std::size_t i = 0; i < at && i < text.size(); ++i)
    if (text[i] == '\n') ++line;
  return line;
}

bool internal_register(const std::string& name) {
  return name == kFlagRegister || name == kSignRegister || name == kTempRegister || name == kTemp2Register;
}

std::string label_of(const std::string& herd_label) { return mangled("L.", herd_label); }

std::string mangled(const std::string& prefix, const std::string& name) {
  std::string out = prefix;
  for (unsigned char c : name) {
    if (std::isalnum(c)) {
      out += static_cast<char>(c);
    } else {
      char hex[4];
      std::snprintf(hex, sizeof hex, "_%02x", c);
      out += hex;
    }
  }
  return out;
}

}  // namespace explore::litmus_x86
