#include "sim/scenario/json_reader.h"

#include <cmath>
#include <utility>

#include <nlohmann/json.hpp>

namespace scenario {

using json = nlohmann::json;

namespace {

// JSON-quoted; invalid UTF-8 (possible in command-line overrides) is replaced rather than thrown on.
std::string quoted(const std::string& s) { return json(s).dump(-1, ' ', false, json::error_handler_t::replace); }

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& s : items) {
    if (!out.empty()) out += ", ";
    out += s;
  }
  return out;
}

std::uint64_t to_u64(const JsonDoc& doc, const std::string& ptr, const json& v) {
  const std::string what = "expected an unsigned integer, got ";
  switch (v.type()) {
    case json::value_t::number_unsigned:
      return v.get<std::uint64_t>();
    case json::value_t::number_integer: {
      auto i = v.get<std::int64_t>();
      if (i >= 0) return static_cast<std::uint64_t>(i);  // "-0"
      doc.fail(ptr, what + "negative number " + v.dump());
    }
    case json::value_t::number_float: {
      double d = v.get<double>();
      if (d < 0) doc.fail(ptr, what + "negative number " + v.dump());
      if (!std::isfinite(d) || std::floor(d) != d) doc.fail(ptr, what + "non-integer number " + v.dump());
      if (d >= 18446744073709551616.0) doc.fail(ptr, what + "number " + v.dump() + " (too large)");
      return static_cast<std::uint64_t>(d);
    }
    default:
      doc.fail(ptr, what + describe_value(v));
  }
}

double to_double(const JsonDoc& doc, const std::string& ptr, const json& v) {
  if (!v.is_number()) doc.fail(ptr, "expected a number, got " + describe_value(v));
  return v.get<double>();
}

bool to_bool(const JsonDoc& doc, const std::string& ptr, const json& v) {
  if (!v.is_boolean()) doc.fail(ptr, "expected true or false, got " + describe_value(v));
  return v.get<bool>();
}

std::string to_string(const JsonDoc& doc, const std::string& ptr, const json& v) {
  if (!v.is_string()) doc.fail(ptr, "expected a string, got " + describe_value(v));
  return v.get<std::string>();
}

std::string to_enum(const JsonDoc& doc, const std::string& ptr, const json& v,
                    const std::vector<std::string>& allowed) {
  if (!v.is_string())
    doc.fail(ptr, "expected a string (one of: " + join(allowed) + "), got " + describe_value(v));
  const auto& s = v.get_ref<const std::string&>();
  for (const auto& a : allowed)
    if (a == s) return s;
  doc.fail(ptr, "unknown value " + describe_value(v).substr(7) + " (expected one of: " + join(allowed) + ")");
}

const json& require_at(const JsonDoc& doc, const std::string& ptr, const std::string& expected) {
  const json* v = doc.find(ptr);
  if (!v) doc.fail(ptr, "missing (expected " + expected + ")");
  return *v;
}

}  // namespace

std::string describe_value(const json& v) {
  switch (v.type()) {
    case json::value_t::string: {
      const auto& s = v.get_ref<const std::string&>();
      if (s.size() <= 40) return "string " + quoted(s);
      std::size_t cut = 37;  // do not split a UTF-8 sequence
      while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) --cut;
      std::string q = quoted(s.substr(0, cut));
      return "string " + q.insert(q.size() - 1, "...");
    }
    case json::value_t::boolean:
      return std::string("boolean ") + (v.get<bool>() ? "true" : "false");
    case json::value_t::null:
      return "null";
    case json::value_t::object:
      return "object";
    case json::value_t::array:
      return "array";
    case json::value_t::number_integer:
    case json::value_t::number_unsigned:
    case json::value_t::number_float:
      return "number " + v.dump();
    default:
      return v.type_name();
  }
}

ObjectReader::ObjectReader(const JsonDoc& doc, std::string pointer)
    : doc_(&doc), pointer_(std::move(pointer)), obj_(nullptr) {
  const json& v = require_at(doc, pointer_, "an object");
  if (!v.is_object()) doc.fail(pointer_, "expected an object, got " + describe_value(v));
  obj_ = &v;
}

const json* ObjectReader::lookup(const std::string& key) const {
  known_.insert(key);
  auto it = obj_->find(key);
  return it == obj_->end() ? nullptr : &*it;
}

const json& ObjectReader::require(const std::string& key) const {
  const json* v = lookup(key);
  if (!v) fail_here("missing required key " + quoted(key));
  return *v;
}

bool ObjectReader::has(const std::string& key) const { return lookup(key) != nullptr; }
const json& ObjectReader::raw(const std::string& key) const { return require(key); }
std::string ObjectReader::pointer(const std::string& key) const { return pointer_ + "/" + pointer_escape(key); }
const std::string& ObjectReader::pointer() const { return pointer_; }
const JsonDoc& ObjectReader::doc() const { return *doc_; }

