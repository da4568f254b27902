#include "runner.h"

#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <memory>
#include <sstream>

#include "models/hw/platform.h"
#include "sim/scenario/scenario_image.h"
#include "sim/report/timeline.h"
#include "sim/run/wall_clock_bound.h"
#include "sim/run/recorder.h"
#include "sim/run/report_json.h"

namespace run {

namespace {

hw::Topology make_topology(const scenario::JsonDoc& doc, const scenario::Scenario& s) {
  const scenario::TopologySpec& t = s.topology;
  try {
    if (t.preset == "sockets") return hw::Topology::sockets(s.cpus, t.cpus_per_socket, t.hop, t.cross);
    if (t.preset == "graph") {
      std::vector<hw::TopologyNode> nodes;
      for (const auto& n : t.nodes) nodes.push_back({n});
      std::vector<hw::TopologyLink> links;
      for (const auto& l : t.links) links.push_back({l.a, l.b, l.cycles});
      return hw::Topology(s.cpus, nodes, links);
    }
    return hw::Topology::flat(s.cpus, t.hop);
  } catch (const std::invalid_argument& e) {
    doc.fail("/platform/topology", e.what());
  }
}

// Writes `p` with `write(stream)`: straight to the file, the big outputs never whole in memory.
template <class Write>
void write_file(const std::filesystem::path& p, Write write) {
  std::ofstream out(p, std::ios::binary);
  write(out);
  if (!out.flush()) throw scenario::InputError(p.string() + ": cannot write");
}

// The process's SystemC platform, once elaborated. Never destroyed: at exit SystemC's kernel goes
// first, and worker processes leave with _exit() anyway.
hw::Platform*& process_platform() {
  static hw::Platform* p = nullptr;
  return p;
}

}  // namespace

Outcome run_timed(const scenario::JsonDoc& doc, const scenario::Scenario& s, const Options& opts) {
  const auto t0 = std::chrono::steady_clock::now();
  scenario::ScenarioImage si = scenario::build_scenario_image(doc, s);
  const isa::Image& img = si.img();
  // A path that can name nothing is a typo: said before simulating, not after.
  if (!s.expect.empty()) check_paths(doc, s.expect, shape_of(s, img, si.memory));

  hw::PlatformConfig pc;
  pc.clock_mhz = s.clock_mhz;
  pc.topology = make_topology(doc, s);
  pc.costs = s.costs;
  pc.memory = std::move(si.memory);
  pc.end_cycle = s.run_cycles;
  pc.max_instructions = s.max_instructions;
  pc.run_ahead = opts.run_ahead;
  for (const scenario::DeviceInterrupt& d : scenario::device_interrupts(s))
    pc.device_irqs.push_back({d.cycle, d.cpu, static_cast<std::uint8_t>(d.vector)});
  const std::uint64_t tick = scenario::tick_cycles(s);
  const std::uint64_t residual = scenario::residual_tick_cycles(s);
  for (std::uint32_t c = 0; c < s.cpus; ++c) {
    pc.tasks.push_back(si.tasks[c]);
    hw::TimerSetup t;
    if (s.nohz_full[c]) {
      // The tick is stopped; the residual tick runs from the TSC deadline the handler re-arms.
      t.first = residual;
      pc.memory[img.address("tick.period", {c})] = residual;
      pc.memory[img.address("tick.next", {c})] = residual;
    } else {
      t.first = tick;  // periodic, aligned on every housekeeping CPU (skew_tick=0)
      t.period = tick;
      pc.memory[img.address("lapic.periodic", {c})] = tick != 0;
    }
    pc.timers.push_back(t);
    pc.nmi_periods.push_back(s.nmi_watchdog.cpus[c] ? s.nmi_watchdog.period : 0);
  }

  const std::filesystem::path dir(opts.out_dir);
  std::ofstream log;
  if (!opts.out_dir.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec) throw scenario::InputError(opts.out_dir + ": cannot create the output folder: " + ec.message());
    if (opts.event_log) {
      log.open(dir / "events.log", std::ios::binary);
      if (!log) throw scenario::InputError((dir / "events.log").string() + ": cannot write");
    }
  }
  Recorder rec(img, s.cpus, s.nohz_full, pc.memory, log.is_open() ? &log : nullptr);
  std::ofstream ftrace;
  if (!opts.ftrace.empty()) {
    ftrace.open(opts.ftrace, std::ios::binary);  // opened before the run: a bad path costs no simulation
    if (!ftrace) throw scenario::InputError(opts.ftrace + ": cannot write");
    rec.enable_ftrace(s.clock_mhz, ftrace);
  }
  std::ofstream svg;
  std::uint64_t svg_from = 0, svg_to = 0;
  if (!opts.svg_window.empty()) {
    unsigned long long a = 0, b = 0;
    char rest = 0;
    if (std::sscanf(opts.svg_window.c_str(), "%llu:%llu%c", &a, &b, &rest) != 2 || a >= b ||
        opts.svg_window.find('-') != std::string::npos)
      throw scenario::InputError("--svg-window: '" + opts.svg_window + "' is not FROM:TO, two cycles with FROM < TO");
    svg_from = a;
    svg_to = b;
  }
  if (!opts.svg.empty()) {
    svg.open(opts.svg, std::ios::binary);
    if (!svg) throw scenario::InputError(opts.svg + ": cannot write");
  }
  hw::Observer* obs = opts.record ? &rec : nullptr;
  const bool keep = opts.reuse && opts.max_seconds <= 0 && !opts.elaborate_only;
  std::unique_ptr<hw::Platform> own;
  hw::Platform*& kept = process_platform();
  if (kept) {
    if (!keep || !kept->can_reset(pc)) throw NeedsNewProcess();
    kept->reset(img, std::move(pc), obs);
  } else {
    own = std::make_unique<hw::Platform>(img, std::move(pc), obs);
    if (keep) kept = own.release();
  }
  hw::Platform& platform = own ? *own : *kept;
  const std::uint64_t period_ps = platform.period_ps();
  std::unique_ptr<WallClockBound> bound;
  if (opts.max_seconds > 0)
    bound = std::make_unique<WallClockBound>(
        "wall_clock_bound", t0 + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                                     std::chrono::duration<double>(opts.max_seconds)),
        sc_core::sc_time::from_value(period_ps * std::max<std::uint64_t>(100'000, s.run_cycles / 4096)));
  if (opts.elaborate_only) return {};
  const auto r0 = std::chrono::steady_clock::now();
  if (!platform.run()) throw scenario::InputError(s.file + ": the simulation stopped: " + platform.fault());
  const double run_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - r0).count();

  Outcome out;
  out.run_seconds = run_seconds;
  out.instructions = platform.instructions();
  // Stopped at its bound: everything closes at the cycle reached, as if the run had been that long.
  scenario::Scenario ran = s;
  if (bound && bound->reached()) {
    ran.run_cycles = std::min<std::uint64_t>(s.run_cycles, bound->at().value() / period_ps);
    char text[160];
    std::snprintf(text, sizeof text, "time bound (%g s) reached at cycle %llu of %llu", opts.max_seconds,
                  static_cast<unsigned long long>(ran.run_cycles), static_cast<unsigned long long>(s.run_cycles));
    out.bound = text;
  }
  rec.finish(ran.run_cycles, s.clock_mhz);
  out.report = build_report(ran, img, rec, platform.instructions(), platform.ipis(), platform.memory());
  if (!out.bound.empty()) out.report["run"]["bound"] = out.bound;
  else out.expectations = check(doc, s.expect, out.report);
  nlohmann::ordered_json ex = nlohmann::ordered_json::array();
  for (const ExpectResult& r : out.expectations)
    ex.push_back({{"expect", r.text}, {"actual", r.actual}, {"ok", r.ok}});
  out.report["expect"] = ex;

  if (!opts.out_dir.empty()) {
    write_file(dir / "report.json", [&](std::ostream& o) { o << std::setw(2) << out.report << "\n"; });
  }
  if (ftrace.is_open() && !ftrace.flush()) throw scenario::InputError(opts.ftrace + ": cannot write");
  if (svg.is_open()) {
    report::write_svg_timeline(rec.timeline(), svg, svg_from, svg_to);
    if (!svg.flush()) throw scenario::InputError(opts.svg + ": cannot write");
  }
  if (!opts.out_dir.empty() && opts.waveforms) {
    write_file(dir / "context.vcd", [&](std::ostream& o) { report::write_vcd(rec.timeline(), o); });
    write_file(dir / "trace.json", [&](std::ostream& o) { report::write_chrome_trace(rec.timeline(), o); });
  }
  out.wall_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return out;
}

}  // namespace run
