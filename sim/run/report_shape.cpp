#include "report_shape.h"

#include <sstream>
#include <vector>

#include "expect.h"
#include "noise_account.h"
#include "recorder.h"
#include "report_json.h"

namespace run {
namespace {

using J = nlohmann::ordered_json;

// A map of the report keyed by what the run did: its keys are of one kind; `counts` are the
// fields (under a key) that count something, "" when the entry itself is the count; `others`
// the fields that are there only when something happened.
struct RunKeyed {
  const char* map;  // dotted, '#' for a CPU's index in a fixed array
  const char* key;  // vector, function, errno, cpu, n, task
  std::vector<std::string> counts, others;
};

const std::vector<RunKeyed>& run_keyed() {
  static const std::vector<std::string> callback = {"ipi", "deferred", "skipped", "blocked"};
  static const std::vector<RunKeyed> maps = {
      {"interference.cpus.#.by_cause", "vector", {"count", "cycles"}, {}},  // Recorder: vector_name()
      {"noise.cpus.#.aimed_at", "function", callback, {}},
      {"noise.to_isolated.by_callback", "function", callback, {}},
      {"noise.syscalls", "function", {"{errno}"}, {}},  // system call, then its result
      {"noise.syscalls.*", "errno", {""}, {}},
      {"deferral.executions_per_delivery", "n", {""}, {}},
      {"nohz_full.cycles", "cpu", {""}, {}},
      {"tasks", "task", {"runs", "cycles"}, {"cpus"}},
      {"task_isolation.cpus", "cpu", {"isolated_cycles", "broken"}, {"isolated", "signals", "exited_at"}},
  };
  return maps;
}

// Arrays as long as the run made them: any index may be there after the run.
bool run_sized_array(const std::string& at) {
  static const char* const arrays[] = {"nohz_full.timeline", "nohz_full.switches", "nohz_full.at_end",
                                       "noise.cpus.#.listed", "noise.cpus.#.by_kind",
                                       "noise.to_isolated.by_sender", "noise.block_interference.blocked",
                                       "deferral.deliveries_listed", "task_isolation.remote", "tasks.*.cpus",
                                       "task_isolation.cpus.*.isolated", "task_isolation.cpus.*.signals"};
  for (const char* a : arrays)
    if (at == a) return true;
  return false;
}

std::vector<std::string> split(const std::string& path) {
  std::vector<std::string> out;
  std::istringstream in(path);
  std::string part;
  while (std::getline(in, part, '.')) out.push_back(part);
  if (!path.empty() && path.back() == '.') out.push_back("");
  return out;
}

bool all_digits(const std::string& s, std::size_t max_len = 9) {
  return !s.empty() && s.size() <= max_len && s.find_first_not_of("0123456789") == std::string::npos;
}

std::string join_keys(const J& obj) {
  std::string out;
  for (const auto& [k, v] : obj.items()) out += (out.empty() ? "" : ", ") + k;
  return out.empty() ? "nothing" : out;
}

// Empty when `key` can be a key of kind `kind`; otherwise why not.
std::string key_problem(const ReportShape& shape, const std::string& kind, const std::string& key) {
  const std::string q = "\"" + key + "\"";
  auto cpu_ok = [&](const std::string& s) { return all_digits(s) && std::stoul(s) < shape.ncpus; };
  const std::string cpus = "a CPU number below " + std::to_string(shape.ncpus);
  if (kind == "vector") {  // what vector_name() can give
    static const char* const names[] = {"NMI", "LOCAL_TIMER", "IRQ_WORK", "CALL_FUNCTION_SINGLE",
                                        "CALL_FUNCTION", "RESCHEDULE", "DEVICE", "VECTOR"};
    std::string list;
    for (const char* n : names) {
      if (key == n) return "";
      list += (list.empty() ? "" : ", ") + std::string(n);
    }
    return q + " is not a vector name (one of: " + list + ")";
  }
  if (kind == "function")
    return shape.img.find_function(key) ? "" : q + " is no function of the kernel or the scenario's programs";
  if (kind == "errno") {
    const bool ok = key == "ok" || (key.size() > 1 && key[0] == 'E' &&
                                    key.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", 1) == std::string::npos);
    return ok ? "" : q + " is not a system call's result (\"ok\" or an errno name such as EINVAL)";
  }
  if (kind == "n") return all_digits(key) ? "" : q + " is not a number";
  if (kind == "cpu") return cpu_ok(key) ? "" : q + " is not " + cpus;
  // task: a name task_name() gives, the CPU's own threads (pids 0-3) or another pid's
  const std::size_t slash = key.find('/');
  bool named = false;
  if (slash != std::string::npos && cpu_ok(key.substr(slash + 1))) {
    const auto cpu = static_cast<std::uint32_t>(std::stoul(key.substr(slash + 1)));
    for (std::uint64_t pid = 0; pid < 4 && !named; ++pid) named = key == task_name(pid, cpu);
    named = named || (slash > 3 && key.compare(0, 3, "pid") == 0 && all_digits(key.substr(3, slash - 3)));
  }
  if (!named)
    return q + " is not a task name (task/N, kworker/N, kthread/N, migration/N or pidP/N, N " + cpus + ")";
  return "";
}

// The run-keyed map whose key is at segment `i` of `parts` (parts[0..i) its map), or nullptr.
const RunKeyed* map_at(const std::vector<std::string>& norm, std::size_t i) {
  std::string at;
  for (std::size_t k = 0; k < i; ++k) at += (k ? "." : "") + norm[k];
  for (const RunKeyed& m : run_keyed())
    if (at == m.map) return &m;
  return nullptr;
}

bool counted(const RunKeyed& m, const std::vector<std::string>& rest) {
  if (rest.empty()) return m.counts.size() == 1 && m.counts[0].empty();
  if (rest.size() != 1) return false;
  for (const std::string& c : m.counts)
    if (c == rest[0] || (c == "{errno}" && !rest[0].empty())) return true;
  return false;
}

std::string prefixed(const std::string& head, const std::string& why) { return why.empty() ? why : head + why; }

}  // namespace

ReportShape shape_of(const scenario::Scenario& s, const isa::Image& img, const std::vector<isa::Word>& boot) {
  const Recorder nothing(img, s.cpus, s.nohz_full, boot, nullptr);
  return {build_report(s, img, nothing, 0, 0, boot), img, s.cpus};
}

std::string path_problem(const ReportShape& shape, const std::string& path) {
  const std::vector<std::string> parts = split(path);
  std::vector<std::string> norm;  // the path so far, '#' for fixed-array indices
  const J* cur = &shape.skeleton;
  const std::string head = "\"" + path + "\" names nothing in the report: ";
  auto where = [&] {
    std::string w;
    for (std::size_t k = 0; k < norm.size(); ++k) w += (k ? "." : "") + parts[k];
    return w.empty() ? std::string("the top level") : "\"" + w + "\"";
  };
  for (std::size_t i = 0; i < parts.size(); ++i) {
    const std::string& p = parts[i];
    if (cur->is_object()) {
      if (const RunKeyed* m = map_at(norm, i); m && !cur->contains(p)) {
        if (std::string why = key_problem(shape, m->key, p); !why.empty()) return head + why;
        const std::vector<std::string> rest(parts.begin() + static_cast<std::ptrdiff_t>(i) + 1, parts.end());
        if (counted(*m, rest))
          return m->counts[0] == "{errno}" ? prefixed(head, key_problem(shape, "errno", rest[0])) : "";
        for (const std::string& o : m->others)
          if (!rest.empty() && rest[0] == o) return "";
        std::string fields;
        for (const auto* list : {&m->counts, &m->others})
          for (const std::string& f : *list)
            if (!f.empty() && f[0] != '{') fields += (fields.empty() ? "" : ", ") + f;
        return head + (rest.empty() ? "\"" + p + "\" under " + where() + " holds " + fields
                                    : "no \"" + rest[0] + "\" under \"" + p + "\" (there: " + fields + ")");
      }
      const auto it = cur->find(p);
      if (it == cur->end()) return head + "no \"" + p + "\" under " + where() + " (there: " + join_keys(*cur) + ")";
      norm.push_back(map_at(norm, i) ? "*" : p);
      cur = &*it;
    } else if (cur->is_array()) {
      std::string at;
      for (const std::string& n : norm) at += (at.empty() ? "" : ".") + n;
      if (!all_digits(p)) return head + where() + " is a list: \"" + p + "\" is not an index";
      if (std::stoul(p) >= cur->size()) {
        if (run_sized_array(at)) return "";
        return head + where() + " has " + std::to_string(cur->size()) + " elements (0-" +
               std::to_string(cur->size() == 0 ? 0 : cur->size() - 1) + ")";
      }
      norm.push_back("#");
      cur = &(*cur)[std::stoul(p)];
    } else {
      return head + where() + " is a single value";
    }
  }
  return "";
}

std::optional<nlohmann::json> value_at(const J& report, const std::string& path) {
  if (const J* v = lookup(report, path)) return nlohmann::json::parse(v->dump());
  // A count absent from a run-keyed map: nothing of that kind happened.
  const std::vector<std::string> parts = split(path);
  for (const RunKeyed& m : run_keyed()) {
    const std::vector<std::string> map = split(m.map);
    if (parts.size() <= map.size()) continue;
    bool match = true;
    for (std::size_t k = 0; k < map.size() && match; ++k)
      match = map[k] == parts[k] || map[k] == "*" || (map[k] == "#" && all_digits(parts[k]));
    if (!match) continue;
    const std::vector<std::string> rest(parts.begin() + static_cast<std::ptrdiff_t>(map.size()) + 1, parts.end());
    if (counted(m, rest)) return nlohmann::json(0);
  }
  return std::nullopt;
}

}  // namespace run
