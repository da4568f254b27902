; The CPU stopper: kernel/stop_machine.c stop_one_cpu() and cpu_stopper_thread() (v6.6). A caller
; queues a function on a CPU's stopper, migration/N (sched.s TASK_STOPPER), wakes it and waits for
; it to have run: the way the kernel runs code on a given CPU with that CPU in a known state, in
; process context with nothing saved below it (task migration, runtime nohz_full), and
; stop_machine(), every CPU's stopper at once. The wake-up is the usual try_to_wake_up(): an IPI
; when the CPU is another one. The stopper's works list is one slot here, taken under
; stopper->lock; a second caller waits for the first to be done.

.equ ENOENT, 2
.percpu cpu_stopper.lock                       ; stopper->lock
.percpu cpu_stopper.fn                         ; the queued work: work->fn, 0 when none
.percpu cpu_stopper.arg                        ; work->arg
.percpu cpu_stopper.done                       ; done->completion: set once fn has run
.percpu cpu_stopper.ret                        ; done->ret

; kernel/stop_machine.c stop_one_cpu(cpu, fn, arg): returns what fn returned
.func stop_one_cpu(cpu, fn, arg)
    call cpu_stop_queue_work(cpu, fn, arg)
    jnz cpu != this_cpu, wait
    call schedule()                            ; wait_for_completion() sleeps: the stopper runs here first
    sti                                        ; schedule() returns with interrupts off
wait:
    r = call cpu_stop_wait(cpu)
    ret r
.endfunc

; kernel/stop_machine.c cpu_stop_queue_work(cpu, work): fn queued on the CPU's stopper, which is woken
.func cpu_stop_queue_work(cpu, fn, arg)
lock:
    old = xchg cpu_stopper.lock[cpu], 1        ; one caller's work at a time on this stopper
    jz old, queue
    call sleep_wait()
    jmp lock
queue:
    store cpu_stopper.done[cpu], 0             ; cpu_stop_init_done(&done, 1)
    store cpu_stopper.arg[cpu], arg
    store cpu_stopper.fn[cpu], fn              ; __cpu_stop_queue_work(): list_add_tail()
    mfence                                     ; try_to_wake_up(): smp_mb__after_spinlock() before p->__state
    call try_to_wake_up(cpu, TASK_STOPPER)     ; wake_up_q(&wakeq) -> wake_up_process(stopper->thread)
    ret 0
.endfunc

; One turn of a sleeping wait (wait_for_completion(), mutex_lock()): the threads woken on this CPU
; meanwhile run, its stopper among them, as they would while the waiter sleeps; else cpu_relax().
; Without it two CPUs stopping each other would each spin on a stopper that never runs.
.func sleep_wait()
    r = load need_resched[this_cpu]
    jz r, spin
    call schedule()
    sti
    ret 0
spin:
    pause
    ret 0
.endfunc

; wait_for_completion(&done.completion) for the work queued on `cpu`, then its slot is free: done.ret
.func cpu_stop_wait(cpu)
wait:
    done = load cpu_stopper.done[cpu]
    jnz done, out
    call sleep_wait()
    jmp wait
out:
    r = load cpu_stopper.ret[cpu]
    store cpu_stopper.lock[cpu], 0
    ret r
.endfunc

; kernel/stop_machine.c stop_machine(fn, data, cpumask_of(cpu)) -> stop_cpus() -> multi_cpu_stop()
; on every CPU: `fn` runs on `cpu` while every other CPU spins in its stopper with interrupts off,
; so no CPU is inside a preemption-disabled section (a deferral sender's ct->active test and its
; cmpxchg) across the call. Every CPU is woken for it: an IPI to each but this one.
.equ MULTI_STOP_PREPARE, 1                     ; enum multi_stop_state (MULTI_STOP_NONE = 0)
.equ MULTI_STOP_DISABLE_IRQ, 2
.equ MULTI_STOP_RUN, 3
.equ MULTI_STOP_EXIT, 4
.var stop_cpus_mutex                           ; stop_cpus_mutex
.var multi_stop.state                          ; struct multi_stop_data, one at a time
.var multi_stop.thread_ack
.var multi_stop.fn
.var multi_stop.arg
.var multi_stop.cpu                            ; the active CPU (cpumask_of(cpu))
.var multi_stop.ret

