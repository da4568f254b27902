#include "sim/sweep/progress.h"

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace sweep {

std::string clock_text(double seconds) {
  const long s = std::lround(std::max(0.0, seconds));
  char buf[32];
  if (s >= 3600) std::snprintf(buf, sizeof buf, "%ld:%02ld:%02ld", s / 3600, s / 60 % 60, s % 60);
  else std::snprintf(buf, sizeof buf, "%ld:%02ld", s / 60, s % 60);
  return buf;
}

Progress::Progress(std::uint64_t total, std::uint64_t already_done, bool enabled)
    : total_(total), done_(already_done), start_done_(already_done), enabled_(enabled && isatty(2)),
      start_(std::chrono::steady_clock::now()), last_(start_) {
  draw(true);
}

Progress::~Progress() {
  if (!enabled_) return;
  draw(true);
  std::fputc('\n', stderr);
}

void Progress::tick(bool flagged) {
  ++done_;
  flagged_ += flagged;
  draw(done_ == total_);
}

void Progress::draw(bool force) {
  if (!enabled_) return;
  const auto now = std::chrono::steady_clock::now();
  if (!force && now - last_ < std::chrono::milliseconds(100)) return;  // ten redraws a second at most
  last_ = now;
  const double secs = std::chrono::duration<double>(now - start_).count();
  const double rate = secs > 0 ? static_cast<double>(done_ - start_done_) / secs : 0;
  constexpr int kWidth = 30;
  const int filled = total_ ? static_cast<int>(kWidth * done_ / total_) : kWidth;
  std::string bar(static_cast<std::size_t>(filled), '=');
  if (filled < kWidth) bar += '>' + std::string(static_cast<std::size_t>(kWidth - filled - 1), ' ');
  const std::string eta = rate > 0 ? clock_text(static_cast<double>(total_ - done_) / rate) : "-";
  std::fprintf(stderr, "\r[%s] %llu/%llu runs, %llu flagged, %.0f runs/s, ETA %s  ", bar.c_str(),
               static_cast<unsigned long long>(done_), static_cast<unsigned long long>(total_),
               static_cast<unsigned long long>(flagged_), rate, eta.c_str());
  std::fflush(stderr);
}

}  // namespace sweep
