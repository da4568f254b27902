; Cross-CPU calls to one CPU: kernel/smp.c __smp_call_single_queue(), through which irq_work
; (irq_work.s) and remote wake-ups (sched.s) queue their csds too, and smp_call_function_single()
; (v6.6). The call queue, the csd layout and the IPI senders are smp.s's.

; csd_data: each CPU's csd for smp_call_function_single()
.percpu csd_data[CSD_WORDS]

; kernel/smp.c __smp_call_single_queue(cpu, node) (v6.6): csd_queue_cpu names the function the csd
; carries (sched_ttwu_pending for a wake-up); the IPI goes out only when the queue was empty, and
; its ipi_send_cpu names generic_smp_call_function_single_interrupt. `callsite` is their _RET_IP_,
; the caller
.func __smp_call_single_queue(cpu, csd, callsite)
    flags = load [csd + CSD_FLAGS]
    func = load [csd + CSD_FUNC]
    type = flags & CSD_FLAG_TYPE_MASK
    jnz type != CSD_TYPE_TTWU, traced
    func = &sched_ttwu_pending                 ; CSD_TYPE(csd) == CSD_TYPE_TTWU ? sched_ttwu_pending : csd->func
traced:
    trace csd_queue_cpu(cpu, callsite, func, csd)
    head = &call_single_queue[cpu]
    was_empty = call llist_add(csd, head)
    jz was_empty, out
    call send_call_function_single_ipi(cpu, callsite)
out:
    ret 0
.endfunc

; kernel/smp.c smp_call_function_single(cpu, func, info, wait) -> generic_exec_single() (v6.6):
; the caller's own csd_data (csd_lock() waits for its previous use), or, with `wait`, the same csd
; waited on (the kernel's on-stack csd behaves alike)
.func smp_call_function_single(cpu, func, info, wait)
    jnz cpu != this_cpu, remote
    cli                                        ; generic_exec_single(): the local CPU runs it at once
    call *func(info)
    sti
    ret 0
remote:
    csd = &csd_data[this_cpu][0]
lock_wait:
    flags = load [csd + CSD_FLAGS]             ; csd_lock(csd)
    jz flags & CSD_FLAG_LOCK, locked
    pause
    jmp lock_wait
locked:
    flags = CSD_FLAG_LOCK
    jz wait, async
    flags = flags | CSD_TYPE_SYNC
async:
    store [csd + CSD_FLAGS], flags
    store [csd + CSD_FUNC], func               ; csd->func = func
    store [csd + CSD_INFO], info               ; csd->info = info
    call __smp_call_single_queue(cpu, csd, &smp_call_function_single)   ; generic_exec_single()
    jz wait, done
spin:                                          ; csd_lock_wait(csd)
    flags = load [csd + CSD_FLAGS]
    jz flags & CSD_FLAG_LOCK, done
    pause
    jmp spin
done:
    ret 0
.endfunc
