/*
 * Shared by pz2021.pml and rfc1.pml: the part of isolsim's kernel paths that does not depend on
 * the deferral protocol (models/kernel/smp.s, entry.s, sync_core_on.s), the target's local APIC,
 * and isolsim's deferral ledger (models/kernel/deferral_ledger.cpp) reduced to the ghost state the
 * checks read.
 *
 * Granularity: one Promela statement per step of `isolsim explore --memory-model sc`
 * (sim/explore/machine.cpp): a shared-memory access, an IPI send (ICR write), an IPI arrival, an
 * interrupt taken, sti/cli, syscall, sysret, iret, an APIC EOI, a `request`, a callback run
 * (`serialize @callback`). Thread-local computation (register arithmetic, calls) sits in the
 * d_step of the access it belongs to; branches on registers are local statements. Memory is
 * sequentially consistent: plain Promela globals. Where the steps differ from isolsim's:
 *  - steps that touch nothing another CPU reads (the senders' syscall/sti/request/cli/sysret
 *    and their own per-CPU ct words, the EOI, iret) are statements on process-local variables:
 *    Spin's partial-order reduction merges them; isolsim folds thread-local instructions, loads
 *    of constants such as ct.active, the instructions of CPUs no IPI reaches, and accesses to
 *    words only one CPU touches (its guesses, checked), and stores a state for the rest (the
 *    target's EOI and iret);
 *  - branches on registers are Promela states of their own when statement merging is off (-o3);
 *  - a spinning load (csd_lock_wait) is a blocked guard, not a self-loop of loads;
 *  - the window with IF=1 inside the syscall is one boundary (before cli); isolsim also stops
 *    right after sti when an IPI is already pending there;
 *  - the ghost state is smaller than isolsim's ledger (no epochs, decisions, kernel/user mode),
 *    and dead registers are reset to 0 (isolsim keeps them): fewer distinct states;
 *  - isolsim's ledger reads every write of a CPU's context-tracking state word and the
 *    csd_queue_cpu tracepoint (where a CPU is, and a sender's IPI decision, for checks that hold
 *    for any protocol), so those are steps of their own there, never folded: the target's own
 *    ct.state (rfc1) is a `local` statement here, which Spin's partial-order reduction merges, and
 *    csd_queue_cpu has no statement here at all (more states for isolsim).
 * isolsim's deferred_to_kernel check is not modelled (neither protocol can defer work to a CPU
 * in the kernel: pz2021's cmpxchg fails once the sequence moved, rfc1's DISABLED bit refuses it).
 *
 * CPUs 0 .. NSENDERS-1 are housekeeping CPUs; each makes one system call sys_sync_core_on(mask =
 * 1 << T) (scenarios/explore/sync_core_on.s), i.e. on_each_cpu_cond_mask(do_sync_core_defer_cond,
 * do_sync_core, req, wait=1, mask): defer sync_core to the nohz_full CPU T with the protocol's
 * ct_set_cpu_work(), or else queue a csd on T's call_single_queue and IPI it, then wait for the csd.
 * CPU T = NSENDERS runs in user mode, makes one system call (getpid) and returns to user mode
 * for good; it takes the CALL_FUNCTION_SINGLE IPI (vector 0xfb) at any instruction boundary
 * where IF=1: in user mode, and in the syscall body between sti and cli.
 */

#ifndef NSENDERS
#define NSENDERS 2
#endif
#define T NSENDERS                  /* the nohz_full target CPU (scenario: "nohz_full": [T]) */

/* include/linux/smp_types.h, as in smp.s */
#define CSD_FLAG_LOCK   1
#define CSD_TYPE_SYNC   16
#define DO_SYNC_CORE    1           /* csd->func = &do_sync_core (an address: any non-zero tag) */

/* ---- shared memory (sequentially consistent) ---- */
/* cfd.csd[s][T] of each sender s: struct __call_single_data, one word per field (smp.s CSD_*).
 * A csd "pointer" is s + 1; 0 is NULL. */
