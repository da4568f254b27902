// The generated task functions, assembled with the kernel and run with the ISA executor on a fake
// clock.
#include <fstream>
#include <functional>
#include <string>

#include <gtest/gtest.h>

#include "models/isa/executor.h"
#include "models/kernel/boot.h"
#include "sim/scenario/json_doc.h"
#include "sim/scenario/scenario.h"
#include "tests/scenario/input_error.h"
#include "tests/scenario/scenario_text.h"

using scenario::JsonDoc;
using scenario::Scenario;

namespace {

struct Built {
  JsonDoc doc;
  Scenario s;
  isa::Image img;
};

// Loads `text`, assembles the kernel with the scenario's programs, generates every CPU's task and
// assembles everything again with the tasks (layer 3), as the simulator does.
Built build(const std::string& text, const std::string& name = "t.json") {
  JsonDoc doc = JsonDoc::parse(text, name);
  Scenario s = scenario::load_scenario(doc);
  kernel::KernelConfig cfg{s.protocol, s.cpus, s.nohz_full, s.tick_do_timer_cpu, s.tick_work_cycles, s.programs};
  const isa::Image base = kernel::build_kernel(cfg);
  auto has = [&](const std::string& f) { return base.find_function(f).has_value(); };
  std::string tasks;
  for (std::uint32_t c = 0; c < s.cpus; ++c) tasks += scenario::generate_task(doc, s, c, has);
  cfg.extra.push_back({"task.s", tasks, 3});
  isa::Image img = kernel::build_kernel(cfg);
  return {std::move(doc), std::move(s), std::move(img)};
}

struct Computed {
  isa::Mode mode;
  isa::Word cycles;
  isa::Word start;  // fake clock when the compute began
};

struct Trace {
  std::vector<Computed> computes;                           // without the final "forever" one
  std::vector<std::pair<std::string, isa::Word>> syscalls;  // body function, argument
  bool reached_forever = false;
};

// Runs CPU `cpu`'s task alone, in user mode, from cycle 0. Every instruction takes one cycle, except
// a compute, which takes its cycles; stops at the final `compute kForever`.
Trace run_task(const Built& b, std::uint32_t cpu) {
  using namespace isa;
  std::vector<Word> mem = kernel::boot_memory(b.img, b.s.nohz_full);
  CpuState c;
  c.id = cpu;
  start(b.img, c, *b.img.find_function(scenario::task_name(cpu)), Mode::User);
  Trace t;
  Word now = 0;
  for (int n = 0; n < 1'000'000 && !c.halted; ++n) {
    const Instruction& in = current(b.img, c);
    if (in.op == Op::Syscall) {
      EXPECT_EQ(b.img.function(in.target).name, "entry_SYSCALL_64");
      EXPECT_EQ(in.args.size(), 2u);
      EXPECT_EQ(in.args[0].kind, Operand::Kind::Imm);
      t.syscalls.emplace_back(b.img.function(static_cast<std::uint32_t>(in.args[0].imm - kCodeBase)).name,
                              in.args[1].imm);
    }
    if (needs_empty_store_buffer(in.op))
      while (!c.store_buffer.empty()) drain_one(c, mem);
    const Mode mode = c.mode;
    Effect e = execute(b.img, c, mem, now);
    if (e.op != Op::Compute) {
      ++now;
      continue;
    }
    if (e.cycles == scenario::kForever) {
      EXPECT_EQ(c.mode, Mode::User);
      t.reached_forever = true;
      break;
    }
    t.computes.push_back({mode, e.cycles, now});
    now += e.cycles;
  }
  return t;
}

}  // namespace

TEST(ScenarioTask, TaskName) { EXPECT_EQ(scenario::task_name(12), "__task_cpu12"); }

