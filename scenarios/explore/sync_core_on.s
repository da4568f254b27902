; text_poke_sync()'s cross-CPU sync_core, sent to the CPUs of `mask` (a struct cpumask) only: the same kernel path
; (on_each_cpu_cond_mask with the protocol's deferral as cond_func, waiting), with fewer CPUs to
; interleave. Called as a system call from the explore scenarios' workloads.
.func sys_sync_core_on(mask)
    req = request                              ; isolsim: a new request id for the ledger
    cond = 0
    jz DEFER_SYNC_CORE, go
    cond = &do_sync_core_defer_cond
go:
    call on_each_cpu_cond_mask(cond, &do_sync_core, req, 1, mask)
    ret 0
.endfunc
