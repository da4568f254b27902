; Context tracking as in mainline kernel/context_tracking.c (v6.6; the names of v6.12 in comments
; where they changed): ct->state holds the context (bits 0-1) and RCU's watching counter (units of
; CT_RCU_WATCHING, odd while RCU watches). Every transition: user (__ct_user_enter/exit), idle
; (ct_idle_enter/exit), an interrupt or NMI from either (ct_irq_enter/exit = ct_nmi_enter/exit),
; with the nesting counts that tell the outermost one. No work deferral: this is the `ipi`
; (mainline) protocol, and the base the deferral protocols override. The recursion guard is
; CPU-private and omitted.

.equ CT_STATE_KERNEL, 0
.equ CT_STATE_IDLE, 1
.equ CT_STATE_USER, 2
.equ CT_STATE_GUEST, 3
.equ CT_STATE_MASK, 3
.equ CT_RCU_WATCHING, 4                        ; RCU_DYNTICKS_IDX in v6.6
.equ CT_NESTING_IRQ_NONIDLE, 0x4000000000000000   ; DYNTICK_IRQ_NONIDLE: (LONG_MAX / 2) + 1

.percpu ct.state
.percpu ct.active                              ; context_tracking.active: set for nohz_full CPUs
.percpu ct.nesting                             ; context_tracking.dynticks_nesting: process level
.percpu ct.nmi_nesting                         ; context_tracking.dynticks_nmi_nesting: irq/NMI level
; Boot values of per-CPU data (read by the simulator): every CPU starts in user mode, quiescent
; on a nohz_full CPU; a housekeeping CPU's user mode is no quiescent state (RCU watches it).
.equ boot.active.ct.state, CT_STATE_USER + 2 * CT_RCU_WATCHING
.equ boot.inactive.ct.state, CT_STATE_USER + CT_RCU_WATCHING
.equ boot.active.ct.active, 1
.equ boot.inactive.ct.nesting, 1
.equ boot.inactive.ct.nmi_nesting, CT_NESTING_IRQ_NONIDLE

; Where context tracking says a CPU is, read by the deferral ledger from every write of ct->state:
; in the kernel while RCU watches (rcu_is_watching_curr_cpu(): process context, an interrupt or an
; NMI, whatever the context bits say), else the extended quiescent state __ct_state() names.
.ctstate ct.state, ct_state_where
.func ct_state_where(state)
    jnz state & CT_RCU_WATCHING, kernel
    ctx = state & CT_STATE_MASK                ; CT_STATE_IDLE, _USER, _GUEST: CT_WHERE_IDLE, _USER, _GUEST
    ret ctx
kernel:
    ret CT_WHERE_KERNEL
.endfunc

; kernel/context_tracking.h ct_rcu_watching_cpu_acquire(cpu) (v6.6: ct_dynticks_cpu_acquire()),
; read by RCU on another CPU (rcu_exp.s)
.func ct_rcu_watching_cpu_acquire(cpu)
    snap = load ct.state[cpu]                  ; atomic_read_acquire(&ct->state)
    ret snap
.endfunc

; kernel/rcu/tree.c rcu_watching_snap_in_eqs(snap) (v6.6: rcu_dynticks_in_eqs())
.func rcu_watching_snap_in_eqs(snap)
    watching = snap & CT_RCU_WATCHING
    ret watching == 0
.endfunc

; No deferral: text_poke_sync() and kernel TLB flushes IPI every CPU (on_each_cpu()).
.equ DEFER_SYNC_CORE, 0
.equ DEFER_TLBI, 0
.equ CT_WORK_SYNC, 0x1
.equ CT_WORK_TLBI, 0x2
.equ SYNC_CORE_WORK_BITS, CT_WORK_SYNC
.equ TLBI_WORK_BITS, CT_WORK_TLBI

; include/linux/context_tracking_work.h without CONFIG_CONTEXT_TRACKING_WORK: never defers
.func ct_set_cpu_work(cpu, work)
    ret 0
.endfunc

; kernel/context_tracking.c ct_kernel_enter_state() / ct_kernel_exit_state(): ct_state_inc(),
; raw_atomic_add_return(incby, &ct->state)
.func ct_kernel_enter_state(offset)
    seq = atomic_add_return ct.state[this_cpu], offset
    ret seq
.endfunc

.func ct_kernel_exit_state(offset)
    seq = atomic_add_return ct.state[this_cpu], offset
    ret seq
.endfunc

; kernel/context_tracking.c ct_kernel_exit(user, offset): enter an extended quiescent state (user
; or idle) from the outermost process level; nested, only count
.func ct_kernel_exit(user, offset)
    store ct.nmi_nesting[this_cpu], 0          ; WRITE_ONCE(ct->dynticks_nmi_nesting, 0)
    n = load ct.nesting[this_cpu]
    jnz n != 1, nested                         ; if (ct_dynticks_nesting() != 1)
    store ct.nesting[this_cpu], 0              ; WRITE_ONCE(ct->dynticks_nesting, 0)
    call ct_kernel_exit_state(offset)          ; RCU is no longer watching
    ret 0
