/*
 * pz2021: Peter Zijlstra's RFC (Sept 2021), "context_tracking: Add an atomic sequence/state
 * count" -- isolsim's models/kernel/protocols/pz2021.s, step for step, under sequential
 * consistency. ct->seq carries CT_SEQ_WORK / CT_SEQ_NMI / CT_SEQ_USER under a counter in units
 * of CT_SEQ; the work bits sit in a separate ct->work.
 *
 * Seed 003's race (reachable here): sender A has set CT_SEQ_WORK; sender B reads the same seq,
 * ORs its work into ct->work, the target enters the kernel (here: the entry of B's own IPI, or
 * the syscall) and runs the work, B's cmpxchg fails, B queues a csd and sends an IPI, and the
 * IPI handler runs B's callback a second time: assert(runs[..] <= 1) fails.
 *
 *   spin -a -DNSENDERS=2 pz2021.pml && gcc -O2 -DSAFETY -o pan pan.c && ./pan
 */

/* pz2021.s */
#define CT_SEQ_WORK     1
#define CT_SEQ_NMI      2
#define CT_SEQ_USER     4
#define CT_SEQ          8
#define CT_WORK_SYNC    1           /* a bit of ct->work */

/* isolsim's cannot_defer check: ct_set_cpu_work() accepts work for T in user mode */
#define ACCEPTS_WORK ((ct_seq & (CT_SEQ_USER | CT_SEQ_NMI)) == CT_SEQ_USER)

/* The housekeeping CPUs' own ct.seq/ct.work stay 0 and are never accessed: ct.active is 0. */
#define OWN_CT_BOOT 0

#include "common_head.pml"

byte ct_seq = CT_SEQ_USER + 2 * CT_SEQ;   /* ct.seq[T]: boot.active.ct.seq (in user mode) */
byte ct_work = 0;                         /* ct.work[T] */

/* ---- target side (CPU T) ---- */

/* pz2021.s ct_user_exit(): seq = atomic_add_return(CT_SEQ - CT_SEQ_USER, &ct->seq); run the
 * work if flagged */
inline ct_user_exit() {
  act = 1;                                                /* load ct.active[T] = 1 (never written) */
  d_step { ct_seq = ct_seq + CT_SEQ - CT_SEQ_USER; s = ct_seq }   /* atomic_add_return ct.seq[T], CT_SEQ - CT_SEQ_USER */
  if
  :: (s & CT_SEQ_WORK) ->
       d_step { w = ct_work; consume(w); s = 0 }             /* load ct.work[T] @consume: atomic_read(&ct->work) */
       if
       :: (w & CT_WORK_SYNC) ->
            d_step { run_held(); w = 0 }                     /* ct_work_flush() -> do_sync_core(0): serialize @callback */
            d_step { ct_work = ct_work & ~CT_WORK_SYNC; drop_cleared(ct_work) }   /* atomic_andnot ct.work[T], CT_WORK_SYNC */
       :: else -> w = 0
       fi;
       ct_seq = ct_seq & ~CT_SEQ_WORK                        /* flagged: atomic_andnot ct.seq[T], CT_SEQ_WORK */
  :: else -> s = 0
  fi
}

/* pz2021.s ct_user_enter(): atomic_set(&ct->work, 0); atomic_add_return(CT_SEQ_USER, &ct->seq) */
inline ct_user_enter() {
  act = 1;                                                /* load ct.active[T] = 1 */
  d_step { ct_work = 0; drop_cleared(0) }                    /* store ct.work[T], 0 */
  ct_seq = ct_seq + CT_SEQ_USER                              /* atomic_add_return ct.seq[T], CT_SEQ_USER (result unused) */
}

/* ---- sender side (CPU me) ---- */

/* pz2021.s ct_set_cpu_work(T, CT_WORK_SYNC): ok = deferred */
inline ct_set_cpu_work() {
  act = 1;                                                /* load ct.active[T] = 1 */
  seq = ct_seq;                                              /* seq = atomic_read(&ct->seq) */
  if
  :: (seq & (CT_SEQ_USER | CT_SEQ_NMI)) == CT_SEQ_USER ->    /* if ((seq & (USER|NMI)) == USER) */
       d_step { ct_work = ct_work | CT_WORK_SYNC; post(me) } /* atomic_or(work, &ct->work) @post(T, work) */
       d_step {                                              /* ret = atomic_try_cmpxchg(&ct->seq, &seq, seq|CT_SEQ_WORK) */
         if
         :: ct_seq == seq -> ct_seq = seq | CT_SEQ_WORK; ok = 1
         :: else -> ok = 0
         fi;
         seq = 0
       }
  :: else -> d_step { ok = 0; seq = 0 }                      /* refused */
  fi
}

/* pz2021.s ct_user_exit() / ct_user_enter() on a housekeeping CPU: ct.active[me] = 0, out */
inline sender_user_exit()  { act = 0 }                    /* load ct.active[me] = 0 */
inline sender_user_enter() { act = 0 }                    /* load ct.active[me] = 0 */

#include "common_procs.pml"
