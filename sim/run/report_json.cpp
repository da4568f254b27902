#include "report_json.h"

#include <algorithm>
#include <map>
#include <set>

namespace run {

using J = nlohmann::ordered_json;

std::string request_name(std::uint64_t r) {
  return "R" + std::to_string(r >> 32) + "." + std::to_string(r & 0xffffffffu);
}

const std::vector<std::pair<std::string, std::string>>& violation_counters() {
  static const std::vector<std::pair<std::string, std::string>> table = {
      {"double_execution", "deferral.double_executions"}, {"lost_work", "deferral.lost"},
      {"deferred_to_kernel", "deferral.deferred_to_kernel"}, {"late_work", "deferral.late"},
      {"spurious_work", "deferral.unattributed"}, {"kernel_warning", "deferral.kernel_warnings"},
      {"deferred_in_idle_code", "deferral.in_idle_code"}};
  return table;
}

std::string violation_counter(const std::string& kind) {
  for (const auto& [k, path] : violation_counters())
    if (k == kind) return path;
  return "";
}

namespace {

// Deliveries listed one by one: every anomaly, and the rest only for small runs.
constexpr std::size_t kListedDeliveries = 64;

J delivery_json(const kernel::Delivery& d) {
  J ex = J::array();
  for (const kernel::Execution& x : d.executions)
    ex.push_back({{"cycle", x.cycle}, {"path", x.deferred ? "deferred" : "ipi"}});
  return {{"request", request_name(d.request)}, {"sender", d.sender}, {"target", d.target},
          {"requested", d.requested}, {"decision", kernel::decision_name(kernel::decision(d))},
          {"outcome", kernel::outcome_name(kernel::outcome(d))}, {"late", kernel::late(d)},
          {"deferred_to_kernel", kernel::deferred_to_kernel(d)},
          {"in_idle_code", d.in_idle_code && kernel::decision(d) == kernel::Decision::Deferred}, {"executions", ex}};
}

}  // namespace

J build_report(const scenario::Scenario& s, const isa::Image& img, const Recorder& rec,
               std::uint64_t instructions, std::uint64_t ipis, const std::vector<isa::Word>& final_memory) {
  J r;
  J nohz = J::array();
  for (std::uint32_t c = 0; c < s.cpus; ++c)
    if (s.nohz_full[c]) nohz.push_back(c);
  r["scenario"] = {{"name", s.name}, {"protocol", s.protocol}, {"cpus", s.cpus},
                   {"nohz_full", nohz}, {"seed", s.seed}};
  r["run"] = {{"cycles", s.run_cycles}, {"clock_mhz", s.clock_mhz},
              {"instructions", instructions}, {"ipis_sent", ipis}, {"events", rec.events()}};

  J cpus = J::array();
  J total = {{"interrupts_in_user", 0}, {"ipis_in_user", 0}, {"cycles_lost", 0}, {"worst_cycles", 0}};
  for (std::uint32_t c = 0; c < s.cpus; ++c) {
    const CpuInterference& ci = rec.interference()[c];
    J causes = J::object();
    for (const auto& [name, cause] : ci.by_cause) causes[name] = {{"count", cause.count}, {"cycles", cause.cycles}};
    cpus.push_back({{"cpu", c}, {"nohz_full", ci.nohz_full}, {"interrupts_in_user", ci.interrupts_in_user},
                    {"ipis_in_user", ci.ipis_in_user}, {"cycles_lost", ci.cycles_lost},
                    {"worst_cycles", ci.worst_cycles}, {"worst_at", ci.worst_at}, {"by_cause", causes},
                    {"idle_cycles", ci.idle_cycles}, {"nmis", ci.nmis}});
    const CpuInterference::Isolated& w = ci.while_nohz_full;
    total["interrupts_in_user"] = total["interrupts_in_user"].get<std::uint64_t>() + w.interrupts_in_user;
    total["ipis_in_user"] = total["ipis_in_user"].get<std::uint64_t>() + w.ipis_in_user;
    total["cycles_lost"] = total["cycles_lost"].get<std::uint64_t>() + w.cycles_lost;
    total["worst_cycles"] = std::max(total["worst_cycles"].get<std::uint64_t>(), w.worst_cycles);
  }
  r["interference"] = {{"nohz_full_total", total}, {"cpus", cpus}};
  r["nohz_full"] = nohz_full_section(s, rec);
  r["tasks"] = tasks_section(rec.timeline());
  if (s.task_isolation) r["task_isolation"] = rec.isolation().section(s.run_cycles);
  r["noise"] = noise_section(s, rec);

  r["deferral"] = deferral_section(rec.ledger());
  r["memory"] = memory_section(img, final_memory);
  return r;
}

J noise_section(const scenario::Scenario& s, const Recorder& rec) {
  const NoiseAccount& n = rec.noise();
  auto counts = [](const CallbackCount& k) {
    return J{{"ipi", k.ipi}, {"deferred", k.deferred}, {"skipped", k.skipped}, {"blocked", k.blocked}};
  };
  J cpus = J::array();
  for (std::uint32_t c = 0; c < s.cpus; ++c) {
    const CpuNoise& cn = n.cpus()[c];
    auto episode = [](const Noise& e) {
      return J{{"start", e.start}, {"cycles", e.cycles}, {"class", e.cls}, {"vector", e.vector},
               {"vector_name", vector_name(e.vector)}, {"callbacks", e.callbacks},
               {"sender", e.sender == -2 ? J("device") : e.sender == -1 ? J("local") : J(e.sender)},
               {"callsite", e.callsite}};
    };
    std::vector<Noise> longest = cn.longest;
    std::sort(longest.begin(), longest.end(), [](const Noise& a, const Noise& b) { return a.start < b.start; });
    J eps = J::array();
    for (const Noise& e : longest) eps.push_back(episode(e));
    J kinds = J::array();
    for (const auto& [key, k] : cn.kinds) {
      J row = episode(k.sample);
      row.erase("start");
      row.erase("cycles");
      row["count"] = k.count;
      row["cycles"] = k.cycles;
      row["max_cycles"] = k.sample.cycles;
      kinds.push_back(std::move(row));
    }
    const CpuInterference& ci = rec.interference()[c];
    auto stays = [](const CpuInterference::Stays& st) { return J{{"count", st.count}, {"cycles", st.cycles}}; };
    J cost = {{"syscalls_flushing", stays(ci.syscall_flushing)}, {"syscalls_other", stays(ci.syscall_plain)},
              {"interrupts_flushing", stays(ci.interrupt_flushing)}, {"interrupts_other", stays(ci.interrupt_plain)}};
    J aimed = J::object();
    for (const auto& [cb, k] : n.aimed_at(c)) aimed[cb] = counts(k);
    cpus.push_back({{"cpu", c}, {"nohz_full", ci.nohz_full}, {"hw", cn.hw}, {"nmi", cn.nmi}, {"irq", cn.irq},
                    {"softirq", cn.softirq}, {"thread", cn.thread}, {"episodes", cn.episodes},
                    {"by_kind", std::move(kinds)}, {"listed", std::move(eps)}, {"kernel_stays", std::move(cost)},
                    {"aimed_at", std::move(aimed)}});
  }
  J by_cb = J::object();
  for (const auto& [cb, k] : n.by_callback()) by_cb[cb] = counts(k);
  J by_sender = J::array();
  for (const auto& [key, k] : n.by_sender()) {
    J row = {{"sender", key.first}, {"callback", key.second}};
    row.update(counts(k));
    by_sender.push_back(row);
  }
  const BlockInterference& b = n.block_interference();
  J blocked = J::array();
  for (std::uint32_t c = 0; c < b.mask.size(); ++c)
    if (b.mask[c]) blocked.push_back(c);
  J calls = J::object();
  for (const auto& [call, results] : n.syscalls())
    for (const auto& [result, count] : results) calls[call][result] = count;
  return {{"cpus", std::move(cpus)},
          {"to_isolated", {{"by_callback", std::move(by_cb)}, {"by_sender", std::move(by_sender)}}},
          {"block_interference", {{"writes", b.writes}, {"blocked", blocked}, {"ipis_to_blocked", b.ipis_to_blocked}}},
          {"syscalls", calls}};
}

// Seed 001: the nohz_full CPUs at each point of the run, from boot through every switch
J nohz_full_section(const scenario::Scenario& s, const Recorder& rec) {
  std::vector<bool> now = s.nohz_full;
  auto cpus_of = [&] {
    J list = J::array();
    for (std::uint32_t c = 0; c < s.cpus; ++c)
      if (now[c]) list.push_back(c);
    return list;
  };
  J timeline = J::array({{{"from", 0}, {"cpus", cpus_of()}}});
  J switches = J::array();
  std::vector<std::uint64_t> cycles(s.cpus, 0), since(s.cpus, 0);
  for (const NohzFullSwitch& sw : rec.noise().nohz_full_switches()) {
    switches.push_back({{"cycle", sw.cycle}, {"cpu", sw.cpu}, {"on", sw.on}});
    if (now[sw.cpu] == sw.on) continue;
    if (!sw.on) cycles[sw.cpu] += sw.cycle - since[sw.cpu];
    since[sw.cpu] = sw.cycle;
    now[sw.cpu] = sw.on;
    if (timeline.back()["from"] == sw.cycle) timeline.back()["cpus"] = cpus_of();
    else timeline.push_back({{"from", sw.cycle}, {"cpus", cpus_of()}});
  }
  J per_cpu = J::object();
  for (std::uint32_t c = 0; c < s.cpus; ++c) {
    if (now[c]) cycles[c] += s.run_cycles - std::min(since[c], s.run_cycles);
    if (cycles[c]) per_cpu[std::to_string(c)] = cycles[c];
  }
  // The entry variant's price: TIF_NOHZ sends every task's system calls down the slow path,
  // housekeeping CPUs included, so the figure to compare between runs is every CPU's syscalls.
  std::uint64_t calls = 0, call_cycles = 0;
  for (const CpuInterference& ci : rec.interference()) {
    calls += ci.syscall_flushing.count + ci.syscall_plain.count;
    call_cycles += ci.syscall_flushing.cycles + ci.syscall_plain.cycles;
  }
  return {{"runtime", s.nohz_full_runtime}, {"entry", s.context_tracking_entry}, {"timeline", timeline},
          {"switches", switches}, {"at_end", cpus_of()}, {"cycles", per_cpu},
          {"syscalls", {{"count", calls}, {"cycles", call_cycles}}}};
}

// Each task's stays on CPUs (the trace's task tracks), summed: how often and how long it ran where.
J tasks_section(const report::Timeline& t) {
  struct Sum { std::uint64_t runs = 0, cycles = 0; std::set<std::uint32_t> cpus; };
  std::map<std::string, Sum> sums;
  for (const report::TaskRun& r : t.task_runs) {
    Sum& s = sums[r.task];
    ++s.runs;
    s.cycles += r.to - r.from;
    s.cpus.insert(r.cpu);
  }
  J out = J::object();
  for (const auto& [task, s] : sums) out[task] = {{"runs", s.runs}, {"cycles", s.cycles}, {"cpus", s.cpus}};
  return out;
}

J deferral_section(const kernel::DeferralLedger& ledger) {
  const kernel::LedgerSummary l = ledger.summary();
  J hist = J::object();
  for (const auto& [n, count] : l.executions_per_delivery) hist[std::to_string(n)] = count;
  J listed = J::array();
  const auto all = ledger.deliveries();
  for (const kernel::Delivery* d : all) {
    const kernel::Outcome o = kernel::outcome(*d);
    const bool anomaly = o == kernel::Outcome::Double || o == kernel::Outcome::Lost || kernel::late(*d) ||
                         kernel::deferred_to_kernel(*d);
    if (anomaly || all.size() <= kListedDeliveries) listed.push_back(delivery_json(*d));
  }
  return {{"requests", l.requests}, {"deliveries", l.deliveries}, {"deferred", l.deferred},
          {"ipi", l.ipi}, {"flushed_on_entry", l.flushed_on_entry},
          {"ipi_executions", l.ipi_executions}, {"double_executions", l.double_executions},
          {"lost", l.lost}, {"late", l.late}, {"deferred_to_kernel", l.deferred_to_kernel},
          {"in_idle_code", l.in_idle_code},
          {"pending", l.pending}, {"in_flight", l.in_flight}, {"unattributed", l.unattributed},
          {"kernel_warnings", l.kernel_warnings},
          {"executions_per_delivery", hist}, {"deliveries_listed", listed}};
}

// Final values of the scenario's own variables (litmus-style scenarios read their results here);
// not the kernel's, nor those the workload and sources generate (named "__...").
J memory_section(const isa::Image& img, const std::vector<isa::Word>& memory) {
  J out = J::object();
  for (const isa::Variable& v : img.variables) {
    if (v.file.rfind("models/", 0) == 0 || v.name.rfind("__", 0) == 0) continue;
    if (v.percpu || !v.dims.empty()) {
      J values = J::array();
      const isa::Word copies = v.percpu ? img.ncpus : 1;
      for (isa::Word c = 0; c < copies; ++c)
        for (isa::Word i = 0; i < v.size; ++i) values.push_back(memory[v.base + c * img.percpu_area + i]);
      out[v.name] = values;
    } else {
      out[v.name] = memory[v.base];
    }
  }
  return out;
}

}  // namespace run
