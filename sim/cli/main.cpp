// isolsim: the command line. `isolsim run SCENARIO` replays a scenario in timed simulation;
// `isolsim explore SCENARIO` explores every interleaving of it; `isolsim explore A.litmus ...`
// answers herd7 x86 litmus tests as herd7 does (sim/cli/litmus_command.h).
// Exit codes: run: 0 every expectation held, 1 one failed; explore: 0 verified, 1 violation
// found, 3 bounded without one; both: 2 bad input.
#include <CLI/CLI.hpp>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <sstream>
#include <systemc>

#include "sim/bench/bench.h"
#include "sim/explore/explore_scenario.h"
#include "sim/cli/litmus_command.h"
#include "sim/replay/replay_search.h"
#include "sim/run/noise_table.h"
#include "sim/run/runner.h"
#include "sim/sweep/sweep.h"

namespace {

// SystemC prints its banner when the kernel first starts, unless this is set: keep stdout ours.
[[maybe_unused]] const bool kQuietSystemC = setenv("SYSTEMC_DISABLE_COPYRIGHT_MESSAGE", "1", 1) == 0;

// The noise tables' CPUs: `-c CPULIST`, else the nohz_full CPUs (all of them when there are none).
std::vector<std::uint32_t> noise_cpus(const scenario::Scenario& s, const std::string& list) {
  if (!list.empty()) {
    try {
      return scenario::parse_cpulist(list, s.cpus);
    } catch (const std::invalid_argument& e) {
      throw scenario::InputError("-c: " + std::string(e.what()));
    }
  }
  std::vector<std::uint32_t> out;
  for (std::uint32_t c = 0; c < s.cpus; ++c)
    if (s.nohz_full[c]) out.push_back(c);
  if (out.empty())
    for (std::uint32_t c = 0; c < s.cpus; ++c) out.push_back(c);
  return out;
}

struct NoiseOptions {
  bool show = false;      // --noise (or -c, --by): print the tables even without sources
  std::string cpus;       // -c
  std::string by;         // --by callback | sender
};

int run_command(const std::string& file, const std::vector<std::string>& sets, run::Options opts,
                bool stats, const NoiseOptions& noise) {
  scenario::JsonDoc doc = scenario::JsonDoc::load_file(file);
  for (const std::string& a : sets) doc.apply_override(a);
  const scenario::Scenario s = scenario::load_scenario(doc);
  if (opts.out_dir.empty()) opts.out_dir = "out/" + s.name;
  const std::vector<std::uint32_t> shown = noise_cpus(s, noise.cpus);  // -c is checked before the run
  const run::Outcome o = run::run_timed(doc, s, opts);
  const auto& d = o.report["deferral"];
  const auto& t = o.report["interference"]["nohz_full_total"];
  std::cout << s.name << " [" << s.protocol << "]: " << o.report["run"]["cycles"].get<std::uint64_t>() << " cycles, "
            << o.instructions << " instructions\n"
            << "  nohz_full CPUs: " << t["interrupts_in_user"] << " interrupts in user mode ("
            << t["ipis_in_user"] << " IPIs), " << t["cycles_lost"] << " cycles lost, worst "
            << t["worst_cycles"] << "\n"
            << "  deferral: " << d["deferred"] << " deferred, " << d["ipi"] << " by IPI, "
            << d["flushed_on_entry"] << " flushed on entry, " << d["double_executions"]
            << " double executions, " << d["lost"] << " lost, " << d["late"] << " late; at the end "
            << d["pending"] << " deferred still pending, " << d["in_flight"] << " IPIs in flight\n"
            << "  outputs in " << opts.out_dir << "/\n";
  if (s.nohz_full_runtime) {
    const auto& n = o.report["nohz_full"];
    const auto& sc = n["syscalls"];
    const std::uint64_t calls = sc["count"];
    std::cout << "  nohz_full at run time: " << n["switches"].size() << " switches, " << n["at_end"].dump()
              << " at the end; " << n["entry"].get<std::string>() << " entry, " << calls << " syscalls, mean "
              << (calls ? sc["cycles"].get<std::uint64_t>() / calls : 0) << " cycles\n";
  }
  if (noise.show || !s.sources.empty()) {
    std::cout << "\n";
    run::print_noise_tables(o.report, shown, noise.by == "sender", std::cout);
  }
  if (stats)
    std::cerr << "wall " << o.wall_seconds << " s, " << o.instructions / o.wall_seconds
              << " simulated instructions/s\n";
  if (!o.bound.empty()) {
    std::cout << "bound: " << o.bound << "; the report covers those cycles, expectations not checked\n";
    return 3;
  }
  int failed = 0;
  for (const run::ExpectResult& r : o.expectations) {
    if (r.ok) continue;
    ++failed;
    std::cout << "expectation failed: " << r.text << " (actual " << r.actual.dump() << ")\n";
  }
  if (!o.expectations.empty())
    std::cout << o.expectations.size() - failed << " of " << o.expectations.size()
              << " expectations hold\n";
  return failed ? 1 : 0;
}

// A replay's sweep of one CPU's start S: from 1 to 2S (at least S +- 400; a start must come before
// the run's end), on a grid of about 40 points whose window edges are then bisected to the cycle.
std::string replay_sweep(const std::string& file, std::uint32_t cpu, std::uint64_t start, std::uint64_t run_cycles,
                         const std::string& out) {
  const std::uint64_t half = std::max<std::uint64_t>(400, start);
  const std::uint64_t lo = start > half ? start - half : 1, hi = std::min(start + half, run_cycles - 1);
  const std::uint64_t step = std::max<std::uint64_t>(10, (hi - lo) / 40);
  return "isolsim sweep " + file + " --vary workload." + std::to_string(cpu) + ".0.until=" + std::to_string(lo) + ":" +
         std::to_string(hi) + ":" + std::to_string(step) + " --edges --out " + out;
}

// For each violation the timed report can count: replay-N.json, a scenario `isolsim run` replays
// into it, noted in explore.json under the violation's "replay".
void write_replays(const scenario::JsonDoc& doc, const scenario::Scenario& s, const explore::ScenarioOptions& opts,
                   int max_runs, nlohmann::ordered_json& json) {
  int n = 0;
  for (auto& v : json["violations"]) {
    ++n;
    replay::Options ro;
    ro.max_runs = max_runs;
    ro.memory_model = json["memory_model"];
    const replay::Result r = replay::find_replay(doc, s, nlohmann::json::parse(v.dump()), ro);
    if (!r.replayable) continue;
    nlohmann::ordered_json rj = {{"reproduced", r.reproduced}, {"order_matched", r.order_matched},
                                 {"start", r.start}, {"timed_runs", r.runs}};
    if (!r.note.empty()) rj["note"] = r.note;
    if (r.reproduced) {
      const std::string file = "replay-" + std::to_string(n) + ".json";
      std::ofstream(opts.out_dir + "/" + file) << r.scenario.dump(2) << "\n";
      rj["file"] = file;
      std::cout << "\nviolation " << n << " replays in timed simulation: isolsim run " << opts.out_dir << "/"
                << file << " (" << r.report_path << " >= 1; workloads start at cycles";
      for (std::size_t c = 0; c < r.start.size(); ++c) std::cout << (c ? ", " : " ") << r.start[c];
      std::cout << "; " << (r.order_matched ? "every" : "the checked") << " conflicting access in the counter-example's order; "
                << r.runs << " timed runs)\n";
      // The window around it: each CPU's start swept, the others' kept, edges bisected.
      nlohmann::ordered_json sweeps = nlohmann::ordered_json::array();
      std::uint32_t last = 0;
      for (std::uint32_t c = 0; c < r.start.size(); ++c) {
        if (!r.scenario["workload"][std::to_string(c)].is_array()) continue;  // a task: no start to move
        last = c;
        sweeps.push_back(replay_sweep(opts.out_dir + "/" + file, c, r.start[c], s.run_cycles,
                                      opts.out_dir + "/replay-" + std::to_string(n) + "-sweep-cpu" + std::to_string(c)));
      }
      if (!sweeps.empty())
        std::cout << "  its window in cpu" << last << "'s start cycle (every CPU's: explore.json): "
                  << sweeps.back().get<std::string>() << "\n";
      rj["sweep"] = sweeps;
    } else {
      std::cout << "\nviolation " << n << ": no timed replay found: " << r.note << "\n";
    }
    v["replay"] = rj;
  }
}

int explore_command(const std::string& file, const std::vector<std::string>& sets,
                    explore::ScenarioOptions opts, int replay_runs) {
  scenario::JsonDoc doc = scenario::JsonDoc::load_file(file);
  for (const std::string& a : sets) doc.apply_override(a);
  const scenario::Scenario s = scenario::load_scenario(doc);
  if (opts.out_dir.empty()) opts.out_dir = "out/" + s.name + "-explore";
  explore::ScenarioOutcome o = explore::explore_scenario(doc, s, opts);
  std::cout << o.text;
  std::cerr << "explored in " << o.result.seconds << " s\n";
  if (replay_runs > 0 && !o.json["violations"].empty()) {
    write_replays(doc, s, opts, replay_runs, o.json);
    std::ofstream(opts.out_dir + "/explore.json") << o.json.dump(2) << "\n";
  }
  return o.exit_code;
}

// A repeatable option that takes one value per flag, so that the positional FILE may follow it
// (`isolsim run --set kernel.protocol=v7 FILE`).
CLI::Option* one_per_flag(CLI::Option* o) {
  return o->expected(1)->allow_extra_args(false)->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
}

bool is_litmus(const std::string& file) {
  return file.size() > 7 && file.compare(file.size() - 7, 7, ".litmus") == 0;
}

}  // namespace