nested:
    n = n - 1                                  ; ct->dynticks_nesting--: RCU still watching
    store ct.nesting[this_cpu], n
    ret 0
.endfunc

; kernel/context_tracking.c ct_kernel_enter(user, offset): leave an extended quiescent state
.func ct_kernel_enter(user, offset)
    n = load ct.nesting[this_cpu]              ; oldval = ct_dynticks_nesting()
    jz n, eqs
    n = n + 1                                  ; RCU was already watching: ct->dynticks_nesting++
    store ct.nesting[this_cpu], n
    ret 0
eqs:
    call ct_kernel_enter_state(offset)         ; RCU is watching from here
    store ct.nesting[this_cpu], 1              ; WRITE_ONCE(ct->dynticks_nesting, 1)
    store ct.nmi_nesting[this_cpu], CT_NESTING_IRQ_NONIDLE
    ret 0
.endfunc

; kernel/context_tracking.c ct_nmi_enter() (v6.6), also ct_irq_enter(): from an extended quiescent
; state (user, idle) the outermost interrupt or NMI makes RCU watch, the context bits unchanged
; ("if ->nmi_nesting is equal to one, we are guaranteed to be in the outermost NMI handler that
; interrupted an RCU-idle period"); nested, it counts by two.
.func ct_nmi_enter()
    incby = 2
    state = load ct.state[this_cpu]            ; rcu_dynticks_curr_cpu_in_eqs(): !(state & RCU_DYNTICKS_IDX)
    jnz state & CT_RCU_WATCHING, watching
    call ct_kernel_enter_state(CT_RCU_WATCHING)
    incby = 1
watching:
    n = load ct.nmi_nesting[this_cpu]
    n = n + incby
    store ct.nmi_nesting[this_cpu], n          ; WRITE_ONCE(ct->dynticks_nmi_nesting, ... + incby)
    ret 0
.endfunc

; kernel/context_tracking.c ct_nmi_exit() (v6.6), also ct_irq_exit()
.func ct_nmi_exit()
    n = load ct.nmi_nesting[this_cpu]
    jnz n != 1, nested                         ; if (ct_dynticks_nmi_nesting() != 1)
    store ct.nmi_nesting[this_cpu], 0          ; this NMI interrupted an RCU-idle CPU: restore it
    call ct_kernel_exit_state(CT_RCU_WATCHING)
    ret 0
nested:
    n = n - 2
    store ct.nmi_nesting[this_cpu], n
    ret 0
.endfunc

.func ct_irq_enter()                           ; kernel/context_tracking.c ct_irq_enter()
    call ct_nmi_enter()
    ret 0
.endfunc

.func ct_irq_exit()                            ; kernel/context_tracking.c ct_irq_exit()
    call ct_nmi_exit()
    ret 0
.endfunc

; kernel/context_tracking.c ct_idle_enter(): ct_kernel_exit(false, RCU_DYNTICKS_IDX + CONTEXT_IDLE)
.func ct_idle_enter()
    call ct_kernel_exit(0, CT_RCU_WATCHING + CT_STATE_IDLE)
    ret 0
.endfunc

; kernel/context_tracking.c ct_idle_exit(): interrupts are off already (raw_local_irq_save)
.func ct_idle_exit()
    call ct_kernel_enter(0, CT_RCU_WATCHING - CT_STATE_IDLE)
    ret 0
.endfunc

; kernel/context_tracking.c __ct_user_exit(CT_STATE_USER) (v6.6)
.func ct_user_exit()
    s = load ct.state[this_cpu]                ; __ct_state(): raw_atomic_read(&ct->state) & CT_STATE_MASK
    s = s & CT_STATE_MASK
    jnz s != CT_STATE_USER, out
    active = load ct.active[this_cpu]          ; if (ct->active)
    jz active, inactive
    call ct_kernel_enter(1, CT_RCU_WATCHING - CT_STATE_USER)      ; ct_kernel_enter(true, RCU_DYNTICKS_IDX - state)
    trace user_exit(0)                         ; trace_user_exit(0)
    ret 0
inactive:
    atomic_add ct.state[this_cpu], -CT_STATE_USER                 ; raw_atomic_sub(state, &ct->state)
out:
    ret 0
.endfunc

; kernel/context_tracking.c __ct_user_enter(CT_STATE_USER) (v6.6)
.func ct_user_enter()
    s = load ct.state[this_cpu]
    s = s & CT_STATE_MASK
    jnz s == CT_STATE_USER, out                ; if (__ct_state() != state)
    active = load ct.active[this_cpu]
    jz active, inactive
    trace user_enter(0)                        ; trace_user_enter(0)
    call ct_kernel_exit(1, CT_RCU_WATCHING + CT_STATE_USER)       ; ct_kernel_exit(true, RCU_DYNTICKS_IDX + state)
    ret 0
inactive:
    atomic_add ct.state[this_cpu], CT_STATE_USER                  ; raw_atomic_add(state, &ct->state)
out:
    ret 0
.endfunc
