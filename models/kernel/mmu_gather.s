; Page-table freeing: mm/mmu_gather.c (v6.6) tlb_remove_table_sync_one(), which makes sure no CPU
; still walks a page table about to be freed (software page-table walkers such as GUP-fast run
; with interrupts off, so an IPI to every CPU waits them out). Called from
; tlb_remove_table() when no memory is left for a batch, and from khugepaged's collapse
; (mm/khugepaged.c collapse_huge_page() / collapse_pte_mapped_thp()).

; mm/mmu_gather.c tlb_remove_table_smp_sync(): "Simply deliver the interrupt"
.func tlb_remove_table_smp_sync(info)
    ret 0
.endfunc

; mm/mmu_gather.c tlb_remove_table_sync_one(): smp_call_function(tlb_remove_table_smp_sync, NULL, 1)
; -> smp_call_function_many(cpu_online_mask, ...): every other CPU
; kernel/smp.c smp_call_function_many(mask, func, info, wait): smp_call_function_many_cond(mask,
; func, info, wait ? SCF_WAIT : 0, NULL): no SCF_RUN_LOCAL, so no local call
.func smp_call_function_many(mask, func, info, wait)
    scf_flags = wait & SCF_WAIT                ; wait ? SCF_WAIT : 0 (wait is 0 or 1)
    call smp_call_function_many_cond(mask, func, info, scf_flags, 0, &smp_call_function_many)
    ret 0
.endfunc

.func tlb_remove_table_sync_one()
    all = &cpu_online_mask[0]                  ; smp_call_function(): cpu_online_mask
    call smp_call_function_many(all, &tlb_remove_table_smp_sync, 0, 1)
    ret 0
.endfunc
