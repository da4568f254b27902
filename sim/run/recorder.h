// Records a timed run: buffers what the hardware reports, then replays it in cycle order into
// the deferral ledger, the per-CPU interference account, the timeline (VCD, Perfetto) and the
// event log. No SystemC.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <exception>
#include <map>
#include <memory>
#include <mutex>
#include <ostream>
#include <string>
#include <thread>
#include <vector>

#include "models/hw/observer.h"
#include "models/kernel/deferral_ledger.h"
#include "sim/run/ftrace_log.h"
#include "sim/run/noise_account.h"
#include "sim/run/task_isolation_account.h"
#include "sim/report/timeline.h"

namespace run {

// How much one CPU was disturbed while running user code; how long it idled, and its NMIs.
struct CpuInterference {
  bool nohz_full = false;
  std::uint64_t interrupts_in_user = 0;
  std::uint64_t ipis_in_user = 0;     // every vector but the local timer and the NMI
  std::uint64_t cycles_lost = 0;      // from leaving user mode to returning (iret)
  std::uint64_t worst_cycles = 0;
  std::uint64_t worst_at = 0;
  struct Cause { std::uint64_t count = 0, cycles = 0; };
  std::map<std::string, Cause> by_cause;  // by the vector that started the disturbance
  std::uint64_t idle_cycles = 0;      // halted in HLT, from the hlt to the interrupt that wakes it
  std::uint64_t nmis = 0;             // NMIs taken, in any mode
  // The cost of deferral: kernel stays (entry to the return to user mode) that ran deferred work
  // on entry, against those that did not, by how they began
  struct Stays { std::uint64_t count = 0, cycles = 0; };
  Stays syscall_flushing, syscall_plain, interrupt_flushing, interrupt_plain;
  // The first four again, of the disturbances that began while the CPU was nohz_full: all of
  // them unless seed 001's switch changed it during the run. report.json's nohz_full_total.
  struct Isolated { std::uint64_t interrupts_in_user = 0, ipis_in_user = 0, cycles_lost = 0, worst_cycles = 0; };
  Isolated while_nohz_full;
};

const char* vector_name(std::uint8_t vector);

class Recorder : public hw::Observer {
 public:
  // `log` receives the event log as the run goes (nullptr: no log); `boot`, memory at boot, says
  // where each CPU's context-tracking state word starts.
  Recorder(const isa::Image& img, std::uint32_t ncpus, std::vector<bool> nohz_full,
           const std::vector<isa::Word>& boot, std::ostream* log);
  ~Recorder() override;
  Recorder(const Recorder&) = delete;
  Recorder& operator=(const Recorder&) = delete;

  void executed(std::uint32_t cpu, std::uint64_t cycle, std::uint64_t issued, const isa::Effect& e,
                isa::Word request, isa::Mode mode_before, isa::Mode mode_after) override;
  void drained(std::uint32_t cpu, std::uint64_t cycle, std::uint64_t issued, isa::Addr addr,
               isa::Word old, isa::Word value) override;
  void ipi_sent(std::uint64_t id, std::uint32_t from, std::uint32_t to, std::uint8_t vector,
                std::uint64_t cycle, std::uint64_t arrival) override;
  void ipi_delivered(std::uint64_t id, std::uint32_t to, std::uint64_t cycle) override;
  void interrupt(std::uint32_t cpu, std::uint64_t cycle, std::uint8_t vector, bool from_user,
                 const std::uint64_t* ipi_ids, std::size_t n_ids) override;
  void settled(std::uint64_t cycle) override;

  // Also write the run to `out` as trace-cmd report text (call before the run starts).
  void enable_ftrace(double clock_mhz, std::ostream& out);

  // Replays what is still buffered and closes the accounts at `end_cycle`.
  void finish(std::uint64_t end_cycle, double clock_mhz);

  const kernel::DeferralLedger& ledger() const { return ledger_; }
  const std::vector<CpuInterference>& interference() const { return interference_; }
  const report::Timeline& timeline() const { return timeline_; }
  const NoiseAccount& noise() const { return noise_; }
  const TaskIsolationAccount& isolation() const { return isolation_; }
  std::uint64_t events() const { return seq_; }

