// report.json: per-CPU interference, deferral statistics and the run's figures (docs/report.md).
#pragma once

#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "models/isa/image.h"
#include "sim/run/recorder.h"
#include "sim/scenario/scenario.h"

namespace run {

// `final_memory`: memory when the run ended (store buffers not drained).
nlohmann::ordered_json build_report(const scenario::Scenario& s, const isa::Image& img,
                                    const Recorder& rec, std::uint64_t instructions, std::uint64_t ipis,
                                    const std::vector<isa::Word>& final_memory);
// The report's "deferral" section (the explorer checks `expect` clauses on it too).
nlohmann::ordered_json deferral_section(const kernel::DeferralLedger& ledger);
// The report's "noise" section: osnoise's classes and episodes per CPU, and the callbacks aimed at
// isolated CPUs; and the kernel stays that flushed deferred work, against the others.
nlohmann::ordered_json noise_section(const scenario::Scenario& s, const Recorder& rec);
// The report's "nohz_full" section (seed 001): the nohz_full CPUs from boot through every switch.
nlohmann::ordered_json nohz_full_section(const scenario::Scenario& s, const Recorder& rec);
// report.json's "tasks": per task, its stays on CPUs (runs), their cycles and the CPUs.
nlohmann::ordered_json tasks_section(const report::Timeline& t);
// The report's "memory" section: the final values of the scenario's own variables.
nlohmann::ordered_json memory_section(const isa::Image& img, const std::vector<isa::Word>& memory);
// The "deferral" counter that counts a kind of violation the explorer reports
// ("double_execution" -> "deferral.double_executions"), or "" when the report has none; and the
// whole table, (kind, counter).
std::string violation_counter(const std::string& kind);
const std::vector<std::pair<std::string, std::string>>& violation_counters();
// "R1.2": request 2 of CPU 1.
std::string request_name(std::uint64_t request);

}  // namespace run
