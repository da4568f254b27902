; Per-CPU work items: kernel/workqueue.c queue_work_on() / flush_work() and the pool's worker
; (v6.6), with the two items of mm that isolated CPUs suffer, mm/vmstat.c vmstat_update() queued
; by vmstat_shepherd(), and mm/swap.c lru_add_drain_per_cpu() queued by lru_add_drain_all(). A
; bound pool's worklist is a word of pending item bits here (insert_work() under pool->lock is one
; atomic access); its worker is kworker/N (sched.s), woken by kick_pool().

.equ WORK_VMSTAT, 0x1                          ; per_cpu(vmstat_work, cpu)
.equ WORK_LRU_DRAIN, 0x2                       ; per_cpu(lru_add_drain_work, cpu)
.equ VMSTAT_UPDATE_CYCLES, 4000                ; calibration: refresh_cpu_vm_stats()
.equ LRU_DRAIN_CYCLES, 3000                    ; calibration: lru_add_drain_cpu() of a few batches

.percpu pool.worklist                          ; the bound pool's worklist: WORK_* bits pending

; kernel/workqueue.c queue_work_on(cpu, wq, work): test_and_set_bit(WORK_STRUCT_PENDING_BIT) then
; __queue_work() -> insert_work() and kick_pool() -> wake_up_process(worker->task)
.func queue_work_on(cpu, work)
    old = atomic_fetch_or pool.worklist[cpu], work
    jnz old & work, out                        ; already pending: nothing to do
    call try_to_wake_up(cpu, TASK_KWORKER)     ; kick_pool(): wake the idle worker
out:
    ret 0
.endfunc

; kernel/workqueue.c flush_work(work): wait until the item has run (its pending bit cleared); the
; flusher sleeps meanwhile, so on its own CPU the worker runs first
.func flush_work(cpu, work)
    jnz cpu != this_cpu, wait
    call schedule()
wait:
    pending = load pool.worklist[cpu]
    jz pending & work, done
    pause
    jmp wait
done:
    ret 0
.endfunc

; kernel/workqueue.c worker_thread() -> process_one_work(): take every pending item, run it
.func worker_thread()
again:
    work = load pool.worklist[this_cpu]
    jz work, out
    jz work & WORK_VMSTAT, lru
    atomic_andnot pool.worklist[this_cpu], WORK_VMSTAT   ; set_work_pool_and_clear_pending()
    trace workqueue_execute_start(&vmstat_update)
    call vmstat_update()
    trace workqueue_execute_end(&vmstat_update)
    jmp again
lru:
    atomic_andnot pool.worklist[this_cpu], WORK_LRU_DRAIN
    trace workqueue_execute_start(&lru_add_drain_per_cpu)
    call lru_add_drain_per_cpu()
    trace workqueue_execute_end(&lru_add_drain_per_cpu)
    jmp again
out:
    ret 0
.endfunc

; mm/vmstat.c vmstat_update(): fold this CPU's counter differentials into the global ones
.func vmstat_update()
    compute VMSTAT_UPDATE_CYCLES               ; refresh_cpu_vm_stats(true)
    ret 0
.endfunc

; mm/swap.c lru_add_drain_per_cpu() -> lru_add_drain(): this CPU's folio batches to the LRU lists
.func lru_add_drain_per_cpu()
    compute LRU_DRAIN_CYCLES
    ret 0
.endfunc

; mm/vmstat.c vmstat_shepherd() (v6.6), every sysctl_stat_interval on a housekeeping CPU: queue
; vmstat_update on every CPU of `mask` (for_each_online_cpu() with per-CPU differentials to fold,
; need_update(cpu), which the scenario says by listing it) but the isolated ones: since v6.3
; ("mm/vmstat: skip periodic vmstat update for isolated CPUs", Marcelo Tosatti) cpu_is_isolated(cpu),
; true for a nohz_full CPU (not in HK_TYPE_TICK), skips it
.func vmstat_shepherd(mask)
    cpu = -1
loop:
    cpu = call cpumask_next(cpu, mask)         ; for_each_cpu(cpu, mask)
    jnz cpu >= NR_CPUS, done
    isolated = load tick.nohz_full[cpu]        ; if (cpu_is_isolated(cpu)) continue
    jnz isolated, skip
    call queue_work_on(cpu, WORK_VMSTAT)       ; queue_delayed_work_on(cpu, mm_percpu_wq, dw, 0)
    jmp loop
skip:
    trace ipi_avoided(cpu, &vmstat_update, IPI_AVOIDED_ISOLATED)
    jmp loop
done:
    ret 0
.endfunc

; mm/swap.c __lru_add_drain_all(false) (v6.6): queue the drain on every CPU of `mask` (those with
; folios in their batches, cpu_needs_drain(cpu)), then flush_work() each
.func lru_add_drain_all(mask)
    cpu = -1
queue:
    cpu = call cpumask_next(cpu, mask)         ; for_each_cpu(cpu, &has_work)
    jnz cpu >= NR_CPUS, queued
    call queue_work_on(cpu, WORK_LRU_DRAIN)
    jmp queue
queued:
    cpu = -1
flush:
    cpu = call cpumask_next(cpu, mask)         ; for_each_cpu(cpu, &has_work)
    jnz cpu >= NR_CPUS, done
    call flush_work(cpu, WORK_LRU_DRAIN)
    jmp flush
done:
    ret 0
.endfunc
