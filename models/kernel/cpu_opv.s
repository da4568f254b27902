; cpu_opv (seed 004): Mathieu Desnoyers, "[RFC PATCH for 4.15 09/14] Provide cpu_opv system call"
; (2017-10-12; kernel/cpu_opv.c of compudj/linux-percpu-dev, and push_task_to_cpu() in
; kernel/sched/core.c), never merged (facts.md 5.3). A vector of at most 16 operations on user
; memory run on a given CPU with preemption off, the calling task pushed there first. What an
; isolated CPU sees of it: push_task_to_cpu() runs migration_cpu_stop() on the task's own CPU's
; stopper, which moves it to the destination's runqueue and reschedules the destination (an IPI),
; where the task then runs its operations with preemption off. isolsim's tasks own their CPU, so
; the destination's own stopper (migration/N, woken by the same kind of IPI) stands in for the
; arriving task: a thread that preempts the isolated task for the operations' duration. The
; caller waits, and its task is back home when the call returns; in the kernel it would stay on
; the destination until the load balancer moved it, a longer visit.
; Memory is 8-byte words: a byte length covers whole words and the last one in part.
; Loaded at layer 1 (with sched_entry.s) when a workload calls cpu_opv (KernelConfig::cpu_opv).
;
; The argument is a user-space block of words, isolsim's stand-in for the four system-call
; registers and rax: [0] ucpuopv, [1] cpuopcnt, [2] cpu, [3] flags, [4] where the call writes its
; return value. Each struct cpu_op is 4 words: op, len, then u's two fields (compare a, b; memcpy
; dst, src; arithmetic p, count; bitwise p, mask; shift p, bits).

.equ CPU_COMPARE_EQ_OP, 0                      ; include/uapi/linux/cpu_opv.h enum cpu_op_type
.equ CPU_COMPARE_NE_OP, 1
.equ CPU_MEMCPY_OP, 2
.equ CPU_ADD_OP, 3
.equ CPU_OR_OP, 4
.equ CPU_AND_OP, 5
.equ CPU_XOR_OP, 6
.equ CPU_LSHIFT_OP, 7
.equ CPU_RSHIFT_OP, 8
.equ CPU_MB_OP, 9
.equ CPU_OP_VEC_LEN_MAX, 16
.equ CPU_OP_DATA_LEN_MAX, 4096
.equ CPU_OP_VEC_DATA_LEN_MAX, 4216             ; 4096 + 15 * 8
.equ CPU_OP_WORDS, 4                           ; sizeof(struct cpu_op) / 8
.equ OPV_RESULT, 4                             ; isolsim: the block's return-value word

.percpu current.cpus_allowed[NR_CPUMASK_LONGS] ; current->cpus_allowed of each CPU's task (boot.cpp: all CPUs)
.percpu cpu_opv.ops                            ; the vector a task pushed to another CPU runs there
.percpu cpu_opv.cnt

; kernel/cpu_opv.c SYSCALL_DEFINE4(cpu_opv, ucpuopv, cpuopcnt, cpu, flags)
.func sys_cpu_opv(args)
    ops = load [args]
    cnt = load [args + 1]
    cpu = load [args + 2]
    flags = load [args + 3]
    r = ERR_EINVAL
    jnz flags, out                             ; if (unlikely(flags)) return -EINVAL
    jnz cpu >= NR_CPUS, out                    ; cpu_possible(cpu)
    jnz cnt > CPU_OP_VEC_LEN_MAX, out          ; cpuopcnt > CPU_OP_VEC_LEN_MAX
    r = call cpu_opv_check(ops, cnt)
    jnz r, out
    allowed = &current.cpus_allowed[this_cpu][0]
    ok = call cpumask_test_cpu(cpu, allowed)   ; push_task_to_cpu(): !cpumask_test_cpu(dest_cpu, &p->cpus_allowed)
    r = ERR_EINVAL
    jz ok, out
    jnz cpu != this_cpu, push
    r = call __do_cpu_opv(ops, cnt)            ; already there: preempt_disable(), the vector, preempt_enable()
    jmp out
push:
    store cpu_opv.ops[this_cpu], ops
    store cpu_opv.cnt[this_cpu], cnt
    r = call stop_one_cpu(cpu, &cpu_opv_pushed, this_cpu)
out:
    store [args + OPV_RESULT], r
    trace syscall_result(&sys_cpu_opv, r)
    ret r
.endfunc

; The task on its new CPU (do_cpu_opv() after push_task_to_cpu()): preempt_disable(), then
; `if (cpu != smp_processor_id()) -EAGAIN`: an affinity change that no longer allows this CPU moved
; it away before preemption was off
.func cpu_opv_pushed(from)
    trace sched_migrate_task(from, this_cpu)   ; isolsim tracepoint: the pushed task arrives
    allowed = &current.cpus_allowed[from][0]
    ok = call cpumask_test_cpu(this_cpu, allowed)
    jz ok, eagain
    ops = load cpu_opv.ops[from]
    cnt = load cpu_opv.cnt[from]
    r = call __do_cpu_opv(ops, cnt)
    ret r
eagain:
    ret ERR_EAGAIN
.endfunc

; kernel/cpu_opv.c cpu_opv_check(): every op known, compare and memcpy at most 4096 bytes,
; arithmetic 1, 2, 4 or 8 (a shift by less than the width), and the sum of lengths bounded
.func cpu_opv_check(ops, cnt)
    i = 0
    sum = 0
    jz cnt, ok
