#include "sim/report/timeline.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cmath>
#include <map>
#include <sstream>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

using namespace report;
using nlohmann::json;

namespace {

// cpu0 boots in the kernel, returns to user at 10, sends IPI 7 at 5 (CALL_FUNCTION_SINGLE) to cpu1,
// which gets it delivered at 30 and enters the handler at 40 (irq 40..55), then cpu0 goes Off at 90.
Timeline sample() {
  Timeline t;
  t.ncpus = 2;
  t.clock_mhz = 1000.0;
  t.end_cycle = 100;
  t.cpu_labels = {"cpu0 (housekeeping)", "cpu1 (nohz_full)"};
  t.changes = {{0, 0, Context::Kernel, "boot"},
               {0, 1, Context::User, "start"},
               {10, 0, Context::User, "sysret"},
               {40, 1, Context::Irq, "irq 0xfb CALL_FUNCTION_SINGLE"},
               {55, 1, Context::User, "iret"},
               {90, 0, Context::Off, "exit"}};
  t.ipis = {{7, 0, 1, 0xfb, "CALL_FUNCTION_SINGLE", 5, 30, 40, "smp_call_function_single"}};
  t.markers = {{60, 1, "sync_core (deferred)", "text_poke"}};
  return t;
}

std::string vcd(const Timeline& t) {
  std::ostringstream os;
  write_vcd(t, os);
  return os.str();
}

std::string chrome(const Timeline& t) {
  std::ostringstream os;
  write_chrome_trace(t, os);
  return os.str();
}

// Everything after "$enddefinitions $end\n".
std::string vcd_body(const std::string& v) {
  const std::string mark = "$enddefinitions $end\n";
  const auto p = v.find(mark);
  EXPECT_NE(p, std::string::npos);
  return p == std::string::npos ? "" : v.substr(p + mark.size());
}

// (time, value-change line) pairs of the body, $dumpvars/$end lines dropped.
std::vector<std::pair<std::uint64_t, std::string>> vcd_changes(const std::string& v) {
  std::vector<std::pair<std::uint64_t, std::string>> out;
  std::istringstream in(vcd_body(v));
  std::string line;
  std::uint64_t now = 0;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '$') continue;
    if (line[0] == '#') {
      now = std::stoull(line.substr(1));
      continue;
    }
    out.emplace_back(now, line);
  }
  return out;
}

std::string last_line(const std::string& s) {
  const auto end = s.find_last_not_of('\n');
  const auto start = s.rfind('\n', end);
  return s.substr(start == std::string::npos ? 0 : start + 1, end - (start == std::string::npos ? 0 : start + 1) + 1);
}

std::string last_timestamp(const std::string& s) {
  const auto p = s.rfind("\n#");
  return p == std::string::npos ? "" : s.substr(p + 1, s.find('\n', p + 1) - p - 1);
}

std::string invalid_argument_message(const Timeline& t) {
  try {
    validate(t);
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  ADD_FAILURE() << "validate() did not throw";
  return "";
}

std::vector<json> events_where(const json& doc, const std::string& ph, const std::string& name = "") {
  std::vector<json> out;
  for (const auto& e : doc.at("traceEvents"))
    if (e.at("ph") == ph && (name.empty() || e.at("name") == name)) out.push_back(e);
  return out;
}

std::int64_t to_ns(double us) { return std::llround(us * 1000.0); }

}  // namespace

// ---------------------------------------------------------------------------------------------------
// VCD

TEST(Vcd, HeaderAndVarDefinitions) {
  const std::string v = vcd(sample());
  EXPECT_EQ(v.find("$date"), std::string::npos);
  EXPECT_EQ(v.rfind("$version isolsim report::write_vcd $end\n", 0), 0u) << v;
  EXPECT_NE(v.find("cpuN_ctx: 0=user 1=kernel 2=irq 3=idle 4=off"), std::string::npos) << v;
  EXPECT_NE(v.find("$comment cpu1: cpu1 (nohz_full) $end\n"), std::string::npos) << v;
  const std::string defs =
      "$timescale 1 ns $end\n"
      "$scope module isolsim $end\n"
      "$var reg 3 ! cpu0_ctx [2:0] $end\n"
      "$var wire 1 \" cpu0_ipi $end\n"
      "$var reg 3 % cpu1_ctx [2:0] $end\n"
      "$var wire 1 & cpu1_ipi $end\n"
      "$upscope $end\n"
      "$enddefinitions $end\n";
  EXPECT_NE(v.find(defs), std::string::npos) << v;
}

