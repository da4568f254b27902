#include "expect.h"

#include <sstream>

namespace run {

const nlohmann::ordered_json* lookup(const nlohmann::ordered_json& report, const std::string& path) {
  const nlohmann::ordered_json* cur = &report;
  std::istringstream in(path);
  std::string part;
  while (std::getline(in, part, '.')) {
    if (cur->is_object()) {
      auto it = cur->find(part);
      if (it == cur->end()) return nullptr;
      cur = &*it;
    } else if (cur->is_array()) {
      if (part.empty() || part.size() > 9 || part.find_first_not_of("0123456789") != std::string::npos)
        return nullptr;
      const std::size_t i = std::stoul(part);
      if (i >= cur->size()) return nullptr;
      cur = &(*cur)[i];
    } else {
      return nullptr;
    }
  }
  return cur;
}

bool holds(const nlohmann::json& a, const std::string& op, const nlohmann::json& b) {
  if (op == "==") return a == b;
  if (op == "!=") return a != b;
  if (!a.is_number() || !b.is_number()) return false;
  const double x = a.get<double>(), y = b.get<double>();
  if (op == "<") return x < y;
  if (op == "<=") return x <= y;
  if (op == ">") return x > y;
  return x >= y;
}

void check_paths(const scenario::JsonDoc& doc, const std::vector<scenario::Expect>& ex, const ReportShape& shape) {
  for (const scenario::Expect& e : ex)
    if (const std::string why = path_problem(shape, e.path); !why.empty())
      doc.fail(e.pointer + "/path", why + " (see docs/report.md for the report's fields)");
}

std::vector<ExpectResult> check(const scenario::JsonDoc& doc, const std::vector<scenario::Expect>& ex,
                                const nlohmann::ordered_json& report) {
  std::vector<ExpectResult> out;
  for (const scenario::Expect& e : ex) {
    const nlohmann::ordered_json* v = lookup(report, e.path);
    if (v && (v->is_object() || (v->is_array() && !e.value.is_array())))
      doc.fail(e.pointer + "/path", "\"" + e.path + "\" is not a single value (see docs/report.md for the report's fields)");
    ExpectResult r;
    r.text = e.text;
    r.actual = value_at(report, e.path).value_or(nullptr);  // null: the run left nothing there
    r.ok = holds(r.actual, e.op, e.value);
    out.push_back(std::move(r));
  }
  return out;
}

}  // namespace run
