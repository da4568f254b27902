#include "vector_check.h"

namespace kernel {

namespace {

// The constant vector an instruction sends, or -1 (none, or not known before the run).
int sent_vector(const isa::Image& img, const isa::Instruction& in) {
  auto constant = [](const isa::Operand& o) { return o.kind == isa::Operand::Kind::Imm; };
  if (in.op == isa::Op::Wrmsr && in.imm == 0x830 && in.src0.op == isa::AluOp::None && constant(in.src0.a)) {
    const isa::Word icr = in.src0.a.imm;
    if (((icr >> 8) & 7) != 0) return -1;  // not fixed delivery (NMI, INIT, SIPI): no IDT vector of its own
    return static_cast<int>(icr & 0xff);
  }
  if (in.op != isa::Op::Call || in.target >= img.functions.size()) return -1;
  const std::string& callee = img.functions[in.target].name;
  std::size_t arg;
  if (callee == "x2apic_send_IPI" || callee == "x2apic_send_IPI_mask") arg = 1;
  else if (callee == "x2apic_send_IPI_allbutself") arg = 0;
  else return -1;
  if (in.args.size() <= arg || !constant(in.args[arg])) return -1;
  return static_cast<int>(in.args[arg].imm & 0xff);
}

}  // namespace

std::string unhandled_vector(const isa::Image& img) {
  for (const isa::Function& f : img.functions)
    for (const isa::Instruction& in : f.code) {
      const int v = sent_vector(img, in);
      if (v < 0 || img.idt.count(static_cast<std::uint8_t>(v))) continue;
      return f.file + ":" + std::to_string(in.line) + ": vector " + std::to_string(v) + " sent by " + f.name +
             " has no handler: no .idt entry in the kernel or the scenario's programs";
    }
  return "";
}

}  // namespace kernel
