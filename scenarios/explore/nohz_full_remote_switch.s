; A broken runtime nohz_full switch, for the explorer to catch: the writer flips the target's
; ct->active from its own CPU instead of running nohz_full_switch_cpu() on the target through its
; stopper (models/kernel/nohz_full_runtime.s). The target may be in user mode, with its context-
; tracking state written under the other setting: seed 001's "the switch happens with the CPU
; quiescent" is exactly what this skips. Load it over the switch scenarios:
;   --set 'programs=[{"file":"sync_core_on.s"},{"file":"nohz_full_remote_switch.s"}]'
.func stop_one_cpu(cpu, fn, arg)
    store ct.active[cpu], arg
    store tick.nohz_full[cpu], arg
    trace nohz_full_set(cpu, arg)
    ret 0
.endfunc
