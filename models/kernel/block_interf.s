; Block interference (seed 000): Marcelo Tosatti, "[RFC PATCH 0/7] cpu isolation: infra to block
; interference to select CPUs", 2022-09-08 (lore 20220908192859.546633738@redhat.com). 1/7 "cpu
; isolation: basic block interference infrastructure": block_interf_cpumask, written from user space
; (debugfs block_interf_cpumask), read under DEFINE_STATIC_PERCPU_RWSEM(block_interf_lock); the
; `_fail` variants of the remote-execution calls, and the callers the RFC converts, which return
; -EPERM to the calling task instead of interrupting a blocked CPU. Not merged.
;
; The lock is kernel/locking/percpu-rwsem.c (v6.0). Its readers take the fast path (a bare per-CPU
; increment) while rcu_sync says no writer is around, which rests on the RCU grace period of the
; writer's rcu_sync_enter(); isolsim's readers always take the path a reader takes once a writer
; came, __percpu_down_read_trylock(): the fast path's accesses plus smp_mb() and the test of `block`.

.equ EPERM, 1
.equ ERR_EPERM, 0xffffffffffffffff            ; -EPERM as the system call returns it
.equ IPI_AVOIDED_BLOCKED, 3                    ; ipi_avoided() reason: the CPU blocks interference

.var block_interf_cpumask[NR_CPUMASK_LONGS]   ; cpumask_var_t block_interf_cpumask
.var block_interf_lock.block                   ; sem->block
.percpu block_interf_lock.read_count           ; *sem->read_count

; percpu_down_read(&block_interf_lock) -> __percpu_down_read(sem, false)
; Returns what block_interf_read_unlock() takes back (the SRCU index in block_interf_srcu.s; 0 here).
.func block_interf_read_lock()
again:
    n = load block_interf_lock.read_count[this_cpu]
    n = n + 1
    store block_interf_lock.read_count[this_cpu], n   ; this_cpu_inc(*sem->read_count)
    mfence                                     ; smp_mb(): A matches D
    blocked = load block_interf_lock.block     ; if (likely(!atomic_read_acquire(&sem->block))) return true
    jnz blocked, writer
    ret 0
writer:
    n = load block_interf_lock.read_count[this_cpu]
    n = n - 1
    store block_interf_lock.read_count[this_cpu], n   ; this_cpu_dec(); rcuwait_wake_up(&sem->writer)
wait:                                          ; percpu_rwsem_wait(): sleep until the writer is done
    blocked = load block_interf_lock.block
    jz blocked, again
    pause
    jmp wait
.endfunc

; percpu_up_read(&block_interf_lock), its path while a writer may be around
.func block_interf_read_unlock(idx)
    mfence                                     ; smp_mb(): B matches C
    n = load block_interf_lock.read_count[this_cpu]
    n = n - 1
    store block_interf_lock.read_count[this_cpu], n   ; this_cpu_dec(*sem->read_count)
    ret 0
.endfunc

; percpu_down_write(&block_interf_lock): one writer at a time, then wait for every reader to leave
.func block_interf_write_lock()
lock:
    old = xchg block_interf_lock.block, 1      ; __percpu_down_write_trylock(): atomic_xchg(&sem->block, 1)
    jz old, readers
    pause                                      ; another writer holds it: percpu_rwsem_wait()
    jmp lock
readers:                                       ; rcuwait_wait_event(&sem->writer, readers_active_check(sem))
    sum = 0
    cpu = 0
count:
    n = load block_interf_lock.read_count[cpu] ; per_cpu_sum(*sem->read_count)
    sum = sum + n
    cpu = cpu + 1
    jnz cpu < NR_CPUS, count
    jz sum, done
    pause
    jmp readers
done:
    mfence                                     ; smp_mb(): C matches B
    ret 0
.endfunc

; percpu_up_write(&block_interf_lock)
.func block_interf_write_unlock()
    store block_interf_lock.block, 0           ; atomic_set_release(&sem->block, 0)
    ret 0
.endfunc

; block_interf_cpu(cpu): cpumask_test_cpu(cpu, block_interf_cpumask), under the read lock
.func block_interf_cpu(cpu)
    blocked = &block_interf_cpumask[0]
    ret = call cpumask_test_cpu(cpu, blocked)
    ret ret
.endfunc

; The debugfs file's write (block_interf_cpumask_write()): user space sets the mask (`mask` points
; at the cpumask its cpulist parses to). isolsim's tracepoint block_interf_set(mask) marks the
; return of the write: from then on no interference may reach those CPUs.
.func sys_block_interf_write(mask)
    call block_interf_write_lock()
    blocked = &block_interf_cpumask[0]
    call cpumask_copy(blocked, mask)           ; cpumask_copy(block_interf_cpumask, new_mask)
    call block_interf_write_unlock()
    trace block_interf_set(cpumask mask)
    ret 0
.endfunc

; 2/7 smp_call_function_single_fail(cpu, func, info, wait): -EPERM, no IPI, for a blocked CPU;
; callers hold the read lock
.func smp_call_function_single_fail(cpu, func, info, wait)
    blocked = call block_interf_cpu(cpu)
    jnz blocked, refuse
    call smp_call_function_single(cpu, func, info, wait)
    ret 0
