#include "cache.h"

#include <algorithm>

#include "models/isa/assembler.h"
#include "models/isa/cpumask_layout.h"

namespace hw {

CacheModel::CacheModel(const Topology& topo, const Costs& costs, std::size_t memory_words, std::uint32_t ncpus)
    : topo_(topo), costs_(costs), lines_(memory_words / isa::kWordsPerLine + 1), set_words_(isa::cpumask_longs(ncpus)) {}

void CacheModel::reset(std::size_t memory_words) {
  lines_.assign(memory_words / isa::kWordsPerLine + 1, Line{});
  sets_.clear();
  free_sets_.clear();
}

std::uint64_t CacheModel::read_latency(std::uint32_t cpu, isa::Addr addr) const {
  const Line& l = lines_[line_of(addr)];
  if (l.owner == static_cast<std::int32_t>(cpu) || shares(l, cpu)) return costs_.l1_hit;
  if (l.owner >= 0)  // snoop the modified copy out of the owner's cache
    return costs_.l1_hit + costs_.line_transfer + topo_.latency(static_cast<std::uint32_t>(l.owner), cpu);
  return costs_.llc_hit;
}

std::uint64_t CacheModel::write_latency(std::uint32_t cpu, isa::Addr addr) const {
  const Line& l = lines_[line_of(addr)];
  if (l.owner == static_cast<std::int32_t>(cpu)) return 0;
  if (l.owner >= 0)
    return costs_.line_transfer + topo_.latency(static_cast<std::uint32_t>(l.owner), cpu);
  if (!l.set) return costs_.llc_hit;
  bool others = false;
  std::uint64_t worst = 0;  // invalidate every other sharer; the farthest one bounds the wait
  const std::uint64_t* bits = &sets_[(l.set - 1) * set_words_];
  for (std::size_t w = 0; w < set_words_; ++w)
    for (std::uint64_t b = bits[w]; b; b &= b - 1) {
      const auto s = static_cast<std::uint32_t>(w * 64 + static_cast<unsigned>(__builtin_ctzll(b)));
      if (s == cpu) continue;
      others = true;
      worst = std::max(worst, topo_.latency(s, cpu));
    }
  if (!others) return 0;  // sole sharer: upgrade in place
  return costs_.line_transfer + worst;
}

void CacheModel::add_sharer(Line& l, std::uint32_t cpu) {
  if (!l.set) {
    if (free_sets_.empty()) {
      sets_.resize(sets_.size() + set_words_, 0);
      l.set = static_cast<std::uint32_t>(sets_.size() / set_words_);
    } else {
      l.set = free_sets_.back();
      free_sets_.pop_back();
    }
  }
  sets_[(l.set - 1) * set_words_ + cpu / 64] |= std::uint64_t(1) << (cpu % 64);
}

void CacheModel::did_read(std::uint32_t cpu, isa::Addr addr) {
  Line& l = lines_[line_of(addr)];
  if (l.owner == static_cast<std::int32_t>(cpu)) return;
  if (l.owner >= 0) {
    add_sharer(l, static_cast<std::uint32_t>(l.owner));
    l.owner = -1;
  }
  add_sharer(l, cpu);
}

void CacheModel::did_write(std::uint32_t cpu, isa::Addr addr) {
  Line& l = lines_[line_of(addr)];
  l.owner = static_cast<std::int32_t>(cpu);
  if (l.set) {
    std::fill_n(sets_.begin() + static_cast<std::ptrdiff_t>((l.set - 1) * set_words_), set_words_, 0);
    free_sets_.push_back(l.set);
    l.set = 0;
  }
}

}  // namespace hw
