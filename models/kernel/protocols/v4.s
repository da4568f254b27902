; Work deferral, v4 (2025-01-14, base v6.13-rc6; cover lore:20250114175143.81438-1-vschneid@redhat.com;
; infrastructure "[PATCH v4 24/30] context-tracking: Introduce work deferral infrastructure",
; lore:20250114175143.81438-25-vschneid@redhat.com; the kernel TLB flush deferral in 29/30).
; The patches before it rework context tracking:
;  - 21/30 "Explicitely use CT_STATE_KERNEL where it is missing" (lore:...-22-vschneid@redhat.com):
;    the transitions add or subtract CT_STATE_KERNEL, about to be non-zero;
;  - 23/30 "Turn CT_STATE_* into bits": UNCERTAIN, its body is not in the archives searched; the
;    values here are those Valentin proposed in the RFC v3 review (lore:xhsmh1pz39v0k.mognet@
;    vschneid-thinkpadt14sgen2i.remote.csb, "Right!" from Frederic): IDLE 0, USER 1, GUEST 2 and
;    KERNEL 4, "a standalone bit", which v4's `old &= ~CT_STATE_KERNEL` relies on. So the state is
;    bits 0-2, the work bits 3-4 (SYNC, TLBI), CT_RCU_WATCHING = BIT(5);
;  - 22/30 "Exit CT_STATE_IDLE upon irq/nmi entry" (lore:...-23-vschneid@redhat.com): an interrupt
;    or NMI that makes RCU watch also turns IDLE into KERNEL, and its exit turns it back, "leaving
;    CT_STATE_IDLE here while we're really in kernelspace!" until ct_cpuidle_exit(): the window the
;    cover asks reviewers about. It assumes that entry is always from idle (WARN_ON_ONCE otherwise);
;    Frederic (lore:Z5A6NPqVGoZ32YsN@pavilion.home): "NMIs interrupting userspace don't call
;    enter_from_user_mode()" -- they come here, from USER.
; The clear on exit now compiles (`#ifdef CONFIG_CONTEXT_TRACKING_WORK`), and the sender tests
; ct->active. Overrides ct_mainline.s.

.equ CT_STATE_IDLE, 0
.equ CT_STATE_USER, 1
.equ CT_STATE_GUEST, 2
.equ CT_STATE_KERNEL, 4
.equ CT_STATE_MASK, 7
.equ CT_WORK_START, 3                          ; CT_STATE_END + 1
.equ CT_WORK_MASK, 0x18                        ; GENMASK(CT_WORK_END = 4, CT_WORK_START)
.equ CT_RCU_WATCHING, 0x20                     ; BIT(CT_WORK_END + 1)
.equ CT_WORK_SYNC, 0x1                         ; BIT(CT_WORK_SYNC_OFFSET)
.equ CT_WORK_TLBI, 0x2                         ; BIT(CT_WORK_TLBI_OFFSET)
.equ SYNC_CORE_WORK_BITS, CT_WORK_SYNC << CT_WORK_START
.equ TLBI_WORK_BITS, CT_WORK_TLBI << CT_WORK_START
.equ DEFER_SYNC_CORE, 1
.equ DEFER_TLBI, 1
; .state = ATOMIC_INIT(CT_RCU_WATCHING | CT_STATE_KERNEL), then the transitions to user mode
.equ boot.active.ct.state, CT_STATE_USER + 2 * CT_RCU_WATCHING
.equ boot.inactive.ct.state, CT_STATE_USER + CT_RCU_WATCHING

; Where the ledger reads a CPU is: RCU watching, in the kernel; else the context value.
.func ct_state_where(state)
    jnz state & CT_RCU_WATCHING, kernel
    ctx = state & CT_STATE_MASK
    jz ctx == CT_STATE_IDLE, user
    ret CT_WHERE_IDLE
user:
    jz ctx == CT_STATE_USER, guest
    ret CT_WHERE_USER
guest:
    ret CT_WHERE_GUEST
kernel:
    ret CT_WHERE_KERNEL
.endfunc

; 24/30 ct_kernel_enter_state(offset): seq = ct_state_inc(offset); ct_work_flush(seq)
.func ct_kernel_enter_state(offset)
    seq = atomic_add_return ct.state[this_cpu], offset @consume(CT_WORK_MASK)
    call ct_work_flush(seq)
    ret seq
.endfunc

.func ct_work_flush(seq)
    work = seq & CT_WORK_MASK                  ; seq = (seq & CT_WORK_MASK) >> CT_WORK_START
    jz work & SYNC_CORE_WORK_BITS, tlbi
    call do_sync_core(0)                       ; case CT_WORK_SYNC: sync_core()
tlbi:
    jz work & TLBI_WORK_BITS, out
    call __flush_tlb_all_noinstr()             ; case CT_WORK_TLBI
out:
    ret 0
.endfunc

; 24/30 ct_kernel_exit_state(offset) -> ct_state_inc_clear_work(offset)
.func ct_kernel_exit_state(offset)
    state = load ct.state[this_cpu]            ; state = arch_atomic_read(&ct->state)
