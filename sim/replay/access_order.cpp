// Conflicting-access orders, from explore.json steps and from events.log lines.
#include "sim/replay/access_order.h"

#include <algorithm>
#include <map>
#include <set>
#include <sstream>

namespace replay {
namespace {

constexpr std::uint32_t kNoTwin = ~std::uint32_t(0);

// "func+pc (file:line)" -> "func+pc"
std::string instruction_of(const std::string& at) { return at.substr(0, at.find(' ')); }

bool observable_op(const std::string& op) {
  // Instructions without a memory operand, or whose access no other CPU sees, are not accesses.
  return op != "store (buffered)" && op != "syscall" && op != "sysret" &&
         op != "iret" && op != "wrmsr" && op != "rdmsr";
}

}  // namespace

PerCpu counterexample_accesses(const nlohmann::json& steps, bool sc, std::uint32_t cpus) {
  PerCpu out(cpus);
  std::uint64_t i = 0;
  for (const auto& st : steps) {
    const std::uint64_t order = i++;
    const auto cpu = st.value("cpu", 0u);
    if (cpu >= cpus || !st.contains("addr")) continue;
    Access a;
    a.addr = st["addr"].get<std::string>();
    a.order = order;
    const std::string kind = st.value("kind", "");
    if (kind == "drain") {
      a.write = true;
      a.drain = true;
    } else if (kind == "exec") {
      const std::string op = st.value("op", "");
      if (op == "store" && !sc) continue;  // visible when it drains
      a.write = op != "load";
      a.at = instruction_of(st.value("at", ""));
    } else {
      continue;
    }
    out[cpu].push_back(std::move(a));
  }
  return out;
}

PerCpu timed_accesses(const std::string& events_log, std::uint32_t cpus) {
  // "%12llu  cpu%-3u %-20s TEXT [at]" (Recorder::line)
  PerCpu out(cpus);
  std::istringstream in(events_log);
  std::string line;
  std::uint64_t n = 0;
  static const char* const kTwoWord[] = {"store (buffered)", "store drained", "cmpxchg FAILED", "load (forwarded)"};
  while (std::getline(in, line)) {
    const std::uint64_t order = n++;
    std::istringstream f(line);
    std::uint64_t cycle = 0;
    std::string cpu_field;
    if (!(f >> cycle >> cpu_field) || cpu_field.rfind("cpu", 0) != 0) continue;
    const auto cpu = static_cast<std::uint32_t>(std::stoul(cpu_field.substr(3)));
    if (cpu >= cpus) continue;
    std::string rest;
    std::getline(f, rest);
    rest.erase(0, rest.find_first_not_of(' '));
    std::string op;
    for (const char* two : kTwoWord)
      if (rest.rfind(two, 0) == 0) op = two;
    if (op.empty()) op = rest.substr(0, rest.find(' '));
    if (!observable_op(op)) continue;
    std::string text = rest.substr(op.size());
    text.erase(0, text.find_first_not_of(' '));
    const std::size_t end = text.find_first_of(" :");
    const std::string addr = text.substr(0, end);
    // Access lines name an address and then ":" (read-modify-write, drain), " =" (load)
    if (end == std::string::npos || addr.empty()) continue;
    const bool rmw = text[end] == ':';
    const bool load = text.compare(end, 3, " = ") == 0;
    if (!rmw && !load) continue;
    Access a;
    a.addr = addr;
    a.write = rmw;
    a.drain = op == "store drained";
    a.forwarded = op == "load (forwarded)";
    a.cycle = cycle;
    a.order = order;
    const std::size_t open = text.rfind(" [");
    if (op != "store drained" && open != std::string::npos) a.at = instruction_of(text.substr(open + 2));
    out[cpu].push_back(std::move(a));
  }
  return out;
}

Comparison compare(const PerCpu& ce, const PerCpu& timed) {
  Comparison c;
  c.all_matched = true;
  const std::size_t cpus = ce.size();
  c.matched.assign(cpus, 0);
  c.twin.resize(cpus);
  // Words the counter-example never touches (loads of constants it folded away, say) order
  // nothing in it: they are skipped in the timed run.
  std::set<std::string> named;
  for (const auto& per_cpu : ce)
    for (const Access& a : per_cpu) named.insert(a.addr);
  const std::vector<Access> none;
  for (std::size_t cpu = 0; cpu < cpus; ++cpu) {
    const auto& a = ce[cpu];
    const auto& b = cpu < timed.size() ? timed[cpu] : none;
    c.twin[cpu].assign(a.size(), kNoTwin);
    for (const bool drains : {false, true}) {
      std::size_t j = 0;
      for (std::size_t i = 0; i < a.size(); ++i) {
        if (a[i].drain != drains) continue;
        while (j < b.size() && (b[j].drain != drains || !named.count(b[j].addr))) ++j;
        if (j >= b.size() || a[i].addr != b[j].addr || a[i].write != b[j].write || a[i].at != b[j].at) break;
        c.twin[cpu][i] = static_cast<std::uint32_t>(j++);
        ++c.matched[cpu];
      }
    }
    if (c.matched[cpu] < a.size()) c.all_matched = false;
  }
  // Matched accesses by address, in the counter-example's order.
  struct Ref { std::uint64_t order; std::uint32_t cpu, idx; };
  std::map<std::string, std::vector<Ref>> by_addr;
  for (std::uint32_t cpu = 0; cpu < cpus; ++cpu)
    for (std::uint32_t i = 0; i < ce[cpu].size(); ++i) {
      const std::uint32_t t = c.twin[cpu][i];
      // A load its own store buffer served is not ordered against other CPUs.
      if (t != kNoTwin && !timed[cpu][t].forwarded) by_addr[ce[cpu][i].addr].push_back({ce[cpu][i].order, cpu, i});
    }
  std::vector<std::pair<std::uint64_t, Pair>> pairs;  // keyed by b's order, then a's
  for (auto& [addr, refs] : by_addr) {
    std::sort(refs.begin(), refs.end(), [](const Ref& x, const Ref& y) { return x.order < y.order; });
    for (std::size_t j = 0; j < refs.size(); ++j)
      for (std::size_t i = 0; i < j; ++i) {
        const Ref& x = refs[i];
        const Ref& y = refs[j];
        if (x.cpu == y.cpu || !(ce[x.cpu][x.idx].write || ce[y.cpu][y.idx].write)) continue;
        pairs.push_back({y.order * 1'000'000 + x.order, {x.cpu, c.twin[x.cpu][x.idx], y.cpu, c.twin[y.cpu][y.idx], x.idx, y.idx}});
      }
  }
  std::sort(pairs.begin(), pairs.end(), [](const auto& x, const auto& y) { return x.first < y.first; });
  for (const auto& [key, p] : pairs) {
    if (c.first_violated < 0 && timed[p.cpu_a][p.idx_a].order > timed[p.cpu_b][p.idx_b].order)
      c.first_violated = static_cast<int>(c.pairs.size());
    c.pairs.push_back(p);
  }
  return c;
}

int pairs_broken(const Comparison& c, const PerCpu& timed, std::uint32_t cpu, std::int64_t delay, int limit) {
  int broken = 0;
  for (int i = 0; i < limit && i < static_cast<int>(c.pairs.size()); ++i) {
    const Pair& p = c.pairs[i];
    const Access& a = timed[p.cpu_a][p.idx_a];
    const Access& b = timed[p.cpu_b][p.idx_b];
    if (a.order > b.order) continue;  // already out of order
    const auto slack = static_cast<std::int64_t>(b.cycle) - static_cast<std::int64_t>(a.cycle);
    if (p.cpu_a == cpu && delay >= slack) ++broken;       // a moves past b
    if (p.cpu_b == cpu && -delay >= slack) ++broken;      // b moves before a
  }
  return broken;
}

}  // namespace replay
