// sweep.svg: a sweep as a picture. One varied value: a strip per condition (each value tried a
// cell, red where the condition showed, green where not, window edges marked); two or more: a
// heat map per condition over the first two (a cell's shade is the share of its runs that showed
// it); jitter alone: each condition's probability with its 95% interval.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include <nlohmann/json.hpp>

namespace sweep {

// Where sweep_svg() puts things (pixels), so that a test can find them in a rendering.
struct SweepSvgLayout {
  double width = 1000, left = 230, right = 30, top = 50;
  double row = 24, row_gap = 30;  // a strip's height, and the room above it for edge labels
  double map = 220, map_gap = 60; // a heat map's height, and the room between two
};

// `summary`: summarize()'s result for the same lines. Deterministic, like the summary.
std::string sweep_svg(const nlohmann::ordered_json& header, const std::map<std::uint64_t, std::string>& lines,
                      const nlohmann::ordered_json& summary);

}  // namespace sweep
