// Loading the `sources` section (docs/scenario.md "sources"): kinds, senders, targets, and the
// schedule of every firing, drawn at load time so that a run replays it cycle for cycle.
#include <algorithm>
#include <cmath>
#include <random>
#include <sstream>

#include "sim/scenario/loader.h"
#include "sim/scenario/source_kinds.h"

namespace scenario {

const std::vector<SourceKind>& source_kind_table() {
  using T = SourceKind::Targets;
  static const std::vector<SourceKind> table = {
      {"tlb_flush", T::None, true, "__purge_vmap_area_lazy", "TLB_FLUSH_CYCLES", 300},
      {"text_poke", T::None, true, "text_poke_bp_batch", "", 0},
      {"tlb_remove_table", T::None, true, "tlb_remove_table_sync_one", "", 0},
      {"rcu_expedited", T::None, true, "synchronize_rcu_expedited", "RCU_EXP_HANDLER_CYCLES", 600},
      {"wakeup", T::Required, true, "wake_up_kthread_on", "KTHREAD_WORK_CYCLES", 5000},
      {"nohz_full_kick", T::Required, true, "mod_timer_on", "NOHZ_KICK_CYCLES", 400},
      {"vmstat", T::Optional, true, "vmstat_shepherd", "VMSTAT_UPDATE_CYCLES", 4000},
      {"lru_drain", T::Optional, true, "lru_add_drain_all", "LRU_DRAIN_CYCLES", 3000},
      {"device", T::Optional, false, "", "", 1000},
      {"ipi", T::Required, true, "x2apic_send_IPI", "", 0},
  };
  return table;
}

const SourceKind* find_source_kind(const std::string& name) {
  for (const SourceKind& k : source_kind_table())
    if (name == k.name) return &k;
  return nullptr;
}

const std::vector<std::string>& source_kinds() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> v;
    for (const SourceKind& k : source_kind_table()) v.push_back(k.name);
    return v;
  }();
  return names;
}

namespace {

class SourceLoader {
 public:
  SourceLoader(const JsonDoc& doc, const Scenario& s) : doc_(doc), s_(s) {}

  Source load(const ObjectReader& r, std::size_t index) {
    Source src;
    src.pointer = r.pointer();
    src.kind = r.get_enum("source", source_kinds());
    const SourceKind& k = *find_source_kind(src.kind);
    std::vector<std::string> keys = {"source", "every", "start", "rate_hz", "at"};
    if (k.sender) keys.push_back("from");
    if (k.targets != SourceKind::Targets::None) keys.push_back("to");
    if (k.cost_const[0] || src.kind == "device") keys.push_back("cost");
    if (src.kind == "device") keys.insert(keys.end(), {"vector", "softirq", "managed"});
    if (src.kind == "ipi") keys.push_back("vector");
    if (k.sender && k.targets == SourceKind::Targets::Required) keys.push_back("rotate");
    only_keys(r, keys);

    if (k.sender) {
      if (r.has("from")) {
        src.from = read_cpu_set(doc_, r, "from", s_.cpus);
        if (src.from.empty()) r.fail("from", "a source needs at least one sending CPU");
      } else {
        src.from = {s_.tick_do_timer_cpu};  // the first housekeeping CPU
      }
    }
    if (k.targets == SourceKind::Targets::Required || (k.targets == SourceKind::Targets::Optional && r.has("to"))) {
      src.to = read_cpu_set(doc_, r, "to", s_.cpus);
      if (src.to.empty()) r.fail("to", "a source needs at least one target CPU");
    } else if (src.kind == "device" && !r.get_bool("managed", false)) {
      for (std::uint32_t c = 0; c < s_.cpus; ++c)  // irq_default_affinity, set by irqaffinity=
        if (s_.irqaffinity[c]) src.to.push_back(c);
    } else if (k.targets == SourceKind::Targets::Optional) {
      for (std::uint32_t c = 0; c < s_.cpus; ++c) src.to.push_back(c);  // for_each_online_cpu()
    }
    src.cost = k.default_cost;
    if (r.has("cost")) src.cost = r.get_u64_in("cost", 1, kMaxRunCycles);
    if (r.has("vector")) {
      const std::uint64_t lo = src.kind == "device" ? kFirstDeviceVector : 0x20;
      const std::uint64_t hi = src.kind == "device" ? kLastDeviceVector : 0xff;
      src.vector = static_cast<std::uint32_t>(r.get_u64_in("vector", lo, hi));
    } else if (src.kind == "device") {
      src.vector = static_cast<std::uint32_t>(kFirstDeviceVector + devices_);
      if (src.vector > kLastDeviceVector) r.fail_here("no device vector left: give \"vector\"");
    } else if (src.kind == "ipi") {
      r.raw("vector");  // required: fails with "missing required key"
    }
    src.rotate = r.get_bool("rotate", false);
    if (src.kind == "device") {
      ++devices_;
      src.softirq = r.get_u64_in("softirq", 0, kMaxRunCycles, 0);
      src.managed = r.get_bool("managed", false);
    }
    schedule(r, src, index);
    return src;
  }

 private:
  const JsonDoc& doc_;
  const Scenario& s_;
  std::uint32_t devices_ = 0;

