// Strict JSON documents with source positions.
//
// nlohmann::json keeps no source positions, so JsonDoc parses through nlohmann's SAX interface,
// builds the DOM itself and remembers, for every value, the line it starts on, keyed by its
// JSON Pointer (RFC 6901): "" is the root, "/kernel/protocol", "/workload/0/1/at". For an object
// member the recorded line is the line of its key (where the member starts).
//
// Every bad input is reported as an InputError whose what() is one line:
//   "file:LINE: /json/pointer: message"
//   "file: /json/pointer (--set PATH=VALUE): message"   (the value came from a command-line override)
//   "file:LINE: malformed JSON: ..."                      (syntax error)
//   "file: cannot read file: <strerror>"
#pragma once

#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace scenario {

// One bad-input error; what() is the whole one-line message "file:line: /path: message".
class InputError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Escapes one reference token for a JSON Pointer ("~" -> "~0", "/" -> "~1").
std::string pointer_escape(const std::string& key);

// The deepest nesting of arrays and objects a scenario file may have (a real one has under ten).
constexpr std::size_t kMaxJsonDepth = 256;

class JsonDoc {
 public:
  static JsonDoc load_file(const std::string& path);                       // throws InputError
  static JsonDoc parse(const std::string& text, const std::string& name);  // name used in messages

  JsonDoc(const JsonDoc& other);
  JsonDoc(JsonDoc&& other) noexcept;
  JsonDoc& operator=(const JsonDoc& other);
  JsonDoc& operator=(JsonDoc&& other) noexcept;
  ~JsonDoc();

  const nlohmann::json& root() const;
  nlohmann::json& root();
  const std::string& name() const;

  // Line (1-based) the value at `pointer` starts on; 0 when unknown (e.g. it came from an override).
  int line_of(const std::string& pointer) const;

  // The value at `pointer`, or nullptr if there is none (or the pointer is malformed).
  const nlohmann::json* find(const std::string& pointer) const;

  // Keys of the object at `pointer` in document order; keys added by overrides come last, sorted.
  // Empty if there is no object there.
  std::vector<std::string> keys_in_order(const std::string& pointer) const;

  // Formats and throws: "name:LINE: POINTER: message". If the pointer's line is unknown, uses the
  // nearest ancestor pointer that has a line; if the value (or an ancestor) came from --set, says
  // "(--set PATH=VALUE)" instead of a line: "name: /kernel/protocol (--set kernel.protocol=foo): message".
  // The root pointer "" is not printed: "name:1: message".
  [[noreturn]] void fail(const std::string& pointer, const std::string& message) const;

  // Applies a command-line override "PATH=VALUE". PATH is dotted with numeric components for array
  // indices ("kernel.protocol", "workload.2.0.at", "platform.cpus") or a JSON pointer
  // ("/kernel/protocol"). VALUE is parsed as JSON if it parses (numbers, true/false, null, arrays,
  // objects, quoted strings), otherwise taken as a plain string. Missing (or null) intermediate
  // objects are created; indexing past an array's end, a non-numeric index into an array, or
  // indexing into a scalar is an InputError naming the override. Source lines recorded for the
  // replaced value are forgotten and fail() reports the override instead.
  void apply_override(const std::string& assignment);

 private:
  JsonDoc();
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace scenario
