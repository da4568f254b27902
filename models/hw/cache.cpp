#include "cache.h"

#include <algorithm>

#include "models/isa/assembler.h"

namespace hw {

CacheModel::CacheModel(const Topology& topo, const Costs& costs, std::size_t memory_words)
    : topo_(topo), costs_(costs), lines_(memory_words / isa::kWordsPerLine + 1) {}

std::uint64_t CacheModel::read_latency(std::uint32_t cpu, isa::Addr addr) const {
  const Line& l = lines_[line_of(addr)];
  const std::uint64_t me = std::uint64_t(1) << cpu;
  if (l.owner == static_cast<std::int32_t>(cpu) || (l.sharers & me)) return costs_.l1_hit;
  if (l.owner >= 0)  // snoop the modified copy out of the owner's cache
    return costs_.l1_hit + costs_.line_transfer + topo_.latency(static_cast<std::uint32_t>(l.owner), cpu);
  return costs_.llc_hit;
}

std::uint64_t CacheModel::write_latency(std::uint32_t cpu, isa::Addr addr) const {
  const Line& l = lines_[line_of(addr)];
  if (l.owner == static_cast<std::int32_t>(cpu)) return 0;
  if (l.owner >= 0)
    return costs_.line_transfer + topo_.latency(static_cast<std::uint32_t>(l.owner), cpu);
  std::uint64_t others = l.sharers & ~(std::uint64_t(1) << cpu);
  if (others == 0) return l.sharers ? 0 : costs_.llc_hit;  // sole sharer: upgrade in place
  std::uint64_t worst = 0;  // invalidate every other sharer; the farthest one bounds the wait
  for (std::uint32_t s = 0; others; ++s, others >>= 1)
    if (others & 1) worst = std::max(worst, topo_.latency(s, cpu));
  return costs_.line_transfer + worst;
}

void CacheModel::did_read(std::uint32_t cpu, isa::Addr addr) {
  Line& l = lines_[line_of(addr)];
  const std::uint64_t me = std::uint64_t(1) << cpu;
  if (l.owner == static_cast<std::int32_t>(cpu)) return;
  if (l.owner >= 0) {
    l.sharers |= std::uint64_t(1) << l.owner;
    l.owner = -1;
  }
  l.sharers |= me;
}

void CacheModel::did_write(std::uint32_t cpu, isa::Addr addr) {
  Line& l = lines_[line_of(addr)];
  l.owner = static_cast<std::int32_t>(cpu);
  l.sharers = 0;
}

}  // namespace hw
