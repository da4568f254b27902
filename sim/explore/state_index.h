// The set of states seen, by canonical bytes: one arena of keys and an open-addressing table of
// ids (no node, no string object per state; a lookup touches a slot and one key).
#pragma once

#include <cstdint>
#include <string_view>
#include <utility>
#include <vector>

namespace explore {

class StateIndex {
 public:
  StateIndex();
  // The id of `key`, and whether it is new (it then gets id size()).
  std::pair<std::uint32_t, bool> insert(std::string_view key);
  // The id of `key`, or -1 if it has none.
  std::int64_t find(std::string_view key) const;
  std::uint32_t size() const { return static_cast<std::uint32_t>(ends_.size()); }
  std::uint64_t bytes() const { return arena_.capacity() + ends_.capacity() * 8 + slots_.capacity() * 8; }

 private:
  std::string_view key(std::uint32_t id) const;
  void grow();
  // A key's first slot comes from the tag a slot keeps, so growing never hashes a key again.
  static std::size_t home(std::uint64_t tag, std::size_t mask) { return (tag >> 32) & mask; }

  std::vector<char> arena_;         // keys, one after another
  std::vector<std::uint64_t> ends_;  // per id: where its key ends in the arena
  // Per slot: id + 1 (0: empty) in the low half, the key's hash's high bits in the high half.
  std::vector<std::uint64_t> slots_;
};

}  // namespace explore