.func stop_machine(fn, arg, cpu)
lock:
    old = xchg stop_cpus_mutex, 1              ; mutex_lock(&stop_cpus_mutex)
    jz old, locked
    call sleep_wait()
    jmp lock
locked:
    store multi_stop.fn, fn
    store multi_stop.arg, arg
    store multi_stop.cpu, cpu
    store multi_stop.ret, 0
    store multi_stop.thread_ack, NR_CPUS       ; set_state(&msdata, MULTI_STOP_PREPARE): the ack count,
    store multi_stop.state, MULTI_STOP_PREPARE ; then the state
    c = 0
queue:                                         ; queue_stop_cpus_work(): every CPU's stopper
    call cpu_stop_queue_work(c, &multi_cpu_stop, 0)
    c = c + 1
    jnz c < NR_CPUS, queue
    call schedule()                            ; this CPU's own stopper takes part
    sti
    c = 0
wait:                                          ; wait_for_completion(&done.completion)
    call cpu_stop_wait(c)
    c = c + 1
    jnz c < NR_CPUS, wait
    r = load multi_stop.ret
    store stop_cpus_mutex, 0
    ret r
.endfunc

; kernel/stop_machine.c multi_cpu_stop(): every CPU steps through the states together; the last to
; acknowledge one (ack_state()) moves all of them to the next
.func multi_cpu_stop(unused)
    cur = 0                                    ; curstate = MULTI_STOP_NONE
loop:
    new = load multi_stop.state                ; newstate = READ_ONCE(msdata->state)
    jnz new != cur, changed
    pause                                      ; stop_machine_yield()
    jmp loop
changed:
    cur = new
    jnz cur != MULTI_STOP_DISABLE_IRQ, run
    cli                                        ; local_irq_disable(); hard_irq_disable()
run:
    jnz cur != MULTI_STOP_RUN, ack
    active = load multi_stop.cpu               ; is_active = cpumask_test_cpu(cpu, msdata->active_cpus)
    jnz active != this_cpu, ack
    fn = load multi_stop.fn
    arg = load multi_stop.arg
    r = call *fn(arg)                          ; err = msdata->fn(msdata->data)
    store multi_stop.ret, r
ack:
    n = atomic_add_return multi_stop.thread_ack, -1   ; ack_state(): atomic_dec_and_test(&msdata->thread_ack)
    jnz n, next
    store multi_stop.thread_ack, NR_CPUS       ; set_state(msdata, msdata->state + 1)
    new = cur + 1
    store multi_stop.state, new
next:
    jnz cur != MULTI_STOP_EXIT, loop
    sti                                        ; local_irq_restore(flags)
    ret 0
.endfunc

; kernel/stop_machine.c cpu_stopper_thread(cpu): run the queued work with preemption disabled, then
; cpu_stop_signal_done()
.func cpu_stopper_thread()
again:
    store kthread.state[this_cpu][TASK_STOPPER], TASK_INTERRUPTIBLE   ; smpboot_thread_fn(): set_current_state()
    mfence                                     ; (smp_store_mb) before the test: a waker that queues
    fn = load cpu_stopper.fn[this_cpu]         ; after it sees the state and queues the thread again
    jz fn, out                                 ; work = list_first_entry_or_null(&stopper->works, ...)
    store kthread.state[this_cpu][TASK_STOPPER], TASK_RUNNING   ; __set_current_state(TASK_RUNNING)
    store cpu_stopper.fn[this_cpu], 0          ; list_del_init(&work->list)
    arg = load cpu_stopper.arg[this_cpu]
    r = call *fn(arg)                          ; preempt_count_inc(); ret = fn(arg); preempt_count_dec()
    store cpu_stopper.ret[this_cpu], r         ; if (ret) done->ret = ret
    store cpu_stopper.done[this_cpu], 1        ; cpu_stop_signal_done(done)
    jmp again
out:
    ret 0
.endfunc
