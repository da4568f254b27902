# Timeline writers (VCD for GTKWave, Chrome/Perfetto trace JSON, SVG), XML escaping. No SystemC.
# Include this file from sim/CMakeLists.txt.
add_library(isolsim_report STATIC
  ${CMAKE_CURRENT_LIST_DIR}/timeline.cpp
  ${CMAKE_CURRENT_LIST_DIR}/vcd_writer.cpp
  ${CMAKE_CURRENT_LIST_DIR}/chrome_trace_writer.cpp
  ${CMAKE_CURRENT_LIST_DIR}/svg.cpp
  ${CMAKE_CURRENT_LIST_DIR}/xml_escape.cpp
  ${CMAKE_CURRENT_LIST_DIR}/svg_timeline_writer.cpp)
target_include_directories(isolsim_report PUBLIC ${PROJECT_SOURCE_DIR})
target_link_libraries(isolsim_report PUBLIC nlohmann_json::nlohmann_json)
