; The entry and idle paths of entry.s and idle.s, with the test of TIF_NEED_RESCHED that lets a woken
; kernel thread (sched.s) run: kernel/entry/common.c exit_to_user_mode_prepare() ->
; exit_to_user_mode_loop() -> schedule() before the return to user mode, and kernel/sched/idle.c
; do_idle() -> schedule_idle(), which runs the woken thread and goes back to idle while the task
; still sleeps (v6.6). Loaded at layer 1 in place of the layer-0 paths when some source wakes
; kernel threads (models/kernel/boot.h KernelConfig::sched_kthreads); the paths without the test
; keep the cycle counts every scenario without such a source was written against.

; arch/x86/entry/entry_64.S entry_SYSCALL_64 -> do_syscall_64() (v6.6)
.func entry_SYSCALL_64(body, arg)
    call enter_from_user_mode()
    sti
    call *body(arg)
    cli                                        ; syscall_exit_to_user_mode()
    call exit_to_user_mode_prepare()
    call exit_to_user_mode()
    sysret
.endfunc

; kernel/entry/common.c exit_to_user_mode_prepare() -> exit_to_user_mode_loop()
.func exit_to_user_mode_prepare()
    r = load need_resched[this_cpu]            ; read_thread_flags() & _TIF_NEED_RESCHED
    jz r, out
    call schedule()
out:
    ret 0
.endfunc

; kernel/entry/common.c irqentry_exit(regs, state): to user, irqentry_exit_to_user_mode()
.func irqentry_exit(user, state)
    jz user, to_kernel
    call exit_to_user_mode_prepare()
    call exit_to_user_mode()
    ret 0
to_kernel:
    jz state, out
    call ct_irq_exit()
out:
    ret 0
.endfunc

; kernel/sched/idle.c do_idle() with schedule_idle()
.func do_idle()
    store current.idle[this_cpu], 1
loop:
    r = load need_resched[this_cpu]
    jnz r, runnable
    cli
    call default_idle_call()
    jmp loop
runnable:
    call schedule()                            ; woken kernel threads run first
    asleep = load sleep.expires[this_cpu]      ; the task still sleeps: back to idle
    jnz asleep, loop
    store current.idle[this_cpu], 0
    ret 0
.endfunc

; kernel/signal.c sys_pause(): asleep with no wake-up, a timer that never expires
.func sys_pause(arg)
    store sleep.expires[this_cpu], KTIME_MAX
    call do_idle()
    ret 0
.endfunc

.equ KTIME_MAX, 0x7fffffffffffffff
