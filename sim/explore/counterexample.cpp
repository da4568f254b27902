#include "counterexample.h"

#include <algorithm>
#include <cinttypes>
#include <cstdio>

#include "sim/run/recorder.h"
#include "sim/run/report_json.h"

namespace explore {

namespace {

std::string hex(isa::Word v) {
  char b[24];
  std::snprintf(b, sizeof b, "0x%" PRIx64, v);
  return b;
}

std::string access(const isa::Image& img, const isa::Effect& e, bool store_visible) {
  using isa::Op;
  const std::string where = img.describe(e.addr);
  switch (e.op) {
    case Op::Load: return "load " + where + " = " + hex(e.read) + (e.forwarded ? " (own store buffer)" : "");
    case Op::Store: return "store " + where + " := " + hex(e.written) + (store_visible ? "" : " (buffered)");
    case Op::Cmpxchg:
      return "cmpxchg " + where + ": expected " + hex(e.expected) + ", saw " + hex(e.read) +
             (e.success ? ": " + hex(e.written) : ": fails");
    case Op::Xchg: return "xchg " + where + ": " + hex(e.read) + " -> " + hex(e.written);
    default:
      if (isa::is_locked_op(e.op))
        return std::string(isa::op_name(e.op)) + " " + where + ": " + hex(e.read) + " -> " + hex(e.written);
      return isa::op_name(e.op);
  }
}

}  // namespace

std::string describe(const isa::Image& img, const StepRecord& r) {
  switch (r.step.kind) {
    case StepKind::Drain: return "drain " + img.describe(r.addr) + ": " + hex(r.old) + " -> " + hex(r.value);
    case StepKind::Interrupt:
    case StepKind::Timer:
      return std::string(r.step.kind == StepKind::Timer ? "timer " : "irq ") + hex(r.step.vector) + " " +
             run::vector_name(r.step.vector) +
             (r.from_user ? " from user" : r.from_idle ? " from idle" : " from kernel") +
             (r.step.copies > 1 ? " (" + std::to_string(r.step.copies) + " IPIs merged in the IRR)" : "");
    case StepKind::Exec: break;
  }
  const isa::Effect& e = r.effect;
  std::string s = img.function(r.func).name + ": ";
  if (e.op == isa::Op::Wrmsr) {
    if (r.ipis_to.empty()) return s + "wrmsr " + hex(e.msr) + " := " + hex(e.msr_value);
    std::string to;
    for (std::uint32_t t : r.ipis_to) to += (to.empty() ? "cpu" : ", cpu") + std::to_string(t);
    return s + "send IPI " + hex(e.msr_value & 0xff) + " " + run::vector_name(e.msr_value & 0xff) + " to " + to;
  }
  s += access(img, e, r.store_visible);
  for (const isa::Effect::Note& n : e.notes)
    if (n.kind == isa::Annotation::Kind::Callback)
      s += n.a1 ? " [runs the callback for " + run::request_name(n.a1) + "]" : " [runs deferred work]";
    else if (n.kind == isa::Annotation::Kind::Post && e.wrote)
      s += " [posts work for cpu" + std::to_string(n.a0) + "]";
  return s;
}

std::vector<StepRecord> with_folded_accesses(std::vector<StepRecord> steps) {
  std::vector<StepRecord> out;
  for (StepRecord& r : steps) {
    std::vector<StepRecord> folded = std::move(r.folded);
    r.folded.clear();
    out.push_back(std::move(r));
    for (StepRecord& f : folded) out.push_back(std::move(f));
  }
  return out;
}

std::string interleaving_table(const isa::Image& img, std::uint32_t ncpus, const std::vector<StepRecord>& steps) {
  std::vector<std::string> cells;
  std::vector<std::size_t> width(ncpus, 4);
  for (const StepRecord& r : steps) {
    cells.push_back(describe(img, r));
    width[r.step.cpu] = std::max(width[r.step.cpu], cells.back().size());
  }
  auto pad = [](std::string s, std::size_t w) { return s + std::string(w > s.size() ? w - s.size() : 0, ' '); };
  std::string out = pad("step", 6);
  for (std::uint32_t c = 0; c < ncpus; ++c) out += " | " + pad("cpu" + std::to_string(c), width[c]);
  out += "\n" + std::string(6, '-');
  for (std::uint32_t c = 0; c < ncpus; ++c) out += "-+-" + std::string(width[c], '-');
  out += "\n";
  for (std::size_t i = 0; i < steps.size(); ++i) {
    std::string line = pad(std::to_string(i + 1), 6);
    for (std::uint32_t c = 0; c < ncpus; ++c) line += " | " + pad(c == steps[i].step.cpu ? cells[i] : "", width[c]);
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out += line + "\n";
  }
  return out;
}

std::vector<std::string> racing_pairs(const isa::Image& img, const std::vector<StepRecord>& steps) {
  struct Mem {
    std::uint32_t cpu;
    isa::Addr addr;
    bool write;
    std::string who;
  };
  std::vector<Mem> mem;
  for (const StepRecord& r : steps) {
    const std::string cpu = "cpu" + std::to_string(r.step.cpu) + " ";
    if (r.step.kind == StepKind::Drain) {
      mem.push_back({r.step.cpu, r.addr, true, cpu + "drain of " + img.function(r.func).name + "+" + std::to_string(r.pc)});
      continue;
    }
    const isa::Effect& e = r.effect;
    if (r.step.kind != StepKind::Exec || !e.accessed || e.forwarded) continue;
    const bool visible_store = e.op == isa::Op::Store && r.store_visible;
    if (!isa::reads_memory(e.op) && !visible_store) continue;  // a buffered store shows when it drains
    mem.push_back({r.step.cpu, e.addr, isa::writes_memory(e.op),
                   cpu + std::string(isa::op_name(e.op)) + " at " + img.function(r.func).name + "+" + std::to_string(r.pc)});
  }
  std::vector<std::string> pairs;
  for (std::size_t i = 0; i < mem.size(); ++i)
    for (std::size_t j = i + 1; j < mem.size(); ++j)
      if (mem[i].cpu != mem[j].cpu && mem[i].addr == mem[j].addr && (mem[i].write || mem[j].write))
        pairs.push_back(img.describe(mem[i].addr) + ": " + mem[i].who + " before " + mem[j].who);
  std::sort(pairs.begin(), pairs.end());
  pairs.erase(std::unique(pairs.begin(), pairs.end()), pairs.end());
  return pairs;
}

nlohmann::ordered_json steps_json(const isa::Image& img, const std::vector<StepRecord>& steps) {
  nlohmann::ordered_json out = nlohmann::ordered_json::array();
  for (const StepRecord& r : steps) {
    nlohmann::ordered_json j = {{"cpu", r.step.cpu}, {"kind", step_kind_name(r.step.kind)}, {"text", describe(img, r)}};
    if (r.step.kind == StepKind::Exec) {
      j["at"] = img.where(r.func, r.pc);
      j["op"] = isa::op_name(r.effect.op);
      if (r.effect.accessed) {
        j["addr"] = img.describe(r.effect.addr);
        j["read"] = r.effect.read;
        j["written"] = r.effect.written;
      }
    } else if (r.step.kind == StepKind::Drain) {
      j["addr"] = img.describe(r.addr);
      j["written"] = r.value;
    } else {
      j["vector"] = r.step.vector;
      if (r.step.copies > 1) j["copies"] = r.step.copies;
    }
    out.push_back(std::move(j));
  }
  return out;
}

}  // namespace explore
