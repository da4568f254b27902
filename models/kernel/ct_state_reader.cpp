#include "ct_state_reader.h"

#include <stdexcept>

#include "models/isa/executor.h"

namespace kernel {

const char* where_name(Where w) {
  switch (w) {
    case Where::Kernel: return "kernel";
    case Where::Idle: return "idle";
    case Where::User: return "user";
    case Where::Guest: return "guest";
  }
  return "?";
}

CtStateReader::CtStateReader(const isa::Image& img) : img_(img), var_(img.ct_state_var) {
  if (var_ < 0) return;
  for (isa::Word c = 0; c < img.ncpus; ++c) words_.push_back(img.address(img.variables[var_].name, {c}));
  first_ = words_[0];
  stride_ = img.ncpus > 1 ? words_[1] - words_[0] : 1;
  for (isa::Word c = 0; c < img.ncpus; ++c)
    if (words_[c] != first_ + c * stride_) throw std::logic_error("ct_state_reader: .ctstate words are not one per-CPU area apart");
}

Where CtStateReader::where(isa::Word value) const {
  if (auto it = seen_.find(value); it != seen_.end()) return it->second;
  isa::CpuState cpu;
  std::vector<isa::Word> no_memory(1, 0);
  isa::start(img_, cpu, img_.ct_state_where, isa::Mode::Kernel, {value});
  const std::string& name = img_.functions[img_.ct_state_where].name;
  for (int n = 0;; ++n) {
    if (n == 10000) isa::fault(img_, cpu, name + " does not return: a .ctstate function reads its argument only");
    const isa::Instruction& in = isa::current(img_, cpu);
    if (in.op == isa::Op::Ret && cpu.frames.size() == 1) {
      const isa::Word w = isa::eval(cpu, in.src0);
      if (w > static_cast<isa::Word>(Where::Guest))
        isa::fault(img_, cpu, name + " returned " + std::to_string(w) + ", not one of CT_WHERE_KERNEL, _IDLE, _USER, _GUEST");
      return seen_[value] = static_cast<Where>(w);
    }
    if (isa::is_memory_op(in.op) || in.op == isa::Op::Syscall || in.op == isa::Op::Wrmsr)
      isa::fault(img_, cpu, name + " touches memory or hardware: a .ctstate function reads its argument only");
    isa::execute(img_, cpu, no_memory, 0);
  }
}

}  // namespace kernel
