; The CPU stopper: kernel/stop_machine.c stop_one_cpu() and cpu_stopper_thread() (v6.6). A caller
; queues a function on a CPU's stopper, migration/N (sched.s TASK_STOPPER), wakes it and waits for
; it to have run: the way the kernel runs code on a given CPU with that CPU in a known state, in
; process context with nothing saved below it (task migration, runtime nohz_full). The wake-up is
; the usual try_to_wake_up(): an IPI when the CPU is another one. The stopper's works list is one
; slot here, taken under stopper->lock; a second caller waits for the first to be done.

.equ ENOENT, 2
.percpu cpu_stopper.lock                       ; stopper->lock
.percpu cpu_stopper.fn                         ; the queued work: work->fn, 0 when none
.percpu cpu_stopper.arg                        ; work->arg
.percpu cpu_stopper.done                       ; done->completion: set once fn has run
.percpu cpu_stopper.ret                        ; done->ret

; kernel/stop_machine.c stop_one_cpu(cpu, fn, arg): returns what fn returned
.func stop_one_cpu(cpu, fn, arg)
lock:
    old = xchg cpu_stopper.lock[cpu], 1        ; one caller's work at a time on this stopper
    jz old, queue
    pause
    jmp lock
queue:
    store cpu_stopper.done[cpu], 0             ; cpu_stop_init_done(&done, 1)
    store cpu_stopper.arg[cpu], arg
    store cpu_stopper.fn[cpu], fn              ; cpu_stop_queue_work() -> __cpu_stop_queue_work(): list_add_tail()
    call try_to_wake_up(cpu, TASK_STOPPER)     ; wake_up_q(&wakeq) -> wake_up_process(stopper->thread)
    jnz cpu != this_cpu, wait
    call schedule()                            ; wait_for_completion() sleeps: the stopper runs here first
wait:
    done = load cpu_stopper.done[cpu]          ; wait_for_completion(&done.completion)
    jnz done, out
    pause
    jmp wait
out:
    r = load cpu_stopper.ret[cpu]              ; return done.ret
    store cpu_stopper.lock[cpu], 0
    ret r
.endfunc

; kernel/stop_machine.c cpu_stopper_thread(cpu): run the queued work with preemption disabled, then
; cpu_stop_signal_done()
.func cpu_stopper_thread()
    fn = load cpu_stopper.fn[this_cpu]         ; work = list_first_entry_or_null(&stopper->works, ...)
    jz fn, out
    store cpu_stopper.fn[this_cpu], 0          ; list_del_init(&work->list)
    arg = load cpu_stopper.arg[this_cpu]
    r = call *fn(arg)                          ; preempt_count_inc(); ret = fn(arg); preempt_count_dec()
    store cpu_stopper.ret[this_cpu], r         ; if (ret) done->ret = ret
    store cpu_stopper.done[this_cpu], 1        ; cpu_stop_signal_done(done)
out:
    ret 0
.endfunc