TEST(ScenarioTask, StepsRunInOrder) {
  for (const char* nohz : {"[]", "[1]"}) {  // housekeeping CPU, and nohz_full with context tracking
    SCOPED_TRACE(nohz);
    Built b = build(scn(R"("workload": {"1": [
      {"user": 1000}, {"until": 5000}, {"syscall": "getpid"}, {"kernel": 300},
      {"repeat": 3, "period": 10000, "steps": [
        {"user": 100},
        {"repeat": 2, "steps": [{"syscall": "compute", "arg": 7}]}
      ]},
      {"until": 60000}, {"user": 10}]})",
                        R"({"cpus": 2})", std::string(R"({"nohz_full": )") + nohz + "}"));
    Trace t = run_task(b, 1);
    ASSERT_TRUE(t.reached_forever);
    using isa::Mode;
    // user, until, getpid, kernel, 3 iterations of (user, 2 syscalls) with a wait before the
    // last two, until, user
    ASSERT_EQ(t.computes.size(), 1u + 1 + 1 + 1 + 3 * 3 + 2 + 1 + 1);
    std::size_t i = 0;
    EXPECT_EQ(t.computes[i].mode, Mode::User);
    EXPECT_EQ(t.computes[i].cycles, 1000u);
    ++i;
    // until 5000: computes up to (a few instructions past) cycle 5000
    EXPECT_EQ(t.computes[i].mode, Mode::User);
    EXPECT_GE(t.computes[i].start + t.computes[i].cycles, 5000u);
    EXPECT_LE(t.computes[i].start + t.computes[i].cycles, 5005u);
    ++i;
    EXPECT_EQ(t.computes[i].mode, Mode::Kernel);  // sys_getpid
    EXPECT_EQ(t.computes[i].cycles, 50u);
    ++i;
    EXPECT_EQ(t.computes[i].mode, Mode::Kernel);  // {"kernel": 300}
    EXPECT_EQ(t.computes[i].cycles, 300u);
    ++i;
    const isa::Word first = t.computes[i].start;
    for (isa::Word k = 0; k < 3; ++k) {
      if (k > 0) {  // waits in user mode for the iteration's start
        EXPECT_EQ(t.computes[i].mode, Mode::User);
        EXPECT_LE(t.computes[i].start + t.computes[i].cycles, first + k * 10000);
        EXPECT_GE(t.computes[i].start + t.computes[i].cycles, first + k * 10000 - 5);
        ++i;
      }
      EXPECT_EQ(t.computes[i].mode, Mode::User);
      EXPECT_EQ(t.computes[i].cycles, 100u);
      EXPECT_EQ(t.computes[i].start - first, k * 10000) << "iteration " << k << " starts on its period";
      ++i;
      for (int j = 0; j < 2; ++j) {
        EXPECT_EQ(t.computes[i].mode, Mode::Kernel);
        EXPECT_EQ(t.computes[i].cycles, 7u);
        ++i;
      }
    }
    EXPECT_EQ(t.computes[i].mode, Mode::User);
    EXPECT_GE(t.computes[i].start + t.computes[i].cycles, 60000u);
    EXPECT_LE(t.computes[i].start + t.computes[i].cycles, 60005u);
    ++i;
    EXPECT_EQ(t.computes[i].cycles, 10u);

    std::vector<std::pair<std::string, isa::Word>> want = {{"sys_getpid", 0}, {"sys_compute", 300}};
    for (int k = 0; k < 6; ++k) want.emplace_back("sys_compute", 7);
    EXPECT_EQ(t.syscalls, want);

    // CPU 0 has no workload: straight to the final compute
    Trace idle = run_task(b, 0);
    EXPECT_TRUE(idle.reached_forever);
    EXPECT_TRUE(idle.computes.empty());
  }
}

TEST(ScenarioTask, UntilAlreadyPastComputesNothing) {
  Built b = build(scn(R"("workload": {"0": [{"user": 5000}, {"until": 100}, {"user": 1}]})"));
  Trace t = run_task(b, 0);
  ASSERT_EQ(t.computes.size(), 2u);
  EXPECT_EQ(t.computes[0].cycles, 5000u);
  EXPECT_EQ(t.computes[1].cycles, 1u);
}

