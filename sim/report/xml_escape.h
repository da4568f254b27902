// Text made safe for XML 1.0 (the SVG pictures, JUnit reports): markup characters as entities,
// and the control characters XML refuses as spaces (a scenario's string could carry one).
#pragma once

#include <string>
#include <string_view>

namespace report {

std::string xml_escape(std::string_view s);

}  // namespace report
