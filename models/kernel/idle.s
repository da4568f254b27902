; Idle: a task that sleeps leaves its CPU to the idle task, which halts it between interrupts
; inside ct_idle_enter() ... ct_idle_exit() until something makes the task runnable again.
; Follows kernel/sched/idle.c do_idle() / default_idle_call() and arch/x86/kernel/process.c
; default_idle() (v6.6). isolsim has no scheduler: schedule() switching to the idle task is a call
; of do_idle(), `current` being the idle task a per-CPU flag (is_idle_task(current)), and
; TIF_NEED_RESCHED a per-CPU word set by the wake-up (kernel/time/tick.s).

.percpu current.idle                           ; is_idle_task(current)
.percpu need_resched                           ; test_tsk_need_resched(current)

; kernel/sched/idle.c do_idle(): halt until the task is runnable again
.func do_idle()
    store current.idle[this_cpu], 1            ; context_switch() to the idle task
loop:
    r = load need_resched[this_cpu]            ; while (!need_resched())
    jnz r, runnable
    cli                                        ; local_irq_disable()
    call default_idle_call()                   ; cpuidle_idle_call() without a cpuidle driver
    jmp loop
runnable:
    store need_resched[this_cpu], 0            ; schedule_idle() picks the task again
    store current.idle[this_cpu], 0
    ret 0
.endfunc

; kernel/sched/idle.c default_idle_call(): interrupts off on entry; HLT with them on
.func default_idle_call()
    call ct_cpuidle_enter()
    call default_idle()                        ; arch_cpu_idle() -> static_call(x86_idle)
    call ct_cpuidle_exit()
    sti                                        ; local_irq_enable()
    ret 0
.endfunc

; arch/x86/kernel/process.c default_idle(): raw_safe_halt() is native_safe_halt(), "sti; hlt": the
; wake-up interrupt is taken right after HLT, with the state still idle; then raw_local_irq_disable()
.func default_idle()
    safe_halt
    cli
    ret 0
.endfunc

; include/linux/cpuidle.h ct_cpuidle_enter() / ct_cpuidle_exit() (the lockdep and instrumentation
; hooks around them touch nothing another CPU reads)
.func ct_cpuidle_enter()
    call ct_idle_enter()
    ret 0
.endfunc

.func ct_cpuidle_exit()
    call ct_idle_exit()
    ret 0
.endfunc

; kernel/time/hrtimer.c hrtimer_nanosleep() -> do_nanosleep(): arm the task's wake-up, schedule()
; to the idle task; the timer's hrtimer_wakeup() makes the task runnable
.func sys_nanosleep(cycles)
    now = rdtsc
    expires = now + cycles
    store sleep.expires[this_cpu], expires     ; hrtimer_start_expires(&t->timer, mode)
    call hrtimer_reprogram()
    call do_idle()
    ret 0
.endfunc

; kernel/signal.c sys_pause(): sleep until a signal, which nothing here sends: the CPU idles,
; taking interrupts, until the run ends
.func sys_pause(arg)
    call do_idle()
    ret 0
.endfunc
