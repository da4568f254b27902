; Context tracking as in mainline kernel/context_tracking.c (v6.6): ct->state holds the context
; (bits 0-1) and RCU's watching counter (units of CT_RCU_WATCHING, odd while RCU watches).
; No work deferral: this is the `ipi` protocol, and the base the deferral protocols override.
; The recursion guard and the dynticks nesting counters are CPU-private and omitted.

.equ CT_STATE_KERNEL, 0
.equ CT_STATE_IDLE, 1
.equ CT_STATE_USER, 2
.equ CT_STATE_GUEST, 3
.equ CT_STATE_MASK, 3
.equ CT_RCU_WATCHING, 4                        ; RCU_DYNTICKS_IDX in v6.6

.percpu ct.state
.percpu ct.active                              ; context_tracking.active: set for nohz_full CPUs
; Boot values of per-CPU data (read by the simulator): every CPU starts in user mode.
.equ boot.active.ct.state, CT_STATE_USER + 2 * CT_RCU_WATCHING
.equ boot.inactive.ct.state, CT_STATE_USER + CT_RCU_WATCHING
.equ boot.active.ct.active, 1

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

; No deferral: text_poke_sync() IPIs every CPU (on_each_cpu()).
.equ DEFER_SYNC_CORE, 0
.equ CT_WORK_SYNC, 0x1
.equ SYNC_CORE_WORK_BITS, CT_WORK_SYNC

; include/linux/context_tracking_work.h without CONFIG_CONTEXT_TRACKING_WORK: never defers
.func ct_set_cpu_work(cpu, work)
    ret 0
.endfunc

; kernel/context_tracking.c ct_state_inc(): raw_atomic_add_return(incby, &ct->state)
.func ct_kernel_enter_state(offset)
    seq = atomic_add_return ct.state[this_cpu], offset
    ret seq
.endfunc

.func ct_kernel_exit_state(offset)
    seq = atomic_add_return ct.state[this_cpu], offset
    ret seq
.endfunc

; kernel/context_tracking.c __ct_user_exit(CT_STATE_USER) (v6.6)
.func ct_user_exit()
    s = load ct.state[this_cpu]                ; __ct_state(): raw_atomic_read(&ct->state) & CT_STATE_MASK
    s = s & CT_STATE_MASK
    jnz s != CT_STATE_USER, out
    active = load ct.active[this_cpu]          ; if (ct->active)
    jz active, inactive
    call ct_kernel_enter_state(CT_RCU_WATCHING - CT_STATE_USER)   ; ct_kernel_enter(true, RCU_DYNTICKS_IDX - state)
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
    call ct_kernel_exit_state(CT_RCU_WATCHING + CT_STATE_USER)    ; ct_kernel_exit(true, RCU_DYNTICKS_IDX + state)
    ret 0
inactive:
    atomic_add ct.state[this_cpu], CT_STATE_USER                  ; raw_atomic_add(state, &ct->state)
out:
    ret 0
.endfunc
