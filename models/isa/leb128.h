// LEB128, the byte encoding of canonical state keys (explorer states, CPUs, ledgers): most fields
// are small, so most take one byte.
#pragma once

#include <cstdint>
#include <string>

namespace isa {

inline void put_leb128(std::string& out, std::uint64_t v) {
  do {
    out.push_back(static_cast<char>((v & 0x7f) | (v > 0x7f ? 0x80 : 0)));
    v >>= 7;
  } while (v);
}

}  // namespace isa