TEST(ScenarioTask, RepeatWithoutPeriodAndLatePeriod) {
  // the body takes longer than the period: the next iteration starts at once
  Built b = build(scn(R"("workload": {"0": [{"repeat": 3, "period": 10, "steps": [{"user": 50}]}]})"));
  Trace t = run_task(b, 0);
  ASSERT_EQ(t.computes.size(), 3u);
  for (const auto& c : t.computes) EXPECT_EQ(c.cycles, 50u);
  b = build(scn(R"("workload": {"default": [{"repeat": 4, "steps": [{"user": 2}, {"user": 3}]}]})"));
  for (std::uint32_t cpu = 0; cpu < 4; ++cpu) {
    t = run_task(b, cpu);
    ASSERT_EQ(t.computes.size(), 8u);
    EXPECT_EQ(t.computes[6].cycles, 2u);
    EXPECT_EQ(t.computes[7].cycles, 3u);
  }
}

TEST(ScenarioTask, TaskFunction) {
  Built b = build(scn(R"("workload": {"2": {"task": "spin"}}, "programs": [{"inline": ".func spin()\n compute 777\n ret 0\n.endfunc"}])"));
  Trace t = run_task(b, 2);
  ASSERT_TRUE(t.reached_forever);
  ASSERT_EQ(t.computes.size(), 1u);
  EXPECT_EQ(t.computes[0].cycles, 777u);
  EXPECT_EQ(t.computes[0].mode, isa::Mode::User);
}

TEST(ScenarioTask, UnknownSyscallOrTask) {
  EXPECT_EQ(error_of([] { build(scn("\"workload\": {\n    \"1\": [{\"user\": 1}, {\"syscall\": \"nosuch\"}]\n  }")); }),
            "t.json:7: /workload/1/1/syscall: unknown system call \"nosuch\": no function sys_nosuch in the kernel or "
            "the scenario's programs");
  EXPECT_EQ(error_of([] { build(scn(R"("workload": {"0": [{"repeat": 2, "steps": [{"syscall": "nope", "arg": 1}]}]})")); }),
            "t.json:6: /workload/0/0/steps/0/syscall: unknown system call \"nope\": no function sys_nope in the kernel "
            "or the scenario's programs");
  EXPECT_EQ(error_of([] { build(scn(R"("workload": {"0": {"task": "nope"}})")); }),
            "t.json:6: /workload/0/task: unknown task function \"nope\": no such function in the kernel or the "
            "scenario's programs");
  // a scenario program can add a system call
  EXPECT_EQ(error_of([] {
              build(scn(R"("workload": {"0": [{"syscall": "mine", "arg": 3}]}, "programs": [{"inline": ".func sys_mine(a)\n compute a\n ret 0\n.endfunc"}])"));
            }),
            "<no error>");
}

// The generated assembly of idle steps, as docs/scenario.md shows it.
TEST(ScenarioTask, IdleStepsCallNanosleepAndPause) {
  JsonDoc doc = JsonDoc::parse(scn(R"("workload": {"1": [{"idle": 300000}, {"idle": "forever"}]})"), "t.json");
  Scenario s = scenario::load_scenario(doc);
  std::vector<std::string> asked;
  auto has = [&](const std::string& f) {
    asked.push_back(f);
    return true;
  };
  const std::string text = scenario::generate_task(doc, s, 1, has);
  EXPECT_EQ(text,
            "; CPU 1's workload, generated from t.json#/workload/1\n"
            ".line 6\n"
            ".func __task_cpu1()\n"
            ".line 6\n"
            "    ; /workload/1/0: syscall nanosleep(300000)\n"
            "    syscall entry_SYSCALL_64(&sys_nanosleep, 300000)\n"
            ".line 6\n"
            "    ; /workload/1/1: syscall pause(0)\n"
            "    syscall entry_SYSCALL_64(&sys_pause, 0)\n"
            ".line 6\n"
            "    ; the workload is over: user mode (interruptible) until the run ends\n"
            "    compute 0x7fffffffffffffff\n"
            "    halt\n"
            ".endfunc\n");
  EXPECT_EQ(asked, (std::vector<std::string>{"sys_nanosleep", "sys_pause"}));
  // with the kernel: the syscalls enter sys_nanosleep(300000) and sys_pause(0)
  Built b = build(scn(R"("workload": {"1": [{"idle": 300000}, {"idle": "forever"}]})"));
  const isa::Function& task = b.img.function(*b.img.find_function(scenario::task_name(1)));
  std::vector<std::pair<std::string, isa::Word>> calls;
  for (const isa::Instruction& in : task.code)
    if (in.op == isa::Op::Syscall)
      calls.emplace_back(b.img.function(static_cast<std::uint32_t>(in.args[0].imm - isa::kCodeBase)).name, in.args[1].imm);
  EXPECT_EQ(calls, (std::vector<std::pair<std::string, isa::Word>>{{"sys_nanosleep", 300000}, {"sys_pause", 0}}));
  // a scenario's programs that drop them: reported at the step
  EXPECT_EQ(error_of([&] { scenario::generate_task(doc, s, 1, [](const std::string&) { return false; }); }),
            "t.json:6: /workload/1/0/idle: unknown system call \"nanosleep\": no function sys_nanosleep in the kernel "
            "or the scenario's programs");
}

