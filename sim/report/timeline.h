// Timeline of a timed simulation run and its writers (no SystemC here).
//
//  write_vcd          -> VCD for GTKWave: per CPU a 3-bit context code and a 1-bit "IPI pending" wire.
//  write_svg_timeline -> an SVG picture: CPUs as lanes of user/kernel/irq/idle bands, IPIs as arrows,
//                        deferred work posted and run as diamonds.
//  write_chrome_trace -> Chrome Trace Event JSON for ui.perfetto.dev / chrome://tracing: one track per
//                        CPU with its context spans, IPIs as flow arrows, markers as instant events,
//                        and a "tasks" process with one track per task, a slice per stay on a CPU.
//
// Both writers validate the timeline first (std::invalid_argument, one-line message) and produce
// byte-identical output for identical input (no dates, no pointers, no unordered iteration).
#pragma once

#include <cstdint>
#include <iosfwd>
#include <string>
#include <string_view>
#include <vector>

namespace report {

enum class Context : std::uint8_t { User, Kernel, Irq, Idle, Off };   // Off: CPU finished / not running

struct ContextChange {   // from `cycle` on, `cpu` runs in `context`
  std::uint64_t cycle;
  std::uint32_t cpu;
  Context context;
  std::string why;       // "syscall sys_compute", "irq 0xfc CALL_FUNCTION", "sysret", "iret"
};

struct IpiFlow {   // one IPI, from the ICR write to the handler's entry on the target
  std::uint64_t id; std::uint32_t from, to; std::uint8_t vector; std::string vector_name;
  std::uint64_t sent, delivered, handled;   // handled = cycle the target entered the handler (0 if never)
  std::string callsite;                     // kernel function that sent it, e.g. "smp_call_function_many_cond"
};

struct Marker { std::uint64_t cycle; std::uint32_t cpu; std::string name; std::string detail; }; // instant events: "sync_core (deferred)", "cmpxchg failed"

struct TaskRun {   // `task` ("task/2", "migration/2") ran on `cpu` from `from` to `to`
  std::string task;
  std::uint32_t cpu;
  std::uint64_t from, to;
};

struct Timeline {
  std::uint32_t ncpus = 0;
  double clock_mhz = 1000.0;     // cycles -> microseconds for the Chrome trace: us = cycle / clock_mhz
  std::uint64_t end_cycle = 0;   // last cycle simulated: closes open spans
  std::vector<std::string> cpu_labels;    // e.g. "cpu2 (nohz_full)"; may be empty -> "cpuN"
  std::vector<ContextChange> changes;     // sorted by (cycle, cpu) by the producer
  std::vector<IpiFlow> ipis;
  std::vector<Marker> markers;
  std::vector<TaskRun> task_runs;         // in the order they ended; one Chrome-trace track per task
};

// ---- helpers shared by the writers ---------------------------------------------------------------

// "user", "kernel", "irq", "idle", "off".
std::string_view context_name(Context c);
// VCD code of a context: User 0, Kernel 1, Irq 2, Idle 3, Off 4.
inline unsigned vcd_code(Context c) { return static_cast<unsigned>(c); }
// cpu_labels[cpu] if present and non-empty, else "cpu<N>".
std::string cpu_label(const Timeline& t, std::uint32_t cpu);
// max(end_cycle, every cycle mentioned in changes, ipis and markers): where open spans are closed.
std::uint64_t effective_end(const Timeline& t);
// Throws std::invalid_argument for: clock_mhz not finite and > 0, cpu_labels neither empty nor ncpus
// long, a CPU number >= ncpus, changes not sorted by (cycle, cpu), an IPI with delivered < sent or
// (handled != 0 and handled < delivered), two IPIs with the same id, or a task run on no such CPU
// or ending before it starts.
void validate(const Timeline& t);

// ---- writers -------------------------------------------------------------------------------------

// VCD (IEEE 1364 value change dump).
//  * Signals, in scope "isolsim": `cpuN_ctx` (reg [2:0], 0=user 1=kernel 2=irq 3=idle 4=off, x before
//    the CPU's first change) and `cpuN_ipi` (wire, 1 while at least one IPI to cpuN has been delivered
//    but its handler not yet entered; an IPI that is never handled keeps it 1). The code table and the
//    CPU labels are written as $comment; write_gtkwave_ctx_filter() writes a GTKWave translate filter
//    that shows the codes as names.
//  * Time: with the cycle period P = 10^9 / clock_mhz fs, if P is a whole number of femtoseconds the
//    timescale is the largest 1|10|100 x s|ms|us|ns|ps|fs unit U that divides P, and a cycle c is
//    written as time c * (P / U) -- exact (1000 MHz: "1 ns", time = cycle; 2000 MHz: "100 ps",
//    time = 5 * cycle; 3200 MHz: "100 fs", time = 3125 * cycle). Otherwise (e.g. 3000 MHz, P = 333333.3 fs)
//    the timescale is "1 fs" and time = round(c * P): off by < 1 fs, still strictly increasing with c.
//  * Only the final value of a signal at a given time is written, and only if it changed; several
//    changes of one CPU in the same cycle therefore collapse into the last one.
//  * The dump ends with a bare "#<effective_end>" so viewers show the last state up to the end.
void write_vcd(const Timeline& t, std::ostream& os);

// GTKWave "Translate Filter File" for the cpuN_ctx codes (lines "0 user" ... "4 off").
void write_gtkwave_ctx_filter(std::ostream& os);

// Chrome Trace Event Format JSON object:
//   {"traceEvents":[...], "displayTimeUnit":"ns", "otherData":{...}}, one event per line.
//  * pid 0 "isolsim" (process_name); thread tid = cpu, named cpu_label() (thread_name), sorted by cpu
//    (thread_sort_index).
//  * Context spans: "X" events, cat "context", name user/kernel/irq/idle, args {why, cycle, cycles};
//    Off spans and zero-cycle spans are not emitted; the last span of a CPU ends at effective_end().
//  * IPIs: an "X" slice "ipi_send <vector_name>" on the sender at `sent` (1 cycle long, 0 at the very
//    end; args from/to/vector/callsite/sent/delivered/handled), an "X" slice "ipi_recv <vector_name>" on
//    the target at `handled` (or at `delivered` if never handled), and a flow pair "s" (sender, ts =
//    sent) / "f" with "bp":"e" (target, same ts as ipi_recv) with cat "ipi", name vector_name and
//    id = IpiFlow::id, so the arrow binds to those two slices in Perfetto and chrome://tracing.
//  * Markers: "i" events with "s":"t", cat "marker", args {detail, cycle}.
//  * Time: ts/dur are microseconds on a whole-nanosecond grid, ns(c) = round(c * 1000 / clock_mhz)
//    (exact for integer clocks), ts = ns(start) / 1000, dur = (ns(end) - ns(start)) / 1000. Perfetto
//    stores whole ns, and this grid keeps ts + dur of a span equal to ts of the next one there, so spans
//    nest exactly; at clocks above 1 GHz sub-ns detail is in the args (cycle, cycles) instead.
//  * Events are sorted by time; at equal time longer slices come first and flow/instant events come
//    after the slices they bind to.
void write_chrome_trace(const Timeline& t, std::ostream& os);

// Where write_svg_timeline() puts things (pixels), so that a test can find the lanes in a rendering.
struct SvgLayout {
  double width = 1200, height = 0;
  double plot_left = 130, plot_right = 20;  // the time axis runs between these margins
  double lanes_top = 44, lane_pitch = 26, band_height = 16;
  double lane_top(std::uint32_t cpu) const { return lanes_top + cpu * lane_pitch; }
};
SvgLayout svg_layout(std::uint32_t ncpus);

// SVG 1.1: a time axis in microseconds, one lane per CPU (label at the left) with its context as
// coloured bands (a span shorter than a pixel still drawn one pixel wide, over the user band), an
// arrow per IPI from its send to its handler's entry, a hollow diamond where work was deferred to
// a CPU (dotted from the sender), a filled one where a CPU ran deferred work, a tick per other
// marker; hover text gives each item's cycles and cause. Byte-identical for identical input.
// Cycles `from` to `to` only (to 0: the end); throws std::invalid_argument for an empty window.
void write_svg_timeline(const Timeline& t, std::ostream& os, std::uint64_t from = 0, std::uint64_t to = 0);

}  // namespace report
