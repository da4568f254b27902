// The deferral ledger: follows every cross-CPU request (one text_poke_sync, say) to each target
// CPU and counts how its callback ran there: deferred and flushed on kernel entry, by IPI, twice,
// late, or never. It reads only what the kernel paths do: the observer hooks (@post, @consume,
// @callback annotations; the csd_queue_cpu and WARN_ON_ONCE tracepoints) and every write of the
// context-tracking state word (ct_state_reader.h), so it works unchanged for any protocol a
// scenario writes.
//
// A @post on a successful write puts a token for (request, target, bits) on the written word; a
// @consume read takes the tokens whose bits it saw; a @callback(bits, 0) runs the deferred work
// for every token this CPU holds, or, holding none, runs again the work it last ran for those
// bits; @callback(bits, request) is the IPI path. A write that clears a token's bits before anyone
// consumed it destroys the token. Where the target is comes from its state word alone: work posted
// while it is quiescent (user, idle) is due at its next kernel stay; work posted while it is in the
// kernel is due in that same stay. A stay that ends with work still due missed it.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "models/isa/cpu_state.h"
#include "models/isa/executor.h"
#include "models/kernel/ct_state_reader.h"

namespace kernel {

struct Execution {
  std::uint64_t cycle;
  bool deferred;  // ran from the deferred-work flush (else from an IPI or a local call)
};

enum class Decision : std::uint8_t { None, Deferred, Ipi, Local };
const char* decision_name(Decision d);

// One request as seen by one target CPU.
struct Delivery {
  std::uint64_t request = 0;
  std::uint32_t sender = 0, target = 0;
  std::uint64_t requested = 0;  // cycle of the request
  Decision decision = Decision::None;  // set when seen: an IPI queued, a local call (see decision())
  std::vector<Execution> executions;
  std::uint32_t tokens_live = 0;     // posted, not consumed or destroyed yet
  std::uint32_t tokens_held = 0;     // consumed, its callback not run yet
  std::uint32_t tokens_dropped = 0;  // destroyed by a write before being consumed
  // A post while the target's state said kernel, and that stay ended (or wiped it) before it ran.
  bool missed_in_kernel = false;
  // A post while the target was quiescent, and its next kernel stay ended before it ran.
  bool missed_flush = false;
  // A post while the target's state said idle but it ran kernel code, outside HLT: after
  // ct_idle_enter() on the way to HLT, or between an interrupt's exit and ct_idle_exit() (the
  // window the v4 cover asks reviewers about): kernel code runs before the flush. (The same holds
  // of a state saying user during the entry and exit paths, the series' "danger zone" by design,
  // which is not counted.)
  bool in_idle_code = false;
  bool seen = false;                 // the ledger saw a decision, token or execution for it
  bool posted = false;               // work was posted for it (deferred, or about to be)
};

// What the sender chose: an IPI (it queued a csd for the target: the kernel's csd_queue_cpu
// tracepoint), its own local call, or else, once it posted work, deferral. Final once the sender
// is done: a post may still be followed by a fall-back to an IPI (pz2021's failed cmpxchg).
inline Decision decision(const Delivery& d) {
  return d.decision != Decision::None ? d.decision : d.posted ? Decision::Deferred : Decision::None;
}
// Violations as the sender's decision makes them: only deferred work was promised to run at the
// next entry (a post whose sender then fell back to an IPI is not deferred).
inline bool deferred_to_kernel(const Delivery& d) { return d.missed_in_kernel && decision(d) == Decision::Deferred; }
inline bool late(const Delivery& d) { return d.missed_flush && decision(d) == Decision::Deferred; }

enum class Outcome : std::uint8_t { Once, Double, Lost, Pending, InFlight };
const char* outcome_name(Outcome o);
Outcome outcome(const Delivery& d);

struct LedgerSummary {
  std::uint64_t requests = 0;
  std::uint64_t deliveries = 0;          // (request, target) pairs to isolated CPUs, and others work was posted to
  std::uint64_t deferred = 0;            // sender chose deferral
  std::uint64_t ipi = 0;                 // sender queued a CSD (an IPI, or one already pending)
  std::uint64_t flushed_on_entry = 0;    // executions from the deferred-work flush
  std::uint64_t ipi_executions = 0;
  std::uint64_t double_executions = 0;   // deliveries whose callback ran more than once
  std::uint64_t lost = 0;
  std::uint64_t late = 0;                // deferred work a kernel stay did not run at its entry
  std::uint64_t deferred_to_kernel = 0;
  std::uint64_t in_idle_code = 0;        // deferred while the target ran idle code (a window)
  std::uint64_t pending = 0;             // deferred, not run yet when the run ended
  std::uint64_t in_flight = 0;           // IPI not handled yet when the run ended
  std::uint64_t unattributed = 0;        // deferred-path executions of work no request posted
  std::uint64_t kernel_warnings = 0;     // WARN_ON_ONCE()s that fired
  std::map<std::uint64_t, std::uint64_t> executions_per_delivery;  // histogram
};

class DeferralLedger {
 public:
  // `ct` (may be null: no state word) reads the state words; `boot` is memory at boot, where each
  // isolated CPU's state word says where it starts.
  DeferralLedger(std::uint32_t ncpus, std::vector<bool> isolated, const CtStateReader* ct = nullptr,
                 const std::vector<isa::Word>* boot = nullptr);