TEST(Vcd, ValueChangesAtTheRightTimes) {
  const std::string body = vcd_body(vcd(sample()));
  EXPECT_EQ(body,
            "#0\n$dumpvars\nb001 !\n0\"\nb000 %\n0&\n$end\n"
            "#10\nb000 !\n"
            "#30\n1&\n"     // IPI delivered to cpu1
            "#40\nb010 %\n0&\n"  // handler entered: irq, no longer pending
            "#55\nb000 %\n"
            "#90\nb100 !\n"  // cpu0 off
            "#100\n");       // end_cycle
}

TEST(Vcd, OpenSpansClosedAtEndCycle) {
  Timeline t = sample();
  t.end_cycle = 1234;
  EXPECT_EQ(last_line(vcd(t)), "#1234");
  // end_cycle earlier than the last event: the last event's time closes the dump.
  t.end_cycle = 0;
  EXPECT_EQ(last_timestamp(vcd(t)), "#90");
  EXPECT_EQ(last_line(vcd(t)), "b100 !");
  EXPECT_EQ(effective_end(t), 90u);
}

TEST(Vcd, UnknownUntilFirstChangeAndSameCycleChangesCollapse) {
  Timeline t;
  t.ncpus = 2;
  t.end_cycle = 20;
  t.changes = {{5, 0, Context::Kernel, "syscall"}, {5, 0, Context::Irq, "irq"}, {7, 1, Context::Idle, "idle"},
               {9, 1, Context::Idle, "still idle"}};
  const auto ch = vcd_changes(vcd(t));
  const std::vector<std::pair<std::uint64_t, std::string>> expected{
      {0, "bxxx !"}, {0, "0\""}, {0, "bxxx %"}, {0, "0&"}, {5, "b010 !"}, {7, "b011 %"}};
  EXPECT_EQ(ch, expected);
  EXPECT_EQ(last_line(vcd(t)), "#20");
  EXPECT_EQ(vcd(t).find("#9\n"), std::string::npos);  // no change at 9: no timestamp
}

TEST(Vcd, IpiWireStaysUpWhileAnyIpiIsPending) {
  Timeline t;
  t.ncpus = 2;
  t.end_cycle = 100;
  t.changes = {{0, 0, Context::Kernel, ""}, {0, 1, Context::User, ""}};
  t.ipis = {{1, 0, 1, 0xfc, "CALL_FUNCTION", 2, 10, 30, "a"},
            {2, 0, 1, 0xfc, "CALL_FUNCTION", 3, 20, 40, "b"},
            {3, 1, 0, 0xfd, "RESCHEDULE", 50, 60, 0, "c"}};  // never handled
  const auto ch = vcd_changes(vcd(t));
  const std::vector<std::pair<std::uint64_t, std::string>> expected{
      {0, "b001 !"}, {0, "0\""}, {0, "b000 %"}, {0, "0&"}, {10, "1&"}, {40, "0&"}, {60, "1\""}};
  EXPECT_EQ(ch, expected);
  EXPECT_EQ(last_line(vcd(t)), "#100");
}

TEST(Vcd, TimescaleRule) {
  Timeline t = sample();
  struct Case {
    double mhz;
    const char* timescale;
    const char* t10;   // VCD time of cycle 10
    const char* t100;  // VCD time of cycle 100 (end)
  };
  const Case cases[] = {
      {1000, "1 ns", "#10\n", "#100\n"},        {100, "10 ns", "#10\n", "#100\n"},
      {2000, "100 ps", "#50\n", "#500\n"},      {2500, "100 ps", "#40\n", "#400\n"},
      {3200, "100 fs", "#31250\n", "#312500\n"}, {3000, "1 fs", "#3333333\n", "#33333333\n"},
  };
  for (const auto& c : cases) {
    t.clock_mhz = c.mhz;
    const std::string v = vcd(t);
    EXPECT_NE(v.find(std::string("$timescale ") + c.timescale + " $end\n"), std::string::npos) << c.mhz << "\n" << v;
    EXPECT_NE(v.find(c.t10), std::string::npos) << c.mhz << "\n" << v;
    EXPECT_EQ(last_line(v) + "\n", c.t100) << c.mhz;
  }
}

