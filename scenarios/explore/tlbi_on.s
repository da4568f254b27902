; flush_tlb_kernel_range()'s kernel TLB flush, sent to the CPUs of `mask` (a struct cpumask) only: the same kernel
; path (on_each_cpu_cond_mask with the protocol's TLBI deferral as cond_func, waiting), with fewer
; CPUs to interleave. Called as a system call from the explore scenarios' workloads.
.func sys_flush_tlb_on(mask)
    req = request                              ; isolsim: a new request id for the ledger
    cond = 0
    jz DEFER_TLBI, go
    cond = &do_kernel_flush_defer_cond
go:
    call on_each_cpu_cond_mask(cond, &do_flush_tlb_all, req, 1, mask)
    ret 0
.endfunc
