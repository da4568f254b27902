#include "machine.h"

#include <algorithm>
#include <iterator>
#include <stdexcept>

#include "models/isa/leb128.h"

namespace explore {

namespace {

// x2APIC MSRs (SDM vol. 3, 11.12.1.2), as the timed core decodes them.
constexpr std::uint32_t kMsrIcr = 0x830;
constexpr std::uint32_t kMsrEoi = 0x80b;
constexpr std::uint32_t kMsrTscDeadline = 0x6e0;

constexpr auto put = isa::put_leb128;

}  // namespace

const char* step_kind_name(StepKind k) {
  switch (k) {
    case StepKind::Exec: return "exec";
    case StepKind::Drain: return "drain";
    case StepKind::Interrupt: return "irq";
    case StepKind::Timer: return "timer";
  }
  return "?";
}

Machine::Machine(const isa::Image& img, MachineConfig cfg)
    : img_(img), cfg_(std::move(cfg)), ct_(img), mem_(cfg_.memory) {
  if (cfg_.memo_steps && !cfg_.remember_ledgers)
    throw std::logic_error("explore: steps are remembered by ledger ids, which remember_ledgers = false does not keep");
  ledger_trace_.resize(img_.strings.size());
  for (std::size_t i = 0; i < img_.strings.size(); ++i) ledger_trace_[i] = kernel::DeferralLedger::reads_trace(img_.strings[i]);
  cfg_.isolated.resize(cfg_.tasks.size(), false);
  cfg_.interrupt_free.resize(cfg_.tasks.size(), false);
  if (!cfg_.deferral_targets.empty())
    for (std::size_t c = 0; c < cfg_.tasks.size(); ++c) cfg_.deferral_targets[c] = cfg_.deferral_targets[c] || cfg_.isolated[c];
  // A variable that no store or read-modify-write names and whose address no lea takes (e.g.
  // ct.active: set at boot from nohz_full=) holds its boot value for ever, unless a write through
  // a pointer made some other way lands in it;
  // exec() turns such a write into a fault, so folding its loads can never hide an execution:
  // up to the first such write every folded load reads what the unfolded one would.
  constant_var_.assign(img_.variables.size(), true);
  for (const isa::Function& f : img_.functions)
    for (const isa::Instruction& in : f.code)
      if ((isa::writes_memory(in.op) || in.op == isa::Op::Lea) && in.mem.var >= 0)
        constant_var_[in.mem.var] = false;  // written by name, or its address taken
  var_at_.assign(img_.memory_words, -1);
  for (std::size_t v = 0; v < img_.variables.size(); ++v) {
    const isa::Variable& var = img_.variables[v];
    const std::size_t copies = var.percpu ? img_.ncpus : 1;
    for (std::size_t c = 0; c < copies; ++c)
      for (isa::Word w = 0; w < var.size; ++w) {
        const isa::Word a = var.base + c * (var.percpu ? img_.percpu_area : 0) + w;
        if (a < var_at_.size()) var_at_[a] = static_cast<int>(v);
      }
  }
}

State Machine::initial() {
  State s;
  const auto n = static_cast<std::uint32_t>(cfg_.tasks.size());
  s.cpus.resize(n);
  s.apics.resize(n);
  for (std::uint32_t c = 0; c < n; ++c) {
    isa::CpuState& cpu = s.cpus[c].write();
    cpu.id = c;
    isa::start(img_, cpu, cfg_.tasks[c], isa::Mode::User);
    for (std::uint8_t k = 0; c < cfg_.nmis.size() && k < cfg_.nmis[c]; ++k) s.in_flight.push_back({c, isa::kNmiVector});
  }
  std::sort(s.in_flight.begin(), s.in_flight.end());
  auto boot = std::make_shared<kernel::DeferralLedger>(n, cfg_.isolated, &ct_, &cfg_.memory);
  scratch_.clear();
  boot->fingerprint(scratch_);
  s.ledger = {std::move(boot), ledger_ids_.insert(scratch_).first};
  for (std::uint32_t c = 0; c < n; ++c) settle(s, c);  // private words may be written
  keep_differences(s);
  return s;
}

bool Machine::deliverable(const Apic& a, std::uint8_t vector) {
  const int v = a.highest();
  return v < 0 || (vector >> 4) > (v >> 4);
}

void Machine::enabled(const State& s, std::vector<Step>& out) const {
  out.clear();
  for (std::uint32_t c = 0; c < s.cpus.size(); ++c) {
    const isa::CpuState& cpu = *s.cpus[c];
    if (!cpu.store_buffer.empty()) out.push_back({StepKind::Drain, c, 0});
    // A CPU whose program is over stays in user mode and interruptible, as in a timed run.
    for_each_takeable(s, c, [&](std::uint8_t v, std::uint8_t copies) {
      for (std::uint8_t k = 1; k <= copies; ++k) out.push_back({StepKind::Interrupt, c, v, k});
    });
    if (timer_takeable(s, c)) out.push_back({StepKind::Timer, c, kTimerVector});
    if (cpu.idle || cpu.halted) continue;
    const isa::Instruction& in = isa::current(img_, cpu);
    if (isa::needs_empty_store_buffer(in.op) && !cpu.store_buffer.empty()) continue;
    if (in.op == isa::Op::Store && cpu.store_buffer.size() >= cfg_.store_buffer_entries) continue;
    out.push_back({StepKind::Exec, c, 0});
  }
}

bool Machine::terminal(const State& s) const {  // enabled(s).empty(), without building it
  for (std::uint32_t c = 0; c < s.cpus.size(); ++c) {
    const isa::CpuState& cpu = *s.cpus[c];
    if (!cpu.store_buffer.empty()) return false;
    if (!cpu.idle && !cpu.halted) return false;  // with an empty buffer it can always execute
    bool takes = timer_takeable(s, c);
    for_each_takeable(s, c, [&](std::uint8_t, std::uint8_t) { takes = true; });
    if (takes) return false;
  }
  return true;
}

void Machine::load(const State& s) {
  for (const auto& [a, v] : s.memory) mem_[a] = v;
}

void Machine::unload(const State& s) {
  for (const auto& [a, v] : s.memory) mem_[a] = cfg_.memory[a];
}

void Machine::drop_drain_marks(State& s, std::uint32_t c) {
  if (!s.pending.empty())
    s.pending.erase(std::remove_if(s.pending.begin(), s.pending.end(),
                                   [&](const Pending& p) { return p.cpu == c && p.until_fence; }),
                    s.pending.end());
}

void Machine::note_access(const State& s, std::uint32_t c, isa::Addr a, std::uint32_t func, std::uint32_t pc,
                          bool drain) {
  ++accesses_;
  footprint_.words.push_back(a);
  if (a < cfg_.owner.size() && cfg_.owner[a] >= 0 && cfg_.owner[a] != static_cast<std::int32_t>(c))
    throw NotPrivate{a, c};
  for (const Pending& p : s.pending)
    if (p.addr == a && p.cpu != c) throw Racy{p, c};
  if (log_) log_->push_back({c, a, func, pc, drain});
}

void Machine::track(State& s, isa::Addr addr) {
  auto it = std::lower_bound(s.memory.begin(), s.memory.end(), std::make_pair(addr, isa::Word(0)),
                             [](const auto& x, const auto& y) { return x.first < y.first; });
  if (it == s.memory.end() || it->first != addr) it = s.memory.insert(it, {addr, 0});
  it->second = mem_[addr];  // settled into the diff (or dropped) when the step ends
}

const kernel::DeferralLedger& Machine::ledger(const State& s) const { return *s.ledger.ledger; }

void Machine::hardware_register_write(State& s, std::uint32_t c, const isa::Effect& e, StepRecord* rec) {
  if (e.msr == kMsrEoi) {
    s.apics[c].end_of_interrupt();
    return;
  }
  if (e.msr == kMsrTscDeadline) {  // armed (0: disarmed); it fires at any later boundary
    if (e.msr_value && cfg_.interrupt_free[c]) throw NotInterruptFree{c};
    s.apics[c].tsc_deadline = e.msr_value;
    return;
  }
  if (e.msr != kMsrIcr) return;
  const auto vector = static_cast<std::uint8_t>(e.msr_value & 0xff);
  const unsigned shorthand = (e.msr_value >> 18) & 3;  // SDM 11.6.1
  const auto n = static_cast<std::uint32_t>(s.cpus.size());
  auto send = [&](std::uint32_t to) {
    if (cfg_.interrupt_free[to]) throw NotInterruptFree{to};
    const Ipi ipi{to, vector};
    s.in_flight.insert(std::upper_bound(s.in_flight.begin(), s.in_flight.end(), ipi), ipi);
    if (rec) rec->ipis_to.push_back(to);
  };
  switch (shorthand) {
    case 0:
      if ((e.msr_value >> 32) < n) send(static_cast<std::uint32_t>(e.msr_value >> 32));
      break;
    case 1: send(c); break;
    case 2: for (std::uint32_t t = 0; t < n; ++t) send(t); break;
    case 3: for (std::uint32_t t = 0; t < n; ++t) if (t != c) send(t); break;
  }
}

void Machine::exec(State& s, std::uint32_t c, StepRecord* rec) {
  isa::CpuState& cpu = s.cpus[c].write();
  const isa::Mode before = cpu.mode;
  const bool idle_before = cpu.idle;
  const isa::Word request = cpu.request;
  const std::uint64_t now = ++clock_;
  const isa::Effect e = isa::execute(img_, cpu, mem_, cpu.tsc);  // no clock: rdtsc reads the last timer's deadline
  if (isa::writes_memory(e.op) && e.addr < var_at_.size() && var_at_[e.addr] >= 0 && constant_var_[var_at_[e.addr]])
    isa::fault(img_, cpu, "writes " + img_.describe(e.addr) + " through a pointer, but no instruction names " +
                              img_.variables[var_at_[e.addr]].name +
                              " as a destination or takes its address: the explorer treats it as constant and folds its loads");
  if (e.accessed) note_access(s, c, e.addr, e.func, e.pc, false);
  if (isa::needs_empty_store_buffer(e.op)) {  // every drain of this CPU's has happened by now
    drop_drain_marks(s, c);
    if (log_) log_->push_back({c, 0, e.func, e.pc, false, true});
  }
  if (e.wrote) track(s, e.addr);
  if (!cfg_.tso && e.op == isa::Op::Store) {
    drain(s, c);
    if (rec) rec->store_visible = true;
  }
  if (e.op == isa::Op::Wrmsr) hardware_register_write(s, c, e, rec);
  if (!cfg_.deferral_targets.empty() && e.wrote)
    for (const isa::Effect::Note& n : e.notes)
      if (n.kind == isa::Annotation::Kind::Post && n.a0 < cfg_.deferral_targets.size() && !cfg_.deferral_targets[n.a0])
        throw NotDeferralTarget{static_cast<std::uint32_t>(n.a0)};
  // The ledger sees what the recorder feeds it in a timed run, in the same order.
  const bool mode_changed = cpu.mode != before && ledger(s).follows_cpu(c);
  const bool halt_changed = cpu.idle != idle_before && ledger(s).follows_cpu(c);
  const bool traced = e.op == isa::Op::Trace && ledger_trace_[e.trace_name];
  const bool ledger_sees = e.op == isa::Op::Request || traced || !e.notes.empty() || mode_changed ||
                           halt_changed || (e.wrote && ledger(s).write_matters(e.addr, e.read, e.written));
  if (ledger_sees) {
    // Everything the hooks read, as the memo's key.
    std::string& key = ledger_key_;
    key.clear();
    put(key, 'x');
    put(key, c);
    put(key, request);
    put(key, static_cast<unsigned>(e.op));
    if (e.op == isa::Op::Request) put(key, e.written);
    if (traced) {
      put(key, e.trace_name);
      put(key, e.trace_args.size());
      for (isa::Word a : e.trace_args) put(key, a);
    }
    put(key, e.notes.size());
    for (const isa::Effect::Note& n : e.notes) {
      put(key, static_cast<unsigned>(n.kind));
      put(key, n.a0);
      put(key, n.a1);
    }
    put(key, e.addr);
    put(key, e.read);
    put(key, e.wrote);
    put(key, e.written);
    put(key, mode_changed ? 1 + static_cast<unsigned>(cpu.mode) : 0);
    put(key, halt_changed ? 1 + cpu.idle : 0);
    const isa::Mode mode = cpu.mode;
    const bool idle = cpu.idle;
    update_ledger(s, [&](kernel::DeferralLedger& l) {
      if (e.op == isa::Op::Request) l.on_request(c, e.written, now);
      if (traced) l.on_trace(c, request, img_.strings[e.trace_name], e.trace_args, now);
      l.on_effect(c, request, e, now);
      if (mode_changed) l.on_mode(c, mode, now);
      if (halt_changed) l.on_halt(c, idle);
    });
  }
  if (rec) {
    rec->func = e.func;
    rec->pc = e.pc;
    rec->effect = e;
  }
}

void Machine::drain(State& s, std::uint32_t c, StepRecord* rec) {
  isa::CpuState& cpu = s.cpus[c].write();
  const isa::Addr addr = cpu.store_buffer.front().addr;
  const isa::Word old = mem_[addr];
  const isa::StoreBufferEntry e = isa::drain_one(cpu, mem_);
  note_access(s, c, addr, e.func, e.pc, true);
  drop_drain_marks(s, c);  // stores drain in order: the ones before this one have
  track(s, addr);
  ++clock_;
  if (ledger(s).write_matters(addr, old, e.value)) {
    ledger_key_.clear();
    put(ledger_key_, 'w');
    put(ledger_key_, addr);
    put(ledger_key_, old);
    put(ledger_key_, e.value);
    update_ledger(s, [&](kernel::DeferralLedger& l) { l.on_write(addr, old, e.value); });
  }
  if (rec) {
    rec->addr = addr;
    rec->old = old;
    rec->value = e.value;
    rec->func = e.func;  // the store that buffered it
    rec->pc = e.pc;
  }
}

State Machine::apply(const State& s, const Step& step, StepRecord* rec) {
  // Steps without a record (the explorer's, the walks') are remembered; replays run.
  if (rec || step.kind == StepKind::Interrupt || step.kind == StepKind::Timer || !cfg_.memo_steps)
    return apply_step(s, step, rec);
  std::uint32_t key = 0, footprint = 0;
  if (const StepResult* r = recall_step(s, step, key, footprint)) {
    State t = replay_step(s, step, footprint, *r);
    if (log_) log_->insert(log_->end(), r->log.begin(), r->log.end());
    if (cfg_.check_memo) {
      std::vector<Access>* log = log_;
      log_ = nullptr;
      std::string a, b;
      encode(apply_step(s, step, nullptr), a);
      log_ = log;
      encode(t, b);
      if (a != b || footprint_id_ != footprint)
        throw std::logic_error("explore: cpu" + std::to_string(step.cpu) + " " + step_kind_name(step.kind) +
                               " replayed from memory differs from the step run");
    }
    return t;
  }
  const std::size_t logged = log_ ? log_->size() : 0;
  State t = apply_step(s, step, nullptr);
  if (StepResult* r = remember_step(key, s, t, step); r && log_)
    r->log.assign(log_->begin() + static_cast<long>(logged), log_->end());
  return t;
}

State Machine::apply_step(const State& s, const Step& step, StepRecord* rec) {
  State t = s;
  // The CPU moves on: the accesses folded into its last step have happened in any order.
  if (step.kind != StepKind::Drain && !t.pending.empty())
    t.pending.erase(std::remove_if(t.pending.begin(), t.pending.end(),
                                   [&](const Pending& p) { return p.cpu == step.cpu && !p.until_fence; }),
                    t.pending.end());
  load(s);
  accesses_ = 0;
  ledger_events_ = 0;
  footprint_.words.clear();
  guesses_used_.clear();
  footprint_.ledger = false;
  footprint_.opaque = step.kind == StepKind::Interrupt || step.kind == StepKind::Timer;
  if (rec) *rec = StepRecord{};
  if (rec) rec->step = step;
  rec_ = rec;
  try {
    switch (step.kind) {
      case StepKind::Exec:
        exec(t, step.cpu, rec);
        break;
      case StepKind::Drain:
        drain(t, step.cpu, rec);
        break;
      case StepKind::Interrupt:
      case StepKind::Timer: {
        isa::CpuState& cpu = t.cpus[step.cpu].write();
        if (step.kind == StepKind::Timer) {  // the deadline has passed: the TSC reads at least it
          cpu.tsc = std::max(cpu.tsc, t.apics[step.cpu].tsc_deadline);
          t.apics[step.cpu].tsc_deadline = 0;
        } else {
          // `copies` IPIs reach the IRR, merge in its bit for the vector, and the CPU takes it.
          const auto first = std::lower_bound(t.in_flight.begin(), t.in_flight.end(), Ipi{step.cpu, step.vector});
          t.in_flight.erase(first, first + step.copies);
        }
        if (step.vector != isa::kNmiVector) t.apics[step.cpu].set(step.vector);  // no ISR for the NMI
        const bool from_user = cpu.mode == isa::Mode::User;
        const bool from_idle = cpu.idle;
        cpu.halted = false;  // after iret it is back at its `halt`
        isa::take_interrupt(img_, cpu, step.vector);
        ++clock_;
        if ((from_user || from_idle) && ledger(t).follows_cpu(step.cpu)) {
          ledger_key_.clear();
          put(ledger_key_, 'i');
          put(ledger_key_, step.cpu);
          put(ledger_key_, from_user + 2 * from_idle);
          const std::uint64_t now = clock_;
          update_ledger(t, [&](kernel::DeferralLedger& l) {
            l.on_mode(step.cpu, isa::Mode::Kernel, now);
            l.on_halt(step.cpu, false);
          });
        }
        if (rec) {
          rec->from_user = from_user;
          rec->from_idle = from_idle;
        }
        break;
      }
    }
    settle(t, step.cpu);
  } catch (...) {
    rec_ = nullptr;
    unload(t);
    unload(s);
    throw;
  }
  rec_ = nullptr;
  footprint_id_ = intern_footprint();
  keep_differences(t);
  unload(s);
  learn_self_loop(s, t, step);
  return t;
}

// The diff keeps only words that differ from boot; memory goes back to boot for the next step.
void Machine::keep_differences(State& t) {
  for (auto& [a, v] : t.memory) v = mem_[a];
  unload(t);
  t.memory.erase(std::remove_if(t.memory.begin(), t.memory.end(),
                                [&](const auto& p) { return p.second == cfg_.memory[p.first]; }),
                 t.memory.end());
}

// What a visible load of a shared word would read in `s`, if the instruction is one. Loads that
// may be folded (of a private word, by a race-free instruction) are not: whether they are
// depends on the ledger and the pending marks, which a self-loop's key does not hold.
bool Machine::loaded_value(const State& s, const isa::CpuState& cpu, const isa::Instruction& in,
                           isa::Addr& addr, isa::Word& value) const {
  if (in.op != isa::Op::Load || !in.notes.empty()) return false;
  const isa::Frame& f = cpu.frames.back();
  if (!cfg_.race_free.empty() && cfg_.race_free[f.func][f.pc]) return false;
  const isa::Addr a = isa::access_address(img_, cpu);
  if (a < cfg_.owner.size() && cfg_.owner[a] >= 0) return false;
  const isa::StoreBufferEntry* buffered = cpu.forward(a);
  addr = a;
  value = buffered ? buffered->value : read(s, a);
  return true;
}

// A load is a self-loop in every state with the same CPU and the same value at its address when
// the step touched nothing else: no other access (folded loads of private words would read
// values the key does not hold), no ledger event (whether one happens depends on the CPU alone),
// no write, no IPI, no EOI, and its CPU ends as it began.
void Machine::learn_self_loop(const State& s, const State& t, const Step& step) {
  if (step.kind != StepKind::Exec || accesses_ != 1 || ledger_events_ || !cfg_.fold_local_steps ||
      !cfg_.remember_ledgers)
    return;
  const isa::CpuState& before = *s.cpus[step.cpu];
  isa::Addr addr = 0;
  isa::Word value = 0;
  if (before.halted || before.idle || !loaded_value(s, before, isa::current(img_, before), addr, value)) return;
  if (t.memory != s.memory || t.in_flight != s.in_flight || t.apics != s.apics || t.pending != s.pending) return;
  auto intern = [this](const isa::CpuState& c) { return intern_cpu(c); };
  const std::uint32_t id = s.cpus[step.cpu].id(intern);
  if (t.cpus[step.cpu].id(intern) == id) self_loops_.insert({id, value});
}

bool Machine::known_self_loop(const State& s, const Step& step) const {
  if (step.kind != StepKind::Exec || self_loops_.empty()) return false;
  const CpuRef& ref = s.cpus[step.cpu];
  const isa::CpuState& cpu = *ref;
  isa::Addr addr = 0;
  isa::Word value = 0;
  if (cpu.halted || cpu.idle || !loaded_value(s, cpu, isa::current(img_, cpu), addr, value)) return false;
  // The step would end this CPU's pending marks, or find another CPU's on the word it reads.
  for (const Pending& p : s.pending)
    if ((p.cpu == step.cpu && !p.until_fence) || p.addr == addr) return false;
  return self_loops_.count({ref.id([this](const isa::CpuState& c) { return intern_cpu(c); }), value}) != 0;
}

// The ledger after one event (ledger_key_ names it and `feed` gives it to a ledger): ledgers are
// few and events repeat, so (ledger id, event) -> ledger is remembered, and a copy is made and
// fingerprinted only the first time. The ledger remembered keeps the explore clock's cycles of
// that first time; nothing the explorer checks or prints reads them (they are not in the
// fingerprint either).
template <class Feed>
void Machine::update_ledger(State& s, Feed feed) {
  ++ledger_events_;
  if (!cfg_.remember_ledgers) {
    auto next = std::make_shared<kernel::DeferralLedger>(*s.ledger.ledger);
    feed(*next);
    std::vector<isa::Addr> before, after;
    s.ledger.ledger->token_words(before);
    next->token_words(after);
    std::set_symmetric_difference(before.begin(), before.end(), after.begin(), after.end(),
                                  std::back_inserter(footprint_.words));
    s.ledger = {std::move(next), 0};
    footprint_.ledger = true;
    return;
  }
  put(ledger_key_, s.ledger.id);
  const auto [event, fresh] = ledger_events_seen_.insert(ledger_key_);
  if (fresh) {
    auto next = std::make_shared<kernel::DeferralLedger>(*s.ledger.ledger);
    feed(*next);
    scratch_.clear();
    next->fingerprint(scratch_);
    std::vector<isa::Addr> before, after, changed;
    s.ledger.ledger->token_words(before);
    next->token_words(after);
    std::set_symmetric_difference(before.begin(), before.end(), after.begin(), after.end(), std::back_inserter(changed));
    ledger_after_.push_back({std::move(next), ledger_ids_.insert(scratch_).first});
    tokens_changed_.push_back(std::move(changed));
  }
  s.ledger = ledger_after_[event];
  footprint_.ledger = true;
  footprint_.words.insert(footprint_.words.end(), tokens_changed_[event].begin(), tokens_changed_[event].end());
}

isa::Word Machine::read(const State& s, isa::Addr a) const {
  auto it = std::lower_bound(s.memory.begin(), s.memory.end(), std::make_pair(a, isa::Word(0)),
                             [](const auto& x, const auto& y) { return x.first < y.first; });
  return it != s.memory.end() && it->first == a ? it->second : cfg_.memory.at(a);
}

std::vector<isa::Word> Machine::full_memory(const State& s) const {
  std::vector<isa::Word> m = cfg_.memory;
  for (const auto& [a, v] : s.memory) m[a] = v;
  return m;
}

void Machine::encode_cpu(const isa::CpuState& cpu, std::string& out) {
  // Its number too: the self-loops and steps remembered are keyed by a CPU's id alone, and
  // this_cpu addressing makes two CPUs with equal registers different.
  put(out, cpu.id);
  put(out, static_cast<unsigned>(cpu.mode) | (cpu.interrupts_enabled << 1) | (cpu.halted << 2) |
               (cpu.idle << 3));
  put(out, cpu.request);
  put(out, cpu.tsc);
  put(out, cpu.next_request);
  put(out, cpu.frames.size());
  for (const isa::Frame& f : cpu.frames) {
    put(out, f.func);
    put(out, f.pc);
    put(out, f.reg_base);
    put(out, f.ret_dst);
    put(out, static_cast<unsigned>(f.kind) | (static_cast<unsigned>(f.saved_mode) << 2) |
                 (f.saved_if << 3));
    put(out, f.vector);
    put(out, f.compute_left);
  }
  put(out, cpu.regs.size());
  for (isa::Word r : cpu.regs) put(out, r);
  put(out, cpu.store_buffer.size());
  for (const isa::StoreBufferEntry& e : cpu.store_buffer) {
    put(out, e.addr);
    put(out, e.value);
    put(out, e.func);
    put(out, e.pc);
  }
}

std::uint32_t Machine::intern_cpu(const isa::CpuState& cpu) const {
  scratch_.clear();
  encode_cpu(cpu, scratch_);
  return cpu_ids_.insert(scratch_).first;
}

// The APICs, what is in flight and memory: the part of a state's bytes with nothing interned.
void Machine::encode_shared(const State& s, std::string& out) {
  for (const Apic& a : s.apics) {
    for (std::uint64_t w : a.isr) put(out, w);
    put(out, a.tsc_deadline);
  }
  put(out, s.in_flight.size());
  for (const Ipi& i : s.in_flight) {
    put(out, i.to);
    put(out, i.vector);
  }
  put(out, s.memory.size());
  for (const auto& [a, v] : s.memory) {
    put(out, a);
    put(out, v);
  }
}

void Machine::encode(const State& s, std::string& out) const {
  if (!cfg_.remember_ledgers) throw std::logic_error("explore: a machine that remembers no ledger cannot encode states");
  for (const CpuRef& cpu : s.cpus) put(out, cpu.id([this](const isa::CpuState& c) { return intern_cpu(c); }));
  encode_shared(s, out);
  put(out, s.pending.size());
  for (const Pending& p : s.pending) {
    put(out, p.cpu);
    put(out, p.addr);
    put(out, p.func);
    put(out, p.pc);
    put(out, p.until_fence);
  }
  put(out, s.ledger.id);
}

std::string Machine::describe_end(const State& s) const {
  std::string out;
  for (const CpuRef& cpu : s.cpus) encode_cpu(*cpu, out);
  encode_shared(s, out);
  s.ledger.ledger->fingerprint(out);
  return out;
}

}  // namespace explore