  void on_request(std::uint32_t cpu, std::uint64_t request, std::uint64_t cycle);
  // Tracepoints: csd_queue_cpu(cpu, callsite, func, csd), the sender's IPI for `cpu`.
  void on_trace(std::uint32_t cpu, std::uint64_t request, const std::string& name,
                const std::vector<isa::Word>& args, std::uint64_t cycle);
  // ... and WARN_ON_ONCE(...), the kernel's own assertion firing in a kernel path.
  static bool reads_trace(const std::string& name) {
    return name == "csd_queue_cpu" || name == "WARN_ON_ONCE" || name == "nohz_full_set";
  }
  // Annotations of an executed instruction, and what its write does to tokens and state words.
  // It reads the effect's notes, addr, read, wrote and written: the explorer remembers ledger
  // updates by those (explore::Machine::exec), so reading another field means adding it to that key.
  void on_effect(std::uint32_t cpu, std::uint64_t request, const isa::Effect& e, std::uint64_t cycle);
  // A store-buffer drain (or any other write) of `value` over `old`.
  void on_write(isa::Addr addr, isa::Word old, isa::Word value);
  // Whether a write to `addr` could matter: work posted there is not consumed yet, work already
  // run still has its bits there, or it is an isolated CPU's state word.
  bool watches(isa::Addr addr) const { return has_tokens_at(addr) || state_word(addr); }
  bool has_tokens_at(isa::Addr addr) const { return live_.count(addr) != 0 || ran_at_.count(addr) != 0; }
  // Whether writing `value` over `old` at `addr` changes anything here (a state word's write that
  // leaves the CPU where it was does not: where a CPU is follows its word's value alone).
  bool write_matters(isa::Addr addr, isa::Word old, isa::Word value) const {
    return has_tokens_at(addr) || (state_word(addr) && ct_->where(old) != ct_->where(value));
  }
  // Every CPU's: work deferred to a housekeeping CPU must run too (a sender that does not test
  // ct->active defers to them).
  bool state_word(isa::Addr addr) const {
    if (!ct_) return false;
    const std::int32_t c = ct_->cpu_of(addr);
    return c >= 0 && static_cast<std::uint32_t>(c) < ncpus_;
  }
  // The CPUs some work was posted to.
  std::vector<bool> posted_to() const;
  // Deliveries whose work, posted while the target's state said kernel, still waits in that same
  // stay: past its flush, it runs only if that stay ends and another begins.
  std::vector<const Delivery*> stranded_in_kernel() const;
  // The words has_tokens_at() is true of, ascending, appended to `out`.
  void token_words(std::vector<isa::Addr>& out) const;
  // What the hardware does (privilege mode; halted in HLT): only for telling kernel code that
  // runs while the state word says idle (Delivery::in_idle_code).
  void on_mode(std::uint32_t cpu, isa::Mode mode, std::uint64_t cycle);
  void on_halt(std::uint32_t cpu, bool halted);
  // Whether on_mode() or on_halt() for `cpu` can change anything (the explorer copies the ledger
  // only then): isolated CPUs only, deliveries to others are never reported.
  bool follows_cpu(std::uint32_t cpu) const { return cpu < ncpus_ && isolated_[cpu]; }
  Where where(std::uint32_t cpu) const { return where_.at(cpu); }

