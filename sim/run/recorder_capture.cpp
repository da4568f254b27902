// The capture side of the Recorder: what the hardware reports, buffered compactly during the run
// and handed in batches to the replay thread (recorder.cpp replays them in cycle order).
#include <pthread.h>

#include <algorithm>

#include "recorder.h"

namespace run {

Recorder::Event& Recorder::push(Event::Type t, std::uint32_t cpu, std::uint64_t cycle, std::uint64_t issued) {
  events_.emplace_back();
  Event& e = events_.back();
  e.type = t;
  e.cpu = static_cast<std::uint16_t>(cpu);
  e.cycle = cycle;
  e.issued = issued;
  e.seq = seq_++;
  return e;
}

void Recorder::executed(std::uint32_t cpu, std::uint64_t cycle, std::uint64_t issued,
                        const isa::Effect& e, isa::Word request, isa::Mode before, isa::Mode after) {
  using isa::Op;
  // What the ledger, the interference account and the timeline need; the event log wants every
  // access besides.
  // A write matters to the ledger only where work was posted: every write takes effect in the
  // interconnect, in cycle order, so a write seen before the first post there cannot touch it.
  for (const isa::Effect::Note& n : e.notes)
    if (n.kind == isa::Annotation::Kind::Post) posted_[e.addr] = true;
  const bool needed = !e.notes.empty() || before != after || (e.wrote && (posted_[e.addr] || ledger_.state_word(e.addr))) ||
                      e.op == Op::Hlt || e.op == Op::SafeHalt ||
                      (e.op == Op::Trace && traced_[e.trace_name]) || e.op == Op::Request ||
                      e.op == Op::Syscall || e.op == Op::Sysret || e.op == Op::Iret;
  const bool logged = log_ && (e.accessed || e.op == Op::Wrmsr || e.op == Op::Compute ||
                                     e.op == Op::Hlt || e.op == Op::SafeHalt || e.op == Op::Trace);
  if (!needed && !logged) return;
  Event& ev = push(Event::Type::Exec, cpu, cycle, issued);
  ev.op = e.op;
  ev.func = e.func;
  ev.pc = e.pc;
  ev.addr = e.addr;
  ev.read = e.read;
  ev.written = e.written;
  ev.aux = request;
  ev.aux2 = e.op == Op::Cmpxchg ? e.expected : e.op == Op::Compute ? e.cycles : e.msr_value;
  ev.small = e.op == Op::Trace ? e.trace_name : e.msr;
  ev.flags = (e.forwarded ? kForwarded : 0) | (e.success ? kSuccess : 0) | (e.wrote ? kWrote : 0) |
             (before == isa::Mode::User ? kUserBefore : 0) | (after == isa::Mode::User ? kUserAfter : 0);
  if (!e.notes.empty() || !e.trace_args.empty())
    ev.extra = keep(e.notes, e.trace_args.data(), e.trace_args.size());
}

void Recorder::drained(std::uint32_t cpu, std::uint64_t cycle, std::uint64_t issued, isa::Addr addr,
                       isa::Word old, isa::Word value) {
  if (!log_ && !posted_[addr] && !ledger_.state_word(addr)) return;  // see executed()
  Event& ev = push(Event::Type::Drain, cpu, cycle, issued);
  ev.addr = addr;
  ev.aux = old;
  ev.written = value;
}

void Recorder::ipi_sent(std::uint64_t id, std::uint32_t from, std::uint32_t to, std::uint8_t vector,
                        std::uint64_t cycle, std::uint64_t arrival) {
  const bool device = from == hw::kDevice;
  Event& ev = push(Event::Type::IpiSent, device ? to : from, cycle, cycle);
  ev.ipi = id;
  ev.small = to;
  ev.aux2 = vector;
  ev.aux = arrival;
  if (!device) return;
  ev.flags = kDevice;
  devices_.push_back(ev);
  events_.pop_back();
}

void Recorder::ipi_delivered(std::uint64_t id, std::uint32_t to, std::uint64_t cycle) {
  Event& ev = push(Event::Type::IpiDelivered, to, cycle, cycle);
  ev.ipi = id;
}

void Recorder::interrupt(std::uint32_t cpu, std::uint64_t cycle, std::uint8_t vector, bool from_user,
                         const std::uint64_t* ids, std::size_t n) {
  Event& ev = push(Event::Type::Interrupt, cpu, cycle, cycle);
  ev.small = vector;
  ev.flags = from_user ? kFromUser : 0;
  if (n) ev.extra = keep({}, ids, n);
}

// Payloads sit in extras_, whose elements (and their capacity) are reused from batch to batch.
std::uint32_t Recorder::keep(const std::vector<isa::Effect::Note>& notes, const isa::Word* args,
                             std::size_t n) {
  if (extras_used_ == extras_.size()) extras_.emplace_back();
  Extra& x = extras_[extras_used_];
  x.notes.assign(notes.begin(), notes.end());
  x.args.assign(args, args + n);
  return static_cast<std::uint32_t>(extras_used_++);
}

// Batches of a few thousand events: small enough to stay in cache, few enough handovers.
void Recorder::settled(std::uint64_t cycle) {
  if (events_.size() < flush_at_) return;
  flush(cycle);
  flush_at_ = events_.size() + kBatch;  // events not due yet wait for more to come
}

// Hands every buffered event below `below` to the replay thread: nothing the hardware reports
// later can be earlier (the interconnect has settled up to there). The replay thread puts the
// batch in order; the simulation goes on meanwhile.
void Recorder::flush(std::uint64_t below) {
  while (next_device_ < devices_.size() && devices_[next_device_].cycle < below) events_.push_back(devices_[next_device_++]);
  const auto due = std::partition(events_.begin(), events_.end(), [below](const Event& e) { return e.cycle < below; });
  if (due == events_.begin()) return;
  // The batch takes the buffers, so that its events' `extra` still index its payloads; the few
  // events not due yet move, with theirs, to buffers a replayed batch gave back.
  Batch b, later;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!spent_.empty()) later = std::move(spent_.back()), spent_.pop_back();
  }
  later.events.assign(due, events_.end());
  events_.erase(due, events_.end());
  b.events.swap(events_);
  events_.swap(later.events);
  b.extras.swap(extras_);
  extras_.swap(later.extras);
  extras_used_ = 0;
  for (Event& e : events_) {
    if (e.extra == kNone) continue;
    if (extras_used_ == extras_.size()) extras_.emplace_back();
    std::swap(extras_[extras_used_], b.extras[e.extra]);
    e.extra = static_cast<std::uint32_t>(extras_used_++);
  }
  std::unique_lock<std::mutex> lock(mutex_);
  if (!replayer_.joinable()) replayer_ = std::thread([this] { replay_loop(); });
  // A bounded queue: a replay slower than the simulation holds it back rather than buffering the run.
  room_.wait(lock, [this] { return batches_.size() < 16; });
  batches_.push_back(std::move(b));
  ready_.notify_one();
}

