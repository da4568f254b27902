// Chrome Trace Event Format writer: see write_chrome_trace() in timeline.h.
//
// Flow arrows (Trace Event Format "flow events", v1): an "s" event binds to the slice enclosing it on
// its thread; an "f" event with "bp":"e" binds to the slice enclosing it on its thread (without "bp" it
// would bind to the *next* slice that starts there). Perfetto matches the pair on (cat, name, id) and
// binds each to the innermost slice open on the track when the flow event is processed, and it
// processes equal-timestamp events in file order. So every flow end gets its own slice starting at
// the same timestamp (ipi_send / ipi_recv) and the events are written sorted by time with slices
// before flow events.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <ostream>
#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "sim/report/timeline.h"

namespace report {
namespace {

using json = nlohmann::ordered_json;   // keys keep insertion order -> byte-stable output

// cycle -> whole nanoseconds, round half up. Exact integer arithmetic for integer clocks.
class NsGrid {
 public:
  explicit NsGrid(double clock_mhz) : clock_(clock_mhz) {
    if (clock_mhz == std::floor(clock_mhz) && clock_mhz <= 9007199254740992.0) {
      iclock_ = static_cast<std::uint64_t>(clock_mhz);
    }
  }
  std::uint64_t operator()(std::uint64_t cycle) const {
    constexpr std::uint64_t kMax = std::numeric_limits<std::uint64_t>::max();
    if (iclock_ != 0 && cycle <= (kMax - iclock_) / 2000) return (cycle * 2000 + iclock_) / (2 * iclock_);
    const long double ns = std::round(static_cast<long double>(cycle) * 1000.0L / static_cast<long double>(clock_));
    if (!(ns < 9.2e18L)) throw std::overflow_error("timeline: cycle " + std::to_string(cycle) + " is out of range");
    return static_cast<std::uint64_t>(ns);
  }

 private:
  double clock_;
  std::uint64_t iclock_ = 0;
};

double us(std::uint64_t ns) { return static_cast<double>(ns) / 1000.0; }

std::string hex_vector(std::uint8_t v) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "0x%02x", static_cast<unsigned>(v));
  return buf;
}

std::string ipi_name(const IpiFlow& i) { return i.vector_name.empty() ? hex_vector(i.vector) : i.vector_name; }

enum Rank : int { kSlice = 0, kFlow = 1, kInstant = 2 };

struct Entry {
  std::uint64_t ts_ns;
  int rank;
  std::uint64_t dur_ns;
  std::size_t seq;
  std::string ev;  // dumped at once: a json value takes ten times its text (1,024 CPUs: 300 MB)
};

std::string dump(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

}  // namespace

