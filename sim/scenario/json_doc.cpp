#include "sim/scenario/json_doc.h"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <iterator>
#include <limits>
#include <map>
#include <optional>
#include <unordered_map>
#include <utility>

#include <nlohmann/json.hpp>

namespace scenario {

using json = nlohmann::json;

namespace json_doc_detail {
struct Pos {
  int line = 0;
  std::size_t order = 0;  // document order of the value (pre-order)
};
}  // namespace json_doc_detail
using json_doc_detail::Pos;

namespace {

// The error of one line, for every error this file throws: a key or a value quoted in the message
// may hold control characters (a JSON string may say "\n"), written escaped as JSON writes them.
InputError one_line_error(const std::string& text) {
  std::string out;
  for (unsigned char c : text) {
    if (c == '\n') out += "\\n";
    else if (c == '\r') out += "\\r";
    else if (c == '\t') out += "\\t";
    else if (c < 0x20 || c == 0x7f) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", c);
      out += buf;
    } else out += static_cast<char>(c);
  }
  return InputError(out);
}

bool starts_with(const std::string& s, const std::string& prefix) {
  return s.size() >= prefix.size() && s.compare(0, prefix.size(), prefix) == 0;
}

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

bool is_ws(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

std::string parent_of(const std::string& pointer) {
  auto slash = pointer.rfind('/');
  return slash == std::string::npos ? std::string() : pointer.substr(0, slash);
}

// Splits a JSON pointer into unescaped reference tokens. Returns false if malformed.
bool split_pointer(const std::string& pointer, std::vector<std::string>& tokens) {
  tokens.clear();
  if (pointer.empty()) return true;
  if (pointer[0] != '/') return false;
  std::string cur;
  for (std::size_t i = 1; i <= pointer.size(); ++i) {
    if (i == pointer.size() || pointer[i] == '/') {
      tokens.push_back(cur);
      cur.clear();
    } else if (pointer[i] == '~') {
      if (i + 1 >= pointer.size()) return false;
      char n = pointer[++i];
      if (n == '0') cur += '~';
      else if (n == '1') cur += '/';
      else return false;
    } else {
      cur += pointer[i];
    }
  }
  return true;
}

// RFC 6901 array index: "0" or digits without a leading zero. Returns false if not an index.
bool parse_index(const std::string& tok, std::size_t& out) {
  if (tok.empty() || tok.size() > 19) return false;
  if (tok.size() > 1 && tok[0] == '0') return false;
  std::size_t v = 0;
  for (char c : tok) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + static_cast<std::size_t>(c - '0');
  }
  out = v;
  return true;
}

// Line numbers of byte offsets.
class LineIndex {
 public:
  explicit LineIndex(const std::string& text) : text_(text) {
    starts_.push_back(0);
    for (std::size_t i = 0; i < text.size(); ++i)
      if (text[i] == '\n') starts_.push_back(i + 1);
  }
  // 1-based line of the byte at `offset` (a '\n' belongs to the line it ends).
  int line_at(std::size_t offset) const {
    auto it = std::upper_bound(starts_.begin(), starts_.end(), offset);
    return static_cast<int>(it - starts_.begin());
  }
  // Line of the last non-whitespace byte among the first `consumed` bytes (line 1 if none).
  int line_of_last_token(std::size_t consumed) const {
    std::size_t n = std::min(consumed, text_.size());
    while (n > 0 && is_ws(text_[n - 1])) --n;
    return n == 0 ? 1 : line_at(n - 1);
  }

 private:
  const std::string& text_;
  std::vector<std::size_t> starts_;
};

// Input iterator over a char buffer that publishes how many bytes the lexer has consumed.
class CountingIterator {
 public:
  using iterator_category = std::input_iterator_tag;
  using value_type = char;
  using difference_type = std::ptrdiff_t;
  using pointer = const char*;
  using reference = const char&;

