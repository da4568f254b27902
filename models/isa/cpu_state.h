// A CPU's architectural state under x86-TSO: register frames, privilege mode, IF, store buffer.
#pragma once

#include <cstdint>
#include <vector>

#include "instruction.h"

namespace isa {

enum class Mode : std::uint8_t { User, Kernel };

enum class FrameKind : std::uint8_t { Call, Interrupt, Syscall, Task };

struct Frame {
  std::uint32_t func = 0;
  std::uint32_t pc = 0;
  std::uint32_t reg_base = 0;     // this frame's registers start here in CpuState::regs
  std::uint8_t ret_dst = kNoReg;  // caller's register receiving the return value
  FrameKind kind = FrameKind::Call;
  Mode saved_mode = Mode::Kernel;  // Interrupt/Syscall frames: state to restore
  bool saved_if = true;
  std::uint8_t vector = 0;         // Interrupt frames
  Word compute_left = 0;           // cycles of an interrupted `compute` still to run on return
};

struct StoreBufferEntry {
  Addr addr;
  Word value;
  std::uint32_t func = 0, pc = 0;  // the store that buffered it (the explorer's race guesses)
};

struct CpuState {
  std::uint32_t id = 0;
  Mode mode = Mode::User;
  bool interrupts_enabled = true;
  bool halted = false;   // program finished
  bool idle = false;     // in HLT, waiting for an interrupt
  Word request = 0;      // current request id (ghost state for the deferral ledger)
  Word tsc = 0;          // explore: the time this CPU can tell, the deadline of the last timer it took
  std::uint32_t next_request = 1;
  std::vector<Frame> frames;
  std::vector<Word> regs;
  std::vector<StoreBufferEntry> store_buffer;  // FIFO: oldest first

  const Frame& top() const { return frames.back(); }
  Frame& top() { return frames.back(); }
  Word& reg(std::uint8_t r) { return regs[frames.back().reg_base + r]; }
  Word reg(std::uint8_t r) const { return regs[frames.back().reg_base + r]; }
  // Newest buffered store to addr, if any (x86-TSO store forwarding).
  const StoreBufferEntry* forward(Addr addr) const {
    for (auto it = store_buffer.rbegin(); it != store_buffer.rend(); ++it)
      if (it->addr == addr) return &*it;
    return nullptr;
  }
};

}  // namespace isa
