#include "task_isolation_account.h"

#include "sim/run/recorder.h"

namespace run {

namespace {
constexpr std::uint64_t kSigkill = 9;
constexpr std::uint64_t kLostSyscall = 1;  // task_isolation.s LOST_SYSCALL

std::string task(std::uint32_t cpu) { return "task/" + std::to_string(cpu); }
}  // namespace

std::string TaskIsolationAccount::trace(std::uint32_t cpu, std::uint64_t cycle, const std::string& name,
                                        const std::vector<std::uint64_t>& a,
                                        const std::function<std::string(std::uint64_t)>& fname,
                                        const std::string& vector) {
  if (cpu >= cpus_.size()) return "";
  CpuIsolation& c = cpus_[cpu];
  auto end = [&](const std::string& why) {
    if (!c.stretches.empty() && !c.stretches.back().until) {
      c.stretches.back().until = cycle;
      c.stretches.back().ended_by = why;
    }
  };
  if (name == "task_isolation_isolated") {
    c.stretches.push_back({cycle, std::nullopt, ""});
  } else if (name == "task_isolation_lost" && a.size() >= 3) {
    // kernel/isolation.c: pr_warn("%s/%d (cpu %d): task_isolation lost due to %s\n")
    const std::string why = a[0] == kLostSyscall ? "syscall " + fname(a[1]) : "interrupt " + vector;
    end(why);
    ++c.broken;
    return task(cpu) + " (cpu " + std::to_string(cpu) + "): task_isolation lost due to " + why + ", signal " +
           std::to_string(a[2]);
  } else if (name == "task_isolation_stop" && !a.empty()) {
    end(fname(a[0]) == "sys_exit" ? "exit" : "prctl");  // the exempt system call that ended it
  } else if (name == "signal_deliver" && !a.empty()) {
    c.signals.push_back({cycle, a[0], a[0] == kSigkill});
  } else if (name == "task_exit") {
    end("exit");
    c.exited_at = cycle;
  } else if (name == "task_isolation_remote" && a.size() >= 2 && a[0] < cpus_.size()) {
    // kernel/isolation.c task_isolation_remote(): "%s/%d (cpu %d): %s by %s/%d on cpu %d\n"
    const auto target = static_cast<std::uint32_t>(a[0]);
    const std::string reason = vector_name(static_cast<std::uint8_t>(a[1]));
    const std::string text = task(target) + " (cpu " + std::to_string(target) + "): " + reason + " IPI by " + task(cpu) +
                             " on cpu " + std::to_string(cpu);
    remote_.push_back({cycle, cpu, target, reason, text});
    return text;
  }
  return "";
}

nlohmann::ordered_json TaskIsolationAccount::section(std::uint64_t run_cycles) const {
  using J = nlohmann::ordered_json;
  J cpus = J::object();
  std::uint64_t broken = 0;
  for (std::uint32_t n = 0; n < cpus_.size(); ++n) {
    const CpuIsolation& c = cpus_[n];
    if (c.stretches.empty() && c.signals.empty()) continue;
    J stretches = J::array();
    std::uint64_t isolated = 0;
    for (const IsolatedStretch& s : c.stretches) {
      const std::uint64_t until = s.until.value_or(run_cycles);
      isolated += until - s.from;
      stretches.push_back({{"from", s.from}, {"until", until}, {"ended_by", s.until ? s.ended_by : "run end"}});
    }
    J signals = J::array();
    for (const IsolationSignal& s : c.signals)
      signals.push_back({{"cycle", s.cycle}, {"signal", s.signal}, {"fatal", s.fatal}});
    cpus[std::to_string(n)] = {{"isolated", stretches}, {"isolated_cycles", isolated}, {"broken", c.broken},
                               {"signals", signals}, {"exited_at", c.exited_at ? J(*c.exited_at) : J()}};
    broken += c.broken;
  }
  J remote = J::array();
  for (const RemoteDiagnostic& r : remote_)
    remote.push_back({{"cycle", r.cycle}, {"sender", r.sender}, {"target", r.target}, {"reason", r.reason},
                      {"text", r.text}});
  return {{"broken", broken}, {"cpus", cpus}, {"remote", remote}};
}

}  // namespace run