std::uint64_t ObjectReader::get_u64(const std::string& key) const {
  return to_u64(*doc_, pointer(key), require(key));
}
std::uint64_t ObjectReader::get_u64(const std::string& key, std::uint64_t def) const {
  const json* v = lookup(key);
  return v ? to_u64(*doc_, pointer(key), *v) : def;
}

std::uint64_t ObjectReader::get_u64_in(const std::string& key, std::uint64_t lo, std::uint64_t hi) const {
  std::uint64_t v = get_u64(key);
  if (v < lo || v > hi)
    fail(key, "must be between " + std::to_string(lo) + " and " + std::to_string(hi) + ", got " + std::to_string(v));
  return v;
}
std::uint64_t ObjectReader::get_u64_in(const std::string& key, std::uint64_t lo, std::uint64_t hi,
                                       std::uint64_t def) const {
  if (!has(key)) return def;
  return get_u64_in(key, lo, hi);
}

double ObjectReader::get_double(const std::string& key) const {
  return to_double(*doc_, pointer(key), require(key));
}
double ObjectReader::get_double(const std::string& key, double def) const {
  const json* v = lookup(key);
  return v ? to_double(*doc_, pointer(key), *v) : def;
}

bool ObjectReader::get_bool(const std::string& key) const { return to_bool(*doc_, pointer(key), require(key)); }
bool ObjectReader::get_bool(const std::string& key, bool def) const {
  const json* v = lookup(key);
  return v ? to_bool(*doc_, pointer(key), *v) : def;
}

std::string ObjectReader::get_string(const std::string& key) const {
  return to_string(*doc_, pointer(key), require(key));
}
std::string ObjectReader::get_string(const std::string& key, const std::string& def) const {
  const json* v = lookup(key);
  return v ? to_string(*doc_, pointer(key), *v) : def;
}

std::string ObjectReader::get_enum(const std::string& key, const std::vector<std::string>& allowed) const {
  return to_enum(*doc_, pointer(key), require(key), allowed);
}
std::string ObjectReader::get_enum(const std::string& key, const std::vector<std::string>& allowed,
                                   const std::string& def) const {
  const json* v = lookup(key);
  return v ? to_enum(*doc_, pointer(key), *v, allowed) : def;
}

ObjectReader ObjectReader::object(const std::string& key) const {
  require(key);
  return ObjectReader(*doc_, pointer(key));
}

std::size_t ObjectReader::array_size(const std::string& key) const {
  const json& v = require(key);
  if (!v.is_array()) fail(key, "expected an array, got " + describe_value(v));
  return v.size();
}

ObjectReader ObjectReader::element(const std::string& key, std::size_t i) const {
  array_size(key);
  return scenario::element(*doc_, pointer(key), i);
}

void ObjectReader::finish(const std::vector<std::string>& also_allowed) const {
  std::set<std::string> allowed = known_;
  allowed.insert(also_allowed.begin(), also_allowed.end());
  for (const std::string& key : doc_->keys_in_order(pointer_)) {
    if (allowed.count(key)) continue;
    std::string list;
    for (const auto& a : allowed) {
      if (!list.empty()) list += ", ";
      list += a;
    }
    fail(key, "unknown key " + quoted(key) + (list.empty() ? " (no keys allowed here)" : " (allowed: " + list + ")"));
  }
}

void ObjectReader::fail(const std::string& key, const std::string& message) const {
  doc_->fail(pointer(key), message);
}
void ObjectReader::fail_here(const std::string& message) const { doc_->fail(pointer_, message); }

ObjectReader element(const JsonDoc& doc, const std::string& array_pointer, std::size_t i) {
  std::size_t n = read_array_size(doc, array_pointer);
  if (i >= n)
    doc.fail(array_pointer, "index " + std::to_string(i) + " out of range (array has " + std::to_string(n) +
                                (n == 1 ? " element)" : " elements)"));
  return ObjectReader(doc, array_pointer + "/" + std::to_string(i));
}

std::uint64_t read_u64(const JsonDoc& doc, const std::string& pointer) {
  return to_u64(doc, pointer, require_at(doc, pointer, "an unsigned integer"));
}
double read_double(const JsonDoc& doc, const std::string& pointer) {
  return to_double(doc, pointer, require_at(doc, pointer, "a number"));
}
bool read_bool(const JsonDoc& doc, const std::string& pointer) {
  return to_bool(doc, pointer, require_at(doc, pointer, "true or false"));
}
std::string read_string(const JsonDoc& doc, const std::string& pointer) {
  return to_string(doc, pointer, require_at(doc, pointer, "a string"));
}
std::size_t read_array_size(const JsonDoc& doc, const std::string& pointer) {
  const json& v = require_at(doc, pointer, "an array");
  if (!v.is_array()) doc.fail(pointer, "expected an array, got " + describe_value(v));
  return v.size();
}

}  // namespace scenario