  CountingIterator(const char* base, const char* p, std::size_t* consumed)
      : base_(base), p_(p), consumed_(consumed) {}
  reference operator*() const { return *p_; }
  CountingIterator& operator++() {
    ++p_;
    if (consumed_) *consumed_ = static_cast<std::size_t>(p_ - base_);
    return *this;
  }
  CountingIterator operator++(int) {
    CountingIterator old = *this;
    ++*this;
    return old;
  }
  bool operator==(const CountingIterator& o) const { return p_ == o.p_; }
  bool operator!=(const CountingIterator& o) const { return p_ != o.p_; }

 private:
  const char* base_;
  const char* p_;
  std::size_t* consumed_;
};

std::string truncate_middle(const std::string& s, std::size_t max) {
  if (s.size() <= max) return s;
  std::size_t tail = max / 3;
  return s.substr(0, max - tail - 3) + "..." + s.substr(s.size() - tail);
}

// Turns nlohmann's parse_error what() into a short one-line message (without the
// "[json.exception.parse_error.101] parse error at line L, column C: syntax error while parsing X - "
// noise).
std::string clean_parse_message(const std::string& what) {
  std::string m = what;
  if (starts_with(m, "[json.exception.")) {
    auto e = m.find("] ");
    if (e != std::string::npos) m = m.substr(e + 2);
  }
  if (starts_with(m, "parse error")) {
    auto c = m.find(": ");
    if (c != std::string::npos) m = m.substr(c + 2);
  }
  std::string context;
  const std::string se = "syntax error while parsing ";
  if (starts_with(m, se)) {
    auto d = m.find(" - ", se.size());
    if (d != std::string::npos) {
      context = m.substr(se.size(), d - se.size());
      m = m.substr(d + 3);
    }
  } else if (starts_with(m, "syntax error - ")) {
    m = m.substr(15);
  }

  // Optional "; expected E" suffix (E is one of nlohmann's token names).
  static const char* const kTokenNames[] = {
      "true literal", "false literal", "null literal", "string literal", "number literal",
      "'['", "'{'", "']'", "'}'", "':'", "','", "end of input", "'[', '{', or a literal"};
  std::string expected;
  for (const char* name : kTokenNames) {
    std::string suffix = std::string("; expected ") + name;
    if (ends_with(m, suffix)) {
      expected = name;
      m.erase(m.size() - suffix.size());
      break;
    }
  }

  // Lexer error: "MESSAGE; last read: 'TOKEN'".
  const std::string lr = "; last read: '";
  auto lrpos = m.find(lr);
  if (lrpos != std::string::npos && ends_with(m, "'")) {
    std::string token = m.substr(lrpos + lr.size(), m.size() - lrpos - lr.size() - 1);
    if (starts_with(m, "invalid literal")) {
      // nlohmann does not reset its token buffer before literals, so it may still hold earlier
      // tokens and whitespace: keep only what follows the last separator before the final byte.
      std::string body = token.substr(0, token.empty() ? 0 : token.size() - 1);
      std::size_t cut = 0;
      for (const char* sep : {" ", "\t", "<U+000A>", "<U+000D>", "<U+0009>", ",", ":", "[", "]", "{", "}"}) {
        auto at = body.rfind(sep);
        if (at != std::string::npos) cut = std::max(cut, at + std::strlen(sep));
      }
      token = token.substr(cut);
    }
    return m.substr(0, lrpos) + "; last read: '" + truncate_middle(token, 40) + "'";
  }

  const std::string un = "unexpected ";
  if (!starts_with(m, un) || m.find(';') != std::string::npos) return m;  // unknown shape: keep it
  std::string got = m.substr(un.size());
  std::string phrase;
  if (context == "object" && expected == "'}'") phrase = "expected ',' or '}' after object member";
  else if (context == "array" && expected == "']'") phrase = "expected ',' or ']' after array element";
  else if (context == "object key") phrase = "expected a string as object key";
  else if (context == "object separator") phrase = "expected ':' after object key";
  else if (context == "value" && expected == "end of input") phrase = "expected end of input after the top-level value";
  else if (context == "value") phrase = "expected a value";
  else if (!expected.empty()) phrase = "expected " + expected;
  else return m;
  return phrase + ", got " + got;
}

}  // namespace

