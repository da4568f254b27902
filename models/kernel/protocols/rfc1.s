; Work deferral, RFC v1 of Valentin Schneider's "context_tracking,x86: Defer some IPIs until a
; user->kernel transition" (2023-07-05, base v6.4; cover lore:20230705181256.3539027-1-vschneid@redhat.com;
; infrastructure "[RFC PATCH 11/14] context-tracking: Introduce work deferral infrastructure",
; lore:20230705181256.3539027-12-vschneid@redhat.com; sync_core in 12/14, the kernel TLB flush in
; 13/14): a separate ct->work word whose bit 0 (CONTEXT_WORK_DISABLED) refuses new work while the CPU
; is in the kernel. The entry sets it with fetch_or before ct_state_inc() and flushes what it
; fetched; the exit clears the word after ct_state_inc(). No ct->active test: a housekeeping CPU's
; work word stays DISABLED (cleared only by ct_kernel_exit_state(), which it reaches in idle only).
; Overrides ct_mainline.s.

.equ CT_WORK_DISABLED, 0x1                     ; CONTEXT_WORK_DISABLED (bit 0)
.equ CT_WORK_SYNC, 0x2                         ; CONTEXT_WORK_SYNC (bit 1): sync_core()
.equ CT_WORK_TLBI, 0x4                         ; CONTEXT_WORK_TLBI (bit 2): __flush_tlb_all_noinstr()
.equ SYNC_CORE_WORK_BITS, CT_WORK_SYNC
.equ TLBI_WORK_BITS, CT_WORK_TLBI
.equ DEFER_SYNC_CORE, 1
.equ DEFER_TLBI, 1

.percpu ct.work
; .work = ATOMIC_INIT(CONTEXT_WORK_DISABLED); cleared when an active CPU returns to user mode.
.equ boot.active.ct.work, 0
.equ boot.inactive.ct.work, CT_WORK_DISABLED

; ct_kernel_enter_state(offset) of the RFC
.func ct_kernel_enter_state(offset)
    work = atomic_fetch_or ct.work[this_cpu], CT_WORK_DISABLED @consume(SYNC_CORE_WORK_BITS | TLBI_WORK_BITS)  ; ct_work_fetch()
    seq = atomic_add_return ct.state[this_cpu], offset         ; ct_state_inc(offset)
    jz work, out
    call ct_work_flush(work)
out:
    ret seq
.endfunc

; ct_work_flush(work): for_each_set_bit(bit, &work, CONTEXT_WORK_MAX) arch_context_tracking_work(BIT(bit))
.func ct_work_flush(work)
    jz work & CT_WORK_SYNC, tlbi
    call do_sync_core(0)                       ; arch_context_tracking_work(CONTEXT_WORK_SYNC): sync_core()
tlbi:
    jz work & CT_WORK_TLBI, out
    call __flush_tlb_all_noinstr()             ; arch_context_tracking_work(CONTEXT_WORK_TLBI)
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
