; cpu0's task for scenarios/examples/cpu_opv.json: a per-CPU counter of its isolated neighbour cpu2
; updated with cpu_opv (seed 004), as rseq's fallback would, then the calls the kernel refuses.
; Each call's return value is kept in results[n] (the block's word 4: isolsim's rax).
.var counter[4]                                ; a per-CPU counter array in user memory
.var zero
.var opv[68]                                   ; up to 17 struct cpu_op of 4 words
.var desc[5]                                   ; ucpuopv, cpuopcnt, cpu, flags, the return value
.var results[6]

; opv[i] = {op, len, x, y}
.func opv_set(i, op, len, x, y)
    p = &opv[0]
    i = i * 4
    p = p + i
    store [p], op
    store [p + 1], len
    store [p + 2], x
    store [p + 3], y
    ret 0
.endfunc

; cpu_opv(opv, cnt, cpu, 0), its return value kept in results[n]
.func opv_run(cnt, cpu, n)
    v = &opv[0]
    store desc[0], v
    store desc[1], cnt
    store desc[2], cpu
    store desc[3], 0
    d = &desc[0]
    syscall entry_SYSCALL_64(&sys_cpu_opv, d)
    r = load desc[4]
    p = &results[0]
    p = p + n
    store [p], r
    ret 0
.endfunc

; user mode until cycle t
.func wait_until(t)
    now = rdtsc
    jnz now >= t, out
    left = t - now
    compute left
out:
    ret 0
.endfunc

.func cpu_opv_task()
    c2 = &counter[2]
    z = &zero
    call opv_set(0, CPU_COMPARE_EQ_OP, 8, c2, z)   ; if (counter[2] == 0)
    call opv_set(1, CPU_ADD_OP, 8, c2, 1)          ;     counter[2] += 1, on cpu2
    call wait_until(300000)
    call opv_run(2, 2, 0)                          ; 0
    call wait_until(600000)
    call opv_run(2, 2, 1)                          ; the compare fails: 1 (op 1), nothing added
    call opv_run(17, 2, 2)                         ; more than 16 ops: -EINVAL
    call opv_set(0, CPU_MEMCPY_OP, 8192, c2, z)
    call opv_run(1, 2, 3)                          ; a memcpy longer than 4096 bytes: -EINVAL
    call opv_set(0, CPU_ADD_OP, 8, c2, 1)
    call wait_until(900000)
    call opv_run(1, 2, 4)                          ; cpu1 takes cpu2 out of our mask meanwhile: -EAGAIN
    call opv_run(1, 2, 5)                          ; cpu2 is not allowed any more: -EINVAL
    ret 0
.endfunc
