/*
 * Signal state of a process and the default actions.
 *
 * What exists today: masks (rt_sigprocmask), pending sets, dispositions
 * SIG_DFL and SIG_IGN (rt_sigaction without handlers), sending (kill, tkill,
 * tgkill, and the kernel's own SIGCHLD, SIGPIPE), and delivery on every
 * return to user mode with the default actions terminate and ignore. A
 * signal that is going to be acted on interrupts whatever its process waits
 * for (wait_interrupt). Handlers, stop/continue and the restart rules after a
 * handler come next (the signals issue); until then a stop signal's default
 * action is not carried out (it is discarded, and said so once in the log).
 *
 * The state lives in struct process and is protected by proc_lock: signals
 * are sent by other processes and by the kernel on their behalf.
 */
#ifndef KENIX_POSIX_SIGNAL_H
#define KENIX_POSIX_SIGNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "kenix/spinlock.h"

struct process;
struct thread;
struct trap_frame;

#define SIG_DFL 0
#define SIG_IGN 1

/* Bit of signal `sig` (1..64) in a Linux sigset word. */
#define SIGBIT(sig) (1ull << ((sig) - 1))

struct sigstate {
    uint64_t blocked;           /* the mask */
    uint64_t pending;           /* sent, not yet acted on */
    uint64_t ignored;           /* disposition SIG_IGN */
    uint64_t chld_flags;        /* SA_NOCLDWAIT / SA_NOCLDSTOP of SIGCHLD's action */
    uint64_t action_flags[64];  /* sa_flags each rt_sigaction set, reported back */
    uint64_t action_mask[64];   /* sa_mask likewise */
};

/* Sends sig (1..64) to p from the kernel's side (permission already checked).
 * Discards it if p ignores it; otherwise marks it pending and, if it is not
 * blocked, interrupts p's wait. `held` is a lock the caller holds (proc_lock
 * or NULL). Call with proc_lock held. */
void signal_send_locked(struct process *p, int sig, struct spinlock *held);
/* The same, taking proc_lock. */
void signal_send(struct process *p, int sig);

/* Acts on the pending signals of the current process (exit_to_user; interrupts on). */
void signal_deliver(struct trap_frame *f);

/* Fork: the child gets the mask and dispositions, not the pending set. */
void signal_fork(struct sigstate *child, const struct sigstate *parent);
/* A new program (kx_process_create): everything at its default. */
void signal_reset(struct sigstate *s);

/* Whether the parent of an exiting child wants no zombie (SIGCHLD ignored, or SA_NOCLDWAIT). */
bool signal_autoreap(const struct process *parent);

#endif
