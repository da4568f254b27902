#include "sim/bench/suite.h"

#include <algorithm>
#include <filesystem>
#include <set>

#include "sim/scenario/json_doc.h"
#include "sim/scenario/json_reader.h"

namespace bench {
namespace fs = std::filesystem;

namespace {

Suite read_list(const std::string& file) {
  const scenario::JsonDoc doc = scenario::JsonDoc::load_file(file);
  const scenario::ObjectReader root(doc, "");
  root.get_string("description", "");
  Suite s;
  s.path = file;
  s.baseline = (fs::path(file).parent_path() / "baseline.json").string();
  s.tolerance = root.get_double("tolerance", 0.05);
  if (s.tolerance < 0 || s.tolerance > 10) root.fail("tolerance", "must be between 0 and 10 (a relative drift)");
  const fs::path dir = fs::path(file).parent_path();
  std::set<std::string> names;
  const std::size_t n = root.array_size("cases");
  for (std::size_t i = 0; i < n; ++i) {
    const scenario::ObjectReader c = root.element("cases", i);
    Case base;
    base.name = c.get_string("name");
    base.verb = c.get_enum("verb", {"run", "explore", "litmus"}, "run");
    base.file = (dir / c.get_string("file")).lexically_normal().string();
    if (!fs::exists(base.file)) c.fail("file", "no such file: " + base.file);
    if (c.has("set"))
      for (std::size_t k = 0; k < c.array_size("set"); ++k)
        base.sets.push_back(scenario::read_string(doc, c.pointer("set") + "/" + std::to_string(k)));
    base.max_states = c.get_u64("max_states", 0);
    const bool per_protocol = c.has("protocols");
    if (per_protocol) c.array_size("protocols");
    c.finish();
    std::vector<Case> made;
    if (per_protocol) {
      if (base.verb == "litmus") c.fail("protocols", "a litmus test has no protocol");
      for (std::size_t k = 0; k < c.array_size("protocols"); ++k) {
        Case p = base;
        const std::string protocol = scenario::read_string(doc, c.pointer("protocols") + "/" + std::to_string(k));
        p.name += "/" + protocol;
        p.sets.insert(p.sets.begin(), "kernel.protocol=" + protocol);
        made.push_back(p);
      }
    } else {
      made.push_back(base);
    }
    for (Case& m : made) {
      if (!names.insert(m.name).second) c.fail("name", "duplicate case name \"" + m.name + "\"");
      s.cases.push_back(std::move(m));
    }
  }
  root.finish();
  return s;
}

}  // namespace

Suite read_suite(const std::string& path) {
  if (!fs::exists(path)) throw scenario::InputError(path + ": no such suite (a folder or a JSON list)");
  if (!fs::is_directory(path)) return read_list(path);
  if (fs::exists(fs::path(path) / "suite.json")) return read_list((fs::path(path) / "suite.json").string());
  Suite s;
  s.path = path;
  s.baseline = (fs::path(path) / "baseline.json").string();
  std::vector<fs::path> files;
  for (const auto& e : fs::recursive_directory_iterator(path))
    if (e.is_regular_file() && (e.path().extension() == ".json" || e.path().extension() == ".litmus") &&
        e.path().filename() != "baseline.json")
      files.push_back(e.path());
  std::sort(files.begin(), files.end());
  for (const fs::path& f : files) {
    Case c;
    c.name = fs::relative(f, path).string();
    c.verb = f.extension() == ".litmus" ? "litmus" : "run";
    c.file = f.string();
    s.cases.push_back(std::move(c));
  }
  if (s.cases.empty()) throw scenario::InputError(path + ": no *.json scenario or *.litmus test in the suite");
  return s;
}

}  // namespace bench
