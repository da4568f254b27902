// Loading and validating a scenario (schema: docs/scenario.md).
#include "sim/scenario/scenario.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <map>
#include <sstream>
#include <stdexcept>
#include <utility>

#include "models/kernel/boot.h"
#include "models/kernel/kernel_sources.h"
#include "sim/scenario/loader.h"

namespace scenario {

using json = nlohmann::json;

namespace {

std::string join(const std::vector<std::string>& items, const std::string& sep = ", ") {
  std::string out;
  for (const auto& s : items) {
    if (!out.empty()) out += sep;
    out += s;
  }
  return out;
}

bool is_digits(const std::string& s) {
  if (s.empty()) return false;
  for (char c : s)
    if (c < '0' || c > '9') return false;
  return true;
}

// "cpu3" -> 3 (no sign, no leading zeros); false if `name` does not name a CPU that way.
bool cpu_vertex(const std::string& name, std::uint64_t& cpu) {
  if (name.size() < 4 || name.compare(0, 3, "cpu") != 0) return false;
  const std::string digits = name.substr(3);
  if (!is_digits(digits) || (digits.size() > 1 && digits[0] == '0') || digits.size() > 18) return false;
  cpu = std::stoull(digits);
  return true;
}

// Named like a CPU vertex ("cpu" followed by digits), as hw::Topology forbids for nodes.
bool looks_like_cpu(const std::string& name) {
  return name.size() > 3 && name.compare(0, 3, "cpu") == 0 && is_digits(name.substr(3));
}

// Reads a whole file; false with errno-style message on failure.
bool read_whole_file(const std::string& path, std::string& text, std::string& error) {
  errno = 0;
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) {
    error = std::strerror(errno ? errno : ENOENT);
    return false;
  }
  text.clear();
  char buf[65536];
  std::size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) text.append(buf, n);
  const bool bad = std::ferror(f);
  const int e = errno;
  std::fclose(f);
  if (bad) {
    error = std::strerror(e ? e : EIO);
    return false;
  }
  return true;
}

