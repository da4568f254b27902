; Cross-CPU function calls: smp_call_function_many_cond, the call queue, the CALL_FUNCTION IPI
; handlers and the x2APIC IPI senders. Follows kernel/smp.c and arch/x86/kernel/apic/x2apic_phys.c
; of Linux v6.6 (the base the context-tracking work deferral series applies to).
;
; Masks are struct cpumask in memory (cpumask.s): callers pass pointers, as the kernel does.
; CPU-private bookkeeping that no other CPU reads and no mask holds (irq stats, csd_lock_record)
; is omitted: it never changes what another CPU sees.

; kernel/smp.c smp_call_function_many_cond()'s scf_flags
.equ SCF_WAIT, 0x1
.equ SCF_RUN_LOCAL, 0x2

; include/linux/smp_types.h
.equ CSD_FLAG_LOCK, 0x01
.equ CSD_TYPE_ASYNC, 0x00
.equ CSD_TYPE_SYNC, 0x10
.equ CSD_TYPE_IRQ_WORK, 0x20
.equ CSD_TYPE_TTWU, 0x30
.equ CSD_FLAG_TYPE_MASK, 0xf0
; struct __call_single_data, one word per field: node.llist.next, node.u_flags, func, info
.equ CSD_NEXT, 0
.equ CSD_FLAGS, 1
.equ CSD_FUNC, 2
.equ CSD_INFO, 3
.equ CSD_WORDS, 4

; arch/x86/include/asm/irq_vectors.h
.equ LOCAL_TIMER_VECTOR, 0xec
.equ IRQ_WORK_VECTOR, 0xf6
.equ CALL_FUNCTION_SINGLE_VECTOR, 0xfb
.equ CALL_FUNCTION_VECTOR, 0xfc
.equ RESCHEDULE_VECTOR, 0xfd

; x2APIC MSRs (APIC_BASE_MSR 0x800 + (reg >> 4)), arch/x86/include/asm/apicdef.h
.equ MSR_X2APIC_EOI, 0x80b
.equ MSR_X2APIC_ICR, 0x830
.equ MSR_IA32_TSC_DEADLINE, 0x6e0
.equ APIC_DM_FIXED, 0x0
.equ APIC_DEST_PHYSICAL, 0x0
.equ APIC_DEST_ALLBUT, 0xc0000

