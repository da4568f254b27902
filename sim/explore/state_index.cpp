#include "sim/explore/state_index.h"

#include <functional>

namespace explore {
namespace {

std::uint64_t hash_of(std::string_view key) { return std::hash<std::string_view>{}(key); }

}  // namespace

StateIndex::StateIndex() : slots_(1024, 0) {}

std::string_view StateIndex::key(std::uint32_t id) const {
  const std::uint64_t begin = id == 0 ? 0 : ends_[id - 1];
  return {arena_.data() + begin, static_cast<std::size_t>(ends_[id] - begin)};
}

std::pair<std::uint32_t, bool> StateIndex::insert(std::string_view k) {
  if ((ends_.size() + 1) * 2 > slots_.size()) grow();  // at most half full: short probes
  const std::uint64_t tag = hash_of(k) & 0xffffffff00000000ull;
  const std::size_t mask = slots_.size() - 1;
  for (std::size_t i = home(tag, mask);; i = (i + 1) & mask) {
    const std::uint64_t slot = slots_[i];
    if (slot == 0) {
      const auto id = static_cast<std::uint32_t>(ends_.size());
      arena_.insert(arena_.end(), k.begin(), k.end());
      ends_.push_back(arena_.size());
      slots_[i] = tag | (std::uint64_t(id) + 1);
      return {id, true};
    }
    if ((slot & 0xffffffff00000000ull) == tag) {
      const auto id = static_cast<std::uint32_t>((slot & 0xffffffffu) - 1);
      if (key(id) == k) return {id, false};
    }
  }
}

std::int64_t StateIndex::find(std::string_view k) const {
  const std::uint64_t tag = hash_of(k) & 0xffffffff00000000ull;
  const std::size_t mask = slots_.size() - 1;
  for (std::size_t i = home(tag, mask);; i = (i + 1) & mask) {
    const std::uint64_t slot = slots_[i];
    if (slot == 0) return -1;
    if ((slot & 0xffffffff00000000ull) == tag) {
      const auto id = static_cast<std::uint32_t>((slot & 0xffffffffu) - 1);
      if (key(id) == k) return id;
    }
  }
}

void StateIndex::grow() {
  std::vector<std::uint64_t> old(slots_.size() * 2, 0);
  old.swap(slots_);
  const std::size_t mask = slots_.size() - 1;
  for (std::uint64_t slot : old) {
    if (slot == 0) continue;
    std::size_t i = home(slot & 0xffffffff00000000ull, mask);
    while (slots_[i] != 0) i = (i + 1) & mask;
    slots_[i] = slot;
  }
}

}  // namespace explore
