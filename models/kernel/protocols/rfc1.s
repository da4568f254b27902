; Work deferral, Schneider RFC v1 (July 2023), "[RFC PATCH 11/14] context-tracking: Introduce work
; deferral infrastructure": a separate ct->work word whose bit 0 (CONTEXT_WORK_DISABLED) refuses
; new work while the CPU is in the kernel. Overrides ct_mainline.s.

.equ CT_WORK_DISABLED, 0x1                     ; CONTEXT_WORK_DISABLED
.equ CT_WORK_SYNC, 0x2                         ; CONTEXT_WORK_n, later patches' sync_core work
.equ SYNC_CORE_WORK_BITS, CT_WORK_SYNC
.equ DEFER_SYNC_CORE, 1

.percpu ct.work
; .work = ATOMIC_INIT(CONTEXT_WORK_DISABLED); cleared when an active CPU returns to user mode.
.equ boot.active.ct.work, 0
.equ boot.inactive.ct.work, CT_WORK_DISABLED

; ct_kernel_enter_state(offset) of the RFC
.func ct_kernel_enter_state(offset)
    work = atomic_fetch_or ct.work[this_cpu], CT_WORK_DISABLED @consume(SYNC_CORE_WORK_BITS)  ; ct_work_fetch()
    seq = atomic_add_return ct.state[this_cpu], offset         ; ct_state_inc(offset)
    jz work, out
    call ct_work_flush(work)
out:
    ret seq
.endfunc

; ct_work_flush(work): for_each_set_bit(bit, &work, CONTEXT_WORK_MAX) arch_context_tracking_work(BIT(bit))
.func ct_work_flush(work)
    jz work & CT_WORK_SYNC, out
    call do_sync_core(0)                       ; arch_context_tracking_work(CONTEXT_WORK_n): sync_core()
out:
    ret 0
.endfunc

; ct_kernel_exit_state(offset) of the RFC
.func ct_kernel_exit_state(offset)
    seq = atomic_add_return ct.state[this_cpu], offset         ; ct_state_inc(offset)
    store ct.work[this_cpu], 0                 ; ct_work_clear(): arch_atomic_set(&ct->work, 0)
    ret seq
.endfunc

; ct_set_cpu_work(cpu, work) of the RFC: true when the work was deferred
.func ct_set_cpu_work(cpu, work)
    old = load ct.work[cpu]                    ; old_work = atomic_read(&ct->work)
retry:
    jnz old & CT_WORK_DISABLED, refused        ; while (!(old_work & CONTEXT_WORK_DISABLED) && !ret)
    ok, old = cmpxchg ct.work[cpu], old, old | work @post(cpu, work)   ; atomic_try_cmpxchg(&ct->work, &old_work, old_work | work)
    jz ok, retry
    ret 1
refused:
    ret 0
.endfunc