retry:
    old = state
    new = old & ~CT_WORK_MASK
    new = new + offset
    ok, state = cmpxchg ct.state[this_cpu], old, new   ; state = arch_atomic_cmpxchg(&ct->state, old, new)
    jz ok, retry                               ; while (old != state)
    ret new
.endfunc

; 21/30 ct_kernel_exit(user, offset): ct_kernel_exit_state(offset - CT_STATE_KERNEL)
.func ct_kernel_exit(user, offset)
    store ct.nmi_nesting[this_cpu], 0
    n = load ct.nesting[this_cpu]
    jnz n != 1, nested
    store ct.nesting[this_cpu], 0
    offset = offset - CT_STATE_KERNEL
    call ct_kernel_exit_state(offset)
    ret 0
nested:
    n = n - 1
    store ct.nesting[this_cpu], n
    ret 0
.endfunc

; 21/30 ct_kernel_enter(user, offset): ct_kernel_enter_state(offset + CT_STATE_KERNEL)
.func ct_kernel_enter(user, offset)
    n = load ct.nesting[this_cpu]
    jz n, eqs
    n = n + 1
    store ct.nesting[this_cpu], n
    ret 0
eqs:
    offset = offset + CT_STATE_KERNEL
    call ct_kernel_enter_state(offset)
    store ct.nesting[this_cpu], 1
    store ct.nmi_nesting[this_cpu], CT_NESTING_IRQ_NONIDLE
    ret 0
.endfunc

; 21/30 __ct_user_exit(CT_STATE_USER): !active, raw_atomic_sub(state - CT_STATE_KERNEL, &ct->state)
.func ct_user_exit()
    s = load ct.state[this_cpu]
    s = s & CT_STATE_MASK
    jnz s != CT_STATE_USER, out
    active = load ct.active[this_cpu]
    jz active, inactive
    call ct_kernel_enter(1, CT_RCU_WATCHING - CT_STATE_USER)
    trace user_exit(0)
    ret 0
inactive:
    atomic_add ct.state[this_cpu], CT_STATE_KERNEL - CT_STATE_USER
out:
    ret 0
.endfunc

; 21/30 __ct_user_enter(CT_STATE_USER): !active, raw_atomic_add(state - CT_STATE_KERNEL, &ct->state)
.func ct_user_enter()
    s = load ct.state[this_cpu]
    s = s & CT_STATE_MASK
    jnz s == CT_STATE_USER, out
    active = load ct.active[this_cpu]
    jz active, inactive
    trace user_enter(0)
    call ct_kernel_exit(1, CT_RCU_WATCHING + CT_STATE_USER)
    ret 0
inactive:
    atomic_add ct.state[this_cpu], CT_STATE_USER - CT_STATE_KERNEL
out:
    ret 0
.endfunc

; 22/30 ct_nmi_enter(): out of RCU-idle, also out of CT_STATE_IDLE
.func ct_nmi_enter()
    incby = 2
    state = load ct.state[this_cpu]            ; curr_state = raw_atomic_read(&ct->state)
    jnz state & CT_RCU_WATCHING, watching      ; if (!(curr_state & CT_RCU_WATCHING))
    ctx = state & CT_STATE_MASK
    jz ctx != CT_STATE_IDLE, idle
    trace WARN_ON_ONCE(ctx)                    ; WARN_ON_ONCE((curr_state & CT_STATE_MASK) != CT_STATE_IDLE)
idle:
    call ct_kernel_enter_state(CT_RCU_WATCHING + CT_STATE_KERNEL - CT_STATE_IDLE)
    incby = 1
watching:
    n = load ct.nmi_nesting[this_cpu]
    n = n + incby
    store ct.nmi_nesting[this_cpu], n
    ret 0
.endfunc

; 22/30 ct_nmi_exit(): back to RCU-idle and CT_STATE_IDLE
.func ct_nmi_exit()
    n = load ct.nmi_nesting[this_cpu]
    jnz n != 1, nested
    store ct.nmi_nesting[this_cpu], 0
    call ct_kernel_exit_state(CT_RCU_WATCHING - CT_STATE_KERNEL + CT_STATE_IDLE)
    ret 0
nested:
    n = n - 2
    store ct.nmi_nesting[this_cpu], n
    ret 0
.endfunc

; 24/30 ct_set_cpu_work(cpu, work): "We only want to set the work bit if the target CPU is not in
; kernelspace, so we clear the KERNEL bit here and let the cmpxchg do the check for us"
.func ct_set_cpu_work(cpu, work)
    active = load ct.active[cpu]               ; if (!ct->active) return false
    jz active, refused
    old = load ct.state[cpu]                   ; old = atomic_read(&ct->state)
    old = old & ~CT_STATE_KERNEL               ; old &= ~CT_STATE_KERNEL
    bits = work << CT_WORK_START
retry:                                         ; do {
    new = old | bits
    ok, old = cmpxchg ct.state[cpu], old, new @post(cpu, bits)
    jnz ok, deferred
    s = old & CT_STATE_MASK
    jnz s != CT_STATE_KERNEL, retry            ; } while (!ret && ((old & CT_STATE_MASK) != CT_STATE_KERNEL))
refused:
    ret 0
deferred:
    ret 1
.endfunc
