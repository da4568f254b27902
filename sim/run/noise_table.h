// The tables `isolsim run` prints from report.json's "noise" section: one shaped like
// `rtla osnoise top`, and the cover letters' count of IPIs to isolated CPUs by callback.
#pragma once

#include <cstdint>
#include <ostream>
#include <vector>

#include <nlohmann/json.hpp>

namespace run {

// `cpus`: the CPUs to show (rtla's -c); `by_sender`: the second table per sending CPU too.
void print_noise_tables(const nlohmann::ordered_json& report, const std::vector<std::uint32_t>& cpus,
                        bool by_sender, std::ostream& out);

}  // namespace run
