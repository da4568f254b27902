; Task isolation (seed 002): Alex Belits, "[PATCH 03/12] task_isolation: userspace hard isolation
; from kernel" (2020-03-04, msgid 4473787e1b6bc3cc226067e8d122092a678b63de.camel@marvell.com), the
; revival of Chris Metcalf's series (v16, kernel/isolation.c). Never merged (tglx's review of v4,
; facts.md 5.2). A task on a nohz_full CPU asks with prctl(PR_TASK_ISOLATION, ENABLE [| SET_SIG])
; for the "hard" commitment: on the way back to user mode task_isolation_start() quiesces the CPU
; with interrupts off or makes the prctl fail (-EINVAL, -EAGAIN: the task may retry); once
; isolated, any kernel entry but the prctl itself and exit/exit_group delivers the signal
; (SIGKILL unless the prctl named one) and ends the isolation; a CPU that IPIs an isolated task
; prints the diagnostic naming itself and the reason (task_isolation_remote()), as
; task_isolation_debug does. Loaded at layer 3 (over sched_entry.s and the layer-0 senders) when a
; workload calls prctl_task_isolation (KernelConfig::task_isolation).

.equ PR_TASK_ISOLATION_ENABLE, 1               ; include/uapi/linux/prctl.h
.equ SIGKILL, 9
.equ STATE_NORMAL, 0                           ; task->task_isolation_state
.equ STATE_ISOLATED, 1
.equ LOST_SYSCALL, 1                           ; isolsim: why isolation was lost (trace task_isolation_lost)
.equ LOST_INTERRUPT, 2

