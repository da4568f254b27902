// Loading the `workload` section of a scenario: CPU-list keys, step lists, tasks
// (docs/scenario.md "workload"). The tasks are generated from the steps in workload_program.cpp.
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "sim/scenario/loader.h"

namespace scenario {

using json = nlohmann::json;

namespace {

const char* const kStepKinds[] = {"user", "until", "syscall", "kernel", "idle", "repeat"};
const std::set<std::string> kStepKeys = {"user", "until", "syscall", "arg", "cpus", "kernel", "idle", "repeat", "period", "steps"};
const char* const kStepForms =
    "a step is one of {\"user\": N}, {\"until\": T}, {\"syscall\": NAME, \"arg\": V, \"cpus\": CPUS}, {\"kernel\": N}, "
    "{\"idle\": N}, {\"idle\": \"forever\"}, {\"repeat\": K, \"period\": P, \"steps\": [...]}";

class WorkloadLoader {
 public:
  WorkloadLoader(const JsonDoc& doc, std::uint32_t cpus, std::uint64_t run_cycles)
      : doc_(doc), cpus_(cpus), run_cycles_(run_cycles) {}

  std::vector<CpuWorkload> workload(const ObjectReader& root) {
    std::vector<CpuWorkload> out(cpus_);
    if (!root.has("workload")) return out;
    ObjectReader wr = root.object("workload");
    std::vector<std::string> owner(cpus_);  // the key that gave each CPU its workload
    bool have_default = false;
    CpuWorkload def;
    for (const std::string& key : doc_.keys_in_order(wr.pointer())) {
      wr.has(key);
      const std::string kptr = wr.pointer(key);
      if (key == "default") {
        def = cpu_workload(kptr);
        have_default = true;
        continue;
      }
      std::vector<std::uint32_t> cpus;
      try {
        cpus = parse_cpulist(key, cpus_);
      } catch (const std::invalid_argument& e) {
        doc_.fail(kptr, std::string(e.what()) + " (workload keys are \"default\" or CPU lists like \"0\", \"1-3\", \"4,6\")");
      }
      if (cpus.empty()) doc_.fail(kptr, "empty CPU list (workload keys are \"default\" or CPU lists like \"0\", \"1-3\", \"4,6\")");
      std::vector<bool> seen(cpus_, false);
      for (std::uint32_t c : cpus) {
        if (seen[c]) doc_.fail(kptr, "CPU " + std::to_string(c) + " is listed twice");
        seen[c] = true;
        if (!owner[c].empty())
          doc_.fail(kptr, "CPU " + std::to_string(c) + " already has a workload from " + jq(owner[c]));
        owner[c] = key;
      }
      CpuWorkload w = cpu_workload(kptr);
      for (std::uint32_t c : cpus) out[c] = w;
    }
    wr.finish();
    if (have_default)
      for (std::uint32_t c = 0; c < cpus_; ++c)
        if (owner[c].empty()) out[c] = def;
    return out;
  }

 private:
  const JsonDoc& doc_;
  std::uint32_t cpus_;
  std::uint64_t run_cycles_;

  // {"idle": N} sleeps N cycles (1..kMaxRunCycles, like a run); {"idle": "forever"} is 0.
  std::uint64_t idle_cycles(const ObjectReader& r) {
    const json& v = r.raw("idle");
    if (v.is_string()) {
      if (v.get<std::string>() == "forever") return 0;
    } else if (v.is_number()) {
      return r.get_u64_in("idle", 1, kMaxRunCycles);
    }
    r.fail("idle", "expected a number of cycles or \"forever\", got " + describe_value(v));
  }

