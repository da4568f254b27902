// A scenario's machine as programs: the kernel image with the scenario's programs and workload
// tasks, each CPU's task, and memory at boot. Shared by the timed run and the explorer.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "models/isa/image.h"
#include "sim/scenario/scenario.h"

namespace scenario {

struct ScenarioImage {
  std::shared_ptr<const isa::Image> image;  // shared with the last few built: a sweep's runs copy none
  const isa::Image& img() const { return *image; }
  std::vector<std::uint32_t> tasks;  // per CPU: the function its workload runs
  std::vector<isa::Word> memory;     // at boot
};

// Assembly errors (in the scenario's programs, or ours) are InputError.
ScenarioImage build_scenario_image(const JsonDoc& doc, const Scenario& s);

}  // namespace scenario
