; Work deferral, v7 (2025-11-14, base v6.18-rc5; cover lore:20251114150133.1056710-1-vschneid@redhat.com;
; infrastructure "[PATCH v7 24/31] context-tracking: Introduce work deferral infrastructure",
; lore:20251114151428.1064524-4-vschneid@redhat.com), the latest: the work bits live inside
; ct->state. Bits 0-1 the context, bit 2 CT_WORK_SYNC, bits 3-31 RCU's watching counter
; (CT_RCU_WATCHING = 0x8). The sender bets the target is not watching (user or idle) and lets the
; cmpxchg check it: "Fixed ct_set_cpu_work() CT_RCU_WATCHING logic (Frederic)". The kernel TLB flush
; of this version is no work bit (an unconditional flush at SWITCH_TO_KERNEL_CR3, RFC patches 28-31).
; Overrides ct_mainline.s.

.equ CT_RCU_WATCHING, 0x8
.equ CT_WORK_START, 2
.equ CT_WORK_SYNC, 0x1                         ; enum ct_work, shifted by CT_WORK_START in ct->state
.equ CT_WORK_MASK, 0x4
.equ SYNC_CORE_WORK_BITS, CT_WORK_SYNC << CT_WORK_START
.equ DEFER_SYNC_CORE, 1
.equ LOCAL_COND_FIRST, 1                       ; v7 is based on v6.18: local cond_func first
.equ boot.active.ct.state, CT_STATE_USER + 2 * CT_RCU_WATCHING
.equ boot.inactive.ct.state, CT_STATE_USER + CT_RCU_WATCHING

; ct_kernel_enter_state(offset): seq = ct_state_inc(offset); ct_work_flush(seq)
.func ct_kernel_enter_state(offset)
    seq = atomic_add_return ct.state[this_cpu], offset @consume(CT_WORK_MASK)
    call ct_work_flush(seq)
    ret seq
.endfunc

; ct_work_flush(seq): the work bits of the state just read, one arch_context_tracking_work() each
.func ct_work_flush(seq)
    work = seq & CT_WORK_MASK
    jz work & SYNC_CORE_WORK_BITS, out
    call do_sync_core(0)                       ; arch_context_tracking_work(CT_WORK_SYNC): sync_core()
out:
    ret 0
.endfunc

; ct_kernel_exit_state(offset) -> ct_state_inc_clear_work(offset): clear the work bits while
; advancing the state, in a cmpxchg loop
.func ct_kernel_exit_state(offset)
    state = load ct.state[this_cpu]            ; state = arch_atomic_read(&ct->state)
retry:
    old = state
    new = old & ~CT_WORK_MASK
    new = new + offset
    ok, state = cmpxchg ct.state[this_cpu], old, new
    jz ok, retry
    ret new
.endfunc

; ct_set_cpu_work(cpu, work): guess the target is not RCU-watching (in user or idle) and try to
; add the work bit; stop as soon as the state says it is watching (in the kernel).
.func ct_set_cpu_work(cpu, work)
    active = load ct.active[cpu]               ; if (!ct->active) return false
    jz active, refused
    old = load ct.state[cpu]                   ; old = atomic_read(&ct->state)
    old = old & ~CT_RCU_WATCHING
    bits = work << CT_WORK_START
retry:
    new = old | bits
    ok, old = cmpxchg ct.state[cpu], old, new @post(cpu, bits)   ; atomic_try_cmpxchg(&ct->state, &old, old | (work << CT_WORK_START))
    jnz ok, deferred
    jz old & CT_RCU_WATCHING, retry            ; while (!ret && !(old & CT_RCU_WATCHING))
refused:
    ret 0
deferred:
    ret 1
.endfunc
