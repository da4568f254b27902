// Strict schema walking over a JsonDoc: typed getters that report bad values at their source line,
// and finish(), which rejects every key nobody asked about, so no unknown key is silently ignored.
//
// An ObjectReader caches a pointer into the document's tree: do not keep it across
// JsonDoc::apply_override() or other modifications of the document.
#pragma once

#include <cstddef>
#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "sim/scenario/json_doc.h"

namespace scenario {

// Short description of a value for messages: `string "x"`, `number 3`, `boolean true`, `null`,
// `object`, `array` (long strings are shortened).
std::string describe_value(const nlohmann::json& v);

class ObjectReader {
 public:
  ObjectReader(const JsonDoc& doc, std::string pointer);  // fails unless the value there is an object

  // Every key passed to has(), raw(), the getters, object(), array_size() or element() is "known":
  // finish() accepts it and lists it as allowed.
  bool has(const std::string& key) const;
  const nlohmann::json& raw(const std::string& key) const;  // fails if missing
  std::string pointer(const std::string& key) const;        // child pointer (escapes ~ and / per RFC 6901)
  const std::string& pointer() const;                       // this object's pointer

  // Typed getters fail with a message like "expected an unsigned integer, got string \"x\"".
  // The one-argument forms are required ("missing required key \"k\"", reported at this object);
  // the forms with a default return it when the key is absent (null is not absent: it is a type error).
  std::uint64_t get_u64(const std::string& key) const;
  std::uint64_t get_u64(const std::string& key, std::uint64_t def) const;
  // "must be between lo and hi, got v" (the default is not range-checked).
  std::uint64_t get_u64_in(const std::string& key, std::uint64_t lo, std::uint64_t hi) const;
  std::uint64_t get_u64_in(const std::string& key, std::uint64_t lo, std::uint64_t hi, std::uint64_t def) const;
  double get_double(const std::string& key) const;
  double get_double(const std::string& key, double def) const;
  bool get_bool(const std::string& key) const;
  bool get_bool(const std::string& key, bool def) const;
  std::string get_string(const std::string& key) const;
  std::string get_string(const std::string& key, const std::string& def) const;
  // "unknown value \"x\" (expected one of: a, b)"; `allowed` is listed in the order given.
  std::string get_enum(const std::string& key, const std::vector<std::string>& allowed) const;
  std::string get_enum(const std::string& key, const std::vector<std::string>& allowed, const std::string& def) const;

  ObjectReader object(const std::string& key) const;           // required child object
  std::size_t array_size(const std::string& key) const;        // required; fails unless array
  ObjectReader element(const std::string& key, std::size_t i) const;  // object at key[i]

  // Fails with "unknown key \"k\" (allowed: a, b, c)" at the unknown key's own pointer, for the first
  // key (in document order) that is neither known (see above) nor listed in `also_allowed`.
  void finish(const std::vector<std::string>& also_allowed = {}) const;

  [[noreturn]] void fail(const std::string& key, const std::string& message) const;  // at child pointer
  [[noreturn]] void fail_here(const std::string& message) const;                     // at this object
  const JsonDoc& doc() const;

 private:
  const nlohmann::json* lookup(const std::string& key) const;   // marks known; nullptr if absent
  const nlohmann::json& require(const std::string& key) const;  // marks known; fails if absent

  const JsonDoc* doc_;
  std::string pointer_;
  const nlohmann::json* obj_;
  mutable std::set<std::string> known_;
};

// The object at element `i` of the array at `array_pointer`; fails if that is not an array, if `i`
// is out of range, or if the element is not an object.
ObjectReader element(const JsonDoc& doc, const std::string& array_pointer, std::size_t i);

// Typed reads of the value at any pointer (e.g. array elements); fail like the getters above.
std::uint64_t read_u64(const JsonDoc& doc, const std::string& pointer);
double read_double(const JsonDoc& doc, const std::string& pointer);
bool read_bool(const JsonDoc& doc, const std::string& pointer);
std::string read_string(const JsonDoc& doc, const std::string& pointer);
// Size of the array at `pointer`; fails unless there is an array there.
std::size_t read_array_size(const JsonDoc& doc, const std::string& pointer);

}  // namespace scenario