int sc_main(int argc, char* argv[]) {
  sc_core::sc_report_handler::set_actions("/IEEE_Std_1666/deprecated", sc_core::SC_DO_NOTHING);
  CLI::App app{"isolsim: how Linux CPU isolation gets interfered with, cycle by cycle"};
  app.set_version_flag("--version", std::string("isolsim ") + ISOLSIM_VERSION + " (SystemC " + sc_core::sc_release() + ")");
  app.footer("Exit status: 0 success (run: every expect holds; explore: verified or as expected; sweep: no condition "
             "in any run; bench: every case as its baseline), 1 a failed expect or a violation found (bench: a "
             "regression), 2 bad input (one line naming file, line and JSON "
             "path), 3 a bound reached before a verdict (explore --max-states/--max-depth/--max-memory/--max-seconds, "
             "run --max-seconds: the partial report is written).");
  app.require_subcommand(1);
  std::string file;
  std::vector<std::string> sets;
  run::Options opts;
  std::string log = "all";
  bool stats = false;
  CLI::App* run_cmd = app.add_subcommand("run", "replay a scenario in timed simulation");
  run_cmd->add_option("scenario", file, "scenario JSON file")->required();
  run_cmd->add_option("--out", opts.out_dir, "output folder (default out/<scenario name>)");
  one_per_flag(run_cmd->add_option("--set", sets, "override a scenario value: PATH=VALUE (e.g. kernel.protocol=v7)"));
  run_cmd->add_option("--log", log, "event log: all or none")->check(CLI::IsMember({"all", "none"}));
  run_cmd->add_option("--ftrace", opts.ftrace, "also write the run as `trace-cmd report` prints a trace: "
                                               "IPIs sent, vector and irq entry/exit, sched_switch, user_enter/exit");
  run_cmd->add_option("--svg", opts.svg, "also draw the run's timeline as SVG: CPUs as lanes of user/kernel/irq/idle, "
                                         "IPIs as arrows, deferred work posted and run");
  run_cmd->add_option("--svg-window", opts.svg_window, "FROM:TO: the cycles the SVG shows (default: the whole run)");
  run_cmd->add_option("--max-seconds", opts.max_seconds,
                      "time bound (s): stop there, write the report of the cycles simulated so far, exit 3")
      ->check(CLI::PositiveNumber);
  run_cmd->add_flag("--stats", stats, "print wall time and simulation speed to stderr");
  NoiseOptions noise;
  run_cmd->add_flag("--noise", noise.show, "print the noise tables (always printed when the scenario has sources)");
  run_cmd->add_option("-c", noise.cpus, "CPUs of the noise table, a CPU list (default: the nohz_full CPUs)");
  run_cmd->add_option("--by", noise.by, "the callback table: by callback, or also by sender")
      ->check(CLI::IsMember({"callback", "sender"}));
  bool no_run_ahead = false;
  run_cmd->add_flag("--no-run-ahead", no_run_ahead,
                    "return to the SystemC scheduler for every interconnect event (slower; the output "
                    "must not change: a cross-check of the simulator)");
  CLI::App* explore_cmd = app.add_subcommand("explore", "explore every interleaving of a scenario (x86-TSO)");
  std::string memory_model = "tso";
  std::vector<std::string> efiles, esets;
  explore::ScenarioOptions eopts;
  explore_cmd->add_option("scenario", efiles, "scenario JSON file, or herd7 x86 litmus tests (.litmus), answered in turn")
      ->required();
  explore_cmd->add_option("--out", eopts.out_dir, "output folder (default out/<scenario name>-explore; litmus tests: "
                                                  "each answer in DIR/<test name>.txt, none by default)");
  one_per_flag(explore_cmd->add_option("--set", esets, "override a scenario value: PATH=VALUE"));
  explore_cmd->add_option("--memory-model", memory_model,
                          "tso (the x86-TSO machine), sc (sequential consistency), or, for litmus tests, "
                          "x86tso.cat (herd7's axiomatic model: candidate executions checked against its axioms)")
      ->check(CLI::IsMember({"tso", "sc", "x86tso.cat"}));
  CLI::Option* first_opt = explore_cmd->add_flag("--first", eopts.explore.stop_at_first, "stop at the first violation found");
  explore_cmd->add_flag("--all", eopts.all, "list every distinct counter-example (distinct by its racing accesses: "
                                            "which CPU's access to a word came before which other CPU's), each the "
                                            "shortest of its kind, not one per kind of violation")
      ->excludes(first_opt);
  explore_cmd->add_option("--all-max", eopts.explore.max_candidates,
                          "with --all: steps where a violation first showed that are replayed to tell counter-examples "
                          "apart, at most")
      ->check(CLI::PositiveNumber);
  std::string search = "bfs";
  explore_cmd->add_option("--search", search,
                          "bfs (breadth first: shortest counter-examples) or dfs (depth first: newest state "
                          "first, as Spin's pan; often fewer states to a first violation, longer counter-examples)")
      ->check(CLI::IsMember({"bfs", "dfs"}));
  explore_cmd->add_flag("--unreduced", eopts.unreduced,
                        "make every instruction a step (no folding of thread-local instructions): "
                        "slower; a cross-check of the reduction");
  int replay_runs = 200;
  explore_cmd->add_option("--replay-runs", replay_runs,
                          "timed runs tried to turn each counter-example into a replay scenario (0: none)")
      ->check(CLI::NonNegativeNumber);
  explore_cmd->add_option("--max-states", eopts.explore.bounds.max_states, "state bound")->check(CLI::PositiveNumber);
  explore_cmd->add_option("--max-depth", eopts.explore.bounds.max_depth, "depth bound (steps)")->check(CLI::PositiveNumber);
  explore_cmd->add_option("--max-memory", eopts.explore.bounds.max_memory_mb,
                          "memory bound: the process's resident set, MB (default half the RAM, at most 12000)")
      ->check(CLI::PositiveNumber);
  explore_cmd->add_option("--max-seconds", eopts.explore.bounds.max_seconds, "time bound (s)")->check(CLI::PositiveNumber);
  CLI::App* sweep_cmd = app.add_subcommand("sweep", "timed runs of a scenario over a grid of values and jitter: "
                                                    "the windows where each violation occurs");
  sweep::Options sopts;
  sweep_cmd->add_option("scenario", sopts.file, "scenario JSON file")->required();
  sweep_cmd->add_option("--out", sopts.out_dir, "output folder (default out/<scenario name>-sweep)");
  one_per_flag(sweep_cmd->add_option("--set", sopts.sets, "override a scenario value: PATH=VALUE"));
  one_per_flag(sweep_cmd->add_option("--vary", sopts.vary, "PATH=START:STOP:STEP: a numeric scenario value over a range "
                                              "(several: a grid)"));
  one_per_flag(sweep_cmd->add_option("--jitter", sopts.jitter, "PATH=DIST: drawn per run from uniform(A,B), "
                                                               "normal(MEAN,SD) or [V1,V2,...]; +DIST adds the draw to the value"));
  sweep_cmd->add_option("--samples", sopts.samples, "runs per grid point (jitter draws)")->check(CLI::PositiveNumber);
  sweep_cmd->add_option("--seed", sopts.seed, "the jitter draws' seed");
  one_per_flag(sweep_cmd->add_option("--when", sopts.when, "'PATH OP VALUE': a condition on the report to find the windows of "
                                              "(e.g. 'interference.nohz_full_total.cycles_lost > 5000')"));
  sweep_cmd->add_flag("--edges", sopts.edges, "bisect between the grid's points to every window edge (exact "
                                              "bounds from a coarse grid)");
  sweep_cmd->add_option("--jobs,-j", sopts.jobs, "worker processes")->check(CLI::PositiveNumber);
  sweep_cmd->add_option("--shard", sopts.shard, "K/N: run only the K-th of N disjoint slices (isolsim merge "
                                                "combines them)");
  sweep_cmd->add_flag("--resume", sopts.resume, "keep the runs the output folder's runs.jsonl has, run the rest");
  bool no_progress = false;
  sweep_cmd->add_flag("--no-progress", no_progress, "no progress bar (none is drawn unless stderr is a terminal)");
  CLI::App* merge_cmd = app.add_subcommand("merge", "combine the output folders of a sweep's shards");
  std::vector<std::string> merge_dirs;
  std::string merge_out;
  merge_cmd->add_option("shards", merge_dirs, "the shards' output folders")->required();
  merge_cmd->add_option("--out", merge_out, "output folder (default out/merged-sweep)");
  CLI::App* bench_cmd = app.add_subcommand("bench", "run a regression suite and compare it with its baseline: "
                                                    "exact for correctness figures, within a tolerance for performance");
  bench::Options bopts;
  bench_cmd->add_option("suite", bopts.suite, "a folder of scenarios and litmus tests, or a JSON list of cases")->required();
  bench_cmd->add_option("--baseline", bopts.baseline, "the baseline file (default: the suite's baseline.json)");
  bench_cmd->add_flag("--update-baseline", bopts.update, "record this run's results as the baseline");
  bench_cmd->add_option("--junit", bopts.junit, "also write JUnit XML (one test case per suite case) to this file");
  bench_cmd->add_flag("--tap", bopts.tap, "print TAP instead of the table of changes");
  bench_cmd->add_option("--jobs,-j", bopts.jobs, "worker processes")->check(CLI::PositiveNumber);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int rc = app.exit(e);
    return rc == 0 ? 0 : 2;
  }
  if (bench_cmd->parsed()) {
    try {
      return bench::bench_command(bopts, std::cout);
    } catch (const scenario::InputError& e) {
      std::cerr << "isolsim: " << e.what() << "\n";
      return 2;
    }
  }
  if (sweep_cmd->parsed() || merge_cmd->parsed()) {
    sopts.progress = !no_progress;
    try {
      return sweep_cmd->parsed() ? sweep::sweep_command(sopts, std::cout)
                                 : sweep::merge_command(merge_dirs, merge_out, std::cout);
    } catch (const scenario::InputError& e) {
      std::cerr << "isolsim: " << e.what() << "\n";
      return 2;
    }
  }
  if (explore_cmd->parsed()) {
    // From here: reading and assembling the input count against --max-seconds too.
    explore::Budget budget(eopts.explore.bounds.max_seconds, eopts.explore.bounds.max_memory_mb);
    eopts.explore.budget = &budget;
    eopts.tso = memory_model == "tso";
    eopts.explore.depth_first = search == "dfs";
    const std::string& efile = efiles.front();
    if (std::any_of(efiles.begin(), efiles.end(), is_litmus)) {
      if (!std::all_of(efiles.begin(), efiles.end(), is_litmus)) {
        std::cerr << "isolsim: explore takes one scenario file, or litmus tests (.litmus) only\n";
        return 2;
      }
      for (const char* scenario_only : {"--set", "--first", "--replay-runs", "--all", "--all-max"})
        if (explore_cmd->count(scenario_only)) {
          std::cerr << "isolsim: " << scenario_only << " applies to scenario files, not to litmus tests\n";
          return 2;
        }
      if (memory_model == "x86tso.cat")
        for (const char* machine_only : {"--unreduced", "--search", "--max-depth"})
          if (explore_cmd->count(machine_only)) {
            std::cerr << "isolsim: " << machine_only << " applies to the explorer's machine, not to --memory-model "
                      << "x86tso.cat (which enumerates candidate executions: --max-states, --max-seconds, "
                      << "--max-memory)\n";
            return 2;
          }
      return cli::litmus_command(efiles, eopts, memory_model == "x86tso.cat", eopts.out_dir);
    }
    if (efiles.size() > 1) {
      std::cerr << "isolsim: explore takes one scenario file, or litmus tests (.litmus) only\n";
      return 2;
    }
    if (memory_model == "x86tso.cat") {
      std::cerr << "isolsim: --memory-model x86tso.cat applies to litmus tests only; scenarios run on the "
                   "x86-TSO machine (tso) or under sc\n";
      return 2;
    }
    try {
      return explore_command(efile, esets, eopts, replay_runs);
    } catch (const scenario::InputError& e) {
      std::cerr << "isolsim: " << e.what() << "\n";
      return 2;
    }
  }
  opts.event_log = log == "all";
  opts.run_ahead = !no_run_ahead;
  try {
    noise.show = noise.show || run_cmd->count("-c") || run_cmd->count("--by");
    return run_command(file, sets, opts, stats, noise);
  } catch (const scenario::InputError& e) {
    std::cerr << "isolsim: " << e.what() << "\n";
    return 2;
  }
}
