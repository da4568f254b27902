; Kernel entry and exit (syscalls and interrupts), the tick, text patching and the syscall bodies
; a workload can call. Follows kernel/entry/common.c and arch/x86 of Linux v6.6; the context-tracking
; calls (ct_user_exit / ct_user_enter) and ct_set_cpu_work come from the protocol file.
;
; Simulator-provided constants: NR_CPUS, ALL_CPUS, CONTEXT_TRACKING_ENABLED (the
; context_tracking_key static key: some CPU is nohz_full), TICK_DO_TIMER_CPU, TICK_WORK_CYCLES.

; jiffies_64, advanced by the timekeeping CPU
.var jiffies_64
; Per-CPU tick re-arm period in cycles: 0 for the periodic LAPIC timer (it reloads by itself);
; the residual 1 Hz tick of a nohz_full CPU in TSC-deadline mode otherwise.
.percpu tick.period

; arch/x86/entry/entry_64.S entry_SYSCALL_64 -> do_syscall_64() (v6.6)
.func entry_SYSCALL_64(body, arg)
    call enter_from_user_mode()                ; syscall_enter_from_user_mode() -> enter_from_user_mode()
    sti                                        ; local_irq_enable()
    call *body(arg)
    cli                                        ; syscall_exit_to_user_mode(): local_irq_disable_exit_to_user()
    call exit_to_user_mode()
    sysret
.endfunc

; kernel/entry/common.c __enter_from_user_mode() -> user_exit_irqoff()
.func enter_from_user_mode()
    jz CONTEXT_TRACKING_ENABLED, out           ; context_tracking_enabled(): a static key, no memory access
    call ct_user_exit()                        ; __ct_user_exit(CT_STATE_USER)
out:
    ret 0
.endfunc

; kernel/entry/common.c exit_to_user_mode() -> user_enter_irqoff()
.func exit_to_user_mode()
    jz CONTEXT_TRACKING_ENABLED, out
    call ct_user_enter()                       ; __ct_user_enter(CT_STATE_USER)
out:
    ret 0
.endfunc

; kernel/entry/common.c irqentry_enter(regs): from user, irqentry_enter_from_user_mode()
.func irqentry_enter(user)
    jz user, from_kernel
    call enter_from_user_mode()
from_kernel:                                   ; from kernel: rcu_irq_enter_check_tick() only (CPUs do not idle here)
    ret 0
.endfunc

; kernel/entry/common.c irqentry_exit(regs, state): to user, irqentry_exit_to_user_mode()
.func irqentry_exit(user, state)
    jz user, to_kernel
    call exit_to_user_mode()
to_kernel:
    ret 0
.endfunc

; arch/x86/kernel/apic/apic.c DEFINE_IDTENTRY_SYSVEC(sysvec_apic_timer_interrupt) (v6.6)
.func sysvec_apic_timer_interrupt(user)
    state = call irqentry_enter(user)
    wrmsr MSR_X2APIC_EOI, 0                    ; apic_eoi()
    trace local_timer_entry(LOCAL_TIMER_VECTOR)
    call tick_sched_timer()                    ; local_apic_timer_interrupt() -> evt->event_handler()
    trace local_timer_exit(LOCAL_TIMER_VECTOR)
    call irqentry_exit(user, state)
    iret
.endfunc
.idt LOCAL_TIMER_VECTOR, sysvec_apic_timer_interrupt

; kernel/time/tick-sched.c tick_sched_timer() -> tick_sched_do_timer() + tick_sched_handle()
.func tick_sched_timer()
    jnz this_cpu != TICK_DO_TIMER_CPU, handle
    atomic_add jiffies_64, 1                   ; tick_do_update_jiffies64() (jiffies_lock seqcount omitted)
handle:
    compute TICK_WORK_CYCLES                   ; update_process_times(): calibration parameter
    period = load tick.period[this_cpu]
    jz period, periodic
    now = rdtsc                                ; hrtimer_forward() + lapic_next_deadline()
    next = now + period
    mfence                                     ; lapic_next_deadline(): weak_wrmsr_fence()
    wrmsr MSR_IA32_TSC_DEADLINE, next
periodic:
    ret 0
.endfunc

; arch/x86/kernel/alternative.c do_sync_core(): sync_core() is SERIALIZE (or IRET-to-self).
; `info` is NULL in the kernel; isolsim passes the request id through it so that the deferral
; ledger can tell which request an execution serves (0: the deferred-work path).
.func do_sync_core(info)
    serialize @callback(SYNC_CORE_WORK_BITS, info)
    ret 0
.endfunc

; arch/x86/kernel/alternative.c do_sync_core_defer_cond() of the deferral series: IPI only if
; ct_set_cpu_work() could not defer the work.
.func do_sync_core_defer_cond(cpu, info)
    deferred = call ct_set_cpu_work(cpu, CT_WORK_SYNC)
    jz deferred, ipi
    trace ct_work_deferred(cpu, CT_WORK_SYNC)  ; isolsim tracepoint: the deferral decision
    ret 0
ipi:
    ret 1
.endfunc

; arch/x86/kernel/alternative.c text_poke_sync() -> on_each_cpu(do_sync_core, NULL, 1) (v6.6);
; with a deferring protocol, the series' text_poke_sync_deferrable() (RFC v1-v4) /
; smp_text_poke_sync_each_cpu_deferrable() (v6-v7): on_each_cpu_cond(do_sync_core_defer_cond,
; do_sync_core, NULL, 1). Their .noinstr-text exception (always IPI) is not modelled.
.func text_poke_sync()
    req = request                              ; isolsim: a new request id for the ledger
    cond = 0
    jz DEFER_SYNC_CORE, go
    cond = &do_sync_core_defer_cond
go:
    call smp_call_function_many_cond(ALL_CPUS, &do_sync_core, req, 1, cond)  ; cpu_online_mask
    ret 0
.endfunc

; System-call bodies a workload can ask for with {"syscall": NAME, "arg": N}: sys_NAME(arg).
.func sys_compute(cycles)                      ; a syscall that works `cycles` in the kernel
    compute cycles
    ret 0
.endfunc

.func sys_text_poke_sync(arg)                  ; e.g. a static_key flip that patches kernel text
    call text_poke_sync()
    ret 0
.endfunc

.func sys_getpid(arg)
    compute 50
    ret this_cpu
.endfunc