std::string pointer_escape(const std::string& key) {
  std::string out;
  out.reserve(key.size());
  for (char c : key) {
    if (c == '~') out += "~0";
    else if (c == '/') out += "~1";
    else out += c;
  }
  return out;
}

namespace json_doc_detail {
struct DocData {
  std::string name;
  json root;
  std::unordered_map<std::string, Pos> pos;      // pointer -> source position
  std::map<std::string, std::string> overrides;  // pointer -> "PATH=VALUE" that set it
};
}  // namespace json_doc_detail

struct JsonDoc::Impl : json_doc_detail::DocData {};

namespace {

// SAX handler that builds the DOM and records positions.
class DomBuilder {
 public:
  DomBuilder(const std::string& text, const std::size_t* consumed, json_doc_detail::DocData& out)
      : lines_(text), consumed_(consumed), out_(out) {}

  const std::optional<std::string>& error() const { return error_; }

  bool null() { return scalar(json(nullptr)); }
  bool boolean(bool v) { return scalar(json(v)); }
  bool number_integer(json::number_integer_t v) { return scalar(json(v)); }
  bool number_unsigned(json::number_unsigned_t v) { return scalar(json(v)); }
  bool number_float(json::number_float_t v, const json::string_t& /*text*/) { return scalar(json(v)); }
  bool string(json::string_t& v) { return scalar(json(std::move(v))); }
  bool binary(json::binary_t& /*v*/) {
    error_ = out_.name + ":" + std::to_string(current_line()) + ": malformed JSON: unexpected binary value";
    return false;
  }

  bool start_object(std::size_t /*elements*/) {
    if (too_deep()) return false;
    std::string ptr;
    json* node = add(json::object(), ptr);
    stack_.push_back(Frame{node, std::move(ptr), std::string(), 0, 0});
    return true;
  }
  bool key(json::string_t& k) {
    Frame& top = stack_.back();
    int line = current_line();
    if (top.node->contains(k)) {
      std::string ptr = top.pointer + "/" + pointer_escape(k);
      std::string msg = out_.name + ":" + std::to_string(line) + ": " + ptr + ": duplicate key " + json(k).dump();
      auto it = out_.pos.find(ptr);
      if (it != out_.pos.end()) msg += " (first defined on line " + std::to_string(it->second.line) + ")";
      error_ = std::move(msg);
      return false;
    }
    top.key = std::move(k);
    top.key_line = line;
    return true;
  }
  bool end_object() {
    stack_.pop_back();
    return true;
  }
  bool start_array(std::size_t /*elements*/) {
    if (too_deep()) return false;
    std::string ptr;
    json* node = add(json::array(), ptr);
    stack_.push_back(Frame{node, std::move(ptr), std::string(), 0, 0});
    return true;
  }
  bool end_array() {
    stack_.pop_back();
    return true;
  }

  bool parse_error(std::size_t position, const std::string& /*last_token*/, const json::exception& ex) {
    error_ = out_.name + ":" + std::to_string(lines_.line_of_last_token(position)) +
             ": malformed JSON: " + clean_parse_message(ex.what());
    return false;
  }

 private:
  struct Frame {
    json* node;
    std::string pointer;
    std::string key;        // current member key (objects)
    int key_line;           // line of that key
    std::size_t next_index; // next element index (arrays)
  };

  int current_line() const { return lines_.line_of_last_token(*consumed_); }

  // Every node keeps its JSON pointer, so memory grows with the square of the depth: a scenario
  // nests a handful of levels; far deeper is a broken or hostile file, refused at once.
  bool too_deep() {
    if (stack_.size() < kMaxJsonDepth) return false;
    std::string where = stack_.back().pointer;
    if (where.size() > 40) where = where.substr(0, where.rfind('/', 40)) + "/...";  // whole tokens
    error_ = out_.name + ":" + std::to_string(current_line()) + ": " + where +
             ": malformed JSON: nested deeper than " + std::to_string(kMaxJsonDepth) + " arrays and objects";
    return true;
  }

  bool scalar(json&& v) {
    std::string ptr;
    add(std::move(v), ptr);
    return true;
  }

