; Kernel entry and exit (syscalls and interrupts), text patching and the syscall bodies a
; workload can call. Follows kernel/entry/common.c and arch/x86 of Linux v6.6; the context-tracking
; calls (ct_user_exit / ct_user_enter, ct_irq_enter / ct_irq_exit) and ct_set_cpu_work come from
; ct_mainline.s and the protocol file, the tick from tick.s, idle from idle.s, NMIs from nmi.s.
;
; Simulator-provided constants: NR_CPUS, NR_CPUMASK_LONGS, CONTEXT_TRACKING_ENABLED (the
; context_tracking_key static key: some CPU is nohz_full), TICK_DO_TIMER_CPU, TICK_WORK_CYCLES.

.equ ERR_EINVAL, 0xffffffffffffffea            ; -EINVAL and -EAGAIN as system calls return them
.equ ERR_EAGAIN, 0xfffffffffffffff5

; arch/x86/entry/entry_64.S entry_SYSCALL_64 -> do_syscall_64() (v6.6)
.func entry_SYSCALL_64(body, arg)
    call enter_from_user_mode()                ; syscall_enter_from_user_mode() -> enter_from_user_mode()
    sti                                        ; local_irq_enable()
    call *body(arg)
    cli                                        ; syscall_exit_to_user_mode(): local_irq_disable_exit_to_user()
    call exit_to_user_mode()
    sysret
.endfunc

; kernel/entry/common.c __enter_from_user_mode() -> user_exit_irqoff()
.func enter_from_user_mode()
    jz CONTEXT_TRACKING_ENABLED, out           ; context_tracking_enabled(): a static key, no memory access
    call ct_user_exit()                        ; __ct_user_exit(CT_STATE_USER)
out:
    ret 0
.endfunc

; kernel/entry/common.c exit_to_user_mode() -> user_enter_irqoff()
.func exit_to_user_mode()
    jz CONTEXT_TRACKING_ENABLED, out
    call ct_user_enter()                       ; __ct_user_enter(CT_STATE_USER)
out:
    ret 0
.endfunc

; kernel/entry/common.c irqentry_enter(regs): from user, irqentry_enter_from_user_mode(); on the
; idle task, ct_irq_enter() whether RCU is watching or not, and state.exit_rcu; from other kernel
; code, rcu_irq_enter_check_tick() only. Returns exit_rcu.
.func irqentry_enter(user)
    jz user, from_kernel
    call enter_from_user_mode()
    ret 0
from_kernel:
    idle = load current.idle[this_cpu]         ; is_idle_task(current) (arch_in_rcu_eqs() is false on x86)
    jz idle, watching
    call ct_irq_enter()
    ret 1                                      ; ret.exit_rcu = true
watching:
    ret 0
.endfunc

; kernel/entry/common.c irqentry_exit(regs, state): to user, irqentry_exit_to_user_mode(); to the
; kernel, ct_irq_exit() if the entry made RCU watch
.func irqentry_exit(user, state)
    jz user, to_kernel
    call exit_to_user_mode()
    ret 0
to_kernel:
    jz state, out                              ; if (state.exit_rcu)
    call ct_irq_exit()
out:
    ret 0
.endfunc

; arch/x86/kernel/alternative.c do_sync_core(): sync_core() is SERIALIZE (or IRET-to-self).
; `info` is NULL in the kernel; isolsim passes the request id through it so that the deferral
; ledger can tell which request an execution serves (0: the deferred-work path).
.func do_sync_core(info)
    serialize @callback(SYNC_CORE_WORK_BITS, info)
    ret 0
.endfunc

; arch/x86/kernel/alternative.c do_sync_core_defer_cond() of the deferral series: IPI only if
; ct_set_cpu_work() could not defer the work.
.func do_sync_core_defer_cond(cpu, info)
    deferred = call ct_set_cpu_work(cpu, CT_WORK_SYNC)
    jz deferred, ipi
    trace ct_work_deferred(cpu, CT_WORK_SYNC, &do_sync_core)  ; isolsim tracepoint: the deferral decision
    ret 0
ipi:
    ret 1
.endfunc

; arch/x86/kernel/alternative.c text_poke_sync() -> on_each_cpu(do_sync_core, NULL, 1) (v6.6);
; with a deferring protocol, the series' text_poke_sync_deferrable() (RFC v1-v4) /
; smp_text_poke_sync_each_cpu_deferrable() (v6-v7): on_each_cpu_cond(do_sync_core_defer_cond,
; do_sync_core, NULL, 1). Their .noinstr-text exception (always IPI) is not modelled.
.func text_poke_sync()
    req = request                              ; isolsim: a new request id for the ledger
    cond = 0
    jz DEFER_SYNC_CORE, go
    cond = &do_sync_core_defer_cond
go:
    all = &cpu_online_mask[0]                  ; on_each_cpu_cond(): cpu_online_mask
    call smp_call_function_many_cond(all, &do_sync_core, req, SCF_RUN_LOCAL | SCF_WAIT, cond, &on_each_cpu_cond_mask)
    ret 0
.endfunc

; arch/x86/kernel/alternative.c text_poke_bp_batch() (v6.6): one batch of INT3-patched sites, e.g.
; a static key flip (jump_label_update() -> arch_jump_label_transform_apply()): text_poke_sync()
; after the INT3 bytes, after the tail bytes, and after the first byte
.func text_poke_bp_batch()
    call text_poke_sync()
    call text_poke_sync()
    call text_poke_sync()
    ret 0
.endfunc

; System-call bodies a workload can ask for with {"syscall": NAME, "arg": N}: sys_NAME(arg).
.func sys_compute(cycles)                      ; a syscall that works `cycles` in the kernel
    compute cycles
    ret 0
.endfunc

.func sys_text_poke_sync(arg)                  ; e.g. a static_key flip that patches kernel text
    call text_poke_sync()
    ret 0
.endfunc

.func sys_getpid(arg)
    compute 50
    ret this_cpu
.endfunc
