; Per-CPU kernel threads, remote wake-ups and the context switches they cause: the smallest part of
; kernel/sched/core.c (v6.6) that makes a housekeeping CPU's wake-up of a thread bound to an
; isolated CPU cost that CPU what it costs in the kernel: an IPI (the wake list's
; CALL_FUNCTION_SINGLE, or RESCHEDULE), then the thread preempting the user task at the return to
; user mode. Each CPU has its user task (or the idle task, idle.s) and two bound kernel threads,
; kworker/N (the per-CPU workqueue pool's worker, workqueue.s) and a generic kthread/N. The
; runqueue and its lock are not modelled: a woken thread runs at the next schedule() of its CPU,
; before the user task, the stopper (stop_sched_class) before the others.

.equ TASK_KWORKER, 0                           ; kworker/N: runs the per-CPU pool's work items
.equ TASK_KTHREAD, 1                           ; kthread/N: a bound kthread that works KTHREAD_WORK_CYCLES
.equ TASK_STOPPER, 2                           ; migration/N: the CPU's stopper (stop_machine.s)
.equ NR_KTHREADS, 3
.equ TASK_RUNNING, 0                           ; include/linux/sched.h p->__state
.equ TASK_INTERRUPTIBLE, 1
.equ WF_TTWU, 0x8
.equ KTHREAD_WORK_CYCLES, 5000                 ; calibration: what a woken kthread does per wake-up

.percpu kthread.state[NR_KTHREADS] = TASK_INTERRUPTIBLE   ; p->__state of each bound kthread
.percpu kthread.wake_entry[NR_KTHREADS][CSD_WORDS]        ; p->wake_entry: a CSD_TYPE_TTWU csd
.percpu rq.queued                              ; bit per kthread: enqueued on this CPU's runqueue
.percpu rq.ttwu_pending                        ; rq->ttwu_pending
.percpu sd_llc_id                              ; per_cpu(sd_llc_id): the last-level cache, set at boot

; kernel/sched/core.c cpus_share_cache(this_cpu, that_cpu)
.func cpus_share_cache(this_cpu_id, that_cpu)
    llc_this = load sd_llc_id[this_cpu_id]
    llc_that = load sd_llc_id[that_cpu]
    ret llc_this == llc_that
.endfunc

; kernel/sched/core.c ttwu_queue_cond(p, cpu) (v6.6): the wake list when the target shares no cache
; with the waker, or when it runs nothing but its idle task (!cpu_rq(cpu)->nr_running)
.func ttwu_queue_cond(cpu)
    share = call cpus_share_cache(this_cpu, cpu)
    jz share, yes
    jnz cpu == this_cpu, no
    idle = load current.idle[cpu]              ; nr_running == 0: the user task sleeps
    jnz idle, yes
no:
    ret 0
yes:
    ret 1
.endfunc

; kernel/sched/core.c try_to_wake_up(p, TASK_NORMAL, 0) of kthread `t` bound to `cpu` (v6.6)
.func try_to_wake_up(cpu, t)
    state = load kthread.state[cpu][t]         ; if (!ttwu_state_match(p, state, &success)) goto out
    jz state, out
    store kthread.state[cpu][t], TASK_RUNNING  ; WRITE_ONCE(p->__state, TASK_WAKING) ... TASK_RUNNING
    wl = call ttwu_queue_cond(cpu)             ; ttwu_queue(p, cpu, wake_flags)
    jz wl, direct
    call __ttwu_queue_wakelist(cpu, t)         ; ttwu_queue_wakelist()
    ret 1
direct:
    call ttwu_do_activate(cpu, t)              ; rq_lock(); ttwu_do_activate(); rq_unlock()
    ret 1
out:
    ret 0
.endfunc

; kernel/sched/core.c __ttwu_queue_wakelist(p, cpu, wake_flags)
.func __ttwu_queue_wakelist(cpu, t)
    store rq.ttwu_pending[cpu], 1              ; WRITE_ONCE(rq->ttwu_pending, 1)
    csd = &kthread.wake_entry[cpu][t][0]
    store [csd + CSD_FLAGS], CSD_TYPE_TTWU     ; p->wake_entry.u_flags = CSD_TYPE_TTWU (set at fork)
    store [csd + CSD_INFO], t
    call __smp_call_single_queue(cpu, csd, &__ttwu_queue_wakelist)
    ret 0
.endfunc

; kernel/sched/core.c ttwu_do_activate() -> activate_task() + wakeup_preempt(): a woken kernel
; thread preempts the user task (CFS wake-up preemption of a task that slept), resched_curr()
.func ttwu_do_activate(cpu, t)
    bit = 1 << t
    atomic_or rq.queued[cpu], bit              ; enqueue_task() under rq->lock
    call resched_curr(cpu)
    ret 0
.endfunc

; kernel/sched/core.c resched_curr(rq): set TIF_NEED_RESCHED, and IPI the CPU if it is another
; one that does not poll (set_nr_and_not_polling(); isolsim's idle halts, it never polls)
.func resched_curr(cpu)
    r = load need_resched[cpu]                 ; if (test_tsk_need_resched(curr)) return
    jnz r, out
    store need_resched[cpu], 1                 ; set_tsk_need_resched(curr)
    jz cpu != this_cpu, out
    call smp_send_reschedule(cpu)
out:
    ret 0
.endfunc

; arch/x86/include/asm/smp.h smp_send_reschedule() -> native_smp_send_reschedule() (v6.6, with
; "treewide: Trace IPIs sent via smp_send_reschedule()": trace_ipi_send_cpu(cpu, _RET_IP_, NULL);
; later kernels name &scheduler_ipi as the callback, as isolsim does so that the tables name it)
.func smp_send_reschedule(cpu)
    trace ipi_send_cpu(cpu, &resched_curr, &scheduler_ipi)
    call x2apic_send_IPI(cpu, RESCHEDULE_VECTOR)
    ret 0
.endfunc

; kernel/sched/core.c scheduler_ipi(), called by the RESCHEDULE handler: the need_resched the
; waker set does the rest, at the return to user mode
.func scheduler_ipi()
    ret 0
.endfunc

; kernel/sched/core.c sched_ttwu_pending(arg): activate every task of the wake list, on the target
.func sched_ttwu_pending(t)
    store rq.ttwu_pending[this_cpu], 0         ; WRITE_ONCE(rq->ttwu_pending, 0)
    call ttwu_do_activate(this_cpu, t)
    ret 0
.endfunc

; kernel/sched/core.c __schedule() from exit_to_user_mode_loop(), an idle loop or a blocking task:
; every runnable bound kthread runs (context_switch() to it, its work, it blocks again), then the
; CPU goes back to what it ran. Interrupts are on while they run, as in a kthread.
.func schedule()
    store need_resched[this_cpu], 0            ; clear_tsk_need_resched(prev)
again:
    queued = load rq.queued[this_cpu]          ; pick_next_task()
    jz queued, out
    t = TASK_STOPPER
    jnz queued & (1 << TASK_STOPPER), pick     ; stop_sched_class comes first
    t = 0
    jnz queued & 1, pick
    t = 1
pick:
    bit = 1 << t
    atomic_andnot rq.queued[this_cpu], bit     ; dequeue when it blocks again
    pid = t + 1                                ; isolsim's task ids: 0 the CPU's task, 1 + t kthread t
    trace sched_switch(0, pid)                 ; prev = the task that was running, next = kthread t
    sti
    jnz t == TASK_KWORKER, kworker
    jnz t == TASK_STOPPER, stopper
    compute KTHREAD_WORK_CYCLES                ; kthread/N's work
    jmp done
kworker:
    call worker_thread()                       ; kernel/workqueue.c
    jmp done
stopper:
    call cpu_stopper_thread()                  ; kernel/stop_machine.c
done:
    cli
    store kthread.state[this_cpu][t], TASK_INTERRUPTIBLE   ; set_current_state(); schedule()
    trace sched_switch(pid, 0)
    jmp again
out:
    ret 0
.endfunc

; A sender's wake-up of kthread/N on every CPU of `mask` (a driver or subsystem waking its per-CPU
; thread: wake_up_process(per_cpu(task, cpu)))
.func wake_up_kthread_on(mask)
    cpu = -1
loop:
    cpu = call cpumask_next(cpu, mask)         ; for_each_cpu(cpu, mask)
    jnz cpu >= NR_CPUS, done
    call try_to_wake_up(cpu, TASK_KTHREAD)
    jmp loop
done:
    ret 0
.endfunc
