// libFuzzer target: the litmus reader (parse_litmus) on any text, then, for a test it reads, the
// test's image (litmus_image). isa::AsmError, the reader's documented error, is the expected answer.
#include <cstddef>
#include <cstdint>
#include <string>

#include "fuzz/fuzz_check.h"
#include "models/isa/assembler.h"
#include "sim/explore/litmus.h"
#include "sim/explore/litmus_run.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  try {
    const explore::Litmus lit = explore::parse_litmus(text, "fuzz.litmus");
    explore::litmus_image(lit);
  } catch (const isa::AsmError& e) {
    fuzz::check_one_line(e.what(), "fuzz.litmus");
  }
  return 0;
}