std::string dirname_of(const std::string& path) {
  auto slash = path.rfind('/');
  if (slash == std::string::npos) return "";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

class Loader {
 public:
  explicit Loader(const JsonDoc& doc) : doc_(doc) {}

  Scenario load() {
    s_.file = doc_.name();
    ObjectReader root(doc_, "");
    only_keys(root, {"name", "description", "seed", "platform", "kernel", "workload", "sources", "programs", "run",
                     "expect"});
    s_.name = root.get_string("name");
    if (s_.name.empty()) root.fail("name", "must not be empty");
    s_.description = root.get_string("description", "");
    s_.seed = root.get_u64("seed", 1);
    platform(root.object("platform"));
    kernel(root.object("kernel"));
    run(root.object("run"));
    s_.workload = load_workload(doc_, root, s_.cpus, s_.run_cycles);
    for (const CpuWorkload& w : s_.workload) {
      s_.nohz_full_runtime |= calls(w.steps, "nohz_full_write");
      s_.task_isolation |= calls(w.steps, "prctl_task_isolation");
      s_.cpu_opv |= calls(w.steps, "cpu_opv") || calls(w.steps, "sched_setaffinity");
    }
    // task_isolation.s and tif_nohz.s each replace the system-call entry: the pair is not modelled.
    if (s_.task_isolation && s_.context_tracking_entry == "tif_nohz")
      doc_.fail("/kernel/context_tracking_entry",
                "task isolation is modelled with the static-key entry only, got \"tif_nohz\"");
    s_.sources = load_sources(doc_, root, s_);
    programs(root);
    expect(root);
    return std::move(s_);
  }

 private:
  const JsonDoc& doc_;
  Scenario s_;

  // ------------------------------------------------------------------ platform

  void platform(const ObjectReader& p) {
    only_keys(p, {"cpus", "clock_mhz", "topology", "costs"});
    s_.cpus = static_cast<std::uint32_t>(p.get_u64_in("cpus", 1, kernel::kMaxCpus));
    s_.clock_mhz = p.get_double("clock_mhz", 3000);
    // At least 1 MHz: a whole run (up to 1e13 cycles) must fit SystemC's 64-bit picoseconds.
    if (!(s_.clock_mhz >= 1 && s_.clock_mhz <= 10000))
      p.fail("clock_mhz", "must be between 1 and 10000, got " + num(s_.clock_mhz));
    if (p.has("topology")) topology(p.object("topology"));
    if (p.has("costs")) costs(p.object("costs"));
  }

  void topology(const ObjectReader& t) {
    TopologySpec& spec = s_.topology;
    spec.preset = t.get_enum("preset", {"flat", "sockets", "graph"}, "flat");
    if (spec.preset == "flat") {
      spec.hop = t.get_u64_in("hop", 1, kMaxRunCycles, 50);
    } else if (spec.preset == "sockets") {
      spec.cpus_per_socket = static_cast<std::uint32_t>(t.get_u64_in("cpus_per_socket", 1, s_.cpus));
      spec.hop = t.get_u64_in("hop", 1, kMaxRunCycles, 50);
      spec.cross = t.get_u64_in("cross", 1, kMaxRunCycles, 200);
    } else {
      graph(t);
    }
    t.finish();
  }

  void graph(const ObjectReader& t) {
    TopologySpec& spec = s_.topology;
    std::map<std::string, std::uint32_t> vertex;  // name -> vertex index (CPUs first)
    for (std::uint32_t c = 0; c < s_.cpus; ++c) vertex["cpu" + std::to_string(c)] = c;
    if (t.has("nodes")) {
      const std::size_t n = t.array_size("nodes");
      for (std::size_t i = 0; i < n; ++i) {
        const std::string ptr = t.pointer("nodes") + "/" + std::to_string(i);
        std::string name = read_string(doc_, ptr);
        if (name.empty()) doc_.fail(ptr, "node names must not be empty");
        if (looks_like_cpu(name))
          doc_.fail(ptr, "node " + jq(name) + " is named like a CPU: CPUs are the vertices cpu0..cpu" +
                             std::to_string(s_.cpus - 1) + " and need no declaration");
        if (vertex.count(name)) doc_.fail(ptr, "duplicate node " + jq(name));
        vertex[name] = static_cast<std::uint32_t>(vertex.size());
        spec.nodes.push_back(name);
      }
    }
    const std::size_t n = t.array_size("links");
    std::vector<std::uint32_t> parent(vertex.size());
    for (std::uint32_t v = 0; v < parent.size(); ++v) parent[v] = v;
    auto root_of = [&](std::uint32_t v) {
      while (parent[v] != v) v = parent[v] = parent[parent[v]];
      return v;
    };
    for (std::size_t i = 0; i < n; ++i) {
      const std::string ptr = t.pointer("links") + "/" + std::to_string(i);
      const json* l = doc_.find(ptr);
      if (!l->is_array() || l->size() != 3)
        doc_.fail(ptr, "expected a link [\"a\", \"b\", cycles], got " +
                           (l->is_array() ? "an array of " + std::to_string(l->size()) + " elements" : describe_value(*l)));
      TopologySpec::Link link;
      std::uint32_t ends[2];
      for (int e = 0; e < 2; ++e) {
        const std::string eptr = ptr + "/" + std::to_string(e);
        std::string name = read_string(doc_, eptr);
        std::uint64_t cpu;
        if (cpu_vertex(name, cpu) && cpu >= s_.cpus) doc_.fail(eptr, cpu_out_of_range(cpu, s_.cpus));
        auto it = vertex.find(name);
        if (it == vertex.end())
          doc_.fail(eptr, "unknown node " + jq(name) + " (links join CPUs cpu0..cpu" + std::to_string(s_.cpus - 1) +
                              (spec.nodes.empty() ? " and no node is declared)"
                                                  : " and the declared nodes: " + join(spec.nodes) + ")"));
        ends[e] = it->second;
        (e == 0 ? link.a : link.b) = name;
      }
      link.cycles = read_u64(doc_, ptr + "/2");
      if (link.cycles == 0) doc_.fail(ptr + "/2", "link latency must be at least 1 cycle");
      parent[root_of(ends[0])] = root_of(ends[1]);
      spec.links.push_back(link);
    }
    for (std::uint32_t c = 1; c < s_.cpus; ++c)
      if (root_of(c) != root_of(0))
        t.fail("links", "cpu" + std::to_string(c) + " cannot reach cpu0: every CPU must be connected");
  }

  void costs(const ObjectReader& c) {
    struct Field { const char* name; std::uint64_t hw::Costs::*member; bool positive; };
    static const Field kFields[] = {
        {"alu", &hw::Costs::alu, false},
        {"l1_hit", &hw::Costs::l1_hit, true},
        {"llc_hit", &hw::Costs::llc_hit, false},
        {"line_transfer", &hw::Costs::line_transfer, false},
        {"store_issue", &hw::Costs::store_issue, false},
        {"store_drain", &hw::Costs::store_drain, true},
        {"locked", &hw::Costs::locked, true},
        {"mfence", &hw::Costs::mfence, false},
        {"serialize", &hw::Costs::serialize, false},
        {"pause", &hw::Costs::pause, false},
        {"rdtsc", &hw::Costs::rdtsc, false},
        {"cli_sti", &hw::Costs::cli_sti, false},
        {"wrmsr", &hw::Costs::wrmsr, false},
        {"syscall", &hw::Costs::syscall, false},
        {"sysret", &hw::Costs::sysret, false},
        {"interrupt_entry", &hw::Costs::interrupt_entry, false},
        {"iret", &hw::Costs::iret, false},
        {"call", &hw::Costs::call, false},
        {"ipi_delivery", &hw::Costs::ipi_delivery, true},
    };
    std::vector<std::string> names;
    for (const Field& f : kFields) names.push_back(f.name);
    only_keys(c, names);
    for (const Field& f : kFields) {
      std::uint64_t v = c.get_u64(f.name, s_.costs.*f.member);
      if (f.positive && v == 0) c.fail(f.name, "must be at least 1 cycle");
      if (v > kMaxRunCycles) c.fail(f.name, "must be at most " + std::to_string(kMaxRunCycles) + ", got " + std::to_string(v));
      s_.costs.*f.member = v;
    }
  }

  // ------------------------------------------------------------------ kernel

  std::vector<std::uint32_t> cpu_set(const ObjectReader& r, const std::string& key) {
    return read_cpu_set(doc_, r, key, s_.cpus);
  }

  // Fails unless a tick at `hz` leaves room for its work: period >= 4 * tick_work_cycles.
  void check_tick(const ObjectReader& k, const std::string& what, std::uint64_t hz, const std::string& hz_key) {
    if (hz == 0) return;
    const double period = s_.clock_mhz * 1e6 / static_cast<double>(hz);
    if (period >= 4.0 * static_cast<double>(s_.tick_work_cycles)) return;
    const std::string at = k.has("tick_work_cycles") ? "tick_work_cycles" : hz_key;
    k.fail(at, what + " of " + std::to_string(static_cast<std::uint64_t>(period)) + " cycles (" + std::to_string(hz) +
                   " Hz at " + num(s_.clock_mhz) + " MHz) cannot fit tick_work_cycles = " +
                   std::to_string(s_.tick_work_cycles) + ": the period must be at least 4 times the tick's work");
  }

  // Whether some step, in a repeat or not, makes the system call `name`.
  static bool calls(const std::vector<Step>& steps, const std::string& name) {
    for (const Step& st : steps)
      if ((st.kind == Step::Kind::Syscall && st.syscall == name) || calls(st.steps, name)) return true;
    return false;
  }

  void kernel(const ObjectReader& k) {
    only_keys(k, {"protocol", "nohz_full", "hz", "residual_tick_hz", "tick_do_timer_cpu", "tick_work_cycles",
                  "nmi_watchdog", "irqaffinity", "block_interf_lock", "nohz_full_runtime", "context_tracking_entry",
                  "nohz_full_switch", "task_isolation", "cpu_opv"});
    s_.protocol = k.get_enum("protocol", kernel::protocol_names(), "v7");
    s_.nohz_full.assign(s_.cpus, false);
    if (k.has("nohz_full")) {
      for (std::uint32_t c : cpu_set(k, "nohz_full")) s_.nohz_full[c] = true;
      bool any_housekeeping = false;
      for (bool b : s_.nohz_full) any_housekeeping |= !b;
      if (!any_housekeeping)
        k.fail("nohz_full", "every CPU is nohz_full: at least one housekeeping CPU is needed for the tick");
    }
    s_.hz = k.get_u64("hz", 1000);
    if (s_.hz != 0 && s_.hz != 100 && s_.hz != 250 && s_.hz != 300 && s_.hz != 1000)
      k.fail("hz", "must be one of 0, 100, 250, 300, 1000, got " + std::to_string(s_.hz));
    s_.residual_tick_hz = k.get_u64_in("residual_tick_hz", 0, s_.hz ? s_.hz : 1000, 1);
    std::uint32_t first_housekeeping = 0;
    while (s_.nohz_full[first_housekeeping]) ++first_housekeeping;
    s_.tick_do_timer_cpu = first_housekeeping;
    if (k.has("tick_do_timer_cpu")) {
      std::uint64_t c = k.get_u64("tick_do_timer_cpu");
      if (c >= s_.cpus) k.fail("tick_do_timer_cpu", cpu_out_of_range(c, s_.cpus));
      if (s_.nohz_full[c])
        k.fail("tick_do_timer_cpu", "CPU " + std::to_string(c) + " is nohz_full: tick_do_timer_cpu must be a housekeeping CPU");
      s_.tick_do_timer_cpu = static_cast<std::uint32_t>(c);
    }
    s_.tick_work_cycles = k.get_u64("tick_work_cycles", 2000);
    check_tick(k, "tick period", s_.hz, "hz");
    s_.nohz_full_runtime = k.get_bool("nohz_full_runtime", false);
    s_.context_tracking_entry = k.get_enum("context_tracking_entry", {"static_key", "tif_nohz"}, "static_key");
    s_.nohz_full_switch = k.get_enum("nohz_full_switch", {"stop_one_cpu", "stop_machine"}, "stop_one_cpu");
    s_.task_isolation = k.get_bool("task_isolation", false);
    s_.cpu_opv = k.get_bool("cpu_opv", false);
    bool any_nohz = s_.nohz_full_runtime;
    for (bool b : s_.nohz_full) any_nohz |= b;
    if (any_nohz) check_tick(k, "residual tick period", s_.residual_tick_hz, "residual_tick_hz");
    s_.nmi_watchdog.cpus.assign(s_.cpus, false);
    if (k.has("nmi_watchdog")) nmi_watchdog(k.object("nmi_watchdog"));
    s_.block_interf_lock = k.get_enum("block_interf_lock", {"rwsem", "srcu"}, "rwsem");
    // irqaffinity= (kernel/irq/irqdesc.c irq_default_affinity): every CPU unless given
    s_.irqaffinity.assign(s_.cpus, !k.has("irqaffinity"));
    if (k.has("irqaffinity")) {
      for (std::uint32_t c : cpu_set(k, "irqaffinity")) s_.irqaffinity[c] = true;
      if (std::find(s_.irqaffinity.begin(), s_.irqaffinity.end(), true) == s_.irqaffinity.end())
        k.fail("irqaffinity", "an empty irqaffinity leaves device interrupts nowhere to go");
    }
  }

  // The perf NMI watchdog runs where watchdog_cpumask says, by default on the housekeeping CPUs
  // (kernel/watchdog.c lockup_detector_init() copies housekeeping_cpumask(HK_TYPE_TIMER)), every
  // hw_nmi_get_sample_period(watchdog_thresh) = cpu_khz * 1000 * watchdog_thresh cycles.
  void nmi_watchdog(const ObjectReader& w) {
    only_keys(w, {"cpus", "hz"});
    NmiWatchdog& nw = s_.nmi_watchdog;
    if (w.has("cpus")) {
      for (std::uint32_t c : cpu_set(w, "cpus")) nw.cpus[c] = true;
    } else {
      for (std::uint32_t c = 0; c < s_.cpus; ++c) nw.cpus[c] = !s_.nohz_full[c];
    }
    nw.hz = w.get_double("hz", 0.1);
    if (!(nw.hz > 0) || !std::isfinite(nw.hz)) w.fail("hz", "must be greater than 0, got " + num(nw.hz));
    const double exact = s_.clock_mhz * 1e6 / nw.hz;
    if (exact < 1)
      w.fail("hz", "an NMI every " + num(exact) + " cycles (" + num(nw.hz) + " Hz at " + num(s_.clock_mhz) +
                       " MHz): the period must be at least 1 cycle");
    const double period = std::round(exact);
    // A period longer than any run never fires: kMaxRunCycles + 1 stands for all of them.
    nw.period = period > static_cast<double>(kMaxRunCycles) ? kMaxRunCycles + 1 : static_cast<std::uint64_t>(period);
  }

  // ------------------------------------------------------------------ run

  std::uint64_t cycles_of(const ObjectReader& r, const std::string& key, double scale, const std::string& unit) {
    const double v = r.get_double(key);
    if (!(v > 0)) r.fail(key, "must be greater than 0, got " + num(v));
    const double cycles = std::round(v * scale * s_.clock_mhz);
    if (cycles > static_cast<double>(kMaxRunCycles))
      r.fail(key, "runaway scenario: " + num(v) + " " + unit + " at " + num(s_.clock_mhz) + " MHz is " + num(cycles) +
                      " cycles, more than the limit of " + std::to_string(kMaxRunCycles));
    if (cycles < 1)
      r.fail(key, num(v) + " " + unit + " at " + num(s_.clock_mhz) + " MHz is less than one cycle");
    return static_cast<std::uint64_t>(cycles);
  }

  void run(const ObjectReader& r) {
    only_keys(r, {"cycles", "us", "ms", "max_instructions"});
    std::vector<std::string> given;
    for (const std::string& k : doc_.keys_in_order(r.pointer()))
      if (k == "cycles" || k == "us" || k == "ms") given.push_back(k);
    // A length set on the command line replaces the file's, in whatever unit each is given.
    std::vector<std::string> set_here;
    for (const std::string& k : given)
      if (doc_.line_of(r.pointer() + "/" + k) == 0) set_here.push_back(k);
    if (!set_here.empty() && set_here.size() < given.size()) given = set_here;
    if (given.empty()) r.fail_here("missing run length: give exactly one of \"cycles\", \"us\" or \"ms\"");
    if (given.size() > 1)
      r.fail(given[1], "give exactly one of \"cycles\", \"us\" or \"ms\" (" + jq(given[0]) + " is already given)");
    if (given[0] == "cycles") {
      s_.run_cycles = r.get_u64("cycles");
      if (s_.run_cycles == 0) r.fail("cycles", "must be at least 1");
      if (s_.run_cycles > kMaxRunCycles)
        r.fail("cycles", "runaway scenario: " + std::to_string(s_.run_cycles) + " cycles is more than the limit of " +
                             std::to_string(kMaxRunCycles));
    } else if (given[0] == "us") {
      s_.run_cycles = cycles_of(r, "us", 1.0, "us");
    } else {
      s_.run_cycles = cycles_of(r, "ms", 1000.0, "ms");
    }
    s_.max_instructions = r.get_u64("max_instructions", 2'000'000'000);
    if (s_.max_instructions == 0) r.fail("max_instructions", "must be at least 1");
  }

  // ------------------------------------------------------------------ programs, expect

  void programs(const ObjectReader& root) {
    if (!root.has("programs")) return;
    const std::size_t n = root.array_size("programs");
    const std::string dir = dirname_of(doc_.name());
    for (std::size_t i = 0; i < n; ++i) {
      ObjectReader p = root.element("programs", i);
      only_keys(p, {"file", "inline"});
      const bool has_file = p.has("file"), has_inline = p.has("inline");
      if (has_file && has_inline) {
        // report at whichever comes second
        for (const std::string& k : doc_.keys_in_order(p.pointer()))
          if (k == "file" || k == "inline") {
            if (k == "file") p.fail("inline", "give either \"file\" or \"inline\", not both");
            p.fail("file", "give either \"file\" or \"inline\", not both");
          }
      }
      if (!has_file && !has_inline) p.fail_here("a program needs \"file\" (a path) or \"inline\" (assembly text)");
      isa::Source src;
      src.layer = 2;
      if (has_file) {
        const std::string path = p.get_string("file");
        if (path.empty()) p.fail("file", "must not be empty");
        src.name = path[0] == '/' || dir.empty() ? path : dir + "/" + path;
        std::string err;
        if (!read_whole_file(src.name, src.text, err))
          p.fail("file", "cannot read program file " + jq(src.name) + ": " + err);
      } else {
        src.text = p.get_string("inline");
        src.name = doc_.name() + "#" + p.pointer();
      }
      s_.programs.push_back(std::move(src));
    }
  }

  void expect(const ObjectReader& root) {
    if (!root.has("expect")) return;
    const std::size_t n = root.array_size("expect");
    for (std::size_t i = 0; i < n; ++i) {
      ObjectReader e = root.element("expect", i);
      only_keys(e, {"path", "op", "value"});
      Expect x;
      x.pointer = e.pointer();
      x.path = e.get_string("path");
      bool ok = !x.path.empty();
      std::size_t start = 0;
      while (ok && start <= x.path.size()) {
        std::size_t dot = x.path.find('.', start);
        if (dot == std::string::npos) dot = x.path.size();
        const std::string part = x.path.substr(start, dot - start);
        // a task's name keeps its slash: tasks.kworker/1.runs
        ok = is_digits(part) || (!part.empty() && part.back() != '/' && part.find("//") == std::string::npos &&
                                 is_identifier(part.substr(0, part.find('/'))) &&
                                 part.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_/") ==
                                     std::string::npos);
        start = dot + 1;
      }
      if (!ok)
        e.fail("path", "invalid path " + jq(x.path) +
                           ": expected names and indices separated by dots, like \"deferral.double_executions\"");
      x.op = e.get_enum("op", {"==", "!=", "<", "<=", ">", ">="}, "==");
      x.value = e.raw("value");
      // An array compares whole, as a CPU list does ("nohz_full.at_end": [2]); objects do not:
      // a path names one figure.
      if (!x.value.is_number() && !x.value.is_boolean() && !x.value.is_string() && !x.value.is_array())
        e.fail("value", "expected a number, boolean, string or array, got " + describe_value(x.value));
      if (x.op != "==" && x.op != "!=" && !x.value.is_number())
        e.fail("value", "operator " + jq(x.op) + " needs a number, got " + describe_value(x.value));
      x.text = x.path + " " + x.op + " " + x.value.dump(-1, ' ', false, json::error_handler_t::replace);
      s_.expect.push_back(std::move(x));
    }
  }
};

}  // namespace

Scenario load_scenario(const JsonDoc& doc) { return Loader(doc).load(); }

std::uint64_t tick_cycles(const Scenario& s) {
  return s.hz ? static_cast<std::uint64_t>(std::llround(s.clock_mhz * 1e6 / s.hz)) : 0;
}

std::uint64_t residual_tick_cycles(const Scenario& s) {
  return s.hz && s.residual_tick_hz ? static_cast<std::uint64_t>(std::llround(s.clock_mhz * 1e6 / s.residual_tick_hz)) : 0;
}

}  // namespace scenario
