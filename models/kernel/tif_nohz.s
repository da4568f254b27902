; The TIF_NOHZ entry (seed 001's alternative to the static key): context tracking called from the
; system-call slow path of every task that has TIF_NOHZ, as arch/x86 did before its common entry
; code (arch/x86/entry/common.c syscall_trace_enter(): `if (work & _TIF_NOHZ) { user_exit(); ... }`,
; v4.2) and other architectures until kernel/entry/common.c replaced it (x86's TIF_NOHZ was removed
; in v5.10, "x86: Remove TIF_NOHZ"). kernel/context_tracking.c context_tracking_cpu_set() sets it on
; init_task, so every task inherits it once any CPU is nohz_full: "Need to get rid of that in order
; not to trigger syscall slowpath on CPUs that don't want nohz_full. Also we don't want to iterate
; all threads and clear the flag when the last nohz_full CPU exits nohz_full mode" (Frederic,
; seed 001). So every CPU's system calls pay the slow path, and the flag is never cleared.
; Interrupts keep entry.s's path. Loaded at layer 2, over sched_entry.s's entry_SYSCALL_64, when
; kernel.context_tracking_entry is "tif_nohz".

.equ TIF_NOHZ, 0x80000                         ; arch/x86/include/asm/thread_info.h: bit 19
.equ SYSCALL_SLOWPATH_CYCLES, 60               ; calibration: the slow path's other work tests
                                               ; (seccomp, audit, tracehook), and pt_regs saved whole
.percpu current.flags = CONTEXT_TRACKING_ENABLED * TIF_NOHZ   ; current_thread_info()->flags

; arch/x86/entry/entry_64.S entry_SYSCALL_64 -> do_syscall_64(), with the slow path on both sides
.func entry_SYSCALL_64(body, arg)
    work = load current.flags[this_cpu]        ; work = READ_ONCE(ti->flags) & _TIF_WORK_SYSCALL_ENTRY
    jz work & TIF_NOHZ, fast
    compute SYSCALL_SLOWPATH_CYCLES            ; syscall_trace_enter()
    call enter_from_user_mode()                ; user_exit(): if (context_tracking_is_enabled())
fast:
    sti
    call *body(arg)
    cli
    call exit_to_user_mode_prepare()
    work = load current.flags[this_cpu]        ; syscall_return_slowpath(): _TIF_WORK_SYSCALL_EXIT
    jz work & TIF_NOHZ, out
    compute SYSCALL_SLOWPATH_CYCLES            ; syscall_slow_exit_work()
    call exit_to_user_mode()                   ; user_enter() on the way out (prepare_exit_to_usermode())
out:
    sysret
.endfunc

; kernel/context_tracking.c context_tracking_cpu_set() at run time: the flag on every task (each
; CPU's user task here; kernel threads never return to user mode)
.func tif_nohz_set_all()
    cpu = 0
loop:
    atomic_or current.flags[cpu], TIF_NOHZ     ; set_tsk_thread_flag(t, TIF_NOHZ) for_each_process_thread()
    cpu = cpu + 1
    jnz cpu < NR_CPUS, loop
    ret 0
.endfunc
