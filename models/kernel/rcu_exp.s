; Expedited RCU grace periods: kernel/rcu/tree_exp.h (v6.6) synchronize_rcu_expedited() ->
; sync_rcu_exp_select_node_cpus() and rcu_exp_handler(), one leaf node holding every CPU. A CPU in
; an extended quiescent state (idle, or user mode on a nohz_full CPU) gets no IPI: RCU reads its
; context-tracking word (rcu_dynticks_snap() -> ct_dynticks_cpu_acquire()) and
; rcu_dynticks_in_eqs() says so; it reads it again just before the IPI
; (rcu_dynticks_in_eqs_since()), in case the CPU went through one meanwhile. The two functions
; that read the word come with the context-tracking layout (ct_mainline.s, or the protocol's).

.equ RCU_EXP_HANDLER_CYCLES, 600               ; calibration: rcu_exp_handler() reporting the quiescent state

.percpu rcu.exp_pending                        ; this CPU's bit of rnp->expmask: its QS is awaited

; kernel/rcu/tree_exp.h rcu_exp_handler(): the CPU is not in an RCU read-side critical section
; here, so it reports its quiescent state at once (rcu_report_exp_rdp())
.func rcu_exp_handler(info)
    compute RCU_EXP_HANDLER_CYCLES
    store rcu.exp_pending[this_cpu], 0
    ret 0
.endfunc

; kernel/rcu/tree_exp.h synchronize_rcu_expedited() (v6.6), run by the caller
.func synchronize_rcu_expedited()
    cpu = 0
select:                                        ; sync_rcu_exp_select_node_cpus()
    jz cpu != this_cpu, qs                     ; raw_smp_processor_id() == cpu: a QS already
    mfence                                     ; rcu_dynticks_snap(cpu): smp_mb(), then
    snap = call ct_rcu_watching_cpu_acquire(cpu)   ; ct_dynticks_cpu_acquire(cpu)
    eqs = call rcu_watching_snap_in_eqs(snap)  ; rcu_dynticks_in_eqs(snap)
    jnz eqs, skip
    mfence                                     ; retry_ipi: rcu_dynticks_in_eqs_since(rdp, snap)
    now = call ct_rcu_watching_cpu_acquire(cpu)
    jnz now != snap, skip
    store rcu.exp_pending[cpu], 1              ; mask_ofl_ipi
    call smp_call_function_single(cpu, &rcu_exp_handler, 0, 0)
    jmp qs
skip:
    trace ipi_avoided(cpu, &rcu_exp_handler, IPI_AVOIDED_EQS)   ; isolsim: no IPI, the CPU is quiescent
qs:
    cpu = cpu + 1
    jnz cpu < NR_CPUS, select
    cpu = 0
wait:                                          ; synchronize_rcu_expedited_wait(): every IPI'd CPU reports
    pending = load rcu.exp_pending[cpu]
    jz pending, next
    pause
    jmp wait
next:
    cpu = cpu + 1
    jnz cpu < NR_CPUS, wait
    ret 0
.endfunc
