#include "sim/sweep/sweep.h"

#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>

#include "sim/scenario/scenario.h"
#include "sim/run/report_shape.h"
#include "sim/scenario/scenario_image.h"
#include "sim/sweep/progress.h"
#include "sim/sweep/runs_file.h"
#include "sim/sweep/sweep_plan.h"
#include "sim/sweep/sweep_run.h"
#include "sim/sweep/sweep_svg.h"
#include "sim/sweep/windows.h"
#include "sim/workers/workers.h"

namespace sweep {
namespace fs = std::filesystem;
namespace {

using J = nlohmann::ordered_json;

// "K/N" -> (K, N), 1 <= K <= N.
std::pair<std::uint64_t, std::uint64_t> parse_shard(const std::string& s) {
  const auto slash = s.find('/');
  std::uint64_t k = 0, n = 0;
  try {
    std::size_t a = 0, b = 0;
    if (slash == std::string::npos) throw std::invalid_argument("");
    k = std::stoull(s.substr(0, slash), &a);
    n = std::stoull(s.substr(slash + 1), &b);
    if (a != slash || b != s.size() - slash - 1) throw std::invalid_argument("");
  } catch (const std::exception&) {
    throw scenario::InputError("--shard " + s + ": expected K/N, e.g. 1/4");
  }
  if (n == 0 || k == 0 || k > n) throw scenario::InputError("--shard " + s + ": K must be 1 to N");
  return {k, n};
}

std::set<std::string> occurs_of(const std::string& line) {
  const J j = J::parse(line);
  std::set<std::string> out;
  if (j.contains("error")) out.insert("(error)");
  else
    for (const auto& c : j["occurs"]) out.insert(c.get<std::string>());
  return out;
}

// One round of bisection: between every two neighbouring points of a row (the first varied value
// changing, the others fixed) whose runs showed different conditions and lie more than one apart,
// the point halfway. Sorted, so that rounds number their runs the same way every time.
std::vector<std::vector<double>> midpoints(const Plan& plan, const std::map<std::uint64_t, std::string>& lines) {
  std::map<std::vector<double>, std::set<std::string>> points;  // (others..., first) -> conditions
  for (const auto& [run, text] : lines) {
    const J j = J::parse(text);
    std::vector<double> g;
    for (const Vary& v : plan.vary) g.push_back(j["values"][v.path].get<double>());
    std::vector<double> key(g.begin() + 1, g.end());
    key.push_back(g[0]);
    points[key] = occurs_of(text);
  }
  std::vector<std::vector<double>> out;
  for (auto it = points.begin(); it != points.end(); ++it) {
    const auto next = std::next(it);
    if (next == points.end()) break;
    if (!std::equal(it->first.begin(), it->first.end() - 1, next->first.begin())) continue;  // another row
    const double a = it->first.back(), b = next->first.back();
    if (b - a <= 1 || it->second == next->second) continue;
    std::vector<double> m(it->first.begin(), it->first.end() - 1);
    m.insert(m.begin(), std::floor(a + (b - a) / 2));  // back in vary order: first value first
    out.push_back(m);
  }
  return out;
}

std::string error_line(std::uint64_t index, const J& values, const std::string& why) {
  J line;
  line["run"] = index;
  line["values"] = values;
  line["error"] = why;
  return line.dump();
}

void write_outputs(const std::string& dir, const J& header, const std::map<std::uint64_t, std::string>& lines,
                   J& summary) {
  write_runs(dir + "/runs.jsonl", header, lines);
  summary = summarize(header, lines);
  std::ofstream(dir + "/sweep.json", std::ios::binary) << summary.dump(2) << "\n";
  std::ofstream(dir + "/sweep.svg", std::ios::binary) << sweep_svg(header, lines, summary);
}

}  // namespace

int sweep_command(Options opts, std::ostream& out) {
  scenario::JsonDoc base = scenario::JsonDoc::load_file(opts.file);
  for (const std::string& a : opts.sets) base.apply_override(a);
  const scenario::Scenario s = scenario::load_scenario(base);  // bad input stops here, before any run
  Plan plan;
  plan.file = opts.file;
  plan.sets = opts.sets;
  for (const std::string& a : opts.vary) plan.vary.push_back(parse_vary(a, base));
  for (const std::string& a : opts.jitter) plan.jitter.push_back(parse_jitter(a, base));
  for (const std::string& a : opts.when) plan.when.push_back(parse_when(a));
  plan.samples = opts.samples;
  plan.seed = opts.seed;
  if (plan.samples > 1 && plan.jitter.empty())
    throw scenario::InputError("--samples: every sample would be the same run without --jitter (a timed run "
                               "is deterministic)");
  std::uint64_t shard_k = 1, shard_n = 1;
  if (!opts.shard.empty()) std::tie(shard_k, shard_n) = parse_shard(opts.shard);
  if (plan.grid_points() > (std::uint64_t(1) << 40) || plan.samples > 10'000'000 || plan.runs() / shard_n > 10'000'000)  // runs.jsonl is held in memory to be sorted and summarized
    throw scenario::InputError("more than 10,000,000 runs in one process: shard the sweep (--shard K/N)");
  if (opts.edges) {
    if (plan.vary.empty()) throw scenario::InputError("--edges needs a --vary (the edges are in its first path)");
    if (!plan.vary[0].integer)
      throw scenario::InputError("--edges: " + plan.vary[0].path + " takes fractions; edges are bisected to one unit");
    if (!plan.jitter.empty()) throw scenario::InputError("--edges and --jitter: under jitter a window has no sharp edge");
    if (shard_n > 1) throw scenario::InputError("--edges and --shard: bisection needs the whole grid's results");
  }

  if (!plan.when.empty()) {  // a path that can name nothing is a typo: said before any run
    const scenario::ScenarioImage si = scenario::build_scenario_image(base, s);
    const run::ReportShape shape = run::shape_of(s, si.img(), si.memory);
    for (const When& w : plan.when)
      if (const std::string why = run::path_problem(shape, w.path); !why.empty())
        throw scenario::InputError("--when " + w.text + ": " + why + " (see docs/report.md)");
  }

  J def = plan.definition();
  J conds = J::array();
  for (const Condition& c : conditions(plan, s)) conds.push_back({{"name", c.name}, {"what", c.what}});
  def["conditions"] = conds;
  J header;
  header["sweep"] = def;
  if (shard_n > 1) header["shard"] = opts.shard;

  if (opts.out_dir.empty()) opts.out_dir = "out/" + s.name + "-sweep";
  std::error_code ec;
  fs::create_directories(opts.out_dir, ec);
  if (ec) throw scenario::InputError(opts.out_dir + ": cannot create the output folder: " + ec.message());
  const std::string runs_path = opts.out_dir + "/runs.jsonl";

  std::map<std::uint64_t, std::string> lines;
  const bool resuming = opts.resume && fs::exists(runs_path);
  if (resuming) {
    RunsFile f = read_runs(runs_path, true);
    if (f.header != header)
      throw scenario::InputError("--resume: " + runs_path + " holds another sweep (its first line differs from "
                                 "this one's: " + header.dump() + ")");
    lines = std::move(f.lines);
  }
  const std::size_t kept = lines.size();
  RunsAppender append(runs_path, resuming ? nullptr : &header);

  std::vector<std::uint64_t> todo;
  for (std::uint64_t i = shard_k - 1; i < plan.runs(); i += shard_n)
    if (!lines.count(i)) todo.push_back(i);
  // Grid runs' values follow from their number; only bisection runs' are kept.
  std::map<std::uint64_t, J> bisected;
  auto values_of = [&](std::uint64_t i) { return bisected.count(i) ? bisected.at(i) : plan.values(i, base); };
  // Assembled once here: every worker inherits the kernel's tokens and code (isa's memos).
  if (!todo.empty()) scenario::build_scenario_image(base, s);
  {
    Progress bar(lines.size() + todo.size(), lines.size(), opts.progress);
    auto run_all = [&](const std::vector<std::uint64_t>& indices) {
      workers::run_in_workers(
          indices, opts.jobs, [&](std::uint64_t i) { return run_line(base, plan, i, values_of(i)); },
          [&](std::uint64_t i, const std::string& line) {
            append.add(line);
            lines[i] = line;
            bar.tick(!occurs_of(line).empty());
          },
          [&](std::uint64_t i, const std::string& why) { return error_line(i, values_of(i), why); },
          workers::Lifetime::Reused);
    };
    run_all(todo);
    if (opts.edges) {
      // Rounds see the grid and the earlier rounds only, so that a resumed sweep numbers its
      // bisection runs as the first attempt did.
      std::map<std::uint64_t, std::string> known(lines.begin(), lines.lower_bound(plan.runs()));
      std::uint64_t next = plan.runs();
      for (std::vector<std::vector<double>> ms = midpoints(plan, known); !ms.empty(); ms = midpoints(plan, known)) {
        std::vector<std::uint64_t> round;
        for (const std::vector<double>& m : ms) {
          J v = J::object();
          for (std::size_t k = 0; k < plan.vary.size(); ++k) v[plan.vary[k].path] = number(m[k], plan.vary[k].integer);
          const std::uint64_t i = next++;
          if (lines.count(i) && J::parse(lines[i])["values"] != v)
            throw scenario::InputError("--resume: " + runs_path + ": run " + std::to_string(i) +
                                       " bisected other values than this sweep would");
          bisected[i] = v;
          if (!lines.count(i)) round.push_back(i);
        }
        bar.add_total(round.size());
        run_all(round);
        for (std::uint64_t i = next - ms.size(); i < next; ++i) known[i] = lines.at(i);
      }
    }
  }
  J summary;
  write_outputs(opts.out_dir, header, lines, summary);
  out << s.name << " [" << s.protocol << "]: " << summary_text(summary);
  if (resuming) out << "  resumed: " << kept << " runs kept from " << runs_path << ", " << lines.size() - kept << " run\n";
  out << "  outputs in " << opts.out_dir << "/ (runs.jsonl, sweep.json, sweep.svg)\n";
  return summary_exit_code(summary);
}

int merge_command(const std::vector<std::string>& dirs, std::string out_dir, std::ostream& out) {
  J def;
  std::map<std::uint64_t, std::string> lines;
  std::set<std::string> shards;
  for (const std::string& d : dirs) {
    const std::string path = d + "/runs.jsonl";
    RunsFile f = read_runs(path, false);
    if (def.is_null()) def = f.header["sweep"];
    else if (f.header["sweep"] != def)
      throw scenario::InputError(path + ":1: another sweep than " + dirs[0] + "/runs.jsonl's");
    if (f.header.contains("shard") && !shards.insert(f.header["shard"].get<std::string>()).second)
      throw scenario::InputError(path + ":1: shard " + f.header["shard"].get<std::string>() + " given twice");
    for (auto& [run, line] : f.lines)
      if (!lines.emplace(run, std::move(line)).second)
        throw scenario::InputError(path + ": run " + std::to_string(run) + " is in another shard too");
  }
  const std::uint64_t total = def["runs"];
  for (std::uint64_t i = 0; i < total; ++i)
    if (!lines.count(i))
      throw scenario::InputError("merge: run " + std::to_string(i) + " of " + std::to_string(total) +
                                 " is in none of the shards (a shard missing or not finished: --resume it)");
  J header;
  header["sweep"] = def;
  if (out_dir.empty()) out_dir = "out/merged-sweep";
  std::error_code ec;
  fs::create_directories(out_dir, ec);
  if (ec) throw scenario::InputError(out_dir + ": cannot create the output folder: " + ec.message());
  J summary;
  write_outputs(out_dir, header, lines, summary);
  out << "merged " << dirs.size() << " shards: " << summary_text(summary) << "  outputs in " << out_dir
      << "/ (runs.jsonl, sweep.json, sweep.svg)\n";
  return summary_exit_code(summary);
}

}  // namespace sweep
