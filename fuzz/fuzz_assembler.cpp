// libFuzzer target: the assembler on any text as one source, with the constants the kernel image
// predefines (models/kernel/boot.cpp). isa::AsmError is the expected answer to bad input.
#include <cstddef>
#include <cstdint>
#include <string>

#include "fuzz/fuzz_check.h"
#include "models/isa/assembler.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  try {
    isa::assemble({{"fuzz.s", text, 0}}, {{"NR_CPUS", 4},
                                          {"ALL_CPUS", 0xf},
                                          {"CONTEXT_TRACKING_ENABLED", 1},
                                          {"NOHZ_FULL_BOOT_MASK", 0xc},
                                          {"NR_NOHZ_FULL_BOOT", 2},
                                          {"TICK_CYCLES", 4000},
                                          {"RESIDUAL_TICK_CYCLES", 0},
                                          {"NOHZ_FULL_SWITCH_STOP_MACHINE", 0},
                                          {"TICK_DO_TIMER_CPU", 0},
                                          {"TICK_WORK_CYCLES", 100},
                                          {"CT_WHERE_KERNEL", 0},
                                          {"CT_WHERE_IDLE", 1},
                                          {"CT_WHERE_USER", 2},
                                          {"CT_WHERE_GUEST", 3}});
  } catch (const isa::AsmError& e) {
    fuzz::check_one_line(e.what(), "fuzz.s");
  }
  return 0;
}