  // Inserts `v` at the current position; returns the stored node and sets `ptr` to its pointer.
  json* add(json&& v, std::string& ptr) {
    int line = current_line();
    json* node;
    if (stack_.empty()) {
      out_.root = std::move(v);
      node = &out_.root;
      ptr.clear();
    } else {
      Frame& top = stack_.back();
      if (top.node->is_array()) {
        ptr = top.pointer + "/" + std::to_string(top.next_index++);
        top.node->push_back(std::move(v));
        node = &top.node->back();
      } else {
        ptr = top.pointer + "/" + pointer_escape(top.key);
        line = top.key_line;  // a member starts at its key
        node = &((*top.node)[top.key] = std::move(v));
      }
    }
    out_.pos[ptr] = Pos{line, order_++};
    return node;
  }

  LineIndex lines_;
  const std::size_t* consumed_;
  json_doc_detail::DocData& out_;
  std::vector<Frame> stack_;
  std::size_t order_ = 0;
  std::optional<std::string> error_;
};

}  // namespace

JsonDoc::JsonDoc() : impl_(std::make_unique<Impl>()) {}
JsonDoc::JsonDoc(const JsonDoc& other) : impl_(std::make_unique<Impl>(*other.impl_)) {}
JsonDoc::JsonDoc(JsonDoc&& other) noexcept = default;
JsonDoc& JsonDoc::operator=(const JsonDoc& other) {
  if (this != &other) impl_ = std::make_unique<Impl>(*other.impl_);
  return *this;
}
JsonDoc& JsonDoc::operator=(JsonDoc&& other) noexcept = default;
JsonDoc::~JsonDoc() = default;

JsonDoc JsonDoc::load_file(const std::string& path) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) throw one_line_error(path + ": cannot read file: " + std::strerror(errno));
  std::string text;
  char buf[1 << 16];
  std::size_t n;
  errno = 0;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) text.append(buf, n);
  if (std::ferror(f)) {
    int e = errno;
    std::fclose(f);
    throw one_line_error(path + ": cannot read file: " + std::strerror(e ? e : EIO));
  }
  std::fclose(f);
  return parse(text, path);
}

JsonDoc JsonDoc::parse(const std::string& text, const std::string& name) {
  JsonDoc doc;
  doc.impl_->name = name;
  std::size_t consumed = 0;
  DomBuilder builder(text, &consumed, *doc.impl_);
  const char* base = text.data();
  CountingIterator first(base, base, &consumed);
  CountingIterator last(base, base + text.size(), nullptr);
  bool ok = json::sax_parse(first, last, &builder, json::input_format_t::json, /*strict=*/true,
                            /*ignore_comments=*/false);
  if (builder.error()) throw one_line_error(*builder.error());
  if (!ok) throw one_line_error(name + ": malformed JSON");
  return doc;
}

const json& JsonDoc::root() const { return impl_->root; }
json& JsonDoc::root() { return impl_->root; }
const std::string& JsonDoc::name() const { return impl_->name; }

int JsonDoc::line_of(const std::string& pointer) const {
  auto it = impl_->pos.find(pointer);
  return it == impl_->pos.end() ? 0 : it->second.line;
}

const json* JsonDoc::find(const std::string& pointer) const {
  std::vector<std::string> tokens;
  if (!split_pointer(pointer, tokens)) return nullptr;
  const json* cur = &impl_->root;
  for (const std::string& tok : tokens) {
    if (cur->is_object()) {
      auto it = cur->find(tok);
      if (it == cur->end()) return nullptr;
      cur = &*it;
    } else if (cur->is_array()) {
      std::size_t idx;
      if (!parse_index(tok, idx) || idx >= cur->size()) return nullptr;
      cur = &(*cur)[idx];
    } else {
      return nullptr;
    }
  }
  return cur;
}

std::vector<std::string> JsonDoc::keys_in_order(const std::string& pointer) const {
  std::vector<std::string> keys;
  const json* obj = find(pointer);
  if (!obj || !obj->is_object()) return keys;
  std::vector<std::pair<std::size_t, std::string>> ordered;
  for (auto it = obj->begin(); it != obj->end(); ++it) {
    auto p = impl_->pos.find(pointer + "/" + pointer_escape(it.key()));
    std::size_t order = p == impl_->pos.end() ? std::numeric_limits<std::size_t>::max() : p->second.order;
    ordered.emplace_back(order, it.key());
  }
  std::sort(ordered.begin(), ordered.end());
  for (auto& o : ordered) keys.push_back(std::move(o.second));
  return keys;
}

