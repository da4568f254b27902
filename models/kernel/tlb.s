; Kernel TLB flushes: arch/x86/mm/tlb.c flush_tlb_kernel_range() (v6.6: a range past
; tlb_single_page_flush_ceiling flushes everything, on_each_cpu(do_flush_tlb_all, NULL, 1)), and
; the deferral series' flush_tlb_kernel_range_deferrable() (RFC v1 to v4, for vmalloc):
; on_each_cpu_cond(do_kernel_flush_defer_cond, ...), which defers CT_WORK_TLBI to the target's next
; kernel entry, where arch_context_tracking_work() runs __flush_tlb_all_noinstr(). The flush itself
; is a stub of calibrated cost; its callers in the kernel are for the interference sources to add.

.equ TLB_FLUSH_CYCLES, 300                     ; __flush_tlb_all(): CR4.PGE toggled twice (calibration)

; arch/x86/mm/tlb.c do_flush_tlb_all(info): `info` is NULL in the kernel; isolsim passes the request
; id through it, as do_sync_core() does, so that the ledger knows which request it serves
.func do_flush_tlb_all(info)
    compute TLB_FLUSH_CYCLES @callback(TLBI_WORK_BITS, info)   ; __flush_tlb_all()
    ret 0
.endfunc

; arch/x86/include/asm/tlbflush.h __flush_tlb_all_noinstr() (RFC v1 to v4): the deferred work
.func __flush_tlb_all_noinstr()
    compute TLB_FLUSH_CYCLES @callback(TLBI_WORK_BITS, 0)
    ret 0
.endfunc

; arch/x86/mm/tlb.c do_kernel_flush_defer_cond() of the series: IPI only if the work could not be
; deferred
.func do_kernel_flush_defer_cond(cpu, info)
    deferred = call ct_set_cpu_work(cpu, CT_WORK_TLBI)
    jz deferred, ipi
    trace ct_work_deferred(cpu, CT_WORK_TLBI, &do_flush_tlb_all)  ; isolsim tracepoint: the deferral decision
    ret 0
ipi:
    ret 1
.endfunc

; arch/x86/mm/tlb.c flush_tlb_kernel_range() for a whole-TLB flush; with a protocol that defers
; it, flush_tlb_kernel_range_deferrable()
.func flush_tlb_kernel_range()
    req = request                              ; isolsim: a new request id for the ledger
    cond = 0
    jz DEFER_TLBI, go
    cond = &do_kernel_flush_defer_cond
go:
    all = &cpu_online_mask[0]                  ; on_each_cpu(): cpu_online_mask
    call smp_call_function_many_cond(all, &do_flush_tlb_all, req, SCF_RUN_LOCAL | SCF_WAIT, cond, &on_each_cpu_cond_mask)
    ret 0
.endfunc

; mm/vmalloc.c __purge_vmap_area_lazy() (v6.6): lazily freed vmalloc areas are purged in one go,
; flush_tlb_kernel_range(start, end) over their span (past tlb_single_page_flush_ceiling, a whole
; flush)
.func __purge_vmap_area_lazy()
    call flush_tlb_kernel_range()
    ret 0
.endfunc

; A system call whose work frees vmalloc space: vfree() -> ... -> __purge_vmap_area_lazy() ->
; flush_tlb_kernel_range()
.func sys_vfree(arg)
    call flush_tlb_kernel_range()
    ret 0
.endfunc
