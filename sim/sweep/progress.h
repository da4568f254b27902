// A one-line progress bar on stderr with rate and ETA, drawn only when stderr is a terminal
// (Debian packages no C++ progress-bar library; this is all a sweep needs).
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace sweep {

class Progress {
 public:
  Progress(std::uint64_t total, std::uint64_t already_done, bool enabled);
  ~Progress();  // ends the line
  void tick(bool flagged);  // one run finished; flagged: some condition occurred in it
  void add_total(std::uint64_t runs) { total_ += runs; }  // runs decided on the way (bisection)

 private:
  void draw(bool force);
  std::uint64_t total_, done_, start_done_, flagged_ = 0;
  bool enabled_;
  std::chrono::steady_clock::time_point start_, last_;
};

// "1:02:03", "4:05", "0:07".
std::string clock_text(double seconds);

}  // namespace sweep