  // Exactly one of every (with start), rate_hz, at.
  void schedule(const ObjectReader& r, Source& src, std::size_t index) {
    const char* given = nullptr;
    for (const char* key : {"every", "rate_hz", "at"}) {
      if (!r.has(key)) continue;
      if (given)
        r.fail(key, std::string("give exactly one of \"every\", \"rate_hz\" or \"at\" (\"") + given +
                        "\" is already given)");
      given = key;
    }
    if (!given) r.fail_here("missing schedule: give exactly one of \"every\", \"rate_hz\" or \"at\"");
    if (r.has("start") && std::string(given) != "every") r.fail("start", "\"start\" goes with \"every\"");
    const std::size_t lists = src.from.empty() ? 1 : src.from.size();
    std::vector<std::uint64_t> times;
    const std::string what = std::string(given);
    if (what == "every") {
      const std::uint64_t every = r.get_u64_in("every", 1, kMaxRunCycles);
      const std::uint64_t start = r.get_u64("start", every);
      for (std::uint64_t t = start; t <= s_.run_cycles; t += every) {
        if (t == 0) continue;  // cycle 0 is boot: the first firing is one period in
        times.push_back(t);
        if (times.size() > kMaxSourceEvents) too_many(r, "every");
      }
      src.schedule.assign(lists, times);
    } else if (what == "at") {
      const std::string ptr = r.pointer("at");
      const std::size_t n = read_array_size(doc_, ptr);
      if (n == 0) r.fail("at", "\"at\" needs at least one cycle");
      if (n > kMaxSourceEvents) too_many(r, "at");
      for (std::size_t i = 0; i < n; ++i) {
        const std::string eptr = ptr + "/" + std::to_string(i);
        const std::uint64_t t = read_u64(doc_, eptr);
        if (t == 0) doc_.fail(eptr, "must be at least 1 (cycle 0 is boot)");
        if (t > s_.run_cycles)
          doc_.fail(eptr, "cycle " + std::to_string(t) + " is after the end of the run (" +
                              std::to_string(s_.run_cycles) + " cycles)");
        if (!times.empty() && t <= times.back())
          doc_.fail(eptr, "cycles must increase: " + std::to_string(t) + " comes after " + std::to_string(times.back()));
        times.push_back(t);
      }
      src.schedule.assign(lists, times);
    } else {
      const double hz = r.get_double("rate_hz");
      if (!(hz > 0) || !std::isfinite(hz)) r.fail("rate_hz", "must be greater than 0, got " + num(hz));
      const double expected = hz * static_cast<double>(s_.run_cycles) / (s_.clock_mhz * 1e6);
      if (expected > static_cast<double>(kMaxSourceEvents) / 2) too_many(r, "rate_hz");
      // A Poisson process per sender: exponential gaps by inversion of mt19937_64's bits (both
      // fully specified), so that a seed gives the same schedule with any standard library.
      for (std::size_t l = 0; l < lists; ++l) {
        std::mt19937_64 rng(s_.seed * 0x9e3779b97f4a7c15ull + index * 1000003ull + l);
        std::vector<std::uint64_t> list;
        double t = 0;
        for (;;) {
          const double u = static_cast<double>(rng() >> 11) * 0x1.0p-53;  // [0, 1)
          t += -std::log1p(-u) * s_.clock_mhz * 1e6 / hz;
          const std::uint64_t c = static_cast<std::uint64_t>(std::ceil(t));
          if (c > s_.run_cycles) break;
          if (!list.empty() && c <= list.back()) continue;  // two firings in one cycle are one
          list.push_back(c);
          if (list.size() > kMaxSourceEvents) too_many(r, "rate_hz");
        }
        src.schedule.push_back(std::move(list));
      }
    }
  }

  [[noreturn]] void too_many(const ObjectReader& r, const std::string& key) {
    r.fail(key, "the source fires more than " + std::to_string(kMaxSourceEvents) +
                    " times in the run: use a lower rate or a shorter run");
  }
};

}  // namespace

std::vector<Source> load_sources(const JsonDoc& doc, const ObjectReader& root, const Scenario& s) {
  std::vector<Source> out;
  if (!root.has("sources")) return out;
  const std::size_t n = root.array_size("sources");
  SourceLoader loader(doc, s);
  std::vector<std::string> sender_of(s.cpus);
  for (std::size_t i = 0; i < n; ++i) {
    Source src = loader.load(element(doc, root.pointer("sources"), i), i);
    for (std::uint32_t c : src.from) {
      const CpuWorkload& w = s.workload[c];
      if (!w.pointer.empty() && w.pointer != "/workload/default")
        doc.fail(src.pointer + "/from", "CPU " + std::to_string(c) + " runs the workload of " + w.pointer +
                                            ": a CPU that sends sources runs its sources' schedule and nothing else");
    }
    out.push_back(std::move(src));
  }
  // Costs that are kernel constants must agree between sources of one kind.
  for (std::size_t i = 0; i < out.size(); ++i)
    for (std::size_t j = 0; j < i; ++j)
      if (out[i].kind == out[j].kind && out[i].kind != "device" && out[i].cost != out[j].cost &&
          doc.find(out[i].pointer + "/cost"))
        doc.fail(out[i].pointer + "/cost", "cost " + std::to_string(out[i].cost) + " differs from the " +
                                               std::to_string(out[j].cost) + " of " + out[j].pointer +
                                               ": sources of one kind share their kernel function's cost");
  // Two devices on one vector would share one handler.
  for (std::size_t i = 0; i < out.size(); ++i)
    for (std::size_t j = 0; j < i; ++j)
      if (out[i].kind == "device" && out[j].kind == "device" && out[i].vector == out[j].vector)
        doc.fail(out[i].pointer + (doc.find(out[i].pointer + "/vector") ? "/vector" : ""),
                 "vector " + std::to_string(out[i].vector) + " is already the vector of " + out[j].pointer);
  return out;
}

}  // namespace scenario