; isolsim's tracepoint ipi_avoided(cpu, callback, reason): a CPU a sender would have interrupted
; and did not, and why (the deferral protocols' own decisions are ct_work_deferred)
.equ IPI_AVOIDED_EQS, 1                        ; in an extended quiescent state (RCU skips it)
.equ IPI_AVOIDED_ISOLATED, 2                   ; an isolated CPU the sender leaves out (cpu_is_isolated())

; Kernel base of the protocol: 1 when the local cond_func runs before the remote loop (v6.14+).
.equ LOCAL_COND_FIRST, 0

; cfd_data.csd: each sender owns one csd per target CPU
.percpu cfd.csd[NR_CPUS][CSD_WORDS]
; cfd_data.cpumask, cfd_data.cpumask_ipi (the sender's targets, and those its IPIs go to) are
; declared in cpumask.s, the last file, so that the per-CPU data before them keeps its lines
; call_single_queue: struct llist_head, ->first
.percpu call_single_queue

; include/linux/llist.h llist_add() -> lib/llist.c llist_add_batch(new, new, head) (v6.6)
.func llist_add(node, head)
    first = load [head]                        ; first = READ_ONCE(head->first)
again:
    store [node + CSD_NEXT], first             ; new_last->next = first
    ok, first = cmpxchg [head], first, node    ; try_cmpxchg(&head->first, &first, new_first)
    jz ok, again
    ret first == 0                             ; return !first: the queue was empty
.endfunc

; arch/x86/kernel/apic/x2apic_phys.c x2apic_send_IPI(cpu, vector) (v6.6)
.func x2apic_send_IPI(cpu, vector)
    mfence                                     ; weak_wrmsr_fence(): x2APIC MSR writes are not serializing
    dest = cpu << 32                           ; __x2apic_send_IPI_dest(apicid, vector, APIC_DEST_PHYSICAL)
    icr = dest | vector
    wrmsr MSR_X2APIC_ICR, icr                  ; native_x2apic_icr_write()
    ret 0
.endfunc

; arch/x86/kernel/apic/x2apic_phys.c __x2apic_send_IPI_mask(mask, vector, APIC_DEST_ALLINC)
.func x2apic_send_IPI_mask(mask, vector)
    mfence                                     ; weak_wrmsr_fence()
    cli                                        ; local_irq_save(flags): no interrupt between two ICR writes
    cpu = -1
loop:
    cpu = call cpumask_next(cpu, mask)         ; for_each_cpu(query_cpu, mask)
    jnz cpu >= NR_CPUS, done
    dest = cpu << 32
    icr = dest | vector
    wrmsr MSR_X2APIC_ICR, icr
    jmp loop
done:
    sti                                        ; local_irq_restore(flags): callers run with IRQs on
    ret 0
.endfunc

; arch/x86/kernel/apic/x2apic_phys.c __x2apic_send_IPI_shorthand(vector, APIC_DEST_ALLBUT)
.func x2apic_send_IPI_allbutself(vector)
    mfence                                     ; weak_wrmsr_fence()
    icr = vector | APIC_DEST_ALLBUT
    wrmsr MSR_X2APIC_ICR, icr
    ret 0
.endfunc

; kernel/smp.c send_call_function_single_ipi(cpu) (v6.6): call_function_single_prep_ipi() is
; always true here (no polling idle), so the IPI goes out. It is __always_inline: its _RET_IP_, the
; tracepoint's callsite, is the caller of the function it is inlined in, passed as `callsite`.
.func send_call_function_single_ipi(cpu, callsite)
    trace ipi_send_cpu(cpu, callsite, &generic_smp_call_function_single_interrupt)
    call x2apic_send_IPI(cpu, CALL_FUNCTION_SINGLE_VECTOR)
    ret 0
.endfunc

; kernel/smp.c send_call_function_ipi_mask(mask) -> arch/x86/kernel/apic/ipi.c
; native_send_call_func_ipi(): with IPI shorthands enabled, a mask of every online CPU but
; this one is one ALLBUT broadcast; any other mask is one ICR write per CPU.
.func send_call_function_ipi_mask(mask, callsite)
    trace ipi_send_cpumask(cpumask mask, callsite, &generic_smp_call_function_single_interrupt)
    self = call cpumask_of(this_cpu)
    all = &cpu_online_mask[0]
    ok = call cpumask_or_equal(mask, self, all)   ; if (!cpumask_or_equal(mask, cpumask_of(cpu), cpu_online_mask))
    jz ok, sendmask                            ;     goto sendmask (callers never include this CPU)
    call x2apic_send_IPI_allbutself(CALL_FUNCTION_VECTOR)
    ret 0
sendmask:
    call x2apic_send_IPI_mask(mask, CALL_FUNCTION_VECTOR)
    ret 0
.endfunc

; kernel/smp.c on_each_cpu_cond_mask(cond_func, func, info, wait, mask) (v6.6): for scenario programs
; that send to some CPUs only (text_poke_sync() sends to all, through on_each_cpu_cond()).
.func on_each_cpu_cond_mask(cond_func, func, info, wait, mask)
    scf_flags = SCF_RUN_LOCAL                  ; unsigned int scf_flags = SCF_RUN_LOCAL
    jz wait, go
    scf_flags = SCF_RUN_LOCAL | SCF_WAIT       ; if (wait) scf_flags |= SCF_WAIT
go:
    call smp_call_function_many_cond(mask, func, info, scf_flags, cond_func, &on_each_cpu_cond_mask)
    ret 0
.endfunc

; kernel/smp.c smp_call_function_many_cond(mask, func, info, scf_flags, cond_func) (v6.6);
; on_each_cpu_cond_mask() passes its mask, on_each_cpu_cond() &cpu_online_mask.
; `callsite` is the tracepoints' _RET_IP_, the function that called it (on_each_cpu_cond_mask(),
; which on_each_cpu() and on_each_cpu_cond() are inline wrappers of, or smp_call_function_many()).
.func smp_call_function_many_cond(mask, func, info, scf_flags, cond_func, callsite)
    wait = scf_flags & SCF_WAIT                ; bool wait = scf_flags & SCF_WAIT
    run_local = 0
    jz scf_flags & SCF_RUN_LOCAL, local_known
    run_local = call cpumask_test_cpu(this_cpu, mask)   ; (scf_flags & SCF_RUN_LOCAL) && cpumask_test_cpu(this_cpu, mask)
local_known:
    jz LOCAL_COND_FIRST, local_decided         ; v6.6: the local cond_func runs after the IPIs;
    jz cond_func, local_decided                ; since v6.14 (63a48181fbcd) before the remote loop
    jz run_local, local_decided
    run_local = call *cond_func(this_cpu, info)
local_decided:
    targets = &cfd.cpumask[this_cpu][0]
    ipimask = &cfd.cpumask_ipi[this_cpu][0]
    all = &cpu_online_mask[0]
    call cpumask_and(targets, mask, all)       ; cpumask_and(cfd->cpumask, mask, cpu_online_mask)
    call __cpumask_clear_cpu(this_cpu, targets)
    call cpumask_clear(ipimask)                ; cpumask_clear(cfd->cpumask_ipi)
    nr = 0
    cpu = -1
each_cpu:
    cpu = call cpumask_next(cpu, targets)      ; for_each_cpu(cpu, cfd->cpumask)
    jnz cpu >= NR_CPUS, sent_all
    jz cond_func, queue
    want = call *cond_func(cpu, info)          ; if (cond_func && !cond_func(cpu, info))
    jnz want, queue
    call __cpumask_clear_cpu(cpu, targets)     ;     __cpumask_clear_cpu(cpu, cfd->cpumask); continue
    jmp each_cpu
queue:
    csd = &cfd.csd[this_cpu][cpu][0]           ; csd = per_cpu_ptr(cfd->csd, cpu)
lock_wait:                                     ; csd_lock() -> csd_lock_wait(): smp_cond_load_acquire(&csd->node.u_flags, !(VAL & CSD_FLAG_LOCK))
    flags = load [csd + CSD_FLAGS]
    jz flags & CSD_FLAG_LOCK, locked
    pause
    jmp lock_wait
locked:
    flags = flags | CSD_FLAG_LOCK              ; csd->node.u_flags |= CSD_FLAG_LOCK; smp_wmb()
    store [csd + CSD_FLAGS], flags
    jz wait, async                             ; if (wait) csd->node.u_flags |= CSD_TYPE_SYNC
    flags = flags | CSD_TYPE_SYNC
    store [csd + CSD_FLAGS], flags
async:
    store [csd + CSD_FUNC], func               ; csd->func = func
    store [csd + CSD_INFO], info               ; csd->info = info
    trace csd_queue_cpu(cpu, callsite, func, csd)
    head = &call_single_queue[cpu]
    was_empty = call llist_add(csd, head)      ; IPI only when the queue goes empty -> non-empty
    jz was_empty, each_cpu
    call __cpumask_set_cpu(cpu, ipimask)       ; __cpumask_set_cpu(cpu, cfd->cpumask_ipi)
    nr = nr + 1
    last = cpu
    jmp each_cpu
sent_all:
    jz nr, sent
    jnz nr != 1, many
    call send_call_function_single_ipi(last, callsite)   ; if (nr_cpus == 1)
    jmp sent
many:
    call send_call_function_ipi_mask(ipimask, callsite)  ; else if (nr_cpus > 1)
sent:
    jnz LOCAL_COND_FIRST, local_cond_done      ; v6.6: if (run_local && (!cond_func || cond_func(this_cpu, info)))
    jz cond_func, local_cond_done
    jz run_local, local_cond_done
    run_local = call *cond_func(this_cpu, info)
local_cond_done:
    jz run_local, wait_all
    cli                                        ; local_irq_save(flags)
    call *func(info)                           ; csd_do_func(func, info, NULL)
    sti                                        ; local_irq_restore(flags): callers run with IRQs on
wait_all:
    jz wait, done
    cpu = -1
wait_cpu:
    cpu = call cpumask_next(cpu, targets)      ; for_each_cpu(cpu, cfd->cpumask)
    jnz cpu >= NR_CPUS, done
    csd = &cfd.csd[this_cpu][cpu][0]
spin:                                          ; csd_lock_wait(csd)
    flags = load [csd + CSD_FLAGS]
    jz flags & CSD_FLAG_LOCK, wait_cpu
    pause
    jmp spin
done:
    ret 0
.endfunc

; kernel/smp.c __flush_smp_call_function_queue(true) (v6.6). The kernel walks the list three times
; (SYNC csds, then ASYNC and IRQ_WORK, then the wake list); one walk in queue order here, which
; changes only the order in which one interrupt runs its callbacks.
.func __flush_smp_call_function_queue()
    head = &call_single_queue[this_cpu]
    entry = xchg [head], 0                     ; llist_del_all(head)
    prev = 0                                   ; llist_reverse_order(entry) (lib/llist.c)
reverse:
    jz entry, reversed
    tmp = entry
    entry = load [tmp + CSD_NEXT]
    store [tmp + CSD_NEXT], prev
    prev = tmp
    jmp reverse
reversed:
    csd = prev
each_csd:                                      ; llist_for_each_entry_safe(csd, csd_next, entry, node.llist)
    jz csd, done
    next = load [csd + CSD_NEXT]
    flags = load [csd + CSD_FLAGS]
    type = flags & CSD_FLAG_TYPE_MASK
    jnz type == CSD_TYPE_IRQ_WORK, irq_work
    jnz type == CSD_TYPE_TTWU, ttwu
    func = load [csd + CSD_FUNC]
    info = load [csd + CSD_INFO]
    jnz type == CSD_TYPE_ASYNC, async
    trace csd_function_entry(func, csd)        ; CSD_TYPE_SYNC: run, then unlock
    call *func(info)                           ; csd_do_func(func, info, csd)
    trace csd_function_exit(func, csd)
    store [csd + CSD_FLAGS], 0                 ; csd_unlock(): smp_store_release(&csd->node.u_flags, 0)
    jmp advance
async:
    store [csd + CSD_FLAGS], 0                 ; CSD_TYPE_ASYNC: csd_unlock() first, then the function
    trace csd_function_entry(func, csd)
    call *func(info)
    trace csd_function_exit(func, csd)
    jmp advance
irq_work:
    call irq_work_single(csd)                  ; irq_work_single(csd)
    jmp advance
ttwu:
    info = load [csd + CSD_INFO]
    trace csd_function_entry(&sched_ttwu_pending, csd)
    call sched_ttwu_pending(info)              ; sched_ttwu_pending(entry) for the wake list
    trace csd_function_exit(&sched_ttwu_pending, csd)
advance:
    csd = next
    jmp each_csd
done:
    ret 0
.endfunc

; kernel/smp.c generic_smp_call_function_single_interrupt() / generic_smp_call_function_interrupt()
.func generic_smp_call_function_single_interrupt()
    call __flush_smp_call_function_queue()
    ret 0
.endfunc
.func generic_smp_call_function_interrupt()
    call __flush_smp_call_function_queue()
    ret 0
.endfunc

; arch/x86/kernel/smp.c DEFINE_IDTENTRY_SYSVEC(sysvec_call_function) (v6.6)
.func sysvec_call_function(user)
    state = call irqentry_enter(user)
    wrmsr MSR_X2APIC_EOI, 0                    ; apic_eoi(): x2APIC EOI is an MSR write
    trace call_function_entry(CALL_FUNCTION_VECTOR)
    call generic_smp_call_function_interrupt()
    trace call_function_exit(CALL_FUNCTION_VECTOR)
    call irqentry_exit(user, state)
    iret
.endfunc
.idt CALL_FUNCTION_VECTOR, sysvec_call_function

; arch/x86/kernel/smp.c DEFINE_IDTENTRY_SYSVEC(sysvec_call_function_single) (v6.6)
.func sysvec_call_function_single(user)
    state = call irqentry_enter(user)
    wrmsr MSR_X2APIC_EOI, 0
    trace call_function_single_entry(CALL_FUNCTION_SINGLE_VECTOR)
    call generic_smp_call_function_single_interrupt()
    trace call_function_single_exit(CALL_FUNCTION_SINGLE_VECTOR)
    call irqentry_exit(user, state)
    iret
.endfunc
.idt CALL_FUNCTION_SINGLE_VECTOR, sysvec_call_function_single

; arch/x86/kernel/smp.c DEFINE_IDTENTRY_SYSVEC_SIMPLE(sysvec_reschedule_ipi)
.func sysvec_reschedule_ipi(user)
    state = call irqentry_enter(user)
    wrmsr MSR_X2APIC_EOI, 0
    trace reschedule_entry(RESCHEDULE_VECTOR)
    call scheduler_ipi()                       ; sched.s
    trace reschedule_exit(RESCHEDULE_VECTOR)
    call irqentry_exit(user, state)
    iret
.endfunc
.idt RESCHEDULE_VECTOR, sysvec_reschedule_ipi
