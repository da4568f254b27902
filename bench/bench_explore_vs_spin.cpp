// isolsim explore against Spin on the same protocols, in one run.
//
// For pz2021 and rfc1, with 2 and 3 senders: Spin's pan is generated from bench/promela/<p>.pml
// (spin -a -DNSENDERS=N), compiled with gcc -O2 -DSAFETY (partial-order reduction on: Spin's
// default), and run to the first error and exhaustively; a -DBFS pan gives a shortest-ish first
// counter-example (isolsim's search is breadth-first) and a -DNOREDUCE pan the unreduced state
// count, which says how close the Promela model's steps are to isolsim's. isolsim explore runs
// the same scenario with --memory-model sc (like for like) and tso, with --first (breadth first,
// and depth first as pan: --search dfs) and without.
// Every subprocess is timed with steady_clock around fork/wait4 (wall), and wait4 gives its peak
// RSS; searches shorter than a second are run five times and reported as medians, and pan, whose
// own clock ticks in 10 ms, is also run with its hash table sized to its states, so that its whole
// process time bounds its search time. One table at the end.
//
//   ./build/bench/bench_explore_vs_spin [--max-seconds 300] [--isolsim-max-memory MB]
//       [--pan-memlim MB] [--protocols pz2021,rfc1] [--senders 2,3] [--no-tso] [--keep]
//
// Bounds: isolsim gets --max-seconds and --max-memory (its resident set); pan gets -DMEMLIM and SIGINT after --max-seconds (pan then
// prints its statistics and "Interrupted"). A bounded run says so in the table.
#include <sys/utsname.h>
#include <signal.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>
#include <regex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "tools/subprocess.h"

#ifndef ISOLSIM_BIN
#error "ISOLSIM_BIN must name the isolsim binary"
#endif
#ifndef ISOLSIM_SOURCE_DIR
#error "ISOLSIM_SOURCE_DIR must name the source tree"
#endif

namespace fs = std::filesystem;
using subprocess::Proc;