.percpu task_isolation.flags                   ; current->task_isolation_flags: ENABLE | SET_SIG(sig)
.percpu task_isolation.tif                     ; TIF_TASK_ISOLATION in current_thread_info()->flags
.percpu task_isolation.state                   ; current->task_isolation_state (cpu_curr(cpu)'s, for remote CPUs)
.percpu task_isolation.sigpending              ; TIF_SIGPENDING, with the signal queued (0: none)

; kernel/sys.c prctl(PR_TASK_ISOLATION, flags) -> kernel/isolation.c task_isolation_request():
; the flags, TIF_TASK_ISOLATION, and the vmstat worker shut down now, with interrupts on; the
; return value may change in task_isolation_start()
.func sys_prctl_task_isolation(flags)
    store task_isolation.flags[this_cpu], flags   ; task->task_isolation_flags = flags
    jz flags & PR_TASK_ISOLATION_ENABLE, off
    store task_isolation.tif[this_cpu], 1      ; set_tsk_thread_flag(task, TIF_TASK_ISOLATION)
    atomic_andnot pool.worklist[this_cpu], WORK_VMSTAT   ; quiet_vmstat_sync(): cancel_delayed_work_sync(this_cpu_ptr(&vmstat_work))
    compute VMSTAT_UPDATE_CYCLES               ; refresh_cpu_vm_stats(false)
    ret 0
off:
    trace syscall_result(&sys_prctl_task_isolation, 0)
    ret 0
.endfunc

; kernel/exit.c do_exit() for exit/exit_group: the task is gone; its CPU idles for the rest of the run
.func sys_exit(code)
    trace task_exit(code)
    store sleep.expires[this_cpu], KTIME_MAX
    call do_idle()
    ret 0
.endfunc

; kernel/isolation.c task_isolation_start(), from exit_to_user_mode_loop() with interrupts off
.func task_isolation_start()
    nohz = load tick.nohz_full[this_cpu]       ; task_isolation_possible(smp_processor_id())
    jz nohz, einval                            ; (isolsim's tasks are bound to their CPU: nr_cpus_allowed == 1)
    vmstat = load pool.worklist[this_cpu]      ; if (!vmstat_idle()) -EAGAIN
    jnz vmstat & WORK_VMSTAT, eagain
    runnable = load rq.queued[this_cpu]        ; try_stop_full_tick(): the tick stays for another task
    jnz runnable, eagain
    compute LRU_DRAIN_CYCLES                   ; lru_add_drain(): no lru_add_drain_all() IPI later
    store task_isolation.state[this_cpu], STATE_ISOLATED
    trace task_isolation_isolated()            ; isolsim tracepoint: the report's isolated stretches
    trace syscall_result(&sys_prctl_task_isolation, 0)
    ret 0
einval:
    call stop_isolation()
    trace syscall_result(&sys_prctl_task_isolation, ERR_EINVAL)   ; syscall_set_return_value()
    ret 0
eagain:
    call stop_isolation()
    trace syscall_result(&sys_prctl_task_isolation, ERR_EAGAIN)
    ret 0
.endfunc

; kernel/isolation.c stop_isolation(p)
.func stop_isolation()
    store task_isolation.state[this_cpu], STATE_NORMAL
    store task_isolation.flags[this_cpu], 0
    store task_isolation.tif[this_cpu], 0      ; clear_tsk_thread_flag(p, TIF_TASK_ISOLATION)
    ret 0
.endfunc

; kernel/isolation.c send_isolation_signal(task): the prctl's signal, or SIGKILL; isolation ends
.func send_isolation_signal(why, what)
    flags = load task_isolation.flags[this_cpu]
    sig = flags >> 8                           ; PR_TASK_ISOLATION_GET_SIG(flags)
    sig = sig & 0x7f
    jnz sig, send
    sig = SIGKILL
send:
    call stop_isolation()
    store task_isolation.sigpending[this_cpu], sig   ; send_sig_info(sig, &info, task)
    trace task_isolation_lost(why, what, sig)  ; pr_warn("%s/%d (cpu %d): task_isolation lost due to %s")
    ret 0
.endfunc

; kernel/isolation.c task_isolation_syscall(nr), from syscall_trace_enter(): the prctl and
; exit/exit_group end isolation quietly; any other system call delivers the signal and is
; restarted after it (-ERESTARTNOINTR). Returns 1 when it must wait for the signal.
.func task_isolation_syscall(body)
    jnz body == &sys_prctl_task_isolation, exempt   ; is_acceptable_syscall()
    jnz body == &sys_exit, exempt
    call send_isolation_signal(LOST_SYSCALL, body)
    ret 1
exempt:
    trace task_isolation_stop(body)            ; isolsim tracepoint: ended by the task itself
    call stop_isolation()
    ret 0
.endfunc

; arch/x86/entry/entry_64.S entry_SYSCALL_64 -> do_syscall_64() with TIF_TASK_ISOLATION in
; _TIF_WORK_SYSCALL_ENTRY (the series' syscall_trace_enter() hook)
.func entry_SYSCALL_64(body, arg)
    call enter_from_user_mode()
    tif = load task_isolation.tif[this_cpu]
    jz tif, run
    skip = call task_isolation_syscall(body)
    jz skip, run
    cli                                        ; -ERESTARTNOINTR: the signal first (SIGKILL never
    call exit_to_user_mode_prepare()           ; returns), then the call again, no longer isolated
run:
    sti
    call *body(arg)
    cli
    call exit_to_user_mode_prepare()
    call exit_to_user_mode()
    sysret
.endfunc

; kernel/entry/common.c irqentry_enter() with the series' task_isolation_interrupt("irq") on an
; entry from user mode
.func irqentry_enter(user)
    jz user, from_kernel
    call enter_from_user_mode()
    state = load task_isolation.state[this_cpu]   ; if (current->task_isolation_state == STATE_ISOLATED)
    jz state, user_out
    call send_isolation_signal(LOST_INTERRUPT, 0)
user_out:
    ret 0
from_kernel:
    idle = load current.idle[this_cpu]
    jz idle, watching
    call ct_irq_enter()
    ret 1
watching:
    ret 0
.endfunc

; kernel/entry/common.c exit_to_user_mode_prepare() -> exit_to_user_mode_loop(): schedule, then
; signals (arch_do_signal_or_restart()), then the series' _TIF_TASK_ISOLATION work
.func exit_to_user_mode_prepare()
    r = load need_resched[this_cpu]
    jz r, signals
    call schedule()
signals:
    sig = load task_isolation.sigpending[this_cpu]
    jz sig, isolation
    store task_isolation.sigpending[this_cpu], 0
    trace signal_deliver(sig)                  ; trace_signal_deliver()
    jnz sig != SIGKILL, isolation              ; a handler runs and returns: the task goes on
    call sys_exit(sig)                         ; SIGKILL: do_group_exit()
isolation:
    tif = load task_isolation.tif[this_cpu]
    jz tif, out
    state = load task_isolation.state[this_cpu]
    jnz state, out                             ; already isolated: nothing to start
    call task_isolation_start()
out:
    ret 0
.endfunc

; kernel/isolation.c task_isolation_remote(cpu, fmt, ...): on the sender, the diagnostic when the
; target runs an isolated task ("%s/%d (cpu %d): %s by %s/%d on cpu %d")
.func task_isolation_remote(cpu, vector)
    state = load task_isolation.state[cpu]     ; task_isolation_on_cpu(cpu)
    jz state, out
    trace task_isolation_remote(cpu, vector)
out:
    ret 0
.endfunc

; task_isolation_remote_cpumask(mask, fmt, ...)
.func task_isolation_remote_cpumask(mask, vector)
    cpu = -1
loop:
    cpu = call cpumask_next(cpu, mask)         ; for_each_cpu(cpu, mask)
    jnz cpu >= NR_CPUS, done
    call task_isolation_remote(cpu, vector)
    jmp loop
done:
    ret 0
.endfunc

; arch/x86/kernel/smp.c native_smp_send_reschedule() with the series' hook
.func smp_send_reschedule(cpu)
    call task_isolation_remote(cpu, RESCHEDULE_VECTOR)   ; task_isolation_remote(cpu, "reschedule IPI")
    trace ipi_send_cpu(cpu, &resched_curr, &scheduler_ipi)
    call x2apic_send_IPI(cpu, RESCHEDULE_VECTOR)
    ret 0
.endfunc

; kernel/smp.c send_call_function_single_ipi() -> arch_send_call_function_single_ipi() with the hook
.func send_call_function_single_ipi(cpu, callsite)
    call task_isolation_remote(cpu, CALL_FUNCTION_SINGLE_VECTOR)   ; "IPI function call"
    trace ipi_send_cpu(cpu, callsite, &generic_smp_call_function_single_interrupt)
    call x2apic_send_IPI(cpu, CALL_FUNCTION_SINGLE_VECTOR)
    ret 0
.endfunc

; kernel/smp.c send_call_function_ipi_mask() -> arch_send_call_function_ipi_mask() with the hook
.func send_call_function_ipi_mask(mask, callsite)
    call task_isolation_remote_cpumask(mask, CALL_FUNCTION_VECTOR)
    trace ipi_send_cpumask(cpumask mask, callsite, &generic_smp_call_function_single_interrupt)
    self = call cpumask_of(this_cpu)
    all = &cpu_online_mask[0]
    ok = call cpumask_or_equal(mask, self, all)   ; native_send_call_func_ipi(), as in smp.s
    jz ok, sendmask
    call x2apic_send_IPI_allbutself(CALL_FUNCTION_VECTOR)
    ret 0
sendmask:
    call x2apic_send_IPI_mask(mask, CALL_FUNCTION_VECTOR)
    ret 0
.endfunc
