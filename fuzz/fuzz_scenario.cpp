// libFuzzer target: the scenario loader (JsonDoc::parse, then load_scenario) on any text.
// scenario::InputError is the expected answer to bad input; anything else is a finding.
#include <cstddef>
#include <cstdint>
#include <string>

#include "fuzz/fuzz_check.h"
#include "sim/scenario/json_doc.h"
#include "sim/scenario/scenario.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  try {
    const scenario::JsonDoc doc = scenario::JsonDoc::parse(text, "fuzz.json");
    scenario::load_scenario(doc);
  } catch (const scenario::InputError& e) {
    fuzz::check_one_line(e.what(), "fuzz.json");
  }
  return 0;
}
