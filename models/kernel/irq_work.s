; irq_work: kernel/irq_work.c (v6.6) and its x86 vector, arch/x86/kernel/irq_work.c. An irq_work
; queued on another CPU travels as a csd of type CSD_TYPE_IRQ_WORK through that CPU's
; call_single_queue and a CALL_FUNCTION_SINGLE IPI (irq_work_queue_on() -> __smp_call_single_queue());
; one queued on the local CPU raises IRQ_WORK_VECTOR to itself (arch_irq_work_raise()).
; The user here is the nohz_full kick (kernel/time/tick-sched.c), sent by __mod_timer() (timer.s).

; include/linux/smp_types.h: irq_work flags share the csd's u_flags
.equ IRQ_WORK_PENDING, 0x1                     ; = CSD_FLAG_LOCK
.equ IRQ_WORK_BUSY, 0x2
.equ IRQ_WORK_CLAIMED, 0x3                     ; IRQ_WORK_PENDING | IRQ_WORK_BUSY
.equ NOHZ_KICK_CYCLES, 400                     ; calibration: tick_nohz_irq_exit() re-evaluating the tick

; kernel/time/tick-sched.c tick_nohz_full_mask: tick_nohz_full_cpu(cpu)
.percpu tick.nohz_full
.equ boot.active.tick.nohz_full, 1
.percpu raised_list                            ; per_cpu(raised_list): llist of local irq_works
.percpu nohz_full_kick_work[CSD_WORDS]         ; per_cpu(nohz_full_kick_work) = IRQ_WORK_INIT_HARD(nohz_full_kick_func): its func set at boot (boot.cpp)

; kernel/irq_work.c irq_work_claim(): false if it is already pending
.func irq_work_claim(work)
    flags = CSD_TYPE_IRQ_WORK | IRQ_WORK_CLAIMED
    oflags = atomic_fetch_or [work + CSD_FLAGS], flags   ; atomic_fetch_or(IRQ_WORK_CLAIMED | CSD_TYPE_IRQ_WORK, &work->node.a_flags)
    jnz oflags & IRQ_WORK_PENDING, busy
    ret 1
busy:
    ret 0
.endfunc

; kernel/irq_work.c irq_work_queue_on(work, cpu) (v6.6, !PREEMPT_RT)
.func irq_work_queue_on(work, cpu)
    ok = call irq_work_claim(work)
    jz ok, out
    jz cpu != this_cpu, local
    call __smp_call_single_queue(cpu, work, &irq_work_queue_on)   ; remote: the csd path, CALL_FUNCTION_SINGLE
    ret 1
local:
    call __irq_work_queue_local(work)
out:
    ret ok
.endfunc

; kernel/irq_work.c __irq_work_queue_local() -> irq_work_raise(): self-IPI on IRQ_WORK_VECTOR
.func __irq_work_queue_local(work)
    head = &raised_list[this_cpu]
    first = call llist_add(work, head)
    jz first, out
    func = load [work + CSD_FUNC]
    trace ipi_send_cpu(this_cpu, &__irq_work_queue_local, func)   ; irq_work_raise(): trace_ipi_send_cpu(smp_processor_id(), _RET_IP_, work->func)
    call x2apic_send_IPI(this_cpu, IRQ_WORK_VECTOR)            ; arch_irq_work_raise(): apic->send_IPI_self()
out:
    ret 0
.endfunc

; kernel/irq_work.c irq_work_single(work): clear PENDING, run, then drop BUSY
.func irq_work_single(work)
    flags = atomic_fetch_andnot [work + CSD_FLAGS], IRQ_WORK_PENDING
    func = load [work + CSD_FUNC]
    trace irq_work_entry(func)
    call *func(work)
    trace irq_work_exit(func)
    flags = flags & ~IRQ_WORK_CLAIMED          ; atomic_cmpxchg(&work->node.a_flags, flags & ~PENDING, flags & ~CLAIMED)
    store [work + CSD_FLAGS], flags
    ret 0
.endfunc

; kernel/irq_work.c irq_work_run() -> irq_work_run_list(this_cpu_ptr(&raised_list))
.func irq_work_run()
    head = &raised_list[this_cpu]
    work = xchg [head], 0                      ; llist_del_all()
each:
    jz work, out
    next = load [work + CSD_NEXT]
    call irq_work_single(work)
    work = next
    jmp each
out:
    ret 0
.endfunc

; arch/x86/kernel/irq_work.c DEFINE_IDTENTRY_SYSVEC(sysvec_irq_work)
.func sysvec_irq_work(user)
    state = call irqentry_enter(user)
    wrmsr MSR_X2APIC_EOI, 0                    ; apic_eoi()
    trace irq_work_vector_entry(IRQ_WORK_VECTOR)
    call irq_work_run()
    trace irq_work_vector_exit(IRQ_WORK_VECTOR)
    call irqentry_exit(user, state)
    iret
.endfunc
.idt IRQ_WORK_VECTOR, sysvec_irq_work

; kernel/time/tick-sched.c nohz_full_kick_func(): "Empty, the tick restart happens on
; tick_nohz_irq_exit()": the cost here is that re-evaluation of the tick on the way out
.func nohz_full_kick_func(work)
    compute NOHZ_KICK_CYCLES
    ret 0
.endfunc

; kernel/time/tick-sched.c tick_nohz_full_kick_cpu(cpu)
.func tick_nohz_full_kick_cpu(cpu)
    full = load tick.nohz_full[cpu]            ; if (!tick_nohz_full_cpu(cpu)) return
    jz full, out
    work = &nohz_full_kick_work[cpu][0]
    call irq_work_queue_on(work, cpu)
out:
    ret 0
.endfunc

; kernel/sched/core.c wake_up_full_nohz_cpu(cpu) / wake_up_nohz_cpu(cpu) (v6.6)
.func wake_up_nohz_cpu(cpu)
    full = load tick.nohz_full[cpu]            ; if (tick_nohz_full_cpu(cpu))
    jz full, out                               ; (else wake_up_idle_cpu(): an idle housekeeping CPU polls or halts; not modelled)
    call tick_nohz_full_kick_cpu(cpu)          ; cpu != smp_processor_id() || tick_nohz_tick_stopped()
out:
    ret 0
.endfunc

; kernel/time/timer.c __mod_timer() -> enqueue_timer() -> trigger_dyntick_cpu(base, timer) (v6.6): a
; timer armed on the timer base of `cpu` (a device watchdog's dev_watchdog() re-arming itself, say)
; that expires before the base's next expiry kicks the CPU if its base is idle, which a nohz_full
; CPU's is while its tick is stopped (a deferrable timer: if it is nohz_full). The timer's own
; expiry, seconds later, is not modelled.
.func mod_timer_on(mask)
    cpu = -1
loop:
    cpu = call cpumask_next(cpu, mask)         ; for_each_cpu(cpu, mask)
    jnz cpu >= NR_CPUS, done
    call wake_up_nohz_cpu(cpu)                 ; trigger_dyntick_cpu(): if (tick_nohz_full_cpu(base->cpu)) wake_up_nohz_cpu()
    jmp loop
done:
    ret 0
.endfunc
