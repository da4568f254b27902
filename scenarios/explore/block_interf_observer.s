; block_interf.json's tasks, and an observation of the callback: whether the write that blocked its
; CPU had returned when it ran (models/kernel/block_interf.s)
.var returned                                  ; cpu0's write of the mask returned
.var late                                      ; the callback ran after that
.var blocked_cpus[NR_CPUMASK_LONGS] = {0x4}    ; the cpumask user space writes: cpu2

.func writer()
    mask = &blocked_cpus[0]
    syscall entry_SYSCALL_64(&sys_block_interf_write, mask)   ; block cpu2
    store returned, 1
    ret 0
.endfunc

.func unbinder()
    syscall entry_SYSCALL_64(&sys_clockevents_unbind, 2)
    ret 0
.endfunc

; kernel/time/clockevents.c __clockevents_unbind(), run on cpu2 by the IPI, observed
.func __clockevents_unbind(arg)
    r = load returned
    store late, r
    ret 0
.endfunc
