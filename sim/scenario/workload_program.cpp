// Turns a CPU's workload steps into its task function, in isolsim's assembly (docs/scenario.md
// "Generated task functions" shows the output for each kind of step).
#include <algorithm>
#include <sstream>
#include <stdexcept>

#include "models/isa/cpumask_layout.h"
#include "sim/scenario/scenario.h"

namespace scenario {

namespace {

std::string jq(const std::string& s) {
  return nlohmann::json(s).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

// Register and label names start with "__" so that no constant of the kernel or of the
// scenario's programs (constants are global) can collide with them.
class TaskWriter {
 public:
  TaskWriter(const JsonDoc& doc, const std::function<bool(const std::string&)>& has_function, std::uint32_t cpu,
             std::uint32_t ncpus)
      : doc_(doc), has_function_(has_function), cpu_(cpu), ncpus_(ncpus) {}

  void steps(const std::vector<Step>& list, int depth) {
    for (const Step& st : list) step(st, depth);
  }

  void line(const std::string& s) { out_ << "    " << s << "\n"; }
  void label(const std::string& s) { out_ << s << ":\n"; }
  // What follows came from the scenario's line of `pointer`: the event log and errors cite it.
  void at_line(const std::string& pointer) { out_ << ".line " << std::max(1, doc_.line_of(pointer)) << "\n"; }
  void comment(const std::string& s) { out_ << "    ; " << s << "\n"; }
  std::string text() const { return out_.str(); }
  std::string data() const { return data_.str(); }  // the steps' user memory, outside the function

 private:
  const JsonDoc& doc_;
  const std::function<bool(const std::string&)>& has_function_;
  std::ostringstream out_, data_;
  unsigned labels_ = 0, blocks_ = 0;
  std::uint32_t cpu_, ncpus_;

  // A step's user memory: `arg` (when the step gives one) then the struct cpumask of `cpus`
  // (BITS_TO_LONGS(NR_CPUS) words); returns the operand that is its address.
  std::string cpus_block(const Step& st) {
    const std::string name = "__task_cpu" + std::to_string(cpu_) + ".cpus" + std::to_string(++blocks_);
    std::vector<isa::Word> words;
    if (doc_.find(st.pointer + "/arg")) words.push_back(st.arg);
    const std::vector<isa::Word> mask = isa::cpumask_words(st.cpus, ncpus_);
    words.insert(words.end(), mask.begin(), mask.end());
    data_ << ".var " << name << "[" << words.size() << "] = {";
    for (std::size_t i = 0; i < words.size(); ++i) data_ << (i ? ", " : "") << words[i];
    data_ << "}   ; " << st.pointer << "\n";
    return "&" + name + "[0]";
  }

  std::string fresh(const std::string& what) { return "__" + what + "_" + std::to_string(++labels_); }

  // Busy in user mode until cycle `target` (a literal or a register); nothing if already past.
  void wait_until(const std::string& target) {
    const std::string skip = fresh("at");
    line("__now = rdtsc");
    line("jnz __now >= " + target + ", " + skip);
    line("__wait = " + target + " - __now");
    line("compute __wait");
    label(skip);
  }

  // syscall entry_SYSCALL_64(&sys_NAME, ARG); an unknown sys_NAME is reported at the step's `key`.
  void syscall(const Step& st, const std::string& name, std::uint64_t arg, const std::string& key) {
    if (!has_function_("sys_" + name))
      doc_.fail(st.pointer + key, "unknown system call " + jq(name) + ": no function sys_" + name +
                                      " in the kernel or the scenario's programs");
    std::string operand = std::to_string(arg);
    if (st.has_cpus) {
      line("__cpus = " + cpus_block(st));  // an address is an instruction of its own
      operand = "__cpus";
    }
    comment(st.pointer + ": syscall " + name + "(" + operand + ")");
    line("syscall entry_SYSCALL_64(&sys_" + name + ", " + operand + ")");
  }

  void step(const Step& st, int depth) {
    at_line(st.pointer);
    switch (st.kind) {
      case Step::Kind::User:
        comment(st.pointer + ": user " + std::to_string(st.cycles));
        line("compute " + std::to_string(st.cycles));
        break;
      case Step::Kind::Until:
        comment(st.pointer + ": until " + std::to_string(st.cycles));
        wait_until(std::to_string(st.cycles));
        break;
      case Step::Kind::Syscall: {
        const bool shorthand = !doc_.find(st.pointer + "/syscall") && doc_.find(st.pointer + "/kernel");
        syscall(st, st.syscall, st.arg, shorthand ? "/kernel" : "/syscall");
        break;
      }
      case Step::Kind::Idle:
        // The task sleeps (hrtimer_nanosleep()) or waits for a signal that never comes (pause());
        // either way its CPU runs the idle task meanwhile (models/kernel/idle.s).
        if (st.cycles) syscall(st, "nanosleep", st.cycles, "/idle");
        else syscall(st, "pause", 0, "/idle");
        break;
      case Step::Kind::Repeat: {
        const std::string level = std::to_string(depth + 1);
        const std::string count = "__count" + level, next = "__next" + level;
        const std::string top = fresh("repeat");
        comment(st.pointer + ": repeat " + std::to_string(st.count) +
                (st.period ? " every " + std::to_string(st.period) + " cycles" : std::string()));
        line(count + " = 0");
        if (st.period) line(next + " = rdtsc");  // iteration i starts at first + i * period
        label(top);
        if (st.period) {
          wait_until(next);
          line(next + " = " + next + " + " + std::to_string(st.period));
        }
        steps(st.steps, depth + 1);
        at_line(st.pointer);  // the loop's own instructions are the repeat's
        line(count + " = " + count + " + 1");
        line("jnz " + count + " < " + std::to_string(st.count) + ", " + top);
        break;
      }
    }
  }
};

}  // namespace

std::string task_name(std::uint32_t cpu) { return "__task_cpu" + std::to_string(cpu); }

std::string generate_task(const JsonDoc& doc, const Scenario& s, std::uint32_t cpu,
                          const std::function<bool(const std::string&)>& has_function) {
  if (cpu >= s.workload.size())
    throw std::out_of_range("generate_task: CPU " + std::to_string(cpu) + " out of range (" +
                            std::to_string(s.workload.size()) + " workloads)");
  const CpuWorkload& w = s.workload[cpu];
  TaskWriter t(doc, has_function, cpu, s.cpus);
  std::ostringstream head;
  head << "; CPU " << cpu << "'s workload, generated from " << s.file
       << (w.pointer.empty() ? " (no workload: user mode until the run ends)" : "#" + w.pointer) << "\n";
  // the workload entry's line (a CPU without one: the workload section's, or the file's first)
  const std::string entry = w.pointer.empty() ? "/workload" : w.pointer;
  head << ".line " << std::max(1, doc.line_of(entry)) << "\n";
  head << ".func " << task_name(cpu) << "()\n";
  if (sends_sources(s, cpu)) {
    t.comment("this CPU sends sources: it runs their schedule");
    t.line(sources_task_call(cpu));
  } else if (!w.task.empty()) {
    if (!has_function(w.task))
      doc.fail(w.pointer + "/task", "unknown task function " + jq(w.task) +
                                        ": no such function in the kernel or the scenario's programs");
    t.line("call " + w.task + "()");
  } else {
    t.steps(w.steps, 0);
  }
  t.at_line(entry);
  t.comment("the workload is over: user mode (interruptible) until the run ends");
  t.line("compute 0x7fffffffffffffff");  // kForever
  t.line("halt");
  return head.str() + t.text() + ".endfunc\n" + t.data();
}

}  // namespace scenario
