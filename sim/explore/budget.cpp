#include "sim/explore/budget.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <sstream>

namespace explore {

std::uint64_t resident_bytes() {
  // open/read rather than a stream: this runs every few milliseconds inside searches.
  const int fd = ::open("/proc/self/statm", O_RDONLY | O_CLOEXEC);
  if (fd < 0) return 0;
  char buf[128];
  const ssize_t n = ::read(fd, buf, sizeof buf - 1);
  ::close(fd);
  if (n <= 0) return 0;
  buf[n] = '\0';
  unsigned long long size = 0, resident = 0;
  if (std::sscanf(buf, "%llu %llu", &size, &resident) != 2) return 0;
  return resident * static_cast<std::uint64_t>(::sysconf(_SC_PAGESIZE));
}

std::uint64_t default_max_memory_mb() {
  const long pages = ::sysconf(_SC_PHYS_PAGES), page = ::sysconf(_SC_PAGESIZE);
  constexpr std::uint64_t kCeiling = 12'000;
  if (pages <= 0 || page <= 0) return kCeiling;
  const std::uint64_t half = static_cast<std::uint64_t>(pages) * static_cast<std::uint64_t>(page) / 2 / (1024 * 1024);
  return std::max<std::uint64_t>(1, std::min(half, kCeiling));
}

std::string seconds_text(double seconds) {
  std::ostringstream out;
  out << seconds;
  return out.str();
}

Budget::Budget(double max_seconds, std::uint64_t max_memory_mb)
    : start_(Clock::now()), next_sample_(start_), max_seconds_(max_seconds), max_memory_mb_(max_memory_mb) {
  // Clamped: a bound of years must not overflow the clock's representation.
  const double s = std::min(std::max(max_seconds, 0.0), 1e9);
  deadline_ = start_ + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(s));
}

bool Budget::exhausted() {
  if (!bound_.empty()) return true;
  const Clock::time_point now = Clock::now();
  if (now >= deadline_) {
    bound_ = "time bound (" + seconds_text(max_seconds_) + " s) reached";
    return true;
  }
  if (now >= next_sample_) {
    next_sample_ = now + kSample;
    if (resident_bytes() >= max_memory_mb_ * 1024 * 1024) {
      bound_ = "memory bound (" + std::to_string(max_memory_mb_) + " MB) reached";
      return true;
    }
  }
  return false;
}

Budget Budget::share(double time, double memory) const {
  Budget b = *this;
  const Clock::time_point now = Clock::now();
  if (now < deadline_) b.deadline_ = now + std::chrono::duration_cast<Clock::duration>((deadline_ - now) * time);
  b.max_memory_mb_ = static_cast<std::uint64_t>(static_cast<double>(max_memory_mb_) * memory);
  return b;
}

}  // namespace explore
