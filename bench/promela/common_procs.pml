/* The arrival of an IPI at T's APIC: a step of its own in isolsim ("IPI 0xfb reaches the APIC") */
active proctype Interconnect() {
end:
  do
  :: d_step { ipi_in_flight > 0; ipi_in_flight--; irr = 1 }
  od
}

/* CPU T: user mode, syscall getpid, back to user mode, then halted in user mode (interruptible).
 * Every statement executed with IF=1 is guarded by !irr: x86 takes a deliverable interrupt at the
 * boundary instead of the next instruction. */
active proctype Target() {
  byte s, w, entry, prev, tmp, csd, next, flags, func, info, k;
  bit act, isr;
  do                                                         /* user mode, IF=1 */
  :: irq_from_user()
  :: d_step { !irr; skip }; break                            /* __task_cpuT: syscall (IF=0) */
  od;
  ct_user_exit();                                            /* entry_SYSCALL_64 -> enter_from_user_mode() */
  skip;                                                      /* sti: local_irq_enable() */
  do                                                         /* sys_getpid(): compute 50, no memory access */
  :: irq_from_kernel()
  :: d_step { !irr; skip }; break                            /* cli: local_irq_disable_exit_to_user() */
  od;
  ct_user_enter();                                           /* exit_to_user_mode() */
  skip;                                                      /* sysret */
end_halted:
  do                                                         /* the program is over: halt, in user mode, IF=1 */
  :: irq_from_user()
  :: d_step { senders_done == NSENDERS && ipi_in_flight == 0 && !irr; end_checks() }; break
  od
}

/* A housekeeping CPU: sys_sync_core_on(1 << T) from user mode (entry.s entry_SYSCALL_64 with
 * sync_core_on.s as the body). Its own context tracking (sender_user_exit / sender_user_enter of
 * the protocol file) touches only its own per-CPU words: locals here. Nobody sends it an IPI.
 * pids: Interconnect 0, Target 1, senders 2 .. NSENDERS+1. */
active [NSENDERS] proctype Sender() {
  byte me = _pid - 2;                                        /* this CPU's number */
  byte seq, old, first, flags;
  byte own_state = OWN_CT_BOOT;                              /* this CPU's own ct word (protocol file) */
  bit ok, act;
  skip;                                                      /* __task_cpuN: syscall */
  sender_user_exit();                                        /* enter_from_user_mode() */
  skip;                                                      /* sti: local_irq_enable() */
  skip;                                                      /* sys_sync_core_on(): req = request */
  /* smp_call_function_many_cond(1 << T, do_sync_core, req, wait=1, do_sync_core_defer_cond) */
  ct_set_cpu_work();                                         /* cond_func(T): ok = deferred */
  if
  :: ok -> ok = 0                                            /* trace ct_work_deferred: no csd, no IPI, nothing to wait for */
  :: else ->
       queue_csd_and_ipi();                                  /* csd_lock, fill the csd, llist_add, IPI if it was empty */
       wait_csd()                                            /* wait: csd_lock_wait(csd) */
  fi;
  skip;                                                      /* cli: local_irq_disable_exit_to_user() */
  sender_user_enter();                                       /* exit_to_user_mode() */
  senders_done++                                             /* sysret; the program is over (halt) */
}