  Step step(const std::string& ptr, int depth) {
    const json* v = doc_.find(ptr);
    if (!v->is_object())
      doc_.fail(ptr, "expected a step object like {\"user\": 1000}, got " + describe_value(*v));
    std::vector<std::string> kinds;
    const std::vector<std::string> keys = doc_.keys_in_order(ptr);
    for (const std::string& k : keys)
      for (const char* kind : kStepKinds)
        if (k == kind) kinds.push_back(k);
    if (kinds.size() > 1)
      doc_.fail(ptr + "/" + kinds[1], "a step has exactly one kind: " + jq(kinds[0]) + " and " + jq(kinds[1]) +
                                          " cannot be combined");
    if (kinds.empty()) {
      for (const std::string& k : keys)
        if (!kStepKeys.count(k)) doc_.fail(ptr + "/" + pointer_escape(k), "unknown key " + jq(k) + " (" + kStepForms + ")");
      doc_.fail(ptr, "a step needs one of \"user\", \"until\", \"syscall\", \"kernel\", \"idle\" or \"repeat\"");
    }
    ObjectReader r(doc_, ptr);
    Step st;
    st.pointer = ptr;
    const std::string& kind = kinds[0];
    if (kind == "user") {
      st.kind = Step::Kind::User;
      st.cycles = r.get_u64("user");
    } else if (kind == "until") {
      st.kind = Step::Kind::Until;
      st.cycles = r.get_u64("until");
      if (st.cycles >= run_cycles_)
        r.fail("until", "step at cycle " + std::to_string(st.cycles) + " is after the end of the run (" +
                            std::to_string(run_cycles_) + " cycles)");
    } else if (kind == "syscall") {
      st.kind = Step::Kind::Syscall;
      st.syscall = r.get_string("syscall");
      if (!is_identifier(st.syscall))
        r.fail("syscall", "invalid system call name " + jq(st.syscall) +
                              ": expected an identifier ([A-Za-z_][A-Za-z0-9_]*) naming a function sys_NAME");
      st.arg = r.get_u64("arg", 0);
      if (r.has("cpus")) {
        st.has_cpus = true;
        st.cpus = read_cpu_set(doc_, r, "cpus", cpus_);
      }
    } else if (kind == "kernel") {
      st.kind = Step::Kind::Syscall;
      st.syscall = "compute";
      st.arg = r.get_u64("kernel");
    } else if (kind == "idle") {
      st.kind = Step::Kind::Idle;
      st.cycles = idle_cycles(r);
    } else {
      st.kind = Step::Kind::Repeat;
      if (depth >= kMaxRepeatDepth)
        r.fail("repeat", "repeat nested too deeply (at most " + std::to_string(kMaxRepeatDepth) + " levels)");
      st.count = r.get_u64_in("repeat", 1, kMaxRepeatCount);
      st.period = r.has("period") ? r.get_u64_in("period", 1, kMaxRunCycles) : 0;
      const std::size_t n = r.array_size("steps");
      if (n == 0) r.fail("steps", "a repeat needs at least one step");
      for (std::size_t i = 0; i < n; ++i) st.steps.push_back(step(r.pointer("steps") + "/" + std::to_string(i), depth + 1));
    }
    r.finish();
    return st;
  }

  CpuWorkload cpu_workload(const std::string& ptr) {
    const json* v = doc_.find(ptr);
    CpuWorkload w;
    w.pointer = ptr;
    if (v->is_object()) {
      ObjectReader r(doc_, ptr);
      only_keys(r, {"task"});
      w.task = r.get_string("task");
      if (!is_identifier(w.task))
        r.fail("task", "invalid function name " + jq(w.task) + ": expected an identifier ([A-Za-z_][A-Za-z0-9_]*)");
      return w;
    }
    if (!v->is_array())
      doc_.fail(ptr, "expected an array of steps or {\"task\": FUNCTION}, got " + describe_value(*v));
    std::uint64_t last_until = 0;
    std::string last_ptr;
    for (std::size_t i = 0; i < v->size(); ++i) {
      Step st = step(ptr + "/" + std::to_string(i), 0);
      if (st.kind == Step::Kind::Until) {
        if (!last_ptr.empty() && st.cycles < last_until)
          doc_.fail(st.pointer + "/until", "step at cycle " + std::to_string(st.cycles) + " goes back in time: " +
                                               last_ptr + " already waits until cycle " + std::to_string(last_until));
        last_until = st.cycles;
        last_ptr = st.pointer;
      }
      w.steps.push_back(std::move(st));
    }
    return w;
  }
};

}  // namespace

std::vector<CpuWorkload> load_workload(const JsonDoc& doc, const ObjectReader& root, std::uint32_t cpus,
                                       std::uint64_t run_cycles) {
  return WorkloadLoader(doc, cpus, run_cycles).workload(root);
}

}  // namespace scenario