 private:
  struct Extra {
    std::vector<isa::Effect::Note> notes;
    std::vector<isa::Word> args;  // tracepoint arguments, or the IPI ids an interrupt serves
  };
  // Compact and trivially copyable: many are buffered between two replays. Rare payloads
  // (annotations, tracepoint arguments, the IPIs an interrupt serves) sit apart, in extras_.
  struct Event {
    enum class Type : std::uint8_t { Exec, Drain, IpiSent, IpiDelivered, Interrupt };
    std::uint64_t cycle, issued, seq;
    isa::Word read = 0, written = 0;
    isa::Word aux = 0;          // Exec: request before it ran; IpiSent: arrival; Drain: old value
    isa::Word aux2 = 0;         // Exec: expected (cmpxchg), cycles (compute), msr value, new request
    isa::Addr addr = 0;
    std::uint32_t func = 0, pc = 0;
    std::uint32_t small = 0;    // Exec: msr or trace name; Ipi*: target CPU; Interrupt: vector
    std::uint32_t extra = kNone;  // index into extras_ while buffered, into its batch's once handed over
    std::uint64_t ipi = 0;
    std::uint16_t cpu = 0;
    Type type = Type::Exec;
    isa::Op op = isa::Op::Set;
    std::uint8_t flags = 0;     // kForwarded, kSuccess, kWrote, kFromUser, kUserBefore, kUserAfter
  };
  static constexpr std::uint32_t kNone = ~std::uint32_t(0);
  enum Flag : std::uint8_t { kForwarded = 1, kSuccess = 2, kWrote = 4, kFromUser = 8, kUserBefore = 16, kUserAfter = 32,
                             kDevice = 64 };
  std::uint32_t keep(const std::vector<isa::Effect::Note>& notes, const isa::Word* args, std::size_t n);
  isa::Effect effect_of(const Event& ev);  // borrows the event's payload vectors: give them back
  void give_back(const Event& ev, isa::Effect& e);
  Event& push(Event::Type t, std::uint32_t cpu, std::uint64_t cycle, std::uint64_t issued);
  void flush(std::uint64_t below);  // hands every buffered event with a smaller cycle to the replay
  void replay(const Event& ev, std::ostream* log);
  void replay_exec(const Event& ev, std::ostream* log);
  void log_exec(const Event& ev, const isa::Effect& e, isa::Mode after, std::ostream& log);
  void end_disturbance(std::uint32_t cpu, std::uint64_t cycle);  // back in user mode (or run over)
  void set_context(std::uint32_t cpu, std::uint64_t cycle, report::Context c, std::string why);
  void line(std::ostream* log, const Event& ev, const std::string& what, const std::string& detail);
  std::string where(const isa::Effect& e) const;
  std::string function_name(isa::Word address) const;  // a function's address, or hex

  const isa::Image& img_;
  std::uint32_t ncpus_;
  std::ostream* log_;
  std::vector<Event> events_;
  // Device interrupts, all reported before the run in cycle order: held apart until due, so that
  // events_ stays nearly sorted
  std::vector<Event> devices_;
  std::size_t next_device_ = 0;
  std::vector<Extra> extras_;
  std::size_t extras_used_ = 0;
  std::uint64_t seq_ = 0;
  static constexpr std::size_t kBatch = 2048;
  std::size_t flush_at_ = kBatch;

  // The replay runs on its own thread, one batch after the other, behind the simulation; only it
  // touches the accounts below until finish() has joined it. Same order, so the same output.
  struct Batch {
    std::vector<Event> events;
    std::vector<Extra> extras;  // an event's `extra` indexes these
  };
  std::thread replayer_;
  std::mutex mutex_;
  std::condition_variable ready_, room_;
  std::deque<Batch> batches_;
  std::vector<Batch> spent_;  // replayed batches, their buffers reused
  bool closing_ = false;
  std::exception_ptr failure_;
  Batch* batch_ = nullptr;  // the batch being replayed
  void replay_loop();
  void stop_replayer();

  kernel::CtStateReader ct_;
  kernel::DeferralLedger ledger_;
  std::vector<CpuInterference> interference_;
  report::Timeline timeline_;
  NoiseAccount noise_;
  TaskIsolationAccount isolation_;
  // replay state
  std::vector<std::vector<report::Context>> ctx_stack_;
  std::vector<std::uint64_t> disturbed_since_;   // 0: not disturbed
  struct Stay { bool open = false, by_syscall = false, flushed = false; std::uint64_t since = 0; };
  std::vector<Stay> stay_;                       // the current kernel stay of each CPU
  void begin_stay(std::uint32_t cpu, std::uint64_t cycle, bool by_syscall);
  void end_stay(std::uint32_t cpu, std::uint64_t cycle);
  std::vector<bool> halted_;                     // in HLT, waiting for an interrupt
  std::vector<std::uint64_t> halted_since_;      // the cycle of that hlt
  std::vector<std::string> disturbance_cause_;
  std::vector<bool> disturbed_nohz_full_;  // the current disturbance began while the CPU was nohz_full
  struct Running { std::string task; std::uint64_t since = 0, id = 0; };  // "": none (the task exited)
  std::vector<Running> running_;           // per CPU, for the trace's task tracks
  void switch_task(std::uint32_t cpu, std::uint64_t cycle, std::string next, std::uint64_t id = 0);
  std::unique_ptr<FtraceLog> ftrace_;
  std::vector<bool> in_idle_loop_;         // from a hlt to the next return to user or task switch:
                                           // interrupts there run on the idle task (<idle>-0)
  FtraceLog::Task ftrace_task(std::uint32_t cpu) const;  // what the CPU runs, as trace-cmd names it
  std::vector<std::string> last_ipi_callsite_;
  std::vector<std::size_t> ipi_index_;  // IPI id -> index in timeline_.ipis (ids count from 1)
  std::vector<bool> device_id_;         // IPI id -> a device's interrupt
  std::vector<bool> posted_;            // words some @post has written (record time)
  std::vector<bool> traced_;            // tracepoints the ledger or the timeline read
};

}  // namespace run
