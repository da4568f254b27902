// The kinds of interference source a scenario can name (docs/scenario.md "sources"): which keys
// each takes and the kernel function its senders run. Shared by loading and program generation.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace scenario {

struct SourceKind {
  const char* name;
  enum class Targets { None, Optional, Required } targets;  // `to`: none = every online CPU
  bool sender;             // run by CPUs (`from`); false: a device
  const char* body;        // the kernel function a sender calls for one firing
  const char* cost_const;  // the constant `cost` overrides ("" if the cost travels otherwise)
  std::uint64_t default_cost;
};

// In documentation order; nullptr if `name` is not a kind.
const std::vector<SourceKind>& source_kind_table();
const SourceKind* find_source_kind(const std::string& name);

// Device vectors: FIRST_EXTERNAL_VECTOR (0x20) up to the system vectors (LOCAL_TIMER_VECTOR 0xec);
// 0x20 is ISA_IRQ_VECTOR(0), left to the legacy timer.
constexpr std::uint32_t kFirstDeviceVector = 0x21;
constexpr std::uint32_t kLastDeviceVector = 0xeb;

}  // namespace scenario