TEST(Vcd, ByteIdenticalAcrossRuns) {
  const std::string a = vcd(sample());
  const std::string b = vcd(sample());
  EXPECT_EQ(a, b);
  Timeline changed = sample();
  changed.changes[2].cycle = 11;
  EXPECT_NE(a, vcd(changed));
}

TEST(Vcd, ManyCpusGetDistinctIdentifiers) {
  Timeline t;
  t.ncpus = 100;  // 200 signals: needs two-character identifiers
  const std::string v = vcd(t);
  std::map<std::string, int> ids;
  std::istringstream in(v);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("$var ", 0) != 0) continue;
    std::istringstream f(line);
    std::string var, type, width, id;
    f >> var >> type >> width >> id;
    EXPECT_EQ(id.find_first_of("#$ "), std::string::npos) << id;
    ++ids[id];
  }
  EXPECT_EQ(ids.size(), 200u);
  for (const auto& [id, n] : ids) EXPECT_EQ(n, 1) << id;
}

TEST(Vcd, GtkwaveFilter) {
  std::ostringstream os;
  write_gtkwave_ctx_filter(os);
  EXPECT_EQ(os.str(), "0 user\n1 kernel\n2 irq\n3 idle\n4 off\n");
}

// ---------------------------------------------------------------------------------------------------
// Validation

TEST(Validate, RejectsBadTimelines) {
  {
    Timeline t = sample();
    std::swap(t.changes[1], t.changes[2]);
    EXPECT_EQ(invalid_argument_message(t),
              "timeline: changes not sorted by (cycle, cpu) at #2 (cycle 0 cpu1 after cycle 10 cpu0)");
  }
  {
    Timeline t = sample();
    std::swap(t.changes[0], t.changes[1]);  // same cycle, cpu order wrong
    EXPECT_EQ(invalid_argument_message(t),
              "timeline: changes not sorted by (cycle, cpu) at #1 (cycle 0 cpu0 after cycle 0 cpu1)");
  }
  {
    Timeline t = sample();
    t.changes[3].cpu = 2;
    EXPECT_EQ(invalid_argument_message(t), "timeline: change #3 names cpu2 but ncpus is 2");
  }
  {
    Timeline t = sample();
    t.ipis[0].delivered = 4;
    EXPECT_EQ(invalid_argument_message(t), "timeline: ipi 7 delivered at cycle 4 before it was sent at 5");
  }
  {
    Timeline t = sample();
    t.ipis[0].handled = 29;
    EXPECT_EQ(invalid_argument_message(t), "timeline: ipi 7 handled at cycle 29 before it was delivered at 30");
  }
  {
    Timeline t = sample();
    t.ipis.push_back(t.ipis[0]);
    EXPECT_EQ(invalid_argument_message(t), "timeline: duplicate ipi id 7");
  }
  {
    Timeline t = sample();
    t.ipis[0].to = 5;
    EXPECT_EQ(invalid_argument_message(t), "timeline: ipi 7 (to) names cpu5 but ncpus is 2");
  }
  {
    Timeline t = sample();
    t.markers[0].cpu = 9;
    EXPECT_EQ(invalid_argument_message(t), "timeline: marker #0 names cpu9 but ncpus is 2");
  }
  {
    Timeline t = sample();
    t.cpu_labels.pop_back();
    EXPECT_EQ(invalid_argument_message(t), "timeline: cpu_labels has 1 entries for 2 CPUs");
  }
  {
    Timeline t = sample();
    t.clock_mhz = 0;
    EXPECT_EQ(invalid_argument_message(t), "timeline: clock_mhz must be finite and > 0 (got 0)");
    std::ostringstream os;
    EXPECT_THROW(write_vcd(t, os), std::invalid_argument);
    EXPECT_THROW(write_chrome_trace(t, os), std::invalid_argument);
  }
  EXPECT_NO_THROW(validate(sample()));
}

// ---------------------------------------------------------------------------------------------------
// Chrome / Perfetto trace