refuse:
    trace ipi_avoided(cpu, func, IPI_AVOIDED_BLOCKED)
    ret ERR_EPERM
.endfunc

; stop_machine_fail(fn, data, cpus): -EPERM when a blocked CPU is online (cpumask_intersects(
; block_interf_cpumask, cpu_online_mask)); otherwise stop_machine(), every CPU's stopper running
; `fn` (modelled as the cross-call that starts them: the stopper threads are not)
.func stop_machine_fail(fn)
    blocked = &block_interf_cpumask[0]
    all = &cpu_online_mask[0]
    meets = call cpumask_intersects(blocked, all)
    jnz meets, refuse
    call smp_call_function_many_cond(all, fn, 0, SCF_RUN_LOCAL | SCF_WAIT, 0, &stop_machine_fail)
    ret 0
refuse:
    call block_interf_avoided(all, fn)
    ret ERR_EPERM
.endfunc

; isolsim: ipi_avoided() for every other CPU of `mask`, which a refused call would have interrupted
.func block_interf_avoided(mask, fn)
    cpu = -1
each:
    cpu = call cpumask_next(cpu, mask)
    jnz cpu >= NR_CPUS, done
    jz cpu != this_cpu, each
    trace ipi_avoided(cpu, fn, IPI_AVOIDED_BLOCKED)
    jmp each
done:
    ret 0
.endfunc

; The converted callers, as system calls of the task that asks

.equ CLOCKEVENTS_UNBIND_CYCLES, 2000           ; calibration: __clockevents_unbind() swapping the device

; kernel/time/clockevents.c __clockevents_unbind(arg), on the target CPU
.func __clockevents_unbind(arg)
    compute CLOCKEVENTS_UNBIND_CYCLES
    ret 0
.endfunc

; 3/7 kernel/time/clockevents.c clockevents_unbind(ced, cpu), from sysfs unbind_device
.func sys_clockevents_unbind(cpu)
    idx = call block_interf_read_lock()
    ret = call smp_call_function_single_fail(cpu, &__clockevents_unbind, 0, 1)
    call block_interf_read_unlock(idx)
    trace syscall_result(&sys_clockevents_unbind, ret)
    ret ret
.endfunc

; 5/7 kernel/events/core.c perf_event_open(..., cpu, ...) on a blocked CPU: -EPERM before the event
; is installed there (perf_install_in_context() -> cpu_function_call() ->
; smp_call_function_single(cpu, remote_function, ...))
.func __perf_install_in_context(info)
    compute 800                                ; calibration: adding the event to the CPU's context
    ret 0
.endfunc

.func sys_perf_event_open(cpu)
    idx = call block_interf_read_lock()
    blocked = call block_interf_cpu(cpu)
    jnz blocked, refuse
    call smp_call_function_single(cpu, &__perf_install_in_context, 0, 1)
    call block_interf_read_unlock(idx)
    trace syscall_result(&sys_perf_event_open, 0)
    ret 0
refuse:
    call block_interf_read_unlock(idx)
    trace ipi_avoided(cpu, &__perf_install_in_context, IPI_AVOIDED_BLOCKED)
    trace syscall_result(&sys_perf_event_open, ERR_EPERM)
    ret ERR_EPERM
.endfunc

; 6/7 arch/x86/kernel/cpu/mtrr: a /proc/mtrr write -> mtrr_add_page() -> set_mtrr() ->
; stop_machine_fail(mtrr_rendezvous_handler, &data, cpu_online_mask)
.func mtrr_rendezvous_handler(info)
    compute 1500                               ; calibration: the MTRR update with caches flushed
    ret 0
.endfunc

.func sys_mtrr_write(arg)
    idx = call block_interf_read_lock()
    ret = call stop_machine_fail(&mtrr_rendezvous_handler)
    call block_interf_read_unlock(idx)
    trace syscall_result(&sys_mtrr_write, ret)
    ret ret
.endfunc

; The cover's point 2, the mask-intersection pattern, for a caller that cannot fail halfway: e.g.
; RFC v2's rdmsr_on_cpus() (arch/x86/lib/msr-smp.c): refuse when the target mask meets the blocked
; one, else interrupt them all
.func __rdmsr_on_cpu(info)
    compute 200
    ret 0
.endfunc

.func sys_rdmsr_on_cpus(mask)
    idx = call block_interf_read_lock()
    blocked = &block_interf_cpumask[0]
    meets = call cpumask_intersects(mask, blocked)
    jnz meets, refuse                          ; cpumask_intersects(mask, block_interf_cpumask)
    call smp_call_function_many_cond(mask, &__rdmsr_on_cpu, 0, SCF_RUN_LOCAL | SCF_WAIT, 0, &on_each_cpu_cond_mask)
    call block_interf_read_unlock(idx)
    trace syscall_result(&sys_rdmsr_on_cpus, 0)
    ret 0
refuse:
    call block_interf_read_unlock(idx)
    call block_interf_avoided(mask, &__rdmsr_on_cpu)
    trace syscall_result(&sys_rdmsr_on_cpus, ERR_EPERM)
    ret ERR_EPERM
.endfunc
