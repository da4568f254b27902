// Test helpers for scenario files: one-line scenarios laid out one part per line, their load
// errors, and a scratch directory for scenario and program files.
#pragma once

#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "sim/scenario/json_doc.h"
#include "sim/scenario/scenario.h"
#include "tests/scenario/input_error.h"

inline scenario::Scenario load(const std::string& text) {
  return scenario::load_scenario(scenario::JsonDoc::parse(text, "t.json"));
}
inline std::string load_error(const std::string& text) {
  return error_of([&] { load(text); });
}

// A scenario laid out one part per line: platform on line 3, kernel on 4, run on 5, extra from 6.
inline std::string scn(const std::string& extra = "", const std::string& platform = R"({"cpus": 4})",
                       const std::string& kernel = R"({"nohz_full": "1-3"})", const std::string& run = R"({"cycles": 1000000})") {
  return "{\n  \"name\": \"t\",\n  \"platform\": " + platform + ",\n  \"kernel\": " + kernel + ",\n  \"run\": " + run +
         (extra.empty() ? "" : ",\n  " + extra) + "\n}\n";
}
inline std::string platform_error(const std::string& platform) { return load_error(scn("", platform)); }
inline std::string kernel_error(const std::string& kernel) { return load_error(scn("", R"({"cpus": 4})", kernel)); }
inline std::string run_error(const std::string& run) {
  return load_error(scn("", R"({"cpus": 4})", R"({"nohz_full": "1-3"})", run));
}

// A scratch directory, removed with its files at the end of the test.
struct TempDir {
  std::string path;
  std::vector<std::string> files;
  TempDir() {
    char tmpl[] = "/tmp/isolsim_scenario_XXXXXX";
    path = mkdtemp(tmpl);
  }
  std::string write(const std::string& name, const std::string& text) {
    std::string p = path + "/" + name;
    std::ofstream(p) << text;
    files.push_back(p);
    return p;
  }
  ~TempDir() {
    for (const auto& f : files) std::remove(f.c_str());
    rmdir(path.c_str());
  }
};

inline std::string source_dir() { return ISOLSIM_SOURCE_DIR; }
