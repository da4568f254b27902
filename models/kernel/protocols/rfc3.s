; Work deferral, RFC v3 (2024-11-19, base v6.12-rc7; cover lore:20241119153502.41361-1-vschneid@redhat.com;
; infrastructure "[RFC PATCH v3 11/15] context-tracking: Introduce work deferral infrastructure",
; lore:20241119153502.41361-12-vschneid@redhat.com; the kernel TLB flush in 13/15). ct->state is
; MSB [ RCU watching counter ][ context work ][ context_state ] LSB, the work field as wide as the
; works defined (CT_WORK_WIDTH = CONTEXT_WORK_MAX_OFFSET = 2: SYNC, TLBI): state bits 0-1, work bits
; 2-3, CT_RCU_WATCHING = BIT(4).
; Bugs of this version, as its code has them:
;  - as in RFC v2, ct_state_inc_clear_work() is under `#ifdef CONTEXT_TRACKING_WORK`: the exit never
;    clears the work bits, and the next entry runs the work again (fixed in v4);
;  - the sender's first cmpxchg comes before any test of the state: it succeeds whatever the state
;    read, kernel included (Frederic, lore:Zz2_7MbxvfjKsz08@pavilion.home: "Does it ignore the IPI
;    even if: (ret && (old & CT_STATE_MASK) == CT_STATE_KERNEL)?"; fixed in v4, "Fixed the
;    CT_STATE_KERNEL check when setting a deferred work (Frederic)");
;  - the state test reads the context bits, which an interrupt in idle or an NMI in user mode leave
;    IDLE or USER; and no ct->active test.
; Overrides ct_mainline.s.

.equ CT_RCU_WATCHING, 0x10                     ; BIT(CT_RCU_WATCHING_START), CT_WORK_END + 1 = 4
.equ CT_WORK_START, 2                          ; CT_STATE_END + 1
.equ CT_WORK_MASK, 0xc                         ; GENMASK(CT_WORK_END = 3, CT_WORK_START)
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

; ct_work_flush(seq): seq = (seq & CT_WORK_MASK) >> CT_WORK_START; for_each_set_bit(...)
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

; ct_set_cpu_work(cpu, work) of RFC v3
.func ct_set_cpu_work(cpu, work)
    old = load ct.state[cpu]                   ; old = atomic_read(&ct->state)
    bits = work << CT_WORK_START
retry:                                         ; do {
    new = old | bits
    ok, old = cmpxchg ct.state[cpu], old, new @post(cpu, bits)   ; ret = atomic_try_cmpxchg(&ct->state, &old, old | (work << CT_WORK_START))
    jnz ok, deferred
    s = old & CT_STATE_MASK
    jnz s != CT_STATE_KERNEL, retry            ; } while (!ret && ((old & CT_STATE_MASK) != CT_STATE_KERNEL))
    ret 0
deferred:
    ret 1
.endfunc
