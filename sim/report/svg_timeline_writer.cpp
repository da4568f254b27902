// SVG timeline of one run: see write_svg_timeline() in timeline.h.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <ostream>
#include <stdexcept>
#include <string>
#include <vector>

#include "sim/report/svg.h"
#include "sim/report/timeline.h"

namespace report {
namespace {

const char* colour(Context c) {
  switch (c) {
    case Context::User: return "#4caf50";
    case Context::Kernel: return "#f0a030";
    case Context::Irq: return "#d64545";
    case Context::Idle: return "#c8c8c8";
    case Context::Off: return "none";
  }
  return "none";
}
constexpr const char* kIpi = "#1f4e9e";
constexpr const char* kDeferred = "#7b3fa0";

// A tick's label with as many decimals as the step needs.
std::string us_label(double us, double step) {
  const int decimals = std::max(0, static_cast<int>(-std::floor(std::log10(step) + 1e-9)));
  char buf[48];
  std::snprintf(buf, sizeof buf, "%.*f us", decimals, us);
  return buf;
}

struct Band {
  double x0, x1;
  Context c;
  std::uint64_t from, to;
  std::string why;
};

}  // namespace

SvgLayout svg_layout(std::uint32_t ncpus) {
  SvgLayout l;
  l.height = l.lanes_top + ncpus * l.lane_pitch + 70;
  return l;
}

void write_svg_timeline(const Timeline& t, std::ostream& os, std::uint64_t from, std::uint64_t to) {
  validate(t);
  const SvgLayout L = svg_layout(t.ncpus);
  const std::uint64_t end = to ? to : std::max<std::uint64_t>(effective_end(t), from + 1);
  if (end <= from) throw std::invalid_argument("timeline: the window " + std::to_string(from) + ".." + std::to_string(to) + " is empty");
  const double pw = L.width - L.plot_left - L.plot_right;
  const auto in = [&](std::uint64_t c) { return c >= from && c <= end; };
  const auto clip = [&](std::uint64_t c) { return std::clamp(c, from, end); };
  const auto x = [&](std::uint64_t c) {
    return L.plot_left + pw * static_cast<double>(clip(c) - from) / static_cast<double>(end - from);
  };
  const auto lane_mid = [&](std::uint32_t cpu) { return L.lane_top(cpu) + L.band_height / 2; };
  const double total_us = static_cast<double>(end - from) / t.clock_mhz;
  const double from_us = static_cast<double>(from) / t.clock_mhz;

  Svg svg(L.width, L.height, "isolsim run timeline");
  svg.text(L.plot_left, 18, "isolsim run: " + std::to_string(t.ncpus) + " CPUs, cycles " + std::to_string(from) + ".." +
                                std::to_string(end) + " at " + Svg::num(t.clock_mhz) + " MHz",
           13);

  // Time axis above the lanes, with a light grid line per tick.
  const double axis_y = L.lanes_top - 8;
  svg.line(L.plot_left, axis_y, L.plot_left + pw, axis_y, "#888");
  const double step = Svg::tick_step(total_us, 10);
  const double lanes_bottom = L.lane_top(t.ncpus);
  // ticks on multiples of the step, in the run's time (a window starts anywhere)
  for (double k = std::ceil(from_us / step - 1e-9); k * step <= from_us + total_us + 1e-9; k += 1) {
    const double px = L.plot_left + pw * (k * step - from_us) / total_us;
    svg.line(px, axis_y - 4, px, axis_y, "#888");
    svg.line(px, axis_y, px, lanes_bottom, "#eeeeee");
    svg.text(px, axis_y - 6, us_label(k * step, step), 10, "middle", "#555");
  }

  // Context bands: each CPU's spans, merged where they share a pixel and a context; a span
  // shorter than a pixel still gets one (an interruption of a few hundred cycles must show).
  std::vector<std::vector<Band>> bands(t.ncpus);
  std::vector<Context> ctx(t.ncpus, Context::Off);
  std::vector<std::uint64_t> since(t.ncpus, 0);
  std::vector<std::string> why(t.ncpus);
  const auto close = [&](std::uint32_t cpu, std::uint64_t until) {
    if (ctx[cpu] == Context::Off || until <= since[cpu] || until <= from || since[cpu] >= end) return;
    std::vector<Band>& b = bands[cpu];
    double x0 = x(since[cpu]), x1 = std::max(x(until), x0 + 1.0);
    if (!b.empty() && b.back().c == ctx[cpu] && x0 <= b.back().x1 + 0.05) {
      b.back().x1 = std::max(b.back().x1, x1);
      b.back().to = until;
      return;
    }
    b.push_back({x0, x1, ctx[cpu], since[cpu], until, why[cpu]});
  };
  for (const ContextChange& c : t.changes) {
    close(c.cpu, c.cycle);
    ctx[c.cpu] = c.context;
    since[c.cpu] = c.cycle;
    why[c.cpu] = c.why;
  }
  for (std::uint32_t cpu = 0; cpu < t.ncpus; ++cpu) close(cpu, end);

  for (std::uint32_t cpu = 0; cpu < t.ncpus; ++cpu) {
    svg.text(L.plot_left - 8, lane_mid(cpu) + 4, cpu_label(t, cpu), 11, "end");
    // user first: the short kernel, irq and idle spans are drawn over it
    for (Context layer : {Context::User, Context::Idle, Context::Kernel, Context::Irq})
      for (const Band& b : bands[cpu])
        if (b.c == layer)
          svg.rect(b.x0, L.lane_top(cpu), b.x1 - b.x0, L.band_height, colour(b.c),
                   std::string(context_name(b.c)) + " " + std::to_string(b.from) + ".." + std::to_string(b.to) +
                       (b.why.empty() ? "" : " (" + b.why + ")"));
  }

  // IPIs: an arrow from the ICR write on the sender to the handler's entry on the target.
  for (const IpiFlow& i : t.ipis) {
    const std::uint64_t at = i.handled ? i.handled : i.delivered;
    if (at < from || i.sent > end) continue;
    const std::string name = i.vector_name.empty() ? "vector " + std::to_string(i.vector) : i.vector_name;
    svg.line(x(i.sent), lane_mid(i.from), x(at), lane_mid(i.to), kIpi, 1.2, {}, true,
             "IPI " + name + " cpu" + std::to_string(i.from) + " -> cpu" + std::to_string(i.to) + ": sent " +
                 std::to_string(i.sent) + ", delivered " + std::to_string(i.delivered) +
                 (i.handled ? ", handled " + std::to_string(i.handled) : ", never handled") +
                 (i.callsite.empty() ? "" : " (" + i.callsite + ")"));
  }

  // Deferred work: posted (a hollow diamond on the target, a dotted line from the sender) and
  // flushed (a filled diamond where the target's entry ran it); other markers as ticks.
  for (const Marker& m : t.markers) {
    if (!in(m.cycle)) continue;
    const double top = L.lane_top(m.cpu);
    if (m.name.rfind("deferred to cpu", 0) == 0) {
      std::uint32_t to = 0;
      if (std::sscanf(m.name.c_str() + 15, "%u", &to) == 1 && to < t.ncpus) {
        svg.line(x(m.cycle), lane_mid(m.cpu), x(m.cycle), lane_mid(to), kDeferred, 1, "2,2");
        svg.diamond(x(m.cycle), lane_mid(to), 5, kDeferred, true,
                    "work posted to cpu" + std::to_string(to) + " by cpu" + std::to_string(m.cpu) + " at " +
                        std::to_string(m.cycle) + " (" + m.detail + ")");
      }
    } else if (m.detail == "flush on kernel entry") {
      svg.diamond(x(m.cycle), lane_mid(m.cpu), 5, kDeferred, false,
                  "deferred work run at " + std::to_string(m.cycle) + ": " + m.name);
    } else {
      svg.line(x(m.cycle), top - 3, x(m.cycle), top + L.band_height + 3, "#222", 1, {}, false,
               m.name + " at " + std::to_string(m.cycle) + (m.detail.empty() ? "" : ": " + m.detail));
    }
  }

  // Legend.
  double lx = L.plot_left;
  const double ly = lanes_bottom + 24;
  for (Context c : {Context::User, Context::Kernel, Context::Irq, Context::Idle}) {
    svg.rect(lx, ly - 9, 14, 10, colour(c));
    svg.text(lx + 18, ly, context_name(c), 11);
    lx += 80;
  }
  svg.line(lx, ly - 4, lx + 24, ly - 4, kIpi, 1.2, {}, true);
  svg.text(lx + 30, ly, "IPI", 11);
  lx += 70;
  svg.diamond(lx + 5, ly - 4, 5, kDeferred, true);
  svg.text(lx + 14, ly, "work deferred", 11);
  lx += 110;
  svg.diamond(lx + 5, ly - 4, 5, kDeferred, false);
  svg.text(lx + 14, ly, "deferred work run", 11);
  lx += 130;
  svg.line(lx, ly - 10, lx, ly + 1, "#222");
  svg.text(lx + 6, ly, "other event (hover for details)", 11);
  os << svg.str();
}

}  // namespace report
