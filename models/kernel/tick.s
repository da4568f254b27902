; The tick and the high-resolution timers of the LAPIC timer: kernel/time/tick-sched.c and
; kernel/time/hrtimer.c (v6.6), reduced to the two timers isolsim has, the tick and a sleeping
; task's wake-up.
;  - Housekeeping CPUs run the LAPIC timer in periodic mode (lapic.periodic, set by the
;    simulator): every timer interrupt is a tick, and a sleeper wakes at the first tick past its
;    time (tick granularity, as with low-resolution timers).
;  - nohz_full CPUs run it in TSC-deadline mode: the residual tick every tick.period cycles
;    (tick.next), and a sleeper's expiry, whichever comes first, programmed by
;    hrtimer_reprogram().
;  - `explore` has no clock and no tick: a TSC deadline written is a timer interrupt that arrives
;    at any later point, the TSC reading at least that deadline when it does.

.var jiffies_64                                ; advanced by the timekeeping CPU
.percpu lapic.periodic                         ; the LAPIC timer reloads by itself
.percpu tick.period                            ; the residual tick's period in TSC-deadline mode, 0: none
.percpu tick.next                              ; its next expiry
.percpu sleep.expires                          ; a sleeping task's wake-up, 0: none

; arch/x86/kernel/apic/apic.c DEFINE_IDTENTRY_SYSVEC(sysvec_apic_timer_interrupt) (v6.6)
.func sysvec_apic_timer_interrupt(user)
    state = call irqentry_enter(user)
    wrmsr MSR_X2APIC_EOI, 0                    ; apic_eoi()
    trace local_timer_entry(LOCAL_TIMER_VECTOR)
    call hrtimer_interrupt()                   ; local_apic_timer_interrupt() -> evt->event_handler()
    trace local_timer_exit(LOCAL_TIMER_VECTOR)
    call irqentry_exit(user, state)
    iret
.endfunc
.idt LOCAL_TIMER_VECTOR, sysvec_apic_timer_interrupt

; kernel/time/hrtimer.c hrtimer_interrupt(): run the timers that expired, program the next one
.func hrtimer_interrupt()
    now = rdtsc
    periodic = load lapic.periodic[this_cpu]
    jnz periodic, tick                         ; a periodic interrupt is a tick
    next = load tick.next[this_cpu]
    jz next, wakeup
    jnz now < next, wakeup
tick:
    call tick_sched_timer()
wakeup:
    expires = load sleep.expires[this_cpu]
    jz expires, reprogram
    jnz now < expires, reprogram
    store sleep.expires[this_cpu], 0           ; hrtimer_wakeup() -> wake_up_process(): the task is
    store need_resched[this_cpu], 1            ; runnable, and preempts the idle task
reprogram:
    call hrtimer_reprogram()
    ret 0
.endfunc

; kernel/time/tick-sched.c tick_sched_timer() -> tick_sched_do_timer() + tick_sched_handle()
.func tick_sched_timer()
    jnz this_cpu != TICK_DO_TIMER_CPU, handle
    atomic_add jiffies_64, 1                   ; tick_do_update_jiffies64() (jiffies_lock seqcount omitted)
handle:
    compute TICK_WORK_CYCLES                   ; update_process_times(): calibration parameter
    period = load tick.period[this_cpu]
    jz period, out
    now = rdtsc                                ; hrtimer_forward(): the next residual tick
    next = now + period
    store tick.next[this_cpu], next
out:
    ret 0
.endfunc

; kernel/time/hrtimer.c hrtimer_reprogram() -> tick_program_event() -> lapic_next_deadline():
; the earliest expiry into the TSC deadline; a periodic LAPIC timer needs nothing
.func hrtimer_reprogram()
    periodic = load lapic.periodic[this_cpu]
    jnz periodic, out
    next = load tick.next[this_cpu]
    expires = load sleep.expires[this_cpu]
    jz expires, program
    jz next, sleeper
    jnz next <= expires, program
sleeper:
    next = expires
program:
    jz next, out                               ; nothing armed
    mfence                                     ; lapic_next_deadline(): weak_wrmsr_fence()
    wrmsr MSR_IA32_TSC_DEADLINE, next
out:
    ret 0
.endfunc