TEST(ScenarioTask, ExamplesAssembleWithTheKernel) {
  for (const char* name : {"text_poke_isolated.json", "two_sockets_programs.json", "idle_and_nmi.json"}) {
    const std::string path = source_dir() + "/scenarios/examples/" + name;
    std::ifstream in(path);
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    ASSERT_NO_THROW(build(text, path)) << path;
  }
}

TEST(ScenarioTask, ExampleProgramRuns) {
  const std::string path = source_dir() + "/scenarios/examples/two_sockets_programs.json";
  std::ifstream in(path);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  Built b = build(text, path);
  Trace t = run_task(b, 2);  // nohz_full CPU: until, then 50 periodic iterations
  ASSERT_TRUE(t.reached_forever);
  // the wait for cycle 10000, then per iteration: (a wait for its start,) user, kernel, kernel
  ASSERT_EQ(t.computes.size(), 1 + 50 * 3 + 49u);
  EXPECT_GE(t.computes[0].start + t.computes[0].cycles, 10000u);  // the wait for "until": 10000
  EXPECT_LE(t.computes[0].start + t.computes[0].cycles, 10005u);
  for (std::size_t k = 0; k < 50; ++k) {
    const auto& user = t.computes[4 * k + 1];
    EXPECT_EQ(user.cycles, 30000u);
    EXPECT_EQ(user.mode, isa::Mode::User);
    EXPECT_EQ(user.start - t.computes[1].start, k * 40000u);
    EXPECT_EQ(t.computes[4 * k + 2].cycles, 1000u);
    EXPECT_EQ(t.computes[4 * k + 2].mode, isa::Mode::Kernel);
    EXPECT_EQ(t.computes[4 * k + 3].cycles, 1000u);
  }
  ASSERT_EQ(t.syscalls.size(), 50u);
  EXPECT_EQ(t.syscalls[0], (std::pair<std::string, isa::Word>{"sys_work_twice", 1000}));
}

// The complete example of docs/scenario.md loads and assembles (as if it were saved in
// scenarios/examples/, next to programs/poke_burst.s).
TEST(ScenarioTask, DocumentationExample) {
  std::ifstream in(source_dir() + "/docs/scenario.md");
  std::string md((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const std::string head = "## Complete example\n\n```json\n";
  const auto at = md.find(head);
  ASSERT_NE(at, std::string::npos);
  const auto from = at + head.size();
  const auto to = md.find("```", from);
  ASSERT_NE(to, std::string::npos);
  Built b = build(md.substr(from, to - from), source_dir() + "/scenarios/examples/doc_example.json");
  EXPECT_EQ(b.s.name, "isolated_poke");
  EXPECT_EQ(b.s.workload[3].task, "poke_burst");
  EXPECT_EQ(b.s.workload[1].pointer, "/workload/default");
  EXPECT_EQ(b.s.run_cycles, 4'500'000u);
  EXPECT_EQ(b.s.expect.size(), 3u);
  Trace t = run_task(b, 1);  // (CPUs 0 and 3 patch text: they would wait for other CPUs' IPI handlers)
  EXPECT_TRUE(t.reached_forever);
  EXPECT_EQ(t.syscalls.size(), 60u);
}
