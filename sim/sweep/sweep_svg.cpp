#include "sim/sweep/sweep_svg.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <set>
#include <vector>

#include "sim/report/svg.h"
#include "sim/sweep/sweep_plan.h"
#include "sim/sweep/windows.h"

namespace sweep {
namespace {

using J = nlohmann::ordered_json;
using report::Svg;

constexpr const char* kClear = "#4caf50";
constexpr const char* kError = "#9e9e9e";

// A share of runs that showed a condition: green at none, light to dark red from a few to all.
std::string shade(double f) {
  if (f <= 0) return kClear;
  const double t = std::clamp(f, 0.0, 1.0);
  const int r = static_cast<int>(std::lround(244 + (198 - 244) * t));
  const int g = static_cast<int>(std::lround(163 + (40 - 163) * t));
  const int b = static_cast<int>(std::lround(163 + (40 - 163) * t));
  char buf[8];
  std::snprintf(buf, sizeof buf, "#%02x%02x%02x", r, g, b);
  return buf;
}

std::string fmt(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", v);
  return buf;
}

// Ticks on multiples of Svg::tick_step over [lo, hi], about eight.
std::vector<double> ticks(double lo, double hi) {
  if (!(hi > lo)) return {lo};
  const double step = Svg::tick_step(hi - lo, 8);
  std::vector<double> out;
  for (double v = std::ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push_back(v);
  return out;
}

// Cells of the values tried along one axis: each reaches halfway to its neighbours.
struct Axis {
  std::vector<double> values;  // sorted, unique
  double lo = 0, hi = 1;       // the axis' range
  std::pair<double, double> cell(std::size_t i) const {
    const double a = i ? (values[i - 1] + values[i]) / 2 : lo;
    const double b = i + 1 < values.size() ? (values[i] + values[i + 1]) / 2 : hi;
    return {a, b};
  }
  static Axis of(const std::set<double>& vs) {
    Axis a;
    a.values.assign(vs.begin(), vs.end());
    if (a.values.empty()) return a;
    const double first = a.values.size() > 1 ? a.values[1] - a.values[0] : 1;
    const double last = a.values.size() > 1 ? a.values.back() - a.values[a.values.size() - 2] : 1;
    a.lo = a.values.front() - first / 2;
    a.hi = a.values.back() + last / 2;
    return a;
  }
};

struct Cell {
  std::uint64_t runs = 0, errors = 0;
  std::map<std::string, std::uint64_t> occurs;
};

}  // namespace

std::string sweep_svg(const J& header, const std::map<std::uint64_t, std::string>& lines, const J& summary) {
  const J& def = header.at("sweep");
  const Plan plan = plan_from_definition(def);
  const SweepSvgLayout L;
  const double pw = L.width - L.left - L.right;

  // The runs by (first varied value, second varied value or 0), the others aggregated.
  std::map<std::pair<double, double>, Cell> cells;
  std::set<double> xs, ys;
  for (const auto& [run, text] : lines) {
    const RunPoint rp = run_point(plan, run, J::parse(text));
    std::pair<double, double> key{0, 0};
    if (rp.error) {
      // bad input: its values are unknown to the plan when it bisected; a grid run's are not
      if (plan.vary.empty() || run >= plan.runs()) continue;
      const std::vector<double> g = plan.grid_values(run / plan.samples);
      key = {g[0], g.size() > 1 ? g[1] : 0};
    } else if (!rp.at.empty()) {
      key = {rp.at[0], rp.at.size() > 1 ? rp.at[1] : 0};
    }
    Cell& c = cells[key];
    ++c.runs;
    if (rp.error) ++c.errors;
    for (const std::string& o : rp.occurs) ++c.occurs[o];
    xs.insert(key.first);
    ys.insert(key.second);
  }

  // The conditions drawn: those some run showed (or, if none did, the first, all clear).
  std::vector<const J*> shown;
  std::vector<std::string> never;
  for (const auto& c : summary.at("conditions")) {
    if (c.at("runs").get<std::uint64_t>()) shown.push_back(&c);
    else never.push_back(c.at("name"));
  }
  if (shown.empty() && !summary.at("conditions").empty()) shown.push_back(&summary.at("conditions")[0]);

  const bool strip = plan.vary.size() == 1, map = plan.vary.size() >= 2;
  const double panel = strip ? L.row + L.row_gap : map ? L.map + L.map_gap : L.row + L.row_gap;
  const double height = L.top + static_cast<double>(shown.size()) * panel + 70;
  std::string title = "isolsim sweep of " + def.at("scenario").get<std::string>() + ": " +
                      std::to_string(summary.at("runs").get<std::uint64_t>()) + " runs";
  Svg svg(L.width, height, title);
  svg.text(10, 18, title, 13);
  std::string axes;
  for (const auto& v : def.at("vary"))
    axes += (axes.empty() ? "" : ", ") + v.at("path").get<std::string>() + " " + v.at("start").dump() + ".." +
            v.at("stop").dump() + " step " + v.at("step").dump();
  for (const auto& j : def.at("jitter"))
    axes += (axes.empty() ? "" : ", ") + j.at("path").get<std::string>() + " ~ " + j.at("dist").get<std::string>();
  if (!axes.empty()) svg.text(10, 34, axes, 11, "start", "#555");

  const Axis ax = Axis::of(xs), ay = Axis::of(ys);
  const auto px = [&](double v) { return L.left + pw * (v - ax.lo) / (ax.hi - ax.lo); };

  for (std::size_t k = 0; k < shown.size(); ++k) {
    const J& cond = *shown[k];
    const std::string name = cond.at("name");
    const double top = L.top + static_cast<double>(k) * panel + (map ? 20 : L.row_gap);
    if (map) {  // the name above its map: the vertical axis' ticks take the left margin
      svg.text(L.left, top - 6, name, 11);
    } else {
      const std::string label = name.size() > 36 ? name.substr(0, 35) + "..." : name;
      svg.text(L.left - 8, top + L.row / 2 + 4, label, 11, "end");
    }
    if (!plan.vary.empty()) {
      const double h = map ? L.map : L.row;
      const auto py = [&](double v) { return top + h - h * (v - ay.lo) / (ay.hi - ay.lo); };
      for (const auto& [key, c] : cells) {
        const auto [x0, x1] = ax.cell(std::lower_bound(ax.values.begin(), ax.values.end(), key.first) - ax.values.begin());
        double y0 = top, y1 = top + h;
        if (map) {
          const auto [v0, v1] = ay.cell(std::lower_bound(ay.values.begin(), ay.values.end(), key.second) - ay.values.begin());
          y0 = py(v1);
          y1 = py(v0);
        }
        const std::uint64_t n = c.occurs.count(name) ? c.occurs.at(name) : 0;
        const std::uint64_t good = c.runs - c.errors;
        std::string tip = plan.vary[0].path + " = " + fmt(key.first);
        if (map) tip += ", " + plan.vary[1].path + " = " + fmt(key.second);
        tip += ": " + name + " in " + std::to_string(n) + " of " + std::to_string(good) + " runs";
        if (c.errors) tip += " (" + std::to_string(c.errors) + " bad input)";
        const std::string fill = good ? shade(static_cast<double>(n) / static_cast<double>(good)) : kError;
        svg.rect(px(x0), y0, std::max(px(x1) - px(x0), 0.5), y1 - y0, fill, tip);
      }
      // Window edges (strip): a line on each boundary between a clear value and a showing one,
      // labelled with the first and last value that showed it.
      if (strip && cond.contains("windows")) {
        double label_end = -1e9;  // where the last label on the first line ends: the next one goes above if it would touch it
        const auto label = [&](double x, const std::string& s, bool before) {
          const double w = 6.0 * static_cast<double>(s.size());
          const double x0 = before ? x - w : x;
          const bool up = x0 < label_end + 3;
          if (!up) label_end = x0 + w;
          svg.text(x, top - (up ? 18 : 7), s, 10, before ? "end" : "start");
        };
        for (const auto& w : cond.at("windows"))
          for (const auto& iv : w.at("intervals")) {
            const double from = iv.at("from").get<double>(), to = iv.at("to").get<double>();
            const std::size_t i = std::lower_bound(ax.values.begin(), ax.values.end(), from) - ax.values.begin();
            const std::size_t j = std::lower_bound(ax.values.begin(), ax.values.end(), to) - ax.values.begin();
            if (i >= ax.values.size() || j >= ax.values.size()) continue;
            const double a = px(ax.cell(i).first), b = px(ax.cell(j).second);
            const std::string dash = iv.at("exact").get<bool>() ? "" : "3,2";
            // an interval the sweep's range cuts has no edge there
            if (!iv.at("clear_below").is_null()) {
              svg.line(a, top - 4, a, top + L.row + 4, "#111", 1.5, dash);
              label(a, fmt(from), true);
            }
            if (!iv.at("clear_above").is_null()) {
              svg.line(b, top - 4, b, top + L.row + 4, "#111", 1.5, dash);
              label(b, fmt(to), false);
            }
          }
      }
      if (map) {
        for (double v : ticks(ay.lo, ay.hi)) {
          svg.line(L.left - 4, py(v), L.left, py(v), "#555");
          svg.text(L.left - 6, py(v) + 3, fmt(v), 9, "end", "#555");
        }
      }
    } else if (cond.contains("probability") && !cond.at("probability").empty()) {
      // Jitter alone: the probability as a bar, its interval as a whisker.
      const J& p = cond.at("probability")[0];
      const double f = p.at("p").get<double>(), lo = p.at("ci95")[0].get<double>(), hi = p.at("ci95")[1].get<double>();
      svg.rect(L.left, top, pw, L.row, "#eeeeee");
      svg.rect(L.left, top, pw * f, L.row, shade(std::max(f, 0.01)),
               name + ": p = " + fmt(f) + ", 95% CI [" + fmt(lo) + ", " + fmt(hi) + "]");
      svg.line(L.left + pw * lo, top + L.row / 2, L.left + pw * hi, top + L.row / 2, "#111", 1.5);
      svg.line(L.left + pw * lo, top + 4, L.left + pw * lo, top + L.row - 4, "#111", 1.5);
      svg.line(L.left + pw * hi, top + 4, L.left + pw * hi, top + L.row - 4, "#111", 1.5);
    }
  }

  // The axis under the last panel.
  const double axis_y = L.top + static_cast<double>(shown.size()) * panel + (map ? 28 - L.map_gap : 8);
  if (!plan.vary.empty()) {
    svg.line(L.left, axis_y, L.left + pw, axis_y, "#555");
    for (double v : ticks(ax.lo, ax.hi)) {
      svg.line(px(v), axis_y, px(v), axis_y + 4, "#555");
      svg.text(px(v), axis_y + 15, fmt(v), 9, "middle", "#555");
    }
    std::string label = plan.vary[0].path;
    if (map) label += " (vertical: " + plan.vary[1].path + ")";
    svg.text(L.left + pw / 2, axis_y + 30, label, 11, "middle");
  } else {
    for (double v : {0.0, 0.25, 0.5, 0.75, 1.0}) svg.text(L.left + pw * v, axis_y + 12, fmt(v), 9, "middle", "#555");
    svg.text(L.left + pw / 2, axis_y + 28, "probability (95% Clopper-Pearson interval)", 11, "middle");
  }
  if (!never.empty()) {
    std::string s = "in no run:";
    for (std::size_t i = 0; i < never.size(); ++i) s += (i ? ", " : " ") + never[i];
    if (s.size() > 160) s = s.substr(0, 157) + "...";
    svg.text(10, height - 8, s, 10, "start", "#555");
  }
  return svg.str();
}

}  // namespace sweep
