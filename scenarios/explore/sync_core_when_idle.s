; The sync_core of sync_core_on.s, sent once the target's context-tracking state says idle (and
; RCU does not watch it): for scenarios whose target must be idle, not on its way there.
.func sys_sync_core_when_idle(cpu)
wait:
    s = load ct.state[cpu]
    jnz s & CT_RCU_WATCHING, wait
    ctx = s & CT_STATE_MASK
    jnz ctx != CT_STATE_IDLE, wait
    mask = call cpumask_of(cpu)
    call sys_sync_core_on(mask)
    ret 0
.endfunc
