// Pass 2's memo: an assembly that follows another gives the image a first assembly gives, when
// only a workload's text changed and when what the kernel's code depends on changed too.
#include <gtest/gtest.h>

#include "models/isa/assembler.h"

using namespace isa;

namespace {

const char* const kKernel = R"(
.percpu ct.work = 0
.func ct_work(cpu)
    trace ct_work_seen(cpu)
    w = load ct.work[cpu]
    ret w + K
.endfunc
)";

// The workload's source, in the same environment every time: one function, other numbers.
Source task(int until, const std::string& extra = "") {
  return {"task.s", extra + ".func task_cpu0()\n    x = " + std::to_string(until) + "\n    ret x\n.endfunc\n", 3};
}

Image build(const std::vector<Source>& sources) { return assemble(sources, {{"NR_CPUS", 4}}); }

const Function& fn(const Image& img, const std::string& name) { return img.function(*img.find_function(name)); }

}  // namespace

TEST(AssemblerMemo, AWorkloadsNewNumbersAreItsAndTheKernelsCodeIsUnchanged) {
  const Source k{"k.s", std::string(".equ K, 7\n") + kKernel, 0};
  const Image first = build({k, task(4431)});
  const Image second = build({k, task(4432)});
  EXPECT_EQ(fn(first, "task_cpu0").code[0].src0.a.imm, 4431u);
  EXPECT_EQ(fn(second, "task_cpu0").code[0].src0.a.imm, 4432u);
  const Function& a = fn(first, "ct_work");
  const Function& b = fn(second, "ct_work");
  ASSERT_EQ(a.code.size(), b.code.size());
  EXPECT_EQ(b.code[1].mem.base, second.variables[*second.find_variable("ct.work")].base);
  EXPECT_EQ(b.code[2].src0.b.imm, 7u);
  EXPECT_EQ(second.strings.at(b.code[0].name), "ct_work_seen");
}

// A workload's variable that grows moves every per-CPU address (the per-CPU area follows the
// other variables), with the same names declared: the kernel's code is made again.
TEST(AssemblerMemo, AVariableThatMovesTheLayoutGivesTheKernelItsNewAddresses) {
  const Source k{"k.s", std::string(".equ K, 7\n") + kKernel, 0};
  const Image before = build({k, task(1, ".var __task_cpu0.cpus0[1]\n")});
  const Image after = build({k, task(1, ".var __task_cpu0.cpus0[64]\n")});
  const Addr old_base = before.variables[*before.find_variable("ct.work")].base;
  const Addr new_base = after.variables[*after.find_variable("ct.work")].base;
  ASSERT_NE(old_base, new_base);
  EXPECT_EQ(fn(before, "ct_work").code[1].mem.base, old_base);
  EXPECT_EQ(fn(after, "ct_work").code[1].mem.base, new_base);
}

// A constant the kernel reads, defined by a higher layer: a new value is new code.
TEST(AssemblerMemo, AConstantFromAnotherSourceGivesTheKernelItsNewValue) {
  const Source k{"k.s", std::string(".equ K, 7\n") + kKernel, 0};
  const Image seven = build({k, task(1)});
  const Image eight = build({k, task(1, ".equ K, 8\n")});
  EXPECT_EQ(fn(seven, "ct_work").code[2].src0.b.imm, 7u);
  EXPECT_EQ(fn(eight, "ct_work").code[2].src0.b.imm, 8u);
}

// Tracepoint names are numbered in the order functions intern them: when a function before the
// kernel's interns another name, the kernel's trace has another index, and names the same event.
TEST(AssemblerMemo, TracepointNamesKeepTheirEventsWhenTheirIndicesMove) {
  const Source k{"k.s", std::string(".equ K, 7\n") + kKernel, 0};
  auto first_task = [](const std::string& body) {
    return Source{"task.s", ".func task_cpu0()\n" + body + "    ret 0\n.endfunc\n", 0};
  };
  const Image a = build({first_task("    trace other_event()\n"), k});
  const Image b = build({first_task(""), k});
  const Image c = build({first_task("    trace other_event()\n"), k});
  for (const Image* img : {&a, &b, &c}) {
    const Function& f = fn(*img, "ct_work");
    EXPECT_EQ(img->strings.at(f.code[0].name), "ct_work_seen");
  }
  EXPECT_EQ(b.strings.size(), 1u);
  EXPECT_EQ(a.strings, c.strings);
}

// A function a higher layer overrides in one assembly and not in the next: each gets its own code.
TEST(AssemblerMemo, AnOverrideComesAndGoes) {
  const Source k{"k.s", std::string(".equ K, 7\n") + kKernel, 0};
  const Source mine{"mine.s", ".func ct_work(cpu)\n    ret 99\n.endfunc\n", 2};
  const Image plain = build({k, task(1)});
  const Image overridden = build({k, mine, task(1)});
  const Image again = build({k, task(1)});
  EXPECT_EQ(fn(overridden, "ct_work").code.size(), 1u);
  EXPECT_EQ(fn(overridden, "ct_work").file, "mine.s");
  EXPECT_EQ(fn(again, "ct_work").code.size(), fn(plain, "ct_work").code.size());
  EXPECT_EQ(fn(again, "ct_work").file, "k.s");
}
