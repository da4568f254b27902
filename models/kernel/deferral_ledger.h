// The deferral ledger: follows every cross-CPU request (one text_poke_sync, say) to each target
// CPU and counts how its callback ran there: deferred and flushed on kernel entry, by IPI, twice,
// late, or never. It reads only the observer hooks of the kernel paths (@post, @consume,
// @callback annotations and tracepoints), so it works unchanged for any protocol a scenario writes.
//
// A @post on a successful write puts a token for (request, target, bits) on the written word; a
// @consume read takes the tokens whose bits it saw; a @callback(bits, 0) runs the deferred work
// for every token this CPU holds; @callback(bits, request) is the IPI path. A write that clears a
// token's bits before anyone consumed it destroys the token. Work posted while the target is in
// the kernel, before the user_enter tracepoint of its way out, was deferred to a kernel CPU if it
// is still there, or wiped, when the target is back in user mode.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "models/isa/cpu_state.h"
#include "models/isa/executor.h"

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
  Decision decision = Decision::None;
  std::uint64_t decided = 0;
  std::vector<Execution> executions;
  std::uint32_t tokens_live = 0;     // posted, not consumed or destroyed yet
  std::uint32_t tokens_held = 0;     // consumed, its callback not run yet
  std::uint32_t tokens_dropped = 0;  // destroyed by a write before being consumed
  bool deferred_to_kernel = false;   // posted while the target was in the kernel, after its flush
                                     // point: still there when it went back to user, or wiped
  bool late = false;                 // that work ran only at a later kernel entry
  bool seen = false;                 // the ledger saw a decision, token or execution for it
};

enum class Outcome : std::uint8_t { Once, Double, Lost, Pending, InFlight };
const char* outcome_name(Outcome o);
Outcome outcome(const Delivery& d);

struct LedgerSummary {
  std::uint64_t requests = 0;
  std::uint64_t deliveries = 0;          // (request, target) pairs to isolated CPUs
  std::uint64_t deferred = 0;            // sender chose deferral
  std::uint64_t ipi = 0;                 // sender queued a CSD (an IPI, or one already pending)
  std::uint64_t flushed_on_entry = 0;    // executions from the deferred-work flush
  std::uint64_t ipi_executions = 0;
  std::uint64_t double_executions = 0;   // deliveries whose callback ran more than once
  std::uint64_t lost = 0;
  std::uint64_t late = 0;
  std::uint64_t deferred_to_kernel = 0;
  std::uint64_t pending = 0;             // deferred, not run yet when the run ended
  std::uint64_t in_flight = 0;           // IPI not handled yet when the run ended
  std::uint64_t unattributed = 0;        // deferred-path executions with no token held
  std::map<std::uint64_t, std::uint64_t> executions_per_delivery;  // histogram
};

class DeferralLedger {
 public:
  DeferralLedger(std::uint32_t ncpus, std::vector<bool> isolated);

  void on_request(std::uint32_t cpu, std::uint64_t request, std::uint64_t cycle);
  // Tracepoints: csd_queue_cpu(cpu, callsite, func, csd) and ct_work_deferred(cpu, work) decide.
  void on_trace(std::uint32_t cpu, std::uint64_t request, const std::string& name,
                const std::vector<isa::Word>& args, std::uint64_t cycle);
  // Annotations of an executed instruction, and token destruction by its write. It reads the
  // effect's notes, addr, read, wrote and written: the explorer remembers ledger updates by those
  // (explore::Machine::exec), so reading another field means adding it to that key.
  void on_effect(std::uint32_t cpu, std::uint64_t request, const isa::Effect& e, std::uint64_t cycle);
  // A store-buffer drain (or any other write) of `value` over `old`.
  void on_write(isa::Addr addr, isa::Word old, isa::Word value);
  // Whether a write to `addr` could matter (work posted there is not consumed yet).
  bool has_tokens_at(isa::Addr addr) const { return live_.count(addr) != 0; }
  // The words has_tokens_at() is true of, ascending, appended to `out`.
  void token_words(std::vector<isa::Addr>& out) const {
    for (const auto& w : live_) out.push_back(w.first);
  }
  void on_mode(std::uint32_t cpu, isa::Mode mode, std::uint64_t cycle);
  // Whether on_mode() or on_trace() for `cpu` can change anything (the explorer copies the
  // ledger only then). Modes, and the user_enter tracepoint, matter for isolated CPUs only:
  // deliveries to others are never reported.
  bool follows_mode(std::uint32_t cpu) const { return cpu < ncpus_ && isolated_[cpu]; }
  bool follows_trace(std::uint32_t cpu, const std::string& name) const {
    return name == "user_enter" ? follows_mode(cpu) : name == "ct_work_deferred" || name == "csd_queue_cpu";
  }

  LedgerSummary summary() const;
  // Everything that decides future verdicts, without cycles: two paths to one machine state whose
  // ledgers have equal fingerprints are one state for the explorer. Appended to `out`.
  void fingerprint(std::string& out) const;
  // Deliveries to isolated CPUs, by (request, target).
  std::vector<const Delivery*> deliveries() const;
  bool isolated(std::uint32_t cpu) const { return isolated_.at(cpu); }

 private:
  struct Token {
    std::uint64_t request;
    std::uint32_t target;
    isa::Word bits;
    isa::Addr addr;
    std::uint64_t epoch;       // target's kernel-entry count when posted
    bool in_kernel;            // target was in kernel mode when posted
  };
  // nullptr for an id that no `request` instruction made (a program passed something else).
  Delivery* delivery(std::uint64_t request, std::uint32_t target);
  Delivery& of(const Token& t) { return *delivery(t.request, t.target); }
  struct Request {
    std::uint64_t cycle = 0;
    std::vector<Delivery> targets;  // by target CPU, allocated on first use
  };
  void drop_cleared(isa::Addr addr, isa::Word value);
  void forget(const Token& t);

  std::uint32_t ncpus_;
  std::vector<bool> isolated_;
  std::vector<isa::Mode> mode_;
  std::vector<std::uint64_t> epoch_;
  std::vector<bool> leaving_;  // past the user_enter tracepoint: in the kernel only on the way out
  std::map<isa::Addr, std::vector<Token>> live_;   // by the word they sit on
  std::vector<std::uint32_t> live_posted_in_kernel_;  // per target CPU
  std::vector<std::vector<Token>> held_;  // per CPU
  std::vector<std::vector<Request>> requests_;  // [sender][n - 1] for request id (sender << 32 | n)
  std::uint64_t nrequests_ = 0;
  std::uint64_t unattributed_ = 0;
};

}  // namespace kernel
