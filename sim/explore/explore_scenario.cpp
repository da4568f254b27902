#include "explore_scenario.h"

#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>

#include "sim/explore/counterexample.h"
#include "sim/explore/deferral_checks.h"
#include "sim/explore/locality.h"
#include "sim/scenario/scenario_image.h"

namespace explore {

namespace {

void write_file(const std::filesystem::path& p, const std::string& text) {
  std::ofstream out(p, std::ios::binary);
  out << text;
  if (!out) throw scenario::InputError(p.string() + ": cannot write");
}

}  // namespace

ScenarioOutcome explore_scenario(const scenario::JsonDoc& doc, const scenario::Scenario& s,
                                 const ScenarioOptions& opts) {
  // Sources fire at cycles of a schedule and device interrupts arrive at them: the explorer has
  // no clock to fire them by.
  if (!s.sources.empty())
    doc.fail("/sources", "explore has no clock to fire sources by: explore the kernel path they run as a workload "
                         "step instead (e.g. {\"syscall\": \"vfree\"}), or replay them with isolsim run");
  scenario::ScenarioImage si = scenario::build_scenario_image(doc, s);
  MachineConfig mc;
  mc.tasks = si.tasks;
  mc.memory = std::move(si.memory);
  mc.isolated = s.nohz_full;
  mc.nmis.assign(s.nmi_watchdog.cpus.begin(), s.nmi_watchdog.cpus.end());  // one NMI each, at any boundary
  mc.tso = opts.tso;
  mc.fold_local_steps = !opts.unreduced;
  mc.memo_steps = opts.memo_steps;
  mc.check_memo = opts.check_memo;
  ScenarioOutcome o;
  std::unique_ptr<Machine> machine;
  std::unique_ptr<DeferralChecks> checker;
  std::unique_ptr<Explorer> explorer;
  WrongGuesses wrong;
  int walks = 0;
  const auto t0 = std::chrono::steady_clock::now();
  // One budget for the walks and every run, those a wrong guess ended too.
  Budget own(opts.explore.bounds.max_seconds, opts.explore.bounds.max_memory_mb);
  Options explore_opts = opts.explore;
  if (!explore_opts.budget) explore_opts.budget = &own;
  if (opts.all) {
    explore_opts.stop_at_first = false;
    explore_opts.distinct = [&machine](const std::vector<StepRecord>& steps) {
      std::string name;
      for (const std::string& p : racing_pairs(machine->image(), with_folded_accesses(steps))) name += p + "\n";
      return name;
    };
  }
  try {
    if (mc.fold_local_steps) {
      // A quarter of the time and half the memory at most: the guesses only speed the search up
      // (and are checked as it goes), and it reuses the memory the walks free.
      Budget walks_budget = explore_opts.budget->share(0.25, 0.5);
      Locality l = guess_locality(si.img(), mc, 200, 20, &walks_budget);
      mc.interrupt_free = std::move(l.interrupt_free);
      mc.owner = std::move(l.owner);
      mc.race_free = std::move(l.race_free);
      mc.deferral_targets = std::move(l.deferral_targets);
      walks = l.walks;
    }
    // The guesses are checked as the exploration goes: an IPI to a CPU called interrupt-free, an
    // access to a word another CPU was said to own, or one to a word another CPU's race-free
    // instruction has pending, ends the run, which starts again without that guess.
    o.result = explore_checking_guesses(mc, wrong, [&] {
      // After a wrong guess the machine keeps the steps it remembered that did not rely on it.
      if (machine) machine->drop_guesses(mc);
      else machine = std::make_unique<Machine>(si.img(), mc);
      checker = std::make_unique<DeferralChecks>(doc, s, *machine);
      explorer = std::make_unique<Explorer>(*machine, *checker, explore_opts);
      return explorer->run();
    });
    // The search's time is the guesses' and every run's, the ones a wrong guess ended too.
    o.result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  } catch (const isa::Fault& f) {  // in the initial state already
    throw scenario::InputError(s.file + ": " + f.what());
  }
  Machine& m = *machine;
  DeferralChecks& checks = *checker;
  Explorer& ex = *explorer;
  const Result& r = o.result;
  std::string free_cpus;
  for (std::uint32_t c = 0; c < mc.interrupt_free.size(); ++c)
    if (mc.interrupt_free[c]) free_cpus += (free_cpus.empty() ? "cpu" : ", cpu") + std::to_string(c);

  std::string private_words;  // "ct.state[0] (cpu0), ..."
  std::uint64_t nprivate = 0;
  for (isa::Addr a = 0; a < mc.owner.size(); ++a)
    if (mc.owner[a] >= 0) {
      ++nprivate;
      private_words += (private_words.empty() ? "" : ", ") + m.image().describe(a) + " (cpu" +
                       std::to_string(mc.owner[a]) + ")";
    }

  auto instruction = [&](std::uint32_t func, std::uint32_t pc) {
    return m.image().functions[func].name + "+" + std::to_string(pc);
  };
  std::vector<std::string> race_free;
  for (std::uint32_t f = 0; f < mc.race_free.size(); ++f)
    for (std::uint32_t pc = 0; pc < mc.race_free[f].size(); ++pc)
      if (mc.race_free[f][pc]) race_free.push_back(instruction(f, pc));

  std::ostringstream text;
  const char* model = opts.tso ? "x86-TSO" : "sequential consistency";
  text << s.name << " [" << s.protocol << ", " << model << "]: " << r.states << " states, " << r.transitions
       << " transitions, depth " << r.depth << ", " << r.terminal_states << " terminal states\n";
  if (!free_cpus.empty())
    text << "  no IPI is sent to " << free_cpus << " in any interleaving: their cli (and, off nohz_full "
         << "CPUs, syscall and sysret) folded too\n";
  if (nprivate)
    text << "  " << nprivate << (nprivate == 1 ? " word" : " words") << " touched by one CPU only in any interleaving, "
         << "its accesses folded: " << private_words << "\n";
  for (std::uint32_t c : wrong.interrupted)
    text << "  cpu" << c << " receives an IPI in some interleaving: explored again with its interrupts\n";
  if (!race_free.empty())
    text << "  " << race_free.size() << " instructions never race in " << walks << " random executions: their accesses folded "
         << "where nothing can interrupt, their stores drained at once (checked: another CPU touching the word "
         << "meanwhile restarts)\n";
  for (const Racy& r : wrong.racing)
    text << "  " << instruction(r.folded.func, r.folded.pc) << " races with cpu" << r.cpu << " on "
         << m.image().describe(r.folded.addr) << " in some interleaving: explored again with it a step\n";
  for (std::uint32_t c : wrong.targets)
    text << "  work is posted to cpu" << c << " in some interleaving: explored again with its context-tracking state a step\n";
  for (const NotPrivate& n : wrong.shared)
    text << "  cpu" << n.cpu << " touches " << m.image().describe(n.addr)
         << " too in some interleaving: explored again with it shared\n";
  for (const std::string& e : checks.unchecked())
    text << "  note: expect " << e << " is not checked by explore (only deferral.* and memory.* are)\n";
  // The verdict: violations the scenario's expect pins are what it asks for (as in a timed run,
  // where `expect deferral.double_executions == 1` passes when the race shows).
  bool unexpected = false, violations = false;
  for (const Violation& v : r.violations) {
    unexpected |= !v.finding.note && !checks.expected(v.finding.kind);
    violations |= !v.finding.note;
  }
  std::vector<std::string> unmet;
  for (const DeferralChecks::Pinned& p : checks.pinned())
    if (!p.met) unmet.push_back(p.text);
  std::string verdict;
  if (unexpected) verdict = "violation";
  else if (!unmet.empty()) verdict = r.complete ? "violation" : "bounded";
  else if (!checks.pinned().empty()) verdict = "expected";
  else verdict = r.complete ? "verified" : "bounded";
  for (const DeferralChecks::Pinned& p : checks.pinned())
    text << (p.met ? "  as expected: " + p.text + " in some execution\n"
                   : r.complete ? "  expectation never met: " + p.text + " in no execution\n"
                                : "  expectation not met before the " + (r.stopped_at_first ? std::string("first violation") : r.bound) +
                                      ": " + p.text + "\n");
  if (verdict == "verified") {
    text << "  verified: no violation in any interleaving\n";
  } else if (!violations && !r.complete) {
    text << "  bounded: no violation found before the " + r.bound + "; not verified\n";
  } else if (!r.complete) {
    text << "  bounded (" << (r.stopped_at_first ? "stopped at the first violation" : r.bound) << ")\n";
  }
  if (opts.all) {
    std::map<std::string, int> per_kind;
    for (const Violation& v : r.violations)
      if (!v.finding.note) ++per_kind[v.finding.kind];
    text << "  every distinct counter-example (distinct by its racing accesses): ";
    bool first = true;
    for (const auto& [kind, k] : per_kind) {
      text << (first ? "" : ", ") << k << " of " << kind;
      first = false;
    }
    if (per_kind.empty()) text << "none";
    text << ", from " << r.candidates << (r.candidates == 1 ? " step" : " steps") << " where a violation first showed";
    if (r.candidates_examined < r.candidates)
      text << " (only the first " << r.candidates_examined << " replayed: "
           << (r.candidates_examined < opts.explore.max_candidates ? "the time or memory bound" : "--all-max") << ")";
    text << "\n";
  }
  nlohmann::ordered_json vj = nlohmann::ordered_json::array(), wj = nlohmann::ordered_json::array();
  std::filesystem::path dir(opts.out_dir);
  if (!opts.out_dir.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec) throw scenario::InputError(opts.out_dir + ": cannot create the output folder: " + ec.message());
  }
  // Violations first, numbered as explore.json lists them; then windows, executions worth seeing
  // that break no rule (work deferred while the target runs kernel code ahead of its flush).
  std::vector<const Violation*> shown;
  for (const Violation& v : r.violations)
    if (!v.finding.note) shown.push_back(&v);
  for (const Violation& v : r.violations)
    if (v.finding.note) shown.push_back(&v);
  int n = 0, nw = 0;
  for (const Violation* vp : shown) {
    const Violation& v = *vp;
    const bool note = v.finding.note;
    ++(note ? nw : n);
    std::vector<StepRecord> steps = with_folded_accesses(ex.replay(v.path));
    text << "\n" << (note ? "window " : "violation ") << (note ? nw : n)
         << (checks.expected(v.finding.kind) ? " (expected)" : "") << ": " << v.finding.kind << ": "
         << v.finding.message << "\n"
         << (note ? "  shortest example: "
                  : opts.explore.depth_first ? "  counter-example (depth first: not the shortest): "
                                             : "  shortest counter-example: ")
         << v.path.size() << " steps";
    if (steps.size() > v.path.size())
      text << " (and " << steps.size() - v.path.size()
           << " race-free accesses and drains and IPIs sent, folded into them, as rows of their own)";
    text << "\n";
    if (v.faulting_step) {
      text << "  then cpu" << v.fault.cpu << " faults\n";
    }
    std::vector<StepRecord> cycle;
    if (!v.cycle.empty()) {
      std::vector<std::uint32_t> round = v.path;
      round.insert(round.end(), v.cycle.begin(), v.cycle.end());
      const std::vector<StepRecord> all = ex.replay(round);
      cycle = with_folded_accesses({all.begin() + static_cast<long>(v.path.size()), all.end()});
    }
    const std::vector<std::string> racing = racing_pairs(m.image(), steps);
    if (opts.all && !note) {
      text << "  racing accesses, in this order:\n";
      for (const std::string& p : racing) text << "    " << p << "\n";
    }
    text << interleaving_table(m.image(), s.cpus, steps);
    if (!cycle.empty()) text << "  ...then for ever:\n" << interleaving_table(m.image(), s.cpus, cycle);
    nlohmann::ordered_json j = {{"kind", v.finding.kind}, {"expected", checks.expected(v.finding.kind)},
                                {"message", v.finding.message},
                                {"state", v.state}, {"steps", steps_json(m.image(), steps)}};
    if (!cycle.empty()) j["cycle"] = steps_json(m.image(), cycle);
    j["racing"] = racing;
    if (!opts.out_dir.empty()) {
      std::vector<std::uint32_t> hot = v.path;
      hot.insert(hot.end(), v.cycle.begin(), v.cycle.end());
      const std::string dot = (note ? "window-" + std::to_string(nw) : "counterexample-" + std::to_string(n)) + ".dot";
      write_file(dir / dot, ex.graphviz(hot));
      j["graphviz"] = dot;
    }
    (note ? wj : vj).push_back(std::move(j));
  }
  o.json = {{"scenario", s.name}, {"protocol", s.protocol}, {"memory_model", opts.tso ? "tso" : "sc"},
            {"reduction", opts.unreduced ? "none" : "thread-local instructions folded"},
            {"search", opts.explore.depth_first ? "dfs" : "bfs"},
            {"never_interrupted", free_cpus},
            {"private_words", private_words},
            {"race_free_instructions", race_free},
            {"verdict", verdict},
            {"states", r.states}, {"transitions", r.transitions}, {"depth", r.depth},
            {"terminal_states", r.terminal_states}, {"complete", r.complete}, {"bound", r.bound},
            {"violations", vj}, {"windows", wj}};
  if (opts.all)
    o.json["all"] = {{"candidates", r.candidates}, {"replayed", r.candidates_examined}, {"max", opts.explore.max_candidates}};
  if (!checks.pinned().empty()) {
    nlohmann::ordered_json pj = nlohmann::ordered_json::array();
    for (const DeferralChecks::Pinned& p : checks.pinned()) pj.push_back({{"expect", p.text}, {"met", p.met}});
    o.json["pinned_expectations"] = pj;
  }
  if (!opts.out_dir.empty()) {
    write_file(dir / "explore.json", o.json.dump(2) + "\n");
    if (r.states <= 2000) write_file(dir / "states.dot", ex.graphviz({}));
    text << "\n  outputs in " << opts.out_dir << "/\n";
  }
  o.text = text.str();
  o.exit_code = verdict == "violation" ? 1 : verdict == "bounded" ? 3 : 0;
  return o;
}

}  // namespace explore
