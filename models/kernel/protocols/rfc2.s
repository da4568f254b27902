; Work deferral, RFC v2 (2023-07-20, base v6.5-rc1; cover lore:20230720163056.2564824-1-vschneid@redhat.com;
; infrastructure "[RFC PATCH v2 15/20] context-tracking: Introduce work deferral infrastructure",
; lore:20230720163056.2564824-16-vschneid@redhat.com; the kernel TLB flush in 19/20): "Dropped the
; extra context_tracking atomic, squashed the new bits in the existing .state field (Peter,
; Frederic)". ct->state is [ context_state (bits 0-1) ][ context work (bits 2-15) ][ RCU dynticks
; counter (bits 16-31) ]: RCU_DYNTICKS_BITS is 16 with CONFIG_CONTEXT_TRACKING_WORK, so
; RCU_DYNTICKS_IDX = BIT(16). The entry reads the work bits from the same atomic add that makes RCU
; watch and flushes them; the exit is meant to clear them.
; Bugs of this version, as its code has them:
;  - the exit's ct_state_inc_clear_work() sits under `#ifdef CONTEXT_TRACKING_WORK` (no CONFIG_
;    prefix), so its fallback `#define ct_state_inc_clear_work(x) ct_state_inc(x)` is what compiles:
;    the work bits are never cleared, and every later entry runs the work again (fixed in v4:
;    "Fixed clearing the work bits on kernel exit");
;  - the sender tests the state with a plain read before any cmpxchg (Frederic, lore:ZL6QI4mV-NKlh4Ox:
;    "You need at least one cmpxchg"), and the context bits alone: an interrupt taken in idle or an
;    NMI taken in user mode leaves them IDLE or USER while the CPU runs kernel code;
;  - no ct->active test: a housekeeping CPU in user mode has its context bits USER too.
; Overrides ct_mainline.s.

.equ CT_RCU_WATCHING, 0x10000                  ; RCU_DYNTICKS_IDX = BIT(RCU_DYNTICKS_START), start 32 - 16
.equ CT_WORK_START, 2                          ; CONTEXT_WORK_START = CONTEXT_STATE_END + 1
.equ CT_WORK_MASK, 0xfffc                      ; GENMASK(CONTEXT_WORK_END = 15, CONTEXT_WORK_START)
.equ CT_WORK_SYNC, 0x1                         ; CONTEXT_WORK_SYNC
.equ CT_WORK_TLBI, 0x2                         ; CONTEXT_WORK_TLBI
.equ SYNC_CORE_WORK_BITS, CT_WORK_SYNC << CT_WORK_START
.equ TLBI_WORK_BITS, CT_WORK_TLBI << CT_WORK_START
.equ DEFER_SYNC_CORE, 1
.equ DEFER_TLBI, 1
.equ boot.active.ct.state, CT_STATE_USER + 2 * CT_RCU_WATCHING
.equ boot.inactive.ct.state, CT_STATE_USER + CT_RCU_WATCHING

; ct_kernel_enter_state(offset): seq = ct_state_inc(offset); ct_work_flush(seq)
.func ct_kernel_enter_state(offset)
    seq = atomic_add_return ct.state[this_cpu], offset @consume(CT_WORK_MASK)
    call ct_work_flush(seq)
    ret seq
.endfunc

; ct_work_flush(seq): seq = (seq & CT_WORK_MASK) >> CONTEXT_WORK_START; for_each_set_bit(bit, &seq,
; CONTEXT_WORK_MAX) arch_context_tracking_work(BIT(bit))
.func ct_work_flush(seq)
    work = seq & CT_WORK_MASK
    jz work & SYNC_CORE_WORK_BITS, tlbi
    call do_sync_core(0)                       ; case CONTEXT_WORK_SYNC: sync_core()
tlbi:
    jz work & TLBI_WORK_BITS, out
    call __flush_tlb_all_noinstr()             ; case CONTEXT_WORK_TLBI
out:
    ret 0
.endfunc

; ct_kernel_exit_state(offset): ct_state_inc_clear_work(offset), which compiles as ct_state_inc()
.func ct_kernel_exit_state(offset)
    seq = atomic_add_return ct.state[this_cpu], offset
    ret seq
.endfunc

; ct_set_cpu_work(cpu, work) of RFC v2
.func ct_set_cpu_work(cpu, work)
    old = load ct.state[cpu]                   ; old = atomic_read(&ct->state)
    bits = work << CT_WORK_START
retry:
    jz old & (CT_STATE_GUEST | CT_STATE_USER | CT_STATE_IDLE), refused   ; while ((old & (CONTEXT_GUEST | CONTEXT_USER | CONTEXT_IDLE)) && !ret)
    new = old | bits
    ok, old = cmpxchg ct.state[cpu], old, new @post(cpu, bits)           ; ret = atomic_try_cmpxchg(&ct->state, &old, old | (work << CONTEXT_WORK_START))
    jz ok, retry
    ret 1
refused:
    ret 0
.endfunc