  LedgerSummary summary() const;
  // Everything that decides future verdicts, without cycles: two paths to one machine state whose
  // ledgers have equal fingerprints are one state for the explorer. Appended to `out`.
  void fingerprint(std::string& out) const;
  // The CPUs WARN_ON_ONCE() fired on (each once).
  std::vector<std::uint32_t> warned() const;
  // Deliveries to isolated CPUs, and to other CPUs that work was posted to, by (request, target).
  std::vector<const Delivery*> deliveries() const;
  bool isolated(std::uint32_t cpu) const { return isolated_.at(cpu); }
  // Whether the CPU is nohz_full now: the boot's, as seed 001's switch (trace nohz_full_set) left it.
  bool nohz_full(std::uint32_t cpu) const { return nohz_full_.at(cpu); }

 private:
  struct Token {
    std::uint64_t request;
    std::uint32_t target;
    isa::Word bits;
    isa::Addr addr;
    std::uint64_t epoch;       // target's kernel-entry count when posted
    bool in_kernel;            // the target's state said kernel when posted: due in that stay
    std::uint64_t due() const { return in_kernel ? epoch : epoch + 1; }
  };
  struct Ran {                 // work a CPU's flush last ran, while its bits stay set in `addr`
    std::uint64_t request;
    isa::Word bits;
    isa::Addr addr;
  };
  // nullptr for an id that no `request` instruction made (a program passed something else).
  Delivery* delivery(std::uint64_t request, std::uint32_t target);
  Delivery& of(const Token& t) { return *delivery(t.request, t.target); }
  struct Request {
    std::uint64_t cycle = 0;
    std::vector<Delivery> targets;  // by target CPU, allocated on first use
  };
  void drop_cleared(isa::Addr addr, isa::Word value);
  void forget_ran(std::uint32_t cpu, isa::Word bits, isa::Addr addr, bool any_addr);
  void state_written(isa::Addr addr, isa::Word value);
  void run_deferred(std::uint32_t cpu, isa::Word bits, std::uint64_t cycle);

  std::uint32_t ncpus_;
  std::vector<bool> isolated_;                  // followed: nohz_full at boot or at some point since
  std::vector<bool> nohz_full_;
  const CtStateReader* ct_;
  std::vector<Where> where_;           // per CPU, from its state word
  std::vector<std::uint64_t> epoch_;   // per CPU: kernel stays entered
  std::vector<std::uint8_t> hw_;       // per CPU: bit 0 kernel mode, bit 1 halted
  std::map<isa::Addr, std::vector<Token>> live_;   // by the word they sit on
  std::vector<std::uint32_t> live_for_;            // per target CPU
  std::vector<std::vector<Token>> held_;  // per CPU
  std::vector<std::vector<Ran>> ran_;     // per CPU
  std::map<isa::Addr, std::uint32_t> ran_at_;  // words some Ran has its bits in: how many
  std::vector<std::vector<Request>> requests_;  // [sender][n - 1] for request id (sender << 32 | n)
  std::uint64_t nrequests_ = 0;
  std::uint64_t unattributed_ = 0;
  std::vector<bool> warned_;                    // per CPU
};

}  // namespace kernel