next:
    p = i * CPU_OP_WORDS
    p = ops + p
    op = load [p]
    len = load [p + 1]
    jnz op > CPU_MB_OP, einval
    jnz op == CPU_MB_OP, counted
    sum = sum + len
counted:
    jnz op > CPU_MEMCPY_OP, arith
    jnz len > CPU_OP_DATA_LEN_MAX, einval
    jmp step
arith:
    jz op != CPU_MB_OP, step                   ; CPU_MB_OP has no length
    jnz len == 1, width
    jnz len == 2, width
    jnz len == 4, width
    jnz len == 8, width
    jmp einval
width:
    jnz op < CPU_LSHIFT_OP, step
    bits = load [p + 3]                        ; op->u.shift_op.bits: at most 8 * len - 1
    max = len * 8
    jnz bits >= max, einval
step:
    i = i + 1
    jnz i < cnt, next
    jnz sum > CPU_OP_VEC_DATA_LEN_MAX, einval
ok:
    ret 0
einval:
    ret ERR_EINVAL
.endfunc

; kernel/cpu_opv.c __do_cpu_opv(): 0, or the index + 1 of the comparison that stopped the vector
.func __do_cpu_opv(ops, cnt)
    i = 0
    jz cnt, done
next:
    p = i * CPU_OP_WORDS
    p = ops + p
    op = load [p]
    len = load [p + 1]
    x = load [p + 2]
    y = load [p + 3]
    jnz op > CPU_MEMCPY_OP, arith
    jz op == CPU_MEMCPY_OP, compare
    call cpu_op_memcpy(x, y, len)
    jmp step
compare:
    same = call cpu_op_compare(x, y, len)
    jz op == CPU_COMPARE_EQ_OP, ne
    jz same, stop                              ; CPU_COMPARE_EQ_OP: stop if they differ
    jmp step
ne:
    jnz same, stop                             ; CPU_COMPARE_NE_OP: stop if identical
    jmp step
arith:
    jz op == CPU_MB_OP, fn
    mfence                                     ; smp_mb()
    jmp step
fn:
    call cpu_op_fn(op, x, y, len)              ; do_cpu_op_fn(op_*_fn, p, v, len)
step:
    i = i + 1
    jnz i < cnt, next
done:
    ret 0
stop:
    i = i + 1
    ret i
.endfunc

; The bytes of a word's first `len` bytes (len 1..8)
.func byte_mask(len)
    jnz len >= 8, all
    bits = len * 8
    m = 1 << bits
    m = m - 1
    ret m
all:
    ret 0xffffffffffffffff
.endfunc

; do_cpu_op_compare(a, b, len): 1 when the `len` bytes are equal
.func cpu_op_compare(a, b, len)
loop:
    jz len, equal
    m = call byte_mask(len)
    va = load [a]
    vb = load [b]
    d = va ^ vb
    jnz d & m, differ
    a = a + 1
    b = b + 1
    jnz len <= 8, equal
    len = len - 8
    jmp loop
equal:
    ret 1
differ:
    ret 0
.endfunc

; do_cpu_op_memcpy(dst, src, len)
.func cpu_op_memcpy(dst, src, len)
loop:
    jz len, out
    m = call byte_mask(len)
    v = load [src]
    jnz m != 0xffffffffffffffff, part
    store [dst], v
    jmp next
part:
    old = load [dst]
    keep = ~m
    keep = old & keep
    v = v & m
    v = v | keep
    store [dst], v
next:
    dst = dst + 1
    src = src + 1
    jnz len <= 8, out
    len = len - 8
    jmp loop
out:
    ret 0
.endfunc

; do_cpu_op_fn(op_fn, p, v, len): the word's first `len` bytes, read, changed, written back
.func cpu_op_fn(op, p, v, len)
    m = call byte_mask(len)
    old = load [p]
    x = old & m
    jz op == CPU_ADD_OP, or
    x = x + v                                  ; op_add_fn()
    jmp put
or:
    jz op == CPU_OR_OP, and
    x = x | v                                  ; op_or_fn()
    jmp put
and:
    jz op == CPU_AND_OP, xor
    x = x & v                                  ; op_and_fn()
    jmp put
xor:
    jz op == CPU_XOR_OP, lshift
    x = x ^ v                                  ; op_xor_fn()
    jmp put
lshift:
    jz op == CPU_LSHIFT_OP, rshift
    x = x << v                                 ; op_lshift_fn()
    jmp put
rshift:
    x = x >> v                                 ; op_rshift_fn()
put:
    keep = ~m
    keep = old & keep
    x = x & m
    x = x | keep
    store [p], x
    ret 0
.endfunc

; kernel/sched/core.c sched_setaffinity(pid, len, user_mask_ptr): `args` points at the pid (isolsim's
; tasks are named by their CPU) followed by the user's cpumask; -EINVAL when no online CPU is left.
; The mask only: moving a running task off a CPU the mask excludes (its stopper there) is left
; out, isolsim's tasks staying on their CPU.
.func sys_sched_setaffinity(args)
    cpu = load [args]
    mask = args + 1
    r = ERR_EINVAL
    jnz cpu >= NR_CPUS, out
    all = &cpu_online_mask[0]
    meets = call cpumask_intersects(mask, all) ; __set_cpus_allowed_ptr(): cpumask_any_and_distribute() finds none
    jz meets, out
    allowed = &current.cpus_allowed[cpu][0]
    call cpumask_and(allowed, mask, all)       ; do_set_cpus_allowed() -> cpumask_copy() of the online ones
    r = 0
out:
    trace syscall_result(&sys_sched_setaffinity, r)
    ret r
.endfunc
