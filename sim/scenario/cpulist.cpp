// The Linux cpulist syntax (lib/bitmap.c bitmap_parselist(), as in nohz_full= on the kernel
// command line): "0", "1-3,5", "0-7:2/4", "N" for the last CPU.
#include <stdexcept>
#include <string>
#include <vector>

#include "sim/scenario/loader.h"

namespace scenario {

namespace {

std::string platform_cpus(std::uint32_t ncpus) {
  if (ncpus == 1) return "the platform has 1 CPU (0)";
  return "the platform has " + std::to_string(ncpus) + " CPUs (0-" + std::to_string(ncpus - 1) + ")";
}

std::string trim(const std::string& s) {
  std::size_t b = 0, e = s.size();
  while (b < e && (s[b] == ' ' || s[b] == '\t')) ++b;
  while (e > b && (s[e - 1] == ' ' || s[e - 1] == '\t')) --e;
  return s.substr(b, e - b);
}

[[noreturn]] void bad_cpulist(const std::string& text, const std::string& why) {
  throw std::invalid_argument("invalid CPU list " + jq(text) + ": " + why);
}

}  // namespace

std::vector<std::uint32_t> parse_cpulist(const std::string& text, std::uint32_t ncpus) {
  std::vector<std::uint32_t> out;
  if (trim(text).empty()) return out;
  std::size_t start = 0;
  for (;;) {
    std::size_t comma = text.find(',', start);
    const std::string group = trim(text.substr(start, comma == std::string::npos ? std::string::npos : comma - start));
    if (group.empty()) bad_cpulist(text, "empty element between commas");
    std::size_t pos = 0;
    std::string digits;  // the last number as written: a huge one is named whole in the error
    auto number = [&](const char* what) -> std::uint64_t {
      digits.clear();
      if (pos < group.size() && group[pos] == 'N') {  // Linux: N is the last CPU
        ++pos;
        return ncpus == 0 ? 0 : ncpus - 1;
      }
      if (pos >= group.size() || group[pos] < '0' || group[pos] > '9')
        bad_cpulist(text, std::string("expected ") + what + " in " + jq(group));
      std::uint64_t v = 0;
      while (pos < group.size() && group[pos] >= '0' && group[pos] <= '9') {
        if (v < 1'000'000'000'000ULL) v = v * 10 + static_cast<std::uint64_t>(group[pos] - '0');
        digits += group[pos++];
      }
      return v;
    };
    const std::uint64_t first = number("a CPU number");
    std::string first_digits = digits, last_digits = digits;
    std::uint64_t last = first, used = 1, size = 1;
    if (pos < group.size() && group[pos] == '-') {
      ++pos;
      last = number("a CPU number after '-'");
      last_digits = digits;
      if (last < first)
        bad_cpulist(text, "range " + std::to_string(first) + "-" + std::to_string(last) + " goes backwards");
      if (pos < group.size() && group[pos] == ':') {
        ++pos;
        used = number("the number of CPUs used per group after ':'");
        if (pos >= group.size() || group[pos] != '/')
          bad_cpulist(text, "expected '/' and a group size in " + jq(group));
        ++pos;
        size = number("a group size after '/'");
        if (used == 0 || size == 0 || used > size)
          bad_cpulist(text, "in " + jq(group) + " the group size and the CPUs used per group must be at least 1, "
                                "with no more CPUs used than the group size");
      }
    }
    if (pos != group.size())
      bad_cpulist(text, "unexpected " + jq(group.substr(pos)) + " in " + jq(group) +
                            " (elements are N, A-B or A-B:USED/GROUP)");
    // Out of range as written ("N" has no digits and is always in range), not as saturated
    auto out_of_range = [&](const std::string& written) {
      const std::size_t nz = written.find_first_not_of('0');
      return std::invalid_argument("CPU " + (nz == std::string::npos ? "0" : written.substr(nz)) +
                                   " out of range: " + platform_cpus(ncpus));
    };
    if (first >= ncpus) throw out_of_range(first_digits);
    if (last >= ncpus) throw out_of_range(last_digits);
    for (std::uint64_t c = first; c <= last; ++c)
      if ((c - first) % size < used) out.push_back(static_cast<std::uint32_t>(c));
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return out;
}

std::string cpu_out_of_range(std::uint64_t cpu, std::uint32_t ncpus) {
  return "CPU " + std::to_string(cpu) + " out of range: " + platform_cpus(ncpus);
}

std::vector<std::uint32_t> read_cpu_set(const JsonDoc& doc, const ObjectReader& r, const std::string& key,
                                        std::uint32_t ncpus) {
  const std::string ptr = r.pointer(key);
  const nlohmann::json& v = r.raw(key);
  std::vector<std::uint32_t> cpus;
  std::vector<std::string> where;  // pointer of each entry, for errors
  if (v.is_string()) {
    try {
      cpus = parse_cpulist(v.get<std::string>(), ncpus);
    } catch (const std::invalid_argument& e) {
      doc.fail(ptr, e.what());
    }
    where.assign(cpus.size(), ptr);
  } else if (v.is_array()) {
    for (std::size_t i = 0; i < v.size(); ++i) {
      const std::string eptr = ptr + "/" + std::to_string(i);
      std::uint64_t c = read_u64(doc, eptr);
      if (c >= ncpus) doc.fail(eptr, cpu_out_of_range(c, ncpus));
      cpus.push_back(static_cast<std::uint32_t>(c));
      where.push_back(eptr);
    }
  } else {
    doc.fail(ptr, "expected an array of CPU numbers or a CPU list string like \"1-3,5\", got " + describe_value(v));
  }
  std::vector<bool> seen(ncpus, false);
  for (std::size_t i = 0; i < cpus.size(); ++i) {
    if (seen[cpus[i]]) doc.fail(where[i], "CPU " + std::to_string(cpus[i]) + " is listed twice");
    seen[cpus[i]] = true;
  }
  return cpus;
}

}  // namespace scenario
