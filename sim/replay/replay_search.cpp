// Start-cycle search for a counter-example's replay: one forked timed run per try.
#include "sim/replay/replay_search.h"

#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <tuple>
#include <set>
#include <sstream>

#include "sim/replay/access_order.h"
#include "sim/run/report_json.h"
#include "sim/run/runner.h"

namespace replay {
namespace fs = std::filesystem;
namespace {

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// The scenario with CPU c's workload starting at start[c], its programs inline (the replay file
// stands alone) and one expectation: the violation's count is at least 1.
nlohmann::ordered_json replay_scenario(const scenario::JsonDoc& doc, const scenario::Scenario& s,
                                       const std::vector<std::uint64_t>& start, const std::string& report_path,
                                       const std::string& kind) {
  nlohmann::ordered_json j = nlohmann::ordered_json::parse(doc.root().dump());
  j["name"] = s.name + "_replay";
  nlohmann::ordered_json workload = nlohmann::ordered_json::object();
  for (std::uint32_t c = 0; c < s.cpus; ++c) {
    const scenario::CpuWorkload& w = s.workload[c];
    if (!w.task.empty()) {
      workload[std::to_string(c)] = {{"task", w.task}};  // a task starts at 0: no step to delay it
      continue;
    }
    // The explorer has no clock: an `until` is no wait there. The replay's start takes the place
    // of the leading ones, and a later one that the new start has passed is a wait that ends at
    // once either way (written as the start, so that no `until` goes back in time).
    nlohmann::ordered_json steps = nlohmann::ordered_json::array();
    steps.push_back({{"until", start[c]}});
    bool leading = true;
    if (const nlohmann::json* orig = w.pointer.empty() ? nullptr : doc.find(w.pointer))
      for (const auto& st : *orig) {
        nlohmann::ordered_json step = nlohmann::ordered_json::parse(st.dump());
        if (step.contains("until")) {
          if (leading) continue;
          if (step["until"].get<std::uint64_t>() < start[c]) step["until"] = start[c];
        } else {
          leading = false;
        }
        steps.push_back(std::move(step));
      }
    workload[std::to_string(c)] = steps;
  }
  j["workload"] = workload;
  if (!s.programs.empty()) {
    nlohmann::ordered_json programs = nlohmann::ordered_json::array();
    for (const isa::Source& p : s.programs) programs.push_back({{"inline", p.text}});
    j["programs"] = programs;
  }
  nlohmann::ordered_json expect = nlohmann::ordered_json::object();
  expect["path"] = report_path;
  expect["op"] = ">=";
  expect["value"] = 1;
  j["expect"] = nlohmann::ordered_json::array({expect});
  std::ostringstream d;
  d << "Replay, in timed simulation, of a " << kind << " counter-example `isolsim explore` found in "
    << s.name << ": the same programs with CPU workloads starting at cycles";
  for (std::uint32_t c = 0; c < s.cpus; ++c) d << (c ? ", " : " ") << start[c];
  d << " (cpu0, cpu1, ...), chosen so that the conflicting memory accesses come in the counter-example's order.";
  j["description"] = d.str();
  return j;
}

struct TimedRun {
  bool ok = false;
  std::string error;
  std::string events;
  nlohmann::json report;
};

// SystemC cannot restart: every timed run is a child process of its own.
TimedRun run_in_child(const nlohmann::ordered_json& scenario_json, const std::string& name) {
  TimedRun r;
  const fs::path dir = fs::temp_directory_path() / ("isolsim_replay_" + std::to_string(getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  const std::string text = scenario_json.dump(2);
  std::fflush(nullptr);
  const pid_t pid = fork();
  if (pid == 0) {
    int code = 0;
    try {
      const scenario::JsonDoc d = scenario::JsonDoc::parse(text, name);
      const scenario::Scenario sc = scenario::load_scenario(d);
      run::Options o;
      o.out_dir = dir.string();
      o.waveforms = false;  // the search reads events.log and report.json only
      run::run_timed(d, sc, o);
    } catch (const std::exception& e) {
      std::ofstream(dir / "error.txt") << e.what();
      code = 1;
    }
    std::fflush(nullptr);
    _exit(code);
  }
  int status = 0;
  if (pid > 0) waitpid(pid, &status, 0);
  if (pid < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    r.error = pid < 0 ? "fork failed" : slurp(dir / "error.txt");
    if (r.error.empty()) r.error = "the timed run died";
  } else {
    r.ok = true;
    r.events = slurp(dir / "events.log");
    r.report = nlohmann::json::parse(slurp(dir / "report.json"), nullptr, false);
  }
  fs::remove_all(dir);
  return r;
}

std::uint64_t count_at(const nlohmann::json& report, const std::string& dotted) {
  const nlohmann::json* v = &report;
  std::istringstream parts(dotted);
  std::string key;
  while (std::getline(parts, key, '.')) {
    if (!v->is_object() || !v->contains(key)) return 0;
    v = &(*v)[key];
  }
  return v->is_number_unsigned() ? v->get<std::uint64_t>() : 0;
}

std::string describe_pair(const PerCpu& ce, const Pair& p) {
  const Access& a = ce[p.cpu_a][p.ce_a];
  const Access& b = ce[p.cpu_b][p.ce_b];
  return "cpu" + std::to_string(p.cpu_a) + " " + (a.write ? "writes " : "reads ") + a.addr + " (step " +
         std::to_string(a.order + 1) + ") before cpu" + std::to_string(p.cpu_b) + " " +
         (b.write ? "writes" : "reads") + " it (step " + std::to_string(b.order + 1) + ")";
}

}  // namespace

Result find_replay(const scenario::JsonDoc& doc, const scenario::Scenario& s, const nlohmann::json& violation,
                   const Options& opts) {
  Result r;
  const std::string kind = violation.value("kind", "");
  r.report_path = run::violation_counter(kind);
  if (r.report_path.empty()) {
    r.note = "a " + kind + " has no count in the timed report";
    return r;
  }
  r.replayable = true;
  const nlohmann::json& steps = violation["steps"];
  const PerCpu ce = counterexample_accesses(steps, opts.memory_model == "sc", s.cpus);

  // First guess: a CPU's workload starts when it first acts in the counter-example (a fixed
  // number of cycles per step, after a margin that lets any CPU be moved earlier). One whose first
  // step is an interrupt (its task only takes interrupts there) starts after the whole of it.
  const std::uint64_t margin = std::min<std::uint64_t>(1000, s.run_cycles / 8), per_step = 20;
  r.start.assign(s.cpus, margin + 2 * per_step * steps.size());
  std::vector<bool> seen(s.cpus, false);     // its task acts in the counter-example
  std::vector<bool> decided(s.cpus, false);  // its first step was looked at
  std::uint64_t i = 0;
  for (const auto& st : steps) {
    const auto cpu = st.value("cpu", 0u);
    const std::string kind = st.value("kind", "");
    if (cpu < s.cpus && !decided[cpu] && kind != "arrive") {  // an arrival is the sender's doing
      decided[cpu] = true;
      seen[cpu] = kind != "irq";
      if (seen[cpu]) r.start[cpu] = margin + i * per_step;
    }
    ++i;
  }

  // Only differences matter: the earliest acting CPU starts at the margin, and a CPU only
  // interrupted in the counter-example starts half way between the others and the end of the
  // run: after all of it, IPI latencies included, with time left for its own work.
  auto late_start = [&](std::uint64_t after) {
    return after < s.run_cycles ? after + (s.run_cycles - after) / 2 : after;
  };
  auto normalise = [&](std::vector<std::uint64_t> start) {
    std::uint64_t lowest = ~std::uint64_t(0), highest = 0;
    for (std::uint32_t c = 0; c < s.cpus; ++c)
      if (seen[c]) lowest = std::min(lowest, start[c]), highest = std::max(highest, start[c]);
    if (highest == 0) return start;
    for (std::uint32_t c = 0; c < s.cpus; ++c) start[c] = seen[c] ? start[c] - lowest + margin : late_start(highest - lowest + margin);
    return start;
  };
  r.start = normalise(r.start);

  // One timed run per start vector, remembered.
  struct Eval {
    bool shows = false;
    Comparison c;
    PerCpu timed;
  };
  std::map<std::vector<std::uint64_t>, Eval> evals;
  std::string failure;
  auto evaluate = [&](const std::vector<std::uint64_t>& start) -> const Eval* {
    if (auto it = evals.find(start); it != evals.end()) return &it->second;
    if (r.runs >= opts.max_runs || !failure.empty()) return nullptr;
    ++r.runs;
    const TimedRun t = run_in_child(replay_scenario(doc, s, start, r.report_path, kind), s.name + "_replay.json");
    if (!t.ok) {
      failure = "the timed run failed: " + t.error;
      return nullptr;
    }
    Eval e;
    e.timed = timed_accesses(t.events, s.cpus);
    e.c = compare(ce, e.timed);
    e.shows = count_at(t.report, r.report_path) > 0;
    return &evals.emplace(start, std::move(e)).first->second;
  };
  // How far a run got: the violation with every pair in order beats all; then the pairs in order
  // before the first one out of order, then the pairs in order overall.
  auto score = [&](const Eval& e) {
    const std::size_t first = e.c.first_violated < 0 ? e.c.pairs.size() : static_cast<std::size_t>(e.c.first_violated);
    std::size_t in_order = 0;
    for (std::size_t k = 0; k < e.c.pairs.size(); ++k) {
      const Pair& p = e.c.pairs[k];
      in_order += e.timed[p.cpu_a][p.idx_a].order < e.timed[p.cpu_b][p.idx_b].order;
    }
    return std::make_tuple(e.shows && e.c.first_violated < 0, first, in_order, e.shows);
  };
  auto done = [&](const Eval& e, const std::vector<std::uint64_t>& start) {
    if (!e.shows || e.c.first_violated >= 0) return false;
    r.start = start;
    r.reproduced = true;
    r.order_matched = e.c.all_matched;
    if (!e.c.all_matched) r.note = "the violation shows; the runs part ways after the last conflicting access checked";
    r.scenario = replay_scenario(doc, s, start, r.report_path, kind);
    return true;
  };

  // 1. Follow the first pair out of order: move its second access later or its first earlier,
  // whichever keeps more of the pairs before it in order. Access latencies depend on who else is
  // touching the line, so this can go round in circles; then
  std::vector<std::uint64_t> best = r.start;
  std::string last_mismatch;
  std::set<std::vector<std::uint64_t>> path;
  for (;;) {
    const Eval* e = evaluate(r.start);
    if (!e) break;
    if (done(*e, r.start)) return r;
    if (score(*e) > score(evals.at(best))) best = r.start;
    if (!path.insert(r.start).second || e->c.first_violated < 0) break;
    const Pair& p = e->c.pairs[e->c.first_violated];
    last_mismatch = describe_pair(ce, p);
    const Access& a = e->timed[p.cpu_a][p.idx_a];
    const Access& b = e->timed[p.cpu_b][p.idx_b];
    const std::int64_t delta = static_cast<std::int64_t>(a.cycle) - static_cast<std::int64_t>(b.cycle) + 1;
    // A CPU only interrupted in the counter-example keeps its late start: moving it would have its
    // own task act where the counter-example has none.
    const int kNever = 1 << 30;
    const bool can_later = seen[p.cpu_b] && s.workload[p.cpu_b].task.empty();
    const bool can_earlier = seen[p.cpu_a] && s.workload[p.cpu_a].task.empty() &&
                             r.start[p.cpu_a] > static_cast<std::uint64_t>(delta);
    if (!can_later && !can_earlier) break;
    const int later = can_later ? pairs_broken(e->c, e->timed, p.cpu_b, delta, e->c.first_violated) : kNever;
    const int earlier = can_earlier ? pairs_broken(e->c, e->timed, p.cpu_a, -delta, e->c.first_violated) : kNever;
    std::vector<std::uint64_t> next = r.start;
    if (earlier < later) next[p.cpu_a] -= static_cast<std::uint64_t>(delta);
    else next[p.cpu_b] += static_cast<std::uint64_t>(delta);
    r.start = normalise(next);
    if (path.size() >= 30) break;
  }
  // 2. ... scan each CPU's start around the best run so far, coarse then fine, keeping what
  // gets further.
  for (int round = 0; round < 2 && failure.empty(); ++round) {
    for (std::uint32_t cpu = 0; cpu < s.cpus; ++cpu) {
      if (!s.workload[cpu].task.empty() || !seen[cpu]) continue;  // a CPU only interrupted stays late
      for (const auto& [step, reach] : {std::pair<std::int64_t, std::int64_t>{4, 200}, {1, 3}}) {
        const std::vector<std::uint64_t> centre = best;
        for (std::int64_t d = -reach; d <= reach; d += step) {
          std::vector<std::uint64_t> start = centre;
          if (static_cast<std::int64_t>(start[cpu]) + d < 1) continue;  // (normalise moves it back up)
          start[cpu] = static_cast<std::uint64_t>(static_cast<std::int64_t>(start[cpu]) + d);
          start = normalise(start);
          const Eval* e = evaluate(start);
          if (!e) break;
          if (done(*e, start)) return r;
          if (score(*e) > score(evals.at(best))) best = start;
        }
      }
    }
  }
  // 3. Failing that, a run that shows the violation by another interleaving still replays it.
  for (const auto& [start, e] : evals)
    if (e.shows) {
      r.start = start;
      r.reproduced = true;
      r.scenario = replay_scenario(doc, s, start, r.report_path, kind);
      r.note = "no run kept the counter-example's order; this one shows the violation by another interleaving";
      return r;
    }
  if (evals.empty()) {  // the first timed run already failed
    r.note = failure;
    return r;
  }
  r.start = best;
  const Eval& b = evals.at(best);
  if (b.c.first_violated >= 0) last_mismatch = describe_pair(ce, b.c.pairs[b.c.first_violated]);
  r.note = !failure.empty() ? failure
           : "no start cycles within " + std::to_string(r.runs) + " timed runs put the accesses in order" +
                 (last_mismatch.empty() ? "" : "; the closest run still has " + last_mismatch);
  return r;
}

}  // namespace replay
