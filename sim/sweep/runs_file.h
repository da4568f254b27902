// runs.jsonl: a sweep's header line ({"sweep": definition}) and one JSON line per finished run,
// appended as runs finish (a kill loses at most the line being written), sorted by run when the
// sweep completes so that the file does not depend on the number of workers.
#pragma once

#include <cstdint>
#include <fstream>
#include <map>
#include <string>

#include <nlohmann/json.hpp>

namespace sweep {

struct RunsFile {
  nlohmann::ordered_json header;              // {"sweep": definition[, "shard": "K/N"]}
  std::map<std::uint64_t, std::string> lines; // run index -> its line, as written
};

// Reads a runs file. `repair`: a last line cut short by a kill is dropped from the file too.
// Throws scenario::InputError naming the file and line for anything else that does not parse.
RunsFile read_runs(const std::string& path, bool repair);

// Writes header and lines sorted by run, through a temporary file renamed over `path`.
void write_runs(const std::string& path, const nlohmann::ordered_json& header,
                const std::map<std::uint64_t, std::string>& lines);

// Appends lines to a runs file, each flushed as it is written.
class RunsAppender {
 public:
  RunsAppender(const std::string& path, const nlohmann::ordered_json* fresh_header);  // header: start anew
  void add(const std::string& line);

 private:
  std::ofstream out_;
};

}  // namespace sweep
