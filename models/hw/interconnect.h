// The interconnect (SystemC): shared memory, cache-line ownership, and the one place where
// memory accesses take effect, at their completion cycle, in a fixed order. IPIs travel through it
// with the topology's path latency.
//
// Arbitration: accesses completing in the same cycle take effect in order of issue cycle, then
// CPU number, then issue order on that CPU; never in the host's scheduling order.
#pragma once

#include <systemc>

#include <cstdint>
#include <queue>
#include <vector>

#include "cache.h"
#include "lapic.h"

namespace hw {

class Interconnect : public sc_core::sc_module {
 public:
  SC_HAS_PROCESS(Interconnect);
  // DrainStart: the oldest store-buffer entry is ready to leave; its ownership cost is decided then.
  // Resume: a core that ran ahead continues once time reaches its cycle (no memory effect). The
  // interconnect's one event serves these too, which spares SystemC a timed notification each.
  enum class Kind : std::uint8_t { Access, DrainStart, Drain, Resume };
  // What a core does when its access or drain takes effect (a plain virtual call: this is hot).
  class Client {
   public:
    virtual ~Client() = default;
    virtual void complete(Kind kind, std::uint64_t cycle) = 0;
  };

  // Nothing after `last_cycle` is simulated (the cores stop there too); it bounds running ahead
  // of SystemC time (0: never run ahead).
  Interconnect(sc_core::sc_module_name name, Clock& clock, const Topology& topo, const Costs& costs,
               std::vector<isa::Word> memory, Observer* obs, std::uint64_t last_cycle);

  void attach(std::uint32_t cpu, Client* core, LocalApic* apic);
  // Back to the state construction left, with this memory at boot, for another run in this process
  // (Platform::reset); the topology and costs it was given have changed in place.
  void reset(std::vector<isa::Word> memory, Observer* obs, std::uint64_t last_cycle);
  // An access by `cpu` to `addr`, issued at `issued`, that takes effect at `done` (> now).
  void schedule(std::uint32_t cpu, Kind kind, std::uint64_t issued, std::uint64_t done, isa::Addr addr,
                bool writes);
  // A read of `addr` by `cpu` at `cycle` may be done on the spot, without queueing: the CPU holds
  // the line, no write to it is queued, and no write not yet issued can land before `cycle`
  // (it would first have to invalidate this CPU's copy).
  bool can_read_locally(std::uint32_t cpu, isa::Addr addr, std::uint64_t cycle) const {
    return cache_.holds(cpu, addr) && pending_writes_[addr / isa::kWordsPerLine] == 0 &&
           cycle < clock_.now() + min_invalidation_;
  }
  // x2APIC ICR write by `from` at `cycle` (destination in bits 32-63, shorthand in bits 18-19).
  void send_ipi(std::uint32_t from, isa::Word icr, std::uint64_t cycle);
  // A device's message-signalled interrupt: `vector` reaches `to`'s APIC at `cycle`, sent by no
  // CPU (the observer hears of it as an IPI from hw::kDevice). Called before the run starts.
  void post_device_irq(std::uint32_t to, std::uint8_t vector, std::uint64_t cycle);
  // Smallest delay between an ICR write and its arrival: a core may run this far ahead.
  std::uint64_t ipi_lookahead() const { return lookahead_; }

  std::vector<isa::Word>& memory() { return memory_; }
  CacheModel& cache() { return cache_; }
  std::uint64_t ipis_sent() const { return run_.next_ipi - run_.device_irqs; }
  // The simulation is being stopped (a fault): take nothing more from the queue on our own.
  void stop() { run_.stopped = true; }

 private:
  struct Pending {  // 32 bytes: the queue is hot
    std::uint64_t done, issued;
    std::uint64_t order;  // cpu << 40 | issue sequence: the tie-breaks after the issue cycle
    isa::Addr addr;
    Kind kind;
    bool writes;
    std::uint32_t cpu() const { return static_cast<std::uint32_t>(order >> 40); }
    bool operator>(const Pending& o) const {
      if (done != o.done) return done > o.done;
      if (issued != o.issued) return issued > o.issued;
      return order > o.order;
    }
  };
  void process();  // SC_METHOD
  bool nothing_else_before(std::uint64_t cycle) const;

  Clock& clock_;
  const Topology& topo_;
  const Costs& costs_;
  Observer* obs_;
  std::vector<isa::Word> memory_;
  CacheModel cache_;
  std::vector<Client*> done_;
  std::vector<LocalApic*> apics_;
  sc_core::sc_event ev_;
  static constexpr std::uint64_t kUnarmed = ~std::uint64_t(0);
  // What a run changes here besides memory and caches, all of it: reset() assigns a new one.
  struct Run {
    std::priority_queue<Pending, std::vector<Pending>, std::greater<Pending>> queue;
    std::uint64_t armed = kUnarmed;  // cycle ev_ is notified for
    bool processing = false;         // process() re-arms when it returns
    bool stopped = false;
    std::uint64_t seq = 0;
    std::uint64_t next_ipi = 0;      // ids of IPIs and device interrupts alike
    std::uint64_t device_irqs = 0;
  } run_;
  std::uint64_t lookahead_;
  std::uint64_t min_invalidation_;
  std::uint64_t last_cycle_;
  std::vector<std::uint32_t> pending_writes_;  // queued writes per cache line
};

}  // namespace hw
