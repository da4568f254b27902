// What the litmus reader's tests share: assembling a test, its threads' micro-ops, a sequential
// run of its threads (one SC execution) and the one-line error of a malformed test.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <functional>
#include <map>
#include <numeric>
#include <string>
#include <vector>

#include "models/isa/assembler.h"
#include "models/isa/executor.h"
#include "sim/explore/litmus.h"
#include "tests/explore/slurp.h"

namespace litmus_test {

using explore::Litmus;
using explore::LitmusAtom;
using explore::parse_litmus;
using isa::Op;
using isa::Word;

inline Litmus load(const std::string& file) {
  const std::string text = slurp(std::string(LITMUS_DIR) + "/" + file);
  EXPECT_FALSE(text.empty()) << file;
  return parse_litmus(text, file);
}

inline isa::Image assemble(const Litmus& lit) {
  const Word all = (Word(1) << lit.threads) - 1;
  return isa::assemble({{lit.file, lit.assembly, 0}},
                       {{"NR_CPUS", static_cast<Word>(lit.threads)}, {"ALL_CPUS", all}});
}

inline const isa::Function& thread_function(const isa::Image& img, int t) {
  auto f = img.find_function("P" + std::to_string(t));
  if (!f) throw std::runtime_error("no function P" + std::to_string(t));
  return img.function(*f);
}

inline std::vector<Op> ops(const isa::Image& img, int t) {
  std::vector<Op> out;
  for (const isa::Instruction& in : thread_function(img, t).code) out.push_back(in.op);
  return out;
}

inline int reg_index(const isa::Function& f, const std::string& litmus_reg) {
  const std::string r = explore::register_of(litmus_reg);
  auto it = std::find(f.reg_names.begin(), f.reg_names.end(), r);
  return it == f.reg_names.end() ? -1 : static_cast<int>(it - f.reg_names.begin());
}

// One sequentially consistent execution: the threads one after another in `order`, each to its
// halt with its store buffer drained. Returns the final value of any atom.
struct Execution {
  isa::Image img;
  std::vector<isa::CpuState> cpus;
  std::vector<Word> memory;

  Word operator()(const LitmusAtom& a) const {
    if (a.thread < 0) return memory.at(img.address(explore::variable_of(a.name), {}));
    const int r = reg_index(thread_function(img, a.thread), a.name);
    if (r < 0) throw std::runtime_error("register " + a.name + " not readable");
    return cpus.at(a.thread).reg(static_cast<std::uint8_t>(r));
  }
};

inline Execution run_in_order(const Litmus& lit, const std::vector<int>& order) {
  Execution run{assemble(lit), std::vector<isa::CpuState>(lit.threads), {}};
  run.memory = run.img.initial_memory();
  for (int t : order) {
    isa::CpuState& cpu = run.cpus[t];
    cpu.id = static_cast<std::uint32_t>(t);
    isa::start(run.img, cpu, *run.img.find_function("P" + std::to_string(t)), isa::Mode::User);
    while (!cpu.halted) {
      if (isa::needs_empty_store_buffer(isa::current(run.img, cpu).op))
        while (!cpu.store_buffer.empty()) isa::drain_one(cpu, run.memory);
      isa::execute(run.img, cpu, run.memory, 0);
    }
    while (!cpu.store_buffer.empty()) isa::drain_one(cpu, run.memory);
  }
  return run;
}

inline std::vector<int> in_order(int n) {
  std::vector<int> v(n);
  std::iota(v.begin(), v.end(), 0);
  return v;
}

inline std::string atoms(const std::vector<LitmusAtom>& v) {
  std::string s;
  for (const LitmusAtom& a : v) s += (a.thread < 0 ? "" : std::to_string(a.thread) + ":") + a.name + " ";
  return s;
}

inline std::string error_of(const std::string& text) {
  try {
    parse_litmus(text, "t.litmus");
  } catch (const isa::AsmError& e) {
    const std::string what = e.what();
    EXPECT_EQ(what.find('\n'), std::string::npos) << what;
    return what;
  }
  return "no error";
}

// A value function from a table "0:EAX" -> value, "x" -> value (missing: 0).
inline std::function<Word(const LitmusAtom&)> state(std::map<std::string, Word> values) {
  return [values](const LitmusAtom& a) {
    const std::string key = a.thread < 0 ? a.name : std::to_string(a.thread) + ":" + a.name;
    auto it = values.find(key);
    return it == values.end() ? Word(0) : it->second;
  };
}

inline std::vector<std::string> litmus_files() {
  std::vector<std::string> out;
  for (const auto& e : std::filesystem::directory_iterator(LITMUS_DIR))
    if (e.path().extension() == ".litmus") out.push_back(e.path().filename().string());
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace litmus_test
