/*
 * Timers that raise signals: ITIMER_REAL (setitimer, alarm) and POSIX timers
 * (timer_create) run on one expiry heap ordered by CLOCK_MONOTONIC deadline;
 * ITIMER_VIRTUAL and ITIMER_PROF count the process's CPU time and are checked
 * at the tick that finds their process running (itimer.c).
 *
 * Ownership. A process's timer state (struct ptimers) and its timers are
 * created by its own thread on first use and freed when it exits
 * (ktimers_exit_locked) or deletes them; they are never inherited by fork.
 * The table of POSIX timer ids and its count belong to the owning thread
 * alone (only it creates and deletes timers). Everything else -- a timer's
 * deadline, interval, armed state, overrun counts and its place in the heap,
 * the heap itself, the CPU itimers -- is protected by proc_lock: expiry runs
 * from the timer interrupt and signal delivery (the `delivered` hook) runs
 * in other threads, both under proc_lock.
 *
 * Each timer owns one struct sigqueue (owned = true): it is sent with
 * signal_send_owned_locked, and while it is still queued further expiries
 * are counted as overruns instead of queueing more signals (a periodic
 * timer then waits off the heap until its signal is taken).
 */
#ifndef KENIX_POSIX_KTIMER_H
#define KENIX_POSIX_KTIMER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "signal.h"

struct process;
struct thread;

#define NSEC_PER_SEC 1000000000ull
#define NSEC_PER_USEC 1000ull
/* Linux's KTIME_MAX: times are clamped here (about 292 years), never wrapped. */
#define KTIME_MAX ((uint64_t)INT64_MAX)
/* One tick in ns (TIMER_HZ = 100). */
#define TICK_NSEC 10000000ull
/* Most POSIX timers one process may have (besides RLIMIT_SIGPENDING). */
#define PTIMERS_MAX 1024

enum ktimer_kind {
    KTIMER_POSIX, /* timer_create: SI_TIMER, overruns counted while queued */
    KTIMER_REAL,  /* ITIMER_REAL: SIGALRM, re-armed when its signal is taken, as Linux */
};

struct ktimer {
    struct process *owner;  /* immutable */
    int id;                 /* POSIX timer id (KTIMER_POSIX); immutable */
    uint8_t kind;           /* enum ktimer_kind; immutable */
    uint8_t clock;          /* CLOCK_REALTIME or CLOCK_MONOTONIC; immutable */
    bool sigev_none;        /* SIGEV_NONE: never queued, only read back; immutable */
    bool armed;
    bool waiting;           /* periodic, its signal queued: off the heap until it is taken */
    bool parked;            /* periodic, its signal ignored: off the heap until it is not (Linux 6.13) */
    uint64_t deadline;      /* next expiry, CLOCK_MONOTONIC ns (<= KTIME_MAX), while armed */
    uint64_t interval;      /* ns; 0: one shot */
    unsigned heap_pos;      /* 1 + its index in the expiry heap; 0: not there */
    uint64_t overrun;       /* expiries while q was queued, since it was sent */
    int overrun_last;       /* of the last delivered expiry (timer_getoverrun) */
    struct sigqueue q;      /* its signal */
};

/* ITIMER_VIRTUAL / ITIMER_PROF: process CPU time in ns (Linux's cpu_itimer). */
struct cpu_itimer {
    uint64_t expires;       /* CPU time at which it fires; 0: disarmed */
    uint64_t incr;          /* interval */
};

struct ptimers {
    struct ktimer *real;        /* ITIMER_REAL, made on first use */
    struct cpu_itimer cpu[2];   /* [0] ITIMER_VIRTUAL, [1] ITIMER_PROF */
    struct ktimer **table;      /* POSIX timers by id (owner thread only) */
    unsigned table_size;
    unsigned count;             /* POSIX timers in table */
    unsigned parked;            /* timers in table parked because their signal is ignored */
};

/* CLOCK_MONOTONIC now, ns. */
uint64_t ktime_now(void);
/* a + b, clamped to KTIME_MAX. */
uint64_t ktime_add(uint64_t a, uint64_t b);
/* A timespec / timeval already validated (0 <= sec, sub-second part in
 * range) in ns, clamped to KTIME_MAX as Linux's timespec64_to_ktime. */
uint64_t ktime_from(int64_t sec, uint64_t nsec);
/* ns to {sec, nsec}. */
/* Reads a struct timespec from the current process: -EFAULT, or -EINVAL
 * unless tv_sec >= 0 and 0 <= tv_nsec < 10^9; *ns saturates at UINT64_MAX. */
int ktime_read_user(uint64_t uaddr, uint64_t *ns);
void ktime_split(uint64_t ns, int64_t out[2]);

/* The calling process's timer state, made if needed: NULL on no memory. */
struct ptimers *ptimers_get(void);

/* A new timer for the current process (not yet armed; its heap slot is
 * reserved, so arming never fails): NULL on no memory. Called without locks. */
struct ktimer *ktimer_create(enum ktimer_kind kind, int clock, bool sigev_none);
/* Disarms t, takes its signal off the queue and gives its heap slot back;
 * the caller frees it (kfree) after dropping proc_lock. proc_lock held. */
void ktimer_release_locked(struct ktimer *t);

/* Arms t to expire at `deadline` (CLOCK_MONOTONIC ns) and every `interval`
 * ns after (0: once). Cancels an earlier arming. proc_lock held. */
void ktimer_arm_locked(struct ktimer *t, uint64_t deadline, uint64_t interval);
void ktimer_disarm_locked(struct ktimer *t);
/* Time to the next expiry as Linux's timer_gettime / getitimer report it:
 * 0 when disarmed, 1 ns for an expiry the tick has not handled yet, and a
 * SIGEV_NONE interval timer moved forward past now. proc_lock held. */
uint64_t ktimer_remaining_locked(struct ktimer *t, uint64_t now);

/* From the timer interrupt (sched_tick; no lock held, interrupts masked):
 * fires the timers whose deadline passed and checks the CPU itimers of the
 * process that was running (`user`: it was in user mode). */
void ktimers_tick(uint64_t counter_now, struct thread *cur, bool user);
/* The CPU-itimer half of the tick (itimer.c). proc_lock held. */
void itimer_cpu_tick_locked(struct process *p, bool user);

/* execve: the POSIX timers are deleted (their queued signals too); ITIMER_REAL,
 * ITIMER_VIRTUAL and ITIMER_PROF go on, as on Linux. proc_lock held. */
void ktimers_exec_locked(struct process *p);
/* A process is exiting: its timers stop and are freed. proc_lock held. */
void ktimers_exit_locked(struct process *p);
/* p's disposition of sig no longer ignores it (rt_sigaction): periodic timers
 * parked because it did go on, the periods meanwhile counted as overruns.
 * Proportional to p's timers, and only when some are parked. proc_lock held. */
void ktimers_unignore_locked(struct process *p, int sig);

#endif
