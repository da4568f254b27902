// VCD writer: see write_vcd() in timeline.h for the format and the time rule.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <ostream>
#include <stdexcept>
#include <string>
#include <vector>

#include "sim/report/timeline.h"

namespace report {
namespace {

constexpr std::uint64_t kU64Max = std::numeric_limits<std::uint64_t>::max();

// Shortest decimal that reads back as the same double (deterministic, locale-free).
std::string format_double(double v) {
  char buf[64];
  if (v == std::floor(v) && std::fabs(v) < 1e15) {
    std::snprintf(buf, sizeof buf, "%.0f", v);
    return buf;
  }
  for (int prec = 1; prec <= 17; ++prec) {
    std::snprintf(buf, sizeof buf, "%.*g", prec, v);
    if (std::strtod(buf, nullptr) == v) break;
  }
  return buf;
}

// Maps cycles to VCD time units.
struct TimeMap {
  std::string timescale;   // "1 ns", "100 ps", ...
  bool exact = true;
  std::uint64_t factor = 1;  // exact: time = cycle * factor
  long double period = 0;    // inexact: time = round(cycle * period), in fs
  std::string rule;          // human-readable, for the header comment

  std::uint64_t operator()(std::uint64_t cycle) const {
    if (exact) {
      if (factor != 0 && cycle > kU64Max / factor)
        throw std::overflow_error("timeline: cycle " + std::to_string(cycle) + " overflows the VCD time range");
      return cycle * factor;
    }
    const long double t = std::round(static_cast<long double>(cycle) * period);
    if (!(t < 18446744073709551615.0L))
      throw std::overflow_error("timeline: cycle " + std::to_string(cycle) + " overflows the VCD time range");
    return static_cast<std::uint64_t>(t);
  }
};

TimeMap make_time_map(double clock_mhz) {
  static const char* const kUnits[] = {"fs", "ps", "ns", "us", "ms", "s"};
  static const char* const kMags[] = {"1", "10", "100"};
  const long double period_fs = 1e9L / static_cast<long double>(clock_mhz);
  if (!(period_fs >= 1.0L))
    throw std::invalid_argument("timeline: clock_mhz " + format_double(clock_mhz) +
                                " is too fast for a femtosecond VCD timescale");
  TimeMap m;
  const long double rounded = std::round(period_fs);
  if (rounded < 1e18L && std::fabs(period_fs - rounded) <= 1e-12L * period_fs) {
    const auto p = static_cast<std::uint64_t>(rounded);
    std::uint64_t unit = 1;
    int k = 0;
    while (k < 17 && p % (unit * 10) == 0) {
      unit *= 10;
      ++k;
    }
    m.exact = true;
    m.factor = p / unit;
    m.timescale = std::string(kMags[k % 3]) + " " + kUnits[k / 3];
    m.rule = "1 cycle = " + std::to_string(m.factor) + " x " + m.timescale + " (exact)";
  } else {
    m.exact = false;
    m.period = period_fs;
    m.timescale = "1 fs";
    m.rule = "1 cycle = " + format_double(static_cast<double>(period_fs)) +
             " fs, times rounded to the nearest fs";
  }
  return m;
}

// VCD identifier codes: base-92 over the printable characters '!'..'~' minus '#' and '$' (legal, but
// easily mistaken for a timestamp or a keyword by simple readers).
std::string vcd_id(std::size_t i) {
  static const std::string kAlphabet = [] {
    std::string a;
    for (char c = '!'; c <= '~'; ++c)
      if (c != '#' && c != '$') a.push_back(c);
    return a;
  }();
  std::string s;
  do {
    s.push_back(kAlphabet[i % kAlphabet.size()]);
    i /= kAlphabet.size();
  } while (i > 0);
  return s;
}

// Text inside $comment ... $end must not contain "$end": drop '$' and newlines.
std::string comment_safe(const std::string& s) {
  std::string r;
  r.reserve(s.size());
  for (char c : s) r.push_back(c == '$' ? '_' : (c == '\n' || c == '\r') ? ' ' : c);
  return r;
}

struct Update {
  std::uint64_t cycle;
  std::uint32_t cpu;
  bool ipi;      // false: ctx := value; true: pending += value
  int value;
};

}  // namespace

void write_vcd(const Timeline& t, std::ostream& os) {
  validate(t);
  const TimeMap tm = make_time_map(t.clock_mhz);
  const std::uint64_t end = effective_end(t);
  const std::uint32_t n = t.ncpus;

  // ---- header ----
  os << "$version isolsim report::write_vcd $end\n";
  os << "$comment\n"
     << "  isolsim CPU context timeline, clock " << format_double(t.clock_mhz) << " MHz, " << tm.rule << ".\n"
     << "  cpuN_ctx: 0=user 1=kernel 2=irq 3=idle 4=off (x: no state yet).\n"
     << "  cpuN_ipi: 1 while an IPI to cpuN is delivered but its handler not yet entered.\n"
     << "$end\n";
  for (std::uint32_t c = 0; c < n; ++c)
    os << "$comment cpu" << c << ": " << comment_safe(cpu_label(t, c)) << " $end\n";
  os << "$timescale " << tm.timescale << " $end\n";
  os << "$scope module isolsim $end\n";
  std::vector<std::string> ctx_id(n), ipi_id(n);
  for (std::uint32_t c = 0; c < n; ++c) {
    ctx_id[c] = vcd_id(2 * static_cast<std::size_t>(c));
    ipi_id[c] = vcd_id(2 * static_cast<std::size_t>(c) + 1);
    os << "$var reg 3 " << ctx_id[c] << " cpu" << c << "_ctx [2:0] $end\n";
    os << "$var wire 1 " << ipi_id[c] << " cpu" << c << "_ipi $end\n";
  }
  os << "$upscope $end\n";
  os << "$enddefinitions $end\n";

  // ---- value changes ----
  std::vector<Update> ups;
  ups.reserve(t.changes.size() + 2 * t.ipis.size());
  for (const auto& ch : t.changes) ups.push_back({ch.cycle, ch.cpu, false, static_cast<int>(vcd_code(ch.context))});
  for (const auto& ipi : t.ipis) {
    ups.push_back({ipi.delivered, ipi.to, true, +1});
    if (ipi.handled != 0) ups.push_back({ipi.handled, ipi.to, true, -1});
  }
  // Stable: context changes keep the producer's order within a cycle (the last one wins).
  std::stable_sort(ups.begin(), ups.end(), [](const Update& a, const Update& b) { return a.cycle < b.cycle; });

  constexpr int kUnknown = -1;
  std::vector<int> ctx(n, kUnknown), shown_ctx(n, kUnknown);
  std::vector<std::int64_t> pending(n, 0);
  std::vector<char> shown_ipi(n, 0);

  auto ctx_value = [](int code) -> std::string {
    if (code < 0) return "bxxx";
    std::string s = "b";
    for (int bit = 2; bit >= 0; --bit) s.push_back(((code >> bit) & 1) ? '1' : '0');
    return s;
  };

  std::size_t i = 0;
  // Time 0: the initial values of every signal (after the cycle-0 updates) in $dumpvars.
  while (i < ups.size() && ups[i].cycle == 0) {
    const Update& u = ups[i++];
    if (u.ipi) pending[u.cpu] += u.value; else ctx[u.cpu] = u.value;
  }
  os << "#0\n$dumpvars\n";
  for (std::uint32_t c = 0; c < n; ++c) {
    shown_ctx[c] = ctx[c];
    shown_ipi[c] = pending[c] > 0;
    os << ctx_value(ctx[c]) << ' ' << ctx_id[c] << '\n';
    os << (shown_ipi[c] ? '1' : '0') << ipi_id[c] << '\n';
  }
  os << "$end\n";

  std::uint64_t last_time_cycle = 0;
  std::string lines;
  while (i < ups.size()) {
    const std::uint64_t cyc = ups[i].cycle;
    for (; i < ups.size() && ups[i].cycle == cyc; ++i) {
      const Update& u = ups[i];
      if (u.ipi) pending[u.cpu] += u.value; else ctx[u.cpu] = u.value;
    }
    lines.clear();
    for (std::uint32_t c = 0; c < n; ++c) {
      if (ctx[c] != shown_ctx[c]) {
        shown_ctx[c] = ctx[c];
        lines += ctx_value(ctx[c]) + ' ' + ctx_id[c] + '\n';
      }
      const char ipi = pending[c] > 0;
      if (ipi != shown_ipi[c]) {
        shown_ipi[c] = ipi;
        lines += (ipi ? '1' : '0') + ipi_id[c] + '\n';
      }
    }
    if (!lines.empty()) {
      os << '#' << tm(cyc) << '\n' << lines;
      last_time_cycle = cyc;
    }
  }
  if (end > last_time_cycle) os << '#' << tm(end) << '\n';
}

}  // namespace report
