# Platform topology (Boost.Graph, header-only parts: dijkstra_shortest_paths and write_graphviz_dp;
# read_graphviz is not used, so no compiled boost_graph library is linked). No SystemC.
# Include this file from models/hw/CMakeLists.txt.
add_library(isolsim_topology STATIC ${CMAKE_CURRENT_LIST_DIR}/topology.cpp)
target_include_directories(isolsim_topology PUBLIC ${PROJECT_SOURCE_DIR})
target_link_libraries(isolsim_topology PUBLIC Boost::headers)