TEST(ChromeTrace, ParsesAsJsonWithTopLevelFields) {
  const std::string s = chrome(sample());
  const json doc = json::parse(s);  // throws on invalid JSON
  ASSERT_TRUE(doc.is_object());
  ASSERT_TRUE(doc.at("traceEvents").is_array());
  EXPECT_EQ(doc.at("displayTimeUnit"), "ns");
  EXPECT_EQ(doc.at("otherData").at("clock_mhz"), 1000.0);
  EXPECT_EQ(doc.at("otherData").at("ncpus"), 2);
  EXPECT_EQ(doc.at("otherData").at("end_cycle"), 100);
  // every event has pid 0 and a tid that is a CPU
  for (const auto& e : doc.at("traceEvents")) {
    EXPECT_EQ(e.at("pid"), 0) << e;
    EXPECT_LT(e.at("tid").get<int>(), 2) << e;
  }
}

TEST(ChromeTrace, ProcessAndThreadNames) {
  const json doc = json::parse(chrome(sample()));
  const auto procs = events_where(doc, "M", "process_name");
  ASSERT_EQ(procs.size(), 1u);
  EXPECT_EQ(procs[0].at("args").at("name"), "isolsim");
  const auto names = events_where(doc, "M", "thread_name");
  ASSERT_EQ(names.size(), 2u);
  EXPECT_EQ(names[0].at("tid"), 0);
  EXPECT_EQ(names[0].at("args").at("name"), "cpu0 (housekeeping)");
  EXPECT_EQ(names[1].at("tid"), 1);
  EXPECT_EQ(names[1].at("args").at("name"), "cpu1 (nohz_full)");
  const auto sorts = events_where(doc, "M", "thread_sort_index");
  ASSERT_EQ(sorts.size(), 2u);
  EXPECT_EQ(sorts[1].at("tid"), 1);
  EXPECT_EQ(sorts[1].at("args").at("sort_index"), 1);

  Timeline t = sample();
  t.cpu_labels.clear();
  const auto plain = events_where(json::parse(chrome(t)), "M", "thread_name");
  ASSERT_EQ(plain.size(), 2u);
  EXPECT_EQ(plain[1].at("args").at("name"), "cpu1");
}

TEST(ChromeTrace, OneTrackPerTaskInTheOrderOfTheirFirstRun) {
  Timeline t = sample();
  t.task_runs = {{"kworker/1", 1, 20, 30}, {"task/1", 1, 0, 20}, {"task/0", 0, 0, 40}, {"task/1", 1, 30, 40}};
  const json doc = json::parse(chrome(t));
  const auto procs = events_where(doc, "M", "process_name");
  ASSERT_EQ(procs.size(), 2u);
  EXPECT_EQ(procs[1].at("pid"), 1);
  EXPECT_EQ(procs[1].at("args").at("name"), "tasks");
  std::vector<std::string> tracks;
  for (const json& n : events_where(doc, "M", "thread_name"))
    if (n.at("pid") == 1) tracks.push_back(n.at("args").at("name"));
  EXPECT_EQ(tracks, (std::vector<std::string>{"task/0", "task/1", "kworker/1"}));
  std::vector<std::pair<int, std::uint64_t>> slices;  // (track, first cycle)
  for (const json& e : events_where(doc, "X", ""))
    if (e.at("pid") == 1) {
      EXPECT_EQ(e.at("cat"), "task");
      slices.push_back({e.at("tid"), e.at("args").at("cycle")});
    }
  EXPECT_EQ(slices, (std::vector<std::pair<int, std::uint64_t>>{{0, 0}, {1, 0}, {2, 20}, {1, 30}}));
  t.task_runs[0].to = 10;
  EXPECT_EQ(invalid_argument_message(t), "timeline: task run #0 (kworker/1) ends at cycle 10 before it starts at 20");
}

