; Runtime nohz_full (seed 001): context tracking and the full-dynticks tick turned on and off per
; CPU during a run. Frederic Weisbecker, "Requirements to control kernel isolation/nohz_full at
; runtime" (2020-09-01) and PeterZ's answer (2020-09-07, seed 001): no exception_enter() state
; saved on a stack, so the switch must find the CPU quiescent; static keys rather than TIF_NOHZ
; to call context tracking. Mainline has no runtime switch (ct_cpu_track_user() is __init, and
; since v6.1 only cpuset's isolated partitions change at run time, for the scheduler domains; the
; v7.0 housekeeping rework is the "stepping stone", facts.md 5.4). isolsim's switch is what the
; requirements describe, built from the kernel's own pieces:
;  - a user-space write of the nohz_full mask (sys_nohz_full_write, as a cpuset partition write),
;    serialised by a mutex, refused with -EINVAL for a CPU that does not exist or for the
;    timekeeper (tick_nohz_full_setup(): tick_do_timer_cpu stays housekeeping);
;  - each CPU switched on itself by its stopper (stop_one_cpu(), stop_machine.s): in process
;    context, nothing saved below, where ct->state says kernel whether the CPU is tracked or not
;    (ct_mainline.s: an untracked CPU's state word keeps its context bits and RCU watching), so
;    ct->active (ct_cpu_track_user()) flips without a transition of the word -- once the key is
;    on: a stay that began with it off left the context at user, which the switch on corrects;
;    with kernel.nohz_full_switch = stop_machine every other CPU waits in its stopper meanwhile;
;  - the context_tracking_key static key counted as ct_cpu_track_user() counts it, enabled before
;    the first CPU is tracked and disabled after the last one stops; its jump labels are entry
;    code, read before any deferred work is flushed, so their patching IPIs every CPU and is never
;    deferred (RFC v3's JUMP_TYPE_FORCEFUL, v4+'s DEFINE_STATIC_KEY_FALSE_NOINSTR(): facts.md 1.8b);
;  - the tick: stopped to the residual tick in TSC-deadline mode, or back to the periodic tick
;    (tick_nohz_stop_tick() / tick_nohz_restart_sched_tick() through the clockevent's modes).
; Loaded at layer 1 when a workload writes the mask (KernelConfig::nohz_full_runtime); it replaces
; entry.s's constant key with the patched jump, read as one load of context_tracking_key.jump.

.equ MSR_X2APIC_LVTT, 0x832                    ; APIC_LVTT: the LVT timer register
.equ MSR_X2APIC_TMICT, 0x838                   ; APIC_TMICT: the timer's initial count
.equ APIC_LVT_TIMER_PERIODIC, 0x20000          ; bits 17-18 = 01
.equ APIC_LVT_TIMER_TSCDEADLINE, 0x40000       ; bits 17-18 = 10

.var tick_nohz_full_mask[NR_CPUMASK_LONGS]     ; tick_nohz_full_mask as user space last wrote it (boot.cpp: nohz_full=)
.var nohz_full_mutex                           ; the writers' mutex (cpuset_mutex)
.var context_tracking_key.enabled = NR_NOHZ_FULL_BOOT   ; context_tracking_key.key.enabled: a count
.var context_tracking_key.jump = CONTEXT_TRACKING_ENABLED ; the jump labels' patched state: 1 = jump

; kernel/entry/common.c __enter_from_user_mode() -> user_exit_irqoff(): the static branch read as
; its patched bytes
.func enter_from_user_mode()
    key = load context_tracking_key.jump       ; context_tracking_enabled(): static_branch_unlikely()
    jz key, out
    call ct_user_exit()
out:
    ret 0
.endfunc

; kernel/entry/common.c exit_to_user_mode() -> user_enter_irqoff()
.func exit_to_user_mode()
    key = load context_tracking_key.jump
    jz key, out
    call ct_user_enter()
out:
    ret 0
.endfunc

; The user-space write: the CPUs of `mask` (a cpumask, what the written cpulist parses to) become
; nohz_full, the others stop being so. Returns 0, or -EINVAL with nothing changed.
.func sys_nohz_full_write(mask)
    all = &cpu_online_mask[0]
    ok = call cpumask_subset(mask, all)        ; cpulist_parse(): no such CPU
    jz ok, einval
    timekeeper = call cpumask_test_cpu(TICK_DO_TIMER_CPU, mask)
    jnz timekeeper, einval                     ; the timekeeper stays housekeeping
lock:
    old = xchg nohz_full_mutex, 1              ; mutex_lock(&cpuset_mutex)
    jz old, locked
    call sleep_wait()
    jmp lock
locked:
    cur = &tick_nohz_full_mask[0]
    cpu = -1
on:                                            ; CPUs that become nohz_full: the key first
    cpu = call cpumask_next(cpu, mask)
    jnz cpu >= NR_CPUS, on_done
    was = call cpumask_test_cpu(cpu, cur)
    jnz was, on
    call static_key_slow_inc_ct()
    call tif_nohz_set_all()
    call nohz_full_switch(cpu, 1)
    jmp on
on_done:
    cpu = -1
off:                                           ; CPUs that stop being nohz_full: the key after
    cpu = call cpumask_next(cpu, cur)
    jnz cpu >= NR_CPUS, off_done
    stays = call cpumask_test_cpu(cpu, mask)
    jnz stays, off
    call nohz_full_switch(cpu, 0)
    call static_key_slow_dec_ct()
    jmp off
off_done:
    call cpumask_copy(cur, mask)
    store nohz_full_mutex, 0                   ; mutex_unlock()
    trace syscall_result(&sys_nohz_full_write, 0)
    ret 0
einval:
    trace syscall_result(&sys_nohz_full_write, ERR_EINVAL)
    ret ERR_EINVAL
.endfunc

; The switch of `cpu`, run on it by its stopper; under stop_machine() (kernel.nohz_full_switch)
; every other CPU is held in its own stopper meanwhile, so no deferral sender is between its
; ct->active test and its post: what a sender whose post does not itself refuse an untracked CPU
; (v4 to v6: the cmpxchg tests the context bits only) needs, at the price of an IPI to every CPU.
.func nohz_full_switch(cpu, on)
    jnz NOHZ_FULL_SWITCH_STOP_MACHINE, all
    call stop_one_cpu(cpu, &nohz_full_switch_cpu, on)
    ret 0
all:
    call stop_machine(&nohz_full_switch_cpu, on, cpu)
    ret 0
.endfunc

; Run by the CPU's stopper on the CPU itself: ct_cpu_track_user(cpu) / its inverse, and the tick.
; ct->state keeps its RCU count (see above); the versions that keep other per-CPU words for
; tracked CPUs only (pz2021's ct->seq, rfc1's ct->work) hold their kernel values here too.
.func nohz_full_switch_cpu(on)
    jz on, track
    ; A stay that began while context_tracking_key was off never ran __ct_user_exit(): the state
    ; word may still say user here. Boot's ct_cpu_track_user() finds CT_STATE_KERNEL; a runtime
    ; switch must make it so, as that exit's !active branch would have (raw_atomic_sub()),
    ; or the return to user sees "already user", skips ct_kernel_exit() and leaves RCU watching:
    ; ct_set_cpu_work() would refuse this CPU for ever.
    s = load ct.state[this_cpu]
    s = s & CT_STATE_MASK
    jz s == CT_STATE_USER, track
    atomic_add ct.state[this_cpu], CT_STATE_KERNEL - CT_STATE_USER
track:
    store ct.active[this_cpu], on              ; per_cpu(context_tracking.active, cpu) = on
    store tick.nohz_full[this_cpu], on         ; cpumask_{set,clear}_cpu(cpu, tick_nohz_full_mask)
    trace nohz_full_set(this_cpu, on)          ; isolsim tracepoint: the report's nohz_full CPUs over time
    jz on, periodic
    store lapic.periodic[this_cpu], 0          ; tick_nohz_stop_tick(): one-shot, the residual tick only
    store tick.period[this_cpu], RESIDUAL_TICK_CYCLES
    wrmsr MSR_X2APIC_LVTT, APIC_LVT_TIMER_TSCDEADLINE | LOCAL_TIMER_VECTOR   ; lapic_timer_set_oneshot()
    jz RESIDUAL_TICK_CYCLES, out
    now = rdtsc
    next = now + RESIDUAL_TICK_CYCLES
    store tick.next[this_cpu], next
    call hrtimer_reprogram()
    ret 0
periodic:
    store tick.period[this_cpu], 0             ; tick_nohz_restart_sched_tick()
    store tick.next[this_cpu], 0
    mfence                                     ; weak_wrmsr_fence()
    wrmsr MSR_IA32_TSC_DEADLINE, 0             ; the residual tick's deadline disarmed
    jz TICK_CYCLES, out
    store lapic.periodic[this_cpu], 1
    wrmsr MSR_X2APIC_LVTT, APIC_LVT_TIMER_PERIODIC | LOCAL_TIMER_VECTOR     ; lapic_timer_set_periodic()
    wrmsr MSR_X2APIC_TMICT, TICK_CYCLES
out:
    ret 0
.endfunc

; kernel/jump_label.c static_key_slow_inc(&context_tracking_key) under jump_label_mutex (the
; writers' mutex here): the first user patches the entry code's branches in
.func static_key_slow_inc_ct()
    n = load context_tracking_key.enabled
    n = n + 1
    store context_tracking_key.enabled, n
    jnz n != 1, out
    call jump_label_update_ct(1)
out:
    ret 0
.endfunc

; kernel/jump_label.c static_key_slow_dec(&context_tracking_key): the last user patches them out
.func static_key_slow_dec_ct()
    n = load context_tracking_key.enabled
    n = n - 1
    store context_tracking_key.enabled, n
    jnz n, out
    call jump_label_update_ct(0)
out:
    ret 0
.endfunc

; kernel/jump_label.c jump_label_update() -> arch_jump_label_transform_apply() ->
; text_poke_bp_batch() (v6.6) for a key read in noinstr entry code: the three syncs IPI every
; CPU, deferral or not
.func jump_label_update_ct(on)
    call text_poke_sync_forceful()             ; after the INT3 bytes
    store context_tracking_key.jump, on        ; the new bytes (the tail, then the first byte)
    call text_poke_sync_forceful()
    call text_poke_sync_forceful()
    ret 0
.endfunc

; text_poke_sync() for a forceful (noinstr) key: on_each_cpu(do_sync_core, NULL, 1), never deferred
.func text_poke_sync_forceful()
    req = request
    all = &cpu_online_mask[0]
    call smp_call_function_many_cond(all, &do_sync_core, req, SCF_RUN_LOCAL | SCF_WAIT, 0, &on_each_cpu_cond_mask)
    ret 0
.endfunc

; The TIF_NOHZ entry (tif_nohz.s) sets the flag on every task when context tracking is first
; enabled; with the static-key entry there is nothing to do.
.func tif_nohz_set_all()
    ret 0
.endfunc