byte csd_next[NSENDERS];            /* node.llist.next */
byte csd_flags[NSENDERS];           /* node.u_flags */
byte csd_func[NSENDERS];            /* func */
byte csd_info[NSENDERS];            /* info: the request id (isolsim passes it through info) */
byte call_single_queue = 0;         /* call_single_queue[T]->first */

/* ---- the target's local APIC and the interconnect (isolsim: Apic, State::in_flight) ---- */
byte ipi_in_flight = 0;             /* CALL_FUNCTION_SINGLE IPIs sent to T, not in its IRR yet */
bool irr = 0;                       /* IRR bit of vector 0xfb (two arrivals merge) */

/* ---- ghost state: isolsim's DeferralLedger, for the one target ---- */
#define TOK_NONE    0               /* nothing posted (or posted, consumed and run) */
#define TOK_LIVE    1               /* @post: on ct.work, not consumed yet */
#define TOK_HELD    2               /* @consume: taken by the target's entry, not run yet */
#define TOK_DROPPED 3               /* a write cleared its bits before anyone consumed it */
byte tok[NSENDERS];                 /* request s+1's deferred-work token */
byte runs[NSENDERS];                /* executions of request s+1's callback on T */
byte senders_done = 0;              /* senders back in user mode (their program over) */

/* @post(T, bits) on a successful write by sender s (isolsim: ct_set_cpu_work's annotation) */
inline post(s) { tok[s] = TOK_LIVE }

/* @consume(bits) read of the work word: every live token whose bits the read saw is held */
inline consume(seen) {
  k = 0;
  do
  :: k < NSENDERS ->
       if :: tok[k] == TOK_LIVE && (seen & CT_WORK_SYNC) -> tok[k] = TOK_HELD :: else fi;
       k++
  :: else -> break
  od;
  k = 0
}

/* a write of `value` to the work word destroys the live tokens whose bits it clears */
inline drop_cleared(value) {
  k = 0;
  do
  :: k < NSENDERS ->
       if :: tok[k] == TOK_LIVE && !(value & CT_WORK_SYNC) -> tok[k] = TOK_DROPPED :: else fi;
       k++
  :: else -> break
  od;
  k = 0
}

/* do_sync_core(0) from the deferred-work flush: @callback(bits, 0) runs every held token */
inline run_held() {
  k = 0;
  do
  :: k < NSENDERS ->
       if
       :: tok[k] == TOK_HELD ->
            tok[k] = TOK_NONE; runs[k]++;
            assert(runs[k] <= 1)             /* double_execution */
       :: else
       fi;
       k++
  :: else -> break
  od;
  k = 0
}

/* do_sync_core(info) from the IPI: @callback(bits, info) */
inline run_ipi(info) {
  runs[info - 1]++;
  assert(runs[info - 1] <= 1)                /* double_execution */
}

/* At an execution's end (every sender done, no IPI in flight or pending, T halted in user
 * mode): every request's callback ran, or its work still waits on ct.work for T's next entry
 * (isolsim's Outcome::Pending); no lost_work. */
inline end_checks() {
  k = 0;
  do
  :: k < NSENDERS ->
       assert(runs[k] >= 1 || tok[k] == TOK_LIVE || tok[k] == TOK_HELD);   /* lost_work */
       k++
  :: else -> break
  od;
  k = 0;
  assert(ACCEPTS_WORK)                       /* cannot_defer: T in user mode must accept work */
}