void Recorder::replay_loop() {
  pthread_setname_np(pthread_self(), "isolsim-replay");  // as top and perf show it
  for (;;) {
    Batch b;
    {
      std::unique_lock<std::mutex> lock(mutex_);
      ready_.wait(lock, [this] { return closing_ || !batches_.empty(); });
      if (batches_.empty()) return;
      b = std::move(batches_.front());
      batches_.pop_front();
      room_.notify_one();
    }
    if (failure_) continue;  // after a failure, only drain the queue
    // The documented order: cycle, then issue cycle (the interconnect's arbitration), then CPU,
    // then the order in which one CPU reported (its program order). seq is unique, so the key is
    // a total order and std::sort gives the one result.
    std::sort(b.events.begin(), b.events.end(), [](const Event& x, const Event& y) {
      if (x.cycle != y.cycle) return x.cycle < y.cycle;
      if (x.issued != y.issued) return x.issued < y.issued;
      if (x.cpu != y.cpu) return x.cpu < y.cpu;
      return x.seq < y.seq;
    });
    batch_ = &b;
    try {
      for (const Event& e : b.events) replay(e, log_);
    } catch (...) {
      failure_ = std::current_exception();
    }
    batch_ = nullptr;
    b.events.clear();
    std::lock_guard<std::mutex> lock(mutex_);
    spent_.push_back(std::move(b));  // its capacity serves a later batch
  }
}

// Waits for the replay of every batch handed over; rethrows what the replay threw.
void Recorder::stop_replayer() {
  if (!replayer_.joinable()) return;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    closing_ = true;
  }
  ready_.notify_one();
  replayer_.join();
  closing_ = false;
}

Recorder::~Recorder() { stop_replayer(); }

}  // namespace run