namespace {

// ---------------------------------------------------------------------------------------------
// Machine and output helpers

// A short command's whole stdout (machine description).
std::string capture(const std::string& cmd) {
  std::string s;
  if (FILE* f = popen(cmd.c_str(), "r")) {
    char buf[4096];
    while (size_t n = fread(buf, 1, sizeof buf, f)) s.append(buf, n);
    pclose(f);
  }
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

// MemAvailable of /proc/meminfo, MB (0 when unknown).
long mem_available_mb() {
  std::ifstream in("/proc/meminfo");
  std::string key;
  long kb = 0;
  std::string unit;
  while (in >> key >> kb >> unit)
    if (key == "MemAvailable:") return kb / 1024;
  return 0;
}

std::optional<std::string> match1(const std::string& text, const std::string& re) {
  std::smatch m;
  if (std::regex_search(text, m, std::regex(re))) return m[1].str();
  return std::nullopt;
}

// ---------------------------------------------------------------------------------------------
// The table

struct Row {
  std::string protocol;
  int senders = 0;
  std::string tool;     // "spin" (POR), "spin BFS", "spin noPOR", "isolsim"
  std::string mode;     // "first", "exhaustive"
  std::string memory;   // "sc", "tso"
  std::string verdict;  // "violation", "verified", "bounded", "error"
  std::string kind;     // first violation's kind
  std::string note;     // bound reason, completeness
  long long states = -1, transitions = -1, depth = -1, cex = -1;
  double tool_s = -1;   // what the tool reports for its search
  double wall_s = -1;   // the subprocess, wall clock
  double build_s = -1;  // spin -a + gcc for this pan binary
  long rss_mb = -1;
  int runs = 1;         // tool_s and wall_s are medians over this many runs
  double sized_wall_s = -1;  // pan: wall with its hash table sized to the states (-w`sized_w`), median
  int sized_w = 0;
};

// The median of a few timings (the upper middle one for an even count).
double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? -1 : v[v.size() / 2];
}

// Short searches are repeated: one run of a few milliseconds says little on a shared machine.
constexpr double kRepeatBelow = 1.0;  // s of wall
constexpr int kRepeats = 5;

// The tools' own search times in their output.
const char* const kPanElapsed = R"(pan: elapsed time ([0-9.e+-]+) seconds)";
const char* const kIsolsimExplored = R"(explored in ([0-9.e+-]+) s)";

std::string num(long long v) { return v < 0 ? "-" : std::to_string(v); }
std::string secs(double v) {
  if (v < 0) return "-";
  char b[32];
  std::snprintf(b, sizeof b, v < 10 ? "%.3f" : "%.1f", v);
  return b;
}

void print_table(const std::vector<Row>& rows, std::ostream& os) {
  const std::vector<std::string> head = {"protocol", "snd", "tool", "mode", "mem", "verdict", "kind",
                                         "states stored", "transitions", "depth", "cex", "search s",
                                         "wall s", "wall, sized hash", "build s", "RSS MB", "note"};
  std::vector<std::vector<std::string>> cells;
  for (const Row& r : rows)
    cells.push_back({r.protocol, std::to_string(r.senders), r.tool, r.mode, r.memory, r.verdict, r.kind,
                     num(r.states), num(r.transitions), num(r.depth), num(r.cex), secs(r.tool_s),
                     secs(r.wall_s),
                     r.sized_w ? secs(r.sized_wall_s) + " (-w" + std::to_string(r.sized_w) + ")" : "-",
                     secs(r.build_s), r.rss_mb < 0 ? "-" : std::to_string(r.rss_mb),
                     r.note + (r.runs > 1 ? std::string(r.note.empty() ? "" : "; ") + "median of " +
                                                std::to_string(r.runs) + " runs"
                                          : "")});
  std::vector<size_t> w(head.size());
  for (size_t i = 0; i < head.size(); ++i) w[i] = head[i].size();
  for (const auto& c : cells)
    for (size_t i = 0; i < c.size(); ++i) w[i] = std::max(w[i], c[i].size());
  auto line = [&](const std::vector<std::string>& c) {
    std::string s;
    for (size_t i = 0; i < c.size(); ++i) {
      const bool right = i == 1 || (i >= 7 && i <= 15);
      const std::string pad(w[i] - c[i].size(), ' ');
      s += (right ? pad + c[i] : c[i] + (i + 1 < c.size() ? pad : ""));
      if (i + 1 < c.size()) s += " | ";
    }
    os << s << "\n";
  };
  line(head);
  std::string sep;
  for (size_t i = 0; i < head.size(); ++i) sep += std::string(w[i], '-') + (i + 1 < head.size() ? "-+-" : "");
  os << sep << "\n";
  std::string last;
  for (size_t i = 0; i < cells.size(); ++i) {
    const std::string group = rows[i].protocol + std::to_string(rows[i].senders);
    if (!last.empty() && group != last) os << sep << "\n";
    last = group;
    line(cells[i]);
  }
}

void write_csv(const std::vector<Row>& rows, const fs::path& p) {
  std::ofstream os(p);
  os << "protocol,senders,tool,mode,memory,verdict,kind,states,transitions,depth,cex,search_s,wall_s,runs,"
        "sized_wall_s,sized_w,build_s,rss_mb,note\n";
  for (const Row& r : rows)
    os << r.protocol << ',' << r.senders << ',' << r.tool << ',' << r.mode << ',' << r.memory << ','
       << r.verdict << ',' << r.kind << ',' << r.states << ',' << r.transitions << ',' << r.depth << ','
       << r.cex << ',' << r.tool_s << ',' << r.wall_s << ',' << r.runs << ',' << r.sized_wall_s << ','
       << r.sized_w << ',' << r.build_s << ',' << r.rss_mb << ",\"" << r.note << "\"\n";
}

// ---------------------------------------------------------------------------------------------
// Spin

struct Options {
  double max_seconds = 300;
  unsigned isolsim_max_memory = 3000;  // MB, isolsim's resident set
  unsigned pan_memlim = 4000;          // MB, pan -DMEMLIM
  std::vector<std::string> protocols = {"pz2021", "rfc1"};
  std::vector<int> senders = {2, 3};
  bool tso = true;
  bool keep = false;
  std::string spin = "spin";
  std::string cc = "gcc";
};

struct Pan {
  fs::path dir;
  std::string exe;
  double build_s = -1;
  bool ok = false;
  std::string error;
  std::string capped;  // MEMLIM lowered to what the shared machine has available
};

// spin -a once per (protocol, senders); gcc once per variant.
double spin_generate(const Options& o, const fs::path& dir, const std::string& protocol, int n, std::string& error) {
  const fs::path model = fs::path(ISOLSIM_SOURCE_DIR) / "bench" / "promela" / (protocol + ".pml");
  Proc p = subprocess::run({o.spin, "-DNSENDERS=" + std::to_string(n), "-a", model.string()}, dir, "spin-a", 120, SIGKILL);
  if (p.exit_code != 0 || !fs::exists(dir / "pan.c")) {
    error = "spin -a failed: " + p.out + p.err;
    return -1;
  }
  return p.wall;
}

Pan pan_compile(const Options& o, const fs::path& dir, double gen_s, const std::string& exe,
                const std::vector<std::string>& defines) {
  Pan pan;
  pan.dir = dir;
  pan.exe = exe;
  unsigned memlim = o.pan_memlim;
  const long avail = mem_available_mb();
  if (avail > 0 && memlim > avail * 0.6) {
    memlim = static_cast<unsigned>(std::max(256.0, avail * 0.6));
    pan.capped = "MEMLIM capped to " + std::to_string(memlim) + " MB (MemAvailable " + std::to_string(avail) + " MB)";
  }
  std::vector<std::string> argv = {o.cc, "-O2", "-DSAFETY", "-DMEMLIM=" + std::to_string(memlim)};
  argv.insert(argv.end(), defines.begin(), defines.end());
  argv.insert(argv.end(), {"-o", exe, "pan.c"});
  Proc p = subprocess::run(argv, dir, "cc-" + exe, 600, SIGKILL);
  if (p.exit_code != 0) {
    pan.error = "gcc failed: " + p.err;
    return pan;
  }
  pan.build_s = gen_s + p.wall;
  pan.ok = true;
  return pan;
}

std::string pan_kind(const std::string& out) {
  if (auto a = match1(out, R"(assertion violated \((.*)\) \(at depth)")) {
    const std::string& e = *a;
    if (e.find("<=1") != std::string::npos) return "double_execution";
    if (e.find(">=1") != std::string::npos) return "lost_work";
    return "cannot_defer";
  }
  if (std::regex_search(out, std::regex(R"(pan:\d+: invalid end state)"))) return "deadlock";  // a sender waits forever
  return "";
}

// Runs `argv` kRepeats - 1 more times and makes the row's search and wall times medians over all
// of them; `search` reads the tool's own figure from a run's output.
void take_medians(Row& r, const std::vector<std::string>& argv, const fs::path& dir, const std::string& tag,
                  double timeout_s, int sig, const std::string& search) {
  std::vector<double> searches{r.tool_s}, walls{r.wall_s};
  for (int k = 1; k < kRepeats; ++k) {
    const Proc q = subprocess::run(argv, dir, tag, timeout_s, sig);
    if (auto s = match1(q.err + q.out, search)) searches.push_back(std::stod(*s));
    walls.push_back(q.wall);
  }
  r.tool_s = median(searches);
  r.wall_s = median(walls);
  r.runs = kRepeats;
}

Row pan_run(const Options& o, const Pan& pan, const std::string& protocol, int n, const std::string& tool,
            bool exhaustive, const std::string& tag) {
  Row r;
  r.protocol = protocol;
  r.senders = n;
  r.tool = tool;
  r.mode = exhaustive ? "exhaustive" : "first";
  r.memory = "sc";
  r.build_s = pan.build_s;
  if (!pan.ok) {
    r.verdict = "error";
    r.note = pan.error.substr(0, 60);
    return r;
  }
  // -m: depth bound (the models need < 300); -w24: 2^24 hash slots; -n: no unreached-code list;
  // -c0: do not stop at errors (exhaustive even when there are counter-examples).
  std::vector<std::string> argv = {"./" + pan.exe, "-m100000", "-w24", "-n"};
  if (exhaustive) argv.push_back("-c0");
  Proc p = subprocess::run(argv, pan.dir, tag, o.max_seconds, SIGINT);
  const std::string& out = p.out;
  r.wall_s = p.wall;
  r.rss_mb = static_cast<long>(p.maxrss_mb());
  if (auto s = match1(out, R"((\d+) states, stored)")) r.states = std::stoll(*s);
  if (auto s = match1(out, R"((\d+) transitions \(= stored\+matched\))")) r.transitions = std::stoll(*s);
  if (auto s = match1(out, R"(depth reached (\d+))")) r.depth = std::stoll(*s);
  if (auto s = match1(out, R"(at depth (\d+)\))")) r.cex = std::stoll(*s);
  if (auto s = match1(out, kPanElapsed)) r.tool_s = std::stod(*s);
  long long errors = 0;
  if (auto s = match1(out, R"(errors: (\d+))")) errors = std::stoll(*s);
  if (errors > 0) r.kind = pan_kind(out);
  const bool interrupted = p.timed_out || out.find("Interrupted") != std::string::npos;
  const bool memlim = out.find("MEMLIM") != std::string::npos || out.find("out of memory") != std::string::npos;
  const bool depthlim = out.find("max search depth too small") != std::string::npos;
  const bool incomplete = out.find("Search not completed") != std::string::npos || interrupted || memlim;
  if (r.states < 0) {
    r.verdict = "error";
    r.note = "exit " + std::to_string(p.exit_code) + (p.signal ? " signal " + std::to_string(p.signal) : "");
    return r;
  }
  if (errors > 0) {
    r.verdict = "violation";
    if (exhaustive) r.note = std::to_string(errors) + " error hits";
  } else {
    r.verdict = incomplete || depthlim ? "bounded" : "verified";
  }
  if (interrupted) r.note += std::string(r.note.empty() ? "" : "; ") + "time bound (" + secs(o.max_seconds) + " s)";
  if (memlim) r.note += std::string(r.note.empty() ? "" : "; ") + "MEMLIM bound";
  if (depthlim) r.note += std::string(r.note.empty() ? "" : "; ") + "depth bound";
  if (exhaustive && !incomplete && !depthlim) r.note += std::string(r.note.empty() ? "" : "; ") + "complete";
  if (!pan.capped.empty()) r.note += std::string(r.note.empty() ? "" : "; ") + pan.capped;
  if (interrupted || memlim || p.wall >= kRepeatBelow) return r;
  take_medians(r, argv, pan.dir, tag, o.max_seconds, SIGINT, kPanElapsed);
  // -w24 zeroes 128 MB before the search, which is most of a short run's wall time; with 2^w at
  // least twice the states stored, the whole process bounds pan's search time at 1 us resolution.
  int w = 10;
  while (w < 24 && (1LL << w) < 2 * r.states) ++w;
  if (w < 24) {
    std::vector<std::string> sized = argv;
    sized[2] = "-w" + std::to_string(w);
    std::vector<double> walls;
    for (int k = 0; k < kRepeats; ++k) walls.push_back(subprocess::run(sized, pan.dir, tag + "-w" + std::to_string(w), o.max_seconds, SIGINT).wall);
    r.sized_wall_s = median(walls);
    r.sized_w = w;
  }
  return r;
}

// ---------------------------------------------------------------------------------------------
// isolsim

std::string g_isolsim_reduction;  // explore.json "reduction", when isolsim reports one

Row isolsim_run(const Options& o, const fs::path& dir, const std::string& protocol,
                int n, const std::string& memory, bool first, bool dfs = false) {
  Row r;
  r.protocol = protocol;
  r.senders = n;
  r.tool = dfs ? "isolsim DFS" : "isolsim";
  r.mode = first ? "first" : "exhaustive";
  r.memory = memory;
  const fs::path scenario = fs::path(ISOLSIM_SOURCE_DIR) / "scenarios" / "explore" /
                            (n == 2 ? "pz2021_two_senders.json" : "three_senders.json");
  const std::string tag = "isolsim-" + memory + (dfs ? "-dfs" : "") + (first ? "-first" : "-exhaustive");
  // The machine is shared: the bound is capped to 80% of what is available now.
  unsigned max_memory = o.isolsim_max_memory;
  const long avail = mem_available_mb();
  std::string capped;
  if (avail > 0 && max_memory > avail * 0.8) {
    max_memory = static_cast<unsigned>(std::max(256.0, avail * 0.8));
    capped = "--max-memory capped to " + std::to_string(max_memory) + " MB (MemAvailable " + std::to_string(avail) + " MB)";
  }
  const fs::path out = dir / tag;
  std::vector<std::string> argv = {ISOLSIM_BIN, "explore", scenario.string(), "--set", "kernel.protocol=" + protocol,
                                   "--memory-model", memory, "--out", out.string(),
                                   "--max-seconds", secs(o.max_seconds),
                                   "--max-memory", std::to_string(max_memory)};
  if (first) argv.push_back("--first");
  if (dfs) argv.insert(argv.end(), {"--search", "dfs"});
  argv.insert(argv.end(), {"--replay-runs", "0"});  // the search alone: no timed replays
  // Its own --max-seconds stops the search; the driver's kill is a backstop (graph analysis and
  // counter-example output come after the search).
  Proc p = subprocess::run(argv, dir, tag, o.max_seconds + 300, SIGKILL);
  r.wall_s = p.wall;
  r.rss_mb = static_cast<long>(p.maxrss_mb());
  if (auto s = match1(p.err + p.out, kIsolsimExplored)) r.tool_s = std::stod(*s);
  if (p.exit_code <= 1 && p.wall < kRepeatBelow)  // the same search again (its output is deterministic)
    take_medians(r, argv, dir, tag, o.max_seconds + 300, SIGKILL, kIsolsimExplored);
  const fs::path json = out / "explore.json";
  if (p.exit_code != 0 && p.exit_code != 1 && p.exit_code != 3) {
    r.verdict = "error";
    r.note = p.signal ? "killed by signal " + std::to_string(p.signal) + (p.timed_out ? " (driver timeout)" : "")
                      : "exit " + std::to_string(p.exit_code) + ": " + p.err.substr(0, 60);
    return r;
  }
  if (!fs::exists(json)) {
    r.verdict = "error";
    r.note = "no explore.json";
    return r;
  }
  try {
    const nlohmann::json j = nlohmann::json::parse(subprocess::slurp(json));
    r.states = j.value("states", -1LL);
    r.transitions = j.value("transitions", -1LL);
    r.depth = j.value("depth", -1LL);
    const bool complete = j.value("complete", false);
    const std::string bound = j.value("bound", std::string());
    r.verdict = j.value("verdict", std::string("?"));
    if (j.contains("reduction") && g_isolsim_reduction.empty()) g_isolsim_reduction = j["reduction"].dump();
    if (j.contains("violations") && !j["violations"].empty()) {
      r.kind = j["violations"][0].value("kind", std::string());
      r.cex = static_cast<long long>(j["violations"][0]["steps"].size());
      if (!first && j["violations"].size() > 1) {
        std::string kinds;
        for (const auto& v : j["violations"]) kinds += (kinds.empty() ? "" : ",") + v.value("kind", std::string());
        r.note = "kinds: " + kinds;
      }
    }
    if (!bound.empty()) {
      r.note += std::string(r.note.empty() ? "" : "; ") + bound;
      if (r.verdict == "violation" && !first) r.note += " (violation found before the bound)";
    } else if (complete) {
      r.note += std::string(r.note.empty() ? "" : "; ") + "complete";
    }
    if (r.verdict == "bounded" && !bound.empty()) r.note = bound;
    if (!capped.empty()) r.note += std::string(r.note.empty() ? "" : "; ") + capped;
  } catch (const std::exception& e) {
    r.verdict = "error";
    r.note = std::string("explore.json: ") + e.what();
  }
  return r;
}

// ---------------------------------------------------------------------------------------------

void header(const Options& o) {
  struct utsname u {};
  uname(&u);
  const std::string cpu = capture("grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//'");
  const std::string mem = capture("awk '/MemTotal/{t=$2}/MemAvailable/{a=$2}END{printf \"%.1f GB total, %.1f GB available\", t/1048576, a/1048576}' /proc/meminfo");
  const std::string load = capture("cut -d' ' -f1-3 /proc/loadavg");
  const std::string spinv = capture(o.spin + " -V 2>&1 | head -1");
  const std::string ccv = capture(o.cc + " --version 2>&1 | head -1");
  const std::string git = capture("git -C '" ISOLSIM_SOURCE_DIR "' rev-parse --short HEAD 2>/dev/null");
  const std::string dirty = capture("git -C '" ISOLSIM_SOURCE_DIR "' status --porcelain -- sim models 2>/dev/null | wc -l");
  std::string mtime;
  {
    std::error_code ec;
    const auto t = fs::last_write_time(ISOLSIM_BIN, ec);
    if (!ec) {
      const auto sys = std::chrono::time_point_cast<std::chrono::system_clock::duration>(
          t - fs::file_time_type::clock::now() + std::chrono::system_clock::now());
      const std::time_t tt = std::chrono::system_clock::to_time_t(sys);
      char b[64];
      std::strftime(b, sizeof b, "%Y-%m-%d %H:%M:%S UTC", std::gmtime(&tt));
      mtime = b;
    }
  }
  const std::time_t now = std::time(nullptr);
  char date[64];
  std::strftime(date, sizeof date, "%Y-%m-%d %H:%M:%S UTC", std::gmtime(&now));
  std::cout << "isolsim explore vs Spin, " << date << "\n"
            << "  machine : " << cpu << ", " << std::thread::hardware_concurrency() << " CPUs online, " << mem
            << "; " << u.sysname << " " << u.release << " " << u.machine << "; load average " << load << "\n"
            << "  spin    : " << spinv << "; pan built with " << ccv << ": -O2 -DSAFETY -DMEMLIM="
            << o.pan_memlim << " (partial-order reduction on unless noted), run with -m100000 -w24 (and -wN: below)\n"
            << "  isolsim : " << ISOLSIM_BIN << " (built " << mtime << ", source " << git
            << (dirty != "0" && !dirty.empty() ? ", " + dirty + " files modified under sim/ models/" : "")
            << "), --max-memory " << o.isolsim_max_memory << " MB (its estimate)"
            << ", --replay-runs 0\n"
            << "  bounds  : " << secs(o.max_seconds) << " s per search (isolsim --max-seconds; pan: SIGINT)\n"
            << "  models  : " ISOLSIM_SOURCE_DIR "/bench/promela/{pz2021,rfc1}.pml (-DNSENDERS=N); scenarios "
               "scenarios/explore/pz2021_two_senders.json (N=2), three_senders.json (N=3), --set kernel.protocol=P\n"
            << std::endl;
}

std::vector<std::string> split(const std::string& s) {
  std::vector<std::string> v;
  std::stringstream ss(s);
  for (std::string x; std::getline(ss, x, ',');)
    if (!x.empty()) v.push_back(x);
  return v;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::cerr << a << " needs a value\n";
        std::exit(2);
      }
      return argv[++i];
    };
    if (a == "--max-seconds") o.max_seconds = std::stod(value());
    else if (a == "--isolsim-max-memory") o.isolsim_max_memory = static_cast<unsigned>(std::stoul(value()));
    else if (a == "--pan-memlim") o.pan_memlim = static_cast<unsigned>(std::stoul(value()));
    else if (a == "--protocols") o.protocols = split(value());
    else if (a == "--senders") {
      o.senders.clear();
      for (const std::string& s : split(value())) o.senders.push_back(std::stoi(s));
    } else if (a == "--no-tso") o.tso = false;
    else if (a == "--keep") o.keep = true;
    else if (a == "--spin") o.spin = value();
    else if (a == "--cc") o.cc = value();
    else {
      std::cerr << "usage: " << argv[0]
                << " [--max-seconds S] [--isolsim-max-memory MB] [--pan-memlim MB] [--protocols pz2021,rfc1]"
                   " [--senders 2,3] [--no-tso] [--keep] [--spin PATH] [--cc PATH]\n";
      return 2;
    }
  }
  std::error_code mtime_ec;
  const auto isolsim_mtime = fs::last_write_time(ISOLSIM_BIN, mtime_ec);
  header(o);

  char tmpl[] = "/tmp/isolsim-vs-spin-XXXXXX";
  if (!mkdtemp(tmpl)) {
    std::perror("mkdtemp");
    return 1;
  }
  const fs::path root = tmpl;
  std::vector<Row> rows;
  auto progress = [&](const Row& r) {
    std::cerr << "  " << r.protocol << " N=" << r.senders << " " << r.tool << " " << r.mode << " " << r.memory
              << ": " << r.verdict << ", " << num(r.states) << " states, " << secs(r.wall_s) << " s"
              << (r.note.empty() ? "" : " (" + r.note + ")") << std::endl;
    rows.push_back(r);
  };
  for (const std::string& protocol : o.protocols) {
    const bool has_cex = protocol == "pz2021";  // rfc1 is verified: its first-error search is the exhaustive one
    for (int n : o.senders) {
      const fs::path dir = root / (protocol + "-" + std::to_string(n));
      fs::create_directories(dir);
      std::string error;
      const double gen = spin_generate(o, dir, protocol, n, error);
      Pan dfs, bfs, nored;
      if (gen >= 0) {
        dfs = pan_compile(o, dir, gen, "pan", {});
        if (has_cex) bfs = pan_compile(o, dir, gen, "pan_bfs", {"-DBFS"});
        nored = pan_compile(o, dir, gen, "pan_noreduce", {"-DNOREDUCE"});
      } else {
        dfs.error = bfs.error = nored.error = error;
      }
      if (has_cex) {
        progress(pan_run(o, dfs, protocol, n, "spin", false, "pan-first"));
        progress(pan_run(o, bfs, protocol, n, "spin BFS", false, "pan-bfs-first"));
      }
      progress(pan_run(o, dfs, protocol, n, "spin", true, "pan-exhaustive"));
      progress(pan_run(o, nored, protocol, n, "spin noPOR", true, "pan-noreduce-exhaustive"));
      for (const std::string mem : {"sc", "tso"}) {
        if (mem == std::string("tso") && !o.tso) continue;
        if (has_cex) progress(isolsim_run(o, dir, protocol, n, mem, true));
        if (has_cex) progress(isolsim_run(o, dir, protocol, n, mem, true, true));
        progress(isolsim_run(o, dir, protocol, n, mem, false));
      }
    }
  }

  std::cout << "\n";
  print_table(rows, std::cout);
  std::cout << "\n"
            << "states stored: pan \"states, stored\"; isolsim distinct states (explore.json). transitions: pan "
               "stored+matched; isolsim edges.\n"
               "depth: pan's deepest DFS stack (BFS: level); isolsim's deepest state. cex: counter-example length "
               "(pan: trail depth, Promela statements; isolsim: rows of its table, the shortest one breadth "
               "first).\n"
               "isolsim DFS = --search dfs (newest state first, as pan; its counter-example is not the shortest).\n"
               "search s: the tool's own figure (pan \"elapsed time\", in 10 ms ticks; isolsim \"explored in\"); "
               "wall s: the subprocess around it (isolsim: + scenario load, graph analysis, outputs; pan: + "
               "zeroing its 2^24-slot hash table, about 0.08 s). Runs under "
            << secs(kRepeatBelow) << " s are repeated " << kRepeats << " times: medians.\n"
               "wall, sized hash: pan again with -wN, 2^N the first power of two at least twice its states "
               "stored (median of "
            << kRepeats << "): the whole process, a bound on its search time finer than its ticks.\n"
               "build s: spin -a + gcc for that pan binary (not in wall s). spin = DFS with partial-order "
               "reduction (Spin's default); spin BFS = -DBFS; spin noPOR = -DNOREDUCE (the unreduced state "
               "count, to compare the models' granularity).\n"
               "Promela has sequential consistency only; the isolsim tso rows are x86-TSO (store buffers, "
               "drains as steps) and have no Spin counterpart. rfc1 has no counter-example: its first-error "
               "search is the exhaustive one.\n";
  {
    std::error_code ec;
    if (!mtime_ec && fs::last_write_time(ISOLSIM_BIN, ec) != isolsim_mtime)
      std::cout << "WARNING: " ISOLSIM_BIN " was rebuilt during the run: rows may come from two builds\n";
  }
  if (!g_isolsim_reduction.empty()) std::cout << "isolsim's reduction (explore.json): " << g_isolsim_reduction << "\n";
  const fs::path csv = root / "table.csv";
  write_csv(rows, csv);
  std::cout << "csv: " << csv.string() << (o.keep ? " (work files kept in " + root.string() + ")" : "") << "\n";
  if (!o.keep) {
    // Keep only the table.
    for (const auto& e : fs::directory_iterator(root))
      if (e.path() != csv) fs::remove_all(e.path());
  }
  return 0;
}
