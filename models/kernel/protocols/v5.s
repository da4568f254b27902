; Work deferral, v5 (2025-04-29, base v6.15-rc3; cover lore:20250429113242.998312-1-vschneid@redhat.com;
; infrastructure "[PATCH v5 24/25] context-tracking: Introduce work deferral infrastructure",
; lore:20250429113242.998312-25-vschneid@redhat.com). The CT_STATE-into-bits patches are gone: the
; mainline layout, the work bits (CT_WORK_SYNC only: "Ditched the vmap TLB flush deferral (for
; now)") between the context and RCU's watching counter: state bits 0-1, CT_WORK_SYNC bit 2,
; CT_RCU_WATCHING = BIT(3). "Switched to checking for CT_RCU_WATCHING instead of CT_STATE_KERNEL or
; CT_STATE_IDLE, which means deferral is now behaving sanely for IRQ/NMI entry from idle (thanks to
; Frederic!)".
; The bug of this version (and v6), as its code has it: the sender's first guess sets
; CT_RCU_WATCHING, "a bet that the CPU is in the kernel with RCU watching" (Frederic, reviewing v6,
; lore:aQDMfu0tzecFzoGr@localhost.localdomain; Valentin: "That wants to be `old &= ~CT_RCU_WATCHING;`",
; fixed in v7). When the bet is right the first cmpxchg succeeds: the work goes to a CPU in the
; kernel, past its flush, and its exit clears it.
; Overrides ct_mainline.s.

.equ CT_RCU_WATCHING, 0x8                      ; BIT(CT_RCU_WATCHING_START), CT_WORK_END + 1 = 3
.equ CT_WORK_START, 2                          ; CT_STATE_END + 1
.equ CT_WORK_SYNC, 0x1                         ; BIT(CT_WORK_SYNC_OFFSET)
.equ CT_WORK_MASK, 0x4                         ; GENMASK(CT_WORK_END, CT_WORK_START)
.equ SYNC_CORE_WORK_BITS, CT_WORK_SYNC << CT_WORK_START
.equ DEFER_SYNC_CORE, 1
.equ LOCAL_COND_FIRST, 1                       ; base after v6.14: the local cond_func first
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
    jz ok, retry                               ; while (old != state)
    ret new
.endfunc

; ct_set_cpu_work(cpu, work): "Set CT_RCU_WATCHING here and let the cmpxchg do the check for us"
.func ct_set_cpu_work(cpu, work)
    active = load ct.active[cpu]               ; if (!ct->active) return false
    jz active, refused
    old = load ct.state[cpu]                   ; old = atomic_read(&ct->state)
    old = old | CT_RCU_WATCHING                ; old |= CT_RCU_WATCHING
    bits = work << CT_WORK_START
retry:                                         ; do {
    new = old | bits
    ok, old = cmpxchg ct.state[cpu], old, new @post(cpu, bits)   ; ret = atomic_try_cmpxchg(&ct->state, &old, old | (work << CT_WORK_START))
    jnz ok, deferred
    jz old & CT_RCU_WATCHING, retry            ; } while (!ret && !(old & CT_RCU_WATCHING))
refused:
    ret 0
deferred:
    ret 1
.endfunc