void JsonDoc::fail(const std::string& pointer, const std::string& message) const {
  const std::string where = pointer.empty() ? std::string() : pointer + ": ";
  for (std::string p = pointer;; p = parent_of(p)) {
    auto ov = impl_->overrides.find(p);
    if (ov != impl_->overrides.end()) {
      std::string shown = pointer.empty() ? std::string() : pointer + " ";
      throw one_line_error(impl_->name + ": " + shown + "(--set " + ov->second + "): " + message);
    }
    auto it = impl_->pos.find(p);
    if (it != impl_->pos.end() && it->second.line > 0)
      throw one_line_error(impl_->name + ":" + std::to_string(it->second.line) + ": " + where + message);
    if (p.empty()) break;
  }
  throw one_line_error(impl_->name + ": " + where + message);
}

void JsonDoc::apply_override(const std::string& assignment) {
  const std::string& name = impl_->name;
  auto bad = [&](const std::string& ptr, const std::string& msg) {
    throw one_line_error(name + ": " + (ptr.empty() ? std::string() : ptr + " ") + "(--set " + assignment +
                     "): " + msg);
  };
  auto eq = assignment.find('=');
  if (eq == std::string::npos) throw one_line_error(name + ": --set " + assignment + ": expected PATH=VALUE");
  const std::string path = assignment.substr(0, eq);
  const std::string text = assignment.substr(eq + 1);
  if (path.empty()) bad("", "empty path");

  std::vector<std::string> tokens;
  if (path[0] == '/') {
    if (!split_pointer(path, tokens)) bad("", "malformed JSON pointer \"" + path + "\"");
  } else {
    std::size_t start = 0;
    while (true) {
      auto dot = path.find('.', start);
      std::string tok = path.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
      if (tok.empty()) bad("", "empty component in path \"" + path + "\"");
      tokens.push_back(std::move(tok));
      if (dot == std::string::npos) break;
      start = dot + 1;
    }
  }

  json value = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (value.is_discarded()) value = text;

  json* cur = &impl_->root;
  std::string ptr;
  std::optional<std::string> source;  // topmost node created or replaced by this override
  for (std::size_t i = 0; i < tokens.size(); ++i) {
    const std::string& tok = tokens[i];
    if (cur->is_null()) {
      *cur = json::object();
      if (!source) source = ptr;
    }
    if (cur->is_object()) {
      ptr += "/" + pointer_escape(tok);
      if (!cur->contains(tok) && !source) source = ptr;
      cur = &(*cur)[tok];
    } else if (cur->is_array()) {
      std::size_t idx = 0;
      if (!parse_index(tok, idx)) bad(ptr, "array index must be a number, got \"" + tok + "\"");
      if (idx >= cur->size())
        bad(ptr, "index " + tok + " is past the end of the array (size " + std::to_string(cur->size()) + ")");
      ptr += "/" + tok;
      cur = &(*cur)[idx];
    } else {
      bad(ptr, std::string("cannot index into a ") + cur->type_name() + " with \"" + tok + "\"");
    }
  }
  *cur = std::move(value);
  if (!source) source = ptr;

  // Forget positions and older overrides at or below the replaced node.
  const std::string& src = *source;
  auto under = [&](const std::string& p) {
    return p == src || (starts_with(p, src) && p.size() > src.size() && p[src.size()] == '/');
  };
  for (auto it = impl_->pos.begin(); it != impl_->pos.end();) {
    if (under(it->first)) it = impl_->pos.erase(it);
    else ++it;
  }
  for (auto it = impl_->overrides.begin(); it != impl_->overrides.end();) {
    if (under(it->first)) it = impl_->overrides.erase(it);
    else ++it;
  }
  impl_->overrides[src] = assignment;
}

}  // namespace scenario
