// Sweep throughput: runs per second of a 1,000-point `isolsim sweep` of a 4-CPU scenario with two
// workers, beside the floor measured in the same run: a forked process per point, each elaborating
// the same platform (scenario, image, SystemC modules) and running nothing. A sweep's workers keep
// their platform from point to point, so the floor is what a sweep would cost had each run its own
// process. Each figure is the median of three; the summary prints the ratio (target >= 0.5) and
// the rate (target >= 1,000/s).
#include <cstdio>
#include <systemc>
#include <vector>

#include "bench/measure.h"
#include "bench/sweep_measure.h"

namespace {

using namespace bench_measure;
constexpr int kPoints = 1000, kJobs = 2;

}  // namespace

int sc_main(int, char*[]) {
  std::vector<double> floor, start, latency;
  for (int rep = 0; rep < 3; ++rep) {
    floor.push_back(floor_rate(kPoints, kJobs));
    // cpu2's start cycle: the workload task is re-assembled in every run
    start.push_back(sweep_rate("workload.2.0.until", 4000, kPoints, kJobs));
    // an interconnect latency: the image is the same in every run
    latency.push_back(sweep_rate("platform.topology.hop", 1, kPoints, kJobs));
  }
  const double f = median(floor), a = median(start), b = median(latency);
  std::printf("1,000-point sweep of a 4-CPU scenario, --jobs %d (medians of 3):\n", kJobs);
  std::printf("  floor (fork, elaborate the platform, run nothing): %7.0f runs/s\n", f);
  std::printf("  sweep of a start cycle (workload.2.0.until):      %7.0f runs/s: ratio %.2f (target >= 0.5, >= 1000 runs/s)\n",
              a, a / f);
  std::printf("  sweep of a latency (platform.topology.hop):       %7.0f runs/s: ratio %.2f\n", b, b / f);
  return 0;
}