TEST(ChromeTrace, ContextSpansAsCompleteEvents) {
  const json doc = json::parse(chrome(sample()));
  std::vector<std::tuple<int, std::string, double, double, std::string>> spans;
  for (const auto& e : events_where(doc, "X"))
    if (e.at("cat") == "context")
      spans.emplace_back(e.at("tid").get<int>(), e.at("name").get<std::string>(), e.at("ts").get<double>(),
                         e.at("dur").get<double>(), e.at("args").at("why").get<std::string>());
  std::sort(spans.begin(), spans.end(), [](const auto& a, const auto& b) {
    return std::tie(std::get<0>(a), std::get<2>(a)) < std::tie(std::get<0>(b), std::get<2>(b));
  });
  // cycles at 1000 MHz: ts = cycle / 1000 us. The Off span of cpu0 (90..100) is not emitted.
  const std::vector<std::tuple<int, std::string, double, double, std::string>> expected{
      {0, "kernel", 0.0, 0.01, "boot"},
      {0, "user", 0.01, 0.08, "sysret"},
      {1, "user", 0.0, 0.04, "start"},
      {1, "irq", 0.04, 0.015, "irq 0xfb CALL_FUNCTION_SINGLE"},
      {1, "user", 0.055, 0.045, "iret"}};  // open span closed at end_cycle 100
  EXPECT_EQ(spans, expected);

  const std::string s = chrome(sample());
  EXPECT_NE(s.find("{\"name\":\"irq\",\"cat\":\"context\",\"ph\":\"X\",\"ts\":0.04,\"dur\":0.015,\"pid\":0,\"tid\":1,"
                   "\"args\":{\"why\":\"irq 0xfb CALL_FUNCTION_SINGLE\",\"cycle\":40,\"cycles\":15}}"),
            std::string::npos)
      << s;
}

TEST(ChromeTrace, IpiFlowPairBindsToSlicesAtBothEnds) {
  const std::string s = chrome(sample());
  const json doc = json::parse(s);
  const auto starts = events_where(doc, "s");
  const auto ends = events_where(doc, "f");
  ASSERT_EQ(starts.size(), 1u);
  ASSERT_EQ(ends.size(), 1u);
  const json& fs = starts[0];
  const json& ff = ends[0];
  EXPECT_EQ(fs.at("id"), 7);
  EXPECT_EQ(ff.at("id"), fs.at("id"));
  EXPECT_EQ(fs.at("cat"), "ipi");
  EXPECT_EQ(ff.at("cat"), fs.at("cat"));
  EXPECT_EQ(fs.at("name"), "CALL_FUNCTION_SINGLE");
  EXPECT_EQ(ff.at("name"), fs.at("name"));
  EXPECT_EQ(ff.at("bp"), "e");
  EXPECT_EQ(fs.at("tid"), 0);
  EXPECT_EQ(ff.at("tid"), 1);
  EXPECT_EQ(fs.at("ts"), 0.005);  // sent
  EXPECT_EQ(ff.at("ts"), 0.04);   // handled

  // A slice on the sender at `sent` and one on the target at `handled`, both before their flow event.
  const auto send = events_where(doc, "X", "ipi_send CALL_FUNCTION_SINGLE");
  const auto recv = events_where(doc, "X", "ipi_recv CALL_FUNCTION_SINGLE");
  ASSERT_EQ(send.size(), 1u);
  ASSERT_EQ(recv.size(), 1u);
  EXPECT_EQ(send[0].at("tid"), 0);
  EXPECT_EQ(send[0].at("ts"), 0.005);
  EXPECT_EQ(send[0].at("dur"), 0.001);
  EXPECT_EQ(send[0].at("args").at("callsite"), "smp_call_function_single");
  EXPECT_EQ(send[0].at("args").at("vector"), "0xfb");
  EXPECT_EQ(send[0].at("args").at("to"), 1);
  EXPECT_EQ(recv[0].at("tid"), 1);
  EXPECT_EQ(recv[0].at("ts"), 0.04);
  EXPECT_EQ(recv[0].at("args").at("latency_cycles"), 35);
  EXPECT_LT(s.find("\"name\":\"ipi_send CALL_FUNCTION_SINGLE\""), s.find("\"ph\":\"s\""));
  EXPECT_LT(s.find("\"name\":\"ipi_recv CALL_FUNCTION_SINGLE\""), s.find("\"ph\":\"f\""));
  // ...and the irq span (longer) comes before the ipi_recv slice it contains.
  EXPECT_LT(s.find("\"name\":\"irq\""), s.find("\"name\":\"ipi_recv CALL_FUNCTION_SINGLE\""));
}

