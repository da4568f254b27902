// The scenario fuzzer's findings (fuzz/fuzz_scenario.cpp), minimized: each bad input must give
// one line naming the file and line.
#include <string>

#include <gtest/gtest.h>

#include "sim/scenario/json_doc.h"
#include "sim/scenario/scenario.h"
#include "tests/scenario/input_error.h"

using scenario::JsonDoc;

namespace {

std::string load_error(const std::string& text) {
  return error_of([&] { scenario::load_scenario(JsonDoc::parse(text, "fuzz.json")); });
}

}  // namespace

// A key with "\n" in it was echoed raw: the error spanned several lines.
TEST(FuzzScenario, ControlCharactersInAKeyAreEscaped) {
  EXPECT_EQ(load_error("{\n  \"a\\nb\\u0001\": 1\n}"),
            "fuzz.json:2: /a\\nb\\u0001: unknown key \"a\\nb\\u0001\" (allowed: description, expect, kernel, "
            "name, platform, programs, run, seed, sources, workload)");
}

// A --set naming such a key says so on one line too.
TEST(FuzzScenario, ControlCharactersInAnOverrideAreEscaped) {
  const std::string e = error_of([] {
    JsonDoc d = JsonDoc::parse("{\"a\": 1}", "fuzz.json");
    d.apply_override("a.0\n=1");
  });
  EXPECT_EQ(e.find('\n'), std::string::npos) << e;
}

// The same through the reader's own errors: a duplicate key holding a newline.
TEST(FuzzScenario, ControlCharactersInADuplicateKeyAreEscaped) {
  EXPECT_EQ(load_error("{\n  \"a\\nb\": 1,\n  \"a\\nb\": 2\n}"),
            "fuzz.json:3: /a\\nb: duplicate key \"a\\nb\" (first defined on line 2)");
}