/* ---- the senders' IPI fallback: smp.s smp_call_function_many_cond(), one target ---- */
/* csd_lock(), the csd fields, llist_add() and send_call_function_single_ipi() */
inline queue_csd_and_ipi() {
  d_step { (csd_flags[me] & CSD_FLAG_LOCK) == 0; flags = csd_flags[me] }  /* csd_lock_wait(): load [csd + CSD_FLAGS]; spins while locked */
  csd_flags[me] = flags | CSD_FLAG_LOCK;                     /* csd->node.u_flags |= CSD_FLAG_LOCK */
  d_step { csd_flags[me] = flags | CSD_FLAG_LOCK | CSD_TYPE_SYNC; flags = 0 }  /* if (wait) u_flags |= CSD_TYPE_SYNC */
  csd_func[me] = DO_SYNC_CORE;                               /* csd->func = func */
  csd_info[me] = me + 1;                                     /* csd->info = info (request id) */
  first = call_single_queue;                                 /* llist_add(): first = READ_ONCE(head->first) */
  do
  :: csd_next[me] = first;                                   /* new_last->next = first */
     d_step {                                                /* try_cmpxchg(&head->first, &first, new_first) */
       if
       :: call_single_queue == first -> call_single_queue = me + 1; ok = 1
       :: else -> first = call_single_queue; ok = 0
       fi
     };
     if :: ok -> break :: else fi
  od;
  if
  :: first == 0 ->                                           /* llist_add() returned true: queue was empty */
       d_step { ipi_in_flight++; first = 0; ok = 0 }         /* x2apic_send_IPI(): wrmsr MSR_X2APIC_ICR (vector 0xfb) */
  :: else -> d_step { first = 0; ok = 0 }
  fi
}

/* csd_lock_wait() of smp_call_function_many_cond()'s wait loop: load [csd + CSD_FLAGS] until
 * unlocked (a blocked guard here; a self-loop of loads in isolsim) */
inline wait_csd() {
  (csd_flags[me] & CSD_FLAG_LOCK) == 0
}

/* ---- the target's IPI handler: smp.s sysvec_call_function_single(user) ---- */
/* __flush_smp_call_function_queue() */
inline flush_smp_call_function_queue() {
  d_step { entry = call_single_queue; call_single_queue = 0; prev = 0 }   /* llist_del_all(): xchg [head], 0 */
  do                                                         /* llist_reverse_order() */
  :: entry != 0 ->
       d_step { tmp = entry; entry = csd_next[tmp - 1] }     /* entry = load [tmp + CSD_NEXT] */
       d_step { csd_next[tmp - 1] = prev; prev = tmp; tmp = 0 }   /* store [tmp + CSD_NEXT], prev */
  :: else -> d_step { csd = prev; prev = 0 }; break
  od;
  do                                                         /* llist_for_each_entry_safe() */
  :: csd != 0 ->
       next = csd_next[csd - 1];                             /* load [csd + CSD_NEXT] */
       flags = csd_flags[csd - 1];                           /* load [csd + CSD_FLAGS]: CSD_TYPE(csd) */
       func = csd_func[csd - 1];                             /* load [csd + CSD_FUNC] */
       info = csd_info[csd - 1];                             /* load [csd + CSD_INFO] */
       d_step { run_ipi(info) }                              /* csd_do_func(): do_sync_core(info): serialize @callback */
       d_step { csd_flags[csd - 1] = 0; csd = next; next = 0; flags = 0; func = 0; info = 0 }  /* csd_unlock(): store [csd + CSD_FLAGS], 0 */
  :: else -> break
  od
}

/* the Interrupt step: T takes vector 0xfb at a boundary with IF=1 (IRR -> ISR, IF=0) */
#define TAKE_IRQ  d_step { irr; irr = 0; isr = 1 }

/* sysvec_call_function_single(user=1): irqentry_enter() from user runs the protocol's user exit */
inline irq_from_user() {
  TAKE_IRQ;                                                  /* isolsim: irq 0xfb from user */
  ct_user_exit();                                            /* irqentry_enter() -> enter_from_user_mode() */
  isr = 0;                                                   /* apic_eoi(): wrmsr MSR_X2APIC_EOI */
  flush_smp_call_function_queue();                           /* generic_smp_call_function_single_interrupt() */
  ct_user_enter();                                           /* irqentry_exit() -> exit_to_user_mode() */
  skip                                                       /* iret (to user, IF=1) */
}

/* sysvec_call_function_single(user=0): from the syscall body (no context tracking) */
inline irq_from_kernel() {
  TAKE_IRQ;                                                  /* isolsim: irq 0xfb from kernel */
  isr = 0;                                                   /* apic_eoi() */
  flush_smp_call_function_queue();
  skip                                                       /* iret (to the kernel, IF=1) */
}