TEST(ChromeTrace, NeverHandledIpiEndsAtDelivery) {
  Timeline t = sample();
  t.ipis[0].handled = 0;
  t.ipis[0].vector_name.clear();  // falls back to the hex vector
  const json doc = json::parse(chrome(t));
  const auto ends = events_where(doc, "f");
  ASSERT_EQ(ends.size(), 1u);
  EXPECT_EQ(ends[0].at("ts"), 0.03);
  EXPECT_EQ(ends[0].at("name"), "0xfb");
  EXPECT_EQ(events_where(doc, "s").at(0).at("name"), "0xfb");
  const auto pending = events_where(doc, "X", "ipi_pending 0xfb");
  ASSERT_EQ(pending.size(), 1u);
  EXPECT_EQ(pending[0].at("ts"), 0.03);
  EXPECT_EQ(pending[0].at("tid"), 1);
}

TEST(ChromeTrace, MarkersAreThreadInstants) {
  const json doc = json::parse(chrome(sample()));
  const auto inst = events_where(doc, "i");
  ASSERT_EQ(inst.size(), 1u);
  EXPECT_EQ(inst[0].at("name"), "sync_core (deferred)");
  EXPECT_EQ(inst[0].at("s"), "t");
  EXPECT_EQ(inst[0].at("cat"), "marker");
  EXPECT_EQ(inst[0].at("tid"), 1);
  EXPECT_EQ(inst[0].at("ts"), 0.06);
  EXPECT_EQ(inst[0].at("args").at("detail"), "text_poke");
}

TEST(ChromeTrace, EventsSortedByTime) {
  const json doc = json::parse(chrome(sample()));
  double last = -1;
  for (const auto& e : doc.at("traceEvents")) {
    if (e.at("ph") == "M") {
      EXPECT_LT(last, 0) << "metadata after timed events";
      continue;
    }
    EXPECT_GE(e.at("ts").get<double>(), last) << e;
    last = e.at("ts").get<double>();
  }
  EXPECT_GT(last, 0);
}

TEST(ChromeTrace, SpansTileExactlyOnTheNanosecondGridAtNonIntegerPeriods) {
  // 3 GHz: a cycle is 1/3 ns. Adjacent spans must still meet exactly once Perfetto rounds ts and dur
  // to whole ns independently (llround(us * 1000)).
  Timeline t;
  t.ncpus = 1;
  t.clock_mhz = 3000;
  t.end_cycle = 1000;
  const std::uint64_t cycles[] = {0, 1, 2, 4, 7, 11, 100, 101, 333, 334, 335, 999};
  for (std::size_t i = 0; i < std::size(cycles); ++i)
    t.changes.push_back({cycles[i], 0, i % 2 ? Context::Kernel : Context::User, ""});
  const json doc = json::parse(chrome(t));
  auto spans = events_where(doc, "X");
  std::stable_sort(spans.begin(), spans.end(), [](const json& a, const json& b) {
    return a.at("args").at("cycle").get<std::uint64_t>() < b.at("args").at("cycle").get<std::uint64_t>();
  });
  std::int64_t expect_ts = 0;
  int n = 0;
  for (const auto& e : spans) {
    EXPECT_EQ(to_ns(e.at("ts").get<double>()), expect_ts) << e;
    EXPECT_EQ(std::fabs(e.at("ts").get<double>() * 1000 - to_ns(e.at("ts").get<double>())) < 1e-6, true) << e;
    expect_ts = to_ns(e.at("ts").get<double>()) + to_ns(e.at("dur").get<double>());
    ++n;
  }
  EXPECT_EQ(expect_ts, 333);  // 1000 cycles at 3 GHz = 333.33 ns -> 333
  EXPECT_EQ(n, 12);
}

TEST(ChromeTrace, ByteIdenticalAcrossRuns) {
  const std::string a = chrome(sample());
  const std::string b = chrome(sample());
  EXPECT_EQ(a, b);
  Timeline changed = sample();
  changed.ipis[0].callsite = "other";
  EXPECT_NE(a, chrome(changed));
}

TEST(ChromeTrace, EmptyTimelineIsValidJson) {
  Timeline t;
  const json doc = json::parse(chrome(t));
  ASSERT_EQ(doc.at("traceEvents").size(), 1u);  // just process_name
  EXPECT_EQ(doc.at("traceEvents")[0].at("name"), "process_name");
}

TEST(ChromeTrace, InvalidUtf8IsReplacedNotThrown) {
  Timeline t = sample();
  t.changes[0].why = std::string("bad \xff byte");
  std::string s;
  ASSERT_NO_THROW(s = chrome(t));
  EXPECT_NO_THROW(json::parse(s));
}
