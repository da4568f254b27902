; struct cpumask as the kernel keeps it: an array of NR_CPUMASK_LONGS longs in memory, bit `cpu`
; of word `cpu / 64` (include/linux/cpumask.h, include/linux/bitmap.h, lib/find_bit.c of Linux
; v6.6). Every function takes and returns pointers to word 0 of a mask; a walk reads the mask one
; word at a time, as for_each_cpu() does, so 1,024 CPUs cost 16 loads, not 1,024.
; NR_CPUMASK_LONGS is predefined: BITS_TO_LONGS(NR_CPUS).

; kernel/cpu.c __cpu_online_mask (every CPU is online from boot to the end) and
; lib/cpumask.c cpu_bit_bitmap, what cpumask_of(cpu) points into; both filled at boot (boot.cpp).
.var cpu_online_mask[NR_CPUMASK_LONGS]
.var cpu_bit_bitmap[NR_CPUS][NR_CPUMASK_LONGS]

; kernel/smp.c cfd_data.cpumask, cfd_data.cpumask_ipi (smp.s): here, after every other file's
; per-CPU data, whose cache lines they would otherwise shift
.percpu cfd.cpumask[NR_CPUMASK_LONGS]
.percpu cfd.cpumask_ipi[NR_CPUMASK_LONGS]

; include/linux/cpumask.h cpumask_of(cpu) -> get_cpu_mask(cpu)
.func cpumask_of(cpu)
    addr = &cpu_bit_bitmap[cpu][0]
    ret addr
.endfunc

; cpumask_test_cpu(cpu, cpumask) -> test_bit(cpu, cpumask_bits(cpumask))
.func cpumask_test_cpu(cpu, mask)
    word = cpu >> 6
    addr = mask + word
    word_bits = load [addr]
    bit = cpu & 63
    word_bits = word_bits >> bit
    ret word_bits & 1
.endfunc

; __cpumask_set_cpu(cpu, dstp) -> __set_bit(): the non-atomic read-modify-write the kernel uses on
; masks only their CPU writes (cfd->cpumask_ipi, a caller's own mask)
.func __cpumask_set_cpu(cpu, mask)
    word = cpu >> 6
    addr = mask + word
    word_bits = load [addr]
    bit = cpu & 63
    one_bit = 1 << bit
    word_bits = word_bits | one_bit
    store [addr], word_bits
    ret 0
.endfunc

; __cpumask_clear_cpu(cpu, dstp) -> __clear_bit()
.func __cpumask_clear_cpu(cpu, mask)
    word = cpu >> 6
    addr = mask + word
    word_bits = load [addr]
    bit = cpu & 63
    one_bit = 1 << bit
    word_bits = word_bits & ~one_bit
    store [addr], word_bits
    ret 0
.endfunc

; cpumask_next(n, srcp) -> find_next_bit(cpumask_bits(srcp), nr_cpumask_bits, n + 1): lib/find_bit.c
; FIND_NEXT_BIT(), the word holding n + 1 masked below it, then whole words, __ffs() of the first
; non-zero one. NR_CPUS when there is none. for_each_cpu(cpu, mask) is
; `cpu = -1; while ((cpu = cpumask_next(cpu, mask)) < NR_CPUS)`.
.func cpumask_next(n, mask)
    start = n + 1
    jnz start >= NR_CPUS, none
    idx = start >> 6
    bit = start & 63
    keep = ~0 << bit                           ; BITMAP_FIRST_WORD_MASK(start)
    addr = mask + idx
    word_bits = load [addr]
    word_bits = word_bits & keep
scan:
    jnz word_bits, found
    idx = idx + 1
    jnz idx >= NR_CPUMASK_LONGS, none
    addr = addr + 1
    word_bits = load [addr]
    jmp scan
found:
    base = idx << 6
    low = tzcnt word_bits                      ; __ffs(tmp)
    cpu = base + low
    jnz cpu >= NR_CPUS, none                   ; min(..., nr_cpumask_bits)
    ret cpu
none:
    ret NR_CPUS
.endfunc

; cpumask_and(dstp, src1p, src2p) -> bitmap_and(): true when the result is not empty
.func cpumask_and(dst, src1, src2)
    i = 0
    any = 0
each:
    addr1 = src1 + i
    bits1 = load [addr1]
    addr2 = src2 + i
    bits2 = load [addr2]
    bits1 = bits1 & bits2
    daddr = dst + i
    store [daddr], bits1
    any = any | bits1
    i = i + 1
    jnz i < NR_CPUMASK_LONGS, each
    ret any != 0
.endfunc

; cpumask_andnot(dstp, src1p, src2p) -> bitmap_andnot(): true when the result is not empty
.func cpumask_andnot(dst, src1, src2)
    i = 0
    any = 0
each:
    addr1 = src1 + i
    bits1 = load [addr1]
    addr2 = src2 + i
    bits2 = load [addr2]
    bits1 = bits1 & ~bits2
    daddr = dst + i
    store [daddr], bits1
    any = any | bits1
    i = i + 1
    jnz i < NR_CPUMASK_LONGS, each
    ret any != 0
.endfunc

; cpumask_copy(dstp, srcp) -> bitmap_copy()
.func cpumask_copy(dst, src)
    i = 0
each:
    saddr = src + i
    bits1 = load [saddr]
    daddr = dst + i
    store [daddr], bits1
    i = i + 1
    jnz i < NR_CPUMASK_LONGS, each
    ret 0
.endfunc

; cpumask_clear(dstp) -> bitmap_zero()
.func cpumask_clear(dst)
    i = 0
each:
    daddr = dst + i
    store [daddr], 0
    i = i + 1
    jnz i < NR_CPUMASK_LONGS, each
    ret 0
.endfunc

; cpumask_intersects(src1p, src2p) -> bitmap_intersects()
.func cpumask_intersects(src1, src2)
    i = 0
each:
    addr1 = src1 + i
    bits1 = load [addr1]
    addr2 = src2 + i
    bits2 = load [addr2]
    jnz bits1 & bits2, yes
    i = i + 1
    jnz i < NR_CPUMASK_LONGS, each
    ret 0
yes:
    ret 1
.endfunc

; cpumask_subset(src1p, src2p) -> bitmap_subset(): every CPU of src1 is in src2
.func cpumask_subset(src1, src2)
    i = 0
each:
    addr1 = src1 + i
    bits1 = load [addr1]
    addr2 = src2 + i
    bits2 = load [addr2]
    jnz bits1 & ~bits2, no
    i = i + 1
    jnz i < NR_CPUMASK_LONGS, each
    ret 1
no:
    ret 0
.endfunc

; cpumask_or_equal(src1p, src2p, src3p) -> bitmap_or_equal(): (src1 | src2) == src3
.func cpumask_or_equal(src1, src2, src3)
    i = 0
each:
    addr1 = src1 + i
    bits1 = load [addr1]
    addr2 = src2 + i
    bits2 = load [addr2]
    bits1 = bits1 | bits2
    addr3 = src3 + i
    bits3 = load [addr3]
    jnz bits1 != bits3, no
    i = i + 1
    jnz i < NR_CPUMASK_LONGS, each
    ret 1
no:
    ret 0
.endfunc

; cpumask_empty(srcp) -> bitmap_empty()
.func cpumask_empty(src)
    i = 0
each:
    addr = src + i
    bits1 = load [addr]
    jnz bits1, no
    i = i + 1
    jnz i < NR_CPUMASK_LONGS, each
    ret 1
no:
    ret 0
.endfunc
