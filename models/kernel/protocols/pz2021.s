; Work deferral, Peter Zijlstra's RFC (2021-09-29, "[PATCH v2 00/11] sched,rcu,context_tracking,
; livepatch: Improve livepatch task transitions for idle and NOHZ_FULL", lore:20210929151723.162004989@infradead.org):
; 07/11 "context_tracking: Add an atomic sequence/state count" (lore:20210929152428.947246287@infradead.org),
; 08/11 "context_tracking,rcu: Replace RCU dynticks counter with context_tracking"
; (lore:20210929152429.007420590@infradead.org), 11/11 "context_tracking,x86: Fix text_poke_sync()
; vs NOHZ_FULL" (lore:20210929152429.186930629@infradead.org). ct->seq carries CT_SEQ_WORK,
; CT_SEQ_NMI and CT_SEQ_USER under a counter in units of CT_SEQ, and the work bits sit in a
; separate ct->work. The sender sets the work, then tries to flag it in ct->seq; the race of seed
; 003 lives between those two steps (RFC v1 11/14's changelog: "this would ultimately lead to a
; double execution of the callback").
; In this RFC context tracking runs on nohz_full CPUs only, so a housekeeping CPU's sequence
; stays in the kernel state and senders always IPI it. Overrides ct_mainline.s.

.equ CT_SEQ_WORK, 0x1
.equ CT_SEQ_NMI, 0x2
.equ CT_SEQ_USER, 0x4
.equ CT_SEQ, 0x8
.equ CT_WORK_SYNC, 0x1                         ; a bit of ct->work
.equ SYNC_CORE_WORK_BITS, CT_WORK_SYNC
.equ DEFER_SYNC_CORE, 1

.percpu ct.seq
.percpu ct.work

; The ledger reads where a CPU is from ct->seq: "effectively EQS is 10 only [USER set, NMI clear],
; the other 3 states are kernel" (PeterZ, 20210929190935.GX4323@worktop.programming.kicks-ass.net).
; Idle changes no count here (08/11 drops RCU's dynticks updates: "Oh argh, it does idle too"):
; an idle CPU reads as in the kernel, and senders IPI it.
.ctstate ct.seq, ct_seq_where
.func ct_seq_where(seq)
    mode = seq & (CT_SEQ_USER | CT_SEQ_NMI)
    jnz mode != CT_SEQ_USER, kernel            ; __context_tracking_seq_in_user()
    ret CT_WHERE_USER
kernel:
    ret CT_WHERE_KERNEL
.endfunc
.equ boot.active.ct.seq, CT_SEQ_USER + 2 * CT_SEQ
.equ boot.inactive.ct.seq, 0

; 08/11 makes RCU read ct->seq: rcu_dynticks_snap() is ct_seq(cpu), and a CPU is in an extended
; quiescent state when the sequence says user (idle counts as kernel here, see above)
.func ct_rcu_watching_cpu_acquire(cpu)
    seq = load ct.seq[cpu]
    ret seq
.endfunc

.func rcu_watching_snap_in_eqs(seq)
    mode = seq & (CT_SEQ_USER | CT_SEQ_NMI)
    ret mode == CT_SEQ_USER
.endfunc

; 07/11 ct_seq_user_exit(), called in __context_tracking_exit() before rcu_user_exit()
.func ct_user_exit()
    active = load ct.active[this_cpu]          ; inside the `if (__this_cpu_read(context_tracking.active))`
    jz active, out
    seq = atomic_add_return ct.seq[this_cpu], CT_SEQ - CT_SEQ_USER
    jz seq & CT_SEQ_WORK, out                  ; if (seq & CT_SEQ_WORK)
    call ct_exit_user_work()
out:
    ret 0
.endfunc

; 07/11 + 11/11 ct_exit_user_work(): run the flagged work, clear it, then the flag
.func ct_exit_user_work()
    work = load ct.work[this_cpu] @consume(SYNC_CORE_WORK_BITS)    ; arch_atomic_read(&ct->work)
    jz work & CT_WORK_SYNC, flagged            ; if (work & CT_WORK_SYNC) { sync_core(); clear it }
    call ct_work_flush(work)
    atomic_andnot ct.work[this_cpu], CT_WORK_SYNC
flagged:
    atomic_andnot ct.seq[this_cpu], CT_SEQ_WORK
    ret 0
.endfunc

.func ct_work_flush(work)
    jz work & CT_WORK_SYNC, out
    call do_sync_core(0)
out:
    ret 0
.endfunc

; 07/11 ct_seq_user_enter(), after rcu_user_enter(): atomic_set(&ct->work, 0);
; atomic_add_return(CT_SEQ_USER, &ct->seq)
.func ct_user_enter()
    active = load ct.active[this_cpu]
    jz active, out
    store ct.work[this_cpu], 0
    seq = atomic_add_return ct.seq[this_cpu], CT_SEQ_USER
out:
    ret 0
.endfunc

; 07/11 irqentry_nmi_enter() -> ct_nmi_enter_irqoff() -> __context_tracking_nmi_enter() ->
; ct_seq_nmi_enter(): "NMI-enter is USER-exit"; rcu_nmi_enter() after it counts nothing (08/11)
.func ct_nmi_enter()
    active = load ct.active[this_cpu]
    jz active, out
    seq = atomic_add_return ct.seq[this_cpu], CT_SEQ_NMI
    jz seq & CT_SEQ_WORK, out
    call ct_exit_user_work()
out:
    ret 0
.endfunc

; 07/11 ct_seq_nmi_exit(): atomic_set(&ct->work, 0); atomic_add_return(CT_SEQ - CT_SEQ_NMI, &ct->seq)
.func ct_nmi_exit()
    active = load ct.active[this_cpu]
    jz active, out
    store ct.work[this_cpu], 0
    seq = atomic_add_return ct.seq[this_cpu], CT_SEQ - CT_SEQ_NMI
out:
    ret 0
.endfunc

; 08/11 deletes rcu_dynticks_eqs_enter()/exit() from rcu_eqs_enter()/exit() and rcu_nmi_enter()/
; exit() with no replacement: idle, and an interrupt taken in it, change no count.
.func ct_irq_enter()
    ret 0
.endfunc
.func ct_irq_exit()
    ret 0
.endfunc
.func ct_idle_enter()
    ret 0
.endfunc
.func ct_idle_exit()
    ret 0
.endfunc

; ct_set_cpu_work(cpu, work): the sender of the RFC (and of the seed 003 diagram)
.func ct_set_cpu_work(cpu, work)
    active = load ct.active[cpu]               ; if (!context_tracking_enabled() || !ct->active) return false
    jz active, refused
    seq = load ct.seq[cpu]                     ; seq = atomic_read(&ct->seq)
    mode = seq & (CT_SEQ_USER | CT_SEQ_NMI)
    jnz mode != CT_SEQ_USER, refused           ; if ((seq & (USER|NMI)) == USER)
    atomic_or ct.work[cpu], work @post(cpu, work)    ; atomic_or(work, &ct->work)
    new = seq | CT_SEQ_WORK
    ok, seq = cmpxchg ct.seq[cpu], seq, new    ; ret = atomic_try_cmpxchg(&ct->seq, &seq, seq|CT_SEQ_WORK)
    ret ok
refused:
    ret 0
.endfunc
