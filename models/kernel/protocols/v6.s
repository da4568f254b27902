; Work deferral, v6 (2025-10-10, base v6.17; cover lore:20251010153839.151763-1-vschneid@redhat.com;
; infrastructure "[PATCH v6 23/29] context-tracking: Introduce work deferral infrastructure",
; lore:20251010153839.151763-24-vschneid@redhat.com, quoted whole in Frederic's review
; lore:aQDMfu0tzecFzoGr@localhost.localdomain). Its work deferral is v5's, line for line: the
; mainline layout with CT_WORK_SYNC at bit 2 and CT_RCU_WATCHING = BIT(3) (the kernel TLB flush of
; this version is no work bit: an unconditional flush at SWITCH_TO_KERNEL_CR3, the RFC patches
; 26-29), ct->active tested, the exit clearing the work bits.
; The bug of this version, as its code has it: the sender's first guess sets CT_RCU_WATCHING, "a
; bet that the CPU is in the kernel with RCU watching" (Frederic, same review: "Most of the time,
; the task should be either idle or in userspace. I'm still not sure why you start with a bet that
; the CPU is in the kernel with RCU watching."; Valentin, lore:xhsmh5xbyqas1.mognet@vschneid-
; thinkpadt14sgen2i.remote.csb: "That wants to be `old &= ~CT_RCU_WATCHING;`", fixed in v7). When
; the bet is right the first cmpxchg succeeds: the work goes to a CPU in the kernel, past its flush,
; and its exit clears it.
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
