/*
 * rfc1: Valentin Schneider's RFC v1 (July 2023), "[RFC PATCH 11/14] context-tracking: Introduce
 * work deferral infrastructure" (seed 003) -- isolsim's models/kernel/protocols/rfc1.s on top of
 * ct_mainline.s, step for step, under sequential consistency. A separate ct->work word whose
 * bit 0 (CONTEXT_WORK_DISABLED) refuses new work while the CPU is in the kernel: the entry sets
 * it with fetch_or before ct_state_inc() and flushes what it fetched, the exit clears the word
 * after ct_state_inc(); the sender cmpxchg-loops while DISABLED is clear.
 *
 *   spin -a -DNSENDERS=2 rfc1.pml && gcc -O2 -DSAFETY -o pan pan.c && ./pan
 */

/* ct_mainline.s */
#define CT_STATE_KERNEL 0
#define CT_STATE_USER   2
#define CT_STATE_MASK   3
#define CT_RCU_WATCHING 4
/* rfc1.s */
#define CT_WORK_DISABLED 1          /* CONTEXT_WORK_DISABLED */
#define CT_WORK_SYNC     2          /* CONTEXT_WORK_n: sync_core */

/* isolsim's cannot_defer check: ct_set_cpu_work() accepts work for T in user mode */
#define ACCEPTS_WORK ((ct_work & CT_WORK_DISABLED) == 0)

/* A housekeeping CPU's own ct.state: boot.inactive.ct.state = CT_STATE_USER + CT_RCU_WATCHING */
#define OWN_CT_BOOT (CT_STATE_USER + CT_RCU_WATCHING)

#include "common_head.pml"

byte ct_work = 0;                   /* ct.work[T]: boot.active.ct.work (T in user mode) */
/* ct.state[T]: read and written by CPU T only, hence Spin's `local` tag (safe for POR) */
local byte ct_state = CT_STATE_USER + 2 * CT_RCU_WATCHING;

/* ---- target side (CPU T) ---- */

/* ct_mainline.s __ct_user_exit(CT_STATE_USER) with rfc1.s ct_kernel_enter_state(offset) */
inline ct_user_exit() {
  s = ct_state;                                              /* __ct_state(): load ct.state[T] */
  if
  :: (s & CT_STATE_MASK) == CT_STATE_USER ->
       act = 1;                                           /* load ct.active[T] = 1 (never written) */
       d_step { w = ct_work; ct_work = w | CT_WORK_DISABLED; consume(w) }   /* ct_work_fetch(): atomic_fetch_or ct.work[T], DISABLED @consume */
       d_step { ct_state = ct_state + CT_RCU_WATCHING - CT_STATE_USER; s = 0 }   /* ct_state_inc(): atomic_add_return ct.state[T] */
       if
       :: (w & CT_WORK_SYNC) -> d_step { run_held(); w = 0 } /* ct_work_flush(work) -> do_sync_core(0): serialize @callback */
       :: else -> w = 0
       fi
  :: else -> s = 0
  fi
}

/* ct_mainline.s __ct_user_enter(CT_STATE_USER) with rfc1.s ct_kernel_exit_state(offset) */
inline ct_user_enter() {
  s = ct_state;                                              /* __ct_state(): load ct.state[T] */
  if
  :: (s & CT_STATE_MASK) != CT_STATE_USER ->
       act = 1;                                           /* load ct.active[T] = 1 */
       d_step { ct_state = ct_state + CT_RCU_WATCHING + CT_STATE_USER; s = 0 }   /* ct_state_inc(): atomic_add_return ct.state[T] */
       d_step { ct_work = 0; drop_cleared(0) }               /* ct_work_clear(): store ct.work[T], 0 */
  :: else -> s = 0
  fi
}

/* ---- sender side (CPU me) ---- */

/* rfc1.s ct_set_cpu_work(T, CT_WORK_SYNC): ok = deferred */
inline ct_set_cpu_work() {
  old = ct_work;                                             /* old_work = atomic_read(&ct->work) */
  do
  :: (old & CT_WORK_DISABLED) -> d_step { ok = 0; old = 0 }; break   /* refused */
  :: else ->
       d_step {                                              /* atomic_try_cmpxchg(&ct->work, &old_work, old_work | work) @post(T, work) */
         if
         :: ct_work == old -> ct_work = old | CT_WORK_SYNC; post(me); ok = 1
         :: else -> old = ct_work; ok = 0
         fi
       };
       if :: ok -> old = 0; break :: else fi
  od
}

/* ct_mainline.s __ct_user_exit() / __ct_user_enter() on a housekeeping CPU (ct.active = 0):
 * its own ct.state, which no other CPU reads (a local of the Sender process) */
inline sender_user_exit() {
  seq = own_state;                                           /* load ct.state[me]: CT_STATE_USER */
  act = 0;                                                /* load ct.active[me] = 0: inactive */
  d_step { own_state = own_state - CT_STATE_USER; seq = 0 }  /* atomic_add ct.state[me], -CT_STATE_USER */
}
inline sender_user_enter() {
  seq = own_state;                                           /* load ct.state[me]: CT_STATE_KERNEL */
  act = 0;                                                /* load ct.active[me] = 0: inactive */
  d_step { own_state = own_state + CT_STATE_USER; seq = 0 }  /* atomic_add ct.state[me], CT_STATE_USER */
}

#include "common_procs.pml"
