; Block interference read under SRCU: Marcelo Tosatti, "[patch 00/12] cpu isolation: infra to block
; interference to select CPUs", RFC v2, 2024-02-06 (lore 20240206184911.248214633@redhat.com):
; `idx = block_interf_srcu_read_lock(); ret = smp_call_function_single_fail(...);
; block_interf_srcu_read_unlock(idx);`, and a writer that updates the mask and waits for an SRCU
; grace period before its write returns. Replaces block_interf.s's lock functions and write when
; kernel.block_interf_lock is "srcu" (layer 1).
;
; SRCU is kernel/rcu/srcutree.c (v6.6) reduced to one srcu_data per CPU and the grace period's two
; phases run by the writer itself: wait for the readers of the inactive index, flip the index, wait
; for the readers of the index they used before (srcu_advance_state(), srcu_readers_active_idx_check()).

.var block_interf_srcu.idx                     ; ssp->srcu_idx
.var block_interf_srcu.mutex                   ; the writers' mutex (the debugfs write path)
.percpu block_interf_srcu.lock_count[2]        ; sdp->srcu_lock_count[idx]
.percpu block_interf_srcu.unlock_count[2]      ; sdp->srcu_unlock_count[idx]

; srcu_read_lock() -> __srcu_read_lock()
.func block_interf_read_lock()
    idx = load block_interf_srcu.idx           ; idx = READ_ONCE(ssp->srcu_idx) & 0x1
    idx = idx & 1
    n = load block_interf_srcu.lock_count[this_cpu][idx]
    n = n + 1
    store block_interf_srcu.lock_count[this_cpu][idx], n   ; this_cpu_inc(sdp->srcu_lock_count[idx])
    mfence                                     ; smp_mb(): B, avoid leaking the critical section
    ret idx
.endfunc

; srcu_read_unlock() -> __srcu_read_unlock()
.func block_interf_read_unlock(idx)
    mfence                                     ; smp_mb(): C, avoid leaking the critical section
    n = load block_interf_srcu.unlock_count[this_cpu][idx]
    n = n + 1
    store block_interf_srcu.unlock_count[this_cpu][idx], n ; this_cpu_inc(sdp->srcu_unlock_count[idx])
    ret 0
.endfunc

; srcu_readers_active_idx_check(ssp, idx): every reader that used `idx` has left
.func srcu_readers_active_idx_check(idx)
    unlocks = 0
    cpu = 0
u:
    n = load block_interf_srcu.unlock_count[cpu][idx]   ; srcu_readers_unlock_idx()
    unlocks = unlocks + n
    cpu = cpu + 1
    jnz cpu < NR_CPUS, u
    mfence                                     ; smp_mb(): A
    locks = 0
    cpu = 0
l:
    n = load block_interf_srcu.lock_count[cpu][idx]     ; srcu_readers_lock_idx()
    locks = locks + n
    cpu = cpu + 1
    jnz cpu < NR_CPUS, l
    ret locks == unlocks
.endfunc

; synchronize_srcu(&block_interf_srcu): a full grace period, run by the caller
.func synchronize_srcu()
    mfence                                     ; smp_mb() before the grace period
    cur = load block_interf_srcu.idx
    old = cur + 1                              ; phase 1: the inactive index drains
    old = old & 1
wait1:
    done = call srcu_readers_active_idx_check(old)
    jnz done, flip
    pause
    jmp wait1
flip:
    next = cur + 1
    store block_interf_srcu.idx, next          ; srcu_flip(): WRITE_ONCE(ssp->srcu_idx, ssp->srcu_idx + 1)
    mfence                                     ; smp_mb(): D
    prev = cur & 1                             ; phase 2: the index readers used until the flip
wait2:
    done = call srcu_readers_active_idx_check(prev)
    jnz done, over
    pause
    jmp wait2
over:
    mfence                                     ; smp_mb() after the grace period
    ret 0
.endfunc

; The debugfs write under RFC v2: the new mask, then a grace period, so that no reader that could
; see the old mask is still running when the write returns
.func sys_block_interf_write(mask)
lock:
    old = xchg block_interf_srcu.mutex, 1      ; mutex_lock()
    jz old, locked
    pause
    jmp lock
locked:
    blocked = &block_interf_cpumask[0]
    call cpumask_copy(blocked, mask)           ; cpumask_copy(block_interf_cpumask, new_mask)
    call synchronize_srcu()
    store block_interf_srcu.mutex, 0           ; mutex_unlock()
    trace block_interf_set(cpumask mask)
    ret 0
.endfunc