void write_chrome_trace(const Timeline& t, std::ostream& os) {
  validate(t);
  const NsGrid ns(t.clock_mhz);
  const std::uint64_t end = effective_end(t);

  std::vector<json> meta;
  meta.push_back(json{{"name", "process_name"}, {"ph", "M"}, {"pid", 0}, {"tid", 0}, {"args", {{"name", "isolsim"}}}});
  for (std::uint32_t c = 0; c < t.ncpus; ++c) {
    meta.push_back(json{{"name", "thread_name"}, {"ph", "M"}, {"pid", 0}, {"tid", c}, {"args", {{"name", cpu_label(t, c)}}}});
    meta.push_back(json{{"name", "thread_sort_index"}, {"ph", "M"}, {"pid", 0}, {"tid", c}, {"args", {{"sort_index", c}}}});
  }

  std::vector<Entry> events;
  auto add = [&](std::uint64_t ts_ns, int rank, std::uint64_t dur_ns, json ev) {
    events.push_back(Entry{ts_ns, rank, dur_ns, events.size(), dump(ev)});
  };
  auto slice = [&](const std::string& name, const char* cat, std::uint32_t tid, std::uint64_t from,
                   std::uint64_t to, json args) {
    const std::uint64_t a = ns(from), b = ns(to);
    add(a, kSlice, b - a,
        json{{"name", name}, {"cat", cat}, {"ph", "X"}, {"ts", us(a)}, {"dur", us(b - a)}, {"pid", 0}, {"tid", tid},
             {"args", std::move(args)}});
  };

  // ---- context spans, per CPU in producer order ----
  std::vector<std::vector<const ContextChange*>> per_cpu(t.ncpus);
  for (const auto& ch : t.changes) per_cpu[ch.cpu].push_back(&ch);
  for (std::uint32_t c = 0; c < t.ncpus; ++c) {
    const auto& list = per_cpu[c];
    for (std::size_t k = 0; k < list.size(); ++k) {
      const ContextChange& ch = *list[k];
      const std::uint64_t stop = k + 1 < list.size() ? list[k + 1]->cycle : end;
      if (ch.context == Context::Off || stop == ch.cycle) continue;
      slice(std::string(context_name(ch.context)), "context", c, ch.cycle, stop,
            json{{"why", ch.why}, {"cycle", ch.cycle}, {"cycles", stop - ch.cycle}});
    }
  }

  // ---- IPIs: a slice at each end plus the s/f flow pair ----
  for (const auto& ipi : t.ipis) {
    const std::string name = ipi_name(ipi);
    const std::uint64_t at = ipi.handled != 0 ? ipi.handled : ipi.delivered;
    json args{{"from", ipi.from}, {"to", ipi.to}, {"vector", hex_vector(ipi.vector)}, {"callsite", ipi.callsite},
              {"sent", ipi.sent}, {"delivered", ipi.delivered}, {"handled", ipi.handled}};
    slice("ipi_send " + name, "ipi", ipi.from, ipi.sent, ipi.sent < end ? ipi.sent + 1 : ipi.sent, args);
    args["latency_cycles"] = at - ipi.sent;
    slice((ipi.handled != 0 ? "ipi_recv " : "ipi_pending ") + name, "ipi", ipi.to, at, at < end ? at + 1 : at,
          std::move(args));
    add(ns(ipi.sent), kFlow, 0,
        json{{"name", name}, {"cat", "ipi"}, {"ph", "s"}, {"id", ipi.id}, {"ts", us(ns(ipi.sent))}, {"pid", 0},
             {"tid", ipi.from}});
    add(ns(at), kFlow, 0,
        json{{"name", name}, {"cat", "ipi"}, {"ph", "f"}, {"bp", "e"}, {"id", ipi.id}, {"ts", us(ns(at))},
             {"pid", 0}, {"tid", ipi.to}});
  }

  // ---- tasks: pid 1, one track per task in the order of their first run ----
  std::vector<const TaskRun*> runs;
  for (const TaskRun& r : t.task_runs) runs.push_back(&r);
  std::stable_sort(runs.begin(), runs.end(), [](const TaskRun* a, const TaskRun* b) {
    return a->from != b->from ? a->from < b->from : a->cpu < b->cpu;
  });
  std::vector<std::string> tasks;
  for (const TaskRun* run : runs) {
    const TaskRun& r = *run;
    auto it = std::find(tasks.begin(), tasks.end(), r.task);
    const auto tid = static_cast<std::uint32_t>(it - tasks.begin());
    if (it == tasks.end()) {
      tasks.push_back(r.task);
      meta.push_back(json{{"name", "thread_name"}, {"ph", "M"}, {"pid", 1}, {"tid", tid}, {"args", {{"name", r.task}}}});
      meta.push_back(json{{"name", "thread_sort_index"}, {"ph", "M"}, {"pid", 1}, {"tid", tid}, {"args", {{"sort_index", tid}}}});
    }
    const std::uint64_t a = ns(r.from), b = ns(r.to);
    add(a, kSlice, b - a,
        json{{"name", "cpu" + std::to_string(r.cpu)}, {"cat", "task"}, {"ph", "X"}, {"ts", us(a)}, {"dur", us(b - a)},
             {"pid", 1}, {"tid", tid}, {"args", {{"cpu", r.cpu}, {"cycle", r.from}, {"cycles", r.to - r.from}}}});
  }
  if (!tasks.empty())
    meta.insert(meta.begin() + 1 + 2 * t.ncpus,
                json{{"name", "process_name"}, {"ph", "M"}, {"pid", 1}, {"tid", 0}, {"args", {{"name", "tasks"}}}});

  // ---- markers ----
  for (const auto& m : t.markers) {
    add(ns(m.cycle), kInstant, 0,
        json{{"name", m.name}, {"cat", "marker"}, {"ph", "i"}, {"s", "t"}, {"ts", us(ns(m.cycle))}, {"pid", 0},
             {"tid", m.cpu}, {"args", {{"detail", m.detail}, {"cycle", m.cycle}}}});
  }

  // Time order; at equal time: slices (longest first, so parents precede children) before flow events
  // (which bind to the slices open at that time) before instants; then generation order.
  std::sort(events.begin(), events.end(), [](const Entry& a, const Entry& b) {
    if (a.ts_ns != b.ts_ns) return a.ts_ns < b.ts_ns;
    if (a.rank != b.rank) return a.rank < b.rank;
    if (a.dur_ns != b.dur_ns) return a.dur_ns > b.dur_ns;
    return a.seq < b.seq;
  });

  json other{{"generator", "isolsim report::write_chrome_trace"},
             {"clock_mhz", t.clock_mhz},
             {"ncpus", t.ncpus},
             {"end_cycle", end},
             {"time", "ts/dur in us on a whole-ns grid: ns = round(cycle * 1000 / clock_mhz); exact cycles in args"}};

  os << "{\"traceEvents\":[\n";
  bool first = true;
  auto put = [&](const std::string& text) {
    if (!first) os << ",\n";
    first = false;
    os << text;
  };
  for (const auto& m : meta) put(dump(m));
  for (const auto& e : events) put(e.ev);
  os << "\n],\n\"displayTimeUnit\":\"ns\",\n\"otherData\":" << dump(other) << "}\n";
}

}  // namespace report
