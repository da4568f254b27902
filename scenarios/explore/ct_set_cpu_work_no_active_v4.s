; v4's ct_set_cpu_work() without its ct->active test (lore:20250114175143.81438-25-vschneid@redhat.com
; adds it), for the explorer to catch: racing seed 001's switch off, or simply aimed at an untracked
; CPU in user mode (whose context bits say user too, 21/30), the cmpxchg posts work that CPU's next
; entry does not flush. Load it with --set kernel.protocol=v4 over the switch scenarios:
;   --set 'programs=[{"file":"sync_core_on.s"},{"file":"ct_set_cpu_work_no_active_v4.s"}]'
.func ct_set_cpu_work(cpu, work)
    old = load ct.state[cpu]
    old = old & ~CT_STATE_KERNEL
    bits = work << CT_WORK_START
retry:
    new = old | bits
    ok, old = cmpxchg ct.state[cpu], old, new @post(cpu, bits)
    jnz ok, deferred
    s = old & CT_STATE_MASK
    jnz s != CT_STATE_KERNEL, retry
    ret 0
deferred:
    ret 1
.endfunc
