#include "sim/sweep/sweep_plan.h"

#include "sim/scenario/scenario.h"

#include <cmath>
#include <random>
#include <sstream>

namespace sweep {
namespace {

[[noreturn]] void bad(const std::string& option, const std::string& arg, const std::string& msg) {
  throw scenario::InputError(option + " " + arg + ": " + msg);
}

bool parse_double(const std::string& s, double& out) {
  if (s.empty()) return false;
  std::size_t used = 0;
  try {
    out = std::stod(s, &used);
  } catch (const std::exception&) {
    return false;
  }
  return used == s.size() && std::isfinite(out);
}

bool whole(double v) { return std::floor(v) == v; }

// "PATH=REST" of an option: the path as written, its JSON pointer, and REST.
struct Assignment { std::string path, pointer, rest; };
Assignment split_assignment(const std::string& option, const std::string& arg, const std::string& form) {
  const auto eq = arg.find('=');
  if (eq == std::string::npos || eq == 0) bad(option, arg, "expected " + form);
  return {arg.substr(0, eq), to_pointer(arg.substr(0, eq)), arg.substr(eq + 1)};
}

// The number at `pointer` in the scenario. A path the file leaves at its default is tried with
// `probe`: if the scenario loads with it set, the key exists (and takes whole numbers when `probe`
// is one). Anything else is a typo, named before any run.
nlohmann::json scenario_number(const scenario::JsonDoc& doc, const std::string& option, const std::string& arg,
                               const std::string& path, const std::string& pointer, double probe) {
  if (const nlohmann::json* v = doc.find(pointer)) {
    if (!v->is_number())
      bad(option, arg, "\"" + path + "\" is " + v->dump() + " in " + doc.name() + ", not a number");
    return *v;
  }
  const nlohmann::json value = whole(probe) ? nlohmann::json(static_cast<std::int64_t>(probe)) : nlohmann::json(probe);
  scenario::JsonDoc d = doc;
  try {
    d.apply_override(path + "=" + value.dump());
    scenario::load_scenario(d);
  } catch (const scenario::InputError& e) {
    bad(option, arg, "\"" + path + "\" names nothing in " + doc.name() + " and setting it fails: " + e.what());
  }
  return value;
}

// "name(A,B)" -> A, B.
bool two_args(const std::string& s, const std::string& name, double& a, double& b) {
  if (s.rfind(name + "(", 0) != 0 || s.back() != ')') return false;
  const std::string inner = s.substr(name.size() + 1, s.size() - name.size() - 2);
  const auto comma = inner.find(',');
  return comma != std::string::npos && parse_double(inner.substr(0, comma), a) &&
         parse_double(inner.substr(comma + 1), b);
}

// splitmix64: one well-mixed seed per (sweep seed, run, jitter), so that a run's draws do not
// depend on which runs came before it.
std::uint64_t mix(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

}  // namespace

std::string to_pointer(const std::string& path) {
  if (path.empty() || path[0] == '/') return path;
  std::string out;
  std::istringstream in(path);
  std::string part;
  while (std::getline(in, part, '.')) out += "/" + scenario::pointer_escape(part);
  return out;
}

nlohmann::json number(double v, bool integer) {
  if (integer) return static_cast<std::int64_t>(std::llround(v));
  return v;
}

std::uint64_t Vary::count() const {
  // Counted, not accumulated: no drift for fractional steps.
  return static_cast<std::uint64_t>(std::floor((stop - start) / step + 1e-9)) + 1;
}

Vary parse_vary(const std::string& arg, const scenario::JsonDoc& doc) {
  const Assignment a = split_assignment("--vary", arg, "PATH=START:STOP:STEP");
  Vary v;
  v.path = a.path;
  v.pointer = a.pointer;
  const std::string& range = a.rest;
  const auto c1 = range.find(':'), c2 = c1 == std::string::npos ? c1 : range.find(':', c1 + 1);
  if (c2 == std::string::npos || !parse_double(range.substr(0, c1), v.start) ||
      !parse_double(range.substr(c1 + 1, c2 - c1 - 1), v.stop) || !parse_double(range.substr(c2 + 1), v.step))
    bad("--vary", arg, "expected PATH=START:STOP:STEP (numbers)");
  if (v.step <= 0) bad("--vary", arg, "STEP must be positive");
  if (v.stop < v.start) bad("--vary", arg, "STOP is below START");
  if ((v.stop - v.start) / v.step > 1e7) bad("--vary", arg, "more than 10,000,000 values");
  const nlohmann::json cur = scenario_number(doc, "--vary", arg, v.path, v.pointer, v.start);
  v.integer = cur.is_number_integer() && whole(v.start) && whole(v.step);
  if (cur.is_number_integer() && !v.integer) bad("--vary", arg, "\"" + v.path + "\" takes whole numbers");
  return v;
}

Jitter parse_jitter(const std::string& arg, const scenario::JsonDoc& doc) {
  const Assignment a = split_assignment("--jitter", arg, "PATH=DIST");
  Jitter j;
  j.path = a.path;
  j.pointer = a.pointer;
  std::string d = a.rest;
  j.text = d;
  if (!d.empty() && d[0] == '+') {
    j.offset = true;
    d = d.substr(1);
  }
  if (d.empty()) bad("--jitter", arg, "expected uniform(A,B), normal(MEAN,SD) or [V1,V2,...]");
  if (two_args(d, "uniform", j.a, j.b)) {
    j.kind = Jitter::kUniform;
    if (j.b < j.a) bad("--jitter", arg, "uniform(A,B) needs A <= B");
  } else if (two_args(d, "normal", j.a, j.b)) {
    j.kind = Jitter::kNormal;
    if (j.b < 0) bad("--jitter", arg, "normal(MEAN,SD) needs SD >= 0");
  } else if (d[0] == '[') {
    j.kind = Jitter::kList;
    const nlohmann::json l = nlohmann::json::parse(d, nullptr, false);
    if (l.is_discarded() || !l.is_array() || l.empty()) bad("--jitter", arg, "a list is [V1,V2,...] of numbers");
    for (const auto& x : l) {
      if (!x.is_number()) bad("--jitter", arg, "a list is [V1,V2,...] of numbers");
      j.list.push_back(x.get<double>());
    }
  } else {
    bad("--jitter", arg, "expected uniform(A,B), normal(MEAN,SD) or [V1,V2,...]");
  }
  if (j.offset && !doc.find(j.pointer))
    bad("--jitter", arg, "+DIST adds to the value in " + doc.name() + ", which leaves \"" + j.path +
                             "\" at its default: write the value there, or draw it whole");
  j.integer = scenario_number(doc, "--jitter", arg, j.path, j.pointer,
                              j.kind == Jitter::kList ? j.list[0] : j.a).is_number_integer();
  return j;
}

When parse_when(const std::string& arg) {
  When w;
  w.text = arg;
  static const char* ops[] = {"==", "!=", "<=", ">=", "<", ">"};
  for (const char* op : ops) {
    const auto at = arg.find(op);
    if (at == std::string::npos) continue;
    auto trim = [](std::string s) {
      const auto a = s.find_first_not_of(" \t"), b = s.find_last_not_of(" \t");
      return a == std::string::npos ? std::string() : s.substr(a, b - a + 1);
    };
    w.path = trim(arg.substr(0, at));
    w.op = op;
    const std::string v = trim(arg.substr(at + std::string(op).size()));
    w.value = nlohmann::json::parse(v, nullptr, false);
    if (w.path.empty() || w.value.is_discarded() || w.value.is_object())
      bad("--when", arg, "expected 'PATH OP VALUE' (OP one of == != < <= > >=, VALUE a JSON value)");
    return w;
  }
  bad("--when", arg, "expected 'PATH OP VALUE' (OP one of == != < <= > >=)");
}

std::uint64_t Plan::grid_points() const {
  std::uint64_t n = 1;
  for (const Vary& v : vary) n = n > (std::uint64_t(1) << 40) ? n : n * v.count();  // saturates far above any limit
  return n;
}

std::vector<double> Plan::grid_values(std::uint64_t g) const {
  // The last vary changes fastest: a 1-D sweep of the first path for each value of the others
  // reads as consecutive rows.
  std::vector<double> out(vary.size());
  for (std::size_t k = vary.size(); k-- > 0;) {
    out[k] = vary[k].value(g % vary[k].count());
    g /= vary[k].count();
  }
  return out;
}

nlohmann::ordered_json Plan::values(std::uint64_t index, const scenario::JsonDoc& base) const {
  nlohmann::ordered_json out = nlohmann::ordered_json::object();
  const std::vector<double> g = grid_values(index / samples);
  for (std::size_t k = 0; k < vary.size(); ++k) out[vary[k].path] = number(g[k], vary[k].integer);
  for (std::size_t k = 0; k < jitter.size(); ++k) {
    const Jitter& j = jitter[k];
    std::mt19937_64 rng(mix(mix(seed) ^ mix(index * 1315423911ull + k)));
    double x = 0;
    if (j.kind == Jitter::kUniform) {
      // Whole-number scenario values draw whole numbers, each equally likely.
      x = j.integer ? static_cast<double>(std::uniform_int_distribution<std::int64_t>(
                          std::llround(std::ceil(j.a)), std::llround(std::floor(j.b)))(rng))
                    : std::uniform_real_distribution<double>(j.a, j.b)(rng);
    } else if (j.kind == Jitter::kNormal) {
      x = j.b == 0 ? j.a : std::normal_distribution<double>(j.a, j.b)(rng);
    } else {
      x = j.list[std::uniform_int_distribution<std::size_t>(0, j.list.size() - 1)(rng)];
    }
    if (j.offset) {
      double before = 0;
      if (out.contains(j.path)) before = out[j.path].get<double>();
      else before = base.find(j.pointer)->get<double>();
      x += before;
    }
    out[j.path] = number(x, j.integer);
  }
  return out;
}

Plan plan_from_definition(const nlohmann::ordered_json& d) {
  Plan p;
  p.file = d.value("scenario", "");
  for (const auto& v : d.at("vary")) {
    Vary x;
    x.path = v.at("path");
    x.pointer = to_pointer(x.path);
    x.start = v.at("start");
    x.stop = v.at("stop");
    x.step = v.at("step");
    x.integer = v.at("start").is_number_integer() && v.at("step").is_number_integer();
    p.vary.push_back(x);
  }
  p.samples = d.at("samples");
  p.seed = d.at("seed");
  return p;
}

nlohmann::ordered_json Plan::definition() const {
  nlohmann::ordered_json d;
  d["scenario"] = file;
  d["set"] = sets;
  nlohmann::ordered_json vs = nlohmann::ordered_json::array();
  for (const Vary& v : vary)
    vs.push_back({{"path", v.path}, {"start", number(v.start, v.integer)}, {"stop", number(v.stop, v.integer)},
                  {"step", number(v.step, v.integer)}, {"values", v.count()}});
  d["vary"] = vs;
  nlohmann::ordered_json js = nlohmann::ordered_json::array();
  for (const Jitter& j : jitter) js.push_back({{"path", j.path}, {"dist", j.text}});
  d["jitter"] = js;
  d["samples"] = samples;
  d["seed"] = seed;
  nlohmann::ordered_json ws = nlohmann::ordered_json::array();
  for (const When& w : when) ws.push_back(w.text);
  d["when"] = ws;
  d["runs"] = runs();
  return d;
}

}  // namespace sweep
