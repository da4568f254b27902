#include "sim/sweep/runs_file.h"

#include <filesystem>
#include <sstream>

#include "sim/scenario/json_doc.h"

namespace sweep {

RunsFile read_runs(const std::string& path, bool repair) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw scenario::InputError(path + ": cannot read");
  std::stringstream ss;
  ss << in.rdbuf();
  const std::string text = ss.str();
  RunsFile f;
  std::size_t pos = 0, good_end = 0;
  int line_no = 0;
  while (pos < text.size()) {
    const std::size_t nl = text.find('\n', pos);
    ++line_no;
    if (nl == std::string::npos) break;  // no newline: cut short while being written
    const std::string line = text.substr(pos, nl - pos);
    const nlohmann::ordered_json j = nlohmann::ordered_json::parse(line, nullptr, false);
    const std::string where = path + ":" + std::to_string(line_no) + ": ";
    if (j.is_discarded() || !j.is_object()) throw scenario::InputError(where + "not a JSON object");
    if (line_no == 1) {
      if (!j.contains("sweep")) throw scenario::InputError(where + "not a sweep's runs file (no \"sweep\" header)");
      f.header = j;
    } else {
      if (!j.contains("run") || !j["run"].is_number_unsigned())
        throw scenario::InputError(where + "/run: missing or not a run number");
      const std::uint64_t run = j["run"];
      if (!f.lines.emplace(run, line).second)
        throw scenario::InputError(where + "/run: run " + std::to_string(run) + " appears twice");
    }
    pos = nl + 1;
    good_end = pos;
  }
  if (line_no == 0 || f.header.is_null()) throw scenario::InputError(path + ":1: not a sweep's runs file (empty)");
  if (repair && good_end < text.size()) std::filesystem::resize_file(path, good_end);
  return f;
}

void write_runs(const std::string& path, const nlohmann::ordered_json& header,
                const std::map<std::uint64_t, std::string>& lines) {
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) throw scenario::InputError(tmp + ": cannot write");
    out << header.dump() << "\n";
    for (const auto& [run, line] : lines) out << line << "\n";
    if (!out.flush()) throw scenario::InputError(tmp + ": cannot write");
  }
  std::filesystem::rename(tmp, path);
}

RunsAppender::RunsAppender(const std::string& path, const nlohmann::ordered_json* fresh_header)
    : out_(path, std::ios::binary | (fresh_header ? std::ios::trunc : std::ios::app)) {
  if (!out_) throw scenario::InputError(path + ": cannot write");
  if (fresh_header) out_ << fresh_header->dump() << "\n" << std::flush;
}

void RunsAppender::add(const std::string& line) { out_ << line << "\n" << std::flush; }

}  // namespace sweep
