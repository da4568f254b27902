; NMIs: arch/x86/kernel/nmi.c exc_nmi() and kernel/entry/common.c irqentry_nmi_enter()/exit()
; (v6.6), with the perf NMI watchdog as their source (arch/x86/events/core.c
; perf_event_nmi_handler() -> kernel/watchdog_perf.c watchdog_overflow_callback()). The CPU
; blocks further NMIs until the IRET that ends the handler (isa::in_nmi()), which exc_nmi()'s
; nmi_state latch relies on; that latch is CPU-private and not modelled.

.equ NMI_VECTOR, 2
.equ NMI_WORK_CYCLES, 400                      ; calibration: the PMU handler and the hard-lockup check

; arch/x86/kernel/nmi.c DEFINE_IDTENTRY_RAW(exc_nmi)
.func exc_nmi(user)
    state = call irqentry_nmi_enter()
    trace nmi_handler(NMI_VECTOR)
    call perf_event_nmi_handler()              ; default_do_nmi() -> nmi_handle(NMI_LOCAL)
    call irqentry_nmi_exit(state)
    iret
.endfunc
.idt NMI_VECTOR, exc_nmi

; kernel/entry/common.c irqentry_nmi_enter(): __nmi_enter() (preempt count) then ct_nmi_enter()
.func irqentry_nmi_enter()
    call ct_nmi_enter()
    ret 0
.endfunc

; kernel/entry/common.c irqentry_nmi_exit(): ct_nmi_exit() then __nmi_exit()
.func irqentry_nmi_exit(state)
    call ct_nmi_exit()
    ret 0
.endfunc

; arch/x86/events/core.c perf_event_nmi_handler() -> x86_pmu_handle_irq() -> perf_event_overflow()
; -> watchdog_overflow_callback() -> watchdog_hardlockup_check(): CPU-private work
.func perf_event_nmi_handler()
    compute NMI_WORK_CYCLES
    ret 0
.endfunc
